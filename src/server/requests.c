/* RTSP methods as the server answers them to viewers. */
#include <errno.h>
#include <event2/event.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/sv.h"
#include "hub/stream.h"
#include "rtp/rtcp.h"
#include "rtsp/auth.h"
#include "rtsp/transport.h"
#include "sdp/sdp.h"
#include "server/internal.h"
#include "session/srv_proto.h"

void reply_error(struct req *r, int status)
{
    if (srv_error_response(r->out, status, r->has_cseq, r->cseq, r->date, SV_NULL))
        conn_close(r->c, "error");
}

static void log_request(struct conn *c, const struct rtsp_msg *m, int status)
{
    if (log_enabled(LOG_VERBOSE))
        log_verbose("%s %.*s %.*s -> %d %s", c->peer_str, SV_ARG(m->method_name), SV_ARG(m->uri),
                    status, rtsp_reason(status));
}

/* Base URL of the presentation as the client named it, without trailing '/'
 * and without a track suffix. */
static void presentation_url(struct sv uri, int track, char *dst, size_t size)
{
    struct sv u = uri;
    long q = sv_find_char(u, '?');
    if (q >= 0)
        u.n = (size_t)q;
    while (u.n && u.p[u.n - 1] == '/')
        u.n--;
    if (track >= 0) {
        while (u.n && u.p[u.n - 1] != '/')
            u.n--;
        while (u.n && u.p[u.n - 1] == '/')
            u.n--;
    }
    if (sv_to_cstr(u, dst, size))
        dst[0] = 0;
}

static int do_options(struct req *r)
{
    int e = srv_response_begin(r->out, 200, r->has_cseq, r->cseq, r->date);
    if (!e)
        e = buf_printf(r->out, "Public: %s\r\n", SRV_PUBLIC);
    if (!e)
        e = srv_response_end(r->out, NULL, NULL, 0);
    return e ? 500 : 200;
}

static int do_describe(struct req *r, struct path *p)
{
    struct hub_stream *st = p->stream;
    size_t nt = hub_stream_n_tracks(st);
    if (!nt)
        return 503;
    struct sdp_out_media media[RTSP_MAX_TRACKS];
    char controls[RTSP_MAX_TRACKS][16];
    for (size_t t = 0; t < nt; t++) {
        const struct hub_track_info *ti = hub_stream_track(st, t);
        str_fmt(controls[t], sizeof controls[t], "trackID=%zu", t);
        media[t] = (struct sdp_out_media){
            .media = ti->media,
            .pt = ti->pt,
            .rtpmap = ti->rtpmap[0] ? ti->rtpmap : NULL,
            .fmtp = ti->fmtp[0] ? ti->fmtp : NULL,
            .control = controls[t],
            .extra = ti->extra[0] ? ti->extra : NULL,
        };
    }
    char origin[NET_ADDR_STRLEN];
    net_addr_ip_str(&r->c->local, origin, sizeof origin);
    struct sdp_out_session ss = {
        .session_id = (uint64_t)(uintptr_t)p ^ 0x5eed,
        .origin_addr = origin,
        .name = p->conf.name,
        .tool = SRV_SERVER_NAME,
        .range = "npt=now-",
        .control = "*",
    };
    struct buf sdp;
    buf_init(&sdp, RTSP_MAX_BODY_BYTES);
    int e = sdp_write(&sdp, &ss, media, nt);
    char base[RTSP_MAX_URL_BYTES + 2];
    presentation_url(r->m->uri, -1, base, sizeof base);
    if (!e)
        e = srv_response_begin(r->out, 200, r->has_cseq, r->cseq, r->date);
    if (!e)
        e = buf_printf(r->out, "Content-Base: %s/\r\n", base);
    if (!e)
        e = srv_response_end(r->out, "application/sdp", sdp.data, sdp.len);
    buf_free(&sdp);
    return e ? 500 : 200;
}

