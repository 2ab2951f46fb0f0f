/*
 * The e1000 (82540EM) behind the i440FX PCI host, driven through its BARs
 * with rings in a test RAM and a capturing backend as its network peer:
 * the bytes each transmit path puts on the wire (legacy, checksum offload,
 * TSO, VLAN insertion), what reaches the receive ring (filters, buffer
 * sizes, FCS, VLAN stripping, checksum checks, back-pressure), interrupts and their delay
 * timers, EEPROM, PHY and link state, and hostile rings.
 */
#include "hw/net/e1000_regs.h"
#include "hw/pci/i440fx.h"
#include "hw/pci/pci.h"
#include "hw/isa/isa.h"
#include "net/net.h"
#include "system/memory.h"
#include "system/timer.h"
#include "util/error.h"
#include <zlib.h>

#define RAM_SIZE (16 * MiB)
#define MMIO_BASE 0xf0000000ull
#define IO_BASE 0xc000
#define TX_RING 0x10000ull
#define RX_RING 0x20000ull
#define TX_BUF 0x100000ull
#define RX_BUF 0x200000ull
#define RX_BUF_STRIDE 0x4000
#define RING 16
#define MAC "52:54:00:12:34:77"

static const uint8_t our_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x77};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static MemoryRegion ram;
static int isa_irq[ISA_NUM_IRQS];
static PCIDevice *nic;
static unsigned tx_tail, rx_next;

/* ---- the backend: records what the NIC sends ---- */

typedef struct Capture {
    NetClient nc;
    GPtrArray *frames; /* of GBytes* */
} Capture;

static Capture *wire;

static ssize_t capture_receive(NetClient *nc, const uint8_t *buf, size_t size)
{
    g_ptr_array_add(((Capture *)nc)->frames, g_bytes_new(buf, size));
    return size;
}

static const NetClientInfo capture_info = {
    .type = NET_CLIENT_DRIVER_SOCKET,
    .size = sizeof(Capture),
    .receive = capture_receive,
};

static const uint8_t *frame(guint i, size_t *len)
{
    g_assert_cmpuint(i, <, wire->frames->len);
    return g_bytes_get_data(g_ptr_array_index(wire->frames, i), len);
}

/* ---- guest memory and registers ---- */

static void gw(uint64_t addr, const void *p, size_t len)
{
    g_assert_cmpint(address_space_write(&address_space_memory, addr, p, len), ==, MEMTX_OK);
}

static void gr(uint64_t addr, void *p, size_t len)
{
    g_assert_cmpint(address_space_read(&address_space_memory, addr, p, len), ==, MEMTX_OK);
}

static uint32_t rd(uint32_t reg)
{
    uint32_t v;
    address_space_read(&address_space_memory, MMIO_BASE + reg, &v, 4);
    return GUINT32_FROM_LE(v);
}

static void wr(uint32_t reg, uint32_t val)
{
    val = GUINT32_TO_LE(val);
    address_space_write(&address_space_memory, MMIO_BASE + reg, &val, 4);
}

static bool nic_irq(void)
{
    for (int pirq = 0; pirq < PIIX_NUM_PIRQS; pirq++) {
        int irq = piix3_pirq_to_isa_irq(nic->bus->qbus, pirq);
        if (irq >= 0 && isa_irq[irq]) {
            return true;
        }
    }
    return false;
}

static void isa_irq_handler(void *opaque, int n, int level)
{
    isa_irq[n] = level;
}

/* ---- a driver ---- */

static void put_desc(uint64_t addr, uint64_t lo, uint64_t hi)
{
    uint8_t d[16];

    for (int i = 0; i < 8; i++) {
        d[i] = lo >> (8 * i);
        d[8 + i] = hi >> (8 * i);
    }
    gw(addr, d, 16);
}

static uint8_t desc_byte(uint64_t ring, unsigned i, unsigned off)
{
    uint8_t b;
    gr(ring + 16 * i + off, &b, 1);
    return b;
}

static uint16_t desc_word(uint64_t ring, unsigned i, unsigned off)
{
    uint8_t b[2];
    gr(ring + 16 * i + off, b, 2);
    return b[0] | (b[1] << 8);
}

static void nic_start(uint32_t rctl)
{
    wr(E1000_CTRL, E1000_CTRL_RST);
    g_ptr_array_set_size(wire->frames, 0);
    for (unsigned i = 0; i < RING; i++) {
        put_desc(TX_RING + 16 * i, 0, 0);
        put_desc(RX_RING + 16 * i, RX_BUF + i * RX_BUF_STRIDE, 0);
    }
    wr(E1000_TDBAL, TX_RING);
    wr(E1000_TDLEN, RING * 16);
    wr(E1000_RDBAL, RX_RING);
    wr(E1000_RDLEN, RING * 16);
    wr(E1000_RDT, RING - 1);
    wr(E1000_TCTL, E1000_TCTL_EN);
    wr(E1000_RCTL, rctl);
    tx_tail = rx_next = 0;
}

/* Queue one transmit descriptor (lo, hi) at the tail. */
static void tx_add(uint64_t lo, uint64_t hi)
{
    put_desc(TX_RING + 16 * tx_tail, lo, hi);
    tx_tail = (tx_tail + 1) % RING;
}

static void tx_go(void)
{
    wr(E1000_TDT, tx_tail);
}

static uint64_t legacy(uint16_t len, uint8_t cmd)
{
    return len | ((uint64_t)cmd << 24);
}

static uint64_t data_desc(uint32_t len, uint8_t dcmd, uint8_t popts)
{
    return len | (1ull << 20) | ((uint64_t)(dcmd | E1000_TXD_CMD_DEXT) << 24) |
           ((uint64_t)popts << 40);
}

