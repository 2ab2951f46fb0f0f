/*
 * qcow2 format driver: the header and its extensions ("Header", "Header
 * extensions", "Feature name table" in QEMU's docs/interop/qcow2.txt), open
 * with validation of every field, create, resize, info, amend and measure.
 * The cluster mapping lives in qcow2-cluster.c, refcounts and check in
 * qcow2-refcount.c, the metadata cache in qcow2-cache.c, internal snapshots
 * in qcow2-snapshot.c.
 *
 * Encryption: encrypt.format=luks ("Full disk encryption header pointer"),
 * a LUKS1 header in clusters of its own and data clusters encrypted with the
 * host sector number as IV (block/luks.c); the legacy AES method is refused.
 *
 * Not implemented (refused at open with the feature's name): external data
 * files, extended L2 entries, zstd compression. Persistent
 * bitmaps are dropped (their autoclear bit is cleared, which the spec allows)
 * when the image is opened read-write.
 */
#include "block/qcow2.h"
#include "util/error.h"
#include "block/secret.h"
#include <stdarg.h>

static int qcow2_probe(const uint8_t *buf, int buf_size, const char *filename)
{
    if (buf_size < 8) {
        return 0;
    }
    uint32_t magic = ((uint32_t)buf[0] << 24) | (buf[1] << 16) | (buf[2] << 8) | buf[3];
    uint32_t version = ((uint32_t)buf[4] << 24) | (buf[5] << 16) | (buf[6] << 8) | buf[7];
    return magic == QCOW_MAGIC && (version == 2 || version == 3) ? 100 : 0;
}

static uint32_t be32_at(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return GUINT32_FROM_BE(v);
}

static uint64_t be64_at(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return GUINT64_FROM_BE(v);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    v = GUINT32_TO_BE(v);
    memcpy(p, &v, 4);
}

static void put_be64(uint8_t *p, uint64_t v)
{
    v = GUINT64_TO_BE(v);
    memcpy(p, &v, 8);
}

static void header_from_buf(QCowHeader *h, const uint8_t *b)
{
    memset(h, 0, sizeof(*h));
    h->magic = be32_at(b + 0);
    h->version = be32_at(b + 4);
    h->backing_file_offset = be64_at(b + 8);
    h->backing_file_size = be32_at(b + 16);
    h->cluster_bits = be32_at(b + 20);
    h->size = be64_at(b + 24);
    h->crypt_method = be32_at(b + 32);
    h->l1_size = be32_at(b + 36);
    h->l1_table_offset = be64_at(b + 40);
    h->refcount_table_offset = be64_at(b + 48);
    h->refcount_table_clusters = be32_at(b + 56);
    h->nb_snapshots = be32_at(b + 60);
    h->snapshots_offset = be64_at(b + 64);
    if (h->version >= 3) {
        h->incompatible_features = be64_at(b + 72);
        h->compatible_features = be64_at(b + 80);
        h->autoclear_features = be64_at(b + 88);
        h->refcount_order = be32_at(b + 96);
        h->header_length = be32_at(b + 100);
    } else {
        h->refcount_order = 4;
        h->header_length = QCOW2_V2_HEADER_SIZE;
    }
}

/* Names of incompatible features we know but do not implement. */
static const char *const incompat_names[] = {
    "dirty bit", "corrupt bit", "external data file", "compression type", "extended L2 entries",
};

static char *feature_names(BDRVQcow2State *s, uint64_t mask)
{
    GString *str = g_string_new(NULL);
    for (int bit = 0; bit < 64; bit++) {
        if (!(mask & (1ULL << bit))) {
            continue;
        }
        const char *name = NULL;
        for (int i = 0; i < s->nb_features; i++) {
            if (s->feature_table[i].type == 0 && s->feature_table[i].bit == bit) {
                name = s->feature_table[i].name;
            }
        }
        if (!name && bit < (int)ARRAY_SIZE(incompat_names)) {
            name = incompat_names[bit];
        }
        if (str->len) {
            g_string_append(str, ", ");
        }
        if (name) {
            g_string_append(str, name);
        } else {
            g_string_append_printf(str, "Unknown incompatible feature: %" PRIx64, (uint64_t)1 << bit);
        }
    }
    return g_string_free(str, false);
}

