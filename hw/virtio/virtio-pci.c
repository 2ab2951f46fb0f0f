/*
 * virtio-pci, the modern transport (virtio 1.2 §4.1): a virtio device behind
 * a PCI function whose vendor-specific capabilities (§4.1.4) point into one
 * 64-bit prefetchable memory BAR (BAR 4, QEMU's layout):
 *
 *   0x0000  common configuration (§4.1.4.3): features, status, queue setup
 *   0x1000  ISR status (§4.1.4.5): read-to-clear, deasserts INTx
 *   0x2000  device-specific configuration (§4.1.4.6)
 *   0x3000  notifications (§4.1.4.4): queue n at 0x3000 + 4 * n
 *
 * and a PCI configuration access capability (§4.1.4.9) that reaches the BAR
 * through configuration space.
 *
 * Interrupts: on a machine that delivers MSIs (msi_supported()) the function
 * has MSI-X with vectors= entries (default: one per queue and one for
 * configuration changes) in BAR 1, QEMU's layout. The driver maps each queue
 * and the configuration change to a vector through queue_msix_vector and
 * config_msix_vector (§4.1.5.1.2); once it enables MSI-X, events go to their
 * vectors (none for NO_VECTOR) and the ISR stays 0 (§4.1.5.3, §4.1.5.4).
 * Otherwise interrupts are INTx: the device asserts its pin while the ISR is
 * non-zero (§4.1.4.5.1). Below a PCI Express port the
 * function is a PCI Express endpoint, elsewhere a conventional function, as
 * QEMU makes its virtio-pci devices.
 *
 * Each "-pci" proxy (virtio_pci_devices[] below, see virtio-pci.h) is a class
 * built from its virtio device's class: it copies the device's properties into
 * its own table, pointing at a shadow of the device's instance inside the
 * proxy, and on realize creates the real device on its virtio bus with the
 * values the user set there.
 *
 * Left out: the legacy and transitional interfaces (no I/O BAR), VIRTIO_F_NOTIFICATION_DATA,
 * queue_reset, shared memory capabilities.
 */
#include "hw/virtio/virtio-pci.h"
#include "hw/pci/msix.h"
#include "hw/pci/pcie.h"
#include "util/error.h"
#include "util/log.h"

/* QEMU reports PCI_CLASS_OTHERS as class 00, sub class ff ("Class 00ff"): its rng does. */
#define VIRTIO_PCI_CLASS_OTHERS 0x00ff

static const VirtioPCIDeviceInfo virtio_pci_devices[] = {
    {"virtio-blk-pci", "virtio-blk-device", PCI_CLASS_STORAGE_SCSI, "storage"},
    {"virtio-net-pci", "virtio-net-device", PCI_CLASS_NETWORK_ETHERNET, "network"},
    {"virtio-rng-pci", "virtio-rng-device", VIRTIO_PCI_CLASS_OTHERS, "misc"},
};

typedef struct VirtioPCIClass {
    PCIDeviceClass parent;
    const VirtioPCIDeviceInfo *info;
    Property *props; /* the virtio device's, pointing into the shadow */
} VirtioPCIClass;

typedef struct VirtIOPCIProxy {
    PCIDevice pci;
    BusState *bus;
    VirtIODevice *vdev;
    MemoryRegion bar;
    MemoryRegion common, isr, device, notify;
    uint32_t dfselect, gfselect;
    uint16_t queue_sel;
    uint8_t cfg_cap;   /* the PCI configuration access capability */
    uint32_t nvectors; /* vectors=: MSI-X table size, or VIRTIO_PCI_VECTORS_DEFAULT */
    uint16_t config_vector;
    uint16_t queue_vector[VIRTIO_MAX_QUEUES];
    /* Where the proxy's copies of the virtio device's properties live: its instance's shape. */
    max_align_t shadow[];
} VirtIOPCIProxy;

static const VirtioPCIClass *proxy_class(VirtIOPCIProxy *p)
{
    return (const VirtioPCIClass *)p->pci.qdev.klass;
}

static VirtQueue *cur_vq(VirtIOPCIProxy *p)
{
    return virtio_get_queue(p->vdev, p->queue_sel);
}

