/*
 * The x86_64 "pc" machine: RAM below and above the 32-bit PCI hole, the
 * i440FX/PIIX3 PCI host, the legacy ISA devices every PC has (COM ports, RTC,
 * i8042, port 0x92, ACPI PM), fw_cfg, ACPI tables, and direct boot of a Linux
 * bzImage or a Multiboot kernel. Interrupt controllers and the PIT live in the
 * accelerator (KVM's in-kernel irqchip). -drive if=virtio disks become
 * virtio-blk-pci devices on pci.0, as on QEMU's pc machine.
 */
#include "hw/i386/pc.h"
#include "hw/core/loader.h"
#include "hw/core/reset.h"
#include "hw/ide/piix.h"
#include "hw/isa/isa.h"
#include "hw/pci/i440fx.h"
#include "hw/pci/msi.h"
#include "block/drive.h"
#include "hw/pci/pci.h"
#include "hw/rtc/mc146818rtc.h"
#include "accel/accel.h"
#include "chardev/char.h"
#include "core/qdev.h"
#include "system/system.h"
#include "target/x86/cpu.h"
#include "util/error.h"

#define PC_BOOT_CS 0x10
#define PC_MAX_CPUS 255

static void pc_gsi_handler(void *opaque, int n, int level)
{
    PCBoard *pc = opaque;

    if (level && !(pc->gsi_level & (1u << n))) {
        pc->gsi_raised[n]++;
    }
    pc->gsi_level = level ? pc->gsi_level | (1u << n) : pc->gsi_level & ~(1u << n);
    current_accel()->set_irq(n, level);
}

/*
 * info irq counts what the devices raise on each GSI: GSIs 0-15 reach both the
 * accelerator's i8259 pair and its IOAPIC, 16-23 the IOAPIC alone.
 */
static void pc_irq_stats_init(PCBoard *pc)
{
    pc->pic_stats = (IrqStats){"isa-i8259", pc->gsi_raised, 16};
    pc->ioapic_stats = (IrqStats){"ioapic", pc->gsi_raised, PC_GSI_COUNT};
    irq_stats_register(&pc->pic_stats);
    irq_stats_register(&pc->ioapic_stats);
}

/*
 * The window PCI functions write their MSIs to (Intel SDM vol. 3 §11.11:
 * address 0xFEExxxxx with the destination APIC in bits 19:12, the vector and
 * delivery mode in the data). The CPUs' own accesses to their local APIC page
 * stay inside the accelerator's irqchip; what arrives here is device DMA, and
 * the accelerator delivers it.
 */
static uint64_t pc_msi_read(void *opaque, uint64_t offset, unsigned size)
{
    return 0;
}

static void pc_msi_write(void *opaque, uint64_t offset, uint64_t data, unsigned size)
{
    PCBoard *pc = opaque;

    pc->msi_sent[data & (PC_MSI_VECTORS - 1)]++;
    current_accel()->send_msi(PC_MSI_WINDOW_ADDR + offset, data);
}

static const MemoryRegionOps pc_msi_ops = {
    .read = pc_msi_read,
    .write = pc_msi_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 4, .max_access_size = 4},
};

/* PCI functions get MSI and MSI-X capabilities only where their messages reach a CPU. */
static void pc_msi_init(PCBoard *pc)
{
    if (!current_accel()->send_msi) {
        return;
    }
    memory_region_init_io(&pc->msi_window, &pc_msi_ops, pc, "apic-msi", PC_MSI_WINDOW_SIZE);
    memory_region_add_subregion(get_system_memory(), PC_MSI_WINDOW_ADDR, &pc->msi_window);
    pc->msi_stats = (IrqStats){"apic-msi", pc->msi_sent, PC_MSI_VECTORS};
    irq_stats_register(&pc->msi_stats);
    msi_set_supported(true);
}

static void e820_add(PCBoard *pc, uint64_t addr, uint64_t size, uint32_t type)
{
    g_assert(pc->e820_count < E820_MAX_ENTRIES);
    pc->e820[pc->e820_count++] = (E820Entry){addr, size, type};
}

