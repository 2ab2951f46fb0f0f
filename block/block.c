/*
 * Block layer core: the driver table, format probing, opening a node with its
 * protocol child and backing chain, and the bdrv_* request wrappers that check
 * bounds before a driver sees a request. See include/block/block.h.
 *
 * Probing follows QEMU: a recognised magic picks the format; otherwise raw is
 * guessed, with QEMU's warning, and writes to the first sector are then refused
 * if they would make the image probe as something else. Files that carry the
 * magic of an image format we do not implement are refused outright rather
 * than guessed as raw (writing to them as raw would destroy them).
 */
#include "block/block_int.h"
#include "util/error.h"
#include "util/option.h"
#include <libgen.h>

static BlockDriver *const block_drivers[] = {
    &bdrv_driver_file,
    &bdrv_driver_raw,
    &bdrv_driver_qcow2,
    &bdrv_driver_luks,
};

BlockDriver *bdrv_find_format(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(block_drivers); i++) {
        if (!strcmp(block_drivers[i]->format_name, name)) {
            return block_drivers[i];
        }
    }
    return NULL;
}

void bdrv_iterate_format(void (*fn)(void *opaque, const char *name), void *opaque)
{
    for (size_t i = 0; i < ARRAY_SIZE(block_drivers); i++) {
        fn(opaque, block_drivers[i]->format_name);
    }
}

bool bdrv_driver_can_create(BlockDriver *drv)
{
    return drv->create != NULL;
}

const char *bdrv_get_format_name(BlockDriverState *bs)
{
    return bs->drv->format_name;
}

bool bdrv_parse_prealloc(const char *s, PreallocMode *out, GError **errp)
{
    static const char *const names[] = { "off", "metadata", "falloc", "full" };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        if (!strcmp(s, names[i])) {
            *out = (PreallocMode)i;
            return true;
        }
    }
    error_setg(errp, "Invalid parameter '%s' for preallocation; use off, metadata, falloc or full",
               s);
    return false;
}

const char *bdrv_prealloc_name(PreallocMode m)
{
    static const char *const names[] = { "off", "metadata", "falloc", "full" };
    return names[m];
}

bool bdrv_parse_cache_mode(const char *mode, int *flags, bool *writethrough, GError **errp)
{
    *flags &= ~(BDRV_O_NOCACHE | BDRV_O_NO_FLUSH);
    if (!strcmp(mode, "off") || !strcmp(mode, "none")) {
        *flags |= BDRV_O_NOCACHE;
        *writethrough = false;
    } else if (!strcmp(mode, "directsync")) {
        *flags |= BDRV_O_NOCACHE;
        *writethrough = true;
    } else if (!strcmp(mode, "writeback")) {
        *writethrough = false;
    } else if (!strcmp(mode, "unsafe")) {
        *flags |= BDRV_O_NO_FLUSH;
        *writethrough = false;
    } else if (!strcmp(mode, "writethrough")) {
        *writethrough = true;
    } else {
        error_setg(errp, "Invalid cache mode '%s'; use writeback, none, writethrough, "
                         "directsync or unsafe", mode);
        return false;
    }
    return true;
}

bool bdrv_parse_aio(const char *mode, int *flags, GError **errp)
{
    *flags &= ~(BDRV_O_NATIVE_AIO | BDRV_O_IO_URING);
    if (!strcmp(mode, "native")) {
        *flags |= BDRV_O_NATIVE_AIO;
    } else if (!strcmp(mode, "io_uring")) {
        *flags |= BDRV_O_IO_URING;
    } else if (strcmp(mode, "threads") != 0) {
        error_setg(errp, "Invalid aio option '%s'; use threads, native or io_uring", mode);
        return false;
    }
    return true;
}

const char *bdrv_take_key_secret(KeyValList *kv)
{
    const char *qcow2_key = keyval_take(kv, "encrypt.key-secret");
    const char *luks_key = keyval_take(kv, "key-secret");
    return qcow2_key ? qcow2_key : luks_key;
}

