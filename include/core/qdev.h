/*
 * The device model: device classes with typed properties, instances on buses,
 * realize/unrealize/reset. Much lighter than QEMU's QOM: a class is one static
 * struct, subclasses embed their parent class as the first member, and there is
 * one property parser shared by -device, device_add, -global and the monitor.
 */
#ifndef CORE_QDEV_H
#define CORE_QDEV_H

#include "util/osdep.h"
#include <stdarg.h>

typedef struct DeviceState DeviceState;
typedef struct BusState BusState;
typedef struct DeviceClass DeviceClass;
typedef struct VMStateDescription VMStateDescription;

typedef enum PropertyType {
    PROP_BOOL,
    PROP_U8,
    PROP_U16,
    PROP_U32,
    PROP_U64,
    PROP_I32,
    PROP_SIZE,
    PROP_STRING,
    PROP_LINK, /* a pointer to a backend found by id: chardev, drive, netdev */
} PropertyType;

typedef struct Property {
    const char *name;
    PropertyType type;
    size_t offset;
    const char *link_kind; /* PROP_LINK: "chardev", "drive", "netdev" */
    uint64_t defval;       /* integers and bools */
    const char *defstr;    /* strings */
    const char *description;
} Property;

#define DEFINE_PROP(_name, _type, _state, _field, _def, _desc)                                      \
    {.name = (_name), .type = (_type), .offset = offsetof(_state, _field), .defval = (_def),       \
     .description = (_desc)}
#define DEFINE_PROP_BOOL(n, s, f, d, desc) DEFINE_PROP(n, PROP_BOOL, s, f, d, desc)
#define DEFINE_PROP_U8(n, s, f, d, desc) DEFINE_PROP(n, PROP_U8, s, f, d, desc)
#define DEFINE_PROP_U16(n, s, f, d, desc) DEFINE_PROP(n, PROP_U16, s, f, d, desc)
#define DEFINE_PROP_U32(n, s, f, d, desc) DEFINE_PROP(n, PROP_U32, s, f, d, desc)
#define DEFINE_PROP_U64(n, s, f, d, desc) DEFINE_PROP(n, PROP_U64, s, f, d, desc)
#define DEFINE_PROP_I32(n, s, f, d, desc) DEFINE_PROP(n, PROP_I32, s, f, (uint64_t)(d), desc)
#define DEFINE_PROP_SIZE(n, s, f, d, desc) DEFINE_PROP(n, PROP_SIZE, s, f, d, desc)
#define DEFINE_PROP_STRING(n, s, f, d, desc)                                                       \
    {.name = (n), .type = PROP_STRING, .offset = offsetof(s, f), .defstr = (d), .description = (desc)}
#define DEFINE_PROP_LINK(n, kind, s, f, desc)                                                      \
    {.name = (n), .type = PROP_LINK, .offset = offsetof(s, f), .link_kind = (kind),                \
     .description = (desc)}
#define DEFINE_PROP_END {.name = NULL}

/* Bus kinds a device can sit on. */
typedef enum BusType {
    BUS_SYSTEM,
    BUS_ISA,
    BUS_PCI,
    BUS_VIRTIO,
    BUS_TYPE_COUNT,
} BusType;

struct DeviceClass {
    const char *name;
    const char *parent;   /* name of the parent class, or NULL */
    const char *desc;     /* one line for -device help */
    const char *category; /* "storage", "network", "input", "display", "misc", ... */
    size_t instance_size;
    BusType bus_type;
    bool user_creatable; /* may be created with -device / device_add */
    bool hotpluggable;
    const Property *props;
    const VMStateDescription *vmsd;

    void (*instance_init)(DeviceState *dev);
    bool (*realize)(DeviceState *dev, GError **errp);
    void (*unrealize)(DeviceState *dev);
    void (*reset)(DeviceState *dev);
    void (*instance_finalize)(DeviceState *dev);
    /* Extra lines for info qtree (addresses, irqs). */
    void (*print_dev)(DeviceState *dev, GString *out, int indent);
    /*
     * Run once, before the class is first used (found by name, listed, or walked as a
     * parent), when every class has registered: a class built from another one (the
     * virtio-X-pci proxies from virtio-X-device) completes itself here.
     */
    void (*class_init)(DeviceClass *dc);

    const DeviceClass *parent_class; /* resolved at registration */
    bool class_init_done;
};

struct DeviceState {
    const DeviceClass *klass;
    char *id;            /* user-given id, or NULL */
    char *canonical;     /* unique path-ish name for messages */
    BusState *parent_bus;
    bool realized;
    bool hotplugged; /* realized after the machine was built (device_add) */
    GPtrArray *child_buses; /* of BusState* */
    GPtrArray *owned_strings; /* PROP_STRING values we allocated */
};

