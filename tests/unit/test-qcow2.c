/*
 * qcow2 driver tests: allocation and refcounts, copy-on-write from a backing
 * file, zero clusters, every refcount width, compressed clusters, refcount
 * table growth, snapshots, image locking, and hostile images (corrupted
 * headers and tables must give errors, never crashes).
 */
#include "block/block_int.h"
#include "block/qcow2.h"
#include "util/error.h"
#include <unistd.h>

static char *tmpdir;

static char *tmp_path(const char *name)
{
    return g_build_filename(tmpdir, name, NULL);
}

static void create_qcow2(const char *path, uint64_t size, BlockCreateOptions *extra)
{
    BlockCreateOptions o = extra ? *extra : (BlockCreateOptions){ 0 };
    o.size = size;
    o.size_set = true;
    GError *err = NULL;
    g_assert_true(bdrv_create("qcow2", path, &o, &err));
    g_assert_no_error(err);
}

static BlockBackend *open_rw(const char *path, const char *fmt)
{
    BlockOpenOptions o = { .format = fmt };
    GError *err = NULL;
    BlockBackend *blk = blk_new_open(path, &o, BDRV_O_RDWR, &err);
    g_assert_no_error(err);
    g_assert_nonnull(blk);
    return blk;
}

static void assert_pattern(BlockBackend *blk, int64_t off, int64_t len, uint8_t pat)
{
    g_autofree uint8_t *buf = g_malloc(len);
    g_assert_cmpint(blk_pread(blk, off, len, buf), ==, 0);
    for (int64_t i = 0; i < len; i++) {
        if (buf[i] != pat) {
            g_error("byte %" PRId64 ": %#x, expected %#x", off + i, buf[i], pat);
        }
    }
}

static void write_pattern(BlockBackend *blk, int64_t off, int64_t len, uint8_t pat)
{
    g_autofree uint8_t *buf = g_malloc(len);
    memset(buf, pat, len);
    g_assert_cmpint(blk_pwrite(blk, off, len, buf, 0), ==, 0);
}

static void assert_clean(BlockBackend *blk, int64_t expect_allocated)
{
    BdrvCheckResult res = { 0 };
    g_assert_cmpint(bdrv_check(blk_bs(blk), &res, BDRV_FIX_NONE), ==, 0);
    g_assert_cmpint(res.corruptions, ==, 0);
    g_assert_cmpint(res.leaks, ==, 0);
    g_assert_cmpint(res.check_errors, ==, 0);
    if (expect_allocated >= 0) {
        g_assert_cmpint(res.allocated_clusters, ==, expect_allocated);
    }
}

static void test_alloc_and_refcounts(void)
{
    g_autofree char *p = tmp_path("alloc.qcow2");
    create_qcow2(p, 64 * MiB, NULL);
    BlockBackend *blk = open_rw(p, "qcow2");
    assert_clean(blk, 0);
    write_pattern(blk, 0, 4096, 0x11);            /* cluster 0 */
    write_pattern(blk, 70 * KiB, 100 * KiB, 0x22); /* clusters 1..2 */
    write_pattern(blk, 63 * MiB, 64 * KiB, 0x33);  /* last cluster, second L2 region? same L2 */
    assert_pattern(blk, 0, 4096, 0x11);
    assert_pattern(blk, 4096, 70 * KiB - 4096, 0);
    assert_pattern(blk, 70 * KiB, 100 * KiB, 0x22);
    assert_pattern(blk, 63 * MiB, 64 * KiB, 0x33);
    assert_clean(blk, 4);

    /* The data cluster for guest offset 0 is mapped, with refcount 1. */
    int64_t pnum, map;
    BlockDriverState *file;
    int st = bdrv_block_status(blk_bs(blk), 0, 64 * KiB, &pnum, &map, &file);
    g_assert_cmpint(st & (BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_OFFSET_VALID), ==,
                    BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_OFFSET_VALID);
    uint64_t rc;
    BDRVQcow2State *s = blk_bs(blk)->opaque;
    g_assert_cmpint(qcow2_get_refcount(blk_bs(blk), map >> s->cluster_bits, &rc), ==, 0);
    g_assert_cmpuint(rc, ==, 1);
    blk_unref(blk);

    /* Reopen: data and refcounts survive. */
    blk = open_rw(p, NULL);
    assert_pattern(blk, 70 * KiB, 100 * KiB, 0x22);
    assert_clean(blk, 4);
    blk_unref(blk);
}

