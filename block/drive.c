/*
 * -drive and -blockdev: parse the options, open the images as BlockBackends,
 * and give devices their "drive" link (drive=ID). Spellings and defaults follow
 * QEMU's -drive (docs: "Block device options"): if= defaults to the machine's
 * choice (the caller's), ids default to "<if><index>", snapshot=on writes to a
 * temporary qcow2 overlay that is deleted at once (the open file keeps it
 * alive until exit), and the image format is probed when format= is absent.
 *
 * Left out: if=scsi|sd|mtd|floppy, and -blockdev node graphs deeper than
 * format-over-file.
 */
#include "block/drive.h"
#include "util/error.h"
#include "util/option.h"
#include <glib/gstdio.h>
#include <unistd.h>

static GPtrArray *drives;        /* of DriveInfo* */
static GHashTable *drive_serials; /* id -> serial */
static GHashTable *file_nodes;   /* -blockdev driver=file nodes: node-name -> FileNode* */
static bool default_snapshot;
static BlockInterfaceType default_interface = IF_VIRTIO;

typedef struct FileNode {
    char *filename;
    int flags;
    bool writethrough;
    bool used;
} FileNode;

static const char *const if_names[IF_COUNT] = {
    [IF_NONE] = "none", [IF_IDE] = "ide", [IF_VIRTIO] = "virtio", [IF_PFLASH] = "pflash",
};

static BlockInterfaceType drive_interface_by_name(const char *name)
{
    BlockInterfaceType type;

    for (type = 0; type < IF_COUNT && strcmp(if_names[type], name) != 0; type++) {
    }
    return type;
}

bool drive_set_default_interface_name(const char *name, GError **errp)
{
    BlockInterfaceType type = drive_interface_by_name(name);

    if (type == IF_COUNT) {
        error_setg(errp, "unknown block interface '%s'", name);
        return false;
    }
    default_interface = type;
    return true;
}

void drive_set_default_snapshot(bool on)
{
    default_snapshot = on;
}

DriveInfo *drive_get_by_id(const char *id)
{
    for (guint i = 0; drives && i < drives->len; i++) {
        DriveInfo *d = g_ptr_array_index(drives, i);
        if (strcmp(d->id, id) == 0) {
            return d;
        }
    }
    return NULL;
}

void drive_foreach(void (*fn)(DriveInfo *dinfo, void *opaque), void *opaque)
{
    for (guint i = 0; drives && i < drives->len; i++) {
        fn(g_ptr_array_index(drives, i), opaque);
    }
}

DriveInfo *drive_get_by_index(BlockInterfaceType type, int index)
{
    for (guint i = 0; drives && i < drives->len; i++) {
        DriveInfo *d = g_ptr_array_index(drives, i);
        if (d->type == type && d->index == index) {
            return d;
        }
    }
    return NULL;
}

int drive_get_max_index(BlockInterfaceType type)
{
    int max = -1;

    for (guint i = 0; drives && i < drives->len; i++) {
        DriveInfo *d = g_ptr_array_index(drives, i);
        if (d->type == type && d->index > max) {
            max = d->index;
        }
    }
    return max;
}

DriveInfo *drive_get_by_blk(BlockBackend *blk)
{
    for (guint i = 0; drives && i < drives->len; i++) {
        DriveInfo *d = g_ptr_array_index(drives, i);
        if (d->blk == blk) {
            return d;
        }
    }
    return NULL;
}

const char *drive_get_serial(DriveInfo *dinfo)
{
    return drive_serials ? g_hash_table_lookup(drive_serials, dinfo->id) : NULL;
}

bool drive_attach(BlockBackend *blk, DeviceState *dev, GError **errp)
{
    DriveInfo *d = drive_get_by_blk(blk);

    if (!d) {
        return true; /* a backend made outside -drive (tests, the monitor) */
    }
    if (d->attached && d->attached != dev) {
        error_setg(errp, "drive '%s' is already in use by device '%s'", d->id,
                   d->attached->canonical ? d->attached->canonical : device_type(d->attached));
        return false;
    }
    d->attached = dev;
    return true;
}

