/*
 * The 16550A UART behind "isa-serial": reset values, the divisor latch,
 * loopback, the interrupt identification priorities and IRQ line, the RX
 * FIFO trigger level and character timeout, overrun and break, and a port
 * without a chardev. COM1 has a capturing test chardev; COM2 has none.
 */
#include "hw/char/serial.h"
#include "hw/isa/isa.h"
#include "chardev/char.h"
#include "system/memory.h"
#include "system/timer.h"
#include "util/error.h"

#define COM1 0x3f8
#define COM2 0x2f8

enum {
    RBR = 0,
    THR = 0,
    DLL = 0,
    IER = 1,
    DLM = 1,
    IIR = 2,
    FCR = 2,
    LCR = 3,
    MCR = 4,
    LSR = 5,
    MSR = 6,
    SCR = 7
};

static int irq_level[ISA_NUM_IRQS];
static GByteArray *chr_output;
static Chardev *test_chr;
static DeviceState *com1;
static BusState *isa_bus;

static void isa_irq_handler(void *opaque, int n, int level)
{
    irq_level[n] = level;
}

/* ---- a chardev that records what the UART sends ---- */

static bool capture_open(Chardev *chr, KeyValList *opts, GError **errp)
{
    return true;
}

static int capture_write(Chardev *chr, const uint8_t *buf, int len)
{
    g_byte_array_append(chr_output, buf, len);
    return len;
}

static const ChardevClass capture_class = {
    .name = "test-capture",
    .instance_size = sizeof(Chardev),
    .open = capture_open,
    .write = capture_write,
};

/* Bytes arriving from the host side, as the chardev layer would deliver them. */
static int host_can_send(void)
{
    return test_chr->fe->can_read(test_chr->fe->opaque);
}

static void host_send(const char *bytes)
{
    test_chr->fe->read(test_chr->fe->opaque, (const uint8_t *)bytes, strlen(bytes));
}

/* ---- port access ---- */

static uint8_t inb(uint16_t port)
{
    uint8_t v;
    g_assert_cmpint(address_space_read(&address_space_io, port, &v, 1), ==, MEMTX_OK);
    return v;
}

static void outb(uint16_t port, uint8_t v)
{
    g_assert_cmpint(address_space_write(&address_space_io, port, &v, 1), ==, MEMTX_OK);
}

static void com1_reset(void)
{
    device_reset(com1);
    g_byte_array_set_size(chr_output, 0);
}

/* ---- tests ---- */

static void test_reset_values(void)
{
    com1_reset();
    g_assert_cmphex(inb(COM1 + IER), ==, 0x00);
    g_assert_cmphex(inb(COM1 + IIR), ==, 0x01); /* no interrupt, FIFOs off */
    g_assert_cmphex(inb(COM1 + LCR), ==, 0x00);
    g_assert_cmphex(inb(COM1 + MCR), ==, 0x08); /* OUT2 */
    g_assert_cmphex(inb(COM1 + LSR), ==, 0x60); /* THRE | TEMT */
    g_assert_cmphex(inb(COM1 + MSR), ==, 0xb0); /* DCD | DSR | CTS */
    g_assert_cmpint(irq_level[4], ==, 0);
}

static void test_scratch_register(void)
{
    com1_reset();
    for (unsigned v = 0; v < 256; v += 17) {
        outb(COM1 + SCR, v);
        g_assert_cmphex(inb(COM1 + SCR), ==, v);
    }
}

static void test_divisor_latch_behind_dlab(void)
{
    com1_reset();
    outb(COM1 + LCR, 0x83);
    g_assert_cmphex(inb(COM1 + DLL), ==, 0x0c); /* 9600 baud after reset */
    g_assert_cmphex(inb(COM1 + DLM), ==, 0x00);
    outb(COM1 + DLL, 0x34);
    outb(COM1 + DLM, 0x12);
    g_assert_cmphex(inb(COM1 + DLL), ==, 0x34);
    g_assert_cmphex(inb(COM1 + DLM), ==, 0x12);
    g_assert_cmphex(inb(COM1 + LCR), ==, 0x83);
    /* Writing the latch neither transmits nor touches IER. */
    g_assert_cmpuint(chr_output->len, ==, 0);
    outb(COM1 + LCR, 0x03);
    g_assert_cmphex(inb(COM1 + IER), ==, 0x00);
    outb(COM1 + IER, 0x05);
    outb(COM1 + LCR, 0x83);
    g_assert_cmphex(inb(COM1 + DLM), ==, 0x12);
    outb(COM1 + LCR, 0x03);
    g_assert_cmphex(inb(COM1 + IER), ==, 0x05);
}

