/*
 * The memory API: region tree, flattening into FlatViews, listeners, dispatch.
 *
 * Flattening renders the tree front to back: a region's subregions are drawn
 * first, highest priority first (the newest wins among equals), and each draw
 * only fills addresses nothing has claimed yet. What remains of a leaf (RAM or
 * I/O) after its betters is what the guest sees. Aliases draw their target
 * through a window.
 *
 * RAM writes through the memory API are counted in the regions' dirty logs
 * (system/memory-dirty.c); this file tells the listeners when logging changes.
 */
#include "system/memory.h"
#include "system/memory-internal.h"
#include "util/error.h"
#include <sys/mman.h>

AddressSpace address_space_memory;
AddressSpace address_space_io;
static MemoryRegion system_memory;
static MemoryRegion system_io;

static GPtrArray *all_address_spaces;
static int transaction_depth;
static bool transaction_pending;

static void address_space_update(AddressSpace *as);

/* ---- regions ---- */

void memory_region_init(MemoryRegion *mr, const char *name, uint64_t size)
{
    memset(mr, 0, sizeof(*mr));
    mr->name = g_strdup(name);
    mr->kind = MR_CONTAINER;
    mr->size = size;
    mr->enabled = true;
    mr->subregions = g_ptr_array_new();
}

static bool alloc_ram(MemoryRegion *mr, const char *name, uint64_t size, GError **errp)
{
    void *p;

    memory_region_init(mr, name, size);
    mr->kind = MR_RAM;
    if (size == 0) {
        return true;
    }
    p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
             0);
    if (p == MAP_FAILED) {
        error_setg_errno(errp, errno, "cannot allocate %" PRIu64 " MiB of guest memory for '%s'",
                         size / MiB, name);
        return false;
    }
    mr->ram = p;
    return true;
}

bool memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size, GError **errp)
{
    return alloc_ram(mr, name, size, errp);
}

bool memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size, GError **errp)
{
    if (!alloc_ram(mr, name, size, errp)) {
        return false;
    }
    mr->readonly = true;
    return true;
}

void memory_region_init_io(MemoryRegion *mr, const MemoryRegionOps *ops, void *opaque,
                           const char *name, uint64_t size)
{
    memory_region_init(mr, name, size);
    mr->kind = MR_IO;
    mr->ops = ops;
    mr->opaque = opaque;
}

void memory_region_init_alias(MemoryRegion *mr, const char *name, MemoryRegion *orig,
                              uint64_t offset, uint64_t size)
{
    memory_region_init(mr, name, size);
    mr->kind = MR_ALIAS;
    mr->alias = orig;
    mr->alias_offset = offset;
}

void memory_region_destroy(MemoryRegion *mr)
{
    if (mr->container) {
        memory_region_del_subregion(mr->container, mr);
    }
    if (mr->kind == MR_RAM && mr->ram) {
        munmap(mr->ram, mr->size);
    }
    memory_region_dirty_log_free(mr);
    g_ptr_array_unref(mr->subregions);
    g_free(mr->name);
    memset(mr, 0, sizeof(*mr));
}

static void memory_changed(void)
{
    if (transaction_depth) {
        transaction_pending = true;
        return;
    }
    if (all_address_spaces) {
        for (guint i = 0; i < all_address_spaces->len; i++) {
            address_space_update(g_ptr_array_index(all_address_spaces, i));
        }
    }
}

void memory_region_transaction_begin(void)
{
    transaction_depth++;
}

void memory_region_transaction_commit(void)
{
    g_assert(transaction_depth > 0);
    if (--transaction_depth == 0 && transaction_pending) {
        transaction_pending = false;
        memory_changed();
    }
}

void memory_region_add_subregion_overlap(MemoryRegion *parent, uint64_t offset,
                                         MemoryRegion *sub, int priority)
{
    guint i;

    g_assert(!sub->container);
    sub->container = parent;
    sub->addr = offset;
    sub->priority = priority;
    /* Newest first among equal priorities, so it wins the overlap. */
    for (i = 0; i < parent->subregions->len; i++) {
        MemoryRegion *other = g_ptr_array_index(parent->subregions, i);
        if (priority >= other->priority) {
            break;
        }
    }
    g_ptr_array_insert(parent->subregions, i, sub);
    memory_changed();
}

