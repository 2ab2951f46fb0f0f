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

/*
 * Interrupt source sets as interrupt controllers keep them: bit n of a uint32_t
 * array for source n (the layout of the PLIC's and APLIC's registers).
 */
static inline bool irq_bit_get(const uint32_t *map, unsigned n)
{
    return map[n / 32] & (1u << (n % 32));
}

static inline void irq_bit_put(uint32_t *map, unsigned n, bool on)
{
    if (on) {
        map[n / 32] |= 1u << (n % 32);
    } else {
        map[n / 32] &= ~(1u << (n % 32));
    }
}

/* Append the set sources of [first, last] as runs, "1-3,7", or "none" (info pic). */
void irq_bitmap_append(GString *out, const uint32_t *map, unsigned first, unsigned last);

void irq_stats_register(const IrqStats *stats);
void irq_stats_unregister(const IrqStats *stats);
/* Every registered controller, in registration order. */
void irq_stats_foreach(void (*fn)(const IrqStats *stats, void *opaque), void *opaque);

#endif
