#!/bin/sh
# Build the freestanding x86 test programs: 64-bit C and assembly linked at
# 1 MiB, then rewrapped as ELF32 (objcopy -O elf32-i386), because multiboot
# loaders (QEMU's, mimic's) take only 32-bit ELF. This script is the one place
# the flags live; meson (tests/x86/meson.build) calls it once per program.
#
# Usage: build.sh OUTDIR [PROGRAM...]
#   Builds OUTDIR/PROGRAM.elf from PROGRAM.c, any PROGRAM_*.S beside it, and
#   lib/. With no PROGRAM, builds every tests/x86/*.c.
# Tools: $X86_TEST_CC (gcc), $X86_TEST_LD (ld), $X86_TEST_OBJCOPY (objcopy).
set -eu

srcdir=$(cd "$(dirname "$0")" && pwd)
libdir=$srcdir/lib
cc=${X86_TEST_CC:-gcc}
ld=${X86_TEST_LD:-ld}
objcopy=${X86_TEST_OBJCOPY:-objcopy}

cflags="-m64 -std=gnu11 -O2 -g0 -ffreestanding -fno-pic -fno-pie -mcmodel=small
-mno-red-zone -mgeneral-regs-only -fno-stack-protector -fcf-protection=none
-fno-asynchronous-unwind-tables -fno-unwind-tables -fno-common
-fno-tree-loop-distribute-patterns -Wall -Wextra -Werror"
asflags="-m64 -Wa,--fatal-warnings"
ldflags="-m elf_x86_64 -nostdlib -static --build-id=none -z noexecstack -z max-page-size=0x1000"
if "$ld" --help 2>/dev/null | grep -q -- --no-warn-rwx-segments; then
    ldflags="$ldflags --no-warn-rwx-segments"
fi

die() {
    echo "build.sh: $*" >&2
    exit 1
}

# The flag lists are meant to split into words.
# shellcheck disable=SC2086
build_one() {
    outdir=$1
    name=$2
    [ -f "$srcdir/$name.c" ] || die "no program $name ($srcdir/$name.c missing)"
    objdir=$outdir/.obj/$name
    mkdir -p "$objdir"
    set -- # the object list, quoted safely
    for src in "$libdir"/*.c "$libdir"/*.S "$srcdir/$name.c" "$srcdir/$name"_*.S; do
        [ -f "$src" ] || continue
        base=$(basename "$src")
        case $src in
        "$libdir"/*) obj=$objdir/lib-$base.o ;;
        *) obj=$objdir/$base.o ;;
        esac
        case $src in
        *.c) "$cc" $cflags -I"$libdir" -c "$src" -o "$obj" ;;
        *.S) "$cc" $asflags -I"$libdir" -c "$src" -o "$obj" ;;
        esac
        set -- "$@" "$obj"
    done
    "$ld" $ldflags -T "$libdir/link.ld" -o "$objdir/$name.elf64" "$@"
    "$objcopy" -O elf32-i386 "$objdir/$name.elf64" "$outdir/$name.elf.tmp"
    # Multiboot 0.6.96 3.1.1: the header must lie within the first 8192 bytes.
    head -c 8192 "$outdir/$name.elf.tmp" | od -An -tx1 -v | tr -d ' \n' | grep -q 02b0ad1b ||
        die "$name: multiboot header not in the first 8 KiB"
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
