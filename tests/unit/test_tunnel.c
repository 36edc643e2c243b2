/* RTSP over HTTP tunnel helpers: streaming base64 (split anywhere, several
 * padded blocks in a row, bad input), and the GET/POST heads that ffmpeg and
 * GStreamer really send (captured from ffmpeg 5.1 and GStreamer 1.22). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "rtsp/tunnel.h"

static const char ff_get[] = "GET /cam HTTP/1.1\r\n"
                             "User-Agent: Lavf/59.27.100\r\n"
                             "Range: bytes=0-\r\n"
                             "Connection: close\r\n"
                             "Host: 127.0.0.1:18991\r\n"
                             "Icy-MetaData: 1\r\n"
                             "x-sessioncookie: bfcceb400d0e4ddd\r\n"
                             "Accept: application/x-rtsp-tunnelled\r\n"
                             "Pragma: no-cache\r\n"
                             "Cache-Control: no-cache\r\n"
                             "\r\n";
static const char gst_post[] =
    "POST /cam HTTP/1.0\r\n"
    "x-sessioncookie: sdgoscioaefhvrqieryiojr\r\n"
    "Accept: application/x-rtsp-tunnelled\r\n"
    "Content-Type: application/x-rtsp-tunnelled\r\n"
    "Cache-Control: no-cache\r\n"
    "Pragma: no-cache\r\n"
    "Expires: Sun, 9 Jan 1972 00:00:00 GMT\r\n"
    "Content-Length: 32767\r\n"
    "Host: 127.0.0.1:18992\r\n"
    "\r\n"
    "T1BUSU9OUyBydHNwOi8vMTI3LjAuMC4xOjE4OTkxL2NhbSBSVFNQLzEuMA0KQ1NlcTogMQ0KVXNlci1BZ2VudDogTGF2"
    "ZjU5LjI3LjEwMA0KDQo=";
static const char opts_req[] =
    "OPTIONS rtsp://127.0.0.1:18991/cam RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: Lavf59.27.100\r\n\r\n";

static void test_b64_split_anywhere(void **st)
{
    (void)st;
    struct tunnel_req r;
    const char *err;
    assert_int_equal(tunnel_parse_head(gst_post, strlen(gst_post), 4096, &r, &err), 0);
    const char *body = gst_post + r.head_len;
    size_t n = strlen(body);
    /* two blocks back to back, as a client sending two requests does */
    char two[1024];
    snprintf(two, sizeof two, "%s%s", body, body);
    size_t n2 = strlen(two);
    for (size_t cut1 = 0; cut1 <= n2; cut1++) {
        for (size_t cut2 = cut1; cut2 <= n2; cut2 += 7) {
            struct b64_dec d;
            b64_dec_init(&d);
            uint8_t out[1024];
            size_t o = 0;
            size_t cuts[] = {0, cut1, cut2, n2};
            for (int k = 0; k < 3; k++) {
                long got =
                    b64_dec_feed(&d, two + cuts[k], cuts[k + 1] - cuts[k], out + o, sizeof out - o);
                assert_true(got >= 0);
                o += (size_t)got;
            }
            assert_true(b64_dec_idle(&d));
            assert_int_equal(o, 2 * strlen(opts_req));
            assert_memory_equal(out, opts_req, strlen(opts_req));
            assert_memory_equal(out + strlen(opts_req), opts_req, strlen(opts_req));
        }
    }
    (void)n;
}

