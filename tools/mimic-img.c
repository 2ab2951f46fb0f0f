/*
 * mimic-img: create, inspect, check, convert and modify disk images, with
 * qemu-img's verbs, flags, messages, output formats and exit codes so that
 * scripts written for qemu-img work unchanged.
 */
#include "img-common.h"
#include "util/option.h"
#include "block/secret.h"
#include <getopt.h>
#include <math.h>
#include <time.h>
#include <unistd.h>

/* ---- shared helpers ---- */

bool img_image_opts;

BlockBackend *img_open_with(const char *filename, BlockOpenOptions *o, int flags,
                            bool force_share, const char *cache)
{
    GError *err = NULL;
    if (force_share) {
        if (flags & BDRV_O_RDWR) {
            error_report("--force-share/-U conflicts with image options");
            return NULL;
        }
        flags |= BDRV_O_FORCE_SHARE;
    }
    if (cache && !bdrv_parse_cache_mode(cache, &flags, &o->writethrough, &err)) {
        error_report_err(err);
        return NULL;
    }
    BlockBackend *blk = blk_new_open(filename, o, flags, &err);
    if (!blk) {
        error_report("Could not open '%s': %s", filename, err->message);
        g_error_free(err);
    }
    return blk;
}

BlockBackend *img_open_path(const char *filename, const char *fmt, int flags, bool force_share,
                            const char *cache, bool quiet)
{
    BlockOpenOptions o = { .format = fmt, .quiet = quiet };
    return img_open_with(filename, &o, flags, force_share, cache);
}

BlockBackend *img_open(const char *filename, const char *fmt, int flags, bool force_share,
                       const char *cache, bool quiet)
{
    if (!img_image_opts) {
        return img_open_path(filename, fmt, flags, force_share, cache, quiet);
    }
    BlockOpenOptions o = { .format = fmt, .quiet = quiet };
    GError *err = NULL;
    const char *path;
    KeyValList *kv = bdrv_parse_image_opts(filename, &path, &o, &err);
    if (!kv) {
        error_report_err(err);
        return NULL;
    }
    BlockBackend *blk = img_open_with(path, &o, flags, force_share, cache);
    keyval_free(kv);
    return blk;
}

/*
 * --object and --image-opts may follow any verb (as in qemu-img): take them out
 * of argv before the verb parses its own flags. Returns false on a bad --object.
 */
static bool img_take_global_options(int *argc, char **argv)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *obj = NULL;
        if (!strcmp(argv[i], "--object") && i + 1 < *argc) {
            obj = argv[++i];
        } else if (g_str_has_prefix(argv[i], "--object=")) {
            obj = argv[i] + strlen("--object=");
        } else if (!strcmp(argv[i], "--image-opts")) {
            img_image_opts = true;
            continue;
        } else {
            argv[out++] = argv[i];
            continue;
        }
        GError *err = NULL;
        if (!secret_object_add(obj, &err)) {
            error_report_err(err);
            return false;
        }
    }
    argv[out] = NULL;
    *argc = out;
    return true;
}

bool img_parse_size(const char *str, uint64_t *out)
{
    GError *err = NULL;
    if (!parse_size(str, 1, out, &err)) {
        g_error_free(err);
        return false;
    }
    return true;
}

