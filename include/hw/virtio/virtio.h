/*
 * The virtio core, shared by every transport (virtio 1.2, "modern" only):
 * device status, feature negotiation, the device configuration space, the
 * interrupt status (ISR) and split virtqueues (§2.7) with indirect
 * descriptors and event-index notification suppression.
 *
 * A virtio device (virtio-blk, virtio-rng) is a qdev on a BUS_VIRTIO bus that a
 * transport (virtio-mmio, virtio-pci) provides. The device knows nothing of the
 * transport: it creates its queues, pops elements from them, pushes the used
 * ones back and calls virtio_notify(); the transport turns register accesses
 * into calls on this API and the ISR into an interrupt line.
 *
 * A device class embeds VirtioDeviceClass first and names "virtio-device" as
 * its .parent; like PCI devices it leaves DeviceClass realize/unrealize/reset
 * NULL and fills the VirtioDeviceClass hooks. Its instance embeds VirtIODevice
 * first.
 *
 * Guest input is hostile: every ring index, descriptor, length and address
 * is checked here; a violation marks the device DEVICE_NEEDS_RESET (§2.1.2),
 * is logged once per device, and the queues stop until the driver resets it.
 */
#ifndef HW_VIRTIO_VIRTIO_H
#define HW_VIRTIO_VIRTIO_H

#include "block/iov.h"
#include "core/qdev.h"
#include "util/iov.h"
#include <sys/uio.h>

#define TYPE_VIRTIO_DEVICE "virtio-device"

/* Device status bits (§2.1). */
#define VIRTIO_CONFIG_S_ACKNOWLEDGE 1
#define VIRTIO_CONFIG_S_DRIVER 2
#define VIRTIO_CONFIG_S_DRIVER_OK 4
#define VIRTIO_CONFIG_S_FEATURES_OK 8
#define VIRTIO_CONFIG_S_NEEDS_RESET 0x40
#define VIRTIO_CONFIG_S_FAILED 0x80

/* Reserved feature bits (§6). */
#define VIRTIO_RING_F_INDIRECT_DESC 28
#define VIRTIO_RING_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33
#define VIRTIO_F_RING_PACKED 34
#define VIRTIO_F_IN_ORDER 35
#define VIRTIO_F_ORDER_PLATFORM 36
#define VIRTIO_F_NOTIFICATION_DATA 38
#define VIRTIO_F_RING_RESET 40

/* ISR bits (§4.1.4.5, §4.2.2 InterruptStatus). */
#define VIRTIO_ISR_QUEUE 1
#define VIRTIO_ISR_CONFIG 2

/* Device IDs (§5). */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG 4

#define VIRTQUEUE_MAX_SIZE 32768 /* §2.7: split queue sizes are powers of 2, at most 32768 */
#define VIRTQUEUE_MAX_SEGS 1024  /* iovecs per element; longer chains are refused */
#define VIRTIO_MAX_QUEUES 64

typedef struct VirtIODevice VirtIODevice;
typedef struct VirtQueue VirtQueue;
typedef void VirtQueueHandler(VirtIODevice *vdev, VirtQueue *vq);

/*
 * One buffer chain popped from a virtqueue: out_sg are the device-readable
 * buffers, in_sg the device-writable ones, in ring order, as host pointers
 * into guest RAM (or bounce buffers where a descriptor points at device
 * memory). Give it back with virtqueue_push() (which also frees it) or
 * virtqueue_detach_element() + virtqueue_element_free().
 */
typedef struct VirtQueueElement {
    unsigned index; /* head descriptor index, what the used ring reports */
    unsigned out_num;
    unsigned in_num;
    struct iovec *out_sg; /* out_sg[out_num] then in_sg[in_num], one array */
    struct iovec *in_sg;
    /*
     * NULL when every buffer is guest RAM; else, per sg entry (out then in),
     * the guest address of a bounce buffer, or UINT64_MAX for a direct mapping.
     */
    uint64_t *bounce;
    uint32_t epoch; /* vdev->epoch at pop: a reset since makes push a no-op */
} VirtQueueElement;

