/*
 * The main loop and the big device lock.
 *
 * The main thread runs glib's default context with the big lock held, dropping
 * it only inside poll(), so every dispatch (chardevs, timers, monitor) runs
 * locked. vCPU threads post requests through atomics and wake the context.
 */
#include "system/main-loop.h"
#include "system/runstate.h"
#include "system/timer.h"
#include "core/machine.h"
#include "core/cpu.h"
#include "util/error.h"
#include <poll.h>

static GMutex bql;
static __thread bool bql_held;
static GPollFunc default_poll;

bool no_reboot;
bool no_shutdown;

static ShutdownCause shutdown_requested;
static ShutdownCause reset_requested;
static bool powerdown_requested;
static bool guest_error_requested;
static int exit_status_requested = -1;
static void (*powerdown_handler)(void *);
static void *powerdown_opaque;
static void (*request_notifier)(MainLoopRequest req, ShutdownCause cause);

void bql_lock(void)
{
    g_mutex_lock(&bql);
    bql_held = true;
}

void bql_unlock(void)
{
    bql_held = false;
    g_mutex_unlock(&bql);
}

bool bql_locked(void)
{
    return bql_held;
}

GMutex *bql_mutex(void)
{
    return &bql;
}

static gint poll_unlocked(GPollFD *fds, guint nfds, gint timeout)
{
    gint ret;

    bql_unlock();
    ret = default_poll(fds, nfds, timeout);
    bql_lock();
    return ret;
}

/* ---- timers as a GSource ---- */

static gboolean timer_source_prepare(GSource *src, gint *timeout)
{
    int64_t ns = timers_deadline_ns();

    if (ns < 0) {
        *timeout = -1;
        return FALSE;
    }
    *timeout = (gint)MIN(DIV_ROUND_UP(ns, 1000000), G_MAXINT);
    return ns == 0;
}

static gboolean timer_source_check(GSource *src)
{
    return timers_deadline_ns() == 0;
}

