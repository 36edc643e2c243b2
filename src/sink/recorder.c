#include "sink/recorder.h"

#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/limits.h"
#include "core/sv.h"

struct rec_track {
    struct recorder_track info;
    uint8_t *extra; /* owned copy */
    size_t extra_len;
    bool have_last;
    int64_t last_us; /* on the caller's timeline */
    int64_t last_tb; /* in the stream's time base, current file */
    bool have_last_tb;
    int width, height; /* video, probed from the first keyframe */
};

struct recorder {
    char pattern[4096];
    unsigned segment_s;
    const char *fmt;
    struct rec_track tr[RTSP_MAX_TRACKS];
    size_t n;
    int video; /* the track files start on (a keyframe), -1: none */

    AVFormatContext *oc;
    AVStream *st[RTSP_MAX_TRACKS];
    AVPacket *pkt;
    bool started;     /* a first file was opened */
    int64_t base_us;  /* caller's time of the current file's start */
    int64_t first_us; /* caller's time of the first AU written */
    int64_t written_us;
    char cur[4096];
    char last_name[4096]; /* segments: the pattern's last expansion */
    unsigned same_name;   /* files opened under it after the first */
    int err;
    char errmsg[600];
};

static bool is_video(enum recorder_codec c)
{
    return c == RECORDER_H264 || c == RECORDER_H265 || c == RECORDER_MJPEG || c == RECORDER_MPEG4;
}

static enum AVCodecID av_id(enum recorder_codec c)
{
    switch (c) {
    case RECORDER_H264:
        return AV_CODEC_ID_H264;
    case RECORDER_H265:
        return AV_CODEC_ID_HEVC;
    case RECORDER_MJPEG:
        return AV_CODEC_ID_MJPEG;
    case RECORDER_MPEG4:
        return AV_CODEC_ID_MPEG4;
    case RECORDER_AAC:
        return AV_CODEC_ID_AAC;
    case RECORDER_PCMU:
        return AV_CODEC_ID_PCM_MULAW;
    case RECORDER_PCMA:
        return AV_CODEC_ID_PCM_ALAW;
    case RECORDER_OPUS:
        return AV_CODEC_ID_OPUS;
    }
    return AV_CODEC_ID_NONE;
}

const char *recorder_format_of(const char *name)
{
    if (!strcmp(name, "-"))
        return "mpegts";
    const char *dot = strrchr(name, '.');
    if (!dot || strchr(dot, '/'))
        return NULL;
    if (!strcasecmp(dot, ".ts"))
        return "mpegts";
    if (!strcasecmp(dot, ".mp4"))
        return "mp4";
    if (!strcasecmp(dot, ".mkv"))
        return "matroska";
    return NULL;
}

static int set_err(struct recorder *r, int e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int set_err(struct recorder *r, int e, const char *fmt, ...)
{
    if (r->err)
        return r->err;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->errmsg, sizeof r->errmsg, fmt, ap);
    va_end(ap);
    r->err = e < 0 ? e : -EIO;
    return r->err;
}

static const char *av_errstr(int e, char *buf, size_t size)
{
    if (av_strerror(e, buf, size) < 0)
        snprintf(buf, size, "error %d", e);
    return buf;
}

struct recorder *recorder_new(const char *name, unsigned segment_s,
                              const struct recorder_track *tracks, size_t n_tracks, char *err,
                              size_t errlen)
{
    const char *fmt = recorder_format_of(name);
    if (!fmt) {
        str_fmt(err, errlen,
                "%s: unknown container; the name must end in .ts, .mp4 or .mkv (or be - for "
                "MPEG-TS on stdout)",
                name);
        return NULL;
    }
    if (!strcmp(name, "-") && segment_s) {
        str_copy(err, errlen, "--segment needs a file name pattern, not -");
        return NULL;
    }
    if (n_tracks == 0 || n_tracks > RTSP_MAX_TRACKS) {
        str_copy(err, errlen, "nothing to record: no supported track");
        return NULL;
    }
    struct recorder *r = calloc(1, sizeof *r);
    if (!r || str_copy(r->pattern, sizeof r->pattern, name)) {
        free(r);
        str_copy(err, errlen, r ? "file name too long" : "out of memory");
        return NULL;
    }
    r->segment_s = segment_s;
    r->fmt = fmt;
    r->n = n_tracks;
    r->video = -1;
    for (size_t i = 0; i < n_tracks; i++) {
        r->tr[i].info = tracks[i];
        if (tracks[i].extradata_len) {
            r->tr[i].extra = malloc(tracks[i].extradata_len);
            if (!r->tr[i].extra) {
                recorder_close(r);
                str_copy(err, errlen, "out of memory");
                return NULL;
            }
            memcpy(r->tr[i].extra, tracks[i].extradata, tracks[i].extradata_len);
            r->tr[i].extra_len = tracks[i].extradata_len;
        }
        r->tr[i].info.extradata = NULL;
        if (r->video < 0 && is_video(tracks[i].codec))
            r->video = (int)i;
    }
    r->pkt = av_packet_alloc();
    if (!r->pkt) {
        recorder_close(r);
        str_copy(err, errlen, "out of memory");
        return NULL;
    }
    return r;
}

