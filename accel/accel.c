/*
 * Accelerator registry and selection.
 */
#include "accel/accel.h"
#include "util/error.h"

static GPtrArray *accels;
static const AccelOps *current;

void accel_register(const AccelOps *ops)
{
    if (!accels) {
        accels = g_ptr_array_new();
    }
    g_ptr_array_add(accels, (gpointer)ops);
}

const AccelOps *accel_find(const char *name)
{
    for (guint i = 0; accels && i < accels->len; i++) {
        const AccelOps *ops = g_ptr_array_index(accels, i);
        if (strcmp(ops->name, name) == 0) {
            return ops;
        }
    }
    return NULL;
}

char *accel_names(void)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; accels && i < accels->len; i++) {
        const AccelOps *ops = g_ptr_array_index(accels, i);
        g_string_append_printf(out, "%s%s", i ? ", " : "", ops->name);
    }
    return g_string_free(out, FALSE);
}

const AccelOps *accel_choose(const char *list, GError **errp)
{
    g_auto(GStrv) names = g_strsplit(list, ":", -1);
    g_autoptr(GString) reasons = g_string_new(NULL);

    for (char **n = names; *n; n++) {
        const AccelOps *ops = accel_find(*n);
        g_autoptr(GError) err = NULL;

        if (!ops) {
            g_autofree char *known = accel_names();
            g_string_append_printf(reasons, "\n  %s: not an accelerator of this build (known: %s)",
                                   *n, known);
            continue;
        }
        if (ops->available(&err)) {
            return ops;
        }
        g_string_append_printf(reasons, "\n  %s: %s", *n, err->message);
    }
    error_setg(errp, "no accelerator could be used:%s", reasons->str);
    return NULL;
}

const AccelOps *current_accel(void)
{
    return current;
}

void accel_set_current(const AccelOps *ops)
{
    current = ops;
}
