/*
 * qcow2 cluster mapping ("Cluster mapping" in qcow2.txt): L1/L2 lookups,
 * guest reads (from data clusters, compressed clusters, zero clusters or the
 * backing file), allocating writes with copy-on-write of the partial head and
 * tail clusters, compressed writes, zero writes, discard and block status.
 *
 * Every L1/L2 entry is validated where it is used: unaligned offsets and
 * reserved bits mark the image corrupt and fail the request with -EIO. A data
 * cluster is only written in place when its entry has OFLAG_COPIED and it
 * does not overlap the header or the L1/refcount tables.
 */
#include "block/qcow2.h"
#include "util/error.h"

Qcow2ClusterType qcow2_get_cluster_type(BDRVQcow2State *s, uint64_t l2_entry)
{
    if (l2_entry & QCOW_OFLAG_COMPRESSED) {
        return QCOW2_CLUSTER_COMPRESSED;
    }
    if (l2_entry & QCOW_OFLAG_ZERO) {
        return (l2_entry & L2E_OFFSET_MASK) ? QCOW2_CLUSTER_ZERO_ALLOC : QCOW2_CLUSTER_ZERO_PLAIN;
    }
    if (!(l2_entry & L2E_OFFSET_MASK)) {
        return QCOW2_CLUSTER_UNALLOCATED;
    }
    return QCOW2_CLUSTER_NORMAL;
}

/* Would writing [offset, offset+size) of the file clobber the header or a top-level table? */
static bool qcow2_overlaps_metadata(BDRVQcow2State *s, uint64_t offset, uint64_t size)
{
#define OVERLAPS(start, len) ((len) != 0 && offset < (start) + (len) && (start) < offset + size)
    return OVERLAPS(0, (uint64_t)s->cluster_size) ||
           OVERLAPS(s->l1_table_offset, (uint64_t)s->l1_size * 8) ||
           OVERLAPS(s->refcount_table_offset, (uint64_t)s->refcount_table_size * 8) ||
           OVERLAPS(s->snapshots_offset, s->snapshots_size) ||
           OVERLAPS(s->crypto_header_offset, s->crypto_header_length);
#undef OVERLAPS
}

static int write_l1_entry(BlockDriverState *bs, int l1_index)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t be = GUINT64_TO_BE(s->l1_table[l1_index]);
    return bdrv_pwrite(bs->file, s->l1_table_offset + (uint64_t)l1_index * 8, 8, &be);
}

/* Load the L2 table for l1_index; *l2 = NULL when unallocated. Lock held. */
static int get_l2_table(BlockDriverState *bs, uint64_t l1_index, uint64_t **l2)
{
    BDRVQcow2State *s = bs->opaque;
    *l2 = NULL;
    if (l1_index >= s->l1_size) {
        return 0;
    }
    uint64_t l2_offset = s->l1_table[l1_index] & L1E_OFFSET_MASK;
    if (!l2_offset) {
        return 0;
    }
    if (!offset_is_cluster_aligned(s, l2_offset)) {
        return qcow2_signal_corruption(bs, "L2 table offset %#" PRIx64 " unaligned (L1 index: %#"
                                           PRIx64 ")", l2_offset, l1_index);
    }
    if (l2_offset < (uint64_t)s->cluster_size) {
        return qcow2_signal_corruption(bs, "L2 table at offset %#" PRIx64 " overlaps the header",
                                       l2_offset);
    }
    return qcow2_cache_get(bs, s->l2_cache, l2_offset, (void **)l2);
}

static int validate_l2_entry(BlockDriverState *bs, uint64_t e, uint64_t guest_offset)
{
    BDRVQcow2State *s = bs->opaque;
    Qcow2ClusterType t = qcow2_get_cluster_type(s, e);
    if (t == QCOW2_CLUSTER_NORMAL || t == QCOW2_CLUSTER_ZERO_ALLOC) {
        uint64_t off = e & L2E_OFFSET_MASK;
        if (!offset_is_cluster_aligned(s, off)) {
            return qcow2_signal_corruption(bs, "Cluster allocation offset %#" PRIx64
                                               " unaligned (guest offset: %#" PRIx64 ")", off,
                                           guest_offset);
        }
        if (t == QCOW2_CLUSTER_NORMAL && off < (uint64_t)s->cluster_size) {
            return qcow2_signal_corruption(bs, "Data cluster for guest offset %#" PRIx64
                                               " overlaps the header", guest_offset);
        }
    }
    return 0;
}

