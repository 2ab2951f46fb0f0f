/*
 * mimic-img bench: qemu-img bench's flags, defaults and output. count requests
 * of buffer_size bytes go out with depth of them in flight, starting at
 * offset and moving step bytes per request (wrapping at the image's end);
 * with --flush-interval=N a flush follows every N writes, after the writes
 * before it completed unless --no-drain. Requests go through the
 * BlockBackend's asynchronous calls with no main context attached, as a
 * device uses them: each completion runs on the worker that did the request
 * and sends the next one from there.
 */
#include "img-common.h"
#include <getopt.h>
#include <time.h>

typedef struct BenchState {
    GMutex lock;          /* completions arrive on worker threads */
    GCond idle;           /* signalled when nothing is in flight any more */
    BlockBackend *blk;
    int64_t image_size;
    int64_t offset;       /* of the next request */
    int64_t step;
    int bufsize;
    int depth;
    bool write;
    int flush_interval;
    bool drain_on_flush;
    int to_send;          /* requests not yet sent */
    int in_flight;
    int since_flush;      /* requests sent since the last flush */
    bool flushing;        /* a drained flush is waiting or running */
    int failed;           /* first error, -errno */
    IOVector *bufs;       /* one per request slot */
    bool *slot_busy;
} BenchState;

typedef struct BenchRequest {
    BenchState *b;
    int slot;             /* -1 for a flush */
} BenchRequest;

static void bench_submit_more(BenchState *b);

static void bench_done(void *opaque, int ret)
{
    BenchRequest *req = opaque;
    BenchState *b = req->b;
    g_mutex_lock(&b->lock);
    if (ret < 0 && !b->failed) {
        b->failed = ret;
    }
    b->in_flight--;
    if (req->slot >= 0) {
        b->slot_busy[req->slot] = false;
    } else {
        b->flushing = false;
    }
    g_free(req);
    bench_submit_more(b);
    if (b->in_flight == 0) {
        g_cond_signal(&b->idle);
    }
    g_mutex_unlock(&b->lock);
}

static int bench_free_slot(BenchState *b)
{
    for (int i = 0; i < b->depth; i++) {
        if (!b->slot_busy[i]) {
            return i;
        }
    }
    return -1;
}

static void bench_send_flush(BenchState *b)
{
    BenchRequest *req = g_new0(BenchRequest, 1);
    *req = (BenchRequest){ .b = b, .slot = -1 };
    b->since_flush = 0;
    b->in_flight++;
    blk_aio_flush(b->blk, bench_done, req);
}

static void bench_submit_more(BenchState *b)
{
    while (!b->failed && b->to_send > 0) {
        if (b->flush_interval && b->since_flush == b->flush_interval) {
            if (!b->drain_on_flush) {
                bench_send_flush(b);
            } else if (!b->flushing) {
                b->flushing = true; /* sent once the requests before it are done */
            }
        }
        if (b->flushing) {
            if (b->in_flight == 0) {
                bench_send_flush(b);
            }
            return;
        }
        int slot = bench_free_slot(b);
        if (slot < 0) {
            return;
        }
        BenchRequest *req = g_new0(BenchRequest, 1);
        *req = (BenchRequest){ .b = b, .slot = slot };
        int64_t offset = b->offset;
        b->offset = (b->offset + b->step) % b->image_size;
        if (b->offset + b->bufsize > b->image_size) {
            b->offset = 0;
        }
        b->slot_busy[slot] = true;
        b->in_flight++;
        b->to_send--;
        b->since_flush++;
        if (b->write) {
            blk_aio_pwritev(b->blk, offset, &b->bufs[slot], 0, bench_done, req);
        } else {
            blk_aio_preadv(b->blk, offset, &b->bufs[slot], 0, bench_done, req);
        }
    }
}

static bool bench_parse_int(const char *what, const char *arg, int64_t min, int64_t max,
                            int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(arg, &end, 0);
    if (errno || end == arg || *end || v < min || v > max) {
        error_report("Invalid %s specified: '%s'", what, arg);
        return false;
    }
    *out = v;
    return true;
}

static bool bench_parse_size(const char *what, const char *arg, uint64_t max, uint64_t *out)
{
    if (!img_parse_size(arg, out) || *out > max) {
        error_report("Invalid %s specified: '%s'", what, arg);
        return false;
    }
    return true;
}

/* Request buffers filled with pattern, one per slot; false when memory runs out. */
static bool bench_alloc_buffers(BenchState *b, int pattern)
{
    b->bufs = g_new0(IOVector, b->depth);
    b->slot_busy = g_new0(bool, b->depth);
    for (int i = 0; i < b->depth; i++) {
        void *buf = NULL;
        if (posix_memalign(&buf, 4096, b->bufsize)) {
            return false;
        }
        memset(buf, pattern, b->bufsize);
        iovec_init_buf(&b->bufs[i], buf, b->bufsize);
    }
    return true;
}

static void bench_free_buffers(BenchState *b)
{
    for (int i = 0; i < b->depth; i++) {
        free(b->bufs[i].iov ? b->bufs[i].iov[0].iov_base : NULL);
    }
    g_free(b->bufs);
    g_free(b->slot_busy);
}

