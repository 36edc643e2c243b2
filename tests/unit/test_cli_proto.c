/* Client protocol helpers, fed with answers from real servers: gst-rtsp-server
 * 1.22 (captured from tests/gsttools/testcam), live555, a Hikvision-style
 * camera, and ffmpeg's listen mode (captured from ffmpeg 5.1). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "session/cli_proto.h"

/* ---- captured answers ---- */

static const char gst_options[] =
    "RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE, ANNOUNCE, GET_PARAMETER, PAUSE, "
    "PLAY, RECORD, SETUP, SET_PARAMETER, TEARDOWN\r\nServer: GStreamer RTSP server\r\nDate: Wed, "
    "25 Nov 2026 06:01:08 GMT\r\n\r\n";

static const char gst_describe[] =
    "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Type: application/sdp\r\nContent-Base: "
    "rtsp://127.0.0.1:41987/test/\r\nServer: GStreamer RTSP server\r\nDate: Wed, 25 Nov 2026 "
    "06:01:08 GMT\r\nContent-Length: 828\r\n\r\n"
    "v=0\r\no=- 395392730272060376 1 IN IP4 127.0.0.1\r\ns=Session streamed with "
    "GStreamer\r\ni=rtsp-server\r\nt=0 0\r\na=tool:GStreamer\r\na=type:broadcast\r\na=control:"
    "*\r\na=range:npt=now-\r\nm=video 0 RTP/AVP 96\r\nc=IN IP4 0.0.0.0\r\nb=AS:819\r\na=rtpmap:96 "
    "H264/90000\r\na=framerate:30\r\na=fmtp:96 "
    "packetization-mode=1;sprop-parameter-sets=Z0LAHtoCgL/lwFqDAwNSgAAAAwCAAAAeR4sXUA==,aM48gA=="
    ";profile-level-id=42c01e;level-asymmetry-allowed=1\r\na=control:stream=0\r\na=ts-refclk:"
    "local\r\na=mediaclk:sender\r\na=ssrc:602350371 "
    "cname:user2353236884@host-e4f47981\r\nm=audio 0 RTP/AVP 97\r\nc=IN IP4 "
    "0.0.0.0\r\na=rtpmap:97 MPEG4-GENERIC/48000/2\r\na=fmtp:97 "
    "streamtype=5;profile-level-id=2;mode=AAC-hbr;config=1190;sizelength=13;indexlength=3;"
    "indexdeltalength=3\r\na=control:stream=1\r\na=ts-refclk:local\r\na=mediaclk:sender\r\na="
    "ssrc:2794238648 cname:user2353236884@host-e4f47981\r\n";

static const char gst_setup_tcp[] =
    "RTSP/1.0 200 OK\r\nCSeq: 3\r\nTransport: "
    "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=23E72323;mode=\"PLAY\"\r\nServer: GStreamer RTSP "
    "server\r\nSession: uaHHz0S3h-en1MDm\r\nDate: Wed, 25 Nov 2026 06:01:08 GMT\r\n\r\n";

static const char gst_play[] =
    "RTSP/1.0 200 OK\r\nCSeq: 4\r\nRTP-Info: "
    "url=rtsp://127.0.0.1:41987/test/stream=0;seq=22294;rtptime=935607307\r\nRange: "
    "npt=now-\r\nServer: GStreamer RTSP server\r\nSession: uaHHz0S3h-en1MDm\r\nDate: Wed, 25 Nov "
    "2026 06:01:08 GMT\r\n\r\n";

static const char gst_401[] =
    "RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Digest realm=\"GStreamer RTSP "
    "Server\", nonce=\"f6a4969dd354a841\"\r\nServer: GStreamer RTSP server\r\nDate: Wed, 25 Nov "
    "2026 06:01:08 GMT\r\n\r\n";

static const char live555_options[] =
    "RTSP/1.0 200 OK\r\nCSeq: 2\r\nDate: Tue, Mar 05 2024 10:00:00 GMT\r\nPublic: OPTIONS, "
    "DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE, GET_PARAMETER, SET_PARAMETER\r\n\r\n";

