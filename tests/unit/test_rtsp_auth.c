/* Digest / Basic authentication: RFC vectors, real camera challenges, picking
 * the strongest challenge, server round trips, nonce expiry and tampering. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "rtsp/auth.h"

#define S(x) sv_from_cstr(x)

static const uint8_t SECRET[32] = "0123456789abcdef0123456789abcdef";
static const uint64_t T0 = 1700000000;

static struct rtsp_auth_server server(void)
{
    return (struct rtsp_auth_server){
        .realm = "rtspgate",
        .secret = SECRET,
        .secret_len = sizeof SECRET,
        .nonce_lifetime_s = 300,
    };
}

/* ---- RFC vectors ---- */

static const char RFC7616_NONCE[] = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
static const char RFC7616_OPAQUE[] = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";
static const char RFC7616_CNONCE[] = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

static void rfc7616_case(const char *algo, const char *response)
{
    char ch[512], out[RTSP_AUTH_MAX_VALUE], want[1024];
    assert_int_equal(str_fmt(ch, sizeof ch,
                             "Digest\trealm=\"http-auth@example.org\",\n"
                             "       qop=\"auth, auth-int\",\n"
                             "       algorithm=%s,\n"
                             "       nonce=\"%s\",\n"
                             "       opaque=\"%s\"",
                             algo, RFC7616_NONCE, RFC7616_OPAQUE),
                     0);
    /* The RFC folds the header; a message parser hands over a value whose
     * line breaks became spaces. */
    for (char *p = ch; *p; p++)
        if (*p == '\n')
            *p = ' ';
    struct rtsp_auth_challenge c = {0};
    assert_int_equal(rtsp_auth_challenge_pick(S(ch), &c), 0);
    assert_int_equal(c.scheme, RTSP_AUTH_SCHEME_DIGEST);
    assert_string_equal(c.realm, "http-auth@example.org");
    assert_string_equal(c.nonce, RFC7616_NONCE);
    assert_string_equal(c.opaque, RFC7616_OPAQUE);
    assert_true(c.qop_auth);
    assert_int_equal(rtsp_auth_client_authorization(&c, S("Mufasa"), S("Circle of Life"), S("GET"),
                                                    S("/dir/index.html"), S(RFC7616_CNONCE), 1, out,
                                                    sizeof out),
                     0);
    assert_int_equal(str_fmt(want, sizeof want,
                             "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", "
                             "nonce=\"%s\", uri=\"/dir/index.html\", algorithm=%s, "
                             "response=\"%s\", qop=auth, nc=00000001, cnonce=\"%s\", opaque=\"%s\"",
                             RFC7616_NONCE, algo, response, RFC7616_CNONCE, RFC7616_OPAQUE),
                     0);
    assert_string_equal(out, want);

    /* The RFC's own Authorization header parses to the same fields. */
    char auth[1024];
    assert_int_equal(str_fmt(auth, sizeof auth,
                             "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", "
                             "uri=\"/dir/index.html\", algorithm=%s, nonce=\"%s\", nc=00000001, "
                             "cnonce=\"%s\", qop=auth, response=\"%s\", opaque=\"%s\"",
                             algo, RFC7616_NONCE, RFC7616_CNONCE, response, RFC7616_OPAQUE),
                     0);
    struct rtsp_auth_credentials cr;
    assert_int_equal(rtsp_auth_parse_authorization(S(auth), &cr), 0);
    assert_int_equal(cr.scheme, RTSP_AUTH_SCHEME_DIGEST);
    assert_string_equal(cr.username, "Mufasa");
    assert_string_equal(cr.uri, "/dir/index.html");
    assert_string_equal(cr.response, response);
    assert_string_equal(cr.nc, "00000001");
    assert_int_equal(cr.nc_value, 1);
    assert_string_equal(cr.cnonce, RFC7616_CNONCE);
    assert_string_equal(cr.qop, "auth");
    assert_true(cr.has_opaque);

    /* A server of ours did not issue that nonce. */
    struct rtsp_auth_server s = server();
    s.realm = "http-auth@example.org";
    struct rtsp_auth_user u = {.username = "Mufasa", .password = "Circle of Life"};
    assert_int_equal(rtsp_auth_verify(&s, &cr, S("GET"), S("/dir/index.html"), &u, T0),
                     RTSP_AUTH_BAD_NONCE);
}

