/* libFuzzer: H.264 RTP depacketizer.
 *
 * Input: records of [flags:1][seq:2][ts:4][len:2][payload:len] (big endian;
 * flags bit 0 = marker), fed in order to one depacketizer with a small AU cap.
 * If flags bit 7 of the first record is set, the rest of the input is instead
 * taken as one Annex B access unit for a packetize -> depacketize round trip,
 * which must give back exactly its NAL units. If instead bit 6 is set, the
 * rest is one AVCC access unit with (flags & 3) + 1 byte NAL lengths, fed to
 * the packetizer and h264_au_is_key (no crash, payloads within the limit). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rtp/h264.h"
#include "records.h"

#define MAX_AU (64 * 1024)

static unsigned sum;

static void check_au(const struct rtp_au *au)
{
    if (au->len < 5 || au->len > MAX_AU || memcmp(au->data, "\0\0\0\1", 4))
        abort();
    for (size_t i = 0; i < au->len; i++) /* let ASan see every byte */
        sum += au->data[i];
}

struct sink {
    struct h264_depay d;
    uint16_t seq;
    int n_out;
    struct buf got;
};

static int emit(void *ctx, const struct rtp_chunk *parts, int nparts, bool marker)
{
    struct sink *s = ctx;
    uint8_t pl[1500];
    size_t n = 0;
    if (nparts < 1 || nparts > 4)
        abort();
    for (int i = 0; i < nparts; i++) {
        if (parts[i].n > sizeof pl - n)
            abort();
        memcpy(pl + n, parts[i].p, parts[i].n);
        n += parts[i].n;
    }
    if (n > 1400)
        abort();
    struct rtp_au au;
    int r = h264_depay_push(&s->d, s->seq++, 3000, marker, pl, n, &au);
    if (r < 0)
        abort();
    if (r == 1) {
        s->n_out++;
        if (buf_append(&s->got, au.data, au.len))
            abort();
    }
    return 0;
}

static void roundtrip(const uint8_t *data, size_t size)
{
    /* an AUD in front, so the AU visibly starts; NAL types that mean
     * aggregation or fragmentation on the wire cannot be sent as single NALs */
    struct buf in, want;
    buf_init(&in, size + 8);
    buf_init(&want, 2 * size + 16);
    static const uint8_t aud[] = {0, 0, 0, 1, 0x09, 0xf0};
    buf_append(&in, aud, sizeof aud);
    buf_append(&in, data, size);
    size_t pos = 0, n_nals = 0;
    const uint8_t *nal;
    size_t nl;
    bool ok = true;
    while (h264_annexb_next(in.data, in.len, &pos, &nal, &nl)) {
        if (!nl)
            continue;
        unsigned t = nal[0] & 0x1f;
        if (t == 0 || t >= 24)
            ok = false;
        n_nals++;
        buf_append(&want, "\0\0\0\1", 4);
        buf_append(&want, nal, nl);
    }
    if (ok && n_nals <= 256 && want.len <= MAX_AU) {
        struct sink s = {.seq = 1};
        h264_depay_init(&s.d, MAX_AU);
        buf_init(&s.got, 2 * MAX_AU);
        if (h264_packetize(in.data, in.len, 0, 1400, emit, &s))
            abort();
        if (s.n_out != 1 || s.got.len != want.len || memcmp(s.got.data, want.data, want.len))
            abort();
        if (s.d.dropped_aus)
            abort();
        h264_depay_free(&s.d);
        buf_free(&s.got);
    }
    buf_free(&in);
    buf_free(&want);
}

static int emit_count(void *ctx, const struct rtp_chunk *parts, int nparts, bool marker)
{
    size_t n = 0;
    for (int i = 0; i < nparts; i++)
        n += parts[i].n;
    if (nparts < 1 || nparts > 4 || n > 1400)
        abort();
    ++*(unsigned *)ctx;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 1 && (data[0] & 0x80)) {
        roundtrip(data + 1, size - 1);
        return 0;
    }
    if (size >= 1 && (data[0] & 0x40)) {
        int nls = (data[0] & 3) + 1;
        unsigned n = 0;
        int r = h264_packetize(data + 1, size - 1, nls, 1400, emit_count, &n);
        if (r != 0 && r != -EPROTO)
            abort();
        (void)h264_au_is_key(data + 1, size - 1, nls);
        (void)h264_au_is_key(data + 1, size - 1, 0);
        return 0;
    }
    struct h264_depay d;
    h264_depay_init(&d, MAX_AU);
    size_t off = 0;
    struct fuzz_rec rec;
    while (fuzz_next_rec(data, size, &off, &rec)) {
        struct rtp_au au;
        int r = h264_depay_push(&d, rec.seq, rec.ts, rec.marker, rec.payload, rec.len, &au);
        if (r == 1)
            check_au(&au);
        else if (r != 0 && r != -EPROTO)
            abort();
    }
    if (d.au.cap > MAX_AU || d.out.cap > MAX_AU)
        abort();
    h264_depay_free(&d);
    return 0;
}
