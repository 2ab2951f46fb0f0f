/*
 * Commit: copy the data a node holds itself (or the layers down to a base
 * in its chain hold) into a backing file, the way qemu-img commit and HMP's
 * commit do. bdrv_commit_copy is the copy (shared by mimic-img commit); bdrv_commit serves a running VM: the backing node,
 * opened read-only, is swapped for a writable one for the duration, and the
 * committed node is emptied afterwards so that it reads through to the data
 * now in its backing file (QEMU's bdrv_commit does the same).
 */
#include "block/block_int.h"
#include "util/error.h"

#define COMMIT_CHUNK ((int64_t)(2 * MiB))

int bdrv_commit_copy(BlockDriverState *top, BlockDriverState *base, BlockDriverState *dest,
                     void (*progress)(void *opaque, double percent), void *opaque)
{
    int64_t len = bdrv_getlength(top);
    int64_t dest_len = bdrv_getlength(dest);
    if (len < 0 || dest_len < 0) {
        return (int)(len < 0 ? len : dest_len);
    }
    if (dest_len < len && !bdrv_truncate(dest, len, false, PREALLOC_MODE_OFF, NULL)) {
        return -EIO;
    }
    g_autofree uint8_t *buf = g_try_malloc(COMMIT_CHUNK);
    if (!buf) {
        return -ENOMEM;
    }
    for (int64_t off = 0; off < len;) {
        int64_t pnum;
        int depth;
        int ret = bdrv_block_status_above(top, base, off, MIN(len - off, COMMIT_CHUNK), &pnum,
                                          NULL, NULL, &depth);
        if (ret < 0) {
            return ret;
        }
        if (depth >= 0) {
            ret = bdrv_pread(top, off, pnum, buf);
            if (ret == 0) {
                ret = bdrv_pwrite(dest, off, pnum, buf);
            }
            if (ret < 0) {
                return ret;
            }
        }
        off += pnum;
        if (progress) {
            progress(opaque, off * 100.0 / len);
        }
    }
    return bdrv_flush(dest);
}

/* Replace bs's backing node by a new open of the same image with flags; false with errp. */
static bool bdrv_reopen_backing(BlockDriverState *bs, int flags, GError **errp)
{
    BlockDriverState *old = bdrv_backing(bs);
    g_autofree char *path = bdrv_get_full_backing_filename(bs);
    BlockOpenOptions o = { .format = bdrv_get_format_name(old), .quiet = true };
    /* Our own read-only open holds locks that refuse writers: drop it first. */
    bdrv_ref(old);
    bdrv_set_backing(bs, NULL);
    if (old->refcnt > 1) {
        bdrv_set_backing(bs, old);
        bdrv_unref(old);
        error_setg(errp, "The backing file of '%s' is in use by another node", bs->filename);
        return false;
    }
    int keep = old->open_flags & (BDRV_O_NOCACHE | BDRV_O_NO_FLUSH | BDRV_O_NATIVE_AIO |
                                  BDRV_O_IO_URING | BDRV_O_UNMAP);
    bdrv_unref(old);
    BlockDriverState *fresh = bdrv_open(path, &o, flags | keep, errp);
    bool ok = fresh != NULL;
    if (!fresh) {
        /* Put a read-only node back, so that the guest keeps its disk. */
        fresh = bdrv_open(path, &o, keep, NULL);
    }
    if (fresh) {
        bdrv_set_backing(bs, fresh);
        bdrv_unref(fresh);
    }
    return ok;
}

bool bdrv_commit(BlockDriverState *bs, GError **errp)
{
    if (!bdrv_backing(bs)) {
        error_setg(errp, "'%s' has no backing file to commit to", bs->filename);
        return false;
    }
    if (bdrv_is_read_only(bs)) {
        error_setg(errp, "'%s' is read-only: it cannot be emptied after the commit",
                   bs->filename);
        return false;
    }
    if (!bdrv_reopen_backing(bs, BDRV_O_RDWR, errp)) {
        return false;
    }
    int ret = bdrv_commit_copy(bs, bdrv_backing(bs), bdrv_backing(bs), NULL, NULL);
    if (ret == 0) {
        ret = bdrv_make_empty(bs);
        ret = ret == -ENOTSUP ? 0 : ret;
    }
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Commit of '%s' into '%s' failed", bs->filename,
                         bdrv_get_filename(bdrv_backing(bs)));
    }
    GError *local = NULL;
    if (!bdrv_reopen_backing(bs, 0, &local)) {
        if (ret == 0) {
            g_propagate_error(errp, local);
        } else {
            g_error_free(local);
        }
        return false;
    }
    return ret == 0;
}
