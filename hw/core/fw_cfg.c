/*
 * fw_cfg, QEMU's firmware configuration device (docs/specs/fw_cfg.rst in
 * QEMU's tree): numbered items and a directory of named files, read through a
 * selector and a data register, or copied to guest memory by DMA. One item
 * store, two register interfaces:
 *
 *   fw_cfg_io (x86 I/O ports)        fw_cfg_mem (MMIO, riscv virt)
 *   iobase+0  selector, 16-bit LE    +0x00  data, 1 to 8 bytes at a time
 *   iobase+1  data, 8-bit            +0x08  selector, 16-bit big-endian
 *   iobase+4  DMA address            +0x10  DMA address
 *
 * The DMA address register is 64-bit big-endian, written whole or as two
 * 32-bit halves (high first); writing its low half starts the transfer, and
 * reading it yields the "QEMU CFG" signature. A wide read of the MMIO data
 * register returns the next bytes of the item in stream order. Past an
 * item's end the guest reads zeros. Writing items is not offered (as in
 * QEMU since 2.4).
 *
 * Every instance carries the signature, the interface id, the boot-fail-wait
 * file and the user's -fw_cfg files; machines add the rest.
 */
#include "hw/core/fw_cfg.h"
#include "hw/isa/isa.h"
#include "system/memory.h"
#include "util/error.h"
#include "util/option.h"

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

/* The MMIO interface's registers. */
enum {
    FW_CFG_MEM_DATA = 0x00,
    FW_CFG_MEM_SELECTOR = 0x08,
    FW_CFG_MEM_DMA = 0x10,
    FW_CFG_MEM_SIZE = 0x18,
};

typedef struct FWCfgItem {
    uint8_t *data;
    uint32_t len;
} FWCfgItem;

/* The item store and the transfer state, shared by both interfaces. */
struct FWCfgState {
    bool dma_enabled;
    FWCfgItem *items[2]; /* generic keys, then arch-local keys */
    uint16_t cur_key;
    uint32_t cur_offset;
    uint64_t dma_addr;
    uint8_t *file_dir; /* be32 count + entries */
    uint32_t file_count;
};

typedef struct FWCfgIoState {
    ISADevice parent;
    FWCfgState cfg;
    uint32_t iobase;
    MemoryRegion comb_io, dma_io;
} FWCfgIoState;

typedef struct FWCfgMemState {
    DeviceState parent;
    FWCfgState cfg;
    uint64_t addr;
    MemoryRegion container, data_mr, selector_mr, dma_mr;
} FWCfgMemState;

typedef struct FWCfgFileEntry {
    uint32_t size;   /* big endian */
    uint16_t select; /* big endian */
    uint16_t reserved;
    char name[FW_CFG_FILE_NAME_MAX];
} FWCfgFileEntry;

/* A -fw_cfg file, kept until the device exists. */
typedef struct FWCfgUserFile {
    char *name;
    uint8_t *data;
    size_t len;
} FWCfgUserFile;

static GPtrArray *user_files;

/* ---- the item store ---- */

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

static bool fw_cfg_has_file(FWCfgState *s, const char *name)
{
    const FWCfgFileEntry *entries = (const FWCfgFileEntry *)(s->file_dir + 4);

    for (uint32_t i = 0; i < s->file_count; i++) {
        if (strncmp(entries[i].name, name, FW_CFG_FILE_NAME_MAX) == 0) {
            return true;
        }
    }
    return false;
}

