/*
 * The softmmu: per-mode TLBs in CPUState, filled on a miss from the target's
 * page walk and the memory API's flat view; the slow paths for MMIO, code pages
 * (writes invalidate translated code), page-crossing and misaligned accesses.
 * Generated code handles TLB hits inline and calls helper_qemu_ld/st otherwise.
 */
#include "accel/tcg/internal.h"
#include "system/main-loop.h"
#include "system/memory.h"
#include "util/error.h"
#include <sys/mman.h>

/*
 * The dirty-log clients whose clean pages stores must reach through the slow
 * path. Not the code client: the translator watches stores to code pages
 * itself, and a page's code-client bit is cleared only when it gains code.
 */
#define TLB_DIRTY_CLIENTS (DIRTY_CLIENTS_ALL & ~(1u << DIRTY_MEMORY_CODE))

static inline size_t tlb_index(CPUState *cpu, int mmu_idx, uint64_t addr)
{
    return (addr >> TARGET_PAGE_BITS) & (cpu->tlb_mask[mmu_idx] >> CPU_TLB_ENTRY_BITS);
}

static inline CPUTLBEntry *tlb_entry(CPUState *cpu, int mmu_idx, uint64_t addr)
{
    return &cpu->tlb_table[mmu_idx][tlb_index(cpu, mmu_idx, addr)];
}

static inline CPUTLBEntryFull *tlb_full(CPUState *cpu, int mmu_idx, uint64_t addr)
{
    return &cpu->tlb_full[mmu_idx][tlb_index(cpu, mmu_idx, addr)];
}

static bool tlb_entry_is_empty(const CPUTLBEntry *e)
{
    return e->addr_read == (uint64_t)-1 && e->addr_write == (uint64_t)-1 &&
           e->addr_code == (uint64_t)-1;
}

static uint64_t tlb_addr(const CPUTLBEntry *e, MMUAccessType type)
{
    return type == MMU_DATA_LOAD ? e->addr_read
         : type == MMU_DATA_STORE ? e->addr_write : e->addr_code;
}

static inline TLBL2Entry *tlb_l2_entry(AccelCPUState *acs, int mmu_idx, uint64_t addr)
{
    return &acs->tlb_l2[(size_t)mmu_idx * TLB_L2_SIZE +
                        ((addr >> TARGET_PAGE_BITS) & (TLB_L2_SIZE - 1))];
}

/*
 * Dynamic sizing (QEMU's idea, cputlb.c "tlb_mmu_resize_locked"): at each flush
 * of a mode, look at the most entries it held at a flush during the current
 * window. A table that was more than 70% used doubles, up to the maximum; one
 * under 30% used for a whole window shrinks to fit that peak, down to the
 * minimum. Small tables keep flushes cheap for guests that flush often with
 * few pages live; large ones keep big working sets out of the slow path.
 */
#define TLB_WINDOW_US (100 * 1000)
#define TLB_GROW_PERCENT 70
#define TLB_SHRINK_PERCENT 30

/* Give the host back the pages of [start, end) that lie wholly inside it. */
static void release_host_pages(void *start, void *end)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t from = ROUND_UP((uintptr_t)start, page), to = (uintptr_t)end & ~(page - 1);

    if (from < to) {
        madvise((void *)from, to - from, MADV_DONTNEED);
    }
}

/* Use the first n_entries of the mode's table, all empty; a shrunk table's tail goes back. */
static void tlb_mode_set_size(CPUState *cpu, int mmu_idx, size_t n_entries)
{
    CPUTLBEntry *table = cpu->tlb_table[mmu_idx];

    if (cpu->tlb_mask[mmu_idx] && n_entries < tlb_n_entries(cpu, mmu_idx)) {
        release_host_pages(table + n_entries, table + tlb_n_entries(cpu, mmu_idx));
    }
    cpu->tlb_mask[mmu_idx] = (n_entries - 1) << CPU_TLB_ENTRY_BITS;
    memset(table, 0xff, n_entries * sizeof(CPUTLBEntry));
    cpu->tlb_desc[mmu_idx].n_used_entries = 0;
}

