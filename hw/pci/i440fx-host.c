/*
 * The i440FX/PIIX3 chipset's PCI side (Intel 82441FX PMC and 82371SB PIIX3
 * data sheets), as QEMU's pc machine presents it:
 *
 *  - "i440FX-pcihost": configuration mechanism #1 (PCI 3.0 §3.2.2.3.2).
 *    CONFIG_ADDRESS at 0xcf8 takes dword writes only (bit 31 enables, then
 *    bus, device, function, register); CONFIG_DATA at 0xcfc-0xcff forwards
 *    any size at any offset to the addressed function. It owns bus "pci.0".
 *  - "i440FX" (00.0, 8086:1237): the host bridge function. Its PAM and SMRAM
 *    registers are plain storage; shadow RAM control is not modelled.
 *  - "PIIX3" (01.0, 8086:7000, multi-function): the PCI-to-ISA bridge with
 *    the PIRQ[A-D] route control registers (0x60-0x63) and the reset control
 *    register at port 0xcf9.
 *
 * Port 0xcf9 lies inside CONFIG_ADDRESS's dword. The memory core clips an
 * access at region boundaries, so a separate one-byte region there would cut
 * every 32-bit 0xcf8 access in pieces; instead the host decodes byte accesses
 * at 0xcf9 and hands them to PIIX3.
 */
#include "hw/pci/i440fx.h"
#include "hw/pci/pci.h"
#include "hw/isa/isa.h"
#include "system/main-loop.h"
#include "util/error.h"
#include "util/log.h"

#define PCI_CONFIG_ADDRESS_PORT 0xcf8
#define PCI_CONFIG_DATA_PORT 0xcfc
#define CONFIG_ADDRESS_ENABLE 0x80000000u
#define CONFIG_ADDRESS_MASK 0x80fffffcu /* reserved bits 30:24 and 1:0 read as 0 */

/* i440FX registers. */
#define I440FX_PAM0 0x59
#define I440FX_SMRAM 0x72

/* PIIX3 registers. */
#define PIIX_IORT 0x4c
#define PIIX_XBCS 0x4e
#define PIIX_PIRQRC 0x60 /* 0x60-0x63: PIRQA-D route control */
#define PIIX_PIRQRC_DISABLE 0x80
#define PIIX_PIRQRC_IRQ_MASK 0x0f
#define PIIX_TOM 0x69
#define PIIX_MBIRQ0 0x70
#define PIIX_MBDMA0 0x76
#define PIIX_MBDMA1 0x77
#define PIIX_APICBASE 0x80
#define PIIX_SMICNTL 0xa0
#define PIIX_SMIREQ 0xa8

/* Reset control register (port 0xcf9). */
#define RCR_SYS_RST 0x02 /* hard reset when RCPU fires */
#define RCR_RESET_CPU 0x04

/* Where PIRQA-D go while their route registers are disabled. */
static const uint8_t piix3_default_route[PIIX_NUM_PIRQS] = {10, 10, 11, 11};

typedef struct PIIX3State {
    PCIDevice parent;
    IrqLine *isa_irqs;   /* ISA IRQ 0-15, or NULL */
    uint8_t pirq_levels; /* bit n: PIRQ n asserted by some device */
    uint16_t isa_levels; /* ISA IRQs we drive high */
    uint8_t rcr;
} PIIX3State;

typedef struct I440FXHost {
    DeviceState parent;
    PCIBus *bus;
    uint32_t config_reg;
    PIIX3State *piix3; /* decodes port 0xcf9, once i440fx_init() has wired it */
    MemoryRegion conf_io;
    MemoryRegion data_io;
} I440FXHost;

typedef struct I440FXState {
    PCIDevice parent;
} I440FXState;

/* ---- PIIX3: reset control ---- */

static uint8_t piix3_rcr_read(PIIX3State *s)
{
    return s->rcr;
}

static void piix3_rcr_write(PIIX3State *s, uint8_t val)
{
    /* As QEMU: RCPU resets the machine, hard (SYS_RST) or soft alike. */
    if (val & RCR_RESET_CPU) {
        system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
        return;
    }
    s->rcr = val & RCR_SYS_RST;
}

/* ---- PIIX3: interrupt routing ---- */

