/*
 * The config file of -readconfig and -writeconfig, in the format qemu-system
 * writes: sections "[group]" or "[group "id"]", then indented lines
 * 'key = "value"'; '#' starts a comment line.
 *
 * Each section stands for one option: its keys become "key=value,..." (the
 * implied key's value first and bare, ',' doubled) and the id in the header
 * becomes id=. Keys that are options of their own ([machine] kernel) go to
 * those options. Unlike QEMU, a value may hold '"' and '\' written as \" and
 * \\; everything else is read as QEMU reads it.
 */
#include "system/config-file.h"
#include "util/error.h"
#include "util/option.h"

/* ---- reading ---- */

typedef struct Section {
    const char *path;
    int line;
    char *name;
    char *id;          /* NULL: no id in the header */
    GPtrArray *keys;   /* of char* */
    GPtrArray *values; /* of char*, parallel to keys */
    GArray *lines;     /* of int: where each key was */
} Section;

static void section_clear(Section *s)
{
    g_clear_pointer(&s->name, g_free);
    g_clear_pointer(&s->id, g_free);
    g_clear_pointer(&s->keys, g_ptr_array_unref);
    g_clear_pointer(&s->values, g_ptr_array_unref);
    g_clear_pointer(&s->lines, g_array_unref);
}

static const ConfigGroup *find_row(const ConfigGroup *groups, size_t n, const char *section,
                                   const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(groups[i].section, section) && !g_strcmp0(groups[i].key, key)) {
            return &groups[i];
        }
    }
    return NULL;
}

static void append_item(GString *out, const char *key, const char *value)
{
    if (out->len) {
        g_string_append_c(out, ',');
    }
    if (key) {
        g_string_append_printf(out, "%s=", key);
    }
    keyval_append_escaped(out, value);
}

/*
 * rows[i]: the option key i stands for on its own, NULL when it belongs to the
 * section's own option.
 */

/* Index of the section's implied key when its value can stand bare, or -1. */
static int implied_index(const Section *s, const ConfigGroup *own, const ConfigGroup **rows)
{
    for (guint i = 0; own->implied_key && i < s->keys->len; i++) {
        if (!rows[i] && !strcmp(g_ptr_array_index(s->keys, i), own->implied_key)) {
            return strchr(g_ptr_array_index(s->values, i), '=') ? -1 : (int)i;
        }
    }
    return -1;
}

/* The section's keys that belong to the section's own option, as its argument. */
static char *section_option_arg(const Section *s, const ConfigGroup *own, const ConfigGroup **rows)
{
    GString *out = g_string_new(NULL);
    int implied = implied_index(s, own, rows);

    if (implied >= 0) {
        append_item(out, NULL, g_ptr_array_index(s->values, implied));
    }
    if (s->id) {
        append_item(out, "id", s->id);
    }
    for (guint i = 0; i < s->keys->len; i++) {
        if (!rows[i] && (int)i != implied) {
            append_item(out, g_ptr_array_index(s->keys, i), g_ptr_array_index(s->values, i));
        }
    }
    return g_string_free(out, FALSE);
}

static bool apply_one(const Section *s, int line, const ConfigGroup *row, const char *arg,
                      ConfigApplyFunc *apply, void *opaque, GError **errp)
{
    if (!apply(row, arg, opaque, errp)) {
        g_prefix_error(errp, "%s:%d: ", s->path, line);
        return false;
    }
    return true;
}

/*
 * Hand a finished section to its options: the section's own option first, then
 * the keys that are options of their own, so a file written back keeps its order.
 */
static bool apply_section(const Section *s, const ConfigGroup *groups, size_t n,
                          ConfigApplyFunc *apply, void *opaque, GError **errp)
{
    const ConfigGroup *own = find_row(groups, n, s->name, NULL);
    g_autofree const ConfigGroup **rows = g_new0(const ConfigGroup *, s->keys->len + 1);
    g_autofree char *arg = NULL;
    guint rest = 0;

    for (guint i = 0; i < s->keys->len; i++) {
        rows[i] = find_row(groups, n, s->name, g_ptr_array_index(s->keys, i));
        rest += !rows[i];
    }
    /* A merged section whose keys are all options of their own leaves nothing for its own. */
    if (!own->merge || rest) {
        arg = section_option_arg(s, own, rows);
        if (!apply_one(s, s->line, own, arg, apply, opaque, errp)) {
            return false;
        }
    }
    for (guint i = 0; i < s->keys->len; i++) {
        if (rows[i] && !apply_one(s, g_array_index(s->lines, int, i), rows[i],
                                  g_ptr_array_index(s->values, i), apply, opaque, errp)) {
            return false;
        }
    }
    return true;
}

