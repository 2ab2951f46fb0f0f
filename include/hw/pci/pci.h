/*
 * The PCI core: devices with a 256-byte type 0 configuration space, base
 * address registers mapped into the machine's memory and I/O spaces, INTx
 * interrupts routed by the bus owner, and capability lists.
 *
 * A PCI device class embeds PCIDeviceClass as its first member, names
 * "pci-device" (or a subclass of it) as .parent.parent, sets bus_type =
 * BUS_PCI, and puts its work in the PCIDeviceClass hooks: it leaves
 * DeviceClass realize/unrealize/reset NULL, because "pci-device" owns those
 * and calls the hooks after setting up the configuration space. Its instance
 * struct embeds PCIDevice first.
 */
#ifndef HW_PCI_PCI_H
#define HW_PCI_PCI_H

#include "core/qdev.h"
#include "system/memory.h"

#define TYPE_PCI_DEVICE "pci-device"

#define PCI_CONFIG_SPACE_SIZE 256
#define PCIE_CONFIG_SPACE_SIZE 4096
#define PCI_CONFIG_HEADER_SIZE 0x40
#define PCI_NUM_BARS 6
#define PCI_SLOT_MAX 32
#define PCI_FUNC_MAX 8
#define PCI_DEVFN_MAX 256
#define PCI_FUNCS_PER_SLOT 8
#define PCI_NUM_PINS 4 /* INTA..INTD */

#define PCI_DEVFN(slot, func) ((((slot)&0x1f) << 3) | ((func)&0x07))
#define PCI_SLOT(devfn) (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn) ((devfn)&0x07)
#define PCI_DEVFN_AUTO (-1)

/* Type 0 configuration header (PCI Local Bus 3.0 §6.1). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION_ID 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_CLASS_DEVICE 0x0a /* sub class, then base class */
#define PCI_CACHE_LINE_SIZE 0x0c
#define PCI_LATENCY_TIMER 0x0d
#define PCI_HEADER_TYPE 0x0e
#define PCI_BIST 0x0f
#define PCI_BASE_ADDRESS_0 0x10
#define PCI_BASE_ADDRESS_5 0x24
#define PCI_CARDBUS_CIS 0x28
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_ROM_ADDRESS 0x30
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d
#define PCI_MIN_GNT 0x3e
#define PCI_MAX_LAT 0x3f

#define PCI_COMMAND_IO 0x0001
#define PCI_COMMAND_MEMORY 0x0002
#define PCI_COMMAND_MASTER 0x0004
#define PCI_COMMAND_PARITY 0x0040
#define PCI_COMMAND_SERR 0x0100
#define PCI_COMMAND_INTX_DISABLE 0x0400

#define PCI_STATUS_INTERRUPT 0x0008
#define PCI_STATUS_CAP_LIST 0x0010
#define PCI_STATUS_FAST_BACK 0x0080
#define PCI_STATUS_PARITY 0x0100
#define PCI_STATUS_DEVSEL_MEDIUM 0x0200
#define PCI_STATUS_SIG_TARGET_ABORT 0x0800
#define PCI_STATUS_REC_TARGET_ABORT 0x1000
#define PCI_STATUS_REC_MASTER_ABORT 0x2000
#define PCI_STATUS_SIG_SYSTEM_ERROR 0x4000
#define PCI_STATUS_DETECTED_PARITY 0x8000

#define PCI_HEADER_TYPE_NORMAL 0x00
#define PCI_HEADER_TYPE_BRIDGE 0x01
#define PCI_HEADER_TYPE_MULTI_FUNCTION 0x80

/* Type 1 (PCI-to-PCI bridge) header, PCI-to-PCI Bridge Architecture 1.2 §3.2. */
#define PCI_PRIMARY_BUS 0x18
#define PCI_SECONDARY_BUS 0x19
#define PCI_SUBORDINATE_BUS 0x1a
#define PCI_SEC_LATENCY_TIMER 0x1b
#define PCI_IO_BASE 0x1c
#define PCI_IO_LIMIT 0x1d
#define PCI_SEC_STATUS 0x1e
#define PCI_MEMORY_BASE 0x20
#define PCI_MEMORY_LIMIT 0x22
#define PCI_PREF_MEMORY_BASE 0x24
#define PCI_PREF_MEMORY_LIMIT 0x26
#define PCI_PREF_BASE_UPPER32 0x28
#define PCI_PREF_LIMIT_UPPER32 0x2c
#define PCI_IO_BASE_UPPER16 0x30
#define PCI_IO_LIMIT_UPPER16 0x32
#define PCI_ROM_ADDRESS1 0x38
#define PCI_BRIDGE_CONTROL 0x3e

