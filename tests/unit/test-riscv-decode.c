/*
 * The RISC-V decoder: 32-bit words decode to the right instruction and
 * operands (immediates sign-extended per format), and compressed
 * instructions expand to the 32-bit instruction they stand for, with the
 * reserved encodings rejected (unprivileged spec 20191213 ch. 16).
 */
#include "target/riscv/decode.h"

static void test_decode32_formats(void)
{
    DisasArgs a;

    /* addi a0, a1, -1 */
    g_assert_cmpint(riscv_decode32(0xfff58513, &a), ==, INSN_addi);
    g_assert_cmpint(a.rd, ==, 10);
    g_assert_cmpint(a.rs1, ==, 11);
    g_assert_cmpint(a.imm, ==, -1);
    /* sd ra, -8(sp) */
    g_assert_cmpint(riscv_decode32(0xfe113c23, &a), ==, INSN_sd);
    g_assert_cmpint(a.rs1, ==, 2);
    g_assert_cmpint(a.rs2, ==, 1);
    g_assert_cmpint(a.imm, ==, -8);
    /* beq zero, zero, -4096 */
    g_assert_cmpint(riscv_decode32(0x80000063, &a), ==, INSN_beq);
    g_assert_cmpint(a.imm, ==, -4096);
    /* jal ra, -2 (0xfffff0ef: imm = -2) */
    g_assert_cmpint(riscv_decode32(0xfffff0ef, &a), ==, INSN_jal);
    g_assert_cmpint(a.imm, ==, -2);
    /* lui a0, 0x80000: sign-extended */
    g_assert_cmpint(riscv_decode32(0x80000537, &a), ==, INSN_lui);
    g_assert_cmpint(a.imm, ==, (int64_t)0xffffffff80000000LL);
    /* srai a0, a0, 63 */
    g_assert_cmpint(riscv_decode32(0x43f55513, &a), ==, INSN_srai);
    g_assert_cmpint(a.imm, ==, 63);
    /* csrr t0, mstatus */
    g_assert_cmpint(riscv_decode32(0x300022f3, &a), ==, INSN_csrrs);
    g_assert_cmpint(a.csr, ==, 0x300);
    /* amoswap.d.aqrl a0, a1, (a2) */
    g_assert_cmpint(riscv_decode32(0x0eb6352f, &a), ==, INSN_amoswap_d);
    g_assert_true(a.aq && a.rl);
    /* fmadd.d fa0, fa1, fa2, fa3, dyn */
    g_assert_cmpint(riscv_decode32(0x6ac5f543, &a), ==, INSN_fmadd_d);
    g_assert_cmpint(a.rs3, ==, 13);
    g_assert_cmpint(a.rm, ==, 7);
    g_assert_cmpint(riscv_decode32(0x30200073, &a), ==, INSN_mret);
    g_assert_cmpint(riscv_decode32(0x12000073, &a), ==, INSN_sfence_vma);
}

static void test_decode32_unknown(void)
{
    DisasArgs a;

    g_assert_cmpint(riscv_decode32(0x00000000, &a), ==, INSN_UNKNOWN);
    g_assert_cmpint(riscv_decode32(0xffffffff, &a), ==, INSN_UNKNOWN);
    /* slli with funct6 bits that are not 0: reserved */
    g_assert_cmpint(riscv_decode32(0x80051513, &a), ==, INSN_UNKNOWN);
    /* ecall with a non-zero rd */
    g_assert_cmpint(riscv_decode32(0x000000f3, &a), ==, INSN_UNKNOWN);
}

static void test_rvc_expand(void)
{
    /* c.addi4spn a0, sp, 16 -> addi a0, sp, 16 */
    g_assert_cmphex(riscv_rvc_expand(0x0808), ==, 0x01010513);
    /* c.ld a0, 8(a1) -> ld a0, 8(a1) */
    g_assert_cmphex(riscv_rvc_expand(0x6588), ==, 0x0085b503);
    /* c.li a0, -1 -> addi a0, zero, -1 */
    g_assert_cmphex(riscv_rvc_expand(0x557d), ==, 0xfff00513);
    /* c.lui a0, 0xfffff -> lui a0, 0xfffff */
    g_assert_cmphex(riscv_rvc_expand(0x757d), ==, 0xfffff537);
    /* c.addi16sp sp, -64 -> addi sp, sp, -64 */
    g_assert_cmphex(riscv_rvc_expand(0x7139), ==, 0xfc010113);
    /* c.j -2 -> jal zero, -2 */
    g_assert_cmphex(riscv_rvc_expand(0xbffd), ==, 0xfffff06f);
    /* c.beqz a0, -2 -> beq a0, zero, -2 */
    g_assert_cmphex(riscv_rvc_expand(0xdd7d), ==, 0xfe050fe3);
    /* c.srai a0, 63 -> srai a0, a0, 63 */
    g_assert_cmphex(riscv_rvc_expand(0x957d), ==, 0x43f55513);
    /* c.subw a0, a1 -> subw a0, a0, a1 */
    g_assert_cmphex(riscv_rvc_expand(0x9d0d), ==, 0x40b5053b);
    /* c.sdsp ra, 8(sp) -> sd ra, 8(sp) */
    g_assert_cmphex(riscv_rvc_expand(0xe406), ==, 0x00113423);
    /* c.jr ra -> jalr zero, 0(ra) */
    g_assert_cmphex(riscv_rvc_expand(0x8082), ==, 0x00008067);
    /* c.mv a0, a1 -> add a0, zero, a1 */
    g_assert_cmphex(riscv_rvc_expand(0x852e), ==, 0x00b00533);
    /* c.ebreak */
    g_assert_cmphex(riscv_rvc_expand(0x9002), ==, 0x00100073);
    /* c.fldsp fa0, 8(sp) -> fld fa0, 8(sp) */
    g_assert_cmphex(riscv_rvc_expand(0x2522), ==, 0x00813507);
}

static void test_rvc_reserved(void)
{
    g_assert_cmphex(riscv_rvc_expand(0x0000), ==, 0); /* the all-zero illegal instruction */
    g_assert_cmphex(riscv_rvc_expand(0x6101), ==, 0); /* c.addi16sp with imm 0 */
    g_assert_cmphex(riscv_rvc_expand(0x6501), ==, 0); /* c.lui with imm 0 */
    g_assert_cmphex(riscv_rvc_expand(0x8002), ==, 0); /* c.jr zero */
    g_assert_cmphex(riscv_rvc_expand(0x4002), ==, 0); /* c.lwsp zero */
    g_assert_cmphex(riscv_rvc_expand(0x2001), ==, 0); /* c.addiw zero */
    g_assert_cmphex(riscv_rvc_expand(0x9c41), ==, 0); /* reserved MISC-ALU (funct 12=1, 10) */
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/riscv/decode32/formats", test_decode32_formats);
    g_test_add_func("/riscv/decode32/unknown", test_decode32_unknown);
    g_test_add_func("/riscv/rvc/expand", test_rvc_expand);
    g_test_add_func("/riscv/rvc/reserved", test_rvc_reserved);
    return g_test_run();
}
