#include "source/file.h"

#include <errno.h>
#include <event2/event.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/sv.h"
#include "hub/stream.h"
#include "rtp/aac.h"
#include "rtp/h264.h"
#include "source/rtp_out.h"

#define PT_H264 96
#define PT_AAC  97

struct file_track {
    int av_index;
    AVRational tb;
    uint32_t clock_rate;
    bool adts; /* AAC with ADTS headers in each packet (MPEG-TS) */
    /* elementary streams (raw .h264) carry no timestamps: frame n is due at
     * n frame durations (the demuxer's frame rate, 25 fps unless told) */
    int64_t frame_dur; /* in tb; 0: unknown */
    int64_t synth_n;   /* frames so far in this pass */
    struct rtp_out out;
};

struct file_src {
    struct event_base *base;
    struct hub_stream *stream;
    char path[1024];
    AVFormatContext *fmt;
    AVPacket *pkt;
    bool have_pending; /* pkt holds a read packet not yet sent */
    struct file_track tr[2];
    size_t n_tracks;
    int track_of[64]; /* av stream index -> track, -1 */
    struct event *timer;
    uint64_t start_us;   /* wall time of media time 0 in the current loop */
    int64_t loop_off_us; /* media time added by previous loops */
    int64_t last_us;     /* latest media time seen in this loop (for the loop length) */
    int64_t first_us;    /* media time of the first packet */
    int64_t lead_us;     /* how far a track's PTS starts before first_us (AAC priming) */
    bool have_first;
    unsigned loops;
    char desc[256];
};

/* avcC (ISO 14496-15) -> SPS, PPS and the NAL length size. */
static int avcc_params(const uint8_t *x, size_t n, const uint8_t **sps, size_t *sps_len,
                       const uint8_t **pps, size_t *pps_len, int *nal_len_size)
{
    if (n < 7 || x[0] != 1)
        return -EPROTO;
    *nal_len_size = (x[4] & 3) + 1;
    size_t off = 6;
    unsigned nsps = x[5] & 0x1f;
    *sps = *pps = NULL;
    for (unsigned i = 0; i < nsps; i++) {
        if (off + 2 > n)
            return -EPROTO;
        size_t l = (size_t)x[off] << 8 | x[off + 1];
        if (off + 2 + l > n)
            return -EPROTO;
        if (!*sps) {
            *sps = x + off + 2;
            *sps_len = l;
        }
        off += 2 + l;
    }
    if (off + 1 > n)
        return -EPROTO;
    unsigned npps = x[off++];
    for (unsigned i = 0; i < npps; i++) {
        if (off + 2 > n)
            return -EPROTO;
        size_t l = (size_t)x[off] << 8 | x[off + 1];
        if (off + 2 + l > n)
            return -EPROTO;
        if (!*pps) {
            *pps = x + off + 2;
            *pps_len = l;
        }
        off += 2 + l;
    }
    return *sps && *pps ? 0 : -EPROTO;
}

/* SPS and PPS from an Annex B buffer. */
static int annexb_params(const uint8_t *x, size_t n, const uint8_t **sps, size_t *sps_len,
                         const uint8_t **pps, size_t *pps_len)
{
    size_t pos = 0;
    const uint8_t *nal;
    size_t nl;
    *sps = *pps = NULL;
    while (h264_annexb_next(x, n, &pos, &nal, &nl)) {
        if (!nl)
            continue;
        if ((nal[0] & 0x1f) == 7 && !*sps) {
            *sps = nal;
            *sps_len = nl;
        } else if ((nal[0] & 0x1f) == 8 && !*pps) {
            *pps = nal;
            *pps_len = nl;
        }
    }
    return *sps && *pps ? 0 : -EPROTO;
}

static const int adts_rates[16] = {96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050,
                                   16000, 12000, 11025, 8000,  7350,  0,     0,     0};

/* ADTS header length, or 0 if this is not ADTS. Fills an AudioSpecificConfig. */
static size_t adts_header(const uint8_t *x, size_t n, uint8_t asc[2], int *rate, int *channels)
{
    if (n < 7 || x[0] != 0xff || (x[1] & 0xf6) != 0xf0)
        return 0;
    int profile = (x[2] >> 6) + 1;
    int sfi = (x[2] >> 2) & 0xf;
    int ch = ((x[2] & 1) << 2) | (x[3] >> 6);
    if (!adts_rates[sfi])
        return 0;
    asc[0] = (uint8_t)(profile << 3 | sfi >> 1);
    asc[1] = (uint8_t)((sfi & 1) << 7 | ch << 3);
    *rate = adts_rates[sfi];
    *channels = ch;
    return (x[1] & 1) ? 7 : 9;
}

