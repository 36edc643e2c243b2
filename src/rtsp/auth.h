/* HTTP authentication for RTSP (RFC 7616 Digest, RFC 2617/2069 Digest, RFC 7617 Basic),
 * client and server roles.
 *
 * Pure: no I/O, no clock, no randomness, no global state. Time comes in as
 * `now_s` (seconds; any clock, but the same one for issuing and checking a
 * nonce), randomness as caller-supplied bytes (the client's cnonce, the
 * server's secret). Hashes and HMAC come from OpenSSL EVP.
 *
 * Parsed values are *copied* (quoted-strings unescaped) into fixed arrays of
 * the output structs, NUL-terminated, so a parsed challenge may be kept after
 * the response that carried it is gone. Nothing returned points into the
 * caller's input. Every field is capped; a longer one is rejected (-EMSGSIZE),
 * never truncated.
 *
 * Client:  for each WWW-Authenticate value of a 401, rtsp_auth_challenge_pick()
 *          keeps the strongest usable challenge (Digest SHA-256 > Digest MD5 >
 *          Basic); rtsp_auth_client_authorization() then writes the
 *          Authorization value for each request (nc incremented by the caller).
 * Server:  rtsp_auth_server_challenges() writes the WWW-Authenticate headers of
 *          a 401; rtsp_auth_check() (one known user) or
 *          rtsp_auth_parse_authorization() + rtsp_auth_verify() (look the user
 *          up by the parsed username in between) judge a request.
 *
 * Stored password hashes ("HA1", what config keys `password_sha256` /
 * `password_md5` hold and `rtspgate passwd` prints): lowercase hex of
 *     SHA-256("<username>:<realm>:<password>")   (64 hex digits)
 *     MD5("<username>:<realm>:<password>")       (32 hex digits)
 * i.e. the RFC 7616 §3.4.2 A1 hash of the non-"-sess" algorithm. It is tied to
 * the realm: changing the realm invalidates stored hashes. A SHA-256 HA1 alone
 * cannot answer MD5 Digest clients (most cameras and players speak only MD5);
 * store both to serve both. Basic credentials are checked against either.
 *
 * Nonces (server): stateless, 48 lowercase hex digits =
 *     hex( be64(issue_time_s) || HMAC-SHA256(secret, "rtspgate-nonce-1" || be64(issue_time_s) ||
 * realm)[0..16) ) A nonce that fails the HMAC is BAD_NONCE; one older than the lifetime (or issued
 * more than RTSP_AUTH_NONCE_FUTURE_SKEW_S in the future) is STALE_NONCE, reported only when the
 * response is otherwise correct, so the client retries with the fresh nonce of a `stale=true`
 * challenge without asking its user. Being stateless, nonce counts are not tracked: a captured
 * response can be replayed for the same method and URI until its nonce expires. */
#ifndef RTSPGATE_RTSP_AUTH_H
#define RTSPGATE_RTSP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/sv.h"

/* Caps (bytes, after unescaping, without the NUL). */
#define RTSP_AUTH_MAX_PARAM    255 /* username, password, realm, nonce, cnonce, opaque */
#define RTSP_AUTH_MAX_URI      RTSP_MAX_URL_BYTES
#define RTSP_AUTH_MAX_RESPONSE 128 /* the response digest as sent (64 hex for SHA-256) */
#define RTSP_AUTH_MAX_HEX      64  /* an HA1 / response in hex: SHA-256 */
/* An output buffer of this size always holds a value written here. */
#define RTSP_AUTH_MAX_VALUE 8192
/* Secrets shorter than this are refused (-EINVAL). */
#define RTSP_AUTH_MIN_SECRET 16
/* nonce_lifetime_s = 0 means this. Long, because players re-use the nonce of
 * the first 401 for every request of an RTSP session (keepalives included). */
#define RTSP_AUTH_DEFAULT_NONCE_LIFETIME_S 3600
#define RTSP_AUTH_NONCE_FUTURE_SKEW_S      60
#define RTSP_AUTH_NONCE_LEN                48

enum rtsp_auth_scheme {
    RTSP_AUTH_SCHEME_NONE = 0, /* nothing parsed / nothing usable picked */
    RTSP_AUTH_SCHEME_BASIC,
    RTSP_AUTH_SCHEME_DIGEST,
    RTSP_AUTH_SCHEME_OTHER, /* a syntactically valid scheme we do not speak */
};

enum rtsp_auth_algo {
    RTSP_AUTH_ALGO_MD5 = 0, /* also when the algorithm parameter is absent */
    RTSP_AUTH_ALGO_MD5_SESS,
    RTSP_AUTH_ALGO_SHA256,
    RTSP_AUTH_ALGO_SHA256_SESS,
    RTSP_AUTH_ALGO_UNKNOWN, /* e.g. SHA-512-256: the challenge is unusable */
};

