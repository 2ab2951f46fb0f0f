/*
 * The PIIX3 IDE controller (PCI function 01.1 of the pc machine's PIIX3):
 * legacy-port IDE channels on ISA IRQs 14 and 15 with bus-master DMA, and the
 * -drive if=ide drives attached to them.
 */
#ifndef HW_IDE_PIIX_H
#define HW_IDE_PIIX_H

#include "core/qdev.h"

/* Create it at devfn on pci_bus with the if=ide drives (index 0-3). */
bool piix3_ide_init(BusState *pci_bus, int devfn, GError **errp);

#endif