char *img_size_to_str(uint64_t val)
{
    static const char *const suffixes[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
    int i;
    /* As QEMU's size_to_str: the unit is chosen so the value stays below 1000. */
    frexp(val / (1000.0 / 1024.0), &i);
    i = (i - 1) / 10;
    if (i < 0) {
        i = 0;
    }
    if (i >= (int)ARRAY_SIZE(suffixes)) {
        i = ARRAY_SIZE(suffixes) - 1;
    }
    uint64_t div = 1ULL << (i * 10);
    return g_strdup_printf("%0.3g %sB", (double)val / div, suffixes[i]);
}

bool img_parse_create_opts(const char *optstr, BlockCreateOptions *opts, GPtrArray *keys_out,
                           GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse("-o", optstr, NULL, errp);
    if (!kv) {
        return false;
    }
    for (guint i = 0; i < kv->items->len; i++) {
        KeyVal *item = g_ptr_array_index(kv->items, i);
        const char *k = item->key, *v = item->value;
        if (keys_out) {
            g_ptr_array_add(keys_out, g_strdup(k));
        }
        if (!strcmp(k, "size")) {
            if (!img_parse_size(v, &opts->size)) {
                error_setg(errp, "Invalid size '%s'", v);
                return false;
            }
            opts->size_set = true;
        } else if (!strcmp(k, "cluster_size")) {
            if (!img_parse_size(v, &opts->cluster_size)) {
                error_setg(errp, "Invalid cluster_size '%s'", v);
                return false;
            }
        } else if (!strcmp(k, "backing_file")) {
            opts->backing_file = g_strdup(v);
        } else if (!strcmp(k, "backing_fmt")) {
            opts->backing_fmt = g_strdup(v);
        } else if (!strcmp(k, "preallocation")) {
            if (!bdrv_parse_prealloc(v, &opts->prealloc, errp)) {
                return false;
            }
        } else if (!strcmp(k, "compat")) {
            if (!strcmp(v, "0.10") || !strcmp(v, "v2")) {
                opts->compat = 2;
            } else if (!strcmp(v, "1.1") || !strcmp(v, "v3")) {
                opts->compat = 3;
            } else {
                error_setg(errp, "Invalid parameter '%s' for compat; use 0.10 or 1.1", v);
                return false;
            }
        } else if (!strcmp(k, "lazy_refcounts") || !strcmp(k, "extended_l2")) {
            bool b;
            if (!parse_bool(v, &b, errp)) {
                return false;
            }
            if (k[0] == 'l') {
                opts->lazy_refcounts = b;
            } else {
                opts->extended_l2 = b;
            }
        } else if (!strcmp(k, "refcount_bits")) {
            uint64_t n;
            if (!parse_uint(v, &n, errp)) {
                return false;
            }
            opts->refcount_bits = (int)n;
        } else if (!strcmp(k, "encrypt.format")) {
            opts->encrypt_format = g_strdup(v);
        } else if (!strcmp(k, "encrypt.key-secret") || !strcmp(k, "key-secret")) {
            opts->key_secret = g_strdup(v);
        } else if (!strcmp(k, "encrypt.iter-time") || !strcmp(k, "iter-time")) {
            if (!parse_uint(v, &opts->iter_time_ms, errp)) {
                return false;
            }
        } else if (!strcmp(k, "compression_type")) {
            if (strcmp(v, "zlib")) {
                error_setg(errp, "Unsupported compression_type '%s'; mimic supports zlib", v);
                return false;
            }
        } else {
            error_setg(errp, "Invalid option '%s'; supported: size, cluster_size, backing_file, "
                             "backing_fmt, preallocation, compat, lazy_refcounts, refcount_bits, "
                             "compression_type, encrypt.format, encrypt.key-secret, "
                             "encrypt.iter-time, key-secret, iter-time", k);
            return false;
        }
    }
    return true;
}

/* ---- JSON ---- */

static void json_indent(JsonWriter *w)
{
    for (int i = 0; i < w->depth; i++) {
        g_string_append(w->out, "    ");
    }
}

static void json_sep(JsonWriter *w)
{
    if (!w->first[w->depth]) {
        g_string_append_c(w->out, ',');
    }
    w->first[w->depth] = false;
    g_string_append_c(w->out, '\n');
    json_indent(w);
}

void json_begin(JsonWriter *w, char open)
{
    g_string_append_c(w->out, open);
    w->depth++;
    w->first[w->depth] = true;
}

void json_key(JsonWriter *w, const char *key)
{
    json_sep(w);
    if (key) {
        g_string_append_printf(w->out, "\"%s\": ", key);
    }
}

void json_end(JsonWriter *w, char close)
{
    bool empty = w->first[w->depth];
    w->depth--;
    if (!empty) {
        g_string_append_c(w->out, '\n');
        json_indent(w);
    }
    g_string_append_c(w->out, close);
}

static void json_escape(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (; *s; s++) {
        unsigned char c = *s;
        if (c == '"' || c == '\\') {
            g_string_append_printf(out, "\\%c", c);
        } else if (c < 0x20) {
            g_string_append_printf(out, "\\u%04x", c);
        } else {
            g_string_append_c(out, c);
        }
    }
    g_string_append_c(out, '"');
}

void json_str(JsonWriter *w, const char *key, const char *val)
{
    json_key(w, key);
    json_escape(w->out, val);
}

void json_int(JsonWriter *w, const char *key, int64_t val)
{
    json_key(w, key);
    g_string_append_printf(w->out, "%" PRId64, val);
}

void json_raw(JsonWriter *w, const char *key, const char *literal)
{
    json_key(w, key);
    g_string_append(w->out, literal);
}

/* ---- create ---- */

static int img_create(int argc, char **argv)
{
    const char *fmt = "raw", *base = NULL, *base_fmt = NULL;
    BlockCreateOptions opts = { 0 };
    bool quiet = false;
    GError *err = NULL;
    int c;
    optind = 1;
    while ((c = getopt(argc, argv, "+hf:b:F:o:qu")) != -1) {
        switch (c) {
        case 'f':
            fmt = optarg;
            break;
        case 'b':
            base = optarg;
            break;
        case 'F':
            base_fmt = optarg;
            break;
        case 'o':
            if (!img_parse_create_opts(optarg, &opts, NULL, &err)) {
                error_report_err(err);
                return 1;
            }
            break;
        case 'q':
            quiet = true;
            break;
        case 'u':
            break;
        default:
            error_report("Usage: create [-f fmt] [-b backing_file [-F backing_fmt]] [-o options] "
                         "filename [size]");
            return 1;
        }
    }
    if (optind >= argc) {
        error_report("Expecting image file name");
        return 1;
    }
    const char *filename = argv[optind++];
    if (optind < argc) {
        if (!img_parse_size(argv[optind], &opts.size)) {
            error_report("Invalid image size specified. You may use k, M, G, T, P or E suffixes "
                         "for kilobytes, megabytes, gigabytes, terabytes, petabytes and "
                         "exabytes.");
            return 1;
        }
        opts.size_set = true;
        optind++;
    }
    if (optind < argc) {
        error_report("Unexpected argument: %s", argv[optind]);
        return 1;
    }
    if (base) {
        opts.backing_file = base;
    }
    if (base_fmt) {
        opts.backing_fmt = base_fmt;
    }
    if (!opts.size_set && !opts.backing_file) {
        error_report("Image creation needs a size parameter");
        return 1;
    }
    if (!quiet) {
        GString *msg = g_string_new(NULL);
        g_string_append_printf(msg, "Formatting '%s', fmt=%s", filename, fmt);
        if (!strcmp(fmt, "qcow2")) {
            g_string_append_printf(msg, " cluster_size=%" PRIu64 " extended_l2=off "
                                        "compression_type=zlib",
                                   opts.cluster_size ? opts.cluster_size : 65536);
        }
        g_string_append_printf(msg, " size=%" PRIu64, opts.size);
        if (opts.backing_file) {
            g_string_append_printf(msg, " backing_file=%s", opts.backing_file);
        }
        if (opts.backing_fmt) {
            g_string_append_printf(msg, " backing_fmt=%s", opts.backing_fmt);
        }
        if (opts.prealloc != PREALLOC_MODE_OFF) {
            g_string_append_printf(msg, " preallocation=%s", bdrv_prealloc_name(opts.prealloc));
        }
        if (!strcmp(fmt, "qcow2")) {
            g_string_append_printf(msg, " lazy_refcounts=%s refcount_bits=%d",
                                   opts.lazy_refcounts ? "on" : "off",
                                   opts.refcount_bits ? opts.refcount_bits : 16);
        }
        printf("%s\n", msg->str);
        g_string_free(msg, true);
        fflush(stdout);
    }
    if (!bdrv_create(fmt, filename, &opts, &err)) {
        error_report("%s: %s", filename, err->message);
        g_error_free(err);
        return 1;
    }
    return 0;
}

/* ---- info ---- */

static void info_json(JsonWriter *w, BlockDriverState *bs)
{
    BlockDriverInfo bdi;
    bool has_bdi = bdrv_get_info(bs, &bdi) == 0;
    const char *bf = bdrv_get_backing_filename(bs);
    json_begin(w, '{');
    if (bf[0] && bdrv_get_backing_format(bs)[0]) {
        json_str(w, "backing-filename-format", bdrv_get_backing_format(bs));
    }
    json_int(w, "virtual-size", bdrv_getlength(bs));
    json_str(w, "filename", bdrv_get_filename(bs));
    if (has_bdi && bdi.cluster_size) {
        json_int(w, "cluster-size", bdi.cluster_size);
    }
    json_str(w, "format", bdrv_get_format_name(bs));
    int64_t actual = bdrv_get_allocated_file_size(bs);
    if (actual >= 0) {
        json_int(w, "actual-size", actual);
    }
    QEMUSnapshotInfo *sn = NULL;
    int nsn = bdrv_snapshot_list(bs, &sn);
    if (nsn > 0) {
        json_key(w, "snapshots");
        json_begin(w, '[');
        for (int i = 0; i < nsn; i++) {
            json_key(w, NULL);
            json_begin(w, '{');
            json_int(w, "icount", 0);
            json_int(w, "vm-clock-nsec", sn[i].vm_clock_nsec % 1000000000);
            json_str(w, "name", sn[i].name);
            json_int(w, "date-sec", sn[i].date_sec);
            json_int(w, "date-nsec", sn[i].date_nsec);
            json_int(w, "vm-clock-sec", sn[i].vm_clock_nsec / 1000000000);
            json_str(w, "id", sn[i].id_str);
            json_int(w, "vm-state-size", sn[i].vm_state_size);
            json_end(w, '}');
        }
        json_end(w, ']');
    }
    g_free(sn);
    ImageInfoSpecific *spec = bdrv_get_specific_info(bs);
    if (spec) {
        json_key(w, "format-specific");
        json_begin(w, '{');
        json_str(w, "type", spec->type);
        json_key(w, "data");
        json_begin(w, '{');
        for (guint i = 0; i < spec->keys->len; i++) {
            json_raw(w, g_ptr_array_index(spec->keys, i), g_ptr_array_index(spec->values, i));
        }
        json_end(w, '}');
        json_end(w, '}');
        image_info_specific_free(spec);
    }
    if (bf[0]) {
        g_autofree char *full = bdrv_get_full_backing_filename(bs);
        json_str(w, "full-backing-filename", full);
        json_str(w, "backing-filename", bf);
    }
    if (has_bdi && bdi.encrypted) {
        json_raw(w, "encrypted", "true");
    }
    json_raw(w, "dirty-flag", has_bdi && bdi.is_dirty ? "true" : "false");
    json_end(w, '}');
}

static void snapshot_dump_header(void)
{
    printf("%-10s%-17s%8s%20s%13s%11s\n", "ID", "TAG", "VM SIZE", "DATE", "VM CLOCK", "ICOUNT");
}

static void snapshot_dump(const QEMUSnapshotInfo *sn)
{
    char date[128], clock[128];
    time_t t = sn->date_sec;
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
    uint64_t secs = sn->vm_clock_nsec / 1000000000;
    snprintf(clock, sizeof(clock), "%04d:%02d:%02d.%03d", (int)(secs / 3600),
             (int)((secs / 60) % 60), (int)(secs % 60),
             (int)((sn->vm_clock_nsec / 1000000) % 1000));
    g_autofree char *size = img_size_to_str(sn->vm_state_size);
    printf("%-9s %-16s %8s%20s%13s%11s\n", sn->id_str, sn->name, size, date, clock, "");
}

static void info_human(BlockDriverState *bs)
{
    BlockDriverInfo bdi;
    bool has_bdi = bdrv_get_info(bs, &bdi) == 0;
    int64_t len = bdrv_getlength(bs);
    g_autofree char *vs = img_size_to_str(len);
    printf("image: %s\nfile format: %s\nvirtual size: %s (%" PRId64 " bytes)\n",
           bdrv_get_filename(bs), bdrv_get_format_name(bs), vs, len);
    int64_t actual = bdrv_get_allocated_file_size(bs);
    if (actual >= 0) {
        g_autofree char *ds = img_size_to_str(actual);
        printf("disk size: %s\n", ds);
    } else {
        printf("disk size: unavailable\n");
    }
    if (has_bdi && bdi.cluster_size) {
        printf("cluster_size: %" PRId64 "\n", bdi.cluster_size);
    }
    if (has_bdi && bdi.encrypted) {
        printf("encrypted: yes\n");
    }
    if (has_bdi && bdi.is_dirty) {
        printf("cleanly shut down: no\n");
    }
    const char *bf = bdrv_get_backing_filename(bs);
    if (bf[0]) {
        g_autofree char *full = bdrv_get_full_backing_filename(bs);
        if (strcmp(full, bf)) {
            printf("backing file: %s (actual path: %s)\n", bf, full);
        } else {
            printf("backing file: %s\n", bf);
        }
        if (bdrv_get_backing_format(bs)[0]) {
            printf("backing file format: %s\n", bdrv_get_backing_format(bs));
        }
    }
    QEMUSnapshotInfo *sn = NULL;
    int nsn = bdrv_snapshot_list(bs, &sn);
    if (nsn > 0) {
        printf("Snapshot list:\n");
        snapshot_dump_header();
        for (int i = 0; i < nsn; i++) {
            snapshot_dump(&sn[i]);
        }
    }
    g_free(sn);
    ImageInfoSpecific *spec = bdrv_get_specific_info(bs);
    if (spec) {
        printf("Format specific information:\n");
        for (guint i = 0; i < spec->keys->len; i++) {
            const char *v = g_ptr_array_index(spec->values, i);
            g_autofree char *unq = v[0] == '"' ? g_strndup(v + 1, strlen(v) - 2) : g_strdup(v);
            printf("    %s: %s\n", (char *)g_ptr_array_index(spec->human, i), unq);
        }
        image_info_specific_free(spec);
    }
}

static int img_info(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'O' },
        { "backing-chain", no_argument, NULL, 'B' },
        { "force-share", no_argument, NULL, 'U' },
        { "format", required_argument, NULL, 'f' },
        { NULL, 0, NULL, 0 },
    };
    const char *fmt = NULL, *output = "human";
    bool chain = false, force = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+f:hU", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            fmt = optarg;
            break;
        case 'O':
            output = optarg;
            break;
        case 'B':
            chain = true;
            break;
        case 'U':
            force = true;
            break;
        default:
            error_report("Usage: info [-f fmt] [--output=ofmt] [--backing-chain] [-U] filename");
            return 1;
        }
    }
    if (strcmp(output, "human") && strcmp(output, "json")) {
        error_report("--output must be used with human or json as argument.");
        return 1;
    }
    if (optind != argc - 1) {
        error_report("Expecting one image file name");
        return 1;
    }
    int flags = BDRV_O_NO_IO | (chain ? 0 : BDRV_O_NO_BACKING);
    BlockBackend *blk = img_open(argv[optind], fmt, flags, force, NULL, true);
    if (!blk) {
        return 1;
    }
    bool json = !strcmp(output, "json");
    JsonWriter w = { .out = g_string_new(NULL) };
    if (json && chain) {
        json_begin(&w, '[');
    }
    bool first = true;
    for (BlockDriverState *bs = blk_bs(blk); bs; bs = chain ? bdrv_backing(bs) : NULL) {
        if (json) {
            if (chain) {
                json_key(&w, NULL);
            }
            info_json(&w, bs);
        } else {
            if (!first) {
                printf("\n");
            }
            info_human(bs);
        }
        first = false;
    }
    if (json && chain) {
        json_end(&w, ']');
    }
    if (json) {
        printf("%s\n", w.out->str);
    }
    g_string_free(w.out, true);
    blk_unref(blk);
    return 0;
}

