/*
 * The device model: class registry, properties, instances, buses, globals.
 */
#include "core/qdev.h"
#include "util/error.h"
#include "util/option.h"
#include <stdarg.h>

static GHashTable *classes;      /* name -> DeviceClass* */
static GHashTable *link_resolvers; /* kind -> LinkResolver */
static GPtrArray *globals;       /* of KeyVal* with key "driver.prop" */
static BusState *main_system_bus;
static GPtrArray *all_buses;
static unsigned anon_counter;
static bool machine_created;
static GPtrArray *unplug_notifiers; /* of functions taking the DeviceState going away */

static const char *const bus_type_names[BUS_TYPE_COUNT] = {
    [BUS_SYSTEM] = "System", [BUS_ISA] = "ISA", [BUS_PCI] = "PCI", [BUS_VIRTIO] = "virtio-bus",
};

const char *bus_type_name(BusType type)
{
    return type < BUS_TYPE_COUNT ? bus_type_names[type] : "?";
}

/* ---- classes ---- */

void device_class_register(DeviceClass *dc)
{
    if (!classes) {
        classes = g_hash_table_new(g_str_hash, g_str_equal);
    }
    g_assert(!g_hash_table_contains(classes, dc->name));
    g_hash_table_insert(classes, (gpointer)dc->name, dc);
}

/* A class's class_init runs the first time it is used, when all classes exist. */
static const DeviceClass *class_ready(const DeviceClass *dc)
{
    if (dc && !dc->class_init_done) {
        DeviceClass *mut = (DeviceClass *)dc;
        mut->class_init_done = true;
        if (dc->class_init) {
            dc->class_init(mut);
        }
    }
    return dc;
}

/* Parents are resolved lazily: registration order across files is not defined. */
static const DeviceClass *class_parent(const DeviceClass *dc)
{
    if (!dc->parent) {
        return NULL;
    }
    if (!dc->parent_class) {
        DeviceClass *mut = (DeviceClass *)dc;
        mut->parent_class = class_ready(g_hash_table_lookup(classes, dc->parent));
        g_assert(mut->parent_class);
    }
    return dc->parent_class;
}

const DeviceClass *device_class_find(const char *name)
{
    return classes ? class_ready(g_hash_table_lookup(classes, name)) : NULL;
}

bool device_class_is_a(const DeviceClass *dc, const char *ancestor)
{
    for (; dc; dc = class_parent(dc)) {
        if (strcmp(dc->name, ancestor) == 0) {
            return true;
        }
    }
    return false;
}

static gint compare_class_names(gconstpointer a, gconstpointer b)
{
    const DeviceClass *x = *(const DeviceClass *const *)a;
    const DeviceClass *y = *(const DeviceClass *const *)b;
    return strcmp(x->name, y->name);
}

GPtrArray *device_class_list(void)
{
    GPtrArray *list = g_ptr_array_new();
    GHashTableIter it;
    gpointer value;

    if (classes) {
        g_hash_table_iter_init(&it, classes);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
            g_ptr_array_add(list, (gpointer)class_ready(value));
        }
    }
    g_ptr_array_sort(list, compare_class_names);
    return list;
}

/* ---- properties ---- */

void device_foreach_prop(const DeviceClass *dc, void (*fn)(const Property *prop, void *opaque),
                         void *opaque)
{
    for (; dc; dc = class_parent(dc)) {
        for (const Property *p = dc->props; p && p->name; p++) {
            fn(p, opaque);
        }
    }
}

const Property *device_find_prop(const DeviceClass *dc, const char *name)
{
    for (; dc; dc = class_parent(dc)) {
        for (const Property *p = dc->props; p && p->name; p++) {
            if (strcmp(p->name, name) == 0) {
                return p;
            }
        }
    }
    return NULL;
}

static void *prop_ptr(DeviceState *dev, const Property *prop)
{
    return (char *)dev + prop->offset;
}

const char *qdev_prop_type_name(const Property *prop)
{
    switch (prop->type) {
    case PROP_BOOL: return "bool";
    case PROP_U8: return "uint8";
    case PROP_U16: return "uint16";
    case PROP_U32: return "uint32";
    case PROP_U64: return "uint64";
    case PROP_I32: return "int32";
    case PROP_SIZE: return "size";
    case PROP_STRING: return "str";
    case PROP_LINK: return prop->link_kind ? prop->link_kind : "link";
    }
    return "?";
}

