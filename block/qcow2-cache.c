/*
 * qcow2 metadata cache: a small set of cluster-sized tables (L2 tables or
 * refcount blocks) kept in memory, write-back, least-recently-used eviction.
 * A cache may depend on another: before any of its dirty tables is written,
 * the dependency is written and flushed to disk (L2 tables depend on refcount
 * blocks, so a new reference never reaches the disk before its refcount).
 * Callers hold the image lock; a table in use (get without put) is never evicted.
 */
#include "block/qcow2.h"

typedef struct Qcow2CacheEntry {
    uint64_t offset;  /* 0: slot unused */
    uint64_t lru;
    int ref;
    bool dirty;
} Qcow2CacheEntry;

struct Qcow2Cache {
    Qcow2CacheEntry *entries;
    uint8_t *tables;
    int size;
    int table_size;
    uint64_t lru_counter;
    Qcow2Cache *depends;
};

Qcow2Cache *qcow2_cache_create(int num_tables, int table_size)
{
    Qcow2Cache *c = g_new0(Qcow2Cache, 1);
    c->size = num_tables;
    c->table_size = table_size;
    c->entries = g_new0(Qcow2CacheEntry, num_tables);
    c->tables = g_malloc0((size_t)num_tables * table_size);
    return c;
}

void qcow2_cache_destroy(Qcow2Cache *c)
{
    if (!c) {
        return;
    }
    g_free(c->entries);
    g_free(c->tables);
    g_free(c);
}

static void *cache_table(Qcow2Cache *c, int i)
{
    return c->tables + (size_t)i * c->table_size;
}

static int cache_index(Qcow2Cache *c, void *table)
{
    ptrdiff_t d = (uint8_t *)table - c->tables;
    g_assert(d >= 0 && d % c->table_size == 0 && d / c->table_size < c->size);
    return (int)(d / c->table_size);
}

void qcow2_cache_set_dependency(Qcow2Cache *c, Qcow2Cache *dependency)
{
    c->depends = dependency;
}

static int cache_entry_flush(BlockDriverState *bs, Qcow2Cache *c, int i)
{
    Qcow2CacheEntry *e = &c->entries[i];
    if (!e->dirty || !e->offset) {
        return 0;
    }
    if (c->depends) {
        int ret = qcow2_cache_flush(bs, c->depends);
        if (ret < 0) {
            return ret;
        }
    }
    int ret = bdrv_pwrite(bs->file, e->offset, c->table_size, cache_table(c, i));
    if (ret < 0) {
        return ret;
    }
    e->dirty = false;
    return 0;
}

int qcow2_cache_write(BlockDriverState *bs, Qcow2Cache *c)
{
    int result = 0;
    for (int i = 0; i < c->size; i++) {
        int ret = cache_entry_flush(bs, c, i);
        if (ret < 0 && result == 0) {
            result = ret;
        }
    }
    return result;
}

int qcow2_cache_flush(BlockDriverState *bs, Qcow2Cache *c)
{
    bool any_dirty = false;
    for (int i = 0; i < c->size; i++) {
        any_dirty |= c->entries[i].dirty;
    }
    if (!any_dirty) {
        return 0;
    }
    int ret = qcow2_cache_write(bs, c);
    if (ret == 0) {
        ret = bdrv_flush(bs->file);
    }
    return ret;
}

static int cache_do_get(BlockDriverState *bs, Qcow2Cache *c, uint64_t offset, void **table,
                        bool read_from_disk)
{
    g_assert(offset != 0);
    int victim = -1;
    uint64_t min_lru = UINT64_MAX;
    for (int i = 0; i < c->size; i++) {
        Qcow2CacheEntry *e = &c->entries[i];
        if (e->offset == offset) {
            e->ref++;
            e->lru = ++c->lru_counter;
            *table = cache_table(c, i);
            return 0;
        }
        if (e->ref == 0 && e->lru < min_lru) {
            min_lru = e->lru;
            victim = i;
        }
    }
    if (victim < 0) {
        return -ENOSPC; /* every table in use: a caller bug; the cache is sized well above this */
    }
    int ret = cache_entry_flush(bs, c, victim);
    if (ret < 0) {
        return ret;
    }
    Qcow2CacheEntry *e = &c->entries[victim];
    e->offset = 0;
    if (read_from_disk) {
        ret = bdrv_pread(bs->file, offset, c->table_size, cache_table(c, victim));
        if (ret < 0) {
            return ret;
        }
    }
    e->offset = offset;
    e->ref = 1;
    e->dirty = false;
    e->lru = ++c->lru_counter;
    *table = cache_table(c, victim);
    return 0;
}

int qcow2_cache_get(BlockDriverState *bs, Qcow2Cache *c, uint64_t offset, void **table)
{
    return cache_do_get(bs, c, offset, table, true);
}

int qcow2_cache_get_empty(BlockDriverState *bs, Qcow2Cache *c, uint64_t offset, void **table)
{
    return cache_do_get(bs, c, offset, table, false);
}

void qcow2_cache_put(Qcow2Cache *c, void **table)
{
    int i = cache_index(c, *table);
    g_assert(c->entries[i].ref > 0);
    c->entries[i].ref--;
    *table = NULL;
}

void qcow2_cache_mark_dirty(Qcow2Cache *c, void *table)
{
    c->entries[cache_index(c, table)].dirty = true;
}

void qcow2_cache_discard(Qcow2Cache *c, uint64_t offset)
{
    for (int i = 0; i < c->size; i++) {
        Qcow2CacheEntry *e = &c->entries[i];
        if (e->offset == offset && e->ref == 0) {
            e->offset = 0;
            e->dirty = false;
            e->lru = 0;
        }
    }
}

void qcow2_cache_empty(Qcow2Cache *c)
{
    for (int i = 0; i < c->size; i++) {
        if (c->entries[i].ref == 0) {
            c->entries[i] = (Qcow2CacheEntry){ 0 };
        }
    }
}
