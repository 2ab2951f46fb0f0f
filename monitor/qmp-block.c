/*
 * query-block and query-blockstats (info block, info blockstats): the drives
 * that -drive and -blockdev created, in the shapes of QEMU's BlockInfo and
 * BlockStats (qapi/block-core.json), so that management tools read them
 * unchanged.
 *
 * Left out: removable media (mimic's drives have no tray), I/O throttling
 * (every bps/iops member would read 0, so they are not sent), and QEMU's
 * timed statistics (the block layer counts bytes and operations, not latency).
 * A drive has no separate node name: "node-name" is the drive's id, which is
 * what -blockdev's node-name= became.
 */
#include "monitor/monitor-internal.h"
#include "block/drive.h"
#include "core/qdev.h"

/* ImageInfo: one node and, under "backing-image", the chain beneath it. */
static GVariant *block_image_info(BlockDriverState *bs, int depth)
{
    BlockDriverState *backing = bdrv_backing(bs);
    const char *backing_name = bdrv_get_backing_filename(bs);
    const char *backing_fmt = bdrv_get_backing_format(bs);
    int64_t actual = bdrv_get_allocated_file_size(bs);
    BlockDriverInfo bdi = {0};
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    mon_dict_add(&b, "filename", g_variant_new_string(bdrv_get_filename(bs)));
    mon_dict_add(&b, "format", g_variant_new_string(bdrv_get_format_name(bs)));
    mon_dict_add(&b, "virtual-size", g_variant_new_int64(MAX(bdrv_getlength(bs), 0)));
    if (actual >= 0) {
        mon_dict_add(&b, "actual-size", g_variant_new_int64(actual));
    }
    if (bdrv_get_info(bs, &bdi) == 0) {
        if (bdi.cluster_size) {
            mon_dict_add(&b, "cluster-size", g_variant_new_int64(bdi.cluster_size));
        }
        if (bdi.has_dirty) {
            mon_dict_add(&b, "dirty-flag", g_variant_new_boolean(bdi.is_dirty));
        }
    }
    if (backing_name && backing_name[0]) {
        mon_dict_add(&b, "backing-filename", g_variant_new_string(backing_name));
        if (backing_fmt && backing_fmt[0]) {
            mon_dict_add(&b, "backing-filename-format", g_variant_new_string(backing_fmt));
        }
    }
    /* Bounded as the block layer bounds chains; a cycle cannot make this recurse forever. */
    if (backing && depth < 64) {
        mon_dict_add(&b, "backing-image", block_image_info(backing, depth + 1));
    }
    return g_variant_builder_end(&b);
}

static int block_chain_depth(BlockDriverState *bs)
{
    int depth = 0;

    for (bs = bdrv_backing(bs); bs && depth < 64; bs = bdrv_backing(bs)) {
        depth++;
    }
    return depth;
}

/* BlockDeviceInfo: what "inserted" holds. */
static GVariant *block_inserted_info(DriveInfo *d)
{
    BlockDriverState *bs = blk_bs(d->blk);
    GVariantBuilder b, cache;

    g_variant_builder_init(&cache, G_VARIANT_TYPE_VARDICT);
    mon_dict_add(&cache, "writeback", g_variant_new_boolean(blk_enable_write_cache(d->blk)));
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    mon_dict_add(&b, "file", g_variant_new_string(bdrv_get_filename(bs)));
    mon_dict_add(&b, "node-name", g_variant_new_string(d->id));
    mon_dict_add(&b, "ro", g_variant_new_boolean(bdrv_is_read_only(bs)));
    mon_dict_add(&b, "drv", g_variant_new_string(bdrv_get_format_name(bs)));
    mon_dict_add(&b, "encrypted", g_variant_new_boolean(false));
    mon_dict_add(&b, "backing_file_depth", g_variant_new_int64(block_chain_depth(bs)));
    if (bdrv_backing(bs)) {
        mon_dict_add(&b, "backing_file", g_variant_new_string(bdrv_get_backing_filename(bs)));
    }
    mon_dict_add(&b, "detect_zeroes", g_variant_new_string("off"));
    mon_dict_add(&b, "write_threshold", g_variant_new_int64(0));
    mon_dict_add(&b, "cache", g_variant_builder_end(&cache));
    mon_dict_add(&b, "image", block_image_info(bs, 0));
    return g_variant_builder_end(&b);
}

