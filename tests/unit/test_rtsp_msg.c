/* RTSP message + interleaved frame parser: requests as sent by ffmpeg 5.1,
 * GStreamer 1.22 rtspsrc and VLC/live555, answers from cameras and servers,
 * every split point of a stream mixing messages, frames and junk, the caps,
 * malformed input, and the small header parsers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rtsp/msg.h"

/* ---- real messages ---- */

#define FF_UA  "User-Agent: Lavf59.27.100\r\n"
#define GST_UA "User-Agent: GStreamer/1.22.0\r\n"
#define VLC_UA "User-Agent: LibVLC/3.0.18 (LIVE555 Streaming Media v2022.10.01)\r\n"
#define GST_SDP                                                                                    \
    "v=0\r\no=- 1188340656180883 1 IN IP4 127.0.0.1\r\ns=Session streamed with GStreamer\r\n"

#define BODY_NUL                                                                                   \
    "SET_PARAMETER rtsp://h/x RTSP/1.0\r\nCSeq: 8\r\nContent-length: 4\r\nCONTENT-LENGTH: "        \
    "4\r\n\r\na\0\r\n"
#define LINE_NUL "OPTIONS rtsp://h/\0x RTSP/1.0\r\nCSeq: 11\r\n\r\n"
#define HDR_NUL  "OPTIONS * RTSP/1.0\r\nCSeq: 11\r\nX: a\0b\r\n\r\n"

struct vec {
    const char *name;
    const char *text;
    size_t len; /* 0: strlen(text) */
    int kind;   /* RTSP_ITEM_MESSAGE or RTSP_ITEM_BAD_MESSAGE */
    bool response;
    enum rtsp_method method; /* requests */
    const char *uri;
    int status; /* responses */
    const char *reason;
    long cseq; /* -1: none readable */
    size_t n_headers;
    size_t body_len;
    const char *hname, *hvalue; /* one header to look up (any case) */
};

