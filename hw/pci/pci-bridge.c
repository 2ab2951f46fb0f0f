/*
 * PCI-to-PCI bridges (PCI-to-PCI Bridge Architecture Specification 1.2):
 *
 *  - the type 1 header (§3.2): primary, secondary and subordinate bus numbers,
 *    the I/O window (16-bit addressing), the memory window, the 64-bit
 *    prefetchable memory window, secondary status and bridge control;
 *  - forwarding (§4.1): the secondary bus has its own memory and I/O spaces,
 *    where the devices behind the bridge map their BARs; while COMMAND.MEMORY
 *    (COMMAND.IO) is set, each open window [base, limit] is an alias of the
 *    secondary space mapped at the same addresses in the primary bus's space;
 *  - Secondary Bus Reset (§3.2.5.17) resets every device behind the bridge.
 *
 * "pci-bridge" is QEMU's conventional bridge (1b36:0001) without its SHPC
 * hotplug controller. Left out: ISA and VGA forwarding (the bits are
 * storage), 32-bit I/O windows, expansion ROMs, discard timers.
 */
#include "hw/pci/pci-bridge.h"
#include "util/error.h"

/* 16-bit I/O addressing: what every PC-style I/O space here holds. */
#define PCI_BRIDGE_IO_TYPE PCI_IO_RANGE_TYPE_16

static unsigned pci_bridge_bus_counter = 1;

static PCIBridge *to_bridge(PCIDevice *dev)
{
    return (PCIBridge *)dev;
}

PCIBus *pci_bridge_get_sec_bus(PCIDevice *dev)
{
    return device_class_is_a(dev->qdev.klass, TYPE_PCI_BRIDGE_BASE) ? to_bridge(dev)->sec_bus
                                                                    : NULL;
}

uint64_t pci_bridge_get_base(PCIDevice *dev, uint8_t type)
{
    const uint8_t *c = dev->config;

    if (type & PCI_BASE_ADDRESS_SPACE_IO) {
        return (uint64_t)(c[PCI_IO_BASE] & PCI_IO_RANGE_MASK) << 8;
    }
    if (type & PCI_BASE_ADDRESS_MEM_PREFETCH) {
        uint64_t base = (uint64_t)(pci_get_word(c + PCI_PREF_MEMORY_BASE) & PCI_PREF_RANGE_MASK)
                        << 16;
        return base | (uint64_t)pci_get_long(c + PCI_PREF_BASE_UPPER32) << 32;
    }
    return (uint64_t)(pci_get_word(c + PCI_MEMORY_BASE) & PCI_MEMORY_RANGE_MASK) << 16;
}

uint64_t pci_bridge_get_limit(PCIDevice *dev, uint8_t type)
{
    const uint8_t *c = dev->config;

    if (type & PCI_BASE_ADDRESS_SPACE_IO) {
        return (uint64_t)(c[PCI_IO_LIMIT] & PCI_IO_RANGE_MASK) << 8 | 0xfff;
    }
    if (type & PCI_BASE_ADDRESS_MEM_PREFETCH) {
        uint64_t limit = (uint64_t)(pci_get_word(c + PCI_PREF_MEMORY_LIMIT) & PCI_PREF_RANGE_MASK)
                         << 16;
        return limit | 0xfffff | (uint64_t)pci_get_long(c + PCI_PREF_LIMIT_UPPER32) << 32;
    }
    return (uint64_t)(pci_get_word(c + PCI_MEMORY_LIMIT) & PCI_MEMORY_RANGE_MASK) << 16 | 0xfffff;
}

/* ---- forwarding ---- */

static void pci_bridge_update_window(PCIBridge *br, int w)
{
    PCIDevice *dev = &br->parent;
    static const uint8_t types[PCI_BRIDGE_WIN_COUNT] = {
        [PCI_BRIDGE_WIN_IO] = PCI_BASE_ADDRESS_SPACE_IO,
        [PCI_BRIDGE_WIN_MEM] = 0,
        [PCI_BRIDGE_WIN_PREF] = PCI_BASE_ADDRESS_MEM_PREFETCH,
    };
    static const char *const names[PCI_BRIDGE_WIN_COUNT] = {"pci_bridge_io", "pci_bridge_mem",
                                                            "pci_bridge_pref_mem"};
    bool io = w == PCI_BRIDGE_WIN_IO;
    uint16_t cmd = pci_get_word(dev->config + PCI_COMMAND);
    bool enabled = cmd & (io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY);
    uint64_t base = pci_bridge_get_base(dev, types[w]);
    uint64_t limit = pci_bridge_get_limit(dev, types[w]);
    MemoryRegion *parent_space = io ? dev->bus->address_space_io : dev->bus->address_space_mem;
    uint64_t size;

    if (io && limit > 0xffff) {
        limit = 0xffff;
    }
    enabled = enabled && base <= limit;
    size = enabled ? limit - base + 1 : 0;
    if (br->win_mapped[w] == enabled && br->win_base[w] == base && br->win_size[w] == size) {
        return;
    }
    if (br->win_mapped[w]) {
        memory_region_destroy(&br->win[w]); /* leaves the primary space too */
        br->win_mapped[w] = false;
    }
    br->win_base[w] = base;
    br->win_size[w] = size;
    if (!enabled) {
        return;
    }
    memory_region_init_alias(&br->win[w], names[w], io ? &br->sec_io : &br->sec_mem, base, size);
    /* The same priorities as BARs on the primary bus (pci.c): I/O over legacy ports, memory
     * below RAM. */
    memory_region_add_subregion_overlap(parent_space, base, &br->win[w], io ? 1 : -1);
    br->win_mapped[w] = true;
}