/* ---- check ---- */

static int img_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'O' },
        { "repair", required_argument, NULL, 'r' },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    const char *fmt = NULL, *output = "human";
    BdrvCheckMode fix = BDRV_FIX_NONE;
    bool quiet = false, force = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+f:r:qhU", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            fmt = optarg;
            break;
        case 'r':
            if (!strcmp(optarg, "leaks")) {
                fix = BDRV_FIX_LEAKS;
            } else if (!strcmp(optarg, "all")) {
                fix = BDRV_FIX_LEAKS | BDRV_FIX_ERRORS;
            } else {
                error_report("Unknown option value for -r (expecting 'leaks' or 'all'): %s",
                             optarg);
                return 1;
            }
            break;
        case 'O':
            output = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'U':
            force = true;
            break;
        default:
            error_report("Usage: check [-f fmt] [--output=ofmt] [-r [leaks | all]] filename");
            return 1;
        }
    }
    if (optind != argc - 1) {
        error_report("Expecting one image file name");
        return 1;
    }
    bool json = !strcmp(output, "json");
    int flags = BDRV_O_NO_BACKING | BDRV_O_CHECK | (fix ? BDRV_O_RDWR : 0);
    BlockBackend *blk = img_open(argv[optind], fmt, flags, force && !fix, NULL, true);
    if (!blk) {
        return 1;
    }
    BlockDriverState *bs = blk_bs(blk);
    if (!bdrv_can_check(bs)) {
        error_report("This image format does not support checks");
        blk_unref(blk);
        return 63;
    }
    BdrvCheckResult res = { .log = g_string_new(NULL) };
    int ret = bdrv_check(bs, &res, fix);
    if (res.corruptions_fixed || res.leaks_fixed) {
        int lf = res.leaks_fixed, cf = res.corruptions_fixed;
        if (!json && !quiet) {
            fputs(res.log->str, stderr);
            printf("The following inconsistencies were found and repaired:\n\n"
                   "    %d leaked clusters\n    %d corruptions\n\n"
                   "Double checking the fixed image now...\n", lf, cf);
        }
        g_string_free(res.log, true);
        res = (BdrvCheckResult){ .log = g_string_new(NULL) };
        ret = bdrv_check(bs, &res, BDRV_FIX_NONE);
        res.leaks_fixed = lf;
        res.corruptions_fixed = cf;
    }
    if (json) {
        JsonWriter w = { .out = g_string_new(NULL) };
        json_begin(&w, '{');
        json_int(&w, "image-end-offset", res.image_end_offset);
        json_int(&w, "total-clusters", res.total_clusters);
        json_int(&w, "check-errors", res.check_errors);
        if (res.leaks) {
            json_int(&w, "leaks", res.leaks);
        }
        if (res.corruptions) {
            json_int(&w, "corruptions", res.corruptions);
        }
        if (res.leaks_fixed) {
            json_int(&w, "leaks-fixed", res.leaks_fixed);
        }
        if (res.corruptions_fixed) {
            json_int(&w, "corruptions-fixed", res.corruptions_fixed);
        }
        if (res.allocated_clusters) {
            json_int(&w, "allocated-clusters", res.allocated_clusters);
        }
        json_str(&w, "filename", argv[optind]);
        json_str(&w, "format", bdrv_get_format_name(bs));
        /* qemu-img leaves out the zero counts */
        if (res.fragmented_clusters) {
            json_int(&w, "fragmented-clusters", res.fragmented_clusters);
        }
        if (res.compressed_clusters) {
            json_int(&w, "compressed-clusters", res.compressed_clusters);
        }
        json_end(&w, '}');
        printf("%s\n", w.out->str);
        g_string_free(w.out, true);
    } else if (!quiet) {
        fputs(res.log->str, stderr);
        if (!res.corruptions && !res.leaks && !res.check_errors) {
            printf("No errors were found on the image.\n");
        } else {
            if (res.corruptions) {
                printf("\n%d errors were found on the image.\nData may be corrupted, or further "
                       "writes to the image may corrupt it.\n", res.corruptions);
            }
            if (res.leaks) {
                printf("\n%d leaked clusters were found on the image.\nThis means waste of disk "
                       "space, but no harm to data.\n", res.leaks);
            }
            if (res.check_errors) {
                printf("\n%d internal errors have occurred during the check.\n", res.check_errors);
            }
        }
        if (res.total_clusters && res.allocated_clusters) {
            printf("%" PRId64 "/%" PRId64 " = %0.2f%% allocated, %0.2f%% fragmented, %0.2f%% "
                   "compressed clusters\n", res.allocated_clusters, res.total_clusters,
                   res.allocated_clusters * 100.0 / res.total_clusters,
                   res.fragmented_clusters * 100.0 / res.allocated_clusters,
                   res.compressed_clusters * 100.0 / res.allocated_clusters);
        }
        if (res.image_end_offset) {
            printf("Image end offset: %" PRId64 "\n", res.image_end_offset);
        }
    }
    g_string_free(res.log, true);
    blk_unref(blk);
    if (ret < 0 || res.check_errors) {
        return 1;
    }
    return res.corruptions ? 2 : res.leaks ? 3 : 0;
}

