/* H.264 and H.265 SPS parsers and base64 decoder. */
#include "rtp/sps.h"

#include <errno.h>
#include <string.h>

#include "sdp/sdp.h"

struct bits {
    const uint8_t *p;
    size_t len; /* bytes */
    size_t pos; /* bits */
    bool over;
};

static unsigned get_bit(struct bits *b)
{
    if (b->pos >= b->len * 8) {
        b->over = true;
        return 0;
    }
    unsigned v = (b->p[b->pos / 8] >> (7 - b->pos % 8)) & 1u;
    b->pos++;
    return v;
}

static uint32_t get_bits(struct bits *b, unsigned n)
{
    uint32_t v = 0;
    while (n--)
        v = (v << 1) | get_bit(b);
    return v;
}

static uint32_t get_ue(struct bits *b)
{
    unsigned zeros = 0;
    while (!get_bit(b)) {
        if (b->over || ++zeros > 31) {
            b->over = true;
            return 0;
        }
    }
    return (uint32_t)(((uint64_t)1 << zeros) - 1 + get_bits(b, zeros));
}

static int32_t get_se(struct bits *b)
{
    uint32_t k = get_ue(b);
    return (k & 1) ? (int32_t)((k + 1) / 2) : -(int32_t)(k / 2);
}

/* The VUI fields before the timing info that H.264 (E.1.1) and H.265
 * (E.2.1) share: aspect ratio, overscan, video signal type, chroma location. */
static void vui_head(struct bits *b)
{
    if (get_bit(b)) { /* aspect_ratio_info_present_flag */
        if (get_bits(b, 8) == 255)
            get_bits(b, 32); /* sar_width, sar_height */
    }
    if (get_bit(b)) /* overscan_info_present_flag */
        get_bit(b);
    if (get_bit(b)) { /* video_signal_type_present_flag */
        get_bits(b, 4);
        if (get_bit(b))
            get_bits(b, 24);
    }
    if (get_bit(b)) { /* chroma_loc_info_present_flag */
        get_ue(b);
        get_ue(b);
    }
}

static void skip_scaling_list(struct bits *b, int size)
{
    int last = 8, next = 8;
    for (int j = 0; j < size && !b->over; j++) {
        if (next != 0) {
            int32_t delta = get_se(b);
            next = (last + delta + 256) % 256;
        }
        last = next == 0 ? last : next;
    }
}

/* Drop the NAL header (hdr bytes) and the emulation prevention bytes
 * (00 00 03). Returns the RBSP length. */
static size_t to_rbsp(const uint8_t *nal, size_t len, size_t hdr, uint8_t *rbsp, size_t cap)
{
    size_t n = 0;
    unsigned zeros = 0;
    for (size_t i = hdr; i < len && n < cap; i++) {
        if (zeros >= 2 && nal[i] == 3) {
            zeros = 0;
            continue;
        }
        zeros = nal[i] == 0 ? zeros + 1 : 0;
        rbsp[n++] = nal[i];
    }
    return n;
}

