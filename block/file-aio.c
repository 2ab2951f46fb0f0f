/*
 * The engine-independent half of aio=native / aio=io_uring: the eventfd, the
 * lock around the engine, and the leader/follower wait described in
 * file-aio.h. An engine that the build lacks, or that the kernel refuses
 * (io_uring disabled by sysctl or seccomp, Linux AIO limits), is reported by
 * name with the option that works instead.
 */
#include "config-host.h"
#include "block/file-aio.h"
#include "util/error.h"
#include <sys/eventfd.h>
#include <unistd.h>

/* Enough for the worker pool's threads plus synchronous callers. */
#define FILE_AIO_DEPTH 128

struct FileAio {
    const FileAioEngineOps *ops;
    void *engine;
    int efd;
    GMutex lock;
    GCond completed;
    bool reaping;
};

static const FileAioEngineOps *file_aio_pick(int flags, GError **errp)
{
    const char *name = (flags & BDRV_O_IO_URING) ? "io_uring" : "native";
    const FileAioEngineOps *ops = NULL;
#if CONFIG_IO_URING
    if (flags & BDRV_O_IO_URING) {
        ops = &file_aio_io_uring_ops;
    }
#endif
#if CONFIG_LINUX_AIO
    if (flags & BDRV_O_NATIVE_AIO) {
        ops = &file_aio_linux_ops;
    }
#endif
    if (!ops) {
        error_setg(errp, "aio=%s is not available: this build of mimic lacks %s; "
                         "use aio=threads", name,
                   (flags & BDRV_O_IO_URING) ? "liburing" : "libaio");
    }
    return ops;
}

FileAio *file_aio_new(int flags, GError **errp)
{
    const FileAioEngineOps *ops = file_aio_pick(flags, errp);
    if (!ops) {
        return NULL;
    }
    int efd = eventfd(0, EFD_CLOEXEC);
    if (efd < 0) {
        error_setg_errno(errp, errno, "aio=%s: cannot create an eventfd", ops->name);
        return NULL;
    }
    void *engine = ops->init(FILE_AIO_DEPTH, efd, errp);
    if (!engine) {
        close(efd);
        return NULL;
    }
    FileAio *aio = g_new0(FileAio, 1);
    aio->ops = ops;
    aio->engine = engine;
    aio->efd = efd;
    g_mutex_init(&aio->lock);
    g_cond_init(&aio->completed);
    return aio;
}

void file_aio_free(FileAio *aio)
{
    if (!aio) {
        return;
    }
    aio->ops->cleanup(aio->engine);
    close(aio->efd);
    g_mutex_clear(&aio->lock);
    g_cond_clear(&aio->completed);
    g_free(aio);
}

/* Block until the kernel signals at least one completion (called without the lock). */
static void file_aio_wait_signal(FileAio *aio)
{
    uint64_t count;
    while (read(aio->efd, &count, sizeof(count)) < 0 && errno == EINTR) {
    }
}

ssize_t file_aio_rw(FileAio *aio, int fd, bool write, int64_t offset, const struct iovec *iov,
                    int niov)
{
    FileAioRequest req = { .write = write, .fd = fd, .offset = offset, .iov = iov,
                           .niov = niov };
    g_mutex_lock(&aio->lock);
    int ret = aio->ops->submit(aio->engine, &req);
    if (ret < 0) {
        g_mutex_unlock(&aio->lock);
        return ret;
    }
    while (!req.done) {
        if (aio->reaping) {
            g_cond_wait(&aio->completed, &aio->lock);
            continue;
        }
        aio->reaping = true;
        g_mutex_unlock(&aio->lock);
        file_aio_wait_signal(aio);
        g_mutex_lock(&aio->lock);
        aio->ops->reap(aio->engine);
        aio->reaping = false;
        g_cond_broadcast(&aio->completed);
    }
    g_mutex_unlock(&aio->lock);
    return req.result;
}
