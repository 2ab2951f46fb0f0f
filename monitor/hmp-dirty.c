/*
 * dirty_log and info dirty: the memory API's dirty-page logging of guest RAM,
 * for people (the migration client's bitmaps, which nothing else uses until
 * migration lands). mimic's own commands; QEMU has no HMP equivalent.
 *
 *   (mimic) dirty_log on
 *   (mimic) info dirty
 *   3 dirty pages
 *     0x0000000080800000-0x0000000080802fff (3 pages)
 *
 * Both run with the vCPUs paused, so that the translator's TLBs are re-armed
 * before the guest writes again and no write falls between two reports.
 */
#include "monitor/monitor-internal.h"
#include "system/memory.h"

bool hmp_dirty_log(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    bool paused = mon_vcpus_pause();

    memory_global_dirty_log(&address_space_memory, DIRTY_MEMORY_MIGRATION,
                            mon_args_get_bool(args, "on", false));
    mon_vcpus_resume(paused);
    return true;
}

bool hmp_info_dirty(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    g_autoptr(GString) out = g_string_new(NULL);
    bool paused = mon_vcpus_pause();

    memory_dirty_report_and_clear(&address_space_memory, DIRTY_MEMORY_MIGRATION, out);
    mon_vcpus_resume(paused);
    monitor_printf(mon, "%s", out->str);
    return true;
}
