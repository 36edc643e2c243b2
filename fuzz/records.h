/* The input format the depacketizer fuzz targets share: a sequence of records
 * [flags:1][seq:2][ts:4][len:2][payload:len] (big endian; flags bit 0 = RTP
 * marker). A last record whose payload runs past the input is cut short. */
#ifndef RTSPGATE_FUZZ_RECORDS_H
#define RTSPGATE_FUZZ_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fuzz_rec {
    bool marker;
    uint16_t seq;
    uint32_t ts;
    const uint8_t *payload;
    size_t len;
};

/* The record at *off (advanced past it); false at the end of the input. */
static inline bool fuzz_next_rec(const uint8_t *data, size_t size, size_t *off, struct fuzz_rec *r)
{
    if (size - *off < 9)
        return false;
    const uint8_t *h = data + *off;
    r->marker = h[0] & 1;
    r->seq = (uint16_t)(h[1] << 8 | h[2]);
    r->ts = (uint32_t)h[3] << 24 | (uint32_t)h[4] << 16 | (uint32_t)h[5] << 8 | h[6];
    size_t n = (size_t)h[7] << 8 | h[8];
    *off += 9;
    if (n > size - *off)
        n = size - *off;
    r->payload = data + *off;
    r->len = n;
    *off += n;
    return true;
}

#endif
