/* RTSP conversation analysis of a packet capture: see analyze.h. */
#include "capture/analyze.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/tcp.h"
#include "rtp/rtcp.h"
#include "rtp/rtp.h"
#include "rtsp/auth.h"
#include "rtsp/transport.h"
#include "rtsp/tunnel.h"
#include "sdp/sdp.h"

#define CAP_UDP_HASH  1024
#define CAP_TCP_HASH  1024
#define SNIFF_MAX     (16 * 1024) /* bytes looked at to recognise RTSP */
#define HTTP_HEAD_MAX 4096
#define RTSP_IN_MAX   (RTSP_MAX_HEADER_BYTES + RTSP_MAX_BODY_BYTES + 65536 + 4)

enum conn_state { CS_UNKNOWN = 0, CS_RTSP, CS_TUNNEL_GET, CS_TUNNEL_POST, CS_OTHER };

struct cap_tcpconn {
    struct cap_addr addr[2];
    uint16_t port[2];
    struct cap_tcp_dir dir[2]; /* dir[i]: bytes sent by endpoint i */
    enum conn_state state;
    int syn_from;  /* endpoint that sent the SYN (without ACK), -1 unknown */
    int client_ep; /* endpoint that is the RTSP client */
    struct cap_conv *conv;
    struct buf sniff[2];
    bool head_done[2]; /* tunnel: the HTTP head of this direction is behind us */
    struct b64_dec b64;
    struct cap_tcpconn *hnext, *lnext;
};

/* ---- small helpers ---- */

static void sv_cpy(char *dst, size_t cap, struct sv s)
{
    size_t n = s.p ? (s.n < cap - 1 ? s.n : cap - 1) : 0;
    if (n)
        memcpy(dst, s.p, n);
    dst[n] = 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
            dst[i] = '?';
}

static uint32_t addr_hash(const struct cap_addr *a)
{
    uint32_t h = 2166136261u;
    size_t n = a->family == 4 ? 4 : 16;
    for (size_t i = 0; i < n; i++)
        h = (h ^ a->a[i]) * 16777619u;
    return h;
}

static uint32_t tuple_hash(const struct cap_addr *s, uint16_t sp, const struct cap_addr *d,
                           uint16_t dp)
{
    return addr_hash(s) * 31u + addr_hash(d) * 17u + sp * 7u + dp;
}

/* ---- media statistics ---- */

void cap_media_add(struct cap_media *m, uint64_t t_us, const uint8_t *p, size_t len)
{
    if (!m->datagrams)
        m->first_us = t_us;
    m->last_us = t_us;
    m->datagrams++;
    m->datagram_bytes += len;
    if (rtcp_is_rtcp(p, len)) {
        m->rtcp_packets++;
        m->rtcp_bytes += len;
        struct rtcp_info info;
        if (rtcp_parse(p, len, &info) == 0) {
            if (info.has_sr)
                m->rtcp_sr = true;
            if (info.n_rr)
                m->rtcp_rr = true;
        }
        return;
    }
    uint64_t before = m->rx.packets;
    rxstats_add(&m->rx, p, len);
    if (m->rx.packets != before) {
        uint32_t ts = rtp_ts_of(p);
        if (!m->have_ts)
            m->first_ts = ts;
        if (!m->have_ts || ts != m->last_ts)
            m->frames++;
        m->have_ts = true;
        m->last_ts = ts;
    }
}

uint64_t cap_media_lost(const struct cap_media *m)
{
    return m->summed ? m->lost : rxstats_lost(&m->rx);
}

void cap_media_sum(struct cap_media *d, const struct cap_media *s)
{
    if (!s->datagrams)
        return;
    if (!d->datagrams || s->first_us < d->first_us)
        d->first_us = s->first_us;
    if (s->last_us > d->last_us)
        d->last_us = s->last_us;
    d->lost += cap_media_lost(s);
    d->summed = true;
    if (s->have_ts && (!d->have_ts || s->rx.packets > d->rx.packets)) {
        d->have_ts = true; /* the RTP timeline of the main flow */
        d->first_ts = s->first_ts;
        d->last_ts = s->last_ts;
    }
    d->datagrams += s->datagrams;
    d->datagram_bytes += s->datagram_bytes;
    d->rx.packets += s->rx.packets;
    d->rx.bytes += s->rx.bytes;
    d->rx.invalid += s->rx.invalid;
    d->rx.reordered += s->rx.reordered;
    d->rx.duplicates += s->rx.duplicates;
    d->rx.ts_backwards += s->rx.ts_backwards;
    d->frames += s->frames;
    d->rtcp_packets += s->rtcp_packets;
    d->rtcp_bytes += s->rtcp_bytes;
    d->rtcp_sr |= s->rtcp_sr;
    d->rtcp_rr |= s->rtcp_rr;
}

static double span_s(const struct cap_media *m)
{
    return m->last_us > m->first_us ? (double)(m->last_us - m->first_us) / 1e6 : 0;
}

double cap_media_kbps(const struct cap_media *m)
{
    double s = span_s(m);
    return s > 0 && m->rx.packets > 1 ? (double)m->rx.bytes * 8 / 1000 / s : 0;
}

double cap_media_fps(const struct cap_media *m, unsigned clock_rate)
{
    uint32_t rtp_span = m->last_ts - m->first_ts;
    if (clock_rate && m->have_ts && m->frames > 1 && rtp_span > 0 && rtp_span < 0x80000000u)
        return (double)(m->frames - 1) * clock_rate / rtp_span;
    double s = span_s(m);
    return s > 0 && m->frames > 1 ? (double)(m->frames - 1) / s : 0;
}

double cap_analysis_seconds(const struct cap_analysis *a)
{
    return (double)a->last_us / 1e6;
}

/* ---- recognising RTSP ---- */

static bool is_tchar(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/* A request line "METHOD SP URI SP RTSP/1.x" or a status line "RTSP/1.x NNN"
 * at b. 1 yes (*req set), 0 no, -EAGAIN need more. */
static int line_start(const uint8_t *b, size_t n, bool *req)
{
    static const char v[] = "RTSP/1.";
    size_t k = n < 7 ? n : 7;
    if (memcmp(b, v, k) == 0) {
        if (n < 7)
            return -EAGAIN;
        *req = false;
        return 1;
    }
    size_t i = 0;
    while (i < n && i < 32 && is_tchar(b[i]) && b[i] >= 'A' && b[i] <= 'Z')
        i++;
    if (i == n)
        return i < 32 ? -EAGAIN : 0;
    if (i == 0 || b[i] != ' ')
        return 0;
    /* the line must end in " RTSP/1.x" */
    size_t e = i + 1;
    while (e < n && e < RTSP_MAX_URL_BYTES + 64 && b[e] != '\n')
        e++;
    if (e == n)
        return e < RTSP_MAX_URL_BYTES + 64 ? -EAGAIN : 0;
    size_t end = e;
    if (end > 0 && b[end - 1] == '\r')
        end--;
    if (end < i + 10 || memcmp(b + end - 9, " RTSP/1.", 8) != 0)
        return 0;
    *req = true;
    return 1;
}

/* Interleaved frames chained from b: how many whole frames follow each
 * other (up to want), -EAGAIN when the bytes end inside the chain. */
static int frame_chain(const uint8_t *b, size_t n, int want)
{
    size_t off = 0;
    int k = 0;
    while (k < want) {
        if (off == n)
            return -EAGAIN;
        if (b[off] != '$') {
            bool req;
            return k > 0 && line_start(b + off, n - off, &req) == 1 ? want : k;
        }
        if (off + 4 > n)
            return -EAGAIN;
        size_t len = (size_t)b[off + 2] << 8 | b[off + 3];
        if (len < 4)
            return k;
        off += 4 + len;
        if (off > n)
            return -EAGAIN;
        k++;
    }
    return k;
}

int cap_sniff_rtsp(const uint8_t *buf, size_t n, bool *from_client)
{
    *from_client = false;
    if (!n)
        return -EAGAIN;
    if (buf[0] == '$') {
        int k = frame_chain(buf, n, 2);
        if (k == -EAGAIN)
            return n >= SNIFF_MAX ? 0 : -EAGAIN;
        return k >= 2 ? 1 : 0;
    }
    int r = line_start(buf, n, from_client);
    return r;
}

long cap_find_rtsp(const uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == '$') {
            if (frame_chain(buf + i, n - i, 3) == 3)
                return (long)i;
        } else if ((i == 0 || buf[i - 1] == '\n') &&
                   (buf[i] == 'R' || (buf[i] >= 'A' && buf[i] <= 'Z'))) {
            bool req;
            if (line_start(buf + i, n - i, &req) == 1)
                return (long)i;
        }
    }
    return -1;
}

