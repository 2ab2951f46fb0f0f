/*
 * "i8042": the PC's 8042 keyboard controller at ports 0x60 (data) and 0x64
 * (status/command), with a PS/2 keyboard on its first port (ISA IRQ 1) and a
 * PS/2 mouse on its auxiliary port (ISA IRQ 12).
 *
 * Follows the IBM PC/AT and PS/2 technical references for the controller
 * commands (controller RAM and command byte, self and interface tests, port
 * enable/disable, output port with the A20 gate and the reset line, writes
 * to either output buffer, writes to the aux device, pulsed output lines) and
 * for the keyboard and mouse command sets, enough for firmware and Linux's
 * i8042, atkbd and psmouse drivers to probe without a timeout.
 *
 * Keys arrive through the input router (system/input.h) as set-1 keycodes
 * and leave as the keyboard's scan code set 2 (or set 1, when the guest
 * selected it or the controller translates).
 *
 * Left out for now: pointer input from the host (the mouse never sends
 * motion packets), scan code set 3 (keys are dropped while it is selected),
 * typematic repeat, IntelliMouse
 * protocol detection (the mouse stays a plain PS/2 mouse, ID 0x00), and
 * the A20 gate's effect on memory (the bit is kept, not applied).
 */
#include "hw/isa/isa.h"
#include "system/input.h"
#include "system/main-loop.h"
#include "util/log.h"

#define I8042_DATA_PORT 0x60
#define I8042_CMD_PORT 0x64
#define I8042_KBD_IRQ 1
#define I8042_AUX_IRQ 12

/* Status register (read at 0x64). */
#define STAT_OBF 0x01      /* output buffer full */
#define STAT_IBF 0x02      /* input buffer full: never, we consume writes at once */
#define STAT_SYS 0x04      /* system flag: self test passed */
#define STAT_CMD 0x08      /* last write was to 0x64 */
#define STAT_UNLOCKED 0x10 /* keyboard not inhibited by the keylock */
#define STAT_AUX_OBF 0x20  /* the output buffer holds an aux byte */

/* Command byte, controller RAM byte 0. */
#define CTR_KBD_INT 0x01
#define CTR_AUX_INT 0x02
#define CTR_SYS 0x04
#define CTR_KBD_DISABLE 0x10
#define CTR_AUX_DISABLE 0x20
#define CTR_XLATE 0x40 /* translate scan code set 2 to set 1 */

/* Output port (0xd0/0xd1). */
#define OUT_RESET 0x01 /* 0 holds the CPU in reset */
#define OUT_A20 0x02
#define OUT_OBF 0x10
#define OUT_AUX_OBF 0x20
#define OUT_DEFAULT (OUT_RESET | OUT_A20 | 0xcc) /* bits 2-3, 6-7: lines idle high */

/* Controller commands (written to 0x64). */
enum {
    CCMD_READ_RAM = 0x20,  /* 0x20-0x3f: read controller RAM byte n; 0x20 = command byte */
    CCMD_WRITE_RAM = 0x60, /* 0x60-0x7f: write controller RAM byte n */
    CCMD_PASSWORD_CHECK = 0xa4,
    CCMD_AUX_DISABLE = 0xa7,
    CCMD_AUX_ENABLE = 0xa8,
    CCMD_AUX_TEST = 0xa9,
    CCMD_SELF_TEST = 0xaa,
    CCMD_KBD_TEST = 0xab,
    CCMD_KBD_DISABLE = 0xad,
    CCMD_KBD_ENABLE = 0xae,
    CCMD_READ_INPUT_PORT = 0xc0,
    CCMD_READ_OUTPUT_PORT = 0xd0,
    CCMD_WRITE_OUTPUT_PORT = 0xd1,
    CCMD_WRITE_KBD_OBUF = 0xd2,
    CCMD_WRITE_AUX_OBUF = 0xd3,
    CCMD_WRITE_AUX = 0xd4,
    CCMD_READ_TEST_INPUTS = 0xe0,
    CCMD_PULSE_BASE = 0xf0, /* 0xf0-0xff: pulse output port bits 0-3 where the command has 0 */
};

/* Replies shared by both PS/2 devices. */
#define PS2_ACK 0xfa
#define PS2_RESEND 0xfe
#define PS2_SELF_TEST_OK 0xaa

