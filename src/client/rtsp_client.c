#include "client/rtsp_client.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "client/http_tunnel.h"
#include "core/log.h"
#include "net/dns.h"
#include "net/net.h"
#include "net/tls.h"
#include "rtp/rtcp.h"
#include "rtp/rtp.h"
#include "rtsp/auth.h"
#include "rtsp/msg.h"
#include "rtsp/tunnel.h"
#include "rtsp/url.h"
#include "session/cli_proto.h"

#define CLI_IN_MAX        (RTSP_MAX_HEADER_BYTES + RTSP_MAX_BODY_BYTES + 65536 + 4)
#define CLI_OUT_MAX       (64 * 1024)
#define CLI_POST_MAX      (CLI_OUT_MAX / 3 * 4 + 4096) /* base64 of the output + the POST head */
#define CLI_READ_CHUNK    (32 * 1024)
#define CLI_TICK_MS       100
#define CLI_RR_INTERVAL   (5 * 1000000ull) /* at most every 5 s (RFC 3550 for small sessions) */
#define CLI_MAX_REDIRECTS 5
#define CLI_UDP_RCVBUF    (2 * 1024 * 1024)
#define CLI_UDP_BURST     64 /* datagrams read per wakeup and socket */

enum cstate {
    CS_IDLE = 0,
    CS_RESOLVING,
    CS_CONNECTING,
    CS_HTTP_GET,  /* tunnel: GET sent, waiting for its answer head */
    CS_HTTP_POST, /* tunnel: connecting the POST leg */
    CS_OPTIONS,
    CS_DESCRIBE,
    CS_SETUP,
    CS_PLAY,
    CS_PLAYING,
};

static const char *const state_names[] = {
    "idle",     "resolving", "connecting", "HTTP tunnel GET", "HTTP tunnel POST", "OPTIONS",
    "DESCRIBE", "SETUP",     "PLAY",       "playing"};

struct rtsp_client;

struct udp_ctx {
    struct rtsp_client *c;
    uint8_t track; /* index into c->tr */
    bool rtcp;
};

struct ctrack {
    size_t media; /* SDP media index */
    char url[RTSP_MAX_URL_BYTES + 1];
    uint8_t pt;
    uint32_t clock_rate;
    enum rtsp_lower lower;
    uint8_t ch[2]; /* TCP: channels answered */
    int fd[2];     /* UDP: RTP, RTCP (-1 when closed) */
    struct event *ev[2];
    struct udp_ctx uctx[2];
    uint16_t cport; /* UDP: our RTP port */
    bool mcast;     /* multicast: fd[] joined group (ports group:port, +1) on iface */
    struct net_addr group, iface;
    bool has_srv_rtcp; /* where receiver reports go */
    struct net_addr srv_rtcp;
    /* receiver statistics (RFC 3550 A.1, A.3, A.8) */
    bool have_seq;
    uint32_t ssrc;
    uint16_t max_seq;
    uint32_t cycles, base_seq, received, expected_prior, received_prior;
    bool have_transit;
    int32_t transit;
    uint32_t jitter16; /* jitter * 16 */
    uint32_t lsr;      /* middle 32 bits of the last SR's NTP time */
    uint64_t lsr_at_us;
};

struct rtsp_client {
    struct event_base *base;
    const struct rtsp_client_cb *cb;
    void *ctx;
    struct rtsp_client_opts o;
    enum cstate st;
    unsigned gen; /* bumped whenever the connection is closed: handlers check it */

    char start_url[RTSP_MAX_URL_BYTES + 1]; /* as given, with credentials */
    struct cli_url url;                     /* current (after redirects) */
    unsigned redirects;
    char log_url[RTSP_MAX_URL_BYTES + 1]; /* without password */

    struct net_dns *dns;
    struct net_addr peer;
    int fd;
    struct event *ev_read, *ev_write, *ev_tick;
    struct bufferevent *bev; /* rtsps://: the TLS connection (owns fd) */
    /* HTTP tunnel: fd is the GET leg (input), tun's POST leg the output */
    bool http;
    struct http_tunnel tun;
    bool mcast;       /* this session's tracks are multicast */
    SSL_CTX *tls_ctx; /* made on the first rtsps:// start */
    struct buf in, out;
    size_t junk_run;
    uint64_t deadline_us; /* connect */

    uint32_t cseq;
    enum rtsp_method pending; /* RTSP_METHOD_UNKNOWN: none */
    uint32_t pending_cseq;
    uint64_t pending_since_us;
    bool keepalive_options; /* the keepalive in flight is an OPTIONS */

    /* auth */
    bool have_chal;
    struct rtsp_auth_challenge chal;
    uint32_t nc;
    bool auth_failed_once; /* a request was answered 401 with credentials */

    /* description */
    bool has_get_parameter;
    char content_base[RTSP_MAX_URL_BYTES + 1];
    char aggregate[RTSP_MAX_URL_BYTES + 1];
    char *sdp_buf; /* RTSP_MAX_BODY_BYTES */
    struct sdp_session sdp;
    struct ctrack tr[RTSP_MAX_TRACKS];
    size_t n_tr, setup_i;

    /* session */
    char session[CLI_MAX_SESSION_ID + 1];
    uint32_t timeout_s;
    enum rtsp_lower lower;
    bool tcp_sticky;   /* auto: TCP won; start there next time */
    bool http_sticky;  /* auto: the HTTP tunnel played; start there next time */
    bool http_try;     /* auto: the next connection tries the HTTP tunnel */
    char tcp_why[128]; /* auto: why TCP won ("" while it has not) */
    uint64_t play_us, last_pkt_us, next_keepalive_us, next_rr_us;
    bool got_rtp;
    uint32_t ssrc;

    struct rtsp_client_stats stats;
    char reason[256];
    uint8_t udp_buf[65536];
};

static void conn_close(struct rtsp_client *c, bool teardown);
static bool ingest(struct rtsp_client *c);
static void begin_connect(struct rtsp_client *c);
static int send_req(struct rtsp_client *c, enum rtsp_method m);
static void restart(struct rtsp_client *c);
static void switch_to_http(struct rtsp_client *c, const char *why);

/* ---- helpers ---- */

static uint64_t ms_us(unsigned ms, unsigned dflt)
{
    return (uint64_t)(ms ? ms : dflt) * 1000;
}

static void random_bytes(void *p, size_t n)
{
    if (RAND_bytes(p, (int)n) != 1)
        memset(p, 0x5a, n);
}

