/*
 * Local APIC in xAPIC (MMIO) mode (Intel SDM vol. 3, chapter 11 "Advanced
 * Programmable Interrupt Controller"): register access, IPIs, and a delay
 * loop on the APIC timer.
 */
#ifndef TESTS_X86_LIB_APIC_H
#define TESTS_X86_LIB_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_BSP (1u << 8)

enum {
    LAPIC_ID = 0x020,
    LAPIC_VERSION = 0x030,
    LAPIC_TPR = 0x080,
    LAPIC_EOI = 0x0b0,
    LAPIC_SVR = 0x0f0,
    LAPIC_ESR = 0x280,
    LAPIC_ICR_LOW = 0x300,
    LAPIC_ICR_HIGH = 0x310,
    LAPIC_LVT_TIMER = 0x320,
    LAPIC_LVT_LINT0 = 0x350,
    LAPIC_LVT_LINT1 = 0x360,
    LAPIC_LVT_ERROR = 0x370,
    LAPIC_TIMER_INITIAL = 0x380,
    LAPIC_TIMER_CURRENT = 0x390,
    LAPIC_TIMER_DIVIDE = 0x3e0,
};

#define LAPIC_SVR_ENABLE (1u << 8)
#define LAPIC_LVT_MASKED (1u << 16)
#define LAPIC_TIMER_PERIODIC (1u << 17)
#define LAPIC_DIVIDE_BY_1 0xb
#define LAPIC_DIVIDE_BY_16 0x3
#define LAPIC_ICR_INIT (5u << 8)
#define LAPIC_ICR_STARTUP (6u << 8)
#define LAPIC_ICR_LEVEL_ASSERT (1u << 14)
#define LAPIC_ICR_LEVEL_TRIGGER (1u << 15)
#define LAPIC_ICR_BUSY (1u << 12)

uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t val);
/* Software-enable this CPU's LAPIC with the given spurious vector. */
void lapic_enable(uint8_t spurious_vector);
uint32_t lapic_id(void);
void lapic_eoi(void);
/* Send icr_low to apic_id; false if the delivery status never went idle. */
bool lapic_send_ipi(uint32_t apic_id, uint32_t icr_low);
/*
 * Busy-wait about `us` microseconds on the APIC timer (one-shot, masked),
 * assuming the 1 GHz APIC timer clock of QEMU and KVM; a TSC bound stops the
 * wait even if the timer never counts. Reprograms this CPU's APIC timer.
 */
void lapic_udelay(uint32_t us);

#endif
