#include "net/dns.h"

#include <errno.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "core/sv.h"

struct net_dns {
    struct event_base *base;
    struct evdns_base *evdns; /* created on the first name lookup */
    struct evdns_getaddrinfo_request *req;
    struct event *ev_done; /* reports numeric results and errors from the loop */
    unsigned gen;          /* lookup generation: stale answers are dropped */
    net_dns_cb cb;
    void *ctx;
    int result;
    struct net_addr addr;
};

static void done_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct net_dns *d = arg;
    net_dns_cb cb = d->cb;
    d->cb = NULL;
    if (cb)
        cb(d->ctx, d->result, d->result ? NULL : &d->addr);
}

struct lookup {
    struct net_dns *d;
    unsigned gen;
};

static void gai_cb(int result, struct evutil_addrinfo *res, void *arg)
{
    struct lookup *l = arg;
    struct net_dns *d = l->d;
    bool current = result != EVUTIL_EAI_CANCEL && d && l->gen == d->gen;
    free(l);
    if (!current) {
        if (res)
            evutil_freeaddrinfo(res);
        return;
    }
    d->req = NULL;
    d->result = -EHOSTUNREACH;
    for (struct evutil_addrinfo *a = res; a; a = a->ai_next) {
        if ((a->ai_family == AF_INET || a->ai_family == AF_INET6) &&
            a->ai_addrlen <= sizeof d->addr.ss) {
            memcpy(&d->addr.ss, a->ai_addr, a->ai_addrlen);
            d->addr.len = (socklen_t)a->ai_addrlen;
            d->result = 0;
            break;
        }
    }
    if (res)
        evutil_freeaddrinfo(res);
    event_active(d->ev_done, 0, 0);
}

struct net_dns *net_dns_new(struct event_base *base)
{
    struct net_dns *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->base = base;
    d->ev_done = event_new(base, -1, 0, done_cb, d);
    if (!d->ev_done) {
        free(d);
        return NULL;
    }
    return d;
}

void net_dns_cancel(struct net_dns *d)
{
    if (!d)
        return;
    d->gen++;
    d->cb = NULL;
    event_del(d->ev_done);
    if (d->req) {
        struct evdns_getaddrinfo_request *r = d->req;
        d->req = NULL;
        evdns_getaddrinfo_cancel(r); /* calls gai_cb with CANCEL: frees the lookup */
    }
}

void net_dns_free(struct net_dns *d)
{
    if (!d)
        return;
    net_dns_cancel(d);
    if (d->evdns)
        evdns_base_free(d->evdns, 0);
    event_free(d->ev_done);
    free(d);
}

int net_dns_resolve(struct net_dns *d, const char *host, uint16_t port, net_dns_cb cb, void *ctx)
{
    net_dns_cancel(d);
    d->cb = cb;
    d->ctx = ctx;
    if (net_addr_from_ip(host, port, &d->addr) == 0) {
        d->result = 0;
        event_active(d->ev_done, 0, 0);
        return 0;
    }
    if (!d->evdns) {
        d->evdns = evdns_base_new(d->base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
                                               EVDNS_BASE_DISABLE_WHEN_INACTIVE);
        if (!d->evdns)
            d->evdns = evdns_base_new(d->base, 0);
        if (!d->evdns) {
            d->cb = NULL;
            return -ENOMEM;
        }
        evdns_base_load_hosts(d->evdns, NULL);
    }
    struct lookup *l = malloc(sizeof *l);
    if (!l) {
        d->cb = NULL;
        return -ENOMEM;
    }
    l->d = d;
    l->gen = d->gen;
    char service[8];
    str_fmt(service, sizeof service, "%u", port);
    struct evutil_addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = EVUTIL_AI_ADDRCONFIG;
    /* May call gai_cb before returning (hosts file, errors): gai_cb then
     * reports through ev_done, so the caller's callback still comes later. */
    struct evdns_getaddrinfo_request *r =
        evdns_getaddrinfo(d->evdns, host, service, &hints, gai_cb, l);
    if (r) /* NULL when gai_cb already ran (and freed l) */
        d->req = r;
    return 0;
}
