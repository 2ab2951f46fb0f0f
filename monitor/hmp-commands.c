/*
 * The monitor's commands: one row each in hmp_commands / hmp_info_commands
 * (name and aliases, typed arguments, help) and one handler. Commands that
 * QMP also serves (qmp_name) hand back a typed GVariant result in the shape of
 * QEMU's QMP reply, and a print function words it for people as QEMU's HMP
 * does; the others print through the Monitor.
 *
 * Names, wording and layout follow QEMU's hmp-commands.hx and
 * hmp-commands-info.hx, so that habits and scripts carry over.
 */
#include "monitor/monitor-internal.h"
#include "accel/accel.h"
#include "core/cpu.h"
#include "core/qdev.h"
#include "system/main-loop.h"
#include "system/memory.h"
#include "system/runstate.h"
#include "hw/pci/pci.h"

/* ---- vCPU access ---- */

bool mon_vcpus_pause(void)
{
    if (!runstate_is_running()) {
        return false;
    }
    cpus_pause_all();
    return true;
}

void mon_vcpus_resume(bool paused)
{
    if (paused) {
        cpus_resume_all();
    }
}

bool mon_get_register(const char *name, uint64_t *value, GError **errp)
{
    CPUState *cpu = mon_current_cpu();
    bool paused, ok;

    if (!cpu) {
        error_setg(errp, "no CPU to read $%s from", name);
        return false;
    }
    if (!cpu->cc->get_register) {
        error_setg(errp, "%s CPUs do not show their registers to the monitor", cpu->cc->arch);
        return false;
    }
    paused = mon_vcpus_pause();
    cpu_synchronize_state(cpu);
    ok = cpu->cc->get_register(cpu, name, value);
    mon_vcpus_resume(paused);
    if (!ok) {
        error_setg(errp, "no register $%s on %s; e.g. $pc", name, cpu->cc->arch);
    }
    return ok;
}

/* ---- building results ---- */

static GVariant *dict_end(GVariantBuilder *b)
{
    return g_variant_builder_end(b);
}

static void dict_add(GVariantBuilder *b, const char *key, GVariant *value)
{
    g_variant_builder_add(b, "{sv}", key, value);
}

static int64_t dict_int(GVariant *dict, const char *key, int64_t def)
{
    int64_t v;

    return g_variant_lookup(dict, key, "x", &v) ? v : def;
}

static bool dict_bool(GVariant *dict, const char *key)
{
    gboolean v;

    return g_variant_lookup(dict, key, "b", &v) && v;
}

static const char *dict_str(GVariant *dict, const char *key)
{
    const char *v;

    return g_variant_lookup(dict, key, "&s", &v) ? v : "";
}

/* ---- help, info ---- */

static bool hmp_help_cmd(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    return hmp_help(mon, mon_args_get_str(args, "name"), errp);
}

static bool qmp_query_version(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    unsigned major = 0, minor = 0, micro = 0;
    GVariantBuilder b, q;

    if (sscanf(MIMIC_VERSION, "%u.%u.%u", &major, &minor, &micro) < 1) {
        error_setg(errp, "cannot read the version '%s'", MIMIC_VERSION);
        return false;
    }
    /* QMP's query-version reply, "qemu" key and all: management tools read it. */
    g_variant_builder_init(&q, G_VARIANT_TYPE_VARDICT);
    dict_add(&q, "major", g_variant_new_int64(major));
    dict_add(&q, "minor", g_variant_new_int64(minor));
    dict_add(&q, "micro", g_variant_new_int64(micro));
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    dict_add(&b, "qemu", dict_end(&q));
    dict_add(&b, "package", g_variant_new_string(""));
    *ret = dict_end(&b);
    return true;
}

static void hmp_print_version(Monitor *mon, GVariant *ret)
{
    g_autoptr(GVariant) q = g_variant_lookup_value(ret, "qemu", G_VARIANT_TYPE_VARDICT);

    if (q) {
        monitor_printf(mon, "%" PRId64 ".%" PRId64 ".%" PRId64 "%s\n", dict_int(q, "major", 0),
                       dict_int(q, "minor", 0), dict_int(q, "micro", 0), dict_str(ret, "package"));
    }
}

