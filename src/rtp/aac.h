/* AAC over RTP, mpeg4-generic AAC-hbr (RFC 3640): packetizer, depacketizer,
 * SDP fmtp. Pure. */
#ifndef RTSPGATE_RTP_AAC_H
#define RTSPGATE_RTP_AAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "rtp/payload.h"

/* One raw AAC frame (no ADTS) -> one RTP payload with a 16-bit AU-headers-length
 * and one AU-header (13-bit size, 3-bit index). Frames > max_payload are
 * fragmented over several packets (marker on the last). */
int aac_packetize(const uint8_t *frame, size_t len, size_t max_payload, rtp_emit_fn emit,
                  void *ctx);

/* "streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;
 *  indexdeltalength=3;config=1190" from an AudioSpecificConfig. */
int aac_sdp_fmtp(const uint8_t *asc, size_t asc_len, char *out, size_t out_size);

/* Depacketizer (AAC-hbr, sizelength 13 / indexlength 3 / indexdeltalength 3).
 * A payload may carry several AUs: call aac_depay_push once, then
 * aac_depay_next until it returns 0 (the AUs are views into the payload, which
 * must stay valid until then). A fragmented AU is reassembled in `frag` (at
 * most max_frame bytes); a lost fragment drops that AU only. Duplicates and
 * packets up to AAC_DEPAY_REORDER late are ignored. */
#define AAC_DEPAY_REORDER 64
struct aac_depay {
    struct buf frag;
    bool have_seq;
    uint16_t last_seq;
    bool damaged;
    /* pending AUs of the current packet */
    const uint8_t *pl;
    size_t pl_len;
    size_t hdr_bits_left;
    size_t hdr_pos;
    size_t data_pos;
    uint32_t ts;
    unsigned idx;
    unsigned dropped;
};
void aac_depay_init(struct aac_depay *d, size_t max_frame);
void aac_depay_free(struct aac_depay *d);
int aac_depay_push(struct aac_depay *d, uint16_t seq, uint32_t ts, bool marker,
                   const uint8_t *payload, size_t len);
/* Returns 1 with *au (rtp_ts = packet ts + index * 1024), 0 when none left, -EPROTO. */
int aac_depay_next(struct aac_depay *d, struct rtp_au *au);

#endif
