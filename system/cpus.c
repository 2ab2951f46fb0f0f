/*
 * vCPU bookkeeping and the pause protocol.
 *
 * The main loop sets cpu->stop and kicks; each vCPU thread notices at its next
 * exit, marks itself stopped and sleeps on cpu_cond (which waits on the big
 * lock) until the stop is lifted. Both sides hold the big lock while they look.
 */
#include "core/cpu.h"
#include "accel/accel.h"
#include "system/main-loop.h"

CPUState *cpus[MAX_CPUS];
int cpu_count;
static GCond cpu_cond;
static int monitor_cpu;


void cpu_register(CPUState *cpu)
{
    g_assert(cpu_count < MAX_CPUS);
    cpu->index = cpu_count;
    cpus[cpu_count++] = cpu;
}

CPUState *cpu_by_index(int index)
{
    return index >= 0 && index < cpu_count ? cpus[index] : NULL;
}

void cpu_state_changed(void)
{
    g_cond_broadcast(&cpu_cond);
}

void cpu_wait_state_change(void)
{
    g_cond_wait(&cpu_cond, bql_mutex());
}

void cpu_wait_while_stopped(CPUState *cpu)
{
    while (cpu->stop && !cpu->exit_thread) {
        if (!cpu->stopped) {
            cpu->stopped = true;
            g_cond_broadcast(&cpu_cond);
        }
        g_cond_wait(&cpu_cond, bql_mutex());
    }
    cpu->stopped = false;
}

bool cpus_all_stopped(void)
{
    for (int i = 0; i < cpu_count; i++) {
        if (cpus[i]->created && !cpus[i]->stopped) {
            return false;
        }
    }
    return true;
}

void cpus_pause_all(void)
{
    cpus_request_stop();
    while (!cpus_all_stopped()) {
        g_cond_wait(&cpu_cond, bql_mutex());
    }
}

void cpus_request_stop(void)
{
    const AccelOps *accel = current_accel();

    for (int i = 0; i < cpu_count; i++) {
        __atomic_store_n(&cpus[i]->stop, true, __ATOMIC_RELEASE);
        if (accel && cpus[i]->created) {
            accel->kick(cpus[i]);
        }
    }
}

void cpus_resume_all(void)
{
    for (int i = 0; i < cpu_count; i++) {
        __atomic_store_n(&cpus[i]->stop, false, __ATOMIC_RELEASE);
    }
    g_cond_broadcast(&cpu_cond);
}

void cpus_stop_threads(void)
{
    const AccelOps *accel = current_accel();

    for (int i = 0; i < cpu_count; i++) {
        __atomic_store_n(&cpus[i]->exit_thread, true, __ATOMIC_RELEASE);
        if (accel && cpus[i]->created) {
            accel->kick(cpus[i]);
        }
    }
    g_cond_broadcast(&cpu_cond);
    for (int i = 0; i < cpu_count; i++) {
        if (cpus[i]->thread) {
            bql_unlock();
            g_thread_join(cpus[i]->thread);
            bql_lock();
            cpus[i]->thread = NULL;
        }
    }
}

void cpu_synchronize_state(CPUState *cpu)
{
    const AccelOps *accel = current_accel();

    if (accel && accel->sync_regs_from && cpu->created) {
        accel->sync_regs_from(cpu);
    }
}

void cpu_synchronize_post_reset(CPUState *cpu)
{
    const AccelOps *accel = current_accel();

    if (accel && accel->sync_regs_to && cpu->created) {
        accel->sync_regs_to(cpu);
    }
}

CPUState *mon_current_cpu(void)
{
    return cpu_by_index(monitor_cpu);
}

void mon_set_current_cpu(int index)
{
    monitor_cpu = index;
}