static void test_cow_from_backing(void)
{
    g_autofree char *base = tmp_path("base.raw");
    g_autofree char *top = tmp_path("top.qcow2");
    BlockCreateOptions ro = { .size = 1 * MiB };
    GError *err = NULL;
    g_assert_true(bdrv_create("raw", base, &ro, &err));
    BlockBackend *b = open_rw(base, "raw");
    write_pattern(b, 0, 1 * MiB, 0xbb);
    blk_unref(b);

    /* Relative backing path: resolved against the overlay's directory. */
    BlockCreateOptions o = { .backing_file = "base.raw", .backing_fmt = "raw" };
    create_qcow2(top, 2 * MiB, &o);
    BlockBackend *t = open_rw(top, NULL);
    g_assert_nonnull(bdrv_backing(blk_bs(t)));
    write_pattern(t, 10000, 5000, 0x77); /* partial cluster: head and tail from the backing file */
    assert_pattern(t, 0, 10000, 0xbb);
    assert_pattern(t, 10000, 5000, 0x77);
    assert_pattern(t, 15000, 1 * MiB - 15000, 0xbb);
    assert_pattern(t, 1 * MiB, 1 * MiB, 0); /* beyond the backing file */
    /* Write zeroes over backing data: zero cluster, reads zero, backing untouched. */
    g_assert_cmpint(blk_pwrite_zeroes(t, 128 * KiB, 64 * KiB, 0), ==, 0);
    assert_pattern(t, 128 * KiB, 64 * KiB, 0);
    int64_t pnum;
    int st = bdrv_block_status(blk_bs(t), 128 * KiB, 64 * KiB, &pnum, NULL, NULL);
    g_assert_cmpint(st & (BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED), ==,
                    BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED);
    g_assert_cmpint(bdrv_is_allocated(blk_bs(t), 256 * KiB, 64 * KiB, &pnum), ==, 0);
    assert_clean(t, 1);
    blk_unref(t);
    b = open_rw(base, "raw");
    assert_pattern(b, 0, 1 * MiB, 0xbb);
    blk_unref(b);
}

static void test_refcount_widths(void)
{
    static const int widths[] = { 1, 2, 4, 8, 16, 32, 64 };
    for (size_t i = 0; i < ARRAY_SIZE(widths); i++) {
        g_autofree char *name = g_strdup_printf("rc%d.qcow2", widths[i]);
        g_autofree char *p = tmp_path(name);
        BlockCreateOptions o = { .refcount_bits = widths[i], .cluster_size = 4096 };
        create_qcow2(p, 16 * MiB, &o);
        BlockBackend *blk = open_rw(p, "qcow2");
        for (int j = 0; j < 40; j++) {
            write_pattern(blk, (int64_t)j * 300 * KiB, 4096, 0x40 + j);
        }
        for (int j = 0; j < 40; j++) {
            assert_pattern(blk, (int64_t)j * 300 * KiB, 4096, 0x40 + j);
        }
        assert_clean(blk, 40);
        blk_unref(blk);
    }
}

static void test_refcount_table_growth(void)
{
    /* 512-byte clusters, 64-bit refcounts: a refcount block covers 64 clusters and the
     * initial one-cluster table 64 blocks, so 4 MiB of data forces the table to grow. */
    g_autofree char *p = tmp_path("grow.qcow2");
    BlockCreateOptions o = { .refcount_bits = 64, .cluster_size = 512 };
    create_qcow2(p, 8 * MiB, &o);
    BlockBackend *blk = open_rw(p, "qcow2");
    BDRVQcow2State *s = blk_bs(blk)->opaque;
    uint32_t before = s->refcount_table_size;
    g_autofree uint8_t *buf = g_malloc(256 * KiB);
    for (int j = 0; j < 16; j++) {
        memset(buf, j + 1, 256 * KiB);
        g_assert_cmpint(blk_pwrite(blk, (int64_t)j * 256 * KiB, 256 * KiB, buf, 0), ==, 0);
    }
    g_assert_cmpuint(s->refcount_table_size, >, before);
    for (int j = 0; j < 16; j++) {
        assert_pattern(blk, (int64_t)j * 256 * KiB, 256 * KiB, j + 1);
    }
    assert_clean(blk, 8192);
    blk_unref(blk);
    blk = open_rw(p, "qcow2");
    assert_pattern(blk, 3 * MiB, 256 * KiB, 13);
    assert_clean(blk, 8192);
    blk_unref(blk);
}

