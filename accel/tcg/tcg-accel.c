/*
 * The "tcg" accelerator: the binary translator behind the accelerator
 * interface. One thread runs every vCPU in turn (round robin), each for a time
 * slice; -accel tcg,backend=interp selects the IR interpreter instead of the
 * x86-64 code generator, and one-insn-per-tb=on translates one guest
 * instruction per TB for debugging.
 */
#include "accel/tcg/internal.h"
#include "accel/accel.h"
#include "gdbstub/gdbstub.h"
#include "system/main-loop.h"
#include "system/memory.h"
#include "system/timer.h"
#include "util/error.h"
#include "util/option.h"
#include <unistd.h>

#define TCG_SLICE_NS (10 * 1000 * 1000)

static const TCGBackend *chosen_backend;
static bool thread_started;
static Timer slice_timer;
/* The vCPU whose turn it is, or NULL between turns; changes under the big lock. */
static CPUState *rr_current;
static MemoryListener tlb_listener;

static bool tcg_available(GError **errp)
{
    return true;
}

static bool tcg_set_option(const char *key, const char *value, GError **errp)
{
    bool b;

    if (strcmp(key, "backend") == 0) {
        if (strcmp(value, "interp") == 0) {
            chosen_backend = &tcg_backend_interp;
#if defined(__x86_64__)
        } else if (strcmp(value, "x86_64") == 0 || strcmp(value, "native") == 0) {
            chosen_backend = &tcg_backend_x86_64;
#endif
        } else {
            error_setg(errp, "-accel tcg,backend=%s: unknown backend; use interp or x86_64",
                       value);
            return false;
        }
        return true;
    }
    if (strcmp(key, "one-insn-per-tb") == 0) {
        if (!parse_bool(value, &b, errp)) {
            return false;
        }
        tcg_max_insns = b ? 1 : TCG_MAX_INSNS;
        return true;
    }
    if (strcmp(key, "thread") == 0) {
        if (strcmp(value, "single") != 0) {
            error_setg(errp, "-accel tcg,thread=%s: only thread=single is available", value);
            return false;
        }
        return true;
    }
    error_setg(errp, "-accel tcg: unknown option '%s'; accepted: backend, one-insn-per-tb, thread",
               key);
    return false;
}

/* Every vCPU flushes its TLBs before it runs guest code again. */
static void flush_all_tlbs_soon(void)
{
    for (int i = 0; i < cpu_count; i++) {
        if (cpus[i]->accel) {
            cpus[i]->accel->tlb_flush_pending = true;
            __atomic_store_n(&cpus[i]->exit_request, 1, __ATOMIC_SEQ_CST);
        }
    }
}

/*
 * Guest RAM logs its writes for the translator (the dirty log's code client):
 * what devices write by DMA into translated code is then dropped at fence.i.
 */
static void tcg_region_add(MemoryListener *l, MemoryRegionSection *s)
{
    if (s->mr->kind == MR_RAM && !s->readonly) {
        memory_region_set_dirty_log(s->mr, DIRTY_MEMORY_CODE, true);
    }
}

/* A changed memory map can move RAM: every cached host address must go. */
static void tcg_memory_commit(MemoryListener *l)
{
    flush_all_tlbs_soon();
}

/*
 * Dirty logging started, stopped or was cleared on a region: TLB entries made
 * before would let writes to clean pages hit inline unlogged (or keep logged
 * pages on the slow path); refilled, clean pages carry TLB_NOTDIRTY again.
 */
static void tcg_log_changed(MemoryListener *l, MemoryRegionSection *s)
{
    flush_all_tlbs_soon();
}

static bool tcg_init_machine(MachineState *ms, GError **errp)
{
    GError *err = NULL;

    if (!chosen_backend) {
#if defined(__x86_64__)
        chosen_backend = &tcg_backend_x86_64;
#else
        chosen_backend = &tcg_backend_interp;
#endif
    }
    tcg_runtime_init(chosen_backend, &err);
    if (err) {
        g_propagate_error(errp, err);
        return false;
    }
    tlb_listener = (MemoryListener){.region_add = tcg_region_add,
                                    .commit = tcg_memory_commit,
                                    .log_start = tcg_log_changed,
                                    .log_stop = tcg_log_changed,
                                    .log_clear = tcg_log_changed,
                                    .priority = 20};
    memory_listener_register(&tlb_listener, &address_space_memory);
    return true;
}

static bool any_stop_requested(void)
{
    for (int i = 0; i < cpu_count; i++) {
        if (cpus[i]->stop || cpus[i]->exit_thread) {
            return true;
        }
    }
    return false;
}

