/*
 * The PIIX3 IDE function (Intel 82371SB, PCI 00:01.1, 8086:7010): two IDE
 * channels at the legacy ISA ports (primary 0x1f0-0x1f7/0x3f6 on IRQ 14,
 * secondary 0x170-0x177/0x376 on IRQ 15; the function is always in
 * compatibility mode, prog-if 0x80) and the bus-master DMA engine of BAR4
 * (SFF-8038i rev 1.0: per channel a command register, a status register and
 * the address of a Physical Region Descriptor table).
 *
 * A PRD entry is a 32-bit buffer address, a byte count (0 = 64 KiB) and an
 * end-of-table flag. The engine only reaches guest RAM: a PRD table or buffer
 * anywhere else, or bus mastering off in PCI COMMAND, ends the transfer with
 * the status register's error bit set (SFF-8038i §3.1.2).
 *
 * Drives -drive if=ide,index=N attach as channel N / 2, unit N % 2, as QEMU.
 * Left out: the IDE timing registers' effect (they are plain storage), native
 * PCI mode.
 */
#include "hw/ide/piix.h"
#include "hw/ide/ide.h"
#include "hw/isa/isa.h"
#include "hw/pci/pci.h"
#include "util/error.h"
#include "util/log.h"

#define TYPE_PIIX3_IDE "piix3-ide"

#define PIIX_IDETIM 0x40     /* primary, 0x42 secondary */
#define PIIX_IDETIM_IDE 0x80 /* high byte: the channel's decode enable */
#define PIIX_IDE_CONFIG_END 0x50

/* Bus-master registers, per channel, from the channel's 8-byte block (SFF-8038i §3). */
enum {
    BM_CMD = 0,
    BM_STATUS = 2,
    BM_PRD_ADDR = 4,
};
#define BM_CMD_START 0x01
#define BM_CMD_READ 0x08 /* the engine writes memory (a device-to-memory transfer) */
#define BM_STATUS_ACTIVE 0x01
#define BM_STATUS_ERROR 0x02
#define BM_STATUS_INT 0x04
#define BM_STATUS_DMA_CAP 0x60 /* drive 0/1 DMA capable: storage for the BIOS */

#define PRD_EOT 0x80000000u
#define PRD_ENTRY_SIZE 8

typedef struct PIIX3IDEState PIIX3IDEState;

typedef struct BMChannel {
    IDEBus bus;
    PIIX3IDEState *piix;
    uint8_t cmd;
    uint8_t status;
    uint32_t prd_table;
    /* Where the engine is in the table. */
    uint32_t next_prd;
    uint32_t addr;
    uint32_t left;
    bool last;
    MemoryRegion cmd_ports;
    MemoryRegion ctl_port;
} BMChannel;

struct PIIX3IDEState {
    PCIDevice parent;
    BMChannel ch[2];
    MemoryRegion bm_ports;
};

static const struct {
    uint16_t cmd_base, ctl_port;
    uint8_t irq;
    const char *name;
} piix_channels[2] = {
    {0x1f0, 0x3f6, 14, "ide.0"},
    {0x170, 0x376, 15, "ide.1"},
};

/* ---- the DMA engine ---- */

/* Copy between buf and guest RAM [addr, addr + len) as the function's bus master. */
static bool bm_copy(BMChannel *ch, uint64_t addr, uint8_t *buf, size_t len, bool to_guest)
{
    return pci_dma_rw(&ch->piix->parent, addr, buf, len, to_guest) == PCI_DMA_OK;
}

/* Load the next PRD entry; false at the end of the table or when it is not in RAM. */
static bool bm_next_prd(BMChannel *ch)
{
    uint32_t e[2];

    if (ch->last || !bm_copy(ch, ch->next_prd, (uint8_t *)e, sizeof(e), false)) {
        return false;
    }
    ch->next_prd += PRD_ENTRY_SIZE;
    ch->addr = GUINT32_FROM_LE(e[0]) & ~1u;
    ch->left = GUINT32_FROM_LE(e[1]) & 0xfffe;
    if (ch->left == 0) {
        ch->left = 0x10000;
    }
    ch->last = GUINT32_FROM_LE(e[1]) & PRD_EOT;
    return true;
}

static bool bm_rw(IDEBus *bus, uint8_t *buf, size_t len, bool to_guest)
{
    BMChannel *ch = bus->dma_opaque;

    /* The guest stopped the engine, or took bus mastering away, mid-transfer. */
    if (!pci_bus_master_enabled(&ch->piix->parent) || !(ch->status & BM_STATUS_ACTIVE)) {
        return false;
    }
    while (len) {
        uint32_t n;

        if (ch->left == 0 && !bm_next_prd(ch)) {
            log_mask_printf(LOG_GUEST_ERROR,
                            "piix3-ide: %s: PRD table at 0x%x ended or left "
                            "RAM before the transfer did\n",
                            bus->name, ch->prd_table);
            return false;
        }
        n = MIN(len, ch->left);
        if (!bm_copy(ch, ch->addr, buf, n, to_guest)) {
            log_mask_printf(LOG_GUEST_ERROR, "piix3-ide: %s: PRD buffer 0x%x+0x%x is not RAM\n",
                            bus->name, ch->addr, n);
            return false;
        }
        ch->addr += n;
        ch->left -= n;
        buf += n;
        len -= n;
    }
    return true;
}

