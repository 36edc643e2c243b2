/* H.264 (ITU-T H.264 7.3.2.1.1) and H.265 (ITU-T H.265 7.3.2.2) sequence
 * parameter set parsers for diagnostics: profile, level, coded size after
 * cropping, frame rate from the VUI timing info when present. Plus the
 * base64 decoder for SDP sprop-parameter-sets / sprop-sps. Pure. */
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

/* "Main", "High", "Constrained Baseline", ... or "other". Static text. */
const char *h264_profile_name(unsigned profile_idc, unsigned constraint_flags);

struct h265_sps_info {
    unsigned profile_idc, tier, level_idc; /* level_idc = 30 x level (93 = 3.1) */
    unsigned width, height, bit_depth;
    bool has_fps;
    double fps; /* VUI time_scale / num_units_in_tick */
};

/* nal: one H.265 SPS NAL unit (type 33) with its 2-byte header. Returns 0
 * (has_fps false when the VUI carries no timing, or could not be reached),
 * or -EPROTO if it is not an SPS, truncated before the size, or out of range. */
int h265_sps_parse(const uint8_t *nal, size_t len, struct h265_sps_info *out);

/* From an SDP fmtp value (RFC 7798): decode sprop-sps and parse it.
 * Returns 0, -ENOENT when the fmtp has none, or -EPROTO. */
int h265_sps_from_fmtp(struct sv fmtp, struct h265_sps_info *out);

/* "Main", "Main 10", "Range Extensions", ... or "other". Static text. */
const char *h265_profile_name(unsigned profile_idc);

#endif
