/*
 * The network core: NICs and backends as NetClients joined in pairs (peers),
 * hubs that join many, and a queue per client for packets it could not take
 * at once. net/ knows nothing of devices; a NIC device holds a NICState.
 *
 * Packet flow. A client sends to its peer with net_send*(). The peer's
 * receive hook is called at once when its can_receive hook says yes;
 * otherwise (or when receive returns 0, "not now") the packet waits in the
 * peer's incoming queue. The receiver calls net_flush_queued() on itself once
 * it can take packets again (a NIC when the guest adds receive buffers), and
 * queued packets are delivered in order.
 *
 * Back-pressure. A sender that can stop producing (tap, socket) passes a
 * NetSentCallback: when its packet is queued, net_send_*async() returns 0 and
 * the callback runs once the packet has been delivered; until then the sender
 * should not read more from its source. Packets sent without a callback are
 * queued too, up to NET_QUEUE_MAX_PACKETS per receiver; beyond that they are
 * dropped (a backend like slirp has nowhere to hold them). Nothing is dropped
 * silently on the first refusal, unlike real hardware.
 *
 * Link state. A client whose link is down (set_link off) neither sends nor
 * receives: packets to or from it are dropped, as a cable pulled out.
 *
 * Threads. Everything here runs under the big lock (main loop or a vCPU
 * thread doing device work).
 */
#ifndef NET_NET_H
#define NET_NET_H

#include "util/osdep.h"
#include <sys/types.h>
#include <sys/uio.h>

#define NET_QUEUE_MAX_PACKETS 10000
/* The largest frame a backend hands over: 64 KiB of TSO payload plus headers. */
#define NET_MAX_FRAME_SIZE (65536 + 128)

typedef struct NetClient NetClient;

typedef enum NetClientDriver {
    NET_CLIENT_DRIVER_NIC,
    NET_CLIENT_DRIVER_USER,
    NET_CLIENT_DRIVER_TAP,
    NET_CLIENT_DRIVER_SOCKET,
    NET_CLIENT_DRIVER_HUBPORT,
} NetClientDriver;

/*
 * The virtio-net header (virtio 1.2 §5.1.6, struct virtio_net_hdr with
 * num_buffers) that leads every packet between a NIC and a backend once both
 * have agreed to use it (net_set_vnet_hdr): it carries checksum and
 * segmentation offload requests. Little-endian fields.
 */
typedef struct NetVnetHdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
    uint16_t num_buffers;
} NetVnetHdr;

#define NET_VNET_HDR_F_NEEDS_CSUM 1

/* Offloads a NIC asks a vnet-header backend to accept in packets it receives. */
typedef struct NetOffloads {
    bool csum;
    bool tso4;
    bool tso6;
    bool ecn;
    bool ufo;
} NetOffloads;

typedef struct NetClientInfo {
    NetClientDriver type;
    size_t size; /* of the instance, which embeds NetClient first */
    /*
     * Take one packet. Return its size when consumed (or deliberately dropped),
     * 0 for "not now" (the packet is queued; call net_flush_queued() later),
     * or a negative errno to drop it.
     */
    ssize_t (*receive)(NetClient *nc, const uint8_t *buf, size_t size);
    /* Optional, same contract, for scattered packets; else they are linearised. */
    ssize_t (*receive_iov)(NetClient *nc, const struct iovec *iov, int iovcnt);
    /* Optional: false makes senders queue instead of calling receive. */
    bool (*can_receive)(NetClient *nc);
    /* Optional: release the instance's resources (not the NetClient itself). */
    void (*cleanup)(NetClient *nc);
    /* Optional: nc->link_down changed. */
    void (*link_status_changed)(NetClient *nc);
    /* Optional, vnet-header backends (tap): can it carry NetVnetHdr, and turn it on. */
    bool (*has_vnet_hdr)(NetClient *nc);
    void (*set_vnet_hdr)(NetClient *nc, bool enable);
    void (*set_offload)(NetClient *nc, const NetOffloads *offloads);
} NetClientInfo;

typedef struct NetPacket NetPacket;

struct NetClient {
    const NetClientInfo *info;
    char *name;     /* the netdev id, or "model.N" */
    char *model;    /* "user", "tap", "virtio-net-device" ... */
    char *info_str; /* one line for info network, set by the implementation */
    NetClient *peer;
    bool link_down;
    bool receive_disabled; /* receive said "not now": queue until flushed */
    bool is_netdev;        /* made by -netdev / netdev_add (netdev_del may remove it) */
    GQueue incoming;       /* of NetPacket*, waiting for this client */
    unsigned queued_without_cb;
};

typedef void NetSentCallback(NetClient *sender, ssize_t ret);

/*
 * Create a client of info->size bytes named name (a copy is kept; NULL gives
 * "model.N") and join it to peer if peer is not NULL. Fails when peer already
 * has a peer.
 */
NetClient *net_client_new(const NetClientInfo *info, NetClient *peer, const char *model,
                          const char *name, GError **errp);