static void test_compressed(void)
{
    g_autofree char *p = tmp_path("comp.qcow2");
    create_qcow2(p, 1 * MiB, NULL);
    BlockBackend *blk = open_rw(p, "qcow2");
    g_autofree uint8_t *buf = g_malloc(64 * KiB);
    for (int i = 0; i < 64 * 1024; i++) {
        buf[i] = (i / 100) & 0xff;
    }
    g_assert_cmpint(blk_pwrite_compressed(blk, 0, 64 * KiB, buf), ==, 0);
    g_assert_cmpint(blk_pwrite_compressed(blk, 64 * KiB, 64 * KiB, buf), ==, 0);
    int64_t pnum;
    int st = bdrv_block_status(blk_bs(blk), 0, 64 * KiB, &pnum, NULL, NULL);
    g_assert_true(st & BDRV_BLOCK_COMPRESSED);
    g_autofree uint8_t *rd = g_malloc(128 * KiB);
    g_assert_cmpint(blk_pread(blk, 0, 128 * KiB, rd), ==, 0);
    g_assert_cmpmem(rd, 64 * KiB, buf, 64 * KiB);
    g_assert_cmpmem(rd + 64 * KiB, 64 * KiB, buf, 64 * KiB);
    /* Both compressed clusters share one host cluster: its refcount is 2. */
    assert_clean(blk, 2);
    /* Overwriting part of a compressed cluster decompresses it (COW) and frees the old one. */
    write_pattern(blk, 1000, 10, 0xee);
    g_assert_cmpint(blk_pread(blk, 0, 64 * KiB, rd), ==, 0);
    g_assert_cmpmem(rd, 1000, buf, 1000);
    g_assert_cmpint(rd[1005], ==, 0xee);
    g_assert_cmpmem(rd + 1010, 64 * KiB - 1010, buf + 1010, 64 * KiB - 1010);
    assert_clean(blk, 2);
    blk_unref(blk);
}

static void test_discard_and_reuse(void)
{
    g_autofree char *p = tmp_path("discard.qcow2");
    create_qcow2(p, 4 * MiB, NULL);
    BlockBackend *blk = open_rw(p, "qcow2");
    write_pattern(blk, 0, 1 * MiB, 0x5c);
    assert_clean(blk, 16);
    g_assert_cmpint(blk_pdiscard(blk, 0, 512 * KiB), ==, 0);
    assert_pattern(blk, 0, 512 * KiB, 0);
    assert_pattern(blk, 512 * KiB, 512 * KiB, 0x5c);
    assert_clean(blk, 8);
    write_pattern(blk, 2 * MiB, 512 * KiB, 0x6d); /* reuses the freed clusters */
    assert_pattern(blk, 2 * MiB, 512 * KiB, 0x6d);
    assert_clean(blk, 16);
    blk_unref(blk);
}

static void test_snapshots(void)
{
    g_autofree char *p = tmp_path("snap.qcow2");
    create_qcow2(p, 1 * MiB, NULL);
    BlockBackend *blk = open_rw(p, "qcow2");
    GError *err = NULL;
    write_pattern(blk, 0, 128 * KiB, 0x01);
    g_assert_true(bdrv_snapshot_create(blk_bs(blk), "s1", &err));
    g_assert_no_error(err);
    assert_clean(blk, 2);
    write_pattern(blk, 0, 64 * KiB, 0x02); /* COW: the snapshot keeps the old cluster */
    assert_pattern(blk, 0, 64 * KiB, 0x02);
    assert_clean(blk, 2);
    QEMUSnapshotInfo *sn;
    g_assert_cmpint(bdrv_snapshot_list(blk_bs(blk), &sn), ==, 1);
    g_assert_cmpstr(sn[0].name, ==, "s1");
    g_assert_cmpstr(sn[0].id_str, ==, "1");
    g_free(sn);
    g_assert_true(bdrv_snapshot_goto(blk_bs(blk), "s1", &err));
    assert_pattern(blk, 0, 128 * KiB, 0x01);
    assert_clean(blk, 2);
    g_assert_true(bdrv_snapshot_delete(blk_bs(blk), "s1", &err));
    g_assert_cmpint(bdrv_snapshot_list(blk_bs(blk), &sn), ==, 0);
    g_free(sn);
    assert_pattern(blk, 0, 128 * KiB, 0x01);
    assert_clean(blk, 2);
    write_pattern(blk, 0, 64 * KiB, 0x03); /* refcount back to 1: written in place */
    assert_clean(blk, 2);
    blk_unref(blk);
}

