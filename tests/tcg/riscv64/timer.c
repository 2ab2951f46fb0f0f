/*
 * timer: the CLINT and M-mode interrupts (privileged spec §3.1.9, ACLINT
 * spec): mtime advances and agrees with the time CSR; mtimecmp takes 32-bit
 * halves; MTIP follows mtime >= mtimecmp; a timer interrupt arrives through
 * wfi with mcause = interrupt | 7 and not before its deadline; a software
 * interrupt through msip arrives with mcause = interrupt | 3.
 */
#include "test.h"

static volatile uint64_t irq_count, irq_cause, irq_mtime;

static void on_interrupt(TrapFrame *tf)
{
    irq_count++;
    irq_cause = tf->mcause;
    irq_mtime = mmio_read64(CLINT_MTIME);
    if (tf->mcause == (MCAUSE_INTERRUPT | IRQ_M_TIMER)) {
        mmio_write64(CLINT_MTIMECMP(0), ~0UL); /* lowers MTIP */
    } else if (tf->mcause == (MCAUSE_INTERRUPT | IRQ_M_SOFT)) {
        mmio_write32(CLINT_MSIP(0), 0);
    } else {
        printf("FAIL timer: unexpected trap mcause 0x%lx mepc 0x%lx\n", tf->mcause, tf->mepc);
        test_exit(100);
    }
}

static void test_mtime(void)
{
    uint64_t t0 = mmio_read64(CLINT_MTIME), t1, c0, c1;

    for (volatile int i = 0; i < 20000; i++) {
    }
    t1 = mmio_read64(CLINT_MTIME);
    check_true("mtime advances", t1 > t0);
    c0 = csr_read(time);
    t0 = mmio_read64(CLINT_MTIME);
    c1 = csr_read(time);
    check_true("time CSR advances", c1 >= c0);
    /* Within 100 ms of each other: the same counter read through two paths. */
    check_true("time CSR matches mtime", c0 <= t0 + 1000000 && t0 <= c1 + 1000000);
    CHECK("mtime high half via 32-bit read", mmio_read32(CLINT_MTIME + 4), t0 >> 32);
    test_section("timer", "mtime and the time CSR");
}

static void test_mtimecmp(void)
{
    uint64_t now;

    mmio_write32(CLINT_MTIMECMP(0) + 4, 0xffffffff);
    mmio_write32(CLINT_MTIMECMP(0), 0x12345678);
    CHECK("mtimecmp from 32-bit halves", mmio_read64(CLINT_MTIMECMP(0)), 0xffffffff12345678UL);
    mmio_write64(CLINT_MTIMECMP(0), ~0UL);
    CHECK("MTIP clear when mtimecmp is far", (csr_read(mip) >> IRQ_M_TIMER) & 1, 0);
    now = mmio_read64(CLINT_MTIME);
    mmio_write64(CLINT_MTIMECMP(0), now);
    CHECK("MTIP set when mtime >= mtimecmp", (csr_read(mip) >> IRQ_M_TIMER) & 1, 1);
    mmio_write64(CLINT_MTIMECMP(0), ~0UL);
    CHECK("MTIP clears when mtimecmp moves ahead", (csr_read(mip) >> IRQ_M_TIMER) & 1, 0);
    test_section("timer", "mtimecmp and MTIP");
}

static void test_timer_interrupt(void)
{
    uint64_t deadline;
    unsigned spins = 0;

    trap_handler = on_interrupt;
    irq_count = 0;
    deadline = mmio_read64(CLINT_MTIME) + TIMEBASE_HZ / 1000; /* 1 ms */
    mmio_write64(CLINT_MTIMECMP(0), deadline);
    csr_set(mie, MIE_MTIE);
    csr_set(mstatus, MSTATUS_MIE);
    while (irq_count == 0 && spins < 1000000) {
        __asm__ volatile("wfi");
        spins++;
    }
    csr_clear(mstatus, MSTATUS_MIE);
    csr_clear(mie, MIE_MTIE);
    CHECK("timer interrupt taken once", irq_count, 1);
    CHECK("timer interrupt mcause", irq_cause, MCAUSE_INTERRUPT | IRQ_M_TIMER);
    check_true("timer interrupt not before its deadline", irq_mtime >= deadline);

    /* Masked by mie: a pending MTIP does not interrupt. */
    mmio_write64(CLINT_MTIMECMP(0), 0);
    csr_set(mstatus, MSTATUS_MIE);
    for (volatile int i = 0; i < 1000; i++) {
    }
    csr_clear(mstatus, MSTATUS_MIE);
    CHECK("MTIE clear masks the timer", irq_count, 1);
    mmio_write64(CLINT_MTIMECMP(0), ~0UL);
    test_section("timer", "timer interrupt through wfi");
}

static void test_software_interrupt(void)
{
    irq_count = 0;
    csr_set(mie, MIE_MSIE);
    mmio_write32(CLINT_MSIP(0), 1);
    CHECK("msip reads back", mmio_read32(CLINT_MSIP(0)), 1);
    CHECK("MSIP pending in mip", (csr_read(mip) >> IRQ_M_SOFT) & 1, 1);
    csr_set(mstatus, MSTATUS_MIE);
    for (volatile int i = 0; i < 1000 && irq_count == 0; i++) {
    }
    csr_clear(mstatus, MSTATUS_MIE);
    csr_clear(mie, MIE_MSIE);
    CHECK("software interrupt taken once", irq_count, 1);
    CHECK("software interrupt mcause", irq_cause, MCAUSE_INTERRUPT | IRQ_M_SOFT);
    CHECK("msip cleared by the handler", mmio_read32(CLINT_MSIP(0)), 0);
    CHECK("MSIP no longer pending", (csr_read(mip) >> IRQ_M_SOFT) & 1, 0);
    trap_handler = NULL;
    test_section("timer", "software interrupt");
}

int main(void)
{
    printf("timer: CLINT and interrupts\n");
    test_mtime();
    test_mtimecmp();
    test_timer_interrupt();
    test_software_interrupt();
    return test_finish("timer");
}
