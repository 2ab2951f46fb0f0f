/*
 * "pcie-root-port": a PCI Express Root Port with a native hotplug slot, as
 * QEMU's generic root port (1b36:000c) presents it to the guest: a type 1
 * header (hw/pci/pci-bridge.c) with the PCI Express capability of a root
 * port, its Root Control/Status registers, and a hot-plug capable slot
 * (hw/pci/pcie.c) whose physical slot number is slot=.
 *
 *   -device pcie-root-port,id=rp1,chassis=1,slot=1
 *   -device virtio-blk-pci,drive=d0,bus=rp1        (or device_add later)
 *
 * It sits on a PCI Express root bus (pcie.0 of the riscv virt machine); the
 * device behind it is device 0 of its secondary bus.
 *
 * Interrupts: where the machine delivers MSIs the port has an MSI capability
 * with one vector for its hot-plug interrupt, which Linux's pcieport prefers.
 * Otherwise (the riscv virt machine with the PLIC) the hot-plug (and PME)
 * interrupt is INTx, which the port signals on INTB,
 * not INTA as QEMU's port does: with the standard swizzle, INTA of the device
 * behind the port reaches the root complex as the port's own INTA, and the
 * two would share one interrupt line. Linux's pciehp removes the device from
 * its interrupt thread, and virtio-pci's removal then waits for that line's
 * threads to finish (synchronize_irq()), itself included: the guest hangs
 * (QEMU's riscv virt machine does exactly that). On INTB the port's line is
 * (slot + 1) % 4 of the root complex, the device's (slot % 4).
 *
 * Left out: MSI-X, AER and ACS, the resource reservation capability
 * firmware reads, ARI forwarding.
 */
#include "hw/pci/msi.h"
#include "hw/pci/pci-bridge.h"
#include "hw/pci/pcie.h"
#include "util/error.h"

#define TYPE_PCIE_ROOT_PORT "pcie-root-port"
#define PCIE_ROOT_PORT_EXP_OFFSET 0x40

typedef struct PCIERootPort {
    PCIBridge parent;
    uint8_t chassis;
    uint16_t slot;
    uint8_t port;
} PCIERootPort;

/* Realized root ports: (chassis, slot) names one physical slot, so it must be unique. */
static GPtrArray *root_ports;

static bool pcie_root_port_realize(PCIDevice *dev, GError **errp)
{
    PCIERootPort *rp = (PCIERootPort *)dev;

    if (rp->slot >= 1u << (32 - PCI_EXP_SLTCAP_PSN_SHIFT)) {
        error_setg(errp, "pcie-root-port: slot=%u does not fit the 13-bit physical slot number",
                   rp->slot);
        return false;
    }
    for (guint i = 0; root_ports && i < root_ports->len; i++) {
        PCIERootPort *other = g_ptr_array_index(root_ports, i);

        if (other->chassis == rp->chassis && other->slot == rp->slot) {
            DeviceState *o = &other->parent.parent.qdev;

            error_setg(errp,
                       "pcie-root-port: chassis %u slot %u is taken by '%s'; give each root "
                       "port its own slot= (or chassis=)",
                       rp->chassis, rp->slot, o->id ? o->id : device_type(o));
            return false;
        }
    }
    if (!pci_bridge_init(dev, true, errp)) {
        return false;
    }
    if (!pcie_cap_init(dev, PCIE_ROOT_PORT_EXP_OFFSET, PCI_EXP_TYPE_ROOT_PORT, rp->port, errp)) {
        pci_bridge_exit(dev);
        return false;
    }
    pcie_cap_root_init(dev);
    pcie_cap_slot_init(dev, rp->slot);
    if (!msi_init(dev, 0, 1, true, false, errp)) {
        pci_bridge_exit(dev);
        return false;
    }
    if (!root_ports) {
        root_ports = g_ptr_array_new();
    }
    g_ptr_array_add(root_ports, rp);
    return true;
}

static void pcie_root_port_unrealize(PCIDevice *dev)
{
    g_ptr_array_remove(root_ports, dev);
    pci_bridge_exit(dev);
}

static void pcie_root_port_reset(PCIDevice *dev)
{
    pci_bridge_reset(dev);
    pcie_cap_slot_reset(dev);
}

static void pcie_root_port_write_config(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned len)
{
    uint16_t old_sltctl = pcie_cap_slot_get_sltctl(dev);

    pci_bridge_write_config(dev, addr, val, len);
    pcie_cap_slot_write_config(dev, addr, val, len, old_sltctl);
}

static void pcie_root_port_print_dev(DeviceState *qdev, GString *out, int indent)
{
    PCIDevice *dev = (PCIDevice *)qdev;
    uint16_t sltsta = pci_get_word(dev->config + dev->exp_cap + PCI_EXP_SLTSTA);
    uint16_t sltctl = pci_get_word(dev->config + dev->exp_cap + PCI_EXP_SLTCTL);

    g_string_append_printf(out, "%*sslot: %s, power %s\n", indent, "",
                           (sltsta & PCI_EXP_SLTSTA_PDS) ? "occupied" : "empty",
                           (sltctl & PCI_EXP_SLTCTL_PCC) ? "off" : "on");
}

static const Property pcie_root_port_props[] = {
    DEFINE_PROP_U8("chassis", PCIERootPort, chassis, 0, "chassis number"),
    DEFINE_PROP_U16("slot", PCIERootPort, slot, 0,
                    "physical slot number (Slot Capabilities); unique per chassis"),
    DEFINE_PROP_U8("port", PCIERootPort, port, 0, "port number (Link Capabilities)"),
    DEFINE_PROP_END,
};

static PCIDeviceClass pcie_root_port_class = {
    .parent =
        {
            .name = TYPE_PCIE_ROOT_PORT,
            .parent = TYPE_PCI_BRIDGE_BASE,
            .desc = "PCI Express Root Port with a native hotplug slot",
            .category = "misc",
            .instance_size = sizeof(PCIERootPort),
            .bus_type = BUS_PCI,
            .user_creatable = true,
            .props = pcie_root_port_props,
            .print_dev = pcie_root_port_print_dev,
        },
    .vendor_id = PCI_VENDOR_ID_REDHAT,
    .device_id = 0x000c,
    .class_id = PCI_CLASS_BRIDGE_PCI,
    .header_type = PCI_HEADER_TYPE_BRIDGE,
    .interrupt_pin = 2, /* INTB: see the top of this file */
    .express = PCI_EXPRESS,
    .realize = pcie_root_port_realize,
    .unrealize = pcie_root_port_unrealize,
    .reset = pcie_root_port_reset,
    .config_write = pcie_root_port_write_config,
};

MIMIC_INIT(pcie_root_port_register_types)
{
    device_class_register(&pcie_root_port_class.parent);
}