/* ---- resize ---- */

static int img_resize(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "shrink", no_argument, NULL, 'S' },
        { "preallocation", required_argument, NULL, 'P' },
        { NULL, 0, NULL, 0 },
    };
    const char *fmt = NULL;
    bool shrink = false, quiet = false;
    PreallocMode prealloc = PREALLOC_MODE_OFF;
    GError *err = NULL;
    int c;
    /* A size like -1G would look like an option: take it off the end first. */
    if (argc >= 3 && argv[argc - 1][0] == '-' && g_ascii_isdigit(argv[argc - 1][1])) {
        argv[argc - 1][0] = '~';
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "+f:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            fmt = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'S':
            shrink = true;
            break;
        case 'P':
            if (!bdrv_parse_prealloc(optarg, &prealloc, &err)) {
                error_report_err(err);
                return 1;
            }
            break;
        default:
            error_report("Usage: resize [-f fmt] [--shrink] [--preallocation=mode] filename "
                         "[+ | -]size");
            return 1;
        }
    }
    if (optind != argc - 2) {
        error_report("Expecting image file name and size");
        return 1;
    }
    const char *filename = argv[optind];
    const char *sz = argv[optind + 1];
    int sign = 0;
    if (sz[0] == '+') {
        sign = 1;
        sz++;
    } else if (sz[0] == '~') {
        sign = -1;
        sz++;
    }
    uint64_t n;
    if (!img_parse_size(sz, &n)) {
        error_report("Invalid image size specified. You may use k, M, G, T, P or E suffixes for "
                     "kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.");
        return 1;
    }
    BlockBackend *blk = img_open(filename, fmt, BDRV_O_RDWR, false, NULL, true);
    if (!blk) {
        return 1;
    }
    int64_t cur = blk_getlength(blk);
    int64_t total = sign > 0 ? cur + (int64_t)n : sign < 0 ? cur - (int64_t)n : (int64_t)n;
    int ret = 1;
    if (total < 0) {
        error_report("New image size must be positive");
    } else if (total < cur && !shrink) {
        error_report("Use the --shrink option to perform a shrink operation.");
    } else if (total < cur && prealloc != PREALLOC_MODE_OFF) {
        error_report("Preallocation can only be used for growing images");
    } else if (!blk_truncate(blk, total, true, prealloc, &err)) {
        error_report_err(err);
    } else {
        if (!quiet) {
            printf("Image resized.\n");
        }
        ret = 0;
    }
    blk_unref(blk);
    return ret;
}

