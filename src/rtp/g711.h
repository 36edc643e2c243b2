/* G.711 over RTP (RFC 3551 4.5.14, PCMU payload type 0 / PCMA 8): one packet
 * carries a run of 8-bit samples (one byte per sample and channel). The
 * depacketizer hands each packet's samples out as one frame at the packet's
 * timestamp; a lost packet is a gap in the audio, never garbage. Empty
 * payloads are -EPROTO. Pure.
 *
 * Duplicates and packets up to G711_DEPAY_REORDER late are ignored. */
#ifndef RTSPGATE_RTP_G711_H
#define RTSPGATE_RTP_G711_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtp/payload.h"

#define G711_DEPAY_REORDER 64
#define G711_MAX_FRAME     65536
struct g711_depay {
    bool have_seq;
    uint16_t last_seq;
    unsigned lost; /* packets missing by sequence number */
};
void g711_depay_init(struct g711_depay *d);
/* Returns 1 with *au (a view into payload), 0 for a duplicate/late packet,
 * -EPROTO for an unusable payload. */
int g711_depay_push(struct g711_depay *d, uint16_t seq, uint32_t ts, const uint8_t *payload,
                    size_t len, struct rtp_au *au);

#endif
