/*
 * PCI Express on the generic ECAM host (gpex-pcihost at the riscv virt
 * machine's addresses), driven the way a guest does it through the ECAM
 * window and the memory windows:
 *
 *  - ECAM decode of bus/device/function/register, and what a missing
 *    function or a bad access reads;
 *  - configuration space sizes: a conventional function's extended space
 *    reads all ones, a PCI Express function's reads 0 but for its extended
 *    capability list;
 *  - BARs in the host's windows;
 *  - PCI-to-PCI bridges and root ports: bus numbers, window forwarding,
 *    secondary bus reset, the INTx swizzle;
 *  - the native hotplug slot of pcie-root-port: events, the hot-plug
 *    interrupt, command completion, removal when the OS powers the slot off;
 *  - virtio-pci: ids, the vendor capabilities, a virtio-blk request through
 *    the BAR with its INTx and read-to-clear ISR, the PCI configuration
 *    access capability, a device hot-removed from an unpowered slot.
 *
 * The tests run in order (all directly under /pcie, which keeps GLib from
 * regrouping them) and build on one machine: the devices a test adds stay for
 * the next ones.
 */
#include "block/drive.h"
#include "hw/pci/gpex.h"
#include "hw/pci/pci-bridge.h"
#include "hw/pci/pci.h"
#include "hw/pci/pcie.h"
#include "hw/virtio/virtio-blk.h"
#include "hw/virtio/virtio-pci.h"
#include "net/net.h"
#include "system/memory.h"
#include "util/error.h"
#include <glib/gstdio.h>

#define ECAM_BASE 0x30000000ull
#define ECAM_SIZE 0x10000000ull
#define MMIO_BASE 0x40000000ull
#define MMIO_SIZE 0x40000000ull
#define HIGH_MMIO_BASE 0x400000000ull
#define PIO_BASE 0x3000000ull
#define RAM_BASE 0x80000000ull
#define RAM_SIZE (16 * MiB)
#define TEST_VENDOR 0x1234
#define TEST_DEVICE 0x11e9
#define TEST_MAGIC 0xcafef00d
#define QSIZE 16

static int irq_level[GPEX_NUM_IRQS];
static DeviceState *host;
static MemoryRegion ram;
static char *tmpdir;
static GPtrArray *deleted_ids; /* ids the unplug notifier heard of */

static void irq_handler(void *opaque, int n, int level)
{
    irq_level[n] = level;
}

static void record_deleted(DeviceState *dev)
{
    g_ptr_array_add(deleted_ids, g_strdup(dev->id ? dev->id : dev->canonical));
}

static bool was_deleted(const char *id)
{
    for (guint i = 0; i < deleted_ids->len; i++) {
        if (!strcmp(g_ptr_array_index(deleted_ids, i), id)) {
            return true;
        }
    }
    return false;
}

/* ---- a test function: BAR0 is 4 KiB of registers; PCI Express below a port ---- */

typedef struct TestDevState {
    PCIDevice parent;
    MemoryRegion mmio;
    uint32_t reg[1024];
} TestDevState;

static uint64_t test_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    return ((TestDevState *)opaque)->reg[addr / 4];
}

static void test_mmio_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    ((TestDevState *)opaque)->reg[addr / 4] = val;
}

static const MemoryRegionOps test_mmio_ops = {
    .read = test_mmio_read,
    .write = test_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 4, .max_access_size = 4},
};

static bool test_dev_realize(PCIDevice *dev, GError **errp)
{
    TestDevState *s = (TestDevState *)dev;

    memory_region_init_io(&s->mmio, &test_mmio_ops, s, "test-pcie-mmio", 4096);
    pci_register_bar(dev, 0, PCI_BAR_TYPE_MEM32, &s->mmio);
    s->reg[0] = TEST_MAGIC;
    if (!dev->is_express) {
        return true;
    }
    return pcie_cap_init(dev, 0, PCI_EXP_TYPE_ENDPOINT, 0, errp) &&
           pcie_add_capability(dev, PCI_EXT_CAP_ID_DSN, 1, 0, 12, errp) == 0x100 &&
           pcie_add_capability(dev, PCI_EXT_CAP_ID_VNDR, 1, 0x200, 8, errp) == 0x200;
}

static void test_dev_unrealize(PCIDevice *dev)
{
    memory_region_destroy(&((TestDevState *)dev)->mmio);
}

static PCIDeviceClass test_dev_class = {
    .parent =
        {
            .name = "test-pcie-dev",
            .parent = TYPE_PCI_DEVICE,
            .instance_size = sizeof(TestDevState),
            .bus_type = BUS_PCI,
            .user_creatable = true,
            .hotpluggable = true,
        },
    .vendor_id = TEST_VENDOR,
    .device_id = TEST_DEVICE,
    .class_id = PCI_CLASS_OTHERS,
    .interrupt_pin = 1,
    .express = PCI_EXPRESS_IF_PORT,
    .realize = test_dev_realize,
    .unrealize = test_dev_unrealize,
};

/* ---- guest-side helpers ---- */

static uint64_t ecam(int bus, int devfn, int reg)
{
    return ECAM_BASE + ((uint64_t)bus << 20 | (uint64_t)devfn << 12 | reg);
}

static uint32_t mem_rd(uint64_t addr, unsigned size)
{
    uint32_t v = 0;

    address_space_read(&address_space_memory, addr, &v, size);
    return v;
}

static void mem_wr(uint64_t addr, uint32_t v, unsigned size)
{
    address_space_write(&address_space_memory, addr, &v, size);
}

static uint32_t cfg_rd(int bus, int devfn, int reg, unsigned size)
{
    return mem_rd(ecam(bus, devfn, reg), size);
}

static void cfg_wr(int bus, int devfn, int reg, uint32_t v, unsigned size)
{
    mem_wr(ecam(bus, devfn, reg), v, size);
}

static DeviceState *add(const char *spec)
{
    g_autoptr(GError) err = NULL;
    DeviceState *dev = qdev_device_add(spec, &err);

    g_assert_no_error(err);
    return dev;
}

static char *add_error(const char *spec)
{
    GError *err = NULL;
    char *msg;

    g_assert_null(qdev_device_add(spec, &err));
    g_assert_nonnull(err);
    msg = g_strdup(err->message);
    g_error_free(err);
    return msg;
}

/* The first capability cap_id of bus:devfn, walked as a guest walks it, or 0. */
static int find_cap(int bus, int devfn, uint8_t cap_id, uint8_t vndr_type)
{
    int pos = cfg_rd(bus, devfn, PCI_CAPABILITY_LIST, 1);

    for (int hops = 0; pos && hops < 48; hops++) {
        if (cfg_rd(bus, devfn, pos, 1) == cap_id &&
            (cap_id != PCI_CAP_ID_VNDR || cfg_rd(bus, devfn, pos + 3, 1) == vndr_type)) {
            return pos;
        }
        pos = cfg_rd(bus, devfn, pos + 1, 1);
    }
    return 0;
}

