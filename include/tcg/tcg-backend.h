/*
 * The translator's backends: one that emits x86-64 host code, and an IR
 * interpreter for debugging and hosts without a code generator
 * (-accel tcg,backend=interp). The runtime drives them through this table.
 */
#ifndef TCG_TCG_BACKEND_H
#define TCG_TCG_BACKEND_H

#include "tcg/tcg.h"
#include "accel/tcg/tb.h"
#include "core/cpu.h"

typedef struct TCGBackend {
    const char *name;
    /*
     * Turn tcg_ctx's (optimized) ops into executable form in [buf_rw, buf_rw+avail),
     * which will be executed at buf_rx (the same memory mapped executable).
     * Sets tb->tc_ptr (an rx address), tb->tc_size, the jump offsets and the
     * per-instruction host end offsets. Returns the bytes used, or -1 if avail is
     * too small (the runtime then flushes the code buffer and retries).
     */
    ssize_t (*gen_code)(TCGContext *s, TranslationBlock *tb, uint8_t *buf_rw, uint8_t *buf_rx,
                        size_t avail);
    /* Run from tb until generated code returns; returns (last tb | TB_EXIT_*). */
    uintptr_t (*exec)(void *env, TranslationBlock *tb);
    /* Point chaining slot n of tb at dest (NULL: back to the exec loop). */
    void (*set_jump)(TranslationBlock *tb, int n, TranslationBlock *dest);
    /* The generated code's prologue, made once at start-up into the code buffer. */
    ssize_t (*gen_prologue)(uint8_t *buf_rw, uint8_t *buf_rx, size_t avail);
} TCGBackend;

extern const TCGBackend tcg_backend_x86_64;
extern const TCGBackend tcg_backend_interp;

/*
 * Runtime services the backends call from generated code (accel/tcg/cputlb.c).
 * oi = memop | (mmu_idx << 8); retaddr = host address inside the TB.
 */
uint64_t helper_qemu_ld(void *env, uint64_t addr, uint32_t oi, uintptr_t retaddr);
void helper_qemu_st(void *env, uint64_t addr, uint64_t val, uint32_t oi, uintptr_t retaddr);
/* goto_ptr: host code of the TB for env's current pc, or the backend's exit path (NULL). */
const void *helper_lookup_tb_ptr(void *env);

/*
 * The interpreter runs guest instructions from C: while it does, helpers that
 * raise exceptions find the guest pc here instead of in a host return address.
 */
extern __thread bool tcg_interp_active;
extern __thread uint64_t tcg_interp_pc;

/* Offsets in env of mmu_idx's TLB mask and table (for the inline hit path). */
#define TLB_MASK_OFFSET(mmu_idx) (offsetof(CPUState, tlb_mask) + (size_t)(mmu_idx) * sizeof(uintptr_t))
#define TLB_TABLE_OFFSET(mmu_idx) \
    (offsetof(CPUState, tlb_table) + (size_t)(mmu_idx) * CPU_TLB_MAX_ENTRIES * sizeof(CPUTLBEntry))
#define ENV_EXIT_REQUEST_OFFSET offsetof(CPUState, exit_request)

#endif
