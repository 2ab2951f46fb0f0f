/*
 * "gpex-pcihost": a generic PCI Express host bridge with an Enhanced
 * Configuration Access Mechanism window (PCIe Base 4.0 §7.2.2), laid out as
 * QEMU's gpex host on its riscv and arm virt machines.
 *
 * ECAM: byte offset bus << 20 | device << 15 | function << 12 | register of
 * the window is that register of that function; accesses of 1, 2 or 4 bytes,
 * naturally aligned. A function that does not exist reads all ones.
 *
 * The PCI memory space is its own container: the 32-bit window and the
 * 64-bit window map it one to one (CPU address = PCI address, what the
 * device tree's ranges say), the I/O window maps PCI I/O port 0 onward at
 * pio_base. BARs and bridge windows of the devices on the root bus decode
 * in those spaces, so an address outside every window reaches no device.
 *
 * INTA-D of a device in slot S of the root bus reach line (pin + S) % 4 of
 * the four the machine wires (its device tree's interrupt-map says the same);
 * devices behind bridges are swizzled up to the root bus first.
 *
 * MSI and MSI-X messages are memory writes the functions make into the
 * machine's address space (hw/pci/msi.c), where the machine's MSI controller
 * (an IMSIC) is mapped; the host bridge adds nothing to them.
 *
 * "gpex-root" is the host bridge's function 00.0, as on QEMU.
 * Left out: bus numbers beyond the window.
 */
#include "hw/pci/gpex.h"
#include "hw/pci/pci.h"
#include "system/memory.h"
#include "util/error.h"

#define GPEX_ROOT_BUS_NAME "pcie.0"

typedef struct GPEXHost {
    DeviceState parent;
    GPEXConfig cfg;
    PCIBus *bus;
    MemoryRegion ecam;
    MemoryRegion pci_mem; /* the PCI memory space */
    MemoryRegion pci_io;  /* the PCI I/O space */
    MemoryRegion mmio_win, high_mmio_win, pio_win;
} GPEXHost;

/* ---- ECAM ---- */

static uint64_t gpex_ecam_read(void *opaque, uint64_t addr, unsigned size)
{
    GPEXHost *h = opaque;

    return pci_host_config_read(h->bus, addr >> 20, (addr >> 12) & 0xff, addr & 0xfff, size);
}

static void gpex_ecam_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    GPEXHost *h = opaque;

    pci_host_config_write(h->bus, addr >> 20, (addr >> 12) & 0xff, addr & 0xfff, val, size);
}

static const MemoryRegionOps gpex_ecam_ops = {
    .read = gpex_ecam_read,
    .write = gpex_ecam_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 1, .max_access_size = 4},
};

/* ---- INTx ---- */

static void gpex_set_irq(void *opaque, int irq_num, int level)
{
    GPEXHost *h = opaque;

    irq_set(h->cfg.irq[irq_num], level);
}

/* ---- the device ---- */

static bool gpex_host_realize(DeviceState *dev, GError **errp)
{
    GPEXHost *h = (GPEXHost *)dev;
    const GPEXConfig *c = &h->cfg;
    MemoryRegion *sysmem = get_system_memory();

    if (bus_find(GPEX_ROOT_BUS_NAME)) {
        error_setg(errp, "%s: this machine already has a PCI Express host bridge",
                   device_type(dev));
        return false;
    }
    if (!c->ecam_size || c->ecam_size % GPEX_ECAM_BUS_SIZE || c->ecam_size > 256 * MiB ||
        c->pio_size > 0x10000) {
        error_setg(errp, "%s: bad layout (ECAM 0x%" PRIx64 " bytes, I/O 0x%" PRIx64 " bytes)",
                   device_type(dev), c->ecam_size, c->pio_size);
        return false;
    }
    memory_region_init_io(&h->ecam, &gpex_ecam_ops, h, "pcie-ecam", c->ecam_size);
    memory_region_init(&h->pci_mem, "pcie-mmio", UINT64_MAX);
    memory_region_init(&h->pci_io, "pcie-pio", 0x10000);
    memory_region_init_alias(&h->mmio_win, "pcie-mmio-window", &h->pci_mem, c->mmio_base,
                             c->mmio_size);
    memory_region_init_alias(&h->pio_win, "pcie-pio-window", &h->pci_io, 0, c->pio_size);
    memory_region_add_subregion(sysmem, c->ecam_base, &h->ecam);
    memory_region_add_subregion(sysmem, c->mmio_base, &h->mmio_win);
    memory_region_add_subregion(sysmem, c->pio_base, &h->pio_win);
    if (c->high_mmio_size) {
        memory_region_init_alias(&h->high_mmio_win, "pcie-mmio-high", &h->pci_mem,
                                 c->high_mmio_base, c->high_mmio_size);
        memory_region_add_subregion(sysmem, c->high_mmio_base, &h->high_mmio_win);
    }
    h->bus = pcie_bus_new(dev, GPEX_ROOT_BUS_NAME, &h->pci_mem, &h->pci_io);
    pci_bus_irqs(h->bus, gpex_set_irq, pci_swizzle_map_irq, h, GPEX_NUM_IRQS);
    return true;
}

