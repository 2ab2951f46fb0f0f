/*
 * QMP events: their names, the envelope with a timestamp, and the hooks that
 * turn run-state changes and main-loop requests into STOP, RESUME, RESET,
 * SHUTDOWN and POWERDOWN, as QEMU's qapi events of the same names
 * (qapi/run-state.json): SHUTDOWN and RESET carry {guest, reason}, the reason
 * being QEMU's ShutdownCause spelling ("host-qmp-quit", "guest-reset", ...),
 * and DEVICE_DELETED {device, path} when a device's removal completes (at
 * once, or when the guest let go of a hotplug slot's device).
 * BLOCK_IO_ERROR comes from the disk error policy (block/error-policy.c) with
 * the fields of qapi/block-core.json.
 *
 * Left out: QEMU's rate limiting of chatty events (none of these is chatty).
 */
#include "monitor/events.h"
#include "core/qdev.h"
#include "monitor/monitor-internal.h"
#include "block/error-policy.h"
#include "system/main-loop.h"
#include "system/runstate.h"

static const char *const event_names[MON_EVENT__MAX] = {
    [MON_EVENT_STOP] = "STOP",
    [MON_EVENT_RESUME] = "RESUME",
    [MON_EVENT_RESET] = "RESET",
    [MON_EVENT_SHUTDOWN] = "SHUTDOWN",
    [MON_EVENT_POWERDOWN] = "POWERDOWN",
    [MON_EVENT_DEVICE_DELETED] = "DEVICE_DELETED",
    [MON_EVENT_BLOCK_IO_ERROR] = "BLOCK_IO_ERROR",
};

static bool events_muted;

const char *monitor_event_name(MonitorEvent event)
{
    return (unsigned)event < MON_EVENT__MAX ? event_names[event] : NULL;
}

/* {"event": NAME, "data": {...}, "timestamp": {"seconds": S, "microseconds": US}} */
static GVariant *event_message(MonitorEvent event, GVariant *data)
{
    int64_t now = g_get_real_time();
    GVariantBuilder b, ts;

    g_variant_builder_init(&ts, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&ts, "{sv}", "seconds", g_variant_new_int64(now / G_USEC_PER_SEC));
    g_variant_builder_add(&ts, "{sv}", "microseconds", g_variant_new_int64(now % G_USEC_PER_SEC));
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "event", g_variant_new_string(event_names[event]));
    /* As QEMU: an event without data has no "data" member. */
    if (data) {
        g_variant_builder_add(&b, "{sv}", "data", data);
    }
    g_variant_builder_add(&b, "{sv}", "timestamp", g_variant_builder_end(&ts));
    return g_variant_ref_sink(g_variant_builder_end(&b));
}

static void event_send_deferred(void *opaque)
{
    GVariant *msg = opaque;

    if (!events_muted) {
        qmp_broadcast_event(msg);
    }
    g_variant_unref(msg);
}

void monitor_event_emit(MonitorEvent event, GVariant *data)
{
    GVariant *msg;

    if (data) {
        g_variant_ref_sink(data);
    }
    if ((unsigned)event >= MON_EVENT__MAX || events_muted) {
        if (data) {
            g_variant_unref(data);
        }
        return;
    }
    /* Timestamped now, sent from the main loop (where monitors live). */
    msg = event_message(event, data);
    if (data) {
        g_variant_unref(data);
    }
    if (bql_locked()) {
        event_send_deferred(msg);
    } else {
        main_loop_defer(event_send_deferred, msg);
    }
}

void monitor_events_mute(void)
{
    events_muted = true;
}

/* ---- the hooks ---- */

/* QEMU's shutdown_caused_by_guest(). */
static bool cause_is_guest(ShutdownCause cause)
{
    return cause == SHUTDOWN_CAUSE_GUEST_SHUTDOWN || cause == SHUTDOWN_CAUSE_GUEST_RESET ||
           cause == SHUTDOWN_CAUSE_GUEST_PANIC;
}

static GVariant *cause_data(ShutdownCause cause)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "guest", g_variant_new_boolean(cause_is_guest(cause)));
    g_variant_builder_add(&b, "{sv}", "reason", g_variant_new_string(shutdown_cause_name(cause)));
    return g_variant_builder_end(&b);
}

static void events_vm_state_changed(void *opaque, bool running, RunState state)
{
    monitor_event_emit(running ? MON_EVENT_RESUME : MON_EVENT_STOP, NULL);
}

static void events_main_loop_request(MainLoopRequest req, ShutdownCause cause)
{
    switch (req) {
    case MAIN_LOOP_REQUEST_SHUTDOWN:
        monitor_event_emit(MON_EVENT_SHUTDOWN, cause_data(cause));
        break;
    case MAIN_LOOP_REQUEST_RESET:
        monitor_event_emit(MON_EVENT_RESET, cause_data(cause));
        break;
    case MAIN_LOOP_REQUEST_POWERDOWN:
        monitor_event_emit(MON_EVENT_POWERDOWN, NULL);
        break;
    }
}

/* As QEMU: "device" only when the device had an id; the QOM-style path always. */
static void events_device_deleted(DeviceState *dev)
{
    g_autofree char *path = NULL;
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    if (dev->id) {
        path = g_strdup_printf("/machine/peripheral/%s", dev->id);
        g_variant_builder_add(&b, "{sv}", "device", g_variant_new_string(dev->id));
    } else {
        path = g_strdup_printf("/machine/peripheral-anon/%s", dev->canonical);
    }
    g_variant_builder_add(&b, "{sv}", "path", g_variant_new_string(path));
    monitor_event_emit(MON_EVENT_DEVICE_DELETED, g_variant_builder_end(&b));
}

static void events_block_io_error(const BlockIOErrorEvent *ev)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "device", g_variant_new_string(ev->device));
    g_variant_builder_add(&b, "{sv}", "node-name", g_variant_new_string(ev->node_name));
    g_variant_builder_add(&b, "{sv}", "operation",
                          g_variant_new_string(ev->is_read ? "read" : "write"));
    g_variant_builder_add(&b, "{sv}", "action",
                          g_variant_new_string(block_error_action_name(ev->action)));
    g_variant_builder_add(&b, "{sv}", "nospace", g_variant_new_boolean(ev->nospace));
    g_variant_builder_add(&b, "{sv}", "reason", g_variant_new_string(ev->reason));
    monitor_event_emit(MON_EVENT_BLOCK_IO_ERROR, g_variant_builder_end(&b));
}

void monitor_events_init(void)
{
    static bool done;

    if (done) {
        return;
    }
    done = true;
    vm_state_notifier_add(events_vm_state_changed, NULL);
    main_loop_set_request_notifier(events_main_loop_request);
    qdev_add_unplug_notifier(events_device_deleted);
    block_error_set_listener(events_block_io_error);
}