static bool qmp_query_status(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    dict_add(&b, "running", g_variant_new_boolean(runstate_is_running()));
    dict_add(&b, "singlestep", g_variant_new_boolean(false));
    dict_add(&b, "status", g_variant_new_string(runstate_name(runstate_get())));
    *ret = dict_end(&b);
    return true;
}

static void hmp_print_status(Monitor *mon, GVariant *ret)
{
    bool running = dict_bool(ret, "running");
    const char *status = dict_str(ret, "status");

    /* QEMU's wording: "paused (shutdown)", "paused (internal-error)", "paused (prelaunch)". */
    monitor_printf(mon, "VM status: %s", running ? "running" : "paused");
    if (!running && strcmp(status, "paused")) {
        monitor_printf(mon, " (%s)", status);
    }
    monitor_printf(mon, "\n");
}

static bool hmp_info_registers(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    bool all = mon_args_get_bool(args, "all", false);
    CPUState *only = NULL;
    bool paused;

    if (cpu_count == 0) {
        error_setg(errp, "the machine has no CPU");
        return false;
    }
    if (!all && mon_args_has(args, "vcpu")) {
        int64_t index = mon_args_get_int(args, "vcpu", -1);

        only = index >= 0 && index < cpu_count ? cpu_by_index((int)index) : NULL;
        if (!only) {
            error_setg(errp, "no CPU %" PRId64 "; CPUs are numbered 0 to %d", index, cpu_count - 1);
            return false;
        }
    } else if (!all) {
        only = mon_current_cpu();
    }
    paused = mon_vcpus_pause();
    for (int i = 0; i < cpu_count; i++) {
        CPUState *cpu = cpus[i];
        g_autoptr(GString) out = g_string_new(NULL);

        if (only && cpu != only) {
            continue;
        }
        cpu_synchronize_state(cpu);
        if (all) {
            g_string_append_printf(out, "\nCPU#%d\n", cpu->index);
        }
        if (cpu->cc->dump_state) {
            cpu->cc->dump_state(cpu, out);
        } else {
            g_string_append_printf(out, "%s CPUs have no register dump\n", cpu->cc->arch);
        }
        monitor_puts(mon, out->str);
    }
    mon_vcpus_resume(paused);
    return true;
}

static bool qmp_query_cpus_fast(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    GVariantBuilder list;

    g_variant_builder_init(&list, G_VARIANT_TYPE("aa{sv}"));
    for (int i = 0; i < cpu_count; i++) {
        CPUState *cpu = cpus[i];
        int64_t tid = cpu->thread_id ? cpu->thread_id : -1;
        GVariantBuilder b;

        g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
        dict_add(&b, "cpu-index", g_variant_new_int64(cpu->index));
        if (tid >= 0) {
            dict_add(&b, "thread-id", g_variant_new_int64(tid));
        }
        dict_add(&b, "target", g_variant_new_string(cpu->cc->arch ? cpu->cc->arch : ""));
        dict_add(&b, "arch-id", g_variant_new_int64((int64_t)cpu->arch_id));
        g_variant_builder_add_value(&list, dict_end(&b));
    }
    *ret = g_variant_builder_end(&list);
    return true;
}

static void hmp_print_cpus(Monitor *mon, GVariant *ret)
{
    CPUState *current = mon_current_cpu();
    GVariantIter iter;
    GVariant *cpu;

    g_variant_iter_init(&iter, ret);
    while ((cpu = g_variant_iter_next_value(&iter))) {
        int64_t index = dict_int(cpu, "cpu-index", -1);
        int64_t tid = dict_int(cpu, "thread-id", -1);

        monitor_printf(mon, "%c CPU #%" PRId64 ":", current && current->index == index ? '*' : ' ',
                       index);
        if (tid >= 0) {
            monitor_printf(mon, " thread_id=%" PRId64, tid);
        }
        monitor_printf(mon, "\n");
        g_variant_unref(cpu);
    }
}

