/*
 * The PCI core behind the i440FX host: configuration mechanism #1 at
 * 0xcf8/0xcfc, the chipset functions' ids, BAR sizing and mapping (a test
 * device with a 4 KiB MMIO BAR, an I/O BAR and a 64-bit BAR), devfn
 * placement and its errors, INTx routing through PIIX3's PIRQ registers,
 * capabilities, the reset control register and info pci.
 */
#include "hw/pci/pci.h"
#include "hw/pci/i440fx.h"
#include "hw/isa/isa.h"
#include "system/memory.h"
#include "util/error.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA 0xcfc
#define TEST_VENDOR 0x1234
#define TEST_DEVICE 0x11e8

static int irq_level[ISA_NUM_IRQS];
static BusState *pci_bus;

static void isa_irq_handler(void *opaque, int n, int level)
{
    irq_level[n] = level;
}

/* ---- a test device: BAR0 4 KiB MMIO, BAR1 32 bytes of I/O, BAR2/3 64-bit 1 MiB ---- */

typedef struct TestPCIState {
    PCIDevice parent;
    MemoryRegion mmio;
    MemoryRegion io;
    MemoryRegion mmio64;
    uint32_t reg[1024];
} TestPCIState;

static uint64_t test_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    TestPCIState *s = opaque;
    return s->reg[addr / 4];
}

static void test_mmio_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    TestPCIState *s = opaque;
    s->reg[addr / 4] = val;
}

static const MemoryRegionOps test_mmio_ops = {
    .read = test_mmio_read,
    .write = test_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 4, .max_access_size = 4},
    .impl = {.min_access_size = 4, .max_access_size = 4},
};

static bool test_pci_realize(PCIDevice *dev, GError **errp)
{
    TestPCIState *s = (TestPCIState *)dev;

    memory_region_init_io(&s->mmio, &test_mmio_ops, s, "test-pci-mmio", 4096);
    memory_region_init_io(&s->io, &test_mmio_ops, s, "test-pci-io", 32);
    memory_region_init_io(&s->mmio64, &test_mmio_ops, s, "test-pci-mmio64", 1 * MiB);
    pci_register_bar(dev, 0, PCI_BAR_TYPE_MEM32, &s->mmio);
    pci_register_bar(dev, 1, PCI_BAR_TYPE_IO, &s->io);
    pci_register_bar(dev, 2, PCI_BAR_TYPE_MEM64 | PCI_BAR_TYPE_PREFETCH, &s->mmio64);
    s->reg[0] = 0xcafef00d;
    return pci_add_capability(dev, PCI_CAP_ID_VNDR, 0, 8, errp) != 0;
}

static void test_pci_unrealize(PCIDevice *dev)
{
    TestPCIState *s = (TestPCIState *)dev;

    memory_region_destroy(&s->mmio);
    memory_region_destroy(&s->io);
    memory_region_destroy(&s->mmio64);
}

static PCIDeviceClass test_pci_class = {
    .parent =
        {
            .name = "test-pci",
            .parent = TYPE_PCI_DEVICE,
            .instance_size = sizeof(TestPCIState),
            .bus_type = BUS_PCI,
            .user_creatable = true,
        },
    .vendor_id = TEST_VENDOR,
    .device_id = TEST_DEVICE,
    .class_id = PCI_CLASS_OTHERS,
    .interrupt_pin = 1,
    .realize = test_pci_realize,
    .unrealize = test_pci_unrealize,
};

/* ---- access helpers ---- */

static uint32_t in(uint16_t port, unsigned size)
{
    uint32_t v = 0;
    address_space_read(&address_space_io, port, &v, size);
    return v;
}

static void out(uint16_t port, uint32_t v, unsigned size)
{
    address_space_write(&address_space_io, port, &v, size);
}

static uint32_t cfg_read(int devfn, uint8_t reg, unsigned size)
{
    out(CONFIG_ADDRESS, 0x80000000u | devfn << 8 | (reg & 0xfc), 4);
    return in(CONFIG_DATA + (reg & 3), size);
}

static void cfg_write(int devfn, uint8_t reg, uint32_t v, unsigned size)
{
    out(CONFIG_ADDRESS, 0x80000000u | devfn << 8 | (reg & 0xfc), 4);
    out(CONFIG_DATA + (reg & 3), v, size);
}

static uint32_t mem_read32(uint64_t addr)
{
    uint32_t v;
    address_space_read(&address_space_memory, addr, &v, 4);
    return v;
}

