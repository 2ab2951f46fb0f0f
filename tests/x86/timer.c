/*
 * timer: interrupt delivery from two timers in long mode. The LAPIC timer
 * (Intel SDM vol. 3, 11.5.4) runs periodic on vector 0x40; the PIT (8254
 * channel 0, mode 2, ~1 kHz) reaches vector 0x41 through the IOAPIC (82093AA
 * data sheet, 3.2.4 redirection table) at the GSI the MADT's interrupt source
 * override gives ISA IRQ 0. The 8259 PICs are masked first, so PIT ticks can
 * only come by the IOAPIC. Every wait is bounded: the first by the TSC, the
 * rest by the LAPIC timer's own ticks, so a dead timer prints FAIL, not a hang.
 */
#include "acpi.h"
#include "apic.h"
#include "idt.h"
#include "test.h"

const char test_name[] = "timer";

#define VEC_LAPIC_TIMER 0x40
#define VEC_PIT 0x41
#define VEC_SPURIOUS 0xff

#define LAPIC_TIMER_COUNT 100000 /* at 1 GHz / 16: 1.6 ms, 625 Hz */
#define LAPIC_TIMER_HZ 625
#define PIT_HZ 1193182
#define PIT_DIVISOR 1193 /* ~1000.15 Hz */
#define PIT_TICKS_WANTED 100
#define LAPIC_TICKS_WANTED 20
/* 20 LAPIC ticks are 32 ms; give them ~10^10 TSC cycles (seconds on any host). */
#define LAPIC_WAIT_TSC 10000000000ul
/* 100 PIT ticks are 100 ms, ~62 LAPIC ticks; wait up to ~5 s of LAPIC ticks. */
#define PIT_WAIT_LAPIC_TICKS 3000

#define IOAPIC_REGSEL 0x00
#define IOAPIC_WIN 0x10
#define IOAPIC_REG_VER 0x01
#define IOAPIC_REG_REDTBL 0x10
#define IOAPIC_MASKED (1u << 16)
#define IOAPIC_LEVEL (1u << 15)
#define IOAPIC_ACTIVE_LOW (1u << 13)

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_CMD_CH0_LOHI_RATE 0x34 /* channel 0, lobyte/hibyte, mode 2, binary */

static volatile uint32_t lapic_ticks, pit_ticks, spurious;

static void lapic_timer_handler(struct irq_frame *f)
{
    (void)f;
    lapic_ticks++;
    lapic_eoi();
}

static void pit_handler(struct irq_frame *f)
{
    (void)f;
    pit_ticks++;
    lapic_eoi();
}

static void spurious_handler(struct irq_frame *f)
{
    (void)f;
    spurious++; /* no EOI for the spurious vector (SDM 11.9) */
}

static uint32_t ioapic_read(uintptr_t base, uint32_t reg)
{
    mmio_write32(base + IOAPIC_REGSEL, reg);
    return mmio_read32(base + IOAPIC_WIN);
}

static void ioapic_write(uintptr_t base, uint32_t reg, uint32_t val)
{
    mmio_write32(base + IOAPIC_REGSEL, reg);
    mmio_write32(base + IOAPIC_WIN, val);
}

static void start_lapic_timer(void)
{
    uint64_t start;

    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_BY_16);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | VEC_LAPIC_TIMER);
    lapic_write(LAPIC_TIMER_INITIAL, LAPIC_TIMER_COUNT);

    /* No hlt yet: if this timer is dead, nothing would wake us. */
    start = rdtsc();
    sti();
    while (lapic_ticks < LAPIC_TICKS_WANTED && rdtsc() - start < LAPIC_WAIT_TSC) {
        cpu_relax();
    }
    cli();
    if (lapic_ticks < LAPIC_TICKS_WANTED) {
        test_fail("LAPIC timer: %u of %u ticks within %lu TSC cycles (LVT 0x%x, current count "
                  "0x%x)",
                  lapic_ticks, LAPIC_TICKS_WANTED, LAPIC_WAIT_TSC, lapic_read(LAPIC_LVT_TIMER),
                  lapic_read(LAPIC_TIMER_CURRENT));
    }
    printf("timer: LAPIC timer periodic, vector 0x%x: %u ticks\n", VEC_LAPIC_TIMER, lapic_ticks);
}

