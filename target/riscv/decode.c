/*
 * RISC-V instruction decoding. 32-bit words are matched against the rows of
 * insn32.def, bucketed by major opcode (bits 6:2); the row's format says how
 * to extract the operands (unprivileged spec 20191213 §2.2-2.3, figure 2.3/2.4
 * for the immediate layouts). Compressed instructions are expanded to the
 * 32-bit instruction they stand for (unprivileged spec ch. 16, table 16.5-16.7),
 * so every instruction has one trans_<insn>().
 */
#include "target/riscv/decode.h"

typedef enum RVFormat {
    FMT_R,
    FMT_I,
    FMT_S,
    FMT_B,
    FMT_U,
    FMT_J,
    FMT_SH5,
    FMT_SH6,
    FMT_CSR,
    FMT_AMO,
    FMT_R4,
    FMT_RM,
    FMT_NONE,
} RVFormat;

typedef struct RVInsnDesc {
    const char *name;
    uint32_t mask, match;
    RVFormat fmt;
} RVInsnDesc;

static const RVInsnDesc insn_table[INSN_COUNT] = {
#define INSN(name, mask, match, fmt, operands) [INSN_##name] = {#name, mask, match, FMT_##fmt},
#include "target/riscv/insn32.def"
#undef INSN
};

/* Per major opcode (bits 6:2), the table rows with that opcode, INSN_UNKNOWN-terminated. */
#define MAX_PER_OPCODE 64
static uint8_t buckets[32][MAX_PER_OPCODE + 1];

static void build_buckets(void)
{
    int count[32] = {0};

    for (int i = 0; i < INSN_COUNT; i++) {
        int op = (insn_table[i].match >> 2) & 31;

        g_assert((insn_table[i].mask & 0x7f) == 0x7f);
        g_assert(count[op] < MAX_PER_OPCODE);
        buckets[op][count[op]++] = i;
    }
    for (int op = 0; op < 32; op++) {
        buckets[op][count[op]] = INSN_UNKNOWN;
    }
}

static inline uint32_t bits(uint32_t x, int hi, int lo)
{
    return (x >> lo) & ((1u << (hi - lo + 1)) - 1);
}

static inline int64_t sext(uint64_t x, int width)
{
    return (int64_t)(x << (64 - width)) >> (64 - width);
}

static void extract(RVFormat fmt, uint32_t w, DisasArgs *a)
{
    memset(a, 0, sizeof(*a));
    a->rd = bits(w, 11, 7);
    a->rs1 = bits(w, 19, 15);
    a->rs2 = bits(w, 24, 20);
    a->rs3 = bits(w, 31, 27);
    a->rm = bits(w, 14, 12);

    switch (fmt) {
    case FMT_I:
        a->imm = sext(bits(w, 31, 20), 12);
        break;
    case FMT_S:
        a->imm = sext((bits(w, 31, 25) << 5) | bits(w, 11, 7), 12);
        break;
    case FMT_B:
        a->imm = sext((bits(w, 31, 31) << 12) | (bits(w, 7, 7) << 11) | (bits(w, 30, 25) << 5) |
                          (bits(w, 11, 8) << 1),
                      13);
        break;
    case FMT_U:
        a->imm = (int32_t)(w & 0xfffff000u);
        break;
    case FMT_J:
        a->imm = sext((bits(w, 31, 31) << 20) | (bits(w, 19, 12) << 12) | (bits(w, 20, 20) << 11) |
                          (bits(w, 30, 21) << 1),
                      21);
        break;
    case FMT_SH5:
        a->imm = bits(w, 24, 20);
        break;
    case FMT_SH6:
        a->imm = bits(w, 25, 20);
        break;
    case FMT_CSR:
        a->csr = bits(w, 31, 20);
        a->imm = a->rs1; /* uimm of the immediate forms */
        break;
    case FMT_AMO:
        a->aq = bits(w, 26, 26);
        a->rl = bits(w, 25, 25);
        break;
    case FMT_R:
    case FMT_R4:
    case FMT_RM:
    case FMT_NONE:
        break;
    }
}

RVInsnId riscv_decode32(uint32_t insn, DisasArgs *a)
{
    static gsize built;
    const uint8_t *b;

    if (g_once_init_enter(&built)) {
        build_buckets();
        g_once_init_leave(&built, 1);
    }
    if ((insn & 3) != 3) {
        return INSN_UNKNOWN;
    }
    for (b = buckets[(insn >> 2) & 31]; *b != INSN_UNKNOWN; b++) {
        const RVInsnDesc *d = &insn_table[*b];

        if ((insn & d->mask) == d->match) {
            extract(d->fmt, insn, a);
            return *b;
        }
    }
    return INSN_UNKNOWN;
}

const char *riscv_insn_name(RVInsnId id)
{
    return id < INSN_COUNT ? insn_table[id].name : "unknown";
}

