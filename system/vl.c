/*
 * main(): parse the command line (QEMU's spellings), build the machine and
 * run the main loop.
 */
#include "system/system.h"
#include "system/main-loop.h"
#include "system/memory.h"
#include "system/runstate.h"
#include "core/machine.h"
#include "core/qdev.h"
#include "accel/accel.h"
#include "block/drive.h"
#include "block/secret.h"
#include "chardev/char.h"
#include "system/config-file.h"
#include "gdbstub/gdbstub.h"
#include "hw/core/fw_cfg.h"
#include "monitor/monitor.h"
#include "net/net.h"
#include "util/error.h"
#include "util/log.h"
#include "util/option.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

bool nographic;
static Chardev *serial_hds[MAX_SERIAL_PORTS];

Chardev *serial_hd(int i)
{
    return i >= 0 && i < MAX_SERIAL_PORTS ? serial_hds[i] : NULL;
}

typedef struct Config {
    const char *machine_spec;
    const char *accel_spec; /* from -accel/-enable-kvm/-no-kvm */
    KeyValList *accel_opts; /* -accel NAME,key=value: the options after the name */
    bool singlestep;
    const char *ram_spec;
    const char *smp_spec;
    const char *cpu_model;
    const char *kernel, *initrd, *append, *bios;
    const char *name;
    const char *display;
    bool start_paused;
    bool nodefaults;
    GPtrArray *serials;  /* legacy specs */
    GPtrArray *monitors; /* legacy specs */
    GPtrArray *mons;     /* -mon specs */
    GPtrArray *qmps;     /* -qmp / -qmp-pretty legacy specs, as QmpSpec */
    bool daemonize;
    const char *pidfile;
    const char *process_name; /* -name ...,process= */
    GPtrArray *chardevs;
    GPtrArray *devices;
    GPtrArray *globals;
    GPtrArray *drives;    /* -drive, and -hda..-hdd turned into -drive specs */
    GPtrArray *blockdevs; /* -blockdev */
    GPtrArray *netdevs;   /* -netdev */
    GPtrArray *nics;      /* -nic and -net, as NetOptSpec */
    bool snapshot;
    const char *gdb;         /* -gdb / -s */
    GArray *config_entries;  /* of ConfigEntry: the options -writeconfig writes */
    const char *writeconfig; /* -writeconfig FILE, "-" for stdout */
} Config;

typedef enum {
    ARG_NONE,
    ARG_REQUIRED,
} ArgKind;

typedef struct OptionDef {
    const char *name;
    ArgKind arg;
    const char *argname;
    const char *help;
    bool (*handle)(Config *cfg, const char *arg, GError **errp);
} OptionDef;

#define SET_STRING(field)                                                                          \
    static bool opt_##field(Config *cfg, const char *arg, GError **errp)                            \
    {                                                                                              \
        cfg->field = arg;                                                                          \
        return true;                                                                               \
    }
SET_STRING(machine_spec)
SET_STRING(ram_spec)
SET_STRING(smp_spec)
SET_STRING(cpu_model)
SET_STRING(kernel)
SET_STRING(initrd)
SET_STRING(append)
SET_STRING(bios)
SET_STRING(display)

#define ADD_TO_LIST(list)                                                                          \
    static bool opt_##list(Config *cfg, const char *arg, GError **errp)                             \
    {                                                                                              \
        g_ptr_array_add(cfg->list, (gpointer)arg);                                                 \
        return true;                                                                               \
    }
ADD_TO_LIST(serials)
ADD_TO_LIST(monitors)
ADD_TO_LIST(mons)
ADD_TO_LIST(chardevs)
ADD_TO_LIST(devices)
ADD_TO_LIST(globals)
ADD_TO_LIST(drives)
ADD_TO_LIST(blockdevs)
ADD_TO_LIST(netdevs)

typedef struct NetOptSpec {
    const char *spec;
    bool legacy; /* -net rather than -nic */
} NetOptSpec;

static bool add_nic_spec(Config *cfg, const char *arg, bool legacy)
{
    NetOptSpec *n = g_new0(NetOptSpec, 1);

    n->spec = arg;
    n->legacy = legacy;
    g_ptr_array_add(cfg->nics, n);
    return true;
}

static bool opt_nic(Config *cfg, const char *arg, GError **errp)
{
    return add_nic_spec(cfg, arg, false);
}

static bool opt_net(Config *cfg, const char *arg, GError **errp)
{
    return add_nic_spec(cfg, arg, true);
}

static void note_for_writeconfig(Config *cfg, const char *option, const char *arg);

/*
 * -hda FILE is -drive file=FILE,index=0,media=disk on the machine's default
 * interface; -cdrom FILE is index 2 with media=cdrom, as in QEMU.
 */
static bool add_legacy_drive(Config *cfg, const char *file, int index, const char *media)
{
    char *drive;

    GString *spec = g_string_new("file=");

    keyval_append_escaped(spec, file); /* ",," keeps a comma in the file name */
    g_string_append_printf(spec, ",index=%d,media=%s", index, media);
    drive = g_string_free(spec, FALSE);
    g_ptr_array_add(cfg->drives, drive);
    note_for_writeconfig(cfg, "drive", drive);
    return true;
}

#define LEGACY_DISK(n, idx)                                                                        \
    static bool opt_hd##n(Config *cfg, const char *arg, GError **errp)                              \
    {                                                                                              \
        return add_legacy_drive(cfg, arg, idx, "disk");                                            \
    }
LEGACY_DISK(a, 0)
LEGACY_DISK(b, 1)
LEGACY_DISK(c, 2)
LEGACY_DISK(d, 3)

static bool opt_cdrom(Config *cfg, const char *arg, GError **errp)
{
    return add_legacy_drive(cfg, arg, 2, "cdrom");
}

