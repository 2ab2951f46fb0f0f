/*
 * PCI configuration mechanism #1 on bus 0: see pci.h.
 */
#include "pci.h"
#include "x86.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define PCI_BAR_MEM64 (2u << 1) /* memory BAR type bits 2:1 = 10b */

static void select_register(unsigned devfn, unsigned reg)
{
    outl(PCI_CONFIG_ADDRESS, 0x80000000u | (devfn << 8) | (reg & 0xfc));
}

uint32_t pci_read32(unsigned devfn, unsigned reg)
{
    select_register(devfn, reg);
    return inl(PCI_CONFIG_DATA);
}

uint16_t pci_read16(unsigned devfn, unsigned reg)
{
    select_register(devfn, reg);
    return inw(PCI_CONFIG_DATA + (reg & 2));
}

uint8_t pci_read8(unsigned devfn, unsigned reg)
{
    select_register(devfn, reg);
    return inb(PCI_CONFIG_DATA + (reg & 3));
}

void pci_write32(unsigned devfn, unsigned reg, uint32_t val)
{
    select_register(devfn, reg);
    outl(PCI_CONFIG_DATA, val);
}

void pci_write16(unsigned devfn, unsigned reg, uint16_t val)
{
    select_register(devfn, reg);
    outw(PCI_CONFIG_DATA + (reg & 2), val);
}

void pci_write8(unsigned devfn, unsigned reg, uint8_t val)
{
    select_register(devfn, reg);
    outb(PCI_CONFIG_DATA + (reg & 3), val);
}

bool pci_find(uint16_t vendor, uint16_t device, unsigned *devfn)
{
    uint32_t ids = (uint32_t)device << 16 | vendor;

    for (unsigned df = 0; df < 256; df++) {
        if (pci_read32(df, 0) == ids) {
            *devfn = df;
            return true;
        }
    }
    return false;
}

unsigned pci_find_cap(unsigned devfn, uint8_t id, unsigned from)
{
    unsigned pos;

    if (!(pci_read16(devfn, PCI_STATUS) & PCI_STATUS_CAP_LIST)) {
        return 0;
    }
    pos = from ? pci_read8(devfn, from + 1) : pci_read8(devfn, PCI_CAPABILITY_LIST);
    /* 48 steps at most: a looping list ends the walk instead of the program. */
    for (int steps = 0; pos >= 0x40 && steps < 48; steps++) {
        pos &= ~3u;
        if (pci_read8(devfn, pos) == id) {
            return pos;
        }
        pos = pci_read8(devfn, pos + 1);
    }
    return 0;
}

void pci_set_mem_bar(unsigned devfn, unsigned n, uint64_t addr)
{
    unsigned reg = PCI_BAR0 + 4 * n;
    bool is64 = (pci_read32(devfn, reg) & 6u) == PCI_BAR_MEM64;

    pci_write32(devfn, reg, (uint32_t)addr);
    if (is64) {
        pci_write32(devfn, reg + 4, (uint32_t)(addr >> 32));
    }
}
