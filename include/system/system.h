/*
 * Configuration the command line sets for the whole emulator and that
 * machines consult: serial backends, display mode, boot options.
 */
#ifndef SYSTEM_SYSTEM_H
#define SYSTEM_SYSTEM_H

#include "util/osdep.h"

typedef struct Chardev Chardev;

#define MAX_SERIAL_PORTS 4

/* The chardev behind -serial number i, or NULL. */
Chardev *serial_hd(int i);
extern bool nographic;

#endif