/* -object secret,...: kept by the block layer until a drive names it (key-secret=). */
static bool opt_object(Config *cfg, const char *arg, GError **errp)
{
    return secret_object_add(arg, errp);
}

static bool opt_snapshot(Config *cfg, const char *arg, GError **errp)
{
    cfg->snapshot = true;
    return true;
}

static bool opt_accel(Config *cfg, const char *arg, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse("-accel", arg, "accel", errp);
    const char *name;

    if (!kv) {
        return false;
    }
    name = keyval_take(kv, "accel");
    if (!name) {
        error_setg(errp, "-accel: name an accelerator, e.g. -accel kvm");
        return false;
    }
    cfg->accel_spec = g_strdup(name);
    keyval_free(cfg->accel_opts);
    cfg->accel_opts = g_steal_pointer(&kv);
    return true;
}

static bool opt_enable_kvm(Config *cfg, const char *arg, GError **errp)
{
    cfg->accel_spec = "kvm";
    return true;
}

static bool opt_no_kvm(Config *cfg, const char *arg, GError **errp)
{
    cfg->accel_spec = "tcg";
    return true;
}

static bool opt_singlestep(Config *cfg, const char *arg, GError **errp)
{
    cfg->singlestep = true;
    return true;
}

static bool opt_name(Config *cfg, const char *arg, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse("-name", arg, "guest", errp);
    const char *guest, *process;

    if (!kv) {
        return false;
    }
    guest = keyval_take(kv, "guest");
    process = keyval_take(kv, "process");
    keyval_take(kv, "debug-threads");
    if (!keyval_check_all_used(kv, "guest, process, debug-threads", errp)) {
        return false;
    }
    if (process && !*process) {
        error_setg(errp, "-name %s: process= needs a name", arg);
        return false;
    }
    cfg->name = guest ? g_strdup(guest) : NULL;
    cfg->process_name = process ? g_strdup(process) : NULL;
    return true;
}

typedef struct QmpSpec {
    const char *spec;
    bool pretty;
} QmpSpec;

static bool opt_qmp(Config *cfg, const char *arg, GError **errp)
{
    QmpSpec *q = g_new0(QmpSpec, 1);

    q->spec = arg;
    g_ptr_array_add(cfg->qmps, q);
    return true;
}

static bool opt_qmp_pretty(Config *cfg, const char *arg, GError **errp)
{
    QmpSpec *q = g_new0(QmpSpec, 1);

    q->spec = arg;
    q->pretty = true;
    g_ptr_array_add(cfg->qmps, q);
    return true;
}

static bool opt_daemonize(Config *cfg, const char *arg, GError **errp)
{
    cfg->daemonize = true;
    return true;
}

static bool opt_pidfile(Config *cfg, const char *arg, GError **errp)
{
    if (!*arg) {
        error_setg(errp, "-pidfile needs a file name");
        return false;
    }
    cfg->pidfile = arg;
    return true;
}

static bool opt_uuid(Config *cfg, const char *arg, GError **errp)
{
    if (!g_uuid_string_is_valid(arg)) {
        error_setg(errp, "-uuid %s: not a UUID; use the 8-4-4-4-12 hex form, e.g. "
                         "-uuid 6ba7b810-9dad-11d1-80b4-00c04fd430c8",
                   arg);
        return false;
    }
    monitor_set_vm_uuid(arg);
    return true;
}

static bool opt_fw_cfg(Config *cfg, const char *arg, GError **errp)
{
    return fw_cfg_add_user_file_from_spec(arg, errp);
}

static bool opt_gdb(Config *cfg, const char *arg, GError **errp)
{
    cfg->gdb = arg;
    return true;
}

static bool opt_s(Config *cfg, const char *arg, GError **errp)
{
    cfg->gdb = "tcp::1234";
    return true;
}

static bool opt_S(Config *cfg, const char *arg, GError **errp)
{
    cfg->start_paused = true;
    return true;
}

static bool opt_no_reboot(Config *cfg, const char *arg, GError **errp)
{
    no_reboot = true;
    return true;
}

static bool opt_no_shutdown(Config *cfg, const char *arg, GError **errp)
{
    no_shutdown = true;
    return true;
}

static bool opt_nographic(Config *cfg, const char *arg, GError **errp)
{
    nographic = true;
    return true;
}

static bool opt_nodefaults(Config *cfg, const char *arg, GError **errp)
{
    cfg->nodefaults = true;
    return true;
}

static bool opt_log_items(Config *cfg, const char *arg, GError **errp)
{
    if (strcmp(arg, "help") == 0) {
        g_autofree char *help = log_items_help();
        fputs(help, stdout);
        exit(0);
    }
    return log_parse_items(arg, errp);
}

static bool opt_log_file(Config *cfg, const char *arg, GError **errp)
{
    return log_set_file(arg, errp);
}

static bool opt_version(Config *cfg, const char *arg, GError **errp)
{
    printf("mimic emulator version " MIMIC_VERSION "\n");
    exit(0);
}

static bool opt_help(Config *cfg, const char *arg, GError **errp);
static bool opt_readconfig(Config *cfg, const char *arg, GError **errp);

static bool opt_writeconfig(Config *cfg, const char *arg, GError **errp)
{
    cfg->writeconfig = arg;
    return true;
}

