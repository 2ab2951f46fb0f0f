/*
 * qcow2 host cluster management ("Host cluster management" in qcow2.txt):
 * refcount table and blocks of any width 1..64 bits, cluster allocation, and
 * the consistency check (qemu-img check) with leak/error repair.
 *
 * Allocation scans upward from free_cluster_index and reserves the clusters
 * (by moving the index past them) before their refcounts are raised, so
 * nested allocations (a new refcount block, a larger refcount table) never
 * hand out the same cluster twice. A new refcount block is written before the
 * table entry that points to it; a larger table is written completely, then
 * switched to by one header write, then the old one freed.
 */
#include "block/qcow2.h"
#include "util/error.h"

#define HOST_OFFSET_LIMIT (1ULL << 56) /* spec: host clusters lie below 64 PB */

uint64_t qcow2_get_refcount_ro(const void *block, int order, uint64_t index)
{
    const uint8_t *b = block;
    switch (order) {
    case 0:
    case 1:
    case 2: {
        int bits = 1 << order;
        uint64_t bit = index * bits;
        /* Sub-byte widths: entry 0 is in the least significant bits of byte 0. */
        return (b[bit / 8] >> (bit % 8)) & ((1u << bits) - 1);
    }
    case 3:
        return b[index];
    case 4:
        return ((uint64_t)b[2 * index] << 8) | b[2 * index + 1];
    case 5: {
        uint32_t v;
        memcpy(&v, b + 4 * index, 4);
        return GUINT32_FROM_BE(v);
    }
    default: {
        uint64_t v;
        memcpy(&v, b + 8 * index, 8);
        return GUINT64_FROM_BE(v);
    }
    }
}

void qcow2_set_refcount_ro(void *block, int order, uint64_t index, uint64_t value)
{
    uint8_t *b = block;
    switch (order) {
    case 0:
    case 1:
    case 2: {
        int bits = 1 << order;
        uint64_t bit = index * bits;
        uint8_t mask = ((1u << bits) - 1) << (bit % 8);
        b[bit / 8] = (b[bit / 8] & ~mask) | ((value << (bit % 8)) & mask);
        break;
    }
    case 3:
        b[index] = value;
        break;
    case 4:
        b[2 * index] = value >> 8;
        b[2 * index + 1] = value;
        break;
    case 5: {
        uint32_t v = GUINT32_TO_BE((uint32_t)value);
        memcpy(b + 4 * index, &v, 4);
        break;
    }
    default: {
        uint64_t v = GUINT64_TO_BE(value);
        memcpy(b + 8 * index, &v, 8);
        break;
    }
    }
}

bool qcow2_refcount_init(BlockDriverState *bs, GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    s->refcount_table = g_try_new0(uint64_t, MAX(s->refcount_table_size, 1));
    if (!s->refcount_table) {
        error_setg(errp, "Could not allocate refcount table");
        return false;
    }
    if (s->refcount_table_size) {
        int ret = bdrv_pread(bs->file, s->refcount_table_offset,
                             (int64_t)s->refcount_table_size * 8, s->refcount_table);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Could not read refcount table");
            return false;
        }
        for (uint32_t i = 0; i < s->refcount_table_size; i++) {
            s->refcount_table[i] = GUINT64_FROM_BE(s->refcount_table[i]);
        }
    }
    s->refcount_block_cache = qcow2_cache_create(16, s->cluster_size);
    return true;
}

void qcow2_refcount_close(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    qcow2_cache_destroy(s->refcount_block_cache);
    s->refcount_block_cache = NULL;
    g_free(s->refcount_table);
    s->refcount_table = NULL;
}

/* Load the refcount block for table index rt_index; *block = NULL if there is none. */
static int get_refcount_block(BlockDriverState *bs, uint64_t rt_index, void **block)
{
    BDRVQcow2State *s = bs->opaque;
    *block = NULL;
    if (rt_index >= s->refcount_table_size) {
        return 0;
    }
    uint64_t entry = s->refcount_table[rt_index];
    uint64_t off = entry & REFT_OFFSET_MASK;
    if (!off) {
        return 0;
    }
    if (!offset_is_cluster_aligned(s, off) || (entry & REFT_RESERVED_MASK)) {
        return qcow2_signal_corruption(bs, "Refblock offset %#" PRIx64 " unaligned (reftable "
                                           "index: %#" PRIx64 ")", off, rt_index);
    }
    if (off >= HOST_OFFSET_LIMIT) {
        return qcow2_signal_corruption(bs, "Refblock offset %#" PRIx64 " out of range", off);
    }
    return qcow2_cache_get(bs, s->refcount_block_cache, off, block);
}

