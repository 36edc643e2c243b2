#include "client/rtsp_publisher.h"

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
#include "core/log.h"
#include "core/pkt.h"
#include "hub/stream.h"
#include "net/dns.h"
#include "net/net.h"
#include "net/tls.h"
#include "rtp/rtcp.h"
#include "rtp/rtp.h"
#include "rtsp/auth.h"
#include "rtsp/msg.h"
#include "client/http_tunnel.h"
#include "rtsp/tunnel.h"
#include "rtsp/url.h"
#include "sdp/sdp.h"
#include "session/cli_proto.h"

#define PUB_IN_MAX      (RTSP_MAX_HEADER_BYTES + RTSP_MAX_BODY_BYTES + 65536 + 4)
#define PUB_OUT_MAX     (64 * 1024) /* requests and RTCP only; media goes from the hub */
#define PUB_READ_CHUNK  (16 * 1024)
#define PUB_TICK_MS     100
#define PUB_SR_INTERVAL (5 * 1000000ull)
#define PUB_BATCH       32
#define PUB_TLS_HIGH    (256 * 1024) /* TLS: bytes queued in the bufferevent before we wait */
#define PUB_POST_HIGH   (64 * 1024) /* HTTP tunnel: base64 queued for the POST leg before we wait */
#define PUB_POST_MAX    (PUB_POST_HIGH + (PUB_BATCH * (4 + 65536) + PUB_OUT_MAX) / 3 * 4 + 8192)
/* Socket send buffer: enough for ~20 Mbit/s at 100 ms RTT, small enough that
 * a slow uplink blocks us within a fraction of a second (and the hub's lag
 * policy then skips to a newer keyframe) instead of queueing seconds of
 * video in the kernel. */
#define PUB_SNDBUF (128 * 1024)

enum pstate {
    PS_WAIT = 0, /* for the stream to have tracks and a keyframe */
    PS_BACKOFF,
    PS_RESOLVING,
    PS_CONNECTING,
    PS_HTTP_GET,  /* tunnel: GET sent, waiting for its answer head */
    PS_HTTP_POST, /* tunnel: connecting the POST leg */
    PS_OPTIONS,
    PS_ANNOUNCE,
    PS_SETUP,
    PS_RECORD,
    PS_RECORDING,
};

static const char *const state_names[] = {
    "waiting", "backoff",  "resolving", "connecting", "HTTP tunnel GET", "HTTP tunnel POST",
    "OPTIONS", "ANNOUNCE", "SETUP",     "RECORD",     "recording"};

struct rtsp_publisher {
    struct event_base *base;
    struct hub_stream *stream;
    struct rtsp_publisher_opts o;
    enum pstate st;
    unsigned gen; /* bumped whenever the connection is closed */

    struct cli_url url;
    char log_url[RTSP_MAX_URL_BYTES + 1];
    struct net_dns *dns;
    struct net_addr peer;
    int fd;
    struct event *ev_read, *ev_write, *ev_tick, *ev_flush;
    struct bufferevent *bev; /* rtsps:// (owns fd) */
    /* HTTP tunnel: fd is the GET leg (answers in), tun's POST leg
     * everything out, base64 */
    bool http;
    struct http_tunnel tun;
    SSL_CTX *tls_ctx;
    struct buf in, out;
    size_t junk_run;
    uint64_t deadline_us;

    uint32_t cseq;
    enum rtsp_method pending;
    uint32_t pending_cseq;
    uint64_t pending_since_us;

    bool have_chal;
    struct rtsp_auth_challenge chal;
    uint32_t nc;
    bool auth_failed_once;

    bool has_get_parameter;
    char session[CLI_MAX_SESSION_ID + 1];
    uint32_t timeout_s;
    size_t n_tr, setup_i;
    char track_url[RTSP_MAX_TRACKS][RTSP_MAX_URL_BYTES + 1];
    uint8_t ch[RTSP_MAX_TRACKS][2];
    uint32_t tr_pkts[RTSP_MAX_TRACKS], tr_octets[RTSP_MAX_TRACKS];

    /* media */
    struct hub_sub sub;
    uint64_t resume_pos; /* ring position reached by the last session */
    bool have_resume_pos, sent_any;
    struct pkt *cur; /* partially written packet */
    size_t cur_off;
    uint8_t cur_hdr[4];
    bool write_blocked;
    uint64_t blocked_since_us;
    uint64_t next_keepalive_us, next_sr_us;

    unsigned backoff_ms;
    uint64_t retry_at_us;
    bool said_waiting;

    struct rtsp_publisher_stats stats;
    char reason[256];
};

static void conn_close(struct rtsp_publisher *p, bool teardown);
static bool ingest(struct rtsp_publisher *p);
static void flush(struct rtsp_publisher *p);
static int send_req(struct rtsp_publisher *p, enum rtsp_method m);

static uint64_t ms_us(unsigned ms, unsigned dflt)
{
    return (uint64_t)(ms ? ms : dflt) * 1000;
}

static void random_bytes(void *b, size_t n)
{
    if (RAND_bytes(b, (int)n) != 1)
        memset(b, 0x5a, n);
}