void memory_region_add_subregion(MemoryRegion *parent, uint64_t offset, MemoryRegion *sub)
{
    memory_region_add_subregion_overlap(parent, offset, sub, 0);
}

void memory_region_del_subregion(MemoryRegion *parent, MemoryRegion *sub)
{
    g_assert(sub->container == parent);
    g_ptr_array_remove(parent->subregions, sub);
    sub->container = NULL;
    memory_changed();
}

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    if (mr->enabled != enabled) {
        mr->enabled = enabled;
        memory_changed();
    }
}

void memory_region_set_address(MemoryRegion *mr, uint64_t addr)
{
    MemoryRegion *parent = mr->container;
    int prio = mr->priority;

    if (mr->addr == addr) {
        return;
    }
    if (!parent) {
        mr->addr = addr;
        return;
    }
    memory_region_transaction_begin();
    memory_region_del_subregion(parent, mr);
    memory_region_add_subregion_overlap(parent, addr, mr, prio);
    memory_region_transaction_commit();
}

void memory_region_set_alias_offset(MemoryRegion *mr, uint64_t offset)
{
    if (mr->alias_offset != offset) {
        mr->alias_offset = offset;
        memory_changed();
    }
}

/* ---- flattening ---- */

static FlatView *flatview_new(void)
{
    return g_new0(FlatView, 1);
}

static void flatview_free(FlatView *fv)
{
    if (fv) {
        g_free(fv->ranges);
        g_free(fv);
    }
}

static void flatview_insert_at(FlatView *fv, unsigned pos, FlatRange r)
{
    if (fv->nr == fv->cap) {
        fv->cap = fv->cap ? fv->cap * 2 : 16;
        fv->ranges = g_renew(FlatRange, fv->ranges, fv->cap);
    }
    memmove(&fv->ranges[pos + 1], &fv->ranges[pos], (fv->nr - pos) * sizeof(FlatRange));
    fv->ranges[pos] = r;
    fv->nr++;
}

/*
 * Region placement is computed in 128-bit arithmetic: an alias whose offset exceeds
 * its own address places its target at a "negative" base, which must not wrap.
 */
typedef __int128 AbsAddr;

/* Add the parts of [start, end) of leaf mr (placed at base) that nothing covers yet. */
static void flatview_fill_gaps(FlatView *fv, MemoryRegion *mr, AbsAddr base, uint64_t start,
                               uint64_t end, bool readonly)
{
    unsigned i = 0;

    while (start < end) {
        uint64_t gap_end = end;

        /* Skip ranges that end at or before start. */
        while (i < fv->nr && fv->ranges[i].start + fv->ranges[i].size <= start) {
            i++;
        }
        if (i < fv->nr && fv->ranges[i].start <= start) {
            /* start is covered: jump past this range. */
            start = fv->ranges[i].start + fv->ranges[i].size;
            continue;
        }
        if (i < fv->nr && fv->ranges[i].start < gap_end) {
            gap_end = fv->ranges[i].start;
        }
        flatview_insert_at(fv, i, (FlatRange){
            .start = start,
            .size = gap_end - start,
            .mr = mr,
            .offset_in_region = (uint64_t)(start - base),
            .readonly = readonly || mr->readonly,
        });
        i++;
        start = gap_end;
    }
}

