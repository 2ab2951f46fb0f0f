/*
 * Straight-line device tree building over libfdt.
 */
#include "hw/core/fdt-builder.h"
#include "util/error.h"
#include <libfdt.h>

void fdt_builder_init(FdtBuilder *f, size_t max_size)
{
    f->fdt = g_malloc0(max_size);
    f->next_phandle = 1;
    f->err = fdt_create_empty_tree(f->fdt, max_size);
}

int fdt_node(FdtBuilder *f, int parent, const char *name)
{
    int off;

    if (f->err) {
        return -1;
    }
    off = fdt_add_subnode(f->fdt, parent, name);
    if (off < 0) {
        f->err = off;
    }
    return off;
}

void fdt_prop(FdtBuilder *f, int node, const char *name, const void *val, int len)
{
    if (!f->err) {
        int r = fdt_setprop(f->fdt, node, name, val, len);
        f->err = r < 0 ? r : 0;
    }
}

void fdt_prop_str(FdtBuilder *f, int node, const char *name, const char *val)
{
    fdt_prop(f, node, name, val, strlen(val) + 1);
}

void fdt_prop_cell(FdtBuilder *f, int node, const char *name, uint32_t val)
{
    fdt32_t be = cpu_to_fdt32(val);

    fdt_prop(f, node, name, &be, sizeof(be));
}

void fdt_prop_u64(FdtBuilder *f, int node, const char *name, uint64_t val)
{
    fdt64_t be = cpu_to_fdt64(val);

    fdt_prop(f, node, name, &be, sizeof(be));
}

void fdt_prop_reg(FdtBuilder *f, int node, uint64_t base, uint64_t size)
{
    fdt32_t reg[4] = {cpu_to_fdt32(base >> 32), cpu_to_fdt32(base), cpu_to_fdt32(size >> 32),
                      cpu_to_fdt32(size)};

    fdt_prop(f, node, "reg", reg, sizeof(reg));
}

uint32_t fdt_new_phandle(FdtBuilder *f, int node)
{
    uint32_t ph = f->next_phandle++;

    fdt_prop_cell(f, node, "phandle", ph);
    return ph;
}

void *fdt_builder_finish(FdtBuilder *f, GError **errp)
{
    if (!f->err) {
        f->err = fdt_pack(f->fdt);
    }
    if (f->err) {
        error_setg(errp, "building the device tree: %s", fdt_strerror(f->err));
        g_free(f->fdt);
        f->fdt = NULL;
        return NULL;
    }
    return f->fdt;
}
