/*
 * The transport-independent virtio core (virtio 1.2): device status and reset
 * (§2.1, §2.4), feature negotiation (§2.2, §3.1.1), the device configuration
 * space (§2.5), and split virtqueues (§2.7) with indirect descriptors
 * (§2.7.5.3) and event-index notification suppression (§2.7.7, §2.7.10).
 *
 * All ring and buffer accesses go through address_space_read/write/map on
 * address_space_memory, which refuse anything outside guest memory. Every
 * guest-supplied index, length and address is checked where it is read; a bad
 * ring puts the device in DEVICE_NEEDS_RESET (§2.1.2) through virtio_error().
 *
 * Left out: packed virtqueues (§2.8), VIRTIO_F_IN_ORDER, NOTIFICATION_DATA,
 * RING_RESET, legacy (pre-1.0) devices, shared memory regions.
 */
#include "hw/virtio/virtio.h"
#include "system/memory.h"
#include "util/error.h"
#include "util/log.h"

/* Split virtqueue layout (§2.7.5, §2.7.6, §2.7.8). */
#define VRING_DESC_SIZE 16
#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_DESC_F_INDIRECT 4
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY 1
#define VRING_USED_ELEM_SIZE 8

/* Bytes of device memory (not RAM) one element may bounce through. */
#define VIRTQUEUE_MAX_BOUNCE (256 * KiB)

typedef struct VringDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
} VringDesc;

/* ---- guest memory ---- */

static inline uint64_t avail_ring_addr(VirtQueue *vq, unsigned i)
{
    return vq->avail + 4 + 2 * (uint64_t)i;
}

static inline uint64_t used_ring_addr(VirtQueue *vq, unsigned i)
{
    return vq->used + 4 + VRING_USED_ELEM_SIZE * (uint64_t)i;
}

static bool vring_lduw(VirtQueue *vq, uint64_t addr, uint16_t *out)
{
    uint16_t v;

    if (address_space_read(&address_space_memory, addr, &v, 2) != MEMTX_OK) {
        virtio_error(vq->vdev, "queue %u: ring at 0x%" PRIx64 " is not readable", vq->index,
                     addr);
        return false;
    }
    *out = GUINT16_FROM_LE(v);
    return true;
}

static bool vring_stw(VirtQueue *vq, uint64_t addr, uint16_t val)
{
    uint16_t v = GUINT16_TO_LE(val);

    if (address_space_write(&address_space_memory, addr, &v, 2) != MEMTX_OK) {
        virtio_error(vq->vdev, "queue %u: ring at 0x%" PRIx64 " is not writable", vq->index,
                     addr);
        return false;
    }
    return true;
}

/* Is [addr, addr + len) guest RAM (writable when is_write) all the way? */
static bool guest_ram_range_ok(uint64_t addr, uint64_t len, bool is_write)
{
    if (addr + len < addr) {
        return false;
    }
    while (len) {
        uint64_t l = len;
        if (!address_space_map(&address_space_memory, addr, &l, is_write) || l == 0) {
            return false;
        }
        addr += l;
        len -= l;
    }
    return true;
}

/* ---- errors, interrupts ---- */

static void virtio_update_irq(VirtIODevice *vdev)
{
    if (vdev->bus_ops && vdev->bus_ops->update_irq) {
        vdev->bus_ops->update_irq(vdev->proxy, vdev);
    }
}

/* Tell the driver about vq (NULL: the configuration) by the transport's message or the ISR. */
static void virtio_signal(VirtIODevice *vdev, VirtQueue *vq, uint8_t isr_bit)
{
    if (vdev->bus_ops && vdev->bus_ops->notify && vdev->bus_ops->notify(vdev->proxy, vdev, vq)) {
        return;
    }
    vdev->isr |= isr_bit;
    virtio_update_irq(vdev);
}

