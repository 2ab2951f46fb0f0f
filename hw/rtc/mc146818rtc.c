/*
 * "mc146818rtc": the Motorola MC146818A real-time clock with its 128 bytes of
 * battery-backed CMOS RAM, as found in every PC (MC146818A data sheet,
 * Motorola, 1984; the register map is the same in the DS12887).
 *
 * The clock runs from the host's wall clock: at realize the RTC reads the
 * host time (QEMU_CLOCK_HOST, UTC) and from then on advances with
 * QEMU_CLOCK_REALTIME, plus whatever offset the guest's writes to the time
 * registers introduce. Reads of the time registers compute the current time
 * in the format register B asks for (BCD or binary, 12 or 24 hour). Register
 * A's UIP bit is set during the 244 µs before each second tick. The
 * update-ended and alarm flags come from a once-a-second timer on the
 * realtime clock, the periodic flag from a timer on the virtual clock (which
 * stops with the VM), and each raises IRQ 8 when enabled in register B;
 * reading register C returns and clears the flags.
 *
 * The CMOS RAM is battery-backed: a device reset (machine reset) leaves it
 * alone. Reset acts like the chip's RESET pin: it clears register B's
 * interrupt enables and SQWE, and register C.
 *
 * Left out: daylight-saving adjustment (DSE), the square-wave output, the
 * divider-reset states of register A (time keeps running), the periodic flag
 * while PIE is off (the timer only runs when someone listens), and the
 * "lost tick" compensation QEMU offers for old Windows guests.
 */
#include "hw/rtc/mc146818rtc.h"
#include "hw/isa/isa.h"
#include "system/timer.h"
#include "util/error.h"
#include "util/log.h"
#include <time.h>

/* Register map (data sheet figure 3). */
enum {
    RTC_SECONDS = 0x00,
    RTC_SECONDS_ALARM = 0x01,
    RTC_MINUTES = 0x02,
    RTC_MINUTES_ALARM = 0x03,
    RTC_HOURS = 0x04,
    RTC_HOURS_ALARM = 0x05,
    RTC_DAY_OF_WEEK = 0x06,
    RTC_DAY_OF_MONTH = 0x07,
    RTC_MONTH = 0x08,
    RTC_YEAR = 0x09,
    RTC_REG_A = 0x0a,
    RTC_REG_B = 0x0b,
    RTC_REG_C = 0x0c,
    RTC_REG_D = 0x0d,
};

#define REG_A_UIP 0x80
#define REG_A_DV_MASK 0x70
#define REG_A_DV_32768 0x20 /* divider running from a 32.768 kHz crystal */
#define REG_A_RS_MASK 0x0f

#define REG_B_SET 0x80
#define REG_B_PIE 0x40
#define REG_B_AIE 0x20
#define REG_B_UIE 0x10
#define REG_B_SQWE 0x08
#define REG_B_DM 0x04 /* data mode: 1 = binary, 0 = BCD */
#define REG_B_24H 0x02
#define REG_B_DSE 0x01

#define REG_C_IRQF 0x80
#define REG_C_PF 0x40
#define REG_C_AF 0x20
#define REG_C_UF 0x10

#define REG_D_VRT 0x80 /* valid RAM and time: the battery is fine */

/* Alarm bytes with both top bits set match any value ("don't care"). */
#define ALARM_DONT_CARE 0xc0

/* The update cycle takes 1984 µs; UIP rises 244 µs before it starts (figure 15). */
#define RTC_UIP_NS 244000
#define RTC_CRYSTAL_HZ 32768

typedef struct RTCState {
    ISADevice parent;
    int32_t base_year;

    uint8_t cmos[RTC_CMOS_SIZE];
    uint8_t index;
    bool nmi_masked; /* port 0x70 bit 7: kept for reads, the NMI line is not modelled */
    /* RTC time in ns since the Unix epoch = QEMU_CLOCK_REALTIME + delta_ns. */
    int64_t delta_ns;
    Timer second_timer;   /* QEMU_CLOCK_REALTIME, at each second tick */
    Timer periodic_timer; /* QEMU_CLOCK_VIRTUAL */
    int64_t periodic_next_ns;
    int64_t periodic_period_ns;
    IrqLine *irq;
    MemoryRegion io;
} RTCState;

