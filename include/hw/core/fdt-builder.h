/*
 * Building a flattened device tree with libfdt in straight-line code: the first
 * failing call is remembered and every later one is skipped, so a machine writes
 * its tree without checking each property, and checks once at the end.
 */
#ifndef HW_CORE_FDT_BUILDER_H
#define HW_CORE_FDT_BUILDER_H

#include "util/osdep.h"

typedef struct FdtBuilder {
    void *fdt;
    int err; /* the first libfdt error, or 0 */
    uint32_t next_phandle;
} FdtBuilder;

void fdt_builder_init(FdtBuilder *f, size_t max_size);
int fdt_node(FdtBuilder *f, int parent, const char *name);
void fdt_prop(FdtBuilder *f, int node, const char *name, const void *val, int len);
void fdt_prop_str(FdtBuilder *f, int node, const char *name, const char *val);
void fdt_prop_cell(FdtBuilder *f, int node, const char *name, uint32_t val);
void fdt_prop_u64(FdtBuilder *f, int node, const char *name, uint64_t val);
/* reg = <base size> with #address-cells = #size-cells = 2. */
void fdt_prop_reg(FdtBuilder *f, int node, uint64_t base, uint64_t size);
/* Give node the next phandle and return it. */
uint32_t fdt_new_phandle(FdtBuilder *f, int node);
/* Pack the tree; on any earlier failure free it and report. Returns the tree or NULL. */
void *fdt_builder_finish(FdtBuilder *f, GError **errp);

#endif
