/*
 * arith: RV64IM integer edge cases, each instruction issued through inline
 * assembly so the compiler cannot fold it: division and remainder by zero and
 * the signed overflow case (ISA manual, "M" chapter, table of division
 * special cases), high multiplies in all three signednesses, shift amounts
 * masked to 6 (or 5 for *W) bits, and the sign extension of every *W result.
 */
#include "test.h"

/* One function per R-type instruction; the trailing declaration makes each use end in ";". */
#define RR(op)                                                                                     \
    static uint64_t op(uint64_t a, uint64_t b)                                                     \
    {                                                                                              \
        uint64_t r;                                                                                \
        __asm__ volatile(#op " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));                            \
        return r;                                                                                  \
    }                                                                                              \
    _Static_assert(1, #op)
#define RI(op, a, imm)                                                                             \
    ({                                                                                             \
        uint64_t __r;                                                                              \
        __asm__ volatile(#op " %0, %1, %2" : "=r"(__r) : "r"((uint64_t)(a)), "i"(imm));            \
        __r;                                                                                       \
    })
RR(add);
RR(sub);
RR(addw);
RR(subw);
RR(sll);
RR(srl);
RR(sra);
RR(sllw);
RR(srlw);
RR(sraw);
RR(slt);
RR(sltu);
RR(and);
RR(or);
RR(xor);
RR(mul);
RR(mulh);
RR(mulhu);
RR(mulhsu);
RR(mulw);
RR(div);
RR(divu);
RR(rem);
RR(remu);
RR(divw);
RR(divuw);
RR(remw);
RR(remuw);

#define MIN64 0x8000000000000000UL
#define MAX64 0x7fffffffffffffffUL
#define ONES 0xffffffffffffffffUL
#define NEG(x) ((uint64_t) - (int64_t)(x))

static void test_add_sub(void)
{
    CHECK("add wraps", add(MAX64, 1), MIN64);
    CHECK("sub wraps", sub(0, 1), ONES);
    CHECK("addw sign-extends", addw(0x7fffffff, 1), 0xffffffff80000000UL);
    CHECK("addw ignores upper bits", addw(0x1234567800000001UL, 0xabcdef0000000002UL), 3);
    CHECK("subw sign-extends", subw(0, 0x80000000UL), 0xffffffff80000000UL);
    CHECK("subw positive", subw(0xffffffff00000005UL, 3), 2);
    CHECK("addi negative", RI(addi, 5, -6), ONES);
    CHECK("addiw overflow", RI(addiw, 0x7fffffff, 1), 0xffffffff80000000UL);
    CHECK("addiw 0 sign-extends (sext.w)", RI(addiw, 0x00000000fedcba98UL, 0),
          0xfffffffffedcba98UL);
    CHECK("xori -1 is not", RI(xori, 0x0f0f0f0f0f0f0f0fUL, -1), 0xf0f0f0f0f0f0f0f0UL);
    CHECK("andi sign-extended imm", RI(andi, ONES, -16), 0xfffffffffffffff0UL);
    CHECK("ori", RI(ori, 0x100, 0x7ff), 0x7ffUL | 0x100);
    CHECK("and", and(0xff00ff00ff00ff00UL, 0x0ff00ff00ff00ff0UL), 0x0f000f000f000f00UL);
    CHECK("or", or (0xff00000000000000UL, 0xffUL), 0xff000000000000ffUL);
    CHECK("xor", xor(ONES, 0x5555555555555555UL), 0xaaaaaaaaaaaaaaaaUL);
    test_section("arith", "add/sub/logic");
}

static void test_compare(void)
{
    CHECK("slt -1 < 0", slt(ONES, 0), 1);
    CHECK("sltu -1 < 0", sltu(ONES, 0), 0);
    CHECK("slt min < max", slt(MIN64, MAX64), 1);
    CHECK("sltu min < max", sltu(MIN64, MAX64), 0);
    CHECK("slt equal", slt(5, 5), 0);
    CHECK("slti", RI(slti, NEG(3), -2), 1);
    CHECK("sltiu -1 imm is max", RI(sltiu, 0xfffffffffffffffeUL, -1), 1);
    CHECK("sltiu seqz", RI(sltiu, 0, 1), 1);
    CHECK("sltiu seqz nonzero", RI(sltiu, 7, 1), 0);
    test_section("arith", "compare");
}

static void test_lui(void)
{
    uint64_t r;

    __asm__ volatile("lui %0, 0x80000" : "=r"(r));
    CHECK("lui sign-extends", r, 0xffffffff80000000UL);
    __asm__ volatile("lui %0, 0x7ffff" : "=r"(r));
    CHECK("lui positive", r, 0x7ffff000UL);
    __asm__ volatile("li %0, 0x123456789abcdef0" : "=r"(r));
    CHECK("li 64-bit constant", r, 0x123456789abcdef0UL);
    test_section("arith", "lui");
}

static void test_shifts(void)
{
    CHECK("sll 63", sll(1, 63), MIN64);
    CHECK("sll by 64 masks to 0", sll(1, 64), 1);
    CHECK("sll by 65 masks to 1", sll(1, 65), 2);
    CHECK("srl 63", srl(MIN64, 63), 1);
    CHECK("sra 63", sra(MIN64, 63), ONES);
    CHECK("sra by 64 masks to 0", sra(MIN64, 64), MIN64);
    CHECK("sra positive", sra(MAX64, 62), 1);
    CHECK("sllw 31 sign-extends", sllw(1, 31), 0xffffffff80000000UL);
    CHECK("sllw by 32 masks to 0", sllw(1, 32), 1);
    CHECK("sllw drops upper input", sllw(0xffffffff00000003UL, 1), 6);
    CHECK("srlw uses low 32", srlw(0xffffffff80000000UL, 31), 1);
    CHECK("srlw by 0 sign-extends", srlw(0x80000000UL, 0), 0xffffffff80000000UL);
    CHECK("srlw by 32 masks to 0", srlw(0x80000000UL, 32), 0xffffffff80000000UL);
    CHECK("sraw", sraw(0x80000000UL, 4), 0xfffffffff8000000UL);
    CHECK("sraw ignores upper input", sraw(0x7fffffff00000010UL, 4), 1);
    CHECK("slli 63", RI(slli, 3, 63), MIN64);
    CHECK("srli 60", RI(srli, ONES, 60), 0xf);
    CHECK("srai 60", RI(srai, MIN64, 60), 0xfffffffffffffff8UL);
    CHECK("slliw 31", RI(slliw, 3, 31), 0xffffffff80000000UL);
    CHECK("srliw 31", RI(srliw, ONES, 31), 1);
    CHECK("srliw 0 sign-extends", RI(srliw, 0x0000000080000000UL, 0), 0xffffffff80000000UL);
    CHECK("sraiw 31", RI(sraiw, 0x80000000UL, 31), ONES);
    test_section("arith", "shifts");
}

static void test_mul(void)
{
    CHECK("mul -1*-1", mul(ONES, ONES), 1);
    CHECK("mul low bits", mul(0x123456789abcdef0UL, 0x10), 0x23456789abcdef00UL);
    CHECK("mul min*-1", mul(MIN64, ONES), MIN64);
    CHECK("mulh -1*-1", mulh(ONES, ONES), 0);
    CHECK("mulh min*min", mulh(MIN64, MIN64), 0x4000000000000000UL);
    CHECK("mulh min*-1", mulh(MIN64, ONES), 0);
    CHECK("mulh -2*3", mulh(NEG(2), 3), ONES);
    CHECK("mulh max*max", mulh(MAX64, MAX64), 0x3fffffffffffffffUL);
    CHECK("mulhu -1*-1", mulhu(ONES, ONES), 0xfffffffffffffffeUL);
    CHECK("mulhu 2^63*2", mulhu(MIN64, 2), 1);
    CHECK("mulhu small", mulhu(3, 5), 0);
    CHECK("mulhsu -1*(2^64-1)", mulhsu(ONES, ONES), ONES);
    CHECK("mulhsu -2*1", mulhsu(NEG(2), 1), ONES);
    CHECK("mulhsu 2*(2^64-1)", mulhsu(2, ONES), 1);
    CHECK("mulhsu min*(2^64-1)", mulhsu(MIN64, ONES), MIN64);
    CHECK("mulhsu 0*x", mulhsu(0, ONES), 0);
    CHECK("mulw overflow sign-extends", mulw(0x7fffffff, 2), 0xfffffffffffffffeUL);
    CHECK("mulw ignores upper input", mulw(0x100000001UL, 0x100000001UL), 1);
    CHECK("mulw negative", mulw(NEG(3), 5), NEG(15));
    test_section("arith", "multiply");
}

static void test_div(void)
{
    CHECK("div 7/2", div(7, 2), 3);
    CHECK("div -7/2 truncates", div(NEG(7), 2), NEG(3));
    CHECK("div 7/-2", div(7, NEG(2)), NEG(3));
    CHECK("div by zero", div(42, 0), ONES);
    CHECK("div overflow", div(MIN64, ONES), MIN64);
    CHECK("divu by zero", divu(42, 0), ONES);
    CHECK("divu big", divu(ONES, 2), MAX64);
    CHECK("rem -7%2", rem(NEG(7), 2), ONES);
    CHECK("rem 7%-2", rem(7, NEG(2)), 1);
    CHECK("rem by zero", rem(NEG(42), 0), NEG(42));
    CHECK("rem overflow", rem(MIN64, ONES), 0);
    CHECK("remu by zero", remu(ONES, 0), ONES);
    CHECK("remu", remu(ONES, 10), 5);
    CHECK("divw overflow", divw(0x80000000UL, ONES), 0xffffffff80000000UL);
    CHECK("divw by zero", divw(7, 0), ONES);
    CHECK("divw ignores upper input", divw(0x1234567800000007UL, 0xffffffff00000002UL), 3);
    CHECK("divw negative", divw(0xfffffff9UL, 2), NEG(3));
    CHECK("divuw by zero", divuw(0x80000000UL, 0), ONES);
    CHECK("divuw", divuw(0xffffffffUL, 2), 0x7fffffffUL);
    CHECK("divuw result sign-extends", divuw(0xfffffffeUL, 1), 0xfffffffffffffffeUL);
    CHECK("remw overflow", remw(0x80000000UL, ONES), 0);
    CHECK("remw by zero", remw(0xfffffff9UL, 0), NEG(7));
    CHECK("remw negative", remw(0xfffffff9UL, 2), ONES);
    CHECK("remuw by zero", remuw(0xfffffff9UL, 0), 0xfffffffffffffff9UL);
    CHECK("remuw", remuw(0x80000005UL, 0x10), 5);
    test_section("arith", "divide");
}

int main(void)
{
    printf("arith: RV64IM edge cases\n");
    test_add_sub();
    test_compare();
    test_lui();
    test_shifts();
    test_mul();
    test_div();
    return test_finish("arith");
}