/* Parameter sets out of a keyframe AU when the SDP had none (H.264: SPS 7,
 * PPS 8; H.265: VPS 32, SPS 33, PPS 34). */
static void extradata_from_au(struct rec_track *t, const uint8_t *au, size_t len)
{
    if (t->extra_len || (t->info.codec != RECORDER_H264 && t->info.codec != RECORDER_H265))
        return;
    uint8_t *out = malloc(len + 4);
    if (!out)
        return;
    size_t n = 0;
    for (size_t i = 0; i + 3 < len;) {
        if (!(au[i] == 0 && au[i + 1] == 0 && au[i + 2] == 1)) {
            i++;
            continue;
        }
        size_t s = i + 3, e = s;
        while (e + 2 < len && !(au[e] == 0 && au[e + 1] == 0 && (au[e + 2] == 1 || au[e + 2] == 0)))
            e++;
        if (e + 2 >= len)
            e = len;
        if (s < e) {
            unsigned type = t->info.codec == RECORDER_H264 ? (au[s] & 0x1f) : ((au[s] >> 1) & 0x3f);
            bool ps = t->info.codec == RECORDER_H264 ? (type == 7 || type == 8)
                                                     : (type >= 32 && type <= 34);
            if (ps) {
                static const uint8_t sc[4] = {0, 0, 0, 1};
                memcpy(out + n, sc, 4);
                memcpy(out + n + 4, au + s, e - s);
                n += 4 + e - s;
            }
        }
        i = e;
    }
    if (n) {
        t->extra = out;
        t->extra_len = n;
    } else {
        free(out);
    }
}

/* OpusHead (RFC 7845 5.1) for containers that need one. */
static size_t opus_head(uint8_t out[19], int channels)
{
    memcpy(out, "OpusHead", 8);
    out[8] = 1;
    out[9] = (uint8_t)(channels == 1 ? 1 : 2);
    out[10] = 0x38; /* pre-skip 312, little endian */
    out[11] = 0x01;
    out[12] = 0x80; /* 48000 */
    out[13] = 0xbb;
    out[14] = 0;
    out[15] = 0;
    out[16] = 0; /* gain */
    out[17] = 0;
    out[18] = 0; /* mapping family 0 */
    return 19;
}

/* Picture size of a video keyframe (containers such as MP4 want it in the
 * header): decode it once. */
static void probe_size(enum AVCodecID id, const uint8_t *extra, size_t extra_len, const uint8_t *au,
                       size_t len, int *w, int *h)
{
    const AVCodec *dec = avcodec_find_decoder(id);
    AVCodecContext *cc = dec ? avcodec_alloc_context3(dec) : NULL;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *fr = av_frame_alloc();
    if (!cc || !pkt || !fr || len > INT32_MAX - extra_len)
        goto out;
    if (extra_len) {
        cc->extradata = av_mallocz(extra_len + AV_INPUT_BUFFER_PADDING_SIZE);
        if (!cc->extradata)
            goto out;
        memcpy(cc->extradata, extra, extra_len);
        cc->extradata_size = (int)extra_len;
    }
    cc->flags |= AV_CODEC_FLAG_LOW_DELAY;
    cc->thread_count = 1;
    if (avcodec_open2(cc, dec, NULL) < 0 || av_new_packet(pkt, (int)len) < 0)
        goto out;
    memcpy(pkt->data, au, len);
    pkt->flags |= AV_PKT_FLAG_KEY;
    if (avcodec_send_packet(cc, pkt) >= 0) {
        avcodec_send_packet(cc, NULL);
        if (avcodec_receive_frame(cc, fr) >= 0 && fr->width > 0) {
            *w = fr->width;
            *h = fr->height;
        }
    }
    if (*w <= 0 && cc->width > 0) {
        *w = cc->width;
        *h = cc->height;
    }
out:
    av_frame_free(&fr);
    av_packet_free(&pkt);
    avcodec_free_context(&cc);
}