/* Close the connection and schedule the next attempt. */
static void fail(struct rtsp_publisher *p, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(struct rtsp_publisher *p, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->reason, sizeof p->reason, fmt, ap);
    va_end(ap);
    bool broken = err == -ECONNRESET || err == -EPIPE || err == -ECONNREFUSED || err == -EMSGSIZE ||
                  err == -ENOTCONN || err == -ETIMEDOUT;
    conn_close(p, !broken);
    p->stats.failures++;
    unsigned delay = p->backoff_ms;
    log_warn("push %s: %s; reconnecting in %.0f s", p->log_url, p->reason, delay / 1000.0);
    p->st = PS_BACKOFF;
    p->retry_at_us = clock_mono_us() + (uint64_t)delay * 1000;
    unsigned max = p->o.backoff_max_ms ? p->o.backoff_max_ms : 30000;
    p->backoff_ms = delay * 2 > max ? max : delay * 2;
}

static void conn_close(struct rtsp_publisher *p, bool teardown)
{
    p->gen++;
    net_dns_cancel(p->dns);
    if (p->sub.attached) {
        p->resume_pos = p->sub.pos;
        p->have_resume_pos = true;
    }
    hub_sub_detach(&p->sub);
    if (p->cur) { /* a frame cut short: a TEARDOWN now would land inside it */
        pkt_unref(p->cur);
        p->cur = NULL;
        teardown = false;
    }
    if (p->fd >= 0 && teardown && p->session[0] && p->st >= PS_SETUP) {
        /* after whatever is queued (it may be the rest of a message) */
        if (send_req(p, RTSP_METHOD_TEARDOWN) == 0 && p->out.len) {
            struct iovec iov = {p->out.data, p->out.len};
            if (p->http) {
                if (http_tunnel_encode(&p->tun, &iov, 1) == 0)
                    http_tunnel_flush_once(&p->tun);
            } else if (p->bev) {
                (void)net_tls_write_now(p->bev, p->out.data, p->out.len);
            } else {
                (void)net_writev(p->fd, &iov, 1);
            }
        }
    }
    if (p->bev) {
        bufferevent_free(p->bev);
        p->bev = NULL;
        p->fd = -1;
    }
    if (p->ev_read)
        event_free(p->ev_read);
    if (p->ev_write)
        event_free(p->ev_write);
    p->ev_read = p->ev_write = NULL;
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
    http_tunnel_close(&p->tun);
    buf_free(&p->in);
    buf_free(&p->out);
    buf_init(&p->in, PUB_IN_MAX);
    buf_init(&p->out, PUB_OUT_MAX);
    p->pending = RTSP_METHOD_UNKNOWN;
    p->session[0] = 0;
    p->junk_run = 0;
    p->have_chal = false;
    p->auth_failed_once = false;
    p->n_tr = p->setup_i = 0;
    p->write_blocked = false;
    p->cseq = 0;
}

/* ---- output ---- */

/* writev; for TLS a copy into the bufferevent while it holds less than
 * PUB_TLS_HIGH; for the HTTP tunnel base64 into the POST leg's queue while it
 * holds less than PUB_POST_HIGH. The copying paths take all or nothing. */
static ssize_t out_writev(struct rtsp_publisher *p, const struct iovec *iov, int n)
{
    if (!p->http)
        return net_writev_or_tls(p->fd, p->bev, iov, n, PUB_TLS_HIGH);
    if (http_tunnel_queued(&p->tun) >= PUB_POST_HIGH) {
        int e = http_tunnel_flush(&p->tun);
        if (e)
            return e;
        if (http_tunnel_queued(&p->tun) >= PUB_POST_HIGH)
            return -EAGAIN;
    }
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += iov[i].iov_len;
    int e = http_tunnel_encode(&p->tun, iov, n);
    if (!e)
        e = http_tunnel_flush(&p->tun);
    return e ? e : (ssize_t)total;
}

static void block(struct rtsp_publisher *p)
{
    if (!p->write_blocked) {
        p->write_blocked = true;
        p->blocked_since_us = clock_mono_us();
    }
    if (p->http)
        http_tunnel_want_write(&p->tun);
    else if (!p->bev)
        event_add(p->ev_write, NULL);
}

static void count_sent(struct rtsp_publisher *p, const struct pkt *k)
{
    if (!p->sent_any) { /* a session that carries media: the next failure retries soon */
        p->sent_any = true;
        p->backoff_ms = p->o.backoff_min_ms ? p->o.backoff_min_ms : 1000;
    }
    p->stats.rtp_packets++;
    p->stats.rtp_bytes += k->len;
    if (k->track < RTSP_MAX_TRACKS) {
        p->tr_pkts[k->track]++;
        p->tr_octets[k->track] += k->len > RTP_HEADER_LEN ? k->len - RTP_HEADER_LEN : 0;
    }
}

/* Write as much as the socket takes: the packet in progress, queued
 * requests and RTCP, then packets from the hub, each with its own "$"
 * header, many per writev. */
