/*
 * The file backend: output goes to a file, created or truncated at start
 * (append=on keeps what is there). No input, as QEMU's file backend without
 * input-path=, which is left out.
 */
#include "chardev/char-internal.h"
#include <fcntl.h>
#include <unistd.h>

typedef struct FileChardev {
    Chardev parent;
    int fd;
    char *path;
} FileChardev;

static bool file_open(Chardev *chr, KeyValList *opts, GError **errp)
{
    FileChardev *s = (FileChardev *)chr;
    const char *path = keyval_take(opts, "path");
    bool append;
    int flags;

    if (!keyval_take_bool(opts, "append", false, &append, errp) ||
        !keyval_check_all_used(opts, "path, append, " CHR_COMMON_OPTS, errp)) {
        return false;
    }
    if (!path || !*path) {
        error_setg(errp, "%s: missing path=; e.g. -chardev file,id=%s,path=serial.log",
                   opts->optname, chr->label);
        return false;
    }
    flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
    s->fd = open(path, flags, 0666);
    if (s->fd < 0) {
        error_setg_errno(errp, errno, "chardev '%s': cannot open '%s'", chr->label, path);
        return false;
    }
    s->path = g_strdup(path);
    chr->connected = true;
    return true;
}

static int file_write(Chardev *chr, const uint8_t *buf, int len)
{
    FileChardev *s = (FileChardev *)chr;

    return chr_fd_write_full(s->fd, buf, len);
}

static char *file_describe(Chardev *chr)
{
    return g_strdup_printf("file:%s", ((FileChardev *)chr)->path);
}

static void file_close(Chardev *chr)
{
    FileChardev *s = (FileChardev *)chr;

    close(s->fd);
    g_free(s->path);
}

const ChardevClass char_file_class = {
    .name = "file",
    .instance_size = sizeof(FileChardev),
    .open = file_open,
    .write = file_write,
    .describe = file_describe,
    .close = file_close,
};
