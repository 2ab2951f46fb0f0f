/*
 * The ATA command set of a disk (ATA/ATAPI-7 vol. 1 §6), and the few ATA
 * commands an ATAPI device answers: a table from opcode to handler, then one
 * small function per command. Sector transfers are handed to the core's
 * transfer engine as image byte ranges.
 *
 * An address past the end of the medium fails with IDNF (§6.1, "ID not
 * found"); QEMU reports ABRT there. Left out: security, SMART, HPA (SET MAX),
 * TRIM, queued and streaming commands, CHS addressing past INITIALIZE DEVICE
 * PARAMETERS' geometry.
 */
#include "ide-internal.h"

enum {
    ATA_CMD_DEVICE_RESET = 0x08,
    ATA_CMD_READ_SECTORS = 0x20,
    ATA_CMD_READ_SECTORS_NR = 0x21,
    ATA_CMD_READ_SECTORS_EXT = 0x24,
    ATA_CMD_READ_DMA_EXT = 0x25,
    ATA_CMD_READ_NATIVE_MAX_EXT = 0x27,
    ATA_CMD_READ_MULTIPLE_EXT = 0x29,
    ATA_CMD_WRITE_SECTORS = 0x30,
    ATA_CMD_WRITE_SECTORS_NR = 0x31,
    ATA_CMD_WRITE_SECTORS_EXT = 0x34,
    ATA_CMD_WRITE_DMA_EXT = 0x35,
    ATA_CMD_WRITE_MULTIPLE_EXT = 0x39,
    ATA_CMD_READ_VERIFY = 0x40,
    ATA_CMD_READ_VERIFY_NR = 0x41,
    ATA_CMD_READ_VERIFY_EXT = 0x42,
    ATA_CMD_SEEK = 0x70,
    ATA_CMD_DIAGNOSTIC = 0x90,
    ATA_CMD_INIT_DEV_PARAMS = 0x91,
    ATA_CMD_STANDBY_IMMEDIATE_OLD = 0x94,
    ATA_CMD_IDLE_IMMEDIATE_OLD = 0x95,
    ATA_CMD_STANDBY_OLD = 0x96,
    ATA_CMD_IDLE_OLD = 0x97,
    ATA_CMD_CHECK_POWER_OLD = 0x98,
    ATA_CMD_PACKET = 0xa0,
    ATA_CMD_IDENTIFY_PACKET = 0xa1,
    ATA_CMD_READ_MULTIPLE = 0xc4,
    ATA_CMD_WRITE_MULTIPLE = 0xc5,
    ATA_CMD_SET_MULTIPLE = 0xc6,
    ATA_CMD_READ_DMA = 0xc8,
    ATA_CMD_READ_DMA_NR = 0xc9,
    ATA_CMD_WRITE_DMA = 0xca,
    ATA_CMD_WRITE_DMA_NR = 0xcb,
    ATA_CMD_STANDBY_IMMEDIATE = 0xe0,
    ATA_CMD_IDLE_IMMEDIATE = 0xe1,
    ATA_CMD_STANDBY = 0xe2,
    ATA_CMD_IDLE = 0xe3,
    ATA_CMD_CHECK_POWER = 0xe5,
    ATA_CMD_SLEEP = 0xe6,
    ATA_CMD_FLUSH_CACHE = 0xe7,
    ATA_CMD_FLUSH_CACHE_EXT = 0xea,
    ATA_CMD_IDENTIFY = 0xec,
    ATA_CMD_SET_FEATURES = 0xef,
    ATA_CMD_READ_NATIVE_MAX = 0xf8,
};

/* SET FEATURES subcommands (§6.49). */
enum {
    ATA_SF_ENABLE_WCACHE = 0x02,
    ATA_SF_XFER_MODE = 0x03,
    ATA_SF_DISABLE_WCACHE = 0x82,
};

#define ATA_LBA28_MAX 0x0fffffffULL

/* How a sector command moves its data. */
typedef enum {
    ATA_XFER_PIO,      /* one sector per DRQ block */
    ATA_XFER_MULTIPLE, /* SET MULTIPLE MODE's block */
    ATA_XFER_DMA,
} ATAXferKind;

