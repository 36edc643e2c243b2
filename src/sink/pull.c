#include "sink/pull.h"

#include <errno.h>
#include <event2/event.h>
#include <libavutil/base64.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/sv.h"
#include "rtp/aac.h"
#include "rtp/g711.h"
#include "rtp/h264.h"
#include "rtp/h265.h"
#include "rtp/mjpeg.h"
#include "rtp/mp4v.h"
#include "rtp/opus.h"
#include "rtp/rtcp.h"
#include "rtp/rtp.h"
#include "session/cli_proto.h"
#include "sink/recorder.h"

#define PULL_BACKOFF_MIN_MS 1000
#define PULL_BACKOFF_MAX_MS 30000
#define PULL_GAP_US         40000 /* between the last frame of a session and the next one's first */
/* auto: a UDP session losing more than this over the window goes to TCP */
#define PULL_LOSS_WINDOW_S 5
#define PULL_LOSS_PERMILLE 50
#define PULL_LOSS_MIN_PKTS 50

struct ptrack {
    bool active; /* recorded */
    size_t rec;  /* recorder track index */
    enum recorder_codec codec;
    uint32_t clock;
    union {
        struct h264_depay h264;
        struct h265_depay h265;
        struct mjpeg_depay mjpeg;
        struct mp4v_depay mp4v;
        struct aac_depay aac;
        struct g711_depay g711;
        struct opus_depay opus;
    } d;
    bool depay_init;
    /* RTP timestamp unwrapping */
    bool have_ext;
    uint32_t last32;
    int64_t ext;
    /* timeline (this session) */
    bool started;
    int64_t first_ext;
    int64_t offset_us; /* pts of first_ext */
    bool synced;       /* offset from sender reports */
    bool have_sr;
    uint64_t sr_ntp_us;
    uint32_t sr_rtp;
    int64_t last_pts;
    bool have_pts;
};

struct pull {
    struct event_base *base;
    uint64_t created_mono_us; /* for "first frame after" */
    struct pull_opts o;
    char url[RTSP_MAX_URL_BYTES + 1];
    char log_url[RTSP_MAX_URL_BYTES + 1];
    struct rtsp_client *client;
    struct recorder *rec;
    struct event *ev_retry;
    unsigned backoff_ms;
    int status;
    bool stopping;
    bool ever_played;
    bool session_media;
    unsigned sessions;

    /* track layout, fixed by the first DESCRIBE */
    bool have_layout;
    size_t n_media;
    enum recorder_codec layout[RTSP_MAX_TRACKS];
    bool layout_active[RTSP_MAX_TRACKS];
    bool has_video;
    struct ptrack tr[RTSP_MAX_TRACKS];
    uint8_t extra[RTSP_MAX_TRACKS][2048]; /* parameter sets / config of the first DESCRIBE */
    bool rec_failed;                      /* the recorder's error was printed */

    /* session timeline */
    bool origin_set;
    size_t ref;
    uint64_t origin_mono_us;
    int64_t base_us; /* where this session's timeline starts */
    bool said_transport;
    bool rtsph; /* an rtsph:// URL: always the HTTP tunnel */
    uint64_t play_mono_us;

    /* auto: loss watch on UDP, one sample a second */
    struct event *ev_tick, *ev_switch;
    uint64_t win_rx[PULL_LOSS_WINDOW_S + 1], win_lost[PULL_LOSS_WINDOW_S + 1];
    unsigned win_n;
    bool force_tcp; /* switched to TCP for loss: every later session too */
    bool tls;       /* rtsps://: media interleaved in the TLS connection */
    char switch_why[96];
};

static const char *codec_name(enum recorder_codec c)
{
    static const char *const names[] = {
        [RECORDER_H264] = "H.264",      [RECORDER_H265] = "H.265",
        [RECORDER_MJPEG] = "MJPEG",     [RECORDER_MPEG4] = "MPEG-4 Part 2",
        [RECORDER_AAC] = "AAC",         [RECORDER_PCMU] = "G.711 PCMU",
        [RECORDER_PCMA] = "G.711 PCMA", [RECORDER_OPUS] = "Opus"};
    return names[c];
}

static bool codec_is_video(enum recorder_codec c)
{
    return c == RECORDER_H264 || c == RECORDER_H265 || c == RECORDER_MJPEG || c == RECORDER_MPEG4;
}

