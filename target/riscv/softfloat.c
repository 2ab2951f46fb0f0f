/*
 * Software IEEE 754 binary32/binary64 for the RISC-V F and D extensions.
 *
 * Every finite non-zero operand is unpacked to (sign, exp, sig): sig is a
 * 64-bit significand with its leading one at bit 62, and exp is the biased
 * exponent minus one, so that packing sig >> (62 - frac_bits) adds the leading
 * one into the exponent field (the SoftFloat convention). Operations compute
 * the exact result, or one truncated with a sticky ("jam") bit far below the
 * rounding point, and round_pack rounds it once. Tininess is detected after
 * rounding, and NaN results are always the canonical NaN, as RISC-V requires
 * (unprivileged spec 20191213 §11.3).
 */
#include "target/riscv/softfloat.h"
#include "target/riscv/internals.h"

typedef unsigned __int128 u128;

const SFFormat sf_f32 = {8, 23, 127};
const SFFormat sf_f64 = {11, 52, 1023};

static inline int emax(const SFFormat *f)
{
    return (1 << f->exp_bits) - 1;
}

static inline uint64_t sign_bit(const SFFormat *f)
{
    return 1ULL << (f->exp_bits + f->frac_bits);
}

static inline uint64_t frac_mask(const SFFormat *f)
{
    return (1ULL << f->frac_bits) - 1;
}

static inline bool sign_of(const SFFormat *f, uint64_t x)
{
    return x & sign_bit(f);
}

static inline int exp_field(const SFFormat *f, uint64_t x)
{
    return (x >> f->frac_bits) & emax(f);
}

static inline uint64_t pack(const SFFormat *f, bool sign, uint64_t exp, uint64_t frac)
{
    return (sign ? sign_bit(f) : 0) + (exp << f->frac_bits) + frac;
}

static inline bool is_nan(const SFFormat *f, uint64_t x)
{
    return exp_field(f, x) == emax(f) && (x & frac_mask(f));
}

static inline bool is_snan(const SFFormat *f, uint64_t x)
{
    return is_nan(f, x) && !(x & (1ULL << (f->frac_bits - 1)));
}

static inline bool is_inf(const SFFormat *f, uint64_t x)
{
    return exp_field(f, x) == emax(f) && !(x & frac_mask(f));
}

static inline bool is_zero(const SFFormat *f, uint64_t x)
{
    return (x & (sign_bit(f) - 1)) == 0;
}

uint64_t sf_default_nan(const SFFormat *f)
{
    return pack(f, false, emax(f), 1ULL << (f->frac_bits - 1));
}

static inline uint64_t inf_of(const SFFormat *f, bool sign)
{
    return pack(f, sign, emax(f), 0);
}

static inline uint64_t zero_of(const SFFormat *f, bool sign)
{
    return pack(f, sign, 0, 0);
}

static uint64_t nan_result(const SFFormat *f, uint64_t a, uint64_t b, uint32_t *fl)
{
    if (is_snan(f, a) || is_snan(f, b)) {
        *fl |= FFLAG_NV;
    }
    return sf_default_nan(f);
}

static uint64_t invalid(const SFFormat *f, uint32_t *fl)
{
    *fl |= FFLAG_NV;
    return sf_default_nan(f);
}

static inline uint64_t shr_jam64(uint64_t x, int n)
{
    if (n <= 0) {
        return x;
    }
    if (n >= 64) {
        return x != 0;
    }
    return (x >> n) | ((x << (64 - n)) != 0);
}

static inline u128 shr_jam128(u128 x, int n)
{
    if (n <= 0) {
        return x;
    }
    if (n >= 128) {
        return x != 0;
    }
    return (x >> n) | ((x << (128 - n)) != 0);
}

static inline int clz128(u128 x)
{
    uint64_t hi = x >> 64;

    return hi ? __builtin_clzll(hi) : 64 + __builtin_clzll((uint64_t)x);
}

typedef struct Unpacked {
    bool sign;
    int exp;
    uint64_t sig;
} Unpacked;

/* Finite non-zero x. */
static Unpacked unpack(const SFFormat *f, uint64_t x)
{
    Unpacked u = {.sign = sign_of(f, x)};
    int e = exp_field(f, x);
    uint64_t frac = x & frac_mask(f);

    if (e == 0) {
        int shift = __builtin_clzll(frac) - (63 - f->frac_bits);

        frac <<= shift;
        u.exp = -shift;
    } else {
        frac |= 1ULL << f->frac_bits;
        u.exp = e - 1;
    }
    u.sig = frac << (62 - f->frac_bits);
    return u;
}

