/*
 * Hubs, for what lists them (info network): net_hub_add_port() is in net.h.
 */
#ifndef NET_HUB_H
#define NET_HUB_H

#include "net/net.h"

/* Every port of every hub, hub by hub in creation order. */
void net_hub_foreach(void (*fn)(int hub_id, NetClient *port, void *opaque), void *opaque);

#endif
