/*
 * File-descriptor plumbing shared by the stdio, pty and socket backends:
 * a main-loop reader that respects the frontend's can_read(), and write
 * helpers for blocking and non-blocking descriptors.
 */
#include "chardev/char-internal.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib-unix.h>

#define CHR_MAX_MSGFDS 16

/* read() that also takes descriptors passed with the data (unix sockets). */
static ssize_t chr_fd_recv(ChrFdReader *r, int fd, uint8_t *buf, size_t len)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * CHR_MAX_MSGFDS)];
    } control;
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = &control,
                         .msg_controllen = sizeof(control)};
    ssize_t n;

    if (!r->fds_received) {
        return read(fd, buf, len);
    }
    n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) {
        return n;
    }
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        int fds[CHR_MAX_MSGFDS];
        int nfds;

        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
            c->cmsg_len < CMSG_LEN(0)) {
            continue;
        }
        nfds = MIN((c->cmsg_len - CMSG_LEN(0)) / sizeof(int), (size_t)CHR_MAX_MSGFDS);
        memcpy(fds, CMSG_DATA(c), nfds * sizeof(int));
        r->fds_received(r->chr, fds, nfds);
    }
    return n;
}

static gboolean chr_fd_reader_ready(int fd, GIOCondition cond, gpointer opaque)
{
    ChrFdReader *r = opaque;
    uint8_t buf[4096];
    int room = chr_be_can_read(r->chr);
    ssize_t n;

    if (room <= 0) {
        /* Paused: the frontend calls chr_fe_accept_input() when it has room. */
        r->watch = 0;
        return G_SOURCE_REMOVE;
    }
    n = chr_fd_recv(r, fd, buf, MIN((size_t)room, sizeof(buf)));
    if (n > 0) {
        /* The frontend may close us from its read handler: touch nothing after. */
        chr_be_write(r->chr, buf, n);
        return G_SOURCE_CONTINUE;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN) && !(cond & (G_IO_HUP | G_IO_ERR))) {
        return G_SOURCE_CONTINUE;
    }
    r->watch = 0;
    r->active = false;
    r->hangup(r->chr);
    return G_SOURCE_REMOVE;
}

void chr_fd_reader_start(ChrFdReader *r, Chardev *chr, int fd, void (*hangup)(Chardev *chr))
{
    chr_fd_reader_stop(r);
    r->chr = chr;
    r->fd = fd;
    r->hangup = hangup;
    r->active = true;
    chr_fd_reader_resume(r);
}

void chr_fd_reader_stop(ChrFdReader *r)
{
    if (r->watch) {
        g_source_remove(r->watch);
        r->watch = 0;
    }
    r->active = false;
}

void chr_fd_reader_resume(ChrFdReader *r)
{
    if (r->active && !r->watch) {
        r->watch = g_unix_fd_add(r->fd, G_IO_IN | G_IO_HUP | G_IO_ERR, chr_fd_reader_ready, r);
    }
}

bool chr_fd_set_nonblock(int fd)
{
    int flags = fcntl(fd, F_GETFL);

    return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

int chr_fd_write_nonblock(int fd, const uint8_t *buf, int len)
{
    ssize_t n;

    do {
        n = write(fd, buf, len);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN) {
        return 0;
    }
    return n;
}

int chr_fd_write_full(int fd, const uint8_t *buf, int len)
{
    int done = 0;

    while (done < len) {
        ssize_t n = write(fd, buf + done, len - done);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            poll(&pfd, 1, -1);
            continue;
        }
        if (n < 0) {
            return -1;
        }
        done += n;
    }
    return len;
}
