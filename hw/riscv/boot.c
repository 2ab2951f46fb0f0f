/*
 * Boot helpers for RISC-V machines: load -kernel (ELF or raw) as ROM blobs and
 * choose where the device tree goes. The images are untrusted input: the ELF
 * loader checks every header field, and here every segment is checked to land
 * in RAM before anything is registered for reset.
 */
#include "hw/riscv/boot.h"
#include "hw/core/loader.h"
#include "hw/core/fdt-builder.h"
#include "accel/accel.h"
#include "core/machine.h"
#include "target/riscv/cpu.h"
#include "util/error.h"
#include <elf.h>
#include <libfdt.h>

static uint64_t ldq_le(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof(v));
    return GUINT64_FROM_LE(v);
}

static void stq_le(uint8_t *p, uint64_t v)
{
    v = GUINT64_TO_LE(v);
    memcpy(p, &v, sizeof(v));
}

static void stl_le(uint8_t *p, uint32_t v)
{
    v = GUINT32_TO_LE(v);
    memcpy(p, &v, sizeof(v));
}

static bool range_in_ram(uint64_t low, uint64_t high, uint64_t ram_base, uint64_t ram_size)
{
    return low >= ram_base && high >= low && high - ram_base <= ram_size;
}

/*
 * Register an image: ELF segments at their physical addresses, or the raw file
 * at raw_addr. [*low, *high) is what it occupies, *entry where it starts.
 */
static bool riscv_load_image(const char *what, const char *path, uint8_t *data, size_t len,
                             uint64_t raw_addr, uint64_t ram_base, uint64_t ram_size,
                             uint64_t *entry, uint64_t *low, uint64_t *high, GError **errp)
{
    if (is_elf(data, len)) {
        ElfInfo info;

        /*
         * load_elf() has registered the segments by the time the placement is
         * checked; that is harmless because a refused image ends the process
         * before any reset copies them.
         */
        if (!load_elf(what, data, len, EM_RISCV, &info, errp)) {
            return false;
        }
        if (info.elf_class != ELFCLASS64) {
            error_setg(errp,
                       "%s '%s': a 32-bit ELF image cannot run on this 64-bit "
                       "machine; build it for rv64",
                       what, path);
            return false;
        }
        if (!range_in_ram(info.low, info.high, ram_base, ram_size)) {
            error_setg(
                errp,
                "%s '%s': its segments span 0x%" PRIx64 "-0x%" PRIx64 ", outside RAM at 0x%" PRIx64
                "-0x%" PRIx64 " (link it at 0x%" PRIx64 ", or give more memory with -m)",
                what, path, info.low, info.high - 1, ram_base, ram_base + ram_size - 1, ram_base);
            return false;
        }
        if (!range_in_ram(info.entry, info.entry + 2, ram_base, ram_size)) {
            error_setg(errp, "%s '%s': entry point 0x%" PRIx64 " is outside RAM", what, path,
                       info.entry);
            return false;
        }
        *entry = info.entry;
        *low = info.low;
        *high = info.high;
        g_free(data);
        return true;
    }
    if (len == 0 || !range_in_ram(raw_addr, raw_addr + len, ram_base, ram_size)) {
        error_setg(errp,
                   "%s '%s': a raw image of %zu bytes at 0x%" PRIx64 " does not fit the %" PRIu64
                   " MiB of RAM (use -m)",
                   what, path, len, raw_addr, ram_size / MiB);
        g_free(data);
        return false;
    }
    rom_add_blob_owned(path, data, len, raw_addr);
    *entry = raw_addr;
    *low = raw_addr;
    *high = raw_addr + len;
    return true;
}

bool riscv_load_kernel(const char *path, uint64_t ram_base, uint64_t ram_size, uint64_t *entry,
                       GError **errp)
{
    uint8_t *data;
    size_t len;
    uint64_t low, high;

    if (!load_file("-kernel", path, &data, &len, errp)) {
        return false;
    }
    return riscv_load_image("-kernel", path, data, len, ram_base, ram_base, ram_size, entry, &low,
                            &high, errp);
}

