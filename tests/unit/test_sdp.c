/* SDP: the text we serve, and what real cameras and servers describe. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sdp/sdp.h"

static void test_write(void **st)
{
    (void)st;
    struct sdp_out_media m[2] = {
        {.media = "video",
         .pt = 96,
         .rtpmap = "H264/90000",
         .fmtp = "packetization-mode=1;profile-level-id=42C01E;sprop-parameter-sets=Z0LAHtoCgL/"
                 "lwFqDAwNSgAAAAwCAAAAeR4sXUA==,aM48gA==",
         .control = "trackID=0",
         .extra = "a=framerate:25\r\n"},
        {.media = "audio", .pt = 8, .control = "trackID=1"},
    };
    struct sdp_out_session s = {.session_id = 1234567890123ull,
                                .origin_addr = "192.168.1.10",
                                .name = "cam1",
                                .tool = "rtspgate",
                                .range = "npt=now-",
                                .control = "*"};
    struct buf b;
    buf_init(&b, 4096);
    assert_int_equal(sdp_write(&b, &s, m, 2), 0);
    static const char want[] =
        "v=0\r\n"
        "o=- 1234567890123 1234567890123 IN IP4 192.168.1.10\r\n"
        "s=cam1\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "t=0 0\r\n"
        "a=tool:rtspgate\r\n"
        "a=range:npt=now-\r\n"
        "a=control:*\r\n"
        "m=video 0 RTP/AVP 96\r\n"
        "a=rtpmap:96 H264/90000\r\n"
        "a=fmtp:96 packetization-mode=1;profile-level-id=42C01E;sprop-parameter-sets="
        "Z0LAHtoCgL/lwFqDAwNSgAAAAwCAAAAeR4sXUA==,aM48gA==\r\n"
        "a=framerate:25\r\n"
        "a=control:trackID=0\r\n"
        "m=audio 0 RTP/AVP 8\r\n"
        "a=control:trackID=1\r\n";
    assert_int_equal(b.len, sizeof want - 1);
    assert_memory_equal(b.data, want, sizeof want - 1);

    /* what we write parses back */
    struct sdp_session p;
    assert_int_equal(sdp_parse((struct sv){(const char *)b.data, b.len}, &p), 0);
    assert_int_equal(p.n_media, 2);
    assert_true(sv_eq_cstr(p.control, "*"));
    assert_true(sv_eq_cstr(p.media[0].control, "trackID=0"));
    assert_true(sv_eq_cstr(p.media[0].encoding, "H264"));
    assert_int_equal(p.media[1].clock_rate, 8000);

    /* IPv6 origin, no optional lines */
    buf_reset(&b);
    struct sdp_out_session s6 = {.session_id = 7, .origin_addr = "::1", .name = "x"};
    assert_int_equal(sdp_write(&b, &s6, NULL, 0), 0);
    static const char want6[] = "v=0\r\no=- 7 7 IN IP6 ::1\r\ns=x\r\nc=IN IP6 ::\r\nt=0 0\r\n";
    assert_int_equal(b.len, sizeof want6 - 1);
    assert_memory_equal(b.data, want6, sizeof want6 - 1);
    buf_free(&b);

    /* over the buffer cap */
    buf_init(&b, 64);
    assert_int_equal(sdp_write(&b, &s, m, 2), -EMSGSIZE);
    buf_free(&b);
}

struct want_media {
    const char *media, *encoding, *control, *fmtp_start;
    uint8_t pt;
    uint32_t clock_rate;
    unsigned channels;
};

struct camera {
    const char *name;
    const char *sdp;
    const char *session_control; /* NULL: absent */
    const char *range;
    size_t n_media;
    struct want_media m[4];
};

