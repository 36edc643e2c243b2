/* libFuzzer: MJPEG (RFC 2435) RTP depacketizer.
 *
 * Input: records of [flags:1][seq:2][ts:4][len:2][payload:len] (big endian;
 * flags bit 0 = marker), fed in order to one depacketizer with a small cap.
 * Every frame out is checked (SOI first, EOI last, within the cap) and read whole (for ASan). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rtp/mjpeg.h"
#include "records.h"

#define MAX_AU (64 * 1024)

static unsigned sum;

static void check_au(const struct rtp_au *au)
{
    if (au->len < 4 || au->len > MAX_AU || au->data[0] != 0xff || au->data[1] != 0xd8 ||
        au->data[au->len - 2] != 0xff || au->data[au->len - 1] != 0xd9 || !au->key)
        abort();
    for (size_t i = 0; i < au->len; i++)
        sum += au->data[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mjpeg_depay d;
    mjpeg_depay_init(&d, MAX_AU);
    size_t off = 0;
    struct fuzz_rec rec;
    while (fuzz_next_rec(data, size, &off, &rec)) {
        struct rtp_au au;
        int r = mjpeg_depay_push(&d, rec.seq, rec.ts, rec.marker, rec.payload, rec.len, &au);
        if (r == 1)
            check_au(&au);
        else if (r != 0 && r != -EPROTO)
            abort();
    }
    if (d.scan.cap > MAX_AU || d.out.cap > MAX_AU)
        abort();
    mjpeg_depay_free(&d);
    return 0;
}