static void context_desc(uint8_t ipcss, uint8_t ipcso, uint16_t ipcse, uint8_t tucss, uint8_t tucso,
                         uint16_t tucse, uint32_t paylen, uint8_t tucmd, uint8_t hdrlen,
                         uint16_t mss)
{
    tx_add(ipcss | (ipcso << 8) | ((uint64_t)ipcse << 16) | ((uint64_t)tucss << 32) |
               ((uint64_t)tucso << 40) | ((uint64_t)tucse << 48),
           paylen | ((uint64_t)(tucmd | E1000_TXD_CMD_DEXT) << 24) | ((uint64_t)hdrlen << 40) |
               ((uint64_t)mss << 48));
}

/* Feed a frame from the wire; the backend's send result. */
static ssize_t wire_send(const uint8_t *buf, size_t len)
{
    return net_send(&wire->nc, buf, len);
}

/* ---- reference checksums ---- */

static uint16_t ref_csum(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i < len; i++) {
        sum += (i & 1) ? p[i] : p[i] << 8;
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

/* The pseudo-header sum of 10.0.2.15 -> 10.0.2.2 (build_ipv4's addresses). */
#define PSEUDO_SUM(proto, l4_len) (0x0a00 + 0x020f + 0x0a00 + 0x0202 + (proto) + (l4_len))

/* The TCP/UDP segment of the IPv4 packet at ip sums to all ones with its pseudo header. */
static void assert_l4_checksum_valid(const uint8_t *ip, size_t ip_len)
{
    unsigned ihl = (ip[0] & 15) * 4;

    g_assert_cmphex(ref_csum(ip + ihl, ip_len - ihl, PSEUDO_SUM(ip[9], ip_len - ihl)), ==, 0xffff);
}

static void assert_ipv4_checksums_valid(const uint8_t *ip, size_t ip_len)
{
    g_assert_cmphex(ref_csum(ip, (ip[0] & 15) * 4, 0), ==, 0xffff);
    assert_l4_checksum_valid(ip, ip_len);
}

/* Ethernet + IPv4 + TCP (or UDP) with zeroed checksums and payload bytes i & 0xff. */
static size_t build_ipv4(uint8_t *f, bool tcp, size_t payload, uint32_t seq, uint8_t flags)
{
    size_t l4 = tcp ? 20 : 8, total = 20 + l4 + payload;

    memset(f, 0, 14 + total);
    memcpy(f, bcast, 6);
    memcpy(f + 6, our_mac, 6);
    f[12] = 0x08;
    f[14] = 0x45;
    f[16] = total >> 8;
    f[17] = total;
    f[18] = 0x40; /* id 0x4000 */
    f[22] = 64;
    f[23] = tcp ? 6 : 17;
    memcpy(f + 26, "\x0a\x00\x02\x0f\x0a\x00\x02\x02", 8);
    f[34] = 0x12;
    f[36] = 0x34;
    if (tcp) {
        f[38] = seq >> 24;
        f[39] = seq >> 16;
        f[40] = seq >> 8;
        f[41] = seq;
        f[46] = 0x50;
        f[47] = flags;
    } else {
        f[38] = (8 + payload) >> 8;
        f[39] = 8 + payload;
    }
    for (size_t i = 0; i < payload; i++) {
        f[14 + 20 + l4 + i] = i;
    }
    return 14 + total;
}

/* ---- transmit ---- */

static void test_tx_legacy_frame_is_sent_and_written_back(void)
{
    uint8_t f[60];

    nic_start(E1000_RCTL_EN);
    for (int i = 0; i < 60; i++) {
        f[i] = 0xa0 + i;
    }
    gw(TX_BUF, f, sizeof(f));
    wr(E1000_IMS, E1000_ICR_TXDW);
    tx_add(TX_BUF, legacy(60, E1000_TXD_CMD_EOP | E1000_TXD_CMD_RS));
    tx_go();

    size_t len;
    const uint8_t *got = frame(0, &len);
    g_assert_cmpuint(wire->frames->len, ==, 1);
    g_assert_cmpuint(len, ==, 60);
    g_assert_cmpmem(got, len, f, 60);
    g_assert_cmphex(desc_byte(TX_RING, 0, 12) & E1000_TXD_STA_DD, ==, E1000_TXD_STA_DD);
    g_assert_cmpuint(rd(E1000_TDH), ==, 1);
    g_assert_true(nic_irq());
    g_assert_cmphex(rd(E1000_ICR), ==, E1000_ICR_TXDW | E1000_ICR_TXQE);
    g_assert_false(nic_irq());
    g_assert_cmpuint(rd(E1000_GPTC), ==, 1);
    g_assert_cmpuint(rd(E1000_GPTC), ==, 0); /* clear on read */
    g_assert_cmpuint(rd(E1000_GOTCL), ==, 64);
    rd(E1000_GOTCH);
    g_assert_cmpuint(rd(E1000_GOTCL), ==, 0);
}

static void test_tx_legacy_checksum_insertion(void)
{
    uint8_t f[200];
    size_t len = build_ipv4(f, false, 100, 0, 0), got_len;
    uint16_t seed = ref_csum(NULL, 0, PSEUDO_SUM(17, 108));

    nic_start(E1000_RCTL_EN);
    /* IC: the sum from CSS (the UDP header) to the end goes into CSO. */
    f[40] = seed >> 8;
    f[41] = seed;
    gw(TX_BUF, f, len);
    tx_add(TX_BUF,
           legacy(len, E1000_TXD_CMD_EOP | E1000_TXD_CMD_IC) | (40ull << 16) | (34ull << 40));
    tx_go();
    const uint8_t *got = frame(0, &got_len);
    g_assert_cmpuint(got_len, ==, len);
    assert_l4_checksum_valid(got + 14, len - 14);
    g_assert_cmphex(got[24] | got[25], ==, 0); /* no IP checksum with a legacy descriptor */
}

static void test_tx_context_checksum_offload(void)
{
    uint8_t f[1600];
    size_t len = build_ipv4(f, true, 300, 1000, 0x18), got_len;

    nic_start(E1000_RCTL_EN);
    /* TCP: the driver seeds the checksum field with the pseudo-header sum (with the length). */
    uint16_t seed = ref_csum(NULL, 0, PSEUDO_SUM(6, 320));
    f[50] = seed >> 8;
    f[51] = seed;
    gw(TX_BUF, f, len);
    context_desc(14, 24, 33, 34, 50, 0, 0, E1000_TXD_TUCMD_TCP | E1000_TXD_TUCMD_IP, 0, 0);
    tx_add(TX_BUF, data_desc(100, 0, E1000_TXD_POPTS_IXSM | E1000_TXD_POPTS_TXSM));
    tx_add(TX_BUF + 100, data_desc(len - 100, E1000_TXD_CMD_EOP, 0));
    tx_go();
    g_assert_cmpuint(wire->frames->len, ==, 1);
    const uint8_t *got = frame(0, &got_len);
    g_assert_cmpuint(got_len, ==, len);
    assert_ipv4_checksums_valid(got + 14, len - 14);
    g_assert_cmpmem(got + 54, 300, f + 54, 300);
}

/*
 * A TSO packet of payload bytes in three buffers, cut at MSS 1000: each
 * segment's lengths, IP id, sequence number, flags (FIN and PSH only in the
 * last) and checksums.
 */
static void check_tso(size_t payload_len)
{
    enum { MSS = 1000, HDR = 54 };
    size_t nseg = DIV_ROUND_UP(payload_len, MSS), got_len;
    uint8_t f[HDR + 4000];
    size_t len = build_ipv4(f, true, payload_len, 0x1000, 0x19 /* FIN PSH ACK */);
    uint16_t seed = ref_csum(NULL, 0, PSEUDO_SUM(6, 0)); /* TSO: without the length */

    nic_start(E1000_RCTL_EN);
    f[50] = seed >> 8;
    f[51] = seed;
    gw(TX_BUF, f, len);
    context_desc(14, 24, 33, 34, 50, 0, payload_len,
                 E1000_TXD_TUCMD_TCP | E1000_TXD_TUCMD_IP | E1000_TXD_CMD_TSE, HDR, MSS);
    tx_add(TX_BUF,
           data_desc(HDR + 10, E1000_TXD_CMD_TSE, E1000_TXD_POPTS_IXSM | E1000_TXD_POPTS_TXSM));
    tx_add(TX_BUF + HDR + 10, data_desc(1500, E1000_TXD_CMD_TSE, 0));
    tx_add(
        TX_BUF + HDR + 1510,
        data_desc(payload_len - 1510, E1000_TXD_CMD_TSE | E1000_TXD_CMD_EOP | E1000_TXD_CMD_RS, 0));
    tx_go();

    g_assert_cmpuint(wire->frames->len, ==, nseg);
    for (unsigned i = 0; i < nseg; i++) {
        const uint8_t *g = frame(i, &got_len);
        size_t payload = MIN((size_t)MSS, payload_len - i * MSS);
        uint32_t seq = (g[38] << 24) | (g[39] << 16) | (g[40] << 8) | g[41];

        g_assert_cmpuint(got_len, ==, HDR + payload);
        g_assert_cmpuint((g[16] << 8) | g[17], ==, 40 + payload);
        g_assert_cmpuint((g[18] << 8) | g[19], ==, 0x4000 + i);
        g_assert_cmphex(seq, ==, 0x1000 + i * MSS);
        g_assert_cmphex(g[47], ==, i < nseg - 1 ? 0x10 : 0x19);
        assert_ipv4_checksums_valid(g + 14, got_len - 14);
        g_assert_cmpmem(g + HDR, payload, f + HDR + i * MSS, payload);
    }
    g_assert_cmpuint(rd(E1000_TDH), ==, 4);
    g_assert_cmphex(desc_byte(TX_RING, 3, 12) & E1000_TXD_STA_DD, ==, E1000_TXD_STA_DD);
}

static void test_tx_tso_cuts_segments(void)
{
    check_tso(2500);
    check_tso(3000); /* a whole number of segments */
}

static void test_tx_vlan_tag_inserted(void)
{
    uint8_t f[64];
    size_t got_len;

    nic_start(E1000_RCTL_EN);
    memset(f, 0x5a, sizeof(f));
    gw(TX_BUF, f, sizeof(f));
    wr(E1000_CTRL, rd(E1000_CTRL) | E1000_CTRL_VME);
    tx_add(TX_BUF, legacy(64, E1000_TXD_CMD_EOP | E1000_TXD_CMD_VLE) | (0x2123ull << 48));
    tx_go();
    const uint8_t *g = frame(0, &got_len);
    g_assert_cmpuint(got_len, ==, 68);
    g_assert_cmpmem(g, 12, f, 12);
    g_assert_cmphex((g[12] << 8) | g[13], ==, 0x8100);
    g_assert_cmphex((g[14] << 8) | g[15], ==, 0x2123);
    g_assert_cmpmem(g + 16, 52, f + 12, 52);
}

/* ---- receive ---- */

static size_t make_frame(uint8_t *f, const uint8_t *dst, size_t len)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
    f[12] = 0x08;
    f[13] = 0x00;
    for (size_t i = 14; i < len; i++) {
        f[i] = i * 7;
    }
    return len;
}

