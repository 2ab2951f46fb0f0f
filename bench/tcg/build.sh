#!/bin/sh
# Build the translator benchmark's guest workloads (bench/tcg/workloads/*.c)
# as bare-metal riscv64 programs for the virt machine, with the riscv64 test
# programs' build script (tests/tcg/riscv64/build.sh: Debian's
# riscv64-linux-gnu-gcc at -O2, the start-up code, UART output and exit device
# of tests/tcg/riscv64/lib). Standalone on purpose: the benchmark is not part
# of the build.
#
# Usage: build.sh OUTDIR [WORKLOAD...]
#   Builds OUTDIR/WORKLOAD.elf from workloads/WORKLOAD.c; with no WORKLOAD,
#   all of them. Tool: $RISCV_TEST_CC (default riscv64-linux-gnu-gcc).
set -eu

srcdir=$(cd "$(dirname "$0")" && pwd)
# -fno-math-errno: sqrt() becomes fsqrt.d (there is no libm to call).
RISCV_TEST_SRCDIR=$srcdir/workloads RISCV_TEST_CFLAGS=-fno-math-errno \
    exec "$srcdir/../../tests/tcg/riscv64/build.sh" "$@"