int h264_sps_parse(const uint8_t *nal, size_t len, struct h264_sps_info *out)
{
    uint8_t rbsp[256];
    if (len < 4 || (nal[0] & 0x1f) != 7)
        return -EPROTO;
    size_t n = to_rbsp(nal, len, 1, rbsp, sizeof rbsp);
    struct bits b = {rbsp, n, 0, false};
    memset(out, 0, sizeof *out);
    out->profile_idc = get_bits(&b, 8);
    out->constraint_flags = get_bits(&b, 8);
    out->level_idc = get_bits(&b, 8);
    if (get_ue(&b) > 31) /* seq_parameter_set_id */
        return -EPROTO;
    unsigned chroma_format_idc = 1;
    bool separate_colour = false;
    unsigned p = out->profile_idc;
    if (p == 100 || p == 110 || p == 122 || p == 244 || p == 44 || p == 83 || p == 86 || p == 118 ||
        p == 128 || p == 138 || p == 139 || p == 134 || p == 135) {
        chroma_format_idc = get_ue(&b);
        if (chroma_format_idc > 3)
            return -EPROTO;
        if (chroma_format_idc == 3)
            separate_colour = get_bit(&b);
        get_ue(&b);        /* bit_depth_luma_minus8 */
        get_ue(&b);        /* bit_depth_chroma_minus8 */
        get_bit(&b);       /* qpprime_y_zero_transform_bypass_flag */
        if (get_bit(&b)) { /* seq_scaling_matrix_present_flag */
            int lists = chroma_format_idc != 3 ? 8 : 12;
            for (int i = 0; i < lists && !b.over; i++)
                if (get_bit(&b))
                    skip_scaling_list(&b, i < 6 ? 16 : 64);
        }
    }
    if (get_ue(&b) > 12) /* log2_max_frame_num_minus4 */
        return -EPROTO;
    uint32_t poc_type = get_ue(&b);
    if (poc_type == 0) {
        if (get_ue(&b) > 12)
            return -EPROTO;
    } else if (poc_type == 1) {
        get_bit(&b);
        get_se(&b);
        get_se(&b);
        uint32_t cycle = get_ue(&b);
        if (cycle > 255)
            return -EPROTO;
        for (uint32_t i = 0; i < cycle && !b.over; i++)
            get_se(&b);
    } else if (poc_type != 2) {
        return -EPROTO;
    }
    get_ue(&b);  /* max_num_ref_frames */
    get_bit(&b); /* gaps_in_frame_num_value_allowed_flag */
    uint32_t wmbs = get_ue(&b) + 1, hmaps = get_ue(&b) + 1;
    unsigned frame_mbs_only = get_bit(&b);
    if (!frame_mbs_only)
        get_bit(&b); /* mb_adaptive_frame_field_flag */
    get_bit(&b);     /* direct_8x8_inference_flag */
    if (wmbs > 1024 || hmaps > 1024)
        return -EPROTO;
    unsigned width = wmbs * 16, height = hmaps * 16 * (2 - frame_mbs_only);
    if (get_bit(&b)) { /* frame_cropping_flag */
        uint32_t l = get_ue(&b), r = get_ue(&b), t = get_ue(&b), bo = get_ue(&b);
        unsigned cx = 1, cy = 2 - frame_mbs_only;
        if (chroma_format_idc != 0 && !separate_colour) {
            cx = chroma_format_idc == 3 ? 1 : 2;
            cy *= chroma_format_idc == 1 ? 2 : 1;
        }
        uint64_t dx = (uint64_t)cx * ((uint64_t)l + r), dy = (uint64_t)cy * ((uint64_t)t + bo);
        if (dx >= width || dy >= height)
            return -EPROTO;
        width -= (unsigned)dx;
        height -= (unsigned)dy;
    }
    if (b.over)
        return -EPROTO;
    out->width = width;
    out->height = height;
    if (get_bit(&b)) { /* vui_parameters_present_flag */
        vui_head(&b);
        if (get_bit(&b)) { /* timing_info_present_flag */
            uint32_t units = get_bits(&b, 32), scale = get_bits(&b, 32);
            if (!b.over && units && scale) {
                out->has_fps = true;
                out->fps = (double)scale / (2.0 * units);
            }
        }
    }
    return 0;
}

static int b64val(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

long base64_decode_sv(struct sv in, uint8_t *out, size_t cap)
{
    size_t n = 0;
    uint32_t acc = 0;
    unsigned nbits = 0;
    size_t i = 0;
    for (; i < in.n && in.p[i] != '='; i++) {
        int v = b64val((uint8_t)in.p[i]);
        if (v < 0)
            return -EPROTO;
        acc = (acc << 6) | (uint32_t)v;
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            if (n >= cap)
                return -EMSGSIZE;
            out[n++] = (uint8_t)(acc >> nbits);
        }
    }
    for (; i < in.n; i++)
        if (in.p[i] != '=')
            return -EPROTO;
    return (long)n;
}

/* The first base64 entry of fmtp parameter `key`, decoded into nal.
 * Returns its length, -ENOENT without the parameter, or -EPROTO. */
static long sprop_first(struct sv fmtp, const char *key, uint8_t *nal, size_t cap)
{
    struct sv v = sdp_fmtp_param(fmtp, key);
    if (!v.p)
        return -ENOENT;
    size_t l = 0;
    while (l < v.n && v.p[l] != ',')
        l++;
    long n = base64_decode_sv((struct sv){v.p, l}, nal, cap);
    return n < 0 ? -EPROTO : n;
}

int h264_sps_from_fmtp(struct sv fmtp, struct h264_sps_info *out)
{
    uint8_t nal[256];
    long n = sprop_first(fmtp, "sprop-parameter-sets", nal, sizeof nal);
    return n < 0 ? (int)n : h264_sps_parse(nal, (size_t)n, out);
}

