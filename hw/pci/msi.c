/*
 * The MSI capability (PCI Local Bus 3.0 §6.8.1) and the delivery of an
 * interrupt message, shared with MSI-X (hw/pci/msix.c).
 *
 * Everything MSI keeps lives in configuration space: Message Control, the
 * 32- or 64-bit Message Address, the 16-bit Message Data, and with per-vector
 * masking the Mask and Pending Bits. With Multiple Message Enable = n the
 * function signals vector v by replacing the low n bits of the data with v
 * (§6.8.3.4). A masked vector's message waits in its pending bit and goes out
 * when the OS unmasks it.
 *
 * Delivery is a memory write by the function as a bus master (§6.8.3), so
 * Bus Master Enable must be set in the function and in each bridge above it
 * (PCI-to-PCI Bridge 1.2 §3.2.5.3: a bridge forwards upstream only then). There
 * is no IOMMU: the write goes to the machine's memory space.
 *
 * Left out: the Extended Message Data of PCI Express 4.0, which no OS asks for.
 */
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "util/log.h"

static bool msi_works;

void msi_set_supported(bool supported)
{
    msi_works = supported;
}

bool msi_supported(void)
{
    return msi_works;
}

/* ---- delivery ---- */

void msi_send_message(PCIDevice *dev, uint64_t addr, uint32_t data)
{
    uint8_t buf[4];

    if (!pci_bus_master_enabled(dev)) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "%s: interrupt message to 0x%" PRIx64 " dropped: bus mastering is off\n",
                        device_type(&dev->qdev), addr);
        return;
    }
    pci_set_long(buf, data);
    if (address_space_write(&address_space_memory, addr, buf, sizeof(buf)) != MEMTX_OK) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "%s: interrupt message 0x%x to 0x%" PRIx64 " reached nothing; dropped\n",
                        device_type(&dev->qdev), data, addr);
    }
}

/* ---- the capability's layout ---- */

static uint16_t msi_flags(const PCIDevice *dev)
{
    return pci_get_word(dev->config + dev->msi_cap + PCI_MSI_FLAGS);
}

static bool msi_flags_64bit(uint16_t flags)
{
    return flags & PCI_MSI_FLAGS_64BIT;
}

static unsigned msi_data_offset(uint16_t flags)
{
    return msi_flags_64bit(flags) ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32;
}

static unsigned msi_mask_offset(uint16_t flags)
{
    return msi_flags_64bit(flags) ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32;
}

static unsigned msi_pending_offset(uint16_t flags)
{
    return msi_flags_64bit(flags) ? PCI_MSI_PENDING_64 : PCI_MSI_PENDING_32;
}

static unsigned msi_cap_size(uint16_t flags)
{
    if (flags & PCI_MSI_FLAGS_MASKBIT) {
        return msi_pending_offset(flags) + 4;
    }
    return msi_data_offset(flags) + 2;
}

static unsigned msi_capable_log2(uint16_t flags)
{
    return (flags & PCI_MSI_FLAGS_QMASK) >> 1;
}

static unsigned msi_enabled_log2(uint16_t flags)
{
    return (flags & PCI_MSI_FLAGS_QSIZE) >> 4;
}

bool msi_present(const PCIDevice *dev)
{
    return dev->msi_cap != 0;
}

bool msi_enabled(const PCIDevice *dev)
{
    return msi_present(dev) && (msi_flags(dev) & PCI_MSI_FLAGS_ENABLE);
}

