/*
 * -readconfig / -writeconfig: command-line options kept in QEMU's INI-like
 * config file format,
 *
 *   [drive "d0"]
 *     file = "disk.qcow2"
 *     if = "virtio"
 *
 *   [machine]
 *     type = "virt"
 *
 * A ConfigGroup row ties a section to the option it stands for; the main
 * program keeps the table, so a new option group is one row there.
 */
#ifndef SYSTEM_CONFIG_FILE_H
#define SYSTEM_CONFIG_FILE_H

#include "util/osdep.h"

typedef struct ConfigGroup {
    const char *option;      /* the command-line option, without '-': "drive", "smp" */
    const char *section;     /* "drive", "smp-opts", "memory" */
    const char *implied_key; /* key of the option's leading bare value ("type"), or NULL */
    /*
     * Set: the option's whole argument is this key's value in section (-kernel F is
     * [machine] kernel = "F"). The section's own option is the row without a key.
     */
    const char *key;
    /*
     * One section gathers every use of the option ([machine], [memory]); otherwise
     * each use is a section of its own, named by its id= ([drive "d0"]).
     */
    bool merge;
} ConfigGroup;

/* One option as given: the row it belongs to and its argument. */
typedef struct ConfigEntry {
    const ConfigGroup *group;
    const char *arg;
} ConfigEntry;

/* Hand one option found in the file to the option parser (arg is the caller's to copy). */
typedef bool ConfigApplyFunc(const ConfigGroup *group, const char *arg, void *opaque,
                             GError **errp);

/*
 * Read path ("-" is not special) and apply each section, in file order, as the
 * options it stands for. Errors are "PATH:LINE: what is wrong".
 */
bool config_file_read(const char *path, const ConfigGroup *groups, size_t n_groups,
                      ConfigApplyFunc *apply, void *opaque, GError **errp);

/* Write entries to path ("-": standard output) so that config_file_read rebuilds them. */
bool config_file_write(const char *path, const ConfigEntry *entries, size_t n_entries,
                       GError **errp);

#endif
