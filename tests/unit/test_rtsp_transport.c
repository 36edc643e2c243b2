/* Transport header: what ffmpeg, GStreamer and VLC send, what cameras and
 * servers answer, sloppy spellings, malformed values, and the canonical form
 * we write (which must parse back to the same values). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rtsp/transport.h"

/* Each case: the header value, and what rtsp_transport_format() writes for
 * every alternative, joined with " , ". That covers every field format
 * writes; a few fields format does not write are checked by hand below. */
static const struct {
    const char *name, *in, *canon;
} good[] = {
    {"ffmpeg 5.1 UDP", "RTP/AVP/UDP;unicast;client_port=5000-5001",
     "RTP/AVP;unicast;client_port=5000-5001"},
    {"ffmpeg 5.1 TCP", "RTP/AVP/TCP;unicast;interleaved=0-1",
     "RTP/AVP/TCP;unicast;interleaved=0-1"},
    {"ffmpeg 5.1 TCP 2nd track", "RTP/AVP/TCP;unicast;interleaved=2-3",
     "RTP/AVP/TCP;unicast;interleaved=2-3"},
    {"ffmpeg 5.1 publish", "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record",
     "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record"},
    {"ffmpeg 5.1 publish UDP", "RTP/AVP/UDP;unicast;client_port=20000-20001;mode=record",
     "RTP/AVP;unicast;client_port=20000-20001;mode=record"},
    {"GStreamer 1.22 single", "RTP/AVP;unicast;client_port=40470-40471;",
     "RTP/AVP;unicast;client_port=40470-40471"},
    {"GStreamer 1.22 alternatives",
     "RTP/AVP;unicast;client_port=40470-40471;mode=\"PLAY\",RTP/AVP/TCP;unicast;"
     "interleaved=0-1;mode=\"PLAY\"",
     "RTP/AVP;unicast;client_port=40470-40471 , RTP/AVP/TCP;unicast;interleaved=0-1"},
    {"rtspsrc udp+mcast+tcp",
     "RTP/AVP/UDP;unicast;client_port=5000-5001,RTP/AVP/UDP;multicast,RTP/AVP/TCP",
     "RTP/AVP;unicast;client_port=5000-5001 , RTP/AVP;multicast , RTP/AVP/TCP;unicast"},
    {"GStreamer RECORD", "RTP/AVP;unicast;client_port=5002-5003;mode=record",
     "RTP/AVP;unicast;client_port=5002-5003;mode=record"},
    {"VLC/live555 UDP", "RTP/AVP;unicast;client_port=53000-53001",
     "RTP/AVP;unicast;client_port=53000-53001"},
    {"VLC/live555 TCP", "RTP/AVP/TCP;unicast;interleaved=0-1",
     "RTP/AVP/TCP;unicast;interleaved=0-1"},
    /* answers */
    {"gst-rtsp-server TCP", "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=88146922;mode=\"PLAY\"",
     "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=88146922"},
    {"gst-rtsp-server UDP",
     "RTP/AVP;unicast;client_port=5000-5001;server_port=50962-50963;ssrc=23E72323;mode=\"PLAY\"",
     "RTP/AVP;unicast;client_port=5000-5001;server_port=50962-50963;ssrc=23E72323"},
    {"Hikvision", "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=1e2f3a4b;mode=\"play\"",
     "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=1E2F3A4B"},
    {"Dahua UDP", "RTP/AVP/UDP;unicast;client_port=5000-5001;server_port=20044-20045;ssrc=5B2C8A1F",
     "RTP/AVP;unicast;client_port=5000-5001;server_port=20044-20045;ssrc=5B2C8A1F"},
    {"live555 UDP",
     "RTP/AVP;unicast;destination=192.168.1.20;source=192.168.1.64;client_port=53000-53001;"
     "server_port=6970-6971",
     "RTP/AVP;unicast;destination=192.168.1.20;source=192.168.1.64;client_port=53000-53001;"
     "server_port=6970-6971"},
    {"camera with other interleaved channels", "RTP/AVP/TCP;unicast;interleaved=4-5",
     "RTP/AVP/TCP;unicast;interleaved=4-5"},
    {"mediamtx receive", "RTP/AVP/TCP;unicast;mode=receive;interleaved=0-1",
     "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record"},
    /* sloppy */
    {"no interleaved", "RTP/AVP/TCP;unicast", "RTP/AVP/TCP;unicast"},
    {"no client_port", "RTP/AVP;unicast", "RTP/AVP;unicast"},
    {"bare profile", "RTP/AVP", "RTP/AVP;unicast"},
    {"spaces around ; and =", " RTP/AVP/TCP ; unicast ; interleaved = 0 - 1 ; mode = record ",
     "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record"},
    {"unicast last", "RTP/AVP;client_port=5000-5001;unicast",
     "RTP/AVP;unicast;client_port=5000-5001"},
    {"multicast after the ports",
     "RTP/AVP;port=5000-5001;multicast;ttl=16;destination=\"239.1.1.1\"",
     "RTP/AVP;multicast;destination=239.1.1.1;port=5000-5001;ttl=16"},
    {"lower case", "rtp/avp/tcp;UNICAST;Interleaved=0-1;MODE=RECORD",
     "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record"},
    {"single port", "RTP/AVP;unicast;client_port=5000", "RTP/AVP;unicast;client_port=5000-5001"},
    {"quoted modes, upper case RECORD",
     "RTP/AVP;unicast;mode=\"PLAY\";client_port=1-2,RTP/AVP/TCP;mode=\"RECORD\"",
     "RTP/AVP;unicast;client_port=1-2 , RTP/AVP/TCP;unicast;mode=record"},
    {"unknown parameters ignored", "RTP/AVP;unicast;client_port=5000-5001;x-dynamic-rate=1;append",
     "RTP/AVP;unicast;client_port=5000-5001"},
    {"AVPF", "RTP/AVPF/TCP;unicast;interleaved=0-1", "RTP/AVPF/TCP;unicast;interleaved=0-1"},
    {"a profile we do not serve", "RTP/SAVP;unicast;client_port=1-2",
     "RTP/SAVP;unicast;client_port=1-2"},
    {"RealNetworks", "x-real-rdt/tcp;unicast", "x-real-rdt/tcp;unicast"},
    {"RTP/AVP/SCTP", "RTP/AVP/SCTP;unicast", "RTP/AVP/SCTP;unicast"},
    {"empty alternatives skipped", ",RTP/AVP/TCP;unicast,,", "RTP/AVP/TCP;unicast"},
    {"last single port", "RTP/AVP;client_port=65535", "RTP/AVP;unicast;client_port=65535-65535"},
    {"short ssrc", "RTP/AVP/TCP;interleaved=0-1;ssrc=7",
     "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=00000007"},
};

