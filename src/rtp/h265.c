#include "rtp/h265.h"

#include <errno.h>
#include <string.h>

#include "rtp/rtp.h"

static const uint8_t start_code[4] = {0, 0, 0, 1};

bool h265_nal_is_key(unsigned t)
{
    return (t >= 16 && t <= 21) || t == 32 || t == 33;
}

void h265_depay_init(struct h265_depay *d, size_t max_au)
{
    memset(d, 0, sizeof(*d));
    if (!max_au)
        max_au = 8u << 20;
    buf_init(&d->au, max_au);
    buf_init(&d->out, max_au);
}

void h265_depay_free(struct h265_depay *d)
{
    if (!d)
        return;
    buf_free(&d->au);
    buf_free(&d->out);
}

static void new_au(struct h265_depay *d, bool damaged)
{
    buf_reset(&d->au);
    d->in_fu = false;
    d->key = false;
    d->damaged = damaged;
}

static unsigned nal_type(const uint8_t *nal)
{
    return (nal[0] >> 1) & 0x3f;
}

static int add_nal(struct h265_depay *d, const uint8_t *nal, size_t n)
{
    if (n < 2 || (nal[0] & 0x80)) /* forbidden_zero_bit */
        return -EPROTO;
    unsigned t = nal_type(nal);
    if (t == 48 || t == 49 || t == 50)
        return -EPROTO; /* packet types are not NAL units of the stream */
    if (h265_nal_is_key(t))
        d->key = true;
    if (buf_append(&d->au, start_code, 4) || buf_append(&d->au, nal, n))
        return -EMSGSIZE;
    return 0;
}

static int complete(struct h265_depay *d, struct rtp_au *au)
{
    if (!d->au.len && !d->damaged)
        return 0;
    if (d->damaged || d->in_fu || !d->au.len) {
        d->dropped_aus++;
        new_au(d, false);
        return 0;
    }
    struct buf t = d->out;
    d->out = d->au;
    d->au = t;
    au->data = d->out.data;
    au->len = d->out.len;
    au->rtp_ts = d->cur_ts;
    au->key = d->key;
    d->emitted = true;
    new_au(d, false);
    return 1;
}

static int add_payload(struct h265_depay *d, const uint8_t *p, size_t len)
{
    if (len < 2 || (p[0] & 0x80))
        return -EPROTO;
    unsigned t = nal_type(p);
    if (t < 48) {
        if (d->in_fu)
            return -EPROTO;
        return add_nal(d, p, len);
    }
    if (t == 48) { /* AP */
        if (d->in_fu)
            return -EPROTO;
        size_t off = 2;
        if (off >= len)
            return -EPROTO;
        while (off < len) {
            if (len - off < 2)
                return -EPROTO;
            size_t n = (size_t)p[off] << 8 | p[off + 1];
            off += 2;
            if (n > len - off)
                return -EPROTO;
            int r = add_nal(d, p + off, n);
            if (r)
                return r;
            off += n;
        }
        return 0;
    }
    if (t == 49) { /* FU */
        if (len < 4)
            return -EPROTO;
        bool s = p[2] & 0x80, e = p[2] & 0x40;
        unsigned ft = p[2] & 0x3f;
        if (ft == 48 || ft == 49 || ft == 50)
            return -EPROTO;
        if (s) {
            if (d->in_fu)
                return -EPROTO;
            d->in_fu = true;
            uint8_t nh[2] = {(uint8_t)((p[0] & 0x81) | (ft << 1)), p[1]};
            if (buf_append(&d->au, start_code, 4) || buf_append(&d->au, nh, 2))
                return -EMSGSIZE;
            if (h265_nal_is_key(ft))
                d->key = true;
        } else if (!d->in_fu) {
            return -EPROTO;
        }
        if (buf_append(&d->au, p + 3, len - 3))
            return -EMSGSIZE;
        if (e)
            d->in_fu = false;
        return 0;
    }
    return -EPROTO; /* PACI (50) and reserved types */
}

/* Does a NAL of type t begin an access unit (H.265 7.4.2.4.4)? body follows
 * the 2-byte NAL header; a slice begins one when
 * first_slice_segment_in_pic_flag (its first bit) is set. */
static bool nal_starts_au(unsigned t, const uint8_t *body, size_t n)
{
    if ((t >= 32 && t <= 35) || t == 39 || (t >= 41 && t <= 44))
        return true;
    if (t <= 31)
        return n >= 1 && (body[0] & 0x80);
    return false;
}

static bool payload_starts_au(const uint8_t *p, size_t len)
{
    if (len < 3)
        return false;
    unsigned t = nal_type(p);
    if (t == 48) {
        if (len < 7)
            return false;
        size_t n = (size_t)p[2] << 8 | p[3];
        if (n < 3 || n > len - 4)
            return false;
        return nal_starts_au(nal_type(p + 4), p + 6, n - 2);
    }
    if (t == 49)
        return len >= 4 && (p[2] & 0x80) && nal_starts_au(p[2] & 0x3f, p + 3, len - 3);
    return nal_starts_au(t, p + 2, len - 2);
}

int h265_depay_push(struct h265_depay *d, uint16_t seq, uint32_t ts, bool marker,
                    const uint8_t *payload, size_t len, struct rtp_au *au)
{
    if (d->emitted) {
        buf_reset(&d->out);
        d->emitted = false;
    }
    int ret = 0;
    if (d->ended) {
        d->ended = false;
        ret = complete(d, au);
    }
    bool gap = true;
    if (d->have_seq) {
        int16_t diff = rtp_seq_diff(d->last_seq, seq);
        if (diff <= 0 && diff > -H265_DEPAY_REORDER)
            return ret;
        gap = diff != 1;
    }
    d->have_seq = true;
    d->last_seq = seq;
    bool new_ts = !d->have_ts || ts != d->cur_ts;
    bool in_progress = d->au.len || d->damaged || d->in_fu;
    if (gap && in_progress)
        d->damaged = true;
    if (new_ts && in_progress) {
        if (ret == 0) {
            ret = complete(d, au);
        } else {
            d->dropped_aus++;
            new_au(d, false);
        }
    }
    if (new_ts) {
        d->cur_ts = ts;
        d->have_ts = true;
    }
    if (gap && !(new_ts && payload_starts_au(payload, len)))
        d->damaged = true;
    int r = 0;
    if (!d->damaged) {
        r = add_payload(d, payload, len);
        if (r)
            d->damaged = true;
    }
    if (marker) {
        if (ret == 0)
            ret = complete(d, au);
        else
            d->ended = true;
    }
    if (r && ret == 0)
        return -EPROTO;
    return ret;
}
