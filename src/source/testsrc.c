/* testsrc: the built-in live test stream (see testsrc.h).
 *
 * Threading: testsrc_new opens the encoders and encodes the first video frame
 * on the caller's thread (so SPS/PPS are known on return, parsed from its
 * in-band parameter sets), then starts one worker thread. The worker paces
 * itself on CLOCK_MONOTONIC: frame n is due at start + n / fps; when it falls
 * behind it skips frames, so pts stays tied to wall time. For each video frame
 * it also encodes the audio frames that start by that instant, so both tracks
 * share one timeline (pts 0 = start on both).
 *
 * Encoded packets are moved (not copied) into a bounded queue of preallocated
 * AVPackets, then an event on the caller's event_base is activated; its
 * callback runs on the loop thread, swaps the whole queue out under the lock
 * and calls on_au for each access unit. When the queue is full (the loop is
 * stalled), the oldest video is dropped up to the next keyframe, with the
 * audio of that span, so what is delivered stays decodable (see
 * queue_drop_locked). Nothing ever blocks the worker but the lock.
 * The program must have called evthread_use_pthreads() before creating the
 * event_base. */
#include "source/testsrc.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/frame.h>
#include <libavutil/opt.h>

#include "core/log.h"
#include "core/sv.h"
#include "source/testsrc_draw.h"

#define TESTSRC_QUEUE_MAX       256                /* access units waiting for the loop */
#define TESTSRC_QUEUE_MAX_BYTES (16 * 1024 * 1024) /* and their bytes */
#define TESTSRC_MAX_W           4096
#define TESTSRC_MAX_H           2304
#define TESTSRC_MIN_DIM         16
#define TESTSRC_AUDIO_BPS       64000
/* Audio behind by more than 1/TESTSRC_AUDIO_MAX_LAG_DIV s is skipped. */
#define TESTSRC_AUDIO_MAX_LAG_DIV 4
/* Encoder threads above 1080p (x264 uses slice threads with zerolatency). */
#define TESTSRC_MAX_THREADS 4

/* ---------------------------------------------------------------- options */

void testsrc_opts_default(struct testsrc_opts *o)
{
    o->width = 1280;
    o->height = 720;
    o->fps = 30;
    o->gop = 30;
    o->bitrate_kbps = 2000;
    o->audio = true;
    o->sample_rate = 48000;
    o->tone_hz = 440;
}

static const int aac_rates[] = {8000,  11025, 12000, 16000, 22050, 24000,
                                32000, 44100, 48000, 64000, 88200, 96000};

static bool rate_ok(uint32_t r)
{
    for (size_t i = 0; i < sizeof aac_rates / sizeof aac_rates[0]; i++)
        if ((uint32_t)aac_rates[i] == r)
            return true;
    return false;
}

static int parse_num(struct sv key, struct sv val, uint32_t lo, uint32_t hi, uint32_t *out,
                     char *err, size_t errlen)
{
    int r = sv_parse_u32(val, hi, out);
    if (r || *out < lo) {
        str_fmt(err, errlen, "testsrc: %.*s=%.*s: expected a number from %u to %u", SV_ARG(key),
                SV_ARG(val), lo, hi);
        return -EINVAL;
    }
    return 0;
}