struct session *req_session(struct req *r, int *status)
{
    struct sv v = rtsp_msg_header(r->m, "Session");
    if (!v.p) {
        *status = 454;
        return NULL;
    }
    struct rtsp_session_hdr sh;
    if (rtsp_parse_session(v, &sh)) {
        *status = 400;
        return NULL;
    }
    struct session *s = session_find(r->c->srv, sh.id);
    if (!s) {
        *status = 454;
        return NULL;
    }
    s->last_seen_us = clock_mono_us();
    if (!s->conn && s->kind != T_TCP) { /* a UDP session's new control connection */
        s->conn = r->c;
        r->c->n_sessions++;
    }
    return s;
}

/* The Transport alternative to use, or the status to answer. */
int req_pick_transport(struct req *r, bool record, struct rtsp_transport *out)
{
    struct sv tv = rtsp_msg_header(r->m, "Transport");
    if (!tv.p)
        return 461;
    struct rtsp_transport alts[RTSP_MAX_TRANSPORT_ALTERNATIVES];
    size_t na = 0;
    int e = rtsp_transport_parse(tv, alts, RTSP_MAX_TRANSPORT_ALTERNATIVES, &na);
    if (e == -EPROTO)
        return 400;
    if (e == -EMSGSIZE)
        na = RTSP_MAX_TRANSPORT_ALTERNATIVES;
    else if (e)
        return 461;
    struct srv_transport_caps caps = {
        .udp = true, .tcp = true, .record = record, .multicast = r->c->srv->conf.mcast_prefix != 0};
    int pick = srv_pick_transport(alts, na, &caps);
    if (pick < 0)
        return 461;
    *out = alts[pick];
    return 0;
}

/* UDP for one track: the path's port pair, media to (or from) the address
 * the request came from — never a third party named in "destination". */
int req_setup_udp(struct req *r, struct path *p, int track, struct sess_track *st,
                  struct rtsp_transport *tr)
{
    if (path_udp_open(p, (size_t)track, &r->c->local))
        return 500;
    st->rtp_to = r->c->peer;
    net_addr_set_port(&st->rtp_to, tr->client_port[0]);
    st->rtcp_to = r->c->peer;
    net_addr_set_port(&st->rtcp_to, tr->client_port[1]);
    tr->has_server_port = true;
    tr->server_port[0] = p->udp[track].port;
    tr->server_port[1] = (uint16_t)(p->udp[track].port + 1);
    tr->destination = SV_NULL;
    tr->source = SV_NULL;
    return 0;
}

/* 200 with the Transport answer (when tr) and the Session header. */
int req_reply_session(struct req *r, const struct session *s, const struct rtsp_transport *tr)
{
    int e = srv_response_begin(r->out, 200, r->has_cseq, r->cseq, r->date);
    if (!e && tr)
        e = buf_append_str(r->out, "Transport: ");
    if (!e && tr)
        e = rtsp_transport_format(tr, r->out);
    if (!e && tr)
        e = buf_append_str(r->out, "\r\n");
    if (!e)
        e = buf_printf(r->out, "Session: %s;timeout=%u\r\n", s->id,
                       r->c->srv->conf.session_timeout_s);
    if (!e)
        e = srv_response_end(r->out, NULL, NULL, 0);
    return e ? 500 : 200;
}