static const OptionDef options[] = {
    {"h", ARG_NONE, NULL, "print this help", opt_help},
    {"help", ARG_NONE, NULL, "print this help", opt_help},
    {"version", ARG_NONE, NULL, "print the version", opt_version},
    {"machine", ARG_REQUIRED, "type,accel=A", "select the machine (-machine help lists them)",
     opt_machine_spec},
    {"M", ARG_REQUIRED, "type", "short for -machine", opt_machine_spec},
    {"accel", ARG_REQUIRED, "kvm[:tcg]", "accelerator, with fallbacks separated by ':'",
     opt_accel},
    {"enable-kvm", ARG_NONE, NULL, "same as -accel kvm", opt_enable_kvm},
    {"no-kvm", ARG_NONE, NULL, "same as -accel tcg", opt_no_kvm},
    {"singlestep", ARG_NONE, NULL, "translate one guest instruction per block (debugging)",
     opt_singlestep},
    {"cpu", ARG_REQUIRED, "model", "CPU model (-cpu help lists them)", opt_cpu_model},
    {"m", ARG_REQUIRED, "size", "guest RAM, e.g. 512 (MiB), 512M, 2G, size=2G", opt_ram_spec},
    {"smp", ARG_REQUIRED, "n[,sockets=,cores=,threads=]", "number of CPUs and topology",
     opt_smp_spec},
    {"kernel", ARG_REQUIRED, "file", "boot this kernel (bzImage, Multiboot ELF)", opt_kernel},
    {"initrd", ARG_REQUIRED, "file", "initial ram disk (a Multiboot module)", opt_initrd},
    {"append", ARG_REQUIRED, "cmdline", "kernel command line", opt_append},
    {"bios", ARG_REQUIRED, "file", "firmware image", opt_bios},
    {"name", ARG_REQUIRED, "name", "guest name", opt_name},
    {"S", ARG_NONE, NULL, "do not start the CPUs (use 'cont' in the monitor)", opt_S},
    {"gdb", ARG_REQUIRED, "dev", "wait for gdb on dev (tcp::N, unix:PATH, or as -serial)",
     opt_gdb},
    {"s", ARG_NONE, NULL, "shorthand for -gdb tcp::1234", opt_s},
    {"no-reboot", ARG_NONE, NULL, "exit instead of rebooting", opt_no_reboot},
    {"no-shutdown", ARG_NONE, NULL, "stop instead of exiting when the guest powers off",
     opt_no_shutdown},
    {"nographic", ARG_NONE, NULL, "no display; serial and monitor share this terminal",
     opt_nographic},
    {"display", ARG_REQUIRED, "none", "display backend (only 'none' in this build)",
     opt_display},
    {"nodefaults", ARG_NONE, NULL, "create no default devices", opt_nodefaults},
    {"serial", ARG_REQUIRED, "dev", "serial port backend (stdio, pty, file:F, unix:P, tcp:H:P, "
                                    "null, none, chardev:ID)",
     opt_serials},
    {"monitor", ARG_REQUIRED, "dev", "HMP monitor on a backend (as -serial)", opt_monitors},
    {"mon", ARG_REQUIRED, "chardev=id[,mode=readline|control][,pretty=on]",
     "monitor on a -chardev (mode=control: QMP)", opt_mons},
    {"qmp", ARG_REQUIRED, "dev", "QMP (JSON) monitor on a backend (as -serial)", opt_qmp},
    {"qmp-pretty", ARG_REQUIRED, "dev", "QMP monitor with indented replies", opt_qmp_pretty},
    {"daemonize", ARG_NONE, NULL, "detach from the terminal once the VM is set up",
     opt_daemonize},
    {"pidfile", ARG_REQUIRED, "file", "write the process id to file (locked while running)",
     opt_pidfile},
    {"uuid", ARG_REQUIRED, "uuid", "the VM's UUID (query-uuid)", opt_uuid},
    {"chardev", ARG_REQUIRED, "backend,id=id[,...]", "character device", opt_chardevs},
    {"drive", ARG_REQUIRED,
     "file=F[,format=,if=virtio|ide|none,index=,media=,id=,readonly=on,cache=,snapshot=on]",
     "a disk image", opt_drives},
    {"blockdev", ARG_REQUIRED, "driver=D,node-name=N[,...]", "a block node", opt_blockdevs},
    {"object", ARG_REQUIRED, "secret,id=ID,data=TEXT|file=PATH",
     "a secret (the key of an encrypted image)", opt_object},
    {"hda", ARG_REQUIRED, "file", "first disk (as -drive file=F,index=0)", opt_hda},
    {"hdb", ARG_REQUIRED, "file", "second disk", opt_hdb},
    {"hdc", ARG_REQUIRED, "file", "third disk", opt_hdc},
    {"hdd", ARG_REQUIRED, "file", "fourth disk", opt_hdd},
    {"cdrom", ARG_REQUIRED, "file", "CD-ROM image (as -drive file=F,index=2,media=cdrom)",
     opt_cdrom},
    {"snapshot", ARG_NONE, NULL, "write to temporary overlays; images stay unchanged",
     opt_snapshot},
    {"netdev", ARG_REQUIRED, "user|tap|socket|hubport,id=id[,...]", "a network backend",
     opt_netdevs},
    {"nic", ARG_REQUIRED, "type[,model=m][,mac=addr][,...]",
     "a network backend and a NIC joined to it (-nic none: no NIC)", opt_nic},
    {"net", ARG_REQUIRED, "nic[,model=m]|user|tap|socket[,...]",
     "legacy: a NIC or backend on hub 0", opt_net},
    {"device", ARG_REQUIRED, "driver[,prop=value]", "add a device (-device help)", opt_devices},
    {"global", ARG_REQUIRED, "driver.prop=value", "default property value", opt_globals},
    {"fw_cfg", ARG_REQUIRED, "[name=]N,file=F|string=S", "a named file for the firmware (fw_cfg)",
     opt_fw_cfg},
    {"d", ARG_REQUIRED, "item,...", "debug log items (-d help)", opt_log_items},
    {"D", ARG_REQUIRED, "logfile", "write the debug log to a file", opt_log_file},
    {"readconfig", ARG_REQUIRED, "file", "read options from a config file (as -writeconfig "
                                         "writes it)",
     opt_readconfig},
    {"writeconfig", ARG_REQUIRED, "file", "write the options to a config file ('-': stdout)",
     opt_writeconfig},
};

