/*
 * isa-priv: the privileged architecture as S-mode and U-mode software sees it
 * (RISC-V privileged spec 1.12): Sv39 translation with a gigapage and 4 KiB
 * pages, hardware A/D updates, page faults with their cause and stval,
 * delegation through medeleg/mideleg, SUM and MXR, sfence.vma after a PTE
 * change, an illegal CSR access from S trapping to M with mtval = the
 * instruction, U-mode entry through sret and ecall from U, and a delegated
 * supervisor software interrupt.
 *
 * Freestanding, for the virt machine with -bios none: prints "PASS isa-priv"
 * and exits 0 through the SiFive test device, or "FAIL isa-priv <n>" and
 * exits with n. Build:
 *   riscv64-linux-gnu-gcc -march=rv64gc -mabi=lp64 -nostdlib -static \
 *       -Wl,-Ttext=0x80000000 -o isa-priv.elf isa-priv.S
 */
    .option norvc /* every trapping instruction is 4 bytes: handlers skip with +4 */

#define UART 0x10000000
#define TEST_DEV 0x100000

#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_U 0x10
#define PTE_A 0x40
#define PTE_D 0x80

#define SSTATUS_SIE (1 << 1)
#define SSTATUS_SPP (1 << 8)
#define SSTATUS_SUM (1 << 18)
#define SSTATUS_MXR (1 << 19)

#define MAGIC 0x1122334455667788

/* In M-mode: fail with id when reg != val. */
.macro M_CHECK reg, val, id
    li t6, \val
    beq \reg, t6, 1f
    li a0, \id
    j fail
1:
.endm

/* In S-mode: report a failure to M through ecall (a7 = 1, a0 = id). */
.macro S_CHECK reg, val, id
    li t6, \val
    beq \reg, t6, 1f
    li a0, \id
    li a7, 1
    ecall
1:
.endm

/* pte = (pa >> 12) << 10 | flags, stored at table[index] */
.macro SET_PTE table, index, pa, flags
    la t0, \pa
    srli t0, t0, 12
    slli t0, t0, 10
    ori t0, t0, \flags
    la t1, \table
    sd t0, (\index * 8)(t1)
.endm

    .section .text
    .globl _start
