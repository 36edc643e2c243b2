/* `rtspgate probe`: see probe.h. */
#include "diag/probe.h"

#include <errno.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "client/rtsp_client.h"
#include "core/clock.h"
#include "core/log.h"
#include "rtp/rtcp.h"
#include "rtp/rtp.h"
#include "rtp/rxstats.h"
#include "rtp/sps.h"

enum { P_UDP = 0, P_TCP, P_HTTP, P_MCAST, P_N };
static const char *const tr_names[P_N] = {"udp", "tcp", "http_tunnel", "multicast"};
static const char *const tr_titles[P_N] = {"RTP/UDP", "TCP interleaved", "RTSP over HTTP tunnel",
                                           "RTP/UDP multicast"};
static const enum rtsp_client_transport tr_client[P_N] = {RTSP_CLIENT_UDP, RTSP_CLIENT_TCP,
                                                          RTSP_CLIENT_HTTP, RTSP_CLIENT_MULTICAST};

struct track_info {
    char media[16], codec[32], control[256];
    unsigned pt, clock_rate;
    bool has_sps; /* facts from the H.264 or H.265 SPS in the SDP */
    unsigned width, height, bit_depth;
    const char *profile;
    double level; /* 3.1, 4.0, ... */
    bool has_fps;
    double fps;
};

struct media_rx {
    struct rxstats rx;
    uint64_t rtcp_packets;
    bool rtcp_sr;
    bool have_first;
    uint32_t first_ts, last_ts;
    uint64_t first_us, last_us;
};

struct run {
    bool tried;
    int setup_status; /* first non-200 SETUP status, else 200; 0: no SETUP answered */
    char setup_reason[128];
    char error[256];
    bool playing;
    uint64_t start_us, playing_us, first_rtp_us, end_us;
    struct media_rx m[RTSP_MAX_TRACKS];
};

struct probe {
    struct event_base *base;
    struct event *timer;
    struct rtsp_client *cl;
    unsigned seconds;
    int cur;
    struct run runs[P_N];
    /* OPTIONS/DESCRIBE facts (from the first run that got them) */
    bool described;
    int options_status, describe_status;
    char describe_reason[128];
    char server[256], public_[512], auth[64], url[1024];
    size_t n_tracks;
    struct track_info tracks[RTSP_MAX_TRACKS];
};

static void sv_cpy(char *dst, size_t cap, struct sv s)
{
    size_t n = s.n < cap - 1 ? s.n : cap - 1;
    if (n)
        memcpy(dst, s.p, n);
    dst[n] = 0;
}

static void on_response(void *ctx, enum rtsp_method method, const struct rtsp_msg *m)
{
    struct probe *p = ctx;
    struct run *r = &p->runs[p->cur];
    struct sv srv = rtsp_msg_header(m, "Server");
    if (srv.p && !p->server[0])
        sv_cpy(p->server, sizeof p->server, srv);
    if (m->status == 401 && !p->auth[0]) {
        /* every challenge scheme offered, in order */
        size_t used = 0;
        for (size_t i = 0; i < m->n_headers; i++) {
            if (!sv_ieq_cstr(m->headers[i].name, "WWW-Authenticate"))
                continue;
            struct sv v = m->headers[i].value, scheme;
            sv_split(v, ' ', &scheme);
            char one[32];
            sv_cpy(one, sizeof one, scheme);
            if (strstr(p->auth, one))
                continue;
            int w = snprintf(p->auth + used, sizeof p->auth - used, "%s%s", used ? ", " : "", one);
            if (w < 0 || (size_t)w >= sizeof p->auth - used)
                break;
            used += (size_t)w;
        }
        if (!p->auth[0])
            snprintf(p->auth, sizeof p->auth, "unknown");
    }
    switch (method) {
    case RTSP_METHOD_OPTIONS:
        if (!p->options_status) {
            p->options_status = m->status;
            struct sv pub = rtsp_msg_header(m, "Public");
            if (pub.p)
                sv_cpy(p->public_, sizeof p->public_, pub);
        }
        break;
    case RTSP_METHOD_DESCRIBE:
        if (!p->described && m->status != 401) {
            p->describe_status = m->status;
            snprintf(p->describe_reason, sizeof p->describe_reason, "%d %.*s", m->status,
                     (int)m->reason.n, m->reason.p);
        }
        break;
    case RTSP_METHOD_SETUP:
        if (m->status == 401)
            break;
        if (r->setup_status == 0 || r->setup_status == 200) {
            r->setup_status = m->status;
            snprintf(r->setup_reason, sizeof r->setup_reason, "%d %.*s", m->status,
                     (int)m->reason.n, m->reason.p);
        }
        break;
    default:
        break;
    }
}