const char *h264_profile_name(unsigned profile_idc, unsigned constraint_flags)
{
    switch (profile_idc) {
    case 66:
        return constraint_flags & 0x40 ? "Constrained Baseline" : "Baseline";
    case 77:
        return "Main";
    case 88:
        return "Extended";
    case 100:
        return "High";
    case 110:
        return "High 10";
    case 122:
        return "High 4:2:2";
    case 244:
        return "High 4:4:4 Predictive";
    default:
        return "other";
    }
}

/* ------------------------------------------------------------------ H.265 */

/* profile_tier_level(1, max_sub_layers_minus1), H.265 7.3.3 */
static void h265_ptl(struct bits *b, unsigned max_sub_layers_minus1, struct h265_sps_info *out)
{
    get_bits(b, 2); /* general_profile_space */
    out->tier = get_bit(b);
    out->profile_idc = get_bits(b, 5);
    get_bits(b, 32); /* compatibility flags */
    get_bits(b, 16); /* progressive, interlaced, non-packed, frame-only + 44 bits of */
    get_bits(b, 32); /* constraint / reserved flags (48 in all) */
    out->level_idc = get_bits(b, 8);
    bool prof[8] = {false}, lvl[8] = {false};
    for (unsigned i = 0; i < max_sub_layers_minus1; i++) {
        prof[i] = get_bit(b);
        lvl[i] = get_bit(b);
    }
    if (max_sub_layers_minus1 > 0)
        for (unsigned i = max_sub_layers_minus1; i < 8; i++)
            get_bits(b, 2);
    for (unsigned i = 0; i < max_sub_layers_minus1; i++) {
        if (prof[i]) {
            get_bits(b, 32);
            get_bits(b, 32);
            get_bits(b, 24);
        }
        if (lvl[i])
            get_bits(b, 8);
    }
}

static void h265_skip_scaling_list_data(struct bits *b)
{
    for (int size_id = 0; size_id < 4 && !b->over; size_id++)
        for (int matrix_id = 0; matrix_id < 6; matrix_id += size_id == 3 ? 3 : 1) {
            if (!get_bit(b)) { /* scaling_list_pred_mode_flag */
                get_ue(b);     /* scaling_list_pred_matrix_id_delta */
                continue;
            }
            int coefs = 1 << (4 + (size_id << 1));
            if (coefs > 64)
                coefs = 64;
            if (size_id > 1)
                get_se(b); /* scaling_list_dc_coef_minus8 */
            for (int i = 0; i < coefs && !b->over; i++)
                get_se(b);
        }
}

/* st_ref_pic_set(idx), 7.3.7; num_delta[] keeps NumDeltaPocs per set for
 * the inter-set prediction of later sets. Returns false when out of range. */
static bool h265_st_rps(struct bits *b, unsigned idx, unsigned num_sets, unsigned *num_delta)
{
    bool inter = idx != 0 && get_bit(b);
    if (inter) {
        unsigned delta_idx = 1;
        if (idx == num_sets)
            delta_idx = get_ue(b) + 1;
        if (delta_idx > idx)
            return false;
        get_bit(b); /* delta_rps_sign */
        get_ue(b);  /* abs_delta_rps_minus1 */
        unsigned ref = idx - delta_idx, n = 0;
        for (unsigned j = 0; j <= num_delta[ref] && !b->over; j++) {
            bool used = get_bit(b);
            bool use_delta = used || get_bit(b);
            if (use_delta)
                n++;
        }
        if (n > 32)
            return false;
        num_delta[idx] = n;
        return true;
    }
    unsigned neg = get_ue(b), pos = get_ue(b);
    if (neg > 16 || pos > 16)
        return false;
    for (unsigned i = 0; i < neg + pos && !b->over; i++) {
        get_ue(b);  /* delta_poc_s0/s1_minus1 */
        get_bit(b); /* used_by_curr_pic */
    }
    num_delta[idx] = neg + pos;
    return true;
}

