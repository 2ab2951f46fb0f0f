/*
 * The human monitor's front half: split a command line into a command (looked
 * up in hmp_commands, aliases as in "p|print"), parse its arguments by the
 * command's typed MonArgSpec list into a MonArgs, run the handler, and print
 * its result or its error as one line ("x: invalid format 'z'"). Also help,
 * and the candidates for Tab completion.
 *
 * Argument syntax follows QEMU's HMP: words separated by spaces, "quoted
 * strings", -X flags before the positional arguments, a /fmt right after the
 * command name (x/4xb or x /4xb), integer arguments as expressions.
 */
#include "monitor/monitor-internal.h"

/* The most units x/xp dump in one command: a typo must not flood the terminal. */
#define HMP_MAX_COUNT (1 << 16)

/* ---- MonArgs ---- */

struct MonArgs {
    GHashTable *values; /* name -> GVariant (sunk) */
};

MonArgs *mon_args_new(void)
{
    MonArgs *args = g_new0(MonArgs, 1);

    args->values =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_variant_unref);
    return args;
}

void mon_args_free(MonArgs *args)
{
    if (args) {
        g_hash_table_unref(args->values);
        g_free(args);
    }
}

static void mon_args_set(MonArgs *args, const char *name, GVariant *value)
{
    g_hash_table_replace(args->values, g_strdup(name), g_variant_ref_sink(value));
}

void mon_args_set_int(MonArgs *args, const char *name, int64_t value)
{
    mon_args_set(args, name, g_variant_new_int64(value));
}

void mon_args_set_str(MonArgs *args, const char *name, const char *value)
{
    g_autofree char *valid = NULL;

    /* GVariant (and QMP's JSON) strings are UTF-8; the HMP parser rejects others first. */
    if (!g_utf8_validate(value, -1, NULL)) {
        value = valid = g_utf8_make_valid(value, -1);
    }
    mon_args_set(args, name, g_variant_new_string(value));
}

void mon_args_set_bool(MonArgs *args, const char *name, bool value)
{
    mon_args_set(args, name, g_variant_new_boolean(value));
}

bool mon_args_has(const MonArgs *args, const char *name)
{
    return g_hash_table_contains(args->values, name);
}

int64_t mon_args_get_int(const MonArgs *args, const char *name, int64_t def)
{
    GVariant *v = g_hash_table_lookup(args->values, name);

    if (!v) {
        return def;
    }
    /* QMP's JSON numbers arrive as int64; accept the other integer types too. */
    if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT64)) {
        return g_variant_get_int64(v);
    } else if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64)) {
        return (int64_t)g_variant_get_uint64(v);
    } else if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT32)) {
        return g_variant_get_int32(v);
    } else if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32)) {
        return g_variant_get_uint32(v);
    }
    return def;
}

const char *mon_args_get_str(const MonArgs *args, const char *name)
{
    GVariant *v = g_hash_table_lookup(args->values, name);

    return v && g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) ? g_variant_get_string(v, NULL)
                                                               : NULL;
}

bool mon_args_get_bool(const MonArgs *args, const char *name, bool def)
{
    GVariant *v = g_hash_table_lookup(args->values, name);

    return v && g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN) ? g_variant_get_boolean(v) : def;
}

/* ---- lexing ---- */

static bool hmp_isspace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void hmp_skip_spaces(const char **pp)
{
    while (hmp_isspace(**pp)) {
        (*pp)++;
    }
}

/* A word up to the next space, or a "quoted string". */
static char *hmp_get_word(const char **pp, GError **errp)
{
    const char *p = *pp;
    GString *s = g_string_new(NULL);

    if (*p != '"') {
        while (*p && !hmp_isspace(*p)) {
            g_string_append_c(s, *p++);
        }
        *pp = p;
        return g_string_free(s, FALSE);
    }
    for (p++; *p && *p != '"'; p++) {
        if (*p != '\\') {
            g_string_append_c(s, *p);
            continue;
        }
        switch (*++p) {
        case 'n':
            g_string_append_c(s, '\n');
            break;
        case 't':
            g_string_append_c(s, '\t');
            break;
        case '\\':
        case '"':
        case '\'':
            g_string_append_c(s, *p);
            break;
        default:
            error_setg(errp, "unknown escape '\\%c' in string; use \\\\, \\\", \\n or \\t",
                       *p ? *p : ' ');
            g_string_free(s, TRUE);
            return NULL;
        }
    }
    if (*p != '"') {
        error_setg(errp, "unterminated string: a closing '\"' is missing");
        g_string_free(s, TRUE);
        return NULL;
    }
    *pp = p + 1;
    return g_string_free(s, FALSE);
}

