/*
 * The memory API: a tree of MemoryRegions (RAM, ROM, device I/O, aliases,
 * containers with priorities) is flattened per AddressSpace into a sorted
 * FlatView of non-overlapping ranges. Listeners (KVM memory slots, the
 * translator's TLB) hear which ranges appeared and disappeared on each change.
 * All device DMA and CPU exits go through address_space_rw(), which clips
 * every access to the flat view: nothing reaches host memory outside guest RAM.
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

/* The memory and I/O address spaces of the machine. */
extern AddressSpace address_space_memory;
extern AddressSpace address_space_io;
MemoryRegion *get_system_memory(void);
MemoryRegion *get_system_io(void);
void memory_map_init(void);

/* info mtree text; flat views too when flatview is set. */
char *memory_mtree_string(bool flatview);

#endif
