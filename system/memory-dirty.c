/*
 * Dirty-page logging of RAM regions: a bitmap per client (migration, display,
 * code) and region, a bit per DIRTY_PAGE_SIZE page, set by every write the
 * memory API sees and by the accelerators (the translator's TLB slow path;
 * KVM's dirty log, pulled in by memory_region_sync_dirty_bitmap). The idea is
 * QEMU's (include/exec/ram_addr.h, "DIRTY_MEMORY_*"), kept per region here.
 *
 * Bits are set with atomic ORs (vCPU threads) and taken with atomic exchanges
 * (the client's thread), so that no write between the two is lost.
 */
#include "system/memory.h"
#include "system/memory-internal.h"

#define BITS_PER_WORD (sizeof(unsigned long) * 8)

static uint64_t region_pages(const MemoryRegion *mr)
{
    return (mr->size + DIRTY_PAGE_SIZE - 1) >> DIRTY_PAGE_BITS;
}

static size_t bitmap_words(const MemoryRegion *mr)
{
    return (region_pages(mr) + BITS_PER_WORD - 1) / BITS_PER_WORD;
}

/* The pages [*first, *first + *n) that [offset, offset+len) touches, clipped to the region. */
static bool page_span(const MemoryRegion *mr, uint64_t offset, uint64_t len, uint64_t *first,
                      uint64_t *n)
{
    uint64_t end;

    if (len == 0 || offset >= mr->size) {
        return false;
    }
    end = offset + MIN(len, mr->size - offset);
    *first = offset >> DIRTY_PAGE_BITS;
    *n = ((end - 1) >> DIRTY_PAGE_BITS) + 1 - *first;
    return true;
}

static void bitmap_set_atomic(unsigned long *map, uint64_t first, uint64_t n)
{
    for (uint64_t bit = first; bit < first + n; bit++) {
        unsigned long m = 1UL << (bit % BITS_PER_WORD);
        unsigned long *w = &map[bit / BITS_PER_WORD];

        if (!(__atomic_load_n(w, __ATOMIC_RELAXED) & m)) {
            __atomic_fetch_or(w, m, __ATOMIC_RELAXED);
        }
    }
}

static bool bitmap_test(const unsigned long *map, uint64_t bit)
{
    return (__atomic_load_n(&map[bit / BITS_PER_WORD], __ATOMIC_RELAXED) >> (bit % BITS_PER_WORD)) &
           1;
}

bool memory_region_is_logging(const MemoryRegion *mr, DirtyMemoryClient client)
{
    return mr->dirty_log_mask & (1u << client);
}

void memory_region_set_dirty_log(MemoryRegion *mr, DirtyMemoryClient client, bool log)
{
    unsigned old_mask = mr->dirty_log_mask;

    g_assert(mr->kind == MR_RAM);
    if (log == memory_region_is_logging(mr, client)) {
        return;
    }
    if (log) {
        mr->dirty[client] = g_new0(unsigned long, MAX(bitmap_words(mr), 1));
        mr->dirty_log_mask |= 1u << client;
    } else {
        mr->dirty_log_mask &= ~(1u << client);
        g_free(mr->dirty[client]);
        mr->dirty[client] = NULL;
    }
    if (!old_mask) {
        memory_region_notify_log(mr, MEMORY_LOG_START);
    } else if (!mr->dirty_log_mask) {
        memory_region_notify_log(mr, MEMORY_LOG_STOP);
    } else if (log) {
        memory_region_notify_log(mr, MEMORY_LOG_CLEAR); /* the new client starts clean */
    }
}

void memory_region_set_dirty_for(MemoryRegion *mr, uint64_t offset, uint64_t len,
                                 unsigned clients)
{
    uint64_t first, n;

    if (!(mr->dirty_log_mask & clients) || !page_span(mr, offset, len, &first, &n)) {
        return;
    }
    for (int c = 0; c < DIRTY_MEMORY_NUM; c++) {
        if ((clients & (1u << c)) && mr->dirty[c]) {
            bitmap_set_atomic(mr->dirty[c], first, n);
        }
    }
}

void memory_region_set_dirty(MemoryRegion *mr, uint64_t offset, uint64_t len)
{
    memory_region_set_dirty_for(mr, offset, len, DIRTY_CLIENTS_ALL);
}

bool memory_region_get_dirty(const MemoryRegion *mr, uint64_t offset, uint64_t len,
                             DirtyMemoryClient client)
{
    uint64_t first, n;

    if (!mr->dirty[client] || !page_span(mr, offset, len, &first, &n)) {
        return false;
    }
    for (uint64_t bit = first; bit < first + n; bit++) {
        if (bitmap_test(mr->dirty[client], bit)) {
            return true;
        }
    }
    return false;
}

bool memory_region_page_dirty_for(const MemoryRegion *mr, uint64_t offset, unsigned clients)
{
    uint64_t bit = offset >> DIRTY_PAGE_BITS;

    for (int c = 0; c < DIRTY_MEMORY_NUM; c++) {
        if ((clients & (1u << c)) && mr->dirty[c] && !bitmap_test(mr->dirty[c], bit)) {
            return false;
        }
    }
    return true;
}