/* /[count][format][size], QEMU's and gdb's x syntax. */
static bool hmp_parse_format(const char **pp, MonArgs *args, GError **errp)
{
    const char *p = *pp + 1;
    char format[2] = {0};
    int size = -1;

    if (g_ascii_isdigit(*p)) {
        int64_t count = 0;

        while (g_ascii_isdigit(*p)) {
            count = MIN(count * 10 + (*p - '0'), (int64_t)HMP_MAX_COUNT + 1);
            p++;
        }
        if (count > HMP_MAX_COUNT) {
            error_setg(errp, "count is too large; at most %d units at a time", HMP_MAX_COUNT);
            return false;
        }
        mon_args_set_int(args, "count", count);
    }
    for (;; p++) {
        if (*p && strchr("xduocis", *p)) {
            format[0] = *p;
        } else if (*p == 'b') {
            size = 1;
        } else if (*p == 'h') {
            size = 2;
        } else if (*p == 'w') {
            size = 4;
        } else if (*p == 'g') {
            size = 8;
        } else {
            break;
        }
    }
    if (*p && !hmp_isspace(*p)) {
        if (g_ascii_isprint(*p)) {
            error_setg(errp,
                       "invalid format '%c'; use /[count][format][size] with format x, d, "
                       "u, o, c, i or s and size b, h, w or g",
                       *p);
        } else {
            error_setg(errp, "invalid format character 0x%02x", (uint8_t)*p);
        }
        return false;
    }
    if (format[0]) {
        mon_args_set_str(args, "format", format);
    }
    if (size > 0) {
        mon_args_set_int(args, "size", size);
    }
    *pp = p;
    return true;
}

/* A byte count: 4096, 64k, 2M, 1G, 1T (binary multiples, as QEMU). */
static bool hmp_parse_size(const char **pp, int64_t *value, GError **errp)
{
    const char *p = *pp;
    uint64_t v = 0;
    int shift = 0;

    if (!g_ascii_isdigit(*p)) {
        error_setg(errp, "expected a size such as 4096, 64k or 2M");
        return false;
    }
    while (g_ascii_isdigit(*p)) {
        if (v > (UINT64_MAX - 9) / 10) {
            error_setg(errp, "size is too large");
            return false;
        }
        v = v * 10 + (*p++ - '0');
    }
    switch (g_ascii_tolower(*p)) {
    case 'k':
        shift = 10;
        break;
    case 'm':
        shift = 20;
        break;
    case 'g':
        shift = 30;
        break;
    case 't':
        shift = 40;
        break;
    default:
        break;
    }
    if (shift) {
        p++;
    }
    if (*p == 'b' || *p == 'B') {
        p++;
    }
    if (*p && !hmp_isspace(*p)) {
        error_setg(errp, "invalid size suffix '%c'; use k, M, G or T", *p);
        return false;
    }
    if (v > (uint64_t)INT64_MAX >> shift) {
        error_setg(errp, "size is too large");
        return false;
    }
    *value = (int64_t)(v << shift);
    *pp = p;
    return true;
}

static bool hmp_parse_bool(const char *word, bool *value, GError **errp)
{
    if (!strcmp(word, "on") || !strcmp(word, "yes") || !strcmp(word, "true")) {
        *value = true;
    } else if (!strcmp(word, "off") || !strcmp(word, "no") || !strcmp(word, "false")) {
        *value = false;
    } else {
        error_setg(errp, "'%s' is not a boolean; use on or off", word);
        return false;
    }
    return true;
}

/* One positional argument at *pp (not at the end of the line). */
static bool hmp_parse_one(const MonArgSpec *spec, const char **pp, MonArgs *args, GError **errp)
{
    g_autofree char *word = NULL;
    int64_t num;
    bool b;

    switch (spec->type) {
    case MON_ARG_STRING:
    case MON_ARG_REST:
        if (spec->type == MON_ARG_STRING) {
            word = hmp_get_word(pp, errp);
            if (!word) {
                return false;
            }
        } else {
            size_t len = strlen(*pp);

            while (len && hmp_isspace((*pp)[len - 1])) {
                len--;
            }
            word = g_strndup(*pp, len);
            *pp += strlen(*pp);
        }
        if (!g_utf8_validate(word, -1, NULL)) {
            error_setg(errp, "argument '%s' is not valid UTF-8 text", spec->name);
            return false;
        }
        mon_args_set_str(args, spec->name, word);
        return true;
    case MON_ARG_INT:
        if (!mon_expr_parse(pp, &num, errp)) {
            return false;
        }
        mon_args_set_int(args, spec->name, num);
        return true;
    case MON_ARG_SIZE:
        if (!hmp_parse_size(pp, &num, errp)) {
            return false;
        }
        mon_args_set_int(args, spec->name, num);
        return true;
    case MON_ARG_BOOL:
        word = hmp_get_word(pp, errp);
        if (!word || !hmp_parse_bool(word, &b, errp)) {
            return false;
        }
        mon_args_set_bool(args, spec->name, b);
        return true;
    case MON_ARG_FLAG:
    case MON_ARG_FORMAT:
        break;
    }
    g_assert_not_reached();
}

