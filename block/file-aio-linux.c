/*
 * aio=native: Linux AIO (io_submit/io_getevents through libaio). The kernel
 * only queues O_DIRECT requests asynchronously, which is why the file
 * protocol accepts aio=native only with cache.direct=on (as QEMU does).
 */
#include "block/file-aio.h"
#include "util/error.h"
#include <libaio.h>

typedef struct LinuxAioEngine {
    io_context_t ctx;
    int efd;
} LinuxAioEngine;

static void *linux_aio_init(unsigned depth, int efd, GError **errp)
{
    LinuxAioEngine *e = g_new0(LinuxAioEngine, 1);
    int ret = io_setup(depth, &e->ctx);
    if (ret < 0) {
        error_setg(errp, "aio=native: cannot set up a Linux AIO context (%s); see "
                         "/proc/sys/fs/aio-max-nr, or use aio=threads", g_strerror(-ret));
        g_free(e);
        return NULL;
    }
    e->efd = efd;
    return e;
}

static int linux_aio_submit(void *engine, FileAioRequest *req)
{
    LinuxAioEngine *e = engine;
    struct iocb cb;
    struct iocb *cbs[1] = { &cb };
    if (req->write) {
        io_prep_pwritev(&cb, req->fd, req->iov, req->niov, req->offset);
    } else {
        io_prep_preadv(&cb, req->fd, req->iov, req->niov, req->offset);
    }
    io_set_eventfd(&cb, e->efd);
    cb.data = req;
    /* The kernel copies the iocb at submission: cb may live on this stack. */
    int ret = io_submit(e->ctx, 1, cbs);
    return ret == 1 ? 0 : (ret < 0 ? ret : -EIO);
}

static void linux_aio_reap(void *engine)
{
    LinuxAioEngine *e = engine;
    struct io_event events[32];
    struct timespec no_wait = { 0 };
    int n;
    do {
        n = io_getevents(e->ctx, 0, ARRAY_SIZE(events), events, &no_wait);
        for (int i = 0; i < n; i++) {
            /* res carries the byte count, or -errno, in an unsigned long. */
            file_aio_request_done(events[i].data, (ssize_t)(long)events[i].res);
        }
    } while (n == (int)ARRAY_SIZE(events));
}

static void linux_aio_cleanup(void *engine)
{
    LinuxAioEngine *e = engine;
    io_destroy(e->ctx);
    g_free(e);
}

const FileAioEngineOps file_aio_linux_ops = {
    .name = "native",
    .init = linux_aio_init,
    .submit = linux_aio_submit,
    .reap = linux_aio_reap,
    .cleanup = linux_aio_cleanup,
};
