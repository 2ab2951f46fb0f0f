/*
 * The x86 pc machine's board state, shared by its boot loaders and table
 * builders (hw/i386/).
 */
#ifndef HW_I386_PC_H
#define HW_I386_PC_H

#include "core/machine.h"
#include "core/irq.h"
#include "system/memory.h"
#include "hw/core/fw_cfg.h"

enum {
    E820_RAM = 1,
    E820_RESERVED = 2,
    E820_ACPI = 3,
};

typedef struct E820Entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} __attribute__((packed)) E820Entry;

#define E820_MAX_ENTRIES 16

/* Fixed addresses of what the machine puts in low memory for a direct kernel boot. */
#define PC_BOOT_GDT_ADDR 0x500
#define PC_ACPI_TABLES_ADDR 0xe0000
#define PC_ACPI_TABLES_SIZE 0x10000
#define PC_ACPI_RSDP_ADDR PC_ACPI_TABLES_ADDR /* the RSDP opens the tables */
#define PC_EBDA_START 0x9fc00
#define PC_HIGH_MEMORY 0x100000
#define PC_IOAPIC_ADDR 0xfec00000
#define PC_MSI_WINDOW_ADDR 0xfee00000 /* where PCI functions write their MSIs */
#define PC_MSI_WINDOW_SIZE 0x100000
#define PC_MSI_VECTORS 256
#define PC_PCI_HOLE_START 0xc0000000ULL /* RAM above this moves above 4 GiB */
#define PC_GSI_COUNT 24

/* The entry state a boot loader asks for the bootstrap processor. */
typedef struct PCBootState {
    bool valid;
    uint32_t entry;
    uint32_t eax, ebx, esi;
} PCBootState;

typedef struct PCBoard {
    MemoryRegion ram, ram_below_4g, ram_above_4g;
    MemoryRegion ioport80;
    uint64_t below_4g, above_4g;
    E820Entry e820[E820_MAX_ENTRIES];
    unsigned e820_count;
    FWCfgState *fw_cfg;
    IrqLine *gsi;
    uint32_t gsi_level;                /* each GSI's last level */
    uint64_t gsi_raised[PC_GSI_COUNT]; /* times each GSI went high (info irq) */
    IrqStats pic_stats, ioapic_stats;
    MemoryRegion msi_window;
    uint64_t msi_sent[PC_MSI_VECTORS]; /* MSIs by vector: info irq's lines for apic-msi */
    IrqStats msi_stats;
    PCBootState boot;
    bool acpi_built;
} PCBoard;

/* Build the ACPI tables at PC_ACPI_TABLES_ADDR, the RSDP first; once the machine is complete. */
void pc_acpi_build(PCBoard *pc, MachineState *ms);

bool pc_linux_is_bzimage(const uint8_t *data, size_t len);
bool pc_linux_load(PCBoard *pc, MachineState *ms, const uint8_t *kernel, size_t len,
                   GError **errp);
/* Multiboot v1 (with a header in the first 8 KiB). */
bool pc_multiboot_probe(const uint8_t *data, size_t len);
bool pc_multiboot_load(PCBoard *pc, MachineState *ms, const uint8_t *kernel, size_t len,
                       GError **errp);
/* Highest free RAM address below 4 GiB for images placed from the top down. */
static inline uint64_t pc_low_ram_top(const PCBoard *pc)
{
    return pc->below_4g;
}

#endif
