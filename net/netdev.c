/*
 * The network options, in QEMU's spellings:
 *
 *   -netdev TYPE,id=ID[,...]     a backend (user, tap, socket, hubport) that a
 *                                NIC joins with -device ...,netdev=ID
 *   -nic TYPE[,model=M][,mac=A][,backend options]
 *                                a backend and a NIC joined to it, in one go;
 *                                -nic none: no NIC at all
 *   -net nic[,model=M][,macaddr=A] / -net TYPE[,...]
 *                                the legacy form: everything on hub 0
 *
 * plus the monitor's netdev_add/netdev_del and the text of info network. The
 * NICs asked for here are created by the machine (it knows the models).
 */
#include "net/net.h"
#include "net/hub.h"
#include "core/qdev.h"
#include "util/error.h"
#include "util/option.h"

static GPtrArray *net_backends;  /* of const NetBackend* */
static GPtrArray *nic_requests;  /* of NICInfo* */
static bool nic_none;
static unsigned nic_netdev_count; /* names the backends -nic creates */

void net_backend_register(const NetBackend *backend)
{
    if (!net_backends) {
        net_backends = g_ptr_array_new();
    }
    g_ptr_array_add(net_backends, (gpointer)backend);
}

static const NetBackend *net_backend_find(const char *type)
{
    for (guint i = 0; net_backends && i < net_backends->len; i++) {
        const NetBackend *b = g_ptr_array_index(net_backends, i);
        if (strcmp(b->type, type) == 0) {
            return b;
        }
    }
    return NULL;
}

static char *net_backend_types(void)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; net_backends && i < net_backends->len; i++) {
        const NetBackend *b = g_ptr_array_index(net_backends, i);
        g_string_append_printf(s, "%s%s", i ? ", " : "", b->type);
    }
    return g_string_free(s, FALSE);
}

/*
 * Create a backend of type from kv (the "type" key already taken) named id.
 * Every key must be one the backend knows, plus the extra ones the caller
 * takes afterwards (listed in extra_options, for the message).
 */
static NetClient *net_backend_create(const char *opt, const char *type, KeyValList *kv,
                                     const char *id, const char *extra_options, GError **errp)
{
    const NetBackend *b = net_backend_find(type);
    g_autofree char *accepted = NULL;
    NetClient *nc;

    if (!b) {
        g_autofree char *types = net_backend_types();
        error_setg(errp, "%s %s: unknown network backend type '%s'; known: %s", opt, type, type,
                   types);
        return NULL;
    }
    nc = b->init(kv, id, NULL, errp);
    if (!nc) {
        return NULL;
    }
    accepted = g_strdup_printf("%s%s", b->options, extra_options ? extra_options : "");
    if (!keyval_check_all_used(kv, accepted, errp)) {
        net_client_delete(nc);
        return NULL;
    }
    return nc;
}

static bool net_check_id(const char *opt, const char *id, GError **errp)
{
    if (!id) {
        error_setg(errp, "%s: id= is required, e.g. %s user,id=net0", opt, opt);
        return false;
    }
    if (!g_ascii_isalpha(id[0])) {
        error_setg(errp, "%s: id '%s' must start with a letter", opt, id);
        return false;
    }
    if (net_client_find(id)) {
        error_setg(errp, "%s: a network client named '%s' already exists", opt, id);
        return false;
    }
    return true;
}

bool net_netdev_add(const char *spec, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse("-netdev", spec, "type", errp);
    const char *type, *id;
    NetClient *nc;

    if (!kv) {
        return false;
    }
    type = keyval_take(kv, "type");
    if (!type) {
        error_setg(errp, "-netdev %s: name a backend type first, e.g. -netdev user,id=net0", spec);
        return false;
    }
    id = keyval_take(kv, "id");
    if (net_backend_find(type) && !net_check_id("-netdev", id, errp)) {
        return false;
    }
    nc = net_backend_create("-netdev", type, kv, id, NULL, errp);
    if (!nc) {
        return false;
    }
    nc->is_netdev = true;
    return true;
}

bool net_netdev_del(const char *id, GError **errp)
{
    NetClient *nc = net_client_find(id);

    if (!nc || !nc->is_netdev) {
        g_set_error(errp, MIMIC_ERROR, MIMIC_ERROR_NOT_FOUND, "Device '%s' not found", id);
        return false;
    }
    net_client_delete(nc);
    return true;
}