static const struct vec vecs[] = {
    /* ffmpeg 5.1 */
    {"ffmpeg OPTIONS", "OPTIONS rtsp://127.0.0.1:8554/test RTSP/1.0\r\nCSeq: 1\r\n" FF_UA "\r\n", 0,
     RTSP_ITEM_MESSAGE, false, RTSP_METHOD_OPTIONS, "rtsp://127.0.0.1:8554/test", 0, NULL, 1, 2, 0,
     "user-agent", "Lavf59.27.100"},
    {"ffmpeg DESCRIBE",
     "DESCRIBE rtsp://127.0.0.1:8554/test RTSP/1.0\r\nAccept: application/sdp\r\nCSeq: 2\r\n" FF_UA
     "\r\n",
     0, RTSP_ITEM_MESSAGE, false, RTSP_METHOD_DESCRIBE, "rtsp://127.0.0.1:8554/test", 0, NULL, 2, 3,
     0, "ACCEPT", "application/sdp"},
    {"ffmpeg SETUP udp",
     "SETUP rtsp://127.0.0.1:8554/test/trackID=0 RTSP/1.0\r\nTransport: "
     "RTP/AVP/UDP;unicast;client_port=5000-5001\r\nCSeq: 3\r\n" FF_UA "\r\n",
     0, RTSP_ITEM_MESSAGE, false, RTSP_METHOD_SETUP, "rtsp://127.0.0.1:8554/test/trackID=0", 0,
     NULL, 3, 3, 0, "Transport", "RTP/AVP/UDP;unicast;client_port=5000-5001"},
    {"ffmpeg SETUP tcp 2nd track",
     "SETUP rtsp://127.0.0.1:8554/test/trackID=1 RTSP/1.0\r\nTransport: "
     "RTP/AVP/TCP;unicast;interleaved=2-3\r\nCSeq: 4\r\n" FF_UA "Session: 3a1c6d7e9f0b2c4d\r\n\r\n",
     0, RTSP_ITEM_MESSAGE, false, RTSP_METHOD_SETUP, "rtsp://127.0.0.1:8554/test/trackID=1", 0,
     NULL, 4, 4, 0, "session", "3a1c6d7e9f0b2c4d"},
    {"ffmpeg PLAY",
     "PLAY rtsp://127.0.0.1:8554/test/ RTSP/1.0\r\nRange: npt=0.000-\r\nCSeq: 5\r\n" FF_UA
     "Session: 3a1c6d7e9f0b2c4d\r\n\r\n",
     0, RTSP_ITEM_MESSAGE, false, RTSP_METHOD_PLAY, "rtsp://127.0.0.1:8554/test/", 0, NULL, 5, 4, 0,
     "Range", "npt=0.000-"},
    {"ffmpeg GET_PARAMETER keepalive",
     "GET_PARAMETER rtsp://127.0.0.1:8554/test/ RTSP/1.0\r\nCSeq: 6\r\n" FF_UA
     "Session: 3a1c6d7e9f0b2c4d\r\n\r\n",
     0, RTSP_ITEM_MESSAGE, false, RTSP_METHOD_GET_PARAMETER, "rtsp://127.0.0.1:8554/test/", 0, NULL,
     6, 3, 0, NULL, NULL},
    {"ffmpeg TEARDOWN",
     "TEARDOWN rtsp://127.0.0.1:8554/test/ RTSP/1.0\r\nCSeq: 7\r\n" FF_UA
     "Session: 3a1c6d7e9f0b2c4d\r\n\r\n",
     0, RTSP_ITEM_MESSAGE, false, RTSP_METHOD_TEARDOWN, "rtsp://127.0.0.1:8554/test/", 0, NULL, 7,
     3, 0, NULL, NULL},
    {"ffmpeg ANNOUNCE (publish)",
     "ANNOUNCE rtsp://127.0.0.1:8554/pub RTSP/1.0\r\nContent-Type: application/sdp\r\nCSeq: "
     "2\r\n" FF_UA "Content-Length: 23\r\n\r\nv=0\r\ns=No Name\r\nt=0 0\r\n",
     0, RTSP_ITEM_MESSAGE, false, RTSP_METHOD_ANNOUNCE, "rtsp://127.0.0.1:8554/pub", 0, NULL, 2, 4,
     23, "content-type", "application/sdp"},
    {"ffmpeg RECORD",
     "RECORD rtsp://127.0.0.1:8554/pub RTSP/1.0\r\nRange: npt=0.000-\r\nCSeq: 5\r\n" FF_UA
     "Session: 77\r\n\r\n",
     0, RTSP_ITEM_MESSAGE, false, RTSP_METHOD_RECORD, "rtsp://127.0.0.1:8554/pub", 0, NULL, 5, 4, 0,
     NULL, NULL},
    /* GStreamer 1.22 rtspsrc */
    {"gst OPTIONS",
     "OPTIONS rtsp://127.0.0.1:8554/test RTSP/1.0\r\nCSeq: 1\r\n" GST_UA
     "Date: Wed, 25 Nov 2026 05:00:00 GMT\r\n\r\n",
     0, RTSP_ITEM_MESSAGE, false, RTSP_METHOD_OPTIONS, "rtsp://127.0.0.1:8554/test", 0, NULL, 1, 3,
     0, "date", "Wed, 25 Nov 2026 05:00:00 GMT"},
    {"gst DESCRIBE",
     "DESCRIBE rtsp://127.0.0.1:8554/test RTSP/1.0\r\nCSeq: 2\r\n" GST_UA
     "Accept: application/sdp\r\nDate: Wed, 25 Nov 2026 05:00:00 GMT\r\n\r\n",
     0, RTSP_ITEM_MESSAGE, false, RTSP_METHOD_DESCRIBE, "rtsp://127.0.0.1:8554/test", 0, NULL, 2, 4,
     0, NULL, NULL},
    {"gst SETUP alternatives",
     "SETUP rtsp://127.0.0.1:8554/test/stream=0 RTSP/1.0\r\nCSeq: 3\r\n"
     "Transport: RTP/AVP;unicast;client_port=40470-40471;mode=\"PLAY\",RTP/AVP/TCP;unicast;"
     "interleaved=0-1;mode=\"PLAY\"\r\n" GST_UA "Date: Wed, 25 Nov 2026 05:00:00 GMT\r\n\r\n",
     0, RTSP_ITEM_MESSAGE, false, RTSP_METHOD_SETUP, "rtsp://127.0.0.1:8554/test/stream=0", 0, NULL,
     3, 4, 0, "TRANSPORT",
     "RTP/AVP;unicast;client_port=40470-40471;mode=\"PLAY\",RTP/AVP/TCP;unicast;interleaved=0-1;"
     "mode=\"PLAY\""},
    {"gst PLAY",
     "PLAY rtsp://127.0.0.1:8554/test/ RTSP/1.0\r\nCSeq: 5\r\n" GST_UA
     "Range: npt=0-\r\nSession: mtabxjlcpuwpytya\r\nDate: Wed, 25 Nov 2026 05:00:00 GMT\r\n\r\n",
     0, RTSP_ITEM_MESSAGE, false, RTSP_METHOD_PLAY, "rtsp://127.0.0.1:8554/test/", 0, NULL, 5, 5, 0,
     "Session", "mtabxjlcpuwpytya"},
    /* VLC 3.0 / live555 */
    {"vlc OPTIONS", "OPTIONS rtsp://127.0.0.1:8554/test RTSP/1.0\r\nCSeq: 2\r\n" VLC_UA "\r\n", 0,
     RTSP_ITEM_MESSAGE, false, RTSP_METHOD_OPTIONS, "rtsp://127.0.0.1:8554/test", 0, NULL, 2, 2, 0,
     "User-Agent", "LibVLC/3.0.18 (LIVE555 Streaming Media v2022.10.01)"},
    {"vlc SETUP udp",
     "SETUP rtsp://127.0.0.1:8554/test/trackID=0 RTSP/1.0\r\nCSeq: 4\r\n" VLC_UA
     "Transport: RTP/AVP;unicast;client_port=53000-53001\r\n\r\n",
     0, RTSP_ITEM_MESSAGE, false, RTSP_METHOD_SETUP, "rtsp://127.0.0.1:8554/test/trackID=0", 0,
     NULL, 4, 3, 0, "transport", "RTP/AVP;unicast;client_port=53000-53001"},
    {"vlc SETUP tcp after 461",
     "SETUP rtsp://127.0.0.1:8554/test/trackID=0 RTSP/1.0\r\nCSeq: 5\r\n" VLC_UA
     "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n",
     0, RTSP_ITEM_MESSAGE, false, RTSP_METHOD_SETUP, "rtsp://127.0.0.1:8554/test/trackID=0", 0,
     NULL, 5, 3, 0, NULL, NULL},
    {"vlc PLAY",
     "PLAY rtsp://127.0.0.1:8554/test/ RTSP/1.0\r\nCSeq: 6\r\n" VLC_UA
     "Session: 8A0F2C1D44E3B6A7\r\nRange: npt=0.000-\r\n\r\n",
     0, RTSP_ITEM_MESSAGE, false, RTSP_METHOD_PLAY, "rtsp://127.0.0.1:8554/test/", 0, NULL, 6, 4, 0,
     NULL, NULL},
    /* answers */
    {"gst-rtsp-server DESCRIBE answer",
     "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Type: application/sdp\r\nContent-Base: "
     "rtsp://127.0.0.1:8554/test/\r\nServer: GStreamer RTSP server\r\nDate: Wed, 25 Nov 2026 "
     "05:00:00 GMT\r\nContent-Length: 81\r\n\r\n" GST_SDP,
     0, RTSP_ITEM_MESSAGE, true, 0, NULL, 200, "OK", 2, 6, 81, "content-base",
     "rtsp://127.0.0.1:8554/test/"},
    {"Hikvision SETUP answer",
     "RTSP/1.0 200 OK\r\nCSeq: 4\r\nSession:       1273222592;timeout=60\r\nTransport: "
     "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=1e2f3a4b;mode=\"play\"\r\nDate:  Tue, Mar 05 2024 "
     "10:00:00 GMT\r\n\r\n",
     0, RTSP_ITEM_MESSAGE, true, 0, NULL, 200, "OK", 4, 4, 0, "session", "1273222592;timeout=60"},
    {"Hikvision 401",
     "RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Digest realm=\"IP "
     "Camera(C2358)\", nonce=\"a3f9c0d1e2b4\", stale=\"FALSE\"\r\nWWW-Authenticate: Basic "
     "realm=\"IP Camera(C2358)\"\r\nDate:  Tue, Mar 05 2024 10:00:00 GMT\r\n\r\n",
     0, RTSP_ITEM_MESSAGE, true, 0, NULL, 401, "Unauthorized", 2, 4, 0, NULL, NULL},
    {"live555 PLAY answer",
     "RTSP/1.0 200 OK\r\nCSeq: 6\r\nDate: Wed, Nov 25 2026 05:00:00 GMT\r\nRange: "
     "npt=0.000-\r\nSession: 8A0F2C1D44E3B6A7\r\nRTP-Info: "
     "url=rtsp://10.0.0.2/test/track1;seq=12345;rtptime=1193046\r\n\r\n",
     0, RTSP_ITEM_MESSAGE, true, 0, NULL, 200, "OK", 6, 5, 0, "rtp-info",
     "url=rtsp://10.0.0.2/test/track1;seq=12345;rtptime=1193046"},
    {"461 without reason phrase, LF only", "RTSP/1.0 461\nCSeq: 4\nServer: gortsplib\n\n", 0,
     RTSP_ITEM_MESSAGE, true, 0, NULL, 461, "", 4, 2, 0, "server", "gortsplib"},
    {"454 multi-word reason", "RTSP/1.0 454 Session Not Found\r\nCSeq: 9\r\n\r\n", 0,
     RTSP_ITEM_MESSAGE, true, 0, NULL, 454, "Session Not Found", 9, 1, 0, NULL, NULL},
    /* sloppy but fine */
    {"LF only, lower-case names, no space after colon",
     "OPTIONS * RTSP/1.0\ncseq:9\nuser-agent:  x \n\n", 0, RTSP_ITEM_MESSAGE, false,
     RTSP_METHOD_OPTIONS, "*", 0, NULL, 9, 2, 0, "User-Agent", "x"},
    {"mixed endings, spaces around the colon, extra spaces in the request line",
     "OPTIONS   rtsp://h/x  RTSP/1.0\r\nCSeq : 3\nX-Tab:\tv\t\r\n\n", 0, RTSP_ITEM_MESSAGE, false,
     RTSP_METHOD_OPTIONS, "rtsp://h/x", 0, NULL, 3, 2, 0, "x-tab", "v"},
    {"unknown method", "FOO rtsp://h/x RTSP/1.0\r\nCSeq: 4\r\n\r\n", 0, RTSP_ITEM_MESSAGE, false,
     RTSP_METHOD_UNKNOWN, "rtsp://h/x", 0, NULL, 4, 1, 0, NULL, NULL},
    {"body with NUL bytes and an equal second Content-Length", BODY_NUL, sizeof BODY_NUL - 1,
     RTSP_ITEM_MESSAGE, false, RTSP_METHOD_SET_PARAMETER, "rtsp://h/x", 0, NULL, 8, 3, 4, NULL,
     NULL},
    /* framing intact, content malformed: 400 with the CSeq */
    {"no version", "GARBAGE\r\nCSeq: 11\r\n\r\n", 0, RTSP_ITEM_BAD_MESSAGE, false, 0, NULL, 0, NULL,
     11, 1, 0, NULL, NULL},
    {"method only", "OPTIONS\r\nCSeq: 11\r\n\r\n", 0, RTSP_ITEM_BAD_MESSAGE, false,
     RTSP_METHOD_OPTIONS, NULL, 0, NULL, 11, 1, 0, NULL, NULL},
    {"missing version", "OPTIONS *\r\nCSeq: 11\r\n\r\n", 0, RTSP_ITEM_BAD_MESSAGE, false,
     RTSP_METHOD_OPTIONS, NULL, 0, NULL, 11, 1, 0, NULL, NULL},
    {"HTTP version", "OPTIONS * HTTP/1.1\r\nCSeq: 11\r\n\r\n", 0, RTSP_ITEM_BAD_MESSAGE, false,
     RTSP_METHOD_OPTIONS, "*", 0, NULL, 11, 1, 0, NULL, NULL},
    {"RTSP/2.0 request", "OPTIONS * RTSP/2.0\r\nCSeq: 11\r\n\r\n", 0, RTSP_ITEM_BAD_MESSAGE, false,
     RTSP_METHOD_OPTIONS, "*", 0, NULL, 11, 1, 0, NULL, NULL},
    {"four words", "OPTIONS * x RTSP/1.0\r\nCSeq: 11\r\n\r\n", 0, RTSP_ITEM_BAD_MESSAGE, false,
     RTSP_METHOD_OPTIONS, NULL, 0, NULL, 11, 1, 0, NULL, NULL},
    {"NUL in the request line", LINE_NUL, sizeof LINE_NUL - 1, RTSP_ITEM_BAD_MESSAGE, false,
     RTSP_METHOD_OPTIONS, NULL, 0, NULL, 11, 1, 0, NULL, NULL},
    {"status code of 4 digits", "RTSP/1.0 2000 OK\r\nCSeq: 11\r\n\r\n", 0, RTSP_ITEM_BAD_MESSAGE,
     true, 0, NULL, 0, NULL, 11, 1, 0, NULL, NULL},
    {"status code not a number", "RTSP/1.0 abc OK\r\nCSeq: 11\r\n\r\n", 0, RTSP_ITEM_BAD_MESSAGE,
     true, 0, NULL, 0, NULL, 11, 1, 0, NULL, NULL},
    {"status code below 100", "RTSP/1.0 099 Hm\r\nCSeq: 11\r\n\r\n", 0, RTSP_ITEM_BAD_MESSAGE, true,
     0, NULL, 0, NULL, 11, 1, 0, NULL, NULL},
    {"response version 2.0", "RTSP/2.0 200 OK\r\nCSeq: 11\r\n\r\n", 0, RTSP_ITEM_BAD_MESSAGE, true,
     0, NULL, 0, NULL, 11, 1, 0, NULL, NULL},
    {"header line without a colon", "OPTIONS * RTSP/1.0\r\nCSeq: 11\r\nno colon here\r\n\r\n", 0,
     RTSP_ITEM_BAD_MESSAGE, false, RTSP_METHOD_OPTIONS, "*", 0, NULL, 11, 1, 0, NULL, NULL},
    {"folded header line", "OPTIONS * RTSP/1.0\r\nCSeq: 11\r\nX: a\r\n folded\r\n\r\n", 0,
     RTSP_ITEM_BAD_MESSAGE, false, RTSP_METHOD_OPTIONS, "*", 0, NULL, 11, 2, 0, NULL, NULL},
    {"empty header name", "OPTIONS * RTSP/1.0\r\n: x\r\nCSeq: 11\r\n\r\n", 0, RTSP_ITEM_BAD_MESSAGE,
     false, RTSP_METHOD_OPTIONS, "*", 0, NULL, 11, 2, 0, NULL, NULL},
    {"space inside a header name", "OPTIONS * RTSP/1.0\r\nX Y: z\r\nCSeq: 11\r\n\r\n", 0,
     RTSP_ITEM_BAD_MESSAGE, false, RTSP_METHOD_OPTIONS, "*", 0, NULL, 11, 2, 0, NULL, NULL},
    {"NUL in a header value", HDR_NUL, sizeof HDR_NUL - 1, RTSP_ITEM_BAD_MESSAGE, false,
     RTSP_METHOD_OPTIONS, "*", 0, NULL, 11, 1, 0, NULL, NULL},
    {"control byte in a header value",
     "OPTIONS * RTSP/1.0\r\nCSeq: 11\r\nX: a\x01"
     "b\r\n\r\n",
     0, RTSP_ITEM_BAD_MESSAGE, false, RTSP_METHOD_OPTIONS, "*", 0, NULL, 11, 2, 0, NULL, NULL},
    {"bare CR inside a header value", "OPTIONS * RTSP/1.0\r\nCSeq: 11\r\nX: a\rb\r\n\r\n", 0,
     RTSP_ITEM_BAD_MESSAGE, false, RTSP_METHOD_OPTIONS, "*", 0, NULL, 11, 2, 0, NULL, NULL},
    {"bad request with a body", "FOO\r\nCSeq: 11\r\nContent-Length: 3\r\n\r\nabc", 0,
     RTSP_ITEM_BAD_MESSAGE, false, 0, NULL, 0, NULL, 11, 2, 3, NULL, NULL},
    {"bad CSeq is still a message", "OPTIONS * RTSP/1.0\r\nCSeq: x\r\n\r\n", 0, RTSP_ITEM_MESSAGE,
     false, RTSP_METHOD_OPTIONS, "*", 0, NULL, -1, 1, 0, NULL, NULL},
};

