/*
 * The Berkeley Host-Target Interface (HTIF), as spike (riscv-isa-sim fesvr)
 * and QEMU's hw/char/riscv_htif.c provide it to bare-metal programs such as
 * riscv-tests and riscv-pk.
 *
 * tohost and fromhost are 64-bit words in guest RAM, at the addresses of the
 * program's symbols of those names. A command written to tohost is
 *
 *   bits 63:56 device, 55:48 command, 47:0 payload
 *
 *   device 0 (syscall proxy), command 0:
 *       payload bit 0 set:   exit with status payload >> 1 (0 is a pass)
 *       payload bit 0 clear: payload is the address of a "magic memory"
 *                            block of 8 dwords {syscall, a0, a1, a2, ...};
 *                            only SYS_write (64) is carried out
 *   device 1 (console), command 0: getchar, answered in fromhost with
 *       0x100 | char once a character arrives
 *   device 1 (console), command 1: putchar(payload & 0xff), answered with
 *       0x100 | char
 *
 * The host clears tohost once it has taken a command and writes its answer
 * to fromhost as device << 56 | command << 48 | response; the guest clears
 * fromhost after reading it. The guest may write tohost whole or as two
 * 32-bit halves (riscv-tests' write_tohost: low word, then high word), so
 * the command runs when the high half is written, as in QEMU.
 *
 * Deliberate difference from QEMU: an exit status that is a nonzero multiple
 * of 256 exits with 1, so that a failure never reads as success to the shell
 * (as hw/misc/sifive_test.c does). Left out: the syscall proxy's other calls
 * (answered -ENOSYS), spike's block device and multiple queued getchars.
 */
#include "hw/char/htif.h"
#include "chardev/char.h"
#include "system/main-loop.h"
#include "system/memory.h"
#include "util/error.h"
#include "util/log.h"

/* The two halves of each word, as the 32-bit accesses the device implements see them. */
enum {
    HTIF_LO = 0,
    HTIF_HI = 4,
    HTIF_WORD_SIZE = 8,
};

enum {
    HTIF_DEV_SYSCALL = 0,
    HTIF_DEV_CONSOLE = 1,
};

enum {
    HTIF_CONSOLE_CMD_GETC = 0,
    HTIF_CONSOLE_CMD_PUTC = 1,
};

#define HTIF_DEV(v) ((uint8_t)((v) >> 56))
#define HTIF_CMD(v) ((uint8_t)((v) >> 48))
#define HTIF_PAYLOAD(v) ((v)&0xffffffffffffULL)

/* riscv-pk's syscall numbers (the Linux generic ones). */
#define HTIF_SYS_WRITE 64
#define HTIF_ENOSYS 38
#define HTIF_MAGIC_DWORDS 8
/* SYS_write copies in pieces of this size; one call writes at most HTIF_WRITE_MAX bytes. */
#define HTIF_WRITE_CHUNK 256
#define HTIF_WRITE_MAX (1 * MiB)

typedef struct HTIFState {
    DeviceState parent;
    uint64_t tohost_addr;
    uint64_t fromhost_addr; /* 0: no fromhost */
    Chardev *chardev;
    CharFrontend chr;
    MemoryRegion tohost_mr;
    MemoryRegion fromhost_mr;
    uint64_t tohost;
    uint64_t fromhost;
    bool getc_pending; /* a console getchar waits for input */
} HTIFState;

static uint64_t htif_word_read(uint64_t word, uint64_t addr)
{
    return addr == HTIF_HI ? word >> 32 : (uint32_t)word;
}

static uint64_t htif_word_write(uint64_t word, uint64_t addr, uint64_t val)
{
    if (addr == HTIF_HI) {
        return (uint32_t)word | val << 32;
    }
    return (word & ~0xffffffffULL) | (uint32_t)val;
}

static void htif_respond(HTIFState *s, uint64_t cmd, uint64_t resp)
{
    s->fromhost = (cmd >> 48 << 48) | HTIF_PAYLOAD(resp);
}

static void htif_exit(uint64_t payload)
{
    uint64_t status = payload >> 1;

    system_exit_request(status == 0 ? 0 : (status & 0xff) ? (int)(status & 0xff) : 1);
}

/* SYS_write(fd, buf, len) to the console, whatever the fd; returns the count written. */
static uint64_t htif_sys_write(HTIFState *s, uint64_t buf, uint64_t len)
{
    uint8_t chunk[HTIF_WRITE_CHUNK];
    uint64_t done = 0;

    len = MIN(len, HTIF_WRITE_MAX);
    while (done < len) {
        uint64_t n = MIN(len - done, sizeof(chunk));

        if (address_space_read(&address_space_memory, buf + done, chunk, n) != MEMTX_OK) {
            break;
        }
        chr_fe_write_all(&s->chr, chunk, n);
        done += n;
    }
    return done;
}

