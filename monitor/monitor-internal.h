/*
 * What the monitor's files share: the Monitor object, typed command arguments
 * (MonArgs), the command table's row type, and the expression evaluator.
 *
 * A command is written once: its arguments are described by a MonArgSpec
 * list, parsed into a MonArgs (name -> GVariant of type int64 "x", string "s"
 * or boolean "b"), and its handler may hand back a typed result as a GVariant
 * (a{sv}, aa{sv}, ...). HMP parses the argument string by the specs and prints
 * the result with the row's print function; QMP will fill the same MonArgs from
 * the JSON "arguments" object (json_gvariant_deserialize) and send the result
 * as JSON (json_gvariant_serialize) under the row's qmp_name.
 */
#ifndef MONITOR_INTERNAL_H
#define MONITOR_INTERNAL_H

#include "monitor/monitor.h"
#include "monitor/readline.h"
#include "util/error.h"

#define MONITOR_PROMPT "(mimic) "

typedef struct QmpState QmpState;

struct Monitor {
    CharFrontend fe;
    bool has_chr;
    GString *outbuf;   /* chardev: output not yet written */
    GString *capture;  /* buffer monitor: everything printed */
    ReadLineState *rs; /* NULL: line mode, no echo */
    GString *line;     /* line mode: the line being received */
    bool line_overflow;
    bool greeted;        /* banner printed since the peer opened */
    bool mux_out;        /* another frontend has the mux's focus */
    bool banner_pending; /* opened while in the background: greet on MUX_IN */
    /* x/xp remember the last format and unit size, as QEMU and gdb do. */
    char fmt_format;
    int fmt_size;
    QmpState *qmp;   /* a QMP monitor: protocol state (qmp.c); NULL for HMP */
    GHashTable *fds; /* getfd: name -> file descriptor, closed with the monitor */
};

/* ---- typed arguments ---- */

typedef enum MonArgType {
    MON_ARG_STRING, /* one word, or a "quoted string" with \" \\ \n \t escapes */
    MON_ARG_REST,   /* the rest of the line as one string */
    MON_ARG_INT,    /* an integer expression: 0x1000, 4096, $rsp + 8 */
    MON_ARG_SIZE,   /* a byte count with an optional k/M/G/T suffix */
    MON_ARG_BOOL,   /* on/off, yes/no, true/false */
    MON_ARG_FLAG,   /* -X: the boolean is true when present */
    /*
     * /[count][format][size] as gdb and QEMU's x: sets "count" (int), "format"
     * (one-letter string) and "size" (int, bytes) for what was given.
     */
    MON_ARG_FORMAT,
} MonArgType;

/* HMP Tab completion of an argument: add the words that can stand where word is. */
typedef void MonCompleteFunc(const char *word, GPtrArray *out);

typedef struct MonArgSpec {
    const char *name; /* key in MonArgs, and in QMP's "arguments" */
    MonArgType type;
    bool optional;
    char flag; /* MON_ARG_FLAG: the letter after '-' */
    /* QMP: a MON_ARG_STRING that also takes a JSON number or boolean, as text (qom-set). */
    bool qmp_any_scalar;
    MonCompleteFunc *complete; /* NULL: no completion */
} MonArgSpec;

typedef struct MonArgs MonArgs;

MonArgs *mon_args_new(void);
void mon_args_free(MonArgs *args);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MonArgs, mon_args_free)
void mon_args_set_int(MonArgs *args, const char *name, int64_t value);
void mon_args_set_str(MonArgs *args, const char *name, const char *value);
void mon_args_set_bool(MonArgs *args, const char *name, bool value);
bool mon_args_has(const MonArgs *args, const char *name);
int64_t mon_args_get_int(const MonArgs *args, const char *name, int64_t def);
/* NULL when absent. */
const char *mon_args_get_str(const MonArgs *args, const char *name);
bool mon_args_get_bool(const MonArgs *args, const char *name, bool def);

/* ---- the command table ---- */

/*
 * Do the work; on success optionally hand back a result (floating or owned; the
 * caller sinks and unrefs it). Human-only commands print through mon instead.
 */
typedef bool MonCmdFunc(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp);
/* Print a MonCmdFunc's result for people. */
typedef void MonPrintFunc(Monitor *mon, GVariant *ret);

typedef struct MonCommand {
    const char *name;       /* "c|cont": aliases separated by '|' */
    const MonArgSpec *args; /* ends with {NULL}; NULL for none */
    const char *params;     /* for help: "/fmt addr" */
    const char *help;       /* one line */
    MonCmdFunc *func;
    MonPrintFunc *print;          /* NULL: the result (if any) is not shown by HMP */
    const char *qmp_name;         /* "query-status"; NULL: human monitor only */
    const struct MonCommand *sub; /* info: its subcommands, ending with {NULL} */
    /*
     * QMP: the "arguments" object {"driver": D, "k": v, ...} is folded into
     * this one string argument as "D,k=v,..." (device_add, like QEMU's).
     */
    const char *qmp_keyval;
    const char *qmp_keyval_head; /* the key that leads the folded string; NULL: "driver" */
} MonCommand;