/*
 * The device ended its transfer. A table that still has room keeps ACTIVE set
 * beside the interrupt (SFF-8038i §3.1.2, "PRD larger than the transfer").
 */
static void bm_end(IDEBus *bus, bool error)
{
    BMChannel *ch = bus->dma_opaque;

    if (error) {
        ch->status |= BM_STATUS_ERROR;
        ch->status &= ~BM_STATUS_ACTIVE;
    } else if (ch->last && ch->left == 0) {
        ch->status &= ~BM_STATUS_ACTIVE;
    }
}

static void bm_irq_raised(IDEBus *bus)
{
    BMChannel *ch = bus->dma_opaque;

    ch->status |= BM_STATUS_INT;
}

static const IDEDMAOps bm_dma_ops = {
    .rw = bm_rw,
    .end = bm_end,
    .irq_raised = bm_irq_raised,
};

/* ---- bus-master registers (BAR4) ---- */

static void bm_write_cmd(BMChannel *ch, uint8_t val)
{
    bool start = val & BM_CMD_START, was = ch->cmd & BM_CMD_START;

    ch->cmd = val & (BM_CMD_START | BM_CMD_READ);
    if (start && !was) {
        ch->next_prd = ch->prd_table;
        ch->left = 0;
        ch->last = false;
        ch->status |= BM_STATUS_ACTIVE;
        ide_bus_dma_set_active(&ch->bus, true);
    } else if (!start && was) {
        /* Stopping the engine abandons what is left of the transfer (§3.1.1). */
        ch->status &= ~BM_STATUS_ACTIVE;
        ide_bus_dma_set_active(&ch->bus, false);
    }
}

static uint64_t bm_read(void *opaque, uint64_t addr, unsigned size)
{
    PIIX3IDEState *s = opaque;
    BMChannel *ch = &s->ch[addr >> 3];
    unsigned reg = addr & 7;

    switch (reg) {
    case BM_CMD:
        return ch->cmd;
    case BM_STATUS:
        return ch->status;
    case BM_PRD_ADDR ... BM_PRD_ADDR + 3:
        return (ch->prd_table >> ((reg - BM_PRD_ADDR) * 8)) & 0xff;
    }
    return 0;
}

static void bm_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PIIX3IDEState *s = opaque;
    BMChannel *ch = &s->ch[addr >> 3];
    unsigned reg = addr & 7;
    unsigned shift;

    switch (reg) {
    case BM_CMD:
        bm_write_cmd(ch, val);
        break;
    case BM_STATUS:
        /* ERROR and INT clear by writing 1; the DMA-capable bits are plain storage. */
        ch->status = (ch->status & BM_STATUS_ACTIVE) |
                     (ch->status & ~val & (BM_STATUS_ERROR | BM_STATUS_INT)) |
                     (val & BM_STATUS_DMA_CAP);
        break;
    case BM_PRD_ADDR ... BM_PRD_ADDR + 3:
        shift = (reg - BM_PRD_ADDR) * 8;
        ch->prd_table = (ch->prd_table & ~(0xffu << shift)) | (uint32_t)(val & 0xff) << shift;
        ch->prd_table &= ~3u; /* dword aligned */
        break;
    }
}

static const MemoryRegionOps bm_ops = {
    .read = bm_read,
    .write = bm_write,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

/* ---- legacy task file ports ---- */

static uint64_t piix_cmd_read(void *opaque, uint64_t addr, unsigned size)
{
    BMChannel *ch = opaque;

    return ide_bus_read(&ch->bus, addr, size);
}

static void piix_cmd_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    BMChannel *ch = opaque;

    ide_bus_write(&ch->bus, addr, val, size);
}

static uint64_t piix_ctl_read(void *opaque, uint64_t addr, unsigned size)
{
    BMChannel *ch = opaque;

    return ide_bus_read_altstatus(&ch->bus);
}

static void piix_ctl_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    BMChannel *ch = opaque;

    ide_bus_write_control(&ch->bus, val);
}

static const MemoryRegionOps piix_cmd_ops = {
    .read = piix_cmd_read,
    .write = piix_cmd_write,
    .valid = {.min_access_size = 1, .max_access_size = 4},
};

static const MemoryRegionOps piix_ctl_ops = {
    .read = piix_ctl_read,
    .write = piix_ctl_write,
    .valid = {.min_access_size = 1, .max_access_size = 1},
};

