/*
 * What the chardev backends share with the core (char.c) and with each other:
 * delivery of input and events to the frontend, the built-in classes, and a
 * reader that feeds a file descriptor to the frontend with flow control
 * (char-fd.c). Not a public header: frontends see include/chardev/char.h only.
 */
#ifndef CHARDEV_CHAR_INTERNAL_H
#define CHARDEV_CHAR_INTERNAL_H

#include "chardev/char.h"
#include "util/error.h"

/* Options the core takes before a backend's open() sees the list. */
#define CHR_COMMON_OPTS "id, logfile, logappend, mux"

/* Backend side: hand input and events to the (single) frontend. */
int chr_be_can_read(Chardev *chr);
void chr_be_write(Chardev *chr, const uint8_t *buf, int len);
/* OPENED/CLOSED also update chr->connected; a repeated one is swallowed. */
void chr_be_event(Chardev *chr, ChrEvent event);

/* The core's bookkeeping, used by chardev_mux_new(). */
Chardev *chardev_alloc(const ChardevClass *cls, const char *label);
void chardev_add(Chardev *chr);
/* Close and free one chardev; its frontends are left without a backend. */
void chardev_destroy(Chardev *chr);
/* A well-formed id that no chardev uses yet. */
bool chardev_check_new_label(const char *label, GError **errp);

/* char-mux.c: a mux frontend just set its handlers; tell it where the focus is. */
void chardev_mux_frontend_ready(Chardev *chr, CharFrontend *fe);

/*
 * The built-in backends. The core registers them itself rather than by
 * MIMIC_INIT constructors: from a static library the linker would drop a
 * backend's object file that nothing references, and with it the constructor.
 */
extern const ChardevClass char_null_class;
extern const ChardevClass char_file_class;
extern const ChardevClass char_stdio_class;
extern const ChardevClass char_pty_class;
extern const ChardevClass char_socket_class;

/*
 * char-fd.c: read an fd into the frontend, never more than can_read() allows.
 * When the frontend has no room the watch is removed (no busy loop) and comes
 * back with chr_fd_reader_resume(), which the backend calls from accept_input.
 */
typedef struct ChrFdReader {
    Chardev *chr;
    int fd;
    bool active;                  /* started and not hung up */
    guint watch;                  /* 0 while paused or stopped */
    void (*hangup)(Chardev *chr); /* EOF or read error; the reader is stopped */
    /*
     * Set before chr_fd_reader_start() on a unix socket: read with recvmsg()
     * and hand descriptors passed with the data (SCM_RIGHTS) here, before the
     * data goes to the frontend. Without it they are closed.
     */
    void (*fds_received)(Chardev *chr, const int *fds, int nfds);
} ChrFdReader;

void chr_fd_reader_start(ChrFdReader *r, Chardev *chr, int fd, void (*hangup)(Chardev *chr));
void chr_fd_reader_stop(ChrFdReader *r);
void chr_fd_reader_resume(ChrFdReader *r);

bool chr_fd_set_nonblock(int fd);
/* Write what fits now: bytes written, 0 if the fd would block, -1 on error (errno). */
int chr_fd_write_nonblock(int fd, const uint8_t *buf, int len);
/* Write everything, waiting in poll() if the fd is non-blocking; len or -1. */
int chr_fd_write_full(int fd, const uint8_t *buf, int len);

#endif
