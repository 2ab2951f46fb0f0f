#!/bin/bash
# Build mimic's riscv64 test guest from Debian packages only: a Linux Image
# cross-built from Debian's linux-source-6.1, or -6.12 with --linux 6.12
# (tinyconfig plus scripts/guest/riscv64.config) and a busybox initramfs whose /init is
# scripts/guest/init, with busybox cross-built statically from Debian's source
# package.
#
# Needs (scripts/install-deps.sh installs them): linux-source-6.1 (and -6.12),
# gcc-riscv64-linux-gnu with libc6-dev-riscv64-cross, make, bc, bison, flex,
# xz-utils, bzip2, cpio, gzip. The busybox source is fetched with
# `apt-get source --download-only` through a temporary deb-src entry (twin of
# the system's Debian entry); as root that entry lives in
# /etc/apt/sources.list.d/ only while the download runs.
#
# The result is cached in
#     ${MIMIC_CACHE:-$HOME/.cache/mimic}/riscv64/{Image,initramfs.cpio.gz}
# (riscv64-linux-6.12/ for --linux 6.12: the kernel whose drivers know the
# AIA's IMSIC and APLIC, for -M virt,aia=aplic-imsic; Linux 6.1 has none)
# (and vmlinux beside them, whose symbols debugger tests break on)
# next to a stamp holding the hash of this script, the config fragment and the
# init; a second run with the same three only prints the paths. About 4 minutes
# (kernel) plus 1.5 (busybox) on 2 cores; MIMIC_JOBS sets make's -j (default:
# the number of CPUs).
#
# Usage: scripts/build-riscv-guest.sh [--print] [--force] [--linux 6.1|6.12]
#   --print   print only the two paths (kernel, then initramfs), one per line
#   --force   rebuild even when the cache is current
#   --linux   the Linux version to build (default 6.1)
# Progress and errors go to stderr; the build logs of a failed step are kept in
# the cache directory (kernel.log, busybox.log). Boot it with, e.g.
#   mimic-system-riscv64 -M virt -m 512 -smp 2 -nographic -kernel Image \
#       -initrd initramfs.cpio.gz -append 'console=ttyS0 mimic.cmd="uname -a"'
# (see scripts/guest/init for the mimic.cmd convention).
set -euo pipefail

linux_version=6.1
BUSYBOX_SRC_PKG=busybox
CROSS=riscv64-linux-gnu-

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
init_src="$here/guest/init"
dhcp_src="$here/guest/udhcpc.script"
config_src="$here/guest/riscv64.config"
jobs=${MIMIC_JOBS:-$(nproc 2>/dev/null || echo 2)}

print_only=0
force=0
while [ $# -gt 0 ]; do
    case "$1" in
    --print) print_only=1 ;;
    --force) force=1 ;;
    --linux)
        [ $# -ge 2 ] || { echo "build-riscv-guest: --linux needs a version (6.1 or 6.12)" >&2; exit 2; }
        linux_version=$2
        shift
        ;;
    -h | --help)
        sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
        exit 0
        ;;
    *)
        echo "build-riscv-guest: unknown option '$1' (try --help)" >&2
        exit 2
        ;;
    esac
    shift
done
case "$linux_version" in
6.1) cache_dir="${MIMIC_CACHE:-$HOME/.cache/mimic}/riscv64" ;;
6.12) cache_dir="${MIMIC_CACHE:-$HOME/.cache/mimic}/riscv64-linux-6.12" ;;
*)
    echo "build-riscv-guest: --linux $linux_version: the guest builds from linux-source-6.1" \
        "or linux-source-6.12" >&2
    exit 2
    ;;
esac
LINUX_SRC_PKG=linux-source-$linux_version
LINUX_TARBALL=/usr/src/linux-source-$linux_version.tar.xz
kernel_out="$cache_dir/Image"
initrd_out="$cache_dir/initramfs.cpio.gz"
stamp="$cache_dir/stamp"

step="starting"
msg() { echo "build-riscv-guest: $*" >&2; }
die() {
    msg "error: $*"
    exit 1
}
work=""
src_list=""
on_exit() {
    local rc=$?
    [ -z "$src_list" ] || rm -f "$src_list"
    [ -z "$work" ] || rm -rf "$work"
    [ $rc -eq 0 ] || msg "failed during: $step (exit $rc)"
}
trap on_exit EXIT

report() {
    if [ $print_only -eq 1 ]; then
        printf '%s\n%s\n' "$kernel_out" "$initrd_out"
    else
        echo "kernel: $kernel_out"
        echo "initrd: $initrd_out"
        echo "append: console=ttyS0 [mimic.cmd=\"<command>\"]"
    fi
}

