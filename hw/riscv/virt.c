/*
 * The riscv64 "virt" machine, laid out as QEMU's (hw/riscv/virt.c there) so
 * that programs, firmware and kernels written for it run unchanged:
 *
 *   0x00001000  mask ROM               reset vector + fw_dynamic_info
 *   0x00100000  SiFive test/finisher   exit with a status, or reset
 *   0x00101000  goldfish RTC           PLIC source 11
 *   0x02000000  CLINT (ACLINT)         msip, mtimecmp, mtime at 10 MHz
 *   0x0c000000  PLIC                   sources 1-96, M and S context per hart
 *   0x10000000  ns16550a UART          reg-shift 0, PLIC source 10
 *   0x80000000  RAM                    -m
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
 * Not yet here: virtio-mmio, PCIe, flash and fw_cfg.
 */
#include "hw/riscv/virt.h"
#include "chardev/char.h"
#include "core/qdev.h"
#include "hw/core/loader.h"
#include "hw/core/reset.h"
#include "hw/char/serial.h"
#include "hw/intc/riscv_aclint.h"
#include "hw/intc/sifive_plic.h"
#include "hw/virtio/virtio-mmio.h"
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
    [VIRT_UART0] = {0x10000000, 0x100},
    [VIRT_VIRTIO] = {0x10001000, 0x1000},
    [VIRT_DRAM] = {0x80000000, 0},
};

#define VIRT_FDT_MAX_SIZE (64 * KiB)

/* Debian's opensbi package: the generic platform's fw_dynamic firmware. */
#define VIRT_OPENSBI_PATH "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"

/* ---- devices ---- */

/*
 * Create a system-bus device with "key", "value" pairs (NULL-terminated) and
 * realize it; an ns16550a gets irq as its interrupt line.
 */
