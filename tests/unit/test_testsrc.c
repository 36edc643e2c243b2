/* testsrc: live H.264 + AAC test stream on an event loop (decoded back with
 * libavcodec), behaviour when the loop stalls, option parsing.
 *
 * Timing assertions are loose on purpose: the source skips frames rather than
 * drift when the machine is loaded, and the tests run beside parallel builds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>
#include <libavutil/mem.h>

#include "source/testsrc.h"

#define MAX_AUS 1024

struct rec_au {
    uint8_t *data;
    size_t len;
    int64_t pts;
    bool key;
};

struct rec {
    struct rec_au v[MAX_AUS], a[MAX_AUS];
    size_t nv, na;
    bool order_ok;  /* pts strictly increasing per track */
    bool thread_ok; /* every call on the loop thread */
    pthread_t loop_thread;
};

static void on_au(void *ctx, enum testsrc_track track, const uint8_t *data, size_t len, int64_t pts,
                  bool key)
{
    struct rec *r = ctx;
    struct rec_au *arr = track == TESTSRC_VIDEO ? r->v : r->a;
    size_t *n = track == TESTSRC_VIDEO ? &r->nv : &r->na;
    if (!pthread_equal(pthread_self(), r->loop_thread))
        r->thread_ok = false;
    if (*n && pts <= arr[*n - 1].pts)
        r->order_ok = false;
    if (*n == MAX_AUS)
        return;
    struct rec_au *au = &arr[(*n)++];
    au->data = malloc(len ? len : 1);
    assert_non_null(au->data);
    memcpy(au->data, data, len);
    au->len = len;
    au->pts = pts;
    au->key = key;
}

static struct rec *rec_new(void)
{
    struct rec *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->order_ok = true;
    r->thread_ok = true;
    r->loop_thread = pthread_self();
    return r;
}

static void rec_free(struct rec *r)
{
    for (size_t i = 0; i < r->nv; i++)
        free(r->v[i].data);
    for (size_t i = 0; i < r->na; i++)
        free(r->a[i].data);
    free(r);
}

static const struct testsrc_cb cbs = {.on_au = on_au};

/* Run the loop for ms milliseconds. */
static void run_loop(struct event_base *base, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    event_base_loopexit(base, &tv);
    event_base_dispatch(base);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

/* ---------------------------------------------------------------- H.264 bits */

/* Bitmask of NAL unit types in an Annex B access unit. */
static unsigned nal_types(const uint8_t *b, size_t len)
{
    unsigned m = 0;
    for (size_t i = 0; i + 3 < len; i++)
        if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1)
            m |= 1u << (b[i + 3] & 0x1f);
    return m;
}

/* First NAL unit of type 1 or 5 (a slice): RBSP (emulation prevention
 * removed) after the NAL header, up to cap bytes. */
static size_t slice_rbsp(const uint8_t *b, size_t len, uint8_t *out, size_t cap)
{
    for (size_t i = 0; i + 3 < len; i++) {
        if (!(b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1))
            continue;
        int type = b[i + 3] & 0x1f;
        if (type != 1 && type != 5)
            continue;
        size_t n = 0, zeros = 0;
        for (size_t j = i + 4; j < len && n < cap; j++) {
            if (zeros >= 2 && b[j] == 3) {
                zeros = 0;
                continue;
            }
            zeros = b[j] == 0 ? zeros + 1 : 0;
            out[n++] = b[j];
        }
        return n;
    }
    return 0;
}

struct bits {
    const uint8_t *p;
    size_t n, pos; /* in bits */
};

static unsigned get_bit(struct bits *b)
{
    assert_true(b->pos < b->n * 8);
    unsigned v = (b->p[b->pos / 8] >> (7 - b->pos % 8)) & 1;
    b->pos++;
    return v;
}

static unsigned get_bits(struct bits *b, int n)
{
    unsigned v = 0;
    while (n--)
        v = (v << 1) | get_bit(b);
    return v;
}

static unsigned get_ue(struct bits *b)
{
    int lz = 0;
    while (!get_bit(b))
        lz++;
    assert_true(lz < 32);
    return ((1u << lz) - 1) + get_bits(b, lz);
}

