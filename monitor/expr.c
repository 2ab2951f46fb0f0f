/*
 * The monitor's integer expressions, for print and for address arguments
 * (x /4xg $rsp + 8). 64-bit two's-complement arithmetic with C's operators
 * and precedence, lowest first:
 *
 *   |   ^   &   << >>   + -   * / %   unary - + ~   ( )  numbers  $registers
 *
 * Numbers are decimal, or hex after 0x. Deliberate differences from QEMU's
 * evaluator: C precedence (QEMU binds & | ^ tighter than + -), a leading 0 is
 * not octal, and a number running into letters ("12abc") is an error rather
 * than a silent stop. Division is signed; shifts are logical, and a shift by
 * 64 or more gives 0. The parser stops at the first character that cannot
 * continue the expression, so an argument that follows is left for the caller.
 */
#include "monitor/monitor-internal.h"

#define EXPR_MAX_DEPTH 64

typedef struct ExprParser {
    const char *p;
    int depth;
    GError **errp;
} ExprParser;

static bool expr_or(ExprParser *e, uint64_t *v);

static void expr_skip_spaces(ExprParser *e)
{
    while (*e->p == ' ' || *e->p == '\t') {
        e->p++;
    }
}

static bool expr_error_at(ExprParser *e, const char *what)
{
    if (!*e->p) {
        error_setg(e->errp, "%s at the end of the expression", what);
    } else {
        g_autofree char *near = g_strndup(e->p, 16);
        g_autofree char *esc = g_strescape(near, NULL);

        error_setg(e->errp, "%s at '%s'", what, esc);
    }
    return false;
}

static bool expr_is_word_char(char c)
{
    return g_ascii_isalnum(c) || c == '_';
}

static bool expr_number(ExprParser *e, uint64_t *v)
{
    const char *start = e->p;
    unsigned base = 10;
    uint64_t n = 0;
    bool digits = false;

    if (e->p[0] == '0' && (e->p[1] == 'x' || e->p[1] == 'X')) {
        base = 16;
        e->p += 2;
    }
    for (;; e->p++) {
        int d = g_ascii_xdigit_value(*e->p);

        if (d < 0 || (unsigned)d >= base) {
            break;
        }
        if (n > (UINT64_MAX - d) / base) {
            error_setg(e->errp, "number at '%.24s' does not fit in 64 bits", start);
            return false;
        }
        n = n * base + d;
        digits = true;
    }
    if (!digits || expr_is_word_char(*e->p)) {
        size_t len = 0;
        g_autofree char *word = NULL;

        while (len < 32 && expr_is_word_char(start[len])) {
            len++;
        }
        word = g_strndup(start, len);
        error_setg(e->errp, "invalid number '%s'; use decimal or 0x-prefixed hex", word);
        return false;
    }
    *v = n;
    return true;
}

static bool expr_register(ExprParser *e, uint64_t *v)
{
    const char *start = ++e->p;
    g_autofree char *name = NULL;

    while (expr_is_word_char(*e->p) || *e->p == '.') {
        e->p++;
    }
    if (e->p == start) {
        return expr_error_at(e, "expected a register name after '$'");
    }
    if (e->p - start > 32) {
        error_setg(e->errp, "register name is too long");
        return false;
    }
    name = g_strndup(start, e->p - start);
    return mon_get_register(name, v, e->errp);
}

