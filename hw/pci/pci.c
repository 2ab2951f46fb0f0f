/*
 * The PCI core (PCI Local Bus Specification 3.0): the abstract "pci-device"
 * class with its configuration header, BAR sizing and mapping (§6.2.5.1),
 * INTx routing through the bus owner and, behind bridges, the swizzle of
 * PCI-to-PCI Bridge Architecture 1.2 §9.1, capability lists (§6.7), devfn
 * placement (addr=), and the text of info pci.
 *
 * PCI Express (PCIe Base 4.0): a PCI Express function has 4 KiB of
 * configuration space with the extended capability list at 0x100 (§7.6.3);
 * a conventional function's space ends at 256 bytes and accesses beyond it
 * complete as Unsupported Requests (reads all ones, as QEMU). Buses behind
 * bridges are found by the bridges' bus number registers (§7.5.1.3.3), and
 * below a PCI Express port only device 0 exists (§7.3.1 for ARI aside).
 *
 * A hotplug controller (a PCIe slot, hw/pci/pcie.c; ACPI's registers, hw/acpi/pcihp.c)
 * may own a bus: it hears of each device realized there and takes device_del requests
 * for them.
 *
 * MSI and MSI-X (hw/pci/msi.c, hw/pci/msix.c) are capabilities a device adds;
 * the core resets them, passes them configuration writes, removes MSI-X on
 * unrealize, and keeps INTx quiet while either is enabled.
 *
 * Left out: expansion ROM BARs, ARI.
 */
#include "hw/pci/pci.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/pci/pci-bridge.h"
#include "util/error.h"
#include "util/log.h"

static GPtrArray *pci_buses; /* of PCIBus *, in creation order */

/* ---- class helpers ---- */

/*
 * Every class below "pci-device" embeds PCIDeviceClass first, so a class may leave
 * ids or hooks to an ancestor: each is taken from the nearest class that sets it.
 */
static const PCIDeviceClass *pci_class_parent(const PCIDeviceClass *pc)
{
    const char *parent = pc->parent.parent;
    return parent ? (const PCIDeviceClass *)device_class_find(parent) : NULL;
}

#define PCI_CLASS_LOOKUP(dev, field)                                                               \
    ({                                                                                             \
        const PCIDeviceClass *pc_ = pci_device_get_class(dev);                                     \
        while (pc_ && !pc_->field) {                                                               \
            pc_ = pci_class_parent(pc_);                                                           \
        }                                                                                          \
        pc_ ? pc_->field : 0;                                                                      \
    })

static const PCIDeviceClass *pci_ids_class(const PCIDevice *dev)
{
    const PCIDeviceClass *pc = pci_device_get_class(dev);

    while (pc && !pc->vendor_id) {
        pc = pci_class_parent(pc);
    }
    return pc;
}

/* ---- buses ---- */

static void pci_bus_print_dev(BusState *qbus, DeviceState *qdev, GString *out, int indent);
static bool pci_bus_plug(BusState *qbus, DeviceState *qdev, GError **errp);
static void pci_bus_unplug(BusState *qbus, DeviceState *qdev);
static bool pci_bus_unplug_request(BusState *qbus, DeviceState *qdev, GError **errp);

static const BusOps pci_bus_ops = {
    .plug = pci_bus_plug,
    .unplug = pci_bus_unplug,
    .print_dev = pci_bus_print_dev,
    .unplug_request = pci_bus_unplug_request,
};

PCIBus *pci_bus_new(DeviceState *parent, const char *name, MemoryRegion *mem, MemoryRegion *io)
{
    PCIBus *bus = g_new0(PCIBus, 1);

    bus->qbus = bus_new(BUS_PCI, name, parent, &pci_bus_ops);
    bus->bus_num = 0;
    bus->slot_mask = UINT32_MAX;
    bus->address_space_mem = mem;
    bus->address_space_io = io;
    if (!pci_buses) {
        pci_buses = g_ptr_array_new();
    }
    g_ptr_array_add(pci_buses, bus);
    return bus;
}

PCIBus *pcie_bus_new(DeviceState *parent, const char *name, MemoryRegion *mem, MemoryRegion *io)
{
    PCIBus *bus = pci_bus_new(parent, name, mem, io);

    bus->is_express = true;
    return bus;
}

PCIBus *pci_bridge_bus_new(PCIDevice *bridge, const char *name, bool is_express, MemoryRegion *mem,
                           MemoryRegion *io)
{
    PCIBus *bus = pci_bus_new(&bridge->qdev, name, mem, io);

    bus->parent_dev = bridge;
    bus->is_express = is_express;
    bus->bus_num = bridge->config[PCI_SECONDARY_BUS];
    if (is_express) {
        /* A PCI Express link has one device on its far side: device 0 (PCIe Base 4.0 §7.3.1). */
        bus->slot_mask = 1;
    }
    return bus;
}

void pci_bus_free(PCIBus *bus)
{
    g_ptr_array_remove(pci_buses, bus);
    g_free(bus->irq_count);
    g_free(bus);
}

void pci_bus_set_hotplug(PCIBus *bus, const PCIHotplugOps *ops, void *controller)
{
    bus->hotplug_ops = ops;
    bus->hotplug_controller = controller;
}

void pci_bus_irqs(PCIBus *bus, PCISetIrqFn set_irq, PCIMapIrqFn map_irq, void *opaque, int nirq)
{
    bus->set_irq = set_irq;
    bus->map_irq = map_irq;
    bus->irq_opaque = opaque;
    bus->nirq = nirq;
    g_free(bus->irq_count);
    bus->irq_count = g_new0(int, nirq);
}

PCIBus *pci_bus_from_qbus(BusState *qbus)
{
    for (guint i = 0; pci_buses && i < pci_buses->len; i++) {
        PCIBus *bus = g_ptr_array_index(pci_buses, i);
        if (bus->qbus == qbus) {
            return bus;
        }
    }
    return NULL;
}

