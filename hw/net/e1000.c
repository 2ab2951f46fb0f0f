/*
 * Intel 82540EM Gigabit Ethernet controller ("e1000"), after the PCI/PCI-X
 * Family of Gigabit Ethernet Controllers Software Developer's Manual (8254x
 * SDM). BAR0 holds the registers (§13), BAR1 reaches them through IOADDR and
 * IODATA. The EEPROM speaks Microwire through EECD and answers EERD (§5);
 * the M88-style PHY at address 1 is reached through MDIC and reports a 1000
 * Mb/s full-duplex link with autonegotiation complete whenever the backend's
 * link is up.
 *
 * Transmit (§3.3-3.5) lives in e1000_tx.c. Receive (§3.2): one buffer size
 * for the ring from RCTL.BSIZE/BSEX, packets spanning several descriptors,
 * unicast (RAL/RAH), multicast table, promiscuous and broadcast filtering,
 * the VLAN filter and tag stripping, IPv4/TCP/UDP checksum checks.
 * Interrupts: ICR/ICS/IMS/IMC, the receive and transmit delay timers
 * (RDTR/RADV, TIDV/TADV) and the ITR throttle.
 *
 * A packet for which the ring has no room waits in the net core's queue
 * (can_receive, net_flush_queued) rather than being dropped with RXO.
 * All DMA goes to guest RAM only and only with PCI bus mastering on; a
 * descriptor or buffer elsewhere is a master abort (PCI STATUS bit 13).
 * Left out: flash, wake-up and manageability logic, flow control frames,
 * loopback modes, IPv6 receive checksums and EEPROM writes.
 */
#include "e1000_int.h"
#include "util/error.h"
#include "util/log.h"
#include <zlib.h>

/* ---- DMA ---- */

/* Bus-master access to guest RAM: false when bus mastering is off or any byte is not RAM. */
bool e1000_dma(E1000State *s, uint64_t addr, void *buf, size_t len, bool is_write)
{
    return pci_dma_rw(&s->parent, addr, buf, len, is_write) == PCI_DMA_OK;
}

/* ---- interrupts ---- */

static void e1000_update_irq(E1000State *s)
{
    bool level = (REG(s, E1000_ICR) & REG(s, E1000_IMS)) != 0;

    if (level && !s->irq_level) {
        int64_t now = clock_get_ns(QEMU_CLOCK_VIRTUAL);

        /* ITR (§13.4.18): at most one assertion per interval; the rest wait. */
        if (now < s->irq_next_ns) {
            timer_mod(&s->itr_timer, s->irq_next_ns);
            return;
        }
        s->irq_next_ns = now + (int64_t)(REG(s, E1000_ITR) & 0xffff) * E1000_ITR_UNIT_NS;
    }
    s->irq_level = level;
    pci_set_irq(&s->parent, level);
}

static void e1000_itr_expired(void *opaque)
{
    e1000_update_irq(opaque);
}

void e1000_set_ics(E1000State *s, uint32_t cause)
{
    REG(s, E1000_ICR) |= cause;
    e1000_update_irq(s);
}

void e1000_delay_cancel(E1000Delay *d)
{
    timer_del(&d->packet);
    timer_del(&d->absolute);
}

static void e1000_delay_fire(E1000Delay *d)
{
    e1000_delay_cancel(d);
    e1000_set_ics(d->s, d->cause);
}

static void e1000_delay_expired(void *opaque)
{
    e1000_delay_fire(opaque);
}

/*
 * An event that raises d->cause after the packet delay (restarted by every
 * event) or the absolute delay (started by the first), whichever ends first;
 * a packet delay of 0 raises it at once (§3.2.7, §3.4).
 */
void e1000_delay_event(E1000Delay *d)
{
    E1000State *s = d->s;
    uint32_t packet = REG(s, d->packet_reg) & 0xffff;
    uint32_t absolute = REG(s, d->absolute_reg) & 0xffff;
    int64_t now = clock_get_ns(QEMU_CLOCK_VIRTUAL);

    if (!packet) {
        e1000_delay_fire(d);
        return;
    }
    timer_mod(&d->packet, now + (int64_t)packet * E1000_PKT_DELAY_NS);
    if (absolute && !timer_pending(&d->absolute)) {
        timer_mod(&d->absolute, now + (int64_t)absolute * E1000_PKT_DELAY_NS);
    }
}

static void e1000_delay_init(E1000State *s, E1000Delay *d, uint32_t packet_reg,
                             uint32_t absolute_reg, uint32_t cause)
{
    *d = (E1000Delay){
        .s = s, .packet_reg = packet_reg, .absolute_reg = absolute_reg, .cause = cause};
    timer_init(&d->packet, QEMU_CLOCK_VIRTUAL, e1000_delay_expired, d);
    timer_init(&d->absolute, QEMU_CLOCK_VIRTUAL, e1000_delay_expired, d);
}

/* Write to RDTR or TIDV: FPD fires what is pending now. */
static void e1000_delay_reg_write(E1000Delay *d, uint32_t val)
{
    REG(d->s, d->packet_reg) = val & 0xffff;
    if ((val & E1000_DELAY_FPD) && (timer_pending(&d->packet) || timer_pending(&d->absolute))) {
        e1000_delay_fire(d);
    }
}

/* ---- statistics (§13.7): clear on read, 64-bit octet counters cleared by their high half ---- */

