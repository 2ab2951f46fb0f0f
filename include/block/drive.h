/*
 * Drives: what -drive and -blockdev create. A drive is a BlockBackend with an
 * id, the interface it asks for (if=virtio, ide, none) and an index; devices
 * reach it through their "drive" link property (drive=ID), machines list the
 * drives of their interfaces with drive_get_by_index() and create devices for
 * them. This is emulator glue over the block layer: block/ itself knows
 * nothing of drives or devices.
 */
#ifndef BLOCK_DRIVE_H
#define BLOCK_DRIVE_H

#include "block/block.h"
#include "block/error-policy.h"
#include "core/qdev.h"

typedef enum BlockInterfaceType {
    IF_NONE,   /* only a backend: -device ...,drive=ID attaches it */
    IF_IDE,
    IF_VIRTIO,
    IF_PFLASH, /* a machine's flash banks, by index (unit) */
    IF_COUNT,
} BlockInterfaceType;

typedef struct DriveInfo {
    char *id;                 /* id= or "<if><index>" (virtio0, ide1, none0) */
    BlockInterfaceType type;
    int index;                /* index= or the next free one on that interface */
    bool media_cdrom;         /* media=cdrom */
    BlockBackend *blk;
    bool read_only;
    char *filename;
    char *snapshot_overlay;   /* snapshot=on: the temporary overlay (already unlinked) */
    DeviceState *attached;    /* the device that took it, NULL while free */
    BlockdevOnError werror, rerror;
    BlockIOStatus io_status;
} DriveInfo;

/*
 * Parse and open one -drive option: file=, format=, if=virtio|ide|pflash|none,
 * id=, index= (or unit=), media=disk|cdrom, readonly=on, cache=writeback|none|writethrough|
 * directsync|unsafe, snapshot=on, discard=ignore|unmap, aio=threads,
 * werror=report|ignore|enospc|stop, rerror=report|ignore|stop,
 * serial= (kept for the device). Reports user mistakes through errp.
 */
bool drive_add_from_spec(const char *spec, GError **errp);
/*
 * -blockdev driver=qcow2|raw|file,node-name=N,file.filename=F (or file=NODE of
 * a driver=file node),read-only=on,cache.direct=on,cache.no-flush=on,
 * discard=unmap. Devices attach it with drive=N.
 */
bool blockdev_add_from_spec(const char *spec, GError **errp);
/*
 * if= when a -drive has none, by name (ide, virtio, ...): the machine class's
 * choice (IF_VIRTIO unless set); false with errp if unknown.
 */
bool drive_set_default_interface_name(const char *name, GError **errp);
/* -snapshot: every later -drive behaves as if snapshot=on. */
void drive_set_default_snapshot(bool on);

DriveInfo *drive_get_by_id(const char *id);
/* Call fn for every drive (-drive and -blockdev), in the order they were created. */
void drive_foreach(void (*fn)(DriveInfo *dinfo, void *opaque), void *opaque);
DriveInfo *drive_get_by_index(BlockInterfaceType type, int index);
/* Largest index in use on type, or -1. */
int drive_get_max_index(BlockInterfaceType type);
/* serial= of a drive, or NULL. */
const char *drive_get_serial(DriveInfo *dinfo);
/* Drives that asked for an interface (not none) but no device took: one warning each. */
void drive_warn_orphans(void);
/* Flush and close every drive (at exit). */
void drive_close_all(void);

/* The drive behind a BlockBackend a device holds, or NULL. */
DriveInfo *drive_get_by_blk(BlockBackend *blk);
/* Mark blk's drive as taken by dev; false (with errp) if another device has it. */
bool drive_attach(BlockBackend *blk, DeviceState *dev, GError **errp);
void drive_detach(BlockBackend *blk);

#endif
