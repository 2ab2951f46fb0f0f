/*
 * virtio-net-device on a virtio-mmio slot, driven as a guest driver would
 * (rings in a fake guest RAM, registers through the memory API), joined to
 * a test backend that records what the NIC sends and can send to it:
 * transmit with and without a checksum to fill, receive into mergeable
 * buffers after waiting for them, the control queue's filters, link status,
 * and hostile chains that must end in NEEDS_RESET, not a crash.
 */
#include "core/irq.h"
#include "hw/virtio/virtio-mmio.h"
#include "hw/virtio/virtio-net.h"
#include "net/net.h"
#include "system/memory.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (4 * MiB)
#define SLOT 0x10001000ull
#define QSIZE 16
#define NQUEUES 3
#define BUF_AREA (RAM_BASE + 0x100000) /* packet buffers from here */

static MemoryRegion ram;
static uint8_t *guest; /* RAM_BASE in host memory */
static int irq_level;

/* ---- the backend ---- */

typedef struct TestBackend {
    NetClient nc;
    GPtrArray *got; /* of GBytes*: frames the NIC sent */
} TestBackend;

static TestBackend *backend;

static ssize_t backend_receive(NetClient *nc, const uint8_t *buf, size_t size)
{
    g_ptr_array_add(((TestBackend *)nc)->got, g_bytes_new(buf, size));
    return size;
}

static const NetClientInfo backend_info = {
    .type = NET_CLIENT_DRIVER_SOCKET,
    .size = sizeof(TestBackend),
    .receive = backend_receive,
};

/* ---- registers and guest memory ---- */

enum {
    R_DEV_FEAT = 0x010, R_DEV_FEAT_SEL = 0x014, R_DRV_FEAT = 0x020, R_DRV_FEAT_SEL = 0x024,
    R_QUEUE_SEL = 0x030, R_QUEUE_NUM = 0x038, R_QUEUE_READY = 0x044, R_QUEUE_NOTIFY = 0x050,
    R_ISR = 0x060, R_ISR_ACK = 0x064, R_STATUS = 0x070, R_DESC_LO = 0x080, R_DRIVER_LO = 0x090,
    R_DEVICE_LO = 0x0a0, R_CONFIG = 0x100,
};

static uint32_t reg_read(uint64_t off)
{
    uint32_t v;
    g_assert_cmpint(address_space_read(&address_space_memory, SLOT + off, &v, 4), ==, MEMTX_OK);
    return GUINT32_FROM_LE(v);
}

static void reg_write(uint64_t off, uint32_t v)
{
    v = GUINT32_TO_LE(v);
    g_assert_cmpint(address_space_write(&address_space_memory, SLOT + off, &v, 4), ==, MEMTX_OK);
}

/* Config space reads are one or two bytes wide, at their own alignment. */
static uint16_t config_read(uint64_t off, unsigned size)
{
    uint16_t v = 0;
    g_assert_cmpint(address_space_read(&address_space_memory, SLOT + R_CONFIG + off, &v, size),
                    ==, MEMTX_OK);
    return GUINT16_FROM_LE(v);
}

static void *gp(uint64_t addr)
{
    g_assert_cmpuint(addr - RAM_BASE, <, RAM_SIZE);
    return guest + (addr - RAM_BASE);
}

/* One split ring: descriptors, avail and used at fixed places per queue. */
typedef struct Ring {
    unsigned index;
    uint64_t desc, avail, used;
    uint16_t next_desc, avail_idx, used_seen;
} Ring;

static Ring rings[NQUEUES];
static uint64_t buf_next;

static uint64_t buf_alloc(size_t len)
{
    uint64_t a = buf_next;
    buf_next += ROUND_UP(len, 64);
    return a;
}

typedef struct Seg {
    uint64_t addr;
    uint32_t len;
    bool writable;
} Seg;

