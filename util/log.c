/*
 * -d / -D debug logging.
 */
#include "util/log.h"
#include "util/error.h"
#include <stdarg.h>

unsigned log_mask;
static FILE *log_file;

static const struct {
    const char *name;
    unsigned mask;
    const char *help;
} log_items[] = {
    {"guest_errors", LOG_GUEST_ERROR, "log when the guest does something invalid"},
    {"unimp", LOG_UNIMP, "log unimplemented functionality the guest uses"},
    {"int", LOG_INT, "log interrupts and exceptions"},
    {"cpu", LOG_CPU, "log CPU state on accelerator exits"},
    {"ioport", LOG_IOPORT, "log accesses to unassigned I/O ports"},
    {"in_asm", LOG_TB_IN_ASM, "show the guest code of each translated block"},
    {"op", LOG_TB_OP, "show the translator's IR of each block"},
    {"op_opt", LOG_TB_OP_OPT, "show the IR after optimization"},
    {"out_asm", LOG_TB_OUT_ASM, "show the host code of each block"},
    {"exec", LOG_EXEC, "show each block as it is executed"},
};

void log_printf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(log_file ? log_file : stderr, fmt, ap);
    va_end(ap);
}

char *log_items_help(void)
{
    GString *out = g_string_new("Log items (comma separated):\n");

    for (size_t i = 0; i < ARRAY_SIZE(log_items); i++) {
        g_string_append_printf(out, "%-15s %s\n", log_items[i].name, log_items[i].help);
    }
    return g_string_free(out, FALSE);
}

bool log_parse_items(const char *str, GError **errp)
{
    g_auto(GStrv) items = g_strsplit(str, ",", -1);
    unsigned mask = 0;

    for (char **it = items; *it; it++) {
        size_t i;
        for (i = 0; i < ARRAY_SIZE(log_items); i++) {
            if (strcmp(*it, log_items[i].name) == 0) {
                mask |= log_items[i].mask;
                break;
            }
        }
        if (i == ARRAY_SIZE(log_items)) {
            error_setg(errp, "-d: unknown log item '%s' (see -d help)", *it);
            return false;
        }
    }
    log_mask = mask;
    return true;
}

bool log_set_file(const char *path, GError **errp)
{
    FILE *f = fopen(path, "w");

    if (!f) {
        error_setg_errno(errp, errno, "-D: cannot open log file '%s'", path);
        return false;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    log_file = f;
    return true;
}