static bool pc_memory_init(PCBoard *pc, MachineState *ms, GError **errp)
{
    MemoryRegion *sysmem = get_system_memory();

    pc->below_4g = MIN(ms->ram_size, PC_PCI_HOLE_START);
    pc->above_4g = ms->ram_size - pc->below_4g;
    if (!memory_region_init_ram(&pc->ram, "pc.ram", ms->ram_size, errp)) {
        return false;
    }
    memory_region_init_alias(&pc->ram_below_4g, "ram-below-4g", &pc->ram, 0, pc->below_4g);
    memory_region_add_subregion(sysmem, 0, &pc->ram_below_4g);
    if (pc->above_4g) {
        memory_region_init_alias(&pc->ram_above_4g, "ram-above-4g", &pc->ram, pc->below_4g,
                                 pc->above_4g);
        memory_region_add_subregion(sysmem, 4 * GiB, &pc->ram_above_4g);
    }

    e820_add(pc, 0, PC_EBDA_START, E820_RAM);
    e820_add(pc, PC_EBDA_START, 0xa0000 - PC_EBDA_START, E820_RESERVED);
    e820_add(pc, PC_ACPI_TABLES_ADDR, PC_HIGH_MEMORY - PC_ACPI_TABLES_ADDR, E820_RESERVED);
    if (pc->below_4g > PC_HIGH_MEMORY) {
        e820_add(pc, PC_HIGH_MEMORY, pc->below_4g - PC_HIGH_MEMORY, E820_RAM);
    }
    /* KVM's identity map and TSS pages near the top of the 32-bit space. */
    e820_add(pc, 0xfffbc000, 0x4000, E820_RESERVED);
    if (pc->above_4g) {
        e820_add(pc, 4 * GiB, pc->above_4g, E820_RAM);
    }
    return true;
}

/* APIC ids pack thread, core and socket numbers into bit fields (SDM vol. 3 §8.9). */
static uint32_t pc_apic_id(const CpuTopology *t, unsigned index)
{
    unsigned thread_bits = g_bit_storage(t->threads - 1);
    unsigned core_bits = g_bit_storage(t->cores - 1);
    unsigned thread = index % t->threads;
    unsigned core = (index / t->threads) % t->cores;
    unsigned socket = index / (t->threads * t->cores);

    if (t->threads == 1) {
        thread_bits = 0;
    }
    if (t->cores == 1) {
        core_bits = 0;
    }
    return (socket << (core_bits + thread_bits)) | (core << thread_bits) | thread;
}

static bool pc_cpus_init(MachineState *ms, GError **errp)
{
    const AccelOps *accel = current_accel();

    if (pc_apic_id(&ms->smp, ms->smp.cpus - 1) > 254) {
        error_setg(errp, "-smp: this topology needs APIC ids above 254, which the pc machine's "
                         "xAPIC cannot address");
        return false;
    }
    for (unsigned i = 0; i < ms->smp.cpus; i++) {
        X86CPU *cpu = x86_cpu_new(i, pc_apic_id(&ms->smp, i), ms->cpu_type, errp);
        if (!cpu || !accel->vcpu_create(&cpu->parent, errp)) {
            return false;
        }
    }
    return true;
}

static bool pc_serial_init(GError **errp)
{
    for (int i = 0; i < MAX_SERIAL_PORTS; i++) {
        Chardev *chr = serial_hd(i);
        g_autofree char *index = g_strdup_printf("%d", i);
        DeviceState *dev;

        if (!chr) {
            continue;
        }
        dev = device_new("isa-serial", errp);
        if (!dev || !device_set_prop(dev, "index", index, errp) ||
            !device_set_prop_link(dev, "chardev", chr, errp) ||
            !device_realize(dev, bus_find("isa.0"), errp)) {
            if (dev) {
                device_destroy(dev);
            }
            return false;
        }
    }
    return true;
}

/* Port 0x80 is the POST code port, used by Linux as an I/O delay: accept and ignore. */
static uint64_t ioport80_read(void *opaque, uint64_t addr, unsigned size)
{
    return 0xff;
}

static void ioport80_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
}

static const MemoryRegionOps ioport80_ops = {
    .read = ioport80_read,
    .write = ioport80_write,
    .valid = {.min_access_size = 1, .max_access_size = 4},
};

