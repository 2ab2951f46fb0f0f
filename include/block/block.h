/*
 * The block layer's public face: BlockDriverState (a node: a format or a
 * protocol driver bound to an image) and BlockBackend (what a device or a tool
 * holds). A node stacks over a protocol child ("file") and an optional backing
 * node. I/O functions return 0 or a negative errno; open/create report through
 * GError. Everything here may be called synchronously from any thread; the
 * blk_aio_* calls run the same operations on a worker pool and complete
 * through a callback (on a GMainContext when one is attached).
 */
#ifndef BLOCK_BLOCK_H
#define BLOCK_BLOCK_H

#include "util/osdep.h"
#include "block/iov.h"

typedef struct BlockDriver BlockDriver;
typedef struct BlockDriverState BlockDriverState;
typedef struct BlockBackend BlockBackend;

#define BDRV_SECTOR_BITS 9
#define BDRV_SECTOR_SIZE (1u << BDRV_SECTOR_BITS)

/* Open flags. */
enum {
    BDRV_O_RDWR = 1 << 0,
    BDRV_O_NOCACHE = 1 << 1,     /* O_DIRECT on the protocol */
    BDRV_O_NO_FLUSH = 1 << 2,    /* cache=unsafe: flushes are no-ops */
    BDRV_O_NO_BACKING = 1 << 3,  /* do not open the backing chain */
    BDRV_O_UNMAP = 1 << 4,       /* discard requests reach the file */
    BDRV_O_FORCE_SHARE = 1 << 5, /* -U: take no exclusive image locks */
    BDRV_O_NO_LOCK = 1 << 6,     /* locking=off */
    BDRV_O_CHECK = 1 << 7,       /* opened for check: tolerate what check repairs */
    BDRV_O_INACTIVE_DIRTY = 1 << 8, /* open a dirty qcow2 without repairing it */
    BDRV_O_NATIVE_AIO = 1 << 9,  /* aio=native: Linux AIO (needs BDRV_O_NOCACHE) */
    BDRV_O_IO_URING = 1 << 10,   /* aio=io_uring */
    BDRV_O_NO_IO = 1 << 11,      /* metadata only (info): an encrypted image needs no key */
};

/* Request flags. */
enum {
    BDRV_REQ_MAY_UNMAP = 1 << 0, /* write_zeroes may deallocate */
    BDRV_REQ_FUA = 1 << 1,
    BDRV_REQ_NO_FALLBACK = 1 << 2,
};

/* block_status results. */
enum {
    BDRV_BLOCK_DATA = 1 << 0,      /* reads come from a data area (file or map offset) */
    BDRV_BLOCK_ZERO = 1 << 1,      /* reads return zeroes */
    BDRV_BLOCK_OFFSET_VALID = 1 << 2, /* *map is valid */
    BDRV_BLOCK_ALLOCATED = 1 << 3, /* this layer decides the content (not the backing) */
    BDRV_BLOCK_COMPRESSED = 1 << 4,
    BDRV_BLOCK_EOF = 1 << 5,
};

typedef enum {
    PREALLOC_MODE_OFF,
    PREALLOC_MODE_METADATA,
    PREALLOC_MODE_FALLOC,
    PREALLOC_MODE_FULL,
} PreallocMode;

/* Parse "off|metadata|falloc|full". */
bool bdrv_parse_prealloc(const char *s, PreallocMode *out, GError **errp);
const char *bdrv_prealloc_name(PreallocMode m);

/*
 * "-o"/"-drive" style cache modes: writeback (default), none (O_DIRECT),
 * writethrough, directsync (O_DIRECT + writethrough), unsafe (no flushes).
 */
bool bdrv_parse_cache_mode(const char *mode, int *flags, bool *writethrough, GError **errp);
/* "aio=threads|native|io_uring": sets the matching BDRV_O_* flag in *flags. */
bool bdrv_parse_aio(const char *mode, int *flags, GError **errp);

typedef struct BlockOpenOptions {
    const char *format;        /* NULL: probe */
    const char *backing_format_override; /* rarely needed */
    uint64_t l2_cache_size;    /* bytes; 0 = driver default */
    bool writethrough;         /* BlockBackend write cache disabled */
    bool quiet;                /* no probing warning */
    const char *key_secret;    /* secret id of an encrypted image's key (encrypt.key-secret) */
} BlockOpenOptions;

