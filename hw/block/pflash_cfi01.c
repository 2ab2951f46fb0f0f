/*
 * CFI parallel NOR flash with the Intel/Sharp extended command set
 * ("cfi.pflash01"), the flash QEMU's virt machines map for firmware and its
 * variables. Commands follow Intel's "Common Flash Interface" application
 * note AP-646 and the JEDEC CFI query structure (JESD68):
 *
 *   0xff/0x00  read array          0x70  read status register
 *   0x90       read identifier     0x98  CFI query
 *   0x50       clear status        0x10/0x40  word program (+ data)
 *   0x20/0x28  block erase (+ 0xd0 at the block)
 *   0xe8       buffered program (+ count-1, count data writes, 0xd0)
 *   0x60       block lock setup (+ 0x01 lock, 0xd0 unlock, 0x2f lock-down)
 *
 * A bank is bank_width bytes wide and made of bank_width / device_width
 * identical devices side by side, each answering in its own byte lane: in
 * the status, identifier and query modes a device returns its value in the
 * low byte of its lane (zero above). The command is the low byte of a write.
 * Erase blocks and the write buffer are the devices' side by side.
 *
 * Contents come from the "drive" backend (exactly the bank's size) and every
 * program or erase is written back to it at once; without a drive the bank
 * reads as erased and keeps what is programmed until the process ends, as
 * QEMU's does. A read-only drive makes program and erase fail in the status
 * register. Programs and erases complete at once (no busy time); block locks
 * are accepted and not enforced; suspend/resume and the protection registers
 * are left out. Everything goes through the read/write handlers: code can run
 * from the flash, but slowly, and translated code is not dropped when the
 * flash changes under it.
 */
#include "hw/block/pflash_cfi01.h"
#include "block/drive.h"
#include "system/memory.h"
#include "util/error.h"
#include "util/log.h"

enum {
    CMD_READ_ARRAY = 0xff,
    CMD_READ_ARRAY_ALT = 0x00,
    CMD_PROGRAM = 0x40,
    CMD_PROGRAM_ALT = 0x10,
    CMD_ERASE = 0x20,
    CMD_ERASE_ALT = 0x28,
    CMD_CLEAR_STATUS = 0x50,
    CMD_LOCK_SETUP = 0x60,
    CMD_READ_STATUS = 0x70,
    CMD_READ_ID = 0x90,
    CMD_CFI_QUERY = 0x98,
    CMD_WRITE_BUFFER = 0xe8,
    CMD_CONFIRM = 0xd0,
    CMD_LOCK = 0x01,
    CMD_LOCK_DOWN = 0x2f,
};

/*
 * Status register bits (AP-646 "Status Register Definitions"). Operations
 * finish at once, so the state machine always reads ready (QEMU's reads 0
 * after a reset or a clear; firmware that polls for ready works with both).
 */
enum {
    SR_BLOCK_LOCKED = 0x02,
    SR_PROGRAM_ERROR = 0x10,
    SR_ERASE_ERROR = 0x20,
    SR_READY = 0x80,
};

/* A command sequence error sets both error bits. */
#define SR_SEQUENCE_ERROR (SR_PROGRAM_ERROR | SR_ERASE_ERROR)

#define CFI_TABLE_SIZE 0x40
/* Per device: 2^11 bytes of write buffer, as QEMU's table gives. */
#define CFI_WRITE_BUFFER_SHIFT 11

/* Where a buffered program stands. */
typedef enum PFlashBufferPhase {
    BUFFER_COUNT,   /* the next write is the count */
    BUFFER_DATA,    /* writes_left data writes to come */
    BUFFER_CONFIRM, /* the next write must be the confirmation */
} PFlashBufferPhase;

typedef enum PFlashMode {
    MODE_READ_ARRAY,
    MODE_READ_STATUS,
    MODE_READ_ID,
    MODE_CFI_QUERY,
} PFlashMode;