void virtio_error(VirtIODevice *vdev, const char *fmt, ...)
{
    DeviceState *owner = virtio_device_owner(vdev); /* the user's device, as they named it */
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);

    if (!vdev->error_logged) {
        vdev->error_logged = true;
        warn_report("%s (%s): guest error: %s; device needs reset", vdev->name,
                    owner->canonical ? owner->canonical : "?", msg);
    } else {
        log_mask_printf(LOG_GUEST_ERROR, "%s: %s\n", vdev->name, msg);
    }
    if (vdev->broken) {
        return;
    }
    vdev->broken = true;
    vdev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
    /* §2.1.2: after setting NEEDS_RESET with DRIVER_OK, send a config change notification. */
    if (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) {
        virtio_notify_config(vdev);
    }
}

void virtio_notify_config(VirtIODevice *vdev)
{
    if (!(vdev->status & VIRTIO_CONFIG_S_DRIVER_OK)) {
        return;
    }
    vdev->generation++;
    virtio_signal(vdev, NULL, VIRTIO_ISR_CONFIG);
}

void virtio_isr_ack(VirtIODevice *vdev, uint8_t bits)
{
    vdev->isr &= ~bits;
    virtio_update_irq(vdev);
}

/* ---- setup ---- */

void virtio_init(VirtIODevice *vdev, const char *name, uint16_t device_id, size_t config_len)
{
    vdev->name = name;
    vdev->device_id = device_id;
    vdev->config_len = config_len;
    g_free(vdev->config);
    vdev->config = config_len ? g_malloc0(config_len) : NULL;
}

VirtQueue *virtio_add_queue(VirtIODevice *vdev, unsigned queue_size, VirtQueueHandler *handler)
{
    VirtQueue *vq;

    g_assert(queue_size && queue_size <= VIRTQUEUE_MAX_SIZE &&
             (queue_size & (queue_size - 1)) == 0);
    if (vdev->num_queues >= VIRTIO_MAX_QUEUES) {
        return NULL;
    }
    vq = &vdev->vq[vdev->num_queues];
    memset(vq, 0, sizeof(*vq));
    vq->vdev = vdev;
    vq->index = vdev->num_queues++;
    vq->num_max = queue_size;
    vq->num = queue_size;
    vq->notification = true;
    vq->handle_output = handler;
    return vq;
}

VirtQueue *virtio_get_queue(VirtIODevice *vdev, unsigned n)
{
    return n < vdev->num_queues ? &vdev->vq[n] : NULL;
}

static void virtqueue_reset_one(VirtQueue *vq)
{
    vq->num = vq->num_max;
    vq->ready = false;
    vq->desc = vq->avail = vq->used = 0;
    vq->last_avail_idx = vq->shadow_avail_idx = vq->used_idx = 0;
    vq->signalled_used = 0;
    vq->signalled_used_valid = false;
    vq->notification = true;
    vq->inuse = 0;
}

void virtio_reset(VirtIODevice *vdev)
{
    const VirtioDeviceClass *vdc = virtio_device_get_class(vdev);

    /* The device first: it must stop touching buffers of the old rings. */
    if (vdc->reset) {
        vdc->reset(vdev);
    }
    vdev->epoch++;
    vdev->status = 0;
    vdev->isr = 0;
    vdev->guest_features = 0;
    vdev->broken = false;
    for (unsigned i = 0; i < vdev->num_queues; i++) {
        virtqueue_reset_one(&vdev->vq[i]);
    }
    if (vdev->bus_ops && vdev->bus_ops->reset) {
        vdev->bus_ops->reset(vdev->proxy);
    }
    virtio_update_irq(vdev);
}

/* ---- features, status, config ---- */

/* §4.1.4.3, §4.2.2: features travel in 32-bit words; words past bit 63 read as 0. */
uint32_t virtio_host_features_word(VirtIODevice *vdev, uint32_t sel)
{
    return sel < 2 ? (uint32_t)(vdev->host_features >> (32 * sel)) : 0;
}

uint32_t virtio_guest_features_word(VirtIODevice *vdev, uint32_t sel)
{
    return sel < 2 ? (uint32_t)(vdev->guest_features >> (32 * sel)) : 0;
}

void virtio_set_guest_features_word(VirtIODevice *vdev, uint32_t sel, uint32_t val)
{
    /* §2.2.2: once FEATURES_OK is set the features are fixed. */
    if (!(vdev->status & VIRTIO_CONFIG_S_FEATURES_OK) && sel < 2) {
        virtio_set_half(&vdev->guest_features, sel == 1, val);
    }
}

