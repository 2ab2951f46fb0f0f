/*
 * fp: the F and D extensions, exact per the ISA manual ("F" and "D"
 * chapters): arithmetic results by bit pattern, the canonical NaN, NaN-boxing
 * of singles in the 64-bit registers, conversions that saturate, each static
 * rounding mode, fmin/fmax/feq/flt with NaNs, fclass, and the fflags each
 * operation raises. Prints "SKIP fp" and passes when misa lacks F or D.
 */
#include "test.h"

#define FFLAG_NX 0x01
#define FFLAG_UF 0x02
#define FFLAG_OF 0x04
#define FFLAG_DZ 0x08
#define FFLAG_NV 0x10

#define D_ONE 0x3ff0000000000000UL
#define D_TWO 0x4000000000000000UL
#define D_THREE 0x4008000000000000UL
#define D_2_5 0x4004000000000000UL
#define D_M2_5 0xc004000000000000UL
#define D_INF 0x7ff0000000000000UL
#define D_MINF 0xfff0000000000000UL
#define D_QNAN 0x7ff8000000000000UL /* the canonical NaN */
#define D_SNAN 0x7ff0000000000001UL
#define D_BIG 0x43e0000000000000UL /* 2^63 */
#define S_ONE 0x3f800000U
#define S_QNAN 0x7fc00000U

/* Binary op on doubles given and returned as bit patterns. */
#define DOP2(op, a, b)                                                                             \
    ({                                                                                             \
        uint64_t __r;                                                                              \
        __asm__ volatile("fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\t" #op " ft2, ft0, ft1\n\t"         \
                         "fmv.x.d %0, ft2"                                                         \
                         : "=r"(__r)                                                               \
                         : "r"((uint64_t)(a)), "r"((uint64_t)(b))                                  \
                         : "ft0", "ft1", "ft2");                                                   \
        __r;                                                                                       \
    })
/* Double -> integer register through op with a rounding mode (fcvt.*). */
#define DCVT(op, a, rm)                                                                            \
    ({                                                                                             \
        uint64_t __r;                                                                              \
        __asm__ volatile("fmv.d.x ft0, %1\n\t" #op " %0, ft0, " #rm                                \
                         : "=r"(__r)                                                               \
                         : "r"((uint64_t)(a))                                                      \
                         : "ft0");                                                                 \
        __r;                                                                                       \
    })
static uint64_t fclass_d(uint64_t a)
{
    uint64_t r;

    __asm__ volatile("fmv.d.x ft0, %1\n\tfclass.d %0, ft0" : "=r"(r) : "r"(a) : "ft0");
    return r;
}
#define DCMP(op, a, b)                                                                             \
    ({                                                                                             \
        uint64_t __r;                                                                              \
        __asm__ volatile("fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\t" #op " %0, ft0, ft1"              \
                         : "=r"(__r)                                                               \
                         : "r"((uint64_t)(a)), "r"((uint64_t)(b))                                  \
                         : "ft0", "ft1");                                                          \
        __r;                                                                                       \
    })

static uint64_t flags_take(void)
{
    uint64_t f = csr_read(fflags);

    csr_write(fflags, 0);
    return f;
}