typedef struct PFlashCFI01 {
    DeviceState parent;
    uint64_t addr;
    uint64_t size;
    uint32_t block_size; /* a bank erase block: device block * devices */
    uint8_t bank_width;
    uint8_t device_width;
    uint16_t manufacturer_id;
    uint16_t device_id;
    char *name;
    BlockBackend *blk;

    bool read_only;
    uint8_t *storage; /* NULL while a bank without a drive is still all erased */
    MemoryRegion mmio;
    uint8_t cfi[CFI_TABLE_SIZE];

    PFlashMode mode;
    uint8_t cmd;    /* a multi-write command under way, 0 when none */
    uint8_t status;
    /* CMD_WRITE_BUFFER: the phase, the buffer's window and contents, writes to come. */
    PFlashBufferPhase buffer_phase;
    uint64_t buffer_base;
    uint32_t buffer_size; /* bank bytes: the devices' buffers side by side */
    uint32_t writes_left;
    bool buffer_error;
    uint8_t *buffer;
} PFlashCFI01;

/* ---- contents ---- */

/* The bytes of a size-byte little-endian bus write. */
static void pflash_value_bytes(uint8_t *out, uint64_t value, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        out[i] = value >> (8 * i);
    }
}

/* Write [offset, offset + len) back to the drive, if there is one. */
static bool pflash_persist(PFlashCFI01 *s, uint64_t offset, uint64_t len)
{
    int ret;

    if (!s->blk) {
        return true;
    }
    ret = blk_pwrite(s->blk, offset, len, s->storage + offset, 0);
    if (ret < 0) {
        guest_error_once("%s: writing the flash back to its drive failed: %s", s->name,
                         g_strerror(-ret));
        return false;
    }
    return true;
}

/*
 * A bank without a drive gets its memory at the first program or erase: until
 * then it reads erased, and tens of MiB of 0xff need not be resident.
 */
static uint8_t *pflash_storage(PFlashCFI01 *s)
{
    if (!s->storage) {
        s->storage = g_malloc(s->size);
        memset(s->storage, 0xff, s->size);
    }
    return s->storage;
}

static uint8_t pflash_array_byte(PFlashCFI01 *s, uint64_t offset)
{
    return s->storage ? s->storage[offset] : 0xff;
}

static void pflash_store(PFlashCFI01 *s, uint64_t offset, const void *data, uint64_t len,
                         uint8_t error_bit)
{
    if (s->read_only) {
        s->status |= error_bit | SR_BLOCK_LOCKED;
        return;
    }
    memcpy(pflash_storage(s) + offset, data, len);
    if (!pflash_persist(s, offset, len)) {
        s->status |= error_bit;
    }
}

static void pflash_erase_block(PFlashCFI01 *s, uint64_t offset)
{
    g_autofree uint8_t *erased = g_malloc(s->block_size);

    memset(erased, 0xff, s->block_size);
    pflash_store(s, offset & ~(uint64_t)(s->block_size - 1), erased, s->block_size,
                 SR_ERASE_ERROR);
}

/* ---- reads ---- */

/* What one device answers at its word address in the current non-array mode. */
static uint16_t pflash_device_word(PFlashCFI01 *s, uint64_t word)
{
    switch (s->mode) {
    case MODE_READ_STATUS:
        return s->status;
    case MODE_READ_ID:
        /* Word 2 of each block is its lock status: never locked here. */
        switch (word & 0xff) {
        case 0:
            return s->manufacturer_id;
        case 1:
            return s->device_id;
        default:
            return 0;
        }
    case MODE_CFI_QUERY:
        return word < CFI_TABLE_SIZE ? s->cfi[word] : 0;
    case MODE_READ_ARRAY:
        break;
    }
    return 0;
}

/* One byte of the bus in a non-array mode: the lane of the device it belongs to. */
static uint8_t pflash_mode_byte(PFlashCFI01 *s, uint64_t offset)
{
    unsigned lane_byte = (offset % s->bank_width) % s->device_width;
    uint16_t v = pflash_device_word(s, offset / s->bank_width);

    return lane_byte < 2 ? v >> (8 * lane_byte) : 0;
}