/* log2_max_frame_num from an SPS (NAL header included). */
static int sps_log2_max_frame_num(const uint8_t *sps, size_t len)
{
    struct bits b = {sps + 1, len - 1, 0};
    unsigned profile = get_bits(&b, 8);
    get_bits(&b, 16); /* constraint flags, level */
    get_ue(&b);       /* seq_parameter_set_id */
    if (profile == 100 || profile == 110 || profile == 122 || profile == 244) {
        if (get_ue(&b) == 3)
            get_bit(&b);
        get_ue(&b);
        get_ue(&b);
        get_bit(&b);
        assert_int_equal(get_bit(&b), 0); /* no scaling matrices */
    }
    return (int)get_ue(&b) + 4;
}

static unsigned slice_frame_num(const uint8_t *au, size_t len, int log2_max_fn)
{
    uint8_t rbsp[64];
    size_t n = slice_rbsp(au, len, rbsp, sizeof rbsp);
    assert_true(n > 4);
    struct bits b = {rbsp, n, 0};
    get_ue(&b); /* first_mb_in_slice */
    get_ue(&b); /* slice_type */
    get_ue(&b); /* pic_parameter_set_id */
    return get_bits(&b, log2_max_fn);
}

/* Every delivered GOP is a keyframe followed by the frames the encoder made
 * after it, none missing (a prefix of the encoded GOP): decodable. The first
 * AU is a keyframe carrying SPS, PPS and IDR. */
static void check_gops(const struct rec *r, int log2_max_fn, int gop, bool full_gops)
{
    unsigned max_fn = 1u << log2_max_fn;
    size_t pos = 0;
    assert_true(r->nv > 0);
    assert_true(r->v[0].key);
    for (size_t i = 0; i < r->nv; i++) {
        const struct rec_au *a = &r->v[i];
        unsigned m = nal_types(a->data, a->len);
        if (a->key) {
            assert_true(m & (1u << 7));
            assert_true(m & (1u << 8));
            assert_true(m & (1u << 5));
            pos = 0;
        } else {
            assert_false(m & (1u << 5));
            assert_true(m & (1u << 1));
            pos++;
        }
        assert_in_range(pos, 0, (size_t)gop - 1);
        if (full_gops)
            assert_int_equal(a->key, i % (size_t)gop == 0);
        assert_int_equal(slice_frame_num(a->data, a->len, log2_max_fn), pos % max_fn);
    }
}

/* ---------------------------------------------------------------- decoding */

struct plane {
    uint8_t *y;
    int w, h;
};

static void keep_luma(struct plane *pl, const AVFrame *f)
{
    pl->w = f->width;
    pl->h = f->height;
    pl->y = malloc((size_t)f->width * (size_t)f->height);
    assert_non_null(pl->y);
    for (int r = 0; r < f->height; r++)
        memcpy(pl->y + (size_t)r * (size_t)f->width,
               f->data[0] + (size_t)r * (size_t)f->linesize[0], (size_t)f->width);
}

/* Share of luma samples differing by more than 16. */
static double luma_diff(const struct plane *a, const struct plane *b)
{
    size_t n = (size_t)a->w * (size_t)a->h, d = 0;
    for (size_t i = 0; i < n; i++)
        if (abs((int)a->y[i] - (int)b->y[i]) > 16)
            d++;
    return (double)d / (double)n;
}

/* Decode every video AU; keep the luma of AU 0, AU 1 and the first AU at or
 * after one second. */
static void decode_video(const struct rec *r, int w, int h, struct plane *p0, struct plane *p1,
                         struct plane *p1s)
{
    const AVCodec *dec = avcodec_find_decoder(AV_CODEC_ID_H264);
    assert_non_null(dec);
    AVCodecContext *dc = avcodec_alloc_context3(dec);
    assert_non_null(dc);
    dc->flags |= AV_CODEC_FLAG_LOW_DELAY;
    assert_int_equal(avcodec_open2(dc, dec, NULL), 0);
    AVPacket *p = av_packet_alloc();
    AVFrame *f = av_frame_alloc();
    size_t frames = 0;
    for (size_t i = 0; i <= r->nv; i++) {
        if (i < r->nv) {
            p->data = r->v[i].data;
            p->size = (int)r->v[i].len;
            p->pts = r->v[i].pts;
            assert_int_equal(avcodec_send_packet(dc, p), 0);
        } else {
            assert_int_equal(avcodec_send_packet(dc, NULL), 0);
        }
        while (avcodec_receive_frame(dc, f) == 0) {
            assert_int_equal(f->width, w);
            assert_int_equal(f->height, h);
            assert_int_equal(f->decode_error_flags, 0);
            if (frames == 0)
                keep_luma(p0, f);
            else if (frames == 1)
                keep_luma(p1, f);
            if (!p1s->y && f->pts >= 90000)
                keep_luma(p1s, f);
            frames++;
            av_frame_unref(f);
        }
    }
    assert_int_equal(frames, r->nv);
    av_frame_free(&f);
    av_packet_free(&p);
    avcodec_free_context(&dc);
}