/* §4.1.5.1.2: every event unmapped, as after a reset. */
static void virtio_pci_unmap_vectors(VirtIOPCIProxy *p)
{
    p->config_vector = VIRTIO_MSI_NO_VECTOR;
    for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++) {
        p->queue_vector[i] = VIRTIO_MSI_NO_VECTOR;
    }
}

/* §4.1.5.1.2: a vector beyond the table cannot be mapped; the field then reads NO_VECTOR. */
static uint16_t virtio_pci_valid_vector(VirtIOPCIProxy *p, uint16_t vector)
{
    return vector < msix_nr_vectors(&p->pci) ? vector : VIRTIO_MSI_NO_VECTOR;
}

static void virtio_pci_guest_error(VirtIOPCIProxy *p, const char *what, uint64_t addr,
                                   unsigned size)
{
    log_mask_printf(LOG_GUEST_ERROR, "%s: %s of %u bytes at 0x%" PRIx64 " of the %s\n",
                    device_type(&p->pci.qdev), "bad access", size, addr, what);
}

/* ---- common configuration ---- */

/* The width of each field (§4.1.4.3); 64-bit addresses are accessed in 32-bit halves. */
static unsigned common_field_size(uint64_t addr)
{
    switch (addr) {
    case VIRTIO_PCI_COMMON_DFSELECT:
    case VIRTIO_PCI_COMMON_DF:
    case VIRTIO_PCI_COMMON_GFSELECT:
    case VIRTIO_PCI_COMMON_GF:
    case VIRTIO_PCI_COMMON_Q_DESCLO:
    case VIRTIO_PCI_COMMON_Q_DESCHI:
    case VIRTIO_PCI_COMMON_Q_AVAILLO:
    case VIRTIO_PCI_COMMON_Q_AVAILHI:
    case VIRTIO_PCI_COMMON_Q_USEDLO:
    case VIRTIO_PCI_COMMON_Q_USEDHI:
        return 4;
    case VIRTIO_PCI_COMMON_STATUS:
    case VIRTIO_PCI_COMMON_CFGGENERATION:
        return 1;
    case VIRTIO_PCI_COMMON_MSIX:
    case VIRTIO_PCI_COMMON_NUMQ:
    case VIRTIO_PCI_COMMON_Q_SELECT:
    case VIRTIO_PCI_COMMON_Q_SIZE:
    case VIRTIO_PCI_COMMON_Q_MSIX:
    case VIRTIO_PCI_COMMON_Q_ENABLE:
    case VIRTIO_PCI_COMMON_Q_NOFF:
    case VIRTIO_PCI_COMMON_Q_NDATA:
    case VIRTIO_PCI_COMMON_Q_RESET:
        return 2;
    }
    return 0;
}

static uint64_t *queue_addr_field(VirtQueue *vq, uint64_t addr)
{
    return addr < VIRTIO_PCI_COMMON_Q_AVAILLO  ? &vq->desc
           : addr < VIRTIO_PCI_COMMON_Q_USEDLO ? &vq->avail
                                               : &vq->used;
}

