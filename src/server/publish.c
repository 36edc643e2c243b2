/* Publishing into a path: ANNOUNCE (SDP), SETUP with mode=record, RECORD,
 * then RTP from the publisher (interleaved or UDP) into the path's hub
 * stream. Viewers of a published path are ordinary hub subscribers; when the
 * publisher leaves, they wait for the path's grace time and resume with
 * continuous numbering when a publisher comes back. */
#include <errno.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/pkt.h"
#include "core/sv.h"
#include "rtp/keyframe.h"
#include "rtp/rtp.h"
#include "rtsp/transport.h"
#include "sdp/sdp.h"
#include "server/internal.h"
#include "session/srv_proto.h"

void publish_packet(struct path *p, size_t track, const uint8_t *data, size_t len, uint64_t now_us)
{
    struct rtp_hdr h;
    if (track >= p->n_pub || rtp_parse(data, len, &h))
        return;
    struct pub_track *pt = &p->pub[track];
    bool au_start = !pt->have_last || pt->last_marker || h.ts != pt->last_ts;
    pt->have_last = true;
    pt->last_marker = h.marker;
    pt->last_ts = h.ts;
    struct pkt *k = pkt_new_copy(data, len);
    if (!k)
        return;
    k->track = (uint8_t)track;
    if (au_start) {
        k->flags |= PKT_F_AU_START;
        if (keyframe_payload(pt->codec, h.payload, h.payload_len, true))
            k->flags |= PKT_F_KEY;
    }
    hub_stream_publish(p->stream, k, now_us);
    if (p->publisher) {
        p->publisher->last_media_us = now_us;
        p->publisher->packets++;
        p->publisher->bytes += len;
    }
}

/* Close every viewer of the path (not its publisher). */
static void close_viewers(struct path *p, const char *reason)
{
    struct server *srv = p->srv;
    for (struct session *s = srv->sessions, *n; s; s = n) {
        n = s->next;
        if (s->path == p && !s->record)
            session_close(s, reason);
    }
}

static int reply_reason(struct req *r, int status, const char *reason)
{
    if (srv_error_response_reason(r->out, status, reason, r->has_cseq, r->cseq, r->date))
        conn_close(r->c, "error");
    return -status;
}

/* Drop a recording publisher (whose link died, so its TCP connection
 * never failed here). */
static void drop_publisher(struct session *pub, const char *reason)
{
    if (pub->kind == T_TCP && pub->conn)
        conn_close(pub->conn, reason);
    else
        session_close(pub, reason);
}

