/*
 * ide: drive the PIIX3 IDE function (00:01.1, 8086:7010) the way a driver
 * does, after ATA/ATAPI-7 and SFF-8038i. Find it by PCI configuration
 * mechanism #1, place BAR4 (bus master) and turn on bus mastering. On the
 * primary master disk: IDENTIFY DEVICE (capacity = sectors= of the command
 * line, 28- and 48-bit), PIO reads of sectors the harness filled with a
 * pattern (READ SECTORS, READ SECTORS EXT past LBA 2^28, READ MULTIPLE), PIO
 * writes (WRITE SECTORS, WRITE SECTORS EXT, then FLUSH CACHE; the harness
 * checks the image), a bus-master READ DMA through a two-entry PRD table with
 * its interrupt on ISA IRQ 14 through the I/O APIC, a WRITE DMA EXT; on the
 * secondary master CD-ROM (-cdrom): the ATAPI signature, IDENTIFY PACKET
 * DEVICE, INQUIRY, READ CAPACITY (= cdblocks=), READ TOC, MODE SENSE(10) of
 * the capabilities page, GET CONFIGURATION, READ(10) by PIO and by DMA.
 * Hostile cases: an LBA past the end fails with ERR (IDNF or ABRT), a READ(10)
 * past the end with ILLEGAL REQUEST, and DMA through a PRD table or buffer
 * outside RAM, or a table shorter than the transfer, leaves the disk working.
 *
 * Sector s of the disk holds its LBA (8 bytes, little endian), then byte j is
 * (s * 31 + j * 7 + 1) & 0xff; 2048-byte block b of the CD the same with b.
 *
 * Command line: sectors=N (disk size in 512-byte sectors, > 2^28 + 32),
 * cdblocks=N; mimic=1 adds checks where QEMU differs: IDNF rather than ABRT
 * for an LBA past the end, and the bus-master error bit for DMA outside RAM
 * or past the end of the PRD table (QEMU completes or hangs such transfers).
 */
#include "acpi.h"
#include "apic.h"
#include "idt.h"
#include "pci.h"
#include "test.h"

const char test_name[] = "ide";

#define BM_BASE 0xc040
#define PRI_CMD 0x1f0
#define PRI_CTL 0x3f6
#define SEC_CMD 0x170
#define SEC_CTL 0x376
#define IDE_ISA_IRQ 14
#define VEC_IDE 0x51
#define VEC_SPURIOUS 0xff

/* Task file offsets, status and error bits, commands. */
#define REG_DATA 0
#define REG_ERROR 1
#define REG_FEATURE 1
#define REG_NSECT 2
#define REG_LBAL 3
#define REG_LBAM 4
#define REG_LBAH 5
#define REG_DEVICE 6
#define REG_STATUS 7
#define REG_CMD 7
#define ST_ERR 0x01
#define ST_DRQ 0x08
#define ST_DRDY 0x40
#define ST_BSY 0x80
#define ER_ABRT 0x04
#define ER_IDNF 0x10

#define CMD_READ_SECTORS 0x20
#define CMD_READ_SECTORS_EXT 0x24
#define CMD_READ_DMA_EXT 0x25
#define CMD_WRITE_SECTORS 0x30
#define CMD_WRITE_SECTORS_EXT 0x34
#define CMD_WRITE_DMA_EXT 0x35
#define CMD_PACKET 0xa0
#define CMD_IDENTIFY_PACKET 0xa1
#define CMD_READ_MULTIPLE 0xc4
#define CMD_SET_MULTIPLE 0xc6
#define CMD_READ_DMA 0xc8
#define CMD_FLUSH_CACHE 0xe7
#define CMD_IDENTIFY 0xec

/* Bus-master registers (primary channel; the secondary's are 8 bytes on). */
#define BM_CMD 0
#define BM_STATUS 2
#define BM_PRD 4
#define BM_START 0x01
#define BM_TO_MEMORY 0x08
#define BM_ACTIVE 0x01
#define BM_ERROR 0x02
#define BM_INT 0x04

#define LBA48_BASE (1ull << 28)
#define NOT_RAM 0xe0000000u /* in the PCI hole, nothing mapped there */

struct prd {
    uint32_t addr;
    uint32_t count_eot;
};