/* Close everything and report. The client is idle afterwards. */
static void fail(struct rtsp_client *c, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(struct rtsp_client *c, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
    va_end(ap);
    /* auto: a port that gives no RTSP answer to OPTIONS over plain RTSP may
     * still take the HTTP tunnel (an HTTP-only proxy or firewall) */
    if (c->o.transport == RTSP_CLIENT_AUTO && !c->http && !c->url.tls && c->st == CS_OPTIONS &&
        (err == -ECONNRESET || err == -EPIPE || err == -EPROTO || err == -EMSGSIZE ||
         err == -ETIMEDOUT)) {
        char why[300];
        str_fmt(why, sizeof why, "plain RTSP got no answer to OPTIONS (%s)", c->reason);
        switch_to_http(c, why);
        restart(c);
        return;
    }
    bool was_active = c->st != CS_IDLE;
    /* TEARDOWN only over a connection that still works */
    bool broken = err == -ECONNRESET || err == -EPIPE || err == -ECONNREFUSED || err == -EMSGSIZE ||
                  err == -ENOTCONN;
    conn_close(c, c->session[0] != 0 && !broken);
    c->st = CS_IDLE;
    if (was_active && c->cb->on_close)
        c->cb->on_close(c->ctx, err, c->reason);
}

static void track_close_udp(struct ctrack *t)
{
    for (int k = 0; k < 2; k++) {
        if (t->ev[k]) {
            event_free(t->ev[k]);
            t->ev[k] = NULL;
        }
        if (t->fd[k] >= 0) {
            if (t->mcast) {
                struct net_addr g = t->group;
                net_addr_set_port(&g, (uint16_t)(net_addr_port(&g) + k));
                net_udp_mcast_close(t->fd[k], &g, &t->iface); /* leaves the group */
            } else {
                close(t->fd[k]);
            }
            t->fd[k] = -1;
        }
    }
}

/* HTTP tunnel: move c->out (whole requests and frames) base64-encoded onto
 * the POST leg's queue, one padded block per call (what our server, ffmpeg's
 * and GStreamer's peers all decode). */
static int encode_out(struct rtsp_client *c)
{
    struct iovec iov = {c->out.data, c->out.len};
    int e = http_tunnel_encode(&c->tun, &iov, 1);
    if (!e)
        buf_reset(&c->out);
    return e;
}

static int flush_out(struct rtsp_client *c)
{
    if (c->http && c->st > CS_HTTP_POST) {
        int e = encode_out(c);
        return e ? e : http_tunnel_flush(&c->tun);
    }
    if (c->bev) {
        /* requests and reports only, a few KiB: the bufferevent queues them */
        if (c->out.len && bufferevent_write(c->bev, c->out.data, c->out.len))
            return -ENOMEM;
        buf_reset(&c->out);
        return 0;
    }
    while (c->out.len) {
        struct iovec iov = {c->out.data, c->out.len};
        ssize_t n = net_writev(c->fd, &iov, 1);
        if (n == -EAGAIN) {
            event_add(c->ev_write, NULL);
            return 0;
        }
        if (n < 0)
            return (int)n;
        buf_consume(&c->out, (size_t)n);
    }
    event_del(c->ev_write);
    return 0;
}

/* Close the control connection and the UDP sockets; TEARDOWN first (one
 * non-blocking write attempt) when asked and a session exists. */
static void conn_close(struct rtsp_client *c, bool teardown)
{
    c->gen++;
    net_dns_cancel(c->dns);
    if (c->fd >= 0 && teardown && c->session[0] && c->st >= CS_SETUP) {
        buf_reset(&c->out);
        if (send_req(c, RTSP_METHOD_TEARDOWN) == 0 && c->out.len) {
            struct iovec iov = {c->out.data, c->out.len};
            if (c->http) {
                if (encode_out(c) == 0)
                    http_tunnel_flush_once(&c->tun);
            } else if (c->bev)
                (void)net_tls_write_now(c->bev, c->out.data, c->out.len);
            else
                (void)net_writev(c->fd, &iov, 1);
        }
    }
    if (c->bev) {
        bufferevent_free(c->bev); /* closes fd */
        c->bev = NULL;
        c->fd = -1;
    }
    if (c->ev_read)
        event_free(c->ev_read);
    if (c->ev_write)
        event_free(c->ev_write);
    c->ev_read = c->ev_write = NULL;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    http_tunnel_close(&c->tun);
    for (size_t i = 0; i < RTSP_MAX_TRACKS; i++)
        track_close_udp(&c->tr[i]);
    buf_free(&c->in);
    buf_free(&c->out);
    buf_init(&c->in, CLI_IN_MAX);
    buf_init(&c->out, CLI_OUT_MAX);
    c->pending = RTSP_METHOD_UNKNOWN;
    c->session[0] = 0;
    c->junk_run = 0;
    c->have_chal = false;
    c->auth_failed_once = false;
    c->got_rtp = false;
    c->n_tr = c->setup_i = 0;
}

/* ---- requests ---- */

static const char *req_uri(struct rtsp_client *c, enum rtsp_method m)
{
    switch (m) {
    case RTSP_METHOD_OPTIONS:
        return c->st == CS_PLAYING ? c->aggregate : c->url.url;
    case RTSP_METHOD_DESCRIBE:
        return c->url.url;
    case RTSP_METHOD_SETUP:
        return c->tr[c->setup_i].url;
    default:
        return c->aggregate;
    }
}

static int send_req(struct rtsp_client *c, enum rtsp_method m)
{
    const char *uri = req_uri(c, m);
    char transport[96];
    char auth[RTSP_AUTH_MAX_VALUE];
    struct cli_request r = {
        .method = m,
        .uri = uri,
        .cseq = ++c->cseq,
        .session = c->session[0] && m != RTSP_METHOD_OPTIONS && m != RTSP_METHOD_DESCRIBE
                       ? c->session
                       : NULL,
        .accept_sdp = m == RTSP_METHOD_DESCRIBE,
        .range_from_zero = m == RTSP_METHOD_PLAY,
    };
    if (m == RTSP_METHOD_OPTIONS && c->st == CS_PLAYING && c->session[0])
        r.session = c->session; /* an OPTIONS keepalive names the session */
    if (m == RTSP_METHOD_SETUP) {
        struct ctrack *t = &c->tr[c->setup_i];
        int e = t->mcast ? str_copy(transport, sizeof transport, "RTP/AVP;multicast")
                         : cli_transport_request(
                               transport, sizeof transport, t->lower,
                               t->lower == RTSP_LOWER_TCP ? (uint16_t)(2 * c->setup_i) : t->cport,
                               false);
        if (e)
            return e;
        r.transport = transport;
    }
    if (c->have_chal) {
        char cnonce_hex[33];
        uint8_t rnd[16];
        random_bytes(rnd, sizeof rnd);
        for (size_t i = 0; i < sizeof rnd; i++)
            str_fmt(cnonce_hex + 2 * i, 3, "%02x", rnd[i]);
        int e = rtsp_auth_client_authorization(
            &c->chal, sv_from_cstr(c->url.user), sv_from_cstr(c->url.password),
            sv_from_cstr(rtsp_method_name(m)), sv_from_cstr(uri), sv_from_cstr(cnonce_hex), ++c->nc,
            auth, sizeof auth);
        if (e)
            return e;
        r.authorization = auth;
    }
    int e = cli_request_write(&c->out, &r);
    if (e)
        return e;
    if (m != RTSP_METHOD_TEARDOWN) {
        c->pending = m;
        c->pending_cseq = r.cseq;
        c->pending_since_us = clock_mono_us();
    }
    log_debug("rtsp client %s: > %s %s CSeq %u", c->log_url, rtsp_method_name(m), uri, r.cseq);
    return 0;
}

/* After the TCP connect of the GET leg: send its head, wait for the answer. */
static void tunnel_start(struct rtsp_client *c)
{
    char head[1024];
    long n = http_tunnel_get_head(&c->tun, c->url.url, c->url.host, c->url.port, head, sizeof head);
    c->st = CS_HTTP_GET;
    if (n < 0 || buf_append(&c->out, head, (size_t)n)) {
        fail(c, -EMSGSIZE, "cannot write the HTTP tunnel's GET head");
        return;
    }
    int e = flush_out(c); /* raw: the GET head is not encoded */
    if (e)
        fail(c, e, "cannot send the HTTP tunnel's GET: %s", strerror(-e));
}

static void request(struct rtsp_client *c, enum rtsp_method m)
{
    int e = send_req(c, m);
    if (!e)
        e = flush_out(c);
    if (e)
        fail(c, e, "cannot send %s: %s", rtsp_method_name(m), strerror(-e));
}

/* ---- SETUP ---- */

static int open_udp(struct rtsp_client *c, struct ctrack *t);

static void setup_next(struct rtsp_client *c)
{
    if (c->setup_i >= c->n_tr) {
        c->st = CS_PLAY;
        request(c, RTSP_METHOD_PLAY);
        return;
    }
    struct ctrack *t = &c->tr[c->setup_i];
    t->lower = c->lower;
    t->mcast = c->mcast; /* its sockets open when the answer names the group */
    if (t->lower == RTSP_LOWER_UDP && !t->mcast) {
        int e = open_udp(c, t);
        if (e) {
            fail(c, e, "cannot open UDP ports: %s", strerror(-e));
            return;
        }
    }
    c->st = CS_SETUP;
    request(c, RTSP_METHOD_SETUP);
}

/* Start the whole exchange again over a new connection (after a transport
 * change): TEARDOWN the current session first. */
static void restart(struct rtsp_client *c)
{
    conn_close(c, true);
    c->cseq = 0;
    begin_connect(c);
}

static void switch_to_tcp(struct rtsp_client *c, const char *why)
{
    log_info("rtsp client %s: transport auto: TCP interleaved, because %s", c->log_url, why);
    c->tcp_sticky = true;
    c->lower = RTSP_LOWER_TCP;
    str_copy(c->tcp_why, sizeof c->tcp_why, why);
}

static void switch_to_http(struct rtsp_client *c, const char *why)
{
    log_info("rtsp client %s: transport auto: RTSP over an HTTP tunnel, because %s", c->log_url,
             why);
    c->http_try = true; /* sticky only once it plays */
    c->lower = RTSP_LOWER_TCP;
    str_copy(c->tcp_why, sizeof c->tcp_why, why);
}

/* ---- UDP ---- */

static void send_punch(struct rtsp_client *c, struct ctrack *t, const struct net_addr *rtp_to)
{
    /* Like ffmpeg: an empty RTP packet from the RTP port and an empty RR from
     * the RTCP port, so NATs and stateful firewalls on our side let the
     * server's packets in. */
    uint8_t rtp[RTP_HEADER_LEN];
    rtp_write_header(rtp, false, t->pt, 0, 0, c->ssrc);
    (void)net_udp_send(t->fd[0], rtp, sizeof rtp, rtp_to);
    uint8_t rr[64];
    size_t n = rtcp_build_rr(rr, sizeof rr, c->ssrc, NULL, "rtspgate");
    if (n && t->has_srv_rtcp)
        (void)net_udp_send(t->fd[1], rr, n, &t->srv_rtcp);
}

static void rr_update(struct ctrack *t, const struct rtp_hdr *h, uint64_t now_us, uint64_t *lost)
{
    if (!t->have_seq || h->ssrc != t->ssrc) {
        t->have_seq = true;
        t->ssrc = h->ssrc;
        t->base_seq = h->seq;
        t->max_seq = h->seq;
        t->cycles = 0;
        t->received = 0;
        t->expected_prior = t->received_prior = 0;
        t->have_transit = false;
        t->jitter16 = 0;
    } else {
        int16_t d = rtp_seq_diff(t->max_seq, h->seq);
        if (d > 0) {
            if (d > 1)
                *lost += (uint64_t)(d - 1);
            if (h->seq < t->max_seq)
                t->cycles += 65536;
            t->max_seq = h->seq;
        }
    }
    t->received++;
    if (t->clock_rate) {
        uint32_t arrival = (uint32_t)(now_us * t->clock_rate / 1000000);
        int32_t transit = (int32_t)(arrival - h->ts);
        if (t->have_transit) {
            int32_t d = transit - t->transit;
            uint32_t ad = d < 0 ? (uint32_t) - (int64_t)d : (uint32_t)d;
            t->jitter16 = t->jitter16 + ad - ((t->jitter16 + 8) >> 4);
        }
        t->transit = transit;
        t->have_transit = true;
    }
}

static size_t build_rr(struct rtsp_client *c, struct ctrack *t, uint64_t now_us, uint8_t *out,
                       size_t cap)
{
    struct rtcp_report_block b = {0};
    const struct rtcp_report_block *bp = NULL;
    if (t->have_seq) {
        uint32_t ext_max = t->cycles + t->max_seq;
        uint32_t expected = ext_max - t->base_seq + 1;
        int64_t lost = (int64_t)expected - t->received;
        if (lost > 0x7fffff)
            lost = 0x7fffff;
        if (lost < -0x800000)
            lost = -0x800000;
        uint32_t exp_int = expected - t->expected_prior;
        uint32_t rec_int = t->received - t->received_prior;
        t->expected_prior = expected;
        t->received_prior = t->received;
        int64_t lost_int = (int64_t)exp_int - rec_int;
        b.ssrc = t->ssrc;
        b.fraction_lost = exp_int == 0 || lost_int <= 0 ? 0 : (uint8_t)((lost_int << 8) / exp_int);
        b.cumulative_lost = (int32_t)lost;
        b.highest_seq = ext_max;
        b.jitter = t->jitter16 >> 4;
        if (t->lsr_at_us) {
            b.lsr = t->lsr;
            b.dlsr = (uint32_t)((now_us - t->lsr_at_us) * 65536 / 1000000);
        }
        bp = &b;
    }
    return rtcp_build_rr(out, cap, c->ssrc, bp, "rtspgate");
}

static void on_rtcp_in(struct rtsp_client *c, struct ctrack *t, const uint8_t *p, size_t n,
                       uint64_t now_us)
{
    struct rtcp_info info;
    if (rtcp_parse(p, n, &info) == 0 && info.has_sr) {
        t->lsr = (uint32_t)(info.sr_ntp >> 16);
        t->lsr_at_us = now_us;
    }
    c->stats.rtcp_packets++;
}

/* Deliver one packet; returns false when the client was closed meanwhile. */
static bool deliver(struct rtsp_client *c, size_t ti, bool rtcp, const uint8_t *p, size_t n)
{
    struct ctrack *t = &c->tr[ti];
    uint64_t now = clock_mono_us();
    if (rtcp) {
        on_rtcp_in(c, t, p, n, now);
    } else {
        struct rtp_hdr h;
        if (rtp_parse(p, n, &h))
            return true; /* not RTP: dropped */
        rr_update(t, &h, now, &c->stats.lost);
        c->stats.rtp_packets++;
        c->stats.rtp_bytes += n;
        c->last_pkt_us = now;
        if (!c->got_rtp) {
            c->got_rtp = true;
            log_verbose("rtsp client %s: first RTP packet after %.2f s over %s", c->log_url,
                        (double)(now - c->play_us) / 1e6,
                        rtsp_client_transport_name(rtsp_client_used(c)));
        }
    }
    unsigned gen = c->gen;
    if (c->cb->on_packet)
        c->cb->on_packet(c->ctx, t->media, rtcp, p, n);
    return gen == c->gen;
}

static void udp_read_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct udp_ctx *u = arg;
    struct rtsp_client *c = u->c;
    struct ctrack *t = &c->tr[u->track];
    for (int i = 0; i < CLI_UDP_BURST; i++) {
        struct net_addr from;
        ssize_t n = net_udp_recv(fd, c->udp_buf, sizeof c->udp_buf, &from);
        if (n < 0)
            return;
        if (!t->mcast && !net_addr_same_ip(&from, &c->peer))
            continue; /* only the server may feed us (a group: whoever sends to it) */
        if (u->rtcp && !t->has_srv_rtcp) {
            t->srv_rtcp = from;
            t->has_srv_rtcp = true;
        }
        if (c->st != CS_PLAYING && c->st != CS_PLAY)
            continue;
        if (!u->rtcp && (size_t)n < RTP_HEADER_LEN)
            continue;
        if (!deliver(c, u->track, u->rtcp, c->udp_buf, (size_t)n))
            return;
    }
}