/* Parse the header extensions in buf[start, end). */
static bool read_extensions(BlockDriverState *bs, const uint8_t *buf, uint64_t start, uint64_t end,
                            GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t off = start;
    while (off < end) {
        if (end - off < 8) {
            error_setg(errp, "qcow2 header extension at %" PRIu64 " is truncated", off);
            return false;
        }
        uint32_t magic = be32_at(buf + off);
        uint32_t len = be32_at(buf + off + 4);
        off += 8;
        if (magic == QCOW2_EXT_END) {
            return true;
        }
        if (len > end - off) {
            error_setg(errp, "qcow2 header extension 0x%08x too large (%u bytes)", magic, len);
            return false;
        }
        const uint8_t *data = buf + off;
        switch (magic) {
        case QCOW2_EXT_BACKING_FORMAT:
            if (len >= sizeof(bs->backing_format)) {
                error_setg(errp, "qcow2 backing format name too long (%u bytes)", len);
                return false;
            }
            memcpy(bs->backing_format, data, len);
            bs->backing_format[len] = 0;
            s->has_backing_format_ext = true;
            break;
        case QCOW2_EXT_FEATURE_TABLE: {
            int n = len / 48;
            g_free(s->feature_table);
            s->feature_table = g_new0(Qcow2FeatureName, MAX(n, 1));
            s->nb_features = n;
            for (int i = 0; i < n; i++) {
                s->feature_table[i].type = data[i * 48];
                s->feature_table[i].bit = data[i * 48 + 1];
                memcpy(s->feature_table[i].name, data + i * 48 + 2, 46);
                s->feature_table[i].name[45] = 0;
            }
            break;
        }
        case QCOW2_EXT_BITMAPS:
            /* Unsupported; dropped with its autoclear bit when opened read-write. */
            break;
        case QCOW2_EXT_CRYPTO:
            if (len != 16) {
                error_setg(errp, "qcow2 encryption header extension has length %u (not 16)",
                           len);
                return false;
            }
            s->crypto_header_offset = be64_at(data);
            s->crypto_header_length = be64_at(data + 8);
            /* Kept as it is and written back with the header, as unknown ones are. */
            __attribute__((fallthrough));
        default: {
            Qcow2UnknownExt *ext = g_new0(Qcow2UnknownExt, 1);
            ext->magic = magic;
            ext->len = len;
            ext->data = g_memdup2(data, len);
            g_ptr_array_add(s->unknown_exts, ext);
            break;
        }
        }
        off += ROUND_UP((uint64_t)len, 8);
    }
    return true;
}

static void unknown_ext_free(gpointer p)
{
    Qcow2UnknownExt *ext = p;
    g_free(ext->data);
    g_free(ext);
}

static bool qcow2_open(BlockDriverState *bs, const BlockOpenOptions *opts, int flags,
                       GError **errp);
static void qcow2_close(BlockDriverState *bs);

/* Validate the fixed header fields; sets up geometry in s. */
static bool validate_header(BlockDriverState *bs, QCowHeader *h, GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    if (h->magic != QCOW_MAGIC) {
        error_setg(errp, "Image is not in qcow2 format");
        return false;
    }
    if (h->version < 2 || h->version > 3) {
        error_setg(errp, "Unsupported qcow2 version %" PRIu32, h->version);
        return false;
    }
    if (h->cluster_bits < QCOW2_MIN_CLUSTER_BITS || h->cluster_bits > QCOW2_MAX_CLUSTER_BITS) {
        error_setg(errp, "Unsupported cluster size: 2^%" PRIu32 " (valid: 2^9 to 2^21)",
                   h->cluster_bits);
        return false;
    }
    s->cluster_bits = h->cluster_bits;
    s->cluster_size = 1 << s->cluster_bits;
    if (h->version >= 3) {
        if (h->header_length < QCOW2_V3_HEADER_SIZE) {
            error_setg(errp, "qcow2 header too short");
            return false;
        }
        if (h->header_length > (uint32_t)s->cluster_size) {
            error_setg(errp, "qcow2 header exceeds cluster size");
            return false;
        }
        if (h->header_length % 8) {
            error_setg(errp, "qcow2 header length %" PRIu32 " is not a multiple of 8",
                       h->header_length);
            return false;
        }
    }
    if (h->refcount_order > 6) {
        error_setg(errp, "Refcount order %" PRIu32 " is too big (at most 6)", h->refcount_order);
        return false;
    }
    if (h->crypt_method == QCOW2_CRYPT_AES) {
        error_setg(errp, "qcow2 AES encryption (crypt_method 1) is not supported: it is "
                         "insecure; QEMU can convert the image to encrypt.format=luks");
        return false;
    }
    if (h->crypt_method > QCOW2_CRYPT_LUKS) {
        error_setg(errp, "Invalid qcow2 encryption method %" PRIu32, h->crypt_method);
        return false;
    }
    if (h->backing_file_offset) {
        if (h->backing_file_offset > (uint64_t)s->cluster_size ||
            h->backing_file_size > s->cluster_size - h->backing_file_offset) {
            error_setg(errp, "Invalid backing file offset");
            return false;
        }
        if (h->backing_file_size > QCOW2_MAX_BACKING_FILE_NAME) {
            error_setg(errp, "Backing file name too long");
            return false;
        }
    }
    if (h->size > (uint64_t)INT64_MAX - s->cluster_size) {
        error_setg(errp, "Image size too large");
        return false;
    }
    if ((uint64_t)h->l1_size * 8 > QCOW2_MAX_L1_SIZE) {
        error_setg(errp, "Active L1 table too large");
        return false;
    }
    if (h->l1_size < size_to_l1(s->cluster_bits, h->size)) {
        error_setg(errp, "L1 table is too small for the image size");
        return false;
    }
    if (h->l1_size && (h->l1_table_offset & (s->cluster_size - 1))) {
        error_setg(errp, "Invalid L1 table offset");
        return false;
    }
    if (h->refcount_table_offset & (s->cluster_size - 1)) {
        error_setg(errp, "Invalid reference count table offset");
        return false;
    }
    if ((uint64_t)h->refcount_table_clusters << s->cluster_bits > QCOW2_MAX_REFTABLE_SIZE) {
        error_setg(errp, "Reference count table too large");
        return false;
    }
    if (h->refcount_table_clusters == 0 && !bs->read_only) {
        error_setg(errp, "Image does not contain a reference count table");
        return false;
    }
    if (h->nb_snapshots > QCOW2_MAX_SNAPSHOTS) {
        error_setg(errp, "Too many snapshots");
        return false;
    }
    if (h->nb_snapshots && (h->snapshots_offset & (s->cluster_size - 1))) {
        error_setg(errp, "Invalid snapshot table offset");
        return false;
    }
    return true;
}

