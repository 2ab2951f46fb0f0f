/*
 * The PCI Express Capability structure (PCIe Base Specification 4.0 §7.5.3)
 * and native PCI Express hotplug (§6.7) on a port's slot.
 *
 * Every function here has one x1 link at 2.5 GT/s, trained as soon as it
 * exists: Link Status shows the negotiated width and speed and never Link
 * Training; nothing of ASPM, error reporting or link retraining has an effect.
 *
 * The slot follows the standard usage model (§6.7.1, and what QEMU's
 * pcie-root-port and Linux's pciehp do):
 *
 *  - device_add behind the port: Presence Detect State and Data Link Layer
 *    Link Active go up and the attention button is pressed (Presence Detect
 *    Changed + Attention Button Pressed); the OS powers the slot on and
 *    enumerates the device.
 *  - device_del: the attention button is pressed; the OS blinks the power
 *    indicator for 5 s (a second press would cancel), unbinds the driver,
 *    turns the power controller off and the power indicator off. That Slot
 *    Control write lets the device go: it is unrealized, presence drops and
 *    DEVICE_DELETED follows. An OS that never answers keeps the device.
 *  - Every Slot Control write is a command that completes at once (Command
 *    Completed).
 *  - The hot-plug interrupt (§6.7.3.4) is pending while Hot-Plug Interrupt
 *    Enable is set and an enabled event is: the port's INTx is asserted for
 *    as long, or, with MSI enabled (a port that has it), a message goes out
 *    each time it becomes pending.
 *
 * Left out: MRL sensor, electromechanical interlock, power faults, the
 * in-band presence detect disable of §7.8, and the 1 s a real power
 * controller takes.
 */
#include "hw/pci/pcie.h"
#include "hw/pci/msi.h"
#include "hw/pci/pci-bridge.h"
#include "util/error.h"

#define SLTCTL_EVENT_ENABLES                                                                       \
    (PCI_EXP_SLTCTL_ABPE | PCI_EXP_SLTCTL_PFDE | PCI_EXP_SLTCTL_MRLSCE | PCI_EXP_SLTCTL_PDCE |     \
     PCI_EXP_SLTCTL_CCIE | PCI_EXP_SLTCTL_HPIE | PCI_EXP_SLTCTL_DLLSCE)
#define SLTSTA_EVENTS                                                                              \
    (PCI_EXP_SLTSTA_ABP | PCI_EXP_SLTSTA_PFD | PCI_EXP_SLTSTA_MRLSC | PCI_EXP_SLTSTA_PDC |         \
     PCI_EXP_SLTSTA_CC | PCI_EXP_SLTSTA_DLLSC)

static uint8_t *exp_reg(PCIDevice *dev, unsigned reg)
{
    return dev->config + dev->exp_cap + reg;
}

static void exp_word_update(PCIDevice *dev, unsigned reg, uint16_t clear, uint16_t set)
{
    uint8_t *p = exp_reg(dev, reg);

    pci_set_word(p, (pci_get_word(p) & ~clear) | set);
}

/* ---- the capability ---- */

