/*
 * fencei: stores to data that shares a page with translated code, each
 * followed by fence.i (unprivileged spec 20191213 §3.2), must leave that code's
 * translation alone: the stores touch none of its bytes. The result is the same
 * either way; tests/functional/test_riscv_baremetal.py reads the translator's
 * invalidation count in `info jit` at the pause (the program waits for a UART
 * byte before it ends).
 */
#include "test.h"

#define INSN_LI_A0(imm) ((((uint32_t)(imm)&0xfff) << 20) | (10u << 7) | 0x13u)
#define INSN_RET 0x00008067u
#define ROUNDS 100

typedef uint64_t (*fn_t)(void);

int main(void)
{
    volatile uint32_t *code = (volatile uint32_t *)SCRATCH_BASE;
    volatile uint64_t *data = (volatile uint64_t *)(SCRATCH_BASE + PAGE_SIZE / 2);
    fn_t fn = (fn_t)(uintptr_t)SCRATCH_BASE;

    code[0] = INSN_LI_A0(1);
    code[1] = INSN_RET;
    __asm__ volatile("fence.i" ::: "memory");
    for (int i = 0; i < ROUNDS; i++) {
        *data = i; /* the same page as the code, none of its bytes */
        __asm__ volatile("fence.i" ::: "memory");
        CHECK("code next to written data still runs", fn(), 1);
    }
    printf("fencei: %d rounds done\n", ROUNDS);
    uart_getc();
    return test_finish("fencei");
}