/*
 * The options a config file holds, as QEMU names their sections: option,
 * section, implied key, key (the option is one key of the section), merge.
 */
static const ConfigGroup config_groups[] = {
    {"machine", "machine", "type", NULL, true},
    {"M", "machine", "type", NULL, true},
    {"kernel", "machine", NULL, "kernel", true},
    {"initrd", "machine", NULL, "initrd", true},
    {"append", "machine", NULL, "append", true},
    {"bios", "machine", NULL, "firmware", true},
    {"accel", "accel", "accel", NULL, true},
    {"m", "memory", "size", NULL, true},
    {"smp", "smp-opts", "cpus", NULL, true},
    {"name", "name", "guest", NULL, true},
    {"chardev", "chardev", "backend"},
    {"drive", "drive", NULL},
    {"device", "device", "driver"},
    {"mon", "mon", "chardev"},
    {"netdev", "netdev", "type"},
};

static bool opt_help(Config *cfg, const char *arg, GError **errp)
{
    printf("usage: %s [options]\n\nmimic " MIMIC_VERSION
           ", a full-system emulator and virtualizer\n\n",
           g_get_prgname() ? g_get_prgname() : "mimic-system");
    for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
        const OptionDef *o = &options[i];
        g_autofree char *left = g_strdup_printf("-%s%s%s", o->name, o->argname ? " " : "",
                                                o->argname ? o->argname : "");
        printf("  %-36s %s\n", left, o->help);
    }
    printf("\nDuring -nographic: Ctrl-A h for help on the console escapes.\n");
    exit(0);
}

static const OptionDef *find_option(const char *name)
{
    if (name[0] == '-') {
        name++; /* --option works as -option */
    }
    for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
        if (strcmp(options[i].name, name) == 0) {
            return &options[i];
        }
    }
    return NULL;
}

/* Keep option's argument for -writeconfig when a config file can hold the option. */
static void note_for_writeconfig(Config *cfg, const char *option, const char *arg)
{
    for (size_t i = 0; i < ARRAY_SIZE(config_groups); i++) {
        if (!strcmp(config_groups[i].option, option)) {
            ConfigEntry e = {&config_groups[i], arg};

            g_array_append_val(cfg->config_entries, e);
            return;
        }
    }
}

static bool run_option(Config *cfg, const OptionDef *o, const char *arg, GError **errp)
{
    if (!o->handle(cfg, arg, errp)) {
        return false;
    }
    note_for_writeconfig(cfg, o->name, arg);
    return true;
}

static bool apply_config_option(const ConfigGroup *group, const char *arg, void *opaque,
                                GError **errp)
{
    /* Options keep their argument, as they keep argv's strings: this copy lives on. */
    return run_option(opaque, find_option(group->option), g_strdup(arg), errp);
}

static bool opt_readconfig(Config *cfg, const char *arg, GError **errp)
{
    return config_file_read(arg, config_groups, ARRAY_SIZE(config_groups), apply_config_option,
                            cfg, errp);
}

static bool parse_command_line(Config *cfg, int argc, char **argv, GError **errp)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = NULL;
        const OptionDef *o;

        if (argv[i][0] != '-') {
            error_setg(errp, "'%s': expected an option; a disk image is given with "
                             "-drive file=%s",
                       argv[i], argv[i]);
            return false;
        }
        o = find_option(argv[i] + 1);
        if (!o) {
            error_setg(errp, "unknown option '%s' (see -help)", argv[i]);
            return false;
        }
        if (o->arg == ARG_REQUIRED) {
            if (i + 1 >= argc) {
                error_setg(errp, "option '%s' needs an argument: -%s %s", argv[i], o->name,
                           o->argname);
                return false;
            }
            arg = argv[++i];
        }
        if (!run_option(cfg, o, arg, errp)) {
            return false;
        }
    }
    if (cfg->writeconfig) {
        return config_file_write(cfg->writeconfig, (ConfigEntry *)cfg->config_entries->data,
                                 cfg->config_entries->len, errp);
    }
    return true;
}

static bool parse_ram_size(const char *spec, uint64_t *size, GError **errp)
{
    g_autoptr(KeyValList) kv = NULL;
    const char *value;
    g_autoptr(GError) err = NULL;

    kv = keyval_parse("-m", spec, "size", errp);
    if (!kv) {
        return false;
    }
    value = keyval_take(kv, "size");
    keyval_take(kv, "slots");
    keyval_take(kv, "maxmem");
    if (!keyval_check_all_used(kv, "size, slots, maxmem", errp)) {
        return false;
    }
    if (!value || !parse_size(value, MiB, size, &err)) {
        error_setg(errp, "-m %s: %s", spec, err ? err->message : "missing size");
        return false;
    }
    if (*size < 1 * MiB) {
        error_setg(errp, "-m %s: at least 1 MiB of RAM is needed; sizes without a suffix are "
                         "in MiB (e.g. -m 512)",
                   spec);
        return false;
    }
    if (*size > 1024 * GiB) {
        error_setg(errp, "-m %s: more than 1 TiB of RAM is not supported", spec);
        return false;
    }
    return true;
}

