/*
 * qom-list, qom-get and qom-set over the part of QEMU's object tree that
 * mimic's device model can honestly show:
 *
 *   /                          machine
 *   /machine                   peripheral, peripheral-anon, type
 *   /machine/peripheral/ID     a device created with id=ID: its properties
 *   /machine/peripheral-anon/N a device without an id, by its canonical name
 *                              ("isa-debug-exit.3", as info qtree shows it)
 *
 * A device's properties are its class chain's typed properties (qdev.h) plus
 * "type". A path without a leading '/' is a partial path, as in QEMU: a bare
 * device id. qom-set goes through the same property parser as -device, so it
 * refuses what that refuses (a realized device's properties are fixed).
 */
#include "monitor/monitor-internal.h"
#include "core/qdev.h"

#define PERIPHERAL "/machine/peripheral/"
#define PERIPHERAL_ANON "/machine/peripheral-anon/"

typedef struct FindAnon {
    const char *name;
    DeviceState *dev;
} FindAnon;

static void find_anon(DeviceState *dev, void *opaque)
{
    FindAnon *f = opaque;

    if (!f->dev && !dev->id && dev->canonical && !strcmp(dev->canonical, f->name)) {
        f->dev = dev;
    }
}

static DeviceState *qom_find_device(const char *path)
{
    FindAnon f = {0};

    if (g_str_has_prefix(path, PERIPHERAL)) {
        return device_find_by_id(path + strlen(PERIPHERAL));
    }
    if (g_str_has_prefix(path, PERIPHERAL_ANON)) {
        f.name = path + strlen(PERIPHERAL_ANON);
        qdev_walk_all(find_anon, &f);
        return f.dev;
    }
    if (*path && *path != '/') {
        return device_find_by_id(path);
    }
    return NULL;
}

static void set_not_found(GError **errp, const char *path)
{
    g_set_error(errp, MIMIC_ERROR, MIMIC_ERROR_NOT_FOUND,
                "Device '%s' not found; qom-list /machine/peripheral lists devices with an id",
                path);
}

static GVariant *qom_entry(const char *name, const char *type)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    mon_dict_add(&b, "name", g_variant_new_string(name));
    mon_dict_add(&b, "type", g_variant_new_string(type));
    return g_variant_builder_end(&b);
}

/* QOM spells strings "string"; everything else as the device model names it. */
static const char *qom_prop_type(const Property *prop)
{
    return prop->type == PROP_STRING ? "string" : qdev_prop_type_name(prop);
}

static void add_prop_entry(const Property *prop, void *opaque)
{
    g_variant_builder_add_value(opaque, qom_entry(prop->name, qom_prop_type(prop)));
}

typedef struct ListChildren {
    GVariantBuilder *list;
    bool with_id;
} ListChildren;

static void add_child(DeviceState *dev, void *opaque)
{
    ListChildren *lc = opaque;
    g_autofree char *type = g_strdup_printf("child<%s>", device_type(dev));

    if (lc->with_id && dev->id) {
        g_variant_builder_add_value(lc->list, qom_entry(dev->id, type));
    } else if (!lc->with_id && !dev->id && dev->canonical) {
        g_variant_builder_add_value(lc->list, qom_entry(dev->canonical, type));
    }
}

bool qmp_qom_list(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    const char *path = mon_args_get_str(args, "path");
    GVariantBuilder list;
    DeviceState *dev;

    g_variant_builder_init(&list, G_VARIANT_TYPE("aa{sv}"));
    if (!strcmp(path, "/")) {
        g_variant_builder_add_value(&list, qom_entry("machine", "child<container>"));
    } else if (!strcmp(path, "/machine")) {
        g_variant_builder_add_value(&list, qom_entry("type", "string"));
        g_variant_builder_add_value(&list, qom_entry("peripheral", "child<container>"));
        g_variant_builder_add_value(&list, qom_entry("peripheral-anon", "child<container>"));
    } else if (!strcmp(path, "/machine/peripheral") || !strcmp(path, "/machine/peripheral-anon")) {
        ListChildren lc = {&list, !strcmp(path, "/machine/peripheral")};

        qdev_walk_all(add_child, &lc);
    } else if ((dev = qom_find_device(path))) {
        g_variant_builder_add_value(&list, qom_entry("type", "string"));
        device_foreach_prop(dev->klass, add_prop_entry, &list);
    } else {
        g_variant_builder_clear(&list);
        set_not_found(errp, path);
        return false;
    }
    *ret = g_variant_builder_end(&list);
    return true;
}