static void format_all(const struct rtsp_transport *t, size_t n, struct buf *b)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            assert_int_equal(buf_append_str(b, " , "), 0);
        assert_int_equal(rtsp_transport_format(&t[i], b), 0);
    }
}

static bool same(const struct rtsp_transport *a, const struct rtsp_transport *b)
{
    return a->profile == b->profile && a->lower == b->lower && a->multicast == b->multicast &&
           a->mode == b->mode && a->has_interleaved == b->has_interleaved &&
           (!a->has_interleaved || !memcmp(a->interleaved, b->interleaved, 2)) &&
           a->has_client_port == b->has_client_port &&
           (!a->has_client_port || !memcmp(a->client_port, b->client_port, 4)) &&
           a->has_server_port == b->has_server_port &&
           (!a->has_server_port || !memcmp(a->server_port, b->server_port, 4)) &&
           a->has_port == b->has_port && (!a->has_port || !memcmp(a->port, b->port, 4)) &&
           a->has_ttl == b->has_ttl && a->ttl == b->ttl && a->has_ssrc == b->has_ssrc &&
           a->ssrc == b->ssrc && !a->destination.p == !b->destination.p &&
           sv_eq(a->destination, b->destination) && !a->source.p == !b->source.p &&
           sv_eq(a->source, b->source) &&
           (a->profile != RTSP_PROFILE_OTHER || sv_ieq(a->profile_text, b->profile_text));
}

