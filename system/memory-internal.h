/*
 * What system/memory.c and system/memory-dirty.c share; nothing else includes it.
 */
#ifndef SYSTEM_MEMORY_INTERNAL_H
#define SYSTEM_MEMORY_INTERNAL_H

#include "system/memory.h"

typedef enum MemoryLogEvent {
    MEMORY_LOG_START,
    MEMORY_LOG_STOP,
    MEMORY_LOG_SYNC,
    MEMORY_LOG_CLEAR,
} MemoryLogEvent;

/* Tell every listener of every address space where mr is mapped. */
void memory_region_notify_log(MemoryRegion *mr, MemoryLogEvent event);
void memory_region_dirty_log_free(MemoryRegion *mr);

#endif