static bool is_name_char(char c)
{
    return g_ascii_isalnum(c) || c == '-' || c == '_' || c == '.';
}

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    return p;
}

/* A "quoted string" at *pp with \" and \\ escapes; *pp ends past the closing quote. */
static char *parse_quoted(const char **pp)
{
    GString *out = g_string_new(NULL);
    const char *p = *pp + 1;

    for (; *p && *p != '"'; p++) {
        if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) {
            p++;
        }
        g_string_append_c(out, *p);
    }
    if (*p != '"') {
        g_string_free(out, TRUE);
        return NULL;
    }
    *pp = p + 1;
    return g_string_free(out, FALSE);
}

/* Only blanks may follow p on the line. */
static bool at_line_end(const char *p)
{
    return *skip_space(p) == '\0';
}

static bool parse_header(Section *s, const char *p, const ConfigGroup *groups, size_t n,
                         GError **errp)
{
    const char *start = ++p;
    const ConfigGroup *any;

    while (is_name_char(*p)) {
        p++;
    }
    s->name = g_strndup(start, p - start);
    p = skip_space(p);
    if (*p == '"' && !(s->id = parse_quoted(&p))) {
        error_setg(errp, "%s:%d: the section's id has no closing quote", s->path, s->line);
        return false;
    }
    p = skip_space(p);
    if (!*s->name || *p != ']' || !at_line_end(p + 1)) {
        error_setg(errp, "%s:%d: bad section header; write [group] or [group \"id\"]", s->path,
                   s->line);
        return false;
    }
    any = find_row(groups, n, s->name, NULL);
    if (!any) {
        g_autoptr(GString) known = g_string_new(NULL);

        for (size_t i = 0; i < n; i++) {
            if (!groups[i].key && find_row(groups, n, groups[i].section, NULL) == &groups[i]) {
                g_string_append_printf(known, "%s%s", known->len ? ", " : "", groups[i].section);
            }
        }
        error_setg(errp, "%s:%d: unknown group '%s'; known groups: %s", s->path, s->line, s->name,
                   known->str);
        return false;
    }
    if (any->merge && s->id) {
        error_setg(errp, "%s:%d: [%s] takes no id", s->path, s->line, s->name);
        return false;
    }
    return true;
}

static bool parse_key_line(Section *s, const char *p, int line, GError **errp)
{
    const char *start = p;
    g_autofree char *key = NULL;
    char *value;

    while (is_name_char(*p)) {
        p++;
    }
    key = g_strndup(start, p - start);
    p = skip_space(p);
    if (!*key || *p != '=') {
        error_setg(errp, "%s:%d: expected key = \"value\"", s->path, line);
        return false;
    }
    p = skip_space(p + 1);
    if (*p != '"') {
        error_setg(errp, "%s:%d: the value of '%s' must be in double quotes", s->path, line, key);
        return false;
    }
    value = parse_quoted(&p);
    if (!value) {
        error_setg(errp, "%s:%d: the value of '%s' has no closing quote", s->path, line, key);
        return false;
    }
    g_ptr_array_add(s->values, value);
    g_ptr_array_add(s->keys, g_steal_pointer(&key));
    g_array_append_val(s->lines, line);
    if (!at_line_end(p)) {
        error_setg(errp, "%s:%d: text after the closing quote", s->path, line);
        return false;
    }
    return true;
}

static void section_start(Section *s, const char *path, int line)
{
    section_clear(s);
    s->path = path;
    s->line = line;
    s->keys = g_ptr_array_new_with_free_func(g_free);
    s->values = g_ptr_array_new_with_free_func(g_free);
    s->lines = g_array_new(FALSE, FALSE, sizeof(int));
}

bool config_file_read(const char *path, const ConfigGroup *groups, size_t n_groups,
                      ConfigApplyFunc *apply, void *opaque, GError **errp)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GError) err = NULL;
    Section s = {0};
    bool ok = true;

    if (!g_file_get_contents(path, &text, NULL, &err)) {
        error_setg(errp, "-readconfig %s: %s", path, err->message);
        return false;
    }
    lines = g_strsplit(text, "\n", -1);
    for (int i = 0; ok && lines[i]; i++) {
        const char *p = skip_space(g_strchomp(lines[i]));

        if (*p == '\0' || *p == '#') {
            continue;
        }
        if (*p == '[') {
            ok = (!s.name || apply_section(&s, groups, n_groups, apply, opaque, errp));
            if (ok) {
                section_start(&s, path, i + 1);
                ok = parse_header(&s, p, groups, n_groups, errp);
            }
        } else if (!s.name) {
            error_setg(errp, "%s:%d: a key outside any section; start one with [group]", path,
                       i + 1);
            ok = false;
        } else {
            ok = parse_key_line(&s, p, i + 1, errp);
        }
    }
    if (ok && s.name) {
        ok = apply_section(&s, groups, n_groups, apply, opaque, errp);
    }
    section_clear(&s);
    return ok;
}