static bool virtio_features_acceptable(VirtIODevice *vdev)
{
    const VirtioDeviceClass *vdc = virtio_device_get_class(vdev);
    uint64_t f = vdev->guest_features;

    if (f & ~vdev->host_features) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "%s: driver accepted features 0x%" PRIx64 " that were not offered\n",
                        vdev->name, f & ~vdev->host_features);
        return false;
    }
    /* No legacy interface: a driver that does not speak 1.x is refused (§6.1). */
    if (!virtio_has_feature(f, VIRTIO_F_VERSION_1)) {
        log_mask_printf(LOG_GUEST_ERROR, "%s: driver did not accept VIRTIO_F_VERSION_1\n",
                        vdev->name);
        return false;
    }
    return !vdc->set_features || vdc->set_features(vdev, f);
}

void virtio_set_status(VirtIODevice *vdev, uint8_t val)
{
    const VirtioDeviceClass *vdc = virtio_device_get_class(vdev);
    uint8_t old = vdev->status;

    if (val == 0) {
        virtio_reset(vdev);
        return;
    }
    /* §2.2.2: features may not change once FEATURES_OK is set; check them as it is set. */
    if ((val & VIRTIO_CONFIG_S_FEATURES_OK) && !(old & VIRTIO_CONFIG_S_FEATURES_OK) &&
        !virtio_features_acceptable(vdev)) {
        val &= ~VIRTIO_CONFIG_S_FEATURES_OK;
    }
    vdev->status = (val & ~VIRTIO_CONFIG_S_NEEDS_RESET) |
                   (vdev->broken ? VIRTIO_CONFIG_S_NEEDS_RESET : 0);
    if (vdc->set_status) {
        vdc->set_status(vdev, vdev->status);
    }
    /* Buffers made available before DRIVER_OK are processed now. */
    if ((vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) && !(old & VIRTIO_CONFIG_S_DRIVER_OK)) {
        for (unsigned i = 0; i < vdev->num_queues; i++) {
            VirtQueue *vq = &vdev->vq[i];
            if (vq->ready && vq->handle_output && !virtio_queue_empty(vq)) {
                vq->handle_output(vdev, vq);
            }
        }
    }
}

uint32_t virtio_config_read(VirtIODevice *vdev, uint32_t addr, unsigned size)
{
    const VirtioDeviceClass *vdc = virtio_device_get_class(vdev);
    uint32_t v = 0;

    if (size > 4 || addr > vdev->config_len || size > vdev->config_len - addr) {
        return UINT32_MAX;
    }
    if (vdc->get_config) {
        vdc->get_config(vdev, vdev->config);
    }
    for (unsigned i = 0; i < size; i++) {
        v |= (uint32_t)vdev->config[addr + i] << (8 * i);
    }
    return v;
}

void virtio_config_write(VirtIODevice *vdev, uint32_t addr, uint32_t val, unsigned size)
{
    const VirtioDeviceClass *vdc = virtio_device_get_class(vdev);

    if (size > 4 || addr > vdev->config_len || size > vdev->config_len - addr) {
        log_mask_printf(LOG_GUEST_ERROR, "%s: config write at 0x%x+%u is out of range\n",
                        vdev->name, addr, size);
        return;
    }
    if (vdc->get_config) {
        vdc->get_config(vdev, vdev->config);
    }
    for (unsigned i = 0; i < size; i++) {
        vdev->config[addr + i] = val >> (8 * i);
    }
    if (vdc->set_config) {
        vdc->set_config(vdev, vdev->config);
    }
}

/* ---- queue setup and notification ---- */

void virtio_queue_set_size(VirtQueue *vq, uint32_t num)
{
    if (!vq->ready) {
        vq->num = num <= vq->num_max ? num : 0; /* 0 fails the check when it becomes ready */
    }
}

