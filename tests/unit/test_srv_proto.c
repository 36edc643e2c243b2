/* Server helpers: request targets, transport choice, response text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "session/srv_proto.h"

static void test_targets(void **st)
{
    (void)st;
    static const struct {
        const char *uri;
        int rc;
        const char *path;
        int track;
    } cases[] = {
        {"rtsp://127.0.0.1:8554/test", 0, "test", -1},
        {"rtsp://127.0.0.1:8554/test/", 0, "test", -1},
        {"rtsp://127.0.0.1:8554/test/trackID=1", 0, "test", 1},
        {"rtsp://[::1]:8554/site1/frontdoor/trackID=0", 0, "site1/frontdoor", 0},
        {"rtsp://h/cam?token=1", 0, "cam", -1},
        {"rtsp://h/cam/streamid=0", 0, "cam", 0},
        {"/test/trackID=0", 0, "test", 0},
        {"*", 0, "", -1},
        {"rtsp://h/", 0, "", -1},
        {"rtsp://h/../etc/passwd", -1, NULL, 0},
        {"rtsp://h/a//b", -1, NULL, 0},
        {"rtsp://h/a/./b", -1, NULL, 0},
        {"rtsp://h/a%2e%2e/b", -1, NULL, 0},
        {"rtsp://h/cam/trackID=x", -1, NULL, 0},
        {"rtsp://h/cam/trackID=999", -1, NULL, 0},
        {"http://h/cam", -1, NULL, 0},
        {"", -1, NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[256];
        int track = 77;
        int rc = srv_parse_target(sv_from_cstr(cases[i].uri), path, sizeof path, &track);
        if (cases[i].rc == 0) {
            assert_int_equal(rc, 0);
            assert_string_equal(path, cases[i].path);
            assert_int_equal(track, cases[i].track);
        } else {
            assert_true(rc < 0);
        }
    }
}

static int pick(const char *hdr, bool udp, bool tcp)
{
    struct rtsp_transport alts[RTSP_MAX_TRANSPORT_ALTERNATIVES];
    size_t n = 0;
    assert_int_equal(
        rtsp_transport_parse(sv_from_cstr(hdr), alts, RTSP_MAX_TRANSPORT_ALTERNATIVES, &n), 0);
    struct srv_transport_caps caps = {.udp = udp, .tcp = tcp};
    return srv_pick_transport(alts, n, &caps);
}

static void test_pick_transport(void **st)
{
    (void)st;
    /* ffmpeg */
    assert_int_equal(pick("RTP/AVP/UDP;unicast;client_port=5000-5001", true, true), 0);
    assert_int_equal(pick("RTP/AVP/TCP;unicast;interleaved=0-1", true, true), 0);
    /* GStreamer offers several; the first we can serve wins */
    assert_int_equal(
        pick("RTP/SAVP;unicast;client_port=5000-5001,RTP/AVP;unicast;client_port=5000-5001", true,
             true),
        1);
    /* multicast only: not served without multicast_range */
    assert_true(pick("RTP/AVP;multicast", true, true) < 0);
    {
        struct rtsp_transport m[4];
        size_t mn = 0;
        struct srv_transport_caps mc = {.udp = true, .tcp = true, .multicast = true};
        assert_int_equal(
            rtsp_transport_parse(SV_LIT("RTP/AVP;multicast;port=5000-5001,RTP/AVP/TCP;unicast"), m,
                                 4, &mn),
            0);
        assert_int_equal(srv_pick_transport(m, mn, &mc), 0);
        /* multicast over TCP or for RECORD is never served */
        assert_int_equal(rtsp_transport_parse(SV_LIT("RTP/AVP/TCP;multicast"), m, 4, &mn), 0);
        assert_true(srv_pick_transport(m, mn, &mc) < 0);
        assert_int_equal(rtsp_transport_parse(SV_LIT("RTP/AVP;multicast;mode=record"), m, 4, &mn),
                         0);
        mc.record = true;
        assert_true(srv_pick_transport(m, mn, &mc) < 0);
    }
    /* UDP without client_port cannot be served */
    assert_true(pick("RTP/AVP;unicast", true, true) < 0);
    /* TCP without interleaved is fine: channels get assigned */
    assert_int_equal(pick("RTP/AVP/TCP;unicast", true, true), 0);
    /* RECORD is not a play transport, and the other way round */
    assert_true(pick("RTP/AVP/TCP;unicast;interleaved=0-1;mode=record", true, true) < 0);
    struct rtsp_transport alts[4];
    size_t n = 0;
    assert_int_equal(rtsp_transport_parse(SV_LIT("RTP/AVP/TCP;unicast;interleaved=0-1;mode=record"),
                                          alts, 4, &n),
                     0);
    struct srv_transport_caps rec = {.udp = true, .tcp = true, .record = true};
    assert_int_equal(srv_pick_transport(alts, n, &rec), 0);
    assert_int_equal(
        rtsp_transport_parse(SV_LIT("RTP/AVP/TCP;unicast;interleaved=0-1"), alts, 4, &n), 0);
    assert_true(srv_pick_transport(alts, n, &rec) < 0);
    assert_true(pick("RTP/AVP/TCP;unicast;interleaved=0-1", true, false) < 0);
}

static void test_responses(void **st)
{
    (void)st;
    struct buf b;
    buf_init(&b, 4096);
    assert_int_equal(srv_error_response(&b, 501, true, 7, "Wed, 25 Nov 2026 04:30:00 GMT", SV_NULL),
                     0);
    const char *want = "RTSP/1.0 501 Not Implemented\r\nCSeq: 7\r\n"
                       "Date: Wed, 25 Nov 2026 04:30:00 GMT\r\nServer: " SRV_SERVER_NAME "\r\n"
                       "Public: " SRV_PUBLIC "\r\n\r\n";
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.data, want, b.len);
    buf_reset(&b);
    assert_int_equal(srv_error_response(&b, 551, true, 2, "d", SV_LIT("play.basic")), 0);
    assert_non_null(memmem(b.data, b.len, "Unsupported: play.basic\r\n", 25));
    buf_reset(&b);
    assert_int_equal(srv_response_begin(&b, 200, false, 0, "d"), 0);
    assert_int_equal(srv_response_end(&b, "application/sdp", "v=0\r\n", 5), 0);
    assert_non_null(memmem(b.data, b.len, "Content-Length: 5\r\n\r\nv=0\r\n", 26));
    assert_null(memmem(b.data, b.len, "CSeq", 4));
    buf_free(&b);
}

static void test_require(void **st)
{
    (void)st;
    const char *req = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nRequire: implicit-play, foo\r\n\r\n";
    struct rtsp_item it;
    size_t used;
    assert_int_equal(rtsp_parse((const uint8_t *)req, strlen(req), &used, &it), 0);
    struct sv u = srv_unsupported_option(&it.msg);
    assert_true(sv_eq_cstr(u, "implicit-play"));
    const char *req2 = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n";
    assert_int_equal(rtsp_parse((const uint8_t *)req2, strlen(req2), &used, &it), 0);
    assert_null(srv_unsupported_option(&it.msg).p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_targets),
        cmocka_unit_test(test_pick_transport),
        cmocka_unit_test(test_responses),
        cmocka_unit_test(test_require),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