static PCIDevice *add_test_device(const char *spec, GError **errp)
{
    return (PCIDevice *)qdev_device_add(spec, errp);
}

/* ---- tests ---- */

static void test_host_bridge_ids(void)
{
    g_assert_cmphex(cfg_read(PCI_DEVFN(0, 0), PCI_VENDOR_ID, 4), ==, 0x12378086);
    g_assert_cmphex(cfg_read(PCI_DEVFN(0, 0), PCI_CLASS_DEVICE, 2), ==, 0x0600);
    g_assert_cmphex(cfg_read(PCI_DEVFN(0, 0), PCI_REVISION_ID, 1), ==, 0x02);
    g_assert_cmphex(cfg_read(PCI_DEVFN(0, 0), PCI_SUBSYSTEM_VENDOR_ID, 4), ==, 0x11001af4);
    g_assert_cmphex(cfg_read(PCI_DEVFN(1, 0), PCI_VENDOR_ID, 2), ==, 0x8086);
    g_assert_cmphex(cfg_read(PCI_DEVFN(1, 0), PCI_DEVICE_ID, 2), ==, 0x7000);
    g_assert_cmphex(cfg_read(PCI_DEVFN(1, 0), PCI_CLASS_DEVICE, 2), ==, 0x0601);
    g_assert_cmphex(cfg_read(PCI_DEVFN(1, 0), PCI_HEADER_TYPE, 1), ==, 0x80);
    /* Byte and word reads at every offset of CONFIG_DATA. */
    g_assert_cmphex(cfg_read(PCI_DEVFN(0, 0), 0x01, 1), ==, 0x80);
    g_assert_cmphex(cfg_read(PCI_DEVFN(0, 0), 0x02, 2), ==, 0x1237);
    g_assert_cmphex(cfg_read(PCI_DEVFN(0, 0), 0x03, 1), ==, 0x12);
}

static void test_config_mechanism(void)
{
    /* An empty slot and a disabled CONFIG_ADDRESS read all ones. */
    g_assert_cmphex(cfg_read(PCI_DEVFN(0x1f, 0), 0, 4), ==, 0xffffffff);
    out(CONFIG_ADDRESS, 0x00000000, 4);
    g_assert_cmphex(in(CONFIG_DATA, 4), ==, 0xffffffff);
    g_assert_cmphex(in(CONFIG_DATA, 2), ==, 0xffff);
    /* Another bus number: nothing there. */
    out(CONFIG_ADDRESS, 0x80010000, 4);
    g_assert_cmphex(in(CONFIG_DATA, 4), ==, 0xffffffff);
    /* CONFIG_ADDRESS reads back without its reserved bits; narrow writes do nothing. */
    out(CONFIG_ADDRESS, 0xff123457, 4);
    g_assert_cmphex(in(CONFIG_ADDRESS, 4), ==, 0x80123454);
    out(CONFIG_ADDRESS + 3, 0x01, 1);
    g_assert_cmphex(in(CONFIG_ADDRESS, 4), ==, 0x80123454);
    /* Read-only registers ignore writes. */
    cfg_write(PCI_DEVFN(0, 0), PCI_VENDOR_ID, 0xffffffff, 4);
    g_assert_cmphex(cfg_read(PCI_DEVFN(0, 0), PCI_VENDOR_ID, 4), ==, 0x12378086);
    /* Device-specific registers are read/write (i440FX PAM0). */
    cfg_write(PCI_DEVFN(0, 0), 0x59, 0x30, 1);
    g_assert_cmphex(cfg_read(PCI_DEVFN(0, 0), 0x59, 1), ==, 0x30);
}

static void test_reset_control_register(void)
{
    out(0xcf9, 0x02, 1);
    g_assert_cmphex(in(0xcf9, 1), ==, 0x02);
    /* The RCR byte does not break dword access to CONFIG_ADDRESS around it. */
    out(CONFIG_ADDRESS, 0x80000000, 4);
    g_assert_cmphex(in(CONFIG_ADDRESS, 4), ==, 0x80000000);
    g_assert_cmphex(in(CONFIG_DATA, 4), ==, 0x12378086);
    g_assert_cmphex(in(0xcf9, 1), ==, 0x02);
    out(0xcf9, 0x00, 1);
    g_assert_cmphex(in(0xcf9, 1), ==, 0x00);
}

