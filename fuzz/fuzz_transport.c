/* libFuzzer: Transport header parse -> format -> parse must agree. */
#include <stdint.h>
#include <stdlib.h>

#include "rtsp/transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rtsp_transport t[RTSP_MAX_TRANSPORT_ALTERNATIVES];
    size_t n = 0;
    if (rtsp_transport_parse((struct sv){(const char *)data, size}, t,
                             RTSP_MAX_TRANSPORT_ALTERNATIVES, &n))
        return 0;
    for (size_t i = 0; i < n; i++) {
        struct buf b;
        buf_init(&b, 4096);
        if (rtsp_transport_format(&t[i], &b) == 0) {
            struct rtsp_transport back[1];
            size_t m = 0;
            /* profile_text of an unknown profile may hold ',' ';': only check known ones */
            if (t[i].profile != RTSP_PROFILE_OTHER && !t[i].destination.p && !t[i].source.p) {
                if (rtsp_transport_parse((struct sv){(const char *)b.data, b.len}, back, 1, &m) ||
                    m != 1)
                    abort();
                if (back[0].lower != t[i].lower ||
                    back[0].has_interleaved != t[i].has_interleaved ||
                    back[0].client_port[0] != t[i].client_port[0] ||
                    back[0].interleaved[1] != t[i].interleaved[1] || back[0].mode != t[i].mode)
                    abort();
            }
        }
        buf_free(&b);
    }
    return 0;
}
