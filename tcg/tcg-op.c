/*
 * Op emission: the vocabulary frontends use to describe guest instructions.
 * Trivial identities are left to the optimizer; these only record ops.
 */
#include "tcg/tcg.h"

static TCGOp *emit(TCGOpcode opc, TCGType type, int nargs)
{
    TCGContext *s = tcg_ctx;
    TCGOp *op;

    if (s->nb_ops >= TCG_MAX_OPS) {
        s->overflow = true;
        op = &s->ops[TCG_MAX_OPS - 1]; /* scribble; the TB is retranslated shorter */
    } else {
        op = &s->ops[s->nb_ops++];
    }
    memset(op, 0, sizeof(*op));
    op->opc = opc;
    op->type = type;
    op->nargs = nargs;
    return op;
}

static void emit1(TCGOpcode opc, TCGType type, TCGArg a0)
{
    emit(opc, type, 1)->args[0] = a0;
}

static void emit2(TCGOpcode opc, TCGType type, TCGArg a0, TCGArg a1)
{
    TCGOp *op = emit(opc, type, 2);
    op->args[0] = a0;
    op->args[1] = a1;
}

static void emit3(TCGOpcode opc, TCGType type, TCGArg a0, TCGArg a1, TCGArg a2)
{
    TCGOp *op = emit(opc, type, 3);
    op->args[0] = a0;
    op->args[1] = a1;
    op->args[2] = a2;
}

static void emit4(TCGOpcode opc, TCGType type, TCGArg a0, TCGArg a1, TCGArg a2, TCGArg a3)
{
    TCGOp *op = emit(opc, type, 4);
    op->args[0] = a0;
    op->args[1] = a1;
    op->args[2] = a2;
    op->args[3] = a3;
}

#define I64 TCG_TYPE_I64

void tcg_gen_mov_i64(TCGv_i64 d, TCGv_i64 a)
{
    if (d.idx != a.idx) {
        emit2(INDEX_op_mov, I64, d.idx, a.idx);
    }
}

void tcg_gen_movi_i64(TCGv_i64 d, int64_t v)
{
    emit2(INDEX_op_movi, I64, d.idx, (TCGArg)v);
}