static const struct camera cameras[] = {
    {"Hikvision DS-2CD (absolute controls, MEDIAINFO, IP6 origin)",
     "v=0\r\n"
     "o=- 1600718921878550 1600718921878550 IN IP6 6d69:6e22:3a09:302c:a09:909:909:2240\r\n"
     "s=Media Presentation\r\n"
     "e=NONE\r\n"
     "b=AS:5100\r\n"
     "t=0 0\r\n"
     "a=control:rtsp://10.3.8.202:554/Streaming/Channels/101/\r\n"
     "m=video 0 RTP/AVP 96\r\n"
     "c=IN IP4 0.0.0.0\r\n"
     "b=AS:5000\r\n"
     "a=recvonly\r\n"
     "a=x-dimensions:2560,1440\r\n"
     "a=control:rtsp://10.3.8.202:554/Streaming/Channels/101/trackID=1\r\n"
     "a=rtpmap:96 H264/90000\r\n"
     "a=fmtp:96 profile-level-id=420029; packetization-mode=1; "
     "sprop-parameter-sets=Z00AMpY1QFABa03AQEBQAABwgAAV+QBA,aO48gA==\r\n"
     "m=audio 0 RTP/AVP 8\r\n"
     "c=IN IP4 0.0.0.0\r\n"
     "b=AS:50\r\n"
     "a=recvonly\r\n"
     "a=control:rtsp://10.3.8.202:554/Streaming/Channels/101/trackID=2\r\n"
     "a=rtpmap:8 PCMA/8000\r\n"
     "a=Media_header:MEDIAINFO=494D4B48010200000400000111710110401F000000FA000000000000000000000000"
     "000000000000;\r\n"
     "a=appversion:1.0\r\n",
     "rtsp://10.3.8.202:554/Streaming/Channels/101/",
     NULL,
     2,
     {{"video", "H264", "rtsp://10.3.8.202:554/Streaming/Channels/101/trackID=1",
       "profile-level-id=420029; packetization-mode=1", 96, 90000, 1},
      {"audio", "PCMA", "rtsp://10.3.8.202:554/Streaming/Channels/101/trackID=2", NULL, 8, 8000,
       1}}},
    {"Hikvision NVR (i= lines, no a=control on the session, LF only)",
     "v=0\n"
     "o=- 1109162014219182 0 IN IP4 0.0.0.0\n"
     "s=HIK Media Server V3.4.103\n"
     "i=HIK Media Server Session Description : standard\n"
     "e=NONE\n"
     "c=IN IP4 0.0.0.0\n"
     "t=0 0\n"
     "a=control:*\n"
     "b=AS:1034\n"
     "a=range:npt=now-\n"
     "m=video 0 RTP/AVP 96\n"
     "i=Video Media\n"
     "a=rtpmap:96 H264/90000\n"
     "a=fmtp:96 profile-level-id=4D0014;packetization-mode=0;sprop-parameter-sets="
     "Z2QAIK2EAQwgCGEAQwgCGEAQwgCEO1AoA803AQEBQAAAAwBAAAAMoQ==,aO48sA==\n"
     "a=control:trackID=video\n"
     "b=AS:1024\n"
     "m=audio 0 RTP/AVP 8\n"
     "i=Audio Media\n"
     "a=rtpmap:8 PCMA/8000\n"
     "a=control:trackID=audio\n"
     "b=AS:10\n"
     "a=Media_header:MEDIAINFO=494D4B48020100000400000111710110401F000000FA000000000000000000000000"
     "000000000000;\n"
     "a=appversion:1.0",
     "*",
     "npt=now-",
     2,
     {{"video", "H264", "trackID=video", "profile-level-id=4D0014;packetization-mode=0", 96, 90000,
       1},
      {"audio", "PCMA", "trackID=audio", NULL, 8, 8000, 1}}},
    {"Dahua IPC (AAC at 16 kHz, ONVIF metadata)",
     "v=0\r\n"
     "o=- 2252075541 2252075541 IN IP4 0.0.0.0\r\n"
     "s=Media Server\r\n"
     "c=IN IP4 0.0.0.0\r\n"
     "t=0 0\r\n"
     "a=control:*\r\n"
     "a=packetization-supported:DH\r\n"
     "a=rtppayload-supported:DH\r\n"
     "a=range:npt=now-\r\n"
     "m=video 0 RTP/AVP 96\r\n"
     "a=control:trackID=0\r\n"
     "a=framerate:10.000000\r\n"
     "a=rtpmap:96 H264/90000\r\n"
     "a=fmtp:96 packetization-mode=1;profile-level-id=64001F;sprop-parameter-sets="
     "Z2QAH62EAQwgCGEAQwgCGEAQwgCEK1AoAt03AQEBAgA=,aO48sAA=\r\n"
     "a=recvonly\r\n"
     "m=audio 0 RTP/AVP 97\r\n"
     "a=control:trackID=1\r\n"
     "a=rtpmap:97 MPEG4-GENERIC/16000\r\n"
     "a=fmtp:97 streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;"
     "indexdeltalength=3;config=1408\r\n"
     "a=recvonly\r\n"
     "m=application 0 RTP/AVP 107\r\n"
     "a=control:trackID=4\r\n"
     "a=rtpmap:107 vnd.onvif.metadata/90000\r\n"
     "a=recvonly\r\n",
     "*",
     "npt=now-",
     3,
     {{"video", "H264", "trackID=0", "packetization-mode=1;profile-level-id=64001F", 96, 90000, 1},
      {"audio", "MPEG4-GENERIC", "trackID=1", "streamtype=5;profile-level-id=1;mode=AAC-hbr", 97,
       16000, 1},
      {"application", "vnd.onvif.metadata", "trackID=4", NULL, 107, 90000, 1}}},
    {"Axis (query strings in controls, spaces in fmtp, LF only)",
     "v=0\n"
     "o=- 1216212527554872 1216212527554872 IN IP4 myserver\n"
     "s=Media Presentation\n"
     "e=NONE\n"
     "c=IN IP4 0.0.0.0\n"
     "b=AS:50064\n"
     "t=0 0\n"
     "a=control:rtsp://myserver/axis-media/media.amp?videocodec=h264&resolution=640x480\n"
     "a=range:npt=0.000000-\n"
     "m=video 0 RTP/AVP 96\n"
     "b=AS:50000\n"
     "a=framerate:30.0\n"
     "a=transform:1,0,0;0,1,0;0,0,1\n"
     "a=control:rtsp://myserver/axis-media/media.amp/trackID=1?videocodec=h264&resolution=640x480\n"
     "a=rtpmap:96 H264/90000\n"
     "a=fmtp:96 packetization-mode=1; profile-level-id=420029; "
     "sprop-parameter-sets=Z0IAKeKQFAe2AtwEBAaQeJEV,aM48gA==\n"
     "m=audio 0 RTP/AVP 97\n"
     "b=AS:64\n"
     "a=control:rtsp://myserver/axis-media/media.amp/trackID=2?videocodec=h264&resolution=640x480\n"
     "a=rtpmap:97 mpeg4-generic/16000/1\n"
     "a=fmtp:97 profile-level-id=15; mode=AAC-hbr;config=1408; SizeLength=13; IndexLength=3;"
     "IndexDeltaLength=3; Profile=1; bitrate=64000;\n",
     "rtsp://myserver/axis-media/media.amp?videocodec=h264&resolution=640x480",
     "npt=0.000000-",
     2,
     {{"video", "H264",
       "rtsp://myserver/axis-media/media.amp/trackID=1?videocodec=h264&resolution=640x480",
       "packetization-mode=1; profile-level-id=420029", 96, 90000, 1},
      {"audio", "mpeg4-generic",
       "rtsp://myserver/axis-media/media.amp/trackID=2?videocodec=h264&resolution=640x480",
       "profile-level-id=15", 97, 16000, 1}}},
    {"live555 (Network Video Server: two media with PT 96, static PCMU)",
     "v=0\r\n"
     "o=- 1271140385443510 1 IN IP4 192.168.0.100\r\n"
     "s=RTSP/RTP stream from Network Video Server\r\n"
     "i=mpeg4cif\r\n"
     "t=0 0\r\n"
     "a=tool:LIVE555 Streaming Media v2009.09.28\r\n"
     "a=type:broadcast\r\n"
     "a=control:*\r\n"
     "a=range:npt=0-\r\n"
     "a=x-qt-text-nam:RTSP/RTP stream from Network Video Server\r\n"
     "a=x-qt-text-inf:mpeg4cif\r\n"
     "m=video 0 RTP/AVP 96\r\n"
     "c=IN IP4 0.0.0.0\r\n"
     "b=AS:300\r\n"
     "a=rtpmap:96 H264/90000\r\n"
     "a=fmtp:96 profile-level-id=420029; packetization-mode=1; "
     "sprop-parameter-sets=Z00AHpWoKA9k,aO48gA==\r\n"
     "a=x-dimensions: 720, 480\r\n"
     "a=x-framerate: 15\r\n"
     "a=control:track1\r\n"
     "m=audio 0 RTP/AVP 96\r\n"
     "c=IN IP4 0.0.0.0\r\n"
     "b=AS:256\r\n"
     "a=rtpmap:96 MPEG4-GENERIC/16000/2\r\n"
     "a=fmtp:96 streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;"
     "indexdeltalength=3;config=1408\r\n"
     "a=control:track2\r\n"
     "m=audio 0 RTP/AVP 0\r\n"
     "c=IN IP4 0.0.0.0\r\n"
     "b=AS:50\r\n"
     "a=recvonly\r\n"
     "a=control:rtsp://109.195.127.207:554/mpeg4cif/trackID=2\r\n",
     "*",
     "npt=0-",
     3,
     {{"video", "H264", "track1", "profile-level-id=420029", 96, 90000, 1},
      {"audio", "MPEG4-GENERIC", "track2", "streamtype=5", 96, 16000, 2},
      {"audio", "", "rtsp://109.195.127.207:554/mpeg4cif/trackID=2", NULL, 0, 8000, 1}}},
    {"gst-rtsp-server 1.20 (rtspgate's own test camera)",
     "v=0\r\n"
     "o=- 1188340656180883 1 IN IP4 127.0.0.1\r\n"
     "s=Session streamed with GStreamer\r\n"
     "i=rtsp-server\r\n"
     "t=0 0\r\n"
     "a=tool:GStreamer\r\n"
     "a=type:broadcast\r\n"
     "a=range:npt=now-\r\n"
     "a=control:rtsp://127.0.0.1:8554/test\r\n"
     "m=video 0 RTP/AVP 96\r\n"
     "c=IN IP4 0.0.0.0\r\n"
     "b=AS:2097\r\n"
     "a=rtpmap:96 H264/90000\r\n"
     "a=framerate:30\r\n"
     "a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0LAHtoCgL/lwFqDAwNSgAAAAwCAAAAeR4sXUA==,"
     "aM48gA==;profile-level-id=42c01e;level-asymmetry-allowed=1\r\n"
     "a=control:stream=0\r\n"
     "a=ts-refclk:local\r\n"
     "a=mediaclk:sender\r\n"
     "m=audio 0 RTP/AVP 97\r\n"
     "c=IN IP4 0.0.0.0\r\n"
     "b=AS:128\r\n"
     "a=rtpmap:97 MPEG4-GENERIC/48000/2\r\n"
     "a=fmtp:97 streamtype=5;profile-level-id=2;mode=AAC-hbr;config=1190;sizelength=13;"
     "indexlength=3;indexdeltalength=3\r\n"
     "a=control:stream=1\r\n"
     "a=ts-refclk:local\r\n"
     "a=mediaclk:sender\r\n",
     "rtsp://127.0.0.1:8554/test",
     "npt=now-",
     2,
     {{"video", "H264", "stream=0", "packetization-mode=1;sprop-parameter-sets=", 96, 90000, 1},
      {"audio", "MPEG4-GENERIC", "stream=1", "streamtype=5;profile-level-id=2", 97, 48000, 2}}},
    {"ffmpeg (ANNOUNCE from -f rtsp, streamid controls, b= lines)",
     "v=0\r\n"
     "o=- 0 0 IN IP4 127.0.0.1\r\n"
     "s=No Name\r\n"
     "c=IN IP4 127.0.0.1\r\n"
     "t=0 0\r\n"
     "a=tool:libavformat 58.76.100\r\n"
     "m=video 0 RTP/AVP 96\r\n"
     "b=AS:1766\r\n"
     "a=rtpmap:96 H264/90000\r\n"
     "a=fmtp:96 packetization-mode=1; "
     "sprop-parameter-sets=Z2QAKKwbGoB4AiflwFuAgICgAAADACAAAAMDwQ==,"
     "aO44gA==; profile-level-id=640028\r\n"
     "a=control:streamid=0\r\n"
     "m=audio 0 RTP/AVP 97\r\n"
     "b=AS:128\r\n"
     "a=rtpmap:97 MPEG4-GENERIC/44100/2\r\n"
     "a=fmtp:97 profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3; "
     "config=121056E500\r\n"
     "a=control:streamid=1\r\n",
     NULL,
     NULL,
     2,
     {{"video", "H264", "streamid=0", "packetization-mode=1; sprop", 96, 90000, 1},
      {"audio", "MPEG4-GENERIC", "streamid=1", "profile-level-id=1", 97, 44100, 2}}},
};

