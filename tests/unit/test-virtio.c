/*
 * The virtio core, virtio-mmio, virtio-blk and virtio-rng, driven the way a
 * guest driver does: split rings laid out in a fake guest RAM, registers
 * poked through address_space_read/write on address_space_memory. Hostile
 * rings must put the device in NEEDS_RESET without touching anything outside
 * guest RAM (run under -fsanitize=address,undefined to see that).
 */
#include "block/drive.h"
#include "core/irq.h"
#include "hw/virtio/virtio-blk.h"
#include "hw/virtio/virtio-mmio.h"
#include "system/memory.h"
#include "util/error.h"
#include <glib/gstdio.h>

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (16 * MiB)
#define DEVMEM_BASE 0x40000000ull /* an I/O region: buffers there go through bounce buffers */
#define SLOT_BASE(n) (0x10001000ull + (n) * 0x1000)
#define QSIZE 16
#define IMG_SIZE (1 * MiB)

enum { SLOT_RAW, SLOT_QCOW2, SLOT_RO, SLOT_RNG, SLOT_EMPTY, SLOT_COUNT };

/* Register offsets (virtio 1.2 §4.2.2). */
enum {
    R_MAGIC = 0x000, R_VERSION = 0x004, R_DEVICE_ID = 0x008, R_DEV_FEAT = 0x010,
    R_DEV_FEAT_SEL = 0x014, R_DRV_FEAT = 0x020, R_DRV_FEAT_SEL = 0x024, R_QUEUE_SEL = 0x030,
    R_QUEUE_NUM_MAX = 0x034, R_QUEUE_NUM = 0x038, R_QUEUE_READY = 0x044, R_QUEUE_NOTIFY = 0x050,
    R_ISR = 0x060, R_ISR_ACK = 0x064, R_STATUS = 0x070, R_DESC_LO = 0x080, R_DESC_HI = 0x084,
    R_DRIVER_LO = 0x090, R_DRIVER_HI = 0x094, R_DEVICE_LO = 0x0a0, R_DEVICE_HI = 0x0a4,
    R_GENERATION = 0x0fc, R_CONFIG = 0x100,
};

static char *tmpdir;
static MemoryRegion ram, devmem;
static uint8_t devmem_bytes[4096];
static int irq_level[SLOT_COUNT];
static DeviceState *slots[SLOT_COUNT];

/* ---- guest memory and registers ---- */

static void gw(uint64_t addr, const void *p, size_t len)
{
    g_assert_cmpint(address_space_write(&address_space_memory, addr, p, len), ==, MEMTX_OK);
}

static void gr(uint64_t addr, void *p, size_t len)
{
    g_assert_cmpint(address_space_read(&address_space_memory, addr, p, len), ==, MEMTX_OK);
}

static void gw16(uint64_t a, uint16_t v) { v = GUINT16_TO_LE(v); gw(a, &v, 2); }
static void gw32(uint64_t a, uint32_t v) { v = GUINT32_TO_LE(v); gw(a, &v, 4); }
static void gw64(uint64_t a, uint64_t v) { v = GUINT64_TO_LE(v); gw(a, &v, 8); }
static uint16_t gr16(uint64_t a) { uint16_t v; gr(a, &v, 2); return GUINT16_FROM_LE(v); }
static uint32_t gr32(uint64_t a) { uint32_t v; gr(a, &v, 4); return GUINT32_FROM_LE(v); }

static uint32_t rd(int slot, uint64_t off)
{
    return gr32(SLOT_BASE(slot) + off);
}

static void wr(int slot, uint64_t off, uint32_t v)
{
    gw32(SLOT_BASE(slot) + off, v);
}

static uint64_t devmem_read(void *opaque, uint64_t addr, unsigned size)
{
    return devmem_bytes[addr];
}

static void devmem_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    devmem_bytes[addr] = val;
}

