/*
 * The RISC-V APLIC (Advanced PLIC, AIA 1.0 ch. 4): interrupt domains of wired
 * sources, each delivering to harts directly (IDCs driving MEIP/SEIP) or by
 * MSIs written to the harts' IMSIC interrupt files. Devices raise the sources
 * of the root domain through the IrqLines riscv_aplic_irq() hands out; the root
 * delegates sources to its child with sourcecfg.D.
 */
#ifndef HW_INTC_RISCV_APLIC_H
#define HW_INTC_RISCV_APLIC_H

#include "core/irq.h"
#include "core/qdev.h"

#define RISCV_APLIC_TYPE "riscv.aplic"

#define RISCV_APLIC_IDC 0x4000 /* interrupt delivery control structures, one per hart */
#define RISCV_APLIC_IDC_SIZE 32
#define RISCV_APLIC_MAX_SOURCES 1023
/* The control region with IDCs for num_harts harts. */
#define RISCV_APLIC_SIZE(num_harts) (RISCV_APLIC_IDC + (uint64_t)(num_harts)*RISCV_APLIC_IDC_SIZE)

/*
 * Create a domain at addr (size bytes of MMIO) for harts hartid_base ..
 * hartid_base + num_harts - 1 with sources 1 .. num_sources. mmode: a
 * machine-level domain (MEIP, MSIs to M-level files), else supervisor-level.
 * msimode: domaincfg.DM is fixed at 1 (MSI delivery) instead of 0 (direct).
 * parent: the domain this one is the (only) child of, or NULL for the root.
 */
DeviceState *riscv_aplic_create(uint64_t addr, uint64_t size, uint32_t hartid_base,
                                uint32_t num_harts, uint32_t num_sources, bool mmode, bool msimode,
                                DeviceState *parent, GError **errp);

/* Source n (1 .. num_sources) of a root domain, for a device's irq. */
IrqLine *riscv_aplic_irq(DeviceState *root, unsigned n);

#endif
