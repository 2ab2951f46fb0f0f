/*
 * RISC-V (RV64GC) to IR translation: the translation loop (fetch, decode,
 * one trans_<insn>() per instruction from the trans_*.c.inc files), TB exits
 * and the register/exception plumbing they share.
 *
 * A TB ends at a branch or jump, at an instruction that changes what the code
 * was specialised for (CSR writes, xRET, fences, sfence.vma, wfi), at the end
 * of its first guest page (an instruction crossing into the next page is only
 * translated as the first of a TB, so a fetch fault there is precise), after
 * max_insns, or when the IR buffers run low.
 */
#include "target/riscv/internals.h"
#include "target/riscv/decode.h"
#include "target/riscv/disas.h"
#include "target/riscv/helper.h"
#include "accel/tcg/tb.h"
#include "tcg/tcg.h"
#include "tcg/tcg-backend.h"

typedef enum DisasJumpType {
    DISAS_NEXT,        /* keep translating */
    DISAS_TOO_MANY,    /* stop here; continue at pc_next through a chained jump */
    DISAS_EXIT_UPDATE, /* stop, pc = pc_next, back to the exec loop (state changed) */
    DISAS_EXIT,        /* stop, pc already set, back to the exec loop */
    DISAS_NORETURN,    /* the instruction left the TB itself */
} DisasJumpType;

typedef struct DisasContext {
    CPUState *cs;
    TranslationBlock *tb;
    uint64_t pc;      /* this instruction */
    uint64_t pc_next; /* the next one */
    uint64_t page_start;
    uint32_t opcode;  /* raw bits (16 for a compressed instruction): illegal-insn tval */
    RISCVPriv priv;
    int mem_idx;
    int fs;           /* mstatus.FS as the code runs: FS_DIRTY once this TB dirtied it */
    bool frm_invalid; /* frm holds a reserved rounding mode */
    bool singlestep;  /* TB_FLAG_DEBUG_STEP: one instruction, then back to the exec loop */
    DisasJumpType is_jmp;
} DisasContext;

/* The IR's handles of the CPU state, per translator context (one per vCPU thread or shared). */
typedef struct RISCVGlobals {
    TCGContext *ctx;
    TCGv_i64 gpr[32]; /* gpr[0] unused: x0 is a constant */
    TCGv_i64 fpr[32];
    TCGv_i64 pc;
} RISCVGlobals;

static __thread RISCVGlobals *globals;
static __thread TCGv_i64 cpu_gpr[32], cpu_fpr[32], cpu_pc;
static GMutex globals_lock;
static GHashTable *globals_by_ctx;

void riscv_translate_init(void)
{
    riscv_csr_init(NULL);
}

/* Make (once per translator context) and select the globals backing the registers. */
static void bind_globals(void)
{
    if (!globals || globals->ctx != tcg_ctx) {
        g_mutex_lock(&globals_lock);
        if (!globals_by_ctx) {
            globals_by_ctx = g_hash_table_new(NULL, NULL);
        }
        globals = g_hash_table_lookup(globals_by_ctx, tcg_ctx);
        if (!globals) {
            globals = g_new0(RISCVGlobals, 1);
            globals->ctx = tcg_ctx;
            for (int i = 1; i < 32; i++) {
                globals->gpr[i] =
                    tcg_global_mem_new_i64(offsetof(RISCVCPU, gpr[i]), riscv_gpr_abi_names[i]);
            }
            for (int i = 0; i < 32; i++) {
                globals->fpr[i] =
                    tcg_global_mem_new_i64(offsetof(RISCVCPU, fpr[i]), riscv_fpr_abi_names[i]);
            }
            globals->pc = tcg_global_mem_new_i64(offsetof(RISCVCPU, pc), "pc");
            g_hash_table_insert(globals_by_ctx, tcg_ctx, globals);
        }
        g_mutex_unlock(&globals_lock);
    }
}

/* Thread-local copies of the current context's handles keep the trans functions short. */
static void load_globals(void)
{
    memcpy(cpu_gpr, globals->gpr, sizeof(cpu_gpr));
    memcpy(cpu_fpr, globals->fpr, sizeof(cpu_fpr));
    cpu_pc = globals->pc;
}

/* ---- registers ---- */

static TCGv_i64 get_gpr(DisasContext *ctx, int reg)
{
    return reg ? cpu_gpr[reg] : tcg_constant_i64(0);
}

/* Where an instruction may compute its result directly (a scratch temp for x0). */
static TCGv_i64 dest_gpr(DisasContext *ctx, int reg)
{
    return reg ? cpu_gpr[reg] : tcg_temp_new_i64();
}