KeyValList *bdrv_parse_image_opts(const char *spec, const char **filename, BlockOpenOptions *o,
                                  GError **errp)
{
    KeyValList *kv = keyval_parse("--image-opts", spec, NULL, errp);
    if (!kv) {
        return NULL;
    }
    const char *file_driver = keyval_take(kv, "file.driver");
    o->format = keyval_take(kv, "driver");
    o->key_secret = bdrv_take_key_secret(kv);
    *filename = keyval_take(kv, "file.filename");
    if (!keyval_take_size(kv, "l2-cache-size", 0, &o->l2_cache_size, errp) ||
        !keyval_check_all_used(kv, "driver, file.driver, file.filename, encrypt.key-secret, "
                                   "key-secret, l2-cache-size", errp)) {
        keyval_free(kv);
        return NULL;
    }
    if (!o->format || !*filename || (file_driver && strcmp(file_driver, "file") != 0)) {
        error_setg(errp, "--image-opts %s: needs driver= and file.filename= (file.driver=file)",
                   spec);
        keyval_free(kv);
        return NULL;
    }
    return kv;
}

char *bdrv_path_combine(const char *base_filename, const char *name)
{
    if (name[0] == '/' || strstr(name, "://")) {
        return g_strdup(name);
    }
    g_autofree char *dir = g_path_get_dirname(base_filename);
    if (!strcmp(dir, ".")) {
        return g_strdup(name);
    }
    return g_build_filename(dir, name, NULL);
}

/*
 * Magic numbers of image formats mimic does not implement. A file starting
 * with one of these is never "clearly raw".
 */
