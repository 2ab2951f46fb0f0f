/*
 * The riscv64 "virt" machine, laid out as QEMU's (hw/riscv/virt.c there) so
 * that programs, firmware and kernels written for it run unchanged:
 *
 *   0x00100000  SiFive test/finisher   exit with a status, or reset
 *   0x02000000  CLINT (ACLINT)         msip, mtimecmp, mtime at 10 MHz
 *   0x10000000  ns16550a UART          reg-shift 0, PLIC source 10
 *   0x80000000  RAM                    -m
 *
 * A device tree describing exactly these devices is generated with libfdt
 * (Devicetree Specification 0.4; the RISC-V bindings in Linux's
 * Documentation/devicetree/bindings/riscv/) and placed near the top of RAM.
 * Boot is direct: every hart starts in M-mode at the -kernel entry with
 * a0 = hart id and a1 = the device tree's address, as QEMU's reset vector
 * hands over with -bios none.
 *
 * Not yet here: the PLIC (the UART's interrupt line is left unconnected and its
 * node carries no interrupts property), virtio-mmio, RTC, PCIe, flash, fw_cfg,
 * and firmware (OpenSBI) boot; they arrive with the riscv64 virt machine issue.
 */
#include "hw/riscv/virt.h"
#include "accel/accel.h"
#include "chardev/char.h"
#include "core/qdev.h"
#include "hw/core/loader.h"
#include "hw/intc/riscv_aclint.h"
#include "hw/riscv/boot.h"
#include "system/system.h"
#include "target/riscv/cpu.h"
#include "util/error.h"
#include <libfdt.h>

const VirtMemMapEntry virt_memmap[VIRT_DEVICE_COUNT] = {
    [VIRT_TEST] = {0x100000, 0x1000},
    [VIRT_CLINT] = {0x2000000, RISCV_ACLINT_SIZE},
    [VIRT_UART0] = {0x10000000, 0x100},
    [VIRT_DRAM] = {0x80000000, 0},
};

#define VIRT_FDT_MAX_SIZE (64 * KiB)

/* ---- devices ---- */

/* Create a system-bus device with "key", "value" pairs (NULL-terminated) and realize it. */
static DeviceState *virt_create_device(const char *type, Chardev *chr, GError **errp, ...)
{
    DeviceState *dev = device_new(type, errp);
    const char *key;
    va_list ap;

    if (!dev) {
        return NULL;
    }
    va_start(ap, errp);
    while ((key = va_arg(ap, const char *))) {
        const char *value = va_arg(ap, const char *);
        if (!device_set_prop(dev, key, value, errp)) {
            va_end(ap);
            device_destroy(dev);
            return NULL;
        }
    }
    va_end(ap);
    if ((chr && !device_set_prop_link(dev, "chardev", chr, errp)) ||
        !device_realize(dev, sysbus_get_default(), errp)) {
        device_destroy(dev);
        return NULL;
    }
    return dev;
}

static bool virt_devices_init(MachineState *ms, GError **errp)
{
    g_autofree char *test_addr = g_strdup_printf("%" PRIu64, virt_memmap[VIRT_TEST].base);
    g_autofree char *uart_addr = g_strdup_printf("%" PRIu64, virt_memmap[VIRT_UART0].base);

    if (!virt_create_device("riscv.sifive.test", NULL, errp, "addr", test_addr, NULL)) {
        return false;
    }
    if (!riscv_aclint_create(virt_memmap[VIRT_CLINT].base, 0, ms->smp.cpus, VIRT_TIMEBASE_FREQ,
                             errp)) {
        return false;
    }
    /* The UART exists even without a -serial backend, as on QEMU: output is dropped. */
    return virt_create_device("ns16550a", serial_hd(0), errp, "addr", uart_addr, "regshift", "0",
                              NULL) != NULL;
}

/* ---- device tree ---- */

/* libfdt calls in sequence; the first failure is kept and later calls are skipped. */
typedef struct VirtFdt {
    void *fdt;
    int err;
    uint32_t next_phandle;
} VirtFdt;

static int fdt_node(VirtFdt *f, int parent, const char *name)
{
    int off;

    if (f->err) {
        return -1;
    }
    off = fdt_add_subnode(f->fdt, parent, name);
    if (off < 0) {
        f->err = off;
    }
    return off;
}

