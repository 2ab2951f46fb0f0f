/*
 * A generic PCI Express host bridge with ECAM ("gpex-pcihost", QEMU's
 * hw/pci-host/gpex.c as its riscv and arm virt machines use it): the
 * configuration space of every function of buses 0 .. ecam_size / 1 MiB - 1
 * in one memory window (PCIe Base 4.0 §7.2.2), a 32-bit and a 64-bit memory
 * window and an I/O window into the PCI spaces, and four interrupt lines that
 * INTA-D of the root bus's devices reach with the usual swizzle. Linux drives
 * it with pci-host-generic ("pci-host-ecam-generic" in the device tree).
 *
 * The machine describes the layout and wires the lines:
 *
 *     GPEXConfig cfg = {.ecam_base = ..., .irq = {plic_irq(32), ..., plic_irq(35)}};
 *     DeviceState *host = gpex_host_create(&cfg, errp);
 *
 * The root bus is "pcie.0"; "gpex-root" (1b36:0008, the host bridge function)
 * sits at 00.0.
 */
#ifndef HW_PCI_GPEX_H
#define HW_PCI_GPEX_H

#include "core/irq.h"
#include "core/qdev.h"

#define TYPE_GPEX_HOST "gpex-pcihost"
#define TYPE_GPEX_ROOT_DEVICE "gpex-root"
#define GPEX_NUM_IRQS 4
#define GPEX_ECAM_BUS_SIZE (1 * MiB) /* 32 devices x 8 functions x 4 KiB */

typedef struct GPEXConfig {
    uint64_t ecam_base, ecam_size;           /* buses 0 .. ecam_size / 1 MiB - 1 */
    uint64_t mmio_base, mmio_size;           /* PCI memory, CPU address = PCI address */
    uint64_t high_mmio_base, high_mmio_size; /* the 64-bit window, the same way; size 0: none */
    uint64_t pio_base, pio_size;             /* PCI I/O port 0 at CPU address pio_base */
    IrqLine *irq[GPEX_NUM_IRQS];             /* the lines INTA..INTD of slot 0 reach */
} GPEXConfig;

/* Create and realize the host on the system bus with its root bus and gpex-root. */
DeviceState *gpex_host_create(const GPEXConfig *cfg, GError **errp);
/* The root bus, pcie.0. */
BusState *gpex_host_bus(DeviceState *host);

#endif