static void test_bar_sizing_and_mapping(void)
{
    GError *err = NULL;
    PCIDevice *dev = add_test_device("test-pci,addr=05.0,id=tp0", &err);
    int devfn = PCI_DEVFN(5, 0);

    g_assert_no_error(err);
    g_assert_nonnull(dev);
    g_assert_cmphex(cfg_read(devfn, PCI_VENDOR_ID, 4), ==, TEST_DEVICE << 16 | TEST_VENDOR);
    g_assert_cmphex(cfg_read(devfn, PCI_BASE_ADDRESS_0, 4), ==, 0x00000000);
    g_assert_cmphex(cfg_read(devfn, PCI_BASE_ADDRESS_0 + 4, 4), ==, 0x00000001);
    g_assert_cmphex(cfg_read(devfn, PCI_BASE_ADDRESS_0 + 8, 4), ==, 0x0000000c);

    /* Sizing: all ones read back as the size mask with the type bits. */
    cfg_write(devfn, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
    g_assert_cmphex(cfg_read(devfn, PCI_BASE_ADDRESS_0, 4), ==, 0xfffff000);
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 4, 0xffffffff, 4);
    g_assert_cmphex(cfg_read(devfn, PCI_BASE_ADDRESS_0 + 4, 4), ==, 0xffffffe1);
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 8, 0xffffffff, 4);
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 12, 0xffffffff, 4);
    g_assert_cmphex(cfg_read(devfn, PCI_BASE_ADDRESS_0 + 8, 4), ==, 0xfff0000c);
    g_assert_cmphex(cfg_read(devfn, PCI_BASE_ADDRESS_0 + 12, 4), ==, 0xffffffff);

    /* Programmed, but decoding is off: nothing at the address yet. */
    cfg_write(devfn, PCI_BASE_ADDRESS_0, 0xfebf0000, 4);
    g_assert_cmphex(cfg_read(devfn, PCI_BASE_ADDRESS_0, 4), ==, 0xfebf0000);
    g_assert_cmphex(mem_read32(0xfebf0000), ==, 0xffffffff);
    g_assert_cmphex(pci_get_bar_addr(dev, 0), ==, PCI_BAR_UNMAPPED);

    cfg_write(devfn, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    g_assert_cmphex(pci_get_bar_addr(dev, 0), ==, 0xfebf0000);
    g_assert_cmphex(mem_read32(0xfebf0000), ==, 0xcafef00d);
    /* The 64-bit BAR still holds the sizing pattern: it decodes nothing. */
    g_assert_cmphex(pci_get_bar_addr(dev, 2), ==, PCI_BAR_UNMAPPED);

    /* Moving the BAR moves the device. */
    cfg_write(devfn, PCI_BASE_ADDRESS_0, 0xfebe0000, 4);
    g_assert_cmphex(mem_read32(0xfebf0000), ==, 0xffffffff);
    g_assert_cmphex(mem_read32(0xfebe0000), ==, 0xcafef00d);
    /* Sizing while decoding: the all-ones address is ignored, the BAR unmapped. */
    cfg_write(devfn, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
    g_assert_cmphex(pci_get_bar_addr(dev, 0), ==, PCI_BAR_UNMAPPED);
    g_assert_cmphex(mem_read32(0xfebe0000), ==, 0xffffffff);
    cfg_write(devfn, PCI_BASE_ADDRESS_0, 0xfebe0000, 4);

    /* A 64-bit BAR above 4 GiB. */
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 8, 0x00000000, 4);
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 12, 0x00000008, 4);
    g_assert_cmphex(pci_get_bar_addr(dev, 2), ==, 0x800000000ull);
    g_assert_cmphex(mem_read32(0x800000000ull), ==, 0xcafef00d);

    /* The I/O BAR needs COMMAND.IO. */
    cfg_write(devfn, PCI_BASE_ADDRESS_0 + 4, 0xc000, 4);
    g_assert_cmphex(in(0xc000, 4), ==, 0xffffffff);
    cfg_write(devfn, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO, 2);
    out(0xc004, 0x5555aaaa, 4);
    g_assert_cmphex(in(0xc004, 4), ==, 0x5555aaaa);
    g_assert_cmphex(mem_read32(0xfebe0004), ==, 0x5555aaaa);

    /* Clearing COMMAND.MEM unmaps the memory BARs and keeps their values. */
    cfg_write(devfn, PCI_COMMAND, PCI_COMMAND_IO, 2);
    g_assert_cmphex(mem_read32(0xfebe0000), ==, 0xffffffff);
    g_assert_cmphex(cfg_read(devfn, PCI_BASE_ADDRESS_0, 4), ==, 0xfebe0000);
    g_assert_cmphex(in(0xc004, 4), ==, 0x5555aaaa);

    /* Reset: decoding off, BARs back to zero. */
    device_reset(&dev->qdev);
    g_assert_cmphex(cfg_read(devfn, PCI_COMMAND, 2), ==, 0);
    g_assert_cmphex(cfg_read(devfn, PCI_BASE_ADDRESS_0, 4), ==, 0);
    g_assert_cmphex(in(0xc004, 4), ==, 0xffffffff);
}

