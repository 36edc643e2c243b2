/* RTSP server role: wiring of the protocol layer, the hub and the net layer.
 *
 * Objects and ownership:
 *   server ─┬─ path[]     (hub stream + source + per-track UDP port pair)
 *           ├─ conn list  (one RTSP TCP connection each)
 *           └─ session list (a session belongs to one path; a TCP-interleaved
 *                            session is carried by one conn, a UDP session
 *                            outlives its control connection until timeout)
 * Connections and sessions are never freed inside their own event callbacks:
 * closing moves a conn to the graveyard, which a separate event empties. */
#include "server/server.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/sv.h"
#include "hub/stream.h"
#include "net/net.h"
#include "net/tls.h"
#include "rtp/rtcp.h"
#include "rtp/rtp.h"
#include "rtsp/msg.h"
#include "rtsp/transport.h"
#include "sdp/sdp.h"
#include "session/srv_proto.h"
#include "source/source.h"

#include "server/internal.h"

const char *const tkind_name[] = {"none", "TCP", "UDP", "MULTICAST"};

/* ------------------------------------------------------------------ paths */

struct path *path_find(struct server *srv, const char *name)
{
    for (size_t i = 0; i < srv->n_paths; i++)
        if (strcmp(srv->paths[i].conf.name, name) == 0)
            return &srv->paths[i];
    return NULL;
}

static void udp_flush_cb(evutil_socket_t fd, short ev, void *arg);
static void udp_rtcp_cb(evutil_socket_t fd, short ev, void *arg);

int path_udp_open(struct path *p, size_t t, const struct net_addr *local)
{
    if (p->udp_open[t])
        return 0;
    struct udp_track *u = &p->udp[t];
    struct net_addr ip = p->srv->plain.addr;
    if (net_addr_is_any(&ip) && local)
        ip = *local; /* bind where the viewer reached us */
    int r = net_udp_pair_open(&ip, 4 << 20, &u->rtp_fd, &u->rtcp_fd, &u->port);
    if (r)
        return r;
    u->batch = calloc(1, sizeof(*u->batch));
    net_udp_enable_errors(u->rtp_fd);
    u->ev_rtp = event_new(p->srv->base, u->rtp_fd, EV_READ | EV_PERSIST, udp_rtcp_cb, p);
    u->ev_rtcp = event_new(p->srv->base, u->rtcp_fd, EV_READ | EV_PERSIST, udp_rtcp_cb, p);
    if (!u->batch || !u->ev_rtp || !u->ev_rtcp) {
        free(u->batch);
        event_free(u->ev_rtp);
        event_free(u->ev_rtcp);
        close(u->rtp_fd);
        close(u->rtcp_fd);
        return -ENOMEM;
    }
    event_add(u->ev_rtp, NULL);
    event_add(u->ev_rtcp, NULL);
    p->udp_open[t] = true;
    return 0;
}

static void path_close(struct path *p)
{
    session_stop_playing(&p->mcast);
    for (size_t t = 0; t < RTSP_MAX_TRACKS; t++) {
        if (!p->udp_open[t])
            continue;
        struct udp_track *u = &p->udp[t];
        event_free(u->ev_rtp);
        event_free(u->ev_rtcp);
        close(u->rtp_fd);
        close(u->rtcp_fd);
        free(u->batch);
        p->udp_open[t] = false;
    }
    if (p->ev_udp_flush)
        event_free(p->ev_udp_flush);
    source_free(p->source);
    hub_stream_free(p->stream);
}

/* ------------------------------------------------------------- sessions */

struct session *session_find(struct server *srv, struct sv id)
{
    for (struct session *s = srv->sessions; s; s = s->next)
        if (sv_eq_cstr(id, s->id))
            return s;
    return NULL;
}

static void sub_wake_tcp(struct hub_sub *sub)
{
    struct session *s = sub->user;
    if (s->conn && !s->conn->write_blocked)
        event_active(s->conn->ev_flush, EV_WRITE, 0);
}

static void sub_wake_udp(struct hub_sub *sub)
{
    struct session *s = sub->user;
    event_active(s->path->ev_udp_flush, EV_WRITE, 0);
}

const struct hub_sub_ops tcp_sub_ops = {.wake = sub_wake_tcp};
const struct hub_sub_ops udp_sub_ops = {.wake = sub_wake_udp};

struct session *session_new(struct conn *c, struct path *p)
{
    struct server *srv = c->srv;
    struct session *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    uint8_t rnd[8];
    if (RAND_bytes(rnd, sizeof rnd) != 1) {
        free(s);
        return NULL;
    }
    for (size_t i = 0; i < 8; i++)
        str_fmt(s->id + 2 * i, 3, "%02X", rnd[i]);
    s->srv = srv;
    s->path = p;
    s->conn = c;
    s->peer_addr = c->peer;
    str_copy(s->peer, sizeof s->peer, c->peer_str);
    s->opened_us = s->last_seen_us = clock_mono_us();
    s->next = srv->sessions;
    if (srv->sessions)
        srv->sessions->pprev = &s->next;
    s->pprev = &srv->sessions;
    srv->sessions = s;
    srv->n_sessions++;
    c->n_sessions++;
    return s;
}

void session_stop_playing(struct session *s)
{
    if (!s->playing)
        return;
    if (s->kind == T_MCAST) { /* the path's sender stops with the last viewer */
        struct path *p = s->path;
        s->playing = false;
        if (p->mcast_viewers && --p->mcast_viewers == 0) {
            log_info("path %s: multicast stopped (no multicast viewer left) sent_packets=%llu "
                     "sent_bytes=%llu",
                     p->conf.name, (unsigned long long)p->mcast.packets,
                     (unsigned long long)p->mcast.bytes);
            session_stop_playing(&p->mcast);
        }
        return;
    }
    hub_sub_detach(&s->sub);
    if (s->kind == T_UDP && s->udp_pprev) {
        *s->udp_pprev = s->udp_next;
        if (s->udp_next)
            s->udp_next->udp_pprev = s->udp_pprev;
        s->udp_next = NULL;
        s->udp_pprev = NULL;
    }
    s->playing = false;
}