PCIBus *pci_find_bus_nr(PCIBus *bus, int bus_num)
{
    if (bus->bus_num == bus_num) {
        return bus;
    }
    /* A bridge on bus claims the bus numbers from its secondary to its subordinate bus. */
    for (guint i = 0; i < pci_buses->len; i++) {
        PCIBus *sec = g_ptr_array_index(pci_buses, i);
        PCIDevice *br = sec->parent_dev;
        int first, last;

        if (!br || br->bus != bus) {
            continue;
        }
        first = br->config[PCI_SECONDARY_BUS];
        last = br->config[PCI_SUBORDINATE_BUS];
        /* An unconfigured bridge (secondary 0, or not above its own bus) claims nothing. */
        if (first > bus->bus_num && first <= bus_num && bus_num <= last) {
            return pci_find_bus_nr(sec, bus_num);
        }
    }
    return NULL;
}

PCIDevice *pci_find_device(PCIBus *bus, int bus_num, int devfn)
{
    if (devfn < 0 || devfn >= PCI_DEVFN_MAX) {
        return NULL;
    }
    bus = pci_find_bus_nr(bus, bus_num);
    return bus ? bus->devices[devfn] : NULL;
}

/* "SLOT[.FUNC]" in hex, QEMU's spelling of addr=. */
static bool pci_parse_devfn(const char *str, int *devfn)
{
    char *end;
    unsigned long slot, func = 0;

    if (!g_ascii_isxdigit(str[0])) {
        return false;
    }
    slot = strtoul(str, &end, 16);
    if (*end == '.') {
        if (!g_ascii_isxdigit(end[1])) {
            return false;
        }
        func = strtoul(end + 1, &end, 16);
    }
    if (*end || slot >= PCI_SLOT_MAX || func >= PCI_FUNC_MAX) {
        return false;
    }
    *devfn = PCI_DEVFN(slot, func);
    return true;
}

static bool pci_slot_free(PCIBus *bus, int slot)
{
    for (int f = 0; f < PCI_FUNC_MAX; f++) {
        if (bus->devices[PCI_DEVFN(slot, f)]) {
            return false;
        }
    }
    return true;
}

static int pci_first_free_slot(PCIBus *bus)
{
    for (int slot = 0; slot < PCI_SLOT_MAX; slot++) {
        if ((bus->slot_mask & (1u << slot)) && pci_slot_free(bus, slot)) {
            return slot;
        }
    }
    return -1;
}

static bool pci_is_multifunction(const PCIDevice *dev)
{
    const PCIDeviceClass *pc = pci_ids_class(dev);

    return dev->multifunction || (pc && (pc->header_type & PCI_HEADER_TYPE_MULTI_FUNCTION));
}

static bool pci_bus_plug(BusState *qbus, DeviceState *qdev, GError **errp)
{
    PCIBus *bus = pci_bus_from_qbus(qbus);
    PCIDevice *dev = (PCIDevice *)qdev;
    PCIDevice *fn0;
    int devfn, free_slot;

    if (!bus || !device_class_is_a(qdev->klass, TYPE_PCI_DEVICE)) {
        error_setg(errp, "'%s' is not a PCI device", device_type(qdev));
        return false;
    }
    switch (PCI_CLASS_LOOKUP(dev, express)) {
    case PCI_EXPRESS:
        if (!bus->is_express) {
            error_setg(errp,
                       "%s is a PCI Express device; bus '%s' is a conventional PCI bus (plug "
                       "it into a PCI Express root bus such as pcie.0 of the riscv virt machine)",
                       device_type(qdev), qbus->name);
            return false;
        }
        dev->is_express = true;
        break;
    case PCI_EXPRESS_IF_PORT:
        dev->is_express = bus->is_express && bus->parent_dev;
        break;
    default:
        dev->is_express = false;
        break;
    }
    if (dev->addr && *dev->addr) {
        if (!pci_parse_devfn(dev->addr, &devfn)) {
            error_setg(errp,
                       "%s: addr=%s is not a PCI address; use SLOT[.FUNCTION] in hex, "
                       "slot 00-1f and function 0-7, e.g. addr=03.0",
                       device_type(qdev), dev->addr);
            return false;
        }
    } else if (dev->devfn >= 0) {
        devfn = dev->devfn; /* chosen by pci_create_simple() */
    } else {
        free_slot = pci_first_free_slot(bus);
        if (free_slot < 0) {
            error_setg(errp, "%s: PCI bus '%s' has no free slot left (all %d are taken)",
                       device_type(qdev), qbus->name, __builtin_popcount(bus->slot_mask));
            return false;
        }
        devfn = PCI_DEVFN(free_slot, 0);
    }
    if (!(bus->slot_mask & (1u << PCI_SLOT(devfn)))) {
        error_setg(errp,
                   "%s: bus '%s' is the link below a PCI Express port, where only device 0 "
                   "exists; use addr=00.%x or leave addr out",
                   device_type(qdev), qbus->name, PCI_FUNC(devfn));
        return false;
    }
    if (bus->devices[devfn]) {
        PCIDevice *other = bus->devices[devfn];
        g_autofree char *hint = NULL;

        free_slot = pci_first_free_slot(bus);
        hint = free_slot >= 0 ? g_strdup_printf("; the first free slot is addr=%02x.0", free_slot)
                              : g_strdup("; the bus has no free slot left");
        error_setg(errp, "%s: PCI address %02x.%x on bus '%s' is already taken by '%s'%s",
                   device_type(qdev), PCI_SLOT(devfn), PCI_FUNC(devfn), qbus->name,
                   other->qdev.id ? other->qdev.id : device_type(&other->qdev), hint);
        return false;
    }
    /* Functions 1-7 exist only beside a multifunction function 0 (§6.2.1, header type). */
    fn0 = bus->devices[PCI_DEVFN(PCI_SLOT(devfn), 0)];
    if (PCI_FUNC(devfn) && fn0 && !pci_is_multifunction(fn0)) {
        error_setg(errp,
                   "%s: cannot add function %x to slot %02x: function 0 ('%s') is not "
                   "multifunction (set multifunction=on on it)",
                   device_type(qdev), PCI_FUNC(devfn), PCI_SLOT(devfn), device_type(&fn0->qdev));
        return false;
    }
    if (!PCI_FUNC(devfn) && !pci_is_multifunction(dev) && !pci_slot_free(bus, PCI_SLOT(devfn))) {
        error_setg(errp,
                   "%s: slot %02x already has other functions, so function 0 must be "
                   "multifunction (add multifunction=on)",
                   device_type(qdev), PCI_SLOT(devfn));
        return false;
    }
    dev->bus = bus;
    dev->devfn = devfn;
    snprintf(dev->addr_buf, sizeof(dev->addr_buf), "%02x.%x", PCI_SLOT(devfn), PCI_FUNC(devfn));
    dev->addr = dev->addr_buf; /* the user's string stays owned by the device's string list */
    bus->devices[devfn] = dev;
    return true;
}

