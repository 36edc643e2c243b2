/* testsrc: the built-in live test stream (see testsrc.h).
 *
 * Threading: testsrc_new opens the encoders and encodes the first video frame
 * on the caller's thread (so SPS/PPS are known), then starts one worker
 * thread. The worker paces itself on CLOCK_MONOTONIC, draws and encodes video
 * frames and the audio frames due up to the same instant, and pushes copies
 * of the encoded access units into a bounded queue (full: the oldest is
 * dropped), then activates a libevent event on the caller's event_base. The
 * event callback runs on the loop thread, drains the queue and calls on_au.
 * The program must have called evthread_use_pthreads() before creating the
 * event_base. */
#include "source/testsrc.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/frame.h>
#include <libavutil/opt.h>

#include "core/sv.h"

#define TESTSRC_QUEUE_MAX 256 /* access units waiting for the loop thread */
#define TESTSRC_MAX_W     4096
#define TESTSRC_MAX_H     2304
#define TESTSRC_MIN_DIM   16
#define TESTSRC_AUDIO_BPS 64000
/* Audio behind by more than this many seconds' worth of frames is skipped. */
#define TESTSRC_AUDIO_MAX_LAG_DIV 4

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
        if (!val.p) {
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

/* ---------------------------------------------------------------- queue */

struct au {
    uint8_t *data;
    size_t len;
    int64_t pts;
    bool key;
    enum testsrc_track track;
};

struct testsrc {
    struct testsrc_opts o;
    const struct testsrc_cb *cb;
    void *ctx;
    struct event *ev;

    AVCodecContext *venc, *aenc;
    AVFrame *vframe, *aframe;
    AVPacket *pkt;

    uint8_t *sps, *pps;
    size_t sps_len, pps_len;

    /* time origin: pts 0 of both tracks */
    struct timespec start;
    int64_t wall_start_ms; /* wall clock (ms since the epoch) at start */
    int64_t next_vframe;   /* next video frame number to encode */
    int64_t next_aframe;   /* next audio frame number to encode */

    pthread_t thread;
    bool thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool stop;
    struct au q[TESTSRC_QUEUE_MAX];
    size_t q_head, q_len;
    uint64_t dropped;
};

static void au_clear(struct au *a)
{
    free(a->data);
    a->data = NULL;
    a->len = 0;
}

/* Takes ownership of data. Called with mu held. */
static void queue_push_locked(struct testsrc *t, uint8_t *data, size_t len, int64_t pts, bool key,
                              enum testsrc_track track)
{
    if (t->q_len == TESTSRC_QUEUE_MAX) {
        au_clear(&t->q[t->q_head]);
        t->q_head = (t->q_head + 1) % TESTSRC_QUEUE_MAX;
        t->q_len--;
        t->dropped++;
    }
    struct au *a = &t->q[(t->q_head + t->q_len) % TESTSRC_QUEUE_MAX];
    a->data = data;
    a->len = len;
    a->pts = pts;
    a->key = key;
    a->track = track;
    t->q_len++;
}

static int queue_push(struct testsrc *t, const AVPacket *p, enum testsrc_track track)
{
    if (p->size <= 0)
        return 0;
    uint8_t *d = malloc((size_t)p->size);
    if (!d)
        return -ENOMEM;
    memcpy(d, p->data, (size_t)p->size);
    pthread_mutex_lock(&t->mu);
    queue_push_locked(t, d, (size_t)p->size, p->pts, (p->flags & AV_PKT_FLAG_KEY) != 0, track);
    pthread_mutex_unlock(&t->mu);
    return 0;
}

static void on_event(evutil_socket_t fd, short what, void *arg)
{
    struct testsrc *t = arg;
    struct au batch[TESTSRC_QUEUE_MAX];
    size_t n = 0;

    pthread_mutex_lock(&t->mu);
    while (t->q_len) {
        batch[n++] = t->q[t->q_head];
        t->q[t->q_head].data = NULL;
        t->q_head = (t->q_head + 1) % TESTSRC_QUEUE_MAX;
        t->q_len--;
    }
    pthread_mutex_unlock(&t->mu);
    for (size_t i = 0; i < n; i++) {
        if (t->cb && t->cb->on_au)
            t->cb->on_au(t->ctx, batch[i].track, batch[i].data, batch[i].len, batch[i].pts,
                         batch[i].key);
        au_clear(&batch[i]);
    }
}

/* ---------------------------------------------------------------- font */

/* 5x7 glyphs, one byte per row, bit 4 = leftmost column. */
static const uint8_t font5x7[][7] = {
    {0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e}, /* 0 */
    {0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e}, /* 1 */
    {0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f}, /* 2 */
    {0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e}, /* 3 */
    {0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02}, /* 4 */
    {0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e}, /* 5 */
    {0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e}, /* 6 */
    {0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}, /* 7 */
    {0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e}, /* 8 */
    {0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c}, /* 9 */
    {0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x00}, /* : */
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c}, /* . */
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, /* space and anything else */
};

