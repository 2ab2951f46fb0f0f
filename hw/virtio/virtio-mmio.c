/*
 * virtio-mmio transport, version 2 (virtio 1.2 §4.2.2, "MMIO Device Register
 * Layout"): little-endian 32-bit registers at 0x000-0x0ff and the device's
 * configuration space from 0x100. One slot holds at most one virtio device on
 * its own virtio bus; an empty slot answers the magic value, version 2 and
 * DeviceID 0, which drivers read as "no device here" (§4.2.3.1.1).
 *
 * Left out: the legacy (version 1) register layout, shared memory regions
 * (SHMLen reads -1: none exist), VIRTIO_F_NOTIFICATION_DATA and QueueReset.
 */
#include "hw/virtio/virtio-mmio.h"
#include "system/memory.h"
#include "util/error.h"
#include "util/log.h"

enum {
    VIRTIO_MMIO_MAGIC_VALUE = 0x000,
    VIRTIO_MMIO_VERSION = 0x004,
    VIRTIO_MMIO_DEVICE_ID = 0x008,
    VIRTIO_MMIO_VENDOR_ID = 0x00c,
    VIRTIO_MMIO_DEVICE_FEATURES = 0x010,
    VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014,
    VIRTIO_MMIO_DRIVER_FEATURES = 0x020,
    VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024,
    VIRTIO_MMIO_QUEUE_SEL = 0x030,
    VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034,
    VIRTIO_MMIO_QUEUE_NUM = 0x038,
    VIRTIO_MMIO_QUEUE_READY = 0x044,
    VIRTIO_MMIO_QUEUE_NOTIFY = 0x050,
    VIRTIO_MMIO_INTERRUPT_STATUS = 0x060,
    VIRTIO_MMIO_INTERRUPT_ACK = 0x064,
    VIRTIO_MMIO_STATUS = 0x070,
    VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080,
    VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084,
    VIRTIO_MMIO_QUEUE_DRIVER_LOW = 0x090,
    VIRTIO_MMIO_QUEUE_DRIVER_HIGH = 0x094,
    VIRTIO_MMIO_QUEUE_DEVICE_LOW = 0x0a0,
    VIRTIO_MMIO_QUEUE_DEVICE_HIGH = 0x0a4,
    VIRTIO_MMIO_SHM_SEL = 0x0ac,
    VIRTIO_MMIO_SHM_LEN_LOW = 0x0b0,
    VIRTIO_MMIO_SHM_LEN_HIGH = 0x0b4,
    VIRTIO_MMIO_SHM_BASE_LOW = 0x0b8,
    VIRTIO_MMIO_SHM_BASE_HIGH = 0x0bc,
    VIRTIO_MMIO_QUEUE_RESET = 0x0c0,
    VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc,
    VIRTIO_MMIO_CONFIG = 0x100,
};

#define VIRTIO_MMIO_MAGIC 0x74726976 /* "virt" */
#define VIRTIO_MMIO_VENDOR 0x554d4551 /* "QEMU", as QEMU's devices report */

typedef struct VirtIOMMIOProxy {
    DeviceState parent;
    uint64_t addr;
    IrqLine *irq;
    MemoryRegion iomem;
    BusState *bus;
    VirtIODevice *vdev;
    uint32_t host_features_sel;
    uint32_t guest_features_sel;
    uint32_t queue_sel;
} VirtIOMMIOProxy;

static unsigned virtio_mmio_bus_count;

static void virtio_mmio_update_irq(DeviceState *proxy, VirtIODevice *vdev)
{
    VirtIOMMIOProxy *s = (VirtIOMMIOProxy *)proxy;

    irq_set(s->irq, vdev->isr != 0);
}

static VirtQueue *cur_vq(VirtIOMMIOProxy *s)
{
    return virtio_get_queue(s->vdev, s->queue_sel);
}