static int do_setup(struct req *r, struct path *p, int track)
{
    struct conn *c = r->c;
    struct server *srv = c->srv;
    size_t nt = hub_stream_n_tracks(p->stream);
    if (!nt)
        return 503;
    if (track < 0) {
        if (nt != 1)
            return 459;
        track = 0;
    }
    if ((size_t)track >= nt)
        return 404;
    struct rtsp_transport tr;
    int e = req_pick_transport(r, false, &tr);
    if (e)
        return e;
    enum tkind kind = tr.multicast ? T_MCAST : tr.lower == RTSP_LOWER_TCP ? T_TCP : T_UDP;
    char group[16] = "";
    struct net_addr gaddr;
    if (kind == T_MCAST) {
        /* one group and port pair per path and track, shared by all viewers */
        uint32_t idx = (uint32_t)(p - srv->paths) * RTSP_MAX_TRACKS + (uint32_t)track;
        uint32_t size = srv->conf.mcast_prefix >= 32 ? 1 : 1u << (32 - srv->conf.mcast_prefix);
        uint32_t port = srv->conf.mcast_port + 2 * idx;
        if (idx + 2 >= size || port > 65534) {
            log_warn("path %s: multicast_range/multicast_port too small for track %d", p->conf.name,
                     track);
            return 453;
        }
        net_ipv4_str(srv->conf.mcast_net + 1 + idx, group, sizeof group);
        char gs[64];
        str_fmt(gs, sizeof gs, "%s:%u", group, port);
        if (net_addr_parse(gs, 0, &gaddr) || path_udp_open(p, (size_t)track, &c->local))
            return 500;
        int e2 = net_udp_set_multicast(p->udp[track].rtp_fd, srv->conf.mcast_ttl);
        if (!e2)
            e2 = net_udp_set_multicast(p->udp[track].rtcp_fd, srv->conf.mcast_ttl);
        if (e2) {
            log_warn("path %s: cannot send multicast: %s", p->conf.name, strerror(-e2));
            return 500;
        }
    }

    struct session *s = NULL;
    bool created = false;
    if (rtsp_msg_header(r->m, "Session").p) {
        int st;
        s = req_session(r, &st);
        if (!s)
            return st;
        if (s->path != p)
            return 459;
        if (s->kind != T_NONE && s->kind != kind)
            return 461;
        if (s->playing)
            return 455;
        if (kind == T_TCP && s->conn != c)
            return 455;
    } else {
        if (c->n_sessions >= srv->conf.max_sessions_per_conn)
            return 453;
        if (kind == T_TCP && c->tcp_sess)
            return 455;
        s = session_new(c, p);
        if (!s)
            return 500;
        created = true;
    }
    struct sess_track *st = &s->tr[track];
    if (kind == T_TCP) {
        uint8_t ch0;
        if (tr.has_interleaved) {
            ch0 = tr.interleaved[0];
        } else {
            ch0 = (uint8_t)(2 * track); /* assign; avoid clashes below */
        }
        uint8_t ch1 = tr.has_interleaved ? tr.interleaved[1] : (uint8_t)(ch0 + 1);
        for (size_t t = 0; t < RTSP_MAX_TRACKS; t++) {
            if ((int)t == track || !s->tr[t].setup)
                continue;
            if (s->tr[t].ch[0] == ch0 || s->tr[t].ch[1] == ch0 || s->tr[t].ch[0] == ch1 ||
                s->tr[t].ch[1] == ch1) {
                if (tr.has_interleaved) {
                    if (created)
                        session_close(s, "error");
                    return 461;
                }
                ch0 = (uint8_t)(ch0 + 2);
                ch1 = (uint8_t)(ch0 + 1);
                t = (size_t)-1; /* re-check from the start */
            }
        }
        st->ch[0] = ch0;
        st->ch[1] = ch1;
        tr.has_interleaved = true;
        tr.interleaved[0] = ch0;
        tr.interleaved[1] = ch1;
        c->tcp_sess = s;
    } else if (kind == T_MCAST) {
        st->rtp_to = gaddr;
        st->rtcp_to = gaddr;
        net_addr_set_port(&st->rtcp_to, (uint16_t)(net_addr_port(&gaddr) + 1));
        struct sess_track *mt = &p->mcast.tr[track];
        mt->rtp_to = st->rtp_to;
        mt->rtcp_to = st->rtcp_to;
        mt->setup = true;
        memset(&tr, 0, sizeof tr);
        tr.profile = RTSP_PROFILE_RTP_AVP;
        tr.lower = RTSP_LOWER_UDP;
        tr.multicast = true;
        tr.destination = sv_from_cstr(group);
        tr.has_port = true;
        tr.port[0] = net_addr_port(&gaddr);
        tr.port[1] = (uint16_t)(tr.port[0] + 1);
        tr.has_ttl = true;
        tr.ttl = srv->conf.mcast_ttl;
    } else if (req_setup_udp(r, p, track, st, &tr)) {
        if (created)
            session_close(s, "error");
        return 500;
    }
    if (kind != T_MCAST)
        tr.multicast = false;
    tr.has_ssrc = true;
    tr.ssrc = hub_stream_ssrc(p->stream, (size_t)track);
    tr.mode = RTSP_TMODE_PLAY;
    st->setup = true;
    if (s->kind == T_NONE) {
        s->kind = kind;
        log_info("session %s opened: peer=%s path=%s transport=%s", s->id, s->peer, p->conf.name,
                 tkind_name[kind]);
    }
    return req_reply_session(r, s, &tr);
}

