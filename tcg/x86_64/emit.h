/*
 * x86-64 instruction encoder for the code generator (tcg/x86_64/backend.c).
 *
 * Follows the Intel SDM vol. 2 encoding rules (ch. 2: REX prefix, ModRM, SIB,
 * displacements). Only the forms the backend uses: integer ALU, shifts,
 * multiplies, extensions, moves, setcc/cmovcc, jumps and calls, bswap.
 * Writes are bounds-checked: past the end of the buffer bytes are dropped and
 * the overflow flag set, so the backend checks once at the end of a TB.
 */
#ifndef TCG_X86_64_EMIT_H
#define TCG_X86_64_EMIT_H

#include "util/osdep.h"

enum {
    RAX,
    RCX,
    RDX,
    RBX,
    RSP,
    RBP,
    RSI,
    RDI,
    R8,
    R9,
    R10,
    R11,
    R12,
    R13,
    R14,
    R15,
};

/* Opcode flags, or'ed with the opcode byte. */
enum {
    P_0F = 0x100,       /* 0x0f escape */
    P_66 = 0x200,       /* operand-size prefix (16-bit) */
    P_W = 0x400,        /* REX.W (64-bit operand) */
    P_BYTE_R = 0x800,   /* reg field names a byte register: spl..dil need a REX */
    P_BYTE_RM = 0x1000, /* rm field names a byte register */
    P_LOCK = 0x2000,
};

/* Group-1 ALU extensions (also the r, r/m opcode = ext * 8 + 3). */
enum { ALU_ADD = 0, ALU_OR = 1, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6, ALU_CMP = 7 };
/* Group-2 shift extensions. */
enum { SH_ROL = 0, SH_ROR = 1, SH_SHL = 4, SH_SHR = 5, SH_SAR = 7 };
/* Group-3 (0xf7) extensions. */
enum { G3_NOT = 2, G3_NEG = 3, G3_MUL = 4, G3_IMUL = 5 };
/* Condition codes (the low nibble of jcc/setcc/cmovcc). */
enum {
    CC_O,
    CC_NO,
    CC_B,
    CC_AE,
    CC_E,
    CC_NE,
    CC_BE,
    CC_A,
    CC_S,
    CC_NS,
    CC_P,
    CC_NP,
    CC_L,
    CC_GE,
    CC_LE,
    CC_G,
};

typedef struct X86Buf {
    uint8_t *rw;  /* where bytes are written */
    uintptr_t rx; /* where byte 0 executes */
    size_t pos;
    size_t avail;
    bool overflow;
} X86Buf;

static inline void x86_byte(X86Buf *b, uint8_t v)
{
    if (likely(b->pos < b->avail)) {
        b->rw[b->pos] = v;
    } else {
        b->overflow = true;
    }
    b->pos++;
}

static inline void x86_u32(X86Buf *b, uint32_t v)
{
    if (likely(b->pos + 4 <= b->avail)) {
        memcpy(b->rw + b->pos, &v, 4);
    } else {
        b->overflow = true;
    }
    b->pos += 4;
}

static inline void x86_u64(X86Buf *b, uint64_t v)
{
    x86_u32(b, (uint32_t)v);
    x86_u32(b, (uint32_t)(v >> 32));
}

/* Rewrite a 32-bit field already emitted at pos. */
static inline void x86_patch32(X86Buf *b, size_t pos, uint32_t v)
{
    if (pos + 4 <= b->avail) {
        memcpy(b->rw + pos, &v, 4);
    }
}

/* rel32 from the end of a 4-byte field at pos to the rx address target. */
static inline int64_t x86_rel_from(X86Buf *b, size_t pos, uintptr_t target)
{
    return (int64_t)(target - (b->rx + pos + 4));
}

static inline bool fits_i32(int64_t v)
{
    return v == (int32_t)v;
}

static inline bool fits_i8(int64_t v)
{
    return v == (int8_t)v;
}

