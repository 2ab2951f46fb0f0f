/*
 * Direct Linux boot on x86 through the 32-bit boot protocol
 * (Documentation/arch/x86/boot.rst): the setup header goes into a zero page
 * with our e820 map, the protected-mode kernel at 1 MiB, the initrd as high as
 * initrd_addr_max allows, and the BSP enters code32_start with ESI pointing at
 * the zero page. Every header field is checked before use.
 */
#include "hw/i386/pc.h"
#include "hw/core/loader.h"
#include "util/error.h"

/* Offsets in the zero page / setup header. */
#define BP_ACPI_RSDP_ADDR 0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_ENTRIES 0x1e8
#define BP_SETUP_SECTS 0x1f1
#define BP_VID_MODE 0x1fa
#define BP_BOOT_FLAG 0x1fe
#define BP_JUMP 0x200
#define BP_HEADER 0x202
#define BP_VERSION 0x206
#define BP_TYPE_OF_LOADER 0x210
#define BP_LOADFLAGS 0x211
#define BP_CODE32_START 0x214
#define BP_RAMDISK_IMAGE 0x218
#define BP_RAMDISK_SIZE 0x21c
#define BP_HEAP_END_PTR 0x224
#define BP_CMD_LINE_PTR 0x228
#define BP_INITRD_ADDR_MAX 0x22c
#define BP_CMDLINE_SIZE 0x238
#define BP_E820_TABLE 0x2d0
#define BP_E820_MAX 128
#define ZERO_PAGE_SIZE 0x1000

#define LOADFLAG_LOADED_HIGH 0x01
#define LOADFLAG_CAN_USE_HEAP 0x80

#define ZERO_PAGE_ADDR 0x7000
#define CMDLINE_ADDR 0x20000
#define CMDLINE_MAX 0x10000

static uint16_t rd16(const uint8_t *p, size_t off)
{
    return p[off] | (p[off + 1] << 8);
}

static uint32_t rd32(const uint8_t *p, size_t off)
{
    return rd16(p, off) | ((uint32_t)rd16(p, off + 2) << 16);
}

static void wr16(uint8_t *p, size_t off, uint16_t v)
{
    p[off] = v;
    p[off + 1] = v >> 8;
}

static void wr32(uint8_t *p, size_t off, uint32_t v)
{
    wr16(p, off, v);
    wr16(p, off + 2, v >> 16);
}

bool pc_linux_is_bzimage(const uint8_t *data, size_t len)
{
    return len > BP_VERSION + 2 && rd16(data, BP_BOOT_FLAG) == 0xaa55 &&
           memcmp(data + BP_HEADER, "HdrS", 4) == 0;
}

static bool load_initrd(PCBoard *pc, MachineState *ms, uint8_t *zp, uint64_t kernel_end,
                        GError **errp)
{
    uint16_t version = rd16(zp, BP_VERSION);
    uint64_t max_addr = version >= 0x203 ? rd32(zp, BP_INITRD_ADDR_MAX) : 0x37ffffff;
    uint64_t addr;
    uint8_t *data;
    size_t len;

    if (!load_file("-initrd", ms->initrd_filename, &data, &len, errp)) {
        return false;
    }
    max_addr = MIN(max_addr + 1, pc_low_ram_top(pc));
    if (len > max_addr || ROUND_DOWN(max_addr - len, 0x1000) < kernel_end) {
        error_setg(errp, "-initrd '%s' (%zu MiB) does not fit in guest RAM below 0x%" PRIx64
                         " after the kernel; give the guest more memory with -m",
                   ms->initrd_filename, len / MiB, max_addr);
        g_free(data);
        return false;
    }
    addr = ROUND_DOWN(max_addr - len, 0x1000);
    rom_add_blob_owned("initrd", data, len, addr);
    wr32(zp, BP_RAMDISK_IMAGE, addr);
    wr32(zp, BP_RAMDISK_SIZE, len);
    wr32(zp, BP_EXT_RAMDISK_IMAGE, addr >> 32);
    wr32(zp, BP_EXT_RAMDISK_SIZE, (uint64_t)len >> 32);
    return true;
}

static void fill_e820(PCBoard *pc, uint8_t *zp)
{
    unsigned n = MIN(pc->e820_count, BP_E820_MAX);

    memcpy(zp + BP_E820_TABLE, pc->e820, n * sizeof(E820Entry));
    zp[BP_E820_ENTRIES] = n;
}

