/*
 * x86-64 CPU state as the monitor, machines and accelerators see it.
 */
#ifndef TARGET_X86_CPU_H
#define TARGET_X86_CPU_H

#include "core/cpu.h"

enum {
    R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI,
    R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15,
};

enum { R_ES, R_CS, R_SS, R_DS, R_FS, R_GS, X86_NUM_SEGS };

typedef struct X86Segment {
    uint16_t selector;
    uint64_t base;
    uint32_t limit;
    uint8_t type;
    bool present, s, db, l, g, avl, unusable;
    uint8_t dpl;
} X86Segment;

typedef struct X86DescTable {
    uint64_t base;
    uint16_t limit;
} X86DescTable;

#define CR0_PE (1u << 0)
#define CR0_ET (1u << 4)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)
#define CR4_PAE (1u << 5)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define RFLAGS_RESERVED (1u << 1)

#define MSR_IA32_APICBASE 0x1b
#define MSR_IA32_APICBASE_BSP (1u << 8)
#define MSR_IA32_APICBASE_ENABLE (1u << 11)
#define APIC_DEFAULT_ADDRESS 0xfee00000u

typedef enum X86MPState {
    X86_MP_RUNNABLE,
    X86_MP_WAIT_SIPI, /* an AP after reset: waits for INIT/SIPI */
} X86MPState;

/* x87 and SSE state as FXSAVE lays it out (Intel SDM vol. 1 §10.5.1), for the gdbstub. */
typedef struct X86FPUState {
    uint8_t st[8][16]; /* ST0-ST7 (80 bits each in 16) */
    uint16_t fcw, fsw;
    uint8_t ftwx;      /* abridged tag: bit i set = physical register i valid */
    uint16_t fop;
    uint64_t fip, fdp;
    uint8_t xmm[16][16];
    uint32_t mxcsr;
} X86FPUState;

typedef struct X86CPU {
    CPUState parent;
    uint64_t regs[16];
    uint64_t rip;
    uint64_t rflags;
    X86Segment segs[X86_NUM_SEGS];
    X86Segment ldt, tr;
    X86DescTable gdt, idt;
    uint64_t cr[5]; /* cr0, (cr1), cr2, cr3, cr4 */
    uint64_t cr8;
    uint64_t efer;
    uint64_t apic_base;
    X86MPState mp_state;
    bool reset_pending; /* the accelerator must also reset LAPIC, FPU and MSRs */
    X86FPUState fpu;
    bool fpu_dirty; /* the debugger changed fpu: the accelerator must load it */
    const char *model;
} X86CPU;

#define X86_CPU(cs) ((X86CPU *)(cs))

/* Create vCPU number index with APIC id apic_id; model is a -cpu name. */
X86CPU *x86_cpu_new(unsigned index, uint32_t apic_id, const char *model, GError **errp);
/* Whether a -cpu model name is known (target_cpu_models_help lists them). */
bool x86_cpu_model_known(const char *model);
/* The model's CPUID filter: leaf/subleaf/register bits to clear from what KVM supports. */
bool x86_cpu_model_is_host(const char *model);
void x86_cpu_model_filter_cpuid(const char *model, uint32_t function, uint32_t index,
                                uint32_t *eax, uint32_t *ebx, uint32_t *ecx, uint32_t *edx);

/* Put cpu into 32-bit flat protected mode at entry (boot protocols). */
void x86_cpu_set_flat32(X86CPU *cpu, uint32_t entry);
/* Translate a linear address through the guest's page tables; false if not mapped. */
bool x86_cpu_translate(X86CPU *cpu, uint64_t vaddr, uint64_t *paddr);

#endif