int do_announce(struct req *r, struct path *p)
{
    if (p->source)
        return reply_reason(r, 455, "Path Has a Source and Takes No Publisher");
    struct sv ct = rtsp_msg_header(r->m, "Content-Type");
    if (!ct.p || !sv_istarts_with(sv_trim(ct), "application/sdp"))
        return 415;
    struct session *old = p->publisher;
    uint64_t now = clock_mono_us();
    if (old && old->conn != r->c && old->playing &&
        now - old->last_media_us > SRV_PUBLISH_TAKEOVER_S * 1000000ull) {
        /* typically the same publisher back over a new connection after a
         * network drop: it need not wait for the old one's media timeout */
        log_warn("path %s: publisher %s silent for %.1f s; replaced by %s", p->conf.name, old->peer,
                 (double)(now - old->last_media_us) / 1e6, r->c->peer_str);
        drop_publisher(old, "replaced");
    }
    if (p->publisher && p->publisher->conn != r->c)
        return reply_reason(r, 455, "Path Already Has a Publisher");
    struct sdp_session sdp;
    if (sdp_parse(r->m->body, &sdp) || sdp.n_media == 0)
        return reply_reason(r, 400, "Bad SDP");

    struct hub_track_info ti[RTSP_MAX_TRACKS];
    struct pub_track pub[RTSP_MAX_TRACKS];
    memset(ti, 0, sizeof ti);
    memset(pub, 0, sizeof pub);
    for (size_t i = 0; i < sdp.n_media; i++) {
        const struct sdp_media *m = &sdp.media[i];
        struct hub_track_info *t = &ti[i];
        if (sv_to_cstr(m->media, t->media, sizeof t->media) ||
            sv_to_cstr(m->rtpmap, t->rtpmap, sizeof t->rtpmap) ||
            sv_to_cstr(m->fmtp, t->fmtp, sizeof t->fmtp) ||
            sv_to_cstr(m->control.p ? m->control : SV_LIT(""), pub[i].control,
                       sizeof pub[i].control))
            return reply_reason(r, 400, "SDP Field Too Long");
        t->pt = m->pt;
        t->clock_rate = m->clock_rate ? m->clock_rate : 90000;
        pub[i].codec = keyframe_codec_of(m->media, m->encoding, m->pt);
        t->is_video_key_track = pub[i].codec != KEYFRAME_CODEC_NONE;
        /* keep the other attributes (framerate, framesize ...) for viewers */
        struct buf extra;
        buf_init(&extra, sizeof t->extra - 1);
        struct sv rest = m->text, line;
        while (rest.n) {
            struct sv after = sv_split(rest, '\n', &line);
            line = sv_trim(line);
            if (sv_starts_with(line, "a=") && !sv_istarts_with(line, "a=control:") &&
                !sv_istarts_with(line, "a=rtpmap:") && !sv_istarts_with(line, "a=fmtp:") &&
                !sv_istarts_with(line, "a=sendonly") && !sv_istarts_with(line, "a=recvonly") &&
                !sv_istarts_with(line, "a=sendrecv")) {
                if (buf_append(&extra, line.p, line.n) == 0)
                    buf_append(&extra, "\r\n", 2);
            }
            if (!after.p)
                break;
            rest = after;
        }
        if (extra.len)
            memcpy(t->extra, extra.data, extra.len);
        t->extra[extra.len] = 0;
        buf_free(&extra);
    }
    /* A different layout than viewers were told about: they must start over. */
    size_t old_n = hub_stream_n_tracks(p->stream);
    bool same = old_n == sdp.n_media;
    for (size_t i = 0; same && i < old_n; i++) {
        const struct hub_track_info *o = hub_stream_track(p->stream, i);
        same = o->pt == ti[i].pt && strcmp(o->rtpmap, ti[i].rtpmap) == 0;
    }
    if (old_n && !same)
        close_viewers(p, "source-changed");
    if (hub_stream_set_tracks(p->stream, ti, sdp.n_media))
        return 400;
    memcpy(p->pub, pub, sizeof pub);
    p->n_pub = sdp.n_media;

    struct session *s = NULL;
    if (p->publisher && p->publisher->conn == r->c) {
        s = p->publisher; /* re-ANNOUNCE on the same connection */
    } else {
        if (r->c->n_sessions >= r->c->srv->conf.max_sessions_per_conn)
            return 453;
        s = session_new(r->c, p);
        if (!s)
            return 500;
        s->record = true;
    }
    log_info("path %s: %s announced %zu track(s)", p->conf.name, r->c->peer_str, sdp.n_media);
    return req_reply_session(r, s, NULL);
}

int publish_track_for_uri(const struct path *p, struct sv uri)
{
    struct sv u = uri;
    long q = sv_find_char(u, '?');
    if (q >= 0)
        u.n = (size_t)q;
    while (u.n && u.p[u.n - 1] == '/')
        u.n--;
    size_t i = u.n;
    while (i && u.p[i - 1] != '/')
        i--;
    struct sv last = sv_sub(u, i, u.n);
    for (size_t t = 0; t < p->n_pub; t++) {
        struct sv c = sv_from_cstr(p->pub[t].control);
        if (!c.n)
            continue;
        if (sv_eq(c, uri) || sv_eq(c, u))
            return (int)t;
        /* a relative control, or an absolute one whose last segment matches */
        size_t j = c.n;
        while (j && c.p[j - 1] != '/')
            j--;
        if (sv_eq(sv_sub(c, j, c.n), last))
            return (int)t;
    }
    return -1;
}