int testsrc_opts_parse(const char *s, struct testsrc_opts *o, char *err, size_t errlen)
{
    struct testsrc_opts n = *o;
    bool gop_set = false, fps_set = false;
    struct sv rest = sv_from_cstr(s ? s : "");
    uint32_t v;

    if (err && errlen)
        err[0] = '\0';
    while (rest.p && rest.n) {
        struct sv item, key, val;
        rest = sv_split(rest, ',', &item);
        item = sv_trim(item);
        if (!item.n)
            continue;
        val = sv_split(item, '=', &key);
        key = sv_trim(key);
        if (!val.p || !key.n) {
            str_fmt(err, errlen, "testsrc: '%.*s': expected key=value", SV_ARG(item));
            return -EINVAL;
        }
        val = sv_trim(val);
        if (sv_eq_cstr(key, "size")) {
            struct sv w, h = sv_split(val, 'x', &w);
            uint32_t wi, hi;
            if (!h.p || sv_parse_u32(w, TESTSRC_MAX_W, &wi) ||
                sv_parse_u32(h, TESTSRC_MAX_H, &hi) || wi < TESTSRC_MIN_DIM ||
                hi < TESTSRC_MIN_DIM || (wi & 1) || (hi & 1)) {
                str_fmt(
                    err, errlen, "testsrc: size=%.*s: expected WIDTHxHEIGHT, even, %d..%d x %d..%d",
                    SV_ARG(val), TESTSRC_MIN_DIM, TESTSRC_MAX_W, TESTSRC_MIN_DIM, TESTSRC_MAX_H);
                return -EINVAL;
            }
            n.width = (int)wi;
            n.height = (int)hi;
        } else if (sv_eq_cstr(key, "fps")) {
            if (parse_num(key, val, 1, 120, &v, err, errlen))
                return -EINVAL;
            n.fps = (int)v;
            fps_set = true;
        } else if (sv_eq_cstr(key, "gop")) {
            if (parse_num(key, val, 1, 1200, &v, err, errlen))
                return -EINVAL;
            n.gop = (int)v;
            gop_set = true;
        } else if (sv_eq_cstr(key, "bitrate")) {
            if (parse_num(key, val, 50, 100000, &v, err, errlen))
                return -EINVAL;
            n.bitrate_kbps = (int)v;
        } else if (sv_eq_cstr(key, "audio")) {
            if (sv_eq_cstr(val, "1") || sv_ieq_cstr(val, "on") || sv_ieq_cstr(val, "true"))
                n.audio = true;
            else if (sv_eq_cstr(val, "0") || sv_ieq_cstr(val, "off") || sv_ieq_cstr(val, "false"))
                n.audio = false;
            else {
                str_fmt(err, errlen, "testsrc: audio=%.*s: expected 0 or 1", SV_ARG(val));
                return -EINVAL;
            }
        } else if (sv_eq_cstr(key, "rate")) {
            if (sv_parse_u32(val, 96000, &v) || !rate_ok(v)) {
                str_fmt(err, errlen,
                        "testsrc: rate=%.*s: expected an AAC sample rate (8000 .. 96000, "
                        "e.g. 44100 or 48000)",
                        SV_ARG(val));
                return -EINVAL;
            }
            n.sample_rate = (int)v;
        } else if (sv_eq_cstr(key, "tone")) {
            if (parse_num(key, val, 20, 20000, &v, err, errlen))
                return -EINVAL;
            n.tone_hz = (int)v;
        } else {
            str_fmt(err, errlen,
                    "testsrc: unknown option '%.*s' (known: size, fps, bitrate, gop, audio, "
                    "rate, tone)",
                    SV_ARG(key));
            return -EINVAL;
        }
    }
    if (fps_set && !gop_set)
        n.gop = n.fps;
    if (n.audio && n.tone_hz * 2 >= n.sample_rate) {
        str_fmt(err, errlen, "testsrc: tone=%d must be below half the sample rate (%d)", n.tone_hz,
                n.sample_rate);
        return -EINVAL;
    }
    *o = n;
    return 0;
}

/* ---------------------------------------------------------------- state */

struct testsrc {
    struct testsrc_opts o;
    const struct testsrc_cb *cb;
    void *ctx;
    struct event *ev;
    char label[64];

    /* worker-owned after start (before start: testsrc_new's) */
    AVCodecContext *venc, *aenc;
    AVFrame *vframe, *aframe;
    AVPacket *pkt;         /* encoder output */
    AVPacket *fix;         /* a key AU with parameter sets prepended */
    struct timespec start; /* pts 0 of both tracks, CLOCK_MONOTONIC */
    int64_t wall_start_ms; /* wall clock (ms since the epoch) at start */
    int64_t next_vframe;   /* next video frame number to encode */
    int64_t next_aframe;   /* next audio frame number to encode */
    bool venc_failed, aenc_failed;

    /* immutable after testsrc_new */
    uint8_t *sps, *pps;
    size_t sps_len, pps_len;

    /* loop-thread-owned: empty packets swapped with the queue's */
    AVPacket *out[TESTSRC_QUEUE_MAX];

