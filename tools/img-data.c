/*
 * mimic-img verbs that move or compare guest data: convert, map, compare,
 * commit and rebase. They walk images with block status so that holes and
 * zero clusters are skipped rather than copied.
 */
#include "img-common.h"
#include "block/block_int.h"
#include <getopt.h>

#define IO_BUF_SIZE ((int64_t)(2 * MiB))

static int64_t chain_length(BlockDriverState *bs)
{
    int64_t n = 0;
    for (; bs; bs = bdrv_backing(bs)) {
        n++;
    }
    return n;
}

static void progress(bool on, double pct)
{
    if (on) {
        printf("    (%.2f/100%%)\r", pct);
        fflush(stdout);
    }
}

/* ---- convert ---- */

int img_convert(int argc, char **argv)
{
    const char *fmt = NULL, *out_fmt = "raw", *cache = "unsafe", *src_cache = NULL;
    const char *out_backing = NULL, *out_backing_fmt = NULL;
    BlockCreateOptions opts = { 0 };
    bool compress = false, show_progress = false, no_create = false, quiet = false;
    bool force = false;
    GError *err = NULL;
    int c;
    optind = 1;
    static const struct option longopts[] = {
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    while ((c = getopt_long(argc, argv, "+hf:O:B:F:co:pnqt:T:WUS:m:", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            fmt = optarg;
            break;
        case 'O':
            out_fmt = optarg;
            break;
        case 'B':
            out_backing = optarg;
            break;
        case 'F':
            out_backing_fmt = optarg;
            break;
        case 'c':
            compress = true;
            break;
        case 'o':
            if (!img_parse_create_opts(optarg, &opts, NULL, &err)) {
                error_report_err(err);
                return 1;
            }
            break;
        case 'p':
            show_progress = true;
            break;
        case 'n':
            no_create = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 't':
            cache = optarg;
            break;
        case 'T':
            src_cache = optarg;
            break;
        case 'U':
            force = true;
            break;
        case 'W':
        case 'S':
        case 'm':
            break; /* out-of-order writes, sparse size, coroutines: accepted, no effect */
        default:
            error_report("Usage: convert [-c] [-p] [-n] [-f fmt] [-O output_fmt] [-o options] "
                         "filename [filename2 [...]] output_filename");
            return 1;
        }
    }
    if (argc - optind < 2) {
        error_report("Expecting image file name");
        return 1;
    }
    show_progress &= !quiet;
    int nsrc = argc - optind - 1;
    const char *out_name = argv[argc - 1];
    BlockBackend **src = g_new0(BlockBackend *, nsrc);
    int64_t total = 0;
    int ret = 1;
    BlockBackend *dst = NULL;
    uint8_t *buf = NULL;
    for (int i = 0; i < nsrc; i++) {
        src[i] = img_open(argv[optind + i], fmt, 0, force, src_cache, true);
        if (!src[i]) {
            goto out;
        }
        total += blk_getlength(src[i]);
    }
    if (compress && strcmp(out_fmt, "qcow2")) {
        error_report("Compression not supported for this file format");
        goto out;
    }
    if (out_backing) {
        opts.backing_file = out_backing;
        opts.backing_fmt = out_backing_fmt;
    }
    if (!no_create) {
        opts.size = total;
        opts.size_set = true;
        if (!bdrv_create(out_fmt, out_name, &opts, &err)) {
            error_report("%s: %s", out_name, err->message);
            g_clear_error(&err);
            goto out;
        }
    }
    BlockOpenOptions dst_opts = { .format = out_fmt, .quiet = true,
                                  .key_secret = opts.key_secret };
    dst = img_open_with(out_name, &dst_opts, BDRV_O_RDWR | (out_backing ? 0 : BDRV_O_NO_BACKING),
                        false, cache);
    if (!dst) {
        goto out;
    }
    if (no_create && blk_getlength(dst) < total) {
        error_report("Target image is smaller than the source (%" PRId64 " < %" PRId64 ")",
                     blk_getlength(dst), total);
        goto out;
    }
    BlockDriverInfo bdi;
    int64_t cluster = bdrv_get_info(blk_bs(dst), &bdi) == 0 && bdi.cluster_size
                          ? bdi.cluster_size : (int64_t)(64 * KiB);
    int64_t chunk = compress ? cluster : MAX(IO_BUF_SIZE / cluster, 1) * cluster;
    buf = g_malloc(chunk);
    int64_t dst_off = 0, done = 0;
    /* A new target without backing reads as zeroes; -n or a backing file needs explicit zeroes. */
    bool target_zero = !no_create && !out_backing;
    progress(show_progress, 0);
    for (int i = 0; i < nsrc; i++) {
        BlockDriverState *sbs = blk_bs(src[i]);
        int64_t len = blk_getlength(src[i]);
        for (int64_t off = 0; off < len;) {
            int64_t n = MIN(chunk - ((dst_off + off) % chunk), len - off);
            int64_t pnum;
            int depth;
            int st = bdrv_block_status_above(sbs, NULL, off, n, &pnum, NULL, NULL, &depth);
            if (st < 0) {
                error_report("error while reading block status at offset %" PRId64 ": %s", off,
                             g_strerror(-st));
                goto out;
            }
            n = MIN(n, MAX(pnum, 1));
            if (st & BDRV_BLOCK_ZERO && !(st & BDRV_BLOCK_DATA)) {
                if (!target_zero) {
                    int r = blk_pwrite_zeroes(dst, dst_off + off, n, BDRV_REQ_MAY_UNMAP);
                    if (r < 0) {
                        error_report("error while writing at byte %" PRId64 ": %s", dst_off + off,
                                     g_strerror(-r));
                        goto out;
                    }
                }
            } else {
                int r = blk_pread(src[i], off, n, buf);
                if (r < 0) {
                    error_report("error while reading at byte %" PRId64 ": %s", off,
                                 g_strerror(-r));
                    goto out;
                }
                if (buffer_is_zero(buf, n) && target_zero) {
                    /* Nothing to write: the fresh target already reads as zeroes. */
                } else if (compress && n == chunk) {
                    r = blk_pwrite_compressed(dst, dst_off + off, n, buf);
                } else if (compress && dst_off + off + n == blk_getlength(dst)) {
                    r = blk_pwrite_compressed(dst, dst_off + off, n, buf);
                } else {
                    r = blk_pwrite(dst, dst_off + off, n, buf, 0);
                }
                if (r < 0) {
                    error_report("error while writing at byte %" PRId64 ": %s", dst_off + off,
                                 g_strerror(-r));
                    goto out;
                }
            }
            off += n;
            done += n;
            progress(show_progress, total ? done * 100.0 / total : 100);
        }
        dst_off += len;
    }
    progress(show_progress, 100);
    if (show_progress) {
        printf("\n");
    }
    if (blk_flush(dst) < 0) {
        error_report("error while flushing '%s'", out_name);
        goto out;
    }
    ret = 0;
out:
    g_free(buf);
    blk_unref(dst);
    for (int i = 0; i < nsrc; i++) {
        blk_unref(src[i]);
    }
    g_free(src);
    return ret;
}

/* ---- map ---- */

typedef struct MapEntry {
    int64_t start, length, offset;
    int depth;
    bool present, zero, data, has_offset, compressed;
    const char *file;
} MapEntry;

static void map_print(const MapEntry *e, bool json, bool first)
{
    if (json) {
        printf("%s{ \"start\": %" PRId64 ", \"length\": %" PRId64 ", \"depth\": %d, "
               "\"present\": %s, \"zero\": %s, \"data\": %s", first ? "[" : ",\n", e->start,
               e->length, e->depth, e->present ? "true" : "false", e->zero ? "true" : "false",
               e->data ? "true" : "false");
        if (e->has_offset) {
            printf(", \"offset\": %" PRId64, e->offset);
        }
        printf("}");
    } else if (e->data && e->has_offset) {
        printf("%#-16" PRIx64 "%#-16" PRIx64 "%#-16" PRIx64 "%s\n", (uint64_t)e->start,
               (uint64_t)e->length, (uint64_t)e->offset, e->file);
    }
}

int img_map(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'O' },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    const char *fmt = NULL, *output = "human";
    bool force = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+f:hU", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            fmt = optarg;
            break;
        case 'O':
            output = optarg;
            break;
        case 'U':
            force = true;
            break;
        default:
            error_report("Usage: map [-f fmt] [--output=ofmt] filename");
            return 1;
        }
    }
    if (optind != argc - 1) {
        error_report("Expecting one image file name");
        return 1;
    }
    BlockBackend *blk = img_open(argv[optind], fmt, 0, force, NULL, true);
    if (!blk) {
        return 1;
    }
    bool json = !strcmp(output, "json");
    BlockDriverState *bs = blk_bs(blk);
    int64_t len = blk_getlength(blk);
    int64_t chain = chain_length(bs);
    if (!json) {
        printf("%-16s%-16s%-16s%s\n", "Offset", "Length", "Mapped to", "File");
    }
    MapEntry cur = { .length = 0 };
    bool first = true;
    int ret = 0;
    for (int64_t off = 0; off < len;) {
        int64_t pnum, map = 0;
        BlockDriverState *file = NULL;
        int depth;
        int st = bdrv_block_status_above(bs, NULL, off, MIN(len - off, (int64_t)GiB), &pnum, &map,
                                         &file, &depth);
        if (st < 0 || pnum <= 0) {
            error_report("Could not read block status at offset %" PRId64, off);
            ret = 1;
            break;
        }
        MapEntry e = {
            .start = off, .length = pnum, .depth = depth < 0 ? (int)chain - 1 : depth,
            .present = depth >= 0 && (st & BDRV_BLOCK_ALLOCATED),
            .zero = !!(st & BDRV_BLOCK_ZERO), .data = !!(st & BDRV_BLOCK_DATA),
            .has_offset = !!(st & BDRV_BLOCK_OFFSET_VALID), .offset = map,
            .file = file ? bdrv_get_filename(file) : "",
        };
        if (!e.has_offset) {
            e.offset = 0;
        }
        bool merge = cur.length && cur.depth == e.depth && cur.present == e.present &&
                     cur.zero == e.zero && cur.data == e.data &&
                     cur.has_offset == e.has_offset &&
                     (!e.has_offset || cur.offset + cur.length == e.offset) &&
                     cur.file == e.file;
        if (merge) {
            cur.length += e.length;
        } else {
            if (cur.length) {
                map_print(&cur, json, first);
                first = false;
            }
            cur = e;
        }
        off += pnum;
    }
    if (cur.length) {
        map_print(&cur, json, first);
        first = false;
    }
    if (json) {
        printf(first ? "[]\n" : "]\n");
    }
    blk_unref(blk);
    return ret;
}