static void flush(struct rtsp_publisher *p)
{
    if (p->fd < 0 && !p->bev)
        return;
    if (p->st <= PS_HTTP_POST)
        return;
    unsigned gen = p->gen;
    for (;;) {
        if (p->cur) {
            struct iovec iov[2];
            int n = 0;
            size_t off = p->cur_off;
            if (off < 4)
                iov[n++] = (struct iovec){p->cur_hdr + off, 4 - off};
            size_t doff = off < 4 ? 0 : off - 4;
            iov[n++] = (struct iovec){p->cur->data + doff, p->cur->len - doff};
            ssize_t w = out_writev(p, iov, n);
            if (w == -EAGAIN)
                return block(p);
            if (w < 0)
                return fail(p, (int)w, "write error: %s", strerror((int)-w));
            p->cur_off += (size_t)w;
            if (p->cur_off < 4u + p->cur->len)
                return block(p);
            pkt_unref(p->cur);
            p->cur = NULL;
            continue;
        }
        if (p->out.len) {
            struct iovec iov = {p->out.data, p->out.len};
            ssize_t w = out_writev(p, &iov, 1);
            if (w == -EAGAIN)
                return block(p);
            if (w < 0)
                return fail(p, (int)w, "write error: %s", strerror((int)-w));
            buf_consume(&p->out, (size_t)w);
            if (p->out.len)
                return block(p);
            continue;
        }
        if (p->st != PS_RECORDING)
            break;
        struct pkt *pk[PUB_BATCH];
        uint8_t hdr[PUB_BATCH][4];
        struct iovec iov[2 * PUB_BATCH];
        uint64_t skips = p->sub.skips;
        size_t n = hub_sub_peek_many(&p->sub, pk, PUB_BATCH);
        if (p->sub.skips != skips) {
            p->stats.skips += p->sub.skips - skips;
            log_warn("push %s: the uplink is too slow: skipped to a newer keyframe", p->log_url);
        }
        if (!n) {
            if (hub_sub_wait(&p->sub))
                break;
            continue;
        }
        int niov = 0;
        size_t map[PUB_BATCH], npairs = 0;
        for (size_t i = 0; i < n; i++) {
            size_t t = pk[i]->track;
            if (t >= p->n_tr || (pk[i]->flags & PKT_F_RTCP))
                continue;
            rtsp_frame_header(hdr[i], p->ch[t][0], pk[i]->len);
            iov[niov++] = (struct iovec){hdr[i], 4};
            iov[niov++] = (struct iovec){pk[i]->data, pk[i]->len};
            map[npairs++] = i;
        }
        if (!npairs) {
            hub_sub_advance(&p->sub, n);
            continue;
        }
        ssize_t w = out_writev(p, iov, niov);
        if (w == -EAGAIN)
            return block(p);
        if (w < 0)
            return fail(p, (int)w, "write error: %s", strerror((int)-w));
        size_t left = (size_t)w, done = 0;
        for (size_t k = 0; k < npairs; k++) {
            struct pkt *q = pk[map[k]];
            size_t sz = 4u + q->len;
            if (left >= sz) {
                left -= sz;
                done = map[k] + 1;
                count_sent(p, q);
                continue;
            }
            if (left > 0) { /* partially written: finish it before anything else */
                p->cur = pkt_ref(q);
                p->cur_off = left;
                memcpy(p->cur_hdr, hdr[map[k]], 4);
                count_sent(p, q);
                done = map[k] + 1;
            }
            break;
        }
        if (done == map[npairs - 1] + 1)
            done = n;
        hub_sub_advance(&p->sub, done);
        if (left == 0 && done < n && !p->cur)
            return block(p);
        if (gen != p->gen)
            return;
    }
    if (p->write_blocked) {
        p->write_blocked = false;
        if (!p->bev && !p->http && p->ev_write)
            event_del(p->ev_write);
    }
}

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct rtsp_publisher *p = arg;
    if (!p->write_blocked)
        flush(p);
}

static void sub_wake(struct hub_sub *s)
{
    struct rtsp_publisher *p = s->user;
    event_active(p->ev_flush, EV_WRITE, 0);
}

static const struct hub_sub_ops sub_ops = {.wake = sub_wake};

/* ---- requests ---- */

static int build_sdp(struct rtsp_publisher *p, struct buf *sdp)
{
    size_t nt = hub_stream_n_tracks(p->stream);
    struct sdp_out_media media[RTSP_MAX_TRACKS];
    char controls[RTSP_MAX_TRACKS][16];
    for (size_t t = 0; t < nt; t++) {
        const struct hub_track_info *ti = hub_stream_track(p->stream, t);
        /* "streamid=N" like ffmpeg's publisher: receivers built for it
         * match SETUP URLs against it */
        str_fmt(controls[t], sizeof controls[t], "streamid=%zu", t);
        media[t] = (struct sdp_out_media){
            .media = ti->media,
            .pt = ti->pt,
            .rtpmap = ti->rtpmap[0] ? ti->rtpmap : NULL,
            .fmtp = ti->fmtp[0] ? ti->fmtp : NULL,
            .control = controls[t],
            .extra = ti->extra[0] ? ti->extra : NULL,
        };
    }
    struct net_addr local;
    char origin[NET_ADDR_STRLEN] = "0.0.0.0";
    if (p->fd >= 0 && net_local_addr(p->fd, &local) == 0)
        net_addr_ip_str(&local, origin, sizeof origin);
    uint64_t id;
    random_bytes(&id, sizeof id);
    struct sdp_out_session ss = {
        .session_id = id >> 2,
        .origin_addr = origin,
        .name = hub_stream_name(p->stream),
        .tool = CLI_USER_AGENT,
        .range = "npt=now-",
        .control = NULL,
    };
    return sdp_write(sdp, &ss, media, nt);
}