/* Root port rp at bus 0 devfn: give it bus sec and open its memory window [base, limit]. */
static void bridge_setup(int devfn, int sec, uint32_t base, uint32_t limit)
{
    cfg_wr(0, devfn, PCI_PRIMARY_BUS, 0, 1);
    cfg_wr(0, devfn, PCI_SECONDARY_BUS, sec, 1);
    cfg_wr(0, devfn, PCI_SUBORDINATE_BUS, sec, 1);
    cfg_wr(0, devfn, PCI_MEMORY_BASE, base >> 16, 2);
    cfg_wr(0, devfn, PCI_MEMORY_LIMIT, limit >> 16, 2);
    cfg_wr(0, devfn, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
}

/* ---- ECAM and configuration space ---- */

static void test_ecam_decode(void)
{
    /* gpex-root, the host bridge function, at 00.0 of bus 0. */
    g_assert_cmphex(cfg_rd(0, 0, PCI_VENDOR_ID, 4), ==, 0x00081b36);
    g_assert_cmphex(cfg_rd(0, 0, PCI_VENDOR_ID, 2), ==, 0x1b36);
    g_assert_cmphex(cfg_rd(0, 0, PCI_DEVICE_ID + 1, 1), ==, 0x00);
    g_assert_cmphex(cfg_rd(0, 0, PCI_CLASS_DEVICE, 2), ==, PCI_CLASS_BRIDGE_HOST);
    g_assert_cmphex(cfg_rd(0, 0, PCI_SUBSYSTEM_VENDOR_ID, 4), ==, 0x11001af4);
    /* Missing functions, devices and buses read all ones at every width; writes vanish. */
    g_assert_cmphex(cfg_rd(0, PCI_DEVFN(0, 1), 0, 4), ==, 0xffffffff);
    g_assert_cmphex(cfg_rd(0, PCI_DEVFN(0x1f, 7), 0, 2), ==, 0xffff);
    g_assert_cmphex(cfg_rd(0xff, 0, 0, 1), ==, 0xff);
    cfg_wr(0, PCI_DEVFN(0x1f, 0), PCI_COMMAND, 0xffff, 2);
    g_assert_cmphex(cfg_rd(0, PCI_DEVFN(0x1f, 0), PCI_COMMAND, 2), ==, 0xffff);
    /* A misaligned access completes as an error: all ones. */
    g_assert_cmphex(cfg_rd(0, 0, 0x01, 2), ==, 0xffff);
    /* The register number is 12 bits, the device 5 and the function 3 (§7.2.2). */
    g_assert_cmphex(ecam(1, PCI_DEVFN(2, 3), 0x104) - ECAM_BASE, ==, 0x113104);
}

static void test_conventional_extended_space(void)
{
    /* gpex-root is a conventional function: 256 bytes, beyond them Unsupported Request. */
    g_assert_cmphex(cfg_rd(0, 0, 0x100, 4), ==, 0xffffffff);
    g_assert_cmphex(cfg_rd(0, 0, 0xffc, 4), ==, 0xffffffff);
    g_assert_cmphex(cfg_rd(0, 0, 0xfff, 1), ==, 0xff);
    cfg_wr(0, 0, 0x100, 0x12345678, 4);
    g_assert_cmphex(cfg_rd(0, 0, 0x100, 4), ==, 0xffffffff);
    g_assert_cmphex(cfg_rd(0, 0, PCI_VENDOR_ID, 4), ==, 0x00081b36);
    /* The same device type is conventional on the root bus: no PCI Express capability. */
    add("test-pcie-dev,id=conv0,addr=04.0");
    g_assert_cmphex(cfg_rd(0, PCI_DEVFN(4, 0), 0x100, 4), ==, 0xffffffff);
    g_assert_cmpint(find_cap(0, PCI_DEVFN(4, 0), PCI_CAP_ID_EXP, 0), ==, 0);
}

static void test_bars_in_the_windows(void)
{
    int ep = PCI_DEVFN(4, 0);

    /* A BAR in the 32-bit window is where the CPU finds it; outside the windows, nothing. */
    cfg_wr(0, ep, PCI_BASE_ADDRESS_0, 0x40100000, 4);
    cfg_wr(0, ep, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    g_assert_cmphex(mem_rd(0x40100000, 4), ==, TEST_MAGIC);
    cfg_wr(0, ep, PCI_COMMAND, 0, 2);
    g_assert_cmphex(mem_rd(0x40100000, 4), ==, 0xffffffff);
    cfg_wr(0, ep, PCI_BASE_ADDRESS_0, 0x20000000, 4);
    cfg_wr(0, ep, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    g_assert_cmphex(mem_rd(0x20000000, 4), ==, 0xffffffff);
    cfg_wr(0, ep, PCI_COMMAND, 0, 2);
}

static void test_root_port_cold_plug(void)
{
    int rp = PCI_DEVFN(1, 0);
    uint8_t exp;

    add("pcie-root-port,id=rp1,chassis=1,slot=1,addr=01.0");
    add("test-pcie-dev,id=ep1,bus=rp1");
    g_assert_cmphex(cfg_rd(0, rp, PCI_VENDOR_ID, 4), ==, 0x000c1b36);
    g_assert_cmphex(cfg_rd(0, rp, PCI_HEADER_TYPE, 1), ==, PCI_HEADER_TYPE_BRIDGE);
    g_assert_cmphex(cfg_rd(0, rp, PCI_CLASS_DEVICE, 2), ==, PCI_CLASS_BRIDGE_PCI);
    g_assert_cmpint(cfg_rd(0, rp, PCI_INTERRUPT_PIN, 1), ==, 2); /* INTB: see pcie-root-port.c */
    exp = find_cap(0, rp, PCI_CAP_ID_EXP, 0);
    g_assert_cmpint(exp, !=, 0);
    g_assert_cmphex(cfg_rd(0, rp, exp + PCI_EXP_FLAGS, 2), ==,
                    2 | PCI_EXP_TYPE_ROOT_PORT << 4 | PCI_EXP_FLAGS_SLOT);
    g_assert_cmphex(cfg_rd(0, rp, exp + PCI_EXP_SLTCAP, 4) >> PCI_EXP_SLTCAP_PSN_SHIFT, ==, 1);
    g_assert_true(cfg_rd(0, rp, exp + PCI_EXP_SLTCAP, 4) & PCI_EXP_SLTCAP_HPC);
    g_assert_true(cfg_rd(0, rp, exp + PCI_EXP_LNKCAP, 4) & PCI_EXP_LNKCAP_DLLLARC);
    /* Present from power-on: on, no events; the root port is a PCI Express function. */
    g_assert_cmphex(cfg_rd(0, rp, exp + PCI_EXP_SLTSTA, 2), ==, PCI_EXP_SLTSTA_PDS);
    g_assert_cmphex(cfg_rd(0, rp, exp + PCI_EXP_SLTCTL, 2) & PCI_EXP_SLTCTL_PCC, ==,
                    PCI_EXP_SLTCTL_PWR_ON);
    g_assert_true(cfg_rd(0, rp, exp + PCI_EXP_LNKSTA, 2) & PCI_EXP_LNKSTA_DLLLA);
    g_assert_cmphex(cfg_rd(0, rp, 0x100, 4), ==, 0); /* empty extended capability list */
}

static void test_bridge_bus_numbers(void)
{
    g_autofree char *msg = NULL;
    int rp = PCI_DEVFN(1, 0);

    /* Until the bridge has bus numbers, nothing answers behind it. */
    g_assert_cmphex(cfg_rd(1, 0, PCI_VENDOR_ID, 4), ==, 0xffffffff);
    bridge_setup(rp, 1, 0x40100000, 0x401fffff);
    g_assert_cmphex(cfg_rd(1, 0, PCI_VENDOR_ID, 4), ==, TEST_DEVICE << 16 | TEST_VENDOR);
    g_assert_cmphex(cfg_rd(2, 0, PCI_VENDOR_ID, 4), ==, 0xffffffff);
    /* Below a PCI Express port only device 0 exists. */
    g_assert_cmphex(cfg_rd(1, PCI_DEVFN(1, 0), PCI_VENDOR_ID, 4), ==, 0xffffffff);
    msg = add_error("test-pcie-dev,bus=rp1,addr=01.0");
    g_assert_nonnull(strstr(msg, "only device 0 exists"));
    g_clear_pointer(&msg, g_free);
    msg = add_error("test-pcie-dev,bus=rp1");
    g_assert_nonnull(strstr(msg, "no free slot"));
}

static void test_express_extended_capabilities(void)
{
    int ep = PCI_DEVFN(0, 0);
    int exp = find_cap(1, ep, PCI_CAP_ID_EXP, 0);
    PCIDevice *dev = (PCIDevice *)device_find_by_id("ep1");
    g_autoptr(GError) err = NULL;

    /* Behind the port the test function is a PCI Express endpoint with 4 KiB of space. */
    g_assert_cmpint(exp, !=, 0);
    g_assert_cmphex(cfg_rd(1, ep, exp + PCI_EXP_FLAGS, 2) & PCI_EXP_FLAGS_TYPE, ==,
                    PCI_EXP_TYPE_ENDPOINT << 4);
    g_assert_cmphex(cfg_rd(1, ep, 0x100, 4), ==, 0x200 << 20 | 1 << 16 | PCI_EXT_CAP_ID_DSN);
    g_assert_cmphex(cfg_rd(1, ep, 0x200, 4), ==, 1 << 16 | PCI_EXT_CAP_ID_VNDR);
    g_assert_cmphex(cfg_rd(1, ep, 0x800, 4), ==, 0);
    g_assert_cmphex(cfg_rd(1, ep, 0xffc, 4), ==, 0);
    /* Capability headers and unused space are read-only. */
    cfg_wr(1, ep, 0x100, 0, 4);
    cfg_wr(1, ep, 0x800, 0xffffffff, 4);
    g_assert_cmphex(cfg_rd(1, ep, 0x100, 2), ==, PCI_EXT_CAP_ID_DSN);
    g_assert_cmphex(cfg_rd(1, ep, 0x800, 4), ==, 0);
    g_assert_cmpint(pcie_find_capability(dev, PCI_EXT_CAP_ID_VNDR), ==, 0x200);
    g_assert_cmpint(pcie_find_capability(dev, PCI_EXT_CAP_ID_ACS), ==, 0);

    /* The helper refuses overlaps, misalignment, and conventional functions. */
    g_assert_cmpint(pcie_add_capability(dev, PCI_EXT_CAP_ID_ACS, 1, 0x204, 8, &err), ==, 0);
    g_assert_nonnull(strstr(err->message, "overlaps"));
    g_clear_error(&err);
    g_assert_cmpint(pcie_add_capability(dev, PCI_EXT_CAP_ID_ACS, 1, 0x302, 8, &err), ==, 0);
    g_clear_error(&err);
    g_assert_cmpint(pcie_add_capability(dev, PCI_EXT_CAP_ID_ACS, 1, 0xffc, 8, &err), ==, 0);
    g_clear_error(&err);
    g_assert_cmpint(pcie_add_capability((PCIDevice *)device_find_by_id("conv0"), PCI_EXT_CAP_ID_ACS,
                                        1, 0, 8, &err),
                    ==, 0);
    g_assert_nonnull(strstr(err->message, "PCI Express function"));
    g_clear_error(&err);
    /* Automatic placement appends after the last one. */
    g_assert_cmpint(pcie_add_capability(dev, PCI_EXT_CAP_ID_ACS, 1, 0, 8, &err), ==, 0x10c);
    g_assert_cmphex(cfg_rd(1, ep, 0x200, 4) >> 20, ==, 0x10c);
}

static void test_bridge_window_forwarding(void)
{
    int rp = PCI_DEVFN(1, 0), ep = PCI_DEVFN(0, 0);

    cfg_wr(1, ep, PCI_BASE_ADDRESS_0, 0x40100000, 4);
    cfg_wr(1, ep, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    g_assert_cmphex(mem_rd(0x40100000, 4), ==, TEST_MAGIC);
    /* The bridge forwards only while its own memory decoding is on ... */
    cfg_wr(0, rp, PCI_COMMAND, 0, 2);
    g_assert_cmphex(mem_rd(0x40100000, 4), ==, 0xffffffff);
    cfg_wr(0, rp, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    g_assert_cmphex(mem_rd(0x40100000, 4), ==, TEST_MAGIC);
    /* ... and only inside its window: a BAR outside it is unreachable. */
    cfg_wr(1, ep, PCI_BASE_ADDRESS_0, 0x40200000, 4);
    g_assert_cmphex(mem_rd(0x40200000, 4), ==, 0xffffffff);
    cfg_wr(0, rp, PCI_MEMORY_LIMIT, 0x4020, 2);
    g_assert_cmphex(mem_rd(0x40200000, 4), ==, TEST_MAGIC);
    g_assert_cmphex(pci_bridge_get_limit((PCIDevice *)device_find_by_id("rp1"), 0), ==, 0x402fffff);
    /* A closed window (limit below base) forwards nothing. */
    cfg_wr(0, rp, PCI_MEMORY_BASE, 0x4030, 2);
    g_assert_cmphex(mem_rd(0x40200000, 4), ==, 0xffffffff);
    cfg_wr(0, rp, PCI_MEMORY_BASE, 0x4010, 2);
    cfg_wr(1, ep, PCI_BASE_ADDRESS_0, 0x40100000, 4);
    /* Outside the host's windows nothing reaches the PCI memory space. */
    g_assert_cmphex(mem_rd(0x80000000ull + RAM_SIZE + 0x100000, 4), ==, 0xffffffff);
}

static void test_secondary_bus_reset(void)
{
    int rp = PCI_DEVFN(1, 0), ep = PCI_DEVFN(0, 0);

    g_assert_cmphex(cfg_rd(1, ep, PCI_COMMAND, 2), ==, PCI_COMMAND_MEMORY);
    cfg_wr(0, rp, PCI_BRIDGE_CONTROL, PCI_BRIDGE_CTL_BUS_RESET, 2);
    cfg_wr(0, rp, PCI_BRIDGE_CONTROL, 0, 2);
    g_assert_cmphex(cfg_rd(1, ep, PCI_COMMAND, 2), ==, 0);
    g_assert_cmphex(cfg_rd(1, ep, PCI_BASE_ADDRESS_0, 4), ==, 0);
    /* The bridge itself keeps its configuration. */
    g_assert_cmpint(cfg_rd(0, rp, PCI_SECONDARY_BUS, 1), ==, 1);
}

static void test_intx_swizzle(void)
{
    PCIDevice *ep = (PCIDevice *)device_find_by_id("ep1");
    PCIDevice *conv = (PCIDevice *)device_find_by_id("conv0");

    /* Slot 4 of the root bus: INTA reaches line (0 + 4) % 4. */
    pci_irq_assert(conv);
    g_assert_cmpint(irq_level[0], ==, 1);
    pci_irq_deassert(conv);
    g_assert_cmpint(irq_level[0], ==, 0);
    /* Behind the port in slot 1: INTA becomes the port's INTA, line (0 + 1) % 4 ... */
    pci_irq_assert(ep);
    g_assert_cmpint(irq_level[1], ==, 1);
    g_assert_cmpint(irq_level[2], ==, 0);
    pci_irq_deassert(ep);
    g_assert_cmpint(irq_level[1], ==, 0);
    /* ... while the port's own INTB is line (1 + 1) % 4: the two never share. */
    pci_irq_assert((PCIDevice *)device_find_by_id("rp1"));
    g_assert_cmpint(irq_level[2], ==, 1);
    g_assert_cmpint(irq_level[1], ==, 0);
    pci_irq_deassert((PCIDevice *)device_find_by_id("rp1"));
}

static void test_root_port_errors(void)
{
    g_autofree char *dup = add_error("pcie-root-port,chassis=1,slot=1");
    g_autofree char *conv = NULL;

    g_assert_nonnull(strstr(dup, "chassis 1 slot 1 is taken by 'rp1'"));
    add("pci-bridge,id=br1,chassis_nr=1,addr=06.0");
    conv = add_error("pcie-root-port,bus=br1,chassis=9,slot=9");
    g_assert_nonnull(strstr(conv, "conventional PCI bus"));
}

/* ---- native hotplug ---- */

#define RP2 PCI_DEVFN(2, 0)
#define RP2_LINE 3 /* INTB of slot 2 */

static int rp2_exp;

static uint16_t sltsta(void)
{
    return cfg_rd(0, RP2, rp2_exp + PCI_EXP_SLTSTA, 2);
}

static uint16_t sltctl(void)
{
    return cfg_rd(0, RP2, rp2_exp + PCI_EXP_SLTCTL, 2);
}

static void set_sltctl(uint16_t clear, uint16_t set)
{
    cfg_wr(0, RP2, rp2_exp + PCI_EXP_SLTCTL, (sltctl() & ~clear) | set, 2);
}

static void test_hotplug_empty_slot(void)
{
    add("pcie-root-port,id=rp2,chassis=1,slot=2,addr=02.0");
    bridge_setup(RP2, 2, 0x40400000, 0x404fffff);
    cfg_wr(0, RP2, PCI_SUBORDINATE_BUS, 2, 1);
    rp2_exp = find_cap(0, RP2, PCI_CAP_ID_EXP, 0);
    /* Empty from power-on: powered off, indicators off, link down, no events. */
    g_assert_cmphex(sltsta(), ==, 0);
    g_assert_cmphex(sltctl() & (PCI_EXP_SLTCTL_PCC | PCI_EXP_SLTCTL_PIC | PCI_EXP_SLTCTL_AIC), ==,
                    PCI_EXP_SLTCTL_PWR_OFF | PCI_EXP_SLTCTL_PWR_IND_OFF |
                        PCI_EXP_SLTCTL_ATTN_IND_OFF);
    g_assert_false(cfg_rd(0, RP2, rp2_exp + PCI_EXP_LNKSTA, 2) & PCI_EXP_LNKSTA_DLLLA);

    /* The OS enables notifications as Linux's pciehp does: that command completes. */
    set_sltctl(0, PCI_EXP_SLTCTL_ABPE | PCI_EXP_SLTCTL_CCIE | PCI_EXP_SLTCTL_HPIE |
                      PCI_EXP_SLTCTL_DLLSCE);
    g_assert_cmphex(sltsta(), ==, PCI_EXP_SLTSTA_CC);
    g_assert_cmpint(irq_level[RP2_LINE], ==, 1);
    cfg_wr(0, RP2, rp2_exp + PCI_EXP_SLTSTA, PCI_EXP_SLTSTA_CC, 2);
    g_assert_cmphex(sltsta(), ==, 0);
    g_assert_cmpint(irq_level[RP2_LINE], ==, 0);
    /* With INTx disabled the interrupt stays pending in STATUS only. */
    cfg_wr(0, RP2, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE, 2);
    set_sltctl(0, 0);
    g_assert_cmpint(irq_level[RP2_LINE], ==, 0);
    g_assert_true(cfg_rd(0, RP2, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
    cfg_wr(0, RP2, rp2_exp + PCI_EXP_SLTSTA, PCI_EXP_SLTSTA_CC, 2);
    cfg_wr(0, RP2, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
}

static void test_hotplug_add_and_remove(void)
{
    g_autoptr(GError) err = NULL;
    DeviceState *dev;

    qdev_machine_creation_done();
    dev = add("test-pcie-dev,id=hp1,bus=rp2");
    g_assert_true(dev->hotplugged);
    /* Presence, link up, and the attention button: the OS is interrupted. */
    g_assert_cmphex(sltsta(), ==, PCI_EXP_SLTSTA_PDS | PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_ABP);
    g_assert_true(cfg_rd(0, RP2, rp2_exp + PCI_EXP_LNKSTA, 2) & PCI_EXP_LNKSTA_DLLLA);
    g_assert_cmpint(irq_level[RP2_LINE], ==, 1);
    cfg_wr(0, RP2, rp2_exp + PCI_EXP_SLTSTA, PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_ABP, 2);
    g_assert_cmpint(irq_level[RP2_LINE], ==, 0);
    /* The OS powers the slot on (blinking first) and finds the device. */
    set_sltctl(PCI_EXP_SLTCTL_PIC, PCI_EXP_SLTCTL_PWR_IND_BLINK);
    set_sltctl(PCI_EXP_SLTCTL_PCC, PCI_EXP_SLTCTL_PWR_ON);
    set_sltctl(PCI_EXP_SLTCTL_PIC, PCI_EXP_SLTCTL_PWR_IND_ON);
    g_assert_cmphex(sltsta(), ==, PCI_EXP_SLTSTA_PDS | PCI_EXP_SLTSTA_CC);
    cfg_wr(0, RP2, rp2_exp + PCI_EXP_SLTSTA, PCI_EXP_SLTSTA_CC, 2);
    g_assert_cmphex(cfg_rd(2, 0, PCI_VENDOR_ID, 4), ==, TEST_DEVICE << 16 | TEST_VENDOR);

    /* device_del presses the button; the device stays until the OS lets go. */
    g_assert_true(qdev_unplug(dev, &err));
    g_assert_no_error(err);
    g_assert_true(sltsta() & PCI_EXP_SLTSTA_ABP);
    g_assert_cmpint(irq_level[RP2_LINE], ==, 1);
    g_assert_true(device_find_by_id("hp1") == dev);
    cfg_wr(0, RP2, rp2_exp + PCI_EXP_SLTSTA, PCI_EXP_SLTSTA_ABP, 2);
    set_sltctl(PCI_EXP_SLTCTL_PIC, PCI_EXP_SLTCTL_PWR_IND_BLINK);
    /* A second press while the OS blinks would cancel the first: refused. */
    g_assert_false(qdev_unplug(dev, &err));
    g_assert_nonnull(strstr(err->message, "power indicator blinking"));
    g_clear_error(&err);
    /* Power off alone is not enough; with the power indicator off too, the device goes. */
    set_sltctl(PCI_EXP_SLTCTL_PCC, PCI_EXP_SLTCTL_PWR_OFF);
    g_assert_true(device_find_by_id("hp1") == dev);
    set_sltctl(PCI_EXP_SLTCTL_PIC, PCI_EXP_SLTCTL_PWR_IND_OFF);
    g_assert_null(device_find_by_id("hp1"));
    g_assert_true(was_deleted("hp1"));
    g_assert_cmphex(sltsta() & (PCI_EXP_SLTSTA_PDS | PCI_EXP_SLTSTA_PDC), ==, PCI_EXP_SLTSTA_PDC);
    g_assert_false(cfg_rd(0, RP2, rp2_exp + PCI_EXP_LNKSTA, 2) & PCI_EXP_LNKSTA_DLLLA);
    g_assert_cmphex(cfg_rd(2, 0, PCI_VENDOR_ID, 4), ==, 0xffffffff);
    cfg_wr(0, RP2, rp2_exp + PCI_EXP_SLTSTA, 0xffff, 2);
    g_assert_cmpint(irq_level[RP2_LINE], ==, 0);
}

static void test_hotplug_unpowered_slot_unplugs_at_once(void)
{
    g_autoptr(GError) err = NULL;
    DeviceState *dev = add("test-pcie-dev,id=hp2,bus=rp2");

    /* The OS never powers the slot on: nobody uses the device, it goes without asking. */
    cfg_wr(0, RP2, rp2_exp + PCI_EXP_SLTSTA, 0xffff, 2);
    g_assert_true(qdev_unplug(dev, &err));
    g_assert_null(device_find_by_id("hp2"));
    g_assert_true(was_deleted("hp2"));
    g_assert_cmphex(sltsta() & PCI_EXP_SLTSTA_PDS, ==, 0);
}

static void test_unplug_without_hotplug_controller(void)
{
    g_autoptr(GError) err = NULL;
    DeviceState *dev;

    /* On the root bus there is no slot: a device from the start stays, as on QEMU ... */
    g_assert_false(qdev_unplug(device_find_by_id("conv0"), &err));
    g_assert_nonnull(strstr(err->message, "does not support hotplugging"));
    g_assert_nonnull(device_find_by_id("conv0"));
    /* ... and one added while the machine ran goes at once. */
    dev = add("test-pcie-dev,id=conv1,addr=08.0");
    g_assert_cmphex(cfg_rd(0, PCI_DEVFN(8, 0), 0, 4), ==, TEST_DEVICE << 16 | TEST_VENDOR);
    g_clear_error(&err);
    g_assert_true(qdev_unplug(dev, &err));
    g_assert_null(device_find_by_id("conv1"));
    g_assert_true(was_deleted("conv1"));
    g_assert_cmphex(cfg_rd(0, PCI_DEVFN(8, 0), 0, 4), ==, 0xffffffff);
}

/* ---- virtio-pci ---- */

#define VBLK PCI_DEVFN(5, 0)
#define VBLK_LINE 1             /* INTA of slot 5 */
#define VBLK_BAR 0x440000000ull /* in the 64-bit window: 0x400000000 + 1 GiB */

static uint8_t vcap[VIRTIO_PCI_CAP_PCI_CFG + 1];

static uint32_t cap_field(int cfg_type, int off)
{
    return cfg_rd(0, VBLK, vcap[cfg_type] + off, 4);
}

static uint64_t bar_addr(int cfg_type)
{
    return VBLK_BAR + cap_field(cfg_type, VIRTIO_PCI_CAP_OFFSET);
}

static uint32_t common_rd(int off, unsigned size)
{
    return mem_rd(bar_addr(VIRTIO_PCI_CAP_COMMON_CFG) + off, size);
}

static void common_wr(int off, uint32_t v, unsigned size)
{
    mem_wr(bar_addr(VIRTIO_PCI_CAP_COMMON_CFG) + off, v, size);
}

static void test_virtio_pci_ids_and_caps(void)
{
    add("virtio-blk-pci,id=vblk,drive=pd0,addr=05.0");
    g_assert_cmphex(cfg_rd(0, VBLK, PCI_VENDOR_ID, 4), ==, 0x10421af4);
    g_assert_cmphex(cfg_rd(0, VBLK, PCI_REVISION_ID, 1), ==, 1);
    g_assert_cmphex(cfg_rd(0, VBLK, PCI_CLASS_DEVICE, 2), ==, PCI_CLASS_STORAGE_SCSI);
    g_assert_cmphex(cfg_rd(0, VBLK, PCI_SUBSYSTEM_VENDOR_ID, 4), ==, 0x11001af4);
    g_assert_cmpint(cfg_rd(0, VBLK, PCI_INTERRUPT_PIN, 1), ==, 1);
    /* Conventional on the root bus, as QEMU's. */
    g_assert_cmpint(find_cap(0, VBLK, PCI_CAP_ID_EXP, 0), ==, 0);
    for (int t = VIRTIO_PCI_CAP_COMMON_CFG; t <= VIRTIO_PCI_CAP_PCI_CFG; t++) {
        vcap[t] = find_cap(0, VBLK, PCI_CAP_ID_VNDR, t);
        g_assert_cmpint(vcap[t], !=, 0);
    }
    g_assert_cmpint(cfg_rd(0, VBLK, vcap[VIRTIO_PCI_CAP_COMMON_CFG] + 2, 1), ==, 16);
    g_assert_cmpint(cfg_rd(0, VBLK, vcap[VIRTIO_PCI_CAP_NOTIFY_CFG] + 2, 1), ==, 20);
    g_assert_cmpint(cfg_rd(0, VBLK, vcap[VIRTIO_PCI_CAP_PCI_CFG] + 2, 1), ==, 20);
    for (int t = VIRTIO_PCI_CAP_COMMON_CFG; t <= VIRTIO_PCI_CAP_DEVICE_CFG; t++) {
        g_assert_cmpint(cfg_rd(0, VBLK, vcap[t] + VIRTIO_PCI_CAP_BAR, 1), ==, 4);
        g_assert_cmphex(cap_field(t, VIRTIO_PCI_CAP_LENGTH), >=, 4);
    }
    g_assert_cmphex(cap_field(VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_CAP_LENGTH), >=,
                    VIRTIO_PCI_COMMON_SIZE);
    g_assert_cmphex(cap_field(VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_NOTIFY_CAP_MULT), ==, 4);
    /* BAR 4: 64-bit prefetchable, 16 KiB. */
    g_assert_cmphex(cfg_rd(0, VBLK, PCI_BASE_ADDRESS_0 + 16, 4), ==, 0xc);
    cfg_wr(0, VBLK, PCI_BASE_ADDRESS_0 + 16, 0xffffffff, 4);
    g_assert_cmphex(cfg_rd(0, VBLK, PCI_BASE_ADDRESS_0 + 16, 4), ==, 0xffffc00c);
    g_assert_cmphex(cfg_rd(0, VBLK, PCI_BASE_ADDRESS_0 + 0, 4), ==, 0); /* nothing else */
    cfg_wr(0, VBLK, PCI_BASE_ADDRESS_0 + 16, (uint32_t)VBLK_BAR | 0xc, 4);
    cfg_wr(0, VBLK, PCI_BASE_ADDRESS_0 + 20, VBLK_BAR >> 32, 4);
    cfg_wr(0, VBLK, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
    g_assert_cmphex(pci_get_bar_addr((PCIDevice *)device_find_by_id("vblk"), 4), ==, VBLK_BAR);
}

static uint64_t g64(uint64_t a)
{
    uint64_t v = 0;

    address_space_read(&address_space_memory, a, &v, 8);
    return v;
}

static void p64(uint64_t a, uint64_t v)
{
    address_space_write(&address_space_memory, a, &v, 8);
}

static void test_virtio_pci_blk_read(void)
{
    uint64_t desc = RAM_BASE, avail = RAM_BASE + 0x1000, used = RAM_BASE + 0x2000;
    uint64_t hdr = RAM_BASE + 0x3000, data = RAM_BASE + 0x4000, status = RAM_BASE + 0x5000;
    uint64_t features, want;
    uint16_t notify_off;
    gint64 deadline;
    uint8_t buf[512], st;

    for (uint64_t a = RAM_BASE; a < RAM_BASE + 0x6000; a += 8) {
        p64(a, 0);
    }
    /* §3.1.1: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, queues, DRIVER_OK. */
    common_wr(VIRTIO_PCI_COMMON_STATUS, 0, 1);
    g_assert_cmpint(common_rd(VIRTIO_PCI_COMMON_STATUS, 1), ==, 0);
    common_wr(VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
    common_wr(VIRTIO_PCI_COMMON_DFSELECT, 1, 4);
    features = (uint64_t)common_rd(VIRTIO_PCI_COMMON_DF, 4) << 32;
    common_wr(VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
    features |= common_rd(VIRTIO_PCI_COMMON_DF, 4);
    g_assert_true(features & (1ull << VIRTIO_F_VERSION_1));
    want = 1ull << VIRTIO_F_VERSION_1;
    common_wr(VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
    common_wr(VIRTIO_PCI_COMMON_GF, want >> 32, 4);
    common_wr(VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
    common_wr(VIRTIO_PCI_COMMON_GF, (uint32_t)want, 4);
    common_wr(VIRTIO_PCI_COMMON_STATUS, 0xb, 1);
    g_assert_cmphex(common_rd(VIRTIO_PCI_COMMON_STATUS, 1), ==, 0xb);
    g_assert_cmpint(common_rd(VIRTIO_PCI_COMMON_NUMQ, 2), ==, 1);
    g_assert_cmphex(common_rd(VIRTIO_PCI_COMMON_MSIX, 2), ==, VIRTIO_MSI_NO_VECTOR);
    /* A queue that does not exist has size 0. */
    common_wr(VIRTIO_PCI_COMMON_Q_SELECT, 5, 2);
    g_assert_cmpint(common_rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), ==, 0);
    common_wr(VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
    g_assert_cmpint(common_rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), ==, 256);
    common_wr(VIRTIO_PCI_COMMON_Q_SIZE, QSIZE, 2);
    common_wr(VIRTIO_PCI_COMMON_Q_DESCLO, (uint32_t)desc, 4);
    common_wr(VIRTIO_PCI_COMMON_Q_DESCHI, desc >> 32, 4);
    common_wr(VIRTIO_PCI_COMMON_Q_AVAILLO, (uint32_t)avail, 4);
    common_wr(VIRTIO_PCI_COMMON_Q_AVAILHI, avail >> 32, 4);
    common_wr(VIRTIO_PCI_COMMON_Q_USEDLO, (uint32_t)used, 4);
    common_wr(VIRTIO_PCI_COMMON_Q_USEDHI, used >> 32, 4);
    g_assert_cmphex(common_rd(VIRTIO_PCI_COMMON_Q_USEDLO, 4), ==, (uint32_t)used);
    common_wr(VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
    g_assert_cmpint(common_rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), ==, 1);
    notify_off = common_rd(VIRTIO_PCI_COMMON_Q_NOFF, 2);
    common_wr(VIRTIO_PCI_COMMON_STATUS, 0xf, 1);
    /* Wrong-width accesses are dropped (logged): device_status is one byte. */
    common_wr(VIRTIO_PCI_COMMON_STATUS, 0, 4);
    g_assert_cmphex(common_rd(VIRTIO_PCI_COMMON_STATUS, 1), ==, 0xf);
    g_assert_cmphex(common_rd(VIRTIO_PCI_COMMON_STATUS, 2), ==, 0);
    /* The capacity in the device configuration: 1 MiB of 512-byte sectors. */
    g_assert_cmpint(mem_rd(bar_addr(VIRTIO_PCI_CAP_DEVICE_CFG), 4), ==, 2048);

    /* IN, sector 1: header, 512 bytes of data, status. */
    mem_wr(hdr, VIRTIO_BLK_T_IN, 4);
    mem_wr(hdr + 4, 0, 4);
    p64(hdr + 8, 1);
    mem_wr(status, 0xff, 1);
    p64(desc, hdr);
    mem_wr(desc + 8, 16, 4);
    mem_wr(desc + 12, 1 | 1 << 16, 4); /* NEXT, next 1 */
    p64(desc + 16, data);
    mem_wr(desc + 24, 512, 4);
    mem_wr(desc + 28, 1 | 2 | 2 << 16, 4); /* NEXT | WRITE, next 2 */
    p64(desc + 32, status);
    mem_wr(desc + 40, 1, 4);
    mem_wr(desc + 44, 2, 4); /* WRITE */
    mem_wr(avail + 4, 0, 2);
    mem_wr(avail + 2, 1, 2);
    g_assert_cmpint(irq_level[VBLK_LINE], ==, 0);
    mem_wr(bar_addr(VIRTIO_PCI_CAP_NOTIFY_CFG) + notify_off * 4, 0, 2);
    deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (mem_rd(used + 2, 2) != 1 && g_get_monotonic_time() < deadline) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(100);
    }
    g_assert_cmpint(mem_rd(used + 2, 2), ==, 1);
    st = mem_rd(status, 1);
    g_assert_cmpint(st, ==, VIRTIO_BLK_S_OK);
    address_space_read(&address_space_memory, data, buf, sizeof(buf));
    for (int i = 0; i < 512; i++) {
        g_assert_cmpint(buf[i], ==, (uint8_t)(512 + i));
    }
    /* INTx is up while the ISR holds the queue bit; reading the ISR clears both. */
    g_assert_cmpint(irq_level[VBLK_LINE], ==, 1);
    g_assert_cmphex(mem_rd(bar_addr(VIRTIO_PCI_CAP_ISR_CFG), 1), ==, VIRTIO_ISR_QUEUE);
    g_assert_cmpint(irq_level[VBLK_LINE], ==, 0);
    g_assert_cmphex(mem_rd(bar_addr(VIRTIO_PCI_CAP_ISR_CFG), 1), ==, 0);
    (void)g64;
}

static void test_virtio_pci_cfg_access_capability(void)
{
    int cap = vcap[VIRTIO_PCI_CAP_PCI_CFG];

    /* num_queues through configuration space: bar 4, offset 0x12, 2 bytes. */
    cfg_wr(0, VBLK, cap + VIRTIO_PCI_CAP_BAR, 4, 1);
    cfg_wr(0, VBLK, cap + VIRTIO_PCI_CAP_OFFSET, VIRTIO_PCI_COMMON_BASE + VIRTIO_PCI_COMMON_NUMQ,
           4);
    cfg_wr(0, VBLK, cap + VIRTIO_PCI_CAP_LENGTH, 2, 4);
    g_assert_cmphex(cfg_rd(0, VBLK, cap + VIRTIO_PCI_CFG_CAP_DATA, 2), ==, 1);
    /* A write through it: device_status back to 0 resets the device. */
    cfg_wr(0, VBLK, cap + VIRTIO_PCI_CAP_OFFSET, VIRTIO_PCI_COMMON_BASE + VIRTIO_PCI_COMMON_STATUS,
           4);
    cfg_wr(0, VBLK, cap + VIRTIO_PCI_CAP_LENGTH, 1, 4);
    g_assert_cmphex(cfg_rd(0, VBLK, cap + VIRTIO_PCI_CFG_CAP_DATA, 1), ==, 0xf);
    cfg_wr(0, VBLK, cap + VIRTIO_PCI_CFG_CAP_DATA, 0, 1);
    g_assert_cmphex(common_rd(VIRTIO_PCI_COMMON_STATUS, 1), ==, 0);
    /* A window outside the BAR or of a bad length does nothing. */
    cfg_wr(0, VBLK, cap + VIRTIO_PCI_CAP_OFFSET, 0x10000, 4);
    cfg_wr(0, VBLK, cap + VIRTIO_PCI_CFG_CAP_DATA, 0xffffffff, 4);
    cfg_wr(0, VBLK, cap + VIRTIO_PCI_CAP_LENGTH, 3, 4);
    cfg_wr(0, VBLK, cap + VIRTIO_PCI_CFG_CAP_DATA, 0xffffffff, 4);
    g_assert_cmphex(common_rd(VIRTIO_PCI_COMMON_STATUS, 1), ==, 0);
}

static void test_virtio_pci_behind_port_is_express_and_hot_removable(void)
{
    g_autoptr(GError) err = NULL;
    DeviceState *dev;
    int exp;

    cfg_wr(0, RP2, rp2_exp + PCI_EXP_SLTSTA, 0xffff, 2);
    dev = add("virtio-rng-pci,id=vrng,bus=rp2");
    g_assert_cmphex(cfg_rd(2, 0, PCI_VENDOR_ID, 4), ==, 0x10441af4);
    exp = find_cap(2, 0, PCI_CAP_ID_EXP, 0);
    g_assert_cmpint(exp, !=, 0);
    g_assert_cmphex(cfg_rd(2, 0, exp + PCI_EXP_FLAGS, 2) & PCI_EXP_FLAGS_TYPE, ==,
                    PCI_EXP_TYPE_ENDPOINT << 4);
    g_assert_cmphex(cfg_rd(2, 0, 0x100, 4), ==, 0);
    g_assert_nonnull(virtio_pci_get_vdev((PCIDevice *)dev));
    /* The slot is unpowered (the OS never answered): it goes at once, bus and all. */
    g_assert_true(qdev_unplug(dev, &err));
    g_assert_null(device_find_by_id("vrng"));
    g_assert_null(bus_find("vrng.virtio-bus"));
    /* The drive of a removed virtio-blk-pci is free for the next one. */
    dev = add("virtio-blk-pci,id=vblk2,drive=pd1,bus=rp2");
    g_assert_true(qdev_unplug(dev, &err));
    dev = add("virtio-blk-pci,id=vblk3,drive=pd1,bus=rp2");
    g_assert_true(qdev_unplug(dev, &err));
}

/* The virtio device inside a proxy goes by the proxy's id and type: info network, drive owner. */
static void test_virtio_pci_device_goes_by_the_proxy(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *msg = NULL;
    DeviceState *dev = add("virtio-blk-pci,id=vblk4,drive=pd1,bus=rp2");
    NetClient *nc;

    msg = add_error("virtio-blk-pci,id=vblk5,drive=pd1,addr=07.0");
    g_assert_nonnull(strstr(msg, "in use by device 'vblk4'"));
    g_assert_true(qdev_unplug(dev, &err));
    dev = add("virtio-net-pci,id=vnet0,bus=rp2");
    nc = net_client_find("vnet0");
    g_assert_nonnull(nc);
    g_assert_cmpstr(nc->model, ==, "virtio-net-pci");
    g_assert_true(qdev_unplug(dev, &err));
    g_assert_null(net_client_find("vnet0"));
}

static void test_info_pci(void)
{
    g_autofree char *info = pci_info_string();

    g_assert_nonnull(strstr(info, "  Bus  0, device   1, function 0:\n"
                                  "    PCI bridge: PCI device 1b36:000c\n"
                                  "      IRQ 0, pin B\n"
                                  "      BUS 0.\n"
                                  "      secondary bus 1.\n"
                                  "      subordinate bus 1.\n"));
    g_assert_nonnull(strstr(info, "      memory range [0x40100000, 0x402fffff]\n"));
    /* The device behind the bridge follows it, on bus 1. */
    g_assert_nonnull(strstr(info, "      id \"rp1\"\n"
                                  "  Bus  1, device   0, function 0:\n"));
    g_assert_nonnull(strstr(info, "    SCSI controller: PCI device 1af4:1042\n"
                                  "      PCI subsystem 1af4:1100\n"
                                  "      IRQ 0, pin A\n"
                                  "      BAR4: 64 bit prefetchable memory at 0x440000000 "
                                  "[0x440003fff].\n"
                                  "      id \"vblk\"\n"));
}

/* ---- bus-master DMA ---- */

static void test_dma_needs_every_bus_master(void)
{
    PCIDevice *rp = (PCIDevice *)add("pcie-root-port,id=rpdma,chassis=30,slot=30,addr=1e.0");
    PCIDevice *ep = (PCIDevice *)add("test-pcie-dev,id=epdma,bus=rpdma");
    uint8_t out[16] = "bus-master dma!", in[16] = {0};
    uint64_t at = RAM_BASE + 0x8000;

    /* The endpoint is a master, the port above it is not: nothing moves. */
    pci_set_word(ep->config + PCI_COMMAND, PCI_COMMAND_MASTER);
    pci_set_word(rp->config + PCI_COMMAND, 0);
    g_assert_cmpint(pci_dma_rw(ep, at, out, sizeof(out), true), ==, PCI_DMA_NOT_MASTER);
    g_assert_cmphex(mem_rd(at, 4), ==, 0);
    pci_set_word(rp->config + PCI_COMMAND, PCI_COMMAND_MASTER);
    g_assert_cmpint(pci_dma_rw(ep, at, out, sizeof(out), true), ==, PCI_DMA_OK);
    g_assert_cmpint(pci_dma_rw(ep, at, in, sizeof(in), false), ==, PCI_DMA_OK);
    g_assert_cmpmem(in, sizeof(in), out, sizeof(out));
    g_assert_false(pci_get_word(ep->config + PCI_STATUS) & PCI_STATUS_REC_MASTER_ABORT);

    /* Past the end of RAM, and a range that wraps: master aborts, recorded in the status. */
    g_assert_cmpint(pci_dma_rw(ep, RAM_BASE + RAM_SIZE - 8, in, sizeof(in), false), ==,
                    PCI_DMA_ABORTED);
    g_assert_true(pci_get_word(ep->config + PCI_STATUS) & PCI_STATUS_REC_MASTER_ABORT);
    pci_set_word(ep->config + PCI_STATUS, 0);
    g_assert_cmpint(pci_dma_rw(ep, UINT64_MAX - 4, in, sizeof(in), false), ==, PCI_DMA_ABORTED);
    g_assert_true(pci_get_word(ep->config + PCI_STATUS) & PCI_STATUS_REC_MASTER_ABORT);
}

/* ---- setup ---- */

static void make_image(const char *name, const char *id)
{
    g_autofree char *path = g_build_filename(tmpdir, name, NULL);
    g_autofree char *spec = g_strdup_printf("file=%s,format=raw,if=none,id=%s", path, id);
    g_autofree uint8_t *img = g_malloc(1 * MiB);
    g_autoptr(GError) err = NULL;

    for (size_t i = 0; i < 1 * MiB; i++) {
        img[i] = (uint8_t)i;
    }
    g_assert_true(g_file_set_contents(path, (char *)img, 1 * MiB, &err));
    if (!drive_add_from_spec(spec, &err)) {
        g_error("-drive %s: %s", spec, err->message);
    }
}

int main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    IrqLine *irqs;
    GPEXConfig cfg = {
        .ecam_base = ECAM_BASE,
        .ecam_size = ECAM_SIZE,
        .mmio_base = MMIO_BASE,
        .mmio_size = MMIO_SIZE,
        .high_mmio_base = HIGH_MMIO_BASE,
        .high_mmio_size = 16 * GiB,
        .pio_base = PIO_BASE,
        .pio_size = 0x10000,
    };
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("test-pcie-XXXXXX", NULL);
    deleted_ids = g_ptr_array_new_with_free_func(g_free);
    memory_map_init();
    g_assert_true(memory_region_init_ram(&ram, "ram", RAM_SIZE, &err));
    memory_region_add_subregion(get_system_memory(), RAM_BASE, &ram);
    device_class_register(&test_dev_class.parent);
    qdev_add_unplug_notifier(record_deleted);
    make_image("a.img", "pd0");
    make_image("b.img", "pd1");
    irqs = irq_allocate(irq_handler, NULL, GPEX_NUM_IRQS);
    for (int i = 0; i < GPEX_NUM_IRQS; i++) {
        cfg.irq[i] = &irqs[i];
    }
    host = gpex_host_create(&cfg, &err);
    g_assert_no_error(err);

    g_test_add_func("/pcie/ecam-decode", test_ecam_decode);
    g_test_add_func("/pcie/config-conventional-extended-space-reads-ones",
                    test_conventional_extended_space);
    g_test_add_func("/pcie/bars-in-the-windows", test_bars_in_the_windows);
    g_test_add_func("/pcie/root-port-cold-plug", test_root_port_cold_plug);
    g_test_add_func("/pcie/bridge-bus-numbers", test_bridge_bus_numbers);
    g_test_add_func("/pcie/config-express-extended-capabilities",
                    test_express_extended_capabilities);
    g_test_add_func("/pcie/bridge-window-forwarding", test_bridge_window_forwarding);
    g_test_add_func("/pcie/bridge-secondary-bus-reset", test_secondary_bus_reset);
    g_test_add_func("/pcie/intx-swizzle", test_intx_swizzle);
    g_test_add_func("/pcie/root-port-errors", test_root_port_errors);
    g_test_add_func("/pcie/hotplug-empty-slot", test_hotplug_empty_slot);
    g_test_add_func("/pcie/hotplug-add-and-remove", test_hotplug_add_and_remove);
    g_test_add_func("/pcie/hotplug-unpowered-slot-unplugs-at-once",
                    test_hotplug_unpowered_slot_unplugs_at_once);
    g_test_add_func("/pcie/hotplug-no-controller-refuses-cold-plugged-devices",
                    test_unplug_without_hotplug_controller);
    g_test_add_func("/pcie/virtio-pci-ids-and-capabilities", test_virtio_pci_ids_and_caps);
    g_test_add_func("/pcie/virtio-pci-blk-read-with-intx", test_virtio_pci_blk_read);
    g_test_add_func("/pcie/virtio-pci-config-access-capability",
                    test_virtio_pci_cfg_access_capability);
    g_test_add_func("/pcie/virtio-pci-behind-port-is-express-and-hot-removable",
                    test_virtio_pci_behind_port_is_express_and_hot_removable);
    g_test_add_func("/pcie/virtio-pci-device-goes-by-the-proxy",
                    test_virtio_pci_device_goes_by_the_proxy);
    g_test_add_func("/pcie/info-pci", test_info_pci);
    g_test_add_func("/pcie/dma-needs-every-bus-master", test_dma_needs_every_bus_master);

    ret = g_test_run();
    device_destroy(host);
    drive_close_all();
    g_free(irqs);
    for (const char *const *name = (const char *const[]){"a.img", "b.img", NULL}; *name; name++) {
        g_autofree char *path = g_build_filename(tmpdir, *name, NULL);
        g_unlink(path);
    }
    g_rmdir(tmpdir);
    g_free(tmpdir);
    g_ptr_array_unref(deleted_ids);
    return ret;
}
