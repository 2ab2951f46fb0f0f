/*
 * The chardev core: the backend registry, the list of chardevs, -chardev and
 * legacy (-serial/-monitor) spec parsing, logfile= copies, and the frontend API.
 *
 * Follows QEMU's chardev/char.c and char-fe.c in spelling and behaviour
 * (option names, "label: filename=..." info lines, OPENED on attach to an open
 * backend). Left out: ringbuf/memory, pipe, serial tty and parallel backends,
 * udp/telnet/websocket, chardev hot-plug and replay.
 */
#include "chardev/char-internal.h"
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <unistd.h>

/* The core gives a stalled peer this long per chr_fe_write_all() before dropping. */
#define CHR_WRITE_STALL_US (1000 * 1000)
#define CHR_WRITE_RETRY_US 1000

static GPtrArray *chardev_classes; /* of const ChardevClass * */
static GList *chardevs;            /* of Chardev *, in creation order */

void chardev_class_register(const ChardevClass *cls)
{
    g_assert(cls->instance_size >= sizeof(Chardev));
    if (!chardev_classes) {
        chardev_classes = g_ptr_array_new();
    }
    g_ptr_array_add(chardev_classes, (gpointer)cls);
}

static void chardev_register_builtins(void)
{
    static bool done;

    if (done) {
        return;
    }
    done = true;
    chardev_class_register(&char_stdio_class);
    chardev_class_register(&char_file_class);
    chardev_class_register(&char_pty_class);
    chardev_class_register(&char_socket_class);
    chardev_class_register(&char_null_class);
}

static const ChardevClass *chardev_class_find(const char *name)
{
    chardev_register_builtins();
    for (guint i = 0; i < chardev_classes->len; i++) {
        const ChardevClass *cls = g_ptr_array_index(chardev_classes, i);
        if (strcmp(cls->name, name) == 0) {
            return cls;
        }
    }
    return NULL;
}

static char *chardev_class_names(void)
{
    GString *s = g_string_new(NULL);

    chardev_register_builtins();
    for (guint i = 0; i < chardev_classes->len; i++) {
        const ChardevClass *cls = g_ptr_array_index(chardev_classes, i);
        g_string_append_printf(s, "%s%s", i ? ", " : "", cls->name);
    }
    return g_string_free(s, FALSE);
}

/* ---- the list of chardevs ---- */

Chardev *chardev_find(const char *id)
{
    for (GList *l = chardevs; l; l = l->next) {
        Chardev *chr = l->data;
        if (strcmp(chr->label, id) == 0) {
            return chr;
        }
    }
    return NULL;
}

