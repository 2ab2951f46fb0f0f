/*
 * MSI-X (PCIe Base 4.0 §7.7.2): the capability in configuration space, the
 * vector table and the Pending Bit Array in a memory BAR.
 *
 * Each table entry holds a message address, data, and a Vector Control dword
 * whose bit 0 masks the vector; entries come out of reset masked. Message
 * Control's Function Mask masks every vector at once. A vector signalled
 * while masked sets its PBA bit; when the vector and the function are both
 * unmasked again (and MSI-X is enabled) the message goes out and the bit
 * clears (PCI Local Bus 3.0 §6.8.3.5). The table takes dword
 * and qword accesses (§7.7.2: software must not use other sizes); the PBA is
 * read-only. Messages go out through msi_send_message() (hw/pci/msi.c).
 *
 * Left out: the table and PBA in two different BARs, which no device here
 * needs.
 */
#include "hw/pci/msix.h"
#include "hw/pci/msi.h"
#include "util/error.h"
#include "util/log.h"

typedef struct PCIMSIXState {
    unsigned entries;
    uint8_t *table; /* entries * PCI_MSIX_ENTRY_SIZE bytes, as the OS sees them */
    uint8_t *pba;   /* one bit per entry, in whole qwords */
    MemoryRegion table_mmio;
    MemoryRegion pba_mmio;
    MemoryRegion *exclusive_bar; /* the BAR msix_init_exclusive_bar() made, or NULL */
} PCIMSIXState;

static unsigned msix_pba_size(unsigned entries)
{
    return DIV_ROUND_UP(entries, 64) * 8;
}

bool msix_present(const PCIDevice *dev)
{
    return dev->msix != NULL;
}

static uint16_t msix_flags(const PCIDevice *dev)
{
    return pci_get_word(dev->config + dev->msix_cap + PCI_MSIX_FLAGS);
}

bool msix_enabled(const PCIDevice *dev)
{
    return msix_present(dev) && (msix_flags(dev) & PCI_MSIX_FLAGS_ENABLE);
}

unsigned msix_nr_vectors(const PCIDevice *dev)
{
    return msix_present(dev) ? dev->msix->entries : 0;
}

static uint8_t *msix_entry(PCIDevice *dev, unsigned vector)
{
    return dev->msix->table + vector * PCI_MSIX_ENTRY_SIZE;
}

static bool msix_vector_masked(PCIDevice *dev, unsigned vector)
{
    return (msix_flags(dev) & PCI_MSIX_FLAGS_MASKALL) ||
           (pci_get_long(msix_entry(dev, vector) + PCI_MSIX_ENTRY_VECTOR_CTRL) &
            PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static bool msix_is_pending(PCIDevice *dev, unsigned vector)
{
    return dev->msix->pba[vector / 8] >> (vector % 8) & 1;
}

static void msix_set_pending(PCIDevice *dev, unsigned vector, bool pending)
{
    uint8_t bit = 1 << (vector % 8);

    dev->msix->pba[vector / 8] =
        pending ? dev->msix->pba[vector / 8] | bit : dev->msix->pba[vector / 8] & ~bit;
}

static void msix_send_vector(PCIDevice *dev, unsigned vector)
{
    const uint8_t *e = msix_entry(dev, vector);
    uint64_t addr = pci_get_quad(e + PCI_MSIX_ENTRY_LOWER_ADDR);

    /* §7.7.2: the address is dword aligned; its two low bits are not part of it. */
    msi_send_message(dev, addr & ~3ull, pci_get_long(e + PCI_MSIX_ENTRY_DATA));
}

void msix_notify(PCIDevice *dev, unsigned vector)
{
    if (!msix_enabled(dev) || vector >= dev->msix->entries) {
        return;
    }
    if (msix_vector_masked(dev, vector)) {
        msix_set_pending(dev, vector, true);
        return;
    }
    msix_send_vector(dev, vector);
}

static void msix_deliver_if_unmasked(PCIDevice *dev, unsigned vector)
{
    if (msix_enabled(dev) && msix_is_pending(dev, vector) && !msix_vector_masked(dev, vector)) {
        msix_set_pending(dev, vector, false);
        msix_send_vector(dev, vector);
    }
}

/* ---- the table and the PBA in the BAR ---- */

static uint64_t msix_table_read(void *opaque, uint64_t addr, unsigned size)
{
    PCIDevice *dev = opaque;

    return pci_get_long(dev->msix->table + addr);
}

static void msix_table_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PCIDevice *dev = opaque;
    unsigned vector = addr / PCI_MSIX_ENTRY_SIZE;

    if (addr % PCI_MSIX_ENTRY_SIZE == PCI_MSIX_ENTRY_VECTOR_CTRL) {
        val &= PCI_MSIX_ENTRY_CTRL_MASKBIT; /* the other bits are reserved */
    }
    pci_set_long(dev->msix->table + addr, val);
    msix_deliver_if_unmasked(dev, vector);
}

static const MemoryRegionOps msix_table_ops = {
    .read = msix_table_read,
    .write = msix_table_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 4, .max_access_size = 8},
    .impl = {.min_access_size = 4, .max_access_size = 4},
};

static uint64_t msix_pba_read(void *opaque, uint64_t addr, unsigned size)
{
    PCIDevice *dev = opaque;

    return pci_get_long(dev->msix->pba + addr);
}

static void msix_pba_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PCIDevice *dev = opaque;

    log_mask_printf(LOG_GUEST_ERROR, "%s: write to the read-only MSI-X PBA at 0x%" PRIx64 "\n",
                    device_type(&dev->qdev), addr);
}