static bool rx_got(unsigned i)
{
    return desc_byte(RX_RING, i, 12) & E1000_RXD_STAT_DD;
}

static void test_rx_frame_with_fcs_and_padding(void)
{
    uint8_t f[64], buf[64];

    nic_start(E1000_RCTL_EN);
    wr(E1000_IMS, E1000_ICR_RXT0);
    g_assert_cmpint(wire_send(f, make_frame(f, our_mac, 42)), ==, 42);
    g_assert_true(rx_got(0));
    g_assert_cmphex(desc_byte(RX_RING, 0, 12), ==,
                    E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP | E1000_RXD_STAT_IXSM);
    /* Padded to 60 bytes, then the FCS (RCTL.SECRC clear). */
    g_assert_cmpuint(desc_word(RX_RING, 0, 8), ==, 64);
    gr(RX_BUF, buf, 64);
    g_assert_cmpmem(buf, 42, f, 42);
    for (int i = 42; i < 60; i++) {
        g_assert_cmpuint(buf[i], ==, 0);
    }
    uint32_t fcs = crc32(0, buf, 60);
    g_assert_cmphex(buf[60] | (buf[61] << 8) | (buf[62] << 16) | ((uint32_t)buf[63] << 24), ==,
                    fcs);
    g_assert_cmpuint(rd(E1000_RDH), ==, 1);
    g_assert_true(nic_irq());
    g_assert_cmphex(rd(E1000_ICR) & E1000_ICR_RXT0, ==, E1000_ICR_RXT0);
    g_assert_cmpuint(rd(E1000_GPRC), ==, 1);

    /* SECRC strips it. */
    nic_start(E1000_RCTL_EN | E1000_RCTL_SECRC);
    wire_send(f, make_frame(f, our_mac, 100));
    g_assert_cmpuint(desc_word(RX_RING, 0, 8), ==, 100);
}

