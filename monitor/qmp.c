/*
 * QMP, the JSON monitor protocol, as QEMU's docs/interop/qmp-spec.rst:
 *
 *   S: {"QMP": {"version": {"qemu": {"micro": 0, "minor": 1, "major": 0},
 *               "package": "mimic"}, "capabilities": []}}
 *   C: {"execute": "qmp_capabilities"}
 *   S: {"return": {}}
 *   C: {"execute": "query-status", "id": 7}
 *   S: {"return": {"status": "running", "singlestep": false, "running": true}, "id": 7}
 *   S: {"event": "STOP", "timestamp": {"seconds": 1700000000, "microseconds": 5}}
 *
 * Commands are the rows of the one command table (hmp-commands.c, and
 * qmp-commands.c for the protocol's own) that have a qmp_name: JSON
 * "arguments" are checked against the row's typed MonArgSpecs into the same
 * MonArgs HMP builds, and the handler's GVariant result is sent as JSON
 * (json-glib). Errors carry QEMU's classes: GenericError, CommandNotFound,
 * DeviceNotFound.
 *
 * Input is a byte stream: a small scanner tracks strings and nesting to cut
 * it into top-level values (one value may span reads, one read may hold
 * several), and each complete value is parsed by json-glib. A value larger
 * than QMP_MAX_MESSAGE or nested deeper than QMP_MAX_DEPTH gets one error
 * reply and is skipped to its end without being stored; stray text between
 * values gets one error reply per line (at its newline, or where a value
 * starts). So any input ends in an error reply and the stream continues with
 * the next value: nothing a client sends can
 * make the monitor stall, grow without bound, or crash.
 *
 * Left out: out-of-band execution (exec-oob), the "oob" capability, and
 * QEMU's per-monitor request queue (commands run as they are parsed, in the
 * main loop, so a client gets its replies in order).
 */
#include "monitor/monitor-internal.h"
#include "monitor/events.h"
#include "util/option.h"
#include <json-glib/json-glib.h>

#define QMP_MAX_MESSAGE (1u << 20) /* bytes in one request */
#define QMP_MAX_DEPTH 64           /* nested objects and arrays */
#define QMP_READ_CHUNK 4096
#define QMP_JUNK_SHOWN 32 /* bytes of stray text quoted back in the error */

struct QmpState {
    bool pretty;
    bool negotiated; /* qmp_capabilities done: commands and events */
    /* The scanner. */
    GString *msg;   /* the value being received */
    unsigned depth; /* 0: between values */
    bool in_string;
    bool escaped;    /* the previous byte in a string was a backslash */
    bool discarding; /* the value got its error reply; skip to its end */
    GString *junk;   /* stray text between values, as far as it is shown */
    size_t junk_len;
};

static GList *qmp_monitors;
static bool (*dispatch_filter)(const char *name);

void qmp_set_dispatch_filter(bool (*allow)(const char *name))
{
    dispatch_filter = allow;
}

/* ---- the table ---- */

static const MonCommand *const *qmp_tables(void)
{
    static const MonCommand *const tables[] = {qmp_commands, hmp_commands, hmp_info_commands, NULL};

    return tables;
}

void qmp_foreach_command(void (*fn)(const MonCommand *cmd, void *opaque), void *opaque)
{
    for (const MonCommand *const *t = qmp_tables(); *t; t++) {
        for (const MonCommand *cmd = *t; cmd->name; cmd++) {
            if (cmd->qmp_name && cmd->func) {
                fn(cmd, opaque);
            }
        }
    }
}

const MonCommand *qmp_find_command(const char *name)
{
    for (const MonCommand *const *t = qmp_tables(); *t; t++) {
        for (const MonCommand *cmd = *t; cmd->name; cmd++) {
            if (cmd->qmp_name && cmd->func && !strcmp(cmd->qmp_name, name)) {
                return cmd;
            }
        }
    }
    return NULL;
}

/* ---- output ---- */

