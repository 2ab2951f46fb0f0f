/*
 * PCI-to-PCI bridges (PCI-to-PCI Bridge Architecture 1.2): the type 1 header,
 * a secondary bus, and the windows through which the bridge forwards its
 * primary bus's memory, prefetchable memory and I/O accesses to it.
 *
 * A bridge class names TYPE_PCI_BRIDGE_BASE (or a subclass) as
 * .parent.parent, sets header_type = PCI_HEADER_TYPE_BRIDGE, and embeds
 * PCIBridge first in its instance. Its PCIDeviceClass hooks call the
 * pci_bridge_* functions below when they override the base's (pcie-root-port
 * does, to add its PCI Express capability and hotplug slot).
 *
 *   -device pci-bridge,chassis_nr=1,id=br1        a conventional bridge
 *   -device e1000,bus=br1                          a device behind it
 */
#ifndef HW_PCI_PCI_BRIDGE_H
#define HW_PCI_PCI_BRIDGE_H

#include "hw/pci/pci.h"

#define TYPE_PCI_BRIDGE_BASE "pci-bridge-base"
#define TYPE_PCI_BRIDGE "pci-bridge"

enum {
    PCI_BRIDGE_WIN_IO,
    PCI_BRIDGE_WIN_MEM,
    PCI_BRIDGE_WIN_PREF,
    PCI_BRIDGE_WIN_COUNT,
};

typedef struct PCIBridge {
    PCIDevice parent;
    PCIBus *sec_bus;
    char *bus_name;
    MemoryRegion sec_mem; /* the secondary bus's memory space */
    MemoryRegion sec_io;  /* and its I/O space */
    /* Aliases of the secondary spaces mapped in the primary bus's, while forwarding. */
    MemoryRegion win[PCI_BRIDGE_WIN_COUNT];
    bool win_mapped[PCI_BRIDGE_WIN_COUNT];
    uint64_t win_base[PCI_BRIDGE_WIN_COUNT];
    uint64_t win_size[PCI_BRIDGE_WIN_COUNT];
    uint8_t chassis_nr; /* pci-bridge's chassis_nr= */
} PCIBridge;

/*
 * For a bridge class's realize hook: the type 1 header's writable fields and the
 * secondary bus, named after the device's id (or pci.N without one), a PCI Express
 * link when is_express.
 */
bool pci_bridge_init(PCIDevice *dev, bool is_express, GError **errp);
void pci_bridge_exit(PCIDevice *dev);
/* The type 1 semantics after the default write: bus numbers, windows, secondary reset. */
void pci_bridge_write_config(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned len);
void pci_bridge_reset(PCIDevice *dev);

/* The bus behind dev, or NULL when dev is not a bridge. */
PCIBus *pci_bridge_get_sec_bus(PCIDevice *dev);
/*
 * A window as the registers say (§3.2.5.6-3.2.5.9): type PCI_BASE_ADDRESS_SPACE_IO,
 * PCI_BASE_ADDRESS_MEM_PREFETCH, or 0 for the memory window. base > limit: closed.
 */
uint64_t pci_bridge_get_base(PCIDevice *dev, uint8_t type);
uint64_t pci_bridge_get_limit(PCIDevice *dev, uint8_t type);

#endif