# --- cache check -----------------------------------------------------------
# One build at a time per cache: a second caller (parallel tests, another
# checkout) waits here and then finds the cache current.
mkdir -p "$cache_dir"
exec 9>"$cache_dir/.lock"
flock 9
[ -r "$init_src" ] || die "missing $init_src"
[ -r "$dhcp_src" ] || die "missing $dhcp_src"
[ -r "$config_src" ] || die "missing $config_src"
self_hash=$( (cat "${BASH_SOURCE[0]}" "$config_src" "$init_src" "$dhcp_src" &&
    echo "$linux_version") | sha256sum | cut -d' ' -f1)
if [ $force -eq 0 ] && [ -s "$kernel_out" ] && [ -s "$initrd_out" ] &&
    [ "$(head -n1 "$stamp" 2>/dev/null)" = "build=$self_hash" ]; then
    report
    exit 0
fi

# --- tools -----------------------------------------------------------------
step="checking host tools"
missing=""
for t in "${CROSS}gcc:gcc-riscv64-linux-gnu" make:make bc:bc bison:bison flex:flex \
    xz:xz-utils bzip2:bzip2 tar:tar cpio:cpio gzip:gzip apt-get:apt sha256sum:coreutils \
    perl:perl-base; do
    command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t#*:}"
done
[ -r "$LINUX_TARBALL" ] || missing="$missing $LINUX_SRC_PKG"
# busybox links statically against the cross glibc.
echo 'int main(void){return 0;}' | "${CROSS}gcc" -static -x c -o /dev/null - 2>/dev/null ||
    missing="$missing libc6-dev-riscv64-cross"
[ -z "$missing" ] ||
    die "missing host packages:$missing (scripts/install-deps.sh installs them; as root:" \
        "apt-get install$missing)"

work=$(mktemp -d "${TMPDIR:-/tmp}/mimic-rvguest.XXXXXX")
mkdir -p "$cache_dir"
make_opts=(ARCH=riscv CROSS_COMPILE="$CROSS" -j"$jobs")

# --- kernel ----------------------------------------------------------------
step="unpacking $LINUX_TARBALL"
msg "unpacking $LINUX_TARBALL"
tar -xJf "$LINUX_TARBALL" -C "$work" || die "cannot unpack $LINUX_TARBALL"
ksrc=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'linux-source-*' | head -n1)
[ -n "$ksrc" ] || die "$LINUX_TARBALL holds no linux-source-* directory"
kver=$(make -s -C "$ksrc" kernelversion 2>/dev/null) || kver="?"

step="configuring Linux $kver"
klog="$cache_dir/kernel.log"
{
    make -C "$ksrc" "${make_opts[@]}" tinyconfig &&
        "$ksrc/scripts/kconfig/merge_config.sh" -m -O "$ksrc" "$ksrc/.config" "$config_src" &&
        make -C "$ksrc" "${make_opts[@]}" olddefconfig
} >"$klog" 2>&1 || die "configuring the kernel failed; see $klog"
# olddefconfig drops what it cannot satisfy; say which requested options are missing.
dropped=""
while IFS= read -r line; do
    case "$line" in CONFIG_*=y) ;; *) continue ;; esac
    grep -qx "$line" "$ksrc/.config" || dropped="$dropped ${line%%=*}"
done <"$config_src"
[ -z "$dropped" ] || msg "note: not set in the final config:$dropped"

step="building Linux $kver (Image)"
msg "building Linux $kver with -j$jobs (a few minutes; log in $klog)"
make -C "$ksrc" "${make_opts[@]}" Image >>"$klog" 2>&1 || die "the kernel build failed; see $klog"
[ -s "$ksrc/arch/riscv/boot/Image" ] || die "the kernel build made no arch/riscv/boot/Image"