/* encrypt.format=luks: check where the LUKS header is and unlock it with the key secret. */
static bool qcow2_open_crypto(BlockDriverState *bs, const BlockOpenOptions *opts, int flags,
                              int64_t file_len, GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t off = s->crypto_header_offset, len = s->crypto_header_length;
    if (!off || !offset_is_cluster_aligned(s, off) || len > (uint64_t)file_len ||
        off > (uint64_t)file_len - len) {
        error_setg(errp, "qcow2 encryption header pointer is missing or invalid "
                         "(offset %#" PRIx64 ", length %" PRIu64 ")", off, len);
        return false;
    }
    bs->sector_alignment = LUKS_SECTOR_SIZE;
    const char *key_id = opts ? opts->key_secret : NULL;
    uint64_t payload;
    if (!key_id && (flags & (BDRV_O_NO_IO | BDRV_O_CHECK))) {
        /* Metadata only: the header for info, the data stays locked. */
        s->crypto = luks_open(bs->file, off, NULL, &payload, errp);
        return s->crypto != NULL;
    }
    if (!key_id) {
        error_setg(errp, "'%s' is encrypted: give its key with encrypt.key-secret=ID and "
                         "--object secret,id=ID,data=PASSWORD", bs->filename);
        return false;
    }
    const char *password = secret_lookup(key_id, errp);
    s->crypto = password ? luks_open(bs->file, off, password, &payload, errp) : NULL;
    return s->crypto != NULL;
}

bool qcow2_luks_format(BlockDriverState *bs, const BlockCreateOptions *opts, GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    if (strcmp(opts->encrypt_format, "luks") != 0) {
        error_setg(errp, "encrypt.format=%s is not supported (only luks)", opts->encrypt_format);
        return false;
    }
    if (!opts->key_secret) {
        error_setg(errp, "encrypt.format=luks needs encrypt.key-secret=ID (with --object "
                         "secret,id=ID,data=PASSWORD)");
        return false;
    }
    const char *password = secret_lookup(opts->key_secret, errp);
    if (!password) {
        return false;
    }
    uint64_t len = luks_header_size();
    g_mutex_lock(&s->lock);
    int64_t off = qcow2_alloc_clusters(bs, ROUND_UP(len, (uint64_t)s->cluster_size));
    g_mutex_unlock(&s->lock);
    if (off < 0) {
        error_setg_errno(errp, (int)-off, "Could not allocate the LUKS header");
        return false;
    }
    s->crypto = luks_format(bs->file, off, password, opts->iter_time_ms ? opts->iter_time_ms : 2000,
                            errp);
    if (!s->crypto) {
        return false;
    }
    Qcow2UnknownExt *ext = g_new0(Qcow2UnknownExt, 1);
    ext->magic = QCOW2_EXT_CRYPTO;
    ext->len = 16;
    ext->data = g_malloc(16);
    put_be64(ext->data, off);
    put_be64(ext->data + 8, len);
    g_ptr_array_add(s->unknown_exts, ext);
    s->crypt_method = QCOW2_CRYPT_LUKS;
    s->crypto_header_offset = off;
    s->crypto_header_length = len;
    bs->sector_alignment = LUKS_SECTOR_SIZE;
    int ret = qcow2_update_header(bs);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not write the qcow2 header");
        return false;
    }
    return true;
}

