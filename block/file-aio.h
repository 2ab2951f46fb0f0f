/*
 * Kernel-queued I/O for the file protocol (aio=native, aio=io_uring). An
 * engine (Linux AIO through libaio, io_uring through liburing) queues
 * preadv/pwritev requests and signals completions on one eventfd.
 *
 * The driver seam is synchronous (the BlockBackend's worker pool supplies the
 * parallelism), so each caller submits its request and waits for it; whichever
 * waiter finds no other reaper blocks on the eventfd and harvests every
 * completion that is ready, waking the others (leader/follower). No thread
 * polls the engine, and the main loop never blocks on it.
 */
#ifndef BLOCK_FILE_AIO_H
#define BLOCK_FILE_AIO_H

#include "block/block.h"
#include <sys/uio.h>

typedef struct FileAio FileAio;

typedef struct FileAioRequest {
    bool write;
    int fd;
    int64_t offset;
    const struct iovec *iov;
    int niov;
    ssize_t result; /* bytes transferred or -errno, valid once done */
    bool done;
} FileAioRequest;

typedef struct FileAioEngineOps {
    const char *name; /* as in aio=NAME */
    /* Set up a queue of depth entries signalling eventfd efd. */
    void *(*init)(unsigned depth, int efd, GError **errp);
    /* Queue req; 0 or -errno. Called with the FileAio lock held. */
    int (*submit)(void *engine, FileAioRequest *req);
    /* Complete every request that is ready (file_aio_request_done each). Lock held. */
    void (*reap)(void *engine);
    void (*cleanup)(void *engine);
} FileAioEngineOps;

extern const FileAioEngineOps file_aio_linux_ops;
extern const FileAioEngineOps file_aio_io_uring_ops;

/* Start the engine picked by flags' BDRV_O_NATIVE_AIO / BDRV_O_IO_URING; NULL with errp. */
FileAio *file_aio_new(int flags, GError **errp);
void file_aio_free(FileAio *aio);
/* One preadv/pwritev through the engine: bytes transferred or -errno. */
ssize_t file_aio_rw(FileAio *aio, int fd, bool write, int64_t offset, const struct iovec *iov,
                    int niov);

static inline void file_aio_request_done(FileAioRequest *req, ssize_t result)
{
    req->result = result;
    req->done = true;
}

#endif