static void test_rx_filters(void)
{
    static const uint8_t other[6] = {0x52, 0x54, 0x00, 0x99, 0x99, 0x99};
    static const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
    unsigned hash = ((mcast[5] << 8) | mcast[4]) >> 4 & 0xfff; /* RCTL.MO 0 */
    uint8_t f[100];
    unsigned n = 0;

    nic_start(E1000_RCTL_EN | E1000_RCTL_SECRC);
    wire_send(f, make_frame(f, other, 100));
    wire_send(f, make_frame(f, bcast, 100));
    wire_send(f, make_frame(f, mcast, 100));
    g_assert_false(rx_got(0));
    wire_send(f, make_frame(f, our_mac, 100));
    g_assert_true(rx_got(n++));

    wr(E1000_RCTL, rd(E1000_RCTL) | E1000_RCTL_BAM);
    wire_send(f, make_frame(f, bcast, 100));
    g_assert_true(rx_got(n++));

    wr(E1000_MTA + 4 * (hash >> 5), 1u << (hash & 31));
    wire_send(f, make_frame(f, mcast, 100));
    g_assert_true(rx_got(n++));
    wr(E1000_MTA + 4 * (hash >> 5), 0);
    wire_send(f, make_frame(f, mcast, 100));
    g_assert_false(rx_got(n));
    wr(E1000_RCTL, rd(E1000_RCTL) | E1000_RCTL_MPE);
    wire_send(f, make_frame(f, mcast, 100));
    g_assert_true(rx_got(n++));

    /* A second receive address, then unicast promiscuous. */
    wr(E1000_RAL0 + 8, other[0] | other[1] << 8 | other[2] << 16 | (uint32_t)other[3] << 24);
    wr(E1000_RAH0 + 8, other[4] | other[5] << 8 | E1000_RAH_AV);
    wire_send(f, make_frame(f, other, 100));
    g_assert_true(rx_got(n++));
    wr(E1000_RAH0 + 8, 0);
    wire_send(f, make_frame(f, other, 100));
    g_assert_false(rx_got(n));
    wr(E1000_RCTL, rd(E1000_RCTL) | E1000_RCTL_UPE);
    wire_send(f, make_frame(f, other, 100));
    g_assert_true(rx_got(n++));
    g_assert_cmpuint(rd(E1000_RDH), ==, n);
}

static void test_rx_spans_descriptors_of_bsize(void)
{
    uint8_t f[3000], buf[3000];

    nic_start(E1000_RCTL_EN | E1000_RCTL_SECRC | E1000_RCTL_LPE | (1u << E1000_RCTL_BSIZE_SHIFT));
    wire_send(f, make_frame(f, our_mac, 3000));
    for (unsigned i = 0; i < 3; i++) {
        g_assert_cmpuint(desc_word(RX_RING, i, 8), ==, i < 2 ? 1024 : 952);
        g_assert_cmphex(desc_byte(RX_RING, i, 12), ==,
                        E1000_RXD_STAT_DD | E1000_RXD_STAT_IXSM |
                            (i == 2 ? E1000_RXD_STAT_EOP : 0));
        gr(RX_BUF + i * RX_BUF_STRIDE, buf + i * 1024, desc_word(RX_RING, i, 8));
    }
    g_assert_cmpmem(buf, 3000, f, 3000);

    /* Without LPE a frame over 1514 bytes is dropped. */
    wr(E1000_RCTL, rd(E1000_RCTL) & ~E1000_RCTL_LPE);
    wire_send(f, make_frame(f, our_mac, 1515));
    g_assert_false(rx_got(3));
    g_assert_cmpuint(rd(E1000_ROC), ==, 1);
}