static void test_b64_roundtrip_and_pending(void **st)
{
    (void)st;
    uint8_t in[64], out[128];
    char enc[128];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 37 + 1);
    for (size_t len = 0; len <= sizeof in; len++) {
        long el = b64_encode(in, len, enc, sizeof enc);
        assert_int_equal(el, (long)(b64_enc_size(len) - 1));
        struct b64_dec d;
        b64_dec_init(&d);
        /* all but the last character: a partial quantum is pending */
        long a = el ? b64_dec_feed(&d, enc, (size_t)el - 1, out, sizeof out) : 0;
        assert_true(a >= 0);
        if (el)
            assert_false(b64_dec_idle(&d));
        long b = el ? b64_dec_feed(&d, enc + el - 1, 1, out + a, sizeof out - (size_t)a) : 0;
        assert_int_equal(a + b, (long)len);
        assert_memory_equal(out, in, len);
        assert_true(b64_dec_idle(&d));
    }
    /* RFC 4648 test vectors */
    static const char *const v[][2] = {{"f", "Zg=="},         {"fo", "Zm8="},
                                       {"foo", "Zm9v"},       {"foob", "Zm9vYg=="},
                                       {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
    for (size_t i = 0; i < 6; i++) {
        assert_true(b64_encode((const uint8_t *)v[i][0], strlen(v[i][0]), enc, sizeof enc) > 0);
        assert_string_equal(enc, v[i][1]);
    }
    assert_int_equal(b64_encode(in, 3, enc, 4), -EMSGSIZE);
}

static void test_b64_bad(void **st)
{
    (void)st;
    static const char *const bad[] = {"Zm9v!",    "Z===",     "=Zm9", "Zg=a",
                                      "Zm9vY=gA", "Zg==\x80", "a-b_"};
    uint8_t out[64];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct b64_dec d;
        b64_dec_init(&d);
        assert_int_equal(b64_dec_feed(&d, bad[i], strlen(bad[i]), out, sizeof out), -EPROTO);
    }
    /* whitespace and CRLF line breaks are skipped */
    struct b64_dec d;
    b64_dec_init(&d);
    assert_int_equal(b64_dec_feed(&d, "Zm9v\r\nYm Fy\t", 12, out, sizeof out), 6);
    assert_memory_equal(out, "foobar", 6);
    /* output buffer too small is refused before decoding */
    assert_int_equal(b64_dec_feed(&d, "Zm9vYmFy", 8, out, 5), -EMSGSIZE);
}

static void test_sniff(void **st)
{
    (void)st;
    assert_int_equal(tunnel_sniff("GET ", 4), 1);
    assert_int_equal(tunnel_sniff("POST /x", 7), 1);
    assert_int_equal(tunnel_sniff("PO", 2), -EAGAIN);
    assert_int_equal(tunnel_sniff("G", 1), -EAGAIN);
    assert_int_equal(tunnel_sniff("", 0), -EAGAIN);
    assert_int_equal(tunnel_sniff("OPTIONS rtsp://x RTSP/1.0", 25), 0);
    assert_int_equal(tunnel_sniff("GET_PARAMETER rtsp://x RTSP/1.0", 31), 0);
    assert_int_equal(tunnel_sniff("PLAY ", 5), 0);
    assert_int_equal(tunnel_sniff("$\0\0\4", 4), 0);
}