/* The table size for the window's peak use: a power of two it fills at most 70%. */
static size_t tlb_size_for(size_t peak)
{
    size_t n = (size_t)1 << CPU_TLB_DYN_MIN_BITS;

    while (n < ((size_t)1 << CPU_TLB_DYN_MAX_BITS) && peak * 100 > n * TLB_GROW_PERCENT) {
        n <<= 1;
    }
    return n;
}

static void tlb_mode_resize(CPUState *cpu, int mmu_idx, int64_t now_us)
{
    CPUTLBDesc *desc = &cpu->tlb_desc[mmu_idx];
    size_t old_size = tlb_n_entries(cpu, mmu_idx);
    size_t peak = MAX(desc->window_max_entries, desc->n_used_entries);
    bool window_over = now_us - desc->window_begin_us > TLB_WINDOW_US;
    size_t new_size = old_size;

    if (peak * 100 > old_size * TLB_GROW_PERCENT) {
        new_size = MIN(old_size << 1, (size_t)1 << CPU_TLB_DYN_MAX_BITS);
    } else if (window_over && peak * 100 < old_size * TLB_SHRINK_PERCENT) {
        new_size = tlb_size_for(peak);
    }
    desc->window_max_entries = peak;
    if (window_over || new_size != old_size) {
        desc->window_begin_us = now_us;
        desc->window_max_entries = 0;
    }
    if (new_size != old_size) {
        tlb_mode_set_size(cpu, mmu_idx, new_size);
        tcg_stats.tlb_resizes++;
    }
}

void tlb_init(CPUState *cpu)
{
    int64_t now_us = g_get_monotonic_time();

    for (int m = 0; m < NB_MMU_MODES; m++) {
        tlb_mode_set_size(cpu, m, (size_t)1 << CPU_TLB_DYN_MIN_BITS);
        cpu->tlb_desc[m].window_begin_us = now_us;
        cpu->tlb_desc[m].window_max_entries = 0;
    }
}

/* Every mode's TLB: resized where its use says so, emptied (only those that hold entries). */
void tlb_flush(CPUState *cpu)
{
    int64_t now_us;

    if (!cpu->tlb_mask[0]) {
        return; /* not a translator vCPU (yet) */
    }
    now_us = g_get_monotonic_time();
    for (int m = 0; m < NB_MMU_MODES; m++) {
        CPUTLBDesc *desc = &cpu->tlb_desc[m];

        tlb_mode_resize(cpu, m, now_us);
        if (desc->n_used_entries) {
            memset(cpu->tlb_table[m], 0xff, tlb_n_entries(cpu, m) * sizeof(CPUTLBEntry));
            desc->n_used_entries = 0;
        }
    }
    if (cpu->accel) {
        cpu->accel->tlb_gen++; /* every second-level entry is stale now */
        memset(cpu->accel->large_page_seen, 0, sizeof(cpu->accel->large_page_seen));
        memset(cpu->accel->jmp_cache, 0, sizeof(cpu->accel->jmp_cache));
    }
}

void tlb_flush_page(CPUState *cpu, uint64_t vaddr)
{
    uint64_t page = vaddr & TARGET_PAGE_MASK;

    for (int m = 0; m < NB_MMU_MODES; m++) {
        CPUTLBEntry *e = tlb_entry(cpu, m, page);
        if (cpu->accel && cpu->accel->large_page_seen[m]) {
            tlb_flush(cpu); /* a large page covers more than this entry */
            return;
        }
        if (!tlb_entry_is_empty(e) && ((e->addr_read & TARGET_PAGE_MASK) == page ||
                                       (e->addr_write & TARGET_PAGE_MASK) == page ||
                                       (e->addr_code & TARGET_PAGE_MASK) == page)) {
            memset(e, 0xff, sizeof(*e));
            cpu->tlb_desc[m].n_used_entries--;
        }
        if (cpu->accel && cpu->accel->tlb_l2) {
            TLBL2Entry *l2 = tlb_l2_entry(cpu->accel, m, page);
            if ((l2->e.addr_read & TARGET_PAGE_MASK) == page ||
                (l2->e.addr_write & TARGET_PAGE_MASK) == page ||
                (l2->e.addr_code & TARGET_PAGE_MASK) == page) {
                l2->gen = 0;
            }
        }
    }
    if (cpu->accel) {
        memset(cpu->accel->jmp_cache, 0, sizeof(cpu->accel->jmp_cache));
    }
}