void virtio_queue_set_ready(VirtIODevice *vdev, unsigned n, bool ready)
{
    VirtQueue *vq = virtio_get_queue(vdev, n);
    uint64_t num;

    if (!vq) {
        return;
    }
    if (!ready) {
        vq->ready = false;
        return;
    }
    if (vq->ready) {
        return;
    }
    num = vq->num;
    /* §2.7: split queue sizes are powers of 2; §2.7 table: ring alignment 16, 2, 4. */
    if (num == 0 || num > vq->num_max || (num & (num - 1))) {
        virtio_error(vdev, "queue %u: size %" PRIu64 " is not a power of 2 in 1..%u", n, num,
                     vq->num_max);
        return;
    }
    if ((vq->desc & 15) || (vq->avail & 1) || (vq->used & 3)) {
        virtio_error(vdev, "queue %u: misaligned rings (desc 0x%" PRIx64 ", driver 0x%" PRIx64
                     ", device 0x%" PRIx64 ")", n, vq->desc, vq->avail, vq->used);
        return;
    }
    if (!guest_ram_range_ok(vq->desc, VRING_DESC_SIZE * num, false) ||
        !guest_ram_range_ok(vq->avail, 6 + 2 * num, false) ||
        !guest_ram_range_ok(vq->used, 6 + VRING_USED_ELEM_SIZE * num, true)) {
        virtio_error(vdev, "queue %u: rings (desc 0x%" PRIx64 ", driver 0x%" PRIx64
                     ", device 0x%" PRIx64 ", size %" PRIu64 ") are not in guest RAM", n,
                     vq->desc, vq->avail, vq->used, num);
        return;
    }
    vq->last_avail_idx = vq->shadow_avail_idx = 0;
    vq->used_idx = 0;
    vq->signalled_used_valid = false;
    vq->inuse = 0;
    vq->ready = true;
}

void virtio_queue_notify(VirtIODevice *vdev, unsigned n)
{
    VirtQueue *vq = virtio_get_queue(vdev, n);

    if (!vq) {
        log_mask_printf(LOG_GUEST_ERROR, "%s: notify of queue %u, which does not exist\n",
                        vdev->name, n);
        return;
    }
    if (!vq->ready || !vq->handle_output || !virtio_device_ok(vdev)) {
        return;
    }
    vq->handle_output(vdev, vq);
}

static bool vring_avail_idx(VirtQueue *vq, uint16_t *idx)
{
    return vring_lduw(vq, vq->avail + 2, idx);
}

bool virtio_queue_empty(VirtQueue *vq)
{
    uint16_t idx;

    if (!vq->ready || vq->vdev->broken) {
        return true;
    }
    if (vq->shadow_avail_idx != vq->last_avail_idx) {
        return false;
    }
    if (!vring_avail_idx(vq, &idx)) {
        return true;
    }
    return idx == vq->last_avail_idx;
}

void virtio_queue_set_notification(VirtQueue *vq, bool enable)
{
    VirtIODevice *vdev = vq->vdev;
    uint16_t idx;

    vq->notification = enable;
    if (!vq->ready || vdev->broken) {
        return;
    }
    if (virtio_vdev_has_feature(vdev, VIRTIO_RING_F_EVENT_IDX)) {
        /* §2.7.10: ask to be notified once the driver passes the current avail index. */
        if (enable && vring_avail_idx(vq, &idx)) {
            vring_stw(vq, used_ring_addr(vq, vq->num), idx);
        }
    } else {
        vring_stw(vq, vq->used, enable ? 0 : VRING_USED_F_NO_NOTIFY);
    }
    if (enable) {
        /* The flag must be visible before we look at the ring again. */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    }
}

/* ---- pop ---- */

/* Scratch for walking one chain: entries out first, then in. */
typedef struct VringWalk {
    VirtQueue *vq;
    unsigned num;       /* sg entries */
    unsigned out_num;
    unsigned in_num;
    uint64_t bounce_bytes;
    bool has_bounce;
    bool seen_write;
    struct iovec sg[VIRTQUEUE_MAX_SEGS];
    uint64_t bounce[VIRTQUEUE_MAX_SEGS];
} VringWalk;

static void walk_free_bounce(VringWalk *w)
{
    for (unsigned i = 0; w->has_bounce && i < w->num; i++) {
        if (w->bounce[i] != UINT64_MAX) {
            g_free(w->sg[i].iov_base);
        }
    }
}

