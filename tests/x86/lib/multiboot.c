/*
 * Multiboot v1 information structure (Multiboot Specification 0.6.96, 3.3
 * "Boot information format"): copy what the programs use (command line,
 * mem_lower/mem_upper, memory map, modules) into `boot` at entry, so that
 * later writes to low memory (trampolines) cannot clobber it, and answer
 * "key=value" questions about the command line.
 */
#include "test.h"

#define MB_BOOTLOADER_MAGIC 0x2badb002

#define MB_INFO_MEMORY 0x001
#define MB_INFO_CMDLINE 0x004
#define MB_INFO_MODS 0x008
#define MB_INFO_MMAP 0x040

struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower;
    uint32_t mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count;
    uint32_t mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length;
    uint32_t mmap_addr;
} __attribute__((packed));

struct multiboot_mmap {
    uint32_t size; /* of the rest of the entry, not counting this field */
    uint64_t addr;
    uint64_t len;
    uint32_t type;
} __attribute__((packed));

struct multiboot_module {
    uint32_t start;
    uint32_t end;
    uint32_t cmdline;
    uint32_t reserved;
} __attribute__((packed));

struct boot_params boot;

static void copy_cstr(char *dst, size_t size, uint32_t src_addr)
{
    const char *src = (const char *)(uintptr_t)src_addr;
    size_t i = 0;

    if (src_addr) {
        for (; i + 1 < size && src[i]; i++) {
            dst[i] = src[i];
        }
    }
    dst[i] = '\0';
}

void multiboot_parse(uint32_t magic, uint32_t info_addr)
{
    const struct multiboot_info *mbi = (const void *)(uintptr_t)info_addr;

    if (magic != MB_BOOTLOADER_MAGIC) {
        test_fail("multiboot: EAX at entry was 0x%x, expected 0x%x", magic, MB_BOOTLOADER_MAGIC);
    }

    if (mbi->flags & MB_INFO_CMDLINE) {
        copy_cstr(boot.cmdline, sizeof(boot.cmdline), mbi->cmdline);
    }
    if (mbi->flags & MB_INFO_MEMORY) {
        boot.has_mem = true;
        boot.mem_lower_kb = mbi->mem_lower;
        boot.mem_upper_kb = mbi->mem_upper;
    }
    if (mbi->flags & MB_INFO_MMAP) {
        uint32_t off = 0;
        while (off + sizeof(struct multiboot_mmap) <= mbi->mmap_length &&
               boot.nr_mmap < BOOT_MMAP_MAX) {
            const struct multiboot_mmap *e = (const void *)(uintptr_t)(mbi->mmap_addr + off);
            if (e->size < sizeof(*e) - sizeof(e->size)) {
                test_fail("multiboot: memory map entry at +%u has size %u", off, e->size);
            }
            boot.mmap[boot.nr_mmap].addr = e->addr;
            boot.mmap[boot.nr_mmap].len = e->len;
            boot.mmap[boot.nr_mmap].type = e->type;
            boot.nr_mmap++;
            off += e->size + sizeof(e->size);
        }
    }
    if (mbi->flags & MB_INFO_MODS) {
        const struct multiboot_module *m = (const void *)(uintptr_t)mbi->mods_addr;
        for (uint32_t i = 0; i < mbi->mods_count && i < BOOT_MODULES_MAX; i++) {
            boot.modules[i].start = m[i].start;
            boot.modules[i].end = m[i].end;
            copy_cstr(boot.modules[i].cmdline, sizeof(boot.modules[i].cmdline), m[i].cmdline);
            boot.nr_modules++;
        }
    }
}

/*
 * The command line is space-separated words; QEMU's loader puts the kernel's
 * file name first, so only whole "key=" words count.
 */
bool cmdline_get(const char *key, char *buf, size_t size)
{
    size_t klen = strlen(key);
    const char *p = boot.cmdline;

    while (*p) {
        while (*p == ' ') {
            p++;
        }
        const char *word = p;
        while (*p && *p != ' ') {
            p++;
        }
        if ((size_t)(p - word) > klen && !strncmp(word, key, klen) && word[klen] == '=') {
            const char *val = word + klen + 1;
            size_t n = 0;
            while (val + n < p && n + 1 < size) {
                buf[n] = val[n];
                n++;
            }
            buf[n] = '\0';
            return true;
        }
    }
    return false;
}

uint64_t cmdline_get_uint(const char *key, uint64_t dflt)
{
    char buf[32];
    const char *p = buf;
    unsigned base = 10;
    uint64_t v = 0;

    if (!cmdline_get(key, buf, sizeof(buf))) {
        return dflt;
    }
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    if (!*p) {
        test_fail("command line: %s=%s is not a number", key, buf);
    }
    for (; *p; p++) {
        unsigned d;
        if (*p >= '0' && *p <= '9') {
            d = *p - '0';
        } else if (base == 16 && *p >= 'a' && *p <= 'f') {
            d = *p - 'a' + 10;
        } else if (base == 16 && *p >= 'A' && *p <= 'F') {
            d = *p - 'A' + 10;
        } else {
            test_fail("command line: %s=%s is not a number", key, buf);
        }
        v = v * base + d;
    }
    return v;
}

bool boot_range_is_ram(uint64_t addr, uint64_t len)
{
    if (!boot.nr_mmap) {
        return true;
    }
    for (int i = 0; i < boot.nr_mmap; i++) {
        const struct boot_mmap_entry *e = &boot.mmap[i];
        if (e->type == 1 && addr >= e->addr && addr + len <= e->addr + e->len) {
            return true;
        }
    }
    return false;
}