static void block_info_one(DriveInfo *d, void *opaque)
{
    GVariantBuilder *list = opaque;
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    mon_dict_add(&b, "device", g_variant_new_string(d->id));
    /* QEMU names the device by its QOM path; mimic's devices are found by id (qom-list). */
    if (d->attached) {
        mon_dict_add(
            &b, "qdev",
            g_variant_new_string(d->attached->id ? d->attached->id : device_type(d->attached)));
    }
    mon_dict_add(&b, "locked", g_variant_new_boolean(false));
    mon_dict_add(&b, "removable", g_variant_new_boolean(false));
    mon_dict_add(&b, "type", g_variant_new_string("unknown"));
    mon_dict_add(&b, "io-status", g_variant_new_string(block_io_status_name(d->io_status)));
    if (d->blk) {
        mon_dict_add(&b, "inserted", block_inserted_info(d));
    }
    g_variant_builder_add_value(list, g_variant_builder_end(&b));
}

bool qmp_query_block(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    GVariantBuilder list;

    g_variant_builder_init(&list, G_VARIANT_TYPE("aa{sv}"));
    drive_foreach(block_info_one, &list);
    *ret = g_variant_builder_end(&list);
    return true;
}

static const char *dict_get_str(GVariant *dict, const char *key)
{
    const char *s = NULL;

    g_variant_lookup(dict, key, "&s", &s);
    return s;
}

static int64_t dict_get_int(GVariant *dict, const char *key)
{
    int64_t v = 0;

    g_variant_lookup(dict, key, "x", &v);
    return v;
}

/* QEMU's wording: "virtio0 (virtio0): disk.qcow2 (qcow2, read-only)" and indented details. */
void hmp_print_block(Monitor *mon, GVariant *ret)
{
    GVariantIter iter;
    GVariant *info;

    g_variant_iter_init(&iter, ret);
    while ((info = g_variant_iter_next_value(&iter))) {
        g_autoptr(GVariant) ins = g_variant_lookup_value(info, "inserted", NULL);
        const char *qdev = dict_get_str(info, "qdev");
        const char *io_status = dict_get_str(info, "io-status");
        gboolean ro = false, wb = false;

        if (!ins) {
            monitor_printf(mon, "%s: [not inserted]\n", dict_get_str(info, "device"));
            g_variant_unref(info);
            continue;
        }
        g_variant_lookup(ins, "ro", "b", &ro);
        monitor_printf(mon, "%s (%s): %s (%s%s)\n", dict_get_str(info, "device"),
                       dict_get_str(ins, "node-name"), dict_get_str(ins, "file"),
                       dict_get_str(ins, "drv"), ro ? ", read-only" : "");
        if (qdev) {
            monitor_printf(mon, "    Attached to:      %s\n", qdev);
        }
        if (io_status && strcmp(io_status, "ok")) {
            monitor_printf(mon, "    I/O status:       %s\n", io_status);
        }
        {
            g_autoptr(GVariant) cache = g_variant_lookup_value(ins, "cache", NULL);

            if (cache) {
                g_variant_lookup(cache, "writeback", "b", &wb);
            }
        }
        monitor_printf(mon, "    Cache mode:       %s\n", wb ? "writeback" : "writethrough");
        if (dict_get_str(ins, "backing_file")) {
            monitor_printf(mon, "    Backing file:     %s (chain depth: %" PRId64 ")\n",
                           dict_get_str(ins, "backing_file"),
                           dict_get_int(ins, "backing_file_depth"));
        }
        monitor_printf(mon, "\n");
        g_variant_unref(info);
    }
}