static void test_transmit_reaches_chardev(void)
{
    com1_reset();
    outb(COM1 + LCR, 0x03);
    for (const char *p = "hello\n"; *p; p++) {
        outb(COM1 + THR, *p);
        g_assert_cmphex(inb(COM1 + LSR) & 0x60, ==, 0x60);
    }
    g_assert_cmpuint(chr_output->len, ==, 6);
    g_assert_cmpmem(chr_output->data, 6, "hello\n", 6);
}

static void test_loopback(void)
{
    static const uint8_t bytes[] = {0x55, 0xaa, 0x00, 0xff, 'm'};

    com1_reset();
    /* What Linux's autoconfig checks: RTS -> CTS and OUT2 -> DCD. */
    outb(COM1 + MCR, 0x10 | 0x0a);
    g_assert_cmphex(inb(COM1 + MSR) & 0xf0, ==, 0x90);
    outb(COM1 + MCR, 0x10 | 0x01 | 0x04); /* DTR -> DSR, OUT1 -> RI */
    g_assert_cmphex(inb(COM1 + MSR) & 0xf0, ==, 0x60);
    g_assert_cmpint(host_can_send(), ==, 0); /* the line input is cut off */

    for (size_t i = 0; i < sizeof(bytes); i++) {
        g_assert_cmphex(inb(COM1 + LSR) & 0x01, ==, 0);
        outb(COM1 + THR, bytes[i]);
        g_assert_cmphex(inb(COM1 + LSR) & 0x01, ==, 0x01);
        g_assert_cmphex(inb(COM1 + RBR), ==, bytes[i]);
    }
    g_assert_cmphex(inb(COM1 + LSR) & 0x01, ==, 0);
    g_assert_cmpuint(chr_output->len, ==, 0); /* nothing left the chip */

    /* Leaving loopback: the modem inputs read as the fixed DCD|DSR|CTS again. */
    outb(COM1 + MCR, 0x08);
    g_assert_cmphex(inb(COM1 + MSR) & 0xf0, ==, 0xb0);
    g_assert_cmpint(host_can_send(), ==, 1);
}

static void test_thre_interrupt(void)
{
    com1_reset();
    outb(COM1 + IER, 0x02);
    g_assert_cmpint(irq_level[4], ==, 1);
    g_assert_cmphex(inb(COM1 + IIR), ==, 0x02);
    /* Reading IIR with THRE identified acknowledges it. */
    g_assert_cmpint(irq_level[4], ==, 0);
    g_assert_cmphex(inb(COM1 + IIR), ==, 0x01);
    /* Re-enabling ETBEI with THR empty raises it again. */
    outb(COM1 + IER, 0x00);
    outb(COM1 + IER, 0x02);
    g_assert_cmphex(inb(COM1 + IIR), ==, 0x02);
    g_assert_cmphex(inb(COM1 + IIR), ==, 0x01);
    /* Each transmitted byte empties THR again and raises THRE. */
    outb(COM1 + THR, 'x');
    g_assert_cmpint(irq_level[4], ==, 1);
    g_assert_cmphex(inb(COM1 + IIR), ==, 0x02);
    g_assert_cmpint(irq_level[4], ==, 0);
    outb(COM1 + IER, 0x00);
}

static void test_fifo_trigger_level(void)
{
    com1_reset();
    outb(COM1 + FCR, 0x81 | 0x06); /* enable, clear both, trigger at 8 bytes */
    g_assert_cmphex(inb(COM1 + IIR), ==, 0xc1);
    outb(COM1 + IER, 0x01);
    g_assert_cmpint(host_can_send(), ==, 16);
    host_send("1234567");
    g_assert_cmpint(host_can_send(), ==, 9);
    g_assert_cmphex(inb(COM1 + LSR) & 0x01, ==, 0x01);
    g_assert_cmphex(inb(COM1 + IIR), ==, 0xc1); /* below the trigger level */
    g_assert_cmpint(irq_level[4], ==, 0);
    host_send("8");
    g_assert_cmphex(inb(COM1 + IIR), ==, 0xc4);
    g_assert_cmpint(irq_level[4], ==, 1);
    for (const char *p = "12345678"; *p; p++) {
        g_assert_cmphex(inb(COM1 + RBR), ==, *p);
    }
    g_assert_cmphex(inb(COM1 + LSR) & 0x01, ==, 0);
    g_assert_cmphex(inb(COM1 + IIR), ==, 0xc1);
    g_assert_cmpint(irq_level[4], ==, 0);
}

