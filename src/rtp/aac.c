#include "rtp/aac.h"

#include <errno.h>
#include <string.h>

#include "core/sv.h"
#include "rtp/rtp.h"

int aac_packetize(const uint8_t *frame, size_t len, size_t max_payload, rtp_emit_fn emit, void *ctx)
{
    if (!len || len > 8191 || max_payload <= 4)
        return -EPROTO;
    uint8_t hdr[4] = {0, 16, (uint8_t)(len >> 5), (uint8_t)((len & 0x1f) << 3)};
    size_t room = max_payload - 4, off = 0;
    while (off < len) {
        size_t c = len - off < room ? len - off : room;
        struct rtp_chunk parts[2] = {{hdr, 4}, {frame + off, c}};
        int r = emit(ctx, parts, 2, off + c == len);
        if (r)
            return r;
        off += c;
    }
    return 0;
}

int aac_sdp_fmtp(const uint8_t *asc, size_t asc_len, char *out, size_t out_size)
{
    if (!asc_len || asc_len > 64)
        return -EPROTO;
    char hex[129];
    for (size_t i = 0; i < asc_len; i++)
        str_fmt(hex + 2 * i, 3, "%02x", asc[i]);
    return str_fmt(out, out_size,
                   "streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;"
                   "indexdeltalength=3;config=%s",
                   hex);
}

void aac_depay_init(struct aac_depay *d, size_t max_frame)
{
    memset(d, 0, sizeof(*d));
    buf_init(&d->frag, max_frame);
}

void aac_depay_free(struct aac_depay *d)
{
    if (d)
        buf_free(&d->frag);
}

/* AU-header i (16 bits each: 13-bit size, 3-bit index/delta) */
static size_t au_size(const struct aac_depay *d, size_t i)
{
    const uint8_t *h = d->pl + 2 + 2 * i;
    return ((size_t)h[0] << 5) | (h[1] >> 3);
}

/* Forget a fragmented AU in progress; count it once. */
static void drop_frag(struct aac_depay *d)
{
    if (d->frag.len || d->damaged)
        d->dropped++;
    buf_reset(&d->frag);
    d->damaged = false;
}

int aac_depay_push(struct aac_depay *d, uint16_t seq, uint32_t ts, bool marker,
                   const uint8_t *payload, size_t len)
{
    d->pl = NULL;
    d->pl_len = 0;
    d->hdr_bits_left = 0;
    d->idx = 0;
    bool gap = false;
    if (d->have_seq) {
        int16_t diff = rtp_seq_diff(d->last_seq, seq);
        if (diff <= 0 && diff > -AAC_DEPAY_REORDER)
            return 0; /* duplicate or late: ignored */
        gap = diff != 1;
    }
    /* all fragments of an AU share its timestamp */
    bool same_au = d->have_seq && ts == d->ts;
    d->have_seq = true;
    d->last_seq = seq;
    d->ts = ts;
    if (gap && same_au) {
        /* lost fragments of this very AU: counted when it ends */
        buf_reset(&d->frag);
        d->damaged = true;
    } else if (!same_au && (d->frag.len || d->damaged)) {
        drop_frag(d); /* the fragmented AU before never finished */
    }
    if (len < 2)
        goto bad;
    size_t bits = (size_t)payload[0] << 8 | payload[1];
    if (bits % 16 || bits == 0)
        goto bad;
    size_t n = bits / 16;
    if (2 + 2 * n > len)
        goto bad;
    d->pl = payload;
    d->pl_len = len;
    d->data_pos = 2 + 2 * n;
    size_t total = len - d->data_pos;
    if (n == 1 && au_size(d, 0) > total) {
        /* a fragment of one large AU */
        size_t size = au_size(d, 0);
        d->pl = NULL;
        if (!d->damaged) {
            if (d->frag.len + total > size || buf_append(&d->frag, payload + 2 + 2 * n, total)) {
                buf_reset(&d->frag);
                d->damaged = true;
            }
        }
        if (marker) {
            if (!d->damaged && d->frag.len == size) {
                d->hdr_bits_left = 1; /* next() hands out frag */
                d->idx = 0x8000;
            } else {
                drop_frag(d);
            }
        }
        return 0;
    }
    if (d->frag.len || d->damaged)
        drop_frag(d);     /* whole AUs where the end of a fragmented one was due */
    d->hdr_bits_left = n; /* AU headers left */
    d->hdr_pos = 0;
    return 0;
bad:
    d->pl = NULL;
    drop_frag(d);
    return -EPROTO;
}

int aac_depay_next(struct aac_depay *d, struct rtp_au *au)
{
    if (!d->hdr_bits_left)
        return 0;
    if (d->idx == 0x8000) {
        au->data = d->frag.data;
        au->len = d->frag.len;
        au->rtp_ts = d->ts;
        au->key = true;
        d->hdr_bits_left = 0;
        d->idx = 0;
        d->frag.len = 0; /* data stays valid until the next push */
        return 1;
    }
    if (!d->pl)
        return 0;
    size_t sz = au_size(d, d->hdr_pos);
    while (sz == 0 && d->hdr_bits_left > 1) { /* empty AUs carry nothing to decode */
        d->hdr_pos++;
        d->idx++;
        d->hdr_bits_left--;
        sz = au_size(d, d->hdr_pos);
    }
    if (sz == 0) {
        d->hdr_bits_left = 0;
        return 0;
    }
    if (sz > d->pl_len - d->data_pos) {
        d->hdr_bits_left = 0;
        return -EPROTO;
    }
    au->data = d->pl + d->data_pos;
    au->len = sz;
    au->rtp_ts = d->ts + d->idx * 1024u;
    au->key = true;
    d->data_pos += sz;
    d->hdr_pos++;
    d->idx++;
    d->hdr_bits_left--;
    return 1;
}