/* A parsed WWW-Authenticate challenge (one scheme of a header value). */
struct rtsp_auth_challenge {
    enum rtsp_auth_scheme scheme;
    enum rtsp_auth_algo algo;
    bool has_algorithm; /* algorithm= was present (echoed in the response then) */
    bool has_qop;       /* qop= was present */
    bool qop_auth;      /* ... and listed "auth" (we never do auth-int) */
    bool stale;         /* stale=true (case-insensitive, quoted or not) */
    bool userhash;      /* userhash=true: unsupported, the challenge is unusable */
    bool has_opaque;
    char realm[RTSP_AUTH_MAX_PARAM + 1];
    char nonce[RTSP_AUTH_MAX_PARAM + 1];
    char opaque[RTSP_AUTH_MAX_PARAM + 1];
};

/* Parsed Authorization credentials. */
struct rtsp_auth_credentials {
    enum rtsp_auth_scheme scheme;
    /* Digest (username also for Basic) */
    char username[RTSP_AUTH_MAX_PARAM + 1];
    char realm[RTSP_AUTH_MAX_PARAM + 1];
    char nonce[RTSP_AUTH_MAX_PARAM + 1];
    char uri[RTSP_AUTH_MAX_URI + 1];
    char response[RTSP_AUTH_MAX_RESPONSE + 1];
    enum rtsp_auth_algo algo;
    bool has_algorithm;
    bool has_qop;
    char qop[16]; /* as sent, e.g. "auth" */
    bool has_nc;
    char nc[9]; /* as sent (1..8 hex digits): the hash uses the text */
    uint32_t nc_value;
    char cnonce[RTSP_AUTH_MAX_PARAM + 1];
    bool has_opaque;
    char opaque[RTSP_AUTH_MAX_PARAM + 1];
    bool userhash;
    /* Basic */
    char password[RTSP_AUTH_MAX_PARAM + 1];
};

/* ---- challenges (client side parsing) ---- */

/* Parse the next challenge of a WWW-Authenticate value, starting at *pos (0
 * for the first). A value may hold several: `Digest realm="a", nonce="b",
 * Basic realm="a"`. Unknown schemes (token68 or params) parse as
 * RTSP_AUTH_SCHEME_OTHER, unknown params are skipped.
 * Returns 0 (*out filled, *pos advanced); -ENOENT: no more challenges;
 * -EMSGSIZE: a field exceeds its cap (*pos is past that challenge: going on
 * is possible); -EPROTO: bad syntax (*pos is at the end: stop). Duplicate
 * known parameters are -EPROTO. */
int rtsp_auth_next_challenge(struct sv value, size_t *pos, struct rtsp_auth_challenge *out);

/* Strength of a challenge for picking: 0 unusable (unknown scheme or
 * algorithm, no nonce, qop without "auth", -sess without qop, userhash),
 * 1 Basic, 2 Digest MD5(-sess), 3 Digest SHA-256(-sess). */
int rtsp_auth_challenge_strength(const struct rtsp_auth_challenge *c);

/* Parse every challenge of one WWW-Authenticate value and keep in *best the
 * strongest usable one seen so far (the first of equal strength). Call it for
 * each WWW-Authenticate header with the same *best, zeroed before the first
 * call; afterwards best->scheme == RTSP_AUTH_SCHEME_NONE means nothing usable.
 * Returns 0, or the first error of rtsp_auth_next_challenge() other than
 * -ENOENT (challenges before the error are still considered). */
int rtsp_auth_challenge_pick(struct sv value, struct rtsp_auth_challenge *best);

/* ---- client role ---- */

/* Write the Authorization header value (no "Authorization: ", no CRLF) for one
 * request into out (NUL-terminated) for a usable challenge `c`.
 * method: e.g. "DESCRIBE"; uri: exactly as on the request line.
 * cnonce: caller-generated random token (e.g. 16+ hex digits), used with
 *   qop=auth and -sess; must be non-empty then, and free of '"', '\\' and CTLs.
 * nc: nonce count for this nonce, 1 for the first request; the caller
 *   increments it per request and resets it on a new nonce.
 * Digest without qop in the challenge is answered RFC 2069 style (no qop, nc,
 * cnonce). Basic: user-id must not contain ':'.
 * Returns 0, -EINVAL (unusable challenge, bad argument, CTL or NUL in a
 * name), -EMSGSIZE (out too small or a field over its cap), -EIO (OpenSSL). */
int rtsp_auth_client_authorization(const struct rtsp_auth_challenge *c, struct sv username,
                                   struct sv password, struct sv method, struct sv uri,
                                   struct sv cnonce, uint32_t nc, char *out, size_t out_size);

/* ---- stored hashes ---- */

/* out = lowercase hex HA1 = H(username ":" realm ":" password), H by the
 * algorithm's hash (a -sess algorithm gives its base hash). out_size must be
 * >= 33 (MD5) / 65 (SHA-256). Returns 0, -EINVAL, -EMSGSIZE, -EIO. */
int rtsp_auth_ha1_hex(enum rtsp_auth_algo algo, struct sv username, struct sv realm,
                      struct sv password, char *out, size_t out_size);

/* ---- server role ---- */

