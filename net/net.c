/*
 * The network core: clients, peers, per-receiver queues, link state and the
 * NIC helpers (default MAC addresses). See include/net/net.h for the rules a
 * sender and a receiver follow.
 */
#include "net/net.h"
#include "util/error.h"
#include "util/iov.h"

struct NetPacket {
    NetClient *sender;
    NetSentCallback *sent_cb;
    size_t size;
    uint8_t data[];
};

static GPtrArray *net_clients; /* of NetClient*, creation order */

static void iov_copy_out(uint8_t *dst, const struct iovec *iov, int iovcnt)
{
    for (int i = 0; i < iovcnt; i++) {
        memcpy(dst, iov[i].iov_base, iov[i].iov_len);
        dst += iov[i].iov_len;
    }
}

NetClient *net_client_find(const char *name)
{
    for (guint i = 0; net_clients && i < net_clients->len; i++) {
        NetClient *nc = g_ptr_array_index(net_clients, i);
        if (strcmp(nc->name, name) == 0) {
            return nc;
        }
    }
    return NULL;
}

/* "model.N", the first N no client has taken. */
static char *net_client_default_name(const char *model)
{
    for (unsigned n = 0;; n++) {
        char *name = g_strdup_printf("%s.%u", model, n);
        if (!net_client_find(name)) {
            return name;
        }
        g_free(name);
    }
}

NetClient *net_client_new(const NetClientInfo *info, NetClient *peer, const char *model,
                          const char *name, GError **errp)
{
    NetClient *nc;

    g_assert(info->size >= sizeof(NetClient) && info->receive);
    if (peer && peer->peer) {
        error_setg(errp, "network backend '%s' is already in use by '%s'", peer->name,
                   peer->peer->name);
        return NULL;
    }
    nc = g_malloc0(info->size);
    nc->info = info;
    nc->model = g_strdup(model);
    nc->name = name ? g_strdup(name) : net_client_default_name(model);
    g_queue_init(&nc->incoming);
    if (peer) {
        nc->peer = peer;
        peer->peer = nc;
    }
    if (!net_clients) {
        net_clients = g_ptr_array_new();
    }
    g_ptr_array_add(net_clients, nc);
    return nc;
}

