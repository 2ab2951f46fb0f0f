/*
 * pc-testdev: a scratch device for testing access dispatch from guest code.
 * Ports 0xe0-0xe7 are an 8-byte register file (1/2/4-byte accesses at any
 * offset, stored little endian); MMIO at 0xfe000000 is 4 KiB of scratch bytes
 * served by callbacks (1/2/4/8-byte accesses, unaligned allowed), so wide and
 * misaligned accesses go through the memory core's splitting. The layout is
 * mimic's own; QEMU's device of this name differs.
 */
#include "hw/isa/isa.h"

#define TESTDEV_PORT_SIZE 8
#define TESTDEV_MMIO_SIZE 0x1000

typedef struct PCTestDevState {
    ISADevice parent;
    uint32_t iobase;
    uint64_t mmio_base;
    MemoryRegion io, mmio;
    uint8_t ports[TESTDEV_PORT_SIZE];
    uint8_t mem[TESTDEV_MMIO_SIZE];
} PCTestDevState;

static uint64_t scratch_read(const uint8_t *bytes, uint64_t addr, unsigned size)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)bytes[addr + i] << (8 * i);
    }
    return v;
}

static void scratch_write(uint8_t *bytes, uint64_t addr, uint64_t val, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        bytes[addr + i] = val >> (8 * i);
    }
}

static uint64_t testdev_port_read(void *opaque, uint64_t addr, unsigned size)
{
    return scratch_read(((PCTestDevState *)opaque)->ports, addr, size);
}

static void testdev_port_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    scratch_write(((PCTestDevState *)opaque)->ports, addr, val, size);
}

/* Port accesses are implemented a byte at a time: the core splits wider ones. */
static const MemoryRegionOps testdev_port_ops = {
    .read = testdev_port_read,
    .write = testdev_port_write,
    .valid = {.min_access_size = 1, .max_access_size = 4, .unaligned = true},
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

static uint64_t testdev_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    return scratch_read(((PCTestDevState *)opaque)->mem, addr, size);
}

static void testdev_mmio_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    scratch_write(((PCTestDevState *)opaque)->mem, addr, val, size);
}

static const MemoryRegionOps testdev_mmio_ops = {
    .read = testdev_mmio_read,
    .write = testdev_mmio_write,
    .valid = {.min_access_size = 1, .max_access_size = 8, .unaligned = true},
    .impl = {.min_access_size = 1, .max_access_size = 8},
};

static bool testdev_realize(DeviceState *dev, GError **errp)
{
    PCTestDevState *s = (PCTestDevState *)dev;

    memory_region_init_io(&s->io, &testdev_port_ops, s, "pc-testdev", TESTDEV_PORT_SIZE);
    memory_region_init_io(&s->mmio, &testdev_mmio_ops, s, "pc-testdev-mmio", TESTDEV_MMIO_SIZE);
    isa_register_ioport(ISA_DEVICE(s), &s->io, s->iobase);
    memory_region_add_subregion(get_system_memory(), s->mmio_base, &s->mmio);
    return true;
}

static void testdev_unrealize(DeviceState *dev)
{
    PCTestDevState *s = (PCTestDevState *)dev;

    isa_unregister_ioport(ISA_DEVICE(s), &s->io);
    memory_region_del_subregion(get_system_memory(), &s->mmio);
}

static void testdev_reset(DeviceState *dev)
{
    PCTestDevState *s = (PCTestDevState *)dev;

    memset(s->ports, 0, sizeof(s->ports));
    memset(s->mem, 0, sizeof(s->mem));
}

static const Property testdev_props[] = {
    DEFINE_PROP_U32("iobase", PCTestDevState, iobase, 0xe0, "scratch ports"),
    DEFINE_PROP_U64("mmio", PCTestDevState, mmio_base, 0xfe000000, "scratch MMIO page"),
    DEFINE_PROP_END,
};

static DeviceClass testdev_class = {
    .name = "pc-testdev",
    .desc = "scratch ports and MMIO for dispatch tests",
    .instance_size = sizeof(PCTestDevState),
    .bus_type = BUS_ISA,
    .user_creatable = true,
    .props = testdev_props,
    .realize = testdev_realize,
    .unrealize = testdev_unrealize,
    .reset = testdev_reset,
};

MIMIC_INIT(testdev_register)
{
    device_class_register(&testdev_class);
}
