/* libFuzzer: the RTSP message + interleaved frame parser, fed the whole input
 * as a connection would see it; every view must lie inside the input. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "rtsp/msg.h"

static void inside(const uint8_t *b, size_t n, struct sv v)
{
    if (v.n && ((const uint8_t *)v.p < b || (const uint8_t *)v.p + v.n > b + n))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    while (off < size) {
        struct rtsp_item it;
        size_t used = 0;
        int r = rtsp_parse(data + off, size - off, &used, &it);
        if (r)
            break;
        if (used == 0 || used > size - off)
            abort();
        if (it.kind == RTSP_ITEM_MESSAGE || it.kind == RTSP_ITEM_BAD_MESSAGE) {
            const uint8_t *b = data + off;
            inside(b, used, it.msg.uri);
            inside(b, used, it.msg.body);
            for (size_t i = 0; i < it.msg.n_headers; i++) {
                inside(b, used, it.msg.headers[i].name);
                inside(b, used, it.msg.headers[i].value);
            }
            uint32_t cseq;
            (void)rtsp_msg_cseq(&it.msg, &cseq);
            struct rtsp_session_hdr sh;
            (void)rtsp_parse_session(rtsp_msg_header(&it.msg, "Session"), &sh);
            struct rtsp_range rg;
            (void)rtsp_parse_range(rtsp_msg_header(&it.msg, "Range"), &rg);
        } else if (it.kind == RTSP_ITEM_FRAME) {
            if (it.frame.data + it.frame.len > data + size)
                abort();
        }
        off += used;
    }
    return 0;
}