    pthread_t thread;
    bool thread_started;

    /* under mu */
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool stop;
    AVPacket *q[TESTSRC_QUEUE_MAX]; /* ring; stream_index = track */
    size_t q_head, q_len, q_bytes;
    bool wait_key;    /* video dropped: drop more until a keyframe */
    bool drop_logged; /* warned about this stall already */
    uint64_t dropped; /* access units dropped, ever */
};

/* ---------------------------------------------------------------- queue */

static AVPacket **slot(struct testsrc *t, size_t i)
{
    return &t->q[(t->q_head + i) % TESTSRC_QUEUE_MAX];
}

static bool is_video(const AVPacket *p)
{
    return p->stream_index == TESTSRC_VIDEO;
}

static bool is_key(const AVPacket *p)
{
    return (p->flags & AV_PKT_FLAG_KEY) != 0;
}

static void drop_locked(struct testsrc *t, AVPacket *p)
{
    t->q_bytes -= (size_t)p->size;
    t->dropped++;
    av_packet_unref(p);
}

static void drop_head_locked(struct testsrc *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        drop_locked(t, *slot(t, i));
    t->q_head = (t->q_head + n) % TESTSRC_QUEUE_MAX;
    t->q_len -= n;
}

/* Make room (needs q_len > 0). The oldest queued video access unit and every
 * later one up to the next video keyframe go (those depend on it), with the
 * audio of the same span: everything before that keyframe. With no later
 * keyframe queued, all queued video goes, the audio stays, and the next video
 * to come is dropped too until a keyframe. With no video queued, the oldest
 * audio goes. */
static void queue_drop_locked(struct testsrc *t)
{
    size_t first = t->q_len, next_key = t->q_len;
    for (size_t i = 0; i < t->q_len; i++) {
        const AVPacket *p = *slot(t, i);
        if (!is_video(p))
            continue;
        if (first == t->q_len) {
            first = i;
        } else if (is_key(p)) {
            next_key = i;
            break;
        }
    }
    if (first == t->q_len) {
        drop_head_locked(t, 1);
    } else if (next_key < t->q_len) {
        drop_head_locked(t, next_key);
    } else {
        /* compact in place; dropped (now empty) packets move to the tail */
        size_t w = first;
        for (size_t i = first; i < t->q_len; i++) {
            AVPacket **pi = slot(t, i);
            if (is_video(*pi)) {
                drop_locked(t, *pi);
                continue;
            }
            AVPacket **pw = slot(t, w++), *tmp = *pw;
            *pw = *pi;
            *pi = tmp;
        }
        t->q_len = w;
        t->wait_key = true;
    }
}

/* Move p into the queue (p is left empty). Called with mu held. */
static void queue_push_locked(struct testsrc *t, AVPacket *p)
{
    uint64_t dropped = t->dropped;
    while (t->q_len && (t->q_len == TESTSRC_QUEUE_MAX ||
                        t->q_bytes + (size_t)p->size > TESTSRC_QUEUE_MAX_BYTES))
        queue_drop_locked(t);
    if (is_video(p) && t->wait_key) {
        if (!is_key(p)) {
            t->dropped++;
            av_packet_unref(p);
            return;
        }
        t->wait_key = false;
    }
    av_packet_move_ref(*slot(t, t->q_len), p);
    t->q_len++;
    t->q_bytes += (size_t)(*slot(t, t->q_len - 1))->size;
    if (t->dropped != dropped && !t->drop_logged) {
        t->drop_logged = true;
        log_warn("testsrc: the event loop is not draining access units; dropping video up to "
                 "the next keyframe (%llu dropped so far)",
                 (unsigned long long)t->dropped);
    }
}

static void on_event(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct testsrc *t = arg;

    pthread_mutex_lock(&t->mu);
    size_t n = t->q_len;
    for (size_t i = 0; i < n; i++) {
        AVPacket **s = slot(t, i), *tmp = *s;
        *s = t->out[i];
        t->out[i] = tmp;
    }
    t->q_head = (t->q_head + n) % TESTSRC_QUEUE_MAX;
    t->q_len = 0;
    t->q_bytes = 0;
    t->drop_logged = false;
    pthread_mutex_unlock(&t->mu);

    for (size_t i = 0; i < n; i++) {
        AVPacket *p = t->out[i];
        if (t->cb && t->cb->on_au)
            t->cb->on_au(t->ctx, (enum testsrc_track)p->stream_index, p->data, (size_t)p->size,
                         p->pts, is_key(p));
        av_packet_unref(p);
    }
}

