/*
 * branch: control flow. Every conditional branch on signed/unsigned edge
 * values (taken and not taken), loops, jal/jalr link values and jalr's
 * cleared bit 0, auipc, function-pointer tables, recursion, and RVC forms
 * (c.j, c.jal-free c.jr/c.jalr, c.beqz/c.bnez, c.li, c.addi, c.mv, c.add,
 * shifts) mixed with 32-bit instructions so 2-byte-aligned targets occur.
 */
#include "test.h"

/* 1 if the branch is taken; the trailing declaration makes each use end in ";". */
#define BR(op)                                                                                     \
    static int op(uint64_t a, uint64_t b)                                                          \
    {                                                                                              \
        int r;                                                                                     \
        __asm__ volatile("li %0, 1\n\t" #op " %1, %2, 1f\n\t"                                      \
                         "li %0, 0\n"                                                              \
                         "1:"                                                                      \
                         : "=&r"(r)                                                                \
                         : "r"(a), "r"(b));                                                        \
        return r;                                                                                  \
    }                                                                                              \
    _Static_assert(1, #op)
BR(beq);
BR(bne);
BR(blt);
BR(bge);
BR(bltu);
BR(bgeu);

#define ONES 0xffffffffffffffffUL
#define MIN64 0x8000000000000000UL

static void test_conditional(void)
{
    CHECK("beq equal", beq(5, 5), 1);
    CHECK("beq differ in bit 63", beq(5, 5 | MIN64), 0);
    CHECK("bne", bne(0, ONES), 1);
    CHECK("bne equal", bne(ONES, ONES), 0);
    CHECK("blt -1 < 0", blt(ONES, 0), 1);
    CHECK("blt 0 < -1", blt(0, ONES), 0);
    CHECK("blt min < max", blt(MIN64, MIN64 - 1), 1);
    CHECK("bge equal", bge(7, 7), 1);
    CHECK("bge -1 >= 0", bge(ONES, 0), 0);
    CHECK("bltu 0 < -1", bltu(0, ONES), 1);
    CHECK("bltu -1 < 0", bltu(ONES, 0), 0);
    CHECK("bgeu -1 >= 0", bgeu(ONES, 0), 1);
    CHECK("bgeu equal", bgeu(MIN64, MIN64), 1);
    CHECK("bgeu 1 >= 2", bgeu(1, 2), 0);
    test_section("branch", "conditional branches");
}

static uint64_t sum_to(uint64_t n)
{
    uint64_t s = 0;

    for (uint64_t i = opaque(1); i <= n; i++) {
        s += i;
    }
    return s;
}

static uint64_t collatz_steps(uint64_t n)
{
    uint64_t steps = 0;

    while (n != 1) {
        n = (n & 1) ? 3 * n + 1 : n / 2;
        steps++;
    }
    return steps;
}

static uint64_t fib(uint64_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static void test_loops(void)
{
    uint64_t nested = 0;

    CHECK("loop sum 1..100", sum_to(opaque(100)), 5050);
    CHECK("loop sum 1..100000", sum_to(opaque(100000)), 5000050000UL);
    CHECK("collatz 27", collatz_steps(opaque(27)), 111);
    CHECK("recursive fib(20)", fib(opaque(20)), 6765);
    for (int i = 0; i < opaque(30); i++) {
        for (int j = i; j < 30; j++) {
            if ((i ^ j) & 1) {
                continue;
            }
            nested += (uint64_t)(i * j);
        }
    }
    CHECK("nested loops with continue", nested, 51640);
    test_section("branch", "loops and recursion");
}

static uint64_t op_inc(uint64_t x)
{
    return x + 1;
}
static uint64_t op_dbl(uint64_t x)
{
    return x * 2;
}
static uint64_t op_neg(uint64_t x)
{
    return -x;
}
static uint64_t op_sq(uint64_t x)
{
    return x * x;
}

static void test_indirect(void)
{
    static uint64_t (*const table[4])(uint64_t) = {op_inc, op_dbl, op_neg, op_sq};
    uint64_t x = 3, link, target, ret;

    for (int i = 0; i < opaque(4); i++) {
        x = table[i](x);
    }
    CHECK("function pointer table", x, 64); /* ((3+1)*2) = 8, -8, 64 */

    /* jal: the link register holds the address after the jal. */
    __asm__ volatile("jal %0, 1f\n"
                     "2: j 3f\n"
                     "1: la %1, 2b\n"
                     "jr %0\n"
                     "3:"
                     : "=&r"(link), "=&r"(target));
    CHECK("jal link = pc + 4", link, target);

    /* jalr clears bit 0 of the target and may use the same register as base and link. */
    __asm__ volatile("la %0, 1f\n\t"
                     "addi %0, %0, 1\n\t"
                     "li %1, 0\n\t"
                     "jalr %0, 0(%0)\n\t"
                     "li %1, 99\n"
                     "1: addi %1, %1, 7"
                     : "=&r"(link), "=&r"(ret));
    CHECK("jalr clears bit 0", ret, 7);

    /* jalr with a negative offset. */
    __asm__ volatile("la %0, 1f\n\t"
                     "addi %0, %0, 16\n\t"
                     "li %1, 0\n\t"
                     "jalr zero, -16(%0)\n\t"
                     "li %1, 99\n"
                     "1: addi %1, %1, 5"
                     : "=&r"(target), "=&r"(ret));
    CHECK("jalr negative offset", ret, 5);

    /* auipc: pc-relative, against the label's absolute address. */
    __asm__ volatile("1: auipc %0, 0\n\t"
                     "la %1, 1b"
                     : "=&r"(link), "=&r"(target));
    CHECK("auipc 0 = pc", link, target);
    __asm__ volatile("1: auipc %0, 1\n\t"
                     "la %1, 1b"
                     : "=&r"(link), "=&r"(target));
    CHECK("auipc 1 = pc + 4096", link, target + 4096);
    test_section("branch", "jumps and indirect calls");
}

static void test_compressed(void)
{
    uint64_t r, t;

    __asm__ volatile(".option push\n\t.option rvc\n\t"
                     "c.li %0, -5\n\t"
                     "c.addi %0, 12\n\t" /* 7 */
                     "c.slli %0, 4\n\t"  /* 112 */
                     "c.mv %1, %0\n\t"
                     "c.add %0, %1\n\t"    /* 224 */
                     "c.srli %0, 1\n\t"    /* 112 */
                     "c.andi %0, 0x1c\n\t" /* 16 */
                     ".option pop"
                     : "=&r"(r), "=&r"(t)
                     :
                     :);
    CHECK("c.li/c.addi/c.slli/c.mv/c.add/c.srli/c.andi", r, 16);

    __asm__ volatile(".option push\n\t.option rvc\n\t"
                     "li %0, -64\n\t"
                     "c.srai %0, 3\n\t"  /* -8 */
                     "c.addiw %0, 1\n\t" /* -7 */
                     ".option pop"
                     : "=&r"(r));
    CHECK("c.srai/c.addiw", r, (uint64_t)-7);

    /* c.beqz / c.bnez / c.j: count down with compressed branches only. */
    __asm__ volatile(".option push\n\t.option rvc\n\t"
                     "li %0, 10\n\t"
                     "li %1, 0\n"
                     "1: c.beqz %0, 2f\n\t"
                     "c.addi %1, 3\n\t"
                     "c.addi %0, -1\n\t"
                     "c.j 1b\n"
                     "2: c.bnez %1, 3f\n\t"
                     "li %1, 0\n"
                     "3:\n\t"
                     ".option pop"
                     : "=&r"(t), "=&r"(r));
    CHECK("c.beqz/c.bnez/c.j loop", r, 30);

    /* c.jalr / c.jr through a 2-byte-aligned target. */
    __asm__ volatile(".option push\n\t.option rvc\n\t"
                     "la t0, 1f\n\t"
                     "li %0, 0\n\t"
                     "c.jalr t0\n\t"
                     "c.addi %0, 1\n\t"
                     "j 2f\n\t"
                     "c.nop\n"
                     "1: c.addi %0, 2\n\t"
                     "c.jr ra\n"
                     "2:\n\t"
                     ".option pop"
                     : "=&r"(r)
                     :
                     : "t0", "ra");
    CHECK("c.jalr/c.jr", r, 3);
    test_section("branch", "compressed instructions");
}

int main(void)
{
    printf("branch: control flow\n");
    test_conditional();
    test_loops();
    test_indirect();
    test_compressed();
    return test_finish("branch");
}