static gboolean timer_source_dispatch(GSource *src, GSourceFunc cb, gpointer data)
{
    timers_run_expired();
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_source_funcs = {
    .prepare = timer_source_prepare,
    .check = timer_source_check,
    .dispatch = timer_source_dispatch,
};

void main_loop_wakeup(void)
{
    g_main_context_wakeup(NULL);
}

void main_loop_init(void)
{
    GSource *src;

    bql_lock();
    default_poll = g_main_context_get_poll_func(NULL);
    g_main_context_set_poll_func(NULL, poll_unlocked);
    src = g_source_new(&timer_source_funcs, sizeof(GSource));
    g_source_set_name(src, "timers");
    g_source_attach(src, NULL);
    g_source_unref(src);
    timers_set_notify(main_loop_wakeup);
}

/* ---- requests ---- */

static const char *const shutdown_cause_names[] = {
    [SHUTDOWN_CAUSE_NONE] = "none",
    [SHUTDOWN_CAUSE_HOST_ERROR] = "host-error",
    [SHUTDOWN_CAUSE_HOST_QMP_QUIT] = "host-qmp-quit",
    [SHUTDOWN_CAUSE_HOST_SIGNAL] = "host-signal",
    [SHUTDOWN_CAUSE_GUEST_SHUTDOWN] = "guest-shutdown",
    [SHUTDOWN_CAUSE_GUEST_RESET] = "guest-reset",
    [SHUTDOWN_CAUSE_GUEST_PANIC] = "guest-panic",
    [SHUTDOWN_CAUSE_SUBSYSTEM_RESET] = "subsystem-reset",
    [SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET] = "host-qmp-system-reset",
};

const char *shutdown_cause_name(ShutdownCause cause)
{
    return cause < G_N_ELEMENTS(shutdown_cause_names) ? shutdown_cause_names[cause] : "?";
}

void system_shutdown_request(ShutdownCause cause)
{
    __atomic_store_n(&shutdown_requested, cause, __ATOMIC_RELEASE);
    if (cause == SHUTDOWN_CAUSE_GUEST_SHUTDOWN || cause == SHUTDOWN_CAUSE_GUEST_PANIC) {
        cpus_request_stop(); /* the guest asked: it must not run on while we act */
    }
    main_loop_wakeup();
}

void system_reset_request(ShutdownCause cause)
{
    __atomic_store_n(&reset_requested, cause, __ATOMIC_RELEASE);
    main_loop_wakeup();
}

void system_exit_request(int status)
{
    __atomic_store_n(&exit_status_requested, status, __ATOMIC_RELEASE);
    cpus_request_stop();
    main_loop_wakeup();
}

void system_powerdown_request(void)
{
    __atomic_store_n(&powerdown_requested, true, __ATOMIC_RELEASE);
    main_loop_wakeup();
}

void system_guest_error(void)
{
    __atomic_store_n(&guest_error_requested, true, __ATOMIC_RELEASE);
    main_loop_wakeup();
}

void main_loop_set_powerdown_handler(void (*fn)(void *), void *opaque)
{
    powerdown_handler = fn;
    powerdown_opaque = opaque;
}

void main_loop_set_request_notifier(void (*fn)(MainLoopRequest req, ShutdownCause cause))
{
    request_notifier = fn;
}

static void notify_request(MainLoopRequest req, ShutdownCause cause)
{
    if (request_notifier) {
        request_notifier(req, cause);
    }
}

struct Deferred {
    void (*fn)(void *);
    void *opaque;
};

static gboolean run_deferred(gpointer p)
{
    struct Deferred *d = p;
    d->fn(d->opaque);
    g_free(d);
    return G_SOURCE_REMOVE;
}

void main_loop_defer(void (*fn)(void *opaque), void *opaque)
{
    struct Deferred *d = g_new(struct Deferred, 1);
    d->fn = fn;
    d->opaque = opaque;
    /*
     * At the default priority, not idle's: a source that is ready on every
     * iteration (slirp's) would otherwise starve deferred completions.
     */
    g_idle_add_full(G_PRIORITY_DEFAULT, run_deferred, d, NULL);
}

static void do_system_reset(void)
{
    bool was_running = runstate_is_running();

    if (was_running) {
        cpus_pause_all();
    }
    machine_reset(current_machine);
    if (was_running) {
        cpus_resume_all();
    }
}

/* Act on posted requests; returns true with *status set when the process should end. */
static bool main_loop_should_exit(int *status)
{
    ShutdownCause cause;
    int exit_status = __atomic_exchange_n(&exit_status_requested, -1, __ATOMIC_ACQ_REL);

    if (exit_status >= 0) {
        *status = exit_status;
        return true;
    }
    if (__atomic_exchange_n(&guest_error_requested, false, __ATOMIC_ACQ_REL)) {
        vm_stop(RUN_STATE_INTERNAL_ERROR);
        if (!no_shutdown) {
            *status = 1;
            return true;
        }
        error_report("the VM is stopped; the monitor is still available (quit to end)");
    }
    cause = __atomic_exchange_n(&shutdown_requested, SHUTDOWN_CAUSE_NONE, __ATOMIC_ACQ_REL);
    if (cause != SHUTDOWN_CAUSE_NONE) {
        notify_request(MAIN_LOOP_REQUEST_SHUTDOWN, cause);
        if (no_shutdown && cause == SHUTDOWN_CAUSE_GUEST_SHUTDOWN) {
            vm_stop(RUN_STATE_SHUTDOWN);
        } else {
            *status = cause == SHUTDOWN_CAUSE_GUEST_PANIC ? 1 : 0;
            return true;
        }
    }
    cause = __atomic_exchange_n(&reset_requested, SHUTDOWN_CAUSE_NONE, __ATOMIC_ACQ_REL);
    if (cause != SHUTDOWN_CAUSE_NONE) {
        if (no_reboot && cause != SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET) {
            /* As QEMU: under -no-reboot a reset becomes a shutdown, with the reset's cause. */
            notify_request(MAIN_LOOP_REQUEST_SHUTDOWN, cause);
            *status = 0;
            return true;
        }
        do_system_reset();
        notify_request(MAIN_LOOP_REQUEST_RESET, cause);
    }
    if (__atomic_exchange_n(&powerdown_requested, false, __ATOMIC_ACQ_REL)) {
        notify_request(MAIN_LOOP_REQUEST_POWERDOWN, SHUTDOWN_CAUSE_NONE);
        if (powerdown_handler) {
            powerdown_handler(powerdown_opaque);
        }
    }
    return false;
}

int main_loop_run(void)
{
    int status = 0;

    g_assert(bql_locked());
    while (!main_loop_should_exit(&status)) {
        g_main_context_iteration(NULL, TRUE);
    }
    return status;
}