static void notify(struct testsrc *t)
{
    event_active(t->ev, EV_READ, 0);
}

/* ---------------------------------------------------------------- Annex B */

/* Find the next Annex B NAL unit at or after *pos: a view of its bytes
 * (header included, start code and trailing zeros excluded). */
static bool next_nal(const uint8_t *b, size_t len, size_t *pos, const uint8_t **nal,
                     size_t *nal_len)
{
    size_t i = *pos;
    while (i + 3 <= len && !(b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1))
        i++;
    if (i + 3 > len)
        return false;
    size_t start = i + 3, j = start;
    while (j + 3 <= len && !(b[j] == 0 && b[j + 1] == 0 && (b[j + 2] == 1 || b[j + 2] == 0)))
        j++;
    if (j + 3 > len)
        j = len;
    *nal = b + start;
    *nal_len = j - start;
    *pos = j;
    return true;
}

/* Bitmask of the NAL unit types in an Annex B buffer. */
static unsigned nal_mask(const uint8_t *b, size_t len)
{
    unsigned m = 0;
    size_t pos = 0, nl;
    const uint8_t *nal;
    while (next_nal(b, len, &pos, &nal, &nl))
        if (nl)
            m |= 1u << (nal[0] & 0x1f);
    return m;
}

static int dup_bytes(uint8_t **dst, size_t *dlen, const uint8_t *src, size_t n)
{
    *dst = malloc(n ? n : 1);
    if (!*dst)
        return -ENOMEM;
    memcpy(*dst, src, n);
    *dlen = n;
    return 0;
}

/* Take the first SPS and PPS found in an Annex B buffer. */
static int take_params(struct testsrc *t, const uint8_t *b, size_t len)
{
    size_t pos = 0, nl;
    const uint8_t *nal;
    while (next_nal(b, len, &pos, &nal, &nl)) {
        if (!nl)
            continue;
        int type = nal[0] & 0x1f, r = 0;
        if (type == 7 && !t->sps)
            r = dup_bytes(&t->sps, &t->sps_len, nal, nl);
        else if (type == 8 && !t->pps)
            r = dup_bytes(&t->pps, &t->pps_len, nal, nl);
        if (r)
            return r;
    }
    return 0;
}

/* Every key AU must carry SPS and PPS in-band (libx264 does that with
 * repeat-headers; other encoders may not): prepend them to p if missing. */
static int ensure_params(struct testsrc *t, AVPacket *p)
{
    if (!is_video(p) || !is_key(p) || !t->sps || !t->pps)
        return 0;
    unsigned m = nal_mask(p->data, (size_t)p->size);
    if ((m & (1u << 7)) && (m & (1u << 8)))
        return 0;
    static const uint8_t sc[4] = {0, 0, 0, 1};
    size_t n = 8 + t->sps_len + t->pps_len + (size_t)p->size;
    if (n > INT32_MAX || av_new_packet(t->fix, (int)n) < 0)
        return -ENOMEM;
    uint8_t *d = t->fix->data;
    memcpy(d, sc, 4);
    memcpy(d + 4, t->sps, t->sps_len);
    d += 4 + t->sps_len;
    memcpy(d, sc, 4);
    memcpy(d + 4, t->pps, t->pps_len);
    d += 4 + t->pps_len;
    memcpy(d, p->data, (size_t)p->size);
    av_packet_copy_props(t->fix, p);
    av_packet_unref(p);
    av_packet_move_ref(p, t->fix);
    return 0;
}

/* ---------------------------------------------------------------- encoding */

/* Receive every packet the encoder has ready and queue it. *got counts the
 * packets queued. */
