/* Pure pieces of the RTSP client role (pull, probe, and later push):
 * writing requests and reading what servers and cameras answer.
 *
 * No I/O, no clock, no allocation. Views returned point into the message or
 * string they were taken from and are valid as long as it is; strings are
 * written into caller-provided buffers (NUL-terminated). Functions return 0
 * or a negative errno: -EPROTO for unusable input, -EMSGSIZE when a value does
 * not fit, -ENOENT when a header is absent. */
#ifndef RTSPGATE_SESSION_CLI_PROTO_H
#define RTSPGATE_SESSION_CLI_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/sv.h"
#include "rtsp/auth.h"
#include "rtsp/msg.h"
#include "rtsp/transport.h"
#include "sdp/sdp.h"

#define CLI_USER_AGENT "rtspgate/" RTSPGATE_VERSION
/* Session timeout assumed when a server does not say (RFC 2326 §12.37). */
#define CLI_DEFAULT_SESSION_TIMEOUT_S 60
#define CLI_MAX_SESSION_ID            256

/* ---- URLs ---- */

/* A source URL split for the client: the request URL never carries the
 * credentials; they are percent-decoded into user/password. */
struct cli_url {
    char url[RTSP_MAX_URL_BYTES + 1]; /* scheme://host[:port]/path[?query] */
    char host[256];                   /* without [] for IPv6 literals */
    uint16_t port;                    /* explicit or the scheme's default */
    bool tls;                         /* rtsps:// */
    bool http;                        /* rtsph://: RTSP over an HTTP tunnel (url is rtsp://) */
    bool has_credentials;
    char user[RTSP_AUTH_MAX_PARAM + 1];
    char password[RTSP_AUTH_MAX_PARAM + 1];
};
/* Parse rtsp://, rtsps:// or rtsph:// (other schemes: -EPROTONOSUPPORT).
 * rtsph:// (port 554 by default) sets http and gives an rtsp:// url: the
 * requests inside the tunnel name rtsp:// URLs, as GStreamer's do. */
int cli_url_parse(const char *url, struct cli_url *out);
/* Write url with the password replaced by "***" (for logs). */
void cli_url_redact(const char *url, char *dst, size_t size);

/* ---- requests ---- */

struct cli_request {
    enum rtsp_method method;
    const char *uri; /* request URI (no credentials) */
    uint32_t cseq;
    const char *session;       /* Session id, or NULL */
    const char *transport;     /* Transport value, or NULL */
    const char *authorization; /* Authorization value, or NULL */
    bool accept_sdp;           /* Accept: application/sdp (DESCRIBE) */
    bool range_from_zero;      /* Range: npt=0.000- (PLAY) */
    const char *content_type;  /* for a body (ANNOUNCE, SET_PARAMETER), or NULL */
    const void *body;
    size_t body_len;
};
/* Append a whole request (with User-Agent: CLI_USER_AGENT). Returns 0,
 * -EINVAL (unknown method, CR/LF in a value) or -EMSGSIZE (out's cap). */
int cli_request_write(struct buf *out, const struct cli_request *r);

/* A Transport request value: "RTP/AVP;unicast;client_port=P-P+1" (UDP, port
 * = the even RTP port) or "RTP/AVP/TCP;unicast;interleaved=C-C+1" (TCP,
 * port = the RTP channel), with ";mode=record" when record. */
int cli_transport_request(char *dst, size_t size, enum rtsp_lower lower, uint16_t port,
                          bool record);

/* ---- responses ---- */

/* Session id and timeout (CLI_DEFAULT_SESSION_TIMEOUT_S when not given).
 * -ENOENT: no Session header; -EPROTO / -EMSGSIZE: unusable id. */
int cli_session_of(const struct rtsp_msg *m, char *id, size_t size, uint32_t *timeout_s);
/* Does the Public header list this method? false when Public is absent. */
bool cli_public_has(const struct rtsp_msg *m, enum rtsp_method method);
/* Base URL for relative control URLs of a DESCRIBE answer: Content-Base,
 * else Content-Location (resolved against the request URL), else the request URL. */
int cli_content_base(const struct rtsp_msg *m, const char *request_url, char *dst, size_t size);
/* Resolve a control attribute against a base the way players do: absolute
 * URLs as they are, "*" or empty as the base itself, "/path" against the
 * authority, and a relative path appended to the base as a directory
 * ("rtsp://h/live.sdp" + "trackID=1" -> "rtsp://h/live.sdp/trackID=1"),
 * keeping a query of the base after the appended part. */
int cli_control_url(const char *base, struct sv control, char *dst, size_t size);
/* Aggregate control URL (PLAY, keepalives, TEARDOWN): the session-level
 * a=control resolved against content_base, or content_base. */
int cli_aggregate_url(const char *content_base, const struct sdp_session *sdp, char *dst,
                      size_t size);
/* URL to SETUP media m: its a=control resolved against the session-level
 * control when that is an absolute URL, else against content_base; with no
 * a=control, the aggregate URL (single-media presentations). */
int cli_track_url(const char *content_base, const struct sdp_session *sdp,
                  const struct sdp_media *m, char *dst, size_t size);
/* The first alternative of the Transport header of a SETUP answer (views
 * into m). -ENOENT when absent, -EPROTO when unparsable. */
int cli_transport_of(const struct rtsp_msg *m, struct rtsp_transport *out);
/* Location of a 3xx answer resolved against the request URL. */
int cli_redirect_url(const struct rtsp_msg *m, const char *request_url, char *dst, size_t size);
/* Keep the strongest usable challenge of every WWW-Authenticate header
 * (Digest SHA-256 > Digest MD5 > Basic). -ENOENT when none is usable. */
int cli_pick_challenge(const struct rtsp_msg *m, struct rtsp_auth_challenge *best);

/* RTP-Info: url=<url>[;seq=<n>][;rtptime=<n>], ... */
struct cli_rtp_info {
    struct sv url;
    bool has_seq;
    uint16_t seq;
    bool has_rtptime;
    uint32_t rtptime;
};
/* Up to max entries; unknown parameters are skipped. 0 or -EPROTO. */
int cli_rtp_info_parse(struct sv value, struct cli_rtp_info *out, size_t max, size_t *n);
/* Index of the entry for track_url: equal, or one ends with the other's
 * path (servers answer with relative or rewritten URLs); -ENOENT. */
int cli_rtp_info_find(const struct cli_rtp_info *e, size_t n, const char *track_url);

/* ---- keepalive ---- */

struct cli_keepalive {
    enum rtsp_method method; /* GET_PARAMETER when Public lists it, else OPTIONS */
    uint32_t interval_ms;    /* timeout minus a margin (at least half the timeout) */
};
void cli_keepalive_plan(bool has_get_parameter, uint32_t timeout_s, struct cli_keepalive *out);

#endif
