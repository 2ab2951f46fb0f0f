/*
 * PCI configuration space through configuration mechanism #1 (ports 0xCF8 and
 * 0xCFC, PCI Local Bus 3.0 §3.2.2.3.2) on bus 0, and what the programs do with
 * it: find a function by its IDs, walk its capability list, place a BAR.
 */
#ifndef TESTS_X86_LIB_PCI_H
#define TESTS_X86_LIB_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_COMMAND 0x04
#define PCI_COMMAND_IO (1u << 0)
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_MASTER (1u << 2)
#define PCI_COMMAND_INTX_DISABLE (1u << 10)
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST (1u << 4)
#define PCI_BAR0 0x10
#define PCI_CAPABILITY_LIST 0x34

uint32_t pci_read32(unsigned devfn, unsigned reg);
uint16_t pci_read16(unsigned devfn, unsigned reg);
uint8_t pci_read8(unsigned devfn, unsigned reg);
void pci_write32(unsigned devfn, unsigned reg, uint32_t val);
void pci_write16(unsigned devfn, unsigned reg, uint16_t val);
void pci_write8(unsigned devfn, unsigned reg, uint8_t val);

/* The first function on bus 0 with vendor and device ID; false if none. */
bool pci_find(uint16_t vendor, uint16_t device, unsigned *devfn);
/*
 * Offset of the capability with id after offset from (0: from the start of
 * the list), or 0 when there is no other.
 */
unsigned pci_find_cap(unsigned devfn, uint8_t id, unsigned from);
/* Place memory BAR n (32- or 64-bit, as the function says) at addr. */
void pci_set_mem_bar(unsigned devfn, unsigned n, uint64_t addr);

#endif
