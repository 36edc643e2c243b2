/* Opus over RTP (RFC 7587): exactly one Opus packet per RTP packet, passed
 * through as one frame at the packet's timestamp (48 kHz clock). A lost
 * packet is a gap the decoder conceals, never garbage. The TOC byte is
 * checked: an empty payload, or a code 3 packet (several frames) without its
 * frame count byte or with 0 frames, is -EPROTO. Pure.
 *
 * Duplicates and packets up to OPUS_DEPAY_REORDER late are ignored. */
#ifndef RTSPGATE_RTP_OPUS_H
#define RTSPGATE_RTP_OPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtp/payload.h"

#define OPUS_DEPAY_REORDER 64
#define OPUS_MAX_FRAME     65536
struct opus_depay {
    bool have_seq;
    uint16_t last_seq;
    unsigned lost; /* packets missing by sequence number */
};
void opus_depay_init(struct opus_depay *d);
/* Returns 1 with *au (a view into payload), 0 for a duplicate/late packet,
 * -EPROTO for an unusable payload. */
int opus_depay_push(struct opus_depay *d, uint16_t seq, uint32_t ts, const uint8_t *payload,
                    size_t len, struct rtp_au *au);

#endif