static bool store_uint(DeviceState *dev, const Property *prop, uint64_t v, GError **errp)
{
    void *p = prop_ptr(dev, prop);
    uint64_t max = prop->type == PROP_U8 ? UINT8_MAX : prop->type == PROP_U16 ? UINT16_MAX
                 : prop->type == PROP_U32 ? UINT32_MAX : UINT64_MAX;

    if (v > max) {
        error_setg(errp, "%s.%s: %" PRIu64 " is out of range (at most %" PRIu64 ")",
                   device_type(dev), prop->name, v, max);
        return false;
    }
    switch (prop->type) {
    case PROP_U8: *(uint8_t *)p = v; break;
    case PROP_U16: *(uint16_t *)p = v; break;
    case PROP_U32: *(uint32_t *)p = v; break;
    case PROP_U64:
    case PROP_SIZE: *(uint64_t *)p = v; break;
    default: g_assert_not_reached();
    }
    return true;
}

static void set_string_prop(DeviceState *dev, const Property *prop, const char *value)
{
    char *copy = g_strdup(value);
    g_ptr_array_add(dev->owned_strings, copy);
    *(char **)prop_ptr(dev, prop) = copy;
}

static bool parse_prop_value(DeviceState *dev, const Property *prop, const char *value,
                             GError **errp)
{
    g_autoptr(GError) err = NULL;
    uint64_t u;
    int64_t i;
    bool b;

    switch (prop->type) {
    case PROP_BOOL:
        if (!parse_bool(value, &b, &err)) {
            break;
        }
        *(bool *)prop_ptr(dev, prop) = b;
        return true;
    case PROP_U8:
    case PROP_U16:
    case PROP_U32:
    case PROP_U64:
        if (!parse_uint(value, &u, &err)) {
            break;
        }
        return store_uint(dev, prop, u, errp);
    case PROP_SIZE:
        if (!parse_size(value, 1, &u, &err)) {
            break;
        }
        return store_uint(dev, prop, u, errp);
    case PROP_I32:
        if (!parse_int(value, &i, &err)) {
            break;
        }
        if (i < INT32_MIN || i > INT32_MAX) {
            error_setg(errp, "%s.%s: %s is out of range for int32", device_type(dev), prop->name,
                       value);
            return false;
        }
        *(int32_t *)prop_ptr(dev, prop) = i;
        return true;
    case PROP_STRING:
        set_string_prop(dev, prop, value);
        return true;
    case PROP_LINK: {
        LinkResolver fn = link_resolvers ? g_hash_table_lookup(link_resolvers, prop->link_kind)
                                         : NULL;
        void *target;
        if (!fn) {
            error_setg(errp, "%s.%s: no %s backends exist in this build", device_type(dev),
                       prop->name, prop->link_kind);
            return false;
        }
        target = fn(value, &err);
        if (!target) {
            break;
        }
        *(void **)prop_ptr(dev, prop) = target;
        return true;
    }
    }
    error_setg(errp, "%s.%s=%s: %s", device_type(dev), prop->name, value,
               err ? err->message : "invalid value");
    return false;
}

static void list_prop_names(const Property *prop, void *opaque)
{
    GString *s = opaque;
    g_string_append_printf(s, "%s%s", s->len ? ", " : "", prop->name);
}

bool device_set_prop(DeviceState *dev, const char *name, const char *value, GError **errp)
{
    const Property *prop = device_find_prop(dev->klass, name);

    if (!prop) {
        g_autoptr(GString) names = g_string_new(NULL);
        device_foreach_prop(dev->klass, list_prop_names, names);
        error_setg(errp, "device '%s' has no property '%s'%s%s", device_type(dev), name,
                   names->len ? "; its properties: " : "", names->str);
        return false;
    }
    if (dev->realized) {
        error_setg(errp, "%s.%s: cannot change a property of a realized device", device_type(dev),
                   name);
        return false;
    }
    return parse_prop_value(dev, prop, value, errp);
}

bool device_set_prop_u64(DeviceState *dev, const char *name, uint64_t value, GError **errp)
{
    g_autofree char *s = g_strdup_printf("%" PRIu64, value);
    return device_set_prop(dev, name, s, errp);
}

