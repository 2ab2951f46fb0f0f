/*
 * BlockBackend: the handle a device or a tool holds on a node graph. It adds
 * the guest-visible write cache setting (writethrough = flush after each
 * write), request accounting, and asynchronous requests: each blk_aio_* call
 * becomes a BlockAIOCB run on a shared worker pool; the completion callback is
 * delivered through g_main_context_invoke on the backend's context, or on the
 * worker when no context is attached. Synchronous calls run the driver
 * directly in the caller's thread.
 */
#include "block/block_int.h"
#include "util/error.h"

struct BlockBackend {
    BlockDriverState *bs;
    bool enable_write_cache;
    GMainContext *ctx;
    /*
     * Requests and their accounting touch only atomic counters; the lock is
     * taken when the last request in flight completes, to wake blk_drain().
     */
    GMutex lock;
    GCond drained;
    int in_flight;
    BlockAcctStats stats;
};

typedef enum { AIO_READ, AIO_WRITE, AIO_FLUSH, AIO_DISCARD, AIO_ZEROES } AIOType;

struct BlockAIOCB {
    BlockBackend *blk;
    AIOType type;
    int64_t offset;
    int64_t bytes;
    IOVector *qiov;
    int flags;
    BlockCompletionFunc *cb;
    void *opaque;
    int ret;
};

static GThreadPool *blk_pool;
static GOnce blk_pool_once = G_ONCE_INIT;

/*
 * On a worker, while a completion callback runs: where the first request that
 * the callback sends is kept, for this worker to run once the callback returns.
 * Handing it to the pool instead would wake another thread for every request
 * and leave this one to sleep (a futex wake-up and two context switches more
 * per request, which on a loaded host cost more than the I/O).
 */
static __thread bool worker_in_callback;
static __thread BlockAIOCB *worker_next;

BlockBackend *blk_new_with_bs(BlockDriverState *bs, bool writethrough)
{
    BlockBackend *blk = g_new0(BlockBackend, 1);
    blk->bs = bs;
    blk->enable_write_cache = !writethrough;
    g_mutex_init(&blk->lock);
    g_cond_init(&blk->drained);
    return blk;
}

BlockBackend *blk_new_open(const char *filename, const BlockOpenOptions *opts, int flags,
                           GError **errp)
{
    BlockDriverState *bs = bdrv_open(filename, opts, flags, errp);
    if (!bs) {
        return NULL;
    }
    return blk_new_with_bs(bs, opts ? opts->writethrough : false);
}

void blk_unref(BlockBackend *blk)
{
    if (!blk) {
        return;
    }
    blk_drain(blk);
    if (blk->bs && !blk->bs->read_only) {
        bdrv_flush(blk->bs);
    }
    bdrv_unref(blk->bs);
    g_mutex_clear(&blk->lock);
    g_cond_clear(&blk->drained);
    g_free(blk);
}

BlockDriverState *blk_bs(BlockBackend *blk)
{
    return blk->bs;
}

bool blk_enable_write_cache(BlockBackend *blk)
{
    return blk->enable_write_cache;
}

void blk_set_enable_write_cache(BlockBackend *blk, bool wce)
{
    blk->enable_write_cache = wce;
}

static int blk_check_range(BlockBackend *blk, int64_t offset, int64_t bytes)
{
    int64_t len = bdrv_getlength(blk->bs);
    if (len < 0) {
        return (int)len;
    }
    if (offset < 0 || bytes < 0 || offset > len || bytes > len - offset) {
        return -EIO;
    }
    return 0;
}

