/*
 * The null backend: output vanishes, input never comes (QEMU's "null").
 * Like QEMU it never reports OPENED.
 */
#include "chardev/char-internal.h"

static bool null_open(Chardev *chr, KeyValList *opts, GError **errp)
{
    return keyval_check_all_used(opts, CHR_COMMON_OPTS, errp);
}

static int null_write(Chardev *chr, const uint8_t *buf, int len)
{
    return len;
}

static char *null_describe(Chardev *chr)
{
    return g_strdup("null");
}

const ChardevClass char_null_class = {
    .name = "null",
    .instance_size = sizeof(Chardev),
    .open = null_open,
    .write = null_write,
    .describe = null_describe,
};
