/*
 * The memory API: a tree of MemoryRegions (RAM, ROM, device I/O, aliases,
 * containers with priorities) is flattened per AddressSpace into a sorted
 * FlatView of non-overlapping ranges. Listeners (KVM memory slots, the
 * translator's TLB) hear which ranges appeared and disappeared on each change.
 * All device DMA and CPU exits go through address_space_rw(), which clips
 * every access to the flat view: nothing reaches host memory outside guest RAM.
 * RAM regions can log which of their pages are written, per client (below).
 */
#ifndef SYSTEM_MEMORY_H
#define SYSTEM_MEMORY_H

#include "util/osdep.h"

typedef struct MemoryRegion MemoryRegion;
typedef struct AddressSpace AddressSpace;

typedef enum DeviceEndian {
    DEVICE_LITTLE_ENDIAN,
    DEVICE_BIG_ENDIAN,
} DeviceEndian;

typedef enum MemTxResult {
    MEMTX_OK = 0,
    MEMTX_DECODE_ERROR = 1, /* nothing mapped there */
    MEMTX_ERROR = 2,        /* the device refused the access */
} MemTxResult;

typedef struct MemoryRegionOps {
    uint64_t (*read)(void *opaque, uint64_t addr, unsigned size);
    void (*write)(void *opaque, uint64_t addr, uint64_t data, unsigned size);
    DeviceEndian endianness;
    /* What the guest may do; other accesses are refused (reads return all ones). */
    struct {
        unsigned min_access_size; /* 0 means 1 */
        unsigned max_access_size; /* 0 means 4 */
        bool unaligned;
    } valid;
    /* What the callbacks implement; the core splits or widens accesses to fit. */
    struct {
        unsigned min_access_size; /* 0 means 1 */
        unsigned max_access_size; /* 0 means 4 */
    } impl;
} MemoryRegionOps;

/*
 * Dirty-memory clients: each that logs a RAM region gets its own bitmap of the
 * region's pages written since it last cleared them. Writes through the memory
 * API, by the translator's generated code and (with KVM) by the guest all count.
 */
typedef enum DirtyMemoryClient {
    DIRTY_MEMORY_MIGRATION, /* RAM sent again by precopy */
    DIRTY_MEMORY_DISPLAY,   /* framebuffer pages to redraw */
    DIRTY_MEMORY_CODE,      /* pages whose translated code may be stale */
    DIRTY_MEMORY_NUM,
} DirtyMemoryClient;

#define DIRTY_PAGE_BITS 12
#define DIRTY_PAGE_SIZE ((uint64_t)1 << DIRTY_PAGE_BITS)

typedef enum MemoryRegionKind {
    MR_CONTAINER,
    MR_RAM,
    MR_IO,
    MR_ALIAS,
} MemoryRegionKind;

struct MemoryRegion {
    char *name;
    MemoryRegionKind kind;
    uint64_t size;
    bool readonly; /* ROM: guest writes are dropped */
    bool enabled;
    uint8_t *ram; /* MR_RAM: host memory */
    const MemoryRegionOps *ops;
    void *opaque;
    MemoryRegion *alias;
    uint64_t alias_offset;
    MemoryRegion *container;
    uint64_t addr; /* offset within container */
    int priority;
    GPtrArray *subregions; /* sorted by priority, highest first */
    /* MR_RAM dirty logging: a bitmap (a bit per DIRTY_PAGE_SIZE) per client that logs. */
    unsigned long *dirty[DIRTY_MEMORY_NUM];
    unsigned dirty_log_mask; /* 1 << client for each client logging */
};

/* A piece of a region as it appears in an address space. */
typedef struct MemoryRegionSection {
    MemoryRegion *mr;
    uint64_t offset_within_region;
    uint64_t offset_within_address_space;
    uint64_t size;
    bool readonly;
} MemoryRegionSection;

typedef struct FlatRange {
    uint64_t start;
    uint64_t size;
    MemoryRegion *mr;            /* a RAM or I/O leaf, never an alias or container */
    uint64_t offset_in_region;
    bool readonly;
} FlatRange;

typedef struct FlatView {
    FlatRange *ranges; /* sorted by start, non-overlapping */
    unsigned nr;
    unsigned cap;
} FlatView;

typedef struct MemoryListener {
    void (*region_add)(struct MemoryListener *l, MemoryRegionSection *s);
    void (*region_del)(struct MemoryListener *l, MemoryRegionSection *s);
    void (*commit)(struct MemoryListener *l);
    /* Dirty logging of s->mr began (the first client) or ended (the last one). */
    void (*log_start)(struct MemoryListener *l, MemoryRegionSection *s);
    void (*log_stop)(struct MemoryListener *l, MemoryRegionSection *s);
    /* Bring the region's bitmaps up to date with what the accelerator logged. */
    void (*log_sync)(struct MemoryListener *l, MemoryRegionSection *s);
    /* A client cleared bits of s: writes there must be noticed again. */
    void (*log_clear)(struct MemoryListener *l, MemoryRegionSection *s);
    int priority; /* lower runs first on add, last on delete */
    AddressSpace *as;
} MemoryListener;

struct AddressSpace {
    char *name;
    MemoryRegion *root;
    FlatView *view;
    GPtrArray *listeners;
};

/* Region constructors. The region is caller-owned storage (usually in a device struct). */
void memory_region_init(MemoryRegion *mr, const char *name, uint64_t size);
bool memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size, GError **errp);
bool memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size, GError **errp);
void memory_region_init_io(MemoryRegion *mr, const MemoryRegionOps *ops, void *opaque,
                           const char *name, uint64_t size);
