/*
 * virtio-blk (virtio 1.2 §5.2): a disk on a BlockBackend. Requests are a
 * 16-byte header (type, reserved, sector) in device-readable buffers, data,
 * and a status byte at the very end of the device-writable buffers.
 *
 * Reads, writes, flushes, discards and write-zeroes go to the block layer's
 * worker pool (blk_aio_*), so the vCPU that kicked the queue returns at once;
 * the completion hops to the main loop (main_loop_defer), which owns the rings,
 * and pushes the element and interrupts there. A reset drains the backend and
 * drops completions that arrive for the old rings.
 *
 * A failed request goes by the drive's werror/rerror (block/error-policy.c):
 * the guest sees an I/O error (report) or success (ignore), or the VM stops and
 * the request waits to be issued again when the VM resumes (stop). Discard
 * errors are reported as they are, as in QEMU.
 *
 * The device knows neither its transport nor its image format. Left out:
 * geometry/topology config, secure erase, lifetime, zoned devices, more than one
 * discard/write-zeroes segment per request (max_*_seg is 1).
 */
#include "hw/virtio/virtio-blk.h"
#include "block/block.h"
#include "block/drive.h"
#include "block/error-policy.h"
#include "system/main-loop.h"
#include "system/runstate.h"
#include "util/error.h"
#include "util/log.h"

#define VIRTIO_BLK_MAX_SECTORS 0x3fffff /* per discard/write-zeroes: < 2 GiB, as QEMU */
#define VIRTIO_BLK_HDR_SIZE 16

typedef struct VirtIOBlock {
    VirtIODevice parent;
    BlockBackend *blk;
    char *serial;
    uint16_t queue_size;
    uint16_t num_queues;
    uint32_t logical_block_size;
    bool discard;
    bool write_zeroes;
    bool read_only;
    bool wce_default; /* the drive's cache mode, restored on reset */
    GQueue inflight;  /* of VirtIOBlockReq, waiting for the block layer */
    GQueue retry;     /* of VirtIOBlockReq, failed under a stop policy: reissued on resume */
} VirtIOBlock;

typedef struct VirtIOBlockReq {
    VirtIOBlock *s;
    VirtQueue *vq;
    VirtQueueElement *elem;
    IOVector qiov;
    uint8_t *status; /* last byte of the device-writable buffers */
    uint32_t in_len; /* what the used ring reports as written */
    uint32_t type;   /* VIRTIO_BLK_T_IN, _OUT, _FLUSH, _DISCARD, _WRITE_ZEROES */
    uint64_t sector;
    uint32_t num_sectors; /* discard, write-zeroes */
    bool unmap;           /* write-zeroes may unmap */
    int ret;              /* block layer result, set on the worker */
    bool cancelled;       /* the device was reset: free it, touch nothing else */
    GList link;           /* in inflight or retry */
} VirtIOBlockReq;

/* ---- completion ---- */

static void virtio_blk_req_free(VirtIOBlockReq *req)
{
    iovec_destroy(&req->qiov);
    virtqueue_element_free(req->elem);
    g_free(req);
}

static void virtio_blk_complete(VirtIOBlockReq *req, uint8_t status)
{
    VirtIOBlock *s = req->s;

    *req->status = status;
    virtqueue_push(req->vq, req->elem, req->in_len);
    req->elem = NULL;
    virtio_notify(&s->parent, req->vq);
    virtio_blk_req_free(req);
}

/*
 * A failed request, as the drive's error policy says: the status the guest
 * gets, or false when the request is kept for the retry on resume.
 */
static bool virtio_blk_handle_error(VirtIOBlockReq *req, uint8_t *status)
{
    VirtIOBlock *s = req->s;
    bool is_read = req->type == VIRTIO_BLK_T_IN;
    int error = -req->ret;
    BlockErrorAction action;

    log_mask_printf(LOG_GUEST_ERROR, "virtio-blk: I/O error: %s\n", g_strerror(error));
    *status = VIRTIO_BLK_S_IOERR;
    if (req->type == VIRTIO_BLK_T_DISCARD) {
        return true;
    }
    action = block_error_handle(s->blk, is_read, error);
    if (action == BLOCK_ERROR_ACTION_STOP) {
        g_queue_push_tail_link(&s->retry, &req->link);
    } else if (action == BLOCK_ERROR_ACTION_IGNORE) {
        *status = VIRTIO_BLK_S_OK;
    }
    return action != BLOCK_ERROR_ACTION_STOP;
}

