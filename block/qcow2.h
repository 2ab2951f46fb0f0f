/*
 * qcow2 driver internals, shared by qcow2*.c. The on-disk format follows
 * QEMU's docs/interop/qcow2.txt (versions 2 and 3); section names in comments
 * refer to that document.
 *
 * Concurrency: one mutex per image (s->lock) serialises every operation on
 * metadata; guest data I/O for already-allocated clusters runs outside it.
 *
 * Crash consistency: a refcount increase reaches the disk before any L1/L2
 * entry that relies on it (the L2 cache depends on the refcount cache and
 * flushes it first); an L2/L1 entry is removed on disk before the refcount it
 * held is decreased. So an interrupted update leaks clusters at worst.
 * With lazy_refcounts the first rule is relaxed and the dirty bit set instead;
 * a dirty image has its refcounts rebuilt when next opened read-write.
 */
#ifndef BLOCK_QCOW2_H
#define BLOCK_QCOW2_H

#include "block/block_int.h"
#include "block/luks.h"

#define QCOW_MAGIC 0x514649fbu
#define QCOW2_MIN_CLUSTER_BITS 9
#define QCOW2_MAX_CLUSTER_BITS 21
#define QCOW2_DEFAULT_CLUSTER_BITS 16
#define QCOW2_MAX_L1_SIZE (32 * MiB)        /* bytes; QEMU's limit */
#define QCOW2_MAX_REFTABLE_SIZE (8 * MiB)   /* bytes; QEMU's limit */
#define QCOW2_MAX_SNAPSHOTS 65536
#define QCOW2_MAX_BACKING_FILE_NAME 1023

/* L1/L2/refcount table entries ("Cluster mapping", "Host cluster management"). */
#define QCOW_OFLAG_COPIED (1ULL << 63)
#define QCOW_OFLAG_COMPRESSED (1ULL << 62)
#define QCOW_OFLAG_ZERO (1ULL << 0)
#define L1E_OFFSET_MASK 0x00fffffffffffe00ULL
#define L1E_RESERVED_MASK 0x7f000000000001ffULL
#define L2E_OFFSET_MASK 0x00fffffffffffe00ULL
#define L2E_STD_RESERVED_MASK 0x3f000000000001feULL
#define REFT_OFFSET_MASK 0xfffffffffffffe00ULL
#define REFT_RESERVED_MASK 0x1ffULL

/* crypt_method ("Header", bytes 32-35). */
enum {
    QCOW2_CRYPT_NONE = 0,
    QCOW2_CRYPT_AES = 1,  /* legacy AES-CBC: refused, as QEMU refuses to create it */
    QCOW2_CRYPT_LUKS = 2,
};

/* Header extension types ("Header extensions"). */
enum {
    QCOW2_EXT_END = 0,
    QCOW2_EXT_BACKING_FORMAT = 0xe2792aca,
    QCOW2_EXT_FEATURE_TABLE = 0x6803f857,
    QCOW2_EXT_BITMAPS = 0x23852875,
    QCOW2_EXT_CRYPTO = 0x0537be77,
    QCOW2_EXT_DATA_FILE = 0x44415441,
};

/* Feature bits ("Header", bytes 72-95). */
enum {
    QCOW2_INCOMPAT_DIRTY = 1 << 0,
    QCOW2_INCOMPAT_CORRUPT = 1 << 1,
    QCOW2_INCOMPAT_DATA_FILE = 1 << 2,
    QCOW2_INCOMPAT_COMPRESSION = 1 << 3,
    QCOW2_INCOMPAT_EXTL2 = 1 << 4,
    QCOW2_INCOMPAT_SUPPORTED = QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT,
    QCOW2_COMPAT_LAZY_REFCOUNTS = 1 << 0,
    QCOW2_AUTOCLEAR_BITMAPS = 1 << 0,
    QCOW2_AUTOCLEAR_DATA_FILE_RAW = 1 << 1,
};

/* The fixed header, host-endian copy. */
typedef struct QCowHeader {
    uint32_t magic;
    uint32_t version;
    uint64_t backing_file_offset;
    uint32_t backing_file_size;
    uint32_t cluster_bits;
    uint64_t size;
    uint32_t crypt_method;
    uint32_t l1_size;
    uint64_t l1_table_offset;
    uint64_t refcount_table_offset;
    uint32_t refcount_table_clusters;
    uint32_t nb_snapshots;
    uint64_t snapshots_offset;
    /* version 3 */
    uint64_t incompatible_features;
    uint64_t compatible_features;
    uint64_t autoclear_features;
    uint32_t refcount_order;
    uint32_t header_length;
    uint8_t compression_type;
} QCowHeader;

#define QCOW2_V2_HEADER_SIZE 72
#define QCOW2_V3_HEADER_SIZE 104

typedef struct Qcow2FeatureName {
    uint8_t type;
    uint8_t bit;
    char name[46];
} Qcow2FeatureName;

