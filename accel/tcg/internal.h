/*
 * Shared state of the translator runtime (accel/tcg only).
 */
#ifndef ACCEL_TCG_INTERNAL_H
#define ACCEL_TCG_INTERNAL_H

#include "accel/tcg/cpu-ops.h"
#include "accel/tcg/tb.h"
#include "tcg/tcg-backend.h"

#define TB_JMP_CACHE_BITS 12
#define TB_JMP_CACHE_SIZE (1 << TB_JMP_CACHE_BITS)

/*
 * The second-level TLB (cputlb.c): a larger direct-mapped table behind each
 * mode's inline one, so that a working set of a few MiB misses the small
 * table without a page walk. Flushed in O(1): an entry counts only while its
 * generation is the vCPU's current one.
 */
#define TLB_L2_BITS 12
#define TLB_L2_SIZE (1 << TLB_L2_BITS)

typedef struct TLBL2Entry {
    CPUTLBEntry e;
    CPUTLBEntryFull full;
    uint64_t gen;      /* the vCPU's tlb_gen when saved */
    uint64_t code_gen; /* tb_code_page_gen when its code-page mark was last checked */
} TLBL2Entry;

/* Per-vCPU translator state (the accelerator's AccelCPUState). */
struct AccelCPUState {
    TranslationBlock *jmp_cache[TB_JMP_CACHE_SIZE];
    TLBL2Entry *tlb_l2; /* [NB_MMU_MODES][TLB_L2_SIZE], allocated at the first fill */
    uint64_t tlb_gen;   /* bumped by every full flush */
    bool large_page_seen[NB_MMU_MODES]; /* tlb_flush_page must flush everything */
    bool tlb_flush_pending;
};

typedef struct TCGStats {
    uint64_t tbs_translated;
    uint64_t code_bytes;
    uint64_t flushes;
    uint64_t chained;        /* jumps patched */
    uint64_t tb_lookups;     /* exec loop lookups */
    uint64_t jmp_cache_hits;
    uint64_t tlb_misses;     /* first-level misses (slow path fills) */
    uint64_t tlb_l2_hits;    /* of which the second level answered */
    uint64_t tlb_resizes;    /* a mode's table grown or shrunk at a flush */
    uint64_t invalidations;
} TCGStats;

extern TCGStats tcg_stats;
extern const TCGBackend *tcg_backend;
extern int tcg_max_insns; /* 1 with -singlestep */

static inline unsigned tb_jmp_cache_hash(uint64_t pc)
{
    return (pc ^ (pc >> TB_JMP_CACHE_BITS)) & (TB_JMP_CACHE_SIZE - 1);
}

/* The jump cache's answer for (pc, flags), or NULL: the lookup's fast path, inlined. */
static inline TranslationBlock *tb_lookup_cached(CPUState *cpu, uint64_t pc, uint64_t flags)
{
    TranslationBlock *tb = cpu->accel->jmp_cache[tb_jmp_cache_hash(pc)];

    if (likely(tb && tb->pc == pc && tb->flags == flags && !tb->invalid)) {
        return tb;
    }
    return NULL;
}

/* Entries in a mode's TLB now. */
static inline size_t tlb_n_entries(const CPUState *cpu, int mmu_idx)
{
    return (cpu->tlb_mask[mmu_idx] >> CPU_TLB_ENTRY_BITS) + 1;
}

void tcg_runtime_init(const TCGBackend *backend, GError **errp);
/* Find or translate the TB for (pc, flags). Called without the big lock. */
TranslationBlock *tb_lookup(CPUState *cpu, uint64_t pc, uint64_t flags, bool translate);
/* The same after a jump-cache miss: the global hash, then translation. */
TranslationBlock *tb_lookup_slow(CPUState *cpu, uint64_t pc, uint64_t flags, bool translate);
void tb_add_jump(TranslationBlock *tb, int n, TranslationBlock *dest);
/* Guest restore: map a host return address to the guest instruction; false if not ours. */
bool cpu_restore_state(CPUState *cpu, uintptr_t retaddr);
/* A write reached RAM at paddr that may hold translated code. */
void tb_invalidate_phys_range(uint64_t paddr, uint64_t len);
bool tb_page_has_code(uint64_t paddr);
/* The RAM region wholly holding guest-physical page (its offset there, read-only?), or NULL. */
MemoryRegion *phys_page_ram(uint64_t page, uint64_t *offset, bool *readonly);
/* Counts the pages that gained translated code (the second-level TLB rechecks its marks). */
extern uint64_t tb_code_page_gen;
void tb_flush_jmp_caches(void);
/* Drop every TB; only while no vCPU runs generated code (the breakpoint set changed). */
void tb_flush_everything(void);
/*
 * Physical address of the code at pc, filling the TLB for fetch. A fault raises
 * the guest exception, or with probe returns -1.
 */
uint64_t get_page_addr_code(CPUState *cpu, uint64_t pc, void **hostp, bool probe);
void tlb_flush_for_code_page(uint64_t page);
void tcg_exec_one_cpu_init(CPUState *cpu);
/* Run cpu until it must stop, halts or its slice ends. */
int cpu_exec(CPUState *cpu);

#endif