void *net_netdev_link_resolve(const char *id, GError **errp)
{
    NetClient *nc = net_client_find(id);

    if (!nc || nc->info->type == NET_CLIENT_DRIVER_NIC) {
        error_setg(errp, "no network backend '%s' (create it with -netdev TYPE,id=%s)", id, id);
        return NULL;
    }
    if (nc->peer) {
        error_setg(errp, "network backend '%s' is already in use by '%s'", id, nc->peer->name);
        return NULL;
    }
    return nc;
}

MIMIC_INIT(net_register_netdev_link)
{
    qdev_register_link_resolver("netdev", net_netdev_link_resolve);
}

/* ---- -netdev hubport ---- */

static NetClient *net_hubport_init(KeyValList *kv, const char *id, NetClient *peer,
                                   GError **errp)
{
    const char *netdev = keyval_take(kv, "netdev");
    const char *hubid_str = keyval_take(kv, "hubid");
    NetClient *backend = NULL;
    uint64_t hubid;

    if (!hubid_str) {
        error_setg(errp, "-netdev hubport: hubid= is required, e.g. hubport,id=p0,hubid=0");
        return NULL;
    }
    if (!parse_uint(hubid_str, &hubid, NULL) || hubid > INT32_MAX) {
        error_setg(errp, "-netdev hubport: hubid=%s is not a hub number (0, 1, ...)", hubid_str);
        return NULL;
    }
    if (netdev && !(backend = net_netdev_link_resolve(netdev, errp))) {
        return NULL;
    }
    return net_hub_add_port(hubid, id, backend ? backend : peer, errp);
}

static const NetBackend net_hubport_backend = {
    .type = "hubport",
    .options = "id, hubid, netdev",
    .init = net_hubport_init,
};

MIMIC_INIT(net_hubport_register)
{
    net_backend_register(&net_hubport_backend);
}

/* ---- -nic and -net ---- */

static void nic_info_free(gpointer p)
{
    NICInfo *nd = p;

    g_free(nd->model);
    g_free(nd->mac);
    g_free(nd);
}

static void net_nic_request(const char *model, const char *mac, NetClient *netdev)
{
    NICInfo *nd = g_new0(NICInfo, 1);

    if (!nic_requests) {
        nic_requests = g_ptr_array_new_with_free_func(nic_info_free);
    }
    nd->model = g_strdup(model);
    nd->mac = g_strdup(mac);
    nd->netdev = netdev;
    g_ptr_array_add(nic_requests, nd);
}

GPtrArray *net_nic_requests(void)
{
    if (!nic_requests) {
        nic_requests = g_ptr_array_new_with_free_func(nic_info_free);
    }
    return nic_requests;
}

bool net_nic_none(void)
{
    return nic_none;
}

/* model=help: the NIC models this build has. */
static void net_print_nic_models(void)
{
    g_autoptr(GPtrArray) classes = device_class_list();

    printf("Available NIC models:\n");
    for (guint i = 0; i < classes->len; i++) {
        const DeviceClass *dc = g_ptr_array_index(classes, i);
        if (dc->category && strcmp(dc->category, "network") == 0 && dc->user_creatable) {
            printf("%s\n", dc->name);
        }
    }
}

static bool net_check_mac(const char *opt, const char *mac, GError **errp)
{
    NICConf conf;

    return !mac || net_nic_conf_init(&conf, mac, opt, errp);
}

bool net_nic_option(const char *spec, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse("-nic", spec, "type", errp);
    const char *type, *model, *mac;
    g_autofree char *id = NULL;
    NetClient *nc;

    if (!kv) {
        return false;
    }
    type = keyval_take(kv, "type");
    if (!type) {
        error_setg(errp, "-nic %s: name a backend type first, e.g. -nic user", spec);
        return false;
    }
    if (strcmp(type, "none") == 0) {
        nic_none = true;
        return keyval_check_all_used(kv, "none", errp);
    }
    model = keyval_take(kv, "model");
    if (model && strcmp(model, "help") == 0) {
        net_print_nic_models();
        exit(0);
    }
    mac = keyval_take(kv, "mac");
    if (!net_check_mac("-nic", mac, errp)) {
        return false;
    }
    id = g_strdup_printf("__nic%u", nic_netdev_count++);
    nc = net_backend_create("-nic", type, kv, id, ", model, mac", errp);
    if (!nc) {
        return false;
    }
    net_nic_request(model, mac, nc);
    return true;
}