/* riscv-pk's syscall proxy: the block at addr holds the call; the result replaces its number. */
static void htif_syscall(HTIFState *s, uint64_t addr)
{
    uint64_t magic[HTIF_MAGIC_DWORDS];
    uint64_t ret;

    if (address_space_read(&address_space_memory, addr, magic, sizeof(magic)) != MEMTX_OK) {
        log_mask_printf(LOG_GUEST_ERROR, "htif: syscall block at 0x%" PRIx64 " is not memory\n",
                        addr);
        return;
    }
    for (unsigned i = 0; i < HTIF_MAGIC_DWORDS; i++) {
        magic[i] = GUINT64_FROM_LE(magic[i]);
    }
    if (magic[0] == HTIF_SYS_WRITE) {
        ret = htif_sys_write(s, magic[2], magic[3]);
    } else {
        log_mask_printf(LOG_UNIMP, "htif: syscall %" PRIu64 " not supported\n", magic[0]);
        ret = -(uint64_t)HTIF_ENOSYS;
    }
    ret = GUINT64_TO_LE(ret);
    address_space_write(&address_space_memory, addr, &ret, sizeof(ret));
}

static void htif_command(HTIFState *s, uint64_t cmd)
{
    uint64_t payload = HTIF_PAYLOAD(cmd);
    uint8_t ch;

    /* Taken: the guest may write the next command once it sees tohost clear. */
    s->tohost = 0;
    switch (HTIF_DEV(cmd) << 8 | HTIF_CMD(cmd)) {
    case HTIF_DEV_SYSCALL << 8:
        if (payload & 1) {
            htif_exit(payload);
            return;
        }
        htif_syscall(s, payload);
        /* spike answers a proxied syscall with 1 once its result is in place. */
        htif_respond(s, cmd, 1);
        return;
    case HTIF_DEV_CONSOLE << 8 | HTIF_CONSOLE_CMD_PUTC:
        ch = payload;
        chr_fe_write_all(&s->chr, &ch, 1);
        htif_respond(s, cmd, 0x100 | ch);
        return;
    case HTIF_DEV_CONSOLE << 8 | HTIF_CONSOLE_CMD_GETC:
        /* Answered when a character arrives (htif_receive), as spike's console does. */
        s->getc_pending = true;
        chr_fe_accept_input(&s->chr);
        return;
    default:
        log_mask_printf(LOG_GUEST_ERROR, "htif: unknown device %u command %u ignored\n",
                        HTIF_DEV(cmd), HTIF_CMD(cmd));
    }
}

static uint64_t htif_tohost_read(void *opaque, uint64_t addr, unsigned size)
{
    HTIFState *s = opaque;

    return htif_word_read(s->tohost, addr);
}

static void htif_tohost_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    HTIFState *s = opaque;

    s->tohost = htif_word_write(s->tohost, addr, val);
    /* A zero write is the guest (or the loader) clearing it, not a command. */
    if (addr == HTIF_HI && s->tohost) {
        htif_command(s, s->tohost);
    }
}

static uint64_t htif_fromhost_read(void *opaque, uint64_t addr, unsigned size)
{
    HTIFState *s = opaque;

    return htif_word_read(s->fromhost, addr);
}

static void htif_fromhost_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    HTIFState *s = opaque;

    s->fromhost = htif_word_write(s->fromhost, addr, val);
    if (s->fromhost == 0 && s->getc_pending) {
        chr_fe_accept_input(&s->chr);
    }
}

/* Any size, split or widened by the memory core into the two 32-bit halves, low half first. */
static const MemoryRegionOps htif_tohost_ops = {
    .read = htif_tohost_read,
    .write = htif_tohost_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 8},
    .impl = {.min_access_size = 4, .max_access_size = 4},
};

static const MemoryRegionOps htif_fromhost_ops = {
    .read = htif_fromhost_read,
    .write = htif_fromhost_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 8},
    .impl = {.min_access_size = 4, .max_access_size = 4},
};

/* One character per getchar, and only once the guest has taken the previous answer. */
static int htif_can_receive(void *opaque)
{
    HTIFState *s = opaque;

    return s->getc_pending && s->fromhost == 0;
}

static void htif_receive(void *opaque, const uint8_t *buf, int size)
{
    HTIFState *s = opaque;

    if (size < 1 || !s->getc_pending) {
        return;
    }
    s->getc_pending = false;
    htif_respond(s, (uint64_t)HTIF_DEV_CONSOLE << 56 | (uint64_t)HTIF_CONSOLE_CMD_GETC << 48,
                 0x100 | buf[0]);
}