bool device_set_prop_link(DeviceState *dev, const char *name, void *ptr, GError **errp)
{
    const Property *prop = device_find_prop(dev->klass, name);

    if (!prop || prop->type != PROP_LINK) {
        error_setg(errp, "device '%s' has no link property '%s'", device_type(dev), name);
        return false;
    }
    *(void **)prop_ptr(dev, prop) = ptr;
    return true;
}

char *device_get_prop_string(DeviceState *dev, const Property *prop)
{
    void *p = prop_ptr(dev, prop);

    switch (prop->type) {
    case PROP_BOOL: return g_strdup(*(bool *)p ? "on" : "off");
    case PROP_U8: return g_strdup_printf("%u", *(uint8_t *)p);
    case PROP_U16: return g_strdup_printf("%u", *(uint16_t *)p);
    case PROP_U32: return g_strdup_printf("%u", *(uint32_t *)p);
    case PROP_U64: return g_strdup_printf("%" PRIu64, *(uint64_t *)p);
    case PROP_SIZE: return g_strdup_printf("%" PRIu64, *(uint64_t *)p);
    case PROP_I32: return g_strdup_printf("%d", *(int32_t *)p);
    case PROP_STRING: return g_strdup(*(char **)p ? *(char **)p : "");
    case PROP_LINK: return g_strdup(*(void **)p ? "<set>" : "");
    }
    return g_strdup("?");
}

static void set_default(const Property *prop, void *opaque)
{
    DeviceState *dev = opaque;
    void *p = prop_ptr(dev, prop);

    switch (prop->type) {
    case PROP_BOOL: *(bool *)p = prop->defval; break;
    case PROP_U8: *(uint8_t *)p = prop->defval; break;
    case PROP_U16: *(uint16_t *)p = prop->defval; break;
    case PROP_U32: *(uint32_t *)p = prop->defval; break;
    case PROP_U64:
    case PROP_SIZE: *(uint64_t *)p = prop->defval; break;
    case PROP_I32: *(int32_t *)p = (int32_t)prop->defval; break;
    case PROP_STRING: *(char **)p = (char *)prop->defstr; break;
    case PROP_LINK: *(void **)p = NULL; break;
    }
}

/* ---- globals ---- */

bool qdev_add_global(const char *spec, GError **errp)
{
    const char *dot = strchr(spec, '.');
    const char *eq = strchr(spec, '=');
    g_autofree char *driver = NULL;
    const DeviceClass *dc;
    KeyVal *g;

    if (!dot || !eq || eq < dot || dot == spec || eq == dot + 1) {
        error_setg(errp, "-global %s: expected DRIVER.PROPERTY=VALUE", spec);
        return false;
    }
    driver = g_strndup(spec, dot - spec);
    dc = device_class_find(driver);
    if (!dc) {
        error_setg(errp, "-global %s: no device type '%s' (see -device help)", spec, driver);
        return false;
    }
    g = g_new0(KeyVal, 1);
    g->key = g_strndup(spec, eq - spec);
    g->value = g_strdup(eq + 1);
    if (!device_find_prop(dc, g->key + strlen(driver) + 1)) {
        error_setg(errp, "-global %s: device '%s' has no property '%s' (see -device %s,help)",
                   spec, driver, g->key + strlen(driver) + 1, driver);
        g_free(g->key);
        g_free(g->value);
        g_free(g);
        return false;
    }
    if (!globals) {
        globals = g_ptr_array_new();
    }
    g_ptr_array_add(globals, g);
    return true;
}

static bool apply_globals(DeviceState *dev, GError **errp)
{
    for (guint i = 0; globals && i < globals->len; i++) {
        KeyVal *g = g_ptr_array_index(globals, i);
        const char *dot = strchr(g->key, '.');
        g_autofree char *driver = g_strndup(g->key, dot - g->key);

        if (device_class_is_a(dev->klass, driver) &&
            !device_set_prop(dev, dot + 1, g->value, errp)) {
            return false;
        }
    }
    return true;
}

void qdev_register_link_resolver(const char *kind, LinkResolver fn)
{
    if (!link_resolvers) {
        link_resolvers = g_hash_table_new(g_str_hash, g_str_equal);
    }
    g_hash_table_insert(link_resolvers, (gpointer)kind, fn);
}

