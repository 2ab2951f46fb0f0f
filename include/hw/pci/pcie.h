/*
 * The PCI Express Capability structure (PCIe Base 4.0 §7.5.3) and the native
 * hotplug slot behind a root or downstream port (§6.7).
 *
 * A PCI Express function adds the capability in its realize hook:
 *
 *     pcie_cap_init(dev, 0, PCI_EXP_TYPE_ENDPOINT, 0, errp);
 *
 * A port with a hotplug slot (pcie-root-port) adds the slot registers with
 * pcie_cap_slot_init(), makes the slot the hotplug controller of its
 * secondary bus, and passes its configuration writes and resets through
 * pcie_cap_slot_write_config() and pcie_cap_slot_reset().
 */
#ifndef HW_PCI_PCIE_H
#define HW_PCI_PCIE_H

#include "hw/pci/pci.h"

/* Register offsets from the capability's start. */
#define PCI_EXP_FLAGS 0x02
#define PCI_EXP_FLAGS_VERS 0x000f
#define PCI_EXP_FLAGS_TYPE 0x00f0
#define PCI_EXP_FLAGS_SLOT 0x0100 /* slot implemented */
#define PCI_EXP_FLAGS_IRQ 0x3e00  /* interrupt message number */

#define PCI_EXP_TYPE_ENDPOINT 0x0
#define PCI_EXP_TYPE_LEG_END 0x1
#define PCI_EXP_TYPE_ROOT_PORT 0x4
#define PCI_EXP_TYPE_UPSTREAM 0x5
#define PCI_EXP_TYPE_DOWNSTREAM 0x6
#define PCI_EXP_TYPE_RC_END 0x9

#define PCI_EXP_DEVCAP 0x04
#define PCI_EXP_DEVCAP_PAYLOAD 0x00000007 /* max payload size: 0 = 128 bytes */
#define PCI_EXP_DEVCAP_RBER 0x00008000    /* role-based error reporting */
#define PCI_EXP_DEVCAP_FLR 0x10000000
#define PCI_EXP_DEVCTL 0x08
#define PCI_EXP_DEVCTL_CERE 0x0001
#define PCI_EXP_DEVCTL_NFERE 0x0002
#define PCI_EXP_DEVCTL_FERE 0x0004
#define PCI_EXP_DEVCTL_URRE 0x0008
#define PCI_EXP_DEVCTL_RELAX_EN 0x0010
#define PCI_EXP_DEVCTL_PAYLOAD 0x00e0
#define PCI_EXP_DEVCTL_EXT_TAG 0x0100
#define PCI_EXP_DEVCTL_PHANTOM 0x0200
#define PCI_EXP_DEVCTL_AUX_PME 0x0400
#define PCI_EXP_DEVCTL_NOSNOOP_EN 0x0800
#define PCI_EXP_DEVCTL_READRQ 0x7000
#define PCI_EXP_DEVSTA 0x0a
#define PCI_EXP_DEVSTA_CED 0x0001
#define PCI_EXP_DEVSTA_NFED 0x0002
#define PCI_EXP_DEVSTA_FED 0x0004
#define PCI_EXP_DEVSTA_URD 0x0008

#define PCI_EXP_LNKCAP 0x0c
#define PCI_EXP_LNKCAP_SLS_2_5GB 0x00000001 /* max link speed 2.5 GT/s */
#define PCI_EXP_LNKCAP_MLW_X1 0x00000010    /* max link width x1 */
#define PCI_EXP_LNKCAP_DLLLARC 0x00100000   /* data link layer link active reporting */
#define PCI_EXP_LNKCAP_PN_SHIFT 24          /* port number */
#define PCI_EXP_LNKCTL 0x10
#define PCI_EXP_LNKCTL_ASPMC 0x0003
#define PCI_EXP_LNKCTL_RCB 0x0008
#define PCI_EXP_LNKCTL_LD 0x0010 /* link disable */
#define PCI_EXP_LNKCTL_RL 0x0020 /* retrain link */
#define PCI_EXP_LNKCTL_CCC 0x0040
#define PCI_EXP_LNKCTL_ES 0x0080
#define PCI_EXP_LNKSTA 0x12
#define PCI_EXP_LNKSTA_CLS_2_5GB 0x0001
#define PCI_EXP_LNKSTA_NLW_X1 0x0010
#define PCI_EXP_LNKSTA_LT 0x0800    /* link training */
#define PCI_EXP_LNKSTA_SLC 0x1000   /* slot clock configuration */
#define PCI_EXP_LNKSTA_DLLLA 0x2000 /* data link layer link active */