/* Image creation options (qemu-img create -o). Zero means "default". */
typedef struct BlockCreateOptions {
    uint64_t size;
    bool size_set;
    uint64_t cluster_size;
    const char *backing_file;
    const char *backing_fmt;
    PreallocMode prealloc;
    int compat;              /* 2 (0.10) or 3 (1.1); 0: default (3) */
    bool lazy_refcounts;
    int refcount_bits;       /* 0: default 16 */
    bool extended_l2;
    const char *encrypt_format; /* qcow2 encrypt.format: NULL or "luks" */
    const char *key_secret;     /* encrypt.key-secret (qcow2), key-secret (luks) */
    uint64_t iter_time_ms;      /* PBKDF2 time per key slot; 0: 2000 as QEMU */
} BlockCreateOptions;

/*
 * --image-opts: an image named by options, "driver=FMT,file.filename=PATH
 * [,file.driver=file][,encrypt.key-secret=ID|key-secret=ID][,l2-cache-size=N]".
 * Fills *filename and o (whose strings live in the returned list: free it after
 * opening); NULL with errp on a mistake.
 */
typedef struct KeyValList KeyValList;
KeyValList *bdrv_parse_image_opts(const char *spec, const char **filename, BlockOpenOptions *o,
                                  GError **errp);
/* Take the key's secret id from options: encrypt.key-secret (qcow2) or key-secret (luks). */
const char *bdrv_take_key_secret(KeyValList *kv);

/* Drivers */
BlockDriver *bdrv_find_format(const char *name);
const char *bdrv_get_format_name(BlockDriverState *bs);
void bdrv_iterate_format(void (*fn)(void *opaque, const char *name), void *opaque);
bool bdrv_driver_can_create(BlockDriver *drv);

/* Nodes */
BlockDriverState *bdrv_open(const char *filename, const BlockOpenOptions *opts, int flags,
                            GError **errp);
void bdrv_ref(BlockDriverState *bs);
void bdrv_unref(BlockDriverState *bs);
bool bdrv_create(const char *fmt, const char *filename, const BlockCreateOptions *opts,
                 GError **errp);
/* Open the backing chain of bs (if not yet done and not disabled). */
bool bdrv_open_backing(BlockDriverState *bs, GError **errp);

int bdrv_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes, IOVector *qiov, int flags);
int bdrv_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes, IOVector *qiov, int flags);
int bdrv_pread(BlockDriverState *bs, int64_t offset, int64_t bytes, void *buf);
int bdrv_pwrite(BlockDriverState *bs, int64_t offset, int64_t bytes, const void *buf);
/* pwrite then flush: for metadata that must be on disk before what follows. */
int bdrv_pwrite_sync(BlockDriverState *bs, int64_t offset, int64_t bytes, const void *buf);
int bdrv_pwritev_compressed(BlockDriverState *bs, int64_t offset, int64_t bytes,
                            IOVector *qiov);
int bdrv_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes, int flags);
int bdrv_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes);
int bdrv_flush(BlockDriverState *bs);
/* Drop all of this layer's data (commit): every cluster becomes unallocated. */
int bdrv_make_empty(BlockDriverState *bs);
int64_t bdrv_getlength(BlockDriverState *bs);
int64_t bdrv_get_allocated_file_size(BlockDriverState *bs);
bool bdrv_truncate(BlockDriverState *bs, int64_t offset, bool exact, PreallocMode prealloc,
                   GError **errp);
/*
 * Status of [offset, offset+bytes) in this node alone: returns BDRV_BLOCK_*
 * flags (or -errno) and sets *pnum to the length that shares them; *map is
 * the offset in *file when BDRV_BLOCK_OFFSET_VALID.
 */
int bdrv_block_status(BlockDriverState *bs, int64_t offset, int64_t bytes, int64_t *pnum,
                      int64_t *map, BlockDriverState **file);
/*
 * Status through the backing chain down to (not including) base: *depth is the
 * chain depth of the node that decides the content (0 = bs), or -1 when no node
 * does (unallocated everywhere: reads zero).
 */
int bdrv_block_status_above(BlockDriverState *bs, BlockDriverState *base, int64_t offset,
                            int64_t bytes, int64_t *pnum, int64_t *map,
                            BlockDriverState **file, int *depth);
