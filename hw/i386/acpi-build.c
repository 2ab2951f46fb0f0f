/*
 * ACPI tables for the pc machine (ACPI 6.4 ch. 5): RSDP, RSDT, XSDT, FADT,
 * FACS, a DSDT, and a MADT listing every CPU's local APIC, the IOAPIC and the
 * ISA interrupt overrides. They are written at PC_ACPI_TABLES_ADDR (inside the
 * BIOS area the e820 map reserves), where the RSDP is found by the classic
 * scan of 0xE0000-0xFFFFF.
 *
 * The DSDT holds the \_S5 soft-off package and \_SB.PCI0, the i440FX root
 * bus: its windows (_CRS) and the PCI hotplug glue of hw/acpi/pcihp.h, with
 * the hotplug registers as fields, one Device Sxx per removable slot (_ADR,
 * _SUN, _EJ0), PCNT turning the up/down bitmaps into Notify()s, and
 * \_GPE._E01 calling it. Left out: PCI0's _PRT (interrupt routing), 64-bit
 * memory above 4 GiB.
 */
#include "hw/i386/pc.h"
#include "hw/acpi/acpi-pm.h"
#include "hw/acpi/aml-build.h"
#include "hw/acpi/pcihp.h"
#include "hw/core/loader.h"
#include "core/cpu.h"

#define ACPI_OEM_ID "MIMIC "
#define ACPI_OEM_TABLE_ID "MIMICPC "

typedef struct AcpiHeader {
    char signature[4];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    char creator_id[4];
    uint32_t creator_revision;
} __attribute__((packed)) AcpiHeader;

typedef struct AcpiGas {
    uint8_t space_id; /* 1 = system I/O */
    uint8_t bit_width;
    uint8_t bit_offset;
    uint8_t access_width;
    uint64_t address;
} __attribute__((packed)) AcpiGas;

typedef struct AcpiRsdp {
    char signature[8];
    uint8_t checksum;
    char oem_id[6];
    uint8_t revision;
    uint32_t rsdt_address;
    uint32_t length;
    uint64_t xsdt_address;
    uint8_t extended_checksum;
    uint8_t reserved[3];
} __attribute__((packed)) AcpiRsdp;

/* FADT revision 5 layout up to the hypervisor vendor id (ACPI 6.4 table 5.9). */
typedef struct AcpiFadt {
    AcpiHeader h;
    uint32_t firmware_ctrl, dsdt;
    uint8_t reserved0, preferred_pm_profile;
    uint16_t sci_int;
    uint32_t smi_cmd;
    uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
    uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk, pm2_cnt_blk, pm_tmr_blk;
    uint32_t gpe0_blk, gpe1_blk;
    uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len, gpe0_blk_len, gpe1_blk_len;
    uint8_t gpe1_base, cst_cnt;
    uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
    uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
    uint16_t iapc_boot_arch;
    uint8_t reserved1;
    uint32_t flags;
    AcpiGas reset_reg;
    uint8_t reset_value;
    uint16_t arm_boot_arch;
    uint8_t minor_revision;
    uint64_t x_firmware_ctrl, x_dsdt;
    AcpiGas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk, x_pm2_cnt_blk;
    AcpiGas x_pm_tmr_blk, x_gpe0_blk, x_gpe1_blk, sleep_control_reg, sleep_status_reg;
} __attribute__((packed)) AcpiFadt;

enum {
    FADT_WBINVD = 1u << 0,
    FADT_PROC_C1 = 1u << 2,
    FADT_SLP_BUTTON = 1u << 5, /* no fixed-feature sleep button */
    FADT_RTC_S4 = 1u << 7,
    FADT_TMR_VAL_EXT = 1u << 8,
    FADT_RESET_REG_SUP = 1u << 10,
    BOOT_ARCH_LEGACY_DEVICES = 1u << 0,
    BOOT_ARCH_8042 = 1u << 1,
};

typedef struct TableBuilder {
    uint8_t buf[PC_ACPI_TABLES_SIZE];
    size_t used;
} TableBuilder;

static uint64_t table_alloc(TableBuilder *t, size_t len, size_t align)
{
    size_t off = ROUND_UP(t->used, align);

    g_assert(off + len <= sizeof(t->buf));
    t->used = off + len;
    return off;
}

static uint8_t acpi_checksum(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint8_t sum = 0;

    while (len--) {
        sum += *p++;
    }
    return (uint8_t)-sum;
}

static void header_init(AcpiHeader *h, const char *sig, uint32_t len, uint8_t rev)
{
    memcpy(h->signature, sig, 4);
    h->length = len;
    h->revision = rev;
    memcpy(h->oem_id, ACPI_OEM_ID, 6);
    memcpy(h->oem_table_id, ACPI_OEM_TABLE_ID, 8);
    h->oem_revision = 1;
    memcpy(h->creator_id, "MIMC", 4);
    h->creator_revision = 1;
}

