/*
 * virtio-net (virtio 1.2 §5.1): an Ethernet NIC with one receive and one
 * transmit queue, and a control queue. It joins a network backend through
 * the net core (its NICState); it knows neither its transport nor the backend.
 *
 * Receive: a packet from the backend fills one device-writable chain, or
 * several with mergeable buffers (MRG_RXBUF, num_buffers in the header).
 * Without room the net core queues the packet and we flush it when the driver
 * adds buffers, so nothing is lost to a slow guest.
 *
 * Transmit: the header is stripped for a backend without vnet headers, and a
 * checksum the driver left to us (CSUM) is filled in here. Segmentation
 * offloads (HOST/GUEST_TSO4/6, ECN) are offered only when the backend carries
 * the vnet header (tap with vnet_hdr=on), which passes them to the host kernel.
 *
 * Control queue: rx modes (promiscuous, all-multicast, ... §5.1.6.5.1), the
 * MAC filter table and address, and the VLAN filter. Left out: multiqueue,
 * UFO, guest announce, RSS, the MTU and speed/duplex fields.
 */
#include "hw/virtio/virtio-net.h"
#include "block/iov.h"
#include "net/checksum.h"
#include "net/net.h"
#include "util/error.h"
#include <limits.h>

#define VIRTIO_NET_QUEUE_SIZE_DEFAULT 256
#define VIRTIO_NET_MAC_TABLE_ENTRIES 64
#define VIRTIO_NET_CTRL_MAX_ADDRS 1024 /* in one MAC_TABLE_SET command */
#define VIRTIO_NET_MAX_VLAN 4096
#define VIRTIO_NET_RX_MAX_CHAINS 256 /* mergeable buffers per packet */
#define ETH_HLEN 14
#define ETH_P_VLAN 0x8100

enum { RX_QUEUE, TX_QUEUE, CTRL_QUEUE };

typedef struct VirtIONetNIC {
    NICState nic;
    struct VirtIONet *dev;
} VirtIONetNIC;

typedef struct VirtIONet {
    VirtIODevice parent;
    NICConf conf;
    char *mac_str;
    bool mrg_rxbuf_prop;
    bool csum_prop;
    bool guest_csum_prop;
    bool ctrl_vq_prop;
    uint16_t rx_queue_size;
    uint16_t tx_queue_size;
    VirtIONetNIC *nic;
    VirtQueue *rx_vq, *tx_vq, *ctrl_vq;
    bool vnet_hdr; /* the backend carries NetVnetHdr in front of every packet */
    bool tx_waiting; /* the backend queued our last packet: wait for its callback */
    uint16_t status;
    /* rx filter (§5.1.6.5.1, §5.1.6.5.2) */
    bool promisc, allmulti, alluni, nomulti, nouni, nobcast;
    MACAddr mac;
    unsigned uni_count, multi_count;
    bool uni_overflow, multi_overflow;
    MACAddr mac_table[VIRTIO_NET_MAC_TABLE_ENTRIES]; /* unicast first, then multicast */
    uint32_t vlans[VIRTIO_NET_MAX_VLAN / 32];
    uint8_t tx_buf[VIRTIO_NET_HDR_SIZE + NET_MAX_FRAME_SIZE];
} VirtIONet;

static VirtIONet *virtio_net_of(NetClient *nc)
{
    return ((VirtIONetNIC *)nc)->dev;
}

static bool virtio_net_link_up(VirtIONet *s)
{
    return !s->nic->nic.nc.link_down;
}

/* ---- receive ---- */

static bool virtio_net_can_receive(NetClient *nc)
{
    VirtIONet *s = virtio_net_of(nc);

    if (!virtio_device_ok(&s->parent) || !s->rx_vq->ready) {
        return false;
    }
    if (virtio_queue_empty(s->rx_vq)) {
        /* Ask for a kick when buffers arrive, then look once more (the race). */
        virtio_queue_set_notification(s->rx_vq, true);
        return !virtio_queue_empty(s->rx_vq);
    }
    return true;
}

static bool vlan_allowed(VirtIONet *s, uint16_t vid)
{
    return s->vlans[vid >> 5] & (1u << (vid & 31));
}