static const char live555_describe[] =
    "RTSP/1.0 200 OK\r\nCSeq: 3\r\nDate: Tue, Mar 05 2024 10:00:00 GMT\r\nContent-Base: "
    "rtsp://192.168.1.20:8554/stream/\r\nContent-Type: application/sdp\r\nContent-Length: "
    "395\r\n\r\n"
    "v=0\r\no=- 1709632800123456 1 IN IP4 192.168.1.20\r\ns=H.264 Video, streamed by the "
    "LIVE555 Media Server\r\ni=stream\r\nt=0 0\r\na=tool:LIVE555 Streaming Media "
    "v2023.05.10\r\na=type:broadcast\r\na=control:*\r\na=range:npt=now-\r\na=x-qt-text-nam:H.264 "
    "Video, streamed by the LIVE555 Media Server\r\na=x-qt-text-inf:stream\r\nm=video 0 RTP/AVP "
    "96\r\nc=IN IP4 0.0.0.0\r\nb=AS:500\r\na=rtpmap:96 H264/90000\r\na=control:track1\r\n";

static const char live555_setup_udp[] =
    "RTSP/1.0 200 OK\r\nCSeq: 4\r\nDate: Tue, Mar 05 2024 10:00:00 GMT\r\nTransport: "
    "RTP/AVP;unicast;destination=192.168.1.5;source=192.168.1.20;client_port=50000-50001;server_"
    "port=6970-6971\r\nSession: 6B8B4567;timeout=65\r\n\r\n";

static const char live555_461[] = "RTSP/1.0 461 Unsupported Transport\r\nCSeq: 4\r\nDate: Tue, "
                                  "Mar 05 2024 10:00:00 GMT\r\n\r\n";

static const char hik_401[] =
    "RTSP/1.0 401 Unauthorized\r\nCSeq: 3\r\nWWW-Authenticate: Digest realm=\"IP Camera(C6250)\", "
    "nonce=\"a7c5e5b1d2d13e0d4c5e1f7c2f0a7b64\", stale=\"FALSE\"\r\nWWW-Authenticate: Basic "
    "realm=\"IP Camera(C6250)\"\r\nDate:  Tue, Mar 05 2024 10:00:00 GMT\r\n\r\n";

static const char hik_describe[] =
    "RTSP/1.0 200 OK\r\nCSeq: 4\r\nContent-Type: application/sdp\r\nContent-Base: "
    "rtsp://192.168.1.64:554/Streaming/Channels/101/\r\nContent-Length: 682\r\n\r\n"
    "v=0\r\no=- 1709632800 1709632800 IN IP4 192.168.1.64\r\ns=Media Presentation\r\ne=NONE\r\n"
    "b=AS:5100\r\nt=0 0\r\na=control:rtsp://192.168.1.64:554/Streaming/Channels/101/"
    "?transportmode=unicast\r\nm=video 0 RTP/AVP 96\r\nc=IN IP4 0.0.0.0\r\nb=AS:5000\r\n"
    "a=recvonly\r\na=x-dimensions:1920,1080\r\na=control:rtsp://192.168.1.64:554/Streaming/"
    "Channels/101/trackID=1?transportmode=unicast\r\na=rtpmap:96 H265/90000\r\n"
    "m=audio 0 RTP/AVP 8\r\nc=IN IP4 0.0.0.0\r\nb=AS:50\r\na=recvonly\r\n"
    "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=2?transportmode=unicast\r\n"
    "a=rtpmap:8 PCMA/8000\r\na=Media_header:MEDIAINFO=494D4B48010300000400050011710110401F0000"
    "00FA000000000000000000000000000000000000;\r\na=appversion:1.0\r\n";

static const char hik_setup[] =
    "RTSP/1.0 200 OK\r\nCSeq: 5\r\nSession:       1273222592;timeout=60\r\nTransport: "
    "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=1e2f3a4b;mode=\"play\"\r\nDate:  Tue, Mar 05 2024 "
    "10:00:00 GMT\r\n\r\n";

static const char hik_play[] =
    "RTSP/1.0 200 OK\r\nCSeq: 7\r\nSession:       1273222592\r\nRTP-Info: "
    "url=rtsp://192.168.1.64:554/Streaming/Channels/101/"
    "trackID=1?transportmode=unicast;seq=11710;rtptime=1193046,url=rtsp://192.168.1.64:554/"
    "Streaming/Channels/101/trackID=2?transportmode=unicast;seq=4470;rtptime=80000\r\nDate:  "
    "Tue, Mar 05 2024 10:00:00 GMT\r\n\r\n";

static const char ffmpeg_options[] = "RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: "
                                     "Lavf59.27.100\r\nPublic: ANNOUNCE, PAUSE, SETUP, TEARDOWN, "
                                     "RECORD\r\n\r\n";

