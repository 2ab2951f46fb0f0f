/*
 * The ISA bus: legacy devices at fixed I/O ports and ISA IRQ numbers (0-15).
 * The machine that provides the bus wires the 16 IRQ lines to its interrupt
 * controllers.
 */
#ifndef HW_ISA_ISA_H
#define HW_ISA_ISA_H

#include "core/qdev.h"
#include "core/irq.h"
#include "system/memory.h"

#define ISA_NUM_IRQS 16

typedef struct ISADevice {
    DeviceState parent;
} ISADevice;

#define ISA_DEVICE(dev) ((ISADevice *)(dev))

/* Create the machine's ISA bus; irqs[0..15] are the lines devices raise. */
BusState *isa_bus_new(IrqLine *irqs);
IrqLine *isa_get_irq(ISADevice *dev, unsigned isairq);
/* Map mr into the I/O port space at port. */
void isa_register_ioport(ISADevice *dev, MemoryRegion *mr, uint16_t port);
void isa_unregister_ioport(ISADevice *dev, MemoryRegion *mr);

#endif
