/*
 * Multiboot v1 (the Multiboot Specification 0.6.96): find the header in the
 * first 8 KiB, load the image (ELF, or the address fields of the "a.out kludge"),
 * load modules from -initrd (comma-separated "file args" entries), and hand
 * the kernel a boot information block with the memory map and command line.
 * Like QEMU, the command line starts with the kernel's file name.
 */
#include "hw/i386/pc.h"
#include "hw/core/loader.h"
#include "util/error.h"
#include <elf.h>

#define MULTIBOOT_MAGIC 0x1badb002u
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002u
#define MULTIBOOT_SEARCH 8192
#define MB_FLAG_PAGE_ALIGN (1u << 0)
#define MB_FLAG_ADDRESS_FIELDS (1u << 16)

#define MBI_FLAG_MEM (1u << 0)
#define MBI_FLAG_CMDLINE (1u << 2)
#define MBI_FLAG_MODS (1u << 3)
#define MBI_FLAG_MMAP (1u << 6)
#define MBI_FLAG_LOADER_NAME (1u << 9)

/* The info block and everything it points to live in one page range below the EBDA. */
#define MBI_ADDR 0x9000u
#define MBI_AREA_END PC_EBDA_START

typedef struct MultibootHeader {
    uint32_t magic, flags, checksum;
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
} MultibootHeader;

typedef struct MultibootInfo {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr, drives_length, drives_addr, config_table;
    uint32_t boot_loader_name, apm_table;
} MultibootInfo;

typedef struct MultibootModule {
    uint32_t mod_start, mod_end, string, reserved;
} MultibootModule;

typedef struct MultibootMmap {
    uint32_t size;
    uint64_t base, length;
    uint32_t type;
} __attribute__((packed)) MultibootMmap;

/* Offset of a valid header in the first 8 KiB, or -1. */
static long find_header(const uint8_t *data, size_t len, MultibootHeader *hdr)
{
    size_t limit = MIN(len, (size_t)MULTIBOOT_SEARCH);

    for (size_t off = 0; off + 12 <= limit; off += 4) {
        uint32_t w[3];
        memcpy(w, data + off, sizeof(w));
        if (w[0] == MULTIBOOT_MAGIC && w[0] + w[1] + w[2] == 0) {
            memset(hdr, 0, sizeof(*hdr));
            memcpy(hdr, data + off, MIN(sizeof(*hdr), len - off));
            return off;
        }
    }
    return -1;
}

bool pc_multiboot_probe(const uint8_t *data, size_t len)
{
    MultibootHeader hdr;
    return find_header(data, len, &hdr) >= 0;
}

/* The "a.out kludge": the header says where the file's bytes go. */
static bool load_by_address_fields(const MultibootHeader *h, long hdr_off, const uint8_t *data,
                                   size_t len, uint64_t *high, GError **errp)
{
    uint64_t file_off, load_len, bss_end;

    if (h->load_addr > h->header_addr || h->header_addr - h->load_addr > (uint64_t)hdr_off) {
        error_setg(errp, "multiboot: header addresses are inconsistent");
        return false;
    }
    file_off = hdr_off - (h->header_addr - h->load_addr);
    load_len = h->load_end_addr ? h->load_end_addr - h->load_addr : len - file_off;
    if (h->load_end_addr && h->load_end_addr < h->load_addr) {
        error_setg(errp, "multiboot: load_end_addr is below load_addr");
        return false;
    }
    if (file_off + load_len > len) {
        error_setg(errp, "multiboot: image is shorter than its header says");
        return false;
    }
    bss_end = h->bss_end_addr ? h->bss_end_addr : h->load_addr + load_len;
    if (bss_end < h->load_addr + load_len || bss_end - h->load_addr > 1 * GiB) {
        error_setg(errp, "multiboot: bss_end_addr is out of range");
        return false;
    }
    {
        uint8_t *blob = g_malloc0(bss_end - h->load_addr);
        memcpy(blob, data + file_off, load_len);
        rom_add_blob_owned("multiboot-kernel", blob, bss_end - h->load_addr, h->load_addr);
    }
    *high = bss_end;
    return true;
}

typedef struct MbiBuilder {
    uint8_t area[MBI_AREA_END - MBI_ADDR];
    size_t used;
} MbiBuilder;

/* Reserve len bytes in the info area (8-byte aligned); returns the guest address. */
static uint32_t mbi_alloc(MbiBuilder *b, const void *data, size_t len, GError **errp)
{
    size_t off = ROUND_UP(b->used, (size_t)8);

    if (off + len > sizeof(b->area)) {
        error_setg(errp, "multiboot: the command line and module names are too long");
        return 0;
    }
    memcpy(b->area + off, data, len);
    b->used = off + len;
    return MBI_ADDR + off;
}