int qcow2_get_host_offset(BlockDriverState *bs, uint64_t offset, uint64_t *bytes,
                          uint64_t *host_offset, Qcow2ClusterType *type, uint64_t *l2_entry)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t in_cluster = offset_into_cluster(s, offset);
    int l2_index = offset_to_l2_index(s, offset);
    uint64_t avail = ((uint64_t)(s->l2_size - l2_index) << s->cluster_bits) - in_cluster;
    uint64_t want = MIN(*bytes, avail);
    uint64_t *l2;

    *host_offset = 0;
    *l2_entry = 0;
    int ret = get_l2_table(bs, offset_to_l1_index(s, offset), &l2);
    if (ret < 0) {
        return ret;
    }
    if (!l2) {
        *type = QCOW2_CLUSTER_UNALLOCATED;
        *bytes = want;
        return 0;
    }
    uint64_t first = GUINT64_FROM_BE(l2[l2_index]);
    ret = validate_l2_entry(bs, first, offset);
    if (ret < 0) {
        qcow2_cache_put(s->l2_cache, (void **)&l2);
        return ret;
    }
    Qcow2ClusterType t = qcow2_get_cluster_type(s, first);
    uint64_t nb_needed = DIV_ROUND_UP(in_cluster + want, (uint64_t)s->cluster_size);
    uint64_t n = 1;
    if (t != QCOW2_CLUSTER_COMPRESSED) {
        /* Extend over following entries of the same kind (contiguous for data clusters). */
        uint64_t flags = first & ~L2E_OFFSET_MASK;
        for (; n < nb_needed; n++) {
            uint64_t e = GUINT64_FROM_BE(l2[l2_index + n]);
            if ((e & ~L2E_OFFSET_MASK) != flags || qcow2_get_cluster_type(s, e) != t) {
                break;
            }
            if (t == QCOW2_CLUSTER_NORMAL &&
                (e & L2E_OFFSET_MASK) != (first & L2E_OFFSET_MASK) + (n << s->cluster_bits)) {
                break;
            }
        }
    }
    qcow2_cache_put(s->l2_cache, (void **)&l2);
    *bytes = MIN(want, (n << s->cluster_bits) - in_cluster);
    *type = t;
    *l2_entry = first;
    if (t == QCOW2_CLUSTER_NORMAL || t == QCOW2_CLUSTER_ZERO_ALLOC) {
        *host_offset = (first & L2E_OFFSET_MASK) + in_cluster;
    }
    return 0;
}

/* Inflate the compressed cluster described by l2_entry into s->cluster_cache. Lock held. */
static int decompress_cluster(BlockDriverState *bs, uint64_t l2_entry)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t coff = l2_entry & s->cluster_offset_mask;
    if (s->cluster_cache_offset == coff) {
        return 0;
    }
    uint64_t nb_csectors = ((l2_entry >> s->csize_shift) & s->csize_mask) + 1;
    uint64_t csize = nb_csectors * 512 - (coff & 511);
    if (coff < (uint64_t)s->cluster_size) {
        return qcow2_signal_corruption(bs, "Compressed cluster at %#" PRIx64
                                           " overlaps the header", coff);
    }
    int ret = bdrv_pread(bs->file, coff, csize, s->cluster_data);
    if (ret < 0) {
        return ret;
    }
    if (qcow2_decompress(s->cluster_cache, s->cluster_size, s->cluster_data, csize) < 0) {
        s->cluster_cache_offset = UINT64_MAX;
        return qcow2_signal_corruption(bs, "Compressed cluster at %#" PRIx64 " is not a valid "
                                           "deflate stream", coff);
    }
    s->cluster_cache_offset = coff;
    return 0;
}

/*
 * Guest data at host offset host, into qiov from qiov_offset: decrypted when
 * the image is encrypted (the IV is the host sector, as QEMU's qcow2 LUKS).
 */
static int qcow2_read_host(BlockDriverState *bs, uint64_t host, uint64_t bytes, IOVector *qiov,
                           size_t qiov_offset)
{
    BDRVQcow2State *s = bs->opaque;
    if (s->crypt_method) {
        return luks_preadv(s->crypto, bs->file, host, host / LUKS_SECTOR_SIZE, bytes, qiov,
                           qiov_offset);
    }
    IOVector part;
    iovec_init_slice(&part, qiov, qiov_offset, bytes);
    int ret = bdrv_preadv(bs->file, host, bytes, &part, 0);
    iovec_destroy(&part);
    return ret;
}

/* The whole of data to host offset host, encrypted first when the image is. */
static int qcow2_write_host(BlockDriverState *bs, uint64_t host, IOVector *data)
{
    BDRVQcow2State *s = bs->opaque;
    if (s->crypt_method) {
        return luks_pwritev(s->crypto, bs->file, host, host / LUKS_SECTOR_SIZE, data->size, data,
                            0);
    }
    return bdrv_pwritev(bs->file, host, data->size, data, 0);
}

