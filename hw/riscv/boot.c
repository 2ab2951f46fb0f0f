/*
 * Boot helpers for RISC-V machines: load -kernel (ELF or raw) as ROM blobs and
 * choose where the device tree goes. The images are untrusted input: the ELF
 * loader checks every header field, and here every segment is checked to land
 * in RAM before anything is registered for reset.
 */
#include "hw/riscv/boot.h"
#include "hw/core/loader.h"
#include "util/error.h"
#include <elf.h>

static bool range_in_ram(uint64_t low, uint64_t high, uint64_t ram_base, uint64_t ram_size)
{
    return low >= ram_base && high >= low && high - ram_base <= ram_size;
}

bool riscv_load_kernel(const char *path, uint64_t ram_base, uint64_t ram_size, uint64_t *entry,
                       GError **errp)
{
    g_autofree uint8_t *data = NULL;
    size_t len;

    if (!load_file("-kernel", path, &data, &len, errp)) {
        return false;
    }
    if (is_elf(data, len)) {
        ElfInfo info;

        /*
         * load_elf() has registered the segments by the time the placement is
         * checked; that is harmless because a refused -kernel ends the process
         * before any reset copies them.
         */
        if (!load_elf("-kernel", data, len, EM_RISCV, &info, errp)) {
            return false;
        }
        if (info.elf_class != ELFCLASS64) {
            error_setg(errp,
                       "-kernel '%s': a 32-bit ELF image cannot run on this 64-bit "
                       "machine; build it for rv64",
                       path);
            return false;
        }
        if (!range_in_ram(info.low, info.high, ram_base, ram_size)) {
            error_setg(errp,
                       "-kernel '%s': its segments span 0x%" PRIx64 "-0x%" PRIx64
                       ", outside RAM at 0x%" PRIx64 "-0x%" PRIx64 " (link it at 0x%" PRIx64
                       ", or give more memory with -m)",
                       path, info.low, info.high - 1, ram_base, ram_base + ram_size - 1, ram_base);
            return false;
        }
        if (!range_in_ram(info.entry, info.entry + 2, ram_base, ram_size)) {
            error_setg(errp, "-kernel '%s': entry point 0x%" PRIx64 " is outside RAM", path,
                       info.entry);
            return false;
        }
        *entry = info.entry;
        return true;
    }
    if (len == 0 || len > ram_size) {
        error_setg(errp,
                   "-kernel '%s': a raw image of %zu bytes does not fit the %" PRIu64
                   " MiB of RAM (use -m)",
                   path, len, ram_size / MiB);
        return false;
    }
    rom_add_blob_owned(path, g_steal_pointer(&data), len, ram_base);
    *entry = ram_base;
    return true;
}

bool riscv_place_fdt(uint64_t ram_base, uint64_t ram_size, uint64_t fdt_size, uint64_t *addr,
                     GError **errp)
{
    uint64_t ram_end = ram_base + ram_size;
    uint64_t top = ram_base < 3 * GiB ? MIN(ram_end, 3 * GiB) : ram_end;
    uint64_t at;

    if (top - ram_base < fdt_size) {
        error_setg(errp,
                   "the device tree (%" PRIu64 " bytes) does not fit in RAM; give more "
                   "memory with -m",
                   fdt_size);
        return false;
    }
    at = ROUND_DOWN(top - fdt_size, 2 * MiB);
    if (at < ram_base) {
        at = ram_base;
    }
    if (rom_overlaps(at, fdt_size)) {
        error_setg(errp,
                   "the device tree at 0x%" PRIx64 " would overlap the loaded image; give "
                   "more memory with -m",
                   at);
        return false;
    }
    *addr = at;
    return true;
}