static void test_table(void **st)
{
    (void)st;
    for (size_t k = 0; k < sizeof good / sizeof good[0]; k++) {
        struct rtsp_transport t[RTSP_MAX_TRANSPORT_ALTERNATIVES];
        size_t n = 99;
        int r =
            rtsp_transport_parse(sv_from_cstr(good[k].in), t, RTSP_MAX_TRANSPORT_ALTERNATIVES, &n);
        if (r)
            fail_msg("%s: %d", good[k].name, r);
        struct buf b;
        buf_init(&b, 4096);
        format_all(t, n, &b);
        if (b.len != strlen(good[k].canon) || memcmp(b.data, good[k].canon, b.len))
            fail_msg("%s: wrote '%.*s'", good[k].name, (int)b.len, (const char *)b.data);
        /* the canonical form parses back to the same values */
        struct rtsp_transport back[RTSP_MAX_TRANSPORT_ALTERNATIVES];
        size_t m = 0;
        assert_int_equal(rtsp_transport_parse((struct sv){(const char *)b.data, b.len}, back,
                                              RTSP_MAX_TRANSPORT_ALTERNATIVES, &m),
                         0);
        assert_int_equal(m, n);
        for (size_t i = 0; i < n; i++)
            if (!same(&t[i], &back[i]))
                fail_msg("%s: alternative %zu does not round-trip", good[k].name, i);
        buf_free(&b);
    }
}