static void test_rx_waits_for_descriptors(void)
{
    uint8_t f[100];

    nic_start(E1000_RCTL_EN | E1000_RCTL_SECRC);
    wr(E1000_RDT, 1); /* one descriptor */
    wire_send(f, make_frame(f, our_mac, 100));
    g_assert_true(rx_got(0));
    f[20] = 0xee;
    wire_send(f, make_frame(f, our_mac, 100)); /* queued: the ring is full */
    g_assert_false(rx_got(1));
    wr(E1000_RDT, 3);
    g_assert_true(rx_got(1));
    g_assert_cmpuint(rd(E1000_RDH), ==, 2);
}

/* RCTL.RDMTS: RXDMT0 once the free descriptors fall to 1/2, 1/4 or 1/8 of the ring. */
static void test_rx_descriptor_minimum_threshold(void)
{
    uint8_t f[100];
    unsigned i;

    nic_start(E1000_RCTL_EN | E1000_RCTL_SECRC | 1u << E1000_RCTL_RDMTS_SHIFT); /* 1/4 */
    rd(E1000_ICR);
    /* RING - 1 descriptors free; the cause comes with the frame that leaves RING / 4. */
    for (i = 0; i < RING - 1 - RING / 4; i++) {
        g_assert_cmphex(rd(E1000_ICR) & E1000_ICR_RXDMT0, ==, 0);
        wire_send(f, make_frame(f, our_mac, 100));
        g_assert_true(rx_got(i));
    }
    g_assert_cmphex(rd(E1000_ICR) & E1000_ICR_RXDMT0, ==, E1000_ICR_RXDMT0);
}

/* Fill in the IPv4 header and TCP/UDP checksums of a build_ipv4() frame. */
static void fill_ipv4_checksums(uint8_t *f, size_t len)
{
    uint8_t *ip = f + 14, *l4 = ip + 20;
    unsigned csum_off = ip[9] == 6 ? 16 : 6;
    uint16_t sum;

    sum = ~ref_csum(ip, 20, 0);
    ip[10] = sum >> 8;
    ip[11] = sum;
    sum = ~ref_csum(l4, len - 34, PSEUDO_SUM(ip[9], len - 34));
    l4[csum_off] = sum >> 8;
    l4[csum_off + 1] = sum;
}

static uint8_t rx_status(unsigned i, uint8_t *errors)
{
    *errors = desc_byte(RX_RING, i, 13);
    return desc_byte(RX_RING, i, 12);
}

static void test_rx_checksum_offload(void)
{
    const uint8_t good =
        E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP | E1000_RXD_STAT_IPCS | E1000_RXD_STAT_TCPCS;
    uint8_t f[400], errors;
    size_t len;

    nic_start(E1000_RCTL_EN | E1000_RCTL_SECRC | E1000_RCTL_BAM);
    wr(E1000_RXCSUM, E1000_RXCSUM_IPOFLD | E1000_RXCSUM_TUOFLD);
    for (int tcp = 0; tcp < 2; tcp++) {
        len = build_ipv4(f, tcp, 200, 7, 0x10);
        fill_ipv4_checksums(f, len);
        wire_send(f, len);
        g_assert_cmphex(rx_status(rx_next, &errors), ==, good);
        g_assert_cmphex(errors, ==, 0);
        rx_next++;
        f[len - 1] ^= 1; /* payload */
        wire_send(f, len);
        g_assert_cmphex(rx_status(rx_next, &errors), ==, good);
        g_assert_cmphex(errors, ==, E1000_RXD_ERR_TCPE);
        rx_next++;
    }
    f[22] ^= 1; /* TTL: the header checksum breaks */
    wire_send(f, len);
    rx_status(rx_next++, &errors);
    g_assert_cmphex(errors, ==, E1000_RXD_ERR_IPE | E1000_RXD_ERR_TCPE);

    /* Offload off, or not IPv4: IXSM, "not checked". */
    wr(E1000_RXCSUM, 0);
    wire_send(f, len);
    g_assert_cmphex(rx_status(rx_next++, &errors), ==,
                    E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP | E1000_RXD_STAT_IXSM);
    g_assert_cmphex(errors, ==, 0);
}

static void test_rx_vlan_strip_and_filter(void)
{
    uint8_t f[100], buf[100];

    nic_start(E1000_RCTL_EN | E1000_RCTL_SECRC | E1000_RCTL_VFE);
    make_frame(f, our_mac, 100);
    f[12] = 0x81;
    f[13] = 0x00;
    f[14] = 0x00;
    f[15] = 0x05; /* VID 5 */
    wire_send(f, 100);
    g_assert_false(rx_got(0)); /* not in the VLAN filter table */
    wr(E1000_VFTA, 1u << 5);
    wr(E1000_CTRL, rd(E1000_CTRL) | E1000_CTRL_VME);
    wire_send(f, 100);
    g_assert_true(rx_got(0));
    g_assert_cmphex(desc_byte(RX_RING, 0, 12) & E1000_RXD_STAT_VP, ==, E1000_RXD_STAT_VP);
    g_assert_cmphex(desc_word(RX_RING, 0, 14), ==, 5);
    g_assert_cmpuint(desc_word(RX_RING, 0, 8), ==, 96);
    gr(RX_BUF, buf, 96);
    g_assert_cmpmem(buf, 12, f, 12);
    g_assert_cmpmem(buf + 12, 84, f + 16, 84);
}

/* ---- interrupts ---- */

