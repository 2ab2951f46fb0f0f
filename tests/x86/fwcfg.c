/*
 * fwcfg: QEMU's firmware configuration interface on the PC (QEMU
 * docs/specs/fw_cfg.rst): selector port 0x510 (16-bit write), data port
 * 0x511 (byte reads), DMA address at 0x514/0x518 (big-endian halves, the low
 * half's write starts the transfer). Checks the signature, the ID features,
 * the CPU count against cpus=, and the file directory (key 0x19); with the
 * DMA feature, the signature and the directory count read over DMA too.
 */
#include "test.h"

const char test_name[] = "fwcfg";

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_PORT_DMA_HI 0x514
#define FW_CFG_PORT_DMA_LO 0x518

#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_ID 0x0001
#define FW_CFG_NB_CPUS 0x0005
#define FW_CFG_FILE_DIR 0x0019
#define FW_CFG_FILE_FIRST 0x0020

#define FW_CFG_ID_TRADITIONAL 0x1
#define FW_CFG_ID_DMA 0x2

#define FW_CFG_DMA_CTL_ERROR 0x01
#define FW_CFG_DMA_CTL_READ 0x02
#define FW_CFG_DMA_CTL_SELECT 0x08

struct fw_cfg_file {
    uint32_t size;   /* big-endian */
    uint16_t select; /* big-endian */
    uint16_t reserved;
    char name[56];
} __attribute__((packed));

struct fw_cfg_dma_access {
    uint32_t control; /* big-endian, all three */
    uint32_t length;
    uint64_t address;
} __attribute__((packed));

static void fw_cfg_select(uint16_t key)
{
    outw(FW_CFG_PORT_SEL, key);
}

static void fw_cfg_read(void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len--) {
        *p++ = inb(FW_CFG_PORT_DATA);
    }
}

static void fw_cfg_read_key(uint16_t key, void *buf, size_t len)
{
    fw_cfg_select(key);
    fw_cfg_read(buf, len);
}

static void fw_cfg_dma_read(uint16_t key, void *buf, uint32_t len)
{
    static volatile struct fw_cfg_dma_access dma __attribute__((aligned(16)));
    uint64_t addr = (uintptr_t)&dma;

    dma.control = bswap32(((uint32_t)key << 16) | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ);
    dma.length = bswap32(len);
    dma.address = bswap64((uintptr_t)buf);
    asm volatile("" : : : "memory");
    outl(FW_CFG_PORT_DMA_HI, bswap32(addr >> 32));
    outl(FW_CFG_PORT_DMA_LO, bswap32((uint32_t)addr));

    /* The device clears control when done; QEMU finishes before the out returns. */
    for (int i = 0; i < 1000000 && dma.control; i++) {
        cpu_relax();
    }
    uint32_t control = bswap32(dma.control);
    if (control) {
        test_fail("fw_cfg DMA read of key 0x%x: control 0x%x after the transfer (%s)", key, control,
                  control & FW_CFG_DMA_CTL_ERROR ? "error bit set" : "never completed");
    }
}

static bool has_nul(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!s[i]) {
            return true;
        }
    }
    return false;
}

static void test_signature(void)
{
    char sig[5] = {0};

    fw_cfg_read_key(FW_CFG_SIGNATURE, sig, 4);
    if (memcmp(sig, "QEMU", 4)) {
        test_fail("signature key 0x0 read %02x %02x %02x %02x, expected \"QEMU\"", (uint8_t)sig[0],
                  (uint8_t)sig[1], (uint8_t)sig[2], (uint8_t)sig[3]);
    }
    printf("fwcfg: signature \"%s\"\n", sig);
}

static uint32_t test_id(void)
{
    uint32_t id;

    fw_cfg_read_key(FW_CFG_ID, &id, 4);
    if (!(id & FW_CFG_ID_TRADITIONAL)) {
        test_fail("ID key 0x1 is 0x%x: bit 0 (traditional interface) clear", id);
    }
    printf("fwcfg: ID 0x%x (traditional interface%s)\n", id,
           id & FW_CFG_ID_DMA ? ", DMA" : ", no DMA");
    return id;
}