void session_close(struct session *s, const char *reason)
{
    struct server *srv = s->srv;
    if (s->kind != T_NONE) {
        double dur = (double)(clock_mono_us() - s->opened_us) / 1e6;
        log_info("session %s closed: peer=%s path=%s transport=%s reason=%s sent_bytes=%llu "
                 "sent_packets=%llu duration=%.1f skips=%llu",
                 s->id, s->peer, s->path->conf.name, tkind_name[s->kind], reason,
                 (unsigned long long)s->bytes, (unsigned long long)s->packets, dur,
                 (unsigned long long)s->sub.skips);
    }
    if (s->record)
        publish_session_gone(s);
    else
        session_stop_playing(s);
    if (s->conn) {
        if (s->conn->tcp_sess == s)
            s->conn->tcp_sess = NULL;
        s->conn->n_sessions--;
    }
    *s->pprev = s->next;
    if (s->next)
        s->next->pprev = s->pprev;
    srv->n_sessions--;
    free(s);
}

/* Send one RTCP sender report per set-up track. */
static void session_send_sr(struct session *s, uint64_t now_us)
{
    struct hub_stream *st = s->path->stream;
    uint64_t ntp = clock_ntp_now();
    for (size_t t = 0; t < hub_stream_n_tracks(st); t++) {
        struct sess_track *tr = &s->tr[t];
        if (!tr->setup || !hub_stream_track_live(st, t))
            continue; /* no RTP clock yet: an SR would mislead lip sync */
        uint8_t sr[128];
        size_t n =
            rtcp_build_sr(sr + 4, sizeof sr - 4, hub_stream_ssrc(st, t), ntp,
                          hub_stream_rtp_now(st, t, now_us), tr->pkts, tr->octets, "rtspgate");
        if (!n)
            continue;
        if (s->kind == T_UDP && s->path->udp_open[t]) {
            net_udp_send(s->path->udp[t].rtcp_fd, sr + 4, n, &tr->rtcp_to);
        } else if (s->kind == T_TCP && s->conn) {
            rtsp_frame_header(sr, tr->ch[1], (uint16_t)n);
            if (buf_append(&s->conn->out, sr, n + 4) == 0)
                event_active(s->conn->ev_flush, EV_WRITE, 0);
        }
    }
}

/* ---------------------------------------------------------- UDP fan-out */

static void udp_send_batch(struct path *p, size_t t)
{
    struct udp_track *u = &p->udp[t];
    if (!u->batch->n)
        return;
    bool gso = net_udp_gso_enabled();
    int r = net_udp_batch_send(u->rtp_fd, u->batch);
    if (gso && !net_udp_gso_enabled())
        log_info("UDP GSO refused (kernel or route without checksum offload): sending RTP "
                 "datagrams one by one from now on");
    unsigned sent = r > 0 ? (unsigned)r : 0;
    if (sent < u->batch->niov) {
        u->dropped += u->batch->niov - sent;
        log_debug("path %s: %u UDP datagrams dropped (socket buffer full)", p->conf.name,
                  u->batch->niov - sent);
    }
    net_udp_batch_reset(u->batch);
}

static void udp_flush_cb(evutil_socket_t fd, short ev, void *arg)
{
    struct path *p = arg;
    size_t nt = hub_stream_n_tracks(p->stream);
    for (struct session *s = p->udp_play; s; s = s->udp_next) {
        struct pkt *pk[WRITE_BATCH];
        size_t n;
        do {
            n = hub_sub_peek_many(&s->sub, pk, WRITE_BATCH);
            for (size_t i = 0; i < n; i++) {
                size_t t = pk[i]->track;
                if (t >= nt || !s->tr[t].setup || !p->udp_open[t])
                    continue;
                struct udp_track *u = &p->udp[t];
                if (net_udp_batch_full(u->batch))
                    udp_send_batch(p, t);
                net_udp_batch_add(u->batch, &s->tr[t].rtp_to, pk[i]->data, pk[i]->len);
                s->tr[t].pkts++;
                s->tr[t].octets += pk[i]->len - RTP_HEADER_LEN;
                s->bytes += pk[i]->len;
                s->packets++;
            }
            hub_sub_advance(&s->sub, n);
        } while (n == WRITE_BATCH || !hub_sub_wait(&s->sub));
    }
    for (size_t t = 0; t < nt; t++)
        if (p->udp_open[t])
            udp_send_batch(p, t);
}

/* A UDP viewer whose RTP port answers with ICMP port unreachable, over at
 * least UNREACH_SPAN with no RTCP or request from it since the first error,
 * is gone (killed without TEARDOWN): close it now rather than at the session
 * timeout, before anyone else gets its packets on a reused port. A single
 * error (a NAT mapping a moment late) is not enough. */
#define UNREACH_MIN  3
#define UNREACH_SPAN (1500 * 1000ull)

static void udp_errors(struct path *p, int fd)
{
    struct net_addr dest;
    int err;
    for (int i = 0; i < 64 && net_udp_recv_error(fd, &dest, &err) == 0; i++) {
        if (err != ECONNREFUSED)
            continue;
        uint64_t now = clock_mono_us();
        for (struct session *s = p->udp_play; s; s = s->udp_next) {
            bool match = false;
            for (size_t t = 0; t < RTSP_MAX_TRACKS && !match; t++)
                match = s->tr[t].setup && net_addr_equal(&s->tr[t].rtp_to, &dest);
            if (!match)
                continue;
            if (!s->unreach || s->last_seen_us > s->unreach_first_us) {
                s->unreach = 0; /* alive since the last error: start over */
                s->unreach_first_us = now;
            }
            s->unreach++;
            if (s->unreach >= UNREACH_MIN && now - s->unreach_first_us >= UNREACH_SPAN) {
                log_verbose("session %s: %s answers RTP with ICMP port unreachable", s->id,
                            s->peer);
                session_close(s, "unreachable");
            }
            break;
        }
    }
}

/* RTCP (and NAT punch packets on the RTP port) from UDP viewers; ICMP
 * errors queued on the RTP sockets. */