static size_t vlen(const struct vec *v)
{
    return v->len ? v->len : strlen(v->text);
}

static void check_vec(const struct vec *v, const struct rtsp_item *it)
{
    const struct rtsp_msg *m = &it->msg;
    if ((int)it->kind != v->kind)
        fail_msg("%s: kind %d, want %d (%s)", v->name, it->kind, v->kind,
                 it->error ? it->error : "-");
    if (v->kind == RTSP_ITEM_BAD_MESSAGE)
        assert_non_null(it->error);
    else
        assert_null(it->error);
    assert_int_equal(m->is_response, v->response);
    if (!v->response) {
        assert_int_equal(m->method, v->method);
        if (v->uri)
            assert_true(sv_eq_cstr(m->uri, v->uri));
        else if (v->kind == RTSP_ITEM_MESSAGE)
            fail_msg("%s: table needs a uri", v->name);
    } else if (v->status) {
        assert_int_equal(m->status, v->status);
        assert_true(sv_eq_cstr(m->reason, v->reason));
    }
    uint32_t cseq = 12345;
    if (v->cseq < 0) {
        assert_int_equal(rtsp_msg_cseq(m, &cseq), -EPROTO);
    } else {
        assert_int_equal(rtsp_msg_cseq(m, &cseq), 0);
        assert_int_equal(cseq, (uint32_t)v->cseq);
    }
    if (m->n_headers != v->n_headers)
        fail_msg("%s: %zu headers, want %zu", v->name, m->n_headers, v->n_headers);
    assert_int_equal(m->body.n, v->body_len);
    if (v->body_len)
        assert_memory_equal(m->body.p, v->text + vlen(v) - v->body_len, v->body_len);
    if (v->hname) {
        struct sv h = rtsp_msg_header(m, v->hname);
        assert_non_null(h.p);
        if (!sv_eq_cstr(h, v->hvalue))
            fail_msg("%s: %s is '%.*s'", v->name, v->hname, SV_ARG(h));
    }
    /* every view lies inside the message */
    const char *b = v->text, *e = v->text + vlen(v);
    for (size_t i = 0; i < m->n_headers; i++) {
        assert_true(m->headers[i].name.p >= b && m->headers[i].name.p + m->headers[i].name.n <= e);
        assert_true(m->headers[i].value.p >= b &&
                    m->headers[i].value.p + m->headers[i].value.n <= e);
    }
}