static struct prd prd_table[4] __attribute__((aligned(64)));
static uint8_t dma_buf[3][2048] __attribute__((aligned(4096)));
static uint8_t sector_buf[4096] __attribute__((aligned(16)));
static volatile unsigned irq_count;
static uint64_t disk_sectors;
static bool mimic_checks;

/* ---- PCI ---- */

static void find_controller(void)
{
    unsigned devfn;
    uint32_t class;

    if (!pci_find(0x8086, 0x7010, &devfn)) {
        test_fail("no PIIX3 IDE function (8086:7010) on bus 0");
    }
    class = pci_read32(devfn, 8) >> 8;
    if (class != 0x010180) {
        test_fail("8086:7010 at %02x.%x: class/prog-if 0x%06x, want 0x010180", devfn >> 3,
                  devfn & 7, class);
    }
    pci_write32(devfn, 0x20, BM_BASE); /* BAR4 */
    pci_write32(devfn, PCI_COMMAND,
                pci_read32(devfn, PCI_COMMAND) | PCI_COMMAND_IO | PCI_COMMAND_MASTER);
    printf("ide: PIIX3 IDE at 00:%02x.%x, class 0x%06x, BAR4 0x%x\n", devfn >> 3, devfn & 7,
           class, pci_read32(devfn, 0x20) & ~3u);
}

/* ---- patterns ---- */

static uint8_t pattern_byte(uint64_t block, unsigned j)
{
    if (j < 8) {
        return block >> (8 * j);
    }
    return (block * 31 + j * 7 + 1) & 0xff;
}

static void check_pattern(const uint8_t *buf, uint64_t block, unsigned size, const char *what)
{
    for (unsigned j = 0; j < size; j++) {
        if (buf[j] != pattern_byte(block, j)) {
            test_fail("%s: block %llu byte %u is 0x%02x, want 0x%02x", what,
                      (unsigned long long)block, j, buf[j], pattern_byte(block, j));
        }
    }
}

/* What the test writes: the pattern of the sector, inverted. */
static void fill_written(uint8_t *buf, uint64_t lba)
{
    for (unsigned j = 0; j < 512; j++) {
        buf[j] = ~pattern_byte(lba, j);
    }
}

/* ---- task file ---- */

static uint8_t wait_not_busy(uint16_t cmd, const char *what)
{
    for (unsigned i = 0; i < 2000000; i++) {
        uint8_t st = inb(cmd + REG_STATUS);
        if (!(st & ST_BSY)) {
            return st;
        }
        if (i > 1000) {
            lapic_udelay(10);
        }
    }
    test_fail("%s: still busy after 20 s", what);
}

static uint8_t wait_drq(uint16_t cmd, const char *what)
{
    uint8_t st = wait_not_busy(cmd, what);

    if ((st & (ST_DRQ | ST_ERR)) != ST_DRQ) {
        test_fail("%s: status 0x%02x error 0x%02x, want DRQ", what, st, inb(cmd + REG_ERROR));
    }
    return st;
}

static void select_device(uint16_t cmd, uint8_t device)
{
    outb(cmd + REG_DEVICE, device);
    for (int i = 0; i < 5; i++) {
        inb(cmd + 0x206); /* 400 ns of alternate status reads, which leave INTRQ alone */
    }
}

static void set_lba(uint16_t cmd, uint64_t lba, uint32_t count, bool lba48)
{
    if (lba48) {
        outb(cmd + REG_NSECT, count >> 8);
        outb(cmd + REG_LBAL, lba >> 24);
        outb(cmd + REG_LBAM, lba >> 32);
        outb(cmd + REG_LBAH, lba >> 40);
        select_device(cmd, 0xe0);
    } else {
        select_device(cmd, 0xe0 | ((lba >> 24) & 0x0f));
    }
    outb(cmd + REG_NSECT, count);
    outb(cmd + REG_LBAL, lba);
    outb(cmd + REG_LBAM, lba >> 8);
    outb(cmd + REG_LBAH, lba >> 16);
}

static void pio_in(uint16_t cmd, void *buf, unsigned bytes)
{
    uint16_t *w = buf;

    for (unsigned i = 0; i < bytes / 2; i++) {
        w[i] = inw(cmd + REG_DATA);
    }
}

