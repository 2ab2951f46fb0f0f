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
#include "core/machine.h"
#include "core/qdev.h"
#include "system/main-loop.h"
#include "system/memory.h"
#include "system/runstate.h"
#include "hw/pci/pci.h"
#include "monitor/events.h"
#include "block/error-policy.h"
#include "gdbstub/gdbstub.h"
#include <fcntl.h>
#include <unistd.h>

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
    mon_dict_add(&q, "major", g_variant_new_int64(major));
    mon_dict_add(&q, "minor", g_variant_new_int64(minor));
    mon_dict_add(&q, "micro", g_variant_new_int64(micro));
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    mon_dict_add(&b, "qemu", dict_end(&q));
    mon_dict_add(&b, "package", g_variant_new_string("mimic"));
    *ret = dict_end(&b);
    return true;
}

static void hmp_print_version(Monitor *mon, GVariant *ret)
{
    g_autoptr(GVariant) q = g_variant_lookup_value(ret, "qemu", G_VARIANT_TYPE_VARDICT);

    if (q) {
        /* QEMU appends its package string; mimic's is the program's own name, so not here. */
        monitor_printf(mon, "%" PRId64 ".%" PRId64 ".%" PRId64 "\n", dict_int(q, "major", 0),
                       dict_int(q, "minor", 0), dict_int(q, "micro", 0));
    }
}

static bool qmp_query_status(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    mon_dict_add(&b, "running", g_variant_new_boolean(runstate_is_running()));
    mon_dict_add(&b, "singlestep", g_variant_new_boolean(false));
    mon_dict_add(&b, "status", g_variant_new_string(runstate_name(runstate_get())));
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
        mon_dict_add(&b, "cpu-index", g_variant_new_int64(cpu->index));
        if (tid >= 0) {
            mon_dict_add(&b, "thread-id", g_variant_new_int64(tid));
        }
        mon_dict_add(&b, "target", g_variant_new_string(cpu->cc->arch ? cpu->cc->arch : ""));
        mon_dict_add(&b, "arch-id", g_variant_new_int64((int64_t)cpu->arch_id));
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

/* ---- PCI ---- */

typedef struct PciQuery {
    GPtrArray *devs; /* PCIDevice *, in walk order */
} PciQuery;

static void pci_collect(DeviceState *dev, void *opaque)
{
    PciQuery *pq = opaque;

    if (device_class_is_a(dev->klass, TYPE_PCI_DEVICE) && dev->realized) {
        g_ptr_array_add(pq->devs, dev);
    }
}

static gint pci_cmp_devfn(gconstpointer a, gconstpointer b)
{
    const PCIDevice *x = *(PCIDevice *const *)a, *y = *(PCIDevice *const *)b;
    int bx = x->bus ? x->bus->bus_num : 0, by = y->bus ? y->bus->bus_num : 0;

    return bx != by ? bx - by : x->devfn - y->devfn;
}

static GVariant *pci_device_info(PCIDevice *pd)
{
    const uint8_t *cfg = pd->config;
    GVariantBuilder b, cls, id, regions;

    g_variant_builder_init(&cls, G_VARIANT_TYPE_VARDICT);
    mon_dict_add(&cls, "class", g_variant_new_int64(pci_get_word(cfg + PCI_CLASS_DEVICE)));
    g_variant_builder_init(&id, G_VARIANT_TYPE_VARDICT);
    mon_dict_add(&id, "vendor", g_variant_new_int64(pci_get_word(cfg + PCI_VENDOR_ID)));
    mon_dict_add(&id, "device", g_variant_new_int64(pci_get_word(cfg + PCI_DEVICE_ID)));
    mon_dict_add(&id, "subsystem-vendor",
                 g_variant_new_int64(pci_get_word(cfg + PCI_SUBSYSTEM_VENDOR_ID)));
    mon_dict_add(&id, "subsystem", g_variant_new_int64(pci_get_word(cfg + PCI_SUBSYSTEM_ID)));
    g_variant_builder_init(&regions, G_VARIANT_TYPE("aa{sv}"));
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        const PCIIORegion *r = &pd->io_regions[i];
        GVariantBuilder rb;

        if (!r->size) {
            continue;
        }
        g_variant_builder_init(&rb, G_VARIANT_TYPE_VARDICT);
        mon_dict_add(&rb, "bar", g_variant_new_int64(i));
        mon_dict_add(&rb, "type",
                     g_variant_new_string(r->type & PCI_BAR_TYPE_IO ? "io" : "memory"));
        /* QEMU reports an unmapped BAR's address as all ones, too. */
        mon_dict_add(&rb, "address", g_variant_new_uint64(r->addr));
        mon_dict_add(&rb, "size", g_variant_new_uint64(r->size));
        if (!(r->type & PCI_BAR_TYPE_IO)) {
            mon_dict_add(&rb, "prefetch", g_variant_new_boolean(r->type & PCI_BAR_TYPE_PREFETCH));
            mon_dict_add(&rb, "mem_type_64", g_variant_new_boolean(r->type & PCI_BAR_TYPE_MEM64));
        }
        g_variant_builder_add_value(&regions, g_variant_builder_end(&rb));
    }
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    mon_dict_add(&b, "bus", g_variant_new_int64(pd->bus ? pd->bus->bus_num : 0));
    mon_dict_add(&b, "slot", g_variant_new_int64(PCI_SLOT(pd->devfn)));
    mon_dict_add(&b, "function", g_variant_new_int64(PCI_FUNC(pd->devfn)));
    mon_dict_add(&b, "class_info", g_variant_builder_end(&cls));
    mon_dict_add(&b, "id", g_variant_builder_end(&id));
    if (cfg[PCI_INTERRUPT_PIN]) {
        mon_dict_add(&b, "irq", g_variant_new_int64(cfg[PCI_INTERRUPT_LINE]));
        mon_dict_add(&b, "irq_pin", g_variant_new_int64(cfg[PCI_INTERRUPT_PIN]));
    }
    mon_dict_add(&b, "qdev_id", g_variant_new_string(pd->qdev.id ? pd->qdev.id : ""));
    mon_dict_add(&b, "regions", g_variant_builder_end(&regions));
    return g_variant_builder_end(&b);
}