static void test_lazy_refcounts_dirty(void)
{
    g_autofree char *p = tmp_path("lazy.qcow2");
    BlockCreateOptions o = { .lazy_refcounts = true };
    create_qcow2(p, 1 * MiB, &o);
    BlockBackend *blk = open_rw(p, "qcow2");
    write_pattern(blk, 0, 4096, 0x44);
    BlockDriverInfo bdi;
    bdrv_get_info(blk_bs(blk), &bdi);
    g_assert_true(bdi.is_dirty);
    blk_unref(blk);
    blk = open_rw(p, "qcow2");
    bdrv_get_info(blk_bs(blk), &bdi);
    g_assert_false(bdi.is_dirty);
    assert_pattern(blk, 0, 4096, 0x44);
    assert_clean(blk, 1);
    blk_unref(blk);
}

static void test_lock_conflict(void)
{
    g_autofree char *p = tmp_path("lock.qcow2");
    create_qcow2(p, 1 * MiB, NULL);
    BlockBackend *blk = open_rw(p, "qcow2");
    BlockOpenOptions o = { .format = "qcow2" };
    GError *err = NULL;
    BlockBackend *second = blk_new_open(p, &o, BDRV_O_RDWR, &err);
    g_assert_null(second);
    g_assert_nonnull(strstr(err->message, "Failed to get \"write\" lock"));
    g_assert_nonnull(strstr(err->message, p));
    g_clear_error(&err);
    second = blk_new_open(p, &o, 0, &err); /* a reader that does not share write is refused too */
    g_assert_null(second);
    g_assert_nonnull(strstr(err->message, "Failed to get shared \"write\" lock"));
    g_clear_error(&err);
    second = blk_new_open(p, &o, BDRV_O_FORCE_SHARE, &err);
    g_assert_no_error(err);
    blk_unref(second);
    blk_unref(blk);
}

static void test_unknown_incompatible_feature(void)
{
    g_autofree char *p = tmp_path("feat.qcow2");
    create_qcow2(p, 1 * MiB, NULL);
    /* Set incompatible bit 4 (extended L2) and bit 40 (unknown). */
    FILE *f = fopen(p, "r+b");
    uint8_t b[8];
    g_assert_cmpint(fseek(f, 72, SEEK_SET), ==, 0);
    g_assert_cmpint(fread(b, 1, 8, f), ==, 8);
    b[7] |= 0x10;
    b[2] |= 0x01;
    g_assert_cmpint(fseek(f, 72, SEEK_SET), ==, 0);
    g_assert_cmpint(fwrite(b, 1, 8, f), ==, 8);
    fclose(f);
    BlockOpenOptions o = { .format = "qcow2" };
    GError *err = NULL;
    g_assert_null(bdrv_open(p, &o, 0, &err));
    g_assert_nonnull(strstr(err->message, "Unsupported qcow2 feature(s)"));
    g_assert_nonnull(strstr(err->message, "extended L2 entries"));
    g_assert_nonnull(strstr(err->message, "Unknown incompatible feature: 10000000000"));
    g_error_free(err);
}

/* Flip bytes in the header, L1, refcount table and L2 tables of a populated image, then
 * open and read the whole disk: every outcome is fine except a crash. */