/* ---- conversations ---- */

static struct cap_conv *conv_new(struct cap_analysis *a, enum cap_conv_kind kind, uint64_t t)
{
    if (a->n_convs >= CAP_MAX_CONVS) {
        a->convs_dropped++;
        return NULL;
    }
    struct cap_conv *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->ex = calloc(CAP_MAX_EXCHANGES, sizeof *c->ex);
    if (!c->ex) {
        free(c);
        return NULL;
    }
    c->kind = kind;
    c->first_us = c->last_us = t;
    buf_init(&c->in[0], RTSP_IN_MAX);
    buf_init(&c->in[1], RTSP_IN_MAX);
    a->convs[a->n_convs++] = c;
    return c;
}

static void conv_free(struct cap_conv *c)
{
    if (!c)
        return;
    buf_free(&c->in[0]);
    buf_free(&c->in[1]);
    free(c->ex);
    free(c);
}

static void transport_copy(struct sv v, struct cap_transport *o)
{
    memset(o, 0, sizeof *o);
    if (!v.p)
        return;
    o->present = true;
    sv_cpy(o->text, sizeof o->text, v);
    struct rtsp_transport t[RTSP_MAX_TRANSPORT_ALTERNATIVES];
    size_t n = 0;
    int e = rtsp_transport_parse(v, t, RTSP_MAX_TRANSPORT_ALTERNATIVES, &n);
    if ((e && e != -EMSGSIZE) || n == 0)
        return;
    o->parsed = true;
    o->tcp = t[0].lower == RTSP_LOWER_TCP;
    o->multicast = t[0].multicast;
    o->record = t[0].mode == RTSP_TMODE_RECORD;
    o->has_interleaved = t[0].has_interleaved;
    memcpy(o->interleaved, t[0].interleaved, 2);
    o->has_client_port = t[0].has_client_port;
    memcpy(o->client_port, t[0].client_port, sizeof o->client_port);
    o->has_server_port = t[0].has_server_port;
    memcpy(o->server_port, t[0].server_port, sizeof o->server_port);
    o->has_port = t[0].has_port;
    memcpy(o->port, t[0].port, sizeof o->port);
    sv_cpy(o->destination, sizeof o->destination, t[0].destination);
    sv_cpy(o->source, sizeof o->source, t[0].source);
}

static void auth_schemes(const struct rtsp_msg *m, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; i < m->n_headers; i++) {
        if (!sv_ieq_cstr(m->headers[i].name, "WWW-Authenticate"))
            continue;
        struct sv v = m->headers[i].value;
        size_t pos = 0;
        struct rtsp_auth_challenge ch;
        for (int k = 0; k < 8; k++) {
            char one[32];
            memset(&ch, 0, sizeof ch);
            int e = rtsp_auth_next_challenge(v, &pos, &ch);
            if (e == -ENOENT || e == -EPROTO)
                break;
            if (e)
                continue;
            const char *name =
                ch.scheme == RTSP_AUTH_SCHEME_BASIC ? "Basic"
                : ch.scheme == RTSP_AUTH_SCHEME_DIGEST
                    ? (ch.algo == RTSP_AUTH_ALGO_SHA256 || ch.algo == RTSP_AUTH_ALGO_SHA256_SESS
                           ? "Digest SHA-256"
                           : "Digest")
                    : "other";
            snprintf(one, sizeof one, "%s", name);
            if (strstr(out, one) && strcmp(one, "Digest") != 0)
                continue;
            if (!strcmp(one, "Digest")) { /* "Digest" inside "Digest SHA-256" is not a dup */
                bool dup = false;
                for (const char *q = out; (q = strstr(q, "Digest")); q += 6)
                    if (q[6] != ' ')
                        dup = true;
                if (dup)
                    continue;
            }
            int w = snprintf(out + used, cap - used, "%s%s", used ? ", " : "", one);
            if (w < 0 || (size_t)w >= cap - used)
                return;
            used += (size_t)w;
        }
    }
}

static struct cap_channel *chan_get(struct cap_conv *c, bool from_server, uint8_t ch, bool create)
{
    for (size_t i = 0; i < c->n_chans; i++)
        if (c->chans[i].from_server == from_server && c->chans[i].channel == ch)
            return &c->chans[i];
    if (!create || c->n_chans >= CAP_MAX_CHANNELS)
        return NULL;
    struct cap_channel *x = &c->chans[c->n_chans++];
    memset(x, 0, sizeof *x);
    x->from_server = from_server;
    x->channel = ch;
    rxstats_init(&x->m.rx);
    return x;
}

static void on_describe_body(struct cap_conv *c, const struct rtsp_msg *m)
{
    struct sdp_session s;
    if (!m->body.n || sdp_parse(m->body, &s))
        return;
    c->n_tracks = s.n_media;
    for (size_t i = 0; i < s.n_media && i < RTSP_MAX_TRACKS; i++) {
        struct cap_track *t = &c->tracks[i];
        sv_cpy(t->media, sizeof t->media, s.media[i].media);
        sv_cpy(t->codec, sizeof t->codec, s.media[i].encoding);
        sv_cpy(t->control, sizeof t->control, s.media[i].control);
        t->clock_rate = s.media[i].clock_rate;
    }
}

static void on_request(struct cap_conv *c, bool from_client, const struct rtsp_msg *m, uint64_t t)
{
    if (c->n_ex >= CAP_MAX_EXCHANGES) {
        c->ex_dropped++;
        return;
    }
    struct cap_exchange *x = &c->ex[c->n_ex++];
    memset(x, 0, sizeof *x);
    x->has_request = true;
    x->from_client = from_client;
    x->method = m->method;
    sv_cpy(x->method_name, sizeof x->method_name, m->method_name);
    sv_cpy(x->uri, sizeof x->uri, m->uri);
    x->has_cseq = rtsp_msg_cseq(m, &x->cseq) == 0;
    x->req_us = t;
    struct sv au = rtsp_msg_header(m, "Authorization"), scheme;
    if (au.p) {
        sv_split(sv_trim(au), ' ', &scheme);
        sv_cpy(x->authorization, sizeof x->authorization, scheme);
        if (!x->authorization[0])
            snprintf(x->authorization, sizeof x->authorization, "?");
    }
    if (m->method == RTSP_METHOD_ANNOUNCE && from_client)
        on_describe_body(c, m); /* a publisher's SDP names the tracks */
    if (m->method == RTSP_METHOD_SETUP)
        transport_copy(rtsp_msg_header(m, "Transport"), &x->req_transport);
    struct sv ua = rtsp_msg_header(m, "User-Agent");
    if (ua.p && !c->user_agent[0])
        sv_cpy(c->user_agent, sizeof c->user_agent, ua);
    if (from_client && m->uri.n && !sv_eq_cstr(m->uri, "*")) {
        /* the DESCRIBE URI names the stream; else the first request's */
        if (m->method == RTSP_METHOD_DESCRIBE && !c->url_describe) {
            sv_cpy(c->url, sizeof c->url, m->uri);
            c->url_describe = true;
        } else if (!c->url[0]) {
            sv_cpy(c->url, sizeof c->url, m->uri);
        }
    }
}