static int do_play(struct req *r, struct path *p, int track)
{
    int st;
    struct session *s = req_session(r, &st);
    if (!s)
        return st;
    if (s->path != p)
        return 459;
    size_t nt = hub_stream_n_tracks(p->stream);
    bool any = false;
    for (size_t t = 0; t < nt; t++)
        any |= s->tr[t].setup;
    if (!any)
        return 455;
    uint64_t now = clock_mono_us();
    struct hub_sub *info_sub = &s->sub;
    if (s->kind == T_MCAST) {
        info_sub = &p->mcast.sub;
        if (!s->playing) {
            s->playing = true;
            if (p->mcast_viewers++ == 0) {
                struct session *m = &p->mcast;
                m->srv = s->srv;
                m->path = p;
                m->kind = T_UDP;
                m->packets = m->bytes = 0;
                str_copy(m->id, sizeof m->id, "multicast");
                hub_sub_attach(p->stream, &m->sub, &udp_sub_ops, m, p->conf.low_latency);
                m->udp_next = p->udp_play;
                if (p->udp_play)
                    p->udp_play->udp_pprev = &m->udp_next;
                m->udp_pprev = &p->udp_play;
                p->udp_play = m;
                m->playing = true;
                m->next_sr_us = now + 500000;
                log_info("path %s: multicast started", p->conf.name);
            }
        }
    } else if (!s->playing) {
        bool low = p->conf.low_latency;
        if (s->kind == T_TCP) {
            hub_sub_attach(p->stream, &s->sub, &tcp_sub_ops, s, low);
        } else {
            hub_sub_attach(p->stream, &s->sub, &udp_sub_ops, s, low);
            s->udp_next = p->udp_play;
            if (p->udp_play)
                p->udp_play->udp_pprev = &s->udp_next;
            s->udp_pprev = &p->udp_play;
            p->udp_play = s;
        }
        s->playing = true;
        s->next_sr_us = now + 500000;
    }
    char base[RTSP_MAX_URL_BYTES + 2];
    presentation_url(r->m->uri, track, base, sizeof base);
    int e = srv_response_begin(r->out, 200, r->has_cseq, r->cseq, r->date);
    if (!e)
        e = buf_printf(r->out, "Session: %s;timeout=%u\r\nRange: npt=now-\r\nRTP-Info: ", s->id,
                       s->srv->conf.session_timeout_s);
    bool first = true;
    for (size_t t = 0; t < nt && !e; t++) {
        if (!s->tr[t].setup)
            continue;
        uint16_t seq;
        uint32_t rtptime;
        /* seq and rtptime only when known: a stream that just started (no
         * packet of this track in the ring yet) may begin with older
         * timestamps or skip to its first keyframe; the client then takes
         * them from the first packet (and syncs by the sender reports) */
        if (hub_sub_rtp_info(info_sub, t, now, &seq, &rtptime))
            e = buf_printf(r->out, "%surl=%s/trackID=%zu;seq=%u;rtptime=%u", first ? "" : ",", base,
                           t, seq, rtptime);
        else
            e = buf_printf(r->out, "%surl=%s/trackID=%zu", first ? "" : ",", base, t);
        first = false;
    }
    if (!e)
        e = buf_append_str(r->out, "\r\n");
    if (!e)
        e = srv_response_end(r->out, NULL, NULL, 0);
    if (s->kind == T_UDP || s->kind == T_MCAST)
        event_active(p->ev_udp_flush, EV_WRITE, 0);
    return e ? 500 : 200;
}