/* QEMU's id_wellformed(): a letter, then letters, digits, '-', '.', '_'. */
static bool chardev_label_wellformed(const char *label)
{
    if (!g_ascii_isalpha(label[0])) {
        return false;
    }
    for (const char *p = label; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

bool chardev_check_new_label(const char *label, GError **errp)
{
    if (!chardev_label_wellformed(label)) {
        error_setg(errp,
                   "chardev id '%s' is not valid; an id starts with a letter and "
                   "contains only letters, digits, '-', '.' and '_'",
                   label);
        return false;
    }
    if (chardev_find(label)) {
        error_setg(errp, "chardev id '%s' is already in use; pick another id", label);
        return false;
    }
    return true;
}

Chardev *chardev_alloc(const ChardevClass *cls, const char *label)
{
    Chardev *chr = g_malloc0(cls->instance_size);

    chr->cls = cls;
    chr->label = g_strdup(label);
    chr->log_fd = -1;
    return chr;
}

void chardev_add(Chardev *chr)
{
    chardevs = g_list_append(chardevs, chr);
}

static void chardev_free(Chardev *chr)
{
    if (chr->log_fd >= 0) {
        close(chr->log_fd);
    }
    g_free(chr->logfile);
    g_free(chr->label);
    g_free(chr);
}

void chardev_destroy(Chardev *chr)
{
    chardevs = g_list_remove(chardevs, chr);
    if (chr->fe) {
        chr->fe->chr = NULL;
        chr->fe = NULL;
    }
    if (chr->cls->close) {
        chr->cls->close(chr);
    }
    chardev_free(chr);
}

void chardev_close_all(void)
{
    /* Newest first: a mux goes before the backend it sits on. */
    while (chardevs) {
        chardev_destroy(g_list_last(chardevs)->data);
    }
}

char *chardev_info_string(void)
{
    GString *s = g_string_new(NULL);

    for (GList *l = chardevs; l; l = l->next) {
        Chardev *chr = l->data;
        g_autofree char *desc =
            chr->cls->describe ? chr->cls->describe(chr) : g_strdup(chr->cls->name);
        g_string_append_printf(s, "%s: filename=%s\n", chr->label, desc);
    }
    return g_string_free(s, FALSE);
}

/* ---- backend -> frontend ---- */

int chr_be_can_read(Chardev *chr)
{
    CharFrontend *fe = chr->fe;

    if (!fe || !fe->can_read || !fe->read) {
        return 0;
    }
    return fe->can_read(fe->opaque);
}

void chr_be_write(Chardev *chr, const uint8_t *buf, int len)
{
    CharFrontend *fe = chr->fe;

    if (fe && fe->read) {
        fe->read(fe->opaque, buf, len);
    }
}

void chr_be_event(Chardev *chr, ChrEvent event)
{
    CharFrontend *fe = chr->fe;

    if (event == CHR_EVENT_OPENED) {
        if (chr->connected) {
            return;
        }
        chr->connected = true;
    } else if (event == CHR_EVENT_CLOSED) {
        if (!chr->connected) {
            return;
        }
        chr->connected = false;
    }
    if (fe && fe->event) {
        fe->event(fe->opaque, event);
    }
}

/* ---- creation ---- */

static void kv_add(KeyValList *kv, const char *key, const char *value)
{
    KeyVal *item = g_new0(KeyVal, 1);

    item->key = g_strdup(key);
    item->value = g_strdup(value);
    g_ptr_array_add(kv->items, item);
}

static bool chardev_open_logfile(Chardev *chr, const char *path, bool append, GError **errp)
{
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);

    chr->log_fd = open(path, flags, 0666);
    if (chr->log_fd < 0) {
        error_setg_errno(errp, errno, "chardev '%s': cannot open logfile '%s'", chr->label, path);
        return false;
    }
    chr->logfile = g_strdup(path);
    return true;
}

/* Create backend `backend` named id from kv (whose optname prefixes messages). */
static Chardev *chardev_create(const char *backend, const char *id, KeyValList *kv, GError **errp)
{
    const ChardevClass *cls = chardev_class_find(backend);
    g_autofree char *base_label = NULL;
    const char *logfile;
    bool mux, logappend;
    Chardev *chr;

    if (!cls) {
        g_autofree char *names = chardev_class_names();
        error_setg(errp, "%s: unknown chardev backend '%s'; accepted: %s", kv->optname, backend,
                   names);
        return NULL;
    }
    if (!chardev_check_new_label(id, errp)) {
        return NULL;
    }
    if (!keyval_take_bool(kv, "mux", false, &mux, errp) ||
        !keyval_take_bool(kv, "logappend", false, &logappend, errp)) {
        return NULL;
    }
    if (mux) {
        /* As QEMU: the backend becomes ID-base and the mux takes the id. */
        base_label = g_strdup_printf("%s-base", id);
        if (!chardev_check_new_label(base_label, errp)) {
            return NULL;
        }
    }
    logfile = keyval_take(kv, "logfile");

    /*
     * Like QEMU, ignore SIGPIPE process-wide: a reader going away (stdout piped
     * into head, a FIFO logfile) must be an EPIPE we handle, not our death.
     */
    signal(SIGPIPE, SIG_IGN);

    chr = chardev_alloc(cls, mux ? base_label : id);
    if (!cls->open(chr, kv, errp)) {
        chardev_free(chr);
        return NULL;
    }
    chardev_add(chr);
    if (logfile && !chardev_open_logfile(chr, logfile, logappend, errp)) {
        chardev_destroy(chr);
        return NULL;
    }
    if (mux) {
        Chardev *m = chardev_mux_new(id, chr, errp);
        if (!m) {
            chardev_destroy(chr);
        }
        return m;
    }
    return chr;
}

Chardev *chardev_new_from_spec(const char *spec, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse("-chardev", spec, "backend", errp);
    g_autofree char *names = NULL;
    const char *backend, *id;

    if (!kv) {
        return NULL;
    }
    backend = keyval_take(kv, "backend");
    id = keyval_take(kv, "id");
    if (!backend || !*backend) {
        names = chardev_class_names();
        error_setg(errp,
                   "-chardev '%s': the backend type comes first; use one of: %s "
                   "(e.g. -chardev socket,id=c0,path=/tmp/c0.sock,server=on,wait=off)",
                   spec, names);
        return NULL;
    }
    if (!id || !*id) {
        error_setg(errp,
                   "-chardev %s: missing id=; every chardev needs one, "
                   "e.g. -chardev %s,id=char0,...",
                   backend, backend);
        return NULL;
    }
    g_free(kv->optname);
    kv->optname = g_strdup_printf("-chardev %s,id=%s", backend, id);
    return chardev_create(backend, id, kv, errp);
}

#define LEGACY_FORMS                                                                               \
    "stdio, mon:stdio, null, none, pty, file:PATH, unix:PATH[,server=on,wait=off], "               \
    "tcp:[HOST]:PORT[,server=on,wait=off] or chardev:ID"

/* "tcp:[HOST]:PORT[,opts]": HOST may be empty or a bracketed IPv6 address. */
static KeyValList *legacy_parse_tcp(const char *spec, const char *rest, GError **errp)
{
    const char *comma = strchr(rest, ',');
    g_autofree char *hostport = g_strndup(rest, comma ? (size_t)(comma - rest) : strlen(rest));
    char *colon = strrchr(hostport, ':');
    char *host = hostport;
    KeyValList *kv;

    if (!colon || !colon[1]) {
        error_setg(errp, "'%s': expected tcp:[HOST]:PORT, e.g. tcp::4444,server=on,wait=off", spec);
        return NULL;
    }
    *colon = '\0';
    if (host[0] == '[' && colon > host && colon[-1] == ']') {
        colon[-1] = '\0';
        host++;
    }
    kv = keyval_parse(spec, comma ? comma + 1 : "", NULL, errp);
    if (!kv) {
        return NULL;
    }
    if (*host) {
        kv_add(kv, "host", host);
    }
    kv_add(kv, "port", colon + 1);
    return kv;
}

/* Turn one legacy form (without "mon:") into a backend name and its options. */
static KeyValList *legacy_parse(const char *spec, const char **backend, GError **errp)
{
    const char *rest;
    KeyValList *kv;

    if (!strcmp(spec, "stdio") || !strcmp(spec, "null") || !strcmp(spec, "pty")) {
        *backend = spec;
        return keyval_parse(spec, "", NULL, errp);
    }
    if (!strcmp(spec, "vc") || g_str_has_prefix(spec, "vc:")) {
        warn_report("'%s': there is no graphical console here; using null instead", spec);
        *backend = "null";
        return keyval_parse(spec, "", NULL, errp);
    }
    if (g_str_has_prefix(spec, "file:")) {
        /* As QEMU: everything after "file:" is the path, commas included. */
        *backend = "file";
        kv = keyval_parse(spec, "", NULL, errp);
        kv_add(kv, "path", spec + 5);
        return kv;
    }
    if ((rest = g_str_has_prefix(spec, "unix:") ? spec + 5 : NULL)) {
        *backend = "socket";
        if (!*rest) {
            error_setg(errp, "'%s': expected unix:PATH, e.g. unix:/tmp/mon.sock,server=on,wait=off",
                       spec);
            return NULL;
        }
        return keyval_parse(spec, rest, "path", errp);
    }
    if (g_str_has_prefix(spec, "tcp:")) {
        *backend = "socket";
        return legacy_parse_tcp(spec, spec + 4, errp);
    }
    error_setg(errp, "'%s': unknown character device; use " LEGACY_FORMS, spec);
    return NULL;
}

Chardev *chardev_new_legacy(const char *label, const char *spec, GError **errp)
{
    g_autoptr(KeyValList) kv = NULL;
    const char *backend = NULL;
    bool mon = false;

    if (!strcmp(spec, "none")) {
        return NULL;
    }
    if (g_str_has_prefix(spec, "chardev:")) {
        Chardev *chr = chardev_find(spec + 8);
        if (!chr) {
            error_setg(errp, "'%s': no chardev with id '%s'; define it first with -chardev", spec,
                       spec + 8);
        }
        return chr;
    }
    if (g_str_has_prefix(spec, "mon:")) {
        mon = true;
        spec += 4;
    }
    kv = legacy_parse(spec, &backend, errp);
    if (!kv) {
        return NULL;
    }
    if (mon) {
        kv_add(kv, "mux", "on");
        /* The mux's Ctrl-A x quits; Ctrl-C belongs to the guest (mimic's choice). */
        if (!strcmp(backend, "stdio")) {
            kv_add(kv, "signal", "off");
        }
    }
    return chardev_create(backend, label, kv, errp);
}

/* ---- frontend API ---- */

bool chr_fe_init(CharFrontend *fe, Chardev *chr, GError **errp)
{
    fe->chr = NULL;
    fe->mux_index = -1;
    if (!chr) {
        return true;
    }
    if (chr->cls->attach) {
        if (!chr->cls->attach(chr, fe, errp)) {
            return false;
        }
    } else if (chr->fe) {
        error_setg(errp,
                   "chardev '%s' is already in use by another device; give each device "
                   "its own chardev, or add mux=on to share one",
                   chr->label);
        return false;
    } else {
        chr->fe = fe;
    }
    fe->chr = chr;
    return true;
}

void chr_fe_set_handlers(CharFrontend *fe, ChrCanReadHandler can_read, ChrReadHandler read,
                         ChrEventHandler event, void *opaque)
{
    Chardev *chr = fe->chr;

    fe->can_read = can_read;
    fe->read = read;
    fe->event = event;
    fe->opaque = opaque;
    if (!chr) {
        return;
    }
    if (fe->mux_index >= 0) {
        chardev_mux_frontend_ready(chr, fe);
    } else if (chr->connected && event) {
        /* As QEMU: attaching to an already open backend reports it open. */
        event(opaque, CHR_EVENT_OPENED);
    }
    /* Input may have been held back while nobody was there to take it. */
    chr_fe_accept_input(fe);
}

void chr_fe_deinit(CharFrontend *fe)
{
    Chardev *chr = fe->chr;

    if (chr) {
        if (chr->cls->detach) {
            chr->cls->detach(chr, fe);
        } else if (chr->fe == fe) {
            chr->fe = NULL;
        }
    }
    fe->chr = NULL;
    fe->can_read = NULL;
    fe->read = NULL;
    fe->event = NULL;
    fe->opaque = NULL;
    fe->mux_index = -1;
}

static int chr_write_once(Chardev *chr, const uint8_t *buf, int len)
{
    int ret = chr->cls->write ? chr->cls->write(chr, buf, len) : len;

    if (ret > 0 && chr->log_fd >= 0 && chr_fd_write_full(chr->log_fd, buf, ret) < 0) {
        warn_report("chardev '%s': cannot write logfile '%s': %s; logging stops", chr->label,
                    chr->logfile, g_strerror(errno));
        close(chr->log_fd);
        chr->log_fd = -1;
    }
    return ret;
}

int chr_fe_write_all(CharFrontend *fe, const uint8_t *buf, int len)
{
    Chardev *chr = fe->chr;
    int done = 0, stalled_us = 0;

    if (!chr) {
        return len;
    }
    while (done < len) {
        int ret = chr_write_once(chr, buf + done, len - done);

        if (ret < 0) {
            return done ? done : -1;
        }
        if (ret == 0) {
            /* A slow peer: wait a little, but never hang the main loop on it. */
            if (stalled_us >= CHR_WRITE_STALL_US) {
                break;
            }
            g_usleep(CHR_WRITE_RETRY_US);
            stalled_us += CHR_WRITE_RETRY_US;
            continue;
        }
        stalled_us = 0;
        done += ret;
    }
    return done;
}

int chr_fe_printf(CharFrontend *fe, const char *fmt, ...)
{
    g_autofree char *s = NULL;
    va_list ap;

    va_start(ap, fmt);
    s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return chr_fe_write_all(fe, (const uint8_t *)s, strlen(s));
}

int chr_fe_get_msgfd(CharFrontend *fe)
{
    Chardev *chr = fe->chr;

    return chr && chr->cls->get_msgfd ? chr->cls->get_msgfd(chr) : -1;
}

void chr_fe_accept_input(CharFrontend *fe)
{
    Chardev *chr = fe->chr;

    if (chr && chr->cls->accept_input) {
        chr->cls->accept_input(chr);
    }
}