void drive_detach(BlockBackend *blk)
{
    DriveInfo *d = drive_get_by_blk(blk);

    if (d) {
        d->attached = NULL;
    }
}

static void drive_free(DriveInfo *d)
{
    blk_unref(d->blk);
    g_free(d->id);
    g_free(d->filename);
    g_free(d->snapshot_overlay);
    g_free(d);
}

void drive_close_all(void)
{
    if (drives) {
        while (drives->len) {
            drive_free(g_ptr_array_steal_index(drives, drives->len - 1));
        }
    }
}

void drive_warn_orphans(void)
{
    for (guint i = 0; drives && i < drives->len; i++) {
        DriveInfo *d = g_ptr_array_index(drives, i);
        if (d->type != IF_NONE && !d->attached) {
            warn_report("drive '%s' (if=%s,index=%d) has no device on this machine", d->id,
                        if_names[d->type], d->index);
        }
    }
}

/* The "drive" link resolver: drive=ID finds a -drive id or a -blockdev node-name. */
static BlockBackend *drive_open_file_node(const char *name, FileNode *fn, GError **errp);

static void *drive_resolve(const char *id, GError **errp)
{
    DriveInfo *d = drive_get_by_id(id);
    FileNode *fn;

    if (d) {
        return d->blk;
    }
    fn = file_nodes ? g_hash_table_lookup(file_nodes, id) : NULL;
    if (fn) {
        return drive_open_file_node(id, fn, errp);
    }
    error_setg(errp, "no drive or block node named '%s' (give one with -drive ...,id=%s or "
               "-blockdev ...,node-name=%s)", id, id, id);
    return NULL;
}

MIMIC_INIT(drive_register_resolver)
{
    qdev_register_link_resolver("drive", drive_resolve);
}

static DriveInfo *drive_register(const char *id, BlockInterfaceType type, int index,
                                 BlockBackend *blk, const char *filename, bool read_only)
{
    DriveInfo *d = g_new0(DriveInfo, 1);

    d->id = g_strdup(id);
    d->type = type;
    d->index = index;
    d->blk = blk;
    d->filename = g_strdup(filename);
    d->read_only = read_only;
    d->werror = block_on_error_default(false);
    d->rerror = block_on_error_default(true);
    if (!drives) {
        drives = g_ptr_array_new();
    }
    g_ptr_array_add(drives, d);
    return d;
}

/*
 * snapshot=on: a temporary qcow2 overlay backed by the image; the guest writes
 * go to the overlay, which is unlinked as soon as it is open.
 */
static BlockBackend *drive_open_snapshot(const char *file, const char *format, int flags,
                                         bool writethrough, GError **errp)
{
    BlockOpenOptions o = {.format = format, .quiet = true};
    BlockCreateOptions c = {0};
    g_autofree char *abs = g_canonicalize_filename(file, NULL);
    g_autofree char *overlay = NULL;
    g_autofree char *base_fmt = NULL;
    BlockDriverState *base;
    BlockBackend *blk;
    int64_t len;
    int fd;

    base = bdrv_open(abs, &o, flags & ~BDRV_O_RDWR, errp);
    if (!base) {
        return NULL;
    }
    len = bdrv_getlength(base);
    base_fmt = g_strdup(bdrv_get_format_name(base));
    bdrv_unref(base);
    if (len < 0) {
        error_setg(errp, "%s: cannot read the image's size: %s", file, g_strerror(-len));
        return NULL;
    }
    fd = g_file_open_tmp("mimic-snapshot-XXXXXX.qcow2", &overlay, NULL);
    if (fd < 0) {
        error_setg(errp, "snapshot=on: cannot create a temporary overlay file in %s",
                   g_get_tmp_dir());
        return NULL;
    }
    close(fd);
    c.size = len;
    c.size_set = true;
    c.backing_file = abs;
    c.backing_fmt = base_fmt;
    if (!bdrv_create("qcow2", overlay, &c, errp)) {
        g_unlink(overlay);
        return NULL;
    }
    o.format = "qcow2";
    o.writethrough = writethrough;
    blk = blk_new_open(overlay, &o, (flags | BDRV_O_RDWR), errp);
    g_unlink(overlay);
    return blk;
}

