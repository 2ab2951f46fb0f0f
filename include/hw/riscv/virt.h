/*
 * The riscv64 "virt" machine: QEMU's memory map, so that programs and firmware
 * written for QEMU's virt board run unchanged.
 */
#ifndef HW_RISCV_VIRT_H
#define HW_RISCV_VIRT_H

#include "core/machine.h"
#include "core/qdev.h"
#include "system/memory.h"

#define VIRT_MAX_HARTS 8

/* The board's devices; the addresses are QEMU's (hw/riscv/virt.c virt_memmap). */
typedef enum VirtDevice {
    VIRT_MROM,  /* reset vector and fw_dynamic_info */
    VIRT_TEST,  /* SiFive test/finisher */
    VIRT_RTC,   /* goldfish RTC */
    VIRT_CLINT, /* ACLINT MSWI + MTIMER in the SiFive CLINT layout */
    VIRT_PLIC,  /* SiFive PLIC */
    VIRT_UART0, /* ns16550a */
    VIRT_VIRTIO, /* the first of VIRT_VIRTIO_COUNT virtio-mmio slots, one page apart */
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
#define VIRT_RTC_IRQ 11
#define VIRT_VIRTIO_IRQ 1 /* slot i uses PLIC source VIRT_VIRTIO_IRQ + i */
#define VIRT_VIRTIO_COUNT 8
/* PLIC sources 1 .. 96 (riscv,ndev = 96), as QEMU's virt has them. */
#define VIRT_IRQCHIP_NUM_SOURCES 96

#define VIRT_TIMEBASE_FREQ 10000000 /* 10 MHz, like QEMU */
#define VIRT_UART_CLOCK 3686400     /* what QEMU's device tree advertises */

typedef struct VirtBoard {
    MemoryRegion ram;
    MemoryRegion mrom;
    DeviceState *plic;
    DeviceState *virtio[VIRT_VIRTIO_COUNT];
    char *dumpdtb;     /* -machine dumpdtb=FILE */
    void *fdt;         /* the device tree, packed */
    uint64_t fdt_addr; /* where it lives in guest RAM */
    uint64_t entry;    /* where every hart starts */
    /*
     * Firmware boot: the harts start at the reset vector in the mask ROM, which
     * enters the firmware; the firmware starts kernel_entry in S-mode. Without
     * firmware (-bios none) they start at entry in M-mode with a0/a1 set.
     */
    bool firmware;
    uint64_t kernel_entry;             /* 0 when there is no -kernel */
    uint64_t initrd_start, initrd_end; /* both 0 without -initrd */
} VirtBoard;

#endif
