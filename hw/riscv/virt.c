/*
 * The riscv64 "virt" machine, laid out as QEMU's (hw/riscv/virt.c there) so
 * that programs, firmware and kernels written for it run unchanged:
 *
 *   0x00001000  mask ROM               reset vector + fw_dynamic_info
 *   0x00100000  SiFive test/finisher   exit with a status, or reset
 *   0x00101000  goldfish RTC           PLIC source 11
 *   0x02000000  CLINT (ACLINT)         msip, mtimecmp, mtime at 10 MHz
 *   0x03000000  PCIe I/O window        PCI ports 0-0xffff
 *   0x0c000000  PLIC                   sources 1-96, M and S context per hart (aia=none)
 *   0x0c000000  APLIC, M-level domain  sources 1-96, delegated to the S-level one (aia=aplic*)
 *   0x0d000000  APLIC, S-level domain
 *   0x10000000  ns16550a UART          reg-shift 0, PLIC source 10
 *   0x10001000  virtio-mmio            8 slots, one page apart, PLIC sources 1-8
 *   0x10100000  fw_cfg                 MMIO: data, selector, DMA
 *   0x20000000  CFI flash              2 banks of 32 MiB (-drive if=pflash,unit=0|1,
 *                                      or -blockdev + -machine pflash0|pflash1=NODE)
 *   0x24000000  IMSIC, M-level files   one 4 KiB page per hart (aia=aplic-imsic)
 *   0x28000000  IMSIC, S-level files   one 4 KiB page per hart (aia=aplic-imsic)
 *   0x30000000  PCIe ECAM              buses 0-255 (generic ECAM host, root bus pcie.0)
 *   0x40000000  PCIe 32-bit window     1 GiB, PCI address = CPU address
 *   0x80000000  RAM                    -m
 *   above RAM   PCIe 64-bit window     16 GiB at the first 16 GiB boundary past RAM
 *
 * PCIe INTA-D reach PLIC sources 32-35, swizzled by slot as the device tree's
 * interrupt-map says. -device puts PCI devices on pcie.0, or behind a
 * pcie-root-port (bus=ID) for native hotplug.
 *
 * -machine aia= picks the interrupt controller, as on QEMU: none (the PLIC, the
 * default), aplic (the AIA's APLIC in direct delivery: an M-level domain that
 * firmware delegates sources from to the S-level one), aplic-imsic (the APLIC
 * forwards its sources as MSIs to per-hart IMSIC interrupt files, which also
 * take MSIs from PCI devices; the harts get Smaia/Ssaia). Devices are wired to
 * the same source numbers on every controller.
 *
 * A device tree describing exactly these devices is generated with libfdt
 * (Devicetree Specification 0.4; the RISC-V bindings in Linux's
 * Documentation/devicetree/bindings/riscv/) and placed near the top of RAM.
 *
 * Boot, as QEMU does it:
 *   -bios default (or no -bios): Debian's OpenSBI fw_dynamic at 0x80000000;
 *       -kernel (Linux Image, ELF or raw) at the next 2 MiB boundary, -initrd
 *       above it. Every hart starts at the mask ROM's reset vector, which
 *       enters OpenSBI with a0 = hart id, a1 = device tree, a2 = the
 *       fw_dynamic_info naming the kernel as the next stage (S-mode).
 *   -bios FILE: the same with that firmware (ELF, or raw at 0x80000000).
 *   -bios none: every hart starts in M-mode at the -kernel entry with
 *       a0 = hart id and a1 = the device tree (bare-metal programs).
 *
 *   Flash bank 0 backed by a drive (-drive if=pflash,unit=0 or -machine
 *   pflash0=NODE) is booted from, as on QEMU: with -bios none every hart
 *   starts there in M-mode (a0/a1 as above); with firmware it is the next
 *   stage (S-mode, e.g. EDK2 or U-Boot built for it), and -kernel, -initrd and
 *   -append reach that stage through fw_cfg (KERNEL_SIZE/DATA,
 *   INITRD_SIZE/DATA, CMDLINE_SIZE/DATA) instead of being placed in RAM.
 *
 * -drive if=virtio disks fill the virtio-mmio slots, as on QEMU.
 */
#include "hw/riscv/virt.h"
#include "chardev/char.h"
#include "core/qdev.h"
#include "hw/core/fw_cfg.h"
#include "hw/core/loader.h"
#include "hw/block/pflash_cfi01.h"
#include "hw/core/reset.h"
#include "hw/char/serial.h"
#include "hw/intc/riscv_aclint.h"
#include "hw/intc/riscv_aplic.h"
#include "hw/intc/riscv_imsic.h"
#include "hw/intc/sifive_plic.h"
#include "hw/virtio/virtio-mmio.h"
#include "hw/pci/gpex.h"
#include "hw/pci/msi.h"
#include "block/drive.h"
#include "hw/riscv/boot.h"
#include "hw/rtc/goldfish_rtc.h"
#include "system/system.h"
#include "target/riscv/cpu.h"
#include "util/error.h"
#include "hw/core/fdt-builder.h"
#include <libfdt.h>

const VirtMemMapEntry virt_memmap[VIRT_DEVICE_COUNT] = {
    [VIRT_MROM] = {0x1000, 0xf000},
    [VIRT_TEST] = {0x100000, 0x1000},
    [VIRT_RTC] = {0x101000, 0x1000},
    [VIRT_CLINT] = {0x2000000, RISCV_ACLINT_SIZE},
    /* QEMU sizes the window for its 512-hart maximum: 0x600000. */
    [VIRT_PLIC] = {0xc000000, SIFIVE_PLIC_SIZE(1024)},
    /* QEMU sizes the APLIC windows for 512 harts' IDCs; the device tree says so too. */
    [VIRT_APLIC_M] = {0xc000000, RISCV_APLIC_SIZE(512)},
    [VIRT_APLIC_S] = {0xd000000, RISCV_APLIC_SIZE(512)},
    /* size: one hart's file; hart i's is at base + i * size. */
    [VIRT_IMSIC_M] = {0x24000000, RISCV_IMSIC_FILE_SIZE},
    [VIRT_IMSIC_S] = {0x28000000, RISCV_IMSIC_FILE_SIZE},
    [VIRT_UART0] = {0x10000000, 0x100},
    [VIRT_VIRTIO] = {0x10001000, 0x1000},
    [VIRT_PCIE_PIO] = {0x3000000, 0x10000},
    [VIRT_PCIE_ECAM] = {0x30000000, 0x10000000},
    [VIRT_PCIE_MMIO] = {0x40000000, 0x40000000},
    [VIRT_FW_CFG] = {0x10100000, 0x18},
    [VIRT_FLASH] = {0x20000000, 0x4000000},
    [VIRT_DRAM] = {0x80000000, 0},
};

