/*
 * io: port-I/O and MMIO dispatch, against mimic's pc-testdev layout (NOT
 * QEMU's pc-testdev, which has other registers; this program is mimic-only):
 *
 *   ports 0xe0-0xe7   8-byte scratch register, 1/2/4-byte accesses at any
 *                     offset where they fit, bytes stored little-endian
 *   0xfe000000        4 KiB scratch memory served by device callbacks (not
 *                     RAM), 1/2/4/8-byte accesses, unaligned ones included
 *
 * Every access is checked against a byte-array model of the device. Also:
 * an unassigned port reads all ones, and unassigned MMIO reads all ones and
 * ignores writes.
 */
#include "test.h"

const char test_name[] = "io";

#define TESTDEV_PORT 0xe0
#define TESTDEV_PORT_LEN 8
#define TESTDEV_MMIO 0xfe000000ul
#define TESTDEV_MMIO_LEN 4096
#define UNASSIGNED_PORT 0x2f0
/*
 * Above the RAM of the harness's -m 256 and below the PCI hole; not
 * 0xfd000000, where a SeaBIOS-style BAR layout puts the VGA framebuffer.
 */
#define UNASSIGNED_MMIO 0xd0000000ul

static uint8_t port_model[TESTDEV_PORT_LEN];
static uint8_t mmio_model[TESTDEV_MMIO_LEN];
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void)
{
    /* xorshift64: a deterministic stream of patterns, same on every run. */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint64_t model_read(const uint8_t *model, unsigned off, unsigned size)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)model[off + i] << (8 * i);
    }
    return v;
}

static void model_write(uint8_t *model, unsigned off, unsigned size, uint64_t v)
{
    for (unsigned i = 0; i < size; i++) {
        model[off + i] = v >> (8 * i);
    }
}

