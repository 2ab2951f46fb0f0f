/*
 * Memory API: flattening (overlaps, priorities, aliases, containers), dispatch
 * (access sizes, splitting, endianness, unassigned), listeners.
 */
#include "system/memory.h"

typedef struct TestDev {
    uint8_t bytes[64];
    unsigned calls;
    unsigned last_size;
} TestDev;

static uint64_t testdev_read(void *opaque, uint64_t addr, unsigned size)
{
    TestDev *d = opaque;
    uint64_t v = 0;

    d->calls++;
    d->last_size = size;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)d->bytes[addr + i] << (8 * i);
    }
    return v;
}

static void testdev_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    TestDev *d = opaque;

    d->calls++;
    d->last_size = size;
    for (unsigned i = 0; i < size; i++) {
        d->bytes[addr + i] = val >> (8 * i);
    }
}

static const MemoryRegionOps bytewise_ops = {
    .read = testdev_read,
    .write = testdev_write,
    .valid = {.min_access_size = 1, .max_access_size = 8, .unaligned = true},
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

static const MemoryRegionOps dword_only_ops = {
    .read = testdev_read,
    .write = testdev_write,
    .valid = {.min_access_size = 4, .max_access_size = 4},
    .impl = {.min_access_size = 4, .max_access_size = 4},
};

static const MemoryRegionOps bigendian_ops = {
    .read = testdev_read,
    .write = testdev_write,
    .endianness = DEVICE_BIG_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 8},
    .impl = {.min_access_size = 4, .max_access_size = 4},
};

static MemoryRegion *new_container(uint64_t size)
{
    MemoryRegion *mr = g_new0(MemoryRegion, 1);
    memory_region_init(mr, "root", size);
    return mr;
}

static MemoryRegion *new_ram(const char *name, uint64_t size)
{
    MemoryRegion *mr = g_new0(MemoryRegion, 1);
    g_assert_true(memory_region_init_ram(mr, name, size, NULL));
    return mr;
}

static void test_higher_priority_wins_overlap(void)
{
    MemoryRegion *root = new_container(0x10000);
    MemoryRegion *low = new_ram("low", 0x4000);
    MemoryRegion *high = new_ram("high", 0x1000);
    AddressSpace as = {0};
    const FlatRange *r;

    memory_region_add_subregion_overlap(root, 0x0, low, 0);
    memory_region_add_subregion_overlap(root, 0x1000, high, 1);
    address_space_init(&as, root, "test");

    g_assert_cmpuint(as.view->nr, ==, 3);
    r = flatview_lookup(as.view, 0x1800);
    g_assert_true(r->mr == high);
    g_assert_cmpuint(r->offset_in_region + (0x1800 - r->start), ==, 0x800);
    r = flatview_lookup(as.view, 0x2000);
    g_assert_true(r->mr == low);
    g_assert_cmpuint(r->offset_in_region, ==, 0x2000);
    g_assert_null(flatview_lookup(as.view, 0x4000));
    address_space_destroy(&as);
}

static void test_lower_priority_added_later_stays_hidden(void)
{
    MemoryRegion *root = new_container(0x10000);
    MemoryRegion *top = new_ram("top", 0x2000);
    MemoryRegion *under = new_ram("under", 0x8000);
    AddressSpace as = {0};

    memory_region_add_subregion_overlap(root, 0x1000, top, 5);
    memory_region_add_subregion_overlap(root, 0x0, under, -1);
    address_space_init(&as, root, "test");
    g_assert_true(flatview_lookup(as.view, 0x1fff)->mr == top);
    g_assert_true(flatview_lookup(as.view, 0x2fff)->mr == top);
    g_assert_true(flatview_lookup(as.view, 0x3000)->mr == under);
    g_assert_true(flatview_lookup(as.view, 0x0)->mr == under);
    address_space_destroy(&as);
}