#define VIRT_FDT_MAX_SIZE (64 * KiB)

/* Debian's opensbi package: the generic platform's fw_dynamic firmware. */
#define VIRT_OPENSBI_PATH "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"

/* ---- devices ---- */

/* Interrupt source n of whichever controller aia= chose. */
static IrqLine *virt_irq(VirtBoard *b, unsigned n)
{
    return b->aia == VIRT_AIA_NONE ? sifive_plic_irq(b->plic, n) : riscv_aplic_irq(b->aplic_m, n);
}

/*
 * The external interrupt controllers: the PLIC; or the APLIC's M domain with its
 * S child, in direct mode or (with IMSICs at both levels) in MSI mode.
 */
static bool virt_irqchip_init(VirtBoard *b, MachineState *ms, GError **errp)
{
    const VirtMemMapEntry *m = virt_memmap;
    unsigned harts = ms->smp.cpus;
    bool msi = b->aia == VIRT_AIA_APLIC_IMSIC;

    if (b->aia == VIRT_AIA_NONE) {
        b->plic = sifive_plic_create(m[VIRT_PLIC].base, m[VIRT_PLIC].size, 0, harts,
                                     VIRT_IRQCHIP_NUM_SOURCES + 1, errp);
        return b->plic != NULL;
    }
    if (msi && (!riscv_imsic_create(m[VIRT_IMSIC_M].base, 0, harts, true,
                                    RISCV_IMSIC_DEFAULT_IDS, errp) ||
                !riscv_imsic_create(m[VIRT_IMSIC_S].base, 0, harts, false,
                                    RISCV_IMSIC_DEFAULT_IDS, errp))) {
        return false;
    }
    /* The S-level files take PCI devices' MSIs: devices may now offer MSI and MSI-X. */
    msi_set_supported(msi);
    b->aplic_m = riscv_aplic_create(m[VIRT_APLIC_M].base, m[VIRT_APLIC_M].size, 0, harts,
                                    VIRT_IRQCHIP_NUM_SOURCES, true, msi, NULL, errp);
    if (!b->aplic_m) {
        return false;
    }
    b->aplic_s = riscv_aplic_create(m[VIRT_APLIC_S].base, m[VIRT_APLIC_S].size, 0, harts,
                                    VIRT_IRQCHIP_NUM_SOURCES, false, msi, b->aplic_m, errp);
    return b->aplic_s != NULL;
}

/*
 * The ns16550a UART at addr (register shift 0), its interrupt on irq and its
 * output to chr.
 */
static DeviceState *virt_uart_create(const char *addr, Chardev *chr, IrqLine *irq, GError **errp)
{
    DeviceState *dev = device_new_with_props("ns16550a", errp, "addr", addr, "regshift", "0", NULL);

    if (!dev) {
        return NULL;
    }
    serial_mm_connect_irq(dev, irq);
    if ((chr && !device_set_prop_link(dev, "chardev", chr, errp)) ||
        !device_realize(dev, sysbus_get_default(), errp)) {
        device_destroy(dev);
        return NULL;
    }
    return dev;
}

/* QEMU's eight virtio-mmio slots; -drive if=virtio disks fill them in index order. */
static bool virt_virtio_init(VirtBoard *b, GError **errp)
{
    int used = 0;

    for (int i = 0; i < VIRT_VIRTIO_COUNT; i++) {
        uint64_t base = virt_memmap[VIRT_VIRTIO].base + i * virt_memmap[VIRT_VIRTIO].size;
        b->virtio[i] = virtio_mmio_create(base, virt_irq(b, VIRT_VIRTIO_IRQ + i), errp);
        if (!b->virtio[i]) {
            return false;
        }
    }
    for (int i = 0; i <= drive_get_max_index(IF_VIRTIO); i++) {
        DriveInfo *d = drive_get_by_index(IF_VIRTIO, i);
        if (!d) {
            continue;
        }
        if (used == VIRT_VIRTIO_COUNT) {
            error_setg(errp, "-drive if=virtio: the virt machine has %d virtio slots",
                       VIRT_VIRTIO_COUNT);
            return false;
        }
        if (!virtio_mmio_plug(b->virtio[used++], "virtio-blk-device", errp, "drive", d->id,
                              NULL)) {
            return false;
        }
    }
    return true;
}

/* The PCIe host: QEMU's windows, the 64-bit one placed above this machine's RAM. */
static bool virt_pcie_init(VirtBoard *b, MachineState *ms, GError **errp)
{
    const VirtMemMapEntry *m = virt_memmap;
    GPEXConfig cfg = {
        .ecam_base = m[VIRT_PCIE_ECAM].base,
        .ecam_size = m[VIRT_PCIE_ECAM].size,
        .mmio_base = m[VIRT_PCIE_MMIO].base,
        .mmio_size = m[VIRT_PCIE_MMIO].size,
        .high_mmio_size = VIRT_PCIE_HIGH_MMIO_SIZE,
        .pio_base = m[VIRT_PCIE_PIO].base,
        .pio_size = m[VIRT_PCIE_PIO].size,
    };

    cfg.high_mmio_base = ROUND_UP(m[VIRT_DRAM].base + ms->ram_size, VIRT_PCIE_HIGH_MMIO_SIZE);
    for (int i = 0; i < GPEX_NUM_IRQS; i++) {
        cfg.irq[i] = virt_irq(b, VIRT_PCIE_IRQ + i);
    }
    b->pcie_high_mmio_base = cfg.high_mmio_base;
    b->pcie = gpex_host_create(&cfg, errp);
    return b->pcie != NULL;
}

/*
 * The drive (id or block node name) behind flash bank unit: -machine
 * pflashN=NODE, or -drive if=pflash,unit=N; *name is NULL for neither.
 */
