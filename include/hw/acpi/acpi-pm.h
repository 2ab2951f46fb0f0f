/*
 * The ACPI fixed-hardware power management block (ACPI 6.4 §4.8): PM1 event
 * and control registers, the PM timer, SCI on ISA IRQ 9. Its port addresses
 * are what the FADT advertises.
 */
#ifndef HW_ACPI_ACPI_PM_H
#define HW_ACPI_ACPI_PM_H

#define ACPI_PM_BASE 0x600
#define ACPI_PM1_EVT_BLK (ACPI_PM_BASE + 0) /* 4 bytes: status, enable */
#define ACPI_PM1_CNT_BLK (ACPI_PM_BASE + 4) /* 2 bytes */
#define ACPI_PM_TMR_BLK (ACPI_PM_BASE + 8)  /* 4 bytes */
#define ACPI_SCI_IRQ 9
/* The sleep type value the DSDT's \_S5 package gives for soft-off. */
#define ACPI_S5_SLP_TYP 5

#endif
