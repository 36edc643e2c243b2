#include "rtp/rtp.h"

#include <errno.h>

int rtp_parse(const uint8_t *buf, size_t len, struct rtp_hdr *h)
{
    if (len < RTP_HEADER_LEN || (buf[0] >> 6) != 2)
        return -EPROTO;
    h->csrc_count = buf[0] & 0x0f;
    h->has_extension = (buf[0] & 0x10) != 0;
    h->marker = (buf[1] & 0x80) != 0;
    h->pt = buf[1] & 0x7f;
    h->seq = rtp_seq_of(buf);
    h->ts = rtp_ts_of(buf);
    h->ssrc = (uint32_t)buf[8] << 24 | (uint32_t)buf[9] << 16 | (uint32_t)buf[10] << 8 | buf[11];
    size_t off = RTP_HEADER_LEN + 4u * h->csrc_count;
    if (off > len)
        return -EPROTO;
    if (h->has_extension) {
        if (off + 4 > len)
            return -EPROTO;
        size_t ext = 4u * ((size_t)buf[off + 2] << 8 | buf[off + 3]);
        off += 4;
        if (ext > len - off)
            return -EPROTO;
        off += ext;
    }
    size_t end = len;
    if (buf[0] & 0x20) {
        uint8_t pad = buf[len - 1];
        if (pad == 0 || pad > len - off)
            return -EPROTO;
        end -= pad;
    }
    h->header_len = off;
    h->payload = buf + off;
    h->payload_len = end - off;
    return 0;
}

void rtp_write_header(uint8_t out[RTP_HEADER_LEN], bool marker, uint8_t pt, uint16_t seq,
                      uint32_t ts, uint32_t ssrc)
{
    out[0] = 0x80;
    out[1] = (uint8_t)((marker ? 0x80 : 0) | (pt & 0x7f));
    rtp_rewrite(out, seq, ts, ssrc);
}

void rtp_rewrite(uint8_t *p, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
    p[2] = (uint8_t)(seq >> 8);
    p[3] = (uint8_t)seq;
    p[4] = (uint8_t)(ts >> 24);
    p[5] = (uint8_t)(ts >> 16);
    p[6] = (uint8_t)(ts >> 8);
    p[7] = (uint8_t)ts;
    p[8] = (uint8_t)(ssrc >> 24);
    p[9] = (uint8_t)(ssrc >> 16);
    p[10] = (uint8_t)(ssrc >> 8);
    p[11] = (uint8_t)ssrc;
}
