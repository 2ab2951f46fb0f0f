/*
 * The socket backend ("-netdev socket"): Ethernet frames over a host socket,
 * so that emulators on one host (or several) share a network without
 * privileges. Wire formats as QEMU's, so mimic and QEMU can talk:
 *
 *   listen=[host]:port / connect=host:port   TCP, each frame led by its length
 *                                            as a 4-byte big-endian number
 *   udp=host:port,localaddr=host:port        one UDP datagram per frame
 *   mcast=group:port[,localaddr=addr]        one datagram per frame to an IPv4
 *                                            multicast group (loopback on)
 *
 * A listening backend takes one connection at a time and listens again when
 * it ends; frames sent while nobody is connected are dropped, as on a cable
 * with no other end. Writes never block the main loop: what the socket
 * cannot take waits, and the NIC is held off meanwhile.
 */
#include "net/net.h"
#include "util/error.h"
#include "util/option.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#define NET_SOCKET_LEN_SIZE 4

typedef enum NetSocketMode {
    NET_SOCKET_STREAM,
    NET_SOCKET_DGRAM,
} NetSocketMode;

typedef struct NetSocket {
    NetClient nc;
    NetSocketMode mode;
    int listen_fd;
    int fd;
    guint listen_watch;
    guint read_watch;
    guint write_watch;
    struct sockaddr_in dgram_dst;
    /* stream receive: the length word, then the frame */
    uint8_t rx_buf[NET_MAX_FRAME_SIZE];
    size_t rx_have;
    size_t rx_need; /* 0: reading the length word */
    /* stream send: what the socket has not taken yet */
    GByteArray *tx_pending;
} NetSocket;

static bool net_socket_parse_addr(const char *opt, const char *str, struct sockaddr_in *sa,
                                  GError **errp)
{
    const char *colon = strrchr(str, ':');
    g_autofree char *host = NULL;
    struct addrinfo hints = {.ai_family = AF_INET}, *res = NULL;
    uint64_t port;

    if (!colon || !parse_uint(colon + 1, &port, NULL) || port > 65535) {
        error_setg(errp, "-netdev socket: %s=%s: expected host:port, e.g. %s=127.0.0.1:1234", opt,
                   str, opt);
        return false;
    }
    host = g_strndup(str, colon - str);
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    if (!*host) {
        sa->sin_addr.s_addr = htonl(INADDR_ANY);
        return true;
    }
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res) {
        error_setg(errp, "-netdev socket: %s=%s: unknown host '%s'", opt, str, host);
        return false;
    }
    sa->sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
    freeaddrinfo(res);
    return true;
}

static void net_socket_remove_watch(guint *watch)
{
    if (*watch) {
        g_source_remove(*watch);
        *watch = 0;
    }
}

static gboolean net_socket_readable(gint fd, GIOCondition cond, gpointer opaque);
static gboolean net_socket_accept(gint fd, GIOCondition cond, gpointer opaque);

static void net_socket_watch_reads(NetSocket *s)
{
    if (!s->read_watch && s->fd >= 0) {
        s->read_watch = g_unix_fd_add(s->fd, G_IO_IN | G_IO_HUP | G_IO_ERR, net_socket_readable, s);
    }
}

/* The connection ended: forget it, and listen again if we are the server. */
static void net_socket_disconnect(NetSocket *s)
{
    net_socket_remove_watch(&s->read_watch);
    net_socket_remove_watch(&s->write_watch);
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    s->rx_have = s->rx_need = 0;
    g_byte_array_set_size(s->tx_pending, 0);
    net_purge_queued(&s->nc);
    if (s->listen_fd >= 0 && !s->listen_watch) {
        net_client_set_info_str(&s->nc, "socket: waiting for a connection");
        s->listen_watch = g_unix_fd_add(s->listen_fd, G_IO_IN, net_socket_accept, s);
    }
}

/* ---- receiving from the socket ---- */