static int piix3_route(PIIX3State *s, int pirq)
{
    uint8_t r = s->parent.config[PIIX_PIRQRC + pirq];

    if (r & PIIX_PIRQRC_DISABLE) {
        return piix3_default_route[pirq];
    }
    r &= PIIX_PIRQRC_IRQ_MASK;
    /* IRQ 0, 1, 2, 8 and 13 are reserved encodings in PIRQRC (82371SB §2.3.13). */
    if (r < 3 || r == 8 || r == 13) {
        return -1;
    }
    return r;
}

static void piix3_update_isa_irqs(PIIX3State *s)
{
    uint16_t levels = 0, changed;

    for (int pirq = 0; pirq < PIIX_NUM_PIRQS; pirq++) {
        int irq = piix3_route(s, pirq);
        if ((s->pirq_levels & (1u << pirq)) && irq >= 0) {
            levels |= 1u << irq;
        }
    }
    changed = levels ^ s->isa_levels;
    s->isa_levels = levels;
    for (int irq = 0; irq < ISA_NUM_IRQS && s->isa_irqs; irq++) {
        if (changed & (1u << irq)) {
            irq_set(&s->isa_irqs[irq], (levels >> irq) & 1);
        }
    }
}

static void piix3_set_pirq(void *opaque, int pirq, int level)
{
    PIIX3State *s = opaque;

    if (level) {
        s->pirq_levels |= 1u << pirq;
    } else {
        s->pirq_levels &= ~(1u << pirq);
    }
    piix3_update_isa_irqs(s);
}

/* The board's swizzle: INTA of slot 1 is PIRQA, INTA of slot 2 is PIRQB, ... */
static int piix3_map_irq(PCIDevice *dev, int pin)
{
    return (pin + PCI_SLOT(dev->devfn) - 1) & (PIIX_NUM_PIRQS - 1);
}

int piix3_pirq_to_isa_irq(BusState *qbus, int pirq)
{
    PCIBus *bus = pci_bus_from_qbus(qbus);

    if (!bus || bus->set_irq != piix3_set_pirq || pirq < 0 || pirq >= PIIX_NUM_PIRQS) {
        return -1;
    }
    return piix3_route(bus->irq_opaque, pirq);
}

/* ---- PIIX3: the PCI function ---- */

static void piix3_config_write(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned len)
{
    pci_default_write_config(dev, addr, val, len);
    if (addr < PIIX_PIRQRC + PIIX_NUM_PIRQS && addr + len > PIIX_PIRQRC) {
        piix3_update_isa_irqs((PIIX3State *)dev);
    }
}

static void piix3_reset(PCIDevice *dev)
{
    PIIX3State *s = (PIIX3State *)dev;
    uint8_t *c = dev->config;

    /* Power-on defaults of the 82371SB function 0 registers QEMU also sets. */
    c[PIIX_IORT] = 0x4d;
    c[PIIX_XBCS] = 0x03;
    c[PIIX_XBCS + 1] = 0x00;
    memset(c + PIIX_PIRQRC, PIIX_PIRQRC_DISABLE, PIIX_NUM_PIRQS);
    c[PIIX_TOM] = 0x02;
    c[PIIX_MBIRQ0] = 0x80;
    c[PIIX_MBDMA0] = 0x0c;
    c[PIIX_MBDMA1] = 0x0c;
    c[PIIX_APICBASE] = 0x00;
    c[PIIX_SMICNTL] = 0x08;
    c[PIIX_SMIREQ] = 0x0f;
    s->rcr = 0;
    piix3_update_isa_irqs(s);
}

/* ---- i440FX: the host bridge function ---- */

static void i440fx_reset(PCIDevice *dev)
{
    memset(dev->config + I440FX_PAM0, 0, 7);
    dev->config[I440FX_SMRAM] = 0x02;
}

/* ---- the host: configuration mechanism #1 ---- */

static uint64_t host_conf_read(void *opaque, uint64_t addr, unsigned size)
{
    I440FXHost *h = opaque;

    if (addr == 1 && size == 1 && h->piix3) {
        return piix3_rcr_read(h->piix3);
    }
    return (h->config_reg >> (8 * addr)) & (size == 4 ? ~0u : (1u << (8 * size)) - 1);
}

static void host_conf_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    I440FXHost *h = opaque;

    if (size == 4) {
        h->config_reg = val & CONFIG_ADDRESS_MASK;
    } else if (addr == 1 && size == 1 && h->piix3) {
        piix3_rcr_write(h->piix3, val);
    }
    /* Other narrow writes are not mechanism #1 cycles; the bridge ignores them. */
}