/* ---- time ---- */

static int64_t rtc_now_ns(RTCState *s)
{
    return clock_get_ns(QEMU_CLOCK_REALTIME) + s->delta_ns;
}

/* Whole seconds (rounded down: a guest may set a date before 1970) and the rest. */
static int64_t rtc_split_ns(int64_t ns, int64_t *frac)
{
    int64_t secs = ns / NANOSECONDS_PER_SECOND;
    int64_t rest = ns % NANOSECONDS_PER_SECOND;

    if (rest < 0) {
        rest += NANOSECONDS_PER_SECOND;
        secs--;
    }
    if (frac) {
        *frac = rest;
    }
    return secs;
}

static bool rtc_is_time_reg(unsigned index)
{
    switch (index) {
    case RTC_SECONDS:
    case RTC_MINUTES:
    case RTC_HOURS:
    case RTC_DAY_OF_WEEK:
    case RTC_DAY_OF_MONTH:
    case RTC_MONTH:
    case RTC_YEAR:
    case RTC_CMOS_CENTURY:
        return true;
    }
    return false;
}

static uint8_t rtc_to_reg(RTCState *s, int v)
{
    if (s->cmos[RTC_REG_B] & REG_B_DM) {
        return v;
    }
    return ((v / 10) << 4) | (v % 10);
}

static int rtc_from_reg(RTCState *s, uint8_t v)
{
    if (s->cmos[RTC_REG_B] & REG_B_DM) {
        return v;
    }
    return (v >> 4) * 10 + (v & 0x0f);
}

static uint8_t rtc_hour_to_reg(RTCState *s, int hour)
{
    int h12;

    if (s->cmos[RTC_REG_B] & REG_B_24H) {
        return rtc_to_reg(s, hour);
    }
    h12 = hour % 12 ? hour % 12 : 12;
    return rtc_to_reg(s, h12) | (hour >= 12 ? 0x80 : 0);
}

static int rtc_hour_from_reg(RTCState *s, uint8_t v)
{
    if (s->cmos[RTC_REG_B] & REG_B_24H) {
        return rtc_from_reg(s, v);
    }
    return rtc_from_reg(s, v & 0x7f) % 12 + ((v & 0x80) ? 12 : 0);
}

/* One time register's value for the broken-down time tm, in register B's format. */
static uint8_t rtc_time_reg(RTCState *s, unsigned index, const struct tm *tm)
{
    int year = MAX(tm->tm_year + 1900 - s->base_year, 0);

    switch (index) {
    case RTC_SECONDS:
        return rtc_to_reg(s, tm->tm_sec);
    case RTC_MINUTES:
        return rtc_to_reg(s, tm->tm_min);
    case RTC_HOURS:
        return rtc_hour_to_reg(s, tm->tm_hour);
    case RTC_DAY_OF_WEEK:
        return rtc_to_reg(s, tm->tm_wday + 1); /* 1 = Sunday */
    case RTC_DAY_OF_MONTH:
        return rtc_to_reg(s, tm->tm_mday);
    case RTC_MONTH:
        return rtc_to_reg(s, tm->tm_mon + 1);
    case RTC_YEAR:
        return rtc_to_reg(s, year % 100);
    case RTC_CMOS_CENTURY:
        return rtc_to_reg(s, (year / 100) % 100);
    }
    g_assert_not_reached();
}

static void rtc_get_tm(RTCState *s, struct tm *tm)
{
    time_t secs = rtc_split_ns(rtc_now_ns(s), NULL);

    gmtime_r(&secs, tm);
}

/* Copy the running time into the time registers (when SET freezes them). */
static void rtc_latch_time(RTCState *s)
{
    static const uint8_t regs[] = {RTC_SECONDS,      RTC_MINUTES, RTC_HOURS, RTC_DAY_OF_WEEK,
                                   RTC_DAY_OF_MONTH, RTC_MONTH,   RTC_YEAR,  RTC_CMOS_CENTURY};
    struct tm tm;

    rtc_get_tm(s, &tm);
    for (size_t i = 0; i < ARRAY_SIZE(regs); i++) {
        s->cmos[regs[i]] = rtc_time_reg(s, regs[i], &tm);
    }
}

static void rtc_arm_second_timer(RTCState *s);

