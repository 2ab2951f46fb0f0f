/*
 * Helpers for the F and D extensions: NaN-boxing at the register boundary,
 * the dynamic rounding mode, fflags accrual. The arithmetic itself is
 * softfloat.c. Unprivileged spec 20191213 ch. 11-12.
 */
#include "target/riscv/internals.h"
#include "target/riscv/helper.h"
#include "target/riscv/softfloat.h"

#define BOX_S 0xffffffff00000000ULL

/* A single in a 64-bit register: valid only NaN-boxed, else the canonical NaN (§12.2). */
static inline uint64_t unbox_s(uint64_t x)
{
    return (x >> 32) == 0xffffffffu ? (uint32_t)x : 0x7fc00000u;
}

static inline uint64_t box_s(uint64_t x)
{
    return x | BOX_S;
}

/* The translator rejected reserved modes, and DYN while frm is reserved. */
static inline int rounding(RISCVCPU *cpu, uint64_t rm)
{
    return rm == RM_DYN ? (int)cpu->frm : (int)rm;
}

#define FP_BINOP(name, expr_s, expr_d)                                                             \
    uint64_t helper_##name##_s(void *env, uint64_t a, uint64_t b, uint64_t rm)                     \
    {                                                                                              \
        RISCVCPU *cpu = env;                                                                       \
        uint32_t fl = 0;                                                                           \
        const SFFormat *f = &sf_f32;                                                               \
        int r = rounding(cpu, rm);                                                                 \
        uint64_t x = unbox_s(a), y = unbox_s(b);                                                   \
        uint64_t res = expr_s;                                                                     \
        cpu->fflags |= fl;                                                                         \
        return box_s(res);                                                                         \
    }                                                                                              \
    uint64_t helper_##name##_d(void *env, uint64_t a, uint64_t b, uint64_t rm)                     \
    {                                                                                              \
        RISCVCPU *cpu = env;                                                                       \
        uint32_t fl = 0;                                                                           \
        const SFFormat *f = &sf_f64;                                                               \
        int r = rounding(cpu, rm);                                                                 \
        uint64_t x = a, y = b;                                                                     \
        uint64_t res = expr_d;                                                                     \
        cpu->fflags |= fl;                                                                         \
        return res;                                                                                \
    }

FP_BINOP(fadd, sf_add(f, x, y, false, r, &fl), sf_add(f, x, y, false, r, &fl))
FP_BINOP(fsub, sf_add(f, x, y, true, r, &fl), sf_add(f, x, y, true, r, &fl))
FP_BINOP(fmul, sf_mul(f, x, y, r, &fl), sf_mul(f, x, y, r, &fl))
FP_BINOP(fdiv, sf_div(f, x, y, r, &fl), sf_div(f, x, y, r, &fl))

uint64_t helper_fsqrt_s(void *env, uint64_t a, uint64_t rm)
{
    RISCVCPU *cpu = env;
    uint32_t fl = 0;
    uint64_t res = sf_sqrt(&sf_f32, unbox_s(a), rounding(cpu, rm), &fl);

    cpu->fflags |= fl;
    return box_s(res);
}

uint64_t helper_fsqrt_d(void *env, uint64_t a, uint64_t rm)
{
    RISCVCPU *cpu = env;
    uint32_t fl = 0;
    uint64_t res = sf_sqrt(&sf_f64, a, rounding(cpu, rm), &fl);

    cpu->fflags |= fl;
    return res;
}

/* rm_op = rm | op << 8; op 0 fmadd, 1 fmsub, 2 fnmsub, 3 fnmadd. */
uint64_t helper_fmadd_s(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t rm_op)
{
    RISCVCPU *cpu = env;
    unsigned op = rm_op >> 8;
    uint32_t fl = 0;
    uint64_t res = sf_fma(&sf_f32, unbox_s(a), unbox_s(b), unbox_s(c), op >= 2, op == 1 || op == 3,
                          rounding(cpu, rm_op & 0xff), &fl);

    cpu->fflags |= fl;
    return box_s(res);
}

uint64_t helper_fmadd_d(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t rm_op)
{
    RISCVCPU *cpu = env;
    unsigned op = rm_op >> 8;
    uint32_t fl = 0;
    uint64_t res = sf_fma(&sf_f64, a, b, c, op >= 2, op == 1 || op == 3,
                          rounding(cpu, rm_op & 0xff), &fl);

    cpu->fflags |= fl;
    return res;
}

