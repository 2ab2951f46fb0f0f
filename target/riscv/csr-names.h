/*
 * Standard RISC-V CSR names, for the CSR file and the disassembler.
 */
#ifndef TARGET_RISCV_CSR_NAMES_H
#define TARGET_RISCV_CSR_NAMES_H

#include "util/osdep.h"

/* The architectural name of CSR csrno, or NULL if the specs name none. */
const char *riscv_csr_std_name(int csrno);

#endif
