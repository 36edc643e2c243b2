#include "rtp/mjpeg.h"

#include <errno.h>
#include <string.h>

#include "rtp/rtp.h"

/* RFC 2435 Appendix A (zigzag order) */
static const uint8_t luma_q[64] = {16,  11, 12, 14,  12,  10,  16,  14,  13, 14,  18,  17,  16,
                                   19,  24, 40, 26,  24,  22,  22,  24,  49, 35,  37,  29,  40,
                                   58,  51, 61, 60,  57,  51,  56,  55,  64, 72,  92,  78,  64,
                                   68,  87, 69, 55,  56,  80,  109, 81,  87, 95,  98,  103, 104,
                                   103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99};
static const uint8_t chroma_q[64] = {
    17, 18, 18, 24, 21, 24, 47, 26, 26, 47, 99, 66, 56, 66, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99};

/* DHT body: the standard tables of JPEG Annex K.3 (luma DC, chroma DC,
 * luma AC, chroma AC), each [class/id][16 counts][symbols]. */
static const uint8_t dht[] = {
    /* class/id 0x00 */
    0x00,
    0x00,
    0x01,
    0x05,
    0x01,
    0x01,
    0x01,
    0x01,
    0x01,
    0x01,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x01,
    0x02,
    0x03,
    0x04,
    0x05,
    0x06,
    0x07,
    0x08,
    0x09,
    0x0a,
    0x0b,
    /* class/id 0x01 */
    0x01,
    0x00,
    0x03,
    0x01,
    0x01,
    0x01,
    0x01,
    0x01,
    0x01,
    0x01,
    0x01,
    0x01,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x01,
    0x02,
    0x03,
    0x04,
    0x05,
    0x06,
    0x07,
    0x08,
    0x09,
    0x0a,
    0x0b,
    /* class/id 0x10 */
    0x10,
    0x00,
    0x02,
    0x01,
    0x03,
    0x03,
    0x02,
    0x04,
    0x03,
    0x05,
    0x05,
    0x04,
    0x04,
    0x00,
    0x00,
    0x01,
    0x7d,
    0x01,
    0x02,
    0x03,
    0x00,
    0x04,
    0x11,
    0x05,
    0x12,
    0x21,
    0x31,
    0x41,
    0x06,
    0x13,
    0x51,
    0x61,
    0x07,
    0x22,
    0x71,
    0x14,
    0x32,
    0x81,
    0x91,
    0xa1,
    0x08,
    0x23,
    0x42,
    0xb1,
    0xc1,
    0x15,
    0x52,
    0xd1,
    0xf0,
    0x24,
    0x33,
    0x62,
    0x72,
    0x82,
    0x09,
    0x0a,
    0x16,
    0x17,
    0x18,
    0x19,
    0x1a,
    0x25,
    0x26,
    0x27,
    0x28,
    0x29,
    0x2a,
    0x34,
    0x35,
    0x36,
    0x37,
    0x38,
    0x39,
    0x3a,
    0x43,
    0x44,
    0x45,
    0x46,
    0x47,
    0x48,
    0x49,
    0x4a,
    0x53,
    0x54,
    0x55,
    0x56,
    0x57,
    0x58,
    0x59,
    0x5a,
    0x63,
    0x64,
    0x65,
    0x66,
    0x67,
    0x68,
    0x69,
    0x6a,
    0x73,
    0x74,
    0x75,
    0x76,
    0x77,
    0x78,
    0x79,
    0x7a,
    0x83,
    0x84,
    0x85,
    0x86,
    0x87,
    0x88,
    0x89,
    0x8a,
    0x92,
    0x93,
    0x94,
    0x95,
    0x96,
    0x97,
    0x98,
    0x99,
    0x9a,
    0xa2,
    0xa3,
    0xa4,
    0xa5,
    0xa6,
    0xa7,
    0xa8,
    0xa9,
    0xaa,
    0xb2,
    0xb3,
    0xb4,
    0xb5,
    0xb6,
    0xb7,
    0xb8,
    0xb9,
    0xba,
    0xc2,
    0xc3,
    0xc4,
    0xc5,
    0xc6,
    0xc7,
    0xc8,
    0xc9,
    0xca,
    0xd2,
    0xd3,
    0xd4,
    0xd5,
    0xd6,
    0xd7,
    0xd8,
    0xd9,
    0xda,
    0xe1,
    0xe2,
    0xe3,
    0xe4,
    0xe5,
    0xe6,
    0xe7,
    0xe8,
    0xe9,
    0xea,
    0xf1,
    0xf2,
    0xf3,
    0xf4,
    0xf5,
    0xf6,
    0xf7,
    0xf8,
    0xf9,
    0xfa,
    /* class/id 0x11 */
    0x11,
    0x00,
    0x02,
    0x01,
    0x02,
    0x04,
    0x04,
    0x03,
    0x04,
    0x07,
    0x05,
    0x04,
    0x04,
    0x00,
    0x01,
    0x02,
    0x77,
    0x00,
    0x01,
    0x02,
    0x03,
    0x11,
    0x04,
    0x05,
    0x21,
    0x31,
    0x06,
    0x12,
    0x41,
    0x51,
    0x07,
    0x61,
    0x71,
    0x13,
    0x22,
    0x32,
    0x81,
    0x08,
    0x14,
    0x42,
    0x91,
    0xa1,
    0xb1,
    0xc1,
    0x09,
    0x23,
    0x33,
    0x52,
    0xf0,
    0x15,
    0x62,
    0x72,
    0xd1,
    0x0a,
    0x16,
    0x24,
    0x34,
    0xe1,
    0x25,
    0xf1,
    0x17,
    0x18,
    0x19,
    0x1a,
    0x26,
    0x27,
    0x28,
    0x29,
    0x2a,
    0x35,
    0x36,
    0x37,
    0x38,
    0x39,
    0x3a,
    0x43,
    0x44,
    0x45,
    0x46,
    0x47,
    0x48,
    0x49,
    0x4a,
    0x53,
    0x54,
    0x55,
    0x56,
    0x57,
    0x58,
    0x59,
    0x5a,
    0x63,
    0x64,
    0x65,
    0x66,
    0x67,
    0x68,
    0x69,
    0x6a,
    0x73,
    0x74,
    0x75,
    0x76,
    0x77,
    0x78,
    0x79,
    0x7a,
    0x82,
    0x83,
    0x84,
    0x85,
    0x86,
    0x87,
    0x88,
    0x89,
    0x8a,
    0x92,
    0x93,
    0x94,
    0x95,
    0x96,
    0x97,
    0x98,
    0x99,
    0x9a,
    0xa2,
    0xa3,
    0xa4,
    0xa5,
    0xa6,
    0xa7,
    0xa8,
    0xa9,
    0xaa,
    0xb2,
    0xb3,
    0xb4,
    0xb5,
    0xb6,
    0xb7,
    0xb8,
    0xb9,
    0xba,
    0xc2,
    0xc3,
    0xc4,
    0xc5,
    0xc6,
    0xc7,
    0xc8,
    0xc9,
    0xca,
    0xd2,
    0xd3,
    0xd4,
    0xd5,
    0xd6,
    0xd7,
    0xd8,
    0xd9,
    0xda,
    0xe2,
    0xe3,
    0xe4,
    0xe5,
    0xe6,
    0xe7,
    0xe8,
    0xe9,
    0xea,
    0xf2,
    0xf3,
    0xf4,
    0xf5,
    0xf6,
    0xf7,
    0xf8,
    0xf9,
    0xfa,
};

