/*
 * Boot helpers for RISC-V machines: image loading and where the device tree
 * goes, and the reset vector that hands over to firmware. They only register
 * ROM blobs (hw/core/loader.h); a machine's reset copies them into memory and
 * points the harts at the entry.
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
 * Load firmware (-bios): ELF at its physical addresses, or a raw binary at
 * ram_base. *entry is its entry point, *end one past its last loaded byte.
 */
bool riscv_load_firmware(const char *what, const char *path, uint64_t ram_base, uint64_t ram_size,
                         uint64_t *entry, uint64_t *end, GError **errp);

/*
 * Load -kernel for a firmware to start in S-mode: an ELF image at its physical
 * addresses, or a Linux Image (the RISC-V boot image header: "RISCV\0\0\0" /
 * "RSC\x05" magic, text_offset, image_size) or raw binary at the first 2 MiB
 * boundary at or above min_addr, as QEMU places it (Linux needs the 2 MiB
 * alignment on RV64). *entry is where the firmware hands over, *end one past
 * the image (its bss included, from image_size).
 */
bool riscv_load_linux(const char *path, uint64_t min_addr, uint64_t ram_base, uint64_t ram_size,
                      uint64_t *entry, uint64_t *end, GError **errp);

/*
 * Load -initrd above the kernel: at kernel_entry + min(RAM / 2, 128 MiB), QEMU's
 * rule (far enough that the kernel does not overwrite it while it unpacks, low
 * enough for the kernel's linear map), or right after the kernel when that is
 * further up. [*start, *end) is its range, for linux,initrd-start/end.
 */
bool riscv_load_initrd(const char *path, uint64_t kernel_entry, uint64_t kernel_end,
                       uint64_t ram_base, uint64_t ram_size, uint64_t *start, uint64_t *end,
                       GError **errp);

/*
 * The reset vector QEMU's virt machine places at the start of its mask ROM,
 * and the fw_dynamic_info after it (OpenSBI docs/firmware/fw_dynamic.md):
 * every hart enters with a0 = mhartid, a1 = fdt_addr, a2 = &info and jumps
 * to start_addr. The info asks for next_addr in S-mode, hart 0 booting.
 * Returns the blob (position-independent; it goes at the start of the ROM)
 * and its size.
 */
void *riscv_reset_vector_blob(uint64_t start_addr, uint64_t fdt_addr, uint64_t next_addr,
                              size_t *size);

#define FW_DYNAMIC_INFO_MAGIC 0x4942534f /* "OSBI" */
#define FW_DYNAMIC_INFO_VERSION 2
#define FW_DYNAMIC_INFO_NEXT_MODE_S 1

/*
 * The device tree's address: near the top of RAM, but below the 3 GiB mark when
 * RAM starts under it (so 32-bit-minded code can reach it), aligned down to 2 MiB:
 * QEMU's riscv_compute_fdt_addr() rule, which firmware and kernels expect. Fails when RAM is too
 * small to hold it without overlapping an image.
 */
bool riscv_place_fdt(uint64_t ram_base, uint64_t ram_size, uint64_t fdt_size, uint64_t *addr,
                     GError **errp);

typedef struct MachineState MachineState;
typedef struct RISCVCPU RISCVCPU;
typedef struct FdtBuilder FdtBuilder;

/* One hart per -smp CPU, hart id = index, of the machine's CPU model. */
bool riscv_harts_create(MachineState *ms, GError **errp);
/* Hand every hart to the accelerator (last step of a board's init). */
bool riscv_harts_start(GError **errp);
/* What QEMU's reset vector does for -bios none: M-mode at entry, a0 = hart id, a1 = fdt. */
void riscv_hart_enter_bare_metal(RISCVCPU *cpu, uint64_t entry, uint64_t fdt_addr);

/*
 * A hart node's ISA, e.g. "rv64imafdc_zicsr_sstc", in both bindings Linux reads:
 * "riscv,isa" (the string) and, from Linux 6.5, "riscv,isa-base" with the
 * "riscv,isa-extensions" string list (i, m, a, f, d, c, zicsr, sstc).
 */
void riscv_fdt_prop_isa(FdtBuilder *f, int node, const char *isa);

/*
 * node's "interrupts-extended": for each of the n harts, <intc irq> for each of the
 * n_irqs irqs, intc being the hart's interrupt-controller phandle (CLINT: M-mode
 * software and timer; PLIC: M- and S-mode external; an IMSIC or a direct-mode APLIC
 * domain: its level's external interrupt).
 */
void riscv_fdt_prop_hart_irqs(FdtBuilder *f, int node, const uint32_t *intc_phandle, unsigned n,
                              const uint32_t *irqs, unsigned n_irqs);

#endif
