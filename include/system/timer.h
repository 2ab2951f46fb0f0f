/*
 * Clocks and timers. QEMU_CLOCK_VIRTUAL stops while the VM is paused, so guest
 * devices see no time pass; REALTIME always runs; HOST follows the wall clock.
 * Timers fire in the main loop with the big lock held.
 */
#ifndef SYSTEM_TIMER_H
#define SYSTEM_TIMER_H

#include "util/osdep.h"

typedef enum ClockType {
    QEMU_CLOCK_REALTIME,
    QEMU_CLOCK_VIRTUAL,
    QEMU_CLOCK_HOST,
    QEMU_CLOCK_MAX,
} ClockType;

#define NANOSECONDS_PER_SECOND 1000000000LL

typedef void (*TimerCb)(void *opaque);

typedef struct Timer {
    ClockType clock;
    int64_t expire; /* ns on its clock; -1 when not armed */
    TimerCb cb;
    void *opaque;
    struct Timer *next;
} Timer;

int64_t clock_get_ns(ClockType clock);
void timer_init(Timer *t, ClockType clock, TimerCb cb, void *opaque);
Timer *timer_new(ClockType clock, TimerCb cb, void *opaque);
void timer_free(Timer *t);
void timer_mod(Timer *t, int64_t expire_ns);
void timer_del(Timer *t);
static inline bool timer_pending(const Timer *t)
{
    return t->expire >= 0;
}

/* Virtual clock control, used by the run state. */
void clock_virtual_stop(void);
void clock_virtual_start(void);

/* For the main loop: ns until the next timer (-1 if none), and running expired ones. */
int64_t timers_deadline_ns(void);
bool timers_run_expired(void);
/* Wake the main loop when a new earlier deadline appears (set by the main loop). */
void timers_set_notify(void (*fn)(void));

#endif