/* Keyboard commands. */
enum {
    KBD_CMD_SET_LEDS = 0xed,
    KBD_CMD_ECHO = 0xee,
    KBD_CMD_SCANCODE_SET = 0xf0,
    KBD_CMD_GET_ID = 0xf2,
    KBD_CMD_SET_TYPEMATIC = 0xf3,
    KBD_CMD_ENABLE = 0xf4,
    KBD_CMD_DISABLE = 0xf5, /* and restore defaults */
    KBD_CMD_DEFAULTS = 0xf6,
    KBD_CMD_SET3_FIRST = 0xf7, /* 0xf7-0xfd: scan code set 3 key types */
    KBD_CMD_SET3_LAST = 0xfd,
    KBD_CMD_RESEND = 0xfe,
    KBD_CMD_RESET = 0xff,
};

/* Mouse commands. */
enum {
    AUX_CMD_SCALING_1_1 = 0xe6,
    AUX_CMD_SCALING_2_1 = 0xe7,
    AUX_CMD_SET_RESOLUTION = 0xe8,
    AUX_CMD_STATUS = 0xe9,
    AUX_CMD_STREAM_MODE = 0xea,
    AUX_CMD_READ_DATA = 0xeb,
    AUX_CMD_RESET_WRAP = 0xec,
    AUX_CMD_WRAP = 0xee,
    AUX_CMD_REMOTE_MODE = 0xf0,
    AUX_CMD_GET_ID = 0xf2,
    AUX_CMD_SET_RATE = 0xf3,
    AUX_CMD_ENABLE = 0xf4,
    AUX_CMD_DISABLE = 0xf5,
    AUX_CMD_DEFAULTS = 0xf6,
    AUX_CMD_RESET = 0xff,
};

#define PS2_QUEUE_SIZE 32

typedef struct PS2Queue {
    uint8_t data[PS2_QUEUE_SIZE];
    unsigned rptr;
    unsigned count;
} PS2Queue;

typedef struct PS2Kbd {
    PS2Queue queue;
    uint8_t param_cmd; /* command waiting for its parameter byte, or 0 */
    bool scan_enabled;
    uint8_t scancode_set;
    uint8_t leds;
} PS2Kbd;

typedef struct PS2Mouse {
    PS2Queue queue;
    uint8_t param_cmd;
    bool reporting;
    bool remote;
    bool wrap;
    bool scaling_2_1;
    uint8_t resolution;
    uint8_t sample_rate;
} PS2Mouse;

typedef enum CtrlReply {
    CTRL_REPLY_NONE,
    CTRL_REPLY_KBD, /* appears as keyboard data */
    CTRL_REPLY_AUX, /* appears as aux data (0xd3) */
} CtrlReply;

typedef struct I8042State {
    ISADevice parent;
    uint8_t status;
    uint8_t ram[32]; /* ram[0] is the command byte */
    uint8_t outport;
    uint8_t write_cmd; /* controller command waiting for a data byte at 0x60, or 0 */
    uint8_t obuf;      /* what a read of 0x60 returns */
    CtrlReply ctrl_reply;
    uint8_t ctrl_data;
    PS2Kbd kbd;
    PS2Mouse mouse;
    IrqLine *irq_kbd;
    IrqLine *irq_aux;
    MemoryRegion data_io;
    MemoryRegion cmd_io;
} I8042State;

#define I8042_CTR(s) ((s)->ram[0])

/* ---- PS/2 device queues ---- */

static void ps2_queue_reset(PS2Queue *q)
{
    q->rptr = 0;
    q->count = 0;
}

static void ps2_queue_put(PS2Queue *q, uint8_t b)
{
    if (q->count == PS2_QUEUE_SIZE) {
        return; /* a real device stops clocking; the byte is lost */
    }
    q->data[(q->rptr + q->count) % PS2_QUEUE_SIZE] = b;
    q->count++;
}

static uint8_t ps2_queue_get(PS2Queue *q)
{
    uint8_t b = q->data[q->rptr];

    q->rptr = (q->rptr + 1) % PS2_QUEUE_SIZE;
    q->count--;
    return b;
}

/* ---- output buffer and interrupts ---- */

static void i8042_update_irq(I8042State *s)
{
    bool full = s->status & STAT_OBF;
    bool aux = s->status & STAT_AUX_OBF;

    irq_set(s->irq_kbd, full && !aux && (I8042_CTR(s) & CTR_KBD_INT));
    irq_set(s->irq_aux, full && aux && (I8042_CTR(s) & CTR_AUX_INT));
}