static bool virt_flash_drive(VirtBoard *b, int unit, const char **name, GError **errp)
{
    DriveInfo *by_unit = drive_get_by_index(IF_PFLASH, unit);

    if (by_unit && b->pflash_node[unit]) {
        error_setg(errp, "-machine pflash%d=%s and -drive if=pflash,unit=%d both back flash "
                         "bank %d; give one of them", unit, b->pflash_node[unit], unit, unit);
        return false;
    }
    *name = by_unit ? by_unit->id : b->pflash_node[unit];
    return true;
}

/*
 * What firmware reads: fw_cfg, and the two flash banks (as QEMU's virt: 4-byte
 * wide banks of x16 devices, 256 KiB sectors), each backed by a drive when one
 * is given.
 */
static bool virt_firmware_devices_init(VirtBoard *b, MachineState *ms, GError **errp)
{
    uint64_t bank_size = virt_memmap[VIRT_FLASH].size / VIRT_FLASH_BANKS;
    g_autofree char *size = g_strdup_printf("%" PRIu64, bank_size);

    if (drive_get_max_index(IF_PFLASH) >= VIRT_FLASH_BANKS) {
        error_setg(errp, "-drive if=pflash: the virt machine has two flash banks, unit=0 and "
                         "unit=1");
        return false;
    }
    b->fw_cfg = fw_cfg_init_mem(virt_memmap[VIRT_FW_CFG].base, errp);
    if (!b->fw_cfg) {
        return false;
    }
    fw_cfg_add_i16(b->fw_cfg, FW_CFG_NB_CPUS, ms->smp.cpus);
    for (int unit = 0; unit < VIRT_FLASH_BANKS; unit++) {
        const char *drive;
        g_autofree char *addr =
            g_strdup_printf("%" PRIu64, virt_memmap[VIRT_FLASH].base + unit * bank_size);
        g_autofree char *name = g_strdup_printf("virt.flash%d", unit);

        if (!virt_flash_drive(b, unit, &drive, errp)) {
            return false;
        }
        if (unit == 0) {
            b->flash0_backed = drive != NULL;
        }
        /* Without a drive the property list ends where "drive" would be. */
        if (!device_create_with_props(PFLASH_CFI01_TYPE, sysbus_get_default(), errp, "addr", addr,
                                      "size", size, "name", name, drive ? "drive" : NULL, drive,
                                      NULL)) {
            return false;
        }
    }
    return true;
}

static bool virt_devices_init(VirtBoard *b, MachineState *ms, GError **errp)
{
    const VirtMemMapEntry *m = virt_memmap;
    g_autofree char *test_addr = g_strdup_printf("%" PRIu64, m[VIRT_TEST].base);
    g_autofree char *uart_addr = g_strdup_printf("%" PRIu64, m[VIRT_UART0].base);

    if (!device_create_with_props("riscv.sifive.test", sysbus_get_default(), errp, "addr",
                                  test_addr, NULL)) {
        return false;
    }
    if (!riscv_aclint_create(m[VIRT_CLINT].base, 0, ms->smp.cpus, VIRT_TIMEBASE_FREQ, errp)) {
        return false;
    }
    if (!virt_irqchip_init(b, ms, errp) ||
        !goldfish_rtc_create(m[VIRT_RTC].base, virt_irq(b, VIRT_RTC_IRQ), errp)) {
        return false;
    }
    /* The UART exists even without a -serial backend, as on QEMU: output is dropped. */
    return virt_uart_create(uart_addr, serial_hd(0), virt_irq(b, VIRT_UART0_IRQ), errp) != NULL &&
           virt_virtio_init(b, errp) && virt_pcie_init(b, ms, errp) &&
           virt_firmware_devices_init(b, ms, errp);
}

/* ---- device tree ---- */

/* /cpus: one node per hart with its interrupt controller; fills intc_phandle[]. */
static void virt_fdt_cpus(FdtBuilder *f, MachineState *ms, uint32_t *intc_phandle)
{
    int cpus_node = fdt_node(f, 0, "cpus");
    int map, cluster;
    uint32_t *cpu_phandle = g_newa(uint32_t, ms->smp.cpus);

    fdt_prop_cell(f, cpus_node, "#address-cells", 1);
    fdt_prop_cell(f, cpus_node, "#size-cells", 0);
    fdt_prop_cell(f, cpus_node, "timebase-frequency", VIRT_TIMEBASE_FREQ);
    for (int i = (int)ms->smp.cpus - 1; i >= 0; i--) {
        RISCVCPU *cpu = RISCV_CPU(cpus[i]);
        g_autofree char *name = g_strdup_printf("cpu@%" PRIx64, cpus[i]->arch_id);
        int node = fdt_node(f, cpus_node, name);
        int intc;

        cpu_phandle[i] = fdt_new_phandle(f, node);
        fdt_prop_str(f, node, "device_type", "cpu");
        fdt_prop_cell(f, node, "reg", (uint32_t)cpus[i]->arch_id);
        fdt_prop_str(f, node, "status", "okay");
        fdt_prop_str(f, node, "compatible", "riscv");
        riscv_fdt_prop_isa(f, node, riscv_cpu_isa_string(cpu));
        /* The widest translation mode the hart implements; Linux probes downwards from it. */
        fdt_prop_str(f, node, "mmu-type", "riscv,sv57");
        intc = fdt_node(f, node, "interrupt-controller");
        fdt_prop_cell(f, intc, "#address-cells", 0);
        fdt_prop_cell(f, intc, "#interrupt-cells", 1);
        fdt_prop(f, intc, "interrupt-controller", NULL, 0);
        fdt_prop_str(f, intc, "compatible", "riscv,cpu-intc");
        intc_phandle[i] = fdt_new_phandle(f, intc);
    }
    /* Linux's topology binding (cpu/cpu-topology.txt): one cluster of single-thread cores. */
    map = fdt_node(f, cpus_node, "cpu-map");
    cluster = fdt_node(f, map, "cluster0");
    for (int i = (int)ms->smp.cpus - 1; i >= 0; i--) {
        g_autofree char *name = g_strdup_printf("core%d", i);
        int core = fdt_node(f, cluster, name);

        fdt_prop_cell(f, core, "cpu", cpu_phandle[i]);
    }
}