static int open_udp(struct rtsp_client *c, struct ctrack *t)
{
    track_close_udp(t);
    struct net_addr any;
    int e = net_addr_from_ip(c->peer.ss.ss_family == AF_INET6 ? "::" : "0.0.0.0", 0, &any);
    if (!e)
        e = net_udp_pair_open(&any, 0, &t->fd[0], &t->fd[1], &t->cport);
    if (e)
        return e;
    net_udp_set_rcvbuf(t->fd[0], CLI_UDP_RCVBUF);
    for (int k = 0; k < 2; k++) {
        t->uctx[k] = (struct udp_ctx){c, (uint8_t)(t - c->tr), k == 1};
        t->ev[k] = event_new(c->base, t->fd[k], EV_READ | EV_PERSIST, udp_read_cb, &t->uctx[k]);
        if (!t->ev[k] || event_add(t->ev[k], NULL)) {
            track_close_udp(t);
            return -ENOMEM;
        }
    }
    return 0;
}

/* ---- responses ---- */

static void on_options(struct rtsp_client *c, const struct rtsp_msg *m)
{
    c->has_get_parameter = m->status == 200 && cli_public_has(m, RTSP_METHOD_GET_PARAMETER);
    c->st = CS_DESCRIBE;
    request(c, RTSP_METHOD_DESCRIBE);
}

