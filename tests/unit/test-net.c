/*
 * The network core: peers, queues and back-pressure, hubs, link state, MACs.
 */
#include "net/net.h"

/* A test client that records what it receives and takes packets only when open. */
typedef struct TestClient {
    NetClient nc;
    bool open;
    GPtrArray *got; /* of GBytes* */
} TestClient;

static ssize_t test_receive(NetClient *nc, const uint8_t *buf, size_t size)
{
    TestClient *t = (TestClient *)nc;

    if (!t->open) {
        return 0;
    }
    g_ptr_array_add(t->got, g_bytes_new(buf, size));
    return size;
}

static const NetClientInfo test_info = {
    .type = NET_CLIENT_DRIVER_SOCKET,
    .size = sizeof(TestClient),
    .receive = test_receive,
};

static TestClient *test_client(const char *name, NetClient *peer)
{
    TestClient *t = (TestClient *)net_client_new(&test_info, peer, "test", name, NULL);

    g_assert_nonnull(t);
    t->open = true;
    t->got = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    return t;
}

static void test_free(TestClient *t)
{
    g_ptr_array_unref(t->got);
    net_client_delete(&t->nc);
}

static bool got_is(TestClient *t, guint i, const char *s)
{
    gsize n;
    const char *d = g_bytes_get_data(g_ptr_array_index(t->got, i), &n);

    return n == strlen(s) && memcmp(d, s, n) == 0;
}

static int sent_calls;
static void count_sent(NetClient *sender, ssize_t ret)
{
    sent_calls++;
}

static void test_peer_delivers_directly(void)
{
    TestClient *a = test_client("a", NULL);
    TestClient *b = test_client("b", &a->nc);

    g_assert_cmpint(net_send(&a->nc, (const uint8_t *)"ping", 4), ==, 4);
    g_assert_cmpuint(b->got->len, ==, 1);
    g_assert_true(got_is(b, 0, "ping"));
    test_free(a);
    g_assert_null(b->nc.peer);
    test_free(b);
}

static void test_full_receiver_queues_then_flushes_in_order(void)
{
    TestClient *a = test_client("a", NULL);
    TestClient *b = test_client("b", &a->nc);

    b->open = false;
    sent_calls = 0;
    g_assert_cmpint(net_send_async(&a->nc, (const uint8_t *)"one", 3, count_sent), ==, 0);
    g_assert_false(net_can_send(&a->nc));
    g_assert_cmpint(net_send_async(&a->nc, (const uint8_t *)"two", 3, count_sent), ==, 0);
    g_assert_cmpuint(b->got->len, ==, 0);
    g_assert_cmpint(sent_calls, ==, 0);

    b->open = true;
    g_assert_true(net_flush_queued(&b->nc));
    g_assert_cmpuint(b->got->len, ==, 2);
    g_assert_true(got_is(b, 0, "one"));
    g_assert_true(got_is(b, 1, "two"));
    g_assert_cmpint(sent_calls, ==, 2);
    g_assert_true(net_can_send(&a->nc));
    test_free(a);
    test_free(b);
}

static void test_deleted_sender_leaves_no_packets_behind(void)
{
    TestClient *a = test_client("a", NULL);
    TestClient *b = test_client("b", &a->nc);

    b->open = false;
    sent_calls = 0;
    net_send_async(&a->nc, (const uint8_t *)"cb", 2, count_sent);
    net_send(&a->nc, (const uint8_t *)"nocb", 4);
    test_free(a);
    g_assert_cmpuint(g_queue_get_length(&b->nc.incoming), ==, 0);
    g_assert_cmpuint(b->nc.queued_without_cb, ==, 0);
    g_assert_cmpint(sent_calls, ==, 0); /* the sender is gone: nobody to tell */
    b->open = true;
    g_assert_true(net_flush_queued(&b->nc));
    g_assert_cmpuint(b->got->len, ==, 0);
    test_free(b);
}

static void test_queue_without_callback_is_bounded(void)
{
    TestClient *a = test_client("a", NULL);
    TestClient *b = test_client("b", &a->nc);

    b->open = false;
    for (int i = 0; i < NET_QUEUE_MAX_PACKETS + 5; i++) {
        net_send(&a->nc, (const uint8_t *)"x", 1);
    }
    g_assert_cmpuint(g_queue_get_length(&b->nc.incoming), ==, NET_QUEUE_MAX_PACKETS);
    b->open = true;
    net_flush_queued(&b->nc);
    g_assert_cmpuint(b->got->len, ==, NET_QUEUE_MAX_PACKETS);
    test_free(a);
    test_free(b);
}