/* ---- snapshot ---- */

static int img_snapshot(int argc, char **argv)
{
    const char *fmt = NULL, *name = NULL;
    char action = 0;
    bool quiet = false, force = false;
    int c;
    optind = 1;
    while ((c = getopt(argc, argv, "+la:c:d:f:qhU")) != -1) {
        switch (c) {
        case 'l':
        case 'a':
        case 'c':
        case 'd':
            if (action) {
                error_report("Cannot mix '-l', '-a', '-c', '-d'");
                return 1;
            }
            action = c;
            name = c == 'l' ? NULL : optarg;
            break;
        case 'f':
            fmt = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'U':
            force = true;
            break;
        default:
            error_report("Usage: snapshot [-l | -a snapshot | -c snapshot | -d snapshot] "
                         "filename");
            return 1;
        }
    }
    if (optind != argc - 1 || !action) {
        error_report("Expecting one image file name and one of -l, -a, -c, -d");
        return 1;
    }
    int flags = BDRV_O_NO_BACKING | (action == 'l' ? 0 : BDRV_O_RDWR);
    BlockBackend *blk = img_open(argv[optind], fmt, flags, force && action == 'l', NULL, true);
    if (!blk) {
        return 1;
    }
    BlockDriverState *bs = blk_bs(blk);
    GError *err = NULL;
    bool ok = true;
    switch (action) {
    case 'l': {
        QEMUSnapshotInfo *sn = NULL;
        int n = bdrv_snapshot_list(bs, &sn);
        if (n > 0 && !quiet) {
            printf("Snapshot list:\n");
            snapshot_dump_header();
            for (int i = 0; i < n; i++) {
                snapshot_dump(&sn[i]);
            }
        }
        g_free(sn);
        break;
    }
    case 'c':
        ok = bdrv_snapshot_create(bs, name, &err);
        break;
    case 'a':
        ok = bdrv_snapshot_goto(bs, name, &err);
        break;
    case 'd':
        ok = bdrv_snapshot_delete(bs, name, &err);
        break;
    }
    if (!ok) {
        error_report("%s", err->message);
        g_error_free(err);
    }
    blk_unref(blk);
    return ok ? 0 : 1;
}

