/*
 * The tap backend ("-netdev tap"): frames go to and from a Linux TAP
 * interface (/dev/net/tun), so the guest sits on a host bridge or a network
 * namespace like any machine. Options as QEMU's: ifname= (the interface,
 * created or attached), fd= (an already open tap descriptor, e.g. from
 * libvirt), script=no / downscript=no (mimic runs no scripts: the interface
 * is configured by whoever owns the host network), vnet_hdr=on|off.
 *
 * With vnet_hdr (on by default when the kernel has it) every frame carries
 * NetVnetHdr, which lets the NIC pass checksum and TSO offloads through to
 * the host kernel.
 */
#include "net/net.h"
#include "util/error.h"
#include "util/option.h"
#include <fcntl.h>
#include <glib-unix.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <unistd.h>

typedef struct NetTap {
    NetClient nc;
    int fd;
    guint read_watch;
    bool has_vnet_hdr; /* the fd was opened with IFF_VNET_HDR */
    bool using_vnet_hdr; /* the NIC agreed: frames carry the header both ways */
    uint8_t buf[sizeof(NetVnetHdr) + NET_MAX_FRAME_SIZE];
} NetTap;

static gboolean net_tap_readable(gint fd, GIOCondition cond, gpointer opaque);

static void net_tap_watch_reads(NetTap *s)
{
    if (!s->read_watch) {
        s->read_watch = g_unix_fd_add(s->fd, G_IO_IN, net_tap_readable, s);
    }
}

static void net_tap_sent(NetClient *nc, ssize_t ret)
{
    net_tap_watch_reads((NetTap *)nc);
}

static gboolean net_tap_readable(gint fd, GIOCondition cond, gpointer opaque)
{
    NetTap *s = opaque;

    /* A bounded batch, so one busy tap cannot starve the main loop. */
    for (int i = 0; i < 64; i++) {
        ssize_t n = read(s->fd, s->buf, sizeof(s->buf));
        uint8_t *frame = s->buf;

        if (n <= 0) {
            break;
        }
        if (s->has_vnet_hdr && !s->using_vnet_hdr) {
            /* The kernel always writes the header; our NIC does not want it. */
            if ((size_t)n < sizeof(NetVnetHdr)) {
                continue;
            }
            frame += sizeof(NetVnetHdr);
            n -= sizeof(NetVnetHdr);
        }
        if (net_send_async(&s->nc, frame, n, net_tap_sent) == 0) {
            s->read_watch = 0;
            return G_SOURCE_REMOVE;
        }
    }
    return G_SOURCE_CONTINUE;
}

static ssize_t net_tap_receive(NetClient *nc, const uint8_t *buf, size_t size)
{
    NetTap *s = (NetTap *)nc;
    NetVnetHdr none = {0};
    struct iovec iov[2] = {{&none, sizeof(none)}, {(void *)buf, size}};
    bool add_hdr = s->has_vnet_hdr && !s->using_vnet_hdr;
    ssize_t n;

    do {
        n = writev(s->fd, add_hdr ? iov : iov + 1, add_hdr ? 2 : 1);
    } while (n < 0 && errno == EINTR);
    /* A full tap queue drops, as a real link does; the kernel holds plenty. */
    return size;
}

static bool net_tap_has_vnet_hdr(NetClient *nc)
{
    return ((NetTap *)nc)->has_vnet_hdr;
}

static void net_tap_set_vnet_hdr(NetClient *nc, bool enable)
{
    ((NetTap *)nc)->using_vnet_hdr = enable && ((NetTap *)nc)->has_vnet_hdr;
}

static void net_tap_set_offload(NetClient *nc, const NetOffloads *o)
{
    NetTap *s = (NetTap *)nc;
    unsigned flags = 0;

    if (o->csum) {
        flags |= TUN_F_CSUM;
        flags |= o->tso4 ? TUN_F_TSO4 : 0;
        flags |= o->tso6 ? TUN_F_TSO6 : 0;
        flags |= o->ecn ? TUN_F_TSO_ECN : 0;
    }
    if (ioctl(s->fd, TUNSETOFFLOAD, flags) < 0) {
        warn_report("-netdev tap %s: the kernel refused offloads 0x%x: %s", nc->name, flags,
                    g_strerror(errno));
    }
}

static void net_tap_cleanup(NetClient *nc)
{
    NetTap *s = (NetTap *)nc;

    if (s->read_watch) {
        g_source_remove(s->read_watch);
    }
    if (s->fd >= 0) {
        close(s->fd);
    }
}