/* One message on its own line; "\r\n" line ends as QEMU's monitor output. */
static void qmp_write_node(Monitor *mon, JsonNode *node)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autofree char *text = NULL;
    GString *out = mon->capture ? mon->capture : mon->outbuf;

    json_generator_set_pretty(gen, mon->qmp->pretty);
    json_generator_set_indent(gen, 4);
    json_generator_set_root(gen, node);
    text = json_generator_to_data(gen, NULL);
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            g_string_append_c(out, '\r');
        }
        g_string_append_c(out, *p);
    }
    g_string_append(out, "\r\n");
    if (!mon->capture) {
        monitor_flush(mon);
    }
}

static void qmp_add_id(JsonBuilder *b, JsonNode *id)
{
    if (id) {
        json_builder_set_member_name(b, "id");
        json_builder_add_value(b, json_node_copy(id));
    }
}

static void qmp_send_error(Monitor *mon, const char *cls, const char *desc, JsonNode *id)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *valid = g_utf8_make_valid(desc, -1);

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "error");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "class");
    json_builder_add_string_value(b, cls);
    json_builder_set_member_name(b, "desc");
    json_builder_add_string_value(b, valid);
    json_builder_end_object(b);
    qmp_add_id(b, id);
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    qmp_write_node(mon, root);
}

static void G_GNUC_PRINTF(2, 3) qmp_send_parse_error(Monitor *mon, const char *fmt, ...)
{
    g_autofree char *desc = NULL;
    va_list ap;

    va_start(ap, fmt);
    desc = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qmp_send_error(mon, "GenericError", desc, NULL);
}

static const char *qmp_error_class(const GError *err)
{
    if (err && err->domain == MIMIC_ERROR) {
        switch ((MimicErrorCode)err->code) {
        case MIMIC_ERROR_NOT_FOUND:
            return "DeviceNotFound";
        case MIMIC_ERROR_DEVICE_NOT_ACTIVE:
            return "DeviceNotActive";
        case MIMIC_ERROR_KVM_MISSING_CAP:
            return "KVMMissingCap";
        case MIMIC_ERROR_GENERIC:
            break;
        }
    }
    return "GenericError";
}

/* {"return": ret or {}, "id": id} */
static void qmp_send_return(Monitor *mon, GVariant *ret, JsonNode *id)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) root = NULL;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "return");
    if (ret) {
        json_builder_add_value(b, json_gvariant_serialize(ret));
    } else {
        json_builder_begin_object(b);
        json_builder_end_object(b);
    }
    qmp_add_id(b, id);
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    qmp_write_node(mon, root);
}

static void qmp_send_greeting(Monitor *mon)
{
    const MonCommand *version = qmp_find_command("query-version");
    g_autoptr(MonArgs) args = mon_args_new();
    g_autoptr(GVariant) ret = NULL;
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) root = NULL;

    if (version && version->func(mon, args, &ret, NULL) && ret) {
        g_variant_ref_sink(ret);
    }
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "QMP");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "version");
    if (ret) {
        json_builder_add_value(b, json_gvariant_serialize(ret));
    } else {
        json_builder_begin_object(b);
        json_builder_end_object(b);
    }
    json_builder_set_member_name(b, "capabilities");
    json_builder_begin_array(b);
    json_builder_end_array(b);
    json_builder_end_object(b);
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    qmp_write_node(mon, root);
}

void qmp_broadcast_event(GVariant *msg)
{
    g_autoptr(JsonNode) node = json_gvariant_serialize(msg);

    for (GList *l = qmp_monitors; l; l = l->next) {
        Monitor *mon = l->data;

        /* As QEMU: no events until capabilities are negotiated. */
        if (mon->qmp->negotiated &&
            (mon->capture || (mon->has_chr && mon->fe.chr && mon->fe.chr->connected))) {
            qmp_write_node(mon, node);
        }
    }
}

/* ---- arguments ---- */

static const char *qmp_arg_type_name(MonArgType type)
{
    switch (type) {
    case MON_ARG_INT:
    case MON_ARG_SIZE:
        return "integer";
    case MON_ARG_BOOL:
    case MON_ARG_FLAG:
        return "boolean";
    case MON_ARG_STRING:
    case MON_ARG_REST:
    case MON_ARG_FORMAT:
        break;
    }
    return "string";
}