static void pio_out(uint16_t cmd, const void *buf, unsigned bytes)
{
    const uint16_t *w = buf;

    for (unsigned i = 0; i < bytes / 2; i++) {
        outw(cmd + REG_DATA, w[i]);
    }
}

/* Issue a command with no data; its final status. */
static uint8_t ata_nodata(uint8_t command, const char *what)
{
    outb(PRI_CMD + REG_CMD, command);
    return wait_not_busy(PRI_CMD, what);
}

/* ---- disk: IDENTIFY and PIO ---- */

static void ide_string(const uint16_t *w, unsigned nwords, char *out)
{
    for (unsigned i = 0; i < nwords; i++) {
        out[2 * i] = w[i] >> 8;
        out[2 * i + 1] = w[i];
    }
    out[2 * nwords] = 0;
}

static void check_identify(void)
{
    uint16_t id[256];
    char model[41];
    uint64_t lba28, lba48;

    select_device(PRI_CMD, 0xa0);
    outb(PRI_CMD + REG_CMD, CMD_IDENTIFY);
    wait_drq(PRI_CMD, "IDENTIFY DEVICE");
    pio_in(PRI_CMD, id, 512);
    if (wait_not_busy(PRI_CMD, "IDENTIFY DEVICE end") & (ST_DRQ | ST_ERR)) {
        test_fail("IDENTIFY DEVICE: status 0x%02x after 512 bytes", inb(PRI_CMD + REG_STATUS));
    }
    ide_string(id + 27, 20, model);
    lba28 = id[60] | (uint32_t)id[61] << 16;
    lba48 = id[100] | (uint64_t)id[101] << 16 | (uint64_t)id[102] << 32 | (uint64_t)id[103] << 48;
    printf("ide: IDENTIFY model '%s', LBA28 %llu, LBA48 %llu sectors\n", model,
           (unsigned long long)lba28, (unsigned long long)lba48);
    if (id[0] & 0x8000) {
        test_fail("IDENTIFY word 0 0x%04x: not an ATA device", id[0]);
    }
    if (!(id[49] & 0x0300) || !(id[83] & 0x0400) || !(id[86] & 0x0400)) {
        test_fail("IDENTIFY: words 49/83/86 0x%04x/0x%04x/0x%04x lack LBA, DMA or 48-bit", id[49],
                  id[83], id[86]);
    }
    if (lba48 != disk_sectors || lba28 != (disk_sectors < 0x0fffffff ? disk_sectors : 0x0fffffff)) {
        test_fail("IDENTIFY capacity LBA28 %llu LBA48 %llu, the image has %llu sectors",
                  (unsigned long long)lba28, (unsigned long long)lba48,
                  (unsigned long long)disk_sectors);
    }
    if (!(id[88] & 0x3f) || !(id[63] & 0x07)) {
        test_fail("IDENTIFY: no DMA modes (words 63 0x%04x, 88 0x%04x)", id[63], id[88]);
    }
}

/* READ SECTORS (EXT) or READ MULTIPLE of count sectors: one DRQ block of `block` sectors each. */
static void pio_read(uint8_t command, uint64_t lba, unsigned count, unsigned block,
                     const char *what)
{
    bool lba48 = command == CMD_READ_SECTORS_EXT;

    set_lba(PRI_CMD, lba, count, lba48);
    outb(PRI_CMD + REG_CMD, command);
    for (unsigned done = 0; done < count; done += block) {
        unsigned n = count - done < block ? count - done : block;
        wait_drq(PRI_CMD, what);
        pio_in(PRI_CMD, sector_buf, n * 512);
        for (unsigned i = 0; i < n; i++) {
            check_pattern(sector_buf + i * 512, lba + done + i, 512, what);
        }
    }
    if (wait_not_busy(PRI_CMD, what) & (ST_DRQ | ST_ERR)) {
        test_fail("%s: status 0x%02x at the end", what, inb(PRI_CMD + REG_STATUS));
    }
    printf("ide: %s of %u sectors at LBA %llu: pattern ok\n", what, count, (unsigned long long)lba);
}

