/*
 * The x86-64 host code generator: turns one TB's optimized IR (include/tcg/tcg.h)
 * into machine code in the dual-mapped code buffer.
 *
 * Frame. The prologue (made once) pushes the callee-saved registers, keeps env
 * in rbp for the whole run, reserves a frame (local temps' spill slots, a save
 * area for the memory slow paths) that keeps rsp 16-byte aligned at every call,
 * and jumps to the TB. TBs leave through the epilogue with
 * (tb | TB_EXIT_*) in rax, or jump straight into each other (chaining, goto_ptr).
 *
 * Register allocation is one forward pass over the ops. Each temp is dead, in a
 * register, in memory (a global's env field or a local's stack slot) or a known
 * constant; "coherent" says whether its memory copy is current. Globals stay in
 * registers across instructions and are written back only where the value in
 * env must be current: helper calls (as their flags require), branches, TB
 * exits, and the out-of-line slow path of a guest memory access (the inline
 * TLB-hit path has no stores). At every label all registers are forgotten, so
 * at every branch and before every label all dirty temps are written back.
 * The liveness bits free a local's register at its last use, and let the
 * output take over a dying input's register (x86's two-address forms).
 *
 * Guest memory: the softmmu hit path is inline (index, compare with the
 * entry's tag, add addend, access); misses, MMIO, misaligned and flagged pages
 * branch to a stub at the end of the TB that writes back dirty globals, saves
 * the caller-saved registers in use, calls helper_qemu_ld/st and jumps back.
 *
 * r11 is the code generator's scratch register and is never allocated.
 */
#include "tcg/tcg-backend.h"
#include "tcg/x86_64/emit.h"

#include <stddef.h>

#define REG_ENV RBP
#define REG_TMP R11

/* Callee-saved registers first: values there survive helper calls. */
static const int8_t alloc_order[] = {
    RBX, R12, R13, R14, R15, R10, R9, R8, RDI, RSI, RDX, RCX, RAX,
};
#define REGS_CALLER_SAVED                                                                          \
    ((1u << RAX) | (1u << RCX) | (1u << RDX) | (1u << RSI) | (1u << RDI) | (1u << R8) |            \
     (1u << R9) | (1u << R10) | (1u << R11))
#define REGS_CALLEE_ALLOC ((1u << RBX) | (1u << R12) | (1u << R13) | (1u << R14) | (1u << R15))
#define REGS_RESERVED ((1u << RSP) | (1u << RBP) | (1u << R11))

static const int8_t call_arg_regs[] = {RDI, RSI, RDX, RCX, R8, R9};

/* Frame: local spill slots, then a save area of one slot per register. */
#define FRAME_SLOTS_OFF 0
#define FRAME_SAVE_OFF (FRAME_SLOTS_OFF + TCG_MAX_TEMPS * 8)
#define FRAME_SIZE (FRAME_SAVE_OFF + 16 * 8 + 8) /* +8: 6 pushes + return address */
_Static_assert((FRAME_SIZE + 7 * 8) % 16 == 0, "rsp must stay 16-byte aligned in TBs");

/* Where the prologue lives (rx addresses) and the rw-rx distance of the buffer. */
static uintptr_t prologue_rx;
static uintptr_t epilogue_rx;
static ptrdiff_t code_rw_minus_rx;

enum { LOC_DEAD, LOC_REG, LOC_MEM, LOC_CONST };

typedef struct TempState {
    uint8_t loc;
    int8_t reg;
    bool coherent; /* the memory copy (env field / stack slot) holds the value */
    int64_t cval;  /* LOC_CONST value (and always a TEMP_CONST's value) */
} TempState;

/* A dirty global to write back in a slow path: from reg, or cval if reg < 0. */
typedef struct SyncEntry {
    int16_t temp;
    int8_t reg;
    int64_t cval;
} SyncEntry;

typedef struct SlowPath {
    bool is_store;
    bool w; /* the load's type is I64 */
    bool val_is_const;
    uint32_t memop;
    uint32_t mmu_idx;
    int8_t addr_reg;
    int8_t val_reg; /* load: the output register; store: the value register */
    int64_t val_const;
    uint32_t jcc_pos;    /* the jne's displacement */
    uint32_t done_pos;   /* where the fast path continues */
    uint32_t access_pos; /* the inline access, for the retaddr */
    uint32_t save_mask;  /* caller-saved registers live across the helper call */
    uint32_t sync_start, sync_count;
} SlowPath;

typedef struct LabelReloc {
    uint32_t pos;
    uint32_t label;
} LabelReloc;

typedef struct X86Gen {
    TCGContext *s;
    TranslationBlock *tb;
    X86Buf b;
    TempState ts[TCG_MAX_TEMPS];
    int16_t reg_temp[16]; /* temp held by each register, -1 if none */
    uint32_t locked;      /* registers the current op is using */
    bool unreachable;     /* after an unconditional exit, until the next label */
    int insn;             /* guest instructions seen */
    uint32_t label_pos[TCG_MAX_LABELS];
    bool label_set[TCG_MAX_LABELS];
    LabelReloc *relocs;
    size_t nb_relocs, cap_relocs;
    SlowPath *slow;
    size_t nb_slow, cap_slow;
    SyncEntry *syncs;
    size_t nb_syncs, cap_syncs;
} X86Gen;

static __thread X86Gen *x86_gen_state;

#define GROW(g, arr, nb, cap)                                                                      \
    do {                                                                                           \
        if ((g)->nb >= (g)->cap) {                                                                 \
            (g)->cap = (g)->cap ? (g)->cap * 2 : 64;                                               \
            (g)->arr = g_realloc_n((g)->arr, (g)->cap, sizeof(*(g)->arr));                         \
        }                                                                                          \
    } while (0)

/* ---- temps and registers ---- */

static inline TCGTemp *temp_of(X86Gen *g, int t)
{
    return &g->s->temps[t];
}

static inline bool is_global(X86Gen *g, int t)
{
    return temp_of(g, t)->kind == TEMP_GLOBAL;
}

static inline bool is_const(X86Gen *g, int t)
{
    return temp_of(g, t)->kind == TEMP_CONST;
}

/* The memory home of a global or local: base register and displacement. */
static void temp_home(X86Gen *g, int t, int *base, int32_t *disp)
{
    TCGTemp *tp = temp_of(g, t);

    if (tp->kind == TEMP_GLOBAL) {
        *base = REG_ENV;
        *disp = (int32_t)tp->env_offset;
    } else {
        *base = RSP;
        *disp = FRAME_SLOTS_OFF + 8 * (t - g->s->nb_globals);
    }
}

static bool temp_is_32(X86Gen *g, int t)
{
    TCGTemp *tp = temp_of(g, t);

    return tp->kind == TEMP_GLOBAL && tp->type == TCG_TYPE_I32;
}

static void temp_store_reg(X86Gen *g, int t, int r)
{
    int base;
    int32_t disp;

    temp_home(g, t, &base, &disp);
    x86_rm(&g->b, 0x89 | wflag(!temp_is_32(g, t)), r, base, -1, 0, disp);
}

static void temp_store_const(X86Gen *g, int t, int64_t v)
{
    int base;
    int32_t disp;
    bool w = !temp_is_32(g, t);

    temp_home(g, t, &base, &disp);
    if (!w || fits_i32(v)) {
        x86_rm(&g->b, 0xc7 | wflag(w), 0, base, -1, 0, disp);
        x86_u32(&g->b, (uint32_t)v);
    } else {
        x86_movi_keepflags(&g->b, true, REG_TMP, v);
        x86_rm(&g->b, 0x89 | P_W, REG_TMP, base, -1, 0, disp);
    }
}