static const char *req_uri(struct rtsp_publisher *p, enum rtsp_method m)
{
    if (m == RTSP_METHOD_SETUP)
        return p->track_url[p->setup_i];
    return p->url.url;
}

static int send_req(struct rtsp_publisher *p, enum rtsp_method m)
{
    const char *uri = req_uri(p, m);
    char transport[96];
    char auth[RTSP_AUTH_MAX_VALUE];
    struct buf sdp;
    buf_init(&sdp, RTSP_MAX_BODY_BYTES);
    struct cli_request r = {
        .method = m,
        .uri = uri,
        .cseq = ++p->cseq,
        .session = p->session[0] ? p->session : NULL,
    };
    int e = 0;
    if (m == RTSP_METHOD_ANNOUNCE) {
        e = build_sdp(p, &sdp);
        r.content_type = "application/sdp";
        r.body = sdp.data;
        r.body_len = sdp.len;
    }
    if (!e && m == RTSP_METHOD_SETUP) {
        e = cli_transport_request(transport, sizeof transport, RTSP_LOWER_TCP,
                                  (uint16_t)(2 * p->setup_i), true);
        r.transport = transport;
    }
    if (!e && p->have_chal) {
        char cnonce_hex[33];
        uint8_t rnd[16];
        random_bytes(rnd, sizeof rnd);
        for (size_t i = 0; i < sizeof rnd; i++)
            str_fmt(cnonce_hex + 2 * i, 3, "%02x", rnd[i]);
        e = rtsp_auth_client_authorization(&p->chal, sv_from_cstr(p->url.user),
                                           sv_from_cstr(p->url.password),
                                           sv_from_cstr(rtsp_method_name(m)), sv_from_cstr(uri),
                                           sv_from_cstr(cnonce_hex), ++p->nc, auth, sizeof auth);
        r.authorization = auth;
    }
    if (!e)
        e = cli_request_write(&p->out, &r);
    buf_free(&sdp);
    if (e)
        return e;
    if (m != RTSP_METHOD_TEARDOWN) {
        p->pending = m;
        p->pending_cseq = r.cseq;
        p->pending_since_us = clock_mono_us();
    }
    log_debug("push %s: > %s %s CSeq %u", p->log_url, rtsp_method_name(m), uri, r.cseq);
    return 0;
}

static void request(struct rtsp_publisher *p, enum rtsp_method m)
{
    int e = send_req(p, m);
    if (e) {
        fail(p, e, "cannot send %s: %s", rtsp_method_name(m), strerror(-e));
        return;
    }
    flush(p);
}

/* ---- responses ---- */

static void fail_status(struct rtsp_publisher *p, enum rtsp_method m, const struct rtsp_msg *r)
{
    fail(p, -EPROTO, "%s answered %d %.*s", rtsp_method_name(m), r->status, (int)r->reason.n,
         r->reason.p);
}

static void on_unauthorized(struct rtsp_publisher *p, enum rtsp_method m, const struct rtsp_msg *r)
{
    struct rtsp_auth_challenge ch;
    if (cli_pick_challenge(r, &ch)) {
        fail(p, -EACCES, "%s answered 401 without a usable challenge", rtsp_method_name(m));
        return;
    }
    if (!p->url.has_credentials) {
        fail(p, -EACCES, "the server wants a user and password (put them in the URL)");
        return;
    }
    if (p->auth_failed_once && !ch.stale) {
        fail(p, -EACCES, "authentication failed (wrong user or password?)");
        return;
    }
    p->auth_failed_once = true;
    p->chal = ch;
    p->have_chal = true;
    p->nc = 0;
    request(p, m);
}

static void setup_next(struct rtsp_publisher *p)
{
    if (p->setup_i >= p->n_tr) {
        p->st = PS_RECORD;
        request(p, RTSP_METHOD_RECORD);
        return;
    }
    p->st = PS_SETUP;
    request(p, RTSP_METHOD_SETUP);
}

static void on_announce(struct rtsp_publisher *p, const struct rtsp_msg *r)
{
    if (r->status != 200)
        return fail_status(p, RTSP_METHOD_ANNOUNCE, r);
    uint32_t to;
    if (cli_session_of(r, p->session, sizeof p->session, &to) == 0)
        p->timeout_s = to;
    else
        p->session[0] = 0;
    p->n_tr = hub_stream_n_tracks(p->stream);
    for (size_t t = 0; t < p->n_tr; t++) {
        int n = snprintf(p->track_url[t], sizeof p->track_url[t], "%s/streamid=%zu", p->url.url, t);
        if (n < 0 || (size_t)n >= sizeof p->track_url[t])
            return fail(p, -EMSGSIZE, "the destination URL is too long");
    }
    p->setup_i = 0;
    setup_next(p);
}

static void on_setup(struct rtsp_publisher *p, const struct rtsp_msg *r)
{
    if (r->status != 200)
        return fail_status(p, RTSP_METHOD_SETUP, r);
    uint32_t to = CLI_DEFAULT_SESSION_TIMEOUT_S;
    char id[CLI_MAX_SESSION_ID + 1];
    int e = cli_session_of(r, id, sizeof id, &to);
    if (e && !p->session[0])
        return fail(p, -EPROTO, "SETUP answered without a usable Session");
    if (!e) {
        memcpy(p->session, id, sizeof id);
        p->timeout_s = to;
    }
    size_t i = p->setup_i;
    struct rtsp_transport tr;
    p->ch[i][0] = (uint8_t)(2 * i);
    p->ch[i][1] = (uint8_t)(2 * i + 1);
    if (cli_transport_of(r, &tr) == 0) {
        if (tr.lower != RTSP_LOWER_TCP)
            return fail(p, -EPROTO, "SETUP answered a transport other than TCP interleaved");
        if (tr.has_interleaved) {
            p->ch[i][0] = tr.interleaved[0];
            p->ch[i][1] = tr.interleaved[1];
        }
    }
    p->setup_i++;
    setup_next(p);
}

