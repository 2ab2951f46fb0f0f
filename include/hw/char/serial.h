/*
 * The 16550A UART core, shared by the ISA serial port ("isa-serial") and
 * memory-mapped variants (the RISC-V virt machine's ns16550a). A transport
 * embeds a SerialState, fills in irq, chardev and regshift, calls
 * serial_realize_core(), and maps io (initialised by the core with
 * serial_io_ops or serial_mm_ops) where its bus wants it.
 */
#ifndef HW_CHAR_SERIAL_H
#define HW_CHAR_SERIAL_H

#include "core/irq.h"
#include "core/qdev.h"
#include "chardev/char.h"
#include "system/memory.h"
#include "system/timer.h"

#define UART_FIFO_LENGTH 16

typedef struct SerialFifo {
    uint8_t data[UART_FIFO_LENGTH];
    unsigned head;
    unsigned num;
} SerialFifo;

typedef struct SerialState {
    /* Set by the transport before serial_realize_core(). */
    IrqLine *irq;
    Chardev *chardev;  /* NULL: output is dropped, input never comes */
    unsigned regshift; /* serial_mm_ops: register n sits at offset n << regshift */

    /* Registers (PC16550D data sheet names). */
    uint16_t divider;
    uint8_t rbr; /* receive buffer when the FIFOs are off */
    uint8_t ier;
    uint8_t iir; /* bits 7:6 mirror FCR.FIFO_ENABLE; the id is recomputed on each change */
    uint8_t fcr;
    uint8_t lcr;
    uint8_t mcr;
    uint8_t lsr;
    uint8_t msr;
    uint8_t scr;

    SerialFifo recv_fifo;
    unsigned recv_trigger; /* RX FIFO trigger level in bytes: 1, 4, 8 or 14 */
    bool thr_ipending;     /* THRE interrupt condition, cleared by reading IIR or writing THR */
    bool timeout_ipending; /* character timeout indication */
    Timer fifo_timeout_timer;

    CharFrontend chr;
    MemoryRegion io;
} SerialState;

/* Byte-wide port I/O: 8 registers at consecutive addresses. */
extern const MemoryRegionOps serial_io_ops;
/* Memory-mapped: register n at n << s->regshift, 1-4 byte accesses. */
extern const MemoryRegionOps serial_mm_ops;

/*
 * Set up the timer and the chardev frontend, and initialise s->io (8 << regshift
 * bytes) with ops; the caller maps it. owner_name names the region.
 */
bool serial_realize_core(SerialState *s, const MemoryRegionOps *ops, const char *owner_name,
                         GError **errp);
void serial_unrealize_core(SerialState *s);
/* Power-on register values; empties the FIFOs and lowers the interrupt. */
void serial_reset(SerialState *s);

/*
 * "ns16550a" (hw/char/serial-mm.c): wire its interrupt output to irq (an
 * interrupt controller's input line). Call before realizing; unconnected, the
 * UART works without interrupts.
 */
void serial_mm_connect_irq(DeviceState *dev, IrqLine *irq);

/* The PC COM ports: COM1..COM4 = index 0..3. */
#define SERIAL_ISA_MAX_PORTS 4
/*
 * Create and realize "isa-serial" number index (COM1..COM4 defaults for iobase and
 * irq) on the ISA bus, attached to chr (may be NULL).
 */
DeviceState *serial_isa_init(BusState *isa_bus, unsigned index, Chardev *chr, GError **errp);

#endif