typedef struct E1000StatRegs {
    uint32_t total, good, octets_good, octets_total, broadcast, multicast;
} E1000StatRegs;

static const E1000StatRegs e1000_rx_stats = {E1000_TPR,  E1000_GPRC, E1000_GORCL,
                                             E1000_TORL, E1000_BPRC, E1000_MPRC};
static const E1000StatRegs e1000_tx_stats = {E1000_TPT,  E1000_GPTC, E1000_GOTCL,
                                             E1000_TOTL, E1000_BPTC, E1000_MPTC};

void e1000_stat_inc(E1000State *s, uint32_t reg)
{
    if (REG(s, reg) != UINT32_MAX) {
        REG(s, reg)++;
    }
}

static void e1000_stat_add64(E1000State *s, uint32_t low, uint64_t n)
{
    uint64_t v = REG(s, low) | ((uint64_t)REG(s, low + 4) << 32);

    v += n;
    REG(s, low) = v;
    REG(s, low + 4) = v >> 32;
}

/* A frame of len bytes (without FCS) went out or came in. */
void e1000_count_frame(E1000State *s, bool tx, const uint8_t *frame, size_t len)
{
    const E1000StatRegs *r = tx ? &e1000_tx_stats : &e1000_rx_stats;
    static const uint8_t bcast[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

    e1000_stat_inc(s, r->total);
    e1000_stat_inc(s, r->good);
    e1000_stat_add64(s, r->octets_good, len + ETH_FCS_LEN);
    e1000_stat_add64(s, r->octets_total, len + ETH_FCS_LEN);
    if (memcmp(frame, bcast, ETH_ALEN) == 0) {
        e1000_stat_inc(s, r->broadcast);
    } else if (frame[0] & 1) {
        e1000_stat_inc(s, r->multicast);
    }
}

static bool e1000_is_stat_high_half(uint32_t off)
{
    return off == E1000_GORCH || off == E1000_GOTCH || off == E1000_TORH || off == E1000_TOTH;
}

static bool e1000_is_stat_low_half(uint32_t off)
{
    return e1000_is_stat_high_half(off + 4);
}

static uint32_t e1000_stat_read(E1000State *s, uint32_t off)
{
    uint32_t v = REG(s, off);

    if (e1000_is_stat_high_half(off)) {
        REG(s, off - 4) = 0;
    }
    if (!e1000_is_stat_low_half(off)) {
        REG(s, off) = 0;
    }
    return v;
}

/* ---- link and PHY ---- */

static bool e1000_link_up(E1000State *s)
{
    return s->nic && !s->nic->nc.link_down;
}

/* What the PHY shows with the link up; the link bits go when it is down. */
static const uint16_t e1000_phy_reset_values[E1000_PHY_REGS] = {
    [E1000_PHY_CTRL] = 0x1140, /* autoneg on, full duplex, 1000 Mb/s */
    [E1000_PHY_STATUS] = 0x7949 | E1000_PHY_STATUS_LINK | E1000_PHY_STATUS_AUTONEG_DONE,
    [E1000_PHY_ID1] = 0x0141,
    [E1000_PHY_ID2] = 0x0c20,
    [E1000_PHY_AUTONEG_ADV] = 0x01e1,
    [E1000_PHY_LP_ABILITY] = 0x41e1, /* link partner: 10/100 both duplexes, acknowledged */
    [E1000_PHY_AUTONEG_EXP] = 0x0001,
    [E1000_PHY_1000T_CTRL] = 0x0300,
    [E1000_PHY_1000T_STATUS] = 0x3c00, /* receivers OK, partner 1000 both duplexes */
    [E1000_PHY_EXT_STATUS] = 0x3000,
    [E1000_PHY_SPEC_CTRL] = 0x0068,
    [E1000_PHY_SPEC_STATUS] = 0xac00 | E1000_PHY_SPEC_STATUS_LINK, /* 1000, full, resolved */
    [E1000_PHY_EXT_SPEC_CTRL] = 0x0c60,
};

/* Read-only PHY registers; the others keep what the driver writes. */
static bool e1000_phy_reg_read_only(unsigned reg)
{
    switch (reg) {
    case E1000_PHY_STATUS:
    case E1000_PHY_ID1:
    case E1000_PHY_ID2:
    case E1000_PHY_LP_ABILITY:
    case E1000_PHY_AUTONEG_EXP:
    case E1000_PHY_1000T_STATUS:
    case E1000_PHY_EXT_STATUS:
    case E1000_PHY_SPEC_STATUS:
    case E1000_PHY_INT_STATUS:
    case E1000_PHY_RX_ERR_CNTR:
        return true;
    default:
        return false;
    }
}

static void e1000_update_link_bits(E1000State *s)
{
    bool up = e1000_link_up(s);
    uint16_t phy_link = E1000_PHY_STATUS_LINK | E1000_PHY_STATUS_AUTONEG_DONE;

    if (up) {
        REG(s, E1000_STATUS) |= E1000_STATUS_LU;
        s->phy[E1000_PHY_STATUS] |= phy_link;
        s->phy[E1000_PHY_SPEC_STATUS] |= E1000_PHY_SPEC_STATUS_LINK;
    } else {
        REG(s, E1000_STATUS) &= ~E1000_STATUS_LU;
        s->phy[E1000_PHY_STATUS] &= ~phy_link;
        s->phy[E1000_PHY_SPEC_STATUS] &= ~E1000_PHY_SPEC_STATUS_LINK;
    }
}

static void e1000_phy_reset(E1000State *s)
{
    memcpy(s->phy, e1000_phy_reset_values, sizeof(s->phy));
    e1000_update_link_bits(s);
}

static void e1000_phy_write(E1000State *s, unsigned reg, uint16_t val)
{
    if (e1000_phy_reg_read_only(reg)) {
        return;
    }
    if (reg == E1000_PHY_CTRL && (val & E1000_PHY_CTRL_RESET)) {
        e1000_phy_reset(s);
        return;
    }
    /* Reset and restart-autonegotiation clear themselves; negotiation is instant. */
    if (reg == E1000_PHY_CTRL) {
        val &= ~(E1000_PHY_CTRL_RESET | E1000_PHY_CTRL_RESTART_AUTONEG);
    }
    s->phy[reg] = val;
}

/* MDIC (§13.4.9): one PHY register access, complete at once. */
static void e1000_mdic_write(E1000State *s, uint32_t val)
{
    unsigned phy = (val >> E1000_MDIC_PHY_SHIFT) & 0x1f;
    unsigned reg = (val >> E1000_MDIC_REG_SHIFT) & 0x1f;
    uint32_t op = val & (E1000_MDIC_OP_READ | E1000_MDIC_OP_WRITE);
    uint32_t data = val & E1000_MDIC_DATA_MASK;
    uint32_t result = val & ~(E1000_MDIC_DATA_MASK | E1000_MDIC_ERROR);

    if (phy != E1000_PHY_ADDR || (op != E1000_MDIC_OP_READ && op != E1000_MDIC_OP_WRITE)) {
        result |= E1000_MDIC_ERROR;
    } else if (op == E1000_MDIC_OP_READ) {
        data = s->phy[reg];
    } else {
        e1000_phy_write(s, reg, data);
    }
    REG(s, E1000_MDIC) = result | data | E1000_MDIC_READY;
    if (val & E1000_MDIC_INT_EN) {
        e1000_set_ics(s, E1000_ICR_MDAC);
    }
}

static void e1000_link_status_changed(NetClient *nc)
{
    E1000State *s = ((NICState *)nc)->opaque;

    e1000_update_link_bits(s);
    e1000_set_ics(s, E1000_ICR_LSC);
}

/* ---- EEPROM (§5) ---- */

enum {
    EEPROM_INIT_CTRL1 = 0x0a,
    EEPROM_SUBSYSTEM_ID = 0x0b,
    EEPROM_SUBSYSTEM_VENDOR = 0x0c,
    EEPROM_DEVICE_ID = 0x0d,
    EEPROM_VENDOR_ID = 0x0e,
    EEPROM_ID_LED = 0x04,
};
#define EEPROM_INIT_CTRL1_SIGNATURE 0x4000 /* bits 15:14 = 01b: the image is valid */

static void e1000_eeprom_init(E1000State *s)
{
    const uint8_t *mac = s->conf.macaddr.a;
    uint16_t sum = 0;

    memset(s->eeprom, 0, sizeof(s->eeprom));
    for (int i = 0; i < 3; i++) {
        s->eeprom[i] = mac[2 * i] | (mac[2 * i + 1] << 8);
    }
    s->eeprom[EEPROM_ID_LED] = 0xffff; /* drivers take their default LED setup */
    s->eeprom[EEPROM_INIT_CTRL1] = EEPROM_INIT_CTRL1_SIGNATURE;
    s->eeprom[EEPROM_SUBSYSTEM_ID] = pci_get_word(s->parent.config + PCI_SUBSYSTEM_ID);
    s->eeprom[EEPROM_SUBSYSTEM_VENDOR] = pci_get_word(s->parent.config + PCI_SUBSYSTEM_VENDOR_ID);
    s->eeprom[EEPROM_DEVICE_ID] = E1000_DEVICE_ID_82540EM;
    s->eeprom[EEPROM_VENDOR_ID] = E1000_VENDOR_ID;
    for (int i = 0; i < E1000_EEPROM_CHECKSUM_WORD; i++) {
        sum += s->eeprom[i];
    }
    s->eeprom[E1000_EEPROM_CHECKSUM_WORD] = E1000_EEPROM_SUM - sum;
}

static void e1000_microwire_reset(E1000State *s)
{
    s->ee.in = 0;
    s->ee.in_bits = 0;
    s->ee.reading = false;
}

/*
 * One rising SK edge with CS high (93C46 protocol): while receiving, take DI
 * (leading zeros before the start bit do not count); after the start bit,
 * 2 opcode bits and 6 address bits a READ answers a dummy 0 on DO, then
 * the words from that address on, bit 15 first.
 */
static void e1000_microwire_clock(E1000State *s, bool di)
{
    if (s->ee.reading) {
        if (s->ee.out_bit == 0) {
            s->ee.out_bit = 16;
            s->ee.addr = (s->ee.addr + 1) % E1000_EEPROM_WORDS;
        }
        s->ee.out_bit--;
        return;
    }
    if (s->ee.in_bits == 0 && !di) {
        return;
    }
    s->ee.in = (s->ee.in << 1) | di;
    if (++s->ee.in_bits < 9) {
        return;
    }
    if ((s->ee.in >> 6) == E1000_EEPROM_READ_OPCODE) {
        s->ee.reading = true;
        s->ee.addr = s->ee.in & 0x3f;
        s->ee.out_bit = 16;
    } else {
        log_mask_printf(LOG_UNIMP, "e1000: EEPROM command 0x%x ignored (read only)\n", s->ee.in);
        e1000_microwire_reset(s);
    }
}

static bool e1000_microwire_do(E1000State *s)
{
    if (!s->ee.reading || s->ee.out_bit >= 16) {
        return false; /* idle, or the dummy bit */
    }
    return (s->eeprom[s->ee.addr] >> s->ee.out_bit) & 1;
}

static void e1000_eecd_write(E1000State *s, uint32_t val)
{
    uint32_t old = s->ee.eecd;

    s->ee.eecd = val & (E1000_EECD_SK | E1000_EECD_CS | E1000_EECD_DI | E1000_EECD_FWE_MASK |
                        E1000_EECD_REQ);
    if (!(val & E1000_EECD_CS)) {
        e1000_microwire_reset(s);
    } else if ((val & E1000_EECD_SK) && !(old & E1000_EECD_SK)) {
        e1000_microwire_clock(s, val & E1000_EECD_DI);
    }
}

static uint32_t e1000_eecd_read(E1000State *s)
{
    uint32_t v = s->ee.eecd | E1000_EECD_PRES;

    if (v & E1000_EECD_REQ) {
        v |= E1000_EECD_GNT; /* no other agent wants the EEPROM */
    }
    if (e1000_microwire_do(s)) {
        v |= E1000_EECD_DO;
    }
    return v;
}

/* EERD (§13.4.4): a whole word in one go. */
static void e1000_eerd_write(E1000State *s, uint32_t val)
{
    unsigned addr = (val >> E1000_EERD_ADDR_SHIFT) & 0xff;
    uint32_t data;

    if (!(val & E1000_EERD_START)) {
        REG(s, E1000_EERD) = val & (0xffu << E1000_EERD_ADDR_SHIFT);
        return;
    }
    data = addr < E1000_EEPROM_WORDS ? s->eeprom[addr] : 0;
    REG(s, E1000_EERD) =
        (data << E1000_EERD_DATA_SHIFT) | (addr << E1000_EERD_ADDR_SHIFT) | E1000_EERD_DONE;
}

/* ---- receive ---- */

/* Descriptors the driver has given us: from RDH up to, not including, RDT. */
static unsigned e1000_rx_free(E1000State *s)
{
    unsigned n = e1000_ring_size(s, E1000_RDLEN);
    unsigned head = REG(s, E1000_RDH), tail = REG(s, E1000_RDT);

    if (!n || head >= n || tail >= n) {
        return 0;
    }
    return (tail + n - head) % n;
}

static size_t e1000_rx_buf_size(uint32_t rctl)
{
    static const size_t normal[4] = {2048, 1024, 512, 256};
    static const size_t extended[4] = {2048, 16384, 8192, 4096}; /* 00b is reserved */
    unsigned bsize = (rctl >> E1000_RCTL_BSIZE_SHIFT) & 3;

    return (rctl & E1000_RCTL_BSEX) ? extended[bsize] : normal[bsize];
}

static bool e1000_rx_ready(E1000State *s)
{
    return (REG(s, E1000_RCTL) & E1000_RCTL_EN) && e1000_link_up(s) &&
           pci_bus_master_enabled(&s->parent);
}

static bool e1000_can_receive(NetClient *nc)
{
    E1000State *s = ((NICState *)nc)->opaque;

    return e1000_rx_ready(s) && e1000_rx_free(s) > 0;
}

static bool e1000_is_vlan(E1000State *s, const uint8_t *frame, size_t len)
{
    return len >= ETH_HLEN + VLAN_HLEN && get_be16(frame + 12) == (REG(s, E1000_VET) & 0xffff);
}

static bool e1000_ra_match(E1000State *s, const uint8_t *mac)
{
    for (int i = 0; i < E1000_RA_ENTRIES; i++) {
        uint32_t ral = REG(s, E1000_RAL0 + 8 * i), rah = REG(s, E1000_RAH0 + 8 * i);
        uint8_t ra[ETH_ALEN] = {ral, ral >> 8, ral >> 16, ral >> 24, rah, rah >> 8};

        if ((rah & E1000_RAH_AV) && memcmp(ra, mac, ETH_ALEN) == 0) {
            return true;
        }
    }
    return false;
}

/* The multicast table: 12 bits of the address picked by RCTL.MO (§13.4.22, MTA). */
static bool e1000_mta_match(E1000State *s, const uint8_t *mac)
{
    static const unsigned shift[4] = {4, 3, 2, 0};
    unsigned mo = (REG(s, E1000_RCTL) >> E1000_RCTL_MO_SHIFT) & 3;
    unsigned hash = (((mac[5] << 8) | mac[4]) >> shift[mo]) & 0xfff;

    return REG(s, E1000_MTA + 4 * (hash >> 5)) & (1u << (hash & 31));
}

static bool e1000_vlan_filter_pass(E1000State *s, const uint8_t *frame, size_t len)
{
    unsigned vid;

    if (!(REG(s, E1000_RCTL) & E1000_RCTL_VFE) || !e1000_is_vlan(s, frame, len)) {
        return true;
    }
    vid = get_be16(frame + 14) & 0xfff;
    return REG(s, E1000_VFTA + 4 * (vid >> 5)) & (1u << (vid & 31));
}

static bool e1000_rx_filter(E1000State *s, const uint8_t *frame, size_t len)
{
    static const uint8_t bcast[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint32_t rctl = REG(s, E1000_RCTL);

    if (len < ETH_HLEN || !e1000_vlan_filter_pass(s, frame, len)) {
        return false;
    }
    if (memcmp(frame, bcast, ETH_ALEN) == 0) {
        return rctl & E1000_RCTL_BAM;
    }
    if (frame[0] & 1) {
        return (rctl & E1000_RCTL_MPE) || e1000_ra_match(s, frame) || e1000_mta_match(s, frame);
    }
    return (rctl & E1000_RCTL_UPE) || e1000_ra_match(s, frame);
}

static bool e1000_rx_too_long(E1000State *s, const uint8_t *frame, size_t len)
{
    size_t max = E1000_MAX_STD_FRAME + (e1000_is_vlan(s, frame, len) ? VLAN_HLEN : 0);

    if (REG(s, E1000_RCTL) & E1000_RCTL_LPE) {
        max = E1000_MAX_RX_FRAME - ETH_FCS_LEN;
    }
    return len > max;
}

/* Put len bytes into the next descriptors' buffers and write them back (§3.2.3). */
static void e1000_rx_store(E1000State *s, size_t len, uint8_t status, uint8_t errors,
                           uint16_t special)
{
    size_t buf_size = e1000_rx_buf_size(REG(s, E1000_RCTL)), off = 0;
    unsigned n = e1000_ring_size(s, E1000_RDLEN);
    uint64_t base = e1000_ring_base(s, E1000_RDBAL);

    while (off < len) {
        uint64_t desc_addr = base + (uint64_t)REG(s, E1000_RDH) * E1000_DESC_SIZE;
        size_t chunk = MIN(buf_size, len - off);
        uint8_t desc[E1000_DESC_SIZE];

        if (!e1000_dma(s, desc_addr, desc, sizeof(desc), false)) {
            return;
        }
        e1000_dma(s, pci_get_quad(desc), s->rx_frame + off, chunk, true);
        off += chunk;
        pci_set_word(desc + 8, chunk);
        pci_set_word(desc + 10, 0);
        desc[12] = E1000_RXD_STAT_DD | status | (off == len ? E1000_RXD_STAT_EOP : 0);
        desc[13] = errors;
        pci_set_word(desc + 14, special);
        e1000_dma(s, desc_addr + 8, desc + 8, 8, true);
        REG(s, E1000_RDH) = (REG(s, E1000_RDH) + 1) % n;
    }
}

/*
 * Receive checksum offload (§3.2.9): for an IPv4 frame, the header checksum
 * (RXCSUM.IPOFLD) and, unless it is a fragment, the TCP or UDP checksum
 * (TUOFLD) are checked; anything else gets IXSM, "not checked".
 */
static uint8_t e1000_rx_csum(E1000State *s, const uint8_t *f, size_t len, uint8_t *errors)
{
    uint32_t rxcsum = REG(s, E1000_RXCSUM);
    size_t l3 = e1000_is_vlan(s, f, len) ? ETH_HLEN + VLAN_HLEN : ETH_HLEN;
    const uint8_t *ip = f + l3, *l4;
    size_t ihl, total, l4_len;
    uint8_t status = 0;

    if (!(rxcsum & (E1000_RXCSUM_IPOFLD | E1000_RXCSUM_TUOFLD)) || len < l3 + 20 ||
        get_be16(f + l3 - 2) != 0x0800 || (ip[0] >> 4) != 4) {
        return E1000_RXD_STAT_IXSM;
    }
    ihl = (ip[0] & 15) * 4;
    total = get_be16(ip + 2);
    if (ihl < 20 || total < ihl || l3 + total > len) {
        return E1000_RXD_STAT_IXSM;
    }
    if (rxcsum & E1000_RXCSUM_IPOFLD) {
        status |= E1000_RXD_STAT_IPCS;
        if (net_checksum_fold(net_checksum_add(0, ip, ihl)) != 0xffff) {
            *errors |= E1000_RXD_ERR_IPE;
        }
    }
    l4 = ip + ihl;
    l4_len = total - ihl;
    if (!(rxcsum & E1000_RXCSUM_TUOFLD) || (get_be16(ip + 6) & 0x3fff) ||
        !((ip[9] == 6 && l4_len >= 20) || (ip[9] == 17 && l4_len >= 8 && get_be16(l4 + 6)))) {
        return status; /* a fragment, another protocol, or UDP without a checksum */
    }
    status |= E1000_RXD_STAT_TCPCS;
    if (net_checksum_fold(
            net_checksum_add(net_checksum_add(ip[9] + l4_len, ip + 12, 8), l4, l4_len)) != 0xffff) {
        *errors |= E1000_RXD_ERR_TCPE;
    }
    return status;
}

static void e1000_rx_interrupts(E1000State *s)
{
    unsigned n = e1000_ring_size(s, E1000_RDLEN);
    unsigned rdmts = (REG(s, E1000_RCTL) >> E1000_RCTL_RDMTS_SHIFT) & 3;

    /* RDMTS: 1/2, 1/4 or 1/8 of the ring left. */
    if (rdmts < 3 && e1000_rx_free(s) <= n >> (rdmts + 1)) {
        e1000_set_ics(s, E1000_ICR_RXDMT0);
    }
    e1000_delay_event(&s->rx_delay);
}

static ssize_t e1000_receive(NetClient *nc, const uint8_t *buf, size_t size)
{
    E1000State *s = ((NICState *)nc)->opaque;
    size_t len = MAX(size, (size_t)ETH_ZLEN), need;
    uint8_t status = 0, errors = 0;
    uint16_t special = 0;

    /* The net core asked e1000_can_receive just now. */
    if (e1000_rx_too_long(s, buf, size)) {
        e1000_stat_inc(s, E1000_ROC);
        return size;
    }
    if (!e1000_rx_filter(s, buf, size)) {
        return size;
    }
    memcpy(s->rx_frame, buf, size);
    memset(s->rx_frame + size, 0, len - size);
    if ((REG(s, E1000_CTRL) & E1000_CTRL_VME) && e1000_is_vlan(s, s->rx_frame, len)) {
        special = get_be16(s->rx_frame + 14);
        status |= E1000_RXD_STAT_VP;
        memmove(s->rx_frame + 12, s->rx_frame + 16, len - 16);
        len -= VLAN_HLEN;
    }
    status |= e1000_rx_csum(s, s->rx_frame, len, &errors);
    if (!(REG(s, E1000_RCTL) & E1000_RCTL_SECRC)) {
        uint32_t fcs = crc32(0, s->rx_frame, len);

        for (int i = 0; i < ETH_FCS_LEN; i++) {
            s->rx_frame[len++] = fcs >> (8 * i);
        }
    }
    need = DIV_ROUND_UP(len, e1000_rx_buf_size(REG(s, E1000_RCTL)));
    if (need >= e1000_ring_size(s, E1000_RDLEN)) {
        e1000_stat_inc(s, E1000_MPC); /* can never fit */
        return size;
    }
    if (need > e1000_rx_free(s)) {
        e1000_stat_inc(s, E1000_RNBC);
        return 0; /* wait for more descriptors */
    }
    e1000_rx_store(s, len, status, errors, special);
    e1000_count_frame(s, false, buf, size);
    e1000_rx_interrupts(s);
    return size;
}

static void e1000_rx_flush(E1000State *s)
{
    if (s->nic && e1000_rx_ready(s)) {
        net_flush_queued(&s->nic->nc);
    }
}

/* ---- registers ---- */

/* Registers that only store what the driver writes (bits outside wmask read 0). */
typedef struct E1000PlainReg {
    uint32_t offset;
    uint32_t count;
    uint32_t wmask;
} E1000PlainReg;

static const E1000PlainReg e1000_plain_regs[] = {
    {E1000_CTRL, 1, ~(E1000_CTRL_RST | E1000_CTRL_PHY_RST | 0x8u)},
    {E1000_CTRL_EXT, 1, ~0u},
    {E1000_FLA, 1, ~0u},
    {E1000_FCAL, 1, ~0u},
    {E1000_FCAH, 1, 0xffff},
    {E1000_FCT, 1, 0xffff},
    {E1000_VET, 1, 0xffff},
    {E1000_ITR, 1, 0xffff},
    {E1000_RCTL, 1, 0x07ffb3fe},
    {E1000_FCTTV, 1, 0xffff},
    {E1000_TXCW, 1, ~0u},
    {E1000_RXCW, 1, ~0u},
    {E1000_TCTL, 1, ~0u},
    {E1000_TIPG, 1, ~0u},
    {E1000_AIFS, 1, 0xffff},
    {E1000_LEDCTL, 1, ~0u},
    {E1000_PBA, 1, 0xffff},
    {E1000_FCRTL, 1, 0x8000fff8},
    {E1000_FCRTH, 1, 0xfff8},
    {E1000_RDBAL, 1, 0xfffffff0},
    {E1000_RDBAH, 1, ~0u},
    {E1000_RDLEN, 1, 0xfff80},
    {E1000_RDH, 1, 0xffff},
    {E1000_RDT, 1, 0xffff},
    {E1000_RXDCTL, 1, ~0u},
    {E1000_RADV, 1, 0xffff},
    {E1000_RSRPD, 1, 0xfff},
    {E1000_TXDMAC, 1, 1},
    {E1000_TDBAL, 1, 0xfffffff0},
    {E1000_TDBAH, 1, ~0u},
    {E1000_TDLEN, 1, 0xfff80},
    {E1000_TDH, 1, 0xffff},
    {E1000_TDT, 1, 0xffff},
    {E1000_TXDCTL, 1, ~0u},
    {E1000_TADV, 1, 0xffff},
    {E1000_TSPMT, 1, ~0u},
    {E1000_RXCSUM, 1, 0x7ff},
    {E1000_MTA, E1000_MTA_ENTRIES, ~0u},
    {E1000_RAL0, 2 * E1000_RA_ENTRIES, ~0u},
    {E1000_VFTA, E1000_VFTA_ENTRIES, ~0u},
    {E1000_WUC, 1, ~0u},
    {E1000_WUFC, 1, ~0u},
    {E1000_WUS, 1, ~0u},
    {E1000_MANC, 1, ~0u},
    {E1000_IPAV, 1, ~0u},
    {E1000_IP4AT, 8, ~0u},
    {E1000_IP6AT, 4, ~0u},
    {E1000_WUPL, 1, 0xfff},
    {E1000_WUPM, 32, ~0u},
    {E1000_FFLT, 8, ~0u},
    {E1000_FFMT, 256, ~0u},
    {E1000_FFVT, 256, ~0u},
};

static const E1000PlainReg *e1000_find_plain_reg(uint32_t off)
{
    for (size_t i = 0; i < ARRAY_SIZE(e1000_plain_regs); i++) {
        const E1000PlainReg *r = &e1000_plain_regs[i];
        if (off >= r->offset && off < r->offset + 4 * r->count) {
            return r;
        }
    }
    return NULL;
}

static bool e1000_is_stat(uint32_t off)
{
    return off >= E1000_STATS_FIRST && off <= E1000_STATS_LAST;
}

static void e1000_reset_regs(E1000State *s)
{
    const uint8_t *mac = s->conf.macaddr.a;

    memset(s->regs, 0, sizeof(s->regs));
    REG(s, E1000_CTRL) = E1000_CTRL_FD | E1000_CTRL_ASDE | E1000_CTRL_SLU | E1000_CTRL_SPD_1000;
    REG(s, E1000_STATUS) = E1000_STATUS_FD | E1000_STATUS_SPEED_1000 | E1000_STATUS_ASDV_1000;
    REG(s, E1000_VET) = 0x8100;
    REG(s, E1000_LEDCTL) = 0x07068302;
    REG(s, E1000_PBA) = 0x00100030; /* 48 KiB receive, 16 KiB transmit */
    REG(s, E1000_RXCSUM) = 0x300;
    /* The EEPROM's address is loaded into the first receive address (§5.6.1). */
    REG(s, E1000_RAL0) = mac[0] | (mac[1] << 8) | (mac[2] << 16) | ((uint32_t)mac[3] << 24);
    REG(s, E1000_RAH0) = mac[4] | (mac[5] << 8) | E1000_RAH_AV;
    s->ioaddr = 0;
    s->ee.eecd = 0;
    e1000_microwire_reset(s);
    e1000_phy_reset(s);
}

static void e1000_soft_reset(E1000State *s)
{
    timer_del(&s->itr_timer);
    e1000_delay_cancel(&s->rx_delay);
    e1000_delay_cancel(&s->tx_delay);
    e1000_tx_reset(s);
    s->irq_next_ns = 0;
    if (s->nic) {
        net_purge_queued(&s->nic->nc);
    }
    e1000_reset_regs(s);
    e1000_update_irq(s);
}

static void e1000_ra0_changed(E1000State *s)
{
    uint32_t ral = REG(s, E1000_RAL0), rah = REG(s, E1000_RAH0);
    MACAddr mac = {{ral, ral >> 8, ral >> 16, ral >> 24, rah, rah >> 8}};

    if (s->nic) {
        net_nic_update_info_str(s->nic, &mac);
    }
}

static void e1000_plain_write(E1000State *s, uint32_t off, uint32_t val)
{
    const E1000PlainReg *r = e1000_find_plain_reg(off);

    if (!r) {
        log_mask_printf(LOG_UNIMP, "e1000: write 0x%x to unknown register 0x%x\n", val, off);
        return;
    }
    REG(s, off) = val & r->wmask;
}

static void e1000_reg_write(E1000State *s, uint32_t off, uint32_t val)
{
    switch (off) {
    case E1000_CTRL:
        if (val & E1000_CTRL_RST) {
            e1000_soft_reset(s);
            return;
        }
        if (val & E1000_CTRL_PHY_RST) {
            e1000_phy_reset(s);
        }
        break;
    case E1000_STATUS:
        return; /* read only */
    case E1000_EECD:
        e1000_eecd_write(s, val);
        return;
    case E1000_EERD:
        e1000_eerd_write(s, val);
        return;
    case E1000_MDIC:
        e1000_mdic_write(s, val);
        return;
    case E1000_ICR:
        REG(s, E1000_ICR) &= ~val;
        e1000_update_irq(s);
        return;
    case E1000_ICS:
        e1000_set_ics(s, val & E1000_ICR_ALL);
        return;
    case E1000_IMS:
        REG(s, E1000_IMS) |= val & E1000_ICR_ALL;
        e1000_update_irq(s);
        return;
    case E1000_IMC:
        REG(s, E1000_IMS) &= ~val;
        e1000_update_irq(s);
        return;
    case E1000_RDTR:
        e1000_delay_reg_write(&s->rx_delay, val);
        return;
    case E1000_TIDV:
        e1000_delay_reg_write(&s->tx_delay, val);
        return;
    }
    if (e1000_is_stat(off)) {
        return;
    }
    e1000_plain_write(s, off, val);
    switch (off) {
    case E1000_RCTL:
    case E1000_RDT:
        e1000_rx_flush(s);
        break;
    case E1000_TCTL:
    case E1000_TDT:
        e1000_tx_kick(s);
        break;
    case E1000_RAL0:
    case E1000_RAH0:
        e1000_ra0_changed(s);
        break;
    }
}

static uint32_t e1000_reg_read(E1000State *s, uint32_t off)
{
    uint32_t v;

    switch (off) {
    case E1000_EECD:
        return e1000_eecd_read(s);
    case E1000_ICR:
        /* 82540: reading ICR clears every cause (§13.4.17). */
        v = REG(s, E1000_ICR);
        REG(s, E1000_ICR) = 0;
        e1000_update_irq(s);
        return v;
    case E1000_STATUS:
    case E1000_EERD:
    case E1000_MDIC:
    case E1000_IMS:
    case E1000_RDTR:
    case E1000_TIDV:
        return REG(s, off);
    case E1000_ICS:
    case E1000_IMC:
        return 0; /* write only */
    }
    if (e1000_is_stat(off)) {
        return e1000_stat_read(s, off);
    }
    if (!e1000_find_plain_reg(off)) {
        log_mask_printf(LOG_UNIMP, "e1000: read of unknown register 0x%x\n", off);
        return 0;
    }
    return REG(s, off);
}

static uint64_t e1000_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    return e1000_reg_read(opaque, addr & ~3u);
}

static void e1000_mmio_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    e1000_reg_write(opaque, addr & ~3u, val);
}