static void finish(struct pull *p, int status)
{
    if (status > p->status)
        p->status = status;
    if (!p->stopping) {
        p->stopping = true;
        event_base_loopexit(p->base, NULL);
    }
}

/* ---- SDP -> tracks ---- */

static size_t b64_decode(struct sv s, uint8_t *out, size_t cap)
{
    char tmp[1024];
    if (s.n == 0 || s.n >= sizeof tmp)
        return 0;
    memcpy(tmp, s.p, s.n);
    tmp[s.n] = 0;
    int n = av_base64_decode(out, tmp, (int)cap);
    return n > 0 ? (size_t)n : 0;
}

/* sprop-parameter-sets=b64,b64 -> Annex B. */
static size_t sprop_annexb(struct sv fmtp, const char *name, uint8_t *out, size_t cap)
{
    struct sv v = sdp_fmtp_param(fmtp, name), one;
    size_t n = 0;
    while (v.p && v.n) {
        v = sv_split(v, ',', &one);
        one = sv_trim(one);
        if (cap - n < 8)
            break;
        size_t k = b64_decode(one, out + n + 4, cap - n - 4);
        if (!k)
            continue;
        out[n] = out[n + 1] = out[n + 2] = 0;
        out[n + 3] = 1;
        n += 4 + k;
    }
    return n;
}

static size_t hex_decode(struct sv s, uint8_t *out, size_t cap)
{
    if (s.n == 0 || s.n % 2 || s.n / 2 > cap)
        return 0;
    for (size_t i = 0; i < s.n; i += 2) {
        int a = hex_digit(s.p[i]), b = hex_digit(s.p[i + 1]);
        if (a < 0 || b < 0)
            return 0;
        out[i / 2] = (uint8_t)(a << 4 | b);
    }
    return s.n / 2;
}

static bool fmtp_is(struct sv fmtp, const char *name, const char *want)
{
    struct sv v = sdp_fmtp_param(fmtp, name);
    return v.p && sv_eq_cstr(sv_trim(v), want);
}

/* The recorder codec of a media section, with its extradata. -1: not supported. */
static int media_codec(const struct sdp_media *m, struct recorder_track *rt, uint8_t *extra,
                       size_t cap, char *why, size_t whylen)
{
    memset(rt, 0, sizeof *rt);
    rt->extradata = extra;
    if (sv_ieq_cstr(m->encoding, "H264")) {
        rt->codec = RECORDER_H264;
        rt->extradata_len = sprop_annexb(m->fmtp, "sprop-parameter-sets", extra, cap);
        return 0;
    }
    if (sv_ieq_cstr(m->encoding, "MPEG4-GENERIC") && sv_eq_cstr(m->media, "audio")) {
        struct sv mode = sdp_fmtp_param(m->fmtp, "mode");
        if (!mode.p || !sv_ieq_cstr(sv_trim(mode), "AAC-hbr") ||
            !fmtp_is(m->fmtp, "sizelength", "13") || !fmtp_is(m->fmtp, "indexlength", "3")) {
            str_copy(why, whylen,
                     "MPEG4-GENERIC other than AAC-hbr with sizelength=13 "
                     "indexlength=3");
            return -1;
        }
        rt->codec = RECORDER_AAC;
        struct sv cfg = sdp_fmtp_param(m->fmtp, "config");
        rt->extradata_len = cfg.p ? hex_decode(sv_trim(cfg), extra, cap) : 0;
        if (!rt->extradata_len) {
            str_copy(why, whylen, "AAC without a usable config= in the SDP");
            return -1;
        }
        rt->sample_rate = (int)(m->clock_rate ? m->clock_rate : 48000);
        rt->channels = (int)(m->channels ? m->channels : 1);
        return 0;
    }
    bool no_map = !m->encoding.n;
    if (sv_ieq_cstr(m->encoding, "H265")) {
        rt->codec = RECORDER_H265;
        size_t n = sprop_annexb(m->fmtp, "sprop-vps", extra, cap);
        n += sprop_annexb(m->fmtp, "sprop-sps", extra + n, cap - n);
        n += sprop_annexb(m->fmtp, "sprop-pps", extra + n, cap - n);
        rt->extradata_len = n;
        return 0;
    }
    if (sv_ieq_cstr(m->encoding, "JPEG") || (no_map && m->pt == 26)) {
        rt->codec = RECORDER_MJPEG;
        return 0;
    }
    if (sv_ieq_cstr(m->encoding, "MP4V-ES")) {
        rt->codec = RECORDER_MPEG4;
        struct sv cfg = sdp_fmtp_param(m->fmtp, "config");
        rt->extradata_len = cfg.p ? hex_decode(sv_trim(cfg), extra, cap) : 0;
        return 0;
    }
    bool pcmu = sv_ieq_cstr(m->encoding, "PCMU") || (no_map && m->pt == 0);
    bool pcma = sv_ieq_cstr(m->encoding, "PCMA") || (no_map && m->pt == 8);
    if (pcmu || pcma) {
        rt->codec = pcmu ? RECORDER_PCMU : RECORDER_PCMA;
        rt->sample_rate = (int)(m->clock_rate ? m->clock_rate : 8000);
        rt->channels = (int)(m->channels ? m->channels : 1);
        return 0;
    }
    if (sv_ieq_cstr(m->encoding, "OPUS")) {
        rt->codec = RECORDER_OPUS;
        rt->sample_rate = 48000;
        rt->channels = 2;
        return 0;
    }
    char enc[64];
    if (sv_to_cstr(m->encoding, enc, sizeof enc) || !enc[0])
        str_fmt(enc, sizeof enc, "payload type %u", m->pt);
    str_fmt(why, whylen, "%s is not supported by pull yet", enc);
    return -1;
}