static void setup_add(struct cap_conv *c, size_t ex_index)
{
    if (c->n_setups >= CAP_MAX_SETUPS)
        return;
    struct cap_exchange *x = &c->ex[ex_index];
    struct cap_setup *s = &c->setups[c->n_setups++];
    memset(s, 0, sizeof *s);
    s->exchange = ex_index;
    snprintf(s->control, sizeof s->control, "%s", x->uri);
    const struct cap_transport *t =
        x->answered && x->resp_transport.parsed ? &x->resp_transport : &x->req_transport;
    s->tcp = t->parsed && t->tcp;
    s->udp = t->parsed && !t->tcp;
    s->multicast = t->parsed && t->multicast;
    s->answered_ok = x->answered && x->status >= 200 && x->status < 300;
    rxstats_init(&s->media.rx);
    rxstats_init(&s->back.rx);
}

static void on_response(struct cap_conv *c, bool from_server, const struct rtsp_msg *m, uint64_t t)
{
    uint32_t cseq = 0;
    bool has_cseq = rtsp_msg_cseq(m, &cseq) == 0;
    struct cap_exchange *x = NULL;
    size_t xi = 0;
    /* the latest unanswered request sent the other way with this CSeq */
    for (size_t i = c->n_ex; i-- > 0;) {
        struct cap_exchange *y = &c->ex[i];
        if (y->has_request && !y->answered && y->from_client == from_server &&
            (!has_cseq || !y->has_cseq || y->cseq == cseq)) {
            x = y, xi = i;
            break;
        }
    }
    if (!x) {
        if (c->n_ex >= CAP_MAX_EXCHANGES) {
            c->ex_dropped++;
            return;
        }
        xi = c->n_ex++;
        x = &c->ex[xi];
        memset(x, 0, sizeof *x);
        x->from_client = from_server;
        x->has_cseq = has_cseq;
        x->cseq = cseq;
        snprintf(x->method_name, sizeof x->method_name, "?");
    }
    x->answered = true;
    x->resp_us = t;
    x->status = m->status;
    sv_cpy(x->reason, sizeof x->reason, m->reason);
    if (m->status == 401)
        auth_schemes(m, x->www_authenticate, sizeof x->www_authenticate);
    struct sv srv = rtsp_msg_header(m, "Server");
    if (srv.p && from_server && !c->server_hdr[0])
        sv_cpy(c->server_hdr, sizeof c->server_hdr, srv);
    struct sv tr = rtsp_msg_header(m, "Transport");
    if (tr.p)
        transport_copy(tr, &x->resp_transport);
    bool ok = m->status >= 200 && m->status < 300;
    if (x->method == RTSP_METHOD_DESCRIBE && ok)
        on_describe_body(c, m);
    if (x->method == RTSP_METHOD_SETUP && m->status != 401)
        setup_add(c, xi);
    if ((x->method == RTSP_METHOD_PLAY || x->method == RTSP_METHOD_RECORD) && m->status != 401) {
        if (!c->play_status || ok || c->play_status < 200 || c->play_status >= 300) {
            if (!(c->play_status >= 200 && c->play_status < 300)) {
                c->play_status = m->status;
                c->play_us = t;
            }
        }
        if (x->method == RTSP_METHOD_RECORD)
            c->record = true;
    }
    if (!x->has_request && m->status >= 200 && m->status < 300 && tr.p) {
        /* a SETUP answer whose request the capture missed */
        x->method = RTSP_METHOD_SETUP;
        snprintf(x->method_name, sizeof x->method_name, "SETUP");
        setup_add(c, xi);
    }
}

/* Parse whole items from p[0..n); returns the bytes used. d: 0 client->server. */
static size_t conv_parse(struct cap_conv *c, int d, const uint8_t *p, size_t n, uint64_t t)
{
    size_t off = 0;
    while (off < n) {
        struct rtsp_item it;
        size_t used = 0;
        int r = rtsp_parse(p + off, n - off, &used, &it);
        if (r == -EAGAIN)
            break;
        if (r < 0 || used == 0) { /* framing lost: skip a byte and resync */
            if (c->bytes[d] == n - off + off && off == 0 && !c->junk_bytes)
                c->mid_stream = true;
            c->junk_bytes++;
            off++;
            continue;
        }
        switch (it.kind) {
        case RTSP_ITEM_FRAME: {
            struct cap_channel *ch = chan_get(c, d == 1, it.frame.channel, true);
            if (ch)
                cap_media_add(&ch->m, t, it.frame.data, it.frame.len);
            else
                c->frames_other++;
            break;
        }
        case RTSP_ITEM_MESSAGE:
            if (it.msg.is_response)
                on_response(c, d == 1, &it.msg, t);
            else
                on_request(c, d == 0, &it.msg, t);
            break;
        case RTSP_ITEM_BAD_MESSAGE:
            c->bad_messages++;
            break;
        case RTSP_ITEM_JUNK:
        default:
            if (!c->n_ex && !c->n_chans)
                c->mid_stream = true;
            c->junk_bytes += used;
            break;
        }
        off += used;
    }
    return off;
}

static void conv_feed(struct cap_conv *c, int d, const uint8_t *data, size_t len, uint64_t t)
{
    if (t > c->last_us)
        c->last_us = t;
    struct buf *b = &c->in[d];
    c->bytes[d] += len;
    if (!b->len) {
        size_t used = conv_parse(c, d, data, len, t);
        if (used < len && buf_append(b, data + used, len - used)) {
            c->junk_bytes += len - used; /* cannot happen below the cap */
            buf_reset(b);
        }
        return;
    }
    if (buf_append(b, data, len)) {
        /* over the cap: nothing parsable is that long; drop and resync */
        c->junk_bytes += b->len;
        buf_reset(b);
        size_t used = conv_parse(c, d, data, len, t);
        if (used < len && buf_append(b, data + used, len - used) == 0)
            return;
        return;
    }
    size_t used = conv_parse(c, d, b->data, b->len, t);
    buf_consume(b, used);
    buf_release_if_empty(b, 64 * 1024);
}

static void conv_gap(struct cap_conv *c, int d, size_t missing)
{
    c->gap_bytes += missing;
    c->junk_bytes += c->in[d].len;
    buf_reset(&c->in[d]);
}

/* ---- TCP connections ---- */