#define GEN_BINARY(name)                                                                           \
    void tcg_gen_##name##_i64(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b)                                  \
    {                                                                                              \
        emit3(INDEX_op_##name, I64, d.idx, a.idx, b.idx);                                          \
    }
GEN_BINARY(add)
GEN_BINARY(sub)
GEN_BINARY(mul)
GEN_BINARY(mulsh)
GEN_BINARY(muluh)
GEN_BINARY(and)
GEN_BINARY(or)
GEN_BINARY(xor)
GEN_BINARY(shl)
GEN_BINARY(shr)
GEN_BINARY(sar)
GEN_BINARY(rotl)
GEN_BINARY(rotr)

#define GEN_UNARY(name)                                                                            \
    void tcg_gen_##name##_i64(TCGv_i64 d, TCGv_i64 a)                                              \
    {                                                                                              \
        emit2(INDEX_op_##name, I64, d.idx, a.idx);                                                 \
    }
GEN_UNARY(neg)
GEN_UNARY(not)
GEN_UNARY(ext8s)
GEN_UNARY(ext8u)
GEN_UNARY(ext16s)
GEN_UNARY(ext16u)
GEN_UNARY(ext32s)
GEN_UNARY(ext32u)

void tcg_gen_addi_i64(TCGv_i64 d, TCGv_i64 a, int64_t v)
{
    tcg_gen_add_i64(d, a, tcg_constant_i64(v));
}

void tcg_gen_andi_i64(TCGv_i64 d, TCGv_i64 a, int64_t v)
{
    tcg_gen_and_i64(d, a, tcg_constant_i64(v));
}

void tcg_gen_ori_i64(TCGv_i64 d, TCGv_i64 a, int64_t v)
{
    tcg_gen_or_i64(d, a, tcg_constant_i64(v));
}

void tcg_gen_xori_i64(TCGv_i64 d, TCGv_i64 a, int64_t v)
{
    tcg_gen_xor_i64(d, a, tcg_constant_i64(v));
}

void tcg_gen_shli_i64(TCGv_i64 d, TCGv_i64 a, unsigned n)
{
    tcg_gen_shl_i64(d, a, tcg_constant_i64(n & 63));
}

void tcg_gen_shri_i64(TCGv_i64 d, TCGv_i64 a, unsigned n)
{
    tcg_gen_shr_i64(d, a, tcg_constant_i64(n & 63));
}

void tcg_gen_sari_i64(TCGv_i64 d, TCGv_i64 a, unsigned n)
{
    tcg_gen_sar_i64(d, a, tcg_constant_i64(n & 63));
}

void tcg_gen_setcond_i64(TCGCond c, TCGv_i64 d, TCGv_i64 a, TCGv_i64 b)
{
    emit4(INDEX_op_setcond, I64, d.idx, a.idx, b.idx, c);
}

void tcg_gen_movcond_i64(TCGCond c, TCGv_i64 d, TCGv_i64 a, TCGv_i64 b, TCGv_i64 t, TCGv_i64 f)
{
    TCGOp *op = emit(INDEX_op_movcond, I64, 6);
    op->args[0] = d.idx;
    op->args[1] = a.idx;
    op->args[2] = b.idx;
    op->args[3] = t.idx;
    op->args[4] = f.idx;
    op->args[5] = c;
}

void tcg_gen_brcond_i64(TCGCond c, TCGv_i64 a, TCGv_i64 b, TCGLabel *l)
{
    if (c == TCG_COND_ALWAYS) {
        tcg_gen_br(l);
    } else if (c != TCG_COND_NEVER) {
        emit4(INDEX_op_brcond, I64, a.idx, b.idx, c, l->id);
    }
}

void tcg_gen_brcondi_i64(TCGCond c, TCGv_i64 a, int64_t v, TCGLabel *l)
{
    tcg_gen_brcond_i64(c, a, tcg_constant_i64(v), l);
}

void tcg_gen_br(TCGLabel *l)
{
    emit1(INDEX_op_br, I64, l->id);
}

void tcg_gen_set_label(TCGLabel *l)
{
    emit1(INDEX_op_set_label, I64, l->id);
}

void tcg_gen_ld_i64(TCGv_i64 d, intptr_t offset, MemOp size)
{
    emit3(INDEX_op_ld, I64, d.idx, offset, size);
}

void tcg_gen_st_i64(TCGv_i64 v, intptr_t offset, MemOp size)
{
    emit3(INDEX_op_st, I64, v.idx, offset, size);
}

void tcg_gen_qemu_ld_i64(TCGv_i64 d, TCGv_i64 addr, int mmu_idx, MemOp op)
{
    emit4(INDEX_op_qemu_ld, I64, d.idx, addr.idx, op, mmu_idx);
}

void tcg_gen_qemu_st_i64(TCGv_i64 v, TCGv_i64 addr, int mmu_idx, MemOp op)
{
    emit4(INDEX_op_qemu_st, I64, v.idx, addr.idx, op, mmu_idx);
}

void tcg_gen_call(TCGHelper fn, unsigned flags, TCGv_i64 *ret, int nargs, const TCGv_i64 *args)
{
    int n = (ret ? 1 : 0) + nargs + 2;
    TCGOp *op;
    int k = 0;

    g_assert(nargs <= TCG_MAX_CALL_ARGS - 1);
    op = emit(INDEX_op_call, I64, n);
    op->call_oargs = ret ? 1 : 0;
    op->call_iargs = nargs;
    if (ret) {
        op->args[k++] = ret->idx;
    }
    for (int i = 0; i < nargs; i++) {
        op->args[k++] = args[i].idx;
    }
    op->args[k++] = (TCGArg)fn;
    op->args[k] = flags;
}

void tcg_gen_insn_start(uint64_t pc)
{
    emit1(INDEX_op_insn_start, I64, pc);
    tcg_ctx->nb_insns++;
}

void tcg_gen_goto_tb(unsigned n)
{
    emit1(INDEX_op_goto_tb, I64, n);
}

void tcg_gen_exit_tb(uintptr_t val)
{
    emit1(INDEX_op_exit_tb, I64, val);
}

void tcg_gen_lookup_and_goto_ptr(void)
{
    emit(INDEX_op_goto_ptr, I64, 0);
}

void tcg_gen_mb(void)
{
    emit(INDEX_op_mb, I64, 0);
}
