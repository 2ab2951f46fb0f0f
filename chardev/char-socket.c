/*
 * The socket backend: a unix (path=) or TCP (host=,port=) stream socket, as
 * server (server=on) or client. Follows QEMU's chardev/char-socket.c:
 *
 * - a server takes one client at a time; while one is connected it stops
 *   accepting, so a second client waits in the listen backlog until the first
 *   leaves. wait=on (the default for servers) blocks start-up until the first
 *   client arrives. port=0 listens on a free port, shown by info chardev.
 * - a client connects at start-up (failure is an error), or with reconnect=N
 *   keeps trying every N seconds, also after the server goes away.
 * - output while nobody is connected is dropped; a peer vanishing mid-write
 *   (EPIPE) closes the connection from an idle callback, never inside write.
 *
 * Better than QEMU: a unix server only unlinks a stale *socket* at its path,
 * never a regular file someone mistyped. Left out: telnet, websocket, tls,
 * fd=, abstract unix names, ipv4=/ipv6=/to=.
 */
#include "chardev/char-internal.h"
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <glib-unix.h>

typedef struct SocketChardev {
    Chardev parent;
    bool is_unix;
    bool server;
    bool nodelay;
    unsigned reconnect; /* seconds; 0: a client gives up after the first try */
    char *path;         /* unix */
    char *host;         /* tcp; NULL: any address (server) or localhost (client) */
    char *port;
    char *local; /* "HOST:PORT" we listen on (tcp server), for describe */
    char *peer;  /* "HOST:PORT" of the connected peer (tcp) */

    int listen_fd;
    guint listen_watch;
    bool bound_path; /* we created the unix socket file: remove it on close */

    int fd; /* the connection, -1 while none */
    /* unix: descriptors the peer passed with its latest data, for chr_fe_get_msgfd() */
    int msgfds[16];
    int nmsgfds;
    ChrFdReader reader;
    guint hangup_idle;

    int connecting_fd; /* client: non-blocking connect in flight, or -1 */
    guint connect_watch;
    guint reconnect_timer;
    bool failure_reported; /* since the last successful connect */
} SocketChardev;

static gboolean socket_accept_ready(int fd, GIOCondition cond, gpointer opaque);
static bool socket_connect(SocketChardev *s, bool async, GError **errp);

static char *socket_addr_string(const struct sockaddr *sa, socklen_t len)
{
    char host[NI_MAXHOST], serv[NI_MAXSERV];

    if (getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        return g_strdup("?");
    }
    return g_strdup_printf(sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, serv);
}

static const char *socket_what(SocketChardev *s, char **tmp)
{
    if (s->is_unix) {
        return s->path;
    }
    *tmp = g_strdup_printf("%s:%s", s->host ? s->host : "localhost", s->port);
    return *tmp;
}

/* ---- connection state ---- */

static void socket_hangup(Chardev *chr);

static void socket_listen_resume(SocketChardev *s)
{
    if (s->listen_fd >= 0 && !s->listen_watch) {
        s->listen_watch = g_unix_fd_add(s->listen_fd, G_IO_IN, socket_accept_ready, s);
    }
}

static void socket_drop_msgfds(SocketChardev *s)
{
    for (int i = 0; i < s->nmsgfds; i++) {
        close(s->msgfds[i]);
    }
    s->nmsgfds = 0;
}

/* New descriptors replace any the frontend did not take, as QEMU's tcp_chr_recv(). */
static void socket_fds_received(Chardev *chr, const int *fds, int nfds)
{
    SocketChardev *s = (SocketChardev *)chr;

    socket_drop_msgfds(s);
    for (int i = 0; i < nfds; i++) {
        if (s->nmsgfds < (int)G_N_ELEMENTS(s->msgfds)) {
            s->msgfds[s->nmsgfds++] = fds[i];
        } else {
            close(fds[i]);
        }
    }
}