static void on_describe(struct rtsp_client *c, const struct rtsp_msg *m)
{
    if (m->status >= 300 && m->status < 400) {
        char to[RTSP_MAX_URL_BYTES + 1];
        if (cli_redirect_url(m, c->url.url, to, sizeof to)) {
            fail(c, -EPROTO, "DESCRIBE answered %d without a usable Location", m->status);
            return;
        }
        if (++c->redirects > CLI_MAX_REDIRECTS) {
            fail(c, -ELOOP, "more than %d redirects", CLI_MAX_REDIRECTS);
            return;
        }
        struct cli_url nu;
        int e = cli_url_parse(to, &nu);
        if (e || nu.tls) {
            fail(c, e ? e : -EPROTONOSUPPORT, "redirect to an unusable URL %s", to);
            return;
        }
        nu.http = c->url.http; /* an rtsph:// session stays tunnelled */
        if (!nu.has_credentials && c->url.has_credentials) {
            nu.has_credentials = true;
            memcpy(nu.user, c->url.user, sizeof nu.user);
            memcpy(nu.password, c->url.password, sizeof nu.password);
        }
        log_info("rtsp client %s: redirected (%d) to %s", c->log_url, m->status, nu.url);
        c->url = nu;
        cli_url_redact(nu.url, c->log_url, sizeof c->log_url);
        conn_close(c, false);
        c->cseq = 0;
        begin_connect(c);
        return;
    }
    if (m->status != 200) {
        fail(c, -EPROTO, "DESCRIBE answered %d %.*s", m->status, SV_ARG(m->reason));
        return;
    }
    struct sv ct = rtsp_msg_header(m, "Content-Type");
    if (ct.p && !sv_istarts_with(sv_trim(ct), "application/sdp")) {
        fail(c, -EPROTO, "DESCRIBE answered %.*s, not SDP", SV_ARG(ct));
        return;
    }
    if (m->body.n == 0 || m->body.n > RTSP_MAX_BODY_BYTES) {
        fail(c, -EPROTO, "DESCRIBE answered without an SDP");
        return;
    }
    memcpy(c->sdp_buf, m->body.p, m->body.n);
    struct sv text = {c->sdp_buf, m->body.n};
    if (sdp_parse(text, &c->sdp) || c->sdp.n_media == 0) {
        fail(c, -EPROTO, "unusable SDP from the server");
        return;
    }
    if (cli_content_base(m, c->url.url, c->content_base, sizeof c->content_base) ||
        cli_aggregate_url(c->content_base, &c->sdp, c->aggregate, sizeof c->aggregate)) {
        fail(c, -EPROTO, "unusable Content-Base or control URL");
        return;
    }
    struct rtsp_client_desc d = {
        .url = c->url.url,
        .content_base = c->content_base,
        .sdp_text = text,
        .sdp = &c->sdp,
    };
    for (size_t i = 0; i < c->sdp.n_media; i++) {
        struct sv proto = c->sdp.media[i].proto;
        d.setup[i] = sv_ieq_cstr(proto, "RTP/AVP") || sv_ieq_cstr(proto, "RTP/AVPF");
    }
    unsigned gen = c->gen;
    int r = c->cb->on_describe ? c->cb->on_describe(c->ctx, &d) : 0;
    if (gen != c->gen)
        return;
    if (r < 0) {
        fail(c, r, "description refused");
        return;
    }
    if (r > 0) {
        fail(c, 0, "described");
        return;
    }
    c->n_tr = 0;
    for (size_t i = 0; i < c->sdp.n_media && i < RTSP_MAX_TRACKS; i++) {
        if (!d.setup[i])
            continue;
        struct ctrack *t = &c->tr[c->n_tr];
        const struct sdp_media *sm = &c->sdp.media[i];
        memset(t, 0, sizeof *t);
        t->fd[0] = t->fd[1] = -1;
        t->media = i;
        t->pt = sm->pt;
        t->clock_rate = sm->clock_rate;
        if (cli_track_url(c->content_base, &c->sdp, sm, t->url, sizeof t->url)) {
            fail(c, -EPROTO, "unusable control URL for media %zu", i);
            return;
        }
        c->n_tr++;
    }
    if (!c->n_tr) {
        fail(c, -ENOTSUP, "no RTP media to set up");
        return;
    }
    c->setup_i = 0;
    setup_next(c);
}