static void test_capability_list(void)
{
    int devfn = PCI_DEVFN(5, 0);
    uint8_t cap;

    g_assert_cmphex(cfg_read(devfn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, ==, PCI_STATUS_CAP_LIST);
    cap = cfg_read(devfn, PCI_CAPABILITY_LIST, 1);
    g_assert_cmphex(cap, ==, 0x40);
    g_assert_cmphex(cfg_read(devfn, cap, 1), ==, PCI_CAP_ID_VNDR);
    g_assert_cmphex(cfg_read(devfn, cap + 1, 1), ==, 0x00);
    /* The capability header is read-only. */
    cfg_write(devfn, cap, 0xffff, 2);
    g_assert_cmphex(cfg_read(devfn, cap, 2), ==, PCI_CAP_ID_VNDR);
}

static void test_devfn_allocation(void)
{
    GError *err = NULL;
    PCIDevice *dev;

    /* Slots 0, 1 and 5 are taken: the first free one is 2. */
    dev = add_test_device("test-pci,id=auto0", &err);
    g_assert_no_error(err);
    g_assert_cmpint(dev->devfn, ==, PCI_DEVFN(2, 0));
    g_assert_cmpstr(dev->addr, ==, "02.0");
    g_assert_cmphex(cfg_read(PCI_DEVFN(2, 0), PCI_VENDOR_ID, 2), ==, TEST_VENDOR);

    g_assert_null(add_test_device("test-pci,addr=05.0", &err));
    g_assert_nonnull(strstr(err->message, "05.0"));
    g_assert_nonnull(strstr(err->message, "already taken by 'tp0'"));
    g_assert_nonnull(strstr(err->message, "addr=03.0"));
    g_clear_error(&err);

    g_assert_null(add_test_device("test-pci,addr=zz", &err));
    g_assert_nonnull(strstr(err->message, "e.g. addr=03.0"));
    g_clear_error(&err);
    g_assert_null(add_test_device("test-pci,addr=20.0", &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    g_assert_null(add_test_device("test-pci,addr=3.8", &err));
    g_assert_nonnull(err);
    g_clear_error(&err);

    /* Function 1 needs a multifunction function 0: PIIX3 is, the test device is not. */
    g_assert_null(add_test_device("test-pci,addr=05.1", &err));
    g_assert_nonnull(strstr(err->message, "multifunction"));
    g_clear_error(&err);
    dev = add_test_device("test-pci,addr=01.2,id=fn2", &err);
    g_assert_no_error(err);
    g_assert_cmpint(dev->devfn, ==, PCI_DEVFN(1, 2));
    device_destroy(&dev->qdev);
    g_assert_cmphex(cfg_read(PCI_DEVFN(1, 2), PCI_VENDOR_ID, 2), ==, 0xffff);

    /* "3" means slot 3, function 0. */
    dev = add_test_device("test-pci,addr=3,id=slot3", &err);
    g_assert_no_error(err);
    g_assert_cmpint(dev->devfn, ==, PCI_DEVFN(3, 0));
    device_destroy(&dev->qdev);

    /* A non-PCI device cannot go on the PCI bus. */
    g_assert_null(
        pci_create_simple(pci_bus_from_qbus(pci_bus), PCI_DEVFN_AUTO, "i440FX-pcihost", &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
}

static void test_intx_routing(void)
{
    PCIDevice *dev = (PCIDevice *)device_find_by_id("tp0"); /* slot 5, INTA: PIRQA */
    int devfn = PCI_DEVFN(5, 0);

    g_assert_nonnull(dev);
    g_assert_cmphex(cfg_read(devfn, PCI_INTERRUPT_PIN, 1), ==, 1);
    g_assert_cmpint(piix3_pirq_to_isa_irq(pci_bus, 0), ==, 10);
    g_assert_cmphex(cfg_read(PCI_DEVFN(1, 0), 0x60, 4), ==, 0x80808080);

    pci_irq_assert(dev);
    g_assert_cmpint(irq_level[10], ==, 1);
    g_assert_cmphex(cfg_read(devfn, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, ==,
                    PCI_STATUS_INTERRUPT);

    /* Reprogramming PIRQA moves the line. */
    cfg_write(PCI_DEVFN(1, 0), 0x60, 0x0b, 1);
    g_assert_cmpint(piix3_pirq_to_isa_irq(pci_bus, 0), ==, 11);
    g_assert_cmpint(irq_level[10], ==, 0);
    g_assert_cmpint(irq_level[11], ==, 1);

    /* COMMAND.INTX_DISABLE masks the pin; STATUS still shows it. */
    cfg_write(devfn, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, 2);
    g_assert_cmpint(irq_level[11], ==, 0);
    g_assert_cmphex(cfg_read(devfn, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, ==,
                    PCI_STATUS_INTERRUPT);
    cfg_write(devfn, PCI_COMMAND, 0, 2);
    g_assert_cmpint(irq_level[11], ==, 1);

    pci_irq_deassert(dev);
    g_assert_cmpint(irq_level[11], ==, 0);
    g_assert_cmphex(cfg_read(devfn, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, ==, 0);

    /* Slot 2's INTA is PIRQB, which defaults to IRQ 10. */
    pci_irq_assert((PCIDevice *)device_find_by_id("auto0"));
    g_assert_cmpint(irq_level[10], ==, 1);
    pci_irq_deassert((PCIDevice *)device_find_by_id("auto0"));
    g_assert_cmpint(irq_level[10], ==, 0);
    cfg_write(PCI_DEVFN(1, 0), 0x60, 0x80, 1);
}

static void test_info_pci(void)
{
    g_autofree char *info = NULL;
    int devfn = PCI_DEVFN(5, 0);

    cfg_write(devfn, PCI_BASE_ADDRESS_0, 0xfebf0000, 4);
    cfg_write(devfn, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    cfg_write(devfn, PCI_INTERRUPT_LINE, 10, 1);
    info = pci_info_string();
    g_assert_nonnull(strstr(info, "  Bus  0, device   0, function 0:\n"
                                  "    Host bridge: PCI device 8086:1237\n"
                                  "      PCI subsystem 1af4:1100\n"
                                  "      id \"\"\n"));
    g_assert_nonnull(strstr(info, "  Bus  0, device   1, function 0:\n"
                                  "    ISA bridge: PCI device 8086:7000\n"));
    g_assert_nonnull(strstr(info, "  Bus  0, device   5, function 0:\n"
                                  "    Class ff00: PCI device 1234:11e8\n"
                                  "      PCI subsystem 1af4:1100\n"
                                  "      IRQ 10, pin A\n"
                                  "      BAR0: 32 bit memory at 0xfebf0000 [0xfebf0fff].\n"
                                  "      BAR1: I/O at 0xffffffffffffffff [0x001e].\n"
                                  "      BAR2: 64 bit prefetchable memory at 0xffffffffffffffff "
                                  "[0x000ffffe].\n"
                                  "      id \"tp0\"\n"));
    /* Devices are listed in devfn order. */
    g_assert_true(strstr(info, "device   2,") < strstr(info, "device   5,"));
}

int main(int argc, char **argv)
{
    GError *err = NULL;
    IrqLine *isa_irqs;

    g_test_init(&argc, &argv, NULL);
    memory_map_init();
    isa_irqs = irq_allocate(isa_irq_handler, NULL, ISA_NUM_IRQS);
    device_class_register(&test_pci_class.parent);
    pci_bus = i440fx_init(isa_irqs, &err);
    g_assert_no_error(err);

    g_test_add_func("/pci/host-bridge-ids", test_host_bridge_ids);
    g_test_add_func("/pci/config-mechanism", test_config_mechanism);
    g_test_add_func("/pci/reset-control-register", test_reset_control_register);
    g_test_add_func("/pci/bar-sizing-and-mapping", test_bar_sizing_and_mapping);
    g_test_add_func("/pci/capability-list", test_capability_list);
    g_test_add_func("/pci/devfn-allocation", test_devfn_allocation);
    g_test_add_func("/pci/intx-routing", test_intx_routing);
    g_test_add_func("/pci/info-pci", test_info_pci);
    return g_test_run();
}