void memory_region_clear_dirty(MemoryRegion *mr, uint64_t offset, uint64_t len,
                               DirtyMemoryClient client)
{
    uint64_t first, n;

    if (!mr->dirty[client] || !page_span(mr, offset, len, &first, &n)) {
        return;
    }
    for (uint64_t bit = first; bit < first + n; bit++) {
        __atomic_fetch_and(&mr->dirty[client][bit / BITS_PER_WORD], ~(1UL << (bit % BITS_PER_WORD)),
                           __ATOMIC_RELAXED);
    }
}

void memory_region_sync_dirty_bitmap(MemoryRegion *mr)
{
    if (mr->dirty_log_mask) {
        memory_region_notify_log(mr, MEMORY_LOG_SYNC);
    }
}

uint64_t memory_region_snapshot_and_clear_dirty(MemoryRegion *mr, uint64_t offset, uint64_t len,
                                                DirtyMemoryClient client, unsigned long *bitmap)
{
    uint64_t first, n, count = 0;
    unsigned long *map = mr->dirty[client];

    g_assert(!(offset & (DIRTY_PAGE_SIZE - 1)));
    if (!page_span(mr, offset, len, &first, &n)) {
        return 0;
    }
    memset(bitmap, 0, (n + BITS_PER_WORD - 1) / BITS_PER_WORD * sizeof(unsigned long));
    if (!map) {
        return 0;
    }
    for (uint64_t bit = first; bit < first + n;) {
        unsigned long *w = &map[bit / BITS_PER_WORD];
        unsigned shift = bit % BITS_PER_WORD;
        uint64_t take = MIN(BITS_PER_WORD - shift, first + n - bit);
        unsigned long mask = (take == BITS_PER_WORD ? ~0UL : ((1UL << take) - 1)) << shift;
        unsigned long got = __atomic_fetch_and(w, ~mask, __ATOMIC_ACQ_REL) & mask;
        uint64_t word_base = bit - shift;

        for (; got; got &= got - 1) {
            uint64_t i = word_base + __builtin_ctzl(got) - first;

            bitmap[i / BITS_PER_WORD] |= 1UL << (i % BITS_PER_WORD);
            count++;
        }
        bit += take;
    }
    if (count) {
        memory_region_notify_log(mr, MEMORY_LOG_CLEAR);
    }
    return count;
}

void memory_region_dirty_log_free(MemoryRegion *mr)
{
    for (int c = 0; c < DIRTY_MEMORY_NUM; c++) {
        g_free(mr->dirty[c]);
        mr->dirty[c] = NULL;
    }
    mr->dirty_log_mask = 0;
}

void memory_global_dirty_log(AddressSpace *as, DirtyMemoryClient client, bool log)
{
    for (unsigned i = 0; i < as->view->nr; i++) {
        MemoryRegion *mr = as->view->ranges[i].mr;

        if (mr->kind == MR_RAM && !as->view->ranges[i].readonly) {
            memory_region_set_dirty_log(mr, client, log);
        }
    }
}

static void append_dirty_run(GString *out, uint64_t gpa, uint64_t pages)
{
    g_string_append_printf(out, "  0x%016" PRIx64 "-0x%016" PRIx64 " (%" PRIu64 " page%s)\n", gpa,
                           gpa + pages * DIRTY_PAGE_SIZE - 1, pages, pages == 1 ? "" : "s");
}

/* The dirty pages of one flat range, as runs of guest-physical addresses; returns the count. */
static uint64_t report_range(const FlatRange *r, DirtyMemoryClient client, GString *out)
{
    uint64_t pages = r->size >> DIRTY_PAGE_BITS, run = 0, count;
    g_autofree unsigned long *bits = g_new0(unsigned long, pages / BITS_PER_WORD + 1);

    count =
        memory_region_snapshot_and_clear_dirty(r->mr, r->offset_in_region, r->size, client, bits);
    for (uint64_t p = 0; p <= pages; p++) {
        bool dirty = p < pages && ((bits[p / BITS_PER_WORD] >> (p % BITS_PER_WORD)) & 1);

        if (dirty) {
            run++;
        } else if (run) {
            append_dirty_run(out, r->start + (p - run) * DIRTY_PAGE_SIZE, run);
            run = 0;
        }
    }
    return count;
}

/* Is r the first range of as->view that shows its region? */
static bool first_range_of_region(const FlatView *view, unsigned i)
{
    for (unsigned j = 0; j < i; j++) {
        if (view->ranges[j].mr == view->ranges[i].mr) {
            return false;
        }
    }
    return true;
}

void memory_dirty_report_and_clear(AddressSpace *as, DirtyMemoryClient client, GString *out)
{
    g_autoptr(GString) runs = g_string_new(NULL);
    uint64_t total = 0;
    bool logging = false;

    for (unsigned i = 0; i < as->view->nr; i++) {
        const FlatRange *r = &as->view->ranges[i];

        if (r->mr->kind == MR_RAM && memory_region_is_logging(r->mr, client) &&
            !(r->offset_in_region & (DIRTY_PAGE_SIZE - 1))) {
            logging = true;
            /* A sync already covers every range the region shows in (pc's RAM: two). */
            if (first_range_of_region(as->view, i)) {
                memory_region_sync_dirty_bitmap(r->mr);
            }
            total += report_range(r, client, runs);
        }
    }
    if (!logging) {
        g_string_append(out, "dirty logging is off\n");
        return;
    }
    g_string_append_printf(out, "%" PRIu64 " dirty page%s\n%s", total, total == 1 ? "" : "s",
                           runs->str);
}