static void test_hub_forwards_to_every_other_port(void)
{
    NetClient *p0 = net_hub_add_port(7, NULL, NULL, NULL);
    NetClient *p1 = net_hub_add_port(7, NULL, NULL, NULL);
    NetClient *p2 = net_hub_add_port(7, NULL, NULL, NULL);
    TestClient *a = test_client("ha", p0);
    TestClient *b = test_client("hb", p1);
    TestClient *c = test_client("hc", p2);

    g_assert_cmpstr(p1->name, ==, "hub7port1");
    net_send(&a->nc, (const uint8_t *)"hello", 5);
    g_assert_cmpuint(a->got->len, ==, 0);
    g_assert_cmpuint(b->got->len, ==, 1);
    g_assert_cmpuint(c->got->len, ==, 1);
    g_assert_true(got_is(c, 0, "hello"));

    /* A full port queues its copy; the others still get theirs. */
    c->open = false;
    net_send(&b->nc, (const uint8_t *)"more", 4);
    g_assert_cmpuint(a->got->len, ==, 1);
    g_assert_cmpuint(c->got->len, ==, 1);
    c->open = true;
    net_flush_queued(&c->nc);
    g_assert_true(got_is(c, 1, "more"));

    test_free(a);
    test_free(b);
    test_free(c);
    net_client_delete(p0);
    net_client_delete(p1);
    net_client_delete(p2);
}

static void test_link_down_drops_both_ways(void)
{
    TestClient *a = test_client("a", NULL);
    TestClient *b = test_client("b", &a->nc);

    net_client_set_link(&b->nc, false);
    g_assert_cmpint(net_send(&a->nc, (const uint8_t *)"lost", 4), ==, 4);
    g_assert_cmpint(net_send(&b->nc, (const uint8_t *)"lost", 4), ==, 4);
    g_assert_cmpuint(a->got->len + b->got->len, ==, 0);
    net_client_set_link(&b->nc, true);
    net_send(&a->nc, (const uint8_t *)"back", 4);
    g_assert_cmpuint(b->got->len, ==, 1);
    test_free(a);
    test_free(b);
}

static void test_second_peer_refused(void)
{
    g_autoptr(GError) err = NULL;
    TestClient *a = test_client("a", NULL);
    TestClient *b = test_client("b", &a->nc);

    g_assert_null(net_client_new(&test_info, &a->nc, "test", "c", &err));
    g_assert_nonnull(strstr(err->message, "already in use by 'b'"));
    test_free(a);
    test_free(b);
}

static const NetClientInfo test_nic_info = {
    .type = NET_CLIENT_DRIVER_NIC,
    .size = sizeof(NICState),
    .receive = test_receive,
};

static void test_default_macs_unique_and_reused(void)
{
    NICConf c1 = {0}, c2 = {0}, c3 = {0};
    NICState *n1, *n2, *n3;
    g_autofree char *m1 = NULL, *m2 = NULL, *m3 = NULL;

    g_assert_true(net_nic_conf_init(&c1, NULL, "nic", NULL));
    n1 = net_nic_new(&test_nic_info, &c1, "testnic", NULL, NULL, NULL);
    n2 = net_nic_new(&test_nic_info, &c2, "testnic", NULL, NULL, NULL);
    m1 = net_format_macaddr(&c1.macaddr);
    m2 = net_format_macaddr(&c2.macaddr);
    g_assert_cmpstr(m1, ==, "52:54:00:12:34:56");
    g_assert_cmpstr(m2, ==, "52:54:00:12:34:57");
    g_assert_cmpstr(n2->nc.name, ==, "testnic.1");
    net_nic_delete(n1);
    n3 = net_nic_new(&test_nic_info, &c3, "testnic", NULL, NULL, NULL);
    m3 = net_format_macaddr(&c3.macaddr);
    g_assert_cmpstr(m3, ==, "52:54:00:12:34:56");
    net_nic_delete(n2);
    net_nic_delete(n3);
}

static void test_bad_mac_named(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GError) err2 = NULL;
    NICConf c = {0};

    g_assert_false(net_nic_conf_init(&c, "52:54:00:12:34", "virtio-net", &err));
    g_assert_nonnull(strstr(err->message, "mac=52:54:00:12:34 is not a MAC address"));
    g_assert_false(net_nic_conf_init(&c, "01:00:5e:00:00:01", "virtio-net", &err2));
    g_assert_nonnull(strstr(err2->message, "multicast"));
    g_assert_true(net_nic_conf_init(&c, "02:00:00:aa:bb:cc", "virtio-net", NULL));
    g_assert_cmpuint(c.macaddr.a[3], ==, 0xaa);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/net/peer/delivers-directly", test_peer_delivers_directly);
    g_test_add_func("/net/queue/full-receiver-queues-then-flushes-in-order",
                    test_full_receiver_queues_then_flushes_in_order);
    g_test_add_func("/net/queue/deleted-sender-leaves-no-packets-behind",
                    test_deleted_sender_leaves_no_packets_behind);
    g_test_add_func("/net/queue/without-callback-is-bounded",
                    test_queue_without_callback_is_bounded);
    g_test_add_func("/net/hub/forwards-to-every-other-port", test_hub_forwards_to_every_other_port);
    g_test_add_func("/net/link/down-drops-both-ways", test_link_down_drops_both_ways);
    g_test_add_func("/net/peer/second-peer-refused", test_second_peer_refused);
    g_test_add_func("/net/nic/default-macs-unique-and-reused", test_default_macs_unique_and_reused);
    g_test_add_func("/net/nic/bad-mac-named", test_bad_mac_named);
    return g_test_run();
}