static void net_socket_sent(NetClient *nc, ssize_t ret)
{
    net_socket_watch_reads((NetSocket *)nc);
}

/* Hand a frame to the NIC; false when it was queued (stop reading until it goes). */
static bool net_socket_deliver(NetSocket *s, const uint8_t *frame, size_t len)
{
    return net_send_async(&s->nc, frame, len, net_socket_sent) != 0;
}

/* Parse what the stream brought: length words and frames. False: stop reading. */
static bool net_socket_stream_input(NetSocket *s, const uint8_t *p, size_t n)
{
    bool go_on = true;

    while (n) {
        size_t want = (s->rx_need ? s->rx_need : NET_SOCKET_LEN_SIZE) - s->rx_have;
        size_t take = MIN(want, n);

        memcpy(s->rx_buf + s->rx_have, p, take);
        s->rx_have += take;
        p += take;
        n -= take;
        if (take < want) {
            break;
        }
        if (!s->rx_need) {
            uint32_t len = ((uint32_t)s->rx_buf[0] << 24) | (s->rx_buf[1] << 16) |
                           (s->rx_buf[2] << 8) | s->rx_buf[3];
            if (len == 0 || len > sizeof(s->rx_buf)) {
                warn_report("-netdev socket %s: the peer sent a %u-byte frame; closing",
                            s->nc.name, len);
                net_socket_disconnect(s);
                return false;
            }
            s->rx_need = len;
            s->rx_have = 0;
            continue;
        }
        go_on = net_socket_deliver(s, s->rx_buf, s->rx_need) && go_on;
        s->rx_need = s->rx_have = 0;
    }
    return go_on;
}

