/*
 * The GDB remote serial protocol server (gdbstub/): a chardev frontend that
 * lets gdb (gdb-multiarch) stop, inspect, step and resume the VM, one thread
 * per vCPU.
 */
#ifndef GDBSTUB_GDBSTUB_H
#define GDBSTUB_GDBSTUB_H

#include "core/cpu.h"

/*
 * Serve gdb on device: "tcp::1234", "unix:/tmp/gdb.sock" (both become
 * listening servers that do not wait), any other legacy chardev spec, or
 * "chardev:ID". "none" stops serving. Main loop, big lock held.
 */
bool gdbserver_start(const char *device, GError **errp);
/* The device being served ("" when none), for the monitor. */
const char *gdbserver_device(void);

/*
 * An accelerator's vCPU stopped for the debugger (a breakpoint, watchpoint or
 * finished single step; cpu->debug_reason says which). Called on the vCPU's
 * thread with the big lock held: the vCPU parks at once, the main loop stops
 * the VM and gdb hears of it.
 */
void gdb_cpu_debug_event(CPUState *cpu);

#endif