static void pio_write(uint64_t lba, unsigned count, bool lba48)
{
    const char *what = lba48 ? "WRITE SECTORS EXT" : "WRITE SECTORS";

    set_lba(PRI_CMD, lba, count, lba48);
    outb(PRI_CMD + REG_CMD, lba48 ? CMD_WRITE_SECTORS_EXT : CMD_WRITE_SECTORS);
    for (unsigned i = 0; i < count; i++) {
        wait_drq(PRI_CMD, what);
        fill_written(sector_buf, lba + i);
        pio_out(PRI_CMD, sector_buf, 512);
    }
    if (wait_not_busy(PRI_CMD, what) & (ST_DRQ | ST_ERR)) {
        test_fail("%s: status 0x%02x at the end", what, inb(PRI_CMD + REG_STATUS));
    }
    printf("ide: %s of %u sectors at LBA %llu\n", what, count, (unsigned long long)lba);
}

/* Read back what pio_write or a DMA write put at lba. */
static void check_written(uint64_t lba, unsigned count)
{
    uint8_t want[512];

    set_lba(PRI_CMD, lba, count, true);
    outb(PRI_CMD + REG_CMD, CMD_READ_SECTORS_EXT);
    for (unsigned i = 0; i < count; i++) {
        wait_drq(PRI_CMD, "read back");
        pio_in(PRI_CMD, sector_buf, 512);
        fill_written(want, lba + i);
        if (memcmp(sector_buf, want, 512) != 0) {
            test_fail("read back of LBA %llu differs from what was written",
                      (unsigned long long)(lba + i));
        }
    }
    wait_not_busy(PRI_CMD, "read back");
}

/* An address past the end: ERR with IDNF (ABRT on QEMU). */
static void check_past_end(void)
{
    uint8_t st, err;

    set_lba(PRI_CMD, disk_sectors, 1, true);
    outb(PRI_CMD + REG_CMD, CMD_READ_SECTORS_EXT);
    st = wait_not_busy(PRI_CMD, "READ SECTORS EXT past the end");
    err = inb(PRI_CMD + REG_ERROR);
    if (!(st & ST_ERR) || (st & ST_DRQ) || !(err & (ER_IDNF | ER_ABRT)) ||
        (mimic_checks && err != ER_IDNF)) {
        test_fail("READ SECTORS EXT of LBA %llu: status 0x%02x error 0x%02x, want ERR, %s",
                  (unsigned long long)disk_sectors, st, err,
                  mimic_checks ? "IDNF" : "IDNF or ABRT");
    }
    printf("ide: LBA past the end: status 0x%02x error 0x%02x\n", st, err);
}

/* ---- bus-master DMA ---- */

static void ide_irq_handler(struct irq_frame *f)
{
    (void)f;
    irq_count++;
    lapic_eoi();
}

static void spurious_handler(struct irq_frame *f)
{
    (void)f;
}

static void ioapic_route_edge(uintptr_t ioapic, unsigned pin, uint32_t low)
{
    mmio_write32(ioapic, 0x10 + 2 * pin + 1);
    mmio_write32(ioapic + 0x10, lapic_id() << 24);
    mmio_write32(ioapic, 0x10 + 2 * pin);
    mmio_write32(ioapic + 0x10, low);
}

static void irq_setup(void)
{
    struct madt_info m;

    outb(0x21, 0xff); /* PICs masked: the I/O APIC delivers */
    outb(0xa1, 0xff);
    acpi_parse_madt(&m);
    idt_set_handler(VEC_IDE, ide_irq_handler);
    idt_set_handler(VEC_SPURIOUS, spurious_handler);
    lapic_enable(VEC_SPURIOUS);
    ioapic_route_edge(m.ioapic_address, IDE_ISA_IRQ - m.ioapic_gsi_base, VEC_IDE);
}

static void bm_prepare(uint16_t bm, bool to_memory)
{
    outb(bm + BM_CMD, 0);
    outb(bm + BM_STATUS, BM_ERROR | BM_INT);
    outl(bm + BM_PRD, (uint32_t)(uintptr_t)prd_table);
    outb(bm + BM_CMD, to_memory ? BM_TO_MEMORY : 0);
}

