/* libFuzzer target for src/rtsp/auth.c: the input is one header value, parsed
 * both as WWW-Authenticate (challenge list) and as Authorization, then judged
 * by a server with a fixed secret and clock. The dictionary holds a nonce that
 * is valid for that secret and time, so verification reaches the digest
 * comparison. Invariants checked (abort on violation):
 *  - rtsp_auth_next_challenge() advances on success or -EMSGSIZE;
 *  - an Authorization we write for a usable parsed challenge parses back to
 *    the same username, nonce and uri. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtsp/auth.h"

#define FUZZ_NOW 1700000000u

static const uint8_t secret[] = "rtspgate-fuzz-secret-0123456789";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv v = {(const char *)data, size};
    const struct rtsp_auth_server srv = {
        .realm = "rtspgate",
        .secret = secret,
        .secret_len = sizeof secret - 1,
        .nonce_lifetime_s = 60,
        .allow_basic = true,
    };

    /* WWW-Authenticate */
    size_t pos = 0;
    for (int i = 0; i < 1000; i++) {
        struct rtsp_auth_challenge c;
        size_t before = pos;
        int r = rtsp_auth_next_challenge(v, &pos, &c);
        if (r == -ENOENT || r == -EPROTO)
            break;
        if (pos <= before || pos > size)
            abort(); /* no progress, or past the end */
    }
    struct rtsp_auth_challenge best = {0};
    rtsp_auth_challenge_pick(v, &best);
    if (rtsp_auth_challenge_strength(&best) > 0) {
        static char out[RTSP_AUTH_MAX_VALUE];
        int r = rtsp_auth_client_authorization(&best, SV_LIT("admin"), SV_LIT("12345"),
                                               SV_LIT("DESCRIBE"), SV_LIT("rtsp://cam/live"),
                                               SV_LIT("0a4f113b"), 1, out, sizeof out);
        if (r == 0) {
            static struct rtsp_auth_credentials cr;
            if (rtsp_auth_parse_authorization(sv_from_cstr(out), &cr) != 0)
                abort();
            if (best.scheme == RTSP_AUTH_SCHEME_DIGEST &&
                (strcmp(cr.nonce, best.nonce) || strcmp(cr.realm, best.realm) ||
                 strcmp(cr.uri, "rtsp://cam/live") || strcmp(cr.username, "admin")))
                abort();
            if (best.scheme == RTSP_AUTH_SCHEME_BASIC && strcmp(cr.password, "12345"))
                abort();
        }
    }

    /* Authorization */
    const struct rtsp_auth_user pw = {.username = "admin", .password = "12345"};
    const struct rtsp_auth_user ha1 = {
        .username = "admin",
        .ha1_sha256 = "2132888f0d6f4d74c972bfcaaba368218ad437617791ef5e4dba3c219ed6f791",
    };
    rtsp_auth_check(&srv, v, SV_LIT("DESCRIBE"), SV_LIT("rtsp://cam/live"), &pw, FUZZ_NOW);
    rtsp_auth_check(&srv, v, SV_LIT("PLAY"), SV_LIT("rtsp://cam/live"), &ha1, FUZZ_NOW + 100);
    return 0;
}
