/*
 * Clocks and timers: one sorted list per clock, run by the main loop.
 */
#include "system/timer.h"
#include <time.h>

static Timer *active[QEMU_CLOCK_MAX];
static void (*notify_cb)(void);

/* Virtual time: monotonic time minus the time spent paused. */
static int64_t virtual_offset;
static int64_t virtual_stopped_at; /* virtual time starts at 0 when the VM first runs */

static int64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * NANOSECONDS_PER_SECOND + ts.tv_nsec;
}

int64_t clock_get_ns(ClockType clock)
{
    struct timespec ts;

    switch (clock) {
    case QEMU_CLOCK_REALTIME:
        return monotonic_ns();
    case QEMU_CLOCK_VIRTUAL:
        if (virtual_stopped_at >= 0) {
            return virtual_stopped_at;
        }
        return monotonic_ns() - virtual_offset;
    case QEMU_CLOCK_HOST:
        clock_gettime(CLOCK_REALTIME, &ts);
        return ts.tv_sec * NANOSECONDS_PER_SECOND + ts.tv_nsec;
    default:
        g_assert_not_reached();
    }
}

void clock_virtual_stop(void)
{
    if (virtual_stopped_at < 0) {
        virtual_stopped_at = monotonic_ns() - virtual_offset;
    }
}

void clock_virtual_start(void)
{
    if (virtual_stopped_at >= 0) {
        virtual_offset = monotonic_ns() - virtual_stopped_at;
        virtual_stopped_at = -1;
        if (notify_cb) {
            notify_cb();
        }
    }
}

void timers_set_notify(void (*fn)(void))
{
    notify_cb = fn;
}

void timer_init(Timer *t, ClockType clock, TimerCb cb, void *opaque)
{
    *t = (Timer){.clock = clock, .expire = -1, .cb = cb, .opaque = opaque};
}

Timer *timer_new(ClockType clock, TimerCb cb, void *opaque)
{
    Timer *t = g_new(Timer, 1);
    timer_init(t, clock, cb, opaque);
    return t;
}

void timer_free(Timer *t)
{
    if (t) {
        timer_del(t);
        g_free(t);
    }
}

void timer_del(Timer *t)
{
    for (Timer **pp = &active[t->clock]; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->next = NULL;
    t->expire = -1;
}

void timer_mod(Timer *t, int64_t expire_ns)
{
    Timer **pp;

    timer_del(t);
    t->expire = MAX(expire_ns, 0);
    for (pp = &active[t->clock]; *pp && (*pp)->expire <= t->expire; pp = &(*pp)->next) {
    }
    t->next = *pp;
    *pp = t;
    if (pp == &active[t->clock] && notify_cb) {
        notify_cb(); /* a new earliest deadline: let the main loop re-arm its poll */
    }
}

int64_t timers_deadline_ns(void)
{
    int64_t best = -1;

    for (int c = 0; c < QEMU_CLOCK_MAX; c++) {
        int64_t delta;
        if (!active[c] || (c == QEMU_CLOCK_VIRTUAL && virtual_stopped_at >= 0)) {
            continue;
        }
        delta = MAX(active[c]->expire - clock_get_ns(c), 0);
        best = best < 0 ? delta : MIN(best, delta);
    }
    return best;
}

bool timers_run_expired(void)
{
    bool ran = false;

    for (int c = 0; c < QEMU_CLOCK_MAX; c++) {
        if (c == QEMU_CLOCK_VIRTUAL && virtual_stopped_at >= 0) {
            continue;
        }
        for (;;) {
            Timer *t = active[c];
            if (!t || t->expire > clock_get_ns(c)) {
                break;
            }
            active[c] = t->next;
            t->next = NULL;
            t->expire = -1;
            t->cb(t->opaque);
            ran = true;
        }
    }
    return ran;
}