static bool mac_in(const MACAddr *table, unsigned n, const uint8_t *mac)
{
    for (unsigned i = 0; i < n; i++) {
        if (memcmp(table[i].a, mac, 6) == 0) {
            return true;
        }
    }
    return false;
}

/* Does the driver want this frame (rx mode, MAC table, VLAN filter)? */
static bool virtio_net_rx_filter(VirtIONet *s, const uint8_t *frame, size_t len)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

    if (s->promisc) {
        return true;
    }
    if (len < ETH_HLEN) {
        return false;
    }
    if (len >= ETH_HLEN + 2 && ((frame[12] << 8) | frame[13]) == ETH_P_VLAN &&
        !vlan_allowed(s, ((frame[14] << 8) | frame[15]) & 0xfff)) {
        return false;
    }
    if (frame[0] & 1) {
        if (memcmp(frame, bcast, 6) == 0) {
            return !s->nobcast;
        }
        if (s->nomulti) {
            return false;
        }
        return s->allmulti || s->multi_overflow ||
               mac_in(s->mac_table + s->uni_count, s->multi_count, frame);
    }
    if (s->nouni) {
        return false;
    }
    return s->alluni || s->uni_overflow || memcmp(frame, s->mac.a, 6) == 0 ||
           mac_in(s->mac_table, s->uni_count, frame);
}

static void virtio_net_unpop_all(VirtIONet *s, VirtQueueElement **elems, unsigned n)
{
    while (n) {
        virtqueue_unpop(s->rx_vq, elems[--n]);
    }
}

/*
 * Pop chains until they hold need bytes (one chain without MRG_RXBUF). Returns
 * how many; 0 when the ring ran dry (all put back, *popped says how far it
 * got); -1 when the buffers can never hold the packet.
 */
static int virtio_net_rx_pop(VirtIONet *s, size_t need, VirtQueueElement **elems, size_t *lens,
                             unsigned *popped)
{
    bool mergeable = virtio_vdev_has_feature(&s->parent, VIRTIO_NET_F_MRG_RXBUF);
    unsigned n = 0;
    size_t have = 0;

    while (have < need) {
        VirtQueueElement *e;

        if (n == (mergeable ? VIRTIO_NET_RX_MAX_CHAINS : 1)) {
            virtio_net_unpop_all(s, elems, n);
            return -1;
        }
        if (!(e = virtqueue_pop(s->rx_vq))) {
            *popped = n;
            virtio_net_unpop_all(s, elems, n);
            return 0;
        }
        lens[n] = MIN(iov_size(e->in_sg, e->in_num), need - have);
        if (lens[n] == 0 || (n == 0 && lens[n] < VIRTIO_NET_HDR_SIZE)) {
            virtqueue_unpop(s->rx_vq, e);
            virtio_net_unpop_all(s, elems, n);
            virtio_error(&s->parent, "virtio-net: receive buffer of %zu bytes is too small",
                         lens[n]);
            return -1;
        }
        elems[n++] = e;
        have += lens[n - 1];
    }
    return n;
}

/*
 * As virtio_net_rx_pop, but when the ring runs dry ask the driver for a kick
 * and look again: buffers it added before the request would bring no kick.
 */
static int virtio_net_rx_gather(VirtIONet *s, size_t need, VirtQueueElement **elems,
                                size_t *lens)
{
    unsigned popped = 0, last = UINT_MAX;
    int n;

    while ((n = virtio_net_rx_pop(s, need, elems, lens, &popped)) == 0 && popped != last) {
        last = popped;
        virtio_queue_set_notification(s->rx_vq, true);
    }
    return n;
}

