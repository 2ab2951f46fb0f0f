/*
 * flash-m: a program that runs from the virt machine's flash bank 0 in
 * M-mode (-bios none with -drive if=pflash,unit=0): the harts start at the
 * flash's base, 0x20000000, with a0 = hart id and a1 = the device tree.
 * Hart 0 prints "flash-m: M-mode hart 0, dtb <magic ok|bad>" through the UART
 * and exits 0 through the SiFive test device (mhartid is an M-mode CSR: the
 * read traps anywhere else). Other harts park in wfi.
 *
 * Linked at 0x20000000 by build.sh; the functional test copies its loadable
 * bytes into a flash image.
 */
#define UART 0x10000000
#define TEST_DEV 0x100000
#define FDT_MAGIC_LE 0xedfe0dd0 /* 0xd00dfeed stored big-endian, read as a little-endian word */

    .section .text.start
    .globl _start
_start:
    csrr t0, mhartid
    bnez t0, park
    mv s0, a1
    lla a0, banner
    call puts
    lwu t1, 0(s0)
    li t2, FDT_MAGIC_LE
    lla a0, magic_bad
    bne t1, t2, 1f
    lla a0, magic_ok
1:  call puts
    li t0, TEST_DEV
    li t1, 0x5555 /* pass: exit status 0 */
    sw t1, 0(t0)
park:
    wfi
    j park

/* Print the NUL-terminated string at a0, waiting for THRE before each byte. */
puts:
    li t0, UART
2:  lbu t1, 0(a0)
    beqz t1, 4f
3:  lbu t2, 5(t0)
    andi t2, t2, 0x20
    beqz t2, 3b
    sb t1, 0(t0)
    addi a0, a0, 1
    j 2b
4:  ret

banner:
    .asciz "flash-m: M-mode hart 0, dtb "
magic_ok:
    .asciz "magic ok\n"
magic_bad:
    .asciz "magic bad\n"