static void test_fields(void **st)
{
    (void)st;
    struct rtsp_transport t[4];
    size_t n;
    assert_int_equal(
        rtsp_transport_parse(SV_LIT("RTP/AVP/UDP;unicast;client_port=14186-14187"), t, 4, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(t[0].profile, RTSP_PROFILE_RTP_AVP);
    assert_int_equal(t[0].lower, RTSP_LOWER_UDP);
    assert_true(sv_eq_cstr(t[0].profile_text, "RTP/AVP/UDP"));
    assert_false(t[0].multicast);
    assert_true(t[0].has_client_port);
    assert_int_equal(t[0].client_port[0], 14186);
    assert_int_equal(t[0].client_port[1], 14187);
    assert_false(t[0].has_interleaved || t[0].has_server_port || t[0].has_ssrc || t[0].has_port);
    assert_null(t[0].destination.p);
    assert_null(t[0].source.p);
    assert_int_equal(
        rtsp_transport_parse(
            SV_LIT("RTP/AVP/TCP;unicast;interleaved=2-3;ssrc=DEADBEEF;mode=\"PLAY\""), t, 4, &n),
        0);
    assert_int_equal(t[0].lower, RTSP_LOWER_TCP);
    assert_true(t[0].has_interleaved);
    assert_int_equal(t[0].interleaved[0], 2);
    assert_int_equal(t[0].interleaved[1], 3);
    assert_int_equal(t[0].ssrc, 0xDEADBEEF);
    assert_int_equal(t[0].mode, RTSP_TMODE_PLAY);
    /* quoted values keep nothing of their quotes */
    assert_int_equal(
        rtsp_transport_parse(SV_LIT("RTP/AVP;multicast;destination=\"232.0.1.2\";ttl=\"127\""), t,
                             4, &n),
        0);
    assert_true(sv_eq_cstr(t[0].destination, "232.0.1.2"));
    assert_int_equal(t[0].ttl, 127);
    /* single interleaved channel means channel, channel + 1 */
    assert_int_equal(rtsp_transport_parse(SV_LIT("RTP/AVP/TCP;interleaved=6"), t, 4, &n), 0);
    assert_int_equal(t[0].interleaved[0], 6);
    assert_int_equal(t[0].interleaved[1], 7);
    assert_int_equal(rtsp_transport_parse(SV_LIT("RTP/AVP/TCP;interleaved=255"), t, 4, &n), 0);
    assert_int_equal(t[0].interleaved[1], 255);
    /* views point into the input */
    static const char in[] = "RTP/SAVP/TCP;source=10.0.0.1";
    assert_int_equal(rtsp_transport_parse(SV_LIT(in), t, 4, &n), 0);
    assert_ptr_equal(t[0].profile_text.p, in);
    assert_int_equal(t[0].lower, RTSP_LOWER_TCP);
    assert_int_equal(t[0].profile, RTSP_PROFILE_OTHER);
    assert_ptr_equal(t[0].source.p, in + 20);
}

static void test_bad(void **st)
{
    (void)st;
    static const char *bad[] = {
        "",
        "   ",
        ",,",
        ";;;",
        ";unicast",
        "RTP/AVP;client_port=x",
        "RTP/AVP;client_port=",
        "RTP/AVP;client_port=5000-",
        "RTP/AVP;client_port=-5001",
        "RTP/AVP;client_port=70000-70001",
        "RTP/AVP;client_port=5001-5000",
        "RTP/AVP;server_port=1-2-3",
        "RTP/AVP;port=65536",
        "RTP/AVP/TCP;interleaved=300-301",
        "RTP/AVP/TCP;interleaved=1-0",
        "RTP/AVP/TCP;interleaved=a-b",
        "RTP/AVP;ttl=999",
        "RTP/AVP;ttl=",
        "RTP/AVP;ssrc=123456789",
        "RTP/AVP;ssrc=xyz",
        "RTP/AVP;ssrc=",
        "RTP/AVP;mode=dance",
        "RTP/AVP;mode=\"PLAY",
        "RTP/AVP;destination=\"a;b\"",
        "RTP/AVP;destination=a b",
        "RTP/AVP;source=\"x\"y\"",
        "RTP/AVP;unicast,RTP/AVP;client_port=x",
        "RTP\"/AVP",
        "RTP/AVP;client_port=+5000",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct rtsp_transport t[4];
        size_t n;
        int r = rtsp_transport_parse(sv_from_cstr(bad[i]), t, 4, &n);
        if (r != -EPROTO)
            fail_msg("'%s': %d", bad[i], r);
    }
}

static void test_too_many(void **st)
{
    (void)st;
    struct rtsp_transport t[2];
    size_t n;
    assert_int_equal(
        rtsp_transport_parse(SV_LIT("RTP/AVP;client_port=1-2,RTP/AVP/TCP,RTP/AVP/TCP"), t, 2, &n),
        -EMSGSIZE);
    assert_int_equal(n, 2);
    assert_int_equal(t[1].lower, RTSP_LOWER_TCP);
    assert_int_equal(rtsp_transport_parse(SV_LIT("RTP/AVP,RTP/AVP/TCP"), t, 2, &n), 0);
    assert_int_equal(n, 2);
}

static void test_format(void **st)
{
    (void)st;
    struct buf b;
    buf_init(&b, 1024);
    struct rtsp_transport t = {.profile = RTSP_PROFILE_RTP_AVP, .lower = RTSP_LOWER_UDP};
    t.has_client_port = t.has_server_port = t.has_ssrc = true;
    t.client_port[0] = 5000;
    t.client_port[1] = 5001;
    t.server_port[0] = 6000;
    t.server_port[1] = 6001;
    t.ssrc = 0xDEADBEEF;
    assert_int_equal(rtsp_transport_format(&t, &b), 0);
    static const char want[] =
        "RTP/AVP;unicast;client_port=5000-5001;server_port=6000-6001;ssrc=DEADBEEF";
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.data, want, b.len);
    /* appends */
    assert_int_equal(rtsp_transport_format(&t, &b), 0);
    assert_int_equal(b.len, 2 * strlen(want));
    buf_reset(&b);
    struct rtsp_transport tcp = {.profile = RTSP_PROFILE_RTP_AVP,
                                 .lower = RTSP_LOWER_TCP,
                                 .mode = RTSP_TMODE_RECORD,
                                 .has_interleaved = true,
                                 .interleaved = {4, 5}};
    assert_int_equal(rtsp_transport_format(&tcp, &b), 0);
    assert_int_equal(b.len, strlen("RTP/AVP/TCP;unicast;interleaved=4-5;mode=record"));
    assert_memory_equal(b.data, "RTP/AVP/TCP;unicast;interleaved=4-5;mode=record", b.len);
    /* what could not be parsed back is refused */
    buf_reset(&b);
    struct rtsp_transport other = {.profile = RTSP_PROFILE_OTHER};
    assert_int_equal(rtsp_transport_format(&other, &b), -EINVAL);
    other.profile_text = SV_LIT("RTP/AVP;x");
    assert_int_equal(rtsp_transport_format(&other, &b), -EINVAL);
    struct rtsp_transport dst = {.profile = RTSP_PROFILE_RTP_AVP, .destination = SV_LIT("a,b")};
    assert_int_equal(rtsp_transport_format(&dst, &b), -EINVAL);
    dst.destination = SV_NULL;
    dst.source = SV_LIT("x y");
    assert_int_equal(rtsp_transport_format(&dst, &b), -EINVAL);
    assert_int_equal(b.len, 0);
    buf_free(&b);
    /* the buffer's cap */
    struct buf small;
    buf_init(&small, 10);
    assert_int_equal(rtsp_transport_format(&t, &small), -EMSGSIZE);
    buf_free(&small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),    cmocka_unit_test(test_fields), cmocka_unit_test(test_bad),
        cmocka_unit_test(test_too_many), cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
