#include "source/source.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/sv.h"
#include "hub/stream.h"
#include "rtp/aac.h"
#include "rtp/h264.h"
#include "source/file.h"
#include "source/relay.h"
#include "source/rtp_out.h"
#include "source/testsrc.h"

#define PT_H264 96
#define PT_AAC  97

struct source {
    struct hub_stream *stream;
    struct testsrc *ts;
    struct file_src *file;
    struct relay_src *relay;
    struct rtp_out out[2];
    char desc[160];
};

static void on_au(void *ctx, enum testsrc_track track, const uint8_t *data, size_t len, int64_t pts,
                  bool key)
{
    struct source *s = ctx;
    struct rtp_out *o = &s->out[track == TESTSRC_VIDEO ? 0 : 1];
    int r = rtp_out_au(o, data, len, (uint32_t)pts, key, clock_mono_us());
    if (r)
        log_warn("testsrc: dropped an access unit: packetizer error %d", r);
}

static const struct testsrc_cb testsrc_cbs = {.on_au = on_au};

static int spec_testsrc_opts(const char *spec, const char **opts)
{
    struct sv v = sv_from_cstr(spec);
    if (sv_eq_cstr(v, "testsrc")) {
        *opts = "";
        return 0;
    }
    if (sv_starts_with(v, "testsrc:")) {
        *opts = spec + 8;
        return 0;
    }
    return -EINVAL;
}

static bool spec_is_rtsp(const char *spec)
{
    struct sv v = sv_from_cstr(spec);
    return sv_istarts_with(v, "rtsp://") || sv_istarts_with(v, "rtsps://") ||
           sv_istarts_with(v, "rtsph://");
}

static bool spec_is_file(const char *spec, const char **path)
{
    if (strncmp(spec, "file:", 5) != 0)
        return false;
    *path = spec + 5;
    if (strncmp(*path, "//", 2) == 0) /* file:///abs/path */
        *path += 2;
    return true;
}

int source_check_spec(const char *spec, char *err, size_t errlen)
{
    const char *opts, *path;
    if (spec_testsrc_opts(spec, &opts) == 0) {
        struct testsrc_opts o;
        testsrc_opts_default(&o);
        return testsrc_opts_parse(opts, &o, err, errlen);
    }
    if (spec_is_file(spec, &path)) {
        if (!*path) {
            str_copy(err, errlen, "file: needs a path, e.g. file:/srv/video/demo.mp4");
            return -EINVAL;
        }
        if (access(path, R_OK) != 0) {
            str_fmt(err, errlen, "%s: %s", path, strerror(errno));
            return -EINVAL;
        }
        return 0;
    }
    if (spec_is_rtsp(spec))
        return relay_check_url(spec, err, errlen);
    str_fmt(err, errlen,
            "unknown source '%s' (expected testsrc[:options], file:PATH or rtsp://URL)", spec);
    return -EINVAL;
}

