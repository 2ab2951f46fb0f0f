/*
 * The rows only QMP serves: the protocol's own commands (qmp_capabilities),
 * introspection (query-commands, query-events, query-qmp-schema), and the
 * commands QEMU offers programs but not people (human-monitor-command,
 * device-list-properties, query-machines). Same row type as hmp-commands.c,
 * found by qmp.c alongside hmp_commands and hmp_info_commands.
 *
 * query-qmp-schema is generated from the table: each command's arguments as
 * an object type with typed members, QEMU's SchemaInfo shape. Left out: the
 * return types (every command says "any") and QEMU's masked type names.
 */
#include "monitor/monitor-internal.h"
#include "monitor/events.h"
#include "core/cpu.h"
#include "core/machine.h"
#include "core/qdev.h"

/* ---- protocol ---- */

static bool qmp_capabilities(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    return qmp_negotiate(mon, errp);
}

static void add_command_name(const MonCommand *cmd, void *opaque)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    mon_dict_add(&b, "name", g_variant_new_string(cmd->qmp_name));
    g_variant_builder_add_value(opaque, g_variant_builder_end(&b));
}

static bool qmp_query_commands(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    GVariantBuilder list;

    g_variant_builder_init(&list, G_VARIANT_TYPE("aa{sv}"));
    qmp_foreach_command(add_command_name, &list);
    *ret = g_variant_builder_end(&list);
    return true;
}

static bool qmp_query_events(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    GVariantBuilder list;

    g_variant_builder_init(&list, G_VARIANT_TYPE("aa{sv}"));
    for (int i = 0; i < MON_EVENT__MAX; i++) {
        GVariantBuilder b;

        g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
        mon_dict_add(&b, "name", g_variant_new_string(monitor_event_name(i)));
        g_variant_builder_add_value(&list, g_variant_builder_end(&b));
    }
    *ret = g_variant_builder_end(&list);
    return true;
}

/* ---- query-qmp-schema ---- */

static const char *schema_type(MonArgType type)
{
    switch (type) {
    case MON_ARG_INT:
    case MON_ARG_SIZE:
        return "int";
    case MON_ARG_BOOL:
    case MON_ARG_FLAG:
        return "bool";
    case MON_ARG_STRING:
    case MON_ARG_REST:
    case MON_ARG_FORMAT:
        break;
    }
    return "str";
}

typedef struct SchemaMember {
    const char *name, *type;
    bool optional;
} SchemaMember;

static GVariant *schema_object(const char *name, const SchemaMember *members, int n)
{
    GVariantBuilder b, list;

    g_variant_builder_init(&list, G_VARIANT_TYPE("aa{sv}"));
    for (int i = 0; i < n; i++) {
        GVariantBuilder m;

        g_variant_builder_init(&m, G_VARIANT_TYPE_VARDICT);
        mon_dict_add(&m, "name", g_variant_new_string(members[i].name));
        mon_dict_add(&m, "type", g_variant_new_string(members[i].type));
        if (members[i].optional) {
            /* QEMU marks an optional member with "default": null; GVariant has no null. */
            mon_dict_add(&m, "default", g_variant_new_maybe(G_VARIANT_TYPE_STRING, NULL));
        }
        g_variant_builder_add_value(&list, g_variant_builder_end(&m));
    }
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    mon_dict_add(&b, "name", g_variant_new_string(name));
    mon_dict_add(&b, "meta-type", g_variant_new_string("object"));
    mon_dict_add(&b, "members", g_variant_builder_end(&list));
    return g_variant_builder_end(&b);
}

static GVariant *schema_entity(const char *name, const char *meta, const char *arg_type)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    mon_dict_add(&b, "name", g_variant_new_string(name));
    mon_dict_add(&b, "meta-type", g_variant_new_string(meta));
    mon_dict_add(&b, "arg-type", g_variant_new_string(arg_type));
    if (!strcmp(meta, "command")) {
        mon_dict_add(&b, "ret-type", g_variant_new_string("any"));
    }
    return g_variant_builder_end(&b);
}

static void add_command_schema(const MonCommand *cmd, void *opaque)
{
    g_autofree char *arg_type = g_strdup_printf("q_obj_%s-arg", cmd->qmp_name);
    SchemaMember members[16];
    int n = 0;

    if (cmd->qmp_keyval) {
        /* Like QEMU's device_add: driver, id, bus, then the driver's own properties. */
        members[n++] = (SchemaMember){"driver", "str", false};
        members[n++] = (SchemaMember){"bus", "str", true};
        members[n++] = (SchemaMember){"id", "str", true};
    }
    for (const MonArgSpec *spec = cmd->qmp_keyval ? NULL : cmd->args;
         spec && spec->name && n < (int)G_N_ELEMENTS(members); spec++) {
        if (spec->type == MON_ARG_FORMAT) {
            continue;
        }
        members[n++] =
            (SchemaMember){spec->name, spec->qmp_any_scalar ? "any" : schema_type(spec->type),
                           spec->optional || spec->type == MON_ARG_FLAG};
    }
    g_variant_builder_add_value(opaque, schema_entity(cmd->qmp_name, "command", arg_type));
    g_variant_builder_add_value(opaque, schema_object(arg_type, members, n));
}