/* The controller the devices' interrupts go to, and how they are written there. */
typedef struct VirtFdtIrqchip {
    uint32_t phandle;    /* the PLIC, or the APLIC's S-level domain (the one Linux drives) */
    unsigned cells;      /* #interrupt-cells: 1 (PLIC) or 2 (APLIC: source, trigger type) */
    uint32_t msi_parent; /* the S-level IMSIC, 0 without one */
} VirtFdtIrqchip;

#define FDT_IRQ_TYPE_LEVEL_HIGH 4 /* dt-bindings/interrupt-controller/irq.h */

/* The interrupt specifier of source n: <n> or <n level-high>; returns its cell count. */
static unsigned virt_fdt_irq_cells(const VirtFdtIrqchip *ic, uint32_t n, uint32_t *cells)
{
    cells[0] = cpu_to_fdt32(n);
    cells[1] = cpu_to_fdt32(FDT_IRQ_TYPE_LEVEL_HIGH);
    return ic->cells;
}

/* A device's interrupts = source n on the interrupt controller. */
static void fdt_prop_device_irq(FdtBuilder *f, int node, const VirtFdtIrqchip *ic, uint32_t n)
{
    uint32_t cells[2];

    fdt_prop(f, node, "interrupts", cells, virt_fdt_irq_cells(ic, n, cells) * sizeof(uint32_t));
    fdt_prop_cell(f, node, "interrupt-parent", ic->phandle);
}

/*
 * The PCIe host (Linux's pci-host-generic binding, Documentation/devicetree/bindings/
 * pci/host-generic-pci.yaml), as QEMU writes it: the ECAM window, the I/O, 32-bit and
 * 64-bit memory ranges, INTA-D of slots 0-3 swizzled onto sources 32-35 of the interrupt
 * controller (the mask folds every other slot onto those four), and the IMSIC as the MSI
 * controller when there is one.
 */
static void virt_fdt_pcie(FdtBuilder *f, int soc, VirtBoard *b, const VirtFdtIrqchip *ic)
{
    const VirtMemMapEntry *m = virt_memmap;
    g_autofree char *name = g_strdup_printf("pci@%" PRIx64, m[VIRT_PCIE_ECAM].base);
    uint64_t high = b->pcie_high_mmio_base;
    /* PCI address space and address, CPU address, size (PCI bus binding 2.1 §2.2.1.1). */
    const struct {
        uint32_t space;
        uint64_t pci, cpu, size;
    } win[] = {
        {0x01000000, 0, m[VIRT_PCIE_PIO].base, m[VIRT_PCIE_PIO].size}, /* I/O */
        {0x02000000, m[VIRT_PCIE_MMIO].base, m[VIRT_PCIE_MMIO].base, m[VIRT_PCIE_MMIO].size},
        {0x03000000, high, high, VIRT_PCIE_HIGH_MMIO_SIZE}, /* 64-bit memory */
    };
    uint32_t ranges[ARRAY_SIZE(win)][7];
    const uint32_t map_mask[] = {cpu_to_fdt32(0x1800), 0, 0, cpu_to_fdt32(7)};
    const uint32_t bus_range[] = {0, cpu_to_fdt32(m[VIRT_PCIE_ECAM].size / GPEX_ECAM_BUS_SIZE - 1)};
    /* child unit address (3 cells), pin, parent phandle, parent specifier (1 or 2 cells) */
    uint32_t map[GPEX_NUM_IRQS * GPEX_NUM_IRQS * 7];
    unsigned map_cells = 0;
    int node = fdt_node(f, soc, name);

    for (size_t i = 0; i < ARRAY_SIZE(win); i++) {
        const uint64_t v[] = {win[i].pci, win[i].cpu, win[i].size};

        ranges[i][0] = cpu_to_fdt32(win[i].space);
        for (int c = 0; c < 3; c++) {
            ranges[i][1 + 2 * c] = cpu_to_fdt32(v[c] >> 32);
            ranges[i][2 + 2 * c] = cpu_to_fdt32((uint32_t)v[c]);
        }
    }
    for (int slot = 0; slot < GPEX_NUM_IRQS; slot++) {
        for (int pin = 0; pin < GPEX_NUM_IRQS; pin++) {
            uint32_t *e = &map[map_cells];

            e[0] = cpu_to_fdt32((slot << 3) << 8); /* child unit address: phys.hi */
            e[1] = e[2] = 0;
            e[3] = cpu_to_fdt32(pin + 1); /* INTA = 1 */
            e[4] = cpu_to_fdt32(ic->phandle);
            map_cells += 5 + virt_fdt_irq_cells(ic, VIRT_PCIE_IRQ + (pin + slot) % GPEX_NUM_IRQS,
                                                &e[5]);
        }
    }
    fdt_prop_cell(f, node, "#address-cells", 3);
    fdt_prop_cell(f, node, "#interrupt-cells", 1);
    fdt_prop_cell(f, node, "#size-cells", 2);
    fdt_prop_str(f, node, "compatible", "pci-host-ecam-generic");
    fdt_prop_str(f, node, "device_type", "pci");
    fdt_prop_cell(f, node, "linux,pci-domain", 0);
    fdt_prop(f, node, "bus-range", bus_range, sizeof(bus_range));
    fdt_prop(f, node, "dma-coherent", NULL, 0);
    fdt_prop_reg(f, node, m[VIRT_PCIE_ECAM].base, m[VIRT_PCIE_ECAM].size);
    fdt_prop(f, node, "ranges", ranges, sizeof(ranges));
    fdt_prop(f, node, "interrupt-map", map, map_cells * sizeof(uint32_t));
    fdt_prop(f, node, "interrupt-map-mask", map_mask, sizeof(map_mask));
    if (ic->msi_parent) {
        fdt_prop_cell(f, node, "msi-parent", ic->msi_parent);
    }
}

