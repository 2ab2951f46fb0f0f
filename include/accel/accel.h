/*
 * THE accelerator interface. KVM (accel/kvm) and the binary translator
 * (accel/tcg) implement it; machines and the monitor only ever talk to it
 * through these ops and the capabilities they report.
 */
#ifndef ACCEL_ACCEL_H
#define ACCEL_ACCEL_H

#include "util/osdep.h"
#include "core/cpu.h"

typedef struct MachineState MachineState;

typedef struct AccelOps {
    const char *name;
    /* Can it run on this host? If not, errp says why in words a person can act on. */
    bool (*available)(GError **errp);
    /* -accel NAME,key=value options; NULL if it takes none. */
    bool (*set_option)(const char *key, const char *value, GError **errp);
    bool (*init_machine)(MachineState *ms, GError **errp);
    /* Create the vCPU in the accelerator and start its thread (it parks until resumed). */
    bool (*vcpu_create)(CPUState *cpu, GError **errp);
    /* Make the vCPU leave guest mode soon (it then checks cpu->stop). */
    void (*kick)(CPUState *cpu);
    /* Accelerator -> CPUState, and back. vCPUs are stopped or it is their own thread. */
    void (*sync_regs_from)(CPUState *cpu);
    void (*sync_regs_to)(CPUState *cpu);
    /* Interrupt delivery where the accelerator owns the interrupt controllers. */
    void (*set_irq)(int gsi, int level);
    /*
     * A message-signalled interrupt that a device wrote to the interrupt
     * controllers' address window; NULL where the accelerator takes none.
     */
    void (*send_msi)(uint64_t addr, uint32_t data);
    /* An NMI to every vCPU. */
    void (*inject_nmi)(void);
    /* Machine reset: return devices the accelerator owns to their power-on state. */
    void (*reset_vm)(void);
    /*
     * Guest debugging (gdbstub); NULL where unsupported. Main loop, big lock held,
     * every vCPU stopped. type is GDB_BREAKPOINT_* / GDB_WATCHPOINT_*, addr a guest
     * virtual address as cpu sees it; every vCPU gets the breakpoint. 0 or -errno:
     * -ENOSYS (this kind is not supported), -ENOSPC (no debug register left),
     * -ENOENT (nothing to remove), -EFAULT (cannot reach addr).
     */
    int (*insert_breakpoint)(CPUState *cpu, int type, uint64_t addr, uint64_t len);
    int (*remove_breakpoint)(CPUState *cpu, int type, uint64_t addr, uint64_t len);
    void (*remove_all_breakpoints)(void);
    /* cpu->singlestep_enabled changed: apply it before the vCPU runs again. */
    void (*update_guest_debug)(CPUState *cpu);
    /* info kvm / info jit lines. */
    void (*info)(GString *out);
    /* Capabilities a machine may ask about. */
    bool has_irqchip; /* interrupt controllers (PIC, IOAPIC, LAPIC, PIT) live in the accelerator */
} AccelOps;

void accel_register(const AccelOps *ops);
const AccelOps *accel_find(const char *name);
/* Names of all registered accelerators, for help text. */
char *accel_names(void);
/*
 * Choose from "kvm:tcg"-style lists: the first available one wins; if none is,
 * errp lists each one's reason.
 */
const AccelOps *accel_choose(const char *list, GError **errp);
/* The accelerator in use, once chosen. */
const AccelOps *current_accel(void);
void accel_set_current(const AccelOps *ops);

#endif