static void test_arith(void)
{
    flags_take();
    CHECK("fadd.d 1+2", DOP2(fadd.d, D_ONE, D_TWO), D_THREE);
    CHECK("exact fadd.d raises no flags", flags_take(), 0);
    CHECK("fmul.d 2*2.5", DOP2(fmul.d, D_TWO, D_2_5), 0x4014000000000000UL);
    CHECK("fdiv.d 1/3", DOP2(fdiv.d, D_ONE, D_THREE), 0x3fd5555555555555UL);
    CHECK("inexact fdiv.d raises NX", flags_take(), FFLAG_NX);
    CHECK("fdiv.d 1/0 = inf", DOP2(fdiv.d, D_ONE, 0), D_INF);
    CHECK("1/0 raises DZ", flags_take(), FFLAG_DZ);
    CHECK("fdiv.d 0/0 = canonical NaN", DOP2(fdiv.d, 0, 0), D_QNAN);
    CHECK("0/0 raises NV", flags_take(), FFLAG_NV);
    CHECK("fsub.d inf-inf = canonical NaN", DOP2(fsub.d, D_INF, D_INF), D_QNAN);
    flags_take();
    CHECK("fadd.d with sNaN gives the canonical NaN", DOP2(fadd.d, D_SNAN, D_ONE), D_QNAN);
    CHECK("sNaN operand raises NV", flags_take(), FFLAG_NV);
    CHECK("fmul.d overflow = inf", DOP2(fmul.d, 0x7fe0000000000000UL, D_TWO), D_INF);
    CHECK("overflow raises OF|NX", flags_take(), FFLAG_OF | FFLAG_NX);
    CHECK("fsgnjn.d negates", DOP2(fsgnjn.d, D_ONE, D_ONE), 0xbff0000000000000UL);
    CHECK("fsgnjx.d", DOP2(fsgnjx.d, D_MINF, D_M2_5), D_INF);
    {
        uint64_t r;
        __asm__ volatile("fmv.d.x ft0, %1\n\tfsqrt.d ft1, ft0\n\tfmv.x.d %0, ft1"
                         : "=r"(r)
                         : "r"(0x4010000000000000UL)
                         : "ft0", "ft1");
        CHECK("fsqrt.d 4 = 2", r, D_TWO);
        __asm__ volatile("fmv.d.x ft0, %1\n\tfsqrt.d ft1, ft0\n\tfmv.x.d %0, ft1"
                         : "=r"(r)
                         : "r"(0xbff0000000000000UL)
                         : "ft0", "ft1");
        CHECK("fsqrt.d -1 = canonical NaN", r, D_QNAN);
        __asm__ volatile("fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\tfmv.d.x ft2, %3\n\t"
                         "fmadd.d ft3, ft0, ft1, ft2\n\tfmv.x.d %0, ft3"
                         : "=r"(r)
                         : "r"(D_TWO), "r"(D_THREE), "r"(D_ONE)
                         : "ft0", "ft1", "ft2", "ft3");
        CHECK("fmadd.d 2*3+1", r, 0x401c000000000000UL);
    }
    flags_take();
    test_section("fp", "double arithmetic and flags");
}

static void test_convert(void)
{
    CHECK("fcvt.w.d rne 2.5", DCVT(fcvt.w.d, D_2_5, rne), 2);
    CHECK("fcvt.w.d rtz 2.5", DCVT(fcvt.w.d, D_2_5, rtz), 2);
    CHECK("fcvt.w.d rdn -2.5", DCVT(fcvt.w.d, D_M2_5, rdn), (uint64_t)-3);
    CHECK("fcvt.w.d rup 2.5", DCVT(fcvt.w.d, D_2_5, rup), 3);
    CHECK("fcvt.w.d rmm -2.5", DCVT(fcvt.w.d, D_M2_5, rmm), (uint64_t)-3);
    flags_take();
    CHECK("fcvt.w.d NaN saturates to max", DCVT(fcvt.w.d, D_QNAN, rtz), 0x7fffffffUL);
    CHECK("fcvt.w.d NaN raises NV", flags_take(), FFLAG_NV);
    CHECK("fcvt.w.d +inf", DCVT(fcvt.w.d, D_INF, rtz), 0x7fffffffUL);
    CHECK("fcvt.w.d -inf", DCVT(fcvt.w.d, D_MINF, rtz), 0xffffffff80000000UL);
    CHECK("fcvt.wu.d -1 saturates to 0", DCVT(fcvt.wu.d, 0xbff0000000000000UL, rtz), 0);
    CHECK("fcvt.wu.d +inf sign-extends all ones", DCVT(fcvt.wu.d, D_INF, rtz), ~0UL);
    CHECK("fcvt.l.d 2^63 saturates", DCVT(fcvt.l.d, D_BIG, rtz), 0x7fffffffffffffffUL);
    CHECK("fcvt.lu.d 2^63", DCVT(fcvt.lu.d, D_BIG, rtz), 0x8000000000000000UL);
    flags_take();
    CHECK("fcvt.l.d -0.5 rtz", DCVT(fcvt.l.d, 0xbfe0000000000000UL, rtz), 0);
    CHECK("inexact conversion raises NX", flags_take(), FFLAG_NX);
    {
        uint64_t r;
        __asm__ volatile("fcvt.d.l ft0, %1\n\tfmv.x.d %0, ft0" : "=r"(r) : "r"(-3L) : "ft0");
        CHECK("fcvt.d.l -3", r, 0xc008000000000000UL);
        __asm__ volatile("fcvt.d.lu ft0, %1\n\tfmv.x.d %0, ft0" : "=r"(r) : "r"(~0UL) : "ft0");
        CHECK("fcvt.d.lu 2^64-1 rounds to 2^64", r, 0x43f0000000000000UL);
    }
    flags_take();
    test_section("fp", "conversions and rounding modes");
}

