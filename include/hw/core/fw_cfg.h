/*
 * fw_cfg: QEMU's firmware configuration interface (docs/specs/fw_cfg.rst in
 * QEMU's tree): a selector register picks an item, a data register streams it,
 * and an optional DMA interface copies items to guest memory; on x86 I/O ports
 * or in MMIO. Firmware and test programs written for QEMU find the same keys
 * and files here.
 */
#ifndef HW_CORE_FW_CFG_H
#define HW_CORE_FW_CFG_H

#include "util/osdep.h"

enum {
    FW_CFG_SIGNATURE = 0x00,
    FW_CFG_ID = 0x01,
    FW_CFG_UUID = 0x02,
    FW_CFG_RAM_SIZE = 0x03,
    FW_CFG_NOGRAPHIC = 0x04,
    FW_CFG_NB_CPUS = 0x05,
    FW_CFG_MACHINE_ID = 0x06,
    FW_CFG_KERNEL_ADDR = 0x07,
    FW_CFG_KERNEL_SIZE = 0x08,
    FW_CFG_KERNEL_CMDLINE = 0x09,
    FW_CFG_INITRD_ADDR = 0x0a,
    FW_CFG_INITRD_SIZE = 0x0b,
    FW_CFG_BOOT_DEVICE = 0x0c,
    FW_CFG_NUMA = 0x0d,
    FW_CFG_BOOT_MENU = 0x0e,
    FW_CFG_MAX_CPUS = 0x0f,
    FW_CFG_KERNEL_ENTRY = 0x10,
    FW_CFG_KERNEL_DATA = 0x11,
    FW_CFG_INITRD_DATA = 0x12,
    FW_CFG_CMDLINE_ADDR = 0x13,
    FW_CFG_CMDLINE_SIZE = 0x14,
    FW_CFG_CMDLINE_DATA = 0x15,
    FW_CFG_SETUP_ADDR = 0x16,
    FW_CFG_SETUP_SIZE = 0x17,
    FW_CFG_SETUP_DATA = 0x18,
    FW_CFG_FILE_DIR = 0x19,
    FW_CFG_FILE_FIRST = 0x20,
    FW_CFG_ARCH_LOCAL = 0x8000,
};

#define FW_CFG_MAX_FILES 64
#define FW_CFG_FILE_NAME_MAX 56

typedef struct FWCfgState FWCfgState;

/* Create the fw_cfg device on I/O ports iobase (selector), iobase+1 (data), iobase+4 (DMA). */
FWCfgState *fw_cfg_init_io(uint16_t iobase, bool dma, GError **errp);
/* Create it in MMIO at addr: data (+0), selector (+8), DMA (+16); 0x18 bytes. */
FWCfgState *fw_cfg_init_mem(uint64_t addr, GError **errp);
/*
 * -fw_cfg [name=]NAME,file=PATH|string=TEXT: a file every fw_cfg device
 * created later offers. The file is read now.
 */
bool fw_cfg_add_user_file_from_spec(const char *spec, GError **errp);
/* Add or replace an item; fw_cfg copies data. */
void fw_cfg_add_bytes(FWCfgState *s, uint16_t key, const void *data, size_t len);
void fw_cfg_add_i16(FWCfgState *s, uint16_t key, uint16_t value);
void fw_cfg_add_i32(FWCfgState *s, uint16_t key, uint32_t value);
void fw_cfg_add_i64(FWCfgState *s, uint16_t key, uint64_t value);
void fw_cfg_add_string(FWCfgState *s, uint16_t key, const char *value);
/* A named file, listed in the FILE_DIR item; false if the name is taken or the directory full. */
bool fw_cfg_add_file(FWCfgState *s, const char *name, const void *data, size_t len);

#endif