static void test_hostile_images(void)
{
    g_autofree char *good = tmp_path("good.qcow2");
    BlockCreateOptions o = { .cluster_size = 4096 };
    create_qcow2(good, 2 * MiB, &o);
    BlockBackend *blk = open_rw(good, "qcow2");
    for (int i = 0; i < 16; i++) {
        write_pattern(blk, (int64_t)i * 100 * KiB, 8 * KiB, i + 1);
    }
    blk_unref(blk);
    gchar *data;
    gsize len;
    g_assert_true(g_file_get_contents(good, &data, &len, NULL));
    g_autofree char *bad = tmp_path("bad.qcow2");
    GRand *rng = g_rand_new_with_seed(1234);
    int opened = 0, failed = 0;
    g_autofree uint8_t *buf = g_malloc(2 * MiB);
    for (int iter = 0; iter < 300; iter++) {
        g_autofree gchar *copy = g_memdup2(data, len);
        int flips = g_rand_int_range(rng, 1, 6);
        for (int k = 0; k < flips; k++) {
            /* Mostly metadata: the header cluster and the first tables after it. */
            gsize pos = g_rand_boolean(rng) ? g_rand_int_range(rng, 0, 112)
                                            : g_rand_int_range(rng, 0, (gint32)MIN(len, (gsize)(8 * 4096)));
            copy[pos] ^= 1 << g_rand_int_range(rng, 0, 8);
            if (g_rand_int_range(rng, 0, 4) == 0) {
                copy[pos] = 0xff;
            }
        }
        g_assert_true(g_file_set_contents(bad, copy, len, NULL));
        BlockOpenOptions oo = { .format = "qcow2", .quiet = true };
        GError *err = NULL;
        BlockDriverState *bs = bdrv_open(bad, &oo, BDRV_O_NO_BACKING, &err);
        if (!bs) {
            g_assert_nonnull(err);
            g_error_free(err);
            failed++;
            continue;
        }
        opened++;
        int64_t dlen = bdrv_getlength(bs);
        for (int64_t off = 0; off < MIN(dlen, (int64_t)(64 * MiB)); off += 2 * MiB) {
            bdrv_pread(bs, off, MIN((int64_t)(2 * MiB), dlen - off), buf);
        }
        BdrvCheckResult res = { 0 };
        bdrv_check(bs, &res, BDRV_FIX_NONE);
        bdrv_unref(bs);
    }
    g_rand_free(rng);
    g_free(data);
    g_assert_cmpint(opened + failed, ==, 300);
    g_assert_cmpint(failed, >, 0);
    g_assert_cmpint(opened, >, 0);
}