static uint64_t virtio_pci_common_read(void *opaque, uint64_t addr, unsigned size)
{
    VirtIOPCIProxy *p = opaque;
    VirtIODevice *vdev = p->vdev;
    VirtQueue *vq;

    if (!vdev) {
        return 0;
    }
    if (common_field_size(addr) != size) {
        virtio_pci_guest_error(p, "common configuration", addr, size);
        return 0;
    }
    vq = cur_vq(p);
    switch (addr) {
    case VIRTIO_PCI_COMMON_DFSELECT:
        return p->dfselect;
    case VIRTIO_PCI_COMMON_DF:
        return virtio_host_features_word(vdev, p->dfselect);
    case VIRTIO_PCI_COMMON_GFSELECT:
        return p->gfselect;
    case VIRTIO_PCI_COMMON_GF:
        return virtio_guest_features_word(vdev, p->gfselect);
    case VIRTIO_PCI_COMMON_MSIX:
        return p->config_vector;
    case VIRTIO_PCI_COMMON_Q_MSIX:
        return vq ? p->queue_vector[vq->index] : VIRTIO_MSI_NO_VECTOR;
    case VIRTIO_PCI_COMMON_NUMQ:
        return vdev->num_queues;
    case VIRTIO_PCI_COMMON_STATUS:
        return vdev->status;
    case VIRTIO_PCI_COMMON_CFGGENERATION:
        return vdev->generation & 0xff;
    case VIRTIO_PCI_COMMON_Q_SELECT:
        return p->queue_sel;
    case VIRTIO_PCI_COMMON_Q_SIZE:
        return vq ? vq->num : 0; /* 0: no such queue */
    case VIRTIO_PCI_COMMON_Q_ENABLE:
        return vq ? vq->ready : 0;
    case VIRTIO_PCI_COMMON_Q_NOFF:
        return p->queue_sel; /* notify address: NOTIFY_BASE + queue_sel * NOTIFY_MULT */
    case VIRTIO_PCI_COMMON_Q_DESCLO:
    case VIRTIO_PCI_COMMON_Q_DESCHI:
    case VIRTIO_PCI_COMMON_Q_AVAILLO:
    case VIRTIO_PCI_COMMON_Q_AVAILHI:
    case VIRTIO_PCI_COMMON_Q_USEDLO:
    case VIRTIO_PCI_COMMON_Q_USEDHI:
        if (!vq) {
            return 0;
        }
        return (addr & 4) ? *queue_addr_field(vq, addr) >> 32
                          : (uint32_t)*queue_addr_field(vq, addr);
    default: /* queue_notify_data and queue_reset: their features are not offered */
        return 0;
    }
}

static void virtio_pci_common_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    VirtIOPCIProxy *p = opaque;
    VirtIODevice *vdev = p->vdev;
    VirtQueue *vq;

    if (!vdev) {
        return;
    }
    if (common_field_size(addr) != size) {
        virtio_pci_guest_error(p, "common configuration", addr, size);
        return;
    }
    vq = cur_vq(p);
    switch (addr) {
    case VIRTIO_PCI_COMMON_DFSELECT:
        p->dfselect = val;
        break;
    case VIRTIO_PCI_COMMON_GFSELECT:
        p->gfselect = val;
        break;
    case VIRTIO_PCI_COMMON_GF:
        virtio_set_guest_features_word(vdev, p->gfselect, val);
        break;
    case VIRTIO_PCI_COMMON_STATUS:
        virtio_set_status(vdev, val & 0xff); /* 0 resets, transport state too */
        break;
    case VIRTIO_PCI_COMMON_Q_SELECT:
        p->queue_sel = val;
        break;
    case VIRTIO_PCI_COMMON_Q_SIZE:
        if (vq) {
            virtio_queue_set_size(vq, val);
        }
        break;
    case VIRTIO_PCI_COMMON_Q_ENABLE:
        /* §4.1.4.3.2: the driver must not write 0; a queue is disabled by a reset. */
        if (val == 1) {
            virtio_queue_set_ready(vdev, p->queue_sel, true);
        }
        break;
    case VIRTIO_PCI_COMMON_Q_DESCLO:
    case VIRTIO_PCI_COMMON_Q_DESCHI:
    case VIRTIO_PCI_COMMON_Q_AVAILLO:
    case VIRTIO_PCI_COMMON_Q_AVAILHI:
    case VIRTIO_PCI_COMMON_Q_USEDLO:
    case VIRTIO_PCI_COMMON_Q_USEDHI:
        /* Rings are checked when they become ready and fixed while ready. */
        if (vq && !vq->ready) {
            virtio_set_half(queue_addr_field(vq, addr), addr & 4, val);
        }
        break;
    case VIRTIO_PCI_COMMON_MSIX:
        p->config_vector = virtio_pci_valid_vector(p, val);
        break;
    case VIRTIO_PCI_COMMON_Q_MSIX:
        if (vq) {
            p->queue_vector[vq->index] = virtio_pci_valid_vector(p, val);
        }
        break;
    case VIRTIO_PCI_COMMON_Q_RESET:
        break; /* no queue reset: 0 stays */
    default:
        virtio_pci_guest_error(p, "common configuration (read-only field)", addr, size);
        break;
    }
}

