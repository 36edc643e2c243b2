/* RTCP (RFC 3550 6): SR/RR/BYE builders and the compound parser. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rtp/rtcp.h"

static void test_sr_roundtrip(void **st)
{
    (void)st;
    uint8_t b[128];
    uint64_t ntp = 0xe7a1b2c380000000ull; /* 2023-02-... .5 s */
    size_t n = rtcp_build_sr(b, sizeof b, 0x11223344, ntp, 0x12345678, 1000, 1234567, "rtspgate");
    static const uint8_t want[] = {0x80, 0xc8, 0x00, 0x06, 0x11, 0x22, 0x33, 0x44, 0xe7, 0xa1, 0xb2,
                                   0xc3, 0x80, 0x00, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00,
                                   0x03, 0xe8, 0x00, 0x12, 0xd6, 0x87,
                                   /* SDES: one chunk, CNAME "rtspgate", a null octet and padding */
                                   0x81, 0xca, 0x00, 0x04, 0x11, 0x22, 0x33, 0x44, 0x01, 0x08, 'r',
                                   't', 's', 'p', 'g', 'a', 't', 'e', 0x00, 0x00};
    assert_int_equal(n, sizeof want);
    assert_memory_equal(b, want, sizeof want);
    assert_true(rtcp_is_rtcp(b, n));
    struct rtcp_info info;
    assert_int_equal(rtcp_parse(b, n, &info), 0);
    assert_true(info.has_sr);
    assert_int_equal(info.sr_ssrc, 0x11223344);
    assert_int_equal(info.sender_ssrc, 0x11223344);
    assert_true(info.sr_ntp == ntp);
    assert_int_equal(info.sr_rtp_ts, 0x12345678);
    assert_int_equal(info.sr_packets, 1000);
    assert_int_equal(info.sr_octets, 1234567);
    assert_false(info.has_block);
    assert_false(info.has_bye);
    /* too small a buffer */
    for (size_t cap = 0; cap < sizeof want; cap++)
        assert_int_equal(rtcp_build_sr(b, cap, 1, ntp, 2, 3, 4, "rtspgate"), 0);
    /* SDES padding for every CNAME length */
    for (size_t l = 0; l < 12; l++) {
        char cname[16] = "abcdefghijkl";
        cname[l] = 0;
        n = rtcp_build_sr(b, sizeof b, 1, ntp, 2, 3, 4, cname);
        assert_int_equal(n % 4, 0);
        assert_int_equal(n, 28 + 4 + ((4 + 2 + l + 1 + 3) & ~(size_t)3));
        assert_int_equal(b[28 + 9], l);
        assert_int_equal(b[28 + 10 + l], 0);
        assert_int_equal(rtcp_parse(b, n, &info), 0);
    }
}

static void test_rr_roundtrip(void **st)
{
    (void)st;
    static const struct rtcp_report_block blocks[] = {
        {0xdeadbeef, 25, 1234, 0x0001ffff, 77, 0x12345678, 0x00010000},
        {1, 255, -1, 0, 0, 0, 0},
        {2, 0, -8388608, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
        {3, 0, 8388607, 1, 2, 3, 4},
    };
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
        uint8_t b[128];
        size_t n = rtcp_build_rr(b, sizeof b, 0xa5a5a5a5, &blocks[i], "cam");
        assert_int_equal(n, 32 + 16);
        assert_int_equal(b[0], 0x81);
        assert_int_equal(b[1], 201);
        assert_int_equal(b[3], 7);
        struct rtcp_info info;
        assert_int_equal(rtcp_parse(b, n, &info), 0);
        assert_false(info.has_sr);
        assert_int_equal(info.n_rr, 1);
        assert_int_equal(info.n_blocks, 1);
        assert_int_equal(info.sender_ssrc, 0xa5a5a5a5);
        assert_true(info.has_block);
        assert_memory_equal(&info.block, &blocks[i], sizeof blocks[i]);
    }
    uint8_t b[64];
    size_t n = rtcp_build_rr(b, sizeof b, 7, NULL, "x");
    assert_int_equal(n, 8 + 12);
    assert_int_equal(b[0], 0x80);
    struct rtcp_info info;
    assert_int_equal(rtcp_parse(b, n, &info), 0);
    assert_false(info.has_block);
    assert_int_equal(info.n_rr, 1);
    assert_int_equal(rtcp_build_rr(b, 31, 7, &blocks[0], "x"), 0);
}

/* An RR + SDES compound laid out the way live555-based players (VLC) send
 * them: one report block, CNAME of the host, null-terminated and padded. */
static void test_peer_rr(void **st)
{
    (void)st;
    static const uint8_t rr[] = {
        0x81, 0xc9, 0x00, 0x07, 0x5c, 0x2a, 0x1b, 0x3d,                         /* RR */
        0x2f, 0x1e, 0x0d, 0x4c, 0x0a, 0xff, 0xff, 0xfd, 0x00, 0x01, 0x23, 0x45, /* block */
        0x00, 0x00, 0x00, 0x21, 0x8a, 0x1b, 0x2c, 0x3d, 0x00, 0x00, 0x40, 0x00, /* */
        0x81, 0xca, 0x00, 0x05, 0x5c, 0x2a, 0x1b, 0x3d, 0x01, 0x0a, 'v',  'l',  /* SDES */
        'c',  '-',  'c',  'l',  'i',  'e',  'n',  't',  0x00, 0x00, 0x00, 0x00};
    struct rtcp_info info;
    assert_true(rtcp_is_rtcp(rr, sizeof rr));
    assert_int_equal(rtcp_parse(rr, sizeof rr, &info), 0);
    assert_int_equal(info.sender_ssrc, 0x5c2a1b3d);
    assert_int_equal(info.n_rr, 1);
    assert_int_equal(info.n_blocks, 1);
    assert_true(info.has_block);
    assert_int_equal(info.block.ssrc, 0x2f1e0d4c);
    assert_int_equal(info.block.fraction_lost, 10);
    assert_int_equal(info.block.cumulative_lost, -3);
    assert_int_equal(info.block.highest_seq, 0x12345);
    assert_int_equal(info.block.jitter, 0x21);
    assert_int_equal(info.block.lsr, 0x8a1b2c3d);
    assert_int_equal(info.block.dlsr, 0x4000);
    /* every truncation is rejected, except at the packet boundary */
    for (size_t n = 0; n < sizeof rr; n++)
        assert_int_equal(rtcp_parse(rr, n, &info), n == 32 ? 0 : -EPROTO);
}