/* Draw mr, whose offset 0 sits at absolute address base, clipped to [clip_start, clip_end). */
static void render_region(FlatView *fv, MemoryRegion *mr, AbsAddr base, uint64_t clip_start,
                          uint64_t clip_end, bool readonly)
{
    AbsAddr start, end;

    if (!mr->enabled) {
        return;
    }
    start = MAX((AbsAddr)clip_start, base);
    end = MIN((AbsAddr)clip_end, base + (AbsAddr)mr->size);
    if (start >= end) {
        return;
    }
    for (guint i = 0; i < mr->subregions->len; i++) {
        MemoryRegion *sub = g_ptr_array_index(mr->subregions, i);
        render_region(fv, sub, base + sub->addr, start, end, readonly);
    }
    switch (mr->kind) {
    case MR_CONTAINER:
        break;
    case MR_ALIAS:
        render_region(fv, mr->alias, base - (AbsAddr)mr->alias_offset, start, end,
                      readonly || mr->readonly);
        break;
    case MR_RAM:
    case MR_IO:
        flatview_fill_gaps(fv, mr, base, start, end, readonly);
        break;
    }
}

static bool flatrange_equal(const FlatRange *a, const FlatRange *b)
{
    return a->start == b->start && a->size == b->size && a->mr == b->mr &&
           a->offset_in_region == b->offset_in_region && a->readonly == b->readonly;
}

static bool flatview_contains(const FlatView *fv, const FlatRange *r)
{
    const FlatRange *found = flatview_lookup(fv, r->start);
    return found && flatrange_equal(found, r);
}

static MemoryRegionSection section_of(const FlatRange *r)
{
    return (MemoryRegionSection){
        .mr = r->mr,
        .offset_within_region = r->offset_in_region,
        .offset_within_address_space = r->start,
        .size = r->size,
        .readonly = r->readonly,
    };
}

static void notify_listeners(AddressSpace *as, const FlatView *old, const FlatView *new)
{
    /* Deletions in reverse priority order, then additions in priority order. */
    for (int li = (int)as->listeners->len - 1; li >= 0; li--) {
        MemoryListener *l = g_ptr_array_index(as->listeners, li);
        for (unsigned i = 0; old && i < old->nr && l->region_del; i++) {
            if (!flatview_contains(new, &old->ranges[i])) {
                MemoryRegionSection s = section_of(&old->ranges[i]);
                l->region_del(l, &s);
            }
        }
    }
    for (guint li = 0; li < as->listeners->len; li++) {
        MemoryListener *l = g_ptr_array_index(as->listeners, li);
        for (unsigned i = 0; i < new->nr && l->region_add; i++) {
            if (!old || !flatview_contains(old, &new->ranges[i])) {
                MemoryRegionSection s = section_of(&new->ranges[i]);
                l->region_add(l, &s);
            }
        }
        if (l->commit) {
            l->commit(l);
        }
    }
}

static FlatView *render_address_space(AddressSpace *as)
{
    FlatView *fv = flatview_new();
    render_region(fv, as->root, 0, 0, UINT64_MAX, false);
    return fv;
}

static void address_space_update(AddressSpace *as)
{
    FlatView *old = as->view;
    FlatView *new = render_address_space(as);

    as->view = new;
    notify_listeners(as, old, new);
    flatview_free(old);
}

void address_space_init(AddressSpace *as, MemoryRegion *root, const char *name)
{
    as->name = g_strdup(name);
    as->root = root;
    as->listeners = g_ptr_array_new();
    as->view = render_address_space(as);
    if (!all_address_spaces) {
        all_address_spaces = g_ptr_array_new();
    }
    g_ptr_array_add(all_address_spaces, as);
}

void address_space_destroy(AddressSpace *as)
{
    g_ptr_array_remove(all_address_spaces, as);
    flatview_free(as->view);
    g_ptr_array_unref(as->listeners);
    g_free(as->name);
    memset(as, 0, sizeof(*as));
}

void memory_listener_register(MemoryListener *l, AddressSpace *as)
{
    guint i;

    l->as = as;
    for (i = 0; i < as->listeners->len; i++) {
        MemoryListener *other = g_ptr_array_index(as->listeners, i);
        if (l->priority < other->priority) {
            break;
        }
    }
    g_ptr_array_insert(as->listeners, i, l);
    /* Replay the current view to the newcomer. */
    for (unsigned r = 0; r < as->view->nr && l->region_add; r++) {
        MemoryRegionSection s = section_of(&as->view->ranges[r]);
        l->region_add(l, &s);
    }
    if (l->commit) {
        l->commit(l);
    }
}