void mjpeg_make_tables(unsigned q, uint8_t out[128])
{
    unsigned factor = q < 1 ? 1 : q > 99 ? 99 : q;
    unsigned s = factor < 50 ? 5000 / factor : 200 - factor * 2;
    for (int i = 0; i < 64; i++) {
        unsigned l = (luma_q[i] * s + 50) / 100, c = (chroma_q[i] * s + 50) / 100;
        out[i] = (uint8_t)(l < 1 ? 1 : l > 255 ? 255 : l);
        out[64 + i] = (uint8_t)(c < 1 ? 1 : c > 255 ? 255 : c);
    }
}

void mjpeg_depay_init(struct mjpeg_depay *d, size_t max_frame)
{
    memset(d, 0, sizeof *d);
    if (!max_frame)
        max_frame = 8u << 20;
    buf_init(&d->scan, max_frame);
    buf_init(&d->out, max_frame);
}

void mjpeg_depay_free(struct mjpeg_depay *d)
{
    if (!d)
        return;
    buf_free(&d->scan);
    buf_free(&d->out);
}

static void drop(struct mjpeg_depay *d)
{
    if (d->active || d->scan.len)
        d->dropped++;
    d->active = false;
    d->damaged = false;
    buf_reset(&d->scan);
}

static int put(struct buf *b, const void *p, size_t n)
{
    return buf_append(b, p, n) ? -EMSGSIZE : 0;
}

static int put_marker(struct buf *b, uint8_t m, size_t len)
{
    uint8_t h[4] = {0xff, m, (uint8_t)(len >> 8), (uint8_t)len};
    return put(b, h, 4);
}

