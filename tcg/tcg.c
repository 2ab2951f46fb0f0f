/*
 * The IR's context: temporaries, labels, the op table, dumps.
 */
#include "tcg/tcg.h"

__thread TCGContext *tcg_ctx;

const TCGOpDef tcg_op_defs[NB_OPS] = {
#define DEF(name, oargs, iargs, cargs) {#name, oargs, iargs, cargs},
#include "tcg/tcg-opc.h"
#undef DEF
};

void tcg_context_init(TCGContext *s)
{
    memset(s, 0, sizeof(*s));
    tcg_ctx = s;
}

void tcg_func_start(TCGContext *s)
{
    s->nb_temps = s->nb_globals;
    s->nb_ops = 0;
    s->nb_labels = 0;
    s->nb_insns = 0;
    s->overflow = false;
}

static int temp_alloc(TCGType type, TCGTempKind kind)
{
    TCGContext *s = tcg_ctx;

    if (s->nb_temps >= TCG_MAX_TEMPS) {
        /* Keep going on a scratch temp; the TB is discarded and retranslated shorter. */
        s->overflow = true;
        return TCG_MAX_TEMPS - 1;
    }
    s->temps[s->nb_temps] = (TCGTemp){.type = type, .kind = kind};
    return s->nb_temps++;
}

static int global_alloc(TCGType type, intptr_t offset, const char *name)
{
    TCGContext *s = tcg_ctx;
    int idx;

    g_assert(s->nb_temps == s->nb_globals); /* globals are made before any TB */
    idx = temp_alloc(type, TEMP_GLOBAL);
    s->temps[idx].env_offset = offset;
    s->temps[idx].name = name;
    s->nb_globals = s->nb_temps;
    return idx;
}

TCGv_i64 tcg_global_mem_new_i64(intptr_t offset, const char *name)
{
    return (TCGv_i64){global_alloc(TCG_TYPE_I64, offset, name)};
}

TCGv_i32 tcg_global_mem_new_i32(intptr_t offset, const char *name)
{
    return (TCGv_i32){global_alloc(TCG_TYPE_I32, offset, name)};
}

TCGv_i64 tcg_temp_new_i64(void)
{
    return (TCGv_i64){temp_alloc(TCG_TYPE_I64, TEMP_LOCAL)};
}

TCGv_i32 tcg_temp_new_i32(void)
{
    return (TCGv_i32){temp_alloc(TCG_TYPE_I32, TEMP_LOCAL)};
}

TCGv_i64 tcg_constant_i64(int64_t val)
{
    int idx = temp_alloc(TCG_TYPE_I64, TEMP_CONST);
    tcg_ctx->temps[idx].val = val;
    return (TCGv_i64){idx};
}

TCGv_i32 tcg_constant_i32(int32_t val)
{
    int idx = temp_alloc(TCG_TYPE_I32, TEMP_CONST);
    tcg_ctx->temps[idx].val = val;
    return (TCGv_i32){idx};
}

TCGLabel *gen_new_label(void)
{
    TCGContext *s = tcg_ctx;

    if (s->nb_labels >= TCG_MAX_LABELS) {
        s->overflow = true;
        return &s->labels[TCG_MAX_LABELS - 1];
    }
    s->labels[s->nb_labels] = (TCGLabel){.id = s->nb_labels};
    return &s->labels[s->nb_labels++];
}

/* ---- dump ---- */

static const char *const cond_names[] = {
    [TCG_COND_NEVER] = "never", [TCG_COND_ALWAYS] = "always", [TCG_COND_EQ] = "eq",
    [TCG_COND_NE] = "ne",       [TCG_COND_LT] = "lt",         [TCG_COND_GE] = "ge",
    [TCG_COND_LE] = "le",       [TCG_COND_GT] = "gt",         [TCG_COND_LTU] = "ltu",
    [TCG_COND_GEU] = "geu",     [TCG_COND_LEU] = "leu",       [TCG_COND_GTU] = "gtu",
};

static void dump_temp(TCGContext *s, GString *out, TCGArg idx)
{
    const TCGTemp *t = &s->temps[idx];

    switch (t->kind) {
    case TEMP_GLOBAL:
        g_string_append(out, t->name);
        break;
    case TEMP_CONST:
        g_string_append_printf(out, "$0x%" PRIx64, (uint64_t)t->val);
        break;
    case TEMP_LOCAL:
        g_string_append_printf(out, "tmp%d", (int)idx - s->nb_globals);
        break;
    }
}

void tcg_dump_ops(TCGContext *s, GString *out)
{
    for (int i = 0; i < s->nb_ops; i++) {
        const TCGOp *op = &s->ops[i];
        const TCGOpDef *def = &tcg_op_defs[op->opc];
        int nout = op->opc == INDEX_op_call ? op->call_oargs : def->nb_oargs;
        int nin = op->opc == INDEX_op_call ? op->call_iargs : def->nb_iargs;
        int k = 0;

        if (op->opc == INDEX_op_insn_start) {
            g_string_append_printf(out, " ---- %016" PRIx64 "\n", (uint64_t)op->args[0]);
            continue;
        }
        g_string_append_printf(out, " %s%s ", def->name,
                               op->type == TCG_TYPE_I32 ? "_i32" : "");
        for (; k < nout + nin; k++) {
            if (k) {
                g_string_append(out, ",");
            }
            dump_temp(s, out, op->args[k]);
        }
        switch (op->opc) {
        case INDEX_op_setcond:
        case INDEX_op_movcond:
            g_string_append_printf(out, ",%s", cond_names[op->args[k]]);
            break;
        case INDEX_op_brcond:
            g_string_append_printf(out, ",%s,$L%d", cond_names[op->args[k]], (int)op->args[k + 1]);
            break;
        case INDEX_op_br:
        case INDEX_op_set_label:
            g_string_append_printf(out, "$L%d", (int)op->args[0]);
            break;
        case INDEX_op_call:
            g_string_append_printf(out, " fn=%p flags=0x%x", (void *)op->args[k],
                                   (unsigned)op->args[k + 1]);
            break;
        default:
            for (int c = 0; c < def->nb_cargs; c++) {
                g_string_append_printf(out, "%s$0x%" PRIx64, k + c ? "," : "",
                                       (uint64_t)op->args[k + c]);
            }
        }
        g_string_append_c(out, '\n');
    }
}
