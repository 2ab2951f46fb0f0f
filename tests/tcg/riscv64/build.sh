#!/bin/sh
# Build the bare-metal riscv64 test programs for the virt machine with
# Debian's riscv64-linux-gnu-gcc: freestanding C and assembly, linked at
# 0x80000000 (lib/link.ld). This script is the one place the flags live;
# meson (tests/tcg/riscv64/meson.build) calls it once per program.
#
# Usage: build.sh OUTDIR [PROGRAM...]
#   Builds OUTDIR/PROGRAM.elf from PROGRAM.c and lib/, or from a self-contained
#   PROGRAM.S. With no PROGRAM, builds every tests/tcg/riscv64/*.c.
# Tool: $RISCV_TEST_CC (default riscv64-linux-gnu-gcc).
# Other programs on the same lib/ (bench/tcg's workloads) are built from the
# folder $RISCV_TEST_SRCDIR (default: this one), with $RISCV_TEST_CFLAGS added.
set -eu

libdir=$(cd "$(dirname "$0")" && pwd)/lib
srcdir=$(cd "${RISCV_TEST_SRCDIR:-$(dirname "$0")}" && pwd)
cc=${RISCV_TEST_CC:-riscv64-linux-gnu-gcc}

base_march=rv64imac_zicsr_zifencei
cflags="-mabi=lp64 -mcmodel=medany -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie
-fno-stack-protector -fno-builtin -fno-tree-loop-distribute-patterns -fno-common
-fno-asynchronous-unwind-tables -fno-unwind-tables -Wall -Wextra -Werror ${RISCV_TEST_CFLAGS:-}"
ldflags="-nostdlib -nostartfiles -static -no-pie -Wl,--build-id=none -Wl,-T,$libdir/link.ld"
if "$cc" -Wl,--help 2>/dev/null | grep -q -- --no-warn-rwx-segments; then
    ldflags="$ldflags -Wl,--no-warn-rwx-segments"
fi

die() {
    echo "build.sh: $*" >&2
    exit 1
}

command -v "$cc" >/dev/null 2>&1 ||
    die "$cc not found (Debian: apt-get install gcc-riscv64-linux-gnu)"

# The flag lists are meant to split into words.
# shellcheck disable=SC2086
build_one() {
    outdir=$1
    name=$2
    if [ -f "$srcdir/$name.S" ]; then
        # A self-contained assembly program (isa-*.S): its own start and exit, no lib/.
        # flash-*.S run from the virt machine's flash bank 0 and are linked there.
        text_at=
        case $name in
        flash-*) text_at=-Wl,--section-start=.text=0x20000000 ;;
        esac
        "$cc" -march=rv64gc_zicsr_zifencei -mabi=lp64 $ldflags $text_at \
            -o "$outdir/$name.elf.tmp" "$srcdir/$name.S"
        mv "$outdir/$name.elf.tmp" "$outdir/$name.elf"
        return
    fi
    [ -f "$srcdir/$name.c" ] || die "no program $name ($srcdir/$name.c missing)"
    march=$base_march
    case $name in
    fp) march=rv64imafdc_zicsr_zifencei ;; # the only program that uses the F/D registers
    esac
    "$cc" -march=$march $cflags $ldflags -I"$libdir" -o "$outdir/$name.elf.tmp" \
        "$libdir/crt.S" "$libdir/lib.c" "$srcdir/$name.c" -lgcc
    mv "$outdir/$name.elf.tmp" "$outdir/$name.elf"
}

[ $# -ge 1 ] || die "usage: build.sh OUTDIR [PROGRAM...]"
outdir=$1
shift
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

if [ $# -eq 0 ]; then
    for src in "$srcdir"/*.c; do
        set -- "$@" "$(basename "$src" .c)"
    done
fi
for name in "$@"; do
    build_one "$outdir" "$name"
done