/* -machine type[,accel=kvm:tcg][,other machine options] */
static bool setup_machine(Config *cfg, MachineState *ms, GError **errp)
{
    g_autoptr(KeyValList) kv = NULL;
    const char *type = NULL, *accel;
    const MachineClass *mc;

    if (cfg->machine_spec) {
        kv = keyval_parse("-machine", cfg->machine_spec, "type", errp);
        if (!kv) {
            return false;
        }
        type = keyval_take(kv, "type");
    }
    if (type && strcmp(type, "help") == 0) {
        g_autofree char *help = machine_help();
        fputs(help, stdout);
        exit(0);
    }
    mc = type ? machine_class_find(type) : machine_class_default();
    if (!mc) {
        g_autofree char *help = machine_help();
        error_setg(errp, "-machine %s: unknown machine type.\n%s", type, help);
        return false;
    }
    ms->mc = mc;
    if (kv) {
        accel = keyval_take(kv, "accel");
        if (accel && !cfg->accel_spec) {
            cfg->accel_spec = g_strdup(accel);
        }
        for (guint i = 0; i < kv->items->len; i++) {
            KeyVal *item = g_ptr_array_index(kv->items, i);
            if (item->used || !mc->set_option) {
                continue;
            }
            item->used = true;
            if (!mc->set_option(ms, item->key, item->value, errp)) {
                return false;
            }
        }
        if (!keyval_check_all_used(kv, mc->extra_options ? mc->extra_options : "type, accel",
                                   errp)) {
            return false;
        }
    }
    return true;
}

static bool create_serials(Config *cfg, GError **errp)
{
    if (cfg->serials->len > MAX_SERIAL_PORTS) {
        error_setg(errp, "-serial: at most %d serial ports", MAX_SERIAL_PORTS);
        return false;
    }
    for (guint i = 0; i < cfg->serials->len; i++) {
        g_autofree char *label = g_strdup_printf("serial%u", i);
        const char *spec = g_ptr_array_index(cfg->serials, i);
        g_autoptr(GError) err = NULL;

        serial_hds[i] = chardev_new_legacy(label, spec, &err);
        if (err) {
            error_setg(errp, "-serial %s: %s", spec, err->message);
            return false;
        }
    }
    return true;
}

static bool create_monitors(Config *cfg, GError **errp)
{
    for (guint i = 0; i < cfg->monitors->len; i++) {
        const char *spec = g_ptr_array_index(cfg->monitors, i);
        g_autofree char *label = g_strdup_printf("compat_monitor%u", i);
        g_autoptr(GError) err = NULL;
        Chardev *chr = chardev_new_legacy(label, spec, &err);

        if (err) {
            error_setg(errp, "-monitor %s: %s", spec, err->message);
            return false;
        }
        if (chr && !monitor_new_hmp(chr, true, errp)) {
            return false;
        }
    }
    for (guint i = 0; i < cfg->qmps->len; i++) {
        const QmpSpec *q = g_ptr_array_index(cfg->qmps, i);
        g_autofree char *label = g_strdup_printf("compat_monitor%u", cfg->monitors->len + i);
        g_autoptr(GError) err = NULL;
        Chardev *chr = chardev_new_legacy(label, q->spec, &err);

        if (err) {
            error_setg(errp, "-qmp%s %s: %s", q->pretty ? "-pretty" : "", q->spec, err->message);
            return false;
        }
        if (chr && !monitor_new_qmp(chr, q->pretty, errp)) {
            return false;
        }
    }
    for (guint i = 0; i < cfg->mons->len; i++) {
        const char *spec = g_ptr_array_index(cfg->mons, i);
        g_autoptr(KeyValList) kv = keyval_parse("-mon", spec, "chardev", errp);
        const char *id, *mode;
        bool pretty, control;
        Chardev *chr;

        if (!kv) {
            return false;
        }
        id = keyval_take(kv, "chardev");
        mode = keyval_take(kv, "mode");
        if (!keyval_take_bool(kv, "pretty", false, &pretty, errp) ||
            !keyval_check_all_used(kv, "chardev, mode, pretty", errp)) {
            return false;
        }
        if (mode && strcmp(mode, "readline") != 0 && strcmp(mode, "control") != 0) {
            error_setg(errp, "-mon %s: unknown mode '%s'; use mode=readline (HMP) or "
                             "mode=control (QMP)",
                       spec, mode);
            return false;
        }
        control = mode && !strcmp(mode, "control");
        if (pretty && !control) {
            error_setg(errp, "-mon %s: pretty=on is for QMP; add mode=control", spec);
            return false;
        }
        chr = id ? chardev_find(id) : NULL;
        if (!chr) {
            error_setg(errp, "-mon %s: no chardev '%s' (create it with -chardev)", spec,
                       id ? id : "");
            return false;
        }
        if (control ? !monitor_new_qmp(chr, pretty, errp) : !monitor_new_hmp(chr, true, errp)) {
            return false;
        }
    }
    return true;
}

/* The defaults QEMU applies: -nographic puts serial0 and the monitor on one stdio mux. */
static void apply_defaults(Config *cfg)
{
    bool stdio_mux = nographic && !cfg->nodefaults;

    if (stdio_mux && cfg->serials->len == 0 && cfg->monitors->len == 0 && cfg->mons->len == 0) {
        g_ptr_array_add(cfg->serials, "mon:stdio");
        g_ptr_array_add(cfg->monitors, "chardev:serial0");
    } else if (stdio_mux && cfg->serials->len == 0) {
        g_ptr_array_add(cfg->serials, "stdio");
    } else if (stdio_mux && cfg->monitors->len == 0 && cfg->mons->len == 0) {
        g_ptr_array_add(cfg->monitors, "stdio");
    }
}

/* -device ...,chardev=ID finds the chardev by its id. */
static void *resolve_chardev_link(const char *id, GError **errp)
{
    Chardev *chr = chardev_find(id);

    if (!chr) {
        error_setg(errp, "no chardev '%s' (create it with -chardev)", id);
    }
    return chr;
}