/* Multicast: join the group the SETUP answer names. Returns -1 after failing. */
static int setup_mcast(struct rtsp_client *c, struct ctrack *t, const struct rtsp_transport *tp)
{
    if (!tp || !tp->multicast) {
        fail(c, -EPROTO, "asked for multicast, the server answered %s",
             tp ? "unicast" : "without a Transport");
        return -1;
    }
    char dest[64] = "";
    if (!tp->destination.p || !tp->has_port || sv_to_cstr(tp->destination, dest, sizeof dest) ||
        net_addr_from_ip(dest, tp->port[0], &t->group) || !net_addr_is_multicast(&t->group)) {
        fail(c, -EPROTO, "the multicast answer lacks a usable destination and port (%.*s)",
             SV_ARG(tp->destination));
        return -1;
    }
    if (t->group.ss.ss_family != AF_INET) {
        fail(c, -EPROTONOSUPPORT, "IPv6 multicast group %s: not supported", dest);
        return -1;
    }
    /* the interface that reaches the server; on loopback, the kernel's route
     * to the group (where a local server sends it) */
    struct net_addr loc;
    if (net_local_addr(c->fd, &loc) || loc.ss.ss_family != AF_INET || net_addr_is_loopback(&loc))
        net_addr_from_ip("0.0.0.0", 0, &loc);
    t->iface = loc;
    for (int k = 0; k < 2; k++) {
        struct net_addr g = t->group;
        net_addr_set_port(&g, (uint16_t)(tp->port[0] + k));
        int e = net_udp_mcast_open(&g, &t->iface, &t->fd[k]);
        if (e) {
            t->fd[k] = -1;
            track_close_udp(t);
            fail(c, e, "cannot join multicast group %s port %u: %s", dest, tp->port[0] + k,
                 strerror(-e));
            return -1;
        }
        if (k == 0)
            net_udp_set_rcvbuf(t->fd[0], CLI_UDP_RCVBUF);
        t->uctx[k] = (struct udp_ctx){c, (uint8_t)(t - c->tr), k == 1};
        t->ev[k] = event_new(c->base, t->fd[k], EV_READ | EV_PERSIST, udp_read_cb, &t->uctx[k]);
        if (!t->ev[k] || event_add(t->ev[k], NULL)) {
            track_close_udp(t);
            fail(c, -ENOMEM, "out of memory");
            return -1;
        }
    }
    char ifs[NET_ADDR_STRLEN];
    net_addr_ip_str(&t->iface, ifs, sizeof ifs);
    log_verbose("rtsp client %s: track %zu joined multicast group %s ports %u-%u (ttl %u) on %s",
                c->log_url, t->media, dest, tp->port[0], tp->port[0] + 1, tp->has_ttl ? tp->ttl : 1,
                net_addr_is_any(&t->iface) ? "the routed interface" : ifs);
    return 0;
}

static void on_setup(struct rtsp_client *c, const struct rtsp_msg *m)
{
    struct ctrack *t = &c->tr[c->setup_i];
    if (m->status == 461 && t->lower == RTSP_LOWER_UDP && c->o.transport == RTSP_CLIENT_AUTO) {
        switch_to_tcp(c, "the server answered 461 Unsupported Transport to RTP/UDP");
        if (c->setup_i == 0) {
            track_close_udp(t);
            setup_next(c);
        } else {
            restart(c);
        }
        return;
    }
    if (m->status == 461 && t->lower == RTSP_LOWER_TCP && !c->http && !c->url.tls &&
        c->o.transport == RTSP_CLIENT_AUTO) {
        switch_to_http(c, "the server answered 461 Unsupported Transport to TCP interleaved");
        restart(c);
        return;
    }
    if (m->status != 200) {
        fail(c, -EPROTO, "SETUP %s answered %d %.*s%s", t->url, m->status, SV_ARG(m->reason),
             m->status != 461             ? ""
             : t->mcast                   ? " (no multicast)"
             : c->http                    ? " (no TCP interleaved in the HTTP tunnel)"
             : t->lower == RTSP_LOWER_TCP ? " (no TCP interleaved)"
                                          : " (no RTP/UDP)");
        return;
    }
    char sid[CLI_MAX_SESSION_ID + 1];
    uint32_t timeout = 0;
    int e = cli_session_of(m, sid, sizeof sid, &timeout);
    if (e && !c->session[0]) {
        fail(c, -EPROTO, "SETUP answered without a usable Session");
        return;
    }
    if (!e && !c->session[0]) {
        memcpy(c->session, sid, sizeof c->session);
        c->timeout_s = timeout;
    }
    struct rtsp_transport tp;
    e = cli_transport_of(m, &tp);
    if (e && e != -ENOENT) {
        fail(c, -EPROTO, "SETUP answered an unparsable Transport");
        return;
    }
    if (t->mcast) {
        if (setup_mcast(c, t, e ? NULL : &tp))
            return;
    } else if (t->lower == RTSP_LOWER_TCP) {
        if (!e && tp.lower == RTSP_LOWER_UDP && !tp.has_interleaved) {
            fail(c, -EPROTO, "asked for TCP interleaved, the server answered RTP/UDP");
            return;
        }
        if (!e && tp.has_interleaved) {
            t->ch[0] = tp.interleaved[0];
            t->ch[1] = tp.interleaved[1];
        } else {
            t->ch[0] = (uint8_t)(2 * c->setup_i);
            t->ch[1] = (uint8_t)(2 * c->setup_i + 1);
        }
    } else {
        if (!e && tp.lower == RTSP_LOWER_TCP) {
            fail(c, -EPROTO, "asked for RTP/UDP, the server answered TCP interleaved");
            return;
        }
        if (!e && tp.has_server_port) {
            struct net_addr to = c->peer;
            net_addr_set_port(&to, tp.server_port[0]);
            t->srv_rtcp = c->peer;
            net_addr_set_port(&t->srv_rtcp, tp.server_port[1]);
            t->has_srv_rtcp = true;
            send_punch(c, t, &to);
        }
    }
    c->setup_i++;
    setup_next(c);
}

static void on_play(struct rtsp_client *c, const struct rtsp_msg *m)
{
    if (m->status != 200) {
        fail(c, -EPROTO, "PLAY answered %d %.*s", m->status, SV_ARG(m->reason));
        return;
    }
    uint64_t now = clock_mono_us();
    c->st = CS_PLAYING;
    c->play_us = c->last_pkt_us = now;
    if (c->http && c->o.transport == RTSP_CLIENT_AUTO && c->tcp_why[0])
        c->http_sticky = true; /* auto chose the tunnel and it plays */
    struct cli_keepalive ka;
    cli_keepalive_plan(c->has_get_parameter, c->timeout_s, &ka);
    c->keepalive_options = ka.method == RTSP_METHOD_OPTIONS;
    c->next_keepalive_us = now + (uint64_t)ka.interval_ms * 1000;
    c->next_rr_us = now + 1000000;
    log_info("rtsp client %s: playing %zu track(s) over %s (session timeout %u s, keepalive %s "
             "every %u s)",
             c->log_url, c->n_tr,
             c->http                      ? "TCP interleaved in an HTTP tunnel"
             : c->mcast                   ? "RTP/UDP multicast"
             : c->lower == RTSP_LOWER_TCP ? "TCP interleaved"
                                          : "RTP/UDP",
             c->timeout_s, rtsp_method_name(ka.method), ka.interval_ms / 1000);
    if (c->cb->on_playing)
        c->cb->on_playing(c->ctx, c->lower);
}

