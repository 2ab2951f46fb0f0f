/*
 * Unit tests for the chardev backends, the mux and the frontend API. They do
 * real I/O (files, unix and TCP sockets, a pty, pipes in place of stdio) and
 * drive it by iterating glib's default main context, as the emulator does.
 */
#include "chardev/char.h"
#include "util/error.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <glib/gstdio.h>

#define WAIT_MS 5000

static char *tmpdir;

/* ---- a test frontend ---- */

typedef struct TestFe {
    CharFrontend fe;
    GByteArray *rx;
    GArray *events; /* of ChrEvent */
    int room;       /* what can_read() answers */
    bool pause_after_read;
    int max_chunk;
} TestFe;

static int tfe_can_read(void *opaque)
{
    TestFe *t = opaque;
    return t->room;
}

static void tfe_read(void *opaque, const uint8_t *buf, int size)
{
    TestFe *t = opaque;

    g_assert_cmpint(size, >, 0);
    g_assert_cmpint(size, <=, t->room); /* never more than can_read() allowed */
    t->max_chunk = MAX(t->max_chunk, size);
    g_byte_array_append(t->rx, buf, size);
    if (t->pause_after_read) {
        t->room = 0;
    }
}

static void tfe_event(void *opaque, ChrEvent event)
{
    TestFe *t = opaque;
    g_array_append_val(t->events, event);
}

static TestFe *tfe_new(Chardev *chr)
{
    TestFe *t = g_new0(TestFe, 1);
    g_autoptr(GError) err = NULL;

    t->rx = g_byte_array_new();
    t->events = g_array_new(FALSE, FALSE, sizeof(ChrEvent));
    t->room = 4096;
    g_assert_true(chr_fe_init(&t->fe, chr, &err));
    g_assert_no_error(err);
    chr_fe_set_handlers(&t->fe, tfe_can_read, tfe_read, tfe_event, t);
    return t;
}

static void tfe_free(TestFe *t)
{
    chr_fe_deinit(&t->fe);
    g_byte_array_unref(t->rx);
    g_array_unref(t->events);
    g_free(t);
}

static int tfe_count(TestFe *t, ChrEvent ev)
{
    int n = 0;
    for (guint i = 0; i < t->events->len; i++) {
        n += g_array_index(t->events, ChrEvent, i) == ev;
    }
    return n;
}

static bool tfe_got(TestFe *t, const char *s)
{
    return t->rx->len == strlen(s) && memcmp(t->rx->data, s, t->rx->len) == 0;
}

static void tfe_write(TestFe *t, const char *s)
{
    g_assert_cmpint(chr_fe_write_all(&t->fe, (const uint8_t *)s, strlen(s)), ==, strlen(s));
}

/* ---- driving the main loop ---- */

static gboolean set_flag(gpointer opaque)
{
    *(bool *)opaque = true;
    return G_SOURCE_REMOVE;
}

#define WAIT_FOR(cond)                                                                             \
    do {                                                                                           \
        bool timed_out_ = false, ok_;                                                              \
        guint id_ = g_timeout_add(WAIT_MS, set_flag, &timed_out_);                                 \
        while (!(ok_ = (cond)) && !timed_out_) {                                                   \
            g_main_context_iteration(NULL, TRUE);                                                  \
        }                                                                                          \
        if (!timed_out_) {                                                                         \
            g_source_remove(id_);                                                                  \
        }                                                                                          \
        g_assert_true(ok_);                                                                        \
    } while (0)

static void pump_ms(int ms)
{
    bool done = false;

    g_timeout_add(ms, set_flag, &done);
    while (!done) {
        g_main_context_iteration(NULL, TRUE);
    }
}

/* ---- peers ---- */

static int unix_connect(const char *path)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), ==, 0);
    return fd;
}

static int unix_listen(const char *path)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    unlink(path);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), ==, 0);
    g_assert_cmpint(listen(fd, 4), ==, 0);
    return fd;
}

static void send_str(int fd, const char *s)
{
    g_assert_cmpint(send(fd, s, strlen(s), MSG_NOSIGNAL), ==, strlen(s));
}

