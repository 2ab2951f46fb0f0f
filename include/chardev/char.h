/*
 * Character devices: byte streams between a frontend (a UART, the monitor)
 * and a host backend (stdio, file, pty, unix/tcp socket, null, or the stdio
 * multiplexer that shares one terminal between several frontends with Ctrl-A
 * escapes). All callbacks run in the main loop with the big lock held.
 */
#ifndef CHARDEV_CHAR_H
#define CHARDEV_CHAR_H

#include "util/osdep.h"
#include "util/option.h"

typedef struct Chardev Chardev;
typedef struct CharFrontend CharFrontend;

typedef enum ChrEvent {
    CHR_EVENT_OPENED,  /* a peer connected (socket) or the backend is ready */
    CHR_EVENT_CLOSED,  /* the peer went away */
    CHR_EVENT_BREAK,   /* serial break (Ctrl-A b on the mux) */
    CHR_EVENT_MUX_IN,  /* this frontend now has the mux's focus */
    CHR_EVENT_MUX_OUT, /* this frontend lost the focus */
} ChrEvent;

/* How many bytes the frontend can take now (0 = none). */
typedef int (*ChrCanReadHandler)(void *opaque);
typedef void (*ChrReadHandler)(void *opaque, const uint8_t *buf, int size);
typedef void (*ChrEventHandler)(void *opaque, ChrEvent event);

struct CharFrontend {
    Chardev *chr;
    ChrCanReadHandler can_read;
    ChrReadHandler read;
    ChrEventHandler event;
    void *opaque;
    int mux_index; /* slot on a mux, or -1 */
};

typedef struct ChardevClass {
    const char *name; /* backend name as in -chardev NAME,... */
    size_t instance_size;
    /* Parse the backend's own options (path=, host=, ...) from opts and open it. */
    bool (*open)(Chardev *chr, KeyValList *opts, GError **errp);
    /* Write what can be written now; returns bytes taken or -1. */
    int (*write)(Chardev *chr, const uint8_t *buf, int len);
    /* The frontend can take input again after returning 0 from can_read. */
    void (*accept_input)(Chardev *chr);
    /* A frontend attached (mux: one more frontend). */
    bool (*attach)(Chardev *chr, CharFrontend *fe, GError **errp);
    void (*detach)(Chardev *chr, CharFrontend *fe);
    /* Text for info chardev (e.g. "pty:/dev/pts/3", "unix:/tmp/s,server=on"). */
    char *(*describe)(Chardev *chr);
    void (*close)(Chardev *chr);
    /* A descriptor the peer passed with its latest data (SCM_RIGHTS), now the caller's; or -1. */
    int (*get_msgfd)(Chardev *chr);
} ChardevClass;

struct Chardev {
    const ChardevClass *cls;
    char *label;
    CharFrontend *fe; /* single frontend (not used by the mux) */
    bool connected;
    char *logfile; /* logfile= copy of output */
    int log_fd;
};

void chardev_class_register(const ChardevClass *cls);

/* -chardev BACKEND,id=ID,...  */
Chardev *chardev_new_from_spec(const char *spec, GError **errp);
/*
 * The legacy forms used by -serial, -monitor, -qmp, -gdb: "stdio", "mon:stdio", "null",
 * "none", "pty", "file:PATH", "unix:PATH[,server=on,wait=off]", "tcp:HOST:PORT[,server=on,...]",
 * "chardev:ID". label is the id to give a newly created one. Returns NULL for "none".
 */
Chardev *chardev_new_legacy(const char *label, const char *spec, GError **errp);
Chardev *chardev_find(const char *id);
/* All chardevs, for info chardev: "label: description" lines. */
char *chardev_info_string(void);
void chardev_close_all(void);
/* stdio in raw mode (for -nographic / mon:stdio): restore the terminal at exit. */
void chardev_stdio_restore_terminal(void);

/* Frontend side. */
bool chr_fe_init(CharFrontend *fe, Chardev *chr, GError **errp);
void chr_fe_set_handlers(CharFrontend *fe, ChrCanReadHandler can_read, ChrReadHandler read,
                         ChrEventHandler event, void *opaque);
void chr_fe_deinit(CharFrontend *fe);
/* Write all of buf, waiting briefly for a slow peer; returns bytes written or -1. */
int chr_fe_write_all(CharFrontend *fe, const uint8_t *buf, int len);
int chr_fe_printf(CharFrontend *fe, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void chr_fe_accept_input(CharFrontend *fe);
/*
 * Take a file descriptor the peer sent over a unix socket (SCM_RIGHTS) along
 * with the data just read; the caller owns it. -1 when none came, or the
 * backend cannot carry descriptors. Call from the read handler.
 */
int chr_fe_get_msgfd(CharFrontend *fe);
static inline bool chr_fe_backend_connected(CharFrontend *fe)
{
    return fe->chr != NULL;
}

/*
 * The mux: a backend shared by several frontends (serial0 and the monitor on
 * -nographic's stdio). Ctrl-A c cycles the focus, Ctrl-A x quits (it calls the quit
 * hook), Ctrl-A h prints help, Ctrl-A Ctrl-A sends one Ctrl-A, Ctrl-A b sends a break.
 */
Chardev *chardev_mux_new(const char *label, Chardev *backend, GError **errp);
void chardev_set_quit_hook(void (*quit)(void));

#endif