static const MemoryRegionOps e1000_mmio_ops = {
    .read = e1000_mmio_read,
    .write = e1000_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 4, .max_access_size = 4},
    .impl = {.min_access_size = 4, .max_access_size = 4},
};

/* BAR1 (§13.2.1): IOADDR picks a register, IODATA reads or writes it. */
static uint64_t e1000_io_read(void *opaque, uint64_t addr, unsigned size)
{
    E1000State *s = opaque;

    switch (addr) {
    case E1000_IOADDR:
        return s->ioaddr;
    case E1000_IODATA:
        return e1000_reg_read(s, s->ioaddr);
    default:
        return 0;
    }
}

static void e1000_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    E1000State *s = opaque;

    switch (addr) {
    case E1000_IOADDR:
        s->ioaddr = val & (E1000_MMIO_SIZE - 4);
        break;
    case E1000_IODATA:
        e1000_reg_write(s, s->ioaddr, val);
        break;
    }
}

static const MemoryRegionOps e1000_io_ops = {
    .read = e1000_io_read,
    .write = e1000_io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 4, .max_access_size = 4},
    .impl = {.min_access_size = 4, .max_access_size = 4},
};

/* ---- the device ---- */

static const NetClientInfo e1000_nic_info = {
    .type = NET_CLIENT_DRIVER_NIC,
    .size = sizeof(NICState),
    .receive = e1000_receive,
    .can_receive = e1000_can_receive,
    .link_status_changed = e1000_link_status_changed,
};