static int drain_encoder(struct testsrc *t, AVCodecContext *enc, enum testsrc_track track, int *got)
{
    for (;;) {
        int r = avcodec_receive_packet(enc, t->pkt);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
            return 0;
        if (r < 0)
            return r;
        if (t->pkt->size <= 0 || t->pkt->pts < 0) {
            /* AAC priming (pts -1024): before the common timeline starts */
            av_packet_unref(t->pkt);
            continue;
        }
        t->pkt->stream_index = track;
        if (track == TESTSRC_AUDIO)
            t->pkt->flags |= AV_PKT_FLAG_KEY;
        r = ensure_params(t, t->pkt);
        if (r) {
            av_packet_unref(t->pkt);
            return r;
        }
        pthread_mutex_lock(&t->mu);
        queue_push_locked(t, t->pkt);
        pthread_mutex_unlock(&t->mu);
        if (got)
            (*got)++;
    }
}

static int encode_video(struct testsrc *t, int64_t n, int *got)
{
    int r = av_frame_make_writable(t->vframe);
    if (r < 0)
        return r;
    AVFrame *f = t->vframe;
    struct testsrc_image img = {
        .data = {f->data[0], f->data[1], f->data[2]},
        .linesize = {f->linesize[0], f->linesize[1], f->linesize[2]},
        .width = f->width,
        .height = f->height,
    };
    testsrc_draw_frame(&img, n, t->o.fps, t->wall_start_ms, t->label);
    f->pts = n * 90000 / t->o.fps;
    f->pict_type = AV_PICTURE_TYPE_NONE;
    r = avcodec_send_frame(t->venc, f);
    if (r < 0)
        return r;
    return drain_encoder(t, t->venc, TESTSRC_VIDEO, got);
}

static int encode_audio(struct testsrc *t, int64_t k)
{
    int r = av_frame_make_writable(t->aframe);
    if (r < 0)
        return r;
    AVFrame *f = t->aframe;
    f->pts = k * f->nb_samples;
    testsrc_fill_tone((float *)f->data[0], f->nb_samples, f->pts, t->o.sample_rate, t->o.tone_hz);
    r = avcodec_send_frame(t->aenc, f);
    if (r < 0)
        return r;
    return drain_encoder(t, t->aenc, TESTSRC_AUDIO, NULL);
}

/* Encode the audio frames that start by the time of video frame n. */
static void encode_audio_upto(struct testsrc *t, int64_t n)
{
    int64_t fs = t->aframe->nb_samples, rate = t->o.sample_rate;
    int64_t upto = n * rate / t->o.fps / fs; /* last frame starting by then */
    int64_t max_lag = rate / fs / TESTSRC_AUDIO_MAX_LAG_DIV + 1;
    if (upto - t->next_aframe > max_lag)
        t->next_aframe = upto - max_lag; /* far behind: skip, stay on wall time */
    for (; t->next_aframe <= upto; t->next_aframe++) {
        int r = encode_audio(t, t->next_aframe);
        if (r < 0) {
            if (!t->aenc_failed)
                log_error("testsrc: AAC encoding failed: %s", av_err2str(r));
            t->aenc_failed = true;
            break;
        }
    }
}

static int64_t elapsed_ns(const struct testsrc *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)(now.tv_sec - t->start.tv_sec) * 1000000000 + (now.tv_nsec - t->start.tv_nsec);
}

static struct timespec due_time(const struct testsrc *t, int64_t n)
{
    int64_t fps = t->o.fps; /* split: n * 1e9 would overflow in ~2 years at 120 fps */
    int64_t due = n / fps * 1000000000 + n % fps * 1000000000 / fps;
    struct timespec dl = t->start;
    dl.tv_sec += (time_t)(due / 1000000000);
    dl.tv_nsec += (long)(due % 1000000000);
    if (dl.tv_nsec >= 1000000000) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000;
    }
    return dl;
}