static void test_hostile_header_fields(void)
{
    g_autofree char *p = tmp_path("hdr.qcow2");
    static const struct {
        int off, len;
        uint64_t val;
        const char *msg;
    } cases[] = {
        { 20, 4, 30, "Unsupported cluster size" },
        { 20, 4, 8, "Unsupported cluster size" },
        { 4, 4, 7, "Unsupported qcow2 version" },
        { 36, 4, 0xffffffff, "Active L1 table too large" },
        { 36, 4, 0, "L1 table is too small" },
        { 40, 8, 0x1234, "Invalid L1 table offset" },
        { 48, 8, 0x4321, "Invalid reference count table offset" },
        { 56, 4, 0x7fffffff, "Reference count table too large" },
        { 96, 4, 7, "Refcount order" },
        { 100, 4, 50, "header too short" },
        { 32, 4, 1, "AES encryption (crypt_method 1) is not supported" },
        { 32, 4, 2, "encryption header pointer is missing or invalid" },
        { 32, 4, 3, "Invalid qcow2 encryption method 3" },
        { 8, 8, 0x20000, "Invalid backing file offset" },
        { 24, 8, 0x7fffffffffffffffULL, "Image size too large" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        create_qcow2(p, 1 * MiB, NULL);
        FILE *f = fopen(p, "r+b");
        uint8_t b[8];
        for (int k = 0; k < cases[i].len; k++) {
            b[k] = cases[i].val >> (8 * (cases[i].len - 1 - k));
        }
        g_assert_cmpint(fseek(f, cases[i].off, SEEK_SET), ==, 0);
        g_assert_cmpint(fwrite(b, 1, cases[i].len, f), ==, (size_t)cases[i].len);
        fclose(f);
        BlockOpenOptions o = { .format = "qcow2" };
        GError *err = NULL;
        BlockDriverState *bs = bdrv_open(p, &o, 0, &err);
        g_assert_null(bs);
        if (!strstr(err->message, cases[i].msg)) {
            g_error("case %zu: '%s' does not mention '%s'", i, err->message, cases[i].msg);
        }
        g_error_free(err);
    }
}

static void test_probe_raw_restriction(void)
{
    g_autofree char *p = tmp_path("probe.img");
    BlockCreateOptions ro = { .size = 1 * MiB };
    GError *err = NULL;
    g_assert_true(bdrv_create("raw", p, &ro, &err));
    BlockOpenOptions o = { .quiet = true };
    BlockBackend *blk = blk_new_open(p, &o, BDRV_O_RDWR, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(bdrv_get_format_name(blk_bs(blk)), ==, "raw");
    uint8_t sector[512] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 3 };
    /* Writing a qcow2 header into a probed raw image is refused; plain data is fine. */
    g_assert_cmpint(blk_pwrite(blk, 0, 512, sector, 0), ==, -EPERM);
    memset(sector, 0xaa, sizeof(sector));
    g_assert_cmpint(blk_pwrite(blk, 0, 512, sector, 0), ==, 0);
    blk_unref(blk);
}

static void test_iov_slice(void)
{
    uint8_t mem[20];
    uint8_t *a = mem, *b = mem + 10; /* apart, so that the vector keeps two elements */
    IOVector two, part;
    iovec_init(&two, 2);
    iovec_add(&two, a, 8);
    iovec_add(&two, b, 8);
    /* Inside one element: a view of it, nothing allocated. */
    iovec_init_slice(&part, &two, 9, 4);
    g_assert_cmpint(part.nalloc, ==, 0);
    g_assert_true(part.iov[0].iov_base == b + 1);
    g_assert_cmpuint(part.size, ==, 4);
    iovec_destroy(&part);
    /* Across both: the tail of one and the head of the other. */
    iovec_init_slice(&part, &two, 6, 4);
    g_assert_cmpint(part.niov, ==, 2);
    g_assert_true(part.iov[0].iov_base == a + 6 && part.iov[0].iov_len == 2);
    g_assert_true(part.iov[1].iov_base == b && part.iov[1].iov_len == 2);
    iovec_destroy(&part);
    iovec_destroy(&two);
}

/*
 * Asynchronous writes, each sent by the completion of the one before it, on
 * worker threads: the worker that ran a callback runs the request it sends,
 * so the whole chain stays on one thread.
 */
typedef struct ChainState {
    BlockBackend *blk;
    IOVector qiov;
    int left;
    int failed;
    GThread *thread; /* the first callback's */
    bool moved;      /* a later callback ran on another thread */
} ChainState;

static void chain_next(void *opaque, int ret)
{
    ChainState *c = opaque;
    if (ret < 0) {
        c->failed = ret;
    }
    if (!c->thread) {
        c->thread = g_thread_self();
    } else if (c->thread != g_thread_self()) {
        c->moved = true;
    }
    if (--c->left > 0) {
        blk_aio_pwritev(c->blk, (int64_t)c->left * 64 * KiB, &c->qiov, 0, chain_next, c);
        /* Stay busy a moment: a request handed to the pool would go to another worker. */
        g_usleep(1000);
    }
}

static void test_aio_callback_chain(void)
{
    g_autofree char *p = tmp_path("chain.qcow2");
    create_qcow2(p, 4 * MiB, NULL);
    BlockBackend *blk = open_rw(p, "qcow2");
    uint8_t buf[4096];
    memset(buf, 0x3c, sizeof(buf));
    ChainState c = { .blk = blk, .left = 32 };
    iovec_init_buf(&c.qiov, buf, sizeof(buf));
    blk_aio_pwritev(blk, 32 * 64 * KiB, &c.qiov, 0, chain_next, &c);
    blk_drain(blk);
    g_assert_cmpint(c.left, ==, 0);
    g_assert_cmpint(c.failed, ==, 0);
    g_assert_true(c.thread != g_thread_self());
    g_assert_false(c.moved);
    for (int i = 1; i <= 32; i++) {
        assert_pattern(blk, (int64_t)i * 64 * KiB, sizeof(buf), 0x3c);
    }
    assert_clean(blk, -1);
    blk_unref(blk);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("test-qcow2-XXXXXX", NULL);
    g_test_add_func("/qcow2/alloc-and-refcounts", test_alloc_and_refcounts);
    g_test_add_func("/qcow2/cow-from-backing", test_cow_from_backing);
    g_test_add_func("/qcow2/refcount-widths", test_refcount_widths);
    g_test_add_func("/qcow2/refcount-table-growth", test_refcount_table_growth);
    g_test_add_func("/qcow2/compressed", test_compressed);
    g_test_add_func("/qcow2/discard-and-reuse", test_discard_and_reuse);
    g_test_add_func("/qcow2/snapshots", test_snapshots);
    g_test_add_func("/qcow2/lazy-refcounts-dirty", test_lazy_refcounts_dirty);
    g_test_add_func("/qcow2/lock-conflict", test_lock_conflict);
    g_test_add_func("/qcow2/unknown-incompatible-feature", test_unknown_incompatible_feature);
    g_test_add_func("/qcow2/hostile-header-fields", test_hostile_header_fields);
    g_test_add_func("/qcow2/hostile-images", test_hostile_images);
    g_test_add_func("/block/probe-raw-restriction", test_probe_raw_restriction);
    g_test_add_func("/block/iov-slice", test_iov_slice);
    g_test_add_func("/block/aio-callback-chain", test_aio_callback_chain);
    int ret = g_test_run();
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
    if (system(cmd)) {
        /* leave it */
    }
    g_free(tmpdir);
    return ret;
}
