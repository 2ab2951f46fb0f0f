/*
 * tlbsize: a working set that grows the softmmu TLB, then one that lets it
 * shrink (accel/tcg/cputlb.c, dynamic sizing). The program only makes the
 * accesses and the flushes; tests/functional/test_riscv_tlb.py reads the
 * table sizes from the monitor's `info jit` at the two pauses, where the
 * program waits for a byte on the UART.
 */
#include "test.h"

#define BIG_SET_PAGES 1024 /* 4 MiB: fills 1024 TLB entries */
#define SMALL_SET_PAGES 4
#define SHRINK_PHASE_TICKS (TIMEBASE_HZ / 2) /* 500 ms: longer than a sizing window */

static void touch_pages(unsigned long n)
{
    for (unsigned long i = 0; i < n; i++) {
        *(volatile uint64_t *)(SCRATCH_BASE + i * PAGE_SIZE) = i;
    }
}

static void flush_tlb(void)
{
    __asm__ volatile("sfence.vma" ::: "memory");
}

int main(void)
{
    uint64_t end;

    for (int round = 0; round < 8; round++) {
        touch_pages(BIG_SET_PAGES);
        flush_tlb();
    }
    printf("tlbsize: big working set done\n");
    uart_getc();

    end = mmio_read64(CLINT_MTIME) + SHRINK_PHASE_TICKS;
    while (mmio_read64(CLINT_MTIME) < end) {
        touch_pages(SMALL_SET_PAGES);
        flush_tlb();
    }
    printf("tlbsize: small working set done\n");
    uart_getc();
    return test_finish("tlbsize");
}
