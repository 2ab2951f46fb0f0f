/*
 * The secret store behind --object secret (see include/block/secret.h). A
 * file= secret is read once, whole, as QEMU does (a trailing newline is part
 * of it); base64 data is decoded and must not contain a NUL byte, since keys
 * are passwords.
 */
#include "block/secret.h"
#include "util/error.h"
#include "util/option.h"

static GHashTable *secrets; /* id -> text */
static GMutex secrets_lock;

static char *secret_decode(const char *id, const char *raw, gsize raw_len, const char *format,
                           GError **errp)
{
    if (!format || !strcmp(format, "raw")) {
        return g_strndup(raw, raw_len);
    }
    if (strcmp(format, "base64") != 0) {
        error_setg(errp, "secret '%s': format=%s: expected raw or base64", id, format);
        return NULL;
    }
    g_autofree char *text = g_strndup(raw, raw_len);
    gsize len;
    g_autofree guchar *bytes = g_base64_decode(text, &len);
    if (memchr(bytes, 0, len)) {
        error_setg(errp, "secret '%s': the decoded base64 data contains a NUL byte", id);
        return NULL;
    }
    return g_strndup((const char *)bytes, len);
}

bool secret_object_add(const char *spec, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse("--object", spec, "qom-type", errp);
    if (!kv) {
        return false;
    }
    const char *type = keyval_take(kv, "qom-type");
    const char *id = keyval_take(kv, "id");
    const char *data = keyval_take(kv, "data");
    const char *file = keyval_take(kv, "file");
    const char *format = keyval_take(kv, "format");
    if (!type || strcmp(type, "secret") != 0) {
        error_setg(errp, "--object %s: object type '%s' is not supported (only secret)", spec,
                   type ? type : "");
        return false;
    }
    if (!keyval_check_all_used(kv, "id, data, file, format", errp)) {
        return false;
    }
    if (!id || !*id || !data == !file) {
        error_setg(errp, "--object %s: a secret needs id= and exactly one of data= or file=",
                   spec);
        return false;
    }
    g_autofree char *contents = NULL;
    gsize len = data ? strlen(data) : 0;
    GError *local = NULL;
    if (file && !g_file_get_contents(file, &contents, &len, &local)) {
        error_setg(errp, "secret '%s': %s", id, local->message);
        g_error_free(local);
        return false;
    }
    char *text = secret_decode(id, data ? data : contents, len, format, errp);
    if (!text) {
        return false;
    }
    g_mutex_lock(&secrets_lock);
    if (!secrets) {
        secrets = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    }
    bool dup = g_hash_table_contains(secrets, id);
    if (!dup) {
        g_hash_table_insert(secrets, g_strdup(id), text);
    }
    g_mutex_unlock(&secrets_lock);
    if (dup) {
        error_setg(errp, "--object %s: an object with id '%s' already exists", spec, id);
        g_free(text);
        return false;
    }
    return true;
}

const char *secret_lookup(const char *id, GError **errp)
{
    g_mutex_lock(&secrets_lock);
    const char *text = secrets ? g_hash_table_lookup(secrets, id) : NULL;
    g_mutex_unlock(&secrets_lock);
    if (!text) {
        error_setg(errp, "No secret with id '%s'; define it with --object secret,id=%s,data=...",
                   id, id);
    }
    return text;
}