static void on_keepalive(struct rtsp_client *c, enum rtsp_method m, const struct rtsp_msg *msg)
{
    if (msg->status == 454) {
        fail(c, -ENOENT, "the server forgot the session (454 to %s)", rtsp_method_name(m));
        return;
    }
    if (m == RTSP_METHOD_GET_PARAMETER && (msg->status == 405 || msg->status == 501)) {
        log_verbose("rtsp client %s: GET_PARAMETER refused, keepalive with OPTIONS", c->log_url);
        c->keepalive_options = true;
    }
}

/* 401: retry once with credentials (again when the nonce went stale). */
static bool on_unauthorized(struct rtsp_client *c, enum rtsp_method m, const struct rtsp_msg *msg)
{
    if (!c->url.has_credentials) {
        fail(c, -EACCES, "%s answered 401 and the URL has no credentials", rtsp_method_name(m));
        return false;
    }
    struct rtsp_auth_challenge ch;
    if (cli_pick_challenge(msg, &ch)) {
        fail(c, -EACCES, "%s answered 401 without a usable challenge", rtsp_method_name(m));
        return false;
    }
    if (c->auth_failed_once && !ch.stale) {
        fail(c, -EACCES, "authentication failed (wrong user or password?)");
        return false;
    }
    c->auth_failed_once = true;
    c->chal = ch;
    c->have_chal = true;
    c->nc = 0;
    log_verbose("rtsp client %s: authenticating with %s%s", c->log_url,
                ch.scheme == RTSP_AUTH_SCHEME_BASIC ? "Basic"
                : ch.algo == RTSP_AUTH_ALGO_SHA256 || ch.algo == RTSP_AUTH_ALGO_SHA256_SESS
                    ? "Digest SHA-256"
                    : "Digest MD5",
                ch.stale ? " (stale nonce)" : "");
    request(c, m);
    return true;
}

static void on_response(struct rtsp_client *c, const struct rtsp_msg *m)
{
    uint32_t cseq;
    if (rtsp_msg_cseq(m, &cseq) || c->pending == RTSP_METHOD_UNKNOWN || cseq != c->pending_cseq) {
        log_verbose("rtsp client %s: ignoring an unexpected response %d", c->log_url, m->status);
        return;
    }
    enum rtsp_method pm = c->pending;
    c->pending = RTSP_METHOD_UNKNOWN;
    log_debug("rtsp client %s: < %d to %s", c->log_url, m->status, rtsp_method_name(pm));
    if (c->cb->on_response)
        c->cb->on_response(c->ctx, pm, m);
    if (m->status == 401) {
        if (c->st == CS_PLAYING && pm == RTSP_METHOD_OPTIONS && !c->url.has_credentials)
            return; /* a keepalive OPTIONS some cameras refuse: harmless */
        on_unauthorized(c, pm, m);
        return;
    }
    if (m->status == 200 || m->status >= 300)
        c->auth_failed_once = false;
    switch (c->st) {
    case CS_OPTIONS:
        on_options(c, m);
        break;
    case CS_DESCRIBE:
        on_describe(c, m);
        break;
    case CS_SETUP:
        on_setup(c, m);
        break;
    case CS_PLAY:
        on_play(c, m);
        break;
    case CS_PLAYING:
        on_keepalive(c, pm, m);
        break;
    default:
        break;
    }
}

static void on_server_request(struct rtsp_client *c, const struct rtsp_msg *m)
{
    uint32_t cseq = 0;
    bool has = rtsp_msg_cseq(m, &cseq) == 0;
    bool ok = m->method == RTSP_METHOD_OPTIONS || m->method == RTSP_METHOD_GET_PARAMETER ||
              m->method == RTSP_METHOD_SET_PARAMETER;
    char cs[32] = "";
    if (has)
        str_fmt(cs, sizeof cs, "CSeq: %u\r\n", cseq);
    if (buf_printf(&c->out, "RTSP/1.0 %s\r\n%sUser-Agent: %s\r\n\r\n",
                   ok ? "200 OK" : "501 Not Implemented", cs, CLI_USER_AGENT) == 0)
        (void)flush_out(c);
}

/* ---- control connection ---- */

static bool handle_frame(struct rtsp_client *c, const struct rtsp_frame *f)
{
    if (c->st != CS_PLAYING && c->st != CS_PLAY)
        return true;
    for (size_t i = 0; i < c->n_tr; i++) {
        struct ctrack *t = &c->tr[i];
        if (t->lower != RTSP_LOWER_TCP)
            continue;
        if (f->channel == t->ch[0] && f->len >= RTP_HEADER_LEN)
            return deliver(c, i, false, f->data, f->len);
        if (f->channel == t->ch[1])
            return deliver(c, i, true, f->data, f->len);
    }
    return true;
}

/* Room for the next read into c->in (reserved), or 0 after failing the
 * session (input over the cap, out of memory). */
static size_t in_room(struct rtsp_client *c)
{
    size_t room = c->in.max - c->in.len;
    if (room == 0) {
        fail(c, -EMSGSIZE, "input over %u bytes without a whole message", CLI_IN_MAX);
        return 0;
    }
    if (room > CLI_READ_CHUNK)
        room = CLI_READ_CHUNK;
    if (buf_reserve(&c->in, room)) {
        fail(c, -ENOMEM, "out of memory");
        return 0;
    }
    return room;
}

static void read_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct rtsp_client *c = arg;
    size_t room = in_room(c);
    if (!room)
        return;
    ssize_t n = net_read(fd, c->in.data + c->in.len, room);
    if (n == -EAGAIN)
        return;
    if (n < 0) {
        fail(c, (int)n, "connection error: %s", strerror((int)-n));
        return;
    }
    if (n == 0) {
        fail(c, -ECONNRESET, "the server closed the connection (%s)", state_names[c->st]);
        return;
    }
    c->in.len += (size_t)n;
    ingest(c);
}

/* HTTP tunnel: the POST leg is up (start RTSP), or failed. */
static void tunnel_up(void *arg)
{
    struct rtsp_client *c = arg;
    log_verbose("rtsp client %s: HTTP tunnel up (x-sessioncookie %s)", c->log_url, c->tun.cookie);
    c->st = CS_OPTIONS;
    request(c, RTSP_METHOD_OPTIONS);
}

static void tunnel_fail(void *arg, int err, const char *msg)
{
    struct rtsp_client *c = arg;
    fail(c, err, "%s (%s)", msg, state_names[c->st]);
}

static const struct http_tunnel_cb tunnel_cb = {.on_up = tunnel_up, .on_fail = tunnel_fail};

/* The answer head to the tunnel's GET: on 200, connect the POST leg.
 * Returns false after failing. */
static bool tunnel_got_reply(struct rtsp_client *c)
{
    size_t used = 0;
    char why[256];
    int r = http_tunnel_on_reply(&c->tun, c->in.data, c->in.len, &used, &c->peer, why, sizeof why);
    if (r == -EAGAIN)
        return true;
    if (r) {
        fail(c, r, "no HTTP tunnel at %s:%u: %s", c->url.host, c->url.port, why);
        return false;
    }
    buf_consume(&c->in, used);
    c->st = CS_HTTP_POST;
    return true;
}

/* Parse and handle everything whole in c->in. Returns false when the
 * connection was closed or restarted meanwhile. */