static void test_equal_priority_newest_wins(void)
{
    MemoryRegion *root = new_container(0x10000);
    MemoryRegion *a = new_ram("a", 0x2000);
    MemoryRegion *b = new_ram("b", 0x2000);
    AddressSpace as = {0};

    memory_region_add_subregion(root, 0x0, a);
    memory_region_add_subregion(root, 0x1000, b);
    address_space_init(&as, root, "test");
    g_assert_true(flatview_lookup(as.view, 0x0fff)->mr == a);
    g_assert_true(flatview_lookup(as.view, 0x1000)->mr == b);
    address_space_destroy(&as);
}

static void test_alias_window_and_offset(void)
{
    MemoryRegion *root = new_container(UINT64_MAX);
    MemoryRegion *ram = new_ram("ram", 0x10000);
    MemoryRegion below, above;
    AddressSpace as = {0};
    uint32_t v = 0xdeadbeef, back = 0;

    memory_region_init_alias(&below, "below", ram, 0, 0x8000);
    memory_region_init_alias(&above, "above", ram, 0x8000, 0x8000);
    memory_region_add_subregion(root, 0, &below);
    memory_region_add_subregion(root, 0x100000000ULL, &above);
    address_space_init(&as, root, "test");

    g_assert_null(flatview_lookup(as.view, 0x8000));
    g_assert_cmpint(address_space_write(&as, 0x100000010ULL, &v, 4), ==, MEMTX_OK);
    g_assert_cmpuint(*(uint32_t *)(ram->ram + 0x8010), ==, 0xdeadbeef);
    memcpy(ram->ram + 0x10, &v, 4);
    g_assert_cmpint(address_space_read(&as, 0x10, &back, 4), ==, MEMTX_OK);
    g_assert_cmpuint(back, ==, 0xdeadbeef);

    /* Moving the alias's offset re-targets the window. */
    memory_region_set_alias_offset(&below, 0x8000);
    back = 0;
    address_space_read(&as, 0x10, &back, 4);
    g_assert_cmpuint(back, ==, 0xdeadbeef);
    g_assert_true(flatview_lookup(as.view, 0x10)->offset_in_region == 0x8000);
    address_space_destroy(&as);
}

static void test_container_clips_children(void)
{
    MemoryRegion *root = new_container(0x10000);
    MemoryRegion *box = new_container(0x1000);
    MemoryRegion *big = new_ram("big", 0x4000);
    AddressSpace as = {0};

    memory_region_add_subregion(box, 0x800, big);
    memory_region_add_subregion(root, 0x2000, box);
    address_space_init(&as, root, "test");
    g_assert_cmpuint(as.view->nr, ==, 1);
    g_assert_cmpuint(as.view->ranges[0].start, ==, 0x2800);
    g_assert_cmpuint(as.view->ranges[0].size, ==, 0x800);
    address_space_destroy(&as);
}

static void test_disable_reveals_lower_region(void)
{
    MemoryRegion *root = new_container(0x10000);
    MemoryRegion *ram = new_ram("ram", 0x4000);
    MemoryRegion *rom = g_new0(MemoryRegion, 1);
    AddressSpace as = {0};

    g_assert_true(memory_region_init_rom(rom, "rom", 0x1000, NULL));
    memory_region_add_subregion(root, 0, ram);
    memory_region_add_subregion_overlap(root, 0x1000, rom, 1);
    address_space_init(&as, root, "test");
    g_assert_true(flatview_lookup(as.view, 0x1000)->mr == rom);
    g_assert_true(flatview_lookup(as.view, 0x1000)->readonly);
    memory_region_set_enabled(rom, false);
    g_assert_true(flatview_lookup(as.view, 0x1000)->mr == ram);
    address_space_destroy(&as);
}

static void test_rom_drops_guest_writes(void)
{
    MemoryRegion *root = new_container(0x10000);
    MemoryRegion *rom = g_new0(MemoryRegion, 1);
    AddressSpace as = {0};
    uint8_t b = 0x55, back;

    g_assert_true(memory_region_init_rom(rom, "rom", 0x1000, NULL));
    memory_region_add_subregion(root, 0, rom);
    address_space_init(&as, root, "test");
    address_space_write(&as, 0x10, &b, 1);
    address_space_read(&as, 0x10, &back, 1);
    g_assert_cmpuint(back, ==, 0);
    address_space_write_rom(&as, 0x10, &b, 1);
    address_space_read(&as, 0x10, &back, 1);
    g_assert_cmpuint(back, ==, 0x55);
    address_space_destroy(&as);
}

