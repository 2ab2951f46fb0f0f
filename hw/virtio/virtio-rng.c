/*
 * virtio-rng, the entropy device (virtio 1.2 §5.4): one request queue whose
 * device-writable buffers the device fills with random bytes. The bytes come
 * from the host kernel's getrandom() (the urandom pool, never blocking once it
 * is initialised).
 *
 * Optional rate limit, as QEMU's: at most max-bytes per period milliseconds;
 * once the quota is spent, requests wait in the ring until the next period.
 */
#include "hw/virtio/virtio.h"
#include "util/error.h"
#include <sys/random.h>

#define TYPE_VIRTIO_RNG "virtio-rng-device"
#define VIRTIO_RNG_QUEUE_SIZE 8
#define VIRTIO_RNG_MAX_PER_ELEM (64 * KiB) /* a bigger buffer is filled this far */

typedef struct VirtIORNG {
    VirtIODevice parent;
    uint64_t max_bytes;
    uint32_t period_ms;
    uint64_t quota;    /* bytes left in this period */
    guint refill_src;  /* GSource id of the pending refill, 0 if none */
    VirtQueue *vq;
} VirtIORNG;

static bool rng_fill(void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len) {
        ssize_t r = getrandom(p, len, 0);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        p += r;
        len -= r;
    }
    return true;
}

static gboolean virtio_rng_refill(gpointer opaque);

static void virtio_rng_handle_output(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIORNG *s = (VirtIORNG *)vdev;
    VirtQueueElement *elem;
    bool pushed = false;

    while (s->quota && (elem = virtqueue_pop(vq))) {
        size_t want = 0, done = 0;

        for (unsigned i = 0; i < elem->in_num; i++) {
            want += elem->in_sg[i].iov_len;
        }
        want = MIN(want, MIN(s->quota, VIRTIO_RNG_MAX_PER_ELEM));
        for (unsigned i = 0; i < elem->in_num && done < want; i++) {
            size_t l = MIN(elem->in_sg[i].iov_len, want - done);
            if (!rng_fill(elem->in_sg[i].iov_base, l)) {
                error_report("virtio-rng: getrandom failed: %s", g_strerror(errno));
                break;
            }
            done += l;
        }
        if (s->max_bytes != UINT64_MAX) {
            s->quota -= done;
        }
        virtqueue_push(vq, elem, done);
        pushed = true;
    }
    if (pushed) {
        virtio_notify(vdev, vq);
    }
    if (!s->quota && !s->refill_src) {
        s->refill_src = g_timeout_add(s->period_ms, virtio_rng_refill, s);
    }
}

/* In the main loop, with the big lock held: a new period begins. */
static gboolean virtio_rng_refill(gpointer opaque)
{
    VirtIORNG *s = opaque;

    s->refill_src = 0;
    s->quota = s->max_bytes;
    if (virtio_device_ok(&s->parent) && s->vq->ready) {
        virtio_rng_handle_output(&s->parent, s->vq);
    }
    return G_SOURCE_REMOVE;
}

static void virtio_rng_reset(VirtIODevice *vdev)
{
    VirtIORNG *s = (VirtIORNG *)vdev;

    if (s->refill_src) {
        g_source_remove(s->refill_src);
        s->refill_src = 0;
    }
    s->quota = s->max_bytes;
}

static bool virtio_rng_realize(VirtIODevice *vdev, GError **errp)
{
    VirtIORNG *s = (VirtIORNG *)vdev;

    if (s->max_bytes == 0 || s->period_ms == 0) {
        error_setg(errp, "max-bytes and period must be positive");
        return false;
    }
    s->quota = s->max_bytes;
    virtio_init(vdev, "virtio-rng", VIRTIO_ID_RNG, 0);
    s->vq = virtio_add_queue(vdev, VIRTIO_RNG_QUEUE_SIZE, virtio_rng_handle_output);
    return true;
}

static void virtio_rng_unrealize(VirtIODevice *vdev)
{
    virtio_rng_reset(vdev);
}

static const Property virtio_rng_props[] = {
    DEFINE_PROP_U64("max-bytes", VirtIORNG, max_bytes, UINT64_MAX,
                    "bytes of entropy per period (default: unlimited)"),
    DEFINE_PROP_U32("period", VirtIORNG, period_ms, 1000, "rate-limit period in milliseconds"),
    DEFINE_PROP_END,
};

static VirtioDeviceClass virtio_rng_class = {
    .parent = {
        .name = TYPE_VIRTIO_RNG,
        .parent = TYPE_VIRTIO_DEVICE,
        .desc = "virtio entropy device",
        .category = "misc",
        .instance_size = sizeof(VirtIORNG),
        .bus_type = BUS_VIRTIO,
        .user_creatable = true,
        .props = virtio_rng_props,
    },
    .realize = virtio_rng_realize,
    .unrealize = virtio_rng_unrealize,
    .reset = virtio_rng_reset,
};

MIMIC_INIT(virtio_rng_register)
{
    device_class_register(&virtio_rng_class.parent);
}