/* PLIC: per hart, its M-mode (context 2i) and S-mode (2i + 1) external interrupts. */
static uint32_t virt_fdt_plic(FdtBuilder *f, int soc, MachineState *ms,
                              const uint32_t *intc_phandle)
{
    static const char plic_compat[] = "sifive,plic-1.0.0\0riscv,plic0";
    const VirtMemMapEntry *m = virt_memmap;
    g_autofree char *name = g_strdup_printf("plic@%" PRIx64, m[VIRT_PLIC].base);
    int node = fdt_node(f, soc, name);
    uint32_t phandle = fdt_new_phandle(f, node);

    fdt_prop_cell(f, node, "#address-cells", 0);
    fdt_prop_cell(f, node, "#interrupt-cells", 1);
    fdt_prop(f, node, "compatible", plic_compat, sizeof(plic_compat));
    fdt_prop(f, node, "interrupt-controller", NULL, 0);
    riscv_fdt_prop_hart_irqs(f, node, intc_phandle, ms->smp.cpus,
                             (const uint32_t[]){IRQ_M_EXT, IRQ_S_EXT}, 2);
    fdt_prop_reg(f, node, m[VIRT_PLIC].base, m[VIRT_PLIC].size);
    fdt_prop_cell(f, node, "riscv,ndev", VIRT_IRQCHIP_NUM_SOURCES);
    return phandle;
}

/*
 * IMSIC (Linux's riscv,imsics.yaml): one node per level, the files of all harts
 * in one reg range, hart i's interrupt file wired to hart i's M or S external
 * interrupt. riscv,ipi-id is what QEMU 7.2 and OpenSBI 1.1 use for IPIs.
 */
static uint32_t virt_fdt_imsic(FdtBuilder *f, int soc, MachineState *ms,
                               const uint32_t *intc_phandle, VirtDevice dev)
{
    static const char compat[] = "qemu,imsics\0riscv,imsics";
    const VirtMemMapEntry *m = &virt_memmap[dev];
    g_autofree char *name = g_strdup_printf("imsics@%" PRIx64, m->base);
    int node = fdt_node(f, soc, name);
    uint32_t phandle = fdt_new_phandle(f, node);

    fdt_prop(f, node, "compatible", compat, sizeof(compat));
    fdt_prop_cell(f, node, "#interrupt-cells", 0);
    fdt_prop(f, node, "interrupt-controller", NULL, 0);
    fdt_prop(f, node, "msi-controller", NULL, 0);
    riscv_fdt_prop_hart_irqs(f, node, intc_phandle, ms->smp.cpus,
                             (const uint32_t[]){dev == VIRT_IMSIC_M ? IRQ_M_EXT : IRQ_S_EXT}, 1);
    fdt_prop_reg(f, node, m->base, m->size * ms->smp.cpus);
    fdt_prop_cell(f, node, "riscv,num-ids", RISCV_IMSIC_DEFAULT_IDS);
    fdt_prop_cell(f, node, "riscv,ipi-id", 1);
    return phandle;
}

/*
 * An APLIC domain (Linux's riscv,aplic.yaml): its harts' external interrupts
 * (direct mode) or its IMSIC (msi_parent, MSI mode); the M domain names its
 * child and delegates every source to it, under both spellings of that
 * property: riscv,delegation (the binding) and riscv,delegate (QEMU 7.2 and
 * OpenSBI 1.1).
 */
static uint32_t virt_fdt_aplic(FdtBuilder *f, int soc, MachineState *ms,
                               const uint32_t *intc_phandle, VirtDevice dev, uint32_t msi_parent,
                               uint32_t child)
{
    static const char compat[] = "qemu,aplic\0riscv,aplic";
    const VirtMemMapEntry *m = &virt_memmap[dev];
    g_autofree char *name = g_strdup_printf("aplic@%" PRIx64, m->base);
    int node = fdt_node(f, soc, name);
    uint32_t phandle = fdt_new_phandle(f, node);
    const uint32_t delegation[] = {cpu_to_fdt32(child), cpu_to_fdt32(1),
                                   cpu_to_fdt32(VIRT_IRQCHIP_NUM_SOURCES)};

    fdt_prop(f, node, "compatible", compat, sizeof(compat));
    fdt_prop_cell(f, node, "#interrupt-cells", 2);
    fdt_prop(f, node, "interrupt-controller", NULL, 0);
    if (msi_parent) {
        fdt_prop_cell(f, node, "msi-parent", msi_parent);
    } else {
        riscv_fdt_prop_hart_irqs(f, node, intc_phandle, ms->smp.cpus,
                                 (const uint32_t[]){dev == VIRT_APLIC_M ? IRQ_M_EXT : IRQ_S_EXT},
                                 1);
    }
    fdt_prop_reg(f, node, m->base, m->size);
    fdt_prop_cell(f, node, "riscv,num-sources", VIRT_IRQCHIP_NUM_SOURCES);
    if (child) {
        fdt_prop_cell(f, node, "riscv,children", child);
        fdt_prop(f, node, "riscv,delegation", delegation, sizeof(delegation));
        fdt_prop(f, node, "riscv,delegate", delegation, sizeof(delegation));
    }
    return phandle;
}

/* The interrupt controller nodes aia= asks for; what the devices' interrupts refer to. */
static VirtFdtIrqchip virt_fdt_irqchip(FdtBuilder *f, int soc, MachineState *ms,
                                       const uint32_t *intc_phandle)
{
    VirtBoard *b = ms->board;
    VirtFdtIrqchip ic = {.cells = 2};
    uint32_t imsic_m = 0, aplic_s;

    if (b->aia == VIRT_AIA_NONE) {
        return (VirtFdtIrqchip){virt_fdt_plic(f, soc, ms, intc_phandle), 1, 0};
    }
    if (b->aia == VIRT_AIA_APLIC_IMSIC) {
        imsic_m = virt_fdt_imsic(f, soc, ms, intc_phandle, VIRT_IMSIC_M);
        ic.msi_parent = virt_fdt_imsic(f, soc, ms, intc_phandle, VIRT_IMSIC_S);
    }
    aplic_s = virt_fdt_aplic(f, soc, ms, intc_phandle, VIRT_APLIC_S, ic.msi_parent, 0);
    virt_fdt_aplic(f, soc, ms, intc_phandle, VIRT_APLIC_M, imsic_m, aplic_s);
    ic.phandle = aplic_s;
    return ic;
}