/* ---- compare ---- */

int img_compare(int argc, char **argv)
{
    const char *fmt1 = NULL, *fmt2 = NULL;
    bool strict = false, quiet = false, force = false;
    int c;
    optind = 1;
    while ((c = getopt(argc, argv, "+hf:F:T:pqsU")) != -1) {
        switch (c) {
        case 'f':
            fmt1 = optarg;
            break;
        case 'F':
            fmt2 = optarg;
            break;
        case 's':
            strict = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'U':
            force = true;
            break;
        case 'p':
        case 'T':
            break;
        default:
            error_report("Usage: compare [-f fmt] [-F fmt] [-s] [-q] filename1 filename2");
            return 2;
        }
    }
    if (optind != argc - 2) {
        error_report("Expecting two image file names");
        return 2;
    }
    const char *n1 = argv[optind], *n2 = argv[optind + 1];
    BlockBackend *b1 = img_open(n1, fmt1, 0, force, NULL, true);
    BlockBackend *b2 = b1 ? img_open(n2, fmt2, 0, force, NULL, true) : NULL;
    if (!b2) {
        blk_unref(b1);
        return 2;
    }
    int64_t l1 = blk_getlength(b1), l2 = blk_getlength(b2);
    int ret = 0;
    g_autofree uint8_t *a = g_malloc(IO_BUF_SIZE);
    g_autofree uint8_t *b = g_malloc(IO_BUF_SIZE);
    if (strict && l1 != l2) {
        if (!quiet) {
            printf("Strict mode: Image size mismatch!\n");
        }
        ret = 1;
        goto out;
    }
    int64_t common = MIN(l1, l2), maxlen = MAX(l1, l2);
    for (int64_t off = 0; off < maxlen;) {
        int64_t n = MIN(IO_BUF_SIZE, (off < common ? common : maxlen) - off);
        if (off < common) {
            if (blk_pread(b1, off, n, a) < 0 || blk_pread(b2, off, n, b) < 0) {
                error_report("Error while reading offset %" PRId64, off);
                ret = 2;
                goto out;
            }
            if (memcmp(a, b, n)) {
                int64_t i = 0;
                while (a[i] == b[i]) {
                    i++;
                }
                if (!quiet) {
                    printf("Content mismatch at offset %" PRId64 "!\n", off + i);
                }
                ret = 1;
                goto out;
            }
        } else {
            BlockBackend *big = l1 > l2 ? b1 : b2;
            if (blk_pread(big, off, n, a) < 0) {
                error_report("Error while reading offset %" PRId64, off);
                ret = 2;
                goto out;
            }
            if (!buffer_is_zero(a, n)) {
                int64_t i = 0;
                while (!a[i]) {
                    i++;
                }
                if (!quiet) {
                    printf("Content mismatch at offset %" PRId64 "!\n", off + i);
                }
                ret = 1;
                goto out;
            }
        }
        off += n;
    }
    if (!quiet) {
        if (l1 != l2) {
            printf("Warning: Image size mismatch!\n");
        }
        printf("Images are identical.\n");
    }
out:
    blk_unref(b2);
    blk_unref(b1);
    return ret;
}