#define PCI_IO_RANGE_TYPE_MASK 0x0f
#define PCI_IO_RANGE_TYPE_16 0x00
#define PCI_IO_RANGE_MASK 0xf0
#define PCI_MEMORY_RANGE_MASK 0xfff0
#define PCI_PREF_RANGE_TYPE_64 0x0001
#define PCI_PREF_RANGE_MASK 0xfff0

#define PCI_BRIDGE_CTL_PARITY 0x0001
#define PCI_BRIDGE_CTL_SERR 0x0002
#define PCI_BRIDGE_CTL_ISA 0x0004
#define PCI_BRIDGE_CTL_VGA 0x0008
#define PCI_BRIDGE_CTL_VGA_16BIT 0x0010
#define PCI_BRIDGE_CTL_MASTER_ABORT 0x0020
#define PCI_BRIDGE_CTL_BUS_RESET 0x0040
#define PCI_BRIDGE_CTL_FAST_BACK 0x0080

#define PCI_BASE_ADDRESS_SPACE_IO 0x01
#define PCI_BASE_ADDRESS_MEM_TYPE_64 0x04
#define PCI_BASE_ADDRESS_MEM_PREFETCH 0x08

/* BAR types for pci_register_bar(): one of IO, MEM32, MEM64, optionally | PREFETCH. */
#define PCI_BAR_TYPE_IO PCI_BASE_ADDRESS_SPACE_IO
#define PCI_BAR_TYPE_MEM32 0x00
#define PCI_BAR_TYPE_MEM64 PCI_BASE_ADDRESS_MEM_TYPE_64
#define PCI_BAR_TYPE_PREFETCH PCI_BASE_ADDRESS_MEM_PREFETCH
#define PCI_BAR_UNMAPPED (~(uint64_t)0)

/* Capability IDs. */
#define PCI_CAP_ID_PM 0x01
#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_VNDR 0x09
#define PCI_CAP_ID_SSVID 0x0d
#define PCI_CAP_ID_EXP 0x10
#define PCI_CAP_ID_MSIX 0x11

/*
 * PCI Express extended capabilities (PCIe Base 4.0 §7.6.3): a 32-bit header, ID in
 * bits 15:0, version in 19:16, the next one's offset in 31:20; the list starts at 0x100
 * and a header of 0 there means an empty list.
 */
#define PCI_EXT_CAP_START 0x100
#define PCI_EXT_CAP_ID(header) ((header)&0xffff)
#define PCI_EXT_CAP_VER(header) (((header) >> 16) & 0xf)
#define PCI_EXT_CAP_NEXT(header) (((header) >> 20) & 0xffc)
#define PCI_EXT_CAP_ID_ERR 0x0001
#define PCI_EXT_CAP_ID_DSN 0x0003
#define PCI_EXT_CAP_ID_VNDR 0x000b
#define PCI_EXT_CAP_ID_ACS 0x000d

/* Base class << 8 | sub class. */
#define PCI_CLASS_STORAGE_SCSI 0x0100
#define PCI_CLASS_STORAGE_IDE 0x0101
#define PCI_CLASS_NETWORK_ETHERNET 0x0200
#define PCI_CLASS_DISPLAY_VGA 0x0300
#define PCI_CLASS_BRIDGE_HOST 0x0600
#define PCI_CLASS_BRIDGE_ISA 0x0601
#define PCI_CLASS_BRIDGE_PCI 0x0604
#define PCI_CLASS_BRIDGE_OTHER 0x0680
#define PCI_CLASS_OTHERS 0xff00

/* Red Hat / QEMU's subsystem ids, what QEMU's devices report by default. */
#define PCI_SUBVENDOR_ID_REDHAT_QUMRANET 0x1af4
#define PCI_SUBDEVICE_ID_QEMU 0x1100
/* Red Hat's vendor id for QEMU's own bridges and host bridges (docs/specs/pci-ids.txt there). */
#define PCI_VENDOR_ID_REDHAT 0x1b36

typedef struct PCIBus PCIBus;
typedef struct PCIDevice PCIDevice;

