/*
 * The translator's execution loop for one vCPU: deliver pending exceptions and
 * interrupts, find the TB for the current state, chain it to the one that just
 * exited, run it. Guest exceptions raised inside generated code or helpers come
 * back here by siglongjmp, with the guest pc already restored.
 */
#include "accel/tcg/internal.h"
#include "system/main-loop.h"
#include "util/log.h"

void cpu_loop_exit(CPUState *cpu)
{
    siglongjmp(cpu->jmp_env, 1);
}

void cpu_loop_exit_restore(CPUState *cpu, uintptr_t retaddr)
{
    cpu_restore_state(cpu, retaddr);
    cpu_loop_exit(cpu);
}

void cpu_raise_exception(CPUState *cpu, int excp, uintptr_t retaddr)
{
    cpu->exception_index = excp;
    cpu_loop_exit_restore(cpu, retaddr);
}

void cpu_interrupt(CPUState *cpu, uint32_t mask)
{
    __atomic_fetch_or(&cpu->interrupt_request, mask, __ATOMIC_SEQ_CST);
    __atomic_store_n(&cpu->exit_request, 1, __ATOMIC_SEQ_CST);
    cpu_state_changed(); /* wake a halted vCPU */
}

void cpu_reset_interrupt(CPUState *cpu, uint32_t mask)
{
    __atomic_fetch_and(&cpu->interrupt_request, ~mask, __ATOMIC_SEQ_CST);
}

uint64_t helper_debug(void *env)
{
    CPUState *cpu = env;

    cpu->exception_index = EXCP_DEBUG;
    cpu_loop_exit(cpu);
}

const void *helper_lookup_tb_ptr(void *env)
{
    CPUState *cpu = env;
    TranslationBlock *tb;
    uint64_t pc, flags;

    if (unlikely(cpu->singlestep_enabled)) {
        return NULL; /* one instruction only: back to the exec loop */
    }
    cpu->cc->tcg_ops->get_tb_cpu_state(cpu, &pc, &flags);
    /* Every indirect jump comes here: the jump cache's hit path inline, no frame. */
    tb = tb_lookup_cached(cpu, pc, flags);
    if (unlikely(!tb)) {
        tb = tb_lookup_slow(cpu, pc, flags, false);
        if (!tb) {
            return NULL;
        }
    }
    if (log_enabled(LOG_EXEC)) {
        log_printf("exec: cpu %d pc %016" PRIx64 "\n", cpu->index, pc);
    }
    return tb->tc_ptr;
}

static void log_exec(CPUState *cpu, TranslationBlock *tb)
{
    if (log_enabled(LOG_EXEC)) {
        log_printf("exec: cpu %d pc %016" PRIx64 " flags %" PRIx64 "\n", cpu->index, tb->pc,
                   tb->flags);
    }
    if (log_enabled(LOG_CPU)) {
        g_autoptr(GString) out = g_string_new(NULL);
        cpu->cc->dump_state(cpu, out);
        log_printf("%s\n", out->str);
    }
}

/* Why the vCPU stopped at a breakpoint: the kind of the one at its pc. */
static int debug_exit_breakpoint(CPUState *cpu)
{
    const CPUBreakpoint *bp = cpu_breakpoint_find(cpu, cpu->cc->get_pc(cpu));

    cpu->debug_reason = bp && bp->type == GDB_BREAKPOINT_HW ? CPU_DEBUG_HWBREAK
                                                             : CPU_DEBUG_SWBREAK;
    return EXCP_DEBUG;
}

/* A single step is over. */
static int debug_exit_step(CPUState *cpu)
{
    cpu->debug_reason = CPU_DEBUG_STEP;
    return EXCP_DEBUG;
}

/*
 * Returns 0 (look at stops and slices), EXCP_HALTED, or EXCP_DEBUG (the vCPU
 * stopped for the debugger: a breakpoint, a watchpoint or a finished step).
 */