static ssize_t virtio_net_receive(NetClient *nc, const uint8_t *buf, size_t size)
{
    VirtIONet *s = virtio_net_of(nc);
    VirtQueueElement *elems[VIRTIO_NET_RX_MAX_CHAINS];
    size_t lens[VIRTIO_NET_RX_MAX_CHAINS];
    uint8_t hdr[VIRTIO_NET_HDR_SIZE] = {0};
    const uint8_t *frame = buf;
    size_t frame_len = size, off = 0;
    int n;

    if (s->vnet_hdr) {
        if (size < sizeof(NetVnetHdr)) {
            return size;
        }
        memcpy(hdr, buf, VIRTIO_NET_HDR_SIZE);
        frame += sizeof(NetVnetHdr);
        frame_len -= sizeof(NetVnetHdr);
    }
    /* The net core asked virtio_net_can_receive just now; an empty ring comes back as 0 below. */
    if (!virtio_net_rx_filter(s, frame, frame_len)) {
        return size;
    }
    n = virtio_net_rx_gather(s, VIRTIO_NET_HDR_SIZE + frame_len, elems, lens);
    if (n <= 0) {
        return n == 0 ? 0 : (ssize_t)size; /* no room yet: queue; unusable: drop */
    }
    virtio_stw(hdr + 10, n); /* num_buffers */
    for (int i = 0; i < n; i++) {
        IOVector v = virtqueue_sg_vector(elems[i]->in_sg, elems[i]->in_num);
        size_t done = 0;

        if (i == 0) {
            done = iovec_from_buf(&v, 0, hdr, VIRTIO_NET_HDR_SIZE);
        }
        iovec_from_buf(&v, done, frame + off, lens[i] - done);
        off += lens[i] - done;
    }
    /* Publish the chains back to back: the driver reads num_buffers of them at once. */
    for (int i = 0; i < n; i++) {
        virtqueue_push(s->rx_vq, elems[i], lens[i]);
    }
    virtio_notify(&s->parent, s->rx_vq);
    return size;
}

static void virtio_net_handle_rx(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIONet *s = (VirtIONet *)vdev;

    virtio_queue_set_notification(vq, false);
    net_flush_queued(&s->nic->nic.nc);
}

/* ---- transmit ---- */

/*
 * NEEDS_CSUM (§5.1.6.2): the driver left the checksum from csum_start to the
 * end of the packet for us, to be stored at csum_start + csum_offset; the
 * field holds the pseudo-header sum already.
 */
static void virtio_net_fill_csum(VirtIONet *s, uint8_t *frame, size_t len, const uint8_t *hdr)
{
    uint16_t start = hdr[6] | (hdr[7] << 8), offset = hdr[8] | (hdr[9] << 8);
    uint16_t sum;

    if (start >= len || offset > len - start - 2) {
        virtio_error(&s->parent, "virtio-net: checksum at %u+%u is outside a %zu-byte packet",
                     start, offset, len);
        return;
    }
    sum = ~net_checksum_fold(net_checksum_add(0, frame + start, len - start));
    frame[start + offset] = sum >> 8;
    frame[start + offset + 1] = sum;
}

static void virtio_net_flush_tx(VirtIONet *s);

static void virtio_net_tx_sent(NetClient *nc, ssize_t ret)
{
    VirtIONet *s = virtio_net_of(nc);

    s->tx_waiting = false;
    virtio_queue_set_notification(s->tx_vq, true);
    virtio_net_flush_tx(s);
}

/* One chain from the tx ring to the backend; false when the device broke. */
static bool virtio_net_tx_one(VirtIONet *s, VirtQueueElement *e)
{
    IOVector v = virtqueue_sg_vector(e->out_sg, e->out_num);
    uint8_t *pkt = s->tx_buf;
    size_t len;

    if (v.size < VIRTIO_NET_HDR_SIZE || v.size > sizeof(s->tx_buf)) {
        virtio_error(&s->parent, "virtio-net: transmit chain of %zu bytes (header %d, at most "
                                 "%zu)",
                     v.size, VIRTIO_NET_HDR_SIZE, sizeof(s->tx_buf));
        virtqueue_push(s->tx_vq, e, 0);
        return false;
    }
    len = iovec_to_buf(&v, 0, pkt, v.size);
    virtqueue_push(s->tx_vq, e, 0);
    if (!s->vnet_hdr) {
        if (pkt[0] & NET_VNET_HDR_F_NEEDS_CSUM) {
            virtio_net_fill_csum(s, pkt + VIRTIO_NET_HDR_SIZE, len - VIRTIO_NET_HDR_SIZE, pkt);
        }
        pkt += VIRTIO_NET_HDR_SIZE;
        len -= VIRTIO_NET_HDR_SIZE;
    }
    if (net_send_async(&s->nic->nic.nc, pkt, len, virtio_net_tx_sent) == 0) {
        s->tx_waiting = true;
    }
    return !s->parent.broken;
}