/*
 * Fill an empty output buffer: a controller reply first, then the keyboard,
 * then the mouse. A disabled port keeps its bytes until it is enabled again.
 */
static void i8042_refill(I8042State *s)
{
    if (!(s->status & STAT_OBF)) {
        if (s->ctrl_reply != CTRL_REPLY_NONE) {
            s->obuf = s->ctrl_data;
            s->status |= STAT_OBF | (s->ctrl_reply == CTRL_REPLY_AUX ? STAT_AUX_OBF : 0);
            s->ctrl_reply = CTRL_REPLY_NONE;
        } else if (s->kbd.queue.count && !(I8042_CTR(s) & CTR_KBD_DISABLE)) {
            s->obuf = ps2_queue_get(&s->kbd.queue);
            s->status |= STAT_OBF;
        } else if (s->mouse.queue.count && !(I8042_CTR(s) & CTR_AUX_DISABLE)) {
            s->obuf = ps2_queue_get(&s->mouse.queue);
            s->status |= STAT_OBF | STAT_AUX_OBF;
        }
    }
    i8042_update_irq(s);
}

static void i8042_reply(I8042State *s, uint8_t val, CtrlReply kind)
{
    s->ctrl_data = val;
    s->ctrl_reply = kind;
    i8042_refill(s);
}

/* ---- the PS/2 keyboard ---- */

static void ps2_kbd_defaults(PS2Kbd *k)
{
    k->scancode_set = 2;
    k->leds = 0;
    k->param_cmd = 0;
}

/* What the controller makes of a set-2 byte for the ID and scan-set replies. */
static uint8_t i8042_translate(I8042State *s, uint8_t set2, uint8_t set1)
{
    return (I8042_CTR(s) & CTR_XLATE) ? set1 : set2;
}

static void ps2_kbd_param(I8042State *s, uint8_t cmd, uint8_t val)
{
    PS2Kbd *k = &s->kbd;
    static const uint8_t set_xlated[4] = {0, 0x43, 0x41, 0x3f};

    switch (cmd) {
    case KBD_CMD_SET_LEDS:
        k->leds = val & 7;
        break;
    case KBD_CMD_SET_TYPEMATIC:
        break;
    case KBD_CMD_SCANCODE_SET:
        if (val == 0) {
            ps2_queue_put(&k->queue, PS2_ACK);
            ps2_queue_put(&k->queue,
                          i8042_translate(s, k->scancode_set, set_xlated[k->scancode_set]));
            return;
        }
        if (val <= 3) {
            k->scancode_set = val;
        }
        break;
    }
    ps2_queue_put(&k->queue, PS2_ACK);
}

static void ps2_kbd_write(I8042State *s, uint8_t val)
{
    PS2Kbd *k = &s->kbd;

    if (k->param_cmd) {
        uint8_t cmd = k->param_cmd;
        k->param_cmd = 0;
        ps2_kbd_param(s, cmd, val);
        return;
    }
    switch (val) {
    case KBD_CMD_SET_LEDS:
    case KBD_CMD_SET_TYPEMATIC:
    case KBD_CMD_SCANCODE_SET:
        k->param_cmd = val;
        ps2_queue_put(&k->queue, PS2_ACK);
        break;
    case KBD_CMD_ECHO:
        ps2_queue_put(&k->queue, KBD_CMD_ECHO);
        break;
    case KBD_CMD_GET_ID:
        /* An MF2 keyboard: 0xab 0x83, which the 8042 translates to 0xab 0x41. */
        ps2_queue_put(&k->queue, PS2_ACK);
        ps2_queue_put(&k->queue, 0xab);
        ps2_queue_put(&k->queue, i8042_translate(s, 0x83, 0x41));
        break;
    case KBD_CMD_ENABLE:
        k->scan_enabled = true;
        ps2_queue_put(&k->queue, PS2_ACK);
        break;
    case KBD_CMD_DISABLE:
        ps2_kbd_defaults(k);
        k->scan_enabled = false;
        ps2_queue_put(&k->queue, PS2_ACK);
        break;
    case KBD_CMD_DEFAULTS:
        ps2_kbd_defaults(k);
        ps2_queue_put(&k->queue, PS2_ACK);
        break;
    case KBD_CMD_SET3_FIRST ... KBD_CMD_SET3_LAST:
    case KBD_CMD_RESEND:
        ps2_queue_put(&k->queue, PS2_ACK);
        break;
    case KBD_CMD_RESET:
        ps2_queue_reset(&k->queue);
        ps2_kbd_defaults(k);
        k->scan_enabled = true;
        ps2_queue_put(&k->queue, PS2_ACK);
        ps2_queue_put(&k->queue, PS2_SELF_TEST_OK);
        break;
    default:
        log_mask_printf(LOG_UNIMP, "i8042: keyboard command 0x%02x not supported\n", val);
        ps2_queue_put(&k->queue, PS2_RESEND);
        break;
    }
}

