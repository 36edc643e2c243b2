/* libFuzzer: RTCP compound parser and RTP header parser on the same bytes.
 * A parsed SR rebuilt with rtcp_build_sr parses back to the same values. */
#include <stdlib.h>
#include <string.h>

#include "rtp/rtcp.h"
#include "rtp/rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rtp_hdr h;
    if (rtp_parse(data, size, &h) == 0) {
        if (h.header_len < RTP_HEADER_LEN || h.header_len + h.payload_len > size ||
            h.payload != data + h.header_len || h.pt > 127 || h.csrc_count > 15)
            abort();
        if (rtp_seq_of(data) != h.seq || rtp_ts_of(data) != h.ts)
            abort();
    }
    struct rtcp_info info;
    if (rtcp_parse(data, size, &info))
        return 0;
    if (!rtcp_is_rtcp(data, size))
        abort();
    if (info.has_block && info.n_blocks == 0)
        abort();
    if (info.has_sr) {
        uint8_t b[128];
        size_t n = rtcp_build_sr(b, sizeof b, info.sr_ssrc, info.sr_ntp, info.sr_rtp_ts,
                                 info.sr_packets, info.sr_octets, "fuzz");
        struct rtcp_info back;
        if (!n || rtcp_parse(b, n, &back) || !back.has_sr || back.sr_ntp != info.sr_ntp ||
            back.sr_ssrc != info.sr_ssrc || back.sr_rtp_ts != info.sr_rtp_ts ||
            back.sr_packets != info.sr_packets || back.sr_octets != info.sr_octets)
            abort();
    }
    if (info.has_block) {
        uint8_t b[128];
        size_t n = rtcp_build_rr(b, sizeof b, info.sender_ssrc, &info.block, NULL);
        struct rtcp_info back;
        if (!n || rtcp_parse(b, n, &back) || !back.has_block ||
            memcmp(&back.block, &info.block, sizeof info.block))
            abort();
    }
    return 0;
}