static const uint8_t *glyph(char c)
{
    if (c >= '0' && c <= '9')
        return font5x7[c - '0'];
    if (c == ':')
        return font5x7[10];
    if (c == '.')
        return font5x7[11];
    return font5x7[12];
}

/* Fill a rectangle (clipped) in all three planes. */
static void fill_rect(AVFrame *f, int x0, int y0, int w, int h, uint8_t y, uint8_t u, uint8_t v)
{
    int x1 = x0 + w, y1 = y0 + h;
    if (x0 < 0)
        x0 = 0;
    if (y0 < 0)
        y0 = 0;
    if (x1 > f->width)
        x1 = f->width;
    if (y1 > f->height)
        y1 = f->height;
    if (x0 >= x1 || y0 >= y1)
        return;
    for (int r = y0; r < y1; r++)
        memset(f->data[0] + (size_t)r * (size_t)f->linesize[0] + x0, y, (size_t)(x1 - x0));
    int cx0 = x0 / 2, cx1 = (x1 + 1) / 2, cy0 = y0 / 2, cy1 = (y1 + 1) / 2;
    for (int r = cy0; r < cy1; r++) {
        memset(f->data[1] + (size_t)r * (size_t)f->linesize[1] + cx0, u, (size_t)(cx1 - cx0));
        memset(f->data[2] + (size_t)r * (size_t)f->linesize[2] + cx0, v, (size_t)(cx1 - cx0));
    }
}

/* Draw text in white on a black box at (x, y), each font pixel s x s. */
static void draw_text(AVFrame *f, int x, int y, int s, const char *text)
{
    int len = (int)strlen(text);
    int pad = s;
    fill_rect(f, x - pad, y - pad, len * 6 * s + pad, 7 * s + 2 * pad, 16, 128, 128);
    for (int i = 0; i < len; i++) {
        const uint8_t *g = glyph(text[i]);
        for (int row = 0; row < 7; row++)
            for (int col = 0; col < 5; col++)
                if (g[row] & (0x10 >> col))
                    fill_rect(f, x + (i * 6 + col) * s, y + row * s, s, s, 235, 128, 128);
    }
}

/* ---------------------------------------------------------------- drawing */

/* 75% colour bars, BT.601 limited range: white yellow cyan green magenta red blue black */
static const uint8_t bar_yuv[8][3] = {{180, 128, 128}, {168, 44, 136}, {145, 147, 44},
                                      {134, 63, 52},   {63, 193, 204}, {51, 109, 212},
                                      {28, 212, 120},  {16, 128, 128}};

static int triangle(int64_t pos, int range)
{
    if (range <= 0)
        return 0;
    int64_t p = pos % (2 * (int64_t)range);
    return (int)(p < range ? p : 2 * (int64_t)range - p);
}

static void draw_frame(struct testsrc *t, AVFrame *f, int64_t n)
{
    int w = f->width, h = f->height;
    int step = w / 320 > 0 ? 2 * (w / 320) : 2;
    int off = (int)((n * step) % w);

    /* scrolling colour bars: build one row per plane, copy it down */
    uint8_t *y0 = f->data[0], *u0 = f->data[1], *v0 = f->data[2];
    for (int x = 0; x < w; x++) {
        int b = (int)(((int64_t)((x + off) % w) * 8) / w);
        y0[x] = bar_yuv[b][0];
        if (!(x & 1)) {
            u0[x / 2] = bar_yuv[b][1];
            v0[x / 2] = bar_yuv[b][2];
        }
    }
    for (int r = 1; r < h; r++)
        memcpy(y0 + (size_t)r * (size_t)f->linesize[0], y0, (size_t)w);
    for (int r = 1; r < h / 2; r++) {
        memcpy(u0 + (size_t)r * (size_t)f->linesize[1], u0, (size_t)w / 2);
        memcpy(v0 + (size_t)r * (size_t)f->linesize[2], v0, (size_t)w / 2);
    }

    /* a bouncing box whose colour cycles */
    int bs = h / 5 > 4 ? h / 5 : 4;
    int bx = triangle(n * step * 3 / 2, w - bs);
    int by = triangle(n * step, h - bs);
    const uint8_t *c = bar_yuv[(n / t->o.fps) % 7];
    fill_rect(f, bx, by, bs, bs, 235, 128, 128);
    fill_rect(f, bx + bs / 8, by + bs / 8, bs - bs / 4, bs - bs / 4, c[0], c[1], c[2]);

    /* big frame counter and wall clock */
    int s = h / 120 > 0 ? h / 120 : 1;
    char line[32];
    str_fmt(line, sizeof line, "%08lld", (long long)n);
    draw_text(f, 2 * s, 2 * s, 2 * s, line);

    int64_t ms = t->wall_start_ms + n * 1000 / t->o.fps;
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&secs, &tm))
        memset(&tm, 0, sizeof tm);
    str_fmt(line, sizeof line, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
            (int)(ms % 1000));
    draw_text(f, 2 * s, 2 * s + 2 * 7 * s + 4 * s, s * 3 / 2 > 0 ? s * 3 / 2 : 1, line);
}

