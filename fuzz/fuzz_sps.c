/* libFuzzer: H.264 and H.265 SPS parsers, base64 and fmtp paths (rtp/sps), and the RTP
 * receive statistics (rtp/rxstats) fed with the same bytes as packets.
 *
 * Input: the first byte selects: bit 0 clear = the rest is an SPS NAL unit,
 * set = an fmtp value; bit 1 clear = H.264, set = H.265. Then the input is cut into packets of
 * [len:1][bytes:len] for rxstats, whose invariants are checked. */
#include <stdint.h>
#include <stdlib.h>

#include "rtp/rxstats.h"
#include "rtp/sps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct sv fmtp = {(const char *)data + 1, size - 1};
    if (data[0] & 2) {
        struct h265_sps_info info;
        int r = (data[0] & 1) ? h265_sps_from_fmtp(fmtp, &info)
                              : h265_sps_parse(data + 1, size - 1, &info);
        if (r == 0 && (info.width == 0 || info.height == 0 || info.width > 16888 ||
                       info.height > 16888 || (info.has_fps && !(info.fps > 0))))
            abort();
    } else {
        struct h264_sps_info info;
        int r = (data[0] & 1) ? h264_sps_from_fmtp(fmtp, &info)
                              : h264_sps_parse(data + 1, size - 1, &info);
        if (r == 0 &&
            (info.width == 0 || info.height == 0 || info.width > 16384 || info.height > 16384 * 2))
            abort();
    }
    struct rxstats s;
    rxstats_init(&s);
    size_t pos = 1;
    while (pos < size) {
        size_t len = data[pos++];
        if (len > size - pos)
            len = size - pos;
        rxstats_add(&s, data + pos, len);
        pos += len;
    }
    if (rxstats_lost(&s) > rxstats_expected(&s))
        abort();
    return 0;
}
