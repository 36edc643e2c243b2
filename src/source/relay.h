/* rtsp:// source: relays a camera or another RTSP server into a hub stream.
 *
 * One upstream session (client/rtsp_client) per path. Tracks come from the
 * camera's SDP (media, payload type, rtpmap, fmtp and the other attributes
 * except control/direction/ssrc), RTP packets are copied once into a pkt and
 * published untouched (the hub rewrites SSRC/seq/ts for continuity); the
 * keyframe index is fed from the payload (rtp/keyframe.h). On any upstream
 * failure it reconnects with exponential backoff (1 s doubling to 30 s,
 * back to 1 s after a session that delivered media) and tells the hub the
 * upstream restarted, so viewers keep continuous numbering. */
#ifndef RTSPGATE_SOURCE_RELAY_H
#define RTSPGATE_SOURCE_RELAY_H

#include <stddef.h>

#include "client/rtsp_client.h"

struct event_base;
struct hub_stream;
struct relay_src;

struct relay_opts {
    enum rtsp_client_transport transport; /* auto | udp | tcp */
    unsigned udp_timeout_ms;              /* auto: UDP -> TCP after this without RTP (0: 2000) */
    unsigned data_timeout_ms;             /* reconnect after this without media (0: 10000) */
};

/* Validate a URL without connecting. 0 or -EINVAL with a reason. */
int relay_check_url(const char *url, char *err, size_t errlen);
/* Start relaying url into stream (connects at once, in the background).
 * NULL + reason on a bad URL or out of memory. */
struct relay_src *relay_src_new(struct event_base *base, const char *url,
                                const struct relay_opts *o, struct hub_stream *stream, char *err,
                                size_t errlen);
void relay_src_free(struct relay_src *r); /* accepts NULL */
const char *relay_src_describe(const struct relay_src *r);

#endif
