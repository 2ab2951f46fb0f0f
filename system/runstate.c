/*
 * The VM run state and its change notifiers.
 */
#include "system/runstate.h"
#include "system/timer.h"
#include "core/cpu.h"

static RunState current_state = RUN_STATE_PRELAUNCH;

typedef struct VMStateNotifier {
    VMChangeStateHandler cb;
    void *opaque;
} VMStateNotifier;

static GArray *notifiers;

static const char *const runstate_names[] = {
    [RUN_STATE_PRELAUNCH] = "prelaunch",
    [RUN_STATE_RUNNING] = "running",
    [RUN_STATE_PAUSED] = "paused",
    [RUN_STATE_SHUTDOWN] = "shutdown",
    [RUN_STATE_INTERNAL_ERROR] = "internal-error",
    [RUN_STATE_GUEST_PANICKED] = "guest-panicked",
    [RUN_STATE_IO_ERROR] = "io-error",
};

RunState runstate_get(void)
{
    return current_state;
}

const char *runstate_name(RunState state)
{
    return state < G_N_ELEMENTS(runstate_names) ? runstate_names[state] : "?";
}

bool runstate_is_running(void)
{
    return current_state == RUN_STATE_RUNNING;
}

void vm_state_notifier_add(VMChangeStateHandler cb, void *opaque)
{
    VMStateNotifier n = {cb, opaque};

    if (!notifiers) {
        notifiers = g_array_new(FALSE, FALSE, sizeof(VMStateNotifier));
    }
    g_array_append_val(notifiers, n);
}

void vm_state_notifier_remove(VMChangeStateHandler cb, void *opaque)
{
    for (guint i = 0; notifiers && i < notifiers->len; i++) {
        VMStateNotifier *n = &g_array_index(notifiers, VMStateNotifier, i);

        if (n->cb == cb && n->opaque == opaque) {
            g_array_remove_index(notifiers, i);
            return;
        }
    }
}

static void notify(bool running)
{
    for (guint i = 0; notifiers && i < notifiers->len; i++) {
        VMStateNotifier *n = &g_array_index(notifiers, VMStateNotifier, i);
        n->cb(n->opaque, running, current_state);
    }
}

void vm_stop(RunState state)
{
    bool was_running = runstate_is_running();

    if (was_running) {
        cpus_pause_all();
        clock_virtual_stop();
    }
    current_state = state;
    if (was_running) {
        notify(false);
    }
}

void vm_start(void)
{
    if (runstate_is_running()) {
        return;
    }
    current_state = RUN_STATE_RUNNING;
    clock_virtual_start();
    notify(true);
    cpus_resume_all();
}
