/*
 * flash-s: an S-mode payload in the virt machine's flash bank 0, entered by
 * OpenSBI as its next stage (firmware boot with -drive if=pflash,unit=0).
 * It prints through the SBI console, reads what fw_cfg says of -kernel and
 * -append (as EDK2 or U-Boot would, to load them), and powers off through
 * SBI SRST. Output:
 *     flash-s: S-mode payload
 *     flash-s: kernel size 0x<hex>      (0x0 without -kernel)
 *     flash-s: cmdline "<text>"         ("" without -append)
 * Every SBI call works only in S-mode under the firmware: in M-mode an ecall
 * would trap to the program's own (absent) vector.
 *
 * Linked at 0x20000000 by build.sh; the functional test copies its loadable
 * bytes into a flash image.
 */
#define FW_CFG_DATA 0x10100000
#define FW_CFG_SELECTOR 0x10100008 /* 16-bit, big-endian */
#define FW_CFG_KERNEL_SIZE 0x08
#define FW_CFG_CMDLINE_DATA 0x15
#define SBI_LEGACY_PUTCHAR 0x01
#define SBI_EXT_SRST 0x53525354

    .section .text.start
    .globl _start
_start:
    li sp, 0x80800000 /* a stack above where OpenSBI lives; -m 128 or more */
    lla a0, banner
    call puts

    lla a0, kernel_size
    call puts
    li a0, FW_CFG_KERNEL_SIZE
    call fw_cfg_select
    li s0, 0 /* the size, 4 bytes little-endian */
    li s1, 0
1:  lbu t0, 0(s2)
    sll t0, t0, s1
    or s0, s0, t0
    addi s1, s1, 8
    li t1, 32
    bne s1, t1, 1b
    mv a0, s0
    call puthex

    lla a0, cmdline
    call puts
    li a0, FW_CFG_CMDLINE_DATA
    call fw_cfg_select
    li s1, 200 /* at most this many bytes */
2:  lbu a0, 0(s2)
    beqz a0, 3f
    call putc
    addi s1, s1, -1
    bnez s1, 2b
3:  lla a0, quote_nl
    call puts

    li a7, SBI_EXT_SRST
    li a6, 0 /* system_reset */
    li a0, 0 /* shutdown */
    li a1, 0 /* no reason */
    ecall
4:  wfi
    j 4b

/* Select fw_cfg item a0; s2 = the data register. */
fw_cfg_select:
    li t0, FW_CFG_SELECTOR
    slli t1, a0, 8 /* big-endian halfword: key << 8 | key >> 8 for keys < 256 */
    sh t1, 0(t0)
    li s2, FW_CFG_DATA
    ret

putc:
    li a7, SBI_LEGACY_PUTCHAR
    ecall
    ret

/* The NUL-terminated string at a0. */
puts:
    addi sp, sp, -16
    sd ra, 0(sp)
    sd s3, 8(sp)
    mv s3, a0
5:  lbu a0, 0(s3)
    beqz a0, 6f
    call putc
    addi s3, s3, 1
    j 5b
6:  ld ra, 0(sp)
    ld s3, 8(sp)
    addi sp, sp, 16
    ret

/* a0 as 0x<hex> without leading zeros, then a newline. */
puthex:
    addi sp, sp, -16
    sd ra, 0(sp)
    sd s3, 8(sp)
    mv s3, a0
    li a0, '0'
    call putc
    li a0, 'x'
    call putc
    li t3, 60 /* shift of the current digit */
7:  srl t0, s3, t3
    bnez t0, 8f
    beqz t3, 8f
    addi t3, t3, -4
    j 7b
8:  srl a0, s3, t3
    andi a0, a0, 15
    li t0, 10
    blt a0, t0, 9f
    addi a0, a0, 'a' - '0' - 10
9:  addi a0, a0, '0'
    call putc /* keeps t3 */
    addi t3, t3, -4
    bgez t3, 8b
    li a0, '\n'
    call putc
    ld ra, 0(sp)
    ld s3, 8(sp)
    addi sp, sp, 16
    ret

banner:
    .asciz "flash-s: S-mode payload\n"
kernel_size:
    .asciz "flash-s: kernel size "
cmdline:
    .asciz "flash-s: cmdline \""
quote_nl:
    .asciz "\"\n"
