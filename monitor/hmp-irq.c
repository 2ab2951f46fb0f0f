/*
 * info irq and info pic: the interrupt controllers' line counts and state, in
 * the layout of QEMU's HMP ("IRQ statistics for <controller>:" then one
 * "NN: count" line per input that was ever raised).
 */
#include "monitor/monitor-internal.h"
#include "core/irq.h"

static void print_irq_counts(const IrqStats *stats, void *opaque)
{
    Monitor *mon = opaque;

    monitor_printf(mon, "IRQ statistics for %s:\n", stats->name);
    for (unsigned i = 0; i < stats->num_lines; i++) {
        if (stats->counts[i]) {
            monitor_printf(mon, "%2u: %" PRIu64 "\n", i, stats->counts[i]);
        }
    }
}

static void count_controllers(const IrqStats *stats, void *opaque)
{
    (*(unsigned *)opaque)++;
}

static bool any_controller(Monitor *mon)
{
    unsigned n = 0;

    irq_stats_foreach(count_controllers, &n);
    if (!n) {
        monitor_printf(mon, "This machine has no interrupt controller that keeps statistics.\n");
    }
    return n;
}

bool hmp_info_irq(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    if (any_controller(mon)) {
        irq_stats_foreach(print_irq_counts, mon);
    }
    return true;
}

static void print_pic_state(const IrqStats *stats, void *opaque)
{
    Monitor *mon = opaque;
    g_autoptr(GString) out = g_string_new(NULL);

    if (!stats->print_state) {
        monitor_printf(mon, "Interrupt controller information not available for %s.\n",
                       stats->name);
        return;
    }
    stats->print_state(stats->opaque, out);
    monitor_puts(mon, out->str);
}

bool hmp_info_pic(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    if (any_controller(mon)) {
        irq_stats_foreach(print_pic_state, mon);
    }
    return true;
}
