/*
 * The part of a machine reset every board shares: devices back to power-on
 * state, images reloaded into memory, accelerator-owned devices (KVM's in-kernel
 * interrupt controllers) reset. A board's reset hook calls this, then sets up
 * its CPUs.
 */
#ifndef HW_CORE_RESET_H
#define HW_CORE_RESET_H

void machine_reset_devices(void);

#endif
