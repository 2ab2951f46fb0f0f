/*
 * The monitor: one command table (monitor/hmp-commands.c) served to people as
 * the human monitor (HMP), with a line editor on a chardev, and later to
 * programs as QMP. Everything here runs in the main loop with the big lock held.
 *
 * The main program creates one per -monitor:
 *
 *   -monitor stdio        chr = chardev_new_legacy("compat_monitor0", "stdio", ..);
 *                         monitor_new_hmp(chr, true, ..)
 *   -monitor unix:P,server=on,wait=off   the same with that spec; the banner and prompt
 *                         are printed each time a client connects (CHR_EVENT_OPENED)
 *   -nographic            one mux on stdio (chardev_new_legacy(.., "mon:stdio", ..));
 *                         the serial port attaches first, then monitor_new_hmp(mux, true, ..):
 *                         the monitor stays quiet until Ctrl-A c gives it the focus
 */
#ifndef MONITOR_MONITOR_H
#define MONITOR_MONITOR_H

#include <stdarg.h>
#include "util/osdep.h"
#include "chardev/char.h"

typedef struct Monitor Monitor;

/*
 * A human monitor on chr. With use_readline the input is a raw terminal byte
 * stream (line editing, history, Tab completion, echo); without it, input is
 * taken a line at a time with no echo and no prompt (scripts over a socket).
 */
Monitor *monitor_new_hmp(Chardev *chr, bool use_readline, GError **errp);

/*
 * A QMP (JSON) monitor on chr: greets each client that connects, negotiates
 * capabilities, runs commands from the same table as HMP and sends events.
 * pretty: indent replies (-qmp-pretty, -mon ...,pretty=on). One client per
 * chardev at a time, as QEMU: several clients need several -qmp options.
 */
Monitor *monitor_new_qmp(Chardev *chr, bool pretty, GError **errp);
/* A QMP monitor without a chardev: replies collect in memory (tests, fuzzing). */
Monitor *monitor_new_qmp_buffer(void);

/* The process is ending: push out pending QMP output and send no more events. */
void monitor_cleanup(void);

/* -uuid, for query-uuid (NULL or never set: the all-zero UUID, as QEMU). */
void monitor_set_vm_uuid(const char *uuid);

/* A monitor whose output collects in memory: tests, human-monitor-command. */
Monitor *monitor_new_buffer(void);
const char *monitor_buffer_contents(Monitor *mon);
void monitor_buffer_clear(Monitor *mon);

/* Detach from the chardev (if any) and free. */
void monitor_free(Monitor *mon);

void monitor_printf(Monitor *mon, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void monitor_vprintf(Monitor *mon, const char *fmt, va_list ap) G_GNUC_PRINTF(2, 0);
void monitor_puts(Monitor *mon, const char *text);
/* Push buffered output to the chardev now. */
void monitor_flush(Monitor *mon);

/* Run one HMP command line ("x /4xb 0x1000"); results and errors are printed to mon. */
void hmp_execute_line(Monitor *mon, const char *line);

/*
 * Hand mon bytes as if they had come from its chardev (through the line editor
 * when it has one): tests, and text consoles that are not chardevs.
 */
void monitor_feed_input(Monitor *mon, const uint8_t *buf, size_t len);

#endif