static void track_depay_reset(struct ptrack *t)
{
    if (t->depay_init) {
        switch (t->codec) {
        case RECORDER_H264:
            h264_depay_free(&t->d.h264);
            break;
        case RECORDER_H265:
            h265_depay_free(&t->d.h265);
            break;
        case RECORDER_MJPEG:
            mjpeg_depay_free(&t->d.mjpeg);
            break;
        case RECORDER_MPEG4:
            mp4v_depay_free(&t->d.mp4v);
            break;
        case RECORDER_AAC:
            aac_depay_free(&t->d.aac);
            break;
        case RECORDER_PCMU:
        case RECORDER_PCMA:
        case RECORDER_OPUS:
            break;
        }
        t->depay_init = false;
    }
    if (!t->active)
        return;
    switch (t->codec) {
    case RECORDER_H264:
        h264_depay_init(&t->d.h264, 0);
        break;
    case RECORDER_H265:
        h265_depay_init(&t->d.h265, 0);
        break;
    case RECORDER_MJPEG:
        mjpeg_depay_init(&t->d.mjpeg, 0);
        break;
    case RECORDER_MPEG4:
        mp4v_depay_init(&t->d.mp4v, 0);
        break;
    case RECORDER_AAC:
        aac_depay_init(&t->d.aac, 0);
        break;
    case RECORDER_PCMU:
    case RECORDER_PCMA:
        g711_depay_init(&t->d.g711);
        break;
    case RECORDER_OPUS:
        opus_depay_init(&t->d.opus);
        break;
    }
    t->depay_init = true;
}

static void session_reset(struct pull *p)
{
    /* continue after the last frame written */
    int64_t end = p->base_us;
    bool any = false;
    for (size_t i = 0; i < RTSP_MAX_TRACKS; i++) {
        struct ptrack *t = &p->tr[i];
        if (t->have_pts && (!any || t->last_pts > end)) {
            end = t->last_pts;
            any = true;
        }
    }
    if (any)
        p->base_us = end + PULL_GAP_US;
    p->origin_set = false;
    p->said_transport = false;
    for (size_t i = 0; i < RTSP_MAX_TRACKS; i++) {
        struct ptrack *t = &p->tr[i];
        t->have_ext = t->started = t->synced = t->have_sr = false;
        track_depay_reset(t);
    }
}