/* -drive if=virtio: one virtio-blk-pci each, in index order, in the first free slots. */
static bool pc_virtio_drives_init(BusState *pci_bus, GError **errp)
{
    for (int i = 0; i <= drive_get_max_index(IF_VIRTIO); i++) {
        DriveInfo *d = drive_get_by_index(IF_VIRTIO, i);

        if (d && !device_create_with_props("virtio-blk-pci", pci_bus, errp, "drive", d->id, NULL)) {
            return false;
        }
    }
    return true;
}

static bool pc_devices_init(PCBoard *pc, MachineState *ms, GError **errp)
{
    static const char *const isa_devices[] = {"mc146818rtc", "i8042", "port92", "acpi-pm"};
    BusState *pci_bus;

    isa_bus_new(pc->gsi);
    pci_bus = i440fx_init(pc->gsi, errp);
    if (!pci_bus || !piix3_ide_init(pci_bus, PCI_DEVFN(1, 1), errp)) {
        return false;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(isa_devices); i++) {
        if (!device_create_simple(isa_devices[i], bus_find("isa.0"), errp)) {
            return false;
        }
    }
    if (!pc_serial_init(errp) || !pc_virtio_drives_init(pci_bus, errp)) {
        return false;
    }
    memory_region_init_io(&pc->ioport80, &ioport80_ops, NULL, "ioport80", 1);
    memory_region_add_subregion(get_system_io(), 0x80, &pc->ioport80);
    pc->fw_cfg = fw_cfg_init_io(0x510, true, errp);
    return pc->fw_cfg != NULL;
}

static void pc_fw_cfg_init(PCBoard *pc, MachineState *ms)
{
    static const uint8_t uuid[16];

    fw_cfg_add_i64(pc->fw_cfg, FW_CFG_RAM_SIZE, ms->ram_size);
    fw_cfg_add_i16(pc->fw_cfg, FW_CFG_NB_CPUS, ms->smp.cpus);
    fw_cfg_add_i16(pc->fw_cfg, FW_CFG_MAX_CPUS, ms->smp.max_cpus);
    fw_cfg_add_i16(pc->fw_cfg, FW_CFG_NOGRAPHIC, nographic);
    fw_cfg_add_i16(pc->fw_cfg, FW_CFG_BOOT_MENU, 0);
    fw_cfg_add_bytes(pc->fw_cfg, FW_CFG_UUID, uuid, sizeof(uuid));
    fw_cfg_add_file(pc->fw_cfg, "etc/e820", pc->e820, pc->e820_count * sizeof(E820Entry));
}

/* CMOS bytes PC firmware leaves for the OS: memory sizes in KiB / 64 KiB units. */
static void pc_cmos_init(PCBoard *pc)
{
    DeviceState *rtc = NULL;
    uint64_t ext_kb = MIN((pc->below_4g - PC_HIGH_MEMORY) / KiB, 0xffffu);
    uint64_t above_16m = pc->below_4g > 16 * MiB ? MIN((pc->below_4g - 16 * MiB) / (64 * KiB),
                                                       0xffffu)
                                                 : 0;
    uint64_t above_4g = pc->above_4g / (64 * KiB);

    for (guint i = 0; i < bus_find("isa.0")->children->len; i++) {
        DeviceState *dev = g_ptr_array_index(bus_find("isa.0")->children, i);
        if (strcmp(device_type(dev), "mc146818rtc") == 0) {
            rtc = dev;
        }
    }
    g_assert(rtc);
    rtc_set_memory(rtc, 0x17, ext_kb);
    rtc_set_memory(rtc, 0x18, ext_kb >> 8);
    rtc_set_memory(rtc, 0x30, ext_kb);
    rtc_set_memory(rtc, 0x31, ext_kb >> 8);
    rtc_set_memory(rtc, 0x34, above_16m);
    rtc_set_memory(rtc, 0x35, above_16m >> 8);
    rtc_set_memory(rtc, 0x5b, above_4g);
    rtc_set_memory(rtc, 0x5c, above_4g >> 8);
    rtc_set_memory(rtc, 0x5d, above_4g >> 16);
    rtc_set_memory(rtc, 0x5f, MAX(cpu_count - 1, 0));
}