/* ---- the PS/2 mouse ---- */

static void ps2_mouse_defaults(PS2Mouse *m)
{
    m->reporting = false;
    m->remote = false;
    m->scaling_2_1 = false;
    m->resolution = 2; /* 4 counts/mm */
    m->sample_rate = 100;
    m->param_cmd = 0;
}

static void ps2_mouse_write(I8042State *s, uint8_t val)
{
    PS2Mouse *m = &s->mouse;

    /* Wrap (echo) mode returns every byte except the two that leave it. */
    if (m->wrap && val != AUX_CMD_RESET_WRAP && val != AUX_CMD_RESET) {
        ps2_queue_put(&m->queue, val);
        return;
    }
    if (m->param_cmd) {
        if (m->param_cmd == AUX_CMD_SET_RATE) {
            m->sample_rate = val;
        } else {
            m->resolution = val & 3;
        }
        m->param_cmd = 0;
        ps2_queue_put(&m->queue, PS2_ACK);
        return;
    }
    switch (val) {
    case AUX_CMD_SET_RESOLUTION:
    case AUX_CMD_SET_RATE:
        m->param_cmd = val;
        ps2_queue_put(&m->queue, PS2_ACK);
        break;
    case AUX_CMD_SCALING_1_1:
    case AUX_CMD_SCALING_2_1:
        m->scaling_2_1 = val == AUX_CMD_SCALING_2_1;
        ps2_queue_put(&m->queue, PS2_ACK);
        break;
    case AUX_CMD_STATUS:
        ps2_queue_put(&m->queue, PS2_ACK);
        ps2_queue_put(&m->queue, (m->remote ? 0x40 : 0) | (m->reporting ? 0x20 : 0) |
                                     (m->scaling_2_1 ? 0x10 : 0));
        ps2_queue_put(&m->queue, m->resolution);
        ps2_queue_put(&m->queue, m->sample_rate);
        break;
    case AUX_CMD_STREAM_MODE:
    case AUX_CMD_REMOTE_MODE:
        m->remote = val == AUX_CMD_REMOTE_MODE;
        ps2_queue_put(&m->queue, PS2_ACK);
        break;
    case AUX_CMD_READ_DATA:
        /* One packet with no motion and no buttons (bit 3 is always set). */
        ps2_queue_put(&m->queue, PS2_ACK);
        ps2_queue_put(&m->queue, 0x08);
        ps2_queue_put(&m->queue, 0x00);
        ps2_queue_put(&m->queue, 0x00);
        break;
    case AUX_CMD_RESET_WRAP:
    case AUX_CMD_WRAP:
        m->wrap = val == AUX_CMD_WRAP;
        ps2_queue_put(&m->queue, PS2_ACK);
        break;
    case AUX_CMD_GET_ID:
        ps2_queue_put(&m->queue, PS2_ACK);
        ps2_queue_put(&m->queue, 0x00);
        break;
    case AUX_CMD_ENABLE:
    case AUX_CMD_DISABLE:
        m->reporting = val == AUX_CMD_ENABLE;
        ps2_queue_put(&m->queue, PS2_ACK);
        break;
    case AUX_CMD_DEFAULTS:
        ps2_mouse_defaults(m);
        ps2_queue_put(&m->queue, PS2_ACK);
        break;
    case AUX_CMD_RESET:
        ps2_queue_reset(&m->queue);
        ps2_mouse_defaults(m);
        m->wrap = false;
        ps2_queue_put(&m->queue, PS2_ACK);
        ps2_queue_put(&m->queue, PS2_SELF_TEST_OK);
        ps2_queue_put(&m->queue, 0x00); /* device ID */
        break;
    default:
        log_mask_printf(LOG_UNIMP, "i8042: mouse command 0x%02x not supported\n", val);
        ps2_queue_put(&m->queue, PS2_RESEND);
        break;
    }
}

