/*
 * Local APIC helpers (Intel SDM vol. 3, 11.4 "Local APIC", 11.6 "Issuing
 * Interprocessor Interrupts", 11.5.4 "APIC Timer"). The APIC stays in xAPIC
 * mode at the address IA32_APIC_BASE reports.
 */
#include "apic.h"
#include "test.h"

/* Enough for any TSC up to ~10 GHz to cover the requested delay many times over. */
#define UDELAY_TSC_PER_US 10000ull

static uintptr_t lapic_base(void)
{
    return rdmsr(MSR_APIC_BASE) & 0xfffff000ull;
}

uint32_t lapic_read(uint32_t reg)
{
    return mmio_read32(lapic_base() + reg);
}

void lapic_write(uint32_t reg, uint32_t val)
{
    mmio_write32(lapic_base() + reg, val);
}

void lapic_enable(uint8_t spurious_vector)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);

    if (!(base & APIC_BASE_ENABLE)) {
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
    }
    lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | spurious_vector);
    lapic_write(LAPIC_TPR, 0);
}

uint32_t lapic_id(void)
{
    return lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}

bool lapic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
    lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
    lapic_write(LAPIC_ICR_LOW, icr_low);
    for (int i = 0; i < 1000000; i++) {
        if (!(lapic_read(LAPIC_ICR_LOW) & LAPIC_ICR_BUSY)) {
            return true;
        }
        cpu_relax();
    }
    return false;
}

void lapic_udelay(uint32_t us)
{
    uint64_t start = rdtsc();

    if (us > 4000000) {
        us = 4000000; /* the initial count is 32 bits */
    }
    uint64_t limit = us * UDELAY_TSC_PER_US;
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_BY_1);
    lapic_write(LAPIC_TIMER_INITIAL, us * 1000);
    while (lapic_read(LAPIC_TIMER_CURRENT) && rdtsc() - start < limit) {
        cpu_relax();
    }
    lapic_write(LAPIC_TIMER_INITIAL, 0);
}
