/*
 * virtio-mmio, version 2 (virtio 1.2 §4.2.2): a virtio transport as a block
 * of 32-bit registers on the system bus, one device per slot, one interrupt
 * line. A slot without a device answers DeviceID 0, so a machine can lay out a
 * fixed set of slots (QEMU's riscv and arm virt have 8) and fill some of them.
 *
 * The machine creates the slot, then plugs a virtio device into its bus:
 *
 *     DeviceState *slot = virtio_mmio_create(base, &plic_irq[n], errp);
 *     virtio_mmio_plug(slot, "virtio-blk-device", errp, "drive", "d0", NULL);
 *
 * and describes it in its device tree from virtio_mmio_get_fdt_info():
 *
 *     virtio_mmio@10001000 {
 *         compatible = "virtio,mmio";
 *         reg = <0x0 0x10001000 0x0 0x1000>;
 *         interrupts = <1>;
 *         interrupt-parent = <&plic>;
 *     };
 */
#ifndef HW_VIRTIO_VIRTIO_MMIO_H
#define HW_VIRTIO_VIRTIO_MMIO_H

#include "core/irq.h"
#include "core/qdev.h"
#include "hw/virtio/virtio.h"

#define TYPE_VIRTIO_MMIO "virtio-mmio"
#define VIRTIO_MMIO_REGION_SIZE 0x200 /* registers 0x000-0x0ff, config space from 0x100 */
#define VIRTIO_MMIO_FDT_COMPATIBLE "virtio,mmio"

/* A slot at base raising irq; realized on the system bus, with an empty virtio bus. */
DeviceState *virtio_mmio_create(uint64_t base, IrqLine *irq, GError **errp);
/* The slot's virtio bus ("virtio-mmio-bus.N"), for -device ...,bus= and device_realize(). */
BusState *virtio_mmio_get_bus(DeviceState *slot);
/* The device plugged into the slot, or NULL. */
VirtIODevice *virtio_mmio_get_device(DeviceState *slot);
/*
 * Create a virtio device of type (e.g. "virtio-blk-device", "virtio-rng-device")
 * with NULL-terminated "key", "value" property pairs and plug it into slot.
 */
VirtIODevice *virtio_mmio_plug(DeviceState *slot, const char *type, GError **errp, ...)
    G_GNUC_NULL_TERMINATED;

typedef struct VirtioMMIOFdtInfo {
    char node_name[32];     /* "virtio_mmio@10001000" */
    const char *compatible; /* "virtio,mmio" */
    uint64_t base;
    uint64_t size;          /* the register window: what "reg" should say */
    uint32_t irq;           /* the line's number (IrqLine.n) at its interrupt controller */
} VirtioMMIOFdtInfo;

void virtio_mmio_get_fdt_info(DeviceState *slot, VirtioMMIOFdtInfo *info);

#endif
