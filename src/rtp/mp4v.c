#include "rtp/mp4v.h"

#include <errno.h>
#include <string.h>

#include "rtp/rtp.h"

void mp4v_depay_init(struct mp4v_depay *d, size_t max_frame)
{
    memset(d, 0, sizeof *d);
    if (!max_frame)
        max_frame = 8u << 20;
    buf_init(&d->frame, max_frame);
    buf_init(&d->out, max_frame);
}

void mp4v_depay_free(struct mp4v_depay *d)
{
    if (!d)
        return;
    buf_free(&d->frame);
    buf_free(&d->out);
}

bool mp4v_frame_is_key(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 4 < len; i++)
        if (p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1 && p[i + 3] == 0xb6)
            return (p[i + 4] >> 6) == 0;
    return false;
}

/* The frame in progress is over: 1 with *au when it is whole. */
static int complete(struct mp4v_depay *d, struct rtp_au *au)
{
    int r = 0;
    if (d->frame.len && !d->damaged) {
        struct buf t = d->out;
        d->out = d->frame;
        d->frame = t;
        au->data = d->out.data;
        au->len = d->out.len;
        au->rtp_ts = d->ts;
        au->key = mp4v_frame_is_key(d->out.data, d->out.len);
        r = 1;
    } else if (d->frame.len || d->damaged) {
        d->dropped++;
    }
    buf_reset(&d->frame);
    d->damaged = false;
    return r;
}

static bool starts_with_code(const uint8_t *p, size_t len)
{
    return len >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 1;
}

int mp4v_depay_push(struct mp4v_depay *d, uint16_t seq, uint32_t ts, bool marker,
                    const uint8_t *payload, size_t len, struct rtp_au *au)
{
    int ret = 0;
    if (d->ended) { /* its marker came in the call that returned the frame before it */
        d->ended = false;
        ret = complete(d, au);
    }
    bool gap = true;
    if (d->have_seq) {
        int16_t diff = rtp_seq_diff(d->last_seq, seq);
        if (diff <= 0 && diff > -MP4V_DEPAY_REORDER)
            return ret;
        gap = diff != 1;
    }
    d->have_seq = true;
    d->last_seq = seq;
    if (!len)
        return ret ? ret : -EPROTO;
    bool new_ts = !d->have_ts || ts != d->ts;
    if (gap && (d->frame.len || d->damaged))
        d->damaged = true;
    if (new_ts && (d->frame.len || d->damaged)) {
        if (ret == 0) {
            ret = complete(d, au); /* a frame whose marker was lost or never sent */
        } else { /* not reachable: `ended` leaves nothing in progress */
            buf_reset(&d->frame);
            d->damaged = false;
            d->dropped++;
        }
    }
    if (new_ts) {
        d->ts = ts;
        d->have_ts = true;
    }
    if (gap && !(new_ts && starts_with_code(payload, len)))
        d->damaged = true;
    if (!d->damaged && buf_append(&d->frame, payload, len))
        d->damaged = true;
    if (marker) {
        if (ret == 0)
            ret = complete(d, au);
        else
            d->ended = true;
    }
    return ret;
}