/* Decode every audio AU with the AudioSpecificConfig as extradata; return the
 * peak amplitude of the frames at pts `beep` and `quiet`. */
static void decode_audio(const struct rec *r, const uint8_t *asc, size_t asc_len, int rate,
                         int64_t beep, int64_t quiet, float *peak_beep, float *peak_quiet)
{
    const AVCodec *dec = avcodec_find_decoder(AV_CODEC_ID_AAC);
    assert_non_null(dec);
    AVCodecContext *dc = avcodec_alloc_context3(dec);
    assert_non_null(dc);
    dc->extradata = av_mallocz(asc_len + AV_INPUT_BUFFER_PADDING_SIZE);
    assert_non_null(dc->extradata);
    memcpy(dc->extradata, asc, asc_len);
    dc->extradata_size = (int)asc_len;
    assert_int_equal(avcodec_open2(dc, dec, NULL), 0);
    AVPacket *p = av_packet_alloc();
    AVFrame *f = av_frame_alloc();
    size_t frames = 0;
    *peak_beep = *peak_quiet = -1;
    for (size_t i = 0; i < r->na; i++) {
        p->data = r->a[i].data;
        p->size = (int)r->a[i].len;
        p->pts = r->a[i].pts;
        assert_int_equal(avcodec_send_packet(dc, p), 0);
        while (avcodec_receive_frame(dc, f) == 0) {
            assert_int_equal(f->sample_rate, rate);
            assert_int_equal(f->ch_layout.nb_channels, 1);
            assert_int_equal(f->nb_samples, 1024);
            assert_int_equal(f->format, AV_SAMPLE_FMT_FLTP);
            float peak = 0;
            for (int k = 0; k < f->nb_samples; k++) {
                float v = ((const float *)f->data[0])[k];
                if (v < 0)
                    v = -v;
                if (v > peak)
                    peak = v;
            }
            if (f->pts == beep)
                *peak_beep = peak;
            if (f->pts == quiet)
                *peak_quiet = peak;
            frames++;
            av_frame_unref(f);
        }
    }
    assert_true(frames + 2 >= r->na);
    av_frame_free(&f);
    av_packet_free(&p);
    avcodec_free_context(&dc);
}

/* ---------------------------------------------------------------- tests */