/* Prefixes, REX and opcode bytes; r = ModRM.reg, rm = ModRM.rm or base, x = SIB index. */
static inline void x86_opc(X86Buf *b, int opc, int r, int rm, int x)
{
    int rex = 0;

    if (opc & P_LOCK) {
        x86_byte(b, 0xf0);
    }
    if (opc & P_66) {
        x86_byte(b, 0x66);
    }
    if (opc & P_W) {
        rex |= 8;
    }
    if (r & 8) {
        rex |= 4;
    }
    if (x & 8) {
        rex |= 2;
    }
    if (rm & 8) {
        rex |= 1;
    }
    if (((opc & P_BYTE_R) && r >= 4 && r < 8) || ((opc & P_BYTE_RM) && rm >= 4 && rm < 8)) {
        rex |= 0x10; /* plain REX: selects spl/bpl/sil/dil instead of ah..bh */
    }
    if (rex) {
        x86_byte(b, 0x40 | (rex & 15));
    }
    if (opc & P_0F) {
        x86_byte(b, 0x0f);
    }
    x86_byte(b, opc & 0xff);
}

/* op r, rm with both registers. */
static inline void x86_rr(X86Buf *b, int opc, int r, int rm)
{
    x86_opc(b, opc, r, rm, 0);
    x86_byte(b, 0xc0 | (r & 7) << 3 | (rm & 7));
}

/* op r, [base + index << shift + disp]; index < 0: none. */
static inline void x86_rm(X86Buf *b, int opc, int r, int base, int index, int shift, int32_t disp)
{
    int mod;

    x86_opc(b, opc, r, base, index < 0 ? 0 : index);
    if (disp == 0 && (base & 7) != RBP) {
        mod = 0;
    } else if (fits_i8(disp)) {
        mod = 1;
    } else {
        mod = 2;
    }
    if (index < 0 && (base & 7) != RSP) {
        x86_byte(b, mod << 6 | (r & 7) << 3 | (base & 7));
    } else {
        x86_byte(b, mod << 6 | (r & 7) << 3 | 4);
        x86_byte(b, shift << 6 | ((index < 0 ? RSP : index) & 7) << 3 | (base & 7));
    }
    if (mod == 1) {
        x86_byte(b, (uint8_t)disp);
    } else if (mod == 2) {
        x86_u32(b, (uint32_t)disp);
    }
}

static inline int wflag(bool w)
{
    return w ? P_W : 0;
}

static inline void x86_mov_rr(X86Buf *b, bool w, int d, int s)
{
    if (d != s) {
        x86_rr(b, 0x8b | wflag(w), d, s);
    }
}

/* Load an immediate; zero uses xor, which clobbers the flags. */
static inline void x86_movi(X86Buf *b, bool w, int r, int64_t v)
{
    if (!w) {
        v = (uint32_t)v;
    }
    if (v == 0) {
        x86_rr(b, 0x33, r, r);
    } else if (v == (int64_t)(uint32_t)v) {
        x86_opc(b, 0xb8 + (r & 7), 0, r, 0);
        x86_u32(b, (uint32_t)v);
    } else if (fits_i32(v)) {
        x86_rr(b, 0xc7 | P_W, 0, r);
        x86_u32(b, (uint32_t)v);
    } else {
        x86_opc(b, (0xb8 + (r & 7)) | P_W, 0, r, 0);
        x86_u64(b, (uint64_t)v);
    }
}

/* Same without touching the flags. */
static inline void x86_movi_keepflags(X86Buf *b, bool w, int r, int64_t v)
{
    if ((w ? v : (uint32_t)v) == 0) {
        x86_opc(b, 0xb8 + (r & 7), 0, r, 0);
        x86_u32(b, 0);
    } else {
        x86_movi(b, w, r, v);
    }
}

static inline void x86_alu_rr(X86Buf *b, int ext, bool w, int d, int s)
{
    x86_rr(b, (ext << 3 | 3) | wflag(w), d, s);
}

