/*
 * The translator's IR core: op emission, the optimizer (constant folding, copy
 * propagation, dead code) and the interpreter backend, checked by running IR
 * programs on a fake CPU state with and without optimization against values
 * computed in C.
 */
#include "tcg/tcg-backend.h"

typedef struct FakeCPU {
    CPUState parent;
    uint64_t g[4];
    uint8_t mem[256]; /* guest memory for qemu_ld/st, at guest address 0x1000 */
} FakeCPU;

static FakeCPU *fake;
static TCGContext ctx;
static TCGv_i64 g[4];

/* The runtime services the interpreter calls, served from fake->mem. */
uint64_t helper_qemu_ld(void *env, uint64_t addr, uint32_t oi, uintptr_t retaddr)
{
    unsigned memop = oi & 0xff, size = memop_size(memop);
    uint64_t v = 0;

    g_assert(addr >= 0x1000 && addr + size <= 0x1000 + sizeof(fake->mem));
    memcpy(&v, fake->mem + addr - 0x1000, size);
    if ((memop & MO_SIGN) && size < 8) {
        v = (uint64_t)((int64_t)(v << (64 - 8 * size)) >> (64 - 8 * size));
    }
    return v;
}

void helper_qemu_st(void *env, uint64_t addr, uint64_t val, uint32_t oi, uintptr_t retaddr)
{
    unsigned size = memop_size(oi & 0xff);

    g_assert(addr >= 0x1000 && addr + size <= 0x1000 + sizeof(fake->mem));
    memcpy(fake->mem + addr - 0x1000, &val, size);
}

const void *helper_lookup_tb_ptr(void *env)
{
    return NULL;
}

static void setup(void)
{
    static bool globals_made;

    if (!globals_made) {
        tcg_context_init(&ctx);
        for (int i = 0; i < 4; i++) {
            static const char *const names[] = {"g0", "g1", "g2", "g3"};
            g[i] = tcg_global_mem_new_i64(offsetof(FakeCPU, g[i]), names[i]);
        }
        globals_made = true;
    }
    tcg_ctx = &ctx;
    tcg_func_start(&ctx);
    g_free(fake);
    fake = g_new0(FakeCPU, 1);
}

/* Translate what was emitted and run it with the interpreter; returns exit_tb's value. */
static uintptr_t run(bool optimize)
{
    static uint8_t buf[1 << 20];
    TranslationBlock tb = {0};
    uintptr_t r;

    if (optimize) {
        tcg_optimize(&ctx);
    }
    tcg_liveness(&ctx);
    tb.icount = ctx.nb_insns;
    tb.insn_host_end = g_new0(uint32_t, MAX(tb.icount, 1));
    g_assert_cmpint(tcg_backend_interp.gen_code(&ctx, &tb, buf, buf, sizeof(buf)), >, 0);
    r = tcg_backend_interp.exec(fake, &tb);
    g_free(tb.insn_host_end);
    return r;
}

static int count_ops(TCGOpcode opc)
{
    int n = 0;
    for (int i = 0; i < ctx.nb_ops; i++) {
        n += ctx.ops[i].opc == opc;
    }
    return n;
}

static void test_constant_folding(void)
{
    TCGv_i64 t;

    setup();
    t = tcg_temp_new_i64();
    tcg_gen_movi_i64(t, 5);
    tcg_gen_addi_i64(t, t, 7);
    tcg_gen_shli_i64(t, t, 4);
    tcg_gen_mov_i64(g[0], t);
    tcg_gen_exit_tb(0x40);
    tcg_optimize(&ctx);
    g_assert_cmpint(count_ops(INDEX_op_add), ==, 0);
    g_assert_cmpint(count_ops(INDEX_op_shl), ==, 0);
    g_assert_cmpuint(run(false), ==, 0x40);
    g_assert_cmpuint(fake->g[0], ==, (5 + 7) << 4);
}

static void test_dead_code_removed(void)
{
    TCGv_i64 t, u;

    setup();
    t = tcg_temp_new_i64();
    u = tcg_temp_new_i64();
    fake->g[1] = 21;
    tcg_gen_mul_i64(u, g[1], g[1]); /* result never used */
    tcg_gen_mov_i64(t, g[1]);
    tcg_gen_add_i64(g[0], t, t);
    tcg_gen_exit_tb(0);
    tcg_optimize(&ctx);
    tcg_liveness(&ctx);
    g_assert_cmpint(count_ops(INDEX_op_mul), ==, 0);
    g_assert_cmpint(count_ops(INDEX_op_mov), ==, 0); /* the copy was propagated, then died */
    fake->g[1] = 21;
    run(false);
    g_assert_cmpuint(fake->g[0], ==, 42);
}

