/*
 * The IR interpreter backend (-accel tcg,backend=interp): the optimized ops of a
 * TB are copied into the code buffer as a compact program and executed by a
 * switch loop. Slower than generated code, but simple, portable and the
 * reference the x86-64 backend is tested against.
 */
#include "tcg/tcg-backend.h"
#include "accel/tcg/cpu-ops.h"

__thread bool tcg_interp_active;
__thread uint64_t tcg_interp_pc;

typedef struct InterpTemp {
    uint8_t kind; /* TCGTempKind */
    uint8_t type;
    int64_t val;         /* constants */
    intptr_t env_offset; /* globals */
} InterpTemp;

typedef struct InterpProgram {
    TranslationBlock *tb;
    int nb_ops;
    int nb_temps;
    int nb_labels;
    TCGOp *ops;
    InterpTemp *temps;
    int *label_pos; /* op index of each label */
} InterpProgram;

static void *bump(uint8_t **p, size_t len, uint8_t *end)
{
    void *r = (void *)ROUND_UP((uintptr_t)*p, (uintptr_t)16);

    if ((uint8_t *)r + len > end) {
        return NULL;
    }
    *p = (uint8_t *)r + len;
    return r;
}

static ssize_t interp_gen_code(TCGContext *s, TranslationBlock *tb, uint8_t *buf_rw,
                               uint8_t *buf_rx, size_t avail)
{
    uint8_t *p = buf_rw, *end = buf_rw + avail;
    ptrdiff_t rx_delta = buf_rx - buf_rw;
    InterpProgram *prog = bump(&p, sizeof(*prog), end);
    TCGOp *ops = bump(&p, s->nb_ops * sizeof(TCGOp), end);
    InterpTemp *temps = bump(&p, s->nb_temps * sizeof(InterpTemp), end);
    int *labels = bump(&p, (s->nb_labels + 1) * sizeof(int), end);
    int insn = 0;

    if (!prog || !ops || !temps || !labels) {
        return -1;
    }
    memcpy(ops, s->ops, s->nb_ops * sizeof(TCGOp));
    for (int t = 0; t < s->nb_temps; t++) {
        temps[t] = (InterpTemp){.kind = s->temps[t].kind, .type = s->temps[t].type,
                                .val = s->temps[t].val, .env_offset = s->temps[t].env_offset};
    }
    for (int i = 0; i < s->nb_ops; i++) {
        if (ops[i].opc == INDEX_op_set_label) {
            labels[ops[i].args[0]] = i;
        } else if (ops[i].opc == INDEX_op_insn_start && insn < tb->icount) {
            tb->insn_host_end[insn++] = i;
        }
    }
    *prog = (InterpProgram){
        .tb = tb,
        .nb_ops = s->nb_ops,
        .nb_temps = s->nb_temps,
        .nb_labels = s->nb_labels,
        .ops = (TCGOp *)((uint8_t *)ops + rx_delta),
        .temps = (InterpTemp *)((uint8_t *)temps + rx_delta),
        .label_pos = (int *)((uint8_t *)labels + rx_delta),
    };
    tb->tc_ptr = (uint8_t *)prog + rx_delta;
    tb->tc_size = p - buf_rw;
    return p - buf_rw;
}

typedef struct InterpFrame {
    uint8_t *env;
    const InterpTemp *temps;
    uint64_t vals[TCG_MAX_TEMPS];
} InterpFrame;

static uint64_t rd(InterpFrame *f, TCGArg t)
{
    const InterpTemp *tp = &f->temps[t];

    switch (tp->kind) {
    case TEMP_CONST:
        return tp->val;
    case TEMP_GLOBAL:
        if (tp->type == TCG_TYPE_I32) {
            return (uint64_t)(int64_t) * (int32_t *)(f->env + tp->env_offset);
        }
        return *(uint64_t *)(f->env + tp->env_offset);
    default:
        return f->vals[t];
    }
}

static void wr(InterpFrame *f, TCGArg t, TCGType type, uint64_t v)
{
    const InterpTemp *tp = &f->temps[t];

    if (type == TCG_TYPE_I32) {
        v = (uint64_t)(int64_t)(int32_t)v;
    }
    if (tp->kind == TEMP_GLOBAL) {
        if (tp->type == TCG_TYPE_I32) {
            *(int32_t *)(f->env + tp->env_offset) = (int32_t)v;
        } else {
            *(uint64_t *)(f->env + tp->env_offset) = v;
        }
    } else {
        f->vals[t] = v;
    }
}