/* ---- compressed instructions ---- */

static uint32_t enc_r(uint32_t op, int rd, int f3, int rs1, int rs2, uint32_t f7)
{
    return op | (rd << 7) | (f3 << 12) | (rs1 << 15) | (rs2 << 20) | (f7 << 25);
}

static uint32_t enc_i(uint32_t op, int rd, int f3, int rs1, int32_t imm)
{
    return op | (rd << 7) | (f3 << 12) | (rs1 << 15) | ((uint32_t)(imm & 0xfff) << 20);
}

static uint32_t enc_s(uint32_t op, int f3, int rs1, int rs2, int32_t imm)
{
    return op | ((imm & 0x1f) << 7) | (f3 << 12) | (rs1 << 15) | (rs2 << 20) |
           ((uint32_t)((imm >> 5) & 0x7f) << 25);
}

static uint32_t enc_b(int f3, int rs1, int rs2, int32_t imm)
{
    return 0x63 | (((imm >> 11) & 1) << 7) | (((imm >> 1) & 0xf) << 8) | (f3 << 12) |
           (rs1 << 15) | (rs2 << 20) | (((imm >> 5) & 0x3f) << 25) |
           ((uint32_t)((imm >> 12) & 1) << 31);
}

static uint32_t enc_j(int rd, int32_t imm)
{
    return 0x6f | (rd << 7) | (((imm >> 12) & 0xff) << 12) | (((imm >> 11) & 1) << 20) |
           (((imm >> 1) & 0x3ff) << 21) | ((uint32_t)((imm >> 20) & 1) << 31);
}

enum {
    OP_LOAD = 0x03,
    OP_LOAD_FP = 0x07,
    OP_IMM = 0x13,
    OP_IMM_32 = 0x1b,
    OP_STORE = 0x23,
    OP_STORE_FP = 0x27,
    OP_OP = 0x33,
    OP_LUI = 0x37,
    OP_OP_32 = 0x3b,
    OP_JALR = 0x67,
};

