/*
 * The IDE core: one channel's task file shared by a master and a slave, the
 * status/interrupt protocol, PIO data phases and the transfer engine that
 * moves image data in steps through the block layer's asynchronous calls, so
 * a vCPU never waits for the disk (ATA/ATAPI-7 vol. 2 §9 protocols: PIO
 * data-in/out, DMA, PACKET). The adapter decodes ports and drives DMA;
 * ata.c and atapi.c give commands their meaning.
 *
 * A failed read or write goes by the drive's rerror/werror (block/
 * error-policy.c): report an error to the guest, pretend success, or stop the
 * VM with the device busy and redo the step when it resumes.
 *
 * Left out: CHS translation beyond what INITIALIZE DEVICE PARAMETERS needs,
 * overlapped/queued commands, 8-bit data transfers.
 */
#include "ide-internal.h"
#include "block/error-policy.h"
#include "system/main-loop.h"
#include "system/runstate.h"
#include "util/error.h"
#include "util/log.h"

typedef struct IDEAio {
    IDEState *s;
    unsigned generation;
    int ret;
    void (*done)(IDEState *s, int ret);
} IDEAio;

static IDEState *ide_selected(IDEBus *bus)
{
    return bus->dev[bus->unit];
}

/* ---- interrupts and command completion ---- */

void ide_set_irq(IDEState *s)
{
    IDEBus *bus = s->bus;

    s->irq_pending = true;
    if (!(bus->ctl & ATA_CTL_NIEN) && bus->unit == s->unit) {
        /* The adapter sees INTRQ itself: with nIEN set, its DMA status hears nothing either. */
        if (bus->dma_ops && bus->dma_ops->irq_raised) {
            bus->dma_ops->irq_raised(bus);
        }
        irq_raise(bus->irq);
    }
}

static void ide_clear_irq(IDEState *s)
{
    s->irq_pending = false;
    irq_lower(s->bus->irq);
}

void ide_command_done(IDEState *s)
{
    s->status = ATA_STAT_DRDY | ATA_STAT_DSC;
    ide_set_irq(s);
}

void ide_data_in_end(IDEState *s)
{
    s->status = ATA_STAT_DRDY | ATA_STAT_DSC;
}

void ide_error(IDEState *s, uint8_t error)
{
    s->xfer.active = false;
    s->end = s->pos = 0;
    s->error = error;
    s->status = ATA_STAT_DRDY | ATA_STAT_ERR;
    ide_set_irq(s);
}

void ide_abort_command(IDEState *s)
{
    ide_error(s, ATA_ERR_ABRT);
}

void ide_start_data(IDEState *s, uint32_t len, void (*end)(IDEState *s))
{
    s->pos = 0;
    s->end = len;
    s->end_data = end;
    s->status = ATA_STAT_DRDY | ATA_STAT_DSC | ATA_STAT_DRQ;
}

/* ---- asynchronous block requests ---- */

/* In the main loop, with the big lock held. */
static void ide_aio_done_bh(void *opaque)
{
    IDEAio *aio = opaque;
    IDEState *s = aio->s;

    if (aio->generation == s->generation) {
        aio->done(s, aio->ret);
    }
    g_free(aio);
}

/* On a block layer worker. */
static void ide_aio_done(void *opaque, int ret)
{
    IDEAio *aio = opaque;

    aio->ret = ret;
    main_loop_defer(ide_aio_done_bh, aio);
}

static IDEAio *ide_aio_new(IDEState *s, void (*done)(IDEState *s, int ret))
{
    IDEAio *aio = g_new0(IDEAio, 1);

    aio->s = s;
    aio->generation = s->generation;
    aio->done = done;
    s->status = ATA_STAT_BSY;
    return aio;
}

/*
 * A failed request as the drive's policy says: true when the guest should see
 * it as done (ignore), false otherwise; for stop the step waits for resume.
 */
static bool ide_handle_io_error(IDEState *s, int ret, bool is_read, bool *report)
{
    BlockErrorAction action;

    log_mask_printf(LOG_GUEST_ERROR, "ide: %s I/O error: %s\n", s->bus->name, g_strerror(-ret));
    action = block_error_handle(s->blk, is_read, -ret);
    *report = action == BLOCK_ERROR_ACTION_REPORT;
    s->retry_on_resume = action == BLOCK_ERROR_ACTION_STOP;
    return action == BLOCK_ERROR_ACTION_IGNORE;
}