typedef struct VirtioDeviceClass {
    DeviceClass parent;
    bool (*realize)(VirtIODevice *vdev, GError **errp);
    void (*unrealize)(VirtIODevice *vdev);
    /* Device-specific part of a reset: cancel requests, restore config. */
    void (*reset)(VirtIODevice *vdev);
    /* Features offered, besides VERSION_1 / INDIRECT_DESC / EVENT_IDX the core adds. */
    uint64_t (*get_features)(VirtIODevice *vdev);
    /* The driver accepted these features (FEATURES_OK); false refuses them. */
    bool (*set_features)(VirtIODevice *vdev, uint64_t features);
    /* Refresh vdev->config before a driver read; take a driver write from it. */
    void (*get_config)(VirtIODevice *vdev, uint8_t *config);
    void (*set_config)(VirtIODevice *vdev, const uint8_t *config);
    /* The driver wrote the status register (after the core acted on it). */
    void (*set_status)(VirtIODevice *vdev, uint8_t status);
} VirtioDeviceClass;

/*
 * What a transport offers its virtio bus. The bus's BusOps are the first
 * member, so a virtio device reaches them through dev->parent_bus->ops.
 */
typedef struct VirtioBusOps {
    BusOps bus;
    /* The device on the bus was realized / is going away. */
    void (*device_plugged)(DeviceState *proxy, VirtIODevice *vdev);
    void (*device_unplugged)(DeviceState *proxy, VirtIODevice *vdev);
    /*
     * Optional: vdev was reset (by its driver, the machine or the transport); return
     * what the transport keeps for it (register selectors, vector mappings) to its
     * initial values.
     */
    void (*reset)(DeviceState *proxy);
    /* vdev->isr changed: assert or deassert the interrupt as the transport does. */
    void (*update_irq)(DeviceState *proxy, VirtIODevice *vdev);
    /*
     * Optional: the device has news for the driver, used buffers on vq or (vq NULL) a
     * configuration change. A transport that signals it with a message of its own
     * (virtio-pci with MSI-X) does so and returns true; false, or no hook, raises the
     * ISR bit and update_irq follows.
     */
    bool (*notify)(DeviceState *proxy, VirtIODevice *vdev, VirtQueue *vq);
    /*
     * The transport is a device the user created for this virtio device alone (a "-pci"
     * proxy): the virtio device goes by the transport's id and type (virtio_device_owner).
     */
    bool transport_is_owner;
} VirtioBusOps;

struct VirtQueue {
    VirtIODevice *vdev;
    uint16_t index;
    uint16_t num_max; /* largest size the device supports */
    uint16_t num;     /* size the driver set */
    bool ready;
    uint64_t desc;  /* guest addresses of the descriptor table, avail and used rings */
    uint64_t avail;
    uint64_t used;
    uint16_t last_avail_idx; /* next avail entry to pop */
    uint16_t shadow_avail_idx; /* the driver's avail index as last read from the ring */
    uint16_t used_idx;       /* shadow of used->idx */
    uint16_t signalled_used; /* used->idx when we last interrupted (event idx) */
    bool signalled_used_valid;
    bool notification;      /* device wants notifications (used->flags NO_NOTIFY clear) */
    unsigned inuse;         /* popped but not pushed */
    VirtQueueHandler *handle_output;
};

struct VirtIODevice {
    DeviceState parent;
    uint16_t device_id;
    const char *name;
    uint8_t status;
    uint8_t isr;
    uint32_t generation; /* ConfigGeneration */
    uint64_t host_features;
    uint64_t guest_features; /* as written by the driver */
    uint32_t config_len;
    uint8_t *config;
    unsigned num_queues;
    VirtQueue vq[VIRTIO_MAX_QUEUES];
    bool broken;        /* NEEDS_RESET: queues stop until reset */
    uint32_t epoch;     /* counts resets */
    bool error_logged;  /* the first error of this device went to stderr */
    DeviceState *proxy; /* the transport device, while plugged */
    const VirtioBusOps *bus_ops;
    /* Virtio device properties common to all devices. */
    bool indirect_desc;
    bool event_idx;
};

static inline const VirtioDeviceClass *virtio_device_get_class(VirtIODevice *vdev)
{
    return (const VirtioDeviceClass *)vdev->parent.klass;
}

static inline bool virtio_has_feature(uint64_t features, unsigned bit)
{
    return (features >> bit) & 1;
}

static inline bool virtio_vdev_has_feature(VirtIODevice *vdev, unsigned bit)
{
    return virtio_has_feature(vdev->guest_features, bit);
}

/* For device realize: name the device, size its config space. */
void virtio_init(VirtIODevice *vdev, const char *name, uint16_t device_id, size_t config_len);
/* Add a queue of at most queue_size entries (power of 2); NULL once VIRTIO_MAX_QUEUES exist. */
VirtQueue *virtio_add_queue(VirtIODevice *vdev, unsigned queue_size, VirtQueueHandler *handler);
VirtQueue *virtio_get_queue(VirtIODevice *vdev, unsigned n);
/*
 * The device the user created and named for vdev, for whatever shows vdev to people or
 * tools (info network, the drive's owner): the transport where it is vdev's own (a "-pci"
 * proxy, VirtioBusOps.transport_is_owner), else vdev itself. Valid from realize on.
 */