_start:
    csrr t0, mhartid
    bnez t0, park
    la sp, stack_top
    la t0, m_trap
    csrw mtvec, t0

    /* PMP: everything for S and U (entry 0, NAPOT over the whole space). */
    li t0, -1
    csrw pmpaddr0, t0
    li t0, 0x1f
    csrw pmpcfg0, t0

    /* Page tables. */
    la t0, pt_root
    li t1, (0x80000000 >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    sd t1, 16(t0)                                   /* VA 2 GiB gigapage = identity, S only */
    SET_PTE pt_root, 0, pt_l1, PTE_V
    SET_PTE pt_l1, 0, pt_l0, PTE_V
    SET_PTE pt_l0, 1, data_page, PTE_V | PTE_R | PTE_W | PTE_U    /* A and D clear */
    SET_PTE pt_l0, 2, data_page, PTE_V | PTE_R | PTE_U | PTE_A    /* read-only */
    SET_PTE pt_l0, 4, u_code, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A
    SET_PTE pt_l0, 5, data_page, PTE_V | PTE_X | PTE_U | PTE_A    /* execute-only */
    la t0, data_page
    li t1, MAGIC
    sd t1, 0(t0)

    /* Delegate U ecall, page faults and the supervisor software interrupt to S. */
    li t0, (1 << 8) | (1 << 12) | (1 << 13) | (1 << 15)
    csrw medeleg, t0
    li t0, 1 << 1
    csrw mideleg, t0
    csrr t1, mideleg
    andi t1, t1, 0x222
    M_CHECK t1, 2, 1
    la t0, s_trap
    csrw stvec, t0

    la t0, pt_root
    srli t0, t0, 12
    li t1, 8 << 60
    or t0, t0, t1
    csrw satp, t0
    sfence.vma
    csrr t1, satp
    bne t0, t1, 9f
    j 2f
9:  li a0, 2
    j fail
2:
    /* Enter S-mode at s_entry. */
    li t0, 3 << 11
    csrc mstatus, t0
    li t0, 1 << 11
    csrs mstatus, t0
    la t0, s_entry
    csrw mepc, t0
    mret

/* ---- S-mode ---- */
s_entry:
    /* 1: a U page is out of bounds for S without SUM: load page fault, delegated. */
    li s0, 0x1000
    ld t0, 0(s0)
    la t1, s_cause
    ld t2, 0(t1)
    S_CHECK t2, 13, 10
    ld t2, 8(t1)
    S_CHECK t2, 0x1000, 11

    /* 2: with SUM it loads, and the walk set A (not D). */
    li t0, SSTATUS_SUM
    csrs sstatus, t0
    ld t0, 0(s0)
    S_CHECK t0, MAGIC, 12
    la t1, pt_l0
    ld t2, 8(t1)
    andi t2, t2, PTE_A | PTE_D
    S_CHECK t2, PTE_A, 13

    /* 3: a store sets D. */
    li t0, 0xabcd
    sd t0, 0(s0)
    ld t2, 8(t1)
    andi t2, t2, PTE_A | PTE_D
    S_CHECK t2, PTE_A | PTE_D, 14

    /* 4: a store to a read-only page: store page fault. */
    li s1, 0x2000
    sd t0, 0(s1)
    la t1, s_cause
    ld t2, 0(t1)
    S_CHECK t2, 15, 15
    ld t2, 8(t1)
    S_CHECK t2, 0x2000, 16
    ld t0, 0(s1)
    S_CHECK t0, 0xabcd, 17

    /* 5: an invalid PTE: load page fault; then valid after sfence.vma. */
    li s1, 0x3000
    ld t0, 0(s1)
    la t1, s_cause
    ld t2, 0(t1)
    S_CHECK t2, 13, 18
    ld t2, 8(t1)
    S_CHECK t2, 0x3000, 19
    SET_PTE pt_l0, 3, data_page, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D
    sfence.vma
    ld t0, 0(s1)
    S_CHECK t0, 0xabcd, 20

    /* 6: execute-only page: loads fault unless MXR. */
    la t1, s_cause
    sd zero, 0(t1)
    li s1, 0x5000
    ld t0, 0(s1)
    ld t2, 0(t1)
    S_CHECK t2, 13, 21
    li t0, SSTATUS_MXR
    csrs sstatus, t0
    sfence.vma
    ld t0, 0(s1)
    S_CHECK t0, 0xabcd, 22
    li t0, SSTATUS_MXR
    csrc sstatus, t0

    /* 7: an M-mode CSR from S: illegal instruction, to M, mtval = the bits. */
    csrr t0, mstatus
    la t1, m_cause
    ld t2, 0(t1)
    S_CHECK t2, 2, 23
    ld t2, 8(t1)
    S_CHECK t2, 0x300022f3, 24

    /* 8: U-mode through sret: U page loads, S page faults, ecall comes back. */
    la t0, s_after_u
    la t1, s_resume
    sd t0, 0(t1)
    li t0, SSTATUS_SPP
    csrc sstatus, t0
    li t0, 0x4000
    csrw sepc, t0
    sret
s_after_u:
    S_CHECK a1, 0xabcd, 25     /* what U loaded */
    la t1, s_cause
    ld t2, 32(t1)
    S_CHECK t2, 13, 26         /* U's load from an S page faulted */
    la t1, s_cause
    ld t2, 0(t1)
    S_CHECK t2, 8, 27          /* ecall from U */

    /* 9: a delegated supervisor software interrupt, taken as soon as it is enabled. */
    li t0, SSTATUS_SIE /* sret left SIE = SPIE = 1: start from disabled */
    csrc sstatus, t0
    la t1, s_cause
    sd zero, 0(t1)
    li t0, 1 << 1
    csrs sie, t0
    csrs sip, t0
    ld t2, 0(t1)
    S_CHECK t2, 0, 28          /* SIE still clear: pending only */
    li t0, SSTATUS_SIE
    csrs sstatus, t0
    nop
    ld t2, 0(t1)
    S_CHECK t2, (1 << 63) | 1, 29
    li t0, SSTATUS_SIE
    csrc sstatus, t0

    /* Done: ecall to M (not delegated). */
    li a7, 0
    ecall

s_trap:
    /* Record scause, stval, sepc; return to s_resume after a U ecall; skip otherwise. */
    csrw sscratch, t0
    la t0, s_cause
    sd t1, 24(t0)
    csrr t1, scause
    sd t1, 0(t0)
    csrr t1, stval
    sd t1, 8(t0)
    csrr t1, sepc
    sd t1, 16(t0)
    csrr t1, scause
    bltz t1, s_trap_irq
    li t0, 8
    beq t1, t0, s_trap_uecall
    la t0, s_cause
    sd t1, 32(t0)      /* the last fault's cause, kept across a later ecall */
    csrr t1, sepc
    addi t1, t1, 4
    csrw sepc, t1
    j s_trap_ret
s_trap_irq:
    li t1, 1 << 1
    csrc sip, t1
    j s_trap_ret
s_trap_uecall:
    la t0, s_resume
    ld t1, 0(t0)
    csrw sepc, t1
    li t1, SSTATUS_SPP
    csrs sstatus, t1
s_trap_ret:
    la t0, s_cause
    ld t1, 24(t0)
    csrr t0, sscratch
    sret

/* ---- M-mode trap handler ---- */
m_trap:
    csrw mscratch, t0
    la t0, m_cause
    sd t1, 24(t0)
    csrr t1, mcause
    sd t1, 0(t0)
    csrr t1, mtval
    sd t1, 8(t0)
    csrr t1, mcause
    li t0, 9
    beq t1, t0, m_trap_secall
    /* Anything else: skip the instruction and go back. */
    csrr t1, mepc
    addi t1, t1, 4
    csrw mepc, t1
    la t0, m_cause
    ld t1, 24(t0)
    csrr t0, mscratch
    mret
m_trap_secall:
    bnez a7, fail      /* a7 = 1: S reported failure a0 */
    j m_after_s

m_after_s:
    la t1, m_cause
    ld t2, 0(t1)
    M_CHECK t2, 9, 30
    csrr t2, mstatus
    srli t2, t2, 11
    andi t2, t2, 3
    M_CHECK t2, 1, 31      /* MPP = S */
    csrw satp, zero
    la a0, msg_pass
    call puts
    li t0, TEST_DEV
    li t1, 0x5555
    sw t1, 0(t0)
1:  j 1b

fail:
    mv s0, a0
    la a0, msg_fail
    call puts
    mv a0, s0
    call putdec
    li a0, '\n'
    call putc
    li t0, TEST_DEV
    slli t1, s0, 16
    li t2, 0x3333
    or t1, t1, t2
    sw t1, 0(t0)
1:  j 1b

park:
    wfi
    j park

/* ---- output (M-mode, physical) ---- */
putc:
    li t0, UART
1:  lbu t1, 5(t0)
    andi t1, t1, 0x20
    beqz t1, 1b
    sb a0, 0(t0)
    ret

puts:
    mv t2, ra
    mv t3, a0
1:  lbu a0, 0(t3)
    beqz a0, 2f
    call putc
    addi t3, t3, 1
    j 1b
2:  mv ra, t2
    ret

putdec: /* a0 < 100 */
    mv t4, ra
    li t5, 10
    divu t3, a0, t5
    remu t2, a0, t5
    beqz t3, 1f
    addi a0, t3, '0'
    call putc
1:  addi a0, t2, '0'
    call putc
    mv ra, t4
    ret

/* ---- U-mode code, mapped at VA 0x4000 ---- */
    .balign 4096
u_code:
    li t0, 0x1000
    ld a1, 0(t0)          /* a U page */
    li t0, 0x80000000
    ld t1, 0(t0)          /* an S page: load page fault, S skips it */
    ecall
1:  j 1b

    .section .data
    .balign 8
msg_pass: .asciz "PASS isa-priv\n"
msg_fail: .asciz "FAIL isa-priv "
    .balign 8
s_cause: .dword 0, 0, 0, 0, 0
s_resume: .dword 0
m_cause: .dword 0, 0, 0, 0

    .section .bss
    .balign 4096
pt_root: .space 4096
pt_l1: .space 4096
pt_l0: .space 4096
data_page: .space 4096
    .space 4096
stack_top:
