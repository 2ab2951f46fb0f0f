/*
 * qcow2 internal snapshots ("Snapshots" in qcow2.txt): the snapshot table,
 * list, create, revert (goto) and delete. A snapshot is a copy of the active
 * L1 table plus one more reference on every cluster reachable from it.
 *
 * Ordering: references are raised before any table names them; the snapshot
 * table is written to new clusters and switched to by one header write; on
 * delete the table entry goes first, the references after. A crash leaks.
 */
#include "block/qcow2.h"
#include "util/error.h"

#define SNAPSHOT_MAX_EXTRA 1024
#define SNAPSHOT_TABLE_MAX (64 * MiB)

void qcow2_free_snapshots(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    for (int i = 0; i < s->nb_snapshots && s->snapshots; i++) {
        g_free(s->snapshots[i].id_str);
        g_free(s->snapshots[i].name);
        g_free(s->snapshots[i].unknown_extra_data);
    }
    g_free(s->snapshots);
    s->snapshots = NULL;
}

bool qcow2_read_snapshots(BlockDriverState *bs, GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    s->snapshots_size = 0;
    if (s->nb_snapshots == 0) {
        return true;
    }
    int n = s->nb_snapshots;
    s->snapshots = g_new0(QCowSnapshot, n);
    uint64_t off = s->snapshots_offset;
    for (int i = 0; i < n; i++) {
        uint8_t h[40];
        off = ROUND_UP(off, 8);
        if (off - s->snapshots_offset + sizeof(h) > SNAPSHOT_TABLE_MAX) {
            error_setg(errp, "Snapshot table too large");
            goto fail;
        }
        int ret = bdrv_pread(bs->file, off, sizeof(h), h);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Failed to read snapshot table");
            goto fail;
        }
        QCowSnapshot *sn = &s->snapshots[i];
        uint64_t v64;
        uint32_t v32;
        uint16_t id_len, name_len;
        memcpy(&v64, h, 8);
        sn->l1_table_offset = GUINT64_FROM_BE(v64);
        memcpy(&v32, h + 8, 4);
        sn->l1_size = GUINT32_FROM_BE(v32);
        memcpy(&id_len, h + 12, 2);
        id_len = GUINT16_FROM_BE(id_len);
        memcpy(&name_len, h + 14, 2);
        name_len = GUINT16_FROM_BE(name_len);
        memcpy(&v32, h + 16, 4);
        sn->date_sec = GUINT32_FROM_BE(v32);
        memcpy(&v32, h + 20, 4);
        sn->date_nsec = GUINT32_FROM_BE(v32);
        memcpy(&v64, h + 24, 8);
        sn->vm_clock_nsec = GUINT64_FROM_BE(v64);
        memcpy(&v32, h + 32, 4);
        sn->vm_state_size = GUINT32_FROM_BE(v32);
        memcpy(&v32, h + 36, 4);
        sn->extra_data_size = GUINT32_FROM_BE(v32);
        off += sizeof(h);
        if (sn->extra_data_size > SNAPSHOT_MAX_EXTRA) {
            error_setg(errp, "Too much extra metadata in snapshot table entry %d", i);
            goto fail;
        }
        sn->disk_size = s->size;
        if (sn->extra_data_size) {
            uint8_t extra[SNAPSHOT_MAX_EXTRA];
            ret = bdrv_pread(bs->file, off, sn->extra_data_size, extra);
            if (ret < 0) {
                error_setg_errno(errp, -ret, "Failed to read snapshot table");
                goto fail;
            }
            if (sn->extra_data_size >= 8) {
                memcpy(&v64, extra, 8);
                sn->vm_state_size = GUINT64_FROM_BE(v64);
            }
            if (sn->extra_data_size >= 16) {
                memcpy(&v64, extra + 8, 8);
                sn->disk_size = GUINT64_FROM_BE(v64);
            }
            if (sn->extra_data_size > 16) {
                sn->unknown_extra_data = g_memdup2(extra + 16, sn->extra_data_size - 16);
            }
            off += sn->extra_data_size;
        }
        sn->id_str = g_malloc0(id_len + 1);
        sn->name = g_malloc0(name_len + 1);
        if ((id_len && bdrv_pread(bs->file, off, id_len, sn->id_str) < 0) ||
            (name_len && bdrv_pread(bs->file, off + id_len, name_len, sn->name) < 0)) {
            error_setg(errp, "Failed to read snapshot table");
            goto fail;
        }
        off += id_len + name_len;
        if ((uint64_t)sn->l1_size * 8 > QCOW2_MAX_L1_SIZE) {
            error_setg(errp, "Snapshot L1 table too large");
            goto fail;
        }
        if (sn->l1_table_offset & (s->cluster_size - 1)) {
            error_setg(errp, "Snapshot L1 table offset invalid");
            goto fail;
        }
    }
    s->snapshots_size = ROUND_UP(off, 8) - s->snapshots_offset;
    return true;
