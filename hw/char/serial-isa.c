/*
 * "isa-serial": a 16550A (hw/char/serial.c) at a PC COM port's I/O ports
 * and ISA IRQ. index= picks COM1..COM4 and with it the usual iobase and irq
 * (0x3f8/4, 0x2f8/3, 0x3e8/4, 0x2e8/3); iobase= and irq= override them.
 */
#include "hw/char/serial.h"
#include "hw/isa/isa.h"
#include "util/error.h"

typedef struct SerialISA {
    ISADevice parent;
    int32_t index;  /* -1: the first COM port not yet taken */
    int32_t iobase; /* -1: from index */
    int32_t irq;    /* -1: from index */
    SerialState state;
} SerialISA;

static const uint16_t com_iobase[SERIAL_ISA_MAX_PORTS] = {0x3f8, 0x2f8, 0x3e8, 0x2e8};
static const uint8_t com_irq[SERIAL_ISA_MAX_PORTS] = {4, 3, 4, 3};

/* COM port indices in use, so that index=-1 takes the next free one. */
static unsigned com_used;

static bool serial_isa_realize(DeviceState *dev, GError **errp)
{
    SerialISA *isa = (SerialISA *)dev;
    SerialState *s = &isa->state;
    int index = isa->index;

    if (index < 0) {
        for (index = 0; index < SERIAL_ISA_MAX_PORTS && (com_used & (1u << index)); index++) {
        }
    }
    if (index >= SERIAL_ISA_MAX_PORTS) {
        if (isa->index < 0) {
            error_setg(errp, "isa-serial: COM1 to COM4 are all taken; give index=, "
                             "or iobase= and irq= explicitly");
            return false;
        }
        if (isa->iobase < 0 || isa->irq < 0) {
            error_setg(errp,
                       "isa-serial: index=%d has no default port; use index=0..%d, or "
                       "give iobase= and irq=",
                       index, SERIAL_ISA_MAX_PORTS - 1);
            return false;
        }
    }
    if (isa->iobase < 0) {
        isa->iobase = com_iobase[index];
    }
    if (isa->irq < 0) {
        isa->irq = com_irq[index];
    }
    if (isa->iobase > 0xfff8) {
        error_setg(errp,
                   "isa-serial: iobase=0x%x does not fit the 64 KiB port space with its "
                   "8 registers (at most 0xfff8)",
                   isa->iobase);
        return false;
    }
    if (isa->irq >= ISA_NUM_IRQS) {
        error_setg(errp, "isa-serial: irq=%d is not an ISA IRQ (0-%d)", isa->irq, ISA_NUM_IRQS - 1);
        return false;
    }

    s->irq = isa_get_irq(&isa->parent, isa->irq);
    s->regshift = 0;
    if (!serial_realize_core(s, &serial_io_ops, "serial", errp)) {
        return false;
    }
    isa->index = index;
    if (index < SERIAL_ISA_MAX_PORTS) {
        com_used |= 1u << index;
    }
    isa_register_ioport(&isa->parent, &s->io, isa->iobase);
    return true;
}

static void serial_isa_unrealize(DeviceState *dev)
{
    SerialISA *isa = (SerialISA *)dev;

    isa_unregister_ioport(&isa->parent, &isa->state.io);
    serial_unrealize_core(&isa->state);
    if (isa->index >= 0 && isa->index < SERIAL_ISA_MAX_PORTS) {
        com_used &= ~(1u << isa->index);
    }
}

static void serial_isa_reset(DeviceState *dev)
{
    serial_reset(&((SerialISA *)dev)->state);
}

static void serial_isa_print_dev(DeviceState *dev, GString *out, int indent)
{
    SerialISA *isa = (SerialISA *)dev;

    g_string_append_printf(out, "%*sisa irq %d\n", indent, "", isa->irq);
}

static const Property serial_isa_props[] = {
    DEFINE_PROP_I32("index", SerialISA, index, -1, "COM port number 0-3 (COM1-COM4)"),
    DEFINE_PROP_I32("iobase", SerialISA, iobase, -1, "I/O port base (default from index)"),
    DEFINE_PROP_I32("irq", SerialISA, irq, -1, "ISA IRQ (default from index)"),
    DEFINE_PROP_LINK("chardev", "chardev", SerialISA, state.chardev, "ID of a chardev"),
    DEFINE_PROP_END,
};

static DeviceClass serial_isa_class = {
    .name = "isa-serial",
    .desc = "16550A UART on an ISA COM port",
    .category = "misc",
    .instance_size = sizeof(SerialISA),
    .bus_type = BUS_ISA,
    .user_creatable = true,
    .props = serial_isa_props,
    .realize = serial_isa_realize,
    .unrealize = serial_isa_unrealize,
    .reset = serial_isa_reset,
    .print_dev = serial_isa_print_dev,
};

DeviceState *serial_isa_init(BusState *isa_bus, unsigned index, Chardev *chr, GError **errp)
{
    DeviceState *dev = device_new(serial_isa_class.name, errp);

    if (!dev) {
        return NULL;
    }
    if (!device_set_prop_u64(dev, "index", index, errp) ||
        !device_set_prop_link(dev, "chardev", chr, errp) || !device_realize(dev, isa_bus, errp)) {
        device_destroy(dev);
        return NULL;
    }
    return dev;
}

MIMIC_INIT(serial_isa_register)
{
    device_class_register(&serial_isa_class);
}