/* ---- measure ---- */

static int img_measure(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'O' + 256 },
        { "size", required_argument, NULL, 's' + 256 },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    const char *fmt = NULL, *out_fmt = "raw", *output = "human";
    BlockCreateOptions opts = { 0 };
    bool has_size = false, force = false;
    GError *err = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+f:O:o:hU", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            fmt = optarg;
            break;
        case 'O':
            out_fmt = optarg;
            break;
        case 'o':
            if (!img_parse_create_opts(optarg, &opts, NULL, &err)) {
                error_report_err(err);
                return 1;
            }
            break;
        case 'U':
            force = true;
            break;
        case 'O' + 256:
            output = optarg;
            break;
        case 's' + 256:
            if (!img_parse_size(optarg, &opts.size)) {
                error_report("Invalid image size specified");
                return 1;
            }
            has_size = true;
            break;
        default:
            error_report("Usage: measure [--output=ofmt] [-O output_fmt] [-o options] "
                         "[--size N | [-f fmt] filename]");
            return 1;
        }
    }
    if (has_size == (optind < argc)) {
        error_report(has_size ? "--size N cannot be used together with a filename"
                              : "Either --size N or one filename must be specified");
        return 1;
    }
    BlockBackend *blk = NULL;
    if (!has_size) {
        blk = img_open(argv[optind], fmt, 0, force, NULL, true);
        if (!blk) {
            return 1;
        }
    }
    BlockMeasureInfo info;
    bool ok = bdrv_measure(out_fmt, &opts, blk ? blk_bs(blk) : NULL, &info, &err);
    if (!ok) {
        error_report_err(err);
    } else if (!strcmp(output, "json")) {
        printf("{\n    \"required\": %" PRIu64 ",\n    \"fully-allocated\": %" PRIu64 "\n}\n",
               info.required, info.fully_allocated);
    } else {
        printf("required size: %" PRIu64 "\nfully allocated size: %" PRIu64 "\n", info.required,
               info.fully_allocated);
    }
    blk_unref(blk);
    return ok ? 0 : 1;
}

