/*
 * aio=io_uring: one io_uring per file node, completions announced on the
 * FileAio eventfd (io_uring_register_eventfd). A kernel that has io_uring
 * switched off (kernel.io_uring_disabled, a seccomp filter) fails at setup,
 * and the error says so.
 */
#include "block/file-aio.h"
#include "util/error.h"
#include <liburing.h>

typedef struct IoUringEngine {
    struct io_uring ring;
} IoUringEngine;

static void *io_uring_engine_init(unsigned depth, int efd, GError **errp)
{
    IoUringEngine *e = g_new0(IoUringEngine, 1);
    int ret = io_uring_queue_init(depth, &e->ring, 0);
    if (ret < 0) {
        error_setg(errp, "aio=io_uring: the kernel refused to create an io_uring (%s); is it "
                         "disabled by kernel.io_uring_disabled or a seccomp filter? "
                         "Use aio=threads", g_strerror(-ret));
        g_free(e);
        return NULL;
    }
    ret = io_uring_register_eventfd(&e->ring, efd);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "aio=io_uring: cannot register the completion eventfd");
        io_uring_queue_exit(&e->ring);
        g_free(e);
        return NULL;
    }
    return e;
}

static int io_uring_engine_submit(void *engine, FileAioRequest *req)
{
    IoUringEngine *e = engine;
    struct io_uring_sqe *sqe = io_uring_get_sqe(&e->ring);
    if (!sqe) {
        return -EAGAIN; /* cannot happen: each request is submitted as soon as queued */
    }
    if (req->write) {
        io_uring_prep_writev(sqe, req->fd, req->iov, req->niov, req->offset);
    } else {
        io_uring_prep_readv(sqe, req->fd, req->iov, req->niov, req->offset);
    }
    io_uring_sqe_set_data(sqe, req);
    int ret = io_uring_submit(&e->ring);
    return ret == 1 ? 0 : (ret < 0 ? ret : -EIO);
}

static void io_uring_engine_reap(void *engine)
{
    IoUringEngine *e = engine;
    struct io_uring_cqe *cqe;
    while (io_uring_peek_cqe(&e->ring, &cqe) == 0) {
        file_aio_request_done(io_uring_cqe_get_data(cqe), cqe->res);
        io_uring_cqe_seen(&e->ring, cqe);
    }
}

static void io_uring_engine_cleanup(void *engine)
{
    IoUringEngine *e = engine;
    io_uring_queue_exit(&e->ring);
    g_free(e);
}

const FileAioEngineOps file_aio_io_uring_ops = {
    .name = "io_uring",
    .init = io_uring_engine_init,
    .submit = io_uring_engine_submit,
    .reap = io_uring_engine_reap,
    .cleanup = io_uring_engine_cleanup,
};
