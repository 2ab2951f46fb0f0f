/*
 * smc: self-modifying code (Zifencei). Instructions written as data, made
 * visible with fence.i, then executed; rewritten and executed again, so a
 * translator must drop what it translated from the old bytes. Both a
 * buffer in .data and a function in .text that already ran are patched.
 */
#include "test.h"

/* addi a0, zero, imm (I-type, opcode OP-IMM) and ret (jalr zero, 0(ra)). */
#define INSN_LI_A0(imm) ((((uint32_t)(imm)&0xfff) << 20) | (10u << 7) | 0x13u)
#define INSN_RET 0x00008067u

typedef uint64_t (*fn_t)(void);

static uint32_t code_buf[16] __attribute__((aligned(64)));

/* A function in .text, 4-byte instructions only, that returns 1 until patched. */
uint64_t smc_target(void);
__asm__(".text\n"
        ".balign 4\n"
        ".globl smc_target\n"
        "smc_target:\n"
        ".option push\n.option norvc\n"
        "addi a0, zero, 1\n"
        "ret\n"
        ".option pop\n");

static void fence_i(void)
{
    __asm__ volatile("fence.i" ::: "memory");
}

static void test_data_buffer(void)
{
    fn_t fn = (fn_t)(uintptr_t)code_buf;

    code_buf[0] = INSN_LI_A0(42);
    code_buf[1] = INSN_RET;
    fence_i();
    CHECK("generated code runs", fn(), 42);
    for (int v = 100; v < 110; v++) {
        code_buf[0] = INSN_LI_A0(v);
        fence_i();
        CHECK("rewritten code runs the new instruction", fn(), (uint64_t)v);
    }
    /* Negative immediates sign-extend. */
    code_buf[0] = INSN_LI_A0(-3);
    fence_i();
    CHECK("rewritten with a negative immediate", fn(), (uint64_t)-3);
    /* Move the return one instruction later: the block must grow, not be reused. */
    code_buf[0] = INSN_LI_A0(5);
    code_buf[1] = 0x00150513u; /* addi a0, a0, 1 */
    code_buf[2] = INSN_RET;
    fence_i();
    CHECK("rewritten block with a longer body", fn(), 6);
    test_section("smc", "code written to a data buffer");
}

/*
 * A page of its own, written (so its TLB entry is filled, writable, while the
 * page holds no code) before any of it is translated: once it gains code, the
 * translator must make stores through that same entry leave the inline path.
 */
static uint32_t fresh_page[1024] __attribute__((aligned(4096)));

static void test_fresh_page(void)
{
    fn_t fn = (fn_t)(uintptr_t)fresh_page;

    fresh_page[0] = INSN_LI_A0(7);
    fresh_page[1] = INSN_RET;
    fence_i();
    CHECK("code on a page that had none", fn(), 7);
    fresh_page[0] = INSN_LI_A0(8);
    fence_i();
    CHECK("rewritten through the entry filled before it held code", fn(), 8);
    test_section("smc", "code on a fresh page");
}

static void test_text_patch(void)
{
    volatile uint32_t *insn = (volatile uint32_t *)(uintptr_t)smc_target;

    CHECK("smc_target before the patch", smc_target(), 1);
    CHECK("smc_target still 1 on a second call", smc_target(), 1);
    *insn = INSN_LI_A0(2);
    fence_i();
    CHECK("patched function in .text", smc_target(), 2);
    *insn = INSN_LI_A0(1);
    fence_i();
    CHECK("patched back", smc_target(), 1);
    test_section("smc", "patched function in .text");
}

int main(void)
{
    printf("smc: self-modifying code with fence.i\n");
    test_data_buffer();
    test_fresh_page();
    test_text_patch();
    return test_finish("smc");
}