static const MemoryRegionOps devmem_ops = {
    .read = devmem_read,
    .write = devmem_write,
    .valid = {.min_access_size = 1, .max_access_size = 8, .unaligned = true},
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

static void irq_handler(void *opaque, int n, int level)
{
    irq_level[n] = level;
}

/* ---- a tiny split-ring driver ---- */

typedef struct Drv {
    int slot;
    uint64_t desc, avail, used, buf;
    uint16_t num;
    uint16_t avail_idx;
    uint16_t used_seen;
} Drv;

typedef struct Seg {
    uint64_t addr;
    uint32_t len;
    bool write;
} Seg;

static uint64_t drv_area(int slot)
{
    return RAM_BASE + (uint64_t)slot * MiB;
}

static uint64_t device_features(int slot)
{
    wr(slot, R_DEV_FEAT_SEL, 0);
    uint64_t f = rd(slot, R_DEV_FEAT);
    wr(slot, R_DEV_FEAT_SEL, 1);
    return f | (uint64_t)rd(slot, R_DEV_FEAT) << 32;
}

/* Reset, negotiate `features`, set queue 0 up; returns the status the device ended with. */
static uint8_t drv_init(Drv *d, int slot, uint64_t features)
{
    uint64_t base = drv_area(slot);

    *d = (Drv){.slot = slot, .desc = base, .avail = base + 0x1000, .used = base + 0x2000,
               .buf = base + 0x10000};
    wr(slot, R_STATUS, 0);
    g_assert_cmpuint(rd(slot, R_STATUS), ==, 0);
    wr(slot, R_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
    wr(slot, R_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
    wr(slot, R_DRV_FEAT_SEL, 0);
    wr(slot, R_DRV_FEAT, (uint32_t)features);
    wr(slot, R_DRV_FEAT_SEL, 1);
    wr(slot, R_DRV_FEAT, features >> 32);
    wr(slot, R_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
                           VIRTIO_CONFIG_S_FEATURES_OK);
    if (!(rd(slot, R_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK)) {
        return rd(slot, R_STATUS);
    }
    /* Clean rings. */
    for (uint64_t a = base; a < base + 0x3000; a += 8) {
        gw64(a, 0);
    }
    wr(slot, R_QUEUE_SEL, 0);
    d->num = MIN(rd(slot, R_QUEUE_NUM_MAX), QSIZE);
    g_assert_cmpuint(d->num, >=, 8);
    g_assert_cmpuint(rd(slot, R_QUEUE_READY), ==, 0);
    wr(slot, R_QUEUE_NUM, d->num);
    wr(slot, R_DESC_LO, (uint32_t)d->desc);
    wr(slot, R_DESC_HI, d->desc >> 32);
    wr(slot, R_DRIVER_LO, (uint32_t)d->avail);
    wr(slot, R_DRIVER_HI, d->avail >> 32);
    wr(slot, R_DEVICE_LO, (uint32_t)d->used);
    wr(slot, R_DEVICE_HI, d->used >> 32);
    wr(slot, R_QUEUE_READY, 1);
    wr(slot, R_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
                           VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
    return rd(slot, R_STATUS);
}

static uint64_t std_features(int slot)
{
    return device_features(slot) & ((1ull << VIRTIO_F_VERSION_1) |
                                    (1ull << VIRTIO_RING_F_INDIRECT_DESC) |
                                    (1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_BLK_F_RO) |
                                    (1ull << VIRTIO_BLK_F_DISCARD) |
                                    (1ull << VIRTIO_BLK_F_WRITE_ZEROES));
}

static void drv_init_ok(Drv *d, int slot)
{
    uint8_t st = drv_init(d, slot, std_features(slot));
    g_assert_cmphex(st, ==, 0xf);
}

static void write_desc(uint64_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                       uint16_t next)
{
    gw64(table + 16 * i, addr);
    gw32(table + 16 * i + 8, len);
    gw16(table + 16 * i + 12, flags);
    gw16(table + 16 * i + 14, next);
}

/* Make head available and notify. */
static void drv_kick(Drv *d, uint16_t head)
{
    gw16(d->avail + 4 + 2 * (d->avail_idx % d->num), head);
    d->avail_idx++;
    gw16(d->avail + 2, d->avail_idx);
    wr(d->slot, R_QUEUE_NOTIFY, 0);
}

/* Put segs in descriptors 0..n-1 as one chain and kick. */
static void drv_submit(Drv *d, const Seg *segs, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        write_desc(d->desc, i, segs[i].addr, segs[i].len,
                   (segs[i].write ? 2 : 0) | (i + 1 < n ? 1 : 0), i + 1);
    }
    drv_kick(d, 0);
}

/* Wait (running the main loop, where completions land) for the next used element. */
static bool drv_wait_used(Drv *d, uint32_t *len)
{
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    while (gr16(d->used + 2) == d->used_seen) {
        if (g_get_monotonic_time() > deadline) {
            return false;
        }
        g_main_context_iteration(NULL, FALSE);
        g_usleep(100);
    }
    if (len) {
        *len = gr32(d->used + 4 + 8 * (d->used_seen % d->num) + 4);
    }
    d->used_seen++;
    return true;
}

/* One virtio-blk request; data is device-writable for IN/GET_ID. Returns the status byte. */
static uint8_t blk_req(Drv *d, uint32_t type, uint64_t sector, uint64_t data, uint32_t len,
                       uint32_t *used_len)
{
    uint64_t hdr = d->buf, status = d->buf + 0x100;
    bool data_in = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;
    Seg segs[3] = {{hdr, 16, false}, {data, len, data_in}, {status, 1, true}};

    gw32(hdr, type);
    gw32(hdr + 4, 0);
    gw64(hdr + 8, sector);
    gw(status, &(uint8_t){0xff}, 1);
    if (len) {
        drv_submit(d, segs, 3);
    } else {
        segs[1] = segs[2];
        drv_submit(d, segs, 2);
    }
    g_assert_true(drv_wait_used(d, used_len));
    uint8_t st;
    gr(status, &st, 1);
    return st;
}

static void fill_pattern(uint8_t *p, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++) {
        p[i] = (uint8_t)(i * 7 + seed);
    }
}

static bool device_needs_reset(int slot)
{
    return rd(slot, R_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET;
}

/* ---- tests ---- */

static void test_empty_slot_answers_device_id_0(void)
{
    g_assert_cmphex(rd(SLOT_EMPTY, R_MAGIC), ==, 0x74726976);
    g_assert_cmpuint(rd(SLOT_EMPTY, R_VERSION), ==, 2);
    g_assert_cmpuint(rd(SLOT_EMPTY, R_DEVICE_ID), ==, 0);
    wr(SLOT_EMPTY, R_STATUS, 0xf); /* ignored */
    g_assert_cmpuint(rd(SLOT_EMPTY, R_STATUS), ==, 0);
}

static void test_device_ids_and_fdt_info(void)
{
    VirtioMMIOFdtInfo info;

    g_assert_cmpuint(rd(SLOT_RAW, R_DEVICE_ID), ==, VIRTIO_ID_BLOCK);
    g_assert_cmpuint(rd(SLOT_RNG, R_DEVICE_ID), ==, VIRTIO_ID_RNG);
    virtio_mmio_get_fdt_info(slots[SLOT_RNG], &info);
    g_assert_cmpstr(info.node_name, ==, "virtio_mmio@10004000");
    g_assert_cmpstr(info.compatible, ==, "virtio,mmio");
    g_assert_cmphex(info.base, ==, SLOT_BASE(SLOT_RNG));
    g_assert_cmphex(info.size, ==, 0x200);
    g_assert_cmpuint(info.irq, ==, SLOT_RNG);
}

static void test_feature_negotiation(void)
{
    uint64_t f = device_features(SLOT_RAW);
    Drv d;

    g_assert_true(f & (1ull << VIRTIO_F_VERSION_1));
    g_assert_true(f & (1ull << VIRTIO_RING_F_INDIRECT_DESC));
    g_assert_true(f & (1ull << VIRTIO_RING_F_EVENT_IDX));
    g_assert_true(f & (1ull << VIRTIO_BLK_F_FLUSH));
    g_assert_true(f & (1ull << VIRTIO_BLK_F_SEG_MAX));
    g_assert_false(f & (1ull << VIRTIO_BLK_F_RO));
    g_assert_true(device_features(SLOT_RO) & (1ull << VIRTIO_BLK_F_RO));
    /* A legacy driver (no VERSION_1) is refused. */
    g_assert_false(drv_init(&d, SLOT_RAW, 1ull << VIRTIO_BLK_F_FLUSH) &
                   VIRTIO_CONFIG_S_FEATURES_OK);
    /* So is a feature that was not offered. */
    g_assert_false(drv_init(&d, SLOT_RAW, (1ull << VIRTIO_F_VERSION_1) |
                                              (1ull << VIRTIO_F_RING_PACKED)) &
                   VIRTIO_CONFIG_S_FEATURES_OK);
    g_assert_cmphex(drv_init(&d, SLOT_RAW, 1ull << VIRTIO_F_VERSION_1), ==, 0xf);
    /* Features are fixed after FEATURES_OK. */
    wr(SLOT_RAW, R_DRV_FEAT_SEL, 0);
    wr(SLOT_RAW, R_DRV_FEAT, 0xffffffff);
    g_assert_false(device_needs_reset(SLOT_RAW));
}

static void test_blk_config(void)
{
    Drv d;

    drv_init_ok(&d, SLOT_RAW);
    g_assert_cmpuint(rd(SLOT_RAW, R_CONFIG + VIRTIO_BLK_CFG_CAPACITY), ==, IMG_SIZE / 512);
    g_assert_cmpuint(rd(SLOT_RAW, R_CONFIG + VIRTIO_BLK_CFG_CAPACITY + 4), ==, 0);
    g_assert_cmpuint(rd(SLOT_RAW, R_CONFIG + VIRTIO_BLK_CFG_BLK_SIZE), ==, 512);
    g_assert_cmpuint(rd(SLOT_RAW, R_CONFIG + VIRTIO_BLK_CFG_SEG_MAX), ==, 254);
    g_assert_cmpuint(rd(SLOT_RAW, R_CONFIG + VIRTIO_BLK_CFG_MAX_DISCARD_SEG), ==, 1);
    /* Byte-wide access to a byte field; out of range reads all ones. */
    uint8_t wb;
    gr(SLOT_BASE(SLOT_RAW) + R_CONFIG + VIRTIO_BLK_CFG_WRITEBACK, &wb, 1);
    g_assert_cmpuint(wb, ==, 1);
    g_assert_cmphex(rd(SLOT_RAW, R_CONFIG + 0x80), ==, 0xffffffff);
}

static void blk_round_trip(int slot, unsigned seed)
{
    uint8_t out[8192], in[8192];
    uint32_t used;
    Drv d;

    drv_init_ok(&d, slot);
    fill_pattern(out, sizeof(out), seed);
    gw(d.buf + 0x1000, out, sizeof(out));
    g_assert_cmpuint(blk_req(&d, VIRTIO_BLK_T_OUT, 24, d.buf + 0x1000, sizeof(out), &used), ==,
                     VIRTIO_BLK_S_OK);
    g_assert_cmpuint(blk_req(&d, VIRTIO_BLK_T_FLUSH, 0, 0, 0, NULL), ==, VIRTIO_BLK_S_OK);
    memset(in, 0, sizeof(in));
    gw(d.buf + 0x4000, in, sizeof(in));
    g_assert_cmpuint(blk_req(&d, VIRTIO_BLK_T_IN, 24, d.buf + 0x4000, sizeof(in), &used), ==,
                     VIRTIO_BLK_S_OK);
    g_assert_cmpuint(used, ==, sizeof(in) + 1);
    gr(d.buf + 0x4000, in, sizeof(in));
    g_assert_cmpmem(in, sizeof(in), out, sizeof(out));
    /* The interrupt came and InterruptACK takes it away. */
    g_assert_true(rd(slot, R_ISR) & VIRTIO_ISR_QUEUE);
    g_assert_cmpint(irq_level[slot], ==, 1);
    wr(slot, R_ISR_ACK, VIRTIO_ISR_QUEUE);
    g_assert_cmpint(irq_level[slot], ==, 0);
}

static void test_blk_raw_round_trip(void)
{
    g_autofree char *path = g_build_filename(tmpdir, "raw.img", NULL);
    g_autofree char *contents = NULL;
    uint8_t expect[8192];
    gsize len;

    blk_round_trip(SLOT_RAW, 3);
    /* The bytes are in the raw file, at sector 24. */
    g_assert_true(g_file_get_contents(path, &contents, &len, NULL));
    g_assert_cmpuint(len, ==, IMG_SIZE);
    fill_pattern(expect, sizeof(expect), 3);
    g_assert_cmpmem(contents + 24 * 512, sizeof(expect), expect, sizeof(expect));
}

static void test_blk_qcow2_round_trip(void)
{
    blk_round_trip(SLOT_QCOW2, 11);
}

static void test_blk_out_of_range_is_ioerr(void)
{
    Drv d;

    drv_init_ok(&d, SLOT_RAW);
    g_assert_cmpuint(blk_req(&d, VIRTIO_BLK_T_IN, IMG_SIZE / 512, d.buf + 0x1000, 512, NULL), ==,
                     VIRTIO_BLK_S_IOERR);
    g_assert_cmpuint(blk_req(&d, VIRTIO_BLK_T_IN, IMG_SIZE / 512 - 1, d.buf + 0x1000, 1024,
                             NULL), ==, VIRTIO_BLK_S_IOERR);
    g_assert_cmpuint(blk_req(&d, VIRTIO_BLK_T_OUT, UINT64_MAX, d.buf + 0x1000, 512, NULL), ==,
                     VIRTIO_BLK_S_IOERR);
    g_assert_cmpuint(blk_req(&d, VIRTIO_BLK_T_OUT, 1ull << 55, d.buf + 0x1000, 512, NULL), ==,
                     VIRTIO_BLK_S_IOERR);
    /* Not a whole number of sectors. */
    g_assert_cmpuint(blk_req(&d, VIRTIO_BLK_T_IN, 0, d.buf + 0x1000, 100, NULL), ==,
                     VIRTIO_BLK_S_IOERR);
    /* Unknown request type. */
    g_assert_cmpuint(blk_req(&d, 99, 0, d.buf + 0x1000, 512, NULL), ==, VIRTIO_BLK_S_UNSUPP);
    g_assert_false(device_needs_reset(SLOT_RAW));
    /* A request at the last sector is fine. */
    g_assert_cmpuint(blk_req(&d, VIRTIO_BLK_T_IN, IMG_SIZE / 512 - 1, d.buf + 0x1000, 512,
                             NULL), ==, VIRTIO_BLK_S_OK);
}

static void test_blk_get_id(void)
{
    char id[20];
    uint32_t used;
    Drv d;

    drv_init_ok(&d, SLOT_RAW);
    memset(id, 'x', sizeof(id));
    gw(d.buf + 0x1000, id, sizeof(id));
    g_assert_cmpuint(blk_req(&d, VIRTIO_BLK_T_GET_ID, 0, d.buf + 0x1000, 20, &used), ==,
                     VIRTIO_BLK_S_OK);
    gr(d.buf + 0x1000, id, sizeof(id));
    g_assert_cmpmem(id, 20, "MIMIC-SERIAL-1\0\0\0\0\0\0", 20);
    g_assert_cmpuint(used, ==, 21);
}

static void test_blk_read_only_drive_refuses_writes(void)
{
    Drv d;

    drv_init_ok(&d, SLOT_RO);
    g_assert_cmpuint(blk_req(&d, VIRTIO_BLK_T_OUT, 0, d.buf + 0x1000, 512, NULL), ==,
                     VIRTIO_BLK_S_IOERR);
    g_assert_cmpuint(blk_req(&d, VIRTIO_BLK_T_IN, 0, d.buf + 0x1000, 512, NULL), ==,
                     VIRTIO_BLK_S_OK);
}

static void test_blk_write_zeroes_and_discard(void)
{
    uint8_t buf[4096], zero[4096] = {0};
    uint64_t seg;
    Drv d;

    drv_init_ok(&d, SLOT_QCOW2);
    fill_pattern(buf, sizeof(buf), 5);
    gw(d.buf + 0x1000, buf, sizeof(buf));
    g_assert_cmpuint(blk_req(&d, VIRTIO_BLK_T_OUT, 64, d.buf + 0x1000, sizeof(buf), NULL), ==,
                     VIRTIO_BLK_S_OK);
    seg = d.buf + 0x3000;
    gw64(seg, 64);
    gw32(seg + 8, 8);
    gw32(seg + 12, 0);
    {
        Seg s[3] = {{d.buf, 16, false}, {seg, 16, false}, {d.buf + 0x100, 1, true}};
        gw32(d.buf, VIRTIO_BLK_T_WRITE_ZEROES);
        gw64(d.buf + 8, 0);
        drv_submit(&d, s, 3);
        g_assert_true(drv_wait_used(&d, NULL));
        uint8_t st;
        gr(d.buf + 0x100, &st, 1);
        g_assert_cmpuint(st, ==, VIRTIO_BLK_S_OK);
        gw32(d.buf, VIRTIO_BLK_T_DISCARD);
        drv_submit(&d, s, 3);
        g_assert_true(drv_wait_used(&d, NULL));
        gr(d.buf + 0x100, &st, 1);
        g_assert_cmpuint(st, ==, VIRTIO_BLK_S_OK);
        /* Discard with the unmap flag is unsupported (§5.2.6.2). */
        gw32(seg + 12, 1);
        drv_submit(&d, s, 3);
        g_assert_true(drv_wait_used(&d, NULL));
        gr(d.buf + 0x100, &st, 1);
        g_assert_cmpuint(st, ==, VIRTIO_BLK_S_UNSUPP);
    }
    memset(buf, 0xaa, sizeof(buf));
    gw(d.buf + 0x4000, buf, sizeof(buf));
    g_assert_cmpuint(blk_req(&d, VIRTIO_BLK_T_IN, 64, d.buf + 0x4000, sizeof(buf), NULL), ==,
                     VIRTIO_BLK_S_OK);
    gr(d.buf + 0x4000, buf, sizeof(buf));
    g_assert_cmpmem(buf, sizeof(buf), zero, sizeof(zero));
}

static void test_blk_indirect_read(void)
{
    uint64_t table;
    uint8_t expect[1024], got[1024];
    Drv d;

    blk_round_trip(SLOT_RAW, 21); /* sectors 24.. hold the pattern */
    drv_init_ok(&d, SLOT_RAW);
    table = d.buf + 0x8000;
    gw32(d.buf, VIRTIO_BLK_T_IN);
    gw64(d.buf + 8, 24);
    write_desc(table, 0, d.buf, 16, 1, 1);
    write_desc(table, 1, d.buf + 0x1000, 512, 2 | 1, 2);
    write_desc(table, 2, d.buf + 0x1200, 512, 2 | 1, 3);
    write_desc(table, 3, d.buf + 0x100, 1, 2, 0);
    write_desc(d.desc, 5, table, 4 * 16, 4, 0);
    drv_kick(&d, 5);
    g_assert_true(drv_wait_used(&d, NULL));
    uint8_t st;
    gr(d.buf + 0x100, &st, 1);
    g_assert_cmpuint(st, ==, VIRTIO_BLK_S_OK);
    fill_pattern(expect, sizeof(expect), 21);
    gr(d.buf + 0x1000, got, sizeof(got));
    g_assert_cmpmem(got, sizeof(got), expect, sizeof(expect));
}

static void test_blk_buffer_in_device_memory_is_bounced(void)
{
    uint32_t used;
    Drv d;

    drv_init_ok(&d, SLOT_RAW);
    memset(devmem_bytes, 0, sizeof(devmem_bytes));
    g_assert_cmpuint(blk_req(&d, VIRTIO_BLK_T_GET_ID, 0, DEVMEM_BASE + 16, 20, &used), ==,
                     VIRTIO_BLK_S_OK);
    g_assert_cmpmem(devmem_bytes + 16, 14, "MIMIC-SERIAL-1", 14);
    g_assert_false(device_needs_reset(SLOT_RAW));
}

static void test_reset_with_request_in_flight(void)
{
    Seg segs[3];
    Drv d;

    drv_init_ok(&d, SLOT_QCOW2);
    gw32(d.buf, VIRTIO_BLK_T_IN);
    gw64(d.buf + 8, 0);
    segs[0] = (Seg){d.buf, 16, false};
    segs[1] = (Seg){d.buf + 0x1000, 65536, true};
    segs[2] = (Seg){d.buf + 0x100, 1, true};
    drv_submit(&d, segs, 3);
    wr(SLOT_QCOW2, R_STATUS, 0); /* reset before the completion is dispatched */
    for (int i = 0; i < 50; i++) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(1000);
    }
    g_assert_cmpuint(gr16(d.used + 2), ==, 0); /* nothing was pushed to the old ring */
    drv_init_ok(&d, SLOT_QCOW2);
    g_assert_cmpuint(blk_req(&d, VIRTIO_BLK_T_IN, 0, d.buf + 0x1000, 512, NULL), ==,
                     VIRTIO_BLK_S_OK);
}

static void test_rng_returns_bytes(void)
{
    uint8_t buf[64], zero[64] = {0};
    uint32_t used;
    Drv d;

    drv_init_ok(&d, SLOT_RNG);
    gw(d.buf, zero, sizeof(zero));
    drv_submit(&d, &(Seg){d.buf, 64, true}, 1);
    g_assert_true(drv_wait_used(&d, &used));
    g_assert_cmpuint(used, ==, 64);
    gr(d.buf, buf, sizeof(buf));
    g_assert_true(memcmp(buf, zero, sizeof(buf)) != 0);
}

/* ---- hostile drivers ---- */

typedef void HostileFn(Drv *d);

static void check_hostile(HostileFn *fn)
{
    Drv d;

    drv_init_ok(&d, SLOT_RAW);
    wr(SLOT_RAW, R_ISR_ACK, 3);
    fn(&d);
    for (int i = 0; i < 5; i++) {
        g_main_context_iteration(NULL, FALSE);
    }
    g_assert_true(device_needs_reset(SLOT_RAW));
    /* §2.1.2: the driver hears of it through a configuration change interrupt. */
    g_assert_true(rd(SLOT_RAW, R_ISR) & VIRTIO_ISR_CONFIG);
    g_assert_cmpint(irq_level[SLOT_RAW], ==, 1);
    /* Queues are dead until reset; after a reset the device works again. */
    wr(SLOT_RAW, R_QUEUE_NOTIFY, 0);
    drv_init_ok(&d, SLOT_RAW);
    g_assert_cmpint(irq_level[SLOT_RAW], ==, 0);
    g_assert_cmpuint(blk_req(&d, VIRTIO_BLK_T_GET_ID, 0, d.buf + 0x1000, 20, NULL), ==,
                     VIRTIO_BLK_S_OK);
}

static void hostile_head_out_of_range(Drv *d)
{
    drv_kick(d, QSIZE + 3);
}

static void hostile_next_out_of_range(Drv *d)
{
    write_desc(d->desc, 0, d->buf, 16, 1, 200);
    drv_kick(d, 0);
}

static void hostile_loop(Drv *d)
{
    write_desc(d->desc, 0, d->buf, 16, 1, 1);
    write_desc(d->desc, 1, d->buf + 0x100, 1, 1 | 2, 0);
    drv_kick(d, 0);
}

static void hostile_address_outside_ram(Drv *d)
{
    write_desc(d->desc, 0, 0x1000, 16, 1, 1);
    write_desc(d->desc, 1, d->buf + 0x100, 1, 2, 0);
    drv_kick(d, 0);
}

static void hostile_address_wraps(Drv *d)
{
    write_desc(d->desc, 0, UINT64_MAX - 8, 16, 0, 0);
    drv_kick(d, 0);
}

static void hostile_absurd_length(Drv *d)
{
    write_desc(d->desc, 0, d->buf, 0xffffffff, 2, 0);
    drv_kick(d, 0);
}

static void hostile_avail_index_jump(Drv *d)
{
    gw16(d->avail + 2, 1000);
    wr(d->slot, R_QUEUE_NOTIFY, 0);
}

static void hostile_readable_after_writable(Drv *d)
{
    write_desc(d->desc, 0, d->buf + 0x100, 1, 2 | 1, 1);
    write_desc(d->desc, 1, d->buf, 16, 0, 0);
    drv_kick(d, 0);
}

static void hostile_missing_header(Drv *d)
{
    write_desc(d->desc, 0, d->buf, 8, 1, 1);
    write_desc(d->desc, 1, d->buf + 0x100, 1, 2, 0);
    drv_kick(d, 0);
}

static void hostile_indirect_loop(Drv *d)
{
    uint64_t t = d->buf + 0x8000;
    write_desc(t, 0, d->buf, 16, 1, 1);
    write_desc(t, 1, d->buf + 0x100, 1, 2 | 1, 0);
    write_desc(d->desc, 0, t, 32, 4, 0);
    drv_kick(d, 0);
}

static void hostile_indirect_nested(Drv *d)
{
    uint64_t t = d->buf + 0x8000;
    write_desc(t, 0, t, 16, 4, 0);
    write_desc(d->desc, 0, t, 16, 4, 0);
    drv_kick(d, 0);
}

static void hostile_indirect_bad_length(Drv *d)
{
    write_desc(d->desc, 0, d->buf + 0x8000, 17, 4, 0);
    drv_kick(d, 0);
}

static void hostile_indirect_table_outside_ram(Drv *d)
{
    write_desc(d->desc, 0, RAM_BASE + RAM_SIZE - 16, 64, 4, 0);
    drv_kick(d, 0);
}

static void hostile_rings_outside_ram(Drv *d)
{
    wr(d->slot, R_QUEUE_READY, 0);
    wr(d->slot, R_DEVICE_LO, (uint32_t)(RAM_BASE + RAM_SIZE - 8));
    wr(d->slot, R_QUEUE_READY, 1);
}

static void hostile_too_many_segments(Drv *d)
{
    /* An indirect table of 2000 one-byte readable buffers: more than VIRTQUEUE_MAX_SEGS. */
    uint64_t t = d->buf + 0x20000;
    for (unsigned i = 0; i < 2000; i++) {
        write_desc(t, i, d->buf, 1, 1, i + 1);
    }
    write_desc(t, 1999, d->buf + 0x100, 1, 2, 0);
    write_desc(d->desc, 0, t, 2000 * 16, 4, 0);
    drv_kick(d, 0);
}

#define HOSTILE(name)                                                                              \
    static void test_hostile_##name(void)                                                          \
    {                                                                                              \
        check_hostile(hostile_##name);                                                             \
    }
HOSTILE(head_out_of_range)
HOSTILE(next_out_of_range)
HOSTILE(loop)
HOSTILE(address_outside_ram)
HOSTILE(address_wraps)
HOSTILE(absurd_length)
HOSTILE(avail_index_jump)
HOSTILE(readable_after_writable)
HOSTILE(missing_header)
HOSTILE(indirect_loop)
HOSTILE(indirect_nested)
HOSTILE(indirect_bad_length)
HOSTILE(indirect_table_outside_ram)
HOSTILE(rings_outside_ram)
HOSTILE(too_many_segments)

/* ---- drives ---- */

static void test_drive_spec_errors(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_false(drive_add_from_spec("file=/nonexistent/x.img,if=none", &err));
    g_clear_error(&err);
    g_assert_false(drive_add_from_spec("file=x,if=scsi", &err));
    g_assert_nonnull(strstr(err->message, "if=scsi"));
    g_clear_error(&err);
    g_assert_false(drive_add_from_spec("file=x,bogus=1", &err));
    g_assert_nonnull(strstr(err->message, "bogus"));
    g_clear_error(&err);
    g_assert_false(drive_add_from_spec("if=none", &err));
    g_clear_error(&err);
    /* A drive already taken by a device cannot be taken again. */
    g_assert_null(virtio_mmio_plug(slots[SLOT_EMPTY], "virtio-blk-device", &err, "drive", "raw0",
                                   NULL));
    g_assert_nonnull(strstr(err->message, "already in use"));
    g_clear_error(&err);
    g_assert_null(virtio_mmio_plug(slots[SLOT_EMPTY], "virtio-blk-device", &err, "drive", "nope",
                                   NULL));
    g_clear_error(&err);
}

static void test_drive_snapshot_leaves_image_alone(void)
{
    g_autofree char *path = g_build_filename(tmpdir, "snap.img", NULL);
    g_autofree char *spec = g_strdup_printf("file=%s,format=raw,if=virtio,snapshot=on", path);
    g_autofree char *contents = NULL;
    g_autoptr(GError) err = NULL;
    BlockCreateOptions c = {.size = IMG_SIZE, .size_set = true};
    uint8_t zero[4096] = {0};
    DriveInfo *di;
    gsize len;

    g_assert_true(bdrv_create("raw", path, &c, &err));
    g_assert_true(drive_add_from_spec(spec, &err));
    di = drive_get_by_index(IF_VIRTIO, 0);
    g_assert_nonnull(di);
    g_assert_cmpstr(di->id, ==, "virtio0");
    {
        uint8_t buf[4096];
        fill_pattern(buf, sizeof(buf), 9);
        g_assert_cmpint(blk_pwrite(di->blk, 0, sizeof(buf), buf, 0), ==, 0);
        memset(buf, 0, sizeof(buf));
        g_assert_cmpint(blk_pread(di->blk, 0, sizeof(buf), buf), ==, 0);
        g_assert_cmpuint(buf[1], ==, 7 + 9);
        g_assert_cmpint(blk_flush(di->blk), ==, 0);
    }
    g_assert_true(g_file_get_contents(path, &contents, &len, NULL));
    g_assert_cmpmem(contents, sizeof(zero), zero, sizeof(zero));
}

/* ---- setup ---- */

static void make_drive(const char *fmt, const char *name, const char *extra)
{
    g_autofree char *path = g_build_filename(tmpdir, name, NULL);
    g_autofree char *spec = NULL;
    g_autoptr(GError) err = NULL;
    BlockCreateOptions c = {.size = IMG_SIZE, .size_set = true};

    if (!bdrv_create(fmt, path, &c, &err)) {
        g_error("create %s: %s", path, err->message);
    }
    spec = g_strdup_printf("file=%s,format=%s,%s", path, fmt, extra);
    if (!drive_add_from_spec(spec, &err)) {
        g_error("-drive %s: %s", spec, err->message);
    }
}

int main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    IrqLine *irqs;
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("test-virtio-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);

    memory_map_init();
    g_assert_true(memory_region_init_ram(&ram, "ram", RAM_SIZE, &err));
    memory_region_add_subregion(get_system_memory(), RAM_BASE, &ram);
    memory_region_init_io(&devmem, &devmem_ops, NULL, "devmem", sizeof(devmem_bytes));
    memory_region_add_subregion(get_system_memory(), DEVMEM_BASE, &devmem);

    make_drive("raw", "raw.img", "if=none,id=raw0,serial=MIMIC-SERIAL-1");
    make_drive("qcow2", "disk.qcow2", "if=none,id=qc0");
    make_drive("raw", "ro.img", "if=none,id=ro0,readonly=on");

    irqs = irq_allocate(irq_handler, NULL, SLOT_COUNT);
    for (int i = 0; i < SLOT_COUNT; i++) {
        slots[i] = virtio_mmio_create(SLOT_BASE(i), &irqs[i], &err);
        g_assert_nonnull(slots[i]);
    }
    if (!virtio_mmio_plug(slots[SLOT_RAW], "virtio-blk-device", &err, "drive", "raw0", NULL)) {
        g_error("%s", err->message);
    }
    g_assert_nonnull(virtio_mmio_plug(slots[SLOT_QCOW2], "virtio-blk-device", &err, "drive", "qc0",
                                      NULL));
    g_assert_nonnull(virtio_mmio_plug(slots[SLOT_RO], "virtio-blk-device", &err, "drive", "ro0",
                                      NULL));
    g_assert_nonnull(virtio_mmio_plug(slots[SLOT_RNG], "virtio-rng-device", &err, NULL));

    g_test_add_func("/virtio-mmio/empty-slot-answers-device-id-0",
                    test_empty_slot_answers_device_id_0);
    g_test_add_func("/virtio-mmio/device-ids-and-fdt-info", test_device_ids_and_fdt_info);
    g_test_add_func("/virtio/feature-negotiation", test_feature_negotiation);
    g_test_add_func("/virtio-blk/config", test_blk_config);
    g_test_add_func("/virtio-blk/raw-round-trip", test_blk_raw_round_trip);
    g_test_add_func("/virtio-blk/qcow2-round-trip", test_blk_qcow2_round_trip);
    g_test_add_func("/virtio-blk/out-of-range-is-ioerr", test_blk_out_of_range_is_ioerr);
    g_test_add_func("/virtio-blk/get-id", test_blk_get_id);
    g_test_add_func("/virtio-blk/read-only-drive-refuses-writes",
                    test_blk_read_only_drive_refuses_writes);
    g_test_add_func("/virtio-blk/write-zeroes-and-discard", test_blk_write_zeroes_and_discard);
    g_test_add_func("/virtio-blk/indirect-read", test_blk_indirect_read);
    g_test_add_func("/virtio-blk/buffer-in-device-memory-is-bounced",
                    test_blk_buffer_in_device_memory_is_bounced);
    g_test_add_func("/virtio-blk/reset-with-request-in-flight",
                    test_reset_with_request_in_flight);
    g_test_add_func("/virtio-rng/returns-bytes", test_rng_returns_bytes);
    g_test_add_func("/virtio/hostile/head-out-of-range", test_hostile_head_out_of_range);
    g_test_add_func("/virtio/hostile/next-out-of-range", test_hostile_next_out_of_range);
    g_test_add_func("/virtio/hostile/loop", test_hostile_loop);
    g_test_add_func("/virtio/hostile/address-outside-ram", test_hostile_address_outside_ram);
    g_test_add_func("/virtio/hostile/address-wraps", test_hostile_address_wraps);
    g_test_add_func("/virtio/hostile/absurd-length", test_hostile_absurd_length);
    g_test_add_func("/virtio/hostile/avail-index-jump", test_hostile_avail_index_jump);
    g_test_add_func("/virtio/hostile/readable-after-writable",
                    test_hostile_readable_after_writable);
    g_test_add_func("/virtio/hostile/missing-header", test_hostile_missing_header);
    g_test_add_func("/virtio/hostile/indirect-loop", test_hostile_indirect_loop);
    g_test_add_func("/virtio/hostile/indirect-nested", test_hostile_indirect_nested);
    g_test_add_func("/virtio/hostile/indirect-bad-length", test_hostile_indirect_bad_length);
    g_test_add_func("/virtio/hostile/indirect-table-outside-ram",
                    test_hostile_indirect_table_outside_ram);
    g_test_add_func("/virtio/hostile/rings-outside-ram", test_hostile_rings_outside_ram);
    g_test_add_func("/virtio/hostile/too-many-segments", test_hostile_too_many_segments);
    g_test_add_func("/drive/spec-errors", test_drive_spec_errors);
    g_test_add_func("/drive/snapshot-leaves-image-alone", test_drive_snapshot_leaves_image_alone);

    ret = g_test_run();
    for (int i = 0; i < SLOT_COUNT; i++) {
        device_destroy(slots[i]);
    }
    drive_close_all();
    g_free(irqs);
    {
        g_autoptr(GDir) dir = g_dir_open(tmpdir, 0, NULL);
        const char *name;
        while (dir && (name = g_dir_read_name(dir))) {
            g_autofree char *p = g_build_filename(tmpdir, name, NULL);
            g_unlink(p);
        }
        g_rmdir(tmpdir);
    }
    g_free(tmpdir);
    return ret;
}