static void fdt_prop(VirtFdt *f, int node, const char *name, const void *val, int len)
{
    if (!f->err) {
        int r = fdt_setprop(f->fdt, node, name, val, len);
        f->err = r < 0 ? r : 0;
    }
}

static void fdt_prop_str(VirtFdt *f, int node, const char *name, const char *val)
{
    fdt_prop(f, node, name, val, strlen(val) + 1);
}

static void fdt_prop_cell(VirtFdt *f, int node, const char *name, uint32_t val)
{
    fdt32_t be = cpu_to_fdt32(val);

    fdt_prop(f, node, name, &be, sizeof(be));
}

/* reg = <base size> with #address-cells = #size-cells = 2. */
static void fdt_prop_reg(VirtFdt *f, int node, uint64_t base, uint64_t size)
{
    fdt32_t reg[4] = {cpu_to_fdt32(base >> 32), cpu_to_fdt32(base), cpu_to_fdt32(size >> 32),
                      cpu_to_fdt32(size)};

    fdt_prop(f, node, "reg", reg, sizeof(reg));
}

static uint32_t fdt_new_phandle(VirtFdt *f, int node)
{
    uint32_t ph = f->next_phandle++;

    fdt_prop_cell(f, node, "phandle", ph);
    return ph;
}

/* /cpus: one node per hart with its interrupt controller; fills intc_phandle[]. */
static void virt_fdt_cpus(VirtFdt *f, MachineState *ms, uint32_t *intc_phandle)
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

/* /soc: the MMIO devices, each at its QEMU address with QEMU's compatible strings. */
static uint32_t virt_fdt_soc(VirtFdt *f, MachineState *ms, const uint32_t *intc_phandle)
{
    static const char test_compat[] = "sifive,test1\0sifive,test0\0syscon";
    static const char clint_compat[] = "sifive,clint0\0riscv,clint0";
    const VirtMemMapEntry *m = virt_memmap;
    int soc = fdt_node(f, 0, "soc");
    int node;
    uint32_t test_phandle;
    g_autofree char *clint_name = g_strdup_printf("clint@%" PRIx64, m[VIRT_CLINT].base);
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

    node = fdt_node(f, soc, test_name);
    test_phandle = fdt_new_phandle(f, node);
    fdt_prop_reg(f, node, m[VIRT_TEST].base, m[VIRT_TEST].size);
    fdt_prop(f, node, "compatible", test_compat, sizeof(test_compat));

    /* The UART's interrupts/interrupt-parent come with the PLIC that routes its line. */
    node = fdt_node(f, soc, uart_name);
    fdt_prop_cell(f, node, "clock-frequency", VIRT_UART_CLOCK);
    fdt_prop_reg(f, node, m[VIRT_UART0].base, m[VIRT_UART0].size);
    fdt_prop_str(f, node, "compatible", "ns16550a");
    return test_phandle;
}