static void test_wide_unaligned_access_split_bytewise(void)
{
    MemoryRegion *root = new_container(0x10000);
    MemoryRegion io;
    TestDev dev = {0};
    AddressSpace as = {0};
    uint64_t v = 0x1122334455667788ULL, back = 0;

    memory_region_init_io(&io, &bytewise_ops, &dev, "dev", 64);
    memory_region_add_subregion(root, 0x100, &io);
    address_space_init(&as, root, "test");
    g_assert_cmpint(address_space_write(&as, 0x103, &v, 8), ==, MEMTX_OK);
    g_assert_cmpuint(dev.calls, ==, 8);
    g_assert_cmpuint(dev.last_size, ==, 1);
    g_assert_cmpuint(dev.bytes[3], ==, 0x88);
    g_assert_cmpuint(dev.bytes[10], ==, 0x11);
    address_space_read(&as, 0x103, &back, 8);
    g_assert_cmphex(back, ==, v);
    address_space_destroy(&as);
}

static void test_invalid_size_refused(void)
{
    MemoryRegion *root = new_container(0x10000);
    MemoryRegion io;
    TestDev dev = {0};
    AddressSpace as = {0};
    uint16_t w = 0x1234;
    uint32_t d = 0;

    memory_region_init_io(&io, &dword_only_ops, &dev, "dev", 64);
    memory_region_add_subregion(root, 0, &io);
    address_space_init(&as, root, "test");
    g_assert_cmpint(address_space_write(&as, 0, &w, 2), ==, MEMTX_ERROR);
    g_assert_cmpuint(dev.calls, ==, 0);
    g_assert_cmpint(address_space_read(&as, 2, &d, 4), ==, MEMTX_ERROR); /* misaligned */
    g_assert_cmphex(d, ==, 0xffffffff);
    d = 0xcafef00d;
    g_assert_cmpint(address_space_write(&as, 4, &d, 4), ==, MEMTX_OK);
    g_assert_cmpuint(dev.bytes[4], ==, 0x0d);
    address_space_destroy(&as);
}

static void test_big_endian_device_narrow_read(void)
{
    MemoryRegion *root = new_container(0x10000);
    MemoryRegion io;
    TestDev dev = {0};
    AddressSpace as = {0};
    uint8_t b[4];
    uint16_t w;

    /* The device stores value 0xAABBCCDD at 0; big endian means guest byte 0 is 0xAA. */
    dev.bytes[0] = 0xdd, dev.bytes[1] = 0xcc, dev.bytes[2] = 0xbb, dev.bytes[3] = 0xaa;
    memory_region_init_io(&io, &bigendian_ops, &dev, "dev", 64);
    memory_region_add_subregion(root, 0, &io);
    address_space_init(&as, root, "test");
    address_space_read(&as, 0, b, 4);
    g_assert_cmphex(b[0], ==, 0xaa);
    g_assert_cmphex(b[3], ==, 0xdd);
    address_space_read(&as, 1, &w, 1); /* 1 byte, widened to the 4-byte implementation */
    g_assert_cmphex(w & 0xff, ==, 0xbb);
    address_space_destroy(&as);
}

static void test_unassigned_reads_ones(void)
{
    MemoryRegion *root = new_container(0x10000);
    MemoryRegion *ram = new_ram("ram", 0x1000);
    AddressSpace as = {0};
    uint8_t buf[0x20];

    memory_region_add_subregion(root, 0x1000, ram);
    address_space_init(&as, root, "test");
    memset(buf, 0, sizeof(buf));
    g_assert_cmpint(address_space_read(&as, 0xff0, buf, sizeof(buf)), ==, MEMTX_DECODE_ERROR);
    g_assert_cmpuint(buf[0], ==, 0xff);
    g_assert_cmpuint(buf[15], ==, 0xff);
    g_assert_cmpuint(buf[16], ==, 0); /* RAM part */
    address_space_destroy(&as);
}

