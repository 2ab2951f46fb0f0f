/*
 * MSI and MSI-X on the generic ECAM host, driven the way a guest does it
 * (configuration space through ECAM, the MSI-X table through the BAR), with
 * a doorbell region in the machine's memory that records each interrupt
 * message written to it:
 *
 *  - MSI-X: the capability, table programming, enable and function mask,
 *    vector mask -> PBA bit -> unmask delivers, Bus Master Enable, wild
 *    addresses, INTx kept quiet while enabled, reset;
 *  - MSI: address/data, multiple message enable -> the vector in the data's
 *    low bits, per-vector mask and pending bits;
 *  - virtio-pci: MSI-X sized from the queues (vectors=), config_msix_vector
 *    and queue_msix_vector read back what the driver mapped or NO_VECTOR, a
 *    used buffer and a configuration change each reach their vector, INTx and
 *    the ISR again once MSI-X is off;
 *  - pcie-root-port: the hot-plug interrupt as an MSI;
 *  - with the machine's switch off a device gets neither capability.
 *
 * The tests run in order and build on one machine.
 */
#include "hw/pci/gpex.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/pci/pci.h"
#include "hw/pci/pcie.h"
#include "hw/virtio/virtio-pci.h"
#include "system/memory.h"
#include "util/error.h"

#define ECAM_BASE 0x30000000ull
#define MMIO_BASE 0x40000000ull
#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1 * MiB)
#define DOORBELL_BASE 0x28000000ull
#define DOORBELL_SIZE 0x1000ull
#define WILD_ADDR 0xdead00000000ull
#define TEST_VENDOR 0x1234
#define TEST_DEVICE 0x11ea
#define DEV PCI_DEVFN(3, 0)
#define DEV_LINE 3 /* INTA of slot 3 */
#define MSIX_BAR 1
#define MSIX_BAR_ADDR 0x40010000ull
#define MSIX_VECTORS 4
#define MSI_VECTORS 4

typedef struct Message {
    uint64_t addr;
    uint32_t data;
} Message;

static int irq_level[GPEX_NUM_IRQS];
static DeviceState *host;
static MemoryRegion ram, doorbell;
static GArray *messages; /* of Message, what reached the doorbell */
static PCIDevice *dev;

static void irq_handler(void *opaque, int n, int level)
{
    irq_level[n] = level;
}

static void doorbell_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    Message m = {.addr = DOORBELL_BASE + addr, .data = val};

    g_assert_cmpint(size, ==, 4);
    g_array_append_val(messages, m);
}

static uint64_t doorbell_read(void *opaque, uint64_t addr, unsigned size)
{
    return 0;
}

static const MemoryRegionOps doorbell_ops = {
    .read = doorbell_read,
    .write = doorbell_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 4, .max_access_size = 4},
};

/* Exactly one message arrived since the last check: this one. */
static void assert_one_message(uint64_t addr, uint32_t data)
{
    g_assert_cmpuint(messages->len, ==, 1);
    g_assert_cmphex(g_array_index(messages, Message, 0).addr, ==, addr);
    g_assert_cmphex(g_array_index(messages, Message, 0).data, ==, data);
    g_array_set_size(messages, 0);
}

static void assert_no_message(void)
{
    g_assert_cmpuint(messages->len, ==, 0);
}

/* ---- a test function with MSI-X in BAR 1 and a 4-vector 64-bit maskable MSI ---- */

static bool test_dev_realize(PCIDevice *pci, GError **errp)
{
    return msix_init_exclusive_bar(pci, MSIX_VECTORS, MSIX_BAR, errp) &&
           msi_init(pci, 0, MSI_VECTORS, true, true, errp);
}

static PCIDeviceClass test_dev_class = {
    .parent =
        {
            .name = "test-msi-dev",
            .parent = TYPE_PCI_DEVICE,
            .instance_size = sizeof(PCIDevice),
            .bus_type = BUS_PCI,
            .user_creatable = true,
        },
    .vendor_id = TEST_VENDOR,
    .device_id = TEST_DEVICE,
    .class_id = PCI_CLASS_OTHERS,
    .interrupt_pin = 1,
    .realize = test_dev_realize,
};

/* ---- guest-side helpers ---- */

static uint64_t ecam(int devfn, int reg)
{
    return ECAM_BASE + ((uint64_t)devfn << 12 | reg);
}

static uint64_t mem_rd(uint64_t addr, unsigned size)
{
    uint64_t v = 0;

    address_space_read(&address_space_memory, addr, &v, size);
    return v;
}

static void mem_wr(uint64_t addr, uint64_t v, unsigned size)
{
    address_space_write(&address_space_memory, addr, &v, size);
}

static uint32_t cfg_rd(int devfn, int reg, unsigned size)
{
    return mem_rd(ecam(devfn, reg), size);
}

static void cfg_wr(int devfn, int reg, uint32_t v, unsigned size)
{
    mem_wr(ecam(devfn, reg), v, size);
}