static void virtio_net_flush_tx(VirtIONet *s)
{
    VirtQueueElement *e;
    bool pushed = false;

    if (!virtio_device_ok(&s->parent)) {
        return;
    }
    while (!s->tx_waiting && (e = virtqueue_pop(s->tx_vq))) {
        pushed = true;
        if (!virtio_net_tx_one(s, e)) {
            break;
        }
    }
    if (s->tx_waiting) {
        virtio_queue_set_notification(s->tx_vq, false);
    }
    if (pushed) {
        virtio_notify(&s->parent, s->tx_vq);
    }
}

static void virtio_net_handle_tx(VirtIODevice *vdev, VirtQueue *vq)
{
    virtio_net_flush_tx((VirtIONet *)vdev);
}

/* ---- control queue ---- */

static uint8_t virtio_net_ctrl_rx(VirtIONet *s, uint8_t cmd, const uint8_t *data, size_t len)
{
    bool *modes[] = {
        [VIRTIO_NET_CTRL_RX_PROMISC] = &s->promisc, [VIRTIO_NET_CTRL_RX_ALLMULTI] = &s->allmulti,
        [VIRTIO_NET_CTRL_RX_ALLUNI] = &s->alluni,   [VIRTIO_NET_CTRL_RX_NOMULTI] = &s->nomulti,
        [VIRTIO_NET_CTRL_RX_NOUNI] = &s->nouni,     [VIRTIO_NET_CTRL_RX_NOBCAST] = &s->nobcast,
    };

    if (len != 1 || cmd >= ARRAY_SIZE(modes) ||
        (cmd > VIRTIO_NET_CTRL_RX_ALLMULTI &&
         !virtio_vdev_has_feature(&s->parent, VIRTIO_NET_F_CTRL_RX_EXTRA))) {
        return VIRTIO_NET_ERR;
    }
    *modes[cmd] = data[0];
    return VIRTIO_NET_OK;
}

/* One table of the MAC_TABLE_SET command: le32 count, then count addresses. */
static bool virtio_net_take_mac_table(VirtIONet *s, const uint8_t **data, size_t *len,
                                      unsigned *count, bool *overflow)
{
    uint32_t n;

    if (*len < 4) {
        return false;
    }
    n = (*data)[0] | ((*data)[1] << 8) | ((*data)[2] << 16) | ((uint32_t)(*data)[3] << 24);
    *data += 4;
    *len -= 4;
    if (n > *len / 6) {
        return false;
    }
    *count = 0;
    *overflow = false;
    if (n > VIRTIO_NET_MAC_TABLE_ENTRIES - s->uni_count) {
        *overflow = true;
    } else {
        memcpy(s->mac_table + s->uni_count, *data, n * 6);
        *count = n;
    }
    *data += n * 6;
    *len -= n * 6;
    return true;
}

static uint8_t virtio_net_ctrl_mac(VirtIONet *s, uint8_t cmd, const uint8_t *data, size_t len)
{
    if (cmd == VIRTIO_NET_CTRL_MAC_ADDR_SET && len == 6) {
        memcpy(s->mac.a, data, 6);
        net_nic_update_info_str(&s->nic->nic, &s->mac);
        return VIRTIO_NET_OK;
    }
    if (cmd != VIRTIO_NET_CTRL_MAC_TABLE_SET) {
        return VIRTIO_NET_ERR;
    }
    s->uni_count = s->multi_count = 0;
    if (!virtio_net_take_mac_table(s, &data, &len, &s->uni_count, &s->uni_overflow) ||
        !virtio_net_take_mac_table(s, &data, &len, &s->multi_count, &s->multi_overflow) ||
        len != 0) {
        s->uni_count = s->multi_count = 0;
        return VIRTIO_NET_ERR;
    }
    return VIRTIO_NET_OK;
}