static void fill_audio(struct testsrc *t, AVFrame *f, int64_t first)
{
    float *dst = (float *)f->data[0];
    int64_t rate = t->o.sample_rate, tone = t->o.tone_hz;
    int64_t beep_len = rate / 10; /* 100 ms beep at the top of every second */
    for (int i = 0; i < f->nb_samples; i++) {
        int64_t s = first + i;
        int64_t in_sec = s % rate;
        double ph = (double)((s * tone) % rate) / (double)rate;
        double v = 0.1 * sin(2.0 * M_PI * ph);
        if (in_sec < beep_len) {
            double ph2 = (double)((s * tone * 2) % rate) / (double)rate;
            v = 0.5 * sin(2.0 * M_PI * ph2);
        }
        dst[i] = (float)v;
    }
}

/* ---------------------------------------------------------------- encoding */

static int64_t elapsed_ns(const struct testsrc *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)(now.tv_sec - t->start.tv_sec) * 1000000000 + (now.tv_nsec - t->start.tv_nsec);
}

/* Receive every packet the encoder has ready and queue it. *got counts them. */
static int drain_encoder(struct testsrc *t, AVCodecContext *enc, enum testsrc_track track, int *got)
{
    for (;;) {
        int r = avcodec_receive_packet(enc, t->pkt);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
            return 0;
        if (r < 0)
            return r;
        if (got)
            (*got)++;
        r = queue_push(t, t->pkt, track);
        av_packet_unref(t->pkt);
        if (r)
            return r;
    }
}

static int encode_video(struct testsrc *t, int64_t n, int *got)
{
    int r = av_frame_make_writable(t->vframe);
    if (r < 0)
        return r;
    draw_frame(t, t->vframe, n);
    t->vframe->pts = n * 90000 / t->o.fps;
    t->vframe->pict_type = AV_PICTURE_TYPE_NONE;
    r = avcodec_send_frame(t->venc, t->vframe);
    if (r < 0)
        return r;
    return drain_encoder(t, t->venc, TESTSRC_VIDEO, got);
}

static int encode_audio(struct testsrc *t, int64_t k)
{
    int r = av_frame_make_writable(t->aframe);
    if (r < 0)
        return r;
    t->aframe->pts = k * t->aframe->nb_samples;
    fill_audio(t, t->aframe, t->aframe->pts);
    r = avcodec_send_frame(t->aenc, t->aframe);
    if (r < 0)
        return r;
    return drain_encoder(t, t->aenc, TESTSRC_AUDIO, NULL);
}

static void notify(struct testsrc *t)
{
    event_active(t->ev, EV_READ, 0);
}

