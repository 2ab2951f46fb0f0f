/*
 * IEEE 754-2008 binary32/binary64 arithmetic in software, exactly rounded in
 * the five RISC-V rounding modes, with the RISC-V NaN rules (every NaN result
 * is the canonical NaN) and tininess detected after rounding (unprivileged
 * spec 20191213 §11.2-11.3). Values are raw bit patterns (binary32 in the low
 * 32 bits). Each function ORs the exception flags it raises (FFLAG_*) into *fl.
 */
#ifndef TARGET_RISCV_SOFTFLOAT_H
#define TARGET_RISCV_SOFTFLOAT_H

#include "util/osdep.h"

typedef struct SFFormat {
    int exp_bits, frac_bits, bias;
} SFFormat;

extern const SFFormat sf_f32, sf_f64;

uint64_t sf_add(const SFFormat *f, uint64_t a, uint64_t b, bool negate_b, int rm, uint32_t *fl);
uint64_t sf_mul(const SFFormat *f, uint64_t a, uint64_t b, int rm, uint32_t *fl);
uint64_t sf_div(const SFFormat *f, uint64_t a, uint64_t b, int rm, uint32_t *fl);
uint64_t sf_sqrt(const SFFormat *f, uint64_t a, int rm, uint32_t *fl);
/* (negate_prod ? -(a*b) : a*b) + (negate_c ? -c : c), rounded once. */
uint64_t sf_fma(const SFFormat *f, uint64_t a, uint64_t b, uint64_t c, bool negate_prod,
                bool negate_c, int rm, uint32_t *fl);
uint64_t sf_minmax(const SFFormat *f, uint64_t a, uint64_t b, bool is_max, uint32_t *fl);
/* op: 0 le, 1 lt (signaling), 2 eq (quiet). */
bool sf_compare(const SFFormat *f, uint64_t a, uint64_t b, int op, uint32_t *fl);
unsigned sf_classify(const SFFormat *f, uint64_t a);
/* To a 32- or 64-bit integer, signed or not, saturating with NV (§11.7 table 11.4). */
int64_t sf_to_int(const SFFormat *f, uint64_t a, int bits, bool is_signed, int rm, uint32_t *fl);
uint64_t sf_from_int(const SFFormat *f, uint64_t v, bool is_signed, int rm, uint32_t *fl);
uint64_t sf_convert(const SFFormat *to, const SFFormat *from, uint64_t a, int rm, uint32_t *fl);
uint64_t sf_default_nan(const SFFormat *f);

#endif
