/*
 * fw_cfg on x86 I/O ports: selector (0x510, 16-bit), data (0x511, 8-bit) and
 * the DMA address register (0x514, 64-bit big-endian, written as two 32-bit
 * halves; writing the low half starts the transfer).
 */
#include "hw/core/fw_cfg.h"
#include "hw/isa/isa.h"
#include "system/memory.h"
#include "util/error.h"

#define FW_CFG_ID_TRADITIONAL 1u
#define FW_CFG_ID_DMA 2u
#define FW_CFG_NUM_KEYS 0x4000 /* per space (generic / arch-local) */
#define FW_CFG_DMA_SIGNATURE 0x51454d5520434647ULL /* "QEMU CFG" */

enum {
    FW_CFG_DMA_CTL_ERROR = 0x01,
    FW_CFG_DMA_CTL_READ = 0x02,
    FW_CFG_DMA_CTL_SKIP = 0x04,
    FW_CFG_DMA_CTL_SELECT = 0x08,
    FW_CFG_DMA_CTL_WRITE = 0x10,
};

typedef struct FWCfgItem {
    uint8_t *data;
    uint32_t len;
} FWCfgItem;

struct FWCfgState {
    ISADevice parent;
    uint32_t iobase;
    bool dma_enabled;
    MemoryRegion comb_io, dma_io;
    FWCfgItem *items[2]; /* generic keys, then arch-local keys */
    uint16_t cur_key;
    uint32_t cur_offset;
    uint64_t dma_addr;
    uint8_t *file_dir; /* be32 count + entries */
    uint32_t file_count;
};

typedef struct FWCfgFileEntry {
    uint32_t size;   /* big endian */
    uint16_t select; /* big endian */
    uint16_t reserved;
    char name[FW_CFG_FILE_NAME_MAX];
} FWCfgFileEntry;

static FWCfgItem *item_for(FWCfgState *s, uint16_t key)
{
    unsigned space = (key & FW_CFG_ARCH_LOCAL) ? 1 : 0;
    unsigned index = key & (FW_CFG_NUM_KEYS - 1);

    if ((key & ~FW_CFG_ARCH_LOCAL) >= FW_CFG_NUM_KEYS) {
        return NULL;
    }
    return &s->items[space][index];
}

void fw_cfg_add_bytes(FWCfgState *s, uint16_t key, const void *data, size_t len)
{
    FWCfgItem *item = item_for(s, key);

    g_assert(item && len <= UINT32_MAX);
    g_free(item->data);
    item->data = g_memdup2(data, len);
    item->len = len;
}

void fw_cfg_add_i16(FWCfgState *s, uint16_t key, uint16_t value)
{
    uint16_t le = GUINT16_TO_LE(value);
    fw_cfg_add_bytes(s, key, &le, sizeof(le));
}

void fw_cfg_add_i32(FWCfgState *s, uint16_t key, uint32_t value)
{
    uint32_t le = GUINT32_TO_LE(value);
    fw_cfg_add_bytes(s, key, &le, sizeof(le));
}

void fw_cfg_add_i64(FWCfgState *s, uint16_t key, uint64_t value)
{
    uint64_t le = GUINT64_TO_LE(value);
    fw_cfg_add_bytes(s, key, &le, sizeof(le));
}

void fw_cfg_add_string(FWCfgState *s, uint16_t key, const char *value)
{
    fw_cfg_add_bytes(s, key, value, strlen(value) + 1);
}

bool fw_cfg_add_file(FWCfgState *s, const char *name, const void *data, size_t len)
{
    FWCfgFileEntry entry = {0};
    size_t dir_len;
    uint32_t count_be;

    if (s->file_count >= FW_CFG_MAX_FILES || strlen(name) >= FW_CFG_FILE_NAME_MAX) {
        return false;
    }
    fw_cfg_add_bytes(s, FW_CFG_FILE_FIRST + s->file_count, data, len);
    entry.size = GUINT32_TO_BE(len);
    entry.select = GUINT16_TO_BE(FW_CFG_FILE_FIRST + s->file_count);
    g_strlcpy(entry.name, name, sizeof(entry.name));
    s->file_count++;

    dir_len = 4 + s->file_count * sizeof(entry);
    s->file_dir = g_realloc(s->file_dir, dir_len);
    count_be = GUINT32_TO_BE(s->file_count);
    memcpy(s->file_dir, &count_be, 4);
    memcpy(s->file_dir + dir_len - sizeof(entry), &entry, sizeof(entry));
    fw_cfg_add_bytes(s, FW_CFG_FILE_DIR, s->file_dir, dir_len);
    return true;
}

static void fw_cfg_select(FWCfgState *s, uint16_t key)
{
    s->cur_key = key;
    s->cur_offset = 0;
}

static uint8_t fw_cfg_read_byte(FWCfgState *s)
{
    FWCfgItem *item = item_for(s, s->cur_key);

    if (!item || s->cur_offset >= item->len) {
        return 0;
    }
    return item->data[s->cur_offset++];
}

/*
 * Selector and data share one two-port region, as on QEMU's x86 machines: a
 * 16-bit write selects an item, byte reads of the second port stream it.
 */
static uint64_t fw_cfg_comb_read(void *opaque, uint64_t addr, unsigned size)
{
    return addr == 1 && size == 1 ? fw_cfg_read_byte(opaque) : 0;
}

static void fw_cfg_comb_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    /* Writes through the data register are not supported (as in QEMU since 2.4). */
    if (addr == 0 && size == 2) {
        fw_cfg_select(opaque, val);
    }
}

static const MemoryRegionOps fw_cfg_comb_ops = {
    .read = fw_cfg_comb_read,
    .write = fw_cfg_comb_write,
    .valid = {.min_access_size = 1, .max_access_size = 2},
    .impl = {.min_access_size = 1, .max_access_size = 2},
};