/* Read from fd (running the main loop meanwhile) until `want` has arrived. */
static void peer_expect(int fd, const char *want)
{
    g_autoptr(GString) got = g_string_new(NULL);
    gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;

    while (!strstr(got->str, want) && g_get_monotonic_time() < deadline) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        char buf[512];

        g_main_context_iteration(NULL, FALSE);
        if (poll(&pfd, 1, 10) == 1) {
            ssize_t n = read(fd, buf, sizeof(buf));
            if (n > 0) {
                g_string_append_len(got, buf, n);
            }
        }
    }
    if (!strstr(got->str, want)) {
        g_test_message("expected '%s', got '%s'", want, got->str);
    }
    g_assert_nonnull(strstr(got->str, want));
}

static char *tmp_path(const char *name)
{
    return g_build_filename(tmpdir, name, NULL);
}

static Chardev *new_chardev(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static Chardev *new_chardev(const char *fmt, ...)
{
    g_autofree char *spec = NULL;
    g_autoptr(GError) err = NULL;
    Chardev *chr;
    va_list ap;

    va_start(ap, fmt);
    spec = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    chr = chardev_new_from_spec(spec, &err);
    g_assert_no_error(err);
    g_assert_nonnull(chr);
    return chr;
}

static char *describe(const char *label)
{
    Chardev *chr = chardev_find(label);
    g_assert_nonnull(chr);
    return chr->cls->describe(chr);
}

/* ---- file, null, logfile, frontend basics ---- */

static void test_file_writes_reach_the_file(void)
{
    g_autofree char *path = tmp_path("out.txt");
    g_autofree char *contents = NULL, *info = NULL, *line = NULL;
    Chardev *chr = new_chardev("file,id=f0,path=%s", path);
    TestFe *t = tfe_new(chr);

    g_assert_cmpint(tfe_count(t, CHR_EVENT_OPENED), ==, 1);
    tfe_write(t, "hello ");
    g_assert_cmpint(chr_fe_printf(&t->fe, "%s %d\n", "world", 42), ==, 9);
    info = chardev_info_string();
    line = g_strdup_printf("f0: filename=file:%s\n", path);
    g_assert_nonnull(strstr(info, line));
    tfe_free(t);
    chardev_close_all();

    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "hello world 42\n");
}

static void test_file_append(void)
{
    g_autofree char *path = tmp_path("append.txt");
    g_autofree char *contents = NULL;
    TestFe *t;

    g_assert_true(g_file_set_contents(path, "abc", -1, NULL));
    t = tfe_new(new_chardev("file,id=f1,path=%s,append=on", path));
    tfe_write(t, "def");
    tfe_free(t);
    chardev_close_all();
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "abcdef");

    t = tfe_new(new_chardev("file,id=f1,path=%s", path));
    tfe_write(t, "new");
    tfe_free(t);
    chardev_close_all();
    g_free(contents);
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "new");
}

static void test_null_with_logfile(void)
{
    g_autofree char *path = tmp_path("null.log");
    g_autofree char *contents = NULL, *info = NULL;
    TestFe *t = tfe_new(new_chardev("null,id=n0,logfile=%s", path));

    g_assert_cmpint(tfe_count(t, CHR_EVENT_OPENED), ==, 0); /* as QEMU: null never opens */
    tfe_write(t, "logged");
    info = chardev_info_string();
    g_assert_nonnull(strstr(info, "n0: filename=null\n"));
    tfe_free(t);
    chardev_close_all();
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "logged");
}

static void test_frontend_without_backend_drops(void)
{
    CharFrontend fe = {0};

    g_assert_true(chr_fe_init(&fe, NULL, NULL));
    g_assert_false(chr_fe_backend_connected(&fe));
    g_assert_cmpint(chr_fe_write_all(&fe, (const uint8_t *)"abc", 3), ==, 3);
    g_assert_cmpint(chr_fe_printf(&fe, "%d", 12345), ==, 5);
    chr_fe_accept_input(&fe);
    chr_fe_deinit(&fe);
}

static void test_frontend_chardev_in_use(void)
{
    g_autoptr(GError) err = NULL;
    Chardev *chr = new_chardev("null,id=busy");
    TestFe *t = tfe_new(chr);
    CharFrontend second = {0};

    g_assert_false(chr_fe_init(&second, chr, &err));
    g_assert_nonnull(strstr(err->message, "'busy' is already in use"));
    g_assert_nonnull(strstr(err->message, "mux=on"));
    tfe_free(t);
    chardev_close_all();
}

/* ---- sockets ---- */