/* Whole, then every proper prefix (a stateless parser sees the input grow one
 * byte at a time) must ask for more. */
static void test_vectors(void **st)
{
    (void)st;
    for (size_t k = 0; k < sizeof vecs / sizeof vecs[0]; k++) {
        const struct vec *v = &vecs[k];
        size_t n = vlen(v), used = 0;
        uint8_t *copy = malloc(n); /* exact size: ASan catches reads past the end */
        assert_non_null(copy);
        memcpy(copy, v->text, n);
        struct rtsp_item it;
        int r = rtsp_parse(copy, n, &used, &it);
        if (r)
            fail_msg("%s: rtsp_parse %d", v->name, r);
        assert_int_equal(used, n);
        free(copy);
        r = rtsp_parse((const uint8_t *)v->text, n, &used, &it);
        assert_int_equal(r, 0);
        check_vec(v, &it);
        for (size_t p = 0; p < n; p++) {
            copy = malloc(p ? p : 1);
            memcpy(copy, v->text, p);
            r = rtsp_parse(copy, p, &used, &it);
            if (r != -EAGAIN)
                fail_msg("%s: prefix %zu gave %d", v->name, p, r);
            assert_int_equal(used, 0);
            free(copy);
        }
    }
}

/* ---- a stream as a connection sees it ---- */

struct rec {
    int kind;
    size_t len;
    uint32_t tag; /* CSeq, or channel << 16 | length */
};

struct seen {
    struct rec r[128];
    int n;
    int err;
    size_t left; /* bytes never consumed */
};

static void push(struct seen *s, const struct rtsp_item *it, size_t used)
{
    if (it->kind == RTSP_ITEM_JUNK && s->n && s->r[s->n - 1].kind == RTSP_ITEM_JUNK) {
        s->r[s->n - 1].len += used; /* junk may come in pieces */
        return;
    }
    assert_true(s->n < 128);
    struct rec *r = &s->r[s->n++];
    r->kind = it->kind;
    r->len = used;
    r->tag = 0;
    if (it->kind == RTSP_ITEM_FRAME)
        r->tag = (uint32_t)it->frame.channel << 16 | it->frame.len;
    else if (it->kind != RTSP_ITEM_JUNK && rtsp_msg_cseq(&it->msg, &r->tag))
        r->tag = 0xffffffff;
}

/* Feed `len` bytes in pieces: cuts[] are the offsets where a new read ends. */
static void run(const uint8_t *in, size_t len, const size_t *cuts, size_t ncuts, struct seen *s)
{
    static uint8_t acc[65536];
    size_t have = 0, fed = 0;
    memset(s, 0, sizeof *s);
    for (size_t c = 0; c <= ncuts; c++) {
        size_t upto = c < ncuts ? cuts[c] : len;
        memcpy(acc + have, in + fed, upto - fed);
        have += upto - fed;
        fed = upto;
        size_t off = 0;
        for (;;) {
            struct rtsp_item it;
            size_t used = 0;
            int r = rtsp_parse(acc + off, have - off, &used, &it);
            if (r == -EAGAIN)
                break;
            if (r) {
                s->err = r;
                return;
            }
            assert_true(used > 0 && used <= have - off);
            push(s, &it, used);
            off += used;
        }
        memmove(acc, acc + off, have - off);
        have -= off;
    }
    s->left = have;
}

static void same(const struct seen *a, const struct seen *b, const char *how, size_t at)
{
    if (getenv("DUMP") && a->n != b->n)
        for (int i = 0; i < a->n || i < b->n; i++)
            fprintf(stderr, "%2d: %d/%zu  %d/%zu\n", i, i < a->n ? a->r[i].kind : 0,
                    i < a->n ? a->r[i].len : 0, i < b->n ? b->r[i].kind : 0,
                    i < b->n ? b->r[i].len : 0);
    if (a->n != b->n || a->err != b->err || a->left != b->left)
        fail_msg("%s %zu: %d items err %d left %zu, want %d items err %d left %zu", how, at, b->n,
                 b->err, b->left, a->n, a->err, a->left);
    for (int i = 0; i < a->n; i++)
        if (a->r[i].kind != b->r[i].kind || a->r[i].len != b->r[i].len ||
            a->r[i].tag != b->r[i].tag)
            fail_msg("%s %zu: item %d differs (kind %d/%d len %zu/%zu)", how, at, i, b->r[i].kind,
                     a->r[i].kind, b->r[i].len, a->r[i].len);
}

static const struct vec *V(const char *name)
{
    for (size_t k = 0; k < sizeof vecs / sizeof vecs[0]; k++)
        if (!strcmp(vecs[k].name, name))
            return &vecs[k];
    fail_msg("no vector %s", name);
    return NULL;
}