/* Copy a finished table into the blob at off and fix its checksum. */
static uint64_t table_add(TableBuilder *t, void *table, size_t len, size_t align)
{
    uint64_t off = table_alloc(t, len, align);
    AcpiHeader *h = (AcpiHeader *)(t->buf + off);

    memcpy(h, table, len);
    h->checksum = 0;
    h->checksum = acpi_checksum(h, len);
    return off;
}

/* Name (_S5, Package (4) { 5, 5, 0, 0 }): SLP_TYP for soft-off (ACPI 6.4 §7.4.2). */
static Aml *dsdt_s5(void)
{
    Aml *pkg = aml_package();

    aml_append(pkg, aml_int(ACPI_S5_SLP_TYP));
    aml_append(pkg, aml_int(ACPI_S5_SLP_TYP));
    aml_append(pkg, aml_int(0));
    aml_append(pkg, aml_int(0));
    return aml_name_decl("_S5", pkg);
}

static void dsdt_slot_name(char name[5], unsigned slot)
{
    snprintf(name, 5, "S%02X", slot);
}

/* A removable slot: its address, its number for the OS, and _EJ0 asking for the eject. */
static Aml *dsdt_slot(unsigned slot)
{
    char name[5];
    Aml *dev, *ej0;
    Aml *sun;

    dsdt_slot_name(name, slot);
    dev = aml_device(name);
    aml_append(dev, aml_name_decl("_ADR", aml_int(slot << 16)));
    aml_append(dev, aml_name_decl("_SUN", aml_int(slot)));
    ej0 = aml_method("_EJ0", 1, false);
    sun = aml_name("_SUN");
    aml_append(ej0, aml_call("PCEJ", 1, &sun));
    aml_append(dev, ej0);
    return dev;
}

/* If (And (bitmap, 1 << slot)) { Notify (Sxx, event) } for each removable slot. */
static void dsdt_notify_slots(Aml *method, unsigned bitmap_local, uint32_t slots, unsigned event)
{
    for (unsigned slot = 0; slot < ACPI_PCIHP_SLOTS; slot++) {
        char name[5];
        Aml *cond;

        if (!(slots & (1u << slot))) {
            continue;
        }
        dsdt_slot_name(name, slot);
        cond = aml_if(aml_and(aml_local(bitmap_local), aml_int(1u << slot)));
        aml_append(cond, aml_notify(aml_name(name), aml_int(event)));
        aml_append(method, cond);
    }
}

/* ACPI 6.4 §5.6.6: Device Check (1) for an added card, Eject Request (3) for a removal. */
enum { NOTIFY_DEVICE_CHECK = 1, NOTIFY_EJECT_REQUEST = 3 };

/*
 * What the host bridge decodes for the bus: every bus number, the I/O ports but
 * its own configuration ports, the VGA window and the 32-bit hole from the end
 * of low RAM to the IOAPIC. An OS places BARs here.
 */
static Aml *dsdt_pci0_crs(const PCBoard *pc)
{
    Aml *crs = aml_resource_template();

    aml_append(crs, aml_word_bus_number(0x00, 0xff));
    aml_append(crs, aml_word_io(0x0000, 0x0cf7));
    aml_append(crs, aml_word_io(0x0d00, 0xffff));
    aml_append(crs, aml_dword_memory(0x000a0000, 0x000bffff));
    aml_append(crs, aml_dword_memory(pc->below_4g, PC_IOAPIC_ADDR - 1));
    return aml_name_decl("_CRS", crs);
}

static Aml *dsdt_pci0(const PCBoard *pc, PCIBus *bus)
{
    uint32_t slots = acpi_pcihp_removable_slots(bus);
    Aml *pci0 = aml_device("PCI0");
    Aml *field, *pcej, *pcnt;

    aml_append(pci0, aml_name_decl("_HID", aml_eisaid("PNP0A03")));
    aml_append(pci0, aml_name_decl("_UID", aml_int(0)));
    aml_append(pci0, dsdt_pci0_crs(pc));
    aml_append(pci0, aml_operation_region("PCST", AML_SYSTEM_IO, ACPI_PCIHP_BASE, ACPI_PCIHP_SIZE));
    field = aml_field("PCST", AML_FIELD_DWORD_ACC | AML_FIELD_NO_LOCK | AML_FIELD_WRITE_AS_ZEROS);
    aml_field_unit(field, "PCIU", 32);
    aml_field_unit(field, "PCID", 32);
    aml_field_unit(field, "B0EJ", 32);
    aml_field_unit(field, "PCRM", 32);
    aml_append(pci0, field);

    /* PCEJ (slot): Store (ShiftLeft (One, slot), B0EJ) */
    pcej = aml_method("PCEJ", 1, false);
    aml_append(pcej, aml_store(aml_shiftleft(aml_int(1), aml_arg(0)), aml_name("B0EJ")));
    aml_append(pci0, pcej);

    for (unsigned slot = 0; slot < ACPI_PCIHP_SLOTS; slot++) {
        if (slots & (1u << slot)) {
            aml_append(pci0, dsdt_slot(slot));
        }
    }

    /* PCIU clears when read: take both bitmaps once, then notify. */
    pcnt = aml_method("PCNT", 0, true);
    aml_append(pcnt, aml_store(aml_name("PCIU"), aml_local(0)));
    aml_append(pcnt, aml_store(aml_name("PCID"), aml_local(1)));
    dsdt_notify_slots(pcnt, 0, slots, NOTIFY_DEVICE_CHECK);
    dsdt_notify_slots(pcnt, 1, slots, NOTIFY_EJECT_REQUEST);
    aml_append(pci0, pcnt);
    return pci0;
}

