/* rtp/rxstats: loss, reordering, duplicates, wrap, timestamp sanity; rtp/sps. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rtp/rtp.h"
#include "rtp/rxstats.h"
#include "rtp/sps.h"

static void add(struct rxstats *s, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
    uint8_t p[20] = {0};
    rtp_write_header(p, false, 96, seq, ts, ssrc);
    rxstats_add(s, p, sizeof p);
}

static void test_in_order(void **st)
{
    (void)st;
    struct rxstats s;
    rxstats_init(&s);
    for (uint16_t i = 0; i < 100; i++)
        add(&s, (uint16_t)(65500 + i), i * 3000u, 7); /* wraps at 65536 */
    assert_int_equal(s.packets, 100);
    assert_int_equal(s.bytes, 2000);
    assert_int_equal(rxstats_expected(&s), 100);
    assert_int_equal(rxstats_lost(&s), 0);
    assert_int_equal(s.reordered, 0);
    assert_int_equal(s.duplicates, 0);
    assert_int_equal(s.ts_backwards, 0);
}

static void test_loss_reorder_dup(void **st)
{
    (void)st;
    struct rxstats s;
    rxstats_init(&s);
    /* 10 11 13 12 12 16 20 ; lost: 14 15 17 18 19 */
    static const uint16_t seqs[] = {10, 11, 13, 12, 12, 16, 20};
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++)
        add(&s, seqs[i], seqs[i] * 10u, 1);
    assert_int_equal(s.packets, 6);
    assert_int_equal(s.duplicates, 1);
    assert_int_equal(s.reordered, 1);
    assert_int_equal(rxstats_expected(&s), 11);
    assert_int_equal(rxstats_lost(&s), 5);
    assert_int_equal(s.ts_backwards, 0);
}

static void test_ts_backwards_and_junk(void **st)
{
    (void)st;
    struct rxstats s;
    rxstats_init(&s);
    add(&s, 1, 1000, 1);
    add(&s, 2, 2000, 1);
    add(&s, 3, 500, 1);
    assert_int_equal(s.ts_backwards, 1);
    uint8_t junk[5] = {1, 2, 3, 4, 5};
    rxstats_add(&s, junk, sizeof junk);
    assert_int_equal(s.invalid, 1);
    assert_int_equal(s.packets, 3);
    /* a new SSRC restarts the sequence space */
    add(&s, 40000, 0, 2);
    add(&s, 40001, 10, 2);
    assert_int_equal(s.ssrc_changes, 1);
    assert_int_equal(s.packets, 5);
    assert_int_equal(rxstats_lost(&s), 0);
}

/* SPS of a 320x240 Constrained Baseline stream at 30 fps (libx264/testsrc). */
static void test_sps_fmtp(void **st)
{
    (void)st;
    /* profile 66, constraint 0xc0, level 20; 320x240; VUI timing 1/60 */
    const char *fmtp = "packetization-mode=1;profile-level-id=42C014;"
                       "sprop-parameter-sets=Z0LAFNoFB+hAAAADAEAAAA8jxQqo,aM48gA==";
    struct h264_sps_info info;
    int r = h264_sps_from_fmtp((struct sv){fmtp, strlen(fmtp)}, &info);
    assert_int_equal(r, 0);
    assert_int_equal(info.profile_idc, 66);
    assert_int_equal(info.level_idc, 20);
    assert_int_equal(info.width, 320);
    assert_int_equal(info.height, 240);
    assert_true(info.has_fps && info.fps > 29.99 && info.fps < 30.01);
    assert_string_equal(h264_profile_name(info.profile_idc, info.constraint_flags),
                        "Constrained Baseline");
}