static void test_fifo_overrun(void)
{
    com1_reset();
    outb(COM1 + FCR, 0x07);
    outb(COM1 + IER, 0x05); /* RDI | RLSI */
    host_send("0123456789abcdef");
    g_assert_cmpint(host_can_send(), ==, 0);
    g_assert_cmphex(inb(COM1 + LSR) & 0x03, ==, 0x01);
    host_send("X");                             /* no room: lost, OE */
    g_assert_cmphex(inb(COM1 + IIR), ==, 0xc6); /* line status beats received data */
    g_assert_cmphex(inb(COM1 + LSR) & 0x03, ==, 0x03);
    g_assert_cmphex(inb(COM1 + LSR) & 0x02, ==, 0); /* reading LSR cleared OE */
    g_assert_cmphex(inb(COM1 + IIR), ==, 0xc4);
    for (const char *p = "0123456789abcdef"; *p; p++) {
        g_assert_cmphex(inb(COM1 + RBR), ==, *p);
    }
    g_assert_cmphex(inb(COM1 + IIR), ==, 0xc1);
}

static void test_overrun_without_fifo(void)
{
    com1_reset();
    outb(COM1 + IER, 0x07); /* RDI | THRI | RLSI */
    g_assert_cmphex(inb(COM1 + IIR), ==, 0x02);
    g_assert_cmpint(host_can_send(), ==, 1);
    host_send("ab"); /* the second byte overwrites the first */
    g_assert_cmpint(host_can_send(), ==, 0);
    g_assert_cmphex(inb(COM1 + IIR), ==, 0x06);
    g_assert_cmphex(inb(COM1 + LSR), ==, 0x63);
    g_assert_cmphex(inb(COM1 + IIR), ==, 0x04);
    g_assert_cmphex(inb(COM1 + RBR), ==, 'b');
    g_assert_cmphex(inb(COM1 + IIR), ==, 0x01); /* THRE was acknowledged by the first read */
    g_assert_cmpint(irq_level[4], ==, 0);
}

static void test_character_timeout(void)
{
    com1_reset();
    outb(COM1 + LCR, 0x80);
    outb(COM1 + DLL, 0x01); /* 115200 baud: four characters take ~350 us */
    outb(COM1 + LCR, 0x03);
    outb(COM1 + FCR, 0xc7); /* trigger at 14 */
    outb(COM1 + IER, 0x01);
    host_send("abc");
    g_assert_cmphex(inb(COM1 + IIR), ==, 0xc1);

    clock_virtual_start();
    g_usleep(5000);
    timers_run_expired();
    g_assert_cmphex(inb(COM1 + IIR), ==, 0xcc);
    g_assert_cmpint(irq_level[4], ==, 1);
    g_assert_cmphex(inb(COM1 + RBR), ==, 'a');
    /* A read restarts the timeout. */
    g_assert_cmphex(inb(COM1 + IIR), ==, 0xc1);
    g_assert_cmpint(irq_level[4], ==, 0);
    g_usleep(5000);
    timers_run_expired();
    g_assert_cmphex(inb(COM1 + IIR), ==, 0xcc);
    g_assert_cmphex(inb(COM1 + RBR), ==, 'b');
    g_assert_cmphex(inb(COM1 + RBR), ==, 'c');
    g_usleep(5000);
    timers_run_expired();
    g_assert_cmphex(inb(COM1 + IIR), ==, 0xc1); /* empty FIFO: no timeout */
    clock_virtual_stop();
}

static void test_break(void)
{
    com1_reset();
    outb(COM1 + IER, 0x04);
    test_chr->fe->event(test_chr->fe->opaque, CHR_EVENT_BREAK);
    g_assert_cmpint(irq_level[4], ==, 1);
    g_assert_cmphex(inb(COM1 + IIR), ==, 0x06);
    g_assert_cmphex(inb(COM1 + LSR) & 0x11, ==, 0x11); /* BI | DR */
    g_assert_cmphex(inb(COM1 + LSR) & 0x10, ==, 0);
    g_assert_cmphex(inb(COM1 + RBR), ==, 0x00);
    g_assert_cmpint(irq_level[4], ==, 0);
}

