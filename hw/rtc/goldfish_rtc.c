/*
 * The Goldfish RTC ("google,goldfish-rtc"), Android's emulator clock that
 * QEMU's riscv virt machine maps at 0x101000 on PLIC source 11. Registers
 * (Android goldfish GOLDFISH-VIRTUAL-HARDWARE.TXT; Linux's rtc-goldfish.c),
 * all 32-bit:
 *
 *   0x00 TIME_LOW        read: low half of the time in ns since the epoch,
 *                        latching the high half; write: sets the time
 *                        (with the TIME_HIGH written before)
 *   0x04 TIME_HIGH       the latched / to-be-written high half
 *   0x08 ALARM_LOW       write: arms the alarm at ALARM_HIGH:value
 *   0x0c ALARM_HIGH
 *   0x10 IRQ_ENABLED     bit 0 lets the alarm raise the interrupt
 *   0x14 CLEAR_ALARM     write: disarms the alarm
 *   0x18 ALARM_STATUS    read: 1 while an alarm is armed
 *   0x1c CLEAR_INTERRUPT write: lowers the interrupt
 *
 * The clock starts at the host's UTC time and advances with
 * QEMU_CLOCK_REALTIME, plus whatever offset the guest sets (the same policy as
 * hw/rtc/mc146818rtc.c); the alarm fires from a realtime timer.
 */
#include "core/irq.h"
#include "core/qdev.h"
#include "hw/rtc/goldfish_rtc.h"
#include "system/memory.h"
#include "system/timer.h"
#include "util/error.h"
#include "util/log.h"

#define GOLDFISH_RTC_SIZE 0x1000

enum {
    RTC_TIME_LOW = 0x00,
    RTC_TIME_HIGH = 0x04,
    RTC_ALARM_LOW = 0x08,
    RTC_ALARM_HIGH = 0x0c,
    RTC_IRQ_ENABLED = 0x10,
    RTC_CLEAR_ALARM = 0x14,
    RTC_ALARM_STATUS = 0x18,
    RTC_CLEAR_INTERRUPT = 0x1c,
};

typedef struct GoldfishRTCState {
    DeviceState parent;
    uint64_t addr;
    IrqLine *irq;

    int64_t delta_ns; /* RTC time = QEMU_CLOCK_REALTIME + delta_ns */
    uint64_t alarm_ns;
    uint32_t alarm_high;
    uint32_t time_high;
    bool alarm_running;
    bool irq_pending;
    bool irq_enabled;
    Timer alarm_timer;
    MemoryRegion mmio;
} GoldfishRTCState;

static uint64_t goldfish_rtc_now(GoldfishRTCState *s)
{
    return (uint64_t)(clock_get_ns(QEMU_CLOCK_REALTIME) + s->delta_ns);
}

static void goldfish_rtc_update_irq(GoldfishRTCState *s)
{
    irq_set(s->irq, s->irq_pending && s->irq_enabled);
}

static void goldfish_rtc_alarm_fire(void *opaque)
{
    GoldfishRTCState *s = opaque;

    s->alarm_running = false;
    s->irq_pending = true;
    goldfish_rtc_update_irq(s);
}

/* Arm the timer for alarm_ns in RTC time, or fire now if that moment has passed. */
static void goldfish_rtc_set_alarm(GoldfishRTCState *s)
{
    uint64_t now = goldfish_rtc_now(s);

    s->alarm_running = true;
    if (s->alarm_ns <= now) {
        timer_del(&s->alarm_timer);
        goldfish_rtc_alarm_fire(s);
        return;
    }
    timer_mod(&s->alarm_timer, (int64_t)(s->alarm_ns - (uint64_t)s->delta_ns));
}

static void goldfish_rtc_clear_alarm(GoldfishRTCState *s)
{
    timer_del(&s->alarm_timer);
    s->alarm_running = false;
}

static uint64_t goldfish_rtc_read(void *opaque, uint64_t addr, unsigned size)
{
    GoldfishRTCState *s = opaque;
    uint64_t now;

    switch (addr) {
    case RTC_TIME_LOW:
        /* Reading the low half latches the high half, so the pair is consistent. */
        now = goldfish_rtc_now(s);
        s->time_high = now >> 32;
        return (uint32_t)now;
    case RTC_TIME_HIGH:
        return s->time_high;
    case RTC_ALARM_LOW:
        return (uint32_t)s->alarm_ns;
    case RTC_ALARM_HIGH:
        return s->alarm_ns >> 32;
    case RTC_IRQ_ENABLED:
        return s->irq_enabled;
    case RTC_ALARM_STATUS:
        return s->alarm_running;
    default:
        log_mask_printf(LOG_GUEST_ERROR, "goldfish_rtc: read of offset 0x%" PRIx64 "\n", addr);
        return 0;
    }
}