static bool qcow2_open(BlockDriverState *bs, const BlockOpenOptions *opts, int flags,
                       GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    g_mutex_init(&s->lock);
    s->unknown_exts = g_ptr_array_new_with_free_func(unknown_ext_free);
    s->cluster_cache_offset = UINT64_MAX;
    g_autofree uint8_t *cluster0 = NULL;

    int64_t file_len = bdrv_getlength(bs->file);
    if (file_len < 0) {
        error_setg_errno(errp, (int)-file_len, "Could not get the size of '%s'", bs->filename);
        goto fail;
    }
    uint8_t hbuf[QCOW2_V3_HEADER_SIZE] = { 0 };
    int ret = bdrv_pread(bs->file, 0, sizeof(hbuf), hbuf);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not read qcow2 header");
        goto fail;
    }
    QCowHeader h;
    header_from_buf(&h, hbuf);
    if (!validate_header(bs, &h, errp)) {
        goto fail;
    }

    /* The whole first cluster holds the header, extensions and backing file name. */
    cluster0 = g_malloc0(s->cluster_size);
    ret = bdrv_pread(bs->file, 0, s->cluster_size, cluster0);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not read qcow2 header");
        goto fail;
    }
    if (h.version >= 3 && h.header_length > QCOW2_V3_HEADER_SIZE) {
        h.compression_type = cluster0[104];
    }

    s->qcow_version = h.version;
    s->header_length = h.header_length;
    s->incompatible_features = h.incompatible_features;
    s->compatible_features = h.compatible_features;
    s->autoclear_features = h.autoclear_features;

    uint64_t ext_end = h.backing_file_offset ? h.backing_file_offset : (uint64_t)s->cluster_size;
    if (ext_end > h.header_length &&
        !read_extensions(bs, cluster0, h.header_length, ext_end, errp)) {
        goto fail;
    }

    uint64_t unsupported = s->incompatible_features & ~(uint64_t)QCOW2_INCOMPAT_SUPPORTED;
    if (unsupported) {
        g_autofree char *names = feature_names(s, unsupported);
        error_setg(errp, "Unsupported qcow2 feature(s): %s", names);
        goto fail;
    }
    if (h.compression_type != 0) {
        error_setg(errp, "Unsupported qcow2 compression type %u (only zlib is supported)",
                   h.compression_type);
        goto fail;
    }
    if ((s->incompatible_features & QCOW2_INCOMPAT_CORRUPT) && (flags & BDRV_O_RDWR) &&
        !(flags & BDRV_O_CHECK)) {
        error_setg(errp, "qcow2: Image is corrupt; cannot be opened read/write");
        goto fail;
    }

    s->refcount_order = h.refcount_order;
    s->refcount_bits = 1 << s->refcount_order;
    s->refcount_max = s->refcount_bits == 64 ? UINT64_MAX : (1ULL << s->refcount_bits) - 1;
    s->refcount_block_bits = s->cluster_bits + 3 - s->refcount_order;
    s->refcount_block_size = 1 << s->refcount_block_bits;
    s->l2_bits = s->cluster_bits - 3;
    s->l2_size = 1 << s->l2_bits;
    s->csize_shift = 62 - (s->cluster_bits - 8);
    s->csize_mask = (1ULL << (s->cluster_bits - 8)) - 1;
    s->cluster_offset_mask = (1ULL << s->csize_shift) - 1;
    s->size = h.size;

    s->l1_size = h.l1_size;
    s->l1_table_offset = h.l1_table_offset;
    s->l1_table = g_try_new0(uint64_t, MAX(s->l1_size, 1));
    if (!s->l1_table) {
        error_setg(errp, "Could not allocate L1 table");
        goto fail;
    }
    if (s->l1_size) {
        ret = bdrv_pread(bs->file, s->l1_table_offset, (int64_t)s->l1_size * 8, s->l1_table);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Could not read L1 table");
            goto fail;
        }
        for (uint32_t i = 0; i < s->l1_size; i++) {
            s->l1_table[i] = GUINT64_FROM_BE(s->l1_table[i]);
        }
    }

    s->refcount_table_offset = h.refcount_table_offset;
    s->refcount_table_size = (uint32_t)(((uint64_t)h.refcount_table_clusters << s->cluster_bits) / 8);
    if (!qcow2_refcount_init(bs, errp)) {
        goto fail;
    }

    uint64_t l2_cache_bytes = opts && opts->l2_cache_size ? opts->l2_cache_size : 0;
    int l2_tables;
    if (l2_cache_bytes) {
        l2_tables = (int)MAX(MIN(l2_cache_bytes >> s->cluster_bits, 65536), 4);
    } else {
        /* Cover the whole disk up to 8 MiB of tables (QEMU's default is 1 MiB on Linux). */
        uint64_t need = size_to_l1(s->cluster_bits, s->size);
        l2_tables = (int)MAX(MIN(need, (8 * MiB) >> s->cluster_bits), 4);
    }
    s->l2_cache = qcow2_cache_create(l2_tables, s->cluster_size);

    s->use_lazy_refcounts = (s->compatible_features & QCOW2_COMPAT_LAZY_REFCOUNTS) &&
                            (flags & BDRV_O_RDWR);
    if (!s->use_lazy_refcounts) {
        qcow2_cache_set_dependency(s->l2_cache, s->refcount_block_cache);
    }

    s->cluster_cache = g_malloc(s->cluster_size);
    s->cluster_data = g_malloc(2 * s->cluster_size + 512);

    if (h.backing_file_offset) {
        memcpy(bs->backing_file, cluster0 + h.backing_file_offset, h.backing_file_size);
        bs->backing_file[h.backing_file_size] = 0;
        if (strlen(bs->backing_file) != h.backing_file_size) {
            error_setg(errp, "Backing file name contains a NUL byte");
            goto fail;
        }
    }

    s->snapshots_offset = h.snapshots_offset;
    s->nb_snapshots = h.nb_snapshots;
    if (!qcow2_read_snapshots(bs, errp)) {
        goto fail;
    }
    s->crypt_method = h.crypt_method;
    if (s->crypt_method && !qcow2_open_crypto(bs, opts, flags, file_len, errp)) {
        goto fail;
    }

    if ((flags & BDRV_O_RDWR) && s->autoclear_features) {
        /* We do not keep the data those bits vouch for consistent: clear them (spec). */
        s->autoclear_features = 0;
        ret = qcow2_update_header(bs);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Could not update qcow2 header");
            goto fail;
        }
    }

    if ((s->incompatible_features & QCOW2_INCOMPAT_DIRTY) && (flags & BDRV_O_RDWR) &&
        !(flags & (BDRV_O_CHECK | BDRV_O_INACTIVE_DIRTY))) {
        /* Refcounts may be stale (lazy refcounts or a crash): rebuild them, then clean. */
        BdrvCheckResult res = { 0 };
        ret = qcow2_check_refcounts(bs, &res, BDRV_FIX_LEAKS | BDRV_FIX_ERRORS);
        if (ret < 0 || res.corruptions || res.check_errors) {
            error_setg(errp, "Could not repair dirty image '%s'; run mimic-img check -r all",
                       bs->filename);
            goto fail;
        }
        s->dirty_marked = true;
        ret = qcow2_mark_clean(bs);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Could not update qcow2 header");
            goto fail;
        }
    }
    return true;

