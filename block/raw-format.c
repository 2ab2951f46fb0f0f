/*
 * raw format: the guest sees the protocol's bytes unchanged. Everything passes
 * through to bs->file; block.c enforces the first-sector restriction when the
 * format was only guessed.
 */
#include "block/block_int.h"
#include "util/error.h"

static int raw_probe(const uint8_t *buf, int buf_size, const char *filename)
{
    return 1; /* anything can be raw: the lowest possible score */
}

static bool raw_open(BlockDriverState *bs, const BlockOpenOptions *opts, int flags,
                     GError **errp)
{
    return true;
}

static int raw_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes, IOVector *qiov,
                      int flags)
{
    return bdrv_preadv(bs->file, offset, bytes, qiov, flags);
}

static int raw_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes, IOVector *qiov,
                       int flags)
{
    return bdrv_pwritev(bs->file, offset, bytes, qiov, flags);
}

static int raw_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes, int flags)
{
    return bdrv_pwrite_zeroes(bs->file, offset, bytes, flags);
}

static int raw_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    return bdrv_pdiscard(bs->file, offset, bytes);
}

static int raw_flush(BlockDriverState *bs)
{
    return bdrv_flush(bs->file);
}

static int64_t raw_getlength(BlockDriverState *bs)
{
    return bdrv_getlength(bs->file);
}

static bool raw_truncate(BlockDriverState *bs, int64_t offset, bool exact, PreallocMode prealloc,
                         GError **errp)
{
    return bdrv_truncate(bs->file, offset, exact, prealloc, errp);
}

static int raw_block_status(BlockDriverState *bs, int64_t offset, int64_t bytes, int64_t *pnum,
                            int64_t *map, BlockDriverState **file)
{
    int ret = bdrv_block_status(bs->file, offset, bytes, pnum, map, file);
    if (ret >= 0) {
        /* A raw image decides all of its content: everything is allocated. */
        ret |= BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_OFFSET_VALID;
        ret &= ~BDRV_BLOCK_EOF;
        *map = offset;
        *file = bs->file;
    }
    return ret;
}

static bool raw_create(const char *filename, const BlockCreateOptions *opts, GError **errp)
{
    if (opts->backing_file) {
        error_setg(errp, "Backing file not supported for file format 'raw'");
        return false;
    }
    if (opts->prealloc == PREALLOC_MODE_METADATA) {
        error_setg(errp, "Unsupported preallocation mode 'metadata' for raw; "
                         "use off, falloc or full");
        return false;
    }
    return bdrv_driver_file.create(filename, opts, errp);
}

static bool raw_measure(const BlockCreateOptions *opts, BlockDriverState *in_bs,
                        BlockMeasureInfo *info, GError **errp)
{
    uint64_t size = opts->size;
    if (in_bs) {
        int64_t len = bdrv_getlength(in_bs);
        if (len < 0) {
            error_setg_errno(errp, (int)-len, "Unable to get image size");
            return false;
        }
        size = len;
    }
    size = ROUND_UP(size, BDRV_SECTOR_SIZE);
    info->fully_allocated = size;
    info->required = size;
    if (in_bs && opts->prealloc == PREALLOC_MODE_OFF) {
        /* Only the allocated data of the source needs space. */
        uint64_t required = 0;
        for (int64_t off = 0; off < (int64_t)size;) {
            int64_t pnum;
            int depth;
            int ret = bdrv_block_status_above(in_bs, NULL, off, size - off, &pnum, NULL, NULL,
                                              &depth);
            if (ret < 0 || pnum <= 0) {
                required = size;
                break;
            }
            if (!(ret & BDRV_BLOCK_ZERO)) {
                required += pnum;
            }
            off += pnum;
        }
        info->required = required;
    }
    return true;
}

BlockDriver bdrv_driver_raw = {
    .format_name = "raw",
    .probe = raw_probe,
    .open = raw_open,
    .create = raw_create,
    .preadv = raw_preadv,
    .pwritev = raw_pwritev,
    .pwrite_zeroes = raw_pwrite_zeroes,
    .pdiscard = raw_pdiscard,
    .flush = raw_flush,
    .getlength = raw_getlength,
    .truncate = raw_truncate,
    .block_status = raw_block_status,
    .measure = raw_measure,
};
