/* URLs: parsing with credentials and IPv6 literals, percent-decoding, and
 * control URL resolution (RFC 3986 §5.4 examples and real cameras). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/limits.h"
#include "rtsp/url.h"

#define NONE ((const char *)1) /* the view must be absent (.p == NULL) */

static void sv_is(struct sv v, const char *want, const char *what, const char *url)
{
    if (want == NONE) {
        if (v.p)
            fail_msg("%s: %s should be absent, is '%.*s'", url, what, SV_ARG(v));
        return;
    }
    if (!v.p || !sv_eq_cstr(v, want))
        fail_msg("%s: %s is '%.*s'%s, want '%s'", url, what, SV_ARG(v), v.p ? "" : " (absent)",
                 want);
}

static void test_parse(void **st)
{
    (void)st;
    static const struct {
        const char *url, *scheme, *user, *pass, *host;
        int port; /* -1: none */
        const char *path, *query;
    } cases[] = {
        {"rtsp://admin:se%40cret@192.168.1.64:554/Streaming/Channels/101?transportmode=unicast",
         "rtsp", "admin", "se%40cret", "192.168.1.64", 554, "/Streaming/Channels/101",
         "transportmode=unicast"},
        {"rtsp://127.0.0.1:8554/test", "rtsp", NONE, NONE, "127.0.0.1", 8554, "/test", NONE},
        {"rtsp://cam.local", "rtsp", NONE, NONE, "cam.local", -1, "", NONE},
        {"rtsp://cam.local/", "rtsp", NONE, NONE, "cam.local", -1, "/", NONE},
        {"rtsps://[2001:db8::1]:8322/cam", "rtsps", NONE, NONE, "2001:db8::1", 8322, "/cam", NONE},
        {"rtsp://[::1]/x", "rtsp", NONE, NONE, "::1", -1, "/x", NONE},
        {"rtsp://[fe80::1%25eth0]:554/live", "rtsp", NONE, NONE, "fe80::1%25eth0", 554, "/live",
         NONE},
        {"rtsp://[::ffff:192.0.2.1]/a", "rtsp", NONE, NONE, "::ffff:192.0.2.1", -1, "/a", NONE},
        {"rtsp://u:p:w@h/x", "rtsp", "u", "p:w", "h", -1, "/x", NONE},
        {"rtsp://user@h/x", "rtsp", "user", NONE, "h", -1, "/x", NONE},
        {"rtsp://:pw@h/x", "rtsp", "", "pw", "h", -1, "/x", NONE},
        {"rtsp://user:@h/x", "rtsp", "user", "", "h", -1, "/x", NONE},
        {"rtsp://a@b:p@ss@h:554/x", "rtsp", "a@b", "p@ss", "h", 554, "/x", NONE},
        {"rtsp://admin:12345@[2001:db8::5]:10554/Streaming/Channels/102", "rtsp", "admin", "12345",
         "2001:db8::5", 10554, "/Streaming/Channels/102", NONE},
        {"RTSP://H/X", "RTSP", NONE, NONE, "H", -1, "/X", NONE},
        {"rtsph://h?x", "rtsph", NONE, NONE, "h", -1, "", "x"},
        {"rtsp://h/a?", "rtsp", NONE, NONE, "h", -1, "/a", ""},
        {"rtsp://h/a#frag", "rtsp", NONE, NONE, "h", -1, "/a", NONE},
        {"rtsp://h/a?q=1#frag", "rtsp", NONE, NONE, "h", -1, "/a", "q=1"},
        {"rtsp://h:65535/axis-media/media.amp?videocodec=h264&resolution=640x480", "rtsp", NONE,
         NONE, "h", 65535, "/axis-media/media.amp", "videocodec=h264&resolution=640x480"},
        {"rtsp://192.168.1.108:554/cam/realmonitor?channel=1&subtype=0", "rtsp", NONE, NONE,
         "192.168.1.108", 554, "/cam/realmonitor", "channel=1&subtype=0"},
        {"rtsp://h/live.sdp/trackID=1", "rtsp", NONE, NONE, "h", -1, "/live.sdp/trackID=1", NONE},
        {"http://h:8080/tunnel", "http", NONE, NONE, "h", 8080, "/tunnel", NONE},
        {"rtsp://xn--bcher-kva.example/a", "rtsp", NONE, NONE, "xn--bcher-kva.example", -1, "/a",
         NONE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rtsp_url u;
        int r = rtsp_url_parse(sv_from_cstr(cases[i].url), &u);
        if (r)
            fail_msg("%s: %d", cases[i].url, r);
        sv_is(u.scheme, cases[i].scheme, "scheme", cases[i].url);
        sv_is(u.user, cases[i].user, "user", cases[i].url);
        sv_is(u.password, cases[i].pass, "password", cases[i].url);
        sv_is(u.host, cases[i].host, "host", cases[i].url);
        assert_int_equal(u.has_port, cases[i].port >= 0);
        if (cases[i].port >= 0)
            assert_int_equal(u.port, cases[i].port);
        if (cases[i].path[0] || u.path.n)
            sv_is(u.path, cases[i].path, "path", cases[i].url);
        sv_is(u.query, cases[i].query, "query", cases[i].url);
    }
}

static void test_parse_bad(void **st)
{
    (void)st;
    static const char *bad[] = {
        "",
        "rtsp:/h/x",
        "rtsp:h/x",
        "rtsp://",
        "rtsp:///x",
        "rtsp://h:port/x",
        "rtsp://h:99999/",
        "rtsp://h:65536/",
        "rtsp://h:0/",
        "rtsp://h:-1/",
        "rtsp://h:/x",
        "rtsp://h:1:2/x",
        "rtsp://::1/x",
        "rtsp://[::1/x",
        "rtsp://[]/x",
        "rtsp://[::g]/x",
        "rtsp://[1:2]/x",
        "rtsp://[::1]x/",
        "rtsp://[::1]:/x",
        "rtsp://[fe80::1%eth0]/x",
        "rtsp://[fe80::1%25]/x",
        "rtsp://h/a b",
        "rtsp://h/a\tb",
        "rtsp://h/a\x7f",
        "rtsp://h<x>/",
        "rtsp://h\"/",
        "rtsp://h\\x/",
        "rtsp://user@/x",
        "://h/x",
        "1rtsp://h/x",
        "rt sp://h/x",
        "h/x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct rtsp_url u;
        int r = rtsp_url_parse(sv_from_cstr(bad[i]), &u);
        if (r != -EPROTO)
            fail_msg("'%s': %d", bad[i], r);
    }
    /* NUL inside the view */
    struct rtsp_url u;
    assert_int_equal(rtsp_url_parse((struct sv){"rtsp://h/a\0b", 12}, &u), -EPROTO);
    /* over the length cap */
    static char longu[RTSP_MAX_URL_BYTES + 2];
    memset(longu, 'a', sizeof longu - 1);
    memcpy(longu, "rtsp://h/", 9);
    assert_int_equal(rtsp_url_parse((struct sv){longu, RTSP_MAX_URL_BYTES}, &u), 0);
    assert_int_equal(rtsp_url_parse((struct sv){longu, RTSP_MAX_URL_BYTES + 1}, &u), -EPROTO);
}

static void test_default_port(void **st)
{
    (void)st;
    assert_int_equal(rtsp_url_default_port(SV_LIT("rtsp")), 554);
    assert_int_equal(rtsp_url_default_port(SV_LIT("RTSP")), 554);
    assert_int_equal(rtsp_url_default_port(SV_LIT("rtsps")), 322);
    assert_int_equal(rtsp_url_default_port(SV_LIT("rtsph")), 554);
    assert_int_equal(rtsp_url_default_port(SV_LIT("http")), 80);
    assert_int_equal(rtsp_url_default_port(SV_LIT("https")), 443);
    assert_int_equal(rtsp_url_default_port(SV_LIT("ftp")), 0);
    assert_int_equal(rtsp_url_default_port(SV_NULL), 0);
}

static void test_decode(void **st)
{
    (void)st;
    static const struct {
        const char *in;
        int rc;
        const char *out;
    } cases[] = {
        {"se%40cret", 0, "se@cret"}, {"%41%42c", 0, "ABc"}, {"a%2fb%2F", 0, "a/b/"},
        {"p%25", 0, "p%"},           {"a+b", 0, "a+b"},     {"", 0, ""},
        {"%C3%A9", 0, "\xc3\xa9"},   {"%zz", -EPROTO, ""},  {"%4", -EPROTO, ""},
        {"%", -EPROTO, ""},          {"ab%", -EPROTO, ""},  {"%00", -EPROTO, ""},
        {"%g1", -EPROTO, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char d[32];
        memset(d, 'x', sizeof d);
        int r = url_percent_decode(sv_from_cstr(cases[i].in), d, sizeof d);
        if (r != cases[i].rc)
            fail_msg("'%s': %d", cases[i].in, r);
        assert_string_equal(d, cases[i].out);
    }
    char d[8];
    assert_int_equal(url_percent_decode(SV_LIT("1234567"), d, sizeof d), 0);
    assert_int_equal(url_percent_decode(SV_LIT("12345678"), d, sizeof d), -EMSGSIZE);
    assert_string_equal(d, "");
    assert_int_equal(url_percent_decode(SV_LIT("123456%41"), d, sizeof d), 0);
    assert_string_equal(d, "123456A");
    assert_int_equal(url_percent_decode((struct sv){"a\0b", 3}, d, sizeof d), -EPROTO);
    assert_int_equal(url_percent_decode(SV_LIT("a"), d, 0), -EMSGSIZE);
}

static void test_resolve(void **st)
{
    (void)st;
    static const struct {
        const char *base, *ref, *want;
    } cases[] = {
        /* RFC 3986 §5.4.1, with rtsp:// */
        {"rtsp://a/b/c/d;p?q", "g", "rtsp://a/b/c/g"},
        {"rtsp://a/b/c/d;p?q", "./g", "rtsp://a/b/c/g"},
        {"rtsp://a/b/c/d;p?q", "g/", "rtsp://a/b/c/g/"},
        {"rtsp://a/b/c/d;p?q", "/g", "rtsp://a/g"},
        {"rtsp://a/b/c/d;p?q", "//g", "rtsp://g"},
        {"rtsp://a/b/c/d;p?q", "?y", "rtsp://a/b/c/d;p?y"},
        {"rtsp://a/b/c/d;p?q", "g?y", "rtsp://a/b/c/g?y"},
        {"rtsp://a/b/c/d;p?q", "g#s", "rtsp://a/b/c/g"},
        {"rtsp://a/b/c/d;p?q", ";x", "rtsp://a/b/c/;x"},
        {"rtsp://a/b/c/d;p?q", "g;x", "rtsp://a/b/c/g;x"},
        {"rtsp://a/b/c/d;p?q", "g;x?y#s", "rtsp://a/b/c/g;x?y"},
        {"rtsp://a/b/c/d;p?q", "", "rtsp://a/b/c/d;p?q"},
        {"rtsp://a/b/c/d;p?q", ".", "rtsp://a/b/c/"},
        {"rtsp://a/b/c/d;p?q", "./", "rtsp://a/b/c/"},
        {"rtsp://a/b/c/d;p?q", "..", "rtsp://a/b/"},
        {"rtsp://a/b/c/d;p?q", "../", "rtsp://a/b/"},
        {"rtsp://a/b/c/d;p?q", "../g", "rtsp://a/b/g"},
        {"rtsp://a/b/c/d;p?q", "../..", "rtsp://a/"},
        {"rtsp://a/b/c/d;p?q", "../../", "rtsp://a/"},
        {"rtsp://a/b/c/d;p?q", "../../g", "rtsp://a/g"},
        /* §5.4.2 */
        {"rtsp://a/b/c/d;p?q", "../../../g", "rtsp://a/g"},
        {"rtsp://a/b/c/d;p?q", "../../../../g", "rtsp://a/g"},
        {"rtsp://a/b/c/d;p?q", "/./g", "rtsp://a/g"},
        {"rtsp://a/b/c/d;p?q", "/../g", "rtsp://a/g"},
        {"rtsp://a/b/c/d;p?q", "g.", "rtsp://a/b/c/g."},
        {"rtsp://a/b/c/d;p?q", ".g", "rtsp://a/b/c/.g"},
        {"rtsp://a/b/c/d;p?q", "g..", "rtsp://a/b/c/g.."},
        {"rtsp://a/b/c/d;p?q", "..g", "rtsp://a/b/c/..g"},
        {"rtsp://a/b/c/d;p?q", "./../g", "rtsp://a/b/g"},
        {"rtsp://a/b/c/d;p?q", "./g/.", "rtsp://a/b/c/g/"},
        {"rtsp://a/b/c/d;p?q", "g/./h", "rtsp://a/b/c/g/h"},
        {"rtsp://a/b/c/d;p?q", "g/../h", "rtsp://a/b/c/h"},
        {"rtsp://a/b/c/d;p?q", "g;x=1/./y", "rtsp://a/b/c/g;x=1/y"},
        {"rtsp://a/b/c/d;p?q", "g;x=1/../y", "rtsp://a/b/c/y"},
        {"rtsp://a/b/c/d;p?q", "g?y/./x", "rtsp://a/b/c/g?y/./x"},
        {"rtsp://a/b/c/d;p?q", "g?y/../x", "rtsp://a/b/c/g?y/../x"},
        /* cameras and servers */
        {"rtsp://127.0.0.1:8554/test/", "stream=0", "rtsp://127.0.0.1:8554/test/stream=0"},
        {"rtsp://192.168.1.64:554/Streaming/Channels/101/", "trackID=1",
         "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1"},
        {"rtsp://h:554/live", "trackID=1", "rtsp://h:554/trackID=1"},
        {"rtsp://cam/axis-media/media.amp?videocodec=h264", "trackID=1",
         "rtsp://cam/axis-media/trackID=1"},
        {"rtsp://h/live/", "rtsp://other:8554/x?y", "rtsp://other:8554/x?y"},
        {"rtsp://h/live/", "rtsp://other/x#frag", "rtsp://other/x"},
        {"rtsp://h/live/", "*", "rtsp://h/live/"},
        {"rtsp://h/live/#f", "*", "rtsp://h/live/"},
        {"rtsp://h/live/", "/abs/track", "rtsp://h/abs/track"},
        {"rtsp://u:p@h:8554/a/b?x=1", "c", "rtsp://u:p@h:8554/a/c"},
        {"rtsp://h", "track1", "rtsp://h/track1"},
        {"rtsp://h", "?q", "rtsp://h/?q"},
        {"rtsp://[fe80::1%25eth0]:554/live/", "track1", "rtsp://[fe80::1%25eth0]:554/live/track1"},
        {"rtsp://h/live/", "  trackID=2 ", "rtsp://h/live/trackID=2"},
        {"rtsps://h/a/", "//g:322/x", "rtsps://g:322/x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[256];
        int r = rtsp_url_resolve(sv_from_cstr(cases[i].base), sv_from_cstr(cases[i].ref), out,
                                 sizeof out);
        if (r)
            fail_msg("%s + %s: %d", cases[i].base, cases[i].ref, r);
        if (strcmp(out, cases[i].want))
            fail_msg("%s + %s: '%s', want '%s'", cases[i].base, cases[i].ref, out, cases[i].want);
    }
}

static void test_resolve_bad(void **st)
{
    (void)st;
    static const struct {
        const char *base, *ref;
        int rc;
    } cases[] = {
        {"not a url", "x", -EPROTO},           {"rtsp://h/", "a b", -EPROTO},
        {"rtsp://h/", "a\x01", -EPROTO},       {"rtsp://h/", "rtsp://", -EPROTO},
        {"rtsp://h/", "rtsp:nohost", -EPROTO}, {"rtsp://h/", "//", -EPROTO},
        {"rtsp://h/", "//h:0/x", -EPROTO},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64] = "junk";
        int r = rtsp_url_resolve(sv_from_cstr(cases[i].base), sv_from_cstr(cases[i].ref), out,
                                 sizeof out);
        if (r != cases[i].rc)
            fail_msg("%s + %s: %d", cases[i].base, cases[i].ref, r);
        assert_string_equal(out, "");
    }
    /* every output size: -EMSGSIZE until it fits, never a write past dst_size */
    static const char want[] = "rtsp://h/live/trackID=1";
    for (size_t n = 0; n <= sizeof want; n++) {
        char out[sizeof want + 8];
        memset(out, 'Z', sizeof out);
        int r = rtsp_url_resolve(SV_LIT("rtsp://h/live/x/../"), SV_LIT("trackID=1"), out, n);
        if (n < sizeof want) {
            assert_int_equal(r, -EMSGSIZE);
            if (n)
                assert_int_equal(out[0], 0);
        } else {
            assert_int_equal(r, 0);
            assert_string_equal(out, want);
        }
        for (size_t k = n; k < sizeof out; k++)
            assert_int_equal(out[k], 'Z');
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_default_port), cmocka_unit_test(test_decode),
        cmocka_unit_test(test_resolve),      cmocka_unit_test(test_resolve_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