static void stat_add(uint64_t *counter, uint64_t n)
{
    __atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static uint64_t stat_get(const uint64_t *counter)
{
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

static void blk_account(BlockBackend *blk, AIOType type, int64_t bytes)
{
    switch (type) {
    case AIO_READ:
        stat_add(&blk->stats.rd_ops, 1);
        stat_add(&blk->stats.rd_bytes, bytes);
        break;
    case AIO_WRITE:
    case AIO_ZEROES:
        stat_add(&blk->stats.wr_ops, 1);
        stat_add(&blk->stats.wr_bytes, bytes);
        break;
    case AIO_FLUSH:
        stat_add(&blk->stats.flush_ops, 1);
        break;
    case AIO_DISCARD:
        stat_add(&blk->stats.discard_ops, 1);
        break;
    }
}

void blk_get_stats(BlockBackend *blk, BlockAcctStats *out)
{
    *out = (BlockAcctStats){
        .rd_bytes = stat_get(&blk->stats.rd_bytes),
        .wr_bytes = stat_get(&blk->stats.wr_bytes),
        .rd_ops = stat_get(&blk->stats.rd_ops),
        .wr_ops = stat_get(&blk->stats.wr_ops),
        .flush_ops = stat_get(&blk->stats.flush_ops),
        .discard_ops = stat_get(&blk->stats.discard_ops),
    };
}

int blk_preadv(BlockBackend *blk, int64_t offset, int64_t bytes, IOVector *qiov, int flags)
{
    int ret = blk_check_range(blk, offset, bytes);
    if (ret < 0) {
        return ret;
    }
    blk_account(blk, AIO_READ, bytes);
    return bdrv_preadv(blk->bs, offset, bytes, qiov, flags);
}

int blk_pwritev(BlockBackend *blk, int64_t offset, int64_t bytes, IOVector *qiov, int flags)
{
    int ret = blk_check_range(blk, offset, bytes);
    if (ret < 0) {
        return ret;
    }
    blk_account(blk, AIO_WRITE, bytes);
    ret = bdrv_pwritev(blk->bs, offset, bytes, qiov, flags & ~BDRV_REQ_FUA);
    if (ret == 0 && (!blk->enable_write_cache || (flags & BDRV_REQ_FUA))) {
        ret = bdrv_flush(blk->bs);
    }
    return ret;
}

int blk_pread(BlockBackend *blk, int64_t offset, int64_t bytes, void *buf)
{
    IOVector v;
    iovec_init_buf(&v, buf, bytes);
    return blk_preadv(blk, offset, bytes, &v, 0);
}

int blk_pwrite(BlockBackend *blk, int64_t offset, int64_t bytes, const void *buf, int flags)
{
    IOVector v;
    iovec_init_buf(&v, (void *)buf, bytes);
    return blk_pwritev(blk, offset, bytes, &v, flags);
}

int blk_pwrite_compressed(BlockBackend *blk, int64_t offset, int64_t bytes, const void *buf)
{
    int ret = blk_check_range(blk, offset, bytes);
    if (ret < 0) {
        return ret;
    }
    IOVector v;
    iovec_init_buf(&v, (void *)buf, bytes);
    blk_account(blk, AIO_WRITE, bytes);
    return bdrv_pwritev_compressed(blk->bs, offset, bytes, &v);
}

int blk_pwrite_zeroes(BlockBackend *blk, int64_t offset, int64_t bytes, int flags)
{
    int ret = blk_check_range(blk, offset, bytes);
    if (ret < 0) {
        return ret;
    }
    blk_account(blk, AIO_ZEROES, bytes);
    ret = bdrv_pwrite_zeroes(blk->bs, offset, bytes, flags);
    if (ret == 0 && !blk->enable_write_cache) {
        ret = bdrv_flush(blk->bs);
    }
    return ret;
}

int blk_pdiscard(BlockBackend *blk, int64_t offset, int64_t bytes)
{
    int ret = blk_check_range(blk, offset, bytes);
    if (ret < 0) {
        return ret;
    }
    blk_account(blk, AIO_DISCARD, bytes);
    return bdrv_pdiscard(blk->bs, offset, bytes);
}

int blk_flush(BlockBackend *blk)
{
    blk_account(blk, AIO_FLUSH, 0);
    return bdrv_flush(blk->bs);
}

int64_t blk_getlength(BlockBackend *blk)
{
    return bdrv_getlength(blk->bs);
}

bool blk_truncate(BlockBackend *blk, int64_t offset, bool exact, PreallocMode prealloc,
                  GError **errp)
{
    return bdrv_truncate(blk->bs, offset, exact, prealloc, errp);
}

/* ---- asynchronous requests ---- */

void blk_set_aio_context(BlockBackend *blk, GMainContext *ctx)
{
    blk->ctx = ctx;
}

static gboolean blk_aio_complete(gpointer data)
{
    BlockAIOCB *acb = data;
    BlockBackend *blk = acb->blk;
    acb->cb(acb->opaque, acb->ret);
    g_free(acb);
    if (g_atomic_int_dec_and_test(&blk->in_flight)) {
        /* Under the lock, so that a blk_drain() between its check and its wait hears it. */
        g_mutex_lock(&blk->lock);
        g_cond_broadcast(&blk->drained);
        g_mutex_unlock(&blk->lock);
    }
    return G_SOURCE_REMOVE;
}

static void blk_aio_run(BlockAIOCB *acb)
{
    BlockBackend *blk = acb->blk;
    switch (acb->type) {
    case AIO_READ:
        acb->ret = blk_preadv(blk, acb->offset, acb->bytes, acb->qiov, acb->flags);
        break;
    case AIO_WRITE:
        acb->ret = blk_pwritev(blk, acb->offset, acb->bytes, acb->qiov, acb->flags);
        break;
    case AIO_FLUSH:
        acb->ret = blk_flush(blk);
        break;
    case AIO_DISCARD:
        acb->ret = blk_pdiscard(blk, acb->offset, acb->bytes);
        break;
    case AIO_ZEROES:
        acb->ret = blk_pwrite_zeroes(blk, acb->offset, acb->bytes, acb->flags);
        break;
    }
    if (blk->ctx) {
        g_main_context_invoke(blk->ctx, blk_aio_complete, acb);
    } else {
        worker_in_callback = true;
        blk_aio_complete(acb);
        worker_in_callback = false;
    }
}

static void blk_aio_worker(gpointer data, gpointer user_data)
{
    for (BlockAIOCB *acb = data; acb; acb = worker_next) {
        worker_next = NULL;
        blk_aio_run(acb);
    }
}

static gpointer blk_pool_init(gpointer unused)
{
    blk_pool = g_thread_pool_new(blk_aio_worker, NULL, 64, false, NULL);
    return NULL;
}

static BlockAIOCB *blk_aio_submit(BlockBackend *blk, AIOType type, int64_t offset, int64_t bytes,
                                  IOVector *qiov, int flags, BlockCompletionFunc *cb,
                                  void *opaque)
{
    g_once(&blk_pool_once, blk_pool_init, NULL);
    BlockAIOCB *acb = g_new0(BlockAIOCB, 1);
    *acb = (BlockAIOCB){ .blk = blk, .type = type, .offset = offset, .bytes = bytes,
                         .qiov = qiov, .flags = flags, .cb = cb, .opaque = opaque };
    g_atomic_int_inc(&blk->in_flight);
    if (worker_in_callback && !worker_next) {
        worker_next = acb;
    } else {
        g_thread_pool_push(blk_pool, acb, NULL);
    }
    return acb;
}

BlockAIOCB *blk_aio_preadv(BlockBackend *blk, int64_t offset, IOVector *qiov, int flags,
                           BlockCompletionFunc *cb, void *opaque)
{
    return blk_aio_submit(blk, AIO_READ, offset, qiov->size, qiov, flags, cb, opaque);
}

BlockAIOCB *blk_aio_pwritev(BlockBackend *blk, int64_t offset, IOVector *qiov, int flags,
                            BlockCompletionFunc *cb, void *opaque)
{
    return blk_aio_submit(blk, AIO_WRITE, offset, qiov->size, qiov, flags, cb, opaque);
}

BlockAIOCB *blk_aio_flush(BlockBackend *blk, BlockCompletionFunc *cb, void *opaque)
{
    return blk_aio_submit(blk, AIO_FLUSH, 0, 0, NULL, 0, cb, opaque);
}

BlockAIOCB *blk_aio_pdiscard(BlockBackend *blk, int64_t offset, int64_t bytes,
                             BlockCompletionFunc *cb, void *opaque)
{
    return blk_aio_submit(blk, AIO_DISCARD, offset, bytes, NULL, 0, cb, opaque);
}

BlockAIOCB *blk_aio_pwrite_zeroes(BlockBackend *blk, int64_t offset, int64_t bytes, int flags,
                                  BlockCompletionFunc *cb, void *opaque)
{
    return blk_aio_submit(blk, AIO_ZEROES, offset, bytes, NULL, flags, cb, opaque);
}

void blk_drain(BlockBackend *blk)
{
    g_mutex_lock(&blk->lock);
    while (g_atomic_int_get(&blk->in_flight) > 0) {
        if (blk->ctx && g_main_context_is_owner(blk->ctx)) {
            /* Completions are queued on our own context: dispatch them while waiting. */
            g_mutex_unlock(&blk->lock);
            g_main_context_iteration(blk->ctx, true);
            g_mutex_lock(&blk->lock);
        } else {
            g_cond_wait(&blk->drained, &blk->lock);
        }
    }
    g_mutex_unlock(&blk->lock);
}
