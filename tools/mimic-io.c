/*
 * mimic-io: exercise a block driver with qemu-io's command language:
 *   mimic-io [--object secret,...] [--image-opts] [-f fmt] [-r] [-t cache] [-n]
 *            [-i threads|native|io_uring] [-U] [-c "cmd"]... [file]
 * Commands: read, write, readv, writev (-P pattern, -z zeroes, -c compressed,
 * -q quiet), aio_read, aio_write, aio_flush, discard, flush, length, info,
 * map, open [-r] [-o opts], close, help, quit. Without -c, commands are read
 * from stdin. The exit status is 1 if any command failed.
 */
#include "block/block.h"
#include "util/error.h"
#include "util/option.h"
#include "block/secret.h"
#include <getopt.h>
#include <math.h>
#include <time.h>

static BlockBackend *blk;
static int open_flags;
static char *open_fmt;
static bool force_share;
static bool image_opts;
static bool writethrough;
static int aio_pending;

static char *size_str(uint64_t val)
{
    static const char *const suffixes[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
    int i;
    frexp(val / (1000.0 / 1024.0), &i);
    i = (i - 1) / 10;
    i = CLAMP(i, 0, (int)ARRAY_SIZE(suffixes) - 1);
    return g_strdup_printf("%0.3g %sB", (double)val / (1ULL << (i * 10)), suffixes[i]);
}

static bool parse_num(const char *s, int64_t *out)
{
    uint64_t v;
    GError *err = NULL;
    if (!parse_size(s, 1, &v, &err)) {
        g_error_free(err);
        printf("non-numeric length argument -- %s\n", s);
        return false;
    }
    *out = v;
    return true;
}

static void print_report(const char *op, struct timespec *t0, int64_t total, int64_t offset,
                         int count)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
    g_autofree char *s = size_str(total);
    printf("%s %" PRId64 "/%" PRId64 " bytes at offset %" PRId64 "\n", op, total, total, offset);
    printf("%s, %d ops; %02d:%05.2f (%.3f MiB/sec and %.4f ops/sec)\n", s, count,
           (int)(secs / 60), fmod(secs, 60), secs > 0 ? total / secs / MiB : 0.0,
           secs > 0 ? count / secs : 0.0);
}

static bool open_image(const char *name, const char *optstr, bool readonly)
{
    BlockOpenOptions o = { .format = open_fmt, .writethrough = writethrough };
    int flags = open_flags;
    GError *err = NULL;
    g_autoptr(KeyValList) kv = NULL;
    if (readonly) {
        flags &= ~BDRV_O_RDWR;
    }
    if (optstr) {
        kv = keyval_parse("-o", optstr, NULL, &err);
        if (!kv) {
            error_report_err(err);
            return false;
        }
        const char *v;
        if ((v = keyval_take(kv, "driver"))) {
            o.format = v;
        }
        if ((v = keyval_take(kv, "cache")) &&
            !bdrv_parse_cache_mode(v, &flags, &o.writethrough, &err)) {
            error_report_err(err);
            return false;
        }
        o.key_secret = bdrv_take_key_secret(kv);
        if (!keyval_take_size(kv, "l2-cache-size", 0, &o.l2_cache_size, &err) ||
            !keyval_check_all_used(kv, "driver, cache, l2-cache-size, encrypt.key-secret, "
                                       "key-secret", &err)) {
            error_report_err(err);
            return false;
        }
    }
    if (force_share && !(flags & BDRV_O_RDWR)) {
        flags |= BDRV_O_FORCE_SHARE;
    }
    g_autoptr(KeyValList) image_kv = NULL;
    if (image_opts) {
        image_kv = bdrv_parse_image_opts(name, &name, &o, &err);
        if (!image_kv) {
            error_report_err(err);
            return false;
        }
    }
    blk = blk_new_open(name, &o, flags, &err);
    if (!blk) {
        error_report("can't open device %s: %s", name, err->message);
        g_error_free(err);
        return false;
    }
    return true;
}

typedef struct RWArgs {
    int64_t offset;
    int64_t lengths[64];
    int nlen;
    int64_t total;
    int pattern;
    bool has_pattern, zero, compressed, quiet, unmap, verbose;
} RWArgs;