static void temp_load_reg(X86Gen *g, int t, int r)
{
    int base;
    int32_t disp;

    temp_home(g, t, &base, &disp);
    /* I32 values live sign-extended in 64-bit registers (as in the interpreter). */
    x86_rm(&g->b, temp_is_32(g, t) ? 0x63 | P_W : 0x8b | P_W, r, base, -1, 0, disp);
}

/* Make the memory copy current. */
static void temp_sync(X86Gen *g, int t)
{
    TempState *ts = &g->ts[t];

    if (ts->coherent || is_const(g, t)) {
        return;
    }
    if (ts->loc == LOC_REG) {
        temp_store_reg(g, t, ts->reg);
    } else if (ts->loc == LOC_CONST) {
        temp_store_const(g, t, ts->cval);
    } else {
        return;
    }
    ts->coherent = true;
}

/* Take t out of its register (writing it back first if needed). */
static void temp_drop_reg(X86Gen *g, int t)
{
    TempState *ts = &g->ts[t];

    if (ts->loc != LOC_REG) {
        return;
    }
    g->reg_temp[(int)ts->reg] = -1;
    if (is_const(g, t)) {
        ts->loc = LOC_CONST;
        return;
    }
    temp_sync(g, t);
    ts->loc = LOC_MEM;
}

/* t's value is no longer needed (a local's last use). */
static void temp_dead(X86Gen *g, int t)
{
    TempState *ts = &g->ts[t];

    if (is_global(g, t)) {
        return;
    }
    if (ts->loc == LOC_REG) {
        g->reg_temp[(int)ts->reg] = -1;
    }
    if (is_const(g, t)) {
        ts->loc = LOC_CONST;
        ts->cval = temp_of(g, t)->val;
    } else {
        ts->loc = LOC_DEAD;
    }
}

static int find_free_reg(X86Gen *g, uint32_t avoid, uint32_t only)
{
    avoid |= g->locked | REGS_RESERVED;
    for (size_t i = 0; i < ARRAY_SIZE(alloc_order); i++) {
        int r = alloc_order[i];
        if (!(avoid & (1u << r)) && (only & (1u << r)) && g->reg_temp[r] < 0) {
            return r;
        }
    }
    return -1;
}

/* A register not in avoid (nor locked): a free one, or one made free by a spill. */
static int alloc_reg(X86Gen *g, uint32_t avoid)
{
    int r = find_free_reg(g, avoid, 0xffff);
    int best = -1, best_cost = 4;

    if (r >= 0) {
        return r;
    }
    avoid |= g->locked | REGS_RESERVED;
    for (int i = ARRAY_SIZE(alloc_order) - 1; i >= 0; i--) {
        int c = alloc_order[i];
        int t = g->reg_temp[c];
        int cost;
        if (avoid & (1u << c)) {
            continue;
        }
        cost = is_const(g, t) ? 0 : g->ts[t].coherent ? 1 : 2;
        if (cost < best_cost) {
            best = c;
            best_cost = cost;
        }
    }
    g_assert(best >= 0);
    temp_drop_reg(g, g->reg_temp[best]);
    return best;
}

/* Lock and return a scratch register (not bound to a temp). */
static int alloc_scratch(X86Gen *g, uint32_t avoid)
{
    int r = alloc_reg(g, avoid);

    g->locked |= 1u << r;
    return r;
}

/* Bring t into a register (locked for the current op). */
static int temp_in_reg(X86Gen *g, int t, uint32_t avoid)
{
    TempState *ts = &g->ts[t];
    int r;

    if (ts->loc == LOC_REG) {
        g->locked |= 1u << ts->reg;
        return ts->reg;
    }
    r = alloc_reg(g, avoid);
    switch (ts->loc) {
    case LOC_CONST:
        x86_movi(&g->b, true, r, ts->cval);
        break;
    case LOC_MEM:
        temp_load_reg(g, t, r);
        ts->coherent = true;
        break;
    default: /* reading an undefined local: any value will do */
        ts->coherent = true;
        break;
    }
    ts->loc = LOC_REG;
    ts->reg = r;
    g->reg_temp[r] = t;
    g->locked |= 1u << r;
    return r;
}

/* Move whatever lives in register r elsewhere (another free register or memory). */
static void evict_reg(X86Gen *g, int r)
{
    int t = g->reg_temp[r];
    int n;

    if (t < 0) {
        return;
    }
    n = find_free_reg(g, 1u << r, 0xffff);
    if (n < 0) {
        temp_drop_reg(g, t);
        return;
    }
    x86_mov_rr(&g->b, true, n, r);
    g->reg_temp[r] = -1;
    g->reg_temp[n] = t;
    g->ts[t].reg = n;
}

/* I32 results are kept sign-extended to 64 bits, the IR's canonical form. */
static void canon_i32(X86Gen *g, const TCGOp *op, int r)
{
    if (op->type == TCG_TYPE_I32) {
        x86_movsx32(&g->b, r, r);
    }
}

/* t now holds a new value in register r. */
static void set_output_reg(X86Gen *g, int t, int r)
{
    TempState *ts = &g->ts[t];

    if (ts->loc == LOC_REG && ts->reg != r) {
        g->reg_temp[(int)ts->reg] = -1;
    }
    if (g->reg_temp[r] >= 0 && g->reg_temp[r] != t) {
        temp_dead(g, g->reg_temp[r]);
        g->reg_temp[r] = -1;
    }
    ts->loc = LOC_REG;
    ts->reg = r;
    ts->coherent = false;
    g->reg_temp[r] = t;
}

static void set_output_const(X86Gen *g, int t, int64_t v)
{
    TempState *ts = &g->ts[t];

    if (ts->loc == LOC_REG) {
        g->reg_temp[(int)ts->reg] = -1;
    }
    ts->loc = LOC_CONST;
    ts->cval = v;
    ts->coherent = false;
}

/* Write back every dirty global (and, if locals, every dirty local). */
static void sync_temps(X86Gen *g, bool locals)
{
    int n = locals ? g->s->nb_temps : g->s->nb_globals;

    for (int t = 0; t < n; t++) {
        if (g->ts[t].loc != LOC_DEAD) {
            temp_sync(g, t);
        }
    }
}

/* Take all globals out of registers (after syncing them). */
static void forget_globals(X86Gen *g)
{
    for (int t = 0; t < g->s->nb_globals; t++) {
        TempState *ts = &g->ts[t];
        temp_sync(g, t);
        if (ts->loc == LOC_REG) {
            g->reg_temp[(int)ts->reg] = -1;
        }
        ts->loc = LOC_MEM;
        ts->coherent = true;
    }
}

/* State at a label (or after an exit): everything lives in memory. */
static void forget_all(X86Gen *g)
{
    for (int t = 0; t < g->s->nb_temps; t++) {
        TempState *ts = &g->ts[t];
        if (is_const(g, t)) {
            ts->loc = LOC_CONST;
            ts->cval = temp_of(g, t)->val;
        } else {
            ts->loc = LOC_MEM;
        }
        ts->coherent = true;
    }
    for (int r = 0; r < 16; r++) {
        g->reg_temp[r] = -1;
    }
}

/* Is input i of op (temp t) dead after this op, for register reuse? */
static bool input_dies(X86Gen *g, const TCGOp *op, int i, int t)
{
    return (op->life >> i & 1) && !is_global(g, t);
}

/* Free the registers of inputs whose last use this is. */
static void free_dead_inputs(X86Gen *g, const TCGOp *op, int first, int n)
{
    for (int i = 0; i < n; i++) {
        int t = (int)op->args[first + i];
        if (op->life >> i & 1) {
            temp_dead(g, t);
        }
    }
}

/* Constant value of t if it is a known constant. */
static bool temp_const(X86Gen *g, int t, int64_t *v)
{
    if (g->ts[t].loc == LOC_CONST || is_const(g, t)) {
        *v = is_const(g, t) ? temp_of(g, t)->val : g->ts[t].cval;
        return true;
    }
    return false;
}