uint8_t pcie_cap_init(PCIDevice *dev, uint8_t offset, uint8_t type, uint8_t port, GError **errp)
{
    bool is_port = type == PCI_EXP_TYPE_ROOT_PORT || type == PCI_EXP_TYPE_DOWNSTREAM;
    uint8_t pos;
    uint8_t *c, *w, *w1c;

    if (!dev->is_express) {
        error_setg(errp, "%s: the PCI Express capability needs a PCI Express function",
                   device_type(&dev->qdev));
        return 0;
    }
    pos = pci_add_capability(dev, PCI_CAP_ID_EXP, offset, PCI_EXP_VER2_SIZEOF, errp);
    if (!pos) {
        return 0;
    }
    dev->exp_cap = pos;
    c = dev->config + pos;
    w = dev->wmask + pos;
    w1c = dev->w1cmask + pos;

    pci_set_word(c + PCI_EXP_FLAGS, 2 | type << 4); /* version 2 */
    /* 128-byte payloads, role-based error reporting (required since 1.1, §7.5.3.3). */
    pci_set_long(c + PCI_EXP_DEVCAP, PCI_EXP_DEVCAP_RBER);
    /* Reset values (§7.5.3.4): relaxed ordering and no snoop enabled, 512-byte reads. */
    pci_set_word(c + PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN | 0x2000);
    pci_set_word(w + PCI_EXP_DEVCTL,
                 PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE | PCI_EXP_DEVCTL_FERE |
                     PCI_EXP_DEVCTL_URRE | PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_PAYLOAD |
                     PCI_EXP_DEVCTL_EXT_TAG | PCI_EXP_DEVCTL_PHANTOM | PCI_EXP_DEVCTL_AUX_PME |
                     PCI_EXP_DEVCTL_NOSNOOP_EN | PCI_EXP_DEVCTL_READRQ);
    pci_set_word(w1c + PCI_EXP_DEVSTA, PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED |
                                           PCI_EXP_DEVSTA_FED | PCI_EXP_DEVSTA_URD);

    /* A port reports its link's state, so that software sees a device come and go. */
    pci_set_long(c + PCI_EXP_LNKCAP, PCI_EXP_LNKCAP_SLS_2_5GB | PCI_EXP_LNKCAP_MLW_X1 |
                                         (is_port ? PCI_EXP_LNKCAP_DLLLARC : 0) |
                                         (uint32_t)port << PCI_EXP_LNKCAP_PN_SHIFT);
    pci_set_word(w + PCI_EXP_LNKCTL, PCI_EXP_LNKCTL_ASPMC | PCI_EXP_LNKCTL_CCC | PCI_EXP_LNKCTL_ES |
                                         (is_port ? PCI_EXP_LNKCTL_LD : PCI_EXP_LNKCTL_RCB));
    pci_set_word(c + PCI_EXP_LNKSTA, PCI_EXP_LNKSTA_CLS_2_5GB | PCI_EXP_LNKSTA_NLW_X1);

    pci_set_word(w + PCI_EXP_DEVCTL2,
                 PCI_EXP_DEVCTL2_COMP_TIMEOUT | PCI_EXP_DEVCTL2_COMP_TMOUT_DIS);
    pci_set_long(c + PCI_EXP_LNKCAP2, PCI_EXP_LNKCAP2_SLS_2_5GB);
    pci_set_word(c + PCI_EXP_LNKCTL2, 1); /* target link speed: 2.5 GT/s */
    pci_set_word(w + PCI_EXP_LNKCTL2, PCI_EXP_LNKCTL2_TLS);
    return pos;
}

void pcie_cap_root_init(PCIDevice *dev)
{
    pci_set_word(dev->wmask + dev->exp_cap + PCI_EXP_RTCTL,
                 PCI_EXP_RTCTL_SECEE | PCI_EXP_RTCTL_SENFEE | PCI_EXP_RTCTL_SEFEE |
                     PCI_EXP_RTCTL_PMEIE);
    pci_set_long(dev->w1cmask + dev->exp_cap + PCI_EXP_RTSTA, PCI_EXP_RTSTA_PME);
}

/* ---- the hotplug slot ---- */

static PCIBus *slot_bus(PCIDevice *port)
{
    return pci_bridge_get_sec_bus(port);
}

uint16_t pcie_cap_slot_get_sltctl(PCIDevice *dev)
{
    return dev->exp_cap ? pci_get_word(exp_reg(dev, PCI_EXP_SLTCTL)) : 0;
}

/*
 * §6.7.3.4: the interrupt is pending while an enabled event is. With MSI enabled a
 * message goes out each time it becomes pending, on vector 0 (the Interrupt Message
 * Number of the PCI Express Capabilities register is 0); INTx follows the level, and
 * the PCI core keeps the pin quiet while MSI is enabled.
 */
