/*
 * e1000: drive an Intel 82540EM the way a driver does, after the 8254x
 * Software Developer's Manual. Find it by PCI configuration mechanism #1,
 * place its BARs and turn on bus mastering; read the MAC address from the
 * EEPROM by Microwire bit-banging on EECD and by EERD, check the EEPROM
 * checksum (0xBABA) and that the address is the mac= of the command line;
 * check IOADDR/IODATA, the PHY through MDIC, ICR/ICS/IMS and an INTx through
 * PIIX3's PIRQ router and the I/O APIC. Then, on -netdev user, send an ARP
 * request for the gateway 10.0.2.2 and read its reply, and an ICMP echo whose
 * IP and ICMP checksums the card fills in (context + data descriptors).
 * Last, hostile rings: a transmit buffer and a descriptor ring outside RAM
 * must leave the device (and the emulator) working after a reset.
 *
 * Command line: mac=XX:XX:XX:XX:XX:XX (required); link=1 waits for the
 * monitor to take the link down and up again (set_link: STATUS.LU, ICR.LSC,
 * the PHY's link bit); mimic=1 adds checks where
 * QEMU's e1000 differs from the hardware: the I/O window (QEMU leaves BAR1
 * unimplemented), the FCS of received frames kept by RCTL.SECRC clear (QEMU
 * writes no real FCS), the master abort a DMA outside RAM records in PCI
 * STATUS, and a working card after hostile rings and a reset.
 */
#include "acpi.h"
#include "apic.h"
#include "idt.h"
#include "pci.h"
#include "test.h"

const char test_name[] = "e1000";

#define MMIO_BASE 0xf0000000ul /* where we place BAR0: above RAM, in the uncached 3-4 GiB */
#define IO_BASE 0xc000

/* Registers and bits (SDM §13). */
#define CTRL 0x0000
#define STATUS 0x0008
#define EECD 0x0010
#define EERD 0x0014
#define MDIC 0x0020
#define ICR 0x00c0
#define ICS 0x00c8
#define IMS 0x00d0
#define IMC 0x00d8
#define RCTL 0x0100
#define TCTL 0x0400
#define RDBAL 0x2800
#define RDBAH 0x2804
#define RDLEN 0x2808
#define RDH 0x2810
#define RDT 0x2818
#define RDTR 0x2820
#define TDBAL 0x3800
#define TDBAH 0x3804
#define TDLEN 0x3808
#define TDH 0x3810
#define TDT 0x3818
#define RAL0 0x5400
#define RAH0 0x5404

#define CTRL_RST (1u << 26)
#define STATUS_LU (1u << 1)
#define EECD_SK (1u << 0)
#define EECD_CS (1u << 1)
#define EECD_DI (1u << 2)
#define EECD_DO (1u << 3)
#define EECD_REQ (1u << 6)
#define EECD_GNT (1u << 7)
#define EERD_START (1u << 0)
#define EERD_DONE (1u << 4)
#define MDIC_OP_READ (2u << 26)
#define MDIC_OP_WRITE (1u << 26)
#define MDIC_READY (1u << 28)
#define MDIC_ERROR (1u << 30)
#define PHY_CTRL_RESTART_AUTONEG (1u << 9)
#define PHY_CTRL_AUTONEG_EN (1u << 12)
#define ICR_TXDW (1u << 0)
#define ICR_LSC (1u << 2)
#define ICR_RXT0 (1u << 7)
#define ICR_SRPD (1u << 16)
#define ICR_MDAC (1u << 9) /* MDI/O access complete: no traffic sets it */
#define RCTL_EN (1u << 1)
#define RCTL_BAM (1u << 15)
#define TCTL_EN (1u << 1)
#define TCTL_PSP (1u << 3)
#define RAH_AV (1u << 31)

#define TXD_CMD_EOP (1u << 24)
#define TXD_CMD_IFCS (1u << 25)
#define TXD_CMD_RS (1u << 27)
#define TXD_CMD_DEXT (1u << 29)
#define TXD_DTYP_DATA (1u << 20)
#define TXD_POPTS_IXSM 0x01
#define TXD_POPTS_TXSM 0x02
#define TXD_STA_DD 0x01
#define RXD_STAT_DD 0x01
#define RXD_STAT_EOP 0x02

