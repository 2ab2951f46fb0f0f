/*
 * RISC-V virtual memory: the Sv39/Sv48/Sv57 page-table walk (priv spec 1.12
 * §4.3.2 "Virtual address translation process", §4.4-4.6), A/D updates done
 * by the hart (atomically, as Svadu allows), PMP on the walk and on the result,
 * and tlb_fill for the translator's softmmu. Svnapot and Svpbmt are left out:
 * their PTE bits are reserved and fault.
 */
#include "target/riscv/internals.h"
#include "system/memory.h"

#define PTE_V (1ULL << 0)
#define PTE_R (1ULL << 1)
#define PTE_W (1ULL << 2)
#define PTE_X (1ULL << 3)
#define PTE_U (1ULL << 4)
#define PTE_G (1ULL << 5)
#define PTE_A (1ULL << 6)
#define PTE_D (1ULL << 7)
#define PTE_PPN_SHIFT 10
#define PTE_PPN_MASK (((1ULL << 44) - 1) << PTE_PPN_SHIFT)
#define PTE_RESERVED (~((1ULL << 54) - 1)) /* N, PBMT and the reserved bits 60:54 */

typedef enum {
    WALK_OK,
    WALK_PAGE_FAULT,
    WALK_ACCESS_FAULT,
} WalkResult;

void riscv_cpu_flush_tlb(RISCVCPU *cpu)
{
    tlb_flush(&cpu->parent);
    cpu->tlb_has_superpage = false;
}

static bool read_pte(uint64_t addr, uint64_t *pte)
{
    uint64_t len = 8;
    uint64_t *p = address_space_map(&address_space_memory, addr, &len, false);

    if (p && len >= 8) {
        *pte = __atomic_load_n(p, __ATOMIC_ACQUIRE);
        return true;
    }
    return address_space_read(&address_space_memory, addr, pte, 8) == MEMTX_OK;
}

/* Set A (and D) in a PTE if it still holds old; false if it changed under us. */
static bool update_pte(uint64_t addr, uint64_t old, uint64_t new)
{
    uint64_t len = 8;
    uint64_t *p = address_space_map(&address_space_memory, addr, &len, true);

    if (!p || len < 8) {
        /* Page tables outside RAM: update with a plain write. */
        return address_space_write(&address_space_memory, addr, &new, 8) == MEMTX_OK;
    }
    return __atomic_compare_exchange_n(p, &old, new, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

typedef struct WalkOut {
    uint64_t paddr;
    int prot;
    uint64_t page_size;
} WalkOut;

/*
 * Translate vaddr for an access by mode priv (S or U; satp not Bare). With
 * debug set, no permission checks and no A/D updates (the monitor's view).
 */
static WalkResult page_walk(RISCVCPU *cpu, uint64_t vaddr, MMUAccessType type, RISCVPriv priv,
                            bool debug, WalkOut *out)
{
    int mode = cpu->satp >> SATP_MODE_SHIFT;
    int levels = mode == SATP_MODE_SV39 ? 3 : mode == SATP_MODE_SV48 ? 4 : 5;
    int va_bits = 12 + 9 * levels;
    bool sum = cpu->mstatus & MSTATUS_SUM;
    bool mxr = cpu->mstatus & MSTATUS_MXR;
    uint64_t base, pte, pte_addr;
    int level;

restart:
    /* Bits above the VA width must equal its top bit (§4.4.1). */
    if ((int64_t)(vaddr << (64 - va_bits)) >> (64 - va_bits) != (int64_t)vaddr) {
        return WALK_PAGE_FAULT;
    }
    base = (cpu->satp & SATP_PPN_MASK) << 12;
    for (level = levels - 1;; level--) {
        uint64_t vpn = (vaddr >> (12 + 9 * level)) & 0x1ff;
        int pmp_prot;
        bool whole;

        pte_addr = base + vpn * 8;
        if (!debug && !riscv_pmp_check(cpu, pte_addr, 8, MMU_DATA_LOAD, PRV_S, &pmp_prot, &whole)) {
            return WALK_ACCESS_FAULT;
        }
        if (!read_pte(pte_addr, &pte)) {
            return WALK_ACCESS_FAULT;
        }
        if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W)) || (pte & PTE_RESERVED)) {
            return WALK_PAGE_FAULT;
        }
        if (pte & (PTE_R | PTE_X)) {
            break; /* a leaf */
        }
        /* Non-leaf: D, A and U are reserved (§4.3.1). */
        if (pte & (PTE_D | PTE_A | PTE_U)) {
            return WALK_PAGE_FAULT;
        }
        if (level == 0) {
            return WALK_PAGE_FAULT;
        }
        base = ((pte & PTE_PPN_MASK) >> PTE_PPN_SHIFT) << 12;
    }

    /* A superpage's PPN must be aligned to its size (§4.3.2 step 6). */
    uint64_t ppn = (pte & PTE_PPN_MASK) >> PTE_PPN_SHIFT;
    uint64_t low_mask = (1ULL << (9 * level)) - 1;

    if (ppn & low_mask) {
        return WALK_PAGE_FAULT;
    }

    /* Rights for this privilege (§4.3.1, SUM and MXR from §4.1.1). */
    int prot = 0;
    bool user_ok = priv == PRV_U ? (pte & PTE_U) : !(pte & PTE_U) || sum;
    bool exec_ok = priv == PRV_U ? (pte & PTE_U) : !(pte & PTE_U);

    if (user_ok && ((pte & PTE_R) || (mxr && (pte & PTE_X)))) {
        prot |= PAGE_READ;
    }
    if (user_ok && (pte & PTE_W)) {
        prot |= PAGE_WRITE;
    }
    if (exec_ok && (pte & PTE_X)) {
        prot |= PAGE_EXEC;
    }

    if (!debug) {
        int need = type == MMU_INST_FETCH   ? PAGE_EXEC
                   : type == MMU_DATA_STORE ? PAGE_WRITE
                                            : PAGE_READ;
        uint64_t want = pte | PTE_A | (type == MMU_DATA_STORE ? PTE_D : 0);

        if (!(prot & need)) {
            return WALK_PAGE_FAULT;
        }
        if (want != pte) {
            int pmp_prot;
            bool whole;

            if (!riscv_pmp_check(cpu, pte_addr, 8, MMU_DATA_STORE, PRV_S, &pmp_prot, &whole)) {
                return WALK_ACCESS_FAULT;
            }
            if (!update_pte(pte_addr, pte, want)) {
                goto restart; /* someone else changed the PTE: walk again */
            }
            pte = want;
        }
        /* A clean page is mapped read-only so the first store comes back to set D. */
        if (!(pte & PTE_D)) {
            prot &= ~PAGE_WRITE;
        }
    }

    out->paddr = ((ppn | ((vaddr >> 12) & low_mask)) << 12) | (vaddr & (TARGET_PAGE_SIZE - 1));
    out->prot = prot;
    out->page_size = 1ULL << (12 + 9 * level);
    return WALK_OK;
}