static void check_sv(struct sv got, const char *want, const char *cam, const char *what)
{
    if (!want) {
        if (got.p)
            fail_msg("%s: %s: '%.*s', want none", cam, what, SV_ARG(got));
        return;
    }
    if (!got.p || !sv_eq_cstr(got, want))
        fail_msg("%s: %s: '%.*s', want '%s'", cam, what, SV_ARG(got), want);
}

static void test_cameras(void **st)
{
    (void)st;
    for (size_t c = 0; c < sizeof cameras / sizeof cameras[0]; c++) {
        const struct camera *k = &cameras[c];
        struct sdp_session s;
        struct sv text = sv_from_cstr(k->sdp);
        int r = sdp_parse(text, &s);
        if (r)
            fail_msg("%s: %d", k->name, r);
        check_sv(s.control, k->session_control, k->name, "session control");
        check_sv(s.range, k->range, k->name, "range");
        if (s.n_media != k->n_media)
            fail_msg("%s: %zu media", k->name, s.n_media);
        for (size_t i = 0; i < s.n_media; i++) {
            const struct sdp_media *m = &s.media[i];
            const struct want_media *w = &k->m[i];
            check_sv(m->media, w->media, k->name, "media");
            check_sv(m->encoding.p ? m->encoding : SV_LIT(""), w->encoding, k->name, "encoding");
            check_sv(m->control, w->control, k->name, "control");
            assert_int_equal(m->pt, w->pt);
            assert_int_equal(m->port, 0);
            assert_true(sv_eq_cstr(m->proto, "RTP/AVP"));
            if (m->clock_rate != w->clock_rate || m->channels != w->channels)
                fail_msg("%s: media %zu: rate %u channels %u", k->name, i, m->clock_rate,
                         m->channels);
            if (w->fmtp_start) {
                if (!sv_starts_with(m->fmtp, w->fmtp_start))
                    fail_msg("%s: fmtp '%.*s'", k->name, SV_ARG(m->fmtp));
            } else {
                assert_int_equal(m->fmtp.n, 0);
            }
            /* the media text starts at its m= line and holds no other */
            assert_true(sv_starts_with(m->text, "m="));
            struct sv rest = sv_sub(m->text, 2, m->text.n);
            for (size_t j = 0; j + 1 < rest.n; j++)
                assert_false(rest.p[j] == '\n' && rest.p[j + 1] == 'm');
            assert_true(m->text.p + m->text.n <= text.p + text.n);
        }
        /* the parser never reads past the length it is given: every prefix parses or fails */
        size_t n = strlen(k->sdp);
        for (size_t cut = 0; cut < n; cut++) {
            char *p = malloc(cut ? cut : 1);
            assert_non_null(p);
            memcpy(p, k->sdp, cut);
            struct sdp_session s2;
            r = sdp_parse((struct sv){p, cut}, &s2);
            assert_true(r == 0 || r == -EPROTO);
            free(p);
        }
    }
}