/* Constant usable as an instruction immediate for an op of width w. */
static bool temp_imm32(X86Gen *g, int t, bool w, int32_t *imm)
{
    int64_t v;

    if (!temp_const(g, t, &v)) {
        return false;
    }
    if (!w) {
        *imm = (int32_t)v;
        return true;
    }
    if (!fits_i32(v)) {
        return false;
    }
    *imm = (int32_t)v;
    return true;
}

/* ---- integer ops ---- */

static int cond_cc(TCGCond c)
{
    switch (c) {
    case TCG_COND_EQ:
        return CC_E;
    case TCG_COND_NE:
        return CC_NE;
    case TCG_COND_LT:
        return CC_L;
    case TCG_COND_GE:
        return CC_GE;
    case TCG_COND_LE:
        return CC_LE;
    case TCG_COND_GT:
        return CC_G;
    case TCG_COND_LTU:
        return CC_B;
    case TCG_COND_GEU:
        return CC_AE;
    case TCG_COND_LEU:
        return CC_BE;
    case TCG_COND_GTU:
        return CC_A;
    default:
        g_assert_not_reached();
    }
}

/* The condition with its operands exchanged: (a c b) == (b swap(c) a). */
static TCGCond cond_swap(TCGCond c)
{
    switch (c) {
    case TCG_COND_LT:
        return TCG_COND_GT;
    case TCG_COND_GT:
        return TCG_COND_LT;
    case TCG_COND_LE:
        return TCG_COND_GE;
    case TCG_COND_GE:
        return TCG_COND_LE;
    case TCG_COND_LTU:
        return TCG_COND_GTU;
    case TCG_COND_GTU:
        return TCG_COND_LTU;
    case TCG_COND_LEU:
        return TCG_COND_GEU;
    case TCG_COND_GEU:
        return TCG_COND_LEU;
    default:
        return c;
    }
}

static int cc_invert(int cc)
{
    return cc ^ 1;
}

/*
 * Load the operands of a comparison into registers (b may stay an immediate).
 * Emits nothing that sets flags; returns the x86 condition after emit_cmp.
 */
typedef struct CmpArgs {
    int ra, rb;
    bool b_imm;
    int32_t imm;
    int cc;
} CmpArgs;

static void prepare_cmp(X86Gen *g, bool w, TCGCond c, int ta, int tb, CmpArgs *ca)
{
    int32_t imm;

    if (!temp_imm32(g, tb, w, &imm) && temp_imm32(g, ta, w, &imm)) {
        int x = ta;
        ta = tb;
        tb = x;
        c = cond_swap(c);
    }
    ca->ra = temp_in_reg(g, ta, 0);
    ca->b_imm = temp_imm32(g, tb, w, &ca->imm);
    ca->rb = ca->b_imm ? -1 : temp_in_reg(g, tb, 0);
    ca->cc = cond_cc(c);
}

static void emit_cmp(X86Gen *g, bool w, const CmpArgs *ca)
{
    if (!ca->b_imm) {
        x86_alu_rr(&g->b, ALU_CMP, w, ca->ra, ca->rb);
    } else if (ca->imm == 0) {
        x86_rr(&g->b, 0x85 | wflag(w), ca->ra, ca->ra); /* test: same flags for a - 0 */
    } else {
        x86_alu_ri(&g->b, ALU_CMP, w, ca->ra, ca->imm);
    }
}

/*
 * Output register for a two-address op whose first operand is in ra: ra itself
 * when input ia's temp dies here or is the output; otherwise a fresh register.
 */
static bool can_clobber(X86Gen *g, const TCGOp *op, int i)
{
    int t = (int)op->args[1 + i];
    int to = (int)op->args[0];

    return t == to || input_dies(g, op, i, t) || is_const(g, t);
}

static void gen_binop(X86Gen *g, const TCGOp *op)
{
    bool w = op->type == TCG_TYPE_I64;
    int to = (int)op->args[0], ta = (int)op->args[1], tb = (int)op->args[2];
    int ia = 0, ib = 1;
    int ra, rb = -1, ro, ext;
    bool commutative = true, b_imm;
    int32_t imm = 0;
    int64_t cv;

    switch (op->opc) {
    case INDEX_op_add:
        ext = ALU_ADD;
        break;
    case INDEX_op_sub:
        ext = ALU_SUB;
        commutative = false;
        break;
    case INDEX_op_and:
        ext = ALU_AND;
        break;
    case INDEX_op_or:
        ext = ALU_OR;
        break;
    case INDEX_op_xor:
        ext = ALU_XOR;
        break;
    default: /* mul */
        ext = -1;
        break;
    }

    if (commutative && !temp_imm32(g, tb, w, &imm) && temp_imm32(g, ta, w, &imm)) {
        int x = ta;
        ta = tb;
        tb = x;
        ia = 1;
        ib = 0;
    }
    b_imm = temp_imm32(g, tb, w, &imm);
    if (ext == ALU_SUB && b_imm && imm != INT32_MIN) {
        ext = ALU_ADD;
        imm = -imm;
    }

    if (ext == ALU_AND && temp_const(g, tb, &cv) &&
        (cv == 0xff || cv == 0xffff || (w && cv == 0xffffffff) || (w ? cv : (int32_t)cv) == -1)) {
        /* masks that are zero-extensions (or nothing): movzx / mov r32 */
        ra = temp_in_reg(g, ta, 0);
        ro = can_clobber(g, op, ia) ? ra : alloc_reg(g, 0);
        if (cv == 0xff) {
            x86_movzx8(&g->b, ro, ra);
        } else if (cv == 0xffff) {
            x86_movzx16(&g->b, ro, ra);
        } else if (w && cv == 0xffffffff) {
            x86_rr(&g->b, 0x8b, ro, ra);
        } else {
            x86_mov_rr(&g->b, w, ro, ra);
        }
        goto done;
    }

    ra = temp_in_reg(g, ta, 0);
    if (!b_imm) {
        rb = temp_in_reg(g, tb, 0);
    }

    if (ext < 0 && b_imm) {
        /* imul r, r/m, imm: three-address */
        ro = can_clobber(g, op, ia) ? ra : alloc_reg(g, 0);
        if (fits_i8(imm)) {
            x86_rr(&g->b, 0x6b | wflag(w), ro, ra);
            x86_byte(&g->b, (uint8_t)imm);
        } else {
            x86_rr(&g->b, 0x69 | wflag(w), ro, ra);
            x86_u32(&g->b, (uint32_t)imm);
        }
        goto done;
    }

    if (can_clobber(g, op, ia)) {
        ro = ra;
    } else if (commutative && !b_imm && can_clobber(g, op, ib)) {
        ro = rb;
        rb = ra;
    } else if (ext == ALU_ADD) {
        /* three-address add */
        ro = alloc_reg(g, 0);
        if (b_imm) {
            x86_lea(&g->b, w, ro, ra, -1, 0, imm);
        } else {
            x86_lea(&g->b, w, ro, ra, rb, 0, 0);
        }
        goto done;
    } else {
        ro = alloc_reg(g, 0);
        x86_mov_rr(&g->b, w, ro, ra);
    }

    if (ext < 0) {
        x86_rr(&g->b, 0xaf | P_0F | wflag(w), ro, rb);
    } else if (b_imm) {
        if (ext == ALU_ADD && imm == 0) {
            /* nothing */
        } else {
            x86_alu_ri(&g->b, ext, w, ro, imm);
        }
    } else {
        x86_alu_rr(&g->b, ext, w, ro, rb);
    }
done:
    canon_i32(g, op, ro);
    g->locked |= 1u << ro;
    free_dead_inputs(g, op, 1, 2);
    set_output_reg(g, to, ro);
}