bool riscv_load_firmware(const char *what, const char *path, uint64_t ram_base, uint64_t ram_size,
                         uint64_t *entry, uint64_t *end, GError **errp)
{
    uint8_t *data;
    size_t len;
    uint64_t low;

    if (!load_file(what, path, &data, &len, errp)) {
        return false;
    }
    return riscv_load_image(what, path, data, len, ram_base, ram_base, ram_size, entry, &low, end,
                            errp);
}

/* The RISC-V Linux boot image header (Linux Documentation/riscv/boot-image-header.rst). */
#define RISCV_IMAGE_HEADER_SIZE 64
#define RISCV_IMAGE_MAGIC "RISCV\0\0\0" /* at 48, deprecated but still written */
#define RISCV_IMAGE_MAGIC2 "RSC\x05"    /* at 56 */

bool riscv_load_linux(const char *path, uint64_t min_addr, uint64_t ram_base, uint64_t ram_size,
                      uint64_t *entry, uint64_t *end, GError **errp)
{
    uint8_t *data;
    size_t len;
    uint64_t load = ROUND_UP(min_addr, 2 * MiB);
    uint64_t image_size = 0, low;

    if (!load_file("-kernel", path, &data, &len, errp)) {
        return false;
    }
    if (!is_elf(data, len) && len >= RISCV_IMAGE_HEADER_SIZE &&
        (memcmp(data + 48, RISCV_IMAGE_MAGIC, 8) == 0 ||
         memcmp(data + 56, RISCV_IMAGE_MAGIC2, 4) == 0)) {
        uint64_t text_offset = ldq_le(data + 8);

        image_size = ldq_le(data + 16);
        /* text_offset is the image's offset from the start of RAM; honour it when further up. */
        if (text_offset < ram_size && ram_base + text_offset > load) {
            load = ROUND_UP(ram_base + text_offset, 2 * MiB);
        }
        if (image_size > ram_size || !range_in_ram(load, load + image_size, ram_base, ram_size)) {
            error_setg(errp,
                       "-kernel '%s': the Linux image needs %" PRIu64 " MiB at 0x%" PRIx64
                       ", more than the %" PRIu64 " MiB of RAM hold (use -m)",
                       path, image_size / MiB, load, ram_size / MiB);
            g_free(data);
            return false;
        }
    }
    if (!riscv_load_image("-kernel", path, data, len, load, ram_base, ram_size, entry, &low, end,
                          errp)) {
        return false;
    }
    *end = MAX(*end, low + image_size);
    return true;
}

bool riscv_load_initrd(const char *path, uint64_t kernel_entry, uint64_t kernel_end,
                       uint64_t ram_base, uint64_t ram_size, uint64_t *start, uint64_t *end,
                       GError **errp)
{
    uint8_t *data;
    size_t len;
    uint64_t at;

    if (!load_file("-initrd", path, &data, &len, errp)) {
        return false;
    }
    at = kernel_entry + MIN(ram_size / 2, 128 * MiB);
    at = ROUND_UP(MAX(at, kernel_end), 4 * KiB);
    if (len == 0 || !range_in_ram(at, at + len, ram_base, ram_size)) {
        error_setg(errp,
                   "-initrd '%s': %zu bytes do not fit in RAM above the kernel at 0x%" PRIx64
                   " (give more memory with -m)",
                   path, len, at);
        g_free(data);
        return false;
    }
    rom_add_blob_owned(path, data, len, at);
    *start = at;
    *end = at + len;
    return true;
}

