/*
 * MSI-X for PCI functions (PCIe Base 4.0 §7.7.2, PCI Local Bus 3.0 §6.8.2):
 * a capability in configuration space pointing at a table of vectors
 * (address, data, mask bit each) and a Pending Bit Array in a memory BAR.
 *
 * A device calls msix_init() (table and PBA in a BAR region of its own) or
 * msix_init_exclusive_bar() (a BAR holding only them, as QEMU's virtio-pci
 * BAR 1) from its realize hook, then msix_notify() to signal a vector. The PCI
 * core resets the capability, and removes it when the device is unrealized.
 * Like msi_init(), both add nothing while msi_supported() is false.
 */
#ifndef HW_PCI_MSIX_H
#define HW_PCI_MSIX_H

#include "hw/pci/pci.h"

/* The capability (§7.7.2): offsets from the capability. */
#define PCI_MSIX_FLAGS 0x02 /* Message Control */
#define PCI_MSIX_TABLE 0x04 /* Table Offset / Table BIR */
#define PCI_MSIX_PBA 0x08   /* PBA Offset / PBA BIR */
#define PCI_MSIX_CAP_SIZE 12
#define PCI_MSIX_FLAGS_QSIZE 0x07ff /* Table Size - 1 */
#define PCI_MSIX_FLAGS_MASKALL 0x4000
#define PCI_MSIX_FLAGS_ENABLE 0x8000
#define PCI_MSIX_BIR_MASK 0x7

/* A table entry (§7.7.2). */
#define PCI_MSIX_ENTRY_SIZE 16
#define PCI_MSIX_ENTRY_LOWER_ADDR 0
#define PCI_MSIX_ENTRY_UPPER_ADDR 4
#define PCI_MSIX_ENTRY_DATA 8
#define PCI_MSIX_ENTRY_VECTOR_CTRL 12
#define PCI_MSIX_ENTRY_CTRL_MASKBIT 0x1

#define PCI_MSIX_ENTRIES_MAX 2048

/*
 * Add an MSI-X capability of nentries vectors (at cap_offset, 0: first free space)
 * whose table sits at table_offset and PBA at pba_offset of bar, the region the
 * device registers (or registered) as BAR bar_nr. Offsets are 8-byte aligned and
 * both structures fit in bar. A device whose realize fails after this calls
 * msix_uninit() before it destroys bar.
 */
bool msix_init(PCIDevice *dev, unsigned nentries, MemoryRegion *bar, int bar_nr,
               uint32_t table_offset, uint32_t pba_offset, uint8_t cap_offset, GError **errp);
/* The same in a 32-bit memory BAR bar_nr of its own: table at 0, PBA in the upper half. */
bool msix_init_exclusive_bar(PCIDevice *dev, unsigned nentries, int bar_nr, GError **errp);
void msix_uninit(PCIDevice *dev);

bool msix_present(const PCIDevice *dev);
/* MSI-X Enable is set: the function signals with messages, not INTx. */
bool msix_enabled(const PCIDevice *dev);
unsigned msix_nr_vectors(const PCIDevice *dev); /* 0 without the capability */
/*
 * Signal vector: its message goes out now, or, while the vector or the whole
 * function is masked, waits in the PBA until the OS unmasks it. Nothing happens
 * while MSI-X is disabled or for a vector beyond the table.
 */
void msix_notify(PCIDevice *dev, unsigned vector);

/* For the PCI core: reset, a configuration write that may touch the capability. */
void msix_reset(PCIDevice *dev);
void msix_write_config(PCIDevice *dev, uint32_t addr, unsigned len);

#endif