static int do_session_simple(struct req *r, enum rtsp_method m)
{
    struct session *s = NULL;
    if (rtsp_msg_header(r->m, "Session").p || m == RTSP_METHOD_PAUSE || m == RTSP_METHOD_TEARDOWN) {
        int st;
        s = req_session(r, &st);
        if (!s)
            return st;
    }
    if (m == RTSP_METHOD_SET_PARAMETER && r->m->body.n)
        return 451;
    if (m == RTSP_METHOD_PAUSE)
        session_stop_playing(s);
    int e = srv_response_begin(r->out, 200, r->has_cseq, r->cseq, r->date);
    if (!e && s && m != RTSP_METHOD_TEARDOWN)
        e = buf_printf(r->out, "Session: %s;timeout=%u\r\n", s->id,
                       r->c->srv->conf.session_timeout_s);
    if (!e)
        e = srv_response_end(r->out, NULL, NULL, 0);
    if (m == RTSP_METHOD_TEARDOWN)
        session_close(s, "teardown");
    return e ? 500 : 200;
}

#define AUTH_FAIL_WINDOW_US (60 * 1000000ull)
#define AUTH_FAIL_LIMIT     10 /* failures per address and minute before connections are refused */

static struct auth_fail *fail_slot(struct server *srv, const struct net_addr *ip, bool create)
{
    struct auth_fail *oldest = &srv->fails[0];
    for (size_t i = 0; i < AUTH_FAIL_SLOTS; i++) {
        struct auth_fail *f = &srv->fails[i];
        if (f->count && net_addr_same_ip(&f->ip, ip))
            return f;
        if (f->last_us < oldest->last_us)
            oldest = f;
    }
    if (!create)
        return NULL;
    memset(oldest, 0, sizeof(*oldest));
    oldest->ip = *ip;
    return oldest;
}

bool auth_blocked(struct server *srv, const struct net_addr *ip, uint64_t now_us)
{
    struct auth_fail *f = fail_slot(srv, ip, false);
    if (!f || now_us - f->last_us > AUTH_FAIL_WINDOW_US)
        return false;
    return f->count >= AUTH_FAIL_LIMIT;
}

static bool user_listed(const char *list, const char *name)
{
    struct sv rest = sv_from_cstr(list), item;
    while (rest.n) {
        struct sv after = sv_split(rest, ',', &item);
        item = sv_trim(item);
        if (sv_eq_cstr(item, name) || sv_eq_cstr(item, "*"))
            return true;
        if (!after.p)
            break;
        rest = after;
    }
    return false;
}

/* 0 when the request may go on, else a negative status already answered. */
static int check_auth(struct req *r, struct path *p, bool publish)
{
    struct server *srv = r->c->srv;
    const char *list = publish ? p->conf.publish_users : p->conf.read_users;
    if (!list[0])
        return 0;
    uint64_t now_us = clock_mono_us();
    struct rtsp_auth_server as = {
        .realm = srv->conf.realm,
        .secret = srv->auth_secret,
        .secret_len = sizeof srv->auth_secret,
        .allow_basic = r->c->bev != NULL || srv->conf.allow_basic_plaintext,
    };
    uint64_t now_s = now_us / 1000000u;
    struct sv hv = rtsp_msg_header(r->m, "Authorization");
    enum rtsp_auth_result res = RTSP_AUTH_MISSING;
    const char *who = "";
    if (hv.p) {
        struct rtsp_auth_credentials cr;
        if (rtsp_auth_parse_authorization(hv, &cr)) {
            res = RTSP_AUTH_BAD_SYNTAX;
        } else {
            const struct server_user *su = NULL;
            for (size_t i = 0; i < srv->conf.n_users && !su; i++)
                if (!strcmp(srv->conf.users[i].name, cr.username))
                    su = &srv->conf.users[i];
            if (su && !user_listed(list, su->name))
                su = NULL; /* a known user without rights here: same answer as a wrong one */
            struct rtsp_auth_user u = {0};
            if (su) {
                u.username = su->name;
                u.password = su->password[0] ? su->password : NULL;
                u.ha1_md5 = su->ha1_md5[0] ? su->ha1_md5 : NULL;
                u.ha1_sha256 = su->ha1_sha256[0] ? su->ha1_sha256 : NULL;
            }
            res = rtsp_auth_verify(&as, &cr, r->m->method_name, r->m->uri, su ? &u : NULL, now_s);
            who = su ? su->name : "";
        }
    }
    if (res == RTSP_AUTH_OK)
        return 0;
    if (res != RTSP_AUTH_MISSING && res != RTSP_AUTH_STALE_NONCE) {
        struct auth_fail *f = fail_slot(srv, &r->c->peer, true);
        if (now_us - f->last_us > AUTH_FAIL_WINDOW_US)
            f->count = 0;
        f->count++;
        f->last_us = now_us;
        log_warn("%s: %.*s %s refused: authentication failed (%s%s%s), %u failure(s) from this "
                 "address",
                 r->c->peer_str, SV_ARG(r->m->method_name), p->conf.name,
                 rtsp_auth_result_name(res), who[0] ? ", user " : "", who, f->count);
        if (f->count >= AUTH_FAIL_LIMIT) {
            conn_close(r->c, "error");
            return -401;
        }
    }
    int e = srv_response_begin(r->out, 401, r->has_cseq, r->cseq, r->date);
    if (!e)
        e = rtsp_auth_server_challenges(&as, res == RTSP_AUTH_STALE_NONCE, now_s, r->out);
    if (!e)
        e = srv_response_end(r->out, NULL, NULL, 0);
    if (e)
        conn_close(r->c, "error");
    return -401;
}