/* ---- instances ---- */

static void run_instance_init(const DeviceClass *dc, DeviceState *dev)
{
    if (!dc) {
        return;
    }
    run_instance_init(class_parent(dc), dev);
    if (dc->instance_init) {
        dc->instance_init(dev);
    }
}

DeviceState *device_new(const char *type, GError **errp)
{
    const DeviceClass *dc = device_class_find(type);
    DeviceState *dev;

    if (!dc) {
        error_setg(errp, "no device type '%s' (see -device help)", type);
        return NULL;
    }
    g_assert(dc->instance_size >= sizeof(DeviceState));
    dev = g_malloc0(dc->instance_size);
    dev->klass = dc;
    dev->child_buses = g_ptr_array_new();
    dev->owned_strings = g_ptr_array_new_with_free_func(g_free);
    device_foreach_prop(dc, set_default, dev);
    run_instance_init(dc, dev);
    if (!apply_globals(dev, errp)) {
        device_destroy(dev);
        return NULL;
    }
    return dev;
}

static bool bus_is_full(const BusState *bus)
{
    return bus->ops && bus->ops->max_devices && bus->children->len >= bus->ops->max_devices;
}

bool device_realize(DeviceState *dev, BusState *bus, GError **errp)
{
    const DeviceClass *dc = dev->klass;

    if (!bus) {
        bus = sysbus_get_default();
    }
    if (bus->type != dc->bus_type) {
        error_setg(errp, "device '%s' plugs into a %s bus, but bus '%s' is a %s bus",
                   device_type(dev), bus_type_name(dc->bus_type), bus->name,
                   bus_type_name(bus->type));
        return false;
    }
    if (dev->id && device_find_by_id(dev->id)) {
        error_setg(errp, "duplicate device id '%s'", dev->id);
        return false;
    }
    if (bus_is_full(bus)) {
        error_setg(errp, "bus '%s' already holds %u device%s; name another with bus=", bus->name,
                   bus->ops->max_devices, bus->ops->max_devices == 1 ? "" : "s");
        return false;
    }
    dev->parent_bus = bus;
    if (bus->ops && bus->ops->plug && !bus->ops->plug(bus, dev, errp)) {
        dev->parent_bus = NULL;
        return false;
    }
    g_ptr_array_add(bus->children, dev);
    dev->hotplugged = machine_created;
    if (!dev->canonical) {
        dev->canonical = dev->id ? g_strdup(dev->id)
                                 : g_strdup_printf("%s.%u", device_type(dev), anon_counter++);
    }
    for (const DeviceClass *c = dc; c; c = class_parent(c)) {
        if (c->realize) {
            if (!c->realize(dev, errp)) {
                g_ptr_array_remove(bus->children, dev);
                if (bus->ops && bus->ops->unplug) {
                    bus->ops->unplug(bus, dev);
                }
                dev->parent_bus = NULL;
                return false;
            }
            break; /* the most-derived realize calls its parent's itself if it needs to */
        }
    }
    dev->realized = true;
    device_reset(dev);
    return true;
}

void device_unrealize(DeviceState *dev)
{
    BusState *bus = dev->parent_bus;

    if (!dev->realized) {
        return;
    }
    for (guint i = 0; i < dev->child_buses->len; i++) {
        BusState *child = g_ptr_array_index(dev->child_buses, i);
        while (child->children->len) {
            device_destroy(g_ptr_array_index(child->children, child->children->len - 1));
        }
    }
    for (const DeviceClass *c = dev->klass; c; c = class_parent(c)) {
        if (c->unrealize) {
            c->unrealize(dev);
            break;
        }
    }
    dev->realized = false;
    if (bus) {
        g_ptr_array_remove(bus->children, dev);
        if (bus->ops && bus->ops->unplug) {
            bus->ops->unplug(bus, dev);
        }
        dev->parent_bus = NULL;
    }
}

/* A bus goes with the device that provides it. */
static void bus_free(BusState *bus)
{
    g_assert(!bus->children->len);
    g_ptr_array_remove(all_buses, bus);
    g_ptr_array_unref(bus->children);
    g_free(bus->name);
    g_free(bus);
}