typedef struct PCIIORegion {
    uint64_t addr; /* where it is mapped now, or PCI_BAR_UNMAPPED */
    uint64_t size; /* power of two; 0: BAR not implemented */
    uint8_t type;  /* PCI_BAR_TYPE_* */
    MemoryRegion *mr;
    MemoryRegion *address_space; /* the bus's memory or I/O space */
} PCIIORegion;

struct PCIDevice {
    DeviceState qdev;
    /* Properties. */
    char *addr;         /* "SLOT[.FUNC]" in hex, as QEMU's addr=; unset: first free slot */
    bool multifunction; /* set bit 7 of the header type */

    PCIBus *bus;
    int devfn;
    char addr_buf[8];     /* addr after placement, e.g. "03.0" */
    bool is_express;      /* a PCI Express function: 4 KiB of configuration space */
    uint32_t config_size; /* PCI_CONFIG_SPACE_SIZE or PCIE_CONFIG_SPACE_SIZE */
    uint8_t exp_cap;      /* offset of the PCI Express capability, or 0 */
    uint8_t config[PCIE_CONFIG_SPACE_SIZE];
    uint8_t wmask[PCIE_CONFIG_SPACE_SIZE];   /* bits the guest may write */
    uint8_t w1cmask[PCIE_CONFIG_SPACE_SIZE]; /* bits the guest clears by writing 1 */
    uint8_t used[PCIE_CONFIG_SPACE_SIZE];    /* bytes taken by the header or a capability */
    PCIIORegion io_regions[PCI_NUM_BARS];
    int irq_state;     /* INTx level the device drives */
    int irq_delivered; /* level passed to the bus (0 while COMMAND.INTX_DISABLE) */
    uint8_t msi_cap;              /* offset of the MSI capability, or 0 (hw/pci/msi.c) */
    uint8_t msix_cap;             /* offset of the MSI-X capability, or 0 (hw/pci/msix.c) */
    struct PCIMSIXState *msix;    /* the MSI-X table and PBA, with msix_cap */
};

/* Whether a class's functions are PCI Express functions (4 KiB configuration space). */
typedef enum PCIExpressKind {
    PCI_CONVENTIONAL = 0,
    PCI_EXPRESS,         /* always (ports, switches, root complex functions) */
    PCI_EXPRESS_IF_PORT, /* below a PCI Express port; conventional on a root bus or PCI bus */
} PCIExpressKind;

typedef struct PCIDeviceClass {
    DeviceClass parent;
    uint16_t vendor_id; /* 0 in an abstract class */
    uint16_t device_id;
    uint8_t revision;
    uint16_t class_id; /* PCI_CLASS_* */
    uint8_t prog_if;
    uint16_t subsystem_vendor_id; /* 0: PCI_SUBVENDOR_ID_REDHAT_QUMRANET */
    uint16_t subsystem_id;        /* 0 with subsystem_vendor_id 0: PCI_SUBDEVICE_ID_QEMU */
    uint8_t header_type;   /* PCI_HEADER_TYPE_NORMAL or _BRIDGE, optionally | MULTI_FUNCTION */
    uint8_t interrupt_pin; /* 0: no INTx, 1..4: INTA..INTD */
    PCIExpressKind express;

    /* Called with the standard header filled in; register BARs and capabilities here. */
    bool (*realize)(PCIDevice *dev, GError **errp);
    void (*unrealize)(PCIDevice *dev);
    /* After the core reset the header (BARs unmapped, COMMAND 0, INTx low). */
    void (*reset)(PCIDevice *dev);
    /*
     * Configuration space access from the host bridge; addr + len <= dev->config_size,
     * len 1, 2 or 4, naturally aligned. A hook usually calls
     * pci_default_{read,write}_config itself.
     */
    uint32_t (*config_read)(PCIDevice *dev, uint32_t addr, unsigned len);
    void (*config_write)(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned len);
} PCIDeviceClass;

/* The bus owner's interrupt routing: INTx pin 0..3 of dev -> one of its nirq lines. */
typedef int (*PCIMapIrqFn)(PCIDevice *dev, int pin);
typedef void (*PCISetIrqFn)(void *opaque, int irq_num, int level);

/*
 * A hotplug controller owning a bus (a PCIe slot, ACPI's PCI hotplug registers): it
 * hears of devices realized on the bus, and device_del of them goes to it (see
 * BusOps.unplug_request). controller is what pci_bus_set_hotplug() was given.
 */
typedef struct PCIHotplugOps {
    void (*plugged)(void *controller, PCIDevice *dev);
    bool (*unplug_request)(void *controller, PCIDevice *dev, GError **errp);
} PCIHotplugOps;