/* Unbiased exponent of an unpacked value: value = sig / 2^62 * 2^k. */
static inline int unbiased(const SFFormat *f, int exp)
{
    return exp + 1 - f->bias;
}

static inline int biased(const SFFormat *f, int k)
{
    return k + f->bias - 1;
}

/* Round sig (leading one at bit 62, or smaller for a subnormal) and pack. */
static uint64_t round_pack(const SFFormat *f, bool sign, int exp, uint64_t sig, int rm,
                           uint32_t *fl)
{
    int shift = 62 - f->frac_bits;
    uint64_t mask = (1ULL << shift) - 1, half = 1ULL << (shift - 1);
    uint64_t inc, round_bits;

    switch (rm) {
    case RM_RNE:
    case RM_RMM:
        inc = half;
        break;
    case RM_RDN:
        inc = sign ? mask : 0;
        break;
    case RM_RUP:
        inc = sign ? 0 : mask;
        break;
    default: /* RM_RTZ */
        inc = 0;
        break;
    }
    round_bits = sig & mask;
    if ((unsigned)exp >= (unsigned)(emax(f) - 2)) {
        if (exp < 0) {
            /* Tiny after rounding unless rounding carries it into the normal range. */
            bool tiny = exp < -1 || sig + inc < (1ULL << 63);

            sig = shr_jam64(sig, -exp);
            exp = 0;
            round_bits = sig & mask;
            if (tiny && round_bits) {
                *fl |= FFLAG_UF;
            }
        } else if (exp > emax(f) - 2 || sig + inc >= (1ULL << 63)) {
            *fl |= FFLAG_OF | FFLAG_NX;
            /* Infinity, or the largest finite value when rounding toward zero-ish. */
            return inf_of(f, sign) - (inc == 0);
        }
    }
    sig = (sig + inc) >> shift;
    if (round_bits) {
        *fl |= FFLAG_NX;
    }
    if (rm == RM_RNE && round_bits == half) {
        sig &= ~1ULL; /* a tie: to even */
    }
    if (!sig) {
        exp = 0;
    }
    return pack(f, sign, exp, sig);
}

static uint64_t norm_round_pack(const SFFormat *f, bool sign, int exp, uint64_t sig, int rm,
                                uint32_t *fl)
{
    int lz = __builtin_clzll(sig);

    if (lz == 0) {
        sig = shr_jam64(sig, 1);
        exp++;
    } else {
        sig <<= lz - 1;
        exp -= lz - 1;
    }
    return round_pack(f, sign, exp, sig, rm, fl);
}

uint64_t sf_add(const SFFormat *f, uint64_t a, uint64_t b, bool negate_b, int rm, uint32_t *fl)
{
    Unpacked ua, ub, t;
    uint64_t sig;
    int exp;

    if (is_nan(f, a) || is_nan(f, b)) {
        return nan_result(f, a, b, fl);
    }
    if (negate_b) {
        b ^= sign_bit(f);
    }
    if (is_inf(f, a)) {
        if (is_inf(f, b) && sign_of(f, a) != sign_of(f, b)) {
            return invalid(f, fl);
        }
        return a;
    }
    if (is_inf(f, b)) {
        return b;
    }
    if (is_zero(f, a) && is_zero(f, b)) {
        /* Exact zero sum of opposite signs is +0, or -0 rounding down (IEEE 754 §6.3). */
        return sign_of(f, a) == sign_of(f, b) ? a : zero_of(f, rm == RM_RDN);
    }
    if (is_zero(f, a)) {
        return b;
    }
    if (is_zero(f, b)) {
        return a;
    }
    ua = unpack(f, a);
    ub = unpack(f, b);
    if (ua.exp < ub.exp || (ua.exp == ub.exp && ua.sig < ub.sig)) {
        t = ua;
        ua = ub;
        ub = t;
    }
    ub.sig = shr_jam64(ub.sig, ua.exp - ub.exp);
    exp = ua.exp;
    if (ua.sign == ub.sign) {
        sig = ua.sig + ub.sig;
        if (sig >> 63) {
            sig = shr_jam64(sig, 1);
            exp++;
        }
        return round_pack(f, ua.sign, exp, sig, rm, fl);
    }
    sig = ua.sig - ub.sig;
    if (!sig) {
        return zero_of(f, rm == RM_RDN);
    }
    return norm_round_pack(f, ua.sign, exp, sig, rm, fl);
}