static void on_record(struct rtsp_publisher *p, const struct rtsp_msg *r)
{
    if (r->status != 200)
        return fail_status(p, RTSP_METHOD_RECORD, r);
    uint64_t now = clock_mono_us();
    struct cli_keepalive ka;
    cli_keepalive_plan(p->has_get_parameter, p->timeout_s ? p->timeout_s : 60, &ka);
    p->next_keepalive_us = now + (uint64_t)ka.interval_ms * 1000;
    p->next_sr_us = now + 500000; /* the first SR soon: receivers sync with it */
    memset(p->tr_pkts, 0, sizeof p->tr_pkts);
    memset(p->tr_octets, 0, sizeof p->tr_octets);
    p->st = PS_RECORDING;
    p->stats.sessions++;
    p->sent_any = false;
    hub_sub_attach(p->stream, &p->sub, &sub_ops, p, false);
    /* After a reconnect, go on from where the last session stopped rather
     * than send the newest keyframe's packets again (the receiver has them;
     * a stalled source would be replayed on every reconnect); the hub's lag
     * policy still jumps ahead when that point is too old. */
    if (p->have_resume_pos && p->sub.pos < p->resume_pos)
        hub_sub_advance(&p->sub, (size_t)(p->resume_pos - p->sub.pos));
    log_info("push %s: recording %zu track(s) over TCP%s", p->log_url, p->n_tr,
             p->bev    ? " (TLS)"
             : p->http ? " (in an HTTP tunnel)"
                       : "");
    flush(p);
}

static void on_response(struct rtsp_publisher *p, const struct rtsp_msg *r)
{
    uint32_t cseq;
    if (rtsp_msg_cseq(r, &cseq) || p->pending == RTSP_METHOD_UNKNOWN || cseq != p->pending_cseq) {
        log_verbose("push %s: ignoring an unexpected response %d", p->log_url, r->status);
        return;
    }
    enum rtsp_method pm = p->pending;
    p->pending = RTSP_METHOD_UNKNOWN;
    log_debug("push %s: < %d to %s", p->log_url, r->status, rtsp_method_name(pm));
    if (r->status == 401) {
        if (p->st == PS_RECORDING && pm == RTSP_METHOD_OPTIONS && !p->url.has_credentials)
            return;
        on_unauthorized(p, pm, r);
        return;
    }
    if (r->status == 200)
        p->auth_failed_once = false;
    switch (p->st) {
    case PS_OPTIONS:
        p->has_get_parameter = r->status == 200 && cli_public_has(r, RTSP_METHOD_GET_PARAMETER);
        p->st = PS_ANNOUNCE;
        request(p, RTSP_METHOD_ANNOUNCE);
        break;
    case PS_ANNOUNCE:
        on_announce(p, r);
        break;
    case PS_SETUP:
        on_setup(p, r);
        break;
    case PS_RECORD:
        on_record(p, r);
        break;
    case PS_RECORDING:
        if (r->status == 454)
            fail(p, -EPROTO, "the server lost our session (454 to a keepalive)");
        break;
    default:
        break;
    }
}

static void on_server_request(struct rtsp_publisher *p, const struct rtsp_msg *m)
{
    uint32_t cseq = 0;
    bool has = rtsp_msg_cseq(m, &cseq) == 0;
    bool ok = m->method == RTSP_METHOD_OPTIONS || m->method == RTSP_METHOD_GET_PARAMETER ||
              m->method == RTSP_METHOD_SET_PARAMETER;
    char cs[32] = "";
    if (has)
        str_fmt(cs, sizeof cs, "CSeq: %u\r\n", cseq);
    if (buf_printf(&p->out, "RTSP/1.0 %s\r\n%sUser-Agent: %s\r\n\r\n",
                   ok ? "200 OK" : "501 Not Implemented", cs, CLI_USER_AGENT) == 0)
        flush(p);
}

/* ---- input ---- */

static bool tunnel_got_reply(struct rtsp_publisher *p);

static bool ingest(struct rtsp_publisher *p)
{
    unsigned gen = p->gen;
    if (p->st == PS_HTTP_GET && !tunnel_got_reply(p))
        return false;
    if (p->st < PS_OPTIONS)
        return true;
    size_t off = 0;
    while (off < p->in.len) {
        struct rtsp_item item;
        size_t used = 0;
        int r = rtsp_parse(p->in.data + off, p->in.len - off, &used, &item);
        if (r == -EAGAIN)
            break;
        if (r < 0) {
            fail(p, r, "lost the RTSP framing (%s)", r == -EMSGSIZE ? "over a cap" : "bad input");
            return false;
        }
        off += used;
        switch (item.kind) {
        case RTSP_ITEM_JUNK:
            p->junk_run += used;
            if (p->junk_run > RTSP_MAX_RESYNC_BYTES) {
                fail(p, -EPROTO, "more than %d junk bytes between messages", RTSP_MAX_RESYNC_BYTES);
                return false;
            }
            continue;
        case RTSP_ITEM_FRAME: /* RTCP receiver reports: not used */
            p->junk_run = 0;
            break;
        case RTSP_ITEM_MESSAGE:
            p->junk_run = 0;
            if (item.msg.is_response)
                on_response(p, &item.msg);
            else
                on_server_request(p, &item.msg);
            break;
        case RTSP_ITEM_BAD_MESSAGE:
            log_verbose("push %s: malformed message from the server: %s", p->log_url,
                        item.error ? item.error : "?");
            break;
        }
        if (gen != p->gen)
            return false;
    }
    buf_consume(&p->in, off);
    return true;
}