/* Read [offset, offset+bytes) into qiov at qiov_offset. Lock held when locked. */
static int qcow2_do_read(BlockDriverState *bs, uint64_t offset, uint64_t bytes, IOVector *qiov,
                         size_t qiov_offset, bool locked)
{
    BDRVQcow2State *s = bs->opaque;
    int ret = 0;
    while (bytes > 0) {
        uint64_t cur = bytes, host, l2e;
        Qcow2ClusterType type;
        if (!locked) {
            g_mutex_lock(&s->lock);
        }
        ret = qcow2_get_host_offset(bs, offset, &cur, &host, &type, &l2e);
        if (ret < 0) {
            goto unlock_out;
        }
        if (type == QCOW2_CLUSTER_COMPRESSED) {
            ret = decompress_cluster(bs, l2e);
            if (ret == 0) {
                iovec_from_buf(qiov, qiov_offset, s->cluster_cache + offset_into_cluster(s, offset),
                               cur);
            }
            goto unlock_out;
        }
        if (!locked) {
            g_mutex_unlock(&s->lock);
        }

        IOVector part;
        switch (type) {
        case QCOW2_CLUSTER_UNALLOCATED:
            if (bs->backing) {
                int64_t blen = bdrv_getlength(bs->backing);
                if (blen < 0) {
                    return (int)blen;
                }
                uint64_t from_backing = (int64_t)offset < blen ? MIN(cur, blen - offset) : 0;
                if (from_backing) {
                    iovec_init_slice(&part, qiov, qiov_offset, from_backing);
                    ret = bdrv_preadv(bs->backing, offset, from_backing, &part, 0);
                    iovec_destroy(&part);
                    if (ret < 0) {
                        return ret;
                    }
                }
                iovec_memset(qiov, qiov_offset + from_backing, 0, cur - from_backing);
            } else {
                iovec_memset(qiov, qiov_offset, 0, cur);
            }
            break;
        case QCOW2_CLUSTER_ZERO_PLAIN:
        case QCOW2_CLUSTER_ZERO_ALLOC:
            iovec_memset(qiov, qiov_offset, 0, cur);
            break;
        case QCOW2_CLUSTER_NORMAL:
            ret = qcow2_read_host(bs, host, cur, qiov, qiov_offset);
            if (ret < 0) {
                return ret;
            }
            break;
        default:
            g_assert_not_reached();
        }
        offset += cur;
        bytes -= cur;
        qiov_offset += cur;
        continue;
    unlock_out:
        if (!locked) {
            g_mutex_unlock(&s->lock);
        }
        if (ret < 0) {
            return ret;
        }
        offset += cur;
        bytes -= cur;
        qiov_offset += cur;
    }
    return 0;
}

int qcow2_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes, IOVector *qiov, int flags)
{
    BDRVQcow2State *s = bs->opaque;
    if ((uint64_t)offset >= s->size || (uint64_t)bytes > s->size - offset) {
        /* Past the end of the virtual disk reads as zeroes. */
        uint64_t in = (uint64_t)offset < s->size ? s->size - offset : 0;
        iovec_memset(qiov, in, 0, bytes - in);
        bytes = in;
    }
    return qcow2_do_read(bs, offset, bytes, qiov, 0, false);
}

/*
 * Make the L2 table for l1_index writable: allocate it if absent, copy it if
 * shared (no OFLAG_COPIED). Returns it from the cache. Lock held.
 */