static void udp_rtcp_cb(evutil_socket_t fd, short ev, void *arg)
{
    struct path *p = arg;
    for (size_t t = 0; t < RTSP_MAX_TRACKS; t++)
        if (p->udp_open[t] && fd == p->udp[t].rtp_fd)
            udp_errors(p, fd);
    uint8_t buf[65536];
    for (int i = 0; i < 64; i++) {
        struct net_addr from;
        ssize_t n = net_udp_recv(fd, buf, sizeof buf, &from);
        if (n < 0)
            return;
        struct rtcp_info info;
        uint64_t now = clock_mono_us();
        struct session *pub = p->publisher;
        if (pub && pub->kind == T_UDP) {
            /* the publisher's media comes from the ports it declared in
             * client_port: anything else on these sockets (a viewer's NAT
             * punch or RTCP from the same host) is never published */
            bool from_pub = false;
            for (size_t t = 0; t < p->n_pub; t++) {
                if (!pub->tr[t].setup)
                    continue;
                if (fd == p->udp[t].rtp_fd && net_addr_equal(&pub->tr[t].rtp_to, &from)) {
                    publish_packet(p, t, buf, (size_t)n, now);
                    from_pub = true;
                } else if (fd == p->udp[t].rtcp_fd && net_addr_equal(&pub->tr[t].rtcp_to, &from)) {
                    from_pub = true;
                }
            }
            if (from_pub) {
                pub->last_seen_us = now;
                continue;
            }
        }
        bool is_rtcp = rtcp_parse(buf, (size_t)n, &info) == 0;
        for (struct session *s = p->srv->sessions; s; s = s->next) {
            if (s->path != p || s->kind != T_UDP)
                continue;
            for (size_t t = 0; t < RTSP_MAX_TRACKS; t++) {
                if (s->tr[t].setup && (net_addr_equal(&s->tr[t].rtcp_to, &from) ||
                                       net_addr_equal(&s->tr[t].rtp_to, &from))) {
                    s->last_seen_us = now;
                    if (is_rtcp)
                        s->rtcp_in++;
                    if (is_rtcp && info.has_bye)
                        log_verbose("session %s: RTCP BYE from %s", s->id, s->peer);
                    goto next;
                }
            }
        }
    next:;
    }
}

/* ------------------------------------------------------ TCP connections */

static void conn_schedule_close(struct conn *c)
{
    if (c->dead)
        return;
    c->dead = true;
    if (c->bev)
        bufferevent_disable(c->bev, EV_READ | EV_WRITE);
    else {
        event_del(c->ev_read);
        event_del(c->ev_write);
    }
    *c->pprev = c->next;
    if (c->next)
        c->next->pprev = c->pprev;
    c->next = c->srv->graveyard;
    if (c->next)
        c->next->pprev = &c->next;
    c->pprev = &c->srv->graveyard;
    c->srv->graveyard = c;
    event_active(c->srv->ev_reap, EV_READ, 0);
}

void conn_close(struct conn *c, const char *reason)
{
    if (c->dead)
        return;
    log_verbose("connection %s closed: %s", c->peer_str, reason);
    if (c->tun) {
        /* The GET leg carries the RTSP connection: its POST leg goes with it.
         * A POST leg may close (clients may open a new one with the same
         * cookie); the GET leg and its session stay. */
        struct conn *o = c->tun;
        c->tun = NULL;
        o->tun = NULL;
        if (c->mode == CM_TUN_GET)
            conn_close(o, "its tunnel GET connection closed");
    }
    /* The interleaved session dies with its connection; UDP sessions live on
     * until TEARDOWN or timeout. */
    struct server *srv = c->srv;
    for (struct session *s = srv->sessions, *n; s; s = n) {
        n = s->next;
        if (s->conn != c)
            continue;
        if (s->kind == T_TCP || s->kind == T_NONE) {
            session_close(s, reason);
        } else {
            s->conn = NULL;
            c->n_sessions--;
        }
    }
    conn_schedule_close(c);
}

static void conn_free(struct conn *c)
{
    if (c->bev) {
        bufferevent_free(c->bev); /* closes the socket */
    } else {
        event_free(c->ev_read);
        event_free(c->ev_write);
        close(c->fd);
    }
    event_free(c->ev_flush);
    buf_free(&c->in);
    buf_free(&c->out);
    pkt_unref(c->cur);
    c->srv->n_conns--;
    free(c);
}

static void reap_cb(evutil_socket_t fd, short ev, void *arg)
{
    struct server *srv = arg;
    while (srv->graveyard) {
        struct conn *c = srv->graveyard;
        srv->graveyard = c->next;
        conn_free(c);
    }
}

static void conn_block(struct conn *c)
{
    if (c->write_blocked)
        return;
    c->write_blocked = true;
    if (c->bev)
        return; /* the bufferevent's write callback fires below the low watermark */
    struct timeval tv = {(time_t)c->srv->conf.stall_timeout_s, 0};
    event_add(c->ev_write, &tv);
}

/* writev, or for TLS a copy into the bufferevent while it holds less than
 * TLS_OUT_HIGH (the only per-viewer copy, forced by the encryption). */
static ssize_t conn_writev(struct conn *c, const struct iovec *iov, int n)
{
    return net_writev_or_tls(c->fd, c->bev, iov, n, TLS_OUT_HIGH);
}

/* Write as much as the socket takes: the packet in progress, then queued
 * control bytes (responses, RTCP), then packets from the hub, each with its
 * own 4-byte "$" header and the shared payload, many per writev. */
