/* Sources: what feeds a path's hub stream. A source is created from a spec
 * string and publishes RTP packets into its stream on the creating loop.
 *   testsrc[:opts]   the built-in live test pattern (see testsrc.h for opts)
 *   file:PATH        a media file, looped at real-time pace (see file.h)
 *   rtsp://[user:password@]host[:port]/path
 *                    a camera or RTSP server, relayed (see relay.h)
 */
#ifndef RTSPGATE_SOURCE_SOURCE_H
#define RTSPGATE_SOURCE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct hub_stream;
struct source;

/* Checks a spec without starting anything. Returns 0 or -EINVAL with a reason. */
int source_check_spec(const char *spec, char *err, size_t errlen);
/* Start a source feeding `stream` (whose tracks it sets). NULL + reason on error. */
struct source *source_new(struct event_base *base, const char *spec, struct hub_stream *stream,
                          uint32_t seed, char *err, size_t errlen);

/* Options for the sources that take them (rtsp://). */
enum source_rtsp_transport {
    SOURCE_RTSP_AUTO = 0, /* RTP/UDP, TCP interleaved when UDP fails, then an HTTP tunnel */
    SOURCE_RTSP_UDP,
    SOURCE_RTSP_TCP,
    SOURCE_RTSP_HTTP,      /* RTSP over an HTTP tunnel */
    SOURCE_RTSP_MULTICAST, /* RTP/AVP;multicast */
};                         /* the same order as enum rtsp_client_transport */
struct source_opts {
    enum source_rtsp_transport rtsp_transport;
    unsigned rtsp_udp_timeout_ms; /* auto: UDP -> TCP without RTP for this long (0: 2000) */
};
/* source_new with options; opts may be NULL (defaults, as source_new). */
struct source *source_new_opts(struct event_base *base, const char *spec,
                               const struct source_opts *opts, struct hub_stream *stream,
                               uint32_t seed, char *err, size_t errlen);
void source_free(struct source *s);                  /* accepts NULL */
const char *source_describe(const struct source *s); /* e.g. "testsrc 1280x720@30 + AAC 48000 Hz" */

#endif