bool drive_add_from_spec(const char *spec, GError **errp)
{
    static const char accepted[] = "file, format, if, id, index, unit, media, readonly, cache, "
                                   "snapshot, discard, aio, serial, werror, rerror, "
                                   "encrypt.key-secret, key-secret";
    g_autoptr(KeyValList) kv = keyval_parse("-drive", spec, NULL, errp);
    const char *file, *format, *ifname, *id, *media, *cache, *discard, *aio, *serial;
    const char *werror, *rerror;
    BlockdevOnError on_werror = block_on_error_default(false);
    BlockdevOnError on_rerror = block_on_error_default(true);
    g_autofree char *auto_id = NULL;
    BlockInterfaceType type = IF_NONE;
    BlockOpenOptions o = {0};
    bool read_only, snapshot, writethrough = false, cdrom = false;
    uint64_t index, unit;
    int flags = 0;
    BlockBackend *blk;
    DriveInfo *d;

    if (!kv) {
        return false;
    }
    file = keyval_take(kv, "file");
    format = keyval_take(kv, "format");
    ifname = keyval_take(kv, "if");
    id = keyval_take(kv, "id");
    media = keyval_take(kv, "media");
    cache = keyval_take(kv, "cache");
    discard = keyval_take(kv, "discard");
    aio = keyval_take(kv, "aio");
    serial = keyval_take(kv, "serial");
    werror = keyval_take(kv, "werror");
    rerror = keyval_take(kv, "rerror");
    o.key_secret = bdrv_take_key_secret(kv);
    if (!keyval_take_bool(kv, "readonly", false, &read_only, errp) ||
        !keyval_take_bool(kv, "snapshot", default_snapshot, &snapshot, errp) ||
        !keyval_take_uint(kv, "index", UINT64_MAX, &index, errp) ||
        !keyval_take_uint(kv, "unit", UINT64_MAX, &unit, errp)) {
        return false;
    }
    /* With one bus per interface, QEMU's unit= is the index (if=pflash,unit=1). */
    if (unit != UINT64_MAX) {
        if (index != UINT64_MAX && index != unit) {
            error_setg(errp, "-drive %s: index=%" PRIu64 " and unit=%" PRIu64 " disagree; give "
                       "one of them", spec, index, unit);
            return false;
        }
        index = unit;
    }
    if (!keyval_check_all_used(kv, accepted, errp)) {
        return false;
    }
    if ((werror && !block_on_error_parse(werror, false, &on_werror, errp)) ||
        (rerror && !block_on_error_parse(rerror, true, &on_rerror, errp))) {
        g_prefix_error(errp, "-drive %s: ", spec);
        return false;
    }

    if (ifname) {
        type = drive_interface_by_name(ifname);
        if (type == IF_COUNT) {
            error_setg(errp, "-drive %s: if=%s is not supported; use if=virtio, if=ide, "
                       "if=pflash or if=none (with -device ...,drive=ID)", spec, ifname);
            return false;
        }
    } else {
        type = default_interface;
    }
    if (media) {
        if (strcmp(media, "cdrom") == 0) {
            cdrom = true;
            read_only = true;
        } else if (strcmp(media, "disk") != 0) {
            error_setg(errp, "-drive %s: media=%s: expected disk or cdrom", spec, media);
            return false;
        }
    }
    if (!file || !*file) {
        error_setg(errp, "-drive %s: file= is required (an image to open)", spec);
        return false;
    }
    if (aio && !bdrv_parse_aio(aio, &flags, errp)) {
        g_prefix_error(errp, "-drive %s: ", spec);
        return false;
    }
    if (discard) {
        if (strcmp(discard, "unmap") == 0 || strcmp(discard, "on") == 0) {
            flags |= BDRV_O_UNMAP;
        } else if (strcmp(discard, "ignore") != 0 && strcmp(discard, "off") != 0) {
            error_setg(errp, "-drive %s: discard=%s: expected ignore or unmap", spec, discard);
            return false;
        }
    }
    if (cache && !bdrv_parse_cache_mode(cache, &flags, &writethrough, errp)) {
        g_prefix_error(errp, "-drive %s: ", spec);
        return false;
    }
    if (index == UINT64_MAX) {
        index = drive_get_max_index(type) + 1;
    } else if (index > INT32_MAX || drive_get_by_index(type, index)) {
        error_setg(errp, "-drive %s: index=%" PRIu64 " is %s on if=%s", spec, index,
                   index > INT32_MAX ? "out of range" : "already taken", if_names[type]);
        return false;
    }
    if (!id) {
        auto_id = g_strdup_printf("%s%" PRIu64, if_names[type], index);
        id = auto_id;
    }
    if (drive_get_by_id(id) || (file_nodes && g_hash_table_contains(file_nodes, id))) {
        error_setg(errp, "-drive %s: a drive named '%s' already exists", spec, id);
        return false;
    }

    if (snapshot && !read_only) {
        blk = drive_open_snapshot(file, format, flags, writethrough, errp);
    } else {
        o.format = format;
        o.writethrough = writethrough;
        blk = blk_new_open(file, &o, flags | (read_only ? 0 : BDRV_O_RDWR), errp);
    }
    if (!blk) {
        g_prefix_error(errp, "-drive %s: ", spec);
        return false;
    }
    d = drive_register(id, type, index, blk, file, read_only);
    d->media_cdrom = cdrom;
    d->werror = on_werror;
    d->rerror = on_rerror;
    if (serial) {
        if (!drive_serials) {
            drive_serials = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        }
        g_hash_table_insert(drive_serials, g_strdup(id), g_strdup(serial));
    }
    return true;
}