int qcow2_get_refcount(BlockDriverState *bs, uint64_t cluster_index, uint64_t *refcount)
{
    BDRVQcow2State *s = bs->opaque;
    void *block;
    int ret = get_refcount_block(bs, cluster_index >> s->refcount_block_bits, &block);
    if (ret < 0) {
        return ret;
    }
    if (!block) {
        *refcount = 0;
        return 0;
    }
    *refcount = qcow2_get_refcount_ro(block, s->refcount_order,
                                      cluster_index & (s->refcount_block_size - 1));
    qcow2_cache_put(s->refcount_block_cache, &block);
    return 0;
}

/* Find nb free clusters in a row and reserve them (no refcount change yet). */
static int64_t alloc_clusters_noref(BlockDriverState *bs, uint64_t size)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t nb = size_to_clusters(s, size);
retry:
    for (uint64_t i = 0; i < nb; i++) {
        uint64_t ci = s->free_cluster_index + i;
        uint64_t rc;
        if ((ci + 1) << s->cluster_bits > HOST_OFFSET_LIMIT) {
            return -EFBIG;
        }
        int ret = qcow2_get_refcount(bs, ci, &rc);
        if (ret < 0) {
            return ret;
        }
        if (rc != 0) {
            s->free_cluster_index = ci + 1;
            goto retry;
        }
    }
    uint64_t start = s->free_cluster_index;
    s->free_cluster_index += nb;
    return start << s->cluster_bits;
}

static int grow_refcount_table(BlockDriverState *bs, uint64_t rt_index, uint64_t block_offset);

/*
 * Create the refcount block for table index rt_index. The block is placed at
 * a newly reserved cluster; if that cluster is one the block itself describes
 * it counts itself, otherwise its refcount is raised first (recursively).
 */
static int alloc_refcount_block(BlockDriverState *bs, uint64_t rt_index, void **block)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t b = alloc_clusters_noref(bs, s->cluster_size);
    if (b < 0) {
        return (int)b;
    }
    uint64_t b_ci = (uint64_t)b >> s->cluster_bits;
    bool self = (b_ci >> s->refcount_block_bits) == rt_index;
    int ret;
    if (!self) {
        ret = qcow2_update_refcount(bs, b, 1, 1);
        if (ret < 0) {
            return ret;
        }
    }
    ret = qcow2_cache_get_empty(bs, s->refcount_block_cache, b, block);
    if (ret < 0) {
        return ret;
    }
    memset(*block, 0, s->cluster_size);
    if (self) {
        qcow2_set_refcount_ro(*block, s->refcount_order, b_ci & (s->refcount_block_size - 1), 1);
    }
    qcow2_cache_mark_dirty(s->refcount_block_cache, *block);

    /* The block must be on disk before any table entry points to it. */
    ret = qcow2_cache_flush(bs, s->refcount_block_cache);
    if (ret < 0) {
        goto fail;
    }
    if (rt_index < s->refcount_table_size) {
        uint64_t be = GUINT64_TO_BE((uint64_t)b);
        ret = bdrv_pwrite_sync(bs->file, s->refcount_table_offset + rt_index * 8, 8, &be);
        if (ret < 0) {
            goto fail;
        }
        s->refcount_table[rt_index] = b;
    } else {
        ret = grow_refcount_table(bs, rt_index, b);
        if (ret < 0) {
            goto fail;
        }
    }
    return 0;
fail:
    qcow2_cache_put(s->refcount_block_cache, block);
    return ret;
}

/*
 * Replace the refcount table by a larger one that also points to
 * block_offset at rt_index. The new table and any refcount blocks it needs
 * for itself are placed past everything in use.
 */
