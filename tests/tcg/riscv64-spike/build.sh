#!/bin/sh
# Build the spike machine's test programs (self-contained assembly, HTIF words
# from htif.h, linked at 0x80000000 by link.ld) with Debian's
# riscv64-linux-gnu-gcc. meson (meson.build here) calls it once per program.
#
# Usage: build.sh OUTDIR [PROGRAM...]   (no PROGRAM: every *.S here)
# Tool: $RISCV_TEST_CC (default riscv64-linux-gnu-gcc).
set -eu

srcdir=$(cd "$(dirname "$0")" && pwd)
cc=${RISCV_TEST_CC:-riscv64-linux-gnu-gcc}
ldflags="-nostdlib -nostartfiles -static -no-pie -Wl,--build-id=none -Wl,-T,$srcdir/link.ld"
if "$cc" -Wl,--help 2>/dev/null | grep -q -- --no-warn-rwx-segments; then
    ldflags="$ldflags -Wl,--no-warn-rwx-segments"
fi

[ $# -ge 1 ] || { echo "usage: build.sh OUTDIR [PROGRAM...]" >&2; exit 1; }
outdir=$1
shift
mkdir -p "$outdir"
if [ $# -eq 0 ]; then
    set -- $(cd "$srcdir" && ls *.S | sed 's/\.S$//')
fi
for name in "$@"; do
    [ -f "$srcdir/$name.S" ] || { echo "build.sh: no program $name" >&2; exit 1; }
    # shellcheck disable=SC2086
    "$cc" -march=rv64gc -mabi=lp64 -I"$srcdir" $ldflags -o "$outdir/$name.elf.tmp" \
        "$srcdir/$name.S"
    mv "$outdir/$name.elf.tmp" "$outdir/$name.elf"
done