static bool hmp_parse_args(const MonCommand *cmd, const char *cmdname, const char *p, MonArgs *args,
                           GError **errp)
{
    for (const MonArgSpec *spec = cmd->args; spec && spec->name; spec++) {
        hmp_skip_spaces(&p);
        if (spec->type == MON_ARG_FLAG) {
            if (p[0] == '-' && p[1] == spec->flag && (!p[2] || hmp_isspace(p[2]))) {
                mon_args_set_bool(args, spec->name, true);
                p += 2;
            }
            continue;
        }
        if (spec->type == MON_ARG_FORMAT) {
            if (*p == '/' && !hmp_parse_format(&p, args, errp)) {
                return false;
            }
            continue;
        }
        if (!*p) {
            if (spec->optional) {
                continue;
            }
            error_setg(errp, "missing argument '%s'; usage: %s %s", spec->name, cmdname,
                       cmd->params);
            return false;
        }
        if (!hmp_parse_one(spec, &p, args, errp)) {
            return false;
        }
    }
    hmp_skip_spaces(&p);
    if (*p) {
        g_autofree char *rest = g_strescape(p, NULL);

        error_setg(errp, "unexpected argument '%s'; usage: %s%s%s", rest, cmdname,
                   *cmd->params ? " " : "", cmd->params);
        return false;
    }
    return true;
}

/* ---- the table ---- */

static bool hmp_name_matches(const char *names, const char *name, size_t len)
{
    while (*names) {
        size_t n = strcspn(names, "|");

        if (n == len && !strncmp(names, name, len)) {
            return true;
        }
        names += n;
        if (*names == '|') {
            names++;
        }
    }
    return false;
}

const MonCommand *hmp_find_command(const MonCommand *table, const char *name, size_t len)
{
    for (const MonCommand *cmd = table; cmd->name; cmd++) {
        if (hmp_name_matches(cmd->name, name, len)) {
            return cmd;
        }
    }
    return NULL;
}

void hmp_print_help_line(Monitor *mon, const char *prefix, const MonCommand *cmd)
{
    monitor_printf(mon, "%s%s%s%s -- %s\n", prefix, cmd->name, *cmd->params ? " " : "", cmd->params,
                   cmd->help);
}

static void hmp_print_table(Monitor *mon, const char *prefix, const MonCommand *table)
{
    for (const MonCommand *cmd = table; cmd->name; cmd++) {
        hmp_print_help_line(mon, prefix, cmd);
    }
}

/* "info version -- ...": a command's subcommands under its first name. */
static void hmp_print_sub_table(Monitor *mon, const MonCommand *cmd)
{
    g_autofree char *prefix = g_strdup_printf("%.*s ", (int)strcspn(cmd->name, "|"), cmd->name);

    hmp_print_table(mon, prefix, cmd->sub);
}

/* The word at *pp (up to a space or '/'), advancing past it. */
static const char *hmp_next_name(const char **pp, size_t *len)
{
    const char *start;

    hmp_skip_spaces(pp);
    start = *pp;
    while (**pp && **pp != '/' && !hmp_isspace(**pp)) {
        (*pp)++;
    }
    *len = *pp - start;
    return start;
}

bool hmp_help(Monitor *mon, const char *topic, GError **errp)
{
    g_autofree char *prefix = NULL;
    const char *p = topic ? topic : "";
    const MonCommand *cmd, *sub;
    const char *name;
    size_t len;

    name = hmp_next_name(&p, &len);
    if (!len) {
        hmp_print_table(mon, "", hmp_commands);
        return true;
    }
    cmd = hmp_find_command(hmp_commands, name, len);
    if (!cmd) {
        g_autofree char *n = g_strndup(name, len);
        g_autofree char *esc = g_strescape(n, NULL);

        error_setg(errp, "no command '%s'; 'help' lists them all", esc);
        return false;
    }
    if (!cmd->sub) {
        hmp_print_help_line(mon, "", cmd);
        return true;
    }
    name = hmp_next_name(&p, &len);
    if (!len) {
        hmp_print_sub_table(mon, cmd);
        return true;
    }
    sub = hmp_find_command(cmd->sub, name, len);
    if (!sub) {
        g_autofree char *n = g_strndup(name, len);
        g_autofree char *esc = g_strescape(n, NULL);

        error_setg(errp, "no subcommand '%s' of '%s'; 'help %s' lists them", esc, cmd->name,
                   cmd->name);
        return false;
    }
    prefix = g_strdup_printf("%.*s ", (int)strcspn(cmd->name, "|"), cmd->name);
    hmp_print_help_line(mon, prefix, sub);
    return true;
}