static void quit_from_console(void)
{
    system_shutdown_request(SHUTDOWN_CAUSE_HOST_SIGNAL);
}

static void handle_terminate_signal(int sig)
{
    system_shutdown_request(SHUTDOWN_CAUSE_HOST_SIGNAL);
}

/* Catch unknown -device drivers before anything is built. */
static bool check_device_drivers(Config *cfg, GError **errp)
{
    for (guint i = 0; i < cfg->devices->len; i++) {
        const char *spec = g_ptr_array_index(cfg->devices, i);
        g_autofree char *driver = g_strndup(spec, strcspn(spec, ","));

        if (!device_class_find(driver)) {
            error_setg(errp, "-device %s: no device type '%s' (see -device help)", spec, driver);
            return false;
        }
    }
    return true;
}

static bool apply_accel_options(Config *cfg, const AccelOps *accel, GError **errp)
{
    if (cfg->singlestep && !(accel->set_option &&
                             accel->set_option("one-insn-per-tb", "on", errp))) {
        if (errp && !*errp) {
            error_setg(errp, "-singlestep needs the translator (-accel tcg)");
        }
        return false;
    }
    for (guint i = 0; cfg->accel_opts && i < cfg->accel_opts->items->len; i++) {
        KeyVal *item = g_ptr_array_index(cfg->accel_opts->items, i);
        if (item->used) {
            continue;
        }
        if (!accel->set_option) {
            error_setg(errp, "-accel %s: takes no options ('%s' given)", accel->name, item->key);
            return false;
        }
        if (!accel->set_option(item->key, item->value, errp)) {
            return false;
        }
    }
    return true;
}

static bool check_readable(const char *opt, const char *path, GError **errp)
{
    if (access(path, R_OK) != 0) {
        error_setg_errno(errp, errno, "%s '%s'", opt, path);
        return false;
    }
    return true;
}

/* QEMU's default network: -nic user on the machine's NIC model, unless told otherwise. */
static bool wants_default_nic(const Config *cfg, const MachineState *ms)
{
    return ms->mc->default_net && !cfg->nodefaults && cfg->netdevs->len == 0 &&
           cfg->nics->len == 0;
}

static bool create_netdevs(Config *cfg, const MachineState *ms, GError **errp)
{
    if (wants_default_nic(cfg, ms)) {
        return net_nic_option("user", errp);
    }
    for (guint i = 0; i < cfg->netdevs->len; i++) {
        if (!net_netdev_add(g_ptr_array_index(cfg->netdevs, i), errp)) {
            return false;
        }
    }
    for (guint i = 0; i < cfg->nics->len; i++) {
        NetOptSpec *n = g_ptr_array_index(cfg->nics, i);
        if (n->legacy ? !net_legacy_option(n->spec, errp) : !net_nic_option(n->spec, errp)) {
            return false;
        }
    }
    return true;
}

/* The NICs -nic and -net nic asked for, as -device MODEL,netdev=...,mac=... */
static bool create_nics(MachineState *ms, GError **errp)
{
    GPtrArray *nics = net_nic_requests();

    if (net_nic_none()) {
        return true;
    }
    for (guint i = 0; i < nics->len; i++) {
        NICInfo *nd = g_ptr_array_index(nics, i);
        const char *model = nd->model ? nd->model : ms->mc->default_nic_model;
        g_autofree char *spec = NULL;
        g_autoptr(GError) err = NULL;

        if (!model) {
            error_setg(errp, "-nic: the %s machine has no default NIC model; name one with "
                             "model= (model=help lists them)",
                       ms->mc->name);
            return false;
        }
        spec = g_strdup_printf("%s,netdev=%s%s%s", model, nd->netdev->name, nd->mac ? ",mac=" : "",
                               nd->mac ? nd->mac : "");
        if (!qdev_device_add(spec, &err)) {
            error_setg(errp, "-nic model=%s: %s", model, err->message);
            return false;
        }
    }
    return true;
}