static void pci_bus_unplug(BusState *qbus, DeviceState *qdev)
{
    PCIDevice *dev = (PCIDevice *)qdev;

    if (dev->bus && dev->bus->devices[dev->devfn] == dev) {
        dev->bus->devices[dev->devfn] = NULL;
    }
    dev->bus = NULL;
}

static bool pci_bus_unplug_request(BusState *qbus, DeviceState *qdev, GError **errp)
{
    PCIBus *bus = pci_bus_from_qbus(qbus);

    if (bus && bus->hotplug_ops && bus->hotplug_ops->unplug_request) {
        return bus->hotplug_ops->unplug_request(bus->hotplug_controller, (PCIDevice *)qdev,
                                                errp);
    }
    /*
     * No hotplug controller on this bus. A device the machine started with stays, as on
     * QEMU; one device_add put here while the guest ran goes at once, as device_del did
     * before slots existed (the guest sees a surprise removal).
     */
    if (!qdev->hotplugged) {
        error_setg(errp,
                   "Bus '%s' does not support hotplugging, and '%s' has been there since "
                   "the machine started; put devices to remove behind a pcie-root-port",
                   qbus->name, qdev->id ? qdev->id : device_type(qdev));
        return false;
    }
    qdev_unplug_complete(qdev);
    return true;
}

/* ---- INTx ---- */

static void pci_bus_change_irq(PCIDevice *dev, int level)
{
    PCIBus *bus = dev->bus;
    int pin = dev->config[PCI_INTERRUPT_PIN] - 1;
    int irq_num;

    if (level == dev->irq_delivered) {
        return;
    }
    dev->irq_delivered = level;
    if (pin < 0 || pin >= PCI_NUM_PINS) {
        return;
    }
    /* Behind bridges the pin swizzles up to the root bus (PCI-to-PCI Bridge 1.2 §9.1). */
    while (bus && !bus->set_irq && bus->parent_dev) {
        pin = pci_swizzle_map_irq(dev, pin);
        dev = bus->parent_dev;
        bus = dev->bus;
    }
    if (!bus || !bus->map_irq || !bus->set_irq) {
        return;
    }
    irq_num = bus->map_irq(dev, pin);
    if (irq_num < 0 || irq_num >= bus->nirq) {
        return;
    }
    /* Several devices share a line: it is high while any of them asserts it. */
    bus->irq_count[irq_num] += level ? 1 : -1;
    g_assert(bus->irq_count[irq_num] >= 0);
    bus->set_irq(bus->irq_opaque, irq_num, bus->irq_count[irq_num] != 0);
}