static bool parse_rw(int argc, char **argv, RWArgs *a, bool vectored)
{
    memset(a, 0, sizeof(*a));
    int c;
    optind = 0;
    while ((c = getopt(argc, argv, "+P:zcqubfvCl:s:")) != -1) {
        switch (c) {
        case 'P':
            a->pattern = (int)strtol(optarg, NULL, 0);
            a->has_pattern = true;
            break;
        case 'z':
            a->zero = true;
            break;
        case 'c':
            a->compressed = true;
            break;
        case 'q':
            a->quiet = true;
            break;
        case 'u':
            a->unmap = true;
            break;
        case 'v':
            a->verbose = true;
            break;
        case 'b':
        case 'f':
        case 'C':
        case 'l':
        case 's':
            break;
        default:
            return false;
        }
    }
    if (argc - optind < 2 || (!vectored && argc - optind != 2)) {
        printf("%s: wrong number of arguments\n", argv[0]);
        return false;
    }
    if (!parse_num(argv[optind], &a->offset)) {
        return false;
    }
    for (int i = optind + 1; i < argc && a->nlen < 64; i++) {
        if (!parse_num(argv[i], &a->lengths[a->nlen])) {
            return false;
        }
        a->total += a->lengths[a->nlen++];
    }
    return true;
}