int do_setup_record(struct req *r, struct path *p, struct session *s, int track)
{
    if (track < 0 || (size_t)track >= p->n_pub)
        return 404;
    if (s->playing)
        return 455;
    struct rtsp_transport tr;
    int e = req_pick_transport(r, true, &tr);
    if (e)
        return e;
    enum tkind kind = tr.lower == RTSP_LOWER_TCP ? T_TCP : T_UDP;
    if (s->kind != T_NONE && s->kind != kind)
        return 461;
    if (kind == T_TCP && s->conn != r->c)
        return 455;
    struct sess_track *st = &s->tr[track];
    if (kind == T_TCP) {
        if (!tr.has_interleaved) {
            tr.has_interleaved = true;
            tr.interleaved[0] = (uint8_t)(2 * track);
            tr.interleaved[1] = (uint8_t)(2 * track + 1);
        }
        st->ch[0] = tr.interleaved[0];
        st->ch[1] = tr.interleaved[1];
        r->c->tcp_sess = s;
    } else if (req_setup_udp(r, p, track, st, &tr)) {
        return 500;
    }
    st->setup = true;
    if (s->kind == T_NONE) {
        s->kind = kind;
        log_info("session %s opened: peer=%s path=%s transport=%s (publisher)", s->id, s->peer,
                 p->conf.name, tkind_name[kind]);
    }
    tr.mode = RTSP_TMODE_RECORD;
    tr.has_ssrc = false;
    return req_reply_session(r, s, &tr);
}

int do_record(struct req *r, struct path *p)
{
    int st;
    struct session *s = req_session(r, &st);
    if (!s)
        return st;
    if (!s->record || s->path != p)
        return 455;
    bool any = false;
    for (size_t t = 0; t < p->n_pub; t++)
        any |= s->tr[t].setup;
    if (!any)
        return 455;
    if (p->publisher && p->publisher != s)
        return reply_reason(r, 455, "Path Already Has a Publisher");
    if (!s->playing) {
        s->playing = true;
        s->last_media_us = clock_mono_us();
        p->publisher = s;
        if (p->publisher_gone_us)
            log_info("path %s: publisher back after %.1f s", p->conf.name,
                     (double)(clock_mono_us() - p->publisher_gone_us) / 1e6);
        p->publisher_gone_us = 0;
        for (size_t t = 0; t < RTSP_MAX_TRACKS; t++)
            p->pub[t].have_last = false;
        hub_stream_upstream_reset(p->stream); /* viewers keep their numbering */
    }
    return req_reply_session(r, s, NULL);
}

void publish_session_gone(struct session *s)
{
    struct path *p = s->path;
    if (p->publisher != s)
        return;
    p->publisher = NULL;
    p->publisher_gone_us = clock_mono_us();
    log_info("path %s: publisher left; viewers wait up to %u s for it", p->conf.name,
             p->conf.publish_grace_s);
}

void publish_tick(struct server *srv, uint64_t now_us)
{
    for (size_t i = 0; i < srv->n_paths; i++) {
        struct path *p = &srv->paths[i];
        struct session *pub = p->publisher;
        /* A publisher whose link died without a FIN or RST (a network drop)
         * would hold the path forever: its TCP connection never fails on our
         * side, as we do not write to it. Drop it, so that it can come back. */
        if (pub && pub->playing &&
            now_us - pub->last_media_us > SRV_PUBLISH_MEDIA_TIMEOUT_S * 1000000ull) {
            log_warn("path %s: publisher %s sent no media for %d s; dropping it", p->conf.name,
                     pub->peer, SRV_PUBLISH_MEDIA_TIMEOUT_S);
            drop_publisher(pub, "no-media");
            continue; /* the grace time starts now */
        }
        if (!p->publisher_gone_us || now_us < p->publisher_gone_us ||
            now_us - p->publisher_gone_us < (uint64_t)p->conf.publish_grace_s * 1000000u)
            continue;
        log_info("path %s: no publisher for %u s; closing its viewers", p->conf.name,
                 p->conf.publish_grace_s);
        p->publisher_gone_us = 0;
        p->n_pub = 0;
        close_viewers(p, "no-publisher");
    }
}
