/*
 * QEMU-style option values: "key=val,key2=val2" lists with an implied first key,
 * ",," as an escaped comma, sizes with K/M/G/T suffixes, and on/off booleans.
 */
#ifndef UTIL_OPTION_H
#define UTIL_OPTION_H

#include "util/osdep.h"

typedef struct KeyVal {
    char *key;
    char *value;
    bool used;
} KeyVal;

typedef struct KeyValList {
    char *optname; /* "-device", for messages */
    GPtrArray *items; /* of KeyVal*, in command-line order */
} KeyValList;

/*
 * Parse "a=1,b=2". A leading item without '=' is given implied_key (if not NULL);
 * anywhere else a bare "flag" means "flag=on".
 */
KeyValList *keyval_parse(const char *optname, const char *str, const char *implied_key,
                         GError **errp);
void keyval_free(KeyValList *kv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KeyValList, keyval_free)

/* Look up a key (last one wins) and mark it used; NULL if absent. */
const char *keyval_take(KeyValList *kv, const char *key);
bool keyval_take_bool(KeyValList *kv, const char *key, bool def, bool *out, GError **errp);
bool keyval_take_size(KeyValList *kv, const char *key, uint64_t def, uint64_t *out,
                      GError **errp);
bool keyval_take_uint(KeyValList *kv, const char *key, uint64_t def, uint64_t *out,
                      GError **errp);
/* Fail naming the first key nobody took, listing what would have been accepted. */
bool keyval_check_all_used(KeyValList *kv, const char *accepted, GError **errp);

/* Append value to out with each ',' doubled, so that keyval_parse() reads it back whole. */
void keyval_append_escaped(GString *out, const char *value);

/* "512", "512M", "2G", "1.5G"; a number without suffix is in units of default_unit. */
bool parse_size(const char *str, uint64_t default_unit, uint64_t *out, GError **errp);
bool parse_uint(const char *str, uint64_t *out, GError **errp);
bool parse_int(const char *str, int64_t *out, GError **errp);
bool parse_bool(const char *str, bool *out, GError **errp);

#endif