static bool pc_load_kernel(PCBoard *pc, MachineState *ms, GError **errp)
{
    g_autofree uint8_t *data = NULL;
    size_t len;
    /* A flat GDT: null, null, 0x10 code, 0x18 data (the Linux boot protocol's selectors). */
    static const uint64_t gdt[4] = {0, 0, 0x00cf9b000000ffffULL, 0x00cf93000000ffffULL};

    if (!ms->kernel_filename) {
        error_setg(errp, "nothing to boot: give -kernel with a Linux bzImage or a Multiboot "
                         "ELF (firmware boot from disk is not supported yet)");
        return false;
    }
    if (!load_file("-kernel", ms->kernel_filename, &data, &len, errp)) {
        return false;
    }
    rom_add_blob("boot-gdt", gdt, sizeof(gdt), PC_BOOT_GDT_ADDR);
    if (pc_linux_is_bzimage(data, len)) {
        return pc_linux_load(pc, ms, data, len, errp);
    }
    if (pc_multiboot_probe(data, len)) {
        return pc_multiboot_load(pc, ms, data, len, errp);
    }
    error_setg(errp, "-kernel '%s' is neither a Linux bzImage nor a Multiboot image",
               ms->kernel_filename);
    return false;
}

static bool pc_init(MachineState *ms, GError **errp)
{
    PCBoard *pc = g_new0(PCBoard, 1);

    ms->board = pc;
    if (!current_accel()->has_irqchip) {
        error_setg(errp, "the pc machine needs an accelerator that provides the interrupt "
                         "controllers; use -accel kvm");
        return false;
    }
    if (!x86_cpu_model_known(ms->cpu_type)) {
        error_setg(errp, "-cpu %s: unknown CPU model (see -cpu help)", ms->cpu_type);
        return false;
    }
    pc->gsi = irq_allocate(pc_gsi_handler, pc, PC_GSI_COUNT);
    pc_irq_stats_init(pc);
    pc_msi_init(pc);
    if (!pc_memory_init(pc, ms, errp) || !pc_cpus_init(ms, errp) ||
        !pc_devices_init(pc, ms, errp)) {
        return false;
    }
    pc_fw_cfg_init(pc, ms);
    pc_cmos_init(pc);
    return pc_load_kernel(pc, ms, errp);
}

static void pc_reset(MachineState *ms)
{
    PCBoard *pc = ms->board;

    /* The DSDT lists the removable PCI slots, so it waits for the -device cards. */
    if (!pc->acpi_built) {
        pc_acpi_build(pc, ms);
        pc->acpi_built = true;
    }
    machine_reset_devices();
    for (int i = 0; i < cpu_count; i++) {
        X86CPU *cpu = X86_CPU(cpus[i]);

        cpus[i]->cc->reset(cpus[i]);
        if (i == 0 && pc->boot.valid) {
            x86_cpu_set_flat32(cpu, pc->boot.entry);
            cpu->gdt = (X86DescTable){.base = PC_BOOT_GDT_ADDR, .limit = 4 * 8 - 1};
            cpu->regs[R_EAX] = pc->boot.eax;
            cpu->regs[R_EBX] = pc->boot.ebx;
            cpu->regs[R_ESI] = pc->boot.esi;
            cpu->regs[R_EDX] = 0;
        }
        cpu_synchronize_post_reset(cpus[i]);
    }
}

static const MachineClass pc_machine = {
    .name = "pc-i440fx-mimic",
    .alias = "pc",
    .desc = "Standard PC (i440FX + PIIX, 1996)",
    .is_default = true,
    .default_ram_size = 128 * MiB,
    .max_cpus = PC_MAX_CPUS,
    .default_cpu_type = "mimic64",
    .default_accel = "kvm",
    .default_nic_model = "e1000",
    .default_net = true,
    .default_block_interface = "ide",
    .init = pc_init,
    .reset = pc_reset,
};

MIMIC_INIT(pc_machine_register)
{
    machine_class_register(&pc_machine);
}
