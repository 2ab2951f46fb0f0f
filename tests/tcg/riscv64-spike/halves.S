/*
 * riscv-tests' write_tohost: the command as two 32-bit stores, low word then
 * high word, repeated until the host acts. Prints 'H' (console putchar, whose
 * device number is in the high word) then exits with status 5, both as halves.
 */
#include "htif.h"

    .section .text.init
    .globl _start
_start:
    la      t0, tohost
    la      t3, fromhost
    li      t1, 'H'                 /* low word: the character */
    li      t2, 0x01010000          /* high word: device 1, command 1 */
    sw      t1, 0(t0)
    sw      t2, 4(t0)
1:  ld      t4, 0(t3)
    beqz    t4, 1b
    sd      zero, 0(t3)
    li      t1, (5 << 1) | 1
write_tohost:
    sw      t1, 0(t0)
    sw      zero, 4(t0)
    j       write_tohost

HTIF_WORDS
