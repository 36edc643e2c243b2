/* libFuzzer: G.711 (RFC 3551) RTP depacketizer.
 *
 * Input: records of [flags:1][seq:2][ts:4][len:2][payload:len] (big endian;
 * flags bit 0 = marker), fed in order to one depacketizer with a small cap.
 * Every frame out is checked (the whole payload, not empty) and read whole (for ASan). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rtp/g711.h"
#include "records.h"

#define MAX_AU (64 * 1024)

static unsigned sum;

static void check_au(const struct rtp_au *au)
{
    if (au->len == 0 || au->len > G711_MAX_FRAME)
        abort();
    for (size_t i = 0; i < au->len; i++)
        sum += au->data[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct g711_depay d;
    g711_depay_init(&d);
    size_t off = 0;
    struct fuzz_rec rec;
    while (fuzz_next_rec(data, size, &off, &rec)) {
        struct rtp_au au;
        int r = g711_depay_push(&d, rec.seq, rec.ts, rec.payload, rec.len, &au);
        if (r == 1)
            check_au(&au);
        else if (r != 0 && r != -EPROTO)
            abort();
    }
    return 0;
}