/* Bus mastering may just have been turned on: resume what waited for it. */
static void e1000_config_write(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned len)
{
    E1000State *s = (E1000State *)dev;

    pci_default_write_config(dev, addr, val, len);
    if (addr <= PCI_COMMAND && addr + len > PCI_COMMAND) {
        e1000_rx_flush(s);
        e1000_tx_kick(s);
    }
}

static bool e1000_realize(PCIDevice *dev, GError **errp)
{
    E1000State *s = (E1000State *)dev;

    if (!net_nic_conf_init(&s->conf, s->mac_str, TYPE_E1000, errp)) {
        return false;
    }
    s->nic = net_nic_new(&e1000_nic_info, &s->conf, TYPE_E1000, dev->qdev.id, s, errp);
    if (!s->nic) {
        return false;
    }
    memory_region_init_io(&s->mmio, &e1000_mmio_ops, s, "e1000-mmio", E1000_MMIO_SIZE);
    memory_region_init_io(&s->io, &e1000_io_ops, s, "e1000-io", E1000_IO_SIZE);
    pci_register_bar(dev, 0, PCI_BAR_TYPE_MEM32, &s->mmio);
    pci_register_bar(dev, 1, PCI_BAR_TYPE_IO, &s->io);
    timer_init(&s->itr_timer, QEMU_CLOCK_VIRTUAL, e1000_itr_expired, s);
    e1000_delay_init(s, &s->rx_delay, E1000_RDTR, E1000_RADV, E1000_ICR_RXT0);
    e1000_delay_init(s, &s->tx_delay, E1000_TIDV, E1000_TADV, E1000_ICR_TXDW);
    e1000_eeprom_init(s);
    e1000_soft_reset(s);
    return true;
}

