/*
 * Images the machine places in guest memory (kernels, initrds, boot tables).
 * Each is kept as a "ROM blob" and copied in again on every machine reset, as
 * firmware would reload them.
 */
#ifndef HW_CORE_LOADER_H
#define HW_CORE_LOADER_H

#include "util/osdep.h"

/* Copy data (len bytes) into a blob that is written to addr at each reset. */
void rom_add_blob(const char *name, const void *data, size_t len, uint64_t addr);
/* Same, taking ownership of data (g_malloc'ed). */
void rom_add_blob_owned(const char *name, void *data, size_t len, uint64_t addr);
/* Write all blobs into guest memory. */
void rom_reset(void);
/* Whether [addr, addr+len) overlaps a registered blob (for placement checks). */
bool rom_overlaps(uint64_t addr, uint64_t len);

/* Read a whole file, with a message naming the file and the option it came from. */
bool load_file(const char *what, const char *path, uint8_t **data, size_t *len, GError **errp);

typedef struct ElfInfo {
    uint64_t entry;
    uint64_t low;  /* lowest loaded physical address */
    uint64_t high; /* one past the highest */
    int elf_class; /* ELFCLASS32 / ELFCLASS64 */
    uint16_t machine;
} ElfInfo;

/*
 * Register the PT_LOAD segments of an ELF image as blobs at their physical
 * addresses. Every header field is checked against the file size.
 * Returns false (with errp) if the file is not a usable ELF image.
 */
bool load_elf(const char *what, const uint8_t *data, size_t len, uint16_t want_machine,
              ElfInfo *info, GError **errp);
/* Is this an ELF file at all? */
bool is_elf(const uint8_t *data, size_t len);
/*
 * Look a defined symbol up by name in the image's symbol tables (.symtab and
 * its .strtab); every offset is checked against the file size. Returns false
 * when the image has no such symbol (or no symbol table: a stripped file).
 */
bool elf_lookup_symbol(const uint8_t *data, size_t len, const char *name, uint64_t *value);

#endif
