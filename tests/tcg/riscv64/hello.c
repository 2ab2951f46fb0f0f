/* hello: the smallest program — boot hand-over registers, UART output, pass. */
#include "test.h"

int main(unsigned long hartid, unsigned long dtb)
{
    printf("Hello from riscv64 hart %lu\n", hartid);
    CHECK("hello: a0 is hart 0", hartid, 0);
    /* The device tree: FDT magic 0xd00dfeed (big-endian) at a1, in RAM. */
    check_true("hello: a1 points into RAM", dtb >= 0x80000000UL);
    CHECK("hello: device tree magic at a1", *(volatile uint32_t *)dtb, 0xedfe0dd0);
    return test_finish("hello");
}