static const char *probe_foreign_format(const uint8_t *buf, int len)
{
    static const struct {
        const char *magic;
        int len;
        int offset;
        const char *name;
    } foreign[] = {
        { "QFI\xfb", 4, 0, "qcow2 (unsupported version)" },
        { "KDMV", 4, 0, "vmdk" },
        { "# Disk DescriptorFile", 21, 0, "vmdk" },
        { "vhdxfile", 8, 0, "vhdx" },
        { "conectix", 8, 0, "vpc" },
        { "WithoutFreeSpace", 16, 0, "dmg" },
        { "QED\0", 4, 0, "qed" },
        { "\x7f\x10\xda\xbe", 4, 64, "vdi" },
        { "cloop", 5, 0, "cloop" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(foreign); i++) {
        int o = foreign[i].offset;
        if (len >= o + foreign[i].len && !memcmp(buf + o, foreign[i].magic, foreign[i].len)) {
            return foreign[i].name;
        }
    }
    return NULL;
}

static BlockDriver *bdrv_probe(const uint8_t *buf, int len, const char *filename)
{
    BlockDriver *best = NULL;
    int best_score = 0;
    for (size_t i = 0; i < ARRAY_SIZE(block_drivers); i++) {
        BlockDriver *drv = block_drivers[i];
        if (drv->probe) {
            int score = drv->probe(buf, len, filename);
            if (score > best_score) {
                best_score = score;
                best = drv;
            }
        }
    }
    return best;
}

/* Would writing buf as the first sector of a probed-raw image change its probed format? */
static bool bdrv_probe_changes_format(const uint8_t *buf, int len)
{
    BlockDriver *drv = bdrv_probe(buf, len, NULL);
    return (drv && drv != &bdrv_driver_raw) || probe_foreign_format(buf, len);
}

static BlockDriverState *bdrv_new(BlockDriver *drv, const char *filename)
{
    BlockDriverState *bs = g_new0(BlockDriverState, 1);
    bs->drv = drv;
    bs->refcnt = 1;
    bs->request_alignment = 1;
    g_mutex_init(&bs->rmw_lock);
    g_strlcpy(bs->filename, filename, sizeof(bs->filename));
    if (drv->instance_size) {
        bs->opaque = g_malloc0(drv->instance_size);
    }
    return bs;
}

static void bdrv_free(BlockDriverState *bs)
{
    g_mutex_clear(&bs->rmw_lock);
    g_free(bs->opaque);
    g_free(bs);
}

BlockDriverState *bdrv_open_protocol(const char *filename, int flags, GError **errp)
{
    BlockDriverState *bs = bdrv_new(&bdrv_driver_file, filename);
    bs->open_flags = flags;
    bs->read_only = !(flags & BDRV_O_RDWR);
    if (!bdrv_driver_file.open(bs, NULL, flags, errp)) {
        bdrv_free(bs);
        return NULL;
    }
    return bs;
}

BlockDriverState *bdrv_open(const char *filename, const BlockOpenOptions *opts, int flags,
                            GError **errp)
{
    static const BlockOpenOptions no_opts;
    if (!opts) {
        opts = &no_opts;
    }
    BlockDriver *drv = NULL;
    if (opts->format) {
        drv = bdrv_find_format(opts->format);
        if (!drv) {
            error_setg(errp, "Unknown driver '%s'; known formats: qcow2, raw, file", opts->format);
            return NULL;
        }
        if (drv->is_protocol) {
            return bdrv_open_protocol(filename, flags, errp);
        }
    }

    BlockDriverState *file = bdrv_open_protocol(filename, flags, errp);
    if (!file) {
        return NULL;
    }

    bool probed_raw = false;
    if (!drv) {
        uint8_t buf[2048];
        int64_t len = bdrv_getlength(file);
        int n = (int)MIN((int64_t)sizeof(buf), MAX(len, 0));
        memset(buf, 0, sizeof(buf));
        if (n > 0) {
            int ret = bdrv_pread(file, 0, n, buf);
            if (ret < 0) {
                error_setg_errno(errp, -ret, "Could not read image for determining its format");
                bdrv_unref(file);
                return NULL;
            }
        }
        drv = bdrv_probe(buf, n, filename);
        if (!drv || drv == &bdrv_driver_raw) {
            const char *foreign = probe_foreign_format(buf, n);
            if (foreign && (flags & BDRV_O_RDWR)) {
                error_setg(errp, "'%s' looks like a %s image, which mimic does not support; "
                                 "refusing to guess raw for a writable open (use format=raw "
                                 "to force it)", filename, foreign);
                bdrv_unref(file);
                return NULL;
            }
            drv = &bdrv_driver_raw;
            probed_raw = true;
            if ((flags & BDRV_O_RDWR) && !opts->quiet) {
                warn_report("Image format was not specified for '%s' and probing guessed raw.\n"
                            "         Automatically detecting the format is dangerous for raw "
                            "images, write operations on block 0 will be restricted.\n"
                            "         Specify the 'raw' format explicitly to remove the "
                            "restrictions.", filename);
            }
        }
    }

    BlockDriverState *bs = bdrv_new(drv, filename);
    bs->open_flags = flags;
    bs->read_only = !(flags & BDRV_O_RDWR);
    bs->file = file;
    bs->probed_raw = probed_raw;
    bs->request_alignment = file->request_alignment;
    if (!drv->open(bs, opts, flags, errp)) {
        bdrv_unref(file);
        bdrv_free(bs);
        return NULL;
    }
    if (drv->supports_backing && !(flags & BDRV_O_NO_BACKING)) {
        if (!bdrv_open_backing(bs, errp)) {
            bdrv_unref(bs);
            return NULL;
        }
    }
    return bs;
}

char *bdrv_get_full_backing_filename(BlockDriverState *bs)
{
    if (!bs->backing_file[0]) {
        return NULL;
    }
    return bdrv_path_combine(bs->filename, bs->backing_file);
}

bool bdrv_open_backing(BlockDriverState *bs, GError **errp)
{
    if (bs->backing || !bs->backing_file[0]) {
        return true;
    }
    g_autofree char *path = bdrv_get_full_backing_filename(bs);
    BlockOpenOptions bopts = { .quiet = true };
    if (bs->backing_format[0]) {
        bopts.format = bs->backing_format;
    }
    /* Backing files are opened read-only; their own chains follow. */
    int bflags = bs->open_flags & ~(BDRV_O_RDWR | BDRV_O_CHECK);
    bflags &= ~BDRV_O_NO_BACKING;
    GError *local = NULL;
    BlockDriverState *backing = bdrv_open(path, &bopts, bflags, &local);
    if (!backing) {
        error_setg(errp, "Could not open backing file '%s' of '%s': %s", path, bs->filename,
                   local->message);
        g_error_free(local);
        return false;
    }
    bs->backing = backing;
    return true;
}

void bdrv_set_backing(BlockDriverState *bs, BlockDriverState *new_backing)
{
    if (new_backing) {
        bdrv_ref(new_backing);
    }
    if (bs->backing) {
        bdrv_unref(bs->backing);
    }
    bs->backing = new_backing;
}

void bdrv_ref(BlockDriverState *bs)
{
    g_atomic_int_inc(&bs->refcnt);
}

void bdrv_unref(BlockDriverState *bs)
{
    if (!bs || !g_atomic_int_dec_and_test(&bs->refcnt)) {
        return;
    }
    if (bs->drv->close) {
        bs->drv->close(bs);
    }
    if (bs->backing) {
        bdrv_unref(bs->backing);
    }
    if (bs->file) {
        bdrv_unref(bs->file);
    }
    bdrv_free(bs);
}

bool bdrv_create(const char *fmt, const char *filename, const BlockCreateOptions *opts,
                 GError **errp)
{
    BlockDriver *drv = bdrv_find_format(fmt);
    if (!drv) {
        error_setg(errp, "Unknown file format '%s'; use qcow2 or raw", fmt);
        return false;
    }
    if (!drv->create) {
        error_setg(errp, "Format '%s' does not support image creation", fmt);
        return false;
    }
    return drv->create(filename, opts, errp);
}

bool bdrv_is_read_only(BlockDriverState *bs)
{
    return bs->read_only;
}

const char *bdrv_get_filename(BlockDriverState *bs)
{
    return bs->filename;
}

BlockDriverState *bdrv_backing(BlockDriverState *bs)
{
    return bs->backing;
}

BlockDriverState *bdrv_file(BlockDriverState *bs)
{
    return bs->file;
}

const char *bdrv_get_backing_filename(BlockDriverState *bs)
{
    return bs->backing_file;
}

const char *bdrv_get_backing_format(BlockDriverState *bs)
{
    return bs->backing_format;
}

bool bdrv_change_backing_file(BlockDriverState *bs, const char *backing_file,
                              const char *backing_fmt, GError **errp)
{
    if (!bs->drv->change_backing_file) {
        error_setg(errp, "Format '%s' does not support backing files", bs->drv->format_name);
        return false;
    }
    if (bs->read_only) {
        error_setg(errp, "Cannot change the backing file of read-only image '%s'", bs->filename);
        return false;
    }
    return bs->drv->change_backing_file(bs, backing_file, backing_fmt, errp);
}

/* ---- requests ---- */

static int bdrv_check_request(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    if (offset < 0 || bytes < 0 || offset > INT64_MAX - bytes) {
        return -EIO;
    }
    return 0;
}

static bool bdrv_is_unaligned(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    int64_t align = bs->sector_alignment;
    return align > 1 && ((offset | bytes) & (align - 1));
}

/* A request on partial sectors, widened to whole ones: read them, patch, write back. */
static int bdrv_rw_widened(BlockDriverState *bs, bool write, int64_t offset, int64_t bytes,
                           IOVector *qiov, int flags)
{
    int64_t align = bs->sector_alignment;
    int64_t start = ROUND_DOWN(offset, align);
    size_t len = ROUND_UP(offset + bytes, align) - start;
    g_autofree uint8_t *buf = g_try_malloc(len);
    if (!buf) {
        return -ENOMEM;
    }
    IOVector whole;
    iovec_init_buf(&whole, buf, len);
    if (write) {
        g_mutex_lock(&bs->rmw_lock);
    }
    int ret = bs->drv->preadv(bs, start, len, &whole, 0);
    if (ret == 0 && !write) {
        iovec_from_buf(qiov, 0, buf + (offset - start), bytes);
    } else if (ret == 0) {
        iovec_to_buf(qiov, 0, buf + (offset - start), bytes);
        ret = bs->drv->pwritev(bs, start, len, &whole, flags);
    }
    if (write) {
        g_mutex_unlock(&bs->rmw_lock);
    }
    return ret;
}

int bdrv_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes, IOVector *qiov, int flags)
{
    int ret = bdrv_check_request(bs, offset, bytes);
    if (ret < 0) {
        return ret;
    }
    if (bytes == 0) {
        return 0;
    }
    if (bdrv_is_unaligned(bs, offset, bytes)) {
        return bdrv_rw_widened(bs, false, offset, bytes, qiov, flags);
    }
    return bs->drv->preadv(bs, offset, bytes, qiov, flags);
}

