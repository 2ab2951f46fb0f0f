/*
 * memory: memory-bound. A stream pass (triad a = b + k*c, then a reduction)
 * over three 2 MiB arrays, and a pointer chase through a random cyclic
 * permutation of 8 MiB of 32-bit indices (one access per 4 KiB page on
 * average before it repeats a page: every softmmu TLB is too small for it).
 * Prints a checksum of both.
 */
#include "test.h"

#define STREAM_WORDS (256 * 1024) /* 2 MiB per array */
#define STREAM_PASSES 8
#define CHASE_SLOTS (2 * 1024 * 1024) /* 8 MiB of uint32_t */
#define CHASE_STEPS (8 * 1000 * 1000)

static uint64_t arr_a[STREAM_WORDS], arr_b[STREAM_WORDS], arr_c[STREAM_WORDS];
static uint32_t chase[CHASE_SLOTS];

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

static uint64_t stream(void)
{
    uint64_t sum = 0;

    for (uint64_t i = 0; i < STREAM_WORDS; i++) {
        arr_b[i] = i * 3;
        arr_c[i] = i ^ 0x5555;
    }
    for (int pass = 0; pass < STREAM_PASSES; pass++) {
        uint64_t k = (uint64_t)pass + 3;
        for (uint64_t i = 0; i < STREAM_WORDS; i++) {
            arr_a[i] = arr_b[i] + k * arr_c[i];
        }
        for (uint64_t i = 0; i < STREAM_WORDS; i++) {
            arr_b[i] = arr_a[i] >> 1;
            sum += arr_a[i];
        }
    }
    return sum;
}

static uint64_t pointer_chase(void)
{
    uint64_t seed = 0x9e3779b97f4a7c15ULL, sum = 0;
    uint32_t p = 0;

    /* Sattolo's algorithm: a random permutation that is one single cycle. */
    for (uint32_t i = 0; i < CHASE_SLOTS; i++) {
        chase[i] = i;
    }
    for (uint32_t i = CHASE_SLOTS - 1; i > 0; i--) {
        uint32_t j = (uint32_t)(xorshift(&seed) % i);
        uint32_t t = chase[i];
        chase[i] = chase[j];
        chase[j] = t;
    }
    for (uint32_t n = 0; n < CHASE_STEPS; n++) {
        p = chase[p];
        sum += p;
    }
    return sum;
}

int main(void)
{
    uint64_t s = stream();
    uint64_t c = pointer_chase();

    printf("memory: stream %lx chase %lx, checksum %lx\n", s, c, s ^ (c * 31));
    return 0;
}