int cpu_exec(CPUState *cpu)
{
    const TCGCPUOps *ops = cpu->cc->tcg_ops;
    TranslationBlock *volatile last = NULL;
    volatile int last_slot = TB_EXIT_NOCHAIN;

    /* Before the setjmp: a watchpoint sets the reason and longjmps back below. */
    cpu->debug_reason = CPU_DEBUG_NONE;
    if (sigsetjmp(cpu->jmp_env, 0) != 0) {
        /* Back from a guest exception: drop what the longjmp skipped over. */
        tcg_interp_active = false;
        if (bql_locked()) {
            bql_unlock();
        }
        last = NULL;
    }
    for (;;) {
        TranslationBlock *tb;
        uint64_t pc, flags;
        uintptr_t ret;
        bool step;

        if (cpu->exception_index >= 0) {
            log_mask_printf(LOG_INT, "exception %d: cpu %d at pc %016" PRIx64 "\n",
                            cpu->exception_index, cpu->index, cpu->cc->get_pc(cpu));
            ops->do_interrupt(cpu);
            cpu->exception_index = -1;
            last = NULL;
            if (unlikely(cpu->singlestep_enabled)) {
                return debug_exit_step(cpu); /* stepped into the trap handler */
            }
        } else if (cpu->exception_index == EXCP_HALTED) {
            cpu->exception_index = -1;
            return EXCP_HALTED;
        } else if (cpu->exception_index == EXCP_DEBUG) {
            cpu->exception_index = -1;
            /* A watchpoint set its reason where it fired; else it is a breakpoint. */
            return cpu->debug_reason == CPU_DEBUG_WATCH ? EXCP_DEBUG : debug_exit_breakpoint(cpu);
        }
        if (__atomic_exchange_n(&cpu->exit_request, 0, __ATOMIC_ACQ_REL)) {
            return 0; /* the round-robin loop looks at stops, slices and interrupts */
        }
        step = cpu->singlestep_enabled;
        /* A step takes no interrupt unless asked to. */
        if (__atomic_load_n(&cpu->interrupt_request, __ATOMIC_ACQUIRE) &&
            !(cpu->singlestep_enabled & SSTEP_NOIRQ) &&
            ops->exec_interrupt(cpu)) {
            log_mask_printf(LOG_INT, "interrupt taken: cpu %d, now at pc %016" PRIx64 "\n",
                            cpu->index, cpu->cc->get_pc(cpu));
            cpu->halted = false;
            last = NULL;
            if (unlikely(cpu->singlestep_enabled)) {
                return debug_exit_step(cpu); /* stopped at the interrupt handler */
            }
        }
        if (cpu->halted) {
            if (!ops->has_work(cpu)) {
                return EXCP_HALTED;
            }
            cpu->halted = false;
        }
        ops->get_tb_cpu_state(cpu, &pc, &flags);
        if (unlikely(step)) {
            flags |= TB_FLAG_DEBUG_STEP;
            last = NULL;
        }
        tb = tb_lookup(cpu, pc, flags, true);
        if (last && last_slot < TB_EXIT_NOCHAIN) {
            tb_add_jump(last, last_slot, tb);
        }
        if (log_enabled(LOG_EXEC | LOG_CPU)) {
            log_exec(cpu, tb);
        }
        ret = tcg_backend->exec(cpu, tb);
        last = (TranslationBlock *)(ret & ~(uintptr_t)TB_EXIT_MASK);
        last_slot = ret & TB_EXIT_MASK;
        if (last_slot == TB_EXIT_REQUESTED) {
            /*
             * Left at entry: nothing of last ran. Entered through a chained
             * jump, the guest pc still names the TB before it (frontends store
             * the pc only on the unchained exit path), so point it at last, as
             * QEMU's cpu_tb_exec() does; else the earlier TB runs twice.
             */
            if (ops->restore_pc) {
                ops->restore_pc(cpu, last->pc);
            }
            last = NULL;
        } else if (unlikely(step)) {
            return debug_exit_step(cpu);
        }
    }
}
