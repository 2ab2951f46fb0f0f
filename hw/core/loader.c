/*
 * ROM blobs and the ELF loader. ELF images are untrusted: every offset and
 * size is checked against the file before use.
 */
#include "hw/core/loader.h"
#include "system/memory.h"
#include "util/error.h"
#include <elf.h>

typedef struct RomBlob {
    char *name;
    uint8_t *data;
    size_t len;
    uint64_t addr;
} RomBlob;

static GPtrArray *roms;

void rom_add_blob_owned(const char *name, void *data, size_t len, uint64_t addr)
{
    RomBlob *rom = g_new0(RomBlob, 1);

    rom->name = g_strdup(name);
    rom->data = data;
    rom->len = len;
    rom->addr = addr;
    if (!roms) {
        roms = g_ptr_array_new();
    }
    g_ptr_array_add(roms, rom);
}

void rom_add_blob(const char *name, const void *data, size_t len, uint64_t addr)
{
    rom_add_blob_owned(name, g_memdup2(data, len), len, addr);
}

void rom_reset(void)
{
    for (guint i = 0; roms && i < roms->len; i++) {
        RomBlob *rom = g_ptr_array_index(roms, i);
        address_space_write_rom(&address_space_memory, rom->addr, rom->data, rom->len);
    }
}

bool rom_overlaps(uint64_t addr, uint64_t len)
{
    for (guint i = 0; roms && i < roms->len; i++) {
        RomBlob *rom = g_ptr_array_index(roms, i);
        if (addr < rom->addr + rom->len && rom->addr < addr + len) {
            return true;
        }
    }
    return false;
}

bool load_file(const char *what, const char *path, uint8_t **data, size_t *len, GError **errp)
{
    g_autoptr(GError) err = NULL;
    gchar *contents;
    gsize size;

    if (!g_file_get_contents(path, &contents, &size, &err)) {
        error_setg(errp, "%s '%s': %s", what, path, err->message);
        return false;
    }
    *data = (uint8_t *)contents;
    *len = size;
    return true;
}

bool is_elf(const uint8_t *data, size_t len)
{
    return len >= EI_NIDENT && memcmp(data, ELFMAG, SELFMAG) == 0;
}

/* Normalized program header, whichever the ELF class. */
typedef struct Segment {
    uint32_t type;
    uint64_t offset, paddr, filesz, memsz;
} Segment;

static bool read_phdr(const uint8_t *data, size_t len, int cls, uint64_t phoff, unsigned i,
                      uint16_t phentsize, Segment *seg)
{
    uint64_t off = phoff + (uint64_t)i * phentsize;

    if (cls == ELFCLASS64) {
        Elf64_Phdr ph;
        if (phentsize < sizeof(ph) || off > len || len - off < sizeof(ph)) {
            return false;
        }
        memcpy(&ph, data + off, sizeof(ph));
        *seg = (Segment){ph.p_type, ph.p_offset, ph.p_paddr, ph.p_filesz, ph.p_memsz};
    } else {
        Elf32_Phdr ph;
        if (phentsize < sizeof(ph) || off > len || len - off < sizeof(ph)) {
            return false;
        }
        memcpy(&ph, data + off, sizeof(ph));
        *seg = (Segment){ph.p_type, ph.p_offset, ph.p_paddr, ph.p_filesz, ph.p_memsz};
    }
    return true;
}

bool load_elf(const char *what, const uint8_t *data, size_t len, uint16_t want_machine,
              ElfInfo *info, GError **errp)
{
    uint64_t phoff;
    uint16_t phnum, phentsize;
    int cls;
    unsigned loaded = 0;

    if (!is_elf(data, len)) {
        error_setg(errp, "%s: not an ELF file", what);
        return false;
    }
    cls = data[EI_CLASS];
    if (data[EI_DATA] != ELFDATA2LSB || (cls != ELFCLASS32 && cls != ELFCLASS64)) {
        error_setg(errp, "%s: unsupported ELF class or byte order", what);
        return false;
    }
    if (cls == ELFCLASS64) {
        Elf64_Ehdr eh;
        if (len < sizeof(eh)) {
            goto truncated;
        }
        memcpy(&eh, data, sizeof(eh));
        info->entry = eh.e_entry;
        info->machine = eh.e_machine;
        phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
    } else {
        Elf32_Ehdr eh;
        if (len < sizeof(eh)) {
            goto truncated;
        }
        memcpy(&eh, data, sizeof(eh));
        info->entry = eh.e_entry;
        info->machine = eh.e_machine;
        phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
    }
    info->elf_class = cls;
    if (want_machine && info->machine != want_machine) {
        error_setg(errp, "%s: ELF image is for machine type %u, not %u", what, info->machine,
                   want_machine);
        return false;
    }
    info->low = UINT64_MAX;
    info->high = 0;
    for (unsigned i = 0; i < phnum; i++) {
        Segment seg;
        uint8_t *blob;

        if (!read_phdr(data, len, cls, phoff, i, phentsize, &seg)) {
            goto truncated;
        }
        if (seg.type != PT_LOAD || seg.memsz == 0) {
            continue;
        }
        if (seg.filesz > seg.memsz || seg.offset > len || len - seg.offset < seg.filesz ||
            seg.memsz > 1 * GiB || seg.paddr + seg.memsz < seg.paddr) {
            error_setg(errp, "%s: program header %u is out of bounds", what, i);
            return false;
        }
        blob = g_malloc0(seg.memsz);
        memcpy(blob, data + seg.offset, seg.filesz);
        rom_add_blob_owned(what, blob, seg.memsz, seg.paddr);
        info->low = MIN(info->low, seg.paddr);
        info->high = MAX(info->high, seg.paddr + seg.memsz);
        loaded++;
    }
    if (!loaded) {
        error_setg(errp, "%s: ELF image has nothing to load", what);
        return false;
    }
    return true;

truncated:
    error_setg(errp, "%s: ELF image is truncated", what);
    return false;
}