typedef struct ATACommand {
    void (*handler)(IDEState *s, const struct ATACommand *c);
    bool disk; /* a disk accepts it */
    bool cd;   /* an ATAPI device accepts it */
    bool lba48;
    bool is_write;
    ATAXferKind xfer;
} ATACommand;

/* ---- addressing ---- */

void ata_set_signature(IDEState *s)
{
    s->nsector = 1;
    s->lba_low = 1;
    if (s->kind == IDE_KIND_CD) {
        s->lba_mid = 0x14; /* "EB14": a PACKET device (§9.12) */
        s->lba_high = 0xeb;
    } else {
        s->lba_mid = 0;
        s->lba_high = 0;
    }
}

static uint64_t ata_get_sector(IDEState *s, bool lba48)
{
    if (lba48) {
        return (uint64_t)s->hob_lba_high << 40 | (uint64_t)s->hob_lba_mid << 32 |
               (uint64_t)s->hob_lba_low << 24 | s->lba_high << 16 | s->lba_mid << 8 | s->lba_low;
    }
    if (s->device & ATA_DEV_LBA) {
        return (uint64_t)(s->device & 0x0f) << 24 | s->lba_high << 16 | s->lba_mid << 8 |
               s->lba_low;
    }
    /* CHS: sector numbers start at 1; 0 gives an address past any disk. */
    if (s->lba_low == 0) {
        return UINT64_MAX;
    }
    return ((uint64_t)(s->lba_high << 8 | s->lba_mid) * s->heads + (s->device & 0x0f)) *
               s->sectors +
           s->lba_low - 1;
}

/* Leave the address registers on sector, as the command's addressing mode writes them. */
static void ata_set_sector(IDEState *s, uint64_t sector)
{
    bool lba48 = s->lba48;

    if (s->device & ATA_DEV_LBA || lba48) {
        s->lba_low = sector;
        s->lba_mid = sector >> 8;
        s->lba_high = sector >> 16;
        s->hob_lba_low = sector >> 24;
        s->hob_lba_mid = sector >> 32;
        s->hob_lba_high = sector >> 40;
        if (!lba48) {
            s->device = (s->device & 0xf0) | ((sector >> 24) & 0x0f);
        }
        return;
    }
    if (s->heads && s->sectors) {
        uint64_t cyl = sector / (s->heads * s->sectors);
        uint32_t rem = sector % (s->heads * s->sectors);
        s->lba_high = cyl >> 8;
        s->lba_mid = cyl;
        s->device = (s->device & 0xf0) | (rem / s->sectors);
        s->lba_low = rem % s->sectors + 1;
    }
}

static uint32_t ata_get_count(IDEState *s, bool lba48)
{
    if (lba48) {
        uint32_t n = s->hob_nsector << 8 | s->nsector;
        return n ? n : 65536;
    }
    return s->nsector ? s->nsector : 256;
}

/* ---- transfers ---- */

void ata_transfer_step_ready(IDEState *s)
{
    ata_set_sector(s, s->xfer.offset / IDE_SECTOR_SIZE);
    if (!s->xfer.is_write) {
        ide_set_irq(s);
    }
}

void ata_transfer_done(IDEState *s)
{
    ata_set_sector(s, s->xfer.offset / IDE_SECTOR_SIZE - 1);
    s->status = ATA_STAT_DRDY | ATA_STAT_DSC;
    /* PIO data-in interrupts before each block, not after the last (§9.7). */
    if (s->xfer.is_dma || s->xfer.is_write) {
        ide_set_irq(s);
    }
}

/* Is [sector, sector + count) inside the disk? */
static bool ata_range_ok(IDEState *s, uint64_t sector, uint32_t count)
{
    return sector <= s->nb_sectors && count <= s->nb_sectors - sector;
}

static void ata_rw(IDEState *s, const ATACommand *c)
{
    uint64_t sector = ata_get_sector(s, c->lba48);
    uint32_t count = ata_get_count(s, c->lba48);
    uint32_t block = 1;

    if (c->xfer == ATA_XFER_MULTIPLE) {
        if (!s->mult_sectors) {
            ide_abort_command(s);
            return;
        }
        block = s->mult_sectors;
    } else if (c->xfer == ATA_XFER_DMA) {
        block = IDE_BUF_SIZE / IDE_SECTOR_SIZE;
    }
    if (!ata_range_ok(s, sector, count)) {
        ide_error(s, ATA_ERR_IDNF);
        return;
    }
    if (c->is_write && s->dinfo->read_only) {
        ide_abort_command(s);
        return;
    }
    ide_start_transfer(s, sector * IDE_SECTOR_SIZE, (uint64_t)count * IDE_SECTOR_SIZE,
                       block * IDE_SECTOR_SIZE, c->is_write, c->xfer == ATA_XFER_DMA);
}

