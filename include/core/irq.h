/*
 * Interrupt lines: a device raises or lowers an IrqLine; whoever wired it
 * (a machine, an interrupt controller, the accelerator) gets the callback.
 */
#ifndef CORE_IRQ_H
#define CORE_IRQ_H

#include "util/osdep.h"

typedef void (*IrqHandler)(void *opaque, int n, int level);

typedef struct IrqLine {
    IrqHandler handler;
    void *opaque;
    int n;
} IrqLine;

static inline void irq_set(IrqLine *irq, int level)
{
    if (irq && irq->handler) {
        irq->handler(irq->opaque, irq->n, level);
    }
}

static inline void irq_raise(IrqLine *irq)
{
    irq_set(irq, 1);
}

static inline void irq_lower(IrqLine *irq)
{
    irq_set(irq, 0);
}

static inline void irq_pulse(IrqLine *irq)
{
    irq_set(irq, 1);
    irq_set(irq, 0);
}

/* An array of n lines 0..n-1 that all call handler(opaque, i, level). */
IrqLine *irq_allocate(IrqHandler handler, void *opaque, int n);

/*
 * What an interrupt controller shows the monitor (QEMU's InterruptStatsProvider):
 * how often each input line was raised (info irq), and optionally its state in
 * words (info pic). The controller owns the struct and the counts, and updates
 * them under the big lock.
 */
typedef struct IrqStats {
    const char *name; /* "riscv.sifive.plic", "isa-i8259" */
    const uint64_t *counts;
    unsigned num_lines;
    void (*print_state)(void *opaque, GString *out); /* NULL: nothing for info pic */
    void *opaque;
} IrqStats;

void irq_stats_register(const IrqStats *stats);
void irq_stats_unregister(const IrqStats *stats);
/* Every registered controller, in registration order. */
void irq_stats_foreach(void (*fn)(const IrqStats *stats, void *opaque), void *opaque);

#endif
