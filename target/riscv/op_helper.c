/*
 * Helpers that translated RISC-V code calls: exceptions, CSR access, xRET, WFI,
 * fences, division, and the atomics (A extension: AMOs and SC through host
 * atomics on the guest page, so they stay atomic with several harts).
 * RISC-V unprivileged spec 20191213 ch. 7-8, privileged spec 1.12 §3.3.
 */
#include "target/riscv/internals.h"
#include "target/riscv/helper.h"

uint64_t helper_raise_exception(void *env, uint64_t cause, uint64_t tval)
{
    RISCVCPU *cpu = env;
    CPUState *cs = &cpu->parent;

    /* The translator stored the pc of the instruction before calling. */
    cpu->badaddr = tval;
    cs->exception_index = cause;
    cpu_loop_exit(cs);
}

/* ---- CSRs ---- */

static uint64_t csr_op(RISCVCPU *cpu, uint64_t csrno, uint64_t val, uint64_t mask, bool write,
                       uint64_t insn, uintptr_t ra)
{
    uint64_t old = 0;
    int r = riscv_csrrw(cpu, csrno, &old, val, mask, write);

    if (r) {
        riscv_raise_exception(cpu, r, insn, ra);
    }
    return old;
}

uint64_t helper_csrr(void *env, uint64_t csrno, uint64_t insn)
{
    return csr_op(env, csrno, 0, 0, false, insn, GETPC());
}

uint64_t helper_csrw(void *env, uint64_t csrno, uint64_t val, uint64_t insn)
{
    return csr_op(env, csrno, val, ~0ULL, true, insn, GETPC());
}

uint64_t helper_csrrw(void *env, uint64_t csrno, uint64_t val, uint64_t mask, uint64_t insn)
{
    return csr_op(env, csrno, val, mask, true, insn, GETPC());
}

/* ---- privileged instructions ---- */

