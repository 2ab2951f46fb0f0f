/*
 * The bare-metal test library for the riscv64 virt machine: polled ns16550a
 * output, a small printf, self-checks that print each failing case, traps
 * routed to a handler the program installs, and the end of the run through
 * the SiFive test device (pass: exit 0; fail: exit with a code).
 */
#ifndef RISCV_TEST_H
#define RISCV_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define UART0_BASE 0x10000000UL
#define SIFIVE_TEST_BASE 0x100000UL
#define CLINT_BASE 0x2000000UL
#define CLINT_MSIP(h) (CLINT_BASE + 4 * (h))
#define CLINT_MTIMECMP(h) (CLINT_BASE + 0x4000 + 8 * (h))
#define CLINT_MTIME (CLINT_BASE + 0xbff8)
#define TIMEBASE_HZ 10000000UL
/* RAM nothing else uses: 8 MiB in, past the program and its stacks (lib/link.ld). */
#define SCRATCH_BASE 0x80800000UL
#define PAGE_SIZE 4096UL

#define MCAUSE_INTERRUPT (1UL << 63)
#define CAUSE_ILLEGAL_INSN 2
#define CAUSE_BREAKPOINT 3
#define CAUSE_ECALL_M 11
#define IRQ_M_SOFT 3
#define IRQ_M_TIMER 7

#define MSTATUS_MIE (1UL << 3)
#define MSTATUS_FS (3UL << 13)
#define MIE_MSIE (1UL << IRQ_M_SOFT)
#define MIE_MTIE (1UL << IRQ_M_TIMER)

/* Registers at a trap, as lib/crt.S saves them. */
typedef struct TrapFrame {
    uint64_t mtval; /* in the x0 slot */
    uint64_t ra, sp, gp, tp, t0, t1, t2, s0, s1;
    uint64_t a0, a1, a2, a3, a4, a5, a6, a7;
    uint64_t s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
    uint64_t t3, t4, t5, t6;
    uint64_t mepc; /* written back to mepc before mret */
    uint64_t mcause;
} TrapFrame;

/* The program's trap handler; NULL means any trap is unexpected and fails the run. */
extern void (*trap_handler)(TrapFrame *tf);

#define csr_read(csr)                                                                              \
    ({                                                                                             \
        unsigned long __v;                                                                         \
        __asm__ volatile("csrr %0, " #csr : "=r"(__v)::"memory");                                  \
        __v;                                                                                       \
    })
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" ::"rK"(val) : "memory")
#define csr_set(csr, val) __asm__ volatile("csrs " #csr ", %0" ::"rK"(val) : "memory")
#define csr_clear(csr, val) __asm__ volatile("csrc " #csr ", %0" ::"rK"(val) : "memory")

static inline void mmio_write32(unsigned long addr, uint32_t v)
{
    *(volatile uint32_t *)addr = v;
}
static inline uint32_t mmio_read32(unsigned long addr)
{
    return *(volatile uint32_t *)addr;
}
static inline void mmio_write64(unsigned long addr, uint64_t v)
{
    *(volatile uint64_t *)addr = v;
}
static inline uint64_t mmio_read64(unsigned long addr)
{
    return *(volatile uint64_t *)addr;
}

/* Hide a value from the optimizer so it cannot fold the code under test. */
#define opaque(x)                                                                                  \
    ({                                                                                             \
        __typeof__(x) __o = (x);                                                                   \
        __asm__ volatile("" : "+r"(__o));                                                          \
        __o;                                                                                       \
    })

void uart_putc(char c);
/* Wait for a byte on the UART (a test harness's "go on"). */
char uart_getc(void);
void uart_puts(const char *s);
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

/* Compare; on a mismatch print "FAIL name: got ... want ..." and count it. */
void check_eq(const char *name, uint64_t got, uint64_t want);
#define CHECK(name, got, want) check_eq((name), (uint64_t)(got), (uint64_t)(want))
void check_true(const char *name, int cond);
/* Print "<prog>: N checks, M failures" and "PASS <prog>" or "FAIL <prog>"; returns the code. */
int test_finish(const char *prog);
/* A section heading ("<prog>: <what> ok" once its checks passed). */
void test_section(const char *prog, const char *what);
extern unsigned test_failures;

/* Report through the SiFive test device: 0 passes, anything else fails with that code. */
__attribute__((noreturn)) void test_exit(int code);

#endif
