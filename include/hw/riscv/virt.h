/*
 * The riscv64 "virt" machine: QEMU's memory map, so that programs and firmware
 * written for QEMU's virt board run unchanged.
 */
#ifndef HW_RISCV_VIRT_H
#define HW_RISCV_VIRT_H

#include "core/machine.h"
#include "system/memory.h"

#define VIRT_MAX_HARTS 8

/* The board's devices; the addresses are QEMU's (hw/riscv/virt.c virt_memmap). */
typedef enum VirtDevice {
    VIRT_TEST,  /* SiFive test/finisher */
    VIRT_CLINT, /* ACLINT MSWI + MTIMER in the SiFive CLINT layout */
    VIRT_UART0, /* ns16550a */
    VIRT_DRAM,
    VIRT_DEVICE_COUNT,
} VirtDevice;

typedef struct VirtMemMapEntry {
    uint64_t base;
    uint64_t size;
} VirtMemMapEntry;

extern const VirtMemMapEntry virt_memmap[VIRT_DEVICE_COUNT];

/* Interrupt sources as QEMU's virt numbers them on its PLIC. */
#define VIRT_UART0_IRQ 10

#define VIRT_TIMEBASE_FREQ 10000000 /* 10 MHz, like QEMU */
#define VIRT_UART_CLOCK 3686400     /* what QEMU's device tree advertises */

typedef struct VirtBoard {
    MemoryRegion ram;
    char *dumpdtb;     /* -machine dumpdtb=FILE */
    void *fdt;         /* the device tree, packed */
    uint64_t fdt_addr; /* where it lives in guest RAM */
    uint64_t entry;    /* where every hart starts */
} VirtBoard;

#endif
