/*
 * smp: bring up every application processor the MADT lists with the
 * INIT-SIPI-SIPI sequence (Intel SDM vol. 3, 9.4.4.1; MP Specification 1.4,
 * B.4), one AP at a time. Each AP reaches long mode on its own stack
 * (smp_trampoline.S), records its APIC ID, counts itself in and halts. The
 * BSP checks that cpus=-1 APs arrived and that each reported the ID it was
 * sent to.
 */
#include "acpi.h"
#include "apic.h"
#include "idt.h"
#include "smp.h"
#include "test.h"

const char test_name[] = "smp";

extern const char smp_trampoline_start[], smp_trampoline_end[];

static volatile uint32_t ap_slot, ap_done;
static volatile uint32_t ap_ids[SMP_MAX_CPUS];

void ap_main(void);

void ap_main(void)
{
    idt_load();
    uint32_t id = lapic_id();
    uint32_t slot = __atomic_fetch_add(&ap_slot, 1, __ATOMIC_SEQ_CST);

    if (slot < SMP_MAX_CPUS) {
        ap_ids[slot] = id;
    }
    __atomic_fetch_add(&ap_done, 1, __ATOMIC_SEQ_CST);
    halt_forever();
}

static void start_ap(uint32_t apic_id, uint32_t expected_done)
{
    uint32_t sipi = LAPIC_ICR_STARTUP | (SMP_TRAMPOLINE >> 12);

    lapic_write(LAPIC_ESR, 0);
    if (!lapic_send_ipi(apic_id, LAPIC_ICR_INIT | LAPIC_ICR_LEVEL_ASSERT)) {
        test_fail("INIT IPI to APIC ID %u stuck in delivery", apic_id);
    }
    lapic_udelay(10000);
    for (int i = 0; i < 2; i++) {
        if (!lapic_send_ipi(apic_id, sipi)) {
            test_fail("SIPI %d to APIC ID %u stuck in delivery", i + 1, apic_id);
        }
        lapic_udelay(200);
    }

    /* Up to ~1 s for the AP to count itself in. */
    for (int ms = 0; ms < 1000 && ap_done < expected_done; ms++) {
        lapic_udelay(1000);
    }
    if (ap_done < expected_done) {
        test_fail("AP with APIC ID %u did not come up within 1 s of INIT-SIPI-SIPI", apic_id);
    }
}

void test_main(void)
{
    struct madt_info m;
    uint64_t cpus = cmdline_get_uint("cpus", 1);
    size_t len = smp_trampoline_end - smp_trampoline_start;

    if (cpus < 1 || cpus > SMP_MAX_CPUS) {
        test_fail("cpus=%lu: this program handles 1..%d", cpus, SMP_MAX_CPUS);
    }
    acpi_parse_madt(&m);
    if ((uint64_t)m.nr_cpus != cpus) {
        test_fail("MADT lists %d enabled CPUs, command line says cpus=%lu", m.nr_cpus, cpus);
    }
    if (!boot_range_is_ram(SMP_TRAMPOLINE, 0x1000)) {
        test_fail("trampoline page 0x%x is not RAM in the multiboot memory map", SMP_TRAMPOLINE);
    }
    memcpy((void *)SMP_TRAMPOLINE, smp_trampoline_start, len);

    lapic_enable(0xff);
    uint32_t bsp = lapic_id();
    bool bsp_listed = false;
    printf("smp: BSP APIC ID %u; MADT lists %d CPU(s)\n", bsp, m.nr_cpus);

    uint32_t started = 0;
    for (int i = 0; i < m.nr_cpus; i++) {
        if (m.apic_ids[i] == bsp) {
            bsp_listed = true;
            continue;
        }
        start_ap(m.apic_ids[i], ++started);
        uint32_t got = ap_ids[started - 1];
        printf("smp: AP %u up, reports APIC ID %u\n", started, got);
        if (got != m.apic_ids[i]) {
            test_fail("AP started with INIT-SIPI to APIC ID %u reports APIC ID %u", m.apic_ids[i],
                      got);
        }
    }
    if (!bsp_listed) {
        test_fail("BSP APIC ID %u is not among the MADT's enabled CPUs", bsp);
    }

    /* Nobody else may have woken up on the way. */
    lapic_udelay(10000);
    if (ap_done != cpus - 1) {
        test_fail("%u APs checked in, expected cpus-1 = %lu", ap_done, cpus - 1);
    }
    printf("smp: %u AP(s) in long mode, counter = cpus-1 = %lu\n", ap_done, cpus - 1);
}