static size_t in_room(struct rtsp_publisher *p)
{
    size_t room = p->in.max - p->in.len;
    if (room == 0) {
        fail(p, -EMSGSIZE, "input over %u bytes without a whole message", PUB_IN_MAX);
        return 0;
    }
    if (room > PUB_READ_CHUNK)
        room = PUB_READ_CHUNK;
    if (buf_reserve(&p->in, room)) {
        fail(p, -ENOMEM, "out of memory");
        return 0;
    }
    return room;
}

static void read_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct rtsp_publisher *p = arg;
    size_t room = in_room(p);
    if (!room)
        return;
    ssize_t n = net_read(fd, p->in.data + p->in.len, room);
    if (n == -EAGAIN)
        return;
    if (n < 0) {
        fail(p, (int)n, "connection error: %s", strerror((int)-n));
        return;
    }
    if (n == 0) {
        fail(p, -ECONNRESET, "the server closed the connection (%s)", state_names[p->st]);
        return;
    }
    p->in.len += (size_t)n;
    ingest(p);
}

static void tls_read_cb(struct bufferevent *bev, void *arg)
{
    struct rtsp_publisher *p = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    while (evbuffer_get_length(in)) {
        size_t room = in_room(p);
        if (!room)
            return;
        int n = evbuffer_remove(in, p->in.data + p->in.len, room);
        if (n <= 0)
            return;
        p->in.len += (size_t)n;
        if (!ingest(p))
            return;
    }
}

static void tls_write_cb(struct bufferevent *bev, void *arg)
{
    (void)bev;
    struct rtsp_publisher *p = arg;
    p->write_blocked = false;
    flush(p);
}

static void tls_event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct rtsp_publisher *p = arg;
    if (what & BEV_EVENT_CONNECTED) {
        log_verbose("push %s: TLS established", p->log_url);
        p->st = PS_OPTIONS;
        request(p, RTSP_METHOD_OPTIONS);
        return;
    }
    if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF)) {
        char why[160];
        net_tls_error(bev, why, sizeof why);
        if (p->st == PS_CONNECTING)
            fail(p, -ECONNREFUSED, "TLS handshake with %s:%u failed: %s", p->url.host, p->url.port,
                 why);
        else if (what & BEV_EVENT_EOF)
            fail(p, -ECONNRESET, "the server closed the connection (%s)", state_names[p->st]);
        else
            fail(p, -EIO, "TLS connection error: %s", why);
    }
}

static void start_tls(struct rtsp_publisher *p)
{
    event_free(p->ev_read);
    event_free(p->ev_write);
    p->ev_read = p->ev_write = NULL;
    p->bev = net_tls_connect(p->base, p->fd, p->tls_ctx, p->url.host);
    if (!p->bev) {
        p->fd = -1;
        fail(p, -ENOMEM, "cannot start TLS");
        return;
    }
    bufferevent_setcb(p->bev, tls_read_cb, tls_write_cb, tls_event_cb, p);
    bufferevent_setwatermark(p->bev, EV_WRITE, PUB_TLS_HIGH / 2, 0);
    bufferevent_enable(p->bev, EV_READ | EV_WRITE);
}

/* ---- HTTP tunnel legs ---- */

/* The GET leg is connected: send its head (a few hundred bytes into an empty
 * socket buffer) and wait for the answer. */
static void tunnel_start(struct rtsp_publisher *p)
{
    char head[1024];
    long n = http_tunnel_get_head(&p->tun, p->url.url, p->url.host, p->url.port, head, sizeof head);
    if (n < 0) {
        fail(p, -EMSGSIZE, "cannot write the HTTP tunnel's GET head");
        return;
    }
    struct iovec iov = {head, (size_t)n};
    ssize_t w = net_writev(p->fd, &iov, 1);
    if (w != n) {
        fail(p, w < 0 ? (int)w : -EIO, "cannot send the HTTP tunnel's GET");
        return;
    }
    p->st = PS_HTTP_GET;
}

static void tunnel_up(void *arg)
{
    struct rtsp_publisher *p = arg;
    log_verbose("push %s: HTTP tunnel up (x-sessioncookie %s)", p->log_url, p->tun.cookie);
    p->st = PS_OPTIONS;
    request(p, RTSP_METHOD_OPTIONS);
}

static void tunnel_writable(void *arg)
{
    struct rtsp_publisher *p = arg;
    if (http_tunnel_queued(&p->tun) < PUB_POST_HIGH && p->st > PS_HTTP_POST) {
        p->write_blocked = false;
        flush(p);
    }
}

