/*
 * ACPI fixed-hardware power management (ACPI 6.4 §4.8.3): PM1 status/enable,
 * PM1 control (SLP_TYP/SLP_EN for soft-off), the 3.579545 MHz PM timer, and the
 * power button event behind system_powerdown. SMI_CMD is 0 in the FADT, so the
 * system is always in ACPI mode (SCI_EN reads as 1).
 *
 * The GPE0 block (§4.8.4.1.1) holds 16 status bits (write 1 to clear) and their
 * enables; bit ACPI_GPE_PCI_HOTPLUG is raised by the PCI hotplug registers of
 * bus pci.0, when the machine has one.
 */
#include "hw/acpi/acpi-pm.h"
#include "hw/acpi/pcihp.h"
#include "hw/isa/isa.h"
#include "system/main-loop.h"
#include "system/timer.h"

#define PM_TIMER_FREQUENCY 3579545ULL

enum {
    PM1_STS_TMR = 1u << 0,
    PM1_STS_PWRBTN = 1u << 8,
    PM1_STS_WAK = 1u << 15,
    PM1_CNT_SCI_EN = 1u << 0,
    PM1_CNT_SLP_TYP_SHIFT = 10,
    PM1_CNT_SLP_EN = 1u << 13,
};

typedef struct ACPIPMState {
    ISADevice parent;
    MemoryRegion evt_io, cnt_io, tmr_io, gpe_io;
    uint16_t pm1_sts, pm1_en, pm1_cnt;
    uint16_t gpe0_sts, gpe0_en;
    IrqLine *sci;
    AcpiPciHp pcihp;
    bool has_pcihp;
} ACPIPMState;

static void acpi_pm_update_sci(ACPIPMState *s)
{
    irq_set(s->sci, (s->pm1_sts & s->pm1_en & (PM1_STS_PWRBTN | PM1_STS_TMR)) ||
                        (s->gpe0_sts & s->gpe0_en));
}

static uint64_t acpi_pm_evt_read(void *opaque, uint64_t addr, unsigned size)
{
    ACPIPMState *s = opaque;
    return addr == 0 ? s->pm1_sts : s->pm1_en;
}

static void acpi_pm_evt_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    ACPIPMState *s = opaque;

    if (addr == 0) {
        s->pm1_sts &= ~val; /* write 1 to clear */
    } else {
        s->pm1_en = val;
    }
    acpi_pm_update_sci(s);
}

static const MemoryRegionOps acpi_pm_evt_ops = {
    .read = acpi_pm_evt_read,
    .write = acpi_pm_evt_write,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 2, .max_access_size = 2},
};

static uint64_t acpi_pm_cnt_read(void *opaque, uint64_t addr, unsigned size)
{
    return ((ACPIPMState *)opaque)->pm1_cnt;
}

static void acpi_pm_cnt_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    ACPIPMState *s = opaque;
    unsigned slp_typ = (val >> PM1_CNT_SLP_TYP_SHIFT) & 7;

    s->pm1_cnt = (val & ~PM1_CNT_SLP_EN) | PM1_CNT_SCI_EN;
    if ((val & PM1_CNT_SLP_EN) && slp_typ == ACPI_S5_SLP_TYP) {
        system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
    }
}

static const MemoryRegionOps acpi_pm_cnt_ops = {
    .read = acpi_pm_cnt_read,
    .write = acpi_pm_cnt_write,
    .valid = {.min_access_size = 1, .max_access_size = 2},
    .impl = {.min_access_size = 2, .max_access_size = 2},
};

static uint64_t acpi_pm_tmr_read(void *opaque, uint64_t addr, unsigned size)
{
    uint64_t ns = clock_get_ns(QEMU_CLOCK_VIRTUAL);
    /* 32-bit counter (FADT TMR_VAL_EXT); 128-bit product avoids overflow. */
    return (uint32_t)((unsigned __int128)ns * PM_TIMER_FREQUENCY / NANOSECONDS_PER_SECOND);
}

static const MemoryRegionOps acpi_pm_tmr_ops = {
    .read = acpi_pm_tmr_read,
    .valid = {.min_access_size = 4, .max_access_size = 4},
    .impl = {.min_access_size = 4, .max_access_size = 4},
};

