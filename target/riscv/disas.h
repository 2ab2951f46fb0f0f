/*
 * The RISC-V disassembler (RV64GC with Zicsr/Zifencei and the privileged
 * instructions), in the GNU assembler's syntax as objdump prints it.
 */
#ifndef TARGET_RISCV_DISAS_H
#define TARGET_RISCV_DISAS_H

#include "util/osdep.h"

/* The registers' ABI names (x1 = "ra", f10 = "fa0"), shared with the CPU and translator. */
extern const char *const riscv_gpr_abi_names[32];
extern const char *const riscv_fpr_abi_names[32];

/*
 * Append the instruction at pc, read from buf (little-endian, len bytes), to
 * out as "mnemonic\toperands" (no tab when it has no operands). Returns its
 * length, 2 or 4, or 0 when len is too short to hold it.
 */
int riscv_disas(uint64_t pc, const uint8_t *buf, size_t len, GString *out);

#endif
