/* RTSP parser: real requests, split at every byte, interleaved frames and
 * junk between messages, limits, malformed input. */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rtsp/msg.h"

/* ffmpeg 5.1, GStreamer 1.22 and live555 (VLC) requests as sent on the wire. */
static const char ffmpeg_describe[] = "DESCRIBE rtsp://127.0.0.1:8554/test RTSP/1.0\r\n"
                                      "Accept: application/sdp\r\n"
                                      "CSeq: 2\r\n"
                                      "User-Agent: Lavf59.27.100\r\n\r\n";
static const char gst_setup[] = "SETUP rtsp://127.0.0.1:8554/test/trackID=0 RTSP/1.0\r\n"
                                "CSeq: 3\r\n"
                                "Transport: "
                                "RTP/AVP;unicast;client_port=40470-40471;mode=\"PLAY\",RTP/AVP/"
                                "TCP;unicast;interleaved=0-1;mode=\"PLAY\"\r\n"
                                "User-Agent: GStreamer/1.22.0\r\n"
                                "Date: Wed, 25 Nov 2026 05:00:00 GMT\r\n\r\n";
static const char vlc_play[] = "PLAY rtsp://127.0.0.1:8554/test/ RTSP/1.0\r\n"
                               "CSeq: 5\r\n"
                               "User-Agent: LibVLC/3.0.18 (LIVE555 Streaming Media v2022.10.01)\r\n"
                               "Session: 8A0F2C1D44E3B6A7\r\n"
                               "Range: npt=0.000-\r\n\r\n";
static const char announce[] = "ANNOUNCE rtsp://h/pub RTSP/1.0\r\n"
                               "Content-Type: application/sdp\r\n"
                               "CSeq: 7\r\n"
                               "Content-Length: 10\r\n\r\n"
                               "v=0\r\ns=x\r\n";
static const char response[] = "RTSP/1.0 200 OK\r\nCSeq: 2\r\nSession: abc;timeout=60\r\n\r\n";

struct seen {
    int kinds[32];
    size_t lens[32];
    int n;
};

static void collect(const uint8_t *buf, size_t len, struct seen *s, size_t chunk)
{
    uint8_t acc[4096];
    size_t have = 0, fed = 0;
    s->n = 0;
    while (fed < len || have) {
        size_t add = len - fed < chunk ? len - fed : chunk;
        memcpy(acc + have, buf + fed, add);
        have += add;
        fed += add;
        for (;;) {
            struct rtsp_item it;
            size_t used;
            int r = rtsp_parse(acc, have, &used, &it);
            if (r == -EAGAIN)
                break;
            assert_int_equal(r, 0);
            assert_true(used > 0 && used <= have);
            if (it.kind == RTSP_ITEM_JUNK && s->n && s->kinds[s->n - 1] == RTSP_ITEM_JUNK) {
                s->lens[s->n - 1] += used; /* junk may come in pieces */
            } else {
                s->kinds[s->n] = it.kind;
                s->lens[s->n] = used;
                s->n++;
            }
            memmove(acc, acc + used, have - used);
            have -= used;
        }
        if (fed == len && have) {
            /* nothing more will come: leftovers must be an incomplete item */
            break;
        }
    }
}

static void test_split_at_every_byte(void **st)
{
    (void)st;
    uint8_t stream[2048];
    size_t n = 0;
#define ADD(p, l) (memcpy(stream + n, (p), (l)), n += (l))
    ADD(ffmpeg_describe, strlen(ffmpeg_describe));
    static const uint8_t frame[] = {'$', 0, 0, 5, 0x80, 0x60, 0, 1, 2};
    ADD(frame, sizeof frame);
    ADD("\r\n\x01\x02", 4); /* junk between frames */
    ADD(gst_setup, strlen(gst_setup));
    static const uint8_t frame2[] = {'$', 1, 0, 0};
    ADD(frame2, sizeof frame2);
    ADD(announce, strlen(announce));
    ADD(vlc_play, strlen(vlc_play));
    ADD(response, strlen(response));
    struct seen whole, split;
    collect(stream, n, &whole, n);
    assert_int_equal(whole.n, 8);
    static const int want[] = {RTSP_ITEM_MESSAGE, RTSP_ITEM_FRAME,  RTSP_ITEM_JUNK,
                               RTSP_ITEM_MESSAGE, RTSP_ITEM_FRAME,  RTSP_ITEM_MESSAGE,
                               RTSP_ITEM_MESSAGE, RTSP_ITEM_MESSAGE};
    for (int i = 0; i < whole.n; i++)
        assert_int_equal(whole.kinds[i], want[i]);
    for (size_t chunk = 1; chunk < 64; chunk++) {
        collect(stream, n, &split, chunk);
        assert_int_equal(split.n, whole.n);
        for (int i = 0; i < whole.n; i++) {
            assert_int_equal(split.kinds[i], whole.kinds[i]);
            assert_int_equal(split.lens[i], whole.lens[i]);
        }
    }
}

static void parse_one(const char *s, struct rtsp_item *it)
{
    size_t used;
    assert_int_equal(rtsp_parse((const uint8_t *)s, strlen(s), &used, it), 0);
    assert_int_equal(used, strlen(s));
}