void conn_flush(struct conn *c)
{
    if (c->dead)
        return;
    for (;;) {
        if (c->cur) {
            struct iovec iov[2];
            int n = 0;
            size_t off = c->cur_off;
            if (off < 4)
                iov[n++] = (struct iovec){c->cur_hdr + off, 4 - off};
            size_t doff = off < 4 ? 0 : off - 4;
            iov[n++] = (struct iovec){c->cur->data + doff, c->cur->len - doff};
            ssize_t w = conn_writev(c, iov, n);
            if (w == -EAGAIN)
                return conn_block(c);
            if (w < 0)
                return conn_close(c, "disconnect");
            c->cur_off += (size_t)w;
            if (c->cur_off < 4u + c->cur->len)
                return conn_block(c);
            pkt_unref(c->cur);
            c->cur = NULL;
            continue;
        }
        if (c->out.len) {
            struct iovec iov = {c->out.data, c->out.len};
            ssize_t w = conn_writev(c, &iov, 1);
            if (w == -EAGAIN)
                return conn_block(c);
            if (w < 0)
                return conn_close(c, "disconnect");
            buf_consume(&c->out, (size_t)w);
            if (c->out.len)
                return conn_block(c);
            buf_release_if_empty(&c->out, 1024);
            continue;
        }
        struct session *s = c->tcp_sess;
        if (!s || !s->playing || s->record)
            break;
        struct pkt *pk[WRITE_BATCH];
        uint8_t hdr[WRITE_BATCH][4];
        struct iovec iov[2 * WRITE_BATCH];
        size_t n = hub_sub_peek_many(&s->sub, pk, WRITE_BATCH);
        if (!n) {
            if (hub_sub_wait(&s->sub))
                break;
            continue;
        }
        int niov = 0;
        size_t map[WRITE_BATCH]; /* iov pair -> packet index */
        size_t npairs = 0;
        for (size_t i = 0; i < n; i++) {
            size_t t = pk[i]->track;
            if (t >= RTSP_MAX_TRACKS || !s->tr[t].setup)
                continue;
            rtsp_frame_header(hdr[i], s->tr[t].ch[0], pk[i]->len);
            iov[niov++] = (struct iovec){hdr[i], 4};
            iov[niov++] = (struct iovec){pk[i]->data, pk[i]->len};
            map[npairs++] = i;
        }
        if (!npairs) {
            hub_sub_advance(&s->sub, n);
            continue;
        }
        ssize_t w = conn_writev(c, iov, niov);
        if (w == -EAGAIN)
            return conn_block(c);
        if (w < 0)
            return conn_close(c, "disconnect");
        size_t left = (size_t)w, done = 0;
        for (size_t k = 0; k < npairs; k++) {
            struct pkt *p = pk[map[k]];
            size_t sz = 4u + p->len;
            if (left >= sz) {
                left -= sz;
                done = map[k] + 1;
                s->tr[p->track].pkts++;
                s->tr[p->track].octets += p->len - RTP_HEADER_LEN;
                s->bytes += sz;
                s->packets++;
                continue;
            }
            if (left > 0) { /* partially written: finish it before anything else */
                c->cur = pkt_ref(p);
                c->cur_off = left;
                memcpy(c->cur_hdr, hdr[map[k]], 4);
                s->tr[p->track].pkts++;
                s->tr[p->track].octets += p->len - RTP_HEADER_LEN;
                s->bytes += sz;
                s->packets++;
                done = map[k] + 1;
            }
            break;
        }
        if (done == map[npairs - 1] + 1)
            done = n; /* skipped tail packets of tracks not set up */
        hub_sub_advance(&s->sub, done);
        if (left == 0 && done < n && !c->cur)
            return conn_block(c);
    }
    if (c->write_blocked) {
        c->write_blocked = false;
        if (!c->bev)
            event_del(c->ev_write);
    }
}

static void conn_write_cb(evutil_socket_t fd, short ev, void *arg)
{
    struct conn *c = arg;
    if (ev & EV_TIMEOUT) {
        log_warn("connection %s: not writable for %u s, closing", c->peer_str,
                 c->srv->conf.stall_timeout_s);
        return conn_close(c, "stalled");
    }
    c->write_blocked = false;
    conn_flush(c);
}

static void conn_flush_cb(evutil_socket_t fd, short ev, void *arg)
{
    struct conn *c = arg;
    if (!c->write_blocked)
        conn_flush(c);
}

/* -------------------------------------------------------- request logic */

void send_and_close(struct conn *c, int status, const char *why)
{
    char date[64];
    clock_http_date(date, sizeof date);
    struct buf b;
    buf_init(&b, 512);
    if (srv_error_response(&b, status, false, 0, date, SV_NULL) == 0) {
        struct iovec iov = {b.data, b.len};
        (void)conn_writev(c, &iov, 1); /* best effort */
    }
    buf_free(&b);
    log_warn("connection %s: %s, closing", c->peer_str, why);
    conn_close(c, "error");
}

/* Parse and handle everything complete in c->in. Returns -1 when the
 * connection was closed. */
static int conn_ingest(struct conn *c)
{
    if (c->tcp_sess)
        c->tcp_sess->last_seen_us = clock_mono_us();
    if (c->wait_path)
        return 0; /* a request waits for an on-demand source: parse nothing yet */
    size_t off = 0;
    while (!c->dead && off < c->in.len) {
        struct rtsp_item it;
        size_t used = 0;
        int r = rtsp_parse_lim(c->in.data + off, c->in.len - off, &c->srv->conf.limits, &used, &it);
        if (r == -EAGAIN)
            break;
        if (r == -EMSGSIZE) {
            send_and_close(c, 413, "request over the size limits");
            return -1;
        }
        if (r < 0) {
            send_and_close(c, 400, "request framing lost");
            return -1;
        }
        off += used;
        switch (it.kind) {
        case RTSP_ITEM_MESSAGE:
            c->junk_run = 0;
            if (it.msg.is_response)
                break; /* a response to nothing we sent: ignore */
            if (handle_request(c, &it.msg) == 1) {
                off -= used; /* parsed again when the source is up */
                goto wait;
            }
            break;
        case RTSP_ITEM_BAD_MESSAGE: {
            c->junk_run = 0;
            struct req rq = {.c = c, .m = &it.msg, .out = &c->out};
            clock_http_date(rq.date, sizeof rq.date);
            rq.has_cseq = rtsp_msg_cseq(&it.msg, &rq.cseq) == 0;
            log_verbose("%s: bad request (%s) -> 400", c->peer_str,
                        it.error ? it.error : "malformed");
            c->requests++;
            reply_error(&rq, 400);
            break;
        }
        case RTSP_ITEM_FRAME:
            c->junk_run = 0;
            handle_frame(c, &it.frame);
            break;
        case RTSP_ITEM_JUNK:
            c->junk_run += used;
            c->junk_total += used;
            if (c->junk_run > RTSP_MAX_RESYNC_BYTES) {
                send_and_close(c, 400, "no RTSP in the input");
                return -1;
            }
            break;
        }
    }
wait:
    if (c->dead)
        return -1;
    buf_consume(&c->in, off);
    /* a viewer sends a few bytes every few seconds: no 16 KiB per viewer */
    buf_release_if_empty(&c->in, 0);
    return 0;
}

