/*
 * The optimizer: constant folding, copy propagation and dead-code elimination
 * within basic blocks, then a liveness pass that tells backends where each
 * input dies.
 *
 * What a temp holds is tracked forward through a basic block: a known constant,
 * or a copy of another temp. Knowledge is dropped at labels (control can enter
 * from elsewhere) and, for globals, at helper calls that may write them.
 */
#include "tcg/tcg.h"

typedef struct TempInfo {
    bool is_const;
    int64_t val;
    int copy_of; /* -1: none */
} TempInfo;

typedef struct OptState {
    TCGContext *s;
    TempInfo info[TCG_MAX_TEMPS];
} OptState;

static void forget(OptState *o, int t)
{
    o->info[t] = (TempInfo){.copy_of = -1};
}

static void forget_all(OptState *o, bool globals_only)
{
    for (int t = 0; t < o->s->nb_temps; t++) {
        if (o->s->temps[t].kind == TEMP_CONST) {
            o->info[t] = (TempInfo){.is_const = true, .val = o->s->temps[t].val, .copy_of = -1};
        } else if (!globals_only || o->s->temps[t].kind == TEMP_GLOBAL) {
            forget(o, t);
        } else if (o->info[t].copy_of >= 0 &&
                   o->s->temps[o->info[t].copy_of].kind == TEMP_GLOBAL) {
            o->info[t].copy_of = -1; /* its source may change */
        }
    }
}

/* A write to t ends every copy relationship that names t as the source. */
static void written(OptState *o, int t)
{
    for (int i = 0; i < o->s->nb_temps; i++) {
        if (o->info[i].copy_of == t) {
            o->info[i].copy_of = -1;
        }
    }
    forget(o, t);
}

static bool is_const(OptState *o, TCGArg t, int64_t *val)
{
    if (o->info[t].is_const) {
        *val = o->info[t].val;
        return true;
    }
    return false;
}

static uint64_t mask_type(TCGType type, uint64_t v)
{
    return type == TCG_TYPE_I32 ? (uint64_t)(int64_t)(int32_t)v : v;
}

static bool eval_cond(TCGCond c, uint64_t a, uint64_t b)
{
    switch (c) {
    case TCG_COND_NEVER: return false;
    case TCG_COND_ALWAYS: return true;
    case TCG_COND_EQ: return a == b;
    case TCG_COND_NE: return a != b;
    case TCG_COND_LT: return (int64_t)a < (int64_t)b;
    case TCG_COND_GE: return (int64_t)a >= (int64_t)b;
    case TCG_COND_LE: return (int64_t)a <= (int64_t)b;
    case TCG_COND_GT: return (int64_t)a > (int64_t)b;
    case TCG_COND_LTU: return a < b;
    case TCG_COND_GEU: return a >= b;
    case TCG_COND_LEU: return a <= b;
    case TCG_COND_GTU: return a > b;
    }
    return false;
}

bool tcg_cond_eval(TCGCond c, uint64_t a, uint64_t b)
{
    return eval_cond(c, a, b);
}

/* Value of a foldable op on constants; false if the op is not folded. */
static bool fold(TCGOpcode opc, TCGType type, uint64_t a, uint64_t b, uint64_t *r)
{
    unsigned bits = type == TCG_TYPE_I32 ? 32 : 64;
    unsigned sh = b & (bits - 1);

    if (type == TCG_TYPE_I32) {
        a = (uint32_t)a;
        b = (uint32_t)b;
    }
    switch (opc) {
    case INDEX_op_add: *r = a + b; break;
    case INDEX_op_sub: *r = a - b; break;
    case INDEX_op_mul: *r = a * b; break;
    case INDEX_op_and: *r = a & b; break;
    case INDEX_op_or: *r = a | b; break;
    case INDEX_op_xor: *r = a ^ b; break;
    case INDEX_op_shl: *r = a << sh; break;
    case INDEX_op_shr: *r = a >> sh; break;
    case INDEX_op_sar:
        *r = bits == 32 ? (uint64_t)((int32_t)a >> sh) : (uint64_t)((int64_t)a >> sh);
        break;
    case INDEX_op_neg: *r = -a; break;
    case INDEX_op_not: *r = ~a; break;
    case INDEX_op_ext8s: *r = (int8_t)a; break;
    case INDEX_op_ext8u: *r = (uint8_t)a; break;
    case INDEX_op_ext16s: *r = (int16_t)a; break;
    case INDEX_op_ext16u: *r = (uint16_t)a; break;
    case INDEX_op_ext32s: *r = (int32_t)a; break;
    case INDEX_op_ext32u: *r = (uint32_t)a; break;
    default: return false;
    }
    *r = mask_type(type, *r);
    return true;
}