static int socket_get_msgfd(Chardev *chr)
{
    SocketChardev *s = (SocketChardev *)chr;

    return s->nmsgfds ? s->msgfds[--s->nmsgfds] : -1;
}

static void socket_set_connection(SocketChardev *s, int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int one = 1;

    chr_fd_set_nonblock(fd);
    if (!s->is_unix) {
        if (s->nodelay) {
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        }
        if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
            s->peer = socket_addr_string((struct sockaddr *)&ss, len);
        }
    }
    s->fd = fd;
    s->failure_reported = false;
    s->reader.fds_received = s->is_unix ? socket_fds_received : NULL;
    chr_fd_reader_start(&s->reader, &s->parent, fd, socket_hangup);
    chr_be_event(&s->parent, CHR_EVENT_OPENED);
}

static gboolean socket_reconnect_timeout(gpointer opaque)
{
    SocketChardev *s = opaque;

    s->reconnect_timer = 0;
    socket_connect(s, true, NULL);
    return G_SOURCE_REMOVE;
}

static void socket_schedule_reconnect(SocketChardev *s)
{
    if (s->reconnect && !s->reconnect_timer) {
        s->reconnect_timer = g_timeout_add_seconds(s->reconnect, socket_reconnect_timeout, s);
    }
}

static void socket_disconnect(SocketChardev *s)
{
    if (s->fd < 0) {
        return;
    }
    chr_fd_reader_stop(&s->reader);
    if (s->hangup_idle) {
        g_source_remove(s->hangup_idle);
        s->hangup_idle = 0;
    }
    close(s->fd);
    s->fd = -1;
    socket_drop_msgfds(s);
    g_clear_pointer(&s->peer, g_free);
    chr_be_event(&s->parent, CHR_EVENT_CLOSED);
    if (s->server) {
        socket_listen_resume(s);
    } else {
        socket_schedule_reconnect(s);
    }
}

static void socket_hangup(Chardev *chr)
{
    socket_disconnect((SocketChardev *)chr);
}

static gboolean socket_hangup_idle(gpointer opaque)
{
    SocketChardev *s = opaque;

    s->hangup_idle = 0;
    socket_disconnect(s);
    return G_SOURCE_REMOVE;
}

/* ---- server ---- */

static gboolean socket_accept_ready(int fd, GIOCondition cond, gpointer opaque)
{
    SocketChardev *s = opaque;
    int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

    if (conn < 0) {
        return G_SOURCE_CONTINUE; /* EAGAIN, ECONNABORTED: the client is gone already */
    }
    /* One client at a time: stop accepting until this one leaves. */
    s->listen_watch = 0;
    socket_set_connection(s, conn);
    return G_SOURCE_REMOVE;
}

static bool socket_listen_unix(SocketChardev *s, GError **errp)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    struct stat st;

    if (strlen(s->path) >= sizeof(sun.sun_path)) {
        error_setg(errp, "chardev '%s': socket path '%s' is too long (at most %zu bytes)",
                   s->parent.label, s->path, sizeof(sun.sun_path) - 1);
        return false;
    }
    strcpy(sun.sun_path, s->path);
    if (lstat(s->path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            error_setg(errp,
                       "chardev '%s': '%s' exists and is not a socket; refusing to "
                       "replace it",
                       s->parent.label, s->path);
            return false;
        }
        unlink(s->path); /* a stale socket from an earlier run */
    }
    s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        error_setg_errno(errp, errno, "chardev '%s': cannot bind unix socket '%s'", s->parent.label,
                         s->path);
        goto fail;
    }
    s->bound_path = true;
    if (listen(s->listen_fd, 1) < 0) {
        error_setg_errno(errp, errno, "chardev '%s': cannot listen on '%s'", s->parent.label,
                         s->path);
        goto fail;
    }
    return true;

fail:
    if (s->bound_path) {
        unlink(s->path);
        s->bound_path = false;
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
    }
    s->listen_fd = -1;
    return false;
}