static const char ffmpeg_setup_record[] =
    "RTSP/1.0 200 OK\r\nCSeq: 3\r\nServer: Lavf59.27.100\r\nTransport: "
    "RTP/AVP/TCP;unicast;mode=receive;interleaved=0-1\r\nSession: 130641955\r\n\r\n";

static const char redirect_302[] = "RTSP/1.0 302 Moved Temporarily\r\nCSeq: 2\r\nLocation: "
                                   "/other/stream?x=1\r\n\r\n";

/* ---- helpers ---- */

static void parse(const char *text, struct rtsp_msg *m)
{
    struct rtsp_item it;
    size_t used = 0;
    assert_int_equal(rtsp_parse((const uint8_t *)text, strlen(text), &used, &it), 0);
    assert_int_equal(used, strlen(text));
    assert_int_equal(it.kind, RTSP_ITEM_MESSAGE);
    assert_true(it.msg.is_response);
    *m = it.msg;
}

/* ---- tests ---- */

static void test_url(void **st)
{
    (void)st;
    struct cli_url u;
    assert_int_equal(cli_url_parse("rtsp://admin:s%40cret@192.168.1.64:554/Streaming/Channels/"
                                   "101?transportmode=unicast",
                                   &u),
                     0);
    assert_string_equal(u.url,
                        "rtsp://192.168.1.64:554/Streaming/Channels/101?transportmode=unicast");
    assert_true(u.has_credentials);
    assert_string_equal(u.user, "admin");
    assert_string_equal(u.password, "s@cret");
    assert_string_equal(u.host, "192.168.1.64");
    assert_int_equal(u.port, 554);
    assert_false(u.tls);

    assert_int_equal(cli_url_parse("rtsp://cam.local/live.sdp", &u), 0);
    assert_false(u.has_credentials);
    assert_int_equal(u.port, 554);
    assert_string_equal(u.url, "rtsp://cam.local/live.sdp");

    assert_int_equal(cli_url_parse("rtsp://[::1]:8554/a", &u), 0);
    assert_string_equal(u.host, "::1");
    assert_string_equal(u.url, "rtsp://[::1]:8554/a");

    assert_int_equal(cli_url_parse("rtsps://h/a", &u), 0);
    assert_true(u.tls);
    assert_false(u.http);
    /* rtsph://: the tunnel on the URL's port (554 by default), rtsp:// inside */
    assert_int_equal(cli_url_parse("rtsph://u:p@h:8554/a?b", &u), 0);
    assert_true(u.http);
    assert_false(u.tls);
    assert_int_equal(u.port, 8554);
    assert_string_equal(u.url, "rtsp://h:8554/a?b");
    assert_string_equal(u.user, "u");
    assert_int_equal(cli_url_parse("RTSPH://h/a", &u), 0);
    assert_true(u.http);
    assert_int_equal(u.port, 554);
    assert_string_equal(u.url, "rtsp://h/a");
    assert_int_equal(cli_url_parse("http://h/a", &u), -EPROTONOSUPPORT);
    assert_true(cli_url_parse("rtsp://h/a\r\nX: y", &u) < 0);
    assert_true(cli_url_parse("not a url", &u) < 0);

    char r[256];
    cli_url_redact("rtsp://admin:secret@h/a", r, sizeof r);
    assert_string_equal(r, "rtsp://admin:***@h/a");
    cli_url_redact("rtsp://h/a", r, sizeof r);
    assert_string_equal(r, "rtsp://h/a");
}