void tlb_flush_for_code_page(uint64_t page)
{
    for (int i = 0; i < cpu_count; i++) {
        for (int m = 0; m < NB_MMU_MODES; m++) {
            /* An empty mode (most of them, most of the time) has nothing to mark. */
            size_t n = cpus[i]->tlb_desc[m].n_used_entries ? tlb_n_entries(cpus[i], m) : 0;

            for (size_t k = 0; k < n; k++) {
                CPUTLBEntry *e = &cpus[i]->tlb_table[m][k];
                if (!(e->addr_write & TLB_INVALID_MASK) && cpus[i]->tlb_full[m][k].paddr == page) {
                    e->addr_write |= TLB_NOTDIRTY;
                }
            }
        }
    }
}

/* Does a debugger watch any byte of the virtual page? */
static bool page_is_watched(CPUState *cpu, uint64_t vpage)
{
    for (guint i = 0; cpu->watchpoints && i < cpu->watchpoints->len; i++) {
        const CPUBreakpoint *wp = &g_array_index(cpu->watchpoints, CPUBreakpoint, i);
        if (wp->addr < vpage + TARGET_PAGE_SIZE && vpage < wp->addr + wp->len) {
            return true;
        }
    }
    return false;
}

/*
 * The slow path of an access to a watched page. On a hit, stop before the
 * access with the pc at the accessing instruction, as a RISC-V debug trigger
 * with timing=before does; gdb knows such watchpoints as "non-steppable" and
 * steps over the instruction itself before it shows the new value.
 */
static void check_watchpoints(CPUState *cpu, uint64_t addr, unsigned size, bool read,
                              bool write, uintptr_t retaddr)
{
    for (guint i = 0; cpu->watchpoints && i < cpu->watchpoints->len; i++) {
        const CPUBreakpoint *wp = &g_array_index(cpu->watchpoints, CPUBreakpoint, i);
        bool hit = (write && wp->type != GDB_WATCHPOINT_READ) ||
                   (read && wp->type != GDB_WATCHPOINT_WRITE);

        if (hit && addr < wp->addr + wp->len && wp->addr < addr + size) {
            cpu->debug_reason = CPU_DEBUG_WATCH;
            cpu->debug_watch_type = wp->type;
            cpu->debug_watch_addr = wp->addr;
            cpu_raise_exception(cpu, EXCP_DEBUG, retaddr);
        }
    }
}

static void tlb_l2_save(CPUState *cpu, int mmu_idx, uint64_t vpage, const CPUTLBEntry *e,
                        const CPUTLBEntryFull *full);

MemoryRegion *phys_page_ram(uint64_t page, uint64_t *offset, bool *readonly)
{
    bool locked = bql_locked();
    MemoryRegion *ram = NULL;
    const FlatRange *r;

    if (!locked) {
        bql_lock(); /* the flat view changes only under the big lock */
    }
    r = flatview_lookup(address_space_memory.view, page);
    if (r && r->mr->kind == MR_RAM && page + TARGET_PAGE_SIZE <= r->start + r->size) {
        ram = r->mr;
        *offset = r->offset_in_region + (page - r->start);
        *readonly = r->readonly;
    }
    if (!locked) {
        bql_unlock();
    }
    return ram;
}

