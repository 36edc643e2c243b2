#include "rtp/opus.h"

#include <errno.h>
#include <string.h>

#include "rtp/rtp.h"

void opus_depay_init(struct opus_depay *d)
{
    memset(d, 0, sizeof *d);
}

int opus_depay_push(struct opus_depay *d, uint16_t seq, uint32_t ts, const uint8_t *payload,
                    size_t len, struct rtp_au *au)
{
    if (d->have_seq) {
        int16_t diff = rtp_seq_diff(d->last_seq, seq);
        if (diff <= 0 && diff > -OPUS_DEPAY_REORDER)
            return 0;
        if (diff > 1)
            d->lost += (unsigned)(diff - 1);
    }
    d->have_seq = true;
    d->last_seq = seq;
    if (len == 0 || len > OPUS_MAX_FRAME)
        return -EPROTO;
    if ((payload[0] & 3) == 3 && (len < 2 || (payload[1] & 0x3f) == 0))
        return -EPROTO;
    au->data = payload;
    au->len = len;
    au->rtp_ts = ts;
    au->key = true;
    return 1;
}