/* Is [offset, offset+bytes) allocated in bs itself? Sets *pnum. */
int bdrv_is_allocated(BlockDriverState *bs, int64_t offset, int64_t bytes, int64_t *pnum);

bool bdrv_is_read_only(BlockDriverState *bs);
const char *bdrv_get_filename(BlockDriverState *bs);
BlockDriverState *bdrv_backing(BlockDriverState *bs);
BlockDriverState *bdrv_file(BlockDriverState *bs);
/* Backing file name as stored in the image ("" if none), and its format ("" if unknown). */
const char *bdrv_get_backing_filename(BlockDriverState *bs);
const char *bdrv_get_backing_format(BlockDriverState *bs);
/* Backing file name resolved against the image's directory (g_free it). */
char *bdrv_get_full_backing_filename(BlockDriverState *bs);
/* Rewrite the image's backing file reference (rebase -u, commit). */
bool bdrv_change_backing_file(BlockDriverState *bs, const char *backing_file,
                              const char *backing_fmt, GError **errp);
/*
 * Commit: copy what the layers from top down to base (not included) hold into
 * dest, a writable open of base or base itself (grown to top's size), then
 * flush dest; progress, if not NULL, hears the percentage done. 0 or -errno.
 */
int bdrv_commit_copy(BlockDriverState *top, BlockDriverState *base, BlockDriverState *dest,
                     void (*progress)(void *opaque, double percent), void *opaque);
/*
 * Commit bs into its backing file while bs stays open (HMP commit): the
 * backing node is reopened writable for the copy, then read-only again, and
 * bs is emptied. The caller has drained bs's requests.
 */
bool bdrv_commit(BlockDriverState *bs, GError **errp);
/* Make bs's backing node new_backing (may be NULL); takes a new reference. */
void bdrv_set_backing(BlockDriverState *bs, BlockDriverState *new_backing);

/* Check (qemu-img check). */
typedef enum {
    BDRV_FIX_NONE = 0,
    BDRV_FIX_LEAKS = 1,
    BDRV_FIX_ERRORS = 2,
} BdrvCheckMode;

typedef struct BdrvCheckResult {
    int corruptions;
    int leaks;
    int check_errors;
    int corruptions_fixed;
    int leaks_fixed;
    int64_t image_end_offset;
    int64_t total_clusters;
    int64_t allocated_clusters;
    int64_t fragmented_clusters;
    int64_t compressed_clusters;
    GString *log; /* per-problem lines, printed by the tool in human mode */
} BdrvCheckResult;

bool bdrv_can_check(BlockDriverState *bs);
int bdrv_check(BlockDriverState *bs, BdrvCheckResult *res, BdrvCheckMode fix);

/* Info (qemu-img info). Format-specific data is appended as JSON members. */
typedef struct BlockDriverInfo {
    int64_t cluster_size; /* 0 if not applicable */
    bool encrypted;
    bool is_dirty;
    bool has_dirty;
} BlockDriverInfo;

int bdrv_get_info(BlockDriverState *bs, BlockDriverInfo *bdi);

typedef struct ImageInfoSpecific {
    const char *type;     /* "qcow2" */
    GPtrArray *keys;      /* JSON key names */
    GPtrArray *values;    /* JSON literal text: "\"1.1\"", "true", "16" */
    GPtrArray *human;     /* human-readable key names ("compat", "lazy refcounts") */
} ImageInfoSpecific;

ImageInfoSpecific *bdrv_get_specific_info(BlockDriverState *bs);
/* An empty one, for drivers to fill with image_info_specific_add. */
ImageInfoSpecific *bdrv_new_specific_info(const char *type);
void image_info_specific_free(ImageInfoSpecific *info);
void image_info_specific_add(ImageInfoSpecific *info, const char *key, const char *human,
                             const char *json_value);

/* Internal snapshots */
typedef struct QEMUSnapshotInfo {
    char id_str[128];
    char name[256];
    uint64_t vm_state_size;
    uint32_t date_sec;
    uint32_t date_nsec;
    uint64_t vm_clock_nsec;
    uint64_t icount;
} QEMUSnapshotInfo;

