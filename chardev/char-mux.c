/*
 * The multiplexer: one backend (usually stdio) shared by up to four frontends,
 * as QEMU's chardev/char-mux.c. Output from every frontend goes to the
 * backend; input goes to the frontend with the focus. Ctrl-A escapes:
 *
 *   C-a h, C-a ?  help          C-a c    cycle the focus (MUX_OUT, then MUX_IN)
 *   C-a x         quit          C-a b    break to the focused frontend
 *   C-a C-a       one C-a       C-a (anything else)  dropped
 *
 * Deliberate difference from QEMU: the focus starts at the FIRST frontend
 * attached (QEMU gives it to the last one that set handlers), so -nographic's
 * serial port, attached before the monitor, owns the terminal at start.
 *
 * Input for each frontend passes through a small ring so that a frontend that
 * cannot take input yet holds back the backend instead of losing bytes. Left
 * out: C-a s (commit disks) and C-a t (timestamps).
 */
#include "chardev/char-internal.h"

#define MUX_MAX_FE 4
#define MUX_BUF_SIZE 32
#define MUX_ESCAPE 0x01 /* Ctrl-A */

typedef struct MuxChardev {
    Chardev parent;
    CharFrontend backend; /* we are the backend's frontend */
    CharFrontend *fes[MUX_MAX_FE];
    int focus; /* slot, or -1 while no frontend is attached */
    bool got_escape;
    uint8_t buf[MUX_MAX_FE][MUX_BUF_SIZE];
    unsigned prod[MUX_MAX_FE], cons[MUX_MAX_FE];
} MuxChardev;

static void (*mux_quit_hook)(void);

void chardev_set_quit_hook(void (*quit)(void))
{
    mux_quit_hook = quit;
}

static void mux_send_event(MuxChardev *d, int slot, ChrEvent event)
{
    CharFrontend *fe = slot >= 0 ? d->fes[slot] : NULL;

    if (fe && fe->event) {
        fe->event(fe->opaque, event);
    }
}

static void mux_print(MuxChardev *d, const char *text)
{
    chr_fe_write_all(&d->backend, (const uint8_t *)text, strlen(text));
}

/* Hand buffered input to slot's frontend, as much as it takes. */
static void mux_flush(MuxChardev *d, int slot)
{
    CharFrontend *fe = d->fes[slot];

    while (fe && fe->read && d->prod[slot] != d->cons[slot]) {
        unsigned start = d->cons[slot] % MUX_BUF_SIZE;
        unsigned avail = d->prod[slot] - d->cons[slot];
        int room = fe->can_read ? fe->can_read(fe->opaque) : 0;
        int n = MIN((unsigned)MAX(room, 0), MIN(avail, MUX_BUF_SIZE - start));

        if (n <= 0) {
            break;
        }
        d->cons[slot] += n;
        fe->read(fe->opaque, &d->buf[slot][start], n);
        fe = d->fes[slot]; /* the read handler may have detached it */
    }
}

static void mux_accept_input(Chardev *chr)
{
    MuxChardev *d = (MuxChardev *)chr;

    for (int i = 0; i < MUX_MAX_FE; i++) {
        mux_flush(d, i);
    }
    if (d->focus >= 0 && d->prod[d->focus] - d->cons[d->focus] < MUX_BUF_SIZE) {
        chr_fe_accept_input(&d->backend);
    }
}

static void mux_cycle_focus(MuxChardev *d)
{
    int old = d->focus, next = old;

    if (old < 0) {
        return;
    }
    do {
        next = (next + 1) % MUX_MAX_FE;
    } while (!d->fes[next]);
    if (next == old) {
        return;
    }
    d->focus = next;
    mux_send_event(d, old, CHR_EVENT_MUX_OUT);
    mux_send_event(d, next, CHR_EVENT_MUX_IN);
    mux_flush(d, next);
}

static void mux_quit(MuxChardev *d)
{
    mux_print(d, "\r\nmimic: terminated (Ctrl-A x)\r\n");
    if (mux_quit_hook) {
        mux_quit_hook();
    } else {
        exit(0);
    }
}

/* One byte from the backend: true if it is data for the focused frontend. */
static bool mux_escape_byte(MuxChardev *d, uint8_t ch)
{
    if (!d->got_escape) {
        if (ch == MUX_ESCAPE) {
            d->got_escape = true;
            return false;
        }
        return true;
    }
    d->got_escape = false;
    switch (ch) {
    case MUX_ESCAPE:
        return true;
    case 'h':
    case '?':
        mux_print(d, "\r\n"
                     "C-a h    print this help\r\n"
                     "C-a x    exit emulator\r\n"
                     "C-a b    send break (magic sysrq)\r\n"
                     "C-a c    switch between console and monitor\r\n"
                     "C-a C-a  sends C-a\r\n");
        break;
    case 'x':
        mux_quit(d);
        break;
    case 'b':
        mux_send_event(d, d->focus, CHR_EVENT_BREAK);
        break;
    case 'c':
        mux_cycle_focus(d);
        break;
    default:
        break;
    }
    return false;
}