/* /soc: the MMIO devices, each at its QEMU address with QEMU's compatible strings. */
static uint32_t virt_fdt_soc(FdtBuilder *f, MachineState *ms, const uint32_t *intc_phandle)
{
    static const char test_compat[] = "sifive,test1\0sifive,test0\0syscon";
    static const char clint_compat[] = "sifive,clint0\0riscv,clint0";
    const VirtMemMapEntry *m = virt_memmap;
    int soc = fdt_node(f, 0, "soc");
    int node;
    uint32_t test_phandle;
    VirtFdtIrqchip ic;
    g_autofree char *clint_name = g_strdup_printf("clint@%" PRIx64, m[VIRT_CLINT].base);
    g_autofree char *rtc_name = g_strdup_printf("rtc@%" PRIx64, m[VIRT_RTC].base);
    g_autofree char *test_name = g_strdup_printf("test@%" PRIx64, m[VIRT_TEST].base);
    g_autofree char *uart_name = g_strdup_printf("serial@%" PRIx64, m[VIRT_UART0].base);

    fdt_prop_cell(f, soc, "#address-cells", 2);
    fdt_prop_cell(f, soc, "#size-cells", 2);
    fdt_prop_str(f, soc, "compatible", "simple-bus");
    fdt_prop(f, soc, "ranges", NULL, 0);

    /* CLINT: per hart, its machine software (3) and machine timer (7) interrupts. */
    node = fdt_node(f, soc, clint_name);
    riscv_fdt_prop_hart_irqs(f, node, intc_phandle, ms->smp.cpus,
                             (const uint32_t[]){IRQ_M_SOFT, IRQ_M_TIMER}, 2);
    fdt_prop_reg(f, node, m[VIRT_CLINT].base, m[VIRT_CLINT].size);
    fdt_prop(f, node, "compatible", clint_compat, sizeof(clint_compat));

    ic = virt_fdt_irqchip(f, soc, ms, intc_phandle);

    node = fdt_node(f, soc, test_name);
    test_phandle = fdt_new_phandle(f, node);
    fdt_prop_reg(f, node, m[VIRT_TEST].base, m[VIRT_TEST].size);
    fdt_prop(f, node, "compatible", test_compat, sizeof(test_compat));

    node = fdt_node(f, soc, uart_name);
    fdt_prop_device_irq(f, node, &ic, VIRT_UART0_IRQ);
    fdt_prop_cell(f, node, "clock-frequency", VIRT_UART_CLOCK);
    fdt_prop_reg(f, node, m[VIRT_UART0].base, m[VIRT_UART0].size);
    fdt_prop_str(f, node, "compatible", "ns16550a");

    node = fdt_node(f, soc, rtc_name);
    fdt_prop_device_irq(f, node, &ic, VIRT_RTC_IRQ);
    fdt_prop_reg(f, node, m[VIRT_RTC].base, m[VIRT_RTC].size);
    fdt_prop_str(f, node, "compatible", "google,goldfish-rtc");

    for (int i = 0; i < VIRT_VIRTIO_COUNT; i++) {
        VirtioMMIOFdtInfo info;

        virtio_mmio_get_fdt_info(((VirtBoard *)ms->board)->virtio[i], &info);
        node = fdt_node(f, soc, info.node_name);
        fdt_prop_device_irq(f, node, &ic, info.irq);
        fdt_prop_reg(f, node, info.base, m[VIRT_VIRTIO].size);
        fdt_prop_str(f, node, "compatible", info.compatible);
    }
    virt_fdt_pcie(f, soc, ms->board, &ic);
    return test_phandle;
}

/* fw_cfg and the flash banks: top-level nodes, as QEMU places them. */
static void virt_fdt_firmware_devices(FdtBuilder *f)
{
    const VirtMemMapEntry *m = virt_memmap;
    uint64_t bank_size = m[VIRT_FLASH].size / VIRT_FLASH_BANKS;
    g_autofree char *fw_cfg_name = g_strdup_printf("fw-cfg@%" PRIx64, m[VIRT_FW_CFG].base);
    g_autofree char *flash_name = g_strdup_printf("flash@%" PRIx64, m[VIRT_FLASH].base);
    fdt64_t banks[4] = {
        cpu_to_fdt64(m[VIRT_FLASH].base), cpu_to_fdt64(bank_size),
        cpu_to_fdt64(m[VIRT_FLASH].base + bank_size), cpu_to_fdt64(bank_size),
    };
    int node;

    node = fdt_node(f, 0, fw_cfg_name);
    fdt_prop_str(f, node, "compatible", "qemu,fw-cfg-mmio");
    fdt_prop_reg(f, node, m[VIRT_FW_CFG].base, m[VIRT_FW_CFG].size);
    fdt_prop(f, node, "dma-coherent", NULL, 0);

    node = fdt_node(f, 0, flash_name);
    fdt_prop_str(f, node, "compatible", "cfi-flash");
    fdt_prop(f, node, "reg", banks, sizeof(banks));
    fdt_prop_cell(f, node, "bank-width", 4);
}

/* syscon-poweroff / syscon-reboot over the test device, as Linux's power/reset drivers read. */
static void virt_fdt_syscon(FdtBuilder *f, const char *name, const char *compat, uint32_t regmap,
                            uint32_t value)
{
    int node = fdt_node(f, 0, name);

    fdt_prop_cell(f, node, "value", value);
    fdt_prop_cell(f, node, "offset", 0);
    fdt_prop_cell(f, node, "regmap", regmap);
    fdt_prop_str(f, node, "compatible", compat);
}

static bool virt_build_fdt(VirtBoard *b, MachineState *ms, GError **errp)
{
    FdtBuilder f;
    g_autofree uint32_t *intc_phandle = g_new0(uint32_t, ms->smp.cpus);
    g_autofree char *mem_name = g_strdup_printf("memory@%" PRIx64, virt_memmap[VIRT_DRAM].base);
    g_autofree char *stdout_path =
        g_strdup_printf("/soc/serial@%" PRIx64, virt_memmap[VIRT_UART0].base);
    uint32_t test_phandle;
    int node;

    fdt_builder_init(&f, VIRT_FDT_MAX_SIZE);
    fdt_prop_cell(&f, 0, "#address-cells", 2);
    fdt_prop_cell(&f, 0, "#size-cells", 2);
    fdt_prop_str(&f, 0, "compatible", "riscv-virtio");
    fdt_prop_str(&f, 0, "model", "riscv-virtio,qemu");

    node = fdt_node(&f, 0, "chosen");
    if (ms->kernel_cmdline && ms->kernel_cmdline[0]) {
        fdt_prop_str(&f, node, "bootargs", ms->kernel_cmdline);
    }
    fdt_prop_str(&f, node, "stdout-path", stdout_path);
    if (b->initrd_end) {
        fdt_prop_u64(&f, node, "linux,initrd-start", b->initrd_start);
        fdt_prop_u64(&f, node, "linux,initrd-end", b->initrd_end);
    }

    node = fdt_node(&f, 0, mem_name);
    fdt_prop_str(&f, node, "device_type", "memory");
    fdt_prop_reg(&f, node, virt_memmap[VIRT_DRAM].base, ms->ram_size);

    virt_fdt_cpus(&f, ms, intc_phandle);
    test_phandle = virt_fdt_soc(&f, ms, intc_phandle);
    virt_fdt_syscon(&f, "poweroff", "syscon-poweroff", test_phandle, 0x5555);
    virt_fdt_syscon(&f, "reboot", "syscon-reboot", test_phandle, 0x7777);
    virt_fdt_firmware_devices(&f);

    b->fdt = fdt_builder_finish(&f, errp);
    return b->fdt != NULL;
}