static gboolean net_socket_readable(gint fd, GIOCondition cond, gpointer opaque)
{
    NetSocket *s = opaque;
    uint8_t buf[NET_MAX_FRAME_SIZE];
    ssize_t n;

    n = recv(s->fd, buf, s->mode == NET_SOCKET_STREAM ? 4096 : sizeof(buf), 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return G_SOURCE_CONTINUE;
    }
    if (s->mode == NET_SOCKET_DGRAM) {
        if (n > 0 && !net_socket_deliver(s, buf, n)) {
            s->read_watch = 0;
            return G_SOURCE_REMOVE;
        }
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        s->read_watch = 0;
        net_socket_disconnect(s);
        return G_SOURCE_REMOVE;
    }
    if (!net_socket_stream_input(s, buf, n)) {
        s->read_watch = 0;
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

/* ---- sending to the socket ---- */

static gboolean net_socket_writable(gint fd, GIOCondition cond, gpointer opaque)
{
    NetSocket *s = opaque;
    ssize_t n = send(s->fd, s->tx_pending->data, s->tx_pending->len, MSG_NOSIGNAL);

    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return G_SOURCE_CONTINUE;
    }
    if (n < 0) {
        s->write_watch = 0;
        net_socket_disconnect(s);
        return G_SOURCE_REMOVE;
    }
    g_byte_array_remove_range(s->tx_pending, 0, n);
    if (s->tx_pending->len) {
        return G_SOURCE_CONTINUE;
    }
    s->write_watch = 0;
    net_flush_queued(&s->nc);
    return G_SOURCE_REMOVE;
}

static ssize_t net_socket_receive(NetClient *nc, const uint8_t *buf, size_t size)
{
    NetSocket *s = (NetSocket *)nc;
    uint8_t len[NET_SOCKET_LEN_SIZE] = {size >> 24, size >> 16, size >> 8, size};
    struct iovec iov[2] = {{len, sizeof(len)}, {(void *)buf, size}};
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
    ssize_t n;

    if (s->fd < 0) {
        return size; /* nobody at the other end */
    }
    if (s->mode == NET_SOCKET_DGRAM) {
        sendto(s->fd, buf, size, 0, (struct sockaddr *)&s->dgram_dst, sizeof(s->dgram_dst));
        return size;
    }
    if (s->tx_pending->len) {
        return 0; /* the socket is full: the NIC waits */
    }
    n = sendmsg(s->fd, &msg, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
        net_socket_disconnect(s);
        return size;
    }
    n = MAX(n, 0);
    if ((size_t)n < sizeof(len) + size) {
        /* Keep the rest of this frame; later ones wait in our queue. */
        for (int i = 0; i < 2; i++) {
            size_t skip = MIN((size_t)n, iov[i].iov_len);
            g_byte_array_append(s->tx_pending, (uint8_t *)iov[i].iov_base + skip,
                                iov[i].iov_len - skip);
            n -= skip;
        }
        s->write_watch = g_unix_fd_add(s->fd, G_IO_OUT, net_socket_writable, s);
    }
    return size;
}

static void net_socket_cleanup(NetClient *nc)
{
    NetSocket *s = (NetSocket *)nc;

    net_socket_remove_watch(&s->listen_watch);
    net_socket_remove_watch(&s->read_watch);
    net_socket_remove_watch(&s->write_watch);
    if (s->fd >= 0) {
        close(s->fd);
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
    }
    g_byte_array_unref(s->tx_pending);
}

static const NetClientInfo net_socket_info = {
    .type = NET_CLIENT_DRIVER_SOCKET,
    .size = sizeof(NetSocket),
    .receive = net_socket_receive,
    .cleanup = net_socket_cleanup,
};

/* ---- set-up ---- */

static void net_socket_connected(NetSocket *s, int fd, const struct sockaddr_in *peer)
{
    int one = 1;

    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    s->fd = fd;
    net_client_set_info_str(&s->nc, "socket: connection from %s:%d", inet_ntoa(peer->sin_addr),
                            ntohs(peer->sin_port));
    net_socket_watch_reads(s);
}

static gboolean net_socket_accept(gint fd, GIOCondition cond, gpointer opaque)
{
    NetSocket *s = opaque;
    struct sockaddr_in peer;
    socklen_t len = sizeof(peer);
    int conn = accept4(fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);

    if (conn < 0) {
        return G_SOURCE_CONTINUE;
    }
    s->listen_watch = 0;
    net_socket_connected(s, conn, &peer);
    return G_SOURCE_REMOVE;
}

static int net_socket_open(int type, const char *what, const char *spec, GError **errp)
{
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    int one = 1;

    if (fd < 0) {
        error_setg_errno(errp, errno, "-netdev socket,%s=%s: cannot create a socket", what, spec);
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    return fd;
}

static bool net_socket_listen(NetSocket *s, const char *spec, GError **errp)
{
    struct sockaddr_in sa;

    if (!net_socket_parse_addr("listen", spec, &sa, errp)) {
        return false;
    }
    s->listen_fd = net_socket_open(SOCK_STREAM, "listen", spec, errp);
    if (s->listen_fd < 0) {
        return false;
    }
    if (bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(s->listen_fd, 1) < 0) {
        error_setg_errno(errp, errno, "-netdev socket,listen=%s: cannot listen there", spec);
        return false;
    }
    net_socket_disconnect(s); /* starts listening */
    return true;
}

static bool net_socket_connect(NetSocket *s, const char *spec, GError **errp)
{
    struct sockaddr_in sa;
    int fd;

    if (!net_socket_parse_addr("connect", spec, &sa, errp)) {
        return false;
    }
    fd = net_socket_open(SOCK_STREAM, "connect", spec, errp);
    if (fd < 0) {
        return false;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        error_setg_errno(errp, errno, "-netdev socket,connect=%s: cannot connect", spec);
        close(fd);
        return false;
    }
    net_socket_connected(s, fd, &sa);
    net_client_set_info_str(&s->nc, "socket: connect to %s", spec);
    return true;
}

/* udp= (with localaddr=) and mcast= (localaddr= picks the interface). */
static bool net_socket_dgram(NetSocket *s, const char *udp, const char *mcast,
                             const char *localaddr, GError **errp)
{
    const char *opt = udp ? "udp" : "mcast";
    const char *spec = udp ? udp : mcast;
    struct sockaddr_in local = {.sin_family = AF_INET};
    int fd;

    if (!net_socket_parse_addr(opt, spec, &s->dgram_dst, errp)) {
        return false;
    }
    if (udp && !localaddr) {
        error_setg(errp, "-netdev socket,udp=%s needs localaddr=host:port to receive on", udp);
        return false;
    }
    if (mcast && !IN_MULTICAST(ntohl(s->dgram_dst.sin_addr.s_addr))) {
        error_setg(errp, "-netdev socket,mcast=%s: %s is not a multicast address (224.0.0.0/4)",
                   mcast, inet_ntoa(s->dgram_dst.sin_addr));
        return false;
    }
    if (udp && !net_socket_parse_addr("localaddr", localaddr, &local, errp)) {
        return false;
    }
    if (mcast) {
        local.sin_port = s->dgram_dst.sin_port;
    }
    fd = s->fd = net_socket_open(SOCK_DGRAM, opt, spec, errp);
    if (fd < 0) {
        return false;
    }
    if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
        error_setg_errno(errp, errno, "-netdev socket,%s=%s: cannot bind", opt, spec);
        return false;
    }
    if (mcast) {
        struct ip_mreq mreq = {.imr_multiaddr = s->dgram_dst.sin_addr};
        unsigned char loop = 1;

        if (localaddr && inet_pton(AF_INET, localaddr, &mreq.imr_interface) != 1) {
            error_setg(errp, "-netdev socket,mcast=%s: localaddr=%s is not an IPv4 address",
                       mcast, localaddr);
            return false;
        }
        if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0) {
            error_setg_errno(errp, errno, "-netdev socket,mcast=%s: cannot join the group", mcast);
            return false;
        }
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop));
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq.imr_interface,
                   sizeof(mreq.imr_interface));
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    s->mode = NET_SOCKET_DGRAM;
    net_client_set_info_str(&s->nc, "socket: %s=%s", opt, spec);
    net_socket_watch_reads(s);
    return true;
}