static void test_icr_ims_imc_and_intx(void)
{
    nic_start(0);
    wr(E1000_ICS, E1000_ICR_SRPD);
    g_assert_false(nic_irq()); /* masked */
    wr(E1000_IMS, E1000_ICR_SRPD | E1000_ICR_LSC);
    g_assert_cmphex(rd(E1000_IMS), ==, E1000_ICR_SRPD | E1000_ICR_LSC);
    g_assert_true(nic_irq());
    wr(E1000_IMC, E1000_ICR_SRPD);
    g_assert_false(nic_irq());
    wr(E1000_IMS, E1000_ICR_SRPD);
    g_assert_true(nic_irq());
    g_assert_cmphex(rd(E1000_ICR), ==, E1000_ICR_SRPD);
    g_assert_false(nic_irq());
    g_assert_cmphex(rd(E1000_ICR), ==, 0);
    /* COMMAND.INTX_DISABLE masks the pin. */
    wr(E1000_ICS, E1000_ICR_LSC);
    pci_config_write(nic, PCI_COMMAND, 0x407, 2);
    g_assert_false(nic_irq());
    pci_config_write(nic, PCI_COMMAND, 0x007, 2);
    g_assert_true(nic_irq());
    rd(E1000_ICR);
}

static void test_rx_delay_timer_and_flush(void)
{
    uint8_t f[100];

    nic_start(E1000_RCTL_EN | E1000_RCTL_SECRC);
    wr(E1000_IMS, E1000_ICR_RXT0);
    wr(E1000_RDTR, 60000); /* ~61 ms */
    wire_send(f, make_frame(f, our_mac, 100));
    g_assert_true(rx_got(0));
    g_assert_false(nic_irq());
    wr(E1000_RDTR, 60000 | E1000_DELAY_FPD);
    g_assert_true(nic_irq());
    g_assert_cmphex(rd(E1000_ICR) & E1000_ICR_RXT0, ==, E1000_ICR_RXT0);
    wr(E1000_RDTR, 0);
}

static void test_itr_spaces_interrupts(void)
{
    nic_start(0);
    wr(E1000_ITR, 8000); /* ~2 ms */
    wr(E1000_IMS, E1000_ICR_SRPD);
    wr(E1000_ICS, E1000_ICR_SRPD);
    g_assert_true(nic_irq());
    rd(E1000_ICR);
    wr(E1000_ICS, E1000_ICR_SRPD);
    g_assert_false(nic_irq()); /* within the interval */
    g_usleep(5000);
    timers_run_expired();
    g_assert_true(nic_irq());
    rd(E1000_ICR);
    wr(E1000_ITR, 0);
}

/* ---- EEPROM, PHY, link ---- */

static uint16_t eerd(unsigned word)
{
    wr(E1000_EERD, (word << E1000_EERD_ADDR_SHIFT) | E1000_EERD_START);
    uint32_t v = rd(E1000_EERD);
    g_assert_true(v & E1000_EERD_DONE);
    return v >> E1000_EERD_DATA_SHIFT;
}

static void test_eeprom_mac_and_checksum(void)
{
    uint16_t sum = 0;

    for (unsigned i = 0; i < E1000_EEPROM_WORDS; i++) {
        sum += eerd(i);
    }
    g_assert_cmphex(sum, ==, E1000_EEPROM_SUM);
    for (unsigned i = 0; i < 3; i++) {
        g_assert_cmphex(eerd(i), ==, our_mac[2 * i] | (our_mac[2 * i + 1] << 8));
    }
}

static uint32_t mdic(uint32_t op, unsigned phy, unsigned reg, uint16_t data)
{
    wr(E1000_MDIC, op | (phy << E1000_MDIC_PHY_SHIFT) | (reg << E1000_MDIC_REG_SHIFT) | data);
    return rd(E1000_MDIC);
}

static void test_phy_and_link_state(void)
{
    uint32_t v;

    nic_start(0);
    v = mdic(E1000_MDIC_OP_READ, 1, E1000_PHY_ID1, 0);
    g_assert_cmphex(v & (E1000_MDIC_READY | E1000_MDIC_ERROR | 0xffff), ==,
                    E1000_MDIC_READY | 0x0141);
    g_assert_true(mdic(E1000_MDIC_OP_READ, 2, E1000_PHY_ID1, 0) & E1000_MDIC_ERROR);
    v = mdic(E1000_MDIC_OP_READ, 1, E1000_PHY_STATUS, 0) & 0xffff;
    g_assert_cmphex(v & 0x24, ==, 0x24);
    g_assert_true(rd(E1000_STATUS) & E1000_STATUS_LU);

    wr(E1000_IMS, E1000_ICR_LSC);
    net_client_set_link(&wire->nc, false);
    g_assert_true(nic_irq());
    g_assert_cmphex(rd(E1000_ICR) & E1000_ICR_LSC, ==, E1000_ICR_LSC);
    g_assert_false(rd(E1000_STATUS) & E1000_STATUS_LU);
    g_assert_cmphex(mdic(E1000_MDIC_OP_READ, 1, E1000_PHY_STATUS, 0) & 0x24, ==, 0);
    net_client_set_link(&wire->nc, true);
    g_assert_cmphex(rd(E1000_ICR) & E1000_ICR_LSC, ==, E1000_ICR_LSC);
    g_assert_true(rd(E1000_STATUS) & E1000_STATUS_LU);
    g_assert_cmphex(mdic(E1000_MDIC_OP_READ, 1, E1000_PHY_STATUS, 0) & 0x24, ==, 0x24);
}

static void test_io_window(void)
{
    uint32_t addr = GUINT32_TO_LE(E1000_STATUS), v;

    address_space_write(&address_space_io, IO_BASE + E1000_IOADDR, &addr, 4);
    address_space_read(&address_space_io, IO_BASE + E1000_IODATA, &v, 4);
    g_assert_cmphex(GUINT32_FROM_LE(v), ==, rd(E1000_STATUS));
}

/* ---- hostile guests ---- */

