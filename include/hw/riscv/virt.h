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
    VIRT_PLIC,  /* SiFive PLIC (aia=none) */
    VIRT_APLIC_M, /* APLIC machine-level (root) domain (aia=aplic, aplic-imsic) */
    VIRT_APLIC_S, /* APLIC supervisor-level domain */
    VIRT_IMSIC_M, /* IMSIC machine-level files, one page per hart (aia=aplic-imsic) */
    VIRT_IMSIC_S, /* IMSIC supervisor-level files */
    VIRT_UART0, /* ns16550a */
    VIRT_VIRTIO, /* the first of VIRT_VIRTIO_COUNT virtio-mmio slots, one page apart */
    VIRT_PCIE_PIO,  /* PCI I/O ports 0-0xffff */
    VIRT_PCIE_ECAM, /* PCIe configuration space, buses 0-255 */
    VIRT_PCIE_MMIO, /* 32-bit PCI memory window */
    VIRT_FW_CFG, /* fw_cfg: data, selector, DMA */
    VIRT_FLASH,  /* two CFI flash banks, each half of the window */
    VIRT_DRAM,
    VIRT_DEVICE_COUNT,
} VirtDevice;

typedef struct VirtMemMapEntry {
    uint64_t base;
    uint64_t size;
} VirtMemMapEntry;

extern const VirtMemMapEntry virt_memmap[VIRT_DEVICE_COUNT];

/* Interrupt sources as QEMU's virt numbers them on its PLIC (and its APLIC). */
#define VIRT_UART0_IRQ 10
#define VIRT_RTC_IRQ 11
#define VIRT_VIRTIO_IRQ 1 /* slot i uses PLIC source VIRT_VIRTIO_IRQ + i */
#define VIRT_VIRTIO_COUNT 8
#define VIRT_PCIE_IRQ 32 /* INTA-D of the PCIe root complex: PLIC sources 32-35 */
/* The 64-bit PCI memory window: 16 GiB, at the first 16 GiB boundary above RAM (QEMU's). */
#define VIRT_PCIE_HIGH_MMIO_SIZE (16 * GiB)
/* PLIC (APLIC) sources 1 .. 96 (riscv,ndev = 96), as QEMU's virt has them. */
#define VIRT_IRQCHIP_NUM_SOURCES 96

#define VIRT_TIMEBASE_FREQ 10000000 /* 10 MHz, like QEMU */
#define VIRT_UART_CLOCK 3686400     /* what QEMU's device tree advertises */
#define VIRT_FLASH_BANKS 2

/* -machine aia=: the interrupt controllers, as QEMU's virt offers them. */
typedef enum VirtAiaType {
    VIRT_AIA_NONE,        /* the PLIC */
    VIRT_AIA_APLIC,       /* APLIC M and S domains, direct delivery */
    VIRT_AIA_APLIC_IMSIC, /* APLIC domains delivering MSIs to per-hart IMSICs */
} VirtAiaType;

typedef struct VirtBoard {
    MemoryRegion ram;
    MemoryRegion mrom;
    VirtAiaType aia;
    DeviceState *plic;    /* aia=none */
    DeviceState *aplic_m; /* otherwise: the root domain the devices are wired to */
    DeviceState *aplic_s;
    DeviceState *virtio[VIRT_VIRTIO_COUNT];
    DeviceState *pcie;            /* gpex-pcihost, with root bus pcie.0 */
    uint64_t pcie_high_mmio_base; /* where the 64-bit window starts for this RAM size */
    struct FWCfgState *fw_cfg;
    char *dumpdtb;     /* -machine dumpdtb=FILE */
    char *pflash_node[VIRT_FLASH_BANKS]; /* -machine pflashN=NODE */
    void *fdt;         /* the device tree, packed */
    uint64_t fdt_addr; /* where it lives in guest RAM */
    uint64_t entry;    /* where every hart starts */
    /*
     * Firmware boot: the harts start at the reset vector in the mask ROM, which
     * enters the firmware; the firmware starts kernel_entry in S-mode. Without
     * firmware (-bios none) they start at entry in M-mode with a0/a1 set.
     */
    bool firmware;
    bool flash0_backed;                /* flash bank 0 has a drive: boot from it */
    uint64_t kernel_entry;             /* 0 when there is no -kernel */
    uint64_t initrd_start, initrd_end; /* both 0 without -initrd */
} VirtBoard;

#endif