typedef struct QCowSnapshot {
    uint64_t l1_table_offset;
    uint32_t l1_size;
    char *id_str;
    char *name;
    uint64_t disk_size;
    uint64_t vm_state_size;
    uint32_t date_sec;
    uint32_t date_nsec;
    uint64_t vm_clock_nsec;
    uint32_t extra_data_size;
    void *unknown_extra_data; /* beyond what we understand, preserved */
} QCowSnapshot;

typedef struct Qcow2UnknownExt {
    uint32_t magic;
    uint32_t len;
    uint8_t *data;
} Qcow2UnknownExt;

typedef struct Qcow2Cache Qcow2Cache;

typedef enum {
    QCOW2_CLUSTER_UNALLOCATED,
    QCOW2_CLUSTER_ZERO_PLAIN,
    QCOW2_CLUSTER_ZERO_ALLOC,
    QCOW2_CLUSTER_NORMAL,
    QCOW2_CLUSTER_COMPRESSED,
} Qcow2ClusterType;

typedef struct BDRVQcow2State {
    GMutex lock;

    int qcow_version;
    int cluster_bits;
    int cluster_size;
    int l2_bits;          /* log2 of entries per L2 table */
    int l2_size;          /* entries per L2 table */
    int csize_shift;      /* compressed descriptor: bit where the sector count starts */
    uint64_t csize_mask;
    uint64_t cluster_offset_mask; /* compressed descriptor: host offset bits */

    int refcount_order;
    int refcount_bits;
    uint64_t refcount_max;
    int refcount_block_bits; /* log2 of entries per refcount block */
    int refcount_block_size;

    uint64_t size;        /* virtual disk size */
    uint64_t *l1_table;   /* host-endian */
    uint32_t l1_size;
    uint64_t l1_table_offset;
    uint64_t *refcount_table; /* host-endian */
    uint32_t refcount_table_size; /* entries */
    uint64_t refcount_table_offset;
    uint64_t free_cluster_index;
    uint64_t free_byte_offset; /* for packing compressed clusters */

    Qcow2Cache *l2_cache;
    Qcow2Cache *refcount_block_cache;

    uint64_t incompatible_features;
    uint64_t compatible_features;
    uint64_t autoclear_features;
    uint32_t header_length;
    bool use_lazy_refcounts;
    bool dirty_marked;    /* we set the dirty bit in this session */
    bool corruption_reported; /* report the first corruption only */

    uint64_t snapshots_offset;
    int nb_snapshots;
    uint64_t snapshots_size;
    QCowSnapshot *snapshots;

    Qcow2FeatureName *feature_table;
    int nb_features;
    GPtrArray *unknown_exts; /* Qcow2UnknownExt*, preserved on header rewrite */
    bool has_backing_format_ext;
    /* encrypt.format=luks: the LUKS header's clusters ("Full disk encryption header pointer") */
    uint32_t crypt_method;
    uint64_t crypto_header_offset;
    uint64_t crypto_header_length;
    LuksVolume *crypto;   /* NULL until unlocked (BDRV_O_NO_IO opens stay locked) */

    /* Last decompressed cluster, for sequential reads of compressed images. */
    uint64_t cluster_cache_offset;
    uint8_t *cluster_cache;
    uint8_t *cluster_data;
} BDRVQcow2State;

static inline uint64_t offset_into_cluster(const BDRVQcow2State *s, uint64_t offset)
{
    return offset & (s->cluster_size - 1);
}

static inline uint64_t start_of_cluster(const BDRVQcow2State *s, uint64_t offset)
{
    return offset & ~((uint64_t)s->cluster_size - 1);
}

static inline uint64_t size_to_clusters(const BDRVQcow2State *s, uint64_t size)
{
    return (size + s->cluster_size - 1) >> s->cluster_bits;
}

static inline int offset_to_l1_index(const BDRVQcow2State *s, uint64_t offset)
{
    return offset >> (s->l2_bits + s->cluster_bits);
}

static inline int offset_to_l2_index(const BDRVQcow2State *s, uint64_t offset)
{
    return (offset >> s->cluster_bits) & (s->l2_size - 1);
}

static inline uint64_t size_to_l1(int cluster_bits, uint64_t size)
{
    int shift = cluster_bits + (cluster_bits - 3);
    return (size + (1ULL << shift) - 1) >> shift;
}

static inline bool offset_is_cluster_aligned(const BDRVQcow2State *s, uint64_t offset)
{
    return offset_into_cluster(s, offset) == 0;
}

Qcow2ClusterType qcow2_get_cluster_type(BDRVQcow2State *s, uint64_t l2_entry);