void net_client_set_info_str(NetClient *nc, const char *fmt, ...)
{
    va_list ap;

    g_free(nc->info_str);
    va_start(ap, fmt);
    nc->info_str = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

void net_client_foreach(void (*fn)(NetClient *nc, void *opaque), void *opaque)
{
    for (guint i = 0; net_clients && i < net_clients->len; i++) {
        fn(g_ptr_array_index(net_clients, i), opaque);
    }
}

/* The packet left receiver's queue; tell its sender unless the sender is going away. */
static void net_packet_done(NetClient *receiver, NetPacket *p, ssize_t ret, bool tell_sender)
{
    if (!p->sent_cb) {
        receiver->queued_without_cb--;
    } else if (tell_sender) {
        p->sent_cb(p->sender, ret);
    }
    g_free(p);
}

/* Drop the packets waiting in receiver's queue that came from sender (NULL: all). */
static void net_purge_from(NetClient *receiver, NetClient *sender)
{
    GList *l = receiver->incoming.head;

    while (l) {
        GList *next = l->next;
        NetPacket *p = l->data;
        if (!sender || p->sender == sender) {
            g_queue_delete_link(&receiver->incoming, l);
            net_packet_done(receiver, p, 0, !sender);
        }
        l = next;
    }
}

void net_purge_queued(NetClient *nc)
{
    net_purge_from(nc, NULL);
}

void net_client_delete(NetClient *nc)
{
    NetClient *peer = nc->peer;

    if (peer) {
        net_purge_from(peer, nc);
        peer->peer = NULL;
        nc->peer = NULL;
    }
    net_purge_from(nc, NULL);
    if (nc->info->cleanup) {
        nc->info->cleanup(nc);
    }
    g_ptr_array_remove(net_clients, nc);
    g_free(nc->name);
    g_free(nc->model);
    g_free(nc->info_str);
    g_free(nc);
}

/* ---- sending ---- */

static bool net_client_can_take(NetClient *nc)
{
    return !nc->receive_disabled && (!nc->info->can_receive || nc->info->can_receive(nc));
}

bool net_can_send(NetClient *nc)
{
    return nc->peer && g_queue_is_empty(&nc->peer->incoming) && net_client_can_take(nc->peer);
}

static ssize_t net_deliver(NetClient *to, const struct iovec *iov, int iovcnt)
{
    ssize_t ret;

    if (to->info->receive_iov) {
        ret = to->info->receive_iov(to, iov, iovcnt);
    } else if (iovcnt == 1) {
        ret = to->info->receive(to, iov[0].iov_base, iov[0].iov_len);
    } else {
        size_t size = iov_size(iov, iovcnt);
        g_autofree uint8_t *buf = g_malloc(size);
        iov_copy_out(buf, iov, iovcnt);
        ret = to->info->receive(to, buf, size);
    }
    if (ret == 0) {
        to->receive_disabled = true;
    }
    return ret;
}

static void net_enqueue(NetClient *to, NetClient *sender, const struct iovec *iov, int iovcnt,
                        NetSentCallback *cb)
{
    size_t size = iov_size(iov, iovcnt);
    NetPacket *p = g_malloc(sizeof(*p) + size);

    p->sender = sender;
    p->sent_cb = cb;
    p->size = size;
    iov_copy_out(p->data, iov, iovcnt);
    if (!cb) {
        to->queued_without_cb++;
    }
    g_queue_push_tail(&to->incoming, p);
}

ssize_t net_send_iov_async(NetClient *nc, const struct iovec *iov, int iovcnt,
                           NetSentCallback *cb)
{
    NetClient *peer = nc->peer;
    size_t size = iov_size(iov, iovcnt);
    ssize_t ret;

    if (!peer || nc->link_down || peer->link_down || size == 0) {
        return size; /* nowhere to go, or the cable is out: gone */
    }
    if (g_queue_is_empty(&peer->incoming) && net_client_can_take(peer)) {
        ret = net_deliver(peer, iov, iovcnt);
        if (ret != 0) {
            return ret;
        }
    }
    if (!cb && peer->queued_without_cb >= NET_QUEUE_MAX_PACKETS) {
        return size; /* the receiver is hopelessly behind: drop */
    }
    net_enqueue(peer, nc, iov, iovcnt, cb);
    return 0;
}

ssize_t net_send_iov(NetClient *nc, const struct iovec *iov, int iovcnt)
{
    return net_send_iov_async(nc, iov, iovcnt, NULL);
}

ssize_t net_send_async(NetClient *nc, const uint8_t *buf, size_t size, NetSentCallback *cb)
{
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = size};

    return net_send_iov_async(nc, &iov, 1, cb);
}

ssize_t net_send(NetClient *nc, const uint8_t *buf, size_t size)
{
    return net_send_async(nc, buf, size, NULL);
}

bool net_flush_queued(NetClient *nc)
{
    NetPacket *p;

    nc->receive_disabled = false;
    while ((p = g_queue_peek_head(&nc->incoming))) {
        struct iovec iov = {.iov_base = p->data, .iov_len = p->size};
        ssize_t ret = p->size;

        if (!nc->link_down && !(p->sender && p->sender->link_down)) {
            if (!net_client_can_take(nc)) {
                return false;
            }
            ret = net_deliver(nc, &iov, 1);
            if (ret == 0) {
                return false;
            }
        }
        g_queue_pop_head(&nc->incoming);
        net_packet_done(nc, p, ret, true);
    }
    return true;
}

/* ---- link state and offloads ---- */

static void net_client_change_link(NetClient *nc, bool up)
{
    nc->link_down = !up;
    if (nc->info->link_status_changed) {
        nc->info->link_status_changed(nc);
    }
}

/*
 * As QEMU: a NIC's link is its own; a backend's set_link also changes the NIC
 * it feeds, so the guest sees the cable go. A hub port peer keeps its state.
 */
void net_client_set_link(NetClient *nc, bool up)
{
    net_client_change_link(nc, up);
    if (nc->peer && nc->peer->info->type == NET_CLIENT_DRIVER_NIC &&
        nc->info->type != NET_CLIENT_DRIVER_NIC) {
        net_client_change_link(nc->peer, up);
    }
}

bool net_peer_has_vnet_hdr(NetClient *nic)
{
    NetClient *peer = nic->peer;

    return peer && peer->info->has_vnet_hdr && peer->info->has_vnet_hdr(peer);
}

