/*
 * Interrupt line allocation, and the list of controllers that count their
 * lines for the monitor.
 */
#include "core/irq.h"

IrqLine *irq_allocate(IrqHandler handler, void *opaque, int n)
{
    IrqLine *lines = g_new0(IrqLine, n);

    for (int i = 0; i < n; i++) {
        lines[i] = (IrqLine){.handler = handler, .opaque = opaque, .n = i};
    }
    return lines;
}

static GPtrArray *irq_stats_list; /* of const IrqStats * */

void irq_bitmap_append(GString *out, const uint32_t *map, unsigned first, unsigned last)
{
    bool any = false;

    for (unsigned n = first; n <= last; n++) {
        unsigned end = n;

        if (!irq_bit_get(map, n)) {
            continue;
        }
        while (end < last && irq_bit_get(map, end + 1)) {
            end++;
        }
        g_string_append_printf(out, end > n ? "%s%u-%u" : "%s%u", any ? "," : "", n, end);
        any = true;
        n = end;
    }
    if (!any) {
        g_string_append(out, "none");
    }
}

void irq_stats_register(const IrqStats *stats)
{
    if (!irq_stats_list) {
        irq_stats_list = g_ptr_array_new();
    }
    g_ptr_array_add(irq_stats_list, (gpointer)stats);
}

void irq_stats_unregister(const IrqStats *stats)
{
    if (irq_stats_list) {
        g_ptr_array_remove(irq_stats_list, (gpointer)stats);
    }
}

void irq_stats_foreach(void (*fn)(const IrqStats *stats, void *opaque), void *opaque)
{
    for (guint i = 0; irq_stats_list && i < irq_stats_list->len; i++) {
        fn(g_ptr_array_index(irq_stats_list, i), opaque);
    }
}