static void test_parse_edges(void **st)
{
    (void)st;
    struct sdp_session s;
    /* no v=0, a different version, junk before it */
    assert_int_equal(sdp_parse(SV_LIT(""), &s), -EPROTO);
    assert_int_equal(sdp_parse(SV_LIT("o=- 0 0 IN IP4 1.2.3.4\r\nv=0\r\n"), &s), -EPROTO);
    assert_int_equal(sdp_parse(SV_LIT("v=1\r\n"), &s), -EPROTO);
    assert_int_equal(sdp_parse(SV_LIT("\r\n\r\nv=0\r\n"), &s), 0);
    /* bad m= lines */
    assert_int_equal(sdp_parse(SV_LIT("v=0\r\nm=video\r\n"), &s), -EPROTO);
    assert_int_equal(sdp_parse(SV_LIT("v=0\r\nm=video 0 RTP/AVP\r\n"), &s), -EPROTO);
    assert_int_equal(sdp_parse(SV_LIT("v=0\r\nm=video x RTP/AVP 96\r\n"), &s), -EPROTO);
    assert_int_equal(sdp_parse(SV_LIT("v=0\r\nm=video 0 RTP/AVP 128\r\n"), &s), -EPROTO);
    assert_int_equal(sdp_parse(SV_LIT("v=0\r\nm=video 70000 RTP/AVP 96\r\n"), &s), -EPROTO);
    /* tolerated: doubled spaces, port/count, several formats, unknown lines and attributes,
     * rtpmap for another PT of the media, attributes in odd case */
    assert_int_equal(sdp_parse(SV_LIT("v=0\r\n"
                                      "x-junk\r\n"
                                      "z=what\r\n"
                                      "m=video  5004/2  RTP/AVP  97 96\r\n"
                                      "a=rtpmap:96 H264/90000\r\n"
                                      "a=RTPMAP:97 H265/90000\r\n"
                                      "a=fmtp:96 a=1\r\n"
                                      "a=CONTROL:t0\r\n"),
                               &s),
                     0);
    assert_int_equal(s.n_media, 1);
    assert_int_equal(s.media[0].port, 5004);
    assert_int_equal(s.media[0].pt, 97);
    assert_true(sv_eq_cstr(s.media[0].encoding, "H265"));
    assert_int_equal(s.media[0].fmtp.n, 0);
    assert_true(sv_eq_cstr(s.media[0].control, "t0"));
    /* static payload types without rtpmap */
    static const struct {
        uint8_t pt;
        uint32_t rate;
    } stat[] = {{0, 8000}, {8, 8000}, {14, 90000}, {26, 90000}, {32, 90000}, {33, 90000}};
    for (size_t i = 0; i < sizeof stat / sizeof stat[0]; i++) {
        char text[64];
        str_fmt(text, sizeof text, "v=0\nm=video 0 RTP/AVP %u\n", stat[i].pt);
        assert_int_equal(sdp_parse(sv_from_cstr(text), &s), 0);
        assert_int_equal(s.media[0].pt, stat[i].pt);
        assert_int_equal(s.media[0].clock_rate, stat[i].rate);
        assert_int_equal(s.media[0].channels, 1);
    }
    /* more media than RTSP_MAX_TRACKS: the rest is ignored, attributes included */
    struct buf b;
    buf_init(&b, 4096);
    assert_int_equal(buf_append_str(&b, "v=0\r\n"), 0);
    for (int i = 0; i < RTSP_MAX_TRACKS + 3; i++)
        assert_int_equal(buf_printf(&b, "m=audio 0 RTP/AVP 0\r\na=control:t%d\r\n", i), 0);
    assert_int_equal(sdp_parse((struct sv){(const char *)b.data, b.len}, &s), 0);
    assert_int_equal(s.n_media, RTSP_MAX_TRACKS);
    char last[8];
    str_fmt(last, sizeof last, "t%d", RTSP_MAX_TRACKS - 1);
    assert_true(sv_eq_cstr(s.media[RTSP_MAX_TRACKS - 1].control, last));
    assert_false(s.control.p);
    buf_free(&b);
}