/* The exact product of two unpacked values, as (exp, sig with sticky). */
static void mul_core(const SFFormat *f, Unpacked ua, Unpacked ub, int *exp, uint64_t *sig)
{
    u128 p = (u128)ua.sig * ub.sig; /* in [2^124, 2^126) */

    if (p >> 125) {
        *sig = (uint64_t)shr_jam128(p, 63);
        *exp = ua.exp + ub.exp + 2 - f->bias;
    } else {
        *sig = (uint64_t)shr_jam128(p, 62);
        *exp = ua.exp + ub.exp + 1 - f->bias;
    }
}

uint64_t sf_mul(const SFFormat *f, uint64_t a, uint64_t b, int rm, uint32_t *fl)
{
    bool sign = sign_of(f, a) ^ sign_of(f, b);
    uint64_t sig;
    int exp;

    if (is_nan(f, a) || is_nan(f, b)) {
        return nan_result(f, a, b, fl);
    }
    if (is_inf(f, a) || is_inf(f, b)) {
        if (is_zero(f, a) || is_zero(f, b)) {
            return invalid(f, fl);
        }
        return inf_of(f, sign);
    }
    if (is_zero(f, a) || is_zero(f, b)) {
        return zero_of(f, sign);
    }
    mul_core(f, unpack(f, a), unpack(f, b), &exp, &sig);
    return round_pack(f, sign, exp, sig, rm, fl);
}

uint64_t sf_div(const SFFormat *f, uint64_t a, uint64_t b, int rm, uint32_t *fl)
{
    bool sign = sign_of(f, a) ^ sign_of(f, b);
    Unpacked ua, ub;
    u128 num;
    uint64_t q, r, sig;
    int exp;

    if (is_nan(f, a) || is_nan(f, b)) {
        return nan_result(f, a, b, fl);
    }
    if (is_inf(f, a)) {
        return is_inf(f, b) ? invalid(f, fl) : inf_of(f, sign);
    }
    if (is_inf(f, b)) {
        return zero_of(f, sign);
    }
    if (is_zero(f, b)) {
        if (is_zero(f, a)) {
            return invalid(f, fl);
        }
        *fl |= FFLAG_DZ;
        return inf_of(f, sign);
    }
    if (is_zero(f, a)) {
        return zero_of(f, sign);
    }
    ua = unpack(f, a);
    ub = unpack(f, b);
    num = (u128)ua.sig << 63;
    q = (uint64_t)(num / ub.sig); /* sa/sb in (1/2, 2): q in (2^62, 2^64) */
    r = (uint64_t)(num % ub.sig);
    if (q >> 63) {
        sig = (q >> 1) | (q & 1) | (r != 0);
        exp = ua.exp - ub.exp + f->bias - 1;
    } else {
        sig = q | (r != 0);
        exp = ua.exp - ub.exp + f->bias - 2;
    }
    return round_pack(f, sign, exp, sig, rm, fl);
}

