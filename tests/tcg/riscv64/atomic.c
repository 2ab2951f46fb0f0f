/*
 * atomic: the A extension on one hart. LR/SC pairs that succeed (sc writes
 * 0 and stores) and that fail (sc without a reservation, or after another
 * sc, writes nonzero and stores nothing); every AMO in .w and .d form
 * returning the old value, with .w results sign-extended and only 32 bits
 * of memory touched.
 */
#include "test.h"

#define AMO(op, addr, v)                                                                           \
    ({                                                                                             \
        uint64_t __old;                                                                            \
        __asm__ volatile(#op " %0, %2, (%1)"                                                       \
                         : "=&r"(__old)                                                            \
                         : "r"(addr), "r"((uint64_t)(v))                                           \
                         : "memory");                                                              \
        __old;                                                                                     \
    })

static volatile uint64_t cell[4] __attribute__((aligned(64)));

static void test_lr_sc(void)
{
    uint64_t old, fail;

    cell[0] = 41;
    __asm__ volatile("lr.d %0, (%2)\n\t"
                     "addi %0, %0, 1\n\t"
                     "sc.d %1, %0, (%2)"
                     : "=&r"(old), "=&r"(fail)
                     : "r"(&cell[0])
                     : "memory");
    CHECK("lr.d/sc.d succeeds (sc writes 0)", fail, 0);
    CHECK("sc.d stored", cell[0], 42);

    __asm__ volatile("lr.d %0, (%2)\n\t"
                     "sc.d %1, %0, (%2)\n\t"
                     "sc.d %1, %3, (%2)"
                     : "=&r"(old), "=&r"(fail)
                     : "r"(&cell[0]), "r"(99UL)
                     : "memory");
    CHECK("second sc.d fails", fail != 0, 1);
    CHECK("failed sc.d stores nothing", cell[0], 42);

    cell[1] = 0xffffffff80000000UL;
    __asm__ volatile("lr.w %0, (%2)\n\t"
                     "sc.w %1, %3, (%2)"
                     : "=&r"(old), "=&r"(fail)
                     : "r"(&cell[1]), "r"(0x12345678UL)
                     : "memory");
    CHECK("lr.w sign-extends", old, 0xffffffff80000000UL);
    CHECK("lr.w/sc.w succeeds", fail, 0);
    CHECK("sc.w stores 32 bits", cell[1], 0xffffffff12345678UL);

    /* A reservation is consumed by sc; a fresh sc then fails (no lr before it). */
    __asm__ volatile("sc.w %0, %2, (%1)" : "=&r"(fail) : "r"(&cell[1]), "r"(7UL) : "memory");
    CHECK("sc.w without reservation fails", fail != 0, 1);
    CHECK("failed sc.w stores nothing", cell[1], 0xffffffff12345678UL);

    /* A counter incremented with an lr/sc retry loop. */
    cell[2] = 0;
    for (int i = 0; i < 1000; i++) {
        __asm__ volatile("1: lr.d.aq %0, (%2)\n\t"
                         "addi %0, %0, 3\n\t"
                         "sc.d.rl %1, %0, (%2)\n\t"
                         "bnez %1, 1b"
                         : "=&r"(old), "=&r"(fail)
                         : "r"(&cell[2])
                         : "memory");
    }
    CHECK("lr/sc retry loop counter", cell[2], 3000);
    test_section("atomic", "lr/sc");
}

static void test_amo_d(void)
{
    volatile uint64_t *p = &cell[3];

    *p = 10;
    CHECK("amoadd.d old", AMO(amoadd.d, p, 5), 10);
    CHECK("amoadd.d new", *p, 15);
    CHECK("amoswap.d old", AMO(amoswap.d, p, 0xf0f0UL), 15);
    CHECK("amoswap.d new", *p, 0xf0f0);
    CHECK("amoand.d old", AMO(amoand.d, p, 0xff00UL), 0xf0f0);
    CHECK("amoand.d new", *p, 0xf000);
    CHECK("amoor.d old", AMO(amoor.d, p, 0x000fUL), 0xf000);
    CHECK("amoor.d new", *p, 0xf00f);
    CHECK("amoxor.d old", AMO(amoxor.d, p, 0xffffUL), 0xf00f);
    CHECK("amoxor.d new", *p, 0x0ff0);
    *p = (uint64_t)-5;
    CHECK("amomax.d old", AMO(amomax.d, p, 3), (uint64_t)-5);
    CHECK("amomax.d signed", *p, 3);
    CHECK("amomin.d old", AMO(amomin.d, p, (uint64_t)-7), 3);
    CHECK("amomin.d signed", *p, (uint64_t)-7);
    CHECK("amomaxu.d old", AMO(amomaxu.d, p, 3), (uint64_t)-7);
    CHECK("amomaxu.d unsigned keeps -7", *p, (uint64_t)-7);
    CHECK("amominu.d old", AMO(amominu.d, p, 3), (uint64_t)-7);
    CHECK("amominu.d unsigned", *p, 3);
    CHECK("amoadd.d.aqrl", AMO(amoadd.d.aqrl, p, 1), 3);
    CHECK("amoadd.d.aqrl new", *p, 4);
    test_section("atomic", "amo .d");
}

static void test_amo_w(void)
{
    volatile uint64_t *p = &cell[0];

    *p = 0xaaaaaaaa7fffffffUL;
    CHECK("amoadd.w old", AMO(amoadd.w, p, 1), 0x7fffffffUL);
    CHECK("amoadd.w touches only the low word", *p, 0xaaaaaaaa80000000UL);
    CHECK("amoswap.w old sign-extends", AMO(amoswap.w, p, 0x1234567800000001UL),
          0xffffffff80000000UL);
    CHECK("amoswap.w stores 32 bits", *p, 0xaaaaaaaa00000001UL);
    *p = 0x00000000fffffffeUL; /* -2 as a word */
    CHECK("amomax.w old", AMO(amomax.w, p, 1), (uint64_t)-2);
    CHECK("amomax.w signed", *p, 1);
    CHECK("amomin.w old", AMO(amomin.w, p, 0x80000000UL), 1);
    CHECK("amomin.w signed", *p, 0x80000000UL);
    CHECK("amomaxu.w old", AMO(amomaxu.w, p, 0x7fffffffUL), 0xffffffff80000000UL);
    CHECK("amomaxu.w unsigned", *p, 0x80000000UL);
    CHECK("amominu.w old", AMO(amominu.w, p, 0x7fffffffUL), 0xffffffff80000000UL);
    CHECK("amominu.w unsigned", *p, 0x7fffffffUL);
    CHECK("amoand.w old", AMO(amoand.w, p, 0xffff0000UL), 0x7fffffffUL);
    CHECK("amoor.w old", AMO(amoor.w, p, 0xfUL), 0x7fff0000UL);
    CHECK("amoxor.w old", AMO(amoxor.w, p, 0xffffffffUL), 0x7fff000fUL);
    CHECK("amoxor.w new", *p, 0x8000fff0UL);
    test_section("atomic", "amo .w");
}

int main(void)
{
    printf("atomic: A extension\n");
    test_lr_sc();
    test_amo_d();
    test_amo_w();
    return test_finish("atomic");
}
