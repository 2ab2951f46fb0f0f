/*
 * qcow2 image creation, measure and amend. Creation writes the smallest valid
 * image (header, one refcount table cluster, one refcount block; no L1 yet)
 * and then grows it through the driver itself, so a new image is laid out by
 * the same code that lays out a growing one: header, refcount table, refcount
 * block, L1 table, as QEMU does.
 */
#include "block/qcow2.h"
#include "util/error.h"

static bool validate_create_opts(const BlockCreateOptions *opts, int *cluster_bits,
                                 int *refcount_order, int *version, GError **errp)
{
    uint64_t cs = opts->cluster_size ? opts->cluster_size : 65536;
    if (cs < 512 || cs > 2 * MiB || (cs & (cs - 1))) {
        error_setg(errp, "Cluster size must be a power of two between 512 and 2048k");
        return false;
    }
    *cluster_bits = __builtin_ctzll(cs);
    *version = opts->compat ? opts->compat : 3;
    int rb = opts->refcount_bits ? opts->refcount_bits : 16;
    if (rb > 64 || (rb & (rb - 1))) {
        error_setg(errp, "Refcount width must be a power of two and may not exceed 64 bits");
        return false;
    }
    if (*version < 3 && rb != 16) {
        error_setg(errp, "Different refcount widths than 16 bits require compatibility level "
                         "1.1 or above (use compat=1.1 or greater)");
        return false;
    }
    if (*version < 3 && opts->lazy_refcounts) {
        error_setg(errp, "Lazy refcounts only supported with compatibility level 1.1 and above "
                         "(use compat=1.1 or greater)");
        return false;
    }
    if (opts->extended_l2) {
        error_setg(errp, "Extended L2 entries are not supported by mimic");
        return false;
    }
    if (opts->size & 511) {
        error_setg(errp, "Image size must be a multiple of 512 bytes");
        return false;
    }
    *refcount_order = __builtin_ctz(rb);
    return true;
}

bool qcow2_create(const char *filename, const BlockCreateOptions *opts, GError **errp)
{
    int cluster_bits, refcount_order, version;
    if (!validate_create_opts(opts, &cluster_bits, &refcount_order, &version, errp)) {
        return false;
    }
    uint64_t cs = 1ULL << cluster_bits;
    BlockCreateOptions raw_opts = { .size = 0 };
    if (!bdrv_driver_file.create(filename, &raw_opts, errp)) {
        return false;
    }
    BlockDriverState *file = bdrv_open_protocol(filename, BDRV_O_RDWR, errp);
    if (!file) {
        return false;
    }
    g_autofree uint8_t *buf = g_malloc0(3 * cs);
    uint32_t *p32;
    uint64_t *p64;
#define PUT32(off, v) (p32 = (uint32_t *)(buf + (off)), *p32 = GUINT32_TO_BE(v))
#define PUT64(off, v) (p64 = (uint64_t *)(buf + (off)), *p64 = GUINT64_TO_BE(v))
    PUT32(0, QCOW_MAGIC);
    PUT32(4, version);
    PUT32(20, cluster_bits);
    PUT64(48, cs);     /* refcount table in cluster 1 */
    PUT32(56, 1);
    if (version >= 3) {
        PUT64(80, opts->lazy_refcounts ? QCOW2_COMPAT_LAZY_REFCOUNTS : 0);
        PUT32(96, refcount_order);
        PUT32(100, 112);
    }
    PUT64(cs, 2 * cs); /* refcount block in cluster 2 */
#undef PUT32
#undef PUT64
    for (int i = 0; i < 3; i++) {
        qcow2_set_refcount_ro(buf + 2 * cs, refcount_order, i, 1);
    }
    int ret = bdrv_pwrite_sync(file, 0, 3 * cs, buf);
    bdrv_unref(file);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not write qcow2 header to '%s'", filename);
        return false;
    }

    uint64_t size = opts->size;
    const char *backing_fmt = opts->backing_fmt;
    g_autofree char *detected_fmt = NULL;
    if (opts->backing_file) {
        g_autofree char *path = bdrv_path_combine(filename, opts->backing_file);
        BlockOpenOptions bo = { .format = backing_fmt, .quiet = true };
        GError *local = NULL;
        BlockDriverState *bbs = bdrv_open(path, &bo, BDRV_O_NO_BACKING, &local);
        if (!bbs && opts->size_set) {
            /* The backing file may not exist yet; QEMU allows that when a size is given. */
            warn_report("Could not open backing image '%s': %s", path, local->message);
            g_error_free(local);
        } else if (!bbs) {
            error_setg(errp, "Could not open backing image '%s' to determine the size: %s", path,
                       local->message);
            g_error_free(local);
            return false;
        } else {
            if (!opts->size_set) {
                size = bdrv_getlength(bbs);
            }
            if (!backing_fmt) {
                detected_fmt = g_strdup(bdrv_get_format_name(bbs));
                backing_fmt = detected_fmt;
                warn_report("Backing file specified without backing format; detected format "
                            "of %s (use -F %s to be explicit)", backing_fmt, backing_fmt);
            }
            bdrv_unref(bbs);
        }
    }

    BlockOpenOptions oo = { .format = "qcow2", .quiet = true };
    BlockDriverState *bs = bdrv_open(filename, &oo, BDRV_O_RDWR | BDRV_O_NO_BACKING, errp);
    if (!bs) {
        return false;
    }
    bool ok = true;
    if (opts->backing_file) {
        ok = bdrv_change_backing_file(bs, opts->backing_file, backing_fmt, errp);
    }
    if (ok && opts->encrypt_format) {
        ok = qcow2_luks_format(bs, opts, errp);
    }
    if (ok) {
        ok = bdrv_truncate(bs, size, true, opts->prealloc, errp);
    }
    if (ok && bdrv_flush(bs) < 0) {
        error_setg(errp, "Could not flush '%s'", filename);
        ok = false;
    }
    bdrv_unref(bs);
    return ok;
}