bool fw_cfg_add_file(FWCfgState *s, const char *name, const void *data, size_t len)
{
    FWCfgFileEntry entry = {0};
    size_t dir_len;
    uint32_t count_be;

    if (s->file_count >= FW_CFG_MAX_FILES || strlen(name) >= FW_CFG_FILE_NAME_MAX ||
        fw_cfg_has_file(s, name)) {
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

/* The items every instance has, QEMU's fw_cfg_common_realize() set. */
static bool fw_cfg_init_items(FWCfgState *s, GError **errp)
{
    uint32_t id = FW_CFG_ID_TRADITIONAL | (s->dma_enabled ? FW_CFG_ID_DMA : 0);
    uint32_t boot_fail_wait = GUINT32_TO_LE((uint32_t)-1); /* -boot reboot-timeout: none */

    s->items[0] = g_new0(FWCfgItem, FW_CFG_NUM_KEYS);
    s->items[1] = g_new0(FWCfgItem, FW_CFG_NUM_KEYS);
    s->file_dir = g_malloc0(4);
    fw_cfg_add_bytes(s, FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_add_i32(s, FW_CFG_ID, id);
    fw_cfg_add_file(s, "etc/boot-fail-wait", &boot_fail_wait, sizeof(boot_fail_wait));
    for (guint i = 0; user_files && i < user_files->len; i++) {
        FWCfgUserFile *f = g_ptr_array_index(user_files, i);

        if (!fw_cfg_add_file(s, f->name, f->data, f->len)) {
            error_setg(errp, "-fw_cfg name=%s: the name is taken or the directory is full "
                       "(%d files at most)", f->name, FW_CFG_MAX_FILES);
            return false;
        }
    }
    return true;
}

/* ---- the transfer state ---- */

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

static void fw_cfg_reset_state(FWCfgState *s)
{
    fw_cfg_select(s, FW_CFG_SIGNATURE);
    s->dma_addr = 0;
}

/* Zeros to guest memory, for reads past an item's end. */
static bool fw_cfg_dma_zero(uint64_t address, uint32_t len)
{
    static const uint8_t zeros[256];

    for (uint32_t i = 0; i < len; i += sizeof(zeros)) {
        if (address_space_write(&address_space_memory, address + i, zeros,
                                MIN((uint32_t)sizeof(zeros), len - i)) != MEMTX_OK) {
            return false;
        }
    }
    return true;
}

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

    if (address_space_read(&address_space_memory, s->dma_addr, &desc, sizeof(desc)) !=
        MEMTX_OK) {
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
            failed = (n && address_space_write(&address_space_memory, address,
                                               item->data + s->cur_offset, n) != MEMTX_OK) ||
                     !fw_cfg_dma_zero(address + n, length - n);
        }
        s->cur_offset += n;
    }
    control = GUINT32_TO_BE(failed ? FW_CFG_DMA_CTL_ERROR : 0);
    address_space_write(&address_space_memory, s->dma_addr, &control, 4);
}

/* The DMA address register, the same on both interfaces (big-endian). */
static uint64_t fw_cfg_dma_read(void *opaque, uint64_t addr, unsigned size)
{
    /* The signature, so firmware can probe for DMA. */
    return size == 8 ? FW_CFG_DMA_SIGNATURE : (uint32_t)(FW_CFG_DMA_SIGNATURE >> (addr ? 0 : 32));
}

static void fw_cfg_dma_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    FWCfgState *s = opaque;

    if (size == 4 && addr == 0) {
        s->dma_addr = (val << 32) | (s->dma_addr & 0xffffffffu);
        return;
    }
    if (size == 4) {
        s->dma_addr = (s->dma_addr & ~0xffffffffULL) | (uint32_t)val;
    } else if (addr == 0) {
        s->dma_addr = val;
    } else {
        return; /* an 8-byte access must be aligned */
    }
    fw_cfg_dma_transfer(s);
    s->dma_addr = 0;
}

static const MemoryRegionOps fw_cfg_dma_ops = {
    .read = fw_cfg_dma_read,
    .write = fw_cfg_dma_write,
    .endianness = DEVICE_BIG_ENDIAN,
    .valid = {.min_access_size = 4, .max_access_size = 8},
    .impl = {.min_access_size = 4, .max_access_size = 8},
};

/* ---- x86 I/O port interface ---- */

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