static bool translation_on(RISCVCPU *cpu, int mmu_idx)
{
    return mmu_idx != PRV_M && (cpu->satp >> SATP_MODE_SHIFT) != SATP_MODE_BARE;
}

static int fault_cause(MMUAccessType type, bool page_fault)
{
    switch (type) {
    case MMU_INST_FETCH:
        return page_fault ? RISCV_EXCP_INST_PAGE_FAULT : RISCV_EXCP_INST_ACCESS_FAULT;
    case MMU_DATA_LOAD:
        return page_fault ? RISCV_EXCP_LOAD_PAGE_FAULT : RISCV_EXCP_LOAD_ACCESS_FAULT;
    default:
        return page_fault ? RISCV_EXCP_STORE_PAGE_FAULT : RISCV_EXCP_STORE_AMO_ACCESS_FAULT;
    }
}

bool riscv_cpu_tlb_fill(CPUState *cs, uint64_t vaddr, MMUAccessType access_type, int mmu_idx,
                        bool probe, uintptr_t retaddr, uint64_t *paddr, int *prot,
                        uint64_t *page_size)
{
    RISCVCPU *cpu = RISCV_CPU(cs);
    RISCVPriv priv = mmu_idx;
    WalkOut w = {.paddr = vaddr, .prot = PAGE_READ | PAGE_WRITE | PAGE_EXEC,
                 .page_size = TARGET_PAGE_SIZE};
    WalkResult r = WALK_OK;
    int pmp_prot;
    bool whole;

    if (translation_on(cpu, mmu_idx)) {
        r = page_walk(cpu, vaddr, access_type, priv, false, &w);
    }
    if (r == WALK_OK) {
        unsigned size = 1;

        if (!riscv_pmp_check(cpu, w.paddr, size, access_type, priv, &pmp_prot, &whole)) {
            r = WALK_ACCESS_FAULT;
        }
    }
    if (r != WALK_OK) {
        if (probe) {
            return false;
        }
        cpu->badaddr = vaddr;
        cs->exception_index = fault_cause(access_type, r == WALK_PAGE_FAULT);
        cpu_loop_exit_restore(cs, retaddr);
    }
    if (w.page_size > TARGET_PAGE_SIZE) {
        cpu->tlb_has_superpage = true;
    }
    *paddr = w.paddr;
    *prot = w.prot & pmp_prot;
    /*
     * The superpage size lets tlb_flush_page know to flush everything. A page
     * only partly covered by the deciding PMP rule must not be cached whole.
     */
    *page_size = whole ? w.page_size : 4;
    return true;
}

bool riscv_cpu_get_phys_debug(RISCVCPU *cpu, uint64_t vaddr, uint64_t *paddr)
{
    WalkOut w;

    if (!translation_on(cpu, cpu->priv)) {
        *paddr = vaddr;
        return true;
    }
    if (page_walk(cpu, vaddr, MMU_DATA_LOAD, PRV_S, true, &w) != WALK_OK) {
        return false;
    }
    *paddr = w.paddr;
    return true;
}
