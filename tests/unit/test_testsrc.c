/* testsrc: live H.264 + AAC test stream on an event loop; option parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>

#include "source/testsrc.h"

#define MAX_AUS 512

struct rec_au {
    uint8_t *data;
    size_t len;
    int64_t pts;
    bool key;
};

struct rec {
    struct rec_au v[MAX_AUS], a[MAX_AUS];
    size_t nv, na;
    bool order_ok; /* pts strictly increasing per track */
};

static void on_au(void *ctx, enum testsrc_track track, const uint8_t *data, size_t len, int64_t pts,
                  bool key)
{
    struct rec *r = ctx;
    struct rec_au *arr = track == TESTSRC_VIDEO ? r->v : r->a;
    size_t *n = track == TESTSRC_VIDEO ? &r->nv : &r->na;
    if (*n && pts <= arr[*n - 1].pts)
        r->order_ok = false;
    if (*n == MAX_AUS)
        return;
    struct rec_au *au = &arr[(*n)++];
    au->data = malloc(len);
    assert_non_null(au->data);
    memcpy(au->data, data, len);
    au->len = len;
    au->pts = pts;
    au->key = key;
}

static void rec_free(struct rec *r)
{
    for (size_t i = 0; i < r->nv; i++)
        free(r->v[i].data);
    for (size_t i = 0; i < r->na; i++)
        free(r->a[i].data);
}

static const struct testsrc_cb cbs = {.on_au = on_au};

/* Run the loop for ms milliseconds. */
static void run_loop(struct event_base *base, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    event_base_loopexit(base, &tv);
    event_base_dispatch(base);
}

/* Bitmask of NAL unit types in an Annex B access unit. */
static unsigned nal_types(const uint8_t *b, size_t len)
{
    unsigned m = 0;
    for (size_t i = 0; i + 3 < len; i++)
        if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1)
            m |= 1u << (b[i + 3] & 0x1f);
    return m;
}

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

    struct rec *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->order_ok = true;
    struct testsrc *t = testsrc_new(base, &o, &cbs, r, err, sizeof err);
    assert_non_null(t);

    const uint8_t *sps, *pps;
    size_t sps_len, pps_len;
    testsrc_h264_params(t, &sps, &sps_len, &pps, &pps_len);
    assert_true(sps_len > 3);
    assert_int_equal(sps[0] & 0x1f, 7);
    assert_true(pps_len > 0);
    assert_int_equal(pps[0] & 0x1f, 8);

    const uint8_t *asc;
    size_t asc_len;
    int rate, ch;
    testsrc_aac_config(t, &asc, &asc_len, &rate, &ch);
    assert_in_range(asc_len, 2, 8);
    assert_int_equal(rate, 48000);
    assert_int_equal(ch, 1);
    assert_int_equal((asc[0] >> 3), 2); /* AAC LC */
    assert_int_equal(testsrc_get_opts(t)->width, 320);

    run_loop(base, 1500);
    testsrc_free(t);

    /* video: ~45 AUs in 1.5 s, pts increasing, 90 kHz, one keyframe per gop */
    assert_true(r->order_ok);
    assert_in_range(r->nv, 35, 50);
    assert_true(r->v[0].key);
    assert_int_equal(r->v[0].pts, 0);
    unsigned m = nal_types(r->v[0].data, r->v[0].len);
    assert_true(m & (1u << 7));
    assert_true(m & (1u << 8));
    assert_true(m & (1u << 5));
    assert_in_range(r->v[r->nv - 1].pts, 90000, 140000);
    for (size_t i = 1; i < r->nv; i++) {
        assert_int_equal(r->v[i].pts % 3000, 0);
        bool idr = (nal_types(r->v[i].data, r->v[i].len) & (1u << 5)) != 0;
        assert_int_equal(r->v[i].key, idr);
        if (idr) /* every IDR carries its parameter sets in-band */
            assert_true(nal_types(r->v[i].data, r->v[i].len) & (1u << 7));
    }

    /* decode a few */
    const AVCodec *dec = avcodec_find_decoder(AV_CODEC_ID_H264);
    assert_non_null(dec);
    AVCodecContext *dc = avcodec_alloc_context3(dec);
    assert_non_null(dc);
    assert_int_equal(avcodec_open2(dc, dec, NULL), 0);
    AVPacket *p = av_packet_alloc();
    AVFrame *f = av_frame_alloc();
    int frames = 0;
    for (size_t i = 0; i < 5 && i < r->nv; i++) {
        p->data = r->v[i].data;
        p->size = (int)r->v[i].len;
        p->pts = r->v[i].pts;
        assert_int_equal(avcodec_send_packet(dc, p), 0);
        while (avcodec_receive_frame(dc, f) == 0) {
            assert_int_equal(f->width, 320);
            assert_int_equal(f->height, 240);
            frames++;
            av_frame_unref(f);
        }
    }
    avcodec_send_packet(dc, NULL);
    while (avcodec_receive_frame(dc, f) == 0) {
        assert_int_equal(f->width, 320);
        frames++;
        av_frame_unref(f);
    }
    assert_int_equal(frames, 5);
    av_frame_free(&f);
    av_packet_free(&p);
    avcodec_free_context(&dc);

    /* audio: ~47 frames/s of 1024 samples, pts in samples */
    assert_in_range(r->na, 55, 80);
    for (size_t i = 1; i < r->na; i++) {
        assert_int_equal(r->a[i].pts - r->a[i - 1].pts, 1024);
        assert_true(r->a[i].len > 0 && r->a[i].len < 2048);
    }
    assert_in_range(r->a[r->na - 1].pts, 60000, 75000);

    rec_free(r);
    free(r);
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
    struct rec *r = calloc(1, sizeof *r);
    r->order_ok = true;
    struct testsrc *t = testsrc_new(base, &o, &cbs, r, err, sizeof err);
    assert_non_null(t);
    const uint8_t *asc;
    size_t asc_len;
    int rate, ch;
    testsrc_aac_config(t, &asc, &asc_len, &rate, &ch);
    assert_int_equal(asc_len, 0);
    run_loop(base, 300);
    testsrc_free(t);
    assert_true(r->order_ok);
    assert_in_range(r->nv, 4, 10);
    assert_int_equal(r->na, 0);
    assert_int_equal(r->v[1].pts, 3600);
    rec_free(r);
    free(r);
    event_base_free(base);
    testsrc_free(NULL);
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

    static const char *const bad[] = {
        "size=640",   "size=641x360",   "size=0x0",
        "size=x360",  "size=640x",      "size=99999x99",
        "fps=0",      "fps=-1",         "fps=abc",
        "fps=",       "fps=1000",       "bitrate=0",
        "gop=0",      "audio=2",        "audio=yes!",
        "rate=12345", "rate=0",         "tone=5",
        "tone=30000", "colour=red",     "fps",
        "=5",         "fps=30,bogus=1", "rate=8000,tone=4000",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        testsrc_opts_default(&o);
        err[0] = '\0';
        int r = testsrc_opts_parse(bad[i], &o, err, sizeof err);
        if (r != -EINVAL)
            fail_msg("'%s' accepted", bad[i]);
        assert_true(strlen(err) > 0);
        /* a rejected string leaves the options alone */
        assert_int_equal(o.fps, 30);
        assert_int_equal(o.width, 1280);
    }
}

int main(void)
{
    evthread_use_pthreads();
    av_log_set_level(AV_LOG_WARNING);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opts),
        cmocka_unit_test(test_live),
        cmocka_unit_test(test_no_audio),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
