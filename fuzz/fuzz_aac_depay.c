/* libFuzzer: AAC (RFC 3640 AAC-hbr) RTP depacketizer.
 *
 * Input: records of [flags:1][seq:2][ts:4][len:2][payload:len] (big endian;
 * flags bit 0 = marker). If flags bit 7 of the first record is set, the rest
 * is one raw AAC frame for a packetize -> depacketize round trip (payload size
 * from the second byte), which must give back the frame exactly. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rtp/aac.h"
#include "records.h"

#define MAX_FRAME 8192

static unsigned sum;

struct sink {
    struct aac_depay d;
    uint16_t seq;
    int n_out;
    const uint8_t *want;
    size_t want_len;
};

static int emit(void *ctx, const struct rtp_chunk *parts, int nparts, bool marker)
{
    struct sink *s = ctx;
    uint8_t pl[2048];
    size_t n = 0;
    for (int i = 0; i < nparts; i++) {
        if (parts[i].n > sizeof pl - n)
            abort();
        memcpy(pl + n, parts[i].p, parts[i].n);
        n += parts[i].n;
    }
    if (aac_depay_push(&s->d, s->seq++, 1024, marker, pl, n))
        abort();
    struct rtp_au au;
    int r;
    while ((r = aac_depay_next(&s->d, &au)) == 1) {
        if (au.len != s->want_len || memcmp(au.data, s->want, au.len) || au.rtp_ts != 1024)
            abort();
        s->n_out++;
    }
    if (r)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 2 && (data[0] & 0x80)) {
        size_t max_payload = 5 + data[1] * 8u;
        struct sink s = {.seq = 7, .want = data + 2, .want_len = size - 2};
        aac_depay_init(&s.d, MAX_FRAME);
        int r = aac_packetize(data + 2, size - 2, max_payload, emit, &s);
        if (r == 0 && s.n_out != 1)
            abort();
        if (r && size - 2 > 0 && size - 2 <= 8191)
            abort();
        aac_depay_free(&s.d);
        return 0;
    }
    struct aac_depay d;
    aac_depay_init(&d, MAX_FRAME);
    size_t off = 0;
    struct fuzz_rec rec;
    while (fuzz_next_rec(data, size, &off, &rec)) {
        int r = aac_depay_push(&d, rec.seq, rec.ts, rec.marker, rec.payload, rec.len);
        if (r != 0 && r != -EPROTO)
            abort();
        struct rtp_au au;
        while ((r = aac_depay_next(&d, &au)) == 1) {
            if (!au.len || au.len > MAX_FRAME)
                abort();
            for (size_t i = 0; i < au.len; i++)
                sum += au.data[i];
        }
        if (r != 0 && r != -EPROTO)
            abort();
    }
    if (d.frag.cap > MAX_FRAME)
        abort();
    aac_depay_free(&d);
    return 0;
}