static bool socket_listen_tcp(SocketChardev *s, GError **errp)
{
    struct addrinfo hints = {.ai_flags = AI_PASSIVE, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int rc, err = 0, one = 1, zero = 0;

    rc = getaddrinfo(s->host, s->port, &hints, &res);
    if (rc != 0) {
        error_setg(errp, "chardev '%s': cannot resolve '%s:%s': %s", s->parent.label,
                   s->host ? s->host : "", s->port, gai_strerror(rc));
        return false;
    }
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (ai->ai_family == AF_INET6 && !s->host) {
            /* "Any address" on IPv6 takes IPv4 clients too. */
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
        }
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0) {
            s->listen_fd = fd;
            break;
        }
        err = errno;
        close(fd);
    }
    freeaddrinfo(res);
    if (s->listen_fd < 0) {
        error_setg_errno(errp, err, "chardev '%s': cannot listen on '%s:%s'", s->parent.label,
                         s->host ? s->host : "", s->port);
        return false;
    }
    if (getsockname(s->listen_fd, (struct sockaddr *)&ss, &len) == 0) {
        s->local = socket_addr_string((struct sockaddr *)&ss, len);
    }
    return true;
}

static char *socket_describe(Chardev *chr);

/* wait=on: block start-up until the first client, as QEMU does. */
static bool socket_wait_first_client(SocketChardev *s, GError **errp)
{
    g_autofree char *desc = socket_describe(&s->parent);
    struct pollfd pfd = {.fd = s->listen_fd, .events = POLLIN};
    int conn;

    fprintf(stderr, "mimic: waiting for connection on: %s\n", desc);
    for (;;) {
        if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
            break;
        }
        conn = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn >= 0) {
            socket_set_connection(s, conn);
            return true;
        }
        if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) {
            break;
        }
    }
    error_setg_errno(errp, errno, "chardev '%s': waiting for a client failed", s->parent.label);
    return false;
}

/* ---- client ---- */

static void socket_connect_failed(SocketChardev *s, int err, GError **errp)
{
    g_autofree char *tmp = NULL;
    const char *what = socket_what(s, &tmp);

    if (errp) {
        error_setg_errno(errp, err, "chardev '%s': cannot connect to '%s'", s->parent.label, what);
        return;
    }
    if (!s->failure_reported) {
        warn_report("chardev '%s': cannot connect to '%s': %s; retrying every %u s",
                    s->parent.label, what, g_strerror(err), s->reconnect);
        s->failure_reported = true;
    }
    socket_schedule_reconnect(s);
}

static gboolean socket_connect_ready(int fd, GIOCondition cond, gpointer opaque)
{
    SocketChardev *s = opaque;
    int err = 0;
    socklen_t len = sizeof(err);

    s->connect_watch = 0;
    s->connecting_fd = -1;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
        err = errno;
    }
    if (err) {
        close(fd);
        socket_connect_failed(s, err, NULL);
    } else {
        socket_set_connection(s, fd);
    }
    return G_SOURCE_REMOVE;
}

/*
 * Try to connect. async: never block; a TCP connect still in flight finishes
 * in socket_connect_ready(), and failures are reported once and retried.
 * Otherwise a failure is an error in errp.
 */