static void test_fields(void **st)
{
    (void)st;
    struct rtsp_item it;
    parse_one(gst_setup, &it);
    assert_int_equal(it.kind, RTSP_ITEM_MESSAGE);
    assert_int_equal(it.msg.method, RTSP_METHOD_SETUP);
    assert_true(sv_eq_cstr(it.msg.uri, "rtsp://127.0.0.1:8554/test/trackID=0"));
    uint32_t cseq;
    assert_int_equal(rtsp_msg_cseq(&it.msg, &cseq), 0);
    assert_int_equal(cseq, 3);
    assert_true(sv_istarts_with(rtsp_msg_header(&it.msg, "transport"), "RTP/AVP;unicast"));
    parse_one(announce, &it);
    assert_true(sv_eq_cstr(it.msg.body, "v=0\r\ns=x\r\n"));
    parse_one(response, &it);
    assert_true(it.msg.is_response);
    assert_int_equal(it.msg.status, 200);
    struct rtsp_session_hdr sh;
    assert_int_equal(rtsp_parse_session(rtsp_msg_header(&it.msg, "Session"), &sh), 0);
    assert_true(sv_eq_cstr(sh.id, "abc"));
    assert_true(sh.has_timeout);
    assert_int_equal(sh.timeout_s, 60);
    /* LF-only line endings */
    parse_one("OPTIONS * RTSP/1.0\nCSeq: 9\n\n", &it);
    assert_int_equal(it.kind, RTSP_ITEM_MESSAGE);
    assert_int_equal(it.msg.method, RTSP_METHOD_OPTIONS);
    /* unknown method: a message, method UNKNOWN */
    parse_one("FOO rtsp://h/x RTSP/1.0\r\nCSeq: 4\r\n\r\n", &it);
    assert_int_equal(it.kind, RTSP_ITEM_MESSAGE);
    assert_int_equal(it.msg.method, RTSP_METHOD_UNKNOWN);
}

static void test_bad_messages(void **st)
{
    (void)st;
    static const char *bad[] = {
        "GARBAGE\r\nCSeq: 11\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nCSeq: 11\r\n\r\n",
        "OPTIONS * RTSP/1.0\r\nCSeq: 11\r\nno colon here\r\n\r\n",
        "OPTIONS * RTSP/1.0\r\nCSeq: 11\r\n folded\r\n\r\n",
        "OPTIONS * RTSP/2.0\r\nCSeq: 11\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct rtsp_item it;
        parse_one(bad[i], &it);
        assert_int_equal(it.kind, RTSP_ITEM_BAD_MESSAGE);
        assert_non_null(it.error);
        uint32_t cseq = 0;
        assert_int_equal(rtsp_msg_cseq(&it.msg, &cseq), 0);
        assert_int_equal(cseq, 11);
    }
    /* NUL byte in a header: still framed, still answerable */
    static const char nul[] = "OPTIONS * RTSP/1.0\r\nCSeq: 12\r\nX: a\0b\r\n\r\n";
    struct rtsp_item it;
    size_t used;
    assert_int_equal(rtsp_parse((const uint8_t *)nul, sizeof nul - 1, &used, &it), 0);
    assert_int_equal(it.kind, RTSP_ITEM_BAD_MESSAGE);
    /* framing lost */
    const char *badlen = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 12x\r\n\r\n";
    assert_int_equal(rtsp_parse((const uint8_t *)badlen, strlen(badlen), &used, &it), -EPROTO);
    const char *hugelen = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 99999999\r\n\r\n";
    assert_int_equal(rtsp_parse((const uint8_t *)hugelen, strlen(hugelen), &used, &it), -EMSGSIZE);
    static uint8_t big[RTSP_MAX_HEADER_BYTES + 100];
    memset(big, 'a', sizeof big);
    memcpy(big, "OPTIONS * RTSP/1.0\r\nX: ", 23);
    assert_int_equal(rtsp_parse(big, sizeof big, &used, &it), -EMSGSIZE);
    assert_int_equal(rtsp_parse(big, 1000, &used, &it), -EAGAIN);
    /* too many headers */
    char many[8192];
    size_t n = 0;
    n += (size_t)snprintf(many + n, sizeof many - n, "OPTIONS * RTSP/1.0\r\n");
    for (int i = 0; i < RTSP_MAX_HEADERS + 1; i++)
        n += (size_t)snprintf(many + n, sizeof many - n, "X-%d: y\r\n", i);
    n += (size_t)snprintf(many + n, sizeof many - n, "\r\n");
    assert_int_equal(rtsp_parse((const uint8_t *)many, n, &used, &it), -EMSGSIZE);
}

static void test_headers(void **st)
{
    (void)st;
    struct rtsp_range r;
    assert_int_equal(rtsp_parse_range(SV_LIT("npt=now-"), &r), 0);
    assert_true(r.is_npt && r.start_now && !r.has_end);
    assert_int_equal(rtsp_parse_range(SV_LIT("npt=1.5-10"), &r), 0);
    assert_int_equal(r.start_ms, 1500);
    assert_int_equal(r.end_ms, 10000);
    assert_int_equal(rtsp_parse_range(SV_LIT("npt=0.000-"), &r), 0);
    assert_true(r.has_start && r.start_ms == 0);
    assert_int_not_equal(rtsp_parse_range(SV_LIT("npt=x-"), &r), 0);
    struct rtsp_session_hdr sh;
    assert_int_not_equal(rtsp_parse_session(SV_LIT(""), &sh), 0);
    assert_int_not_equal(rtsp_parse_session(SV_LIT("abc;timeout=x"), &sh), 0);
    size_t pos = 0;
    struct sv tok;
    int n = 0;
    while (rtsp_next_token(SV_LIT("OPTIONS, DESCRIBE,,GET_PARAMETER "), &pos, &tok))
        n++;
    assert_int_equal(n, 3);
    assert_string_equal(rtsp_reason(461), "Unsupported Transport");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_at_every_byte),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_bad_messages),
        cmocka_unit_test(test_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