DeviceState *virtio_device_owner(VirtIODevice *vdev);

/*
 * Report a guest error: the device enters DEVICE_NEEDS_RESET (§2.1.2), the
 * driver gets a configuration change interrupt if DRIVER_OK, and queues stop.
 * The first error of each device is printed; the rest go to -d guest_errors.
 */
void virtio_error(VirtIODevice *vdev, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Full device reset (§2.4): queues, features, status, ISR; device hook. */
void virtio_reset(VirtIODevice *vdev);

/* ---- transport side ---- */

/* Status register write; 0 resets. */
void virtio_set_status(VirtIODevice *vdev, uint8_t val);
/*
 * The 32-bit words of the features offered (with the core's bits) and accepted, as the
 * transports expose them; sel 0 is bits 0-31, sel 1 bits 32-63.
 */
uint32_t virtio_host_features_word(VirtIODevice *vdev, uint32_t sel);
uint32_t virtio_guest_features_word(VirtIODevice *vdev, uint32_t sel);
/* The driver wrote a word of the features it accepts; ignored once FEATURES_OK is set. */
void virtio_set_guest_features_word(VirtIODevice *vdev, uint32_t sel, uint32_t val);
/* The driver chose a queue size; ignored while ready, too big a size becomes 0 (refused later). */
void virtio_queue_set_size(VirtQueue *vq, uint32_t num);
/* Set the low or high 32 bits of a 64-bit register the driver writes in halves. */
static inline void virtio_set_half(uint64_t *field, bool high, uint32_t val)
{
    if (high) {
        *field = (*field & 0xffffffffull) | ((uint64_t)val << 32);
    } else {
        *field = (*field & ~0xffffffffull) | val;
    }
}
/* Config space accesses from the driver; out-of-range reads return all ones. */
uint32_t virtio_config_read(VirtIODevice *vdev, uint32_t addr, unsigned size);
void virtio_config_write(VirtIODevice *vdev, uint32_t addr, uint32_t val, unsigned size);
/* The driver set QueueReady (true) or cleared it. Ring layout is checked here. */
void virtio_queue_set_ready(VirtIODevice *vdev, unsigned n, bool ready);
/* The driver notified queue n (QueueNotify); out-of-range n is ignored. */
void virtio_queue_notify(VirtIODevice *vdev, unsigned n);
/* Clear ISR bits (InterruptACK, or the read-to-clear ISR of PCI). */
void virtio_isr_ack(VirtIODevice *vdev, uint8_t bits);

/* ---- device side ---- */

/* Pop the next available chain, or NULL (empty, not ready, or the device is broken). */
VirtQueueElement *virtqueue_pop(VirtQueue *vq);
/* Return elem as used with len bytes written; frees elem. */
void virtqueue_push(VirtQueue *vq, VirtQueueElement *elem, uint32_t len);
/* Put elem back (the next pop returns it again); frees elem. */
void virtqueue_unpop(VirtQueue *vq, VirtQueueElement *elem);
/* Forget elem without returning it (device reset while a request is in flight). */
void virtqueue_element_free(VirtQueueElement *elem);
/* An IOVector over n of an element's buffers, copying nothing (valid while the element is). */
static inline IOVector virtqueue_sg_vector(struct iovec *iov, unsigned n)
{
    return (IOVector){.iov = iov, .niov = n, .size = iov_size(iov, n)};
}
/* Interrupt the driver for used buffers on vq, unless it suppressed that (§2.7.7, §2.7.10). */
void virtio_notify(VirtIODevice *vdev, VirtQueue *vq);
/* The device changed its config space (§2.4.2 generation; §4.2.2 InterruptStatus bit 1). */
void virtio_notify_config(VirtIODevice *vdev);
/* Ask the driver for (enable=true) or not for notifications of new buffers. */
void virtio_queue_set_notification(VirtQueue *vq, bool enable);
bool virtio_queue_empty(VirtQueue *vq);
static inline bool virtio_device_ok(VirtIODevice *vdev)
{
    return (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) && !vdev->broken;
}

/* Little-endian config space helpers. */
static inline void virtio_stw(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}
static inline void virtio_stl(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = v >> (8 * i);
    }
}
static inline void virtio_stq(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = v >> (8 * i);
    }
}

#endif