static void route_pit(const struct madt_info *m, uint32_t *gsi_out, uint32_t *pin_out)
{
    uintptr_t ioapic = m->ioapic_address;
    uint32_t gsi = 2, flags = 0;

    if (m->has_irq0_override) {
        gsi = m->irq0_gsi;
        flags = m->irq0_flags;
        printf("timer: MADT overrides ISA IRQ 0 -> GSI %u (flags 0x%x)\n", gsi, flags);
    } else {
        printf("timer: note: no MADT override for ISA IRQ 0; assuming GSI 2\n");
    }

    uint32_t entries = ((ioapic_read(ioapic, IOAPIC_REG_VER) >> 16) & 0xff) + 1;
    if (gsi < m->ioapic_gsi_base || gsi - m->ioapic_gsi_base >= entries) {
        test_fail("GSI %u is not on the I/O APIC at 0x%lx (GSI base %u, %u pins)", gsi, ioapic,
                  m->ioapic_gsi_base, entries);
    }
    uint32_t pin = gsi - m->ioapic_gsi_base;

    /* MPS INTI flags: polarity 3 = active low, trigger 3 = level; else ISA default. */
    uint32_t low = VEC_PIT; /* fixed delivery, physical destination */
    if ((flags & 3) == 3) {
        low |= IOAPIC_ACTIVE_LOW;
    }
    if (((flags >> 2) & 3) == 3) {
        low |= IOAPIC_LEVEL;
    }
    ioapic_write(ioapic, IOAPIC_REG_REDTBL + 2 * pin + 1, lapic_id() << 24);
    ioapic_write(ioapic, IOAPIC_REG_REDTBL + 2 * pin, low);
    uint32_t back = ioapic_read(ioapic, IOAPIC_REG_REDTBL + 2 * pin);
    if ((back & 0x1ffff & ~(1u << 12)) != low) {
        test_fail("I/O APIC pin %u redirection entry reads 0x%x after writing 0x%x", pin, back,
                  low);
    }
    *gsi_out = gsi;
    *pin_out = pin;
}

void test_main(void)
{
    struct madt_info m;
    uint32_t gsi, pin;

    /* OCW1: mask every 8259 input, so nothing arrives through ExtINT. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);

    acpi_parse_madt(&m);
    if (!m.nr_ioapics) {
        test_fail("MADT lists no I/O APIC");
    }
    printf("timer: I/O APIC at 0x%x (GSI base %u), BSP APIC ID %u\n", m.ioapic_address,
           m.ioapic_gsi_base, lapic_id());

    idt_set_handler(VEC_LAPIC_TIMER, lapic_timer_handler);
    idt_set_handler(VEC_PIT, pit_handler);
    idt_set_handler(VEC_SPURIOUS, spurious_handler);
    lapic_enable(VEC_SPURIOUS);
    lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED);

    start_lapic_timer();

    route_pit(&m, &gsi, &pin);
    outb(PIT_CMD, PIT_CMD_CH0_LOHI_RATE);
    outb(PIT_CH0, PIT_DIVISOR & 0xff);
    outb(PIT_CH0, PIT_DIVISOR >> 8);

    uint32_t l0 = lapic_ticks, p0 = pit_ticks;
    for (;;) {
        cli();
        if (pit_ticks - p0 >= PIT_TICKS_WANTED || lapic_ticks - l0 >= PIT_WAIT_LAPIC_TICKS) {
            break;
        }
        sti_hlt();
    }
    uint32_t dl = lapic_ticks - l0, dp = pit_ticks - p0;

    /* Quiet everything before judging. */
    ioapic_write(m.ioapic_address, IOAPIC_REG_REDTBL + 2 * pin, IOAPIC_MASKED);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_TIMER_INITIAL, 0);

    if (dp < PIT_TICKS_WANTED) {
        test_fail("PIT via I/O APIC pin %u (GSI %u): %u of %u ticks while the LAPIC timer "
                  "ticked %u times",
                  pin, gsi, dp, PIT_TICKS_WANTED, dl);
    }
    printf("timer: PIT via I/O APIC pin %u, vector 0x%x: %u ticks while the LAPIC timer ticked "
           "%u times\n",
           pin, VEC_PIT, dp, dl);

    /*
     * Both clocks should agree on the time: 100 PIT ticks (~100 ms) are ~62
     * LAPIC ticks. Only a factor of 4 either way is an error: hosts are busy.
     */
    uint32_t expect = (uint64_t)dp * PIT_DIVISOR * LAPIC_TIMER_HZ / PIT_HZ;
    if (dl * 4 < expect || dl > expect * 4) {
        test_fail("timers disagree: %u PIT ticks (%u ms) but %u LAPIC ticks, expected ~%u", dp,
                  (uint32_t)((uint64_t)dp * PIT_DIVISOR * 1000 / PIT_HZ), dl, expect);
    }
    if (spurious) {
        printf("timer: note: %u spurious interrupts\n", spurious);
    }
}
