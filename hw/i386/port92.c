/*
 * System control port A (0x92): fast A20 gate (bit 1) and fast reset (bit 0),
 * as on PS/2-era and every later PC chipset.
 */
#include "hw/isa/isa.h"
#include "system/main-loop.h"

typedef struct Port92State {
    ISADevice parent;
    MemoryRegion io;
    uint8_t value;
} Port92State;

static uint64_t port92_read(void *opaque, uint64_t addr, unsigned size)
{
    return ((Port92State *)opaque)->value;
}

static void port92_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    Port92State *s = opaque;

    s->value = val & ~1u;
    if (val & 1) {
        system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
    }
}

static const MemoryRegionOps port92_ops = {
    .read = port92_read,
    .write = port92_write,
    .valid = {.min_access_size = 1, .max_access_size = 1},
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

static bool port92_realize(DeviceState *dev, GError **errp)
{
    Port92State *s = (Port92State *)dev;

    memory_region_init_io(&s->io, &port92_ops, s, "port92", 1);
    isa_register_ioport(ISA_DEVICE(s), &s->io, 0x92);
    return true;
}

static void port92_reset(DeviceState *dev)
{
    ((Port92State *)dev)->value = 0x02; /* A20 enabled */
}

static DeviceClass port92_class = {
    .name = "port92",
    .desc = "system control port A (fast A20 and reset)",
    .instance_size = sizeof(Port92State),
    .bus_type = BUS_ISA,
    .realize = port92_realize,
    .reset = port92_reset,
};

MIMIC_INIT(port92_register)
{
    device_class_register(&port92_class);
}
