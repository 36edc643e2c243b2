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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_loss_reorder_dup),
        cmocka_unit_test(test_ts_backwards_and_junk),
        cmocka_unit_test(test_sps_fmtp),
        cmocka_unit_test(test_sps_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