extern const MonCommand hmp_commands[];
extern const MonCommand hmp_info_commands[];
/* Rows only QMP serves: the protocol's own commands and introspection (qmp-commands.c). */
extern const MonCommand qmp_commands[];

/*
 * Errors a handler reports with a QMP class other than GenericError use the
 * MIMIC_ERROR codes (util/error.h): MIMIC_ERROR_NOT_FOUND -> DeviceNotFound,
 * MIMIC_ERROR_DEVICE_NOT_ACTIVE -> DeviceNotActive.
 */

/* ---- QMP (qmp.c) ---- */

/* The row QMP serves under name, or NULL. */
const MonCommand *qmp_find_command(const char *name);
/* Call fn for every row with a qmp_name, in the order query-commands lists them. */
void qmp_foreach_command(void (*fn)(const MonCommand *cmd, void *opaque), void *opaque);
/* qmp_capabilities: leave negotiation mode (false with errp set when already done). */
bool qmp_negotiate(Monitor *mon, GError **errp);
/* Send msg (an a{sv}, events.c built it) to every QMP monitor in command mode. */
void qmp_broadcast_event(GVariant *msg);
/* Parse QMP bytes fed to a QMP monitor (monitor_feed_input). */
void qmp_feed(Monitor *mon, const uint8_t *buf, size_t len);
void qmp_state_free(Monitor *mon);
/*
 * Fuzzing: only commands for which allow() is true run; the others answer
 * CommandNotFound. NULL: all run.
 */
void qmp_set_dispatch_filter(bool (*allow)(const char *name));

/* monitor.c: set up a Monitor's buffers (and line editor) before it attaches. */
void monitor_init_common(Monitor *mon, bool use_readline);

/* getfd/closefd: the monitor's named descriptors. */
void monitor_fds_close_all(Monitor *mon);

/* Add key: value to an a{sv} dictionary being built (QMP replies and events). */
static inline void mon_dict_add(GVariantBuilder *b, const char *key, GVariant *value)
{
    g_variant_builder_add(b, "{sv}", key, value);
}

/* qmp-qom.c: qom-list, qom-get, qom-set on /machine/peripheral/ID paths. */
MonCmdFunc qmp_qom_list, qmp_qom_get, qmp_qom_set;
MonPrintFunc hmp_print_qom_list, hmp_print_qom_get;

/* qmp-block.c: query-block, query-blockstats over the drives. */
MonCmdFunc qmp_query_block, qmp_query_blockstats;
MonPrintFunc hmp_print_block, hmp_print_blockstats;
/* commit DEVICE|all: a drive's top image into its backing file. */
MonCmdFunc hmp_commit;

/* hmp-sendkey.c */
MonCmdFunc hmp_sendkey;
MonCompleteFunc hmp_complete_key_names;

/* hmp-irq.c */
MonCmdFunc hmp_info_irq, hmp_info_pic;

/* hmp-net.c: info network, netdev_add/del, set_link, hostfwd_add/remove. */
MonCmdFunc hmp_info_network, qmp_netdev_add, qmp_netdev_del, qmp_set_link, hmp_hostfwd_add,
    hmp_hostfwd_remove;

/* hmp.c */
const MonCommand *hmp_find_command(const MonCommand *table, const char *name, size_t len);
void hmp_print_help_line(Monitor *mon, const char *prefix, const MonCommand *cmd);
/* help [CMD [SUBCMD]] */
bool hmp_help(Monitor *mon, const char *topic, GError **errp);
/* Words that can stand where line (up to the cursor) ends. */
void hmp_complete(Monitor *mon, const char *line, GPtrArray *out);

/* expr.c: parse an integer expression at *pp, advancing *pp past it. */
bool mon_expr_parse(const char **pp, int64_t *value, GError **errp);

/*
 * hmp-commands.c: vCPU registers must be read with the vCPUs stopped, so while
 * the VM runs these pause them around the read (true: they were paused).
 */
bool mon_vcpus_pause(void);
void mon_vcpus_resume(bool paused);
/* A register of the monitor's current CPU ($rip in expressions). */
bool mon_get_register(const char *name, uint64_t *value, GError **errp);

/* hmp-dump.c */
MonCmdFunc hmp_x, hmp_xp, hmp_print;
MonCmdFunc hmp_dirty_log, hmp_info_dirty; /* hmp-dirty.c */

#endif