static void close_file(struct recorder *r)
{
    if (!r->oc)
        return;
    char eb[128];
    int e = av_write_trailer(r->oc);
    if (e < 0)
        set_err(r, e, "%s: finishing the file failed: %s", r->cur, av_errstr(e, eb, sizeof eb));
    else if (r->oc->pb && r->oc->pb->error < 0)
        set_err(r, r->oc->pb->error, "%s: write failed: %s", r->cur,
                av_errstr(r->oc->pb->error, eb, sizeof eb));
    if (r->oc->pb && !(r->oc->oformat->flags & AVFMT_NOFILE)) {
        avio_flush(r->oc->pb);
        if (r->oc->pb->error < 0)
            set_err(r, r->oc->pb->error, "%s: write failed: %s", r->cur,
                    av_errstr(r->oc->pb->error, eb, sizeof eb));
        avio_closep(&r->oc->pb);
    }
    avformat_free_context(r->oc);
    r->oc = NULL;
}

static int open_file(struct recorder *r, int64_t base_us, size_t key_t, const uint8_t *key,
                     size_t key_len)
{
    char eb[128];
    if (r->segment_s) {
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        size_t len = strftime(r->cur, sizeof r->cur, r->pattern, &tm); /* the user's pattern */
#pragma GCC diagnostic pop
        if (!len)
            return set_err(r, -EINVAL, "%s: the name pattern expands to nothing", r->pattern);
        /* the same name as the last file (a pattern coarser than the
         * segments): NAME-2.EXT, NAME-3.EXT ... rather than overwrite it */
        if (!strcmp(r->cur, r->last_name)) {
            r->same_name++;
            const char *dot = strrchr(r->cur, '.');
            size_t stem = dot ? (size_t)(dot - r->cur) : len;
            char tmp[sizeof r->cur];
            if (str_fmt(tmp, sizeof tmp, "%.*s-%u%s", (int)stem, r->cur, r->same_name + 1,
                        dot ? dot : ""))
                return set_err(r, -ENAMETOOLONG, "%s: file name too long", r->pattern);
            str_copy(r->cur, sizeof r->cur, tmp);
        } else {
            str_copy(r->last_name, sizeof r->last_name, r->cur);
            r->same_name = 0;
        }
    } else {
        str_copy(r->cur, sizeof r->cur, r->pattern);
    }
    bool out_stdout = !strcmp(r->cur, "-");
    const char *url = out_stdout ? "pipe:1" : r->cur;
    int e = avformat_alloc_output_context2(&r->oc, NULL, r->fmt, url);
    if (e < 0 || !r->oc)
        return set_err(r, e, "%s: cannot create a %s muxer: %s", r->cur, r->fmt,
                       av_errstr(e, eb, sizeof eb));
    r->oc->strict_std_compliance = FF_COMPLIANCE_EXPERIMENTAL; /* Opus in MP4 */
    if (out_stdout)
        r->oc->flags |= AVFMT_FLAG_FLUSH_PACKETS;
    for (size_t i = 0; i < r->n; i++) {
        struct rec_track *t = &r->tr[i];
        AVStream *st = avformat_new_stream(r->oc, NULL);
        if (!st)
            goto nomem;
        r->st[i] = st;
        AVCodecParameters *p = st->codecpar;
        p->codec_id = av_id(t->info.codec);
        uint8_t head[19];
        const uint8_t *extra = t->extra;
        size_t extra_len = t->extra_len;
        if (is_video(t->info.codec)) {
            p->codec_type = AVMEDIA_TYPE_VIDEO;
            st->time_base = (AVRational){1, 90000};
            if (!t->width && i == key_t)
                probe_size(p->codec_id, t->extra, t->extra_len, key, key_len, &t->width,
                           &t->height);
            p->width = t->width > 0 ? t->width : 640; /* a second video track: unknown */
            p->height = t->height > 0 ? t->height : 480;
        } else {
            p->codec_type = AVMEDIA_TYPE_AUDIO;
            p->sample_rate = t->info.sample_rate > 0 ? t->info.sample_rate : 8000;
            av_channel_layout_default(&p->ch_layout, t->info.channels > 0 ? t->info.channels : 1);
            st->time_base = (AVRational){1, p->sample_rate};
            if (t->info.codec == RECORDER_PCMU || t->info.codec == RECORDER_PCMA) {
                p->bits_per_coded_sample = 8;
                p->block_align = p->ch_layout.nb_channels;
            }
            if (t->info.codec == RECORDER_OPUS && !extra_len) {
                extra_len = opus_head(head, t->info.channels);
                extra = head;
            }
        }
        if (extra_len) {
            p->extradata = av_mallocz(extra_len + AV_INPUT_BUFFER_PADDING_SIZE);
            if (!p->extradata)
                goto nomem;
            memcpy(p->extradata, extra, extra_len);
            p->extradata_size = (int)extra_len;
        }
        t->have_last_tb = false;
    }
    if (!(r->oc->oformat->flags & AVFMT_NOFILE)) {
        e = avio_open(&r->oc->pb, url, AVIO_FLAG_WRITE);
        if (e < 0) {
            int keep = e;
            avformat_free_context(r->oc);
            r->oc = NULL;
            return set_err(r, keep, "cannot open %s for writing: %s", r->cur,
                           av_errstr(keep, eb, sizeof eb));
        }
    }
    AVDictionary *opts = NULL;
    if (!strcmp(r->fmt, "mp4"))
        av_dict_set(&opts, "movflags", "+frag_keyframe+empty_moov+default_base_moof", 0);
    e = avformat_write_header(r->oc, &opts);
    av_dict_free(&opts);
    if (e < 0) {
        int keep = e;
        avio_closep(&r->oc->pb);
        avformat_free_context(r->oc);
        r->oc = NULL;
        return set_err(r, keep, "%s: cannot write the %s header: %s", r->cur, r->fmt,
                       av_errstr(keep, eb, sizeof eb));
    }
    r->base_us = base_us;
    if (!r->started) {
        r->started = true;
        r->first_us = base_us;
    }
    return 0;
nomem:
    avformat_free_context(r->oc);
    r->oc = NULL;
    return set_err(r, -ENOMEM, "out of memory");
}

