/*
 * Interrupt line allocation.
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