/* Put segs in the ring as one chain and notify the device. */
static void ring_add(Ring *r, const Seg *segs, unsigned n)
{
    uint16_t head = r->next_desc;

    for (unsigned i = 0; i < n; i++) {
        uint8_t *d = gp(r->desc + 16 * ((head + i) % QSIZE));
        uint16_t flags = (segs[i].writable ? 2 : 0) | (i + 1 < n ? 1 : 0);
        uint64_t addr = GUINT64_TO_LE(segs[i].addr);
        uint32_t len = GUINT32_TO_LE(segs[i].len);
        uint16_t next = GUINT16_TO_LE((head + i + 1) % QSIZE);
        memcpy(d, &addr, 8);
        memcpy(d + 8, &len, 4);
        flags = GUINT16_TO_LE(flags);
        memcpy(d + 12, &flags, 2);
        memcpy(d + 14, &next, 2);
    }
    r->next_desc = (head + n) % QSIZE;
    virtio_stw(gp(r->avail + 4 + 2 * (r->avail_idx % QSIZE)), head);
    r->avail_idx++;
    virtio_stw(gp(r->avail + 2), r->avail_idx);
    reg_write(R_QUEUE_NOTIFY, r->index);
}

static uint16_t le16_at(uint64_t addr)
{
    const uint8_t *p = gp(addr);
    return p[0] | (p[1] << 8);
}

/* The next used element's length, or -1 if the device has returned none. */
static int64_t ring_used(Ring *r)
{
    const uint8_t *e;

    if (le16_at(r->used + 2) == r->used_seen) {
        return -1;
    }
    e = gp(r->used + 4 + 8 * (r->used_seen++ % QSIZE) + 4);
    return e[0] | (e[1] << 8) | (e[2] << 16) | ((uint32_t)e[3] << 24);
}