/* Add the guest buffer [addr, addr + len) to the walk, as one or more sg entries. */
static bool walk_map(VringWalk *w, uint64_t addr, uint32_t len, bool is_write)
{
    VirtIODevice *vdev = w->vq->vdev;

    /* §2.7.4: device-writable buffers come after all device-readable ones. */
    if (is_write) {
        w->seen_write = true;
    } else if (w->seen_write) {
        virtio_error(vdev, "queue %u: device-readable buffer after a device-writable one",
                     w->vq->index);
        return false;
    }
    if (addr + len < addr) {
        virtio_error(vdev, "queue %u: buffer 0x%" PRIx64 "+0x%x wraps around", w->vq->index,
                     addr, len);
        return false;
    }
    while (len) {
        uint64_t l = len;
        uint64_t bounce_addr = UINT64_MAX;
        void *p;

        if (w->num >= VIRTQUEUE_MAX_SEGS) {
            virtio_error(vdev, "queue %u: more than %u buffers in one chain", w->vq->index,
                         VIRTQUEUE_MAX_SEGS);
            return false;
        }
        p = address_space_map(&address_space_memory, addr, &l, is_write);
        if (!p || l == 0) {
            /* Not RAM: device memory is reached through a bounce buffer; nothing is an error. */
            const FlatRange *r = flatview_lookup(address_space_memory.view, addr);
            if (!r || r->mr->kind != MR_IO) {
                virtio_error(vdev, "queue %u: buffer 0x%" PRIx64 "+0x%x is outside guest RAM",
                             w->vq->index, addr, len);
                return false;
            }
            l = MIN((uint64_t)len, r->start + r->size - addr);
            if (w->bounce_bytes + l > VIRTQUEUE_MAX_BOUNCE) {
                virtio_error(vdev, "queue %u: more than %" PRIu64 " bytes of device memory "
                             "in one chain", w->vq->index, VIRTQUEUE_MAX_BOUNCE);
                return false;
            }
            p = g_malloc0(l);
            if (!is_write) {
                address_space_read(&address_space_memory, addr, p, l);
            }
            bounce_addr = addr;
            w->bounce_bytes += l;
            if (!w->has_bounce) {
                for (unsigned i = 0; i < w->num; i++) {
                    w->bounce[i] = UINT64_MAX;
                }
                w->has_bounce = true;
            }
        }
        w->sg[w->num].iov_base = p;
        w->sg[w->num].iov_len = l;
        w->bounce[w->num] = bounce_addr;
        w->num++;
        if (is_write) {
            w->in_num++;
        } else {
            w->out_num++;
        }
        addr += l;
        len -= l;
    }
    return true;
}

static bool vring_read_desc(VirtQueue *vq, uint64_t table, unsigned i, VringDesc *d)
{
    uint8_t raw[VRING_DESC_SIZE];
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;

    if (address_space_read(&address_space_memory, table + (uint64_t)i * VRING_DESC_SIZE, raw,
                           sizeof(raw)) != MEMTX_OK) {
        virtio_error(vq->vdev, "queue %u: descriptor %u at 0x%" PRIx64 " is not readable",
                     vq->index, i, table);
        return false;
    }
    memcpy(&addr, raw, 8);
    memcpy(&len, raw + 8, 4);
    memcpy(&flags, raw + 12, 2);
    memcpy(&next, raw + 14, 2);
    d->addr = GUINT64_FROM_LE(addr);
    d->len = GUINT32_FROM_LE(len);
    d->flags = GUINT16_FROM_LE(flags);
    d->next = GUINT16_FROM_LE(next);
    return true;
}