static void htif_reset(DeviceState *dev)
{
    HTIFState *s = (HTIFState *)dev;

    s->tohost = 0;
    s->fromhost = 0;
    s->getc_pending = false;
}

static bool htif_check_addr(const char *name, uint64_t addr, GError **errp)
{
    if (addr % HTIF_WORD_SIZE) {
        error_setg(errp,
                   "htif: %s at 0x%" PRIx64 " is not 8-byte aligned; put it in an "
                   "aligned section (riscv-tests: .section .tohost with .align 6)",
                   name, addr);
        return false;
    }
    return true;
}

static bool htif_realize(DeviceState *dev, GError **errp)
{
    HTIFState *s = (HTIFState *)dev;
    uint64_t th = s->tohost_addr, fh = s->fromhost_addr;

    if (!htif_check_addr("tohost", th, errp) || (fh && !htif_check_addr("fromhost", fh, errp))) {
        return false;
    }
    if (fh && (fh < th + HTIF_WORD_SIZE && th < fh + HTIF_WORD_SIZE)) {
        error_setg(errp, "htif: tohost (0x%" PRIx64 ") and fromhost (0x%" PRIx64 ") overlap", th,
                   fh);
        return false;
    }
    if (!chr_fe_init(&s->chr, s->chardev, errp)) {
        return false;
    }
    htif_reset(dev);
    chr_fe_set_handlers(&s->chr, htif_can_receive, htif_receive, NULL, s);
    /* Above RAM (priority 0): the words are the device's, not memory's. */
    memory_region_init_io(&s->tohost_mr, &htif_tohost_ops, s, "riscv.htif.tohost", HTIF_WORD_SIZE);
    memory_region_add_subregion_overlap(get_system_memory(), th, &s->tohost_mr, 1);
    if (fh) {
        memory_region_init_io(&s->fromhost_mr, &htif_fromhost_ops, s, "riscv.htif.fromhost",
                              HTIF_WORD_SIZE);
        memory_region_add_subregion_overlap(get_system_memory(), fh, &s->fromhost_mr, 1);
    }
    return true;
}

static void htif_unrealize(DeviceState *dev)
{
    HTIFState *s = (HTIFState *)dev;

    memory_region_del_subregion(get_system_memory(), &s->tohost_mr);
    if (s->fromhost_addr) {
        memory_region_del_subregion(get_system_memory(), &s->fromhost_mr);
    }
    chr_fe_deinit(&s->chr);
}

static void htif_print_dev(DeviceState *dev, GString *out, int indent)
{
    HTIFState *s = (HTIFState *)dev;

    g_string_append_printf(out, "%*stohost 0x%016" PRIx64 " fromhost 0x%016" PRIx64 "\n", indent,
                           "", s->tohost_addr, s->fromhost_addr);
}

static const Property htif_props[] = {
    DEFINE_PROP_U64("tohost", HTIFState, tohost_addr, 0, "address of the tohost word"),
    DEFINE_PROP_U64("fromhost", HTIFState, fromhost_addr, 0,
                    "address of the fromhost word (0: none)"),
    DEFINE_PROP_LINK("chardev", "chardev", HTIFState, chardev, "ID of a chardev (the console)"),
    DEFINE_PROP_END,
};

static DeviceClass htif_class = {
    .name = HTIF_TYPE,
    .desc = "Berkeley Host-Target Interface: exit and console through tohost/fromhost",
    .category = "misc",
    .instance_size = sizeof(HTIFState),
    .bus_type = BUS_SYSTEM,
    .props = htif_props,
    .realize = htif_realize,
    .unrealize = htif_unrealize,
    .reset = htif_reset,
    .print_dev = htif_print_dev,
};

DeviceState *htif_create(uint64_t tohost_addr, uint64_t fromhost_addr, Chardev *chr, GError **errp)
{
    DeviceState *dev = device_new(HTIF_TYPE, errp);

    if (!dev) {
        return NULL;
    }
    if (!device_set_prop_u64(dev, "tohost", tohost_addr, errp) ||
        !device_set_prop_u64(dev, "fromhost", fromhost_addr, errp) ||
        (chr && !device_set_prop_link(dev, "chardev", chr, errp)) ||
        !device_realize(dev, sysbus_get_default(), errp)) {
        device_destroy(dev);
        return NULL;
    }
    return dev;
}

MIMIC_INIT(htif_register)
{
    device_class_register(&htif_class);
}