static void pcie_cap_slot_update_irq(PCIDevice *dev)
{
    uint16_t ctl = pci_get_word(exp_reg(dev, PCI_EXP_SLTCTL));
    uint16_t sta = pci_get_word(exp_reg(dev, PCI_EXP_SLTSTA));
    bool pending =
        (sta & ctl & 0x1f) || ((sta & PCI_EXP_SLTSTA_DLLSC) && (ctl & PCI_EXP_SLTCTL_DLLSCE));
    bool level = (ctl & PCI_EXP_SLTCTL_HPIE) && pending;

    if (level && !dev->irq_state && msi_enabled(dev)) {
        msi_notify(dev, 0);
    }
    pci_set_irq(dev, level);
}

static void pcie_cap_slot_event(PCIDevice *dev, uint16_t events)
{
    exp_word_update(dev, PCI_EXP_SLTSTA, 0, events);
    pcie_cap_slot_update_irq(dev);
}

static bool sltctl_powered_off(uint16_t ctl)
{
    return (ctl & PCI_EXP_SLTCTL_PCC) == PCI_EXP_SLTCTL_PWR_OFF &&
           (ctl & PCI_EXP_SLTCTL_PIC) == PCI_EXP_SLTCTL_PWR_IND_OFF;
}

static void pcie_cap_slot_set_present(PCIDevice *dev, bool present)
{
    exp_word_update(dev, PCI_EXP_SLTSTA, PCI_EXP_SLTSTA_PDS, present ? PCI_EXP_SLTSTA_PDS : 0);
    exp_word_update(dev, PCI_EXP_LNKSTA, PCI_EXP_LNKSTA_DLLLA, present ? PCI_EXP_LNKSTA_DLLLA : 0);
}

/* The slot lets go of its devices: unrealized (DEVICE_DELETED), presence and link down. */
static void pcie_cap_slot_do_unplug(PCIDevice *dev)
{
    pci_bus_unplug_slot(slot_bus(dev), 0); /* a port's one slot */
    pcie_cap_slot_set_present(dev, false);
    /* As QEMU: Presence Detect Changed records it; Linux enables no interrupt for it here. */
    pcie_cap_slot_event(dev, PCI_EXP_SLTSTA_PDC);
}

static void pcie_slot_plugged(void *controller, PCIDevice *dev)
{
    PCIDevice *port = controller;

    /* A multi-function card is announced by its function 0, which comes last (as QEMU). */
    if (PCI_FUNC(dev->devfn) != 0) {
        return;
    }
    pcie_cap_slot_set_present(port, true);
    if (!dev->qdev.hotplugged) {
        /* Present from power-on: the slot is on, no event. */
        exp_word_update(port, PCI_EXP_SLTCTL, PCI_EXP_SLTCTL_PCC | PCI_EXP_SLTCTL_PIC,
                        PCI_EXP_SLTCTL_PWR_ON | PCI_EXP_SLTCTL_PWR_IND_ON);
        return;
    }
    pcie_cap_slot_event(port, PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_ABP);
}

static bool pcie_slot_unplug_request(void *controller, PCIDevice *dev, GError **errp)
{
    PCIDevice *port = controller;
    uint16_t ctl = pci_get_word(exp_reg(port, PCI_EXP_SLTCTL));

    if ((ctl & PCI_EXP_SLTCTL_PIC) == PCI_EXP_SLTCTL_PWR_IND_BLINK) {
        /* A second press within the OS's 5 s would cancel the first (§6.7.1.5). */
        error_setg(errp, "Hot-unplug failed: guest is busy (power indicator blinking); "
                         "the guest is still handling the last hotplug request of this slot");
        return false;
    }
    if (PCI_FUNC(dev->devfn) && !slot_bus(port)->devices[PCI_DEVFN(0, 0)]) {
        /* A function the guest never saw (its function 0 is missing): no need to ask. */
        qdev_unplug_complete(&dev->qdev);
        return true;
    }
    if (sltctl_powered_off(ctl)) {
        /* Nobody uses a slot without power: let the device go at once. */
        pcie_cap_slot_do_unplug(port);
        return true;
    }
    pcie_cap_slot_event(port, PCI_EXP_SLTSTA_ABP);
    return true;
}