static void tunnel_fail(void *arg, int err, const char *msg)
{
    struct rtsp_publisher *p = arg;
    fail(p, err, "%s (%s)", msg, state_names[p->st]);
}

static const struct http_tunnel_cb tunnel_cb = {
    .on_up = tunnel_up, .on_writable = tunnel_writable, .on_fail = tunnel_fail};

/* The GET leg's answer head: on 200, connect the POST leg. False after failing. */
static bool tunnel_got_reply(struct rtsp_publisher *p)
{
    size_t used = 0;
    char why[256];
    int r = http_tunnel_on_reply(&p->tun, p->in.data, p->in.len, &used, &p->peer, why, sizeof why);
    if (r == -EAGAIN)
        return true;
    if (r) {
        fail(p, r, "no HTTP tunnel at %s:%u: %s", p->url.host, p->url.port, why);
        return false;
    }
    buf_consume(&p->in, used);
    p->st = PS_HTTP_POST;
    return true;
}

static void write_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct rtsp_publisher *p = arg;
    if (p->st == PS_CONNECTING) {
        int e = net_tcp_connect_result(fd);
        if (e) {
            fail(p, e, "cannot connect to %s:%u: %s", p->url.host, p->url.port, strerror(-e));
            return;
        }
        net_tcp_tune(fd, PUB_SNDBUF, 0);
        net_tcp_user_timeout(fd, (unsigned)(ms_us(p->o.stall_timeout_ms, 10000) / 1000));
        if (p->url.tls) {
            start_tls(p);
            return;
        }
        event_del(p->ev_write);
        event_add(p->ev_read, NULL);
        if (p->http) {
            tunnel_start(p);
            return;
        }
        p->st = PS_OPTIONS;
        request(p, RTSP_METHOD_OPTIONS);
        return;
    }
    p->write_blocked = false;
    flush(p);
}

static void dns_cb(void *ctx, int err, const struct net_addr *addr)
{
    struct rtsp_publisher *p = ctx;
    if (p->st != PS_RESOLVING)
        return;
    if (err) {
        fail(p, err, "cannot resolve %s", p->url.host);
        return;
    }
    p->peer = *addr;
    int fd = net_tcp_connect(&p->peer);
    if (fd < 0) {
        fail(p, fd, "cannot connect to %s:%u: %s", p->url.host, p->url.port, strerror(-fd));
        return;
    }
    p->fd = fd;
    p->ev_read = event_new(p->base, fd, EV_READ | EV_PERSIST, read_cb, p);
    p->ev_write = event_new(p->base, fd, EV_WRITE | EV_PERSIST, write_cb, p);
    if (!p->ev_read || !p->ev_write) {
        fail(p, -ENOMEM, "out of memory");
        return;
    }
    p->st = PS_CONNECTING;
    event_add(p->ev_write, NULL);
}

static void begin_connect(struct rtsp_publisher *p)
{
    p->st = PS_RESOLVING;
    p->deadline_us = clock_mono_us() + ms_us(p->o.connect_timeout_ms, 5000);
    int e = net_dns_resolve(p->dns, p->url.host, p->url.port, dns_cb, p);
    if (e)
        fail(p, e, "cannot resolve %s: %s", p->url.host, strerror(-e));
}

/* ---- timers ---- */

static void send_srs(struct rtsp_publisher *p, uint64_t now)
{
    uint64_t ntp = clock_ntp_now();
    for (size_t t = 0; t < p->n_tr; t++) {
        if (!hub_stream_track_live(p->stream, t))
            continue;
        uint8_t sr[128];
        size_t n = rtcp_build_sr(sr + 4, sizeof sr - 4, hub_stream_ssrc(p->stream, t), ntp,
                                 hub_stream_rtp_now(p->stream, t, now), p->tr_pkts[t],
                                 p->tr_octets[t], "rtspgate");
        if (!n || p->out.len + n + 4 > PUB_OUT_MAX / 2)
            continue;
        rtsp_frame_header(sr, p->ch[t][1], (uint16_t)n);
        if (buf_append(&p->out, sr, n + 4) == 0)
            p->stats.sender_reports++;
    }
    flush(p);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct rtsp_publisher *p = arg;
    uint64_t now = clock_mono_us();
    switch (p->st) {
    case PS_BACKOFF:
        if (now < p->retry_at_us)
            return;
        p->st = PS_WAIT;
        /* fall through */
    case PS_WAIT:
        if (!hub_stream_ready(p->stream)) {
            if (!p->said_waiting)
                log_info("push %s: waiting for the source", p->log_url);
            p->said_waiting = true;
            return;
        }
        p->said_waiting = false;
        begin_connect(p);
        return;
    case PS_RESOLVING:
    case PS_CONNECTING:
    case PS_HTTP_GET:
    case PS_HTTP_POST:
        if (now > p->deadline_us) {
            if (p->st >= PS_HTTP_GET)
                fail(p, -ETIMEDOUT, "HTTP tunnel to %s:%u: no answer to the %s in time",
                     p->url.host, p->url.port, p->st == PS_HTTP_GET ? "GET" : "POST connect");
            else if (p->bev)
                fail(p, -ETIMEDOUT, "TLS handshake with %s:%u timed out (is it an RTSPS port?)",
                     p->url.host, p->url.port);
            else
                fail(p, -ETIMEDOUT, "cannot connect to %s:%u: timed out", p->url.host, p->url.port);
        }
        return;
    default:
        break;
    }
    if (p->pending != RTSP_METHOD_UNKNOWN &&
        now - p->pending_since_us > ms_us(p->o.response_timeout_ms, 10000)) {
        fail(p, -ETIMEDOUT, "no answer to %s within %.0f s", rtsp_method_name(p->pending),
             (double)ms_us(p->o.response_timeout_ms, 10000) / 1e6);
        return;
    }
    uint64_t stall = ms_us(p->o.stall_timeout_ms, 10000);
    bool blocked =
        p->write_blocked ||
        (p->bev && evbuffer_get_length(bufferevent_get_output(p->bev)) >= PUB_TLS_HIGH) ||
        (p->http && http_tunnel_queued(&p->tun) >= PUB_POST_HIGH);
    if (!blocked)
        p->blocked_since_us = now;
    else if (now - p->blocked_since_us > stall) {
        fail(p, -ETIMEDOUT, "the connection took no data for %.0f s", (double)stall / 1e6);
        return;
    }
    if (p->st != PS_RECORDING)
        return;
    if (now >= p->next_keepalive_us && p->pending == RTSP_METHOD_UNKNOWN) {
        struct cli_keepalive ka;
        cli_keepalive_plan(p->has_get_parameter, p->timeout_s ? p->timeout_s : 60, &ka);
        p->next_keepalive_us = now + (uint64_t)ka.interval_ms * 1000;
        p->stats.keepalives++;
        request(p, ka.method);
        if (p->st != PS_RECORDING)
            return;
    }
    if (now >= p->next_sr_us) {
        p->next_sr_us = now + PUB_SR_INTERVAL;
        send_srs(p, now);
    }
}