void *riscv_reset_vector_blob(uint64_t start_addr, uint64_t fdt_addr, uint64_t next_addr,
                              size_t *size)
{
    /*
     * QEMU's riscv_setup_rom_reset_vec() for RV64, word for word: the info
     * sits right after the two dwords, 0x28 bytes from the start.
     */
    static const uint32_t code[6] = {
        0x00000297, /* 1: auipc t0, %pcrel_hi(fw_dyn) */
        0x02828613, /*    addi  a2, t0, %pcrel_lo(1b) */
        0xf1402573, /*    csrr  a0, mhartid */
        0x0202b583, /*    ld    a1, 32(t0) */
        0x0182b283, /*    ld    t0, 24(t0) */
        0x00028067, /*    jr    t0 */
    };
    const uint64_t info[6] = {
        FW_DYNAMIC_INFO_MAGIC,       FW_DYNAMIC_INFO_VERSION, next_addr,
        FW_DYNAMIC_INFO_NEXT_MODE_S, 0 /* options */,         0 /* boot hart */};
    size_t len = sizeof(code) + 16 + sizeof(info);
    uint8_t *blob = g_malloc0(len);

    for (size_t i = 0; i < ARRAY_SIZE(code); i++) {
        stl_le(blob + 4 * i, code[i]);
    }
    stq_le(blob + 24, start_addr);
    stq_le(blob + 32, fdt_addr);
    for (size_t i = 0; i < ARRAY_SIZE(info); i++) {
        stq_le(blob + 40 + 8 * i, info[i]);
    }
    *size = len;
    return blob;
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

bool riscv_harts_create(MachineState *ms, GError **errp)
{
    for (unsigned i = 0; i < ms->smp.cpus; i++) {
        if (!riscv_cpu_new(i, i, ms->cpu_type, errp)) {
            return false;
        }
    }
    return true;
}

bool riscv_harts_start(GError **errp)
{
    for (int i = 0; i < cpu_count; i++) {
        if (!current_accel()->vcpu_create(cpus[i], errp)) {
            return false;
        }
    }
    return true;
}

void riscv_hart_enter_bare_metal(RISCVCPU *cpu, uint64_t entry, uint64_t fdt_addr)
{
    cpu->pc = entry;
    cpu->priv = PRV_M;
    cpu->gpr[10] = cpu->mhartid;
    cpu->gpr[11] = fdt_addr;
}

void riscv_fdt_prop_isa(FdtBuilder *f, int node, const char *isa)
{
    const char *letters = isa + strlen("rv64");
    size_t n_letters = strcspn(letters, "_");
    GString *exts = g_string_new(NULL);

    g_assert(g_str_has_prefix(isa, "rv64"));
    fdt_prop_str(f, node, "riscv,isa", isa);
    fdt_prop_str(f, node, "riscv,isa-base", "rv64i");
    for (size_t i = 0; i < n_letters; i++) {
        g_string_append_c(exts, letters[i]);
        g_string_append_c(exts, '\0');
    }
    for (const char *ext = letters + n_letters; *ext == '_'; ext += strcspn(ext + 1, "_") + 1) {
        g_string_append_len(exts, ext + 1, strcspn(ext + 1, "_"));
        g_string_append_c(exts, '\0');
    }
    fdt_prop(f, node, "riscv,isa-extensions", exts->str, exts->len);
    g_string_free(exts, true);
}

void riscv_fdt_prop_hart_irqs(FdtBuilder *f, int node, const uint32_t *intc_phandle, unsigned n,
                              const uint32_t *irqs, unsigned n_irqs)
{
    g_autofree fdt32_t *cells = g_new(fdt32_t, n * n_irqs * 2);
    fdt32_t *c = cells;

    for (unsigned i = 0; i < n; i++) {
        for (unsigned k = 0; k < n_irqs; k++) {
            *c++ = cpu_to_fdt32(intc_phandle[i]);
            *c++ = cpu_to_fdt32(irqs[k]);
        }
    }
    fdt_prop(f, node, "interrupts-extended", cells, n * n_irqs * 2 * sizeof(fdt32_t));
}