/*
 * Make the clock show what the time registers hold. The sub-second phase is
 * kept, so ticks stay one second apart across a guest's adjustment.
 */
static void rtc_apply_time(RTCState *s)
{
    struct tm tm = {
        .tm_sec = rtc_from_reg(s, s->cmos[RTC_SECONDS]),
        .tm_min = rtc_from_reg(s, s->cmos[RTC_MINUTES]),
        .tm_hour = rtc_hour_from_reg(s, s->cmos[RTC_HOURS]),
        .tm_mday = rtc_from_reg(s, s->cmos[RTC_DAY_OF_MONTH]),
        .tm_mon = rtc_from_reg(s, s->cmos[RTC_MONTH]) - 1,
        .tm_year = rtc_from_reg(s, s->cmos[RTC_YEAR]) +
                   rtc_from_reg(s, s->cmos[RTC_CMOS_CENTURY]) * 100 + s->base_year - 1900,
    };
    int64_t now = rtc_now_ns(s), frac;
    time_t secs = timegm(&tm); /* out-of-range fields from the guest normalise */

    rtc_split_ns(now, &frac);

    if (secs == (time_t)-1) {
        log_mask_printf(LOG_GUEST_ERROR, "mc146818rtc: guest set an unrepresentable time\n");
        return;
    }
    s->delta_ns += (int64_t)secs * NANOSECONDS_PER_SECOND + frac - now;
    rtc_arm_second_timer(s);
}

static bool rtc_divider_running(RTCState *s)
{
    return (s->cmos[RTC_REG_A] & REG_A_DV_MASK) == REG_A_DV_32768;
}

static bool rtc_update_in_progress(RTCState *s)
{
    int64_t frac;

    if ((s->cmos[RTC_REG_B] & REG_B_SET) || !rtc_divider_running(s)) {
        return false;
    }
    rtc_split_ns(rtc_now_ns(s), &frac);
    return frac >= NANOSECONDS_PER_SECOND - RTC_UIP_NS;
}

/* ---- interrupts ---- */

/* IRQF = (PF & PIE) | (AF & AIE) | (UF & UIE); the IRQ pin follows IRQF. */
static void rtc_update_irq(RTCState *s)
{
    uint8_t enabled = s->cmos[RTC_REG_B] & (REG_B_PIE | REG_B_AIE | REG_B_UIE);
    /* PF/AF/UF sit in register C at the bit positions of PIE/AIE/UIE in B. */
    bool irqf = s->cmos[RTC_REG_C] & enabled;

    if (irqf) {
        s->cmos[RTC_REG_C] |= REG_C_IRQF;
    } else {
        s->cmos[RTC_REG_C] &= ~REG_C_IRQF;
    }
    irq_set(s->irq, irqf);
}

static bool rtc_alarm_match(uint8_t alarm, uint8_t now)
{
    return (alarm & ALARM_DONT_CARE) == ALARM_DONT_CARE || alarm == now;
}

/* The end of an update cycle: UF, and AF when the alarm matches the new time. */
static void rtc_second_tick(void *opaque)
{
    RTCState *s = opaque;
    struct tm tm;

    if (!(s->cmos[RTC_REG_B] & REG_B_SET) && rtc_divider_running(s)) {
        rtc_get_tm(s, &tm);
        s->cmos[RTC_REG_C] |= REG_C_UF;
        if (rtc_alarm_match(s->cmos[RTC_SECONDS_ALARM], rtc_time_reg(s, RTC_SECONDS, &tm)) &&
            rtc_alarm_match(s->cmos[RTC_MINUTES_ALARM], rtc_time_reg(s, RTC_MINUTES, &tm)) &&
            rtc_alarm_match(s->cmos[RTC_HOURS_ALARM], rtc_time_reg(s, RTC_HOURS, &tm))) {
            s->cmos[RTC_REG_C] |= REG_C_AF;
        }
        rtc_update_irq(s);
    }
    rtc_arm_second_timer(s);
}

static void rtc_arm_second_timer(RTCState *s)
{
    int64_t into_second;

    rtc_split_ns(rtc_now_ns(s), &into_second);

    timer_mod(&s->second_timer,
              clock_get_ns(QEMU_CLOCK_REALTIME) + NANOSECONDS_PER_SECOND - into_second);
}