static void test_live(void **st)
{
    (void)st;
    struct event_base *base = event_base_new();
    assert_non_null(base);
    struct testsrc_opts o;
    testsrc_opts_default(&o);
    char err[256];
    assert_int_equal(testsrc_opts_parse("size=320x240,fps=30,bitrate=500", &o, err, sizeof err), 0);
    assert_int_equal(o.gop, 30);

    struct rec *r = rec_new();
    struct testsrc *t = testsrc_new(base, &o, &cbs, r, err, sizeof err);
    assert_non_null(t);

    const uint8_t *sps, *pps;
    size_t sps_len, pps_len;
    testsrc_h264_params(t, &sps, &sps_len, &pps, &pps_len);
    assert_true(sps_len > 3);
    assert_int_equal(sps[0] & 0x1f, 7);
    assert_true(sps[1] == 66 || sps[1] == 77); /* baseline or main */
    assert_true(pps_len > 0);
    assert_int_equal(pps[0] & 0x1f, 8);
    int log2_max_fn = sps_log2_max_frame_num(sps, sps_len);
    uint8_t sps_copy[64];
    assert_true(sps_len <= sizeof sps_copy);
    memcpy(sps_copy, sps, sps_len);

    const uint8_t *asc;
    size_t asc_len;
    int rate, ch;
    testsrc_aac_config(t, &asc, &asc_len, &rate, &ch);
    assert_in_range(asc_len, 2, 8);
    uint8_t asc_copy[8];
    memcpy(asc_copy, asc, asc_len);
    assert_int_equal(rate, 48000);
    assert_int_equal(ch, 1);
    assert_int_equal((asc[0] >> 3), 2); /* AAC LC */
    assert_int_equal(testsrc_get_opts(t)->width, 320);
    assert_int_equal(testsrc_get_opts(t)->gop, 30);

    run_loop(base, 1500);
    testsrc_free(t); /* sps, pps and asc are gone now: use the copies */
    assert_true(r->thread_ok);
    assert_true(r->order_ok);

    /* video: ~45 AUs in 1.5 s, 90 kHz pts on the frame grid, a keyframe with
     * SPS+PPS+IDR every 30 AUs, the first one at pts 0 */
    assert_in_range(r->nv, 36, 47);
    assert_int_equal(r->v[0].pts, 0);
    for (size_t i = 0; i < r->nv; i++)
        assert_int_equal(r->v[i].pts % 3000, 0);
    assert_in_range(r->v[r->nv - 1].pts, 120000, 140000);
    check_gops(r, log2_max_fn, 30, true);
    /* the in-band SPS of a later keyframe is the announced one */
    if (r->nv > 30) {
        const uint8_t *b = r->v[30].data;
        bool found = false;
        for (size_t i = 0; i + 3 + sps_len <= r->v[30].len; i++)
            if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1 &&
                !memcmp(b + i + 3, sps_copy, sps_len))
                found = true;
        assert_true(found);
    }

    /* decoded: right size, no errors, and it moves */
    struct plane p0 = {0}, p1 = {0}, p1s = {0};
    decode_video(r, 320, 240, &p0, &p1, &p1s);
    assert_non_null(p1.y);
    assert_non_null(p1s.y);
    assert_true(luma_diff(&p0, &p1) > 0.001);
    assert_true(luma_diff(&p0, &p1s) > 0.05);
    free(p0.y);
    free(p1.y);
    free(p1s.y);

    /* audio: ~46.9 frames/s of 1024 samples from pts 0, contiguous */
    assert_in_range(r->na, 58, 72);
    assert_int_equal(r->a[0].pts, 0);
    for (size_t i = 1; i < r->na; i++) {
        assert_int_equal(r->a[i].pts - r->a[i - 1].pts, 1024);
        assert_true(r->a[i].key);
        assert_true(r->a[i].len > 0 && r->a[i].len < 2048);
    }
    /* one timeline: both tracks end near the same instant */
    double vend = (double)r->v[r->nv - 1].pts / 90000.0;
    double aend = (double)(r->a[r->na - 1].pts + 1024) / 48000.0;
    assert_true(aend - vend < 0.1 && vend - aend < 0.1);

    /* it decodes; the beep at the top of the second is louder than the tone */
    float beep, quiet;
    decode_audio(r, asc_copy, asc_len, 48000, 48128, 24576, &beep, &quiet);
    assert_true(beep > 0.3f);
    assert_true(quiet > 0.03f && quiet < 0.2f);

    rec_free(r);
    event_base_free(base);
}

/* The loop stalls longer than the queue holds (two sources side by side).
 * A, short GOPs: what is delivered afterwards starts at a keyframe, every GOP
 * is complete from its keyframe on, the audio of the dropped span went too.
 * B, one GOP longer than the queue: all its video is dropped up to the next
 * keyframe, the audio is kept. */