/* ---- the controller ---- */

static void i8042_write_outport(I8042State *s, uint8_t val)
{
    s->outport = val;
    if (!(val & OUT_RESET)) {
        system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
    }
}

static uint8_t i8042_read_outport(I8042State *s)
{
    uint8_t val = s->outport & ~(OUT_OBF | OUT_AUX_OBF);

    if (s->status & STAT_OBF) {
        val |= (s->status & STAT_AUX_OBF) ? OUT_AUX_OBF : OUT_OBF;
    }
    return val;
}

static void i8042_write_command(I8042State *s, uint8_t val)
{
    switch (val) {
    case CCMD_READ_RAM ... CCMD_READ_RAM + 0x1f:
        i8042_reply(s, s->ram[val & 0x1f], CTRL_REPLY_KBD);
        break;
    case CCMD_WRITE_RAM ... CCMD_WRITE_RAM + 0x1f:
    case CCMD_WRITE_OUTPUT_PORT:
    case CCMD_WRITE_KBD_OBUF:
    case CCMD_WRITE_AUX_OBUF:
    case CCMD_WRITE_AUX:
        s->write_cmd = val;
        break;
    case CCMD_PASSWORD_CHECK:
        i8042_reply(s, 0xf1, CTRL_REPLY_KBD); /* no password installed */
        break;
    case CCMD_AUX_DISABLE:
        I8042_CTR(s) |= CTR_AUX_DISABLE;
        break;
    case CCMD_AUX_ENABLE:
        I8042_CTR(s) &= ~CTR_AUX_DISABLE;
        break;
    case CCMD_AUX_TEST:
    case CCMD_KBD_TEST:
        i8042_reply(s, 0x00, CTRL_REPLY_KBD); /* no clock or data line stuck */
        break;
    case CCMD_SELF_TEST:
        s->status |= STAT_SYS;
        s->outport |= OUT_RESET;
        i8042_reply(s, 0x55, CTRL_REPLY_KBD);
        break;
    case CCMD_KBD_DISABLE:
        I8042_CTR(s) |= CTR_KBD_DISABLE;
        break;
    case CCMD_KBD_ENABLE:
        I8042_CTR(s) &= ~CTR_KBD_DISABLE;
        break;
    case CCMD_READ_INPUT_PORT:
        i8042_reply(s, 0x80, CTRL_REPLY_KBD); /* keyboard not inhibited */
        break;
    case CCMD_READ_OUTPUT_PORT:
        i8042_reply(s, i8042_read_outport(s), CTRL_REPLY_KBD);
        break;
    case CCMD_READ_TEST_INPUTS:
        i8042_reply(s, 0x00, CTRL_REPLY_KBD);
        break;
    case CCMD_PULSE_BASE ... 0xff:
        /* A 0 in bit 0 pulses the reset line (0xfe is the classic reboot). */
        if (!(val & OUT_RESET)) {
            system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
        }
        break;
    default:
        log_mask_printf(LOG_UNIMP, "i8042: controller command 0x%02x not supported\n", val);
        break;
    }
    i8042_refill(s);
}

static void i8042_write_data(I8042State *s, uint8_t val)
{
    uint8_t cmd = s->write_cmd;

    s->write_cmd = 0;
    switch (cmd) {
    case 0:
        /* As on real controllers, talking to the keyboard re-enables its port. */
        I8042_CTR(s) &= ~CTR_KBD_DISABLE;
        ps2_kbd_write(s, val);
        break;
    case CCMD_WRITE_RAM ... CCMD_WRITE_RAM + 0x1f:
        s->ram[cmd & 0x1f] = val;
        if (cmd == CCMD_WRITE_RAM) {
            s->status = (s->status & ~STAT_SYS) | (val & CTR_SYS);
        }
        break;
    case CCMD_WRITE_OUTPUT_PORT:
        i8042_write_outport(s, val);
        break;
    case CCMD_WRITE_KBD_OBUF:
        i8042_reply(s, val, CTRL_REPLY_KBD);
        break;
    case CCMD_WRITE_AUX_OBUF:
        i8042_reply(s, val, CTRL_REPLY_AUX);
        break;
    case CCMD_WRITE_AUX:
        ps2_mouse_write(s, val);
        break;
    }
    i8042_refill(s);
}

