/*
 * The riscv64 "spike" machine, as QEMU's hw/riscv/spike.c lays it out for
 * the bare-metal programs written for the spike ISA simulator (riscv-tests,
 * riscv-pk and the like):
 *
 *   0x02000000  CLINT (ACLINT)   msip, mtimecmp, mtime at 10 MHz
 *   0x80000000  RAM              -m
 *   tohost      HTIF             wherever the -kernel ELF's tohost and
 *   fromhost                     fromhost symbols are (hw/char/htif.c)
 *
 * The -kernel ELF runs in M-mode from its entry on every hart, with a0 = hart
 * id and a1 = a device tree (cpus, memory, CLINT, and the HTIF as
 * "ucb,htif0") placed near the top of RAM.
 *
 * Left out: firmware boot (-bios FILE, QEMU's OpenSBI default), raw images
 * (they have no symbol table to find tohost in), QEMU's htif base/size
 * override for symbol-less images, and more than one socket.
 */
#include "chardev/char.h"
#include "core/machine.h"
#include "core/qdev.h"
#include "hw/char/htif.h"
#include "hw/core/loader.h"
#include "hw/core/reset.h"
#include "hw/intc/riscv_aclint.h"
#include "hw/riscv/boot.h"
#include "system/memory.h"
#include "system/system.h"
#include "target/riscv/cpu.h"
#include "util/error.h"
#include "hw/core/fdt-builder.h"
#include <libfdt.h>

#define SPIKE_CLINT_BASE 0x2000000
#define SPIKE_DRAM_BASE 0x80000000
#define SPIKE_TIMEBASE_FREQ 10000000 /* 10 MHz, like QEMU */
#define SPIKE_MAX_HARTS 8
#define SPIKE_FDT_MAX_SIZE (64 * KiB)

typedef struct SpikeBoard {
    MemoryRegion ram;
    void *fdt;
    uint64_t fdt_addr;
    uint64_t entry;
} SpikeBoard;

/* ---- the program and its HTIF ---- */

/* Load -kernel and create the HTIF at the program's tohost/fromhost symbols. */
static bool spike_load_program(SpikeBoard *b, MachineState *ms, GError **errp)
{
    g_autofree uint8_t *data = NULL;
    const char *path = ms->kernel_filename;
    uint64_t tohost, fromhost = 0;
    size_t len;

    if (!path) {
        error_setg(errp, "the spike machine needs a program: give -kernel prog.elf (an ELF "
                         "with tohost and fromhost symbols, as riscv-tests builds them)");
        return false;
    }
    if (ms->initrd_filename) {
        error_setg(errp, "-initrd: the spike machine runs only a bare-metal -kernel");
        return false;
    }
    if (!load_file("-kernel", path, &data, &len, errp)) {
        return false;
    }
    if (!is_elf(data, len)) {
        error_setg(errp,
                   "-kernel '%s': the spike machine needs an ELF image (its tohost "
                   "symbol places the HTIF); raw binaries are not supported",
                   path);
        return false;
    }
    if (!elf_lookup_symbol(data, len, "tohost", &tohost)) {
        error_setg(errp,
                   "-kernel '%s': no 'tohost' symbol in the ELF symbol table, so the spike "
                   "machine cannot place its HTIF; define tohost and fromhost (8-byte words, "
                   "e.g. in a .tohost section as riscv-tests does) and do not strip the file",
                   path);
        return false;
    }
    elf_lookup_symbol(data, len, "fromhost", &fromhost);
    if (!riscv_load_kernel(path, SPIKE_DRAM_BASE, ms->ram_size, &b->entry, errp)) {
        return false;
    }
    return htif_create(tohost, fromhost, serial_hd(0), errp) != NULL;
}

/* ---- device tree ---- */

/* /cpus with one node per hart and its interrupt controller (phandle i + 1). */
static void spike_fdt_cpus(FdtBuilder *f, MachineState *ms)
{
    int cpus_node = fdt_node(f, 0, "cpus");

    fdt_prop_cell(f, cpus_node, "#address-cells", 1);
    fdt_prop_cell(f, cpus_node, "#size-cells", 0);
    fdt_prop_cell(f, cpus_node, "timebase-frequency", SPIKE_TIMEBASE_FREQ);
    for (int i = (int)ms->smp.cpus - 1; i >= 0; i--) {
        g_autofree char *name = g_strdup_printf("cpu@%d", i);
        int node = fdt_node(f, cpus_node, name);
        int intc;

        fdt_prop_str(f, node, "device_type", "cpu");
        fdt_prop_cell(f, node, "reg", i);
        fdt_prop_str(f, node, "status", "okay");
        fdt_prop_str(f, node, "compatible", "riscv");
        riscv_fdt_prop_isa(f, node, riscv_cpu_isa_string(RISCV_CPU(cpus[i])));
        fdt_prop_str(f, node, "mmu-type", "riscv,sv57");
        intc = fdt_node(f, node, "interrupt-controller");
        fdt_prop_cell(f, intc, "#interrupt-cells", 1);
        fdt_prop(f, intc, "interrupt-controller", NULL, 0);
        fdt_prop_str(f, intc, "compatible", "riscv,cpu-intc");
        fdt_prop_cell(f, intc, "phandle", i + 1);
    }
}