static uint64_t size_mask(unsigned size)
{
    return size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static uint32_t port_read(unsigned off, unsigned size)
{
    uint16_t port = TESTDEV_PORT + off;

    return size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
}

static void port_write(unsigned off, unsigned size, uint32_t v)
{
    uint16_t port = TESTDEV_PORT + off;

    if (size == 1) {
        outb(port, v);
    } else if (size == 2) {
        outw(port, v);
    } else {
        outl(port, v);
    }
}

static uint64_t mmio_read(unsigned off, unsigned size)
{
    uintptr_t a = TESTDEV_MMIO + off;

    switch (size) {
    case 1:
        return mmio_read8(a);
    case 2:
        return mmio_read16(a);
    case 4:
        return mmio_read32(a);
    default:
        return mmio_read64(a);
    }
}

static void mmio_write(unsigned off, unsigned size, uint64_t v)
{
    uintptr_t a = TESTDEV_MMIO + off;

    switch (size) {
    case 1:
        mmio_write8(a, v);
        break;
    case 2:
        mmio_write16(a, v);
        break;
    case 4:
        mmio_write32(a, v);
        break;
    default:
        mmio_write64(a, v);
        break;
    }
}

/* Every size at every offset where it fits, after a `wsize`-byte write at `at`. */
static void port_check_all(unsigned wsize, unsigned at)
{
    for (unsigned size = 1; size <= 4; size *= 2) {
        for (unsigned off = 0; off + size <= TESTDEV_PORT_LEN; off++) {
            uint32_t got = port_read(off, size);
            uint32_t want = model_read(port_model, off, size);
            if (got != want) {
                test_fail("port 0x%x: %u-byte read gave 0x%x, expected 0x%x "
                          "(after a %u-byte write to port 0x%x)",
                          TESTDEV_PORT + off, size, got, want, wsize, TESTDEV_PORT + at);
            }
        }
    }
}

static void test_ports(void)
{
    int writes = 0;

    /* A known pattern with dword writes: bytes 00 01 .. 07. */
    port_write(0, 4, 0x03020100);
    port_write(4, 4, 0x07060504);
    model_write(port_model, 0, 4, 0x03020100);
    model_write(port_model, 4, 4, 0x07060504);
    port_check_all(4, 4);
    if (inw(TESTDEV_PORT + 1) != 0x0201 || inl(TESTDEV_PORT + 3) != 0x06050403) {
        test_fail("unaligned reads: inw(0xe1)=0x%x inl(0xe3)=0x%x, expected 0x201, 0x6050403",
                  inw(TESTDEV_PORT + 1), inl(TESTDEV_PORT + 3));
    }

    for (unsigned size = 1; size <= 4; size *= 2) {
        for (unsigned off = 0; off + size <= TESTDEV_PORT_LEN; off++) {
            uint32_t v = next_random() & size_mask(size);
            port_write(off, size, v);
            model_write(port_model, off, size, v);
            writes++;
            port_check_all(size, off);
        }
    }
    printf("io: ports 0x%x-0x%x: %d writes of 1/2/4 bytes at every offset, all reads match\n",
           TESTDEV_PORT, TESTDEV_PORT + TESTDEV_PORT_LEN - 1, writes);
}

/* Every size at every offset in [lo, hi), after a `wsize`-byte write at `at`. */
static void mmio_check_range(unsigned lo, unsigned hi, unsigned wsize, unsigned at)
{
    for (unsigned size = 1; size <= 8; size *= 2) {
        for (unsigned off = lo; off < hi && off + size <= TESTDEV_MMIO_LEN; off++) {
            uint64_t got = mmio_read(off, size);
            uint64_t want = model_read(mmio_model, off, size);
            if (got != want) {
                test_fail("MMIO 0x%lx: %u-byte read gave 0x%lx, expected 0x%lx "
                          "(after a %u-byte write to 0x%lx)",
                          TESTDEV_MMIO + off, size, got, want, wsize, TESTDEV_MMIO + at);
            }
        }
    }
}

static void test_mmio(void)
{
    static const unsigned windows[] = {0, 8, 0x7f8, TESTDEV_MMIO_LEN - 16};
    int writes = 0;

    /* Whole-region fill with qwords, checked back with bytes. */
    for (unsigned off = 0; off < TESTDEV_MMIO_LEN; off += 8) {
        uint64_t v = next_random();
        mmio_write(off, 8, v);
        model_write(mmio_model, off, 8, v);
    }
    for (unsigned off = 0; off < TESTDEV_MMIO_LEN; off++) {
        uint8_t got = mmio_read8(TESTDEV_MMIO + off);
        if (got != mmio_model[off]) {
            test_fail("MMIO 0x%lx: byte read 0x%02x, expected 0x%02x after qword fill",
                      TESTDEV_MMIO + off, got, mmio_model[off]);
        }
    }

    /* The two accesses the spec names, with fixed values. */
    mmio_write(0, 8, 0x0706050403020100ull);
    mmio_write(8, 8, 0x0f0e0d0c0b0a0908ull);
    model_write(mmio_model, 0, 8, 0x0706050403020100ull);
    model_write(mmio_model, 8, 8, 0x0f0e0d0c0b0a0908ull);
    mmio_write(1, 4, 0xddccbbaa);
    model_write(mmio_model, 1, 4, 0xddccbbaa);
    uint64_t q = mmio_read(3, 8);
    if (q != 0x0a0908070605ddccull) {
        test_fail("MMIO: 8-byte read at offset 3 after a 4-byte write at offset 1 gave 0x%lx, "
                  "expected 0xa0908070605ddcc",
                  q);
    }
    mmio_check_range(0, 16, 4, 1);

    /* Every size at every offset of a few 16-byte windows, edges included. */
    for (size_t w = 0; w < ARRAY_SIZE(windows); w++) {
        unsigned lo = windows[w], hi = windows[w] + 16;
        for (unsigned size = 1; size <= 8; size *= 2) {
            for (unsigned off = lo; off + size <= hi; off++) {
                uint64_t v = next_random() & size_mask(size);
                mmio_write(off, size, v);
                model_write(mmio_model, off, size, v);
                writes++;
                mmio_check_range(lo > 8 ? lo - 8 : 0, hi, size, off);
            }
        }
    }
    printf("io: MMIO 0x%lx: qword fill of 4 KiB, %d writes of 1/2/4/8 bytes at aligned and "
           "unaligned offsets, all reads match\n",
           TESTDEV_MMIO, writes);
}

static void test_unassigned(void)
{
    uint8_t b = inb(UNASSIGNED_PORT);
    uint16_t w = inw(UNASSIGNED_PORT);
    uint32_t l = inl(UNASSIGNED_PORT);

    if (b != 0xff || w != 0xffff || l != 0xffffffff) {
        test_fail("unassigned port 0x%x read 0x%x/0x%x/0x%x, expected all ones", UNASSIGNED_PORT, b,
                  w, l);
    }

    for (int i = 0; i < boot.nr_mmap; i++) {
        const struct boot_mmap_entry *e = &boot.mmap[i];
        if (UNASSIGNED_MMIO >= e->addr && UNASSIGNED_MMIO < e->addr + e->len) {
            test_fail("0x%lx is in the memory map (type %u): run with less than 3 GiB of RAM",
                      UNASSIGNED_MMIO, e->type);
        }
    }
    mmio_write32(UNASSIGNED_MMIO, 0x12345678);
    mmio_write8(UNASSIGNED_MMIO + 5, 0);
    uint32_t d = mmio_read32(UNASSIGNED_MMIO);
    uint8_t c = mmio_read8(UNASSIGNED_MMIO + 5);
    uint64_t qw = mmio_read64(UNASSIGNED_MMIO + 8);
    if (d != 0xffffffff || c != 0xff || qw != ~0ull) {
        test_fail("unassigned MMIO 0x%lx read 0x%x/0x%x/0x%lx after writes, expected all ones",
                  UNASSIGNED_MMIO, d, c, qw);
    }
    printf("io: unassigned port 0x%x and MMIO 0x%lx read all ones, writes ignored\n",
           UNASSIGNED_PORT, UNASSIGNED_MMIO);
}

void test_main(void)
{
    printf("io: mimic's pc-testdev layout (QEMU's pc-testdev differs; mimic-only)\n");
    test_ports();
    test_mmio();
    test_unassigned();
}