static struct cap_tcpconn *tcp_find(struct cap_analysis *a, const struct cap_pkt *p, int *ep)
{
    uint32_t h1 = tuple_hash(&p->src, p->sport, &p->dst, p->dport) % CAP_TCP_HASH;
    for (struct cap_tcpconn *c = a->tcp_hash[h1]; c; c = c->hnext) {
        if (c->port[0] == p->sport && c->port[1] == p->dport && cap_addr_eq(&c->addr[0], &p->src) &&
            cap_addr_eq(&c->addr[1], &p->dst)) {
            *ep = 0;
            return c;
        }
    }
    uint32_t h2 = tuple_hash(&p->dst, p->dport, &p->src, p->sport) % CAP_TCP_HASH;
    for (struct cap_tcpconn *c = a->tcp_hash[h2]; c; c = c->hnext) {
        if (c->port[0] == p->dport && c->port[1] == p->sport && cap_addr_eq(&c->addr[0], &p->dst) &&
            cap_addr_eq(&c->addr[1], &p->src)) {
            *ep = 1;
            return c;
        }
    }
    if (a->n_tcp >= CAP_MAX_TCP_CONNS) {
        a->tcp_conns_dropped++;
        return NULL;
    }
    struct cap_tcpconn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->addr[0] = p->src;
    c->addr[1] = p->dst;
    c->port[0] = p->sport;
    c->port[1] = p->dport;
    c->syn_from = -1;
    c->client_ep = -1;
    cap_tcp_init(&c->dir[0]);
    cap_tcp_init(&c->dir[1]);
    buf_init(&c->sniff[0], SNIFF_MAX + 65536);
    buf_init(&c->sniff[1], SNIFF_MAX + 65536);
    b64_dec_init(&c->b64);
    c->hnext = a->tcp_hash[h1];
    a->tcp_hash[h1] = c;
    c->lnext = a->tcp_list;
    a->tcp_list = c;
    a->n_tcp++;
    a->tcp_conns++;
    *ep = 0;
    return c;
}

static void tcpconn_release(struct cap_tcpconn *c)
{
    cap_tcp_free(&c->dir[0]);
    cap_tcp_free(&c->dir[1]);
    buf_free(&c->sniff[0]);
    buf_free(&c->sniff[1]);
}

struct deliver_ctx {
    struct cap_analysis *a;
    struct cap_tcpconn *c;
    int ep; /* sender endpoint */
    uint64_t t;
};

static void conv_set_ends(struct cap_conv *v, const struct cap_tcpconn *c)
{
    int ce = c->client_ep < 0 ? 0 : c->client_ep;
    v->client = c->addr[ce];
    v->client_port = c->port[ce];
    v->server = c->addr[1 - ce];
    v->server_port = c->port[1 - ce];
    v->saw_syn = c->syn_from >= 0;
}

/* Feed bytes sent by endpoint ep of an RTSP connection into its conversation. */
static void rtsp_bytes(struct deliver_ctx *x, const uint8_t *data, size_t len)
{
    struct cap_tcpconn *c = x->c;
    if (!c->conv)
        return;
    conv_feed(c->conv, x->ep == c->client_ep ? 0 : 1, data, len, x->t);
}

static void tunnel_bytes(struct deliver_ctx *x, const uint8_t *data, size_t len)
{
    struct cap_tcpconn *c = x->c;
    struct cap_conv *v = c->conv;
    if (!v)
        return;
    bool from_client = x->ep == c->client_ep;
    if (c->state == CS_TUNNEL_POST && from_client) {
        uint8_t out[3 * 1024 + 3];
        while (len) {
            size_t k = len < 4096 ? len : 4096;
            long w = b64_dec_feed(&c->b64, (const char *)data, k, out, sizeof out);
            if (w < 0) {
                v->junk_bytes += k;
                b64_dec_init(&c->b64);
            } else if (w > 0) {
                conv_feed(v, 0, out, (size_t)w, x->t);
            }
            data += k, len -= k;
        }
    } else if (c->state == CS_TUNNEL_GET && !from_client) {
        if (!c->head_done[x->ep]) {
            /* skip the HTTP answer head */
            struct buf *b = &c->sniff[x->ep];
            if (buf_append(b, data, len)) {
                c->head_done[x->ep] = true;
                buf_reset(b);
                return;
            }
            const uint8_t *e = NULL;
            for (size_t i = 0; i + 3 < b->len; i++)
                if (!memcmp(b->data + i, "\r\n\r\n", 4)) {
                    e = b->data + i + 4;
                    break;
                }
            if (!e) {
                if (b->len > HTTP_HEAD_MAX) {
                    c->head_done[x->ep] = true; /* not HTTP after all: parse as RTSP */
                    conv_feed(v, 1, b->data, b->len, x->t);
                    buf_free(b);
                }
                return;
            }
            c->head_done[x->ep] = true;
            conv_feed(v, 1, e, b->len - (size_t)(e - b->data), x->t);
            buf_free(b);
            return;
        }
        conv_feed(v, 1, data, len, x->t);
    }
}

static struct cap_conv *tunnel_conv(struct cap_analysis *a, struct sv cookie, uint64_t t)
{
    char ck[129];
    sv_cpy(ck, sizeof ck, cookie);
    for (size_t i = 0; i < a->n_convs; i++)
        if (a->convs[i]->kind == CAP_CONV_TUNNEL && !strcmp(a->convs[i]->cookie, ck))
            return a->convs[i];
    struct cap_conv *v = conv_new(a, CAP_CONV_TUNNEL, t);
    if (v)
        snprintf(v->cookie, sizeof v->cookie, "%s", ck);
    return v;
}

/* Try to recognise what connection c carries from the bytes seen so far. */
static void classify(struct deliver_ctx *x)
{
    struct cap_analysis *a = x->a;
    struct cap_tcpconn *c = x->c;
    struct buf *b = &c->sniff[x->ep];
    const uint8_t *p = b->data;
    size_t n = b->len;
    if (!n)
        return;
    int ts = tunnel_sniff((const char *)p, n);
    if (ts == 1) {
        struct tunnel_req tr;
        const char *err = NULL;
        int r = tunnel_parse_head((const char *)p, n, HTTP_HEAD_MAX, &tr, &err);
        if (r == -EAGAIN)
            return;
        if (r == 0) {
            c->client_ep = x->ep;
            c->state = tr.leg == TUNNEL_LEG_GET ? CS_TUNNEL_GET : CS_TUNNEL_POST;
            c->conv = tunnel_conv(a, tr.cookie, x->t);
            if (!c->conv) {
                c->state = CS_OTHER;
                return;
            }
            if (c->state == CS_TUNNEL_GET || !c->conv->user_agent[0] || !c->conv->saw_syn) {
                /* the GET leg carries the media: its ends name the conversation */
                if (c->state == CS_TUNNEL_GET || !c->conv->client.family)
                    conv_set_ends(c->conv, c);
            }
            c->head_done[x->ep] = true;
            size_t body = tr.head_len;
            uint8_t *rest = NULL;
            size_t rn = n - body;
            if (rn) {
                rest = malloc(rn);
                if (rest)
                    memcpy(rest, p + body, rn);
            }
            buf_free(&c->sniff[x->ep]);
            if (rest) {
                tunnel_bytes(x, rest, rn);
                free(rest);
            }
            /* bytes the other side sent already */
            struct buf *o = &c->sniff[1 - x->ep];
            if (o->len) {
                uint8_t *cp = malloc(o->len);
                size_t on = o->len;
                if (cp) {
                    memcpy(cp, o->data, on);
                    buf_reset(o);
                    struct deliver_ctx y = *x;
                    y.ep = 1 - x->ep;
                    tunnel_bytes(&y, cp, on);
                    free(cp);
                }
            }
            return;
        }
        /* an HTTP request but not a tunnel leg */
        c->state = CS_OTHER;
        return;
    }
    if (ts == -EAGAIN)
        return;
    bool from_client = false;
    int r = cap_sniff_rtsp(p, n, &from_client);
    long start = 0;
    bool mid = false;
    if (r == -EAGAIN)
        return;
    if (r == 0) {
        start = cap_find_rtsp(p, n);
        if (start < 0) {
            if (n >= SNIFF_MAX)
                c->state = CS_OTHER;
            return;
        }
        mid = true;
        bool req = false;
        if (p[start] != '$' && line_start(p + start, n - (size_t)start, &req) == 1)
            from_client = req;
    }
    /* RTSP: who is the client? SYN first, then the request line, then "$"
     * frames, which usually flow from the server */
    c->state = CS_RTSP;
    if (c->syn_from >= 0)
        c->client_ep = c->syn_from;
    else if (p[start] == '$')
        c->client_ep = 1 - x->ep;
    else
        c->client_ep = from_client ? x->ep : 1 - x->ep;
    c->conv = conv_new(a, CAP_CONV_RTSP, x->t);
    if (!c->conv) {
        c->state = CS_OTHER;
        return;
    }
    conv_set_ends(c->conv, c);
    c->conv->mid_stream = mid || (p[0] == '$' && !c->dir[x->ep].syn);
    c->conv->junk_bytes += (size_t)start;
    struct buf mine = c->sniff[x->ep];
    memset(&c->sniff[x->ep], 0, sizeof c->sniff[x->ep]);
    rtsp_bytes(x, mine.data + start, mine.len - (size_t)start);
    buf_free(&mine);
    struct buf *o = &c->sniff[1 - x->ep];
    if (o->len) {
        struct buf other = *o;
        memset(o, 0, sizeof *o);
        long s2 = cap_find_rtsp(other.data, other.len);
        struct deliver_ctx y = *x;
        y.ep = 1 - x->ep;
        if (s2 < 0)
            s2 = 0;
        c->conv->junk_bytes += (size_t)s2;
        rtsp_bytes(&y, other.data + s2, other.len - (size_t)s2);
        buf_free(&other);
    }
}