static GVariant *schema_builtin(const char *name, const char *json_type)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    mon_dict_add(&b, "name", g_variant_new_string(name));
    mon_dict_add(&b, "meta-type", g_variant_new_string("builtin"));
    mon_dict_add(&b, "json-type", g_variant_new_string(json_type));
    return g_variant_builder_end(&b);
}

static bool qmp_query_qmp_schema(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    static const SchemaMember cause[] = {{"guest", "bool", false}, {"reason", "str", false}};
    static const SchemaMember deleted[] = {{"device", "str", true}, {"path", "str", false}};
    static const SchemaMember io_error[] = {{"device", "str", false},    {"node-name", "str", true},
                                            {"operation", "str", false}, {"action", "str", false},
                                            {"nospace", "bool", true},   {"reason", "str", false}};
    GVariantBuilder list;

    g_variant_builder_init(&list, G_VARIANT_TYPE("aa{sv}"));
    qmp_foreach_command(add_command_schema, &list);
    for (int i = 0; i < MON_EVENT__MAX; i++) {
        const char *arg_type = "q_empty";

        if (i == MON_EVENT_RESET || i == MON_EVENT_SHUTDOWN) {
            arg_type = "q_obj_shutdown-cause";
        } else if (i == MON_EVENT_DEVICE_DELETED) {
            arg_type = "q_obj_DEVICE_DELETED-arg";
        } else if (i == MON_EVENT_BLOCK_IO_ERROR) {
            arg_type = "q_obj_BLOCK_IO_ERROR-arg";
        }
        g_variant_builder_add_value(&list, schema_entity(monitor_event_name(i), "event", arg_type));
    }
    g_variant_builder_add_value(&list, schema_object("q_empty", NULL, 0));
    g_variant_builder_add_value(&list,
                                schema_object("q_obj_shutdown-cause", cause, G_N_ELEMENTS(cause)));
    g_variant_builder_add_value(
        &list, schema_object("q_obj_DEVICE_DELETED-arg", deleted, G_N_ELEMENTS(deleted)));
    g_variant_builder_add_value(
        &list, schema_object("q_obj_BLOCK_IO_ERROR-arg", io_error, G_N_ELEMENTS(io_error)));
    g_variant_builder_add_value(&list, schema_builtin("str", "string"));
    g_variant_builder_add_value(&list, schema_builtin("int", "int"));
    g_variant_builder_add_value(&list, schema_builtin("bool", "boolean"));
    g_variant_builder_add_value(&list, schema_builtin("any", "value"));
    *ret = g_variant_builder_end(&list);
    return true;
}

/* ---- programs driving people's commands ---- */

static bool qmp_human_monitor_command(Monitor *mon, const MonArgs *args, GVariant **ret,
                                      GError **errp)
{
    const char *line = mon_args_get_str(args, "command-line");
    CPUState *prev = mon_current_cpu();
    Monitor *hmp;

    if (mon_args_has(args, "cpu-index")) {
        int64_t index = mon_args_get_int(args, "cpu-index", -1);

        if (index < 0 || index >= cpu_count) {
            error_setg(errp, "Parameter 'cpu-index' is out of range: CPUs are numbered 0 to %d",
                       cpu_count - 1);
            return false;
        }
        mon_set_current_cpu((int)index);
    }
    hmp = monitor_new_buffer();
    hmp_execute_line(hmp, line);
    *ret = g_variant_new_string(monitor_buffer_contents(hmp));
    monitor_free(hmp);
    if (mon_args_has(args, "cpu-index") && prev) {
        mon_set_current_cpu(prev->index);
    }
    return true;
}

/* ---- devices and machines ---- */

