/*
 * The RISC-V disassembler. Instructions decode through the translator's own
 * decoder (decode.c); each row of insn32.def says how its operands print.
 * Output follows GNU objdump's default syntax: ABI register names, the
 * assembler's pseudo-instructions where an encoding is one (li, mv, ret, j,
 * beqz, csrr, ...: the aliases the unprivileged spec 20191213 ch. 25 lists),
 * compressed instructions shown as the instruction they expand to (with
 * c.mv's own alias), branch targets as absolute addresses.
 */
#include "target/riscv/disas.h"
#include "target/riscv/decode.h"
#include "target/riscv/csr-names.h"

/* The ABI names of the registers (psABI ch. 1: register convention). */
const char *const riscv_gpr_abi_names[32] = {
    "zero", "ra", "sp", "gp", "tp",  "t0",  "t1", "t2", "s0", "s1", "a0",
    "a1",   "a2", "a3", "a4", "a5",  "a6",  "a7", "s2", "s3", "s4", "s5",
    "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

const char *const riscv_fpr_abi_names[32] = {
    "ft0", "ft1", "ft2", "ft3", "ft4",  "ft5",  "ft6", "ft7", "fs0",  "fs1",  "fa0",
    "fa1", "fa2", "fa3", "fa4", "fa5",  "fa6",  "fa7", "fs2", "fs3",  "fs4",  "fs5",
    "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
};

/* Rounding modes (unprivileged spec table 11.1); 5 and 6 are reserved. */
static const char *const rm_names[8] = {"rne", "rtz",     "rdn",     "rup",
                                        "rmm", "unknown", "unknown", "dyn"};

enum { RM_RNE = 0, RM_DYN = 7 };
enum { CSR_FFLAGS = 0x001, CSR_FRM = 0x002, CSR_FCSR = 0x003, CSR_CYCLE = 0xc00 };

static const char *const operand_table[INSN_COUNT] = {
#define INSN(name, mask, match, fmt, operands) [INSN_##name] = operands,
#include "target/riscv/insn32.def"
#undef INSN
};

/* How one instruction prints: its mnemonic and the operand letters of insn32.def. */
typedef struct DisasForm {
    char mnemonic[24];
    const char *operands;
} DisasForm;

static void set_form(DisasForm *f, const char *mnemonic, const char *operands)
{
    g_strlcpy(f->mnemonic, mnemonic, sizeof(f->mnemonic));
    f->operands = operands;
}

/* The instruction's own name: amoadd_w -> amoadd.w, with .aq/.rl/.aqrl for atomics. */
static void base_form(RVInsnId id, const DisasArgs *a, DisasForm *f)
{
    set_form(f, riscv_insn_name(id), operand_table[id]);
    g_strdelimit(f->mnemonic, "_", '.');
    if (!strncmp(f->mnemonic, "amo", 3) || !strncmp(f->mnemonic, "lr.", 3) ||
        !strncmp(f->mnemonic, "sc.", 3)) {
        g_strlcat(f->mnemonic, a->aq ? (a->rl ? ".aqrl" : ".aq") : (a->rl ? ".rl" : ""),
                  sizeof(f->mnemonic));
    }
}

/* Zicsr's pseudo-instructions (unprivileged spec table 25.3), named per CSR where one is. */
static bool csr_alias(RVInsnId id, const DisasArgs *a, DisasForm *f)
{
    static const char *const reads[] = {
        [CSR_FFLAGS] = "frflags", [CSR_FRM] = "frrm", [CSR_FCSR] = "frcsr"};
    static const char *const swaps[] = {
        [CSR_FFLAGS] = "fsflags", [CSR_FRM] = "fsrm", [CSR_FCSR] = "fscsr"};
    static const char *const counters[] = {"rdcycle", "rdtime", "rdinstret"};
    bool fp_csr = a->csr >= CSR_FFLAGS && a->csr <= CSR_FCSR;

    switch (id) {
    case INSN_csrrs:
        if (a->rs1) {
            if (!a->rd) {
                set_form(f, "csrs", "c,s");
                return true;
            }
            return false;
        }
        if (fp_csr) {
            set_form(f, reads[a->csr], "d");
        } else if (a->csr >= CSR_CYCLE && a->csr < CSR_CYCLE + 3) {
            set_form(f, counters[a->csr - CSR_CYCLE], "d");
        } else {
            set_form(f, "csrr", "d,c");
        }
        return true;
    case INSN_csrrw:
        if (a->csr == CSR_CYCLE && !a->rd && !a->rs1) {
            set_form(f, "unimp", ""); /* the assembler's canonical illegal instruction */
        } else if (fp_csr) {
            set_form(f, swaps[a->csr], a->rd ? "d,s" : "s");
        } else if (!a->rd) {
            set_form(f, "csrw", "c,s");
        } else {
            return false;
        }
        return true;
    case INSN_csrrc:
        if (a->rd) {
            return false;
        }
        set_form(f, "csrc", "c,s");
        return true;
    case INSN_csrrwi:
    case INSN_csrrsi:
    case INSN_csrrci:
        if (id == INSN_csrrwi && (a->csr == CSR_FFLAGS || a->csr == CSR_FRM)) {
            set_form(f, a->csr == CSR_FFLAGS ? "fsflagsi" : "fsrmi", "d,Z");
        } else if (!a->rd) {
            set_form(f, id == INSN_csrrwi ? "csrwi" : id == INSN_csrrsi ? "csrsi" : "csrci", "c,Z");
        } else {
            return false;
        }
        return true;
    default:
        return false;
    }
}

/* A branch against zero: beqz/bnez/bltz/bgez with rs1, blez/bgtz with rs2. */
static bool branch_alias(RVInsnId id, const DisasArgs *a, DisasForm *f)
{
    switch (id) {
    case INSN_beq:
    case INSN_bne:
        if (a->rs2) {
            return false;
        }
        set_form(f, id == INSN_beq ? "beqz" : "bnez", "s,b");
        return true;
    case INSN_blt:
    case INSN_bge:
        if (!a->rs2) {
            set_form(f, id == INSN_blt ? "bltz" : "bgez", "s,b");
        } else if (!a->rs1) {
            set_form(f, id == INSN_blt ? "bgtz" : "blez", "t,b");
        } else {
            return false;
        }
        return true;
    default:
        return false;
    }
}

static bool jump_alias(RVInsnId id, const DisasArgs *a, DisasForm *f)
{
    if (id == INSN_jal) {
        if (a->rd > 1) {
            return false;
        }
        set_form(f, a->rd ? "jal" : "j", "b");
        return true;
    }
    if (a->rd == 0 && a->rs1 == 1 && a->imm == 0) {
        set_form(f, "ret", "");
    } else if (a->rd <= 1) {
        set_form(f, a->rd ? "jalr" : "jr", a->imm ? "o" : "s");
    } else {
        set_form(f, "jalr", a->imm ? "d,o" : "d,s");
    }
    return true;
}

/* Pseudo-instructions that are an immediate form with a fixed immediate (spec table 25.2). */
static const struct {
    RVInsnId id;
    int64_t imm;
    const char *name;
} imm_aliases[] = {
    {INSN_addiw, 0, "sext.w"},
    {INSN_xori, -1, "not"},
    {INSN_andi, 0xff, "zext.b"},
    {INSN_sltiu, 1, "seqz"},
};

/* ... and those that are a register form with rs1 = zero. */
static const struct {
    RVInsnId id;
    const char *name;
} zero_rs1_aliases[] = {
    {INSN_sub, "neg"},
    {INSN_subw, "negw"},
    {INSN_sltu, "snez"},
    {INSN_slt, "sgtz"},
};

static bool arith_alias(RVInsnId id, const DisasArgs *a, bool compressed, DisasForm *f)
{
    if (id == INSN_addi) {
        if (!a->rd && !a->rs1 && !a->imm) {
            set_form(f, "nop", "");
        } else if (!a->rs1) {
            set_form(f, "li", "d,i");
        } else if (!a->imm) {
            set_form(f, "mv", "d,s");
        } else {
            return false;
        }
        return true;
    }
    if (id == INSN_add && compressed && !a->rs1) {
        set_form(f, "mv", "d,t"); /* c.mv expands to add rd, zero, rs2 */
        return true;
    }
    if (id == INSN_slt && !a->rs2) {
        set_form(f, "sltz", "d,s");
        return true;
    }
    for (size_t i = 0; i < ARRAY_SIZE(imm_aliases); i++) {
        if (imm_aliases[i].id == id && imm_aliases[i].imm == a->imm) {
            set_form(f, imm_aliases[i].name, "d,s");
            return true;
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(zero_rs1_aliases); i++) {
        if (zero_rs1_aliases[i].id == id && !a->rs1) {
            set_form(f, zero_rs1_aliases[i].name, "d,t");
            return true;
        }
    }
    return false;
}

/* fmv/fneg/fabs: sign injection of a register with itself. */
static bool fp_alias(RVInsnId id, const DisasArgs *a, DisasForm *f)
{
    static const struct {
        RVInsnId id;
        const char *name;
    } sign_moves[] = {
        {INSN_fsgnj_s, "fmv.s"}, {INSN_fsgnjn_s, "fneg.s"}, {INSN_fsgnjx_s, "fabs.s"},
        {INSN_fsgnj_d, "fmv.d"}, {INSN_fsgnjn_d, "fneg.d"}, {INSN_fsgnjx_d, "fabs.d"},
    };

    if (a->rs1 != a->rs2) {
        return false;
    }
    for (size_t i = 0; i < ARRAY_SIZE(sign_moves); i++) {
        if (sign_moves[i].id == id) {
            set_form(f, sign_moves[i].name, "D,S");
            return true;
        }
    }
    return false;
}

enum { FENCE_RW_RW = 0x33, FENCE_ALL = 0xff, FENCE_FM_TSO = 8 };

static bool fence_alias(RVInsnId id, const DisasArgs *a, DisasForm *f)
{
    int sets = (a->imm & 0xff), fm = (a->imm >> 8) & 0xf;

    if (id == INSN_fence && fm == 0 && sets == FENCE_ALL) {
        set_form(f, "fence", "");
    } else if (id == INSN_fence && fm == FENCE_FM_TSO && sets == FENCE_RW_RW) {
        set_form(f, "fence.tso", "");
    } else if (id == INSN_sfence_vma && !a->rs2) {
        set_form(f, "sfence.vma", a->rs1 ? "s" : "");
    } else {
        return false;
    }
    return true;
}

static void choose_form(RVInsnId id, const DisasArgs *a, bool compressed, DisasForm *f)
{
    if (!csr_alias(id, a, f) && !branch_alias(id, a, f) &&
        !((id == INSN_jal || id == INSN_jalr) && jump_alias(id, a, f)) &&
        !arith_alias(id, a, compressed, f) && !fp_alias(id, a, f) && !fence_alias(id, a, f)) {
        base_form(id, a, f);
    }
}

/* fence's predecessor/successor set: some of i, o, r, w (unprivileged spec §2.7). */
static void append_fence_set(GString *out, int set)
{
    if (!set) {
        g_string_append(out, "unknown");
        return;
    }
    for (int bit = 3; bit >= 0; bit--) {
        if (set & (1 << bit)) {
            g_string_append_c(out, "wroi"[bit]);
        }
    }
}

static void append_csr(GString *out, int csrno)
{
    const char *name = riscv_csr_std_name(csrno);

    if (name) {
        g_string_append(out, name);
    } else {
        g_string_append_printf(out, "0x%x", csrno);
    }
}

/* One operand letter of insn32.def; false if it prints nothing (an implicit rounding mode). */
static bool append_operand(GString *out, char letter, const DisasArgs *a, uint64_t pc)
{
    switch (letter) {
    case 'd':
        g_string_append(out, riscv_gpr_abi_names[a->rd]);
        break;
    case 'D':
        g_string_append(out, riscv_fpr_abi_names[a->rd]);
        break;
    case 's':
        g_string_append(out, riscv_gpr_abi_names[a->rs1]);
        break;
    case 'S':
        g_string_append(out, riscv_fpr_abi_names[a->rs1]);
        break;
    case 't':
        g_string_append(out, riscv_gpr_abi_names[a->rs2]);
        break;
    case 'T':
        g_string_append(out, riscv_fpr_abi_names[a->rs2]);
        break;
    case 'R':
        g_string_append(out, riscv_fpr_abi_names[a->rs3]);
        break;
    case 'i':
        g_string_append_printf(out, "%" PRId64, a->imm);
        break;
    case 'h':
        g_string_append_printf(out, "0x%" PRIx64, a->imm);
        break;
    case 'u':
        g_string_append_printf(out, "0x%" PRIx64, ((uint64_t)a->imm >> 12) & 0xfffff);
        break;
    case 'o':
        g_string_append_printf(out, "%" PRId64 "(%s)", a->imm, riscv_gpr_abi_names[a->rs1]);
        break;
    case 'A':
        g_string_append_printf(out, "(%s)", riscv_gpr_abi_names[a->rs1]);
        break;
    case 'b':
        g_string_append_printf(out, "%" PRIx64, pc + a->imm);
        break;
    case 'c':
        append_csr(out, a->csr);
        break;
    case 'Z':
        g_string_append_printf(out, "%" PRId64, a->imm);
        break;
    case 'p':
        append_fence_set(out, (a->imm >> 4) & 0xf);
        break;
    case 'q':
        append_fence_set(out, a->imm & 0xf);
        break;
    case 'm':
    case 'e':
        if (a->rm == (letter == 'm' ? RM_DYN : RM_RNE)) {
            return false;
        }
        g_string_append(out, rm_names[a->rm]);
        break;
    default:
        g_assert_not_reached();
    }
    return true;
}

static void append_insn(GString *out, RVInsnId id, const DisasArgs *a, bool compressed, uint64_t pc)
{
    DisasForm f;
    char sep = '\t';

    choose_form(id, a, compressed, &f);
    g_string_append(out, f.mnemonic);
    for (const char *p = f.operands; *p; p++) {
        if (*p == ',') {
            continue;
        }
        gsize mark = out->len;

        g_string_append_c(out, sep);
        if (append_operand(out, *p, a, pc)) {
            sep = ',';
        } else {
            g_string_truncate(out, mark);
        }
    }
}

int riscv_disas(uint64_t pc, const uint8_t *buf, size_t len, GString *out)
{
    uint32_t insn;
    bool compressed;
    RVInsnId id;
    DisasArgs a;

    if (len < 2) {
        return 0;
    }
    insn = buf[0] | (buf[1] << 8);
    compressed = (insn & 3) != 3;
    if (compressed) {
        uint32_t expanded = riscv_rvc_expand(insn);

        if (!expanded) {
            if (insn) {
                g_string_append_printf(out, ".2byte\t0x%x", insn);
            } else {
                g_string_append(out, "unimp"); /* the all-zero halfword, defined illegal */
            }
            return 2;
        }
        insn = expanded;
    } else {
        if (len < 4) {
            return 0;
        }
        insn |= (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 24;
    }
    id = riscv_decode32(insn, &a);
    if (id == INSN_UNKNOWN) {
        g_string_append_printf(out, ".4byte\t0x%x", insn);
    } else {
        append_insn(out, id, &a, compressed, pc);
    }
    return compressed ? 2 : 4;
}