static int get_l2_for_write(BlockDriverState *bs, uint64_t l1_index, uint64_t **l2)
{
    BDRVQcow2State *s = bs->opaque;
    int ret;
    if (l1_index >= s->l1_size) {
        ret = qcow2_grow_l1_table(bs, l1_index + 1, false);
        if (ret < 0) {
            return ret;
        }
    }
    uint64_t l1e = s->l1_table[l1_index];
    if ((l1e & QCOW_OFLAG_COPIED) && (l1e & L1E_OFFSET_MASK)) {
        uint64_t off = l1e & L1E_OFFSET_MASK;
        if (qcow2_overlaps_metadata(s, off, s->cluster_size)) {
            return qcow2_signal_corruption(bs, "L2 table at %#" PRIx64 " overlaps metadata", off);
        }
        return get_l2_table(bs, l1_index, l2);
    }

    uint64_t *old = NULL;
    ret = get_l2_table(bs, l1_index, &old);
    if (ret < 0) {
        return ret;
    }
    int64_t new_off = qcow2_alloc_clusters(bs, s->cluster_size);
    if (new_off < 0) {
        if (old) {
            qcow2_cache_put(s->l2_cache, (void **)&old);
        }
        return (int)new_off;
    }
    ret = qcow2_cache_get_empty(bs, s->l2_cache, new_off, (void **)l2);
    if (ret < 0) {
        if (old) {
            qcow2_cache_put(s->l2_cache, (void **)&old);
        }
        return ret;
    }
    if (old) {
        memcpy(*l2, old, s->cluster_size);
        qcow2_cache_put(s->l2_cache, (void **)&old);
    } else {
        memset(*l2, 0, s->cluster_size);
    }
    qcow2_cache_mark_dirty(s->l2_cache, *l2);
    /* The new table (and its refcount) must be on disk before L1 points to it. */
    ret = qcow2_cache_flush(bs, s->l2_cache);
    if (ret < 0) {
        goto fail;
    }
    s->l1_table[l1_index] = (uint64_t)new_off | QCOW_OFLAG_COPIED;
    ret = write_l1_entry(bs, l1_index);
    if (ret < 0) {
        s->l1_table[l1_index] = l1e;
        goto fail;
    }
    if (l1e & L1E_OFFSET_MASK) {
        /* The old table was shared: drop our reference once the L1 change is on disk. */
        ret = bdrv_flush(bs->file);
        if (ret < 0) {
            goto fail;
        }
        qcow2_free_clusters(bs, l1e & L1E_OFFSET_MASK, s->cluster_size);
    }
    return 0;
fail:
    qcow2_cache_put(s->l2_cache, (void **)l2);
    return ret;
}

static bool entry_writable_in_place(BDRVQcow2State *s, uint64_t e)
{
    return qcow2_get_cluster_type(s, e) == QCOW2_CLUSTER_NORMAL && (e & QCOW_OFLAG_COPIED);
}

/*
 * Allocating write within one L2 table: clusters covering [offset, offset+bytes)
 * get new host clusters; the parts of the first and last cluster outside the
 * request are filled with what the guest saw there before. Lock held.
 */
static int qcow2_write_alloc(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                             IOVector *qiov, size_t qiov_offset)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t *l2;
    g_autofree uint8_t *head_buf = NULL;
    g_autofree uint8_t *tail_buf = NULL;
    int ret = get_l2_for_write(bs, offset_to_l1_index(s, offset), &l2);
    if (ret < 0) {
        return ret;
    }
    int l2_index = offset_to_l2_index(s, offset);
    uint64_t start = start_of_cluster(s, offset);
    uint64_t end = ROUND_UP(offset + bytes, (uint64_t)s->cluster_size);
    int nb = (int)((end - start) >> s->cluster_bits);
    g_autofree uint64_t *old = g_new(uint64_t, nb);
    for (int i = 0; i < nb; i++) {
        old[i] = GUINT64_FROM_BE(l2[l2_index + i]);
    }

    int64_t file_end = bdrv_getlength(bs->file);
    int64_t host = qcow2_alloc_clusters(bs, end - start);
    if (host < 0) {
        ret = (int)host;
        goto out;
    }
    if (qcow2_overlaps_metadata(s, host, end - start)) {
        ret = qcow2_signal_corruption(bs, "Allocated cluster %#" PRIx64 " overlaps metadata",
                                      (uint64_t)host);
        goto out;
    }

    /* Head and tail: what the guest currently sees (backing, zero, compressed, shared). */
    uint64_t head = offset - start;
    uint64_t tail = end - (offset + bytes);
    /* Zeroes on disk are not zeroes through the cipher: encrypted clusters are written whole. */
    bool fresh = file_end >= 0 && host >= file_end && !s->crypt_method;
    IOVector hv, tv, wv;
    iovec_init(&wv, qiov->niov + 2);
    if (head) {
        head_buf = g_malloc(head);
        iovec_init_buf(&hv, head_buf, head);
        ret = qcow2_do_read(bs, start, head, &hv, 0, true);
        if (ret < 0) {
            iovec_destroy(&wv);
            goto out;
        }
    }
    if (tail) {
        tail_buf = g_malloc(tail);
        iovec_init_buf(&tv, tail_buf, tail);
        uint64_t tail_start = offset + bytes;
        uint64_t tail_len = tail;
        if (tail_start >= s->size) {
            memset(tail_buf, 0, tail);
        } else {
            tail_len = MIN(tail, s->size - tail_start);
            ret = qcow2_do_read(bs, tail_start, tail_len, &tv, 0, true);
            memset(tail_buf + tail_len, 0, tail - tail_len);
            if (ret < 0) {
                iovec_destroy(&wv);
                goto out;
            }
        }
    }
    /*
     * Into a cluster past the old end of file, zero head/tail need not be
     * written: the file reads back zeroes there.
     */
    uint64_t write_off = host;
    if (head && !(fresh && buffer_is_zero(head_buf, head))) {
        iovec_add(&wv, head_buf, head);
    } else {
        write_off += head;
    }
    iovec_add_slice(&wv, qiov, qiov_offset, bytes);
    bool write_tail = tail && !(fresh && buffer_is_zero(tail_buf, tail));
    if (write_tail) {
        iovec_add(&wv, tail_buf, tail);
    }
    ret = qcow2_write_host(bs, write_off, &wv);
    if (ret == 0 && tail && !write_tail && fresh) {
        /* Keep the file covering the whole cluster so later size checks see it. */
        ret = bdrv_truncate(bs->file, host + (end - start), false, PREALLOC_MODE_OFF, NULL)
                  ? 0 : -EIO;
    }
    iovec_destroy(&wv);
    if (ret < 0) {
        goto out;
    }

    bool need_free = false;
    for (int i = 0; i < nb; i++) {
        l2[l2_index + i] = GUINT64_TO_BE(((uint64_t)host + ((uint64_t)i << s->cluster_bits)) |
                                         QCOW_OFLAG_COPIED);
        Qcow2ClusterType t = qcow2_get_cluster_type(s, old[i]);
        need_free |= t == QCOW2_CLUSTER_NORMAL || t == QCOW2_CLUSTER_COMPRESSED ||
                     t == QCOW2_CLUSTER_ZERO_ALLOC;
    }
    qcow2_cache_mark_dirty(s->l2_cache, l2);
    if (need_free) {
        /* The new mapping must be on disk before the old clusters lose their reference. */
        ret = qcow2_cache_flush(bs, s->l2_cache);
        if (ret < 0) {
            goto out;
        }
        for (int i = 0; i < nb; i++) {
            qcow2_free_any_cluster(bs, old[i], 1);
        }
    }