#define PCI_STATUS_REC_MASTER_ABORT (1u << 13)
#define PIIX3_DEVFN 0x08 /* 00:01.0 */
#define PIIX3_PIRQRC 0x60
#define INTX_ISA_IRQ 11
#define VEC_E1000 0x50
#define VEC_SPURIOUS 0xff
#define IOAPIC_LEVEL (1u << 15)
#define IOAPIC_MASKED (1u << 16)

#define RING_SIZE 8 /* 128 bytes: RDLEN/TDLEN are multiples of 128 */
#define BUF_SIZE 2048
#define WAIT_MS 3000

struct tx_desc {
    uint64_t addr;
    uint32_t cmd_len; /* length, CSO, CMD (legacy) or DTALEN, DTYP, DCMD */
    uint8_t status;
    uint8_t css_popts;
    uint16_t special;
};

struct rx_desc {
    uint64_t addr;
    uint16_t length;
    uint16_t csum;
    uint8_t status;
    uint8_t errors;
    uint16_t special;
};

static struct tx_desc tx_ring[RING_SIZE] __attribute__((aligned(128)));
static struct rx_desc rx_ring[RING_SIZE] __attribute__((aligned(128)));
static uint8_t tx_bufs[RING_SIZE][BUF_SIZE] __attribute__((aligned(16)));
static uint8_t rx_bufs[RING_SIZE][BUF_SIZE] __attribute__((aligned(16)));
static unsigned tx_tail, rx_next;
static uint8_t mac[6];
static unsigned pci_devfn;
static volatile uint32_t irq_count, irq_icr;
static bool mimic_checks;

static const uint8_t my_ip[4] = {10, 0, 2, 15};
static const uint8_t gw_ip[4] = {10, 0, 2, 2};

static bool find_e1000(void)
{
    return pci_find(0x8086, 0x100e, &pci_devfn);
}

/* ---- registers ---- */

static uint32_t rd(uint32_t reg)
{
    return mmio_read32(MMIO_BASE + reg);
}

static void wr(uint32_t reg, uint32_t val)
{
    mmio_write32(MMIO_BASE + reg, val);
}

static void wait_ms(unsigned ms)
{
    lapic_udelay(ms * 1000);
}

/* ---- EEPROM ---- */

static void eecd_clock(uint32_t eecd)
{
    wr(EECD, eecd | EECD_SK);
    wr(EECD, eecd);
}

/* Microwire READ (SDM §5.3.1): start bit + 10b, six address bits, then 16 data bits out. */
static uint16_t eeprom_read_microwire(unsigned addr)
{
    uint32_t eecd = (rd(EECD) & ~(EECD_SK | EECD_DI)) | EECD_CS;
    uint32_t cmd = (0x6u << 6) | (addr & 0x3f);
    uint16_t data = 0;

    wr(EECD, eecd);
    for (int bit = 8; bit >= 0; bit--) {
        uint32_t e = (cmd >> bit) & 1 ? eecd | EECD_DI : eecd;
        wr(EECD, e);
        eecd_clock(e);
    }
    for (int i = 0; i < 16; i++) {
        wr(EECD, eecd | EECD_SK);
        data = (data << 1) | ((rd(EECD) & EECD_DO) ? 1 : 0);
        wr(EECD, eecd);
    }
    wr(EECD, eecd & ~EECD_CS);
    return data;
}

static uint16_t eeprom_read_eerd(unsigned addr)
{
    uint32_t v;

    wr(EERD, (addr << 8) | EERD_START);
    for (int i = 0; i < 1000; i++) {
        v = rd(EERD);
        if (v & EERD_DONE) {
            return v >> 16;
        }
    }
    test_fail("EERD: word %u never done (EERD 0x%x)", addr, v);
}

