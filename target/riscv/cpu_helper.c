/*
 * RISC-V traps: which interrupt to take, trap entry with delegation, WFI's
 * wake-up condition. RISC-V privileged spec 1.12 §3.1.6.1 (privilege and global
 * interrupt-enable stack), §3.1.8 (medeleg/mideleg), §3.1.9 (mip/mie priority),
 * §3.1.7 (mtvec modes), §4.1 (the S-mode counterparts).
 */
#include "target/riscv/internals.h"
#include "util/log.h"

void riscv_cpu_set_mode(RISCVCPU *cpu, RISCVPriv priv)
{
    cpu->priv = priv;
}

/* Interrupts in descending priority (priv spec §3.1.9). */
static const int irq_priority[] = {
    IRQ_M_EXT, IRQ_M_SOFT, IRQ_M_TIMER, IRQ_S_EXT, IRQ_S_SOFT, IRQ_S_TIMER,
};

int riscv_cpu_highest_irq(uint64_t pending)
{
    for (size_t i = 0; i < ARRAY_SIZE(irq_priority); i++) {
        if (pending & (1ULL << irq_priority[i])) {
            return irq_priority[i];
        }
    }
    /* Platform interrupts above 15: the lowest numbered wins (none are wired today). */
    return pending ? __builtin_ctzll(pending) : -1;
}

int riscv_cpu_pending_interrupt(RISCVCPU *cpu)
{
    uint64_t pending = __atomic_load_n(&cpu->mip, __ATOMIC_SEQ_CST) & cpu->mie;
    uint64_t m_pending = pending & ~cpu->mideleg;
    uint64_t s_pending = pending & cpu->mideleg;
    bool m_enabled = cpu->priv < PRV_M || (cpu->mstatus & MSTATUS_MIE);
    bool s_enabled = cpu->priv < PRV_S || (cpu->priv == PRV_S && (cpu->mstatus & MSTATUS_SIE));

    /* Interrupts for a more privileged mode come first (priv spec §3.1.9). */
    if (m_enabled && m_pending) {
        return riscv_cpu_highest_irq(m_pending);
    }
    if (s_enabled && s_pending) {
        return riscv_cpu_highest_irq(s_pending);
    }
    return -1;
}

bool riscv_cpu_exec_interrupt(CPUState *cs)
{
    RISCVCPU *cpu = RISCV_CPU(cs);
    int irq = riscv_cpu_pending_interrupt(cpu);

    if (irq < 0) {
        return false;
    }
    cs->exception_index = RISCV_EXCP_INT_FLAG | irq;
    riscv_cpu_do_interrupt(cs);
    return true;
}

/* WFI resumes when any interrupt is pending and enabled in mie, whatever the global enables. */
bool riscv_cpu_has_work(CPUState *cs)
{
    RISCVCPU *cpu = RISCV_CPU(cs);

    return (__atomic_load_n(&cpu->mip, __ATOMIC_SEQ_CST) & cpu->mie) != 0;
}

static const char *const excp_names[] = {
    "misaligned fetch", "fetch access fault", "illegal instruction", "breakpoint",
    "misaligned load", "load access fault", "misaligned store/AMO", "store/AMO access fault",
    "ecall from U", "ecall from S", "?", "ecall from M", "fetch page fault", "load page fault",
    "?", "store/AMO page fault",
};

/* Trap entry for cs->exception_index (an exception, or an interrupt with RISCV_EXCP_INT_FLAG). */
void riscv_cpu_do_interrupt(CPUState *cs)
{
    RISCVCPU *cpu = RISCV_CPU(cs);
    bool irq = cs->exception_index & RISCV_EXCP_INT_FLAG;
    uint64_t cause = cs->exception_index & ~RISCV_EXCP_INT_FLAG;
    uint64_t tval = irq ? 0 : cpu->badaddr;
    uint64_t deleg = irq ? cpu->mideleg : cpu->medeleg;
    uint64_t mcause = cause | ((uint64_t)irq << 63);
    RISCVPriv prev = cpu->priv;
    uint64_t s = cpu->mstatus;

    if (log_enabled(LOG_INT)) {
        log_printf("riscv: hart %" PRIu64 " %s %" PRIu64 " (%s) at pc %016" PRIx64
                   " priv %d tval %016" PRIx64 "\n",
                   cpu->mhartid, irq ? "interrupt" : "exception", cause,
                   !irq && cause < ARRAY_SIZE(excp_names) ? excp_names[cause] : "",
                   cpu->pc, prev, tval);
    }

    if (prev <= PRV_S && cause < 64 && ((deleg >> cause) & 1)) {
        /* Delegated to S-mode (priv spec §4.1.1). */
        cpu->scause = mcause;
        cpu->sepc = cpu->pc;
        cpu->stval = tval;
        s = (s & ~MSTATUS_SPP) | (prev == PRV_S ? MSTATUS_SPP : 0);
        s = (s & ~MSTATUS_SPIE) | ((s & MSTATUS_SIE) ? MSTATUS_SPIE : 0);
        s &= ~MSTATUS_SIE;
        cpu->mstatus = s;
        cpu->pc = (cpu->stvec & ~3ULL) + ((irq && (cpu->stvec & 1)) ? 4 * cause : 0);
        riscv_cpu_set_mode(cpu, PRV_S);
    } else {
        cpu->mcause = mcause;
        cpu->mepc = cpu->pc;
        cpu->mtval = tval;
        s = (s & ~MSTATUS_MPP) | ((uint64_t)prev << MSTATUS_MPP_SHIFT);
        s = (s & ~MSTATUS_MPIE) | ((s & MSTATUS_MIE) ? MSTATUS_MPIE : 0);
        s &= ~MSTATUS_MIE;
        cpu->mstatus = s;
        cpu->pc = (cpu->mtvec & ~3ULL) + ((irq && (cpu->mtvec & 1)) ? 4 * cause : 0);
        riscv_cpu_set_mode(cpu, PRV_M);
    }
    cs->exception_index = -1;
    cs->halted = false;
    cpu->badaddr = 0;
}

void riscv_raise_exception(RISCVCPU *cpu, int cause, uint64_t tval, uintptr_t retaddr)
{
    cpu->badaddr = tval;
    cpu_raise_exception(&cpu->parent, cause, retaddr);
}

void riscv_cpu_do_unaligned_access(CPUState *cs, uint64_t vaddr, MMUAccessType access_type,
                                   int mmu_idx, uintptr_t retaddr)
{
    int cause;

    switch (access_type) {
    case MMU_INST_FETCH:
        cause = RISCV_EXCP_INST_ADDR_MIS;
        break;
    case MMU_DATA_LOAD:
        cause = RISCV_EXCP_LOAD_ADDR_MIS;
        break;
    default:
        cause = RISCV_EXCP_STORE_AMO_ADDR_MIS;
        break;
    }
    riscv_raise_exception(RISCV_CPU(cs), cause, vaddr, retaddr);
}
