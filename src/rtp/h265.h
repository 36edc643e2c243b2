/* H.265 over RTP (RFC 7798) depacketizer: single NAL unit packets,
 * aggregation packets (AP, type 48) and fragmentation units (FU, type 49), in
 * the common configuration without DONL fields (sprop-max-don-diff = 0).
 * Annex B access units out. Pure.
 *
 * Same loss rules as the H.264 depacketizer: a sequence gap marks the AU
 * damaged and it is dropped, never emitted; after a gap (and at the very
 * first packet) output resumes only at a packet with a new timestamp that
 * begins an AU (VPS/SPS/PPS/AUD/prefix SEI, or a slice with
 * first_slice_segment_in_pic_flag). Duplicates and late packets up to
 * H265_DEPAY_REORDER behind are ignored. Memory bounded by 2 * max_au. */
#ifndef RTSPGATE_RTP_H265_H
#define RTSPGATE_RTP_H265_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "rtp/payload.h"

#define H265_DEPAY_REORDER 64
struct h265_depay {
    struct buf au;
    struct buf out;
    bool emitted;
    bool have_seq;
    uint16_t last_seq;
    bool have_ts;
    uint32_t cur_ts;
    bool damaged;
    bool in_fu;
    bool key;
    unsigned dropped_aus;
    bool ended;
};
/* max_au 0 means 8 MiB. */
void h265_depay_init(struct h265_depay *d, size_t max_au);
void h265_depay_free(struct h265_depay *d);
/* Returns 1 with *au when an AU is complete (marker, or a new timestamp), 0
 * when more is needed, -EPROTO for a malformed payload (AU dropped). */
int h265_depay_push(struct h265_depay *d, uint16_t seq, uint32_t ts, bool marker,
                    const uint8_t *payload, size_t len, struct rtp_au *au);
/* True for an IRAP picture (NAL types 16..21) or a VPS/SPS. */
bool h265_nal_is_key(unsigned type);

#endif
