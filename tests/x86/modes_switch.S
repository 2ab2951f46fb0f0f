/*
 * The mode round trip for modes.c (Intel SDM vol. 3, 10.9 "Mode Switching"
 * and 10.8.5 "Initializing IA-32e Mode"):
 *
 *   entry (early32_hook): 32-bit protected mode, as multiboot left us
 *   modes_round_trip():   64-bit -> compatibility mode -> paging and LME off
 *                         (32-bit protected) -> 16-bit protected -> real mode
 *                         -> 32-bit protected -> 64-bit, and return
 *
 * Each stage prints from the mode it is in; the 16-bit part runs from a copy
 * below 1 MiB (modes.c copies modes_real_start..modes_real_end to
 * MODES_REAL_BASE) and talks to the UART with in/out only: no BIOS.
 */
#include "asm.h"
#include "modes.h"

    .data
    .balign 8
saved_rsp:
    .quad 0
    .globl modes_seen
modes_seen:
    .long 0

    .section .rodata
msg_entry32:
    .asciz "modes: 32-bit protected mode (multiboot entry, CR0.PE=1, paging off)\r\n"
msg_down32:
    .asciz "modes: 32-bit protected mode (left long mode: paging and EFER.LME off)\r\n"
msg_up32:
    .asciz "modes: 32-bit protected mode (back from real mode)\r\n"

    .text
    .code32
    /* Overrides the library's weak hook: runs at entry, before paging. */
    .globl early32_hook
early32_hook:
    movl %cr0, %eax
    andl $(CR0_PE | CR0_PG), %eax
    cmpl $CR0_PE, %eax
    jne 1f
    orl $MODES_SEEN_ENTRY32, modes_seen
1:
    call serial_init32
    movl $msg_entry32, %esi
    call serial_puts32
    ret

    .code64
    .globl modes_round_trip
modes_round_trip:
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, saved_rsp
    /* Far return into the 32-bit code segment: compatibility mode. */
    pushq $SEL_CS32
    movl $compat32, %eax
    pushq %rax
    lretq

    .code32
compat32:
    LOAD_DATA_SEGMENTS SEL_DS
    /* Deactivate IA-32e mode: paging off first, then EFER.LME. */
    movl %cr0, %eax
    andl $~CR0_PG, %eax
    movl %eax, %cr0
    movl $MSR_EFER, %ecx
    rdmsr
    andl $~EFER_LME, %eax
    wrmsr
    rdmsr
    testl $EFER_LMA, %eax
    jnz 1f
    orl $MODES_SEEN_DOWN32, modes_seen
1:
    movl $msg_down32, %esi
    call serial_puts32
    /* Into the 16-bit copy below 1 MiB, through a 16-bit code segment. */
    ljmp $SEL_CS16, $(MODES_REAL_BASE + pm16 - modes_real_start)

    /* Back from real mode, in 32-bit protected mode again (from the copy). */
    .globl modes_back32
modes_back32:
    LOAD_DATA_SEGMENTS SEL_DS
    movl saved_rsp, %esp
    movl %cr0, %eax
    testl $CR0_PG, %eax
    jnz 1f
    orl $MODES_SEEN_UP32, modes_seen
1:
    movl $msg_up32, %esi
    call serial_puts32
    ENTER_LONG_MODE32 back64

    .code64
back64:
    LOAD_DATA_SEGMENTS SEL_DS
    movq saved_rsp, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    ret

    /*
     * Position-dependent on MODES_REAL_BASE: it runs only from the copy there,
     * so every address inside is MODES_REAL_BASE + (label - modes_real_start).
     */
    .section .rodata
    .code16
    .globl modes_real_start, modes_real_end
modes_real_start:
pm16:
    /* 16-bit protected mode: give every segment a real-mode-sized limit. */
    movw $SEL_DS16, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
    movl %cr0, %eax
    andl $~CR0_PE, %eax
    movl %eax, %cr0
    ljmp $0, $(MODES_REAL_BASE + real16 - modes_real_start)

real16:
    xorw %ax, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw $MODES_REAL_STACK, %sp
    /*
     * Evidence for modes.c: CR0 as seen here, and a word written through
     * real-mode segment arithmetic (segment << 4 + offset).
     */
    movl %cr0, %eax
    movw %ax, MODES_REAL_BASE + MODES_CR0_OFF
    movw $(MODES_REAL_BASE >> 4), %ax
    movw %ax, %es
    movw $MODES_MARKER, %es:MODES_MARKER_OFF

    movw $(MODES_REAL_BASE + msg_real - modes_real_start), %si
1:
    lodsb
    testb %al, %al
    jz 4f
    movb %al, %bl
    movw $(COM1_BASE + 5), %dx
    movw $0xffff, %cx
2:
    inb %dx, %al
    testb $0x20, %al
    jnz 3f
    loop 2b
3:
    movw $COM1_BASE, %dx
    movb %bl, %al
    outb %al, %dx
    jmp 1b
4:
    /* Up again: PE on, far jump into the flat 32-bit code segment. */
    movl %cr0, %eax
    orl $CR0_PE, %eax
    movl %eax, %cr0
    ljmpl $SEL_CS32, $modes_back32

msg_real:
    .asciz "modes: 16-bit real mode (CR0.PE=0, printing with out to 0x3f8)\r\n"
modes_real_end:

    .section .note.GNU-stack, "", @progbits
