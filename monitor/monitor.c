/*
 * The Monitor object: a frontend on a chardev (or an in-memory buffer), its
 * output buffering, and the chardev events that decide when to greet.
 *
 * Output follows QEMU's monitor_puts(): "\n" goes out as "\r\n" (the peer is
 * a raw terminal or a socket), and it is written when a line is complete or
 * at the end of each input or event callback. A peer that stalls for longer
 * than the chardev core waits loses that output rather than hanging the
 * main loop.
 *
 * Greeting, as QEMU's monitor_event(): CHR_EVENT_OPENED prints the banner and
 * the prompt. On a mux (-nographic) the monitor that opens in the background
 * keeps quiet and greets on its first CHR_EVENT_MUX_IN; later MUX_IN events
 * reprint the prompt with the line being edited, and MUX_OUT ends the line so
 * the other frontend's output starts in column 0.
 */
#include "monitor/monitor-internal.h"
#include <stdarg.h>
#include <unistd.h>

#define MONITOR_READ_CHUNK 1024
#define MONITOR_FLUSH_THRESHOLD 4096

/* ---- output ---- */

void monitor_flush(Monitor *mon)
{
    if (!mon || !mon->outbuf || !mon->outbuf->len) {
        return;
    }
    if (mon->has_chr && chr_fe_backend_connected(&mon->fe)) {
        chr_fe_write_all(&mon->fe, (const uint8_t *)mon->outbuf->str, (int)mon->outbuf->len);
    }
    g_string_truncate(mon->outbuf, 0);
}

void monitor_puts(Monitor *mon, const char *text)
{
    if (!mon || !text) {
        return;
    }
    /* QMP speaks only JSON (qmp.c writes it): text a handler prints has no place there. */
    if (mon->qmp) {
        return;
    }
    if (mon->capture) {
        g_string_append(mon->capture, text);
        return;
    }
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            g_string_append_c(mon->outbuf, '\r');
        }
        g_string_append_c(mon->outbuf, *p);
    }
    if (strchr(text, '\n') || mon->outbuf->len >= MONITOR_FLUSH_THRESHOLD) {
        monitor_flush(mon);
    }
}

void monitor_vprintf(Monitor *mon, const char *fmt, va_list ap)
{
    g_autofree char *s = NULL;

    if (!mon) {
        return;
    }
    s = g_strdup_vprintf(fmt, ap);
    monitor_puts(mon, s);
}

void monitor_printf(Monitor *mon, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    monitor_vprintf(mon, fmt, ap);
    va_end(ap);
}

/* ---- input ---- */

static void monitor_rl_print(void *opaque, const char *text)
{
    monitor_puts(opaque, text);
}

static void monitor_rl_exec(void *opaque, const char *line)
{
    hmp_execute_line(opaque, line);
}

static void monitor_rl_complete(void *opaque, const char *line, GPtrArray *out)
{
    hmp_complete(opaque, line, out);
}

/* Without readline: one command per line, no echo. */
static void monitor_line_byte(Monitor *mon, uint8_t ch)
{
    if (ch != '\n') {
        if (mon->line->len < READLINE_CMD_BUF_SIZE) {
            g_string_append_c(mon->line, (char)ch);
        } else {
            mon->line_overflow = true;
        }
        return;
    }
    if (mon->line->len && mon->line->str[mon->line->len - 1] == '\r') {
        g_string_truncate(mon->line, mon->line->len - 1);
    }
    if (mon->line_overflow) {
        monitor_printf(mon, "line too long: at most %d characters\n", READLINE_CMD_BUF_SIZE);
    } else if (!memchr(mon->line->str, '\0', mon->line->len)) {
        hmp_execute_line(mon, mon->line->str);
    }
    g_string_truncate(mon->line, 0);
    mon->line_overflow = false;
}

void monitor_feed_input(Monitor *mon, const uint8_t *buf, size_t len)
{
    if (mon->qmp) {
        qmp_feed(mon, buf, len);
        monitor_flush(mon);
        return;
    }
    for (size_t i = 0; i < len; i++) {
        if (mon->rs) {
            readline_handle_byte(mon->rs, buf[i]);
        } else {
            monitor_line_byte(mon, buf[i]);
        }
    }
    monitor_flush(mon);
}

static int monitor_can_read(void *opaque)
{
    return MONITOR_READ_CHUNK;
}