static void test_requests(void **st)
{
    (void)st;
    struct buf b;
    buf_init(&b, 4096);
    struct cli_request r = {
        .method = RTSP_METHOD_DESCRIBE, .uri = "rtsp://h/cam", .cseq = 2, .accept_sdp = true};
    assert_int_equal(cli_request_write(&b, &r), 0);
    const char *want = "DESCRIBE rtsp://h/cam RTSP/1.0\r\nCSeq: 2\r\nUser-Agent: " CLI_USER_AGENT
                       "\r\nAccept: application/sdp\r\n\r\n";
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.data, want, b.len);

    /* the request parses back as what was meant */
    struct rtsp_item it;
    size_t used;
    buf_reset(&b);
    char tr[96];
    assert_int_equal(cli_transport_request(tr, sizeof tr, RTSP_LOWER_UDP, 50000, false), 0);
    assert_string_equal(tr, "RTP/AVP;unicast;client_port=50000-50001");
    r = (struct cli_request){.method = RTSP_METHOD_SETUP,
                             .uri = "rtsp://h/cam/trackID=1",
                             .cseq = 3,
                             .session = "6B8B4567",
                             .transport = tr,
                             .authorization = "Digest username=\"a\""};
    assert_int_equal(cli_request_write(&b, &r), 0);
    assert_int_equal(rtsp_parse(b.data, b.len, &used, &it), 0);
    assert_int_equal(it.kind, RTSP_ITEM_MESSAGE);
    assert_int_equal(it.msg.method, RTSP_METHOD_SETUP);
    assert_true(sv_eq_cstr(rtsp_msg_header(&it.msg, "Session"), "6B8B4567"));
    assert_true(sv_eq_cstr(rtsp_msg_header(&it.msg, "Transport"), tr));
    assert_true(sv_eq_cstr(rtsp_msg_header(&it.msg, "Authorization"), "Digest username=\"a\""));

    buf_reset(&b);
    r = (struct cli_request){.method = RTSP_METHOD_PLAY,
                             .uri = "rtsp://h/cam/",
                             .cseq = 5,
                             .session = "x",
                             .range_from_zero = true};
    assert_int_equal(cli_request_write(&b, &r), 0);
    assert_int_equal(rtsp_parse(b.data, b.len, &used, &it), 0);
    assert_true(sv_eq_cstr(rtsp_msg_header(&it.msg, "Range"), "npt=0.000-"));

    /* a body (ANNOUNCE later) */
    buf_reset(&b);
    r = (struct cli_request){.method = RTSP_METHOD_ANNOUNCE,
                             .uri = "rtsp://h/pub",
                             .cseq = 1,
                             .content_type = "application/sdp",
                             .body = "v=0\r\n",
                             .body_len = 5};
    assert_int_equal(cli_request_write(&b, &r), 0);
    assert_int_equal(rtsp_parse(b.data, b.len, &used, &it), 0);
    assert_int_equal(it.msg.body.n, 5);

    /* injection and caps */
    buf_reset(&b);
    r.session = "x\r\nEvil: 1";
    assert_int_equal(cli_request_write(&b, &r), -EINVAL);
    assert_int_equal(b.len, 0);
    r.session = NULL;
    r.method = RTSP_METHOD_UNKNOWN;
    assert_int_equal(cli_request_write(&b, &r), -EINVAL);
    struct buf small;
    buf_init(&small, 16);
    r.method = RTSP_METHOD_OPTIONS;
    assert_int_equal(cli_request_write(&small, &r), -EMSGSIZE);
    assert_int_equal(small.len, 0);
    buf_free(&small);

    assert_int_equal(cli_transport_request(tr, sizeof tr, RTSP_LOWER_TCP, 2, false), 0);
    assert_string_equal(tr, "RTP/AVP/TCP;unicast;interleaved=2-3");
    assert_int_equal(cli_transport_request(tr, sizeof tr, RTSP_LOWER_TCP, 0, true), 0);
    assert_string_equal(tr, "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record");
    assert_int_equal(cli_transport_request(tr, sizeof tr, RTSP_LOWER_TCP, 255, false), -EINVAL);
    buf_free(&b);
}