/* ---- running a line ---- */

static void hmp_run(Monitor *mon, const MonCommand *cmd, const char *cmdname, const char *argstr)
{
    g_autoptr(MonArgs) args = mon_args_new();
    g_autoptr(GError) err = NULL;
    GVariant *ret = NULL;

    if (!hmp_parse_args(cmd, cmdname, argstr, args, &err) || !cmd->func(mon, args, &ret, &err)) {
        monitor_printf(mon, "%s: %s\n", cmdname, err ? err->message : "failed");
        return;
    }
    if (ret) {
        g_variant_ref_sink(ret);
        if (cmd->print) {
            cmd->print(mon, ret);
        }
        g_variant_unref(ret);
    }
}

void hmp_execute_line(Monitor *mon, const char *line)
{
    const char *p = line ? line : "";
    const MonCommand *cmd, *sub;
    g_autofree char *cmdname = NULL;
    const char *name;
    char *full;
    size_t len;

    name = hmp_next_name(&p, &len);
    if (!len) {
        if (*p == '/') {
            monitor_printf(mon, "a command name is missing before '/'\n");
        }
        return;
    }
    cmdname = g_strndup(name, len);
    cmd = hmp_find_command(hmp_commands, name, len);
    if (!cmd) {
        g_autofree char *esc = g_strescape(cmdname, NULL);

        monitor_printf(mon, "unknown command: '%s'\n", esc);
        return;
    }
    if (cmd->sub) {
        name = hmp_next_name(&p, &len);
        if (!len) {
            hmp_print_sub_table(mon, cmd);
            return;
        }
        sub = hmp_find_command(cmd->sub, name, len);
        if (!sub) {
            g_autofree char *n = g_strndup(name, len);
            g_autofree char *esc = g_strescape(n, NULL);

            monitor_printf(mon, "%s: unknown subcommand '%s'; '%s' alone lists them\n", cmdname,
                           esc, cmdname);
            return;
        }
        full = g_strdup_printf("%s %.*s", cmdname, (int)len, name);
        g_free(cmdname);
        cmdname = full;
        cmd = sub;
    }
    hmp_run(mon, cmd, cmdname, p);
}

/* ---- completion ---- */

static void hmp_add_names(const MonCommand *table, GPtrArray *out)
{
    for (const MonCommand *cmd = table; cmd->name; cmd++) {
        g_auto(GStrv) aliases = g_strsplit(cmd->name, "|", -1);

        for (int i = 0; aliases[i]; i++) {
            g_ptr_array_add(out, g_strdup(aliases[i]));
        }
    }
}

void hmp_complete(Monitor *mon, const char *line, GPtrArray *out)
{
    g_auto(GStrv) words = g_strsplit_set(line, " \t", -1);
    const char *w[3] = {NULL};
    const MonCommand *cmd, *help = hmp_find_command(hmp_commands, "help", 4);
    int n = 0, pos;

    /* Non-empty words before the cursor; the last one is the one being completed. */
    for (int i = 0; words[i]; i++) {
        if (*words[i] || !words[i + 1]) {
            if (n == 3) {
                return;
            }
            w[n++] = words[i];
        }
    }
    pos = n - 1;
    if (pos <= 0) {
        hmp_add_names(hmp_commands, out);
        return;
    }
    cmd = hmp_find_command(hmp_commands, w[0], strlen(w[0]));
    if (!cmd) {
        return;
    }
    if (pos == 1 && cmd->args && cmd->args[0].name && cmd->args[0].complete) {
        cmd->args[0].complete(w[1], out);
    } else if (pos == 1 && cmd->sub) {
        hmp_add_names(cmd->sub, out);
    } else if (pos == 1 && cmd == help) {
        hmp_add_names(hmp_commands, out);
    } else if (pos == 2 && cmd == help) {
        const MonCommand *topic = hmp_find_command(hmp_commands, w[1], strlen(w[1]));

        if (topic && topic->sub) {
            hmp_add_names(topic->sub, out);
        }
    }
}