typedef struct CountingListener {
    MemoryListener l;
    int adds, dels;
    uint64_t last_add_start;
} CountingListener;

static void count_add(MemoryListener *l, MemoryRegionSection *s)
{
    CountingListener *c = (CountingListener *)l;
    c->adds++;
    c->last_add_start = s->offset_within_address_space;
}

static void count_del(MemoryListener *l, MemoryRegionSection *s)
{
    ((CountingListener *)l)->dels++;
}

static void test_listener_hears_changes(void)
{
    MemoryRegion *root = new_container(0x100000);
    MemoryRegion *ram = new_ram("ram", 0x1000);
    MemoryRegion *ram2 = new_ram("ram2", 0x1000);
    AddressSpace as = {0};
    CountingListener c = {.l = {.region_add = count_add, .region_del = count_del}};

    memory_region_add_subregion(root, 0, ram);
    address_space_init(&as, root, "test");
    memory_listener_register(&c.l, &as);
    g_assert_cmpint(c.adds, ==, 1); /* replay */
    memory_region_add_subregion(root, 0x8000, ram2);
    g_assert_cmpint(c.adds, ==, 2);
    g_assert_cmphex(c.last_add_start, ==, 0x8000);
    g_assert_cmpint(c.dels, ==, 0);
    memory_region_set_address(ram2, 0x9000);
    g_assert_cmpint(c.dels, ==, 1);
    g_assert_cmpint(c.adds, ==, 3);

    memory_region_transaction_begin();
    memory_region_del_subregion(root, ram2);
    memory_region_del_subregion(root, ram);
    g_assert_cmpint(c.dels, ==, 1); /* nothing until commit */
    memory_region_transaction_commit();
    g_assert_cmpint(c.dels, ==, 3);
    memory_listener_unregister(&c.l);
    address_space_destroy(&as);
}

static void test_map_clips_to_ram(void)
{
    MemoryRegion *root = new_container(0x100000);
    MemoryRegion *ram = new_ram("ram", 0x2000);
    AddressSpace as = {0};
    uint64_t len = 0x10000;

    memory_region_add_subregion(root, 0x1000, ram);
    address_space_init(&as, root, "test");
    g_assert_true(address_space_map(&as, 0x2000, &len, true) == ram->ram + 0x1000);
    g_assert_cmpuint(len, ==, 0x1000);
    len = 16;
    g_assert_null(address_space_map(&as, 0x0, &len, false));
    g_assert_cmpuint(len, ==, 0);
    address_space_destroy(&as);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory/flatten/higher-priority-wins-overlap",
                    test_higher_priority_wins_overlap);
    g_test_add_func("/memory/flatten/lower-priority-added-later-stays-hidden",
                    test_lower_priority_added_later_stays_hidden);
    g_test_add_func("/memory/flatten/equal-priority-newest-wins", test_equal_priority_newest_wins);
    g_test_add_func("/memory/flatten/alias-window-and-offset", test_alias_window_and_offset);
    g_test_add_func("/memory/flatten/container-clips-children", test_container_clips_children);
    g_test_add_func("/memory/flatten/disable-reveals-lower-region",
                    test_disable_reveals_lower_region);
    g_test_add_func("/memory/dispatch/rom-drops-guest-writes", test_rom_drops_guest_writes);
    g_test_add_func("/memory/dispatch/wide-unaligned-split-bytewise",
                    test_wide_unaligned_access_split_bytewise);
    g_test_add_func("/memory/dispatch/invalid-size-refused", test_invalid_size_refused);
    g_test_add_func("/memory/dispatch/big-endian-narrow-read", test_big_endian_device_narrow_read);
    g_test_add_func("/memory/dispatch/unassigned-reads-ones", test_unassigned_reads_ones);
    g_test_add_func("/memory/listener/hears-changes", test_listener_hears_changes);
    g_test_add_func("/memory/map/clips-to-ram", test_map_clips_to_ram);
    return g_test_run();
}