#define PCI_EXP_SLTCAP 0x14
#define PCI_EXP_SLTCAP_ABP 0x00000001   /* attention button present */
#define PCI_EXP_SLTCAP_PCP 0x00000002   /* power controller present */
#define PCI_EXP_SLTCAP_MRLSP 0x00000004 /* MRL sensor present */
#define PCI_EXP_SLTCAP_AIP 0x00000008   /* attention indicator present */
#define PCI_EXP_SLTCAP_PIP 0x00000010   /* power indicator present */
#define PCI_EXP_SLTCAP_HPS 0x00000020   /* hot-plug surprise */
#define PCI_EXP_SLTCAP_HPC 0x00000040   /* hot-plug capable */
#define PCI_EXP_SLTCAP_EIP 0x00020000   /* electromechanical interlock present */
#define PCI_EXP_SLTCAP_NCCS 0x00040000  /* no command completed support */
#define PCI_EXP_SLTCAP_PSN_SHIFT 19     /* physical slot number */
#define PCI_EXP_SLTCTL 0x18
#define PCI_EXP_SLTCTL_ABPE 0x0001   /* attention button pressed enable */
#define PCI_EXP_SLTCTL_PFDE 0x0002   /* power fault detected enable */
#define PCI_EXP_SLTCTL_MRLSCE 0x0004 /* MRL sensor changed enable */
#define PCI_EXP_SLTCTL_PDCE 0x0008   /* presence detect changed enable */
#define PCI_EXP_SLTCTL_CCIE 0x0010   /* command completed interrupt enable */
#define PCI_EXP_SLTCTL_HPIE 0x0020   /* hot-plug interrupt enable */
#define PCI_EXP_SLTCTL_AIC 0x00c0    /* attention indicator control */
#define PCI_EXP_SLTCTL_ATTN_IND_ON 0x0040
#define PCI_EXP_SLTCTL_ATTN_IND_BLINK 0x0080
#define PCI_EXP_SLTCTL_ATTN_IND_OFF 0x00c0
#define PCI_EXP_SLTCTL_PIC 0x0300 /* power indicator control */
#define PCI_EXP_SLTCTL_PWR_IND_ON 0x0100
#define PCI_EXP_SLTCTL_PWR_IND_BLINK 0x0200
#define PCI_EXP_SLTCTL_PWR_IND_OFF 0x0300
#define PCI_EXP_SLTCTL_PCC 0x0400 /* power controller control: 1 = off */
#define PCI_EXP_SLTCTL_PWR_ON 0x0000
#define PCI_EXP_SLTCTL_PWR_OFF 0x0400
#define PCI_EXP_SLTCTL_EIC 0x0800    /* electromechanical interlock control */
#define PCI_EXP_SLTCTL_DLLSCE 0x1000 /* data link layer state changed enable */
#define PCI_EXP_SLTSTA 0x1a
#define PCI_EXP_SLTSTA_ABP 0x0001   /* attention button pressed */
#define PCI_EXP_SLTSTA_PFD 0x0002   /* power fault detected */
#define PCI_EXP_SLTSTA_MRLSC 0x0004 /* MRL sensor changed */
#define PCI_EXP_SLTSTA_PDC 0x0008   /* presence detect changed */
#define PCI_EXP_SLTSTA_CC 0x0010    /* command completed */
#define PCI_EXP_SLTSTA_MRLSS 0x0020 /* MRL sensor state */
#define PCI_EXP_SLTSTA_PDS 0x0040   /* presence detect state */
#define PCI_EXP_SLTSTA_EIS 0x0080   /* electromechanical interlock status */
#define PCI_EXP_SLTSTA_DLLSC 0x0100 /* data link layer state changed */

#define PCI_EXP_RTCTL 0x1c
#define PCI_EXP_RTCTL_SECEE 0x0001
#define PCI_EXP_RTCTL_SENFEE 0x0002
#define PCI_EXP_RTCTL_SEFEE 0x0004
#define PCI_EXP_RTCTL_PMEIE 0x0008
#define PCI_EXP_RTCAP 0x1e
#define PCI_EXP_RTSTA 0x20
#define PCI_EXP_RTSTA_PME 0x00010000

#define PCI_EXP_DEVCAP2 0x24
#define PCI_EXP_DEVCTL2 0x28
#define PCI_EXP_DEVCTL2_COMP_TIMEOUT 0x000f
#define PCI_EXP_DEVCTL2_COMP_TMOUT_DIS 0x0010
#define PCI_EXP_DEVSTA2 0x2a
#define PCI_EXP_LNKCAP2 0x2c
#define PCI_EXP_LNKCAP2_SLS_2_5GB 0x00000002 /* supported link speeds vector: 2.5 GT/s */
#define PCI_EXP_LNKCTL2 0x30
#define PCI_EXP_LNKCTL2_TLS 0x000f /* target link speed */
#define PCI_EXP_LNKSTA2 0x32
#define PCI_EXP_SLTCAP2 0x34
#define PCI_EXP_SLTCTL2 0x38
#define PCI_EXP_SLTSTA2 0x3a
#define PCI_EXP_VER2_SIZEOF 0x3c

/*
 * Add the PCI Express capability, version 2, for a function of type (PCI_EXP_TYPE_*)
 * at offset (0: the first free space). Ports carry port as their port number. The
 * link is x1 at 2.5 GT/s, trained and up. Returns the offset, or 0 with errp set.
 */
uint8_t pcie_cap_init(PCIDevice *dev, uint8_t offset, uint8_t type, uint8_t port, GError **errp);

/* Root Control, Capabilities and Status of a root port (§7.5.3.12-14). */
void pcie_cap_root_init(PCIDevice *dev);

/*
 * A native hotplug slot, number slot_num, on port dev (a bridge with the PCI Express
 * capability): attention button, power controller, attention and power indicators,
 * presence detect, command completed, data link layer state reporting; the hot-plug
 * interrupt is the port's INTx. The slot becomes the hotplug controller of the port's
 * secondary bus.
 */
void pcie_cap_slot_init(PCIDevice *dev, uint16_t slot_num);
/* After pci_bridge_reset(): power and indicators as the slot's occupancy says. */
void pcie_cap_slot_reset(PCIDevice *dev);
/*
 * After pci_bridge_write_config(): a Slot Control write is a command (completed at
 * once), and powering the slot off with its power indicator off lets its device go.
 * old_sltctl is Slot Control before the write.
 */
void pcie_cap_slot_write_config(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned len,
                                uint16_t old_sltctl);
/* Slot Control, for a port's write hook to pass as old_sltctl. */
uint16_t pcie_cap_slot_get_sltctl(PCIDevice *dev);

#endif