static int on_describe(void *ctx, struct rtsp_client_desc *d)
{
    struct pull *p = ctx;
    const struct sdp_session *s = d->sdp;
    size_t n = s->n_media < RTSP_MAX_TRACKS ? s->n_media : RTSP_MAX_TRACKS;
    struct recorder_track rt[RTSP_MAX_TRACKS];
    enum recorder_codec codec[RTSP_MAX_TRACKS];
    bool ok[RTSP_MAX_TRACKS] = {false};
    size_t n_rec = 0;
    struct recorder_track rec_tracks[RTSP_MAX_TRACKS];
    for (size_t i = 0; i < n; i++) {
        char why[160];
        if (!d->setup[i])
            continue;
        if (media_codec(&s->media[i], &rt[i], p->extra[i], sizeof p->extra[i], why, sizeof why)) {
            if (!p->have_layout)
                log_warn("pull %s: media %zu (%.*s) not recorded: %s", p->log_url, i,
                         SV_ARG(s->media[i].media), why);
            d->setup[i] = false;
            continue;
        }
        ok[i] = true;
        codec[i] = rt[i].codec;
        rec_tracks[n_rec++] = rt[i];
    }
    if (!p->have_layout) {
        if (!n_rec) {
            log_error("pull %s: the stream has no track pull can record", p->log_url);
            finish(p, 1);
            return -ENOTSUP;
        }
        char err[700];
        p->rec = recorder_new(p->o.output, p->o.segment_s, rec_tracks, n_rec, err, sizeof err);
        if (!p->rec) {
            log_error("pull: %s", err);
            finish(p, 1);
            return -EINVAL;
        }
        p->have_layout = true;
        p->n_media = n;
        size_t k = 0;
        char list[256] = "";
        for (size_t i = 0; i < n; i++) {
            p->layout_active[i] = ok[i];
            if (!ok[i])
                continue;
            p->layout[i] = codec[i];
            p->tr[i].active = true;
            p->tr[i].rec = k++;
            p->tr[i].codec = codec[i];
            p->tr[i].clock = s->media[i].clock_rate ? s->media[i].clock_rate : 90000;
            if (codec_is_video(codec[i]))
                p->has_video = true;
            size_t len = strlen(list);
            str_fmt(list + len, sizeof list - len, "%s%s", len ? " + " : "", codec_name(codec[i]));
        }
        log_info("pull %s: recording %s to %s", p->log_url, list,
                 strcmp(p->o.output, "-") ? p->o.output : "stdout (MPEG-TS)");
    } else {
        bool same = n == p->n_media;
        for (size_t i = 0; same && i < n; i++)
            same = ok[i] == p->layout_active[i] && (!ok[i] || codec[i] == p->layout[i]);
        if (!same) {
            log_error("pull %s: the camera changed its tracks; cannot append to this recording",
                      p->log_url);
            finish(p, 1);
            return -EINVAL;
        }
    }
    session_reset(p);
    return 0;
}

/* ---- timeline ---- */

static int64_t ntp_to_us(uint64_t ntp)
{
    return (int64_t)((ntp >> 32) * 1000000u + (((ntp & 0xffffffffu) * 1000000u) >> 32));
}

static int64_t ticks_us(int64_t ticks, uint32_t clock)
{
    return ticks * 1000000 / (int64_t)clock;
}

static int64_t unwrap(const struct ptrack *t, uint32_t ts)
{
    return t->ext + (int32_t)(ts - t->last32);
}

/* Place track k on the reference track's timeline by their sender reports. */
static void sync_track(struct pull *p, size_t k)
{
    struct ptrack *ref = &p->tr[p->ref], *t = &p->tr[k];
    if (!p->origin_set || k == p->ref || !t->started || !ref->started || !t->have_sr ||
        !ref->have_sr || !t->have_ext || !ref->have_ext)
        return;
    int64_t ref_sr_ext = unwrap(ref, ref->sr_rtp), t_sr_ext = unwrap(t, t->sr_rtp);
    int64_t ntp_first = (int64_t)t->sr_ntp_us + ticks_us(t->first_ext - t_sr_ext, t->clock);
    int64_t off = ref->offset_us + ticks_us(ref_sr_ext - ref->first_ext, ref->clock) +
                  (ntp_first - (int64_t)ref->sr_ntp_us);
    if (!t->synced || llabs(off - t->offset_us) > 1000)
        log_verbose("pull %s: media %zu placed by sender reports (%+.3f s)", p->log_url, k,
                    (double)(off - t->offset_us) / 1e6);
    t->offset_us = off;
    t->synced = true;
}

