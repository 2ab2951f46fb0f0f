/*
 * The 16550A UART (National Semiconductor PC16550D data sheet, June 1995).
 *
 * Modelled: the register file with the divisor latch behind LCR.DLAB, the
 * 16-byte receive FIFO with its trigger levels and the character timeout
 * indication, the interrupt identification priorities of table IV
 * (line status > received data / timeout > THR empty > modem status),
 * loopback (MCR bit 4) wiring MCR's outputs to MSR's inputs, break
 * reception, and the scratch register.
 *
 * Left out: baud-rate timing on transmit (a byte written to THR goes to the
 * chardev at once and THR is empty again straight away), the transmit FIFO
 * (it never holds anything), parity and framing errors (a chardev cannot
 * produce them), DMA mode signalling, and real modem lines (outside loopback
 * the port reports DCD, DSR and CTS asserted, as QEMU does without a tty).
 */
#include "hw/char/serial.h"
#include "util/error.h"
#include "util/log.h"

/* Register offsets (table II). DLAB selects DLL/DLM at 0 and 1. */
enum {
    UART_RBR = 0, /* read: receiver buffer */
    UART_THR = 0, /* write: transmitter holding */
    UART_DLL = 0, /* DLAB: divisor latch low */
    UART_IER = 1,
    UART_DLM = 1, /* DLAB: divisor latch high */
    UART_IIR = 2, /* read */
    UART_FCR = 2, /* write */
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
    UART_MSR = 6,
    UART_SCR = 7,
};

#define UART_IER_RDI 0x01  /* received data available (and timeout) */
#define UART_IER_THRI 0x02 /* THR empty */
#define UART_IER_RLSI 0x04 /* receiver line status */
#define UART_IER_MSI 0x08  /* modem status */

#define UART_IIR_NO_INT 0x01
#define UART_IIR_ID_MASK 0x0f
#define UART_IIR_MSI 0x00
#define UART_IIR_THRI 0x02
#define UART_IIR_RDI 0x04
#define UART_IIR_RLSI 0x06
#define UART_IIR_CTI 0x0c /* character timeout */
#define UART_IIR_FIFO_ENABLED 0xc0

#define UART_FCR_FE 0x01  /* FIFO enable */
#define UART_FCR_RFR 0x02 /* receiver FIFO reset (self-clearing) */
#define UART_FCR_XFR 0x04 /* transmitter FIFO reset (self-clearing) */
#define UART_FCR_DMS 0x08 /* DMA mode select */
#define UART_FCR_ITL_SHIFT 6

#define UART_LCR_WLS_MASK 0x03 /* word length - 5 */
#define UART_LCR_STB 0x04      /* two stop bits */
#define UART_LCR_PEN 0x08      /* parity enable */
#define UART_LCR_DLAB 0x80

#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10
#define UART_MCR_MASK 0x1f

#define UART_LSR_DR 0x01   /* data ready */
#define UART_LSR_OE 0x02   /* overrun error */
#define UART_LSR_PE 0x04   /* parity error */
#define UART_LSR_FE 0x08   /* framing error */
#define UART_LSR_BI 0x10   /* break interrupt */
#define UART_LSR_THRE 0x20 /* THR empty */
#define UART_LSR_TEMT 0x40 /* transmitter empty */
#define UART_LSR_INT_ANY (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)

#define UART_MSR_DCTS 0x01
#define UART_MSR_DDSR 0x02
#define UART_MSR_TERI 0x04 /* trailing edge of RI */
#define UART_MSR_DDCD 0x08
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI 0x40
#define UART_MSR_DCD 0x80
#define UART_MSR_DELTA_MASK 0x0f

/* The PC's 1.8432 MHz crystal divided by 16: the baud rate at divisor 1. */
#define UART_BASE_BAUD 115200

/* ---- receive FIFO ---- */