/* Walk an indirect table (§2.7.5.3): at most len/16 descriptors, none of them indirect. */
static bool walk_indirect(VringWalk *w, const VringDesc *ind)
{
    VirtQueue *vq = w->vq;
    unsigned entries, i = 0, count = 0;
    VringDesc d;

    if (!virtio_vdev_has_feature(vq->vdev, VIRTIO_RING_F_INDIRECT_DESC)) {
        virtio_error(vq->vdev, "queue %u: indirect descriptor without VIRTIO_F_INDIRECT_DESC",
                     vq->index);
        return false;
    }
    if (ind->len == 0 || ind->len % VRING_DESC_SIZE ||
        ind->len / VRING_DESC_SIZE > VIRTQUEUE_MAX_SIZE) {
        virtio_error(vq->vdev, "queue %u: indirect table length %u is invalid", vq->index,
                     ind->len);
        return false;
    }
    entries = ind->len / VRING_DESC_SIZE;
    for (;;) {
        if (++count > entries) {
            virtio_error(vq->vdev, "queue %u: loop in indirect table at 0x%" PRIx64, vq->index,
                         ind->addr);
            return false;
        }
        if (!vring_read_desc(vq, ind->addr, i, &d)) {
            return false;
        }
        if (d.flags & VRING_DESC_F_INDIRECT) {
            virtio_error(vq->vdev, "queue %u: indirect descriptor inside an indirect table",
                         vq->index);
            return false;
        }
        if (!walk_map(w, d.addr, d.len, d.flags & VRING_DESC_F_WRITE)) {
            return false;
        }
        if (!(d.flags & VRING_DESC_F_NEXT)) {
            return true;
        }
        if (d.next >= entries) {
            virtio_error(vq->vdev, "queue %u: indirect next %u is past the table's %u entries",
                         vq->index, d.next, entries);
            return false;
        }
        i = d.next;
    }
}

/* Walk the chain starting at head: normal descriptors, optionally ending in an indirect one. */
static bool walk_chain(VringWalk *w, unsigned head)
{
    VirtQueue *vq = w->vq;
    unsigned i = head, count = 0;
    VringDesc d;

    for (;;) {
        /* §2.7.5.2: a chain is never longer than the queue; longer means a loop. */
        if (++count > vq->num) {
            virtio_error(vq->vdev, "queue %u: descriptor chain from %u loops", vq->index, head);
            return false;
        }
        if (!vring_read_desc(vq, vq->desc, i, &d)) {
            return false;
        }
        if (d.flags & VRING_DESC_F_INDIRECT) {
            /* §2.7.5.3.2: the indirect descriptor ends the chain; its WRITE flag is ignored. */
            return walk_indirect(w, &d);
        }
        if (!walk_map(w, d.addr, d.len, d.flags & VRING_DESC_F_WRITE)) {
            return false;
        }
        if (!(d.flags & VRING_DESC_F_NEXT)) {
            return true;
        }
        if (d.next >= vq->num) {
            virtio_error(vq->vdev, "queue %u: descriptor next %u is past the queue size %u",
                         vq->index, d.next, vq->num);
            return false;
        }
        i = d.next;
    }
}

VirtQueueElement *virtqueue_pop(VirtQueue *vq)
{
    VirtIODevice *vdev = vq->vdev;
    VringWalk walk, *w = &walk; /* on the stack: no allocation until the chain checks out */
    VirtQueueElement *elem;
    uint16_t avail_idx, head;
    size_t sz;

    if (!vq->ready || vdev->broken) {
        return NULL;
    }
    /* Entries seen at the last read of the driver's index need no new read. */
    if (vq->shadow_avail_idx == vq->last_avail_idx) {
        if (!vring_avail_idx(vq, &avail_idx)) {
            return NULL;
        }
        if ((uint16_t)(avail_idx - vq->last_avail_idx) > vq->num) {
            virtio_error(vdev, "queue %u: driver moved the available index from %u to %u "
                         "(queue size %u)", vq->index, vq->last_avail_idx, avail_idx, vq->num);
            return NULL;
        }
        vq->shadow_avail_idx = avail_idx;
        if (avail_idx == vq->last_avail_idx) {
            return NULL;
        }
        /* Read the ring entry only after the index that published it (§2.7.13.3). */
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    }
    if (!vring_lduw(vq, avail_ring_addr(vq, vq->last_avail_idx % vq->num), &head)) {
        return NULL;
    }
    if (head >= vq->num) {
        virtio_error(vdev, "queue %u: available head %u is past the queue size %u", vq->index,
                     head, vq->num);
        return NULL;
    }

    w->vq = vq;
    w->num = w->out_num = w->in_num = 0;
    w->bounce_bytes = 0;
    w->has_bounce = false;
    w->seen_write = false;
    if (!walk_chain(w, head)) {
        walk_free_bounce(w);
        return NULL;
    }

    sz = sizeof(*elem) + w->num * sizeof(struct iovec) + (w->has_bounce ? w->num * 8 : 0);
    elem = g_malloc(sz);
    elem->index = head;
    elem->out_num = w->out_num;
    elem->in_num = w->in_num;
    elem->out_sg = (struct iovec *)(elem + 1);
    elem->in_sg = elem->out_sg + w->out_num;
    memcpy(elem->out_sg, w->sg, w->num * sizeof(struct iovec));
    elem->bounce = NULL;
    if (w->has_bounce) {
        elem->bounce = (uint64_t *)(elem->out_sg + w->num);
        memcpy(elem->bounce, w->bounce, w->num * 8);
    }
    elem->epoch = vdev->epoch;

    vq->last_avail_idx++;
    vq->inuse++;
    if (virtio_vdev_has_feature(vdev, VIRTIO_RING_F_EVENT_IDX) && vq->notification) {
        vring_stw(vq, used_ring_addr(vq, vq->num), vq->last_avail_idx);
    }
    return elem;
}

