/*
 * The main loop: glib's default GMainContext, run by the main thread with the
 * big lock held except while it waits in poll(). vCPU threads take the lock for
 * device work and post requests (reset, shutdown, stop) that the main loop acts on.
 */
#ifndef SYSTEM_MAIN_LOOP_H
#define SYSTEM_MAIN_LOOP_H

#include "util/osdep.h"

void main_loop_init(void);
/* Run until a shutdown is requested and granted; returns the process exit status. */
int main_loop_run(void);
void main_loop_wakeup(void);

/* The big device lock. */
void bql_lock(void);
void bql_unlock(void);
bool bql_locked(void);

typedef enum ShutdownCause {
    SHUTDOWN_CAUSE_NONE,
    SHUTDOWN_CAUSE_HOST_ERROR,    /* an emulation failure */
    SHUTDOWN_CAUSE_HOST_QMP_QUIT, /* quit from the monitor */
    SHUTDOWN_CAUSE_HOST_SIGNAL,   /* SIGTERM, SIGINT, Ctrl-A x */
    SHUTDOWN_CAUSE_GUEST_SHUTDOWN, /* ACPI poweroff and friends */
    SHUTDOWN_CAUSE_GUEST_RESET,
    SHUTDOWN_CAUSE_GUEST_PANIC,   /* triple fault with -no-reboot */
    SHUTDOWN_CAUSE_SUBSYSTEM_RESET,
    SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET,
} ShutdownCause;

const char *shutdown_cause_name(ShutdownCause cause);

/*
 * Callable from any thread; guest-initiated shutdowns and exits also stop the
 * vCPUs at once (callers then hold the big lock, as device handlers do).
 */
void system_shutdown_request(ShutdownCause cause);
void system_reset_request(ShutdownCause cause);
/* End the process with this status once the main loop sees it (isa-debug-exit). */
void system_exit_request(int status);
void system_powerdown_request(void);
/* A fatal guest/accelerator error: stop the VM (monitor stays) or exit non-zero. */
void system_guest_error(void);

/* -no-reboot / -no-shutdown */
extern bool no_reboot;
extern bool no_shutdown;

/* The mutex behind bql_lock(), for condition variables that wait on it. */
GMutex *bql_mutex(void);

/* Called by the machine for system_powerdown (ACPI power button). */
void main_loop_set_powerdown_handler(void (*fn)(void *), void *opaque);

/*
 * What the main loop has just acted on, told to one listener (the monitor's
 * events): a shutdown (the process ends, or the VM stops under -no-shutdown),
 * a reset, a powerdown request passed to the machine.
 */
typedef enum MainLoopRequest {
    MAIN_LOOP_REQUEST_SHUTDOWN,
    MAIN_LOOP_REQUEST_RESET,
    MAIN_LOOP_REQUEST_POWERDOWN,
} MainLoopRequest;
void main_loop_set_request_notifier(void (*fn)(MainLoopRequest req, ShutdownCause cause));

/* Run fn(opaque) in the main loop, with the big lock held. */
void main_loop_defer(void (*fn)(void *opaque), void *opaque);

#endif
