/* libFuzzer: RTSP-over-HTTP tunnel framing: HTTP request head + streaming
 * base64 body. Invariants (abort on violation): the parser returns only its
 * documented codes; parsed views lie inside the head; the cookie is 1..max
 * printable bytes; the body decodes the same whether fed whole or split at
 * every position chosen by the first byte; encode(decode(x)) decodes back to
 * the same bytes; the client's answer-head parser returns only its codes and
 * a head inside the input. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtsp/tunnel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const char *b, size_t n, struct sv v)
{
    if (v.p && (v.p < b || v.p + v.n > b + n))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    char *in = malloc(size ? size : 1);
    if (!in)
        return 0;
    memcpy(in, data, size);
    int s = tunnel_sniff(in, size);
    if (s != 0 && s != 1 && s != -EAGAIN)
        abort();
    struct tunnel_req r;
    const char *err = NULL;
    int rc = tunnel_parse_head(in, size, 4096, &r, &err);
    const char *body = in;
    size_t body_n = size;
    if (rc == 0) {
        if (err || r.head_len == 0 || r.head_len > size || r.head_len > 4096)
            abort();
        if (s != 1)
            abort(); /* a parsed head must be sniffed as HTTP */
        inside(in, r.head_len, r.path);
        inside(in, r.head_len, r.cookie);
        inside(in, r.head_len, r.accept);
        inside(in, r.head_len, r.content_type);
        inside(in, r.head_len, r.authorization);
        if (!r.cookie.n || r.cookie.n > TUNNEL_MAX_COOKIE)
            abort();
        body = in + r.head_len;
        body_n = size - r.head_len;
    } else if (rc == -EPROTO || rc == -EMSGSIZE) {
        if (!err)
            abort();
    } else if (rc != -EAGAIN) {
        abort();
    }

    /* the client's parser of the GET leg's answer head: documented codes,
     * a head inside the input and within the cap, a 3-digit status */
    {
        int status = -1;
        size_t hl = 0;
        const char *why = NULL;
        int pr = tunnel_parse_reply(in, size, 4096, &status, &hl, &why);
        if (pr == 0) {
            if (hl == 0 || hl > size || hl > 4096 || status < 100 || status > 999)
                abort();
        } else if (pr == -EPROTO || pr == -EMSGSIZE) {
            if (!why)
                abort();
        } else if (pr != -EAGAIN) {
            abort();
        }
    }

    /* body: whole vs split */
    size_t cap = b64_dec_max_out(body_n);
    uint8_t *whole = malloc(cap), *split = malloc(cap + 3);
    struct b64_dec d;
    b64_dec_init(&d);
    long wn = b64_dec_feed(&d, body, body_n, whole, cap);
    bool widle = b64_dec_idle(&d);
    if (wn < 0 && wn != -EPROTO)
        abort();
    size_t step = size ? (size_t)data[0] % 7 + 1 : 1;
    b64_dec_init(&d);
    size_t sn = 0;
    long last = 0;
    for (size_t off = 0; off < body_n; off += step) {
        size_t k = body_n - off < step ? body_n - off : step;
        uint8_t tmp[16];
        last = b64_dec_feed(&d, body + off, k, tmp, sizeof tmp);
        if (last < 0)
            break;
        memcpy(split + sn, tmp, (size_t)last);
        sn += (size_t)last;
    }
    if (wn >= 0) {
        if (last < 0 || (size_t)wn != sn || memcmp(whole, split, sn) || widle != b64_dec_idle(&d))
            abort();
        /* round trip */
        size_t en = b64_enc_size((size_t)wn);
        char *enc = malloc(en);
        long el = b64_encode(whole, (size_t)wn, enc, en);
        if (el < 0 || (size_t)el + 1 != en || enc[el])
            abort();
        uint8_t *back = malloc(b64_dec_max_out((size_t)el));
        b64_dec_init(&d);
        long bn = b64_dec_feed(&d, enc, (size_t)el, back, b64_dec_max_out((size_t)el));
        if (bn != wn || memcmp(back, whole, (size_t)wn) || !b64_dec_idle(&d))
            abort();
        free(back);
        free(enc);
    } else if (last >= 0) {
        abort(); /* split input accepted what whole input rejected */
    }
    free(whole);
    free(split);
    free(in);
    return 0;
}
