/*
 * The user-mode network backend ("-netdev user"): libslirp runs a small
 * TCP/IP stack that answers the guest's DHCP and DNS, and turns the guest's
 * connections into ordinary host sockets, so no privileges are needed. The
 * guest sees QEMU's layout: network 10.0.2.0/24, gateway/host 10.0.2.2, DNS
 * 10.0.2.3, leases from 10.0.2.15; and fec0::/64 for IPv6 (on by default).
 *
 * hostfwd= rules forward host ports into the guest. slirp's sockets are
 * polled from a GSource on the main loop, its timers are the virtual clock's.
 */
#include "net/net.h"
#include "system/main-loop.h"
#include "system/timer.h"
#include "util/error.h"
#include "util/option.h"
#include <arpa/inet.h>
#include <slirp/libslirp.h>

typedef struct NetSlirp NetSlirp;

typedef struct SlirpSource {
    GSource source;
    NetSlirp *s;
    GPtrArray *pollfds; /* of GPollFD*, refilled before each poll */
} SlirpSource;

struct NetSlirp {
    NetClient nc;
    Slirp *slirp;
    SlirpSource *source;
    struct in_addr dhcp_start; /* where a hostfwd rule without a guest address goes */
};

static GPtrArray *net_slirp_instances; /* of NetSlirp*, for hostfwd_add without a name */

/* ---- libslirp's callbacks ---- */

static ssize_t net_slirp_send_packet(const void *buf, size_t len, void *opaque)
{
    NetSlirp *s = opaque;

    net_send(&s->nc, buf, len);
    return len;
}

static void net_slirp_guest_error(const char *msg, void *opaque)
{
    guest_error_once("user network: guest error: %s", msg);
}

static int64_t net_slirp_clock_get_ns(void *opaque)
{
    return clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

static void *net_slirp_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
    return timer_new(QEMU_CLOCK_VIRTUAL, cb, cb_opaque);
}

static void net_slirp_timer_free(void *timer, void *opaque)
{
    timer_free(timer);
}

static void net_slirp_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    /* libslirp gives the expiry in milliseconds of its clock. */
    timer_mod(timer, expire_ms * 1000000);
}

static void net_slirp_register_poll_fd(int fd, void *opaque)
{
    /* Nothing: the descriptors are gathered afresh before every poll. */
}

static void net_slirp_notify(void *opaque)
{
    main_loop_wakeup();
}

static const SlirpCb net_slirp_callbacks = {
    .send_packet = net_slirp_send_packet,
    .guest_error = net_slirp_guest_error,
    .clock_get_ns = net_slirp_clock_get_ns,
    .timer_new = net_slirp_timer_new,
    .timer_free = net_slirp_timer_free,
    .timer_mod = net_slirp_timer_mod,
    .register_poll_fd = net_slirp_register_poll_fd,
    .unregister_poll_fd = net_slirp_register_poll_fd,
    .notify = net_slirp_notify,
};

/* ---- slirp's sockets on the main loop ---- */

static int net_slirp_add_poll(int fd, int events, void *opaque)
{
    SlirpSource *src = opaque;
    GPollFD *pfd = g_new0(GPollFD, 1);

    pfd->fd = fd;
    pfd->events = (events & SLIRP_POLL_IN ? G_IO_IN : 0) |
                  (events & SLIRP_POLL_OUT ? G_IO_OUT : 0) |
                  (events & SLIRP_POLL_PRI ? G_IO_PRI : 0) |
                  (events & SLIRP_POLL_ERR ? G_IO_ERR : 0) |
                  (events & SLIRP_POLL_HUP ? G_IO_HUP : 0);
    g_source_add_poll(&src->source, pfd);
    g_ptr_array_add(src->pollfds, pfd);
    return src->pollfds->len - 1;
}