/* Start the engine and wait for its interrupt bit (or an error); the BM status. */
static uint8_t bm_run(uint16_t bm, uint16_t cmd, bool to_memory, const char *what)
{
    uint8_t st = 0;

    outb(bm + BM_CMD, BM_START | (to_memory ? BM_TO_MEMORY : 0));
    for (unsigned i = 0; i < 200000; i++) {
        st = inb(bm + BM_STATUS);
        if ((st & (BM_INT | BM_ERROR)) || !(st & BM_ACTIVE)) {
            break;
        }
        lapic_udelay(10);
    }
    outb(bm + BM_CMD, 0);
    wait_not_busy(cmd, what);
    return st;
}

static void set_prd(unsigned i, const void *addr, uint32_t bytes, bool eot)
{
    prd_table[i].addr = (uint32_t)(uintptr_t)addr;
    prd_table[i].count_eot = (bytes & 0xffff) | (eot ? 0x80000000u : 0);
}

static void check_dma_read(void)
{
    uint8_t st, bm;

    memset(dma_buf, 0, sizeof(dma_buf));
    set_prd(0, dma_buf[0], 1024, false);
    set_prd(1, dma_buf[1], 1024, true);
    bm_prepare(BM_BASE, true);
    /* Interrupts on from here: the BM status INT bit follows INTRQ. */
    inb(PRI_CMD + REG_STATUS);
    outb(PRI_CTL, 0);
    irq_count = 0;
    sti();
    select_device(PRI_CMD, 0xe0);
    set_lba(PRI_CMD, 20, 4, false);
    outb(PRI_CMD + REG_CMD, CMD_READ_DMA);
    bm = bm_run(BM_BASE, PRI_CMD, true, "READ DMA");
    for (int i = 0; i < 1000 && !irq_count; i++) {
        lapic_udelay(10);
    }
    cli();
    st = inb(PRI_CMD + REG_STATUS); /* acknowledges the interrupt */
    if ((bm & (BM_INT | BM_ERROR | BM_ACTIVE)) != BM_INT || (st & (ST_ERR | ST_DRQ))) {
        test_fail("READ DMA: BM status 0x%02x, ATA status 0x%02x; want INT only, no ERR/DRQ", bm,
                  st);
    }
    if (irq_count != 1) {
        test_fail("READ DMA: %u interrupts on IRQ %d, want 1", irq_count, IDE_ISA_IRQ);
    }
    for (unsigned i = 0; i < 4; i++) {
        check_pattern(dma_buf[i / 2] + (i % 2) * 512, 20 + i, 512, "READ DMA");
    }
    printf("ide: READ DMA of 4 sectors through 2 PRD entries: pattern ok, IRQ %d, "
           "BM status 0x%02x\n",
           IDE_ISA_IRQ, bm);
}

static void check_dma_write(uint64_t lba)
{
    uint8_t bm, st;

    for (unsigned i = 0; i < 3; i++) {
        fill_written(dma_buf[0] + i * 512, lba + i);
    }
    set_prd(0, dma_buf[0], 1536, true);
    bm_prepare(BM_BASE, false);
    set_lba(PRI_CMD, lba, 3, true);
    outb(PRI_CMD + REG_CMD, CMD_WRITE_DMA_EXT);
    bm = bm_run(BM_BASE, PRI_CMD, false, "WRITE DMA EXT");
    st = inb(PRI_CMD + REG_STATUS);
    if ((bm & (BM_INT | BM_ERROR | BM_ACTIVE)) != BM_INT || (st & (ST_ERR | ST_DRQ))) {
        test_fail("WRITE DMA EXT: BM status 0x%02x, ATA status 0x%02x", bm, st);
    }
    check_written(lba, 3);
    printf("ide: WRITE DMA EXT of 3 sectors at LBA %llu, read back ok\n", (unsigned long long)lba);
}

