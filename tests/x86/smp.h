/*
 * Shared between smp.c and smp_trampoline.S.
 */
#ifndef TESTS_X86_SMP_H
#define TESTS_X86_SMP_H

#define SMP_TRAMPOLINE 0x8000 /* page-aligned, below 1 MiB: SIPI vector 0x08 */
#define SMP_MAX_CPUS 64
#define SMP_AP_STACK_SIZE 4096

#endif
