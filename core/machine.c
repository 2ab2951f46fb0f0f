/*
 * Machine type registry, -smp parsing, machine reset.
 */
#include "core/machine.h"
#include "util/error.h"

static GPtrArray *machine_classes;
MachineState *current_machine;

void machine_class_register(const MachineClass *mc)
{
    if (!machine_classes) {
        machine_classes = g_ptr_array_new();
    }
    g_ptr_array_add(machine_classes, (gpointer)mc);
}

const MachineClass *machine_class_find(const char *name)
{
    for (guint i = 0; machine_classes && i < machine_classes->len; i++) {
        const MachineClass *mc = g_ptr_array_index(machine_classes, i);
        if (strcmp(mc->name, name) == 0 || (mc->alias && strcmp(mc->alias, name) == 0)) {
            return mc;
        }
    }
    return NULL;
}

const MachineClass *machine_class_default(void)
{
    for (guint i = 0; machine_classes && i < machine_classes->len; i++) {
        const MachineClass *mc = g_ptr_array_index(machine_classes, i);
        if (mc->is_default) {
            return mc;
        }
    }
    return machine_classes && machine_classes->len ? g_ptr_array_index(machine_classes, 0) : NULL;
}

char *machine_help(void)
{
    GString *out = g_string_new("Supported machines are:\n");

    for (guint i = 0; machine_classes && i < machine_classes->len; i++) {
        const MachineClass *mc = g_ptr_array_index(machine_classes, i);
        if (mc->alias) {
            g_string_append_printf(out, "%-20s %s (alias of %s)\n", mc->alias, mc->desc, mc->name);
        }
        g_string_append_printf(out, "%-20s %s%s\n", mc->name, mc->desc,
                               mc->is_default ? " (default)" : "");
    }
    return g_string_free(out, FALSE);
}

void machine_reset(MachineState *ms)
{
    if (ms->mc->reset) {
        ms->mc->reset(ms);
    }
}

#define MAX_SMP_VALUE 4096

static bool smp_take(KeyValList *kv, const char *key, uint64_t *out, GError **errp)
{
    if (!keyval_take_uint(kv, key, 0, out, errp)) {
        return false;
    }
    if (*out == 0 && keyval_take(kv, key)) {
        error_setg(errp, "-smp: %s must be at least 1", key);
        return false;
    }
    if (*out > MAX_SMP_VALUE) {
        error_setg(errp, "-smp: %s=%" PRIu64 " is too large", key, *out);
        return false;
    }
    return true;
}

bool smp_parse(CpuTopology *topo, const char *str, unsigned max_cpus, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse("-smp", str, "cpus", errp);
    uint64_t cpus, sockets, cores, threads, maxcpus;

    if (!kv || !smp_take(kv, "cpus", &cpus, errp) || !smp_take(kv, "sockets", &sockets, errp) ||
        !smp_take(kv, "cores", &cores, errp) || !smp_take(kv, "threads", &threads, errp) ||
        !smp_take(kv, "maxcpus", &maxcpus, errp) ||
        !keyval_check_all_used(kv, "cpus, sockets, cores, threads, maxcpus", errp)) {
        return false;
    }
    if (!threads) {
        threads = 1;
    }
    /* Fill in the unknowns the way QEMU does: prefer sockets, then cores. */
    if (!cpus) {
        cpus = maxcpus ? maxcpus : MAX(sockets, 1) * MAX(cores, 1) * threads;
    }
    if (!maxcpus) {
        maxcpus = cpus;
    }
    if (!cores && !sockets) {
        cores = 1;
        sockets = DIV_ROUND_UP(maxcpus, threads);
    } else if (!cores) {
        cores = DIV_ROUND_UP(maxcpus, sockets * threads);
    } else if (!sockets) {
        sockets = DIV_ROUND_UP(maxcpus, cores * threads);
    }
    if (cpus == 0) {
        error_setg(errp, "-smp: the number of CPUs must be at least 1");
        return false;
    }
    if (sockets * cores * threads != maxcpus) {
        error_setg(errp,
                   "-smp: sockets (%" PRIu64 ") * cores (%" PRIu64 ") * threads (%" PRIu64
                   ") = %" PRIu64 " does not match maxcpus (%" PRIu64 ")",
                   sockets, cores, threads, sockets * cores * threads, maxcpus);
        return false;
    }
    if (cpus > maxcpus) {
        error_setg(errp, "-smp: cpus (%" PRIu64 ") exceeds maxcpus (%" PRIu64 ")", cpus, maxcpus);
        return false;
    }
    if (maxcpus > max_cpus) {
        error_setg(errp, "-smp: %" PRIu64 " CPUs requested, but this machine supports at most %u",
                   maxcpus, max_cpus);
        return false;
    }
    *topo = (CpuTopology){.cpus = cpus, .max_cpus = maxcpus, .sockets = sockets, .cores = cores,
                          .threads = threads};
    return true;
}