/* A DMA read whose PRD table or buffer is not RAM, or is too short: the disk survives. */
static void dma_hostile(const char *what, bool table_outside, uint32_t buf_addr, unsigned count)
{
    uint8_t bm, st;

    prd_table[0].addr = buf_addr;
    prd_table[0].count_eot = 512 | 0x80000000u;
    bm_prepare(BM_BASE, true);
    if (table_outside) {
        outl(BM_BASE + BM_PRD, NOT_RAM + 0x1000);
    }
    set_lba(PRI_CMD, 0, count, true);
    outb(PRI_CMD + REG_CMD, CMD_READ_DMA_EXT);
    bm = bm_run(BM_BASE, PRI_CMD, true, what);
    st = inb(PRI_CMD + REG_STATUS);
    printf("ide: %s: BM status 0x%02x, ATA status 0x%02x\n", what, bm, st);
    if (mimic_checks && (!(bm & BM_ERROR) || !(st & ST_ERR))) {
        test_fail("%s: want the BM error bit and ATA ERR", what);
    }
    outb(PRI_CMD + REG_CMD, 0x00); /* NOP: ends whatever is pending (ABRT) */
    wait_not_busy(PRI_CMD, what);
    pio_read(CMD_READ_SECTORS, 5, 1, 1, "READ SECTORS after hostile DMA");
}

/* ---- ATAPI ---- */

static uint8_t atapi_packet(const uint8_t cdb[12], uint16_t byte_limit, void *buf, unsigned len,
                            bool dma)
{
    uint8_t st;
    unsigned got = 0;

    select_device(SEC_CMD, 0xa0);
    outb(SEC_CMD + REG_FEATURE, dma);
    outb(SEC_CMD + REG_LBAM, byte_limit);
    outb(SEC_CMD + REG_LBAH, byte_limit >> 8);
    outb(SEC_CMD + REG_CMD, CMD_PACKET);
    wait_drq(SEC_CMD, "PACKET command phase");
    if ((inb(SEC_CMD + REG_NSECT) & 3) != 1) {
        test_fail("PACKET: interrupt reason 0x%x, want CoD", inb(SEC_CMD + REG_NSECT));
    }
    pio_out(SEC_CMD, cdb, 12);
    if (dma) {
        return bm_run(BM_BASE + 8, SEC_CMD, true, "ATAPI DMA");
    }
    for (;;) {
        st = wait_not_busy(SEC_CMD, "ATAPI data");
        if (!(st & ST_DRQ)) {
            break;
        }
        unsigned n = inb(SEC_CMD + REG_LBAM) | inb(SEC_CMD + REG_LBAH) << 8;
        if (n > byte_limit || got + n > len) {
            test_fail("ATAPI 0x%02x: DRQ block of %u bytes (limit %u, %u of %u read)", cdb[0], n,
                      byte_limit, got, len);
        }
        pio_in(SEC_CMD, (uint8_t *)buf + got, n);
        got += n;
    }
    return st;
}

