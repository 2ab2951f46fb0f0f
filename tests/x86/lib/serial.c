/*
 * The console: COM1 at 0x3f8, 115200 8N1, polled. Every wait on the UART is
 * bounded so that a missing or broken UART costs output, never a hang.
 */
#include "serial.h"
#include "test.h"

#define UART_POLL_LIMIT 1000000

void serial_init(void)
{
    outb(COM1_BASE + UART_IER, 0);
    outb(COM1_BASE + UART_LCR, UART_LCR_DLAB);
    outb(COM1_BASE + UART_DLL, 1);
    outb(COM1_BASE + UART_DLM, 0);
    outb(COM1_BASE + UART_LCR, UART_LCR_8N1);
    outb(COM1_BASE + UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
    outb(COM1_BASE + UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
}

static void serial_wait(uint8_t lsr_bit)
{
    for (int i = 0; i < UART_POLL_LIMIT; i++) {
        if (inb(COM1_BASE + UART_LSR) & lsr_bit) {
            return;
        }
        cpu_relax();
    }
}

static void serial_putc_raw(char c)
{
    serial_wait(UART_LSR_THRE);
    outb(COM1_BASE + UART_THR, (uint8_t)c);
}

void serial_putc(char c)
{
    if (c == '\n') {
        serial_putc_raw('\r');
    }
    serial_putc_raw(c);
}

/* Wait until the transmitter is empty, e.g. before exiting or loopback mode. */
void serial_flush(void)
{
    serial_wait(UART_LSR_TEMT);
}
