/*
 * The monitor's network commands, with QEMU's names and argument shapes:
 * info network, netdev_add / netdev_del and set_link (also QMP), and the
 * user backend's hostfwd_add / hostfwd_remove.
 */
#include "monitor/monitor-internal.h"
#include "net/net.h"

bool hmp_info_network(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    g_autofree char *text = net_info_network();

    monitor_puts(mon, text);
    return true;
}

bool qmp_netdev_add(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    return net_netdev_add(mon_args_get_str(args, "netdev"), errp);
}

bool qmp_netdev_del(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    return net_netdev_del(mon_args_get_str(args, "id"), errp);
}

bool qmp_set_link(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    const char *name = mon_args_get_str(args, "name");
    NetClient *nc = net_client_find(name);

    if (!nc) {
        g_set_error(errp, MIMIC_ERROR, MIMIC_ERROR_NOT_FOUND,
                    "Device '%s' not found; info network lists the names", name);
        return false;
    }
    net_client_set_link(nc, mon_args_get_bool(args, "up", true));
    return true;
}

/* "hostfwd_add [netdev] rule": with one word, the rule goes to the first user backend. */
static void hostfwd_args(const MonArgs *args, const char **netdev, const char **rule)
{
    const char *second = mon_args_get_str(args, "rule");

    *netdev = second ? mon_args_get_str(args, "netdev_or_rule") : NULL;
    *rule = second ? second : mon_args_get_str(args, "netdev_or_rule");
}

bool hmp_hostfwd_add(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    const char *netdev, *rule;

    hostfwd_args(args, &netdev, &rule);
    return net_slirp_hostfwd_add(netdev, rule, errp);
}

bool hmp_hostfwd_remove(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    const char *netdev, *rule;

    hostfwd_args(args, &netdev, &rule);
    return net_slirp_hostfwd_remove(netdev, rule, errp);
}