static int grow_refcount_table(BlockDriverState *bs, uint64_t rt_index, uint64_t block_offset)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t file_len = bdrv_getlength(bs->file);
    if (file_len < 0) {
        return (int)file_len;
    }
    uint64_t area = MAX(size_to_clusters(s, file_len), s->free_cluster_index);
    uint64_t per_cluster = s->cluster_size / 8;
    uint64_t needed = MAX(rt_index, (area + 64) >> s->refcount_block_bits) + 1;
    uint64_t new_size = ROUND_UP(MAX(needed, s->refcount_table_size) * 2, per_cluster);
    if (new_size * 8 > QCOW2_MAX_REFTABLE_SIZE) {
        new_size = QCOW2_MAX_REFTABLE_SIZE / 8;
        if (new_size <= rt_index) {
            return -EFBIG;
        }
    }
    uint64_t table_clusters = new_size * 8 / s->cluster_size;
    uint64_t t_ci = area;
    s->free_cluster_index = area + table_clusters;

    uint64_t *new_table = g_try_new0(uint64_t, new_size);
    if (!new_table) {
        return -ENOMEM;
    }
    memcpy(new_table, s->refcount_table, (size_t)s->refcount_table_size * 8);
    new_table[rt_index] = block_offset;

    /*
     * Count the new table's clusters, creating refcount blocks where none
     * exists; new blocks count themselves or are counted in turn.
     */
    GArray *todo = g_array_new(false, false, sizeof(uint64_t));
    for (uint64_t i = 0; i < table_clusters; i++) {
        uint64_t ci = t_ci + i;
        g_array_append_val(todo, ci);
    }
    int ret = 0;
    for (guint k = 0; k < todo->len && ret == 0; k++) {
        uint64_t ci = g_array_index(todo, uint64_t, k);
        uint64_t r = ci >> s->refcount_block_bits;
        void *blk;
        if (r >= new_size) {
            ret = -EFBIG;
            break;
        }
        if (!new_table[r]) {
            uint64_t nb_ci = s->free_cluster_index++;
            new_table[r] = nb_ci << s->cluster_bits;
            ret = qcow2_cache_get_empty(bs, s->refcount_block_cache, new_table[r], &blk);
            if (ret < 0) {
                break;
            }
            memset(blk, 0, s->cluster_size);
            qcow2_cache_mark_dirty(s->refcount_block_cache, blk);
            qcow2_cache_put(s->refcount_block_cache, &blk);
            g_array_append_val(todo, nb_ci);
        }
        ret = qcow2_cache_get(bs, s->refcount_block_cache, new_table[r], &blk);
        if (ret < 0) {
            break;
        }
        uint64_t idx = ci & (s->refcount_block_size - 1);
        uint64_t v = qcow2_get_refcount_ro(blk, s->refcount_order, idx);
        qcow2_set_refcount_ro(blk, s->refcount_order, idx, v + 1);
        qcow2_cache_mark_dirty(s->refcount_block_cache, blk);
        qcow2_cache_put(s->refcount_block_cache, &blk);
    }
    g_array_free(todo, true);
    if (ret == 0) {
        ret = qcow2_cache_flush(bs, s->refcount_block_cache);
    }
    if (ret < 0) {
        g_free(new_table);
        return ret;
    }

    uint64_t *be_table = g_new(uint64_t, new_size);
    for (uint64_t i = 0; i < new_size; i++) {
        be_table[i] = GUINT64_TO_BE(new_table[i]);
    }
    ret = bdrv_pwrite_sync(bs->file, t_ci << s->cluster_bits, new_size * 8, be_table);
    g_free(be_table);
    if (ret < 0) {
        g_free(new_table);
        return ret;
    }

    /* Switch: refcount_table_offset (8 bytes at 48) and refcount_table_clusters (4 at 56). */
    uint8_t hdr[12];
    uint64_t off_be = GUINT64_TO_BE(t_ci << s->cluster_bits);
    uint32_t cl_be = GUINT32_TO_BE((uint32_t)table_clusters);
    memcpy(hdr, &off_be, 8);
    memcpy(hdr + 8, &cl_be, 4);
    ret = bdrv_pwrite_sync(bs->file, 48, sizeof(hdr), hdr);
    if (ret < 0) {
        g_free(new_table);
        return ret;
    }

    uint64_t old_offset = s->refcount_table_offset;
    uint64_t old_size = s->refcount_table_size;
    g_free(s->refcount_table);
    s->refcount_table = new_table;
    s->refcount_table_size = new_size;
    s->refcount_table_offset = t_ci << s->cluster_bits;
    if (old_size) {
        /* Leaves free_cluster_index alone: callers may hold reserved clusters below it. */
        qcow2_update_refcount(bs, old_offset, old_size * 8, -1);
    }
    return 0;
}