static uint8_t virtio_net_ctrl_vlan(VirtIONet *s, uint8_t cmd, const uint8_t *data, size_t len)
{
    uint16_t vid;

    if (len != 2) {
        return VIRTIO_NET_ERR;
    }
    vid = data[0] | (data[1] << 8);
    if (vid >= VIRTIO_NET_MAX_VLAN) {
        return VIRTIO_NET_ERR;
    }
    if (cmd == VIRTIO_NET_CTRL_VLAN_ADD) {
        s->vlans[vid >> 5] |= 1u << (vid & 31);
    } else if (cmd == VIRTIO_NET_CTRL_VLAN_DEL) {
        s->vlans[vid >> 5] &= ~(1u << (vid & 31));
    } else {
        return VIRTIO_NET_ERR;
    }
    return VIRTIO_NET_OK;
}

static uint8_t virtio_net_ctrl_command(VirtIONet *s, const uint8_t *cmd, size_t len)
{
    if (len < 2) {
        return VIRTIO_NET_ERR;
    }
    switch (cmd[0]) {
    case VIRTIO_NET_CTRL_RX:
        return virtio_net_ctrl_rx(s, cmd[1], cmd + 2, len - 2);
    case VIRTIO_NET_CTRL_MAC:
        return virtio_net_ctrl_mac(s, cmd[1], cmd + 2, len - 2);
    case VIRTIO_NET_CTRL_VLAN:
        return virtio_net_ctrl_vlan(s, cmd[1], cmd + 2, len - 2);
    default:
        return VIRTIO_NET_ERR;
    }
}

static void virtio_net_handle_ctrl(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIONet *s = (VirtIONet *)vdev;
    VirtQueueElement *e;
    /* Room for tables longer than ours: they mean "overflow", not an error. */
    uint8_t cmd[2 + 8 + VIRTIO_NET_CTRL_MAX_ADDRS * 6];

    while ((e = virtqueue_pop(vq))) {
        IOVector out = virtqueue_sg_vector(e->out_sg, e->out_num);
        IOVector in = virtqueue_sg_vector(e->in_sg, e->in_num);
        uint8_t ack = VIRTIO_NET_ERR;

        if (in.size < 1) {
            virtio_error(vdev, "virtio-net: control command without room for the ack");
            virtqueue_push(vq, e, 0);
            break;
        }
        if (out.size <= sizeof(cmd)) {
            ack = virtio_net_ctrl_command(s, cmd, iovec_to_buf(&out, 0, cmd, out.size));
        }
        iovec_from_buf(&in, in.size - 1, &ack, 1);
        virtqueue_push(vq, e, in.size);
    }
    virtio_notify(vdev, vq);
}

/* ---- device ---- */

static uint64_t virtio_net_get_features(VirtIODevice *vdev)
{
    VirtIONet *s = (VirtIONet *)vdev;
    uint64_t f = (1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_STATUS);

    f |= (uint64_t)s->mrg_rxbuf_prop << VIRTIO_NET_F_MRG_RXBUF;
    f |= (uint64_t)s->csum_prop << VIRTIO_NET_F_CSUM;
    f |= (uint64_t)s->guest_csum_prop << VIRTIO_NET_F_GUEST_CSUM;
    if (s->ctrl_vq_prop) {
        f |= (1ull << VIRTIO_NET_F_CTRL_VQ) | (1ull << VIRTIO_NET_F_CTRL_RX) |
             (1ull << VIRTIO_NET_F_CTRL_VLAN) | (1ull << VIRTIO_NET_F_CTRL_RX_EXTRA) |
             (1ull << VIRTIO_NET_F_CTRL_MAC_ADDR);
    }
    if (net_peer_has_vnet_hdr(&s->nic->nic.nc)) {
        if (s->csum_prop) {
            f |= (1ull << VIRTIO_NET_F_HOST_TSO4) | (1ull << VIRTIO_NET_F_HOST_TSO6) |
                 (1ull << VIRTIO_NET_F_HOST_ECN);
        }
        if (s->guest_csum_prop) {
            f |= (1ull << VIRTIO_NET_F_GUEST_TSO4) | (1ull << VIRTIO_NET_F_GUEST_TSO6) |
                 (1ull << VIRTIO_NET_F_GUEST_ECN);
        }
    }
    return f;
}