/* READ VERIFY: the data stays on the medium; only the address is checked. */
static void ata_read_verify(IDEState *s, const ATACommand *c)
{
    uint64_t sector = ata_get_sector(s, c->lba48);
    uint32_t count = ata_get_count(s, c->lba48);

    if (!ata_range_ok(s, sector, count)) {
        ide_error(s, ATA_ERR_IDNF);
        return;
    }
    ata_set_sector(s, sector + count - 1);
    ide_command_done(s);
}

static void ata_read_native_max(IDEState *s, const ATACommand *c)
{
    uint64_t max = s->nb_sectors ? s->nb_sectors - 1 : 0;

    if (!c->lba48) {
        max = MIN(max, ATA_LBA28_MAX);
        s->device |= ATA_DEV_LBA;
    }
    ata_set_sector(s, max);
    ide_command_done(s);
}

/* ---- IDENTIFY DEVICE (§6.17, table 16) ---- */

static void ata_identify(IDEState *s, const ATACommand *c)
{
    uint16_t *w;
    uint64_t lba28 = MIN(s->nb_sectors, ATA_LBA28_MAX);
    bool wce = blk_enable_write_cache(s->blk);
    uint8_t mode = s->xfer_mode;

    /* A PACKET device aborts it, with its signature for the driver to see (§6.17). */
    if (s->kind == IDE_KIND_CD) {
        ata_set_signature(s);
        ide_abort_command(s);
        return;
    }
    w = ide_identify_start(s, "MIMIC HARDDISK");
    w[0] = 0x0040; /* fixed device */
    w[1] = s->cylinders;
    w[3] = s->heads;
    w[6] = s->sectors;
    w[47] = 0x8000 | IDE_MAX_MULT;
    w[49] = 0x0b00; /* IORDY, LBA, DMA */
    w[51] = 0x0200; /* PIO mode 2 timing */
    w[53] = 0x0007; /* words 54-58, 64-70 and 88 are valid */
    w[54] = s->cylinders;
    w[55] = s->heads;
    w[56] = s->sectors;
    w[57] = (uint32_t)s->cylinders * s->heads * s->sectors;
    w[58] = ((uint32_t)s->cylinders * s->heads * s->sectors) >> 16;
    w[59] = s->mult_sectors ? 0x100 | s->mult_sectors : 0;
    w[60] = lba28;
    w[61] = lba28 >> 16;
    w[63] = 0x0007 | ((mode >> 3) == 4 ? 0x100 << (mode & 7) : 0);
    w[64] = 0x0003; /* PIO 3 and 4 */
    w[65] = w[66] = w[67] = w[68] = 120;
    w[80] = 0x00f0;                            /* ATA/ATAPI-4 to -7 */
    w[82] = 0x4000 | 0x0020;                   /* NOP, write cache */
    w[83] = 0x4000 | 0x2000 | 0x1000 | 0x0400; /* FLUSH EXT, FLUSH, 48-bit */
    w[84] = 0x4000;
    w[85] = wce ? 0x0020 : 0;
    w[86] = 0x2000 | 0x1000 | 0x0400;
    w[87] = 0x4000;
    w[88] = 0x003f | ((mode >> 3) == 8 ? 0x100 << (mode & 7) : 0);
    w[93] = 0x6001 | 0x4000; /* device 0 passed diagnostics, cable detected */
    w[100] = s->nb_sectors;
    w[101] = s->nb_sectors >> 16;
    w[102] = s->nb_sectors >> 32;
    w[103] = s->nb_sectors >> 48;
    ide_identify_send(s);
}

/* ---- other commands ---- */