static bool all_exit(void)
{
    for (int i = 0; i < cpu_count; i++) {
        if (!cpus[i]->exit_thread) {
            return false;
        }
    }
    return true;
}

/*
 * Checked under the big lock right before sleeping: a vCPU that ran this round
 * may have woken another (an IPI) just before halting itself, and that wake-up's
 * broadcast came before anyone waited.
 */
static bool any_cpu_has_work(void)
{
    for (int i = 0; i < cpu_count; i++) {
        if (!cpus[i]->halted || cpus[i]->cc->tcg_ops->has_work(cpus[i])) {
            return true;
        }
    }
    return false;
}

/* Park every vCPU while a stop is requested (the pause protocol of system/cpus.c). */
static void rr_wait_while_stopped(void)
{
    for (int i = 0; i < cpu_count; i++) {
        cpus[i]->stopped = true;
    }
    cpu_state_changed();
    while (any_stop_requested() && !all_exit()) {
        cpu_wait_state_change();
    }
    for (int i = 0; i < cpu_count; i++) {
        cpus[i]->stopped = false;
    }
}

static gpointer tcg_rr_thread(gpointer opaque)
{
    bql_lock();
    for (int i = 0; i < cpu_count; i++) {
        cpus[i]->thread_id = gettid(); /* every vCPU runs on this thread */
    }
    while (!all_exit()) {
        bool ran = false;

        if (any_stop_requested()) {
            rr_wait_while_stopped();
            continue;
        }
        for (int i = 0; i < cpu_count && !any_stop_requested(); i++) {
            CPUState *cpu = cpus[i];
            int r;

            if (cpu->accel->tlb_flush_pending) {
                cpu->accel->tlb_flush_pending = false;
                tlb_flush(cpu);
            }
            if (cpu->halted && !cpu->cc->tcg_ops->has_work(cpu)) {
                continue;
            }
            /*
             * A kick that came while another vCPU ran (an interrupt raised for
             * this one) is stale: cpu_exec() looks at interrupts anyway. Left
             * set, it would end this turn at once, every turn when it comes as
             * often as the slice ends (a 100 Hz tick), starving this vCPU.
             */
            __atomic_store_n(&cpu->exit_request, 0, __ATOMIC_SEQ_CST);
            rr_current = cpu;
            bql_unlock();
            r = cpu_exec(cpu);
            bql_lock();
            rr_current = NULL;
            if (r == EXCP_DEBUG) {
                gdb_cpu_debug_event(cpu); /* asks every vCPU to stop */
            }
            ran |= r != EXCP_HALTED;
        }
        if (!ran && !any_stop_requested() && !any_cpu_has_work()) {
            cpu_wait_state_change(); /* every vCPU is halted: sleep until an interrupt */
        }
    }
    for (int i = 0; i < cpu_count; i++) {
        cpus[i]->created = false;
    }
    cpu_state_changed();
    bql_unlock();
    return NULL;
}

/*
 * With several vCPUs on one thread, each gets a slice, then the next runs.
 * Only the running one is asked to leave: a request left on a waiting vCPU
 * would send it straight back at its turn, and it would never run while the
 * other spins waiting for it (OpenSBI's remote fences, Linux's stop_machine).
 */
static void slice_expired(void *opaque)
{
    if (rr_current) {
        __atomic_store_n(&rr_current->exit_request, 1, __ATOMIC_SEQ_CST);
    }
    timer_mod(&slice_timer, clock_get_ns(QEMU_CLOCK_REALTIME) + TCG_SLICE_NS);
}

static bool tcg_vcpu_create(CPUState *cpu, GError **errp)
{
    cpu->accel = g_new0(AccelCPUState, 1);
    cpu->exception_index = -1;
    tlb_init(cpu);
    cpu->stop = true; /* parked until the VM starts */
    cpu->created = true;
    if (!thread_started) {
        thread_started = true;
        cpu->thread = g_thread_new("CPU/TCG", tcg_rr_thread, NULL);
    }
    if (cpu_count == 2) {
        timer_init(&slice_timer, QEMU_CLOCK_REALTIME, slice_expired, NULL);
        timer_mod(&slice_timer, clock_get_ns(QEMU_CLOCK_REALTIME) + TCG_SLICE_NS);
    }
    return true;
}

/*
 * A vCPU that is not running was kicked (an IPI, a timer): end the running one's
 * turn too, so the kicked one runs now instead of after a whole slice. Harts that
 * wait for each other (IPIs, remote fences, stop_machine) then meet in microseconds.
 */