/* Server configuration; borrowed (not copied) by every call that takes it. */
struct rtsp_auth_server {
    const char *realm;     /* required; printable text */
    const uint8_t *secret; /* >= RTSP_AUTH_MIN_SECRET random bytes, kept private.
                              A new secret invalidates outstanding nonces (BAD_NONCE). */
    size_t secret_len;
    uint32_t nonce_lifetime_s; /* 0: RTSP_AUTH_DEFAULT_NONCE_LIFETIME_S */
    const char *opaque;        /* sent in Digest challenges when non-NULL; not checked */
    bool allow_basic;          /* accept Basic (only sensible over TLS) */
    bool disable_md5;          /* refuse Digest MD5 and MD5-sess, don't offer MD5 */
    bool disable_sha256;       /* refuse Digest SHA-256(-sess), don't offer it */
    bool require_qop;          /* refuse RFC 2069 (no qop) responses */
    bool check_uri;            /* digest uri= must equal the request-URI byte for byte */
};

/* A user's credentials, any subset of them; borrowed. */
struct rtsp_auth_user {
    const char *username;
    const char *password;   /* plaintext, or NULL */
    const char *ha1_md5;    /* hex MD5("user:realm:password") (any case), or NULL */
    const char *ha1_sha256; /* hex SHA-256("user:realm:password"), or NULL */
};

enum rtsp_auth_result {
    RTSP_AUTH_OK = 0,
    RTSP_AUTH_MISSING,                /* no Authorization header */
    RTSP_AUTH_BAD_SYNTAX,             /* unparsable, field over a cap, required field missing */
    RTSP_AUTH_UNSUPPORTED,            /* other scheme, algorithm, qop, userhash, or one disabled */
    RTSP_AUTH_BASIC_NOT_ALLOWED,      /* Basic while allow_basic is false */
    RTSP_AUTH_WRONG_USER_OR_PASSWORD, /* unknown user, other realm, wrong digest/password */
    RTSP_AUTH_NO_HASH_FOR_ALGORITHM,  /* the user has no password / HA1 usable for it */
    RTSP_AUTH_STALE_NONCE,            /* correct, but the nonce expired: challenge stale=true */
    RTSP_AUTH_BAD_NONCE,              /* not a nonce of ours (forged, or older secret) */
    RTSP_AUTH_URI_MISMATCH,           /* check_uri and uri= differs from the request-URI */
    RTSP_AUTH_INTERNAL,               /* bad server config or OpenSSL failure */
};

const char *rtsp_auth_result_name(enum rtsp_auth_result r); /* static text */

/* Write a fresh nonce for now_s into out (>= RTSP_AUTH_NONCE_LEN + 1 bytes).
 * Returns 0, -EINVAL (config), -EMSGSIZE, -EIO. */
int rtsp_auth_make_nonce(const struct rtsp_auth_server *s, uint64_t now_s, char *out,
                         size_t out_size);

/* Write one challenge value (no "WWW-Authenticate: ", no CRLF) into out:
 * scheme DIGEST: `Digest realm="..", nonce="..", algorithm=SHA-256, qop="auth"[, stale=true][,
 * opaque=".."]` (algo MD5 or SHA256; the -sess variants are accepted but not offered); scheme
 * BASIC: `Basic realm=".."`. Returns 0, -EINVAL, -EMSGSIZE, -EIO. */
int rtsp_auth_server_challenge(const struct rtsp_auth_server *s, enum rtsp_auth_scheme scheme,
                               enum rtsp_auth_algo algo, bool stale, uint64_t now_s, char *out,
                               size_t out_size);

/* Append the "WWW-Authenticate: ...\r\n" lines of a 401 to out: Digest SHA-256
 * first, then Digest MD5 (clients that read only the last Digest header or
 * ignore algorithm= then still work), then Basic when allowed. stale: after
 * RTSP_AUTH_STALE_NONCE. Returns 0, -EINVAL, -EMSGSIZE, -ENOMEM, -EIO. */
int rtsp_auth_server_challenges(const struct rtsp_auth_server *s, bool stale, uint64_t now_s,
                                struct buf *out);

/* Parse an Authorization value ("Digest k=v, ..." or "Basic token68").
 * Digest requires username, realm, nonce, uri and response; qop=auth requires
 * nc and cnonce. Basic's base64 must decode (padding optional) to
 * "user:password" without NUL. Other schemes give scheme OTHER and 0.
 * Returns 0, -EPROTO (syntax, missing field), -EMSGSIZE (field over a cap). */
int rtsp_auth_parse_authorization(struct sv value, struct rtsp_auth_credentials *out);

/* Judge parsed credentials for one request (method and request-URI as on the
 * request line) against user `u` (NULL: unknown user), at time now_s.
 * Comparisons of secrets and digests are constant-time. */
enum rtsp_auth_result rtsp_auth_verify(const struct rtsp_auth_server *s,
                                       const struct rtsp_auth_credentials *cr, struct sv method,
                                       struct sv uri, const struct rtsp_auth_user *u,
                                       uint64_t now_s);

/* Parse + verify for a single known user. authorization.p == NULL: header
 * absent (MISSING). */
enum rtsp_auth_result rtsp_auth_check(const struct rtsp_auth_server *s, struct sv authorization,
                                      struct sv method, struct sv uri,
                                      const struct rtsp_auth_user *u, uint64_t now_s);

#endif
