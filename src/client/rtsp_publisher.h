/* The RTSP publishing client: pushes one hub stream to an RTSP server that
 * accepts RECORD (rtspgate's published paths, ffmpeg's listen mode, ...),
 * over one outbound TCP connection, on one libevent loop.
 *
 *   wait until the stream has tracks and a keyframe -> connect (DNS if
 *   needed; TLS for rtsps://) -> OPTIONS -> ANNOUNCE with an SDP built from
 *   the stream's tracks (a 401 is retried once with the URL's credentials,
 *   Digest SHA-256 > MD5 > Basic) -> SETUP per track
 *   `RTP/AVP/TCP;unicast;interleaved=2i-2i+1;mode=record` -> RECORD ->
 *   the stream's RTP packets `$`-framed on the answered channels, starting at
 *   a keyframe, plus RTCP sender reports every 5 s; keepalives
 *   (GET_PARAMETER when Public lists it, else OPTIONS) within the session
 *   timeout.
 *
 * The publisher reads the stream like a viewer: a hub cursor, no copy, the
 * packet being written is the only one it holds. When the uplink is slower
 * than the stream, the hub makes the cursor jump to the newest keyframe
 * (max lag / ring overrun) instead of queueing: memory stays bounded.
 *
 * HTTP tunnel (opts->http or an rtsph:// URL; not inside TLS): the same
 * exchange with the answers on a GET connection and everything we send
 * (requests, `$` frames) base64-encoded on a POST connection with the same
 * x-sessioncookie; media then costs one copy (the encoding), bounded by a
 * 64 KiB queue before the publisher waits like a blocked socket.
 *
 * Any failure (refused, reset, TLS error, a bad or missing answer within the
 * response timeout, the socket unwritable or data unacknowledged for
 * stall_timeout_ms via TCP_USER_TIMEOUT) closes the connection and starts
 * again after a backoff: 1 s, doubling up to 30 s, back to 1 s once a
 * session carried media. The stream's numbering (SSRC, sequence numbers,
 * timestamps) is the hub's, so it continues across reconnects; a new session
 * goes on from the packet where the last one stopped (or from the newest
 * keyframe when that is too old or gone), so nothing is sent twice. */
#ifndef RTSPGATE_CLIENT_RTSP_PUBLISHER_H
#define RTSPGATE_CLIENT_RTSP_PUBLISHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct hub_stream;
struct rtsp_publisher;

struct rtsp_publisher_opts {
    unsigned connect_timeout_ms;  /* DNS + TCP (+ TLS) connect (0: 5000) */
    unsigned response_timeout_ms; /* each answer (0: 10000) */
    unsigned stall_timeout_ms;    /* unwritable / unacknowledged this long: dead (0: 10000) */
    unsigned backoff_min_ms;      /* first retry delay (0: 1000) */
    unsigned backoff_max_ms;      /* cap of the doubling (0: 30000) */
    bool http; /* RTSP over an HTTP tunnel (as an rtsph:// URL does): the answers come down
                  a GET connection, requests and media go up a POST connection base64-encoded */
};

struct rtsp_publisher_stats {
    uint64_t rtp_packets, rtp_bytes; /* written to the socket (or TLS buffer) */
    uint64_t skips;                  /* jumps to a newer keyframe (slow uplink) */
    unsigned sessions;               /* RECORD answered 200 */
    unsigned failures;
    unsigned keepalives, sender_reports;
};

/* Check a destination URL (rtsp://, rtsps:// or rtsph://) without connecting.
 * 0 or -EINVAL with a reason. */
int rtsp_publisher_check_url(const char *url, char *err, size_t errlen);
/* Start publishing `stream` (borrowed; must outlive the publisher) to url.
 * Connects in the background and keeps reconnecting until freed. opts may
 * be NULL. NULL + reason on a bad URL or out of memory. */
struct rtsp_publisher *rtsp_publisher_new(struct event_base *base, struct hub_stream *stream,
                                          const char *url, const struct rtsp_publisher_opts *opts,
                                          char *err, size_t errlen);
/* TEARDOWN (best effort), close, free. Accepts NULL. */
void rtsp_publisher_free(struct rtsp_publisher *p);
bool rtsp_publisher_is_recording(const struct rtsp_publisher *p);
void rtsp_publisher_stats(const struct rtsp_publisher *p, struct rtsp_publisher_stats *st);

#endif