static DeviceState *virt_create_device(const char *type, Chardev *chr, IrqLine *irq, GError **errp,
                                       ...)
{
    DeviceState *dev;
    va_list ap;

    va_start(ap, errp);
    dev = device_new_with_propsv(type, errp, ap);
    va_end(ap);
    if (!dev) {
        return NULL;
    }
    if (irq) {
        serial_mm_connect_irq(dev, irq);
    }
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
        b->virtio[i] = virtio_mmio_create(base, sifive_plic_irq(b->plic, VIRT_VIRTIO_IRQ + i),
                                          errp);
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

static bool virt_devices_init(VirtBoard *b, MachineState *ms, GError **errp)
{
    const VirtMemMapEntry *m = virt_memmap;
    g_autofree char *test_addr = g_strdup_printf("%" PRIu64, m[VIRT_TEST].base);
    g_autofree char *uart_addr = g_strdup_printf("%" PRIu64, m[VIRT_UART0].base);

    if (!virt_create_device("riscv.sifive.test", NULL, NULL, errp, "addr", test_addr, NULL)) {
        return false;
    }
    if (!riscv_aclint_create(m[VIRT_CLINT].base, 0, ms->smp.cpus, VIRT_TIMEBASE_FREQ, errp)) {
        return false;
    }
    b->plic = sifive_plic_create(m[VIRT_PLIC].base, m[VIRT_PLIC].size, 0, ms->smp.cpus,
                                 VIRT_IRQCHIP_NUM_SOURCES + 1, errp);
    if (!b->plic) {
        return false;
    }
    if (!goldfish_rtc_create(m[VIRT_RTC].base, sifive_plic_irq(b->plic, VIRT_RTC_IRQ), errp)) {
        return false;
    }
    /* The UART exists even without a -serial backend, as on QEMU: output is dropped. */
    return virt_create_device("ns16550a", serial_hd(0), sifive_plic_irq(b->plic, VIRT_UART0_IRQ),
                              errp, "addr", uart_addr, "regshift", "0", NULL) != NULL &&
           virt_virtio_init(b, errp);
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
        fdt_prop_str(f, node, "riscv,isa", riscv_cpu_isa_string(cpu));
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

/* A device's interrupts = <irq> on the PLIC. */
static void fdt_prop_plic_irq(FdtBuilder *f, int node, uint32_t plic_phandle, uint32_t irq)
{
    fdt_prop_cell(f, node, "interrupts", irq);
    fdt_prop_cell(f, node, "interrupt-parent", plic_phandle);
}

/* /soc: the MMIO devices, each at its QEMU address with QEMU's compatible strings. */
static uint32_t virt_fdt_soc(FdtBuilder *f, MachineState *ms, const uint32_t *intc_phandle)
{
    static const char test_compat[] = "sifive,test1\0sifive,test0\0syscon";
    static const char clint_compat[] = "sifive,clint0\0riscv,clint0";
    static const char plic_compat[] = "sifive,plic-1.0.0\0riscv,plic0";
    const VirtMemMapEntry *m = virt_memmap;
    int soc = fdt_node(f, 0, "soc");
    int node;
    uint32_t test_phandle, plic_phandle;
    g_autofree char *clint_name = g_strdup_printf("clint@%" PRIx64, m[VIRT_CLINT].base);
    g_autofree char *plic_name = g_strdup_printf("plic@%" PRIx64, m[VIRT_PLIC].base);
    g_autofree char *rtc_name = g_strdup_printf("rtc@%" PRIx64, m[VIRT_RTC].base);
    g_autofree char *test_name = g_strdup_printf("test@%" PRIx64, m[VIRT_TEST].base);
    g_autofree char *uart_name = g_strdup_printf("serial@%" PRIx64, m[VIRT_UART0].base);
    g_autofree fdt32_t *irqs = g_new(fdt32_t, ms->smp.cpus * 4);

    fdt_prop_cell(f, soc, "#address-cells", 2);
    fdt_prop_cell(f, soc, "#size-cells", 2);
    fdt_prop_str(f, soc, "compatible", "simple-bus");
    fdt_prop(f, soc, "ranges", NULL, 0);

    /* CLINT: per hart, its machine software (3) and machine timer (7) interrupts. */
    node = fdt_node(f, soc, clint_name);
    for (unsigned i = 0; i < ms->smp.cpus; i++) {
        irqs[i * 4 + 0] = cpu_to_fdt32(intc_phandle[i]);
        irqs[i * 4 + 1] = cpu_to_fdt32(IRQ_M_SOFT);
        irqs[i * 4 + 2] = cpu_to_fdt32(intc_phandle[i]);
        irqs[i * 4 + 3] = cpu_to_fdt32(IRQ_M_TIMER);
    }
    fdt_prop(f, node, "interrupts-extended", irqs, ms->smp.cpus * 4 * sizeof(fdt32_t));
    fdt_prop_reg(f, node, m[VIRT_CLINT].base, m[VIRT_CLINT].size);
    fdt_prop(f, node, "compatible", clint_compat, sizeof(clint_compat));

    /* PLIC: per hart, its M-mode (context 2i) and S-mode (2i + 1) external interrupts. */
    node = fdt_node(f, soc, plic_name);
    plic_phandle = fdt_new_phandle(f, node);
    fdt_prop_cell(f, node, "#address-cells", 0);
    fdt_prop_cell(f, node, "#interrupt-cells", 1);
    fdt_prop(f, node, "compatible", plic_compat, sizeof(plic_compat));
    fdt_prop(f, node, "interrupt-controller", NULL, 0);
    for (unsigned i = 0; i < ms->smp.cpus; i++) {
        irqs[i * 4 + 0] = cpu_to_fdt32(intc_phandle[i]);
        irqs[i * 4 + 1] = cpu_to_fdt32(IRQ_M_EXT);
        irqs[i * 4 + 2] = cpu_to_fdt32(intc_phandle[i]);
        irqs[i * 4 + 3] = cpu_to_fdt32(IRQ_S_EXT);
    }
    fdt_prop(f, node, "interrupts-extended", irqs, ms->smp.cpus * 4 * sizeof(fdt32_t));
    fdt_prop_reg(f, node, m[VIRT_PLIC].base, m[VIRT_PLIC].size);
    fdt_prop_cell(f, node, "riscv,ndev", VIRT_IRQCHIP_NUM_SOURCES);

    node = fdt_node(f, soc, test_name);
    test_phandle = fdt_new_phandle(f, node);
    fdt_prop_reg(f, node, m[VIRT_TEST].base, m[VIRT_TEST].size);
    fdt_prop(f, node, "compatible", test_compat, sizeof(test_compat));

    node = fdt_node(f, soc, uart_name);
    fdt_prop_plic_irq(f, node, plic_phandle, VIRT_UART0_IRQ);
    fdt_prop_cell(f, node, "clock-frequency", VIRT_UART_CLOCK);
    fdt_prop_reg(f, node, m[VIRT_UART0].base, m[VIRT_UART0].size);
    fdt_prop_str(f, node, "compatible", "ns16550a");

    node = fdt_node(f, soc, rtc_name);
    fdt_prop_plic_irq(f, node, plic_phandle, VIRT_RTC_IRQ);
    fdt_prop_reg(f, node, m[VIRT_RTC].base, m[VIRT_RTC].size);
    fdt_prop_str(f, node, "compatible", "google,goldfish-rtc");

    for (int i = 0; i < VIRT_VIRTIO_COUNT; i++) {
        VirtioMMIOFdtInfo info;

        virtio_mmio_get_fdt_info(((VirtBoard *)ms->board)->virtio[i], &info);
        node = fdt_node(f, soc, info.node_name);
        fdt_prop_plic_irq(f, node, plic_phandle, info.irq);
        fdt_prop_reg(f, node, info.base, m[VIRT_VIRTIO].size);
        fdt_prop_str(f, node, "compatible", info.compatible);
    }
    return test_phandle;
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

/* -bios none: the -kernel program runs in M-mode from reset. */
static bool virt_load_bare_metal(VirtBoard *b, MachineState *ms, GError **errp)
{
    uint64_t ram_base = virt_memmap[VIRT_DRAM].base;

    if (!ms->kernel_filename) {
        if (b->dumpdtb) {
            return true;
        }
        error_setg(errp, "-bios none: nothing to boot; give -kernel prog.elf (an ELF or raw "
                         "binary, started in M-mode), or drop -bios none to boot OpenSBI");
        return false;
    }
    if (ms->initrd_filename) {
        error_setg(errp, "-initrd: needs firmware boot (-bios default) on the virt machine; "
                         "with -bios none only a bare-metal -kernel runs");
        return false;
    }
    return riscv_load_kernel(ms->kernel_filename, ram_base, ms->ram_size, &b->entry, errp);
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

static bool virt_set_option(MachineState *ms, const char *key, const char *value, GError **errp)
{
    VirtBoard *b = virt_board(ms);

    if (strcmp(key, "dumpdtb") == 0) {
        if (!value || !value[0]) {
            error_setg(errp, "-machine dumpdtb: needs a file name (dumpdtb=virt.dtb)");
            return false;
        }
        g_free(b->dumpdtb);
        b->dumpdtb = g_strdup(value);
        return true;
    }
    error_setg(errp,
               "-machine: unknown parameter '%s' for the virt machine; accepted: type, "
               "accel, dumpdtb",
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
    .init = virt_init,
    .reset = virt_reset,
    .set_option = virt_set_option,
    .extra_options = "type, accel, dumpdtb",
};

MIMIC_INIT(virt_machine_register)
{
    machine_class_register(&virt_machine);
}