fail:
    qcow2_free_snapshots(bs);
    s->nb_snapshots = 0;
    return false;
}

/* Write the snapshot table to new clusters and switch the header to it. Lock held. */
static int write_snapshots(BlockDriverState *bs, QCowSnapshot *sns, int n)
{
    BDRVQcow2State *s = bs->opaque;
    GByteArray *t = g_byte_array_new();
    for (int i = 0; i < n; i++) {
        QCowSnapshot *sn = &sns[i];
        uint8_t h[56] = { 0 };
        uint32_t extra = 16 + (sn->extra_data_size > 16 ? sn->extra_data_size - 16 : 0);
        uint64_t v64;
        uint32_t v32;
        uint16_t v16;
        v64 = GUINT64_TO_BE(sn->l1_table_offset);
        memcpy(h, &v64, 8);
        v32 = GUINT32_TO_BE(sn->l1_size);
        memcpy(h + 8, &v32, 4);
        v16 = GUINT16_TO_BE((uint16_t)strlen(sn->id_str));
        memcpy(h + 12, &v16, 2);
        v16 = GUINT16_TO_BE((uint16_t)strlen(sn->name));
        memcpy(h + 14, &v16, 2);
        v32 = GUINT32_TO_BE(sn->date_sec);
        memcpy(h + 16, &v32, 4);
        v32 = GUINT32_TO_BE(sn->date_nsec);
        memcpy(h + 20, &v32, 4);
        v64 = GUINT64_TO_BE(sn->vm_clock_nsec);
        memcpy(h + 24, &v64, 8);
        v32 = GUINT32_TO_BE((uint32_t)MIN(sn->vm_state_size, UINT32_MAX));
        memcpy(h + 32, &v32, 4);
        v32 = GUINT32_TO_BE(extra);
        memcpy(h + 36, &v32, 4);
        v64 = GUINT64_TO_BE(sn->vm_state_size);
        memcpy(h + 40, &v64, 8);
        v64 = GUINT64_TO_BE(sn->disk_size);
        memcpy(h + 48, &v64, 8);
        g_byte_array_append(t, h, sizeof(h));
        if (extra > 16) {
            g_byte_array_append(t, sn->unknown_extra_data, extra - 16);
        }
        g_byte_array_append(t, (uint8_t *)sn->id_str, strlen(sn->id_str));
        g_byte_array_append(t, (uint8_t *)sn->name, strlen(sn->name));
        static const uint8_t pad[8];
        g_byte_array_append(t, pad, ROUND_UP(t->len, 8) - t->len);
    }
    int64_t new_off = 0;
    int ret = 0;
    if (t->len) {
        new_off = qcow2_alloc_clusters(bs, t->len);
        if (new_off < 0) {
            g_byte_array_free(t, true);
            return (int)new_off;
        }
        ret = qcow2_cache_flush(bs, s->refcount_block_cache);
        if (ret == 0) {
            ret = bdrv_pwrite_sync(bs->file, new_off, t->len, t->data);
        }
    }
    if (ret == 0) {
        uint8_t hdr[12];
        uint32_t nb = GUINT32_TO_BE((uint32_t)n);
        uint64_t o = GUINT64_TO_BE((uint64_t)new_off);
        memcpy(hdr, &nb, 4);
        memcpy(hdr + 4, &o, 8);
        ret = bdrv_pwrite_sync(bs->file, 60, sizeof(hdr), hdr); /* nb_snapshots, snapshots_offset */
    }
    if (ret < 0) {
        if (new_off > 0) {
            qcow2_free_clusters(bs, new_off, t->len);
        }
        g_byte_array_free(t, true);
        return ret;
    }
    if (s->snapshots_size) {
        qcow2_free_clusters(bs, s->snapshots_offset, s->snapshots_size);
    }
    s->snapshots_offset = new_off;
    s->snapshots_size = t->len;
    g_byte_array_free(t, true);
    return 0;
}

