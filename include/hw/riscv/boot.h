/*
 * Boot helpers for RISC-V machines: image loading and where the device tree
 * goes. They only register ROM blobs (hw/core/loader.h); a machine's reset
 * copies them into RAM and points the harts at the entry.
 */
#ifndef HW_RISCV_BOOT_H
#define HW_RISCV_BOOT_H

#include "util/osdep.h"

/*
 * Load -kernel: an ELF image (EM_RISCV) at its physical addresses, or anything
 * else as a raw binary at ram_base. Every loaded byte must fall inside
 * [ram_base, ram_base + ram_size). *entry is where the harts start.
 */
bool riscv_load_kernel(const char *path, uint64_t ram_base, uint64_t ram_size, uint64_t *entry,
                       GError **errp);

/*
 * The device tree's address: near the top of RAM, but below the 3 GiB mark when
 * RAM starts under it (so 32-bit-minded code can reach it), aligned down to 2 MiB:
 * QEMU's riscv_compute_fdt_addr() rule, which firmware and kernels expect. Fails when RAM is too
 * small to hold it without overlapping an image.
 */
bool riscv_place_fdt(uint64_t ram_base, uint64_t ram_size, uint64_t fdt_size, uint64_t *addr,
                     GError **errp);

#endif