static uint64_t virtio_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    VirtIOMMIOProxy *s = opaque;
    VirtIODevice *vdev = s->vdev;
    VirtQueue *vq;

    if (addr >= VIRTIO_MMIO_CONFIG) {
        return vdev ? virtio_config_read(vdev, addr - VIRTIO_MMIO_CONFIG, size) : 0;
    }
    if (size != 4 || (addr & 3)) {
        log_mask_printf(LOG_GUEST_ERROR, "virtio-mmio: %u-byte read at 0x%" PRIx64
                        " (registers are 32-bit)\n", size, addr);
        return 0;
    }
    switch (addr) {
    case VIRTIO_MMIO_MAGIC_VALUE:
        return VIRTIO_MMIO_MAGIC;
    case VIRTIO_MMIO_VERSION:
        return 2;
    case VIRTIO_MMIO_VENDOR_ID:
        return VIRTIO_MMIO_VENDOR;
    }
    if (!vdev) {
        return 0; /* DeviceID 0: an empty slot */
    }
    switch (addr) {
    case VIRTIO_MMIO_DEVICE_ID:
        return vdev->device_id;
    case VIRTIO_MMIO_DEVICE_FEATURES:
        return virtio_host_features_word(vdev, s->host_features_sel);
    case VIRTIO_MMIO_QUEUE_NUM_MAX:
        vq = cur_vq(s);
        return vq ? vq->num_max : 0;
    case VIRTIO_MMIO_QUEUE_READY:
        vq = cur_vq(s);
        return vq ? vq->ready : 0;
    case VIRTIO_MMIO_INTERRUPT_STATUS:
        return vdev->isr;
    case VIRTIO_MMIO_STATUS:
        return vdev->status;
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
    case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
    case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
    case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
    case VIRTIO_MMIO_QUEUE_DEVICE_HIGH: {
        uint64_t v;
        vq = cur_vq(s);
        if (!vq) {
            return 0;
        }
        v = addr < VIRTIO_MMIO_QUEUE_DRIVER_LOW   ? vq->desc
            : addr < VIRTIO_MMIO_QUEUE_DEVICE_LOW ? vq->avail
                                                  : vq->used;
        return (addr & 4) ? v >> 32 : (uint32_t)v;
    }
    case VIRTIO_MMIO_SHM_LEN_LOW:
    case VIRTIO_MMIO_SHM_LEN_HIGH:
    case VIRTIO_MMIO_SHM_BASE_LOW:
    case VIRTIO_MMIO_SHM_BASE_HIGH:
        return UINT32_MAX; /* no shared memory regions: length -1 */
    case VIRTIO_MMIO_QUEUE_RESET:
        return 0;
    case VIRTIO_MMIO_CONFIG_GENERATION:
        return vdev->generation;
    default:
        log_mask_printf(LOG_GUEST_ERROR, "virtio-mmio: read of register 0x%" PRIx64
                        ", which is write-only or reserved\n", addr);
        return 0;
    }
}

static void virtio_mmio_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    VirtIOMMIOProxy *s = opaque;
    VirtIODevice *vdev = s->vdev;
    VirtQueue *vq;

    if (!vdev) {
        return;
    }
    if (addr >= VIRTIO_MMIO_CONFIG) {
        virtio_config_write(vdev, addr - VIRTIO_MMIO_CONFIG, val, size);
        return;
    }
    if (size != 4 || (addr & 3)) {
        log_mask_printf(LOG_GUEST_ERROR, "virtio-mmio: %u-byte write at 0x%" PRIx64
                        " (registers are 32-bit)\n", size, addr);
        return;
    }
    switch (addr) {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
        s->host_features_sel = val;
        break;
    case VIRTIO_MMIO_DRIVER_FEATURES:
        virtio_set_guest_features_word(vdev, s->guest_features_sel, val);
        break;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
        s->guest_features_sel = val;
        break;
    case VIRTIO_MMIO_QUEUE_SEL:
        s->queue_sel = val;
        break;
    case VIRTIO_MMIO_QUEUE_NUM:
        vq = cur_vq(s);
        if (vq) {
            virtio_queue_set_size(vq, val);
        }
        break;
    case VIRTIO_MMIO_QUEUE_READY:
        virtio_queue_set_ready(vdev, s->queue_sel, val & 1);
        break;
    case VIRTIO_MMIO_QUEUE_NOTIFY:
        virtio_queue_notify(vdev, val);
        break;
    case VIRTIO_MMIO_INTERRUPT_ACK:
        virtio_isr_ack(vdev, val);
        break;
    case VIRTIO_MMIO_STATUS:
        virtio_set_status(vdev, val & 0xff); /* 0 resets, transport state too */
        break;
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
    case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
    case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
    case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
    case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
        vq = cur_vq(s);
        if (!vq || vq->ready) {
            break; /* rings are checked when they become ready and fixed while ready */
        }
        virtio_set_half(addr < VIRTIO_MMIO_QUEUE_DRIVER_LOW   ? &vq->desc
                        : addr < VIRTIO_MMIO_QUEUE_DEVICE_LOW ? &vq->avail
                                                              : &vq->used,
                        addr & 4, val);
        break;
    case VIRTIO_MMIO_SHM_SEL:
    case VIRTIO_MMIO_QUEUE_RESET:
        break;
    default:
        log_mask_printf(LOG_GUEST_ERROR, "virtio-mmio: write of 0x%" PRIx64 " to register 0x%"
                        PRIx64 ", which is read-only or reserved\n", val, addr);
        break;
    }
}

static const MemoryRegionOps virtio_mmio_ops = {
    .read = virtio_mmio_read,
    .write = virtio_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 1, .max_access_size = 4},
};

/* ---- the bus: one device per slot ---- */

/* The device's reset (driver, machine) returns the selectors to 0. */
static void virtio_mmio_transport_reset(DeviceState *proxy)
{
    VirtIOMMIOProxy *s = (VirtIOMMIOProxy *)proxy;

    s->host_features_sel = s->guest_features_sel = s->queue_sel = 0;
}

static void virtio_mmio_device_plugged(DeviceState *proxy, VirtIODevice *vdev)
{
    VirtIOMMIOProxy *s = (VirtIOMMIOProxy *)proxy;

    s->vdev = vdev;
}