static void pci_bridge_update_mappings(PCIBridge *br)
{
    memory_region_transaction_begin();
    for (int w = 0; w < PCI_BRIDGE_WIN_COUNT; w++) {
        pci_bridge_update_window(br, w);
    }
    memory_region_transaction_commit();
}

static void reset_one(DeviceState *dev, void *opaque)
{
    device_reset(dev);
}

void pci_bridge_write_config(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned len)
{
    PCIBridge *br = to_bridge(dev);
    uint16_t old_ctl = pci_get_word(dev->config + PCI_BRIDGE_CONTROL);
    uint16_t new_ctl;

    pci_default_write_config(dev, addr, val, len);
    br->sec_bus->bus_num = dev->config[PCI_SECONDARY_BUS];
    if (pci_ranges_overlap(addr, len, PCI_COMMAND, 2) ||
        pci_ranges_overlap(addr, len, PCI_IO_BASE, 2) ||
        pci_ranges_overlap(addr, len, PCI_MEMORY_BASE,
                           PCI_IO_LIMIT_UPPER16 + 2 - PCI_MEMORY_BASE)) {
        pci_bridge_update_mappings(br);
    }
    new_ctl = pci_get_word(dev->config + PCI_BRIDGE_CONTROL);
    if ((new_ctl & ~old_ctl) & PCI_BRIDGE_CTL_BUS_RESET) {
        /* §3.2.5.17: asserting Secondary Bus Reset resets everything behind the bridge. */
        qdev_walk(br->sec_bus->qbus, reset_one, NULL);
    }
}

void pci_bridge_reset(PCIDevice *dev)
{
    PCIBridge *br = to_bridge(dev);
    uint8_t *c = dev->config;

    /* The spec leaves the reset values of the windows open; like QEMU, they read 0. */
    c[PCI_PRIMARY_BUS] = c[PCI_SECONDARY_BUS] = c[PCI_SUBORDINATE_BUS] = 0;
    c[PCI_SEC_LATENCY_TIMER] = 0;
    c[PCI_IO_BASE] = c[PCI_IO_LIMIT] = PCI_BRIDGE_IO_TYPE;
    pci_set_word(c + PCI_MEMORY_BASE, 0);
    pci_set_word(c + PCI_MEMORY_LIMIT, 0);
    pci_set_word(c + PCI_PREF_MEMORY_BASE, PCI_PREF_RANGE_TYPE_64);
    pci_set_word(c + PCI_PREF_MEMORY_LIMIT, PCI_PREF_RANGE_TYPE_64);
    pci_set_long(c + PCI_PREF_BASE_UPPER32, 0);
    pci_set_long(c + PCI_PREF_LIMIT_UPPER32, 0);
    pci_set_word(c + PCI_SEC_STATUS, 0);
    pci_set_word(c + PCI_BRIDGE_CONTROL, 0);
    br->sec_bus->bus_num = 0;
    pci_bridge_update_mappings(br);
}

/* ---- setup ---- */