/* ---- -blockdev ---- */

static BlockBackend *drive_open_file_node(const char *name, FileNode *fn, GError **errp)
{
    BlockOpenOptions o = {.format = "raw", .writethrough = fn->writethrough};
    BlockBackend *blk;

    if (fn->used) {
        error_setg(errp, "block node '%s' is already in use", name);
        return NULL;
    }
    blk = blk_new_open(fn->filename, &o, fn->flags, errp);
    if (!blk) {
        return NULL;
    }
    fn->used = true;
    drive_register(name, IF_NONE, drive_get_max_index(IF_NONE) + 1, blk, fn->filename,
                   !(fn->flags & BDRV_O_RDWR));
    return blk;
}

bool blockdev_add_from_spec(const char *spec, GError **errp)
{
    static const char accepted[] = "driver, node-name, file, file.driver, file.filename, "
                                   "filename, read-only, auto-read-only, cache.direct, "
                                   "cache.no-flush, discard, aio";
    g_autoptr(KeyValList) kv = keyval_parse("-blockdev", spec, NULL, errp);
    const char *driver, *name, *file, *file_driver, *file_filename, *filename, *discard, *aio;
    bool read_only, auto_ro, direct, no_flush;
    BlockOpenOptions o = {0};
    BlockBackend *blk;
    int flags = 0;

    if (!kv) {
        return false;
    }
    driver = keyval_take(kv, "driver");
    name = keyval_take(kv, "node-name");
    file = keyval_take(kv, "file");
    file_driver = keyval_take(kv, "file.driver");
    file_filename = keyval_take(kv, "file.filename");
    filename = keyval_take(kv, "filename");
    discard = keyval_take(kv, "discard");
    aio = keyval_take(kv, "aio");
    if (!keyval_take_bool(kv, "read-only", false, &read_only, errp) ||
        !keyval_take_bool(kv, "auto-read-only", false, &auto_ro, errp) ||
        !keyval_take_bool(kv, "cache.direct", false, &direct, errp) ||
        !keyval_take_bool(kv, "cache.no-flush", false, &no_flush, errp) ||
        !keyval_check_all_used(kv, accepted, errp)) {
        return false;
    }
    if (!driver || !name) {
        error_setg(errp, "-blockdev %s: driver= and node-name= are required", spec);
        return false;
    }
    if (drive_get_by_id(name) || (file_nodes && g_hash_table_contains(file_nodes, name))) {
        error_setg(errp, "-blockdev %s: node-name '%s' is already in use", spec, name);
        return false;
    }
    flags = (read_only ? 0 : BDRV_O_RDWR) | (direct ? BDRV_O_NOCACHE : 0) |
            (no_flush ? BDRV_O_NO_FLUSH : 0);
    if (discard && strcmp(discard, "unmap") == 0) {
        flags |= BDRV_O_UNMAP;
    } else if (discard && strcmp(discard, "ignore") != 0) {
        error_setg(errp, "-blockdev %s: discard=%s: expected ignore or unmap", spec, discard);
        return false;
    }
    if (aio && !bdrv_parse_aio(aio, &flags, errp)) {
        g_prefix_error(errp, "-blockdev %s: ", spec);
        return false;
    }

    if (strcmp(driver, "file") == 0) {
        FileNode *fn;
        if (!filename) {
            error_setg(errp, "-blockdev %s: driver=file needs filename=", spec);
            return false;
        }
        if (access(filename, F_OK) != 0) {
            error_setg(errp, "-blockdev %s: could not open '%s': %s", spec, filename,
                       g_strerror(errno));
            return false;
        }
        fn = g_new0(FileNode, 1);
        fn->filename = g_strdup(filename);
        fn->flags = flags;
        if (!file_nodes) {
            file_nodes = g_hash_table_new(g_str_hash, g_str_equal);
        }
        g_hash_table_insert(file_nodes, g_strdup(name), fn);
        return true;
    }
    if (!bdrv_find_format(driver) || strcmp(driver, "file") == 0) {
        error_setg(errp, "-blockdev %s: unknown driver '%s'; use qcow2, raw or file", spec,
                   driver);
        return false;
    }
    if (file) {
        FileNode *fn = file_nodes ? g_hash_table_lookup(file_nodes, file) : NULL;
        if (!fn) {
            error_setg(errp, "-blockdev %s: file=%s names no driver=file node", spec, file);
            return false;
        }
        if (fn->used) {
            error_setg(errp, "-blockdev %s: node '%s' is already in use", spec, file);
            return false;
        }
        fn->used = true;
        filename = fn->filename;
        flags |= fn->flags & (BDRV_O_NOCACHE | BDRV_O_NO_FLUSH | BDRV_O_UNMAP |
                              BDRV_O_NATIVE_AIO | BDRV_O_IO_URING);
    } else if (file_filename && (!file_driver || strcmp(file_driver, "file") == 0)) {
        filename = file_filename;
    } else {
        error_setg(errp, "-blockdev %s: driver=%s needs file=NODE or file.driver=file,"
                   "file.filename=PATH", spec, driver);
        return false;
    }
    o.format = driver;
    blk = blk_new_open(filename, &o, flags, errp);
    if (!blk) {
        g_prefix_error(errp, "-blockdev %s: ", spec);
        return false;
    }
    drive_register(name, IF_NONE, drive_get_max_index(IF_NONE) + 1, blk, filename, read_only);
    return true;
}