static int do_write(int argc, char **argv, bool vectored)
{
    RWArgs a;
    if (!parse_rw(argc, argv, &a, vectored)) {
        return -EINVAL;
    }
    if (a.zero && a.has_pattern) {
        printf("-z and -P cannot be specified at the same time\n");
        return -EINVAL;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int ret;
    if (a.zero) {
        ret = blk_pwrite_zeroes(blk, a.offset, a.total, a.unmap ? BDRV_REQ_MAY_UNMAP : 0);
    } else {
        g_autofree uint8_t *buf = g_malloc(MAX(a.total, 1));
        memset(buf, a.has_pattern ? a.pattern : 0xcd, a.total);
        if (a.compressed) {
            ret = blk_pwrite_compressed(blk, a.offset, a.total, buf);
        } else {
            IOVector v;
            iovec_init(&v, a.nlen);
            int64_t o = 0;
            for (int i = 0; i < a.nlen; i++) {
                iovec_add(&v, buf + o, a.lengths[i]);
                o += a.lengths[i];
            }
            ret = blk_pwritev(blk, a.offset, a.total, &v, 0);
            iovec_destroy(&v);
        }
    }
    if (ret < 0) {
        printf("write failed: %s\n", g_strerror(-ret));
        return ret;
    }
    if (!a.quiet) {
        print_report("wrote", &t0, a.total, a.offset, 1);
    }
    return 0;
}

static int do_read(int argc, char **argv, bool vectored)
{
    RWArgs a;
    if (!parse_rw(argc, argv, &a, vectored)) {
        return -EINVAL;
    }
    g_autofree uint8_t *buf = g_malloc(MAX(a.total, 1));
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int ret = blk_pread(blk, a.offset, a.total, buf);
    if (ret < 0) {
        printf("read failed: %s\n", g_strerror(-ret));
        return ret;
    }
    if (a.has_pattern) {
        for (int64_t i = 0; i < a.total; i++) {
            if (buf[i] != (uint8_t)a.pattern) {
                printf("Pattern verification failed at offset %" PRId64 ", %" PRId64 " bytes\n",
                       a.offset + i, a.total);
                return -EIO;
            }
        }
    }
    if (a.verbose) {
        for (int64_t i = 0; i < a.total; i += 16) {
            printf("%08" PRIx64 ":", a.offset + i);
            for (int64_t j = i; j < MIN(i + 16, a.total); j++) {
                printf(" %02x", buf[j]);
            }
            printf("\n");
        }
    }
    if (!a.quiet) {
        print_report("read", &t0, a.total, a.offset, 1);
    }
    return 0;
}

typedef struct AioReq {
    uint8_t *buf;
    IOVector qiov;
    bool write;
    int64_t offset, len;
    int pattern;
    bool has_pattern, quiet;
    struct timespec t0;
} AioReq;

static void aio_done(void *opaque, int ret)
{
    AioReq *r = opaque;
    if (ret < 0) {
        printf("aio_%s failed: %s\n", r->write ? "write" : "read", g_strerror(-ret));
    } else if (!r->write && r->has_pattern &&
               !({
                   bool ok = true;
                   for (int64_t i = 0; i < r->len && ok; i++) {
                       ok = r->buf[i] == (uint8_t)r->pattern;
                   }
                   ok;
               })) {
        printf("Pattern verification failed at offset %" PRId64 ", %" PRId64 " bytes\n",
               r->offset, r->len);
    } else if (!r->quiet) {
        print_report(r->write ? "wrote" : "read", &r->t0, r->len, r->offset, 1);
    }
    iovec_destroy(&r->qiov);
    g_free(r->buf);
    g_free(r);
    g_atomic_int_dec_and_test(&aio_pending);
}

static int do_aio(int argc, char **argv, bool write)
{
    RWArgs a;
    if (!parse_rw(argc, argv, &a, true)) {
        return -EINVAL;
    }
    AioReq *r = g_new0(AioReq, 1);
    r->buf = g_malloc(MAX(a.total, 1));
    r->write = write;
    r->offset = a.offset;
    r->len = a.total;
    r->pattern = a.pattern;
    r->has_pattern = a.has_pattern;
    r->quiet = a.quiet;
    memset(r->buf, a.has_pattern ? a.pattern : 0xcd, a.total);
    iovec_init(&r->qiov, 1);
    iovec_add(&r->qiov, r->buf, a.total);
    clock_gettime(CLOCK_MONOTONIC, &r->t0);
    g_atomic_int_inc(&aio_pending);
    if (write) {
        blk_aio_pwritev(blk, a.offset, &r->qiov, 0, aio_done, r);
    } else {
        blk_aio_preadv(blk, a.offset, &r->qiov, 0, aio_done, r);
    }
    return 0;
}

static int run_command(char *line)
{
    int argc;
    g_auto(GStrv) argv = NULL;
    GError *err = NULL;
    if (!g_shell_parse_argv(line, &argc, &argv, &err)) {
        g_error_free(err);
        return 0; /* empty line */
    }
    const char *cmd = argv[0];
    if (!strcmp(cmd, "quit") || !strcmp(cmd, "q")) {
        return 1;
    }
    if (!strcmp(cmd, "help")) {
        printf("read, write, readv, writev, aio_read, aio_write, aio_flush, discard, flush, "
               "length, info, map, open, close, quit\n");
        return 0;
    }
    if (!strcmp(cmd, "open")) {
        bool ro = false;
        const char *o = NULL;
        int c;
        optind = 0;
        while ((c = getopt(argc, argv, "+ro:nU")) != -1) {
            if (c == 'r') {
                ro = true;
            } else if (c == 'o') {
                o = optarg;
            }
        }
        if (blk) {
            printf("file open already, try 'help close'\n");
            return -EBUSY;
        }
        if (optind >= argc) {
            printf("open: missing file name\n");
            return -EINVAL;
        }
        return open_image(argv[optind], o, ro) ? 0 : -EIO;
    }
    if (!blk) {
        printf("no file open, try 'help open'\n");
        return -ENODEV;
    }
    if (!strcmp(cmd, "close")) {
        blk_drain(blk);
        blk_unref(blk);
        blk = NULL;
        return 0;
    }
    if (!strcmp(cmd, "read") || !strcmp(cmd, "r")) {
        return do_read(argc, argv, false);
    }
    if (!strcmp(cmd, "readv")) {
        return do_read(argc, argv, true);
    }
    if (!strcmp(cmd, "write") || !strcmp(cmd, "w")) {
        return do_write(argc, argv, false);
    }
    if (!strcmp(cmd, "writev")) {
        return do_write(argc, argv, true);
    }
    if (!strcmp(cmd, "aio_read")) {
        return do_aio(argc, argv, false);
    }
    if (!strcmp(cmd, "aio_write")) {
        return do_aio(argc, argv, true);
    }
    if (!strcmp(cmd, "aio_flush")) {
        blk_drain(blk);
        return blk_flush(blk);
    }
    if (!strcmp(cmd, "flush") || !strcmp(cmd, "f")) {
        int ret = blk_flush(blk);
        if (ret < 0) {
            printf("flush failed: %s\n", g_strerror(-ret));
        }
        return ret;
    }
    if (!strcmp(cmd, "discard") || !strcmp(cmd, "d")) {
        RWArgs a;
        if (!parse_rw(argc, argv, &a, false)) {
            return -EINVAL;
        }
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int ret = blk_pdiscard(blk, a.offset, a.total);
        if (ret < 0) {
            printf("discard failed: %s\n", g_strerror(-ret));
            return ret;
        }
        if (!a.quiet) {
            print_report("discard", &t0, a.total, a.offset, 1);
        }
        return 0;
    }
    if (!strcmp(cmd, "length") || !strcmp(cmd, "len")) {
        g_autofree char *s = size_str(blk_getlength(blk));
        printf("%s\n", s);
        return 0;
    }
    if (!strcmp(cmd, "info")) {
        BlockDriverState *bs = blk_bs(blk);
        BlockDriverInfo bdi;
        printf("format name: %s\nformat name: %s\n", bdrv_get_format_name(bs),
               bdrv_get_format_name(bs));
        if (bdrv_get_info(bs, &bdi) == 0 && bdi.cluster_size) {
            g_autofree char *cs = size_str(bdi.cluster_size);
            printf("cluster size: %s\n", cs);
        }
        return 0;
    }
    if (!strcmp(cmd, "map")) {
        BlockDriverState *bs = blk_bs(blk);
        int64_t len = blk_getlength(blk);
        for (int64_t off = 0; off < len;) {
            int64_t pnum;
            int ret = bdrv_is_allocated(bs, off, len - off, &pnum);
            if (ret < 0 || pnum <= 0) {
                printf("map failed: %s\n", g_strerror(ret < 0 ? -ret : EIO));
                return -EIO;
            }
            g_autofree char *s1 = size_str(pnum);
            g_autofree char *s2 = size_str(off);
            printf("%s (0x%" PRIx64 ") bytes %9s allocated at offset %s (0x%" PRIx64 ")\n", s1,
                   pnum, ret ? "" : "not", s2, off);
            off += pnum;
        }
        return 0;
    }
    printf("command \"%s\" not found\n", cmd);
    return -EINVAL;
}

int main(int argc, char **argv)
{
    error_set_progname("mimic-io");
    GPtrArray *cmds = g_ptr_array_new();
    open_flags = BDRV_O_RDWR;
    int c;
    static const struct option longopts[] = {
        { "format", required_argument, NULL, 'f' },
        { "cmd", required_argument, NULL, 'c' },
        { "read-only", no_argument, NULL, 'r' },
        { "nocache", no_argument, NULL, 'n' },
        { "cache", required_argument, NULL, 't' },
        { "aio", required_argument, NULL, 'i' },
        { "object", required_argument, NULL, 'O' + 256 },
        { "image-opts", no_argument, NULL, 'I' + 256 },
        { "force-share", no_argument, NULL, 'U' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    while ((c = getopt_long(argc, argv, "+f:c:rnt:Uhqk:d:i:", longopts, NULL)) != -1) {
        GError *err = NULL;
        switch (c) {
        case 'f':
            open_fmt = optarg;
            break;
        case 'c':
            g_ptr_array_add(cmds, optarg);
            break;
        case 'r':
            open_flags &= ~BDRV_O_RDWR;
            break;
        case 'n':
            open_flags |= BDRV_O_NOCACHE;
            break;
        case 't':
            if (!bdrv_parse_cache_mode(optarg, &open_flags, &writethrough, &err)) {
                error_report_err(err);
                return 1;
            }
            break;
        case 'U':
            force_share = true;
            break;
        case 'i':
            if (!bdrv_parse_aio(optarg, &open_flags, &err)) {
                error_report_err(err);
                return 1;
            }
            break;
        case 'O' + 256:
            if (!secret_object_add(optarg, &err)) {
                error_report_err(err);
                return 1;
            }
            break;
        case 'I' + 256:
            image_opts = true;
            break;
        case 'k':
        case 'q':
        case 'd':
            break;
        case 'h':
            printf("Usage: mimic-io [--object objectdef] [--image-opts] [-f fmt] [-r] [-n] [-t cache] "
                   "[-i aio] [-U] [-c cmd]... [file]\n");
            return 0;
        default:
            return 1;
        }
    }
    if (optind < argc && !open_image(argv[optind], NULL, false)) {
        return 1;
    }
    int failed = 0;
    if (cmds->len) {
        for (guint i = 0; i < cmds->len; i++) {
            g_autofree char *line = g_strdup(g_ptr_array_index(cmds, i));
            int r = run_command(line);
            if (r == 1) {
                break;
            }
            failed |= r < 0;
        }
    } else {
        char line[4096];
        while (printf("mimic-io> "), fflush(stdout), fgets(line, sizeof(line), stdin)) {
            int r = run_command(line);
            if (r == 1) {
                break;
            }
            failed |= r < 0;
        }
    }
    if (blk) {
        blk_drain(blk);
        blk_unref(blk);
    }
    g_ptr_array_free(cmds, true);
    return failed ? 1 : 0;
}