static bool virtio_net_set_features(VirtIODevice *vdev, uint64_t features)
{
    VirtIONet *s = (VirtIONet *)vdev;
    NetClient *nc = &s->nic->nic.nc;
    NetOffloads o = {
        .csum = virtio_has_feature(features, VIRTIO_NET_F_GUEST_CSUM),
        .tso4 = virtio_has_feature(features, VIRTIO_NET_F_GUEST_TSO4),
        .tso6 = virtio_has_feature(features, VIRTIO_NET_F_GUEST_TSO6),
        .ecn = virtio_has_feature(features, VIRTIO_NET_F_GUEST_ECN),
    };

    if (s->vnet_hdr != net_peer_has_vnet_hdr(nc)) {
        /* What waits for us came in the other format. */
        net_purge_queued(nc);
        s->vnet_hdr = !s->vnet_hdr;
    }
    net_peer_set_vnet_hdr(nc, s->vnet_hdr);
    net_peer_set_offload(nc, &o);
    /* Without a VLAN filter every VLAN passes (§5.1.6.5.3). */
    memset(s->vlans, virtio_has_feature(features, VIRTIO_NET_F_CTRL_VLAN) ? 0 : 0xff,
           sizeof(s->vlans));
    return true;
}

static void virtio_net_get_config(VirtIODevice *vdev, uint8_t *c)
{
    VirtIONet *s = (VirtIONet *)vdev;

    memcpy(c + VIRTIO_NET_CFG_MAC, s->mac.a, 6);
    virtio_stw(c + VIRTIO_NET_CFG_STATUS, s->status);
    virtio_stw(c + VIRTIO_NET_CFG_MAX_VQ_PAIRS, 1);
}

/* Drivers without CTRL_MAC_ADDR set the address by writing the config space. */
static void virtio_net_set_config(VirtIODevice *vdev, const uint8_t *c)
{
    VirtIONet *s = (VirtIONet *)vdev;

    if (!virtio_vdev_has_feature(vdev, VIRTIO_NET_F_CTRL_MAC_ADDR) &&
        memcmp(c + VIRTIO_NET_CFG_MAC, s->mac.a, 6) != 0) {
        memcpy(s->mac.a, c + VIRTIO_NET_CFG_MAC, 6);
        net_nic_update_info_str(&s->nic->nic, &s->mac);
    }
}

static void virtio_net_set_status(VirtIODevice *vdev, uint8_t status)
{
    VirtIONet *s = (VirtIONet *)vdev;

    if (virtio_device_ok(vdev)) {
        net_flush_queued(&s->nic->nic.nc);
        virtio_net_flush_tx(s);
    }
}

static void virtio_net_link_status_changed(NetClient *nc)
{
    VirtIONet *s = virtio_net_of(nc);
    uint16_t old = s->status;

    s->status = virtio_net_link_up(s) ? VIRTIO_NET_S_LINK_UP : 0;
    if (s->status != old) {
        virtio_notify_config(&s->parent);
    }
}

static void virtio_net_reset(VirtIODevice *vdev)
{
    VirtIONet *s = (VirtIONet *)vdev;

    net_purge_queued(&s->nic->nic.nc);
    s->tx_waiting = false;
    s->vnet_hdr = false;
    net_peer_set_vnet_hdr(&s->nic->nic.nc, false);
    /* QEMU's defaults: promiscuous until the driver says otherwise. */
    s->promisc = true;
    s->allmulti = s->alluni = s->nomulti = s->nouni = s->nobcast = false;
    s->uni_count = s->multi_count = 0;
    s->uni_overflow = s->multi_overflow = false;
    s->mac = s->conf.macaddr;
    net_nic_update_info_str(&s->nic->nic, &s->mac);
    memset(s->vlans, 0xff, sizeof(s->vlans));
}

static const NetClientInfo virtio_net_nic_info = {
    .type = NET_CLIENT_DRIVER_NIC,
    .size = sizeof(VirtIONetNIC),
    .receive = virtio_net_receive,
    .can_receive = virtio_net_can_receive,
    .link_status_changed = virtio_net_link_status_changed,
};

