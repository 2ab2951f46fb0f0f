/*
 * The x86-64 code generator against the IR interpreter: random and hand-written
 * IR programs run on both backends from the same CPU state and guest memory must
 * leave identical state (globals, env fields, guest memory, return value, helper
 * side effects), including a guest memory fault raised from the slow path in
 * the middle of a TB. Plus the pieces only generated code has: TLB fast path vs
 * slow path, chaining (set_jump), exit_request, goto_ptr, pc recovery from retaddr.
 *
 * The runtime (accel/tcg) is not linked: this file provides the helpers the
 * backends call, over a flat guest RAM.
 */
#include "tcg/tcg-backend.h"
#include "accel/tcg/cpu-ops.h"

#include <setjmp.h>
#include <sys/mman.h>

#define NB_REGS 16
#define NB_LOCALS 8
#define RAM_BASE 0x10000ULL
#define RAM_PAGES 4
#define RAM_SIZE (RAM_PAGES * TARGET_PAGE_SIZE)
#define FAULT_BASE 0x900000ULL /* loads here longjmp out, like a guest page fault */
#define MMU_FAST 0             /* TLB filled: inline hit path */
#define MMU_SLOW 1             /* TLB empty: every access through the helpers */
#define TEST_TLB_SIZE 256

typedef struct TestEnv {
    CPUState cpu;
    uint64_t regs[NB_REGS];
    int32_t r32;
    uint64_t field[4]; /* reached with ld/st ops */
    uint64_t helper_acc;
} TestEnv;

static TCGContext ctx;
static TCGv_i64 g_regs[NB_REGS];
static TCGv_i32 g_r32;
static uint8_t *code_rw, *code_rx;
static size_t code_used;
#define CODE_SIZE (64u << 20)

static uint8_t *ram;
static unsigned slow_loads, slow_stores, helper_calls;
static uintptr_t fault_retaddr;
static int fault_id = -1;
static const void *lookup_result;

/* ---- runtime stand-ins ---- */

static uint8_t *ram_ptr(uint64_t addr, unsigned size)
{
    g_assert(addr >= RAM_BASE && addr + size <= RAM_BASE + RAM_SIZE);
    return ram + (addr - RAM_BASE);
}

static uint64_t mem_load(uint64_t addr, unsigned memop)
{
    unsigned size = memop_size(memop);
    uint64_t v = 0;
    uint8_t *p = ram_ptr(addr, size);

    for (unsigned i = 0; i < size; i++) {
        unsigned k = (memop & MO_BE) ? size - 1 - i : i;
        v |= (uint64_t)p[i] << (8 * k);
    }
    if ((memop & MO_SIGN) && size < 8) {
        unsigned sh = 64 - 8 * size;
        v = (uint64_t)((int64_t)(v << sh) >> sh);
    }
    return v;
}

static void mem_store(uint64_t addr, uint64_t v, unsigned memop)
{
    unsigned size = memop_size(memop);
    uint8_t *p = ram_ptr(addr, size);

    for (unsigned i = 0; i < size; i++) {
        unsigned k = (memop & MO_BE) ? size - 1 - i : i;
        p[i] = (uint8_t)(v >> (8 * k));
    }
}

uint64_t helper_qemu_ld(void *env, uint64_t addr, uint32_t oi, uintptr_t retaddr)
{
    slow_loads++;
    if (addr >= FAULT_BASE && addr < FAULT_BASE + 0x10000) {
        fault_retaddr = retaddr;
        fault_id = (int)((addr - FAULT_BASE) / 8);
        siglongjmp(((CPUState *)env)->jmp_env, 1);
    }
    return mem_load(addr, oi & 0xff);
}

void helper_qemu_st(void *env, uint64_t addr, uint64_t val, uint32_t oi, uintptr_t retaddr)
{
    slow_stores++;
    mem_store(addr, val, oi & 0xff);
}

const void *helper_lookup_tb_ptr(void *env)
{
    return lookup_result;
}

/*
 * Helpers that mix their n arguments (registers past the n-th hold garbage in
 * generated code, zeros in the interpreter), and variants that also read and
 * write a global (for calls whose flags allow it).
 */