static void ide_flush_done(IDEState *s, int ret)
{
    bool report = false;

    if (ret < 0 && !ide_handle_io_error(s, ret, false, &report)) {
        if (report) {
            ide_abort_command(s);
        }
        return;
    }
    ide_command_done(s);
}

void ide_start_flush(IDEState *s)
{
    blk_aio_flush(s->blk, ide_aio_done, ide_aio_new(s, ide_flush_done));
}

/* ---- the transfer engine ---- */

static void ide_xfer_next(IDEState *s);

static void ide_xfer_failed(IDEState *s, uint8_t ata_error)
{
    IDEBus *bus = s->bus;

    if (s->xfer.is_dma && bus->dma_ops) {
        bus->dma_ops->end(bus, true);
    }
    s->xfer.active = false;
    if (s->kind == IDE_KIND_CD) {
        atapi_transfer_failed(s);
    } else {
        ide_error(s, ata_error);
    }
}

static void ide_xfer_step_done(IDEState *s, int ret)
{
    IDETransfer *x = &s->xfer;
    bool report = false;

    if (ret < 0 && !ide_handle_io_error(s, ret, !x->is_write, &report)) {
        if (report) {
            ide_xfer_failed(s, x->is_write ? ATA_ERR_ABRT : ATA_ERR_UNC);
        }
        return;
    }
    if (x->is_dma && !x->is_write && !s->bus->dma_ops->rw(s->bus, s->buf, x->cur, true)) {
        ide_xfer_failed(s, ATA_ERR_ABRT);
        return;
    }
    x->offset += x->cur;
    x->left -= x->cur;
    if (!x->is_dma && !x->is_write) {
        /* The block is in the buffer: a PIO data-in phase. */
        ide_start_data(s, x->cur, ide_xfer_next);
        if (s->kind == IDE_KIND_CD) {
            atapi_transfer_step_ready(s);
        } else {
            ata_transfer_step_ready(s);
        }
        return;
    }
    ide_xfer_next(s);
}

static void ide_xfer_io(IDEState *s)
{
    IDETransfer *x = &s->xfer;
    IDEAio *aio = ide_aio_new(s, ide_xfer_step_done);

    iovec_reset(&s->qiov);
    iovec_add(&s->qiov, s->buf, x->cur);
    if (x->is_write) {
        blk_aio_pwritev(s->blk, x->offset, &s->qiov, 0, ide_aio_done, aio);
    } else {
        blk_aio_preadv(s->blk, x->offset, &s->qiov, 0, ide_aio_done, aio);
    }
}

static void ide_xfer_finish(IDEState *s)
{
    IDETransfer *x = &s->xfer;

    x->active = false;
    if (x->is_dma) {
        s->bus->dma_ops->end(s->bus, false);
    }
    if (s->kind == IDE_KIND_CD) {
        atapi_transfer_done(s);
    } else {
        ata_transfer_done(s);
    }
}

/* Start the next step, or finish; a DMA step waits until the adapter's engine runs. */
static void ide_xfer_next(IDEState *s)
{
    IDETransfer *x = &s->xfer;
    IDEBus *bus = s->bus;

    if (x->left == 0) {
        ide_xfer_finish(s);
        return;
    }
    x->cur = MIN(x->left, x->step);
    if (x->is_dma) {
        if (!bus->dma_active) {
            s->status = ATA_STAT_DRDY | ATA_STAT_DSC | ATA_STAT_DRQ;
            return;
        }
        if (x->is_write && !bus->dma_ops->rw(bus, s->buf, x->cur, false)) {
            ide_xfer_failed(s, ATA_ERR_ABRT);
            return;
        }
        if (x->from_buf) {
            ide_xfer_step_done(s, 0);
            return;
        }
        ide_xfer_io(s);
    } else if (x->is_write) {
        /* The block before was written: its interrupt asks for the next one. */
        ide_start_data(s, x->cur, ide_xfer_io);
        ata_transfer_step_ready(s);
        ide_set_irq(s);
    } else {
        ide_xfer_io(s);
    }
}

