/*
 * Long-mode interrupt descriptor table: every vector has a stub (isr.S);
 * programs attach C handlers to the vectors they use. An exception or an
 * interrupt nobody asked for ends the test with FAIL.
 */
#ifndef TESTS_X86_LIB_IDT_H
#define TESTS_X86_LIB_IDT_H

#include <stdint.h>

/* Saved by isr.S, lowest address first. */
struct irq_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*irq_handler_fn)(struct irq_frame *frame);

void idt_init(void);
/* Load the (already built) IDT on this CPU, e.g. on an AP. */
void idt_load(void);
void idt_set_handler(uint8_t vector, irq_handler_fn fn);

#endif
