/*
 * Interrupt entry stubs for long mode: one 16-byte stub per vector (idt.c
 * computes isr_stubs + 16 * vector), each pushing a dummy error code where the
 * CPU pushes none (Intel SDM vol. 3, 7.13 "Error Code") and its vector, then
 * a common path that saves the general registers as struct irq_frame and
 * calls isr_dispatch().
 */
#include "asm.h"

    .text
    .code64
    .balign 16
    .globl isr_stubs
isr_stubs:
    vector = 0
    .rept 256
    /* At most 2 + 5 + 5 bytes: fits the 16-byte slot. */
    .balign 16
    has_error_code = vector == 8 || (vector >= 10 && vector <= 14) || vector == 17
    has_error_code = has_error_code || vector == 21 || vector == 29 || vector == 30
    .if !has_error_code
    pushq $0
    .endif
    pushq $vector
    jmp isr_common
    vector = vector + 1
    .endr

isr_common:
    pushq %rax
    pushq %rcx
    pushq %rdx
    pushq %rbx
    pushq %rbp
    pushq %rsi
    pushq %rdi
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    /* 5 (CPU) + 2 (stub) + 15 quadwords from a 16-byte aligned RSP: aligned. */
    movq %rsp, %rdi
    cld
    call isr_dispatch
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rdi
    popq %rsi
    popq %rbp
    popq %rbx
    popq %rdx
    popq %rcx
    popq %rax
    addq $16, %rsp
    iretq

    .section .note.GNU-stack, "", @progbits
