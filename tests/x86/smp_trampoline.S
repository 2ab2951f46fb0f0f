/*
 * Application-processor start-up path for smp.c (Intel SDM vol. 3, 9.4.4
 * "MP Initialization Example"). A SIPI with vector 0x08 starts the AP in real
 * mode at 0x0800:0000, where smp.c copied smp_trampoline_start..end. The AP
 * loads the BSP's GDT, enters 32-bit protected mode in the kernel image, then
 * long mode on the BSP's page tables, takes its own stack (an atomic
 * increment picks the slot) and calls ap_main().
 */
#include "asm.h"
#include "smp.h"

    .section .rodata
    .code16
    .globl smp_trampoline_start, smp_trampoline_end
smp_trampoline_start:
    cli
    cld
    movw %cs, %ax
    movw %ax, %ds
    lgdtl tramp_gdt_ptr - smp_trampoline_start
    movl %cr0, %eax
    orl $CR0_PE, %eax
    movl %eax, %cr0
    ljmpl $SEL_CS32, $ap_entry32

    .balign 8
tramp_gdt_ptr:
    .word GDT_ENTRIES * 8 - 1
    .long gdt
smp_trampoline_end:

    .text
    .code32
ap_entry32:
    LOAD_DATA_SEGMENTS SEL_DS
    ENTER_LONG_MODE32 ap_entry64

    .code64
ap_entry64:
    LOAD_DATA_SEGMENTS SEL_DS
    movl $1, %eax
    lock xaddl %eax, ap_stack_next
    cmpl $SMP_MAX_CPUS, %eax
    jae 2f
    incl %eax
    shll $12, %eax /* SMP_AP_STACK_SIZE */
    leaq ap_stacks(%rax), %rsp
    call ap_main
2:
    cli
    hlt
    jmp 2b

    .bss
    .balign 16
ap_stack_next:
    .long 0
    .balign 4096
ap_stacks:
    .skip SMP_MAX_CPUS * SMP_AP_STACK_SIZE

    .section .note.GNU-stack, "", @progbits