static void ata_set_multiple(IDEState *s, const ATACommand *c)
{
    uint8_t n = s->nsector;

    /* A power of two up to the block size IDENTIFY offers; 0 turns the mode off. */
    if (n > IDE_MAX_MULT || (n & (n - 1))) {
        ide_abort_command(s);
        return;
    }
    s->mult_sectors = n;
    ide_command_done(s);
}

/* A SET FEATURES 03h value (§6.49.5): a mode IDENTIFY words 63, 64 and 88 offer. */
static bool ata_xfer_mode_supported(uint8_t value)
{
    uint8_t mode = value & 7;

    switch (value >> 3) {
    case 0: /* PIO default mode, with or without IORDY */
        return mode <= 1;
    case 1: /* PIO flow control mode */
        return mode <= 4;
    case 4: /* multiword DMA */
        return mode <= 2;
    case 8: /* Ultra DMA */
        return mode <= 5;
    }
    return false;
}

static void ata_set_features(IDEState *s, const ATACommand *c)
{
    switch (s->feature) {
    case ATA_SF_ENABLE_WCACHE:
    case ATA_SF_DISABLE_WCACHE:
        if (s->kind != IDE_KIND_DISK) {
            break;
        }
        blk_set_enable_write_cache(s->blk, s->feature == ATA_SF_ENABLE_WCACHE);
        ide_command_done(s);
        return;
    case ATA_SF_XFER_MODE:
        if (!ata_xfer_mode_supported(s->nsector)) {
            break;
        }
        s->xfer_mode = s->nsector;
        ide_command_done(s);
        return;
    case 0x55: /* read look-ahead off/on, reverting to defaults: nothing to change */
    case 0xaa:
    case 0x66:
    case 0xcc:
        ide_command_done(s);
        return;
    }
    ide_abort_command(s);
}

static void ata_flush(IDEState *s, const ATACommand *c)
{
    ide_start_flush(s);
}

static void ata_nop_ok(IDEState *s, const ATACommand *c)
{
    ide_command_done(s);
}

static void ata_check_power(IDEState *s, const ATACommand *c)
{
    s->nsector = 0xff; /* active or idle */
    ide_command_done(s);
}

/* INITIALIZE DEVICE PARAMETERS: the CHS translation for later CHS commands. */
static void ata_init_dev_params(IDEState *s, const ATACommand *c)
{
    uint32_t heads = (s->device & 0x0f) + 1;

    if (s->nsector == 0) {
        ide_abort_command(s);
        return;
    }
    s->heads = heads;
    s->sectors = s->nsector;
    s->cylinders = MIN(s->nb_sectors / (heads * s->sectors), 65535);
    ide_command_done(s);
}

static void ata_diagnostic(IDEState *s, const ATACommand *c)
{
    ata_set_signature(s);
    s->error = 0x01;
    s->status = s->kind == IDE_KIND_CD ? 0 : ATA_STAT_DRDY | ATA_STAT_DSC;
    ide_set_irq(s);
}

/* DEVICE RESET (ATAPI only): the device back to its signature, no interrupt. */
static void ata_device_reset(IDEState *s, const ATACommand *c)
{
    ide_device_reset(s);
}

static void ata_identify_packet(IDEState *s, const ATACommand *c)
{
    atapi_identify(s);
}

static void ata_packet(IDEState *s, const ATACommand *c)
{
    atapi_start_packet(s);
}

#define RW(kind, lba48_, write_)                                                                   \
    {                                                                                              \
        ata_rw, .disk = true, .lba48 = lba48_, .is_write = write_, .xfer = kind                    \
    }
#define VERIFY(lba48_)                                                                             \
    {                                                                                              \
        ata_read_verify, .disk = true, .lba48 = lba48_                                             \
    }
#define BOTH(fn)                                                                                   \
    {                                                                                              \
        fn, .disk = true, .cd = true                                                               \
    }
#define DISK(fn)                                                                                   \
    {                                                                                              \
        fn, .disk = true                                                                           \
    }

