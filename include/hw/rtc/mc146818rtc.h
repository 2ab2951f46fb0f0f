/*
 * The MC146818 real-time clock and CMOS RAM of the PC ("mc146818rtc"):
 * ports 0x70 (index, bit 7 = NMI mask) and 0x71 (data), ISA IRQ 8.
 */
#ifndef HW_RTC_MC146818RTC_H
#define HW_RTC_MC146818RTC_H

#include "core/qdev.h"

#define RTC_ISA_BASE 0x70
#define RTC_ISA_IRQ 8
#define RTC_CMOS_SIZE 128

/* Well-known CMOS bytes a PC machine fills for its firmware. */
#define RTC_CMOS_CENTURY 0x32
#define RTC_CMOS_EXT_MEM_KB_LO                                                                     \
    0x30 /* 0x30/0x31 (also 0x17/0x18): KiB of RAM above 1 MiB, max 0xffff */
#define RTC_CMOS_MEM_ABOVE_16M_LO                                                                  \
    0x34                              /* 0x34/0x35: 64 KiB units of RAM above 16 MiB, below 4 GiB */
#define RTC_CMOS_MEM_ABOVE_4G_LO 0x5b /* 0x5b-0x5d: 64 KiB units of RAM above 4 GiB */

/* Create and realize the RTC on the ISA bus (ports 0x70/0x71, IRQ 8). */
DeviceState *mc146818_rtc_init(BusState *isa_bus, GError **errp);

/*
 * Store/fetch a CMOS RAM byte directly, as a machine does to pass memory sizes to
 * the BIOS. addr outside 0..127 is a programming error.
 */
void rtc_set_memory(DeviceState *rtc, int addr, uint8_t val);
uint8_t rtc_get_memory(DeviceState *rtc, int addr);

#endif