static void test_unix_server_one_client_at_a_time(void)
{
    g_autofree char *path = tmp_path("s0.sock");
    g_autofree char *desc = NULL;
    g_autofree char *expect = NULL;
    Chardev *chr = new_chardev("socket,id=s0,path=%s,server=on,wait=off", path);
    TestFe *t = tfe_new(chr);
    int c1, c2;

    desc = describe("s0");
    expect = g_strdup_printf("disconnected:unix:%s,server=on", path);
    g_assert_cmpstr(desc, ==, expect);
    g_assert_cmpint(tfe_count(t, CHR_EVENT_OPENED), ==, 0);
    tfe_write(t, "dropped while nobody listens");

    c1 = unix_connect(path);
    WAIT_FOR(tfe_count(t, CHR_EVENT_OPENED) == 1);
    g_free(desc);
    desc = describe("s0");
    g_assert_cmpstr(desc, ==, expect + strlen("disconnected:"));

    send_str(c1, "ping");
    WAIT_FOR(t->rx->len == 4);
    g_assert_true(tfe_got(t, "ping"));
    tfe_write(t, "pong");
    peer_expect(c1, "pong");

    /* A second client waits in the backlog while the first is served. */
    c2 = unix_connect(path);
    send_str(c2, "second");
    pump_ms(100);
    g_assert_true(tfe_got(t, "ping"));

    close(c1);
    WAIT_FOR(tfe_count(t, CHR_EVENT_CLOSED) == 1);
    WAIT_FOR(tfe_count(t, CHR_EVENT_OPENED) == 2);
    WAIT_FOR(t->rx->len == 10);
    g_assert_true(tfe_got(t, "pingsecond"));
    tfe_write(t, "hi two");
    peer_expect(c2, "hi two");

    close(c2);
    WAIT_FOR(tfe_count(t, CHR_EVENT_CLOSED) == 2);
    tfe_free(t);
    chardev_close_all();
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS)); /* removed on close */
}

static void test_unix_server_replaces_stale_socket_only(void)
{
    g_autofree char *sock = tmp_path("stale.sock");
    g_autofree char *file = tmp_path("precious.txt");
    g_autoptr(GError) err = NULL;
    g_autofree char *spec = NULL;
    int fd = unix_listen(sock);

    close(fd); /* leaves a stale socket file behind */
    g_assert_true(g_file_test(sock, G_FILE_TEST_EXISTS));
    new_chardev("socket,id=st,path=%s,server=on,wait=off", sock);

    g_assert_true(g_file_set_contents(file, "keep me", -1, NULL));
    spec = g_strdup_printf("socket,id=st2,path=%s,server=on,wait=off", file);
    g_assert_null(chardev_new_from_spec(spec, &err));
    g_assert_nonnull(strstr(err->message, "is not a socket"));
    g_assert_true(g_file_test(file, G_FILE_TEST_EXISTS));
    chardev_close_all();
}

static void test_tcp_server_any_port(void)
{
    g_autofree char *desc = NULL;
    struct sockaddr_in sin = {.sin_family = AF_INET};
    const char *colon;
    TestFe *t;
    int port, c;

    t = tfe_new(new_chardev("socket,id=t0,host=127.0.0.1,port=0,server=on,wait=off,nodelay=on"));
    desc = describe("t0");
    g_assert_true(g_str_has_prefix(desc, "disconnected:tcp:127.0.0.1:"));
    g_assert_true(g_str_has_suffix(desc, ",server=on"));
    colon = strrchr(desc, ':');
    port = atoi(colon + 1);
    g_assert_cmpint(port, >, 0);

    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c = socket(AF_INET, SOCK_STREAM, 0);
    g_assert_cmpint(connect(c, (struct sockaddr *)&sin, sizeof(sin)), ==, 0);
    WAIT_FOR(tfe_count(t, CHR_EVENT_OPENED) == 1);
    g_free(desc);
    desc = describe("t0");
    g_assert_true(g_str_has_prefix(desc, "tcp:127.0.0.1:"));
    g_assert_nonnull(strstr(desc, ",server=on <-> 127.0.0.1:"));

    send_str(c, "over tcp");
    WAIT_FOR(t->rx->len == 8);
    g_assert_true(tfe_got(t, "over tcp"));
    tfe_write(t, "back");
    peer_expect(c, "back");
    close(c);
    WAIT_FOR(tfe_count(t, CHR_EVENT_CLOSED) == 1);
    tfe_free(t);
    chardev_close_all();
}