static void test_compare_class(void)
{
    CHECK("feq.d 1 1", DCMP(feq.d, D_ONE, D_ONE), 1);
    CHECK("feq.d qNaN", DCMP(feq.d, D_QNAN, D_QNAN), 0);
    CHECK("feq.d qNaN raises nothing", flags_take(), 0);
    CHECK("flt.d qNaN", DCMP(flt.d, D_QNAN, D_ONE), 0);
    CHECK("flt.d qNaN raises NV", flags_take(), FFLAG_NV);
    CHECK("fle.d -0 0", DCMP(fle.d, 0x8000000000000000UL, 0), 1);
    CHECK("fmin.d NaN,1 = 1", DOP2(fmin.d, D_QNAN, D_ONE), D_ONE);
    CHECK("fmax.d NaN,NaN = canonical", DOP2(fmax.d, D_SNAN, D_SNAN), D_QNAN);
    CHECK("fmin.d -0,+0 = -0", DOP2(fmin.d, 0, 0x8000000000000000UL), 0x8000000000000000UL);
    flags_take();
    CHECK("fclass.d -inf", fclass_d(D_MINF), 1 << 0);
    CHECK("fclass.d +0", fclass_d(0), 1 << 4);
    CHECK("fclass.d sNaN", fclass_d(D_SNAN), 1 << 8);
    CHECK("fclass.d qNaN", fclass_d(D_QNAN), 1 << 9);
    test_section("fp", "comparisons and fclass");
}

static void test_single(void)
{
    static volatile uint32_t word = S_ONE;
    uint64_t r;

    /* flw NaN-boxes: the upper 32 bits of the register become all ones. */
    __asm__ volatile("flw ft0, 0(%1)\n\tfmv.x.d %0, ft0" : "=r"(r) : "r"(&word) : "ft0");
    CHECK("flw NaN-boxes", r, 0xffffffff00000000UL | S_ONE);
    /* A single operand that is not properly boxed reads as the canonical NaN. */
    __asm__ volatile("fmv.d.x ft0, %1\n\tfadd.s ft1, ft0, ft0\n\tfmv.x.w %0, ft1"
                     : "=r"(r)
                     : "r"((uint64_t)S_ONE)
                     : "ft0", "ft1");
    CHECK("unboxed single reads as NaN", r, (uint64_t)(int32_t)S_QNAN);
    __asm__ volatile("fmv.w.x ft0, %1\n\tfadd.s ft1, ft0, ft0\n\tfmv.x.w %0, ft1"
                     : "=r"(r)
                     : "r"((uint64_t)S_ONE)
                     : "ft0", "ft1");
    CHECK("fadd.s 1+1 (fmv.x.w sign-extends)", r, 0x40000000UL);
    __asm__ volatile("fmv.w.x ft0, %1\n\tfcvt.d.s ft1, ft0\n\tfmv.x.d %0, ft1"
                     : "=r"(r)
                     : "r"((uint64_t)S_ONE)
                     : "ft0", "ft1");
    CHECK("fcvt.d.s 1.0", r, D_ONE);
    flags_take();
    test_section("fp", "single precision and NaN-boxing");
}

int main(void)
{
    uint64_t misa = csr_read(misa);

    printf("fp: F and D extensions\n");
    if (!((misa >> ('F' - 'A')) & 1) || !((misa >> ('D' - 'A')) & 1)) {
        printf("SKIP fp: misa has no F/D (0x%lx)\n", misa);
        return 0;
    }
    csr_set(mstatus, MSTATUS_FS); /* FS = Dirty: the FP unit is on */
    csr_write(fcsr, 0);
    test_arith();
    test_convert();
    test_compare_class();
    test_single();
    return test_finish("fp");
}
