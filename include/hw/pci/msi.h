/*
 * Message Signaled Interrupts for PCI functions: the MSI capability (PCI Local
 * Bus 3.0 §6.8.1) and the delivery of a message, which MSI-X (msix.h) shares.
 *
 * An interrupt message is a 32-bit little-endian memory write of the message
 * data to the message address, issued by the function as a bus master. It
 * reaches whatever the machine maps there (an IMSIC, a local APIC window); an
 * address where nothing answers drops the message.
 *
 * Whether the machine has anything that turns such writes into interrupts is a
 * process-wide switch (QEMU's msi_nonbroken): a machine with an MSI controller
 * sets it before creating devices. While it is off, msi_init() and msix_init()
 * add no capability, so the guest finds only INTx and uses it.
 */
#ifndef HW_PCI_MSI_H
#define HW_PCI_MSI_H

#include "hw/pci/pci.h"

/* MSI capability (PCI Local Bus 3.0 §6.8.1): offsets from the capability. */
#define PCI_MSI_FLAGS 0x02 /* Message Control */
#define PCI_MSI_ADDRESS_LO 0x04
#define PCI_MSI_ADDRESS_HI 0x08 /* 64-bit capable only */
#define PCI_MSI_DATA_32 0x08
#define PCI_MSI_DATA_64 0x0c
#define PCI_MSI_MASK_32 0x0c /* per-vector masking capable only */
#define PCI_MSI_MASK_64 0x10
#define PCI_MSI_PENDING_32 0x10
#define PCI_MSI_PENDING_64 0x14

#define PCI_MSI_FLAGS_ENABLE 0x0001
#define PCI_MSI_FLAGS_QMASK 0x000e /* Multiple Message Capable: log2 of the vectors */
#define PCI_MSI_FLAGS_QSIZE 0x0070 /* Multiple Message Enable: log2 of those enabled */
#define PCI_MSI_FLAGS_64BIT 0x0080
#define PCI_MSI_FLAGS_MASKBIT 0x0100
#define PCI_MSI_VECTORS_MAX 32

/* Does this machine deliver MSIs? Off unless the machine (or a test) says so. */
void msi_set_supported(bool supported);
bool msi_supported(void);

/*
 * Add an MSI capability for nr_vectors (a power of two, 1..32) at offset (0: first
 * free space), with a 64-bit address and per-vector masking as asked. While
 * msi_supported() is false it adds nothing and succeeds. Call from realize; the PCI
 * core resets it and drops it on unrealize.
 */
bool msi_init(PCIDevice *dev, uint8_t offset, unsigned nr_vectors, bool msi64bit,
              bool per_vector_mask, GError **errp);
bool msi_present(const PCIDevice *dev);
bool msi_enabled(const PCIDevice *dev);
/*
 * Signal vector (below the number the OS enabled): the message goes out now, or,
 * while the vector is masked, its pending bit is set and it goes out on unmask.
 */
void msi_notify(PCIDevice *dev, unsigned vector);

/*
 * Write data to addr as the bus master dev: dropped while dev or a bridge above it
 * has Bus Master Enable clear, or when nothing is mapped at addr.
 */
void msi_send_message(PCIDevice *dev, uint64_t addr, uint32_t data);

/* For the PCI core: reset, a configuration write that may touch the capability. */
void msi_reset(PCIDevice *dev);
void msi_write_config(PCIDevice *dev, uint32_t addr, unsigned len);

#endif
