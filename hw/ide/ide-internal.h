/*
 * What the IDE core, the ATA command set and ATAPI share: one device's state
 * (task file, data buffer, the transfer in progress) and the core's helpers
 * that command handlers use to answer, move data and fail.
 */
#ifndef HW_IDE_IDE_INTERNAL_H
#define HW_IDE_IDE_INTERNAL_H

#include "hw/ide/ide.h"
#include "block/block.h"

/* Status register (ATA/ATAPI-7 vol. 1 §7.15.6). */
#define ATA_STAT_ERR 0x01
#define ATA_STAT_DRQ 0x08
#define ATA_STAT_DSC 0x10
#define ATA_STAT_DF 0x20
#define ATA_STAT_DRDY 0x40
#define ATA_STAT_BSY 0x80

/* Error register. */
#define ATA_ERR_ABRT 0x04
#define ATA_ERR_IDNF 0x10
#define ATA_ERR_UNC 0x40

/* DEVICE register. */
#define ATA_DEV_LBA 0x40
#define ATA_DEV_UNIT 0x10

/* ATAPI interrupt reason, in the sector count register (ATA/ATAPI-7 vol. 2 §5.13). */
#define ATAPI_INTR_COD 0x01
#define ATAPI_INTR_IO 0x02

#define IDE_SECTOR_SIZE 512
#define ATAPI_SECTOR_SIZE 2048
#define IDE_BUF_SIZE (256 * 1024) /* one step of a transfer: a DMA chunk or a PIO block */
#define IDE_MAX_MULT 16           /* READ/WRITE MULTIPLE block size limit (IDENTIFY word 47) */

typedef enum IDEKind { IDE_KIND_DISK, IDE_KIND_CD } IDEKind;

/*
 * A transfer between the medium and the host: the image range still to move
 * and how it moves. Each step moves at most `step` bytes through the buffer;
 * a PIO step is one DRQ data block.
 */
typedef struct IDETransfer {
    int64_t offset; /* image byte offset of the next step */
    uint64_t left;  /* bytes still to move */
    uint32_t step;  /* bytes per step */
    uint32_t cur;   /* bytes of the step in progress */
    bool is_write;
    bool is_dma;
    bool from_buf; /* the data is already in the buffer: no block I/O */
    bool active;
} IDETransfer;

struct IDEState {
    IDEBus *bus;
    int unit;
    IDEKind kind;
    BlockBackend *blk;
    DriveInfo *dinfo;
    char serial[21];
    uint64_t nb_sectors; /* 512-byte sectors (disk) */
    uint16_t cylinders, heads, sectors;

    /* Task file: current values and the previous ones (HOB) for 48-bit commands. */
    uint8_t feature, error, nsector, lba_low, lba_mid, lba_high, device, status;
    uint8_t hob_feature, hob_nsector, hob_lba_low, hob_lba_mid, hob_lba_high;
    uint8_t command;
    bool lba48; /* the command in progress addresses with 48 bits */

    bool irq_pending;
    uint8_t mult_sectors;
    uint8_t xfer_mode; /* SET FEATURES 03h value: mode class | mode */
    bool wce_default;

    /* PIO data phase: the host reads or writes buf[pos..end). */
    uint8_t *buf;
    uint32_t pos, end;
    void (*end_data)(IDEState *s);

    IDETransfer xfer;
    unsigned generation;  /* bumps on reset: a late completion for an older one is dropped */
    bool retry_on_resume; /* an error under werror/rerror=stop left the step to redo */
    IOVector qiov;

    /* ATAPI */
    uint8_t packet[12];
    uint16_t byte_limit; /* the host's byte count limit for a PIO DRQ block */
    uint8_t sense_key, asc;
    bool unit_attention; /* a medium change to report once */
    bool tray_locked;
    bool tray_open;
};

/* ---- core services (ide-core.c) ---- */

void ide_set_irq(IDEState *s);
/* Back to the power-on state and signature; I/O in flight is waited for and forgotten. */
void ide_device_reset(IDEState *s);
/* Command completed: DRDY|DSC, interrupt. */
void ide_command_done(IDEState *s);
void ide_abort_command(IDEState *s);
/* The host read the last of a PIO data-in phase that ends the command: no interrupt (§9.7). */
void ide_data_in_end(IDEState *s);
void ide_error(IDEState *s, uint8_t error);
/* PIO data phase of len bytes of s->buf; end runs once the host moved them all. */
void ide_start_data(IDEState *s, uint32_t len, void (*end)(IDEState *s));
/* Start moving the image range [offset, offset + bytes) (see IDETransfer). */
void ide_start_transfer(IDEState *s, int64_t offset, uint64_t bytes, uint32_t step, bool is_write,
                        bool is_dma);
/* A DMA data-in phase of len bytes of s->buf (ATAPI replies). */
void ide_start_dma_from_buf(IDEState *s, uint32_t len);
/* Asynchronous flush, then ide_command_done. */
void ide_start_flush(IDEState *s);

/* ---- ATA (ata.c) ---- */

void ata_exec_command(IDEState *s, uint8_t cmd);
void ata_set_signature(IDEState *s);
/* A PIO step of a transfer became readable or writable (called by the core). */
void ata_transfer_step_ready(IDEState *s);
void ata_transfer_done(IDEState *s);

/* ---- ATAPI (atapi.c) ---- */

void atapi_start_packet(IDEState *s);
void atapi_identify(IDEState *s);
/* The core's transfer engine calls these as a CD-ROM transfer moves on, ends or fails. */
void atapi_transfer_step_ready(IDEState *s);
void atapi_transfer_done(IDEState *s);
void atapi_transfer_failed(IDEState *s);
void atapi_reset(IDEState *s);

/* An IDENTIFY page in s->buf: zeroed, serial, firmware revision and model filled in. */
uint16_t *ide_identify_start(IDEState *s, const char *model);
/* Send it: a PIO data-in phase of 512 bytes. */
void ide_identify_send(IDEState *s);

#endif