static void virtio_mmio_device_unplugged(DeviceState *proxy, VirtIODevice *vdev)
{
    VirtIOMMIOProxy *s = (VirtIOMMIOProxy *)proxy;

    s->vdev = NULL;
    irq_lower(s->irq);
}

static const VirtioBusOps virtio_mmio_bus_ops = {
    .bus = {.max_devices = 1},
    .reset = virtio_mmio_transport_reset,
    .device_plugged = virtio_mmio_device_plugged,
    .device_unplugged = virtio_mmio_device_unplugged,
    .update_irq = virtio_mmio_update_irq,
};

/* ---- the sysbus device ---- */

static bool virtio_mmio_realize(DeviceState *dev, GError **errp)
{
    VirtIOMMIOProxy *s = (VirtIOMMIOProxy *)dev;
    g_autofree char *bus_name = g_strdup_printf("virtio-mmio-bus.%u", virtio_mmio_bus_count++);

    memory_region_init_io(&s->iomem, &virtio_mmio_ops, s, "virtio-mmio",
                          VIRTIO_MMIO_REGION_SIZE);
    memory_region_add_subregion(get_system_memory(), s->addr, &s->iomem);
    s->bus = bus_new(BUS_VIRTIO, bus_name, dev, &virtio_mmio_bus_ops.bus);
    return true;
}

static void virtio_mmio_unrealize(DeviceState *dev)
{
    VirtIOMMIOProxy *s = (VirtIOMMIOProxy *)dev;

    memory_region_destroy(&s->iomem); /* leaves the system memory map too */
}

static void virtio_mmio_print_dev(DeviceState *dev, GString *out, int indent)
{
    VirtIOMMIOProxy *s = (VirtIOMMIOProxy *)dev;

    g_string_append_printf(out, "%*smmio 0x%016" PRIx64 "/0x%x\n", indent, "", s->addr,
                           VIRTIO_MMIO_REGION_SIZE);
}

static const Property virtio_mmio_props[] = {
    DEFINE_PROP_U64("addr", VirtIOMMIOProxy, addr, 0, "MMIO base address"),
    DEFINE_PROP_END,
};

static DeviceClass virtio_mmio_class = {
    .name = TYPE_VIRTIO_MMIO,
    .desc = "virtio-mmio transport (version 2)",
    .category = "misc",
    .instance_size = sizeof(VirtIOMMIOProxy),
    .bus_type = BUS_SYSTEM,
    .props = virtio_mmio_props,
    .realize = virtio_mmio_realize,
    .unrealize = virtio_mmio_unrealize,
    .print_dev = virtio_mmio_print_dev,
};

MIMIC_INIT(virtio_mmio_register)
{
    device_class_register(&virtio_mmio_class);
}

/* ---- the machine's API ---- */

DeviceState *virtio_mmio_create(uint64_t base, IrqLine *irq, GError **errp)
{
    DeviceState *dev = device_new(TYPE_VIRTIO_MMIO, errp);

    if (!dev) {
        return NULL;
    }
    ((VirtIOMMIOProxy *)dev)->addr = base;
    ((VirtIOMMIOProxy *)dev)->irq = irq;
    if (!device_realize(dev, sysbus_get_default(), errp)) {
        device_destroy(dev);
        return NULL;
    }
    return dev;
}

BusState *virtio_mmio_get_bus(DeviceState *slot)
{
    return ((VirtIOMMIOProxy *)slot)->bus;
}

VirtIODevice *virtio_mmio_get_device(DeviceState *slot)
{
    return ((VirtIOMMIOProxy *)slot)->vdev;
}

VirtIODevice *virtio_mmio_plug(DeviceState *slot, const char *type, GError **errp, ...)
{
    DeviceState *dev = device_new(type, errp);
    const char *key;
    va_list ap;

    if (!dev) {
        return NULL;
    }
    if (!device_class_is_a(dev->klass, TYPE_VIRTIO_DEVICE)) {
        error_setg(errp, "'%s' is not a virtio device", type);
        device_destroy(dev);
        return NULL;
    }
    va_start(ap, errp);
    while ((key = va_arg(ap, const char *))) {
        const char *value = va_arg(ap, const char *);
        if (!device_set_prop(dev, key, value, errp)) {
            va_end(ap);
            device_destroy(dev);
            return NULL;
        }
    }
    va_end(ap);
    if (!device_realize(dev, virtio_mmio_get_bus(slot), errp)) {
        device_destroy(dev);
        return NULL;
    }
    return (VirtIODevice *)dev;
}

void virtio_mmio_get_fdt_info(DeviceState *slot, VirtioMMIOFdtInfo *info)
{
    VirtIOMMIOProxy *s = (VirtIOMMIOProxy *)slot;

    snprintf(info->node_name, sizeof(info->node_name), "virtio_mmio@%" PRIx64, s->addr);
    info->compatible = VIRTIO_MMIO_FDT_COMPATIBLE;
    info->base = s->addr;
    info->size = VIRTIO_MMIO_REGION_SIZE;
    info->irq = s->irq ? (uint32_t)s->irq->n : 0;
}