/* ---- commit ---- */

static void commit_progress(void *opaque, double percent)
{
    progress(*(bool *)opaque, percent);
}

/* The node of top's backing chain (below top) that is the file base_name, or NULL. */
static BlockDriverState *chain_find(BlockDriverState *top, const char *base_name)
{
    g_autofree char *want = realpath(base_name, NULL);
    for (BlockDriverState *bs = bdrv_backing(top); bs && want; bs = bdrv_backing(bs)) {
        g_autofree char *have = realpath(bdrv_get_filename(bs), NULL);
        if (have && !strcmp(have, want)) {
            return bs;
        }
    }
    return NULL;
}

/*
 * commit -b base: the layers between top and base go into base, which may sit
 * anywhere below top. The chain is read through a shared read-only open while
 * base is written through a second, writable open. As qemu-img's, -b implies
 * -d: the top keeps its data, since the layers between may no longer match it.
 */
static int img_commit_into(const char *top_name, const char *fmt, const char *base_name,
                           bool show_progress, bool quiet)
{
    BlockBackend *top = img_open(top_name, fmt, 0, true, "unsafe", true);
    if (!top) {
        return 1;
    }
    BlockDriverState *base_node = chain_find(blk_bs(top), base_name);
    if (!base_node) {
        error_report("Did not find '%s' in the backing chain of '%s'", base_name, top_name);
        blk_unref(top);
        return 1;
    }
    BlockBackend *base = img_open_path(bdrv_get_filename(base_node),
                                       bdrv_get_format_name(base_node),
                                       BDRV_O_RDWR | BDRV_O_NO_BACKING, false, "unsafe", true);
    int ret = 1;
    if (base) {
        int r = bdrv_commit_copy(blk_bs(top), base_node, blk_bs(base), commit_progress,
                                 &show_progress);
        if (r < 0) {
            error_report("Error while committing '%s': %s", top_name, g_strerror(-r));
        } else {
            ret = 0;
        }
    }
    if (show_progress) {
        printf("\n");
    }
    if (ret == 0 && !quiet) {
        printf("Image committed.\n");
    }
    blk_unref(base);
    blk_unref(top);
    return ret;
}