void memory_listener_unregister(MemoryListener *l)
{
    if (l->as) {
        g_ptr_array_remove(l->as->listeners, l);
        l->as = NULL;
    }
}

static void call_log_hook(MemoryListener *l, MemoryRegionSection *s, MemoryLogEvent event)
{
    void (*hook)(MemoryListener *l, MemoryRegionSection *s) = NULL;

    switch (event) {
    case MEMORY_LOG_START:
        hook = l->log_start;
        break;
    case MEMORY_LOG_STOP:
        hook = l->log_stop;
        break;
    case MEMORY_LOG_SYNC:
        hook = l->log_sync;
        break;
    case MEMORY_LOG_CLEAR:
        hook = l->log_clear;
        break;
    }
    if (hook) {
        hook(l, s);
    }
}

void memory_region_notify_log(MemoryRegion *mr, MemoryLogEvent event)
{
    for (guint a = 0; all_address_spaces && a < all_address_spaces->len; a++) {
        AddressSpace *as = g_ptr_array_index(all_address_spaces, a);

        for (unsigned i = 0; i < as->view->nr; i++) {
            MemoryRegionSection s;

            if (as->view->ranges[i].mr != mr) {
                continue;
            }
            s = section_of(&as->view->ranges[i]);
            for (guint li = 0; li < as->listeners->len; li++) {
                call_log_hook(g_ptr_array_index(as->listeners, li), &s, event);
            }
        }
    }
}

const FlatRange *flatview_lookup(const FlatView *fv, uint64_t addr)
{
    unsigned lo = 0, hi = fv->nr;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        const FlatRange *r = &fv->ranges[mid];
        if (addr < r->start) {
            hi = mid;
        } else if (addr - r->start >= r->size) {
            lo = mid + 1;
        } else {
            return r;
        }
    }
    return NULL;
}

/* ---- dispatch ---- */

static unsigned ops_valid_min(const MemoryRegionOps *ops)
{
    return ops->valid.min_access_size ? ops->valid.min_access_size : 1;
}

static unsigned ops_valid_max(const MemoryRegionOps *ops)
{
    return ops->valid.max_access_size ? ops->valid.max_access_size : 4;
}

static unsigned ops_impl_min(const MemoryRegionOps *ops)
{
    return ops->impl.min_access_size ? ops->impl.min_access_size : 1;
}

static unsigned ops_impl_max(const MemoryRegionOps *ops)
{
    return ops->impl.max_access_size ? ops->impl.max_access_size : 4;
}

static uint8_t value_byte(const MemoryRegionOps *ops, uint64_t val, unsigned size, unsigned k)
{
    unsigned shift = ops->endianness == DEVICE_BIG_ENDIAN ? (size - 1 - k) * 8 : k * 8;
    return val >> shift;
}

static uint64_t value_set_byte(const MemoryRegionOps *ops, uint64_t val, unsigned size,
                               unsigned k, uint8_t b)
{
    unsigned shift = ops->endianness == DEVICE_BIG_ENDIAN ? (size - 1 - k) * 8 : k * 8;
    return (val & ~(0xffULL << shift)) | ((uint64_t)b << shift);
}

/*
 * One guest-sized access to an I/O region, split or widened into the naturally
 * aligned sizes the device implements. buf holds the bytes in guest memory order.
 */
