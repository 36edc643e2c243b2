/* H.264 over RTP (RFC 6184): packetization mode 1 packetizer (single NAL,
 * STAP-A, FU-A), depacketizer, Annex B helpers, SDP fmtp. Pure. */
#ifndef RTSPGATE_RTP_H264_H
#define RTSPGATE_RTP_H264_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "rtp/payload.h"

/* Find the next NAL unit in an Annex B byte stream starting at *pos.
 * Returns true with *nal and *nal_len (without start code) and advances *pos. */
bool h264_annexb_next(const uint8_t *buf, size_t len, size_t *pos, const uint8_t **nal,
                      size_t *nal_len);

/* Packetize one access unit. If nal_length_size is 0 the AU is Annex B,
 * otherwise AVCC with 1..4-byte big-endian NAL lengths. Small NALs that fit
 * together go in one STAP-A; NALs larger than max_payload are split in FU-A.
 * The last packet of the AU has marker = true. Returns 0 or a negative error
 * (-EPROTO malformed input, or the emit error). */
int h264_packetize(const uint8_t *au, size_t len, int nal_length_size, size_t max_payload,
                   rtp_emit_fn emit, void *ctx);

/* True if the AU (Annex B or AVCC as above) contains an IDR slice (type 5). */
bool h264_au_is_key(const uint8_t *au, size_t len, int nal_length_size);

/* "packetization-mode=1;profile-level-id=42C01F;sprop-parameter-sets=Z0LAH9oB..,aM4..."
 * from SPS and PPS (NAL units without start codes). Returns 0 or -EMSGSIZE/-EPROTO. */
int h264_sdp_fmtp(const uint8_t *sps, size_t sps_len, const uint8_t *pps, size_t pps_len, char *out,
                  size_t out_size);

/* Depacketizer: RTP payloads in, Annex B access units out (4-byte start
 * codes). Loss (a sequence gap) marks the current AU damaged and it is
 * dropped, never emitted; output resumes at the next AU boundary. A packet
 * after a gap starts a clean AU only if it has a new timestamp and begins an
 * AU (AUD/SEI/SPS/PPS, or a slice with first_mb_in_slice 0); the same rule
 * applies to the very first packet. Duplicates and late (reordered) packets
 * up to H264_DEPAY_REORDER behind are ignored: their AU was already counted
 * as damaged by the gap. Memory bounded by 2 * max_au bytes. */
#define H264_DEPAY_REORDER 64
struct h264_depay {
    struct buf au;  /* the AU being assembled */
    struct buf out; /* the AU last handed out (valid until the next push) */
    bool emitted;
    bool have_seq;
    uint16_t last_seq;
    bool have_ts;
    uint32_t cur_ts;
    bool damaged;
    bool in_fu;
    bool key;
    unsigned dropped_aus;
    bool ended; /* the AU in `au` got its marker in a call that already returned one */
};
/* max_au 0 means 8 MiB. */
void h264_depay_init(struct h264_depay *d, size_t max_au);
void h264_depay_free(struct h264_depay *d);
/* Feed one packet. Returns 1 with *au filled when an AU is complete (on the
 * marker bit, or when the timestamp changes), 0 when more is needed, or
 * -EPROTO for a malformed payload (the AU is then dropped; keep feeding). */
int h264_depay_push(struct h264_depay *d, uint16_t seq, uint32_t ts, bool marker,
                    const uint8_t *payload, size_t len, struct rtp_au *au);

#endif
