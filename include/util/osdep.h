/*
 * Common includes and small helpers every mimic source file uses.
 */
#ifndef UTIL_OSDEP_H
#define UTIL_OSDEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <inttypes.h>
#include <glib.h>

#include "config-host.h"

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ROUND_UP(n, d) (((n) + (d) - 1) & -(__typeof__(n))(d))
#define ROUND_DOWN(n, d) ((n) & -(__typeof__(n))(d))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))

#define KiB ((uint64_t)1 << 10)
#define MiB ((uint64_t)1 << 20)
#define GiB ((uint64_t)1 << 30)

/* Run a function once at start-up, before main(): used to register classes. */
#define MIMIC_INIT(fn) static void __attribute__((constructor)) fn(void)

#endif