/* Install the translation vaddr -> paddr for mmu_idx. */
static void tlb_set_page(CPUState *cpu, uint64_t vaddr, uint64_t paddr, int prot, int mmu_idx,
                         uint64_t page_size)
{
    uint64_t vpage = vaddr & TARGET_PAGE_MASK, ppage = paddr & TARGET_PAGE_MASK;
    CPUTLBEntry *e = tlb_entry(cpu, mmu_idx, vpage);
    uint64_t flags = 0, wflags = 0;
    uintptr_t addend = 0;
    CPUTLBEntryFull full = {.paddr = ppage};
    bool readonly;

    if (page_size > TARGET_PAGE_SIZE) {
        cpu->accel->large_page_seen[mmu_idx] = true;
    } else if (page_size < TARGET_PAGE_SIZE) {
        /* A protection region smaller than a page (PMP): never hit inline, ask each time. */
        flags = TLB_INVALID_MASK;
    }
    full.ram = phys_page_ram(ppage, &full.ram_offset, &readonly);
    if (full.ram) {
        addend = (uintptr_t)(full.ram->ram + full.ram_offset) - vpage;
        if (readonly) {
            wflags = TLB_MMIO; /* ROM: writes are dropped by the memory API */
        } else if (!memory_region_page_dirty_for(full.ram, full.ram_offset, TLB_DIRTY_CLIENTS)) {
            wflags = TLB_NOTDIRTY; /* the first write marks the page, then hits inline */
        }
    } else {
        flags |= TLB_MMIO;
    }
    if (tb_page_has_code(ppage)) {
        wflags |= TLB_NOTDIRTY;
    }
    if (unlikely(cpu->watchpoints) && page_is_watched(cpu, vpage)) {
        flags |= TLB_WATCHPOINT; /* data accesses only: fetches are not watched */
    }
    cpu->tlb_desc[mmu_idx].n_used_entries += tlb_entry_is_empty(e);
    e->addend = addend;
    e->addr_read = (prot & PAGE_READ) ? vpage | flags : (uint64_t)-1;
    e->addr_write = (prot & PAGE_WRITE) ? vpage | flags | wflags : (uint64_t)-1;
    e->addr_code = (prot & PAGE_EXEC) ? vpage | (flags & ~TLB_WATCHPOINT) : (uint64_t)-1;
    *tlb_full(cpu, mmu_idx, vpage) = full;
    tlb_l2_save(cpu, mmu_idx, vpage, e, &full);
}

/* Keep a copy of a fresh first-level entry in the second level. */
static void tlb_l2_save(CPUState *cpu, int mmu_idx, uint64_t vpage, const CPUTLBEntry *e,
                        const CPUTLBEntryFull *full)
{
    AccelCPUState *acs = cpu->accel;
    TLBL2Entry *l2;

    if (!acs) {
        return;
    }
    if (!acs->tlb_l2) {
        acs->tlb_l2 = g_new0(TLBL2Entry, (size_t)NB_MMU_MODES * TLB_L2_SIZE);
        acs->tlb_gen++; /* generation 0 marks an empty entry */
    }
    l2 = tlb_l2_entry(acs, mmu_idx, vpage);
    l2->e = *e;
    l2->full = *full;
    l2->gen = acs->tlb_gen;
    l2->code_gen = tb_code_page_gen;
}

/*
 * A first-level miss that the second level may answer: copy its entry back.
 * Pages gain translated code without a flush: if any page did since the entry
 * was saved, look its code-page mark up again (a stale mark the other way, on
 * a page that lost its code, only sends a store through the slow path, which
 * clears it). True if addr now hits for type.
 */