void device_destroy(DeviceState *dev)
{
    device_unrealize(dev);
    for (guint i = 0; i < dev->child_buses->len; i++) {
        bus_free(g_ptr_array_index(dev->child_buses, i));
    }
    for (const DeviceClass *c = dev->klass; c; c = class_parent(c)) {
        if (c->instance_finalize) {
            c->instance_finalize(dev);
        }
    }
    g_ptr_array_unref(dev->child_buses);
    g_ptr_array_unref(dev->owned_strings);
    g_free(dev->id);
    g_free(dev->canonical);
    g_free(dev);
}

void device_reset(DeviceState *dev)
{
    for (const DeviceClass *c = dev->klass; c; c = class_parent(c)) {
        if (c->reset) {
            c->reset(dev);
            return;
        }
    }
}

/* ---- hotplug ---- */

void qdev_machine_creation_done(void)
{
    machine_created = true;
}

void qdev_add_unplug_notifier(void (*fn)(DeviceState *dev))
{
    if (!unplug_notifiers) {
        unplug_notifiers = g_ptr_array_new();
    }
    if (!g_ptr_array_find(unplug_notifiers, (gpointer)fn, NULL)) {
        g_ptr_array_add(unplug_notifiers, (gpointer)fn);
    }
}

void qdev_unplug_complete(DeviceState *dev)
{
    for (guint i = 0; unplug_notifiers && i < unplug_notifiers->len; i++) {
        void (*fn)(DeviceState *) = (void (*)(DeviceState *))g_ptr_array_index(unplug_notifiers, i);
        fn(dev);
    }
    device_destroy(dev);
}

bool qdev_unplug(DeviceState *dev, GError **errp)
{
    BusState *bus = dev->parent_bus;

    if (bus && bus->ops && bus->ops->unplug_request) {
        return bus->ops->unplug_request(bus, dev, errp);
    }
    qdev_unplug_complete(dev);
    return true;
}

static void find_by_id(DeviceState *dev, void *opaque)
{
    struct { const char *id; DeviceState *found; } *q = opaque;
    if (!q->found && dev->id && strcmp(dev->id, q->id) == 0) {
        q->found = dev;
    }
}

DeviceState *device_find_by_id(const char *id)
{
    struct { const char *id; DeviceState *found; } q = {id, NULL};
    qdev_walk_all(find_by_id, &q);
    return q.found;
}

DeviceState *device_new_with_propsv(const char *type, GError **errp, va_list ap)
{
    DeviceState *dev = device_new(type, errp);
    const char *key;

    if (!dev) {
        return NULL;
    }
    while ((key = va_arg(ap, const char *))) {
        const char *value = va_arg(ap, const char *);
        if (!device_set_prop(dev, key, value, errp)) {
            device_destroy(dev);
            return NULL;
        }
    }
    return dev;
}

DeviceState *device_new_with_props(const char *type, GError **errp, ...)
{
    DeviceState *dev;
    va_list ap;

    va_start(ap, errp);
    dev = device_new_with_propsv(type, errp, ap);
    va_end(ap);
    return dev;
}

DeviceState *device_create_with_props(const char *type, BusState *bus, GError **errp, ...)
{
    DeviceState *dev;
    va_list ap;

    va_start(ap, errp);
    dev = device_new_with_propsv(type, errp, ap);
    va_end(ap);
    if (dev && !device_realize(dev, bus, errp)) {
        device_destroy(dev);
        return NULL;
    }
    return dev;
}

DeviceState *device_create_simple(const char *type, BusState *bus, GError **errp)
{
    DeviceState *dev = device_new(type, errp);

    if (dev && !device_realize(dev, bus, errp)) {
        device_destroy(dev);
        return NULL;
    }
    return dev;
}

/* ---- buses ---- */

BusState *bus_new(BusType type, const char *name, DeviceState *parent, const BusOps *ops)
{
    BusState *bus = g_new0(BusState, 1);

    bus->type = type;
    bus->name = g_strdup(name);
    bus->parent = parent;
    bus->ops = ops;
    bus->children = g_ptr_array_new();
    if (parent) {
        g_ptr_array_add(parent->child_buses, bus);
    }
    if (!all_buses) {
        all_buses = g_ptr_array_new();
    }
    g_ptr_array_add(all_buses, bus);
    return bus;
}

BusState *sysbus_get_default(void)
{
    if (!main_system_bus) {
        main_system_bus = bus_new(BUS_SYSTEM, "main-system-bus", NULL, NULL);
    }
    return main_system_bus;
}