static uint8_t i8042_read_data(I8042State *s)
{
    uint8_t val = s->obuf;

    if (s->status & STAT_OBF) {
        /* Drop the line before the next byte raises it: edge-triggered PICs need the edge. */
        s->status &= ~(STAT_OBF | STAT_AUX_OBF);
        i8042_update_irq(s);
        i8042_refill(s);
    }
    return val;
}

static uint64_t i8042_data_read(void *opaque, uint64_t addr, unsigned size)
{
    return i8042_read_data(opaque);
}

static void i8042_data_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    I8042State *s = opaque;

    s->status &= ~STAT_CMD;
    i8042_write_data(s, val);
}

static uint64_t i8042_cmd_read(void *opaque, uint64_t addr, unsigned size)
{
    I8042State *s = opaque;

    return s->status;
}

static void i8042_cmd_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    I8042State *s = opaque;

    s->status |= STAT_CMD;
    s->write_cmd = 0;
    i8042_write_command(s, val);
}

static const MemoryRegionOps i8042_data_ops = {
    .read = i8042_data_read,
    .write = i8042_data_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 1},
};

static const MemoryRegionOps i8042_cmd_ops = {
    .read = i8042_cmd_read,
    .write = i8042_cmd_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 1},
};

/* ---- device ---- */

/* ---- host key input ---- */

/*
 * Set-1 make code -> set-2 make code, for the keys of the 84-key layout and
 * F11/F12 (the IBM PS/2 keyboard reference's table; set 2 is what the 8042's
 * translation turns back into set 1). 0: no such key.
 */
static const uint8_t set1_to_set2[0x59] = {
    [0x01] = 0x76, [0x02] = 0x16, [0x03] = 0x1e, [0x04] = 0x26, [0x05] = 0x25, [0x06] = 0x2e,
    [0x07] = 0x36, [0x08] = 0x3d, [0x09] = 0x3e, [0x0a] = 0x46, [0x0b] = 0x45, [0x0c] = 0x4e,
    [0x0d] = 0x55, [0x0e] = 0x66, [0x0f] = 0x0d, [0x10] = 0x15, [0x11] = 0x1d, [0x12] = 0x24,
    [0x13] = 0x2d, [0x14] = 0x2c, [0x15] = 0x35, [0x16] = 0x3c, [0x17] = 0x43, [0x18] = 0x44,
    [0x19] = 0x4d, [0x1a] = 0x54, [0x1b] = 0x5b, [0x1c] = 0x5a, [0x1d] = 0x14, [0x1e] = 0x1c,
    [0x1f] = 0x1b, [0x20] = 0x23, [0x21] = 0x2b, [0x22] = 0x34, [0x23] = 0x33, [0x24] = 0x3b,
    [0x25] = 0x42, [0x26] = 0x4b, [0x27] = 0x4c, [0x28] = 0x52, [0x29] = 0x0e, [0x2a] = 0x12,
    [0x2b] = 0x5d, [0x2c] = 0x1a, [0x2d] = 0x22, [0x2e] = 0x21, [0x2f] = 0x2a, [0x30] = 0x32,
    [0x31] = 0x31, [0x32] = 0x3a, [0x33] = 0x41, [0x34] = 0x49, [0x35] = 0x4a, [0x36] = 0x59,
    [0x37] = 0x7c, [0x38] = 0x11, [0x39] = 0x29, [0x3a] = 0x58, [0x3b] = 0x05, [0x3c] = 0x06,
    [0x3d] = 0x04, [0x3e] = 0x0c, [0x3f] = 0x03, [0x40] = 0x0b, [0x41] = 0x83, [0x42] = 0x0a,
    [0x43] = 0x01, [0x44] = 0x09, [0x45] = 0x77, [0x46] = 0x7e, [0x47] = 0x6c, [0x48] = 0x75,
    [0x49] = 0x7d, [0x4a] = 0x7b, [0x4b] = 0x6b, [0x4c] = 0x73, [0x4d] = 0x74, [0x4e] = 0x79,
    [0x4f] = 0x69, [0x50] = 0x72, [0x51] = 0x7a, [0x52] = 0x70, [0x53] = 0x71, [0x57] = 0x78,
    [0x58] = 0x07,
};