static const MemoryRegionOps virtio_pci_common_ops = {
    .read = virtio_pci_common_read,
    .write = virtio_pci_common_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 8},
    .impl = {.min_access_size = 1, .max_access_size = 4},
};

/* ---- ISR, device configuration, notifications ---- */

static uint64_t virtio_pci_isr_read(void *opaque, uint64_t addr, unsigned size)
{
    VirtIOPCIProxy *p = opaque;
    uint8_t isr;

    if (!p->vdev || addr != 0) {
        return 0;
    }
    /* §4.1.4.5: reading clears the status and deasserts the interrupt. */
    isr = p->vdev->isr;
    virtio_isr_ack(p->vdev, isr);
    return isr;
}

static void virtio_pci_isr_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    virtio_pci_guest_error(opaque, "ISR status (read-only)", addr, size);
}

static const MemoryRegionOps virtio_pci_isr_ops = {
    .read = virtio_pci_isr_read,
    .write = virtio_pci_isr_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

static uint64_t virtio_pci_device_read(void *opaque, uint64_t addr, unsigned size)
{
    VirtIOPCIProxy *p = opaque;

    return p->vdev ? virtio_config_read(p->vdev, addr, size) : 0;
}

static void virtio_pci_device_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    VirtIOPCIProxy *p = opaque;

    if (p->vdev) {
        virtio_config_write(p->vdev, addr, val, size);
    }
}

static const MemoryRegionOps virtio_pci_device_ops = {
    .read = virtio_pci_device_read,
    .write = virtio_pci_device_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 8},
    .impl = {.min_access_size = 1, .max_access_size = 4},
};

static uint64_t virtio_pci_notify_read(void *opaque, uint64_t addr, unsigned size)
{
    return 0;
}

/* §4.1.4.4: the address says which queue; the value (the queue index) adds nothing. */
static void virtio_pci_notify_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    VirtIOPCIProxy *p = opaque;

    if (p->vdev) {
        virtio_queue_notify(p->vdev, addr / VIRTIO_PCI_NOTIFY_MULT);
    }
}

static const MemoryRegionOps virtio_pci_notify_ops = {
    .read = virtio_pci_notify_read,
    .write = virtio_pci_notify_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 1, .max_access_size = 4},
};

/* One access to the BAR, as the configuration access capability makes it. */
static uint32_t virtio_pci_bar_access(VirtIOPCIProxy *p, uint32_t off, uint32_t val, unsigned len,
                                      bool is_write)
{
    static const MemoryRegionOps *const ops[] = {&virtio_pci_common_ops, &virtio_pci_isr_ops,
                                                 &virtio_pci_device_ops, &virtio_pci_notify_ops};
    const MemoryRegionOps *o = ops[off / VIRTIO_PCI_REGION_SIZE];

    off %= VIRTIO_PCI_REGION_SIZE;
    if (is_write) {
        o->write(p, off, val, len);
        return 0;
    }
    return o->read(p, off, len);
}

/* ---- configuration space: the PCI configuration access capability (§4.1.4.9) ---- */

/* The window cap.bar/offset/length names, if the driver set up a valid one. */
static bool virtio_pci_cfg_window(VirtIOPCIProxy *p, uint32_t *off, unsigned *len)
{
    const uint8_t *cap = p->pci.config + p->cfg_cap;

    *off = pci_get_long(cap + VIRTIO_PCI_CAP_OFFSET);
    *len = pci_get_long(cap + VIRTIO_PCI_CAP_LENGTH);
    return cap[VIRTIO_PCI_CAP_BAR] == VIRTIO_PCI_BAR && (*len == 1 || *len == 2 || *len == 4) &&
           !(*off & (*len - 1)) && *off < VIRTIO_PCI_BAR_SIZE;
}

static uint32_t virtio_pci_config_read(PCIDevice *pci, uint32_t addr, unsigned len)
{
    VirtIOPCIProxy *p = (VirtIOPCIProxy *)pci;
    uint32_t data = p->cfg_cap + VIRTIO_PCI_CFG_CAP_DATA, off;
    unsigned wlen;

    if (p->cfg_cap && pci_ranges_overlap(addr, len, data, 4) &&
        virtio_pci_cfg_window(p, &off, &wlen)) {
        uint32_t val = virtio_pci_bar_access(p, off, 0, wlen, false);

        for (unsigned i = 0; i < wlen; i++) {
            pci->config[data + i] = val >> (8 * i);
        }
    }
    return pci_default_read_config(pci, addr, len);
}

