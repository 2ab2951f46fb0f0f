/*
 * The BlockDriver seam: what a format (qcow2, raw) or protocol (file) driver
 * implements. Operations are synchronous and thread-safe (a driver serialises
 * what it must with its own lock); asynchrony is provided above them by the
 * BlockBackend's worker pool, so a driver never needs coroutines or callbacks.
 * Offsets/lengths passed in have been checked against the node's length by
 * block.c; drivers still validate everything they read from the image.
 */
#ifndef BLOCK_BLOCK_INT_H
#define BLOCK_BLOCK_INT_H

#include "block/block.h"
#include <limits.h>

struct BlockDriver {
    const char *format_name;
    size_t instance_size;
    bool is_protocol;          /* opens a filename directly (file) */
    bool supports_backing;

    /* Score 0..100 that buf (the first bytes of the file) is this format. */
    int (*probe)(const uint8_t *buf, int buf_size, const char *filename);

    /*
     * Format drivers: bs->file is open already. Protocol drivers: open
     * bs->filename. flags are BDRV_O_*.
     */
    bool (*open)(BlockDriverState *bs, const BlockOpenOptions *opts, int flags, GError **errp);
    void (*close)(BlockDriverState *bs);
    bool (*create)(const char *filename, const BlockCreateOptions *opts, GError **errp);

    int (*preadv)(BlockDriverState *bs, int64_t offset, int64_t bytes, IOVector *qiov,
                  int flags);
    int (*pwritev)(BlockDriverState *bs, int64_t offset, int64_t bytes, IOVector *qiov,
                   int flags);
    int (*pwritev_compressed)(BlockDriverState *bs, int64_t offset, int64_t bytes,
                              IOVector *qiov);
    int (*pwrite_zeroes)(BlockDriverState *bs, int64_t offset, int64_t bytes, int flags);
    int (*pdiscard)(BlockDriverState *bs, int64_t offset, int64_t bytes);
    int (*flush)(BlockDriverState *bs);
    int (*make_empty)(BlockDriverState *bs);
    int64_t (*getlength)(BlockDriverState *bs);
    int64_t (*get_allocated_file_size)(BlockDriverState *bs);
    bool (*truncate)(BlockDriverState *bs, int64_t offset, bool exact, PreallocMode prealloc,
                     GError **errp);
    int (*block_status)(BlockDriverState *bs, int64_t offset, int64_t bytes, int64_t *pnum,
                        int64_t *map, BlockDriverState **file);

    int (*get_info)(BlockDriverState *bs, BlockDriverInfo *bdi);
    ImageInfoSpecific *(*get_specific_info)(BlockDriverState *bs);
    int (*check)(BlockDriverState *bs, BdrvCheckResult *res, BdrvCheckMode fix);
    bool (*change_backing_file)(BlockDriverState *bs, const char *backing_file,
                                const char *backing_fmt, GError **errp);
    bool (*amend)(BlockDriverState *bs, const BlockCreateOptions *opts,
                  const char *const *set_keys, GError **errp);
    bool (*measure)(const BlockCreateOptions *opts, BlockDriverState *in_bs,
                    BlockMeasureInfo *info, GError **errp);

    int (*snapshot_list)(BlockDriverState *bs, QEMUSnapshotInfo **psn_info);
    bool (*snapshot_create)(BlockDriverState *bs, const char *name, GError **errp);
    bool (*snapshot_goto)(BlockDriverState *bs, const char *name, GError **errp);
    bool (*snapshot_delete)(BlockDriverState *bs, const char *name, GError **errp);
};

struct BlockDriverState {
    BlockDriver *drv;
    void *opaque;              /* driver state, instance_size bytes */
    int open_flags;
    bool read_only;
    bool probed_raw;           /* format guessed as raw: writes to block 0 restricted */
    int refcnt;

    char filename[PATH_MAX];
    BlockDriverState *file;    /* protocol child of a format node */
    BlockDriverState *backing;

    /* As stored in the image (format drivers fill these in open). */
    char backing_file[PATH_MAX];
    char backing_format[16];

    /* Smallest I/O the node accepts without read-modify-write (O_DIRECT). */
    uint32_t request_alignment;
    /*
     * Set by drivers that work in whole sectors (encryption): block.c widens
     * other requests to it, reading and rewriting the partial sectors.
     */
    uint32_t sector_alignment;
    GMutex rmw_lock;           /* serialises those read-modify-write cycles */
};

/* Open a protocol node on filename (used for a format's file child). */
BlockDriverState *bdrv_open_protocol(const char *filename, int flags, GError **errp);

/* Resolve a backing file name stored in an image relative to the image's directory. */
char *bdrv_path_combine(const char *base_filename, const char *name);

/* The BDRV_* perm lock bytes, as QEMU lays them out (raw-posix "perm lock bytes"). */
enum {
    BLK_PERM_CONSISTENT_READ = 1 << 0,
    BLK_PERM_WRITE = 1 << 1,
    BLK_PERM_WRITE_UNCHANGED = 1 << 2,
    BLK_PERM_RESIZE = 1 << 3,
    BLK_PERM_GRAPH_MOD = 1 << 4,
    BLK_PERM_ALL = 0x1f,
};

extern BlockDriver bdrv_driver_file;
extern BlockDriver bdrv_driver_raw;
extern BlockDriver bdrv_driver_qcow2;
extern BlockDriver bdrv_driver_luks;

#endif