static void io_access(MemoryRegion *mr, uint64_t offset, uint8_t *buf, unsigned size,
                      bool is_write)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned chunk = MIN(MAX(size, ops_impl_min(ops)), ops_impl_max(ops));
    uint64_t first = ROUND_DOWN(offset, (uint64_t)chunk);
    uint64_t end = offset + size;

    /* Natural alignment for the callbacks: a misaligned chunk splits into smaller ones. */
    while (chunk > ops_impl_min(ops) && (offset % chunk) && (offset % chunk) + size > chunk) {
        chunk /= 2;
        first = ROUND_DOWN(offset, (uint64_t)chunk);
    }
    for (uint64_t a = first; a < end; a += chunk) {
        uint64_t lo = MAX(a, offset), hi = MIN(a + chunk, end);
        bool whole = lo == a && hi == a + chunk;
        uint64_t val = 0;

        if (!is_write || !whole) {
            val = ops->read ? ops->read(mr->opaque, a, chunk) : ~0ULL;
        }
        for (uint64_t b = lo; b < hi; b++) {
            if (is_write) {
                val = value_set_byte(ops, val, chunk, b - a, buf[b - offset]);
            } else {
                buf[b - offset] = value_byte(ops, val, chunk, b - a);
            }
        }
        if (is_write && ops->write) {
            ops->write(mr->opaque, a, val, chunk);
        }
    }
}

static bool io_access_valid(const MemoryRegionOps *ops, uint64_t offset, unsigned size)
{
    if (size < ops_valid_min(ops) || size > ops_valid_max(ops)) {
        return false;
    }
    return ops->valid.unaligned || (offset & (size - 1)) == 0;
}

/* Largest power of two <= len that keeps offset aligned, bounded by max. */
static unsigned bulk_piece(uint64_t offset, uint64_t len, unsigned max)
{
    unsigned piece = max;
    while (piece > 1 && (piece > len || (offset & (piece - 1)))) {
        piece /= 2;
    }
    return piece;
}

static MemTxResult io_dispatch(MemoryRegion *mr, uint64_t offset, uint8_t *buf, uint64_t len,
                               bool is_write)
{
    const MemoryRegionOps *ops = mr->ops;
    MemTxResult res = MEMTX_OK;

    /* A CPU access arrives whole; a DMA transfer into registers goes in aligned pieces. */
    if (len <= 8 && (len & (len - 1)) == 0 && io_access_valid(ops, offset, len)) {
        io_access(mr, offset, buf, len, is_write);
        return MEMTX_OK;
    }
    if (len <= 8 && (len & (len - 1)) == 0) {
        guest_error_once("invalid %" PRIu64 "-byte %s at offset 0x%" PRIx64 " of '%s'", len,
                         is_write ? "write" : "read", offset, mr->name);
        if (!is_write) {
            memset(buf, 0xff, len);
        }
        return MEMTX_ERROR;
    }
    while (len) {
        unsigned piece = bulk_piece(offset, len, ops_valid_max(ops));
        if (io_access_valid(ops, offset, piece)) {
            io_access(mr, offset, buf, piece, is_write);
        } else {
            if (!is_write) {
                memset(buf, 0xff, piece);
            }
            res = MEMTX_ERROR;
        }
        offset += piece;
        buf += piece;
        len -= piece;
    }
    return res;
}

static MemTxResult address_space_access(AddressSpace *as, uint64_t addr, uint8_t *buf,
                                        uint64_t len, bool is_write, bool force_rom)
{
    MemTxResult res = MEMTX_OK;

    while (len) {
        const FlatRange *r = flatview_lookup(as->view, addr);
        uint64_t chunk, off;

        if (!r) {
            /* Unassigned: reads float high, writes vanish. Stop at the next mapped range. */
            const FlatRange *next = NULL;
            for (unsigned i = 0; i < as->view->nr; i++) {
                if (as->view->ranges[i].start > addr) {
                    next = &as->view->ranges[i];
                    break;
                }
            }
            chunk = next ? MIN(len, next->start - addr) : len;
            if (!is_write) {
                memset(buf, 0xff, chunk);
            }
            res |= MEMTX_DECODE_ERROR;
        } else {
            off = addr - r->start;
            chunk = MIN(len, r->size - off);
            off += r->offset_in_region;
            if (r->mr->kind == MR_RAM) {
                if (!is_write) {
                    memcpy(buf, r->mr->ram + off, chunk);
                } else if (!r->readonly || force_rom) {
                    memcpy(r->mr->ram + off, buf, chunk);
                    memory_region_set_dirty(r->mr, off, chunk);
                }
            } else {
                res |= io_dispatch(r->mr, off, buf, chunk, is_write);
            }
        }
        addr += chunk;
        buf += chunk;
        len -= chunk;
        if (addr == 0 && len) { /* wrapped around the top of the space */
            break;
        }
    }
    return res;
}

