/*
 * 16550 UART register map (National Semiconductor PC16550D data sheet,
 * table II), used by the library's console and by the serial test.
 */
#ifndef TESTS_X86_LIB_SERIAL_H
#define TESTS_X86_LIB_SERIAL_H

#include "asm.h"

enum {
    UART_RBR = 0, /* receive buffer (read, DLAB=0) */
    UART_THR = 0, /* transmit holding (write, DLAB=0) */
    UART_DLL = 0, /* divisor latch low (DLAB=1) */
    UART_IER = 1, /* interrupt enable (DLAB=0) */
    UART_DLM = 1, /* divisor latch high (DLAB=1) */
    UART_IIR = 2, /* interrupt identification (read) */
    UART_FCR = 2, /* FIFO control (write) */
    UART_LCR = 3, /* line control */
    UART_MCR = 4, /* modem control */
    UART_LSR = 5, /* line status */
    UART_MSR = 6, /* modem status */
    UART_SCR = 7, /* scratch */
};

#define UART_IER_THRI 0x02
#define UART_IIR_NO_INT 0x01
#define UART_IIR_ID_MASK 0x0f
#define UART_IIR_THRI 0x02
#define UART_IIR_FIFO_MASK 0xc0
#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR_RCVR 0x02
#define UART_FCR_CLEAR_XMIT 0x04
#define UART_LCR_8N1 0x03
#define UART_LCR_DLAB 0x80
#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10
#define UART_LSR_DR 0x01
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

#endif