static bool qmp_take_arg(const MonArgSpec *spec, JsonNode *node, MonArgs *args, GError **errp)
{
    GType vt = JSON_NODE_HOLDS_VALUE(node) ? json_node_get_value_type(node) : G_TYPE_INVALID;

    switch (spec->type) {
    case MON_ARG_STRING:
    case MON_ARG_REST:
        if (vt == G_TYPE_STRING) {
            mon_args_set_str(args, spec->name, json_node_get_string(node));
            return true;
        }
        if (spec->qmp_any_scalar && vt == G_TYPE_INT64) {
            g_autofree char *s = g_strdup_printf("%" PRId64, json_node_get_int(node));

            mon_args_set_str(args, spec->name, s);
            return true;
        }
        if (spec->qmp_any_scalar && vt == G_TYPE_BOOLEAN) {
            mon_args_set_str(args, spec->name, json_node_get_boolean(node) ? "on" : "off");
            return true;
        }
        break;
    case MON_ARG_INT:
    case MON_ARG_SIZE:
        if (vt == G_TYPE_INT64) {
            int64_t v = json_node_get_int(node);

            if (spec->type == MON_ARG_SIZE && v < 0) {
                error_setg(errp, "Parameter '%s' expects a size: a non-negative integer",
                           spec->name);
                return false;
            }
            mon_args_set_int(args, spec->name, v);
            return true;
        }
        break;
    case MON_ARG_BOOL:
    case MON_ARG_FLAG:
        if (vt == G_TYPE_BOOLEAN) {
            mon_args_set_bool(args, spec->name, json_node_get_boolean(node));
            return true;
        }
        break;
    case MON_ARG_FORMAT:
        break;
    }
    error_setg(errp, "Invalid parameter type for '%s', expected: %s", spec->name,
               spec->qmp_any_scalar ? "a string, integer or boolean"
                                    : qmp_arg_type_name(spec->type));
    return false;
}

static const MonArgSpec *qmp_find_arg(const MonCommand *cmd, const char *name)
{
    for (const MonArgSpec *spec = cmd->args; spec && spec->name; spec++) {
        if (spec->type != MON_ARG_FORMAT && !strcmp(spec->name, name)) {
            return spec;
        }
    }
    return NULL;
}

/*
 * device_add: {"driver": "D", "id": "x", "iobase": 1280} -> "D,id=x,iobase=1280";
 * netdev_add leads with "type" instead (qmp_keyval_head).
 */
static bool qmp_fold_keyval(const MonCommand *cmd, JsonObject *obj, MonArgs *args, GError **errp)
{
    const char *head = cmd->qmp_keyval_head ? cmd->qmp_keyval_head : "driver";
    JsonNode *driver = obj ? json_object_get_member(obj, head) : NULL;
    g_autoptr(GString) s = g_string_new(NULL);
    JsonObjectIter iter;
    const char *key;
    JsonNode *node;

    if (!driver) {
        error_setg(errp, "Parameter '%s' is missing", head);
        return false;
    }
    if (!JSON_NODE_HOLDS_VALUE(driver) || json_node_get_value_type(driver) != G_TYPE_STRING) {
        error_setg(errp, "Invalid parameter type for '%s', expected: string", head);
        return false;
    }
    keyval_append_escaped(s, json_node_get_string(driver));
    json_object_iter_init(&iter, obj);
    while (json_object_iter_next(&iter, &key, &node)) {
        GType vt = JSON_NODE_HOLDS_VALUE(node) ? json_node_get_value_type(node) : G_TYPE_INVALID;

        if (!strcmp(key, head)) {
            continue;
        }
        if (!*key || strpbrk(key, ",=")) {
            error_setg(errp, "Parameter name '%s' is invalid", key);
            return false;
        }
        g_string_append_printf(s, ",%s=", key);
        if (vt == G_TYPE_STRING) {
            keyval_append_escaped(s, json_node_get_string(node));
        } else if (vt == G_TYPE_INT64) {
            g_string_append_printf(s, "%" PRId64, json_node_get_int(node));
        } else if (vt == G_TYPE_BOOLEAN) {
            g_string_append(s, json_node_get_boolean(node) ? "on" : "off");
        } else {
            error_setg(errp,
                       "Invalid parameter type for '%s', expected: a string, integer or "
                       "boolean",
                       key);
            return false;
        }
    }
    mon_args_set_str(args, cmd->qmp_keyval, s->str);
    return true;
}

