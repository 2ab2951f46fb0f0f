/*
 * The translator's intermediate representation.
 *
 * A frontend (target/<arch>/translate.c) turns one translation block (TB) of
 * guest code into a list of TCGOps over typed temporaries; the optimizer folds
 * constants, propagates copies and removes dead code; a backend either emits
 * host code (tcg/x86_64) or is interpreted (tcg/interp). Both must give the same
 * guest-visible results.
 *
 * Temporaries:
 *   global  - backed by a field of the CPU state (env + offset); its value in
 *             env is current at every TB exit, helper call and guest memory
 *             access (the backend writes back what it cached);
 *   local   - lives for one TB, across branches;
 *   const   - an immediate, made by tcg_const_*.
 * Every op has a type (I32 or I64) for its value operands.
 */
#ifndef TCG_TCG_H
#define TCG_TCG_H

#include "util/osdep.h"

typedef enum TCGType {
    TCG_TYPE_I32,
    TCG_TYPE_I64,
} TCGType;

/* Temporaries are named by index; the wrappers keep i32 and i64 apart at compile time. */
typedef struct TCGv_i32 {
    int idx;
} TCGv_i32;
typedef struct TCGv_i64 {
    int idx;
} TCGv_i64;

typedef enum TCGTempKind {
    TEMP_GLOBAL,
    TEMP_LOCAL,
    TEMP_CONST,
} TCGTempKind;

typedef struct TCGTemp {
    TCGType type;
    TCGTempKind kind;
    int64_t val;          /* TEMP_CONST */
    intptr_t env_offset;  /* TEMP_GLOBAL */
    const char *name;     /* TEMP_GLOBAL, for dumps */
} TCGTemp;

typedef enum TCGCond {
    TCG_COND_NEVER,
    TCG_COND_ALWAYS,
    TCG_COND_EQ,
    TCG_COND_NE,
    TCG_COND_LT,  /* signed */
    TCG_COND_GE,
    TCG_COND_LE,
    TCG_COND_GT,
    TCG_COND_LTU, /* unsigned */
    TCG_COND_GEU,
    TCG_COND_LEU,
    TCG_COND_GTU,
} TCGCond;

/* Guest memory access description carried by qemu_ld/qemu_st. */
typedef enum MemOp {
    MO_8 = 0,
    MO_16 = 1,
    MO_32 = 2,
    MO_64 = 3,
    MO_SIZE = 3,
    MO_SIGN = 4,      /* sign-extend a load */
    MO_BE = 8,        /* big-endian (default little) */
    MO_ALIGN = 16,    /* fault if not naturally aligned */
    MO_UB = MO_8,
    MO_SB = MO_8 | MO_SIGN,
    MO_UW = MO_16,
    MO_SW = MO_16 | MO_SIGN,
    MO_UL = MO_32,
    MO_SL = MO_32 | MO_SIGN,
    MO_UQ = MO_64,
} MemOp;

static inline unsigned memop_size(MemOp op)
{
    return 1u << (op & MO_SIZE);
}

typedef enum TCGOpcode {
#define DEF(name, oargs, iargs, cargs) INDEX_op_##name,
#include "tcg/tcg-opc.h"
#undef DEF
    NB_OPS,
} TCGOpcode;

typedef struct TCGOpDef {
    const char *name;
    uint8_t nb_oargs, nb_iargs, nb_cargs; /* outputs, inputs (temps), constants */
} TCGOpDef;

extern const TCGOpDef tcg_op_defs[NB_OPS];

/* Call flags: what a helper does to the CPU state, so globals can stay in registers. */
enum {
    TCG_CALL_NO_READ_GLOBALS = 1 << 0,  /* doesn't read env fields backing globals */
    TCG_CALL_NO_WRITE_GLOBALS = 1 << 1, /* doesn't write them */
    TCG_CALL_NO_RWG = TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS,
    /* The helper cannot raise a guest exception (no pc needs restoring). */
    TCG_CALL_NO_EXCEPTION = 1 << 2,
};