int recorder_write(struct recorder *r, size_t ti, const uint8_t *data, size_t len, int64_t pts_us,
                   bool key)
{
    if (r->err)
        return r->err;
    if (ti >= r->n || !len || len > INT32_MAX)
        return 0;
    struct rec_track *t = &r->tr[ti];
    if (!is_video(t->info.codec))
        key = true;
    bool starter = r->video < 0 || (int)ti == r->video;
    if (!r->oc) {
        if (!starter || !key)
            return 0; /* wait for the keyframe a file starts on */
        extradata_from_au(t, data, len);
        int e = open_file(r, pts_us, ti, data, len);
        if (e)
            return e;
    } else if (r->segment_s && starter && key &&
               pts_us - r->base_us >= (int64_t)r->segment_s * 1000000) {
        close_file(r);
        if (r->err)
            return r->err;
        int e = open_file(r, pts_us, ti, data, len);
        if (e)
            return e;
    }
    if (t->have_last && pts_us <= t->last_us)
        return 0; /* time went backwards on this track */
    int64_t rel = pts_us - r->base_us;
    if (rel < 0)
        return 0; /* before the file's first keyframe */
    AVStream *st = r->st[ti];
    int64_t ts = av_rescale_q(rel, (AVRational){1, 1000000}, st->time_base);
    if (t->have_last_tb && ts <= t->last_tb)
        return 0;
    t->have_last = true;
    t->last_us = pts_us;
    t->have_last_tb = true;
    t->last_tb = ts;

    AVPacket *pkt = r->pkt;
    av_packet_unref(pkt);
    if (av_new_packet(pkt, (int)len) < 0)
        return set_err(r, -ENOMEM, "out of memory");
    memcpy(pkt->data, data, len);
    pkt->stream_index = (int)ti;
    pkt->pts = pkt->dts = ts;
    if (key)
        pkt->flags |= AV_PKT_FLAG_KEY;
    if (t->info.codec == RECORDER_AAC)
        pkt->duration =
            av_rescale_q(1024, (AVRational){1, st->codecpar->sample_rate}, st->time_base);
    int e = av_interleaved_write_frame(r->oc, pkt);
    char eb[128];
    if (e < 0)
        return set_err(r, e, "%s: write failed: %s", r->cur, av_errstr(e, eb, sizeof eb));
    if (r->oc->pb && r->oc->pb->error < 0)
        return set_err(r, r->oc->pb->error, "%s: write failed: %s", r->cur,
                       av_errstr(r->oc->pb->error, eb, sizeof eb));
    if (pts_us - r->first_us > r->written_us)
        r->written_us = pts_us - r->first_us;
    return 0;
}

int recorder_finish(struct recorder *r)
{
    close_file(r);
    return r->err;
}

int64_t recorder_first_us(const struct recorder *r)
{
    return r->first_us;
}

int recorder_close(struct recorder *r)
{
    if (!r)
        return 0;
    close_file(r);
    int e = r->err;
    for (size_t i = 0; i < r->n; i++)
        free(r->tr[i].extra);
    av_packet_free(&r->pkt);
    free(r);
    return e;
}

int64_t recorder_written_us(const struct recorder *r)
{
    return r->written_us;
}

bool recorder_started(const struct recorder *r)
{
    return r->started;
}

const char *recorder_current_name(const struct recorder *r)
{
    return r->cur;
}

const char *recorder_error(const struct recorder *r)
{
    return r->err ? r->errmsg : "";
}