static bool virtio_net_check_queue_size(uint16_t size, const char *name, GError **errp)
{
    if (size < 8 || size > 1024 || (size & (size - 1))) {
        error_setg(errp, "virtio-net-device: %s=%u must be a power of 2 from 8 to 1024", name,
                   size);
        return false;
    }
    return true;
}

static bool virtio_net_realize(VirtIODevice *vdev, GError **errp)
{
    VirtIONet *s = (VirtIONet *)vdev;
    DeviceState *owner = virtio_device_owner(vdev);

    if (!virtio_net_check_queue_size(s->rx_queue_size, "rx_queue_size", errp) ||
        !virtio_net_check_queue_size(s->tx_queue_size, "tx_queue_size", errp) ||
        !net_nic_conf_init(&s->conf, s->mac_str, TYPE_VIRTIO_NET, errp)) {
        return false;
    }
    s->nic = (VirtIONetNIC *)net_nic_new(&virtio_net_nic_info, &s->conf, device_type(owner),
                                         owner->id, s, errp);
    if (!s->nic) {
        return false;
    }
    s->nic->dev = s;
    virtio_init(vdev, "virtio-net", VIRTIO_ID_NET, VIRTIO_NET_CFG_SIZE);
    s->rx_vq = virtio_add_queue(vdev, s->rx_queue_size, virtio_net_handle_rx);
    s->tx_vq = virtio_add_queue(vdev, s->tx_queue_size, virtio_net_handle_tx);
    s->ctrl_vq = virtio_add_queue(vdev, 64, virtio_net_handle_ctrl);
    s->status = virtio_net_link_up(s) ? VIRTIO_NET_S_LINK_UP : 0;
    virtio_net_reset(vdev);
    return true;
}

static void virtio_net_unrealize(VirtIODevice *vdev)
{
    VirtIONet *s = (VirtIONet *)vdev;

    if (s->nic) {
        net_nic_delete(&s->nic->nic);
        s->nic = NULL;
    }
}

static const Property virtio_net_props[] = {
    DEFINE_PROP_LINK("netdev", "netdev", VirtIONet, conf.peer, "ID of a -netdev backend"),
    DEFINE_PROP_STRING("mac", VirtIONet, mac_str, NULL,
                       "MAC address (default 52:54:00:12:34:56 + NIC index)"),
    DEFINE_PROP_BOOL("mrg_rxbuf", VirtIONet, mrg_rxbuf_prop, true, "mergeable receive buffers"),
    DEFINE_PROP_BOOL("csum", VirtIONet, csum_prop, true, "the driver may leave checksums to us"),
    DEFINE_PROP_BOOL("guest_csum", VirtIONet, guest_csum_prop, true,
                     "packets may reach the driver with partial checksums"),
    DEFINE_PROP_BOOL("ctrl_vq", VirtIONet, ctrl_vq_prop, true,
                     "control queue: rx modes, MAC and VLAN filters"),
    DEFINE_PROP_U16("rx_queue_size", VirtIONet, rx_queue_size, VIRTIO_NET_QUEUE_SIZE_DEFAULT,
                    "receive virtqueue size"),
    DEFINE_PROP_U16("tx_queue_size", VirtIONet, tx_queue_size, VIRTIO_NET_QUEUE_SIZE_DEFAULT,
                    "transmit virtqueue size"),
    DEFINE_PROP_END,
};

static VirtioDeviceClass virtio_net_class = {
    .parent = {
        .name = TYPE_VIRTIO_NET,
        .parent = TYPE_VIRTIO_DEVICE,
        .desc = "virtio network device",
        .category = "network",
        .instance_size = sizeof(VirtIONet),
        .bus_type = BUS_VIRTIO,
        .user_creatable = true,
        .props = virtio_net_props,
    },
    .realize = virtio_net_realize,
    .unrealize = virtio_net_unrealize,
    .reset = virtio_net_reset,
    .get_features = virtio_net_get_features,
    .set_features = virtio_net_set_features,
    .get_config = virtio_net_get_config,
    .set_config = virtio_net_set_config,
    .set_status = virtio_net_set_status,
};

MIMIC_INIT(virtio_net_register)
{
    device_class_register(&virtio_net_class.parent);
}