static void test_unix_client_reconnects(void)
{
    g_autofree char *path = tmp_path("srv.sock");
    int lfd = unix_listen(path);
    int conn = -1;
    TestFe *t = tfe_new(new_chardev("socket,id=cl,path=%s,reconnect=1", path));

    WAIT_FOR((conn = accept(lfd, NULL, NULL)) >= 0);
    WAIT_FOR(tfe_count(t, CHR_EVENT_OPENED) == 1);
    tfe_write(t, "from client");
    peer_expect(conn, "from client");
    send_str(conn, "to client");
    WAIT_FOR(t->rx->len == 9);

    /* The server drops us: CLOSED, then a new connection within a second or so. */
    close(conn);
    WAIT_FOR(tfe_count(t, CHR_EVENT_CLOSED) == 1);
    WAIT_FOR((conn = accept(lfd, NULL, NULL)) >= 0);
    WAIT_FOR(tfe_count(t, CHR_EVENT_OPENED) == 2);
    send_str(conn, "!");
    WAIT_FOR(t->rx->len == 10);
    g_assert_true(tfe_got(t, "to client!"));
    close(conn);
    close(lfd);
    tfe_free(t);
    chardev_close_all();
}

static void test_client_refused_is_an_error(void)
{
    g_autofree char *path = tmp_path("nobody.sock");
    g_autofree char *spec = g_strdup_printf("socket,id=c0,path=%s", path);
    g_autoptr(GError) err = NULL;

    g_assert_null(chardev_new_from_spec(spec, &err));
    g_assert_nonnull(strstr(err->message, "cannot connect"));
    g_assert_nonnull(strstr(err->message, path));
    g_assert_null(chardev_find("c0"));
}

static gpointer connect_later(gpointer opaque)
{
    const char *path = opaque;
    struct sockaddr_un sun = {.sun_family = AF_UNIX};

    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    for (int i = 0; i < 500; i++) {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
            return GINT_TO_POINTER(fd);
        }
        close(fd);
        g_usleep(10 * 1000);
    }
    return GINT_TO_POINTER(-1);
}

static void test_server_wait_blocks_for_first_client(void)
{
    g_autofree char *path = tmp_path("wait.sock");
    GThread *th = g_thread_new("client", connect_later, path);
    Chardev *chr = new_chardev("socket,id=w0,path=%s,server=on", path);
    int fd = GPOINTER_TO_INT(g_thread_join(th));
    TestFe *t;

    g_assert_cmpint(fd, >=, 0);
    g_assert_true(chr->connected);
    t = tfe_new(chr);
    g_assert_cmpint(tfe_count(t, CHR_EVENT_OPENED), ==, 1); /* OPENED on attach */
    tfe_write(t, "welcome");
    peer_expect(fd, "welcome");
    close(fd);
    tfe_free(t);
    chardev_close_all();
}

static void test_peer_gone_mid_write(void)
{
    g_autofree char *path = tmp_path("gone.sock");
    TestFe *t = tfe_new(new_chardev("socket,id=g0,path=%s,server=on,wait=off", path));
    g_autofree uint8_t *big = g_malloc0(64 * 1024);
    int c = unix_connect(path);

    WAIT_FOR(tfe_count(t, CHR_EVENT_OPENED) == 1);
    close(c);
    /* No SIGPIPE, no hang: the writes are taken (dropped) and CLOSED follows. */
    for (int i = 0; i < 8; i++) {
        g_assert_cmpint(chr_fe_write_all(&t->fe, big, 64 * 1024), ==, 64 * 1024);
    }
    WAIT_FOR(tfe_count(t, CHR_EVENT_CLOSED) == 1);
    tfe_free(t);
    chardev_close_all();
}

/* ---- flow control ---- */

static void check_flow_control(TestFe *t, int peer, size_t total)
{
    g_autofree uint8_t *data = g_malloc(total);

    for (size_t i = 0; i < total; i++) {
        data[i] = i * 7 + i / 251;
    }
    t->room = 0;
    g_assert_cmpint(send(peer, data, total, MSG_NOSIGNAL), ==, total);
    pump_ms(100);
    g_assert_cmpint(t->rx->len, ==, 0);
    /* Paused: nothing is left for the main loop to do (no busy loop on the fd). */
    g_assert_false(g_main_context_pending(NULL));

    /* A frontend that takes 7 bytes, then pauses until accept_input. */
    t->pause_after_read = true;
    while (t->rx->len < total) {
        size_t before = t->rx->len;
        t->room = 7;
        chr_fe_accept_input(&t->fe);
        WAIT_FOR(t->rx->len > before);
        g_assert_cmpint(t->rx->len - before, <=, 7);
        if (t->rx->len > total / 2) {
            /* The second half in bigger gulps, without pausing. */
            t->pause_after_read = false;
            t->room = 1000;
            chr_fe_accept_input(&t->fe);
            WAIT_FOR(t->rx->len == total);
        }
    }
    g_assert_cmpint(t->max_chunk, <=, 1000);
    g_assert_cmpmem(t->rx->data, t->rx->len, data, total);
}