static int net_slirp_get_revents(int idx, void *opaque)
{
    SlirpSource *src = opaque;
    GPollFD *pfd;

    if (idx < 0 || (guint)idx >= src->pollfds->len) {
        return 0;
    }
    pfd = g_ptr_array_index(src->pollfds, idx);
    return (pfd->revents & G_IO_IN ? SLIRP_POLL_IN : 0) |
           (pfd->revents & G_IO_OUT ? SLIRP_POLL_OUT : 0) |
           (pfd->revents & G_IO_PRI ? SLIRP_POLL_PRI : 0) |
           (pfd->revents & G_IO_ERR ? SLIRP_POLL_ERR : 0) |
           (pfd->revents & G_IO_HUP ? SLIRP_POLL_HUP : 0);
}

static void net_slirp_source_clear(SlirpSource *src)
{
    for (guint i = 0; i < src->pollfds->len; i++) {
        g_source_remove_poll(&src->source, g_ptr_array_index(src->pollfds, i));
    }
    g_ptr_array_set_size(src->pollfds, 0);
}

static gboolean net_slirp_source_prepare(GSource *source, gint *timeout)
{
    SlirpSource *src = (SlirpSource *)source;
    uint32_t ms = UINT32_MAX;

    net_slirp_source_clear(src);
    slirp_pollfds_fill(src->s->slirp, &ms, net_slirp_add_poll, src);
    *timeout = ms > G_MAXINT ? -1 : (gint)ms;
    return FALSE;
}

/* slirp also runs its slow timers from the poll step: always dispatch. */
static gboolean net_slirp_source_check(GSource *source)
{
    return TRUE;
}

static gboolean net_slirp_source_dispatch(GSource *source, GSourceFunc cb, gpointer data)
{
    SlirpSource *src = (SlirpSource *)source;

    slirp_pollfds_poll(src->s->slirp, 0, net_slirp_get_revents, src);
    return G_SOURCE_CONTINUE;
}

static void net_slirp_source_finalize(GSource *source)
{
    g_ptr_array_unref(((SlirpSource *)source)->pollfds);
}

static GSourceFuncs net_slirp_source_funcs = {
    .prepare = net_slirp_source_prepare,
    .check = net_slirp_source_check,
    .dispatch = net_slirp_source_dispatch,
    .finalize = net_slirp_source_finalize,
};

/* ---- the NetClient ---- */

static ssize_t net_slirp_receive(NetClient *nc, const uint8_t *buf, size_t size)
{
    NetSlirp *s = (NetSlirp *)nc;

    slirp_input(s->slirp, buf, size);
    /*
     * The packet may have opened a window or a socket: the main loop must
     * gather slirp's descriptors again rather than sleep on the old set.
     */
    main_loop_wakeup();
    return size;
}

static void net_slirp_cleanup(NetClient *nc)
{
    NetSlirp *s = (NetSlirp *)nc;

    if (s->source) {
        g_source_destroy(&s->source->source);
        g_source_unref(&s->source->source);
    }
    if (s->slirp) {
        slirp_cleanup(s->slirp);
    }
    g_ptr_array_remove(net_slirp_instances, s);
}

static const NetClientInfo net_slirp_info = {
    .type = NET_CLIENT_DRIVER_USER,
    .size = sizeof(NetSlirp),
    .receive = net_slirp_receive,
    .cleanup = net_slirp_cleanup,
};

/* ---- options ---- */

static bool parse_ipv4(const char *opt, const char *str, struct in_addr *out, GError **errp)
{
    if (inet_pton(AF_INET, str, out) != 1) {
        error_setg(errp, "-netdev user: %s=%s is not an IPv4 address (e.g. 10.0.2.2)", opt, str);
        return false;
    }
    return true;
}