static size_t build_stream(uint8_t *out, size_t cap)
{
    size_t n = 0;
#define ADD(p, l)                                                                                  \
    do {                                                                                           \
        assert_true(n + (l) <= cap);                                                               \
        memcpy(out + n, (p), (l));                                                                 \
        n += (l);                                                                                  \
    } while (0)
#define ADDS(s) ADD((s), sizeof(s) - 1)
    ADD(V("ffmpeg OPTIONS")->text, vlen(V("ffmpeg OPTIONS")));     /* ffmpeg OPTIONS */
    ADD(V("ffmpeg SETUP udp")->text, vlen(V("ffmpeg SETUP udp"))); /* ffmpeg SETUP */
    ADDS("$\x00\x00\x08\x80\x60\x00\x01\x00\x00\x00\x00");         /* RTP */
    ADDS("$\x01\x00\x00");                                         /* empty frame on channel 1 */
    ADDS("\r\n\x01\x02\xff");                                      /* junk between frames */
    ADDS("$\x00\x00\x03GET");      /* a frame that looks like text */
    ADDS("\x80\x60 z\n\x17Q\x01"); /* binary junk with LF + letter */
    ADDS("$\x01\x00\x02\r\n");
    ADD(V("gst SETUP alternatives")->text, vlen(V("gst SETUP alternatives"))); /* gst SETUP */
    ADDS("\r\n"); /* stray CRLF after a message */
    ADD(V("gst-rtsp-server DESCRIBE answer")->text,
        vlen(V("gst-rtsp-server DESCRIBE answer"))); /* DESCRIBE answer with a body */
    ADDS("\x00\x00");                                /* NUL junk */
    ADD(V("ffmpeg ANNOUNCE (publish)")->text,
        vlen(V("ffmpeg ANNOUNCE (publish)")));                  /* ANNOUNCE with a body */
    ADDS("xx\x01PLAY rtsp://h/x RTSP/1.0\r\nCSeq: 77\r\n\r\n"); /* junk, then a request mid-line */
    ADD(V("no version")->text, vlen(V("no version")));          /* GARBAGE: bad message */
    ADDS("$\x02\x00\x05hello");
    ADD(V("body with NUL bytes and an equal second Content-Length")->text,
        vlen(
            V("body with NUL bytes and an equal second Content-Length"))); /* body with NUL bytes */
    ADD(V("461 without reason phrase, LF only")->text,
        vlen(V("461 without reason phrase, LF only"))); /* LF-only 461 */
    ADDS("\x7f\x10$\x03\x00\x01Z");
    ADD(V("vlc PLAY")->text, vlen(V("vlc PLAY"))); /* vlc PLAY */
    return n;
#undef ADD
#undef ADDS
}

static void test_stream_every_split(void **st)
{
    (void)st;
    static uint8_t stream[8192];
    size_t n = build_stream(stream, sizeof stream);
    struct seen whole, split;
    run(stream, n, NULL, 0, &whole);
    assert_int_equal(whole.err, 0);
    assert_int_equal(whole.left, 0);
    static const int want[] = {
        RTSP_ITEM_MESSAGE, RTSP_ITEM_MESSAGE, RTSP_ITEM_FRAME,   RTSP_ITEM_FRAME,
        RTSP_ITEM_JUNK,    RTSP_ITEM_FRAME,   RTSP_ITEM_JUNK,    RTSP_ITEM_FRAME,
        RTSP_ITEM_MESSAGE, RTSP_ITEM_JUNK,    RTSP_ITEM_MESSAGE, RTSP_ITEM_JUNK,
        RTSP_ITEM_MESSAGE, RTSP_ITEM_JUNK,    RTSP_ITEM_MESSAGE, RTSP_ITEM_BAD_MESSAGE,
        RTSP_ITEM_FRAME,   RTSP_ITEM_MESSAGE, RTSP_ITEM_MESSAGE, RTSP_ITEM_JUNK,
        RTSP_ITEM_FRAME,   RTSP_ITEM_MESSAGE,
    };
    if (whole.n != (int)(sizeof want / sizeof want[0]))
        fail_msg("%d items", whole.n);
    for (int i = 0; i < whole.n; i++)
        if (whole.r[i].kind != want[i])
            fail_msg("item %d: kind %d, want %d", i, whole.r[i].kind, want[i]);
    assert_int_equal(whole.r[5].tag, 3);             /* "$\0\0\3GET" is a frame */
    assert_int_equal(whole.r[6].len, 8);             /* binary junk up to the next '$' */
    assert_int_equal(whole.r[14].tag, 77);           /* request found mid-line */
    assert_int_equal(whole.r[13].len, 3);            /* "xx\x01" */
    assert_int_equal(whole.r[15].tag, 11);           /* CSeq of the bad message */
    assert_int_equal(whole.r[16].tag, 2u << 16 | 5); /* channel 2, 5 bytes */
    /* one cut at every byte */
    for (size_t c = 1; c < n; c++) {
        run(stream, n, &c, 1, &split);
        same(&whole, &split, "cut at", c);
    }
    /* one byte per read, then a few other read sizes */
    static size_t cuts[8192];
    for (size_t chunk = 1; chunk <= 97; chunk += (chunk < 8 ? 1 : 11)) {
        size_t nc = 0;
        for (size_t c = chunk; c < n; c += chunk)
            cuts[nc++] = c;
        run(stream, n, cuts, nc, &split);
        same(&whole, &split, "chunk", chunk);
    }
}

/* A message start that never completes is held, not called junk; a partial
 * frame too. */
static void test_incomplete(void **st)
{
    (void)st;
    static const struct {
        const char *p;
        size_t n;
    } pending[] = {
#define P(s) {s, sizeof(s) - 1}
        P(""),
        P("$"),
        P("$\x01"),
        P("$\x01\x00"),
        P("$\x01\x00\x02z"),
        P("R"),
        P("RTSP"),
        P("OPT"),
        P("OPTIONS"),
        P("OPTIONS "),
        P("RTSP/1.0 200 OK\r\n"),
        P("SETUP rtsp://h/x RTSP/1.0\r\nCSeq: 1\r\n"),
        P("ANNOUNCE rtsp://h/x RTSP/1.0\r\nContent-Length: 5\r\n\r\nabc"),
        P("OPTIONS * RTSP/1.0\r"),
        P("OPTIONS rtsp://h/\0"),
#undef P
    };
    for (size_t i = 0; i < sizeof pending / sizeof pending[0]; i++) {
        struct rtsp_item it;
        size_t used = 99;
        assert_int_equal(rtsp_parse((const uint8_t *)pending[i].p, pending[i].n, &used, &it),
                         -EAGAIN);
        assert_int_equal(used, 0);
    }
    /* junk that ends in what may become a known method waits for more */
    struct rtsp_item it;
    size_t used;
    assert_int_equal(rtsp_parse((const uint8_t *)"\x01\x02PLA", 5, &used, &it), -EAGAIN);
    assert_int_equal(rtsp_parse((const uint8_t *)"\x01\x02PLAX.", 7, &used, &it), 0);
    assert_int_equal(it.kind, RTSP_ITEM_JUNK);
    assert_int_equal(used, 6); /* the last non-letter is kept as context */
    assert_int_equal(rtsp_parse((const uint8_t *)"\x01\x02PLAX", 6, &used, &it), 0);
    assert_int_equal(used, 1); /* the letters wait behind their context */
    assert_int_equal(rtsp_parse((const uint8_t *)"\x01", 1, &used, &it), -EAGAIN);
    assert_int_equal(rtsp_parse((const uint8_t *)"\x01\x02\n", 3, &used, &it), 0);
    assert_int_equal(used, 3); /* after a LF the next line decides for itself */
    /* a letter line that has a control byte is junk, not a message */
    assert_int_equal(rtsp_parse((const uint8_t *)"Ab\x01\x02", 4, &used, &it), 0);
    assert_int_equal(it.kind, RTSP_ITEM_JUNK);
    assert_int_equal(used, 3);
    /* a token too long for a method is junk */
    static const char longtok[] =
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA rtsp://h RTSP/1.0\r\n\r\n";
    assert_int_equal(rtsp_parse((const uint8_t *)longtok, strlen(longtok), &used, &it), 0);
    assert_int_equal(it.kind, RTSP_ITEM_JUNK);
    /* a first word with a non-token character does not start a request */
    static const char paren[] = "OPT(ONS * RTSP/1.0\r\nCSeq: 11\r\n\r\n";
    assert_int_equal(rtsp_parse((const uint8_t *)paren, strlen(paren), &used, &it), 0);
    assert_int_equal(it.kind, RTSP_ITEM_JUNK);
}