/* syscon-poweroff / syscon-reboot over the test device, as Linux's power/reset drivers read. */
static void virt_fdt_syscon(VirtFdt *f, const char *name, const char *compat, uint32_t regmap,
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
    VirtFdt f = {.fdt = g_malloc0(VIRT_FDT_MAX_SIZE), .next_phandle = 1};
    g_autofree uint32_t *intc_phandle = g_new0(uint32_t, ms->smp.cpus);
    g_autofree char *mem_name = g_strdup_printf("memory@%" PRIx64, virt_memmap[VIRT_DRAM].base);
    g_autofree char *stdout_path =
        g_strdup_printf("/soc/serial@%" PRIx64, virt_memmap[VIRT_UART0].base);
    uint32_t test_phandle;
    int node;

    f.err = fdt_create_empty_tree(f.fdt, VIRT_FDT_MAX_SIZE);
    fdt_prop_cell(&f, 0, "#address-cells", 2);
    fdt_prop_cell(&f, 0, "#size-cells", 2);
    fdt_prop_str(&f, 0, "compatible", "riscv-virtio");
    fdt_prop_str(&f, 0, "model", "riscv-virtio,qemu");

    node = fdt_node(&f, 0, "chosen");
    if (ms->kernel_cmdline && ms->kernel_cmdline[0]) {
        fdt_prop_str(&f, node, "bootargs", ms->kernel_cmdline);
    }
    fdt_prop_str(&f, node, "stdout-path", stdout_path);

    node = fdt_node(&f, 0, mem_name);
    fdt_prop_str(&f, node, "device_type", "memory");
    fdt_prop_reg(&f, node, virt_memmap[VIRT_DRAM].base, ms->ram_size);

    virt_fdt_cpus(&f, ms, intc_phandle);
    test_phandle = virt_fdt_soc(&f, ms, intc_phandle);
    virt_fdt_syscon(&f, "poweroff", "syscon-poweroff", test_phandle, 0x5555);
    virt_fdt_syscon(&f, "reboot", "syscon-reboot", test_phandle, 0x7777);

    if (!f.err) {
        f.err = fdt_pack(f.fdt);
    }
    if (f.err) {
        error_setg(errp, "building the device tree: %s", fdt_strerror(f.err));
        g_free(f.fdt);
        return false;
    }
    b->fdt = f.fdt;
    return true;
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

static bool virt_load_images(VirtBoard *b, MachineState *ms, GError **errp)
{
    const char *fw = ms->firmware;
    uint64_t ram_base = virt_memmap[VIRT_DRAM].base;

    /*
     * Firmware boot (Debian's OpenSBI as the default -bios) arrives with the
     * riscv64 virt machine issue. Until then the default firmware is "none":
     * no -bios, or -bios default, boots -kernel directly like -bios none.
     */
    if (fw && strcmp(fw, "none") != 0 && strcmp(fw, "default") != 0) {
        error_setg(errp,
                   "-bios %s: firmware boot is not supported on the virt machine yet (it arrives "
                   "with OpenSBI support); use -bios none -kernel prog.elf",
                   fw);
        return false;
    }
    if (!ms->kernel_filename) {
        if (b->dumpdtb) {
            return true;
        }
        error_setg(errp, "nothing to boot: give -bios none -kernel prog.elf (an ELF or raw "
                         "binary, started in M-mode); firmware boot arrives with OpenSBI "
                         "support");
        return false;
    }
    if (ms->initrd_filename) {
        error_setg(errp, "-initrd: not supported on the virt machine until firmware boot "
                         "arrives; boot a bare-metal -kernel");
        return false;
    }
    if (!riscv_load_kernel(ms->kernel_filename, ram_base, ms->ram_size, &b->entry, errp)) {
        return false;
    }
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
    const AccelOps *accel = current_accel();

    if (!memory_region_init_ram(&b->ram, "riscv_virt_board.ram", ms->ram_size, errp)) {
        return false;
    }
    memory_region_add_subregion(get_system_memory(), virt_memmap[VIRT_DRAM].base, &b->ram);

    for (unsigned i = 0; i < ms->smp.cpus; i++) {
        if (!riscv_cpu_new(i, i, ms->cpu_type, errp)) {
            return false;
        }
    }
    if (!virt_devices_init(ms, errp) || !virt_load_images(b, ms, errp) ||
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
    for (int i = 0; i < cpu_count; i++) {
        if (!accel->vcpu_create(cpus[i], errp)) {
            return false;
        }
    }
    return true;
}

static void virt_reset(MachineState *ms)
{
    VirtBoard *b = ms->board;
    const AccelOps *accel = current_accel();

    qdev_reset_all();
    rom_reset();
    if (accel->reset_vm) {
        accel->reset_vm();
    }
    for (int i = 0; i < cpu_count; i++) {
        RISCVCPU *cpu = RISCV_CPU(cpus[i]);

        cpu->reset_pc = b->entry;
        cpus[i]->cc->reset(cpus[i]);
        /* -bios none hand-over (QEMU's reset vector): M-mode, a0 = hart id, a1 = fdt. */
        cpu->pc = b->entry;
        cpu->priv = PRV_M;
        cpu->gpr[10] = cpu->mhartid;
        cpu->gpr[11] = b->fdt_addr;
        cpu_synchronize_post_reset(cpus[i]);
    }
}

static const MachineClass virt_machine = {
    .name = "virt",
    .desc = "RISC-V VirtIO board (QEMU's memory map; bare-metal boot for now)",
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