static void test_nb_cpus(void)
{
    uint64_t cpus = cmdline_get_uint("cpus", 1);
    uint16_t nb;

    fw_cfg_read_key(FW_CFG_NB_CPUS, &nb, 2);
    if (nb != cpus) {
        test_fail("nb_cpus key 0x5 is %u, command line says cpus=%lu", nb, cpus);
    }
    printf("fwcfg: nb_cpus %u matches cpus=%lu\n", nb, cpus);
}

static uint32_t test_file_dir(void)
{
    struct fw_cfg_file f;
    uint32_t count;
    bool e820 = false;
    uint16_t e820_select = 0;
    uint32_t e820_size = 0;

    fw_cfg_select(FW_CFG_FILE_DIR);
    fw_cfg_read(&count, 4);
    count = bswap32(count);
    if (count == 0 || count > 4096) {
        test_fail("file directory (key 0x19) count %u, expected 1..4096", count);
    }
    for (uint32_t i = 0; i < count; i++) {
        fw_cfg_read(&f, sizeof(f));
        uint16_t select = bswap16(f.select);
        uint32_t size = bswap32(f.size);
        if (select < FW_CFG_FILE_FIRST) {
            test_fail("file directory entry %u: select key 0x%x is below 0x%x", i, select,
                      FW_CFG_FILE_FIRST);
        }
        if (!has_nul(f.name, sizeof(f.name)) || !f.name[0]) {
            test_fail("file directory entry %u (key 0x%x): name empty or not NUL-terminated", i,
                      select);
        }
        printf("fwcfg: file 0x%x %6u bytes %s\n", select, size, f.name);
        if (!strcmp(f.name, "etc/e820")) {
            e820 = true;
            e820_select = select;
            e820_size = size;
        }
    }

    if (!e820) {
        printf("fwcfg: note: no etc/e820 file\n");
        return count;
    }
    /* struct e820_entry { le64 address; le64 length; le32 type; } */
    if (e820_size == 0 || e820_size % 20) {
        test_fail("etc/e820 is %u bytes, not a non-zero multiple of 20", e820_size);
    }
    fw_cfg_select(e820_select);
    bool ram = false;
    for (uint32_t off = 0; off < e820_size; off += 20) {
        uint8_t e[20];
        uint64_t addr, len;
        uint32_t type;
        fw_cfg_read(e, sizeof(e));
        memcpy(&addr, e, 8);
        memcpy(&len, e + 8, 8);
        memcpy(&type, e + 16, 4);
        printf("fwcfg: etc/e820 0x%lx-0x%lx type %u\n", addr, addr + len - 1, type);
        ram |= type == 1 && len;
    }
    if (!ram) {
        test_fail("etc/e820 has no RAM (type 1) entry");
    }
    return count;
}

static void test_dma(uint32_t dir_count)
{
    char sig[5] = {0};
    uint32_t count;

    fw_cfg_dma_read(FW_CFG_SIGNATURE, sig, 4);
    if (memcmp(sig, "QEMU", 4)) {
        test_fail("DMA read of the signature gave %02x %02x %02x %02x, expected \"QEMU\"",
                  (uint8_t)sig[0], (uint8_t)sig[1], (uint8_t)sig[2], (uint8_t)sig[3]);
    }
    fw_cfg_dma_read(FW_CFG_FILE_DIR, &count, 4);
    if (bswap32(count) != dir_count) {
        test_fail("DMA read of the file count gave %u, the data port %u", bswap32(count),
                  dir_count);
    }
    printf("fwcfg: DMA interface reads the signature \"%s\" and file count %u\n", sig, dir_count);
}

void test_main(void)
{
    test_signature();
    uint32_t id = test_id();
    test_nb_cpus();
    uint32_t count = test_file_dir();
    if (id & FW_CFG_ID_DMA) {
        test_dma(count);
    } else {
        printf("fwcfg: note: no DMA interface, DMA not checked\n");
    }
}