/* ------------------------------------------------ RTSP over HTTP tunnel */

static void http_fail(struct conn *c, int status, const char *why)
{
    char b[256];
    long n = tunnel_error_reply(status, b, sizeof b);
    if (n > 0) {
        struct iovec iov = {b, (size_t)n};
        (void)conn_writev(c, &iov, 1); /* best effort */
    }
    log_warn("connection %s: HTTP tunnel: %s, closing", c->peer_str, why);
    conn_close(c, "tunnel error");
}

/* POST body: decode into the GET leg's input and run it as RTSP there. */
static int tunnel_post_input(struct conn *c)
{
    struct conn *g = c->tun;
    if (!g) {
        conn_close(c, "tunnel POST without its GET connection");
        return -1;
    }
    size_t need = b64_dec_max_out(c->in.len);
    if (buf_reserve(&g->in, need)) {
        log_warn("connection %s: tunnelled requests over the input limit, closing", c->peer_str);
        conn_close(g, "input buffer full");
        return -1;
    }
    long n = b64_dec_feed(&c->b64, (const char *)c->in.data, c->in.len, g->in.data + g->in.len,
                          g->in.cap - g->in.len);
    buf_reset(&c->in);
    if (n < 0) {
        log_warn("connection %s: HTTP tunnel: bad base64 in the POST body, closing both legs",
                 c->peer_str);
        conn_close(g, "bad tunnel input");
        return -1;
    }
    c->last_req_us = clock_mono_us();
    if (!n)
        return 0;
    g->in.len += (size_t)n;
    if (conn_ingest(g))
        return c->dead ? -1 : 0;
    conn_flush(g);
    return 0;
}

static struct conn *tunnel_get_for(struct server *srv, const struct conn *post)
{
    for (struct conn *o = srv->conns; o; o = o->next)
        if (o->mode == CM_TUN_GET && !o->dead && !strcmp(o->cookie, post->cookie) &&
            net_addr_same_ip(&o->peer, &post->peer))
            return o;
    return NULL;
}

static int tunnel_head(struct conn *c)
{
    struct tunnel_req r;
    const char *why = NULL;
    int rc =
        tunnel_parse_head((const char *)c->in.data, c->in.len, RTSP_MAX_HEADER_BYTES, &r, &why);
    if (rc == -EAGAIN)
        return 0;
    if (rc) {
        http_fail(c, 400, why);
        return -1;
    }
    sv_to_cstr(r.cookie, c->cookie, sizeof c->cookie);
    c->requests++; /* a complete request: no request timeout for the leg itself */
    if (r.leg == TUNNEL_LEG_GET) {
        for (struct conn *o = c->srv->conns; o; o = o->next)
            if (o != c && o->mode == CM_TUN_GET && !strcmp(o->cookie, c->cookie)) {
                http_fail(c, 400, "x-sessioncookie already in use");
                return -1;
            }
        char b[512];
        long n = tunnel_get_reply(b, sizeof b);
        buf_reset(&c->in);
        if (n < 0 || buf_append(&c->out, b, (size_t)n)) {
            conn_close(c, "out of memory");
            return -1;
        }
        c->mode = CM_TUN_GET;
        c->requests = 0; /* RTSP requests must arrive within request_timeout (over the POST) */
        c->opened_us = clock_mono_us();
        log_verbose("connection %s: HTTP tunnel GET, cookie %s", c->peer_str, c->cookie);
        conn_flush(c);
        return c->dead ? -1 : 0;
    }
    struct conn *g = tunnel_get_for(c->srv, c);
    if (!g) {
        http_fail(c, 404, "POST with an x-sessioncookie of no open GET from this address");
        return -1;
    }
    if (g->tun) { /* a new POST replaces the old one */
        struct conn *old = g->tun;
        old->tun = NULL;
        g->tun = NULL;
        conn_close(old, "replaced by a new tunnel POST");
    }
    g->tun = c;
    c->tun = g;
    c->mode = CM_TUN_POST;
    b64_dec_init(&c->b64);
    buf_consume(&c->in, r.head_len);
    log_verbose("connection %s: HTTP tunnel POST, cookie %s", c->peer_str, c->cookie);
    return tunnel_post_input(c);
}

/* Everything newly read into c->in, by what the connection carries. */
static int conn_input(struct conn *c)
{
    if (c->mode == CM_SNIFF) {
        int s = tunnel_sniff((const char *)c->in.data, c->in.len);
        if (s == -EAGAIN)
            return 0;
        c->mode = s == 1 ? CM_HTTP_HEAD : CM_RTSP;
    }
    switch (c->mode) {
    case CM_HTTP_HEAD:
        return tunnel_head(c);
    case CM_TUN_POST:
        return tunnel_post_input(c);
    case CM_TUN_GET:
        buf_reset(&c->in); /* clients send nothing more here */
        return 0;
    default:
        return conn_ingest(c);
    }
}

static void conn_read_cb(evutil_socket_t fd, short ev, void *arg)
{
    struct conn *c = arg;
    for (int rounds = 0; rounds < 4 && !c->dead; rounds++) {
        if (buf_reserve(&c->in, CONN_READ_CHUNK) && buf_reserve(&c->in, 1))
            return send_and_close(c, 400, "input buffer full");
        size_t room = c->in.cap - c->in.len;
        ssize_t n = net_read(c->fd, c->in.data + c->in.len, room);
        if (n == -EAGAIN)
            break;
        if (n <= 0)
            return conn_close(c, "disconnect");
        c->in.len += (size_t)n;
        if (conn_input(c))
            return;
        if ((size_t)n < room)
            break;
    }
    conn_flush(c);
}

static void tls_read_cb(struct bufferevent *bev, void *arg)
{
    struct conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    while (!c->dead && evbuffer_get_length(in)) {
        if (buf_reserve(&c->in, CONN_READ_CHUNK) && buf_reserve(&c->in, 1))
            return send_and_close(c, 400, "input buffer full");
        int n = evbuffer_remove(in, c->in.data + c->in.len, c->in.cap - c->in.len);
        if (n <= 0)
            break;
        c->in.len += (size_t)n;
        if (conn_input(c))
            return;
    }
    conn_flush(c);
}

