/*
 * serial: 16550 register behaviour on COM1 (PC16550D data sheet): scratch
 * register, divisor latch behind LCR.DLAB, FIFO enable visible in IIR bits
 * 7:6, loopback (MCR bit 4: THR feeds RBR and sets LSR.DR), and the THR-empty
 * interrupt identification. Interrupts stay disabled at the CPU; only the
 * UART's own identification is checked. Nothing is printed while the UART is
 * reprogrammed or looped back; the console is restored before each report.
 */
#include "serial.h"
#include "test.h"

const char test_name[] = "serial";

#define COM1(reg) (COM1_BASE + (reg))

static void check(bool ok, const char *what, uint8_t got, uint8_t want)
{
    if (!ok) {
        serial_init();
        test_fail("%s: read 0x%02x, expected 0x%02x", what, got, want);
    }
}

static void test_scratch(void)
{
    static const uint8_t patterns[] = {0x00, 0xff, 0x5a, 0xa5, 0x01, 0x80};

    for (size_t i = 0; i < ARRAY_SIZE(patterns); i++) {
        outb(COM1(UART_SCR), patterns[i]);
        uint8_t v = inb(COM1(UART_SCR));
        check(v == patterns[i], "scratch register", v, patterns[i]);
    }
    printf("serial: scratch register round-trips %zu patterns\n", ARRAY_SIZE(patterns));
}

static void test_divisor_latch(void)
{
    serial_flush();
    outb(COM1(UART_LCR), UART_LCR_DLAB | UART_LCR_8N1);
    outb(COM1(UART_DLL), 0x34);
    outb(COM1(UART_DLM), 0x12);
    uint8_t lcr = inb(COM1(UART_LCR));
    uint8_t dll = inb(COM1(UART_DLL));
    uint8_t dlm = inb(COM1(UART_DLM));
    outb(COM1(UART_LCR), UART_LCR_8N1);
    /* With DLAB clear, offset 1 is IER again, still 0 from serial_init(). */
    uint8_t ier = inb(COM1(UART_IER));
    serial_init();

    check(lcr == (UART_LCR_DLAB | UART_LCR_8N1), "LCR with DLAB set", lcr,
          UART_LCR_DLAB | UART_LCR_8N1);
    check(dll == 0x34, "divisor latch low (DLAB=1)", dll, 0x34);
    check(dlm == 0x12, "divisor latch high (DLAB=1)", dlm, 0x12);
    check(ier == 0, "IER after clearing DLAB", ier, 0);
    printf("serial: divisor latch 0x1234 round-trips behind LCR.DLAB\n");
}

static void test_fifo_bits(void)
{
    serial_flush();
    outb(COM1(UART_FCR), 0);
    uint8_t off = inb(COM1(UART_IIR));
    outb(COM1(UART_FCR), UART_FCR_ENABLE | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
    uint8_t on = inb(COM1(UART_IIR));
    serial_init();

    check((off & UART_IIR_FIFO_MASK) == 0, "IIR bits 7:6 with FIFOs off", off, 0);
    check((on & UART_IIR_FIFO_MASK) == UART_IIR_FIFO_MASK, "IIR bits 7:6 with FIFOs on", on,
          UART_IIR_FIFO_MASK);
    printf("serial: FCR FIFO enable reflected in IIR (off 0x%02x, on 0x%02x)\n", off, on);
}

static bool wait_lsr(uint8_t bit)
{
    for (int i = 0; i < 1000000; i++) {
        if (inb(COM1(UART_LSR)) & bit) {
            return true;
        }
        cpu_relax();
    }
    return false;
}

static void test_loopback(void)
{
    static const uint8_t bytes[] = {0x55, 0xaa, 0x00, 0xff, 'm', 'i', 'm', 'c'};
    uint8_t got[ARRAY_SIZE(bytes)];
    uint8_t lsr_before, lsr_dr[ARRAY_SIZE(bytes)];
    size_t n;

    serial_flush();
    outb(COM1(UART_MCR), UART_MCR_LOOP | UART_MCR_DTR | UART_MCR_RTS);
    /* Drain anything the host may have typed, so the receiver starts empty. */
    for (int i = 0; i < 64 && (inb(COM1(UART_LSR)) & UART_LSR_DR); i++) {
        inb(COM1(UART_RBR));
    }
    lsr_before = inb(COM1(UART_LSR));

    /* One byte at a time: each must arrive before the next is sent. */
    for (n = 0; n < ARRAY_SIZE(bytes); n++) {
        outb(COM1(UART_THR), bytes[n]);
        if (!wait_lsr(UART_LSR_DR)) {
            break;
        }
        lsr_dr[n] = inb(COM1(UART_LSR));
        got[n] = inb(COM1(UART_RBR));
    }
    uint8_t lsr_after = inb(COM1(UART_LSR));
    serial_init();

    check(!(lsr_before & UART_LSR_DR), "LSR before loopback transmit (DR must be clear)",
          lsr_before, lsr_before & ~UART_LSR_DR);
    if (n < ARRAY_SIZE(bytes)) {
        test_fail("loopback: byte %zu (0x%02x) written to THR never set LSR.DR", n, bytes[n]);
    }
    for (size_t i = 0; i < n; i++) {
        check(lsr_dr[i] & UART_LSR_DR, "LSR after loopback byte", lsr_dr[i],
              lsr_dr[i] | UART_LSR_DR);
        check(got[i] == bytes[i], "RBR in loopback", got[i], bytes[i]);
    }
    check(!(lsr_after & UART_LSR_DR), "LSR after reading every byte (DR must be clear)", lsr_after,
          lsr_after & ~UART_LSR_DR);
    printf("serial: loopback returned %zu bytes on RBR with LSR.DR set\n", n);
}

static void test_thre_interrupt(void)
{
    serial_flush();
    uint8_t idle = inb(COM1(UART_IIR));
    outb(COM1(UART_IER), UART_IER_THRI);
    uint8_t pending = inb(COM1(UART_IIR));
    /* Reading IIR while it reports THRE clears that interrupt (16550D table IV). */
    uint8_t after_read = inb(COM1(UART_IIR));
    outb(COM1(UART_IER), 0);
    serial_init();

    check((idle & UART_IIR_ID_MASK) == UART_IIR_NO_INT, "IIR with IER=0", idle,
          (idle & ~UART_IIR_ID_MASK) | UART_IIR_NO_INT);
    check((pending & UART_IIR_ID_MASK) == UART_IIR_THRI, "IIR after IER.ETBEI with THR empty",
          pending, (pending & ~UART_IIR_ID_MASK) | UART_IIR_THRI);
    check((after_read & UART_IIR_ID_MASK) == UART_IIR_NO_INT, "IIR after reading the THRE id",
          after_read, (after_read & ~UART_IIR_ID_MASK) | UART_IIR_NO_INT);
    printf("serial: THRE interrupt identified (IIR 0x%02x, then 0x%02x)\n", pending, after_read);
}

void test_main(void)
{
    /* IRQ 4 may be raised below; keep it away from the CPU. */
    cli();
    outb(0x21, 0xff);
    outb(0xa1, 0xff);

    test_scratch();
    test_divisor_latch();
    test_fifo_bits();
    test_loopback();
    test_thre_interrupt();
}
