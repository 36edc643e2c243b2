/* The client side of an RTSP-over-HTTP tunnel (the QuickTime scheme), shared
 * by the RTSP client and the publisher: the cookie and the two legs' heads,
 * the GET's answer, and the POST leg: its connection, and the base64 queue
 * that carries requests (and a publisher's `$` frames) up to the server.
 *
 * The owner keeps the GET leg (its control connection: it reads the
 * answers and media from it) and hands this module the GET's answer. Errors
 * on the POST leg, and its coming up, are reported through callbacks; after
 * on_fail the owner is expected to close everything (http_tunnel_close). */
#ifndef RTSPGATE_CLIENT_HTTP_TUNNEL_H
#define RTSPGATE_CLIENT_HTTP_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#include "core/buf.h"
#include "core/limits.h"
#include "net/net.h"

struct event_base;
struct event;

struct http_tunnel_cb {
    /* The POST leg is connected and its head queued: start RTSP. */
    void (*on_up)(void *owner);
    /* The POST leg took what was queued (some or all): write more. May be NULL. */
    void (*on_writable)(void *owner);
    /* The POST leg failed; msg says how. */
    void (*on_fail)(void *owner, int err, const char *msg);
};

struct http_tunnel {
    struct event_base *base;
    const struct http_tunnel_cb *cb;
    void *owner;
    char cookie[33];
    char path[RTSP_MAX_URL_BYTES + 2], host[300]; /* for the heads */
    int post_fd;
    bool connecting;
    unsigned sndbuf, user_timeout_ms; /* POST socket tuning (0: leave) */
    struct event *ev_read, *ev_write;
    struct buf out; /* base64 (and the POST head) waiting for the POST socket */
};

/* max_queue bounds the POST queue; sndbuf/user_timeout_ms tune its socket. */
void http_tunnel_init(struct http_tunnel *t, struct event_base *base, size_t max_queue,
                      const struct http_tunnel_cb *cb, void *owner, unsigned sndbuf,
                      unsigned user_timeout_ms);
/* Close the POST leg and empty its queue; the tunnel can start again. */
void http_tunnel_close(struct http_tunnel *t);
/* Free everything (after close). */
void http_tunnel_free(struct http_tunnel *t);

/* A new cookie and the GET leg's head for an rtsp:// URL on host:port.
 * Returns the head's length, or a negative errno. */
long http_tunnel_get_head(struct http_tunnel *t, const char *url, const char *host, unsigned port,
                          char *dst, size_t size);

/* The GET's answer at the start of in[0..n): -EAGAIN while incomplete; 0
 * when it was 200 (*used = the head's length, to drop; the POST leg is now
 * connecting to peer, on_up follows); else a negative errno with why[]. */
int http_tunnel_on_reply(struct http_tunnel *t, const uint8_t *in, size_t n, size_t *used,
                         const struct net_addr *peer, char *why, size_t why_size);

/* Queue iov[0..n) as one padded base64 block (bytes carried across iov
 * boundaries, so the block decodes to exactly their concatenation).
 * 0 or -EMSGSIZE (the queue's bound). */
int http_tunnel_encode(struct http_tunnel *t, const struct iovec *iov, int n);

/* Write what is queued; waits for EPOLLOUT when the socket is full.
 * 0, or a negative errno. */
int http_tunnel_flush(struct http_tunnel *t);

/* Be called back (on_writable) when the POST socket takes data again. */
void http_tunnel_want_write(struct http_tunnel *t);

/* Bytes queued for the POST leg. */
static inline size_t http_tunnel_queued(const struct http_tunnel *t)
{
    return t->out.len;
}

/* Last-gasp write of the queue (a TEARDOWN on close): one non-blocking try. */
void http_tunnel_flush_once(struct http_tunnel *t);

#endif