/* ---- writing ---- */

typedef struct OutSection {
    const char *name;
    char *id;
    bool merge;
    GPtrArray *keys, *values; /* of char* */
} OutSection;

static void out_section_free(gpointer p)
{
    OutSection *o = p;

    g_free(o->id);
    g_ptr_array_unref(o->keys);
    g_ptr_array_unref(o->values);
    g_free(o);
}

static OutSection *out_section(GPtrArray *out, const ConfigGroup *g)
{
    OutSection *o;

    for (guint i = 0; g->merge && i < out->len; i++) {
        o = g_ptr_array_index(out, i);
        if (o->merge && !strcmp(o->name, g->section)) {
            return o;
        }
    }
    o = g_new0(OutSection, 1);
    o->name = g->section;
    o->merge = g->merge;
    o->keys = g_ptr_array_new_with_free_func(g_free);
    o->values = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(out, o);
    return o;
}

/* In a merged section a later use of a key replaces the earlier, as on the command line. */
static void out_set(OutSection *o, const char *key, const char *value)
{
    for (guint i = 0; i < o->keys->len; i++) {
        if (!strcmp(g_ptr_array_index(o->keys, i), key)) {
            g_free(o->values->pdata[i]);
            o->values->pdata[i] = g_strdup(value);
            return;
        }
    }
    g_ptr_array_add(o->keys, g_strdup(key));
    g_ptr_array_add(o->values, g_strdup(value));
}

static bool out_add_entry(GPtrArray *out, const ConfigEntry *e, GError **errp)
{
    const ConfigGroup *g = e->group;
    g_autofree char *optname = g_strdup_printf("-%s", g->option);
    g_autoptr(KeyValList) kv = NULL;
    OutSection *o;

    if (g->key) {
        out_set(out_section(out, g), g->key, e->arg);
        return true;
    }
    kv = keyval_parse(optname, e->arg, g->implied_key, errp);
    if (!kv) {
        return false;
    }
    o = out_section(out, g);
    for (guint i = 0; i < kv->items->len; i++) {
        KeyVal *item = g_ptr_array_index(kv->items, i);

        if (!g->merge && !strcmp(item->key, "id")) {
            g_free(o->id);
            o->id = g_strdup(item->value);
        } else {
            out_set(o, item->key, item->value);
        }
    }
    return true;
}

static void append_quoted(GString *s, const char *value)
{
    g_string_append_c(s, '"');
    for (const char *p = value; *p; p++) {
        if (*p == '"' || *p == '\\') {
            g_string_append_c(s, '\\');
        }
        g_string_append_c(s, *p);
    }
    g_string_append_c(s, '"');
}

static char *config_text(GPtrArray *out)
{
    GString *s = g_string_new("# mimic config file (read it back with -readconfig)\n");

    for (guint i = 0; i < out->len; i++) {
        OutSection *o = g_ptr_array_index(out, i);

        g_string_append_printf(s, "\n[%s", o->name);
        if (o->id) {
            g_string_append_c(s, ' ');
            append_quoted(s, o->id);
        }
        g_string_append(s, "]\n");
        for (guint k = 0; k < o->keys->len; k++) {
            g_string_append_printf(s, "  %s = ", (char *)g_ptr_array_index(o->keys, k));
            append_quoted(s, g_ptr_array_index(o->values, k));
            g_string_append_c(s, '\n');
        }
    }
    return g_string_free(s, FALSE);
}

bool config_file_write(const char *path, const ConfigEntry *entries, size_t n_entries,
                       GError **errp)
{
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(out_section_free);
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;

    for (size_t i = 0; i < n_entries; i++) {
        if (!out_add_entry(out, &entries[i], errp)) {
            g_prefix_error(errp, "-writeconfig: ");
            return false;
        }
    }
    text = config_text(out);
    if (!strcmp(path, "-")) {
        fputs(text, stdout);
        fflush(stdout);
        return true;
    }
    if (!g_file_set_contents(path, text, -1, &err)) {
        error_setg(errp, "-writeconfig %s: %s", path, err->message);
        return false;
    }
    return true;
}