static bool load_modules(PCBoard *pc, MachineState *ms, MbiBuilder *b, uint64_t *next,
                         MultibootInfo *mbi, GError **errp)
{
    g_auto(GStrv) specs = g_strsplit(ms->initrd_filename, ",", -1);
    guint n = g_strv_length(specs);
    g_autofree MultibootModule *mods = g_new0(MultibootModule, n);

    for (guint i = 0; i < n; i++) {
        g_autofree char *path = g_strdup(specs[i]);
        char *space = strchr(path, ' ');
        uint8_t *data;
        size_t len;

        if (space) {
            *space = '\0';
        }
        if (!load_file("-initrd", path, &data, &len, errp)) {
            return false;
        }
        *next = ROUND_UP(*next, 0x1000);
        if (*next + len > pc_low_ram_top(pc)) {
            error_setg(errp, "-initrd '%s' does not fit in guest RAM; use a larger -m", path);
            g_free(data);
            return false;
        }
        mods[i].mod_start = *next;
        mods[i].mod_end = *next + len;
        mods[i].string = mbi_alloc(b, specs[i], strlen(specs[i]) + 1, errp);
        if (!mods[i].string) {
            g_free(data);
            return false;
        }
        rom_add_blob_owned("multiboot-module", data, len, *next);
        *next += len;
    }
    mbi->mods_count = n;
    mbi->mods_addr = mbi_alloc(b, mods, n * sizeof(*mods), errp);
    mbi->flags |= MBI_FLAG_MODS;
    return mbi->mods_addr != 0;
}

static bool build_mmap(PCBoard *pc, MbiBuilder *b, MultibootInfo *mbi, GError **errp)
{
    MultibootMmap map[E820_MAX_ENTRIES];

    for (unsigned i = 0; i < pc->e820_count; i++) {
        map[i] = (MultibootMmap){.size = sizeof(MultibootMmap) - 4, .base = pc->e820[i].addr,
                                 .length = pc->e820[i].size, .type = pc->e820[i].type};
    }
    mbi->mmap_length = pc->e820_count * sizeof(MultibootMmap);
    mbi->mmap_addr = mbi_alloc(b, map, mbi->mmap_length, errp);
    mbi->mem_lower = PC_EBDA_START / KiB;
    mbi->mem_upper = (pc->below_4g - PC_HIGH_MEMORY) / KiB;
    mbi->flags |= MBI_FLAG_MEM | MBI_FLAG_MMAP;
    return mbi->mmap_addr != 0;
}

bool pc_multiboot_load(PCBoard *pc, MachineState *ms, const uint8_t *kernel, size_t len,
                       GError **errp)
{
    MultibootHeader hdr;
    long off = find_header(kernel, len, &hdr);
    g_autofree MbiBuilder *b = g_new0(MbiBuilder, 1);
    g_autofree char *cmdline = NULL;
    MultibootInfo mbi = {0};
    uint64_t high, entry;

    g_assert(off >= 0);
    b->used = sizeof(mbi); /* the info block itself comes first */
    if (hdr.flags & MB_FLAG_ADDRESS_FIELDS) {
        if (!load_by_address_fields(&hdr, off, kernel, len, &high, errp)) {
            return false;
        }
        entry = hdr.entry_addr;
    } else {
        ElfInfo info;
        if (!load_elf("-kernel (multiboot)", kernel, len, EM_386, &info, errp)) {
            if (is_elf(kernel, len) && kernel[EI_CLASS] == ELFCLASS64) {
                g_clear_error(errp);
                error_setg(errp, "-kernel '%s': a Multiboot kernel must be a 32-bit ELF file "
                                 "(convert with objcopy -O elf32-i386)",
                           ms->kernel_filename);
            }
            return false;
        }
        high = info.high;
        entry = info.entry;
    }
    if (high > pc_low_ram_top(pc) || entry >= high) {
        error_setg(errp, "-kernel '%s' does not fit in guest RAM or its entry point is outside "
                         "the image",
                   ms->kernel_filename);
        return false;
    }

    cmdline = g_strdup_printf("%s %s", ms->kernel_filename, ms->kernel_cmdline);
    mbi.cmdline = mbi_alloc(b, cmdline, strlen(cmdline) + 1, errp);
    mbi.boot_loader_name = mbi_alloc(b, "mimic", 6, errp);
    if (!mbi.cmdline || !mbi.boot_loader_name || !build_mmap(pc, b, &mbi, errp)) {
        return false;
    }
    mbi.flags |= MBI_FLAG_CMDLINE | MBI_FLAG_LOADER_NAME;
    if (ms->initrd_filename && !load_modules(pc, ms, b, &high, &mbi, errp)) {
        return false;
    }
    memcpy(b->area, &mbi, sizeof(mbi));
    rom_add_blob("multiboot-info", b->area, MAX(b->used, sizeof(mbi)), MBI_ADDR);

    pc->boot = (PCBootState){.valid = true, .entry = entry, .eax = MULTIBOOT_BOOTLOADER_MAGIC,
                             .ebx = MBI_ADDR};
    return true;
}
