/*
 * Print "hello spike\n" through the HTIF console (device 1, command 1: putchar),
 * waiting for each answer in fromhost as riscv-pk does, then exit 0 (tohost = 1).
 */
#include "htif.h"

    .section .text.init
    .globl _start
_start:
    la      s0, tohost
    la      s1, fromhost
    la      s2, msg
    li      s3, 1
    slli    s3, s3, 56              /* device 1 (console) */
    li      t0, 1
    slli    t0, t0, 48
    or      s3, s3, t0              /* command 1 (putchar) */
1:  lbu     a0, 0(s2)
    beqz    a0, 3f
    or      t0, s3, a0
    sd      t0, 0(s0)
2:  ld      t1, 0(s1)               /* answer: 1 << 56 | 1 << 48 | 0x100 | char */
    beqz    t1, 2b
    sd      zero, 0(s1)
    ori     t2, a0, 0x100
    or      t2, t2, s3
    bne     t1, t2, fail
    ld      t1, 0(s0)               /* the host cleared tohost once it took the command */
    bnez    t1, fail
    addi    s2, s2, 1
    j       1b
3:  li      t0, 1                   /* exit 0 */
    sd      t0, 0(s0)
4:  j       4b
fail:
    li      t0, (3 << 1) | 1        /* exit 3: the console did not answer as spike does */
    sd      t0, 0(s0)
5:  j       5b

    .data
msg:
    .asciz "hello spike\n"

HTIF_WORDS
