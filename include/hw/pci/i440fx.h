/*
 * The i440FX/PIIX3 chipset's PCI side, as on QEMU's pc machine: the host
 * bridge with configuration mechanism #1 (ports 0xcf8/0xcfc), the i440FX
 * host bridge function at 00.0, and the PIIX3 PCI-to-ISA bridge function at
 * 01.0 with its PIRQ routing registers and reset control register (0xcf9).
 */
#ifndef HW_PCI_I440FX_H
#define HW_PCI_I440FX_H

#include "core/irq.h"
#include "core/qdev.h"

#define TYPE_I440FX_PCI_HOST "i440FX-pcihost"
#define TYPE_I440FX_PCI_DEVICE "i440FX"
#define TYPE_PIIX3_PCI_DEVICE "PIIX3"

#define PIIX_NUM_PIRQS 4

/*
 * Create the host bridge, bus "pci.0", i440FX (00.0) and PIIX3 (01.0).
 * gsi[0..15] are the ISA IRQ lines PCI interrupts are routed to: INTx pin P
 * (0 = INTA) of a device in slot S drives PIRQ[(P + S - 1) & 3]; PIRQ n goes
 * to the ISA IRQ in PIIX3's route register 0x60 + n, or, while that register
 * is disabled (bit 7, its reset value), to the fixed default 10, 10, 11, 11
 * for PIRQA-D (what SeaBIOS programs, and what ACPI tables can promise a
 * kernel booted without firmware). Returns the PCI bus.
 */
BusState *i440fx_init(IrqLine *gsi, GError **errp);

/* The ISA IRQ PIRQ n (0-3) reaches now, or -1 when its route is invalid. */
int piix3_pirq_to_isa_irq(BusState *pci_bus, int pirq);

#endif