static void deliver(void *ctx, const uint8_t *data, size_t len)
{
    struct deliver_ctx *x = ctx;
    struct cap_tcpconn *c = x->c;
    switch (c->state) {
    case CS_OTHER:
        return;
    case CS_UNKNOWN:
        if (!data) {
            buf_reset(&c->sniff[x->ep]);
            return;
        }
        if (buf_append(&c->sniff[x->ep], data, len)) {
            c->state = CS_OTHER;
            return;
        }
        classify(x);
        if (c->state == CS_OTHER) {
            buf_free(&c->sniff[0]);
            buf_free(&c->sniff[1]);
        }
        return;
    case CS_RTSP:
        if (!data) {
            if (c->conv)
                conv_gap(c->conv, x->ep == c->client_ep ? 0 : 1, len);
            return;
        }
        rtsp_bytes(x, data, len);
        return;
    case CS_TUNNEL_GET:
    case CS_TUNNEL_POST:
        if (!data) {
            if (c->conv) {
                bool fc = x->ep == c->client_ep;
                if ((c->state == CS_TUNNEL_POST && fc) || (c->state == CS_TUNNEL_GET && !fc))
                    conv_gap(c->conv, fc ? 0 : 1, len);
            }
            b64_dec_init(&c->b64);
            return;
        }
        tunnel_bytes(x, data, len);
        return;
    }
}

static void on_tcp(struct cap_analysis *a, const struct cap_pkt *p, uint64_t t)
{
    int ep;
    struct cap_tcpconn *c = tcp_find(a, p, &ep);
    if (!c)
        return;
    if ((p->flags & (CAP_TCP_SYN | CAP_TCP_ACK)) == CAP_TCP_SYN)
        c->syn_from = ep;
    else if ((p->flags & (CAP_TCP_SYN | CAP_TCP_ACK)) == (CAP_TCP_SYN | CAP_TCP_ACK) &&
             c->syn_from < 0)
        c->syn_from = 1 - ep;
    if (c->conv && t > c->conv->last_us)
        c->conv->last_us = t;
    if (c->state == CS_OTHER)
        return;
    struct deliver_ctx x = {a, c, ep, t};
    cap_tcp_segment(&c->dir[ep], p->seq, p->flags, p->payload, p->payload_len, p->wire_len, deliver,
                    &x);
    if ((p->flags & (CAP_TCP_FIN | CAP_TCP_RST)) && c->conv)
        c->conv->closed = true;
    if (c->state == CS_OTHER) {
        cap_tcp_free(&c->dir[0]);
        cap_tcp_free(&c->dir[1]);
    }
}

/* ---- UDP ---- */

static bool rtp_follows(const uint8_t *a, const uint8_t *b, uint16_t k)
{
    return (b[0] & 0xc0) == 0x80 && (b[1] & 0x7f) == (a[1] & 0x7f) && !memcmp(a + 8, b + 8, 4) &&
           (uint16_t)(b[2] << 8 | b[3]) == (uint16_t)((a[2] << 8 | a[3]) + k);
}

size_t cap_gso_segment_size(const uint8_t *p, size_t len)
{
    if (len < 2 * RTP_HEADER_LEN || (p[0] & 0xc0) != 0x80 || rtcp_is_rtcp(p, len))
        return 0;
    for (size_t seg = RTP_HEADER_LEN + 1; seg + RTP_HEADER_LEN <= len; seg++) {
        if (!rtp_follows(p, p + seg, 1))
            continue;
        bool ok = true;
        uint16_t k = 2;
        for (size_t o = 2 * seg; o < len && ok; o += seg, k++)
            ok = len - o >= RTP_HEADER_LEN && rtp_follows(p, p + o, k);
        if (ok)
            return seg;
    }
    return 0;
}

static void on_udp(struct cap_analysis *a, const struct cap_pkt *p, uint64_t t)
{
    uint32_t h = tuple_hash(&p->src, p->sport, &p->dst, p->dport) % CAP_UDP_HASH;
    struct cap_udp_flow *f;
    for (f = a->udp_hash[h]; f; f = f->next)
        if (f->sport == p->sport && f->dport == p->dport && cap_addr_eq(&f->src, &p->src) &&
            cap_addr_eq(&f->dst, &p->dst))
            break;
    if (!f) {
        if (a->n_udp >= CAP_MAX_UDP_FLOWS) {
            a->udp_flows_dropped++;
            return;
        }
        f = calloc(1, sizeof *f);
        if (!f)
            return;
        f->src = p->src;
        f->dst = p->dst;
        f->sport = p->sport;
        f->dport = p->dport;
        rxstats_init(&f->m.rx);
        f->next = a->udp_hash[h];
        a->udp_hash[h] = f;
        a->n_udp++;
    }
    /* A capture taken on a host that sends with UDP GSO (rtspgate itself,
     * GStreamer) shows a run of equal-size datagrams as one large one:
     * split it where the next RTP header of the same stream begins. */
    size_t seg = p->truncated ? 0 : cap_gso_segment_size(p->payload, p->payload_len);
    if (seg) {
        for (size_t o = 0; o < p->payload_len; o += seg)
            cap_media_add(&f->m, t, p->payload + o,
                          p->payload_len - o < seg ? p->payload_len - o : seg);
    } else {
        cap_media_add(&f->m, t, p->payload, p->payload_len);
    }
    if (p->truncated) /* count what was on the wire */
        f->m.datagram_bytes += p->wire_len - p->payload_len;
}

/* ---- the analysis ---- */

struct cap_analysis *cap_analysis_new(int linktype)
{
    struct cap_analysis *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->linktype = linktype;
    a->udp_hash = calloc(CAP_UDP_HASH, sizeof *a->udp_hash);
    a->tcp_hash = calloc(CAP_TCP_HASH, sizeof *a->tcp_hash);
    if (!a->udp_hash || !a->tcp_hash) {
        cap_analysis_free(a);
        return NULL;
    }
    return a;
}

void cap_analysis_free(struct cap_analysis *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n_convs; i++)
        conv_free(a->convs[i]);
    if (a->udp_hash)
        for (size_t i = 0; i < CAP_UDP_HASH; i++) {
            struct cap_udp_flow *f = a->udp_hash[i];
            while (f) {
                struct cap_udp_flow *n = f->next;
                free(f);
                f = n;
            }
        }
    struct cap_tcpconn *c = a->tcp_list;
    while (c) {
        struct cap_tcpconn *n = c->lnext;
        tcpconn_release(c);
        free(c);
        c = n;
    }
    free(a->udp_hash);
    free(a->tcp_hash);
    free(a);
}