/* qcow2.c */
int qcow2_mark_dirty(BlockDriverState *bs);
int qcow2_mark_clean(BlockDriverState *bs);
int qcow2_mark_corrupt(BlockDriverState *bs);
/* Log a corruption found while running, mark the image corrupt; returns -EIO. */
int qcow2_signal_corruption(BlockDriverState *bs, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
int qcow2_update_header(BlockDriverState *bs);
int qcow2_flush_metadata(BlockDriverState *bs);

/* encrypt.format=luks: set up the LUKS header of a new image and unlock it (qcow2.c). */
bool qcow2_luks_format(BlockDriverState *bs, const BlockCreateOptions *opts, GError **errp);

/* qcow2-cache.c */
Qcow2Cache *qcow2_cache_create(int num_tables, int table_size);
void qcow2_cache_destroy(Qcow2Cache *c);
int qcow2_cache_get(BlockDriverState *bs, Qcow2Cache *c, uint64_t offset, void **table);
int qcow2_cache_get_empty(BlockDriverState *bs, Qcow2Cache *c, uint64_t offset, void **table);
void qcow2_cache_put(Qcow2Cache *c, void **table);
void qcow2_cache_mark_dirty(Qcow2Cache *c, void *table);
void qcow2_cache_set_dependency(Qcow2Cache *c, Qcow2Cache *dependency);
int qcow2_cache_write(BlockDriverState *bs, Qcow2Cache *c);
int qcow2_cache_flush(BlockDriverState *bs, Qcow2Cache *c);
void qcow2_cache_discard(Qcow2Cache *c, uint64_t offset);
void qcow2_cache_empty(Qcow2Cache *c);

/* qcow2-refcount.c */
bool qcow2_refcount_init(BlockDriverState *bs, GError **errp);
void qcow2_refcount_close(BlockDriverState *bs);
uint64_t qcow2_get_refcount_ro(const void *block, int order, uint64_t index);
void qcow2_set_refcount_ro(void *block, int order, uint64_t index, uint64_t value);
int qcow2_get_refcount(BlockDriverState *bs, uint64_t cluster_index, uint64_t *refcount);
int64_t qcow2_alloc_clusters(BlockDriverState *bs, uint64_t size);
int64_t qcow2_alloc_bytes(BlockDriverState *bs, int size);
/* Add delta to the refcount of every cluster overlapping [offset, offset+length). */
int qcow2_update_refcount(BlockDriverState *bs, uint64_t offset, uint64_t length,
                          int64_t delta);
void qcow2_free_clusters(BlockDriverState *bs, uint64_t offset, uint64_t size);
/* Drop the reference an L2 entry holds on its host cluster(s). */
void qcow2_free_any_cluster(BlockDriverState *bs, uint64_t l2_entry, int nb_clusters);
/* Refcount +1/-1 (addend) for everything reachable from an L1 table (snapshots). */
int qcow2_update_snapshot_refcount(BlockDriverState *bs, uint64_t l1_table_offset,
                                   int l1_size, int addend);
int qcow2_check_refcounts(BlockDriverState *bs, BdrvCheckResult *res, BdrvCheckMode fix);

/* qcow2-cluster.c */
int qcow2_grow_l1_table(BlockDriverState *bs, uint64_t min_size, bool exact_size);
int qcow2_get_host_offset(BlockDriverState *bs, uint64_t offset, uint64_t *bytes,
                          uint64_t *host_offset, Qcow2ClusterType *type, uint64_t *l2_entry);
int qcow2_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes, IOVector *qiov, int flags);
int qcow2_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes, IOVector *qiov,
                  int flags);
int qcow2_pwritev_compressed(BlockDriverState *bs, int64_t offset, int64_t bytes,
                             IOVector *qiov);
int qcow2_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes, int flags);
int qcow2_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes);
int qcow2_block_status(BlockDriverState *bs, int64_t offset, int64_t bytes, int64_t *pnum,
                       int64_t *map, BlockDriverState **file);
/* Discard/zero every cluster from offset (cluster aligned) to the end: for shrinking. */
int qcow2_discard_clusters(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                           bool to_zero, bool full_discard);
/* preallocation=metadata: give every cluster in [offset, offset+bytes) a host cluster. */
int qcow2_preallocate_metadata(BlockDriverState *bs, uint64_t offset, uint64_t bytes);

/* qcow2-snapshot.c */
bool qcow2_read_snapshots(BlockDriverState *bs, GError **errp);
void qcow2_free_snapshots(BlockDriverState *bs);
int qcow2_snapshot_list(BlockDriverState *bs, QEMUSnapshotInfo **psn_info);
bool qcow2_snapshot_create(BlockDriverState *bs, const char *name, GError **errp);
bool qcow2_snapshot_goto(BlockDriverState *bs, const char *name, GError **errp);
bool qcow2_snapshot_delete(BlockDriverState *bs, const char *name, GError **errp);

/* qcow2-compress.c: 0 / compressed length, or -errno */
int qcow2_decompress(void *dest, size_t dest_size, const void *src, size_t src_size);
ssize_t qcow2_compress(void *dest, size_t dest_size, const void *src, size_t src_size);

/* qcow2-create.c */
bool qcow2_create(const char *filename, const BlockCreateOptions *opts, GError **errp);
bool qcow2_measure(const BlockCreateOptions *opts, BlockDriverState *in_bs, BlockMeasureInfo *info,
                   GError **errp);
bool qcow2_amend(BlockDriverState *bs, const BlockCreateOptions *opts, const char *const *set_keys,
                 GError **errp);

#endif
