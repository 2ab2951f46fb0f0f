/*
 * csr: Zicsr and the M-mode trap path (RISC-V privileged spec 1.12 §3.1,
 * §3.3): CSR read/modify/write forms on mscratch, misa (MXL = 64 and the
 * I, M, A, C extensions), mhartid = the a0 the machine handed over, and
 * synchronous traps through mtvec — ecall (cause 11), ebreak
 * (cause 3), illegal instructions (cause 2, mtval = the instruction bits) —
 * each returning with mret to the instruction after the one that trapped.
 */
#include "test.h"

static volatile uint64_t trap_count, trap_cause, trap_epc, trap_tval, trap_mstatus;

static void record_trap(TrapFrame *tf)
{
    uint16_t low = *(volatile uint16_t *)tf->mepc;

    trap_count++;
    trap_cause = tf->mcause;
    trap_epc = tf->mepc;
    trap_tval = tf->mtval;
    trap_mstatus = csr_read(mstatus);
    tf->mepc += (low & 3) == 3 ? 4 : 2; /* skip the trapping instruction */
}

static void test_csr_ops(void)
{
    uint64_t old, v;

    csr_write(mscratch, 0x123456789abcdef0UL);
    CHECK("mscratch round trip", csr_read(mscratch), 0x123456789abcdef0UL);
    __asm__ volatile("csrrw %0, mscratch, %1" : "=r"(old) : "r"(0x55UL));
    CHECK("csrrw returns the old value", old, 0x123456789abcdef0UL);
    __asm__ volatile("csrrs %0, mscratch, %1" : "=r"(old) : "r"(0xf00UL));
    CHECK("csrrs returns the old value", old, 0x55);
    CHECK("csrrs sets bits", csr_read(mscratch), 0xf55);
    __asm__ volatile("csrrc %0, mscratch, %1" : "=r"(old) : "r"(0x50fUL));
    CHECK("csrrc clears bits", csr_read(mscratch), 0xa50);
    __asm__ volatile("csrrwi %0, mscratch, 31" : "=r"(old));
    CHECK("csrrwi", csr_read(mscratch), 31);
    __asm__ volatile("csrrci %0, mscratch, 5" : "=r"(old));
    CHECK("csrrci", csr_read(mscratch), 26);
    __asm__ volatile("csrrsi %0, mscratch, 1" : "=r"(old));
    CHECK("csrrsi", csr_read(mscratch), 27);
    /* csrrs with x0 reads without writing (and so never traps on read-only CSRs). */
    __asm__ volatile("csrrs %0, mscratch, zero" : "=r"(v));
    CHECK("csrrs x0 reads", v, 27);
    test_section("csr", "csr instructions");
}

static void test_machine_info(uint64_t a0)
{
    uint64_t misa = csr_read(misa);

    CHECK("misa MXL = 2 (64-bit)", misa >> 62, 2);
    CHECK("misa has I", (misa >> ('I' - 'A')) & 1, 1);
    CHECK("misa has M", (misa >> ('M' - 'A')) & 1, 1);
    CHECK("misa has A", (misa >> ('A' - 'A')) & 1, 1);
    CHECK("misa has C", (misa >> ('C' - 'A')) & 1, 1);
    CHECK("mhartid = a0", csr_read(mhartid), a0);
    csr_write(mepc, 0x80000100UL);
    CHECK("mepc round trip", csr_read(mepc), 0x80000100UL);
    test_section("csr", "machine information");
}

static void test_traps(void)
{
    uint64_t at;

    /* lib/crt.S installed trap_vector; mtvec must read back as written (direct mode). */
    extern char trap_vector[];
    csr_write(mtvec, (uint64_t)trap_vector);
    CHECK("mtvec holds the vector", csr_read(mtvec), (uint64_t)trap_vector);
    trap_handler = record_trap;

    __asm__ volatile("la %0, 1f\n1: ecall" : "=&r"(at)::"memory");
    CHECK("ecall traps once", trap_count, 1);
    CHECK("ecall from M: mcause 11", trap_cause, CAUSE_ECALL_M);
    CHECK("ecall: mepc = the ecall", trap_epc, at);
    CHECK("trap: mstatus.MPP = M", (trap_mstatus >> 11) & 3, 3);
    CHECK("trap: mstatus.MIE cleared", trap_mstatus & MSTATUS_MIE, 0);

    __asm__ volatile(".option push\n.option norvc\nla %0, 1f\n1: ebreak\n.option pop"
                     : "=&r"(at)::"memory");
    CHECK("ebreak traps", trap_count, 2);
    CHECK("ebreak: mcause 3", trap_cause, CAUSE_BREAKPOINT);
    CHECK("ebreak: mepc = the ebreak", trap_epc, at);

    /* csrrw x0, cycle, x0: writing a read-only CSR is illegal (priv §2.1). */
    __asm__ volatile("la %0, 1f\n1: .word 0xc0001073" : "=&r"(at)::"memory");
    CHECK("write to cycle traps", trap_count, 3);
    CHECK("illegal csr write: mcause 2", trap_cause, CAUSE_ILLEGAL_INSN);
    CHECK("illegal csr write: mepc", trap_epc, at);
    CHECK("illegal csr write: mtval = instruction", trap_tval, 0xc0001073UL);

    /* custom-0 opcode: nothing implements it. */
    __asm__ volatile("la %0, 1f\n1: .word 0x0000000b" : "=&r"(at)::"memory");
    CHECK("custom-0 traps", trap_count, 4);
    CHECK("custom-0: mcause 2", trap_cause, CAUSE_ILLEGAL_INSN);
    CHECK("custom-0: mtval = instruction", trap_tval, 0x0000000bUL);

    /* A trap with registers live around it: mret must return with them intact. */
    {
        register uint64_t s2 __asm__("s2") = 0x1111;
        register uint64_t a5 __asm__("a5") = 0x2222;
        uint64_t got_s2, got_a5;

        __asm__ volatile("ecall\n\tmv %2, s2\n\tmv %3, a5"
                         : "+r"(s2), "+r"(a5), "=&r"(got_s2), "=&r"(got_a5)::"memory");
        CHECK("registers survive a trap (s2)", got_s2, 0x1111);
        CHECK("registers survive a trap (a5)", got_a5, 0x2222);
    }
    trap_handler = NULL;
    test_section("csr", "traps and mret");
}

int main(uint64_t hartid)
{
    printf("csr: CSRs and M-mode traps\n");
    test_csr_ops();
    test_machine_info(hartid);
    test_traps();
    return test_finish("csr");
}