static bool hmp_info_qtree(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    g_autofree char *s = qdev_qtree_string();

    monitor_puts(mon, s);
    return true;
}

static bool hmp_info_mtree(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    g_autofree char *s = NULL;

    if (!address_space_memory.view) {
        error_setg(errp, "the machine has no memory map yet");
        return false;
    }
    s = memory_mtree_string(mon_args_get_bool(args, "flatview", false));
    monitor_puts(mon, s);
    return true;
}

static bool hmp_info_pci(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    g_autofree char *s = pci_info_string();

    monitor_puts(mon, s ? s : "");
    return true;
}

static bool qmp_query_kvm(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    const AccelOps *accel = current_accel();
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    dict_add(&b, "enabled", g_variant_new_boolean(accel && !strcmp(accel->name, "kvm")));
    dict_add(&b, "present", g_variant_new_boolean(CONFIG_KVM));
    *ret = dict_end(&b);
    return true;
}

static void hmp_print_kvm(Monitor *mon, GVariant *ret)
{
    const AccelOps *accel = current_accel();
    g_autoptr(GString) out = g_string_new(NULL);

    if (!dict_bool(ret, "enabled") || !accel || !accel->info) {
        monitor_printf(mon, "kvm support: disabled\n");
        return;
    }
    accel->info(out);
    monitor_puts(mon, out->str);
}

static bool hmp_info_jit(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    const AccelOps *accel = current_accel();
    g_autoptr(GString) out = g_string_new(NULL);

    if (!accel || strcmp(accel->name, "tcg") != 0) {
        monitor_printf(mon, "the translator is not in use (accelerator: %s)\n",
                       accel ? accel->name : "none");
        return true;
    }
    accel->info(out);
    monitor_puts(mon, out->str);
    return true;
}

static bool qmp_query_chardev(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    g_autofree char *text = chardev_info_string();
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    GVariantBuilder list;

    /* chardev_info_string() gives "label: filename=..." lines; QMP wants them apart. */
    g_variant_builder_init(&list, G_VARIANT_TYPE("aa{sv}"));
    for (int i = 0; lines[i]; i++) {
        const char *sep = strstr(lines[i], ": filename=");
        g_autofree char *label = NULL;
        Chardev *chr;
        GVariantBuilder b;

        if (!sep) {
            continue;
        }
        label = g_strndup(lines[i], sep - lines[i]);
        chr = chardev_find(label);
        g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
        dict_add(&b, "label", g_variant_new_string(label));
        dict_add(&b, "filename", g_variant_new_string(sep + strlen(": filename=")));
        dict_add(&b, "frontend-open", g_variant_new_boolean(chr && chr->connected));
        g_variant_builder_add_value(&list, dict_end(&b));
    }
    *ret = g_variant_builder_end(&list);
    return true;
}

static void hmp_print_chardev(Monitor *mon, GVariant *ret)
{
    GVariantIter iter;
    GVariant *chr;

    g_variant_iter_init(&iter, ret);
    while ((chr = g_variant_iter_next_value(&iter))) {
        monitor_printf(mon, "%s: filename=%s\n", dict_str(chr, "label"), dict_str(chr, "filename"));
        g_variant_unref(chr);
    }
}

static bool hmp_info_history(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    const char *line;

    for (unsigned i = 0; mon->rs && (line = readline_get_history(mon->rs, i)); i++) {
        monitor_printf(mon, "%d: '%s'\n", i, line);
    }
    return true;
}

/* ---- run control ---- */

static bool qmp_stop(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    /* As QEMU: only a running VM changes state; shutdown or -S stay as they are. */
    if (runstate_is_running()) {
        vm_stop(RUN_STATE_PAUSED);
    }
    return true;
}

static bool qmp_cont(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    RunState state = runstate_get();

    if (state == RUN_STATE_SHUTDOWN || state == RUN_STATE_INTERNAL_ERROR ||
        state == RUN_STATE_GUEST_PANICKED) {
        error_setg(errp, "the VM is in state '%s'; reset it first with system_reset",
                   runstate_name(state));
        return false;
    }
    vm_start();
    return true;
}