BusState *bus_find(const char *name)
{
    for (guint i = 0; all_buses && i < all_buses->len; i++) {
        BusState *bus = g_ptr_array_index(all_buses, i);
        if (strcmp(bus->name, name) == 0) {
            return bus;
        }
    }
    return NULL;
}

static bool bus_type_present(BusType type)
{
    for (guint i = 0; all_buses && i < all_buses->len; i++) {
        if (((BusState *)g_ptr_array_index(all_buses, i))->type == type) {
            return true;
        }
    }
    return false;
}

static BusState *bus_find_by_type(BusType type)
{
    for (guint i = 0; all_buses && i < all_buses->len; i++) {
        BusState *bus = g_ptr_array_index(all_buses, i);
        if (bus->type == type && !bus_is_full(bus)) {
            return bus;
        }
    }
    return NULL;
}

void qdev_walk(BusState *bus, void (*fn)(DeviceState *dev, void *opaque), void *opaque)
{
    for (guint i = 0; i < bus->children->len; i++) {
        DeviceState *dev = g_ptr_array_index(bus->children, i);
        fn(dev, opaque);
        for (guint b = 0; b < dev->child_buses->len; b++) {
            qdev_walk(g_ptr_array_index(dev->child_buses, b), fn, opaque);
        }
    }
}

static void reset_one(DeviceState *dev, void *opaque)
{
    device_reset(dev);
}

void qdev_walk_all(void (*fn)(DeviceState *dev, void *opaque), void *opaque)
{
    sysbus_get_default();
    for (guint i = 0; i < all_buses->len; i++) {
        BusState *bus = g_ptr_array_index(all_buses, i);
        if (!bus->parent) {
            qdev_walk(bus, fn, opaque);
        }
    }
}

void qdev_reset_all(void)
{
    qdev_walk_all(reset_one, NULL);
}

/* ---- text ---- */

struct PropPrint {
    DeviceState *dev;
    GString *out;
    int indent;
};

static void print_prop(const Property *prop, void *opaque)
{
    struct PropPrint *pp = opaque;
    g_autofree char *v = device_get_prop_string(pp->dev, prop);
    g_string_append_printf(pp->out, "%*s%s = %s%s%s\n", pp->indent, "", prop->name,
                           prop->type == PROP_STRING ? "\"" : "", v,
                           prop->type == PROP_STRING ? "\"" : "");
}

static void qtree_bus(GString *out, BusState *bus, int indent);

static void qtree_dev(GString *out, DeviceState *dev, int indent)
{
    struct PropPrint pp = {dev, out, indent + 2};

    g_string_append_printf(out, "%*sdev: %s, id \"%s\"\n", indent, "", device_type(dev),
                           dev->id ? dev->id : "");
    device_foreach_prop(dev->klass, print_prop, &pp);
    if (dev->parent_bus && dev->parent_bus->ops && dev->parent_bus->ops->print_dev) {
        dev->parent_bus->ops->print_dev(dev->parent_bus, dev, out, indent + 2);
    }
    for (const DeviceClass *c = dev->klass; c; c = class_parent(c)) {
        if (c->print_dev) {
            c->print_dev(dev, out, indent + 2);
            break;
        }
    }
    for (guint b = 0; b < dev->child_buses->len; b++) {
        qtree_bus(out, g_ptr_array_index(dev->child_buses, b), indent + 2);
    }
}

static void qtree_bus(GString *out, BusState *bus, int indent)
{
    g_string_append_printf(out, "%*sbus: %s\n", indent, "", bus->name);
    g_string_append_printf(out, "%*stype %s\n", indent + 2, "", bus_type_name(bus->type));
    for (guint i = 0; i < bus->children->len; i++) {
        qtree_dev(out, g_ptr_array_index(bus->children, i), indent + 2);
    }
}

char *qdev_qtree_string(void)
{
    GString *out = g_string_new(NULL);

    sysbus_get_default();
    for (guint i = 0; i < all_buses->len; i++) {
        BusState *bus = g_ptr_array_index(all_buses, i);
        if (!bus->parent) {
            qtree_bus(out, bus, 0);
        }
    }
    return g_string_free(out, FALSE);
}