static bool qmp_parse_args(const MonCommand *cmd, JsonObject *obj, MonArgs *args, GError **errp)
{
    JsonObjectIter iter;
    const char *key;
    JsonNode *node;

    if (cmd->qmp_keyval) {
        return qmp_fold_keyval(cmd, obj, args, errp);
    }
    if (obj) {
        json_object_iter_init(&iter, obj);
        while (json_object_iter_next(&iter, &key, &node)) {
            const MonArgSpec *spec = qmp_find_arg(cmd, key);

            if (!spec) {
                error_setg(errp, "Parameter '%s' is unexpected", key);
                return false;
            }
            if (!qmp_take_arg(spec, node, args, errp)) {
                return false;
            }
        }
    }
    for (const MonArgSpec *spec = cmd->args; spec && spec->name; spec++) {
        if (!spec->optional && spec->type != MON_ARG_FLAG && spec->type != MON_ARG_FORMAT &&
            !mon_args_has(args, spec->name)) {
            error_setg(errp, "Parameter '%s' is missing", spec->name);
            return false;
        }
    }
    return true;
}

/* ---- dispatch ---- */

bool qmp_negotiate(Monitor *mon, GError **errp)
{
    if (!mon->qmp) {
        error_setg(errp, "qmp_capabilities is for QMP monitors");
        return false;
    }
    mon->qmp->negotiated = true;
    return true;
}

static void qmp_dispatch(Monitor *mon, JsonNode *root)
{
    g_autoptr(MonArgs) args = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(GVariant) ret = NULL;
    const MonCommand *cmd;
    JsonObject *obj, *arguments = NULL;
    JsonNode *id, *execute, *argnode;
    JsonObjectIter iter;
    const char *key, *name;
    JsonNode *member;

    if (!JSON_NODE_HOLDS_OBJECT(root)) {
        qmp_send_error(mon, "GenericError", "QMP input must be a JSON object", NULL);
        return;
    }
    obj = json_node_get_object(root);
    id = json_object_get_member(obj, "id");
    json_object_iter_init(&iter, obj);
    while (json_object_iter_next(&iter, &key, &member)) {
        if (strcmp(key, "execute") && strcmp(key, "arguments") && strcmp(key, "id")) {
            g_autofree char *msg =
                g_strdup_printf("QMP input member '%s' is unexpected%s", key,
                                !strcmp(key, "exec-oob") ? " (out-of-band execution is not "
                                                           "supported)"
                                                         : "");

            qmp_send_error(mon, "GenericError", msg, id);
            return;
        }
    }
    execute = json_object_get_member(obj, "execute");
    if (!execute) {
        qmp_send_error(mon, "GenericError", "QMP input lacks member 'execute'", id);
        return;
    }
    if (!JSON_NODE_HOLDS_VALUE(execute) || json_node_get_value_type(execute) != G_TYPE_STRING) {
        qmp_send_error(mon, "GenericError", "QMP input member 'execute' must be a string", id);
        return;
    }
    name = json_node_get_string(execute);
    argnode = json_object_get_member(obj, "arguments");
    if (argnode) {
        if (!JSON_NODE_HOLDS_OBJECT(argnode)) {
            qmp_send_error(mon, "GenericError", "QMP input member 'arguments' must be an object",
                           id);
            return;
        }
        arguments = json_node_get_object(argnode);
    }
    if (!mon->qmp->negotiated && strcmp(name, "qmp_capabilities")) {
        qmp_send_error(mon, "CommandNotFound",
                       "Expecting capabilities negotiation with 'qmp_capabilities'", id);
        return;
    }
    if (mon->qmp->negotiated && !strcmp(name, "qmp_capabilities")) {
        qmp_send_error(mon, "CommandNotFound",
                       "Capabilities negotiation is already complete, command ignored", id);
        return;
    }
    cmd = qmp_find_command(name);
    if (!cmd || (dispatch_filter && !dispatch_filter(name))) {
        g_autofree char *valid = g_utf8_make_valid(name, -1);
        g_autofree char *msg = g_strdup_printf("The command %s has not been found", valid);

        qmp_send_error(mon, "CommandNotFound", msg, id);
        return;
    }
    args = mon_args_new();
    if (!qmp_parse_args(cmd, arguments, args, &err) || !cmd->func(mon, args, &ret, &err)) {
        qmp_send_error(mon, qmp_error_class(err), err ? err->message : "the command failed", id);
        return;
    }
    if (ret) {
        g_variant_ref_sink(ret);
    }
    qmp_send_return(mon, ret, id);
}

