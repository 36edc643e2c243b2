#include "rtp/keyframe.h"

enum keyframe_codec keyframe_codec_of(struct sv media, struct sv encoding, uint8_t pt)
{
    if (!sv_ieq_cstr(media, "video"))
        return KEYFRAME_CODEC_NONE;
    if (sv_ieq_cstr(encoding, "H264"))
        return KEYFRAME_CODEC_H264;
    if (sv_ieq_cstr(encoding, "H265") || sv_ieq_cstr(encoding, "HEVC"))
        return KEYFRAME_CODEC_H265;
    if (sv_ieq_cstr(encoding, "MP4V-ES"))
        return KEYFRAME_CODEC_MP4V;
    if (sv_ieq_cstr(encoding, "JPEG") || (encoding.n == 0 && pt == 26))
        return KEYFRAME_CODEC_JPEG;
    return KEYFRAME_CODEC_OTHER;
}

static bool h264_nal_is_key(uint8_t hdr)
{
    unsigned t = hdr & 0x1f;
    return t == 5 || t == 7;
}

bool keyframe_h264(const uint8_t *p, size_t n)
{
    if (n < 1)
        return false;
    unsigned t = p[0] & 0x1f;
    if (t >= 1 && t <= 23)
        return h264_nal_is_key(p[0]);
    if (t == 24 || t == 25) { /* STAP-A, STAP-B (16-bit DON first) */
        size_t off = t == 24 ? 1 : 3;
        while (off + 2 < n) {
            size_t l = (size_t)p[off] << 8 | p[off + 1];
            if (l == 0 || l > n - off - 2)
                return false;
            if (h264_nal_is_key(p[off + 2]))
                return true;
            off += 2 + l;
        }
        return false;
    }
    if (t == 28 || t == 29) /* FU-A, FU-B: start bit and the original type */
        return n >= 2 && (p[1] & 0x80) && h264_nal_is_key(p[1]);
    return false;
}

static bool h265_type_is_key(unsigned t)
{
    return (t >= 16 && t <= 21) || t == 32 || t == 33;
}

bool keyframe_h265(const uint8_t *p, size_t n)
{
    if (n < 2)
        return false;
    unsigned t = (p[0] >> 1) & 0x3f;
    if (t == 48) { /* AP (without DONL) */
        size_t off = 2;
        while (off + 3 < n) {
            size_t l = (size_t)p[off] << 8 | p[off + 1];
            if (l < 2 || l > n - off - 2)
                return false;
            if (h265_type_is_key((p[off + 2] >> 1) & 0x3f))
                return true;
            off += 2 + l;
        }
        return false;
    }
    if (t == 49) { /* FU */
        if (n < 3 || !(p[2] & 0x80))
            return false;
        unsigned ft = p[2] & 0x3f;
        return ft >= 16 && ft <= 21;
    }
    if (t >= 48)
        return false; /* PACI and reserved */
    return h265_type_is_key(t);
}

bool keyframe_mp4v(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 3 < n; i++) {
        if (p[i] != 0 || p[i + 1] != 0 || p[i + 2] != 1)
            continue;
        uint8_t code = p[i + 3];
        if (code == 0xb0 || code == 0xb3 || code <= 0x2f) /* VOS, GOV, VO / VOL */
            return true;
        if (code == 0xb6) /* VOP: vop_coding_type in the next two bits, 0 = I */
            return i + 4 < n && (p[i + 4] >> 6) == 0;
    }
    return false;
}

bool keyframe_jpeg(const uint8_t *p, size_t n)
{
    /* RFC 2435 main header: type-specific(8) fragment offset(24) ... */
    return n >= 8 && p[1] == 0 && p[2] == 0 && p[3] == 0;
}

bool keyframe_payload(enum keyframe_codec c, const uint8_t *p, size_t n, bool au_start)
{
    switch (c) {
    case KEYFRAME_CODEC_H264:
        return keyframe_h264(p, n);
    case KEYFRAME_CODEC_H265:
        return keyframe_h265(p, n);
    case KEYFRAME_CODEC_MP4V:
        return keyframe_mp4v(p, n);
    case KEYFRAME_CODEC_JPEG:
        return au_start && keyframe_jpeg(p, n);
    case KEYFRAME_CODEC_OTHER:
        return au_start;
    case KEYFRAME_CODEC_NONE:
        break;
    }
    return false;
}