static void cdb_read10(uint8_t *cdb, uint32_t lba, uint16_t count)
{
    memset(cdb, 0, 12);
    cdb[0] = 0x28;
    cdb[2] = lba >> 24;
    cdb[3] = lba >> 16;
    cdb[4] = lba >> 8;
    cdb[5] = lba;
    cdb[7] = count >> 8;
    cdb[8] = count;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void check_atapi_identify(void)
{
    uint16_t id[256];

    /* A software reset puts the signature back (firmware may have used the drive). */
    outb(SEC_CTL, 0x04);
    lapic_udelay(10);
    outb(SEC_CTL, 0x00);
    lapic_udelay(2000);
    wait_not_busy(SEC_CMD, "SRST");
    select_device(SEC_CMD, 0xa0);
    if (inb(SEC_CMD + REG_LBAM) != 0x14 || inb(SEC_CMD + REG_LBAH) != 0xeb) {
        test_fail("secondary master: signature 0x%02x%02x, want ATAPI 0xeb14",
                  inb(SEC_CMD + REG_LBAH), inb(SEC_CMD + REG_LBAM));
    }
    outb(SEC_CMD + REG_CMD, CMD_IDENTIFY);
    if (!(wait_not_busy(SEC_CMD, "IDENTIFY on ATAPI") & ST_ERR) ||
        !(inb(SEC_CMD + REG_ERROR) & ER_ABRT)) {
        test_fail("IDENTIFY DEVICE on the CD-ROM did not abort");
    }
    outb(SEC_CMD + REG_CMD, CMD_IDENTIFY_PACKET);
    wait_drq(SEC_CMD, "IDENTIFY PACKET DEVICE");
    pio_in(SEC_CMD, id, 512);
    if ((id[0] & 0xdf00) != 0x8500) {
        test_fail("IDENTIFY PACKET word 0 0x%04x: want ATAPI CD-ROM (0x85xx)", id[0]);
    }
    printf("ide: CD-ROM signature 0xeb14, IDENTIFY PACKET word 0 0x%04x\n", id[0]);
}

/* READ TOC (one data track, lead-out at the capacity), MODE SENSE 2Ah, GET CONFIGURATION. */
static void check_atapi_tables(uint32_t cd_blocks)
{
    uint8_t cdb[12] = {0}, data[64];

    cdb[0] = 0x43; /* READ TOC, format 0, LBA addresses */
    cdb[8] = 20;
    if (atapi_packet(cdb, 20, data, 20, false) & ST_ERR) {
        test_fail("READ TOC failed");
    }
    if (data[2] != 1 || data[3] != 1 || data[6] != 1 || data[14] != 0xaa ||
        be32(data + 16) != cd_blocks || !(data[5] & 0x04)) {
        test_fail("READ TOC: tracks %u-%u, track %u ctl 0x%x, lead-out %02x at %u (want %u)",
                  data[2], data[3], data[6], data[5], data[14], be32(data + 16), cd_blocks);
    }
    memset(cdb, 0, 12);
    cdb[0] = 0x5a; /* MODE SENSE(10), capabilities page */
    cdb[2] = 0x2a;
    cdb[8] = sizeof(data);
    if (atapi_packet(cdb, sizeof(data), data, sizeof(data), false) & ST_ERR) {
        test_fail("MODE SENSE(10) page 2Ah failed");
    }
    if ((data[8] & 0x3f) != 0x2a || (data[0] << 8 | data[1]) + 2u < 8u + 2 + data[9]) {
        test_fail("MODE SENSE(10): page 0x%02x of %u bytes, mode data length %u", data[8], data[9],
                  data[0] << 8 | data[1]);
    }
    memset(cdb, 0, 12);
    cdb[0] = 0x46; /* GET CONFIGURATION */
    cdb[8] = 8;
    if (atapi_packet(cdb, 8, data, 8, false) & ST_ERR) {
        test_fail("GET CONFIGURATION failed");
    }
    if ((data[6] << 8 | data[7]) != 0x0008) {
        test_fail("GET CONFIGURATION: current profile 0x%04x, want CD-ROM (0x0008)",
                  data[6] << 8 | data[7]);
    }
    printf("ide: ATAPI READ TOC (lead-out %u), MODE SENSE 2Ah, GET CONFIGURATION (CD-ROM) ok\n",
           cd_blocks);
}

static void check_atapi(uint32_t cd_blocks)
{
    uint8_t cdb[12] = {0}, data[64], st;
    static uint8_t block[2 * 2048];

    check_atapi_identify();
    for (int i = 0; i < 3; i++) { /* a pending UNIT ATTENTION is reported once */
        memset(cdb, 0, 12);
        st = atapi_packet(cdb, 0, NULL, 0, false);
        if (!(st & ST_ERR)) {
            break;
        }
    }
    if (st & ST_ERR) {
        test_fail("TEST UNIT READY: status 0x%02x error 0x%02x", st, inb(SEC_CMD + REG_ERROR));
    }
    cdb[0] = 0x12; /* INQUIRY */
    cdb[4] = 36;
    atapi_packet(cdb, 36, data, 36, false);
    if ((data[0] & 0x1f) != 5) {
        test_fail("INQUIRY: peripheral type %u, want 5 (CD/DVD)", data[0] & 0x1f);
    }
    memset(cdb, 0, 12);
    cdb[0] = 0x25; /* READ CAPACITY */
    atapi_packet(cdb, 8, data, 8, false);
    if (be32(data) != cd_blocks - 1 || be32(data + 4) != 2048) {
        test_fail("READ CAPACITY: last LBA %u block %u, want %u and 2048", be32(data),
                  be32(data + 4), cd_blocks - 1);
    }
    check_atapi_tables(cd_blocks);
    cdb_read10(cdb, 3, 2);
    st = atapi_packet(cdb, 2048, block, sizeof(block), false);
    if (st & ST_ERR) {
        test_fail("READ(10) PIO: status 0x%02x", st);
    }
    check_pattern(block, 3, 2048, "ATAPI READ(10) PIO");
    check_pattern(block + 2048, 4, 2048, "ATAPI READ(10) PIO");
    printf("ide: ATAPI INQUIRY, READ CAPACITY %u blocks, READ(10) PIO of 2 blocks ok\n", cd_blocks);

    memset(dma_buf, 0, sizeof(dma_buf));
    set_prd(0, dma_buf[0], 2048, true);
    bm_prepare(BM_BASE + 8, true);
    cdb_read10(cdb, cd_blocks - 1, 1);
    st = atapi_packet(cdb, 0, NULL, 0, true);
    if ((st & (BM_INT | BM_ERROR)) != BM_INT || (inb(SEC_CMD + REG_STATUS) & ST_ERR)) {
        test_fail("READ(10) DMA: BM status 0x%02x, ATA status 0x%02x", st,
                  inb(SEC_CMD + REG_STATUS));
    }
    check_pattern(dma_buf[0], cd_blocks - 1, 2048, "ATAPI READ(10) DMA");
    printf("ide: ATAPI READ(10) DMA of the last block ok\n");

    cdb_read10(cdb, cd_blocks, 1);
    st = atapi_packet(cdb, 2048, block, sizeof(block), false);
    memset(cdb, 0, 12);
    cdb[0] = 0x03; /* REQUEST SENSE */
    cdb[4] = 18;
    atapi_packet(cdb, 18, data, 18, false);
    if (!(st & ST_ERR) || (data[2] & 0x0f) != 5 || data[12] != 0x21) {
        test_fail("READ(10) past the end: status 0x%02x, sense %x/%02x, want ERR, 5/21", st,
                  data[2] & 0x0f, data[12]);
    }
    printf("ide: ATAPI READ(10) past the end: ILLEGAL REQUEST, LBA out of range\n");
}

void test_main(void)
{
    char arg[8];
    uint32_t cd_blocks;

    disk_sectors = cmdline_get_uint("sectors", 0);
    cd_blocks = cmdline_get_uint("cdblocks", 0);
    mimic_checks = cmdline_get("mimic", arg, sizeof(arg)) && arg[0] == '1';
    if (disk_sectors < LBA48_BASE + 32 || cd_blocks < 8) {
        test_fail("give sectors= (> 2^28 + 32) and cdblocks= (>= 8)");
    }
    find_controller();
    irq_setup();
    outb(PRI_CTL, 0x02); /* nIEN while the PIO commands run (polled) */
    check_identify();
    pio_read(CMD_READ_SECTORS, 5, 4, 1, "READ SECTORS");
    pio_read(CMD_READ_SECTORS_EXT, LBA48_BASE + 3, 2, 1, "READ SECTORS EXT");
    select_device(PRI_CMD, 0xe0);
    outb(PRI_CMD + REG_NSECT, 4);
    if (ata_nodata(CMD_SET_MULTIPLE, "SET MULTIPLE MODE") & ST_ERR) {
        test_fail("SET MULTIPLE MODE 4 failed");
    }
    pio_read(CMD_READ_MULTIPLE, 10, 8, 4, "READ MULTIPLE");
    pio_write(100, 2, false);
    pio_write(LBA48_BASE + 20, 1, true);
    if (ata_nodata(CMD_FLUSH_CACHE, "FLUSH CACHE") & ST_ERR) {
        test_fail("FLUSH CACHE failed");
    }
    check_written(100, 2);
    check_written(LBA48_BASE + 20, 1);
    check_dma_read();
    check_dma_write(200);
    check_past_end();
    dma_hostile("READ DMA EXT, PRD buffer outside RAM", false, NOT_RAM, 1);
    dma_hostile("READ DMA EXT, PRD table outside RAM", true, (uint32_t)(uintptr_t)dma_buf, 1);
    if (mimic_checks) { /* QEMU waits forever for the rest of the table */
        dma_hostile("READ DMA EXT of 64 sectors, 512-byte PRD table", false,
                    (uint32_t)(uintptr_t)dma_buf, 64);
    }
    check_atapi(cd_blocks);
    if (ata_nodata(CMD_FLUSH_CACHE, "FLUSH CACHE") & ST_ERR) {
        test_fail("FLUSH CACHE failed");
    }
}
