/* H.264 sequence parameter set parser (ITU-T H.264 7.3.2.1.1) for
 * diagnostics: profile, level, coded size after cropping, frame rate from
 * the VUI timing info when present. Plus the base64 decoder for SDP
 * sprop-parameter-sets. Pure. H.265 SPS parsing is not implemented. */
#ifndef RTSPGATE_RTP_SPS_H
#define RTSPGATE_RTP_SPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/sv.h"

struct h264_sps_info {
    unsigned profile_idc, constraint_flags, level_idc;
    unsigned width, height;
    bool has_fps;
    double fps; /* time_scale / (2 * num_units_in_tick) */
};

/* nal: one SPS NAL unit including its 1-byte header (type 7), emulation
 * prevention bytes still in. Returns 0, or -EPROTO if it is not an SPS or
 * is truncated or out of range. */
int h264_sps_parse(const uint8_t *nal, size_t len, struct h264_sps_info *out);

/* Decode standard base64 (padding optional). Returns the decoded length, or
 * -EPROTO on a bad character, or -EMSGSIZE if out is too small. */
long base64_decode_sv(struct sv in, uint8_t *out, size_t cap);

/* From an SDP fmtp value: decode the first entry of sprop-parameter-sets and
 * parse it. Returns 0, -ENOENT when the fmtp has none, or -EPROTO. */
int h264_sps_from_fmtp(struct sv fmtp, struct h264_sps_info *out);

/* "Main", "High", "Constrained Baseline", ... or "profile N". Static text or buf. */
const char *h264_profile_name(unsigned profile_idc, unsigned constraint_flags);

#endif