static void gen_shift(X86Gen *g, const TCGOp *op)
{
    bool w = op->type == TCG_TYPE_I64;
    int to = (int)op->args[0], ta = (int)op->args[1], tc = (int)op->args[2];
    int ext, ra, ro;
    int64_t n;

    switch (op->opc) {
    case INDEX_op_shl:
        ext = SH_SHL;
        break;
    case INDEX_op_shr:
        ext = SH_SHR;
        break;
    case INDEX_op_sar:
        ext = SH_SAR;
        break;
    case INDEX_op_rotl:
        ext = SH_ROL;
        break;
    default:
        ext = SH_ROR;
        break;
    }

    if (temp_const(g, tc, &n)) {
        n &= w ? 63 : 31;
        ra = temp_in_reg(g, ta, 0);
        if (ext == SH_SHL && n == 1 && !can_clobber(g, op, 0)) {
            ro = alloc_reg(g, 0);
            x86_lea(&g->b, w, ro, ra, ra, 0, 0); /* three-address a << 1 */
            goto done;
        }
        ro = can_clobber(g, op, 0) ? ra : alloc_reg(g, 0);
        x86_mov_rr(&g->b, w, ro, ra);
        if (n) {
            x86_shift_ri(&g->b, ext, w, ro, (int)n);
        }
        goto done;
    }

    /* Variable count: it must be in cl. */
    evict_reg(g, RCX);
    g->locked |= 1u << RCX;
    if (g->ts[tc].loc == LOC_REG) {
        x86_mov_rr(&g->b, false, RCX, g->ts[tc].reg);
    } else if (g->ts[tc].loc == LOC_MEM) {
        temp_load_reg(g, tc, RCX);
    }
    ra = temp_in_reg(g, ta, 0);
    ro = can_clobber(g, op, 0) ? ra : alloc_reg(g, 0);
    x86_mov_rr(&g->b, w, ro, ra);
    x86_shift_cl(&g->b, ext, w, ro);
done:
    canon_i32(g, op, ro);
    g->locked |= 1u << ro;
    free_dead_inputs(g, op, 1, 2);
    set_output_reg(g, to, ro);
}

static void gen_mulh(X86Gen *g, const TCGOp *op)
{
    bool w = op->type == TCG_TYPE_I64;
    int to = (int)op->args[0], ta = (int)op->args[1], tb = (int)op->args[2];
    int ra, rb;

    evict_reg(g, RAX);
    g->locked |= 1u << RAX;
    evict_reg(g, RDX);
    g->locked |= 1u << RDX;
    ra = temp_in_reg(g, ta, 0);
    rb = temp_in_reg(g, tb, 0);
    x86_mov_rr(&g->b, w, RAX, ra);
    x86_grp3(&g->b, op->opc == INDEX_op_mulsh ? G3_IMUL : G3_MUL, w, rb);
    canon_i32(g, op, RDX);
    free_dead_inputs(g, op, 1, 2);
    set_output_reg(g, to, RDX);
}

static void gen_unary(X86Gen *g, const TCGOp *op)
{
    bool w = op->type == TCG_TYPE_I64;
    int to = (int)op->args[0], ta = (int)op->args[1];
    int ra, ro;
    int64_t v;

    if (op->opc == INDEX_op_mov) {
        TempState *ts = &g->ts[ta];
        if (temp_const(g, ta, &v)) {
            free_dead_inputs(g, op, 1, 1);
            set_output_const(g, to, w ? v : (int64_t)(int32_t)v);
            return;
        }
        if (ts->loc == LOC_REG && can_clobber(g, op, 0) && !is_global(g, ta)) {
            /* The source dies: hand its register over. */
            ro = ts->reg;
            g->locked |= 1u << ro;
            free_dead_inputs(g, op, 1, 1);
            set_output_reg(g, to, ro);
            return;
        }
        if (ts->loc == LOC_MEM && ta != to) {
            ro = alloc_reg(g, 0);
            temp_load_reg(g, ta, ro);
            g->locked |= 1u << ro;
            free_dead_inputs(g, op, 1, 1);
            set_output_reg(g, to, ro);
            return;
        }
    }

    ra = temp_in_reg(g, ta, 0);
    switch (op->opc) {
    case INDEX_op_mov:
        ro = can_clobber(g, op, 0) ? ra : alloc_reg(g, 0);
        x86_mov_rr(&g->b, w, ro, ra);
        break;
    case INDEX_op_neg:
    case INDEX_op_not:
        ro = can_clobber(g, op, 0) ? ra : alloc_reg(g, 0);
        x86_mov_rr(&g->b, w, ro, ra);
        x86_grp3(&g->b, op->opc == INDEX_op_neg ? G3_NEG : G3_NOT, w, ro);
        break;
    default:
        ro = can_clobber(g, op, 0) ? ra : alloc_reg(g, 0);
        switch (op->opc) {
        case INDEX_op_ext8s:
            x86_movsx8(&g->b, w, ro, ra);
            break;
        case INDEX_op_ext8u:
            x86_movzx8(&g->b, ro, ra);
            break;
        case INDEX_op_ext16s:
            x86_movsx16(&g->b, w, ro, ra);
            break;
        case INDEX_op_ext16u:
            x86_movzx16(&g->b, ro, ra);
            break;
        case INDEX_op_ext32s:
            if (w) {
                x86_movsx32(&g->b, ro, ra);
            } else {
                x86_mov_rr(&g->b, false, ro, ra);
            }
            break;
        default:                         /* ext32u */
            x86_rr(&g->b, 0x8b, ro, ra); /* mov r32, r32 zero-extends, even if ro == ra */
            break;
        }
        break;
    }
    canon_i32(g, op, ro);
    g->locked |= 1u << ro;
    free_dead_inputs(g, op, 1, 1);
    set_output_reg(g, to, ro);
}

static void gen_setcond(X86Gen *g, const TCGOp *op)
{
    bool w = op->type == TCG_TYPE_I64;
    int to = (int)op->args[0];
    TCGCond c = (TCGCond)op->args[3];
    CmpArgs ca;
    int ro;

    if (c == TCG_COND_ALWAYS || c == TCG_COND_NEVER) {
        free_dead_inputs(g, op, 1, 2);
        set_output_const(g, to, c == TCG_COND_ALWAYS);
        return;
    }
    prepare_cmp(g, w, c, (int)op->args[1], (int)op->args[2], &ca);
    ro = alloc_reg(g, 0); /* distinct from the operands: zero it before the compare */
    x86_rr(&g->b, 0x33, ro, ro);
    emit_cmp(g, w, &ca);
    x86_setcc(&g->b, ca.cc, ro);
    g->locked |= 1u << ro;
    free_dead_inputs(g, op, 1, 2);
    set_output_reg(g, to, ro);
}

static void gen_movcond(X86Gen *g, const TCGOp *op)
{
    bool w = op->type == TCG_TYPE_I64;
    int to = (int)op->args[0], tt = (int)op->args[3], tf = (int)op->args[4];
    TCGCond c = (TCGCond)op->args[5];
    CmpArgs ca;
    int rt, ro, cc;
    int64_t v;
    bool invert = false;

    if (c == TCG_COND_ALWAYS || c == TCG_COND_NEVER) {
        /* a plain move of t or f */
        int src = c == TCG_COND_ALWAYS ? tt : tf;
        int r = temp_in_reg(g, src, 0);
        ro = alloc_reg(g, 0);
        x86_mov_rr(&g->b, true, ro, r);
        g->locked |= 1u << ro;
        free_dead_inputs(g, op, 1, 4);
        set_output_reg(g, to, ro);
        return;
    }
    /* ro starts as the "else" value; cmov brings in the other. */
    if (g->ts[tt].loc == LOC_REG && can_clobber(g, op, 2) && !temp_const(g, tt, &v) &&
        !(g->ts[tf].loc == LOC_REG && can_clobber(g, op, 3))) {
        int x = tt;
        tt = tf;
        tf = x;
        invert = true;
    }
    prepare_cmp(g, w, c, (int)op->args[1], (int)op->args[2], &ca);
    rt = temp_in_reg(g, tt, 0);
    if (g->ts[tf].loc == LOC_REG && (invert ? can_clobber(g, op, 2) : can_clobber(g, op, 3)) &&
        !is_const(g, tf)) {
        ro = g->ts[tf].reg;
    } else if (temp_const(g, tf, &v)) {
        ro = alloc_reg(g, 0);
        x86_movi(&g->b, w, ro, v);
    } else {
        int rf = temp_in_reg(g, tf, 0);
        ro = alloc_reg(g, 0);
        x86_mov_rr(&g->b, w, ro, rf);
    }
    g->locked |= 1u << ro;
    emit_cmp(g, w, &ca);
    cc = invert ? cc_invert(ca.cc) : ca.cc;
    x86_cmov(&g->b, cc, w, ro, rt);
    canon_i32(g, op, ro);
    free_dead_inputs(g, op, 1, 4);
    set_output_reg(g, to, ro);
}