/* Recompute OFLAG_COPIED in the active L1 and L2 tables from the refcounts. Lock held. */
static int update_copied_flags(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    for (uint32_t i = 0; i < s->l1_size; i++) {
        uint64_t l2_off = s->l1_table[i] & L1E_OFFSET_MASK;
        if (!l2_off) {
            continue;
        }
        uint64_t rc;
        int ret = qcow2_get_refcount(bs, l2_off >> s->cluster_bits, &rc);
        if (ret < 0) {
            return ret;
        }
        uint64_t ne = rc == 1 ? (l2_off | QCOW_OFLAG_COPIED) : l2_off;
        if (ne != s->l1_table[i]) {
            s->l1_table[i] = ne;
            uint64_t be = GUINT64_TO_BE(ne);
            ret = bdrv_pwrite(bs->file, s->l1_table_offset + (uint64_t)i * 8, 8, &be);
            if (ret < 0) {
                return ret;
            }
        }
        uint64_t *l2;
        ret = qcow2_cache_get(bs, s->l2_cache, l2_off, (void **)&l2);
        if (ret < 0) {
            return ret;
        }
        for (int j = 0; j < s->l2_size; j++) {
            uint64_t e = GUINT64_FROM_BE(l2[j]);
            Qcow2ClusterType t = qcow2_get_cluster_type(s, e);
            if (t != QCOW2_CLUSTER_NORMAL && t != QCOW2_CLUSTER_ZERO_ALLOC) {
                continue;
            }
            ret = qcow2_get_refcount(bs, (e & L2E_OFFSET_MASK) >> s->cluster_bits, &rc);
            if (ret < 0) {
                qcow2_cache_put(s->l2_cache, (void **)&l2);
                return ret;
            }
            uint64_t n2 = rc == 1 ? (e | QCOW_OFLAG_COPIED) : (e & ~QCOW_OFLAG_COPIED);
            if (n2 != e) {
                l2[j] = GUINT64_TO_BE(n2);
                qcow2_cache_mark_dirty(s->l2_cache, l2);
            }
        }
        qcow2_cache_put(s->l2_cache, (void **)&l2);
    }
    return 0;
}

static int find_snapshot(BDRVQcow2State *s, const char *name)
{
    for (int i = 0; i < s->nb_snapshots; i++) {
        if (!strcmp(s->snapshots[i].id_str, name)) {
            return i;
        }
    }
    for (int i = 0; i < s->nb_snapshots; i++) {
        if (!strcmp(s->snapshots[i].name, name)) {
            return i;
        }
    }
    return -1;
}

int qcow2_snapshot_list(BlockDriverState *bs, QEMUSnapshotInfo **psn_info)
{
    BDRVQcow2State *s = bs->opaque;
    QEMUSnapshotInfo *out = g_new0(QEMUSnapshotInfo, MAX(s->nb_snapshots, 1));
    for (int i = 0; i < s->nb_snapshots; i++) {
        QCowSnapshot *sn = &s->snapshots[i];
        g_strlcpy(out[i].id_str, sn->id_str, sizeof(out[i].id_str));
        g_strlcpy(out[i].name, sn->name, sizeof(out[i].name));
        out[i].vm_state_size = sn->vm_state_size;
        out[i].date_sec = sn->date_sec;
        out[i].date_nsec = sn->date_nsec;
        out[i].vm_clock_nsec = sn->vm_clock_nsec;
    }
    *psn_info = out;
    return s->nb_snapshots;
}

