/*
 * virtio-pci, the modern (virtio 1.x) PCI transport, and its "-pci" proxies.
 *
 * A proxy "virtio-X-pci" is a PCI device that creates the virtio device
 * "virtio-X-device" on a virtio bus of its own when realized; the guest sees
 * PCI device 1af4:(0x1040 + virtio device id), revision 1, subsystem
 * 1af4:1100, with the virtio structures in a 64-bit memory BAR (BAR 4), INTx,
 * and, where the machine delivers MSIs, MSI-X in BAR 1. The proxy takes every
 * property of the virtio device (drive=, serial=, netdev=, ...) besides the PCI
 * ones (addr=, multifunction=) and vectors= (MSI-X table size, 0: none):
 *
 *     -device virtio-blk-pci,drive=d0,addr=05.0
 *
 * Adding a proxy for another virtio device is one row: in
 * hw/virtio/virtio-pci.c,
 *
 *     static const VirtioPCIDeviceInfo virtio_pci_devices[] = {
 *         ...
 *         {"virtio-net-pci", "virtio-net-device", PCI_CLASS_NETWORK_ETHERNET, "network"},
 *     };
 *
 * or, from the virtio device's own file, one declaration:
 *
 *     VIRTIO_PCI_PROXY(virtio_net_pci, "virtio-net-pci", "virtio-net-device",
 *                      PCI_CLASS_NETWORK_ETHERNET, "network");
 *
 * Nothing else: the proxy class is completed (properties, description) from
 * the virtio device's class when the classes are first used, so the order in
 * which files register their classes does not matter. The virtio device must
 * know nothing of PCI (see include/hw/virtio/virtio.h).
 */
#ifndef HW_VIRTIO_VIRTIO_PCI_H
#define HW_VIRTIO_VIRTIO_PCI_H

#include "hw/pci/pci.h"
#include "hw/virtio/virtio.h"

#define TYPE_VIRTIO_PCI "virtio-pci"

#define PCI_VENDOR_ID_REDHAT_QUMRANET 0x1af4
#define PCI_DEVICE_ID_VIRTIO_10_BASE 0x1040 /* virtio 1.2 §4.1.2: 0x1040 + device id */

/* Vendor-specific capabilities (virtio 1.2 §4.1.4): struct virtio_pci_cap. */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG 5
#define VIRTIO_PCI_CAP_CFG_TYPE 3 /* offsets within the capability */
#define VIRTIO_PCI_CAP_BAR 4
#define VIRTIO_PCI_CAP_ID 5
#define VIRTIO_PCI_CAP_OFFSET 8
#define VIRTIO_PCI_CAP_LENGTH 12
#define VIRTIO_PCI_CAP_SIZE 16
#define VIRTIO_PCI_NOTIFY_CAP_MULT 16 /* notify_off_multiplier */
#define VIRTIO_PCI_NOTIFY_CAP_SIZE 20
#define VIRTIO_PCI_CFG_CAP_DATA 16 /* pci_cfg_data */
#define VIRTIO_PCI_CFG_CAP_SIZE 20

/* struct virtio_pci_common_cfg (§4.1.4.3). */
enum {
    VIRTIO_PCI_COMMON_DFSELECT = 0x00,
    VIRTIO_PCI_COMMON_DF = 0x04,
    VIRTIO_PCI_COMMON_GFSELECT = 0x08,
    VIRTIO_PCI_COMMON_GF = 0x0c,
    VIRTIO_PCI_COMMON_MSIX = 0x10,
    VIRTIO_PCI_COMMON_NUMQ = 0x12,
    VIRTIO_PCI_COMMON_STATUS = 0x14,
    VIRTIO_PCI_COMMON_CFGGENERATION = 0x15,
    VIRTIO_PCI_COMMON_Q_SELECT = 0x16,
    VIRTIO_PCI_COMMON_Q_SIZE = 0x18,
    VIRTIO_PCI_COMMON_Q_MSIX = 0x1a,
    VIRTIO_PCI_COMMON_Q_ENABLE = 0x1c,
    VIRTIO_PCI_COMMON_Q_NOFF = 0x1e,
    VIRTIO_PCI_COMMON_Q_DESCLO = 0x20,
    VIRTIO_PCI_COMMON_Q_DESCHI = 0x24,
    VIRTIO_PCI_COMMON_Q_AVAILLO = 0x28,
    VIRTIO_PCI_COMMON_Q_AVAILHI = 0x2c,
    VIRTIO_PCI_COMMON_Q_USEDLO = 0x30,
    VIRTIO_PCI_COMMON_Q_USEDHI = 0x34,
    VIRTIO_PCI_COMMON_Q_NDATA = 0x38,
    VIRTIO_PCI_COMMON_Q_RESET = 0x3a,
    VIRTIO_PCI_COMMON_SIZE = 0x3c,
};
#define VIRTIO_MSI_NO_VECTOR 0xffff

/* Where the structures sit in the memory BAR: QEMU's layout, a page each. */
#define VIRTIO_PCI_BAR 4
#define VIRTIO_PCI_COMMON_BASE 0x0000
#define VIRTIO_PCI_ISR_BASE 0x1000
#define VIRTIO_PCI_DEVICE_BASE 0x2000
#define VIRTIO_PCI_NOTIFY_BASE 0x3000
#define VIRTIO_PCI_REGION_SIZE 0x1000
#define VIRTIO_PCI_BAR_SIZE 0x4000
#define VIRTIO_PCI_NOTIFY_MULT 4              /* queue n's notify address: NOTIFY_BASE + 4 * n */
#define VIRTIO_PCI_MSIX_BAR 1                 /* MSI-X table and PBA, alone in a BAR as on QEMU */
#define VIRTIO_PCI_VECTORS_DEFAULT UINT32_MAX /* vectors= unset: one per queue + 1 */

typedef struct VirtioPCIDeviceInfo {
    const char *name;      /* the proxy: "virtio-blk-pci" */
    const char *vdev_type; /* the virtio device it creates: "virtio-blk-device" */
    uint16_t class_id;     /* PCI base class << 8 | sub class: PCI_CLASS_STORAGE_SCSI */
    const char *category;  /* for -device help: "storage", "network", "misc" */
} VirtioPCIDeviceInfo;

/* Register the proxy info describes (at start-up, from a MIMIC_INIT constructor). */
void virtio_pci_register_proxy(const VirtioPCIDeviceInfo *info);

#define VIRTIO_PCI_PROXY(ident, ...)                                                               \
    static const VirtioPCIDeviceInfo ident##_proxy_info = {__VA_ARGS__};                           \
    MIMIC_INIT(ident##_proxy_register)                                                             \
    {                                                                                              \
        virtio_pci_register_proxy(&ident##_proxy_info);                                            \
    }

/* The virtio device a proxy holds, or NULL. */
VirtIODevice *virtio_pci_get_vdev(PCIDevice *proxy);

#endif
