/*
 * The Goldfish RTC ("google,goldfish-rtc"): a 64-bit nanosecond clock with one
 * alarm and one interrupt line, as QEMU's riscv virt machine has it.
 */
#ifndef HW_RTC_GOLDFISH_RTC_H
#define HW_RTC_GOLDFISH_RTC_H

#include "core/irq.h"
#include "core/qdev.h"

#define GOLDFISH_RTC_TYPE "goldfish_rtc"

/* Create and realize the RTC at addr on the system bus; its alarm drives irq. */
DeviceState *goldfish_rtc_create(uint64_t addr, IrqLine *irq, GError **errp);

#endif