static void tls_write_cb(struct bufferevent *bev, void *arg)
{
    struct conn *c = arg;
    if (c->write_blocked) {
        c->write_blocked = false;
        conn_flush(c);
    }
}

static void tls_event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct conn *c = arg;
    if (what & BEV_EVENT_TIMEOUT) {
        log_warn("connection %s: not writable for %u s, closing", c->peer_str,
                 c->srv->conf.stall_timeout_s);
        return conn_close(c, "stalled");
    }
    if (what & BEV_EVENT_ERROR) {
        unsigned long e = bufferevent_get_openssl_error(bev);
        if (e)
            log_verbose("connection %s: TLS error: %s", c->peer_str,
                        ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "?");
    }
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
        conn_close(c, "disconnect");
}

static void accept_cb(evutil_socket_t lfd, short ev, void *arg)
{
    struct listener *l = arg;
    struct server *srv = l->srv;
    for (int i = 0; i < 32; i++) {
        struct net_addr peer;
        int fd = net_tcp_accept(lfd, &peer);
        if (fd < 0) {
            if (fd != -EAGAIN && fd != -ECONNABORTED)
                log_warn("accept: %s", strerror(-fd));
            return;
        }
        char ps[NET_ADDR_STRLEN];
        net_addr_str(&peer, ps, sizeof ps);
        if (!acl_permits(&srv->conf.acl, &peer)) {
            log_warn("connection from %s refused: address not allowed (server allow/deny list)",
                     ps);
            close(fd);
            continue;
        }
        if (srv->n_conns >= srv->conf.max_connections) {
            log_warn("connection from %s refused: %u connections open (limit)", ps, srv->n_conns);
            close(fd);
            continue;
        }
        if (auth_blocked(srv, &peer, clock_mono_us())) {
            log_warn("connection from %s refused: too many authentication failures", ps);
            close(fd);
            continue;
        }
        unsigned same = 0;
        for (struct conn *o = srv->conns; o; o = o->next)
            same += net_addr_same_ip(&o->peer, &peer);
        if (same >= srv->conf.max_connections_per_ip) {
            log_warn("connection from %s refused: %u connections from this address (limit)", ps,
                     same);
            close(fd);
            continue;
        }
        struct conn *c = calloc(1, sizeof(*c));
        if (!c) {
            close(fd);
            continue;
        }
        c->srv = srv;
        c->fd = fd;
        c->peer = peer;
        c->opened_us = c->last_req_us = c->rate_window_us = clock_mono_us();
        str_copy(c->peer_str, sizeof c->peer_str, ps);
        net_local_addr(fd, &c->local);
        net_tcp_tune(fd, SRV_SNDBUF_BYTES, 0);
        buf_init(&c->in, CONN_IN_MAX);
        buf_init(&c->out, SRV_TCP_OUT_BUF_MAX);
        c->ev_flush = event_new(srv->base, -1, 0, conn_flush_cb, c);
        if (l->tls) {
            c->bev = net_tls_accept(srv->base, fd, srv->tls_ctx); /* owns fd from here */
            if (c->bev) {
                struct timeval tv = {(time_t)srv->conf.stall_timeout_s, 0};
                bufferevent_setcb(c->bev, tls_read_cb, tls_write_cb, tls_event_cb, c);
                bufferevent_setwatermark(c->bev, EV_WRITE, TLS_OUT_LOW, 0);
                bufferevent_set_timeouts(c->bev, NULL, &tv);
                bufferevent_enable(c->bev, EV_READ | EV_WRITE);
            }
            if (!c->bev || !c->ev_flush) {
                if (c->bev)
                    bufferevent_free(c->bev);
                if (c->ev_flush)
                    event_free(c->ev_flush);
                free(c);
                continue;
            }
        } else {
            c->ev_read = event_new(srv->base, fd, EV_READ | EV_PERSIST, conn_read_cb, c);
            c->ev_write = event_new(srv->base, fd, EV_WRITE, conn_write_cb, c);
            if (!c->ev_read || !c->ev_write || !c->ev_flush) {
                event_free(c->ev_read);
                event_free(c->ev_write);
                event_free(c->ev_flush);
                close(fd);
                free(c);
                continue;
            }
            event_add(c->ev_read, NULL);
        }
        c->next = srv->conns;
        if (srv->conns)
            srv->conns->pprev = &c->next;
        c->pprev = &srv->conns;
        srv->conns = c;
        srv->n_conns++;
        log_verbose("connection from %s%s", ps, l->tls ? " (TLS)" : "");
    }
}

/* ----------------------------------------------------------------- timers */

_Static_assert(SOURCE_RTSP_AUTO == (int)SOURCE_TRANSPORT_AUTO &&
                   SOURCE_RTSP_UDP == (int)SOURCE_TRANSPORT_UDP &&
                   SOURCE_RTSP_TCP == (int)SOURCE_TRANSPORT_TCP &&
                   SOURCE_RTSP_HTTP == (int)SOURCE_TRANSPORT_HTTP &&
                   SOURCE_RTSP_MULTICAST == (int)SOURCE_TRANSPORT_MULTICAST,
               "enum source_transport and enum source_rtsp_transport must stay in step");

int path_source_start(struct path *p, char *err, size_t errlen)
{
    struct source_opts so = {
        .rtsp_transport = (enum source_rtsp_transport)p->conf.source_transport, /* same order */
        .rtsp_udp_timeout_ms = p->conf.source_timeout_ms,
    };
    p->source = source_new_opts(p->srv->base, p->conf.source, &so, p->stream, p->seed, err, errlen);
    p->idle_since_us = 0;
    return p->source ? 0 : -1;
}

/* On-demand paths: answer the requests that waited for a starting source,
 * and stop a source nobody has watched for on_demand_linger seconds. */