static PCIDevice *add(const char *spec)
{
    g_autoptr(GError) err = NULL;
    DeviceState *d = qdev_device_add(spec, &err);

    g_assert_no_error(err);
    return (PCIDevice *)d;
}

/* The first capability cap_id of devfn, walked as a guest walks it, or 0. */
static int find_cap(int devfn, uint8_t cap_id)
{
    int pos = cfg_rd(devfn, PCI_CAPABILITY_LIST, 1);

    for (int hops = 0; pos && hops < 48; hops++) {
        if (cfg_rd(devfn, pos, 1) == cap_id) {
            return pos;
        }
        pos = cfg_rd(devfn, pos + 1, 1);
    }
    return 0;
}

/* ---- MSI-X ---- */

static int msix_cap;

static uint16_t msix_ctrl(void)
{
    return cfg_rd(DEV, msix_cap + PCI_MSIX_FLAGS, 2);
}

static void set_msix_ctrl(uint16_t v)
{
    cfg_wr(DEV, msix_cap + PCI_MSIX_FLAGS, v, 2);
}

static uint64_t entry(unsigned vector, unsigned field)
{
    return MSIX_BAR_ADDR + vector * PCI_MSIX_ENTRY_SIZE + field;
}

static void program_entry(unsigned vector, uint64_t addr, uint32_t data, bool masked)
{
    mem_wr(entry(vector, PCI_MSIX_ENTRY_LOWER_ADDR), (uint32_t)addr, 4);
    mem_wr(entry(vector, PCI_MSIX_ENTRY_UPPER_ADDR), addr >> 32, 4);
    mem_wr(entry(vector, PCI_MSIX_ENTRY_DATA), data, 4);
    mem_wr(entry(vector, PCI_MSIX_ENTRY_VECTOR_CTRL), masked, 4);
}

static uint64_t pba(void)
{
    uint32_t pba_reg = cfg_rd(DEV, msix_cap + PCI_MSIX_PBA, 4);

    return mem_rd(MSIX_BAR_ADDR + (pba_reg & ~PCI_MSIX_BIR_MASK), 8);
}

static void test_msix_capability_and_table(void)
{
    uint32_t bar_size;

    dev = add("test-msi-dev,id=d0,addr=03.0");
    msix_cap = find_cap(DEV, PCI_CAP_ID_MSIX);
    g_assert_cmpint(msix_cap, !=, 0);
    /* Table Size is N - 1; table at offset 0 and PBA in the upper half of BAR 1. */
    g_assert_cmphex(msix_ctrl(), ==, MSIX_VECTORS - 1);
    g_assert_cmphex(cfg_rd(DEV, msix_cap + PCI_MSIX_TABLE, 4), ==, MSIX_BAR);
    g_assert_cmphex(cfg_rd(DEV, msix_cap + PCI_MSIX_PBA, 4), ==, 0x800 | MSIX_BAR);
    /* Table Size and the offsets are read-only. */
    cfg_wr(DEV, msix_cap + PCI_MSIX_TABLE, 0xfffffff8, 4);
    g_assert_cmphex(cfg_rd(DEV, msix_cap + PCI_MSIX_TABLE, 4), ==, MSIX_BAR);
    set_msix_ctrl(PCI_MSIX_FLAGS_QSIZE);
    g_assert_cmphex(msix_ctrl(), ==, MSIX_VECTORS - 1);
    /* BAR 1 is a 4 KiB 32-bit memory BAR. */
    cfg_wr(DEV, PCI_BASE_ADDRESS_0 + 4 * MSIX_BAR, 0xffffffff, 4);
    bar_size = ~(cfg_rd(DEV, PCI_BASE_ADDRESS_0 + 4 * MSIX_BAR, 4) & ~0xfu) + 1;
    g_assert_cmphex(bar_size, ==, 0x1000);
    cfg_wr(DEV, PCI_BASE_ADDRESS_0 + 4 * MSIX_BAR, MSIX_BAR_ADDR, 4);
    cfg_wr(DEV, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);

    /* Every entry comes out of reset masked. */
    for (unsigned v = 0; v < MSIX_VECTORS; v++) {
        g_assert_cmphex(mem_rd(entry(v, PCI_MSIX_ENTRY_VECTOR_CTRL), 4), ==, 1);
    }
    /* The table reads back what was written; a qword write fills both address halves. */
    program_entry(0, DOORBELL_BASE + 0x10, 0x1234, false);
    g_assert_cmphex(mem_rd(entry(0, PCI_MSIX_ENTRY_LOWER_ADDR), 4), ==, DOORBELL_BASE + 0x10);
    g_assert_cmphex(mem_rd(entry(0, PCI_MSIX_ENTRY_DATA), 4), ==, 0x1234);
    g_assert_cmphex(mem_rd(entry(0, PCI_MSIX_ENTRY_VECTOR_CTRL), 4), ==, 0);
    mem_wr(entry(1, PCI_MSIX_ENTRY_LOWER_ADDR), DOORBELL_BASE + 0x20, 8);
    g_assert_cmphex(mem_rd(entry(1, PCI_MSIX_ENTRY_LOWER_ADDR), 8), ==, DOORBELL_BASE + 0x20);
    /* Reserved Vector Control bits read 0; the PBA ignores writes. */
    mem_wr(entry(1, PCI_MSIX_ENTRY_VECTOR_CTRL), 0xfffffffe, 4);
    g_assert_cmphex(mem_rd(entry(1, PCI_MSIX_ENTRY_VECTOR_CTRL), 4), ==, 0);
    mem_wr(MSIX_BAR_ADDR + 0x800, 0xffffffff, 4);
    g_assert_cmphex(pba(), ==, 0);
}