int qcow2_update_refcount(BlockDriverState *bs, uint64_t offset, uint64_t length, int64_t delta)
{
    BDRVQcow2State *s = bs->opaque;
    if (length == 0) {
        return 0;
    }
    uint64_t start = start_of_cluster(s, offset);
    uint64_t last = start_of_cluster(s, offset + length - 1);
    for (uint64_t co = start; co <= last; co += s->cluster_size) {
        uint64_t ci = co >> s->cluster_bits;
        uint64_t rt_index = ci >> s->refcount_block_bits;
        void *block;
        int ret = get_refcount_block(bs, rt_index, &block);
        if (ret < 0) {
            return ret;
        }
        if (!block) {
            if (delta < 0) {
                return qcow2_signal_corruption(bs, "Freeing cluster %#" PRIx64
                                                   " that has no refcount block", co);
            }
            ret = alloc_refcount_block(bs, rt_index, &block);
            if (ret < 0) {
                return ret;
            }
        }
        uint64_t idx = ci & (s->refcount_block_size - 1);
        uint64_t old = qcow2_get_refcount_ro(block, s->refcount_order, idx);
        if ((delta < 0 && old < (uint64_t)-delta) ||
            (delta > 0 && s->refcount_max - old < (uint64_t)delta)) {
            qcow2_cache_put(s->refcount_block_cache, &block);
            if (delta < 0) {
                return qcow2_signal_corruption(bs, "Refcount of cluster %#" PRIx64
                                                   " would drop below zero", co);
            }
            return -ERANGE;
        }
        uint64_t val = old + delta;
        qcow2_set_refcount_ro(block, s->refcount_order, idx, val);
        qcow2_cache_mark_dirty(s->refcount_block_cache, block);
        qcow2_cache_put(s->refcount_block_cache, &block);
        if (val == 0) {
            /* A freed metadata cluster must not be written back from a cache later. */
            qcow2_cache_discard(s->l2_cache, co);
            qcow2_cache_discard(s->refcount_block_cache, co);
            if (s->cluster_cache_offset >= co && s->cluster_cache_offset < co + s->cluster_size) {
                s->cluster_cache_offset = UINT64_MAX;
            }
            if (bs->open_flags & BDRV_O_UNMAP) {
                bdrv_pdiscard(bs->file, co, s->cluster_size);
            }
        }
    }
    return 0;
}

int64_t qcow2_alloc_clusters(BlockDriverState *bs, uint64_t size)
{
    int64_t offset = alloc_clusters_noref(bs, size);
    if (offset < 0) {
        return offset;
    }
    int ret = qcow2_update_refcount(bs, offset, size, 1);
    return ret < 0 ? ret : offset;
}

int64_t qcow2_alloc_bytes(BlockDriverState *bs, int size)
{
    BDRVQcow2State *s = bs->opaque;
    g_assert(size > 0 && size <= s->cluster_size);
    uint64_t fbo = s->free_byte_offset;
    if (fbo && offset_into_cluster(s, fbo) && offset_into_cluster(s, fbo) + size <= (uint64_t)s->cluster_size) {
        int ret = qcow2_update_refcount(bs, fbo, 1, 1);
        if (ret == -ERANGE) {
            fbo = 0; /* refcount saturated: start a new cluster */
        } else if (ret < 0) {
            return ret;
        } else {
            s->free_byte_offset = fbo + size;
            return fbo;
        }
    }
    int64_t off = qcow2_alloc_clusters(bs, s->cluster_size);
    if (off < 0) {
        return off;
    }
    s->free_byte_offset = off + size;
    if (offset_into_cluster(s, s->free_byte_offset) == 0) {
        s->free_byte_offset = 0;
    }
    return off;
}

void qcow2_free_clusters(BlockDriverState *bs, uint64_t offset, uint64_t size)
{
    BDRVQcow2State *s = bs->opaque;
    int ret = qcow2_update_refcount(bs, offset, size, -1);
    if (ret < 0) {
        /* The clusters stay referenced: a leak, reported by check. */
        return;
    }
    uint64_t ci = offset >> s->cluster_bits;
    if (ci < s->free_cluster_index) {
        s->free_cluster_index = ci;
    }
}

void qcow2_free_any_cluster(BlockDriverState *bs, uint64_t l2_entry, int nb_clusters)
{
    BDRVQcow2State *s = bs->opaque;
    switch (qcow2_get_cluster_type(s, l2_entry)) {
    case QCOW2_CLUSTER_COMPRESSED: {
        uint64_t coff = l2_entry & s->cluster_offset_mask;
        uint64_t nb_csectors = ((l2_entry >> s->csize_shift) & s->csize_mask) + 1;
        uint64_t end = (coff & ~511ULL) + nb_csectors * 512;
        qcow2_free_clusters(bs, coff, end - coff);
        break;
    }
    case QCOW2_CLUSTER_NORMAL:
    case QCOW2_CLUSTER_ZERO_ALLOC: {
        uint64_t off = l2_entry & L2E_OFFSET_MASK;
        if (offset_is_cluster_aligned(s, off)) {
            qcow2_free_clusters(bs, off, (uint64_t)nb_clusters << s->cluster_bits);
        }
        break;
    }
    default:
        break;
    }
}

