/* An ELF without tohost/fromhost symbols: the spike machine must refuse it. */
    .section .text.init
    .globl _start
_start:
1:  j       1b
