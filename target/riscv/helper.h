/*
 * Helpers called from translated RISC-V code. All take the CPU (env) first and
 * pass and return uint64_t, as include/tcg/tcg.h requires.
 */
#ifndef TARGET_RISCV_HELPER_H
#define TARGET_RISCV_HELPER_H

#include "util/osdep.h"

/* AMO funct5 values (unprivileged spec table 24.2). */
enum {
    AMO_ADD = 0x00,
    AMO_SWAP = 0x01,
    AMO_LR = 0x02,
    AMO_SC = 0x03,
    AMO_XOR = 0x04,
    AMO_OR = 0x08,
    AMO_AND = 0x0c,
    AMO_MIN = 0x10,
    AMO_MAX = 0x14,
    AMO_MINU = 0x18,
    AMO_MAXU = 0x1c,
};

uint64_t helper_raise_exception(void *env, uint64_t cause, uint64_t tval) __attribute__((noreturn));
uint64_t helper_csrr(void *env, uint64_t csrno, uint64_t insn);
uint64_t helper_csrw(void *env, uint64_t csrno, uint64_t val, uint64_t insn);
uint64_t helper_csrrw(void *env, uint64_t csrno, uint64_t val, uint64_t mask, uint64_t insn);
uint64_t helper_mret(void *env);
uint64_t helper_sret(void *env, uint64_t insn);
uint64_t helper_wfi(void *env, uint64_t insn);
uint64_t helper_sfence_vma(void *env, uint64_t addr, uint64_t all, uint64_t insn);
uint64_t helper_fence_i(void *env);

uint64_t helper_div(void *env, uint64_t a, uint64_t b);
uint64_t helper_divu(void *env, uint64_t a, uint64_t b);
uint64_t helper_rem(void *env, uint64_t a, uint64_t b);
uint64_t helper_remu(void *env, uint64_t a, uint64_t b);
uint64_t helper_divw(void *env, uint64_t a, uint64_t b);
uint64_t helper_divuw(void *env, uint64_t a, uint64_t b);
uint64_t helper_remw(void *env, uint64_t a, uint64_t b);
uint64_t helper_remuw(void *env, uint64_t a, uint64_t b);

uint64_t helper_amo(void *env, uint64_t addr, uint64_t val, uint64_t desc);
uint64_t helper_sc(void *env, uint64_t addr, uint64_t val, uint64_t desc);

/*
 * F and D. Operands are raw register bits (NaN-boxed for single); rm is the
 * instruction's rounding mode already resolved (never DYN). Flags accrue in
 * fflags.
 */
uint64_t helper_fadd_s(void *env, uint64_t a, uint64_t b, uint64_t rm);
uint64_t helper_fsub_s(void *env, uint64_t a, uint64_t b, uint64_t rm);
uint64_t helper_fmul_s(void *env, uint64_t a, uint64_t b, uint64_t rm);
uint64_t helper_fdiv_s(void *env, uint64_t a, uint64_t b, uint64_t rm);
uint64_t helper_fsqrt_s(void *env, uint64_t a, uint64_t rm);
/* op: 0 fmadd, 1 fmsub, 2 fnmsub, 3 fnmadd (opcode bits 3:2) */
uint64_t helper_fmadd_s(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t rm_op);
uint64_t helper_fmin_s(void *env, uint64_t a, uint64_t b, uint64_t is_max);
uint64_t helper_fcmp_s(void *env, uint64_t a, uint64_t b, uint64_t op); /* 0 le, 1 lt, 2 eq */
uint64_t helper_fclass_s(void *env, uint64_t a);
uint64_t helper_fcvt_to_int_s(void *env, uint64_t a, uint64_t rm, uint64_t kind);
uint64_t helper_fcvt_from_int_s(void *env, uint64_t a, uint64_t rm, uint64_t kind);

uint64_t helper_fadd_d(void *env, uint64_t a, uint64_t b, uint64_t rm);
uint64_t helper_fsub_d(void *env, uint64_t a, uint64_t b, uint64_t rm);
uint64_t helper_fmul_d(void *env, uint64_t a, uint64_t b, uint64_t rm);
uint64_t helper_fdiv_d(void *env, uint64_t a, uint64_t b, uint64_t rm);
uint64_t helper_fsqrt_d(void *env, uint64_t a, uint64_t rm);
uint64_t helper_fmadd_d(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t rm_op);
uint64_t helper_fmin_d(void *env, uint64_t a, uint64_t b, uint64_t is_max);
uint64_t helper_fcmp_d(void *env, uint64_t a, uint64_t b, uint64_t op);
uint64_t helper_fclass_d(void *env, uint64_t a);
uint64_t helper_fcvt_to_int_d(void *env, uint64_t a, uint64_t rm, uint64_t kind);
uint64_t helper_fcvt_from_int_d(void *env, uint64_t a, uint64_t rm, uint64_t kind);

uint64_t helper_fcvt_s_d(void *env, uint64_t a, uint64_t rm);
uint64_t helper_fcvt_d_s(void *env, uint64_t a, uint64_t rm);

/* kind for the integer conversions: 0 w, 1 wu, 2 l, 3 lu (the rs2 field). */

#endif