static void parse_mac(void)
{
    char buf[32];

    if (!cmdline_get("mac", buf, sizeof(buf)) || strlen(buf) != 17) {
        test_fail("give mac=XX:XX:XX:XX:XX:XX on the command line");
    }
    for (int i = 0; i < 6; i++) {
        unsigned v = 0;
        for (int j = 0; j < 2; j++) {
            char c = buf[3 * i + j];
            v = v * 16 + (c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0');
        }
        mac[i] = v;
    }
}

static void check_eeprom(void)
{
    uint16_t sum = 0, words[3];

    wr(EECD, rd(EECD) | EECD_REQ);
    if (!(rd(EECD) & EECD_GNT)) {
        test_fail("EECD: REQ set but no GNT (EECD 0x%x)", rd(EECD));
    }
    for (unsigned i = 0; i < 64; i++) {
        uint16_t w = eeprom_read_microwire(i);
        if (i < 3) {
            words[i] = w;
        }
        sum += w;
    }
    wr(EECD, rd(EECD) & ~EECD_REQ);
    if (sum != 0xbaba) {
        test_fail("EEPROM words 0-63 sum to 0x%04x, not 0xbaba", sum);
    }
    for (int i = 0; i < 3; i++) {
        if (words[i] != (mac[2 * i] | (mac[2 * i + 1] << 8))) {
            test_fail("EEPROM word %d is 0x%04x; mac= wants 0x%04x", i, words[i],
                      mac[2 * i] | (mac[2 * i + 1] << 8));
        }
        if (eeprom_read_eerd(i) != words[i]) {
            test_fail("EERD word %d 0x%04x differs from Microwire's 0x%04x", i, eeprom_read_eerd(i),
                      words[i]);
        }
    }
    printf("e1000: EEPROM (Microwire and EERD) holds %02x:%02x:%02x:%02x:%02x:%02x, checksum "
           "0xbaba\n",
           mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

/* ---- PHY, I/O window, interrupts ---- */

static uint16_t phy_read(unsigned reg)
{
    wr(MDIC, MDIC_OP_READ | (1u << 21) | (reg << 16));
    for (int i = 0; i < 1000; i++) {
        uint32_t v = rd(MDIC);
        if (v & MDIC_ERROR) {
            test_fail("MDIC: error reading PHY register %u (0x%x)", reg, v);
        }
        if (v & MDIC_READY) {
            return v & 0xffff;
        }
    }
    test_fail("MDIC: PHY register %u never ready", reg);
}

static void phy_write(unsigned reg, uint16_t val)
{
    wr(MDIC, MDIC_OP_WRITE | (1u << 21) | (reg << 16) | val);
    for (int i = 0; i < 1000; i++) {
        if (rd(MDIC) & MDIC_READY) {
            return;
        }
    }
    test_fail("MDIC: PHY register %u write never ready", reg);
}

/* Restart autonegotiation as a driver does and wait for it (PHY status bit 5). */
static void check_phy_and_io(void)
{
    uint16_t id1 = phy_read(2), status = 0;

    phy_write(0, phy_read(0) | PHY_CTRL_AUTONEG_EN | PHY_CTRL_RESTART_AUTONEG);
    for (int ms = 0; ms < WAIT_MS && (status & 0x24) != 0x24; ms++) {
        status = phy_read(1);
        wait_ms(1);
    }

    if (id1 != 0x0141) {
        test_fail("PHY ID1 is 0x%04x, expected 0x0141", id1);
    }
    if ((status & 0x24) != 0x24) {
        test_fail("PHY status 0x%04x: link up and autonegotiation complete expected", status);
    }
    if (!(rd(STATUS) & STATUS_LU)) {
        test_fail("STATUS 0x%x: link not up", rd(STATUS));
    }
    if (mimic_checks) {
        outl(IO_BASE, STATUS);
        if (inl(IO_BASE + 4) != rd(STATUS)) {
            test_fail("IODATA at STATUS reads 0x%x, MMIO 0x%x", inl(IO_BASE + 4), rd(STATUS));
        }
        printf("e1000: IOADDR/IODATA reach STATUS\n");
    }
    if (rd(RAL0) != (uint32_t)(mac[0] | mac[1] << 8 | mac[2] << 16 | (uint32_t)mac[3] << 24) ||
        rd(RAH0) != (RAH_AV | mac[4] | mac[5] << 8)) {
        test_fail("RAL0/RAH0 0x%x/0x%x do not hold the EEPROM address", rd(RAL0), rd(RAH0));
    }
    printf("e1000: PHY ID1 0x%04x status 0x%04x, STATUS 0x%x\n", id1, status, rd(STATUS));
}

static void e1000_handler(struct irq_frame *f)
{
    (void)f;
    irq_icr |= rd(ICR); /* read to clear: drops INTx */
    irq_count++;
    lapic_eoi();
}

static void spurious_handler(struct irq_frame *f)
{
    (void)f;
}

static void ioapic_route_level(uintptr_t ioapic, unsigned pin, uint8_t vector)
{
    mmio_write32(ioapic, 0x10 + 2 * pin + 1);
    mmio_write32(ioapic + 0x10, lapic_id() << 24);
    mmio_write32(ioapic, 0x10 + 2 * pin);
    mmio_write32(ioapic + 0x10, IOAPIC_LEVEL | vector);
}

/* INTA of slot N -> PIIX3 PIRQ (N - 1) & 3 (the board's swizzle) -> ISA IRQ 11 -> I/O APIC pin 11.
 */
static void check_interrupts(void)
{
    struct madt_info m;
    unsigned pirq = ((pci_devfn >> 3) - 1) & 3;
    uint32_t icr;

    wr(IMC, ~0u);
    rd(ICR);
    wr(ICS, ICR_SRPD | ICR_TXDW);
    icr = rd(ICR);
    if (icr != (ICR_SRPD | ICR_TXDW) || rd(ICR) != 0) {
        test_fail("ICS 0x%x: ICR read 0x%x then 0x%x (read to clear)", ICR_SRPD | ICR_TXDW, icr,
                  rd(ICR));
    }

    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    acpi_parse_madt(&m);
    idt_set_handler(VEC_E1000, e1000_handler);
    idt_set_handler(VEC_SPURIOUS, spurious_handler);
    lapic_enable(VEC_SPURIOUS);
    pci_write8(PIIX3_DEVFN, PIIX3_PIRQRC + pirq, INTX_ISA_IRQ);
    ioapic_route_level(m.ioapic_address, INTX_ISA_IRQ - m.ioapic_gsi_base, VEC_E1000);

    /* A cause no received frame can raise, so slirp's traffic cannot add interrupts. */
    wr(IMS, ICR_MDAC);
    sti();
    wr(ICS, ICR_MDAC);
    for (int i = 0; i < 100 && !irq_count; i++) {
        wait_ms(1);
    }
    cli();
    wr(IMC, ~0u);
    mmio_write32(m.ioapic_address, 0x10 + 2 * (INTX_ISA_IRQ - m.ioapic_gsi_base));
    mmio_write32(m.ioapic_address + 0x10, IOAPIC_MASKED);
    if (irq_count != 1 || irq_icr != ICR_MDAC) {
        test_fail("INTx via PIRQ%c -> IRQ %d: %u interrupts, ICR 0x%x", 'A' + pirq, INTX_ISA_IRQ,
                  irq_count, irq_icr);
    }
    printf("e1000: ICS -> one INTx via PIRQ%c, IRQ %d, I/O APIC; ICR 0x%x read to clear\n",
           'A' + pirq, INTX_ISA_IRQ, irq_icr);
}

/* ---- rings ---- */

static void rings_init(void)
{
    wr(CTRL, rd(CTRL) | CTRL_RST);
    wait_ms(10);
    wr(IMC, ~0u);
    rd(ICR);
    memset(tx_ring, 0, sizeof(tx_ring));
    memset(rx_ring, 0, sizeof(rx_ring));
    for (int i = 0; i < RING_SIZE; i++) {
        rx_ring[i].addr = (uintptr_t)rx_bufs[i];
    }
    wr(TDBAL, (uintptr_t)tx_ring);
    wr(TDBAH, 0);
    wr(TDLEN, sizeof(tx_ring));
    wr(TDH, 0);
    wr(TDT, 0);
    wr(RDBAL, (uintptr_t)rx_ring);
    wr(RDBAH, 0);
    wr(RDLEN, sizeof(rx_ring));
    wr(RDH, 0);
    wr(RDT, RING_SIZE - 1);
    wr(RDTR, 0);
    tx_tail = rx_next = 0;
    wr(RCTL, RCTL_EN | RCTL_BAM); /* 2 KiB buffers, FCS kept */
    wr(TCTL, TCTL_EN | TCTL_PSP | (0x0f << 4) | (0x40 << 12));
}

static void tx_post(uint64_t addr, uint32_t cmd_len, uint8_t popts)
{
    struct tx_desc *d = &tx_ring[tx_tail];

    d->addr = addr;
    d->cmd_len = cmd_len;
    d->status = 0;
    d->css_popts = popts;
    d->special = 0;
    tx_tail = (tx_tail + 1) % RING_SIZE;
}

static void tx_wait(const char *what)
{
    struct tx_desc *d = &tx_ring[(tx_tail + RING_SIZE - 1) % RING_SIZE];

    wr(TDT, tx_tail);
    for (int i = 0; i < WAIT_MS && !(*(volatile uint8_t *)&d->status & TXD_STA_DD); i++) {
        wait_ms(1);
    }
    if (!(d->status & TXD_STA_DD)) {
        test_fail("%s: transmit descriptor never done (TDH %u TDT %u)", what, rd(TDH), rd(TDT));
    }
    if (rd(TDH) != tx_tail) {
        test_fail("%s: TDH %u after the ring, TDT %u", what, rd(TDH), tx_tail);
    }
}

/* The next received frame whose ethertype is type; its length with FCS. */
static uint8_t *rx_wait(uint16_t type, unsigned *len, const char *what)
{
    for (int ms = 0; ms < WAIT_MS; ms++) {
        struct rx_desc *d = &rx_ring[rx_next];
        uint8_t *f = rx_bufs[rx_next];

        if (!(*(volatile uint8_t *)&d->status & RXD_STAT_DD)) {
            wait_ms(1);
            continue;
        }
        if (!(d->status & RXD_STAT_EOP)) {
            test_fail("%s: frame of %u bytes spans descriptors", what, d->length);
        }
        *len = d->length;
        d->status = 0;
        wr(RDT, rx_next);
        rx_next = (rx_next + 1) % RING_SIZE;
        if (((f[12] << 8) | f[13]) == type) {
            return f;
        }
        ms--;
    }
    test_fail("%s: nothing received within %d ms (RDH %u RDT %u ICR 0x%x)", what, WAIT_MS, rd(RDH),
              rd(RDT), rd(ICR));
}

static uint32_t get_le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The Ethernet FCS: CRC-32 (IEEE 802.3), reflected, sent least significant byte first. */
static uint32_t fcs(const uint8_t *p, unsigned len)
{
    uint32_t crc = ~0u;

    for (unsigned i = 0; i < len; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++) {
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
        }
    }
    return ~crc;
}

static void put_eth(uint8_t *f, const uint8_t *dst, uint16_t type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, mac, 6);
    f[12] = type >> 8;
    f[13] = type;
}

/* ---- ARP ---- */

static void check_arp(void)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint8_t *f = tx_bufs[tx_tail], *r;
    unsigned len;
    uint32_t icr;

    memset(f, 0, 42);
    put_eth(f, bcast, 0x0806);
    memcpy(f + 14, "\x00\x01\x08\x00\x06\x04\x00\x01", 8); /* Ethernet/IPv4, request */
    memcpy(f + 22, mac, 6);
    memcpy(f + 28, my_ip, 4);
    memcpy(f + 38, gw_ip, 4);
    tx_post((uintptr_t)f, TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS | 42, 0);
    tx_wait("ARP request");
    r = rx_wait(0x0806, &len, "ARP reply");

    if (memcmp(r, mac, 6) != 0 || r[21] != 2) {
        test_fail("ARP reply to %02x:..:%02x, opcode %u", r[0], r[5], r[21]);
    }
    if (memcmp(r + 22, r + 6, 6) != 0 || (r[22] & 1) || memcmp(r + 28, gw_ip, 4) != 0) {
        test_fail("ARP reply: sender %02x:%02x:%02x:%02x:%02x:%02x %u.%u.%u.%u, frame from "
                  "%02x:..:%02x",
                  r[22], r[23], r[24], r[25], r[26], r[27], r[28], r[29], r[30], r[31], r[6],
                  r[11]);
    }
    if (memcmp(r + 32, mac, 6) != 0 || memcmp(r + 38, my_ip, 4) != 0) {
        test_fail("ARP reply: target is not us");
    }
    if (len < 64 || (mimic_checks && fcs(r, len - 4) != get_le32(r + len - 4))) {
        test_fail("ARP reply: %u bytes, FCS 0x%08x: at least 60 and a valid FCS expected", len,
                  get_le32(r + len - 4));
    }
    icr = rd(ICR);
    if ((icr & (ICR_TXDW | ICR_RXT0)) != (ICR_TXDW | ICR_RXT0)) {
        test_fail("ICR 0x%x after a send and a receive: TXDW and RXT0 expected", icr);
    }
    printf("e1000: ARP: 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x (%u bytes), ICR 0x%x\n", r[22],
           r[23], r[24], r[25], r[26], r[27], len, icr);
    memcpy(tx_bufs[RING_SIZE - 1], r + 22, 6); /* keep the gateway's MAC */
}