static bool needs_reset(void)
{
    return reg_read(R_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET;
}

static uint64_t device_features(void)
{
    reg_write(R_DEV_FEAT_SEL, 0);
    uint64_t f = reg_read(R_DEV_FEAT);
    reg_write(R_DEV_FEAT_SEL, 1);
    return f | (uint64_t)reg_read(R_DEV_FEAT) << 32;
}

/* Reset, accept `features` (besides VERSION_1), set the three queues up, DRIVER_OK. */
static void driver_init(uint64_t features)
{
    features |= 1ull << VIRTIO_F_VERSION_1;
    g_assert_cmphex(device_features() & features, ==, features);
    reg_write(R_STATUS, 0);
    memset(guest, 0, RAM_SIZE);
    buf_next = BUF_AREA;
    reg_write(R_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
    reg_write(R_DRV_FEAT_SEL, 0);
    reg_write(R_DRV_FEAT, (uint32_t)features);
    reg_write(R_DRV_FEAT_SEL, 1);
    reg_write(R_DRV_FEAT, features >> 32);
    reg_write(R_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
                            VIRTIO_CONFIG_S_FEATURES_OK);
    for (unsigned q = 0; q < NQUEUES; q++) {
        uint64_t base = RAM_BASE + q * 0x4000;
        rings[q] = (Ring){.index = q, .desc = base, .avail = base + 0x1000, .used = base + 0x2000};
        reg_write(R_QUEUE_SEL, q);
        reg_write(R_QUEUE_NUM, QSIZE);
        reg_write(R_DESC_LO, (uint32_t)rings[q].desc);
        reg_write(R_DRIVER_LO, (uint32_t)rings[q].avail);
        reg_write(R_DEVICE_LO, (uint32_t)rings[q].used);
        reg_write(R_QUEUE_READY, 1);
    }
    reg_write(R_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
                            VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
    g_assert_false(needs_reset());
    g_ptr_array_set_size(backend->got, 0);
}

#define BASIC_FEATURES ((1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_STATUS))
#define CTRL_FEATURES                                                                              \
    (BASIC_FEATURES | (1ull << VIRTIO_NET_F_CTRL_VQ) | (1ull << VIRTIO_NET_F_CTRL_RX) |             \
     (1ull << VIRTIO_NET_F_CTRL_VLAN))

/* ---- transmit ---- */

/* A frame to send: header (flags, csum_start, csum_offset) then payload. */
static void transmit(const uint8_t *frame, size_t len, uint8_t flags, uint16_t start,
                     uint16_t offset)
{
    uint64_t hdr = buf_alloc(VIRTIO_NET_HDR_SIZE), data = buf_alloc(len);
    uint8_t *h = gp(hdr);
    Seg segs[2] = {{hdr, VIRTIO_NET_HDR_SIZE, false}, {data, len, false}};

    memset(h, 0, VIRTIO_NET_HDR_SIZE);
    h[0] = flags;
    virtio_stw(h + 6, start);
    virtio_stw(h + 8, offset);
    memcpy(gp(data), frame, len);
    ring_add(&rings[1], segs, 2);
}

static void make_frame(uint8_t *f, size_t len, const uint8_t *dst)
{
    for (size_t i = 0; i < len; i++) {
        f[i] = (uint8_t)(i * 13 + 5);
    }
    memcpy(f, dst, 6);
}

static const uint8_t nic_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static void test_tx_strips_header(void)
{
    uint8_t frame[60];
    gsize n;

    driver_init(BASIC_FEATURES);
    make_frame(frame, sizeof(frame), (const uint8_t[6]){2, 0, 0, 0, 0, 1});
    transmit(frame, sizeof(frame), 0, 0, 0);
    g_assert_cmpint(ring_used(&rings[1]), ==, 0);
    g_assert_cmpuint(backend->got->len, ==, 1);
    const uint8_t *got = g_bytes_get_data(g_ptr_array_index(backend->got, 0), &n);
    g_assert_cmpuint(n, ==, sizeof(frame));
    g_assert_cmpmem(got, n, frame, sizeof(frame));
}

static void test_tx_fills_checksum_left_to_device(void)
{
    uint8_t frame[64];
    gsize n;
    uint32_t sum = 0;

    driver_init(BASIC_FEATURES | (1ull << VIRTIO_NET_F_CSUM));
    make_frame(frame, sizeof(frame), nic_mac);
    frame[40] = frame[41] = 0; /* the checksum field, holding a zero partial sum */
    transmit(frame, sizeof(frame), NET_VNET_HDR_F_NEEDS_CSUM, 34, 6);
    const uint8_t *got = g_bytes_get_data(g_ptr_array_index(backend->got, 0), &n);
    g_assert_cmpuint(n, ==, sizeof(frame));
    /* Summed with its checksum, the covered region folds to all ones. */
    for (size_t i = 34; i < n; i += 2) {
        sum += (got[i] << 8) | (i + 1 < n ? got[i + 1] : 0);
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    g_assert_cmphex(sum, ==, 0xffff);
    g_assert_cmpmem(got, 40, frame, 40);
}

static void test_tx_hostile_chains_need_reset(void)
{
    uint8_t frame[60] = {0};
    uint64_t short_hdr;

    driver_init(BASIC_FEATURES | (1ull << VIRTIO_NET_F_CSUM));
    short_hdr = buf_alloc(8);
    ring_add(&rings[1], (Seg[]){{short_hdr, 8, false}}, 1);
    g_assert_true(needs_reset());
    g_assert_true(reg_read(R_ISR) & VIRTIO_ISR_CONFIG);
    g_assert_cmpuint(backend->got->len, ==, 0);

    driver_init(BASIC_FEATURES | (1ull << VIRTIO_NET_F_CSUM));
    transmit(frame, sizeof(frame), NET_VNET_HDR_F_NEEDS_CSUM, 58, 40);
    g_assert_true(needs_reset());
}

/* ---- receive ---- */

static void add_rx_buffers(unsigned count, uint32_t len, uint64_t *addrs)
{
    for (unsigned i = 0; i < count; i++) {
        addrs[i] = buf_alloc(len);
        ring_add(&rings[0], (Seg[]){{addrs[i], len, true}}, 1);
    }
}

static void test_rx_waits_for_buffers_then_merges(void)
{
    uint8_t frame[100];
    uint64_t bufs[3];
    uint8_t *first;

    driver_init(BASIC_FEATURES | (1ull << VIRTIO_NET_F_MRG_RXBUF));
    make_frame(frame, sizeof(frame), nic_mac);
    /* No buffers yet: the packet waits in the NIC's queue, nothing is lost. */
    g_assert_cmpint(net_send(&backend->nc, frame, sizeof(frame)), ==, 0);
    g_assert_false(net_can_send(&backend->nc));
    reg_write(R_ISR_ACK, 3);

    add_rx_buffers(3, 48, bufs); /* 12 + 100 bytes: three 48-byte buffers */
    g_assert_cmpint(ring_used(&rings[0]), ==, 48);
    g_assert_cmpint(ring_used(&rings[0]), ==, 48);
    g_assert_cmpint(ring_used(&rings[0]), ==, 16);
    g_assert_cmpint(ring_used(&rings[0]), ==, -1);
    g_assert_cmpint(irq_level, ==, 1);
    first = gp(bufs[0]);
    g_assert_cmpuint(le16_at(bufs[0] + 10), ==, 3); /* num_buffers */
    g_assert_cmpmem(first + VIRTIO_NET_HDR_SIZE, 36, frame, 36);
    g_assert_cmpmem(gp(bufs[1]), 48, frame + 36, 48);
    g_assert_cmpmem(gp(bufs[2]), 16, frame + 84, 16);
    /* The ring is used up again; one more buffer opens it. */
    g_assert_false(net_can_send(&backend->nc));
    add_rx_buffers(1, 48, bufs);
    g_assert_true(net_can_send(&backend->nc));
}

static void test_rx_without_mergeable_drops_what_does_not_fit(void)
{
    uint8_t frame[100];
    uint64_t buf;

    driver_init(BASIC_FEATURES);
    make_frame(frame, sizeof(frame), nic_mac);
    add_rx_buffers(1, 64, &buf);
    g_assert_cmpint(net_send(&backend->nc, frame, sizeof(frame)), ==, sizeof(frame));
    g_assert_cmpint(ring_used(&rings[0]), ==, -1);
    g_assert_false(needs_reset());
    g_assert_cmpint(net_send(&backend->nc, frame, 40), ==, 40);
    g_assert_cmpint(ring_used(&rings[0]), ==, 52);
}

/* ---- control queue ---- */

static uint8_t control(const uint8_t *cmd, size_t len)
{
    uint64_t out = buf_alloc(len), ack = buf_alloc(1);

    memcpy(gp(out), cmd, len);
    *(uint8_t *)gp(ack) = 0xee;
    ring_add(&rings[2], (Seg[]){{out, len, false}, {ack, 1, true}}, 2);
    g_assert_cmpint(ring_used(&rings[2]), ==, 1);
    return *(uint8_t *)gp(ack);
}

/* Does a frame to dst reach the driver's (plentiful) buffers? */
static bool delivered(const uint8_t *dst)
{
    uint8_t frame[60];
    uint64_t buf;

    make_frame(frame, sizeof(frame), dst);
    add_rx_buffers(1, 128, &buf);
    net_send(&backend->nc, frame, sizeof(frame));
    if (ring_used(&rings[0]) >= 0) {
        return true;
    }
    rings[0].avail_idx--; /* take the unused buffer back */
    rings[0].next_desc = (rings[0].next_desc + QSIZE - 1) % QSIZE;
    virtio_stw(gp(rings[0].avail + 2), rings[0].avail_idx);
    return false;
}

static void test_ctrl_rx_mode_and_mac_table(void)
{
    static const uint8_t other[6] = {0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc};
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint8_t table[2 + 4 + 6 + 4] = {VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, 1};

    driver_init(CTRL_FEATURES);
    g_assert_true(delivered(other)); /* promiscuous until the driver says otherwise */
    g_assert_cmpuint(control((const uint8_t[]){VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, 0},
                             3), ==, VIRTIO_NET_OK);
    g_assert_false(delivered(other));
    g_assert_true(delivered(nic_mac));
    g_assert_true(delivered(bcast));

    memcpy(table + 6, other, 6);
    g_assert_cmpuint(control(table, sizeof(table)), ==, VIRTIO_NET_OK);
    g_assert_true(delivered(other));
    /* A table claiming more entries than it holds is refused and empties the filter. */
    table[2] = 200;
    g_assert_cmpuint(control(table, sizeof(table)), ==, VIRTIO_NET_ERR);
    g_assert_false(delivered(other));
    g_assert_cmpuint(control((const uint8_t[]){9, 9}, 2), ==, VIRTIO_NET_ERR);
    g_assert_cmpuint(control((const uint8_t[]){VIRTIO_NET_CTRL_RX}, 1), ==, VIRTIO_NET_ERR);
    g_assert_false(needs_reset());
}

static void test_ctrl_vlan_filter(void)
{
    uint8_t tagged[60];
    uint64_t buf;

    driver_init(CTRL_FEATURES);
    control((const uint8_t[]){VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, 0}, 3);
    make_frame(tagged, sizeof(tagged), nic_mac);
    tagged[12] = 0x81, tagged[13] = 0x00, tagged[14] = 0x00, tagged[15] = 42;
    add_rx_buffers(1, 128, &buf);
    net_send(&backend->nc, tagged, sizeof(tagged));
    g_assert_cmpint(ring_used(&rings[0]), ==, -1);
    g_assert_cmpuint(control((const uint8_t[]){VIRTIO_NET_CTRL_VLAN, VIRTIO_NET_CTRL_VLAN_ADD, 42,
                                               0},
                             4), ==, VIRTIO_NET_OK);
    net_send(&backend->nc, tagged, sizeof(tagged));
    g_assert_cmpint(ring_used(&rings[0]), ==, VIRTIO_NET_HDR_SIZE + sizeof(tagged));
    g_assert_cmpuint(control((const uint8_t[]){VIRTIO_NET_CTRL_VLAN, VIRTIO_NET_CTRL_VLAN_ADD,
                                               0xff, 0xff},
                             4), ==, VIRTIO_NET_ERR);
}

/* ---- config ---- */

static void test_config_mac_and_link_status(void)
{
    driver_init(BASIC_FEATURES);
    for (int i = 0; i < 6; i++) {
        g_assert_cmphex(config_read(VIRTIO_NET_CFG_MAC + i, 1), ==, nic_mac[i]);
    }
    g_assert_cmphex(config_read(VIRTIO_NET_CFG_STATUS, 2), ==,
                    VIRTIO_NET_S_LINK_UP);
    reg_write(R_ISR_ACK, 3);
    net_client_set_link(&backend->nc, false);
    g_assert_cmphex(config_read(VIRTIO_NET_CFG_STATUS, 2), ==, 0);
    g_assert_true(reg_read(R_ISR) & VIRTIO_ISR_CONFIG);
    net_client_set_link(&backend->nc, true);
    g_assert_cmphex(config_read(VIRTIO_NET_CFG_STATUS, 2), ==,
                    VIRTIO_NET_S_LINK_UP);
}

static void irq_handler(void *opaque, int n, int level)
{
    irq_level = level;
}

int main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    DeviceState *slot;

    g_test_init(&argc, &argv, NULL);
    memory_map_init();
    g_assert_true(memory_region_init_ram(&ram, "ram", RAM_SIZE, &err));
    memory_region_add_subregion(get_system_memory(), RAM_BASE, &ram);
    guest = memory_region_get_ram_ptr(&ram);

    backend = (TestBackend *)net_client_new(&backend_info, NULL, "test", "tb0", &err);
    backend->got = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    slot = virtio_mmio_create(SLOT, irq_allocate(irq_handler, NULL, 1), &err);
    g_assert_nonnull(slot);
    if (!virtio_mmio_plug(slot, TYPE_VIRTIO_NET, &err, "netdev", "tb0", NULL)) {
        g_error("%s", err->message);
    }

    g_test_add_func("/virtio-net/tx/strips-header", test_tx_strips_header);
    g_test_add_func("/virtio-net/tx/fills-checksum-left-to-device",
                    test_tx_fills_checksum_left_to_device);
    g_test_add_func("/virtio-net/tx/hostile-chains-need-reset", test_tx_hostile_chains_need_reset);
    g_test_add_func("/virtio-net/rx/waits-for-buffers-then-merges",
                    test_rx_waits_for_buffers_then_merges);
    g_test_add_func("/virtio-net/rx/without-mergeable-drops-what-does-not-fit",
                    test_rx_without_mergeable_drops_what_does_not_fit);
    g_test_add_func("/virtio-net/ctrl/rx-mode-and-mac-table", test_ctrl_rx_mode_and_mac_table);
    g_test_add_func("/virtio-net/ctrl/vlan-filter", test_ctrl_vlan_filter);
    g_test_add_func("/virtio-net/config/mac-and-link-status", test_config_mac_and_link_status);
    return g_test_run();
}