static uint64_t mix_args(TestEnv *env, int n, const uint64_t *a)
{
    static const uint64_t k[5] = {3, 5, 7, 11, 13};

    helper_calls++;
    env->helper_acc = env->helper_acc * 31;
    for (int i = 0; i < n; i++) {
        env->helper_acc += a[i] * k[i];
    }
    return env->helper_acc ^ (n ? a[0] << 7 : 0);
}

#define DEF_HELPERS(n)                                                                             \
    static uint64_t test_helper##n(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d,      \
                                   uint64_t e)                                                     \
    {                                                                                              \
        const uint64_t args[5] = {a, b, c, d, e};                                                  \
        return mix_args(env, n, args);                                                             \
    }                                                                                              \
    static uint64_t test_helper_rw##n(void *envp, uint64_t a, uint64_t b, uint64_t c, uint64_t d,  \
                                      uint64_t e)                                                  \
    {                                                                                              \
        TestEnv *env = envp;                                                                       \
        uint64_t r = test_helper##n(envp, a, b, c, d, e) + env->regs[3];                           \
        env->regs[5] ^= r;                                                                         \
        return r;                                                                                  \
    }
DEF_HELPERS(0)
DEF_HELPERS(1)
DEF_HELPERS(2)
DEF_HELPERS(3)
DEF_HELPERS(4)
DEF_HELPERS(5)