static void test_gst(void **st)
{
    (void)st;
    struct rtsp_msg m;
    parse(gst_options, &m);
    assert_true(cli_public_has(&m, RTSP_METHOD_GET_PARAMETER));

    parse(gst_describe, &m);
    char base[512], agg[512], t0[512], t1[512];
    assert_int_equal(cli_content_base(&m, "rtsp://127.0.0.1:41987/test", base, sizeof base), 0);
    assert_string_equal(base, "rtsp://127.0.0.1:41987/test/");
    struct sdp_session sdp;
    assert_int_equal(sdp_parse(m.body, &sdp), 0);
    assert_int_equal(sdp.n_media, 2);
    assert_int_equal(cli_aggregate_url(base, &sdp, agg, sizeof agg), 0);
    assert_string_equal(agg, "rtsp://127.0.0.1:41987/test/");
    assert_int_equal(cli_track_url(base, &sdp, &sdp.media[0], t0, sizeof t0), 0);
    assert_int_equal(cli_track_url(base, &sdp, &sdp.media[1], t1, sizeof t1), 0);
    assert_string_equal(t0, "rtsp://127.0.0.1:41987/test/stream=0");
    assert_string_equal(t1, "rtsp://127.0.0.1:41987/test/stream=1");

    parse(gst_setup_tcp, &m);
    char sid[CLI_MAX_SESSION_ID + 1];
    uint32_t to = 0;
    assert_int_equal(cli_session_of(&m, sid, sizeof sid, &to), 0);
    assert_string_equal(sid, "uaHHz0S3h-en1MDm");
    assert_int_equal(to, CLI_DEFAULT_SESSION_TIMEOUT_S);
    struct rtsp_transport t;
    assert_int_equal(cli_transport_of(&m, &t), 0);
    assert_int_equal(t.lower, RTSP_LOWER_TCP);
    assert_true(t.has_interleaved);
    assert_int_equal(t.interleaved[0], 0);
    assert_int_equal(t.interleaved[1], 1);
    assert_true(t.has_ssrc);
    assert_int_equal(t.ssrc, 0x23E72323);

    parse(gst_play, &m);
    struct cli_rtp_info ri[4];
    size_t n = 0;
    assert_int_equal(cli_rtp_info_parse(rtsp_msg_header(&m, "RTP-Info"), ri, 4, &n), 0);
    assert_int_equal(n, 1);
    assert_true(ri[0].has_seq && ri[0].has_rtptime);
    assert_int_equal(ri[0].seq, 22294);
    assert_int_equal(ri[0].rtptime, 935607307u);
    assert_int_equal(cli_rtp_info_find(ri, n, t0), 0);
    assert_int_equal(cli_rtp_info_find(ri, n, t1), -ENOENT);

    parse(gst_401, &m);
    struct rtsp_auth_challenge ch;
    assert_int_equal(cli_pick_challenge(&m, &ch), 0);
    assert_int_equal(ch.scheme, RTSP_AUTH_SCHEME_DIGEST);
    assert_string_equal(ch.realm, "GStreamer RTSP Server");
    assert_string_equal(ch.nonce, "f6a4969dd354a841");
}

static void test_live555(void **st)
{
    (void)st;
    struct rtsp_msg m;
    parse(live555_options, &m);
    assert_true(cli_public_has(&m, RTSP_METHOD_GET_PARAMETER));
    struct cli_keepalive ka;
    cli_keepalive_plan(true, 65, &ka);
    assert_int_equal(ka.method, RTSP_METHOD_GET_PARAMETER);
    assert_int_equal(ka.interval_ms, 52000);

    parse(live555_describe, &m);
    char base[512], t0[512];
    assert_int_equal(cli_content_base(&m, "rtsp://192.168.1.20:8554/stream", base, sizeof base), 0);
    struct sdp_session sdp;
    assert_int_equal(sdp_parse(m.body, &sdp), 0);
    assert_int_equal(cli_track_url(base, &sdp, &sdp.media[0], t0, sizeof t0), 0);
    assert_string_equal(t0, "rtsp://192.168.1.20:8554/stream/track1");

    parse(live555_setup_udp, &m);
    char sid[CLI_MAX_SESSION_ID + 1];
    uint32_t to = 0;
    assert_int_equal(cli_session_of(&m, sid, sizeof sid, &to), 0);
    assert_string_equal(sid, "6B8B4567");
    assert_int_equal(to, 65);
    struct rtsp_transport t;
    assert_int_equal(cli_transport_of(&m, &t), 0);
    assert_int_equal(t.lower, RTSP_LOWER_UDP);
    assert_true(t.has_server_port);
    assert_int_equal(t.server_port[0], 6970);
    assert_int_equal(t.server_port[1], 6971);

    parse(live555_461, &m);
    assert_int_equal(m.status, 461);
    assert_int_equal(cli_transport_of(&m, &t), -ENOENT);
    assert_int_equal(cli_session_of(&m, sid, sizeof sid, &to), -ENOENT);
}

