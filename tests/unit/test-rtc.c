/*
 * The MC146818 RTC behind ports 0x70/0x71: BCD and binary time that matches
 * the host's clock, 12-hour mode, freezing and setting the time with SET,
 * CMOS RAM that survives a device reset, register C's read-to-clear flags
 * with IRQ 8, and the UIP window before each second tick.
 */
#include "hw/rtc/mc146818rtc.h"
#include "hw/isa/isa.h"
#include "system/memory.h"
#include "system/timer.h"
#include <time.h>

enum {
    SEC = 0,
    MIN = 2,
    HOUR = 4,
    WDAY = 6,
    MDAY = 7,
    MON = 8,
    YEAR = 9,
    REG_A = 0x0a,
    REG_B = 0x0b,
    REG_C = 0x0c,
    REG_D = 0x0d,
    CENTURY = 0x32
};

static int irq_level[ISA_NUM_IRQS];
static DeviceState *rtc;

static void isa_irq_handler(void *opaque, int n, int level)
{
    irq_level[n] = level;
}

static uint8_t cmos_read(uint8_t index)
{
    uint8_t v;
    address_space_write(&address_space_io, 0x70, &index, 1);
    address_space_read(&address_space_io, 0x71, &v, 1);
    return v;
}

static void cmos_write(uint8_t index, uint8_t v)
{
    address_space_write(&address_space_io, 0x70, &index, 1);
    address_space_write(&address_space_io, 0x71, &v, 1);
}

static int from_bcd(uint8_t v)
{
    return (v >> 4) * 10 + (v & 0x0f);
}

static void wait_uip_clear(void)
{
    for (int i = 0; i < 1000 && (cmos_read(REG_A) & 0x80); i++) {
        g_usleep(100);
    }
}

/* The RTC's time as a Unix time, decoding with dec (BCD or binary). */
static time_t rtc_read_time(int (*dec)(uint8_t))
{
    struct tm tm = {0};

    wait_uip_clear();
    tm.tm_sec = dec(cmos_read(SEC));
    tm.tm_min = dec(cmos_read(MIN));
    tm.tm_hour = dec(cmos_read(HOUR));
    tm.tm_mday = dec(cmos_read(MDAY));
    tm.tm_mon = dec(cmos_read(MON)) - 1;
    tm.tm_year = dec(cmos_read(YEAR)) + dec(cmos_read(CENTURY)) * 100 - 1900;
    return timegm(&tm);
}

static int from_bin(uint8_t v)
{
    return v;
}

static void rtc_reset_state(void)
{
    device_reset(rtc);
    cmos_write(REG_B, 0x02); /* 24-hour BCD, no interrupts */
    cmos_read(REG_C);
}

static void test_bcd_time_matches_host(void)
{
    time_t host, got;
    struct tm tm;

    rtc_reset_state();
    g_assert_cmphex(cmos_read(REG_B), ==, 0x02);
    got = rtc_read_time(from_bcd);
    host = time(NULL);
    g_assert_cmpint(llabs((long long)(got - host)), <=, 2);
    /* Every field is valid BCD, the weekday counts from Sunday = 1. */
    gmtime_r(&got, &tm);
    g_assert_cmpint(from_bcd(cmos_read(WDAY)), ==, tm.tm_wday + 1);
    g_assert_cmphex(cmos_read(CENTURY), ==, 0x20);
    for (uint8_t r = SEC; r <= YEAR; r++) {
        uint8_t v = cmos_read(r);
        g_assert_cmpint(v & 0x0f, <=, 9);
        g_assert_cmpint(v >> 4, <=, 9);
    }
}