static void ide_transfer_begin(IDEState *s, const IDETransfer *x)
{
    s->xfer = *x;
    s->xfer.step = MIN(x->step, IDE_BUF_SIZE);
    s->xfer.active = true;
    s->end = s->pos = 0;
    if (x->is_dma && !s->bus->dma_ops) {
        ide_abort_command(s);
        return;
    }
    if (!x->is_dma && x->is_write) {
        /* PIO data-out: the first block is asked for without an interrupt (§9.8). */
        s->xfer.cur = MIN(x->left, s->xfer.step);
        ide_start_data(s, s->xfer.cur, ide_xfer_io);
        ata_transfer_step_ready(s);
        return;
    }
    ide_xfer_next(s);
}

void ide_start_transfer(IDEState *s, int64_t offset, uint64_t bytes, uint32_t step, bool is_write,
                        bool is_dma)
{
    ide_transfer_begin(
        s,
        &(IDETransfer){
            .offset = offset, .left = bytes, .step = step, .is_write = is_write, .is_dma = is_dma});
}

void ide_start_dma_from_buf(IDEState *s, uint32_t len)
{
    ide_transfer_begin(s,
                       &(IDETransfer){.left = len, .step = len, .is_dma = true, .from_buf = true});
}

void ide_bus_dma_set_active(IDEBus *bus, bool active)
{
    IDEState *s = ide_selected(bus);

    bus->dma_active = active;
    if (active && s && s->xfer.active && s->xfer.is_dma && (s->status & ATA_STAT_DRQ)) {
        ide_xfer_next(s);
    }
}

/* The VM resumed after a stop policy kept a step: do it again. */
static void ide_vm_state_change(void *opaque, bool running, RunState state)
{
    IDEState *s = opaque;

    if (!running || !s->retry_on_resume) {
        return;
    }
    s->retry_on_resume = false;
    if (s->xfer.active) {
        ide_xfer_io(s);
    } else {
        ide_start_flush(s);
    }
}

/* ---- registers ---- */

static uint8_t ide_read_taskfile(IDEState *s, unsigned reg, bool hob)
{
    switch (reg) {
    case ATA_REG_ERROR:
        return hob ? s->hob_feature : s->error;
    case ATA_REG_NSECTOR:
        return hob ? s->hob_nsector : s->nsector;
    case ATA_REG_LBA_LOW:
        return hob ? s->hob_lba_low : s->lba_low;
    case ATA_REG_LBA_MID:
        return hob ? s->hob_lba_mid : s->lba_mid;
    case ATA_REG_LBA_HIGH:
        return hob ? s->hob_lba_high : s->lba_high;
    case ATA_REG_DEVICE:
        return s->device;
    default:
        ide_clear_irq(s);
        return s->status;
    }
}

/* Writing a register moves its old value into the HOB copy (48-bit addressing, §6.20). */
static void ide_write_taskfile(IDEState *s, unsigned reg, uint8_t val)
{
    switch (reg) {
    case ATA_REG_ERROR:
        s->hob_feature = s->feature;
        s->feature = val;
        break;
    case ATA_REG_NSECTOR:
        s->hob_nsector = s->nsector;
        s->nsector = val;
        break;
    case ATA_REG_LBA_LOW:
        s->hob_lba_low = s->lba_low;
        s->lba_low = val;
        break;
    case ATA_REG_LBA_MID:
        s->hob_lba_mid = s->lba_mid;
        s->lba_mid = val;
        break;
    case ATA_REG_LBA_HIGH:
        s->hob_lba_high = s->lba_high;
        s->lba_high = val;
        break;
    case ATA_REG_DEVICE:
        s->device = val | 0xa0; /* bits 7 and 5 are obsolete ones */
        break;
    }
}

static uint32_t ide_data_read(IDEState *s, unsigned size)
{
    uint32_t val = 0;

    if (!(s->status & ATA_STAT_DRQ) || s->pos + size > s->end) {
        return size == 4 ? 0xffffffff : 0xffff;
    }
    memcpy(&val, s->buf + s->pos, size);
    s->pos += size;
    if (s->pos >= s->end) {
        s->status &= ~ATA_STAT_DRQ;
        s->end_data(s);
    }
    return GUINT32_FROM_LE(val);
}

