/*
 * The VM's run state: prelaunch (before the first run, or under -S), running,
 * paused (stop), shutdown (guest powered off under -no-shutdown), internal-error,
 * io-error (a disk error under werror/rerror=stop).
 */
#ifndef SYSTEM_RUNSTATE_H
#define SYSTEM_RUNSTATE_H

#include "util/osdep.h"

typedef enum RunState {
    RUN_STATE_PRELAUNCH,
    RUN_STATE_RUNNING,
    RUN_STATE_PAUSED,
    RUN_STATE_SHUTDOWN,
    RUN_STATE_INTERNAL_ERROR,
    RUN_STATE_GUEST_PANICKED,
    RUN_STATE_IO_ERROR, /* a disk's werror/rerror=stop policy stopped it */
} RunState;

RunState runstate_get(void);
const char *runstate_name(RunState state);
bool runstate_is_running(void);

typedef void (*VMChangeStateHandler)(void *opaque, bool running, RunState state);
void vm_state_notifier_add(VMChangeStateHandler cb, void *opaque);
void vm_state_notifier_remove(VMChangeStateHandler cb, void *opaque);

/* Pause all vCPUs and enter state (paused, shutdown, internal-error). Big lock held. */
void vm_stop(RunState state);
/* Resume (or start) the vCPUs. Big lock held. */
void vm_start(void);

#endif
