/*
 * The error policy of -drive werror=/rerror=, as QEMU's block-backend applies
 * it: defaults werror=enospc and rerror=report; "stop" stops the VM in the
 * io-error state after BLOCK_IO_ERROR is sent, and marks the drive's
 * io-status failed or nospace until cont.
 *
 * Emulator glue like drive.c: the policy lives on the DriveInfo, and a
 * backend made outside -drive gets the defaults.
 */
#include "block/error-policy.h"
#include "block/drive.h"
#include "system/runstate.h"
#include "util/error.h"

static void (*error_listener)(const BlockIOErrorEvent *ev);

static const char *const on_error_names[] = {
    [BLOCKDEV_ON_ERROR_REPORT] = "report",
    [BLOCKDEV_ON_ERROR_IGNORE] = "ignore",
    [BLOCKDEV_ON_ERROR_ENOSPC] = "enospc",
    [BLOCKDEV_ON_ERROR_STOP] = "stop",
};

BlockdevOnError block_on_error_default(bool is_read)
{
    return is_read ? BLOCKDEV_ON_ERROR_REPORT : BLOCKDEV_ON_ERROR_ENOSPC;
}

bool block_on_error_parse(const char *value, bool is_read, BlockdevOnError *out, GError **errp)
{
    for (size_t i = 0; i < G_N_ELEMENTS(on_error_names); i++) {
        if (!strcmp(value, on_error_names[i]) && !(is_read && i == BLOCKDEV_ON_ERROR_ENOSPC)) {
            *out = i;
            return true;
        }
    }
    error_setg(errp, "%s=%s: expected %s", is_read ? "rerror" : "werror", value,
               is_read ? "report, ignore or stop" : "report, ignore, enospc or stop");
    return false;
}

const char *block_error_action_name(BlockErrorAction action)
{
    static const char *const names[] = {"ignore", "report", "stop"};

    return names[action];
}

const char *block_io_status_name(BlockIOStatus status)
{
    static const char *const names[] = {"ok", "failed", "nospace"};

    return names[status];
}

/* The action d's policy (the defaults without a drive) picks for error. */
static BlockErrorAction block_error_action_pick(DriveInfo *d, bool is_read, int error)
{
    BlockdevOnError policy = block_on_error_default(is_read);

    if (d) {
        policy = is_read ? d->rerror : d->werror;
    }
    switch (policy) {
    case BLOCKDEV_ON_ERROR_IGNORE:
        return BLOCK_ERROR_ACTION_IGNORE;
    case BLOCKDEV_ON_ERROR_ENOSPC:
        return error == ENOSPC ? BLOCK_ERROR_ACTION_STOP : BLOCK_ERROR_ACTION_REPORT;
    case BLOCKDEV_ON_ERROR_STOP:
        return BLOCK_ERROR_ACTION_STOP;
    case BLOCKDEV_ON_ERROR_REPORT:
        break;
    }
    return BLOCK_ERROR_ACTION_REPORT;
}

BlockErrorAction block_error_handle(BlockBackend *blk, bool is_read, int error)
{
    DriveInfo *d = drive_get_by_blk(blk);
    BlockErrorAction action = block_error_action_pick(d, is_read, error);
    BlockIOErrorEvent ev = {
        .device = d ? d->id : "",
        .node_name = d ? d->id : "",
        .is_read = is_read,
        .action = action,
        .nospace = error == ENOSPC,
        .reason = g_strerror(error),
    };

    if (action == BLOCK_ERROR_ACTION_STOP && d && d->io_status == BLOCK_IO_STATUS_OK) {
        d->io_status = error == ENOSPC ? BLOCK_IO_STATUS_NOSPACE : BLOCK_IO_STATUS_FAILED;
    }
    /* As QEMU: the event first, then the STOP that the stop brings. */
    if (error_listener) {
        error_listener(&ev);
    }
    if (action == BLOCK_ERROR_ACTION_STOP && runstate_is_running()) {
        vm_stop(RUN_STATE_IO_ERROR);
    }
    return action;
}

static void reset_status(DriveInfo *d, void *opaque)
{
    d->io_status = BLOCK_IO_STATUS_OK;
}

void block_error_status_reset_all(void)
{
    drive_foreach(reset_status, NULL);
}

void block_error_set_listener(void (*fn)(const BlockIOErrorEvent *ev))
{
    error_listener = fn;
}