static bool build_vm(Config *cfg, MachineState *ms, GError **errp)
{
    const AccelOps *accel;
    uint64_t ram_size;

    if (!setup_machine(cfg, ms, errp)) {
        return false;
    }
    ram_size = ms->mc->default_ram_size;
    if (cfg->ram_spec && !parse_ram_size(cfg->ram_spec, &ram_size, errp)) {
        return false;
    }
    ms->ram_size = ram_size;
    if (!smp_parse(&ms->smp, cfg->smp_spec ? cfg->smp_spec : "1", ms->mc->max_cpus, errp)) {
        return false;
    }
    ms->cpu_type = cfg->cpu_model ? cfg->cpu_model : ms->mc->default_cpu_type;
    ms->kernel_filename = cfg->kernel;
    ms->initrd_filename = cfg->initrd;
    ms->kernel_cmdline = cfg->append ? cfg->append : "";
    ms->firmware = cfg->bios;
    ms->name = g_strdup(cfg->name);
    if (cfg->initrd && !cfg->kernel) {
        error_setg(errp, "-initrd needs -kernel");
        return false;
    }
    if (cfg->append && !cfg->kernel) {
        error_setg(errp, "-append needs -kernel");
        return false;
    }
    if (!check_device_drivers(cfg, errp)) {
        return false;
    }
    /* Fail before anything is built when an input file cannot be read. */
    if ((cfg->kernel && !check_readable("-kernel", cfg->kernel, errp)) ||
        (cfg->initrd && !strchr(cfg->initrd, ',') && !strchr(cfg->initrd, ' ') &&
         !check_readable("-initrd", cfg->initrd, errp))) {
        return false;
    }
    if (cfg->display && strcmp(cfg->display, "none") != 0) {
        error_setg(errp, "-display %s: this build has no display backends; use -display none "
                         "or -nographic",
                   cfg->display);
        return false;
    }
    for (guint i = 0; i < cfg->globals->len; i++) {
        if (!qdev_add_global(g_ptr_array_index(cfg->globals, i), errp)) {
            return false;
        }
    }
    for (guint i = 0; i < cfg->chardevs->len; i++) {
        if (!chardev_new_from_spec(g_ptr_array_index(cfg->chardevs, i), errp)) {
            return false;
        }
    }
    drive_set_default_snapshot(cfg->snapshot);
    if (ms->mc->default_block_interface &&
        !drive_set_default_interface_name(ms->mc->default_block_interface, errp)) {
        return false;
    }
    for (guint i = 0; i < cfg->blockdevs->len; i++) {
        if (!blockdev_add_from_spec(g_ptr_array_index(cfg->blockdevs, i), errp)) {
            return false;
        }
    }
    for (guint i = 0; i < cfg->drives->len; i++) {
        if (!drive_add_from_spec(g_ptr_array_index(cfg->drives, i), errp)) {
            return false;
        }
    }
    if (!create_netdevs(cfg, ms, errp)) {
        return false;
    }
    apply_defaults(cfg);
    if (!create_serials(cfg, errp)) {
        return false;
    }
    accel = accel_choose(cfg->accel_spec ? cfg->accel_spec : ms->mc->default_accel, errp);
    if (!accel) {
        return false;
    }
    if (!apply_accel_options(cfg, accel, errp)) {
        return false;
    }
    accel_set_current(accel);
    ms->accel_list = accel->name;
    current_machine = ms;
    if (!accel->init_machine(ms, errp) || !ms->mc->init(ms, errp) || !create_nics(ms, errp)) {
        return false;
    }
    for (guint i = 0; i < cfg->devices->len; i++) {
        if (!qdev_device_add(g_ptr_array_index(cfg->devices, i), errp)) {
            return false;
        }
    }
    qdev_machine_creation_done();
    return create_monitors(cfg, errp);
}

/* ---- -daemonize and -pidfile ---- */

static int daemon_pipe = -1; /* the daemon's end: one byte tells the waiting parent "up" */
static int pidfile_fd = -1;
static char *pidfile_path;

static bool spec_is_stdio(const char *spec)
{
    return !strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio");
}

static bool check_daemonize(Config *cfg, GError **errp)
{
    if (nographic) {
        error_setg(errp, "-nographic cannot be used with -daemonize: a daemon has no terminal; "
                         "use -display none with -serial/-monitor/-qmp on sockets or files");
        return false;
    }
    for (guint i = 0; i < cfg->serials->len + cfg->monitors->len + cfg->qmps->len; i++) {
        const char *spec =
            i < cfg->serials->len ? g_ptr_array_index(cfg->serials, i)
            : i < cfg->serials->len + cfg->monitors->len
                ? g_ptr_array_index(cfg->monitors, i - cfg->serials->len)
                : ((QmpSpec *)g_ptr_array_index(cfg->qmps,
                                                i - cfg->serials->len - cfg->monitors->len))
                      ->spec;

        if (spec_is_stdio(spec)) {
            error_setg(errp, "'%s' cannot be used with -daemonize: a daemon has no terminal; "
                             "use a socket, pty or file instead",
                       spec);
            return false;
        }
    }
    return true;
}

/*
 * As QEMU's os_daemonize(): fork at once, before any thread exists. The
 * parent waits: a byte on the pipe means the VM is up (exit 0); the pipe
 * closing first means the daemon failed while setting up, with its errors
 * already on this terminal (exit with its status). The child carries on
 * as the daemon, in a new session.
 */
static void daemonize_start(void)
{
    int fds[2], status;
    pid_t pid;
    ssize_t n;
    char c;

    if (pipe2(fds, O_CLOEXEC) < 0) {
        error_report("-daemonize: cannot create a pipe: %s", g_strerror(errno));
        exit(1);
    }
    pid = fork();
    if (pid < 0) {
        error_report("-daemonize: cannot fork: %s", g_strerror(errno));
        exit(1);
    }
    if (pid > 0) {
        close(fds[1]);
        do {
            n = read(fds[0], &c, 1);
        } while (n < 0 && errno == EINTR);
        if (n == 1) {
            _exit(0);
        }
        if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status)) {
            _exit(WEXITSTATUS(status));
        }
        _exit(1);
    }
    close(fds[0]);
    daemon_pipe = fds[1];
    setsid();
}

/*
 * The VM is up: let the parent go and leave the terminal. Unlike QEMU there is
 * no chdir("/"), so relative paths from the command line (socket files removed
 * at exit, memsave's files) keep meaning what they meant.
 */
static void daemonize_finish(void)
{
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    char ok = 0;

    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        if (null > STDERR_FILENO) {
            close(null);
        }
    }
    if (write(daemon_pipe, &ok, 1) != 1) {
        /* The parent is gone already: nobody to tell. */
    }
    close(daemon_pipe);
    daemon_pipe = -1;
}

static bool pidfile_is_ours(void)
{
    struct stat by_fd, by_path;

    return fstat(pidfile_fd, &by_fd) == 0 && stat(pidfile_path, &by_path) == 0 &&
           by_fd.st_dev == by_path.st_dev && by_fd.st_ino == by_path.st_ino;
}

static void pidfile_remove(void)
{
    if (pidfile_fd < 0) {
        return;
    }
    if (pidfile_is_ours()) {
        unlink(pidfile_path);
    }
    close(pidfile_fd);
    pidfile_fd = -1;
}