/* net=ADDR[/BITS|/MASK]: the mask defaults to /24. */
static bool parse_ipv4_net(const char *str, struct in_addr *net, struct in_addr *mask,
                           GError **errp)
{
    g_autofree char *addr = g_strdup(str);
    char *slash = strchr(addr, '/');
    uint64_t bits = 24;

    if (slash) {
        *slash++ = '\0';
        if (strchr(slash, '.')) {
            if (!parse_ipv4("net mask", slash, mask, errp)) {
                return false;
            }
            bits = UINT64_MAX;
        } else if (!parse_uint(slash, &bits, NULL) || bits < 1 || bits > 30) {
            error_setg(errp, "-netdev user: net=%s: the prefix length must be 1 to 30", str);
            return false;
        }
    }
    if (!parse_ipv4("net", addr, net, errp)) {
        return false;
    }
    if (bits != UINT64_MAX) {
        mask->s_addr = htonl(~0u << (32 - bits));
    }
    net->s_addr &= mask->s_addr;
    return true;
}

static bool parse_ipv6_net(const char *str, struct in6_addr *prefix, uint8_t *len,
                           GError **errp)
{
    g_autofree char *addr = g_strdup(str);
    char *slash = strchr(addr, '/');
    uint64_t bits = 64;

    if (slash) {
        *slash++ = '\0';
        if (!parse_uint(slash, &bits, NULL) || bits < 1 || bits > 126) {
            error_setg(errp, "-netdev user: ipv6-net=%s: the prefix length must be 1 to 126",
                       str);
            return false;
        }
    }
    if (inet_pton(AF_INET6, addr, prefix) != 1) {
        error_setg(errp, "-netdev user: ipv6-net=%s is not an IPv6 prefix (e.g. fec0::/64)", str);
        return false;
    }
    *len = bits;
    return true;
}

static bool in_net(struct in_addr a, struct in_addr net, struct in_addr mask)
{
    return (a.s_addr & mask.s_addr) == net.s_addr;
}

/* An address in the guest network: opt=addr, or net's base + host_part by default. */
static bool take_addr_in_net(KeyValList *kv, const char *opt, uint32_t host_part,
                             const SlirpConfig *cfg, struct in_addr *out, GError **errp)
{
    const char *v = keyval_take(kv, opt);

    if (!v) {
        out->s_addr = cfg->vnetwork.s_addr | htonl(host_part);
        return true;
    }
    if (!parse_ipv4(opt, v, out, errp)) {
        return false;
    }
    if (!in_net(*out, cfg->vnetwork, cfg->vnetmask)) {
        error_setg(errp, "-netdev user: %s=%s is outside the guest network %s", opt, v,
                   inet_ntoa(cfg->vnetwork));
        return false;
    }
    return true;
}

/*
 * [tcp|udp]:[hostaddr]:hostport, optionally followed by
 * -[guestaddr]:guestport when with_guest.
 */
typedef struct HostFwd {
    bool is_udp;
    struct in_addr host_addr, guest_addr;
    int host_port, guest_port;
} HostFwd;

static bool parse_port(const char *s, bool zero_ok, int *port)
{
    uint64_t v;

    if (!parse_uint(s, &v, NULL) || v > 65535 || (v == 0 && !zero_ok)) {
        return false;
    }
    *port = v;
    return true;
}

static bool parse_addr_port(const char *s, struct in_addr *addr, int *port, bool zero_ok)
{
    const char *colon = strrchr(s, ':');
    g_autofree char *a = NULL;

    if (!colon) {
        return false;
    }
    a = g_strndup(s, colon - s);
    if (*a && inet_pton(AF_INET, a, addr) != 1) {
        return false;
    }
    return parse_port(colon + 1, zero_ok, port);
}

