/*
 * "ns16550a": the 16550A core (hw/char/serial.c) memory-mapped on the system
 * bus, register n at addr + (n << regshift), as the RISC-V virt machine (and
 * most device-tree boards) have it. All UART behaviour lives in the core; this
 * file only places it and, through serial_mm_connect_irq(), lets the board
 * wire its interrupt to an interrupt controller (the virt machine's PLIC).
 */
#include "hw/char/serial.h"
#include "util/error.h"

typedef struct SerialMM {
    DeviceState parent;
    uint64_t addr;
    uint32_t regshift;
    SerialState state;
} SerialMM;

static bool serial_mm_realize(DeviceState *dev, GError **errp)
{
    SerialMM *mm = (SerialMM *)dev;
    SerialState *s = &mm->state;

    if (mm->regshift > 2) {
        error_setg(errp,
                   "ns16550a: regshift=%u must be 0, 1 or 2 (registers 1, 2 or 4 bytes "
                   "apart)",
                   mm->regshift);
        return false;
    }
    s->regshift = mm->regshift;
    if (!serial_realize_core(s, &serial_mm_ops, "serial", errp)) {
        return false;
    }
    memory_region_add_subregion(get_system_memory(), mm->addr, &s->io);
    return true;
}

static void serial_mm_unrealize(DeviceState *dev)
{
    SerialMM *mm = (SerialMM *)dev;

    memory_region_del_subregion(get_system_memory(), &mm->state.io);
    serial_unrealize_core(&mm->state);
}

static void serial_mm_reset(DeviceState *dev)
{
    serial_reset(&((SerialMM *)dev)->state);
}

void serial_mm_connect_irq(DeviceState *dev, IrqLine *irq)
{
    g_assert(strcmp(device_type(dev), "ns16550a") == 0 && !dev->realized);
    ((SerialMM *)dev)->state.irq = irq;
}

static void serial_mm_print_dev(DeviceState *dev, GString *out, int indent)
{
    SerialMM *mm = (SerialMM *)dev;

    g_string_append_printf(out, "%*smmio 0x%016" PRIx64 "/0x%x\n", indent, "", mm->addr,
                           8u << mm->regshift);
}

static const Property serial_mm_props[] = {
    DEFINE_PROP_U64("addr", SerialMM, addr, 0, "MMIO base address"),
    DEFINE_PROP_U32("regshift", SerialMM, regshift, 0, "log2 of the register spacing"),
    DEFINE_PROP_LINK("chardev", "chardev", SerialMM, state.chardev, "ID of a chardev"),
    DEFINE_PROP_END,
};

static DeviceClass serial_mm_class = {
    .name = "ns16550a",
    .desc = "16550A UART, memory-mapped",
    .category = "misc",
    .instance_size = sizeof(SerialMM),
    .bus_type = BUS_SYSTEM,
    .props = serial_mm_props,
    .realize = serial_mm_realize,
    .unrealize = serial_mm_unrealize,
    .reset = serial_mm_reset,
    .print_dev = serial_mm_print_dev,
};

MIMIC_INIT(serial_mm_register)
{
    device_class_register(&serial_mm_class);
}
