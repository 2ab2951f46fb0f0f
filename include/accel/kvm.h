/*
 * The KVM accelerator's internal seam between the generic part (accel/kvm)
 * and each ISA's glue (target/<arch>/kvm.c). Nothing outside those two uses it.
 */
#ifndef ACCEL_KVM_H
#define ACCEL_KVM_H

#include "accel/accel.h"
#include "core/machine.h"

struct kvm_run;

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

#endif