static int on_describe(void *ctx, struct rtsp_client_desc *d)
{
    struct probe *p = ctx;
    if (p->described)
        return 0;
    p->described = true;
    p->describe_status = 200;
    snprintf(p->url, sizeof p->url, "%s", d->url);
    p->n_tracks = d->sdp->n_media;
    for (size_t i = 0; i < d->sdp->n_media; i++) {
        const struct sdp_media *sm = &d->sdp->media[i];
        struct track_info *t = &p->tracks[i];
        *t = (struct track_info){0};
        struct h264_sps_info s4;
        struct h265_sps_info s5;
        if (sv_ieq_cstr(sm->encoding, "H264") && h264_sps_from_fmtp(sm->fmtp, &s4) == 0) {
            *t = (struct track_info){.has_sps = true,
                                     .width = s4.width,
                                     .height = s4.height,
                                     .profile =
                                         h264_profile_name(s4.profile_idc, s4.constraint_flags),
                                     .level = s4.level_idc / 10.0,
                                     .has_fps = s4.has_fps,
                                     .fps = s4.fps};
        } else if (sv_ieq_cstr(sm->encoding, "H265") && h265_sps_from_fmtp(sm->fmtp, &s5) == 0) {
            *t = (struct track_info){.has_sps = true,
                                     .width = s5.width,
                                     .height = s5.height,
                                     .bit_depth = s5.bit_depth,
                                     .profile = h265_profile_name(s5.profile_idc),
                                     .level = s5.level_idc / 30.0,
                                     .has_fps = s5.has_fps,
                                     .fps = s5.fps};
        }
        sv_cpy(t->media, sizeof t->media, sm->media);
        sv_cpy(t->codec, sizeof t->codec, sm->encoding);
        sv_cpy(t->control, sizeof t->control, sm->control);
        t->pt = sm->pt;
        t->clock_rate = sm->clock_rate;
    }
    return 0;
}

static void on_timer(evutil_socket_t fd, short ev, void *arg)
{
    (void)fd, (void)ev;
    struct probe *p = arg;
    struct run *r = &p->runs[p->cur];
    if (!r->playing && !r->error[0])
        snprintf(r->error, sizeof r->error, "no answer in time");
    event_base_loopbreak(p->base);
}

static void on_playing(void *ctx, enum rtsp_lower lower)
{
    (void)lower;
    struct probe *p = ctx;
    struct run *r = &p->runs[p->cur];
    r->playing = true;
    r->playing_us = clock_mono_us();
    struct timeval tv = {p->seconds, 0};
    evtimer_add(p->timer, &tv);
}

static void on_packet(void *ctx, size_t media, bool rtcp, const uint8_t *data, size_t len)
{
    struct probe *p = ctx;
    struct run *r = &p->runs[p->cur];
    if (media >= RTSP_MAX_TRACKS)
        return;
    struct media_rx *mr = &r->m[media];
    uint64_t now = clock_mono_us();
    if (rtcp) {
        mr->rtcp_packets++;
        struct rtcp_info info;
        if (rtcp_parse(data, len, &info) == 0 && info.has_sr)
            mr->rtcp_sr = true;
        return;
    }
    if (!r->first_rtp_us)
        r->first_rtp_us = now;
    rxstats_add(&mr->rx, data, len);
    if (len >= 12) {
        uint32_t ts = rtp_ts_of(data);
        if (!mr->have_first) {
            mr->have_first = true;
            mr->first_ts = ts;
            mr->first_us = now;
        }
        mr->last_ts = ts;
        mr->last_us = now;
    }
}