/* ---- ICMP echo with the checksums left to the card ---- */

static void check_ping(void)
{
    const uint8_t *gw_mac = tx_bufs[RING_SIZE - 1];
    uint8_t *f = tx_bufs[tx_tail], *r;
    struct tx_desc *ctx;
    unsigned len, total = 14 + 20 + 8 + 32;

    memset(f, 0, total);
    put_eth(f, gw_mac, 0x0800);
    f[14] = 0x45;
    f[16] = (total - 14) >> 8;
    f[17] = total - 14;
    f[18] = 0x12; /* id */
    f[22] = 64;   /* ttl */
    f[23] = 1;    /* ICMP; header checksum left 0 for the card */
    memcpy(f + 26, my_ip, 4);
    memcpy(f + 30, gw_ip, 4);
    f[34] = 8; /* echo request; checksum left 0 for the card */
    f[38] = 0xe1;
    f[39] = 0x00;
    f[41] = 7; /* seq */
    for (int i = 0; i < 32; i++) {
        f[42 + i] = 'a' + i % 26;
    }
    /* Context (SDM §3.3.6): IP checksum over 14..33 into 24, ICMP from 34 to the end into 36. */
    ctx = &tx_ring[tx_tail];
    tx_post(0, 0, 0);
    ctx->addr = 14 | (24 << 8) | (33ull << 16) | (34ull << 32) | (36ull << 40);
    ctx->cmd_len = TXD_CMD_DEXT | TXD_CMD_RS;
    tx_post((uintptr_t)f,
            TXD_CMD_DEXT | TXD_DTYP_DATA | TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS | total,
            TXD_POPTS_IXSM | TXD_POPTS_TXSM);
    tx_wait("ICMP echo request");
    r = rx_wait(0x0800, &len, "ICMP echo reply");
    if (r[23] != 1 || memcmp(r + 26, gw_ip, 4) != 0 || r[34] != 0 || r[41] != 7 ||
        memcmp(r + 42, f + 42, 32) != 0) {
        test_fail("ICMP: got protocol %u from %u.%u.%u.%u type %u seq %u", r[23], r[26], r[27],
                  r[28], r[29], r[34], r[41]);
    }
    printf("e1000: ICMP echo reply from 10.0.2.2 (%u bytes): the card's IP and ICMP checksums "
           "were accepted\n",
           len);
}