static bool tlb_l2_lookup(CPUState *cpu, uint64_t addr, MMUAccessType type, int mmu_idx)
{
    AccelCPUState *acs = cpu->accel;
    uint64_t page = addr & TARGET_PAGE_MASK;
    TLBL2Entry *l2;
    CPUTLBEntry *e;

    if (!acs || !acs->tlb_l2) {
        return false;
    }
    l2 = tlb_l2_entry(acs, mmu_idx, addr);
    if (l2->gen != acs->tlb_gen ||
        (tlb_addr(&l2->e, type) & (TARGET_PAGE_MASK | TLB_INVALID_MASK)) != page) {
        return false;
    }
    if (unlikely(l2->code_gen != tb_code_page_gen)) {
        if (!(l2->e.addr_write & TLB_INVALID_MASK) && tb_page_has_code(l2->full.paddr)) {
            l2->e.addr_write |= TLB_NOTDIRTY;
        }
        l2->code_gen = tb_code_page_gen;
    }
    e = tlb_entry(cpu, mmu_idx, addr);
    cpu->tlb_desc[mmu_idx].n_used_entries += tlb_entry_is_empty(e);
    *e = l2->e;
    *tlb_full(cpu, mmu_idx, addr) = l2->full;
    tcg_stats.tlb_l2_hits++;
    return true;
}

/* Make sure addr has an entry for access; false only when probing and it faults. */
static bool tlb_fill_entry(CPUState *cpu, uint64_t addr, MMUAccessType type, int mmu_idx,
                           bool probe, uintptr_t retaddr)
{
    CPUTLBEntry *e = tlb_entry(cpu, mmu_idx, addr);
    uint64_t paddr, page_size;
    int prot;

    if ((tlb_addr(e, type) & (TARGET_PAGE_MASK | TLB_INVALID_MASK)) == (addr & TARGET_PAGE_MASK)) {
        return true;
    }
    tcg_stats.tlb_misses++;
    if (tlb_l2_lookup(cpu, addr, type, mmu_idx)) {
        return true;
    }
    if (!cpu->cc->tcg_ops->tlb_fill(cpu, addr, type, mmu_idx, probe, retaddr, &paddr, &prot,
                                    &page_size)) {
        return false;
    }
    tlb_set_page(cpu, addr, paddr, prot, mmu_idx, page_size);
    return true;
}

static uint64_t mmio_access(CPUState *cpu, uint64_t paddr, uint64_t val, unsigned size,
                            bool is_write)
{
    bool locked = bql_locked();
    uint8_t buf[8];

    memcpy(buf, &val, sizeof(buf)); /* little-endian host: value bytes in memory order */
    if (!locked) {
        bql_lock();
    }
    address_space_rw(&address_space_memory, paddr, buf, size, is_write);
    if (!locked) {
        bql_unlock();
    }
    val = 0;
    memcpy(&val, buf, size);
    return val;
}

static uint64_t load_host(const void *p, unsigned size)
{
    uint64_t v = 0;
    memcpy(&v, p, size);
    return v;
}

static uint64_t fix_load_value(uint64_t v, unsigned memop)
{
    unsigned size = memop_size(memop);

    if (memop & MO_BE) {
        v = GUINT64_SWAP_LE_BE(v) >> (64 - 8 * size);
    }
    if ((memop & MO_SIGN) && size < 8) {
        unsigned shift = 64 - 8 * size;
        v = (uint64_t)((int64_t)(v << shift) >> shift);
    }
    return v;
}

/*
 * A store to a page marked TLB_NOTDIRTY: its translated code goes, the write is
 * logged for the dirty-memory clients, and once the page holds no code and is
 * dirty for every client, later stores hit inline. Not for the code client: the
 * translated code this store overwrote is gone already, and a mark would make
 * the next fence.i drop every TB on the page, those untouched and those made since.
 */
static void notdirty_write(CPUState *cpu, CPUTLBEntry *e, const CPUTLBEntryFull *full,
                           uint64_t addr, unsigned size)
{
    uint64_t paddr = full->paddr | (addr & ~TARGET_PAGE_MASK);
    uint64_t offset = full->ram_offset | (addr & ~TARGET_PAGE_MASK);

    tb_invalidate_phys_range(paddr, size);
    memory_region_set_dirty_for(full->ram, offset, size, TLB_DIRTY_CLIENTS);
    if (!tb_page_has_code(paddr) &&
        memory_region_page_dirty_for(full->ram, offset, TLB_DIRTY_CLIENTS)) {
        e->addr_write &= ~TLB_NOTDIRTY;
    }
}