out:
    qcow2_cache_put(s->l2_cache, (void **)&l2);
    return ret;
}

int qcow2_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes, IOVector *qiov, int flags)
{
    BDRVQcow2State *s = bs->opaque;
    size_t qoff = 0;
    int ret = 0;
    if ((uint64_t)offset > s->size || (uint64_t)bytes > s->size - offset) {
        return -EIO;
    }
    if (s->use_lazy_refcounts && !s->dirty_marked) {
        g_mutex_lock(&s->lock);
        ret = qcow2_mark_dirty(bs);
        g_mutex_unlock(&s->lock);
        if (ret < 0) {
            return ret;
        }
    }
    while (bytes > 0) {
        uint64_t cur = bytes, host, l2e;
        Qcow2ClusterType type;
        g_mutex_lock(&s->lock);
        ret = qcow2_get_host_offset(bs, offset, &cur, &host, &type, &l2e);
        if (ret < 0) {
            g_mutex_unlock(&s->lock);
            return ret;
        }
        if (entry_writable_in_place(s, l2e)) {
            if (qcow2_overlaps_metadata(s, start_of_cluster(s, host),
                                        ROUND_UP(cur + offset_into_cluster(s, offset),
                                                 (uint64_t)s->cluster_size))) {
                ret = qcow2_signal_corruption(bs, "Data cluster %#" PRIx64 " overlaps metadata",
                                              host);
                g_mutex_unlock(&s->lock);
                return ret;
            }
            g_mutex_unlock(&s->lock);
            IOVector part;
            iovec_init_slice(&part, qiov, qoff, cur);
            ret = qcow2_write_host(bs, host, &part);
            iovec_destroy(&part);
        } else {
            /* Extend the allocation run over following clusters that also need allocating. */
            uint64_t run = cur;
            while (run < (uint64_t)bytes) {
                uint64_t next = offset + run;
                if (offset_to_l1_index(s, next) != offset_to_l1_index(s, offset)) {
                    break;
                }
                uint64_t c2 = bytes - run, h2, e2;
                Qcow2ClusterType t2;
                ret = qcow2_get_host_offset(bs, next, &c2, &h2, &t2, &e2);
                if (ret < 0 || entry_writable_in_place(s, e2)) {
                    break;
                }
                run += c2;
            }
            ret = qcow2_write_alloc(bs, offset, run, qiov, qoff);
            cur = run;
            g_mutex_unlock(&s->lock);
        }
        if (ret < 0) {
            return ret;
        }
        offset += cur;
        bytes -= cur;
        qoff += cur;
    }
    return 0;
}