/* ---- branches, labels, exits ---- */

static void emit_label_ref(X86Gen *g, size_t pos, uint32_t label)
{
    GROW(g, relocs, nb_relocs, cap_relocs);
    g->relocs[g->nb_relocs++] = (LabelReloc){(uint32_t)pos, label};
}

static void gen_br(X86Gen *g, uint32_t label)
{
    sync_temps(g, true);
    emit_label_ref(g, x86_jmp32(&g->b), label);
    forget_all(g);
    g->unreachable = true;
}

static void gen_brcond(X86Gen *g, const TCGOp *op)
{
    bool w = op->type == TCG_TYPE_I64;
    TCGCond c = (TCGCond)op->args[2];
    uint32_t label = (uint32_t)op->args[3];
    CmpArgs ca;

    if (c == TCG_COND_NEVER) {
        free_dead_inputs(g, op, 0, 2);
        return;
    }
    if (c == TCG_COND_ALWAYS) {
        free_dead_inputs(g, op, 0, 2);
        gen_br(g, label);
        return;
    }
    prepare_cmp(g, w, c, (int)op->args[0], (int)op->args[1], &ca);
    sync_temps(g, true);
    emit_cmp(g, w, &ca);
    emit_label_ref(g, x86_jcc32(&g->b, ca.cc), label);
    free_dead_inputs(g, op, 0, 2);
}

static void gen_set_label(X86Gen *g, uint32_t label)
{
    if (!g->unreachable) {
        sync_temps(g, true);
    }
    forget_all(g);
    g->unreachable = false;
    g_assert(label < TCG_MAX_LABELS);
    g->label_pos[label] = (uint32_t)g->b.pos;
    g->label_set[label] = true;
}

static void emit_exit(X86Gen *g, uintptr_t val)
{
    x86_movi(&g->b, true, RAX, (int64_t)val);
    x86_jmp_call_abs(&g->b, 0xe9, epilogue_rx);
}

static void gen_exit_tb(X86Gen *g, uintptr_t val)
{
    sync_temps(g, false);
    emit_exit(g, val);
    forget_all(g);
    g->unreachable = true;
}

static void gen_goto_tb(X86Gen *g, unsigned n)
{
    X86Buf *b = &g->b;

    g_assert(n < 2);
    sync_temps(g, false);
    /* Align the displacement so set_jump patches it with one atomic store. */
    while ((b->rx + b->pos + 1) % 4) {
        x86_byte(b, 0x90);
    }
    x86_byte(b, 0xe9);
    g->tb->jmp_insn_offset[n] = (uint32_t)b->pos;
    x86_u32(b, 0);
    g->tb->jmp_reset_offset[n] = (uint32_t)b->pos;
    /* Unchained, execution goes on with the next ops: the frontend's exit_tb(tb | n). */
}

static void gen_goto_ptr(X86Gen *g)
{
    size_t jz;

    sync_temps(g, false);
    x86_mov_rr(&g->b, true, RDI, REG_ENV);
    x86_jmp_call_abs(&g->b, 0xe8, (uintptr_t)helper_lookup_tb_ptr);
    x86_rr(&g->b, 0x85 | P_W, RAX, RAX);
    jz = x86_jcc32(&g->b, CC_E);
    x86_rr(&g->b, 0xff, 4, RAX); /* jmp rax */
    x86_patch_rel(&g->b, jz, g->b.pos);
    emit_exit(g, (uintptr_t)g->tb | TB_EXIT_NOCHAIN);
    forget_all(g);
    g->unreachable = true;
}

/* ---- env loads/stores ---- */

static void emit_load_ext(X86Gen *g, bool w, unsigned memop, int r, int base, int index,
                          int32_t disp)
{
    bool sign = memop & MO_SIGN;

    switch (memop & MO_SIZE) {
    case MO_8:
        x86_rm(&g->b, (sign ? 0xbe | wflag(w) : 0xb6) | P_0F, r, base, index, 0, disp);
        break;
    case MO_16:
        x86_rm(&g->b, (sign ? 0xbf | wflag(w) : 0xb7) | P_0F, r, base, index, 0, disp);
        break;
    case MO_32:
        if (sign && w) {
            x86_rm(&g->b, 0x63 | P_W, r, base, index, 0, disp);
        } else {
            x86_rm(&g->b, 0x8b, r, base, index, 0, disp);
        }
        break;
    default:
        x86_rm(&g->b, 0x8b | P_W, r, base, index, 0, disp);
        break;
    }
}

static void emit_store_sized(X86Gen *g, unsigned size, int r, int base, int index, int32_t disp)
{
    static const int opc[4] = {0x88 | P_BYTE_R, 0x89 | P_66, 0x89, 0x89 | P_W};

    x86_rm(&g->b, opc[size & 3], r, base, index, 0, disp);
}

/* Store an immediate (sign-extended for 64-bit); false if it does not fit. */
static bool emit_store_imm(X86Gen *g, unsigned size, int64_t v, int base, int index, int32_t disp)
{
    switch (size & 3) {
    case MO_8:
        x86_rm(&g->b, 0xc6, 0, base, index, 0, disp);
        x86_byte(&g->b, (uint8_t)v);
        return true;
    case MO_16:
        x86_rm(&g->b, 0xc7 | P_66, 0, base, index, 0, disp);
        x86_byte(&g->b, (uint8_t)v);
        x86_byte(&g->b, (uint8_t)(v >> 8));
        return true;
    case MO_32:
        x86_rm(&g->b, 0xc7, 0, base, index, 0, disp);
        x86_u32(&g->b, (uint32_t)v);
        return true;
    default:
        if (!fits_i32(v)) {
            return false;
        }
        x86_rm(&g->b, 0xc7 | P_W, 0, base, index, 0, disp);
        x86_u32(&g->b, (uint32_t)v);
        return true;
    }
}

static void gen_ld(X86Gen *g, const TCGOp *op)
{
    int ro = alloc_reg(g, 0);

    emit_load_ext(g, op->type == TCG_TYPE_I64, (unsigned)op->args[2], ro, REG_ENV, -1,
                  (int32_t)op->args[1]);
    canon_i32(g, op, ro);
    g->locked |= 1u << ro;
    set_output_reg(g, (int)op->args[0], ro);
}

static void gen_st(X86Gen *g, const TCGOp *op)
{
    int tv = (int)op->args[0];
    int32_t off = (int32_t)op->args[1];
    unsigned size = (unsigned)op->args[2] & MO_SIZE;
    int64_t v;

    if (!(temp_const(g, tv, &v) && emit_store_imm(g, size, v, REG_ENV, -1, off))) {
        emit_store_sized(g, size, temp_in_reg(g, tv, 0), REG_ENV, -1, off);
    }
    free_dead_inputs(g, op, 0, 1);
}

