/*
 * heartbeat: print "tick N" every period_ms (default 20) of ACPI PM timer time
 * (port 0x608, 3.579545 MHz, the address mimic's FADT gives) and keep the count
 * in a variable whose address it prints first, so the monitor tests can watch
 * the guest run, pause and resume. Runs for ticks=N ticks (default: forever).
 */
#include "test.h"

const char test_name[] = "heartbeat";

#define PM_TIMER_PORT 0x608
#define PM_TIMER_HZ 3579545u

volatile uint64_t heartbeat_count;

static void wait_pm_ticks(uint32_t ticks)
{
    uint32_t start = inl(PM_TIMER_PORT);

    while ((uint32_t)(inl(PM_TIMER_PORT) - start) < ticks) {
        asm volatile("pause");
    }
}

void test_main(void)
{
    uint64_t period_ms = cmdline_get_uint("period_ms", 20);
    uint64_t limit = cmdline_get_uint("ticks", 0);

    printf("heartbeat: counter at 0x%lx\n", (uint64_t)(uintptr_t)&heartbeat_count);
    for (;;) {
        wait_pm_ticks((uint32_t)(PM_TIMER_HZ / 1000 * period_ms));
        heartbeat_count++;
        printf("tick %lu\n", heartbeat_count);
        if (limit && heartbeat_count >= limit) {
            return;
        }
    }
}