static uint64_t pflash_read(void *opaque, uint64_t offset, unsigned size)
{
    PFlashCFI01 *s = opaque;
    uint64_t v = 0;

    for (unsigned i = 0; i < size; i++) {
        uint8_t b = s->mode == MODE_READ_ARRAY ? pflash_array_byte(s, offset + i)
                                               : pflash_mode_byte(s, offset + i);
        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

/* ---- writes ---- */

static void pflash_enter_status(PFlashCFI01 *s)
{
    s->cmd = 0;
    s->mode = MODE_READ_STATUS;
}

/* A write with no command under way: the start of one. */
static void pflash_command(PFlashCFI01 *s, uint8_t cmd)
{
    switch (cmd) {
    case CMD_READ_ARRAY:
    case CMD_READ_ARRAY_ALT:
        s->mode = MODE_READ_ARRAY;
        break;
    case CMD_PROGRAM:
    case CMD_PROGRAM_ALT:
    case CMD_ERASE:
    case CMD_ERASE_ALT:
    case CMD_LOCK_SETUP:
        s->cmd = cmd == CMD_PROGRAM_ALT ? CMD_PROGRAM : cmd == CMD_ERASE_ALT ? CMD_ERASE : cmd;
        s->mode = MODE_READ_STATUS;
        break;
    case CMD_WRITE_BUFFER:
        /* The extended status (buffer available) is the ready bit: always set. */
        s->cmd = cmd;
        s->buffer_phase = BUFFER_COUNT;
        s->mode = MODE_READ_STATUS;
        break;
    case CMD_CLEAR_STATUS:
        s->status = SR_READY;
        s->mode = MODE_READ_ARRAY;
        break;
    case CMD_READ_STATUS:
        s->mode = MODE_READ_STATUS;
        break;
    case CMD_READ_ID:
        s->mode = MODE_READ_ID;
        break;
    case CMD_CFI_QUERY:
        s->mode = MODE_CFI_QUERY;
        break;
    default:
        log_mask_printf(LOG_GUEST_ERROR, "%s: unknown command 0x%02x\n", s->name, cmd);
        s->mode = MODE_READ_ARRAY;
        break;
    }
}

/* CMD_WRITE_BUFFER: the count, then the data, then the confirmation. */
static void pflash_buffer_write(PFlashCFI01 *s, uint64_t offset, uint64_t value, unsigned size)
{
    uint32_t count;

    switch (s->buffer_phase) {
    case BUFFER_COUNT:
        /* Writes to come, minus one, in the first device's lane. */
        count = (value & ((1u << (8 * s->device_width)) - 1)) + 1;
        if (count > s->buffer_size / s->device_width) {
            s->status |= SR_SEQUENCE_ERROR;
            pflash_enter_status(s);
            return;
        }
        s->writes_left = count;
        s->buffer_error = false;
        s->buffer_base = UINT64_MAX; /* set by the first data write */
        s->buffer_phase = BUFFER_DATA;
        return;
    case BUFFER_DATA:
        if (s->buffer_base == UINT64_MAX) {
            s->buffer_base = offset & ~(uint64_t)(s->buffer_size - 1);
            memcpy(s->buffer, pflash_storage(s) + s->buffer_base, s->buffer_size);
        }
        if (offset < s->buffer_base || offset + size > s->buffer_base + s->buffer_size) {
            s->buffer_error = true; /* outside the buffer's window */
        } else {
            pflash_value_bytes(s->buffer + (offset - s->buffer_base), value, size);
        }
        if (--s->writes_left == 0) {
            s->buffer_phase = BUFFER_CONFIRM;
        }
        return;
    case BUFFER_CONFIRM:
        if ((value & 0xff) != CMD_CONFIRM || s->buffer_error) {
            s->status |= SR_SEQUENCE_ERROR;
        } else {
            pflash_store(s, s->buffer_base, s->buffer, s->buffer_size, SR_PROGRAM_ERROR);
        }
        pflash_enter_status(s);
        return;
    }
}

static void pflash_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    PFlashCFI01 *s = opaque;
    uint8_t data[8];

    switch (s->cmd) {
    case 0:
        pflash_command(s, value);
        return;
    case CMD_PROGRAM:
        pflash_value_bytes(data, value, size);
        pflash_store(s, offset, data, size, SR_PROGRAM_ERROR);
        break;
    case CMD_ERASE:
        if ((value & 0xff) == CMD_CONFIRM) {
            pflash_erase_block(s, offset);
        } else {
            s->status |= SR_SEQUENCE_ERROR;
        }
        break;
    case CMD_LOCK_SETUP:
        if ((value & 0xff) != CMD_LOCK && (value & 0xff) != CMD_CONFIRM &&
            (value & 0xff) != CMD_LOCK_DOWN) {
            s->status |= SR_SEQUENCE_ERROR;
        }
        break;
    case CMD_WRITE_BUFFER:
        pflash_buffer_write(s, offset, value, size);
        return;
    }
    pflash_enter_status(s);
}

static const MemoryRegionOps pflash_ops = {
    .read = pflash_read,
    .write = pflash_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 8},
    .impl = {.min_access_size = 1, .max_access_size = 8},
};

