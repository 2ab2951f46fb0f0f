/*
 * The stdio backend: input from fd 0, output to fd 1. A terminal on stdin is
 * put in raw mode (QEMU's qemu_chr_set_echo_stdio(): no echo, no line editing,
 * output post-processing kept so "\n" still returns the carriage), keeping
 * ISIG only with signal=on, the default. Only one stdio chardev may exist.
 *
 * Unlike QEMU, stdin is not made non-blocking: on a terminal fd 0 and fd 1
 * usually share one open file description, and O_NONBLOCK there would make
 * stdout and stderr writes fail with EAGAIN. We read only after poll() says
 * there is something, so blocking reads never wait.
 */
#include "chardev/char-internal.h"
#include <termios.h>
#include <unistd.h>

typedef struct StdioChardev {
    Chardev parent;
    ChrFdReader reader;
} StdioChardev;

static bool stdio_in_use;
static bool stdio_termios_saved;
static struct termios stdio_saved_termios;

void chardev_stdio_restore_terminal(void)
{
    if (stdio_termios_saved) {
        tcsetattr(STDIN_FILENO, TCSANOW, &stdio_saved_termios);
    }
}

static void stdio_set_raw(bool allow_signals)
{
    static bool atexit_done;
    struct termios tty;

    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &stdio_saved_termios) < 0) {
        return;
    }
    stdio_termios_saved = true;
    if (!atexit_done) {
        atexit(chardev_stdio_restore_terminal);
        atexit_done = true;
    }
    tty = stdio_saved_termios;
    tty.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    tty.c_oflag |= OPOST;
    tty.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    if (!allow_signals) {
        tty.c_lflag &= ~ISIG;
    }
    tty.c_cflag &= ~(CSIZE | PARENB);
    tty.c_cflag |= CS8;
    tty.c_cc[VMIN] = 1;
    tty.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &tty);
}

static void stdio_hangup(Chardev *chr)
{
    /* stdin reached EOF (or failed): as QEMU, the frontend hears CLOSED. */
    chr_be_event(chr, CHR_EVENT_CLOSED);
}

static bool stdio_open(Chardev *chr, KeyValList *opts, GError **errp)
{
    StdioChardev *s = (StdioChardev *)chr;
    bool allow_signals;

    if (!keyval_take_bool(opts, "signal", true, &allow_signals, errp) ||
        !keyval_check_all_used(opts, "signal, " CHR_COMMON_OPTS, errp)) {
        return false;
    }
    if (stdio_in_use) {
        error_setg(errp,
                   "chardev '%s': stdio is already used by another chardev; share it with "
                   "mux=on (or mon:stdio) instead",
                   chr->label);
        return false;
    }
    stdio_in_use = true;
    stdio_set_raw(allow_signals);
    chr_fd_reader_start(&s->reader, chr, STDIN_FILENO, stdio_hangup);
    chr->connected = true;
    return true;
}

static int stdio_write(Chardev *chr, const uint8_t *buf, int len)
{
    return chr_fd_write_full(STDOUT_FILENO, buf, len);
}

static void stdio_accept_input(Chardev *chr)
{
    chr_fd_reader_resume(&((StdioChardev *)chr)->reader);
}

static char *stdio_describe(Chardev *chr)
{
    return g_strdup("stdio");
}

static void stdio_close(Chardev *chr)
{
    chr_fd_reader_stop(&((StdioChardev *)chr)->reader);
    chardev_stdio_restore_terminal();
    stdio_termios_saved = false;
    stdio_in_use = false;
}

const ChardevClass char_stdio_class = {
    .name = "stdio",
    .instance_size = sizeof(StdioChardev),
    .open = stdio_open,
    .write = stdio_write,
    .accept_input = stdio_accept_input,
    .describe = stdio_describe,
    .close = stdio_close,
};
