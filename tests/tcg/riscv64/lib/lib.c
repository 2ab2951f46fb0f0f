/*
 * The test library: UART output, printf, checks, trap dispatch, exit.
 * See test.h.
 */
#include "test.h"

/* ns16550a registers at reg-shift 0 (PC16550D data sheet). */
#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20
#define UART_LSR_DR 0x01
#define UART_RBR 0

unsigned test_failures;
static unsigned test_checks;
static unsigned section_failures;
void (*trap_handler)(TrapFrame *tf);

void uart_putc(char c)
{
    volatile uint8_t *uart = (volatile uint8_t *)UART0_BASE;

    if (c == '\n') {
        uart_putc('\r');
    }
    while (!(uart[UART_LSR] & UART_LSR_THRE)) {
    }
    uart[UART_THR] = (uint8_t)c;
}

char uart_getc(void)
{
    volatile uint8_t *uart = (volatile uint8_t *)UART0_BASE;

    while (!(uart[UART_LSR] & UART_LSR_DR)) {
    }
    return (char)uart[UART_RBR];
}

void uart_puts(const char *s)
{
    while (*s) {
        uart_putc(*s++);
    }
}

void *memset(void *d, int c, size_t n)
{
    volatile uint8_t *p = d;

    while (n--) {
        *p++ = (uint8_t)c;
    }
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    volatile uint8_t *p = d;
    const uint8_t *q = s;

    while (n--) {
        *p++ = *q++;
    }
    return d;
}

static void put_unsigned(uint64_t v, unsigned base, int width, char pad)
{
    char buf[24];
    int n = 0;

    do {
        unsigned d = v % base;
        buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v);
    while (width-- > n) {
        uart_putc(pad);
    }
    while (n) {
        uart_putc(buf[--n]);
    }
}

/* %d %u %x %s %c %p %%, with l/ll and a zero-padded or space-padded width. */
int vprintf(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        int longs = 0, width = 0;
        char pad = ' ';
        uint64_t u;
        int64_t s;

        if (*fmt != '%') {
            uart_putc(*fmt);
            continue;
        }
        fmt++;
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9') {
            width = width * 10 + (*fmt++ - '0');
        }
        while (*fmt == 'l') {
            longs++;
            fmt++;
        }
        switch (*fmt) {
        case 'd':
            s = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
            if (s < 0) {
                uart_putc('-');
                u = -(uint64_t)s;
            } else {
                u = (uint64_t)s;
            }
            put_unsigned(u, 10, width, pad);
            break;
        case 'u':
            u = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            put_unsigned(u, 10, width, pad);
            break;
        case 'x':
            u = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            put_unsigned(u, 16, width, pad);
            break;
        case 'p':
            uart_puts("0x");
            put_unsigned((uint64_t)(uintptr_t)va_arg(ap, void *), 16, 0, '0');
            break;
        case 's':
            uart_puts(va_arg(ap, const char *));
            break;
        case 'c':
            uart_putc((char)va_arg(ap, int));
            break;
        case '%':
            uart_putc('%');
            break;
        default:
            uart_putc('%');
            uart_putc(*fmt);
            break;
        }
    }
    return 0;
}

int printf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    return 0;
}

void check_eq(const char *name, uint64_t got, uint64_t want)
{
    test_checks++;
    if (got != want) {
        test_failures++;
        section_failures++;
        printf("FAIL %s: got 0x%016lx want 0x%016lx\n", name, got, want);
    }
}

void check_true(const char *name, int cond)
{
    test_checks++;
    if (!cond) {
        test_failures++;
        section_failures++;
        printf("FAIL %s\n", name);
    }
}

void test_section(const char *prog, const char *what)
{
    printf("%s: %s %s\n", prog, what, section_failures ? "FAILED" : "ok");
    section_failures = 0;
}

int test_finish(const char *prog)
{
    printf("%s: %u checks, %u failures\n", prog, test_checks, test_failures);
    printf("%s %s\n", test_failures ? "FAIL" : "PASS", prog);
    return test_failures ? (int)(test_failures > 255 ? 255 : test_failures) : 0;
}

void test_exit(int code)
{
    if (code == 0) {
        mmio_write32(SIFIVE_TEST_BASE, 0x5555);
    } else {
        mmio_write32(SIFIVE_TEST_BASE, 0x3333 | ((uint32_t)code << 16));
    }
    for (;;) {
        __asm__ volatile("wfi");
    }
}

void trap_dispatch(TrapFrame *tf);
void trap_dispatch(TrapFrame *tf)
{
    if (trap_handler) {
        trap_handler(tf);
        return;
    }
    printf("FAIL unexpected trap: mcause 0x%lx mepc 0x%lx mtval 0x%lx\n", tf->mcause, tf->mepc,
           tf->mtval);
    test_exit(100);
}