static void qmp_handle_message(Monitor *mon, const char *text, size_t len)
{
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    g_autoptr(GError) err = NULL;

    if (!g_utf8_validate(text, len, NULL)) {
        qmp_send_parse_error(mon, "JSON parse error: the message is not valid UTF-8 (or holds "
                                  "a NUL byte)");
        return;
    }
    if (!json_parser_load_from_data(parser, text, len, &err)) {
        qmp_send_parse_error(mon, "JSON parse error: %s", err->message);
        return;
    }
    qmp_dispatch(mon, json_parser_get_root(parser));
}

/* ---- the scanner ---- */

static void qmp_scanner_reset(QmpState *q)
{
    /* Give back the memory a large message took; keep a small buffer. */
    if (q->msg->allocated_len > 64 * 1024) {
        g_string_free(q->msg, TRUE);
        q->msg = g_string_new(NULL);
    } else {
        g_string_truncate(q->msg, 0);
    }
    q->depth = 0;
    q->in_string = q->escaped = q->discarding = false;
    g_string_truncate(q->junk, 0);
    q->junk_len = 0;
}

static void qmp_flush_junk(Monitor *mon)
{
    QmpState *q = mon->qmp;
    g_autofree char *shown = NULL;

    if (!q->junk_len) {
        return;
    }
    shown = g_strescape(q->junk->str, NULL);
    qmp_send_parse_error(mon, "JSON parse error: expected a JSON object, got '%s%s'", shown,
                         q->junk_len > q->junk->len ? "..." : "");
    g_string_truncate(q->junk, 0);
    q->junk_len = 0;
}

static void G_GNUC_PRINTF(2, 3) qmp_start_discard(Monitor *mon, const char *fmt, ...)
{
    QmpState *q = mon->qmp;
    g_autofree char *desc = NULL;
    va_list ap;

    va_start(ap, fmt);
    desc = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qmp_send_error(mon, "GenericError", desc, NULL);
    q->discarding = true;
    g_string_truncate(q->msg, 0);
}

void qmp_feed(Monitor *mon, const uint8_t *buf, size_t len)
{
    QmpState *q = mon->qmp;

    for (size_t i = 0; i < len; i++) {
        uint8_t c = buf[i];

        if (q->depth == 0) {
            if (c == '{' || c == '[') {
                qmp_flush_junk(mon);
                q->depth = 1;
                g_string_truncate(q->msg, 0);
                g_string_append_c(q->msg, (char)c);
            } else if (c == '\n') {
                qmp_flush_junk(mon);
            } else if ((c == ' ' || c == '\t' || c == '\r') && !q->junk_len) {
                continue;
            } else {
                /* A NUL shows as "\000" in the error; the text stops at it otherwise. */
                if (q->junk->len < QMP_JUNK_SHOWN && c) {
                    g_string_append_c(q->junk, (char)c);
                }
                q->junk_len++;
            }
            continue;
        }
        if (!q->discarding) {
            g_string_append_c(q->msg, (char)c);
        }
        if (q->in_string) {
            if (q->escaped) {
                q->escaped = false;
            } else if (c == '\\') {
                q->escaped = true;
            } else if (c == '"') {
                q->in_string = false;
            }
        } else if (c == '"') {
            q->in_string = true;
        } else if (c == '{' || c == '[') {
            if (++q->depth > QMP_MAX_DEPTH && !q->discarding) {
                qmp_start_discard(mon,
                                  "JSON nesting is too deep: at most %d levels of objects "
                                  "and arrays",
                                  QMP_MAX_DEPTH);
            }
        } else if (c == '}' || c == ']') {
            if (--q->depth == 0) {
                if (!q->discarding) {
                    qmp_handle_message(mon, q->msg->str, q->msg->len);
                }
                qmp_scanner_reset(q);
            }
        }
        if (!q->discarding && q->msg->len > QMP_MAX_MESSAGE) {
            qmp_start_discard(mon, "JSON message is too large: at most %u bytes", QMP_MAX_MESSAGE);
        }
    }
}