static void virtio_pci_config_write(PCIDevice *pci, uint32_t addr, uint32_t val, unsigned len)
{
    VirtIOPCIProxy *p = (VirtIOPCIProxy *)pci;
    uint32_t data = p->cfg_cap + VIRTIO_PCI_CFG_CAP_DATA, off;
    unsigned wlen;

    pci_default_write_config(pci, addr, val, len);
    if (p->cfg_cap && pci_ranges_overlap(addr, len, data, 4) &&
        virtio_pci_cfg_window(p, &off, &wlen)) {
        virtio_pci_bar_access(p, off, pci_get_long(pci->config + data), wlen, true);
    }
}

/* ---- the virtio bus: one device ---- */

static void virtio_pci_transport_reset(DeviceState *proxy)
{
    VirtIOPCIProxy *p = (VirtIOPCIProxy *)proxy;

    p->dfselect = p->gfselect = p->queue_sel = 0;
    virtio_pci_unmap_vectors(p);
}

static void virtio_pci_device_plugged(DeviceState *proxy, VirtIODevice *vdev)
{
    VirtIOPCIProxy *p = (VirtIOPCIProxy *)proxy;

    p->vdev = vdev;
    /* §4.1.2.1: modern devices are 0x1040 + their virtio device id. */
    pci_set_word(p->pci.config + PCI_DEVICE_ID, PCI_DEVICE_ID_VIRTIO_10_BASE + vdev->device_id);
}

static void virtio_pci_device_unplugged(DeviceState *proxy, VirtIODevice *vdev)
{
    VirtIOPCIProxy *p = (VirtIOPCIProxy *)proxy;

    p->vdev = NULL;
    pci_irq_deassert(&p->pci);
}

/*
 * §4.1.4.5.1: without MSI-X, INTx is asserted while the ISR is non-zero (and the PCI
 * core keeps the pin quiet while MSI-X is enabled).
 */
static void virtio_pci_update_irq(DeviceState *proxy, VirtIODevice *vdev)
{
    pci_set_irq((PCIDevice *)proxy, vdev->isr != 0);
}

/* §4.1.5.3, §4.1.5.4: with MSI-X enabled an event goes to its vector, or nowhere. */
static bool virtio_pci_notify(DeviceState *proxy, VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOPCIProxy *p = (VirtIOPCIProxy *)proxy;
    uint16_t vector = vq ? p->queue_vector[vq->index] : p->config_vector;

    if (!msix_enabled(&p->pci)) {
        return false;
    }
    if (vector != VIRTIO_MSI_NO_VECTOR) {
        msix_notify(&p->pci, vector);
    }
    return true;
}

static const VirtioBusOps virtio_pci_bus_ops = {
    .bus = {.max_devices = 1},
    .reset = virtio_pci_transport_reset,
    .device_plugged = virtio_pci_device_plugged,
    .device_unplugged = virtio_pci_device_unplugged,
    .update_irq = virtio_pci_update_irq,
    .notify = virtio_pci_notify,
    .transport_is_owner = true,
};

/* ---- the PCI device ---- */

static uint8_t virtio_pci_add_cap(PCIDevice *pci, uint8_t cfg_type, uint32_t offset,
                                  uint32_t length, uint8_t size, GError **errp)
{
    uint8_t pos = pci_add_capability(pci, PCI_CAP_ID_VNDR, 0, size, errp);
    uint8_t *c = pci->config + pos;

    if (!pos) {
        return 0;
    }
    c[2] = size; /* cap_len */
    c[VIRTIO_PCI_CAP_CFG_TYPE] = cfg_type;
    c[VIRTIO_PCI_CAP_BAR] = VIRTIO_PCI_BAR;
    c[VIRTIO_PCI_CAP_ID] = 0;
    pci_set_long(c + VIRTIO_PCI_CAP_OFFSET, offset);
    pci_set_long(c + VIRTIO_PCI_CAP_LENGTH, length);
    return pos;
}