static bool spike_build_fdt(SpikeBoard *b, MachineState *ms, GError **errp)
{
    static const char clint_compat[] = "sifive,clint0\0riscv,clint0";
    FdtBuilder f;
    g_autofree char *mem_name = g_strdup_printf("memory@%x", SPIKE_DRAM_BASE);
    g_autofree char *clint_name = g_strdup_printf("clint@%x", SPIKE_CLINT_BASE);
    g_autofree uint32_t *intc_phandle = g_new(uint32_t, ms->smp.cpus);
    int node, soc;

    fdt_builder_init(&f, SPIKE_FDT_MAX_SIZE);
    fdt_prop_cell(&f, 0, "#address-cells", 2);
    fdt_prop_cell(&f, 0, "#size-cells", 2);
    fdt_prop_str(&f, 0, "compatible", "ucb,spike-bare-dev");
    fdt_prop_str(&f, 0, "model", "ucb,spike-bare,qemu");

    node = fdt_node(&f, 0, "htif");
    fdt_prop_str(&f, node, "compatible", "ucb,htif0");

    node = fdt_node(&f, 0, "chosen");
    if (ms->kernel_cmdline && ms->kernel_cmdline[0]) {
        fdt_prop_str(&f, node, "bootargs", ms->kernel_cmdline);
    }

    node = fdt_node(&f, 0, mem_name);
    fdt_prop_str(&f, node, "device_type", "memory");
    fdt_prop_reg(&f, node, SPIKE_DRAM_BASE, ms->ram_size);

    spike_fdt_cpus(&f, ms);

    soc = fdt_node(&f, 0, "soc");
    fdt_prop_cell(&f, soc, "#address-cells", 2);
    fdt_prop_cell(&f, soc, "#size-cells", 2);
    fdt_prop_str(&f, soc, "compatible", "simple-bus");
    fdt_prop(&f, soc, "ranges", NULL, 0);
    /* CLINT: per hart, its machine software (3) and machine timer (7) interrupts. */
    node = fdt_node(&f, soc, clint_name);
    for (unsigned i = 0; i < ms->smp.cpus; i++) {
        intc_phandle[i] = i + 1; /* as spike_fdt_cpus gave them */
    }
    riscv_fdt_prop_hart_irqs(&f, node, intc_phandle, ms->smp.cpus,
                             (const uint32_t[]){IRQ_M_SOFT, IRQ_M_TIMER}, 2);
    fdt_prop_reg(&f, node, SPIKE_CLINT_BASE, RISCV_ACLINT_SIZE);
    fdt_prop(&f, node, "compatible", clint_compat, sizeof(clint_compat));

    b->fdt = fdt_builder_finish(&f, errp);
    return b->fdt != NULL;
}

/* ---- machine ---- */

static bool spike_init(MachineState *ms, GError **errp)
{
    SpikeBoard *b = g_new0(SpikeBoard, 1);
    const char *fw = ms->firmware;

    ms->board = b;
    if (fw && strcmp(fw, "none") != 0 && strcmp(fw, "default") != 0) {
        error_setg(errp,
                   "-bios %s: the spike machine boots only a bare-metal -kernel "
                   "(-bios none, the default here)",
                   fw);
        return false;
    }
    if (!memory_region_init_ram(&b->ram, "riscv.spike.ram", ms->ram_size, errp)) {
        return false;
    }
    memory_region_add_subregion(get_system_memory(), SPIKE_DRAM_BASE, &b->ram);
    if (!riscv_harts_create(ms, errp)) {
        return false;
    }
    if (!riscv_aclint_create(SPIKE_CLINT_BASE, 0, ms->smp.cpus, SPIKE_TIMEBASE_FREQ, errp) ||
        !spike_load_program(b, ms, errp) || !spike_build_fdt(b, ms, errp)) {
        return false;
    }
    if (!riscv_place_fdt(SPIKE_DRAM_BASE, ms->ram_size, fdt_totalsize(b->fdt), &b->fdt_addr,
                         errp)) {
        return false;
    }
    rom_add_blob("fdt", b->fdt, fdt_totalsize(b->fdt), b->fdt_addr);
    return riscv_harts_start(errp);
}

static void spike_reset(MachineState *ms)
{
    SpikeBoard *b = ms->board;

    machine_reset_devices();
    for (int i = 0; i < cpu_count; i++) {
        RISCVCPU *cpu = RISCV_CPU(cpus[i]);

        cpu->reset_pc = b->entry;
        cpus[i]->cc->reset(cpus[i]);
        riscv_hart_enter_bare_metal(cpu, b->entry, b->fdt_addr);
        cpu_synchronize_post_reset(cpus[i]);
    }
}

static const MachineClass spike_machine = {
    .name = "spike",
    .desc = "RISC-V Spike board (bare-metal programs with an HTIF: riscv-tests, riscv-pk)",
    .default_ram_size = 128 * MiB,
    .max_cpus = SPIKE_MAX_HARTS,
    .default_cpu_type = "rv64",
    .default_accel = "tcg",
    .init = spike_init,
    .reset = spike_reset,
};

MIMIC_INIT(spike_machine_register)
{
    machine_class_register(&spike_machine);
}