static uint64_t load_env(const uint8_t *p, unsigned memop)
{
    switch (memop) {
    case MO_UB: return *(const uint8_t *)p;
    case MO_SB: return (int64_t) * (const int8_t *)p;
    case MO_UW: return *(const uint16_t *)p;
    case MO_SW: return (int64_t) * (const int16_t *)p;
    case MO_UL: return *(const uint32_t *)p;
    case MO_SL: return (int64_t) * (const int32_t *)p;
    default: return *(const uint64_t *)p;
    }
}

static void store_env(uint8_t *p, unsigned size, uint64_t v)
{
    switch (size & MO_SIZE) {
    case MO_8: *(uint8_t *)p = v; break;
    case MO_16: *(uint16_t *)p = v; break;
    case MO_32: *(uint32_t *)p = v; break;
    default: *(uint64_t *)p = v; break;
    }
}

static uint64_t mul_high(uint64_t a, uint64_t b, bool is_signed)
{
    if (is_signed) {
        return (uint64_t)(((__int128)(int64_t)a * (int64_t)b) >> 64);
    }
    return (uint64_t)(((unsigned __int128)a * b) >> 64);
}

/* The value of one ALU op; 32-bit ops compute on the low halves. */
static uint64_t alu(TCGOpcode opc, TCGType type, uint64_t a, uint64_t b)
{
    unsigned bits = type == TCG_TYPE_I32 ? 32 : 64;
    unsigned sh = b & (bits - 1);

    if (type == TCG_TYPE_I32) {
        a = (uint32_t)a;
        b = (uint32_t)b;
    }
    switch (opc) {
    case INDEX_op_add: return a + b;
    case INDEX_op_sub: return a - b;
    case INDEX_op_mul: return a * b;
    case INDEX_op_mulsh:
        return bits == 32 ? (uint64_t)(((int64_t)(int32_t)a * (int32_t)b) >> 32)
                          : mul_high(a, b, true);
    case INDEX_op_muluh: return bits == 32 ? (a * b) >> 32 : mul_high(a, b, false);
    case INDEX_op_and: return a & b;
    case INDEX_op_or: return a | b;
    case INDEX_op_xor: return a ^ b;
    case INDEX_op_shl: return a << sh;
    case INDEX_op_shr: return a >> sh;
    case INDEX_op_sar:
        return bits == 32 ? (uint64_t)((int32_t)a >> sh) : (uint64_t)((int64_t)a >> sh);
    case INDEX_op_rotl:
        return sh ? (a << sh) | (a >> (bits - sh)) : a;
    case INDEX_op_rotr:
        return sh ? (a >> sh) | (a << (bits - sh)) : a;
    case INDEX_op_neg: return -a;
    case INDEX_op_not: return ~a;
    case INDEX_op_ext8s: return (int8_t)a;
    case INDEX_op_ext8u: return (uint8_t)a;
    case INDEX_op_ext16s: return (int16_t)a;
    case INDEX_op_ext16u: return (uint16_t)a;
    case INDEX_op_ext32s: return (int32_t)a;
    case INDEX_op_ext32u: return (uint32_t)a;
    default: g_assert_not_reached();
    }
}