static void fifo_reset(SerialFifo *f)
{
    f->head = 0;
    f->num = 0;
}

static bool fifo_push(SerialFifo *f, uint8_t ch)
{
    if (f->num == UART_FIFO_LENGTH) {
        return false;
    }
    f->data[(f->head + f->num) % UART_FIFO_LENGTH] = ch;
    f->num++;
    return true;
}

static uint8_t fifo_pop(SerialFifo *f)
{
    uint8_t ch;

    if (f->num == 0) {
        return 0;
    }
    ch = f->data[f->head];
    f->head = (f->head + 1) % UART_FIFO_LENGTH;
    f->num--;
    return ch;
}

static bool serial_fifo_enabled(const SerialState *s)
{
    return s->fcr & UART_FCR_FE;
}

/* ---- interrupts ---- */

/* Table IV: one source is reported at a time, the highest priority first. */
static void serial_update_irq(SerialState *s)
{
    uint8_t id = UART_IIR_NO_INT;

    if ((s->ier & UART_IER_RLSI) && (s->lsr & UART_LSR_INT_ANY)) {
        id = UART_IIR_RLSI;
    } else if ((s->ier & UART_IER_RDI) && s->timeout_ipending) {
        id = UART_IIR_CTI;
    } else if ((s->ier & UART_IER_RDI) && (s->lsr & UART_LSR_DR) &&
               (!serial_fifo_enabled(s) || s->recv_fifo.num >= s->recv_trigger)) {
        id = UART_IIR_RDI;
    } else if ((s->ier & UART_IER_THRI) && s->thr_ipending) {
        id = UART_IIR_THRI;
    } else if ((s->ier & UART_IER_MSI) && (s->msr & UART_MSR_DELTA_MASK)) {
        id = UART_IIR_MSI;
    }
    s->iir = (s->iir & UART_IIR_FIFO_ENABLED) | id;
    irq_set(s->irq, id != UART_IIR_NO_INT);
}

/* One character on the line: start bit, data bits, parity, stop bits. */
static int64_t serial_char_time_ns(const SerialState *s)
{
    unsigned bits = 1 + 5 + (s->lcr & UART_LCR_WLS_MASK) + !!(s->lcr & UART_LCR_PEN) +
                    ((s->lcr & UART_LCR_STB) ? 2 : 1);
    unsigned divider = s->divider ? s->divider : 1;

    return (int64_t)bits * divider * NANOSECONDS_PER_SECOND / UART_BASE_BAUD;
}

/*
 * Character timeout (section 8.6.3): data sits in the RX FIFO and nothing was
 * received or read for four character times.
 */
static void serial_arm_timeout(SerialState *s)
{
    timer_mod(&s->fifo_timeout_timer,
              clock_get_ns(QEMU_CLOCK_VIRTUAL) + 4 * serial_char_time_ns(s));
}

static void serial_timeout_expired(void *opaque)
{
    SerialState *s = opaque;

    if (s->recv_fifo.num) {
        s->timeout_ipending = true;
        serial_update_irq(s);
    }
}

/* ---- modem lines ---- */

/*
 * MSR's upper nibble is the state of CTS, DSR, RI and DCD; in loopback they are
 * wired to RTS, DTR, OUT1 and OUT2 (section 8.7). The lower nibble records changes
 * until MSR is read.
 */