static int64_t refcount_metadata_size(int64_t clusters, uint64_t cluster_size, int refcount_order)
{
    int64_t per_table_cluster = cluster_size / 8;
    int64_t per_block = cluster_size * 8 / (1 << refcount_order);
    int64_t table = 0, blocks = 0, n = 0, last;
    do {
        last = n;
        blocks = DIV_ROUND_UP(clusters + table + blocks, per_block);
        table = DIV_ROUND_UP(blocks, per_table_cluster);
        n = clusters + blocks + table;
    } while (n != last);
    return table + blocks;
}

/* File size of a fully allocated image (QEMU's qcow2_calc_prealloc_size). */
static int64_t calc_prealloc_size(int64_t total_size, uint64_t cluster_size, int refcount_order)
{
    int64_t aligned = ROUND_UP(total_size, (int64_t)cluster_size);
    int64_t meta = cluster_size;
    uint64_t nl2e = ROUND_UP(aligned / cluster_size, cluster_size / 8);
    meta += nl2e * 8;
    uint64_t nl1e = ROUND_UP(nl2e * 8 / cluster_size, cluster_size / 8);
    meta += nl1e * 8;
    meta += refcount_metadata_size((meta + aligned) / cluster_size, cluster_size, refcount_order) *
            cluster_size;
    return meta + aligned;
}

bool qcow2_measure(const BlockCreateOptions *opts, BlockDriverState *in_bs, BlockMeasureInfo *info,
                   GError **errp)
{
    int cluster_bits, refcount_order, version;
    BlockCreateOptions o = *opts;
    o.size &= ~511ULL;
    if (!validate_create_opts(&o, &cluster_bits, &refcount_order, &version, errp)) {
        return false;
    }
    uint64_t cs = 1ULL << cluster_bits;
    int64_t virtual_size = ROUND_UP(opts->size, cs);
    int64_t required = 0;
    if (in_bs) {
        int64_t ssize = bdrv_getlength(in_bs);
        if (ssize < 0) {
            error_setg_errno(errp, (int)-ssize, "Unable to get image virtual_size");
            return false;
        }
        virtual_size = ROUND_UP(ssize, (int64_t)cs);
        if (opts->backing_file) {
            required = virtual_size;
        } else {
            for (int64_t off = 0; off < ssize;) {
                int64_t pnum;
                int depth;
                int ret = bdrv_block_status_above(in_bs, NULL, off, ssize - off, &pnum, NULL,
                                                  NULL, &depth);
                if (ret < 0 || pnum <= 0) {
                    error_setg(errp, "Unable to get block status");
                    return false;
                }
                if (!(ret & BDRV_BLOCK_ZERO) &&
                    (ret & (BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED)) ==
                        (BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED)) {
                    pnum = ROUND_UP(off + pnum, (int64_t)cs) - off;
                    required += off % cs + pnum;
                }
                off += pnum;
            }
        }
    }
    if (opts->prealloc == PREALLOC_MODE_FULL || opts->prealloc == PREALLOC_MODE_FALLOC) {
        required = virtual_size;
    }
    info->fully_allocated = calc_prealloc_size(virtual_size, cs, refcount_order);
    if (opts->encrypt_format) {
        info->fully_allocated += ROUND_UP(luks_header_size(), cs); /* the LUKS header's clusters */
    }
    info->required = info->fully_allocated - virtual_size + required;
    return true;
}