fail:
    qcow2_close(bs);
    return false;
}

int qcow2_flush_metadata(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    if (bs->read_only || !s->l2_cache) {
        return 0;
    }
    int ret = qcow2_cache_write(bs, s->l2_cache);
    if (ret == 0) {
        ret = qcow2_cache_write(bs, s->refcount_block_cache);
    }
    return ret;
}

static void qcow2_close(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    if (!bs->read_only && s->l2_cache) {
        if (qcow2_flush_metadata(bs) == 0 && bdrv_flush(bs->file) == 0 && s->dirty_marked) {
            qcow2_mark_clean(bs);
        }
    }
    qcow2_cache_destroy(s->l2_cache);
    s->l2_cache = NULL;
    qcow2_refcount_close(bs);
    qcow2_free_snapshots(bs);
    luks_close(s->crypto);
    g_free(s->l1_table);
    g_free(s->feature_table);
    g_free(s->cluster_cache);
    g_free(s->cluster_data);
    if (s->unknown_exts) {
        g_ptr_array_free(s->unknown_exts, true);
    }
    g_mutex_clear(&s->lock);
    memset(s, 0, sizeof(*s));
}

static int qcow2_flush(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    g_mutex_lock(&s->lock);
    int ret = qcow2_flush_metadata(bs);
    g_mutex_unlock(&s->lock);
    if (ret < 0) {
        return ret;
    }
    return bdrv_flush(bs->file);
}