typedef uint64_t (*TestHelper)(void *, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
static const TestHelper test_helpers[6] = {test_helper0, test_helper1, test_helper2,
                                           test_helper3, test_helper4, test_helper5};
static const TestHelper test_helpers_rw[6] = {test_helper_rw0, test_helper_rw1, test_helper_rw2,
                                              test_helper_rw3, test_helper_rw4, test_helper_rw5};

/* ---- set-up ---- */

static void code_buffer_init(void)
{
    int fd = memfd_create("test-tcg-x86", MFD_CLOEXEC);

    g_assert(fd >= 0);
    g_assert(ftruncate(fd, CODE_SIZE) == 0);
    code_rw = mmap(NULL, CODE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    code_rx = mmap(NULL, CODE_SIZE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    g_assert(code_rw != MAP_FAILED && code_rx != MAP_FAILED);
    close(fd);
    code_used = (size_t)tcg_backend_x86_64.gen_prologue(code_rw, code_rx, CODE_SIZE);
    g_assert((ssize_t)code_used > 0);
    code_used = ROUND_UP(code_used, 64);
}

/* Every mode's table: TEST_TLB_SIZE entries, of which the RAM pages' hit for MMU_FAST. */
static void test_tlb_setup(TestEnv *env)
{
    for (int m = 0; m < NB_MMU_MODES; m++) {
        env->cpu.tlb_mask[m] = (TEST_TLB_SIZE - 1) << CPU_TLB_ENTRY_BITS;
        for (int i = 0; i < TEST_TLB_SIZE; i++) {
            CPUTLBEntry *e = &env->cpu.tlb_table[m][i];
            e->addr_read = e->addr_write = e->addr_code = TLB_INVALID_MASK;
        }
    }
    for (uint64_t p = 0; p < RAM_PAGES; p++) {
        uint64_t va = RAM_BASE + p * TARGET_PAGE_SIZE;
        CPUTLBEntry *e = &env->cpu.tlb_table[MMU_FAST][(va >> TARGET_PAGE_BITS) % TEST_TLB_SIZE];
        e->addr_read = e->addr_write = e->addr_code = va;
        e->addend = (uintptr_t)ram + p * TARGET_PAGE_SIZE - va;
    }
}

static TestEnv *env_new(void)
{
    TestEnv *env = g_malloc0(sizeof(TestEnv));

    test_tlb_setup(env);
    return env;
}

static void globals_init(void)
{
    static char names[NB_REGS][8];

    tcg_context_init(&ctx);
    for (int i = 0; i < NB_REGS; i++) {
        snprintf(names[i], sizeof(names[i]), "r%d", i);
        g_regs[i] = tcg_global_mem_new_i64(offsetof(TestEnv, regs[i]), names[i]);
    }
    g_r32 = tcg_global_mem_new_i32(offsetof(TestEnv, r32), "r32");
}

/* Run the current ops on one backend; returns the exit value, or -1 after a fault. */
static int64_t run_on(const TCGBackend *be, TranslationBlock *tb, TestEnv *env)
{
    ssize_t n;

    tb->icount = ctx.nb_insns;
    g_free(tb->insn_host_end);
    tb->insn_host_end = g_new0(uint32_t, MAX(tb->icount, 1));
    if (code_used + (1u << 20) > CODE_SIZE) {
        code_used =
            ROUND_UP((size_t)tcg_backend_x86_64.gen_prologue(code_rw, code_rx, CODE_SIZE), 64);
    }
    n = be->gen_code(&ctx, tb, code_rw + code_used, code_rx + code_used, CODE_SIZE - code_used);
    g_assert(n > 0);
    code_used = ROUND_UP(code_used + (size_t)n, 64);
    if (sigsetjmp(env->cpu.jmp_env, 0)) {
        return -1;
    }
    return (int64_t)be->exec(env, tb);
}

/* ---- random programs ---- */

typedef struct Gen {
    GRand *rand;
    TCGv_i64 locals[NB_LOCALS];
    int nb_fault_loads;
    int fault_insn[64];
    int insn;
} Gen;

static int rnd(Gen *g, int n)
{
    return (int)g_rand_int_range(g->rand, 0, n);
}

static int64_t rnd_const(Gen *g)
{
    static const int64_t special[] = {
        0,
        1,
        -1,
        2,
        3,
        7,
        8,
        31,
        32,
        63,
        64,
        0xff,
        0xffff,
        0xffffffffLL,
        0x7fffffff,
        -0x80000000LL,
        0x80000000LL,
        INT64_MIN,
        INT64_MAX,
        0x123456789abcdefLL,
        -129,
        128,
    };

    switch (rnd(g, 3)) {
    case 0:
        return special[rnd(g, ARRAY_SIZE(special))];
    case 1:
        return (int64_t)g_rand_int_range(g->rand, -1000, 1000);
    default:
        return (int64_t)((uint64_t)g_rand_int(g->rand) << 32 | g_rand_int(g->rand));
    }
}

/* An operand: a global, a local or a constant. */
static TCGv_i64 rnd_src(Gen *g)
{
    switch (rnd(g, 5)) {
    case 0:
    case 1:
        return g_regs[rnd(g, NB_REGS)];
    case 2:
    case 3:
        return g->locals[rnd(g, NB_LOCALS)];
    default:
        return tcg_constant_i64(rnd_const(g));
    }
}

static TCGv_i64 rnd_dst(Gen *g)
{
    return rnd(g, 2) ? g_regs[rnd(g, NB_REGS)] : g->locals[rnd(g, NB_LOCALS)];
}

static TCGCond rnd_cond(Gen *g)
{
    return (TCGCond)rnd(g, TCG_COND_GTU + 1);
}

/* A guest address inside RAM (aligned or not) computed from a random value. */
static TCGv_i64 rnd_addr(Gen *g, unsigned size)
{
    TCGv_i64 a = tcg_temp_new_i64();

    tcg_gen_andi_i64(a, rnd_src(g), RAM_SIZE - 8 - 1);
    if (rnd(g, 4)) {
        tcg_gen_andi_i64(a, a, ~(int64_t)(size - 1)); /* mostly aligned */
    }
    tcg_gen_addi_i64(a, a, RAM_BASE);
    return a;
}

static void gen_random_op(Gen *g, bool allow_fault)
{
    static void (*const bin[])(TCGv_i64, TCGv_i64, TCGv_i64) = {
        tcg_gen_add_i64, tcg_gen_sub_i64,  tcg_gen_mul_i64,  tcg_gen_mulsh_i64, tcg_gen_muluh_i64,
        tcg_gen_and_i64, tcg_gen_or_i64,   tcg_gen_xor_i64,  tcg_gen_shl_i64,   tcg_gen_shr_i64,
        tcg_gen_sar_i64, tcg_gen_rotl_i64, tcg_gen_rotr_i64,
    };
    static void (*const un[])(TCGv_i64, TCGv_i64) = {
        tcg_gen_neg_i64,    tcg_gen_not_i64,    tcg_gen_ext8s_i64,
        tcg_gen_ext8u_i64,  tcg_gen_ext16s_i64, tcg_gen_ext16u_i64,
        tcg_gen_ext32s_i64, tcg_gen_ext32u_i64, tcg_gen_mov_i64,
    };
    int k = rnd(g, 100);

    if (k < 40) {
        bin[rnd(g, ARRAY_SIZE(bin))](rnd_dst(g), rnd_src(g), rnd_src(g));
    } else if (k < 50) {
        un[rnd(g, ARRAY_SIZE(un))](rnd_dst(g), rnd_src(g));
    } else if (k < 54) {
        tcg_gen_movi_i64(rnd_dst(g), rnd_const(g));
    } else if (k < 58) {
        tcg_gen_setcond_i64(rnd_cond(g), rnd_dst(g), rnd_src(g), rnd_src(g));
    } else if (k < 62) {
        tcg_gen_movcond_i64(rnd_cond(g), rnd_dst(g), rnd_src(g), rnd_src(g), rnd_src(g),
                            rnd_src(g));
    } else if (k < 74) {
        static const MemOp ops[] = {MO_UB, MO_SB, MO_UW, MO_SW, MO_UL, MO_SL, MO_UQ};
        MemOp mo = ops[rnd(g, ARRAY_SIZE(ops))] | (rnd(g, 4) ? 0 : MO_BE);
        TCGv_i64 a = rnd_addr(g, memop_size(mo));
        tcg_gen_qemu_ld_i64(rnd_dst(g), a, rnd(g, 3) ? MMU_FAST : MMU_SLOW, mo);
    } else if (k < 84) {
        MemOp mo = (MemOp)rnd(g, 4) | (rnd(g, 4) ? 0 : MO_BE);
        TCGv_i64 a = rnd_addr(g, memop_size(mo));
        tcg_gen_qemu_st_i64(rnd_src(g), a, rnd(g, 3) ? MMU_FAST : MMU_SLOW, mo);
    } else if (k < 88) {
        TCGv_i64 args[5];
        int n = rnd(g, 6);
        unsigned flags = (unsigned)rnd(g, 8);
        TCGv_i64 ret = rnd_dst(g);
        for (int i = 0; i < n; i++) {
            args[i] = rnd_src(g);
        }
        if (!(flags & TCG_CALL_NO_WRITE_GLOBALS) && !(flags & TCG_CALL_NO_READ_GLOBALS)) {
            tcg_gen_call((TCGHelper)test_helpers_rw[n], flags, rnd(g, 4) ? &ret : NULL, n, args);
        } else {
            tcg_gen_call((TCGHelper)test_helpers[n], flags, rnd(g, 4) ? &ret : NULL, n, args);
        }
    } else if (k < 92) {
        int f = rnd(g, 4);
        if (rnd(g, 2)) {
            tcg_gen_ld_i64(rnd_dst(g), offsetof(TestEnv, field[f]), (MemOp)rnd(g, 8));
        } else {
            tcg_gen_st_i64(rnd_src(g), offsetof(TestEnv, field[f]), (MemOp)rnd(g, 4));
        }
    } else if (k < 94 && allow_fault && g->nb_fault_loads < 64) {
        /* A load that faults (a guest page fault raised from the slow path). */
        TCGv_i64 a = tcg_temp_new_i64();
        TCGv_i64 c = tcg_temp_new_i64();
        int id = g->nb_fault_loads++;
        g->fault_insn[id] = g->insn - 1;
        /* Only when r15's low bits say so: most programs run to the end. */
        tcg_gen_andi_i64(c, g_regs[15], 7);
        tcg_gen_movi_i64(a, RAM_BASE);
        tcg_gen_movcond_i64(TCG_COND_EQ, a, c, tcg_constant_i64(id & 7),
                            tcg_constant_i64(FAULT_BASE + 8 * id), a);
        tcg_gen_qemu_ld_i64(rnd_dst(g), a, MMU_FAST, MO_UQ);
    } else if (k < 96) {
        tcg_gen_mov_i64(rnd_dst(g), rnd_src(g));
    } else {
        tcg_gen_mb();
    }
}

/* A TB: guest instructions of a few ops, forward branches, an exit. */
static void gen_random_tb(Gen *g, TranslationBlock *tb, int nb_ops, bool allow_fault)
{
    TCGLabel *open[4];
    int nb_open = 0;

    tcg_func_start(&ctx);
    g->nb_fault_loads = 0;
    g->insn = 0;
    for (int i = 0; i < NB_LOCALS; i++) {
        g->locals[i] = tcg_temp_new_i64();
        if (rnd(g, 2)) {
            tcg_gen_mov_i64(g->locals[i], g_regs[rnd(g, NB_REGS)]);
        } else {
            tcg_gen_movi_i64(g->locals[i], rnd_const(g));
        }
    }
    for (int i = 0; i < nb_ops; i++) {
        if (i % 3 == 0) {
            tcg_gen_insn_start(0x1000 + 4 * g->insn++);
        }
        if (nb_open < 4 && rnd(g, 10) == 0) {
            open[nb_open] = gen_new_label();
            tcg_gen_brcond_i64(rnd_cond(g), rnd_src(g), rnd_src(g), open[nb_open]);
            nb_open++;
        } else if (nb_open > 0 && rnd(g, 6) == 0) {
            tcg_gen_set_label(open[--nb_open]);
        } else {
            gen_random_op(g, allow_fault);
        }
    }
    while (nb_open > 0) {
        tcg_gen_set_label(open[--nb_open]);
    }
    if (rnd(g, 2)) {
        tcg_gen_goto_tb(0);
        tcg_gen_exit_tb((uintptr_t)tb | 0);
    } else {
        tcg_gen_exit_tb((uintptr_t)tb | TB_EXIT_NOCHAIN);
    }
}

static void randomize_state(Gen *g, TestEnv *env, uint8_t *mem)
{
    for (int i = 0; i < NB_REGS; i++) {
        env->regs[i] = (uint64_t)rnd_const(g);
    }
    env->r32 = (int32_t)g_rand_int(g->rand);
    for (int i = 0; i < 4; i++) {
        env->field[i] = (uint64_t)rnd_const(g);
    }
    env->helper_acc = g_rand_int(g->rand);
    for (size_t i = 0; i < RAM_SIZE; i++) {
        mem[i] = (uint8_t)g_rand_int(g->rand);
    }
}

typedef struct Outcome {
    int64_t ret;
    uint64_t regs[NB_REGS];
    int32_t r32;
    uint64_t field[4];
    uint64_t helper_acc;
    unsigned helper_calls;
    int fault_id;
} Outcome;

static Outcome run_case(const TCGBackend *be, TranslationBlock *tb, TestEnv *env,
                        const TestEnv *init, const uint8_t *init_mem)
{
    Outcome o;
    TranslationBlock tbx = *tb;

    memset(&o, 0, sizeof(o));
    memcpy(env->regs, init->regs, sizeof(env->regs));
    env->r32 = init->r32;
    memcpy(env->field, init->field, sizeof(env->field));
    env->helper_acc = init->helper_acc;
    memcpy(ram, init_mem, RAM_SIZE);
    helper_calls = 0;
    fault_id = -1;
    o.ret = run_on(be, &tbx, env);
    if (o.ret >= 0) {
        o.ret &= TB_EXIT_MASK; /* the TB pointers differ per backend */
    }
    memcpy(o.regs, env->regs, sizeof(o.regs));
    o.r32 = env->r32;
    memcpy(o.field, env->field, sizeof(o.field));
    o.helper_acc = env->helper_acc;
    o.helper_calls = helper_calls;
    o.fault_id = fault_id;
    *tb = tbx;
    return o;
}

static unsigned nb_cases, nb_faults;

static void check_random(Gen *g, int nb_ops, bool optimize, bool allow_fault)
{
    TranslationBlock tb = {0};
    TestEnv *env = env_new();
    TestEnv init = {0};
    g_autofree uint8_t *init_mem = g_malloc(RAM_SIZE);
    g_autofree uint8_t *mem_interp = g_malloc(RAM_SIZE);
    TCGOp *saved_ops = g_new(TCGOp, TCG_MAX_OPS);
    int saved_nb_ops;
    Outcome a, b;

    gen_random_tb(g, &tb, nb_ops, allow_fault);
    if (ctx.overflow) {
        /* Too many temps for one TB (the runtime would retranslate shorter). */
        g_free(saved_ops);
        g_free(env);
        return;
    }
    if (optimize) {
        tcg_optimize(&ctx);
    }
    tcg_liveness(&ctx);
    memcpy(saved_ops, ctx.ops, sizeof(TCGOp) * ctx.nb_ops);
    saved_nb_ops = ctx.nb_ops;

    randomize_state(g, &init, init_mem);
    a = run_case(&tcg_backend_interp, &tb, env, &init, init_mem);
    memcpy(mem_interp, ram, RAM_SIZE);
    g_free(tb.insn_host_end);
    tb.insn_host_end = NULL;
    g_assert(ctx.nb_ops == saved_nb_ops);
    b = run_case(&tcg_backend_x86_64, &tb, env, &init, init_mem);

    if (memcmp(&a, &b, sizeof(a)) != 0 || memcmp(mem_interp, ram, RAM_SIZE) != 0) {
        g_autoptr(GString) dump = g_string_new(NULL);
        tcg_dump_ops(&ctx, dump);
        fprintf(stderr, "mismatch (case %u, optimize %d):\n%s\n", nb_cases, optimize, dump->str);
        if (getenv("TCG_X86_DUMP")) {
            g_file_set_contents(getenv("TCG_X86_DUMP"), (const char *)tb.tc_ptr, tb.tc_size, NULL);
        }
        fprintf(stderr, "ret %" PRIx64 " vs %" PRIx64 ", fault %d vs %d, calls %u vs %u\n", a.ret,
                b.ret, a.fault_id, b.fault_id, a.helper_calls, b.helper_calls);
        for (int i = 0; i < NB_REGS; i++) {
            fprintf(stderr, "r%d init %016" PRIx64 " interp %016" PRIx64 " x86 %016" PRIx64 "%s\n",
                    i, init.regs[i], a.regs[i], b.regs[i], a.regs[i] != b.regs[i] ? " <--" : "");
        }
        for (int i = 0; i < 4; i++) {
            fprintf(stderr, "field%d interp %016" PRIx64 " x86 %016" PRIx64 "\n", i, a.field[i],
                    b.field[i]);
        }
        fprintf(stderr, "acc %" PRIx64 " vs %" PRIx64 ", mem %s\n", a.helper_acc, b.helper_acc,
                memcmp(mem_interp, ram, RAM_SIZE) ? "differs" : "same");
        g_assert_not_reached();
    }
    if (b.ret < 0) {
        /* The fault's retaddr must map to the instruction of the faulting load. */
        uintptr_t off = fault_retaddr - (uintptr_t)tb.tc_ptr;
        int k;
        g_assert(fault_retaddr >= (uintptr_t)tb.tc_ptr && off < tb.tc_size);
        for (k = 0; k < tb.icount && off > tb.insn_host_end[k]; k++) {
        }
        g_assert_cmpint(k, ==, g->fault_insn[b.fault_id]);
        nb_faults++;
    }
    nb_cases++;
    g_free(tb.insn_host_end);
    g_free(saved_ops);
    g_free(env);
}

static void test_random_programs(void)
{
    const char *seed = getenv("TCG_X86_SEED");
    Gen g = {.rand = g_rand_new_with_seed(seed ? (guint32)atoi(seed) : 12345)};
    int n = g_test_slow() ? 20000 : 3000;

    for (int i = 0; i < n; i++) {
        check_random(&g, 4 + rnd(&g, 60), i & 1, true);
    }
    /* Long TBs: register pressure, spills across many temps. */
    for (int i = 0; i < n / 10; i++) {
        check_random(&g, 100 + rnd(&g, 200), i & 1, i & 2);
    }
    g_test_message("%u random programs agree (%u faulted mid-TB)", nb_cases, nb_faults);
    g_rand_free(g.rand);
}

/* ---- hand-written cases ---- */

static uintptr_t run_x86(TranslationBlock *tb, TestEnv *env)
{
    tcg_liveness(&ctx);
    return (uintptr_t)run_on(&tcg_backend_x86_64, tb, env);
}

/* The TLB hit path does not call the helpers; an invalid entry does. */
static void test_tlb_fast_and_slow(void)
{
    TestEnv *env = env_new();
    TranslationBlock tb = {0};

    tcg_func_start(&ctx);
    tcg_gen_insn_start(0x1000);
    tcg_gen_qemu_ld_i64(g_regs[1], g_regs[0], MMU_FAST, MO_UQ);
    tcg_gen_qemu_st_i64(g_regs[1], g_regs[2], MMU_FAST, MO_UL | MO_BE);
    tcg_gen_qemu_ld_i64(g_regs[3], g_regs[0], MMU_SLOW, MO_SW);
    tcg_gen_exit_tb(TB_EXIT_NOCHAIN);
    env->regs[0] = RAM_BASE + 0x100;
    env->regs[2] = RAM_BASE + 0x1ff8;
    memcpy(ram + 0x100, "\x01\x02\x03\x04\x05\x06\x87\x88", 8);
    slow_loads = slow_stores = 0;
    g_assert_cmpuint(run_x86(&tb, env), ==, TB_EXIT_NOCHAIN);
    g_assert_cmphex(env->regs[1], ==, 0x8887060504030201ULL);
    g_assert_cmphex(env->regs[3], ==, 0x201);
    g_assert_cmpmem(ram + 0x1ff8, 4, "\x04\x03\x02\x01", 4);
    g_assert_cmpuint(slow_loads, ==, 1);
    g_assert_cmpuint(slow_stores, ==, 0);

    /* Misaligned and page-crossing accesses take the slow path. */
    env->regs[0] = RAM_BASE + TARGET_PAGE_SIZE - 3;
    env->regs[2] = RAM_BASE + 0x2001;
    slow_loads = slow_stores = 0;
    tcg_func_start(&ctx);
    tcg_gen_insn_start(0x1000);
    tcg_gen_qemu_ld_i64(g_regs[1], g_regs[0], MMU_FAST, MO_UQ);
    tcg_gen_qemu_st_i64(g_regs[1], g_regs[2], MMU_FAST, MO_UQ);
    tcg_gen_exit_tb(TB_EXIT_NOCHAIN);
    run_x86(&tb, env);
    g_assert_cmphex(env->regs[1], ==, mem_load(RAM_BASE + TARGET_PAGE_SIZE - 3, MO_UQ));
    g_assert_cmphex(mem_load(RAM_BASE + 0x2001, MO_UQ), ==, env->regs[1]);
    g_assert_cmpuint(slow_loads, ==, 1);
    g_assert_cmpuint(slow_stores, ==, 1);
    g_free(tb.insn_host_end);
    g_free(env);
}

static void gen_counting_tb(TranslationBlock *tb, int reg)
{
    tcg_func_start(&ctx);
    tcg_gen_insn_start(0x2000);
    tcg_gen_addi_i64(g_regs[reg], g_regs[reg], 1);
    tcg_gen_goto_tb(0);
    tcg_gen_exit_tb((uintptr_t)tb | 0);
}

/* Chaining: a patched jump runs the next TB directly; unchaining restores the exit. */
static void test_chaining_and_exit_request(void)
{
    TestEnv *env = env_new();
    TranslationBlock a = {0}, b = {0};
    uintptr_t ret;

    gen_counting_tb(&b, 2);
    tcg_gen_exit_tb((uintptr_t)&b | TB_EXIT_NOCHAIN);
    run_x86(&b, env);
    gen_counting_tb(&a, 1);
    ret = run_x86(&a, env);
    g_assert_cmphex(ret, ==, (uintptr_t)&a | 0);
    g_assert_cmpuint(env->regs[1], ==, 1);

    tcg_backend_x86_64.set_jump(&a, 0, &b);
    ret = tcg_backend_x86_64.exec(env, &a);
    g_assert_cmphex(ret, ==, (uintptr_t)&b | 0);
    g_assert_cmpuint(env->regs[1], ==, 2);
    g_assert_cmpuint(env->regs[2], ==, 2);

    /* exit_request is seen on entry, also through a chained jump. */
    tcg_backend_x86_64.set_jump(&a, 0, &a);
    env->cpu.exit_request = 1;
    ret = tcg_backend_x86_64.exec(env, &a);
    g_assert_cmphex(ret, ==, (uintptr_t)&a | TB_EXIT_REQUESTED);
    g_assert_cmpuint(env->regs[1], ==, 2);
    env->cpu.exit_request = 0;

    tcg_backend_x86_64.set_jump(&a, 0, NULL);
    ret = tcg_backend_x86_64.exec(env, &a);
    g_assert_cmphex(ret, ==, (uintptr_t)&a | 0);
    g_assert_cmpuint(env->regs[1], ==, 3);
    g_free(a.insn_host_end);
    g_free(b.insn_host_end);
    g_free(env);
}

static void test_goto_ptr(void)
{
    TestEnv *env = env_new();
    TranslationBlock a = {0}, b = {0};
    uintptr_t ret;

    gen_counting_tb(&b, 2);
    tcg_gen_exit_tb((uintptr_t)&b | TB_EXIT_NOCHAIN);
    run_x86(&b, env);

    tcg_func_start(&ctx);
    tcg_gen_insn_start(0x3000);
    tcg_gen_addi_i64(g_regs[1], g_regs[1], 5);
    tcg_gen_lookup_and_goto_ptr();
    lookup_result = NULL;
    ret = run_x86(&a, env);
    g_assert_cmphex(ret, ==, (uintptr_t)&a | TB_EXIT_NOCHAIN);
    g_assert_cmpuint(env->regs[1], ==, 5);

    lookup_result = b.tc_ptr;
    ret = tcg_backend_x86_64.exec(env, &a);
    g_assert_cmphex(ret, ==, (uintptr_t)&b | 0);
    g_assert_cmpuint(env->regs[1], ==, 10);
    g_assert_cmpuint(env->regs[2], ==, 2);
    lookup_result = NULL;
    g_free(a.insn_host_end);
    g_free(b.insn_host_end);
    g_free(env);
}

/* Code that does not fit: -1, so the runtime can flush and retry. */
static void test_buffer_full(void)
{
    TranslationBlock tb = {0};

    tcg_func_start(&ctx);
    tcg_gen_insn_start(0x1000);
    for (int i = 0; i < 50; i++) {
        tcg_gen_mul_i64(g_regs[i % NB_REGS], g_regs[(i + 1) % NB_REGS], g_regs[(i + 3) % NB_REGS]);
    }
    tcg_gen_exit_tb(0);
    tcg_liveness(&ctx);
    tb.icount = 1;
    tb.insn_host_end = g_new0(uint32_t, 1);
    g_assert_cmpint(
        tcg_backend_x86_64.gen_code(&ctx, &tb, code_rw + code_used, code_rx + code_used, 40), ==,
        -1);
    g_assert_cmpint(
        tcg_backend_x86_64.gen_code(&ctx, &tb, code_rw + code_used, code_rx + code_used, 4096), >,
        0);
    g_free(tb.insn_host_end);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ram = g_malloc0(RAM_SIZE);
    code_buffer_init();
    globals_init();
    g_test_add_func("/tcg-x86/random-programs-match-interpreter", test_random_programs);
    g_test_add_func("/tcg-x86/tlb-fast-and-slow-path", test_tlb_fast_and_slow);
    g_test_add_func("/tcg-x86/chaining-and-exit-request", test_chaining_and_exit_request);
    g_test_add_func("/tcg-x86/goto-ptr", test_goto_ptr);
    g_test_add_func("/tcg-x86/buffer-full", test_buffer_full);
    return g_test_run();
}
