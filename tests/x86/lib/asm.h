/*
 * Constants shared by the test programs' assembly and C: the GDT selectors the
 * entry stub installs, control-register bits, and the 32-bit -> 64-bit switch
 * (Intel SDM vol. 3, 10.8.5 "Initializing IA-32e Mode") as an assembler macro,
 * because the boot CPU, the mode round trip and every AP all take it.
 */
#ifndef TESTS_X86_LIB_ASM_H
#define TESTS_X86_LIB_ASM_H

/* GDT layout installed by entry.S; the selectors are the slot offsets. */
#define SEL_CS64 0x08 /* 64-bit code */
#define SEL_DS 0x10   /* flat 4 GiB data, also used in long mode */
#define SEL_CS32 0x18 /* flat 32-bit code */
#define SEL_CS16 0x20 /* 16-bit code, base 0, limit 64 KiB */
#define SEL_DS16 0x28 /* 16-bit data, base 0, limit 64 KiB */
#define GDT_ENTRIES 6

#define CR0_PE 0x00000001
#define CR0_PG 0x80000000
#define CR4_PAE 0x00000020
#define MSR_EFER 0xc0000080
#define EFER_LME 0x00000100
#define EFER_LMA 0x00000400

#define COM1_BASE 0x3f8

#ifdef __ASSEMBLER__
/* clang-format off */
/*
 * From 32-bit protected mode with paging off to 64-bit mode at \target, using
 * the identity page tables entry.S built (boot_pml4). Clobbers eax, ecx, edx.
 */
.macro ENTER_LONG_MODE32 target
    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl $boot_pml4, %eax
    movl %eax, %cr3
    movl $MSR_EFER, %ecx
    rdmsr
    orl $EFER_LME, %eax
    wrmsr
    movl %cr0, %eax
    orl $(CR0_PG | CR0_PE), %eax
    movl %eax, %cr0
    ljmp $SEL_CS64, $\target
.endm

/* Load every data segment register with \sel (clobbers eax). */
.macro LOAD_DATA_SEGMENTS sel
    movl $\sel, %eax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
.endm
/* clang-format on */
#endif

#endif