/* ---- hostile rings ---- */

static void check_hostile(void)
{
    uint64_t ram_end = (uint64_t)boot.mem_upper_kb * 1024 + 0x100000;
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint8_t *f;

    /* A buffer far outside RAM. */
    tx_post(0x7f00000000ull, TXD_CMD_EOP | TXD_CMD_RS | 1500, 0);
    tx_wait("buffer outside RAM");

    /* An ARP reply waits while receive is off; then the ring is put outside RAM. */
    wr(RCTL, 0);
    f = tx_bufs[tx_tail];
    memset(f, 0, 42);
    put_eth(f, bcast, 0x0806);
    memcpy(f + 14, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
    memcpy(f + 22, mac, 6);
    memcpy(f + 28, my_ip, 4);
    memcpy(f + 38, gw_ip, 4);
    tx_post((uintptr_t)f, TXD_CMD_EOP | TXD_CMD_RS | 42, 0);
    tx_wait("ARP request");
    wait_ms(20);
    wr(RDBAL, (uint32_t)ram_end);
    wr(RDLEN, 0x10000);
    wr(RDH, 0);
    wr(RDT, 200);
    wr(RCTL, RCTL_EN | RCTL_BAM);

    /* A transmit ring whose descriptors run past the end of RAM. */
    wr(TCTL, 0);
    wr(TDBAL, (uint32_t)(ram_end - 128));
    wr(TDLEN, 0x10000);
    wr(TDH, 0);
    wr(TDT, 100);
    wr(TCTL, TCTL_EN);
    wait_ms(20);
    printf("e1000: hostile rings: TDH %u RDH %u, STATUS 0x%x, PCI status 0x%x\n", rd(TDH), rd(RDH),
           rd(STATUS), pci_read32(pci_devfn, 4) >> 16);
    if (mimic_checks && !((pci_read32(pci_devfn, 4) >> 16) & PCI_STATUS_REC_MASTER_ABORT)) {
        test_fail("DMA outside RAM left no master abort in PCI STATUS");
    }
    if (!mimic_checks) {
        return; /* QEMU's e1000 stays deaf after this, even after a reset */
    }
    rings_init();
    check_arp();
    printf("e1000: after a reset the card works again\n");
}

/* ---- link changes made by the monitor's set_link (link=1) ---- */

static void wait_link(bool up)
{
    uint32_t icr = 0;
    int ms;

    printf("e1000: waiting for set_link %s\n", up ? "on" : "off");
    for (ms = 0; ms < 20000 && !!(rd(STATUS) & STATUS_LU) != up; ms++) {
        wait_ms(1);
    }
    icr = rd(ICR);
    if (!!(rd(STATUS) & STATUS_LU) != up || !(icr & ICR_LSC)) {
        test_fail("link %s: STATUS 0x%x, ICR 0x%x after %d ms", up ? "up" : "down", rd(STATUS), icr,
                  ms);
    }
    if (!!(phy_read(1) & 0x4) != up) {
        test_fail("link %s: PHY status 0x%04x disagrees", up ? "up" : "down", phy_read(1));
    }
    printf("e1000: link %s, LSC in ICR 0x%x\n", up ? "up" : "down", icr);
}

static void check_link_changes(void)
{
    rd(ICR);
    wait_link(false);
    wait_link(true);
    check_arp();
}

void test_main(void)
{
    parse_mac();
    mimic_checks = cmdline_get_uint("mimic", 0);
    if (!find_e1000()) {
        test_fail("no 8086:100e on PCI bus 0");
    }
    printf("e1000: found at 00:%02x.%x\n", pci_devfn >> 3, pci_devfn & 7);
    pci_write32(pci_devfn, 0x10, MMIO_BASE);
    pci_write32(pci_devfn, 0x14, IO_BASE | 1);
    pci_write32(pci_devfn, 0x04, 0x7); /* I/O, memory, bus master */
    if ((pci_read32(pci_devfn, 0x10) & ~0xfu) != MMIO_BASE) {
        test_fail("BAR0 reads 0x%x after writing 0x%lx", pci_read32(pci_devfn, 0x10), MMIO_BASE);
    }
    check_eeprom();
    check_phy_and_io();
    check_interrupts();
    rings_init();
    check_arp();
    check_ping();
    if (cmdline_get_uint("link", 0)) {
        check_link_changes();
    }
    check_hostile();
}