/* Unjoin, drop queued packets, run cleanup and free. The peer lives on, unjoined. */
void net_client_delete(NetClient *nc);
void net_client_set_info_str(NetClient *nc, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
NetClient *net_client_find(const char *name);
/* Every client, in creation order. */
void net_client_foreach(void (*fn)(NetClient *nc, void *opaque), void *opaque);

/*
 * Send to nc's peer (see the flow above). Returns the size when the packet was
 * delivered or dropped (no peer, link down, receiver hopelessly behind), 0
 * when it was queued (with a callback: it runs once the packet is delivered),
 * or the receiver's negative errno.
 */
ssize_t net_send(NetClient *nc, const uint8_t *buf, size_t size);
ssize_t net_send_async(NetClient *nc, const uint8_t *buf, size_t size, NetSentCallback *cb);
ssize_t net_send_iov(NetClient *nc, const struct iovec *iov, int iovcnt);
ssize_t net_send_iov_async(NetClient *nc, const struct iovec *iov, int iovcnt,
                           NetSentCallback *cb);
/* True when a packet sent now would reach the peer's receive hook directly. */
bool net_can_send(NetClient *nc);
/* nc can take packets again: deliver what waits for it. True if the queue emptied. */
bool net_flush_queued(NetClient *nc);
/* Drop what waits in nc's queue (a NIC reset); senders' callbacks run with 0. */
void net_purge_queued(NetClient *nc);

/* set_link: nc and its peer (unless the peer is a hub port) change state. */
void net_client_set_link(NetClient *nc, bool up);

/* vnet header negotiation between a NIC and its backend (false when unsupported). */
bool net_peer_has_vnet_hdr(NetClient *nic);
void net_peer_set_vnet_hdr(NetClient *nic, bool enable);
void net_peer_set_offload(NetClient *nic, const NetOffloads *offloads);

/* ---- hubs ---- */

/* A new port on hub hub_id (created on first use), as -netdev hubport and -net. */
NetClient *net_hub_add_port(int hub_id, const char *name, NetClient *peer, GError **errp);

/*
 * ---- NICs ----
 *
 * A NIC device's life with the net core:
 *   realize:    net_nic_conf_init(&s->conf, s->mac_str, "e1000", errp) (conf.peer is
 *               the "netdev" link property), then net_nic_new(&info, &s->conf, type,
 *               dev->id, s, errp); conf.macaddr now holds the MAC (default or mac=).
 *   receive:    info.receive/can_receive; return 0 when the guest has no buffers,
 *               and call net_flush_queued(&nic->nc) once it gives some.
 *   transmit:   net_send(&nic->nc, frame, len) (or _async to hold off the guest).
 *   link:       info.link_status_changed sees nic->nc.link_down (set_link).
 *   reset:      net_purge_queued(&nic->nc) if queued packets must not survive it.
 *   unrealize:  net_nic_delete(nic).
 */

typedef struct MACAddr {
    uint8_t a[6];
} MACAddr;

/* What a NIC device is configured with (its "mac" and "netdev" properties). */
typedef struct NICConf {
    MACAddr macaddr;
    NetClient *peer; /* the backend, or NULL for a NIC on no network */
} NICConf;

typedef struct NICState {
    NetClient nc;
    void *opaque; /* the device */
    int mac_index; /* default MAC slot held, or -1 */
} NICState;

/*
 * Parse "52:54:00:12:34:56" into mac. NULL or "" leaves conf->macaddr to the
 * default: 52:54:00:12:34:56 plus a per-NIC index, unique among live NICs.
 */
bool net_nic_conf_init(NICConf *conf, const char *mac_str, const char *owner, GError **errp);
/*
 * A NIC's client: info->size must be sizeof(NICState) or more (NICState first).
 * Joined to conf->peer. name NULL gives "model.N".
 */
NICState *net_nic_new(const NetClientInfo *info, NICConf *conf, const char *model,
                      const char *name, void *opaque, GError **errp);
void net_nic_delete(NICState *nic);
void net_nic_update_info_str(NICState *nic, const MACAddr *mac);
bool net_parse_macaddr(const char *str, MACAddr *mac);
char *net_format_macaddr(const MACAddr *mac);

/* ---- the options (net/netdev.c) ---- */

/* -netdev TYPE,id=ID,... and netdev_add: create a backend. */
bool net_netdev_add(const char *spec, GError **errp);
bool net_netdev_del(const char *id, GError **errp);
/* -nic TYPE[,model=M][,mac=A][,backend options] and -nic none. */
bool net_nic_option(const char *spec, GError **errp);
/* -net nic[,model=][,macaddr=] / -net user|tap|socket,... (joined by hub 0) / -net none. */
bool net_legacy_option(const char *spec, GError **errp);
/* The text of info network. */
char *net_info_network(void);

/*
 * A NIC asked for on the command line (-nic, -net nic) that the machine
 * creates: the device model (NULL: the machine's default), mac=, and the
 * backend to join.
 */
typedef struct NICInfo {
    char *model;
    char *mac;
    NetClient *netdev;
} NICInfo;

/* The -nic / -net nic requests, in command-line order; -nic none clears them. */
GPtrArray *net_nic_requests(void);
/* -nic none / -net none was given: the machine makes no default NIC either. */
bool net_nic_none(void);

/* A backend type for -netdev TYPE: registered by net/<type>.c at start-up. */
typedef struct KeyValList KeyValList;
typedef struct NetBackend {
    const char *type;
    const char *options; /* accepted keys, for the error that names an unknown one */
    /* Create the backend named id from kv (take the keys you use) joined to peer. */
    NetClient *(*init)(KeyValList *kv, const char *id, NetClient *peer, GError **errp);
} NetBackend;
void net_backend_register(const NetBackend *backend);

/* Resolve -device ...,netdev=ID: the free backend named ID. */
void *net_netdev_link_resolve(const char *id, GError **errp);

/* user backend: hostfwd_add / hostfwd_remove ("[hub_id name]" or "netdev" then the rule). */
bool net_slirp_hostfwd_add(const char *netdev, const char *rule, GError **errp);
bool net_slirp_hostfwd_remove(const char *netdev, const char *rule, GError **errp);

#endif