static void test_flow_control_socket(void)
{
    g_autofree char *path = tmp_path("flow.sock");
    TestFe *t = tfe_new(new_chardev("socket,id=fc,path=%s,server=on,wait=off", path));
    int c = unix_connect(path);

    WAIT_FOR(tfe_count(t, CHR_EVENT_OPENED) == 1);
    check_flow_control(t, c, 20000);
    close(c);
    tfe_free(t);
    chardev_close_all();
}

/* ---- pty ---- */

static void test_pty_both_ways(void)
{
    g_autoptr(GError) err = NULL;
    Chardev *chr = chardev_new_from_spec("pty,id=p0", &err);
    g_autofree char *desc = NULL;
    const char *slave_path;
    TestFe *t;
    int slave;

    if (!chr) {
        g_test_skip(err->message); /* no /dev/ptmx in this sandbox */
        return;
    }
    desc = describe("p0");
    t = tfe_new(chr);

    g_assert_true(g_str_has_prefix(desc, "pty:/dev/pts/"));
    slave_path = desc + 4;
    g_assert_cmpint(tfe_count(t, CHR_EVENT_OPENED), ==, 0);
    tfe_write(t, "nobody hears this"); /* dropped, does not block */

    slave = open(slave_path, O_RDWR | O_NOCTTY);
    g_assert_cmpint(slave, >=, 0);
    WAIT_FOR(tfe_count(t, CHR_EVENT_OPENED) == 1);
    tfe_write(t, "hello");
    peer_expect(slave, "hello");

    g_assert_cmpint(write(slave, "abc", 3), ==, 3);
    WAIT_FOR(t->rx->len == 3);
    g_assert_true(tfe_got(t, "abc")); /* raw mode: no echo, no line buffering */

    close(slave);
    WAIT_FOR(tfe_count(t, CHR_EVENT_CLOSED) == 1);
    tfe_write(t, "gone again");
    tfe_free(t);
    chardev_close_all();
}

/* ---- stdio, with pipes in place of fd 0 and fd 1 ---- */

static void test_stdio_via_pipes(void)
{
    int in[2], out[2], saved_in, saved_out;
    g_autoptr(GError) err = NULL;
    g_autofree char *second_err = NULL;
    char buf[64] = "";
    Chardev *chr;
    TestFe *t;
    ssize_t n;

    g_assert_cmpint(pipe(in), ==, 0);
    g_assert_cmpint(pipe(out), ==, 0);
    fflush(stdout);
    saved_in = dup(0);
    saved_out = dup(1);
    dup2(in[0], 0);
    dup2(out[1], 1);

    chr = chardev_new_from_spec("stdio,id=io,signal=off", &err);
    if (chr && !chardev_new_from_spec("stdio,id=io2", &err)) {
        second_err = g_strdup(err->message);
    }
    t = chr ? tfe_new(chr) : NULL;
    if (t) {
        g_assert_cmpint(write(in[1], "typed", 5), ==, 5);
        WAIT_FOR(t->rx->len == 5);
        tfe_write(t, "shown");
        n = read(out[0], buf, sizeof(buf) - 1);
        g_assert_cmpint(n, ==, 5);
        close(in[1]);
        WAIT_FOR(tfe_count(t, CHR_EVENT_CLOSED) == 1); /* EOF on stdin */
        tfe_free(t);
    }
    chardev_close_all();

    dup2(saved_in, 0);
    dup2(saved_out, 1);
    close(saved_in);
    close(saved_out);
    close(in[0]);
    close(out[0]);
    close(out[1]);

    g_assert_nonnull(chr);
    g_assert_cmpstr(buf, ==, "shown");
    g_assert_nonnull(second_err);
    g_assert_nonnull(strstr(second_err, "stdio is already used"));
}

/* ---- the mux ---- */

static int quit_calls;

static void count_quit(void)
{
    quit_calls++;
}