/* In the main loop, with the big lock held. */
static void virtio_blk_aio_done_bh(void *opaque)
{
    VirtIOBlockReq *req = opaque;
    uint8_t status = VIRTIO_BLK_S_OK;

    if (req->cancelled) {
        virtio_blk_req_free(req);
        return;
    }
    g_queue_unlink(&req->s->inflight, &req->link);
    if (req->ret < 0 && !virtio_blk_handle_error(req, &status)) {
        return;
    }
    virtio_blk_complete(req, status);
}

/* On a block layer worker: hand the result to the main loop. */
static void virtio_blk_aio_done(void *opaque, int ret)
{
    VirtIOBlockReq *req = opaque;

    req->ret = ret;
    main_loop_defer(virtio_blk_aio_done_bh, req);
}

/* Issue req's operation to the block layer (first time, or again after a stop). */
static void virtio_blk_start_io(VirtIOBlockReq *req)
{
    BlockBackend *blk = req->s->blk;
    int64_t offset = req->sector << BDRV_SECTOR_BITS;
    int64_t bytes = (int64_t)req->num_sectors << BDRV_SECTOR_BITS;

    g_queue_push_tail_link(&req->s->inflight, &req->link);
    switch (req->type) {
    case VIRTIO_BLK_T_IN:
        blk_aio_preadv(blk, offset, &req->qiov, 0, virtio_blk_aio_done, req);
        break;
    case VIRTIO_BLK_T_OUT:
        blk_aio_pwritev(blk, offset, &req->qiov, 0, virtio_blk_aio_done, req);
        break;
    case VIRTIO_BLK_T_FLUSH:
        blk_aio_flush(blk, virtio_blk_aio_done, req);
        break;
    case VIRTIO_BLK_T_WRITE_ZEROES:
        blk_aio_pwrite_zeroes(blk, offset, bytes, req->unmap ? BDRV_REQ_MAY_UNMAP : 0,
                              virtio_blk_aio_done, req);
        break;
    case VIRTIO_BLK_T_DISCARD:
        blk_aio_pdiscard(blk, offset, bytes, virtio_blk_aio_done, req);
        break;
    }
}

/* The VM resumed: issue again what a stop policy kept. */
static void virtio_blk_vm_state_change(void *opaque, bool running, RunState state)
{
    VirtIOBlock *s = opaque;
    GList *link;

    while (running && (link = g_queue_pop_head_link(&s->retry))) {
        virtio_blk_start_io(link->data);
    }
}

static void virtio_blk_drop_retries(VirtIOBlock *s)
{
    GList *link;

    while ((link = g_queue_pop_head_link(&s->retry))) {
        virtio_blk_req_free(link->data);
    }
}

/* ---- requests ---- */

/* Is [sector, sector + bytes/512) inside the disk and aligned to the logical block size? */
static bool virtio_blk_range_ok(VirtIOBlock *s, uint64_t sector, uint64_t bytes)
{
    int64_t len = blk_getlength(s->blk);
    uint64_t lbs_sectors = s->logical_block_size / BDRV_SECTOR_SIZE;

    if (len < 0 || sector > (uint64_t)INT64_MAX >> BDRV_SECTOR_BITS) {
        return false;
    }
    if (sector % lbs_sectors || bytes % s->logical_block_size) {
        return false;
    }
    return (sector << BDRV_SECTOR_BITS) <= (uint64_t)len &&
           bytes <= (uint64_t)len - (sector << BDRV_SECTOR_BITS);
}

static void virtio_blk_get_id(VirtIOBlock *s, VirtIOBlockReq *req, size_t data_len)
{
    IOVector in = virtqueue_sg_vector(req->elem->in_sg, req->elem->in_num);
    uint8_t id[VIRTIO_BLK_ID_BYTES] = {0};
    size_t n = MIN(data_len, sizeof(id));

    if (s->serial) {
        memcpy(id, s->serial, MIN(strlen(s->serial), sizeof(id)));
    }
    iovec_from_buf(&in, 0, id, n);
    req->in_len = n + 1;
    virtio_blk_complete(req, VIRTIO_BLK_S_OK);
}