static void tcg_kick(CPUState *cpu)
{
    CPUState *running = __atomic_load_n(&rr_current, __ATOMIC_ACQUIRE);

    __atomic_store_n(&cpu->exit_request, 1, __ATOMIC_SEQ_CST);
    if (running && running != cpu) {
        __atomic_store_n(&running->exit_request, 1, __ATOMIC_SEQ_CST);
    }
    cpu_state_changed();
}

static void tcg_sync_regs_from(CPUState *cpu)
{
    /* The architectural state lives in the CPU struct itself. */
}

static void tcg_sync_regs_to(CPUState *cpu)
{
    /* State was changed from outside (reset, monitor): cached translations go. */
    tlb_flush(cpu);
    cpu->halted = false;
    cpu->exception_index = -1;
}

/*
 * Guest debugging. Breakpoints live in each vCPU's list and the translator
 * checks them (so translated code must go when they change); watchpoints mark
 * their pages in the TLB so accesses there take the slow path. The vCPUs are
 * stopped whenever these run.
 */
static GArray **debug_list(CPUState *cpu, int type)
{
    return type <= GDB_BREAKPOINT_HW ? &cpu->breakpoints : &cpu->watchpoints;
}

static void debug_lists_changed(int type)
{
    if (type <= GDB_BREAKPOINT_HW) {
        tb_flush_everything();
    }
    for (int i = 0; i < cpu_count; i++) {
        tlb_flush(cpus[i]);
    }
}

static int tcg_insert_breakpoint(CPUState *cpu, int type, uint64_t addr, uint64_t len)
{
    CPUBreakpoint bp = {.addr = addr, .len = len, .type = type};

    if (type < GDB_BREAKPOINT_SW || type > GDB_WATCHPOINT_ACCESS) {
        return -ENOSYS;
    }
    if (type >= GDB_WATCHPOINT_WRITE && (len == 0 || len > TARGET_PAGE_SIZE)) {
        return -EINVAL;
    }
    for (int i = 0; i < cpu_count; i++) {
        GArray **list = debug_list(cpus[i], type);
        if (!*list) {
            *list = g_array_new(FALSE, FALSE, sizeof(CPUBreakpoint));
        }
        g_array_append_val(*list, bp);
    }
    debug_lists_changed(type);
    return 0;
}

static int tcg_remove_breakpoint(CPUState *cpu, int type, uint64_t addr, uint64_t len)
{
    bool found = false;

    for (int i = 0; i < cpu_count; i++) {
        GArray **list = debug_list(cpus[i], type);
        for (guint k = 0; *list && k < (*list)->len; k++) {
            const CPUBreakpoint *bp = &g_array_index(*list, CPUBreakpoint, k);
            /* A breakpoint's kind (its length) may differ between Z and z. */
            if (bp->type == type && bp->addr == addr &&
                (type <= GDB_BREAKPOINT_HW || bp->len == len)) {
                g_array_remove_index(*list, k);
                found = true;
                break;
            }
        }
        if (*list && (*list)->len == 0) {
            g_array_unref(*list);
            *list = NULL; /* the translator's and the TLB's quick "none" test */
        }
    }
    if (!found) {
        return -ENOENT;
    }
    debug_lists_changed(type);
    return 0;
}

static void tcg_remove_all_breakpoints(void)
{
    for (int i = 0; i < cpu_count; i++) {
        g_clear_pointer(&cpus[i]->breakpoints, g_array_unref);
        g_clear_pointer(&cpus[i]->watchpoints, g_array_unref);
    }
    debug_lists_changed(GDB_BREAKPOINT_SW);
}

static void tcg_update_guest_debug(CPUState *cpu)
{
    /* The exec loop reads cpu->singlestep_enabled before every TB. */
}

void tcg_info(GString *out);

static const AccelOps tcg_accel_ops = {
    .name = "tcg",
    .available = tcg_available,
    .set_option = tcg_set_option,
    .init_machine = tcg_init_machine,
    .vcpu_create = tcg_vcpu_create,
    .kick = tcg_kick,
    .sync_regs_from = tcg_sync_regs_from,
    .sync_regs_to = tcg_sync_regs_to,
    .info = tcg_info,
    .insert_breakpoint = tcg_insert_breakpoint,
    .remove_breakpoint = tcg_remove_breakpoint,
    .remove_all_breakpoints = tcg_remove_all_breakpoints,
    .update_guest_debug = tcg_update_guest_debug,
};

MIMIC_INIT(tcg_accel_register)
{
    accel_register(&tcg_accel_ops);
}
