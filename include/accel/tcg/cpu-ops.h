/*
 * What the translator's runtime (accel/tcg) needs from a guest CPU: the seam
 * between accel/tcg and target/<arch>. A target's CPUClass points at one of these.
 *
 * Generated code and helpers see the CPU as "env": the target's CPU struct, whose
 * first member is CPUState, so env == the CPUState pointer and every field of the
 * target struct (and the softmmu TLB inside CPUState) is at a fixed env offset.
 */
#ifndef ACCEL_TCG_CPU_OPS_H
#define ACCEL_TCG_CPU_OPS_H

#include "core/cpu.h"

typedef struct TranslationBlock TranslationBlock;

typedef enum MMUAccessType {
    MMU_DATA_LOAD = 0,
    MMU_DATA_STORE = 1,
    MMU_INST_FETCH = 2,
} MMUAccessType;

typedef struct TCGCPUOps {
    /* Current pc and the flags a TB is specialised for (privilege, MMU mode, ...). */
    void (*get_tb_cpu_state)(CPUState *cpu, uint64_t *pc, uint64_t *flags);
    /* Fill tcg_ctx with the ops of one TB starting at tb->pc (at most max_insns insns). */
    void (*translate)(CPUState *cpu, TranslationBlock *tb, int max_insns);
    /* Set the guest pc after an exception in the middle of a TB. */
    void (*restore_pc)(CPUState *cpu, uint64_t pc);
    /* Take a pending, enabled interrupt (returns true if one was taken). */
    bool (*exec_interrupt)(CPUState *cpu);
    /* Deliver the exception recorded in cpu->exception_index (trap entry). */
    void (*do_interrupt)(CPUState *cpu);
    /* Can a halted (WFI) CPU run again? */
    bool (*has_work)(CPUState *cpu);
    /*
     * Translate vaddr for access_type in mmu_idx. On success fill *paddr, *prot
     * (PAGE_READ/WRITE/EXEC) and *page_size and return true. On failure: if probe,
     * return false; else record the guest exception and call cpu_loop_exit_restore.
     */
    bool (*tlb_fill)(CPUState *cpu, uint64_t vaddr, MMUAccessType access_type, int mmu_idx,
                     bool probe, uintptr_t retaddr, uint64_t *paddr, int *prot,
                     uint64_t *page_size);
    /* A misaligned access the target does not allow: record the exception and exit. */
    void (*do_unaligned_access)(CPUState *cpu, uint64_t vaddr, MMUAccessType access_type,
                                int mmu_idx, uintptr_t retaddr);
    /* Current MMU index for instruction fetch. */
    int (*mmu_index)(CPUState *cpu, bool ifetch);
} TCGCPUOps;

enum {
    PAGE_READ = 1,
    PAGE_WRITE = 2,
    PAGE_EXEC = 4,
};

/*
 * Interrupt requests: a device (any thread) sets target-defined bits in
 * cpu->interrupt_request; the vCPU leaves generated code at the next TB boundary,
 * wakes if halted, and calls exec_interrupt.
 */
#define CPU_INTERRUPT_HARD 0x1u
void cpu_interrupt(CPUState *cpu, uint32_t mask);
void cpu_reset_interrupt(CPUState *cpu, uint32_t mask);

/* Exception numbers the runtime itself uses (targets use >= 0). */
#define EXCP_HALTED (-2) /* WFI/HLT: cpu->halted is set; wait for an interrupt */
#define EXCP_DEBUG (-3)  /* stopped for the debugger (cpu->debug_reason) */

/* Generated code at a debugger's breakpoint calls this (pc already stored). */
uint64_t helper_debug(void *env) __attribute__((noreturn));

/* Leave generated code back to the exec loop (longjmp). */
void cpu_loop_exit(CPUState *cpu) __attribute__((noreturn));
/* Same, first restoring the guest pc of the instruction at host return address retaddr. */
void cpu_loop_exit_restore(CPUState *cpu, uintptr_t retaddr) __attribute__((noreturn));
/* Raise exception number excp (target-defined) at the instruction of retaddr. */
void cpu_raise_exception(CPUState *cpu, int excp, uintptr_t retaddr) __attribute__((noreturn));
/* Host return address of the caller: what helpers pass as retaddr. */
#define GETPC() ((uintptr_t)__builtin_return_address(0))

/* Allocate a translator vCPU's TLBs at their smallest size. */
void tlb_init(CPUState *cpu);
/* Softmmu flushes (target calls on sfence.vma, satp writes, mode changes). */
void tlb_flush(CPUState *cpu);
void tlb_flush_page(CPUState *cpu, uint64_t vaddr);

/*
 * fence.i: drop the translations of pages written behind the translator's back
 * (DMA and other memory API writes, which the dirty log's code client records).
 */
void tb_invalidate_written_code(void);

/* Guest memory access from helpers (through the TLB; may raise). */
uint64_t cpu_ld_mmu(CPUState *cpu, uint64_t addr, unsigned memop, int mmu_idx, uintptr_t retaddr);
void cpu_st_mmu(CPUState *cpu, uint64_t addr, uint64_t val, unsigned memop, int mmu_idx,
                uintptr_t retaddr);
/*
 * Host pointer for an atomic read-modify-write of size bytes at addr, after the
 * store permission check (tlb_fill with MMU_DATA_STORE, which raises page faults).
 * Misaligned addresses go to do_unaligned_access. Returns NULL when addr is not
 * RAM: the target then raises its access fault.
 */
void *cpu_atomic_mmu_lookup(CPUState *cpu, uint64_t addr, unsigned size, int mmu_idx,
                            uintptr_t retaddr);
/* Fetch code bytes for the translator (physical pages mapped executable). */
uint32_t translator_ldl(CPUState *cpu, uint64_t pc);
uint16_t translator_lduw(CPUState *cpu, uint64_t pc);

/* Debug access by virtual address with no side effects (monitor, gdbstub). */
bool tcg_memory_rw_debug(CPUState *cpu, uint64_t vaddr, void *buf, size_t len, bool is_write);

#endif