/* Rewrite cluster 0: header, extensions, backing file name. */
int qcow2_update_header(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    g_autofree uint8_t *buf = g_malloc0(s->cluster_size);
    uint32_t hlen = s->qcow_version >= 3 ? 112 : QCOW2_V2_HEADER_SIZE;
    put_be32(buf + 0, QCOW_MAGIC);
    put_be32(buf + 4, s->qcow_version);
    put_be32(buf + 20, s->cluster_bits);
    put_be64(buf + 24, s->size);
    put_be32(buf + 32, s->crypt_method);
    put_be32(buf + 36, s->l1_size);
    put_be64(buf + 40, s->l1_table_offset);
    put_be64(buf + 48, s->refcount_table_offset);
    put_be32(buf + 56, (uint32_t)(((uint64_t)s->refcount_table_size * 8) >> s->cluster_bits));
    put_be32(buf + 60, s->nb_snapshots);
    put_be64(buf + 64, s->snapshots_offset);
    if (s->qcow_version >= 3) {
        put_be64(buf + 72, s->incompatible_features);
        put_be64(buf + 80, s->compatible_features);
        put_be64(buf + 88, s->autoclear_features);
        put_be32(buf + 96, s->refcount_order);
        put_be32(buf + 100, hlen);
        /* byte 104: compression_type 0 (zlib), then padding */
    }
    uint64_t off = hlen;
    size_t bf_len = strlen(bs->backing_file);

#define EXT_ROOM(len) (off + 8 + ROUND_UP((uint64_t)(len), 8) + 8 + bf_len <= (uint64_t)s->cluster_size)
    if (bs->backing_file[0] && bs->backing_format[0]) {
        size_t l = strlen(bs->backing_format);
        if (!EXT_ROOM(l)) {
            return -ENOSPC;
        }
        put_be32(buf + off, QCOW2_EXT_BACKING_FORMAT);
        put_be32(buf + off + 4, l);
        memcpy(buf + off + 8, bs->backing_format, l);
        off += 8 + ROUND_UP((uint64_t)l, 8);
    }
    if (s->qcow_version >= 3) {
        static const struct {
            uint8_t type, bit;
            const char *name;
        } features[] = {
            { 0, 0, "dirty bit" },
            { 0, 1, "corrupt bit" },
            { 0, 2, "external data file" },
            { 0, 3, "compression type" },
            { 0, 4, "extended L2 entries" },
            { 1, 0, "lazy refcounts" },
            { 2, 0, "bitmaps" },
            { 2, 1, "raw external data" },
        };
        size_t l = ARRAY_SIZE(features) * 48;
        if (EXT_ROOM(l)) {
            put_be32(buf + off, QCOW2_EXT_FEATURE_TABLE);
            put_be32(buf + off + 4, l);
            for (size_t i = 0; i < ARRAY_SIZE(features); i++) {
                uint8_t *e = buf + off + 8 + i * 48;
                e[0] = features[i].type;
                e[1] = features[i].bit;
                strncpy((char *)e + 2, features[i].name, 46);
            }
            off += 8 + ROUND_UP((uint64_t)l, 8);
        }
    }
    for (guint i = 0; i < s->unknown_exts->len; i++) {
        Qcow2UnknownExt *ext = g_ptr_array_index(s->unknown_exts, i);
        if (!EXT_ROOM(ext->len)) {
            return -ENOSPC;
        }
        put_be32(buf + off, ext->magic);
        put_be32(buf + off + 4, ext->len);
        memcpy(buf + off + 8, ext->data, ext->len);
        off += 8 + ROUND_UP((uint64_t)ext->len, 8);
    }
#undef EXT_ROOM
    off += 8; /* end-of-extensions marker: already zero */
    if (bf_len) {
        if (off + bf_len > (uint64_t)s->cluster_size) {
            return -ENOSPC;
        }
        memcpy(buf + off, bs->backing_file, bf_len);
        put_be64(buf + 8, off);
        put_be32(buf + 16, bf_len);
        off += bf_len;
    }
    return bdrv_pwrite_sync(bs->file, 0, s->cluster_size, buf);
}

static int write_incompat(BlockDriverState *bs, uint64_t val)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t be = GUINT64_TO_BE(val);
    int ret = bdrv_pwrite_sync(bs->file, 72, 8, &be);
    if (ret == 0) {
        s->incompatible_features = val;
    }
    return ret;
}

int qcow2_mark_dirty(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    if (s->qcow_version < 3 || (s->incompatible_features & QCOW2_INCOMPAT_DIRTY)) {
        s->dirty_marked = true;
        return 0;
    }
    int ret = bdrv_flush(bs->file);
    if (ret == 0) {
        ret = write_incompat(bs, s->incompatible_features | QCOW2_INCOMPAT_DIRTY);
    }
    if (ret == 0) {
        s->dirty_marked = true;
    }
    return ret;
}

int qcow2_mark_clean(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    if (!(s->incompatible_features & QCOW2_INCOMPAT_DIRTY)) {
        s->dirty_marked = false;
        return 0;
    }
    /* Everything the dirty bit excused must be on disk first. */
    int ret = qcow2_flush_metadata(bs);
    if (ret == 0) {
        ret = bdrv_flush(bs->file);
    }
    if (ret == 0) {
        ret = write_incompat(bs, s->incompatible_features & ~(uint64_t)QCOW2_INCOMPAT_DIRTY);
    }
    if (ret == 0) {
        s->dirty_marked = false;
    }
    return ret;
}

int qcow2_mark_corrupt(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    if (bs->read_only || (s->incompatible_features & QCOW2_INCOMPAT_CORRUPT) ||
        s->qcow_version < 3) {
        return 0;
    }
    return write_incompat(bs, s->incompatible_features | QCOW2_INCOMPAT_CORRUPT);
}

int qcow2_signal_corruption(BlockDriverState *bs, const char *fmt, ...)
{
    BDRVQcow2State *s = bs->opaque;
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    bool first = !s->corruption_reported;
    s->corruption_reported = true;
    if (first && !(bs->open_flags & BDRV_O_CHECK)) {
        if (bs->read_only) {
            error_report("qcow2: Image '%s' is corrupt: %s", bs->filename, msg);
        } else {
            error_report("qcow2: Marking image '%s' as corrupt: %s; further corruption events "
                         "will be suppressed", bs->filename, msg);
            qcow2_mark_corrupt(bs);
        }
    }
    return -EIO;
}

static int64_t qcow2_getlength(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    return s->size;
}

static int qcow2_get_info(BlockDriverState *bs, BlockDriverInfo *bdi)
{
    BDRVQcow2State *s = bs->opaque;
    bdi->cluster_size = s->cluster_size;
    bdi->has_dirty = true;
    bdi->is_dirty = !!(s->incompatible_features & QCOW2_INCOMPAT_DIRTY);
    bdi->encrypted = s->crypt_method != QCOW2_CRYPT_NONE;
    return 0;
}

