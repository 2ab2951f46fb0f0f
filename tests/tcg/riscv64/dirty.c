/*
 * dirty: stores of every kind to chosen pages of the scratch area, for the
 * memory API's dirty logging under the translator (inline stores of each
 * size, a page-crossing store, an AMO, repeated stores to one page).
 * tests/functional/test_riscv_baremetal.py turns logging on, lets the program run to each pause (it
 * waits for a UART byte) and compares `info dirty` with the pages written: those, and no others, of
 * the scratch area. The pages are written once before logging starts, so that the TLB holds
 * writable entries for them: turning logging on must take those away.
 */
#include "test.h"

#define PAGE(n) (SCRATCH_BASE + (n)*PAGE_SIZE)

static void write_pages(unsigned long first, unsigned long n)
{
    for (unsigned long i = 0; i < n; i++) {
        *(volatile uint64_t *)(PAGE(first + i) + 16) = i;
    }
}

static void read_pages(unsigned long first, unsigned long n)
{
    uint64_t sum = 0;

    for (unsigned long i = 0; i < n; i++) {
        sum += *(volatile uint64_t *)(PAGE(first + i) + 8);
    }
    (void)opaque(sum);
}

int main(void)
{
    uint64_t one = 1;

    write_pages(0, 40);
    printf("dirty: pages written before logging\n");
    uart_getc();       /* logging is on */
    read_pages(0, 40); /* reads make nothing dirty, and fill the TLB for the pages */
    *(volatile uint64_t *)PAGE(0) = 1;
    *(volatile uint8_t *)(PAGE(5) + 4095) = 2;
    *(volatile uint32_t *)(PAGE(18) - 2) = 0x01020304; /* pages 17 and 18 */
    __asm__ volatile("amoadd.d zero, %0, (%1)" ::"r"(one), "r"(PAGE(23)) : "memory");
    *(volatile uint32_t *)PAGE(30) = 5;
    for (int k = 0; k < 3; k++) {
        *(volatile uint64_t *)(PAGE(33) + 8 * k) = k; /* again and again: once dirty */
    }
    printf("dirty: first round written\n");

    uart_getc(); /* the harness has taken (and cleared) the bitmap */
    read_pages(0, 40);
    *(volatile uint64_t *)PAGE(0) = 3; /* dirty before: must be noticed again */
    *(volatile uint64_t *)PAGE(7) = 4;
    printf("dirty: second round written\n");

    uart_getc();
    return test_finish("dirty");
}