static uint16_t pci_status(void)
{
    return pci_config_read(nic, PCI_STATUS, 2);
}

static void test_hostile_rings(void)
{
    uint8_t f[60] = {0};

    nic_start(E1000_RCTL_EN);
    pci_config_write(nic, PCI_STATUS, PCI_STATUS_REC_MASTER_ABORT, 2);
    /* A buffer outside RAM: written back, nothing sent, a master abort. */
    tx_add(0x7f00000000ull, legacy(1500, E1000_TXD_CMD_EOP | E1000_TXD_CMD_RS));
    /* A buffer that wraps the address space; an absurd extended length. */
    tx_add(UINT64_MAX - 8, legacy(64, E1000_TXD_CMD_EOP | E1000_TXD_CMD_RS));
    tx_add(TX_BUF, data_desc(0xfffff, E1000_TXD_CMD_EOP | E1000_TXD_CMD_RS, 0));
    /* TSO with MSS 0 and a header longer than the data. */
    context_desc(14, 24, 33, 34, 50, 0, 0, E1000_TXD_TUCMD_TCP | E1000_TXD_CMD_TSE, 200, 0);
    tx_add(TX_BUF, data_desc(60, E1000_TXD_CMD_TSE | E1000_TXD_CMD_EOP, 3));
    context_desc(14, 24, 33, 34, 50, 0, 0, E1000_TXD_TUCMD_TCP | E1000_TXD_CMD_TSE, 200, 8);
    tx_add(TX_BUF, data_desc(60, E1000_TXD_CMD_TSE | E1000_TXD_CMD_EOP, 3));
    /* Checksum offsets beyond the packet. */
    context_desc(250, 255, 0, 250, 255, 0, 0, 0, 0, 0);
    tx_add(TX_BUF, data_desc(60, E1000_TXD_CMD_EOP, 3));
    tx_go();
    g_assert_cmpuint(rd(E1000_TDH), ==, tx_tail);
    g_assert_true(pci_status() & PCI_STATUS_REC_MASTER_ABORT);
    g_assert_cmphex(desc_byte(TX_RING, 0, 12) & E1000_TXD_STA_DD, ==, E1000_TXD_STA_DD);

    /* A tail beyond the ring is ignored; a ring running past RAM stops at its end. */
    wr(E1000_TDT, RING + 5);
    g_assert_cmpuint(rd(E1000_TDH), ==, tx_tail);
    wr(E1000_TDBAL, RAM_SIZE - 64);
    wr(E1000_TDLEN, 0xfff80);
    wr(E1000_TDH, 0);
    wr(E1000_TDT, 1000);
    g_assert_cmpuint(rd(E1000_TDH), ==, 4);

    /* Receive rings outside RAM and heads beyond the ring. */
    wr(E1000_RDBAL, RAM_SIZE - 32);
    wr(E1000_RDLEN, 0xfff80);
    wr(E1000_RDH, 0);
    wr(E1000_RDT, 500);
    wire_send(f, make_frame(f, our_mac, 60));
    wire_send(f, make_frame(f, our_mac, 60));
    wr(E1000_RDH, 0xffff);
    wire_send(f, make_frame(f, our_mac, 60));

    /* Bus mastering off: no DMA at all. */
    nic_start(E1000_RCTL_EN);
    pci_config_write(nic, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO, 2);
    gw(TX_BUF, f, 60);
    tx_add(TX_BUF, legacy(60, E1000_TXD_CMD_EOP | E1000_TXD_CMD_RS));
    tx_go();
    g_assert_cmpuint(wire->frames->len, ==, 0);
    g_assert_cmpint(wire_send(f, make_frame(f, our_mac, 60)), ==, 0); /* waits */
    g_assert_false(rx_got(0));
    pci_config_write(nic, PCI_COMMAND, 7, 2);
    g_assert_cmpuint(wire->frames->len, ==, 1);
    g_assert_true(rx_got(0));

    /* Still a working card after a reset. */
    nic_start(E1000_RCTL_EN);
    gw(TX_BUF, f, 60);
    tx_add(TX_BUF, legacy(60, E1000_TXD_CMD_EOP));
    tx_go();
    g_assert_cmpuint(wire->frames->len, ==, 1);
}

/*
 * A driver gone mad: random values in the ring registers, random descriptors
 * and random frames from the wire. Nothing may crash or touch memory outside
 * the test RAM (valgrind or ASan see that); afterwards a reset gives a
 * working card.
 */
static uint32_t plausible(GRand *r, uint32_t reg)
{
    switch (reg) {
    case E1000_RDBAL:
        return RX_RING;
    case E1000_TDBAL:
        return TX_RING;
    case E1000_RDBAH:
    case E1000_TDBAH:
        return 0;
    case E1000_RDLEN:
    case E1000_TDLEN:
        return RING * 16;
    case E1000_RDH:
    case E1000_RDT:
    case E1000_TDH:
    case E1000_TDT:
        return g_rand_int_range(r, 0, RING);
    case E1000_RCTL:
        return E1000_RCTL_EN | E1000_RCTL_UPE | (g_rand_int(r) & 0x06030020);
    case E1000_TCTL:
        return E1000_TCTL_EN;
    default:
        return g_rand_int(r) & ~E1000_CTRL_RST; /* a reset would clear the statistics */
    }
}

/* A random descriptor; its buffer mostly in RAM and not too long. */
static void random_desc(GRand *r, uint64_t ring)
{
    uint64_t lo = (uint64_t)g_rand_int(r) << 32 | g_rand_int(r);
    uint64_t hi = (uint64_t)g_rand_int(r) << 32 | g_rand_int(r);

    if (g_rand_int_range(r, 0, 4)) {
        lo %= RAM_SIZE;
        hi = (hi & ~0xfffffull) | g_rand_int_range(r, 0, 3000);
    }
    put_desc(ring + 16 * g_rand_int_range(r, 0, RING), lo, hi);
}

