#!/bin/sh
# make run: boot the demo guest interactively.
#   scripts/run-demo.sh BUILD_DIR ARCH
set -e
build=${1:-build}
arch=${2:-riscv64}
here=$(cd "$(dirname "$0")" && pwd)

case "$arch" in
riscv64)
    paths=$("$here/build-riscv-guest.sh" --print)
    kernel=$(echo "$paths" | sed -n 1p)
    initrd=$(echo "$paths" | sed -n 2p)
    echo "Booting the riscv64 guest under the translator; Ctrl-A c: monitor, Ctrl-A x: quit." >&2
    exec "$build/mimic-system-riscv64" -M virt -m 512 -nographic \
        -kernel "$kernel" -initrd "$initrd" -append "console=ttyS0"
    ;;
x86_64)
    paths=$("$here/build-x86-guest.sh" --print)
    kernel=$(echo "$paths" | sed -n 1p)
    initrd=$(echo "$paths" | sed -n 2p)
    echo "Booting the x86_64 guest under KVM; Ctrl-A c: monitor, Ctrl-A x: quit." >&2
    exec "$build/mimic-system-x86_64" -enable-kvm -m 512 -smp 2 -nographic \
        -kernel "$kernel" -initrd "$initrd" -append "console=ttyS0"
    ;;
*)
    echo "run-demo: no demo guest for ARCH=$arch (known: riscv64, x86_64)" >&2
    exit 1
    ;;
esac