bool pci_bridge_init(PCIDevice *dev, bool is_express, GError **errp)
{
    PCIBridge *br = to_bridge(dev);
    uint8_t *w = dev->wmask;

    /* §3.2.5: the writable fields of the type 1 header. */
    w[PCI_PRIMARY_BUS] = w[PCI_SECONDARY_BUS] = w[PCI_SUBORDINATE_BUS] = 0xff;
    w[PCI_SEC_LATENCY_TIMER] = 0xff;
    w[PCI_IO_BASE] = w[PCI_IO_LIMIT] = PCI_IO_RANGE_MASK;
    pci_set_word(w + PCI_MEMORY_BASE, PCI_MEMORY_RANGE_MASK);
    pci_set_word(w + PCI_MEMORY_LIMIT, PCI_MEMORY_RANGE_MASK);
    pci_set_word(w + PCI_PREF_MEMORY_BASE, PCI_PREF_RANGE_MASK);
    pci_set_word(w + PCI_PREF_MEMORY_LIMIT, PCI_PREF_RANGE_MASK);
    pci_set_long(w + PCI_PREF_BASE_UPPER32, 0xffffffff);
    pci_set_long(w + PCI_PREF_LIMIT_UPPER32, 0xffffffff);
    pci_set_word(w + PCI_BRIDGE_CONTROL,
                 PCI_BRIDGE_CTL_PARITY | PCI_BRIDGE_CTL_SERR | PCI_BRIDGE_CTL_ISA |
                     PCI_BRIDGE_CTL_VGA | PCI_BRIDGE_CTL_VGA_16BIT | PCI_BRIDGE_CTL_MASTER_ABORT |
                     PCI_BRIDGE_CTL_BUS_RESET | PCI_BRIDGE_CTL_FAST_BACK);
    pci_set_word(dev->w1cmask + PCI_SEC_STATUS,
                 PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT | PCI_STATUS_REC_TARGET_ABORT |
                     PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_SYSTEM_ERROR |
                     PCI_STATUS_DETECTED_PARITY);
    dev->config[PCI_IO_BASE] = dev->config[PCI_IO_LIMIT] = PCI_BRIDGE_IO_TYPE;
    pci_set_word(dev->config + PCI_PREF_MEMORY_BASE, PCI_PREF_RANGE_TYPE_64);
    pci_set_word(dev->config + PCI_PREF_MEMORY_LIMIT, PCI_PREF_RANGE_TYPE_64);

    memory_region_init(&br->sec_mem, "pci_bridge_pci", UINT64_MAX);
    memory_region_init(&br->sec_io, "pci_bridge_io", 0x10000);
    memset(br->win_mapped, 0, sizeof(br->win_mapped));
    if (dev->qdev.id) {
        br->bus_name = g_strdup(dev->qdev.id);
    } else {
        do {
            g_free(br->bus_name);
            br->bus_name = g_strdup_printf("pci.%u", pci_bridge_bus_counter++);
        } while (bus_find(br->bus_name));
    }
    if (bus_find(br->bus_name)) {
        error_setg(errp, "%s: a bus named '%s' exists already; give the bridge another id",
                   device_type(&dev->qdev), br->bus_name);
        g_clear_pointer(&br->bus_name, g_free);
        memory_region_destroy(&br->sec_mem);
        memory_region_destroy(&br->sec_io);
        return false;
    }
    br->sec_bus = pci_bridge_bus_new(dev, br->bus_name, is_express, &br->sec_mem, &br->sec_io);
    return true;
}

void pci_bridge_exit(PCIDevice *dev)
{
    PCIBridge *br = to_bridge(dev);

    memory_region_transaction_begin();
    for (int w = 0; w < PCI_BRIDGE_WIN_COUNT; w++) {
        if (br->win_mapped[w]) {
            memory_region_destroy(&br->win[w]);
            br->win_mapped[w] = false;
        }
    }
    memory_region_transaction_commit();
    /* The devices behind are gone (the device model removes them first): their BARs too. */
    memory_region_destroy(&br->sec_mem);
    memory_region_destroy(&br->sec_io);
    pci_bus_free(br->sec_bus);
    br->sec_bus = NULL;
    g_clear_pointer(&br->bus_name, g_free);
}

/* ---- pci-bridge: QEMU's conventional PCI-to-PCI bridge ---- */

static bool pci_bridge_dev_realize(PCIDevice *dev, GError **errp)
{
    return pci_bridge_init(dev, false, errp);
}

static const Property pci_bridge_dev_props[] = {
    DEFINE_PROP_U8("chassis_nr", PCIBridge, chassis_nr, 0,
                   "chassis number, as QEMU's (kept for command-line compatibility)"),
    DEFINE_PROP_END,
};

static PCIDeviceClass pci_bridge_base_class = {
    .parent =
        {
            .name = TYPE_PCI_BRIDGE_BASE,
            .parent = TYPE_PCI_DEVICE,
            .desc = "PCI-to-PCI bridge (abstract)",
            .instance_size = sizeof(PCIBridge),
            .bus_type = BUS_PCI,
        },
    .class_id = PCI_CLASS_BRIDGE_PCI,
    .header_type = PCI_HEADER_TYPE_BRIDGE,
    .unrealize = pci_bridge_exit,
    .reset = pci_bridge_reset,
    .config_write = pci_bridge_write_config,
};

static PCIDeviceClass pci_bridge_dev_class = {
    .parent =
        {
            .name = TYPE_PCI_BRIDGE,
            .parent = TYPE_PCI_BRIDGE_BASE,
            .desc = "PCI-to-PCI bridge (QEMU's 1b36:0001, without SHPC hotplug)",
            .category = "misc",
            .instance_size = sizeof(PCIBridge),
            .bus_type = BUS_PCI,
            .user_creatable = true,
            .props = pci_bridge_dev_props,
        },
    .vendor_id = PCI_VENDOR_ID_REDHAT,
    .device_id = 0x0001,
    .class_id = PCI_CLASS_BRIDGE_PCI,
    .header_type = PCI_HEADER_TYPE_BRIDGE,
    .interrupt_pin = 1,
    .realize = pci_bridge_dev_realize,
};

MIMIC_INIT(pci_bridge_register_types)
{
    device_class_register(&pci_bridge_base_class.parent);
    device_class_register(&pci_bridge_dev_class.parent);
}
