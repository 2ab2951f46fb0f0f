/*
 * fwcfg-flash: the virt machine's firmware devices, as firmware drives them.
 *
 * fw_cfg (MMIO at 0x10100000; QEMU's docs/specs/fw_cfg.rst): the signature
 * and id through the data register, the DMA register's signature, the file
 * directory, and every "opt/" file read both through the data register and
 * by DMA; the files' bytes are printed for the test to compare.
 *
 * CFI flash (bank 0 at 0x20000000, bank 1 at 0x22000000; Intel command set,
 * a 4-byte bank of two x16 devices, 256 KiB blocks): the first bytes of bank
 * 0, the CFI query and identifier, a block erase, a word program and a
 * buffered program in bank 0's block 1, a sequence error, and a program into
 * bank 1, which the test backs with a read-only drive. The test then reads
 * the drives' files.
 */
#include "test.h"

#define FW_CFG_BASE 0x10100000UL
#define FW_CFG_DATA (FW_CFG_BASE + 0x0)
#define FW_CFG_SELECTOR (FW_CFG_BASE + 0x8)
#define FW_CFG_DMA (FW_CFG_BASE + 0x10)
#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_ID 0x01
#define FW_CFG_NB_CPUS 0x05
#define FW_CFG_FILE_DIR 0x19
#define FW_CFG_DMA_SELECT 0x08
#define FW_CFG_DMA_READ 0x02

#define FLASH0 0x20000000UL
#define FLASH1 0x22000000UL
#define FLASH_BLOCK 0x40000UL
/* A command goes to both x16 devices of the 4-byte bank. */
#define FLASH_CMD(c) ((uint32_t)(c) * 0x00010001u)
#define SR_READY 0x80
#define SR_ERRORS 0x3a

static const char prog[] = "fwcfg-flash";

struct fw_cfg_file {
    uint32_t size;   /* big endian */
    uint16_t select; /* big endian */
    uint16_t reserved;
    char name[56];
};

struct fw_cfg_dma_access {
    uint32_t control, length; /* big endian */
    uint64_t address;         /* big endian */
};

/* ---- fw_cfg ---- */

/* Byte swaps (the programs link no libgcc, whose swaps are built for another ABI). */
static uint64_t be64(uint64_t v)
{
    uint64_t r = 0;

    for (int i = 0; i < 8; i++) {
        r = (r << 8) | ((v >> (8 * i)) & 0xff);
    }
    return r;
}

static uint32_t be32(uint32_t v)
{
    return be64(v) >> 32;
}

static uint16_t be16(uint16_t v)
{
    return be64(v) >> 48;
}

static void fw_cfg_select(uint16_t key)
{
    *(volatile uint16_t *)FW_CFG_SELECTOR = be16(key);
}

static void fw_cfg_read(void *buf, size_t len)
{
    uint8_t *p = buf;

    for (size_t i = 0; i < len; i++) {
        p[i] = *(volatile uint8_t *)FW_CFG_DATA;
    }
}

/* Returns the control word after the transfer: 0 when it went well. */
static uint32_t fw_cfg_dma_read(uint16_t key, void *buf, uint32_t len)
{
    static volatile struct fw_cfg_dma_access dma __attribute__((aligned(16)));

    dma.control = be32((uint32_t)key << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ);
    dma.length = be32(len);
    dma.address = be64((uint64_t)(uintptr_t)buf);
    __asm__ volatile("fence" ::: "memory");
    mmio_write64(FW_CFG_DMA, be64((uint64_t)(uintptr_t)&dma));
    __asm__ volatile("fence" ::: "memory");
    return be32(dma.control);
}

static void print_hex(const char *what, const char *name, const uint8_t *p, uint32_t len)
{
    printf("fw_cfg %s %s ", what, name);
    for (uint32_t i = 0; i < len; i++) {
        printf("%02x", p[i]);
    }
    printf("\n");
}

static int starts_with(const char *s, const char *prefix)
{
    while (*prefix) {
        if (*s++ != *prefix++) {
            return 0;
        }
    }
    return 1;
}

/* An "opt/" file through the data register and by DMA; both printed in hex. */
static void test_user_file(const struct fw_cfg_file *f)
{
    static uint8_t by_data[4096], by_dma[4096];
    uint32_t size = be32(f->size);
    uint16_t key = be16(f->select);

    if (size > sizeof(by_data)) {
        printf("FAIL fw_cfg: %s is %u bytes, more than this test reads\n", f->name, size);
        test_failures++;
        return;
    }
    fw_cfg_select(key);
    fw_cfg_read(by_data, size);
    memset(by_dma, 0, sizeof(by_dma));
    CHECK("fw_cfg: DMA control after the transfer", fw_cfg_dma_read(key, by_dma, size), 0);
    print_hex("data", f->name, by_data, size);
    print_hex("dma", f->name, by_dma, size);
}

