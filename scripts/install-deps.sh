#!/bin/sh
# Install the Debian packages mimic needs to build and test.
# Only packages not yet installed are fetched; runs apt-get through sudo when not root.
# Usage: scripts/install-deps.sh [--bench]
#   --bench adds Debian's QEMU, for side-by-side figures and as a test oracle.
set -e

BUILD_DEPS="gcc make meson ninja-build pkg-config libglib2.0-dev libpixman-1-dev libfdt-dev
libjson-glib-dev libcapstone-dev zlib1g-dev libaio-dev liburing-dev libslirp-dev
libseccomp-dev nettle-dev"
# The riscv64 guest (scripts/build-riscv-guest.sh) builds Linux from linux-source-6.1,
# and from linux-source-6.12 for the AIA tests (bc, bison, flex, xz-utils), and static
# busybox against libc6-dev-riscv64-cross
# (bzip2 unpacks its source); opensbi is the virt machine's default firmware, and
# u-boot-qemu's riscv64 builds boot on it in tests/functional/test_riscv_uboot.py.
# acpica-tools' iasl disassembles the pc machine's DSDT (test_acpi_hotplug.py);
# device-tree-compiler's dtc decompiles the virt machine's dumpdtb output.
TEST_DEPS="python3 python3-pytest python3-pexpect binutils cpio gzip dpkg-dev gdb-multiarch
gcc-riscv64-linux-gnu libc6-dev-riscv64-cross qemu-utils opensbi u-boot-qemu linux-source-6.1
linux-source-6.12 bc bison flex xz-utils bzip2 acpica-tools
device-tree-compiler"
# Debian's QEMU: the other column in benchmarks, and the optional oracle the tests use
# when present (MIMIC_ORACLE=qemu; qemu-system-misc holds qemu-system-riscv64).
BENCH_DEPS="qemu-system-x86 qemu-system-misc"

want="$BUILD_DEPS $TEST_DEPS"
[ "$1" = "--bench" ] && want="$want $BENCH_DEPS"

missing=""
for pkg in $want; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $pkg"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "install-deps: need root or sudo to install:$missing" >&2
    exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