static void pci_update_irq(PCIDevice *dev)
{
    /* A function signalling with MSI or MSI-X must not use its pin (PCI 3.0 §6.8). */
    bool disabled = (pci_get_word(dev->config + PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE) ||
                    msi_enabled(dev) || msix_enabled(dev);
    uint16_t status = pci_get_word(dev->config + PCI_STATUS);

    /* STATUS.INTERRUPT shows the pin's state even while COMMAND.INTX_DISABLE masks it. */
    status = dev->irq_state ? status | PCI_STATUS_INTERRUPT : status & ~PCI_STATUS_INTERRUPT;
    pci_set_word(dev->config + PCI_STATUS, status);
    pci_bus_change_irq(dev, dev->irq_state && !disabled);
}

void pci_set_irq(PCIDevice *dev, int level)
{
    dev->irq_state = !!level;
    pci_update_irq(dev);
}

int pci_swizzle_map_irq(PCIDevice *dev, int pin)
{
    return (pin + PCI_SLOT(dev->devfn)) % PCI_NUM_PINS;
}

/* ---- bus mastering ---- */

bool pci_bus_master_enabled(PCIDevice *dev)
{
    /* A bridge forwards its secondary side's requests upstream only as a master itself. */
    for (; dev; dev = dev->bus ? dev->bus->parent_dev : NULL) {
        if (!(pci_get_word(dev->config + PCI_COMMAND) & PCI_COMMAND_MASTER)) {
            return false;
        }
    }
    return true;
}

void pci_bus_unplug_slot(PCIBus *bus, unsigned slot)
{
    for (int fn = PCI_FUNCS_PER_SLOT - 1; fn >= 0; fn--) {
        PCIDevice *dev = bus->devices[PCI_DEVFN(slot, fn)];

        if (dev) {
            qdev_unplug_complete(&dev->qdev);
        }
    }
}

PCIDMAResult pci_dma_rw(PCIDevice *dev, uint64_t addr, void *buf, size_t len, bool to_memory)
{
    uint8_t *p = buf;
    uint64_t a = addr;
    size_t left = len;

    if (!pci_bus_master_enabled(dev)) {
        return PCI_DMA_NOT_MASTER;
    }
    while (left) {
        uint64_t l = left;
        uint8_t *host = a + left < a ? NULL : address_space_map(&address_space_memory, a, &l,
                                                                 to_memory);

        if (!host || l == 0) {
            pci_set_word(dev->config + PCI_STATUS,
                         pci_get_word(dev->config + PCI_STATUS) | PCI_STATUS_REC_MASTER_ABORT);
            log_mask_printf(LOG_GUEST_ERROR, "%s: DMA of %zu bytes at 0x%" PRIx64
                            " is outside RAM\n", device_type(&dev->qdev), len, addr);
            return PCI_DMA_ABORTED;
        }
        if (to_memory) {
            memcpy(host, p, l);
        } else {
            memcpy(p, host, l);
        }
        a += l;
        p += l;
        left -= l;
    }
    return PCI_DMA_OK;
}

/* ---- BARs ---- */

static uint64_t pow2_ceil(uint64_t v)
{
    uint64_t p = 1;

    while (p < v) {
        p <<= 1;
    }
    return p;
}

static int pci_bar_offset(int n)
{
    return PCI_BASE_ADDRESS_0 + n * 4;
}

void pci_register_bar(PCIDevice *dev, int n, uint8_t type, MemoryRegion *mr)
{
    PCIIORegion *r;
    uint64_t size = mr->size, wmask;
    bool is64 = !(type & PCI_BAR_TYPE_IO) && (type & PCI_BAR_TYPE_MEM64);
    int off = pci_bar_offset(n);

    g_assert(n >= 0 && n < PCI_NUM_BARS && (!is64 || n + 1 < PCI_NUM_BARS));
    g_assert(size && (!(type & PCI_BAR_TYPE_IO) || type == PCI_BAR_TYPE_IO));
    size = MAX(pow2_ceil(size), (uint64_t)(type & PCI_BAR_TYPE_IO ? 4 : 16));
    g_assert(!(type & PCI_BAR_TYPE_IO) || size <= 256); /* I/O BARs: 256 bytes at most (§6.2.5.1) */

    r = &dev->io_regions[n];
    g_assert(!r->size);
    r->addr = PCI_BAR_UNMAPPED;
    r->size = size;
    r->type = type;
    r->mr = mr;
    r->address_space =
        (type & PCI_BAR_TYPE_IO) ? dev->bus->address_space_io : dev->bus->address_space_mem;

    /* Sizing: the address bits below the size read back as 0 (§6.2.5.1). */
    wmask = ~(size - 1);
    pci_set_long(dev->config + off, type);
    pci_set_long(dev->wmask + off, (uint32_t)wmask & ~(type & PCI_BAR_TYPE_IO ? 0x3u : 0xfu));
    if (is64) {
        pci_set_long(dev->config + off + 4, 0);
        pci_set_long(dev->wmask + off + 4, wmask >> 32);
    }
}

uint64_t pci_get_bar_addr(PCIDevice *dev, int n)
{
    return dev->io_regions[n].addr;
}

/*
 * The address BAR n decodes now, or PCI_BAR_UNMAPPED: decoding must be enabled in
 * COMMAND, and an address of 0 or one whose range runs past the top of the space
 * (what a BAR holds while software sizes it with all ones) decodes nothing.
 */
static uint64_t pci_bar_address(PCIDevice *dev, int n)
{
    PCIIORegion *r = &dev->io_regions[n];
    uint16_t cmd = pci_get_word(dev->config + PCI_COMMAND);
    int off = pci_bar_offset(n);
    uint64_t addr, last;

    if (r->type & PCI_BAR_TYPE_IO) {
        if (!(cmd & PCI_COMMAND_IO)) {
            return PCI_BAR_UNMAPPED;
        }
        addr = pci_get_long(dev->config + off) & ~(r->size - 1);
        last = addr + r->size - 1;
        /* x86 port space is 64 KiB; a BAR beyond it decodes nothing the CPU can reach. */
        if (addr == 0 || last > 0xffff) {
            return PCI_BAR_UNMAPPED;
        }
        return addr;
    }
    if (!(cmd & PCI_COMMAND_MEMORY)) {
        return PCI_BAR_UNMAPPED;
    }
    if (r->type & PCI_BAR_TYPE_MEM64) {
        addr = pci_get_quad(dev->config + off) & ~(r->size - 1);
        last = addr + r->size - 1;
        if (addr == 0 || last < addr || last == UINT64_MAX) {
            return PCI_BAR_UNMAPPED;
        }
        return addr;
    }
    addr = pci_get_long(dev->config + off) & ~(r->size - 1);
    last = addr + r->size - 1;
    if (addr == 0 || last >= UINT32_MAX) {
        return PCI_BAR_UNMAPPED;
    }
    return addr;
}

static void pci_update_mappings(PCIDevice *dev)
{
    memory_region_transaction_begin();
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIIORegion *r = &dev->io_regions[n];
        uint64_t addr;

        if (!r->size) {
            continue;
        }
        addr = pci_bar_address(dev, n);
        if (addr == r->addr) {
            continue;
        }
        if (r->addr != PCI_BAR_UNMAPPED) {
            memory_region_del_subregion(r->address_space, r->mr);
        }
        r->addr = addr;
        if (addr != PCI_BAR_UNMAPPED) {
            /*
             * As in QEMU: an I/O BAR wins over legacy ports it overlaps; a memory BAR
             * sits below RAM and the machine's own devices, as PCI memory does on a PC.
             */
            memory_region_add_subregion_overlap(r->address_space, addr, r->mr,
                                                (r->type & PCI_BAR_TYPE_IO) ? 1 : -1);
        }
    }
    memory_region_transaction_commit();
}

static void pci_unmap_all(PCIDevice *dev)
{
    memory_region_transaction_begin();
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIIORegion *r = &dev->io_regions[n];
        if (r->size && r->addr != PCI_BAR_UNMAPPED) {
            memory_region_del_subregion(r->address_space, r->mr);
            r->addr = PCI_BAR_UNMAPPED;
        }
    }
    memory_region_transaction_commit();
}

/* ---- configuration space ---- */

uint32_t pci_default_read_config(PCIDevice *dev, uint32_t addr, unsigned len)
{
    uint32_t val = 0;

    g_assert(len <= 4 && addr + len <= dev->config_size);
    for (unsigned i = 0; i < len; i++) {
        val |= (uint32_t)dev->config[addr + i] << (8 * i);
    }
    return val;
}