static void on_demand_tick(struct server *srv, uint64_t now)
{
    bool used[SERVER_MAX_PATHS] = {false};
    for (struct conn *c = srv->conns, *n; c; c = n) {
        n = c->next;
        struct path *p = c->wait_path;
        if (!p)
            continue;
        used[p - srv->paths] = true;
        bool up = hub_stream_n_tracks(p->stream) > 0;
        if (!up && now < c->wait_until_us)
            continue;
        c->wait_path = NULL;
        c->wait_expired = !up;
        if (conn_ingest(c) == 0) {
            c->wait_expired = false;
            conn_flush(c);
        }
    }
    for (struct session *s = srv->sessions; s; s = s->next)
        used[s->path - srv->paths] = true;
    for (size_t i = 0; i < srv->n_paths; i++) {
        struct path *p = &srv->paths[i];
        if (!p->conf.on_demand || !p->source || used[i] || p->publisher) {
            p->idle_since_us = 0;
            continue;
        }
        if (!p->idle_since_us) {
            p->idle_since_us = now;
            continue;
        }
        if (now - p->idle_since_us < (uint64_t)p->conf.on_demand_linger_s * 1000000u)
            continue;
        log_info("path %s: no viewer for %u s: stopping the on-demand source", p->conf.name,
                 p->conf.on_demand_linger_s);
        source_free(p->source);
        p->source = NULL;
        p->idle_since_us = 0;
        hub_stream_clear(p->stream);
    }
}

static void tick_cb(evutil_socket_t fd, short ev, void *arg)
{
    struct server *srv = arg;
    uint64_t now = clock_mono_us();
    publish_tick(srv, now);
    for (struct conn *c = srv->conns, *n; c; c = n) {
        n = c->next;
        if (c->wait_path)
            continue; /* bounded by the path's on_demand_timeout instead */
        if (c->mode == CM_TUN_POST && c->tun)
            continue; /* lives as long as its GET leg */
        if (!c->requests && now - c->opened_us > srv->conf.request_timeout_s * 1000000ull) {
            log_warn("connection %s: no complete request in %u s, closing", c->peer_str,
                     srv->conf.request_timeout_s);
            conn_close(c, "timeout");
        } else if (!c->n_sessions && now - c->last_req_us > srv->conf.idle_timeout_s * 1000000ull) {
            log_verbose("connection %s: idle for %u s, closing", c->peer_str,
                        srv->conf.idle_timeout_s);
            conn_close(c, "timeout");
        }
    }
    for (size_t i = 0; i < srv->n_paths; i++) {
        struct session *m = &srv->paths[i].mcast;
        if (m->playing && now >= m->next_sr_us) {
            session_send_sr(m, now);
            m->next_sr_us = now + SRV_RTCP_SR_INTERVAL_MS * 1000ull;
        }
    }
    uint64_t timeout = (uint64_t)srv->conf.session_timeout_s * 1000000u;
    for (struct session *s = srv->sessions, *n; s; s = n) {
        n = s->next;
        /* An interleaved session lives as long as its connection does (a dead
         * viewer is caught by the write stall timeout); others need signs of
         * life: RTSP requests or RTCP. */
        bool tcp_alive = s->kind == T_TCP && s->conn && s->playing;
        if (!tcp_alive && now - s->last_seen_us > timeout) {
            session_close(s, "timeout");
            continue;
        }
        if (s->playing && !s->record && s->kind != T_MCAST && now >= s->next_sr_us) {
            session_send_sr(s, now);
            s->next_sr_us = now + SRV_RTCP_SR_INTERVAL_MS * 1000ull;
        }
    }
    /* last: the requests it lets through are newer than `now` */
    on_demand_tick(srv, now);
}

/* ------------------------------------------------------------------ api */

void server_conf_default(struct server_conf *c)
{
    memset(c, 0, sizeof(*c));
    str_fmt(c->listen, sizeof c->listen, "0.0.0.0:%d", SRV_DEFAULT_PORT);
    c->session_timeout_s = SRV_SESSION_TIMEOUT_S;
    c->stall_timeout_s = SRV_STALL_TIMEOUT_S;
    c->max_connections = SRV_MAX_CONNECTIONS;
    c->max_sessions_per_conn = SRV_MAX_SESSIONS_PER_CONN;
    c->max_connections_per_ip = SRV_MAX_CONNECTIONS_PER_IP;
    c->request_timeout_s = SRV_REQUEST_TIMEOUT_S;
    c->idle_timeout_s = SRV_IDLE_TIMEOUT_S;
    c->max_requests_per_s = SRV_MAX_REQUESTS_PER_S;
    c->ring_bytes = HUB_DEFAULT_RING_BYTES;
    c->mcast_ttl = 1;
    c->mcast_port = 40000;
}

static int listener_open(struct server *srv, struct listener *l, const char *addr, bool tls,
                         char *err, size_t errlen)
{
    l->srv = srv;
    l->tls = tls;
    if (net_addr_parse(addr, tls ? 322 : SRV_DEFAULT_PORT, &l->addr)) {
        str_fmt(err, errlen, "bad listen address '%s' (expected IP:PORT)", addr);
        return -1;
    }
    l->fd = net_tcp_listen(&l->addr, 512);
    if (l->fd < 0) {
        str_fmt(err, errlen, "cannot listen on %s: %s", addr, strerror(-l->fd));
        return -1;
    }
    net_local_addr(l->fd, &l->addr);
    l->ev = event_new(srv->base, l->fd, EV_READ | EV_PERSIST, accept_cb, l);
    if (!l->ev) {
        str_copy(err, errlen, "out of memory");
        return -1;
    }
    event_add(l->ev, NULL);
    return 0;
}

static void listener_close(struct listener *l)
{
    if (l->ev)
        event_free(l->ev);
    if (l->fd >= 0)
        close(l->fd);
    l->ev = NULL;
    l->fd = -1;
}