static void test_modem_status_interrupt(void)
{
    com1_reset();
    outb(COM1 + IER, 0x08);
    outb(COM1 + MCR, 0x10); /* loopback, all outputs low: CTS/DSR/DCD drop */
    g_assert_cmphex(inb(COM1 + IIR), ==, 0x00);
    g_assert_cmpint(irq_level[4], ==, 1);
    g_assert_cmphex(inb(COM1 + MSR), ==, 0x0b); /* DCTS | DDSR | DDCD */
    g_assert_cmphex(inb(COM1 + IIR), ==, 0x01);
    g_assert_cmpint(irq_level[4], ==, 0);
    outb(COM1 + MCR, 0x08);
}

static void test_port_without_chardev(void)
{
    GError *err = NULL;
    DeviceState *com2 = serial_isa_init(isa_bus, 1, NULL, &err);

    g_assert_no_error(err);
    g_assert_nonnull(com2);
    outb(COM2 + SCR, 0x5a);
    g_assert_cmphex(inb(COM2 + SCR), ==, 0x5a);
    outb(COM2 + IER, 0x02);
    g_assert_cmpint(irq_level[3], ==, 1);
    outb(COM2 + THR, 'z'); /* dropped */
    g_assert_cmphex(inb(COM2 + LSR), ==, 0x60);
    g_assert_cmpuint(chr_output->len, ==, 0);
    g_assert_cmphex(inb(COM2 + IIR), ==, 0x02);
    g_assert_cmpint(irq_level[3], ==, 0);
}

static void test_isa_props(void)
{
    GError *err = NULL;
    DeviceState *dev = device_new("isa-serial", &err);
    g_autofree char *iobase = NULL;

    g_assert_no_error(err);
    g_assert_true(device_set_prop(dev, "irq", "16", NULL));
    g_assert_false(device_realize(dev, isa_bus, &err));
    g_assert_error(err, MIMIC_ERROR, 0);
    g_assert_nonnull(strstr(err->message, "irq=16"));
    g_clear_error(&err);
    device_destroy(dev);

    /* index=-1 takes the next free COM port: COM3 at 0x3e8, IRQ 4. */
    dev = device_new("isa-serial", &err);
    g_assert_true(device_realize(dev, isa_bus, &err));
    g_assert_no_error(err);
    iobase = device_get_prop_string(dev, device_find_prop(dev->klass, "iobase"));
    g_assert_cmpstr(iobase, ==, "1000");
    outb(0x3e8 + SCR, 0x42);
    g_assert_cmphex(inb(0x3e8 + SCR), ==, 0x42);
}

int main(int argc, char **argv)
{
    GError *err = NULL;

    g_test_init(&argc, &argv, NULL);
    memory_map_init();
    isa_bus = isa_bus_new(irq_allocate(isa_irq_handler, NULL, ISA_NUM_IRQS));
    chr_output = g_byte_array_new();
    chardev_class_register(&capture_class);
    test_chr = chardev_new_from_spec("test-capture,id=cap0", &err);
    g_assert_no_error(err);
    com1 = serial_isa_init(isa_bus, 0, test_chr, &err);
    g_assert_no_error(err);

    g_test_add_func("/serial/reset-values", test_reset_values);
    g_test_add_func("/serial/scratch-register", test_scratch_register);
    g_test_add_func("/serial/divisor-latch-behind-dlab", test_divisor_latch_behind_dlab);
    g_test_add_func("/serial/transmit-reaches-chardev", test_transmit_reaches_chardev);
    g_test_add_func("/serial/loopback", test_loopback);
    g_test_add_func("/serial/thre-interrupt", test_thre_interrupt);
    g_test_add_func("/serial/fifo-trigger-level", test_fifo_trigger_level);
    g_test_add_func("/serial/fifo-overrun", test_fifo_overrun);
    g_test_add_func("/serial/overrun-without-fifo", test_overrun_without_fifo);
    g_test_add_func("/serial/character-timeout", test_character_timeout);
    g_test_add_func("/serial/break", test_break);
    g_test_add_func("/serial/modem-status-interrupt", test_modem_status_interrupt);
    g_test_add_func("/serial/port-without-chardev", test_port_without_chardev);
    g_test_add_func("/serial/isa-props", test_isa_props);
    return g_test_run();
}