static bool expr_unary(ExprParser *e, uint64_t *v)
{
    char op;
    bool ok;

    expr_skip_spaces(e);
    if (++e->depth > EXPR_MAX_DEPTH) {
        error_setg(e->errp, "expression is nested too deeply (at most %d levels)", EXPR_MAX_DEPTH);
        return false;
    }
    op = *e->p;
    switch (op) {
    case '-':
    case '+':
    case '~':
        e->p++;
        ok = expr_unary(e, v);
        if (ok && op == '-') {
            *v = -*v;
        } else if (ok && op == '~') {
            *v = ~*v;
        }
        break;
    case '(':
        e->p++;
        ok = expr_or(e, v);
        if (ok) {
            expr_skip_spaces(e);
            if (*e->p == ')') {
                e->p++;
            } else {
                ok = expr_error_at(e, "expected ')'");
            }
        }
        break;
    case '$':
        ok = expr_register(e, v);
        break;
    default:
        if (g_ascii_isdigit(op)) {
            ok = expr_number(e, v);
        } else {
            ok = expr_error_at(e, "expected a number, a $register or '('");
        }
        break;
    }
    e->depth--;
    return ok;
}

static bool expr_prod(ExprParser *e, uint64_t *v)
{
    if (!expr_unary(e, v)) {
        return false;
    }
    for (;;) {
        char op;
        uint64_t r;
        int64_t a, b;

        expr_skip_spaces(e);
        op = *e->p;
        if (op != '*' && op != '/' && op != '%') {
            return true;
        }
        e->p++;
        if (!expr_unary(e, &r)) {
            return false;
        }
        if (op == '*') {
            *v *= r;
            continue;
        }
        if (r == 0) {
            error_setg(e->errp, "division by zero");
            return false;
        }
        a = (int64_t)*v;
        b = (int64_t)r;
        if (b == -1) {
            /* INT64_MIN / -1 overflows in C; two's complement wraps to INT64_MIN. */
            *v = op == '/' ? -*v : 0;
        } else {
            *v = (uint64_t)(op == '/' ? a / b : a % b);
        }
    }
}

static bool expr_sum(ExprParser *e, uint64_t *v)
{
    if (!expr_prod(e, v)) {
        return false;
    }
    for (;;) {
        char op;
        uint64_t r;

        expr_skip_spaces(e);
        op = *e->p;
        if (op != '+' && op != '-') {
            return true;
        }
        e->p++;
        if (!expr_prod(e, &r)) {
            return false;
        }
        *v = op == '+' ? *v + r : *v - r;
    }
}

static bool expr_shift(ExprParser *e, uint64_t *v)
{
    if (!expr_sum(e, v)) {
        return false;
    }
    for (;;) {
        bool left;
        uint64_t r;

        expr_skip_spaces(e);
        if ((e->p[0] != '<' && e->p[0] != '>') || e->p[1] != e->p[0]) {
            return true;
        }
        left = e->p[0] == '<';
        e->p += 2;
        if (!expr_sum(e, &r)) {
            return false;
        }
        if (r >= 64) {
            *v = 0;
        } else {
            *v = left ? *v << r : *v >> r;
        }
    }
}

/* The three bitwise levels share a shape: next-level operand, then (op operand)*. */
static bool expr_bitwise(ExprParser *e, uint64_t *v, char op,
                         bool (*next)(ExprParser *, uint64_t *))
{
    if (!next(e, v)) {
        return false;
    }
    for (;;) {
        uint64_t r;

        expr_skip_spaces(e);
        if (*e->p != op) {
            return true;
        }
        e->p++;
        if (!next(e, &r)) {
            return false;
        }
        *v = op == '&' ? *v & r : op == '^' ? *v ^ r : *v | r;
    }
}

static bool expr_and(ExprParser *e, uint64_t *v)
{
    return expr_bitwise(e, v, '&', expr_shift);
}

static bool expr_xor(ExprParser *e, uint64_t *v)
{
    return expr_bitwise(e, v, '^', expr_and);
}

static bool expr_or(ExprParser *e, uint64_t *v)
{
    return expr_bitwise(e, v, '|', expr_xor);
}

bool mon_expr_parse(const char **pp, int64_t *value, GError **errp)
{
    ExprParser e = {.p = *pp, .errp = errp};
    uint64_t v;

    if (!expr_or(&e, &v)) {
        return false;
    }
    *value = (int64_t)v;
    *pp = e.p;
    return true;
}