/*
 * A driver gone mad: random or merely plausible values in the ring registers,
 * random descriptors (contexts, TSO, legacy) and random frames from the wire.
 * Nothing may crash or touch memory outside the test RAM (run it under
 * valgrind or ASan to see that); afterwards a reset gives a working card.
 */
static void test_random_driver_then_reset(void)
{
    static const uint32_t regs[] = {E1000_RDBAL, E1000_RDBAH, E1000_RDLEN,  E1000_RDH,
                                    E1000_RDT,   E1000_TDBAL, E1000_TDBAH,  E1000_TDLEN,
                                    E1000_TDH,   E1000_TDT,   E1000_RCTL,   E1000_TCTL,
                                    E1000_CTRL,  E1000_VET,   E1000_RXCSUM, E1000_ITR};
    GRand *r = g_rand_new_with_seed(1000);
    uint8_t f[2000];
    unsigned sent, received;

    nic_start(E1000_RCTL_EN);
    for (int i = 0; i < 5000; i++) {
        uint32_t reg = regs[g_rand_int_range(r, 0, ARRAY_SIZE(regs))];
        bool wild = g_rand_int_range(r, 0, 8) == 0;

        random_desc(r, TX_RING);
        random_desc(r, RX_RING);
        wr(reg, wild ? g_rand_int(r) & ~E1000_CTRL_RST : plausible(r, reg));
        for (size_t j = 0; j < sizeof(f); j++) {
            f[j] = g_rand_int(r);
        }
        memcpy(f, our_mac, 6);
        wire_send(f, g_rand_int_range(r, 0, sizeof(f)));
        timers_run_expired();
    }
    g_rand_free(r);
    sent = rd(E1000_TPT);
    received = rd(E1000_TPR);
    g_test_message("random driver: %u frames sent, %u received", sent, received);
    g_assert_cmpuint(sent, >, 100);
    g_assert_cmpuint(received, >, 100);
    test_tx_legacy_frame_is_sent_and_written_back();
}

int main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    IrqLine *isa_irqs;
    BusState *bus;
    DeviceState *dev;

    g_test_init(&argc, &argv, NULL);
    memory_map_init();
    clock_virtual_start();
    g_assert_true(memory_region_init_ram(&ram, "ram", RAM_SIZE, &err));
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    isa_irqs = irq_allocate(isa_irq_handler, NULL, ISA_NUM_IRQS);
    bus = i440fx_init(isa_irqs, &err);
    g_assert_no_error(err);

    wire = (Capture *)net_client_new(&capture_info, NULL, "capture", "wire", &err);
    g_assert_nonnull(wire);
    wire->frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    dev = device_new(TYPE_E1000, &err);
    g_assert_nonnull(dev);
    g_assert_true(device_set_prop(dev, "mac", MAC, &err));
    g_assert_true(device_set_prop_link(dev, "netdev", &wire->nc, &err));
    g_assert_true(device_realize(dev, bus, &err));
    nic = (PCIDevice *)dev;
    pci_config_write(nic, PCI_BASE_ADDRESS_0, MMIO_BASE, 4);
    pci_config_write(nic, PCI_BASE_ADDRESS_0 + 4, IO_BASE | 1, 4);
    pci_config_write(nic, PCI_COMMAND, 7, 2);

    g_test_add_func("/e1000/tx/legacy-frame-is-sent-and-written-back",
                    test_tx_legacy_frame_is_sent_and_written_back);
    g_test_add_func("/e1000/tx/legacy-checksum-insertion", test_tx_legacy_checksum_insertion);
    g_test_add_func("/e1000/tx/context-checksum-offload", test_tx_context_checksum_offload);
    g_test_add_func("/e1000/tx/tso-cuts-segments", test_tx_tso_cuts_segments);
    g_test_add_func("/e1000/tx/vlan-tag-inserted", test_tx_vlan_tag_inserted);
    g_test_add_func("/e1000/rx/frame-with-fcs-and-padding", test_rx_frame_with_fcs_and_padding);
    g_test_add_func("/e1000/rx/filters", test_rx_filters);
    g_test_add_func("/e1000/rx/spans-descriptors-of-bsize", test_rx_spans_descriptors_of_bsize);
    g_test_add_func("/e1000/rx/waits-for-descriptors", test_rx_waits_for_descriptors);
    g_test_add_func("/e1000/rx/descriptor-minimum-threshold", test_rx_descriptor_minimum_threshold);
    g_test_add_func("/e1000/rx/vlan-strip-and-filter", test_rx_vlan_strip_and_filter);
    g_test_add_func("/e1000/rx/checksum-offload", test_rx_checksum_offload);
    g_test_add_func("/e1000/irq/icr-ims-imc-and-intx", test_icr_ims_imc_and_intx);
    g_test_add_func("/e1000/irq/rx-delay-timer-and-flush", test_rx_delay_timer_and_flush);
    g_test_add_func("/e1000/irq/itr-spaces-interrupts", test_itr_spaces_interrupts);
    g_test_add_func("/e1000/eeprom-mac-and-checksum", test_eeprom_mac_and_checksum);
    g_test_add_func("/e1000/phy-and-link-state", test_phy_and_link_state);
    g_test_add_func("/e1000/io-window", test_io_window);
    g_test_add_func("/e1000/hostile-rings", test_hostile_rings);
    g_test_add_func("/e1000/random-driver-then-reset", test_random_driver_then_reset);
    return g_test_run();
}
