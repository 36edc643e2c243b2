/* The client side of an RTSP-over-HTTP tunnel: see http_tunnel.h. */
#include "client/http_tunnel.h"

#include <errno.h>
#include <event2/event.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/sv.h"
#include "rtsp/tunnel.h"
#include "rtsp/url.h"
#include "session/cli_proto.h"

static void post_write_cb(evutil_socket_t fd, short what, void *arg);
static void post_read_cb(evutil_socket_t fd, short what, void *arg);

void http_tunnel_init(struct http_tunnel *t, struct event_base *base, size_t max_queue,
                      const struct http_tunnel_cb *cb, void *owner, unsigned sndbuf,
                      unsigned user_timeout_ms)
{
    memset(t, 0, sizeof *t);
    t->base = base;
    t->cb = cb;
    t->owner = owner;
    t->post_fd = -1;
    t->sndbuf = sndbuf;
    t->user_timeout_ms = user_timeout_ms;
    buf_init(&t->out, max_queue);
}

void http_tunnel_close(struct http_tunnel *t)
{
    if (t->ev_read)
        event_free(t->ev_read);
    if (t->ev_write)
        event_free(t->ev_write);
    t->ev_read = t->ev_write = NULL;
    if (t->post_fd >= 0)
        close(t->post_fd);
    t->post_fd = -1;
    t->connecting = false;
    size_t max = t->out.max;
    buf_free(&t->out);
    buf_init(&t->out, max);
}

void http_tunnel_free(struct http_tunnel *t)
{
    http_tunnel_close(t);
    buf_free(&t->out);
}

static long head(struct http_tunnel *t, enum tunnel_leg leg, char *dst, size_t size)
{
    return tunnel_client_head(leg, t->path, t->host, t->cookie, CLI_USER_AGENT, dst, size);
}