static void rtc_periodic_tick(void *opaque)
{
    RTCState *s = opaque;
    int64_t now = clock_get_ns(QEMU_CLOCK_VIRTUAL);

    s->cmos[RTC_REG_C] |= REG_C_PF;
    rtc_update_irq(s);
    s->periodic_next_ns += s->periodic_period_ns;
    if (s->periodic_next_ns <= now) {
        /* Far behind (the host was busy): drop the missed ticks rather than burst. */
        s->periodic_next_ns = now + s->periodic_period_ns;
    }
    timer_mod(&s->periodic_timer, s->periodic_next_ns);
}

/*
 * Rate select (table 5): with a 32.768 kHz time base, RS = 1 and 2 give 256 and
 * 128 Hz, RS = 3..15 give 32768 >> (RS - 1) Hz; RS = 0 stops the interrupt.
 */
static void rtc_update_periodic_timer(RTCState *s)
{
    unsigned rs = s->cmos[RTC_REG_A] & REG_A_RS_MASK;
    int64_t period, now;
    unsigned cycles;

    if (rs == 0 || !(s->cmos[RTC_REG_B] & REG_B_PIE) || !rtc_divider_running(s)) {
        timer_del(&s->periodic_timer);
        s->periodic_period_ns = 0;
        return;
    }
    cycles = rs <= 2 ? 1u << (rs + 6) : 1u << (rs - 1);
    period = (int64_t)cycles * NANOSECONDS_PER_SECOND / RTC_CRYSTAL_HZ;
    if (period == s->periodic_period_ns && timer_pending(&s->periodic_timer)) {
        return;
    }
    now = clock_get_ns(QEMU_CLOCK_VIRTUAL);
    s->periodic_period_ns = period;
    s->periodic_next_ns = now + period;
    timer_mod(&s->periodic_timer, s->periodic_next_ns);
}

/* ---- registers ---- */

static void rtc_write_reg_b(RTCState *s, uint8_t val)
{
    uint8_t old = s->cmos[RTC_REG_B];

    if ((val & REG_B_SET) && !(old & REG_B_SET)) {
        /* SET freezes the time registers for the guest to rewrite, and clears UIE. */
        rtc_latch_time(s);
        val &= ~REG_B_UIE;
    }
    s->cmos[RTC_REG_B] = val;
    if (!(val & REG_B_SET) && (old & REG_B_SET)) {
        rtc_apply_time(s);
    }
    rtc_update_irq(s);
    rtc_update_periodic_timer(s);
}

static void rtc_write_data(RTCState *s, unsigned index, uint8_t val)
{
    switch (index) {
    case RTC_REG_A:
        s->cmos[RTC_REG_A] = val & ~REG_A_UIP; /* UIP is read-only */
        rtc_update_periodic_timer(s);
        break;
    case RTC_REG_B:
        rtc_write_reg_b(s, val);
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        log_mask_printf(LOG_GUEST_ERROR, "mc146818rtc: write 0x%02x to read-only register 0x%x\n",
                        val, index);
        break;
    default:
        if (rtc_is_time_reg(index) && !(s->cmos[RTC_REG_B] & REG_B_SET)) {
            /* Not frozen: the write takes effect at once, the other fields keep running. */
            rtc_latch_time(s);
            s->cmos[index] = val;
            rtc_apply_time(s);
            break;
        }
        s->cmos[index] = val;
        break;
    }
}

static uint8_t rtc_read_data(RTCState *s, unsigned index)
{
    struct tm tm;
    uint8_t val;

    switch (index) {
    case RTC_REG_A:
        return s->cmos[RTC_REG_A] | (rtc_update_in_progress(s) ? REG_A_UIP : 0);
    case RTC_REG_C:
        val = s->cmos[RTC_REG_C];
        s->cmos[RTC_REG_C] = 0;
        irq_lower(s->irq);
        return val;
    case RTC_REG_D:
        return REG_D_VRT;
    default:
        if (rtc_is_time_reg(index) && !(s->cmos[RTC_REG_B] & REG_B_SET)) {
            rtc_get_tm(s, &tm);
            return rtc_time_reg(s, index, &tm);
        }
        return s->cmos[index];
    }
}