static bool socket_connect(SocketChardev *s, bool async, GError **errp)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int type = SOCK_STREAM | SOCK_CLOEXEC | (async ? SOCK_NONBLOCK : 0);
    int rc, fd, err = ECONNREFUSED;

    if (s->is_unix) {
        struct sockaddr_un sun = {.sun_family = AF_UNIX};

        g_strlcpy(sun.sun_path, s->path, sizeof(sun.sun_path));
        fd = socket(AF_UNIX, type, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
            socket_set_connection(s, fd);
            return true;
        }
        err = errno;
        if (fd >= 0) {
            close(fd);
        }
        socket_connect_failed(s, err, errp);
        return false;
    }

    rc = getaddrinfo(s->host ? s->host : "localhost", s->port, &hints, &res);
    if (rc != 0) {
        g_autofree char *tmp = NULL;
        const char *what = socket_what(s, &tmp);

        if (errp) {
            error_setg(errp, "chardev '%s': cannot resolve '%s': %s", s->parent.label, what,
                       gai_strerror(rc));
            return false;
        }
        if (!s->failure_reported) {
            warn_report("chardev '%s': cannot resolve '%s': %s; retrying every %u s",
                        s->parent.label, what, gai_strerror(rc), s->reconnect);
            s->failure_reported = true;
        }
        socket_schedule_reconnect(s);
        return false;
    }
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | (type & ~SOCK_STREAM), ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            freeaddrinfo(res);
            socket_set_connection(s, fd);
            return true;
        }
        err = errno;
        if (async && err == EINPROGRESS) {
            freeaddrinfo(res);
            s->connecting_fd = fd;
            s->connect_watch = g_unix_fd_add(fd, G_IO_OUT, socket_connect_ready, s);
            return true;
        }
        close(fd);
    }
    freeaddrinfo(res);
    socket_connect_failed(s, err, errp);
    return false;
}

/* ---- the class ---- */

static bool socket_parse(SocketChardev *s, KeyValList *opts, bool *wait, GError **errp)
{
    const char *path = keyval_take(opts, "path");
    const char *host = keyval_take(opts, "host");
    const char *port = keyval_take(opts, "port");
    const char *wait_str = keyval_take(opts, "wait");
    bool nowait;
    uint64_t reconnect;

    if (!keyval_take_bool(opts, "server", false, &s->server, errp) ||
        !keyval_take_bool(opts, "wait", true, wait, errp) ||
        !keyval_take_bool(opts, "nowait", false, &nowait, errp) ||
        !keyval_take_bool(opts, "nodelay", false, &s->nodelay, errp) ||
        !keyval_take_uint(opts, "reconnect", 0, &reconnect, errp) ||
        !keyval_check_all_used(
            opts, "path, host, port, server, wait, reconnect, nodelay, " CHR_COMMON_OPTS, errp)) {
        return false;
    }
    if (nowait) {
        *wait = false; /* the old spelling of wait=off */
    }
    if (path && (host || port)) {
        error_setg(errp, "%s: give either path= (unix socket) or host=,port= (TCP), not both",
                   opts->optname);
        return false;
    }
    if (host && !port) {
        error_setg(errp, "%s: host= needs port=, e.g. host=%s,port=4444", opts->optname, host);
        return false;
    }
    if (!path && !port) {
        error_setg(errp,
                   "%s: missing address; give path=PATH for a unix socket or "
                   "host=HOST,port=PORT for TCP",
                   opts->optname);
        return false;
    }
    if ((path && !*path) || (port && !*port)) {
        error_setg(errp, "%s: empty %s=", opts->optname, path ? "path" : "port");
        return false;
    }
    if (!s->server && (wait_str || nowait)) {
        error_setg(errp, "%s: wait= only applies to a server; add server=on or drop it",
                   opts->optname);
        return false;
    }
    if (s->server && reconnect) {
        error_setg(errp, "%s: reconnect= only applies to a client; drop server=on or it",
                   opts->optname);
        return false;
    }
    if (reconnect > 3600 * 24) {
        error_setg(errp, "%s: reconnect=%" PRIu64 " is too long; give seconds, at most 86400",
                   opts->optname, reconnect);
        return false;
    }
    s->reconnect = reconnect;
    s->is_unix = path != NULL;
    s->path = g_strdup(path);
    s->host = host && *host ? g_strdup(host) : NULL;
    s->port = g_strdup(port);
    return true;
}

static void socket_free_strings(SocketChardev *s)
{
    g_free(s->path);
    g_free(s->host);
    g_free(s->port);
    g_free(s->local);
    g_free(s->peer);
}

