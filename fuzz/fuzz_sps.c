/* libFuzzer: H.264 SPS parser, base64 and fmtp path (rtp/sps), and the RTP
 * receive statistics (rtp/rxstats) fed with the same bytes as packets.
 *
 * Input: the first byte selects: even = the rest is an SPS NAL unit; odd =
 * the rest is an fmtp value. Then the input is cut into packets of
 * [len:1][bytes:len] for rxstats, whose invariants are checked. */
#include <stdint.h>
#include <stdlib.h>

#include "rtp/rxstats.h"
#include "rtp/sps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct h264_sps_info info;
    int r = (data[0] & 1) ? h264_sps_from_fmtp((struct sv){(const char *)data + 1, size - 1}, &info)
                          : h264_sps_parse(data + 1, size - 1, &info);
    if (r == 0 &&
        (info.width == 0 || info.height == 0 || info.width > 16384 || info.height > 16384 * 2))
        abort();
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