typedef struct BusOps {
    /* Check or assign a slot for dev before it is realized. */
    bool (*plug)(BusState *bus, DeviceState *dev, GError **errp);
    void (*unplug)(BusState *bus, DeviceState *dev);
    void (*print_dev)(BusState *bus, DeviceState *dev, GString *out, int indent);
    /*
     * device_del of dev: begin its removal. A bus without a hotplug controller leaves
     * this NULL and the device goes at once; a controller (a PCIe slot) asks the guest
     * and calls qdev_unplug_complete() when the guest lets go, perhaps never. false with
     * errp set refuses the request.
     */
    bool (*unplug_request)(BusState *bus, DeviceState *dev, GError **errp);
    /* How many devices the bus takes (0: any number); a full bus is passed over without bus=. */
    unsigned max_devices;
} BusOps;

struct BusState {
    BusType type;
    char *name;
    DeviceState *parent; /* device that provides this bus, or NULL for the root */
    const BusOps *ops;
    GPtrArray *children; /* of DeviceState*, in creation order */
};

/* Class registry. */
void device_class_register(DeviceClass *dc);
const DeviceClass *device_class_find(const char *name);
bool device_class_is_a(const DeviceClass *dc, const char *ancestor);
/* All classes sorted by name; caller frees the array (not the elements). */
GPtrArray *device_class_list(void);
const char *bus_type_name(BusType type);

/* Instances. */
DeviceState *device_new(const char *type, GError **errp);
bool device_set_prop(DeviceState *dev, const char *name, const char *value, GError **errp);
bool device_set_prop_u64(DeviceState *dev, const char *name, uint64_t value, GError **errp);
bool device_set_prop_link(DeviceState *dev, const char *name, void *ptr, GError **errp);
/* Formatted current value of a property, for info qtree and qom-get. */
char *device_get_prop_string(DeviceState *dev, const Property *prop);
/* Visit every property of dev's class chain, most-derived class first. */
void device_foreach_prop(const DeviceClass *dc,
                         void (*fn)(const Property *prop, void *opaque), void *opaque);
const Property *device_find_prop(const DeviceClass *dc, const char *name);
/* "bool", "uint32", "str", "size", or a link's kind ("chardev", "drive"). */
const char *qdev_prop_type_name(const Property *prop);
bool device_realize(DeviceState *dev, BusState *bus, GError **errp);
void device_unrealize(DeviceState *dev);
void device_destroy(DeviceState *dev);
void device_reset(DeviceState *dev);
/* Create and realize with default properties. */
DeviceState *device_create_simple(const char *type, BusState *bus, GError **errp);
/* Create (not realized) and set "key", "value" property pairs, NULL-terminated. */
DeviceState *device_new_with_props(const char *type, GError **errp, ...) G_GNUC_NULL_TERMINATED;
DeviceState *device_new_with_propsv(const char *type, GError **errp, va_list ap);
/* device_new_with_props, then realize on bus; NULL (nothing left behind) on failure. */
DeviceState *device_create_with_props(const char *type, BusState *bus, GError **errp, ...)
    G_GNUC_NULL_TERMINATED;
DeviceState *device_find_by_id(const char *id);
static inline const char *device_type(const DeviceState *dev)
{
    return dev->klass->name;
}

/* -global driver.prop=value: applied to every instance of driver (and subclasses) created later. */
bool qdev_add_global(const char *spec, GError **errp);

/* Resolvers for PROP_LINK: a backend subsystem maps an id to its object. */
typedef void *(*LinkResolver)(const char *id, GError **errp);
void qdev_register_link_resolver(const char *kind, LinkResolver fn);

/* The machine is built: devices realized from now on are hotplugged (dev->hotplugged). */
void qdev_machine_creation_done(void);

/*
 * device_del: remove dev through its bus (BusOps.unplug_request), which may finish
 * later; without a hotplug controller dev is destroyed at once. false with errp set
 * when the bus refuses.
 */
bool qdev_unplug(DeviceState *dev, GError **errp);
/* A removal is done: the unplug notifier hears of dev (DEVICE_DELETED), then dev goes. */
void qdev_unplug_complete(DeviceState *dev);
/*
 * Hear of finished removals, whoever started them (device_del, or a guest powering a
 * slot off), while dev and its id are still valid: the monitor's DEVICE_DELETED. Adding
 * the same fn again does nothing.
 */
void qdev_add_unplug_notifier(void (*fn)(DeviceState *dev));

/* Buses. */
BusState *bus_new(BusType type, const char *name, DeviceState *parent, const BusOps *ops);
BusState *sysbus_get_default(void);
BusState *bus_find(const char *name);
/* Walk the whole device tree depth-first. */
void qdev_walk(BusState *bus, void (*fn)(DeviceState *dev, void *opaque), void *opaque);
/* ... over every root bus (the system bus and buses without a parent device). */
void qdev_walk_all(void (*fn)(DeviceState *dev, void *opaque), void *opaque);
void qdev_reset_all(void);
/* Text for info qtree. */
char *qdev_qtree_string(void);
/* Text for -device help / -device DRIVER,help. */
char *qdev_device_help(void);
bool qdev_device_prop_help(const char *driver, GString *out, GError **errp);
/*
 * -device / device_add: "driver,id=x,prop=v,bus=name". Picks a bus of the driver's kind
 * when bus= is absent.
 */
DeviceState *qdev_device_add(const char *spec, GError **errp);

#endif
