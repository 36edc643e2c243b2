/* Asynchronous host name resolution (libevent evdns, with /etc/hosts), for
 * clients that connect to cameras by name. Numeric addresses resolve at once
 * without a query. One resolver per owner; one lookup at a time. */
#ifndef RTSPGATE_NET_DNS_H
#define RTSPGATE_NET_DNS_H

#include <stdint.h>

#include "net/net.h"

struct event_base;
struct net_dns;

/* err: 0 and *addr (valid during the call), or a negative errno
 * (-EHOSTUNREACH: no such host, -ECANCELED never: cancelled lookups stay silent). */
typedef void (*net_dns_cb)(void *ctx, int err, const struct net_addr *addr);

struct net_dns *net_dns_new(struct event_base *base);
/* Cancels a lookup in progress (without calling back). Accepts NULL. Must
 * not be called from inside the callback. */
void net_dns_free(struct net_dns *d);
/* Start resolving host (name or numeric IP) for TCP to port. The callback
 * always comes later from the loop, never from inside this call. A new
 * lookup cancels the previous one. Returns 0 or -ENOMEM. */
int net_dns_resolve(struct net_dns *d, const char *host, uint16_t port, net_dns_cb cb, void *ctx);
/* Cancel the lookup in progress, if any (no callback). */
void net_dns_cancel(struct net_dns *d);

#endif