/* ---- amend ---- */

static int img_amend(int argc, char **argv)
{
    const char *fmt = NULL;
    BlockCreateOptions opts = { 0 };
    g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
    GError *err = NULL;
    bool have_opts = false;
    int c;
    optind = 1;
    while ((c = getopt(argc, argv, "+f:o:qph")) != -1) {
        switch (c) {
        case 'f':
            fmt = optarg;
            break;
        case 'o':
            if (!img_parse_create_opts(optarg, &opts, keys, &err)) {
                error_report_err(err);
                return 1;
            }
            have_opts = true;
            break;
        case 'q':
        case 'p':
            break;
        default:
            error_report("Usage: amend [-f fmt] -o options filename");
            return 1;
        }
    }
    if (!have_opts) {
        error_report("Must specify options (-o)");
        return 1;
    }
    if (optind != argc - 1) {
        error_report("Expecting one image file name");
        return 1;
    }
    BlockBackend *blk = img_open(argv[optind], fmt, BDRV_O_RDWR | BDRV_O_NO_BACKING, false, NULL,
                                 true);
    if (!blk) {
        return 1;
    }
    g_ptr_array_add(keys, NULL);
    bool ok = bdrv_amend_options(blk_bs(blk), &opts, (const char *const *)keys->pdata, &err);
    if (!ok) {
        error_report("Error while amending options: %s", err->message);
        g_error_free(err);
    }
    blk_unref(blk);
    return ok ? 0 : 1;
}

