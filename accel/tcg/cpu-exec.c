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

const void *helper_lookup_tb_ptr(void *env)
{
    CPUState *cpu = env;
    TranslationBlock *tb;
    uint64_t pc, flags;

    cpu->cc->tcg_ops->get_tb_cpu_state(cpu, &pc, &flags);
    tb = tb_lookup(cpu, pc, flags, false);
    if (!tb) {
        return NULL;
    }
    if (log_enabled(LOG_EXEC)) {
        log_printf("exec: cpu %d pc %016" PRIx64 "\n", cpu->index, pc);
    }
    return tb->tc_ptr;
}

static void log_in_asm(CPUState *cpu, TranslationBlock *tb)
{
    log_printf("exec: cpu %d pc %016" PRIx64 " flags %" PRIx64 "\n", cpu->index, tb->pc,
               tb->flags);
}

int cpu_exec(CPUState *cpu)
{
    const TCGCPUOps *ops = cpu->cc->tcg_ops;
    TranslationBlock *volatile last = NULL;
    volatile int last_slot = TB_EXIT_NOCHAIN;

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

        if (cpu->exception_index >= 0) {
            ops->do_interrupt(cpu);
            cpu->exception_index = -1;
            last = NULL;
        } else if (cpu->exception_index == EXCP_HALTED) {
            cpu->exception_index = -1;
            return EXCP_HALTED;
        }
        if (__atomic_exchange_n(&cpu->exit_request, 0, __ATOMIC_ACQ_REL)) {
            return 0; /* the round-robin loop looks at stops, slices and interrupts */
        }
        if (__atomic_load_n(&cpu->interrupt_request, __ATOMIC_ACQUIRE) &&
            ops->exec_interrupt(cpu)) {
            cpu->halted = false;
            last = NULL;
        }
        if (cpu->halted) {
            if (!ops->has_work(cpu)) {
                return EXCP_HALTED;
            }
            cpu->halted = false;
        }
        ops->get_tb_cpu_state(cpu, &pc, &flags);
        tb = tb_lookup(cpu, pc, flags, true);
        if (last && last_slot < TB_EXIT_NOCHAIN) {
            tb_add_jump(last, last_slot, tb);
        }
        if (log_enabled(LOG_EXEC)) {
            log_in_asm(cpu, tb);
        }
        ret = tcg_backend->exec(cpu, tb);
        last = (TranslationBlock *)(ret & ~(uintptr_t)TB_EXIT_MASK);
        last_slot = ret & TB_EXIT_MASK;
        if (last_slot == TB_EXIT_REQUESTED) {
            last = NULL;
        }
    }
}