static inline void x86_alu_ri(X86Buf *b, int ext, bool w, int d, int32_t imm)
{
    if (fits_i8(imm)) {
        x86_rr(b, 0x83 | wflag(w), ext, d);
        x86_byte(b, (uint8_t)imm);
    } else {
        x86_rr(b, 0x81 | wflag(w), ext, d);
        x86_u32(b, (uint32_t)imm);
    }
}

static inline void x86_shift_ri(X86Buf *b, int ext, bool w, int d, int n)
{
    if (n == 1) {
        x86_rr(b, 0xd1 | wflag(w), ext, d);
    } else {
        x86_rr(b, 0xc1 | wflag(w), ext, d);
        x86_byte(b, (uint8_t)n);
    }
}

static inline void x86_shift_cl(X86Buf *b, int ext, bool w, int d)
{
    x86_rr(b, 0xd3 | wflag(w), ext, d);
}

static inline void x86_grp3(X86Buf *b, int ext, bool w, int r)
{
    x86_rr(b, 0xf7 | wflag(w), ext, r);
}

static inline void x86_lea(X86Buf *b, bool w, int d, int base, int index, int shift, int32_t disp)
{
    x86_rm(b, 0x8d | wflag(w), d, base, index, shift, disp);
}

static inline void x86_bswap(X86Buf *b, bool w, int r)
{
    x86_opc(b, (0xc8 + (r & 7)) | P_0F | wflag(w), 0, r, 0);
}

/* rol r16, 8: swap the two low bytes. */
static inline void x86_bswap16(X86Buf *b, int r)
{
    x86_rr(b, 0xc1 | P_66, SH_ROL, r);
    x86_byte(b, 8);
}

static inline void x86_movzx8(X86Buf *b, int d, int s)
{
    x86_rr(b, 0xb6 | P_0F | P_BYTE_RM, d, s);
}

static inline void x86_movzx16(X86Buf *b, int d, int s)
{
    x86_rr(b, 0xb7 | P_0F, d, s);
}

static inline void x86_movsx8(X86Buf *b, bool w, int d, int s)
{
    x86_rr(b, 0xbe | P_0F | P_BYTE_RM | wflag(w), d, s);
}

static inline void x86_movsx16(X86Buf *b, bool w, int d, int s)
{
    x86_rr(b, 0xbf | P_0F | wflag(w), d, s);
}

static inline void x86_movsx32(X86Buf *b, int d, int s)
{
    x86_rr(b, 0x63 | P_W, d, s);
}

static inline void x86_setcc(X86Buf *b, int cc, int r)
{
    x86_rr(b, (0x90 + cc) | P_0F | P_BYTE_RM, 0, r);
}

static inline void x86_cmov(X86Buf *b, int cc, bool w, int d, int s)
{
    x86_rr(b, (0x40 + cc) | P_0F | wflag(w), d, s);
}

/* jcc rel32 with a zero displacement; returns the displacement's position. */
static inline size_t x86_jcc32(X86Buf *b, int cc)
{
    x86_byte(b, 0x0f);
    x86_byte(b, 0x80 + cc);
    x86_u32(b, 0);
    return b->pos - 4;
}

static inline size_t x86_jmp32(X86Buf *b)
{
    x86_byte(b, 0xe9);
    x86_u32(b, 0);
    return b->pos - 4;
}

/* Point the rel32 at pos to the code offset target_pos in the same buffer. */
static inline void x86_patch_rel(X86Buf *b, size_t pos, size_t target_pos)
{
    x86_patch32(b, pos, (uint32_t)(int32_t)((int64_t)target_pos - (int64_t)(pos + 4)));
}

/* jmp or call (opc 0xe9 / 0xe8) to an absolute rx address, through r11 if far. */
static inline void x86_jmp_call_abs(X86Buf *b, uint8_t opc, uintptr_t target)
{
    int64_t rel = (int64_t)(target - (b->rx + b->pos + 5));

    if (fits_i32(rel)) {
        x86_byte(b, opc);
        x86_u32(b, (uint32_t)rel);
    } else {
        x86_movi(b, true, R11, (int64_t)target);
        x86_rr(b, 0xff, opc == 0xe8 ? 2 : 4, R11);
    }
}

#endif