static void write_au(struct pull *p, size_t mi, const struct rtp_au *au)
{
    struct ptrack *t = &p->tr[mi];
    if (p->stopping)
        return;
    int64_t ext = unwrap(t, au->rtp_ts);
    uint64_t now = clock_mono_us();
    if (!p->origin_set) {
        /* a session's timeline starts on a video keyframe */
        if (p->has_video && (!codec_is_video(t->codec) || !au->key))
            return;
        p->origin_set = true;
        p->origin_mono_us = now;
        p->ref = mi;
    }
    if (!t->started) {
        t->started = true;
        t->first_ext = ext;
        t->offset_us = p->base_us + (int64_t)(now - p->origin_mono_us);
        for (size_t i = 0; i < RTSP_MAX_TRACKS; i++)
            sync_track(p, i);
    }
    int64_t pts = t->offset_us + ticks_us(ext - t->first_ext, t->clock);
    if (p->o.duration_us && recorder_started(p->rec) &&
        pts - recorder_first_us(p->rec) >= (int64_t)p->o.duration_us) {
        log_info("pull %s: %.1f s recorded", p->log_url, (double)p->o.duration_us / 1e6);
        finish(p, 0);
        return;
    }
    bool was_started = recorder_started(p->rec);
    int e = recorder_write(p->rec, t->rec, au->data, au->len, pts, au->key);
    if (!e && !was_started && recorder_started(p->rec))
        log_info("pull %s: first frame written %.2f s after start", p->log_url,
                 (double)(clock_mono_us() - p->created_mono_us) / 1e6);
    if (e) {
        log_error("pull: %s", recorder_error(p->rec));
        p->rec_failed = true;
        finish(p, 1);
        return;
    }
    t->last_pts = pts;
    t->have_pts = true;
    p->session_media = true;
}

/* ---- client callbacks ---- */

static void say_transport(struct pull *p, enum rtsp_lower lower)
{
    enum rtsp_client_transport used = rtsp_client_used(p->client);
    const char *name = used == RTSP_CLIENT_HTTP        ? "TCP interleaved in an HTTP tunnel"
                       : used == RTSP_CLIENT_MULTICAST ? "RTP/UDP multicast"
                       : lower == RTSP_LOWER_TCP       ? "TCP interleaved"
                                                       : "RTP/UDP";
    if (p->tls) {
        log_info("pull %s: transport %s over TLS (rtsps://)", p->log_url, name);
    } else if (p->force_tcp) {
        log_info("pull %s: transport %s (auto: switched from RTP/UDP: %s)", p->log_url, name,
                 p->switch_why);
    } else if (p->o.transport != RTSP_CLIENT_AUTO || p->rtsph) {
        log_info("pull %s: transport %s (asked for with %s)", p->log_url, name,
                 p->rtsph ? "an rtsph:// URL" : "-t");
    } else if (lower == RTSP_LOWER_TCP) {
        const char *why = rtsp_client_tcp_reason(p->client);
        log_info("pull %s: transport %s (auto: %s)", p->log_url, name,
                 why[0] ? why : "TCP won before");
    } else {
        log_info("pull %s: transport %s (auto: RTP arrived over UDP %.2f s after PLAY)", p->log_url,
                 name, (double)(clock_mono_us() - p->play_mono_us) / 1e6);
    }
    p->said_transport = true;
}

static void on_playing(void *ctx, enum rtsp_lower lower)
{
    struct pull *p = ctx;
    p->sessions++;
    p->ever_played = true;
    p->play_mono_us = clock_mono_us();
    p->win_n = 0;
    if (p->sessions > 1)
        log_info("pull %s: reconnected; the recording continues", p->log_url);
    /* UDP under auto is only sure once RTP arrives */
    if (lower == RTSP_LOWER_TCP || p->o.transport != RTSP_CLIENT_AUTO || p->rtsph)
        say_transport(p, lower);
}