static void test_msix_enable_and_function_mask(void)
{
    /* Disabled: nothing goes out and nothing is held. */
    msix_notify(dev, 0);
    assert_no_message();
    g_assert_cmphex(pba(), ==, 0);
    g_assert_false(msix_enabled(dev));

    /* Enabled with the function masked: the vector waits in the PBA ... */
    set_msix_ctrl(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    g_assert_true(msix_enabled(dev));
    msix_notify(dev, 0);
    assert_no_message();
    g_assert_cmphex(pba(), ==, 1);
    /* ... and goes out when the function is unmasked. */
    set_msix_ctrl(PCI_MSIX_FLAGS_ENABLE);
    assert_one_message(DOORBELL_BASE + 0x10, 0x1234);
    g_assert_cmphex(pba(), ==, 0);
    /* Unmasked: at once, to each vector's own address with its own data. */
    msix_notify(dev, 0);
    assert_one_message(DOORBELL_BASE + 0x10, 0x1234);
    mem_wr(entry(1, PCI_MSIX_ENTRY_DATA), 0x5678, 4);
    msix_notify(dev, 1);
    assert_one_message(DOORBELL_BASE + 0x20, 0x5678);
    /* A vector beyond the table is ignored. */
    msix_notify(dev, MSIX_VECTORS);
    assert_no_message();
}

static void test_msix_vector_mask_pending_unmask(void)
{
    mem_wr(entry(1, PCI_MSIX_ENTRY_VECTOR_CTRL), PCI_MSIX_ENTRY_CTRL_MASKBIT, 4);
    msix_notify(dev, 1);
    msix_notify(dev, 1);
    assert_no_message();
    g_assert_cmphex(pba(), ==, 1 << 1);
    /* Other vectors are not held back by vector 1's mask. */
    msix_notify(dev, 0);
    assert_one_message(DOORBELL_BASE + 0x10, 0x1234);
    /* Unmasking delivers the pending message once and clears the bit. */
    mem_wr(entry(1, PCI_MSIX_ENTRY_VECTOR_CTRL), 0, 4);
    assert_one_message(DOORBELL_BASE + 0x20, 0x5678);
    g_assert_cmphex(pba(), ==, 0);
}

static void test_msix_needs_bus_master(void)
{
    cfg_wr(DEV, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    msix_notify(dev, 0);
    assert_no_message();
    cfg_wr(DEV, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
    msix_notify(dev, 0);
    assert_one_message(DOORBELL_BASE + 0x10, 0x1234);
}

static void test_msix_wild_and_ram_addresses(void)
{
    /* Nothing mapped there: the message is dropped, the process lives on. */
    program_entry(2, WILD_ADDR, 0xbad, false);
    msix_notify(dev, 2);
    program_entry(2, UINT64_MAX - 1, 0xbad, false);
    msix_notify(dev, 2);
    assert_no_message();
    /* A message to RAM is a plain little-endian dword write. */
    mem_wr(RAM_BASE + 0x100, 0, 8);
    program_entry(3, RAM_BASE + 0x100, 0xa1b2c3d4, false);
    msix_notify(dev, 3);
    g_assert_cmphex(mem_rd(RAM_BASE + 0x100, 8), ==, 0xa1b2c3d4);
}

static void test_msix_silences_intx(void)
{
    pci_irq_assert(dev);
    g_assert_cmpint(irq_level[DEV_LINE], ==, 0);
    set_msix_ctrl(0);
    g_assert_cmpint(irq_level[DEV_LINE], ==, 1);
    set_msix_ctrl(PCI_MSIX_FLAGS_ENABLE);
    g_assert_cmpint(irq_level[DEV_LINE], ==, 0);
    pci_irq_deassert(dev);
}

static void test_msix_reset(void)
{
    set_msix_ctrl(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    msix_notify(dev, 0);
    g_assert_cmphex(pba(), ==, 1);
    device_reset(&dev->qdev);
    g_assert_cmphex(msix_ctrl(), ==, MSIX_VECTORS - 1);
    cfg_wr(DEV, PCI_BASE_ADDRESS_0 + 4 * MSIX_BAR, MSIX_BAR_ADDR, 4);
    cfg_wr(DEV, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
    g_assert_cmphex(pba(), ==, 0);
    g_assert_cmphex(mem_rd(entry(0, PCI_MSIX_ENTRY_VECTOR_CTRL), 4), ==, 1);
    g_assert_cmphex(mem_rd(entry(0, PCI_MSIX_ENTRY_DATA), 4), ==, 0);
    assert_no_message();
}

/* ---- MSI ---- */

static int msi_cap;

static void test_msi_capability(void)
{
    uint16_t flags;

    msi_cap = find_cap(DEV, PCI_CAP_ID_MSI);
    g_assert_cmpint(msi_cap, !=, 0);
    flags = cfg_rd(DEV, msi_cap + PCI_MSI_FLAGS, 2);
    /* 4 vectors capable (log2 2), none enabled, 64-bit, per-vector masking. */
    g_assert_cmphex(flags, ==, 2 << 1 | PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT);
    /* The address is dword aligned; pending bits are the function's, not software's. */
    cfg_wr(DEV, msi_cap + PCI_MSI_ADDRESS_LO, 0xffffffff, 4);
    g_assert_cmphex(cfg_rd(DEV, msi_cap + PCI_MSI_ADDRESS_LO, 4), ==, 0xfffffffc);
    cfg_wr(DEV, msi_cap + PCI_MSI_PENDING_64, 0xf, 4);
    g_assert_cmphex(cfg_rd(DEV, msi_cap + PCI_MSI_PENDING_64, 4), ==, 0);
    /* Only the 4 implemented mask bits are writable. */
    cfg_wr(DEV, msi_cap + PCI_MSI_MASK_64, 0xffffffff, 4);
    g_assert_cmphex(cfg_rd(DEV, msi_cap + PCI_MSI_MASK_64, 4), ==, 0xf);
    cfg_wr(DEV, msi_cap + PCI_MSI_MASK_64, 0, 4);
}

static void msi_setup(uint64_t addr, uint16_t data, unsigned mme_log2)
{
    cfg_wr(DEV, msi_cap + PCI_MSI_ADDRESS_LO, (uint32_t)addr, 4);
    cfg_wr(DEV, msi_cap + PCI_MSI_ADDRESS_HI, addr >> 32, 4);
    cfg_wr(DEV, msi_cap + PCI_MSI_DATA_64, data, 2);
    cfg_wr(DEV, msi_cap + PCI_MSI_FLAGS, mme_log2 << 4 | PCI_MSI_FLAGS_ENABLE, 2);
}

static void test_msi_multiple_message(void)
{
    set_msix_ctrl(0);
    msi_notify(dev, 0);
    assert_no_message(); /* not enabled yet */
    msi_setup(DOORBELL_BASE + 0x40, 0x4320, 2);
    g_assert_true(msi_enabled(dev));
    /* Four vectors enabled: the vector replaces the data's low two bits. */
    msi_notify(dev, 0);
    assert_one_message(DOORBELL_BASE + 0x40, 0x4320);
    msi_notify(dev, 3);
    assert_one_message(DOORBELL_BASE + 0x40, 0x4323);
    /* Two enabled: one low bit; vector 3 falls back on the last granted, 1. */
    msi_setup(DOORBELL_BASE + 0x40, 0x4320, 1);
    msi_notify(dev, 3);
    assert_one_message(DOORBELL_BASE + 0x40, 0x4321);
    /* More than capable is clamped to what the function can do. */
    msi_setup(DOORBELL_BASE + 0x40, 0x4320, 7);
    g_assert_cmphex(cfg_rd(DEV, msi_cap + PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_QSIZE, ==, 2 << 4);
    /* INTx is quiet while MSI is enabled. */
    pci_irq_assert(dev);
    g_assert_cmpint(irq_level[DEV_LINE], ==, 0);
    pci_irq_deassert(dev);
}

static void test_msi_mask_and_pending(void)
{
    cfg_wr(DEV, msi_cap + PCI_MSI_MASK_64, 1 << 2, 4);
    msi_notify(dev, 2);
    assert_no_message();
    g_assert_cmphex(cfg_rd(DEV, msi_cap + PCI_MSI_PENDING_64, 4), ==, 1 << 2);
    msi_notify(dev, 1);
    assert_one_message(DOORBELL_BASE + 0x40, 0x4321);
    cfg_wr(DEV, msi_cap + PCI_MSI_MASK_64, 0, 4);
    assert_one_message(DOORBELL_BASE + 0x40, 0x4322);
    g_assert_cmphex(cfg_rd(DEV, msi_cap + PCI_MSI_PENDING_64, 4), ==, 0);
    /* Reset disables MSI and forgets the message. */
    device_reset(&dev->qdev);
    g_assert_false(msi_enabled(dev));
    g_assert_cmphex(cfg_rd(DEV, msi_cap + PCI_MSI_ADDRESS_LO, 4), ==, 0);
}

/* ---- virtio-pci ---- */

#define VRNG PCI_DEVFN(5, 0)
#define VRNG_LINE 1 /* INTA of slot 5 */
#define VRNG_MSIX_BAR 0x40020000ull
#define VRNG_BAR 0x440000000ull /* BAR 4, in the 64-bit window */
#define VQ_DESC (RAM_BASE + 0x10000)
#define VQ_AVAIL (RAM_BASE + 0x11000)
#define VQ_USED (RAM_BASE + 0x12000)
#define VQ_BUF (RAM_BASE + 0x13000)
#define VQ_SIZE 4

static PCIDevice *vrng;
static uint16_t vq_avail_idx;

static uint32_t common_rd(int off, unsigned size)
{
    return mem_rd(VRNG_BAR + VIRTIO_PCI_COMMON_BASE + off, size);
}

static void common_wr(int off, uint32_t v, unsigned size)
{
    mem_wr(VRNG_BAR + VIRTIO_PCI_COMMON_BASE + off, v, size);
}

static void vrng_msix_ctrl(uint16_t v)
{
    cfg_wr(VRNG, find_cap(VRNG, PCI_CAP_ID_MSIX) + PCI_MSIX_FLAGS, v, 2);
}

static void vrng_program_entry(unsigned vector, uint64_t addr, uint32_t data)
{
    uint64_t e = VRNG_MSIX_BAR + vector * PCI_MSIX_ENTRY_SIZE;

    mem_wr(e + PCI_MSIX_ENTRY_LOWER_ADDR, addr, 8);
    mem_wr(e + PCI_MSIX_ENTRY_DATA, data, 4);
    mem_wr(e + PCI_MSIX_ENTRY_VECTOR_CTRL, 0, 4);
}

/* §3.1.1 with VERSION_1 only and queue 0 of VQ_SIZE entries. */
static void vrng_driver_init(void)
{
    for (uint64_t a = VQ_DESC; a < VQ_BUF; a += 8) {
        mem_wr(a, 0, 8);
    }
    vq_avail_idx = 0;
    common_wr(VIRTIO_PCI_COMMON_STATUS, 0, 1);
    common_wr(VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
    common_wr(VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
    common_wr(VIRTIO_PCI_COMMON_GF, 1, 4); /* VERSION_1 */
    common_wr(VIRTIO_PCI_COMMON_STATUS, 0xb, 1);
    common_wr(VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
    common_wr(VIRTIO_PCI_COMMON_Q_SIZE, VQ_SIZE, 2);
    common_wr(VIRTIO_PCI_COMMON_Q_DESCLO, VQ_DESC, 4);
    common_wr(VIRTIO_PCI_COMMON_Q_DESCHI, VQ_DESC >> 32, 4);
    common_wr(VIRTIO_PCI_COMMON_Q_AVAILLO, VQ_AVAIL, 4);
    common_wr(VIRTIO_PCI_COMMON_Q_AVAILHI, VQ_AVAIL >> 32, 4);
    common_wr(VIRTIO_PCI_COMMON_Q_USEDLO, VQ_USED, 4);
    common_wr(VIRTIO_PCI_COMMON_Q_USEDHI, VQ_USED >> 32, 4);
    common_wr(VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
    common_wr(VIRTIO_PCI_COMMON_STATUS, 0xf, 1);
}

/* Ask for 16 random bytes and kick queue 0; the rng answers at once. */
static void vrng_request(void)
{
    mem_wr(VQ_DESC, VQ_BUF, 8);
    mem_wr(VQ_DESC + 8, 16, 4);
    mem_wr(VQ_DESC + 12, 2, 4); /* WRITE */
    mem_wr(VQ_AVAIL + 4 + 2 * (vq_avail_idx % VQ_SIZE), 0, 2);
    mem_wr(VQ_AVAIL + 2, ++vq_avail_idx, 2);
    mem_wr(VRNG_BAR + VIRTIO_PCI_NOTIFY_BASE, 0, 2);
    g_assert_cmpint(mem_rd(VQ_USED + 2, 2), ==, vq_avail_idx);
}

static void test_virtio_pci_msix_layout(void)
{
    int cap;

    vrng = add("virtio-rng-pci,id=vrng,addr=05.0");
    cap = find_cap(VRNG, PCI_CAP_ID_MSIX);
    g_assert_cmpint(cap, !=, 0);
    /* One queue: two vectors, the table in BAR 1. */
    g_assert_cmphex(cfg_rd(VRNG, cap + PCI_MSIX_FLAGS, 2), ==, 1);
    g_assert_cmphex(cfg_rd(VRNG, cap + PCI_MSIX_TABLE, 4), ==, VIRTIO_PCI_MSIX_BAR);
    cfg_wr(VRNG, PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_MSIX_BAR, VRNG_MSIX_BAR, 4);
    cfg_wr(VRNG, PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_BAR, (uint32_t)VRNG_BAR | 0xc, 4);
    cfg_wr(VRNG, PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_BAR + 4, VRNG_BAR >> 32, 4);
    cfg_wr(VRNG, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
    g_assert_cmpint(common_rd(VIRTIO_PCI_COMMON_NUMQ, 2), ==, 1);

    /* vectors= sizes the table; 0 means no MSI-X at all. */
    add("virtio-rng-pci,id=vrng3,addr=06.0,vectors=3");
    cap = find_cap(PCI_DEVFN(6, 0), PCI_CAP_ID_MSIX);
    g_assert_cmphex(cfg_rd(PCI_DEVFN(6, 0), cap + PCI_MSIX_FLAGS, 2), ==, 2);
    add("virtio-rng-pci,id=vrng0,addr=07.0,vectors=0");
    g_assert_cmpint(find_cap(PCI_DEVFN(7, 0), PCI_CAP_ID_MSIX), ==, 0);
}

static void test_virtio_pci_too_many_vectors(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(qdev_device_add("virtio-rng-pci,addr=08.0,vectors=4096", &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "vectors=4096"));
}

static void test_virtio_pci_vector_readback(void)
{
    vrng_driver_init();
    /* Unmapped until the driver maps them. */
    g_assert_cmphex(common_rd(VIRTIO_PCI_COMMON_MSIX, 2), ==, VIRTIO_MSI_NO_VECTOR);
    g_assert_cmphex(common_rd(VIRTIO_PCI_COMMON_Q_MSIX, 2), ==, VIRTIO_MSI_NO_VECTOR);
    common_wr(VIRTIO_PCI_COMMON_MSIX, 0, 2);
    g_assert_cmphex(common_rd(VIRTIO_PCI_COMMON_MSIX, 2), ==, 0);
    common_wr(VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);
    g_assert_cmphex(common_rd(VIRTIO_PCI_COMMON_Q_MSIX, 2), ==, 1);
    /* §4.1.5.1.2: a vector beyond the table is refused by reading NO_VECTOR. */
    common_wr(VIRTIO_PCI_COMMON_MSIX, 2, 2);
    g_assert_cmphex(common_rd(VIRTIO_PCI_COMMON_MSIX, 2), ==, VIRTIO_MSI_NO_VECTOR);
    common_wr(VIRTIO_PCI_COMMON_Q_MSIX, 0x7ff, 2);
    g_assert_cmphex(common_rd(VIRTIO_PCI_COMMON_Q_MSIX, 2), ==, VIRTIO_MSI_NO_VECTOR);
    /* A queue that does not exist has no vector, and writes to it go nowhere. */
    common_wr(VIRTIO_PCI_COMMON_Q_SELECT, 7, 2);
    common_wr(VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);
    g_assert_cmphex(common_rd(VIRTIO_PCI_COMMON_Q_MSIX, 2), ==, VIRTIO_MSI_NO_VECTOR);
    /* A device reset unmaps everything. */
    common_wr(VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
    common_wr(VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);
    common_wr(VIRTIO_PCI_COMMON_MSIX, 0, 2);
    common_wr(VIRTIO_PCI_COMMON_DFSELECT, 1, 4);
    common_wr(VIRTIO_PCI_COMMON_STATUS, 0, 1);
    g_assert_cmphex(common_rd(VIRTIO_PCI_COMMON_MSIX, 2), ==, VIRTIO_MSI_NO_VECTOR);
    g_assert_cmphex(common_rd(VIRTIO_PCI_COMMON_Q_MSIX, 2), ==, VIRTIO_MSI_NO_VECTOR);
    g_assert_cmphex(common_rd(VIRTIO_PCI_COMMON_DFSELECT, 4), ==, 0); /* selectors too */
    /* So does a reset of the machine, reaching the proxy through its virtio device. */
    common_wr(VIRTIO_PCI_COMMON_MSIX, 0, 2);
    device_reset(&virtio_pci_get_vdev(vrng)->parent);
    g_assert_cmphex(common_rd(VIRTIO_PCI_COMMON_MSIX, 2), ==, VIRTIO_MSI_NO_VECTOR);
}

static void test_virtio_pci_queue_and_config_vectors(void)
{
    vrng_driver_init();
    vrng_program_entry(0, DOORBELL_BASE + 0x100, 0xc0);
    vrng_program_entry(1, DOORBELL_BASE + 0x104, 0x01);
    vrng_msix_ctrl(PCI_MSIX_FLAGS_ENABLE);
    common_wr(VIRTIO_PCI_COMMON_MSIX, 0, 2);
    common_wr(VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
    common_wr(VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);

    /* A used buffer: the queue's vector, no INTx, nothing in the ISR. */
    vrng_request();
    assert_one_message(DOORBELL_BASE + 0x104, 0x01);
    g_assert_cmpint(irq_level[VRNG_LINE], ==, 0);
    g_assert_cmphex(mem_rd(VRNG_BAR + VIRTIO_PCI_ISR_BASE, 1), ==, 0);
    /* A configuration change: the config vector. */
    virtio_notify_config(virtio_pci_get_vdev(vrng));
    assert_one_message(DOORBELL_BASE + 0x100, 0xc0);
    /* An event whose vector is NO_VECTOR interrupts nobody (§4.1.5.4). */
    common_wr(VIRTIO_PCI_COMMON_Q_MSIX, VIRTIO_MSI_NO_VECTOR, 2);
    vrng_request();
    assert_no_message();
    g_assert_cmpint(irq_level[VRNG_LINE], ==, 0);
    g_assert_cmphex(mem_rd(VRNG_BAR + VIRTIO_PCI_ISR_BASE, 1), ==, 0);
}

static void test_virtio_pci_intx_without_msix(void)
{
    vrng_msix_ctrl(0);
    vrng_driver_init();
    common_wr(VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);
    vrng_request();
    assert_no_message();
    g_assert_cmpint(irq_level[VRNG_LINE], ==, 1);
    g_assert_cmphex(mem_rd(VRNG_BAR + VIRTIO_PCI_ISR_BASE, 1), ==, VIRTIO_ISR_QUEUE);
    g_assert_cmpint(irq_level[VRNG_LINE], ==, 0);
}

static void test_virtio_pci_with_msix_goes_away_cleanly(void)
{
    g_assert_cmphex(mem_rd(VRNG_MSIX_BAR + PCI_MSIX_ENTRY_DATA, 4), ==, 0xc0);
    device_destroy(&vrng->qdev);
    vrng = NULL;
    g_assert_cmphex(cfg_rd(VRNG, PCI_VENDOR_ID, 4), ==, 0xffffffff);
    g_assert_cmphex(mem_rd(VRNG_MSIX_BAR + PCI_MSIX_ENTRY_DATA, 4), ==, 0xffffffff);
}

/* ---- pcie-root-port ---- */

#define RP PCI_DEVFN(0xa, 0)
#define RP_LINE 3 /* INTB of slot 10: (1 + 10) % 4 */

static void test_root_port_hotplug_interrupt_is_msi(void)
{
    int msi, exp;
    uint16_t ctl;

    add("pcie-root-port,id=rp,chassis=1,slot=1,addr=0a.0");
    msi = find_cap(RP, PCI_CAP_ID_MSI);
    exp = find_cap(RP, PCI_CAP_ID_EXP);
    g_assert_cmpint(msi, !=, 0);
    /* One vector, 64-bit: what Linux's pcieport asks for. */
    g_assert_cmphex(cfg_rd(RP, msi + PCI_MSI_FLAGS, 2), ==, PCI_MSI_FLAGS_64BIT);
    cfg_wr(RP, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
    cfg_wr(RP, msi + PCI_MSI_ADDRESS_LO, DOORBELL_BASE + 0x200, 4);
    cfg_wr(RP, msi + PCI_MSI_DATA_64, 0x77, 2);
    cfg_wr(RP, msi + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE, 2);

    /* Enabling notifications is a command that completes: one message, no INTx. */
    ctl = cfg_rd(RP, exp + PCI_EXP_SLTCTL, 2);
    ctl |= PCI_EXP_SLTCTL_CCIE | PCI_EXP_SLTCTL_HPIE;
    cfg_wr(RP, exp + PCI_EXP_SLTCTL, ctl, 2);
    assert_one_message(DOORBELL_BASE + 0x200, 0x77);
    g_assert_cmpint(irq_level[RP_LINE], ==, 0);
    /* Still pending: no second message until the OS clears the event. */
    cfg_wr(RP, exp + PCI_EXP_SLTCTL, ctl, 2);
    assert_no_message();
    cfg_wr(RP, exp + PCI_EXP_SLTSTA, PCI_EXP_SLTSTA_CC, 2);
    cfg_wr(RP, exp + PCI_EXP_SLTCTL, ctl, 2);
    assert_one_message(DOORBELL_BASE + 0x200, 0x77);
    cfg_wr(RP, exp + PCI_EXP_SLTSTA, PCI_EXP_SLTSTA_CC, 2);
}

/* ---- the machine's switch ---- */

static void test_switch_off_means_no_capabilities(void)
{
    int devfn = PCI_DEVFN(4, 0);

    msi_set_supported(false);
    add("test-msi-dev,id=d1,addr=04.0");
    msi_set_supported(true);
    g_assert_cmphex(cfg_rd(devfn, PCI_VENDOR_ID, 2), ==, TEST_VENDOR);
    g_assert_cmpint(find_cap(devfn, PCI_CAP_ID_MSIX), ==, 0);
    g_assert_cmpint(find_cap(devfn, PCI_CAP_ID_MSI), ==, 0);
    g_assert_cmphex(cfg_rd(devfn, PCI_BASE_ADDRESS_0 + 4 * MSIX_BAR, 4), ==, 0);
    g_assert_false(msix_present((PCIDevice *)device_find_by_id("d1")));
}

static void test_switch_off_virtio_pci_has_no_vectors(void)
{
    int devfn = PCI_DEVFN(9, 0);
    uint64_t bar = VRNG_BAR + 0x10000;

    msi_set_supported(false);
    add("virtio-rng-pci,id=vrng_intx,addr=09.0");
    msi_set_supported(true);
    g_assert_cmpint(find_cap(devfn, PCI_CAP_ID_MSIX), ==, 0);
    g_assert_cmphex(cfg_rd(devfn, PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_MSIX_BAR, 4), ==, 0);
    cfg_wr(devfn, PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_BAR, (uint32_t)bar | 0xc, 4);
    cfg_wr(devfn, PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_BAR + 4, bar >> 32, 4);
    cfg_wr(devfn, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    mem_wr(bar + VIRTIO_PCI_COMMON_MSIX, 0, 2);
    g_assert_cmphex(mem_rd(bar + VIRTIO_PCI_COMMON_MSIX, 2), ==, VIRTIO_MSI_NO_VECTOR);
}

static void test_switch_off_root_port_uses_intx(void)
{
    msi_set_supported(false);
    add("pcie-root-port,id=rp_intx,chassis=1,slot=2,addr=0b.0");
    msi_set_supported(true);
    g_assert_cmpint(find_cap(PCI_DEVFN(0xb, 0), PCI_CAP_ID_MSI), ==, 0);
    g_assert_cmpint(find_cap(PCI_DEVFN(0xb, 0), PCI_CAP_ID_EXP), !=, 0);
}

int main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    IrqLine *irqs;
    GPEXConfig cfg = {
        .ecam_base = ECAM_BASE,
        .ecam_size = 0x10000000ull,
        .mmio_base = MMIO_BASE,
        .mmio_size = 0x40000000ull,
        .high_mmio_base = 0x400000000ull,
        .high_mmio_size = 16 * GiB,
        .pio_base = 0x3000000ull,
        .pio_size = 0x10000,
    };
    int ret;

    g_test_init(&argc, &argv, NULL);
    messages = g_array_new(FALSE, FALSE, sizeof(Message));
    memory_map_init();
    g_assert_true(memory_region_init_ram(&ram, "ram", RAM_SIZE, &err));
    memory_region_add_subregion(get_system_memory(), RAM_BASE, &ram);
    memory_region_init_io(&doorbell, &doorbell_ops, NULL, "doorbell", DOORBELL_SIZE);
    memory_region_add_subregion(get_system_memory(), DOORBELL_BASE, &doorbell);
    device_class_register(&test_dev_class.parent);
    irqs = irq_allocate(irq_handler, NULL, GPEX_NUM_IRQS);
    for (int i = 0; i < GPEX_NUM_IRQS; i++) {
        cfg.irq[i] = &irqs[i];
    }
    host = gpex_host_create(&cfg, &err);
    g_assert_no_error(err);
    msi_set_supported(true);

    g_test_add_func("/msi/msix-capability-and-table", test_msix_capability_and_table);
    g_test_add_func("/msi/msix-enable-and-function-mask", test_msix_enable_and_function_mask);
    g_test_add_func("/msi/msix-vector-mask-pending-unmask-delivers",
                    test_msix_vector_mask_pending_unmask);
    g_test_add_func("/msi/msix-needs-bus-master", test_msix_needs_bus_master);
    g_test_add_func("/msi/msix-wild-address-dropped-ram-address-written",
                    test_msix_wild_and_ram_addresses);
    g_test_add_func("/msi/msix-enabled-silences-intx", test_msix_silences_intx);
    g_test_add_func("/msi/msix-reset", test_msix_reset);
    g_test_add_func("/msi/msi-capability", test_msi_capability);
    g_test_add_func("/msi/msi-multiple-message-vector-in-data", test_msi_multiple_message);
    g_test_add_func("/msi/msi-mask-and-pending", test_msi_mask_and_pending);
    g_test_add_func("/msi/virtio-pci-msix-sized-from-queues-and-vectors",
                    test_virtio_pci_msix_layout);
    g_test_add_func("/msi/virtio-pci-too-many-vectors-refused", test_virtio_pci_too_many_vectors);
    g_test_add_func("/msi/virtio-pci-vector-readback-and-no-vector",
                    test_virtio_pci_vector_readback);
    g_test_add_func("/msi/virtio-pci-queue-and-config-vectors",
                    test_virtio_pci_queue_and_config_vectors);
    g_test_add_func("/msi/virtio-pci-intx-and-isr-without-msix", test_virtio_pci_intx_without_msix);
    g_test_add_func("/msi/virtio-pci-with-msix-goes-away-cleanly",
                    test_virtio_pci_with_msix_goes_away_cleanly);
    g_test_add_func("/msi/root-port-hotplug-interrupt-is-msi",
                    test_root_port_hotplug_interrupt_is_msi);
    g_test_add_func("/msi/switch-off-means-no-capabilities", test_switch_off_means_no_capabilities);
    g_test_add_func("/msi/switch-off-virtio-pci-has-no-vectors",
                    test_switch_off_virtio_pci_has_no_vectors);
    g_test_add_func("/msi/switch-off-root-port-uses-intx", test_switch_off_root_port_uses_intx);

    ret = g_test_run();
    device_destroy(host);
    g_free(irqs);
    g_array_unref(messages);
    return ret;
}