void pci_default_write_config(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned len)
{
    g_assert(len <= 4 && addr + len <= dev->config_size);
    for (unsigned i = 0; i < len; i++) {
        uint8_t b = val >> (8 * i);
        uint8_t wmask = dev->wmask[addr + i], w1c = dev->w1cmask[addr + i];

        dev->config[addr + i] = (dev->config[addr + i] & ~wmask) | (b & wmask);
        dev->config[addr + i] &= ~(b & w1c);
    }
    if (pci_ranges_overlap(addr, len, PCI_BASE_ADDRESS_0, PCI_NUM_BARS * 4) ||
        pci_ranges_overlap(addr, len, PCI_COMMAND, 2)) {
        pci_update_mappings(dev);
    }
    msi_write_config(dev, addr, len);
    msix_write_config(dev, addr, len);
    /* COMMAND.INTX_DISABLE and the MSI and MSI-X enables all gate the pin. */
    pci_update_irq(dev);
}

static bool pci_config_access_ok(PCIDevice *dev, uint32_t addr, unsigned len)
{
    return (len == 1 || len == 2 || len == 4) && !(addr & (len - 1)) &&
           addr + len <= dev->config_size;
}

static uint32_t pci_all_ones(unsigned len)
{
    return len >= 4 ? ~0u : (1u << (8 * len)) - 1;
}

uint32_t pci_config_read(PCIDevice *dev, uint32_t addr, unsigned len)
{
    uint32_t (*hook)(PCIDevice *, uint32_t, unsigned) = PCI_CLASS_LOOKUP(dev, config_read);

    if (!pci_config_access_ok(dev, addr, len)) {
        return pci_all_ones(len);
    }
    return hook ? hook(dev, addr, len) : pci_default_read_config(dev, addr, len);
}

void pci_config_write(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned len)
{
    void (*hook)(PCIDevice *, uint32_t, uint32_t, unsigned) = PCI_CLASS_LOOKUP(dev, config_write);

    if (!pci_config_access_ok(dev, addr, len)) {
        return;
    }
    if (hook) {
        hook(dev, addr, val, len);
    } else {
        pci_default_write_config(dev, addr, val, len);
    }
}

uint32_t pci_host_config_read(PCIBus *root, int bus_num, int devfn, uint32_t reg, unsigned len)
{
    PCIDevice *dev = pci_find_device(root, bus_num, devfn);

    if (!dev) {
        /* Master abort (Unsupported Request on PCI Express): all ones. */
        return pci_all_ones(len);
    }
    return pci_config_read(dev, reg, len);
}

void pci_host_config_write(PCIBus *root, int bus_num, int devfn, uint32_t reg, uint32_t val,
                           unsigned len)
{
    PCIDevice *dev = pci_find_device(root, bus_num, devfn);

    if (dev) {
        pci_config_write(dev, reg, val, len);
    }
}

uint32_t pci_data_read(PCIBus *bus, uint32_t addr, unsigned len)
{
    return pci_host_config_read(bus, (addr >> 16) & 0xff, (addr >> 8) & 0xff, addr & 0xff, len);
}

void pci_data_write(PCIBus *bus, uint32_t addr, uint32_t val, unsigned len)
{
    pci_host_config_write(bus, (addr >> 16) & 0xff, (addr >> 8) & 0xff, addr & 0xff, val, len);
}

/* ---- capabilities ---- */

uint8_t pci_find_capability(PCIDevice *dev, uint8_t cap_id)
{
    uint8_t off;
    int hops = 0;

    if (!(pci_get_word(dev->config + PCI_STATUS) & PCI_STATUS_CAP_LIST)) {
        return 0;
    }
    /* At most 48 capabilities fit; the bound stops a looping list. */
    for (off = dev->config[PCI_CAPABILITY_LIST]; off && hops < 48;
         off = dev->config[off + 1], hops++) {
        if (dev->config[off] == cap_id) {
            return off;
        }
    }
    return 0;
}

static bool pci_space_free(PCIDevice *dev, unsigned offset, unsigned size)
{
    if (offset + size > dev->config_size) {
        return false;
    }
    for (unsigned i = offset; i < offset + size; i++) {
        if (dev->used[i]) {
            return false;
        }
    }
    return true;
}

/*
 * Where a capability (what: "capability" or "extended capability") of size bytes goes in
 * [first, end): at offset, or, with offset 0, in the first free dword-aligned space.
 * Returns 0 with errp set when there is no room or offset does not fit.
 */
static unsigned pci_place_capability(PCIDevice *dev, const char *what, unsigned cap_id,
                                     unsigned offset, unsigned size, unsigned first,
                                     unsigned end, GError **errp)
{
    if (offset == 0) {
        for (unsigned off = first; off + size <= end; off += 4) {
            if (pci_space_free(dev, off, size)) {
                return off;
            }
        }
        error_setg(errp, "%s: no room for a %u-byte %s 0x%02x in configuration space",
                   device_type(&dev->qdev), size, what, cap_id);
        return 0;
    }
    if (offset < first || (offset & 3) || offset + size > end ||
        !pci_space_free(dev, offset, size)) {
        error_setg(errp,
                   "%s: %s 0x%02x at 0x%02x (%u bytes) is outside 0x%x-0x%x, misaligned or "
                   "overlaps another",
                   device_type(&dev->qdev), what, cap_id, offset, size, first, end - 1);
        return 0;
    }
    return offset;
}

uint8_t pci_add_capability(PCIDevice *dev, uint8_t cap_id, uint8_t offset, uint8_t size,
                           GError **errp)
{
    unsigned off;

    if (size < 2) {
        error_setg(errp, "%s: capability 0x%02x of %u bytes is too small (at least 2)",
                   device_type(&dev->qdev), cap_id, size);
        return 0;
    }
    off = pci_place_capability(dev, "capability", cap_id, offset, size, PCI_CONFIG_HEADER_SIZE,
                               PCI_CONFIG_SPACE_SIZE, errp);
    if (!off) {
        return 0;
    }
    /* New capabilities go to the head of the list. */
    dev->config[off] = cap_id;
    dev->config[off + 1] = dev->config[PCI_CAPABILITY_LIST];
    dev->config[PCI_CAPABILITY_LIST] = off;
    pci_set_word(dev->config + PCI_STATUS,
                 pci_get_word(dev->config + PCI_STATUS) | PCI_STATUS_CAP_LIST);
    memset(dev->used + off, 1, size);
    /* The capability's own code decides what the guest may write; the header is fixed. */
    memset(dev->wmask + off, 0, size);
    memset(dev->w1cmask + off, 0, size);
    return off;
}

