/*
 * luks format: a LUKS1 volume in a file (QEMU's "luks" driver, cryptsetup's
 * on-disk format), the guest seeing the decrypted payload. The payload sector
 * numbers are the IVs, counted from the payload start. block.c widens
 * requests to whole 512-byte sectors (sector_alignment) before they get here.
 */
#include "block/block_int.h"
#include "block/luks.h"
#include "block/secret.h"
#include "util/error.h"

typedef struct BDRVLuksState {
    LuksVolume *vol;
    uint64_t payload_offset;
} BDRVLuksState;

static int luks_probe(const uint8_t *buf, int buf_size, const char *filename)
{
    return buf_size >= 8 && !memcmp(buf, "LUKS\xba\xbe\0\1", 8) ? 100 : 0;
}

static bool luks_driver_open(BlockDriverState *bs, const BlockOpenOptions *opts, int flags,
                             GError **errp)
{
    BDRVLuksState *s = bs->opaque;
    const char *key_id = opts ? opts->key_secret : NULL;
    const char *password = NULL;
    if (key_id) {
        password = secret_lookup(key_id, errp);
        if (!password) {
            return false;
        }
    } else if (!(flags & (BDRV_O_NO_IO | BDRV_O_CHECK))) {
        error_setg(errp, "'%s' is a LUKS volume: give its key with key-secret=ID and "
                         "--object secret,id=ID,data=PASSWORD", bs->filename);
        return false;
    }
    s->vol = luks_open(bs->file, 0, password, &s->payload_offset, errp);
    bs->sector_alignment = LUKS_SECTOR_SIZE;
    return s->vol != NULL;
}

static void luks_driver_close(BlockDriverState *bs)
{
    BDRVLuksState *s = bs->opaque;
    luks_close(s->vol);
}

static int64_t luks_getlength(BlockDriverState *bs)
{
    BDRVLuksState *s = bs->opaque;
    int64_t len = bdrv_getlength(bs->file);
    if (len < 0) {
        return len;
    }
    return ROUND_DOWN(MAX(len - (int64_t)s->payload_offset, 0), (int64_t)LUKS_SECTOR_SIZE);
}

static int luks_driver_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes,
                              IOVector *qiov, int flags)
{
    BDRVLuksState *s = bs->opaque;
    return luks_preadv(s->vol, bs->file, s->payload_offset + offset, offset / LUKS_SECTOR_SIZE,
                       bytes, qiov, 0);
}

static int luks_driver_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes,
                               IOVector *qiov, int flags)
{
    BDRVLuksState *s = bs->opaque;
    return luks_pwritev(s->vol, bs->file, s->payload_offset + offset, offset / LUKS_SECTOR_SIZE,
                        bytes, qiov, 0);
}

static int luks_flush(BlockDriverState *bs)
{
    return bdrv_flush(bs->file);
}

static bool luks_truncate(BlockDriverState *bs, int64_t offset, bool exact, PreallocMode prealloc,
                          GError **errp)
{
    BDRVLuksState *s = bs->opaque;
    return bdrv_truncate(bs->file, s->payload_offset + offset, exact, prealloc, errp);
}

static int luks_block_status(BlockDriverState *bs, int64_t offset, int64_t bytes, int64_t *pnum,
                             int64_t *map, BlockDriverState **file)
{
    *pnum = bytes;
    return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED; /* ciphertext: no offset to expose */
}

static int luks_get_info(BlockDriverState *bs, BlockDriverInfo *bdi)
{
    bdi->encrypted = true;
    return 0;
}

static ImageInfoSpecific *luks_get_specific_info(BlockDriverState *bs)
{
    BDRVLuksState *s = bs->opaque;
    ImageInfoSpecific *info = bdrv_new_specific_info("luks");
    luks_add_info(s->vol, info);
    return info;
}

static bool luks_create(const char *filename, const BlockCreateOptions *opts, GError **errp)
{
    if (opts->backing_file) {
        error_setg(errp, "Backing file not supported for file format 'luks'");
        return false;
    }
    if (!opts->key_secret) {
        error_setg(errp, "Parameter 'key-secret' is required for cipher (give --object "
                         "secret,id=ID,data=PASSWORD and -o key-secret=ID)");
        return false;
    }
    const char *password = secret_lookup(opts->key_secret, errp);
    if (!password) {
        return false;
    }
    BlockCreateOptions file_opts = *opts;
    file_opts.size = luks_header_size() + ROUND_UP(opts->size, (uint64_t)LUKS_SECTOR_SIZE);
    if (!bdrv_driver_file.create(filename, &file_opts, errp)) {
        return false;
    }
    BlockDriverState *file = bdrv_open_protocol(filename, BDRV_O_RDWR, errp);
    if (!file) {
        return false;
    }
    LuksVolume *vol = luks_format(file, 0, password,
                                  opts->iter_time_ms ? opts->iter_time_ms : 2000, errp);
    bool ok = vol && bdrv_flush(file) == 0;
    luks_close(vol);
    bdrv_unref(file);
    return ok;
}

BlockDriver bdrv_driver_luks = {
    .format_name = "luks",
    .instance_size = sizeof(BDRVLuksState),
    .probe = luks_probe,
    .open = luks_driver_open,
    .close = luks_driver_close,
    .create = luks_create,
    .preadv = luks_driver_preadv,
    .pwritev = luks_driver_pwritev,
    .flush = luks_flush,
    .getlength = luks_getlength,
    .truncate = luks_truncate,
    .block_status = luks_block_status,
    .get_info = luks_get_info,
    .get_specific_info = luks_get_specific_info,
};
