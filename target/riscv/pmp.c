/*
 * RISC-V physical memory protection (priv spec 1.12 §3.7): 16 entries, 4-byte
 * granularity, OFF/TOR/NA4/NAPOT matching, lock bits. Smepmp (mseccfg) is left out.
 */
#include "target/riscv/internals.h"

#define PMP_ENTRIES 16
#define PMP_R 0x01
#define PMP_W 0x02
#define PMP_X 0x04
#define PMP_A_SHIFT 3
#define PMP_A_OFF 0
#define PMP_A_TOR 1
#define PMP_A_NA4 2
#define PMP_A_NAPOT 3
#define PMP_L 0x80
#define PMPADDR_MASK ((1ULL << 54) - 1) /* pmpaddr holds bits 55:2 of a 56-bit address */

static uint8_t pmp_cfg(RISCVCPU *cpu, int i)
{
    /* RV64: pmpcfg0 holds entries 0-7, pmpcfg2 entries 8-15 (pmpcfg[] is indexed by CSR). */
    return cpu->pmpcfg[(i / 8) * 2] >> ((i % 8) * 8);
}

static bool pmp_locked(RISCVCPU *cpu, int i)
{
    return pmp_cfg(cpu, i) & PMP_L;
}

/* The byte range [*start, *end] entry i covers; false if it covers nothing. */
static bool pmp_range(RISCVCPU *cpu, int i, uint64_t *start, uint64_t *end)
{
    uint8_t cfg = pmp_cfg(cpu, i);
    uint64_t addr = cpu->pmpaddr[i];

    switch ((cfg >> PMP_A_SHIFT) & 3) {
    case PMP_A_TOR: {
        uint64_t lo = i ? cpu->pmpaddr[i - 1] << 2 : 0;
        uint64_t hi = addr << 2;

        if (lo >= hi) {
            return false;
        }
        *start = lo;
        *end = hi - 1;
        return true;
    }
    case PMP_A_NA4:
        *start = addr << 2;
        *end = *start + 3;
        return true;
    case PMP_A_NAPOT: {
        int ones = __builtin_ctzll(~addr); /* trailing ones: size = 2^(ones + 3) */

        if (ones >= 54) {
            *start = 0;
            *end = UINT64_MAX;
            return true;
        }
        *start = (addr & ~((1ULL << ones) - 1)) << 2;
        *end = *start + (1ULL << (ones + 3)) - 1;
        return true;
    }
    default:
        return false;
    }
}

static void pmp_update_active(RISCVCPU *cpu)
{
    cpu->pmp_active = false;
    for (int i = 0; i < PMP_ENTRIES; i++) {
        if ((pmp_cfg(cpu, i) >> PMP_A_SHIFT) & 3) {
            cpu->pmp_active = true;
        }
    }
}

static int cfg_prot(uint8_t cfg)
{
    return ((cfg & PMP_R) ? PAGE_READ : 0) | ((cfg & PMP_W) ? PAGE_WRITE : 0) |
           ((cfg & PMP_X) ? PAGE_EXEC : 0);
}

/*
 * The lowest-numbered entry matching any byte of the access decides; an access
 * only partly inside it fails (§3.7.1.4). M-mode is checked only against locked
 * entries; S/U accesses that match nothing fail, since entries are implemented.
 * *page_prot gets the rights for the whole 4 KiB page when one rule decides for
 * all of it (*whole_page), so the TLB may cache them.
 */
bool riscv_pmp_check(RISCVCPU *cpu, uint64_t paddr, unsigned size, MMUAccessType type,
                     RISCVPriv priv, int *page_prot, bool *whole_page)
{
    uint64_t last = paddr + size - 1;
    uint64_t page = paddr & TARGET_PAGE_MASK, page_end = page + TARGET_PAGE_SIZE - 1;
    int need = type == MMU_INST_FETCH ? PAGE_EXEC : type == MMU_DATA_STORE ? PAGE_WRITE : PAGE_READ;
    bool page_uniform = true;

    for (int i = 0; i < PMP_ENTRIES; i++) {
        uint64_t start, end;
        uint8_t cfg = pmp_cfg(cpu, i);
        int prot;

        if (!pmp_range(cpu, i, &start, &end)) {
            continue;
        }
        if (end < page || start > page_end) {
            continue;
        }
        if (!(start <= page && end >= page_end)) {
            page_uniform = false; /* an earlier-numbered rule covers only part of this page */
        }
        if (last < start || paddr > end) {
            continue;
        }
        if (paddr < start || last > end) {
            *page_prot = 0;
            *whole_page = false;
            return false;
        }
        prot = (priv == PRV_M && !(cfg & PMP_L)) ? (PAGE_READ | PAGE_WRITE | PAGE_EXEC)
                                                 : cfg_prot(cfg);
        *page_prot = prot;
        *whole_page = page_uniform;
        return (prot & need) != 0;
    }
    *whole_page = page_uniform;
    *page_prot = priv == PRV_M ? PAGE_READ | PAGE_WRITE | PAGE_EXEC : 0;
    return priv == PRV_M;
}

void riscv_pmp_write_cfg(RISCVCPU *cpu, int reg, uint64_t val)
{
    uint64_t cur = cpu->pmpcfg[reg];

    if (reg & 1 || reg >= (PMP_ENTRIES / 8) * 2) {
        return; /* odd pmpcfg registers do not exist on RV64; entries above 15 are absent */
    }
    for (int b = 0; b < 8; b++) {
        int i = (reg / 2) * 8 + b;
        uint8_t cfg = val >> (b * 8);

        if (pmp_locked(cpu, i)) {
            continue;
        }
        if ((cfg & (PMP_R | PMP_W)) == PMP_W) {
            cfg &= ~PMP_W; /* R=0 W=1 is reserved: keep it out (WARL) */
        }
        cfg &= PMP_R | PMP_W | PMP_X | (3 << PMP_A_SHIFT) | PMP_L;
        cur = (cur & ~(0xffULL << (b * 8))) | ((uint64_t)cfg << (b * 8));
    }
    cpu->pmpcfg[reg] = cur;
    pmp_update_active(cpu);
    riscv_cpu_flush_tlb(cpu);
}

void riscv_pmp_write_addr(RISCVCPU *cpu, int idx, uint64_t val)
{
    if (idx >= PMP_ENTRIES || pmp_locked(cpu, idx)) {
        return;
    }
    /* A locked TOR entry also locks the address below it. */
    if (idx + 1 < PMP_ENTRIES && pmp_locked(cpu, idx + 1) &&
        ((pmp_cfg(cpu, idx + 1) >> PMP_A_SHIFT) & 3) == PMP_A_TOR) {
        return;
    }
    cpu->pmpaddr[idx] = val & PMPADDR_MASK;
    riscv_cpu_flush_tlb(cpu);
}

uint64_t riscv_pmp_read_addr(RISCVCPU *cpu, int idx)
{
    return idx < PMP_ENTRIES ? cpu->pmpaddr[idx] : 0;
}