static void on_packet(void *ctx, size_t media, bool rtcp, const uint8_t *data, size_t len)
{
    struct pull *p = ctx;
    if (media >= RTSP_MAX_TRACKS || !p->tr[media].active || p->stopping)
        return;
    struct ptrack *t = &p->tr[media];
    if (rtcp) {
        struct rtcp_info info;
        if (rtcp_parse(data, len, &info) || !info.has_sr)
            return;
        t->have_sr = true;
        t->sr_ntp_us = (uint64_t)ntp_to_us(info.sr_ntp);
        t->sr_rtp = info.sr_rtp_ts;
        sync_track(p, media);
        if (media == p->ref)
            for (size_t i = 0; i < RTSP_MAX_TRACKS; i++)
                sync_track(p, i);
        return;
    }
    struct rtp_hdr h;
    if (rtp_parse(data, len, &h))
        return;
    if (!p->said_transport)
        say_transport(p, rtsp_client_lower(p->client));
    if (!t->have_ext) {
        t->have_ext = true;
        t->ext = (int64_t)h.ts + ((int64_t)1 << 32); /* room to go back */
    } else {
        t->ext += (int32_t)(h.ts - t->last32);
    }
    t->last32 = h.ts;
    struct rtp_au au;
    int r = 0;
    switch (t->codec) {
    case RECORDER_H264:
        r = h264_depay_push(&t->d.h264, h.seq, h.ts, h.marker, h.payload, h.payload_len, &au);
        break;
    case RECORDER_H265:
        r = h265_depay_push(&t->d.h265, h.seq, h.ts, h.marker, h.payload, h.payload_len, &au);
        break;
    case RECORDER_MJPEG:
        r = mjpeg_depay_push(&t->d.mjpeg, h.seq, h.ts, h.marker, h.payload, h.payload_len, &au);
        break;
    case RECORDER_MPEG4:
        r = mp4v_depay_push(&t->d.mp4v, h.seq, h.ts, h.marker, h.payload, h.payload_len, &au);
        break;
    case RECORDER_PCMU:
    case RECORDER_PCMA:
        r = g711_depay_push(&t->d.g711, h.seq, h.ts, h.payload, h.payload_len, &au);
        break;
    case RECORDER_OPUS:
        r = opus_depay_push(&t->d.opus, h.seq, h.ts, h.payload, h.payload_len, &au);
        break;
    case RECORDER_AAC:
        if (aac_depay_push(&t->d.aac, h.seq, h.ts, h.marker, h.payload, h.payload_len) < 0)
            return;
        while (!p->stopping && aac_depay_next(&t->d.aac, &au) == 1)
            write_au(p, media, &au);
        return;
    }
    if (r == 1)
        write_au(p, media, &au);
}

static void start(struct pull *p)
{
    struct rtsp_client_opts co = {
        .transport = p->force_tcp ? RTSP_CLIENT_TCP : p->o.transport,
        .udp_timeout_ms = p->o.udp_timeout_ms ? p->o.udp_timeout_ms : 1500,
    };
    int e = rtsp_client_start(p->client, p->url, &co);
    if (e) {
        log_error("pull %s: cannot start: %s", p->log_url, strerror(-e));
        finish(p, 1);
    }
}

/* auto over UDP: more than PULL_LOSS_PERMILLE lost over the last
 * PULL_LOSS_WINDOW_S seconds -> a new session over TCP; the recording
 * continues (like after a reconnect). */
static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct pull *p = arg;
    if (p->stopping || p->force_tcp || p->o.transport != RTSP_CLIENT_AUTO ||
        !rtsp_client_is_playing(p->client) || rtsp_client_lower(p->client) != RTSP_LOWER_UDP) {
        p->win_n = 0;
        return;
    }
    struct rtsp_client_stats st;
    rtsp_client_stats(p->client, &st);
    if (p->win_n == PULL_LOSS_WINDOW_S + 1) {
        memmove(p->win_rx, p->win_rx + 1, PULL_LOSS_WINDOW_S * sizeof p->win_rx[0]);
        memmove(p->win_lost, p->win_lost + 1, PULL_LOSS_WINDOW_S * sizeof p->win_lost[0]);
        p->win_n--;
    }
    p->win_rx[p->win_n] = st.rtp_packets;
    p->win_lost[p->win_n] = st.lost;
    p->win_n++;
    if (p->win_n < PULL_LOSS_WINDOW_S + 1)
        return;
    uint64_t rx = p->win_rx[p->win_n - 1] - p->win_rx[0];
    uint64_t lost = p->win_lost[p->win_n - 1] - p->win_lost[0];
    if (rx + lost < PULL_LOSS_MIN_PKTS || lost * 1000 <= (rx + lost) * PULL_LOSS_PERMILLE)
        return;
    str_fmt(p->switch_why, sizeof p->switch_why, "%.1f %% of RTP packets lost over %d s",
            100.0 * (double)lost / (double)(rx + lost), PULL_LOSS_WINDOW_S);
    log_warn("pull %s: %s; switching to TCP interleaved", p->log_url, p->switch_why);
    p->force_tcp = true;
    event_active(p->ev_switch, 0, 0);
}

