/* RTP fixed header (RFC 3550 §5.1): parse, write, and sequence arithmetic. Pure. */
#ifndef RTSPGATE_RTP_RTP_H
#define RTSPGATE_RTP_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTP_HEADER_LEN 12

struct rtp_hdr {
    bool marker;
    uint8_t pt;
    uint16_t seq;
    uint32_t ts;
    uint32_t ssrc;
    uint8_t csrc_count;
    bool has_extension;
    size_t header_len;      /* fixed header + CSRCs + extension */
    const uint8_t *payload; /* view into the parsed buffer */
    size_t payload_len;     /* without padding */
};

/* Parse an RTP packet. Returns 0 or -EPROTO (version != 2, truncated, bad padding). */
int rtp_parse(const uint8_t *buf, size_t len, struct rtp_hdr *h);
/* Write a 12-byte header (version 2, no padding/extension/CSRC). */
void rtp_write_header(uint8_t out[RTP_HEADER_LEN], bool marker, uint8_t pt, uint16_t seq,
                      uint32_t ts, uint32_t ssrc);
/* In-place rewrite of seq, ts and ssrc of a packet with a valid header. */
void rtp_rewrite(uint8_t *pkt, uint16_t seq, uint32_t ts, uint32_t ssrc);
/* Quick readers for a buffer already known to hold >= 12 bytes. */
static inline uint16_t rtp_seq_of(const uint8_t *p)
{
    return (uint16_t)(p[2] << 8 | p[3]);
}
static inline uint32_t rtp_ts_of(const uint8_t *p)
{
    return (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
}
/* Signed distance b - a in 16-bit sequence space. */
static inline int16_t rtp_seq_diff(uint16_t a, uint16_t b)
{
    return (int16_t)(uint16_t)(b - a);
}

#endif