bool pc_linux_load(PCBoard *pc, MachineState *ms, const uint8_t *kernel, size_t len,
                   GError **errp)
{
    g_autofree uint8_t *zp = g_malloc0(ZERO_PAGE_SIZE);
    uint16_t version = rd16(kernel, BP_VERSION);
    unsigned setup_sects = kernel[BP_SETUP_SECTS] ? kernel[BP_SETUP_SECTS] : 4;
    size_t setup_size = (setup_sects + 1) * 512;
    size_t header_end = BP_JUMP + 2 + kernel[BP_JUMP + 1]; /* jump offset ends the header */
    size_t cmdline_len = strlen(ms->kernel_cmdline) + 1;
    uint32_t cmdline_max = version >= 0x206 ? rd32(kernel, BP_CMDLINE_SIZE) + 1 : 256;
    uint64_t kernel_end;

    if (version < 0x206) {
        error_setg(errp, "-kernel '%s': boot protocol %x.%02x is too old; 2.06 or later is "
                         "needed (Linux 2.6.22+)",
                   ms->kernel_filename, version >> 8, version & 0xff);
        return false;
    }
    if (!(kernel[BP_LOADFLAGS] & LOADFLAG_LOADED_HIGH)) {
        error_setg(errp, "-kernel '%s': a zImage (low-loaded kernel) is not supported; use a "
                         "bzImage",
                   ms->kernel_filename);
        return false;
    }
    if (setup_size >= len || header_end > ZERO_PAGE_SIZE || header_end > setup_size) {
        error_setg(errp, "-kernel '%s': the setup header is inconsistent with the file size",
                   ms->kernel_filename);
        return false;
    }
    if (cmdline_len > MIN(cmdline_max, CMDLINE_MAX)) {
        error_setg(errp, "-append: the command line is %zu bytes; this kernel accepts at most %u",
                   cmdline_len - 1, MIN(cmdline_max, CMDLINE_MAX) - 1);
        return false;
    }
    kernel_end = PC_HIGH_MEMORY + (len - setup_size);
    if (kernel_end > pc_low_ram_top(pc)) {
        error_setg(errp, "-kernel '%s' does not fit in guest RAM; give the guest more memory "
                         "with -m",
                   ms->kernel_filename);
        return false;
    }

    memcpy(zp + BP_SETUP_SECTS, kernel + BP_SETUP_SECTS, header_end - BP_SETUP_SECTS);
    zp[BP_TYPE_OF_LOADER] = 0xff; /* an undefined loader */
    zp[BP_LOADFLAGS] |= LOADFLAG_CAN_USE_HEAP;
    wr16(zp, BP_HEAP_END_PTR, 0xfe00);
    wr16(zp, BP_VID_MODE, 0xffff); /* "normal" text mode */
    wr32(zp, BP_CMD_LINE_PTR, CMDLINE_ADDR);
    wr32(zp, BP_CODE32_START, PC_HIGH_MEMORY);
    if (version >= 0x20e) {
        wr32(zp, BP_ACPI_RSDP_ADDR, PC_ACPI_RSDP_ADDR);
    }
    fill_e820(pc, zp);
    if (ms->initrd_filename && !load_initrd(pc, ms, zp, kernel_end, errp)) {
        return false;
    }

    rom_add_blob("linux-cmdline", ms->kernel_cmdline, cmdline_len, CMDLINE_ADDR);
    rom_add_blob("linux-kernel", kernel + setup_size, len - setup_size, PC_HIGH_MEMORY);
    rom_add_blob("linux-zero-page", zp, ZERO_PAGE_SIZE, ZERO_PAGE_ADDR);

    fw_cfg_add_i32(pc->fw_cfg, FW_CFG_KERNEL_ADDR, PC_HIGH_MEMORY);
    fw_cfg_add_i32(pc->fw_cfg, FW_CFG_KERNEL_SIZE, len - setup_size);
    fw_cfg_add_i32(pc->fw_cfg, FW_CFG_CMDLINE_ADDR, CMDLINE_ADDR);
    fw_cfg_add_i32(pc->fw_cfg, FW_CFG_CMDLINE_SIZE, cmdline_len);
    fw_cfg_add_bytes(pc->fw_cfg, FW_CFG_CMDLINE_DATA, ms->kernel_cmdline, cmdline_len);

    pc->boot = (PCBootState){.valid = true, .entry = PC_HIGH_MEMORY, .esi = ZERO_PAGE_ADDR};
    return true;
}
