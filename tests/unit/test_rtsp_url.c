/* URLs: parsing with credentials and IPv6, percent-decoding, control URL resolution. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rtsp/url.h"

static void test_parse(void **st)
{
    (void)st;
    struct rtsp_url u;
    assert_int_equal(rtsp_url_parse(SV_LIT("rtsp://admin:se%40cret@192.168.1.64:554/Streaming/"
                                           "Channels/101?transportmode=unicast"),
                                    &u),
                     0);
    assert_true(sv_eq_cstr(u.scheme, "rtsp"));
    assert_true(sv_eq_cstr(u.user, "admin"));
    assert_true(sv_eq_cstr(u.password, "se%40cret"));
    assert_true(sv_eq_cstr(u.host, "192.168.1.64"));
    assert_true(u.has_port && u.port == 554);
    assert_true(sv_eq_cstr(u.path, "/Streaming/Channels/101"));
    assert_true(sv_eq_cstr(u.query, "transportmode=unicast"));
    char pw[64];
    assert_int_equal(url_percent_decode(u.password, pw, sizeof pw), 0);
    assert_string_equal(pw, "se@cret");
    assert_int_equal(rtsp_url_parse(SV_LIT("rtsps://[2001:db8::1]:8322/cam"), &u), 0);
    assert_true(sv_eq_cstr(u.host, "2001:db8::1"));
    assert_int_equal(u.port, 8322);
    assert_int_equal(rtsp_url_parse(SV_LIT("rtsp://cam.local"), &u), 0);
    assert_false(u.has_port);
    assert_int_equal(u.path.n, 0);
    assert_int_equal(rtsp_url_default_port(u.scheme), 554);
    assert_int_equal(rtsp_url_parse(SV_LIT("rtsp://u:p:w@h/x"), &u), 0); /* ':' in a password */
    assert_true(sv_eq_cstr(u.password, "p:w"));
    static const char *bad[] = {"",
                                "rtsp:/h/x",
                                "rtsp://",
                                "rtsp://h:port/x",
                                "rtsp://h:99999/",
                                "rtsp://[::1/x",
                                "rtsp://h/a b",
                                "://h/x",
                                "rtsp://h:/x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(rtsp_url_parse(sv_from_cstr(bad[i]), &u), -EPROTO);
    char d[8];
    assert_int_equal(url_percent_decode(SV_LIT("%zz"), d, sizeof d), -EPROTO);
    assert_int_equal(url_percent_decode(SV_LIT("%4"), d, sizeof d), -EPROTO);
    assert_int_equal(url_percent_decode(SV_LIT("%00"), d, sizeof d), -EPROTO);
    assert_int_equal(url_percent_decode(SV_LIT("12345678"), d, sizeof d), -EMSGSIZE);
}

static void test_resolve(void **st)
{
    (void)st;
    static const struct {
        const char *base, *ref, *want;
    } cases[] = {
        {"rtsp://h:554/live/", "trackID=1", "rtsp://h:554/live/trackID=1"},
        {"rtsp://h:554/live", "trackID=1", "rtsp://h:554/trackID=1"},
        {"rtsp://h/live/", "rtsp://other/x", "rtsp://other/x"},
        {"rtsp://h/live/", "*", "rtsp://h/live/"},
        {"rtsp://h/live/", "/abs/track", "rtsp://h/abs/track"},
        {"rtsp://u:p@h:8554/a/b?x=1", "c", "rtsp://u:p@h:8554/a/c"},
        {"rtsp://h", "track1", "rtsp://h/track1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[256];
        assert_int_equal(rtsp_url_resolve(sv_from_cstr(cases[i].base), sv_from_cstr(cases[i].ref),
                                          out, sizeof out),
                         0);
        assert_string_equal(out, cases[i].want);
    }
    char small[8];
    assert_int_equal(
        rtsp_url_resolve(SV_LIT("rtsp://h/live/"), SV_LIT("trackID=1"), small, sizeof small),
        -EMSGSIZE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_resolve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