static void test_stall(void **st)
{
    (void)st;
    struct event_base *base = event_base_new();
    struct testsrc_opts oa, ob;
    char err[256];
    testsrc_opts_default(&oa);
    testsrc_opts_default(&ob);
    assert_int_equal(
        testsrc_opts_parse("size=64x48,fps=120,gop=12,bitrate=200", &oa, err, sizeof err), 0);
    assert_int_equal(
        testsrc_opts_parse("size=64x48,fps=120,gop=300,bitrate=200", &ob, err, sizeof err), 0);
    struct rec *ra = rec_new(), *rb = rec_new();
    struct testsrc *ta = testsrc_new(base, &oa, &cbs, ra, err, sizeof err);
    assert_non_null(ta);
    struct testsrc *tb = testsrc_new(base, &ob, &cbs, rb, err, sizeof err);
    assert_non_null(tb);
    const uint8_t *sps, *pps;
    size_t sps_len, pps_len;
    testsrc_h264_params(ta, &sps, &sps_len, &pps, &pps_len);
    int log2_a = sps_log2_max_frame_num(sps, sps_len);
    testsrc_h264_params(tb, &sps, &sps_len, &pps, &pps_len);
    int log2_b = sps_log2_max_frame_num(sps, sps_len);

    /* each makes ~120 video + ~47 audio AUs a second: the queue (256) is
     * full after ~1.6 s; B's second keyframe comes at 2.5 s */
    sleep_ms(2800);
    run_loop(base, 300);
    testsrc_free(ta);
    testsrc_free(tb);

    assert_true(ra->order_ok);
    assert_true(ra->nv > 12);
    assert_true(ra->v[0].pts > 0); /* the oldest were dropped */
    check_gops(ra, log2_a, 12, false);
    for (size_t i = 0; i < ra->nv; i++)
        assert_int_equal(ra->v[i].pts % 750, 0);
    assert_true(ra->v[ra->nv - 1].pts > 90000 * 28 / 10); /* the newest survived */
    assert_true(ra->na > 10);
    assert_true((double)ra->a[0].pts / 48000.0 > (double)ra->v[0].pts / 90000.0 - 0.1);
    for (size_t i = 1; i < ra->na; i++)
        assert_int_equal((ra->a[i].pts - ra->a[i - 1].pts) % 1024, 0);

    assert_true(rb->order_ok);
    assert_true(rb->nv > 0);
    assert_true(rb->v[0].pts >= 300 * 750); /* the second keyframe */
    check_gops(rb, log2_b, 300, false);
    assert_int_equal(rb->a[0].pts, 0); /* audio kept from the start */
    assert_true(rb->na > 120);
    for (size_t i = 1; i < rb->na; i++)
        assert_int_equal(rb->a[i].pts - rb->a[i - 1].pts, 1024);

    rec_free(ra);
    rec_free(rb);
    event_base_free(base);
}

static void test_no_audio(void **st)
{
    (void)st;
    struct event_base *base = event_base_new();
    struct testsrc_opts o;
    testsrc_opts_default(&o);
    char err[256];
    assert_int_equal(testsrc_opts_parse("size=160x120,fps=25,audio=0", &o, err, sizeof err), 0);
    assert_int_equal(o.gop, 25);
    struct rec *r = rec_new();
    struct testsrc *t = testsrc_new(base, &o, &cbs, r, err, sizeof err);
    assert_non_null(t);
    const uint8_t *asc = (const uint8_t *)"x";
    size_t asc_len = 1;
    int rate = 1, ch = 1;
    testsrc_aac_config(t, &asc, &asc_len, &rate, &ch);
    assert_int_equal(asc_len, 0);
    assert_null(asc);
    run_loop(base, 300);
    testsrc_free(t);
    assert_true(r->order_ok);
    assert_in_range(r->nv, 3, 9);
    assert_int_equal(r->na, 0);
    assert_int_equal(r->v[0].pts, 0);
    assert_true(r->v[0].key);
    for (size_t i = 0; i < r->nv; i++)
        assert_int_equal(r->v[i].pts % 3600, 0);
    rec_free(r);
    event_base_free(base);
    testsrc_free(NULL);
}

/* Freed before the loop ever ran (queued AUs, pending event), and a source
 * that cannot start. */
static void test_lifecycle(void **st)
{
    (void)st;
    struct event_base *base = event_base_new();
    struct testsrc_opts o;
    testsrc_opts_default(&o);
    char err[256];
    assert_int_equal(testsrc_opts_parse("size=128x96", &o, err, sizeof err), 0);
    struct rec *r = rec_new();
    for (int i = 0; i < 3; i++) {
        struct testsrc *t = testsrc_new(base, &o, &cbs, r, err, sizeof err);
        assert_non_null(t);
        sleep_ms(i * 50);
        testsrc_free(t);
    }
    run_loop(base, 10);
    assert_int_equal(r->nv, 0);

    o.width = 0;
    err[0] = '\0';
    assert_null(testsrc_new(base, &o, &cbs, r, err, sizeof err));
    assert_true(strlen(err) > 0);
    rec_free(r);
    event_base_free(base);
}

