/*
 * The IDE bus as a host adapter sees it: two devices (master, slave) behind
 * one ATA task file, a device control register, an interrupt line and, where
 * the adapter has one, a bus-master DMA engine. The adapter (hw/ide/piix.c)
 * decodes the ports and calls ide_bus_*; the core (hw/ide/ide-core.c) runs
 * the ATA protocol, hw/ide/ata.c the disk commands, hw/ide/atapi.c the
 * CD-ROM's packet commands.
 */
#ifndef HW_IDE_IDE_H
#define HW_IDE_IDE_H

#include "block/drive.h"
#include "core/irq.h"

typedef struct IDEBus IDEBus;

/*
 * The adapter's DMA engine, walking its own scatter list (for PIIX, the PRD
 * table). rw moves len bytes between buf and guest memory, continuing where
 * the last call stopped; it returns false when the list ended early or named
 * memory that is not RAM. end tells the engine the device's transfer is over.
 */
typedef struct IDEDMAOps {
    bool (*rw)(IDEBus *bus, uint8_t *buf, size_t len, bool to_guest);
    void (*end)(IDEBus *bus, bool error);
    void (*irq_raised)(IDEBus *bus);
} IDEDMAOps;

/* Task file register offsets from the command block base (ATA/ATAPI-7 vol. 2 §5). */
enum {
    ATA_REG_DATA = 0,
    ATA_REG_ERROR = 1, /* read; FEATURE on write */
    ATA_REG_NSECTOR = 2,
    ATA_REG_LBA_LOW = 3,
    ATA_REG_LBA_MID = 4,
    ATA_REG_LBA_HIGH = 5,
    ATA_REG_DEVICE = 6,
    ATA_REG_STATUS = 7, /* read; COMMAND on write */
};

/* Device control register (control block, write). */
#define ATA_CTL_NIEN 0x02
#define ATA_CTL_SRST 0x04
#define ATA_CTL_HOB 0x80

typedef struct IDEState IDEState;

struct IDEBus {
    IDEState *dev[2];
    IrqLine *irq;
    const IDEDMAOps *dma_ops;
    void *dma_opaque;
    uint8_t unit;     /* selected by DEVICE bit 4 */
    uint8_t ctl;      /* device control */
    bool dma_active;  /* the adapter's engine is started */
    const char *name; /* "ide.0" */
};

/* Attach a drive as master (unit 0) or slave (1): a disk, or a CD-ROM for media=cdrom. */
bool ide_bus_attach(IDEBus *bus, int unit, DriveInfo *dinfo, DeviceState *owner, GError **errp);
void ide_bus_detach_all(IDEBus *bus);
/* The drive at unit, or NULL. */
DriveInfo *ide_bus_drive(IDEBus *bus, int unit);

uint32_t ide_bus_read(IDEBus *bus, unsigned reg, unsigned size);
void ide_bus_write(IDEBus *bus, unsigned reg, uint32_t val, unsigned size);
uint8_t ide_bus_read_altstatus(IDEBus *bus);
void ide_bus_write_control(IDEBus *bus, uint8_t val);
/* Power-on / PCI reset: both devices to their signature, outstanding I/O dropped. */
void ide_bus_reset(IDEBus *bus);
/* The adapter's engine was started (or stopped) by the guest. */
void ide_bus_dma_set_active(IDEBus *bus, bool active);

#endif
