/*
 * ACPI PCI hotplug of bus 0 (see include/hw/acpi/pcihp.h for the registers).
 *
 * device_add: the new slot's PCIU bit is set and the GPE raised; the guest's
 * \_GPE._E01 notifies the slot's device (Notify 1) and the OS scans it.
 * device_del: the PCID bit is set and the GPE raised; the OS lets go of the
 * device (Notify 3) and calls the slot's _EJ0, which writes the slot's bit to
 * B0EJ: only then are its functions unrealized (DEVICE_DELETED).
 *
 * As QEMU: a multi-function device is announced by function 0, and an eject
 * takes every function of the slot. A guest may eject a removable slot nobody
 * asked it to (an OS powering a slot off); a non-removable one is left alone.
 */
#include "hw/acpi/pcihp.h"
#include "util/error.h"
#include "util/log.h"

static bool pcihp_slot_removable(PCIBus *bus, unsigned slot)
{
    for (unsigned fn = 0; fn < PCI_FUNCS_PER_SLOT; fn++) {
        PCIDevice *dev = bus->devices[PCI_DEVFN(slot, fn)];

        if (dev && !dev->qdev.hotplugged && !dev->qdev.klass->hotpluggable) {
            return false;
        }
    }
    return true;
}

uint32_t acpi_pcihp_removable_slots(PCIBus *bus)
{
    uint32_t slots = 0;

    for (unsigned slot = 0; slot < ACPI_PCIHP_SLOTS; slot++) {
        if (pcihp_slot_removable(bus, slot)) {
            slots |= 1u << slot;
        }
    }
    return slots;
}

static void pcihp_eject_slot(AcpiPciHp *hp, unsigned slot)
{
    if (!pcihp_slot_removable(hp->bus, slot)) {
        log_mask_printf(LOG_GUEST_ERROR, "acpi-pcihp: eject of slot %u, which is not removable\n",
                        slot);
        return;
    }
    pci_bus_unplug_slot(hp->bus, slot);
    hp->down &= ~(1u << slot);
}

static uint64_t pcihp_read(void *opaque, uint64_t addr, unsigned size)
{
    AcpiPciHp *hp = opaque;
    uint32_t val;

    switch (addr) {
    case ACPI_PCIHP_PCIU:
        val = hp->up;
        hp->up = 0;
        return val;
    case ACPI_PCIHP_PCID:
        return hp->down;
    case ACPI_PCIHP_PCRM:
        return acpi_pcihp_removable_slots(hp->bus);
    default:
        return 0; /* B0EJ reads the feature set: none */
    }
}

static void pcihp_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    AcpiPciHp *hp = opaque;

    if (addr != ACPI_PCIHP_B0EJ) {
        return; /* the other registers are read-only */
    }
    for (unsigned slot = 0; slot < ACPI_PCIHP_SLOTS; slot++) {
        if (val & (1u << slot)) {
            pcihp_eject_slot(hp, slot);
        }
    }
}

static const MemoryRegionOps pcihp_ops = {
    .read = pcihp_read,
    .write = pcihp_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 4, .max_access_size = 4},
};

static void pcihp_plugged(void *controller, PCIDevice *dev)
{
    AcpiPciHp *hp = controller;

    if (!dev->qdev.hotplugged || PCI_FUNC(dev->devfn) != 0) {
        return; /* present from power-on, or not yet the function that announces the slot */
    }
    hp->up |= 1u << PCI_SLOT(dev->devfn);
    hp->notify(hp->opaque);
}

static bool pcihp_unplug_request(void *controller, PCIDevice *dev, GError **errp)
{
    AcpiPciHp *hp = controller;
    unsigned slot = PCI_SLOT(dev->devfn);

    if (!pcihp_slot_removable(hp->bus, slot)) {
        error_setg(errp,
                   "'%s' cannot be hot-unplugged: slot %u of bus '%s' holds a device the "
                   "machine started with that is not hotpluggable",
                   dev->qdev.id ? dev->qdev.id : device_type(&dev->qdev), slot,
                   hp->bus->qbus->name);
        return false;
    }
    hp->down |= 1u << slot;
    hp->notify(hp->opaque);
    return true;
}

static const PCIHotplugOps pcihp_hotplug_ops = {
    .plugged = pcihp_plugged,
    .unplug_request = pcihp_unplug_request,
};

void acpi_pcihp_init(AcpiPciHp *hp, PCIBus *bus, void (*notify)(void *opaque), void *opaque)
{
    hp->bus = bus;
    hp->notify = notify;
    hp->opaque = opaque;
    memory_region_init_io(&hp->io, &pcihp_ops, hp, "acpi-pcihp", ACPI_PCIHP_SIZE);
    pci_bus_set_hotplug(bus, &pcihp_hotplug_ops, hp);
}

void acpi_pcihp_reset(AcpiPciHp *hp)
{
    hp->up = 0;
    hp->down = 0;
}
