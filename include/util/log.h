/*
 * Debug logging selected with -d ITEM,... and sent to -D FILE (default stderr).
 */
#ifndef UTIL_LOG_H
#define UTIL_LOG_H

#include "util/osdep.h"

enum {
    LOG_GUEST_ERROR = 1 << 0, /* guest did something the hardware would not like */
    LOG_UNIMP = 1 << 1,       /* guest used an unimplemented feature */
    LOG_INT = 1 << 2,         /* interrupts and exceptions */
    LOG_CPU = 1 << 3,         /* CPU state at exits */
    LOG_IOPORT = 1 << 4,      /* unassigned port accesses */
    LOG_TB_IN_ASM = 1 << 5,   /* translator: guest code of each new TB */
    LOG_TB_OP = 1 << 6,       /* translator: IR as generated */
    LOG_TB_OP_OPT = 1 << 7,   /* translator: IR after optimization */
    LOG_TB_OUT_ASM = 1 << 8,  /* translator: host code */
    LOG_EXEC = 1 << 9,        /* translator: every TB executed */
};

extern unsigned log_mask;

static inline bool log_enabled(unsigned mask)
{
    return unlikely(log_mask & mask);
}

void log_printf(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
#define log_mask_printf(mask, ...)                                                                 \
    do {                                                                                           \
        if (log_enabled(mask)) {                                                                   \
            log_printf(__VA_ARGS__);                                                               \
        }                                                                                          \
    } while (0)

/* -d "guest_errors,int" ; "help" lists the items. */
bool log_parse_items(const char *str, GError **errp);
char *log_items_help(void);
bool log_set_file(const char *path, GError **errp);

#endif
