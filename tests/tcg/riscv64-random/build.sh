#!/bin/sh
# Generate and build one random riscv64 program (gen.py) for the virt machine
# with Debian's riscv64-linux-gnu-gcc: a self-contained assembly program linked
# at 0x80000000 with tests/tcg/riscv64/lib/link.ld.
#
# Usage: build.sh OUT.elf SEED [gen.py options: --insns N --loop K]
#   Writes OUT.S (the generated source, kept for reading a failure) and OUT.elf.
# Tool: $RISCV_TEST_CC (default riscv64-linux-gnu-gcc); $PYTHON (default python3).
set -eu

srcdir=$(cd "$(dirname "$0")" && pwd)
cc=${RISCV_TEST_CC:-riscv64-linux-gnu-gcc}
python=${PYTHON:-python3}

[ $# -ge 2 ] || { echo "usage: build.sh OUT.elf SEED [--insns N] [--loop K]" >&2; exit 1; }
out=$1
shift
src=${out%.elf}.S

ldflags="-nostdlib -nostartfiles -static -no-pie -Wl,--build-id=none"
ldflags="$ldflags -Wl,-T,$srcdir/../riscv64/lib/link.ld"
if "$cc" -Wl,--help 2>/dev/null | grep -q -- --no-warn-rwx-segments; then
    ldflags="$ldflags -Wl,--no-warn-rwx-segments"
fi

"$python" "$srcdir/gen.py" "$@" -o "$src"
# The flag list is meant to split into words.
# shellcheck disable=SC2086
"$cc" -march=rv64gc -mabi=lp64 $ldflags -o "$out.tmp" "$src"
mv "$out.tmp" "$out"