/* Run the benchmark; 0 or the first failed request's -errno. */
static int bench_run(BenchState *b)
{
    g_mutex_lock(&b->lock);
    bench_submit_more(b);
    while (b->in_flight > 0) {
        g_cond_wait(&b->idle, &b->lock);
    }
    g_mutex_unlock(&b->lock);
    return b->failed;
}

int img_bench(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "flush-interval", required_argument, NULL, 'F' + 256 },
        { "no-drain", no_argument, NULL, 'D' + 256 },
        { "pattern", required_argument, NULL, 'P' + 256 },
        { "force-share", no_argument, NULL, 'U' },
        { "aio", required_argument, NULL, 'i' },
        { NULL, 0, NULL, 0 },
    };
    const char *fmt = NULL, *cache = "writeback";
    BenchState b = { 0 };
    int64_t count = 75000, depth = 64, flush_interval = 0, pattern = 0, offset = 0;
    uint64_t bufsize = 4096, step = 0;
    bool force_share = false, no_drain = false;
    int flags = 0;
    GError *err = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+hc:d:f:ni:o:qs:S:t:wU", longopts, NULL)) != -1) {
        uint64_t u;
        switch (c) {
        case 'c':
            if (!bench_parse_int("request count", optarg, 1, INT_MAX, &count)) {
                return 1;
            }
            break;
        case 'd':
            if (!bench_parse_int("queue depth", optarg, 1, 4096, &depth)) {
                return 1;
            }
            break;
        case 'f':
            fmt = optarg;
            break;
        case 'n':
            flags |= BDRV_O_NATIVE_AIO;
            break;
        case 'i':
            if (!bdrv_parse_aio(optarg, &flags, &err)) {
                error_report_err(err);
                return 1;
            }
            break;
        case 'o':
            if (!bench_parse_size("offset", optarg, INT64_MAX, &u)) {
                return 1;
            }
            offset = u;
            break;
        case 'q':
            break; /* as qemu-img: accepted, the report is printed anyway */
        case 's':
            if (!bench_parse_size("buffer size", optarg, INT_MAX, &bufsize) || !bufsize) {
                error_report("Invalid buffer size specified: '%s'", optarg);
                return 1;
            }
            break;
        case 'S':
            if (!bench_parse_size("step size", optarg, INT_MAX, &step)) {
                return 1;
            }
            break;
        case 't':
            cache = optarg;
            break;
        case 'w':
            flags |= BDRV_O_RDWR;
            b.write = true;
            break;
        case 'U':
            force_share = true;
            break;
        case 'F' + 256:
            if (!bench_parse_int("flush interval", optarg, 0, INT_MAX, &flush_interval)) {
                return 1;
            }
            break;
        case 'D' + 256:
            no_drain = true;
            break;
        case 'P' + 256:
            if (!bench_parse_int("pattern byte", optarg, 0, 0xff, &pattern)) {
                return 1;
            }
            break;
        default:
            error_report("Usage: bench [-c count] [-d depth] [-f fmt] [--flush-interval=N] "
                         "[-i aio] [-n] [--no-drain] [-o offset] [--pattern=P] [-q] "
                         "[-s buffer_size] [-S step_size] [-t cache] [-w] [-U] filename");
            return 1;
        }
    }
    if (optind != argc - 1) {
        error_report("Expecting one image file name");
        return 1;
    }
    if (flush_interval && !b.write) {
        error_report("--flush-interval is only available in write tests");
        return 1;
    }
    if (flush_interval && flush_interval < depth) {
        error_report("Flush interval can't be smaller than depth");
        return 1;
    }
    if (no_drain && !flush_interval) {
        error_report("--no-drain requires --flush-interval");
        return 1;
    }
    BlockBackend *blk = img_open(argv[optind], fmt, flags, force_share, cache, false);
    if (!blk) {
        return 1;
    }
    b.blk = blk;
    b.image_size = blk_getlength(blk);
    if (b.image_size < (int64_t)bufsize || offset > b.image_size - (int64_t)bufsize) {
        error_report("Buffer size %" PRIu64 " at offset %" PRId64 " does not fit in the "
                     "image (%" PRId64 " bytes)", bufsize, offset, b.image_size);
        blk_unref(blk);
        return 1;
    }
    b.offset = offset;
    b.bufsize = bufsize;
    b.step = step ? step : bufsize;
    b.depth = depth;
    b.to_send = count;
    b.flush_interval = flush_interval;
    b.drain_on_flush = !no_drain;

    printf("Sending %d %s requests, %d bytes each, %d in parallel (starting at offset %" PRId64
           ", step size %" PRId64 ")\n", (int)count, b.write ? "write" : "read", b.bufsize,
           b.depth, offset, b.step);
    if (flush_interval) {
        printf("Sending flush every %d requests\n", (int)flush_interval);
    }
    if (!bench_alloc_buffers(&b, pattern)) {
        error_report("Could not allocate %d buffers of %d bytes", b.depth, b.bufsize);
        bench_free_buffers(&b);
        blk_unref(blk);
        return 1;
    }
    struct timespec t0, t1;
    g_mutex_init(&b.lock);
    g_cond_init(&b.idle);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int ret = bench_run(&b);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    g_mutex_clear(&b.lock);
    g_cond_clear(&b.idle);
    bench_free_buffers(&b);
    blk_unref(blk);
    if (ret < 0) {
        error_report("Failed request: %s", strerror(-ret));
        return 1;
    }
    printf("Run completed in %3.3f seconds.\n",
           (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 0;
}