static void make_movi(TCGOp *op, int64_t val)
{
    TCGArg d = op->args[0];
    TCGType type = op->type;

    memset(op, 0, sizeof(*op));
    op->opc = INDEX_op_movi;
    op->type = type;
    op->nargs = 2;
    op->args[0] = d;
    op->args[1] = val;
}

static void make_mov(TCGOp *op, TCGArg src)
{
    TCGArg d = op->args[0];
    TCGType type = op->type;

    memset(op, 0, sizeof(*op));
    op->type = type;
    if (d == src) {
        op->opc = INDEX_op_nop;
        return;
    }
    op->opc = INDEX_op_mov;
    op->nargs = 2;
    op->args[0] = d;
    op->args[1] = src;
}

/* x op identity = x, x op absorbing = constant (for the second operand constant). */
static bool simplify_identity(OptState *o, TCGOp *op)
{
    int64_t b;

    if (!is_const(o, op->args[2], &b)) {
        return false;
    }
    switch (op->opc) {
    case INDEX_op_add:
    case INDEX_op_sub:
    case INDEX_op_or:
    case INDEX_op_xor:
    case INDEX_op_shl:
    case INDEX_op_shr:
    case INDEX_op_sar:
    case INDEX_op_rotl:
    case INDEX_op_rotr:
        if (b == 0) {
            make_mov(op, op->args[1]);
            return true;
        }
        break;
    case INDEX_op_mul:
        if (b == 1) {
            make_mov(op, op->args[1]);
            return true;
        }
        if (b == 0) {
            make_movi(op, 0);
            return true;
        }
        break;
    case INDEX_op_and:
        if (b == -1 || (op->type == TCG_TYPE_I32 && (uint32_t)b == UINT32_MAX)) {
            make_mov(op, op->args[1]);
            return true;
        }
        if (b == 0) {
            make_movi(op, 0);
            return true;
        }
        break;
    default:
        break;
    }
    return false;
}

static bool op_has_side_effects(TCGOpcode opc)
{
    switch (opc) {
    case INDEX_op_st:
    case INDEX_op_qemu_ld: /* may fault */
    case INDEX_op_qemu_st:
    case INDEX_op_call:
    case INDEX_op_insn_start:
    case INDEX_op_goto_tb:
    case INDEX_op_exit_tb:
    case INDEX_op_goto_ptr:
    case INDEX_op_mb:
    case INDEX_op_br:
    case INDEX_op_brcond:
    case INDEX_op_set_label:
        return true;
    default:
        return false;
    }
}

static int op_nb_oargs(const TCGOp *op)
{
    return op->opc == INDEX_op_call ? op->call_oargs : tcg_op_defs[op->opc].nb_oargs;
}

static int op_nb_iargs(const TCGOp *op)
{
    return op->opc == INDEX_op_call ? op->call_iargs : tcg_op_defs[op->opc].nb_iargs;
}