int bdrv_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes, IOVector *qiov, int flags)
{
    int ret = bdrv_check_request(bs, offset, bytes);
    if (ret < 0) {
        return ret;
    }
    if (bs->read_only) {
        return -EPERM;
    }
    if (bytes == 0) {
        return 0;
    }
    if (bs->probed_raw && offset < 512) {
        uint8_t first[512];
        memset(first, 0, sizeof(first));
        int64_t n = MIN(bytes, 512 - offset);
        if (offset > 0 || n < 512) {
            /* Partial first-sector write: judge the sector as it would end up. */
            ret = bdrv_pread(bs->file, 0, 512, first);
            if (ret < 0) {
                return ret;
            }
        }
        iovec_to_buf(qiov, 0, first + offset, n);
        if (bdrv_probe_changes_format(first, 512)) {
            return -EPERM;
        }
    }
    if (bdrv_is_unaligned(bs, offset, bytes)) {
        return bdrv_rw_widened(bs, true, offset, bytes, qiov, flags);
    }
    return bs->drv->pwritev(bs, offset, bytes, qiov, flags);
}

int bdrv_pread(BlockDriverState *bs, int64_t offset, int64_t bytes, void *buf)
{
    IOVector v;
    iovec_init_buf(&v, buf, bytes);
    return bdrv_preadv(bs, offset, bytes, &v, 0);
}