static bool fw_cfg_io_realize(DeviceState *dev, GError **errp)
{
    FWCfgIoState *s = (FWCfgIoState *)dev;

    if (!fw_cfg_init_items(&s->cfg, errp)) {
        return false;
    }
    memory_region_init_io(&s->comb_io, &fw_cfg_comb_ops, &s->cfg, "fwcfg", 2);
    isa_register_ioport(ISA_DEVICE(s), &s->comb_io, s->iobase);
    if (s->cfg.dma_enabled) {
        memory_region_init_io(&s->dma_io, &fw_cfg_dma_ops, &s->cfg, "fwcfg.dma", 8);
        isa_register_ioport(ISA_DEVICE(s), &s->dma_io, s->iobase + 4);
    }
    return true;
}

static void fw_cfg_io_reset(DeviceState *dev)
{
    fw_cfg_reset_state(&((FWCfgIoState *)dev)->cfg);
}

static const Property fw_cfg_io_props[] = {
    DEFINE_PROP_U32("iobase", FWCfgIoState, iobase, 0x510, "selector port; data is iobase+1"),
    DEFINE_PROP_BOOL("dma_enabled", FWCfgIoState, cfg.dma_enabled, true,
                     "DMA interface at iobase+4"),
    DEFINE_PROP_END,
};

static DeviceClass fw_cfg_io_class = {
    .name = "fw_cfg_io",
    .desc = "QEMU-compatible firmware configuration interface (I/O ports)",
    .instance_size = sizeof(FWCfgIoState),
    .bus_type = BUS_ISA,
    .props = fw_cfg_io_props,
    .realize = fw_cfg_io_realize,
    .reset = fw_cfg_io_reset,
};

/* ---- MMIO interface ---- */

/* A read of n bytes: the next n bytes of the item, the first one most significant. */
static uint64_t fw_cfg_data_read(void *opaque, uint64_t addr, unsigned size)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < size; i++) {
        v = (v << 8) | fw_cfg_read_byte(opaque);
    }
    return v;
}

static void fw_cfg_ignore_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
}

static uint64_t fw_cfg_selector_read(void *opaque, uint64_t addr, unsigned size)
{
    return 0;
}

static void fw_cfg_selector_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    fw_cfg_select(opaque, val);
}

/* Big-endian: stream order in guest memory for the data, a be16 key for the selector. */
static const MemoryRegionOps fw_cfg_data_ops = {
    .read = fw_cfg_data_read,
    .write = fw_cfg_ignore_write,
    .endianness = DEVICE_BIG_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 8},
    .impl = {.min_access_size = 1, .max_access_size = 8},
};

static const MemoryRegionOps fw_cfg_selector_ops = {
    .read = fw_cfg_selector_read,
    .write = fw_cfg_selector_write,
    .endianness = DEVICE_BIG_ENDIAN,
    .valid = {.min_access_size = 2, .max_access_size = 2},
    .impl = {.min_access_size = 2, .max_access_size = 2},
};

static bool fw_cfg_mem_realize(DeviceState *dev, GError **errp)
{
    FWCfgMemState *s = (FWCfgMemState *)dev;

    s->cfg.dma_enabled = true;
    if (!fw_cfg_init_items(&s->cfg, errp)) {
        return false;
    }
    memory_region_init(&s->container, "fwcfg.mem", FW_CFG_MEM_SIZE);
    memory_region_init_io(&s->data_mr, &fw_cfg_data_ops, &s->cfg, "fwcfg.data", 8);
    memory_region_init_io(&s->selector_mr, &fw_cfg_selector_ops, &s->cfg, "fwcfg.ctl", 2);
    memory_region_init_io(&s->dma_mr, &fw_cfg_dma_ops, &s->cfg, "fwcfg.dma", 8);
    memory_region_add_subregion(&s->container, FW_CFG_MEM_DATA, &s->data_mr);
    memory_region_add_subregion(&s->container, FW_CFG_MEM_SELECTOR, &s->selector_mr);
    memory_region_add_subregion(&s->container, FW_CFG_MEM_DMA, &s->dma_mr);
    memory_region_add_subregion(get_system_memory(), s->addr, &s->container);
    return true;
}

static void fw_cfg_mem_reset(DeviceState *dev)
{
    fw_cfg_reset_state(&((FWCfgMemState *)dev)->cfg);
}