/* QEMU's query-pci: [{"bus": N, "devices": [...]}], one entry per bus. */
static bool qmp_query_pci(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    PciQuery pq = {g_ptr_array_new()};
    GVariantBuilder buses, devs;
    int bus_num = -1;

    qdev_walk_all(pci_collect, &pq);
    g_ptr_array_sort(pq.devs, pci_cmp_devfn);
    g_variant_builder_init(&buses, G_VARIANT_TYPE("aa{sv}"));
    for (guint i = 0; i <= pq.devs->len; i++) {
        PCIDevice *pd = i < pq.devs->len ? g_ptr_array_index(pq.devs, i) : NULL;
        int num = pd && pd->bus ? pd->bus->bus_num : 0;

        if (bus_num >= 0 && (!pd || num != bus_num)) {
            GVariantBuilder b;

            g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
            mon_dict_add(&b, "bus", g_variant_new_int64(bus_num));
            mon_dict_add(&b, "devices", g_variant_builder_end(&devs));
            g_variant_builder_add_value(&buses, g_variant_builder_end(&b));
            bus_num = -1;
        }
        if (!pd) {
            break;
        }
        if (bus_num < 0) {
            bus_num = num;
            g_variant_builder_init(&devs, G_VARIANT_TYPE("aa{sv}"));
        }
        g_variant_builder_add_value(&devs, pci_device_info(pd));
    }
    g_ptr_array_unref(pq.devs);
    *ret = g_variant_builder_end(&buses);
    return true;
}

/* info pci keeps QEMU's text layout, which pci_info_string() writes from the same devices. */
static void hmp_print_pci(Monitor *mon, GVariant *ret)
{
    g_autofree char *s = pci_info_string();

    monitor_puts(mon, s ? s : "");
}

/* ---- identity ---- */

static char vm_uuid[37] = "00000000-0000-0000-0000-000000000000";

void monitor_set_vm_uuid(const char *uuid)
{
    g_strlcpy(vm_uuid,
              uuid && g_uuid_string_is_valid(uuid) ? uuid : "00000000-0000-0000-0000-000000000000",
              sizeof(vm_uuid));
    for (char *p = vm_uuid; *p; p++) {
        *p = g_ascii_tolower(*p);
    }
}

static bool qmp_query_name(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    if (current_machine && current_machine->name) {
        g_autofree char *valid = g_utf8_make_valid(current_machine->name, -1);

        mon_dict_add(&b, "name", g_variant_new_string(valid));
    }
    *ret = dict_end(&b);
    return true;
}

static void hmp_print_name(Monitor *mon, GVariant *ret)
{
    const char *name;

    if (g_variant_lookup(ret, "name", "&s", &name)) {
        monitor_printf(mon, "%s\n", name);
    }
}