static void test_opts(void **st)
{
    (void)st;
    struct testsrc_opts o;
    char err[256];

    testsrc_opts_default(&o);
    assert_int_equal(o.width, 1280);
    assert_int_equal(o.height, 720);
    assert_int_equal(o.fps, 30);
    assert_int_equal(o.gop, 30);
    assert_int_equal(o.bitrate_kbps, 2000);
    assert_true(o.audio);
    assert_int_equal(o.sample_rate, 48000);
    assert_int_equal(o.tone_hz, 440);

    assert_int_equal(testsrc_opts_parse("", &o, err, sizeof err), 0);
    assert_int_equal(o.width, 1280);
    assert_int_equal(testsrc_opts_parse(NULL, &o, err, sizeof err), 0);
    assert_int_equal(
        testsrc_opts_parse("size=640x360,fps=25,bitrate=1000,gop=50,audio=0,rate=44100,tone=1000",
                           &o, err, sizeof err),
        0);
    assert_int_equal(o.width, 640);
    assert_int_equal(o.height, 360);
    assert_int_equal(o.fps, 25);
    assert_int_equal(o.bitrate_kbps, 1000);
    assert_int_equal(o.gop, 50);
    assert_false(o.audio);
    assert_int_equal(o.sample_rate, 44100);
    assert_int_equal(o.tone_hz, 1000);

    testsrc_opts_default(&o);
    assert_int_equal(testsrc_opts_parse("fps=60", &o, err, sizeof err), 0);
    assert_int_equal(o.gop, 60); /* gop follows fps unless given */
    assert_int_equal(testsrc_opts_parse("gop=10,fps=15", &o, err, sizeof err), 0);
    assert_int_equal(o.gop, 10);
    assert_int_equal(testsrc_opts_parse(" audio = off , size=16x16,", &o, err, sizeof err), 0);
    assert_false(o.audio);
    assert_int_equal(o.width, 16);

    static const struct {
        const char *s, *msg; /* msg: a part of the reason */
    } bad[] = {
        {"size=0x0", "size"},
        {"fps=abc", "fps"},
        {"unknown=1", "unknown"},
        {"size=640", "size"},
        {"size=641x360", "size"},
        {"size=x360", "size"},
        {"size=640x", "size"},
        {"size=99999x99", "size"},
        {"fps=0", "fps"},
        {"fps=-1", "fps"},
        {"fps=", "fps"},
        {"fps=1000", "fps"},
        {"fps=30x", "fps"},
        {"bitrate=0", "bitrate"},
        {"gop=0", "gop"},
        {"audio=2", "audio"},
        {"audio=yes!", "audio"},
        {"rate=12345", "rate"},
        {"rate=0", "rate"},
        {"tone=5", "tone"},
        {"tone=30000", "tone"},
        {"colour=red", "colour"},
        {"fps", "fps"},
        {"=5", "key=value"},
        {"fps=30,bogus=1", "bogus"},
        {"rate=8000,tone=4000", "tone"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        testsrc_opts_default(&o);
        err[0] = '\0';
        int r = testsrc_opts_parse(bad[i].s, &o, err, sizeof err);
        if (r != -EINVAL)
            fail_msg("'%s' accepted", bad[i].s);
        if (!strstr(err, bad[i].msg))
            fail_msg("'%s': reason '%s' does not mention '%s'", bad[i].s, err, bad[i].msg);
        /* a rejected string leaves the options alone */
        assert_int_equal(o.fps, 30);
        assert_int_equal(o.width, 1280);
        assert_true(o.audio);
    }
    /* a small err buffer is still NUL-terminated */
    char small[8];
    assert_int_equal(testsrc_opts_parse("fps=abc", &o, small, sizeof small), -EINVAL);
    assert_true(strlen(small) < sizeof small);
}

int main(void)
{
    evthread_use_pthreads();
    av_log_set_level(AV_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opts),      cmocka_unit_test(test_live),
        cmocka_unit_test(test_no_audio),  cmocka_unit_test(test_stall),
        cmocka_unit_test(test_lifecycle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