static void test_sps_bad(void **st)
{
    (void)st;
    struct h264_sps_info info;
    const char *nosets = "packetization-mode=1";
    assert_int_equal(h264_sps_from_fmtp((struct sv){nosets, strlen(nosets)}, &info), -ENOENT);
    const char *badb64 = "sprop-parameter-sets=Z0L*AFNo";
    assert_int_equal(h264_sps_from_fmtp((struct sv){badb64, strlen(badb64)}, &info), -EPROTO);
    static const uint8_t pps[] = {0x68, 0xce, 0x0d, 0xc8};
    assert_int_equal(h264_sps_parse(pps, sizeof pps, &info), -EPROTO);
    static const uint8_t cut[] = {0x67, 0x42, 0xc0, 0x14, 0xda};
    assert_int_equal(h264_sps_parse(cut, sizeof cut, &info), -EPROTO);
    uint8_t out[4];
    assert_int_equal(base64_decode_sv((struct sv){"aGVsbG8=", 8}, out, sizeof out), -EMSGSIZE);
    uint8_t out2[8];
    assert_int_equal(base64_decode_sv((struct sv){"aGVsbG8=", 8}, out2, sizeof out2), 5);
    assert_memory_equal(out2, "hello", 5);
}

/* SPS NAL units written by libx265 (ffmpeg -c:v libx265): 640x360 25 fps
 * 4:4:4 (Range Extensions, level 2.1), and 1920x1080 29.97 fps Main 10 (level 4). */
static const uint8_t hevc_rext[] = {
    0x42, 0x01, 0x01, 0x04, 0x08, 0x00, 0x00, 0x03, 0x00, 0x9e, 0x08, 0x00, 0x00, 0x03, 0x00,
    0x00, 0x3f, 0x90, 0x00, 0xa0, 0x40, 0x2d, 0x2c, 0xb2, 0xb3, 0x49, 0x26, 0x57, 0x80, 0xb7,
    0x02, 0x02, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0x64, 0x20};

static void test_h265_sps(void **st)
{
    (void)st;
    struct h265_sps_info info;
    assert_int_equal(h265_sps_parse(hevc_rext, sizeof hevc_rext, &info), 0);
    assert_int_equal(info.width, 640);
    assert_int_equal(info.height, 360);
    assert_string_equal(h265_profile_name(info.profile_idc), "Range Extensions");
    assert_int_equal(info.level_idc, 63);
    assert_int_equal(info.bit_depth, 8);
    assert_true(info.has_fps);
    assert_true(info.fps > 24.99 && info.fps < 25.01);
    /* the Main 10 one, through an SDP fmtp (RFC 7798 sprop-sps) */
    const char *fmtp = "sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwB4lZgJ; "
                       "sprop-sps=QgEBAiAAAAMAkAAAAwAAAwB4oAPAgBDk2WVmkkyvAWgIAAAfSAADqYBA; "
                       "sprop-pps=RAHBcrRiQA==";
    assert_int_equal(h265_sps_from_fmtp((struct sv){fmtp, strlen(fmtp)}, &info), 0);
    assert_int_equal(info.width, 1920);
    assert_int_equal(info.height, 1080);
    assert_string_equal(h265_profile_name(info.profile_idc), "Main 10");
    assert_int_equal(info.level_idc, 120);
    assert_int_equal(info.bit_depth, 10);
    assert_true(info.has_fps);
    assert_true(info.fps > 29.96 && info.fps < 29.98);
    /* no sprop-sps; an H.264 SPS; every truncation: an error or what was there, never a crash */
    const char *none = "profile-id=1";
    assert_int_equal(h265_sps_from_fmtp((struct sv){none, strlen(none)}, &info), -ENOENT);
    const uint8_t h264[] = {0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00};
    assert_int_equal(h265_sps_parse(h264, sizeof h264, &info), -EPROTO);
    for (size_t n = 0; n < sizeof hevc_rext; n++) {
        int r = h265_sps_parse(hevc_rext, n, &info);
        /* a cut after the timing info still knows the rate; before it, not */
        assert_true(r == -EPROTO ||
                    (r == 0 && (!info.has_fps || (info.fps > 24.99 && info.fps < 25.01))));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_loss_reorder_dup),
        cmocka_unit_test(test_ts_backwards_and_junk),
        cmocka_unit_test(test_sps_fmtp),
        cmocka_unit_test(test_sps_bad),
        cmocka_unit_test(test_h265_sps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