void cap_analysis_packet(struct cap_analysis *a, uint64_t ts_us, const uint8_t *data, size_t caplen,
                         size_t len)
{
    if (a->finished)
        return;
    if (!a->have_first) {
        a->have_first = true;
        a->first_ts_us = ts_us;
    }
    /* relative time; a clock stepping backwards counts as no time passing */
    uint64_t t = ts_us > a->first_ts_us ? ts_us - a->first_ts_us : 0;
    if (t < a->last_us)
        t = a->last_us;
    a->last_us = t;
    a->packets++;
    a->bytes += len;
    if (caplen < len)
        a->truncated++;
    struct cap_pkt p;
    int e = cap_decode(a->linktype, data, caplen, len, &p);
    if (e == -ENOENT) {
        a->other_packets++;
        return;
    }
    if (e) {
        a->malformed++;
        return;
    }
    a->ip_packets++;
    if (p.fragment)
        a->fragments++;
    if (p.proto == CAP_PROTO_TCP) {
        a->tcp_packets++;
        on_tcp(a, &p, t);
    } else {
        a->udp_packets++;
        on_udp(a, &p, t);
    }
}

size_t cap_analysis_udp_flows(const struct cap_analysis *a, const struct cap_udp_flow **out,
                              size_t max)
{
    size_t n = 0;
    for (size_t h = 0; h < CAP_UDP_HASH && n < max; h++)
        for (const struct cap_udp_flow *f = a->udp_hash[h]; f && n < max; f = f->next)
            out[n++] = f;
    return n;
}

/* ---- matching UDP flows to SETUPs ---- */

static void match_udp(struct cap_analysis *a, struct cap_conv *v, struct cap_setup *s)
{
    const struct cap_exchange *x = &v->ex[s->exchange];
    const struct cap_transport *rq = &x->req_transport, *rs = &x->resp_transport;
    uint16_t cp[2] = {0, 0}, sp[2] = {0, 0}, mp[2] = {0, 0};
    bool has_cp = false, has_sp = false, has_mp = false;
    if (rs->parsed && rs->has_client_port)
        memcpy(cp, rs->client_port, sizeof cp), has_cp = true;
    else if (rq->parsed && rq->has_client_port)
        memcpy(cp, rq->client_port, sizeof cp), has_cp = true;
    if (rs->parsed && rs->has_server_port)
        memcpy(sp, rs->server_port, sizeof sp), has_sp = true;
    if (rs->parsed && rs->has_port)
        memcpy(mp, rs->port, sizeof mp), has_mp = true;
    bool record = v->record || (rq->parsed && rq->record);
    struct cap_addr group = {0};
    bool has_group = s->multicast && rs->destination[0] &&
                     cap_addr_parse(rs->destination, strlen(rs->destination), &group) == 0;
    /* play: media goes server -> client; record: client -> server */
    const struct cap_addr *to = record ? &v->server : &v->client;
    const struct cap_addr *from = record ? &v->client : &v->server;
    uint16_t *to_p = record ? sp : cp, *from_p = record ? cp : sp;
    bool has_to = record ? has_sp : has_cp, has_from = record ? has_cp : has_sp;
    /* tier of a flow in the media direction: 1 at the receiving end or no
     * NAT, 2 receiver's port rewritten, 3 receiver's address rewritten; the
     * best tier present wins (another viewer of the same server port must not
     * count as this one behind a NAT) */
    int best = 4;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t h = 0; h < CAP_UDP_HASH; h++) {
            for (struct cap_udp_flow *f = a->udp_hash[h]; f; f = f->next) {
                int tier = 0;
                bool rev = false;
                if (s->multicast) {
                    uint16_t port = has_mp ? mp[0] : cp[0];
                    bool port_ok = (has_mp || has_cp) && (f->dport == port || f->dport == port + 1);
                    if (port_ok &&
                        (has_group ? cap_addr_eq(&f->dst, &group) : cap_addr_is_multicast(&f->dst)))
                        tier = 1;
                } else {
                    for (int k = 0; k < 2; k++) {
                        bool tp = has_to && f->dport == to_p[k];
                        bool fp = has_from && f->sport == from_p[k];
                        bool ta = cap_addr_eq(&f->dst, to), fa = cap_addr_eq(&f->src, from);
                        int t = 0;
                        if (tp && ta && (fp || !has_from || fa))
                            t = 1;
                        else if (fp && fa && ta)
                            t = 2;
                        else if (tp && fa && fp)
                            t = 3;
                        if (t && (!tier || t < tier))
                            tier = t;
                    }
                    for (int k = 0; k < 2 && !tier && !rev; k++) {
                        bool tp = has_from && f->dport == from_p[k];
                        bool fp = has_to && f->sport == to_p[k];
                        bool ta = cap_addr_eq(&f->dst, from), fa = cap_addr_eq(&f->src, to);
                        if ((tp && ta && (fp || fa)) || (fp && fa && (tp || ta)))
                            rev = true;
                    }
                }
                if (pass == 0) {
                    if (tier && tier < best)
                        best = tier;
                    continue;
                }
                if (tier && tier == best) {
                    cap_media_sum(&s->media, &f->m);
                    s->media_flows++;
                    s->addr_differs |= tier > 1;
                    f->matched = true;
                } else if (rev) {
                    cap_media_sum(&s->back, &f->m);
                    f->matched = true;
                }
            }
        }
    }
}

static void match_interleaved(struct cap_conv *v, struct cap_setup *s)
{
    const struct cap_exchange *x = &v->ex[s->exchange];
    const struct cap_transport *t = x->resp_transport.parsed && x->resp_transport.has_interleaved
                                        ? &x->resp_transport
                                        : &x->req_transport;
    if (!t->parsed || !t->has_interleaved)
        return;
    bool record = v->record || t->record;
    for (int k = 0; k < 2; k++) {
        uint8_t chn = t->interleaved[k];
        if (k == 1 && t->interleaved[1] == t->interleaved[0])
            break;
        const struct cap_channel *c = chan_get(v, !record, chn, false);
        if (c)
            cap_media_sum(&s->media, &c->m);
        c = chan_get(v, record, chn, false);
        if (c)
            cap_media_sum(&s->back, &c->m);
    }
}

static bool channel_claimed(const struct cap_conv *v, uint8_t ch)
{
    for (size_t i = 0; i < v->n_setups; i++) {
        const struct cap_exchange *x = &v->ex[v->setups[i].exchange];
        const struct cap_transport *t =
            x->resp_transport.parsed && x->resp_transport.has_interleaved ? &x->resp_transport
                                                                          : &x->req_transport;
        if (t->parsed && t->has_interleaved && (t->interleaved[0] == ch || t->interleaved[1] == ch))
            return true;
    }
    return false;
}

