/*
 * Memory API: flattening (overlaps, priorities, aliases, containers), dispatch
 * (access sizes, splitting, endianness, unassigned), listeners, dirty logging.
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

/* ---- dirty logging ---- */

#define PAGE DIRTY_PAGE_SIZE

typedef struct LogCounter {
    MemoryListener l;
    int starts, stops, syncs, clears;
    uint64_t last_gpa;
    MemoryRegion *sync_marks; /* log_sync marks page 5 of this region, as KVM would */
} LogCounter;

static void log_start_count(MemoryListener *l, MemoryRegionSection *s)
{
    ((LogCounter *)l)->starts++;
    ((LogCounter *)l)->last_gpa = s->offset_within_address_space;
}

static void log_stop_count(MemoryListener *l, MemoryRegionSection *s)
{
    ((LogCounter *)l)->stops++;
}

static void log_sync_mark(MemoryListener *l, MemoryRegionSection *s)
{
    LogCounter *c = (LogCounter *)l;

    c->syncs++;
    memory_region_set_dirty(c->sync_marks, 5 * PAGE, 1);
}

static void log_clear_count(MemoryListener *l, MemoryRegionSection *s)
{
    ((LogCounter *)l)->clears++;
}

/* 16 pages of RAM at 0x10000 in a fresh address space, with a counting listener. */
typedef struct DirtyFixture {
    MemoryRegion *root, *ram;
    AddressSpace as;
    LogCounter c;
} DirtyFixture;

static void dirty_fixture_init(DirtyFixture *f)
{
    memset(f, 0, sizeof(*f));
    f->root = new_container(0x100000);
    f->ram = new_ram("ram", 16 * PAGE);
    memory_region_add_subregion(f->root, 0x10000, f->ram);
    address_space_init(&f->as, f->root, "test");
    f->c.l = (MemoryListener){.log_start = log_start_count,
                              .log_stop = log_stop_count,
                              .log_sync = log_sync_mark,
                              .log_clear = log_clear_count};
    f->c.sync_marks = f->ram;
    memory_listener_register(&f->c.l, &f->as);
}

static void dirty_fixture_destroy(DirtyFixture *f)
{
    memory_listener_unregister(&f->c.l);
    address_space_destroy(&f->as);
}

static uint64_t dirty_pages(MemoryRegion *mr, DirtyMemoryClient client, unsigned long *bits)
{
    return memory_region_snapshot_and_clear_dirty(mr, 0, mr->size, client, bits);
}

static void test_dirty_log_marks_only_written_pages(void)
{
    DirtyFixture f;
    unsigned long bits[1];
    uint32_t v = 0x12345678;
    uint64_t len = 2 * PAGE;

    dirty_fixture_init(&f);
    memory_region_set_dirty_log(f.ram, DIRTY_MEMORY_MIGRATION, true);
    g_assert_cmpint(f.c.starts, ==, 1);
    g_assert_cmphex(f.c.last_gpa, ==, 0x10000);
    g_assert_false(memory_region_get_dirty(f.ram, 0, f.ram->size, DIRTY_MEMORY_MIGRATION));

    /* a write straddling pages 1 and 2, one in page 9, a mapping of pages 12-13 for DMA */
    address_space_write(&f.as, 0x10000 + 2 * PAGE - 2, &v, sizeof(v));
    address_space_write(&f.as, 0x10000 + 9 * PAGE + 100, &v, 1);
    g_assert_nonnull(address_space_map(&f.as, 0x10000 + 12 * PAGE, &len, true));
    /* reads and writes outside the region leave it clean */
    address_space_read(&f.as, 0x10000 + 4 * PAGE, &v, sizeof(v));
    address_space_write(&f.as, 0x1000, &v, sizeof(v));

    g_assert_true(memory_region_get_dirty(f.ram, 9 * PAGE, 1, DIRTY_MEMORY_MIGRATION));
    g_assert_false(memory_region_get_dirty(f.ram, 4 * PAGE, PAGE, DIRTY_MEMORY_MIGRATION));
    g_assert_cmpuint(dirty_pages(f.ram, DIRTY_MEMORY_MIGRATION, bits), ==, 5);
    g_assert_cmphex(bits[0], ==, (1 << 1) | (1 << 2) | (1 << 9) | (1 << 12) | (1 << 13));
    g_assert_cmpint(f.c.clears, ==, 1);

    /* cleared: clean until written again */
    g_assert_cmpuint(dirty_pages(f.ram, DIRTY_MEMORY_MIGRATION, bits), ==, 0);
    g_assert_cmphex(bits[0], ==, 0);
    g_assert_cmpint(f.c.clears, ==, 1);
    dirty_fixture_destroy(&f);
}