int bdrv_pwrite(BlockDriverState *bs, int64_t offset, int64_t bytes, const void *buf)
{
    IOVector v;
    iovec_init_buf(&v, (void *)buf, bytes);
    return bdrv_pwritev(bs, offset, bytes, &v, 0);
}

int bdrv_pwrite_sync(BlockDriverState *bs, int64_t offset, int64_t bytes, const void *buf)
{
    int ret = bdrv_pwrite(bs, offset, bytes, buf);
    if (ret < 0) {
        return ret;
    }
    return bdrv_flush(bs);
}

int bdrv_pwritev_compressed(BlockDriverState *bs, int64_t offset, int64_t bytes, IOVector *qiov)
{
    int ret = bdrv_check_request(bs, offset, bytes);
    if (ret < 0) {
        return ret;
    }
    if (bs->read_only) {
        return -EPERM;
    }
    if (!bs->drv->pwritev_compressed) {
        return -ENOTSUP;
    }
    return bs->drv->pwritev_compressed(bs, offset, bytes, qiov);
}

int bdrv_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes, int flags)
{
    int ret = bdrv_check_request(bs, offset, bytes);
    if (ret < 0) {
        return ret;
    }
    if (bs->read_only) {
        return -EPERM;
    }
    if (bytes == 0) {
        return 0;
    }
    if (!(bs->open_flags & BDRV_O_UNMAP)) {
        flags &= ~BDRV_REQ_MAY_UNMAP;
    }
    /* Partial sectors go through bdrv_pwrite below, which widens them. */
    if (bs->drv->pwrite_zeroes && !bdrv_is_unaligned(bs, offset, bytes)) {
        ret = bs->drv->pwrite_zeroes(bs, offset, bytes, flags);
        if (ret != -ENOTSUP) {
            return ret;
        }
    }
    if (flags & BDRV_REQ_NO_FALLBACK) {
        return -ENOTSUP;
    }
    /* Fallback: write a zeroed buffer, a chunk at a time. */
    const int64_t chunk = 1 * MiB;
    g_autofree void *zero = g_malloc0(MIN(bytes, chunk));
    while (bytes > 0) {
        int64_t n = MIN(bytes, chunk);
        ret = bdrv_pwrite(bs, offset, n, zero);
        if (ret < 0) {
            return ret;
        }
        offset += n;
        bytes -= n;
    }
    return 0;
}