void cap_analysis_finish(struct cap_analysis *a)
{
    if (a->finished)
        return;
    for (struct cap_tcpconn *c = a->tcp_list; c; c = c->lnext) {
        for (int ep = 0; ep < 2; ep++) {
            struct deliver_ctx x = {a, c, ep, a->last_us};
            cap_tcp_flush(&c->dir[ep], deliver, &x);
        }
        tcpconn_release(c);
    }
    a->finished = true;
    for (size_t i = 0; i < a->n_convs; i++) {
        struct cap_conv *v = a->convs[i];
        for (size_t k = 0; k < v->n_setups; k++) {
            struct cap_setup *s = &v->setups[k];
            /* the track whose control URL ends the SETUP URI, else by order */
            s->track = k < v->n_tracks ? (int)k : -1;
            for (size_t t = 0; t < v->n_tracks; t++) {
                size_t cl = strlen(v->tracks[t].control), ul = strlen(s->control);
                if (cl && ul >= cl && !strcmp(s->control + ul - cl, v->tracks[t].control)) {
                    s->track = (int)t;
                    break;
                }
            }
            s->clock_rate = s->track >= 0 ? v->tracks[s->track].clock_rate : 0;
            if (s->tcp)
                match_interleaved(v, s);
            else if (s->udp)
                match_udp(a, v, s);
        }
        v->delivered = cap_conv_verdict(v, a->last_us, v->verdict, sizeof v->verdict, v->advice,
                                        sizeof v->advice);
        if (v->delivered)
            a->any_delivered = true;
    }
}

/* ---- verdict ---- */