static void gpex_host_unrealize(DeviceState *dev)
{
    GPEXHost *h = (GPEXHost *)dev;

    /* The functions on the root bus went first, their BARs with them. */
    if (h->cfg.high_mmio_size) {
        memory_region_destroy(&h->high_mmio_win);
    }
    memory_region_destroy(&h->mmio_win);
    memory_region_destroy(&h->pio_win);
    memory_region_destroy(&h->ecam);
    memory_region_destroy(&h->pci_mem);
    memory_region_destroy(&h->pci_io);
    pci_bus_free(h->bus);
    h->bus = NULL;
}

static void gpex_host_print_dev(DeviceState *dev, GString *out, int indent)
{
    GPEXHost *h = (GPEXHost *)dev;
    const GPEXConfig *c = &h->cfg;

    g_string_append_printf(out, "%*secam 0x%016" PRIx64 "/0x%" PRIx64 "\n", indent, "",
                           c->ecam_base, c->ecam_size);
    g_string_append_printf(out, "%*smmio 0x%016" PRIx64 "/0x%" PRIx64 "\n", indent, "",
                           c->mmio_base, c->mmio_size);
    if (c->high_mmio_size) {
        g_string_append_printf(out, "%*smmio 0x%016" PRIx64 "/0x%" PRIx64 "\n", indent, "",
                               c->high_mmio_base, c->high_mmio_size);
    }
    g_string_append_printf(out, "%*spio 0x%016" PRIx64 "/0x%" PRIx64 "\n", indent, "", c->pio_base,
                           c->pio_size);
}

static DeviceClass gpex_host_class = {
    .name = TYPE_GPEX_HOST,
    .desc = "generic PCI Express host bridge (ECAM)",
    .instance_size = sizeof(GPEXHost),
    .bus_type = BUS_SYSTEM,
    .realize = gpex_host_realize,
    .unrealize = gpex_host_unrealize,
    .print_dev = gpex_host_print_dev,
};

static PCIDeviceClass gpex_root_class = {
    .parent =
        {
            .name = TYPE_GPEX_ROOT_DEVICE,
            .parent = TYPE_PCI_DEVICE,
            .desc = "QEMU PCIe host bridge function",
            .instance_size = sizeof(PCIDevice),
            .bus_type = BUS_PCI,
        },
    .vendor_id = PCI_VENDOR_ID_REDHAT,
    .device_id = 0x0008,
    .class_id = PCI_CLASS_BRIDGE_HOST,
};

MIMIC_INIT(gpex_register_types)
{
    device_class_register(&gpex_host_class);
    device_class_register(&gpex_root_class.parent);
}

/* ---- the machine's API ---- */

DeviceState *gpex_host_create(const GPEXConfig *cfg, GError **errp)
{
    DeviceState *dev = device_new(TYPE_GPEX_HOST, errp);
    GPEXHost *h = (GPEXHost *)dev;

    if (!dev) {
        return NULL;
    }
    h->cfg = *cfg;
    if (!device_realize(dev, sysbus_get_default(), errp)) {
        device_destroy(dev);
        return NULL;
    }
    if (!pci_create_simple(h->bus, PCI_DEVFN(0, 0), TYPE_GPEX_ROOT_DEVICE, errp)) {
        return NULL;
    }
    return dev;
}

BusState *gpex_host_bus(DeviceState *host)
{
    return ((GPEXHost *)host)->bus->qbus;
}