static void block_stats_one(DriveInfo *d, void *opaque)
{
    GVariantBuilder *list = opaque;
    BlockAcctStats st = {0};
    GVariantBuilder b, s;

    if (!d->blk) {
        return;
    }
    blk_get_stats(d->blk, &st);
    g_variant_builder_init(&s, G_VARIANT_TYPE_VARDICT);
    mon_dict_add(&s, "rd_bytes", g_variant_new_int64(st.rd_bytes));
    mon_dict_add(&s, "wr_bytes", g_variant_new_int64(st.wr_bytes));
    mon_dict_add(&s, "rd_operations", g_variant_new_int64(st.rd_ops));
    mon_dict_add(&s, "wr_operations", g_variant_new_int64(st.wr_ops));
    mon_dict_add(&s, "flush_operations", g_variant_new_int64(st.flush_ops));
    mon_dict_add(&s, "unmap_operations", g_variant_new_int64(st.discard_ops));
    mon_dict_add(&s, "account_invalid", g_variant_new_boolean(false));
    mon_dict_add(&s, "account_failed", g_variant_new_boolean(false));
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    mon_dict_add(&b, "device", g_variant_new_string(d->id));
    mon_dict_add(&b, "node-name", g_variant_new_string(d->id));
    if (d->attached) {
        mon_dict_add(
            &b, "qdev",
            g_variant_new_string(d->attached->id ? d->attached->id : device_type(d->attached)));
    }
    mon_dict_add(&b, "stats", g_variant_builder_end(&s));
    g_variant_builder_add_value(list, g_variant_builder_end(&b));
}

bool qmp_query_blockstats(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    GVariantBuilder list;

    g_variant_builder_init(&list, G_VARIANT_TYPE("aa{sv}"));
    drive_foreach(block_stats_one, &list);
    *ret = g_variant_builder_end(&list);
    return true;
}

void hmp_print_blockstats(Monitor *mon, GVariant *ret)
{
    static const char *const keys[] = {"rd_bytes",      "wr_bytes",         "rd_operations",
                                       "wr_operations", "flush_operations", "unmap_operations"};
    GVariantIter iter;
    GVariant *entry;

    g_variant_iter_init(&iter, ret);
    while ((entry = g_variant_iter_next_value(&iter))) {
        g_autoptr(GVariant) st = g_variant_lookup_value(entry, "stats", NULL);

        monitor_printf(mon, "%s:", dict_get_str(entry, "device"));
        for (size_t i = 0; st && i < G_N_ELEMENTS(keys); i++) {
            monitor_printf(mon, " %s=%" PRId64, keys[i], dict_get_int(st, keys[i]));
        }
        monitor_printf(mon, "\n");
        g_variant_unref(entry);
    }
}

/* ---- HMP commit ---- */

static bool drive_commit(DriveInfo *d, GError **errp)
{
    blk_drain(d->blk);
    if (!bdrv_commit(blk_bs(d->blk), errp)) {
        g_prefix_error(errp, "commit %s: ", d->id);
        return false;
    }
    return true;
}

static void drive_commit_if_backed(DriveInfo *d, void *opaque)
{
    GError **errp = opaque;
    if (!*errp && bdrv_backing(blk_bs(d->blk)) && !bdrv_is_read_only(blk_bs(d->blk))) {
        drive_commit(d, errp);
    }
}

/* commit DEVICE|all: as QEMU's, "all" skips drives without a writable top over a backing file. */
bool hmp_commit(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    const char *device = mon_args_get_str(args, "device");
    if (strcmp(device, "all") == 0) {
        GError *err = NULL;
        drive_foreach(drive_commit_if_backed, &err);
        if (err) {
            g_propagate_error(errp, err);
            return false;
        }
        return true;
    }
    DriveInfo *d = drive_get_by_id(device);
    if (!d) {
        error_setg(errp, "Device '%s' not found", device);
        return false;
    }
    return drive_commit(d, errp);
}