/* ---- the query table ---- */

static void cfi_put16(uint8_t *table, unsigned at, uint16_t v)
{
    table[at] = v;
    table[at + 1] = v >> 8;
}

/* One device's CFI query structure (JESD68 §4), an x16 part like QEMU's. */
static void pflash_build_cfi(PFlashCFI01 *s)
{
    unsigned devices = s->bank_width / s->device_width;
    uint64_t device_block = s->block_size / devices;
    uint8_t *t = s->cfi;

    memcpy(&t[0x10], "QRY", 3);
    cfi_put16(t, 0x13, 0x0001);     /* Intel/Sharp extended command set */
    cfi_put16(t, 0x15, 0x0031);     /* its extended table, below */
    t[0x1b] = 0x45;                 /* Vcc 4.5 .. 5.5 V */
    t[0x1c] = 0x55;
    t[0x1f] = 7;                    /* typical word program 2^7 us */
    t[0x20] = 7;                    /* typical buffer program 2^7 us */
    t[0x21] = 10;                   /* typical block erase 2^10 ms */
    t[0x23] = 4;                    /* maximum = typical * 2^4 */
    t[0x24] = 4;
    t[0x25] = 4;
    t[0x27] = __builtin_ctzll(s->size / devices); /* device size 2^n bytes */
    cfi_put16(t, 0x28, s->device_width == 1 ? 0x0000 : 0x0001); /* x8 or x16 */
    cfi_put16(t, 0x2a, CFI_WRITE_BUFFER_SHIFT);
    t[0x2c] = 1;                    /* one erase block region: */
    cfi_put16(t, 0x2d, s->size / s->block_size - 1); /* its block count - 1 */
    cfi_put16(t, 0x2f, device_block / 256);          /* its block size / 256 */
    memcpy(&t[0x31], "PRI1", 4);    /* extended table version 1.0 */
    t[0x35] = '0';
    t[0x36] = 0x08;                 /* features: block lock */
    t[0x3a] = 0x01;                 /* program after erase suspend */
    t[0x3b] = 0x01;                 /* block status: lock bit */
}

/* ---- device ---- */

static bool pflash_check_geometry(PFlashCFI01 *s, GError **errp)
{
    if (s->bank_width != 1 && s->bank_width != 2 && s->bank_width != 4 && s->bank_width != 8) {
        error_setg(errp, "%s: width=%u: expected 1, 2, 4 or 8 bytes", s->name, s->bank_width);
        return false;
    }
    if ((s->device_width != 1 && s->device_width != 2) || s->device_width > s->bank_width) {
        error_setg(errp, "%s: device-width=%u: expected 1 or 2 bytes, at most width=%u", s->name,
                   s->device_width, s->bank_width);
        return false;
    }
    if (!s->block_size || (s->block_size & (s->block_size - 1)) ||
        s->block_size % (s->bank_width / s->device_width * 256) || !s->size ||
        s->size % s->block_size || s->size / s->block_size > 0x10000 ||
        (s->size & (s->size - 1))) {
        error_setg(errp, "%s: size=%" PRIu64 " and sector-length=%u: the size must be a power "
                   "of 2 and a multiple of the (power of 2) sector length",
                   s->name, s->size, s->block_size);
        return false;
    }
    return true;
}