/* -machine dumpdtb=FILE: write the tree and end the process, as QEMU does. */
static bool virt_dump_fdt(VirtBoard *b, GError **errp)
{
    g_autoptr(GError) err = NULL;

    if (!g_file_set_contents(b->dumpdtb, b->fdt, fdt_totalsize(b->fdt), &err)) {
        error_setg(errp, "-machine dumpdtb=%s: %s", b->dumpdtb, err->message);
        return false;
    }
    chardev_stdio_restore_terminal();
    exit(0);
}

/* ---- boot ---- */

/* -bios default: Debian's OpenSBI, looked up when the machine starts. */
static const char *virt_default_firmware(GError **errp)
{
    if (g_file_test(VIRT_OPENSBI_PATH, G_FILE_TEST_IS_REGULAR)) {
        return VIRT_OPENSBI_PATH;
    }
    error_setg(errp,
               "-bios default: OpenSBI is not installed (no %s); install Debian's opensbi "
               "package (apt-get install opensbi), give a firmware image with -bios FILE, or "
               "boot a bare-metal program with -bios none -kernel prog.elf",
               VIRT_OPENSBI_PATH);
    return NULL;
}

/*
 * -bios none: the -kernel program runs in M-mode from reset, or what flash
 * bank 0 holds when it is backed (a -kernel is then only loaded, for it).
 */
static bool virt_load_bare_metal(VirtBoard *b, MachineState *ms, GError **errp)
{
    uint64_t ram_base = virt_memmap[VIRT_DRAM].base;

    if (ms->initrd_filename) {
        error_setg(errp, "-initrd: needs firmware boot (-bios default) on the virt machine; "
                         "with -bios none only a bare-metal -kernel runs");
        return false;
    }
    if (ms->kernel_filename &&
        !riscv_load_kernel(ms->kernel_filename, ram_base, ms->ram_size, &b->entry, errp)) {
        return false;
    }
    if (b->flash0_backed) {
        b->entry = virt_memmap[VIRT_FLASH].base;
        return true;
    }
    if (!ms->kernel_filename && !b->dumpdtb) {
        error_setg(errp, "-bios none: nothing to boot; give -kernel prog.elf (an ELF or raw "
                         "binary, started in M-mode) or a flash image (-drive if=pflash,unit=0), "
                         "or drop -bios none to boot OpenSBI");
        return false;
    }
    return true;
}

/* One -kernel/-initrd file as a SIZE and a DATA fw_cfg item. */
static bool virt_fw_cfg_add_image(VirtBoard *b, const char *what, const char *path,
                                  uint16_t size_key, uint16_t data_key, GError **errp)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *data = NULL;
    gsize len;

    if (!g_file_get_contents(path, &data, &len, &err)) {
        error_setg(errp, "%s %s: %s", what, path, err->message);
        return false;
    }
    if (len > UINT32_MAX) {
        error_setg(errp, "%s %s: %zu bytes is more than fw_cfg's 4 GiB", what, path, (size_t)len);
        return false;
    }
    fw_cfg_add_i32(b->fw_cfg, size_key, len);
    fw_cfg_add_bytes(b->fw_cfg, data_key, data, len);
    return true;
}

/*
 * Firmware with a backed flash bank 0: the firmware's next stage is the
 * flash, which finds -kernel, -initrd and -append in fw_cfg.
 */
static bool virt_boot_next_stage_from_flash(VirtBoard *b, MachineState *ms, GError **errp)
{
    b->kernel_entry = virt_memmap[VIRT_FLASH].base;
    if (ms->kernel_filename &&
        !virt_fw_cfg_add_image(b, "-kernel", ms->kernel_filename, FW_CFG_KERNEL_SIZE,
                               FW_CFG_KERNEL_DATA, errp)) {
        return false;
    }
    if (ms->initrd_filename) {
        if (!ms->kernel_filename) {
            error_setg(errp, "-initrd needs a -kernel to go with it");
            return false;
        }
        if (!virt_fw_cfg_add_image(b, "-initrd", ms->initrd_filename, FW_CFG_INITRD_SIZE,
                                   FW_CFG_INITRD_DATA, errp)) {
            return false;
        }
    }
    if (ms->kernel_filename && ms->kernel_cmdline) {
        fw_cfg_add_i32(b->fw_cfg, FW_CFG_CMDLINE_SIZE, strlen(ms->kernel_cmdline) + 1);
        fw_cfg_add_string(b->fw_cfg, FW_CFG_CMDLINE_DATA, ms->kernel_cmdline);
    }
    return true;
}