static void monitor_read(void *opaque, const uint8_t *buf, int size)
{
    monitor_feed_input(opaque, buf, size > 0 ? (size_t)size : 0);
}

/* ---- events ---- */

static void monitor_greet(Monitor *mon)
{
    monitor_printf(mon, "mimic %s monitor - type 'help' for more information\n", MIMIC_VERSION);
    mon->greeted = true;
    mon->banner_pending = false;
    if (mon->rs) {
        readline_show_prompt(mon->rs);
    }
}

static void monitor_event(void *opaque, ChrEvent event)
{
    Monitor *mon = opaque;

    switch (event) {
    case CHR_EVENT_OPENED:
        if (mon->mux_out) {
            mon->banner_pending = true;
        } else {
            monitor_greet(mon);
        }
        break;
    case CHR_EVENT_CLOSED:
        /* The next peer starts afresh. */
        if (mon->rs) {
            readline_reset_line(mon->rs);
        }
        g_string_truncate(mon->line, 0);
        mon->line_overflow = false;
        mon->greeted = false;
        mon->banner_pending = false;
        g_string_truncate(mon->outbuf, 0);
        break;
    case CHR_EVENT_MUX_IN:
        mon->mux_out = false;
        if (mon->banner_pending) {
            monitor_greet(mon);
        } else if (mon->greeted && mon->rs) {
            readline_show_prompt(mon->rs);
        }
        break;
    case CHR_EVENT_MUX_OUT:
        if (mon->greeted && !mon->mux_out && mon->rs) {
            monitor_puts(mon, "\n");
        }
        mon->mux_out = true;
        break;
    case CHR_EVENT_BREAK:
        break;
    }
    monitor_flush(mon);
}

/* ---- life cycle ---- */

void monitor_init_common(Monitor *mon, bool use_readline)
{
    mon->outbuf = g_string_new(NULL);
    mon->line = g_string_new(NULL);
    mon->fds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    mon->fmt_format = 'x';
    mon->fmt_size = 4;
    if (use_readline) {
        mon->rs = readline_new(monitor_rl_print, monitor_rl_exec, monitor_rl_complete, mon);
        readline_set_prompt(mon->rs, MONITOR_PROMPT);
    }
}

Monitor *monitor_new_hmp(Chardev *chr, bool use_readline, GError **errp)
{
    Monitor *mon;

    if (!chr) {
        error_setg(errp, "a monitor needs a character device; e.g. -monitor stdio");
        return NULL;
    }
    mon = g_new0(Monitor, 1);
    monitor_init_common(mon, use_readline);
    if (!chr_fe_init(&mon->fe, chr, errp)) {
        monitor_free(mon);
        return NULL;
    }
    mon->has_chr = true;
    /* May deliver MUX_IN/MUX_OUT and OPENED right away, so mon must be ready. */
    chr_fe_set_handlers(&mon->fe, monitor_can_read, monitor_read, monitor_event, mon);
    monitor_flush(mon);
    return mon;
}

Monitor *monitor_new_buffer(void)
{
    Monitor *mon = g_new0(Monitor, 1);

    monitor_init_common(mon, true);
    mon->capture = g_string_new(NULL);
    return mon;
}

/* ---- getfd/closefd ---- */

void monitor_fds_close_all(Monitor *mon)
{
    GHashTableIter iter;
    gpointer fd;

    g_hash_table_iter_init(&iter, mon->fds);
    while (g_hash_table_iter_next(&iter, NULL, &fd)) {
        close(GPOINTER_TO_INT(fd));
    }
    g_hash_table_remove_all(mon->fds);
}

const char *monitor_buffer_contents(Monitor *mon)
{
    return mon->capture ? mon->capture->str : "";
}

void monitor_buffer_clear(Monitor *mon)
{
    if (mon->capture) {
        g_string_truncate(mon->capture, 0);
    }
}

void monitor_free(Monitor *mon)
{
    if (!mon) {
        return;
    }
    if (mon->has_chr) {
        monitor_flush(mon);
        chr_fe_deinit(&mon->fe);
    }
    qmp_state_free(mon);
    monitor_fds_close_all(mon);
    g_hash_table_unref(mon->fds);
    readline_free(mon->rs);
    g_string_free(mon->outbuf, TRUE);
    g_string_free(mon->line, TRUE);
    if (mon->capture) {
        g_string_free(mon->capture, TRUE);
    }
    g_free(mon);
}