uint64_t helper_fmin_s(void *env, uint64_t a, uint64_t b, uint64_t is_max)
{
    RISCVCPU *cpu = env;
    uint32_t fl = 0;
    uint64_t res = sf_minmax(&sf_f32, unbox_s(a), unbox_s(b), is_max, &fl);

    cpu->fflags |= fl;
    return box_s(res);
}

uint64_t helper_fmin_d(void *env, uint64_t a, uint64_t b, uint64_t is_max)
{
    RISCVCPU *cpu = env;
    uint32_t fl = 0;
    uint64_t res = sf_minmax(&sf_f64, a, b, is_max, &fl);

    cpu->fflags |= fl;
    return res;
}

uint64_t helper_fcmp_s(void *env, uint64_t a, uint64_t b, uint64_t op)
{
    RISCVCPU *cpu = env;
    uint32_t fl = 0;
    bool res = sf_compare(&sf_f32, unbox_s(a), unbox_s(b), op, &fl);

    cpu->fflags |= fl;
    return res;
}

uint64_t helper_fcmp_d(void *env, uint64_t a, uint64_t b, uint64_t op)
{
    RISCVCPU *cpu = env;
    uint32_t fl = 0;
    bool res = sf_compare(&sf_f64, a, b, op, &fl);

    cpu->fflags |= fl;
    return res;
}

uint64_t helper_fclass_s(void *env, uint64_t a)
{
    return sf_classify(&sf_f32, unbox_s(a));
}

uint64_t helper_fclass_d(void *env, uint64_t a)
{
    return sf_classify(&sf_f64, a);
}

/* kind: 0 w, 1 wu, 2 l, 3 lu. 32-bit results are sign-extended, unsigned ones too (§11.7). */
static uint64_t to_int(RISCVCPU *cpu, const SFFormat *f, uint64_t a, uint64_t rm, uint64_t kind)
{
    uint32_t fl = 0;
    int bits = kind < 2 ? 32 : 64;
    int64_t res = sf_to_int(f, a, bits, !(kind & 1), rounding(cpu, rm), &fl);

    cpu->fflags |= fl;
    return bits == 32 ? (uint64_t)(int64_t)(int32_t)res : (uint64_t)res;
}

static uint64_t from_int(RISCVCPU *cpu, const SFFormat *f, uint64_t v, uint64_t rm, uint64_t kind)
{
    uint32_t fl = 0;
    uint64_t res;

    switch (kind) {
    case 0:
        v = (int64_t)(int32_t)v;
        break;
    case 1:
        v = (uint32_t)v;
        break;
    }
    res = sf_from_int(f, v, !(kind & 1), rounding(cpu, rm), &fl);
    cpu->fflags |= fl;
    return res;
}

uint64_t helper_fcvt_to_int_s(void *env, uint64_t a, uint64_t rm, uint64_t kind)
{
    return to_int(env, &sf_f32, unbox_s(a), rm, kind);
}

uint64_t helper_fcvt_to_int_d(void *env, uint64_t a, uint64_t rm, uint64_t kind)
{
    return to_int(env, &sf_f64, a, rm, kind);
}

uint64_t helper_fcvt_from_int_s(void *env, uint64_t v, uint64_t rm, uint64_t kind)
{
    return box_s(from_int(env, &sf_f32, v, rm, kind));
}

uint64_t helper_fcvt_from_int_d(void *env, uint64_t v, uint64_t rm, uint64_t kind)
{
    return from_int(env, &sf_f64, v, rm, kind);
}

uint64_t helper_fcvt_s_d(void *env, uint64_t a, uint64_t rm)
{
    RISCVCPU *cpu = env;
    uint32_t fl = 0;
    uint64_t res = sf_convert(&sf_f32, &sf_f64, a, rounding(cpu, rm), &fl);

    cpu->fflags |= fl;
    return box_s(res);
}

uint64_t helper_fcvt_d_s(void *env, uint64_t a, uint64_t rm)
{
    RISCVCPU *cpu = env;
    uint32_t fl = 0;
    uint64_t res = sf_convert(&sf_f64, &sf_f32, unbox_s(a), rounding(cpu, rm), &fl);

    cpu->fflags |= fl;
    return res;
}
