/*
 * isa-debug-exit: a write to its port ends the process with status
 * (value << 1) | 1, so test programs report pass/fail as an exit code.
 * Same device and convention as QEMU's.
 */
#include "hw/isa/isa.h"
#include "system/main-loop.h"
#include "util/error.h"

typedef struct ISADebugExitState {
    ISADevice parent;
    uint32_t iobase;
    uint32_t iosize;
    MemoryRegion io;
} ISADebugExitState;

static uint64_t debug_exit_read(void *opaque, uint64_t addr, unsigned size)
{
    return 0;
}

static void debug_exit_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    system_exit_request((int)(((val << 1) | 1) & 0xff));
}

static const MemoryRegionOps debug_exit_ops = {
    .read = debug_exit_read,
    .write = debug_exit_write,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 1, .max_access_size = 4},
};

static bool debug_exit_realize(DeviceState *dev, GError **errp)
{
    ISADebugExitState *s = (ISADebugExitState *)dev;

    if (s->iosize == 0 || s->iosize > 4 || s->iobase + s->iosize > 0x10000) {
        error_setg(errp,
                    "isa-debug-exit: iobase=0x%x,iosize=%u does not fit the I/O space "
                    "(iosize 1 to 4)",
                    s->iobase, s->iosize);
        return false;
    }
    memory_region_init_io(&s->io, &debug_exit_ops, s, "isa-debug-exit", s->iosize);
    isa_register_ioport(ISA_DEVICE(s), &s->io, s->iobase);
    return true;
}

static void debug_exit_unrealize(DeviceState *dev)
{
    ISADebugExitState *s = (ISADebugExitState *)dev;
    isa_unregister_ioport(ISA_DEVICE(s), &s->io);
}

static const Property debug_exit_props[] = {
    DEFINE_PROP_U32("iobase", ISADebugExitState, iobase, 0x501, "I/O port"),
    DEFINE_PROP_U32("iosize", ISADebugExitState, iosize, 2, "number of ports"),
    DEFINE_PROP_END,
};

static DeviceClass debug_exit_class = {
    .name = "isa-debug-exit",
    .desc = "exit the emulator with a status the guest writes",
    .instance_size = sizeof(ISADebugExitState),
    .bus_type = BUS_ISA,
    .user_creatable = true,
    .props = debug_exit_props,
    .realize = debug_exit_realize,
    .unrealize = debug_exit_unrealize,
};

MIMIC_INIT(debug_exit_register)
{
    device_class_register(&debug_exit_class);
}
