/*
 * ACPI PCI hotplug of bus 0, with the register block QEMU's pc machine has at
 * 0xae00 (QEMU docs/specs/acpi_pci_hotplug.rst, the base feature set: no bus
 * selector, so bus 0 only):
 *
 *   0x00 PCIU  read: slots with a device added since the last read (reading clears)
 *   0x04 PCID  read: slots whose removal was requested (device_del), until ejected
 *   0x08 B0EJ  write: eject the slots whose bits are set; read: feature set, 0
 *   0x0c PCRM  read: removable slots
 *
 * All are 32-bit, one bit per slot. A change of PCIU or PCID raises GPE0 bit
 * ACPI_GPE_PCI_HOTPLUG; the DSDT's \_GPE._E01 turns them into Notify()s.
 * A slot is removable unless a device the machine started with sits in it and
 * its class is not hotpluggable (the host bridge, PIIX3).
 */
#ifndef HW_ACPI_PCIHP_H
#define HW_ACPI_PCIHP_H

#include "hw/pci/pci.h"
#include "system/memory.h"

#define ACPI_PCIHP_BUS "pci.0"
#define ACPI_PCIHP_BASE 0xae00
#define ACPI_PCIHP_SIZE 0x10
#define ACPI_PCIHP_PCIU 0x00
#define ACPI_PCIHP_PCID 0x04
#define ACPI_PCIHP_B0EJ 0x08
#define ACPI_PCIHP_PCRM 0x0c
#define ACPI_PCIHP_SLOTS 32

typedef struct AcpiPciHp {
    PCIBus *bus;
    MemoryRegion io; /* the register block, for the owner to map at ACPI_PCIHP_BASE */
    uint32_t up, down;
    void (*notify)(void *opaque); /* raise the hotplug GPE */
    void *opaque;
} AcpiPciHp;

/* Become bus's hotplug controller; notify(opaque) raises the GPE. */
void acpi_pcihp_init(AcpiPciHp *hp, PCIBus *bus, void (*notify)(void *opaque), void *opaque);
void acpi_pcihp_reset(AcpiPciHp *hp);
/* Bit n set: slot n of bus may be hot-unplugged (the DSDT gives it _EJ0). */
uint32_t acpi_pcihp_removable_slots(PCIBus *bus);

#endif