static bool qmp_system_reset(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    system_reset_request(SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
    return true;
}

static bool qmp_system_powerdown(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    system_powerdown_request();
    return true;
}

static bool qmp_quit(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    system_shutdown_request(SHUTDOWN_CAUSE_HOST_QMP_QUIT);
    return true;
}

static bool hmp_cpu(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    int64_t index = mon_args_get_int(args, "index", -1);

    if (index < 0 || index >= cpu_count) {
        if (cpu_count == 0) {
            error_setg(errp, "no CPU %" PRId64 "; the machine has none", index);
        } else {
            error_setg(errp, "no CPU %" PRId64 "; there %s %d", index,
                       cpu_count == 1 ? "is" : "are", cpu_count);
        }
        return false;
    }
    mon_set_current_cpu((int)index);
    return true;
}

static bool qmp_inject_nmi(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    const AccelOps *accel = current_accel();

    if (!accel || cpu_count == 0) {
        error_setg(errp, "no CPU is running yet to take an NMI");
        return false;
    }
    if (!accel->inject_nmi) {
        error_setg(errp, "the %s accelerator cannot inject NMIs", accel->name);
        return false;
    }
    accel->inject_nmi();
    return true;
}

/* ---- devices ---- */

static bool qmp_device_add(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    const char *spec = mon_args_get_str(args, "device");
    size_t len = strlen(spec);

    if (!strcmp(spec, "help") || !strcmp(spec, "?")) {
        g_autofree char *s = qdev_device_help();

        monitor_puts(mon, s);
        return true;
    }
    if (len > 5 && !strcmp(spec + len - 5, ",help")) {
        g_autofree char *driver = g_strndup(spec, len - 5);
        g_autoptr(GString) out = g_string_new(NULL);

        if (!qdev_device_prop_help(driver, out, errp)) {
            return false;
        }
        monitor_puts(mon, out->str);
        return true;
    }
    return qdev_device_add(spec, errp) != NULL;
}

static bool qmp_device_del(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    const char *id = mon_args_get_str(args, "id");
    DeviceState *dev = device_find_by_id(id);

    if (!dev) {
        error_setg(errp, "no device with id '%s'; info qtree shows the ids", id);
        return false;
    }
    if (!dev->klass->hotpluggable) {
        error_setg(errp, "device '%s' (%s) cannot be unplugged", id, device_type(dev));
        return false;
    }
    device_destroy(dev);
    return true;
}

/* ---- the tables ---- */

static const MonArgSpec args_none[] = {{NULL}};

const MonCommand hmp_info_commands[] = {
    {.name = "version",
     .args = args_none,
     .params = "",
     .help = "show the version of mimic",
     .func = qmp_query_version,
     .print = hmp_print_version,
     .qmp_name = "query-version"},
    {.name = "status",
     .args = args_none,
     .params = "",
     .help = "show the current VM status",
     .func = qmp_query_status,
     .print = hmp_print_status,
     .qmp_name = "query-status"},
    {.name = "registers",
     .args = (const MonArgSpec[]){{"all", MON_ARG_FLAG, true, 'a'},
                                  {"vcpu", MON_ARG_INT, true},
                                  {NULL}},
     .params = "[-a|vcpu]",
     .help = "show the cpu registers (-a: all CPUs, vcpu: that CPU)",
     .func = hmp_info_registers},
    {.name = "cpus",
     .args = args_none,
     .params = "",
     .help = "show infos for each CPU",
     .func = qmp_query_cpus_fast,
     .print = hmp_print_cpus,
     .qmp_name = "query-cpus-fast"},
    {.name = "qtree",
     .args = args_none,
     .params = "",
     .help = "show device tree",
     .func = hmp_info_qtree},
    {.name = "mtree",
     .args = (const MonArgSpec[]){{"flatview", MON_ARG_FLAG, true, 'f'}, {NULL}},
     .params = "[-f]",
     .help = "show memory tree (-f: the flattened views)",
     .func = hmp_info_mtree},
    {.name = "pci", .args = args_none, .params = "", .help = "show PCI info", .func = hmp_info_pci},
    {.name = "kvm",
     .args = args_none,
     .params = "",
     .help = "show KVM information",
     .func = qmp_query_kvm,
     .print = hmp_print_kvm,
     .qmp_name = "query-kvm"},
    {.name = "jit",
     .args = args_none,
     .params = "",
     .help = "show translator statistics",
     .func = hmp_info_jit},
    {.name = "chardev",
     .args = args_none,
     .params = "",
     .help = "show the character devices",
     .func = qmp_query_chardev,
     .print = hmp_print_chardev,
     .qmp_name = "query-chardev"},
    {.name = "history",
     .args = args_none,
     .params = "",
     .help = "show the command line history",
     .func = hmp_info_history},
    {NULL},
};

const MonCommand hmp_commands[] = {
    {.name = "help|?",
     .args = (const MonArgSpec[]){{"name", MON_ARG_REST, true}, {NULL}},
     .params = "[cmd]",
     .help = "show the help",
     .func = hmp_help_cmd},
    {.name = "info",
     .params = "[subcommand]",
     .help = "show various information about the system state",
     .sub = hmp_info_commands},
    {.name = "stop",
     .args = args_none,
     .params = "",
     .help = "stop emulation",
     .func = qmp_stop,
     .qmp_name = "stop"},
    {.name = "c|cont",
     .args = args_none,
     .params = "",
     .help = "resume emulation",
     .func = qmp_cont,
     .qmp_name = "cont"},
    {.name = "system_reset",
     .args = args_none,
     .params = "",
     .help = "reset the system",
     .func = qmp_system_reset,
     .qmp_name = "system_reset"},
    {.name = "system_powerdown",
     .args = args_none,
     .params = "",
     .help = "send system power down event",
     .func = qmp_system_powerdown,
     .qmp_name = "system_powerdown"},
    {.name = "q|quit",
     .args = args_none,
     .params = "",
     .help = "quit the emulator",
     .func = qmp_quit,
     .qmp_name = "quit"},
    {.name = "cpu",
     .args = (const MonArgSpec[]){{"index", MON_ARG_INT, false}, {NULL}},
     .params = "index",
     .help = "set the default CPU",
     .func = hmp_cpu},
    {.name = "x",
     .args =
         (const MonArgSpec[]){{"fmt", MON_ARG_FORMAT, true}, {"addr", MON_ARG_INT, false}, {NULL}},
     .params = "/fmt addr",
     .help = "virtual memory dump starting at 'addr'",
     .func = hmp_x},
    {.name = "xp",
     .args =
         (const MonArgSpec[]){{"fmt", MON_ARG_FORMAT, true}, {"addr", MON_ARG_INT, false}, {NULL}},
     .params = "/fmt addr",
     .help = "physical memory dump starting at 'addr'",
     .func = hmp_xp},
    {.name = "p|print",
     .args =
         (const MonArgSpec[]){{"fmt", MON_ARG_FORMAT, true}, {"val", MON_ARG_INT, false}, {NULL}},
     .params = "/fmt expr",
     .help = "print expression value (use $reg for CPU register access)",
     .func = hmp_print},
    {.name = "nmi",
     .args = args_none,
     .params = "",
     .help = "inject an NMI",
     .func = qmp_inject_nmi,
     .qmp_name = "inject-nmi"},
    {.name = "device_add",
     .args = (const MonArgSpec[]){{"device", MON_ARG_REST, false}, {NULL}},
     .params = "driver[,prop=value][,...]",
     .help = "add device, like -device on the command line",
     .func = qmp_device_add,
     .qmp_name = "device_add"},
    {.name = "device_del",
     .args = (const MonArgSpec[]){{"id", MON_ARG_STRING, false}, {NULL}},
     .params = "device",
     .help = "remove device",
     .func = qmp_device_del,
     .qmp_name = "device_del"},
    {NULL},
};
