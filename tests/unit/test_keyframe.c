/* Keyframe detection on RTP payloads: H.264, H.265, MPEG-4 Part 2, JPEG. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rtp/keyframe.h"

#define KF(f, ...)                                                                                 \
    ({                                                                                             \
        static const uint8_t b_[] = {__VA_ARGS__};                                                 \
        f(b_, sizeof b_);                                                                          \
    })

static void test_h264(void **st)
{
    (void)st;
    assert_true(KF(keyframe_h264, 0x65, 0x88, 0x80));       /* IDR */
    assert_true(KF(keyframe_h264, 0x67, 0x42, 0xc0, 0x1f)); /* SPS */
    assert_false(KF(keyframe_h264, 0x68, 0xce));            /* PPS */
    assert_false(KF(keyframe_h264, 0x41, 0x9a));            /* non-IDR slice */
    assert_false(KF(keyframe_h264, 0x06, 0x05));            /* SEI */
    assert_false(KF(keyframe_h264, 0x09, 0x10));            /* AUD */
    /* STAP-A: SEI(2) then SPS(3) */
    assert_true(KF(keyframe_h264, 0x18, 0x00, 0x02, 0x06, 0x05, 0x00, 0x03, 0x67, 0x42, 0xc0));
    /* STAP-A with only SEI and PPS */
    assert_false(KF(keyframe_h264, 0x18, 0x00, 0x02, 0x06, 0x05, 0x00, 0x02, 0x68, 0xce));
    /* STAP-A whose length runs past the payload */
    assert_false(KF(keyframe_h264, 0x18, 0x00, 0x09, 0x06, 0x05));
    assert_false(KF(keyframe_h264, 0x18, 0x00, 0x00, 0x67));
    /* STAP-B: DON first */
    assert_true(KF(keyframe_h264, 0x19, 0x00, 0x01, 0x00, 0x01, 0x65));
    /* FU-A start of IDR, middle of IDR, start of non-IDR */
    assert_true(KF(keyframe_h264, 0x7c, 0x85, 0x00));
    assert_false(KF(keyframe_h264, 0x7c, 0x05, 0x00));
    assert_false(KF(keyframe_h264, 0x5c, 0x81, 0x00));
    assert_false(KF(keyframe_h264, 0x7c));
    assert_false(keyframe_h264(NULL, 0));
}

static void test_h265(void **st)
{
    (void)st;
    assert_true(KF(keyframe_h265, 0x26, 0x01, 0xaf));  /* IDR_W_RADL (19) */
    assert_true(KF(keyframe_h265, 0x2a, 0x01, 0xaf));  /* CRA (21) */
    assert_true(KF(keyframe_h265, 0x40, 0x01, 0x0c));  /* VPS (32) */
    assert_true(KF(keyframe_h265, 0x42, 0x01, 0x01));  /* SPS (33) */
    assert_false(KF(keyframe_h265, 0x44, 0x01, 0xc1)); /* PPS (34) */
    assert_false(KF(keyframe_h265, 0x02, 0x01, 0xd0)); /* TRAIL_R (1) */
    /* AP: PPS then IDR */
    assert_true(
        KF(keyframe_h265, 0x60, 0x01, 0x00, 0x03, 0x44, 0x01, 0xc1, 0x00, 0x02, 0x26, 0x01));
    assert_false(KF(keyframe_h265, 0x60, 0x01, 0x00, 0x03, 0x44, 0x01, 0xc1));
    assert_false(KF(keyframe_h265, 0x60, 0x01, 0x00, 0x30, 0x26, 0x01));
    /* FU: start of IDR_W_RADL, continuation, start of TRAIL */
    assert_true(KF(keyframe_h265, 0x62, 0x01, 0x93, 0xaf));
    assert_false(KF(keyframe_h265, 0x62, 0x01, 0x13, 0xaf));
    assert_false(KF(keyframe_h265, 0x62, 0x01, 0x81, 0xaf));
    assert_false(KF(keyframe_h265, 0x62, 0x01));
    assert_false(KF(keyframe_h265, 0x26));
}

static void test_mp4v_jpeg(void **st)
{
    (void)st;
    assert_true(KF(keyframe_mp4v, 0x00, 0x00, 0x01, 0xb0, 0x01));           /* VOS */
    assert_true(KF(keyframe_mp4v, 0x00, 0x00, 0x01, 0xb6, 0x10));           /* I-VOP */
    assert_false(KF(keyframe_mp4v, 0x00, 0x00, 0x01, 0xb6, 0x50));          /* P-VOP */
    assert_false(KF(keyframe_mp4v, 0x12, 0x34, 0x00, 0x00, 0x01));          /* truncated */
    assert_true(KF(keyframe_jpeg, 0x00, 0x00, 0x00, 0x00, 1, 255, 80, 60)); /* offset 0 */
    assert_false(KF(keyframe_jpeg, 0x00, 0x00, 0x05, 0xa0, 1, 255, 80, 60));
}

static void test_dispatch(void **st)
{
    (void)st;
    assert_int_equal(keyframe_codec_of(SV_LIT("video"), SV_LIT("h264"), 96), KEYFRAME_CODEC_H264);
    assert_int_equal(keyframe_codec_of(SV_LIT("video"), SV_LIT("H265"), 96), KEYFRAME_CODEC_H265);
    assert_int_equal(keyframe_codec_of(SV_LIT("video"), SV_LIT(""), 26), KEYFRAME_CODEC_JPEG);
    assert_int_equal(keyframe_codec_of(SV_LIT("video"), SV_LIT("MP4V-ES"), 96),
                     KEYFRAME_CODEC_MP4V);
    assert_int_equal(keyframe_codec_of(SV_LIT("video"), SV_LIT("VP8"), 96), KEYFRAME_CODEC_OTHER);
    assert_int_equal(keyframe_codec_of(SV_LIT("audio"), SV_LIT("PCMU"), 0), KEYFRAME_CODEC_NONE);
    static const uint8_t idr[] = {0x65, 0x88};
    assert_true(keyframe_payload(KEYFRAME_CODEC_H264, idr, sizeof idr, false));
    assert_true(keyframe_payload(KEYFRAME_CODEC_OTHER, idr, sizeof idr, true));
    assert_false(keyframe_payload(KEYFRAME_CODEC_OTHER, idr, sizeof idr, false));
    assert_false(keyframe_payload(KEYFRAME_CODEC_NONE, idr, sizeof idr, true));
}

/* Every prefix of every vector is safe to look at (ASan checks the reads). */
static void test_truncations(void **st)
{
    (void)st;
    static const uint8_t v[] = {0x18, 0x00, 0x03, 0x67, 0x42, 0xc0, 0x00, 0x02, 0x68, 0xce};
    static const uint8_t w[] = {0x60, 0x01, 0x00, 0x03, 0x40, 0x01, 0x0c, 0x00, 0x02, 0x26, 0x01};
    for (size_t n = 0; n <= sizeof v; n++) {
        uint8_t *c = test_malloc(n ? n : 1);
        memcpy(c, v, n);
        (void)keyframe_h264(c, n);
        (void)keyframe_mp4v(c, n);
        (void)keyframe_jpeg(c, n);
        test_free(c);
    }
    for (size_t n = 0; n <= sizeof w; n++) {
        uint8_t *c = test_malloc(n ? n : 1);
        memcpy(c, w, n);
        (void)keyframe_h265(c, n);
        test_free(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h264),        cmocka_unit_test(test_h265),
        cmocka_unit_test(test_mp4v_jpeg),   cmocka_unit_test(test_dispatch),
        cmocka_unit_test(test_truncations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