static bool qmp_query_uuid(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    mon_dict_add(&b, "UUID", g_variant_new_string(vm_uuid));
    *ret = dict_end(&b);
    return true;
}

static void hmp_print_uuid(Monitor *mon, GVariant *ret)
{
    monitor_printf(mon, "%s\n", dict_str(ret, "UUID"));
}

static bool qmp_query_kvm(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    const AccelOps *accel = current_accel();
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    mon_dict_add(&b, "enabled", g_variant_new_boolean(accel && !strcmp(accel->name, "kvm")));
    mon_dict_add(&b, "present", g_variant_new_boolean(CONFIG_KVM));
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
        mon_dict_add(&b, "label", g_variant_new_string(label));
        mon_dict_add(&b, "filename", g_variant_new_string(sep + strlen(": filename=")));
        mon_dict_add(&b, "frontend-open", g_variant_new_boolean(chr && chr->connected));
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
    block_error_status_reset_all();
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

static bool hmp_gdbserver(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    const char *device = mon_args_get_str(args, "device");

    if (!device) {
        device = "tcp::1234";
    }
    if (!gdbserver_start(device, errp)) {
        return false;
    }
    if (strcmp(device, "none") == 0) {
        monitor_printf(mon, "Disabled gdbserver\n");
    } else {
        monitor_printf(mon, "Waiting for gdb connection on device '%s'\n", device);
    }
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

static bool qmp_system_wakeup(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    /* As QEMU when the guest is not suspended; mimic's machines have no suspend state yet. */
    error_setg(errp, "wake-up from suspend is not supported by this guest: it is not suspended");
    return false;
}

/* ---- memory to a file ---- */

#define MEMSAVE_MAX (1ull << 32) /* bytes one memsave/pmemsave may write */
#define MEMSAVE_CHUNK 4096

static int write_full(int fd, const uint8_t *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        buf += n;
        len -= n;
    }
    return 0;
}

static bool mem_save(Monitor *mon, const MonArgs *args, bool physical, GError **errp)
{
    int64_t addr = mon_args_get_int(args, "val", 0);
    int64_t size = mon_args_get_int(args, "size", 0);
    const char *filename = mon_args_get_str(args, "filename");
    const char *cmd = physical ? "pmemsave" : "memsave";
    CPUState *cpu = NULL;
    uint8_t buf[MEMSAVE_CHUNK];
    bool paused, ok = true;
    int fd;

    if (size < 0 || (uint64_t)size > MEMSAVE_MAX) {
        error_setg(errp, "%s: size %" PRId64 " is out of range; at most %llu bytes (4 GiB)", cmd,
                   size, MEMSAVE_MAX);
        return false;
    }
    if ((uint64_t)addr + (uint64_t)size < (uint64_t)addr && (uint64_t)addr + (uint64_t)size != 0) {
        error_setg(errp, "%s: 0x%" PRIx64 " + %" PRId64 " wraps around the address space", cmd,
                   (uint64_t)addr, size);
        return false;
    }
    if (!physical) {
        if (mon_args_has(args, "cpu-index")) {
            int64_t index = mon_args_get_int(args, "cpu-index", -1);

            cpu = index >= 0 && index < cpu_count ? cpu_by_index((int)index) : NULL;
            if (!cpu) {
                error_setg(errp, "Parameter 'cpu-index' is out of range: no CPU %" PRId64, index);
                return false;
            }
        } else {
            cpu = mon_current_cpu();
        }
        if (!cpu || !cpu->cc->memory_rw_debug) {
            error_setg(errp, "memsave: no CPU whose virtual memory can be read; use pmemsave");
            return false;
        }
    }
    fd = open(filename, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        error_setg_errno(errp, errno, "%s: cannot open '%s'", cmd, filename);
        return false;
    }
    paused = physical ? false : mon_vcpus_pause();
    if (cpu) {
        cpu_synchronize_state(cpu);
    }
    for (uint64_t done = 0; done < (uint64_t)size;) {
        uint64_t at = (uint64_t)addr + done;
        size_t len = MIN((uint64_t)size - done, (uint64_t)MEMSAVE_CHUNK);
        bool read_ok = physical
                           ? address_space_read(&address_space_memory, at, buf, len) == MEMTX_OK
                           : cpu->cc->memory_rw_debug(cpu, at, buf, len, false);

        if (!read_ok) {
            error_setg(errp, "%s: cannot read %s memory at 0x%" PRIx64 ": nothing is mapped there",
                       cmd, physical ? "physical" : "virtual", at);
            ok = false;
            break;
        }
        if (write_full(fd, buf, len) < 0) {
            error_setg_errno(errp, errno, "%s: cannot write '%s'", cmd, filename);
            ok = false;
            break;
        }
        done += len;
    }
    mon_vcpus_resume(paused);
    if (close(fd) < 0 && ok) {
        error_setg_errno(errp, errno, "%s: cannot write '%s'", cmd, filename);
        ok = false;
    }
    if (!ok) {
        unlink(filename);
    }
    return ok;
}

static bool qmp_memsave(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    return mem_save(mon, args, false, errp);
}

static bool qmp_pmemsave(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    return mem_save(mon, args, true, errp);
}

/* ---- file descriptors passed over a unix socket (SCM_RIGHTS) ---- */

static bool qmp_getfd(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    const char *name = mon_args_get_str(args, "fdname");
    gpointer old;
    int fd;

    if (g_ascii_isdigit(name[0])) {
        error_setg(errp, "Parameter 'fdname' must not start with a digit (fd names are not "
                         "numbers)");
        return false;
    }
    fd = mon->has_chr ? chr_fe_get_msgfd(&mon->fe) : -1;
    if (fd < 0) {
        error_setg(errp, "No file descriptor supplied via SCM_RIGHTS");
        return false;
    }
    if (g_hash_table_lookup_extended(mon->fds, name, NULL, &old)) {
        close(GPOINTER_TO_INT(old));
    }
    g_hash_table_insert(mon->fds, g_strdup(name), GINT_TO_POINTER(fd));
    return true;
}

static bool qmp_closefd(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    const char *name = mon_args_get_str(args, "fdname");
    gpointer fd;

    if (!g_hash_table_lookup_extended(mon->fds, name, NULL, &fd)) {
        error_setg(errp, "File descriptor named '%s' not found", name);
        return false;
    }
    close(GPOINTER_TO_INT(fd));
    g_hash_table_remove(mon->fds, name);
    return true;
}

/* ---- devices ---- */

/*
 * Ids of devices device_add created: device_del may remove those even where
 * the class is not hotpluggable (mimic's ISA devices), so that what was added
 * at run time can go again. Devices built with the machine stay unless their
 * class is hotpluggable.
 */
static GHashTable *added_ids;

/* A removal finished (DEVICE_DELETED comes from monitor/events.c): forget the id. */
static void mon_device_deleted(DeviceState *dev)
{
    if (dev->id && added_ids) {
        g_hash_table_remove(added_ids, dev->id);
    }
}

static bool qmp_device_add(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    const char *spec = mon_args_get_str(args, "device");
    size_t len = strlen(spec);
    DeviceState *dev;

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
    dev = qdev_device_add(spec, errp);
    if (!dev) {
        return false;
    }
    if (dev->id) {
        if (!added_ids) {
            added_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        }
        g_hash_table_add(added_ids, g_strdup(dev->id));
        qdev_add_unplug_notifier(mon_device_deleted);
    }
    return true;
}

static bool qmp_device_del(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    const char *id = mon_args_get_str(args, "id");
    DeviceState *dev = device_find_by_id(id);
    bool paused, ok;

    if (!dev) {
        g_set_error(errp, MIMIC_ERROR, MIMIC_ERROR_NOT_FOUND,
                    "Device '%s' not found; info qtree shows the ids", id);
        return false;
    }
    if (!dev->klass->hotpluggable && !(added_ids && g_hash_table_contains(added_ids, id))) {
        error_setg(errp, "device '%s' (%s) cannot be unplugged: it is part of the machine", id,
                   device_type(dev));
        return false;
    }
    /*
     * vCPUs may be inside the device's registers: remove it with them stopped. A hotplug
     * slot may only ask the guest here; DEVICE_DELETED follows when the guest lets go.
     */
    paused = mon_vcpus_pause();
    ok = qdev_unplug(dev, errp);
    mon_vcpus_resume(paused);
    return ok;
}

/* ---- completion of arguments ---- */

static void complete_device_driver(const char *word, GPtrArray *out)
{
    g_autoptr(GPtrArray) classes = NULL;

    if (strchr(word, ',')) {
        return; /* past the driver: properties are not completed */
    }
    classes = device_class_list();
    for (guint i = 0; i < classes->len; i++) {
        const DeviceClass *dc = g_ptr_array_index(classes, i);

        if (dc->user_creatable) {
            g_ptr_array_add(out, g_strdup(dc->name));
        }
    }
}

static void add_device_id(DeviceState *dev, void *opaque)
{
    if (dev->id) {
        g_ptr_array_add(opaque, g_strdup(dev->id));
    }
}

static void complete_device_id(const char *word, GPtrArray *out)
{
    qdev_walk_all(add_device_id, out);
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
    {.name = "pci",
     .args = args_none,
     .params = "",
     .help = "show PCI info",
     .func = qmp_query_pci,
     .print = hmp_print_pci,
     .qmp_name = "query-pci"},
    {.name = "name",
     .args = args_none,
     .params = "",
     .help = "show the current VM name",
     .func = qmp_query_name,
     .print = hmp_print_name,
     .qmp_name = "query-name"},
    {.name = "uuid",
     .args = args_none,
     .params = "",
     .help = "show the current VM UUID",
     .func = qmp_query_uuid,
     .print = hmp_print_uuid,
     .qmp_name = "query-uuid"},
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
    {.name = "dirty",
     .args = args_none,
     .params = "",
     .help = "show the RAM pages written since the last look (dirty_log on), and forget them",
     .func = hmp_info_dirty},
    {.name = "chardev",
     .args = args_none,
     .params = "",
     .help = "show the character devices",
     .func = qmp_query_chardev,
     .print = hmp_print_chardev,
     .qmp_name = "query-chardev"},
    {.name = "block",
     .args = args_none,
     .params = "",
     .help = "show the block devices",
     .func = qmp_query_block,
     .print = hmp_print_block,
     .qmp_name = "query-block"},
    {.name = "blockstats",
     .args = args_none,
     .params = "",
     .help = "show block device statistics",
     .func = qmp_query_blockstats,
     .print = hmp_print_blockstats,
     .qmp_name = "query-blockstats"},
    {.name = "network",
     .args = args_none,
     .params = "",
     .help = "show the network state",
     .func = hmp_info_network},
    {.name = "history",
     .args = args_none,
     .params = "",
     .help = "show the command line history",
     .func = hmp_info_history},
    {.name = "irq",
     .args = args_none,
     .params = "",
     .help = "show the interrupts statistics (if available)",
     .func = hmp_info_irq},
    {.name = "pic",
     .args = args_none,
     .params = "",
     .help = "show PIC state",
     .func = hmp_info_pic},
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
    {.name = "dirty_log",
     .args = (const MonArgSpec[]){{"on", MON_ARG_BOOL}, {NULL}},
     .params = "on|off",
     .help = "start or stop logging which RAM pages are written (info dirty)",
     .func = hmp_dirty_log},
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
    {.name = "system_wakeup",
     .args = args_none,
     .params = "",
     .help = "wakeup guest from suspend",
     .func = qmp_system_wakeup,
     .qmp_name = "system_wakeup"},
    {.name = "q|quit",
     .args = args_none,
     .params = "",
     .help = "quit the emulator",
     .func = qmp_quit,
     .qmp_name = "quit"},
    {.name = "sendkey",
     .args = (const MonArgSpec[]){{"keys", MON_ARG_STRING, .complete = hmp_complete_key_names},
                                  {"hold-time", MON_ARG_INT, true},
                                  {NULL}},
     .params = "keys [hold_ms]",
     .help = "send keys to the VM (e.g. 'sendkey ctrl-alt-f1')",
     .func = hmp_sendkey},
    {.name = "commit",
     .args = (const MonArgSpec[]){{"device", MON_ARG_STRING}, {NULL}},
     .params = "device|all",
     .help = "commit changes to the disk images (if -snapshot is used) or backing files",
     .func = hmp_commit},
    {.name = "gdbserver",
     .args = (const MonArgSpec[]){{"device", MON_ARG_STRING, true}, {NULL}},
     .params = "[device]",
     .help = "start gdbserver on given device (default 'tcp::1234'), stop with 'none'",
     .func = hmp_gdbserver},
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
     .args = (const MonArgSpec[]){{"device", MON_ARG_REST, .complete = complete_device_driver},
                                  {NULL}},
     .params = "driver[,prop=value][,...]",
     .help = "add device, like -device on the command line",
     .func = qmp_device_add,
     .qmp_name = "device_add",
     .qmp_keyval = "device"},
    {.name = "device_del",
     .args = (const MonArgSpec[]){{"id", MON_ARG_STRING, .complete = complete_device_id},
                                  {NULL}},
     .params = "device",
     .help = "remove device",
     .func = qmp_device_del,
     .qmp_name = "device_del"},
    {.name = "netdev_add",
     .args = (const MonArgSpec[]){{"netdev", MON_ARG_REST, false}, {NULL}},
     .params = "[user|tap|socket|hubport],id=str[,prop=value][,...]",
     .help = "add host network device",
     .func = qmp_netdev_add,
     .qmp_name = "netdev_add",
     .qmp_keyval = "netdev",
     .qmp_keyval_head = "type"},
    {.name = "netdev_del",
     .args = (const MonArgSpec[]){{"id", MON_ARG_STRING, false}, {NULL}},
     .params = "id",
     .help = "remove host network device",
     .func = qmp_netdev_del,
     .qmp_name = "netdev_del"},
    {.name = "set_link",
     .args = (const MonArgSpec[]){{"name", MON_ARG_STRING, false},
                                  {"up", MON_ARG_BOOL, false},
                                  {NULL}},
     .params = "name on|off",
     .help = "change the link status of a network adapter",
     .func = qmp_set_link,
     .qmp_name = "set_link"},
    {.name = "hostfwd_add",
     .args = (const MonArgSpec[]){{"netdev_or_rule", MON_ARG_STRING, false},
                                  {"rule", MON_ARG_STRING, true},
                                  {NULL}},
     .params = "[netdev_id] [tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport",
     .help = "redirect TCP or UDP connections from host to guest (user networking)",
     .func = hmp_hostfwd_add},
    {.name = "hostfwd_remove",
     .args = (const MonArgSpec[]){{"netdev_or_rule", MON_ARG_STRING, false},
                                  {"rule", MON_ARG_STRING, true},
                                  {NULL}},
     .params = "[netdev_id] [tcp|udp]:[hostaddr]:hostport",
     .help = "remove host-to-guest TCP or UDP redirection",
     .func = hmp_hostfwd_remove},
    {.name = "memsave",
     .args = (const MonArgSpec[]){{"val", MON_ARG_INT, false},
                                  {"size", MON_ARG_SIZE, false},
                                  {"filename", MON_ARG_STRING, false},
                                  {"cpu-index", MON_ARG_INT, true},
                                  {NULL}},
     .params = "addr size file [cpu-index]",
     .help = "save to disk virtual memory dump starting at 'addr' of size 'size'",
     .func = qmp_memsave,
     .qmp_name = "memsave"},
    {.name = "pmemsave",
     .args = (const MonArgSpec[]){{"val", MON_ARG_INT, false},
                                  {"size", MON_ARG_SIZE, false},
                                  {"filename", MON_ARG_STRING, false},
                                  {NULL}},
     .params = "addr size file",
     .help = "save to disk physical memory dump starting at 'addr' of size 'size'",
     .func = qmp_pmemsave,
     .qmp_name = "pmemsave"},
    {.name = "getfd",
     .args = (const MonArgSpec[]){{"fdname", MON_ARG_STRING, false}, {NULL}},
     .params = "name",
     .help = "receive a file descriptor via SCM rights and assign it a name",
     .func = qmp_getfd,
     .qmp_name = "getfd"},
    {.name = "closefd",
     .args = (const MonArgSpec[]){{"fdname", MON_ARG_STRING, false}, {NULL}},
     .params = "name",
     .help = "close a file descriptor previously passed via SCM rights",
     .func = qmp_closefd,
     .qmp_name = "closefd"},
    {.name = "qom-list",
     .args = (const MonArgSpec[]){{"path", MON_ARG_STRING, false}, {NULL}},
     .params = "path",
     .help = "list QOM properties",
     .func = qmp_qom_list,
     .print = hmp_print_qom_list,
     .qmp_name = "qom-list"},
    {.name = "qom-get",
     .args = (const MonArgSpec[]){{"path", MON_ARG_STRING, false},
                                  {"property", MON_ARG_STRING, false},
                                  {NULL}},
     .params = "path property",
     .help = "print QOM property",
     .func = qmp_qom_get,
     .print = hmp_print_qom_get,
     .qmp_name = "qom-get"},
    {.name = "qom-set",
     .args = (const MonArgSpec[]){{"path", MON_ARG_STRING, false},
                                  {"property", MON_ARG_STRING, false},
                                  {"value", MON_ARG_STRING, false, 0, true},
                                  {NULL}},
     .params = "path property value",
     .help = "set QOM property",
     .func = qmp_qom_set,
     .qmp_name = "qom-set"},
    {NULL},
};