static void switch_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct pull *p = arg;
    if (p->stopping)
        return;
    rtsp_client_stop(p->client); /* TEARDOWN; no callback */
    session_reset(p);
    p->session_media = false;
    start(p);
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct pull *p = arg;
    if (!p->stopping)
        start(p);
}

static void on_close(void *ctx, int err, const char *reason)
{
    struct pull *p = ctx;
    if (p->stopping)
        return;
    if (err == -EACCES && !p->ever_played) {
        log_error("pull %s: %s", p->log_url, reason);
        finish(p, 1);
        return;
    }
    if (p->session_media)
        p->backoff_ms = PULL_BACKOFF_MIN_MS;
    unsigned delay = p->backoff_ms;
    p->backoff_ms =
        p->backoff_ms * 2 > PULL_BACKOFF_MAX_MS ? PULL_BACKOFF_MAX_MS : p->backoff_ms * 2;
    p->session_media = false;
    log_warn("pull %s: session lost: %s; reconnecting in %u s", p->log_url, reason, delay / 1000);
    struct timeval tv = {delay / 1000, (delay % 1000) * 1000};
    event_add(p->ev_retry, &tv);
}

static const struct rtsp_client_cb pull_cbs = {
    .on_describe = on_describe,
    .on_playing = on_playing,
    .on_packet = on_packet,
    .on_close = on_close,
};

struct pull *pull_new(struct event_base *base, const struct pull_opts *o, char *err, size_t errlen)
{
    struct cli_url u;
    int e = cli_url_parse(o->url, &u);
    if (e) {
        char r[RTSP_MAX_URL_BYTES + 1];
        cli_url_redact(o->url, r, sizeof r);
        str_fmt(err, errlen, "'%s' is not a usable rtsp://, rtsps:// or rtsph:// URL", r);
        return NULL;
    }
    if (!recorder_format_of(o->output)) {
        str_fmt(err, errlen,
                "%s: unknown container; the name must end in .ts, .mp4 or .mkv (or be - for "
                "MPEG-TS on stdout)",
                o->output);
        return NULL;
    }
    struct pull *p = calloc(1, sizeof *p);
    if (!p) {
        str_copy(err, errlen, "out of memory");
        return NULL;
    }
    p->base = base;
    p->created_mono_us = clock_mono_us();
    p->o = *o;
    p->backoff_ms = PULL_BACKOFF_MIN_MS;
    str_copy(p->url, sizeof p->url, o->url);
    cli_url_redact(o->url, p->log_url, sizeof p->log_url);
    p->tls = u.tls;
    p->rtsph = u.http;
    p->client = rtsp_client_new(base, &pull_cbs, p);
    p->ev_retry = event_new(base, -1, 0, retry_cb, p);
    p->ev_tick = event_new(base, -1, EV_PERSIST, tick_cb, p);
    p->ev_switch = event_new(base, -1, 0, switch_cb, p);
    if (!p->client || !p->ev_retry || !p->ev_tick || !p->ev_switch) {
        str_copy(err, errlen, "out of memory");
        pull_free(p);
        return NULL;
    }
    struct timeval sec = {1, 0};
    event_add(p->ev_tick, &sec);
    start(p);
    return p;
}

int pull_free(struct pull *p)
{
    if (!p)
        return 0;
    rtsp_client_free(p->client);
    if (p->ev_retry)
        event_free(p->ev_retry);
    if (p->ev_tick)
        event_free(p->ev_tick);
    if (p->ev_switch)
        event_free(p->ev_switch);
    int status = p->status;
    if (p->rec) {
        if (recorder_finish(p->rec)) {
            if (!p->rec_failed)
                log_error("pull: %s", recorder_error(p->rec));
            status = 1;
        }
        recorder_close(p->rec);
    }
    for (size_t i = 0; i < RTSP_MAX_TRACKS; i++) {
        p->tr[i].active = false;
        track_depay_reset(&p->tr[i]);
    }
    free(p);
    return status;
}