static int mux_can_read(void *opaque)
{
    MuxChardev *d = opaque;

    if (d->focus < 0) {
        return 0;
    }
    return MUX_BUF_SIZE - (d->prod[d->focus] - d->cons[d->focus]);
}

static void mux_read(void *opaque, const uint8_t *buf, int size)
{
    MuxChardev *d = opaque;

    for (int i = 0; i < size; i++) {
        int slot = d->focus;

        if (!mux_escape_byte(d, buf[i]) || slot < 0) {
            continue;
        }
        /*
         * can_read() promised room for the whole chunk to the focused slot; only
         * bytes after a C-a c can overflow the newly focused slot, and those are dropped.
         */
        if (d->prod[slot] - d->cons[slot] < MUX_BUF_SIZE) {
            d->buf[slot][d->prod[slot]++ % MUX_BUF_SIZE] = buf[i];
        }
    }
    for (int i = 0; i < MUX_MAX_FE; i++) {
        mux_flush(d, i);
    }
}

static void mux_event(void *opaque, ChrEvent event)
{
    MuxChardev *d = opaque;

    if (event == CHR_EVENT_OPENED) {
        d->parent.connected = true;
    } else if (event == CHR_EVENT_CLOSED) {
        d->parent.connected = false;
    }
    if (event == CHR_EVENT_BREAK || event == CHR_EVENT_MUX_IN || event == CHR_EVENT_MUX_OUT) {
        mux_send_event(d, d->focus, event);
        return;
    }
    for (int i = 0; i < MUX_MAX_FE; i++) {
        mux_send_event(d, i, event);
    }
}

void chardev_mux_frontend_ready(Chardev *chr, CharFrontend *fe)
{
    MuxChardev *d = (MuxChardev *)chr;

    if (!fe->event) {
        return;
    }
    /* Focus first, so a monitor can stay quiet on OPENED when in the background. */
    fe->event(fe->opaque, d->focus == fe->mux_index ? CHR_EVENT_MUX_IN : CHR_EVENT_MUX_OUT);
    if (chr->connected) {
        fe->event(fe->opaque, CHR_EVENT_OPENED);
    }
}

static int mux_write(Chardev *chr, const uint8_t *buf, int len)
{
    MuxChardev *d = (MuxChardev *)chr;

    /* The backend's write_all already waited for a slow peer: do not wait twice. */
    return chr_fe_write_all(&d->backend, buf, len) < 0 ? -1 : len;
}

static bool mux_attach(Chardev *chr, CharFrontend *fe, GError **errp)
{
    MuxChardev *d = (MuxChardev *)chr;

    for (int i = 0; i < MUX_MAX_FE; i++) {
        if (!d->fes[i]) {
            d->fes[i] = fe;
            d->prod[i] = d->cons[i] = 0;
            fe->mux_index = i;
            if (d->focus < 0) {
                d->focus = i;
            }
            return true;
        }
    }
    error_setg(errp, "chardev '%s': a mux is shared by at most %d devices", chr->label, MUX_MAX_FE);
    return false;
}

static void mux_detach(Chardev *chr, CharFrontend *fe)
{
    MuxChardev *d = (MuxChardev *)chr;
    int slot = fe->mux_index;

    if (slot < 0 || slot >= MUX_MAX_FE || d->fes[slot] != fe) {
        return;
    }
    d->fes[slot] = NULL;
    if (d->focus == slot) {
        d->focus = -1;
        for (int i = 1; i <= MUX_MAX_FE; i++) {
            int next = (slot + i) % MUX_MAX_FE;
            if (d->fes[next]) {
                d->focus = next;
                mux_send_event(d, next, CHR_EVENT_MUX_IN);
                break;
            }
        }
    }
}

static char *mux_describe(Chardev *chr)
{
    return g_strdup("mux");
}

static void mux_close(Chardev *chr)
{
    MuxChardev *d = (MuxChardev *)chr;

    for (int i = 0; i < MUX_MAX_FE; i++) {
        if (d->fes[i]) {
            d->fes[i]->chr = NULL;
            d->fes[i]->mux_index = -1;
        }
    }
    chr_fe_deinit(&d->backend);
}

static bool mux_open(Chardev *chr, KeyValList *opts, GError **errp)
{
    error_setg(errp, "a mux is made with mux=on or mon:, not as a backend of its own");
    return false;
}

static const ChardevClass char_mux_class = {
    .name = "mux",
    .instance_size = sizeof(MuxChardev),
    .open = mux_open,
    .write = mux_write,
    .accept_input = mux_accept_input,
    .attach = mux_attach,
    .detach = mux_detach,
    .describe = mux_describe,
    .close = mux_close,
};

Chardev *chardev_mux_new(const char *label, Chardev *backend, GError **errp)
{
    MuxChardev *d;

    if (!chardev_check_new_label(label, errp)) {
        return NULL;
    }
    d = (MuxChardev *)chardev_alloc(&char_mux_class, label);
    d->focus = -1;
    if (!chr_fe_init(&d->backend, backend, errp)) {
        g_free(d->parent.label);
        g_free(d);
        return NULL;
    }
    chardev_add(&d->parent);
    chr_fe_set_handlers(&d->backend, mux_can_read, mux_read, mux_event, d);
    return &d->parent;
}
