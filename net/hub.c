/*
 * Hubs: a hub joins any number of clients, each through a hub port (a
 * NetClient whose peer is the NIC or backend). A packet arriving on one port
 * leaves by every other port. This is what QEMU's "-net" (the old VLANs) and
 * "-netdev hubport,hubid=N" build.
 *
 * A hub never refuses a packet: each receiver behind it queues what it cannot
 * take yet (up to NET_QUEUE_MAX_PACKETS), so one slow NIC does not stall the
 * others.
 */
#include "net/net.h"
#include "net/hub.h"
#include "util/error.h"
#include "util/iov.h"

typedef struct NetHub {
    int id;
    GPtrArray *ports; /* of NetHubPort* */
} NetHub;

typedef struct NetHubPort {
    NetClient nc;
    NetHub *hub;
} NetHubPort;

static GPtrArray *net_hubs; /* of NetHub* */

static NetHub *net_hub_find(int id, bool create)
{
    NetHub *hub;

    for (guint i = 0; net_hubs && i < net_hubs->len; i++) {
        hub = g_ptr_array_index(net_hubs, i);
        if (hub->id == id) {
            return hub;
        }
    }
    if (!create) {
        return NULL;
    }
    hub = g_new0(NetHub, 1);
    hub->id = id;
    hub->ports = g_ptr_array_new();
    if (!net_hubs) {
        net_hubs = g_ptr_array_new();
    }
    g_ptr_array_add(net_hubs, hub);
    return hub;
}

static ssize_t net_hub_port_receive_iov(NetClient *nc, const struct iovec *iov, int iovcnt)
{
    NetHubPort *from = (NetHubPort *)nc;
    NetHub *hub = from->hub;
    size_t size = iov_size(iov, iovcnt);

    for (guint i = 0; i < hub->ports->len; i++) {
        NetHubPort *port = g_ptr_array_index(hub->ports, i);
        if (port != from) {
            net_send_iov(&port->nc, iov, iovcnt);
        }
    }
    return size;
}

static ssize_t net_hub_port_receive(NetClient *nc, const uint8_t *buf, size_t size)
{
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = size};

    return net_hub_port_receive_iov(nc, &iov, 1);
}

static void net_hub_port_cleanup(NetClient *nc)
{
    NetHubPort *port = (NetHubPort *)nc;

    g_ptr_array_remove(port->hub->ports, port);
}

static const NetClientInfo net_hub_port_info = {
    .type = NET_CLIENT_DRIVER_HUBPORT,
    .size = sizeof(NetHubPort),
    .receive = net_hub_port_receive,
    .receive_iov = net_hub_port_receive_iov,
    .cleanup = net_hub_port_cleanup,
};

NetClient *net_hub_add_port(int hub_id, const char *name, NetClient *peer, GError **errp)
{
    NetHub *hub = net_hub_find(hub_id, true);
    g_autofree char *default_name = NULL;
    NetHubPort *port;

    if (!name) {
        default_name = g_strdup_printf("hub%dport%u", hub_id, hub->ports->len);
        name = default_name;
    }
    port = (NetHubPort *)net_client_new(&net_hub_port_info, peer, "hub", name, errp);
    if (!port) {
        return NULL;
    }
    port->hub = hub;
    net_client_set_info_str(&port->nc, "hub %d", hub_id);
    g_ptr_array_add(hub->ports, port);
    return &port->nc;
}

void net_hub_foreach(void (*fn)(int hub_id, NetClient *port, void *opaque), void *opaque)
{
    for (guint h = 0; net_hubs && h < net_hubs->len; h++) {
        NetHub *hub = g_ptr_array_index(net_hubs, h);
        for (guint i = 0; i < hub->ports->len; i++) {
            NetHubPort *port = g_ptr_array_index(hub->ports, i);
            fn(hub->id, &port->nc, opaque);
        }
    }
}