/*
 * The pid file is held with a write lock (fcntl) for the process's life, so a
 * second instance fails while the first runs, and a stale file left by a
 * killed instance (nobody holds its lock) is simply taken over. Removed at exit.
 */
static bool pidfile_create(const char *path, GError **errp)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    g_autofree char *pid = NULL;
    char holder[32] = "";
    ssize_t n;

    pidfile_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (pidfile_fd < 0) {
        error_setg_errno(errp, errno, "-pidfile %s: cannot create it", path);
        return false;
    }
    pidfile_path = g_canonicalize_filename(path, NULL);
    if (fcntl(pidfile_fd, F_SETLK, &fl) < 0) {
        n = pread(pidfile_fd, holder, sizeof(holder) - 1, 0);
        holder[n > 0 ? n : 0] = '\0';
        g_strstrip(holder);
        error_setg(errp, "-pidfile %s: another instance%s%s%s is running with this pid file; "
                         "stop it first or use another file",
                   path, *holder ? " (pid " : "", holder, *holder ? ")" : "");
        close(pidfile_fd);
        pidfile_fd = -1;
        return false;
    }
    /* Another instance may have removed and recreated the file before our lock. */
    if (!pidfile_is_ours()) {
        error_setg(errp, "-pidfile %s: the file was replaced while it was being locked; try "
                         "again",
                   path);
        close(pidfile_fd);
        pidfile_fd = -1;
        return false;
    }
    pid = g_strdup_printf("%d\n", (int)getpid());
    if (ftruncate(pidfile_fd, 0) < 0 || pwrite(pidfile_fd, pid, strlen(pid), 0) != (ssize_t)strlen(pid)) {
        error_setg_errno(errp, errno, "-pidfile %s: cannot write it", path);
        pidfile_remove();
        return false;
    }
    atexit(pidfile_remove);
    return true;
}

/* Early exits for "help" arguments, before anything is built. */
static void handle_help_requests(Config *cfg)
{
    if (cfg->cpu_model && strcmp(cfg->cpu_model, "help") == 0) {
        g_autofree char *help = target_cpu_models_help();
        fputs(help, stdout);
        exit(0);
    }
    for (guint i = 0; i < cfg->devices->len; i++) {
        const char *spec = g_ptr_array_index(cfg->devices, i);
        g_autoptr(GError) err = NULL;
        g_autoptr(GString) out = g_string_new(NULL);
        g_autofree char *driver = NULL;

        if (strcmp(spec, "help") == 0) {
            g_autofree char *help = qdev_device_help();
            fputs(help, stdout);
            exit(0);
        }
        if (!g_str_has_suffix(spec, ",help")) {
            continue;
        }
        driver = g_strndup(spec, strlen(spec) - strlen(",help"));
        if (!qdev_device_prop_help(driver, out, &err)) {
            error_report_err(g_steal_pointer(&err));
            exit(1);
        }
        fputs(out->str, stdout);
        exit(0);
    }
}

int main(int argc, char **argv)
{
    Config cfg = {
        .serials = g_ptr_array_new(),
        .monitors = g_ptr_array_new(),
        .mons = g_ptr_array_new(),
        .qmps = g_ptr_array_new(),
        .chardevs = g_ptr_array_new(),
        .devices = g_ptr_array_new(),
        .globals = g_ptr_array_new(),
        .drives = g_ptr_array_new(),
        .blockdevs = g_ptr_array_new(),
        .config_entries = g_array_new(FALSE, FALSE, sizeof(ConfigEntry)),
        .netdevs = g_ptr_array_new(),
        .nics = g_ptr_array_new(),
    };
    MachineState ms = {0};
    GError *err = NULL;
    int status;

    error_set_progname(argv[0]);
    g_set_prgname(argv[0]);
    if (!parse_command_line(&cfg, argc, argv, &err)) {
        error_report_err(err);
        return 1;
    }
    handle_help_requests(&cfg);
    if (cfg.daemonize && !check_daemonize(&cfg, &err)) {
        error_report_err(err);
        return 1;
    }
    if (cfg.process_name) {
        /* The kernel keeps 15 characters: ps, top and /proc/PID/comm show them. */
        prctl(PR_SET_NAME, cfg.process_name, 0, 0, 0);
    }
    if (cfg.daemonize) {
        daemonize_start();
    }
    if (cfg.pidfile && !pidfile_create(cfg.pidfile, &err)) {
        error_report_err(err);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, handle_terminate_signal);
    signal(SIGINT, handle_terminate_signal);
    signal(SIGHUP, handle_terminate_signal);
    memory_map_init();
    main_loop_init();
    chardev_set_quit_hook(quit_from_console);
    qdev_register_link_resolver("chardev", resolve_chardev_link);

    if (!build_vm(&cfg, &ms, &err)) {
        chardev_stdio_restore_terminal();
        error_report_err(err);
        return 1;
    }
    if (!nographic && !cfg.display && !cfg.nodefaults && cfg.serials->len == 0) {
        warn_report("this build has no graphical display; use -nographic to get the serial "
                    "console and the monitor on this terminal");
    }
    if (cfg.gdb && !gdbserver_start(cfg.gdb, &err)) {
        chardev_stdio_restore_terminal();
        error_report_err(err);
        return 1;
    }
    drive_warn_orphans();
    machine_reset(&ms);
    if (!cfg.start_paused) {
        vm_start();
    }
    if (cfg.daemonize) {
        daemonize_finish();
    }
    status = main_loop_run();
    /* Pending QMP output (quit's reply, SHUTDOWN) goes out; the final stop sends no STOP. */
    monitor_cleanup();
    vm_stop(RUN_STATE_SHUTDOWN);
    drive_close_all();
    chardev_close_all();
    chardev_stdio_restore_terminal();
    return status;
}