static bool pflash_load(PFlashCFI01 *s, GError **errp)
{
    int64_t len;
    int ret;

    if (!s->blk) {
        return true;
    }
    len = blk_getlength(s->blk);
    if (len != (int64_t)s->size) {
        error_setg(errp, "%s: the drive has %" PRId64 " bytes but the flash bank %" PRIu64
                   "; make the image exactly that size (e.g. truncate -s %" PRIu64 " FILE)",
                   s->name, len, s->size, s->size);
        return false;
    }
    ret = blk_pread(s->blk, 0, s->size, pflash_storage(s));
    if (ret < 0) {
        error_setg(errp, "%s: reading the flash contents failed: %s", s->name, g_strerror(-ret));
        return false;
    }
    s->read_only = bdrv_is_read_only(blk_bs(s->blk));
    return true;
}

static bool pflash_realize(DeviceState *dev, GError **errp)
{
    PFlashCFI01 *s = (PFlashCFI01 *)dev;

    if (!s->name) {
        s->name = g_strdup("pflash");
    }
    if (!pflash_check_geometry(s, errp)) {
        return false;
    }
    if (s->blk && !drive_attach(s->blk, dev, errp)) {
        return false;
    }
    if (!pflash_load(s, errp)) {
        if (s->blk) {
            drive_detach(s->blk);
        }
        g_clear_pointer(&s->storage, g_free);
        return false;
    }
    s->buffer_size = (s->bank_width / s->device_width) << CFI_WRITE_BUFFER_SHIFT;
    s->buffer = g_malloc(s->buffer_size);
    pflash_build_cfi(s);
    memory_region_init_io(&s->mmio, &pflash_ops, s, s->name, s->size);
    memory_region_add_subregion(get_system_memory(), s->addr, &s->mmio);
    return true;
}

static void pflash_unrealize(DeviceState *dev)
{
    PFlashCFI01 *s = (PFlashCFI01 *)dev;

    memory_region_del_subregion(get_system_memory(), &s->mmio);
    if (s->blk) {
        drive_detach(s->blk);
    }
    g_clear_pointer(&s->storage, g_free);
    g_clear_pointer(&s->buffer, g_free);
}

static void pflash_reset(DeviceState *dev)
{
    PFlashCFI01 *s = (PFlashCFI01 *)dev;

    s->mode = MODE_READ_ARRAY;
    s->cmd = 0;
    s->status = SR_READY;
    s->buffer_phase = BUFFER_COUNT;
    s->writes_left = 0;
}

static void pflash_print_dev(DeviceState *dev, GString *out, int indent)
{
    PFlashCFI01 *s = (PFlashCFI01 *)dev;

    g_string_append_printf(out, "%*smmio 0x%016" PRIx64 "/0x%" PRIx64 "%s\n", indent, "",
                           s->addr, s->size, s->read_only ? " (read-only)" : "");
}

static const Property pflash_props[] = {
    DEFINE_PROP_U64("addr", PFlashCFI01, addr, 0, "MMIO base address"),
    DEFINE_PROP_SIZE("size", PFlashCFI01, size, 32 * MiB, "bank size in bytes"),
    DEFINE_PROP_U32("sector-length", PFlashCFI01, block_size, 256 * KiB,
                    "erase block size of the bank"),
    DEFINE_PROP_U8("width", PFlashCFI01, bank_width, 4, "bank width in bytes"),
    DEFINE_PROP_U8("device-width", PFlashCFI01, device_width, 2,
                   "width of each device in the bank, in bytes"),
    DEFINE_PROP_U16("id0", PFlashCFI01, manufacturer_id, 0x89, "manufacturer id (Intel)"),
    DEFINE_PROP_U16("id1", PFlashCFI01, device_id, 0x18, "device id"),
    DEFINE_PROP_STRING("name", PFlashCFI01, name, NULL, "memory region name"),
    DEFINE_PROP_LINK("drive", "drive", PFlashCFI01, blk, "ID of a -drive or -blockdev"),
    DEFINE_PROP_END,
};

static DeviceClass pflash_class = {
    .name = PFLASH_CFI01_TYPE,
    .desc = "CFI parallel flash, Intel/Sharp command set",
    .category = "storage",
    .instance_size = sizeof(PFlashCFI01),
    .bus_type = BUS_SYSTEM,
    .props = pflash_props,
    .realize = pflash_realize,
    .unrealize = pflash_unrealize,
    .reset = pflash_reset,
    .print_dev = pflash_print_dev,
};

MIMIC_INIT(pflash_cfi01_register)
{
    device_class_register(&pflash_class);
}