MemTxResult address_space_rw(AddressSpace *as, uint64_t addr, void *buf, uint64_t len,
                             bool is_write)
{
    return address_space_access(as, addr, buf, len, is_write, false);
}

MemTxResult address_space_write_rom(AddressSpace *as, uint64_t addr, const void *buf,
                                    uint64_t len)
{
    return address_space_access(as, addr, (void *)buf, len, true, true);
}

void *address_space_map(AddressSpace *as, uint64_t addr, uint64_t *len, bool is_write)
{
    const FlatRange *r = flatview_lookup(as->view, addr);
    uint64_t off;

    if (!r || r->mr->kind != MR_RAM || (is_write && r->readonly)) {
        *len = 0;
        return NULL;
    }
    off = addr - r->start + r->offset_in_region;
    *len = MIN(*len, r->size - (addr - r->start));
    if (is_write) {
        memory_region_set_dirty(r->mr, off, *len);
    }
    return r->mr->ram + off;
}

/* ---- the machine's address spaces ---- */

void memory_map_init(void)
{
    memory_region_init(&system_memory, "system", UINT64_MAX);
    memory_region_init(&system_io, "io", 65536);
    address_space_init(&address_space_memory, &system_memory, "memory");
    address_space_init(&address_space_io, &system_io, "I/O");
}

MemoryRegion *get_system_memory(void)
{
    return &system_memory;
}

MemoryRegion *get_system_io(void)
{
    return &system_io;
}

/* ---- info mtree ---- */

static const char *region_kind_name(const MemoryRegion *mr)
{
    switch (mr->kind) {
    case MR_CONTAINER: return "container";
    case MR_RAM: return mr->readonly ? "rom" : "ram";
    case MR_IO: return "i/o";
    case MR_ALIAS: return "alias";
    }
    return "?";
}

static void mtree_print(GString *out, const MemoryRegion *mr, uint64_t base, int depth)
{
    uint64_t last = mr->size ? base + mr->size - 1 : base;

    if (mr->size == UINT64_MAX) {
        last = UINT64_MAX;
    }
    g_string_append_printf(out, "%*s%016" PRIx64 "-%016" PRIx64 " (prio %d, %s): %s", depth * 2,
                           "", base, last, mr->priority, region_kind_name(mr), mr->name);
    if (mr->kind == MR_ALIAS) {
        g_string_append_printf(out, " @%s %016" PRIx64 "-%016" PRIx64, mr->alias->name,
                               mr->alias_offset, mr->alias_offset + mr->size - 1);
    }
    if (!mr->enabled) {
        g_string_append(out, " [disabled]");
    }
    g_string_append_c(out, '\n');
    for (guint i = 0; i < mr->subregions->len; i++) {
        const MemoryRegion *sub = g_ptr_array_index(mr->subregions, i);
        mtree_print(out, sub, base + sub->addr, depth + 1);
    }
}

char *memory_mtree_string(bool flatview)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; all_address_spaces && i < all_address_spaces->len; i++) {
        AddressSpace *as = g_ptr_array_index(all_address_spaces, i);
        g_string_append_printf(out, "address-space: %s\n", as->name);
        if (flatview) {
            for (unsigned r = 0; r < as->view->nr; r++) {
                const FlatRange *fr = &as->view->ranges[r];
                g_string_append_printf(out, "  %016" PRIx64 "-%016" PRIx64 " (%s%s): %s @%" PRIx64
                                            "\n",
                                       fr->start, fr->start + fr->size - 1,
                                       region_kind_name(fr->mr), fr->readonly ? ", ro" : "",
                                       fr->mr->name, fr->offset_in_region);
            }
        } else {
            mtree_print(out, as->root, 0, 1);
        }
        g_string_append_c(out, '\n');
    }
    return g_string_free(out, FALSE);
}