static void test_dirty_log_clients_are_independent(void)
{
    DirtyFixture f;
    unsigned long bits[1];
    uint8_t b = 1;

    dirty_fixture_init(&f);
    memory_region_set_dirty_log(f.ram, DIRTY_MEMORY_MIGRATION, true);
    address_space_write(&f.as, 0x10000 + 3 * PAGE, &b, 1);
    memory_region_set_dirty_log(f.ram, DIRTY_MEMORY_DISPLAY, true);
    g_assert_cmpint(f.c.starts, ==, 1); /* the region already logged */
    address_space_write(&f.as, 0x10000 + 7 * PAGE, &b, 1);

    g_assert_false(memory_region_page_dirty_for(f.ram, 3 * PAGE, DIRTY_CLIENTS_ALL)); /* display: clean */
    g_assert_true(memory_region_page_dirty_for(f.ram, 7 * PAGE, DIRTY_CLIENTS_ALL));
    g_assert_true(memory_region_page_dirty_for(f.ram, 3 * PAGE, 1u << DIRTY_MEMORY_MIGRATION));
    /* a quiet clear: gone for that client, the listeners not told */
    memory_region_clear_dirty(f.ram, 7 * PAGE, PAGE, DIRTY_MEMORY_DISPLAY);
    g_assert_false(memory_region_get_dirty(f.ram, 7 * PAGE, PAGE, DIRTY_MEMORY_DISPLAY));
    g_assert_cmpint(f.c.clears, ==, 1); /* the one from the display client's start */
    memory_region_set_dirty(f.ram, 7 * PAGE, 1);
    g_assert_cmpuint(dirty_pages(f.ram, DIRTY_MEMORY_DISPLAY, bits), ==, 1);
    g_assert_cmphex(bits[0], ==, 1 << 7);
    g_assert_cmpuint(dirty_pages(f.ram, DIRTY_MEMORY_MIGRATION, bits), ==, 2);
    g_assert_cmphex(bits[0], ==, (1 << 3) | (1 << 7));
    /* a write logged for some clients only leaves the others' bits alone */
    memory_region_set_dirty_for(f.ram, 9 * PAGE, 1, 1u << DIRTY_MEMORY_DISPLAY);
    g_assert_true(memory_region_get_dirty(f.ram, 9 * PAGE, PAGE, DIRTY_MEMORY_DISPLAY));
    g_assert_false(memory_region_get_dirty(f.ram, 9 * PAGE, PAGE, DIRTY_MEMORY_MIGRATION));
    memory_region_clear_dirty(f.ram, 9 * PAGE, PAGE, DIRTY_MEMORY_DISPLAY);
    g_assert_false(memory_region_is_logging(f.ram, DIRTY_MEMORY_CODE));
    bits[0] = ~0UL;
    g_assert_cmpuint(dirty_pages(f.ram, DIRTY_MEMORY_CODE, bits), ==, 0);
    g_assert_cmphex(bits[0], ==, 0); /* a client that does not log gets an empty snapshot */

    memory_region_set_dirty_log(f.ram, DIRTY_MEMORY_MIGRATION, false);
    g_assert_cmpint(f.c.stops, ==, 0);
    memory_region_set_dirty_log(f.ram, DIRTY_MEMORY_DISPLAY, false);
    g_assert_cmpint(f.c.stops, ==, 1);
    /* not logging: writes are not recorded anywhere, every page counts as dirty */
    address_space_write(&f.as, 0x10000, &b, 1);
    g_assert_false(memory_region_get_dirty(f.ram, 0, PAGE, DIRTY_MEMORY_MIGRATION));
    g_assert_true(memory_region_page_dirty_for(f.ram, 0, DIRTY_CLIENTS_ALL));
    dirty_fixture_destroy(&f);
}

static void test_dirty_log_sync_asks_listeners(void)
{
    DirtyFixture f;
    unsigned long bits[1];

    dirty_fixture_init(&f);
    memory_region_sync_dirty_bitmap(f.ram);
    g_assert_cmpint(f.c.syncs, ==, 0); /* nobody logs */
    memory_region_set_dirty_log(f.ram, DIRTY_MEMORY_MIGRATION, true);
    memory_region_sync_dirty_bitmap(f.ram);
    g_assert_cmpint(f.c.syncs, ==, 1);
    g_assert_cmpuint(dirty_pages(f.ram, DIRTY_MEMORY_MIGRATION, bits), ==, 1);
    g_assert_cmphex(bits[0], ==, 1 << 5);
    dirty_fixture_destroy(&f);
}

static void test_dirty_snapshot_of_a_range(void)
{
    MemoryRegion *ram = new_ram("big", 200 * PAGE);
    unsigned long bits[3];

    memory_region_set_dirty_log(ram, DIRTY_MEMORY_MIGRATION, true);
    memory_region_set_dirty(ram, 63 * PAGE, 3 * PAGE); /* pages 63..65: across a word */
    memory_region_set_dirty(ram, 199 * PAGE + 5, 1000 * PAGE); /* clipped at the end */
    g_assert_cmpuint(memory_region_snapshot_and_clear_dirty(ram, 64 * PAGE, 136 * PAGE,
                                                            DIRTY_MEMORY_MIGRATION, bits),
                     ==, 3);
    g_assert_cmphex(bits[0], ==, 0x3); /* pages 64, 65 */
    g_assert_cmphex(bits[1], ==, 0);
    g_assert_cmphex(bits[2], ==, 1UL << (199 - 64 - 128)); /* bit i = page 64 + i */
    /* page 63 was outside the range: still dirty */
    g_assert_true(memory_region_get_dirty(ram, 63 * PAGE, PAGE, DIRTY_MEMORY_MIGRATION));
    g_assert_false(memory_region_get_dirty(ram, 64 * PAGE, 136 * PAGE, DIRTY_MEMORY_MIGRATION));
    memory_region_destroy(ram);
    g_free(ram);
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
    g_test_add_func("/memory/dirty/marks-only-written-pages",
                    test_dirty_log_marks_only_written_pages);
    g_test_add_func("/memory/dirty/clients-are-independent",
                    test_dirty_log_clients_are_independent);
    g_test_add_func("/memory/dirty/sync-asks-listeners", test_dirty_log_sync_asks_listeners);
    g_test_add_func("/memory/dirty/snapshot-of-a-range", test_dirty_snapshot_of_a_range);
    return g_test_run();
}