struct PCIBus {
    BusState *qbus;
    /* A root bus's number is fixed; a secondary bus has its bridge's Secondary Bus Number. */
    int bus_num;
    PCIDevice *parent_dev; /* the bridge this bus is behind; NULL on a root bus */
    bool is_express;       /* a PCI Express link or root complex, not a PCI bus */
    uint32_t slot_mask;    /* slots devices may use: bit n for slot n */
    PCIDevice *devices[PCI_DEVFN_MAX];
    MemoryRegion *address_space_mem;
    MemoryRegion *address_space_io;
    /* On a root bus: the owner's routing. Behind a bridge: NULL, swizzled to the parent. */
    PCIMapIrqFn map_irq;
    PCISetIrqFn set_irq;
    void *irq_opaque;
    int nirq;
    int *irq_count; /* devices asserting each line */
    const PCIHotplugOps *hotplug_ops;
    void *hotplug_controller;
};

static inline const PCIDeviceClass *pci_device_get_class(const PCIDevice *dev)
{
    return (const PCIDeviceClass *)dev->qdev.klass;
}

/* Little-endian accessors for configuration space. */
static inline uint16_t pci_get_word(const uint8_t *p)
{
    return p[0] | (p[1] << 8);
}
static inline void pci_set_word(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}
static inline uint32_t pci_get_long(const uint8_t *p)
{
    return pci_get_word(p) | ((uint32_t)pci_get_word(p + 2) << 16);
}
static inline void pci_set_long(uint8_t *p, uint32_t v)
{
    pci_set_word(p, v);
    pci_set_word(p + 2, v >> 16);
}
static inline uint64_t pci_get_quad(const uint8_t *p)
{
    return pci_get_long(p) | ((uint64_t)pci_get_long(p + 4) << 32);
}
static inline void pci_set_quad(uint8_t *p, uint64_t v)
{
    pci_set_long(p, v);
    pci_set_long(p + 4, v >> 32);
}

/* Buses. mem and io are where BARs are mapped (usually the system memory and I/O). */
PCIBus *pci_bus_new(DeviceState *parent, const char *name, MemoryRegion *mem, MemoryRegion *io);
/* A root complex's bus: PCI Express devices may sit on it. */
PCIBus *pcie_bus_new(DeviceState *parent, const char *name, MemoryRegion *mem, MemoryRegion *io);
/*
 * The secondary bus of bridge, its BARs decoding in mem and io (the bridge forwards
 * its windows there); INTx is swizzled to the bridge's own pins.
 */
PCIBus *pci_bridge_bus_new(PCIDevice *bridge, const char *name, bool is_express, MemoryRegion *mem,
                           MemoryRegion *io);
/* The bridge is going: forget its bus (the device model frees the BusState). */
void pci_bus_free(PCIBus *bus);
void pci_bus_irqs(PCIBus *bus, PCISetIrqFn set_irq, PCIMapIrqFn map_irq, void *opaque, int nirq);
void pci_bus_set_hotplug(PCIBus *bus, const PCIHotplugOps *ops, void *controller);
/* The PCIBus behind a BusState of type BUS_PCI, or NULL. */
PCIBus *pci_bus_from_qbus(BusState *qbus);
/* The bus numbered bus_num at or below bus (through bridges' bus number registers), or NULL. */
PCIBus *pci_find_bus_nr(PCIBus *bus, int bus_num);
/* The function devfn on bus number bus_num at or below bus, or NULL. */
PCIDevice *pci_find_device(PCIBus *bus, int bus_num, int devfn);
static inline bool pci_is_bridge(const PCIDevice *dev)
{
    return (dev->config[PCI_HEADER_TYPE] & ~PCI_HEADER_TYPE_MULTI_FUNCTION) ==
           PCI_HEADER_TYPE_BRIDGE;
}
/* Does a config access of alen bytes at a touch the register of blen bytes at b? */
static inline bool pci_ranges_overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
    return a < b + blen && b < a + alen;
}

/* Create and realize type at devfn (PCI_DEVFN_AUTO: first free slot). */
PCIDevice *pci_create_simple(PCIBus *bus, int devfn, const char *type, GError **errp);

/*
 * Configuration mechanism for host bridges: addr is bus << 16 | devfn << 8 | register,
 * as in CONFIG_ADDRESS. A missing device reads all ones and ignores writes.
 */