/* GPE0: byte 0-1 status, 2-3 enable; one byte at a time (the memory core splits wider). */
static uint64_t acpi_pm_gpe_read(void *opaque, uint64_t addr, unsigned size)
{
    ACPIPMState *s = opaque;
    uint16_t reg = addr < 2 ? s->gpe0_sts : s->gpe0_en;

    return (reg >> (8 * (addr & 1))) & 0xff;
}

static void acpi_pm_gpe_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    ACPIPMState *s = opaque;
    unsigned shift = 8 * (addr & 1);

    if (addr < 2) {
        s->gpe0_sts &= ~(val << shift);
    } else {
        s->gpe0_en = (s->gpe0_en & ~(0xff << shift)) | (val << shift);
    }
    acpi_pm_update_sci(s);
}

static const MemoryRegionOps acpi_pm_gpe_ops = {
    .read = acpi_pm_gpe_read,
    .write = acpi_pm_gpe_write,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

static void acpi_pm_pci_hotplug_event(void *opaque)
{
    ACPIPMState *s = opaque;

    s->gpe0_sts |= 1u << ACPI_GPE_PCI_HOTPLUG;
    acpi_pm_update_sci(s);
}

static void acpi_pm_power_button(void *opaque)
{
    ACPIPMState *s = opaque;

    s->pm1_sts |= PM1_STS_PWRBTN;
    acpi_pm_update_sci(s);
}

static bool acpi_pm_realize(DeviceState *dev, GError **errp)
{
    ACPIPMState *s = (ACPIPMState *)dev;
    BusState *pci_qbus = bus_find(ACPI_PCIHP_BUS);
    PCIBus *pci_bus = pci_qbus ? pci_bus_from_qbus(pci_qbus) : NULL;

    s->sci = isa_get_irq(ISA_DEVICE(s), ACPI_SCI_IRQ);
    memory_region_init_io(&s->evt_io, &acpi_pm_evt_ops, s, "acpi-evt", 4);
    memory_region_init_io(&s->cnt_io, &acpi_pm_cnt_ops, s, "acpi-cnt", 2);
    memory_region_init_io(&s->tmr_io, &acpi_pm_tmr_ops, s, "acpi-tmr", 4);
    isa_register_ioport(ISA_DEVICE(s), &s->evt_io, ACPI_PM1_EVT_BLK);
    isa_register_ioport(ISA_DEVICE(s), &s->cnt_io, ACPI_PM1_CNT_BLK);
    isa_register_ioport(ISA_DEVICE(s), &s->tmr_io, ACPI_PM_TMR_BLK);
    memory_region_init_io(&s->gpe_io, &acpi_pm_gpe_ops, s, "acpi-gpe0", ACPI_GPE0_BLK_LEN);
    isa_register_ioport(ISA_DEVICE(s), &s->gpe_io, ACPI_GPE0_BLK);
    if (pci_bus) {
        acpi_pcihp_init(&s->pcihp, pci_bus, acpi_pm_pci_hotplug_event, s);
        isa_register_ioport(ISA_DEVICE(s), &s->pcihp.io, ACPI_PCIHP_BASE);
        s->has_pcihp = true;
    }
    main_loop_set_powerdown_handler(acpi_pm_power_button, s);
    return true;
}

static void acpi_pm_reset(DeviceState *dev)
{
    ACPIPMState *s = (ACPIPMState *)dev;

    s->pm1_sts = 0;
    s->pm1_en = 0;
    s->pm1_cnt = PM1_CNT_SCI_EN;
    s->gpe0_sts = 0;
    s->gpe0_en = 0;
    if (s->has_pcihp) {
        acpi_pcihp_reset(&s->pcihp);
    }
    acpi_pm_update_sci(s);
}

static DeviceClass acpi_pm_class = {
    .name = "acpi-pm",
    .desc = "ACPI power management registers",
    .instance_size = sizeof(ACPIPMState),
    .bus_type = BUS_ISA,
    .realize = acpi_pm_realize,
    .reset = acpi_pm_reset,
};

MIMIC_INIT(acpi_pm_register)
{
    device_class_register(&acpi_pm_class);
}