static bool virtio_pci_add_caps(VirtIOPCIProxy *p, GError **errp)
{
    PCIDevice *pci = &p->pci;
    uint8_t pos;

    if (!virtio_pci_add_cap(pci, VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_COMMON_BASE,
                            VIRTIO_PCI_REGION_SIZE, VIRTIO_PCI_CAP_SIZE, errp) ||
        !virtio_pci_add_cap(pci, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_ISR_BASE,
                            VIRTIO_PCI_REGION_SIZE, VIRTIO_PCI_CAP_SIZE, errp) ||
        !virtio_pci_add_cap(pci, VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_DEVICE_BASE,
                            VIRTIO_PCI_REGION_SIZE, VIRTIO_PCI_CAP_SIZE, errp)) {
        return false;
    }
    pos = virtio_pci_add_cap(pci, VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_NOTIFY_BASE,
                             VIRTIO_PCI_REGION_SIZE, VIRTIO_PCI_NOTIFY_CAP_SIZE, errp);
    if (!pos) {
        return false;
    }
    pci_set_long(pci->config + pos + VIRTIO_PCI_NOTIFY_CAP_MULT, VIRTIO_PCI_NOTIFY_MULT);
    /* §4.1.4.9: the driver sets bar, offset and length, then accesses pci_cfg_data. */
    pos = virtio_pci_add_cap(pci, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, VIRTIO_PCI_CFG_CAP_SIZE, errp);
    if (!pos) {
        return false;
    }
    pci->config[pos + VIRTIO_PCI_CAP_BAR] = 0;
    pci->wmask[pos + VIRTIO_PCI_CAP_BAR] = 0xff;
    pci_set_long(pci->wmask + pos + VIRTIO_PCI_CAP_OFFSET, 0xffffffff);
    pci_set_long(pci->wmask + pos + VIRTIO_PCI_CAP_LENGTH, 0xffffffff);
    pci_set_long(pci->wmask + pos + VIRTIO_PCI_CFG_CAP_DATA, 0xffffffff);
    p->cfg_cap = pos;
    return true;
}

static void virtio_pci_destroy_bar(VirtIOPCIProxy *p)
{
    memory_region_destroy(&p->common);
    memory_region_destroy(&p->isr);
    memory_region_destroy(&p->device);
    memory_region_destroy(&p->notify);
    memory_region_destroy(&p->bar);
}

/* Is the shadow's value of prop still the default (so a -global on the device may stand)? */
static bool prop_is_default(DeviceState *dev, const Property *prop)
{
    const void *v = (const char *)dev + prop->offset;

    switch (prop->type) {
    case PROP_BOOL:
        return *(const bool *)v == (bool)prop->defval;
    case PROP_U8:
        return *(const uint8_t *)v == (uint8_t)prop->defval;
    case PROP_U16:
        return *(const uint16_t *)v == (uint16_t)prop->defval;
    case PROP_U32:
        return *(const uint32_t *)v == (uint32_t)prop->defval;
    case PROP_U64:
    case PROP_SIZE:
        return *(const uint64_t *)v == prop->defval;
    case PROP_I32:
        return *(const int32_t *)v == (int32_t)prop->defval;
    case PROP_STRING:
        return g_strcmp0(*(char *const *)v, prop->defstr) == 0;
    case PROP_LINK:
        return *(void *const *)v == NULL;
    }
    return true;
}

/* Give the virtio device the property values the user set on the proxy. */
static bool virtio_pci_pass_props(VirtIOPCIProxy *p, DeviceState *vdev, GError **errp)
{
    const VirtioPCIClass *k = proxy_class(p);

    for (const Property *prop = k->props; prop->name; prop++) {
        g_autofree char *value = NULL;

        if (prop_is_default(&p->pci.qdev, prop)) {
            continue;
        }
        if (prop->type == PROP_LINK) {
            void *ptr = *(void **)((char *)p + prop->offset);

            if (!device_set_prop_link(vdev, prop->name, ptr, errp)) {
                return false;
            }
            continue;
        }
        value = device_get_prop_string(&p->pci.qdev, prop);
        if (!device_set_prop(vdev, prop->name, value, errp)) {
            return false;
        }
    }
    return true;
}

