/*
 * memory: loads and stores of every width, signed and unsigned, at
 * positive and negative offsets; partial overwrites; little-endian byte
 * order; a 4 KiB block. Every
 * access is naturally aligned: misaligned behaviour is left to the trap tests
 * of a later issue (the ISA lets an implementation either handle or trap it).
 */
#include "test.h"

#define LOAD(op, p, off)                                                                           \
    ({                                                                                             \
        uint64_t __r;                                                                              \
        __asm__ volatile(#op " %0, %2(%1)" : "=r"(__r) : "r"(p), "i"(off) : "memory");             \
        __r;                                                                                       \
    })
#define STORE(op, v, p, off)                                                                       \
    __asm__ volatile(#op " %0, %2(%1)" ::"r"((uint64_t)(v)), "r"(p), "i"(off) : "memory")

static uint64_t buf[8] __attribute__((aligned(64)));

static void test_loads(void)
{
    uint8_t *p = (uint8_t *)buf;

    buf[0] = 0x8182838485868788UL;
    buf[1] = 0x7f6f5f4f3f2f1f0fUL;
    CHECK("lb sign-extends", LOAD(lb, p, 0), 0xffffffffffffff88UL);
    CHECK("lbu zero-extends", LOAD(lbu, p, 0), 0x88);
    CHECK("lb positive", LOAD(lb, p, 15), 0x7f);
    CHECK("lh sign-extends", LOAD(lh, p, 2), 0xffffffffffff8586UL);
    CHECK("lhu zero-extends", LOAD(lhu, p, 2), 0x8586);
    CHECK("lw sign-extends", LOAD(lw, p, 4), 0xffffffff81828384UL);
    CHECK("lwu zero-extends", LOAD(lwu, p, 4), 0x81828384UL);
    CHECK("lw positive", LOAD(lw, p, 12), 0x7f6f5f4fUL);
    CHECK("ld", LOAD(ld, p, 8), 0x7f6f5f4f3f2f1f0fUL);
    CHECK("lb negative offset", LOAD(lbu, p + 8, -1), 0x81);
    CHECK("ld negative offset", LOAD(ld, p + 16, -16), 0x8182838485868788UL);
    test_section("memory", "loads");
}

static void test_stores(void)
{
    uint8_t *p = (uint8_t *)buf;

    buf[2] = 0;
    STORE(sb, 0x1ff, p, 16); /* only the low byte lands */
    CHECK("sb low byte only", buf[2], 0xff);
    STORE(sh, 0xabcd1234, p, 18);
    CHECK("sh two bytes", buf[2], 0x123400ffUL);
    STORE(sw, 0xdeadbeefcafef00dUL, p, 20);
    CHECK("sw four bytes", buf[2], 0xcafef00d123400ffUL);
    STORE(sd, 0x0123456789abcdefUL, p, 24);
    CHECK("sd", buf[3], 0x0123456789abcdefUL);
    STORE(sb, 0x5a, p + 32, -1);
    CHECK("sb negative offset", buf[3], 0x5a23456789abcdefUL);
    STORE(sh, 0, p, 30);
    CHECK("sh over the top bytes", buf[3], 0x0000456789abcdefUL);
    test_section("memory", "stores");
}

static void test_byte_order(void)
{
    volatile uint32_t *w = (volatile uint32_t *)&buf[4];
    volatile uint8_t *b = (volatile uint8_t *)&buf[4];

    *w = 0x11223344;
    CHECK("little-endian byte 0", b[0], 0x44);
    CHECK("little-endian byte 3", b[3], 0x11);
    b[1] = 0xee;
    CHECK("byte write into word", *w, 0x1122ee44);
    buf[5] = 0;
    for (int i = 0; i < 8; i++) {
        ((volatile uint8_t *)&buf[5])[i] = (uint8_t)(0x10 * i + i);
    }
    CHECK("bytes assemble a doubleword", buf[5], 0x7766554433221100UL);
    test_section("memory", "byte order");
}

static void test_block(void)
{
    static uint32_t big[1024];
    uint64_t sum = 0;

    for (uint32_t i = 0; i < 1024; i++) {
        big[i] = i * 2654435761u;
    }
    for (uint32_t i = 0; i < 1024; i++) {
        sum += big[(i * 7) & 1023];
    }
    CHECK("scattered word sum over 4 KiB", sum, 2196315086336UL);
    test_section("memory", "block");
}

int main(void)
{
    printf("memory: loads and stores\n");
    test_loads();
    test_stores();
    test_byte_order();
    test_block();
    return test_finish("memory");
}