/* ---- guest memory ---- */

static void emit_bswap_sized(X86Gen *g, unsigned size, int r)
{
    if (size == MO_16) {
        x86_bswap16(&g->b, r);
    } else if (size == MO_32) {
        x86_bswap(&g->b, false, r);
    } else if (size == MO_64) {
        x86_bswap(&g->b, true, r);
    }
}

/* Extend the raw (zero-extended) loaded value in r per memop. */
static void emit_extend(X86Gen *g, bool w, unsigned memop, int d, int s)
{
    bool sign = memop & MO_SIGN;

    switch (memop & MO_SIZE) {
    case MO_8:
        sign ? x86_movsx8(&g->b, w, d, s) : x86_movzx8(&g->b, d, s);
        break;
    case MO_16:
        sign ? x86_movsx16(&g->b, w, d, s) : x86_movzx16(&g->b, d, s);
        break;
    case MO_32:
        if (sign && w) {
            x86_movsx32(&g->b, d, s);
        } else {
            x86_rr(&g->b, 0x8b, d, s);
        }
        break;
    default:
        x86_mov_rr(&g->b, w, d, s);
        break;
    }
}

/* Record the dirty globals a slow path must write back. */
static void snapshot_dirty_globals(X86Gen *g, SlowPath *sp)
{
    sp->sync_start = (uint32_t)g->nb_syncs;
    for (int t = 0; t < g->s->nb_globals; t++) {
        TempState *ts = &g->ts[t];
        if (ts->coherent || (ts->loc != LOC_REG && ts->loc != LOC_CONST)) {
            continue;
        }
        GROW(g, syncs, nb_syncs, cap_syncs);
        g->syncs[g->nb_syncs++] =
            (SyncEntry){(int16_t)t, ts->loc == LOC_REG ? ts->reg : -1, ts->cval};
    }
    sp->sync_count = (uint32_t)g->nb_syncs - sp->sync_start;
}

static uint32_t caller_saved_in_use(X86Gen *g)
{
    uint32_t m = 0;

    for (int r = 0; r < 16; r++) {
        if (g->reg_temp[r] >= 0 && (REGS_CALLER_SAVED & (1u << r))) {
            m |= 1u << r;
        }
    }
    return m;
}

/*
 * TLB lookup: r11 = the entry's offset in the table (the page number scaled by
 * the entry size, masked by the mode's current table size), scratch = the
 * address with the in-page bits cleared except the alignment bits, compared
 * with the entry's tag; jumps to the slow path on a mismatch; leaves
 * r11 = addend.
 */
static void emit_tlb_lookup(X86Gen *g, SlowPath *sp, int addr_reg, int scratch, bool is_store)
{
    X86Buf *b = &g->b;
    unsigned size = sp->memop & MO_SIZE;
    int32_t table = (int32_t)TLB_TABLE_OFFSET(sp->mmu_idx);
    int32_t tag_off =
        (int32_t)(is_store ? offsetof(CPUTLBEntry, addr_write) : offsetof(CPUTLBEntry, addr_read));

    _Static_assert(sizeof(CPUTLBEntry) == 1 << CPU_TLB_ENTRY_BITS, "entry size");
    x86_mov_rr(b, true, REG_TMP, addr_reg);
    x86_shift_ri(b, SH_SHR, true, REG_TMP, TARGET_PAGE_BITS - CPU_TLB_ENTRY_BITS);
    x86_rm(b, 0x23 | P_W, REG_TMP, REG_ENV, -1, 0, (int32_t)TLB_MASK_OFFSET(sp->mmu_idx));
    x86_mov_rr(b, true, scratch, addr_reg);
    x86_alu_ri(b, ALU_AND, true, scratch, (int32_t)(TARGET_PAGE_MASK | ((1u << size) - 1)));
    x86_rm(b, 0x3b | P_W, scratch, REG_ENV, REG_TMP, 0, table + tag_off);
    sp->jcc_pos = (uint32_t)x86_jcc32(b, CC_NE);
    x86_rm(b, 0x8b | P_W, REG_TMP, REG_ENV, REG_TMP, 0,
           table + (int32_t)offsetof(CPUTLBEntry, addend));
}

static SlowPath *new_slow_path(X86Gen *g, bool is_store, unsigned memop, unsigned mmu_idx)
{
    SlowPath *sp;

    GROW(g, slow, nb_slow, cap_slow);
    sp = &g->slow[g->nb_slow++];
    memset(sp, 0, sizeof(*sp));
    sp->is_store = is_store;
    sp->memop = memop;
    sp->mmu_idx = mmu_idx;
    return sp;
}

static void gen_qemu_ld(X86Gen *g, const TCGOp *op)
{
    bool w = op->type == TCG_TYPE_I64;
    int to = (int)op->args[0], ta = (int)op->args[1];
    unsigned memop = (unsigned)op->args[2];
    SlowPath *sp = new_slow_path(g, false, memop, (unsigned)op->args[3]);
    uint32_t avoid = 0;
    int ra, ro, scratch;
    size_t idx = g->nb_slow - 1;

    /* The output's old register keeps the old value for the slow path's write-back. */
    if (g->ts[to].loc == LOC_REG) {
        avoid |= 1u << g->ts[to].reg;
    }
    ra = temp_in_reg(g, ta, 0);
    if (input_dies(g, op, 0, ta) && ta != to) {
        ro = ra;
    } else {
        ro = alloc_scratch(g, avoid);
    }
    scratch = ro != ra ? ro : alloc_scratch(g, avoid);
    sp = &g->slow[idx];
    snapshot_dirty_globals(g, sp);
    sp = &g->slow[idx];
    sp->save_mask = caller_saved_in_use(g) & ~(1u << ro);
    sp->addr_reg = (int8_t)ra;
    sp->val_reg = (int8_t)ro;
    sp->w = w;

    emit_tlb_lookup(g, sp, ra, scratch, false);
    sp->access_pos = (uint32_t)g->b.pos;
    if ((memop & MO_BE) && (memop & MO_SIZE) != MO_8) {
        emit_load_ext(g, true, memop & MO_SIZE, ro, REG_TMP, ra, 0);
        emit_bswap_sized(g, memop & MO_SIZE, ro);
        if ((memop & MO_SIZE) != MO_64) {
            emit_extend(g, w, memop, ro, ro);
        }
    } else {
        emit_load_ext(g, w, memop, ro, REG_TMP, ra, 0);
    }
    canon_i32(g, op, ro);
    sp->done_pos = (uint32_t)g->b.pos;
    g->locked |= 1u << ro;
    free_dead_inputs(g, op, 1, 1);
    set_output_reg(g, to, ro);
}

static void gen_qemu_st(X86Gen *g, const TCGOp *op)
{
    int tv = (int)op->args[0], ta = (int)op->args[1];
    unsigned memop = (unsigned)op->args[2];
    unsigned size = memop & MO_SIZE;
    size_t idx;
    SlowPath *sp;
    int ra, rv = -1, scratch;
    int64_t v = 0;
    bool be = (memop & MO_BE) && size != MO_8;
    bool imm = !be && temp_const(g, tv, &v) && (size != MO_64 || fits_i32(v));

    sp = new_slow_path(g, true, memop, (unsigned)op->args[3]);
    idx = g->nb_slow - 1;
    ra = temp_in_reg(g, ta, 0);
    if (!imm) {
        rv = temp_in_reg(g, tv, 0);
    }
    scratch = alloc_scratch(g, 0);
    sp = &g->slow[idx];
    snapshot_dirty_globals(g, sp);
    sp = &g->slow[idx];
    sp->save_mask = caller_saved_in_use(g);
    sp->addr_reg = (int8_t)ra;
    sp->val_reg = (int8_t)rv;
    sp->val_is_const = imm;
    sp->val_const = v;

    emit_tlb_lookup(g, sp, ra, scratch, true);
    if (be) {
        x86_mov_rr(&g->b, true, scratch, rv);
        emit_bswap_sized(g, size, scratch);
        rv = scratch;
    }
    sp->access_pos = (uint32_t)g->b.pos;
    if (imm) {
        emit_store_imm(g, size, v, REG_TMP, ra, 0);
    } else {
        emit_store_sized(g, size, rv, REG_TMP, ra, 0);
    }
    sp->done_pos = (uint32_t)g->b.pos;
    free_dead_inputs(g, op, 0, 2);
}