/* ---- public ---- */

int rtsp_publisher_check_url(const char *url, char *err, size_t errlen)
{
    struct cli_url u;
    int e = cli_url_parse(url, &u);
    if (e == -EPROTONOSUPPORT) {
        str_fmt(err, errlen, "'%s': the destination must be rtsp://, rtsps:// or rtsph://", url);
        return -EINVAL;
    }
    if (e) {
        char red[RTSP_MAX_URL_BYTES + 1];
        cli_url_redact(url, red, sizeof red);
        str_fmt(err, errlen, "'%s': not a usable RTSP URL", red);
        return -EINVAL;
    }
    return 0;
}

struct rtsp_publisher *rtsp_publisher_new(struct event_base *base, struct hub_stream *stream,
                                          const char *url, const struct rtsp_publisher_opts *opts,
                                          char *err, size_t errlen)
{
    if (rtsp_publisher_check_url(url, err, errlen))
        return NULL;
    struct rtsp_publisher *p = calloc(1, sizeof *p);
    if (!p) {
        str_fmt(err, errlen, "out of memory");
        return NULL;
    }
    p->base = base;
    p->stream = stream;
    if (opts)
        p->o = *opts;
    p->fd = -1;
    http_tunnel_init(&p->tun, base, PUB_POST_MAX, &tunnel_cb, p, PUB_SNDBUF,
                     (unsigned)(ms_us(p->o.stall_timeout_ms, 10000) / 1000));
    cli_url_parse(url, &p->url);
    /* rtsph:// or opts->http: RTSP over an HTTP tunnel (not inside TLS) */
    p->http = !p->url.tls && (p->url.http || p->o.http);
    cli_url_redact(p->url.url, p->log_url, sizeof p->log_url);
    p->backoff_ms = p->o.backoff_min_ms ? p->o.backoff_min_ms : 1000;
    buf_init(&p->in, PUB_IN_MAX);
    buf_init(&p->out, PUB_OUT_MAX);
    p->dns = net_dns_new(base);
    p->ev_tick = event_new(base, -1, EV_PERSIST, tick_cb, p);
    p->ev_flush = event_new(base, -1, 0, flush_cb, p);
    struct timeval tv = {0, PUB_TICK_MS * 1000};
    if (p->url.tls) {
        char terr[160];
        p->tls_ctx = net_tls_client_ctx(false, terr, sizeof terr);
        if (!p->tls_ctx) {
            str_fmt(err, errlen, "%s", terr);
            rtsp_publisher_free(p);
            return NULL;
        }
    }
    if (!p->dns || !p->ev_tick || !p->ev_flush || event_add(p->ev_tick, &tv)) {
        str_fmt(err, errlen, "out of memory");
        rtsp_publisher_free(p);
        return NULL;
    }
    p->st = PS_WAIT;
    return p;
}

void rtsp_publisher_free(struct rtsp_publisher *p)
{
    if (!p)
        return;
    conn_close(p, true);
    buf_free(&p->in);
    buf_free(&p->out);
    http_tunnel_free(&p->tun);
    if (p->ev_tick)
        event_free(p->ev_tick);
    if (p->ev_flush)
        event_free(p->ev_flush);
    net_dns_free(p->dns);
    if (p->tls_ctx)
        net_tls_ctx_free(p->tls_ctx);
    free(p);
}

bool rtsp_publisher_is_recording(const struct rtsp_publisher *p)
{
    return p->st == PS_RECORDING;
}

void rtsp_publisher_stats(const struct rtsp_publisher *p, struct rtsp_publisher_stats *st)
{
    *st = p->stats;
}
