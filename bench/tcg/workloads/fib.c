/*
 * fib: call-heavy. Naive doubly recursive Fibonacci: every call and return
 * is a jal/jalr (returns are indirect jumps), with a small stack frame.
 * Prints fib(N) as the checksum.
 */
#include "test.h"

#define N 38

static __attribute__((noinline)) uint64_t fib(unsigned n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(void)
{
    uint64_t r = fib(opaque(N));

    printf("fib: fib(%d), checksum %lx\n", N, r);
    return 0;
}