/* The "encrypt" member of qemu-img info's qcow2 data: a JSON object on one line. */
static char *qcow2_encrypt_info(LuksVolume *vol)
{
    ImageInfoSpecific *luks = bdrv_new_specific_info("luks");
    luks_add_info(vol, luks);
    GString *json = g_string_new("{\"format\": \"luks\"");
    for (guint i = 0; i < luks->keys->len; i++) {
        g_string_append_printf(json, ", \"%s\": %s", (char *)g_ptr_array_index(luks->keys, i),
                               (char *)g_ptr_array_index(luks->values, i));
    }
    image_info_specific_free(luks);
    g_string_append_c(json, '}');
    return g_string_free(json, false);
}

static ImageInfoSpecific *qcow2_get_specific_info(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    ImageInfoSpecific *info = bdrv_new_specific_info("qcow2");
    g_autofree char *rb = g_strdup_printf("%d", s->refcount_bits);
    if (s->qcow_version == 2) {
        image_info_specific_add(info, "compat", "compat", "\"0.10\"");
        image_info_specific_add(info, "compression-type", "compression type", "\"zlib\"");
        image_info_specific_add(info, "refcount-bits", "refcount bits", rb);
        return info;
    }
    image_info_specific_add(info, "compat", "compat", "\"1.1\"");
    image_info_specific_add(info, "compression-type", "compression type", "\"zlib\"");
    image_info_specific_add(info, "lazy-refcounts", "lazy refcounts",
                            s->compatible_features & QCOW2_COMPAT_LAZY_REFCOUNTS ? "true"
                                                                                  : "false");
    image_info_specific_add(info, "refcount-bits", "refcount bits", rb);
    if (s->crypto) {
        g_autofree char *encrypt = qcow2_encrypt_info(s->crypto);
        image_info_specific_add(info, "encrypt", "encrypt", encrypt);
    }
    image_info_specific_add(info, "corrupt", "corrupt",
                            s->incompatible_features & QCOW2_INCOMPAT_CORRUPT ? "true" : "false");
    image_info_specific_add(info, "extended-l2", "extended l2", "false");
    return info;
}

static bool qcow2_change_backing_file(BlockDriverState *bs, const char *backing_file,
                                      const char *backing_fmt, GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    if (backing_file && strlen(backing_file) > QCOW2_MAX_BACKING_FILE_NAME) {
        error_setg(errp, "Backing file name too long (at most %d bytes)",
                   QCOW2_MAX_BACKING_FILE_NAME);
        return false;
    }
    if (backing_fmt && strlen(backing_fmt) >= sizeof(bs->backing_format)) {
        error_setg(errp, "Backing format name too long");
        return false;
    }
    char old_file[sizeof(bs->backing_file)], old_fmt[sizeof(bs->backing_format)];
    g_strlcpy(old_file, bs->backing_file, sizeof(old_file));
    g_strlcpy(old_fmt, bs->backing_format, sizeof(old_fmt));
    g_strlcpy(bs->backing_file, backing_file ? backing_file : "", sizeof(bs->backing_file));
    g_strlcpy(bs->backing_format, backing_file && backing_fmt ? backing_fmt : "",
              sizeof(bs->backing_format));
    g_mutex_lock(&s->lock);
    int ret = qcow2_update_header(bs);
    g_mutex_unlock(&s->lock);
    if (ret < 0) {
        g_strlcpy(bs->backing_file, old_file, sizeof(bs->backing_file));
        g_strlcpy(bs->backing_format, old_fmt, sizeof(bs->backing_format));
        error_setg_errno(errp, -ret, "Could not change the backing file of '%s'", bs->filename);
        return false;
    }
    return true;
}

/* Highest cluster with a nonzero refcount, plus one, in bytes. */
static int64_t qcow2_last_used_offset(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    int64_t file_len = bdrv_getlength(bs->file);
    if (file_len < 0) {
        return file_len;
    }
    for (int64_t ci = size_to_clusters(s, file_len) - 1; ci >= 0; ci--) {
        uint64_t rc;
        int ret = qcow2_get_refcount(bs, ci, &rc);
        if (ret < 0) {
            return ret;
        }
        if (rc) {
            return (ci + 1) << s->cluster_bits;
        }
    }
    return 0;
}

