/*
 * RISC-V instruction decoding: a table built from insn32.def, and the
 * expansion of compressed (C) instructions to their 32-bit equivalents.
 */
#ifndef TARGET_RISCV_DECODE_H
#define TARGET_RISCV_DECODE_H

#include "util/osdep.h"

typedef enum RVInsnId {
#define INSN(name, mask, match, fmt, operands) INSN_##name,
#include "target/riscv/insn32.def"
#undef INSN
    INSN_COUNT,
    INSN_UNKNOWN = INSN_COUNT,
} RVInsnId;

/* Operand fields; which ones are meaningful depends on the instruction's format. */
typedef struct DisasArgs {
    int rd, rs1, rs2, rs3;
    int64_t imm;  /* sign-extended immediate, shift amount or (CSR) zero-extended uimm */
    int rm;       /* funct3: rounding mode of FP instructions */
    int csr;
    bool aq, rl;
} DisasArgs;

/* Decode a 32-bit instruction word; INSN_UNKNOWN if it is none of insn32.def. */
RVInsnId riscv_decode32(uint32_t insn, DisasArgs *a);
const char *riscv_insn_name(RVInsnId id);
/* The 32-bit instruction a compressed one stands for, or 0 when it is illegal/reserved. */
uint32_t riscv_rvc_expand(uint16_t insn);

#endif