static const MemoryRegionOps msix_pba_ops = {
    .read = msix_pba_read,
    .write = msix_pba_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 4, .max_access_size = 8},
    .impl = {.min_access_size = 4, .max_access_size = 4},
};

/* ---- setup ---- */

static bool msix_check_layout(PCIDevice *dev, unsigned nentries, MemoryRegion *bar,
                              uint32_t table_offset, uint32_t pba_offset, GError **errp)
{
    uint64_t table_end = table_offset + (uint64_t)nentries * PCI_MSIX_ENTRY_SIZE;
    uint64_t pba_end = pba_offset + (uint64_t)msix_pba_size(nentries);

    if (nentries < 1 || nentries > PCI_MSIX_ENTRIES_MAX) {
        error_setg(errp, "%s: %u MSI-X vectors asked for; MSI-X has 1 to %u",
                   device_type(&dev->qdev), nentries, PCI_MSIX_ENTRIES_MAX);
        return false;
    }
    g_assert(!(table_offset & 7) && !(pba_offset & 7));
    g_assert(table_end <= bar->size && pba_end <= bar->size);
    g_assert(table_end <= pba_offset || pba_end <= table_offset);
    return true;
}

bool msix_init(PCIDevice *dev, unsigned nentries, MemoryRegion *bar, int bar_nr,
               uint32_t table_offset, uint32_t pba_offset, uint8_t cap_offset, GError **errp)
{
    PCIMSIXState *s;
    uint8_t pos;

    g_assert(bar_nr >= 0 && bar_nr < PCI_NUM_BARS);
    if (!msi_supported()) {
        return true;
    }
    if (!msix_check_layout(dev, nentries, bar, table_offset, pba_offset, errp)) {
        return false;
    }
    pos = pci_add_capability(dev, PCI_CAP_ID_MSIX, cap_offset, PCI_MSIX_CAP_SIZE, errp);
    if (!pos) {
        return false;
    }
    pci_set_word(dev->config + pos + PCI_MSIX_FLAGS, nentries - 1);
    pci_set_long(dev->config + pos + PCI_MSIX_TABLE, table_offset | bar_nr);
    pci_set_long(dev->config + pos + PCI_MSIX_PBA, pba_offset | bar_nr);
    pci_set_word(dev->wmask + pos + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);

    s = g_new0(PCIMSIXState, 1);
    s->entries = nentries;
    s->table = g_malloc0(nentries * PCI_MSIX_ENTRY_SIZE);
    s->pba = g_malloc0(msix_pba_size(nentries));
    memory_region_init_io(&s->table_mmio, &msix_table_ops, dev, "msix-table",
                          nentries * PCI_MSIX_ENTRY_SIZE);
    memory_region_init_io(&s->pba_mmio, &msix_pba_ops, dev, "msix-pba", msix_pba_size(nentries));
    memory_region_add_subregion(bar, table_offset, &s->table_mmio);
    memory_region_add_subregion(bar, pba_offset, &s->pba_mmio);
    dev->msix_cap = pos;
    dev->msix = s;
    msix_reset(dev);
    return true;
}

bool msix_init_exclusive_bar(PCIDevice *dev, unsigned nentries, int bar_nr, GError **errp)
{
    uint64_t half = 2048;
    MemoryRegion *bar;

    if (!msi_supported()) {
        return true;
    }
    /* Table in the lower half, PBA in the upper; at least a page, as QEMU's. */
    while (half < (uint64_t)nentries * PCI_MSIX_ENTRY_SIZE) {
        half <<= 1;
    }
    bar = g_new0(MemoryRegion, 1);
    memory_region_init(bar, "msix", 2 * half);
    if (!msix_init(dev, nentries, bar, bar_nr, 0, half, 0, errp)) {
        memory_region_destroy(bar);
        g_free(bar);
        return false;
    }
    dev->msix->exclusive_bar = bar;
    pci_register_bar(dev, bar_nr, PCI_BAR_TYPE_MEM32, bar);
    return true;
}

void msix_uninit(PCIDevice *dev)
{
    PCIMSIXState *s = dev->msix;

    if (!s) {
        return;
    }
    memory_region_destroy(&s->table_mmio);
    memory_region_destroy(&s->pba_mmio);
    if (s->exclusive_bar) {
        memory_region_destroy(s->exclusive_bar);
        g_free(s->exclusive_bar);
    }
    g_free(s->table);
    g_free(s->pba);
    g_free(s);
    dev->msix = NULL;
    dev->msix_cap = 0;
}

/* ---- for the PCI core ---- */

void msix_write_config(PCIDevice *dev, uint32_t addr, unsigned len)
{
    if (!msix_present(dev) || !pci_ranges_overlap(addr, len, dev->msix_cap, PCI_MSIX_CAP_SIZE)) {
        return;
    }
    /* Enabled or unmasked as a whole: what was held back may go now. */
    for (unsigned v = 0; v < dev->msix->entries; v++) {
        msix_deliver_if_unmasked(dev, v);
    }
}

void msix_reset(PCIDevice *dev)
{
    PCIMSIXState *s = dev->msix;
    uint16_t flags;

    if (!s) {
        return;
    }
    flags = msix_flags(dev) & ~(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    pci_set_word(dev->config + dev->msix_cap + PCI_MSIX_FLAGS, flags);
    memset(s->table, 0, s->entries * PCI_MSIX_ENTRY_SIZE);
    memset(s->pba, 0, msix_pba_size(s->entries));
    /* §7.7.2: every vector comes out of reset masked. */
    for (unsigned v = 0; v < s->entries; v++) {
        pci_set_long(msix_entry(dev, v) + PCI_MSIX_ENTRY_VECTOR_CTRL, PCI_MSIX_ENTRY_CTRL_MASKBIT);
    }
}
