/*
 * What a disk device does when a request fails: -drive werror= and rerror=
 * (QEMU's BlockdevOnError), the action chosen for one error (report it to the
 * guest, ignore it, or stop the VM with the request kept for a retry on
 * cont), and the BLOCK_IO_ERROR report that goes with it. Device-independent:
 * every disk device asks the same questions.
 */
#ifndef BLOCK_ERROR_POLICY_H
#define BLOCK_ERROR_POLICY_H

#include "block/block.h"

typedef enum BlockdevOnError {
    BLOCKDEV_ON_ERROR_REPORT,
    BLOCKDEV_ON_ERROR_IGNORE,
    BLOCKDEV_ON_ERROR_ENOSPC, /* stop on ENOSPC, report anything else */
    BLOCKDEV_ON_ERROR_STOP,
} BlockdevOnError;

typedef enum BlockErrorAction {
    BLOCK_ERROR_ACTION_IGNORE, /* the guest sees success */
    BLOCK_ERROR_ACTION_REPORT, /* the guest sees an I/O error */
    BLOCK_ERROR_ACTION_STOP,   /* the VM stops (io-error); the device retries on resume */
} BlockErrorAction;

/* QEMU's query-block io-status: set when an error stopped the VM, cleared by cont. */
typedef enum BlockIOStatus {
    BLOCK_IO_STATUS_OK,
    BLOCK_IO_STATUS_FAILED,
    BLOCK_IO_STATUS_NOSPACE,
} BlockIOStatus;

/* What BLOCK_IO_ERROR reports. */
typedef struct BlockIOErrorEvent {
    const char *device; /* the drive's id */
    const char *node_name;
    bool is_read;
    BlockErrorAction action;
    bool nospace;       /* the error was ENOSPC */
    const char *reason; /* strerror() */
} BlockIOErrorEvent;

/* QEMU's defaults: werror=enospc, rerror=report. */
BlockdevOnError block_on_error_default(bool is_read);
/* werror= (report, ignore, enospc, stop) or rerror= (the same less enospc). */
bool block_on_error_parse(const char *value, bool is_read, BlockdevOnError *out, GError **errp);
const char *block_error_action_name(BlockErrorAction action);
const char *block_io_status_name(BlockIOStatus status);

/*
 * A request on blk failed (error: a positive errno), in the main loop with the
 * big lock: pick the action its policy says, report BLOCK_IO_ERROR, and for
 * stop set the io-status and stop the VM (io-error). Returns the action; the
 * device completes the request (report, ignore) or keeps it for the retry on
 * resume (stop) itself.
 */
BlockErrorAction block_error_handle(BlockBackend *blk, bool is_read, int error);

/* cont: every drive's io-status back to ok. */
void block_error_status_reset_all(void);

/* Who hears BLOCK_IO_ERROR (the monitor's events); one listener. */
void block_error_set_listener(void (*fn)(const BlockIOErrorEvent *ev));

#endif
