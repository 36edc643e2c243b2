/* MPEG-4 Part 2 video over RTP (RFC 6416, MP4V-ES) depacketizer: the
 * payloads of one timestamp, up to the marker bit, are one frame (VOP, with
 * any VOS/VOL headers in front). Pure.
 *
 * Loss: a sequence gap drops the frame in progress (never emitted); after a
 * gap, and at the first packet, a frame starts only at a packet with a new
 * timestamp that begins with a start code (00 00 01). key is set when the
 * frame holds an I-VOP (vop_coding_type 0). Duplicates and packets up to
 * MP4V_DEPAY_REORDER late are ignored. Memory bounded by 2 * max_frame. */
#ifndef RTSPGATE_RTP_MP4V_H
#define RTSPGATE_RTP_MP4V_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "rtp/payload.h"

#define MP4V_DEPAY_REORDER 64
struct mp4v_depay {
    struct buf frame;
    struct buf out;
    bool have_seq;
    uint16_t last_seq;
    bool have_ts;
    uint32_t ts;
    bool damaged;
    bool ended; /* the frame in `frame` got its marker in a call that already returned one */
    unsigned dropped;
};
void mp4v_depay_init(struct mp4v_depay *d, size_t max_frame); /* 0: 8 MiB */
void mp4v_depay_free(struct mp4v_depay *d);
/* Returns 1 with *au on the marker of a whole frame (or when a new timestamp
 * ends one without a marker), 0 when more is needed, -EPROTO for an empty
 * payload. */
int mp4v_depay_push(struct mp4v_depay *d, uint16_t seq, uint32_t ts, bool marker,
                    const uint8_t *payload, size_t len, struct rtp_au *au);
/* Does an MPEG-4 Part 2 frame contain an I-VOP? */
bool mp4v_frame_is_key(const uint8_t *p, size_t len);

#endif
