#include "source/source.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/pkt.h"
#include "core/sv.h"
#include "hub/stream.h"
#include "rtp/aac.h"
#include "rtp/h264.h"
#include "rtp/rtp.h"
#include "source/testsrc.h"

#define SRC_MAX_PAYLOAD 1400
#define PT_H264         96
#define PT_AAC          97

struct out_track {
    uint8_t pt;
    uint16_t seq;
    uint32_t ts_base;
};

struct source {
    struct hub_stream *stream;
    struct testsrc *ts;
    struct out_track tr[2];
    /* packetizer context for the AU being emitted */
    int cur_track;
    uint32_t cur_ts;
    bool cur_key;
    bool cur_first;
    uint64_t now_us;
    char desc[128];
};

static int emit(void *ctx, const struct rtp_chunk *parts, int nparts, bool marker)
{
    struct source *s = ctx;
    size_t n = RTP_HEADER_LEN;
    for (int i = 0; i < nparts; i++)
        n += parts[i].n;
    struct pkt *p = pkt_new(n);
    if (!p)
        return -ENOMEM;
    struct out_track *t = &s->tr[s->cur_track];
    rtp_write_header(p->data, marker, t->pt, t->seq++, s->cur_ts, 0);
    size_t off = RTP_HEADER_LEN;
    for (int i = 0; i < nparts; i++) {
        memcpy(p->data + off, parts[i].p, parts[i].n);
        off += parts[i].n;
    }
    p->track = (uint8_t)s->cur_track;
    if (s->cur_first) {
        p->flags |= PKT_F_AU_START;
        if (s->cur_key)
            p->flags |= PKT_F_KEY;
        s->cur_first = false;
    }
    hub_stream_publish(s->stream, p, s->now_us);
    return 0;
}

static void on_au(void *ctx, enum testsrc_track track, const uint8_t *data, size_t len,
                  int64_t pts, bool key)
{
    struct source *s = ctx;
    s->cur_track = track == TESTSRC_VIDEO ? 0 : 1;
    s->cur_ts = s->tr[s->cur_track].ts_base + (uint32_t)pts;
    s->cur_key = key;
    s->cur_first = true;
    s->now_us = clock_mono_us();
    int r = track == TESTSRC_VIDEO ? h264_packetize(data, len, 0, SRC_MAX_PAYLOAD, emit, s)
                                   : aac_packetize(data, len, SRC_MAX_PAYLOAD, emit, s);
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

int source_check_spec(const char *spec, char *err, size_t errlen)
{
    const char *opts;
    if (spec_testsrc_opts(spec, &opts) == 0) {
        struct testsrc_opts o;
        testsrc_opts_default(&o);
        return testsrc_opts_parse(opts, &o, err, errlen);
    }
    str_fmt(err, errlen, "unknown source '%s' (expected testsrc[:options])", spec);
    return -EINVAL;
}

struct source *source_new(struct event_base *base, const char *spec, struct hub_stream *stream,
                          uint32_t seed, char *err, size_t errlen)
{
    const char *opts;
    if (spec_testsrc_opts(spec, &opts)) {
        source_check_spec(spec, err, errlen);
        return NULL;
    }
    struct testsrc_opts o;
    testsrc_opts_default(&o);
    if (testsrc_opts_parse(opts, &o, err, errlen))
        return NULL;
    struct source *s = calloc(1, sizeof(*s));
    if (!s) {
        str_copy(err, errlen, "out of memory");
        return NULL;
    }
    s->stream = stream;
    s->tr[0] = (struct out_track){PT_H264, (uint16_t)(seed * 7u), seed * 2654435761u};
    s->tr[1] = (struct out_track){PT_AAC, (uint16_t)(seed * 13u), seed * 40503u};
    s->ts = testsrc_new(base, &o, &testsrc_cbs, s, err, errlen);
    if (!s->ts) {
        free(s);
        return NULL;
    }
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
        goto fail;
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
            goto fail;
        }
        n = 2;
    }
    if (hub_stream_set_tracks(stream, ti, n)) {
        str_copy(err, errlen, "testsrc: bad track layout");
        goto fail;
    }
    if (asc_len)
        str_fmt(s->desc, sizeof s->desc, "testsrc H.264 %dx%d@%d + AAC %d Hz", eo->width,
                eo->height, eo->fps, rate);
    else
        str_fmt(s->desc, sizeof s->desc, "testsrc H.264 %dx%d@%d", eo->width, eo->height,
                eo->fps);
    return s;
fail:
    testsrc_free(s->ts);
    free(s);
    return NULL;
}

void source_free(struct source *s)
{
    if (!s)
        return;
    testsrc_free(s->ts);
    free(s);
}

const char *source_describe(const struct source *s)
{
    return s->desc;
}