int h265_sps_parse(const uint8_t *nal, size_t len, struct h265_sps_info *out)
{
    uint8_t rbsp[512];
    if (len < 5 || ((nal[0] >> 1) & 0x3f) != 33)
        return -EPROTO;
    size_t n = to_rbsp(nal, len, 2, rbsp, sizeof rbsp);
    struct bits b = {rbsp, n, 0, false};
    memset(out, 0, sizeof *out);
    get_bits(&b, 4); /* sps_video_parameter_set_id */
    unsigned max_sub = get_bits(&b, 3);
    if (max_sub > 6)
        return -EPROTO;
    get_bit(&b); /* temporal_id_nesting */
    h265_ptl(&b, max_sub, out);
    if (get_ue(&b) > 15) /* sps_seq_parameter_set_id */
        return -EPROTO;
    unsigned chroma = get_ue(&b);
    if (chroma > 3)
        return -EPROTO;
    if (chroma == 3)
        get_bit(&b); /* separate_colour_plane_flag */
    uint32_t w = get_ue(&b), h = get_ue(&b);
    if (!w || !h || w > 16888 || h > 16888)
        return -EPROTO;
    unsigned sub_w = chroma == 1 || chroma == 2 ? 2 : 1, sub_h = chroma == 1 ? 2 : 1;
    if (get_bit(&b)) { /* conformance_window_flag */
        uint32_t l = get_ue(&b), r = get_ue(&b), t = get_ue(&b), bo = get_ue(&b);
        uint64_t cw = (uint64_t)sub_w * (l + r), ch = (uint64_t)sub_h * (t + bo);
        if (cw >= w || ch >= h)
            return -EPROTO;
        w -= (uint32_t)cw;
        h -= (uint32_t)ch;
    }
    out->width = w;
    out->height = h;
    out->bit_depth = get_ue(&b) + 8;
    get_ue(&b); /* bit_depth_chroma_minus8 */
    unsigned log2_max_poc = get_ue(&b) + 4;
    if (log2_max_poc > 16 || b.over)
        return -EPROTO;
    bool ordering_all = get_bit(&b);
    for (unsigned i = ordering_all ? 0 : max_sub; i <= max_sub; i++) {
        get_ue(&b);
        get_ue(&b);
        get_ue(&b);
    }
    for (int i = 0; i < 6; i++) /* min/diff luma coding block, transform block, depths */
        get_ue(&b);
    if (get_bit(&b) && get_bit(&b)) /* scaling_list_enabled, sps_scaling_list_data_present */
        h265_skip_scaling_list_data(&b);
    get_bit(&b);       /* amp_enabled */
    get_bit(&b);       /* sample_adaptive_offset_enabled */
    if (get_bit(&b)) { /* pcm_enabled */
        get_bits(&b, 8);
        get_ue(&b);
        get_ue(&b);
        get_bit(&b);
    }
    unsigned num_sets = get_ue(&b);
    if (num_sets > 64 || b.over)
        return -EPROTO;
    unsigned num_delta[65] = {0};
    for (unsigned i = 0; i < num_sets && !b.over; i++)
        if (!h265_st_rps(&b, i, num_sets, num_delta))
            return -EPROTO;
    if (get_bit(&b)) { /* long_term_ref_pics_present */
        unsigned lt = get_ue(&b);
        if (lt > 32)
            return -EPROTO;
        for (unsigned i = 0; i < lt && !b.over; i++) {
            get_bits(&b, log2_max_poc);
            get_bit(&b);
        }
    }
    get_bit(&b); /* sps_temporal_mvp_enabled */
    get_bit(&b); /* strong_intra_smoothing_enabled */
    if (b.over)
        return -EPROTO;
    if (!get_bit(&b)) /* vui_parameters_present */
        return 0;
    vui_head(&b);
    get_bits(&b, 3);   /* neutral_chroma, field_seq, frame_field_info_present */
    if (get_bit(&b)) { /* default_display_window */
        get_ue(&b);
        get_ue(&b);
        get_ue(&b);
        get_ue(&b);
    }
    if (get_bit(&b)) { /* vui_timing_info_present */
        uint32_t units = get_bits(&b, 32), scale = get_bits(&b, 32);
        if (!b.over && units && scale) {
            out->has_fps = true;
            out->fps = (double)scale / units;
        }
    }
    return 0;
}

int h265_sps_from_fmtp(struct sv fmtp, struct h265_sps_info *out)
{
    uint8_t nal[512];
    long n = sprop_first(fmtp, "sprop-sps", nal, sizeof nal);
    return n < 0 ? (int)n : h265_sps_parse(nal, (size_t)n, out);
}

const char *h265_profile_name(unsigned profile_idc)
{
    switch (profile_idc) {
    case 1:
        return "Main";
    case 2:
        return "Main 10";
    case 3:
        return "Main Still Picture";
    case 4:
        return "Range Extensions";
    case 5:
        return "High Throughput";
    case 9:
        return "Screen Content Coding";
    default:
        return "other";
    }
}