/* ---- push, notify ---- */

static void element_free_bounce(VirtQueueElement *elem)
{
    for (unsigned i = 0; elem->bounce && i < elem->out_num + elem->in_num; i++) {
        if (elem->bounce[i] != UINT64_MAX) {
            g_free(elem->out_sg[i].iov_base);
        }
    }
}

void virtqueue_element_free(VirtQueueElement *elem)
{
    if (elem) {
        element_free_bounce(elem);
        g_free(elem);
    }
}

void virtqueue_unpop(VirtQueue *vq, VirtQueueElement *elem)
{
    if (elem->epoch == vq->vdev->epoch) {
        vq->last_avail_idx--;
        vq->inuse--;
    }
    virtqueue_element_free(elem);
}

void virtqueue_push(VirtQueue *vq, VirtQueueElement *elem, uint32_t len)
{
    VirtIODevice *vdev = vq->vdev;
    uint8_t raw[VRING_USED_ELEM_SIZE];
    uint32_t id = GUINT32_TO_LE(elem->index), le_len = GUINT32_TO_LE(len);

    if (elem->epoch != vdev->epoch || !vq->ready || vdev->broken) {
        /* The rings this element came from are gone (reset) or untrusted. */
        virtqueue_element_free(elem);
        return;
    }
    if (elem->bounce) {
        uint32_t left = len;
        for (unsigned i = 0; i < elem->in_num && left; i++) {
            unsigned k = elem->out_num + i;
            size_t l = MIN(elem->in_sg[i].iov_len, left);
            if (elem->bounce[k] != UINT64_MAX) {
                address_space_write(&address_space_memory, elem->bounce[k],
                                    elem->in_sg[i].iov_base, l);
            }
            left -= l;
        }
    }
    virtqueue_element_free(elem);

    memcpy(raw, &id, 4);
    memcpy(raw + 4, &le_len, 4);
    if (address_space_write(&address_space_memory, used_ring_addr(vq, vq->used_idx % vq->num), raw,
                            sizeof(raw)) != MEMTX_OK) {
        virtio_error(vdev, "queue %u: used ring at 0x%" PRIx64 " is not writable", vq->index,
                     vq->used);
        return;
    }
    /* The element must be visible before the index that publishes it (§2.7.13.3). */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    vq->used_idx++;
    vring_stw(vq, vq->used + 2, vq->used_idx);
    vq->inuse--;
}

/* §2.7.10: has the driver's used_event been crossed between old and new? */
static inline bool vring_need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
    return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