static void goldfish_rtc_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    GoldfishRTCState *s = opaque;

    switch (addr) {
    case RTC_TIME_LOW: {
        uint64_t t = ((uint64_t)s->time_high << 32) | (uint32_t)val;

        s->delta_ns = (int64_t)(t - (uint64_t)clock_get_ns(QEMU_CLOCK_REALTIME));
        if (s->alarm_running) {
            goldfish_rtc_set_alarm(s);
        }
        break;
    }
    case RTC_TIME_HIGH:
        s->time_high = val;
        break;
    case RTC_ALARM_LOW:
        s->alarm_ns = ((uint64_t)s->alarm_high << 32) | (uint32_t)val;
        goldfish_rtc_set_alarm(s);
        break;
    case RTC_ALARM_HIGH:
        s->alarm_high = val;
        break;
    case RTC_IRQ_ENABLED:
        s->irq_enabled = val & 1;
        goldfish_rtc_update_irq(s);
        break;
    case RTC_CLEAR_ALARM:
        goldfish_rtc_clear_alarm(s);
        break;
    case RTC_CLEAR_INTERRUPT:
        s->irq_pending = false;
        goldfish_rtc_update_irq(s);
        break;
    default:
        log_mask_printf(LOG_GUEST_ERROR,
                        "goldfish_rtc: write of 0x%" PRIx64 " to offset 0x%" PRIx64 "\n", val,
                        addr);
    }
}

static const MemoryRegionOps goldfish_rtc_ops = {
    .read = goldfish_rtc_read,
    .write = goldfish_rtc_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 4, .max_access_size = 4},
    .impl = {.min_access_size = 4, .max_access_size = 4},
};

static bool goldfish_rtc_realize(DeviceState *dev, GError **errp)
{
    GoldfishRTCState *s = (GoldfishRTCState *)dev;

    s->delta_ns = clock_get_ns(QEMU_CLOCK_HOST) - clock_get_ns(QEMU_CLOCK_REALTIME);
    timer_init(&s->alarm_timer, QEMU_CLOCK_REALTIME, goldfish_rtc_alarm_fire, s);
    memory_region_init_io(&s->mmio, &goldfish_rtc_ops, s, "goldfish_rtc", GOLDFISH_RTC_SIZE);
    memory_region_add_subregion(get_system_memory(), s->addr, &s->mmio);
    return true;
}

static void goldfish_rtc_unrealize(DeviceState *dev)
{
    GoldfishRTCState *s = (GoldfishRTCState *)dev;

    timer_del(&s->alarm_timer);
    memory_region_del_subregion(get_system_memory(), &s->mmio);
}

/* The time survives a reset, as a battery-backed clock's does; the alarm does not. */
static void goldfish_rtc_reset(DeviceState *dev)
{
    GoldfishRTCState *s = (GoldfishRTCState *)dev;

    goldfish_rtc_clear_alarm(s);
    s->alarm_ns = 0;
    s->alarm_high = 0;
    s->time_high = 0;
    s->irq_enabled = false;
    s->irq_pending = false;
    goldfish_rtc_update_irq(s);
}

static void goldfish_rtc_print_dev(DeviceState *dev, GString *out, int indent)
{
    GoldfishRTCState *s = (GoldfishRTCState *)dev;

    g_string_append_printf(out, "%*smmio 0x%016" PRIx64 "/0x%x\n", indent, "", s->addr,
                           GOLDFISH_RTC_SIZE);
}

static const Property goldfish_rtc_props[] = {
    DEFINE_PROP_U64("addr", GoldfishRTCState, addr, 0x101000, "MMIO base address"),
    DEFINE_PROP_END,
};

static DeviceClass goldfish_rtc_class = {
    .name = GOLDFISH_RTC_TYPE,
    .desc = "Goldfish real-time clock",
    .category = "misc",
    .instance_size = sizeof(GoldfishRTCState),
    .bus_type = BUS_SYSTEM,
    .props = goldfish_rtc_props,
    .realize = goldfish_rtc_realize,
    .unrealize = goldfish_rtc_unrealize,
    .reset = goldfish_rtc_reset,
    .print_dev = goldfish_rtc_print_dev,
};

DeviceState *goldfish_rtc_create(uint64_t addr, IrqLine *irq, GError **errp)
{
    DeviceState *dev = device_new(GOLDFISH_RTC_TYPE, errp);

    if (!dev) {
        return NULL;
    }
    ((GoldfishRTCState *)dev)->irq = irq;
    if (!device_set_prop_u64(dev, "addr", addr, errp) ||
        !device_realize(dev, sysbus_get_default(), errp)) {
        device_destroy(dev);
        return NULL;
    }
    return dev;
}

MIMIC_INIT(goldfish_rtc_register)
{
    device_class_register(&goldfish_rtc_class);
}