/* floor(sqrt(n)) and whether it was exact. */
static uint64_t isqrt128(u128 n, bool *exact)
{
    u128 rem = n, root = 0, bit = (u128)1 << 126;

    while (bit > rem) {
        bit >>= 2;
    }
    while (bit) {
        if (rem >= root + bit) {
            rem -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    *exact = rem == 0;
    return (uint64_t)root;
}

uint64_t sf_sqrt(const SFFormat *f, uint64_t a, int rm, uint32_t *fl)
{
    Unpacked u;
    int k, k2;
    u128 n;
    uint64_t root;
    bool exact;

    if (is_nan(f, a)) {
        return nan_result(f, a, a, fl);
    }
    if (is_zero(f, a)) {
        return a; /* sqrt(-0) = -0 */
    }
    if (sign_of(f, a)) {
        return invalid(f, fl);
    }
    if (is_inf(f, a)) {
        return a;
    }
    u = unpack(f, a);
    k = unbiased(f, u.exp);
    if (k & 1) {
        n = (u128)u.sig << 63;
        k2 = (k - 1) / 2;
    } else {
        n = (u128)u.sig << 62;
        k2 = k / 2;
    }
    root = isqrt128(n, &exact); /* in [2^62, 2^63) */
    return round_pack(f, false, biased(f, k2), root | !exact, rm, fl);
}

uint64_t sf_fma(const SFFormat *f, uint64_t a, uint64_t b, uint64_t c, bool negate_prod,
                bool negate_c, int rm, uint32_t *fl)
{
    bool sp = sign_of(f, a) ^ sign_of(f, b) ^ negate_prod;
    bool sc = sign_of(f, c) ^ negate_c;
    bool inf_times_zero = (is_inf(f, a) && is_zero(f, b)) || (is_zero(f, a) && is_inf(f, b));
    Unpacked ua, ub, uc;
    u128 p, cc, s;
    int pk, ck, e, lead, shift;
    bool sign;
    uint64_t sig;

    /* ∞ × 0 is invalid even with a quiet NaN addend (unprivileged spec §11.6). */
    if (inf_times_zero) {
        return invalid(f, fl);
    }
    if (is_nan(f, a) || is_nan(f, b) || is_nan(f, c)) {
        if (is_snan(f, c)) {
            *fl |= FFLAG_NV;
        }
        return nan_result(f, a, b, fl);
    }
    if (is_inf(f, a) || is_inf(f, b)) {
        if (is_inf(f, c) && sc != sp) {
            return invalid(f, fl);
        }
        return inf_of(f, sp);
    }
    if (is_inf(f, c)) {
        return inf_of(f, sc);
    }
    if (is_zero(f, a) || is_zero(f, b)) {
        if (is_zero(f, c)) {
            return zero_of(f, sp == sc ? sp : rm == RM_RDN);
        }
        return c ^ (negate_c ? sign_bit(f) : 0);
    }
    ua = unpack(f, a);
    ub = unpack(f, b);
    if (is_zero(f, c)) {
        mul_core(f, ua, ub, &e, &sig);
        return round_pack(f, sp, e, sig, rm, fl);
    }
    uc = unpack(f, c);

    /* p and cc as 128-bit significands scaled by 2^-124: value = x / 2^124 * 2^k. */
    p = (u128)ua.sig * ub.sig;
    pk = unbiased(f, ua.exp) + unbiased(f, ub.exp);
    cc = (u128)uc.sig << 62;
    ck = unbiased(f, uc.exp);
    if (pk >= ck) {
        cc = shr_jam128(cc, pk - ck);
        e = pk;
    } else {
        p = shr_jam128(p, ck - pk);
        e = ck;
    }
    if (sp == sc) {
        s = p + cc;
        sign = sp;
    } else if (p >= cc) {
        s = p - cc;
        sign = sp;
    } else {
        s = cc - p;
        sign = sc;
    }
    if (s == 0) {
        return zero_of(f, rm == RM_RDN);
    }
    lead = 127 - clz128(s);
    shift = lead - 62;
    sig = shift > 0 ? (uint64_t)shr_jam128(s, shift) : (uint64_t)(s << -shift);
    return round_pack(f, sign, biased(f, e + shift - 62), sig, rm, fl);
}

/* a < b with -0 < +0 (the ordering fmin/fmax use); neither is a NaN. */
static bool lt_signed_zero(const SFFormat *f, uint64_t a, uint64_t b)
{
    bool sa = sign_of(f, a), sb = sign_of(f, b);
    uint64_t ma = a & (sign_bit(f) - 1), mb = b & (sign_bit(f) - 1);

    if (sa != sb) {
        return sa;
    }
    return sa ? ma > mb : ma < mb;
}

/* a < b as IEEE orders them (-0 == +0); neither is a NaN. */
static bool lt_ieee(const SFFormat *f, uint64_t a, uint64_t b)
{
    if (is_zero(f, a) && is_zero(f, b)) {
        return false;
    }
    return lt_signed_zero(f, a, b);
}

static bool eq_ieee(const SFFormat *f, uint64_t a, uint64_t b)
{
    return a == b || (is_zero(f, a) && is_zero(f, b));
}

/* fmin/fmax (F spec v2.2, IEEE 754-2019 minimumNumber/maximumNumber). */
uint64_t sf_minmax(const SFFormat *f, uint64_t a, uint64_t b, bool is_max, uint32_t *fl)
{
    bool an = is_nan(f, a), bn = is_nan(f, b);

    if (is_snan(f, a) || is_snan(f, b)) {
        *fl |= FFLAG_NV;
    }
    if (an && bn) {
        return sf_default_nan(f);
    }
    if (an) {
        return b;
    }
    if (bn) {
        return a;
    }
    if (is_max) {
        return lt_signed_zero(f, a, b) ? b : a;
    }
    return lt_signed_zero(f, a, b) ? a : b;
}

bool sf_compare(const SFFormat *f, uint64_t a, uint64_t b, int op, uint32_t *fl)
{
    if (is_nan(f, a) || is_nan(f, b)) {
        /* feq is quiet: only signaling NaNs are invalid; flt/fle signal on any NaN. */
        if (op != 2 || is_snan(f, a) || is_snan(f, b)) {
            *fl |= FFLAG_NV;
        }
        return false;
    }
    switch (op) {
    case 0:
        return lt_ieee(f, a, b) || eq_ieee(f, a, b);
    case 1:
        return lt_ieee(f, a, b);
    default:
        return eq_ieee(f, a, b);
    }
}

/* fclass bits (unprivileged spec table 11.5). */
unsigned sf_classify(const SFFormat *f, uint64_t a)
{
    bool sign = sign_of(f, a);

    if (is_nan(f, a)) {
        return is_snan(f, a) ? 1u << 8 : 1u << 9;
    }
    if (is_inf(f, a)) {
        return sign ? 1u << 0 : 1u << 7;
    }
    if (is_zero(f, a)) {
        return sign ? 1u << 3 : 1u << 4;
    }
    if (exp_field(f, a) == 0) {
        return sign ? 1u << 2 : 1u << 5;
    }
    return sign ? 1u << 1 : 1u << 6;
}

int64_t sf_to_int(const SFFormat *f, uint64_t a, int bits, bool is_signed, int rm, uint32_t *fl)
{
    uint64_t max = is_signed ? (1ULL << (bits - 1)) - 1 : (bits == 64 ? UINT64_MAX : (1ULL << bits) - 1);
    uint64_t min = is_signed ? -(1ULL << (bits - 1)) : 0; /* as a bit pattern */
    bool sign = sign_of(f, a);
    uint64_t mag, rem, half;
    bool inc = false;
    Unpacked u;
    int k, s;

    if (is_nan(f, a)) {
        *fl |= FFLAG_NV;
        return max;
    }
    if (is_inf(f, a)) {
        *fl |= FFLAG_NV;
        return sign ? min : max;
    }
    if (is_zero(f, a)) {
        return 0;
    }
    u = unpack(f, a);
    k = unbiased(f, u.exp);
    if (k >= 64) {
        *fl |= FFLAG_NV;
        return sign ? min : max;
    }
    if (k >= 62) {
        mag = u.sig << (k - 62);
        rem = 0;
    } else {
        s = 62 - k;
        if (s >= 64) {
            mag = 0;
            rem = u.sig;
            half = UINT64_MAX; /* below one half: never a tie, never above */
        } else {
            mag = u.sig >> s;
            rem = u.sig & ((1ULL << s) - 1);
            half = 1ULL << (s - 1);
        }
        if (rem) {
            switch (rm) {
            case RM_RNE:
                inc = rem > half || (rem == half && (mag & 1));
                break;
            case RM_RMM:
                inc = rem >= half;
                break;
            case RM_RDN:
                inc = sign;
                break;
            case RM_RUP:
                inc = !sign;
                break;
            default:
                break;
            }
        }
        mag += inc;
    }
    if (is_signed) {
        if ((!sign && mag > max) || (sign && mag > (1ULL << (bits - 1)))) {
            *fl |= FFLAG_NV;
            return sign ? min : max;
        }
    } else if ((sign && mag != 0) || (!sign && mag > max)) {
        *fl |= FFLAG_NV;
        return sign ? min : max;
    }
    if (rem) {
        *fl |= FFLAG_NX;
    }
    return sign ? -mag : mag;
}

uint64_t sf_from_int(const SFFormat *f, uint64_t v, bool is_signed, int rm, uint32_t *fl)
{
    bool sign = is_signed && (int64_t)v < 0;
    uint64_t mag = sign ? -v : v;
    int lz;

    if (!mag) {
        return zero_of(f, false);
    }
    lz = __builtin_clzll(mag);
    return round_pack(f, sign, biased(f, 63 - lz), shr_jam64(mag << lz, 1), rm, fl);
}

uint64_t sf_convert(const SFFormat *to, const SFFormat *from, uint64_t a, int rm, uint32_t *fl)
{
    bool sign = sign_of(from, a);
    Unpacked u;

    if (is_nan(from, a)) {
        nan_result(from, a, a, fl);
        return sf_default_nan(to);
    }
    if (is_inf(from, a)) {
        return inf_of(to, sign);
    }
    if (is_zero(from, a)) {
        return zero_of(to, sign);
    }
    u = unpack(from, a);
    return round_pack(to, sign, biased(to, unbiased(from, u.exp)), u.sig, rm, fl);
}