int qcow2_pwritev_compressed(BlockDriverState *bs, int64_t offset, int64_t bytes, IOVector *qiov)
{
    BDRVQcow2State *s = bs->opaque;
    if (s->crypt_method) {
        return -ENOTSUP; /* as QEMU: encrypted images are never compressed */
    }
    if (offset_into_cluster(s, offset)) {
        return -EINVAL;
    }
    if (bytes != s->cluster_size && (uint64_t)(offset + bytes) != s->size) {
        return -EINVAL; /* whole clusters only (or the last, partial one) */
    }
    if (bytes == 0) {
        return 0;
    }
    g_autofree uint8_t *in = g_malloc0(s->cluster_size);
    iovec_to_buf(qiov, 0, in, bytes);
    g_autofree uint8_t *out = g_malloc(s->cluster_size);
    /* Must come out smaller than a cluster to be worth a compressed descriptor. */
    ssize_t clen = qcow2_compress(out, s->cluster_size - 1, in, s->cluster_size);
    if (clen < 0) {
        /* Does not compress: store it plainly. */
        IOVector v;
        iovec_init_buf(&v, in, bytes);
        return qcow2_pwritev(bs, offset, bytes, &v, 0);
    }

    size_t out_len = clen;
    g_mutex_lock(&s->lock);
    uint64_t *l2;
    int ret = get_l2_for_write(bs, offset_to_l1_index(s, offset), &l2);
    if (ret < 0) {
        goto unlock;
    }
    int l2_index = offset_to_l2_index(s, offset);
    uint64_t old = GUINT64_FROM_BE(l2[l2_index]);
    int64_t coff = qcow2_alloc_bytes(bs, (int)out_len);
    if (coff < 0) {
        ret = (int)coff;
        goto put;
    }
    if (qcow2_overlaps_metadata(s, coff, out_len)) {
        ret = qcow2_signal_corruption(bs, "Compressed cluster %#" PRIx64 " overlaps metadata",
                                      (uint64_t)coff);
        goto put;
    }
    ret = bdrv_pwrite(bs->file, coff, out_len, out);
    if (ret < 0) {
        goto put;
    }
    uint64_t nb_sectors = ((coff + out_len - 1) >> 9) - ((uint64_t)coff >> 9);
    l2[l2_index] = GUINT64_TO_BE(QCOW_OFLAG_COMPRESSED | (nb_sectors << s->csize_shift) |
                                 (uint64_t)coff);
    qcow2_cache_mark_dirty(s->l2_cache, l2);
    if (qcow2_get_cluster_type(s, old) != QCOW2_CLUSTER_UNALLOCATED &&
        qcow2_get_cluster_type(s, old) != QCOW2_CLUSTER_ZERO_PLAIN) {
        ret = qcow2_cache_flush(bs, s->l2_cache);
        if (ret == 0) {
            qcow2_free_any_cluster(bs, old, 1);
        }
    }
put:
    qcow2_cache_put(s->l2_cache, (void **)&l2);
unlock:
    g_mutex_unlock(&s->lock);
    return ret;
}

/*
 * Set whole clusters in [offset, offset+bytes) to zero (to_zero: zero flag,
 * else unallocated), dropping their host clusters. Lock held.
 */
int qcow2_discard_clusters(BlockDriverState *bs, uint64_t offset, uint64_t bytes, bool to_zero,
                           bool full_discard)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t end = offset + bytes;
    while (offset < end) {
        uint64_t l1_index = offset_to_l1_index(s, offset);
        int l2_index = offset_to_l2_index(s, offset);
        int nb = (int)MIN((uint64_t)(s->l2_size - l2_index), (end - offset) >> s->cluster_bits);
        uint64_t *l2;
        int ret;
        bool unallocated_l2 = l1_index >= s->l1_size || !(s->l1_table[l1_index] & L1E_OFFSET_MASK);
        if (unallocated_l2 && !to_zero) {
            offset += (uint64_t)nb << s->cluster_bits;
            continue;
        }
        ret = get_l2_for_write(bs, l1_index, &l2);
        if (ret < 0) {
            return ret;
        }
        g_autofree uint64_t *old = g_new(uint64_t, nb);
        bool need_free = false;
        for (int i = 0; i < nb; i++) {
            uint64_t e = GUINT64_FROM_BE(l2[l2_index + i]);
            old[i] = e;
            uint64_t ne = to_zero ? QCOW_OFLAG_ZERO : 0;
            if (e != ne) {
                l2[l2_index + i] = GUINT64_TO_BE(ne);
                Qcow2ClusterType t = qcow2_get_cluster_type(s, e);
                need_free |= t == QCOW2_CLUSTER_NORMAL || t == QCOW2_CLUSTER_COMPRESSED ||
                             t == QCOW2_CLUSTER_ZERO_ALLOC;
            }
        }
        qcow2_cache_mark_dirty(s->l2_cache, l2);
        if (need_free) {
            ret = qcow2_cache_flush(bs, s->l2_cache);
            if (ret < 0) {
                qcow2_cache_put(s->l2_cache, (void **)&l2);
                return ret;
            }
            for (int i = 0; i < nb; i++) {
                if (GUINT64_FROM_BE(l2[l2_index + i]) != old[i]) {
                    qcow2_free_any_cluster(bs, old[i], 1);
                }
            }
        }
        qcow2_cache_put(s->l2_cache, (void **)&l2);
        offset += (uint64_t)nb << s->cluster_bits;
    }
    return 0;
}