#define TCG_MAX_CALL_ARGS 6
#define TCG_MAX_OP_ARGS (TCG_MAX_CALL_ARGS + 4)
typedef uintptr_t TCGArg;

typedef struct TCGOp {
    TCGOpcode opc;
    TCGType type;
    /* Operands: outputs, then inputs (temp indexes), then constants. */
    TCGArg args[TCG_MAX_OP_ARGS];
    uint8_t nargs;
    /* call: number of inputs/outputs (variable). */
    uint8_t call_iargs, call_oargs;
    /* Set by the liveness pass: bit i means input i dies here. */
    uint16_t life;
} TCGOp;

/*
 * Helper functions are called with the CPU state pointer first and up to
 * TCG_MAX_CALL_ARGS - 1 integer arguments (all passed as uint64_t), and return
 * uint64_t (or void). A helper that raises a guest exception does not return.
 */
typedef uint64_t (*TCGHelper)(void *env, ...);

typedef struct TCGLabel {
    int id;
    bool has_value;
    uintptr_t value; /* backend: host code offset; interp: op index */
} TCGLabel;

#define TCG_MAX_TEMPS 512
#define TCG_MAX_OPS 4096
#define TCG_MAX_LABELS 512
#define TCG_MAX_INSNS 512

typedef struct TCGContext {
    /* Globals persist across TBs; locals and consts are reset per TB. */
    TCGTemp temps[TCG_MAX_TEMPS];
    int nb_globals;
    int nb_temps;
    TCGOp ops[TCG_MAX_OPS];
    int nb_ops;
    TCGLabel labels[TCG_MAX_LABELS];
    int nb_labels;
    bool overflow; /* too many ops/temps: the frontend must end the TB earlier */
    /* Per guest instruction: index of its insn_start op and its guest pc. */
    int nb_insns;
} TCGContext;

/* The translator context used by the current thread's code generation. */
extern __thread TCGContext *tcg_ctx;

void tcg_context_init(TCGContext *s);
/* Start a new TB: forget locals, consts, ops and labels (globals stay). */
void tcg_func_start(TCGContext *s);

/* Globals: a 64-bit (or 32-bit) field of the CPU state at env + offset. */
TCGv_i64 tcg_global_mem_new_i64(intptr_t offset, const char *name);
TCGv_i32 tcg_global_mem_new_i32(intptr_t offset, const char *name);
TCGv_i64 tcg_temp_new_i64(void);
TCGv_i32 tcg_temp_new_i32(void);
TCGv_i64 tcg_constant_i64(int64_t val);
TCGv_i32 tcg_constant_i32(int32_t val);
TCGLabel *gen_new_label(void);

static inline TCGTemp *tcg_temp(TCGContext *s, int idx)
{
    return &s->temps[idx];
}

