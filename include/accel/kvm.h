/*
 * The KVM accelerator's internal seam between the generic part (accel/kvm)
 * and each ISA's glue (target/<arch>/kvm.c). Nothing outside those two uses it.
 */
#ifndef ACCEL_KVM_H
#define ACCEL_KVM_H

#include "accel/accel.h"
#include "core/machine.h"

struct kvm_run;
struct kvm_guest_debug;

int kvm_ioctl(unsigned long request, ...);
int kvm_vm_ioctl(unsigned long request, ...);
int kvm_vcpu_ioctl(CPUState *cpu, unsigned long request, ...);
/* KVM_CHECK_EXTENSION on the VM: 0 when absent. */
int kvm_check_extension(int cap);

/* Implemented by the target. */
bool kvm_arch_init(MachineState *ms, GError **errp);
bool kvm_arch_init_vcpu(CPUState *cpu, GError **errp);
bool kvm_arch_get_registers(CPUState *cpu);
bool kvm_arch_put_registers(CPUState *cpu);
/* Exits only the ISA understands; false if the exit is not one of them. */
bool kvm_arch_handle_exit(CPUState *cpu, struct kvm_run *run);
/* Registers, instruction bytes and a plain explanation, for a fatal exit. */
void kvm_arch_describe_failure(CPUState *cpu, GString *out);
void kvm_arch_info(GString *out);
/* Return accelerator-owned devices (in-kernel interrupt controllers) to power-on state. */
void kvm_arch_reset_vm(void);

/*
 * Guest debugging. The generic part keeps the software breakpoints (the ISA's
 * trap instruction written over guest code); the ISA owns debug registers.
 */
typedef struct KVMSwBreakpoint {
    uint64_t addr;
    uint8_t saved[4]; /* the guest's bytes under the trap instruction */
    int refs;         /* gdb may insert the same one twice */
} KVMSwBreakpoint;
bool kvm_sw_breakpoint_at(uint64_t addr);
bool kvm_arch_insert_sw_breakpoint(CPUState *cpu, KVMSwBreakpoint *bp);
bool kvm_arch_remove_sw_breakpoint(CPUState *cpu, KVMSwBreakpoint *bp);
/* GDB_BREAKPOINT_HW / GDB_WATCHPOINT_*: 0 or -errno as AccelOps.insert_breakpoint. */
int kvm_arch_insert_hw_breakpoint(int type, uint64_t addr, uint64_t len);
int kvm_arch_remove_hw_breakpoint(int type, uint64_t addr, uint64_t len);
void kvm_arch_remove_all_hw_breakpoints(void);
/* Add the debug registers to what KVM_SET_GUEST_DEBUG gets. */
void kvm_arch_update_guest_debug(CPUState *cpu, struct kvm_guest_debug *dbg);
/*
 * A KVM_EXIT_DEBUG: true (cpu->debug_reason set) if it is the debugger's;
 * otherwise the exception goes back to the guest and the result is false.
 */
bool kvm_arch_handle_debug(CPUState *cpu, struct kvm_run *run);

#endif