/* ---- snapshot refcounts ---- */

int qcow2_update_snapshot_refcount(BlockDriverState *bs, uint64_t l1_table_offset, int l1_size,
                                   int addend)
{
    BDRVQcow2State *s = bs->opaque;
    if (l1_size <= 0) {
        return 0;
    }
    g_autofree uint64_t *l1 = g_try_new(uint64_t, l1_size);
    if (!l1) {
        return -ENOMEM;
    }
    int ret = bdrv_pread(bs->file, l1_table_offset, (int64_t)l1_size * 8, l1);
    if (ret < 0) {
        return ret;
    }
    g_autofree uint64_t *l2 = g_malloc(s->cluster_size);
    for (int i = 0; i < l1_size; i++) {
        uint64_t l2_off = GUINT64_FROM_BE(l1[i]) & L1E_OFFSET_MASK;
        if (!l2_off) {
            continue;
        }
        if (!offset_is_cluster_aligned(s, l2_off)) {
            return qcow2_signal_corruption(bs, "L2 table offset %#" PRIx64 " unaligned", l2_off);
        }
        /* The active L2 tables may only be current in the cache. */
        void *cached;
        ret = qcow2_cache_get(bs, s->l2_cache, l2_off, &cached);
        if (ret < 0) {
            return ret;
        }
        memcpy(l2, cached, s->cluster_size);
        qcow2_cache_put(s->l2_cache, &cached);
        for (int j = 0; j < s->l2_size; j++) {
            uint64_t e = GUINT64_FROM_BE(l2[j]);
            switch (qcow2_get_cluster_type(s, e)) {
            case QCOW2_CLUSTER_COMPRESSED: {
                uint64_t coff = e & s->cluster_offset_mask;
                uint64_t nb = ((e >> s->csize_shift) & s->csize_mask) + 1;
                ret = qcow2_update_refcount(bs, coff, (coff & ~511ULL) + nb * 512 - coff, addend);
                break;
            }
            case QCOW2_CLUSTER_NORMAL:
            case QCOW2_CLUSTER_ZERO_ALLOC:
                ret = qcow2_update_refcount(bs, e & L2E_OFFSET_MASK, 1, addend);
                break;
            default:
                ret = 0;
            }
            if (ret < 0) {
                return ret;
            }
        }
        ret = qcow2_update_refcount(bs, l2_off, 1, addend);
        if (ret < 0) {
            return ret;
        }
    }
    return 0;
}

/* ---- check ---- */

typedef struct CheckState {
    uint64_t *refs;     /* computed references per cluster */
    uint64_t nb;        /* entries in refs */
    uint64_t nb_file;   /* clusters in the file */
    BdrvCheckResult *res;
} CheckState;

#define CHECK_MAX_CLUSTERS (1ULL << 31)

