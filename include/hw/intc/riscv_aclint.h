/*
 * The RISC-V ACLINT machine-level software interrupt device (MSWI) and timer
 * (MTIMER), laid out as SiFive's CLINT: msip words at +0, mtimecmp at +0x4000,
 * mtime at +0xbff8. Timers run on QEMU_CLOCK_VIRTUAL and raise IRQ_M_TIMER on
 * the harts; the device also answers the harts' time CSR (rdtime hook).
 */
#ifndef HW_INTC_RISCV_ACLINT_H
#define HW_INTC_RISCV_ACLINT_H

#include "core/qdev.h"

#define RISCV_ACLINT_TYPE "riscv.aclint"

#define RISCV_ACLINT_SWI_SIZE 0x4000 /* msip words, one per hart */
#define RISCV_ACLINT_MTIMECMP 0x4000 /* mtimecmp doublewords, one per hart */
#define RISCV_ACLINT_MTIME 0xbff8
#define RISCV_ACLINT_SIZE 0x10000
#define RISCV_ACLINT_MAX_HARTS 4095 /* what fits below mtime */
#define RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ 10000000

/*
 * Create the CLINT at addr for harts hartid_base .. hartid_base + num_harts - 1
 * (already created: they are found in cpus[] by hart id) and install itself as
 * their time CSR source.
 */
DeviceState *riscv_aclint_create(uint64_t addr, uint32_t hartid_base, uint32_t num_harts,
                                 uint32_t timebase_freq, GError **errp);

/* The rdtime hook: mtime of the CLINT passed as opaque. */
uint64_t riscv_aclint_rdtime(void *opaque);

#endif