static void test_copy_outlives_overwritten_source(void)
{
    TCGv_i64 t;

    setup();
    t = tcg_temp_new_i64();
    tcg_gen_mov_i64(t, g[1]);
    tcg_gen_addi_i64(g[1], g[1], 1); /* t must keep the old value */
    tcg_gen_mov_i64(g[0], t);
    tcg_gen_exit_tb(0);
    fake->g[1] = 10;
    run(true);
    g_assert_cmpuint(fake->g[0], ==, 10);
    g_assert_cmpuint(fake->g[1], ==, 11);
}

static void test_loop_with_branches(void)
{
    TCGLabel *top, *done;
    TCGv_i64 i;

    setup();
    i = tcg_temp_new_i64();
    top = gen_new_label();
    done = gen_new_label();
    tcg_gen_movi_i64(g[0], 0);
    tcg_gen_movi_i64(i, 1);
    tcg_gen_set_label(top);
    tcg_gen_brcondi_i64(TCG_COND_GT, i, 10, done);
    tcg_gen_add_i64(g[0], g[0], i);
    tcg_gen_addi_i64(i, i, 1);
    tcg_gen_br(top);
    tcg_gen_set_label(done);
    tcg_gen_exit_tb(1);
    g_assert_cmpuint(run(true), ==, 1);
    g_assert_cmpuint(fake->g[0], ==, 55);
}

static uint64_t helper_mix(void *env, uint64_t a, uint64_t b)
{
    return a * 31 + b + ((FakeCPU *)env)->g[3];
}

static void test_helper_call_sees_globals(void)
{
    TCGv_i64 r;

    setup();
    r = tcg_temp_new_i64();
    fake->g[3] = 1000;
    tcg_gen_movi_i64(g[3], 7); /* must be written back before the call reads it */
    tcg_gen_callN(helper_mix, 0, &r, tcg_constant_i64(2), g[1]);
    tcg_gen_mov_i64(g[0], r);
    tcg_gen_exit_tb(0);
    fake->g[1] = 5;
    run(true);
    g_assert_cmpuint(fake->g[0], ==, 2 * 31 + 5 + 7);
}

static void test_guest_memory_ops(void)
{
    TCGv_i64 addr, v;

    setup();
    addr = tcg_temp_new_i64();
    v = tcg_temp_new_i64();
    tcg_gen_movi_i64(addr, 0x1010);
    tcg_gen_movi_i64(v, 0x80);
    tcg_gen_qemu_st_i64(v, addr, 0, MO_8);
    tcg_gen_qemu_ld_i64(g[0], addr, 0, MO_SB);
    tcg_gen_qemu_ld_i64(g[1], addr, 0, MO_UB);
    tcg_gen_exit_tb(0);
    run(true);
    g_assert_cmphex(fake->g[0], ==, 0xffffffffffffff80ULL);
    g_assert_cmphex(fake->g[1], ==, 0x80);
}

/* Reference semantics of the binary ops, in C. */
static uint64_t reference(TCGOpcode opc, uint64_t a, uint64_t b)
{
    unsigned sh = b & 63;

    switch (opc) {
    case INDEX_op_add: return a + b;
    case INDEX_op_sub: return a - b;
    case INDEX_op_mul: return a * b;
    case INDEX_op_mulsh: return (uint64_t)(((__int128)(int64_t)a * (int64_t)b) >> 64);
    case INDEX_op_muluh: return (uint64_t)(((unsigned __int128)a * b) >> 64);
    case INDEX_op_and: return a & b;
    case INDEX_op_or: return a | b;
    case INDEX_op_xor: return a ^ b;
    case INDEX_op_shl: return a << sh;
    case INDEX_op_shr: return a >> sh;
    case INDEX_op_sar: return (uint64_t)((int64_t)a >> sh);
    case INDEX_op_rotl: return sh ? (a << sh) | (a >> (64 - sh)) : a;
    case INDEX_op_rotr: return sh ? (a >> sh) | (a << (64 - sh)) : a;
    default: g_assert_not_reached();
    }
}

static void gen_binary(TCGOpcode opc, TCGv_i64 d, TCGv_i64 a, TCGv_i64 b)
{
    switch (opc) {
    case INDEX_op_add: tcg_gen_add_i64(d, a, b); break;
    case INDEX_op_sub: tcg_gen_sub_i64(d, a, b); break;
    case INDEX_op_mul: tcg_gen_mul_i64(d, a, b); break;
    case INDEX_op_mulsh: tcg_gen_mulsh_i64(d, a, b); break;
    case INDEX_op_muluh: tcg_gen_muluh_i64(d, a, b); break;
    case INDEX_op_and: tcg_gen_and_i64(d, a, b); break;
    case INDEX_op_or: tcg_gen_or_i64(d, a, b); break;
    case INDEX_op_xor: tcg_gen_xor_i64(d, a, b); break;
    case INDEX_op_shl: tcg_gen_shl_i64(d, a, b); break;
    case INDEX_op_shr: tcg_gen_shr_i64(d, a, b); break;
    case INDEX_op_sar: tcg_gen_sar_i64(d, a, b); break;
    case INDEX_op_rotl: tcg_gen_rotl_i64(d, a, b); break;
    case INDEX_op_rotr: tcg_gen_rotr_i64(d, a, b); break;
    default: g_assert_not_reached();
    }
}

