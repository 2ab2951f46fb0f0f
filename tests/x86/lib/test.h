/*
 * The test-program library's interface: what a program (one file, one
 * behaviour) sees. A program defines test_name[] and test_main(); the library
 * enters long mode, brings up COM1, an IDT and the multiboot data, calls
 * test_main(), and reports PASS if it returns.
 *
 * Convention (tests/functional/test_x86_programs.py relies on it): a program
 * prints its own lines, then "PASS" on a line of its own and writes 0 to
 * isa-debug-exit at port 0xf4 (process exit status 1); on failure it prints
 * "FAIL: <reason>" and writes 1 (exit status 3).
 */
#ifndef TESTS_X86_LIB_TEST_H
#define TESTS_X86_LIB_TEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "x86.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Provided by each program. */
extern const char test_name[];
void test_main(void);

/* Results. */
#define DEBUG_EXIT_PORT 0xf4
void test_pass(void) __attribute__((noreturn));
void test_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void debug_exit(uint32_t code) __attribute__((noreturn));
void halt_forever(void) __attribute__((noreturn));

/* Output (COM1, polled). "\n" goes out as "\r\n". */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
void serial_init(void);
void serial_putc(char c);
void serial_flush(void);

/* Freestanding string functions (gcc may also emit calls to the mem* ones). */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* What the multiboot loader told us, copied out of its structure at entry. */
#define BOOT_CMDLINE_MAX 256
#define BOOT_MMAP_MAX 32
#define BOOT_MODULES_MAX 8

struct boot_mmap_entry {
    uint64_t addr;
    uint64_t len;
    uint32_t type; /* 1 = available RAM */
};

struct boot_module {
    uint32_t start;
    uint32_t end;
    char cmdline[64];
};

struct boot_params {
    char cmdline[BOOT_CMDLINE_MAX];
    bool has_mem;
    uint32_t mem_lower_kb;
    uint32_t mem_upper_kb;
    int nr_mmap;
    struct boot_mmap_entry mmap[BOOT_MMAP_MAX];
    int nr_modules;
    struct boot_module modules[BOOT_MODULES_MAX];
};

extern struct boot_params boot;

void multiboot_parse(uint32_t magic, uint32_t info_addr);
/* Value of "key=value" on the command line; false if the key is absent. */
bool cmdline_get(const char *key, char *buf, size_t size);
/* Decimal or 0x-hex value of "key=N"; dflt if absent, test_fail() if malformed. */
uint64_t cmdline_get_uint(const char *key, uint64_t dflt);
/* True if [addr, addr+len) is available RAM in the memory map, or if there is no map. */
bool boot_range_is_ram(uint64_t addr, uint64_t len);

#endif