int qcow2_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes, int flags)
{
    BDRVQcow2State *s = bs->opaque;
    if ((uint64_t)offset > s->size || (uint64_t)bytes > s->size - offset) {
        return -EIO;
    }
    /* The zero flag needs v3; in v2 only an image without backing can drop clusters. */
    bool can_zero_flag = s->qcow_version >= 3;
    if (!can_zero_flag && bs->backing) {
        return -ENOTSUP;
    }
    uint64_t start = ROUND_UP((uint64_t)offset, (uint64_t)s->cluster_size);
    uint64_t end = (uint64_t)(offset + bytes) == s->size
                       ? ROUND_UP(s->size, (uint64_t)s->cluster_size)
                       : ROUND_DOWN((uint64_t)(offset + bytes), (uint64_t)s->cluster_size);
    int ret;
    if (start >= end) {
        return -ENOTSUP; /* no whole cluster: block.c writes zeroed buffers */
    }
    g_autofree uint8_t *zero = NULL;
    if ((uint64_t)offset < start) {
        zero = g_malloc0(s->cluster_size);
        IOVector v;
        iovec_init_buf(&v, zero, start - offset);
        ret = qcow2_pwritev(bs, offset, start - offset, &v, 0);
        if (ret < 0) {
            return ret;
        }
    }
    g_mutex_lock(&s->lock);
    ret = qcow2_discard_clusters(bs, start, end - start, can_zero_flag, true);
    g_mutex_unlock(&s->lock);
    if (ret < 0) {
        return ret;
    }
    if (end < (uint64_t)(offset + bytes)) {
        if (!zero) {
            zero = g_malloc0(s->cluster_size);
        }
        IOVector v;
        iovec_init_buf(&v, zero, offset + bytes - end);
        ret = qcow2_pwritev(bs, end, offset + bytes - end, &v, 0);
    }
    return ret;
}

int qcow2_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t start = ROUND_UP((uint64_t)offset, (uint64_t)s->cluster_size);
    uint64_t end = (uint64_t)(offset + bytes) >= s->size
                       ? ROUND_UP(s->size, (uint64_t)s->cluster_size)
                       : ROUND_DOWN((uint64_t)(offset + bytes), (uint64_t)s->cluster_size);
    if (start >= end) {
        return 0; /* discard is advisory: partial clusters are left alone */
    }
    g_mutex_lock(&s->lock);
    /* With a backing file, a discarded cluster must not expose the backing data (v3). */
    int ret = qcow2_discard_clusters(bs, start, end - start,
                                     bs->backing_file[0] && s->qcow_version >= 3, true);
    g_mutex_unlock(&s->lock);
    return ret;
}

int qcow2_block_status(BlockDriverState *bs, int64_t offset, int64_t bytes, int64_t *pnum,
                       int64_t *map, BlockDriverState **file)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t cur = bytes, host, l2e;
    Qcow2ClusterType type;
    g_mutex_lock(&s->lock);
    int ret = qcow2_get_host_offset(bs, offset, &cur, &host, &type, &l2e);
    g_mutex_unlock(&s->lock);
    if (ret < 0) {
        return ret;
    }
    *pnum = cur;
    switch (type) {
    case QCOW2_CLUSTER_UNALLOCATED:
        return bs->backing ? 0 : BDRV_BLOCK_ZERO;
    case QCOW2_CLUSTER_ZERO_PLAIN:
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED;
    case QCOW2_CLUSTER_ZERO_ALLOC:
    case QCOW2_CLUSTER_NORMAL: {
        int status = (type == QCOW2_CLUSTER_NORMAL ? BDRV_BLOCK_DATA : BDRV_BLOCK_ZERO) |
                     BDRV_BLOCK_ALLOCATED;
        if (s->crypt_method) {
            return status; /* the file holds ciphertext: no offset to read guest data at */
        }
        *map = host;
        *file = bs->file;
        return status | BDRV_BLOCK_OFFSET_VALID;
    }
    case QCOW2_CLUSTER_COMPRESSED:
        return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_COMPRESSED;
    }
    return -EIO;
}