typedef uint64_t (*Helper5)(void *, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

static uintptr_t interp_exec(void *env, TranslationBlock *tb)
{
    InterpFrame *f = g_alloca(sizeof(InterpFrame));

    f->env = env;
    tcg_interp_active = true;
next_tb:
    if (unlikely(__atomic_load_n(&((CPUState *)env)->exit_request, __ATOMIC_RELAXED))) {
        tcg_interp_active = false;
        return (uintptr_t)tb | TB_EXIT_REQUESTED;
    }
    {
        const InterpProgram *prog = tb->tc_ptr;
        f->temps = prog->temps;
        for (int pc = 0; pc < prog->nb_ops; pc++) {
            const TCGOp *op = &prog->ops[pc];
            const TCGArg *a = op->args;

            switch (op->opc) {
            case INDEX_op_nop:
            case INDEX_op_discard:
            case INDEX_op_set_label:
                break;
            case INDEX_op_insn_start:
                tcg_interp_pc = a[0];
                break;
            case INDEX_op_mov:
                wr(f, a[0], op->type, rd(f, a[1]));
                break;
            case INDEX_op_movi:
                wr(f, a[0], op->type, a[1]);
                break;
            case INDEX_op_neg:
            case INDEX_op_not:
            case INDEX_op_ext8s:
            case INDEX_op_ext8u:
            case INDEX_op_ext16s:
            case INDEX_op_ext16u:
            case INDEX_op_ext32s:
            case INDEX_op_ext32u:
                wr(f, a[0], op->type, alu(op->opc, op->type, rd(f, a[1]), 0));
                break;
            case INDEX_op_setcond: {
                uint64_t x = rd(f, a[1]), y = rd(f, a[2]);
                if (op->type == TCG_TYPE_I32) {
                    x = (int64_t)(int32_t)x, y = (int64_t)(int32_t)y;
                }
                wr(f, a[0], op->type, tcg_cond_eval(a[3], x, y));
                break;
            }
            case INDEX_op_movcond: {
                uint64_t x = rd(f, a[1]), y = rd(f, a[2]);
                if (op->type == TCG_TYPE_I32) {
                    x = (int64_t)(int32_t)x, y = (int64_t)(int32_t)y;
                }
                wr(f, a[0], op->type, tcg_cond_eval(a[5], x, y) ? rd(f, a[3]) : rd(f, a[4]));
                break;
            }
            case INDEX_op_br:
                pc = prog->label_pos[a[0]];
                break;
            case INDEX_op_brcond: {
                uint64_t x = rd(f, a[0]), y = rd(f, a[1]);
                if (op->type == TCG_TYPE_I32) {
                    x = (int64_t)(int32_t)x, y = (int64_t)(int32_t)y;
                }
                if (tcg_cond_eval(a[2], x, y)) {
                    pc = prog->label_pos[a[3]];
                }
                break;
            }
            case INDEX_op_ld:
                wr(f, a[0], op->type, load_env(f->env + (intptr_t)a[1], a[2]));
                break;
            case INDEX_op_st:
                store_env(f->env + (intptr_t)a[1], a[2], rd(f, a[0]));
                break;
            case INDEX_op_qemu_ld:
                wr(f, a[0], op->type,
                   helper_qemu_ld(env, rd(f, a[1]), (uint32_t)(a[2] | (a[3] << 8)), 0));
                break;
            case INDEX_op_qemu_st:
                helper_qemu_st(env, rd(f, a[1]), rd(f, a[0]), (uint32_t)(a[2] | (a[3] << 8)), 0);
                break;
            case INDEX_op_call: {
                uint64_t in[TCG_MAX_CALL_ARGS - 1] = {0};
                int k = op->call_oargs;
                Helper5 fn;
                uint64_t r;

                for (int i = 0; i < op->call_iargs; i++) {
                    in[i] = rd(f, a[k + i]);
                }
                fn = (Helper5)a[k + op->call_iargs];
                r = fn(env, in[0], in[1], in[2], in[3], in[4]);
                if (op->call_oargs) {
                    wr(f, a[0], TCG_TYPE_I64, r);
                }
                break;
            }
            case INDEX_op_mb:
                __atomic_thread_fence(__ATOMIC_SEQ_CST);
                break;
            case INDEX_op_goto_tb: {
                TranslationBlock *dest = __atomic_load_n(&tb->jmp_dest[a[0]], __ATOMIC_ACQUIRE);
                if (dest) {
                    tb = dest;
                    goto next_tb;
                }
                break;
            }
            case INDEX_op_exit_tb:
                tcg_interp_active = false;
                return a[0];
            case INDEX_op_goto_ptr: {
                const InterpProgram *next = helper_lookup_tb_ptr(env);
                if (next) {
                    tb = next->tb;
                    goto next_tb;
                }
                tcg_interp_active = false;
                return (uintptr_t)tb | TB_EXIT_NOCHAIN;
            }
            default:
                wr(f, a[0], op->type, alu(op->opc, op->type, rd(f, a[1]), rd(f, a[2])));
                break;
            }
        }
    }
    tcg_interp_active = false;
    return (uintptr_t)tb | TB_EXIT_NOCHAIN;
}

static void interp_set_jump(TranslationBlock *tb, int n, TranslationBlock *dest)
{
    __atomic_store_n(&tb->jmp_dest[n], dest, __ATOMIC_RELEASE);
}

static ssize_t interp_gen_prologue(uint8_t *buf_rw, uint8_t *buf_rx, size_t avail)
{
    return 0;
}

const TCGBackend tcg_backend_interp = {
    .name = "interp",
    .gen_code = interp_gen_code,
    .exec = interp_exec,
    .set_jump = interp_set_jump,
    .gen_prologue = interp_gen_prologue,
};