static void add_prop_info(const Property *prop, void *opaque)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    mon_dict_add(&b, "name", g_variant_new_string(prop->name));
    mon_dict_add(&b, "type", g_variant_new_string(qdev_prop_type_name(prop)));
    if (prop->description) {
        mon_dict_add(&b, "description", g_variant_new_string(prop->description));
    }
    switch (prop->type) {
    case PROP_BOOL:
        mon_dict_add(&b, "default-value", g_variant_new_boolean(prop->defval != 0));
        break;
    case PROP_I32:
        mon_dict_add(&b, "default-value", g_variant_new_int64((int32_t)prop->defval));
        break;
    case PROP_STRING:
        if (prop->defstr) {
            mon_dict_add(&b, "default-value", g_variant_new_string(prop->defstr));
        }
        break;
    case PROP_LINK:
        break;
    default:
        mon_dict_add(&b, "default-value", g_variant_new_uint64(prop->defval));
        break;
    }
    g_variant_builder_add_value(opaque, g_variant_builder_end(&b));
}

static bool qmp_device_list_properties(Monitor *mon, const MonArgs *args, GVariant **ret,
                                       GError **errp)
{
    const char *name = mon_args_get_str(args, "typename");
    const DeviceClass *dc = device_class_find(name);
    GVariantBuilder list;

    if (!dc) {
        error_setg(errp, "Device type '%s' not found; device_add's driver=help lists them", name);
        return false;
    }
    g_variant_builder_init(&list, G_VARIANT_TYPE("aa{sv}"));
    device_foreach_prop(dc, add_prop_info, &list);
    *ret = g_variant_builder_end(&list);
    return true;
}

static bool qmp_query_machines(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    /* core/machine.h lists the registered machines only as help text: a name starts each line. */
    g_autofree char *help = machine_help();
    g_auto(GStrv) lines = g_strsplit(help, "\n", -1);
    GVariantBuilder list;

    g_variant_builder_init(&list, G_VARIANT_TYPE("aa{sv}"));
    for (int i = 1; lines[i]; i++) {
        g_autofree char *name = g_strndup(lines[i], strcspn(lines[i], " "));
        const MachineClass *mc = *name ? machine_class_find(name) : NULL;
        GVariantBuilder b;

        if (!mc || strcmp(mc->name, name)) {
            continue; /* an alias line: reported with its machine */
        }
        g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
        mon_dict_add(&b, "name", g_variant_new_string(mc->name));
        if (mc->alias) {
            mon_dict_add(&b, "alias", g_variant_new_string(mc->alias));
        }
        mon_dict_add(&b, "is-default", g_variant_new_boolean(mc->is_default));
        mon_dict_add(&b, "cpu-max", g_variant_new_int64(mc->max_cpus));
        mon_dict_add(&b, "hotpluggable-cpus", g_variant_new_boolean(false));
        mon_dict_add(&b, "numa-mem-supported", g_variant_new_boolean(false));
        mon_dict_add(&b, "deprecated", g_variant_new_boolean(false));
        if (mc->default_cpu_type) {
            mon_dict_add(&b, "default-cpu-type", g_variant_new_string(mc->default_cpu_type));
        }
        g_variant_builder_add_value(&list, g_variant_builder_end(&b));
    }
    *ret = g_variant_builder_end(&list);
    return true;
}

/* ---- the table ---- */

static const MonArgSpec args_none[] = {{NULL}};

const MonCommand qmp_commands[] = {
    {.name = "qmp_capabilities",
     .args = args_none,
     .params = "",
     .help = "leave capabilities negotiation mode",
     .func = qmp_capabilities,
     .qmp_name = "qmp_capabilities"},
    {.name = "query-commands",
     .args = args_none,
     .params = "",
     .help = "list the QMP commands",
     .func = qmp_query_commands,
     .qmp_name = "query-commands"},
    {.name = "query-events",
     .args = args_none,
     .params = "",
     .help = "list the QMP events",
     .func = qmp_query_events,
     .qmp_name = "query-events"},
    {.name = "query-qmp-schema",
     .args = args_none,
     .params = "",
     .help = "describe the commands, their arguments and the events",
     .func = qmp_query_qmp_schema,
     .qmp_name = "query-qmp-schema"},
    {.name = "human-monitor-command",
     .args = (const MonArgSpec[]){{"command-line", MON_ARG_STRING, false},
                                  {"cpu-index", MON_ARG_INT, true},
                                  {NULL}},
     .params = "command-line [cpu-index]",
     .help = "run an HMP command line; its output is the result",
     .func = qmp_human_monitor_command,
     .qmp_name = "human-monitor-command"},
    {.name = "device-list-properties",
     .args = (const MonArgSpec[]){{"typename", MON_ARG_STRING, false}, {NULL}},
     .params = "typename",
     .help = "list a device type's properties",
     .func = qmp_device_list_properties,
     .qmp_name = "device-list-properties"},
    {.name = "query-machines",
     .args = args_none,
     .params = "",
     .help = "list the machine types",
     .func = qmp_query_machines,
     .qmp_name = "query-machines"},
    {NULL},
};
