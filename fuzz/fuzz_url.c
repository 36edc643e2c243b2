/* libFuzzer: URL parse, percent-decode and relative resolution.
 * The input is "base\nref" (without a newline: the whole input is both).
 * Invariants (abort on violation): parsed views lie inside the input and
 * the host is not empty; a decoded string never exceeds its buffer; a
 * successful resolve gives a NUL-terminated URL that parses again (unless it
 * is over the URL cap), that resolves to itself against any base, and that
 * is the same when resolved against itself with an empty reference. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "rtsp/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const char *b, size_t n, struct sv v)
{
    if (v.p && (v.p < b || v.p + v.n > b + n))
        abort();
}

static void check_parse(const char *s, size_t n)
{
    struct rtsp_url u;
    int r = rtsp_url_parse((struct sv){s, n}, &u);
    if (r != 0 && r != -EPROTO)
        abort();
    if (r)
        return;
    inside(s, n, u.scheme);
    inside(s, n, u.user);
    inside(s, n, u.password);
    inside(s, n, u.host);
    inside(s, n, u.path);
    inside(s, n, u.query);
    if (!u.host.n || !u.scheme.n || (u.has_port && u.port == 0))
        abort();
    if (u.path.n && u.path.p[0] != '/')
        abort();
    char dec[64];
    struct sv parts[2] = {u.user, u.password};
    for (int i = 0; i < 2; i++) {
        r = url_percent_decode(parts[i], dec, sizeof dec);
        if (r != 0 && r != -EPROTO && r != -EMSGSIZE)
            abort();
        if (r == 0 && strlen(dec) > parts[i].n)
            abort();
    }
    (void)rtsp_url_default_port(u.scheme);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size ? size : 1); /* exact size for ASan */
    if (!in)
        return 0;
    memcpy(in, data, size);
    const char *nl = size ? memchr(in, '\n', size) : NULL;
    struct sv base = {in, nl ? (size_t)(nl - in) : size};
    struct sv ref = nl ? (struct sv){nl + 1, size - base.n - 1} : base;
    check_parse(base.p, base.n);
    if (nl)
        check_parse(ref.p, ref.n);
    static char out[2 * RTSP_MAX_URL_BYTES + 16], again[2 * RTSP_MAX_URL_BYTES + 16];
    int r = rtsp_url_resolve(base, ref, out, sizeof out);
    if (r != 0 && r != -EPROTO && r != -EMSGSIZE)
        abort();
    if (r) {
        if (out[0])
            abort();
    } else {
        size_t n = strlen(out);
        if (n >= sizeof out)
            abort();
        if (n <= RTSP_MAX_URL_BYTES) {
            struct rtsp_url u;
            if (rtsp_url_parse((struct sv){out, n}, &u))
                abort();
            /* an absolute reference resolves to itself */
            if (rtsp_url_resolve(SV_LIT("rtsp://x/"), (struct sv){out, n}, again, sizeof again) ||
                strcmp(out, again))
                abort();
            /* the result is normalized: resolving "" against it keeps it */
            if (rtsp_url_resolve((struct sv){out, n}, SV_LIT(""), again, sizeof again) ||
                strcmp(out, again))
                abort();
        }
    }
    /* a small output buffer: fails cleanly or fits */
    char small[16];
    r = rtsp_url_resolve(base, ref, small, sizeof small);
    if (r == 0 && strlen(small) >= sizeof small)
        abort();
    free(in);
    return 0;
}