bool msi_init(PCIDevice *dev, uint8_t offset, unsigned nr_vectors, bool msi64bit,
              bool per_vector_mask, GError **errp)
{
    unsigned log2 = __builtin_ctz(nr_vectors);
    uint8_t *wmask;
    uint16_t flags;
    uint8_t pos;

    g_assert(nr_vectors >= 1 && nr_vectors <= PCI_MSI_VECTORS_MAX &&
             !(nr_vectors & (nr_vectors - 1)));
    if (!msi_supported()) {
        return true;
    }
    flags = log2 << 1 | (msi64bit ? PCI_MSI_FLAGS_64BIT : 0) |
            (per_vector_mask ? PCI_MSI_FLAGS_MASKBIT : 0);
    pos = pci_add_capability(dev, PCI_CAP_ID_MSI, offset, msi_cap_size(flags), errp);
    if (!pos) {
        return false;
    }
    dev->msi_cap = pos;
    pci_set_word(dev->config + pos + PCI_MSI_FLAGS, flags);
    wmask = dev->wmask + pos;
    pci_set_word(wmask + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
    /* §6.8.1.4: the address is dword aligned, its low two bits read 0. */
    pci_set_long(wmask + PCI_MSI_ADDRESS_LO, 0xfffffffc);
    if (msi64bit) {
        pci_set_long(wmask + PCI_MSI_ADDRESS_HI, 0xffffffff);
    }
    pci_set_word(wmask + msi_data_offset(flags), 0xffff);
    if (per_vector_mask) {
        pci_set_long(wmask + msi_mask_offset(flags), 0xffffffffu >> (32 - nr_vectors));
    }
    return true;
}

/* ---- signalling ---- */

static uint64_t msi_address(const PCIDevice *dev, uint16_t flags)
{
    const uint8_t *cap = dev->config + dev->msi_cap;
    uint64_t addr = pci_get_long(cap + PCI_MSI_ADDRESS_LO);

    if (msi_flags_64bit(flags)) {
        addr |= (uint64_t)pci_get_long(cap + PCI_MSI_ADDRESS_HI) << 32;
    }
    return addr;
}

static bool msi_vector_masked(const PCIDevice *dev, uint16_t flags, unsigned vector)
{
    return (flags & PCI_MSI_FLAGS_MASKBIT) &&
           (pci_get_long(dev->config + dev->msi_cap + msi_mask_offset(flags)) >> vector & 1);
}

static void msi_set_pending(PCIDevice *dev, uint16_t flags, unsigned vector, bool pending)
{
    uint8_t *p = dev->config + dev->msi_cap + msi_pending_offset(flags);
    uint32_t bits = pci_get_long(p);

    pci_set_long(p, pending ? bits | 1u << vector : bits & ~(1u << vector));
}

static bool msi_is_pending(const PCIDevice *dev, uint16_t flags, unsigned vector)
{
    return (flags & PCI_MSI_FLAGS_MASKBIT) &&
           (pci_get_long(dev->config + dev->msi_cap + msi_pending_offset(flags)) >> vector & 1);
}

/* The message of an enabled vector: its number in the low bits of the data (§6.8.3.4). */
static void msi_send_vector(PCIDevice *dev, uint16_t flags, unsigned vector)
{
    uint32_t nr_enabled = 1u << msi_enabled_log2(flags);
    uint32_t data = pci_get_word(dev->config + dev->msi_cap + msi_data_offset(flags));

    msi_send_message(dev, msi_address(dev, flags), (data & ~(nr_enabled - 1)) | vector);
}

void msi_notify(PCIDevice *dev, unsigned vector)
{
    uint16_t flags;
    unsigned nr_enabled;

    if (!msi_enabled(dev)) {
        return;
    }
    flags = msi_flags(dev);
    g_assert(vector < 1u << msi_capable_log2(flags));
    /*
     * The OS may grant fewer vectors than the function asked for (§6.8.3.4); the
     * ones it did not grant share the last one it did.
     */
    nr_enabled = 1u << msi_enabled_log2(flags);
    vector = MIN(vector, nr_enabled - 1);
    if (msi_vector_masked(dev, flags, vector)) {
        msi_set_pending(dev, flags, vector, true);
        return;
    }
    msi_send_vector(dev, flags, vector);
}

/* Send what waits in the pending bits of vectors that are now enabled and unmasked. */
static void msi_deliver_pending(PCIDevice *dev, uint16_t flags)
{
    unsigned nr_enabled = 1u << msi_enabled_log2(flags);

    for (unsigned v = 0; v < nr_enabled; v++) {
        if (msi_is_pending(dev, flags, v) && !msi_vector_masked(dev, flags, v)) {
            msi_set_pending(dev, flags, v, false);
            msi_send_vector(dev, flags, v);
        }
    }
}

/* ---- for the PCI core ---- */

void msi_write_config(PCIDevice *dev, uint32_t addr, unsigned len)
{
    uint16_t flags;

    if (!msi_present(dev)) {
        return;
    }
    flags = msi_flags(dev);
    if (!pci_ranges_overlap(addr, len, dev->msi_cap, msi_cap_size(flags))) {
        return;
    }
    /* Software must not enable more than the function is capable of (§6.8.1.3); clamp. */
    if (msi_enabled_log2(flags) > msi_capable_log2(flags)) {
        flags = (flags & ~PCI_MSI_FLAGS_QSIZE) | msi_capable_log2(flags) << 4;
        pci_set_word(dev->config + dev->msi_cap + PCI_MSI_FLAGS, flags);
    }
    if (flags & PCI_MSI_FLAGS_ENABLE) {
        msi_deliver_pending(dev, flags);
    }
}

void msi_reset(PCIDevice *dev)
{
    uint8_t *cap = dev->config + dev->msi_cap;
    uint16_t flags;

    if (!msi_present(dev)) {
        return;
    }
    flags = msi_flags(dev) & ~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
    pci_set_word(cap + PCI_MSI_FLAGS, flags);
    memset(cap + PCI_MSI_ADDRESS_LO, 0, msi_cap_size(flags) - PCI_MSI_ADDRESS_LO);
}