char *qdev_device_help(void)
{
    g_autoptr(GPtrArray) list = device_class_list();
    GString *out = g_string_new(NULL);
    static const char *const categories[] = {"storage", "network", "input", "display", "misc",
                                             NULL};

    for (const char *const *cat = categories; ; cat++) {
        bool header = false;
        for (guint i = 0; i < list->len; i++) {
            const DeviceClass *dc = g_ptr_array_index(list, i);
            const char *dcat = dc->category ? dc->category : "misc";
            if (!dc->user_creatable || (*cat ? strcmp(dcat, *cat) != 0
                                             : g_strv_contains((const char *const *)categories,
                                                               dcat))) {
                continue;
            }
            if (!header) {
                g_string_append_printf(out, "%s%s devices:\n", out->len ? "\n" : "",
                                       *cat ? *cat : "other");
                header = true;
            }
            g_string_append_printf(out, "name \"%s\", bus %s%s%s%s\n", dc->name,
                                   bus_type_name(dc->bus_type), dc->desc ? ", desc \"" : "",
                                   dc->desc ? dc->desc : "", dc->desc ? "\"" : "");
        }
        if (!*cat) {
            break;
        }
    }
    return g_string_free(out, FALSE);
}

static void prop_help_line(const Property *prop, void *opaque)
{
    GString *out = opaque;
    g_string_append_printf(out, "  %s=<%s>%s%s\n", prop->name, qdev_prop_type_name(prop),
                           prop->description ? "  - " : "",
                           prop->description ? prop->description : "");
}

bool qdev_device_prop_help(const char *driver, GString *out, GError **errp)
{
    const DeviceClass *dc = device_class_find(driver);

    if (!dc) {
        error_setg(errp, "no device type '%s' (see -device help)", driver);
        return false;
    }
    g_string_append_printf(out, "%s options:\n", driver);
    device_foreach_prop(dc, prop_help_line, out);
    if (!device_find_prop(dc, "id")) {
        g_string_append(out, "  id=<str>  - the device's name for the monitor\n");
    }
    g_string_append(out, "  bus=<str>  - the bus to plug into\n");
    return true;
}

DeviceState *qdev_device_add(const char *spec, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse("-device", spec, "driver", errp);
    const char *driver, *bus_name, *id;
    const DeviceClass *dc;
    BusState *bus;
    DeviceState *dev;

    if (!kv) {
        return NULL;
    }
    driver = keyval_take(kv, "driver");
    if (!driver) {
        error_setg(errp, "-device '%s': the first item must be the device type", spec);
        return NULL;
    }
    dc = device_class_find(driver);
    if (!dc) {
        error_setg(errp, "-device %s: no device type '%s' (see -device help)", spec, driver);
        return NULL;
    }
    if (!dc->user_creatable) {
        error_setg(errp, "-device %s: '%s' is part of the machine and cannot be added by hand",
                   spec, driver);
        return NULL;
    }
    bus_name = keyval_take(kv, "bus");
    bus = bus_name ? bus_find(bus_name) : bus_find_by_type(dc->bus_type);
    if (!bus) {
        if (bus_name) {
            error_setg(errp, "-device %s: no bus named '%s'", spec, bus_name);
        } else if (bus_type_present(dc->bus_type)) {
            error_setg(errp, "-device %s: every bus of type '%s' is full", spec,
                       bus_type_name(dc->bus_type));
        } else {
            error_setg(errp, "-device %s: this machine has no %s bus for it", spec,
                       bus_type_name(dc->bus_type));
        }
        return NULL;
    }
    dev = device_new(driver, errp);
    if (!dev) {
        return NULL;
    }
    id = keyval_take(kv, "id");
    if (id) {
        if (!g_ascii_isalpha(id[0])) {
            error_setg(errp, "-device %s: id '%s' must start with a letter", spec, id);
            goto fail;
        }
        dev->id = g_strdup(id);
    }
    for (guint i = 0; i < kv->items->len; i++) {
        KeyVal *item = g_ptr_array_index(kv->items, i);
        if (item->used) {
            continue;
        }
        item->used = true;
        if (!device_set_prop(dev, item->key, item->value, errp)) {
            goto fail;
        }
    }
    if (!device_realize(dev, bus, errp)) {
        goto fail;
    }
    return dev;

fail:
    device_destroy(dev);
    return NULL;
}
