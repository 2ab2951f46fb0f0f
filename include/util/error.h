/*
 * Error reporting: errors travel as GError in the MIMIC_ERROR domain;
 * error_report() prints one for a person, prefixed with the program name.
 */
#ifndef UTIL_ERROR_H
#define UTIL_ERROR_H

#include "util/osdep.h"

#define MIMIC_ERROR mimic_error_quark()
GQuark mimic_error_quark(void);

/* Error codes, mirroring QMP's error classes so the monitor can report them. */
typedef enum {
    MIMIC_ERROR_GENERIC,
    MIMIC_ERROR_NOT_FOUND,
    MIMIC_ERROR_DEVICE_NOT_ACTIVE,
    MIMIC_ERROR_KVM_MISSING_CAP,
} MimicErrorCode;

#define error_setg(errp, ...) g_set_error(errp, MIMIC_ERROR, MIMIC_ERROR_GENERIC, __VA_ARGS__)
#define error_setg_errno(errp, err, fmt, ...)                                                      \
    g_set_error(errp, MIMIC_ERROR, MIMIC_ERROR_GENERIC, fmt ": %s", ##__VA_ARGS__,                 \
                g_strerror(err))

void error_set_progname(const char *argv0);
void error_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void warn_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* Report err (if set) and free it. */
void error_report_err(GError *err);

/* Guest-triggered problems are logged once per call site, so a hostile guest cannot flood. */
#define guest_error_once(...)                                                                      \
    do {                                                                                           \
        static bool warned_;                                                                       \
        if (!warned_) {                                                                            \
            warned_ = true;                                                                        \
            warn_report(__VA_ARGS__);                                                              \
        }                                                                                          \
    } while (0)

#endif
