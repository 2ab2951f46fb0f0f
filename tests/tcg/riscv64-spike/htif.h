/*
 * Shared by the spike test programs: the HTIF words as riscv-tests declares
 * them (env/p/riscv_test.h): tohost and fromhost in a .tohost section, each
 * 64-byte aligned, which link.ld places on a page of its own.
 */
#define HTIF_WORDS                                                                                 \
    .section .tohost, "aw", @progbits;                                                             \
    .align 6;                                                                                      \
    .globl tohost;                                                                                 \
tohost:                                                                                            \
    .dword 0;                                                                                      \
    .size tohost, 8;                                                                               \
    .align 6;                                                                                      \
    .globl fromhost;                                                                               \
fromhost:                                                                                          \
    .dword 0;                                                                                      \
    .size fromhost, 8