int img_commit(int argc, char **argv)
{
    const char *fmt = NULL, *base_name = NULL;
    bool drop = false, quiet = false, show_progress = false;
    int c;
    optind = 1;
    while ((c = getopt(argc, argv, "+f:ht:b:dpqr:")) != -1) {
        switch (c) {
        case 'f':
            fmt = optarg;
            break;
        case 'b':
            base_name = optarg;
            break;
        case 'd':
            drop = true;
            break;
        case 'p':
            show_progress = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 't':
        case 'r':
            break;
        default:
            error_report("Usage: commit [-f fmt] [-b base] [-d] [-p] filename");
            return 1;
        }
    }
    if (optind != argc - 1) {
        error_report("Expecting one image file name");
        return 1;
    }
    show_progress &= !quiet;
    if (base_name) {
        return img_commit_into(argv[optind], fmt, base_name, show_progress, quiet);
    }
    BlockBackend *top = img_open(argv[optind], fmt, BDRV_O_RDWR | BDRV_O_NO_BACKING, false,
                                 "unsafe", true);
    if (!top) {
        return 1;
    }
    BlockDriverState *tbs = blk_bs(top);
    g_autofree char *bpath = bdrv_get_full_backing_filename(tbs);
    if (!bpath) {
        error_report("Image does not have a backing file");
        blk_unref(top);
        return 1;
    }
    const char *bfmt = bdrv_get_backing_format(tbs)[0] ? bdrv_get_backing_format(tbs) : NULL;
    BlockBackend *base = img_open_path(bpath, bfmt, BDRV_O_RDWR, false, "unsafe", true);
    if (!base) {
        blk_unref(top);
        return 1;
    }
    /* The top reads through the writable base for anything it does not hold itself. */
    bdrv_set_backing(tbs, blk_bs(base));
    int ret = 1;
    int r = bdrv_commit_copy(tbs, blk_bs(base), blk_bs(base), commit_progress, &show_progress);
    if (r < 0) {
        error_report("Error while committing '%s': %s", argv[optind], g_strerror(-r));
        goto out;
    }
    if (!drop) {
        r = bdrv_make_empty(tbs);
        if (r < 0 && r != -ENOTSUP) {
            error_report("Could not empty %s: %s", argv[optind], g_strerror(-r));
            goto out;
        }
    }
    if (show_progress) {
        printf("\n");
    }
    if (!quiet) {
        printf("Image committed.\n");
    }
    ret = 0;
out:
    bdrv_set_backing(tbs, NULL);
    blk_unref(top);
    blk_unref(base);
    return ret;
}