static uint64_t rtc_io_read(void *opaque, uint64_t addr, unsigned size)
{
    RTCState *s = opaque;

    if (addr == 0) {
        return 0xff; /* the index register is write-only */
    }
    return rtc_read_data(s, s->index);
}

static void rtc_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    RTCState *s = opaque;

    if (addr == 0) {
        s->index = val & (RTC_CMOS_SIZE - 1);
        s->nmi_masked = val & 0x80;
        return;
    }
    rtc_write_data(s, s->index, val);
}

static const MemoryRegionOps rtc_io_ops = {
    .read = rtc_io_read,
    .write = rtc_io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 1},
};

/* ---- device ---- */

static void rtc_reset(DeviceState *dev)
{
    RTCState *s = (RTCState *)dev;

    /* The RESET pin: interrupt enables, SQWE and the flags; time and RAM stay. */
    s->cmos[RTC_REG_B] &= ~(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE);
    s->cmos[RTC_REG_C] = 0;
    s->cmos[RTC_REG_D] = REG_D_VRT;
    rtc_update_periodic_timer(s);
    irq_lower(s->irq);
}

static bool rtc_realize(DeviceState *dev, GError **errp)
{
    RTCState *s = (RTCState *)dev;

    if (s->base_year < 0 || s->base_year > 9999) {
        error_setg(errp,
                   "mc146818rtc: base_year=%d is out of range (0-9999; 0 counts "
                   "years from 0000, as PCs do)",
                   s->base_year);
        return false;
    }
    s->irq = isa_get_irq(&s->parent, RTC_ISA_IRQ);
    s->delta_ns = clock_get_ns(QEMU_CLOCK_HOST) - clock_get_ns(QEMU_CLOCK_REALTIME);

    /* Power-on: divider running at 1024 Hz periodic rate, BCD, 24-hour mode. */
    memset(s->cmos, 0, sizeof(s->cmos));
    s->cmos[RTC_REG_A] = REG_A_DV_32768 | 0x06;
    s->cmos[RTC_REG_B] = REG_B_24H;
    s->cmos[RTC_REG_D] = REG_D_VRT;
    rtc_latch_time(s);

    timer_init(&s->second_timer, QEMU_CLOCK_REALTIME, rtc_second_tick, s);
    timer_init(&s->periodic_timer, QEMU_CLOCK_VIRTUAL, rtc_periodic_tick, s);
    rtc_arm_second_timer(s);

    memory_region_init_io(&s->io, &rtc_io_ops, s, "rtc", 2);
    isa_register_ioport(&s->parent, &s->io, RTC_ISA_BASE);
    return true;
}

static void rtc_unrealize(DeviceState *dev)
{
    RTCState *s = (RTCState *)dev;

    timer_del(&s->second_timer);
    timer_del(&s->periodic_timer);
    isa_unregister_ioport(&s->parent, &s->io);
    memory_region_destroy(&s->io);
}

static const Property rtc_props[] = {
    DEFINE_PROP_I32("base_year", RTCState, base_year, 0,
                    "year that register value 0 (with century 0) stands for"),
    DEFINE_PROP_END,
};

static DeviceClass rtc_class = {
    .name = "mc146818rtc",
    .desc = "MC146818 real-time clock and CMOS RAM",
    .category = "misc",
    .instance_size = sizeof(RTCState),
    .bus_type = BUS_ISA,
    .props = rtc_props,
    .realize = rtc_realize,
    .unrealize = rtc_unrealize,
    .reset = rtc_reset,
};

static RTCState *rtc_from_dev(DeviceState *dev)
{
    g_assert(dev && dev->klass == &rtc_class);
    return (RTCState *)dev;
}

void rtc_set_memory(DeviceState *dev, int addr, uint8_t val)
{
    g_assert(addr >= 0 && addr < RTC_CMOS_SIZE);
    rtc_from_dev(dev)->cmos[addr] = val;
}

uint8_t rtc_get_memory(DeviceState *dev, int addr)
{
    g_assert(addr >= 0 && addr < RTC_CMOS_SIZE);
    return rtc_from_dev(dev)->cmos[addr];
}

DeviceState *mc146818_rtc_init(BusState *isa_bus, GError **errp)
{
    return device_create_simple(rtc_class.name, isa_bus, errp);
}

MIMIC_INIT(rtc_register)
{
    device_class_register(&rtc_class);
}