static void test_mux_focus_and_escapes(void)
{
    g_autofree char *path = tmp_path("mux.sock");
    g_autoptr(GError) err = NULL;
    g_autofree char *info = NULL;
    Chardev *mux = new_chardev("socket,id=m,path=%s,server=on,wait=off,mux=on", path);
    TestFe *a, *b, *c, *d;
    CharFrontend e = {0};
    int peer;

    chardev_set_quit_hook(count_quit);
    g_assert_cmpstr(mux->label, ==, "m");
    g_assert_nonnull(chardev_find("m-base"));
    info = chardev_info_string();
    g_assert_nonnull(strstr(info, "m: filename=mux\n"));
    g_assert_nonnull(strstr(info, "m-base: filename=disconnected:unix:"));

    a = tfe_new(mux); /* first attached: has the focus */
    b = tfe_new(mux);
    g_assert_cmpint(g_array_index(a->events, ChrEvent, 0), ==, CHR_EVENT_MUX_IN);
    g_assert_cmpint(g_array_index(b->events, ChrEvent, 0), ==, CHR_EVENT_MUX_OUT);

    peer = unix_connect(path);
    WAIT_FOR(tfe_count(a, CHR_EVENT_OPENED) == 1 && tfe_count(b, CHR_EVENT_OPENED) == 1);

    send_str(peer, "ab");
    WAIT_FOR(a->rx->len == 2);
    g_assert_true(tfe_got(a, "ab"));

    send_str(peer, "\x01"
                   "cxy");
    WAIT_FOR(b->rx->len == 2);
    g_assert_true(tfe_got(b, "xy"));
    g_assert_true(tfe_got(a, "ab"));
    g_assert_cmpint(tfe_count(a, CHR_EVENT_MUX_OUT), ==, 1);
    g_assert_cmpint(tfe_count(b, CHR_EVENT_MUX_IN), ==, 1);

    /* C-a C-a is one C-a; C-a z is swallowed; C-a b is a break. */
    send_str(peer, "\x01\x01"
                   "\x01z"
                   "\x01"
                   "b!");
    WAIT_FOR(b->rx->len == 4);
    g_assert_cmpmem(b->rx->data, 4, "xy\x01!", 4);
    g_assert_cmpint(tfe_count(b, CHR_EVENT_BREAK), ==, 1);
    g_assert_cmpint(tfe_count(a, CHR_EVENT_BREAK), ==, 0);

    /* Everybody's output reaches the backend. */
    tfe_write(a, "from-a ");
    tfe_write(b, "from-b");
    peer_expect(peer, "from-a from-b");

    send_str(peer, "\x01h");
    peer_expect(peer, "C-a x    exit emulator");

    /* Cycling wraps round to the first again. */
    send_str(peer, "\x01"
                   "c"
                   "A");
    WAIT_FOR(a->rx->len == 3);
    g_assert_true(tfe_got(a, "abA"));

    /* At most four frontends. */
    c = tfe_new(mux);
    d = tfe_new(mux);
    g_assert_false(chr_fe_init(&e, mux, &err));
    g_assert_nonnull(strstr(err->message, "at most 4"));

    send_str(peer, "\x01x");
    peer_expect(peer, "terminated");
    g_assert_cmpint(quit_calls, ==, 1);

    close(peer);
    WAIT_FOR(tfe_count(a, CHR_EVENT_CLOSED) == 1 && tfe_count(d, CHR_EVENT_CLOSED) == 1);
    tfe_free(a);
    tfe_free(b);
    tfe_free(c);
    tfe_free(d);
    chardev_close_all();
}

static void test_mux_flow_control(void)
{
    g_autofree char *path = tmp_path("muxflow.sock");
    Chardev *mux = new_chardev("socket,id=mf,path=%s,server=on,wait=off,mux=on", path);
    TestFe *t = tfe_new(mux);
    int peer = unix_connect(path);
    g_autofree uint8_t *data = g_malloc(3000);

    WAIT_FOR(tfe_count(t, CHR_EVENT_OPENED) == 1);
    /* Data without Ctrl-A, so the mux passes every byte. */
    for (int i = 0; i < 3000; i++) {
        data[i] = 'a' + i % 26;
    }
    t->room = 0;
    g_assert_cmpint(send(peer, data, 3000, 0), ==, 3000);
    pump_ms(100);
    g_assert_cmpint(t->rx->len, ==, 0);
    g_assert_false(g_main_context_pending(NULL));
    t->pause_after_read = true;
    while (t->rx->len < 3000) {
        size_t before = t->rx->len;
        t->room = 5;
        chr_fe_accept_input(&t->fe);
        WAIT_FOR(t->rx->len > before);
    }
    g_assert_cmpmem(t->rx->data, t->rx->len, data, 3000);
    close(peer);
    tfe_free(t);
    chardev_close_all();
}

