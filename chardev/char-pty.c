/*
 * The pty backend: a pseudo-terminal whose slave (/dev/pts/N) a person opens
 * with screen, minicom or cat. As QEMU's char-pty.c: the slave is set raw and
 * closed again, so the master shows POLLHUP while nobody has the slave open;
 * a one-second timer watches for that to change (OPENED/CLOSED), and output
 * written while nobody listens is dropped rather than blocking the guest.
 */
#include "chardev/char-internal.h"
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#define PTY_POLL_MS 1000

typedef struct PtyChardev {
    Chardev parent;
    int master;
    char *slave_path;
    ChrFdReader reader;
    guint timer;
} PtyChardev;

static bool pty_slave_is_open(PtyChardev *s)
{
    struct pollfd pfd = {.fd = s->master, .events = POLLOUT};

    return poll(&pfd, 1, 0) >= 0 && !(pfd.revents & POLLHUP);
}

static void pty_disconnect(Chardev *chr)
{
    PtyChardev *s = (PtyChardev *)chr;

    chr_fd_reader_stop(&s->reader);
    chr_be_event(chr, CHR_EVENT_CLOSED);
}

static gboolean pty_poll(gpointer opaque)
{
    PtyChardev *s = opaque;
    Chardev *chr = &s->parent;
    bool open = pty_slave_is_open(s);

    if (open && !chr->connected) {
        chr_fd_reader_start(&s->reader, chr, s->master, pty_disconnect);
        chr_be_event(chr, CHR_EVENT_OPENED);
    } else if (!open && chr->connected) {
        pty_disconnect(chr);
    }
    return G_SOURCE_CONTINUE;
}

static bool pty_open(Chardev *chr, KeyValList *opts, GError **errp)
{
    PtyChardev *s = (PtyChardev *)chr;
    struct termios tty;
    int slave;

    if (!keyval_check_all_used(opts, CHR_COMMON_OPTS, errp)) {
        return false;
    }
    if (openpty(&s->master, &slave, NULL, NULL, NULL) < 0) {
        error_setg_errno(errp, errno, "chardev '%s': cannot create a pty", chr->label);
        return false;
    }
    if (tcgetattr(slave, &tty) == 0) {
        cfmakeraw(&tty);
        tcsetattr(slave, TCSAFLUSH, &tty);
    }
    s->slave_path = g_strdup(ttyname(slave));
    close(slave);
    if (!s->slave_path || !chr_fd_set_nonblock(s->master) ||
        fcntl(s->master, F_SETFD, FD_CLOEXEC) < 0) {
        error_setg(errp, "chardev '%s': cannot set up the pty", chr->label);
        close(s->master);
        g_free(s->slave_path);
        return false;
    }
    fprintf(stderr, "char device redirected to %s (label %s)\n", s->slave_path, chr->label);
    s->timer = g_timeout_add(PTY_POLL_MS, pty_poll, s);
    return true;
}

static int pty_write(Chardev *chr, const uint8_t *buf, int len)
{
    PtyChardev *s = (PtyChardev *)chr;
    int n;

    /* The slave may have been opened since the last poll: check now. */
    if (!chr->connected && !pty_slave_is_open(s)) {
        return len;
    }
    n = chr_fd_write_nonblock(s->master, buf, len);
    if (n < 0) {
        /* EIO: the slave went away; the timer or the reader reports CLOSED. */
        return len;
    }
    return n;
}

static void pty_accept_input(Chardev *chr)
{
    chr_fd_reader_resume(&((PtyChardev *)chr)->reader);
}

static char *pty_describe(Chardev *chr)
{
    return g_strdup_printf("pty:%s", ((PtyChardev *)chr)->slave_path);
}

static void pty_close(Chardev *chr)
{
    PtyChardev *s = (PtyChardev *)chr;

    chr_fd_reader_stop(&s->reader);
    g_source_remove(s->timer);
    close(s->master);
    g_free(s->slave_path);
}

const ChardevClass char_pty_class = {
    .name = "pty",
    .instance_size = sizeof(PtyChardev),
    .open = pty_open,
    .write = pty_write,
    .accept_input = pty_accept_input,
    .describe = pty_describe,
    .close = pty_close,
};