static void virtio_blk_discard_wz(VirtIOBlock *s, VirtIOBlockReq *req, uint32_t type,
                                  size_t data_len)
{
    bool is_wz = type == VIRTIO_BLK_T_WRITE_ZEROES;
    unsigned feature = is_wz ? VIRTIO_BLK_F_WRITE_ZEROES : VIRTIO_BLK_F_DISCARD;
    IOVector out = virtqueue_sg_vector(req->elem->out_sg, req->elem->out_num);
    uint8_t seg[16];
    uint64_t sector;
    uint32_t num, flags;

    if (!virtio_vdev_has_feature(&s->parent, feature) || data_len != sizeof(seg)) {
        virtio_blk_complete(req, VIRTIO_BLK_S_UNSUPP); /* one segment: max_*_seg is 1 */
        return;
    }
    if (s->read_only) {
        virtio_blk_complete(req, VIRTIO_BLK_S_IOERR);
        return;
    }
    iovec_to_buf(&out, VIRTIO_BLK_HDR_SIZE, seg, sizeof(seg));
    memcpy(&sector, seg, 8);
    memcpy(&num, seg + 8, 4);
    memcpy(&flags, seg + 12, 4);
    sector = GUINT64_FROM_LE(sector);
    num = GUINT32_FROM_LE(num);
    flags = GUINT32_FROM_LE(flags);
    /* §5.2.6.2: the unmap flag is for write-zeroes only; unknown flags are unsupported. */
    if (flags & ~(uint32_t)(is_wz ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0)) {
        virtio_blk_complete(req, VIRTIO_BLK_S_UNSUPP);
        return;
    }
    if (num > VIRTIO_BLK_MAX_SECTORS ||
        !virtio_blk_range_ok(s, sector, (uint64_t)num << BDRV_SECTOR_BITS)) {
        virtio_blk_complete(req, VIRTIO_BLK_S_IOERR);
        return;
    }
    req->sector = sector;
    req->num_sectors = num;
    req->unmap = flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP;
    virtio_blk_start_io(req);
}

/* False when the chain is malformed (the device is now broken and elem is freed). */
static bool virtio_blk_handle_request(VirtIOBlock *s, VirtQueue *vq, VirtQueueElement *elem)
{
    VirtIODevice *vdev = &s->parent;
    IOVector out = virtqueue_sg_vector(elem->out_sg, elem->out_num);
    IOVector in = virtqueue_sg_vector(elem->in_sg, elem->in_num);
    size_t out_len = out.size, in_len = in.size;
    uint8_t hdr[VIRTIO_BLK_HDR_SIZE];
    VirtIOBlockReq *req;
    uint32_t type;
    uint64_t sector;
    size_t data_len;
    int last;

    /* §5.2.6: the header is device-readable, the status byte device-writable. */
    if (out_len < VIRTIO_BLK_HDR_SIZE || in_len < 1) {
        virtio_error(vdev, "virtio-blk request without a %s",
                     out_len < VIRTIO_BLK_HDR_SIZE ? "16-byte header" : "status byte");
        virtqueue_element_free(elem);
        return false;
    }
    iovec_to_buf(&out, 0, hdr, sizeof(hdr));
    memcpy(&type, hdr, 4);
    memcpy(&sector, hdr + 8, 8);
    type = GUINT32_FROM_LE(type);
    sector = GUINT64_FROM_LE(sector);

    req = g_new0(VirtIOBlockReq, 1);
    req->s = s;
    req->vq = vq;
    req->elem = elem;
    req->in_len = 1;
    req->type = type;
    req->sector = sector;
    req->link.data = req;
    for (last = elem->in_num - 1; elem->in_sg[last].iov_len == 0; last--) {
    }
    req->status = (uint8_t *)elem->in_sg[last].iov_base + elem->in_sg[last].iov_len - 1;

    switch (type) {
    case VIRTIO_BLK_T_IN:
        data_len = in_len - 1;
        if (!virtio_blk_range_ok(s, sector, data_len)) {
            break;
        }
        iovec_init_slice(&req->qiov, &in, 0, data_len);
        req->in_len = data_len + 1;
        virtio_blk_start_io(req);
        return true;
    case VIRTIO_BLK_T_OUT:
        data_len = out_len - VIRTIO_BLK_HDR_SIZE;
        if (s->read_only || !virtio_blk_range_ok(s, sector, data_len)) {
            break;
        }
        iovec_init_slice(&req->qiov, &out, VIRTIO_BLK_HDR_SIZE, data_len);
        virtio_blk_start_io(req);
        return true;
    case VIRTIO_BLK_T_FLUSH:
        virtio_blk_start_io(req);
        return true;
    case VIRTIO_BLK_T_GET_ID:
        virtio_blk_get_id(s, req, in_len - 1);
        return true;
    case VIRTIO_BLK_T_DISCARD:
    case VIRTIO_BLK_T_WRITE_ZEROES:
        virtio_blk_discard_wz(s, req, type, out_len - VIRTIO_BLK_HDR_SIZE);
        return true;
    default:
        virtio_blk_complete(req, VIRTIO_BLK_S_UNSUPP);
        return true;
    }
    /* Out of range, misaligned, or a write to a read-only disk (§5.2.6.2). */
    virtio_blk_complete(req, VIRTIO_BLK_S_IOERR);
    return true;
}