# --- busybox ---------------------------------------------------------------
step="fetching the $BUSYBOX_SRC_PKG source package"
msg "fetching the $BUSYBOX_SRC_PKG source package"
apt_opts=(-q)
# As root apt would hand the download to the _apt user, who cannot enter $work.
[ "$(id -u)" -eq 0 ] && apt_opts+=(-o APT::Sandbox::User=root)
fetch_source() {
    (cd "$work" && apt-get source --download-only "${apt_opts[@]}" "$@" "$BUSYBOX_SRC_PKG") \
        >"$work/apt-source.log" 2>&1
}
if ! fetch_source; then
    # No deb-src entry: add a twin of the Debian one for this download only.
    # A root-owned sources.list.d is the only place apt reads it from.
    [ "$(id -u)" -eq 0 ] ||
        die "apt-get source $BUSYBOX_SRC_PKG needs a deb-src entry; add one (a 'Types: deb-src'" \
            "twin of the Debian entry in /etc/apt/sources.list.d/) or run this as root"
    src_list=/etc/apt/sources.list.d/mimic-busybox-src.sources
    debian_sources=/etc/apt/sources.list.d/debian.sources
    if [ -r "$debian_sources" ]; then
        sed 's/^Types:.*/Types: deb-src/' "$debian_sources" >"$src_list"
    elif [ -r /etc/apt/sources.list ]; then
        src_list=/etc/apt/sources.list.d/mimic-busybox-src.list
        sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list >"$src_list"
    else
        die "no Debian apt source found to derive a deb-src entry from"
    fi
    apt-get update -qq >"$work/apt-update.log" 2>&1 ||
        die "apt-get update with the deb-src entry failed: $(tail -n3 "$work/apt-update.log")"
    fetch_source || die "apt-get source $BUSYBOX_SRC_PKG failed: $(tail -n3 "$work/apt-source.log")"
    rm -f "$src_list"
    src_list=""
    # Drop the deb-src indexes again so apt's state is as it was.
    apt-get update -qq >/dev/null 2>&1 || true
fi
orig=$(find "$work" -maxdepth 1 -name "${BUSYBOX_SRC_PKG}_*.orig.tar.*" | head -n1)
[ -n "$orig" ] || die "apt-get source fetched no ${BUSYBOX_SRC_PKG}_*.orig.tar.*"
bb_ver=${orig##*/}
bb_ver=${bb_ver#"${BUSYBOX_SRC_PKG}"_}
bb_ver=${bb_ver%.orig.tar.*}

step="building busybox $bb_ver"
msg "building busybox $bb_ver statically (log in $cache_dir/busybox.log)"
mkdir "$work/bb"
tar -xf "$orig" -C "$work/bb" --strip-components=1 || die "cannot unpack $orig"
bblog="$cache_dir/busybox.log"
{
    make -C "$work/bb" defconfig &&
        sed -i -e 's/^# CONFIG_STATIC is not set/CONFIG_STATIC=y/' \
            -e 's/^CONFIG_TC=y/# CONFIG_TC is not set/' "$work/bb/.config" &&
        make -C "$work/bb" CROSS_COMPILE="$CROSS" -j"$jobs" busybox
} >"$bblog" 2>&1 || die "the busybox build failed; see $bblog"
grep -qx 'CONFIG_STATIC=y' "$work/bb/.config" || die "busybox .config lost CONFIG_STATIC"

# --- initramfs -------------------------------------------------------------
step="assembling the initramfs"
root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/mimic,proc,sys,dev,tmp,run,root}
cp "$work/bb/busybox" "$root/bin/busybox"
# The applet list comes from the build tree (the riscv binary cannot run here).
applets=$(make -s -C "$work/bb" CROSS_COMPILE="$CROSS" busybox.links 2>/dev/null &&
    cat "$work/bb/busybox.links") || die "cannot list busybox's applets"
for applet in $applets; do
    applet=${applet#/}
    [ "$applet" = bin/busybox ] && continue
    mkdir -p "$root/$(dirname "$applet")"
    ln -sf /bin/busybox "$root/$applet"
done
[ -L "$root/bin/sh" ] || die "busybox has no sh applet"
cp "$init_src" "$root/init"
chmod 755 "$root/init"
mkdir -p "$root/usr/share/udhcpc"
cp "$dhcp_src" "$root/usr/share/udhcpc/default.script"
chmod 755 "$root/usr/share/udhcpc/default.script"
# With /dev/console in the archive the kernel hands init a console from the
# first instruction; only root can make the node (init copes without it).
[ "$(id -u)" -eq 0 ] && mknod -m 600 "$root/dev/console" c 5 1
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
    cpio --null -o -H newc -R 0:0 --quiet | gzip -9n) >"$work/initramfs.cpio.gz" ||
    die "cpio/gzip of the initramfs failed"

# --- cache -----------------------------------------------------------------
step="writing the cache in $cache_dir"
rm -f "$stamp"
cp "$ksrc/arch/riscv/boot/Image" "$kernel_out.tmp" && mv "$kernel_out.tmp" "$kernel_out"
cp "$ksrc/vmlinux" "$cache_dir/vmlinux.tmp" && mv "$cache_dir/vmlinux.tmp" "$cache_dir/vmlinux"
cp "$work/initramfs.cpio.gz" "$initrd_out.tmp" && mv "$initrd_out.tmp" "$initrd_out"
cp "$ksrc/.config" "$cache_dir/config"
rm -f "$klog" "$bblog"
printf 'build=%s\nkernel=%s %s\nbusybox=%s\n' "$self_hash" "$LINUX_SRC_PKG" "$kver" "$bb_ver" \
    >"$stamp"
msg "built Linux $kver and busybox $bb_ver"
report