/* Op emission (tcg-op.c). The frontend's whole vocabulary. */
void tcg_gen_mov_i64(TCGv_i64 d, TCGv_i64 a);
void tcg_gen_movi_i64(TCGv_i64 d, int64_t v);
void tcg_gen_add_i64(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_addi_i64(TCGv_i64 d, TCGv_i64 a, int64_t v);
void tcg_gen_sub_i64(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_mul_i64(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_mulsh_i64(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b); /* high 64 of signed product */
void tcg_gen_muluh_i64(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b); /* high 64 of unsigned product */
void tcg_gen_and_i64(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_andi_i64(TCGv_i64 d, TCGv_i64 a, int64_t v);
void tcg_gen_or_i64(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_ori_i64(TCGv_i64 d, TCGv_i64 a, int64_t v);
void tcg_gen_xor_i64(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_xori_i64(TCGv_i64 d, TCGv_i64 a, int64_t v);
void tcg_gen_shl_i64(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b); /* count taken mod 64 */
void tcg_gen_shr_i64(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_sar_i64(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_shli_i64(TCGv_i64 d, TCGv_i64 a, unsigned n);
void tcg_gen_shri_i64(TCGv_i64 d, TCGv_i64 a, unsigned n);
void tcg_gen_sari_i64(TCGv_i64 d, TCGv_i64 a, unsigned n);
void tcg_gen_rotl_i64(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_rotr_i64(TCGv_i64 d, TCGv_i64 a, TCGv_i64 b);
void tcg_gen_neg_i64(TCGv_i64 d, TCGv_i64 a);
void tcg_gen_not_i64(TCGv_i64 d, TCGv_i64 a);
void tcg_gen_ext8s_i64(TCGv_i64 d, TCGv_i64 a);
void tcg_gen_ext8u_i64(TCGv_i64 d, TCGv_i64 a);
void tcg_gen_ext16s_i64(TCGv_i64 d, TCGv_i64 a);
void tcg_gen_ext16u_i64(TCGv_i64 d, TCGv_i64 a);
void tcg_gen_ext32s_i64(TCGv_i64 d, TCGv_i64 a);
void tcg_gen_ext32u_i64(TCGv_i64 d, TCGv_i64 a);
void tcg_gen_setcond_i64(TCGCond c, TCGv_i64 d, TCGv_i64 a, TCGv_i64 b); /* d = (a c b) ? 1 : 0 */
void tcg_gen_movcond_i64(TCGCond c, TCGv_i64 d, TCGv_i64 a, TCGv_i64 b, TCGv_i64 t,
                         TCGv_i64 f); /* d = (a c b) ? t : f */
void tcg_gen_brcond_i64(TCGCond c, TCGv_i64 a, TCGv_i64 b, TCGLabel *l);
void tcg_gen_brcondi_i64(TCGCond c, TCGv_i64 a, int64_t v, TCGLabel *l);
void tcg_gen_br(TCGLabel *l);
void tcg_gen_set_label(TCGLabel *l);

/* Loads/stores of CPU state fields not modelled as globals (env + offset). */
void tcg_gen_ld_i64(TCGv_i64 d, intptr_t offset, MemOp size); /* MO_8..MO_64 | MO_SIGN */
void tcg_gen_st_i64(TCGv_i64 v, intptr_t offset, MemOp size);

/* Guest memory through the softmmu TLB of mmu_idx; may raise a guest exception. */
void tcg_gen_qemu_ld_i64(TCGv_i64 d, TCGv_i64 addr, int mmu_idx, MemOp op);
void tcg_gen_qemu_st_i64(TCGv_i64 v, TCGv_i64 addr, int mmu_idx, MemOp op);

/* Call fn(env, args...) ; ret may be NULL (void helper). */
void tcg_gen_call(TCGHelper fn, unsigned flags, TCGv_i64 *ret, int nargs, const TCGv_i64 *args);
#define tcg_gen_callN(fn, flags, ret, ...)                                                         \
    do {                                                                                           \
        const TCGv_i64 args_[] = {__VA_ARGS__};                                                    \
        tcg_gen_call((TCGHelper)(fn), (flags), (ret), (int)ARRAY_SIZE(args_), args_);               \
    } while (0)

/* Marks the start of guest instruction at pc (for exception pc recovery). */
void tcg_gen_insn_start(uint64_t pc);
/* Leave the TB through chaining slot n (0 or 1) after the frontend set the pc. */
void tcg_gen_goto_tb(unsigned n);
/* Leave to the exec loop; val = TB_EXIT_* code (with the TB pointer for chaining). */
void tcg_gen_exit_tb(uintptr_t val);
/* Look up the TB for the current pc and jump there directly, or exit. */
void tcg_gen_lookup_and_goto_ptr(void);
void tcg_gen_mb(void);

/* Whether a cond holds for two 64-bit values (i32 values sign-extended first). */
bool tcg_cond_eval(TCGCond c, uint64_t a, uint64_t b);

/* Passes. */
void tcg_optimize(TCGContext *s);
void tcg_liveness(TCGContext *s);
/* Text dump for -d op / op_opt. */
void tcg_dump_ops(TCGContext *s, GString *out);

#endif
