/*
 * dmacode: code brought in by a device's DMA must run after fence.i, not the
 * translation of what the page held before (unprivileged spec 20191213 §3.2:
 * fence.i makes all prior writes to instruction memory visible to fetches).
 * The program runs `li a0, 1; ret` from a scratch page, has virtio-blk read
 * sector 0 of its disk (`li a0, 2; ret`, written by the harness) over that
 * page, executes fence.i and calls the page again: it must return 2.
 *
 * Needs -drive file=DISK,if=virtio,format=raw; a minimal polled virtio-mmio
 * (version 2) block driver, virtio 1.2 §4.2.2 and §5.2.
 */
#include "test.h"

#define VIRTIO_MMIO_BASE 0x10001000UL
#define VIRTIO_MMIO_SLOTS 8
#define VIRTIO_MMIO_STRIDE 0x1000UL

enum {
    MMIO_MAGIC = 0x000,
    MMIO_DEVICE_ID = 0x008,
    MMIO_DRIVER_FEATURES = 0x020,
    MMIO_DRIVER_FEATURES_SEL = 0x024,
    MMIO_QUEUE_SEL = 0x030,
    MMIO_QUEUE_NUM = 0x038,
    MMIO_QUEUE_READY = 0x044,
    MMIO_QUEUE_NOTIFY = 0x050,
    MMIO_STATUS = 0x070,
    MMIO_QUEUE_DESC = 0x080,
    MMIO_QUEUE_DRIVER = 0x090,
    MMIO_QUEUE_DEVICE = 0x0a0,
};

#define VIRTIO_MAGIC 0x74726976
#define VIRTIO_ID_BLOCK 2
#define STATUS_ACK 1
#define STATUS_DRIVER 2
#define STATUS_DRIVER_OK 4
#define STATUS_FEATURES_OK 8
#define DESC_F_NEXT 1
#define DESC_F_WRITE 2
#define QUEUE_SIZE 4

typedef struct VringDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
} VringDesc;

typedef struct BlkRequest {
    uint32_t type; /* 0: read */
    uint32_t reserved;
    uint64_t sector;
} BlkRequest;

#define CODE_PAGE (SCRATCH_BASE)
#define QUEUE_PAGE (SCRATCH_BASE + 16 * PAGE_SIZE)
#define DESC ((volatile VringDesc *)QUEUE_PAGE)
#define AVAIL ((volatile uint16_t *)(QUEUE_PAGE + 0x100)) /* flags, idx, ring[] */
#define USED ((volatile uint16_t *)(QUEUE_PAGE + 0x200))  /* flags, idx, {id, len}[] */
#define REQUEST ((volatile BlkRequest *)(QUEUE_PAGE + 0x300))
#define REQ_STATUS ((volatile uint8_t *)(QUEUE_PAGE + 0x380))

static void reg_write(unsigned long base, unsigned off, uint32_t v)
{
    mmio_write32(base + off, v);
}

static void reg_write64(unsigned long base, unsigned off, uint64_t v)
{
    mmio_write32(base + off, (uint32_t)v);
    mmio_write32(base + off + 4, (uint32_t)(v >> 32));
}

static unsigned long find_block_device(void)
{
    for (int i = 0; i < VIRTIO_MMIO_SLOTS; i++) {
        unsigned long base = VIRTIO_MMIO_BASE + i * VIRTIO_MMIO_STRIDE;

        if (mmio_read32(base + MMIO_MAGIC) == VIRTIO_MAGIC &&
            mmio_read32(base + MMIO_DEVICE_ID) == VIRTIO_ID_BLOCK) {
            return base;
        }
    }
    return 0;
}

/* Device initialization (virtio 1.2 §3.1.1) with VIRTIO_F_VERSION_1 only, one queue. */
static void blk_init(unsigned long base)
{
    memset((void *)QUEUE_PAGE, 0, PAGE_SIZE);
    reg_write(base, MMIO_STATUS, 0);
    reg_write(base, MMIO_STATUS, STATUS_ACK | STATUS_DRIVER);
    reg_write(base, MMIO_DRIVER_FEATURES_SEL, 1);
    reg_write(base, MMIO_DRIVER_FEATURES, 1); /* bit 32: VIRTIO_F_VERSION_1 */
    reg_write(base, MMIO_STATUS, STATUS_ACK | STATUS_DRIVER | STATUS_FEATURES_OK);
    reg_write(base, MMIO_QUEUE_SEL, 0);
    reg_write(base, MMIO_QUEUE_NUM, QUEUE_SIZE);
    reg_write64(base, MMIO_QUEUE_DESC, (uint64_t)(unsigned long)DESC);
    reg_write64(base, MMIO_QUEUE_DRIVER, (uint64_t)(unsigned long)AVAIL);
    reg_write64(base, MMIO_QUEUE_DEVICE, (uint64_t)(unsigned long)USED);
    reg_write(base, MMIO_QUEUE_READY, 1);
    reg_write(base, MMIO_STATUS,
              STATUS_ACK | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
}

/* Read 512-byte sector 0 into dest by DMA; the device's status byte, 0 on success. */
static int blk_read_sector0(unsigned long base, unsigned long dest)
{
    REQUEST->type = 0;
    REQUEST->sector = 0;
    *REQ_STATUS = 0xff;
    DESC[0] = (VringDesc){(unsigned long)REQUEST, sizeof(BlkRequest), DESC_F_NEXT, 1};
    DESC[1] = (VringDesc){dest, 512, DESC_F_NEXT | DESC_F_WRITE, 2};
    DESC[2] = (VringDesc){(unsigned long)REQ_STATUS, 1, DESC_F_WRITE, 0};
    AVAIL[2] = 0; /* ring[0]: the chain at descriptor 0 */
    __asm__ volatile("fence rw, rw" ::: "memory");
    AVAIL[1] = 1; /* idx */
    __asm__ volatile("fence rw, rw" ::: "memory");
    reg_write(base, MMIO_QUEUE_NOTIFY, 0);
    while (USED[1] != 1) {
    }
    __asm__ volatile("fence rw, rw" ::: "memory");
    return *REQ_STATUS;
}

static long call_code_page(void)
{
    __asm__ volatile("fence.i" ::: "memory");
    return ((long (*)(void))CODE_PAGE)();
}

int main(void)
{
    unsigned long blk = find_block_device();

    check_true("dmacode: a virtio-blk device (-drive file=...,if=virtio)", blk != 0);
    if (!blk) {
        return test_finish("dmacode");
    }
    *(volatile uint32_t *)(CODE_PAGE + 0) = 0x00100513; /* li a0, 1 */
    *(volatile uint32_t *)(CODE_PAGE + 4) = 0x00008067; /* ret */
    CHECK("dmacode: code stored by the CPU runs", call_code_page(), 1);
    CHECK("dmacode: first call again (translated once)", call_code_page(), 1);

    blk_init(blk);
    CHECK("dmacode: virtio-blk read status", blk_read_sector0(blk, CODE_PAGE), 0);
    CHECK("dmacode: the sector arrived", *(volatile uint32_t *)CODE_PAGE, 0x00200513);
    CHECK("dmacode: code brought by DMA runs after fence.i", call_code_page(), 2);
    return test_finish("dmacode");
}