/* ---- PCI Express extended capabilities ---- */

uint16_t pcie_find_capability(PCIDevice *dev, uint16_t cap_id)
{
    unsigned off = PCI_EXT_CAP_START;

    if (!dev->is_express || !dev->used[PCI_EXT_CAP_START]) {
        return 0;
    }
    /* At most (4096 - 256) / 4 headers fit; the bound stops a looping list. */
    for (int hops = 0; off >= PCI_EXT_CAP_START && hops < 960; hops++) {
        uint32_t header = pci_get_long(dev->config + off);

        if (PCI_EXT_CAP_ID(header) == cap_id) {
            return off;
        }
        off = PCI_EXT_CAP_NEXT(header);
    }
    return 0;
}

uint16_t pcie_add_capability(PCIDevice *dev, uint16_t cap_id, uint8_t cap_ver, uint16_t offset,
                             uint16_t size, GError **errp)
{
    unsigned off, tail;

    if (!dev->is_express) {
        error_setg(errp, "%s: extended capability 0x%04x needs a PCI Express function",
                   device_type(&dev->qdev), cap_id);
        return 0;
    }
    if (size < 4) {
        error_setg(errp, "%s: extended capability 0x%04x of %u bytes is too small (at least 4)",
                   device_type(&dev->qdev), cap_id, size);
        return 0;
    }
    off = pci_place_capability(dev, "extended capability", cap_id, offset, size,
                               PCI_EXT_CAP_START, PCIE_CONFIG_SPACE_SIZE, errp);
    if (!off) {
        return 0;
    }
    if (!dev->used[PCI_EXT_CAP_START] && off != PCI_EXT_CAP_START) {
        error_setg(errp, "%s: the first extended capability must sit at 0x100, not 0x%03x",
                   device_type(&dev->qdev), off);
        return 0;
    }
    pci_set_long(dev->config + off, cap_id | (uint32_t)(cap_ver & 0xf) << 16);
    if (off != PCI_EXT_CAP_START) {
        /* Append: walk to the capability whose next pointer is 0. */
        for (tail = PCI_EXT_CAP_START; PCI_EXT_CAP_NEXT(pci_get_long(dev->config + tail));) {
            tail = PCI_EXT_CAP_NEXT(pci_get_long(dev->config + tail));
        }
        pci_set_long(dev->config + tail, pci_get_long(dev->config + tail) | (uint32_t)off << 20);
    }
    memset(dev->used + off, 1, size);
    memset(dev->wmask + off, 0, size);
    memset(dev->w1cmask + off, 0, size);
    return off;
}

/* ---- the abstract device ---- */

static void pci_init_config(PCIDevice *dev)
{
    const PCIDeviceClass *ids = pci_ids_class(dev);
    uint16_t subvendor = ids->subsystem_vendor_id, subid = ids->subsystem_id;

    memset(dev->config, 0, sizeof(dev->config));
    memset(dev->wmask, 0, sizeof(dev->wmask));
    memset(dev->w1cmask, 0, sizeof(dev->w1cmask));
    memset(dev->used, 0, sizeof(dev->used));
    memset(dev->used, 1, PCI_CONFIG_HEADER_SIZE);

    pci_set_word(dev->config + PCI_VENDOR_ID, ids->vendor_id);
    pci_set_word(dev->config + PCI_DEVICE_ID, ids->device_id);
    dev->config[PCI_REVISION_ID] = ids->revision;
    dev->config[PCI_CLASS_PROG] = ids->prog_if;
    pci_set_word(dev->config + PCI_CLASS_DEVICE, ids->class_id);
    dev->config[PCI_HEADER_TYPE] = ids->header_type;
    if (dev->multifunction) {
        dev->config[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MULTI_FUNCTION;
    }
    if (!subvendor && !subid) {
        subvendor = PCI_SUBVENDOR_ID_REDHAT_QUMRANET;
        subid = PCI_SUBDEVICE_ID_QEMU;
    }
    /* A type 1 header has the prefetchable window where type 0 has the subsystem ids. */
    if (!pci_is_bridge(dev)) {
        pci_set_word(dev->config + PCI_SUBSYSTEM_VENDOR_ID, subvendor);
        pci_set_word(dev->config + PCI_SUBSYSTEM_ID, subid);
    }
    dev->config[PCI_INTERRUPT_PIN] = PCI_CLASS_LOOKUP(dev, interrupt_pin);

    pci_set_word(dev->wmask + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
                                               PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |
                                               PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
    pci_set_word(dev->w1cmask + PCI_STATUS,
                 PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT | PCI_STATUS_REC_TARGET_ABORT |
                     PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_SYSTEM_ERROR |
                     PCI_STATUS_DETECTED_PARITY);
    dev->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    dev->wmask[PCI_LATENCY_TIMER] = 0xff;
    dev->wmask[PCI_INTERRUPT_LINE] = 0xff;
    /*
     * As QEMU: device-specific registers are plain read/write unless the device says
     * otherwise. The extended space holds only capabilities: the rest reads 0, so an
     * empty extended capability list is a 0 header at 0x100.
     */
    memset(dev->wmask + PCI_CONFIG_HEADER_SIZE, 0xff,
           PCI_CONFIG_SPACE_SIZE - PCI_CONFIG_HEADER_SIZE);
}

static bool pci_qdev_realize(DeviceState *qdev, GError **errp)
{
    PCIDevice *dev = (PCIDevice *)qdev;
    const PCIDeviceClass *ids = pci_ids_class(dev);
    bool (*realize)(PCIDevice *, GError **) = PCI_CLASS_LOOKUP(dev, realize);

    if (!ids) {
        error_setg(errp,
                   "'%s' is an abstract PCI device type; pick a concrete one "
                   "(see -device help)",
                   device_type(qdev));
        return false;
    }
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        dev->io_regions[n] = (PCIIORegion){.addr = PCI_BAR_UNMAPPED};
    }
    dev->irq_state = 0;
    dev->irq_delivered = 0;
    dev->exp_cap = 0;
    dev->msi_cap = 0;
    dev->msix_cap = 0;
    dev->config_size = dev->is_express ? PCIE_CONFIG_SPACE_SIZE : PCI_CONFIG_SPACE_SIZE;
    pci_init_config(dev);
    if (realize && !realize(dev, errp)) {
        msix_uninit(dev);
        return false;
    }
    if (dev->bus->hotplug_ops && dev->bus->hotplug_ops->plugged) {
        dev->bus->hotplug_ops->plugged(dev->bus->hotplug_controller, dev);
    }
    return true;
}

static void pci_qdev_unrealize(DeviceState *qdev)
{
    PCIDevice *dev = (PCIDevice *)qdev;
    void (*unrealize)(PCIDevice *) = PCI_CLASS_LOOKUP(dev, unrealize);

    pci_set_irq(dev, 0);
    /* Before the device may destroy the regions its BARs decode. */
    pci_unmap_all(dev);
    msix_uninit(dev); /* its regions may sit in a BAR region the device destroys */
    if (unrealize) {
        unrealize(dev);
    }
}

static void pci_qdev_reset(DeviceState *qdev)
{
    PCIDevice *dev = (PCIDevice *)qdev;
    void (*reset)(PCIDevice *) = PCI_CLASS_LOOKUP(dev, reset);
    uint16_t cmd = pci_get_word(dev->config + PCI_COMMAND);
    uint16_t status = pci_get_word(dev->config + PCI_STATUS);

    pci_set_word(dev->config + PCI_COMMAND, cmd & ~pci_get_word(dev->wmask + PCI_COMMAND));
    pci_set_word(dev->config + PCI_STATUS, status & ~pci_get_word(dev->w1cmask + PCI_STATUS));
    dev->config[PCI_CACHE_LINE_SIZE] = 0;
    dev->config[PCI_LATENCY_TIMER] = 0;
    dev->config[PCI_INTERRUPT_LINE] = 0;
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIIORegion *r = &dev->io_regions[n];
        int off = pci_bar_offset(n);

        if (!r->size) {
            continue;
        }
        pci_set_long(dev->config + off, r->type);
        if (!(r->type & PCI_BAR_TYPE_IO) && (r->type & PCI_BAR_TYPE_MEM64)) {
            pci_set_long(dev->config + off + 4, 0);
        }
    }
    pci_update_mappings(dev);
    msi_reset(dev);
    msix_reset(dev);
    dev->irq_state = 0;
    pci_update_irq(dev);
    if (reset) {
        reset(dev);
    }
}