static bool key_set(const char *const *keys, const char *key)
{
    for (int i = 0; keys && keys[i]; i++) {
        if (!strcmp(keys[i], key)) {
            return true;
        }
    }
    return false;
}

bool qcow2_amend(BlockDriverState *bs, const BlockCreateOptions *opts, const char *const *set_keys,
                 GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    static const char *const unsupported[] = { "cluster_size", "refcount_bits", "preallocation",
                                               "extended_l2", NULL };
    for (int i = 0; unsupported[i]; i++) {
        if (key_set(set_keys, unsupported[i])) {
            error_setg(errp, "Changing %s is not supported by mimic-img amend", unsupported[i]);
            return false;
        }
    }
    int ret;
    if (key_set(set_keys, "compat") && opts->compat != s->qcow_version) {
        g_mutex_lock(&s->lock);
        if (opts->compat == 2) {
            if (s->refcount_order != 4) {
                g_mutex_unlock(&s->lock);
                error_setg(errp, "compat=0.10 requires refcount_bits=16");
                return false;
            }
            if (s->compatible_features & QCOW2_COMPAT_LAZY_REFCOUNTS &&
                !(key_set(set_keys, "lazy_refcounts") && !opts->lazy_refcounts)) {
                g_mutex_unlock(&s->lock);
                error_setg(errp, "Lazy refcounts only supported with compatibility level 1.1 and "
                                 "above (use lazy_refcounts=off)");
                return false;
            }
            /* v2 has no zero flag: refuse rather than silently expose backing data. */
            for (uint64_t off = 0; off < s->size;) {
                uint64_t n = s->size - off, host, e;
                Qcow2ClusterType t;
                ret = qcow2_get_host_offset(bs, off, &n, &host, &t, &e);
                if (ret < 0 || t == QCOW2_CLUSTER_ZERO_PLAIN || t == QCOW2_CLUSTER_ZERO_ALLOC) {
                    g_mutex_unlock(&s->lock);
                    error_setg(errp, "Cannot downgrade: the image has zero clusters (convert "
                                     "it with -o compat=0.10 instead)");
                    return false;
                }
                off += n;
            }
            ret = qcow2_mark_clean(bs);
            s->qcow_version = 2;
            s->compatible_features = 0;
            s->incompatible_features = 0;
            s->autoclear_features = 0;
            s->use_lazy_refcounts = false;
        } else {
            s->qcow_version = 3;
            ret = 0;
        }
        if (ret == 0) {
            ret = qcow2_flush_metadata(bs);
        }
        if (ret == 0) {
            ret = qcow2_update_header(bs);
        }
        g_mutex_unlock(&s->lock);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Failed to change the compatibility level");
            return false;
        }
    }
    if (key_set(set_keys, "lazy_refcounts")) {
        if (opts->lazy_refcounts && s->qcow_version < 3) {
            error_setg(errp, "Lazy refcounts only supported with compatibility level 1.1 and "
                             "above (use compat=1.1 or greater)");
            return false;
        }
        g_mutex_lock(&s->lock);
        ret = 0;
        if (opts->lazy_refcounts) {
            s->compatible_features |= QCOW2_COMPAT_LAZY_REFCOUNTS;
        } else {
            s->compatible_features &= ~(uint64_t)QCOW2_COMPAT_LAZY_REFCOUNTS;
            ret = qcow2_mark_clean(bs);
            qcow2_cache_set_dependency(s->l2_cache, s->refcount_block_cache);
        }
        s->use_lazy_refcounts = opts->lazy_refcounts;
        if (ret == 0) {
            ret = qcow2_update_header(bs);
        }
        g_mutex_unlock(&s->lock);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Failed to change lazy_refcounts");
            return false;
        }
    }
    if (key_set(set_keys, "backing_file") || key_set(set_keys, "backing_fmt")) {
        const char *bf = key_set(set_keys, "backing_file") ? opts->backing_file : bs->backing_file;
        const char *bfmt = key_set(set_keys, "backing_fmt") ? opts->backing_fmt : bs->backing_format;
        if (!bdrv_change_backing_file(bs, bf && bf[0] ? bf : NULL, bfmt && bfmt[0] ? bfmt : NULL,
                                      errp)) {
            return false;
        }
    }
    if (key_set(set_keys, "size") && opts->size != s->size) {
        if (!bdrv_truncate(bs, opts->size, true, PREALLOC_MODE_OFF, errp)) {
            return false;
        }
    }
    return true;
}
