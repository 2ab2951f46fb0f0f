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

/* Normalized section header, whichever the ELF class. */
typedef struct Section {
    uint32_t type, link;
    uint64_t offset, size, entsize;
} Section;

static bool read_shdr(const uint8_t *data, size_t len, int cls, uint64_t shoff, unsigned i,
                      uint16_t shentsize, Section *sec)
{
    uint64_t off = shoff + (uint64_t)i * shentsize;

    if (cls == ELFCLASS64) {
        Elf64_Shdr sh;
        if (shentsize < sizeof(sh) || off > len || len - off < sizeof(sh)) {
            return false;
        }
        memcpy(&sh, data + off, sizeof(sh));
        *sec = (Section){sh.sh_type, sh.sh_link, sh.sh_offset, sh.sh_size, sh.sh_entsize};
    } else {
        Elf32_Shdr sh;
        if (shentsize < sizeof(sh) || off > len || len - off < sizeof(sh)) {
            return false;
        }
        memcpy(&sh, data + off, sizeof(sh));
        *sec = (Section){sh.sh_type, sh.sh_link, sh.sh_offset, sh.sh_size, sh.sh_entsize};
    }
    return sec->offset <= len && len - sec->offset >= sec->size;
}

/* Symbol i of a SHT_SYMTAB section (already bounds-checked): its name offset and value. */
static void read_sym(const uint8_t *data, int cls, const Section *symtab, uint64_t i,
                     uint32_t *name, uint64_t *value, uint16_t *shndx)
{
    const uint8_t *p = data + symtab->offset + i * symtab->entsize;

    if (cls == ELFCLASS64) {
        Elf64_Sym sym;
        memcpy(&sym, p, sizeof(sym));
        *name = sym.st_name, *value = sym.st_value, *shndx = sym.st_shndx;
    } else {
        Elf32_Sym sym;
        memcpy(&sym, p, sizeof(sym));
        *name = sym.st_name, *value = sym.st_value, *shndx = sym.st_shndx;
    }
}

bool elf_lookup_symbol(const uint8_t *data, size_t len, const char *name, uint64_t *value)
{
    uint64_t shoff;
    uint16_t shnum, shentsize;
    int cls;
    size_t name_len = strlen(name);

    if (!is_elf(data, len) || data[EI_DATA] != ELFDATA2LSB) {
        return false;
    }
    cls = data[EI_CLASS];
    if (cls == ELFCLASS64 && len >= sizeof(Elf64_Ehdr)) {
        Elf64_Ehdr eh;
        memcpy(&eh, data, sizeof(eh));
        shoff = eh.e_shoff, shnum = eh.e_shnum, shentsize = eh.e_shentsize;
    } else if (cls == ELFCLASS32 && len >= sizeof(Elf32_Ehdr)) {
        Elf32_Ehdr eh;
        memcpy(&eh, data, sizeof(eh));
        shoff = eh.e_shoff, shnum = eh.e_shnum, shentsize = eh.e_shentsize;
    } else {
        return false;
    }
    for (unsigned i = 0; i < shnum; i++) {
        size_t sym_size = cls == ELFCLASS64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
        Section symtab, strtab;

        if (!read_shdr(data, len, cls, shoff, i, shentsize, &symtab) || symtab.type != SHT_SYMTAB) {
            continue;
        }
        /* The symbols' names live in the string table sh_link names (ELF gABI, "Symbol Table"). */
        if (symtab.entsize < sym_size || symtab.link >= shnum ||
            !read_shdr(data, len, cls, shoff, symtab.link, shentsize, &strtab) ||
            strtab.type != SHT_STRTAB) {
            continue;
        }
        for (uint64_t k = 1; k < symtab.size / symtab.entsize; k++) {
            uint32_t sym_name;
            uint64_t sym_value;
            uint16_t shndx;

            read_sym(data, cls, &symtab, k, &sym_name, &sym_value, &shndx);
            /* The name and its NUL must lie inside the string table. */
            if (shndx == SHN_UNDEF || sym_name >= strtab.size ||
                strtab.size - sym_name < name_len + 1) {
                continue;
            }
            if (memcmp(data + strtab.offset + sym_name, name, name_len + 1) == 0) {
                *value = sym_value;
                return true;
            }
        }
    }
    return false;
}
