/*
 * Start-up for the bare-metal test programs. The virt machine starts every
 * hart here in M-mode with a0 = hart id and a1 = device tree address.
 * Hart 0 clears .bss and runs main(hartid, dtb); others park in wfi (a
 * program that wants them sets up its own rendezvous). main's return value
 * goes to test_exit(): 0 passes, anything else fails with that code.
 *
 * trap_vector saves every register into a TrapFrame on the stack and calls
 * trap_dispatch(frame); whatever the C side leaves in frame->mepc is where
 * mret returns.
 */
#define REGBYTES 8
#define FRAME_SIZE (34 * REGBYTES)

    .section .text.start, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    /* sp = top of this hart's stack */
    la sp, __stacks_end
    li t0, 0x4000
    mul t0, t0, a0
    sub sp, sp, t0
    la t0, trap_vector
    csrw mtvec, t0
    bnez a0, park

    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:
    call main
    call test_exit
park:
    wfi
    j park

    .text
    .balign 4
    .globl trap_vector
trap_vector:
    addi sp, sp, -FRAME_SIZE
    sd x1, 1*REGBYTES(sp)
    sd x3, 3*REGBYTES(sp)
    sd x4, 4*REGBYTES(sp)
    sd x5, 5*REGBYTES(sp)
    sd x6, 6*REGBYTES(sp)
    sd x7, 7*REGBYTES(sp)
    sd x8, 8*REGBYTES(sp)
    sd x9, 9*REGBYTES(sp)
    sd x10, 10*REGBYTES(sp)
    sd x11, 11*REGBYTES(sp)
    sd x12, 12*REGBYTES(sp)
    sd x13, 13*REGBYTES(sp)
    sd x14, 14*REGBYTES(sp)
    sd x15, 15*REGBYTES(sp)
    sd x16, 16*REGBYTES(sp)
    sd x17, 17*REGBYTES(sp)
    sd x18, 18*REGBYTES(sp)
    sd x19, 19*REGBYTES(sp)
    sd x20, 20*REGBYTES(sp)
    sd x21, 21*REGBYTES(sp)
    sd x22, 22*REGBYTES(sp)
    sd x23, 23*REGBYTES(sp)
    sd x24, 24*REGBYTES(sp)
    sd x25, 25*REGBYTES(sp)
    sd x26, 26*REGBYTES(sp)
    sd x27, 27*REGBYTES(sp)
    sd x28, 28*REGBYTES(sp)
    sd x29, 29*REGBYTES(sp)
    sd x30, 30*REGBYTES(sp)
    sd x31, 31*REGBYTES(sp)
    addi t0, sp, FRAME_SIZE
    sd t0, 2*REGBYTES(sp)        /* the interrupted sp */
    csrr t0, mepc
    sd t0, 32*REGBYTES(sp)
    csrr t0, mcause
    sd t0, 33*REGBYTES(sp)
    csrr t0, mtval
    sd t0, 0(sp)                 /* slot 0 (x0) carries mtval */
    mv a0, sp
    call trap_dispatch
    ld t0, 32*REGBYTES(sp)
    csrw mepc, t0
    ld x1, 1*REGBYTES(sp)
    ld x3, 3*REGBYTES(sp)
    ld x4, 4*REGBYTES(sp)
    ld x5, 5*REGBYTES(sp)
    ld x6, 6*REGBYTES(sp)
    ld x7, 7*REGBYTES(sp)
    ld x8, 8*REGBYTES(sp)
    ld x9, 9*REGBYTES(sp)
    ld x10, 10*REGBYTES(sp)
    ld x11, 11*REGBYTES(sp)
    ld x12, 12*REGBYTES(sp)
    ld x13, 13*REGBYTES(sp)
    ld x14, 14*REGBYTES(sp)
    ld x15, 15*REGBYTES(sp)
    ld x16, 16*REGBYTES(sp)
    ld x17, 17*REGBYTES(sp)
    ld x18, 18*REGBYTES(sp)
    ld x19, 19*REGBYTES(sp)
    ld x20, 20*REGBYTES(sp)
    ld x21, 21*REGBYTES(sp)
    ld x22, 22*REGBYTES(sp)
    ld x23, 23*REGBYTES(sp)
    ld x24, 24*REGBYTES(sp)
    ld x25, 25*REGBYTES(sp)
    ld x26, 26*REGBYTES(sp)
    ld x27, 27*REGBYTES(sp)
    ld x28, 28*REGBYTES(sp)
    ld x29, 29*REGBYTES(sp)
    ld x30, 30*REGBYTES(sp)
    ld x31, 31*REGBYTES(sp)
    addi sp, sp, FRAME_SIZE
    mret