/* ---- rebase ---- */

int img_rebase(int argc, char **argv)
{
    const char *fmt = NULL, *new_name = NULL, *new_fmt = NULL;
    bool unsafe = false, quiet = false, force = false;
    int c;
    optind = 1;
    while ((c = getopt(argc, argv, "+hf:F:b:upt:T:qU")) != -1) {
        switch (c) {
        case 'f':
            fmt = optarg;
            break;
        case 'F':
            new_fmt = optarg;
            break;
        case 'b':
            new_name = optarg;
            break;
        case 'u':
            unsafe = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'U':
            force = true;
            break;
        case 'p':
        case 't':
        case 'T':
            break;
        default:
            error_report("Usage: rebase [-f fmt] [-u] -b backing_file [-F backing_fmt] filename");
            return 1;
        }
    }
    (void)quiet;
    (void)force;
    if (optind != argc - 1 || !new_name) {
        error_report("Expecting one image file name and -b backing_file");
        return 1;
    }
    const char *filename = argv[optind];
    int flags = BDRV_O_RDWR | (unsafe ? BDRV_O_NO_BACKING : 0);
    BlockBackend *blk = img_open(filename, fmt, flags, false, "unsafe", true);
    if (!blk) {
        return 1;
    }
    BlockDriverState *bs = blk_bs(blk);
    GError *err = NULL;
    int ret = 1;
    BlockBackend *newb = NULL;
    g_autofree char *detected = NULL;
    if (!unsafe && new_name[0]) {
        /* Relative to the image file (filename may be an --image-opts option list). */
        g_autofree char *path = bdrv_path_combine(bdrv_get_filename(bs), new_name);
        newb = img_open_path(path, new_fmt, 0, false, NULL, true);
        if (!newb) {
            goto out;
        }
        if (!new_fmt) {
            detected = g_strdup(bdrv_get_format_name(blk_bs(newb)));
            new_fmt = detected;
        }
        int64_t len = blk_getlength(blk);
        int64_t newlen = blk_getlength(newb);
        g_autofree uint8_t *a = g_malloc(IO_BUF_SIZE);
        g_autofree uint8_t *b = g_malloc(IO_BUF_SIZE);
        for (int64_t off = 0; off < len;) {
            int64_t pnum;
            int st = bdrv_is_allocated(bs, off, MIN(len - off, IO_BUF_SIZE), &pnum);
            if (st < 0) {
                error_report("error while reading image metadata");
                goto out;
            }
            if (!st) {
                /* What the guest sees there now (old chain) vs. under the new backing file. */
                if (blk_pread(blk, off, pnum, a) < 0) {
                    error_report("error while reading from old backing file");
                    goto out;
                }
                int64_t from_new = off < newlen ? MIN(pnum, newlen - off) : 0;
                memset(b, 0, pnum);
                if (from_new && blk_pread(newb, off, from_new, b) < 0) {
                    error_report("error while reading from new backing file");
                    goto out;
                }
                if (memcmp(a, b, pnum) && blk_pwrite(blk, off, pnum, a, 0) < 0) {
                    error_report("error while writing to COW image");
                    goto out;
                }
            }
            off += pnum;
        }
    } else if (!unsafe) {
        /* Rebasing onto nothing: copy everything the old chain provides. */
        int64_t len = blk_getlength(blk);
        g_autofree uint8_t *a = g_malloc(IO_BUF_SIZE);
        for (int64_t off = 0; off < len;) {
            int64_t pnum;
            int st = bdrv_is_allocated(bs, off, MIN(len - off, IO_BUF_SIZE), &pnum);
            if (st < 0) {
                goto out;
            }
            if (!st && (blk_pread(blk, off, pnum, a) < 0 ||
                        (!buffer_is_zero(a, pnum) && blk_pwrite(blk, off, pnum, a, 0) < 0))) {
                error_report("error while copying from the old backing file");
                goto out;
            }
            off += pnum;
        }
    }
    if (!bdrv_change_backing_file(bs, new_name[0] ? new_name : NULL,
                                  new_name[0] ? new_fmt : NULL, &err)) {
        error_report("Could not change the backing file to '%s': %s", new_name, err->message);
        g_error_free(err);
        goto out;
    }
    ret = 0;
out:
    blk_unref(newb);
    blk_unref(blk);
    return ret;
}
