/*
 * printf-lite for the console: %s %c %d %i %u %x %X %p %%, with an optional
 * '0' flag, a width, a precision for %s (%.4s prints an ACPI signature), and
 * the length modifiers l, ll and z. Enough for test reports; no floating point.
 */
#include "test.h"

static void put_str(const char *s, int *count)
{
    while (*s) {
        serial_putc(*s++);
        (*count)++;
    }
}

static void put_uint(uint64_t v, unsigned base, bool upper, bool negative, int width, char pad,
                     int *count)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24];
    int n = 0;

    do {
        buf[n++] = digits[v % base];
        v /= base;
    } while (v);

    if (negative && pad == '0') {
        serial_putc('-');
        (*count)++;
        width--;
    } else if (negative) {
        buf[n++] = '-';
    }
    for (int i = n; i < width; i++) {
        serial_putc(pad);
        (*count)++;
    }
    while (n) {
        serial_putc(buf[--n]);
        (*count)++;
    }
}

int vprintf(const char *fmt, va_list ap)
{
    int count = 0;

    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            serial_putc(*fmt);
            count++;
            continue;
        }
        fmt++;

        char pad = ' ';
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        int width = 0;
        while (*fmt >= '0' && *fmt <= '9') {
            width = width * 10 + (*fmt++ - '0');
        }
        int precision = -1;
        if (*fmt == '.') {
            precision = 0;
            fmt++;
            while (*fmt >= '0' && *fmt <= '9') {
                precision = precision * 10 + (*fmt++ - '0');
            }
        }
        int longs = 0;
        while (*fmt == 'l' || *fmt == 'z') {
            longs++;
            fmt++;
        }

        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
            uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
            put_uint(mag, 10, false, v < 0, width, pad, &count);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
            put_uint(v, *fmt == 'u' ? 10 : 16, *fmt == 'X', false, width, pad, &count);
            break;
        }
        case 'p':
            put_str("0x", &count);
            put_uint((uintptr_t)va_arg(ap, void *), 16, false, false, width, pad, &count);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s) {
                s = "(null)";
            }
            for (int i = 0; s[i] && (precision < 0 || i < precision); i++) {
                serial_putc(s[i]);
                count++;
            }
            break;
        }
        case 'c':
            serial_putc((char)va_arg(ap, int));
            count++;
            break;
        case '%':
            serial_putc('%');
            count++;
            break;
        case '\0':
            return count;
        default:
            serial_putc('%');
            serial_putc(*fmt);
            count += 2;
            break;
        }
    }
    return count;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}