static void test_hikvision(void **st)
{
    (void)st;
    struct rtsp_msg m;
    parse(hik_401, &m);
    struct rtsp_auth_challenge ch;
    assert_int_equal(cli_pick_challenge(&m, &ch), 0);
    assert_int_equal(ch.scheme, RTSP_AUTH_SCHEME_DIGEST); /* stronger than Basic */
    assert_false(ch.stale);

    parse(hik_describe, &m);
    char base[512], agg[512], t0[512], t1[512];
    const char *req = "rtsp://192.168.1.64:554/Streaming/Channels/101";
    assert_int_equal(cli_content_base(&m, req, base, sizeof base), 0);
    struct sdp_session sdp;
    assert_int_equal(sdp_parse(m.body, &sdp), 0);
    assert_int_equal(sdp.n_media, 2);
    assert_int_equal(cli_aggregate_url(base, &sdp, agg, sizeof agg), 0);
    assert_string_equal(agg, "rtsp://192.168.1.64:554/Streaming/Channels/101/"
                             "?transportmode=unicast");
    assert_int_equal(cli_track_url(base, &sdp, &sdp.media[0], t0, sizeof t0), 0);
    assert_string_equal(t0, "rtsp://192.168.1.64:554/Streaming/Channels/101/"
                            "trackID=1?transportmode=unicast");
    assert_int_equal(cli_track_url(base, &sdp, &sdp.media[1], t1, sizeof t1), 0);
    assert_string_equal(t1, "rtsp://192.168.1.64:554/Streaming/Channels/101/"
                            "trackID=2?transportmode=unicast");

    parse(hik_setup, &m);
    char sid[CLI_MAX_SESSION_ID + 1];
    uint32_t to = 0;
    assert_int_equal(cli_session_of(&m, sid, sizeof sid, &to), 0);
    assert_string_equal(sid, "1273222592");
    assert_int_equal(to, 60);
    cli_keepalive_plan(false, to, &(struct cli_keepalive){0});

    parse(hik_play, &m);
    struct cli_rtp_info ri[4];
    size_t n = 0;
    assert_int_equal(cli_rtp_info_parse(rtsp_msg_header(&m, "RTP-Info"), ri, 4, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(ri[1].seq, 4470);
    assert_int_equal(ri[1].rtptime, 80000);
    assert_int_equal(cli_rtp_info_find(ri, n, t1), 1);
    assert_int_equal(cli_rtp_info_find(ri, n, t0), 0);
}

static void test_ffmpeg_listen(void **st)
{
    (void)st;
    struct rtsp_msg m;
    parse(ffmpeg_options, &m);
    assert_false(cli_public_has(&m, RTSP_METHOD_GET_PARAMETER));
    assert_true(cli_public_has(&m, RTSP_METHOD_RECORD));
    struct cli_keepalive ka;
    cli_keepalive_plan(false, 60, &ka);
    assert_int_equal(ka.method, RTSP_METHOD_OPTIONS);
    assert_int_equal(ka.interval_ms, 48000);

    parse(ffmpeg_setup_record, &m);
    struct rtsp_transport t;
    assert_int_equal(cli_transport_of(&m, &t), 0);
    assert_int_equal(t.lower, RTSP_LOWER_TCP);
    assert_int_equal(t.interleaved[0], 0);
    char sid[CLI_MAX_SESSION_ID + 1];
    uint32_t to;
    assert_int_equal(cli_session_of(&m, sid, sizeof sid, &to), 0);
    assert_string_equal(sid, "130641955");
}

static void test_control_urls(void **st)
{
    (void)st;
    static const struct {
        const char *base, *control, *want;
    } cases[] = {
        {"rtsp://h/live.sdp", "trackID=1", "rtsp://h/live.sdp/trackID=1"},
        {"rtsp://h/live.sdp/", "trackID=1", "rtsp://h/live.sdp/trackID=1"},
        {"rtsp://h:554/a/b", "rtsp://other/x", "rtsp://other/x"},
        {"rtsp://h/a/b", "/abs/track", "rtsp://h/abs/track"},
        {"rtsp://h/a/b", "*", "rtsp://h/a/b"},
        {"rtsp://h/a/b", "", "rtsp://h/a/b"},
        {"rtsp://h/cam?token=abc", "trackID=0", "rtsp://h/cam/trackID=0?token=abc"},
        {"rtsp://h/cam?token=abc", "trackID=0?x=1", "rtsp://h/cam/trackID=0?x=1"},
        {"rtsp://h/", "track1", "rtsp://h/track1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[512];
        assert_int_equal(
            cli_control_url(cases[i].base, sv_from_cstr(cases[i].control), out, sizeof out), 0);
        assert_string_equal(out, cases[i].want);
    }
    char out[16];
    assert_int_equal(
        cli_control_url("rtsp://h/a/very/long/base", SV_LIT("trackID=1"), out, sizeof out),
        -EMSGSIZE);
    char o2[256];
    assert_true(cli_control_url("rtsp://h/a", SV_LIT("track\x01"), o2, sizeof o2) < 0);

    /* no Content-Base: Content-Location, then the request URL */
    struct rtsp_msg m;
    parse("RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Location: cam2/\r\n\r\n", &m);
    assert_int_equal(cli_content_base(&m, "rtsp://h/x/cam", o2, sizeof o2), 0);
    assert_string_equal(o2, "rtsp://h/x/cam2/");
    parse("RTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\n", &m);
    assert_int_equal(cli_content_base(&m, "rtsp://h/x/cam", o2, sizeof o2), 0);
    assert_string_equal(o2, "rtsp://h/x/cam");
}

static void test_redirect(void **st)
{
    (void)st;
    struct rtsp_msg m;
    char out[256];
    parse(redirect_302, &m);
    assert_int_equal(cli_redirect_url(&m, "rtsp://h:8554/cam", out, sizeof out), 0);
    assert_string_equal(out, "rtsp://h:8554/other/stream?x=1");
    parse("RTSP/1.0 301 Moved\r\nCSeq: 2\r\nLocation: rtsp://10.0.0.2/live\r\n\r\n", &m);
    assert_int_equal(cli_redirect_url(&m, "rtsp://h/cam", out, sizeof out), 0);
    assert_string_equal(out, "rtsp://10.0.0.2/live");
    parse("RTSP/1.0 302 Moved\r\nCSeq: 2\r\n\r\n", &m);
    assert_int_equal(cli_redirect_url(&m, "rtsp://h/cam", out, sizeof out), -ENOENT);
}

static void test_odd_answers(void **st)
{
    (void)st;
    struct rtsp_msg m;
    char sid[CLI_MAX_SESSION_ID + 1];
    uint32_t to;
    /* timeout=0 means the default, an empty id is unusable */
    parse("RTSP/1.0 200 OK\r\nCSeq: 1\r\nSession: abc;timeout=0\r\n\r\n", &m);
    assert_int_equal(cli_session_of(&m, sid, sizeof sid, &to), 0);
    assert_int_equal(to, CLI_DEFAULT_SESSION_TIMEOUT_S);
    parse("RTSP/1.0 200 OK\r\nCSeq: 1\r\nSession: ;timeout=5\r\n\r\n", &m);
    assert_true(cli_session_of(&m, sid, sizeof sid, &to) < 0);
    /* no Public at all */
    parse("RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n", &m);
    assert_false(cli_public_has(&m, RTSP_METHOD_GET_PARAMETER));
    /* Public split over two headers, odd spacing and case */
    parse("RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: DESCRIBE,SETUP\r\nPublic:  get_parameter "
          "\r\n\r\n",
          &m);
    assert_true(cli_public_has(&m, RTSP_METHOD_GET_PARAMETER));
    /* a Transport that is not a transport */
    parse("RTSP/1.0 200 OK\r\nCSeq: 1\r\nTransport: ;;;\r\n\r\n", &m);
    struct rtsp_transport t;
    assert_int_equal(cli_transport_of(&m, &t), -EPROTO);
    /* a challenge we cannot answer */
    parse("RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Negotiate\r\n\r\n", &m);
    struct rtsp_auth_challenge ch;
    assert_int_equal(cli_pick_challenge(&m, &ch), -ENOENT);
    /* RTP-Info without url */
    struct cli_rtp_info ri[2];
    size_t n;
    assert_int_equal(cli_rtp_info_parse(SV_LIT("seq=1;rtptime=2"), ri, 2, &n), -EPROTO);
    assert_int_equal(cli_rtp_info_parse(SV_LIT("url=a;seq=x"), ri, 2, &n), -EPROTO);
    /* keepalive bounds */
    struct cli_keepalive ka;
    cli_keepalive_plan(true, 5, &ka);
    assert_int_equal(ka.interval_ms, 2500);
    cli_keepalive_plan(true, 0, &ka);
    assert_int_equal(ka.interval_ms, 48000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url),          cmocka_unit_test(test_requests),
        cmocka_unit_test(test_gst),          cmocka_unit_test(test_live555),
        cmocka_unit_test(test_hikvision),    cmocka_unit_test(test_ffmpeg_listen),
        cmocka_unit_test(test_control_urls), cmocka_unit_test(test_redirect),
        cmocka_unit_test(test_odd_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