static void emit_slow_path(X86Gen *g, const SlowPath *sp)
{
    X86Buf *b = &g->b;
    uint32_t oi = sp->memop | sp->mmu_idx << 8;
    /* Inside the access instruction: maps to this guest instruction either way round. */
    uintptr_t retaddr = b->rx + sp->access_pos + 1;

    x86_patch_rel(b, sp->jcc_pos, b->pos);
    /* The helper may raise a guest exception: env must be current. */
    for (uint32_t i = 0; i < sp->sync_count; i++) {
        const SyncEntry *e = &g->syncs[sp->sync_start + i];
        if (e->reg >= 0) {
            temp_store_reg(g, e->temp, e->reg);
        } else {
            temp_store_const(g, e->temp, e->cval);
        }
    }
    for (int r = 0; r < 16; r++) {
        if (sp->save_mask & (1u << r)) {
            x86_rm(b, 0x89 | P_W, r, RSP, -1, 0, FRAME_SAVE_OFF + 8 * r);
        }
    }
    if (sp->is_store) {
        if (!sp->val_is_const) {
            x86_mov_rr(b, true, REG_TMP, sp->val_reg);
        }
        x86_mov_rr(b, true, RSI, sp->addr_reg);
        if (sp->val_is_const) {
            x86_movi(b, true, RDX, sp->val_const);
        } else {
            x86_mov_rr(b, true, RDX, REG_TMP);
        }
        x86_movi(b, false, RCX, oi);
        x86_movi(b, true, R8, (int64_t)retaddr);
        x86_mov_rr(b, true, RDI, REG_ENV);
        x86_jmp_call_abs(b, 0xe8, (uintptr_t)helper_qemu_st);
    } else {
        x86_mov_rr(b, true, RSI, sp->addr_reg);
        x86_movi(b, false, RDX, oi);
        x86_movi(b, true, RCX, (int64_t)retaddr);
        x86_mov_rr(b, true, RDI, REG_ENV);
        x86_jmp_call_abs(b, 0xe8, (uintptr_t)helper_qemu_ld);
        emit_extend(g, sp->w, sp->memop, sp->val_reg, RAX);
        if (!sp->w) {
            x86_movsx32(b, sp->val_reg, sp->val_reg);
        }
    }
    for (int r = 0; r < 16; r++) {
        if (sp->save_mask & (1u << r)) {
            x86_rm(b, 0x8b | P_W, r, RSP, -1, 0, FRAME_SAVE_OFF + 8 * r);
        }
    }
    x86_patch_rel(b, x86_jmp32(b), sp->done_pos);
}

/* ---- helper calls ---- */

static void gen_call(X86Gen *g, const TCGOp *op)
{
    int nout = op->call_oargs, nin = op->call_iargs;
    uintptr_t fn = op->args[nout + nin];
    unsigned flags = (unsigned)op->args[nout + nin + 1];
    bool writes = !(flags & TCG_CALL_NO_WRITE_GLOBALS);
    bool reads = !(flags & TCG_CALL_NO_READ_GLOBALS);
    bool raises = !(flags & TCG_CALL_NO_EXCEPTION);
    struct {
        int dst, src;
    } moves[TCG_MAX_CALL_ARGS];
    int nmoves = 0;

    g_assert(nin < TCG_MAX_CALL_ARGS);
    if (writes) {
        forget_globals(g);
    } else if (reads || raises) {
        sync_temps(g, false);
    }

    /* Values in caller-saved registers that outlive the call move or go to memory. */
    for (int r = 0; r < 16; r++) {
        int t = g->reg_temp[r];
        bool dies = false;
        int n;
        if (t < 0 || !(REGS_CALLER_SAVED & (1u << r))) {
            continue;
        }
        for (int i = 0; i < nin; i++) {
            if ((int)op->args[nout + i] == t && input_dies(g, op, i, t)) {
                dies = true;
            }
        }
        if (dies) {
            continue;
        }
        n = is_const(g, t) ? -1 : find_free_reg(g, 0, REGS_CALLEE_ALLOC);
        if (n < 0) {
            temp_drop_reg(g, t);
            continue;
        }
        x86_mov_rr(&g->b, true, n, r);
        g->reg_temp[r] = -1;
        g->reg_temp[n] = t;
        g->ts[t].reg = n;
    }

    /* Register-to-register argument moves, as one parallel move (r11 breaks cycles). */
    for (int i = 0; i < nin; i++) {
        int t = (int)op->args[nout + i];
        if (g->ts[t].loc == LOC_REG && g->ts[t].reg != call_arg_regs[i + 1]) {
            moves[nmoves].dst = call_arg_regs[i + 1];
            moves[nmoves].src = g->ts[t].reg;
            nmoves++;
        }
    }
    while (nmoves > 0) {
        int k, j;
        for (k = 0; k < nmoves; k++) {
            for (j = 0; j < nmoves; j++) {
                if (moves[j].src == moves[k].dst) {
                    break;
                }
            }
            if (j == nmoves) {
                break;
            }
        }
        if (k == nmoves) {
            /* A cycle: park the first destination's current value in r11. */
            int d = moves[0].dst;
            x86_mov_rr(&g->b, true, REG_TMP, d);
            for (j = 0; j < nmoves; j++) {
                if (moves[j].src == d) {
                    moves[j].src = REG_TMP;
                }
            }
            k = 0;
        }
        x86_mov_rr(&g->b, true, moves[k].dst, moves[k].src);
        moves[k] = moves[--nmoves];
    }
    for (int i = 0; i < nin; i++) {
        int t = (int)op->args[nout + i];
        int d = call_arg_regs[i + 1];
        int64_t v;
        if (g->ts[t].loc == LOC_REG) {
            continue;
        }
        if (temp_const(g, t, &v)) {
            x86_movi(&g->b, true, d, v);
        } else {
            temp_load_reg(g, t, d);
        }
    }
    x86_mov_rr(&g->b, true, RDI, REG_ENV);
    x86_jmp_call_abs(&g->b, 0xe8, fn);

    free_dead_inputs(g, op, nout, nin);
    for (int r = 0; r < 16; r++) {
        if (g->reg_temp[r] >= 0 && (REGS_CALLER_SAVED & (1u << r))) {
            temp_dead(g, g->reg_temp[r]);
            g->reg_temp[r] = -1;
        }
    }
    if (nout) {
        set_output_reg(g, (int)op->args[0], RAX);
    }
}

/* ---- the per-TB driver ---- */