struct server *server_new(struct event_base *base, const struct server_conf *conf, char *err,
                          size_t errlen)
{
    struct server *srv = calloc(1, sizeof(*srv));
    if (!srv) {
        str_copy(err, errlen, "out of memory");
        return NULL;
    }
    srv->base = base;
    srv->conf = *conf;
    srv->plain.fd = srv->tls.fd = srv->http.fd = -1;
    if (!srv->conf.realm[0])
        str_copy(srv->conf.realm, sizeof srv->conf.realm, "rtspgate");
    if (RAND_bytes(srv->auth_secret, sizeof srv->auth_secret) != 1) {
        str_copy(err, errlen, "no randomness for the authentication secret");
        goto fail;
    }
    srv->ev_tick = event_new(base, -1, EV_PERSIST, tick_cb, srv);
    srv->ev_reap = event_new(base, -1, 0, reap_cb, srv);
    if (!srv->ev_tick || !srv->ev_reap) {
        str_copy(err, errlen, "out of memory");
        goto fail;
    }
    if (conf->rtsps_listen[0]) {
        if (!conf->tls_cert[0] || !conf->tls_key[0]) {
            str_copy(err, errlen, "rtsps_listen needs tls_cert and tls_key");
            goto fail;
        }
        srv->tls_ctx = net_tls_server_ctx(conf->tls_cert, conf->tls_key, err, errlen);
        if (!srv->tls_ctx)
            goto fail;
    }
    for (size_t i = 0; i < conf->n_paths; i++) {
        struct path *p = &srv->paths[i];
        p->srv = srv;
        p->conf = conf->paths[i];
        RAND_bytes((uint8_t *)&p->seed, sizeof p->seed);
        p->stream = hub_stream_new(p->conf.name, conf->ring_bytes, p->seed);
        p->ev_udp_flush = event_new(base, -1, 0, udp_flush_cb, p);
        srv->n_paths++;
        if (!p->stream || !p->ev_udp_flush) {
            str_copy(err, errlen, "out of memory");
            goto fail;
        }
        if (!p->conf.source[0]) {
            if (!p->conf.publish_users[0])
                log_warn("path %s: anyone allowed to connect may publish into it (no "
                         "publish_users)",
                         p->conf.name);
            continue; /* a publish path: ANNOUNCE/RECORD feeds it */
        }
        if (p->conf.on_demand) {
            log_info("path %s: on demand: its source starts with the first viewer", p->conf.name);
            continue;
        }
        char e2[256];
        if (path_source_start(p, e2, sizeof e2)) {
            str_fmt(err, errlen, "path '%s': %s", p->conf.name, e2);
            goto fail;
        }
    }
    if (listener_open(srv, &srv->plain, conf->listen, false, err, errlen))
        goto fail;
    if (conf->http_listen[0] &&
        listener_open(srv, &srv->http, conf->http_listen, false, err, errlen))
        goto fail;
    if (srv->tls_ctx && listener_open(srv, &srv->tls, conf->rtsps_listen, true, err, errlen))
        goto fail;
    struct timeval tv = {0, TICK_MS * 1000};
    event_add(srv->ev_tick, &tv);
    return srv;
fail:
    server_free(srv);
    return NULL;
}

void server_free(struct server *srv)
{
    if (!srv)
        return;
    while (srv->conns)
        conn_close(srv->conns, "shutdown");
    while (srv->sessions)
        session_close(srv->sessions, "shutdown");
    if (srv->ev_reap)
        reap_cb(-1, 0, srv);
    for (size_t i = 0; i < srv->n_paths; i++)
        path_close(&srv->paths[i]);
    listener_close(&srv->plain);
    listener_close(&srv->tls);
    listener_close(&srv->http);
    if (srv->ev_tick)
        event_free(srv->ev_tick);
    if (srv->ev_reap)
        event_free(srv->ev_reap);
    net_tls_ctx_free(srv->tls_ctx);
    free(srv);
}

uint16_t server_port(const struct server *srv)
{
    return net_addr_port(&srv->plain.addr);
}

uint16_t server_tls_port(const struct server *srv)
{
    return srv->tls_ctx ? net_addr_port(&srv->tls.addr) : 0;
}

uint16_t server_http_port(const struct server *s)
{
    return s->http.fd >= 0 ? net_addr_port(&s->http.addr) : 0;
}

void server_print_banner(const struct server *srv)
{
    char hosts[9][64];
    size_t nh = 0;
    if (net_addr_is_any(&srv->plain.addr)) {
        str_copy(hosts[nh++], sizeof hosts[0], "127.0.0.1");
        nh += net_local_ipv4s(hosts + nh, 8);
    } else {
        char ip[64];
        net_addr_ip_str(&srv->plain.addr, ip, sizeof ip);
        if (strchr(ip, ':'))
            str_fmt(hosts[nh++], sizeof hosts[0], "[%s]", ip);
        else
            str_copy(hosts[nh++], sizeof hosts[0], ip);
    }
    uint16_t port = server_port(srv);
    log_info("listening on rtsp://%s:%u", hosts[0], port);
    if (srv->tls_ctx)
        log_info("listening on rtsps://%s:%u (TLS)", hosts[0], server_tls_port(srv));
    log_info("RTSP over HTTP tunnels accepted on the RTSP port%s",
             srv->http.fd >= 0 ? " and:" : "");
    if (srv->http.fd >= 0)
        log_info("listening on rtsph://%s:%u (RTSP over HTTP, and plain RTSP)", hosts[0],
                 server_http_port(srv));
    for (size_t i = 0; i < srv->n_paths; i++) {
        const struct path *p = &srv->paths[i];
        for (size_t h = 0; h < nh; h++)
            log_info("serving rtsp://%s:%u/%s (%s)", hosts[h], port, p->conf.name,
                     p->source ? source_describe(p->source)
                               : "published by a client: ANNOUNCE/RECORD");
    }
    if (!srv->n_paths)
        return;
    const char *name = srv->paths[0].conf.name;
    const char *h = hosts[nh > 1 ? 1 : 0];
    fprintf(stderr,
            "\nWatch it (TCP interleaved works through NATs and firewalls):\n"
            "  ffplay -rtsp_transport tcp rtsp://%s:%u/%s\n"
            "  ffmpeg -rtsp_transport tcp -i rtsp://%s:%u/%s -c copy out.mp4\n"
            "  gst-play-1.0 rtsp://%s:%u/%s\n"
            "  gst-launch-1.0 rtspsrc location=rtsp://%s:%u/%s protocols=tcp ! decodebin ! "
            "autovideosink\n"
            "  vlc --rtsp-tcp rtsp://%s:%u/%s\n\n",
            h, port, name, h, port, name, h, port, name, h, port, name, h, port, name);
}