/* Each op on random values, once from globals (run time) and once from constants (folded). */
static void test_alu_random_matches_reference(void)
{
    static const TCGOpcode binops[] = {
        INDEX_op_add, INDEX_op_sub, INDEX_op_mul, INDEX_op_mulsh, INDEX_op_muluh,
        INDEX_op_and, INDEX_op_or, INDEX_op_xor, INDEX_op_shl, INDEX_op_shr,
        INDEX_op_sar, INDEX_op_rotl, INDEX_op_rotr,
    };
    GRand *rnd = g_rand_new_with_seed(1234);

    for (int iter = 0; iter < 2000; iter++) {
        TCGOpcode opc = binops[iter % ARRAY_SIZE(binops)];
        uint64_t a = ((uint64_t)g_rand_int(rnd) << 32) | g_rand_int(rnd);
        uint64_t b = ((uint64_t)g_rand_int(rnd) << 32) | g_rand_int(rnd);

        if (iter % 3 == 0) {
            b &= 63;
        }
        setup();
        fake->g[1] = a;
        fake->g[2] = b;
        gen_binary(opc, g[0], g[1], g[2]);
        gen_binary(opc, g[3], tcg_constant_i64(a), tcg_constant_i64(b));
        tcg_gen_exit_tb(0);
        run(true);
        g_assert_cmphex(fake->g[0], ==, reference(opc, a, b));
        g_assert_cmphex(fake->g[3], ==, reference(opc, a, b));
    }
    g_rand_free(rnd);
}

static void test_setcond_and_movcond(void)
{
    static const TCGCond conds[] = {TCG_COND_EQ, TCG_COND_NE, TCG_COND_LT, TCG_COND_GE,
                                    TCG_COND_LE, TCG_COND_GT, TCG_COND_LTU, TCG_COND_GEU,
                                    TCG_COND_LEU, TCG_COND_GTU};
    static const uint64_t vals[] = {0, 1, (uint64_t)-1, 0x8000000000000000ULL, 42};

    for (size_t c = 0; c < ARRAY_SIZE(conds); c++) {
        for (size_t i = 0; i < ARRAY_SIZE(vals); i++) {
            for (size_t j = 0; j < ARRAY_SIZE(vals); j++) {
                bool expect = tcg_cond_eval(conds[c], vals[i], vals[j]);
                setup();
                fake->g[1] = vals[i];
                fake->g[2] = vals[j];
                tcg_gen_setcond_i64(conds[c], g[0], g[1], g[2]);
                tcg_gen_movcond_i64(conds[c], g[3], g[1], g[2], tcg_constant_i64(100),
                                    tcg_constant_i64(200));
                tcg_gen_exit_tb(0);
                run(true);
                g_assert_cmpuint(fake->g[0], ==, expect);
                g_assert_cmpuint(fake->g[3], ==, expect ? 100 : 200);
            }
        }
    }
    /* Sanity of the evaluator itself on signedness. */
    g_assert_true(tcg_cond_eval(TCG_COND_LT, (uint64_t)-1, 0));
    g_assert_false(tcg_cond_eval(TCG_COND_LTU, (uint64_t)-1, 0));
}

static void test_extensions(void)
{
    setup();
    fake->g[1] = 0x12345678fedcba98ULL;
    tcg_gen_ext32s_i64(g[0], g[1]);
    tcg_gen_ext8s_i64(g[2], g[1]);
    tcg_gen_ext16u_i64(g[3], g[1]);
    tcg_gen_exit_tb(0);
    run(true);
    g_assert_cmphex(fake->g[0], ==, 0xfffffffffedcba98ULL);
    g_assert_cmphex(fake->g[2], ==, 0xffffffffffffff98ULL);
    g_assert_cmphex(fake->g[3], ==, 0xba98);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tcg/optimize/constant-folding", test_constant_folding);
    g_test_add_func("/tcg/optimize/dead-code-removed", test_dead_code_removed);
    g_test_add_func("/tcg/optimize/copy-outlives-overwritten-source",
                    test_copy_outlives_overwritten_source);
    g_test_add_func("/tcg/interp/loop-with-branches", test_loop_with_branches);
    g_test_add_func("/tcg/interp/helper-call-sees-globals", test_helper_call_sees_globals);
    g_test_add_func("/tcg/interp/guest-memory-ops", test_guest_memory_ops);
    g_test_add_func("/tcg/interp/alu-random-matches-reference", test_alu_random_matches_reference);
    g_test_add_func("/tcg/interp/setcond-and-movcond", test_setcond_and_movcond);
    g_test_add_func("/tcg/interp/extensions", test_extensions);
    return g_test_run();
}