void net_peer_set_vnet_hdr(NetClient *nic, bool enable)
{
    if (net_peer_has_vnet_hdr(nic) && nic->peer->info->set_vnet_hdr) {
        nic->peer->info->set_vnet_hdr(nic->peer, enable);
    }
}

void net_peer_set_offload(NetClient *nic, const NetOffloads *offloads)
{
    if (net_peer_has_vnet_hdr(nic) && nic->peer->info->set_offload) {
        nic->peer->info->set_offload(nic->peer, offloads);
    }
}

/* ---- NICs ---- */

/* QEMU's default MAC: 52:54:00:12:34:56, the last byte counting up per NIC. */
#define NET_MAC_DEFAULT_SLOTS 256
static const MACAddr net_mac_default_base = {{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};
static bool net_mac_slot_used[NET_MAC_DEFAULT_SLOTS];

static int net_mac_default_slot_of(const MACAddr *mac)
{
    if (memcmp(mac->a, net_mac_default_base.a, 5) != 0) {
        return -1;
    }
    return (uint8_t)(mac->a[5] - net_mac_default_base.a[5]);
}

bool net_parse_macaddr(const char *str, MACAddr *mac)
{
    unsigned v[6];
    char end;

    if (sscanf(str, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
               &end) != 6 ||
        strlen(str) != 17) {
        return false;
    }
    for (int i = 0; i < 6; i++) {
        mac->a[i] = v[i];
    }
    return true;
}

char *net_format_macaddr(const MACAddr *mac)
{
    const uint8_t *a = mac->a;

    return g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
}

bool net_nic_conf_init(NICConf *conf, const char *mac_str, const char *owner, GError **errp)
{
    memset(&conf->macaddr, 0, sizeof(conf->macaddr));
    if (!mac_str || !*mac_str) {
        return true;
    }
    if (!net_parse_macaddr(mac_str, &conf->macaddr)) {
        error_setg(errp, "%s: mac=%s is not a MAC address; use six hex pairs, e.g. "
                         "mac=52:54:00:12:34:57",
                   owner, mac_str);
        return false;
    }
    if (conf->macaddr.a[0] & 1) {
        error_setg(errp, "%s: mac=%s is a multicast address; a NIC needs a unicast one (the "
                         "first byte even)",
                   owner, mac_str);
        return false;
    }
    return true;
}

static int net_mac_take_default(MACAddr *mac)
{
    for (int i = 0; i < NET_MAC_DEFAULT_SLOTS; i++) {
        if (!net_mac_slot_used[i]) {
            net_mac_slot_used[i] = true;
            *mac = net_mac_default_base;
            mac->a[5] += i;
            return i;
        }
    }
    *mac = net_mac_default_base; /* 256 NICs: repeat, as QEMU does */
    return -1;
}

void net_nic_update_info_str(NICState *nic, const MACAddr *mac)
{
    g_autofree char *m = net_format_macaddr(mac);

    net_client_set_info_str(&nic->nc, "model=%s,macaddr=%s", nic->nc.model, m);
}

NICState *net_nic_new(const NetClientInfo *info, NICConf *conf, const char *model,
                      const char *name, void *opaque, GError **errp)
{
    static const MACAddr zero;
    NICState *nic;
    int slot;

    g_assert(info->type == NET_CLIENT_DRIVER_NIC && info->size >= sizeof(NICState));
    nic = (NICState *)net_client_new(info, conf->peer, model, name, errp);
    if (!nic) {
        return NULL;
    }
    nic->opaque = opaque;
    nic->mac_index = -1;
    if (memcmp(&conf->macaddr, &zero, sizeof(zero)) == 0) {
        nic->mac_index = net_mac_take_default(&conf->macaddr);
    } else if ((slot = net_mac_default_slot_of(&conf->macaddr)) >= 0 &&
               !net_mac_slot_used[slot]) {
        net_mac_slot_used[slot] = true;
        nic->mac_index = slot;
    }
    net_nic_update_info_str(nic, &conf->macaddr);
    return nic;
}

void net_nic_delete(NICState *nic)
{
    if (nic->mac_index >= 0) {
        net_mac_slot_used[nic->mac_index] = false;
    }
    net_client_delete(&nic->nc);
}