/* One DMA request: FWCfgDmaAccess {be32 control, be32 length, be64 address} at s->dma_addr. */
static void fw_cfg_dma_transfer(FWCfgState *s)
{
    struct {
        uint32_t control, length;
        uint64_t address;
    } desc;
    uint32_t control, length;
    uint64_t address;
    bool failed = false;

    if (address_space_read(&address_space_memory, s->dma_addr, &desc,
                           sizeof(desc)) != MEMTX_OK) {
        return;
    }
    control = GUINT32_FROM_BE(desc.control);
    length = GUINT32_FROM_BE(desc.length);
    address = GUINT64_FROM_BE(desc.address);

    if (control & FW_CFG_DMA_CTL_SELECT) {
        fw_cfg_select(s, control >> 16);
    }
    if (control & FW_CFG_DMA_CTL_WRITE) {
        failed = true; /* writable items are not offered */
    } else if (control & (FW_CFG_DMA_CTL_READ | FW_CFG_DMA_CTL_SKIP)) {
        FWCfgItem *item = item_for(s, s->cur_key);
        uint32_t avail = item && s->cur_offset < item->len ? item->len - s->cur_offset : 0;
        uint32_t n = MIN(length, avail);

        if (control & FW_CFG_DMA_CTL_READ) {
            /* Past the item's end the guest gets zeros, as with the data register. */
            if (n && address_space_write(&address_space_memory, address,
                                         item->data + s->cur_offset, n) != MEMTX_OK) {
                failed = true;
            }
            for (uint32_t i = n; i < length && !failed; i += 256) {
                static const uint8_t zeros[256];
                if (address_space_write(&address_space_memory, address + i, zeros,
                                        MIN(256u, length - i)) != MEMTX_OK) {
                    failed = true;
                }
            }
        }
        s->cur_offset += n;
    }
    control = GUINT32_TO_BE(failed ? FW_CFG_DMA_CTL_ERROR : 0);
    address_space_write(&address_space_memory, s->dma_addr, &control, 4);
}

static uint64_t fw_cfg_dma_read(void *opaque, uint64_t addr, unsigned size)
{
    /* Reading the register yields the DMA signature, so firmware can probe for it. */
    return (uint32_t)(FW_CFG_DMA_SIGNATURE >> (addr == 0 ? 32 : 0));
}

static void fw_cfg_dma_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    FWCfgState *s = opaque;

    if (addr == 0) {
        s->dma_addr = (val << 32) | (s->dma_addr & 0xffffffffu);
    } else {
        s->dma_addr = (s->dma_addr & ~0xffffffffULL) | (uint32_t)val;
        fw_cfg_dma_transfer(s);
        s->dma_addr = 0;
    }
}

static const MemoryRegionOps fw_cfg_dma_ops = {
    .read = fw_cfg_dma_read,
    .write = fw_cfg_dma_write,
    .endianness = DEVICE_BIG_ENDIAN,
    .valid = {.min_access_size = 4, .max_access_size = 4},
    .impl = {.min_access_size = 4, .max_access_size = 4},
};

static bool fw_cfg_realize(DeviceState *dev, GError **errp)
{
    FWCfgState *s = (FWCfgState *)dev;
    uint32_t id = FW_CFG_ID_TRADITIONAL | (s->dma_enabled ? FW_CFG_ID_DMA : 0);

    s->items[0] = g_new0(FWCfgItem, FW_CFG_NUM_KEYS);
    s->items[1] = g_new0(FWCfgItem, FW_CFG_NUM_KEYS);
    fw_cfg_add_bytes(s, FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_add_i32(s, FW_CFG_ID, id);

    memory_region_init_io(&s->comb_io, &fw_cfg_comb_ops, s, "fwcfg", 2);
    isa_register_ioport(ISA_DEVICE(s), &s->comb_io, s->iobase);
    if (s->dma_enabled) {
        memory_region_init_io(&s->dma_io, &fw_cfg_dma_ops, s, "fwcfg.dma", 8);
        isa_register_ioport(ISA_DEVICE(s), &s->dma_io, s->iobase + 4);
    }
    return true;
}

static void fw_cfg_reset(DeviceState *dev)
{
    FWCfgState *s = (FWCfgState *)dev;
    fw_cfg_select(s, FW_CFG_SIGNATURE);
    s->dma_addr = 0;
}

static const Property fw_cfg_props[] = {
    DEFINE_PROP_U32("iobase", FWCfgState, iobase, 0x510, "selector port; data is iobase+1"),
    DEFINE_PROP_BOOL("dma_enabled", FWCfgState, dma_enabled, true, "DMA interface at iobase+4"),
    DEFINE_PROP_END,
};

static DeviceClass fw_cfg_class = {
    .name = "fw_cfg_io",
    .desc = "QEMU-compatible firmware configuration interface",
    .instance_size = sizeof(FWCfgState),
    .bus_type = BUS_ISA,
    .props = fw_cfg_props,
    .realize = fw_cfg_realize,
    .reset = fw_cfg_reset,
};

MIMIC_INIT(fw_cfg_register)
{
    device_class_register(&fw_cfg_class);
}

FWCfgState *fw_cfg_init_io(uint16_t iobase, bool dma, GError **errp)
{
    DeviceState *dev = device_new("fw_cfg_io", errp);

    if (!dev || !device_set_prop_u64(dev, "iobase", iobase, errp) ||
        !device_set_prop(dev, "dma_enabled", dma ? "on" : "off", errp) ||
        !device_realize(dev, bus_find("isa.0"), errp)) {
        if (dev) {
            device_destroy(dev);
        }
        return NULL;
    }
    return (FWCfgState *)dev;
}