uint32_t pci_data_read(PCIBus *bus, uint32_t addr, unsigned len);
void pci_data_write(PCIBus *bus, uint32_t addr, uint32_t val, unsigned len);
/* The same with a 12-bit register number (ECAM, PCIe Base 4.0 §7.2.2). */
uint32_t pci_host_config_read(PCIBus *root, int bus_num, int devfn, uint32_t reg, unsigned len);
void pci_host_config_write(PCIBus *root, int bus_num, int devfn, uint32_t reg, uint32_t val,
                           unsigned len);

/*
 * One device's configuration space, through its class hooks. Beyond a conventional
 * function's 256 bytes there is nothing: reads return all ones (the Unsupported Request
 * a root complex turns into all ones), writes are dropped.
 */
uint32_t pci_config_read(PCIDevice *dev, uint32_t addr, unsigned len);
void pci_config_write(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned len);
/* The standard semantics: wmask, w1cmask, BAR (re)mapping, INTx disable. */
uint32_t pci_default_read_config(PCIDevice *dev, uint32_t addr, unsigned len);
void pci_default_write_config(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned len);

/*
 * Declare BAR n (0-5; a 64-bit BAR also takes n + 1) decoding mr. mr's size is the
 * BAR size (rounded up to a power of two, at least 16 bytes of memory or 4 of I/O).
 * Call from the realize hook.
 */
void pci_register_bar(PCIDevice *dev, int n, uint8_t type, MemoryRegion *mr);
/* Where BAR n is mapped now, or PCI_BAR_UNMAPPED. */
uint64_t pci_get_bar_addr(PCIDevice *dev, int n);

/* Drive the device's INTx pin (the one in PCI_INTERRUPT_PIN). */
void pci_set_irq(PCIDevice *dev, int level);
static inline void pci_irq_assert(PCIDevice *dev)
{
    pci_set_irq(dev, 1);
}
static inline void pci_irq_deassert(PCIDevice *dev)
{
    pci_set_irq(dev, 0);
}
/*
 * May dev master the bus (DMA, interrupt messages)? Bus Master Enable must be set in
 * it and in every bridge between it and the root bus.
 */
bool pci_bus_master_enabled(PCIDevice *dev);
/* A hotplug controller lets go of the card in slot: its functions, function 0 last. */
void pci_bus_unplug_slot(PCIBus *bus, unsigned slot);

typedef enum PCIDMAResult {
    PCI_DMA_OK,
    PCI_DMA_NOT_MASTER, /* bus mastering is off, here or in a bridge above: nothing moved */
    PCI_DMA_ABORTED,    /* a byte outside RAM: a master abort, the copy stopped there */
} PCIDMAResult;
/*
 * DMA by dev as a bus master between buf and guest RAM at [addr, addr + len):
 * into RAM when to_memory. A master abort sets Received Master Abort in dev's
 * status register, as the PCI spec has the master do. Only RAM, unlike
 * address_space_rw: a guest aiming DMA at device registers would make one
 * device model call into another (or itself) in the middle of a transfer.
 */
PCIDMAResult pci_dma_rw(PCIDevice *dev, uint64_t addr, void *buf, size_t len, bool to_memory);
/* The usual swizzle: pin of a device in slot N -> line (pin + N) % 4 of the bus. */
int pci_swizzle_map_irq(PCIDevice *dev, int pin);

/*
 * Link a capability of size bytes into the list. offset 0 picks the first free
 * dword-aligned space at or above 0x40. Returns the offset, or 0 with errp set.
 */
uint8_t pci_add_capability(PCIDevice *dev, uint8_t cap_id, uint8_t offset, uint8_t size,
                           GError **errp);
/* Offset of the first capability cap_id, or 0. */
uint8_t pci_find_capability(PCIDevice *dev, uint8_t cap_id);

/*
 * Link a PCI Express extended capability of size bytes (header included) at the end
 * of the list, PCI Express functions only. offset 0 picks the first free dword-aligned
 * space at or above 0x100; the first capability sits at 0x100. Returns the offset, or
 * 0 with errp set.
 */
uint16_t pcie_add_capability(PCIDevice *dev, uint16_t cap_id, uint8_t cap_ver, uint16_t offset,
                             uint16_t size, GError **errp);
/* Offset of the first extended capability cap_id, or 0. */
uint16_t pcie_find_capability(PCIDevice *dev, uint16_t cap_id);

/* Text for info pci, in QEMU's layout. */
char *pci_info_string(void);

#endif