static bool virtio_should_notify(VirtIODevice *vdev, VirtQueue *vq)
{
    uint16_t flags, event, old, new_idx;
    bool valid;

    /* Our used index must be visible before we read the driver's suppression state. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (!virtio_vdev_has_feature(vdev, VIRTIO_RING_F_EVENT_IDX)) {
        return vring_lduw(vq, vq->avail, &flags) && !(flags & VRING_AVAIL_F_NO_INTERRUPT);
    }
    old = vq->signalled_used;
    valid = vq->signalled_used_valid;
    new_idx = vq->signalled_used = vq->used_idx;
    vq->signalled_used_valid = true;
    if (!vring_lduw(vq, avail_ring_addr(vq, vq->num), &event)) {
        return false;
    }
    return !valid || vring_need_event(event, new_idx, old);
}

void virtio_notify(VirtIODevice *vdev, VirtQueue *vq)
{
    if (!vq->ready || vdev->broken || !virtio_should_notify(vdev, vq)) {
        return;
    }
    virtio_signal(vdev, vq, VIRTIO_ISR_QUEUE);
}

/* ---- the abstract qdev class ---- */

DeviceState *virtio_device_owner(VirtIODevice *vdev)
{
    BusState *bus = vdev->parent.parent_bus;

    if (bus && bus->ops && bus->parent &&
        container_of(bus->ops, VirtioBusOps, bus)->transport_is_owner) {
        return bus->parent;
    }
    return &vdev->parent;
}

static bool virtio_device_realize(DeviceState *dev, GError **errp)
{
    VirtIODevice *vdev = (VirtIODevice *)dev;
    const VirtioDeviceClass *vdc = virtio_device_get_class(vdev);
    const VirtioBusOps *ops;

    if (!dev->parent_bus || !dev->parent_bus->ops || !dev->parent_bus->parent) {
        error_setg(errp, "%s must sit on a virtio transport's bus (virtio-mmio, virtio-pci)",
                   device_type(dev));
        return false;
    }
    ops = container_of(dev->parent_bus->ops, VirtioBusOps, bus);
    if (vdc->realize && !vdc->realize(vdev, errp)) {
        return false;
    }
    vdev->host_features = (vdc->get_features ? vdc->get_features(vdev) : 0) |
                          (1ull << VIRTIO_F_VERSION_1) |
                          ((uint64_t)vdev->indirect_desc << VIRTIO_RING_F_INDIRECT_DESC) |
                          ((uint64_t)vdev->event_idx << VIRTIO_RING_F_EVENT_IDX);
    vdev->proxy = dev->parent_bus->parent;
    vdev->bus_ops = ops;
    if (ops->device_plugged) {
        ops->device_plugged(vdev->proxy, vdev);
    }
    return true;
}

static void virtio_device_unrealize(DeviceState *dev)
{
    VirtIODevice *vdev = (VirtIODevice *)dev;
    const VirtioDeviceClass *vdc = virtio_device_get_class(vdev);

    virtio_reset(vdev);
    if (vdev->bus_ops && vdev->bus_ops->device_unplugged) {
        vdev->bus_ops->device_unplugged(vdev->proxy, vdev);
    }
    vdev->bus_ops = NULL;
    vdev->proxy = NULL;
    if (vdc->unrealize) {
        vdc->unrealize(vdev);
    }
    g_clear_pointer(&vdev->config, g_free);
    vdev->num_queues = 0;
}

static void virtio_device_reset(DeviceState *dev)
{
    virtio_reset((VirtIODevice *)dev);
}

static const Property virtio_device_props[] = {
    DEFINE_PROP_BOOL("indirect_desc", VirtIODevice, indirect_desc, true,
                     "offer VIRTIO_RING_F_INDIRECT_DESC"),
    DEFINE_PROP_BOOL("event_idx", VirtIODevice, event_idx, true, "offer VIRTIO_RING_F_EVENT_IDX"),
    DEFINE_PROP_END,
};

static VirtioDeviceClass virtio_device_class = {
    .parent = {
        .name = TYPE_VIRTIO_DEVICE,
        .desc = "virtio device (abstract)",
        .instance_size = sizeof(VirtIODevice),
        .bus_type = BUS_VIRTIO,
        .props = virtio_device_props,
        .realize = virtio_device_realize,
        .unrealize = virtio_device_unrealize,
        .reset = virtio_device_reset,
    },
};

MIMIC_INIT(virtio_device_register)
{
    device_class_register(&virtio_device_class.parent);
}