static void pci_instance_init(DeviceState *qdev)
{
    ((PCIDevice *)qdev)->devfn = PCI_DEVFN_AUTO;
}

static const Property pci_props[] = {
    DEFINE_PROP_STRING("addr", PCIDevice, addr, NULL,
                       "slot and function, SLOT[.FUNC] in hex (e.g. 03.0); default: first free"),
    DEFINE_PROP_BOOL("multifunction", PCIDevice, multifunction, false,
                     "function 0 of a slot with several functions"),
    DEFINE_PROP_END,
};

static PCIDeviceClass pci_device_class = {
    .parent =
        {
            .name = TYPE_PCI_DEVICE,
            .desc = "abstract PCI device",
            .instance_size = sizeof(PCIDevice),
            .bus_type = BUS_PCI,
            .props = pci_props,
            .instance_init = pci_instance_init,
            .realize = pci_qdev_realize,
            .unrealize = pci_qdev_unrealize,
            .reset = pci_qdev_reset,
        },
};

PCIDevice *pci_create_simple(PCIBus *bus, int devfn, const char *type, GError **errp)
{
    DeviceState *qdev = device_new(type, errp);

    if (!qdev) {
        return NULL;
    }
    if (!device_class_is_a(qdev->klass, TYPE_PCI_DEVICE)) {
        error_setg(errp, "'%s' is not a PCI device", type);
        device_destroy(qdev);
        return NULL;
    }
    ((PCIDevice *)qdev)->devfn = devfn;
    if (!device_realize(qdev, bus->qbus, errp)) {
        device_destroy(qdev);
        return NULL;
    }
    return (PCIDevice *)qdev;
}

/* ---- text ---- */

static const struct {
    uint16_t class_id;
    const char *desc;
} pci_class_names[] = {
    {0x0001, "VGA controller"},
    {0x0100, "SCSI controller"},
    {0x0101, "IDE controller"},
    {0x0102, "Floppy controller"},
    {0x0104, "RAID controller"},
    {0x0106, "SATA controller"},
    {0x0107, "SAS controller"},
    {0x0108, "Non-Volatile memory controller"},
    {0x0180, "Storage controller"},
    {0x0200, "Ethernet controller"},
    {0x0280, "Network controller"},
    {0x0300, "VGA controller"},
    {0x0301, "XGA controller"},
    {0x0302, "3D controller"},
    {0x0380, "Display controller"},
    {0x0400, "Video controller"},
    {0x0401, "Audio controller"},
    {0x0403, "Audio controller"},
    {0x0480, "Multimedia controller"},
    {0x0500, "RAM controller"},
    {0x0580, "Memory controller"},
    {0x0600, "Host bridge"},
    {0x0601, "ISA bridge"},
    {0x0602, "EISA bridge"},
    {0x0604, "PCI bridge"},
    {0x0680, "Bridge"},
    {0x0700, "Serial port"},
    {0x0701, "Parallel port"},
    {0x0780, "Communication controller"},
    {0x0800, "Interrupt controller"},
    {0x0880, "System peripheral"},
    {0x0c03, "USB controller"},
    {0x0c05, "SMBus"},
};