static void test_compound_bye(void **st)
{
    (void)st;
    uint8_t b[256];
    size_t n = rtcp_build_sr(b, sizeof b, 0x01020304, 0x1122334455667788ull, 90000, 10, 20,
                             "rtspgate@host");
    assert_true(n > 0);
    size_t m = rtcp_build_bye(b + n, sizeof b - n, 0x01020304);
    static const uint8_t bye[] = {0x81, 0xcb, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04};
    assert_int_equal(m, sizeof bye);
    assert_memory_equal(b + n, bye, sizeof bye);
    struct rtcp_info info;
    assert_int_equal(rtcp_parse(b, n + m, &info), 0);
    assert_true(info.has_sr);
    assert_true(info.has_bye);
    assert_true(info.sr_ntp == 0x1122334455667788ull);
    assert_int_equal(rtcp_build_bye(b, 7, 1), 0);
    /* SR with two report blocks, an APP packet and a BYE with a reason */
    static const uint8_t c[] = {
        0x82, 0xc8, 0x00, 0x12, 0, 0, 0, 9, 1,   2,   3,   4,   5,   6, 7, 8,
        0,    0,    0,    1,    0, 0, 0, 2, 0,   0,   0,   3, /* SR + 2 blocks */
        0,    0,    0,    0xa,  0, 0, 0, 1, 0,   0,   0,   0,   0,   0, 0, 0,
        0,    0,    0,    0,    0, 0, 0, 0, /* */
        0,    0,    0,    0xb,  0, 0, 0, 2, 0,   0,   0,   0,   0,   0, 0, 0,
        0,    0,    0,    0,    0, 0, 0, 0,                                    /* */
        0x80, 0xcc, 0x00, 0x02, 0, 0, 0, 9, 'n', 'a', 'm', 'e',                /* APP */
        0x81, 0xcb, 0x00, 0x03, 0, 0, 0, 9, 4,   'g', 'o', 'n', 'e', 0, 0, 0}; /* BYE */
    assert_int_equal(rtcp_parse(c, sizeof c, &info), 0);
    assert_true(info.has_sr);
    assert_int_equal(info.sr_ssrc, 9);
    assert_int_equal(info.n_blocks, 2);
    assert_int_equal(info.block.ssrc, 0xa);
    assert_int_equal(info.block.cumulative_lost, 1);
    assert_true(info.has_bye);
    /* sender_ssrc comes from the first SR/RR even when an SDES leads */
    static const uint8_t d[] = {0x81, 0xca, 0x00, 0x02, 0, 0, 0, 7, 1, 1, 'x', 0, /* SDES */
                                0x80, 0xc9, 0x00, 0x01, 0, 0, 0, 7};              /* RR */
    assert_int_equal(rtcp_parse(d, sizeof d, &info), 0);
    assert_int_equal(info.n_rr, 1);
    assert_int_equal(info.sender_ssrc, 7);
}

static void test_bad(void **st)
{
    (void)st;
    static const struct {
        const char *name;
        uint8_t p[36];
        size_t n;
    } t[] = {
        {"RTP, not RTCP", {0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}, 12},
        {"version 1", {0x40, 0xc9, 0, 1, 0, 0, 0, 1}, 8},
        {"length past end", {0x80, 0xc9, 0, 2, 0, 0, 0, 1}, 8},
        {"RR count past length", {0x81, 0xc9, 0, 1, 0, 0, 0, 1}, 8},
        {"SR too short", {0x80, 0xc8, 0, 1, 0, 0, 0, 1}, 8},
        {"second packet cut", {0x80, 0xc9, 0, 1, 0, 0, 0, 1, 0x81, 0xca}, 10},
        {"second packet version 0", {0x80, 0xc9, 0, 1, 0, 0, 0, 1, 0x01, 0xca, 0, 0}, 12},
        {"too short", {0x80, 0xc9, 0, 0}, 4},
        {"empty", {0}, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct rtcp_info info;
        if (rtcp_parse(t[i].p, t[i].n, &info) != -EPROTO)
            fail_msg("%s accepted", t[i].name);
    }
    static const uint8_t rtp[] = {0x80, 0xe0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
    assert_false(rtcp_is_rtcp(rtp, sizeof rtp));
    static const uint8_t xr_alone[] = {0x80, 0xcf, 0, 1, 0, 0, 0, 1};
    assert_false(rtcp_is_rtcp(xr_alone, sizeof xr_alone));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sr_roundtrip), cmocka_unit_test(test_rr_roundtrip),
        cmocka_unit_test(test_peer_rr),      cmocka_unit_test(test_compound_bye),
        cmocka_unit_test(test_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