struct out {
    char *p;
    size_t cap, n;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
    if (o->n >= o->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(o->p + o->n, o->cap - o->n, fmt, ap);
    va_end(ap);
    if (w > 0)
        o->n = o->n + (size_t)w < o->cap ? o->n + (size_t)w : o->cap - 1;
}

static void sentence(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sentence(struct out *o, const char *fmt, ...)
{
    if (o->n)
        put(o, " ");
    if (o->n >= o->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(o->p + o->n, o->cap - o->n, fmt, ap);
    va_end(ap);
    if (w > 0)
        o->n = o->n + (size_t)w < o->cap ? o->n + (size_t)w : o->cap - 1;
}

/* The URL for advice lines, without user:password@ */
static void advice_url(const struct cap_conv *c, char *out, size_t cap)
{
    const char *in = c->url[0] ? c->url : "URL";
    const char *s = strstr(in, "://");
    const char *at = s ? strchr(s + 3, '@') : NULL;
    const char *slash = s ? strchr(s + 3, '/') : NULL;
    if (at && (!slash || at < slash))
        snprintf(out, cap, "%.*s%s", (int)(s + 3 - in), in, at + 1);
    else
        snprintf(out, cap, "%s", in);
}

static const struct cap_exchange *answer_of(const struct cap_conv *c, enum rtsp_method m,
                                            bool ok_only)
{
    const struct cap_exchange *last = NULL;
    for (size_t i = 0; i < c->n_ex; i++) {
        const struct cap_exchange *x = &c->ex[i];
        if (x->method != m || !x->answered || x->status == 401)
            continue;
        if (ok_only && (x->status < 200 || x->status >= 300))
            continue;
        last = x;
    }
    return last;
}

static void ports_str(char *out, size_t cap, bool has, const uint16_t p[2])
{
    if (!has)
        snprintf(out, cap, "?");
    else if (p[1] != p[0])
        snprintf(out, cap, "%u-%u", p[0], p[1]);
    else
        snprintf(out, cap, "%u", p[0]);
}

bool cap_conv_verdict(const struct cap_conv *c, uint64_t end_us, char *vbuf, size_t vcap,
                      char *abuf, size_t acap)
{
    struct out v = {vbuf, vcap, 0}, adv = {abuf, acap, 0};
    vbuf[0] = abuf[0] = 0;
    char url[300];
    advice_url(c, url, sizeof url);
    bool delivered = false;
    /* advice priority: 3 auth, 2 transport refused/dropped, 1 nothing sent, 0 fine */
    int level = -1;
#define ADVISE(lvl, ...)                                                                           \
    do {                                                                                           \
        if ((lvl) > level) {                                                                       \
            level = (lvl);                                                                         \
            adv.n = 0;                                                                             \
            abuf[0] = 0;                                                                           \
            put(&adv, __VA_ARGS__);                                                                \
        }                                                                                          \
    } while (0)

    /* authentication */
    const struct cap_exchange *first401 = NULL;
    for (size_t i = 0; i < c->n_ex && !first401; i++)
        if (c->ex[i].answered && c->ex[i].status == 401)
            first401 = &c->ex[i];
    if (first401) {
        const char *offered = first401->www_authenticate[0] ? first401->www_authenticate : "?";
        const struct cap_exchange *retry = NULL;
        for (const struct cap_exchange *x = first401 + 1; x < c->ex + c->n_ex; x++)
            if (x->has_request && x->authorization[0]) {
                retry = x;
                if (x->answered && x->status != 401)
                    break;
            }
        if (!retry) {
            sentence(&v, "401 (%s offered), the client never sent credentials.", offered);
            ADVISE(3, "Give the user and password: ffmpeg -i rtsp://USER:PASSWORD@%s",
                   strstr(url, "://") ? strstr(url, "://") + 3 : url);
        } else if (!retry->answered) {
            sentence(&v, "401 (%s offered), then %s credentials sent, no answer in the capture.",
                     offered, retry->authorization);
        } else if (retry->status == 401) {
            sentence(&v, "401 (%s offered), then %s refused (401 again): wrong user or password.",
                     offered, retry->authorization);
            ADVISE(3, "Check the user name and password (and that the camera account may "
                      "stream).");
        } else {
            sentence(&v, "401 then %s accepted.", retry->authorization);
        }
    }

    /* DESCRIBE */
    const struct cap_exchange *desc = answer_of(c, RTSP_METHOD_DESCRIBE, false);
    if (desc && (desc->status < 200 || desc->status >= 300)) {
        sentence(&v, "DESCRIBE answered %d %s.", desc->status, desc->reason);
        if (desc->status == 404)
            ADVISE(2, "Check the path of the URL (%s).", url);
        else
            ADVISE(2,
                   "The server refused DESCRIBE: check the URL (%s) and the camera's "
                   "stream settings.",
                   url);
    }

    /* SETUPs that failed */
    for (size_t i = 0; i < c->n_setups; i++) {
        const struct cap_setup *s = &c->setups[i];
        const struct cap_exchange *x = &c->ex[s->exchange];
        if (!x->answered || (x->status >= 200 && x->status < 300))
            continue;
        bool offered_tcp = x->req_transport.parsed && x->req_transport.tcp;
        const char *prof = x->req_transport.text[0] ? x->req_transport.text : "?";
        char pt[64];
        snprintf(pt, sizeof pt, "%.*s", (int)strcspn(prof, ";,"), prof);
        if (x->status == 461) {
            sentence(&v, "SETUP %s answered 461 %s: the server refuses %s.", pt, x->reason,
                     offered_tcp ? "interleaved (TCP)" : "RTP over UDP");
            if (offered_tcp)
                ADVISE(2,
                       "461: the camera refuses interleaved, use UDP: ffmpeg -rtsp_transport udp "
                       "-i %s (UDP must reach this host: same network, or forward the ports)",
                       url);
            else
                ADVISE(2,
                       "461: the server refuses UDP, use TCP interleaved: ffmpeg "
                       "-rtsp_transport tcp -i %s",
                       url);
        } else {
            sentence(&v, "SETUP %s answered %d %s.", pt, x->status, x->reason);
            ADVISE(2,
                   "The server refused SETUP (%d): check the URL (%s) and the camera's "
                   "settings.",
                   x->status, url);
        }
    }

    /* PLAY / RECORD */
    bool any_ok_setup = false;
    for (size_t i = 0; i < c->n_setups; i++)
        any_ok_setup |= c->setups[i].answered_ok;
    const char *verb = c->record ? "RECORD" : "PLAY";
    bool playing = c->play_status >= 200 && c->play_status < 300;
    /* the session's end: its TEARDOWN, else the end of the capture */
    for (size_t i = 0; i < c->n_ex; i++)
        if (c->ex[i].has_request && c->ex[i].method == RTSP_METHOD_TEARDOWN &&
            c->ex[i].req_us > c->play_us && c->ex[i].req_us < end_us)
            end_us = c->ex[i].req_us;
    double secs = playing && end_us > c->play_us ? (double)(end_us - c->play_us) / 1e6 : 0;
    if (c->play_status && !playing)
        sentence(&v, "%s answered %d.", verb, c->play_status);

    /* media per transport kind */
    for (int kind = 0; kind < 3; kind++) { /* 0 UDP unicast, 1 interleaved, 2 multicast */
        struct cap_media sum, back;
        memset(&sum, 0, sizeof sum);
        memset(&back, 0, sizeof back);
        size_t n = 0;
        bool differs = false;
        const struct cap_setup *first = NULL;
        for (size_t i = 0; i < c->n_setups; i++) {
            const struct cap_setup *s = &c->setups[i];
            int k = s->tcp ? 1 : s->multicast ? 2 : s->udp ? 0 : -1;
            if (k != kind || !s->answered_ok)
                continue;
            if (!first)
                first = s;
            n++;
            cap_media_sum(&sum, &s->media);
            cap_media_sum(&back, &s->back);
            differs |= s->addr_differs;
        }
        if (!n)
            continue;
        const struct cap_exchange *fx = &c->ex[first->exchange];
        const struct cap_transport *rs = &fx->resp_transport, *rq = &fx->req_transport;
        char tp[24], sp[24];
        const char *title = kind == 0                    ? "RTP/UDP"
                            : kind == 2                  ? "multicast"
                            : c->kind == CAP_CONV_TUNNEL ? "interleaved (HTTP tunnel)"
                                                         : "interleaved";
        if (sum.rx.packets > 0) {
            delivered = true;
            sentence(
                &v, "%s: %zu track%s, %llu RTP packets, %.2f Mbit/s", title, n, n == 1 ? "" : "s",
                (unsigned long long)sum.rx.packets,
                (double)sum.rx.bytes * 8 / 1e6 /
                    (sum.last_us > sum.first_us ? (double)(sum.last_us - sum.first_us) / 1e6 : 1));
            /* fps of the first video track */
            for (size_t i = 0; i < c->n_setups; i++) {
                const struct cap_setup *s = &c->setups[i];
                int k = s->tcp ? 1 : s->multicast ? 2 : s->udp ? 0 : -1;
                if (k == kind && s->track >= 0 && !strcmp(c->tracks[s->track].media, "video") &&
                    s->answered_ok && cap_media_fps(&s->media, s->clock_rate) > 0) {
                    put(&v, ", %.0f fps", cap_media_fps(&s->media, s->clock_rate));
                    break;
                }
            }
            uint64_t lost = cap_media_lost(&sum);
            put(&v, ", lost %llu, reordered %llu, RTCP SR %s", (unsigned long long)lost,
                (unsigned long long)sum.rx.reordered, sum.rtcp_sr ? "yes" : "no");
            if (differs)
                put(&v, " (matched by port: addresses differ from the RTSP connection's, NAT)");
            put(&v, ": stream OK.");
            ADVISE(0,
                   kind == 1   ? "Media flowed over TCP interleaved: nothing to change."
                   : c->record ? "Media flowed over %s. Across NATs and firewalls prefer TCP: "
                                 "ffmpeg ... -f rtsp -rtsp_transport tcp %s"
                               : "Media flowed over %s. Across NATs and firewalls prefer TCP: "
                                 "ffmpeg -rtsp_transport tcp -i %s",
                   title, url);
            continue;
        }
        if (!playing) {
            sentence(&v,
                     "%s: SETUP answered %d, no %s answered 200 in the capture, 0 RTP "
                     "packets.",
                     title, fx->status, verb);
            ADVISE(1,
                   "The capture has no successful %s: capture the whole session, from the "
                   "client's first request.",
                   verb);
            continue;
        }
        if (kind == 0) {
            ports_str(sp, sizeof sp, rs->has_server_port, rs->server_port);
            bool cp_has = rs->has_client_port || rq->has_client_port;
            const uint16_t *cpp = rs->has_client_port ? rs->client_port : rq->client_port;
            snprintf(tp, sizeof tp, "%u", cp_has ? cpp[0] : 0);
            if (c->record)
                sentence(&v,
                         "RTP/UDP: SETUP answered 200 with server_port %s, RECORD 200, 0 RTP "
                         "packets to server port %s in %.1f s",
                         sp, sp, secs);
            else
                sentence(&v,
                         "RTP/UDP: SETUP answered 200 with server_port %s, PLAY 200, 0 RTP "
                         "packets to client port %s in %.1f s",
                         sp, tp, secs);
            if (back.datagrams)
                put(&v, " (the %s sent %llu packets to the %s ports, none came back)",
                    c->record ? "server" : "client", (unsigned long long)back.datagrams,
                    c->record ? "client's" : "server's");
            put(&v, " - a NAT or firewall drops the negotiated UDP ports.");
            if (c->record)
                ADVISE(2, "Publish over TCP interleaved: ffmpeg ... -f rtsp -rtsp_transport tcp %s",
                       url);
            else
                ADVISE(2, "Use TCP interleaved: ffmpeg -rtsp_transport tcp -i %s", url);
        } else if (kind == 2) {
            ports_str(sp, sizeof sp, rs->has_port, rs->port);
            sentence(&v,
                     "multicast: SETUP answered 200 with group %s port %s, %s 200, 0 RTP "
                     "packets in %.1f s - the group does not reach the capture point.",
                     rs->destination[0] ? rs->destination : "?", sp, verb, secs);
            ADVISE(2,
                   "Multicast is not routed here (IGMP snooping, router, or a different "
                   "network): use TCP interleaved: ffmpeg -rtsp_transport tcp -i %s",
                   url);
        } else {
            const struct cap_transport *t = rs->has_interleaved ? rs : rq;
            sentence(&v,
                     "interleaved: SETUP answered 200 (channels %u-%u), %s 200, 0 RTP packets "
                     "in %.1f s - the server sends nothing.",
                     t->interleaved[0], t->interleaved[1], verb, secs);
            ADVISE(1, "The server accepted the session but sent no media: check that the "
                      "camera's stream (or the server's source for this path) is live.");
        }
    }

    /* a capture that began after SETUP: interleaved channels nobody claimed */
    if (!c->n_setups || !any_ok_setup) {
        struct cap_media sum;
        memset(&sum, 0, sizeof sum);
        unsigned nch = 0;
        for (size_t i = 0; i < c->n_chans; i++) {
            if (channel_claimed(c, c->chans[i].channel))
                continue;
            if (c->chans[i].m.rx.packets)
                nch++;
            cap_media_sum(&sum, &c->chans[i].m);
        }
        if (sum.rx.packets) {
            delivered = true;
            sentence(&v,
                     "No SETUP in the capture (it began mid-session); interleaved RTP on %u "
                     "channel%s: %llu packets, %.2f Mbit/s, lost %llu: media flowed.",
                     nch, nch == 1 ? "" : "s", (unsigned long long)sum.rx.packets,
                     cap_media_kbps(&sum) / 1000, (unsigned long long)cap_media_lost(&sum));
            ADVISE(0, "Media flowed over TCP interleaved: nothing to change.");
        }
    }

    if (!c->n_setups && !delivered && !v.n) {
        const struct cap_exchange *o = answer_of(c, RTSP_METHOD_OPTIONS, false);
        sentence(&v, "No SETUP in the capture%s.",
                 o || desc ? " (the client stopped before it)" : "");
        ADVISE(1, "No media was negotiated: capture the whole session, from the client's "
                  "first request to PLAY.");
    }
    if (!delivered && level < 1)
        ADVISE(1, "No media flowed in this conversation.");
#undef ADVISE
    return delivered;
}