static void on_close(void *ctx, int err, const char *reason)
{
    struct probe *p = ctx;
    struct run *r = &p->runs[p->cur];
    if (err < 0 && !r->error[0])
        snprintf(r->error, sizeof r->error, "%s", reason ? reason : strerror(-err));
    event_base_loopbreak(p->base);
}

static uint64_t run_packets(const struct run *r)
{
    uint64_t n = 0;
    for (size_t i = 0; i < RTSP_MAX_TRACKS; i++)
        n += r->m[i].rx.packets;
    return n;
}

static uint64_t run_bytes(const struct run *r)
{
    uint64_t n = 0;
    for (size_t i = 0; i < RTSP_MAX_TRACKS; i++)
        n += r->m[i].rx.bytes;
    return n;
}

static double run_seconds(const struct run *r)
{
    if (!r->playing || r->end_us <= r->playing_us)
        return 0;
    return (double)(r->end_us - r->playing_us) / 1e6;
}

static double run_kbps(const struct run *r)
{
    double s = run_seconds(r);
    return s > 0 ? (double)run_bytes(r) * 8 / 1000 / s : 0;
}

/* Time from the PLAY answer to the first RTP packet (0 if it came first). */
static double first_ms(const struct run *r)
{
    return r->first_rtp_us > r->playing_us ? (double)(r->first_rtp_us - r->playing_us) / 1000 : 0;
}

static bool run_works(const struct run *r)
{
    return run_packets(r) > 0;
}

/* RTP clock vs wall clock of media i, as a ratio (1.0 ideal); < 0 when unknown. */
static double ts_ratio(const struct probe *p, const struct media_rx *mr, size_t i)
{
    if (i >= p->n_tracks || !p->tracks[i].clock_rate || !mr->have_first ||
        mr->last_us - mr->first_us < 2000000)
        return -1;
    double rtp = (double)(uint32_t)(mr->last_ts - mr->first_ts) / p->tracks[i].clock_rate;
    return rtp / ((double)(mr->last_us - mr->first_us) / 1e6);
}

static bool run_ts_ok(const struct probe *p, const struct run *r)
{
    for (size_t i = 0; i < RTSP_MAX_TRACKS; i++) {
        const struct media_rx *mr = &r->m[i];
        if (!mr->rx.packets)
            continue;
        if (mr->rx.ts_backwards)
            return false;
        double q = ts_ratio(p, mr, i);
        if (q >= 0 && (q < 0.5 || q > 2.0))
            return false;
    }
    return true;
}

static bool run_rtcp_sr(const struct run *r)
{
    for (size_t i = 0; i < RTSP_MAX_TRACKS; i++)
        if (r->m[i].rtcp_sr)
            return true;
    return false;
}

static void run_one(struct probe *p, int which, const char *url)
{
    p->cur = which;
    struct run *r = &p->runs[which];
    memset(r, 0, sizeof *r);
    r->tried = true;
    for (size_t i = 0; i < RTSP_MAX_TRACKS; i++)
        rxstats_init(&r->m[i].rx);
    struct rtsp_client_opts o = {
        .transport = tr_client[which],
        .connect_timeout_ms = 5000,
        .response_timeout_ms = 5000,
        .data_timeout_ms = (p->seconds + 5) * 1000,
    };
    r->start_us = clock_mono_us();
    int e = rtsp_client_start(p->cl, url, &o);
    if (e) {
        snprintf(r->error, sizeof r->error, "%s",
                 e == -EPROTONOSUPPORT ? "not an rtsp://, rtsps:// or rtsph:// URL" : "bad URL");
        return;
    }
    /* a bound on the whole attempt; replaced by the measuring window at PLAY */
    struct timeval tv = {p->seconds + 20, 0};
    evtimer_add(p->timer, &tv);
    event_base_dispatch(p->base);
    evtimer_del(p->timer);
    r->end_us = clock_mono_us();
    rtsp_client_stop(p->cl);
}

/* ---- output ---- */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_str_or_null(FILE *f, const char *s)
{
    if (s && *s)
        json_str(f, s);
    else
        fputs("null", f);
}