static void gen_set_gpr(DisasContext *ctx, int reg, TCGv_i64 v)
{
    if (reg) {
        tcg_gen_mov_i64(cpu_gpr[reg], v);
    }
}

static void gen_set_gpri(DisasContext *ctx, int reg, int64_t v)
{
    if (reg) {
        tcg_gen_movi_i64(cpu_gpr[reg], v);
    }
}

/* ---- exits ---- */

static void gen_exit_nochain(DisasContext *ctx)
{
    tcg_gen_exit_tb((uintptr_t)ctx->tb | TB_EXIT_NOCHAIN);
}

/* Direct chaining only within the TB's own page: another page may be remapped. */
static bool use_goto_tb(DisasContext *ctx, uint64_t dest)
{
    /* A debugger's single step must come back (helper_lookup_tb_ptr sees to goto_ptr). */
    return (dest & TARGET_PAGE_MASK) == ctx->page_start && !ctx->singlestep;
}

static void gen_goto_tb(DisasContext *ctx, int n, uint64_t dest)
{
    if (use_goto_tb(ctx, dest)) {
        tcg_gen_goto_tb(n);
        tcg_gen_movi_i64(cpu_pc, dest);
        tcg_gen_exit_tb((uintptr_t)ctx->tb | n);
    } else {
        tcg_gen_movi_i64(cpu_pc, dest);
        tcg_gen_lookup_and_goto_ptr();
    }
}

/* Raise cause at this instruction. */
static void gen_exception(DisasContext *ctx, int cause, uint64_t tval)
{
    tcg_gen_movi_i64(cpu_pc, ctx->pc);
    tcg_gen_callN(helper_raise_exception, 0, NULL, tcg_constant_i64(cause),
                  tcg_constant_i64(tval));
    gen_exit_nochain(ctx); /* not reached: keeps the op stream well formed */
    ctx->is_jmp = DISAS_NORETURN;
}

static bool gen_illegal(DisasContext *ctx)
{
    gen_exception(ctx, RISCV_EXCP_ILLEGAL_INST, ctx->opcode);
    return true;
}

/* ---- common instruction shapes ---- */

typedef void (*GenRRR)(TCGv_i64, TCGv_i64, TCGv_i64);
typedef void (*GenRRI)(TCGv_i64, TCGv_i64, int64_t);

static bool gen_arith(DisasContext *ctx, DisasArgs *a, GenRRR fn)
{
    fn(dest_gpr(ctx, a->rd), get_gpr(ctx, a->rs1), get_gpr(ctx, a->rs2));
    return true;
}

static bool gen_arith_imm(DisasContext *ctx, DisasArgs *a, GenRRI fn)
{
    fn(dest_gpr(ctx, a->rd), get_gpr(ctx, a->rs1), a->imm);
    return true;
}

/* 32-bit (W) forms: compute on 64 bits, keep the sign-extended low word. */
static bool gen_arith_w(DisasContext *ctx, DisasArgs *a, GenRRR fn)
{
    TCGv_i64 t = tcg_temp_new_i64();

    fn(t, get_gpr(ctx, a->rs1), get_gpr(ctx, a->rs2));
    tcg_gen_ext32s_i64(dest_gpr(ctx, a->rd), t);
    return true;
}

static bool gen_helper_rr(DisasContext *ctx, DisasArgs *a, TCGHelper fn)
{
    TCGv_i64 ret = tcg_temp_new_i64();

    tcg_gen_call(fn, TCG_CALL_NO_RWG | TCG_CALL_NO_EXCEPTION, &ret, 2,
                 (TCGv_i64[]){get_gpr(ctx, a->rs1), get_gpr(ctx, a->rs2)});
    gen_set_gpr(ctx, a->rd, ret);
    return true;
}

static TCGv_i64 gen_addr(DisasContext *ctx, int rs1, int64_t imm)
{
    TCGv_i64 addr = tcg_temp_new_i64();

    tcg_gen_addi_i64(addr, get_gpr(ctx, rs1), imm);
    return addr;
}

#include "target/riscv/trans_rvi.c.inc"
#include "target/riscv/trans_rvm.c.inc"
#include "target/riscv/trans_rva.c.inc"
#include "target/riscv/trans_zicsr.c.inc"
#include "target/riscv/trans_privileged.c.inc"
#include "target/riscv/trans_rvf.c.inc"
#include "target/riscv/trans_rvd.c.inc"

typedef bool (*TransFn)(DisasContext *ctx, DisasArgs *a);

static const TransFn trans_table[INSN_COUNT] = {
#define INSN(name, mask, match, fmt, operands) [INSN_##name] = trans_##name,
#include "target/riscv/insn32.def"
#undef INSN
};