/* ---- life cycle ---- */

static void qmp_session_reset(Monitor *mon)
{
    mon->qmp->negotiated = false;
    qmp_scanner_reset(mon->qmp);
    /* A new client does not inherit the last one's descriptors. */
    monitor_fds_close_all(mon);
    g_string_truncate(mon->outbuf, 0);
}

static int qmp_can_read(void *opaque)
{
    return QMP_READ_CHUNK;
}

static void qmp_read(void *opaque, const uint8_t *buf, int size)
{
    monitor_feed_input(opaque, buf, size > 0 ? (size_t)size : 0);
}

static void qmp_chr_event(void *opaque, ChrEvent event)
{
    Monitor *mon = opaque;

    switch (event) {
    case CHR_EVENT_OPENED:
        qmp_session_reset(mon);
        qmp_send_greeting(mon);
        break;
    case CHR_EVENT_CLOSED:
        qmp_session_reset(mon);
        break;
    case CHR_EVENT_BREAK:
    case CHR_EVENT_MUX_IN:
    case CHR_EVENT_MUX_OUT:
        break;
    }
    monitor_flush(mon);
}

static Monitor *qmp_monitor_alloc(bool pretty)
{
    Monitor *mon = g_new0(Monitor, 1);

    monitor_init_common(mon, false);
    mon->qmp = g_new0(QmpState, 1);
    mon->qmp->pretty = pretty;
    mon->qmp->msg = g_string_new(NULL);
    mon->qmp->junk = g_string_new(NULL);
    qmp_monitors = g_list_append(qmp_monitors, mon);
    monitor_events_init();
    return mon;
}

Monitor *monitor_new_qmp(Chardev *chr, bool pretty, GError **errp)
{
    Monitor *mon;

    if (!chr) {
        error_setg(errp, "a QMP monitor needs a character device; e.g. -qmp "
                         "unix:/tmp/qmp.sock,server=on,wait=off");
        return NULL;
    }
    mon = qmp_monitor_alloc(pretty);
    if (!chr_fe_init(&mon->fe, chr, errp)) {
        monitor_free(mon);
        return NULL;
    }
    mon->has_chr = true;
    /* Greets at once when a client is already there (wait=on). */
    chr_fe_set_handlers(&mon->fe, qmp_can_read, qmp_read, qmp_chr_event, mon);
    monitor_flush(mon);
    return mon;
}

Monitor *monitor_new_qmp_buffer(void)
{
    Monitor *mon = qmp_monitor_alloc(false);

    mon->capture = g_string_new(NULL);
    qmp_send_greeting(mon);
    return mon;
}

void qmp_state_free(Monitor *mon)
{
    QmpState *q = mon->qmp;

    if (!q) {
        return;
    }
    qmp_monitors = g_list_remove(qmp_monitors, mon);
    g_string_free(q->msg, TRUE);
    g_string_free(q->junk, TRUE);
    g_free(q);
    mon->qmp = NULL;
}

void monitor_cleanup(void)
{
    monitor_events_mute();
    for (GList *l = qmp_monitors; l; l = l->next) {
        monitor_flush(l->data);
    }
}