static void e1000_unrealize(PCIDevice *dev)
{
    E1000State *s = (E1000State *)dev;

    e1000_soft_reset(s);
    if (s->nic) {
        net_nic_delete(s->nic);
        s->nic = NULL;
    }
    memory_region_destroy(&s->mmio);
    memory_region_destroy(&s->io);
}

static void e1000_pci_reset(PCIDevice *dev)
{
    e1000_soft_reset((E1000State *)dev);
}

static const Property e1000_props[] = {
    DEFINE_PROP_LINK("netdev", "netdev", E1000State, conf.peer, "ID of a -netdev backend"),
    DEFINE_PROP_STRING("mac", E1000State, mac_str, NULL,
                       "MAC address (default 52:54:00:12:34:56 + NIC index)"),
    DEFINE_PROP_END,
};

static PCIDeviceClass e1000_class = {
    .parent =
        {
            .name = TYPE_E1000,
            .parent = TYPE_PCI_DEVICE,
            .desc = "Intel Gigabit Ethernet (82540EM)",
            .category = "network",
            .instance_size = sizeof(E1000State),
            .bus_type = BUS_PCI,
            .user_creatable = true,
            .hotpluggable = true,
            .props = e1000_props,
        },
    .vendor_id = E1000_VENDOR_ID,
    .device_id = E1000_DEVICE_ID_82540EM,
    .revision = 3,
    .class_id = PCI_CLASS_NETWORK_ETHERNET,
    .interrupt_pin = 1,
    .realize = e1000_realize,
    .unrealize = e1000_unrealize,
    .reset = e1000_pci_reset,
    .config_write = e1000_config_write,
};

MIMIC_INIT(e1000_register)
{
    device_class_register(&e1000_class.parent);
}