bool net_legacy_option(const char *spec, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse("-net", spec, "type", errp);
    const char *type, *name;
    NetClient *backend;

    if (!kv) {
        return false;
    }
    type = keyval_take(kv, "type");
    if (!type) {
        error_setg(errp, "-net %s: name a type first, e.g. -net nic or -net user", spec);
        return false;
    }
    if (strcmp(type, "none") == 0) {
        nic_none = true;
        return keyval_check_all_used(kv, "none", errp);
    }
    name = keyval_take(kv, "name");
    if (name && net_client_find(name)) {
        error_setg(errp, "-net %s: a network client named '%s' already exists", spec, name);
        return false;
    }
    if (strcmp(type, "nic") == 0) {
        const char *model = keyval_take(kv, "model");
        const char *mac = keyval_take(kv, "macaddr");
        NetClient *port;

        if (model && strcmp(model, "help") == 0) {
            net_print_nic_models();
            exit(0);
        }
        if (!keyval_check_all_used(kv, "model, macaddr, name", errp) ||
            !net_check_mac("-net nic", mac, errp)) {
            return false;
        }
        port = net_hub_add_port(0, NULL, NULL, errp);
        if (!port) {
            return false;
        }
        net_nic_request(model, mac, port);
        return true;
    }
    if (strcmp(type, "hubport") == 0) {
        error_setg(errp, "-net hubport: use -netdev hubport,id=ID,hubid=N");
        return false;
    }
    backend = net_backend_create("-net", type, kv, name, ", name", errp);
    if (!backend) {
        return false;
    }
    return net_hub_add_port(0, NULL, backend, errp) != NULL;
}

/* ---- info network ---- */

static const char *const net_driver_names[] = {
    [NET_CLIENT_DRIVER_NIC] = "nic",         [NET_CLIENT_DRIVER_USER] = "user",
    [NET_CLIENT_DRIVER_TAP] = "tap",         [NET_CLIENT_DRIVER_SOCKET] = "socket",
    [NET_CLIENT_DRIVER_HUBPORT] = "hubport",
};

static void net_print_client(GString *out, NetClient *nc)
{
    g_string_append_printf(out, "%s: index=0,type=%s,%s%s\n", nc->name,
                           net_driver_names[nc->info->type], nc->info_str ? nc->info_str : "",
                           nc->link_down ? " (link down)" : "");
}

typedef struct HubListing {
    GString *out;
    int last_hub;
} HubListing;

static void net_print_hub_port(int hub_id, NetClient *port, void *opaque)
{
    HubListing *l = opaque;

    if (hub_id != l->last_hub) {
        g_string_append_printf(l->out, "hub %d\n", hub_id);
        l->last_hub = hub_id;
    }
    g_string_append_printf(l->out, " \\ %s", port->name);
    if (port->peer) {
        g_string_append(l->out, ": ");
        net_print_client(l->out, port->peer);
    } else {
        g_string_append_c(l->out, '\n');
    }
}

static bool net_on_hub(NetClient *nc)
{
    return nc->info->type == NET_CLIENT_DRIVER_HUBPORT ||
           (nc->peer && nc->peer->info->type == NET_CLIENT_DRIVER_HUBPORT);
}

static void net_print_unhubbed(NetClient *nc, void *opaque)
{
    GString *out = opaque;

    if (net_on_hub(nc)) {
        return; /* listed under its hub */
    }
    if (!nc->peer || nc->info->type == NET_CLIENT_DRIVER_NIC) {
        net_print_client(out, nc);
    }
    if (nc->peer && nc->info->type == NET_CLIENT_DRIVER_NIC) {
        g_string_append(out, " \\ ");
        net_print_client(out, nc->peer);
    }
}

/* QEMU's layout: hubs with their ports first, then each NIC with its backend below. */
char *net_info_network(void)
{
    HubListing l = {.out = g_string_new(NULL), .last_hub = -1};

    net_hub_foreach(net_print_hub_port, &l);
    net_client_foreach(net_print_unhubbed, l.out);
    return g_string_free(l.out, FALSE);
}