static void check_log(CheckState *cs, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void check_log(CheckState *cs, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (cs->res->log) {
        g_string_append_vprintf(cs->res->log, fmt, ap);
        g_string_append_c(cs->res->log, '\n');
    }
    va_end(ap);
}

/* Count one reference to every cluster overlapping [offset, offset+size). */
static void check_inc_refs(BlockDriverState *bs, CheckState *cs, uint64_t offset, uint64_t size)
{
    BDRVQcow2State *s = bs->opaque;
    if (size == 0) {
        return;
    }
    uint64_t first = offset >> s->cluster_bits;
    uint64_t last = (offset + size - 1) >> s->cluster_bits;
    for (uint64_t ci = first; ci <= last; ci++) {
        if (ci >= CHECK_MAX_CLUSTERS) {
            check_log(cs, "ERROR: cluster %" PRIu64 " beyond the checkable range", ci);
            cs->res->corruptions++;
            return;
        }
        if (ci >= cs->nb) {
            uint64_t n = MAX(ci + 1, cs->nb * 2);
            cs->refs = g_renew(uint64_t, cs->refs, n);
            memset(cs->refs + cs->nb, 0, (n - cs->nb) * 8);
            cs->nb = n;
        }
        if (ci >= cs->nb_file) {
            check_log(cs, "ERROR: cluster %" PRIu64 " is referenced but lies beyond the end "
                          "of the image file", ci);
            cs->res->corruptions++;
        }
        cs->refs[ci]++;
    }
}

static int check_l2(BlockDriverState *bs, CheckState *cs, uint64_t l2_offset, bool active,
                    uint64_t *next_contiguous)
{
    BDRVQcow2State *s = bs->opaque;
    g_autofree uint64_t *l2 = g_malloc(s->cluster_size);
    int ret = bdrv_pread(bs->file, l2_offset, s->cluster_size, l2);
    if (ret < 0) {
        check_log(cs, "ERROR: I/O error in check_refcounts_l2");
        cs->res->check_errors++;
        return ret;
    }
    for (int i = 0; i < s->l2_size; i++) {
        uint64_t e = GUINT64_FROM_BE(l2[i]);
        switch (qcow2_get_cluster_type(s, e)) {
        case QCOW2_CLUSTER_COMPRESSED: {
            uint64_t coff = e & s->cluster_offset_mask;
            uint64_t nb = ((e >> s->csize_shift) & s->csize_mask) + 1;
            if (e & QCOW_OFLAG_COPIED) {
                check_log(cs, "ERROR: coffset=0x%" PRIx64 ": copied flag must never be set "
                              "for compressed clusters", coff);
                cs->res->corruptions++;
            }
            if (active) {
                cs->res->allocated_clusters++;
                cs->res->compressed_clusters++;
            }
            check_inc_refs(bs, cs, coff, (coff & ~511ULL) + nb * 512 - coff);
            *next_contiguous = 0;
            break;
        }
        case QCOW2_CLUSTER_NORMAL:
        case QCOW2_CLUSTER_ZERO_ALLOC: {
            uint64_t off = e & L2E_OFFSET_MASK;
            if (active) {
                cs->res->allocated_clusters++;
                if (*next_contiguous && off != *next_contiguous) {
                    cs->res->fragmented_clusters++;
                }
                *next_contiguous = off + s->cluster_size;
            }
            if (!offset_is_cluster_aligned(s, off)) {
                check_log(cs, "ERROR offset=%" PRIx64 ": Cluster is not properly aligned; L2 "
                              "entry corrupted.", off);
                cs->res->corruptions++;
                break;
            }
            if (e & L2E_STD_RESERVED_MASK) {
                check_log(cs, "ERROR: L2 entry 0x%" PRIx64 " has reserved bits set", e);
                cs->res->corruptions++;
            }
            check_inc_refs(bs, cs, off, s->cluster_size);
            break;
        }
        default:
            break;
        }
    }
    return 0;
}

static int check_l1(BlockDriverState *bs, CheckState *cs, uint64_t l1_offset, uint32_t l1_size,
                    bool active)
{
    BDRVQcow2State *s = bs->opaque;
    check_inc_refs(bs, cs, l1_offset, (uint64_t)l1_size * 8);
    if (l1_size == 0) {
        return 0;
    }
    g_autofree uint64_t *l1 = NULL;
    if (active) {
        l1 = g_memdup2(s->l1_table, (size_t)l1_size * 8);
    } else {
        l1 = g_try_new(uint64_t, l1_size);
        if (!l1 || bdrv_pread(bs->file, l1_offset, (int64_t)l1_size * 8, l1) < 0) {
            check_log(cs, "ERROR: I/O error in check_refcounts_l1");
            cs->res->check_errors++;
            return -EIO;
        }
        for (uint32_t i = 0; i < l1_size; i++) {
            l1[i] = GUINT64_FROM_BE(l1[i]);
        }
    }
    uint64_t next = 0;
    for (uint32_t i = 0; i < l1_size; i++) {
        uint64_t l2_off = l1[i] & L1E_OFFSET_MASK;
        if (!l2_off) {
            continue;
        }
        if (l1[i] & L1E_RESERVED_MASK) {
            check_log(cs, "ERROR: L1 entry %" PRIu32 " has reserved bits set", i);
            cs->res->corruptions++;
        }
        check_inc_refs(bs, cs, l2_off, s->cluster_size);
        if (!offset_is_cluster_aligned(s, l2_off)) {
            check_log(cs, "ERROR l2_offset=%" PRIx64 ": Table is not cluster aligned; L1 entry "
                          "corrupted", l2_off);
            cs->res->corruptions++;
            continue;
        }
        check_l2(bs, cs, l2_off, active, &next);
    }
    return 0;
}

static int check_set_refcount(BlockDriverState *bs, uint64_t ci, uint64_t value)
{
    BDRVQcow2State *s = bs->opaque;
    void *block;
    uint64_t rt_index = ci >> s->refcount_block_bits;
    int ret = get_refcount_block(bs, rt_index, &block);
    if (ret < 0) {
        return ret;
    }
    if (!block) {
        if (value == 0) {
            return 0;
        }
        ret = alloc_refcount_block(bs, rt_index, &block);
        if (ret < 0) {
            return ret;
        }
    }
    qcow2_set_refcount_ro(block, s->refcount_order, ci & (s->refcount_block_size - 1), value);
    qcow2_cache_mark_dirty(s->refcount_block_cache, block);
    qcow2_cache_put(s->refcount_block_cache, &block);
    return 0;
}

/* OFLAG_COPIED must be set exactly where the refcount is 1 (active tables only). */
static int check_oflag_copied(BlockDriverState *bs, CheckState *cs, BdrvCheckMode fix)
{
    BDRVQcow2State *s = bs->opaque;
    g_autofree uint64_t *l2 = g_malloc(s->cluster_size);
    for (uint32_t i = 0; i < s->l1_size; i++) {
        uint64_t l1e = s->l1_table[i];
        uint64_t l2_off = l1e & L1E_OFFSET_MASK;
        if (!l2_off || !offset_is_cluster_aligned(s, l2_off)) {
            continue;
        }
        uint64_t rc;
        if (qcow2_get_refcount(bs, l2_off >> s->cluster_bits, &rc) < 0) {
            cs->res->check_errors++;
            continue;
        }
        if ((rc == 1) != !!(l1e & QCOW_OFLAG_COPIED)) {
            check_log(cs, "%s OFLAG_COPIED L2 cluster: l1_index=%" PRIu32 " l1_entry=%" PRIx64
                          " refcount=%" PRIu64, fix & BDRV_FIX_ERRORS ? "Repairing" : "ERROR", i,
                      l1e, rc);
            if (fix & BDRV_FIX_ERRORS) {
                s->l1_table[i] = rc == 1 ? l1e | QCOW_OFLAG_COPIED : l1e & ~QCOW_OFLAG_COPIED;
                uint64_t be = GUINT64_TO_BE(s->l1_table[i]);
                if (bdrv_pwrite_sync(bs->file, s->l1_table_offset + i * 8, 8, &be) < 0) {
                    cs->res->check_errors++;
                } else {
                    cs->res->corruptions_fixed++;
                }
            } else {
                cs->res->corruptions++;
            }
        }
        if (bdrv_pread(bs->file, l2_off, s->cluster_size, l2) < 0) {
            cs->res->check_errors++;
            continue;
        }
        bool l2_dirty = false;
        for (int j = 0; j < s->l2_size; j++) {
            uint64_t e = GUINT64_FROM_BE(l2[j]);
            Qcow2ClusterType t = qcow2_get_cluster_type(s, e);
            if (t != QCOW2_CLUSTER_NORMAL && t != QCOW2_CLUSTER_ZERO_ALLOC) {
                continue;
            }
            uint64_t off = e & L2E_OFFSET_MASK;
            if (!offset_is_cluster_aligned(s, off)) {
                continue;
            }
            if (qcow2_get_refcount(bs, off >> s->cluster_bits, &rc) < 0) {
                cs->res->check_errors++;
                continue;
            }
            if ((rc == 1) != !!(e & QCOW_OFLAG_COPIED)) {
                check_log(cs, "%s OFLAG_COPIED data cluster: l2_entry=%" PRIx64
                              " refcount=%" PRIu64, fix & BDRV_FIX_ERRORS ? "Repairing" : "ERROR",
                          e, rc);
                if (fix & BDRV_FIX_ERRORS) {
                    e = rc == 1 ? e | QCOW_OFLAG_COPIED : e & ~QCOW_OFLAG_COPIED;
                    l2[j] = GUINT64_TO_BE(e);
                    l2_dirty = true;
                    cs->res->corruptions_fixed++;
                } else {
                    cs->res->corruptions++;
                }
            }
        }
        if (l2_dirty) {
            qcow2_cache_discard(s->l2_cache, l2_off);
            if (bdrv_pwrite_sync(bs->file, l2_off, s->cluster_size, l2) < 0) {
                cs->res->check_errors++;
            }
        }
    }
    return 0;
}

int qcow2_check_refcounts(BlockDriverState *bs, BdrvCheckResult *res, BdrvCheckMode fix)
{
    BDRVQcow2State *s = bs->opaque;
    int ret = qcow2_flush_metadata(bs);
    if (ret < 0) {
        res->check_errors++;
        return ret;
    }
    /* Everything cached is on disk now; reading fresh keeps check independent of the cache. */
    qcow2_cache_empty(s->l2_cache);
    qcow2_cache_empty(s->refcount_block_cache);

    int64_t file_len = bdrv_getlength(bs->file);
    if (file_len < 0) {
        res->check_errors++;
        return (int)file_len;
    }
    CheckState cs = { .res = res };
    cs.nb_file = size_to_clusters(s, file_len);
    cs.nb = MAX(cs.nb_file, 1);
    if (cs.nb > CHECK_MAX_CLUSTERS) {
        res->check_errors++;
        return -EFBIG;
    }
    cs.refs = g_try_new0(uint64_t, cs.nb);
    if (!cs.refs) {
        res->check_errors++;
        return -ENOMEM;
    }
    res->total_clusters = size_to_clusters(s, s->size);

    /* Header, active and snapshot tables, snapshot table, refcount table and blocks. */
    check_inc_refs(bs, &cs, 0, s->cluster_size);
    check_l1(bs, &cs, s->l1_table_offset, s->l1_size, true);
    for (int i = 0; i < s->nb_snapshots; i++) {
        QCowSnapshot *sn = &s->snapshots[i];
        if (!offset_is_cluster_aligned(s, sn->l1_table_offset)) {
            check_log(&cs, "ERROR snapshot %s (%s) l1_offset=%#" PRIx64 ": L1 "
                      "table is not cluster aligned; snapshot table entry corrupted",
                      sn->id_str, sn->name, sn->l1_table_offset);
            res->corruptions++;
            continue;
        }
        check_l1(bs, &cs, sn->l1_table_offset, sn->l1_size, false);
    }
    check_inc_refs(bs, &cs, s->snapshots_offset, s->snapshots_size);
    check_inc_refs(bs, &cs, s->crypto_header_offset, s->crypto_header_length);
    check_inc_refs(bs, &cs, s->refcount_table_offset, (uint64_t)s->refcount_table_size * 8);
    for (uint32_t i = 0; i < s->refcount_table_size; i++) {
        uint64_t e = s->refcount_table[i];
        uint64_t off = e & REFT_OFFSET_MASK;
        if (!off) {
            continue;
        }
        if (!offset_is_cluster_aligned(s, off) || (e & REFT_RESERVED_MASK)) {
            check_log(&cs, "ERROR refcount block %" PRIu32 " is not cluster aligned; refcount "
                           "table entry corrupted", i);
            res->corruptions++;
            continue;
        }
        if ((off >> s->cluster_bits) >= cs.nb_file) {
            check_log(&cs, "ERROR refcount block %" PRIu32 " is outside image", i);
            res->corruptions++;
            continue;
        }
        check_inc_refs(bs, &cs, off, s->cluster_size);
        uint64_t ci = off >> s->cluster_bits;
        if (cs.refs[ci] != 1) {
            check_log(&cs, "ERROR refcount block %" PRIu32 " refcount=%" PRIu64, i, cs.refs[ci]);
            res->corruptions++;
        }
    }

    /* Repairs may allocate refcount blocks: make sure nothing in use looks free. */
    if (fix) {
        s->free_cluster_index = MAX(s->free_cluster_index, cs.nb);
    }

    /* Compare computed references with the stored refcounts. */
    uint64_t highest = 0;
    uint64_t limit = MAX(cs.nb, cs.nb_file);
    for (uint64_t ci = 0; ci < limit; ci++) {
        uint64_t computed = ci < cs.nb ? cs.refs[ci] : 0;
        uint64_t stored;
        if (computed) {
            highest = ci + 1;
        }
        ret = qcow2_get_refcount(bs, ci, &stored);
        if (ret < 0) {
            check_log(&cs, "Can't get refcount for cluster %" PRIu64 ": %s", ci, g_strerror(-ret));
            res->check_errors++;
            continue;
        }
        if (stored == computed) {
            continue;
        }
        bool leak = stored > computed;
        bool fixing = leak ? (fix & BDRV_FIX_LEAKS) : (fix & BDRV_FIX_ERRORS);
        check_log(&cs, "%s cluster %" PRIu64 " refcount=%" PRIu64 " reference=%" PRIu64,
                  fixing ? "Repairing" : leak ? "Leaked" : "ERROR", ci, stored, computed);
        if (fixing && computed <= s->refcount_max && check_set_refcount(bs, ci, computed) == 0) {
            if (leak) {
                res->leaks_fixed++;
            } else {
                res->corruptions_fixed++;
            }
            continue;
        }
        if (leak) {
            res->leaks++;
        } else {
            res->corruptions++;
        }
    }
    res->image_end_offset = highest << s->cluster_bits;
    g_free(cs.refs);

    if (fix) {
        ret = qcow2_cache_flush(bs, s->refcount_block_cache);
        if (ret < 0) {
            res->check_errors++;
        }
    }
    check_oflag_copied(bs, &cs, fix);
    s->free_cluster_index = 0;
    return 0;
}