static void test_mux_new_over_existing(void)
{
    g_autoptr(GError) err = NULL;
    Chardev *base = new_chardev("null,id=nb");
    Chardev *mux = chardev_mux_new("nm", base, &err);
    TestFe *t;

    g_assert_no_error(err);
    g_assert_nonnull(mux);
    g_assert_null(chardev_mux_new("nm2", base, &err)); /* the base is taken by nm */
    g_assert_nonnull(strstr(err->message, "already in use"));
    t = tfe_new(mux);
    tfe_write(t, "into the void");
    tfe_free(t);
    chardev_close_all();
}

/* ---- spec errors and legacy forms ---- */

static void expect_spec_error(const char *spec, const char *needle, const char *needle2)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(chardev_new_from_spec(spec, &err));
    g_assert_nonnull(err);
    if (!strstr(err->message, needle) || (needle2 && !strstr(err->message, needle2))) {
        g_test_message("%s -> %s", spec, err->message);
    }
    g_assert_nonnull(strstr(err->message, needle));
    if (needle2) {
        g_assert_nonnull(strstr(err->message, needle2));
    }
}

static void test_spec_errors(void)
{
    expect_spec_error("bogus,id=x", "unknown chardev backend 'bogus'", "socket");
    expect_spec_error("null,id=x,colour=red", "unknown parameter 'colour'", "accepted: id");
    expect_spec_error("file,id=x,path=/dev/null,size=3", "unknown parameter 'size'", "append");
    expect_spec_error("file,path=/tmp/x", "missing id=", NULL);
    expect_spec_error("id=x", "backend type comes first", "socket");
    expect_spec_error("null,id=1x", "'1x' is not valid", NULL);
    expect_spec_error("socket,id=s", "missing address", "path=PATH");
    expect_spec_error("socket,id=s,host=localhost", "host= needs port=", NULL);
    expect_spec_error("socket,id=s,path=/tmp/a,port=4", "not both", NULL);
    expect_spec_error("socket,id=s,path=/tmp/a,server=on,reconnect=2", "reconnect=", NULL);
    expect_spec_error("socket,id=s,path=/tmp/a,wait=off", "only applies to a server", NULL);
    expect_spec_error("stdio,id=s,signal=maybe", "not a boolean", NULL);
    expect_spec_error("file,id=f", "missing path=", NULL);
    expect_spec_error("file,id=f,path=/nonexistent-dir/x", "cannot open", "/nonexistent-dir/x");
    expect_spec_error("null,id=f,logfile=/nonexistent-dir/l", "logfile", NULL);
    g_assert_null(chardev_find("f"));

    new_chardev("null,id=dup");
    expect_spec_error("null,id=dup", "'dup' is already in use", NULL);
    expect_spec_error("null,id=d,mux=on,logfile=", "logfile", NULL);
    new_chardev("null,id=mx-base");
    expect_spec_error("null,id=mx,mux=on", "'mx-base' is already in use", NULL);
    chardev_close_all();
}

static Chardev *legacy_ok(const char *label, const char *spec, const char *desc_prefix)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *desc = NULL;
    Chardev *chr = chardev_new_legacy(label, spec, &err);

    g_assert_no_error(err);
    g_assert_nonnull(chr);
    desc = chr->cls->describe(chr);
    if (!g_str_has_prefix(desc, desc_prefix)) {
        g_test_message("%s -> %s", spec, desc);
    }
    g_assert_true(g_str_has_prefix(desc, desc_prefix));
    return chr;
}

