#include "source/relay.h"

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/pkt.h"
#include "core/sv.h"
#include "hub/stream.h"
#include "rtp/keyframe.h"
#include "rtp/rtp.h"
#include "session/cli_proto.h"

#define RELAY_BACKOFF_MIN_MS 1000
#define RELAY_BACKOFF_MAX_MS 30000

struct relay_track {
    int hub_track; /* -1: not relayed */
    enum keyframe_codec codec;
    bool have_last, last_marker, au_key;
    uint32_t last_ts;
};

struct relay_src {
    struct event_base *base;
    struct hub_stream *stream;
    struct rtsp_client *client;
    struct relay_opts o;
    char url[RTSP_MAX_URL_BYTES + 1];
    char log_url[RTSP_MAX_URL_BYTES + 160];
    struct event *ev_retry;
    unsigned backoff_ms;
    struct relay_track tr[RTSP_MAX_TRACKS]; /* by SDP media index */
    bool new_session;                       /* no packet published yet in the current session */
    bool ever_published;
    bool session_media; /* the current session delivered media */
    unsigned sessions;
    char desc[320];
};

int relay_check_url(const char *url, char *err, size_t errlen)
{
    struct cli_url u;
    int e = cli_url_parse(url, &u);
    if (e) {
        char r[RTSP_MAX_URL_BYTES + 1];
        cli_url_redact(url, r, sizeof r);
        str_fmt(err, errlen, "'%s' is not a usable rtsp://, rtsps:// or rtsph:// URL", r);
        return -EINVAL;
    }
    return 0;
}

/* The attribute lines of a media section worth passing on to viewers. */
static void media_extra(const struct sdp_media *m, char *out, size_t size)
{
    static const char *const skip[] = {"a=control:", "a=rtpmap:",  "a=fmtp:",    "a=sendonly",
                                       "a=recvonly", "a=sendrecv", "a=inactive", "a=ssrc",
                                       "a=rtcp",     "a=range:",   "a=mid:"};
    size_t len = 0;
    out[0] = 0;
    struct sv rest = m->text, line;
    while (rest.p && rest.n) {
        rest = sv_split(rest, '\n', &line);
        line = sv_trim(line);
        if (!sv_starts_with(line, "a="))
            continue;
        bool keep = true;
        for (size_t i = 0; keep && i < sizeof skip / sizeof skip[0]; i++)
            keep = !sv_istarts_with(line, skip[i]);
        if (!keep || line.n + 2 >= size - len)
            continue;
        memcpy(out + len, line.p, line.n);
        len += line.n;
        out[len++] = '\r';
        out[len++] = '\n';
        out[len] = 0;
    }
}

static int on_describe(void *ctx, struct rtsp_client_desc *d)
{
    struct relay_src *r = ctx;
    struct hub_track_info ti[RTSP_MAX_TRACKS];
    memset(ti, 0, sizeof ti);
    size_t n = 0;
    bool have_key_track = false;
    for (size_t i = 0; i < RTSP_MAX_TRACKS; i++)
        r->tr[i] = (struct relay_track){.hub_track = -1};
    for (size_t i = 0; i < d->sdp->n_media && i < RTSP_MAX_TRACKS; i++) {
        const struct sdp_media *m = &d->sdp->media[i];
        if (!d->setup[i])
            continue;
        struct hub_track_info *t = &ti[n];
        if (sv_to_cstr(m->media, t->media, sizeof t->media))
            str_copy(t->media, sizeof t->media, "application");
        t->pt = m->pt;
        t->clock_rate = m->clock_rate                   ? m->clock_rate
                        : sv_eq_cstr(m->media, "audio") ? 8000
                                                        : 90000;
        if (sv_to_cstr(m->rtpmap, t->rtpmap, sizeof t->rtpmap)) {
            log_warn("relay %s: media %zu: rtpmap too long, track skipped", r->log_url, i);
            d->setup[i] = false;
            continue;
        }
        if (sv_to_cstr(m->fmtp, t->fmtp, sizeof t->fmtp))
            log_warn("relay %s: media %zu: fmtp over %zu bytes dropped (in-band parameters "
                     "still pass)",
                     r->log_url, i, sizeof t->fmtp - 1);
        media_extra(m, t->extra, sizeof t->extra);
        enum keyframe_codec kc = keyframe_codec_of(m->media, m->encoding, m->pt);
        if (kc != KEYFRAME_CODEC_NONE && !have_key_track) {
            t->is_video_key_track = true;
            have_key_track = true;
        }
        r->tr[i].hub_track = (int)n;
        r->tr[i].codec = kc;
        n++;
    }
    if (!n) {
        log_warn("relay %s: the camera describes no RTP media", r->log_url);
        return -ENOTSUP;
    }
    size_t old_n = hub_stream_n_tracks(r->stream);
    bool same = old_n == n;
    for (size_t i = 0; same && i < n; i++) {
        const struct hub_track_info *o = hub_stream_track(r->stream, i);
        same = o->pt == ti[i].pt && strcmp(o->rtpmap, ti[i].rtpmap) == 0;
    }
    if (old_n && !same)
        log_warn("relay %s: the camera changed its track layout; viewers may need to reconnect",
                 r->log_url);
    if (hub_stream_set_tracks(r->stream, ti, n))
        return -EINVAL;
    if (!old_n || !same) {
        char list[200] = "";
        size_t len = 0;
        for (size_t i = 0; i < n; i++) {
            str_fmt(list + len, sizeof list - len, "%s%s %s", i ? ", " : "", ti[i].media,
                    ti[i].rtpmap[0] ? ti[i].rtpmap : "(static pt)");
            len = strlen(list);
        }
        log_info("relay %s: %zu track(s): %s", r->log_url, n, list);
    }
    r->new_session = true;
    r->session_media = false;
    return 0;
}