static void serial_update_msr(SerialState *s)
{
    uint8_t old = s->msr, now, delta = 0;

    if (s->mcr & UART_MCR_LOOP) {
        now = ((s->mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0) |
              ((s->mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0) |
              ((s->mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0) |
              ((s->mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0);
    } else {
        now = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
    }
    if ((old ^ now) & UART_MSR_CTS) {
        delta |= UART_MSR_DCTS;
    }
    if ((old ^ now) & UART_MSR_DSR) {
        delta |= UART_MSR_DDSR;
    }
    if ((old & UART_MSR_RI) && !(now & UART_MSR_RI)) {
        delta |= UART_MSR_TERI;
    }
    if ((old ^ now) & UART_MSR_DCD) {
        delta |= UART_MSR_DDCD;
    }
    s->msr = now | (old & UART_MSR_DELTA_MASK) | delta;
}

/* ---- receive path ---- */

static void serial_receive_byte(SerialState *s, uint8_t ch)
{
    if (serial_fifo_enabled(s)) {
        /* A full FIFO: the new character is lost and OE is set (section 8.4). */
        if (!fifo_push(&s->recv_fifo, ch)) {
            s->lsr |= UART_LSR_OE;
        }
        serial_arm_timeout(s);
    } else {
        if (s->lsr & UART_LSR_DR) {
            s->lsr |= UART_LSR_OE;
        }
        s->rbr = ch;
    }
    s->lsr |= UART_LSR_DR;
}

static int serial_can_receive(void *opaque)
{
    SerialState *s = opaque;

    if (s->mcr & UART_MCR_LOOP) {
        return 0; /* the serial input is disconnected in loopback */
    }
    if (serial_fifo_enabled(s)) {
        return UART_FIFO_LENGTH - s->recv_fifo.num;
    }
    return !(s->lsr & UART_LSR_DR);
}

static void serial_receive(void *opaque, const uint8_t *buf, int size)
{
    SerialState *s = opaque;

    if (s->mcr & UART_MCR_LOOP) {
        return;
    }
    for (int i = 0; i < size; i++) {
        serial_receive_byte(s, buf[i]);
    }
    serial_update_irq(s);
}

static void serial_event(void *opaque, ChrEvent event)
{
    SerialState *s = opaque;

    if (event != CHR_EVENT_BREAK || (s->mcr & UART_MCR_LOOP)) {
        return;
    }
    /* A break arrives as a zero character with LSR.BI (section 8.4, bit 4). */
    serial_receive_byte(s, 0);
    s->lsr |= UART_LSR_BI;
    serial_update_irq(s);
}

/* ---- register access ---- */

static void serial_write_thr(SerialState *s, uint8_t ch)
{
    s->thr_ipending = false;
    if (s->mcr & UART_MCR_LOOP) {
        serial_receive_byte(s, ch);
    } else {
        /* With no chardev the frontend swallows the byte. */
        chr_fe_write_all(&s->chr, &ch, 1);
    }
    /* Transmission is instantaneous: THR and the shift register are empty again. */
    s->lsr |= UART_LSR_THRE | UART_LSR_TEMT;
    s->thr_ipending = true;
}

static void serial_write_fcr(SerialState *s, uint8_t val)
{
    static const unsigned trigger_levels[4] = {1, 4, 8, 14};

    /* Changing FCR0 clears both FIFOs (section 8.5). */
    if ((val ^ s->fcr) & UART_FCR_FE) {
        val |= UART_FCR_RFR | UART_FCR_XFR;
    }
    if (val & UART_FCR_RFR) {
        fifo_reset(&s->recv_fifo);
        s->lsr &= ~(UART_LSR_DR | UART_LSR_BI);
        s->timeout_ipending = false;
        timer_del(&s->fifo_timeout_timer);
    }
    if (val & UART_FCR_XFR) {
        s->lsr |= UART_LSR_THRE | UART_LSR_TEMT;
        s->thr_ipending = true;
    }
    /* The other bits only take when FCR0 is written as 1 along with them. */
    if (val & UART_FCR_FE) {
        s->fcr = val & (UART_FCR_FE | UART_FCR_DMS | (3 << UART_FCR_ITL_SHIFT));
        s->recv_trigger = trigger_levels[val >> UART_FCR_ITL_SHIFT];
        s->iir |= UART_IIR_FIFO_ENABLED;
    } else {
        s->fcr = 0;
        s->recv_trigger = 1;
        s->iir &= ~UART_IIR_FIFO_ENABLED;
    }
}

static void serial_write_ier(SerialState *s, uint8_t val)
{
    uint8_t changed = (s->ier ^ val) & 0x0f;

    s->ier = val & 0x0f;
    /*
     * Enabling ETBEI while THR is empty raises the THRE interrupt even if it was
     * acknowledged before (16550 behaviour that Linux's THRE test and Windows rely on).
     */
    if ((changed & UART_IER_THRI) && (s->ier & UART_IER_THRI) && (s->lsr & UART_LSR_THRE)) {
        s->thr_ipending = true;
    }
}

static void serial_write_mcr(SerialState *s, uint8_t val)
{
    bool was_loop = s->mcr & UART_MCR_LOOP;

    s->mcr = val & UART_MCR_MASK;
    serial_update_msr(s);
    if (was_loop && !(s->mcr & UART_MCR_LOOP)) {
        chr_fe_accept_input(&s->chr);
    }
}

static void serial_write_reg(SerialState *s, unsigned reg, uint8_t val)
{
    bool dlab = s->lcr & UART_LCR_DLAB;

    switch (reg) {
    case UART_THR:
        if (dlab) {
            s->divider = (s->divider & 0xff00) | val;
            return;
        }
        serial_write_thr(s, val);
        break;
    case UART_IER:
        if (dlab) {
            s->divider = (s->divider & 0x00ff) | (val << 8);
            return;
        }
        serial_write_ier(s, val);
        break;
    case UART_FCR:
        serial_write_fcr(s, val);
        break;
    case UART_LCR:
        s->lcr = val;
        return;
    case UART_MCR:
        serial_write_mcr(s, val);
        break;
    case UART_LSR:
    case UART_MSR:
        /* Factory test registers on the 16550; writes are ignored. */
        log_mask_printf(LOG_GUEST_ERROR, "serial: write 0x%02x to read-only register %u\n", val,
                        reg);
        return;
    case UART_SCR:
        s->scr = val;
        return;
    }
    serial_update_irq(s);
}

static uint8_t serial_read_rbr(SerialState *s)
{
    uint8_t ch;

    if (serial_fifo_enabled(s)) {
        ch = fifo_pop(&s->recv_fifo);
        s->timeout_ipending = false;
        if (s->recv_fifo.num) {
            serial_arm_timeout(s);
        } else {
            s->lsr &= ~(UART_LSR_DR | UART_LSR_BI);
            timer_del(&s->fifo_timeout_timer);
        }
    } else {
        ch = s->rbr;
        s->lsr &= ~(UART_LSR_DR | UART_LSR_BI);
    }
    serial_update_irq(s);
    if (!(s->mcr & UART_MCR_LOOP)) {
        chr_fe_accept_input(&s->chr);
    }
    return ch;
}

static uint8_t serial_read_reg(SerialState *s, unsigned reg)
{
    bool dlab = s->lcr & UART_LCR_DLAB;
    uint8_t ret;

    switch (reg) {
    case UART_RBR:
        return dlab ? s->divider & 0xff : serial_read_rbr(s);
    case UART_IER:
        return dlab ? s->divider >> 8 : s->ier;
    case UART_IIR:
        ret = s->iir;
        /* Reading IIR while it reports THRE acknowledges that source (table IV). */
        if ((ret & UART_IIR_ID_MASK) == UART_IIR_THRI) {
            s->thr_ipending = false;
            serial_update_irq(s);
        }
        return ret;
    case UART_LCR:
        return s->lcr;
    case UART_MCR:
        return s->mcr;
    case UART_LSR:
        ret = s->lsr;
        /* The error bits clear when LSR is read (section 8.6.3). */
        if (s->lsr & UART_LSR_INT_ANY) {
            s->lsr &= ~UART_LSR_INT_ANY;
            serial_update_irq(s);
        }
        return ret;
    case UART_MSR:
        ret = s->msr;
        if (s->msr & UART_MSR_DELTA_MASK) {
            s->msr &= ~UART_MSR_DELTA_MASK;
            serial_update_irq(s);
        }
        return ret;
    case UART_SCR:
        return s->scr;
    }
    return 0xff;
}

static uint64_t serial_io_read(void *opaque, uint64_t addr, unsigned size)
{
    return serial_read_reg(opaque, addr & 7);
}

static void serial_io_write(void *opaque, uint64_t addr, uint64_t data, unsigned size)
{
    serial_write_reg(opaque, addr & 7, data);
}

const MemoryRegionOps serial_io_ops = {
    .read = serial_io_read,
    .write = serial_io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 4, .unaligned = true},
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

/*
 * Memory-mapped: with regshift 0 the registers are packed and a wide access
 * covers several of them, byte by byte; with regshift n each register owns a
 * 1 << n byte slot and only the slot's first byte means anything.
 */
static uint64_t serial_mm_read(void *opaque, uint64_t addr, unsigned size)
{
    SerialState *s = opaque;
    uint64_t val = 0;

    if (s->regshift == 0) {
        for (unsigned i = 0; i < size && addr + i < 8; i++) {
            val |= (uint64_t)serial_read_reg(s, addr + i) << (8 * i);
        }
        return val;
    }
    if (addr & ((1u << s->regshift) - 1)) {
        return 0;
    }
    return serial_read_reg(s, (addr >> s->regshift) & 7);
}

static void serial_mm_write(void *opaque, uint64_t addr, uint64_t data, unsigned size)
{
    SerialState *s = opaque;

    if (s->regshift == 0) {
        for (unsigned i = 0; i < size && addr + i < 8; i++) {
            serial_write_reg(s, addr + i, data >> (8 * i));
        }
        return;
    }
    if (addr & ((1u << s->regshift) - 1)) {
        return;
    }
    serial_write_reg(s, (addr >> s->regshift) & 7, data);
}

const MemoryRegionOps serial_mm_ops = {
    .read = serial_mm_read,
    .write = serial_mm_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 1, .max_access_size = 4},
};

/* ---- lifecycle ---- */

void serial_reset(SerialState *s)
{
    s->rbr = 0;
    s->ier = 0;
    s->iir = UART_IIR_NO_INT;
    s->fcr = 0;
    s->lcr = 0;
    s->mcr = UART_MCR_OUT2;
    s->lsr = UART_LSR_TEMT | UART_LSR_THRE;
    s->msr = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
    s->scr = 0;
    s->divider = 0x0c; /* 9600 baud, what a PC BIOS leaves behind */
    fifo_reset(&s->recv_fifo);
    s->recv_trigger = 1;
    s->thr_ipending = false;
    s->timeout_ipending = false;
    timer_del(&s->fifo_timeout_timer);
    irq_lower(s->irq);
}

bool serial_realize_core(SerialState *s, const MemoryRegionOps *ops, const char *owner_name,
                         GError **errp)
{
    if (s->regshift > 4) {
        error_setg(errp, "%s: regshift %u is too large (at most 4)", owner_name, s->regshift);
        return false;
    }
    if (!chr_fe_init(&s->chr, s->chardev, errp)) {
        return false;
    }
    timer_init(&s->fifo_timeout_timer, QEMU_CLOCK_VIRTUAL, serial_timeout_expired, s);
    /* Registers must be sane before the chardev may hand over held-back input. */
    serial_reset(s);
    chr_fe_set_handlers(&s->chr, serial_can_receive, serial_receive, serial_event, s);
    memory_region_init_io(&s->io, ops, s, owner_name, 8u << s->regshift);
    return true;
}

void serial_unrealize_core(SerialState *s)
{
    timer_del(&s->fifo_timeout_timer);
    chr_fe_deinit(&s->chr);
    memory_region_destroy(&s->io);
}