/* One access within a page, value in little-endian order of size bytes. */
static uint64_t access_page(CPUState *cpu, uint64_t addr, uint64_t val, unsigned size,
                            MMUAccessType type, int mmu_idx, uintptr_t retaddr)
{
    CPUTLBEntry *e = tlb_entry(cpu, mmu_idx, addr);
    uint64_t tag;

    tlb_fill_entry(cpu, addr, type, mmu_idx, false, retaddr);
    tag = tlb_addr(e, type);
    if (unlikely(tag & TLB_WATCHPOINT) && type != MMU_INST_FETCH) {
        check_watchpoints(cpu, addr, size, type == MMU_DATA_LOAD, type == MMU_DATA_STORE,
                          retaddr);
    }
    if (tag & TLB_MMIO) {
        uint64_t paddr = tlb_full(cpu, mmu_idx, addr)->paddr | (addr & ~TARGET_PAGE_MASK);
        return mmio_access(cpu, paddr, val, size, type == MMU_DATA_STORE);
    }
    if (type == MMU_DATA_STORE) {
        if (tag & TLB_NOTDIRTY) {
            notdirty_write(cpu, e, tlb_full(cpu, mmu_idx, addr), addr, size);
        }
        memcpy((void *)(uintptr_t)(addr + e->addend), &val, size);
        return 0;
    }
    return load_host((void *)(uintptr_t)(addr + e->addend), size);
}

/* An access that crosses a page boundary goes a byte at a time. */
static uint64_t access_split(CPUState *cpu, uint64_t addr, uint64_t val, unsigned size,
                             MMUAccessType type, int mmu_idx, uintptr_t retaddr)
{
    uint64_t r = 0;

    /* Probe both pages first, so a fault on the second leaves memory untouched. */
    tlb_fill_entry(cpu, addr, type, mmu_idx, false, retaddr);
    tlb_fill_entry(cpu, addr + size - 1, type, mmu_idx, false, retaddr);
    for (unsigned i = 0; i < size; i++) {
        uint64_t b = access_page(cpu, addr + i, val >> (8 * i), 1, type, mmu_idx, retaddr);
        r |= (b & 0xff) << (8 * i);
    }
    return r;
}

static uint64_t do_access(CPUState *cpu, uint64_t addr, uint64_t val, unsigned memop,
                          MMUAccessType type, int mmu_idx, uintptr_t retaddr)
{
    unsigned size = memop_size(memop);

    if ((memop & MO_ALIGN) && (addr & (size - 1))) {
        cpu->cc->tcg_ops->do_unaligned_access(cpu, addr, type, mmu_idx, retaddr);
    }
    if ((addr & ~TARGET_PAGE_MASK) + size > TARGET_PAGE_SIZE) {
        return access_split(cpu, addr, val, size, type, mmu_idx, retaddr);
    }
    return access_page(cpu, addr, val, size, type, mmu_idx, retaddr);
}

uint64_t cpu_ld_mmu(CPUState *cpu, uint64_t addr, unsigned memop, int mmu_idx, uintptr_t retaddr)
{
    return fix_load_value(do_access(cpu, addr, 0, memop, MMU_DATA_LOAD, mmu_idx, retaddr), memop);
}

void cpu_st_mmu(CPUState *cpu, uint64_t addr, uint64_t val, unsigned memop, int mmu_idx,
                uintptr_t retaddr)
{
    unsigned size = memop_size(memop);

    if (memop & MO_BE) {
        val = GUINT64_SWAP_LE_BE(val) >> (64 - 8 * size);
    }
    do_access(cpu, addr, val, memop, MMU_DATA_STORE, mmu_idx, retaddr);
}

uint64_t helper_qemu_ld(void *env, uint64_t addr, uint32_t oi, uintptr_t retaddr)
{
    return cpu_ld_mmu(env, addr, oi & 0xff, oi >> 8, retaddr);
}

