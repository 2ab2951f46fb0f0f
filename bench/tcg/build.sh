#!/bin/sh
# Build the translator benchmark's guest workloads (bench/tcg/workloads/*.c)
# as bare-metal riscv64 programs for the virt machine, with Debian's
# riscv64-linux-gnu-gcc at -O2 and the start-up code, UART output and exit
# device of the riscv64 test programs (tests/tcg/riscv64/lib: crt.S, lib.c,
# link.ld). Standalone on purpose: the benchmark is not part of the build.
#
# Usage: build.sh OUTDIR [WORKLOAD...]
#   Builds OUTDIR/WORKLOAD.elf from workloads/WORKLOAD.c; with no WORKLOAD,
#   all of them. Tool: $RISCV_TEST_CC (default riscv64-linux-gnu-gcc).
set -eu

srcdir=$(cd "$(dirname "$0")" && pwd)
libdir=$(cd "$srcdir/../../tests/tcg/riscv64/lib" && pwd)
cc=${RISCV_TEST_CC:-riscv64-linux-gnu-gcc}

# -fno-math-errno: sqrt() becomes fsqrt.d (there is no libm to call).
cflags="-mabi=lp64 -mcmodel=medany -std=gnu11 -O2 -ffreestanding -fno-pic -fno-pie
-fno-stack-protector -fno-builtin -fno-tree-loop-distribute-patterns -fno-common
-fno-math-errno -fno-asynchronous-unwind-tables -fno-unwind-tables -Wall -Wextra -Werror"
ldflags="-nostdlib -nostartfiles -static -no-pie -Wl,--build-id=none -Wl,-T,$libdir/link.ld"
if "$cc" -Wl,--help 2>/dev/null | grep -q -- --no-warn-rwx-segments; then
    ldflags="$ldflags -Wl,--no-warn-rwx-segments"
fi

die() {
    echo "bench/tcg/build.sh: $*" >&2
    exit 1
}

command -v "$cc" >/dev/null 2>&1 ||
    die "$cc not found (Debian: apt-get install gcc-riscv64-linux-gnu)"

# The flag lists are meant to split into words.
# shellcheck disable=SC2086
build_one() {
    outdir=$1
    name=$2
    [ -f "$srcdir/workloads/$name.c" ] || die "no workload $name (workloads/$name.c missing)"
    march=rv64imac_zicsr_zifencei
    case $name in
    fp) march=rv64imafdc_zicsr_zifencei ;; # the only workload that touches the F/D registers
    esac
    "$cc" -march=$march $cflags $ldflags -I"$libdir" -o "$outdir/$name.elf.tmp" \
        "$libdir/crt.S" "$libdir/lib.c" "$srcdir/workloads/$name.c" -lgcc
    mv "$outdir/$name.elf.tmp" "$outdir/$name.elf"
}

[ $# -ge 1 ] || die "usage: build.sh OUTDIR [WORKLOAD...]"
outdir=$1
shift
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

if [ $# -eq 0 ]; then
    for src in "$srcdir"/workloads/*.c; do
        set -- "$@" "$(basename "$src" .c)"
    done
fi
for name in "$@"; do
    build_one "$outdir" "$name"
done