static void test_fw_cfg(void)
{
    static struct fw_cfg_file files[64];
    char sig[4];
    uint64_t dma_sig;
    uint32_t id, count;
    uint16_t cpus;

    fw_cfg_select(FW_CFG_SIGNATURE);
    fw_cfg_read(sig, 4);
    check_true("fw_cfg: signature is QEMU", sig[0] == 'Q' && sig[1] == 'E' && sig[2] == 'M' &&
                                                sig[3] == 'U');
    /* A 4-byte read of the data register gives the next four bytes in order. */
    fw_cfg_select(FW_CFG_ID);
    id = mmio_read32(FW_CFG_DATA);
    CHECK("fw_cfg: id says traditional + DMA", id, 3);
    dma_sig = mmio_read64(FW_CFG_DMA);
    CHECK("fw_cfg: DMA register reads \"QEMU CFG\"", be64(dma_sig),
          0x51454d5520434647ULL);
    fw_cfg_select(FW_CFG_NB_CPUS);
    fw_cfg_read(&cpus, 2);
    printf("fw_cfg nb_cpus %u\n", cpus);

    fw_cfg_select(FW_CFG_FILE_DIR);
    fw_cfg_read(&count, 4);
    count = be32(count);
    check_true("fw_cfg: file count in 1..64", count >= 1 && count <= 64);
    count = count > 64 ? 64 : count;
    /* The whole directory first: reading a file moves the selection. */
    fw_cfg_read(files, count * sizeof(files[0]));
    for (uint32_t i = 0; i < count; i++) {
        files[i].name[55] = 0;
        printf("fw_cfg file %s %u\n", files[i].name, be32(files[i].size));
        if (starts_with(files[i].name, "opt/")) {
            test_user_file(&files[i]);
        }
    }
    test_section(prog, "fw_cfg");
}

/* ---- flash ---- */

static void flash_cmd(unsigned long addr, uint8_t cmd)
{
    mmio_write32(addr, FLASH_CMD(cmd));
}

/* Poll until both devices are ready; returns the first device's status. */
static uint8_t flash_wait(unsigned long addr)
{
    uint32_t sr;

    flash_cmd(addr, 0x70);
    do {
        sr = mmio_read32(addr);
    } while ((sr & FLASH_CMD(SR_READY)) != FLASH_CMD(SR_READY));
    return sr & 0xff;
}

static void test_flash_query(void)
{
    printf("flash0 first bytes %08x %08x\n", mmio_read32(FLASH0), mmio_read32(FLASH0 + 4));
    flash_cmd(FLASH0 + 0x55 * 4, 0x98);
    CHECK("flash: CFI Q", *(volatile uint8_t *)(FLASH0 + 0x10 * 4), 'Q');
    CHECK("flash: CFI R", *(volatile uint8_t *)(FLASH0 + 0x11 * 4), 'R');
    CHECK("flash: CFI Y in both devices' lanes", mmio_read32(FLASH0 + 0x12 * 4), FLASH_CMD('Y'));
    CHECK("flash: Intel command set", *(volatile uint8_t *)(FLASH0 + 0x13 * 4), 1);
    CHECK("flash: device size 2^24", *(volatile uint8_t *)(FLASH0 + 0x27 * 4), 24);
    flash_cmd(FLASH0, 0x90);
    CHECK("flash: manufacturer id", mmio_read32(FLASH0), FLASH_CMD(0x89));
    CHECK("flash: device id", mmio_read32(FLASH0 + 4), FLASH_CMD(0x18));
    flash_cmd(FLASH0, 0xff);
    CHECK("flash: back in read-array mode", mmio_read32(FLASH0 + 0x12 * 4),
          *(volatile uint32_t *)(FLASH0 + 0x12 * 4));
    test_section(prog, "flash query");
}

static void test_flash_program(void)
{
    unsigned long block = FLASH0 + FLASH_BLOCK;
    uint8_t sr;

    flash_cmd(block, 0x20);
    flash_cmd(block, 0xd0);
    CHECK("flash: erase status", flash_wait(block) & SR_ERRORS, 0);
    flash_cmd(block, 0xff);
    CHECK("flash: erased word", mmio_read32(block + 0x100), 0xffffffff);
    CHECK("flash: erased block end", mmio_read32(block + FLASH_BLOCK - 4), 0xffffffff);

    flash_cmd(block, 0x40);
    mmio_write32(block + 0x10, 0xcafef00d);
    CHECK("flash: program status", flash_wait(block) & SR_ERRORS, 0);
    flash_cmd(block, 0xff);
    CHECK("flash: programmed word", mmio_read32(block + 0x10), 0xcafef00d);

    /* Buffered: 0xe8, wait for the buffer, the count - 1, the data, confirm. */
    flash_cmd(block + 0x200, 0xe8);
    while (!(mmio_read32(block + 0x200) & SR_READY)) {
    }
    flash_cmd(block + 0x200, 8 - 1);
    for (uint32_t i = 0; i < 8; i++) {
        mmio_write32(block + 0x200 + 4 * i, 0x11111111u * (i + 1));
    }
    flash_cmd(block + 0x200, 0xd0);
    CHECK("flash: buffered program status", flash_wait(block) & SR_ERRORS, 0);
    flash_cmd(block, 0xff);
    CHECK("flash: buffered word 0", mmio_read32(block + 0x200), 0x11111111);
    CHECK("flash: buffered word 7", mmio_read32(block + 0x21c), 0x88888888);

    /* Erase setup followed by anything but confirm: a command sequence error. */
    flash_cmd(block, 0x20);
    flash_cmd(block, 0xff);
    CHECK("flash: sequence error", flash_wait(block) & 0x30, 0x30);
    flash_cmd(block, 0x50);
    CHECK("flash: status cleared", flash_wait(block) & SR_ERRORS, 0);
    flash_cmd(block, 0xff);

    /* Bank 1 is read-only: the program fails and the word stays. */
    flash_cmd(FLASH1, 0x40);
    mmio_write32(FLASH1, 0);
    sr = flash_wait(FLASH1);
    CHECK("flash: read-only bank reports a program error", sr & 0x10, 0x10);
    flash_cmd(FLASH1, 0x50);
    flash_cmd(FLASH1, 0xff);
    printf("flash1 first word %08x\n", mmio_read32(FLASH1));
    test_section(prog, "flash program and erase");
}

int main(void)
{
    test_fw_cfg();
    test_flash_query();
    test_flash_program();
    return test_finish(prog);
}
