/*
 * Inline access to the machine from a test program: port I/O, MMIO with an
 * exact access width (one instruction, so the emulator sees one access of that
 * size), MSRs, CPUID, TSC and the interrupt flag.
 */
#ifndef TESTS_X86_LIB_X86_H
#define TESTS_X86_LIB_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline void outb(uint16_t port, uint8_t val)
{
    asm volatile("outb %0, %1" : : "a"(val), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t val)
{
    asm volatile("outw %0, %1" : : "a"(val), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t val)
{
    asm volatile("outl %0, %1" : : "a"(val), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t val;
    asm volatile("inb %1, %0" : "=a"(val) : "Nd"(port));
    return val;
}

static inline uint16_t inw(uint16_t port)
{
    uint16_t val;
    asm volatile("inw %1, %0" : "=a"(val) : "Nd"(port));
    return val;
}

static inline uint32_t inl(uint16_t port)
{
    uint32_t val;
    asm volatile("inl %1, %0" : "=a"(val) : "Nd"(port));
    return val;
}

static inline uint8_t mmio_read8(uintptr_t addr)
{
    uint8_t val;
    asm volatile("movb (%1), %0" : "=q"(val) : "r"(addr) : "memory");
    return val;
}

static inline uint16_t mmio_read16(uintptr_t addr)
{
    uint16_t val;
    asm volatile("movw (%1), %0" : "=r"(val) : "r"(addr) : "memory");
    return val;
}

static inline uint32_t mmio_read32(uintptr_t addr)
{
    uint32_t val;
    asm volatile("movl (%1), %0" : "=r"(val) : "r"(addr) : "memory");
    return val;
}

static inline uint64_t mmio_read64(uintptr_t addr)
{
    uint64_t val;
    asm volatile("movq (%1), %0" : "=r"(val) : "r"(addr) : "memory");
    return val;
}

static inline void mmio_write8(uintptr_t addr, uint8_t val)
{
    asm volatile("movb %0, (%1)" : : "q"(val), "r"(addr) : "memory");
}

static inline void mmio_write16(uintptr_t addr, uint16_t val)
{
    asm volatile("movw %0, (%1)" : : "r"(val), "r"(addr) : "memory");
}

static inline void mmio_write32(uintptr_t addr, uint32_t val)
{
    asm volatile("movl %0, (%1)" : : "r"(val), "r"(addr) : "memory");
}

static inline void mmio_write64(uintptr_t addr, uint64_t val)
{
    asm volatile("movq %0, (%1)" : : "r"(val), "r"(addr) : "memory");
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
    asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)));
}

static inline void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t *a, uint32_t *b, uint32_t *c,
                         uint32_t *d)
{
    asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(subleaf));
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t read_cr0(void)
{
    uint64_t val;
    asm volatile("mov %%cr0, %0" : "=r"(val));
    return val;
}

static inline void cli(void)
{
    asm volatile("cli" : : : "memory");
}

static inline void sti(void)
{
    asm volatile("sti" : : : "memory");
}

/* sti's one-instruction shadow makes the pair atomic: no wakeup is lost. */
static inline void sti_hlt(void)
{
    asm volatile("sti; hlt" : : : "memory");
}

static inline void cpu_relax(void)
{
    asm volatile("pause" : : : "memory");
}

static inline uint16_t bswap16(uint16_t v)
{
    return __builtin_bswap16(v);
}

static inline uint32_t bswap32(uint32_t v)
{
    return __builtin_bswap32(v);
}

static inline uint64_t bswap64(uint64_t v)
{
    return __builtin_bswap64(v);
}

#endif
