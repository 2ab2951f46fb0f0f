/*
 * An ATAPI CD-ROM: the PACKET protocol (ATA/ATAPI-7 vol. 2 §9.10) carrying
 * SCSI MMC commands for a read-only 2048-byte-block medium, the image. What
 * Linux's sr driver and PC firmware ask: TEST UNIT READY, REQUEST SENSE,
 * INQUIRY, READ CAPACITY, READ(10)/(12), READ TOC (formats 0 and 1), MODE
 * SENSE(10) of the error recovery and capabilities pages, GET CONFIGURATION
 * with the CD-ROM profile, START STOP UNIT (eject, load) and PREVENT ALLOW
 * MEDIUM REMOVAL. Everything else is ILLEGAL REQUEST / invalid opcode.
 *
 * Left out: audio, writing, DVD structures, media event notification, READ CD.
 */
#include "ide-internal.h"

/* MMC-6 operation codes. */
enum {
    MMC_TEST_UNIT_READY = 0x00,
    MMC_REQUEST_SENSE = 0x03,
    MMC_INQUIRY = 0x12,
    MMC_START_STOP_UNIT = 0x1b,
    MMC_PREVENT_ALLOW = 0x1e,
    MMC_READ_CAPACITY = 0x25,
    MMC_READ_10 = 0x28,
    MMC_SEEK_10 = 0x2b,
    MMC_READ_TOC = 0x43,
    MMC_GET_CONFIGURATION = 0x46,
    MMC_MODE_SENSE_10 = 0x5a,
    MMC_READ_12 = 0xa8,
};

/* Sense keys and additional sense codes (SPC-3 §4.5.6, annex D). */
enum {
    SENSE_NONE = 0x00,
    SENSE_NOT_READY = 0x02,
    SENSE_MEDIUM_ERROR = 0x03,
    SENSE_ILLEGAL_REQUEST = 0x05,
    SENSE_UNIT_ATTENTION = 0x06,
};
enum {
    ASC_READ_ERROR = 0x11,
    ASC_INVALID_OPCODE = 0x20,
    ASC_LBA_OUT_OF_RANGE = 0x21,
    ASC_INVALID_FIELD = 0x24,
    ASC_MEDIUM_CHANGED = 0x28,
    ASC_MEDIUM_REMOVAL_PREVENTED = 0x53,
    ASC_NO_MEDIUM = 0x3a,
};

#define MMC_PROFILE_CDROM 0x0008

static uint32_t atapi_nb_blocks(IDEState *s)
{
    return MIN(s->nb_sectors / (ATAPI_SECTOR_SIZE / IDE_SECTOR_SIZE), UINT32_MAX);
}

static bool atapi_has_medium(IDEState *s)
{
    return !s->tray_open;
}

/* ---- status ---- */

static void atapi_command_ok(IDEState *s)
{
    s->sense_key = SENSE_NONE;
    s->asc = 0;
    s->nsector = ATAPI_INTR_IO | ATAPI_INTR_COD;
    s->status = ATA_STAT_DRDY | ATA_STAT_DSC;
    ide_set_irq(s);
}

/* CHECK CONDITION: the sense kept for REQUEST SENSE, the key in the error register. */
static void atapi_check_condition(IDEState *s, uint8_t key, uint8_t asc)
{
    s->xfer.active = false;
    s->pos = s->end = 0;
    s->sense_key = key;
    s->asc = asc;
    s->error = key << 4 | ATA_ERR_ABRT;
    s->nsector = ATAPI_INTR_IO | ATAPI_INTR_COD;
    s->status = ATA_STAT_DRDY | ATA_STAT_ERR;
    ide_set_irq(s);
}

void atapi_transfer_step_ready(IDEState *s)
{
    s->nsector = ATAPI_INTR_IO;
    s->lba_mid = s->end;
    s->lba_high = s->end >> 8;
    ide_set_irq(s);
}

void atapi_transfer_done(IDEState *s)
{
    atapi_command_ok(s);
}

void atapi_transfer_failed(IDEState *s)
{
    atapi_check_condition(s, SENSE_MEDIUM_ERROR, ASC_READ_ERROR);
}

void atapi_reset(IDEState *s)
{
    s->sense_key = SENSE_NONE;
    s->asc = 0;
    s->tray_locked = false;
}