void memory_region_init_alias(MemoryRegion *mr, const char *name, MemoryRegion *orig,
                              uint64_t offset, uint64_t size);
void memory_region_destroy(MemoryRegion *mr);

void memory_region_add_subregion(MemoryRegion *parent, uint64_t offset, MemoryRegion *sub);
void memory_region_add_subregion_overlap(MemoryRegion *parent, uint64_t offset,
                                         MemoryRegion *sub, int priority);
void memory_region_del_subregion(MemoryRegion *parent, MemoryRegion *sub);
void memory_region_set_enabled(MemoryRegion *mr, bool enabled);
void memory_region_set_address(MemoryRegion *mr, uint64_t addr);
void memory_region_set_alias_offset(MemoryRegion *mr, uint64_t offset);
static inline void *memory_region_get_ram_ptr(MemoryRegion *mr)
{
    return mr->ram;
}

/* Batch several changes into one re-flattening. */
void memory_region_transaction_begin(void);
void memory_region_transaction_commit(void);

void address_space_init(AddressSpace *as, MemoryRegion *root, const char *name);
void address_space_destroy(AddressSpace *as);
void memory_listener_register(MemoryListener *l, AddressSpace *as);
void memory_listener_unregister(MemoryListener *l);

/* The flat range covering addr, or NULL. */
const FlatRange *flatview_lookup(const FlatView *fv, uint64_t addr);

MemTxResult address_space_rw(AddressSpace *as, uint64_t addr, void *buf, uint64_t len,
                             bool is_write);
static inline MemTxResult address_space_read(AddressSpace *as, uint64_t addr, void *buf,
                                             uint64_t len)
{
    return address_space_rw(as, addr, buf, len, false);
}
static inline MemTxResult address_space_write(AddressSpace *as, uint64_t addr, const void *buf,
                                              uint64_t len)
{
    return address_space_rw(as, addr, (void *)buf, len, true);
}
/* Write ignoring ROM protection (loaders filling ROM images). */
MemTxResult address_space_write_rom(AddressSpace *as, uint64_t addr, const void *buf,
                                    uint64_t len);
/*
 * Direct host pointer to guest RAM for [addr, addr+*len): *len is clipped to the
 * contiguous RAM available; NULL if addr is not RAM (or is ROM and is_write).
 */
void *address_space_map(AddressSpace *as, uint64_t addr, uint64_t *len, bool is_write);

/*
 * Dirty logging of a RAM region, per client. Starting gives the client a clean
 * bitmap; the accelerators then report writes (KVM's dirty log, the translator's
 * TLB slow path). Start and stop with the big lock held and the vCPUs stopped:
 * the translator's vCPUs use the bitmaps without a lock. Under the translator a
 * clear takes effect at each vCPU's next turn, so stop them for an exact bitmap.
 * A write mapping (address_space_map) counts as written when it is made.
 */
void memory_region_set_dirty_log(MemoryRegion *mr, DirtyMemoryClient client, bool log);
bool memory_region_is_logging(const MemoryRegion *mr, DirtyMemoryClient client);
/* Mark [offset, offset+len) written, for every client logging the region. */
void memory_region_set_dirty(MemoryRegion *mr, uint64_t offset, uint64_t len);
#define DIRTY_CLIENTS_ALL ((1u << DIRTY_MEMORY_NUM) - 1)
/* The same for only those of clients (a mask) that log the region. */
void memory_region_set_dirty_for(MemoryRegion *mr, uint64_t offset, uint64_t len,
                                 unsigned clients);
/* Was any page of [offset, offset+len) written since client cleared it? */
bool memory_region_get_dirty(const MemoryRegion *mr, uint64_t offset, uint64_t len,
                             DirtyMemoryClient client);
/* Is the page at offset dirty for each of clients (a mask) that logs the region? */
bool memory_region_page_dirty_for(const MemoryRegion *mr, uint64_t offset, unsigned clients);
/*
 * Forget client's bits for [offset, offset+len) without telling the listeners:
 * for a client that watches writes itself (the translator, once a page holds code).
 */
void memory_region_clear_dirty(MemoryRegion *mr, uint64_t offset, uint64_t len,
                               DirtyMemoryClient client);
/* Pull what the accelerators logged for mr into its bitmaps. */
void memory_region_sync_dirty_bitmap(MemoryRegion *mr);
/*
 * Copy client's bits for the pages of [offset, offset+len) (page-aligned) into
 * bitmap (bit i = page i of the range) and clear them; returns how many were set.
 */
uint64_t memory_region_snapshot_and_clear_dirty(MemoryRegion *mr, uint64_t offset, uint64_t len,
                                                DirtyMemoryClient client, unsigned long *bitmap);

/* Start or stop client's logging of every writable RAM region mapped in as. */
void memory_global_dirty_log(AddressSpace *as, DirtyMemoryClient client, bool log);
/*
 * For the RAM of as that client logs: sync, then append the count of dirty pages
 * and their runs of guest-physical addresses to out, and clear them.
 */
void memory_dirty_report_and_clear(AddressSpace *as, DirtyMemoryClient client, GString *out);

/* The memory and I/O address spaces of the machine. */
extern AddressSpace address_space_memory;
extern AddressSpace address_space_io;
MemoryRegion *get_system_memory(void);
MemoryRegion *get_system_io(void);
void memory_map_init(void);

/* info mtree text; flat views too when flatview is set. */
char *memory_mtree_string(bool flatview);

#endif