static void optimize_op(OptState *o, TCGOp *op)
{
    int nout = op_nb_oargs(op), nin = op_nb_iargs(op);
    int64_t a, b;
    uint64_t r;

    /* Copy propagation on inputs. */
    for (int i = nout; i < nout + nin; i++) {
        int src = o->info[op->args[i]].copy_of;
        if (src >= 0) {
            op->args[i] = src;
        }
    }
    switch (op->opc) {
    case INDEX_op_set_label:
        forget_all(o, false);
        return;
    case INDEX_op_call:
        if (!(op->args[nout + nin + 1] & TCG_CALL_NO_WRITE_GLOBALS)) {
            forget_all(o, true);
        }
        break;
    case INDEX_op_brcond:
        if (is_const(o, op->args[0], &a) && is_const(o, op->args[1], &b)) {
            if (eval_cond(op->args[2], mask_type(op->type, a), mask_type(op->type, b))) {
                TCGArg label = op->args[3];
                memset(op, 0, sizeof(*op));
                op->opc = INDEX_op_br;
                op->nargs = 1;
                op->args[0] = label;
            } else {
                op->opc = INDEX_op_nop;
            }
        }
        return;
    case INDEX_op_setcond:
        if (is_const(o, op->args[1], &a) && is_const(o, op->args[2], &b)) {
            make_movi(op, eval_cond(op->args[3], mask_type(op->type, a), mask_type(op->type, b)));
        }
        break;
    case INDEX_op_mov:
        if (is_const(o, op->args[1], &a)) {
            make_movi(op, a);
        }
        break;
    default:
        if (nout == 1 && nin == 2 && is_const(o, op->args[1], &a) &&
            is_const(o, op->args[2], &b) && fold(op->opc, op->type, a, b, &r)) {
            make_movi(op, r);
        } else if (nout == 1 && nin == 1 && op->opc != INDEX_op_ld &&
                   is_const(o, op->args[1], &a) && fold(op->opc, op->type, a, 0, &r)) {
            make_movi(op, r);
        } else if (nout == 1 && nin == 2) {
            simplify_identity(o, op);
        }
        break;
    }
    /* Record what the outputs now hold. */
    nout = op_nb_oargs(op);
    for (int i = 0; i < nout; i++) {
        written(o, op->args[i]);
    }
    if (op->opc == INDEX_op_movi) {
        o->info[op->args[0]].is_const = true;
        o->info[op->args[0]].val = op->args[1];
    } else if (op->opc == INDEX_op_mov) {
        TCGArg src = op->args[1];
        o->info[op->args[0]].copy_of = src;
        o->info[op->args[0]].is_const = o->info[src].is_const;
        o->info[op->args[0]].val = o->info[src].val;
    }
}

void tcg_optimize(TCGContext *s)
{
    OptState *o = g_new(OptState, 1);

    o->s = s;
    forget_all(o, false);
    for (int i = 0; i < s->nb_ops; i++) {
        if (s->ops[i].opc != INDEX_op_nop) {
            optimize_op(o, &s->ops[i]);
        }
    }
    g_free(o);
}

/*
 * Backward liveness with dead-code removal. At the end of the TB and at every
 * branch, label, exit, call and guest memory access, globals must be in env, so
 * they count as live there; locals are treated as live at labels and branches
 * (they may carry values between blocks).
 */
void tcg_liveness(TCGContext *s)
{
    g_autofree uint8_t *live = g_new0(uint8_t, s->nb_temps);
    int out = 0;

    for (int t = 0; t < s->nb_globals; t++) {
        live[t] = 1;
    }
    for (int i = s->nb_ops - 1; i >= 0; i--) {
        TCGOp *op = &s->ops[i];
        int nout = op_nb_oargs(op), nin = op_nb_iargs(op);
        bool needed = op_has_side_effects(op->opc);

        if (op->opc == INDEX_op_nop) {
            continue;
        }
        switch (op->opc) {
        case INDEX_op_set_label:
        case INDEX_op_br:
        case INDEX_op_brcond:
        case INDEX_op_goto_tb:
        case INDEX_op_exit_tb:
        case INDEX_op_goto_ptr:
        case INDEX_op_call:
        case INDEX_op_qemu_ld:
        case INDEX_op_qemu_st:
            for (int t = 0; t < s->nb_temps; t++) {
                if (s->temps[t].kind == TEMP_GLOBAL ||
                    (s->temps[t].kind == TEMP_LOCAL && op->opc != INDEX_op_call &&
                     op->opc != INDEX_op_qemu_ld && op->opc != INDEX_op_qemu_st &&
                     op->opc != INDEX_op_exit_tb && op->opc != INDEX_op_goto_ptr &&
                     op->opc != INDEX_op_goto_tb)) {
                    live[t] = 1;
                }
            }
            break;
        default:
            break;
        }
        for (int k = 0; k < nout && !needed; k++) {
            needed = live[op->args[k]];
        }
        if (!needed) {
            op->opc = INDEX_op_nop;
            continue;
        }
        for (int k = 0; k < nout; k++) {
            live[op->args[k]] = 0;
        }
        op->life = 0;
        for (int k = 0; k < nin; k++) {
            TCGArg t = op->args[nout + k];
            if (!live[t] && s->temps[t].kind != TEMP_CONST) {
                op->life |= 1u << k;
            }
        }
        for (int k = 0; k < nin; k++) {
            live[op->args[nout + k]] = 1;
        }
    }
    /* Drop the nops. */
    for (int i = 0; i < s->nb_ops; i++) {
        if (s->ops[i].opc != INDEX_op_nop) {
            s->ops[out++] = s->ops[i];
        }
    }
    s->nb_ops = out;
}