static const ATACommand ata_commands[256] = {
    [ATA_CMD_DEVICE_RESET] = {ata_device_reset, .cd = true},
    [ATA_CMD_READ_SECTORS] = RW(ATA_XFER_PIO, false, false),
    [ATA_CMD_READ_SECTORS_NR] = RW(ATA_XFER_PIO, false, false),
    [ATA_CMD_READ_SECTORS_EXT] = RW(ATA_XFER_PIO, true, false),
    [ATA_CMD_READ_MULTIPLE] = RW(ATA_XFER_MULTIPLE, false, false),
    [ATA_CMD_READ_MULTIPLE_EXT] = RW(ATA_XFER_MULTIPLE, true, false),
    [ATA_CMD_READ_DMA] = RW(ATA_XFER_DMA, false, false),
    [ATA_CMD_READ_DMA_NR] = RW(ATA_XFER_DMA, false, false),
    [ATA_CMD_READ_DMA_EXT] = RW(ATA_XFER_DMA, true, false),
    [ATA_CMD_WRITE_SECTORS] = RW(ATA_XFER_PIO, false, true),
    [ATA_CMD_WRITE_SECTORS_NR] = RW(ATA_XFER_PIO, false, true),
    [ATA_CMD_WRITE_SECTORS_EXT] = RW(ATA_XFER_PIO, true, true),
    [ATA_CMD_WRITE_MULTIPLE] = RW(ATA_XFER_MULTIPLE, false, true),
    [ATA_CMD_WRITE_MULTIPLE_EXT] = RW(ATA_XFER_MULTIPLE, true, true),
    [ATA_CMD_WRITE_DMA] = RW(ATA_XFER_DMA, false, true),
    [ATA_CMD_WRITE_DMA_NR] = RW(ATA_XFER_DMA, false, true),
    [ATA_CMD_WRITE_DMA_EXT] = RW(ATA_XFER_DMA, true, true),
    [ATA_CMD_READ_VERIFY] = VERIFY(false),
    [ATA_CMD_READ_VERIFY_NR] = VERIFY(false),
    [ATA_CMD_READ_VERIFY_EXT] = VERIFY(true),
    [ATA_CMD_READ_NATIVE_MAX] = DISK(ata_read_native_max),
    [ATA_CMD_READ_NATIVE_MAX_EXT] = {ata_read_native_max, .disk = true, .lba48 = true},
    [ATA_CMD_SEEK] = DISK(ata_nop_ok),
    [ATA_CMD_DIAGNOSTIC] = BOTH(ata_diagnostic),
    [ATA_CMD_INIT_DEV_PARAMS] = DISK(ata_init_dev_params),
    [ATA_CMD_STANDBY_IMMEDIATE_OLD] = BOTH(ata_nop_ok),
    [ATA_CMD_IDLE_IMMEDIATE_OLD] = BOTH(ata_nop_ok),
    [ATA_CMD_STANDBY_OLD] = BOTH(ata_nop_ok),
    [ATA_CMD_IDLE_OLD] = BOTH(ata_nop_ok),
    [ATA_CMD_CHECK_POWER_OLD] = BOTH(ata_check_power),
    [ATA_CMD_PACKET] = {ata_packet, .cd = true},
    [ATA_CMD_IDENTIFY_PACKET] = {ata_identify_packet, .cd = true},
    [ATA_CMD_SET_MULTIPLE] = DISK(ata_set_multiple),
    [ATA_CMD_STANDBY_IMMEDIATE] = BOTH(ata_nop_ok),
    [ATA_CMD_IDLE_IMMEDIATE] = BOTH(ata_nop_ok),
    [ATA_CMD_STANDBY] = BOTH(ata_nop_ok),
    [ATA_CMD_IDLE] = BOTH(ata_nop_ok),
    [ATA_CMD_CHECK_POWER] = BOTH(ata_check_power),
    [ATA_CMD_SLEEP] = BOTH(ata_nop_ok),
    [ATA_CMD_FLUSH_CACHE] = DISK(ata_flush),
    [ATA_CMD_FLUSH_CACHE_EXT] = DISK(ata_flush),
    [ATA_CMD_IDENTIFY] = BOTH(ata_identify),
    [ATA_CMD_SET_FEATURES] = BOTH(ata_set_features),
};

void ata_exec_command(IDEState *s, uint8_t cmd)
{
    const ATACommand *c = &ata_commands[cmd];
    bool accepted = s->kind == IDE_KIND_CD ? c->cd : c->disk;

    if (!c->handler || !accepted) {
        ide_abort_command(s);
        return;
    }
    s->lba48 = c->lba48;
    c->handler(s, c);
}
