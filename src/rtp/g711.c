#include "rtp/g711.h"

#include <errno.h>
#include <string.h>

#include "rtp/rtp.h"

void g711_depay_init(struct g711_depay *d)
{
    memset(d, 0, sizeof *d);
}

int g711_depay_push(struct g711_depay *d, uint16_t seq, uint32_t ts, const uint8_t *payload,
                    size_t len, struct rtp_au *au)
{
    if (d->have_seq) {
        int16_t diff = rtp_seq_diff(d->last_seq, seq);
        if (diff <= 0 && diff > -G711_DEPAY_REORDER)
            return 0;
        if (diff > 1)
            d->lost += (unsigned)(diff - 1);
    }
    d->have_seq = true;
    d->last_seq = seq;
    if (len == 0 || len > G711_MAX_FRAME)
        return -EPROTO;
    au->data = payload;
    au->len = len;
    au->rtp_ts = ts;
    au->key = true;
    return 1;
}