uint32_t riscv_rvc_expand(uint16_t c)
{
    int op = c & 3, f3 = bits(c, 15, 13);
    int rd = bits(c, 11, 7), rs2 = bits(c, 6, 2);
    int rdp = bits(c, 4, 2) + 8, rs1p = bits(c, 9, 7) + 8; /* rd'/rs2' and rs1'/rd' */
    int32_t imm6 = sext((bits(c, 12, 12) << 5) | bits(c, 6, 2), 6);
    uint32_t uimm;

    switch (op << 3 | f3) {
    /* Quadrant 0 */
    case 000: /* c.addi4spn */
        uimm = (bits(c, 12, 11) << 4) | (bits(c, 10, 7) << 6) | (bits(c, 6, 6) << 2) |
               (bits(c, 5, 5) << 3);
        return uimm ? enc_i(OP_IMM, rdp, 0, 2, uimm) : 0;
    case 001: /* c.fld */
        uimm = (bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6);
        return enc_i(OP_LOAD_FP, rdp, 3, rs1p, uimm);
    case 002: /* c.lw */
        uimm = (bits(c, 12, 10) << 3) | (bits(c, 6, 6) << 2) | (bits(c, 5, 5) << 6);
        return enc_i(OP_LOAD, rdp, 2, rs1p, uimm);
    case 003: /* c.ld */
        uimm = (bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6);
        return enc_i(OP_LOAD, rdp, 3, rs1p, uimm);
    case 005: /* c.fsd */
        uimm = (bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6);
        return enc_s(OP_STORE_FP, 3, rs1p, rdp, uimm);
    case 006: /* c.sw */
        uimm = (bits(c, 12, 10) << 3) | (bits(c, 6, 6) << 2) | (bits(c, 5, 5) << 6);
        return enc_s(OP_STORE, 2, rs1p, rdp, uimm);
    case 007: /* c.sd */
        uimm = (bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6);
        return enc_s(OP_STORE, 3, rs1p, rdp, uimm);

    /* Quadrant 1 */
    case 010: /* c.addi (c.nop) */
        return enc_i(OP_IMM, rd, 0, rd, imm6);
    case 011: /* c.addiw */
        return rd ? enc_i(OP_IMM_32, rd, 0, rd, imm6) : 0;
    case 012: /* c.li */
        return enc_i(OP_IMM, rd, 0, 0, imm6);
    case 013:
        if (rd == 2) { /* c.addi16sp */
            int32_t imm = sext((bits(c, 12, 12) << 9) | (bits(c, 6, 6) << 4) |
                                   (bits(c, 5, 5) << 6) | (bits(c, 4, 3) << 7) |
                                   (bits(c, 2, 2) << 5),
                               10);
            return imm ? enc_i(OP_IMM, 2, 0, 2, imm) : 0;
        }
        /* c.lui */
        if (imm6 == 0) {
            return 0;
        }
        return OP_LUI | (rd << 7) | ((uint32_t)(imm6 & 0xfffff) << 12);
    case 014: { /* MISC-ALU */
        int shamt = (bits(c, 12, 12) << 5) | bits(c, 6, 2);

        switch (bits(c, 11, 10)) {
        case 0: /* c.srli */
            return enc_i(OP_IMM, rs1p, 5, rs1p, shamt);
        case 1: /* c.srai */
            return enc_i(OP_IMM, rs1p, 5, rs1p, shamt | 0x400);
        case 2: /* c.andi */
            return enc_i(OP_IMM, rs1p, 7, rs1p, imm6);
        default:
            switch (bits(c, 12, 12) << 2 | bits(c, 6, 5)) {
            case 0: /* c.sub */
                return enc_r(OP_OP, rs1p, 0, rs1p, rdp, 0x20);
            case 1: /* c.xor */
                return enc_r(OP_OP, rs1p, 4, rs1p, rdp, 0);
            case 2: /* c.or */
                return enc_r(OP_OP, rs1p, 6, rs1p, rdp, 0);
            case 3: /* c.and */
                return enc_r(OP_OP, rs1p, 7, rs1p, rdp, 0);
            case 4: /* c.subw */
                return enc_r(OP_OP_32, rs1p, 0, rs1p, rdp, 0x20);
            case 5: /* c.addw */
                return enc_r(OP_OP_32, rs1p, 0, rs1p, rdp, 0);
            default:
                return 0;
            }
        }
    }
    case 015: { /* c.j */
        int32_t imm = sext((bits(c, 12, 12) << 11) | (bits(c, 11, 11) << 4) |
                               (bits(c, 10, 9) << 8) | (bits(c, 8, 8) << 10) |
                               (bits(c, 7, 7) << 6) | (bits(c, 6, 6) << 7) | (bits(c, 5, 3) << 1) |
                               (bits(c, 2, 2) << 5),
                           12);
        return enc_j(0, imm);
    }
    case 016:   /* c.beqz */
    case 017: { /* c.bnez */
        int32_t imm = sext((bits(c, 12, 12) << 8) | (bits(c, 11, 10) << 3) | (bits(c, 6, 5) << 6) |
                               (bits(c, 4, 3) << 1) | (bits(c, 2, 2) << 5),
                           9);
        return enc_b(f3 == 6 ? 0 : 1, rs1p, 0, imm);
    }

    /* Quadrant 2 */
    case 020: /* c.slli */
        return enc_i(OP_IMM, rd, 1, rd, (bits(c, 12, 12) << 5) | bits(c, 6, 2));
    case 021: /* c.fldsp */
        uimm = (bits(c, 12, 12) << 5) | (bits(c, 6, 5) << 3) | (bits(c, 4, 2) << 6);
        return enc_i(OP_LOAD_FP, rd, 3, 2, uimm);
    case 022: /* c.lwsp */
        uimm = (bits(c, 12, 12) << 5) | (bits(c, 6, 4) << 2) | (bits(c, 3, 2) << 6);
        return rd ? enc_i(OP_LOAD, rd, 2, 2, uimm) : 0;
    case 023: /* c.ldsp */
        uimm = (bits(c, 12, 12) << 5) | (bits(c, 6, 5) << 3) | (bits(c, 4, 2) << 6);
        return rd ? enc_i(OP_LOAD, rd, 3, 2, uimm) : 0;
    case 024:
        if (!bits(c, 12, 12)) {
            if (rs2 == 0) { /* c.jr */
                return rd ? enc_i(OP_JALR, 0, 0, rd, 0) : 0;
            }
            return enc_r(OP_OP, rd, 0, 0, rs2, 0); /* c.mv */
        }
        if (rs2 == 0) {
            if (rd == 0) {
                return 0x00100073; /* c.ebreak */
            }
            return enc_i(OP_JALR, 1, 0, rd, 0); /* c.jalr */
        }
        return enc_r(OP_OP, rd, 0, rd, rs2, 0); /* c.add */
    case 025: /* c.fsdsp */
        uimm = (bits(c, 12, 10) << 3) | (bits(c, 9, 7) << 6);
        return enc_s(OP_STORE_FP, 3, 2, rs2, uimm);
    case 026: /* c.swsp */
        uimm = (bits(c, 12, 9) << 2) | (bits(c, 8, 7) << 6);
        return enc_s(OP_STORE, 2, 2, rs2, uimm);
    case 027: /* c.sdsp */
        uimm = (bits(c, 12, 10) << 3) | (bits(c, 9, 7) << 6);
        return enc_s(OP_STORE, 3, 2, rs2, uimm);
    default: /* quadrant 0 funct3 4 (reserved) */
        return 0;
    }
}