int bdrv_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    int ret = bdrv_check_request(bs, offset, bytes);
    if (ret < 0) {
        return ret;
    }
    if (bs->read_only) {
        return -EPERM;
    }
    if (!bs->drv->pdiscard || bytes == 0) {
        return 0;
    }
    return bs->drv->pdiscard(bs, offset, bytes);
}

int bdrv_flush(BlockDriverState *bs)
{
    if (bs->drv->flush) {
        return bs->drv->flush(bs);
    }
    return bs->file ? bdrv_flush(bs->file) : 0;
}

int bdrv_make_empty(BlockDriverState *bs)
{
    if (bs->read_only) {
        return -EPERM;
    }
    if (!bs->drv->make_empty) {
        return -ENOTSUP;
    }
    return bs->drv->make_empty(bs);
}

int64_t bdrv_getlength(BlockDriverState *bs)
{
    return bs->drv->getlength(bs);
}

int64_t bdrv_get_allocated_file_size(BlockDriverState *bs)
{
    if (bs->drv->get_allocated_file_size) {
        return bs->drv->get_allocated_file_size(bs);
    }
    return bs->file ? bdrv_get_allocated_file_size(bs->file) : -ENOTSUP;
}

bool bdrv_truncate(BlockDriverState *bs, int64_t offset, bool exact, PreallocMode prealloc,
                   GError **errp)
{
    if (offset < 0) {
        error_setg(errp, "Image size cannot be negative");
        return false;
    }
    if (bs->read_only) {
        error_setg(errp, "Image '%s' is read-only", bs->filename);
        return false;
    }
    if (!bs->drv->truncate) {
        error_setg(errp, "Image format '%s' does not support resizing", bs->drv->format_name);
        return false;
    }
    return bs->drv->truncate(bs, offset, exact, prealloc, errp);
}

int bdrv_block_status(BlockDriverState *bs, int64_t offset, int64_t bytes, int64_t *pnum,
                      int64_t *map, BlockDriverState **file)
{
    int64_t len = bdrv_getlength(bs);
    int64_t dummy_map;
    BlockDriverState *dummy_file;
    if (!map) {
        map = &dummy_map;
    }
    if (!file) {
        file = &dummy_file;
    }
    *map = 0;
    *file = NULL;
    if (len < 0) {
        return (int)len;
    }
    if (offset >= len) {
        *pnum = 0;
        return BDRV_BLOCK_EOF;
    }
    bytes = MIN(bytes, len - offset);
    if (!bs->drv->block_status) {
        *pnum = bytes;
        return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED;
    }
    int ret = bs->drv->block_status(bs, offset, bytes, pnum, map, file);
    if (ret >= 0 && *pnum > bytes) {
        *pnum = bytes;
    }
    if (ret >= 0 && offset + *pnum >= len) {
        ret |= BDRV_BLOCK_EOF;
    }
    return ret;
}

int bdrv_block_status_above(BlockDriverState *bs, BlockDriverState *base, int64_t offset,
                            int64_t bytes, int64_t *pnum, int64_t *map,
                            BlockDriverState **file, int *depth)
{
    int d = 0;
    int64_t want = bytes;
    for (BlockDriverState *p = bs; p && p != base; p = p->backing, d++) {
        int64_t n;
        int64_t plen = bdrv_getlength(p);
        if (plen < 0) {
            return (int)plen;
        }
        if (offset >= plen) {
            /* Beyond this layer's end: reads as zeroes, decided here (QEMU does the same). */
            *pnum = want;
            *depth = d;
            return BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED;
        }
        int ret = bdrv_block_status(p, offset, want, &n, map, file);
        if (ret < 0) {
            return ret;
        }
        if (ret & BDRV_BLOCK_ALLOCATED) {
            *pnum = n;
            *depth = d;
            return ret;
        }
        /* Unallocated here: look below, but only for the length unallocated here. */
        want = n;
    }
    *pnum = want;
    *depth = -1;
    return BDRV_BLOCK_ZERO;
}