static void gen_op(X86Gen *g, const TCGOp *op)
{
    switch (op->opc) {
    case INDEX_op_nop:
        break;
    case INDEX_op_discard:
        temp_dead(g, (int)op->args[0]);
        break;
    case INDEX_op_br:
        gen_br(g, (uint32_t)op->args[0]);
        break;
    case INDEX_op_mov:
    case INDEX_op_neg:
    case INDEX_op_not:
    case INDEX_op_ext8s:
    case INDEX_op_ext8u:
    case INDEX_op_ext16s:
    case INDEX_op_ext16u:
    case INDEX_op_ext32s:
    case INDEX_op_ext32u:
        gen_unary(g, op);
        break;
    case INDEX_op_movi:
        set_output_const(g, (int)op->args[0],
                         op->type == TCG_TYPE_I64 ? (int64_t)op->args[1]
                                                  : (int64_t)(int32_t)op->args[1]);
        break;
    case INDEX_op_add:
    case INDEX_op_sub:
    case INDEX_op_mul:
    case INDEX_op_and:
    case INDEX_op_or:
    case INDEX_op_xor:
        gen_binop(g, op);
        break;
    case INDEX_op_mulsh:
    case INDEX_op_muluh:
        gen_mulh(g, op);
        break;
    case INDEX_op_shl:
    case INDEX_op_shr:
    case INDEX_op_sar:
    case INDEX_op_rotl:
    case INDEX_op_rotr:
        gen_shift(g, op);
        break;
    case INDEX_op_setcond:
        gen_setcond(g, op);
        break;
    case INDEX_op_movcond:
        gen_movcond(g, op);
        break;
    case INDEX_op_brcond:
        gen_brcond(g, op);
        break;
    case INDEX_op_ld:
        gen_ld(g, op);
        break;
    case INDEX_op_st:
        gen_st(g, op);
        break;
    case INDEX_op_qemu_ld:
        gen_qemu_ld(g, op);
        break;
    case INDEX_op_qemu_st:
        gen_qemu_st(g, op);
        break;
    case INDEX_op_call:
        gen_call(g, op);
        break;
    case INDEX_op_goto_tb:
        gen_goto_tb(g, (unsigned)op->args[0]);
        break;
    case INDEX_op_exit_tb:
        gen_exit_tb(g, (uintptr_t)op->args[0]);
        break;
    case INDEX_op_goto_ptr:
        gen_goto_ptr(g);
        break;
    case INDEX_op_mb:
        x86_rm(&g->b, 0x83 | P_LOCK, ALU_OR, RSP, -1, 0, 0); /* lock or dword [rsp], 0 */
        x86_byte(&g->b, 0);
        break;
    default:
        g_assert_not_reached();
    }
}

static X86Gen *gen_state(void)
{
    if (!x86_gen_state) {
        x86_gen_state = g_new0(X86Gen, 1);
    }
    return x86_gen_state;
}

static ssize_t x86_gen_code(TCGContext *s, TranslationBlock *tb, uint8_t *buf_rw, uint8_t *buf_rx,
                            size_t avail)
{
    X86Gen *g = gen_state();
    size_t exit_req_jcc, main_end;

    g->s = s;
    g->tb = tb;
    g->b = (X86Buf){buf_rw, (uintptr_t)buf_rx, 0, avail, false};
    g->nb_relocs = g->nb_slow = g->nb_syncs = 0;
    g->insn = 0;
    g->unreachable = false;
    memset(g->label_set, 0, sizeof(g->label_set));
    code_rw_minus_rx = buf_rw - buf_rx;
    forget_all(g);
    for (int t = s->nb_globals; t < s->nb_temps; t++) {
        if (!is_const(g, t)) {
            g->ts[t].loc = LOC_DEAD;
        }
    }

    /* exit_request is checked on entry, chained or not. */
    x86_rm(&g->b, 0x83, ALU_CMP, REG_ENV, -1, 0, (int32_t)ENV_EXIT_REQUEST_OFFSET);
    x86_byte(&g->b, 0);
    exit_req_jcc = x86_jcc32(&g->b, CC_NE);

    for (int i = 0; i < s->nb_ops && !g->b.overflow; i++) {
        const TCGOp *op = &s->ops[i];
        if (op->opc == INDEX_op_insn_start) {
            if (g->insn > 0 && g->insn <= tb->icount && tb->insn_host_end) {
                tb->insn_host_end[g->insn - 1] = (uint32_t)g->b.pos;
            }
            g->insn++;
            continue;
        }
        if (op->opc == INDEX_op_set_label) {
            gen_set_label(g, (uint32_t)op->args[0]);
            continue;
        }
        if (g->unreachable) {
            continue;
        }
        g->locked = 0;
        gen_op(g, op);
    }
    if (!g->unreachable) {
        /* Falling off the end: a frontend always ends with an exit, but be safe. */
        gen_exit_tb(g, (uintptr_t)tb | TB_EXIT_NOCHAIN);
    }
    main_end = g->b.pos;
    if (g->insn > 0 && g->insn <= tb->icount && tb->insn_host_end) {
        tb->insn_host_end[g->insn - 1] = (uint32_t)main_end;
    }

    for (size_t i = 0; i < g->nb_slow && !g->b.overflow; i++) {
        emit_slow_path(g, &g->slow[i]);
    }
    x86_patch_rel(&g->b, exit_req_jcc, g->b.pos);
    emit_exit(g, (uintptr_t)tb | TB_EXIT_REQUESTED);

    for (size_t i = 0; i < g->nb_relocs; i++) {
        uint32_t l = g->relocs[i].label;
        g_assert(l < TCG_MAX_LABELS && g->label_set[l]);
        x86_patch_rel(&g->b, g->relocs[i].pos, g->label_pos[l]);
    }
    if (g->b.overflow) {
        return -1;
    }
    tb->tc_ptr = buf_rx;
    tb->tc_size = g->b.pos;
    return (ssize_t)g->b.pos;
}

/* ---- prologue, entry, chaining ---- */

static const int8_t saved_regs[] = {RBP, RBX, R12, R13, R14, R15};

static ssize_t x86_gen_prologue(uint8_t *buf_rw, uint8_t *buf_rx, size_t avail)
{
    X86Buf b = {buf_rw, (uintptr_t)buf_rx, 0, avail, false};
    size_t epilogue;

    for (size_t i = 0; i < ARRAY_SIZE(saved_regs); i++) {
        x86_opc(&b, 0x50 + (saved_regs[i] & 7), 0, saved_regs[i], 0);
    }
    x86_rr(&b, 0x81 | P_W, ALU_SUB, RSP);
    x86_u32(&b, FRAME_SIZE);
    x86_mov_rr(&b, true, REG_ENV, RDI);
    x86_rr(&b, 0xff, 4, RSI); /* jmp rsi: the TB */

    epilogue = b.pos;
    x86_rr(&b, 0x81 | P_W, ALU_ADD, RSP);
    x86_u32(&b, FRAME_SIZE);
    for (int i = ARRAY_SIZE(saved_regs) - 1; i >= 0; i--) {
        x86_opc(&b, 0x58 + (saved_regs[i] & 7), 0, saved_regs[i], 0);
    }
    x86_byte(&b, 0xc3);
    if (b.overflow) {
        return -1;
    }
    prologue_rx = (uintptr_t)buf_rx;
    epilogue_rx = (uintptr_t)buf_rx + epilogue;
    code_rw_minus_rx = buf_rw - buf_rx;
    return (ssize_t)b.pos;
}

static uintptr_t x86_exec(void *env, TranslationBlock *tb)
{
    uintptr_t (*enter)(void *, const void *) = (uintptr_t(*)(void *, const void *))prologue_rx;

    return enter(env, tb->tc_ptr);
}

static void x86_set_jump(TranslationBlock *tb, int n, TranslationBlock *dest)
{
    uintptr_t field = (uintptr_t)tb->tc_ptr + tb->jmp_insn_offset[n];
    uintptr_t target =
        dest ? (uintptr_t)dest->tc_ptr : (uintptr_t)tb->tc_ptr + tb->jmp_reset_offset[n];
    int32_t rel = (int32_t)(target - (field + 4));

    /* Aligned by gen_goto_tb: one store, so a racing vCPU sees old or new, never half. */
    __atomic_store_n((int32_t *)(field + code_rw_minus_rx), rel, __ATOMIC_RELEASE);
}

const TCGBackend tcg_backend_x86_64 = {
    .name = "x86_64",
    .gen_code = x86_gen_code,
    .exec = x86_exec,
    .set_jump = x86_set_jump,
    .gen_prologue = x86_gen_prologue,
};
