/* libFuzzer: MPEG-4 Part 2 (RFC 6416) RTP depacketizer.
 *
 * Input: records of [flags:1][seq:2][ts:4][len:2][payload:len] (big endian;
 * flags bit 0 = marker), fed in order to one depacketizer with a small cap.
 * Every frame out is checked (not empty, within the cap) and read whole (for ASan). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rtp/mp4v.h"
#include "records.h"

#define MAX_AU (64 * 1024)

static unsigned sum;

static void check_au(const struct rtp_au *au)
{
    if (au->len == 0 || au->len > MAX_AU)
        abort();
    for (size_t i = 0; i < au->len; i++)
        sum += au->data[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mp4v_depay d;
    mp4v_depay_init(&d, MAX_AU);
    size_t off = 0;
    struct fuzz_rec rec;
    while (fuzz_next_rec(data, size, &off, &rec)) {
        struct rtp_au au;
        int r = mp4v_depay_push(&d, rec.seq, rec.ts, rec.marker, rec.payload, rec.len, &au);
        if (r == 1)
            check_au(&au);
        else if (r != 0 && r != -EPROTO)
            abort();
    }
    if (d.frame.cap > MAX_AU || d.out.cap > MAX_AU)
        abort();
    mp4v_depay_free(&d);
    return 0;
}