static void *worker(void *arg)
{
    struct testsrc *t = arg;
    int64_t fps = t->o.fps;

    pthread_mutex_lock(&t->mu);
    while (!t->stop) {
        struct timespec dl = due_time(t, t->next_vframe);
        int r = 0;
        while (!t->stop && r != ETIMEDOUT)
            r = pthread_cond_timedwait(&t->cond, &t->mu, &dl);
        if (t->stop)
            break;
        pthread_mutex_unlock(&t->mu);

        /* behind? skip to the frame due now: pts stays tied to wall time */
        int64_t ns = elapsed_ns(t);
        int64_t cur = ns / 1000000000 * fps + ns % 1000000000 * fps / 1000000000;
        if (cur > t->next_vframe) {
            log_debug("testsrc: behind, skipping %lld video frames",
                      (long long)(cur - t->next_vframe));
            t->next_vframe = cur;
        }
        int64_t n = t->next_vframe++;
        r = encode_video(t, n, NULL);
        if (r < 0 && !t->venc_failed) {
            log_error("testsrc: H.264 encoding failed: %s", av_err2str(r));
            t->venc_failed = true;
        }
        if (t->aenc)
            encode_audio_upto(t, n);
        notify(t);
        pthread_mutex_lock(&t->mu);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

/* ---------------------------------------------------------------- setup */

static int open_video(struct testsrc *t, char *err, size_t errlen)
{
    const AVCodec *c = avcodec_find_encoder_by_name("libx264");
    if (!c)
        c = avcodec_find_encoder(AV_CODEC_ID_H264);
    if (!c) {
        str_copy(err, errlen, "testsrc: libavcodec has no H.264 encoder");
        return -ENOSYS;
    }
    AVCodecContext *e = avcodec_alloc_context3(c);
    if (!e)
        return -ENOMEM;
    t->venc = e;
    e->width = t->o.width;
    e->height = t->o.height;
    e->pix_fmt = AV_PIX_FMT_YUV420P;
    e->time_base = (AVRational){1, 90000};
    e->framerate = (AVRational){t->o.fps, 1};
    e->gop_size = t->o.gop;
    e->keyint_min = t->o.gop;
    e->max_b_frames = 0;
    e->bit_rate = (int64_t)t->o.bitrate_kbps * 1000;
    e->rc_max_rate = e->bit_rate;
    e->rc_buffer_size = (int)(e->bit_rate / 2); /* 500 ms VBV: constant-ish rate */
    /* no AV_CODEC_FLAG_GLOBAL_HEADER: parameter sets stay in-band */
    /* One thread is cheapest: 1080p30 ultrafast takes ~8 ms a frame (~12% of
     * a core at 720p30, against ~17% with 4 slice threads). Above 1080p,
     * slice threads keep up with the frame rate. */
    e->thread_count = t->o.width * t->o.height > 1920 * 1088 ? TESTSRC_MAX_THREADS : 1;
    if (!strcmp(c->name, "libx264")) {
        char params[160];
        av_opt_set(e->priv_data, "preset", "ultrafast", 0);
        av_opt_set(e->priv_data, "tune", "zerolatency", 0);
        av_opt_set(e->priv_data, "profile", "baseline", 0);
        str_fmt(params, sizeof params,
                "keyint=%d:min-keyint=%d:scenecut=0:bframes=0:repeat-headers=1:annexb=1", t->o.gop,
                t->o.gop);
        av_opt_set(e->priv_data, "x264-params", params, 0);
    } else {
        log_warn("testsrc: libx264 not available, using the %s H.264 encoder", c->name);
        av_opt_set(e->priv_data, "profile", "baseline", 0);
    }
    int r = avcodec_open2(e, c, NULL);
    if (r < 0) {
        str_fmt(err, errlen, "testsrc: cannot open H.264 encoder %s: %s", c->name, av_err2str(r));
        return -EIO;
    }
    t->vframe = av_frame_alloc();
    if (!t->vframe)
        return -ENOMEM;
    t->vframe->format = AV_PIX_FMT_YUV420P;
    t->vframe->width = t->o.width;
    t->vframe->height = t->o.height;
    if (av_frame_get_buffer(t->vframe, 0) < 0)
        return -ENOMEM;
    return 0;
}

static int open_audio(struct testsrc *t, char *err, size_t errlen)
{
    const AVCodec *c = avcodec_find_encoder_by_name("aac");
    if (!c) {
        str_copy(err, errlen, "testsrc: libavcodec has no native AAC encoder");
        return -ENOSYS;
    }
    AVCodecContext *e = avcodec_alloc_context3(c);
    if (!e)
        return -ENOMEM;
    t->aenc = e;
    e->sample_fmt = AV_SAMPLE_FMT_FLTP;
    e->sample_rate = t->o.sample_rate;
    av_channel_layout_default(&e->ch_layout, 1);
    e->bit_rate = TESTSRC_AUDIO_BPS;
    e->time_base = (AVRational){1, t->o.sample_rate};
    e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER; /* AudioSpecificConfig in extradata */
    int r = avcodec_open2(e, c, NULL);
    if (r < 0) {
        str_fmt(err, errlen, "testsrc: cannot open AAC encoder: %s", av_err2str(r));
        return -EIO;
    }
    if (e->extradata_size < 2 || e->frame_size <= 0) {
        str_copy(err, errlen, "testsrc: AAC encoder gave no AudioSpecificConfig");
        return -EIO;
    }
    t->aframe = av_frame_alloc();
    if (!t->aframe)
        return -ENOMEM;
    t->aframe->format = AV_SAMPLE_FMT_FLTP;
    t->aframe->sample_rate = t->o.sample_rate;
    t->aframe->nb_samples = e->frame_size;
    if (av_channel_layout_copy(&t->aframe->ch_layout, &e->ch_layout) < 0 ||
        av_frame_get_buffer(t->aframe, 0) < 0)
        return -ENOMEM;
    return 0;
}

static bool opts_valid(const struct testsrc_opts *o)
{
    if (o->width < TESTSRC_MIN_DIM || o->height < TESTSRC_MIN_DIM || o->width > TESTSRC_MAX_W ||
        o->height > TESTSRC_MAX_H || (o->width & 1) || (o->height & 1))
        return false;
    if (o->fps <= 0 || o->fps > 120 || o->gop > 1200 || o->bitrate_kbps <= 0 ||
        o->bitrate_kbps > 100000)
        return false;
    return !o->audio ||
           (rate_ok((uint32_t)o->sample_rate) && o->tone_hz > 0 && o->tone_hz * 2 < o->sample_rate);
}

static int alloc_packets(struct testsrc *t)
{
    t->pkt = av_packet_alloc();
    t->fix = av_packet_alloc();
    if (!t->pkt || !t->fix)
        return -ENOMEM;
    for (size_t i = 0; i < TESTSRC_QUEUE_MAX; i++) {
        t->q[i] = av_packet_alloc();
        t->out[i] = av_packet_alloc();
        if (!t->q[i] || !t->out[i])
            return -ENOMEM;
    }
    return 0;
}

/* Encode the first frame(s) on this thread and take SPS/PPS from them. An
 * encoder with delay may need a few frames before its first output. */
static int first_frame(struct testsrc *t, char *err, size_t errlen)
{
    int got = 0;
    while (!got && t->next_vframe < t->o.gop + 16) {
        int r = encode_video(t, t->next_vframe++, &got);
        if (r < 0) {
            str_fmt(err, errlen, "testsrc: encoding the first frame failed: %s", av_err2str(r));
            return -EIO;
        }
    }
    for (size_t i = 0; i < t->q_len && !(t->sps && t->pps); i++) {
        const AVPacket *p = *slot(t, i);
        if (take_params(t, p->data, (size_t)p->size))
            return -ENOMEM;
    }
    if ((!t->sps || !t->pps) && t->venc->extradata_size > 0 &&
        take_params(t, t->venc->extradata, (size_t)t->venc->extradata_size))
        return -ENOMEM;
    if (!t->sps || !t->pps) {
        str_copy(err, errlen, "testsrc: the H.264 encoder gave no SPS/PPS");
        return -EPROTO;
    }
    /* the first AU too, in case the encoder put them only in extradata */
    for (size_t i = 0; i < t->q_len; i++)
        if (ensure_params(t, *slot(t, i)))
            return -ENOMEM;
    return 0;
}

struct testsrc *testsrc_new(struct event_base *base, const struct testsrc_opts *o,
                            const struct testsrc_cb *cb, void *ctx, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!base || !o || !opts_valid(o)) {
        str_copy(err, errlen, "testsrc: invalid options");
        return NULL;
    }
    struct testsrc *t = calloc(1, sizeof *t);
    if (!t) {
        str_copy(err, errlen, "testsrc: out of memory");
        return NULL;
    }
    t->o = *o;
    if (t->o.gop <= 0)
        t->o.gop = t->o.fps;
    t->cb = cb;
    t->ctx = ctx;
    str_fmt(t->label, sizeof t->label, "rtspgate testsrc %dx%d %d fps", t->o.width, t->o.height,
            t->o.fps);
    pthread_mutex_init(&t->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cond, &ca);
    pthread_condattr_destroy(&ca);

    t->ev = event_new(base, -1, 0, on_event, t);
    if (!t->ev || alloc_packets(t)) {
        str_copy(err, errlen, "testsrc: out of memory");
        goto fail;
    }
    if (open_video(t, err, errlen))
        goto fail;
    if (t->o.audio && open_audio(t, err, errlen))
        goto fail;

    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    clock_gettime(CLOCK_MONOTONIC, &t->start);
    t->wall_start_ms = (int64_t)wall.tv_sec * 1000 + wall.tv_nsec / 1000000;
    if (first_frame(t, err, errlen))
        goto fail;
    notify(t);
    if (pthread_create(&t->thread, NULL, worker, t)) {
        str_copy(err, errlen, "testsrc: cannot start the worker thread");
        goto fail;
    }
    t->thread_started = true;
    log_verbose("testsrc: %s, %d kbit/s, keyframe every %d frames%s", t->label, t->o.bitrate_kbps,
                t->o.gop, t->aenc ? ", AAC tone" : "");
    return t;
fail:
    if (err && errlen && !err[0])
        str_copy(err, errlen, "testsrc: cannot start");
    testsrc_free(t);
    return NULL;
}

void testsrc_free(struct testsrc *t)
{
    if (!t)
        return;
    if (t->thread_started) {
        pthread_mutex_lock(&t->mu);
        t->stop = true;
        pthread_cond_signal(&t->cond);
        pthread_mutex_unlock(&t->mu);
        pthread_join(t->thread, NULL);
    }
    if (t->ev)
        event_free(t->ev);
    if (t->dropped)
        log_verbose("testsrc: %llu access units were dropped while the loop was stalled",
                    (unsigned long long)t->dropped);
    /* drain the encoders (the AAC one warns about frames left otherwise) */
    AVCodecContext *encs[2] = {t->venc, t->aenc};
    for (size_t i = 0; i < 2; i++) {
        if (!encs[i] || !t->pkt || avcodec_send_frame(encs[i], NULL) < 0)
            continue;
        while (avcodec_receive_packet(encs[i], t->pkt) >= 0)
            av_packet_unref(t->pkt);
    }
    for (size_t i = 0; i < TESTSRC_QUEUE_MAX; i++) {
        av_packet_free(&t->q[i]);
        av_packet_free(&t->out[i]);
    }
    avcodec_free_context(&t->venc);
    avcodec_free_context(&t->aenc);
    av_frame_free(&t->vframe);
    av_frame_free(&t->aframe);
    av_packet_free(&t->pkt);
    av_packet_free(&t->fix);
    free(t->sps);
    free(t->pps);
    pthread_cond_destroy(&t->cond);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

void testsrc_h264_params(const struct testsrc *t, const uint8_t **sps, size_t *sps_len,
                         const uint8_t **pps, size_t *pps_len)
{
    *sps = t->sps;
    *sps_len = t->sps_len;
    *pps = t->pps;
    *pps_len = t->pps_len;
}

void testsrc_aac_config(const struct testsrc *t, const uint8_t **asc, size_t *len, int *rate,
                        int *channels)
{
    if (!t->aenc) {
        *asc = NULL;
        *len = 0;
        *rate = 0;
        *channels = 0;
        return;
    }
    *asc = t->aenc->extradata;
    *len = (size_t)t->aenc->extradata_size;
    *rate = t->aenc->sample_rate;
    *channels = t->aenc->ch_layout.nb_channels;
}

const struct testsrc_opts *testsrc_get_opts(const struct testsrc *t)
{
    return &t->o;
}