static void transport_line(const struct probe *p, int i, char *out, size_t cap)
{
    const struct run *r = &p->runs[i];
    if (!r->tried) {
        snprintf(out, cap, "%s: not tried (%s)", tr_titles[i],
                 p->described ? "stopped earlier" : "DESCRIBE failed");
    } else if (r->setup_status && r->setup_status != 200) {
        snprintf(out, cap, "%s: SETUP refused (%s)", tr_titles[i], r->setup_reason);
    } else if (run_works(r)) {
        snprintf(out, cap, "%s: works (%.2f Mbit/s)", tr_titles[i], run_kbps(r) / 1000);
    } else if (r->playing) {
        snprintf(out, cap, "%s: SETUP accepted, 0 packets in %.0f s", tr_titles[i], run_seconds(r));
    } else {
        snprintf(out, cap, "%s: failed (%s)", tr_titles[i], r->error[0] ? r->error : "unknown");
    }
}

static void verdict(const struct probe *p, const char *url, char *v, size_t vcap, char *adv,
                    size_t acap)
{
    const struct run *u = &p->runs[P_UDP], *t = &p->runs[P_TCP];
    bool uw = run_works(u), tw = run_works(t);
    char lu[384], lt[384];
    transport_line(p, P_UDP, lu, sizeof lu);
    transport_line(p, P_TCP, lt, sizeof lt);
    if (!p->described) {
        snprintf(v, vcap, "DESCRIBE failed: %s", u->error[0] ? u->error : p->describe_reason);
        if (strstr(v, "401") || strstr(v, "authentication") || strstr(v, "credentials"))
            snprintf(adv, acap,
                     "Give the right user and password (--user/--password or "
                     "rtsp://user:pass@host/...).");
        else
            snprintf(adv, acap, "Check the host, port and path of the URL.");
        return;
    }
    if (uw && tw) {
        snprintf(v, vcap, "%s. %s.", lu, lt);
        snprintf(adv, acap,
                 "Both transports work. Across NATs and firewalls prefer TCP: ffmpeg "
                 "-rtsp_transport tcp -i %s",
                 url);
    } else if (tw) {
        const char *why = u->playing && !run_works(u)
                              ? " - a NAT or firewall drops the negotiated UDP ports"
                              : "";
        snprintf(v, vcap, "%s%s. %s.", lu, why, lt);
        snprintf(adv, acap, "Use: ffmpeg -rtsp_transport tcp -i %s", url);
    } else if (uw) {
        snprintf(v, vcap, "%s. %s.", lu, lt);
        snprintf(adv, acap, "Use: ffmpeg -rtsp_transport udp -i %s", url);
    } else if (run_works(&p->runs[P_HTTP])) {
        snprintf(v, vcap, "%s. %s.", lu, lt);
        snprintf(adv, acap,
                 "Only the HTTP tunnel works: ffmpeg -rtsp_transport http -i %s (or rtspgate "
                 "pull -t http, GStreamer rtsph://)",
                 url);
    } else if (run_works(&p->runs[P_MCAST])) {
        snprintf(v, vcap, "%s. %s.", lu, lt);
        snprintf(adv, acap, "Only multicast works: ffmpeg -rtsp_transport udp_multicast -i %s",
                 url);
    } else {
        snprintf(v, vcap, "%s. %s. No transport delivered media.", lu, lt);
        snprintf(adv, acap,
                 "The server accepts the session but sends nothing, or refuses every "
                 "transport: check the camera's stream settings and that this path has a live "
                 "source.");
    }
    /* the HTTP tunnel and multicast results follow the UDP/TCP verdict */
    for (int i = P_HTTP; i < P_N; i++) {
        char l[384];
        transport_line(p, i, l, sizeof l);
        size_t n = strlen(v);
        if (n + 2 < vcap)
            snprintf(v + n, vcap - n, " %s.", l);
    }
}