static void fw_cfg_mem_print_dev(DeviceState *dev, GString *out, int indent)
{
    g_string_append_printf(out, "%*smmio 0x%016" PRIx64 "/0x%x\n", indent, "",
                           ((FWCfgMemState *)dev)->addr, FW_CFG_MEM_SIZE);
}

static const Property fw_cfg_mem_props[] = {
    DEFINE_PROP_U64("addr", FWCfgMemState, addr, 0, "MMIO base address"),
    DEFINE_PROP_END,
};

static DeviceClass fw_cfg_mem_class = {
    .name = "fw_cfg_mem",
    .desc = "QEMU-compatible firmware configuration interface (MMIO)",
    .instance_size = sizeof(FWCfgMemState),
    .bus_type = BUS_SYSTEM,
    .props = fw_cfg_mem_props,
    .realize = fw_cfg_mem_realize,
    .reset = fw_cfg_mem_reset,
    .print_dev = fw_cfg_mem_print_dev,
};

MIMIC_INIT(fw_cfg_register)
{
    device_class_register(&fw_cfg_io_class);
    device_class_register(&fw_cfg_mem_class);
}

/* ---- creation and -fw_cfg ---- */

FWCfgState *fw_cfg_init_io(uint16_t iobase, bool dma, GError **errp)
{
    g_autofree char *port = g_strdup_printf("%u", iobase);
    DeviceState *dev = device_create_with_props("fw_cfg_io", bus_find("isa.0"), errp, "iobase",
                                                 port, "dma_enabled", dma ? "on" : "off", NULL);

    return dev ? &((FWCfgIoState *)dev)->cfg : NULL;
}

FWCfgState *fw_cfg_init_mem(uint64_t addr, GError **errp)
{
    g_autofree char *base = g_strdup_printf("%" PRIu64, addr);
    DeviceState *dev = device_create_with_props("fw_cfg_mem", sysbus_get_default(), errp, "addr",
                                                 base, NULL);

    return dev ? &((FWCfgMemState *)dev)->cfg : NULL;
}

static bool fw_cfg_user_file_data(const char *spec, const char *file, const char *string,
                                  FWCfgUserFile *f, GError **errp)
{
    g_autoptr(GError) err = NULL;
    gchar *contents;
    gsize len;

    if (!file == !string) {
        error_setg(errp, "-fw_cfg %s: give exactly one of file=PATH or string=TEXT", spec);
        return false;
    }
    if (string) {
        f->data = (uint8_t *)g_strdup(string);
        f->len = strlen(string); /* without the NUL, as QEMU stores it */
        return true;
    }
    if (!g_file_get_contents(file, &contents, &len, &err)) {
        error_setg(errp, "-fw_cfg %s: %s", spec, err->message);
        return false;
    }
    f->data = (uint8_t *)contents;
    f->len = len;
    return true;
}

bool fw_cfg_add_user_file_from_spec(const char *spec, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse("-fw_cfg", spec, "name", errp);
    const char *name, *file, *string;
    FWCfgUserFile *f;

    if (!kv) {
        return false;
    }
    name = keyval_take(kv, "name");
    file = keyval_take(kv, "file");
    string = keyval_take(kv, "string");
    if (!keyval_check_all_used(kv, "name, file, string", errp)) {
        return false;
    }
    if (!name || !*name || strlen(name) >= FW_CFG_FILE_NAME_MAX) {
        error_setg(errp, "-fw_cfg %s: name= must be 1 to %d characters, e.g. "
                   "name=opt/org.example/config", spec, FW_CFG_FILE_NAME_MAX - 1);
        return false;
    }
    if (!g_str_has_prefix(name, "opt/")) {
        warn_report("-fw_cfg name=%s: names given by users should start with \"opt/\"", name);
    }
    f = g_new0(FWCfgUserFile, 1);
    if (!fw_cfg_user_file_data(spec, file, string, f, errp)) {
        g_free(f);
        return false;
    }
    f->name = g_strdup(name);
    if (!user_files) {
        user_files = g_ptr_array_new();
    }
    g_ptr_array_add(user_files, f);
    return true;
}