/* ---- framing lost ---- */

static void expect(const char *s, size_t n, int want)
{
    struct rtsp_item it;
    size_t used = 77;
    int r = rtsp_parse((const uint8_t *)s, n ? n : strlen(s), &used, &it);
    if (r != want)
        fail_msg("'%.40s': %d, want %d", s, r, want);
}

static void test_content_length(void **st)
{
    (void)st;
    static const char *bad[] = {
        "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 12x\r\n\r\n",
        "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: -1\r\n\r\n",
        "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: +5\r\n\r\n",
        "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length:\r\n\r\n",
        "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 0x10\r\n\r\n",
        "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 1 2\r\n\r\n",
        "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\n",
        "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length 5\r\n\r\n",
        "GARBAGE\r\nContent-Length: five\r\n\r\n",
        "RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 1.5\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect(bad[i], 0, -EPROTO);
    static const char nul[] = "OPTIONS * RTSP/1.0\r\nContent-Length: 1\0\r\n\r\nx";
    expect(nul, sizeof nul - 1, -EPROTO);
    /* body over the cap */
    expect("OPTIONS * RTSP/1.0\r\nContent-Length: 99999999999999999999999\r\n\r\n", 0, -EMSGSIZE);
    char hdr[128];
    snprintf(hdr, sizeof hdr, "ANNOUNCE * RTSP/1.0\r\nContent-Length: %d\r\n\r\n",
             RTSP_MAX_BODY_BYTES + 1);
    expect(hdr, 0, -EMSGSIZE);
    /* body exactly at the cap */
    static uint8_t big[RTSP_MAX_BODY_BYTES + 128];
    int h = snprintf((char *)big, sizeof big, "ANNOUNCE * RTSP/1.0\r\nContent-Length: %d\r\n\r\n",
                     RTSP_MAX_BODY_BYTES);
    memset(big + h, 'b', RTSP_MAX_BODY_BYTES);
    struct rtsp_item it;
    size_t used;
    assert_int_equal(rtsp_parse(big, (size_t)h + RTSP_MAX_BODY_BYTES - 1, &used, &it), -EAGAIN);
    assert_int_equal(rtsp_parse(big, (size_t)h + RTSP_MAX_BODY_BYTES, &used, &it), 0);
    assert_int_equal(it.msg.body.n, RTSP_MAX_BODY_BYTES);
}

static void test_header_caps(void **st)
{
    (void)st;
    static uint8_t big[RTSP_MAX_HEADER_BYTES + 100];
    struct rtsp_item it;
    size_t used;
    /* a head of exactly the cap (first line + one long header + CRLF CRLF) */
    static const char start[] = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX: ";
    memset(big, 'a', sizeof big);
    memcpy(big, start, sizeof start - 1);
    memcpy(big + RTSP_MAX_HEADER_BYTES - 4, "\r\n\r\n", 4);
    assert_int_equal(rtsp_parse(big, RTSP_MAX_HEADER_BYTES, &used, &it), 0);
    assert_int_equal(used, RTSP_MAX_HEADER_BYTES);
    assert_int_equal(it.kind, RTSP_ITEM_MESSAGE);
    assert_int_equal(rtsp_msg_header(&it.msg, "x").n, RTSP_MAX_HEADER_BYTES - sizeof start + 1 - 4);
    /* one byte more */
    memset(big, 'a', sizeof big);
    memcpy(big, start, sizeof start - 1);
    memcpy(big + RTSP_MAX_HEADER_BYTES - 3, "\r\n\r\n", 4);
    assert_int_equal(rtsp_parse(big, RTSP_MAX_HEADER_BYTES - 1, &used, &it), -EAGAIN);
    assert_int_equal(rtsp_parse(big, RTSP_MAX_HEADER_BYTES + 1, &used, &it), -EMSGSIZE);
    /* no end of headers at all */
    memset(big, 'a', sizeof big);
    memcpy(big, start, sizeof start - 1);
    assert_int_equal(rtsp_parse(big, 1000, &used, &it), -EAGAIN);
    assert_int_equal(rtsp_parse(big, sizeof big, &used, &it), -EMSGSIZE);
    /* a first line longer than the cap */
    memset(big, 'a', sizeof big);
    memcpy(big, "OPTIONS ", 8);
    assert_int_equal(rtsp_parse(big, sizeof big, &used, &it), -EMSGSIZE);
    /* header count: exactly the cap, then one more */
    char many[8192];
    for (int extra = 0; extra <= 1; extra++) {
        size_t n = 0;
        n += (size_t)snprintf(many + n, sizeof many - n, "OPTIONS * RTSP/1.0\r\n");
        for (int i = 0; i < RTSP_MAX_HEADERS + extra; i++)
            n += (size_t)snprintf(many + n, sizeof many - n, "X-%d: y\r\n", i);
        n += (size_t)snprintf(many + n, sizeof many - n, "\r\n");
        int r = rtsp_parse((const uint8_t *)many, n, &used, &it);
        if (!extra) {
            assert_int_equal(r, 0);
            assert_int_equal(it.msg.n_headers, RTSP_MAX_HEADERS);
        } else {
            assert_int_equal(r, -EMSGSIZE);
        }
    }
}

/* Configured limits below the maxima: each applies at its edge. */
static void test_configured_limits(void **st)
{
    (void)st;
    struct rtsp_item it;
    size_t used;
    struct rtsp_limits lim = {
        .header_bytes = 64, .headers = 2, .body_bytes = 10, .frame_bytes = 100};
    const char *ok = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n";
    assert_int_equal(rtsp_parse_lim((const uint8_t *)ok, strlen(ok), &lim, &used, &it), 0);
    assert_int_equal(used, strlen(ok));
    /* 65 head bytes */
    const char *head65 = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX: 01234567890123456789012345678\r\n\r\n";
    assert_int_equal(strlen(head65), 65);
    assert_int_equal(rtsp_parse_lim((const uint8_t *)head65, 65, &lim, &used, &it), -EMSGSIZE);
    assert_int_equal(rtsp_parse((const uint8_t *)head65, 65, &used, &it), 0);
    /* 3 headers */
    const char *three = "OPTIONS * RTSP/1.0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
    assert_int_equal(rtsp_parse_lim((const uint8_t *)three, strlen(three), &lim, &used, &it),
                     -EMSGSIZE);
    /* body of 10 passes, 11 does not (known from Content-Length alone) */
    const char *b10 = "SET_PARAMETER * RTSP/1.0\r\nContent-Length: 10\r\n\r\n0123456789";
    assert_int_equal(rtsp_parse_lim((const uint8_t *)b10, strlen(b10), &lim, &used, &it), 0);
    assert_int_equal(it.msg.body.n, 10);
    const char *b11 = "SET_PARAMETER * RTSP/1.0\r\nContent-Length: 11\r\n\r\n";
    assert_int_equal(rtsp_parse_lim((const uint8_t *)b11, strlen(b11), &lim, &used, &it),
                     -EMSGSIZE);
    /* frames: 100 bytes pass, 101 fail as soon as the length is known */
    uint8_t frame[4 + 101] = {'$', 0, 0, 100};
    assert_int_equal(rtsp_parse_lim(frame, 104, &lim, &used, &it), 0);
    assert_int_equal(it.frame.len, 100);
    frame[3] = 101;
    assert_int_equal(rtsp_parse_lim(frame, 4, &lim, &used, &it), -EMSGSIZE);
    /* a limit above the maximum is the maximum */
    struct rtsp_limits huge = {.headers = 1000};
    char many[8192];
    size_t n = (size_t)snprintf(many, sizeof many, "OPTIONS * RTSP/1.0\r\n");
    for (int i = 0; i <= RTSP_MAX_HEADERS; i++)
        n += (size_t)snprintf(many + n, sizeof many - n, "X-%d: y\r\n", i);
    n += (size_t)snprintf(many + n, sizeof many - n, "\r\n");
    assert_int_equal(rtsp_parse_lim((const uint8_t *)many, n, &huge, &used, &it), -EMSGSIZE);
}

/* NUL bytes in every place */
static void test_nul(void **st)
{
    (void)st;
    struct rtsp_item it;
    size_t used;
    /* junk: NULs before a message */
    static const char a[] = "\0\0\0OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n";
    assert_int_equal(rtsp_parse((const uint8_t *)a, sizeof a - 1, &used, &it), 0);
    assert_int_equal(it.kind, RTSP_ITEM_JUNK);
    assert_int_equal(used, 3);
    assert_int_equal(rtsp_parse((const uint8_t *)a + 3, sizeof a - 4, &used, &it), 0);
    assert_int_equal(it.kind, RTSP_ITEM_MESSAGE);
    /* NUL in a header name: the line is dropped, the message is bad, CSeq stays */
    static const char b[] = "OPTIONS * RTSP/1.0\r\nX\0Y: 1\r\nCSeq: 5\r\n\r\n";
    assert_int_equal(rtsp_parse((const uint8_t *)b, sizeof b - 1, &used, &it), 0);
    assert_int_equal(it.kind, RTSP_ITEM_BAD_MESSAGE);
    assert_int_equal(it.msg.n_headers, 1);
    uint32_t cseq;
    assert_int_equal(rtsp_msg_cseq(&it.msg, &cseq), 0);
    assert_int_equal(cseq, 5);
    /* NUL in the status line */
    static const char c[] = "RTSP/1.0 200 O\0K\r\nCSeq: 5\r\n\r\n";
    assert_int_equal(rtsp_parse((const uint8_t *)c, sizeof c - 1, &used, &it), 0);
    assert_int_equal(it.kind, RTSP_ITEM_BAD_MESSAGE);
    assert_true(it.msg.is_response);
}

/* ---- small helpers ---- */

static void test_cseq(void **st)
{
    (void)st;
    static const struct {
        const char *v;
        int rc;
        uint32_t want;
    } cases[] = {
        {"0", 0, 0},
        {"1", 0, 1},
        {"2147483647", 0, 2147483647},
        {"2147483648", -EPROTO, 0},
        {"", -EPROTO, 0},
        {"-1", -EPROTO, 0},
        {"1a", -EPROTO, 0},
        {"99999999999999999999", -EPROTO, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rtsp_msg m = {.n_headers = 1};
        m.headers[0].name = SV_LIT("cseq");
        m.headers[0].value = sv_from_cstr(cases[i].v);
        uint32_t c = 0;
        assert_int_equal(rtsp_msg_cseq(&m, &c), cases[i].rc);
        if (!cases[i].rc)
            assert_int_equal(c, cases[i].want);
    }
    struct rtsp_msg none = {0};
    uint32_t c;
    assert_int_equal(rtsp_msg_cseq(&none, &c), -EPROTO);
    assert_null(rtsp_msg_header(&none, "CSeq").p);
}

static void test_methods_and_reasons(void **st)
{
    (void)st;
    static const char *names[RTSP_METHOD_COUNT] = {
        "UNKNOWN", "OPTIONS", "DESCRIBE", "ANNOUNCE",      "SETUP",         "PLAY",
        "PAUSE",   "RECORD",  "TEARDOWN", "GET_PARAMETER", "SET_PARAMETER", "REDIRECT"};
    for (int m = 1; m < RTSP_METHOD_COUNT; m++) {
        assert_string_equal(rtsp_method_name((enum rtsp_method)m), names[m]);
        assert_int_equal(rtsp_method_from_sv(sv_from_cstr(names[m])), m);
    }
    assert_string_equal(rtsp_method_name(RTSP_METHOD_UNKNOWN), "UNKNOWN");
    assert_string_equal(rtsp_method_name(RTSP_METHOD_COUNT), "UNKNOWN");
    assert_string_equal(rtsp_method_name((enum rtsp_method) - 1), "UNKNOWN");
    assert_int_equal(rtsp_method_from_sv(SV_LIT("options")), RTSP_METHOD_UNKNOWN);
    assert_int_equal(rtsp_method_from_sv(SV_LIT("PLAYX")), RTSP_METHOD_UNKNOWN);
    assert_int_equal(rtsp_method_from_sv(SV_LIT("PLA")), RTSP_METHOD_UNKNOWN);
    assert_int_equal(rtsp_method_from_sv(SV_NULL), RTSP_METHOD_UNKNOWN);
    /* RFC 2326 §7.1.1 */
    static const struct {
        int code;
        const char *reason;
    } rfc[] = {{100, "Continue"},
               {200, "OK"},
               {201, "Created"},
               {250, "Low on Storage Space"},
               {300, "Multiple Choices"},
               {301, "Moved Permanently"},
               {302, "Moved Temporarily"},
               {303, "See Other"},
               {304, "Not Modified"},
               {305, "Use Proxy"},
               {400, "Bad Request"},
               {401, "Unauthorized"},
               {402, "Payment Required"},
               {403, "Forbidden"},
               {404, "Not Found"},
               {405, "Method Not Allowed"},
               {406, "Not Acceptable"},
               {407, "Proxy Authentication Required"},
               {408, "Request Timeout"},
               {410, "Gone"},
               {411, "Length Required"},
               {412, "Precondition Failed"},
               {413, "Request Entity Too Large"},
               {414, "Request-URI Too Long"},
               {415, "Unsupported Media Type"},
               {451, "Parameter Not Understood"},
               {452, "Conference Not Found"},
               {453, "Not Enough Bandwidth"},
               {454, "Session Not Found"},
               {455, "Method Not Valid in This State"},
               {456, "Header Field Not Valid for Resource"},
               {457, "Invalid Range"},
               {458, "Parameter Is Read-Only"},
               {459, "Aggregate Operation Not Allowed"},
               {460, "Only Aggregate Operation Allowed"},
               {461, "Unsupported Transport"},
               {462, "Destination Unreachable"},
               {500, "Internal Server Error"},
               {501, "Not Implemented"},
               {502, "Bad Gateway"},
               {503, "Service Unavailable"},
               {504, "Gateway Timeout"},
               {505, "RTSP Version Not Supported"},
               {551, "Option Not Supported"}};
    for (size_t i = 0; i < sizeof rfc / sizeof rfc[0]; i++)
        assert_string_equal(rtsp_reason(rfc[i].code), rfc[i].reason);
    assert_non_null(rtsp_reason(299));
    assert_non_null(rtsp_reason(-1));
}

static void test_session(void **st)
{
    (void)st;
    static const struct {
        const char *v;
        int rc;
        const char *id;
        bool has_timeout;
        uint32_t timeout;
    } cases[] = {
        {"8A0F2C1D44E3B6A7", 0, "8A0F2C1D44E3B6A7", false, 0},
        {"1273222592;timeout=60", 0, "1273222592", true, 60},
        {"  abc ; timeout = 30 ", 0, "abc", true, 30},
        {"abc;timeout=60;", 0, "abc", true, 60},
        {"abc;foo=bar;timeout=5", 0, "abc", true, 5},
        {"mtabxjlcpuwpytya", 0, "mtabxjlcpuwpytya", false, 0},
        {"a$b-c_d.e+f", 0, "a$b-c_d.e+f", false, 0},
        {"", -EPROTO, NULL, false, 0},
        {";timeout=60", -EPROTO, NULL, false, 0},
        {"a b", -EPROTO, NULL, false, 0},
        {"abc;timeout=x", -EPROTO, NULL, false, 0},
        {"abc;timeout=-1", -EPROTO, NULL, false, 0},
        {"abc;timeout=99999999999", -EPROTO, NULL, false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rtsp_session_hdr sh;
        int r = rtsp_parse_session(sv_from_cstr(cases[i].v), &sh);
        if (r != cases[i].rc)
            fail_msg("'%s': %d", cases[i].v, r);
        if (r)
            continue;
        assert_true(sv_eq_cstr(sh.id, cases[i].id));
        assert_int_equal(sh.has_timeout, cases[i].has_timeout);
        assert_int_equal(sh.timeout_s, cases[i].timeout);
    }
}

static void test_range(void **st)
{
    (void)st;
    static const struct {
        const char *v;
        int rc;
        bool npt, now, has_start;
        uint64_t start;
        bool has_end;
        uint64_t end;
    } cases[] = {
        {"npt=0.000-", 0, true, false, true, 0, false, 0},
        {"npt=0-", 0, true, false, true, 0, false, 0},
        {"npt=now-", 0, true, true, false, 0, false, 0},
        {"npt=1.5-10", 0, true, false, true, 1500, true, 10000},
        {"npt=0.000-634.625", 0, true, false, true, 0, true, 634625},
        {"npt = 12.3 - ", 0, true, false, true, 12300, false, 0},
        {"npt=-20", 0, true, false, false, 0, true, 20000},
        {"npt=1:02:03.5-", 0, true, false, true, 3723500, false, 0},
        {"npt=0:00:10-0:01:00", 0, true, false, true, 10000, true, 60000},
        {"npt=5-;time=19970123T153600Z", 0, true, false, true, 5000, false, 0},
        {"NPT=5-", 0, true, false, true, 5000, false, 0},
        {"clock=19961108T142300Z-19961108T143520Z", 0, false, false, false, 0, false, 0},
        {"smpte=10:07:00-10:07:33:05.01", 0, false, false, false, 0, false, 0},
        {"npt=x-", -EPROTO, false, false, false, 0, false, 0},
        {"npt=5", -EPROTO, false, false, false, 0, false, 0},
        {"npt=-", -EPROTO, false, false, false, 0, false, 0},
        {"npt=10-5", -EPROTO, false, false, false, 0, false, 0},
        {"npt=1:60:00-", -EPROTO, false, false, false, 0, false, 0},
        {"npt=1:00:60-", -EPROTO, false, false, false, 0, false, 0},
        {"npt=1:00-", -EPROTO, false, false, false, 0, false, 0},
        {"nptx=5-", 0, false, false, false, 0, false, 0},
        {"", -EPROTO, false, false, false, 0, false, 0},
        {"npt", -EPROTO, false, false, false, 0, false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rtsp_range r;
        int rc = rtsp_parse_range(sv_from_cstr(cases[i].v), &r);
        if (rc != cases[i].rc)
            fail_msg("'%s': %d", cases[i].v, rc);
        if (rc)
            continue;
        assert_int_equal(r.is_npt, cases[i].npt);
        assert_int_equal(r.start_now, cases[i].now);
        assert_int_equal(r.has_start, cases[i].has_start);
        assert_int_equal(r.start_ms, cases[i].start);
        assert_int_equal(r.has_end, cases[i].has_end);
        assert_int_equal(r.end_ms, cases[i].end);
    }
}

static void test_tokens(void **st)
{
    (void)st;
    static const struct {
        const char *list;
        const char *want[12];
    } cases[] = {
        {"OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE, GET_PARAMETER, SET_PARAMETER",
         {"OPTIONS", "DESCRIBE", "SETUP", "TEARDOWN", "PLAY", "PAUSE", "GET_PARAMETER",
          "SET_PARAMETER"}},
        {"OPTIONS,DESCRIBE,,GET_PARAMETER ", {"OPTIONS", "DESCRIBE", "GET_PARAMETER"}},
        {" , ,", {NULL}},
        {"", {NULL}},
        {"play.basic", {"play.basic"}},
        {"\tA ,\tB\t", {"A", "B"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t pos = 0, k = 0;
        struct sv tok;
        while (rtsp_next_token(sv_from_cstr(cases[i].list), &pos, &tok)) {
            assert_non_null(cases[i].want[k]);
            assert_true(sv_eq_cstr(tok, cases[i].want[k]));
            k++;
        }
        assert_null(cases[i].want[k]);
        /* stays at the end */
        assert_false(rtsp_next_token(sv_from_cstr(cases[i].list), &pos, &tok));
    }
}

static void test_frame_header(void **st)
{
    (void)st;
    uint8_t h[4 + 300];
    rtsp_frame_header(h, 3, 300);
    memset(h + 4, 0xab, 300);
    struct rtsp_item it;
    size_t used;
    assert_int_equal(rtsp_parse(h, sizeof h, &used, &it), 0);
    assert_int_equal(it.kind, RTSP_ITEM_FRAME);
    assert_int_equal(it.frame.channel, 3);
    assert_int_equal(it.frame.len, 300);
    assert_ptr_equal(it.frame.data, h + 4);
    assert_int_equal(used, sizeof h);
    assert_int_equal(rtsp_parse(h, sizeof h - 1, &used, &it), -EAGAIN);
    /* largest frame */
    static uint8_t f[4 + 65535];
    rtsp_frame_header(f, 255, 65535);
    assert_int_equal(rtsp_parse(f, sizeof f, &used, &it), 0);
    assert_int_equal(it.frame.channel, 255);
    assert_int_equal(it.frame.len, 65535);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_stream_every_split),
        cmocka_unit_test(test_incomplete),
        cmocka_unit_test(test_content_length),
        cmocka_unit_test(test_header_caps),
        cmocka_unit_test(test_configured_limits),
        cmocka_unit_test(test_nul),
        cmocka_unit_test(test_cseq),
        cmocka_unit_test(test_methods_and_reasons),
        cmocka_unit_test(test_session),
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_frame_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