static void virtio_blk_handle_output(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOBlock *s = (VirtIOBlock *)vdev;
    VirtQueueElement *elem;

    while ((elem = virtqueue_pop(vq))) {
        if (!virtio_blk_handle_request(s, vq, elem)) {
            break;
        }
    }
}

/* ---- device hooks ---- */

static uint64_t virtio_blk_get_features(VirtIODevice *vdev)
{
    VirtIOBlock *s = (VirtIOBlock *)vdev;
    uint64_t f = (1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_BLK_SIZE) |
                 (1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_BLK_F_CONFIG_WCE);

    if (s->read_only) {
        f |= 1ull << VIRTIO_BLK_F_RO;
    } else {
        f |= ((uint64_t)s->discard << VIRTIO_BLK_F_DISCARD) |
             ((uint64_t)s->write_zeroes << VIRTIO_BLK_F_WRITE_ZEROES);
    }
    if (s->num_queues > 1) {
        f |= 1ull << VIRTIO_BLK_F_MQ;
    }
    return f;
}

static bool virtio_blk_set_features(VirtIODevice *vdev, uint64_t features)
{
    VirtIOBlock *s = (VirtIOBlock *)vdev;

    /* §5.2.5.1: a driver without FLUSH gets a writethrough cache. */
    if (!virtio_has_feature(features, VIRTIO_BLK_F_FLUSH)) {
        blk_set_enable_write_cache(s->blk, false);
    }
    return true;
}

static void virtio_blk_get_config(VirtIODevice *vdev, uint8_t *c)
{
    VirtIOBlock *s = (VirtIOBlock *)vdev;
    int64_t len = blk_getlength(s->blk);

    memset(c, 0, VIRTIO_BLK_CFG_SIZE);
    virtio_stq(c + VIRTIO_BLK_CFG_CAPACITY, len > 0 ? (uint64_t)len >> BDRV_SECTOR_BITS : 0);
    virtio_stl(c + VIRTIO_BLK_CFG_SEG_MAX, s->queue_size - 2);
    virtio_stl(c + VIRTIO_BLK_CFG_BLK_SIZE, s->logical_block_size);
    c[VIRTIO_BLK_CFG_WRITEBACK] = blk_enable_write_cache(s->blk);
    virtio_stw(c + VIRTIO_BLK_CFG_NUM_QUEUES, s->num_queues);
    virtio_stl(c + VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS, VIRTIO_BLK_MAX_SECTORS);
    virtio_stl(c + VIRTIO_BLK_CFG_MAX_DISCARD_SEG, 1);
    virtio_stl(c + VIRTIO_BLK_CFG_DISCARD_SECTOR_ALIGNMENT,
               s->logical_block_size / BDRV_SECTOR_SIZE);
    virtio_stl(c + VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS, VIRTIO_BLK_MAX_SECTORS);
    virtio_stl(c + VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG, 1);
    c[VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP] = 1;
}

static void virtio_blk_set_config(VirtIODevice *vdev, const uint8_t *c)
{
    VirtIOBlock *s = (VirtIOBlock *)vdev;

    /* §5.2.5: writeback is the only writable field, with CONFIG_WCE. */
    if (virtio_vdev_has_feature(vdev, VIRTIO_BLK_F_CONFIG_WCE)) {
        blk_set_enable_write_cache(s->blk, c[VIRTIO_BLK_CFG_WRITEBACK] != 0);
    }
}

static void virtio_blk_reset(VirtIODevice *vdev)
{
    VirtIOBlock *s = (VirtIOBlock *)vdev;
    GList *link;

    /* No worker may write guest memory for the old rings once we return. */
    if (s->blk) {
        blk_drain(s->blk);
    }
    while ((link = g_queue_pop_head_link(&s->inflight))) {
        VirtIOBlockReq *req = link->data;
        req->cancelled = true; /* its completion is already queued in the main loop */
    }
    virtio_blk_drop_retries(s);
    if (s->blk) {
        blk_set_enable_write_cache(s->blk, s->wce_default);
    }
}