static bool virt_load_images(VirtBoard *b, MachineState *ms, GError **errp)
{
    const char *fw = ms->firmware;
    const char *what = "-bios";
    uint64_t ram_base = virt_memmap[VIRT_DRAM].base;
    uint64_t fw_end = ram_base, kernel_end = 0;

    if (fw && strcmp(fw, "none") == 0) {
        return virt_load_bare_metal(b, ms, errp);
    }
    b->firmware = true;
    if (!fw || strcmp(fw, "default") == 0) {
        g_autoptr(GError) fw_err = NULL;

        what = "-bios default";
        fw = virt_default_firmware(&fw_err);
        if (!fw && !b->dumpdtb) {
            g_propagate_error(errp, g_steal_pointer(&fw_err));
            return false;
        }
    } else if (!g_file_test(fw, G_FILE_TEST_EXISTS)) {
        error_setg(errp,
                   "-bios %s: no such file; give a firmware image, -bios default for Debian's "
                   "OpenSBI, or -bios none to run a bare-metal -kernel",
                   fw);
        return false;
    }
    if (fw && !riscv_load_firmware(what, fw, ram_base, ms->ram_size, &b->entry, &fw_end, errp)) {
        return false;
    }
    if (b->flash0_backed) {
        return virt_boot_next_stage_from_flash(b, ms, errp);
    }
    if (ms->kernel_filename) {
        if (!riscv_load_linux(ms->kernel_filename, fw_end, ram_base, ms->ram_size, &b->kernel_entry,
                              &kernel_end, errp)) {
            return false;
        }
    } else if (ms->initrd_filename) {
        error_setg(errp, "-initrd needs a -kernel to go with it");
        return false;
    }
    if (ms->initrd_filename &&
        !riscv_load_initrd(ms->initrd_filename, b->kernel_entry, kernel_end, ram_base, ms->ram_size,
                           &b->initrd_start, &b->initrd_end, errp)) {
        return false;
    }
    return true;
}

/* The mask ROM's reset vector, now that the device tree has its place. */
static bool virt_setup_mrom(VirtBoard *b, GError **errp)
{
    size_t len;
    void *blob;

    if (!memory_region_init_rom(&b->mrom, "riscv_virt_board.mrom", virt_memmap[VIRT_MROM].size,
                                errp)) {
        return false;
    }
    memory_region_add_subregion(get_system_memory(), virt_memmap[VIRT_MROM].base, &b->mrom);
    blob = riscv_reset_vector_blob(b->entry, b->fdt_addr, b->kernel_entry, &len);
    rom_add_blob_owned("mrom.reset", blob, len, virt_memmap[VIRT_MROM].base);
    return true;
}

/* ---- machine ---- */

static VirtBoard *virt_board(MachineState *ms)
{
    if (!ms->board) {
        ms->board = g_new0(VirtBoard, 1);
    }
    return ms->board;
}

/* -machine aia=none|aplic|aplic-imsic, QEMU's spellings. */
static bool virt_parse_aia(VirtBoard *b, const char *value, GError **errp)
{
    static const char *const names[] = {
        [VIRT_AIA_NONE] = "none",
        [VIRT_AIA_APLIC] = "aplic",
        [VIRT_AIA_APLIC_IMSIC] = "aplic-imsic",
    };

    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        if (value && strcmp(value, names[i]) == 0) {
            b->aia = i;
            return true;
        }
    }
    error_setg(errp,
               "-machine aia=%s: unknown interrupt controller type; use none (the PLIC), "
               "aplic or aplic-imsic",
               value ? value : "");
    return false;
}

static bool virt_set_option(MachineState *ms, const char *key, const char *value, GError **errp)
{
    VirtBoard *b = virt_board(ms);

    if (strcmp(key, "aia") == 0) {
        return virt_parse_aia(b, value, errp);
    }
    if (strcmp(key, "dumpdtb") == 0) {
        if (!value || !value[0]) {
            error_setg(errp, "-machine dumpdtb: needs a file name (dumpdtb=virt.dtb)");
            return false;
        }
        g_free(b->dumpdtb);
        b->dumpdtb = g_strdup(value);
        return true;
    }
    for (int unit = 0; unit < VIRT_FLASH_BANKS; unit++) {
        g_autofree char *pflash = g_strdup_printf("pflash%d", unit);

        if (strcmp(key, pflash) == 0 && value && value[0]) {
            g_free(b->pflash_node[unit]);
            b->pflash_node[unit] = g_strdup(value);
            return true;
        }
    }
    error_setg(errp,
               "-machine: unknown parameter '%s' for the virt machine; accepted: type, "
               "accel, aia=none|aplic|aplic-imsic, dumpdtb, pflash0=NODE, pflash1=NODE",
               key);
    return false;
}

static bool virt_init(MachineState *ms, GError **errp)
{
    VirtBoard *b = virt_board(ms);

    if (!memory_region_init_ram(&b->ram, "riscv_virt_board.ram", ms->ram_size, errp)) {
        return false;
    }
    memory_region_add_subregion(get_system_memory(), virt_memmap[VIRT_DRAM].base, &b->ram);

    if (!riscv_harts_create(ms, errp)) {
        return false;
    }
    if (!virt_devices_init(b, ms, errp) || !virt_load_images(b, ms, errp) ||
        !virt_build_fdt(b, ms, errp)) {
        return false;
    }
    if (b->dumpdtb) {
        return virt_dump_fdt(b, errp);
    }
    if (!riscv_place_fdt(virt_memmap[VIRT_DRAM].base, ms->ram_size, fdt_totalsize(b->fdt),
                         &b->fdt_addr, errp)) {
        return false;
    }
    rom_add_blob("fdt", b->fdt, fdt_totalsize(b->fdt), b->fdt_addr);
    return virt_setup_mrom(b, errp) && riscv_harts_start(errp);
}

static void virt_reset(MachineState *ms)
{
    VirtBoard *b = ms->board;

    machine_reset_devices();
    for (int i = 0; i < cpu_count; i++) {
        RISCVCPU *cpu = RISCV_CPU(cpus[i]);

        /* Firmware boot: the reset vector in the mask ROM does the hand-over. */
        cpu->reset_pc = b->firmware ? virt_memmap[VIRT_MROM].base : b->entry;
        cpus[i]->cc->reset(cpus[i]);
        if (!b->firmware) {
            riscv_hart_enter_bare_metal(cpu, b->entry, b->fdt_addr);
        }
        cpu_synchronize_post_reset(cpus[i]);
    }
}

static const MachineClass virt_machine = {
    .name = "virt",
    .desc = "RISC-V VirtIO board (QEMU's memory map; OpenSBI and Linux, or bare metal)",
    .is_default = true,
    .default_ram_size = 128 * MiB,
    .max_cpus = VIRT_MAX_HARTS,
    .default_cpu_type = "rv64",
    .default_accel = "tcg",
    .default_nic_model = "virtio-net-device",
    .init = virt_init,
    .reset = virt_reset,
    .set_option = virt_set_option,
    .extra_options = "type, accel, aia, dumpdtb, pflash0, pflash1",
};

MIMIC_INIT(virt_machine_register)
{
    machine_class_register(&virt_machine);
}
