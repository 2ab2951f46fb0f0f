/*
 * The ACPI fixed-hardware power management block (ACPI 6.4 §4.8): PM1 event
 * and control registers, the PM timer, the GPE0 block (§4.8.4.1), SCI on ISA
 * IRQ 9, and the PCI hotplug registers of bus pci.0 (hw/acpi/pcihp.h). Its
 * port addresses are what the FADT advertises.
 */
#ifndef HW_ACPI_ACPI_PM_H
#define HW_ACPI_ACPI_PM_H

#define ACPI_PM_BASE 0x600
#define ACPI_PM1_EVT_BLK (ACPI_PM_BASE + 0) /* 4 bytes: status, enable */
#define ACPI_PM1_CNT_BLK (ACPI_PM_BASE + 4) /* 2 bytes */
#define ACPI_PM_TMR_BLK (ACPI_PM_BASE + 8)  /* 4 bytes */
/* As PIIX4 on QEMU's pc: 2 bytes of status, then 2 of enable. */
#define ACPI_GPE0_BLK 0xafe0
#define ACPI_GPE0_BLK_LEN 4
#define ACPI_GPE_PCI_HOTPLUG 1 /* the GPE0 bit the PCI hotplug registers raise */
#define ACPI_SCI_IRQ 9
/* The sleep type value the DSDT's \_S5 package gives for soft-off. */
#define ACPI_S5_SLP_TYP 5

#endif