static void print_text(const struct probe *p, FILE *f, const char *v, const char *adv)
{
    fprintf(f, "URL:       %s\n", p->url[0] ? p->url : "(not described)");
    fprintf(f, "Server:    %s\n", p->server[0] ? p->server : "(no Server header)");
    fprintf(f, "Auth:      %s\n", p->auth[0] ? p->auth : "none");
    fprintf(f, "OPTIONS:   %d, Public: %s\n", p->options_status, p->public_[0] ? p->public_ : "-");
    fprintf(f, "DESCRIBE:  %s\n",
            p->described            ? "200 OK"
            : p->describe_reason[0] ? p->describe_reason
                                    : "no answer");
    for (size_t i = 0; i < p->n_tracks; i++) {
        const struct track_info *t = &p->tracks[i];
        fprintf(f, "Track %zu:   %s %s/%u (pt %u)", i, t->media, t->codec[0] ? t->codec : "?",
                t->clock_rate, t->pt);
        if (t->has_sps) {
            fprintf(f, ", %ux%u, %s profile, level %.1f", t->width, t->height, t->profile,
                    t->level);
            if (t->bit_depth > 8)
                fprintf(f, ", %u-bit", t->bit_depth);
            if (t->has_fps)
                fprintf(f, ", %.2f fps", t->fps);
        }
        fputc('\n', f);
    }
    for (int i = 0; i < P_N; i++) {
        const struct run *r = &p->runs[i];
        char line[384];
        transport_line(p, i, line, sizeof line);
        fprintf(f, "%s\n", line);
        if (!r->tried)
            continue;
        if (r->setup_status)
            fprintf(f, "  SETUP: %s\n", r->setup_reason);
        if (r->error[0])
            fprintf(f, "  error: %s\n", r->error);
        if (r->playing) {
            if (r->first_rtp_us)
                fprintf(f, "  first RTP packet %.0f ms after PLAY\n", first_ms(r));
            for (size_t m = 0; m < p->n_tracks && m < RTSP_MAX_TRACKS; m++) {
                const struct media_rx *mr = &r->m[m];
                fprintf(f,
                        "  track %zu: %llu packets, %.0f kbit/s, lost %llu, reordered %llu, "
                        "duplicates %llu, RTCP %llu (SR %s), timestamps %s\n",
                        m, (unsigned long long)mr->rx.packets,
                        run_seconds(r) > 0 ? (double)mr->rx.bytes * 8 / 1000 / run_seconds(r) : 0,
                        (unsigned long long)rxstats_lost(&mr->rx),
                        (unsigned long long)mr->rx.reordered, (unsigned long long)mr->rx.duplicates,
                        (unsigned long long)mr->rtcp_packets, mr->rtcp_sr ? "yes" : "no",
                        !mr->rx.packets       ? "-"
                        : mr->rx.ts_backwards ? "go backwards"
                                              : "monotonic");
            }
        }
    }
    fprintf(f, "Verdict:   %s\n", v);
    fprintf(f, "Advice:    %s\n", adv);
}