static void test_legacy_specs(void)
{
    g_autofree char *file = tmp_path("legacy,with,commas.txt");
    g_autofree char *sock = tmp_path("legacy.sock");
    g_autofree char *msock = tmp_path("legacy-mon.sock");
    g_autofree char *spec = NULL, *want = NULL;
    g_autoptr(GError) err = NULL;
    Chardev *chr;

    g_assert_null(chardev_new_legacy("x", "none", &err));
    g_assert_no_error(err);

    legacy_ok("l0", "null", "null");
    spec = g_strdup_printf("file:%s", file);
    want = g_strdup_printf("file:%s", file);
    legacy_ok("l1", spec, want);
    g_free(spec);
    g_free(want);
    spec = g_strdup_printf("unix:%s,server=on,wait=off", sock);
    want = g_strdup_printf("disconnected:unix:%s,server=on", sock);
    legacy_ok("l2", spec, want);
    legacy_ok("l3", "tcp:127.0.0.1:0,server=on,wait=off", "disconnected:tcp:127.0.0.1:");
    legacy_ok("l4", "tcp::0,server,nowait", "disconnected:tcp:");
    chr = legacy_ok("l5", "chardev:l0", "null");
    g_assert_true(chr == chardev_find("l0"));
    g_free(spec);
    spec = g_strdup_printf("mon:unix:%s,server=on,wait=off", msock);
    legacy_ok("l6", spec, "mux");
    g_assert_nonnull(chardev_find("l6-base"));
    legacy_ok("l7", "vc", "null");

    g_assert_null(chardev_new_legacy("e0", "chardev:nope", &err));
    g_assert_nonnull(strstr(err->message, "no chardev with id 'nope'"));
    g_clear_error(&err);
    g_assert_null(chardev_new_legacy("e1", "bogus:thing", &err));
    g_assert_nonnull(strstr(err->message, "unknown character device"));
    g_assert_nonnull(strstr(err->message, "mon:stdio"));
    g_clear_error(&err);
    g_assert_null(chardev_new_legacy("e2", "tcp:localhost", &err));
    g_assert_nonnull(strstr(err->message, "tcp:[HOST]:PORT"));
    g_clear_error(&err);
    g_assert_null(chardev_new_legacy("e3", "unix:/tmp/x.sock,server=on,bogus=1", &err));
    g_assert_nonnull(strstr(err->message, "unknown parameter 'bogus'"));
    g_clear_error(&err);
    g_assert_null(chardev_new_legacy("l0", "null", &err));
    g_assert_nonnull(strstr(err->message, "already in use"));
    chardev_close_all();
}

static void remove_tmpdir(void)
{
    GDir *dir = g_dir_open(tmpdir, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *path = g_build_filename(tmpdir, name, NULL);
        g_unlink(path);
    }
    if (dir) {
        g_dir_close(dir);
    }
    g_rmdir(tmpdir);
    g_free(tmpdir);
}

int main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("test-chardev-XXXXXX", &err);
    g_assert_no_error(err);

    g_test_add_func("/chardev/file/writes-reach-the-file", test_file_writes_reach_the_file);
    g_test_add_func("/chardev/file/append", test_file_append);
    g_test_add_func("/chardev/null/logfile", test_null_with_logfile);
    g_test_add_func("/chardev/frontend/no-backend-drops", test_frontend_without_backend_drops);
    g_test_add_func("/chardev/frontend/chardev-in-use", test_frontend_chardev_in_use);
    g_test_add_func("/chardev/socket/unix-server-one-client-at-a-time",
                    test_unix_server_one_client_at_a_time);
    g_test_add_func("/chardev/socket/unix-server-replaces-stale-socket-only",
                    test_unix_server_replaces_stale_socket_only);
    g_test_add_func("/chardev/socket/tcp-server-any-port", test_tcp_server_any_port);
    g_test_add_func("/chardev/socket/unix-client-reconnects", test_unix_client_reconnects);
    g_test_add_func("/chardev/socket/client-refused-is-an-error", test_client_refused_is_an_error);
    g_test_add_func("/chardev/socket/server-wait-blocks-for-first-client",
                    test_server_wait_blocks_for_first_client);
    g_test_add_func("/chardev/socket/peer-gone-mid-write", test_peer_gone_mid_write);
    g_test_add_func("/chardev/flow-control/socket", test_flow_control_socket);
    g_test_add_func("/chardev/pty/both-ways", test_pty_both_ways);
    g_test_add_func("/chardev/stdio/via-pipes", test_stdio_via_pipes);
    g_test_add_func("/chardev/mux/focus-and-escapes", test_mux_focus_and_escapes);
    g_test_add_func("/chardev/mux/flow-control", test_mux_flow_control);
    g_test_add_func("/chardev/mux/new-over-existing", test_mux_new_over_existing);
    g_test_add_func("/chardev/spec/errors", test_spec_errors);
    g_test_add_func("/chardev/spec/legacy", test_legacy_specs);

    ret = g_test_run();
    chardev_close_all();
    remove_tmpdir();
    return ret;
}