static int testsrc_start(struct source *s, struct event_base *base, const char *opts,
                         struct hub_stream *stream, uint32_t seed, char *err, size_t errlen)
{
    struct testsrc_opts o;
    testsrc_opts_default(&o);
    if (testsrc_opts_parse(opts, &o, err, errlen))
        return -1;
    rtp_out_init(&s->out[0], stream, 0, RTP_OUT_H264, PT_H264, seed);
    rtp_out_init(&s->out[1], stream, 1, RTP_OUT_AAC, PT_AAC, seed);
    s->ts = testsrc_new(base, &o, &testsrc_cbs, s, err, errlen);
    if (!s->ts)
        return -1;
    struct hub_track_info ti[2];
    memset(ti, 0, sizeof ti);
    size_t n = 1;
    const uint8_t *sps, *pps;
    size_t sps_len, pps_len;
    testsrc_h264_params(s->ts, &sps, &sps_len, &pps, &pps_len);
    str_copy(ti[0].media, sizeof ti[0].media, "video");
    ti[0].pt = PT_H264;
    ti[0].clock_rate = 90000;
    ti[0].is_video_key_track = true;
    str_copy(ti[0].rtpmap, sizeof ti[0].rtpmap, "H264/90000");
    if (h264_sdp_fmtp(sps, sps_len, pps, pps_len, ti[0].fmtp, sizeof ti[0].fmtp)) {
        str_copy(err, errlen, "testsrc: cannot describe H.264 parameters");
        return -1;
    }
    const struct testsrc_opts *eo = testsrc_get_opts(s->ts);
    const uint8_t *asc;
    size_t asc_len;
    int rate = 0, ch = 0;
    testsrc_aac_config(s->ts, &asc, &asc_len, &rate, &ch);
    if (asc_len) {
        str_copy(ti[1].media, sizeof ti[1].media, "audio");
        ti[1].pt = PT_AAC;
        ti[1].clock_rate = (uint32_t)rate;
        str_fmt(ti[1].rtpmap, sizeof ti[1].rtpmap, "MPEG4-GENERIC/%d/%d", rate, ch);
        if (aac_sdp_fmtp(asc, asc_len, ti[1].fmtp, sizeof ti[1].fmtp)) {
            str_copy(err, errlen, "testsrc: cannot describe AAC parameters");
            return -1;
        }
        n = 2;
    }
    if (hub_stream_set_tracks(stream, ti, n)) {
        str_copy(err, errlen, "testsrc: bad track layout");
        return -1;
    }
    if (asc_len)
        str_fmt(s->desc, sizeof s->desc, "testsrc H.264 %dx%d@%d + AAC %d Hz", eo->width,
                eo->height, eo->fps, rate);
    else
        str_fmt(s->desc, sizeof s->desc, "testsrc H.264 %dx%d@%d", eo->width, eo->height, eo->fps);
    return 0;
}

struct source *source_new(struct event_base *base, const char *spec, struct hub_stream *stream,
                          uint32_t seed, char *err, size_t errlen)
{
    return source_new_opts(base, spec, NULL, stream, seed, err, errlen);
}

_Static_assert(SOURCE_RTSP_AUTO == (int)RTSP_CLIENT_AUTO &&
                   SOURCE_RTSP_UDP == (int)RTSP_CLIENT_UDP &&
                   SOURCE_RTSP_TCP == (int)RTSP_CLIENT_TCP &&
                   SOURCE_RTSP_HTTP == (int)RTSP_CLIENT_HTTP &&
                   SOURCE_RTSP_MULTICAST == (int)RTSP_CLIENT_MULTICAST,
               "enum source_rtsp_transport and enum rtsp_client_transport must stay in step");

struct source *source_new_opts(struct event_base *base, const char *spec,
                               const struct source_opts *sopts, struct hub_stream *stream,
                               uint32_t seed, char *err, size_t errlen)
{
    const char *opts, *path;
    struct source *s = calloc(1, sizeof(*s));
    if (!s) {
        str_copy(err, errlen, "out of memory");
        return NULL;
    }
    s->stream = stream;
    if (spec_testsrc_opts(spec, &opts) == 0) {
        if (testsrc_start(s, base, opts, stream, seed, err, errlen))
            goto fail;
    } else if (spec_is_file(spec, &path)) {
        s->file = file_src_new(base, path, stream, seed, err, errlen);
        if (!s->file)
            goto fail;
        str_copy(s->desc, sizeof s->desc, file_src_describe(s->file));
    } else if (spec_is_rtsp(spec)) {
        struct relay_opts ro = {0};
        if (sopts) {
            ro.transport = (enum rtsp_client_transport)sopts->rtsp_transport;
            ro.udp_timeout_ms = sopts->rtsp_udp_timeout_ms;
        }
        s->relay = relay_src_new(base, spec, &ro, stream, err, errlen);
        if (!s->relay)
            goto fail;
        str_copy(s->desc, sizeof s->desc, relay_src_describe(s->relay));
    } else {
        source_check_spec(spec, err, errlen);
        goto fail;
    }
    return s;
fail:
    source_free(s);
    return NULL;
}

void source_free(struct source *s)
{
    if (!s)
        return;
    testsrc_free(s->ts);
    file_src_free(s->file);
    relay_src_free(s->relay);
    free(s);
}

const char *source_describe(const struct source *s)
{
    return s->desc;
}
