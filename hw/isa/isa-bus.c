/*
 * The ISA bus: port registration and IRQ lookup for legacy devices.
 */
#include "hw/isa/isa.h"

static BusState *isa_bus;
static IrqLine *isa_irqs;

static void isa_print_dev(BusState *bus, DeviceState *dev, GString *out, int indent)
{
    /* Port ranges are shown by info mtree; nothing bus-specific to add. */
}

static const BusOps isa_bus_ops = {
    .print_dev = isa_print_dev,
};

BusState *isa_bus_new(IrqLine *irqs)
{
    g_assert(!isa_bus);
    isa_bus = bus_new(BUS_ISA, "isa.0", NULL, &isa_bus_ops);
    isa_irqs = irqs;
    return isa_bus;
}

IrqLine *isa_get_irq(ISADevice *dev, unsigned isairq)
{
    g_assert(isairq < ISA_NUM_IRQS && isa_irqs);
    return &isa_irqs[isairq];
}

void isa_register_ioport(ISADevice *dev, MemoryRegion *mr, uint16_t port)
{
    memory_region_add_subregion(get_system_io(), port, mr);
}

void isa_unregister_ioport(ISADevice *dev, MemoryRegion *mr)
{
    memory_region_del_subregion(get_system_io(), mr);
}