/* ---- the PCI function ---- */

static bool piix_attach_drives(PIIX3IDEState *s, GError **errp)
{
    for (int index = 0; index < 4; index++) {
        DriveInfo *dinfo = drive_get_by_index(IF_IDE, index);

        if (dinfo &&
            !ide_bus_attach(&s->ch[index / 2].bus, index % 2, dinfo, &s->parent.qdev, errp)) {
            return false;
        }
    }
    return true;
}

static void piix_ide_reset(PCIDevice *dev)
{
    PIIX3IDEState *s = (PIIX3IDEState *)dev;

    dev->config[PIIX_IDETIM + 1] = PIIX_IDETIM_IDE;
    dev->config[PIIX_IDETIM + 3] = PIIX_IDETIM_IDE;
    for (int i = 0; i < 2; i++) {
        BMChannel *ch = &s->ch[i];
        ch->cmd = 0;
        ch->status = 0;
        ch->prd_table = 0;
        ide_bus_reset(&ch->bus);
    }
}

static bool piix_ide_realize(PCIDevice *dev, GError **errp)
{
    PIIX3IDEState *s = (PIIX3IDEState *)dev;

    memset(dev->wmask + PIIX_IDETIM, 0xff, PIIX_IDE_CONFIG_END - PIIX_IDETIM);
    memory_region_init_io(&s->bm_ports, &bm_ops, s, "piix-bmdma", 16);
    pci_register_bar(dev, 4, PCI_BAR_TYPE_IO, &s->bm_ports);
    for (int i = 0; i < 2; i++) {
        BMChannel *ch = &s->ch[i];
        ch->piix = s;
        ch->bus.name = piix_channels[i].name;
        ch->bus.irq = isa_get_irq(NULL, piix_channels[i].irq);
        ch->bus.dma_ops = &bm_dma_ops;
        ch->bus.dma_opaque = ch;
        memory_region_init_io(&ch->cmd_ports, &piix_cmd_ops, ch, "ide", 8);
        memory_region_init_io(&ch->ctl_port, &piix_ctl_ops, ch, "ide-ctl", 1);
        isa_register_ioport(NULL, &ch->cmd_ports, piix_channels[i].cmd_base);
        isa_register_ioport(NULL, &ch->ctl_port, piix_channels[i].ctl_port);
    }
    if (!piix_attach_drives(s, errp)) {
        for (int i = 0; i < 2; i++) {
            ide_bus_detach_all(&s->ch[i].bus);
        }
        return false;
    }
    piix_ide_reset(dev);
    return true;
}

static void piix_ide_unrealize(PCIDevice *dev)
{
    PIIX3IDEState *s = (PIIX3IDEState *)dev;

    for (int i = 0; i < 2; i++) {
        ide_bus_detach_all(&s->ch[i].bus);
        isa_unregister_ioport(NULL, &s->ch[i].cmd_ports);
        isa_unregister_ioport(NULL, &s->ch[i].ctl_port);
    }
}

/* info qtree: which drive sits where. */
static void piix_ide_print_dev(DeviceState *dev, GString *out, int indent)
{
    PIIX3IDEState *s = (PIIX3IDEState *)dev;

    for (int i = 0; i < 2; i++) {
        for (int unit = 0; unit < 2; unit++) {
            DriveInfo *dinfo = ide_bus_drive(&s->ch[i].bus, unit);
            if (dinfo) {
                g_string_append_printf(out, "%*s%s unit %d: %s drive \"%s\"\n", indent, "",
                                       s->ch[i].bus.name, unit,
                                       dinfo->media_cdrom ? "ide-cd" : "ide-hd", dinfo->id);
            }
        }
    }
}

static PCIDeviceClass piix3_ide_class = {
    .parent =
        {
            .name = TYPE_PIIX3_IDE,
            .parent = TYPE_PCI_DEVICE,
            .desc = "Intel 82371SB PIIX3 IDE controller",
            .category = "storage",
            .instance_size = sizeof(PIIX3IDEState),
            .bus_type = BUS_PCI,
            .print_dev = piix_ide_print_dev,
        },
    .vendor_id = 0x8086,
    .device_id = 0x7010,
    .class_id = PCI_CLASS_STORAGE_IDE,
    .prog_if = 0x80, /* bus master capable, both channels in compatibility mode */
    .realize = piix_ide_realize,
    .unrealize = piix_ide_unrealize,
    .reset = piix_ide_reset,
};

bool piix3_ide_init(BusState *pci_bus, int devfn, GError **errp)
{
    return pci_create_simple(pci_bus_from_qbus(pci_bus), devfn, TYPE_PIIX3_IDE, errp) != NULL;
}

MIMIC_INIT(piix3_ide_register)
{
    device_class_register(&piix3_ide_class.parent);
}
