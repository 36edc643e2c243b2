/* Common types for packetizers and depacketizers. */
#ifndef RTSPGATE_RTP_PAYLOAD_H
#define RTSPGATE_RTP_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rtp_chunk {
    const uint8_t *p;
    size_t n;
};

/* Called once per RTP payload a packetizer produces: the payload is the
 * concatenation of parts[0..nparts) (at most 4 parts, each a view valid only
 * during the call). marker is the RTP marker bit for it. Return 0 or a negative
 * error to stop. */
typedef int (*rtp_emit_fn)(void *ctx, const struct rtp_chunk *parts, int nparts, bool marker);

/* A complete access unit (frame) out of a depacketizer. data is valid until the
 * next call into that depacketizer. */
struct rtp_au {
    const uint8_t *data;
    size_t len;
    uint32_t rtp_ts;
    bool key;
};

#endif