static void test_binary_and_12_hour_modes(void)
{
    time_t host;
    struct tm tm;
    uint8_t hour;
    int h12;

    rtc_reset_state();
    cmos_write(REG_B, 0x06); /* binary, 24-hour */
    host = time(NULL);
    g_assert_cmpint(llabs((long long)(rtc_read_time(from_bin) - host)), <=, 2);

    cmos_write(REG_B, 0x04); /* binary, 12-hour */
    wait_uip_clear();
    hour = cmos_read(HOUR);
    host = time(NULL);
    gmtime_r(&host, &tm);
    if (tm.tm_min == 59 && tm.tm_sec >= 58) {
        return; /* the hour may be turning over right now */
    }
    h12 = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
    g_assert_cmpint(hour & 0x7f, ==, h12);
    g_assert_cmpint(!!(hour & 0x80), ==, tm.tm_hour >= 12);
}

static void test_set_freezes_and_sets_time(void)
{
    rtc_reset_state();
    cmos_write(REG_B, 0x82); /* SET */
    cmos_write(SEC, 0x30);
    cmos_write(MIN, 0x59);
    cmos_write(HOUR, 0x23);
    cmos_write(MDAY, 0x31);
    cmos_write(MON, 0x12);
    cmos_write(YEAR, 0x99);
    cmos_write(CENTURY, 0x19);
    g_usleep(20000);
    /* Frozen: the registers hold what was written. */
    g_assert_cmphex(cmos_read(SEC), ==, 0x30);
    g_assert_cmphex(cmos_read(YEAR), ==, 0x99);
    g_assert_cmphex(cmos_read(REG_A) & 0x80, ==, 0); /* no update while SET */
    cmos_write(REG_B, 0x02);
    /* Running again from 1999-12-31 23:59:30. */
    g_assert_cmphex(cmos_read(YEAR), ==, 0x99);
    g_assert_cmphex(cmos_read(CENTURY), ==, 0x19);
    g_assert_cmphex(cmos_read(MON), ==, 0x12);
    g_assert_cmphex(cmos_read(HOUR), ==, 0x23);
    g_assert_cmpint(from_bcd(cmos_read(SEC)), >=, 30);
    g_assert_cmpint(from_bcd(cmos_read(SEC)), <=, 32);
    g_assert_cmphex(from_bcd(cmos_read(WDAY)), ==, 6); /* a Friday */

    /* A single field written without SET takes effect at once. */
    cmos_write(YEAR, 0x42);
    g_assert_cmphex(cmos_read(YEAR), ==, 0x42);
    g_assert_cmphex(cmos_read(MON), ==, 0x12);
}

static void test_nvram_survives_reset(void)
{
    rtc_reset_state();
    cmos_write(0x40, 0xa5);
    cmos_write(0x7f, 0x5a);
    /* Bit 7 of the index is the NMI mask, not part of the address. */
    cmos_write(0x80 | 0x41, 0x3c);
    rtc_set_memory(rtc, 0x34, 0x12);
    device_reset(rtc);
    qdev_reset_all();
    g_assert_cmphex(cmos_read(0x40), ==, 0xa5);
    g_assert_cmphex(cmos_read(0x7f), ==, 0x5a);
    g_assert_cmphex(cmos_read(0x41), ==, 0x3c);
    g_assert_cmphex(cmos_read(0x34), ==, 0x12);
    g_assert_cmphex(rtc_get_memory(rtc, 0x40), ==, 0xa5);
}

static void test_reg_d_and_reg_a(void)
{
    rtc_reset_state();
    g_assert_cmphex(cmos_read(REG_D), ==, 0x80);
    g_assert_cmphex(cmos_read(REG_A) & 0x7f, ==, 0x26);
    cmos_write(REG_A, 0xa3); /* UIP is read-only */
    wait_uip_clear();
    g_assert_cmphex(cmos_read(REG_A), ==, 0x23);
    cmos_write(REG_A, 0x26);
}