static bool virtio_pci_check_vectors(VirtIOPCIProxy *p, GError **errp)
{
    if (p->nvectors != VIRTIO_PCI_VECTORS_DEFAULT && p->nvectors > PCI_MSIX_ENTRIES_MAX) {
        error_setg(errp, "%s: vectors=%u is more than MSI-X has (%u); use 0 to %u",
                   proxy_class(p)->info->name, p->nvectors, PCI_MSIX_ENTRIES_MAX,
                   PCI_MSIX_ENTRIES_MAX);
        return false;
    }
    return true;
}

/* Once the virtio device says how many queues it has. vectors=0: INTx only. */
static bool virtio_pci_init_msix(VirtIOPCIProxy *p, GError **errp)
{
    unsigned n = p->nvectors;

    if (n == VIRTIO_PCI_VECTORS_DEFAULT) {
        n = p->vdev->num_queues + 1;
    }
    virtio_pci_unmap_vectors(p);
    return n == 0 || msix_init_exclusive_bar(&p->pci, n, VIRTIO_PCI_MSIX_BAR, errp);
}

static bool virtio_pci_realize(PCIDevice *pci, GError **errp)
{
    VirtIOPCIProxy *p = (VirtIOPCIProxy *)pci;
    const VirtioPCIClass *k = proxy_class(p);
    g_autofree char *bus_name = g_strdup_printf("%s.virtio-bus", pci->qdev.canonical);
    DeviceState *vdev;

    if (!virtio_pci_check_vectors(p, errp)) {
        return false;
    }

    memory_region_init(&p->bar, "virtio-pci", VIRTIO_PCI_BAR_SIZE);
    memory_region_init_io(&p->common, &virtio_pci_common_ops, p, "virtio-pci-common-cfg",
                          VIRTIO_PCI_REGION_SIZE);
    memory_region_init_io(&p->isr, &virtio_pci_isr_ops, p, "virtio-pci-isr",
                          VIRTIO_PCI_REGION_SIZE);
    memory_region_init_io(&p->device, &virtio_pci_device_ops, p, "virtio-pci-device-cfg",
                          VIRTIO_PCI_REGION_SIZE);
    memory_region_init_io(&p->notify, &virtio_pci_notify_ops, p, "virtio-pci-notify",
                          VIRTIO_PCI_REGION_SIZE);
    memory_region_add_subregion(&p->bar, VIRTIO_PCI_COMMON_BASE, &p->common);
    memory_region_add_subregion(&p->bar, VIRTIO_PCI_ISR_BASE, &p->isr);
    memory_region_add_subregion(&p->bar, VIRTIO_PCI_DEVICE_BASE, &p->device);
    memory_region_add_subregion(&p->bar, VIRTIO_PCI_NOTIFY_BASE, &p->notify);
    pci_register_bar(pci, VIRTIO_PCI_BAR, PCI_BAR_TYPE_MEM64 | PCI_BAR_TYPE_PREFETCH, &p->bar);
    if ((pci->is_express && !pcie_cap_init(pci, 0, PCI_EXP_TYPE_ENDPOINT, 0, errp)) ||
        !virtio_pci_add_caps(p, errp)) {
        goto fail;
    }

    p->bus = bus_new(BUS_VIRTIO, bus_name, &pci->qdev, &virtio_pci_bus_ops.bus);
    vdev = device_new(k->info->vdev_type, errp);
    if (!vdev) {
        goto fail;
    }
    if (!virtio_pci_pass_props(p, vdev, errp) || !device_realize(vdev, p->bus, errp) ||
        !virtio_pci_init_msix(p, errp)) {
        device_destroy(vdev);
        g_prefix_error(errp, "%s: ", k->info->name);
        goto fail;
    }
    return true;

fail:
    virtio_pci_destroy_bar(p);
    return false;
}

static void virtio_pci_unrealize(PCIDevice *pci)
{
    /* The virtio device went first (the device model empties the bus); the BAR is unmapped. */
    virtio_pci_destroy_bar((VirtIOPCIProxy *)pci);
}