static NetClient *net_socket_init(KeyValList *kv, const char *id, NetClient *peer, GError **errp)
{
    const char *listen_spec = keyval_take(kv, "listen");
    const char *connect_spec = keyval_take(kv, "connect");
    const char *udp = keyval_take(kv, "udp");
    const char *mcast = keyval_take(kv, "mcast");
    const char *localaddr = keyval_take(kv, "localaddr");
    NetSocket *s;
    bool ok;

    if (!!listen_spec + !!connect_spec + !!udp + !!mcast != 1) {
        error_setg(errp, "-netdev socket: give exactly one of listen=, connect=, udp= and mcast=");
        return NULL;
    }
    if (localaddr && (listen_spec || connect_spec)) {
        error_setg(errp, "-netdev socket: localaddr= goes with udp= or mcast=");
        return NULL;
    }
    s = (NetSocket *)net_client_new(&net_socket_info, peer, "socket", id, errp);
    if (!s) {
        return NULL;
    }
    s->fd = s->listen_fd = -1;
    s->tx_pending = g_byte_array_new();
    ok = listen_spec    ? net_socket_listen(s, listen_spec, errp)
         : connect_spec ? net_socket_connect(s, connect_spec, errp)
                        : net_socket_dgram(s, udp, mcast, localaddr, errp);
    if (!ok) {
        net_client_delete(&s->nc);
        return NULL;
    }
    return &s->nc;
}

static const NetBackend net_socket_backend = {
    .type = "socket",
    .options = "id, listen, connect, udp, mcast, localaddr",
    .init = net_socket_init,
};

MIMIC_INIT(net_socket_register)
{
    net_backend_register(&net_socket_backend);
}