int bdrv_snapshot_list(BlockDriverState *bs, QEMUSnapshotInfo **psn_info);
bool bdrv_snapshot_create(BlockDriverState *bs, const char *name, GError **errp);
bool bdrv_snapshot_goto(BlockDriverState *bs, const char *name, GError **errp);
bool bdrv_snapshot_delete(BlockDriverState *bs, const char *name, GError **errp);

/* Amend (qemu-img amend): change creation options of an existing image. */
bool bdrv_amend_options(BlockDriverState *bs, const BlockCreateOptions *opts,
                        const char *const *set_keys, GError **errp);

/* Measure (qemu-img measure): bytes needed for an image of the given options. */
typedef struct BlockMeasureInfo {
    uint64_t required;
    uint64_t fully_allocated;
} BlockMeasureInfo;
bool bdrv_measure(const char *fmt, const BlockCreateOptions *opts, BlockDriverState *in_bs,
                  BlockMeasureInfo *info, GError **errp);

/* ---- BlockBackend: what a device or a tool holds ---- */

typedef void BlockCompletionFunc(void *opaque, int ret);

BlockBackend *blk_new_open(const char *filename, const BlockOpenOptions *opts, int flags,
                           GError **errp);
BlockBackend *blk_new_with_bs(BlockDriverState *bs, bool writethrough);
void blk_unref(BlockBackend *blk);
BlockDriverState *blk_bs(BlockBackend *blk);

int blk_preadv(BlockBackend *blk, int64_t offset, int64_t bytes, IOVector *qiov, int flags);
int blk_pwritev(BlockBackend *blk, int64_t offset, int64_t bytes, IOVector *qiov, int flags);
int blk_pread(BlockBackend *blk, int64_t offset, int64_t bytes, void *buf);
int blk_pwrite(BlockBackend *blk, int64_t offset, int64_t bytes, const void *buf, int flags);
int blk_pwrite_compressed(BlockBackend *blk, int64_t offset, int64_t bytes, const void *buf);
int blk_pwrite_zeroes(BlockBackend *blk, int64_t offset, int64_t bytes, int flags);
int blk_pdiscard(BlockBackend *blk, int64_t offset, int64_t bytes);
int blk_flush(BlockBackend *blk);
int64_t blk_getlength(BlockBackend *blk);
bool blk_truncate(BlockBackend *blk, int64_t offset, bool exact, PreallocMode prealloc,
                  GError **errp);
bool blk_enable_write_cache(BlockBackend *blk);
void blk_set_enable_write_cache(BlockBackend *blk, bool wce);

typedef struct BlockAcctStats {
    uint64_t rd_bytes, wr_bytes;
    uint64_t rd_ops, wr_ops, flush_ops, discard_ops;
} BlockAcctStats;
void blk_get_stats(BlockBackend *blk, BlockAcctStats *out);

/*
 * Asynchronous requests: run on the block layer's worker pool. The callback
 * runs in the GMainContext set with blk_set_aio_context (through
 * g_main_context_invoke), or on the worker thread when none is set. qiov must
 * stay valid until the callback. A callback on a worker must not wait for a
 * request it sends: the first one it sends runs on that worker once it returns.
 */
typedef struct BlockAIOCB BlockAIOCB;
void blk_set_aio_context(BlockBackend *blk, GMainContext *ctx);
BlockAIOCB *blk_aio_preadv(BlockBackend *blk, int64_t offset, IOVector *qiov, int flags,
                           BlockCompletionFunc *cb, void *opaque);
BlockAIOCB *blk_aio_pwritev(BlockBackend *blk, int64_t offset, IOVector *qiov, int flags,
                            BlockCompletionFunc *cb, void *opaque);
BlockAIOCB *blk_aio_flush(BlockBackend *blk, BlockCompletionFunc *cb, void *opaque);
BlockAIOCB *blk_aio_pdiscard(BlockBackend *blk, int64_t offset, int64_t bytes,
                             BlockCompletionFunc *cb, void *opaque);
BlockAIOCB *blk_aio_pwrite_zeroes(BlockBackend *blk, int64_t offset, int64_t bytes, int flags,
                                  BlockCompletionFunc *cb, void *opaque);
/* Wait until every request submitted on blk has completed (callbacks included). */
void blk_drain(BlockBackend *blk);

#endif