static void *worker(void *arg)
{
    struct testsrc *t = arg;
    int64_t fps = t->o.fps;

    pthread_mutex_lock(&t->mu);
    while (!t->stop) {
        /* wait until the next video frame is due */
        int64_t due = t->next_vframe * 1000000000 / fps;
        struct timespec dl = t->start;
        dl.tv_sec += (time_t)(due / 1000000000);
        dl.tv_nsec += (long)(due % 1000000000);
        if (dl.tv_nsec >= 1000000000) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000;
        }
        int r = 0;
        while (!t->stop && r != ETIMEDOUT)
            r = pthread_cond_timedwait(&t->cond, &t->mu, &dl);
        if (t->stop)
            break;
        pthread_mutex_unlock(&t->mu);

        /* behind? skip frames: pts stays tied to wall time */
        int64_t now = elapsed_ns(t);
        int64_t cur = now * fps / 1000000000;
        if (cur > t->next_vframe)
            t->next_vframe = cur;
        int64_t n = t->next_vframe++;
        if (encode_video(t, n, NULL) < 0) {
            /* an encoder error is not recoverable here; keep pacing */
        }
        if (t->aenc) {
            int64_t fs = t->aframe->nb_samples, rate = t->o.sample_rate;
            int64_t vt = n * 1000000000 / fps;          /* time of this video frame */
            int64_t upto = vt * rate / 1000000000 / fs; /* audio frames starting by then */
            if (upto - t->next_aframe > rate / fs / TESTSRC_AUDIO_MAX_LAG_DIV + 1)
                t->next_aframe = upto - rate / fs / TESTSRC_AUDIO_MAX_LAG_DIV;
            while (t->next_aframe <= upto) {
                if (encode_audio(t, t->next_aframe) < 0)
                    break;
                t->next_aframe++;
            }
        }
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
    e->rc_buffer_size = (int)(e->bit_rate > INT32_MAX ? INT32_MAX : e->bit_rate);
    e->thread_count = 0;
    if (e->priv_data) {
        char params[160];
        av_opt_set(e->priv_data, "preset", "ultrafast", 0);
        av_opt_set(e->priv_data, "tune", "zerolatency", 0);
        str_fmt(params, sizeof params,
                "keyint=%d:min-keyint=%d:scenecut=0:bframes=0:repeat-headers=1:annexb=1", t->o.gop,
                t->o.gop);
        av_opt_set(e->priv_data, "x264-params", params, 0);
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
    e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    int r = avcodec_open2(e, c, NULL);
    if (r < 0) {
        str_fmt(err, errlen, "testsrc: cannot open AAC encoder: %s", av_err2str(r));
        return -EIO;
    }
    if (e->extradata_size <= 0 || e->frame_size <= 0) {
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

/* Find the next Annex B NAL unit at or after *pos: its payload view. */
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

static int dup_bytes(uint8_t **dst, size_t *dlen, const uint8_t *src, size_t n)
{
    free(*dst);
    *dst = malloc(n ? n : 1);
    if (!*dst)
        return -ENOMEM;
    memcpy(*dst, src, n);
    *dlen = n;
    return 0;
}

/* Take SPS/PPS from the queued first access units. Called before the worker
 * starts: no lock needed. */
static int extract_params(struct testsrc *t)
{
    for (size_t k = 0; k < t->q_len; k++) {
        const struct au *a = &t->q[(t->q_head + k) % TESTSRC_QUEUE_MAX];
        if (a->track != TESTSRC_VIDEO)
            continue;
        size_t pos = 0, nl;
        const uint8_t *nal;
        while (next_nal(a->data, a->len, &pos, &nal, &nl)) {
            if (!nl)
                continue;
            int type = nal[0] & 0x1f;
            int r = 0;
            if (type == 7 && !t->sps)
                r = dup_bytes(&t->sps, &t->sps_len, nal, nl);
            else if (type == 8 && !t->pps)
                r = dup_bytes(&t->pps, &t->pps_len, nal, nl);
            if (r)
                return r;
        }
        if (t->sps && t->pps)
            return 0;
    }
    return -EPROTO;
}

struct testsrc *testsrc_new(struct event_base *base, const struct testsrc_opts *o,
                            const struct testsrc_cb *cb, void *ctx, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!base || !o || o->width < TESTSRC_MIN_DIM || o->height < TESTSRC_MIN_DIM ||
        o->width > TESTSRC_MAX_W || o->height > TESTSRC_MAX_H || (o->width & 1) ||
        (o->height & 1) || o->fps <= 0 || o->fps > 120 || o->bitrate_kbps <= 0 ||
        (o->audio && (!rate_ok((uint32_t)o->sample_rate) || o->tone_hz <= 0 ||
                      o->tone_hz * 2 >= o->sample_rate))) {
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
    pthread_mutex_init(&t->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cond, &ca);
    pthread_condattr_destroy(&ca);

    t->ev = event_new(base, -1, 0, on_event, t);
    t->pkt = av_packet_alloc();
    if (!t->ev || !t->pkt) {
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

    /* First frame(s) synchronously: SPS/PPS must be known on return. An
     * encoder with delay may need a few frames before its first output. */
    int got = 0;
    while (!got && t->next_vframe < t->o.gop + 16) {
        int r = encode_video(t, t->next_vframe++, &got);
        if (r < 0) {
            str_fmt(err, errlen, "testsrc: encoding the first frame failed: %s", av_err2str(r));
            goto fail;
        }
    }
    if (extract_params(t)) {
        str_copy(err, errlen, "testsrc: the H.264 encoder gave no in-band SPS/PPS");
        goto fail;
    }
    notify(t);
    if (pthread_create(&t->thread, NULL, worker, t)) {
        str_copy(err, errlen, "testsrc: cannot start the worker thread");
        goto fail;
    }
    t->thread_started = true;
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
    for (size_t k = 0; k < t->q_len; k++)
        au_clear(&t->q[(t->q_head + k) % TESTSRC_QUEUE_MAX]);
    avcodec_free_context(&t->venc);
    avcodec_free_context(&t->aenc);
    av_frame_free(&t->vframe);
    av_frame_free(&t->aframe);
    av_packet_free(&t->pkt);
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