/* ---- replies from the buffer ---- */

static uint32_t atapi_pio_block(IDEState *s, uint32_t left)
{
    return MIN(left, s->byte_limit);
}

static void atapi_reply_next(IDEState *s)
{
    uint32_t sent = s->end;
    uint32_t left = s->xfer.left - sent;

    if (left == 0) {
        atapi_command_ok(s);
        return;
    }
    memmove(s->buf, s->buf + sent, left);
    s->xfer.left = left;
    ide_start_data(s, atapi_pio_block(s, left), atapi_reply_next);
    atapi_transfer_step_ready(s);
}

/* Send len bytes of s->buf, cut to the command's allocation length. */
static void atapi_reply(IDEState *s, uint32_t len, uint32_t alloc)
{
    len = MIN(len, alloc);
    if (len == 0) {
        atapi_command_ok(s);
        return;
    }
    if (s->feature & 1) {
        ide_start_dma_from_buf(s, len);
        return;
    }
    s->xfer.left = len;
    ide_start_data(s, atapi_pio_block(s, len), atapi_reply_next);
    atapi_transfer_step_ready(s);
}

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    put_be16(p, v >> 16);
    put_be16(p + 2, v);
}

static uint16_t get_be16(const uint8_t *p)
{
    return p[0] << 8 | p[1];
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)get_be16(p) << 16 | get_be16(p + 2);
}

/* ---- commands ---- */

static void atapi_request_sense(IDEState *s, const uint8_t *cdb)
{
    uint8_t *b = s->buf;
    uint8_t key = s->sense_key, asc = s->asc;

    memset(b, 0, 18);
    b[0] = 0x70; /* current error, fixed format */
    b[2] = key;
    b[7] = 10;
    b[12] = asc;
    atapi_reply(s, 18, cdb[4]);
}

static void atapi_inquiry(IDEState *s, const uint8_t *cdb)
{
    uint8_t *b = s->buf;

    memset(b, 0, 36);
    b[0] = 0x05; /* CD/DVD device */
    b[1] = 0x80; /* removable */
    b[2] = 0x05; /* SPC-3 */
    b[3] = 0x21; /* ATAPI, response format 2 */
    b[4] = 36 - 5;
    memcpy(b + 8, "MIMIC   ", 8);
    memcpy(b + 16, "MIMIC DVD-ROM   ", 16);
    memcpy(b + 32, "1.0 ", 4);
    atapi_reply(s, 36, get_be16(cdb + 3));
}

static void atapi_read_capacity(IDEState *s, const uint8_t *cdb)
{
    uint32_t blocks = atapi_nb_blocks(s);

    put_be32(s->buf, blocks ? blocks - 1 : 0);
    put_be32(s->buf + 4, ATAPI_SECTOR_SIZE);
    atapi_reply(s, 8, 8);
}