/* The whole image into d->out. */
static int build(struct mjpeg_depay *d)
{
    struct buf *b = &d->out;
    buf_reset(b);
    static const uint8_t soi[2] = {0xff, 0xd8};
    int e = put(b, soi, 2);
    for (unsigned i = 0; !e && i < d->n_qt; i++) {
        uint8_t id = (uint8_t)i;
        e = put_marker(b, 0xdb, 67);
        if (!e)
            e = put(b, &id, 1);
        if (!e)
            e = put(b, d->qt + 64 * i, 64);
    }
    if (e)
        return e;
    uint8_t chroma_t = d->n_qt > 1 ? 1 : 0;
    uint8_t sof[15] = {8,
                       (uint8_t)(d->height >> 8),
                       (uint8_t)d->height,
                       (uint8_t)(d->width >> 8),
                       (uint8_t)d->width,
                       3,
                       0,
                       (uint8_t)((d->type & 0x3f) == 0 ? 0x21 : 0x22),
                       0,
                       1,
                       0x11,
                       chroma_t,
                       2,
                       0x11,
                       chroma_t};
    if ((e = put_marker(b, 0xc0, 17)) || (e = put(b, sof, sizeof sof)))
        return e;
    if ((e = put_marker(b, 0xc4, 2 + sizeof dht)) || (e = put(b, dht, sizeof dht)))
        return e;
    if (d->dri) {
        uint8_t v[2] = {(uint8_t)(d->dri >> 8), (uint8_t)d->dri};
        if ((e = put_marker(b, 0xdd, 4)) || (e = put(b, v, 2)))
            return e;
    }
    static const uint8_t sos[10] = {3, 0, 0x00, 1, 0x11, 2, 0x11, 0, 63, 0};
    if ((e = put_marker(b, 0xda, 12)) || (e = put(b, sos, sizeof sos)))
        return e;
    if ((e = put(b, d->scan.data, d->scan.len)))
        return e;
    if (d->scan.len < 2 || d->scan.data[d->scan.len - 2] != 0xff ||
        d->scan.data[d->scan.len - 1] != 0xd9) {
        static const uint8_t eoi[2] = {0xff, 0xd9};
        e = put(b, eoi, 2);
    }
    return e;
}

int mjpeg_depay_push(struct mjpeg_depay *d, uint16_t seq, uint32_t ts, bool marker,
                     const uint8_t *p, size_t len, struct rtp_au *au)
{
    bool gap = false;
    if (d->have_seq) {
        int16_t diff = rtp_seq_diff(d->last_seq, seq);
        if (diff <= 0 && diff > -MJPEG_DEPAY_REORDER)
            return 0;
        gap = diff != 1;
    }
    d->have_seq = true;
    d->last_seq = seq;
    if (gap && d->active)
        d->damaged = true;
    if (d->active && ts != d->ts)
        drop(d); /* the previous frame never got its marker */
    if (len < 8) {
        drop(d);
        return -EPROTO;
    }
    uint32_t off = (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    uint8_t type = p[4], q = p[5];
    unsigned w = p[6] * 8u, h = p[7] * 8u;
    size_t pos = 8;
    unsigned dri = 0;
    if ((type & 0x3f) > 1 || type >= 128 || !w || !h || (q >= 100 && q < 128) || q == 0) {
        drop(d);
        return -EPROTO; /* types other than 0/1 (64/65) are not defined by RFC 2435 */
    }
    if (type & 0x40) {
        if (len - pos < 4) {
            drop(d);
            return -EPROTO;
        }
        dri = (unsigned)p[pos] << 8 | p[pos + 1];
        pos += 4;
    }
    if (off == 0) {
        if (d->active)
            drop(d);
        d->active = true;
        d->damaged = false;
        d->ts = ts;
        d->type = type;
        d->q = q;
        d->width = w;
        d->height = h;
        d->dri = dri;
        if (q < 128) {
            mjpeg_make_tables(q, d->qt);
            d->n_qt = 2;
        } else {
            if (len - pos < 4) {
                drop(d);
                return -EPROTO;
            }
            uint8_t prec = p[pos + 1];
            size_t qlen = (size_t)p[pos + 2] << 8 | p[pos + 3];
            pos += 4;
            if (qlen > len - pos || prec != 0 || (qlen != 0 && qlen != 64 && qlen != 128)) {
                drop(d); /* 16-bit tables are not supported */
                return -EPROTO;
            }
            if (qlen) {
                memcpy(d->qt, p + pos, qlen);
                d->n_qt = (unsigned)(qlen / 64);
                memcpy(d->inband, p + pos, qlen);
                d->inband_n = d->n_qt;
                d->inband_q = q;
                d->have_inband = true;
                pos += qlen;
            } else if (d->have_inband && d->inband_q == q) {
                memcpy(d->qt, d->inband, 64 * d->inband_n);
                d->n_qt = d->inband_n;
            } else {
                drop(d); /* tables announced but never sent */
                return -EPROTO;
            }
        }
    } else if (!d->active || d->damaged || off != d->scan.len || type != d->type || w != d->width ||
               h != d->height) {
        if (d->active)
            d->damaged = true;
        if (marker)
            drop(d);
        return 0;
    }
    if (d->damaged) {
        if (marker)
            drop(d);
        return 0;
    }
    if (buf_append(&d->scan, p + pos, len - pos)) {
        d->damaged = true;
        if (marker)
            drop(d);
        return 0;
    }
    if (!marker)
        return 0;
    int e = build(d);
    d->active = false;
    buf_reset(&d->scan);
    if (e) {
        d->dropped++;
        return 0;
    }
    au->data = d->out.data;
    au->len = d->out.len;
    au->rtp_ts = ts;
    au->key = true;
    return 1;
}