/* GPE0 bit ACPI_GPE_PCI_HOTPLUG's handler (§5.6.4.1: _Exx for edge-triggered events). */
static Aml *dsdt_gpe(void)
{
    Aml *scope = aml_scope("\\_GPE");
    Aml *e01 = aml_method("_E01", 0, false);

    G_STATIC_ASSERT(ACPI_GPE_PCI_HOTPLUG == 1);
    aml_append(e01, aml_call("\\_SB.PCI0.PCNT", 0, NULL));
    aml_append(scope, e01);
    return scope;
}

static uint64_t build_dsdt(TableBuilder *t, const PCBoard *pc)
{
    BusState *pci = bus_find(ACPI_PCIHP_BUS);
    Aml *body = aml_new();
    g_autoptr(GByteArray) table = NULL;
    AcpiHeader h = {0};

    aml_append(body, dsdt_s5());
    if (pci) {
        Aml *sb = aml_scope("\\_SB");

        aml_append(sb, dsdt_pci0(pc, pci_bus_from_qbus(pci)));
        aml_append(body, sb);
        aml_append(body, dsdt_gpe());
    }
    table = aml_finish(body);
    g_byte_array_prepend(table, (const uint8_t *)&h, sizeof(h));
    header_init((AcpiHeader *)table->data, "DSDT", table->len, 2);
    return table_add(t, table->data, table->len, 16);
}

static uint64_t build_facs(TableBuilder *t)
{
    uint64_t off = table_alloc(t, 64, 64);

    memcpy(t->buf + off, "FACS", 4);
    *(uint32_t *)(t->buf + off + 4) = 64;
    return off;
}

static AcpiGas io_gas(uint16_t port, uint8_t bits)
{
    return (AcpiGas){.space_id = 1, .bit_width = bits, .access_width = bits == 8 ? 1 : bits == 16 ? 2 : 3,
                     .address = port};
}

static uint64_t build_fadt(TableBuilder *t, uint64_t base, uint64_t facs, uint64_t dsdt)
{
    AcpiFadt f = {0};

    header_init(&f.h, "FACP", sizeof(f), 5);
    f.firmware_ctrl = base + facs;
    f.dsdt = base + dsdt;
    f.sci_int = ACPI_SCI_IRQ;
    f.pm1a_evt_blk = ACPI_PM1_EVT_BLK;
    f.pm1a_cnt_blk = ACPI_PM1_CNT_BLK;
    f.pm_tmr_blk = ACPI_PM_TMR_BLK;
    f.pm1_evt_len = 4;
    f.pm1_cnt_len = 2;
    f.pm_tmr_len = 4;
    f.gpe0_blk = ACPI_GPE0_BLK;
    f.gpe0_blk_len = ACPI_GPE0_BLK_LEN;
    f.p_lvl2_lat = 0xfff; /* no C2 */
    f.p_lvl3_lat = 0xffff; /* no C3 */
    f.century = 0x32;     /* CMOS century byte */
    f.iapc_boot_arch = BOOT_ARCH_LEGACY_DEVICES | BOOT_ARCH_8042;
    f.flags = FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON | FADT_RTC_S4 | FADT_TMR_VAL_EXT |
              FADT_RESET_REG_SUP;
    f.reset_reg = io_gas(0xcf9, 8);
    f.reset_value = 0x06;
    f.x_dsdt = base + dsdt;
    f.x_firmware_ctrl = 0; /* the 32-bit pointer is used */
    f.x_pm1a_evt_blk = io_gas(ACPI_PM1_EVT_BLK, 32);
    f.x_pm1a_cnt_blk = io_gas(ACPI_PM1_CNT_BLK, 16);
    f.x_pm_tmr_blk = io_gas(ACPI_PM_TMR_BLK, 32);
    /* GPE registers are byte-wide (ACPI 6.4 §4.8.4.1): the block is 32 bits of bytes. */
    f.x_gpe0_blk = (AcpiGas){.space_id = 1,
                             .bit_width = ACPI_GPE0_BLK_LEN * 8,
                             .access_width = 1,
                             .address = ACPI_GPE0_BLK};
    return table_add(t, &f, sizeof(f), 16);
}