static void pci_info_device(GString *out, PCIBus *bus, PCIDevice *dev)
{
    uint16_t class_id = pci_get_word(dev->config + PCI_CLASS_DEVICE);
    const char *desc = NULL;

    for (size_t i = 0; i < ARRAY_SIZE(pci_class_names); i++) {
        if (pci_class_names[i].class_id == class_id) {
            desc = pci_class_names[i].desc;
            break;
        }
    }
    g_string_append_printf(out, "  Bus %2d, device %3d, function %d:\n", bus->bus_num,
                           PCI_SLOT(dev->devfn), PCI_FUNC(dev->devfn));
    if (desc) {
        g_string_append_printf(out, "    %s", desc);
    } else {
        g_string_append_printf(out, "    Class %04x", class_id);
    }
    g_string_append_printf(out, ": PCI device %04x:%04x\n",
                           pci_get_word(dev->config + PCI_VENDOR_ID),
                           pci_get_word(dev->config + PCI_DEVICE_ID));
    /* A type 1 header has no subsystem ids (as QEMU, which leaves the line out). */
    if (!pci_is_bridge(dev)) {
        g_string_append_printf(out, "      PCI subsystem %04x:%04x\n",
                               pci_get_word(dev->config + PCI_SUBSYSTEM_VENDOR_ID),
                               pci_get_word(dev->config + PCI_SUBSYSTEM_ID));
    }
    if (dev->config[PCI_INTERRUPT_PIN]) {
        g_string_append_printf(out, "      IRQ %d, pin %c\n", dev->config[PCI_INTERRUPT_LINE],
                               'A' + dev->config[PCI_INTERRUPT_PIN] - 1);
    }
    if (pci_bridge_get_sec_bus(dev)) {
        g_string_append_printf(out, "      BUS %d.\n", dev->config[PCI_PRIMARY_BUS]);
        g_string_append_printf(out, "      secondary bus %d.\n", dev->config[PCI_SECONDARY_BUS]);
        g_string_append_printf(out, "      subordinate bus %d.\n",
                               dev->config[PCI_SUBORDINATE_BUS]);
        g_string_append_printf(out, "      IO range [0x%04" PRIx64 ", 0x%04" PRIx64 "]\n",
                               pci_bridge_get_base(dev, PCI_BASE_ADDRESS_SPACE_IO),
                               pci_bridge_get_limit(dev, PCI_BASE_ADDRESS_SPACE_IO));
        g_string_append_printf(out, "      memory range [0x%08" PRIx64 ", 0x%08" PRIx64 "]\n",
                               pci_bridge_get_base(dev, 0), pci_bridge_get_limit(dev, 0));
        g_string_append_printf(
            out, "      prefetchable memory range [0x%08" PRIx64 ", 0x%08" PRIx64 "]\n",
            pci_bridge_get_base(dev, PCI_BASE_ADDRESS_MEM_PREFETCH),
            pci_bridge_get_limit(dev, PCI_BASE_ADDRESS_MEM_PREFETCH));
    }
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIIORegion *r = &dev->io_regions[n];

        if (!r->size) {
            continue;
        }
        if (r->type & PCI_BAR_TYPE_IO) {
            g_string_append_printf(out, "      BAR%d: I/O at 0x%04" PRIx64 " [0x%04" PRIx64 "].\n",
                                   n, r->addr, r->addr + r->size - 1);
        } else {
            g_string_append_printf(
                out, "      BAR%d: %d bit%s memory at 0x%08" PRIx64 " [0x%08" PRIx64 "].\n", n,
                (r->type & PCI_BAR_TYPE_MEM64) ? 64 : 32,
                (r->type & PCI_BAR_TYPE_PREFETCH) ? " prefetchable" : "", r->addr,
                r->addr + r->size - 1);
        }
    }
    g_string_append_printf(out, "      id \"%s\"\n", dev->qdev.id ? dev->qdev.id : "");
}

/* A bus's devices, each bridge followed by the devices behind it. */
static void pci_info_bus(GString *out, PCIBus *bus)
{
    for (int devfn = 0; devfn < PCI_DEVFN_MAX; devfn++) {
        PCIDevice *dev = bus->devices[devfn];
        PCIBus *sec;

        if (!dev) {
            continue;
        }
        pci_info_device(out, bus, dev);
        sec = pci_bridge_get_sec_bus(dev);
        if (sec) {
            pci_info_bus(out, sec);
        }
    }
}

char *pci_info_string(void)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; pci_buses && i < pci_buses->len; i++) {
        PCIBus *bus = g_ptr_array_index(pci_buses, i);
        if (!bus->parent_dev) {
            pci_info_bus(out, bus);
        }
    }
    return g_string_free(out, FALSE);
}

static void pci_bus_print_dev(BusState *qbus, DeviceState *qdev, GString *out, int indent)
{
    PCIDevice *dev = (PCIDevice *)qdev;

    g_string_append_printf(out,
                           "%*sclass %04x, addr %02x:%02x.%x, pci id %04x:%04x "
                           "(sub %04x:%04x)\n",
                           indent, "", pci_get_word(dev->config + PCI_CLASS_DEVICE),
                           dev->bus ? dev->bus->bus_num : 0, PCI_SLOT(dev->devfn),
                           PCI_FUNC(dev->devfn), pci_get_word(dev->config + PCI_VENDOR_ID),
                           pci_get_word(dev->config + PCI_DEVICE_ID),
                           pci_get_word(dev->config + PCI_SUBSYSTEM_VENDOR_ID),
                           pci_get_word(dev->config + PCI_SUBSYSTEM_ID));
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIIORegion *r = &dev->io_regions[n];
        if (r->size) {
            g_string_append_printf(out, "%*sbar %d: %s at 0x%" PRIx64 " [0x%" PRIx64 "]\n", indent,
                                   "", n, (r->type & PCI_BAR_TYPE_IO) ? "i/o" : "mem", r->addr,
                                   r->addr + r->size - 1);
        }
    }
}

MIMIC_INIT(pci_register_types)
{
    device_class_register(&pci_device_class.parent);
}