static bool virtio_blk_realize(VirtIODevice *vdev, GError **errp)
{
    VirtIOBlock *s = (VirtIOBlock *)vdev;
    DriveInfo *dinfo;
    unsigned lbs = s->logical_block_size;

    if (!s->blk) {
        error_setg(errp, "virtio-blk-device: drive=ID is required (-drive ...,if=none,id=ID)");
        return false;
    }
    if (s->queue_size < 4 || s->queue_size > 1024 || (s->queue_size & (s->queue_size - 1))) {
        error_setg(errp, "virtio-blk-device: queue-size=%u must be a power of 2 in 4..1024",
                   s->queue_size);
        return false;
    }
    if (s->num_queues < 1 || s->num_queues > VIRTIO_MAX_QUEUES) {
        error_setg(errp, "virtio-blk-device: num-queues=%u must be in 1..%d", s->num_queues,
                   VIRTIO_MAX_QUEUES);
        return false;
    }
    if (lbs < 512 || lbs > 32768 || (lbs & (lbs - 1))) {
        error_setg(errp, "virtio-blk-device: logical_block_size=%u must be a power of 2 in "
                   "512..32768", lbs);
        return false;
    }
    if (!drive_attach(s->blk, virtio_device_owner(vdev), errp)) {
        return false;
    }
    dinfo = drive_get_by_blk(s->blk);
    if (!s->serial && dinfo) {
        s->serial = (char *)drive_get_serial(dinfo);
    }
    s->read_only = bdrv_is_read_only(blk_bs(s->blk));
    s->wce_default = blk_enable_write_cache(s->blk);
    g_queue_init(&s->inflight);
    g_queue_init(&s->retry);
    vm_state_notifier_add(virtio_blk_vm_state_change, s);
    virtio_init(vdev, "virtio-blk", VIRTIO_ID_BLOCK, VIRTIO_BLK_CFG_SIZE);
    for (unsigned i = 0; i < s->num_queues; i++) {
        virtio_add_queue(vdev, s->queue_size, virtio_blk_handle_output);
    }
    return true;
}

static void virtio_blk_unrealize(VirtIODevice *vdev)
{
    VirtIOBlock *s = (VirtIOBlock *)vdev;

    vm_state_notifier_remove(virtio_blk_vm_state_change, s);
    virtio_blk_drop_retries(s);
    drive_detach(s->blk);
}

static const Property virtio_blk_props[] = {
    DEFINE_PROP_LINK("drive", "drive", VirtIOBlock, blk, "ID of a -drive or -blockdev"),
    DEFINE_PROP_STRING("serial", VirtIOBlock, serial, NULL, "disk serial (GET_ID), 20 bytes"),
    DEFINE_PROP_U16("queue-size", VirtIOBlock, queue_size, 256, "virtqueue size"),
    DEFINE_PROP_U16("num-queues", VirtIOBlock, num_queues, 1, "number of request queues"),
    DEFINE_PROP_U32("logical_block_size", VirtIOBlock, logical_block_size, 512,
                    "logical block size in bytes"),
    DEFINE_PROP_BOOL("discard", VirtIOBlock, discard, true, "offer VIRTIO_BLK_F_DISCARD"),
    DEFINE_PROP_BOOL("write-zeroes", VirtIOBlock, write_zeroes, true,
                     "offer VIRTIO_BLK_F_WRITE_ZEROES"),
    DEFINE_PROP_END,
};

static VirtioDeviceClass virtio_blk_class = {
    .parent = {
        .name = TYPE_VIRTIO_BLK,
        .parent = TYPE_VIRTIO_DEVICE,
        .desc = "virtio block device",
        .category = "storage",
        .instance_size = sizeof(VirtIOBlock),
        .bus_type = BUS_VIRTIO,
        .user_creatable = true,
        .props = virtio_blk_props,
    },
    .realize = virtio_blk_realize,
    .unrealize = virtio_blk_unrealize,
    .reset = virtio_blk_reset,
    .get_features = virtio_blk_get_features,
    .set_features = virtio_blk_set_features,
    .get_config = virtio_blk_get_config,
    .set_config = virtio_blk_set_config,
};

MIMIC_INIT(virtio_blk_register)
{
    device_class_register(&virtio_blk_class.parent);
}