static bool ingest(struct rtsp_client *c)
{
    unsigned gen = c->gen;
    if (c->st == CS_HTTP_GET && !tunnel_got_reply(c))
        return false;
    if (c->st < CS_OPTIONS)
        return true; /* nothing of RTSP before the tunnel's POST leg is up */
    size_t off = 0;
    while (off < c->in.len) {
        struct rtsp_item item;
        size_t used = 0;
        int r = rtsp_parse(c->in.data + off, c->in.len - off, &used, &item);
        if (r == -EAGAIN)
            break;
        if (r < 0) {
            fail(c, r, "lost the RTSP framing (%s)", r == -EMSGSIZE ? "over a cap" : "bad input");
            return false;
        }
        off += used;
        switch (item.kind) {
        case RTSP_ITEM_JUNK:
            c->junk_run += used;
            c->stats.junk_bytes += used;
            if (c->junk_run > RTSP_MAX_RESYNC_BYTES) {
                fail(c, -EPROTO, "more than %d junk bytes between frames", RTSP_MAX_RESYNC_BYTES);
                return false;
            }
            continue;
        case RTSP_ITEM_FRAME:
            c->junk_run = 0;
            if (!handle_frame(c, &item.frame))
                return false;
            break;
        case RTSP_ITEM_MESSAGE:
            c->junk_run = 0;
            if (item.msg.is_response)
                on_response(c, &item.msg);
            else
                on_server_request(c, &item.msg);
            break;
        case RTSP_ITEM_BAD_MESSAGE:
            log_verbose("rtsp client %s: malformed message from the server: %s", c->log_url,
                        item.error ? item.error : "?");
            break;
        }
        if (gen != c->gen)
            return false; /* closed or restarted: the buffer is gone */
    }
    buf_consume(&c->in, off);
    return true;
}

/* rtsps://: decrypted input from the TLS bufferevent. */
static void tls_read_cb(struct bufferevent *bev, void *arg)
{
    struct rtsp_client *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    while (evbuffer_get_length(in)) {
        size_t room = in_room(c);
        if (!room)
            return;
        int n = evbuffer_remove(in, c->in.data + c->in.len, room);
        if (n <= 0)
            return;
        c->in.len += (size_t)n;
        if (!ingest(c))
            return;
    }
}

static void tls_event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct rtsp_client *c = arg;
    if (what & BEV_EVENT_CONNECTED) {
        log_verbose("rtsp client %s: TLS established", c->log_url);
        c->st = CS_OPTIONS;
        request(c, RTSP_METHOD_OPTIONS);
        return;
    }
    if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF)) {
        char why[160];
        net_tls_error(bev, why, sizeof why);
        if (c->st == CS_CONNECTING)
            fail(c, -ECONNREFUSED, "TLS handshake with %s:%u failed: %s", c->url.host, c->url.port,
                 why);
        else if (what & BEV_EVENT_EOF)
            fail(c, -ECONNRESET, "the server closed the connection (%s)", state_names[c->st]);
        else
            fail(c, -EIO, "TLS connection error: %s", why);
    }
}

