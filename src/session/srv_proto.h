/* Pure pieces of the RTSP server session logic: request target parsing,
 * transport negotiation and response writing. No I/O, no clock (the Date
 * header value comes in as an argument). */
#ifndef RTSPGATE_SESSION_SRV_PROTO_H
#define RTSPGATE_SESSION_SRV_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/sv.h"
#include "rtsp/msg.h"
#include "rtsp/transport.h"

#define SRV_PUBLIC                                                                                 \
    "OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, PAUSE, RECORD, TEARDOWN, GET_PARAMETER, "           \
    "SET_PARAMETER"
#define SRV_SERVER_NAME "rtspgate/" RTSPGATE_VERSION

/* Split a request URI ("rtsp://h:p/cam/1/trackID=1", "/cam/1", "*") into the
 * path name ("cam/1", without leading/trailing '/') and a track index (-1 when
 * the URI names the whole presentation). The query string is ignored.
 * Returns 0, or -EPROTO for an unusable URI (not rtsp/rtsps, '..' or empty
 * segments, control characters, over-long). `*` gives an empty path. */
int srv_parse_target(struct sv uri, char *path, size_t path_size, int *track);

/* What the server can do. */
struct srv_transport_caps {
    bool udp;
    bool tcp;
    bool record;    /* the client publishes (mode=record) rather than plays */
    bool multicast; /* RTP/AVP;multicast over UDP is served (play only) */
};
/* Pick the first alternative we can serve: RTP/AVP or RTP/AVPF, unicast, UDP
 * with client_port or TCP (interleaved given or not), in the wanted mode
 * (play, or record when caps->record); or, with caps->multicast, a UDP
 * multicast alternative in play mode (no client_port needed). Returns the index in alts, or
 * -ENOTSUP when none is acceptable (answer 461). */
int srv_pick_transport(const struct rtsp_transport *alts, size_t n,
                       const struct srv_transport_caps *caps);

/* Start a response: status line, CSeq (when has_cseq), Date, Server.
 * Then append headers with buf_printf and finish with srv_response_end. */
int srv_response_begin(struct buf *out, int status, bool has_cseq, uint32_t cseq, const char *date);
/* Content-Type/Content-Length (when body_len > 0 or content_type != NULL),
 * the blank line and the body. */
int srv_response_end(struct buf *out, const char *content_type, const void *body, size_t body_len);

/* A complete error response with no body; adds `Public` for 405/501 and
 * `Unsupported` when given. */
int srv_error_response(struct buf *out, int status, bool has_cseq, uint32_t cseq, const char *date,
                       struct sv unsupported);
/* The same with a reason phrase of our own, e.g. "Path Already Has a Publisher". */
int srv_error_response_reason(struct buf *out, int status, const char *reason, bool has_cseq,
                              uint32_t cseq, const char *date);

/* The first token of a Require/Proxy-Require header that we do not support
 * (we support none), or .p == NULL. */
struct sv srv_unsupported_option(const struct rtsp_msg *m);

#endif