static void ide_data_write(IDEState *s, uint32_t val, unsigned size)
{
    if (!(s->status & ATA_STAT_DRQ) || s->pos + size > s->end) {
        return;
    }
    val = GUINT32_TO_LE(val);
    memcpy(s->buf + s->pos, &val, size);
    s->pos += size;
    if (s->pos >= s->end) {
        s->status &= ~ATA_STAT_DRQ;
        s->end_data(s);
    }
}

uint32_t ide_bus_read(IDEBus *bus, unsigned reg, unsigned size)
{
    IDEState *s = ide_selected(bus);

    if (!s) {
        return reg == ATA_REG_DATA ? 0xffffffff : 0;
    }
    if (reg == ATA_REG_DATA) {
        return ide_data_read(s, size >= 4 ? 4 : 2);
    }
    return ide_read_taskfile(s, reg, bus->ctl & ATA_CTL_HOB);
}

static void ide_exec_command(IDEState *s, uint8_t cmd)
{
    /* Only DEVICE RESET reaches a busy ATAPI device (ATA/ATAPI-7 vol. 1 §6.9). */
    if ((s->status & ATA_STAT_BSY) && !(s->kind == IDE_KIND_CD && cmd == 0x08)) {
        return;
    }
    ide_clear_irq(s);
    s->command = cmd;
    s->error = 0;
    ata_exec_command(s, cmd);
}

void ide_bus_write(IDEBus *bus, unsigned reg, uint32_t val, unsigned size)
{
    IDEState *s = ide_selected(bus);

    if (reg == ATA_REG_DATA) {
        if (s) {
            ide_data_write(s, val, size >= 4 ? 4 : 2);
        }
        return;
    }
    if (reg == ATA_REG_STATUS) {
        if (s) {
            ide_exec_command(s, val);
        }
        return;
    }
    /* Both devices latch the task file; DEVICE bit 4 picks which one answers. */
    bus->ctl &= ~ATA_CTL_HOB;
    for (int unit = 0; unit < 2; unit++) {
        if (bus->dev[unit]) {
            ide_write_taskfile(bus->dev[unit], reg, val);
        }
    }
    if (reg == ATA_REG_DEVICE) {
        bus->unit = !!(val & ATA_DEV_UNIT);
        s = ide_selected(bus);
        if (s && s->irq_pending && !(bus->ctl & ATA_CTL_NIEN)) {
            irq_raise(bus->irq);
        } else {
            irq_lower(bus->irq);
        }
    }
}

uint8_t ide_bus_read_altstatus(IDEBus *bus)
{
    IDEState *s = ide_selected(bus);

    return s ? s->status : 0;
}

/* ---- reset ---- */

void ide_device_reset(IDEState *s)
{
    if (s->blk) {
        blk_drain(s->blk);
    }
    s->generation++;
    s->retry_on_resume = false;
    s->xfer.active = false;
    s->pos = s->end = 0;
    s->irq_pending = false;
    s->mult_sectors = 0;
    s->feature = s->hob_feature = 0;
    s->hob_nsector = s->hob_lba_low = s->hob_lba_mid = s->hob_lba_high = 0;
    s->device = 0xa0;
    s->error = 0x01; /* diagnostic code: device passed (§9.12) */
    ata_set_signature(s);
    if (s->kind == IDE_KIND_CD) {
        atapi_reset(s);
        s->status = 0;
    } else {
        s->status = ATA_STAT_DRDY | ATA_STAT_DSC;
    }
}

void ide_bus_write_control(IDEBus *bus, uint8_t val)
{
    bool srst_edge = (val & ATA_CTL_SRST) && !(bus->ctl & ATA_CTL_SRST);
    bool srst_end = !(val & ATA_CTL_SRST) && (bus->ctl & ATA_CTL_SRST);

    bus->ctl = val;
    for (int unit = 0; unit < 2 && (srst_edge || srst_end); unit++) {
        IDEState *s = bus->dev[unit];
        if (!s) {
            continue;
        }
        if (srst_edge) {
            ide_device_reset(s);
            s->status = ATA_STAT_BSY;
        } else {
            s->status = s->kind == IDE_KIND_CD ? 0 : ATA_STAT_DRDY | ATA_STAT_DSC;
        }
    }
    if (srst_edge) {
        bus->unit = 0;
        irq_lower(bus->irq);
    } else if (!(val & ATA_CTL_NIEN) && ide_selected(bus) && ide_selected(bus)->irq_pending) {
        irq_raise(bus->irq);
    } else {
        irq_lower(bus->irq);
    }
}