static void test_heads(void **st)
{
    (void)st;
    struct tunnel_req r;
    const char *err;
    assert_int_equal(tunnel_parse_head(ff_get, strlen(ff_get), 4096, &r, &err), 0);
    assert_int_equal(r.leg, TUNNEL_LEG_GET);
    assert_true(sv_eq_cstr(r.cookie, "bfcceb400d0e4ddd"));
    assert_true(sv_eq_cstr(r.path, "/cam"));
    assert_true(sv_eq_cstr(r.user_agent, "Lavf/59.27.100"));
    assert_int_equal(r.head_len, strlen(ff_get));
    assert_null(r.authorization.p);

    assert_int_equal(tunnel_parse_head(gst_post, strlen(gst_post), 4096, &r, &err), 0);
    assert_int_equal(r.leg, TUNNEL_LEG_POST);
    assert_true(sv_eq_cstr(r.cookie, "sdgoscioaefhvrqieryiojr"));
    assert_true(sv_eq_cstr(r.content_type, "application/x-rtsp-tunnelled"));
    assert_memory_equal(gst_post + r.head_len, "T1BUS", 5);

    /* every prefix of a head is incomplete, never an error */
    for (size_t n = 0; n < strlen(ff_get); n++)
        assert_int_equal(tunnel_parse_head(ff_get, n, 4096, &r, &err), -EAGAIN);
    /* too long */
    assert_int_equal(tunnel_parse_head(ff_get, strlen(ff_get), 64, &r, &err), -EMSGSIZE);
    assert_string_equal(err, "HTTP request head too long");

    static const struct {
        const char *head, *err;
    } bad[] = {
        {"GET /x HTTP/1.0\r\nAccept: application/x-rtsp-tunnelled\r\n\r\n",
         "missing x-sessioncookie"},
        {"GET /x HTTP/1.0\r\nx-sessioncookie:   \r\n\r\n", "missing x-sessioncookie"},
        {"PUT /x HTTP/1.0\r\nx-sessioncookie: a\r\n\r\n", "HTTP method is not GET or POST"},
        {"GET /x RTSP/1.0\r\nx-sessioncookie: a\r\n\r\n", "not HTTP/1.0 or HTTP/1.1"},
        {"GET /x\r\nx-sessioncookie: a\r\n\r\n", "bad HTTP request line"},
        {"GET /x HTTP/1.0\r\nx-sessioncookie a\r\n\r\n", "bad HTTP header line"},
        {"GET /x HTTP/1.0\r\nx-sessioncookie: a\r\nx-sessioncookie: b\r\n\r\n",
         "two different x-sessioncookie headers"},
        {"GET /x HTTP/1.0\r\nAccept: text/html\r\nx-sessioncookie: a\r\n\r\n",
         "Accept does not allow application/x-rtsp-tunnelled"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err = NULL;
        assert_int_equal(tunnel_parse_head(bad[i].head, strlen(bad[i].head), 4096, &r, &err),
                         -EPROTO);
        assert_string_equal(err, bad[i].err);
    }
    char longc[300] = "GET / HTTP/1.0\r\nx-sessioncookie: ";
    size_t l = strlen(longc);
    memset(longc + l, 'c', 200);
    strcpy(longc + l + 200, "\r\n\r\n");
    assert_int_equal(tunnel_parse_head(longc, strlen(longc), 4096, &r, &err), -EPROTO);
    assert_string_equal(err, "x-sessioncookie too long");
    /* bare LF line ends are accepted */
    const char *lf = "GET /a HTTP/1.0\nx-sessioncookie: k\nAccept: */*\n\n";
    assert_int_equal(tunnel_parse_head(lf, strlen(lf), 4096, &r, &err), 0);
    assert_true(sv_eq_cstr(r.cookie, "k"));
    assert_int_equal(r.head_len, strlen(lf));
}

static void test_replies(void **st)
{
    (void)st;
    char b[256];
    long n = tunnel_get_reply(b, sizeof b);
    assert_true(n > 0);
    assert_memory_equal(b, "HTTP/1.0 200 OK\r\n", 17);
    assert_non_null(strstr(b, "Content-Type: application/x-rtsp-tunnelled\r\n"));
    assert_memory_equal(b + n - 4, "\r\n\r\n", 4);
    assert_int_equal(tunnel_get_reply(b, 20), -EMSGSIZE);
    n = tunnel_error_reply(403, b, sizeof b);
    assert_true(n > 0);
    assert_memory_equal(b, "HTTP/1.0 403 Forbidden\r\n", 24);
}

/* What our client sends is what our server (and gst-rtsp-server, ffmpeg's
 * peers) accept: the heads parse back with the cookie, leg and target. */
static void test_client_heads(void **st)
{
    (void)st;
    char b[1024];
    struct tunnel_req r;
    const char *why;
    long n = tunnel_client_head(TUNNEL_LEG_GET, "/cam?x=1", "10.0.0.1:554", "a1b2c3", "rtspgate/1",
                                b, sizeof b);
    assert_true(n > 0);
    assert_int_equal((size_t)n, strlen(b));
    assert_int_equal(tunnel_parse_head(b, (size_t)n, 4096, &r, &why), 0);
    assert_int_equal(r.leg, TUNNEL_LEG_GET);
    assert_true(sv_eq_cstr(r.path, "/cam?x=1"));
    assert_true(sv_eq_cstr(r.cookie, "a1b2c3"));
    assert_true(sv_eq_cstr(r.accept, "application/x-rtsp-tunnelled"));
    assert_int_equal(r.head_len, (size_t)n);
    assert_non_null(strstr(b, "\r\nPragma: no-cache\r\n"));
    assert_non_null(strstr(b, "\r\nCache-Control: no-cache\r\n"));
    n = tunnel_client_head(TUNNEL_LEG_POST, "/cam", "h", "a1b2c3", "rtspgate/1", b, sizeof b);
    assert_true(n > 0);
    assert_int_equal(tunnel_parse_head(b, (size_t)n, 4096, &r, &why), 0);
    assert_int_equal(r.leg, TUNNEL_LEG_POST);
    assert_true(sv_eq_cstr(r.content_type, "application/x-rtsp-tunnelled"));
    assert_non_null(strstr(b, "\r\nContent-Length: 32767\r\n"));
    assert_non_null(strstr(b, "\r\nExpires: "));
    /* injection and size */
    assert_int_equal(tunnel_client_head(TUNNEL_LEG_GET, "/a\r\nX: y", "h", "c", "u", b, sizeof b),
                     -EINVAL);
    assert_int_equal(tunnel_client_head(TUNNEL_LEG_GET, "/a b", "h", "c", "u", b, sizeof b),
                     -EINVAL);
    assert_int_equal(tunnel_client_head(TUNNEL_LEG_GET, "/a", "h", "", "u", b, sizeof b), -EINVAL);
    assert_int_equal(tunnel_client_head(TUNNEL_LEG_GET, "/a", "h", "c", "u", b, 40), -EMSGSIZE);
}

static void test_reply_parse(void **st)
{
    (void)st;
    static const char gst_reply[] = "HTTP/1.0 200 OK\r\n"
                                    "Server: GStreamer RTSP Server\r\n"
                                    "Connection: close\r\n"
                                    "Cache-Control: no-store\r\n"
                                    "Pragma: no-cache\r\n"
                                    "Content-Type: application/x-rtsp-tunnelled\r\n"
                                    "\r\n"
                                    "RTSP/1.0 200 OK\r\n";
    size_t head = strlen(gst_reply) - strlen("RTSP/1.0 200 OK\r\n");
    int status;
    size_t hl;
    const char *why;
    /* every split: incomplete until the empty line, then the same answer */
    for (size_t k = 0; k <= strlen(gst_reply); k++) {
        int r = tunnel_parse_reply(gst_reply, k, 4096, &status, &hl, &why);
        if (k < head) {
            assert_int_equal(r, -EAGAIN);
        } else {
            assert_int_equal(r, 0);
            assert_int_equal(status, 200);
            assert_int_equal(hl, head);
        }
    }
    char ours[256];
    long n = tunnel_get_reply(ours, sizeof ours);
    assert_int_equal(tunnel_parse_reply(ours, (size_t)n, 4096, &status, &hl, &why), 0);
    assert_int_equal(status, 200);
    assert_int_equal(hl, (size_t)n);
    n = tunnel_error_reply(404, ours, sizeof ours);
    assert_int_equal(tunnel_parse_reply(ours, (size_t)n, 4096, &status, &hl, &why), 0);
    assert_int_equal(status, 404);
    /* an RTSP server answering the GET, garbage, caps */
    static const char rtsp[] = "RTSP/1.0 400 Bad Request\r\nCSeq: 0\r\n\r\n";
    assert_int_equal(tunnel_parse_reply(rtsp, strlen(rtsp), 4096, &status, &hl, &why), -EPROTO);
    assert_non_null(why);
    assert_int_equal(tunnel_parse_reply("R", 1, 4096, &status, &hl, &why), -EPROTO);
    assert_int_equal(tunnel_parse_reply("HTTP/1.", 7, 4096, &status, &hl, &why), -EAGAIN);
    static const char bad[] = "HTTP/1.1 2x0 OK\r\n\r\n";
    assert_int_equal(tunnel_parse_reply(bad, strlen(bad), 4096, &status, &hl, &why), -EPROTO);
    static const char v2[] = "HTTP/1.7 200 OK\r\n\r\n";
    assert_int_equal(tunnel_parse_reply(v2, strlen(v2), 4096, &status, &hl, &why), -EPROTO);
    static const char lf[] = "HTTP/1.1 503 Busy\n\n";
    assert_int_equal(tunnel_parse_reply(lf, strlen(lf), 4096, &status, &hl, &why), 0);
    assert_int_equal(status, 503);
    assert_int_equal(tunnel_parse_reply(gst_reply, 40, 40, &status, &hl, &why), -EMSGSIZE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64_split_anywhere),
        cmocka_unit_test(test_b64_roundtrip_and_pending),
        cmocka_unit_test(test_b64_bad),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_heads),
        cmocka_unit_test(test_replies),
        cmocka_unit_test(test_client_heads),
        cmocka_unit_test(test_reply_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