static bool socket_open(Chardev *chr, KeyValList *opts, GError **errp)
{
    SocketChardev *s = (SocketChardev *)chr;
    bool wait, ok;

    s->fd = s->listen_fd = s->connecting_fd = -1;
    if (!socket_parse(s, opts, &wait, errp)) {
        socket_free_strings(s);
        return false;
    }
    if (!s->server) {
        /* With reconnect=, a server that is not up yet is not an error. */
        if (s->reconnect) {
            socket_connect(s, true, NULL);
            return true;
        }
        if (!socket_connect(s, false, errp)) {
            socket_free_strings(s);
            return false;
        }
        return true;
    }
    ok = s->is_unix ? socket_listen_unix(s, errp) : socket_listen_tcp(s, errp);
    if (ok && wait) {
        ok = socket_wait_first_client(s, errp);
    }
    if (!ok) {
        if (s->listen_fd >= 0) {
            close(s->listen_fd);
        }
        if (s->bound_path) {
            unlink(s->path);
        }
        socket_free_strings(s);
        return false;
    }
    if (s->fd < 0) {
        socket_listen_resume(s);
    }
    return true;
}

static int socket_write(Chardev *chr, const uint8_t *buf, int len)
{
    SocketChardev *s = (SocketChardev *)chr;
    ssize_t n;

    if (s->fd < 0 || s->hangup_idle) {
        return len; /* nobody there: dropped, as QEMU */
    }
    do {
        n = send(s->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n >= 0) {
        return n;
    }
    if (errno == EAGAIN) {
        return 0;
    }
    /* EPIPE, ECONNRESET: close outside the frontend's write call. */
    s->hangup_idle = g_idle_add(socket_hangup_idle, s);
    return len;
}

static void socket_accept_input(Chardev *chr)
{
    chr_fd_reader_resume(&((SocketChardev *)chr)->reader);
}

static char *socket_describe(Chardev *chr)
{
    SocketChardev *s = (SocketChardev *)chr;
    const char *server = s->server ? ",server=on" : "";
    const char *state = s->fd >= 0 ? "" : "disconnected:";

    if (s->is_unix) {
        return g_strdup_printf("%sunix:%s%s", state, s->path, server);
    }
    if (s->fd >= 0 && s->peer) {
        if (s->server) {
            return g_strdup_printf("tcp:%s%s <-> %s", s->local, server, s->peer);
        }
        return g_strdup_printf("tcp:%s", s->peer);
    }
    if (s->server && s->local) {
        return g_strdup_printf("%stcp:%s%s", state, s->local, server);
    }
    return g_strdup_printf("%stcp:%s:%s%s", state, s->host ? s->host : "localhost", s->port,
                           server);
}

static void socket_close(Chardev *chr)
{
    SocketChardev *s = (SocketChardev *)chr;

    chr_fd_reader_stop(&s->reader);
    if (s->hangup_idle) {
        g_source_remove(s->hangup_idle);
    }
    if (s->listen_watch) {
        g_source_remove(s->listen_watch);
    }
    if (s->connect_watch) {
        g_source_remove(s->connect_watch);
    }
    if (s->reconnect_timer) {
        g_source_remove(s->reconnect_timer);
    }
    if (s->fd >= 0) {
        close(s->fd);
    }
    socket_drop_msgfds(s);
    if (s->connecting_fd >= 0) {
        close(s->connecting_fd);
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
    }
    if (s->bound_path) {
        unlink(s->path);
    }
    socket_free_strings(s);
}

const ChardevClass char_socket_class = {
    .name = "socket",
    .instance_size = sizeof(SocketChardev),
    .open = socket_open,
    .write = socket_write,
    .accept_input = socket_accept_input,
    .describe = socket_describe,
    .close = socket_close,
    .get_msgfd = socket_get_msgfd,
};