static bool qcow2_truncate(BlockDriverState *bs, int64_t offset, bool exact, PreallocMode prealloc,
                           GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    int ret = 0;
    if (offset & 511) {
        error_setg(errp, "The new size must be a multiple of 512");
        return false;
    }
    if (s->nb_snapshots && (uint64_t)offset < s->size) {
        error_setg(errp, "Can't shrink an image which has snapshots");
        return false;
    }
    g_mutex_lock(&s->lock);
    uint64_t old_size = s->size;
    if ((uint64_t)offset < old_size) {
        if (prealloc != PREALLOC_MODE_OFF) {
            error_setg(errp, "Preallocation can't be used for shrinking an image");
            goto fail_unlocked;
        }
        uint64_t start = ROUND_UP((uint64_t)offset, (uint64_t)s->cluster_size);
        uint64_t end = ROUND_UP(old_size, (uint64_t)s->cluster_size);
        if (start < end) {
            ret = qcow2_discard_clusters(bs, start, end - start, false, true);
            if (ret < 0) {
                error_setg_errno(errp, -ret, "Failed to discard cropped clusters");
                goto fail_unlocked;
            }
        }
        if ((uint64_t)offset > start - s->cluster_size && offset_into_cluster(s, offset)) {
            /* The tail of the last cluster must read as zero if the image grows again. */
        }
    } else if ((uint64_t)offset > old_size) {
        uint64_t l1 = size_to_l1(s->cluster_bits, offset);
        if (l1 > s->l1_size) {
            ret = qcow2_grow_l1_table(bs, l1, true);
            if (ret < 0) {
                error_setg_errno(errp, -ret, "Failed to grow the L1 table");
                goto fail_unlocked;
            }
        }
    }
    uint64_t be = GUINT64_TO_BE((uint64_t)offset);
    ret = qcow2_flush_metadata(bs);
    if (ret == 0) {
        ret = bdrv_pwrite_sync(bs->file, 24, 8, &be);
    }
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Failed to update the image size");
        goto fail_unlocked;
    }
    s->size = offset;

    if ((uint64_t)offset > old_size && prealloc != PREALLOC_MODE_OFF) {
        ret = qcow2_preallocate_metadata(bs, old_size, offset - old_size);
        if (ret == 0) {
            ret = qcow2_flush_metadata(bs);
        }
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Preallocation failed");
            goto fail_unlocked;
        }
        int64_t end = qcow2_last_used_offset(bs);
        if (end < 0 || !bdrv_truncate(bs->file, end, false, prealloc == PREALLOC_MODE_METADATA ?
                                      PREALLOC_MODE_OFF : prealloc, errp)) {
            if (end < 0) {
                error_setg_errno(errp, (int)-end, "Preallocation failed");
            }
            goto fail_unlocked;
        }
    } else if ((uint64_t)offset < old_size) {
        ret = qcow2_flush_metadata(bs);
        int64_t end = ret < 0 ? ret : qcow2_last_used_offset(bs);
        if (end > 0) {
            /* Give back the space past the last used cluster. */
            bdrv_truncate(bs->file, end, true, PREALLOC_MODE_OFF, NULL);
        }
    }
    g_mutex_unlock(&s->lock);
    return true;
fail_unlocked:
    g_mutex_unlock(&s->lock);
    return false;
}

static int qcow2_make_empty(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    g_mutex_lock(&s->lock);
    int ret = qcow2_discard_clusters(bs, 0, ROUND_UP(s->size, (uint64_t)s->cluster_size), false,
                                     true);
    if (ret == 0) {
        ret = qcow2_flush_metadata(bs);
    }
    g_mutex_unlock(&s->lock);
    return ret;
}

static int qcow2_check(BlockDriverState *bs, BdrvCheckResult *res, BdrvCheckMode fix)
{
    BDRVQcow2State *s = bs->opaque;
    g_mutex_lock(&s->lock);
    int ret = qcow2_check_refcounts(bs, res, fix);
    if (ret == 0 && fix && !res->corruptions && !res->leaks && !res->check_errors &&
        !bs->read_only) {
        /* A repaired image is consistent: the dirty bit may go. */
        s->dirty_marked = true;
        qcow2_mark_clean(bs);
    }
    g_mutex_unlock(&s->lock);
    return ret;
}

BlockDriver bdrv_driver_qcow2 = {
    .format_name = "qcow2",
    .instance_size = sizeof(BDRVQcow2State),
    .supports_backing = true,
    .probe = qcow2_probe,
    .open = qcow2_open,
    .close = qcow2_close,
    .create = qcow2_create,
    .preadv = qcow2_preadv,
    .pwritev = qcow2_pwritev,
    .pwritev_compressed = qcow2_pwritev_compressed,
    .pwrite_zeroes = qcow2_pwrite_zeroes,
    .pdiscard = qcow2_pdiscard,
    .flush = qcow2_flush,
    .make_empty = qcow2_make_empty,
    .getlength = qcow2_getlength,
    .truncate = qcow2_truncate,
    .block_status = qcow2_block_status,
    .get_info = qcow2_get_info,
    .get_specific_info = qcow2_get_specific_info,
    .check = qcow2_check,
    .change_backing_file = qcow2_change_backing_file,
    .amend = qcow2_amend,
    .measure = qcow2_measure,
    .snapshot_list = qcow2_snapshot_list,
    .snapshot_create = qcow2_snapshot_create,
    .snapshot_goto = qcow2_snapshot_goto,
    .snapshot_delete = qcow2_snapshot_delete,
};