static bool parse_hostfwd(const char *rule, bool with_guest, struct in_addr default_guest,
                          HostFwd *fwd, GError **errp)
{
    const char *p = rule;
    g_autofree char *host = NULL;
    const char *dash;

    memset(fwd, 0, sizeof(*fwd));
    fwd->guest_addr = default_guest;
    if (g_str_has_prefix(p, "tcp:")) {
        p += 4;
    } else if (g_str_has_prefix(p, "udp:")) {
        fwd->is_udp = true;
        p += 4;
    } else if (*p == ':') {
        p++;
    }
    dash = strchr(p, '-');
    if (with_guest != (dash != NULL)) {
        goto bad;
    }
    host = dash ? g_strndup(p, dash - p) : g_strdup(p);
    if (!parse_addr_port(host, &fwd->host_addr, &fwd->host_port, true)) {
        goto bad;
    }
    if (dash && !parse_addr_port(dash + 1, &fwd->guest_addr, &fwd->guest_port, false)) {
        goto bad;
    }
    return true;

bad:
    error_setg(errp, "hostfwd %s: expected %s", rule,
               with_guest ? "[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport, e.g. "
                            "tcp:127.0.0.1:2222-:22"
                          : "[tcp|udp]:[hostaddr]:hostport, e.g. tcp:127.0.0.1:2222");
    return false;
}

static bool net_slirp_add_rule(NetSlirp *s, const char *rule, GError **errp)
{
    HostFwd f;

    if (!parse_hostfwd(rule, true, s->dhcp_start, &f, errp)) {
        return false;
    }
    if (slirp_add_hostfwd(s->slirp, f.is_udp, f.host_addr, f.host_port, f.guest_addr,
                          f.guest_port) < 0) {
        error_setg(errp, "hostfwd %s: cannot forward host port %d: %s", rule, f.host_port,
                   errno ? g_strerror(errno) : "already in use");
        return false;
    }
    return true;
}

static bool net_slirp_config(KeyValList *kv, SlirpConfig *cfg, GError **errp)
{
    const char *v;
    bool b;

    cfg->version = 4;
    cfg->in_enabled = true;
    inet_pton(AF_INET, "10.0.2.0", &cfg->vnetwork);
    inet_pton(AF_INET, "255.255.255.0", &cfg->vnetmask);
    inet_pton(AF_INET6, "fec0::", &cfg->vprefix_addr6);
    cfg->vprefix_len = 64;
    if ((v = keyval_take(kv, "net")) && !parse_ipv4_net(v, &cfg->vnetwork, &cfg->vnetmask, errp)) {
        return false;
    }
    if (!take_addr_in_net(kv, "host", 2, cfg, &cfg->vhost, errp) ||
        !take_addr_in_net(kv, "dhcpstart", 15, cfg, &cfg->vdhcp_start, errp) ||
        !take_addr_in_net(kv, "dns", 3, cfg, &cfg->vnameserver, errp)) {
        return false;
    }
    if (!keyval_take_bool(kv, "restrict", false, &b, errp)) {
        return false;
    }
    cfg->restricted = b;
    if (!keyval_take_bool(kv, "ipv4", true, &cfg->in_enabled, errp) ||
        !keyval_take_bool(kv, "ipv6", true, &cfg->in6_enabled, errp)) {
        return false;
    }
    if (!cfg->in_enabled && !cfg->in6_enabled) {
        error_setg(errp, "-netdev user: ipv4=off and ipv6=off leave the guest no network");
        return false;
    }
    if ((v = keyval_take(kv, "ipv6-net")) &&
        !parse_ipv6_net(v, &cfg->vprefix_addr6, &cfg->vprefix_len, errp)) {
        return false;
    }
    /* The host and DNS are ::2 and ::3 in the IPv6 prefix, as QEMU's. */
    cfg->vhost6 = cfg->vprefix_addr6;
    cfg->vhost6.s6_addr[15] |= 2;
    cfg->vnameserver6 = cfg->vprefix_addr6;
    cfg->vnameserver6.s6_addr[15] |= 3;
    cfg->vhostname = keyval_take(kv, "hostname");
    cfg->vdomainname = keyval_take(kv, "domainname");
    cfg->tftp_path = keyval_take(kv, "tftp");
    cfg->bootfile = keyval_take(kv, "bootfile");
    return true;
}