static void translate_one(DisasContext *ctx, uint32_t insn)
{
    DisasArgs a;
    RVInsnId id = riscv_decode32(insn, &a);

    if (id == INSN_UNKNOWN || !trans_table[id](ctx, &a)) {
        gen_illegal(ctx);
    }
}

/* Stop before the IR buffers can overflow: one instruction needs at most this many. */
#define OPS_PER_INSN_MAX 48
#define TEMPS_PER_INSN_MAX 16

void riscv_translate(CPUState *cs, TranslationBlock *tb, int max_insns)
{
    RISCVCPU *cpu = RISCV_CPU(cs);
    DisasContext ctx = {
        .cs = cs,
        .tb = tb,
        .pc_next = tb->pc,
        .page_start = tb->pc & TARGET_PAGE_MASK,
        .priv = tb->flags & TB_FLAGS_PRIV_MASK,
        .mem_idx = (tb->flags >> TB_FLAGS_MEM_IDX_SHIFT) & 3,
        .fs = (tb->flags >> TB_FLAGS_FS_SHIFT) & 3,
        .frm_invalid = (tb->flags >> TB_FLAGS_FRM_INVALID_SHIFT) & 1,
        .singlestep = (tb->flags & TB_FLAG_DEBUG_STEP) != 0,
        .is_jmp = DISAS_NEXT,
    };
    int num_insns = 0;

    (void)cpu;
    bind_globals();
    load_globals();
    if (max_insns > TCG_MAX_INSNS) {
        max_insns = TCG_MAX_INSNS;
    }

    for (;;) {
        uint32_t insn;

        ctx.pc = ctx.pc_next;
        if (unlikely(cs->breakpoints) && cpu_breakpoint_find(cs, ctx.pc)) {
            /*
             * A debugger's breakpoint: stop before the instruction. It starts a
             * TB of its own, which raises the debug exception at once.
             */
            if (num_insns > 0) {
                ctx.is_jmp = DISAS_TOO_MANY;
                break;
            }
            tcg_gen_insn_start(ctx.pc);
            num_insns++;
            tcg_gen_movi_i64(cpu_pc, ctx.pc);
            tcg_gen_call((TCGHelper)helper_debug, 0, NULL, 0, NULL);
            gen_exit_nochain(&ctx); /* not reached */
            ctx.pc_next = ctx.pc + 2; /* covers the page for invalidation */
            ctx.is_jmp = DISAS_NORETURN;
            break;
        }
        tcg_gen_insn_start(ctx.pc);
        num_insns++;

        insn = translator_lduw(cs, ctx.pc);
        if ((insn & 3) == 3) {
            insn |= (uint32_t)translator_lduw(cs, ctx.pc + 2) << 16;
            ctx.pc_next = ctx.pc + 4;
            ctx.opcode = insn;
        } else {
            ctx.pc_next = ctx.pc + 2;
            ctx.opcode = insn;
            insn = riscv_rvc_expand(insn);
        }
        translate_one(&ctx, insn);

        if (ctx.is_jmp != DISAS_NEXT) {
            break;
        }
        if (num_insns >= max_insns) {
            ctx.is_jmp = DISAS_TOO_MANY;
            break;
        }
        /* Stay on the first page; the last halfword may start a 32-bit insn crossing it. */
        uint64_t off = ctx.pc_next - ctx.page_start;
        if (off >= TARGET_PAGE_SIZE ||
            (off == TARGET_PAGE_SIZE - 2 && (translator_lduw(cs, ctx.pc_next) & 3) == 3)) {
            ctx.is_jmp = DISAS_TOO_MANY;
            break;
        }
        if (tcg_ctx->overflow || tcg_ctx->nb_ops > TCG_MAX_OPS - OPS_PER_INSN_MAX ||
            tcg_ctx->nb_temps > TCG_MAX_TEMPS - TEMPS_PER_INSN_MAX ||
            tcg_ctx->nb_labels > TCG_MAX_LABELS - 4) {
            ctx.is_jmp = DISAS_TOO_MANY;
            break;
        }
    }

    switch (ctx.is_jmp) {
    case DISAS_NEXT:
    case DISAS_TOO_MANY:
        gen_goto_tb(&ctx, 0, ctx.pc_next);
        break;
    case DISAS_EXIT_UPDATE:
        tcg_gen_movi_i64(cpu_pc, ctx.pc_next);
        gen_exit_nochain(&ctx);
        break;
    case DISAS_EXIT:
        gen_exit_nochain(&ctx);
        break;
    case DISAS_NORETURN:
        break;
    }
    tb->size = ctx.pc_next - tb->pc;
    tb->icount = num_insns;
}