/*
 * Extended keys (0xe0 prefix) share their set-2 code with the unprefixed key
 * (E0 1D -> E0 14), except those with no unprefixed twin: the GUI and menu keys.
 */
static uint8_t i8042_ext_set2(uint8_t code)
{
    switch (code) {
    case 0x5b:
        return 0x1f; /* left GUI */
    case 0x5c:
        return 0x27; /* right GUI */
    case 0x5d:
        return 0x2f; /* menu */
    default:
        return code < sizeof(set1_to_set2) ? set1_to_set2[code] : 0;
    }
}

/*
 * A key from the host (InputKeyHandler). Set 1 breaks with the make code's
 * bit 7; set 2 sends 0xf0 before the make code. The 8042's translation
 * makes set 2 look like set 1, so the guest sees set 1 exactly when the
 * keyboard speaks set 1 or the controller translates.
 */
static void i8042_key_event(void *opaque, int keycode, bool down)
{
    I8042State *s = opaque;
    PS2Kbd *k = &s->kbd;
    bool ext = keycode & INPUT_KEYCODE_EXTENDED;
    uint8_t code = keycode & 0x7f, set2;

    if (!k->scan_enabled || k->scancode_set == 3 || (keycode & ~0x17f)) {
        return;
    }
    set2 = ext ? i8042_ext_set2(code) : (code < sizeof(set1_to_set2) ? set1_to_set2[code] : 0);
    if (!set2) {
        return;
    }
    if (ext) {
        ps2_queue_put(&k->queue, 0xe0);
    }
    if (k->scancode_set == 1 || (I8042_CTR(s) & CTR_XLATE)) {
        ps2_queue_put(&k->queue, down ? code : code | 0x80);
    } else {
        if (!down) {
            ps2_queue_put(&k->queue, 0xf0);
        }
        ps2_queue_put(&k->queue, set2);
    }
    i8042_refill(s);
}

static void i8042_reset(DeviceState *dev)
{
    I8042State *s = (I8042State *)dev;

    memset(s->ram, 0, sizeof(s->ram));
    I8042_CTR(s) = CTR_KBD_INT | CTR_AUX_INT;
    s->status = STAT_CMD | STAT_UNLOCKED;
    s->outport = OUT_DEFAULT;
    s->write_cmd = 0;
    s->obuf = 0;
    s->ctrl_reply = CTRL_REPLY_NONE;
    ps2_queue_reset(&s->kbd.queue);
    ps2_kbd_defaults(&s->kbd);
    s->kbd.scan_enabled = true;
    ps2_queue_reset(&s->mouse.queue);
    ps2_mouse_defaults(&s->mouse);
    s->mouse.wrap = false;
    i8042_update_irq(s);
}

static bool i8042_realize(DeviceState *dev, GError **errp)
{
    I8042State *s = (I8042State *)dev;

    s->irq_kbd = isa_get_irq(&s->parent, I8042_KBD_IRQ);
    s->irq_aux = isa_get_irq(&s->parent, I8042_AUX_IRQ);
    memory_region_init_io(&s->data_io, &i8042_data_ops, s, "i8042-data", 1);
    memory_region_init_io(&s->cmd_io, &i8042_cmd_ops, s, "i8042-cmd", 1);
    isa_register_ioport(&s->parent, &s->data_io, I8042_DATA_PORT);
    isa_register_ioport(&s->parent, &s->cmd_io, I8042_CMD_PORT);
    input_set_keyboard(i8042_key_event, s);
    return true;
}

static void i8042_unrealize(DeviceState *dev)
{
    I8042State *s = (I8042State *)dev;

    input_set_keyboard(NULL, NULL);
    isa_unregister_ioport(&s->parent, &s->data_io);
    isa_unregister_ioport(&s->parent, &s->cmd_io);
    memory_region_destroy(&s->data_io);
    memory_region_destroy(&s->cmd_io);
}

static DeviceClass i8042_class = {
    .name = "i8042",
    .desc = "PS/2 keyboard and mouse controller",
    .category = "input",
    .instance_size = sizeof(I8042State),
    .bus_type = BUS_ISA,
    .realize = i8042_realize,
    .unrealize = i8042_unrealize,
    .reset = i8042_reset,
};

MIMIC_INIT(i8042_register)
{
    device_class_register(&i8042_class);
}
