/*
 * The SiFive PLIC (RISC-V Platform-Level Interrupt Controller), laid out as
 * QEMU's virt machine has it: two contexts per hart, M-mode (2 * i) and
 * S-mode (2 * i + 1), driving IRQ_M_EXT and IRQ_S_EXT of hart i. Devices
 * raise its sources through the IrqLines sifive_plic_irq() hands out.
 */
#ifndef HW_INTC_SIFIVE_PLIC_H
#define HW_INTC_SIFIVE_PLIC_H

#include "core/irq.h"
#include "core/qdev.h"

#define SIFIVE_PLIC_TYPE "riscv.sifive.plic"

/* Register map (RISC-V PLIC spec 1.0.0 §3, the offsets QEMU's virt uses). */
#define SIFIVE_PLIC_PRIORITY 0x0   /* u32 per source; source 0 does not exist */
#define SIFIVE_PLIC_PENDING 0x1000 /* 1 bit per source */
#define SIFIVE_PLIC_ENABLE 0x2000  /* 1 bit per source, per context */
#define SIFIVE_PLIC_ENABLE_STRIDE 0x80
#define SIFIVE_PLIC_CONTEXT 0x200000 /* threshold at +0, claim/complete at +4 */
#define SIFIVE_PLIC_CONTEXT_STRIDE 0x1000
#define SIFIVE_PLIC_MAX_SOURCES 1024   /* ids 0 .. 1023, the spec's limit */
#define SIFIVE_PLIC_MAX_CONTEXTS 15872 /* what fits between 0x200000 and 0x4000000 */

/* The MMIO size for num_contexts contexts. */
#define SIFIVE_PLIC_SIZE(num_contexts)                                                             \
    (SIFIVE_PLIC_CONTEXT + (uint64_t)(num_contexts)*SIFIVE_PLIC_CONTEXT_STRIDE)

/*
 * Create the PLIC at addr with sources 1 .. num_sources - 1 (riscv,ndev is
 * num_sources - 1), priorities 0 .. 7, and an M and an S context for each of
 * the harts hartid_base .. hartid_base + num_harts - 1 (already created).
 * size is the MMIO window (at least SIFIVE_PLIC_SIZE(2 * num_harts)).
 */
DeviceState *sifive_plic_create(uint64_t addr, uint64_t size, uint32_t hartid_base,
                                uint32_t num_harts, uint32_t num_sources, GError **errp);

/* The input line of source n (1 .. num_sources - 1), for a device's irq. */
IrqLine *sifive_plic_irq(DeviceState *plic, unsigned n);

#endif