/* After the TCP connect of an rtsps:// URL: hand fd to a TLS bufferevent. */
static void start_tls(struct rtsp_client *c)
{
    event_free(c->ev_read);
    event_free(c->ev_write);
    c->ev_read = c->ev_write = NULL;
    c->bev = net_tls_connect(c->base, c->fd, c->tls_ctx, c->url.host);
    if (!c->bev) {
        c->fd = -1; /* closed by net_tls_connect */
        fail(c, -ENOMEM, "cannot start TLS");
        return;
    }
    bufferevent_setcb(c->bev, tls_read_cb, NULL, tls_event_cb, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void write_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct rtsp_client *c = arg;
    if (c->st == CS_CONNECTING) {
        int e = net_tcp_connect_result(fd);
        if (e) {
            fail(c, e, "cannot connect to %s:%u: %s", c->url.host, c->url.port, strerror(-e));
            return;
        }
        net_tcp_tune(fd, 0, 0);
        if (c->url.tls) {
            start_tls(c); /* CONNECTING until the handshake is done */
            return;
        }
        event_del(c->ev_write);
        event_add(c->ev_read, NULL);
        if (c->http) {
            tunnel_start(c);
            return;
        }
        c->st = CS_OPTIONS;
        request(c, RTSP_METHOD_OPTIONS);
        return;
    }
    int e = flush_out(c);
    if (e)
        fail(c, e, "write error: %s", strerror(-e));
}

static void connect_to(struct rtsp_client *c)
{
    int fd = net_tcp_connect(&c->peer);
    if (fd < 0) {
        fail(c, fd, "cannot connect to %s:%u: %s", c->url.host, c->url.port, strerror(-fd));
        return;
    }
    c->fd = fd;
    c->ev_read = event_new(c->base, fd, EV_READ | EV_PERSIST, read_cb, c);
    c->ev_write = event_new(c->base, fd, EV_WRITE | EV_PERSIST, write_cb, c);
    if (!c->ev_read || !c->ev_write) {
        fail(c, -ENOMEM, "out of memory");
        return;
    }
    c->st = CS_CONNECTING;
    event_add(c->ev_write, NULL);
}

static void dns_cb(void *ctx, int err, const struct net_addr *addr)
{
    struct rtsp_client *c = ctx;
    if (c->st != CS_RESOLVING)
        return;
    if (err) {
        fail(c, err, "cannot resolve %s", c->url.host);
        return;
    }
    c->peer = *addr;
    connect_to(c);
}

static void begin_connect(struct rtsp_client *c)
{
    c->st = CS_RESOLVING;
    c->deadline_us = clock_mono_us() + ms_us(c->o.connect_timeout_ms, 5000);
    /* rtsps://: interleaved inside the TLS connection (media over plain UDP
     * would defeat the point) */
    /* rtsph:// means http unless another transport was asked for explicitly */
    c->http =
        !c->url.tls &&
        (c->o.transport == RTSP_CLIENT_HTTP ||
         (c->o.transport == RTSP_CLIENT_AUTO && (c->url.http || c->http_sticky || c->http_try)));
    c->http_try = false;
    c->mcast = !c->url.tls && !c->http && c->o.transport == RTSP_CLIENT_MULTICAST;
    c->lower = c->o.transport == RTSP_CLIENT_TCP || c->tcp_sticky || c->url.tls || c->http
                   ? RTSP_LOWER_TCP
                   : RTSP_LOWER_UDP;
    if (c->mcast)
        c->lower = RTSP_LOWER_UDP;
    random_bytes(&c->ssrc, sizeof c->ssrc);
    int e = net_dns_resolve(c->dns, c->url.host, c->url.port, dns_cb, c);
    if (e)
        fail(c, e, "cannot resolve %s: %s", c->url.host, strerror(-e));
}

/* ---- timers ---- */

static void send_rrs(struct rtsp_client *c, uint64_t now)
{
    for (size_t i = 0; i < c->n_tr; i++) {
        struct ctrack *t = &c->tr[i];
        if (!t->have_seq)
            continue;
        uint8_t rr[128];
        size_t n = build_rr(c, t, now, rr + 4, sizeof rr - 4);
        if (!n)
            continue;
        if (t->lower == RTSP_LOWER_UDP) {
            if (t->has_srv_rtcp && t->fd[1] >= 0 &&
                net_udp_send(t->fd[1], rr + 4, n, &t->srv_rtcp) >= 0)
                c->stats.receiver_reports++;
        } else if (c->out.len + n + 4 <= CLI_OUT_MAX / 2) {
            rtsp_frame_header(rr, t->ch[1], (uint16_t)n);
            if (buf_append(&c->out, rr, n + 4) == 0)
                c->stats.receiver_reports++;
        }
    }
    int e = flush_out(c);
    if (e)
        fail(c, e, "write error: %s", strerror(-e));
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct rtsp_client *c = arg;
    uint64_t now = clock_mono_us();
    if (c->st == CS_IDLE)
        return;
    if (c->st >= CS_RESOLVING && c->st <= CS_HTTP_POST && now > c->deadline_us) {
        if (c->st >= CS_HTTP_GET)
            fail(c, -ETIMEDOUT, "HTTP tunnel to %s:%u: no answer to the %s in time", c->url.host,
                 c->url.port, c->st == CS_HTTP_GET ? "GET" : "POST connect");
        else if (c->bev)
            fail(c, -ETIMEDOUT, "TLS handshake with %s:%u timed out (is it an RTSPS port?)",
                 c->url.host, c->url.port);
        else
            fail(c, -ETIMEDOUT, "cannot connect to %s:%u: timed out", c->url.host, c->url.port);
        return;
    }
    if (c->pending != RTSP_METHOD_UNKNOWN &&
        now - c->pending_since_us > ms_us(c->o.response_timeout_ms, 10000)) {
        fail(c, -ETIMEDOUT, "no answer to %s", rtsp_method_name(c->pending));
        return;
    }
    if (c->st != CS_PLAYING)
        return;
    if (c->lower == RTSP_LOWER_UDP && !c->got_rtp && c->o.transport == RTSP_CLIENT_AUTO &&
        now - c->play_us > ms_us(c->o.udp_timeout_ms, 2000)) {
        char why[96];
        str_fmt(why, sizeof why, "no RTP arrived over UDP within %.1f s",
                (double)ms_us(c->o.udp_timeout_ms, 2000) / 1e6);
        switch_to_tcp(c, why);
        restart(c);
        return;
    }
    uint64_t data_to = ms_us(c->o.data_timeout_ms, 10000);
    if (now - c->last_pkt_us > data_to) {
        fail(c, -ETIMEDOUT, "no media for %.1f s", (double)data_to / 1e6);
        return;
    }
    if (now >= c->next_keepalive_us && c->pending == RTSP_METHOD_UNKNOWN) {
        struct cli_keepalive ka;
        cli_keepalive_plan(!c->keepalive_options, c->timeout_s, &ka);
        c->next_keepalive_us = now + (uint64_t)ka.interval_ms * 1000;
        c->stats.keepalives++;
        request(c, ka.method);
        if (c->st != CS_PLAYING)
            return;
    }
    if (now >= c->next_rr_us) {
        c->next_rr_us = now + CLI_RR_INTERVAL;
        send_rrs(c, now);
    }
}

/* ---- public ---- */

struct rtsp_client *rtsp_client_new(struct event_base *base, const struct rtsp_client_cb *cb,
                                    void *ctx)
{
    struct rtsp_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->base = base;
    c->cb = cb;
    c->ctx = ctx;
    c->fd = -1;
    http_tunnel_init(&c->tun, base, CLI_POST_MAX, &tunnel_cb, c, 0, 0);
    for (size_t i = 0; i < RTSP_MAX_TRACKS; i++)
        c->tr[i].fd[0] = c->tr[i].fd[1] = -1;
    buf_init(&c->in, CLI_IN_MAX);
    buf_init(&c->out, CLI_OUT_MAX);
    c->sdp_buf = malloc(RTSP_MAX_BODY_BYTES);
    c->dns = net_dns_new(base);
    c->ev_tick = event_new(base, -1, EV_PERSIST, tick_cb, c);
    struct timeval tv = {0, CLI_TICK_MS * 1000};
    if (!c->sdp_buf || !c->dns || !c->ev_tick || event_add(c->ev_tick, &tv)) {
        rtsp_client_free(c);
        return NULL;
    }
    return c;
}

void rtsp_client_stop(struct rtsp_client *c)
{
    if (!c)
        return;
    conn_close(c, true);
    c->st = CS_IDLE;
}

void rtsp_client_free(struct rtsp_client *c)
{
    if (!c)
        return;
    rtsp_client_stop(c);
    buf_free(&c->in);
    buf_free(&c->out);
    http_tunnel_free(&c->tun);
    if (c->ev_tick)
        event_free(c->ev_tick);
    net_dns_free(c->dns);
    if (c->tls_ctx)
        net_tls_ctx_free(c->tls_ctx);
    free(c->sdp_buf);
    free(c);
}

int rtsp_client_start(struct rtsp_client *c, const char *url, const struct rtsp_client_opts *opts)
{
    rtsp_client_stop(c);
    struct cli_url u;
    int e = cli_url_parse(url, &u);
    if (e)
        return e == -EPROTONOSUPPORT ? e : -EPROTO;
    if (u.tls && !c->tls_ctx) {
        char err[160];
        c->tls_ctx = net_tls_client_ctx(false, err, sizeof err);
        if (!c->tls_ctx) {
            log_error("rtsp client: %s", err);
            return -ENOMEM;
        }
    }
    if (str_copy(c->start_url, sizeof c->start_url, url))
        return -EPROTO;
    if (opts)
        c->o = *opts;
    else
        memset(&c->o, 0, sizeof c->o);
    c->url = u;
    c->redirects = 0;
    c->cseq = 0;
    cli_url_redact(u.url, c->log_url, sizeof c->log_url);
    begin_connect(c);
    return 0;
}

bool rtsp_client_is_playing(const struct rtsp_client *c)
{
    return c->st == CS_PLAYING;
}

enum rtsp_lower rtsp_client_lower(const struct rtsp_client *c)
{
    return c->lower;
}

void rtsp_client_stats(const struct rtsp_client *c, struct rtsp_client_stats *st)
{
    *st = c->stats;
}

const char *rtsp_client_tcp_reason(const struct rtsp_client *c)
{
    return c->tcp_why;
}

enum rtsp_client_transport rtsp_client_used(const struct rtsp_client *c)
{
    if (c->http)
        return RTSP_CLIENT_HTTP;
    if (c->mcast)
        return RTSP_CLIENT_MULTICAST;
    return c->lower == RTSP_LOWER_TCP ? RTSP_CLIENT_TCP : RTSP_CLIENT_UDP;
}

static const char *const transport_names[] = {"auto", "udp", "tcp", "http", "multicast"};

const char *rtsp_client_transport_name(enum rtsp_client_transport t)
{
    return (unsigned)t < sizeof transport_names / sizeof transport_names[0] ? transport_names[t]
                                                                            : "?";
}

int rtsp_client_transport_parse(const char *s, enum rtsp_client_transport *out)
{
    for (size_t i = 0; i < sizeof transport_names / sizeof transport_names[0]; i++)
        if (!strcmp(s, transport_names[i])) {
            *out = (enum rtsp_client_transport)i;
            return 0;
        }
    return -EINVAL;
}