static void test_rfc7616_sha256(void **st)
{
    (void)st;
    rfc7616_case("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

static void test_rfc7616_md5(void **st)
{
    (void)st;
    rfc7616_case("MD5", "8ca523f5e9506fed4657c9700eebdbec");
}

static void test_rfc2617(void **st)
{
    (void)st;
    struct rtsp_auth_challenge c = {0};
    assert_int_equal(
        rtsp_auth_challenge_pick(S("Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
                                   "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
                                   "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""),
                                 &c),
        0);
    assert_int_equal(c.algo, RTSP_AUTH_ALGO_MD5);
    assert_false(c.has_algorithm);
    assert_int_equal(rtsp_auth_challenge_strength(&c), 2);
    char out[RTSP_AUTH_MAX_VALUE];
    assert_int_equal(rtsp_auth_client_authorization(&c, S("Mufasa"), S("Circle Of Life"), S("GET"),
                                                    S("/dir/index.html"), S("0a4f113b"), 1, out,
                                                    sizeof out),
                     0);
    assert_string_equal(out, "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
                             "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
                             "uri=\"/dir/index.html\", "
                             "response=\"6629fae49393a05397450978507c4ef1\", qop=auth, "
                             "nc=00000001, cnonce=\"0a4f113b\", "
                             "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
    char ha1[65];
    assert_int_equal(rtsp_auth_ha1_hex(RTSP_AUTH_ALGO_SHA256, S("admin"), S("IP Camera(12345)"),
                                       S("12345"), ha1, sizeof ha1),
                     0);
    assert_string_equal(ha1, "060afa13eaae299164d3462ce52dd0924f526b8b23d5eeb5e0100f007ca45712");
    assert_int_equal(rtsp_auth_ha1_hex(RTSP_AUTH_ALGO_MD5, S("a"), S("b"), S("c"), ha1, 32),
                     -EMSGSIZE);
}

/* ---- real cameras ---- */

static void test_hikvision_challenge(void **st)
{
    (void)st;
    struct rtsp_auth_challenge c;
    size_t pos = 0;
    struct sv v =
        S("Digest realm=\"IP Camera(12345)\", nonce=\"4e6a6b4e4d4445304e6a5a6d4f54453d\", "
          "stale=\"FALSE\"");
    assert_int_equal(rtsp_auth_next_challenge(v, &pos, &c), 0);
    assert_int_equal(c.scheme, RTSP_AUTH_SCHEME_DIGEST);
    assert_string_equal(c.realm, "IP Camera(12345)");
    assert_string_equal(c.nonce, "4e6a6b4e4d4445304e6a5a6d4f54453d");
    assert_false(c.stale);
    assert_false(c.has_qop);
    assert_int_equal(rtsp_auth_next_challenge(v, &pos, &c), -ENOENT);

    /* No qop: RFC 2069 response, no nc/cnonce. */
    struct rtsp_auth_challenge best = {0};
    assert_int_equal(rtsp_auth_challenge_pick(v, &best), 0);
    char out[RTSP_AUTH_MAX_VALUE];
    assert_int_equal(
        rtsp_auth_client_authorization(&best, S("admin"), S("12345"), S("DESCRIBE"),
                                       S("rtsp://192.168.1.64:554/Streaming/Channels/101"), SV_NULL,
                                       1, out, sizeof out),
        0);
    assert_string_equal(out, "Digest username=\"admin\", realm=\"IP Camera(12345)\", "
                             "nonce=\"4e6a6b4e4d4445304e6a5a6d4f54453d\", "
                             "uri=\"rtsp://192.168.1.64:554/Streaming/Channels/101\", "
                             "response=\"91a79dcadec9158e883e92354e21a20d\"");

    pos = 0;
    assert_int_equal(rtsp_auth_next_challenge(S("Basic realm=\"IP Camera(12345)\""), &pos, &c), 0);
    assert_int_equal(c.scheme, RTSP_AUTH_SCHEME_BASIC);
    assert_string_equal(c.realm, "IP Camera(12345)");
    assert_int_equal(rtsp_auth_challenge_strength(&c), 1);
    assert_int_equal(rtsp_auth_client_authorization(&c, S("admin"), S("12345"), S("DESCRIBE"),
                                                    S("rtsp://x/"), SV_NULL, 1, out, sizeof out),
                     0);
    assert_string_equal(out, "Basic YWRtaW46MTIzNDU=");
    assert_int_equal(rtsp_auth_client_authorization(&c, S("ad:min"), S("1"), S("DESCRIBE"),
                                                    S("rtsp://x/"), SV_NULL, 1, out, sizeof out),
                     -EINVAL);

    /* Dahua-like, unquoted stale and algorithm quoted; Axis-like stale=TRUE. */
    pos = 0;
    assert_int_equal(
        rtsp_auth_next_challenge(S("Digest realm=\"Login to 4K05A7EPAZ12345\", "
                                   "nonce=\"1263862016\", algorithm=\"MD5\", stale=TRUE"),
                                 &pos, &c),
        0);
    assert_true(c.stale);
    assert_true(c.has_algorithm);
    assert_int_equal(c.algo, RTSP_AUTH_ALGO_MD5);
}

static void test_multi_challenge_pick(void **st)
{
    (void)st;
    struct sv v = S("Digest realm=\"cam\", nonce=\"n-md5\", algorithm=MD5, qop=\"auth\", "
                    "Digest realm=\"cam\", nonce=\"n-sha\", algorithm=SHA-256, qop=\"auth\", "
                    "Basic realm=\"cam\"");
    struct rtsp_auth_challenge c;
    size_t pos = 0;
    int kinds[3], n = 0;
    while (rtsp_auth_next_challenge(v, &pos, &c) == 0 && n < 3)
        kinds[n++] = rtsp_auth_challenge_strength(&c);
    assert_int_equal(n, 3);
    assert_int_equal(kinds[0], 2);
    assert_int_equal(kinds[1], 3);
    assert_int_equal(kinds[2], 1);

    struct rtsp_auth_challenge best = {0};
    assert_int_equal(rtsp_auth_challenge_pick(v, &best), 0);
    assert_string_equal(best.nonce, "n-sha");

    /* Several headers: the strongest across calls, the first on ties. */
    memset(&best, 0, sizeof best);
    assert_int_equal(rtsp_auth_challenge_pick(S("Basic realm=\"cam\""), &best), 0);
    assert_int_equal(best.scheme, RTSP_AUTH_SCHEME_BASIC);
    assert_int_equal(rtsp_auth_challenge_pick(S("Digest realm=\"cam\", nonce=\"a\""), &best), 0);
    assert_string_equal(best.nonce, "a");
    assert_int_equal(
        rtsp_auth_challenge_pick(
            S("Digest realm=\"cam\", nonce=\"b\", algorithm=MD5-sess, qop=auth"), &best),
        0);
    assert_string_equal(best.nonce, "a");
    assert_int_equal(rtsp_auth_challenge_pick(
                         S("Digest realm=\"cam\", nonce=\"c\", algorithm=SHA-512-256, qop=auth, "
                           "Digest realm=\"cam\", nonce=\"d\", algorithm=SHA-256, qop=auth-int"),
                         &best),
                     0);
    assert_string_equal(best.nonce, "a"); /* unknown algorithm, auth-int only: unusable */
    assert_int_equal(
        rtsp_auth_challenge_pick(
            S("Negotiate, NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==,"
              " Digest realm=\"cam\", nonce=\"e\", algorithm=SHA-256-sess, qop=\"auth\""),
            &best),
        0);
    assert_string_equal(best.nonce, "e");
    assert_int_equal(best.algo, RTSP_AUTH_ALGO_SHA256_SESS);

    /* -sess without qop and a nonce-less Digest are unusable. */
    memset(&best, 0, sizeof best);
    assert_int_equal(
        rtsp_auth_challenge_pick(
            S("Digest realm=\"x\", nonce=\"f\", algorithm=MD5-sess, Digest realm=\"x\""), &best),
        0);
    assert_int_equal(best.scheme, RTSP_AUTH_SCHEME_NONE);
    char out[64];
    assert_int_equal(rtsp_auth_client_authorization(&best, S("u"), S("p"), S("OPTIONS"), S("*"),
                                                    S("c"), 1, out, sizeof out),
                     -EINVAL);

    /* A syntax error keeps what came before. */
    memset(&best, 0, sizeof best);
    assert_int_equal(
        rtsp_auth_challenge_pick(S("Basic realm=\"x\", Digest realm=\"x\" junk"), &best), -EPROTO);
    assert_int_equal(best.scheme, RTSP_AUTH_SCHEME_BASIC);
}

static void test_quoted_escapes(void **st)
{
    (void)st;
    struct rtsp_auth_challenge c;
    size_t pos = 0;
    assert_int_equal(rtsp_auth_next_challenge(S("Digest realm=\"a \\\"quoted\\\" realm\\\\x\\y\", "
                                                "nonce=\"n,with,commas\", qop=\"auth\""),
                                              &pos, &c),
                     0);
    assert_string_equal(c.realm, "a \"quoted\" realm\\xy");
    assert_string_equal(c.nonce, "n,with,commas");
    char out[RTSP_AUTH_MAX_VALUE];
    assert_int_equal(rtsp_auth_client_authorization(&c, S("us\"er"), S("pw"), S("PLAY"),
                                                    S("rtsp://h/s"), S("abcd"), 7, out, sizeof out),
                     0);
    assert_non_null(strstr(out, "username=\"us\\\"er\""));
    assert_non_null(strstr(out, "realm=\"a \\\"quoted\\\" realm\\\\xy\""));
    assert_non_null(strstr(out, "nc=00000007"));
    /* ... and the server side unescapes it back. */
    struct rtsp_auth_credentials cr;
    assert_int_equal(rtsp_auth_parse_authorization(S(out), &cr), 0);
    assert_string_equal(cr.username, "us\"er");
    assert_string_equal(cr.realm, "a \"quoted\" realm\\xy");
    assert_int_equal(cr.nc_value, 7);

    static const char *bad[] = {
        "Digest realm=\"unterminated",
        "Digest realm=\"ends in backslash\\",
        "Digest realm=\"ctl\x01\", nonce=\"n\"",
        "Digest realm=\"a\"\"b\"",
        "Digest realm=\"x\", nonce=\"n\" , , =\"v\"",
        "Digest realm=\"a\", realm=\"b\", nonce=\"n\"",
        "Digest, =x",
        "Digest=x",
        "Digest realm=\"a\" nonce=\"n\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pos = 0;
        int r;
        while ((r = rtsp_auth_next_challenge(S(bad[i]), &pos, &c)) == 0)
            ;
        if (r != -EPROTO)
            fail_msg("'%s' gave %d", bad[i], r);
    }
    /* Empty list elements and unknown params are fine. */
    pos = 0;
    assert_int_equal(rtsp_auth_next_challenge(S(" , ,Digest realm=x , domain=\"/ rtsp://a/\",,"
                                                " nonce=YWJj/+==, charset=UTF-8"),
                                              &pos, &c),
                     0);
    assert_string_equal(c.realm, "x");
    assert_string_equal(c.nonce, "YWJj/+==");
    assert_int_equal(rtsp_auth_next_challenge(S("x"), &pos, &c), -ENOENT);
}

static void test_oversized(void **st)
{
    (void)st;
    char big[RTSP_AUTH_MAX_PARAM + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    char v[2048];
    assert_int_equal(
        str_fmt(v, sizeof v, "Digest realm=\"r\", nonce=\"%s\", Basic realm=\"ok\"", big), 0);
    struct rtsp_auth_challenge c, best = {0};
    size_t pos = 0;
    assert_int_equal(rtsp_auth_next_challenge(S(v), &pos, &c), -EMSGSIZE);
    assert_int_equal(rtsp_auth_next_challenge(S(v), &pos, &c), 0); /* going on is possible */
    assert_int_equal(c.scheme, RTSP_AUTH_SCHEME_BASIC);
    assert_int_equal(rtsp_auth_challenge_pick(S(v), &best), -EMSGSIZE);
    assert_int_equal(best.scheme, RTSP_AUTH_SCHEME_BASIC);
    /* Exactly at the cap is fine. */
    big[RTSP_AUTH_MAX_PARAM] = 0;
    assert_int_equal(str_fmt(v, sizeof v, "Digest realm=\"r\", nonce=\"%s\"", big), 0);
    pos = 0;
    assert_int_equal(rtsp_auth_next_challenge(S(v), &pos, &c), 0);
    assert_int_equal(strlen(c.nonce), RTSP_AUTH_MAX_PARAM);
    big[RTSP_AUTH_MAX_PARAM] = 'a';

    struct rtsp_auth_credentials cr;
    assert_int_equal(str_fmt(v, sizeof v,
                             "Digest username=\"%s\", realm=\"r\", nonce=\"n\", uri=\"/\", "
                             "response=\"00\"",
                             big),
                     0);
    assert_int_equal(rtsp_auth_parse_authorization(S(v), &cr), -EMSGSIZE);
    struct rtsp_auth_server s = server();
    struct rtsp_auth_user u = {.username = "u", .password = "p"};
    assert_int_equal(rtsp_auth_check(&s, S(v), S("DESCRIBE"), S("/"), &u, T0),
                     RTSP_AUTH_BAD_SYNTAX);
    assert_int_equal(rtsp_auth_parse_authorization(
                         S("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", "
                           "response=\"00\", qop=auth, nc=000000001, cnonce=\"c\""),
                         &cr),
                     -EPROTO); /* nc over 8 digits */

    char uri[RTSP_AUTH_MAX_URI + 2];
    memset(uri, '/', sizeof uri - 1);
    uri[sizeof uri - 1] = 0;
    char out[RTSP_AUTH_MAX_VALUE];
    pos = 0;
    assert_int_equal(rtsp_auth_next_challenge(S("Digest realm=\"r\", nonce=\"n\""), &pos, &c), 0);
    assert_int_equal(rtsp_auth_client_authorization(&c, S("u"), S("p"), S("GET"), S(uri), SV_NULL,
                                                    1, out, sizeof out),
                     -EMSGSIZE);
    assert_int_equal(
        rtsp_auth_client_authorization(&c, S("u"), S("p"), S("GET"), S("/"), SV_NULL, 1, out, 40),
        -EMSGSIZE);
    assert_string_equal(out, "");
}

static void test_authorization_syntax(void **st)
{
    (void)st;
    struct rtsp_auth_credentials cr;
    static const char *bad[] = {
        "",
        "Digest",
        "Digest ",
        "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\"",      /* no response */
        "Digest username=\"u\", realm=\"r\", nonce=\"n\", response=\"0\"", /* no uri */
        "Digest username=\"u\", username=\"v\", realm=\"r\", nonce=\"n\", uri=\"/\", x=y",
        "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", response=\"0\", qop=auth",
        "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", response=\"0\", nc=zz",
        "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", response=\"0\" Basic x",
        "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", response=\"0\", Basic x",
        "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", nc=\"\", x=y",
        "Basic",
        "Basic a b",
        "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==, x=y",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int r = rtsp_auth_parse_authorization(S(bad[i]), &cr);
        if (r != -EPROTO)
            fail_msg("'%s' gave %d", bad[i], r);
    }
    assert_int_equal(rtsp_auth_parse_authorization(S("Bearer abc.def"), &cr), 0);
    assert_int_equal(cr.scheme, RTSP_AUTH_SCHEME_OTHER);
    struct rtsp_auth_server s = server();
    struct rtsp_auth_user u = {.username = "u", .password = "p"};
    assert_int_equal(rtsp_auth_verify(&s, &cr, S("GET"), S("/"), &u, T0), RTSP_AUTH_UNSUPPORTED);
    assert_int_equal(rtsp_auth_check(&s, SV_NULL, S("GET"), S("/"), &u, T0), RTSP_AUTH_MISSING);
    assert_int_equal(rtsp_auth_check(&s, S("Digest ="), S("GET"), S("/"), &u, T0),
                     RTSP_AUTH_BAD_SYNTAX);
}

static void test_basic_decode(void **st)
{
    (void)st;
    struct rtsp_auth_credentials cr;
    assert_int_equal(rtsp_auth_parse_authorization(S("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="), &cr),
                     0);
    assert_int_equal(cr.scheme, RTSP_AUTH_SCHEME_BASIC);
    assert_string_equal(cr.username, "Aladdin");
    assert_string_equal(cr.password, "open sesame");
    /* unpadded, and case-insensitive scheme */
    assert_int_equal(rtsp_auth_parse_authorization(S("basic QWxhZGRpbjpvcGVuIHNlc2FtZQ"), &cr), 0);
    assert_string_equal(cr.password, "open sesame");
    /* one padding char: "admin:12345" */
    assert_int_equal(rtsp_auth_parse_authorization(S("Basic YWRtaW46MTIzNDU="), &cr), 0);
    assert_string_equal(cr.username, "admin");
    assert_string_equal(cr.password, "12345");
    /* empty password, password with colons: "u::x" = dTo6eA== */
    assert_int_equal(rtsp_auth_parse_authorization(S("Basic dTo6eA=="), &cr), 0);
    assert_string_equal(cr.username, "u");
    assert_string_equal(cr.password, ":x");
    static const char *bad[] = {
        "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=",   /* wrong padding */
        "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ===", /* too much */
        "Basic QWxhZGRp*jpvcGVuIHNlc2FtZQ==",  /* bad char */
        "Basic QWxhZGRp-jpvcGVuIHNlc2FtZQ==",  /* base64url char */
        "Basic QWxhZGRpbg==",                  /* "Aladdin": no colon */
        "Basic QQ=Q",                          /* padding inside */
        "Basic A",                             /* 1 mod 4 */
        "Basic dQA6cA==",                      /* "u\0:p": NUL */
        "Basic ====",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int r = rtsp_auth_parse_authorization(S(bad[i]), &cr);
        if (r != -EPROTO)
            fail_msg("'%s' gave %d", bad[i], r);
    }
    char big[1200];
    memset(big, 'Q', sizeof big);
    memcpy(big, "Basic ", 6);
    assert_int_equal(rtsp_auth_parse_authorization((struct sv){big, sizeof big}, &cr), -EMSGSIZE);
}

static void test_basic_verify(void **st)
{
    (void)st;
    struct rtsp_auth_server s = server();
    struct rtsp_auth_user u = {.username = "admin", .password = "12345"};
    struct sv good = S("Basic YWRtaW46MTIzNDU=");
    assert_int_equal(rtsp_auth_check(&s, good, S("DESCRIBE"), S("/"), &u, T0),
                     RTSP_AUTH_BASIC_NOT_ALLOWED);
    s.allow_basic = true;
    assert_int_equal(rtsp_auth_check(&s, good, S("DESCRIBE"), S("/"), &u, T0), RTSP_AUTH_OK);
    u.password = "123456";
    assert_int_equal(rtsp_auth_check(&s, good, S("DESCRIBE"), S("/"), &u, T0),
                     RTSP_AUTH_WRONG_USER_OR_PASSWORD);
    /* Stored hash only (realm "rtspgate"), either algorithm. */
    char ha1[65];
    assert_int_equal(rtsp_auth_ha1_hex(RTSP_AUTH_ALGO_SHA256, S("admin"), S("rtspgate"), S("12345"),
                                       ha1, sizeof ha1),
                     0);
    struct rtsp_auth_user h = {.username = "admin", .ha1_sha256 = ha1};
    assert_int_equal(rtsp_auth_check(&s, good, S("DESCRIBE"), S("/"), &h, T0), RTSP_AUTH_OK);
    assert_int_equal(rtsp_auth_ha1_hex(RTSP_AUTH_ALGO_MD5, S("admin"), S("rtspgate"), S("12345"),
                                       ha1, sizeof ha1),
                     0);
    h = (struct rtsp_auth_user){.username = "admin", .ha1_md5 = ha1};
    assert_int_equal(rtsp_auth_check(&s, good, S("DESCRIBE"), S("/"), &h, T0), RTSP_AUTH_OK);
    h = (struct rtsp_auth_user){.username = "admin"};
    assert_int_equal(rtsp_auth_check(&s, good, S("DESCRIBE"), S("/"), &h, T0),
                     RTSP_AUTH_NO_HASH_FOR_ALGORITHM);
    assert_int_equal(rtsp_auth_check(&s, good, S("DESCRIBE"), S("/"), NULL, T0),
                     RTSP_AUTH_WRONG_USER_OR_PASSWORD);
}

/* ---- server round trips ---- */

/* 401 from the server at t_issue, client answers, server judges at t_check. */
static enum rtsp_auth_result round_trip(const struct rtsp_auth_server *s, enum rtsp_auth_algo a,
                                        const char *user, const char *pw,
                                        const struct rtsp_auth_user *u, uint64_t t_issue,
                                        uint64_t t_check)
{
    char ch[RTSP_AUTH_MAX_VALUE], out[RTSP_AUTH_MAX_VALUE];
    assert_int_equal(
        rtsp_auth_server_challenge(s, RTSP_AUTH_SCHEME_DIGEST, a, false, t_issue, ch, sizeof ch),
        0);
    struct rtsp_auth_challenge c = {0};
    assert_int_equal(rtsp_auth_challenge_pick(S(ch), &c), 0);
    assert_int_equal(c.algo, a);
    assert_int_equal(rtsp_auth_client_authorization(&c, S(user), S(pw), S("SETUP"),
                                                    S("rtsp://h:8554/cam/trackID=0"), S("0123abcd"),
                                                    3, out, sizeof out),
                     0);
    return rtsp_auth_check(s, S(out), S("SETUP"), S("rtsp://h:8554/cam/trackID=0"), u, t_check);
}

static void test_round_trip(void **st)
{
    (void)st;
    struct rtsp_auth_server s = server();
    struct rtsp_auth_user u = {.username = "viewer", .password = "s3cret:\"pw\""};
    static const enum rtsp_auth_algo algos[] = {RTSP_AUTH_ALGO_MD5, RTSP_AUTH_ALGO_SHA256,
                                                RTSP_AUTH_ALGO_MD5_SESS,
                                                RTSP_AUTH_ALGO_SHA256_SESS};
    for (size_t i = 0; i < 4; i++) {
        enum rtsp_auth_algo a = algos[i];
        assert_int_equal(round_trip(&s, a, "viewer", "s3cret:\"pw\"", &u, T0, T0 + 10),
                         RTSP_AUTH_OK);
        assert_int_equal(round_trip(&s, a, "viewer", "wrong", &u, T0, T0 + 10),
                         RTSP_AUTH_WRONG_USER_OR_PASSWORD);
        assert_int_equal(round_trip(&s, a, "other", "s3cret:\"pw\"", &u, T0, T0 + 10),
                         RTSP_AUTH_WRONG_USER_OR_PASSWORD);
        assert_int_equal(round_trip(&s, a, "viewer", "s3cret:\"pw\"", NULL, T0, T0 + 10),
                         RTSP_AUTH_WRONG_USER_OR_PASSWORD);
        /* expiry: right credentials -> stale; wrong ones stay wrong */
        assert_int_equal(round_trip(&s, a, "viewer", "s3cret:\"pw\"", &u, T0, T0 + 300),
                         RTSP_AUTH_OK);
        assert_int_equal(round_trip(&s, a, "viewer", "s3cret:\"pw\"", &u, T0, T0 + 301),
                         RTSP_AUTH_STALE_NONCE);
        assert_int_equal(round_trip(&s, a, "viewer", "wrong", &u, T0, T0 + 301),
                         RTSP_AUTH_WRONG_USER_OR_PASSWORD);
        assert_int_equal(round_trip(&s, a, "viewer", "s3cret:\"pw\"", &u, T0 + 60, T0),
                         RTSP_AUTH_OK); /* clock stepped back a little */
        assert_int_equal(round_trip(&s, a, "viewer", "s3cret:\"pw\"", &u, T0 + 61, T0),
                         RTSP_AUTH_STALE_NONCE);
    }
    /* Stored hashes instead of the password. */
    char h256[65], hmd5[65];
    assert_int_equal(rtsp_auth_ha1_hex(RTSP_AUTH_ALGO_SHA256, S("viewer"), S("rtspgate"),
                                       S("s3cret:\"pw\""), h256, sizeof h256),
                     0);
    assert_int_equal(rtsp_auth_ha1_hex(RTSP_AUTH_ALGO_MD5_SESS, S("viewer"), S("rtspgate"),
                                       S("s3cret:\"pw\""), hmd5, sizeof hmd5),
                     0);
    assert_int_equal(strlen(hmd5), 32);
    for (char *p = h256; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 32); /* any case */
    struct rtsp_auth_user h = {.username = "viewer", .ha1_sha256 = h256};
    assert_int_equal(round_trip(&s, RTSP_AUTH_ALGO_SHA256, "viewer", "s3cret:\"pw\"", &h, T0, T0),
                     RTSP_AUTH_OK);
    assert_int_equal(
        round_trip(&s, RTSP_AUTH_ALGO_SHA256_SESS, "viewer", "s3cret:\"pw\"", &h, T0, T0),
        RTSP_AUTH_OK);
    assert_int_equal(round_trip(&s, RTSP_AUTH_ALGO_MD5, "viewer", "s3cret:\"pw\"", &h, T0, T0),
                     RTSP_AUTH_NO_HASH_FOR_ALGORITHM);
    h.ha1_md5 = hmd5;
    assert_int_equal(round_trip(&s, RTSP_AUTH_ALGO_MD5, "viewer", "s3cret:\"pw\"", &h, T0, T0),
                     RTSP_AUTH_OK);
    h.ha1_md5 = "not-hex";
    h.password = "s3cret:\"pw\""; /* a malformed hash falls back to the password */
    assert_int_equal(round_trip(&s, RTSP_AUTH_ALGO_MD5, "viewer", "s3cret:\"pw\"", &h, T0, T0),
                     RTSP_AUTH_OK);

    /* Disabled algorithms, required qop. */
    s.disable_md5 = true;
    assert_int_equal(round_trip(&s, RTSP_AUTH_ALGO_MD5, "viewer", "s3cret:\"pw\"", &u, T0, T0),
                     RTSP_AUTH_UNSUPPORTED);
    s = server();
    s.disable_sha256 = true;
    assert_int_equal(round_trip(&s, RTSP_AUTH_ALGO_SHA256, "viewer", "s3cret:\"pw\"", &u, T0, T0),
                     RTSP_AUTH_UNSUPPORTED);
}

static void test_rfc2069_and_uri(void **st)
{
    (void)st;
    struct rtsp_auth_server s = server();
    struct rtsp_auth_user u = {.username = "admin", .password = "pw"};
    char nonce[RTSP_AUTH_NONCE_LEN + 1], ch[512], out[RTSP_AUTH_MAX_VALUE];
    assert_int_equal(rtsp_auth_make_nonce(&s, T0, nonce, sizeof nonce), 0);
    assert_int_equal(strlen(nonce), RTSP_AUTH_NONCE_LEN);
    /* A client that ignores qop (like many cameras' firmware clients). */
    assert_int_equal(str_fmt(ch, sizeof ch, "Digest realm=\"rtspgate\", nonce=\"%s\"", nonce), 0);
    struct rtsp_auth_challenge c = {0};
    assert_int_equal(rtsp_auth_challenge_pick(S(ch), &c), 0);
    assert_int_equal(rtsp_auth_client_authorization(&c, S("admin"), S("pw"), S("DESCRIBE"),
                                                    S("rtsp://h/live"), SV_NULL, 1, out,
                                                    sizeof out),
                     0);
    assert_null(strstr(out, "qop"));
    assert_int_equal(rtsp_auth_check(&s, S(out), S("DESCRIBE"), S("rtsp://h/live"), &u, T0),
                     RTSP_AUTH_OK);
    /* The hash covers the method and the uri= value. */
    assert_int_equal(rtsp_auth_check(&s, S(out), S("PLAY"), S("rtsp://h/live"), &u, T0),
                     RTSP_AUTH_WRONG_USER_OR_PASSWORD);
    assert_int_equal(rtsp_auth_check(&s, S(out), S("DESCRIBE"), S("rtsp://h:554/live"), &u, T0),
                     RTSP_AUTH_OK);
    s.check_uri = true;
    assert_int_equal(rtsp_auth_check(&s, S(out), S("DESCRIBE"), S("rtsp://h:554/live"), &u, T0),
                     RTSP_AUTH_URI_MISMATCH);
    s.check_uri = false;
    s.require_qop = true;
    assert_int_equal(rtsp_auth_check(&s, S(out), S("DESCRIBE"), S("rtsp://h/live"), &u, T0),
                     RTSP_AUTH_UNSUPPORTED);
    s.require_qop = false;
    /* Another realm. */
    s.realm = "other";
    assert_int_equal(rtsp_auth_check(&s, S(out), S("DESCRIBE"), S("rtsp://h/live"), &u, T0),
                     RTSP_AUTH_WRONG_USER_OR_PASSWORD);
    /* Uppercase hex response is accepted. */
    s = server();
    char *r = strstr(out, "response=\"");
    assert_non_null(r);
    for (r += 10; *r != '"'; r++)
        if (*r >= 'a' && *r <= 'f')
            *r = (char)(*r - 32);
    assert_int_equal(rtsp_auth_check(&s, S(out), S("DESCRIBE"), S("rtsp://h/live"), &u, T0),
                     RTSP_AUTH_OK);
}

static void test_bad_nonce(void **st)
{
    (void)st;
    struct rtsp_auth_server s = server();
    struct rtsp_auth_user u = {.username = "admin", .password = "pw"};
    char nonce[RTSP_AUTH_NONCE_LEN + 1], out[RTSP_AUTH_MAX_VALUE];
    assert_int_equal(rtsp_auth_make_nonce(&s, T0, nonce, sizeof nonce), 0);
    static const char *mods[] = {"ts", "tag", "short", "nonhex", "secret", "realm"};
    for (size_t i = 0; i < sizeof mods / sizeof mods[0]; i++) {
        struct rtsp_auth_server s2 = s;
        struct rtsp_auth_challenge c = {
            .scheme = RTSP_AUTH_SCHEME_DIGEST, .has_qop = true, .qop_auth = true};
        str_copy(c.realm, sizeof c.realm, "rtspgate");
        str_copy(c.nonce, sizeof c.nonce, nonce);
        static const uint8_t other[32] = "another secret, just as long....";
        if (!strcmp(mods[i], "ts"))
            c.nonce[15] = c.nonce[15] == '0' ? '1' : '0'; /* move the timestamp */
        else if (!strcmp(mods[i], "tag"))
            c.nonce[47] = c.nonce[47] == '0' ? '1' : '0';
        else if (!strcmp(mods[i], "short"))
            c.nonce[40] = 0;
        else if (!strcmp(mods[i], "nonhex"))
            c.nonce[20] = 'g';
        else if (!strcmp(mods[i], "secret"))
            s2.secret = other;
        else {
            s2.realm = "rtspgate2"; /* the nonce is bound to the realm */
            str_copy(c.realm, sizeof c.realm, "rtspgate2");
        }
        assert_int_equal(rtsp_auth_client_authorization(&c, S("admin"), S("pw"), S("PLAY"),
                                                        S("rtsp://h/"), S("cn"), 1, out,
                                                        sizeof out),
                         0);
        enum rtsp_auth_result r = rtsp_auth_check(&s2, S(out), S("PLAY"), S("rtsp://h/"), &u, T0);
        if (r != RTSP_AUTH_BAD_NONCE)
            fail_msg("%s: %s", mods[i], rtsp_auth_result_name(r));
    }
}

static void test_server_challenges(void **st)
{
    (void)st;
    struct rtsp_auth_server s = server();
    s.opaque = "op\"aque";
    struct buf b;
    buf_init(&b, 8192);
    assert_int_equal(rtsp_auth_server_challenges(&s, true, T0, &b), 0);
    assert_int_equal(buf_append(&b, "", 1), 0);
    const char *txt = (const char *)b.data;
    char nonce[RTSP_AUTH_NONCE_LEN + 1], want[1024];
    assert_int_equal(rtsp_auth_make_nonce(&s, T0, nonce, sizeof nonce), 0);
    assert_int_equal(
        str_fmt(want, sizeof want,
                "WWW-Authenticate: Digest realm=\"rtspgate\", nonce=\"%s\", "
                "algorithm=SHA-256, qop=\"auth\", stale=true, opaque=\"op\\\"aque\"\r\n"
                "WWW-Authenticate: Digest realm=\"rtspgate\", nonce=\"%s\", "
                "algorithm=MD5, qop=\"auth\", stale=true, opaque=\"op\\\"aque\"\r\n",
                nonce, nonce),
        0);
    assert_string_equal(txt, want);
    /* Each line value, picked the client way. */
    struct rtsp_auth_challenge best = {0};
    const char *p = txt;
    while (*p) {
        const char *e = strstr(p, "\r\n");
        assert_non_null(e);
        struct sv line = {p + 18, (size_t)(e - p - 18)};
        assert_int_equal(rtsp_auth_challenge_pick(line, &best), 0);
        p = e + 2;
    }
    assert_int_equal(best.algo, RTSP_AUTH_ALGO_SHA256);
    assert_true(best.stale);
    assert_string_equal(best.opaque, "op\"aque");

    buf_reset(&b);
    s.allow_basic = true;
    s.disable_sha256 = true;
    assert_int_equal(rtsp_auth_server_challenges(&s, false, T0, &b), 0);
    assert_int_equal(buf_append(&b, "", 1), 0);
    assert_null(strstr((const char *)b.data, "SHA-256"));
    assert_null(strstr((const char *)b.data, "stale"));
    assert_non_null(
        strstr((const char *)b.data, "\r\nWWW-Authenticate: Basic realm=\"rtspgate\"\r\n"));

    /* Bad configuration. */
    buf_reset(&b);
    s.secret_len = 8;
    assert_int_equal(rtsp_auth_server_challenges(&s, false, T0, &b), -EINVAL);
    assert_int_equal(b.len, 0);
    assert_int_equal(rtsp_auth_verify(&s, NULL, S("GET"), S("/"), NULL, T0), RTSP_AUTH_INTERNAL);
    s = server();
    char long_realm[RTSP_AUTH_MAX_PARAM + 2];
    memset(long_realm, 'r', sizeof long_realm - 1);
    long_realm[sizeof long_realm - 1] = 0;
    s.realm = long_realm;
    char nonce2[RTSP_AUTH_NONCE_LEN + 1];
    assert_int_equal(rtsp_auth_make_nonce(&s, T0, nonce2, sizeof nonce2), -EINVAL);
    s = server();
    char small[40];
    assert_int_equal(rtsp_auth_server_challenge(&s, RTSP_AUTH_SCHEME_DIGEST, RTSP_AUTH_ALGO_MD5,
                                                false, T0, small, sizeof small),
                     -EMSGSIZE);
    assert_int_equal(rtsp_auth_server_challenge(&s, RTSP_AUTH_SCHEME_DIGEST, RTSP_AUTH_ALGO_UNKNOWN,
                                                false, T0, small, sizeof small),
                     -EINVAL);
    buf_free(&b);

    for (int r = RTSP_AUTH_OK; r <= RTSP_AUTH_INTERNAL; r++)
        assert_string_not_equal(rtsp_auth_result_name((enum rtsp_auth_result)r), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc7616_sha256),
        cmocka_unit_test(test_rfc7616_md5),
        cmocka_unit_test(test_rfc2617),
        cmocka_unit_test(test_hikvision_challenge),
        cmocka_unit_test(test_multi_challenge_pick),
        cmocka_unit_test(test_quoted_escapes),
        cmocka_unit_test(test_oversized),
        cmocka_unit_test(test_authorization_syntax),
        cmocka_unit_test(test_basic_decode),
        cmocka_unit_test(test_basic_verify),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_rfc2069_and_uri),
        cmocka_unit_test(test_bad_nonce),
        cmocka_unit_test(test_server_challenges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
