/* Keyframe detection on RTP payloads, for the hub's keyframe index when
 * forwarding packets untouched (relay, publish). Pure; looks only at the
 * payload bytes given (never past n), never fails on junk: anything it does
 * not understand is "not a keyframe".
 *
 * What counts as the start of a keyframe:
 *   H.264 (RFC 6184): a NAL of type 5 (IDR) or 7 (SPS), a STAP-A/STAP-B
 *     containing one, or the start fragment of an FU-A/FU-B of an IDR.
 *   H.265 (RFC 7798): an IRAP picture (NAL types 16..21) or a VPS/SPS (32/33),
 *     an aggregation packet (48) containing one, or the start fragment of a
 *     fragmentation unit (49) of an IRAP picture.
 *   MPEG-4 Part 2 (RFC 6416): a VOS/VO/VOL/GOV header or an I-VOP start code
 *     in the payload.
 *   JPEG (RFC 2435): every frame (fragment offset 0).
 *   anything else: every access unit start (the caller passes au_start). */
#ifndef RTSPGATE_RTP_KEYFRAME_H
#define RTSPGATE_RTP_KEYFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/sv.h"

enum keyframe_codec {
    KEYFRAME_CODEC_OTHER = 0, /* unknown video: every access unit is a keyframe */
    KEYFRAME_CODEC_NONE,      /* not a video track: never a keyframe */
    KEYFRAME_CODEC_H264,
    KEYFRAME_CODEC_H265,
    KEYFRAME_CODEC_MP4V,
    KEYFRAME_CODEC_JPEG,
};

/* From an SDP media type ("video"), rtpmap encoding name ("H264", any case;
 * may be empty for static payload types) and payload type. */
enum keyframe_codec keyframe_codec_of(struct sv media, struct sv encoding, uint8_t pt);

bool keyframe_h264(const uint8_t *payload, size_t n);
bool keyframe_h265(const uint8_t *payload, size_t n);
bool keyframe_mp4v(const uint8_t *payload, size_t n);
bool keyframe_jpeg(const uint8_t *payload, size_t n);
/* Dispatch on codec. au_start: the packet starts an access unit (the previous
 * packet had the marker bit or another timestamp); used for JPEG and OTHER. */
bool keyframe_payload(enum keyframe_codec c, const uint8_t *payload, size_t n, bool au_start);

#endif
