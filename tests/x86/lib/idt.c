/*
 * The IDT (Intel SDM vol. 3, 7.14.1 "64-Bit Mode IDT"): 256 interrupt gates
 * onto isr.S's stubs, and the C dispatcher they call.
 */
#include "idt.h"
#include "asm.h"
#include "test.h"

#define GATE_INTERRUPT_PRESENT 0x8e
#define ISR_STUB_SIZE 16

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));

struct idt_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

extern const char isr_stubs[];
void isr_dispatch(struct irq_frame *frame);

static struct idt_gate idt[256] __attribute__((aligned(16)));
static irq_handler_fn handlers[256];

static const char *const exception_names[] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor segment overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack fault",
    "#GP general protection",
    "#PF page fault",
    "reserved",
    "#MF x87 error",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD error",
    "#VE virtualization",
};

void idt_load(void)
{
    struct idt_ptr ptr = {sizeof(idt) - 1, (uintptr_t)idt};

    asm volatile("lidt %0" : : "m"(ptr));
}

void idt_init(void)
{
    for (int v = 0; v < 256; v++) {
        uintptr_t stub = (uintptr_t)isr_stubs + v * ISR_STUB_SIZE;
        idt[v] = (struct idt_gate){
            .offset_low = stub & 0xffff,
            .selector = SEL_CS64,
            .type_attr = GATE_INTERRUPT_PRESENT,
            .offset_mid = (stub >> 16) & 0xffff,
            .offset_high = stub >> 32,
        };
    }
    idt_load();
}

void idt_set_handler(uint8_t vector, irq_handler_fn fn)
{
    handlers[vector] = fn;
}

void isr_dispatch(struct irq_frame *frame)
{
    uint8_t v = frame->vector;

    if (handlers[v]) {
        handlers[v](frame);
        return;
    }
    if (v < 32) {
        uint64_t cr2;
        asm volatile("mov %%cr2, %0" : "=r"(cr2));
        test_fail("exception %u (%s), error code 0x%lx, rip 0x%lx, cr2 0x%lx", v,
                  v < ARRAY_SIZE(exception_names) ? exception_names[v] : "reserved",
                  frame->error_code, frame->rip, cr2);
    }
    test_fail("unexpected interrupt, vector %u, rip 0x%lx", v, frame->rip);
}