int handle_request(struct conn *c, const struct rtsp_msg *m)
{
    struct req r = {.c = c, .m = m, .out = &c->out};
    clock_http_date(r.date, sizeof r.date);
    r.has_cseq = rtsp_msg_cseq(m, &r.cseq) == 0;
    int status;
    uint64_t now = clock_mono_us();
    c->requests++;
    c->last_req_us = now;
    if (now - c->rate_window_us >= 1000000u) {
        c->rate_window_us = now;
        c->rate_count = 0;
    }
    if (++c->rate_count > c->srv->conf.max_requests_per_s) {
        if (c->rate_count > 2 * c->srv->conf.max_requests_per_s) {
            log_warn("connection %s: over %u requests per second, closing", c->peer_str,
                     c->srv->conf.max_requests_per_s);
            conn_close(c, "error");
            return 0;
        }
        status = 503;
        goto error;
    }
    if (!r.has_cseq) {
        status = 400;
        goto error;
    }
    struct sv unsup = srv_unsupported_option(m);
    if (unsup.p) {
        status = 551;
        if (srv_error_response(r.out, 551, true, r.cseq, r.date, unsup))
            conn_close(c, "error");
        goto out;
    }
    char pathname[RTSP_MAX_URL_BYTES];
    int track = -1;
    struct path *p = NULL;
    switch (m->method) {
    case RTSP_METHOD_OPTIONS:
        status = do_options(&r);
        goto done;
    case RTSP_METHOD_GET_PARAMETER:
    case RTSP_METHOD_SET_PARAMETER:
    case RTSP_METHOD_PAUSE:
    case RTSP_METHOD_TEARDOWN:
        status = do_session_simple(&r, m->method);
        goto done;
    case RTSP_METHOD_DESCRIBE:
    case RTSP_METHOD_SETUP:
    case RTSP_METHOD_PLAY:
    case RTSP_METHOD_ANNOUNCE:
    case RTSP_METHOD_RECORD:
        break;
    default:
        status = 501;
        goto error;
    }
    if (srv_parse_target(m->uri, pathname, sizeof pathname, &track)) {
        status = 400;
        goto error;
    }
    p = path_find(c->srv, pathname);
    if (!p && m->method == RTSP_METHOD_SETUP) {
        /* a publisher's own control names, e.g. ".../cam/stream=0" */
        char *slash = strrchr(pathname, '/');
        if (slash) {
            *slash = 0;
            p = path_find(c->srv, pathname);
            track = p ? publish_track_for_uri(p, m->uri) : -1;
            if (track < 0)
                p = NULL;
        }
    }
    if (!p) {
        status = 404;
        goto error;
    }
    if (!acl_permits(&p->conf.acl, &c->peer)) {
        log_warn("%s: %.*s %s refused: address not allowed for path %s", c->peer_str,
                 SV_ARG(m->method_name), pathname, pathname);
        status = 403;
        goto error;
    }
    struct session *rec = NULL;
    if (m->method == RTSP_METHOD_SETUP) {
        /* a publisher's SETUP: its session, named or the one on this connection */
        struct sv sid = rtsp_msg_header(m, "Session");
        struct rtsp_session_hdr sh;
        if (sid.p && rtsp_parse_session(sid, &sh) == 0)
            rec = session_find(c->srv, sh.id);
        else if (p->publisher == NULL)
            for (struct session *s = c->srv->sessions; s && !rec; s = s->next)
                if (s->record && s->conn == c && s->path == p)
                    rec = s;
        if (rec && (!rec->record || rec->path != p))
            rec = NULL;
    }
    bool publishing = m->method == RTSP_METHOD_ANNOUNCE || m->method == RTSP_METHOD_RECORD || rec;
    status = check_auth(&r, p, publishing);
    if (status)
        goto done;
    if (!publishing && p->conf.on_demand && p->conf.source[0] && !hub_stream_n_tracks(p->stream)) {
        /* an on-demand source not running (or still starting): start it and
         * let the request wait for its tracks */
        if (c->wait_expired) {
            log_warn("%s: %.*s %s: the on-demand source gave no stream within %u s -> 503",
                     c->peer_str, SV_ARG(m->method_name), p->conf.name,
                     p->conf.on_demand_timeout_s);
            status = 503;
            goto error;
        }
        if (!p->source) {
            char e[256];
            if (path_source_start(p, e, sizeof e)) {
                log_warn("path %s: cannot start the on-demand source: %s", p->conf.name, e);
                status = 503;
                goto error;
            }
            log_info("path %s: first viewer (%s): starting the on-demand source", p->conf.name,
                     c->peer_str);
        }
        c->wait_path = p;
        c->wait_until_us = now + (uint64_t)p->conf.on_demand_timeout_s * 1000000u;
        c->requests--; /* counted again when it is parsed again */
        c->rate_count--;
        return 1;
    }
    if (m->method == RTSP_METHOD_ANNOUNCE) {
        status = track >= 0 ? 404 : do_announce(&r, p);
    } else if (m->method == RTSP_METHOD_RECORD) {
        status = do_record(&r, p);
    } else if (rec) {
        if (track < 0 && p->n_pub == 1)
            track = 0;
        status = do_setup_record(&r, p, rec, track);
    } else if (!p->source && !p->n_pub) {
        status = -404;
        if (srv_error_response_reason(r.out, 404, "Nothing Published Here", r.has_cseq, r.cseq,
                                      r.date))
            conn_close(c, "error");
    } else if (m->method == RTSP_METHOD_DESCRIBE) {
        status = track >= 0 ? 404 : do_describe(&r, p);
    } else if (m->method == RTSP_METHOD_SETUP) {
        status = do_setup(&r, p, track);
    } else {
        status = do_play(&r, p, track);
    }
done:
    if (status == 200 || status < 0)
        goto out;
error:
    reply_error(&r, status);
out:
    log_request(c, m, status < 0 ? -status : status);
    return 0;
}

void handle_frame(struct conn *c, const struct rtsp_frame *f)
{
    struct session *s = c->tcp_sess;
    if (s) {
        for (size_t t = 0; t < RTSP_MAX_TRACKS; t++) {
            if (s->record && s->playing && s->tr[t].setup && f->channel == s->tr[t].ch[0]) {
                uint64_t now = clock_mono_us();
                s->last_seen_us = now;
                publish_packet(s->path, t, f->data, f->len, now);
                return;
            }
            if (s->tr[t].setup && (f->channel == s->tr[t].ch[1] || f->channel == s->tr[t].ch[0])) {
                struct rtcp_info info;
                if (f->channel == s->tr[t].ch[1] && rtcp_parse(f->data, f->len, &info) == 0)
                    s->rtcp_in++;
                s->last_seen_us = clock_mono_us();
                return;
            }
        }
    }
    c->stray_frames++;
    if (c->stray_frames == 1 || log_enabled(LOG_DEBUG))
        log_verbose("connection %s: ignoring interleaved frame on channel %u (not set up)",
                    c->peer_str, f->channel);
}