static void virtio_pci_reset(PCIDevice *pci)
{
    VirtIOPCIProxy *p = (VirtIOPCIProxy *)pci;

    if (p->vdev) {
        virtio_reset(p->vdev);
    }
}

VirtIODevice *virtio_pci_get_vdev(PCIDevice *proxy)
{
    return device_class_is_a(proxy->qdev.klass, TYPE_VIRTIO_PCI) ? ((VirtIOPCIProxy *)proxy)->vdev
                                                                 : NULL;
}

/* ---- the proxy classes ---- */

static const Property virtio_pci_props[] = {
    DEFINE_PROP_U32("vectors", VirtIOPCIProxy, nvectors, VIRTIO_PCI_VECTORS_DEFAULT,
                    "MSI-X vectors where the machine delivers MSIs (0: INTx only); "
                    "default: one per queue plus one for configuration changes"),
    DEFINE_PROP_END,
};

static PCIDeviceClass virtio_pci_base_class = {
    .parent =
        {
            .name = TYPE_VIRTIO_PCI,
            .parent = TYPE_PCI_DEVICE,
            .desc = "virtio-pci transport (abstract)",
            .instance_size = sizeof(VirtIOPCIProxy),
            .bus_type = BUS_PCI,
            .props = virtio_pci_props,
        },
    .realize = virtio_pci_realize,
    .unrealize = virtio_pci_unrealize,
    .reset = virtio_pci_reset,
    .config_read = virtio_pci_config_read,
    .config_write = virtio_pci_config_write,
};

static void count_prop(const Property *prop, void *opaque)
{
    (*(unsigned *)opaque)++;
}

static void copy_prop(const Property *prop, void *opaque)
{
    Property **out = opaque;

    **out = *prop;
    (*out)->offset += offsetof(VirtIOPCIProxy, shadow);
    (*out)++;
}

/* Now that every class exists: take the virtio device's properties and description. */
static void virtio_pci_class_init(DeviceClass *dc)
{
    VirtioPCIClass *k = (VirtioPCIClass *)dc;
    const DeviceClass *vdc = device_class_find(k->info->vdev_type);
    unsigned n = 0;
    Property *out;

    if (!vdc || !device_class_is_a(vdc, TYPE_VIRTIO_DEVICE)) {
        g_error("%s: '%s' is not a virtio device class", k->info->name, k->info->vdev_type);
    }
    device_foreach_prop(vdc, count_prop, &n);
    k->props = g_new0(Property, n + 1);
    out = k->props;
    device_foreach_prop(vdc, copy_prop, &out);
    dc->props = k->props;
    dc->instance_size = offsetof(VirtIOPCIProxy, shadow) + vdc->instance_size;
    dc->desc = g_strdup_printf("%s (PCI)", vdc->desc ? vdc->desc : k->info->vdev_type);
}

void virtio_pci_register_proxy(const VirtioPCIDeviceInfo *info)
{
    VirtioPCIClass *k = g_new0(VirtioPCIClass, 1);
    DeviceClass *dc = &k->parent.parent;

    k->info = info;
    dc->name = info->name;
    dc->parent = TYPE_VIRTIO_PCI;
    dc->category = info->category;
    dc->instance_size = sizeof(VirtIOPCIProxy);
    dc->bus_type = BUS_PCI;
    dc->user_creatable = true;
    dc->hotpluggable = true;
    dc->class_init = virtio_pci_class_init;
    k->parent.vendor_id = PCI_VENDOR_ID_REDHAT_QUMRANET;
    k->parent.device_id = PCI_DEVICE_ID_VIRTIO_10_BASE; /* + the device id, once plugged */
    k->parent.revision = 1; /* §4.1.2.1: non-transitional devices have revision 1 or more */
    k->parent.class_id = info->class_id;
    k->parent.interrupt_pin = 1;
    k->parent.express = PCI_EXPRESS_IF_PORT;
    device_class_register(dc);
}

MIMIC_INIT(virtio_pci_register_types)
{
    device_class_register(&virtio_pci_base_class.parent);
    for (size_t i = 0; i < ARRAY_SIZE(virtio_pci_devices); i++) {
        virtio_pci_register_proxy(&virtio_pci_devices[i]);
    }
}