static void madt_put(GByteArray *m, const void *entry, size_t len)
{
    g_byte_array_append(m, entry, len);
}

static uint64_t build_madt(TableBuilder *t)
{
    g_autoptr(GByteArray) m = g_byte_array_new();
    AcpiHeader h = {0};
    uint32_t lapic_addr = 0xfee00000u, flags = 1; /* PCAT_COMPAT: 8259s present */

    madt_put(m, &h, sizeof(h));
    madt_put(m, &lapic_addr, 4);
    madt_put(m, &flags, 4);
    for (int i = 0; i < cpu_count; i++) {
        uint8_t lapic[8] = {0, 8, (uint8_t)i, (uint8_t)cpus[i]->arch_id, 1, 0, 0, 0};
        madt_put(m, lapic, sizeof(lapic));
    }
    {
        uint8_t ioapic[12] = {1, 12, 0 /* IOAPIC id */, 0};
        uint32_t addr = PC_IOAPIC_ADDR, gsi_base = 0;
        memcpy(ioapic + 4, &addr, 4);
        memcpy(ioapic + 8, &gsi_base, 4);
        madt_put(m, ioapic, sizeof(ioapic));
    }
    {
        /* ISA IRQ 0 (PIT) is wired to GSI 2; the SCI is level-triggered, active high. */
        uint8_t iso_pit[10] = {2, 10, 0, 0, 2, 0, 0, 0, 0, 0};
        uint8_t iso_sci[10] = {2, 10, 0, ACPI_SCI_IRQ, ACPI_SCI_IRQ, 0, 0, 0, 0x0d, 0};
        madt_put(m, iso_pit, sizeof(iso_pit));
        madt_put(m, iso_sci, sizeof(iso_sci));
    }
    {
        uint8_t nmi[6] = {4, 6, 0xff, 0x00, 0x00, 1}; /* all CPUs: LINT1 is NMI */
        madt_put(m, nmi, sizeof(nmi));
    }
    header_init((AcpiHeader *)m->data, "APIC", m->len, 3);
    return table_add(t, m->data, m->len, 16);
}

static uint64_t build_sdt(TableBuilder *t, const char *sig, const uint64_t *tables, int n,
                          uint64_t base, size_t entry_size)
{
    size_t len = sizeof(AcpiHeader) + n * entry_size;
    g_autofree uint8_t *buf = g_malloc0(len);

    header_init((AcpiHeader *)buf, sig, len, 1);
    for (int i = 0; i < n; i++) {
        uint64_t addr = base + tables[i];
        memcpy(buf + sizeof(AcpiHeader) + i * entry_size, &addr, entry_size);
    }
    return table_add(t, buf, len, 16);
}

void pc_acpi_build(PCBoard *pc, MachineState *ms)
{
    g_autofree TableBuilder *t = g_new0(TableBuilder, 1);
    const uint64_t base = PC_ACPI_TABLES_ADDR;
    uint64_t rsdp_off = table_alloc(t, sizeof(AcpiRsdp), 16);
    uint64_t facs = build_facs(t);
    uint64_t dsdt = build_dsdt(t, pc);
    uint64_t tables[2];
    AcpiRsdp *rsdp;
    uint64_t rsdt, xsdt;

    tables[0] = build_fadt(t, base, facs, dsdt);
    tables[1] = build_madt(t);
    rsdt = build_sdt(t, "RSDT", tables, 2, base, 4);
    xsdt = build_sdt(t, "XSDT", tables, 2, base, 8);

    rsdp = (AcpiRsdp *)(t->buf + rsdp_off);
    memcpy(rsdp->signature, "RSD PTR ", 8);
    memcpy(rsdp->oem_id, ACPI_OEM_ID, 6);
    rsdp->revision = 2;
    rsdp->rsdt_address = base + rsdt;
    rsdp->length = sizeof(*rsdp);
    rsdp->xsdt_address = base + xsdt;
    rsdp->checksum = acpi_checksum(rsdp, 20);
    rsdp->extended_checksum = acpi_checksum(rsdp, sizeof(*rsdp));

    rom_add_blob("acpi-tables", t->buf, t->used, base);
    fw_cfg_add_file(pc->fw_cfg, "etc/acpi/rsdp", rsdp, sizeof(*rsdp));
    fw_cfg_add_file(pc->fw_cfg, "etc/acpi/tables", t->buf, t->used);
    g_assert(base + rsdp_off == PC_ACPI_RSDP_ADDR);
}