static const PCIHotplugOps pcie_slot_hotplug_ops = {
    .plugged = pcie_slot_plugged,
    .unplug_request = pcie_slot_unplug_request,
};

void pcie_cap_slot_init(PCIDevice *dev, uint16_t slot_num)
{
    uint8_t *w = dev->wmask + dev->exp_cap;

    exp_word_update(dev, PCI_EXP_FLAGS, 0, PCI_EXP_FLAGS_SLOT);
    pci_set_long(exp_reg(dev, PCI_EXP_SLTCAP), (uint32_t)slot_num << PCI_EXP_SLTCAP_PSN_SHIFT |
                                                   PCI_EXP_SLTCAP_ABP | PCI_EXP_SLTCAP_PCP |
                                                   PCI_EXP_SLTCAP_AIP | PCI_EXP_SLTCAP_PIP |
                                                   PCI_EXP_SLTCAP_HPS | PCI_EXP_SLTCAP_HPC);
    pci_set_word(w + PCI_EXP_SLTCTL, SLTCTL_EVENT_ENABLES | PCI_EXP_SLTCTL_AIC |
                                         PCI_EXP_SLTCTL_PIC | PCI_EXP_SLTCTL_PCC);
    pci_set_word(dev->w1cmask + dev->exp_cap + PCI_EXP_SLTSTA, SLTSTA_EVENTS);
    pci_bus_set_hotplug(slot_bus(dev), &pcie_slot_hotplug_ops, dev);
}

void pcie_cap_slot_reset(PCIDevice *dev)
{
    bool populated = slot_bus(dev)->devices[PCI_DEVFN(0, 0)] != NULL;

    exp_word_update(dev, PCI_EXP_SLTCTL,
                    SLTCTL_EVENT_ENABLES | PCI_EXP_SLTCTL_AIC | PCI_EXP_SLTCTL_PIC |
                        PCI_EXP_SLTCTL_PCC | PCI_EXP_SLTCTL_EIC,
                    PCI_EXP_SLTCTL_ATTN_IND_OFF |
                        (populated ? PCI_EXP_SLTCTL_PWR_IND_ON | PCI_EXP_SLTCTL_PWR_ON
                                   : PCI_EXP_SLTCTL_PWR_IND_OFF | PCI_EXP_SLTCTL_PWR_OFF));
    exp_word_update(dev, PCI_EXP_SLTSTA, SLTSTA_EVENTS, 0);
    pcie_cap_slot_set_present(dev, populated);
    pcie_cap_slot_update_irq(dev);
}

void pcie_cap_slot_write_config(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned len,
                                uint16_t old_sltctl)
{
    unsigned pos = dev->exp_cap;
    uint16_t ctl, sta;

    if (!pos) {
        return;
    }
    if (pci_ranges_overlap(addr, len, pos + PCI_EXP_SLTCTL, 2)) {
        ctl = pci_get_word(exp_reg(dev, PCI_EXP_SLTCTL));
        sta = pci_get_word(exp_reg(dev, PCI_EXP_SLTSTA));
        /*
         * Power controller and power indicator off: the OS is done with the device. Not
         * again when they already were (a guest rewriting a powered-off slot's control).
         */
        if ((sta & PCI_EXP_SLTSTA_PDS) && sltctl_powered_off(ctl) &&
            !sltctl_powered_off(old_sltctl)) {
            pcie_cap_slot_do_unplug(dev);
        }
        /* §7.5.3.10: every Slot Control write is a command; ours complete at once. */
        pcie_cap_slot_event(dev, PCI_EXP_SLTSTA_CC);
        return;
    }
    if (pci_ranges_overlap(addr, len, pos + PCI_EXP_SLTSTA, 2)) {
        pcie_cap_slot_update_irq(dev); /* events cleared */
    }
}