static uint64_t host_data_read(void *opaque, uint64_t addr, unsigned size)
{
    I440FXHost *h = opaque;

    if (!(h->config_reg & CONFIG_ADDRESS_ENABLE)) {
        return ~0ull;
    }
    return pci_data_read(h->bus, (h->config_reg & ~CONFIG_ADDRESS_ENABLE) | addr, size);
}

static void host_data_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    I440FXHost *h = opaque;

    if (!(h->config_reg & CONFIG_ADDRESS_ENABLE)) {
        return;
    }
    pci_data_write(h->bus, (h->config_reg & ~CONFIG_ADDRESS_ENABLE) | addr, val, size);
}

static const MemoryRegionOps host_conf_ops = {
    .read = host_conf_read,
    .write = host_conf_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 1, .max_access_size = 4},
};

static const MemoryRegionOps host_data_ops = {
    .read = host_data_read,
    .write = host_data_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 1, .max_access_size = 4},
};

static bool host_realize(DeviceState *dev, GError **errp)
{
    I440FXHost *h = (I440FXHost *)dev;

    if (bus_find("pci.0")) {
        error_setg(errp, "%s: this machine already has a PCI host bridge", device_type(dev));
        return false;
    }
    h->bus = pci_bus_new(dev, "pci.0", get_system_memory(), get_system_io());
    memory_region_init_io(&h->conf_io, &host_conf_ops, h, "pci-conf-idx", 4);
    memory_region_init_io(&h->data_io, &host_data_ops, h, "pci-conf-data", 4);
    memory_region_add_subregion(get_system_io(), PCI_CONFIG_ADDRESS_PORT, &h->conf_io);
    memory_region_add_subregion(get_system_io(), PCI_CONFIG_DATA_PORT, &h->data_io);
    return true;
}

static void host_reset(DeviceState *dev)
{
    ((I440FXHost *)dev)->config_reg = 0;
}

static DeviceClass host_class = {
    .name = TYPE_I440FX_PCI_HOST,
    .desc = "i440FX PCI host (configuration mechanism #1)",
    .instance_size = sizeof(I440FXHost),
    .bus_type = BUS_SYSTEM,
    .realize = host_realize,
    .reset = host_reset,
};

static PCIDeviceClass i440fx_class = {
    .parent =
        {
            .name = TYPE_I440FX_PCI_DEVICE,
            .parent = TYPE_PCI_DEVICE,
            .desc = "Intel 82441FX host bridge",
            .instance_size = sizeof(I440FXState),
            .bus_type = BUS_PCI,
        },
    .vendor_id = 0x8086,
    .device_id = 0x1237,
    .revision = 0x02,
    .class_id = PCI_CLASS_BRIDGE_HOST,
    .reset = i440fx_reset,
};

static PCIDeviceClass piix3_class = {
    .parent =
        {
            .name = TYPE_PIIX3_PCI_DEVICE,
            .parent = TYPE_PCI_DEVICE,
            .desc = "Intel 82371SB PIIX3 PCI-to-ISA bridge",
            .instance_size = sizeof(PIIX3State),
            .bus_type = BUS_PCI,
        },
    .vendor_id = 0x8086,
    .device_id = 0x7000,
    .class_id = PCI_CLASS_BRIDGE_ISA,
    .header_type = PCI_HEADER_TYPE_MULTI_FUNCTION,
    .reset = piix3_reset,
    .config_write = piix3_config_write,
};

BusState *i440fx_init(IrqLine *gsi, GError **errp)
{
    DeviceState *dev = device_create_simple(TYPE_I440FX_PCI_HOST, NULL, errp);
    I440FXHost *h = (I440FXHost *)dev;
    PIIX3State *piix3;

    if (!dev) {
        return NULL;
    }
    if (!pci_create_simple(h->bus, PCI_DEVFN(0, 0), TYPE_I440FX_PCI_DEVICE, errp)) {
        return NULL;
    }
    piix3 = (PIIX3State *)pci_create_simple(h->bus, PCI_DEVFN(1, 0), TYPE_PIIX3_PCI_DEVICE, errp);
    if (!piix3) {
        return NULL;
    }
    piix3->isa_irqs = gsi;
    h->piix3 = piix3;
    pci_bus_irqs(h->bus, piix3_set_pirq, piix3_map_irq, piix3, PIIX_NUM_PIRQS);
    return h->bus->qbus;
}

MIMIC_INIT(i440fx_register_types)
{
    device_class_register(&host_class);
    device_class_register(&i440fx_class.parent);
    device_class_register(&piix3_class.parent);
}
