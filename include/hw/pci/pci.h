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
#define PCI_CONFIG_HEADER_SIZE 0x40
#define PCI_NUM_BARS 6
#define PCI_SLOT_MAX 32
#define PCI_FUNC_MAX 8
#define PCI_DEVFN_MAX 256
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
#define PCI_HEADER_TYPE_MULTI_FUNCTION 0x80

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
#define PCI_CAP_ID_EXP 0x10
#define PCI_CAP_ID_MSIX 0x11

/* Base class << 8 | sub class. */
#define PCI_CLASS_STORAGE_SCSI 0x0100
#define PCI_CLASS_STORAGE_IDE 0x0101
#define PCI_CLASS_NETWORK_ETHERNET 0x0200
#define PCI_CLASS_DISPLAY_VGA 0x0300
#define PCI_CLASS_BRIDGE_HOST 0x0600
#define PCI_CLASS_BRIDGE_ISA 0x0601
#define PCI_CLASS_BRIDGE_OTHER 0x0680
#define PCI_CLASS_OTHERS 0xff00

/* Red Hat / QEMU's subsystem ids, what QEMU's devices report by default. */
#define PCI_SUBVENDOR_ID_REDHAT_QUMRANET 0x1af4
#define PCI_SUBDEVICE_ID_QEMU 0x1100

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
    char addr_buf[8]; /* addr after placement, e.g. "03.0" */
    uint8_t config[PCI_CONFIG_SPACE_SIZE];
    uint8_t wmask[PCI_CONFIG_SPACE_SIZE];   /* bits the guest may write */
    uint8_t w1cmask[PCI_CONFIG_SPACE_SIZE]; /* bits the guest clears by writing 1 */
    uint8_t used[PCI_CONFIG_SPACE_SIZE];    /* bytes taken by the header or a capability */
    PCIIORegion io_regions[PCI_NUM_BARS];
    int irq_state;     /* INTx level the device drives */
    int irq_delivered; /* level passed to the bus (0 while COMMAND.INTX_DISABLE) */
};

typedef struct PCIDeviceClass {
    DeviceClass parent;
    uint16_t vendor_id; /* 0 in an abstract class */
    uint16_t device_id;
    uint8_t revision;
    uint16_t class_id; /* PCI_CLASS_* */
    uint8_t prog_if;
    uint16_t subsystem_vendor_id; /* 0: PCI_SUBVENDOR_ID_REDHAT_QUMRANET */
    uint16_t subsystem_id;        /* 0 with subsystem_vendor_id 0: PCI_SUBDEVICE_ID_QEMU */
    uint8_t header_type;          /* PCI_HEADER_TYPE_NORMAL, optionally | MULTI_FUNCTION */
    uint8_t interrupt_pin;        /* 0: no INTx, 1..4: INTA..INTD */

    /* Called with the standard header filled in; register BARs and capabilities here. */
    bool (*realize)(PCIDevice *dev, GError **errp);
    void (*unrealize)(PCIDevice *dev);
    /* After the core reset the header (BARs unmapped, COMMAND 0, INTx low). */
    void (*reset)(PCIDevice *dev);
    /*
     * Configuration space access from the host bridge; addr + len <= 256, len 1, 2 or 4,
     * naturally aligned. A hook usually calls pci_default_{read,write}_config itself.
     */
    uint32_t (*config_read)(PCIDevice *dev, uint32_t addr, unsigned len);
    void (*config_write)(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned len);
} PCIDeviceClass;

/* The bus owner's interrupt routing: INTx pin 0..3 of dev -> one of its nirq lines. */
typedef int (*PCIMapIrqFn)(PCIDevice *dev, int pin);
typedef void (*PCISetIrqFn)(void *opaque, int irq_num, int level);

struct PCIBus {
    BusState *qbus;
    int bus_num;
    PCIDevice *devices[PCI_DEVFN_MAX];
    MemoryRegion *address_space_mem;
    MemoryRegion *address_space_io;
    PCIMapIrqFn map_irq;
    PCISetIrqFn set_irq;
    void *irq_opaque;
    int nirq;
    int *irq_count; /* devices asserting each line */
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
void pci_bus_irqs(PCIBus *bus, PCISetIrqFn set_irq, PCIMapIrqFn map_irq, void *opaque, int nirq);
/* The PCIBus behind a BusState of type BUS_PCI, or NULL. */
PCIBus *pci_bus_from_qbus(BusState *qbus);
PCIDevice *pci_find_device(PCIBus *bus, int bus_num, int devfn);

/* Create and realize type at devfn (PCI_DEVFN_AUTO: first free slot). */
PCIDevice *pci_create_simple(PCIBus *bus, int devfn, const char *type, GError **errp);

/*
 * Configuration mechanism for host bridges: addr is bus << 16 | devfn << 8 | register,
 * as in CONFIG_ADDRESS. A missing device reads all ones and ignores writes.
 */
uint32_t pci_data_read(PCIBus *bus, uint32_t addr, unsigned len);
void pci_data_write(PCIBus *bus, uint32_t addr, uint32_t val, unsigned len);

/* One device's configuration space, through its class hooks. */
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

/* Text for info pci, in QEMU's layout. */
char *pci_info_string(void);

#endif