static NetClient *net_slirp_init(KeyValList *kv, const char *id, NetClient *peer, GError **errp)
{
    SlirpConfig cfg = {0};
    g_autofree char *net_str = NULL;
    NetSlirp *s;

    if (!net_slirp_config(kv, &cfg, errp)) {
        return NULL;
    }
    s = (NetSlirp *)net_client_new(&net_slirp_info, peer, "user", id, errp);
    if (!s) {
        return NULL;
    }
    s->dhcp_start = cfg.vdhcp_start;
    s->slirp = slirp_new(&cfg, &net_slirp_callbacks, s);
    if (!s->slirp) {
        error_setg(errp, "-netdev user: libslirp refused this configuration");
        net_client_delete(&s->nc);
        return NULL;
    }
    if (!net_slirp_instances) {
        net_slirp_instances = g_ptr_array_new();
    }
    g_ptr_array_add(net_slirp_instances, s);
    for (guint i = 0; i < kv->items->len; i++) {
        KeyVal *item = g_ptr_array_index(kv->items, i);
        if (strcmp(item->key, "hostfwd") == 0) {
            item->used = true;
            if (!net_slirp_add_rule(s, item->value, errp)) {
                net_client_delete(&s->nc);
                return NULL;
            }
        }
    }
    s->source = (SlirpSource *)g_source_new(&net_slirp_source_funcs, sizeof(SlirpSource));
    s->source->s = s;
    s->source->pollfds = g_ptr_array_new_with_free_func(g_free);
    g_source_attach(&s->source->source, NULL);
    net_str = g_strdup(inet_ntoa(cfg.vnetwork));
    net_client_set_info_str(&s->nc, "net=%s,restrict=%s", net_str, cfg.restricted ? "on" : "off");
    return &s->nc;
}

static const NetBackend net_slirp_backend = {
    .type = "user",
    .options = "id, net, host, dhcpstart, dns, restrict, ipv4, ipv6, ipv6-net, hostname, "
               "domainname, tftp, bootfile, hostfwd",
    .init = net_slirp_init,
};

MIMIC_INIT(net_slirp_register)
{
    net_backend_register(&net_slirp_backend);
}

/* ---- hostfwd_add / hostfwd_remove ---- */

static NetSlirp *net_slirp_find(const char *netdev, GError **errp)
{
    if (!netdev) {
        if (!net_slirp_instances || !net_slirp_instances->len) {
            error_setg(errp, "no user network backend (-netdev user) to forward to");
            return NULL;
        }
        return g_ptr_array_index(net_slirp_instances, 0);
    }
    for (guint i = 0; net_slirp_instances && i < net_slirp_instances->len; i++) {
        NetSlirp *s = g_ptr_array_index(net_slirp_instances, i);
        if (strcmp(s->nc.name, netdev) == 0) {
            return s;
        }
    }
    error_setg(errp, "'%s' is not a user network backend (-netdev user,id=%s)", netdev, netdev);
    return NULL;
}

bool net_slirp_hostfwd_add(const char *netdev, const char *rule, GError **errp)
{
    NetSlirp *s = net_slirp_find(netdev, errp);

    return s && net_slirp_add_rule(s, rule, errp);
}

bool net_slirp_hostfwd_remove(const char *netdev, const char *rule, GError **errp)
{
    NetSlirp *s = net_slirp_find(netdev, errp);
    HostFwd f;

    if (!s || !parse_hostfwd(rule, false, s->dhcp_start, &f, errp)) {
        return false;
    }
    if (slirp_remove_hostfwd(s->slirp, f.is_udp, f.host_addr, f.host_port) < 0) {
        error_setg(errp, "hostfwd_remove %s: no such forwarding on '%s'", rule, s->nc.name);
        return false;
    }
    return true;
}