static void atapi_read(IDEState *s, uint32_t lba, uint32_t count)
{
    uint32_t step = MAX(s->byte_limit / ATAPI_SECTOR_SIZE, 1) * ATAPI_SECTOR_SIZE;

    if ((uint64_t)lba + count > atapi_nb_blocks(s)) {
        atapi_check_condition(s, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
        return;
    }
    if (count == 0) {
        atapi_command_ok(s);
        return;
    }
    if (s->feature & 1) {
        step = IDE_BUF_SIZE;
    }
    ide_start_transfer(s, (int64_t)lba * ATAPI_SECTOR_SIZE, (uint64_t)count * ATAPI_SECTOR_SIZE,
                       step, false, s->feature & 1);
}

static void atapi_read_10(IDEState *s, const uint8_t *cdb)
{
    atapi_read(s, get_be32(cdb + 2), get_be16(cdb + 7));
}

static void atapi_read_12(IDEState *s, const uint8_t *cdb)
{
    atapi_read(s, get_be32(cdb + 2), get_be32(cdb + 6));
}

/* A TOC address: an LBA, or minutes/seconds/frames counted from the 2-second pregap. */
static void atapi_put_toc_addr(uint8_t *p, uint32_t lba, bool msf)
{
    if (msf) {
        lba += 150;
        p[0] = 0;
        p[1] = lba / (75 * 60);
        p[2] = (lba / 75) % 60;
        p[3] = lba % 75;
    } else {
        put_be32(p, lba);
    }
}

/* READ TOC/PMA/ATIP: one data track and the lead-out (format 0), or the session (1). */
static void atapi_read_toc(IDEState *s, const uint8_t *cdb)
{
    bool msf = cdb[1] & 2;
    uint8_t format = cdb[2] & 0x0f;
    uint8_t *b = s->buf;
    uint32_t len;

    memset(b, 0, 20);
    b[2] = 1; /* first track or session */
    b[3] = 1; /* last */
    switch (format) {
    case 0:
        if (cdb[6] > 1 && cdb[6] != 0xaa) {
            atapi_check_condition(s, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
            return;
        }
        b[5] = 0x14; /* ADR 1, data track */
        b[6] = 1;
        atapi_put_toc_addr(b + 8, 0, msf);
        b[13] = 0x14;
        b[14] = 0xaa; /* lead-out */
        atapi_put_toc_addr(b + 16, atapi_nb_blocks(s), msf);
        len = 20;
        break;
    case 1:
        b[5] = 0x14;
        b[6] = 1;
        atapi_put_toc_addr(b + 8, 0, msf);
        len = 12;
        break;
    default:
        atapi_check_condition(s, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
        return;
    }
    put_be16(b, len - 2);
    atapi_reply(s, len, get_be16(cdb + 7));
}

/* Mode pages (MMC-6 §7): read-write error recovery (01h) and capabilities (2Ah). */
static uint32_t atapi_mode_page(IDEState *s, uint8_t page, uint8_t *p)
{
    switch (page) {
    case 0x01:
        memset(p, 0, 12);
        p[0] = 0x01;
        p[1] = 10;
        p[3] = 5; /* read retry count */
        return 12;
    case 0x2a:
        memset(p, 0, 30);
        p[0] = 0x2a;
        p[1] = 28;
        p[2] = 0x3b; /* reads CD-R, CD-RW, DVD-ROM, DVD-R, DVD-RAM: as a DVD-ROM drive does */
        p[4] = 0x71; /* multi-session, mode 2 forms, audio play */
        p[6] = 0x29 | (s->tray_locked ? 0x02 : 0); /* eject, tray loader, lock */
        put_be16(p + 8, 706);                      /* max read speed, kB/s (4x) */
        put_be16(p + 10, 2);
        put_be16(p + 12, 512); /* buffer KiB */
        put_be16(p + 14, 706);
        return 30;
    }
    return 0;
}

static void atapi_mode_sense(IDEState *s, const uint8_t *cdb)
{
    uint8_t page = cdb[2] & 0x3f;
    uint8_t *b = s->buf;
    uint32_t len = 8;

    if ((cdb[2] >> 6) == 3) { /* saved values: none (SPC-3 §6.11) */
        atapi_check_condition(s, SENSE_ILLEGAL_REQUEST, 0x39);
        return;
    }
    memset(b, 0, 8);
    if (page == 0x3f) {
        len += atapi_mode_page(s, 0x01, b + len);
        len += atapi_mode_page(s, 0x2a, b + len);
    } else {
        len += atapi_mode_page(s, page, b + len);
        if (len == 8) {
            atapi_check_condition(s, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
            return;
        }
    }
    put_be16(b, len - 2);
    b[2] = atapi_has_medium(s) ? 0x01 : 0x70; /* 120 mm data disc, or no disc */
    atapi_reply(s, len, get_be16(cdb + 7));
}

/* GET CONFIGURATION: the header with the current profile and the profile list feature. */
static void atapi_get_configuration(IDEState *s, const uint8_t *cdb)
{
    uint8_t *b = s->buf;
    uint32_t len = 16;

    memset(b, 0, len);
    put_be32(b, len - 4);
    put_be16(b + 6, atapi_has_medium(s) ? MMC_PROFILE_CDROM : 0);
    /* Feature 0000h, current, persistent, one profile descriptor. */
    b[10] = 0x03;
    b[11] = 4;
    put_be16(b + 12, MMC_PROFILE_CDROM);
    b[14] = atapi_has_medium(s);
    atapi_reply(s, len, get_be16(cdb + 7));
}

static void atapi_start_stop(IDEState *s, const uint8_t *cdb)
{
    bool load_eject = cdb[4] & 2, start = cdb[4] & 1;

    if (load_eject) {
        if (!start && s->tray_locked) {
            atapi_check_condition(s, SENSE_NOT_READY, ASC_MEDIUM_REMOVAL_PREVENTED);
            return;
        }
        s->unit_attention |= s->tray_open && start; /* a medium (re)loaded */
        s->tray_open = !start;
    }
    atapi_command_ok(s);
}

static void atapi_prevent_allow(IDEState *s, const uint8_t *cdb)
{
    s->tray_locked = cdb[4] & 1;
    atapi_command_ok(s);
}

static void atapi_test_unit_ready(IDEState *s, const uint8_t *cdb)
{
    atapi_command_ok(s);
}

typedef struct ATAPICommand {
    void (*handler)(IDEState *s, const uint8_t *cdb);
    bool needs_medium;
} ATAPICommand;

static const ATAPICommand atapi_commands[256] = {
    [MMC_TEST_UNIT_READY] = {atapi_test_unit_ready, true},
    [MMC_REQUEST_SENSE] = {atapi_request_sense},
    [MMC_INQUIRY] = {atapi_inquiry},
    [MMC_START_STOP_UNIT] = {atapi_start_stop},
    [MMC_PREVENT_ALLOW] = {atapi_prevent_allow},
    [MMC_READ_CAPACITY] = {atapi_read_capacity, true},
    [MMC_READ_10] = {atapi_read_10, true},
    [MMC_SEEK_10] = {atapi_test_unit_ready, true},
    [MMC_READ_TOC] = {atapi_read_toc, true},
    [MMC_GET_CONFIGURATION] = {atapi_get_configuration},
    [MMC_MODE_SENSE_10] = {atapi_mode_sense},
    [MMC_READ_12] = {atapi_read_12, true},
};

static void atapi_exec_packet(IDEState *s)
{
    const uint8_t *cdb = s->packet;
    const ATAPICommand *c;

    memcpy(s->packet, s->buf, sizeof(s->packet));
    c = &atapi_commands[cdb[0]];
    s->status = ATA_STAT_BSY;
    if (!c->handler) {
        atapi_check_condition(s, SENSE_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
        return;
    }
    /* A medium change is reported once, to the first command that is not a sense query. */
    if (s->unit_attention && cdb[0] != MMC_REQUEST_SENSE && cdb[0] != MMC_INQUIRY) {
        s->unit_attention = false;
        atapi_check_condition(s, SENSE_UNIT_ATTENTION, ASC_MEDIUM_CHANGED);
        return;
    }
    if (c->needs_medium && !atapi_has_medium(s)) {
        atapi_check_condition(s, SENSE_NOT_READY, ASC_NO_MEDIUM);
        return;
    }
    c->handler(s, cdb);
}

/* PACKET: take the 12-byte command block through a PIO data-out phase (§9.10). */
void atapi_start_packet(IDEState *s)
{
    s->byte_limit = s->lba_mid | s->lba_high << 8;
    if (s->byte_limit == 0 || s->byte_limit == 0xffff) {
        s->byte_limit = 0xfffe; /* the largest even count */
    }
    s->byte_limit &= ~1;
    s->nsector = ATAPI_INTR_COD;
    ide_start_data(s, sizeof(s->packet), atapi_exec_packet);
}

/* IDENTIFY PACKET DEVICE (ATA/ATAPI-7 vol. 1 §6.18, table 19). */
void atapi_identify(IDEState *s)
{
    uint16_t *w = ide_identify_start(s, "MIMIC DVD-ROM");

    /* ATAPI, CD-ROM, removable, DRQ within 50 us of PACKET, 12-byte packets. */
    w[0] = 2 << 14 | 5 << 8 | 1 << 7 | 2 << 5;
    w[49] = 0x0300; /* LBA, DMA */
    w[53] = 0x0006; /* words 64-70 and 88 are valid */
    w[63] = 0x0007;
    w[64] = 0x0003;
    w[65] = w[66] = w[67] = w[68] = 180;
    w[80] = 0x001e; /* ATA/ATAPI-1 to -4 */
    w[88] = 0x003f;
    ide_identify_send(s);
}