void helper_qemu_st(void *env, uint64_t addr, uint64_t val, uint32_t oi, uintptr_t retaddr)
{
    cpu_st_mmu(env, addr, val, oi & 0xff, oi >> 8, retaddr);
}

void *cpu_atomic_mmu_lookup(CPUState *cpu, uint64_t addr, unsigned size, int mmu_idx,
                            uintptr_t retaddr)
{
    CPUTLBEntry *e = tlb_entry(cpu, mmu_idx, addr);

    if (addr & (size - 1)) {
        cpu->cc->tcg_ops->do_unaligned_access(cpu, addr, MMU_DATA_STORE, mmu_idx, retaddr);
    }
    tlb_fill_entry(cpu, addr, MMU_DATA_STORE, mmu_idx, false, retaddr);
    if (unlikely(e->addr_write & TLB_WATCHPOINT)) {
        check_watchpoints(cpu, addr, size, true, true, retaddr); /* reads and writes */
    }
    if (e->addr_write & TLB_MMIO) {
        return NULL;
    }
    if (e->addr_write & TLB_NOTDIRTY) {
        notdirty_write(cpu, e, tlb_full(cpu, mmu_idx, addr), addr, size);
    }
    return (void *)(uintptr_t)(addr + e->addend);
}

uint64_t get_page_addr_code(CPUState *cpu, uint64_t pc, void **hostp, bool probe)
{
    const TCGCPUOps *ops = cpu->cc->tcg_ops;
    int mmu_idx = ops->mmu_index(cpu, true);
    CPUTLBEntry *e = tlb_entry(cpu, mmu_idx, pc);

    if (!tlb_fill_entry(cpu, pc, MMU_INST_FETCH, mmu_idx, probe, 0)) {
        return (uint64_t)-1;
    }
    if (hostp) {
        *hostp = (e->addr_code & TLB_MMIO) ? NULL : (void *)(uintptr_t)(pc + e->addend);
    }
    return tlb_full(cpu, mmu_idx, pc)->paddr | (pc & ~TARGET_PAGE_MASK);
}

static uint64_t translator_ld(CPUState *cpu, uint64_t pc, unsigned size)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < size;) {
        void *host;
        uint64_t paddr = get_page_addr_code(cpu, pc + i, &host, false);
        unsigned n = MIN(size - i, TARGET_PAGE_SIZE - ((pc + i) & ~TARGET_PAGE_MASK));
        uint64_t part = 0;

        if (host) {
            memcpy(&part, host, n);
        } else {
            part = mmio_access(cpu, paddr, 0, n, false);
        }
        v |= part << (8 * i);
        i += n;
    }
    return v;
}

uint32_t translator_ldl(CPUState *cpu, uint64_t pc)
{
    return translator_ld(cpu, pc, 4);
}

uint16_t translator_lduw(CPUState *cpu, uint64_t pc)
{
    return translator_ld(cpu, pc, 2);
}

bool tcg_memory_rw_debug(CPUState *cpu, uint64_t vaddr, void *buf, size_t len, bool is_write)
{
    const TCGCPUOps *ops = cpu->cc->tcg_ops;
    int mmu_idx = ops->mmu_index(cpu, false);
    uint8_t *p = buf;

    while (len) {
        uint64_t paddr, page_size;
        int prot;
        size_t n = MIN(len, TARGET_PAGE_SIZE - (vaddr & ~TARGET_PAGE_MASK));

        if (!ops->tlb_fill(cpu, vaddr, MMU_DATA_LOAD, mmu_idx, true, 0, &paddr, &prot,
                           &page_size)) {
            return false;
        }
        paddr = (paddr & TARGET_PAGE_MASK) | (vaddr & ~TARGET_PAGE_MASK);
        if (is_write) {
            address_space_write_rom(&address_space_memory, paddr, p, n);
            tb_invalidate_phys_range(paddr, n);
        } else if (address_space_read(&address_space_memory, paddr, p, n) != MEMTX_OK) {
            return false;
        }
        vaddr += n;
        p += n;
        len -= n;
    }
    return true;
}