static int64_t pkt_time_us(const struct file_track *t, int64_t ts)
{
    return av_rescale_q(ts, t->tb, (AVRational){1, 1000000});
}

/* Back to the first packet: by timestamp, or by byte for elementary streams
 * (raw .h264) that have no timestamps to seek by. */
static int rewind_input(struct file_src *f)
{
    if (avformat_seek_file(f->fmt, -1, INT64_MIN, 0, 0, 0) >= 0)
        return 0;
    return av_seek_frame(f->fmt, -1, 0, AVSEEK_FLAG_BYTE) >= 0 ? 0 : -1;
}

static int setup_tracks(struct file_src *f, char *err, size_t errlen)
{
    struct hub_track_info ti[2];
    memset(ti, 0, sizeof ti);
    for (int i = 0; i < 64; i++)
        f->track_of[i] = -1;
    int vi = av_find_best_stream(f->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    int ai = av_find_best_stream(f->fmt, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    char vdesc[96] = "", adesc[64] = "";
    if (vi >= 0 && vi < 64) {
        AVCodecParameters *cp = f->fmt->streams[vi]->codecpar;
        if (cp->codec_id != AV_CODEC_ID_H264) {
            log_warn("%s: video codec %s is not served yet (H.264 only); skipping it", f->path,
                     avcodec_get_name(cp->codec_id));
        } else {
            const uint8_t *sps = NULL, *pps = NULL;
            size_t sl = 0, pl = 0;
            int nls = 0;
            int r = -EPROTO;
            if (cp->extradata_size > 0 && cp->extradata[0] == 1)
                r = avcc_params(cp->extradata, (size_t)cp->extradata_size, &sps, &sl, &pps, &pl,
                                &nls);
            else if (cp->extradata_size > 0)
                r = annexb_params(cp->extradata, (size_t)cp->extradata_size, &sps, &sl, &pps, &pl);
            AVPacket *first = NULL;
            if (r && !cp->extradata_size) {
                /* an elementary stream (raw .h264): the parameter sets are in
                 * the first keyframe only, where a viewer joining later would
                 * never see them; take them from there for the SDP */
                first = av_packet_alloc();
                for (int k = 0; first && k < 64 && av_read_frame(f->fmt, first) >= 0; k++) {
                    if (first->stream_index == vi && annexb_params(first->data, (size_t)first->size,
                                                                   &sps, &sl, &pps, &pl) == 0) {
                        r = 0;
                        break;
                    }
                    av_packet_unref(first);
                }
            }
            struct file_track *t = &f->tr[f->n_tracks];
            t->av_index = vi;
            t->tb = f->fmt->streams[vi]->time_base;
            t->clock_rate = 90000;
            AVRational rate = f->fmt->streams[vi]->avg_frame_rate;
            if (rate.num <= 0 || rate.den <= 0)
                rate = f->fmt->streams[vi]->r_frame_rate;
            if (rate.num > 0 && rate.den > 0)
                t->frame_dur = av_rescale_q(1, av_inv_q(rate), t->tb);
            struct hub_track_info *h = &ti[f->n_tracks];
            str_copy(h->media, sizeof h->media, "video");
            h->pt = PT_H264;
            h->clock_rate = 90000;
            h->is_video_key_track = true;
            str_copy(h->rtpmap, sizeof h->rtpmap, "H264/90000");
            int fr = r == 0 ? h264_sdp_fmtp(sps, sl, pps, pl, h->fmtp, sizeof h->fmtp) : r;
            if (first) {
                av_packet_free(&first);
                rewind_input(f);
            }
            if (fr == 0) {
                /* parameter sets in the SDP */
            } else {
                str_copy(h->fmtp, sizeof h->fmtp, "packetization-mode=1");
                log_warn("%s: no H.264 parameter sets in the container header; players must take "
                         "them from the stream",
                         f->path);
            }
            rtp_out_init(&t->out, f->stream, (uint8_t)f->n_tracks, RTP_OUT_H264, PT_H264, 0);
            t->out.nal_length_size = nls;
            f->track_of[vi] = (int)f->n_tracks++;
            str_fmt(vdesc, sizeof vdesc, "H.264 %dx%d", cp->width, cp->height);
        }
    }
    if (ai >= 0 && ai < 64) {
        AVCodecParameters *cp = f->fmt->streams[ai]->codecpar;
        if (cp->codec_id != AV_CODEC_ID_AAC) {
            log_warn("%s: audio codec %s is not served yet (AAC only); skipping it", f->path,
                     avcodec_get_name(cp->codec_id));
        } else {
            struct file_track *t = &f->tr[f->n_tracks];
            struct hub_track_info *h = &ti[f->n_tracks];
            uint8_t asc_buf[2];
            const uint8_t *asc = cp->extradata;
            size_t asc_len = cp->extradata_size > 0 ? (size_t)cp->extradata_size : 0;
            int rate = cp->sample_rate, ch = cp->ch_layout.nb_channels;
            if (!asc_len) {
                /* MPEG-TS: ADTS in the packets; read the first one for the config */
                AVPacket *p = av_packet_alloc();
                while (p && av_read_frame(f->fmt, p) >= 0) {
                    if (p->stream_index == ai) {
                        if (adts_header(p->data, (size_t)p->size, asc_buf, &rate, &ch)) {
                            asc = asc_buf;
                            asc_len = 2;
                        }
                        break;
                    }
                    av_packet_unref(p);
                }
                av_packet_free(&p);
                rewind_input(f);
                t->adts = asc_len > 0;
            }
            if (asc_len && rate > 0 && aac_sdp_fmtp(asc, asc_len, h->fmtp, sizeof h->fmtp) == 0) {
                t->av_index = ai;
                t->tb = f->fmt->streams[ai]->time_base;
                t->clock_rate = (uint32_t)rate;
                str_copy(h->media, sizeof h->media, "audio");
                h->pt = PT_AAC;
                h->clock_rate = (uint32_t)rate;
                str_fmt(h->rtpmap, sizeof h->rtpmap, "MPEG4-GENERIC/%d/%d", rate, ch > 0 ? ch : 1);
                rtp_out_init(&t->out, f->stream, (uint8_t)f->n_tracks, RTP_OUT_AAC, PT_AAC, 0);
                f->track_of[ai] = (int)f->n_tracks++;
                str_fmt(adesc, sizeof adesc, " + AAC %d Hz", rate);
            } else {
                log_warn("%s: AAC track without a usable configuration; skipping it", f->path);
            }
        }
    }
    if (!f->n_tracks) {
        str_fmt(err, errlen, "%s: no H.264 or AAC stream to serve", f->path);
        return -1;
    }
    if (hub_stream_set_tracks(f->stream, ti, f->n_tracks)) {
        str_copy(err, errlen, "bad track layout");
        return -1;
    }
    str_fmt(f->desc, sizeof f->desc, "file %s: %s%s (looped)", f->path, vdesc, adesc);
    return 0;
}

static void schedule(struct file_src *f, int64_t due_us)
{
    int64_t now = (int64_t)clock_mono_us();
    int64_t d = due_us - now;
    if (d < 0)
        d = 0;
    struct timeval tv = {(time_t)(d / 1000000), (suseconds_t)(d % 1000000)};
    evtimer_add(f->timer, &tv);
}

static void on_timer(evutil_socket_t fd, short ev, void *arg)
{
    struct file_src *f = arg;
    for (int budget = 0; budget < 512; budget++) {
        if (!f->have_pending) {
            int r = av_read_frame(f->fmt, f->pkt);
            if (r == AVERROR_EOF || (r < 0 && avio_feof(f->fmt->pb))) {
                /* loop: the next pass starts right after the last packet */
                if (!f->have_first) {
                    log_error("%s: no packets to serve", f->path);
                    return;
                }
                /* the next pass starts 40 ms after this one's last packet,
                 * counting from its earliest PTS, so no track overlaps */
                f->loop_off_us += f->last_us - f->first_us + 40000 + f->lead_us;
                f->loops++;
                if (rewind_input(f) < 0) {
                    log_error("%s: cannot seek back to the start; stopping", f->path);
                    return;
                }
                log_verbose("%s: looping (pass %u)", f->path, f->loops + 1);
                for (size_t i = 0; i < f->n_tracks; i++)
                    f->tr[i].synth_n = 0;
                continue;
            }
            if (r < 0) {
                char e[128];
                av_strerror(r, e, sizeof e);
                log_error("%s: read error: %s; retrying in 1 s", f->path, e);
                struct timeval tv = {1, 0};
                evtimer_add(f->timer, &tv);
                return;
            }
            int si = f->pkt->stream_index;
            if (si < 0 || si >= 64 || f->track_of[si] < 0) {
                av_packet_unref(f->pkt);
                continue;
            }
            struct file_track *nt = &f->tr[f->track_of[si]];
            if (f->pkt->dts == AV_NOPTS_VALUE && f->pkt->pts == AV_NOPTS_VALUE) {
                if (!nt->frame_dur) {
                    av_packet_unref(f->pkt);
                    continue;
                }
                f->pkt->dts = f->pkt->pts = nt->synth_n * nt->frame_dur;
            }
            nt->synth_n++;
            f->have_pending = true;
        }
        struct file_track *t = &f->tr[f->track_of[f->pkt->stream_index]];
        int64_t dts = f->pkt->dts != AV_NOPTS_VALUE ? f->pkt->dts : f->pkt->pts;
        int64_t pts = f->pkt->pts != AV_NOPTS_VALUE ? f->pkt->pts : dts;
        int64_t dts_us = pkt_time_us(t, dts);
        if (!f->have_first) {
            f->have_first = true;
            f->first_us = dts_us;
            f->last_us = dts_us;
            f->start_us = clock_mono_us();
        }
        if (dts_us > f->last_us)
            f->last_us = dts_us;
        int64_t media_us = dts_us - f->first_us + f->loop_off_us;
        int64_t due = (int64_t)f->start_us + media_us;
        if (due > (int64_t)clock_mono_us() + 2000)
            return schedule(f, due);
        /* Signed: a track can start before the first packet read (AAC
         * priming in MPEG-TS puts the first audio PTS ~21 ms before the first
         * video DTS); the RTP timestamp then wraps modulo 2^32 as it should.
         * (An unsigned product here once sent a first audio timestamp 49 min
         * off, and ffmpeg viewers that got that packet misplaced the audio.) */
        int64_t rel_us = pkt_time_us(t, pts) - f->first_us;
        if (-rel_us > f->lead_us && !f->loops)
            f->lead_us = -rel_us < 1000000 ? -rel_us : 1000000;
        int64_t pts_us = rel_us + f->loop_off_us;
        uint32_t rtp_ts = (uint32_t)(pts_us * (int64_t)t->clock_rate / 1000000);
        const uint8_t *data = f->pkt->data;
        size_t len = (size_t)f->pkt->size;
        if (t->adts) {
            uint8_t asc[2];
            int rate, ch;
            size_t h = adts_header(data, len, asc, &rate, &ch);
            if (h && h < len) {
                data += h;
                len -= h;
            }
        }
        bool key = (f->pkt->flags & AV_PKT_FLAG_KEY) != 0;
        if (rtp_out_au(&t->out, data, len, rtp_ts, key, clock_mono_us()))
            log_debug("%s: dropped a malformed packet", f->path);
        av_packet_unref(f->pkt);
        f->have_pending = false;
    }
    schedule(f, (int64_t)clock_mono_us());
}

struct file_src *file_src_new(struct event_base *base, const char *path, struct hub_stream *stream,
                              uint32_t seed, char *err, size_t errlen)
{
    struct file_src *f = calloc(1, sizeof(*f));
    if (!f) {
        str_copy(err, errlen, "out of memory");
        return NULL;
    }
    f->base = base;
    f->stream = stream;
    if (str_copy(f->path, sizeof f->path, path)) {
        str_copy(err, errlen, "file name too long");
        goto fail;
    }
    int r = avformat_open_input(&f->fmt, path, NULL, NULL);
    if (r < 0) {
        char e[128];
        av_strerror(r, e, sizeof e);
        str_fmt(err, errlen, "%s: %s", path, e);
        goto fail;
    }
    if (avformat_find_stream_info(f->fmt, NULL) < 0) {
        str_fmt(err, errlen, "%s: cannot read stream information", path);
        goto fail;
    }
    if (setup_tracks(f, err, errlen))
        goto fail;
    for (size_t i = 0; i < f->n_tracks; i++) {
        f->tr[i].out.seq = (uint16_t)(seed * 7u + i);
        f->tr[i].out.ts_base = seed * 2654435761u + (uint32_t)i * 40503u;
    }
    f->pkt = av_packet_alloc();
    f->timer = evtimer_new(base, on_timer, f);
    if (!f->pkt || !f->timer) {
        str_copy(err, errlen, "out of memory");
        goto fail;
    }
    schedule(f, (int64_t)clock_mono_us());
    return f;
fail:
    file_src_free(f);
    return NULL;
}

void file_src_free(struct file_src *f)
{
    if (!f)
        return;
    if (f->timer)
        event_free(f->timer);
    av_packet_free(&f->pkt);
    avformat_close_input(&f->fmt);
    free(f);
}

const char *file_src_describe(const struct file_src *f)
{
    return f->desc;
}