static void test_fmtp_param(void **st)
{
    (void)st;
    static const struct {
        const char *fmtp, *name, *want; /* want NULL: absent */
    } t[] = {
        {"packetization-mode=1;profile-level-id=42C01E", "profile-level-id", "42C01E"},
        {"packetization-mode=1; profile-level-id=420029; "
         "sprop-parameter-sets=Z00AHpWoKA9k,aO48gA==",
         "sprop-parameter-sets", "Z00AHpWoKA9k,aO48gA=="},
        {"profile-level-id=15; mode=AAC-hbr;config=1408; SizeLength=13; IndexLength=3",
         "sizelength", "13"},
        {"profile-level-id=15; mode=AAC-hbr;config=1408; SizeLength=13;", "config", "1408"},
        {"a=1;b=2", "c", NULL},
        {"a=1;;b=2;", "b", "2"},
        {"ab=1;b=2", "b", "2"},
        {"a;b=2", "a", NULL},
        {"a= 1 ;b", "a", "1"},
        {"x=", "x", ""},
        {"", "x", NULL},
        {"sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwB4mZgJ", "sprop-vps",
         "QAEMAf//AWAAAAMAkAAAAwAAAwB4mZgJ"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct sv v = sdp_fmtp_param(sv_from_cstr(t[i].fmtp), t[i].name);
        if (!t[i].want) {
            if (v.p)
                fail_msg("%s in '%s': '%.*s'", t[i].name, t[i].fmtp, SV_ARG(v));
        } else if (!v.p || !sv_eq_cstr(v, t[i].want)) {
            fail_msg("%s in '%s': '%.*s', want '%s'", t[i].name, t[i].fmtp, SV_ARG(v), t[i].want);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write),
        cmocka_unit_test(test_cameras),
        cmocka_unit_test(test_parse_edges),
        cmocka_unit_test(test_fmtp_param),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
