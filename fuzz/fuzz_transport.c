/* libFuzzer: Transport header parse -> format -> parse.
 * Invariants (abort on violation): every view lies inside the input; each
 * parsed alternative formats without error, and what was written parses back
 * to exactly one alternative with the same values; formatting that again
 * gives the same bytes (the canonical form is a fixed point). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtsp/transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const uint8_t *b, size_t n, struct sv v)
{
    if (v.p && ((const uint8_t *)v.p < b || (const uint8_t *)v.p + v.n > b + n))
        abort();
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
           a->has_ttl == b->has_ttl && (!a->has_ttl || a->ttl == b->ttl) &&
           a->has_ssrc == b->has_ssrc && (!a->has_ssrc || a->ssrc == b->ssrc) &&
           !a->destination.p == !b->destination.p && sv_eq(a->destination, b->destination) &&
           !a->source.p == !b->source.p && sv_eq(a->source, b->source) &&
           (a->profile != RTSP_PROFILE_OTHER || sv_ieq(a->profile_text, b->profile_text));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *in = malloc(size ? size : 1); /* exact size for ASan */
    if (!in)
        return 0;
    memcpy(in, data, size);
    struct rtsp_transport t[RTSP_MAX_TRANSPORT_ALTERNATIVES];
    size_t n = 0;
    int r = rtsp_transport_parse((struct sv){(const char *)in, size}, t,
                                 RTSP_MAX_TRANSPORT_ALTERNATIVES, &n);
    if (r != 0 && r != -EPROTO && r != -EMSGSIZE)
        abort();
    if (n > RTSP_MAX_TRANSPORT_ALTERNATIVES || (r == 0 && n == 0))
        abort();
    if (r == -EPROTO)
        n = 0; /* nothing promised about the alternatives */
    for (size_t i = 0; i < n; i++) {
        inside(in, size, t[i].profile_text);
        inside(in, size, t[i].destination);
        inside(in, size, t[i].source);
        struct buf b, b2;
        buf_init(&b, 4096);
        buf_init(&b2, 4096);
        if (rtsp_transport_format(&t[i], &b))
            abort();
        struct rtsp_transport back[2];
        size_t m = 0;
        if (rtsp_transport_parse((struct sv){(const char *)b.data, b.len}, back, 2, &m) || m != 1)
            abort();
        if (!same(&t[i], &back[0]))
            abort();
        if (rtsp_transport_format(&back[0], &b2) || b2.len != b.len ||
            memcmp(b.data, b2.data, b.len))
            abort();
        buf_free(&b);
        buf_free(&b2);
    }
    free(in);
    return 0;
}