static const NetClientInfo net_tap_info = {
    .type = NET_CLIENT_DRIVER_TAP,
    .size = sizeof(NetTap),
    .receive = net_tap_receive,
    .cleanup = net_tap_cleanup,
    .has_vnet_hdr = net_tap_has_vnet_hdr,
    .set_vnet_hdr = net_tap_set_vnet_hdr,
    .set_offload = net_tap_set_offload,
};

/* Open /dev/net/tun as interface ifname (NULL: the kernel names it); fills the name. */
static int net_tap_open(const char *ifname, bool vnet_hdr, char *name_out, GError **errp)
{
    struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet_hdr ? IFF_VNET_HDR : 0)};
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

    if (fd < 0) {
        error_setg(errp, "-netdev tap: cannot open /dev/net/tun: %s%s", g_strerror(errno),
                   errno == ENOENT   ? " (no tun driver: modprobe tun)"
                   : errno == EACCES ? " (run with CAP_NET_ADMIN, or pass an open tap with fd=)"
                                     : "");
        return -1;
    }
    if (ifname) {
        g_strlcpy(ifr.ifr_name, ifname, IFNAMSIZ);
    }
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        error_setg(errp, "-netdev tap%s%s: cannot create the tap interface: %s%s",
                   ifname ? ",ifname=" : "", ifname ? ifname : "", g_strerror(errno),
                   errno == EPERM ? " (this needs CAP_NET_ADMIN; or create it beforehand with "
                                    "'ip tuntap add' for this user, or pass fd=)"
                                  : "");
        close(fd);
        return -1;
    }
    g_strlcpy(name_out, ifr.ifr_name, IFNAMSIZ);
    return fd;
}

static bool net_tap_enable_vnet_hdr(int fd)
{
    int len = sizeof(NetVnetHdr);

    return ioctl(fd, TUNSETVNETHDRSZ, &len) == 0;
}

static NetClient *net_tap_init(KeyValList *kv, const char *id, NetClient *peer, GError **errp)
{
    const char *ifname = keyval_take(kv, "ifname");
    const char *fd_str = keyval_take(kv, "fd");
    const char *script = keyval_take(kv, "script");
    const char *downscript = keyval_take(kv, "downscript");
    const char *vnet_str = keyval_take(kv, "vnet_hdr");
    char name[IFNAMSIZ] = "";
    bool vnet_hdr = true;
    NetTap *s;
    int fd;

    if ((script && strcmp(script, "no") != 0) || (downscript && strcmp(downscript, "no") != 0)) {
        error_setg(errp, "-netdev tap: mimic runs no network scripts; configure the interface "
                         "beforehand and use script=no,downscript=no");
        return NULL;
    }
    if (vnet_str && !parse_bool(vnet_str, &vnet_hdr, errp)) {
        return NULL;
    }
    if (fd_str) {
        uint64_t v;
        struct ifreq ifr = {0};
        if (ifname) {
            error_setg(errp, "-netdev tap: fd= and ifname= exclude each other");
            return NULL;
        }
        if (!parse_uint(fd_str, &v, NULL) || v > INT32_MAX || fcntl((int)v, F_GETFD) < 0) {
            error_setg(errp, "-netdev tap: fd=%s is not an open file descriptor", fd_str);
            return NULL;
        }
        fd = v;
        if (ioctl(fd, TUNGETIFF, &ifr) < 0 || !(ifr.ifr_flags & IFF_TAP)) {
            error_setg(errp, "-netdev tap: fd=%s is not a tap device", fd_str);
            return NULL;
        }
        /* The header is fixed when the tap is opened: use it only if it is there. */
        vnet_hdr = vnet_hdr && (ifr.ifr_flags & IFF_VNET_HDR);
        g_strlcpy(name, ifr.ifr_name, sizeof(name));
    } else {
        fd = net_tap_open(ifname, vnet_hdr, name, errp);
        if (fd < 0) {
            return NULL;
        }
    }
    if (vnet_hdr && !net_tap_enable_vnet_hdr(fd)) {
        vnet_hdr = false;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    s = (NetTap *)net_client_new(&net_tap_info, peer, "tap", id, errp);
    if (!s) {
        close(fd);
        return NULL;
    }
    s->fd = fd;
    s->has_vnet_hdr = vnet_hdr;
    net_client_set_info_str(&s->nc, "ifname=%s,script=no,downscript=no", name);
    net_tap_watch_reads(s);
    return &s->nc;
}

static const NetBackend net_tap_backend = {
    .type = "tap",
    .options = "id, ifname, fd, script, downscript, vnet_hdr",
    .init = net_tap_init,
};

MIMIC_INIT(net_tap_register)
{
    net_backend_register(&net_tap_backend);
}
