/*
 * QEMU-compatible option value parsing.
 */
#include "util/option.h"
#include "util/error.h"
#include <math.h>

static void keyval_item_free(gpointer p)
{
    KeyVal *item = p;
    g_free(item->key);
    g_free(item->value);
    g_free(item);
}

/* Read up to an unescaped terminator; ",," stands for ','. */
static char *read_token(const char **pp, const char *stops)
{
    GString *out = g_string_new(NULL);
    const char *p = *pp;

    while (*p) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(out, ',');
            p += 2;
            continue;
        }
        if (strchr(stops, *p)) {
            break;
        }
        g_string_append_c(out, *p++);
    }
    *pp = p;
    return g_string_free(out, FALSE);
}

void keyval_append_escaped(GString *out, const char *value)
{
    for (const char *p = value; *p; p++) {
        g_string_append_c(out, *p);
        if (*p == ',') {
            g_string_append_c(out, ',');
        }
    }
}

KeyValList *keyval_parse(const char *optname, const char *str, const char *implied_key,
                         GError **errp)
{
    KeyValList *kv = g_new0(KeyValList, 1);
    const char *p = str;
    bool first = true;

    kv->optname = g_strdup(optname);
    kv->items = g_ptr_array_new_with_free_func(keyval_item_free);

    while (*p) {
        KeyVal *item = g_new0(KeyVal, 1);
        char *tok = read_token(&p, "=,");

        if (*p == '=') {
            p++;
            item->key = tok;
            item->value = read_token(&p, ",");
        } else if (first && implied_key) {
            item->key = g_strdup(implied_key);
            item->value = tok;
        } else {
            item->key = tok;
            item->value = g_strdup("on");
        }
        g_ptr_array_add(kv->items, item);
        if (item->key[0] == '\0') {
            error_setg(errp, "%s '%s': empty parameter name", optname, str);
            keyval_free(kv);
            return NULL;
        }
        if (*p == ',') {
            p++;
        }
        first = false;
    }
    return kv;
}

void keyval_free(KeyValList *kv)
{
    if (!kv) {
        return;
    }
    g_ptr_array_unref(kv->items);
    g_free(kv->optname);
    g_free(kv);
}

const char *keyval_take(KeyValList *kv, const char *key)
{
    const char *found = NULL;

    for (guint i = 0; i < kv->items->len; i++) {
        KeyVal *item = g_ptr_array_index(kv->items, i);
        if (strcmp(item->key, key) == 0) {
            item->used = true;
            found = item->value;
        }
    }
    return found;
}

bool keyval_take_bool(KeyValList *kv, const char *key, bool def, bool *out, GError **errp)
{
    const char *v = keyval_take(kv, key);
    g_autoptr(GError) err = NULL;

    *out = def;
    if (!v) {
        return true;
    }
    if (!parse_bool(v, out, &err)) {
        error_setg(errp, "%s: %s=%s: %s", kv->optname, key, v, err->message);
        return false;
    }
    return true;
}

bool keyval_take_size(KeyValList *kv, const char *key, uint64_t def, uint64_t *out,
                      GError **errp)
{
    const char *v = keyval_take(kv, key);
    g_autoptr(GError) err = NULL;

    *out = def;
    if (!v) {
        return true;
    }
    if (!parse_size(v, 1, out, &err)) {
        error_setg(errp, "%s: %s=%s: %s", kv->optname, key, v, err->message);
        return false;
    }
    return true;
}

bool keyval_take_uint(KeyValList *kv, const char *key, uint64_t def, uint64_t *out,
                      GError **errp)
{
    const char *v = keyval_take(kv, key);
    g_autoptr(GError) err = NULL;

    *out = def;
    if (!v) {
        return true;
    }
    if (!parse_uint(v, out, &err)) {
        error_setg(errp, "%s: %s=%s: %s", kv->optname, key, v, err->message);
        return false;
    }
    return true;
}

bool keyval_check_all_used(KeyValList *kv, const char *accepted, GError **errp)
{
    for (guint i = 0; i < kv->items->len; i++) {
        KeyVal *item = g_ptr_array_index(kv->items, i);
        if (!item->used) {
            error_setg(errp, "%s: unknown parameter '%s'%s%s", kv->optname, item->key,
                       accepted ? "; accepted: " : "", accepted ? accepted : "");
            return false;
        }
    }
    return true;
}

bool parse_uint(const char *str, uint64_t *out, GError **errp)
{
    char *end;

    if (!str || !*str || *str == '-' || g_ascii_isspace(*str)) {
        error_setg(errp, "'%s' is not a non-negative integer", str ? str : "");
        return false;
    }
    errno = 0;
    *out = g_ascii_strtoull(str, &end, 0);
    if (errno == ERANGE) {
        error_setg(errp, "'%s' is out of range", str);
        return false;
    }
    if (*end) {
        error_setg(errp, "'%s' is not a non-negative integer", str);
        return false;
    }
    return true;
}

bool parse_int(const char *str, int64_t *out, GError **errp)
{
    char *end;

    if (!str || !*str) {
        error_setg(errp, "empty value where an integer was expected");
        return false;
    }
    errno = 0;
    *out = g_ascii_strtoll(str, &end, 0);
    if (errno == ERANGE || *end) {
        error_setg(errp, "'%s' is not an integer", str);
        return false;
    }
    return true;
}

bool parse_bool(const char *str, bool *out, GError **errp)
{
    static const char *const yes[] = {"on", "yes", "true", "y", "1"};
    static const char *const no[] = {"off", "no", "false", "n", "0"};

    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (g_ascii_strcasecmp(str, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (g_ascii_strcasecmp(str, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    error_setg(errp, "'%s' is not a boolean; use on or off", str);
    return false;
}

static int suffix_shift(char c)
{
    switch (g_ascii_toupper(c)) {
    case 'B': return 0;
    case 'K': return 10;
    case 'M': return 20;
    case 'G': return 30;
    case 'T': return 40;
    case 'P': return 50;
    case 'E': return 60;
    default: return -1;
    }
}

bool parse_size(const char *str, uint64_t default_unit, uint64_t *out, GError **errp)
{
    char *end;
    double num;
    uint64_t unit = default_unit;

    if (!str || !g_ascii_isdigit(*str)) {
        goto bad;
    }
    num = g_ascii_strtod(str, &end);
    if (*end) {
        int shift = suffix_shift(*end);
        if (shift < 0) {
            goto bad;
        }
        unit = 1ULL << shift;
        end++;
        /* Accept "512MB", "512MiB" as people write them. */
        if (g_ascii_strcasecmp(end, "b") == 0 || g_ascii_strcasecmp(end, "ib") == 0) {
            end += strlen(end);
        }
        if (*end) {
            goto bad;
        }
    }
    if (!isfinite(num) || num * (double)unit >= 18446744073709551616.0) {
        error_setg(errp, "'%s' is too large", str);
        return false;
    }
    if (num * unit != floor(num * unit)) {
        error_setg(errp, "'%s' is not a whole number of bytes", str);
        return false;
    }
    *out = (uint64_t)(num * unit);
    return true;

bad:
    error_setg(errp, "'%s' is not a valid size; use a number with an optional suffix "
                     "K, M, G or T, e.g. 512M or 2G",
               str ? str : "");
    return false;
}