int qcow2_grow_l1_table(BlockDriverState *bs, uint64_t min_size, bool exact_size)
{
    BDRVQcow2State *s = bs->opaque;
    if (min_size <= s->l1_size) {
        return 0;
    }
    uint64_t new_size = min_size;
    if (!exact_size) {
        /* Grow by half again, like QEMU, so a growing image does not rewrite L1 often. */
        new_size = MAX(min_size, (uint64_t)s->l1_size * 3 / 2 + 1);
    }
    if (new_size * 8 > QCOW2_MAX_L1_SIZE) {
        new_size = QCOW2_MAX_L1_SIZE / 8;
        if (new_size < min_size) {
            return -EFBIG;
        }
    }
    uint64_t bytes = ROUND_UP(new_size * 8, (uint64_t)s->cluster_size);
    new_size = bytes / 8 < QCOW2_MAX_L1_SIZE / 8 && !exact_size ? bytes / 8 : new_size;

    g_autofree uint64_t *be = NULL;
    uint64_t *new_l1 = g_try_new0(uint64_t, bytes / 8);
    if (!new_l1) {
        return -ENOMEM;
    }
    memcpy(new_l1, s->l1_table, (size_t)s->l1_size * 8);
    int64_t new_off = qcow2_alloc_clusters(bs, bytes);
    if (new_off < 0) {
        g_free(new_l1);
        return (int)new_off;
    }
    /* Refcounts first, then the table, then the header switch. */
    int ret = qcow2_cache_flush(bs, s->refcount_block_cache);
    if (ret < 0) {
        goto fail;
    }
    be = g_new0(uint64_t, bytes / 8);
    for (uint64_t i = 0; i < new_size; i++) {
        be[i] = GUINT64_TO_BE(new_l1[i]);
    }
    ret = bdrv_pwrite_sync(bs->file, new_off, bytes, be);
    if (ret < 0) {
        goto fail;
    }
    uint8_t hdr[12];
    uint32_t size_be = GUINT32_TO_BE((uint32_t)new_size);
    uint64_t off_be = GUINT64_TO_BE((uint64_t)new_off);
    memcpy(hdr, &size_be, 4);
    memcpy(hdr + 4, &off_be, 8);
    ret = bdrv_pwrite_sync(bs->file, 36, sizeof(hdr), hdr); /* l1_size, l1_table_offset */
    if (ret < 0) {
        goto fail;
    }
    uint64_t old_off = s->l1_table_offset;
    uint64_t old_size = s->l1_size;
    g_free(s->l1_table);
    s->l1_table = new_l1;
    s->l1_size = new_size;
    s->l1_table_offset = new_off;
    if (old_size) {
        qcow2_free_clusters(bs, old_off, old_size * 8);
    }
    return 0;
fail:
    g_free(new_l1);
    qcow2_free_clusters(bs, new_off, bytes);
    return ret;
}

int qcow2_preallocate_metadata(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t end = offset + bytes;
    offset = start_of_cluster(s, offset);
    while (offset < end) {
        uint64_t *l2;
        int ret = get_l2_for_write(bs, offset_to_l1_index(s, offset), &l2);
        if (ret < 0) {
            return ret;
        }
        int l2_index = offset_to_l2_index(s, offset);
        int nb = (int)MIN((uint64_t)(s->l2_size - l2_index),
                          DIV_ROUND_UP(end - offset, (uint64_t)s->cluster_size));
        int64_t host = qcow2_alloc_clusters(bs, (uint64_t)nb << s->cluster_bits);
        if (host < 0) {
            qcow2_cache_put(s->l2_cache, (void **)&l2);
            return (int)host;
        }
        for (int i = 0; i < nb; i++) {
            if (GUINT64_FROM_BE(l2[l2_index + i]) == 0) {
                l2[l2_index + i] = GUINT64_TO_BE(((uint64_t)host + ((uint64_t)i << s->cluster_bits))
                                                 | QCOW_OFLAG_COPIED);
            } else {
                qcow2_free_clusters(bs, host + ((uint64_t)i << s->cluster_bits), s->cluster_size);
            }
        }
        qcow2_cache_mark_dirty(s->l2_cache, l2);
        qcow2_cache_put(s->l2_cache, (void **)&l2);
        offset += (uint64_t)nb << s->cluster_bits;
    }
    return 0;
}