static void test_periodic_flag_read_clears(void)
{
    rtc_reset_state();
    clock_virtual_start();
    cmos_write(REG_A, 0x26); /* 1024 Hz */
    cmos_write(REG_B, 0x42); /* PIE */
    g_assert_cmpint(irq_level[8], ==, 0);
    g_usleep(5000);
    timers_run_expired();
    g_assert_cmpint(irq_level[8], ==, 1);
    g_assert_cmphex(cmos_read(REG_C) & 0xc0, ==, 0xc0); /* IRQF | PF */
    g_assert_cmpint(irq_level[8], ==, 0);
    /* (UF may have come from a second tick meanwhile; only PF and IRQF matter here.) */
    g_assert_cmphex(cmos_read(REG_C) & 0xc0, ==, 0x00);
    /* Reset clears the enables: no more periodic interrupts. */
    device_reset(rtc);
    g_assert_cmphex(cmos_read(REG_B), ==, 0x02);
    g_usleep(5000);
    timers_run_expired();
    g_assert_cmphex(cmos_read(REG_C) & 0xc0, ==, 0x00);
    g_assert_cmpint(irq_level[8], ==, 0);
    clock_virtual_stop();
}

static void test_update_ended_interrupt_and_uip(void)
{
    bool saw_uip = false;
    int64_t deadline = g_get_monotonic_time() + 5500000;
    uint8_t c;

    rtc_reset_state();
    cmos_write(REG_B, 0x12); /* UIE */
    while (g_get_monotonic_time() < deadline) {
        saw_uip |= cmos_read(REG_A) & 0x80;
        timers_run_expired();
        if (irq_level[8] && saw_uip) {
            break;
        }
        if (irq_level[8]) {
            /* UIP's 244 us went by unseen (a loaded host): wait for the next second's. */
            cmos_read(REG_C);
        }
        g_usleep(20);
    }
    g_assert_true(saw_uip);
    g_assert_cmpint(irq_level[8], ==, 1);
    c = cmos_read(REG_C);
    g_assert_cmphex(c & 0x90, ==, 0x90); /* IRQF | UF */
    g_assert_cmpint(irq_level[8], ==, 0);
    g_assert_cmphex(cmos_read(REG_C) & 0x90, ==, 0x00);
}

static void test_alarm_interrupt(void)
{
    int64_t deadline = g_get_monotonic_time() + 2500000;

    rtc_reset_state();
    /* Alarm on any hour and minute, at the next second. */
    wait_uip_clear();
    cmos_write(REG_B, 0x82);
    cmos_write(SEC, 0x10);
    cmos_write(REG_B, 0x02);
    cmos_write(0x01, 0x11);
    cmos_write(0x03, 0xc0);
    cmos_write(0x05, 0xc0);
    cmos_write(REG_B, 0x22); /* AIE */
    while (g_get_monotonic_time() < deadline && !irq_level[8]) {
        timers_run_expired();
        g_usleep(1000);
    }
    g_assert_cmpint(irq_level[8], ==, 1);
    g_assert_cmphex(cmos_read(REG_C) & 0xa0, ==, 0xa0); /* IRQF | AF */
    g_assert_cmphex(from_bcd(cmos_read(SEC)), ==, 11);
}

int main(int argc, char **argv)
{
    GError *err = NULL;
    BusState *isa_bus;

    g_test_init(&argc, &argv, NULL);
    memory_map_init();
    isa_bus = isa_bus_new(irq_allocate(isa_irq_handler, NULL, ISA_NUM_IRQS));
    rtc = mc146818_rtc_init(isa_bus, &err);
    g_assert_no_error(err);

    g_test_add_func("/rtc/bcd-time-matches-host", test_bcd_time_matches_host);
    g_test_add_func("/rtc/binary-and-12-hour-modes", test_binary_and_12_hour_modes);
    g_test_add_func("/rtc/set-freezes-and-sets-time", test_set_freezes_and_sets_time);
    g_test_add_func("/rtc/nvram-survives-reset", test_nvram_survives_reset);
    g_test_add_func("/rtc/reg-d-and-reg-a", test_reg_d_and_reg_a);
    g_test_add_func("/rtc/periodic-flag-read-clears", test_periodic_flag_read_clears);
    g_test_add_func("/rtc/update-ended-interrupt-and-uip", test_update_ended_interrupt_and_uip);
    g_test_add_func("/rtc/alarm-interrupt", test_alarm_interrupt);
    return g_test_run();
}
