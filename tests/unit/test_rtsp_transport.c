/* Transport header: what ffmpeg, GStreamer and VLC send, what cameras answer,
 * and the canonical form we write. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rtsp/transport.h"

static void test_clients(void **st)
{
    (void)st;
    struct rtsp_transport t[8];
    size_t n;
    /* ffmpeg 5.1 UDP and TCP */
    assert_int_equal(
        rtsp_transport_parse(SV_LIT("RTP/AVP/UDP;unicast;client_port=14186-14187"), t, 8, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(t[0].profile, RTSP_PROFILE_RTP_AVP);
    assert_int_equal(t[0].lower, RTSP_LOWER_UDP);
    assert_true(t[0].has_client_port);
    assert_int_equal(t[0].client_port[0], 14186);
    assert_int_equal(t[0].client_port[1], 14187);
    assert_int_equal(rtsp_transport_parse(SV_LIT("RTP/AVP/TCP;unicast;interleaved=2-3"), t, 8, &n),
                     0);
    assert_int_equal(t[0].lower, RTSP_LOWER_TCP);
    assert_true(t[0].has_interleaved);
    assert_int_equal(t[0].interleaved[0], 2);
    assert_int_equal(t[0].interleaved[1], 3);
    /* GStreamer offers alternatives with quoted mode */
    assert_int_equal(
        rtsp_transport_parse(SV_LIT("RTP/AVP;unicast;client_port=5000-5001;mode=\"PLAY\", "
                                    "RTP/AVP/TCP;unicast;interleaved=0-1;mode=\"PLAY\""),
                             t, 8, &n),
        0);
    assert_int_equal(n, 2);
    assert_int_equal(t[0].mode, RTSP_TMODE_PLAY);
    assert_int_equal(t[1].lower, RTSP_LOWER_TCP);
    /* VLC/live555 */
    assert_int_equal(
        rtsp_transport_parse(SV_LIT("RTP/AVP;unicast;client_port=53000-53001"), t, 8, &n), 0);
    assert_int_equal(t[0].lower, RTSP_LOWER_UDP);
    /* no interleaved, single port, spaces, publisher mode */
    assert_int_equal(rtsp_transport_parse(SV_LIT(" RTP/AVP/TCP ; unicast ; mode=record"), t, 8, &n),
                     0);
    assert_false(t[0].has_interleaved);
    assert_int_equal(t[0].mode, RTSP_TMODE_RECORD);
    assert_int_equal(rtsp_transport_parse(SV_LIT("RTP/AVP;unicast;client_port=5000"), t, 8, &n), 0);
    assert_int_equal(t[0].client_port[1], 5001);
    /* what we don't serve still parses */
    assert_int_equal(rtsp_transport_parse(SV_LIT("RTP/SAVP;unicast;client_port=1-2"), t, 8, &n), 0);
    assert_int_equal(t[0].profile, RTSP_PROFILE_OTHER);
    assert_int_equal(
        rtsp_transport_parse(
            SV_LIT("RTP/AVP;multicast;destination=239.1.1.1;port=5000-5001;ttl=16"), t, 8, &n),
        0);
    assert_true(t[0].multicast && t[0].has_port && t[0].has_ttl && t[0].ttl == 16);
    assert_true(sv_eq_cstr(t[0].destination, "239.1.1.1"));
}

static void test_camera_answers(void **st)
{
    (void)st;
    struct rtsp_transport t[2];
    size_t n;
    assert_int_equal(rtsp_transport_parse(SV_LIT("RTP/"
                                                 "AVP;unicast;client_port=5000-5001;server_port="
                                                 "6970-6971;ssrc=1A2B3C4D;mode=\"play\""),
                                          t, 2, &n),
                     0);
    assert_true(t[0].has_server_port && t[0].server_port[0] == 6970);
    assert_true(t[0].has_ssrc && t[0].ssrc == 0x1A2B3C4D);
    assert_int_equal(
        rtsp_transport_parse(SV_LIT("RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=7"), t, 2, &n), 0);
    assert_int_equal(t[0].ssrc, 7);
}

static void test_bad(void **st)
{
    (void)st;
    static const char *bad[] = {"",
                                "RTP/AVP;client_port=x",
                                "RTP/AVP;client_port=70000-70001",
                                "RTP/AVP/TCP;interleaved=300-301",
                                "RTP/AVP;ttl=999",
                                "RTP/AVP;ssrc=123456789",
                                "RTP/AVP;mode=dance",
                                ";;;"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct rtsp_transport t[2];
        size_t n;
        assert_int_equal(rtsp_transport_parse(sv_from_cstr(bad[i]), t, 2, &n), -EPROTO);
    }
    struct rtsp_transport t[2];
    size_t n;
    assert_int_equal(
        rtsp_transport_parse(SV_LIT("RTP/AVP;client_port=1-2,RTP/AVP/TCP,RTP/AVP/TCP"), t, 2, &n),
        -EMSGSIZE);
    assert_int_equal(n, 2);
}

static void test_format_roundtrip(void **st)
{
    (void)st;
    struct rtsp_transport t = {.profile = RTSP_PROFILE_RTP_AVP, .lower = RTSP_LOWER_UDP};
    t.has_client_port = t.has_server_port = t.has_ssrc = true;
    t.client_port[0] = 5000;
    t.client_port[1] = 5001;
    t.server_port[0] = 6000;
    t.server_port[1] = 6001;
    t.ssrc = 0xDEADBEEF;
    struct buf b;
    buf_init(&b, 1024);
    assert_int_equal(rtsp_transport_format(&t, &b), 0);
    const char *want = "RTP/AVP;unicast;client_port=5000-5001;server_port=6000-6001;ssrc=DEADBEEF";
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.data, want, b.len);
    struct rtsp_transport back[1];
    size_t n;
    assert_int_equal(rtsp_transport_parse((struct sv){(const char *)b.data, b.len}, back, 1, &n),
                     0);
    assert_int_equal(back[0].server_port[1], 6001);
    assert_int_equal(back[0].ssrc, 0xDEADBEEF);
    buf_reset(&b);
    struct rtsp_transport tcp = {.profile = RTSP_PROFILE_RTP_AVP,
                                 .lower = RTSP_LOWER_TCP,
                                 .has_interleaved = true,
                                 .interleaved = {4, 5}};
    assert_int_equal(rtsp_transport_format(&tcp, &b), 0);
    assert_int_equal(b.len, strlen("RTP/AVP/TCP;unicast;interleaved=4-5"));
    assert_memory_equal(b.data, "RTP/AVP/TCP;unicast;interleaved=4-5", b.len);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clients),
        cmocka_unit_test(test_camera_answers),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_format_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