void hmp_print_qom_list(Monitor *mon, GVariant *ret)
{
    GVariantIter iter;
    GVariant *entry;

    g_variant_iter_init(&iter, ret);
    while ((entry = g_variant_iter_next_value(&iter))) {
        const char *name = "", *type = "";

        g_variant_lookup(entry, "name", "&s", &name);
        g_variant_lookup(entry, "type", "&s", &type);
        monitor_printf(mon, "%s (%s)\n", name, type);
        g_variant_unref(entry);
    }
}

static GVariant *qom_prop_value(DeviceState *dev, const Property *prop)
{
    const void *p = (const char *)dev + prop->offset;

    switch (prop->type) {
    case PROP_BOOL:
        return g_variant_new_boolean(*(const bool *)p);
    case PROP_U8:
        return g_variant_new_int64(*(const uint8_t *)p);
    case PROP_U16:
        return g_variant_new_int64(*(const uint16_t *)p);
    case PROP_U32:
        return g_variant_new_int64(*(const uint32_t *)p);
    case PROP_U64:
    case PROP_SIZE:
        return g_variant_new_uint64(*(const uint64_t *)p);
    case PROP_I32:
        return g_variant_new_int64(*(const int32_t *)p);
    case PROP_STRING:
    case PROP_LINK:
        break;
    }
    {
        g_autofree char *s = device_get_prop_string(dev, prop);
        g_autofree char *valid = g_utf8_make_valid(s, -1);

        return g_variant_new_string(valid);
    }
}

bool qmp_qom_get(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    const char *path = mon_args_get_str(args, "path");
    const char *name = mon_args_get_str(args, "property");
    DeviceState *dev = qom_find_device(path);
    const Property *prop;

    if (!strcmp(path, "/machine") && !strcmp(name, "type")) {
        *ret = g_variant_new_string("container");
        return true;
    }
    if (!dev) {
        set_not_found(errp, path);
        return false;
    }
    if (!strcmp(name, "type")) {
        *ret = g_variant_new_string(device_type(dev));
        return true;
    }
    prop = device_find_prop(dev->klass, name);
    if (!prop) {
        error_setg(errp, "Property '%s.%s' not found; qom-list %s lists them", device_type(dev),
                   name, path);
        return false;
    }
    *ret = qom_prop_value(dev, prop);
    return true;
}

void hmp_print_qom_get(Monitor *mon, GVariant *ret)
{
    if (g_variant_is_of_type(ret, G_VARIANT_TYPE_STRING)) {
        monitor_printf(mon, "\"%s\"\n", g_variant_get_string(ret, NULL));
    } else if (g_variant_is_of_type(ret, G_VARIANT_TYPE_BOOLEAN)) {
        monitor_printf(mon, "%s\n", g_variant_get_boolean(ret) ? "true" : "false");
    } else if (g_variant_is_of_type(ret, G_VARIANT_TYPE_UINT64)) {
        monitor_printf(mon, "%" PRIu64 "\n", g_variant_get_uint64(ret));
    } else if (g_variant_is_of_type(ret, G_VARIANT_TYPE_INT64)) {
        monitor_printf(mon, "%" PRId64 "\n", g_variant_get_int64(ret));
    }
}

bool qmp_qom_set(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    const char *path = mon_args_get_str(args, "path");
    const char *name = mon_args_get_str(args, "property");
    const char *value = mon_args_get_str(args, "value");
    DeviceState *dev = qom_find_device(path);

    if (!dev) {
        set_not_found(errp, path);
        return false;
    }
    if (!strcmp(name, "type")) {
        error_setg(errp, "Property '%s.type' is read-only", device_type(dev));
        return false;
    }
    return device_set_prop(dev, name, value, errp);
}