/*
 * What only power-on (a machine reset) restores, beyond a software reset: the
 * drive's cache mode, transfer mode, CHS geometry (16 heads, 63 sectors, at
 * most 16383 cylinders, as IDENTIFY words 1, 3, 6 report) and a loaded medium.
 */
static void ide_power_on_defaults(IDEState *s)
{
    blk_set_enable_write_cache(s->blk, s->wce_default);
    s->xfer_mode = 0;
    s->heads = 16;
    s->sectors = 63;
    s->cylinders = MIN(MAX(s->nb_sectors / (16 * 63), 1), 16383);
    s->tray_open = false;
    s->unit_attention = false;
}

void ide_bus_reset(IDEBus *bus)
{
    bus->ctl = 0;
    bus->unit = 0;
    bus->dma_active = false;
    for (int unit = 0; unit < 2; unit++) {
        if (bus->dev[unit]) {
            ide_device_reset(bus->dev[unit]);
            ide_power_on_defaults(bus->dev[unit]);
        }
    }
    irq_lower(bus->irq);
}

/* ---- devices ---- */

bool ide_bus_attach(IDEBus *bus, int unit, DriveInfo *dinfo, DeviceState *owner, GError **errp)
{
    IDEState *s;
    const char *serial = drive_get_serial(dinfo);
    int64_t len = blk_getlength(dinfo->blk);

    if (len < 0) {
        error_setg(errp, "drive %s: cannot get its size: %s", dinfo->id, g_strerror(-len));
        return false;
    }
    if (!drive_attach(dinfo->blk, owner, errp)) {
        return false;
    }
    s = g_new0(IDEState, 1);
    s->bus = bus;
    s->unit = unit;
    s->dinfo = dinfo;
    s->blk = dinfo->blk;
    s->kind = dinfo->media_cdrom ? IDE_KIND_CD : IDE_KIND_DISK;
    s->nb_sectors = len / IDE_SECTOR_SIZE;
    s->buf = g_malloc0(IDE_BUF_SIZE);
    s->wce_default = blk_enable_write_cache(s->blk);
    iovec_init(&s->qiov, 1);
    if (serial) {
        g_strlcpy(s->serial, serial, sizeof(s->serial));
    } else {
        snprintf(s->serial, sizeof(s->serial), "MIMIC%05d", dinfo->index);
    }
    ide_power_on_defaults(s);
    bus->dev[unit] = s;
    vm_state_notifier_add(ide_vm_state_change, s);
    ide_device_reset(s);
    return true;
}

DriveInfo *ide_bus_drive(IDEBus *bus, int unit)
{
    return bus->dev[unit] ? bus->dev[unit]->dinfo : NULL;
}

void ide_bus_detach_all(IDEBus *bus)
{
    for (int unit = 0; unit < 2; unit++) {
        IDEState *s = bus->dev[unit];
        if (!s) {
            continue;
        }
        blk_drain(s->blk);
        vm_state_notifier_remove(ide_vm_state_change, s);
        drive_detach(s->blk);
        iovec_destroy(&s->qiov);
        g_free(s->buf);
        g_free(s);
        bus->dev[unit] = NULL;
    }
}

static void ide_put_string(uint16_t *words, const char *str, size_t nwords)
{
    size_t len = strlen(str);

    for (size_t i = 0; i < nwords * 2; i++) {
        uint8_t c = i < len ? str[i] : ' ';
        /* ATA strings put the first character of each pair in the high byte. */
        if (i & 1) {
            words[i / 2] |= c;
        } else {
            words[i / 2] = c << 8;
        }
    }
}

uint16_t *ide_identify_start(IDEState *s, const char *model)
{
    uint16_t *w = (uint16_t *)s->buf;

    memset(w, 0, 512);
    ide_put_string(w + 10, s->serial, 10);
    ide_put_string(w + 23, MIMIC_VERSION, 4);
    ide_put_string(w + 27, model, 20);
    return w;
}

void ide_identify_send(IDEState *s)
{
    uint16_t *w = (uint16_t *)s->buf;

    for (int i = 0; i < 256; i++) {
        w[i] = GUINT16_TO_LE(w[i]);
    }
    ide_start_data(s, 512, ide_data_in_end);
    ide_set_irq(s);
}