static void print_json(const struct probe *p, FILE *f, const char *v, const char *adv, int code)
{
    fputs("{\"url\":", f);
    json_str_or_null(f, p->url);
    fputs(",\"server\":", f);
    json_str_or_null(f, p->server);
    fputs(",\"auth\":", f);
    json_str(f, p->auth[0] ? p->auth : "none");
    fprintf(f, ",\"options_status\":%d,\"public\":", p->options_status);
    json_str_or_null(f, p->public_);
    fprintf(f, ",\"describe_status\":%d,\"tracks\":[", p->describe_status);
    for (size_t i = 0; i < p->n_tracks; i++) {
        const struct track_info *t = &p->tracks[i];
        fprintf(f, "%s{\"media\":", i ? "," : "");
        json_str(f, t->media);
        fputs(",\"codec\":", f);
        json_str_or_null(f, t->codec);
        fprintf(f, ",\"payload_type\":%u,\"clock_rate\":%u", t->pt, t->clock_rate);
        if (t->has_sps) {
            fprintf(f, ",\"width\":%u,\"height\":%u,\"profile\":", t->width, t->height);
            json_str(f, t->profile);
            fprintf(f, ",\"level\":%.1f", t->level);
            if (t->bit_depth)
                fprintf(f, ",\"bit_depth\":%u", t->bit_depth);
            if (t->has_fps)
                fprintf(f, ",\"fps\":%.3f", t->fps);
        }
        fputc('}', f);
    }
    fputs("],\"transports\":[", f);
    for (int i = 0; i < P_N; i++) {
        const struct run *r = &p->runs[i];
        fprintf(f, "%s{\"name\":\"%s\",\"tried\":%s", i ? "," : "", tr_names[i],
                r->tried ? "true" : "false");
        if (!r->tried)
            fprintf(f, ",\"note\":\"%s\"", p->described ? "stopped earlier" : "DESCRIBE failed");
        if (r->tried) {
            fprintf(f, ",\"setup_status\":%d,\"setup_reason\":", r->setup_status);
            json_str_or_null(f, r->setup_reason);
            fputs(",\"error\":", f);
            json_str_or_null(f, r->error);
            fprintf(f, ",\"playing\":%s", r->playing ? "true" : "false");
            if (r->first_rtp_us)
                fprintf(f, ",\"first_rtp_ms\":%.1f", first_ms(r));
            else
                fputs(",\"first_rtp_ms\":null", f);
            uint64_t lost = 0, reo = 0, dup = 0, rtcp = 0;
            for (size_t m = 0; m < RTSP_MAX_TRACKS; m++) {
                lost += rxstats_lost(&r->m[m].rx);
                reo += r->m[m].rx.reordered;
                dup += r->m[m].rx.duplicates;
                rtcp += r->m[m].rtcp_packets;
            }
            fprintf(f,
                    ",\"seconds\":%.2f,\"packets\":%llu,\"bytes\":%llu,\"bitrate_kbps\":%.1f,"
                    "\"lost\":%llu,\"reordered\":%llu,\"duplicates\":%llu,\"rtcp_packets\":%llu,"
                    "\"rtcp_sr\":%s,\"timestamps_ok\":%s",
                    run_seconds(r), (unsigned long long)run_packets(r),
                    (unsigned long long)run_bytes(r), run_kbps(r), (unsigned long long)lost,
                    (unsigned long long)reo, (unsigned long long)dup, (unsigned long long)rtcp,
                    run_rtcp_sr(r) ? "true" : "false", run_ts_ok(p, r) ? "true" : "false");
        }
        fprintf(f, ",\"works\":%s}", run_works(r) ? "true" : "false");
    }
    fputs("],\"verdict\":", f);
    json_str(f, v);
    fputs(",\"advice\":", f);
    json_str(f, adv);
    fprintf(f, ",\"exit_status\":%d}\n", code);
}

/* The URL without user:password@ for advice lines. */
static void strip_credentials(const char *in, char *out, size_t cap)
{
    const char *s = strstr(in, "://");
    const char *at = s ? strchr(s + 3, '@') : NULL;
    const char *slash = s ? strchr(s + 3, '/') : NULL;
    if (at && (!slash || at < slash))
        snprintf(out, cap, "%.*s%s", (int)(s + 3 - in), in, at + 1);
    else
        snprintf(out, cap, "%s", in);
}

int probe_run(const struct probe_opts *o, FILE *out)
{
    struct probe *p = calloc(1, sizeof *p);
    if (!p)
        return 1;
    p->seconds = o->seconds ? o->seconds : 3;
    p->base = event_base_new();
    static const struct rtsp_client_cb cb = {
        .on_describe = on_describe,
        .on_playing = on_playing,
        .on_packet = on_packet,
        .on_close = on_close,
        .on_response = on_response,
    };
    int code = 1;
    if (!p->base || !(p->timer = evtimer_new(p->base, on_timer, p)) ||
        !(p->cl = rtsp_client_new(p->base, &cb, p))) {
        fprintf(stderr, "rtspgate probe: out of memory\n");
        goto out;
    }
    run_one(p, P_UDP, o->url);
    for (int i = P_TCP; i < P_N && p->described; i++)
        run_one(p, i, o->url);
    code = 1;
    for (int i = 0; i < P_N; i++)
        if (run_works(&p->runs[i]))
            code = 0;
    char url[1024], v[2048], adv[1400];
    strip_credentials(p->url[0] ? p->url : o->url, url, sizeof url);
    verdict(p, url, v, sizeof v, adv, sizeof adv);
    if (o->json)
        print_json(p, out, v, adv, code);
    else
        print_text(p, out, v, adv);
out:
    rtsp_client_free(p->cl);
    if (p->timer)
        event_free(p->timer);
    if (p->base)
        event_base_free(p->base);
    free(p);
    return code;
}