/* mret (priv spec §3.3.2): pop the M-mode privilege/interrupt-enable stack. */
uint64_t helper_mret(void *env)
{
    RISCVCPU *cpu = env;
    uint64_t s = cpu->mstatus;
    RISCVPriv prev = (s & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;

    s = (s & ~MSTATUS_MIE) | ((s & MSTATUS_MPIE) ? MSTATUS_MIE : 0);
    s |= MSTATUS_MPIE;
    s &= ~MSTATUS_MPP; /* MPP = U, the least privileged mode */
    if (prev != PRV_M) {
        s &= ~MSTATUS_MPRV;
    }
    cpu->mstatus = s;
    riscv_cpu_set_mode(cpu, prev);
    riscv_cpu_update_irq_request(cpu);
    return cpu->mepc;
}

uint64_t helper_sret(void *env, uint64_t insn)
{
    RISCVCPU *cpu = env;
    uint64_t s = cpu->mstatus;
    RISCVPriv prev = (s & MSTATUS_SPP) ? PRV_S : PRV_U;

    if (cpu->priv == PRV_S && (s & MSTATUS_TSR)) {
        riscv_raise_exception(cpu, RISCV_EXCP_ILLEGAL_INST, insn, GETPC());
    }
    s = (s & ~MSTATUS_SIE) | ((s & MSTATUS_SPIE) ? MSTATUS_SIE : 0);
    s |= MSTATUS_SPIE;
    s &= ~MSTATUS_SPP;
    s &= ~MSTATUS_MPRV; /* the new mode is below M */
    cpu->mstatus = s;
    riscv_cpu_set_mode(cpu, prev);
    riscv_cpu_update_irq_request(cpu);
    return cpu->sepc;
}

/*
 * wfi (priv spec §3.3.3): S-mode with mstatus.TW traps. Otherwise sleep until
 * an interrupt is pending in mie; the translator already pointed pc past wfi.
 */
uint64_t helper_wfi(void *env, uint64_t insn)
{
    RISCVCPU *cpu = env;
    CPUState *cs = &cpu->parent;

    if (cpu->priv == PRV_S && (cpu->mstatus & MSTATUS_TW)) {
        riscv_raise_exception(cpu, RISCV_EXCP_ILLEGAL_INST, insn, GETPC());
    }
    if (riscv_cpu_has_work(cs)) {
        /*
         * Nothing to wait for, but a wfi loop that finds its interrupt
         * already pending (OpenSBI's stopped harts spin so) is waiting for
         * another hart: end this vCPU's turn so that one runs.
         */
        __atomic_store_n(&cs->exit_request, 1, __ATOMIC_SEQ_CST);
        return 0;
    }
    cs->halted = true;
    cs->exception_index = -1;
    cpu_loop_exit(cs);
}

uint64_t helper_fence_i(void *env)
{
    tb_invalidate_written_code();
    return 0;
}

uint64_t helper_sfence_vma(void *env, uint64_t addr, uint64_t all, uint64_t insn)
{
    RISCVCPU *cpu = env;

    if (cpu->priv == PRV_S && (cpu->mstatus & MSTATUS_TVM)) {
        riscv_raise_exception(cpu, RISCV_EXCP_ILLEGAL_INST, insn, GETPC());
    }
    /* ASIDs are not tagged in the TLB: flushing by address covers every ASID. */
    if (all || cpu->tlb_has_superpage) {
        riscv_cpu_flush_tlb(cpu);
    } else {
        tlb_flush_page(&cpu->parent, addr);
    }
    return 0;
}

/* ---- M extension: division (unprivileged spec §7.2, table 7.1) ---- */

uint64_t helper_div(void *env, uint64_t a, uint64_t b)
{
    if (b == 0) {
        return UINT64_MAX;
    }
    if ((int64_t)a == INT64_MIN && (int64_t)b == -1) {
        return a;
    }
    return (int64_t)a / (int64_t)b;
}

uint64_t helper_divu(void *env, uint64_t a, uint64_t b)
{
    return b ? a / b : UINT64_MAX;
}

uint64_t helper_rem(void *env, uint64_t a, uint64_t b)
{
    if (b == 0) {
        return a;
    }
    if ((int64_t)a == INT64_MIN && (int64_t)b == -1) {
        return 0;
    }
    return (int64_t)a % (int64_t)b;
}

uint64_t helper_remu(void *env, uint64_t a, uint64_t b)
{
    return b ? a % b : a;
}

uint64_t helper_divw(void *env, uint64_t a, uint64_t b)
{
    int32_t x = a, y = b;

    if (y == 0) {
        return UINT64_MAX;
    }
    if (x == INT32_MIN && y == -1) {
        return (int64_t)x;
    }
    return (int64_t)(x / y);
}

uint64_t helper_divuw(void *env, uint64_t a, uint64_t b)
{
    uint32_t x = a, y = b;

    return y ? (uint64_t)(int64_t)(int32_t)(x / y) : UINT64_MAX;
}

uint64_t helper_remw(void *env, uint64_t a, uint64_t b)
{
    int32_t x = a, y = b;

    if (y == 0) {
        return (int64_t)x;
    }
    if (x == INT32_MIN && y == -1) {
        return 0;
    }
    return (int64_t)(x % y);
}

uint64_t helper_remuw(void *env, uint64_t a, uint64_t b)
{
    uint32_t x = a, y = b;

    return (int64_t)(int32_t)(y ? x % y : x);
}

/* ---- A extension ---- */

static void *atomic_host(RISCVCPU *cpu, uint64_t addr, unsigned size, int mmu_idx, uintptr_t ra)
{
    /* AMOs and SC must be naturally aligned (unprivileged spec §8.4). */
    if (addr & (size - 1)) {
        riscv_raise_exception(cpu, RISCV_EXCP_STORE_AMO_ADDR_MIS, addr, ra);
    }
    void *host = cpu_atomic_mmu_lookup(&cpu->parent, addr, size, mmu_idx, ra);

    if (!host) {
        /* Device memory has no atomics here: the PMA check fails (priv spec §3.6.4). */
        riscv_raise_exception(cpu, RISCV_EXCP_STORE_AMO_ACCESS_FAULT, addr, ra);
    }
    return host;
}

#define AMO_MINMAX(T, p, v, cmp)                                                                   \
    ({                                                                                             \
        T old_ = __atomic_load_n((T *)(p), __ATOMIC_RELAXED);                                      \
        while (!__atomic_compare_exchange_n((T *)(p), &old_, (old_ cmp (T)(v)) ? old_ : (T)(v),   \
                                            false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {          \
        }                                                                                          \
        old_;                                                                                      \
    })

#define AMO_OPS(T, p, v, funct5, old)                                                              \
    switch (funct5) {                                                                              \
    case AMO_SWAP:                                                                                 \
        old = __atomic_exchange_n((T *)(p), (T)(v), __ATOMIC_SEQ_CST);                             \
        break;                                                                                     \
    case AMO_ADD:                                                                                  \
        old = __atomic_fetch_add((T *)(p), (T)(v), __ATOMIC_SEQ_CST);                              \
        break;                                                                                     \
    case AMO_XOR:                                                                                  \
        old = __atomic_fetch_xor((T *)(p), (T)(v), __ATOMIC_SEQ_CST);                              \
        break;                                                                                     \
    case AMO_AND:                                                                                  \
        old = __atomic_fetch_and((T *)(p), (T)(v), __ATOMIC_SEQ_CST);                              \
        break;                                                                                     \
    case AMO_OR:                                                                                   \
        old = __atomic_fetch_or((T *)(p), (T)(v), __ATOMIC_SEQ_CST);                               \
        break;                                                                                     \
    default:                                                                                       \
        g_assert_not_reached();                                                                    \
    }

/*
 * desc = funct5 | log2(size) << 8 | mmu_idx << 12. Returns the old memory value,
 * sign-extended for .W.
 */
uint64_t helper_amo(void *env, uint64_t addr, uint64_t val, uint64_t desc)
{
    RISCVCPU *cpu = env;
    unsigned funct5 = desc & 0x1f;
    unsigned size = 1u << ((desc >> 8) & 3);
    int mmu_idx = (desc >> 12) & 7;
    void *p = atomic_host(cpu, addr, size, mmu_idx, GETPC());

    if (size == 4) {
        uint32_t old;

        switch (funct5) {
        case AMO_MIN:
            old = AMO_MINMAX(int32_t, p, val, <);
            break;
        case AMO_MAX:
            old = AMO_MINMAX(int32_t, p, val, >);
            break;
        case AMO_MINU:
            old = AMO_MINMAX(uint32_t, p, val, <);
            break;
        case AMO_MAXU:
            old = AMO_MINMAX(uint32_t, p, val, >);
            break;
        default:
            AMO_OPS(uint32_t, p, val, funct5, old);
        }
        return (int64_t)(int32_t)old;
    } else {
        uint64_t old;

        switch (funct5) {
        case AMO_MIN:
            old = AMO_MINMAX(int64_t, p, val, <);
            break;
        case AMO_MAX:
            old = AMO_MINMAX(int64_t, p, val, >);
            break;
        case AMO_MINU:
            old = AMO_MINMAX(uint64_t, p, val, <);
            break;
        case AMO_MAXU:
            old = AMO_MINMAX(uint64_t, p, val, >);
            break;
        default:
            AMO_OPS(uint64_t, p, val, funct5, old);
        }
        return old;
    }
}

/*
 * sc.w/sc.d: succeed (0) when the reservation from lr is on addr and memory
 * still holds the loaded value, swapping in val atomically; else 1. Either
 * way the reservation is gone (unprivileged spec §8.2).
 */
uint64_t helper_sc(void *env, uint64_t addr, uint64_t val, uint64_t desc)
{
    RISCVCPU *cpu = env;
    unsigned size = 1u << ((desc >> 8) & 3);
    int mmu_idx = (desc >> 12) & 7;
    void *p;
    bool ok;

    if (addr & (size - 1)) {
        riscv_raise_exception(cpu, RISCV_EXCP_STORE_AMO_ADDR_MIS, addr, GETPC());
    }
    if (cpu->load_res != addr) {
        cpu->load_res = -1;
        return 1;
    }
    p = atomic_host(cpu, addr, size, mmu_idx, GETPC());
    if (size == 4) {
        uint32_t expect = cpu->load_val;

        ok = __atomic_compare_exchange_n((uint32_t *)p, &expect, (uint32_t)val, false,
                                         __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    } else {
        uint64_t expect = cpu->load_val;

        ok = __atomic_compare_exchange_n((uint64_t *)p, &expect, val, false, __ATOMIC_SEQ_CST,
                                         __ATOMIC_SEQ_CST);
    }
    cpu->load_res = -1;
    return !ok;
}