static void on_playing(void *ctx, enum rtsp_lower lower)
{
    struct relay_src *r = ctx;
    r->sessions++;
    enum rtsp_client_transport used = rtsp_client_used(r->client);
    log_info("relay %s: upstream playing over %s%s", r->log_url,
             used == RTSP_CLIENT_HTTP        ? "TCP interleaved in an HTTP tunnel"
             : used == RTSP_CLIENT_MULTICAST ? "RTP/UDP multicast"
             : lower == RTSP_LOWER_TCP       ? "TCP interleaved"
                                             : "RTP/UDP",
             r->sessions > 1 ? " (reconnected)" : "");
}

static void on_packet(void *ctx, size_t media, bool rtcp, const uint8_t *data, size_t len)
{
    struct relay_src *r = ctx;
    if (rtcp || media >= RTSP_MAX_TRACKS || r->tr[media].hub_track < 0)
        return;
    struct relay_track *t = &r->tr[media];
    struct rtp_hdr h;
    if (rtp_parse(data, len, &h) || len > PKT_MAX_LEN)
        return;
    bool au_start = !t->have_last || t->last_marker || h.ts != t->last_ts;
    t->have_last = true;
    t->last_marker = h.marker;
    t->last_ts = h.ts;
    if (au_start)
        t->au_key = false;
    struct pkt *p = pkt_new_copy(data, len);
    if (!p)
        return;
    p->track = (uint8_t)t->hub_track;
    if (au_start)
        p->flags |= PKT_F_AU_START;
    if (!t->au_key && keyframe_payload(t->codec, h.payload, h.payload_len, au_start)) {
        p->flags |= PKT_F_KEY;
        t->au_key = true;
    }
    if (r->new_session) {
        r->new_session = false;
        if (r->ever_published)
            hub_stream_upstream_reset(r->stream);
    }
    r->ever_published = true;
    r->session_media = true;
    hub_stream_publish(r->stream, p, clock_mono_us());
}

static void start(struct relay_src *r)
{
    struct rtsp_client_opts co = {
        .transport = r->o.transport,
        .udp_timeout_ms = r->o.udp_timeout_ms,
        .data_timeout_ms = r->o.data_timeout_ms,
    };
    int e = rtsp_client_start(r->client, r->url, &co);
    if (e) /* only a bad URL, checked at creation */
        log_error("relay %s: cannot start: %s", r->log_url, strerror(-e));
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    start(arg);
}

static void on_close(void *ctx, int err, const char *reason)
{
    struct relay_src *r = ctx;
    if (r->session_media)
        r->backoff_ms = RELAY_BACKOFF_MIN_MS;
    unsigned delay = r->backoff_ms;
    r->backoff_ms =
        r->backoff_ms * 2 > RELAY_BACKOFF_MAX_MS ? RELAY_BACKOFF_MAX_MS : r->backoff_ms * 2;
    r->session_media = false;
    log_warn("relay %s: upstream failed: %s (%d); reconnecting in %u s", r->log_url, reason, err,
             delay / 1000);
    struct timeval tv = {delay / 1000, (delay % 1000) * 1000};
    event_add(r->ev_retry, &tv);
}

static const struct rtsp_client_cb relay_cbs = {
    .on_describe = on_describe,
    .on_playing = on_playing,
    .on_packet = on_packet,
    .on_close = on_close,
};

struct relay_src *relay_src_new(struct event_base *base, const char *url,
                                const struct relay_opts *o, struct hub_stream *stream, char *err,
                                size_t errlen)
{
    if (relay_check_url(url, err, errlen))
        return NULL;
    struct relay_src *r = calloc(1, sizeof *r);
    if (!r) {
        str_copy(err, errlen, "out of memory");
        return NULL;
    }
    r->base = base;
    r->stream = stream;
    if (o)
        r->o = *o;
    r->backoff_ms = RELAY_BACKOFF_MIN_MS;
    str_copy(r->url, sizeof r->url, url);
    char red[RTSP_MAX_URL_BYTES + 1];
    cli_url_redact(url, red, sizeof red);
    str_fmt(r->log_url, sizeof r->log_url, "%s <- %s", hub_stream_name(stream), red);
    r->client = rtsp_client_new(base, &relay_cbs, r);
    r->ev_retry = event_new(base, -1, 0, retry_cb, r);
    if (!r->client || !r->ev_retry) {
        str_copy(err, errlen, "out of memory");
        relay_src_free(r);
        return NULL;
    }
    str_fmt(r->desc, sizeof r->desc, "relay of %s (transport %s)", red,
            rtsp_client_transport_name(r->o.transport));
    start(r);
    return r;
}

void relay_src_free(struct relay_src *r)
{
    if (!r)
        return;
    rtsp_client_free(r->client);
    if (r->ev_retry)
        event_free(r->ev_retry);
    free(r);
}

const char *relay_src_describe(const struct relay_src *r)
{
    return r->desc;
}