/* ---- main ---- */

int img_map(int argc, char **argv);
int img_compare(int argc, char **argv);
int img_commit(int argc, char **argv);
int img_rebase(int argc, char **argv);

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *usage;
} img_cmds[] = {
    { "amend", img_amend, "amend [-f fmt] -o options filename" },
    { "bench", img_bench, "bench [-c count] [-d depth] [-f fmt] [--flush-interval=flush_interval] "
                          "[-i aio] [-n] [--no-drain] [-o offset] [--pattern=pattern] [-q] "
                          "[-s buffer_size] [-S step_size] [-t cache] [-w] [-U] filename" },
    { "check", img_check, "check [-q] [-f fmt] [--output=ofmt] [-r [leaks | all]] [-U] filename" },
    { "commit", img_commit, "commit [-q] [-f fmt] [-b base] [-d] [-p] filename" },
    { "compare", img_compare, "compare [-f fmt] [-F fmt] [-p] [-q] [-s] [-U] filename1 "
                              "filename2" },
    { "convert", img_convert, "convert [-c] [-p] [-q] [-n] [-f fmt] [-t cache] [-T src_cache] "
                              "[-O output_fmt] [-B backing_file [-F backing_fmt]] [-o options] "
                              "[-W] filename [filename2 [...]] output_filename" },
    { "create", img_create, "create [-q] [-f fmt] [-b backing_file [-F backing_fmt]] [-o options] "
                            "filename [size]" },
    { "info", img_info, "info [-f fmt] [--output=ofmt] [--backing-chain] [-U] filename" },
    { "map", img_map, "map [-f fmt] [--output=ofmt] [-U] filename" },
    { "measure", img_measure, "measure [--output=ofmt] [-O output_fmt] [-o options] [--size N | "
                              "[-f fmt] filename]" },
    { "snapshot", img_snapshot, "snapshot [-q] [-l | -a snapshot | -c snapshot | -d snapshot] "
                                "filename" },
    { "rebase", img_rebase, "rebase [-q] [-f fmt] [-p] [-u] -b backing_file [-F backing_fmt] "
                            "filename" },
    { "resize", img_resize, "resize [-q] [-f fmt] [--preallocation=prealloc] [--shrink] filename "
                            "[+ | -]size" },
};

static void help(void)
{
    printf("mimic-img version %s\n"
           "usage: mimic-img [standard options] command [command options]\n"
           "Disk image utility (qemu-img's commands and options)\n\n"
           "    '-h', '--help'       display this help and exit\n"
           "    '-V', '--version'    output version information and exit\n\n"
           "Command syntax:\n", MIMIC_VERSION);
    for (size_t i = 0; i < ARRAY_SIZE(img_cmds); i++) {
        printf("  %s\n", img_cmds[i].usage);
    }
    printf("\nSupported formats: qcow2 raw file\n"
           "Size suffixes: k or K (kilobyte, 1024), M, G, T, P, E; check exit codes: 0 ok, "
           "1 error, 2 corruptions, 3 leaks\n");
}

int main(int argc, char **argv)
{
    error_set_progname("mimic-img");
    if (argc < 2) {
        error_report("Not enough arguments\nTry 'mimic-img --help' for more information");
        return 1;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        help();
        return 0;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("mimic-img version %s\n", MIMIC_VERSION);
        return 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(img_cmds); i++) {
        if (!strcmp(cmd, img_cmds[i].name)) {
            int verb_argc = argc - 1;
            if (!img_take_global_options(&verb_argc, argv + 1)) {
                return 1;
            }
            return img_cmds[i].fn(verb_argc, argv + 1);
        }
    }
    error_report("Command not found: %s\nTry 'mimic-img --help' for the list of commands", cmd);
    return 1;
}
