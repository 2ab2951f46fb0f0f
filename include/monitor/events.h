/*
 * Asynchronous monitor events, QEMU's QMP events by name and shape:
 *
 *   {"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"},
 *    "timestamp": {"seconds": 1700000000, "microseconds": 123456}}
 *
 * Every QMP monitor past capabilities negotiation gets each event. Callable
 * from any thread: off the main loop (no big lock held) the event is queued
 * to the main loop and sent from there, in order.
 */
#ifndef MONITOR_EVENTS_H
#define MONITOR_EVENTS_H

#include "util/osdep.h"

typedef enum MonitorEvent {
    MON_EVENT_STOP,           /* no data */
    MON_EVENT_RESUME,         /* no data */
    MON_EVENT_RESET,          /* {guest: bool, reason: str} */
    MON_EVENT_SHUTDOWN,       /* {guest: bool, reason: str} */
    MON_EVENT_POWERDOWN,      /* no data */
    MON_EVENT_DEVICE_DELETED, /* {device: id (when it had one), path: str} */
    MON_EVENT_BLOCK_IO_ERROR, /* {device, node-name, operation, action, ...} */
    MON_EVENT__MAX,
} MonitorEvent;

/* "STOP", "DEVICE_DELETED", ...; NULL past the end. */
const char *monitor_event_name(MonitorEvent event);

/* Send event to every QMP monitor. data: an a{sv} (floating or owned; consumed) or NULL. */
void monitor_event_emit(MonitorEvent event, GVariant *data);

/*
 * Hook the run-state notifier (STOP, RESUME) and the main loop's request
 * notifier (RESET, SHUTDOWN, POWERDOWN). Called when the first QMP monitor
 * is created; later calls do nothing.
 */
void monitor_events_init(void);

/* The process is ending: send nothing more (the final stop is no STOP event, as in QEMU). */
void monitor_events_mute(void);

#endif