bool qcow2_snapshot_create(BlockDriverState *bs, const char *name, GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    if (strlen(name) > 1000) {
        error_setg(errp, "Snapshot name too long");
        return false;
    }
    g_mutex_lock(&s->lock);
    int ret;
    if (find_snapshot(s, name) >= 0) {
        g_mutex_unlock(&s->lock);
        error_setg(errp, "Snapshot '%s' already exists", name);
        return false;
    }
    if (s->nb_snapshots >= QCOW2_MAX_SNAPSHOTS) {
        g_mutex_unlock(&s->lock);
        error_setg(errp, "Too many snapshots");
        return false;
    }
    /* Unique id: one more than the largest numeric id. */
    uint64_t max_id = 0;
    for (int i = 0; i < s->nb_snapshots; i++) {
        max_id = MAX(max_id, g_ascii_strtoull(s->snapshots[i].id_str, NULL, 10));
    }
    QCowSnapshot sn = { 0 };
    sn.id_str = g_strdup_printf("%" PRIu64, max_id + 1);
    sn.name = g_strdup(name);
    sn.l1_size = s->l1_size;
    sn.disk_size = s->size;
    gint64 now = g_get_real_time();
    sn.date_sec = now / G_USEC_PER_SEC;
    sn.date_nsec = (now % G_USEC_PER_SEC) * 1000;

    ret = qcow2_flush_metadata(bs);
    int64_t l1_off = ret < 0 ? ret : qcow2_alloc_clusters(bs, MAX((uint64_t)s->l1_size * 8, 8));
    if (l1_off < 0) {
        ret = (int)l1_off;
        goto fail;
    }
    sn.l1_table_offset = l1_off;
    {
        g_autofree uint64_t *be = g_new0(uint64_t, MAX(s->l1_size, 1));
        for (uint32_t i = 0; i < s->l1_size; i++) {
            be[i] = GUINT64_TO_BE(s->l1_table[i]);
        }
        ret = qcow2_cache_flush(bs, s->refcount_block_cache);
        if (ret == 0 && s->l1_size) {
            ret = bdrv_pwrite_sync(bs->file, l1_off, (int64_t)s->l1_size * 8, be);
        }
    }
    if (ret < 0) {
        goto fail;
    }
    ret = qcow2_update_snapshot_refcount(bs, s->l1_table_offset, s->l1_size, 1);
    if (ret == 0) {
        ret = qcow2_cache_flush(bs, s->refcount_block_cache);
    }
    if (ret == 0) {
        ret = update_copied_flags(bs);
    }
    if (ret == 0) {
        ret = qcow2_cache_flush(bs, s->l2_cache);
    }
    if (ret < 0) {
        goto fail;
    }
    QCowSnapshot *nsn = g_new0(QCowSnapshot, s->nb_snapshots + 1);
    memcpy(nsn, s->snapshots, sizeof(QCowSnapshot) * s->nb_snapshots);
    nsn[s->nb_snapshots] = sn;
    ret = write_snapshots(bs, nsn, s->nb_snapshots + 1);
    if (ret < 0) {
        g_free(nsn);
        goto fail;
    }
    g_free(s->snapshots);
    s->snapshots = nsn;
    s->nb_snapshots++;
    g_mutex_unlock(&s->lock);
    return true;
fail:
    g_mutex_unlock(&s->lock);
    g_free(sn.id_str);
    g_free(sn.name);
    error_setg_errno(errp, -ret, "Could not create snapshot '%s'", name);
    return false;
}