int bdrv_is_allocated(BlockDriverState *bs, int64_t offset, int64_t bytes, int64_t *pnum)
{
    int ret = bdrv_block_status(bs, offset, bytes, pnum, NULL, NULL);
    if (ret < 0) {
        return ret;
    }
    return !!(ret & BDRV_BLOCK_ALLOCATED);
}

bool bdrv_can_check(BlockDriverState *bs)
{
    return bs->drv->check != NULL;
}

int bdrv_check(BlockDriverState *bs, BdrvCheckResult *res, BdrvCheckMode fix)
{
    if (!bs->drv->check) {
        return -ENOTSUP;
    }
    return bs->drv->check(bs, res, fix);
}

int bdrv_get_info(BlockDriverState *bs, BlockDriverInfo *bdi)
{
    memset(bdi, 0, sizeof(*bdi));
    if (!bs->drv->get_info) {
        return -ENOTSUP;
    }
    return bs->drv->get_info(bs, bdi);
}

ImageInfoSpecific *bdrv_get_specific_info(BlockDriverState *bs)
{
    return bs->drv->get_specific_info ? bs->drv->get_specific_info(bs) : NULL;
}

ImageInfoSpecific *bdrv_new_specific_info(const char *type)
{
    ImageInfoSpecific *info = g_new0(ImageInfoSpecific, 1);
    info->type = type;
    info->keys = g_ptr_array_new_with_free_func(g_free);
    info->values = g_ptr_array_new_with_free_func(g_free);
    info->human = g_ptr_array_new_with_free_func(g_free);
    return info;
}

void image_info_specific_add(ImageInfoSpecific *info, const char *key, const char *human,
                             const char *json_value)
{
    g_ptr_array_add(info->keys, g_strdup(key));
    g_ptr_array_add(info->human, g_strdup(human));
    g_ptr_array_add(info->values, g_strdup(json_value));
}

void image_info_specific_free(ImageInfoSpecific *info)
{
    if (!info) {
        return;
    }
    g_ptr_array_free(info->keys, true);
    g_ptr_array_free(info->values, true);
    g_ptr_array_free(info->human, true);
    g_free(info);
}

int bdrv_snapshot_list(BlockDriverState *bs, QEMUSnapshotInfo **psn_info)
{
    *psn_info = NULL;
    if (!bs->drv->snapshot_list) {
        return -ENOTSUP;
    }
    return bs->drv->snapshot_list(bs, psn_info);
}

#define SNAPSHOT_OP(op)                                                                            \
    bool bdrv_snapshot_##op(BlockDriverState *bs, const char *name, GError **errp)                 \
    {                                                                                              \
        if (!bs->drv->snapshot_##op) {                                                             \
            error_setg(errp, "Format '%s' does not support internal snapshots",                    \
                       bs->drv->format_name);                                                      \
            return false;                                                                          \
        }                                                                                          \
        return bs->drv->snapshot_##op(bs, name, errp);                                             \
    }
SNAPSHOT_OP(create)
SNAPSHOT_OP(goto)
SNAPSHOT_OP(delete)

bool bdrv_amend_options(BlockDriverState *bs, const BlockCreateOptions *opts,
                        const char *const *set_keys, GError **errp)
{
    if (!bs->drv->amend) {
        error_setg(errp, "Format driver '%s' does not support option amendment",
                   bs->drv->format_name);
        return false;
    }
    return bs->drv->amend(bs, opts, set_keys, errp);
}

bool bdrv_measure(const char *fmt, const BlockCreateOptions *opts, BlockDriverState *in_bs,
                  BlockMeasureInfo *info, GError **errp)
{
    BlockDriver *drv = bdrv_find_format(fmt);
    if (!drv || !drv->measure) {
        error_setg(errp, "Format '%s' does not support measure; use qcow2 or raw", fmt);
        return false;
    }
    return drv->measure(opts, in_bs, info, errp);
}