long http_tunnel_get_head(struct http_tunnel *t, const char *url, const char *host, unsigned port,
                          char *dst, size_t size)
{
    struct rtsp_url u;
    if (rtsp_url_parse(sv_from_cstr(url), &u))
        return -EPROTO;
    if (str_fmt(t->path, sizeof t->path, "%s%.*s%s%.*s", u.path.n ? "" : "/", SV_ARG(u.path),
                u.query.p ? "?" : "", SV_ARG(u.query)))
        return -EMSGSIZE;
    bool v6 = strchr(host, ':') != NULL;
    if (str_fmt(t->host, sizeof t->host, "%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "", port))
        return -EMSGSIZE;
    uint8_t rnd[16];
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        return -EIO;
    for (size_t i = 0; i < sizeof rnd; i++)
        str_fmt(t->cookie + 2 * i, 3, "%02x", rnd[i]);
    return head(t, TUNNEL_LEG_GET, dst, size);
}

int http_tunnel_on_reply(struct http_tunnel *t, const uint8_t *in, size_t n, size_t *used,
                         const struct net_addr *peer, char *why, size_t why_size)
{
    int status;
    size_t head_len;
    const char *bad = NULL;
    int r =
        tunnel_parse_reply((const char *)in, n, RTSP_MAX_HEADER_BYTES, &status, &head_len, &bad);
    if (r == -EAGAIN)
        return r;
    if (r) {
        str_fmt(why, why_size, "the GET got %s", bad ? bad : "a bad answer");
        return -EPROTO;
    }
    if (status != 200) {
        str_fmt(why, why_size, "the GET was answered %d", status);
        return -EPROTO;
    }
    int fd = net_tcp_connect(peer);
    if (fd < 0) {
        str_fmt(why, why_size, "cannot connect the POST leg: %s", strerror(-fd));
        return fd;
    }
    t->post_fd = fd;
    t->ev_read = event_new(t->base, fd, EV_READ | EV_PERSIST, post_read_cb, t);
    t->ev_write = event_new(t->base, fd, EV_WRITE | EV_PERSIST, post_write_cb, t);
    if (!t->ev_read || !t->ev_write) {
        str_fmt(why, why_size, "out of memory");
        return -ENOMEM;
    }
    t->connecting = true;
    event_add(t->ev_write, NULL);
    *used = head_len;
    return 0;
}

int http_tunnel_encode(struct http_tunnel *t, const struct iovec *iov, int n)
{
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += iov[i].iov_len;
    if (!total)
        return 0;
    if (buf_reserve(&t->out, b64_enc_size(total)))
        return -EMSGSIZE;
    char *dst = (char *)t->out.data + t->out.len;
    size_t cap = t->out.cap - t->out.len, o = 0;
    uint8_t carry[3];
    size_t cn = 0;
    for (int i = 0; i < n; i++) {
        const uint8_t *s = iov[i].iov_base;
        size_t l = iov[i].iov_len;
        while (cn && cn < 3 && l) {
            carry[cn++] = *s++;
            l--;
        }
        if (cn == 3) {
            o += (size_t)b64_encode(carry, 3, dst + o, cap - o);
            cn = 0;
        }
        size_t whole = l / 3 * 3;
        if (whole)
            o += (size_t)b64_encode(s, whole, dst + o, cap - o);
        for (size_t k = whole; k < l; k++)
            carry[cn++] = s[k];
    }
    if (cn)
        o += (size_t)b64_encode(carry, cn, dst + o, cap - o);
    t->out.len += o;
    return 0;
}

int http_tunnel_flush(struct http_tunnel *t)
{
    if (t->connecting || t->post_fd < 0)
        return 0; /* written once the POST leg is up */
    while (t->out.len) {
        struct iovec iov = {t->out.data, t->out.len};
        ssize_t w = net_writev(t->post_fd, &iov, 1);
        if (w == -EAGAIN)
            break;
        if (w < 0)
            return (int)w;
        buf_consume(&t->out, (size_t)w);
    }
    if (t->out.len)
        event_add(t->ev_write, NULL);
    else
        event_del(t->ev_write);
    return 0;
}

void http_tunnel_want_write(struct http_tunnel *t)
{
    if (t->ev_write)
        event_add(t->ev_write, NULL);
}

void http_tunnel_flush_once(struct http_tunnel *t)
{
    if (t->post_fd >= 0 && !t->connecting && t->out.len) {
        struct iovec iov = {t->out.data, t->out.len};
        (void)net_writev(t->post_fd, &iov, 1);
    }
}

static void post_write_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct http_tunnel *t = arg;
    char msg[256];
    if (t->connecting) {
        int e = net_tcp_connect_result(fd);
        if (e) {
            str_fmt(msg, sizeof msg, "cannot connect the HTTP tunnel's POST leg to %s: %s", t->host,
                    strerror(-e));
            t->cb->on_fail(t->owner, e, msg);
            return;
        }
        t->connecting = false;
        net_tcp_tune(fd, (int)t->sndbuf, 0);
        if (t->user_timeout_ms)
            net_tcp_user_timeout(fd, t->user_timeout_ms);
        event_add(t->ev_read, NULL);
        /* the POST head goes first, ahead of anything queued meanwhile */
        char h[1024];
        long n = head(t, TUNNEL_LEG_POST, h, sizeof h);
        struct buf rest = t->out;
        buf_init(&t->out, rest.max);
        if (n < 0 || buf_append(&t->out, h, (size_t)n) ||
            buf_append(&t->out, rest.data, rest.len)) {
            buf_free(&rest);
            t->cb->on_fail(t->owner, -EMSGSIZE, "cannot write the HTTP tunnel's POST head");
            return;
        }
        buf_free(&rest);
        t->cb->on_up(t->owner);
        return;
    }
    int e = http_tunnel_flush(t);
    if (e) {
        str_fmt(msg, sizeof msg, "write error on the HTTP tunnel's POST leg: %s", strerror(-e));
        t->cb->on_fail(t->owner, e, msg);
        return;
    }
    if (t->cb->on_writable)
        t->cb->on_writable(t->owner);
}

static void post_read_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct http_tunnel *t = arg;
    uint8_t scratch[512]; /* nothing is expected on the POST leg: dropped */
    ssize_t n = net_read(fd, scratch, sizeof scratch);
    if (n == -EAGAIN || n > 0)
        return;
    char msg[256];
    if (n == 0)
        str_fmt(msg, sizeof msg, "the server closed the HTTP tunnel's POST connection");
    else
        str_fmt(msg, sizeof msg, "HTTP tunnel POST connection error: %s", strerror((int)-n));
    t->cb->on_fail(t->owner, n == 0 ? -ECONNRESET : (int)n, msg);
}