bool qcow2_snapshot_goto(BlockDriverState *bs, const char *name, GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    g_mutex_lock(&s->lock);
    int idx = find_snapshot(s, name);
    if (idx < 0) {
        g_mutex_unlock(&s->lock);
        error_setg(errp, "Can't find snapshot '%s'", name);
        return false;
    }
    QCowSnapshot *sn = &s->snapshots[idx];
    g_autofree uint64_t *old_l1 = NULL;
    g_autofree uint64_t *new_be = NULL;
    int ret = qcow2_flush_metadata(bs);
    if (ret == 0 && sn->l1_size > s->l1_size) {
        ret = qcow2_grow_l1_table(bs, sn->l1_size, true);
    }
    if (ret < 0) {
        goto fail;
    }
    /* Snapshot's tree +1 first, so nothing it names is ever free; then switch; then old -1. */
    ret = qcow2_update_snapshot_refcount(bs, sn->l1_table_offset, sn->l1_size, 1);
    if (ret == 0) {
        ret = qcow2_cache_flush(bs, s->refcount_block_cache);
    }
    if (ret < 0) {
        goto fail;
    }
    old_l1 = g_memdup2(s->l1_table, (size_t)s->l1_size * 8);
    uint32_t old_size = s->l1_size;
    new_be = g_new0(uint64_t, MAX(s->l1_size, 1));
    if (sn->l1_size) {
        ret = bdrv_pread(bs->file, sn->l1_table_offset, (int64_t)sn->l1_size * 8, new_be);
        if (ret < 0) {
            goto fail;
        }
    }
    /* Drop cached active L2 tables: after the switch they may be shared. */
    ret = qcow2_cache_flush(bs, s->l2_cache);
    if (ret == 0) {
        ret = bdrv_pwrite_sync(bs->file, s->l1_table_offset, (int64_t)s->l1_size * 8, new_be);
    }
    if (ret < 0) {
        goto fail;
    }
    for (uint32_t i = 0; i < s->l1_size; i++) {
        s->l1_table[i] = GUINT64_FROM_BE(new_be[i]);
    }
    if (sn->disk_size != s->size) {
        uint64_t be = GUINT64_TO_BE(sn->disk_size);
        ret = bdrv_pwrite_sync(bs->file, 24, 8, &be);
        if (ret < 0) {
            goto fail;
        }
        s->size = sn->disk_size;
    }
    /* Old active tree -1: write its L1 where the refcount walker can read it. */
    int64_t tmp = qcow2_alloc_clusters(bs, MAX((uint64_t)old_size * 8, 8));
    if (tmp >= 0) {
        g_autofree uint64_t *obe = g_new0(uint64_t, MAX(old_size, 1));
        for (uint32_t i = 0; i < old_size; i++) {
            obe[i] = GUINT64_TO_BE(old_l1[i] & ~QCOW_OFLAG_COPIED);
        }
        ret = bdrv_pwrite(bs->file, tmp, (int64_t)old_size * 8, obe);
        if (ret == 0) {
            ret = qcow2_update_snapshot_refcount(bs, tmp, old_size, -1);
        }
        qcow2_free_clusters(bs, tmp, MAX((uint64_t)old_size * 8, 8));
    } else {
        ret = (int)tmp;
    }
    if (ret == 0) {
        ret = update_copied_flags(bs);
    }
    if (ret < 0) {
        goto fail;
    }
    s->cluster_cache_offset = UINT64_MAX;
    g_mutex_unlock(&s->lock);
    return true;
fail:
    g_mutex_unlock(&s->lock);
    error_setg_errno(errp, -ret, "Could not apply snapshot '%s'", name);
    return false;
}

bool qcow2_snapshot_delete(BlockDriverState *bs, const char *name, GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    g_mutex_lock(&s->lock);
    int idx = find_snapshot(s, name);
    if (idx < 0) {
        g_mutex_unlock(&s->lock);
        error_setg(errp, "Can't find the snapshot with ID '%s' and name '%s'", name, name);
        return false;
    }
    QCowSnapshot sn = s->snapshots[idx];
    int n = s->nb_snapshots - 1;
    QCowSnapshot *nsn = g_new0(QCowSnapshot, MAX(n, 1));
    memcpy(nsn, s->snapshots, sizeof(QCowSnapshot) * idx);
    memcpy(nsn + idx, s->snapshots + idx + 1, sizeof(QCowSnapshot) * (n - idx));
    int ret = qcow2_flush_metadata(bs);
    if (ret == 0) {
        ret = write_snapshots(bs, nsn, n);
    }
    if (ret < 0) {
        g_free(nsn);
        goto fail;
    }
    g_free(s->snapshots);
    s->snapshots = nsn;
    s->nb_snapshots = n;
    ret = qcow2_update_snapshot_refcount(bs, sn.l1_table_offset, sn.l1_size, -1);
    if (ret == 0) {
        qcow2_free_clusters(bs, sn.l1_table_offset, MAX((uint64_t)sn.l1_size * 8, 8));
        ret = update_copied_flags(bs);
    }
    g_free(sn.id_str);
    g_free(sn.name);
    g_free(sn.unknown_extra_data);
    if (ret < 0) {
        goto fail;
    }
    g_mutex_unlock(&s->lock);
    return true;
fail:
    g_mutex_unlock(&s->lock);
    error_setg_errno(errp, -ret, "Could not delete snapshot '%s'", name);
    return false;
}
