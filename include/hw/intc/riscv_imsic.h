/*
 * The RISC-V IMSIC (Incoming MSI Controller, AIA 1.0 ch. 3): for one privilege
 * level (M or S), one interrupt file per hart, each a 4 KiB page where a
 * 32-bit write of identity N to seteipnum_le sets that identity pending. The
 * harts reach the same files through their AIA CSRs (target/riscv/cpu.h,
 * RISCVInterruptFileOps).
 */
#ifndef HW_INTC_RISCV_IMSIC_H
#define HW_INTC_RISCV_IMSIC_H

#include "core/qdev.h"

#define RISCV_IMSIC_TYPE "riscv.imsic"

#define RISCV_IMSIC_FILE_SIZE 0x1000 /* one page per hart (AIA §3.6) */
#define RISCV_IMSIC_SETEIPNUM_LE 0x0
#define RISCV_IMSIC_SETEIPNUM_BE 0x4
#define RISCV_IMSIC_MAX_IDS 2047 /* identities 1 .. 2047 at most (AIA §3.1) */
#define RISCV_IMSIC_DEFAULT_IDS 255

/*
 * Create the machine-level (mmode) or supervisor-level IMSIC at addr for harts
 * hartid_base .. hartid_base + num_harts - 1 (already created), hart i's file
 * at addr + i * RISCV_IMSIC_FILE_SIZE, with identities 1 .. num_ids; num_ids + 1
 * must be a multiple of 64 (AIA §3.1).
 */
DeviceState *riscv_imsic_create(uint64_t addr, uint32_t hartid_base, uint32_t num_harts, bool mmode,
                                uint32_t num_ids, GError **errp);

#endif
