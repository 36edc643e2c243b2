/* The RTSP client role: one upstream session to a server or camera, on one
 * libevent loop (raw fd events). Shared by the relay source and, later, the
 * pull, push and probe commands.
 *
 *   connect (DNS if needed) -> OPTIONS -> DESCRIBE (3xx followed up to 5
 *   times; a 401 is retried once with the URL's credentials and the strongest
 *   offered scheme, Digest SHA-256 > MD5 > Basic) -> SETUP per track (RTP/UDP
 *   on an even/odd port pair with NAT punch packets, or TCP interleaved on
 *   channels 2i/2i+1, whatever channels the server answers) -> PLAY -> packets
 *   to on_packet, keepalives (GET_PARAMETER when Public lists it, else
 *   OPTIONS) at the session timeout minus a margin, RTCP receiver reports at
 *   most every 5 s.
 *
 * Transport `auto`: UDP first; TCP when the server answers 461 to UDP or no
 * RTP arrives within udp_timeout_ms after PLAY; an HTTP tunnel when the
 * server answers 461 to TCP interleaved too, or when the RTSP connection gets
 * no RTSP answer to OPTIONS (closed, garbage such as an HTTP proxy's error
 * page, or no answer in time). Once TCP or HTTP won, later sessions of the
 * same client start there. The log says which transport won, why.
 *
 * Transport `http` (or an rtsph:// URL): two TCP connections to the URL's
 * host and port, a GET whose answer body carries the RTSP responses and the
 * interleaved RTP/RTCP, and a POST (same x-sessioncookie) carrying the
 * requests base64-encoded; SETUP asks for RTP/AVP/TCP interleaved. Not over
 * TLS (an rtsps:// URL always interleaves inside its TLS connection).
 *
 * Transport `multicast`: SETUP asks for RTP/AVP;multicast; the client joins
 * the group and ports the server answers (IPv4) on the interface of the
 * control connection (the kernel's route to the group when that is
 * loopback), with SO_REUSEADDR so several local receivers share it, and
 * leaves it when the session ends. No RTCP receiver reports are sent to the
 * group; keepalives go over RTSP.
 *
 * Any failure (refused, reset, EOF, timeouts, no media for data_timeout_ms,
 * a bad answer) closes everything and reports through on_close; the owner
 * decides whether and when to start again (the client object is reusable).
 *
 * Callbacks run from the client's events: they may read, but must neither
 * free the client nor start/stop it (schedule that on an event of your own).
 * Memory is bounded: the control input buffer holds at most one whole message
 * or `$` frame, the output buffer a few requests and reports. */
#ifndef RTSPGATE_CLIENT_RTSP_CLIENT_H
#define RTSPGATE_CLIENT_RTSP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/limits.h"
#include "core/sv.h"
#include "rtsp/msg.h"
#include "rtsp/transport.h"
#include "sdp/sdp.h"

struct event_base;
struct rtsp_client;

enum rtsp_client_transport {
    RTSP_CLIENT_AUTO = 0, /* UDP, falling back to TCP, then to an HTTP tunnel */
    RTSP_CLIENT_UDP,
    RTSP_CLIENT_TCP,
    RTSP_CLIENT_HTTP,      /* RTSP over an HTTP tunnel (QuickTime scheme), media interleaved */
    RTSP_CLIENT_MULTICAST, /* RTP/AVP;multicast: join the group the server answers */
};
/* "auto", "udp", "tcp", "http", "multicast" */
const char *rtsp_client_transport_name(enum rtsp_client_transport t);
/* Parse one of those names (case-sensitive). 0 or -EINVAL. */
int rtsp_client_transport_parse(const char *s, enum rtsp_client_transport *out);

struct rtsp_client_opts {
    enum rtsp_client_transport transport;
    unsigned udp_timeout_ms;      /* auto: TCP when no RTP within this after PLAY (0: 2000) */
    unsigned connect_timeout_ms;  /* DNS + TCP connect (0: 5000) */
    unsigned response_timeout_ms; /* each answer (0: 10000) */
    unsigned data_timeout_ms;     /* no packet for this long while playing: failure (0: 10000) */
};

/* What DESCRIBE returned. Views are valid during on_describe only. */
struct rtsp_client_desc {
    const char *url;          /* the URL that answered (after redirects; no credentials) */
    const char *content_base; /* base for control URLs */
    struct sv sdp_text;
    const struct sdp_session *sdp;
    /* Media to SETUP (index = SDP media index): true for every RTP/AVP(F)
     * media by default; the callback may clear entries. */
    bool setup[RTSP_MAX_TRACKS];
};

struct rtsp_client_cb {
    /* Return 0 to SETUP and PLAY, 1 to end here without error (probe: then
     * on_close(ctx, 0, "described") follows), or a negative errno to fail. */
    int (*on_describe)(void *ctx, struct rtsp_client_desc *d);
    /* PLAY was answered: packets follow over `lower`. */
    void (*on_playing)(void *ctx, enum rtsp_lower lower);
    /* One RTP (rtcp = false) or RTCP packet of SDP media `media`; data is
     * valid during the call. RTP packets have at least a 12-byte header. */
    void (*on_packet)(void *ctx, size_t media, bool rtcp, const uint8_t *data, size_t len);
    /* The session ended: err < 0 with a reason (static or client-owned text,
     * valid during the call), or 0 after on_describe returned 1. The client
     * is idle when this is called. */
    void (*on_close)(void *ctx, int err, const char *reason);
    /* Optional (may be NULL): every response matched to a request, before
     * the client acts on it (probe: Server, Public, WWW-Authenticate, status
     * lines). m is valid during the call. */
    void (*on_response)(void *ctx, enum rtsp_method method, const struct rtsp_msg *m);
};

/* cb and ctx are borrowed for the client's life. NULL on out of memory. */
struct rtsp_client *rtsp_client_new(struct event_base *base, const struct rtsp_client_cb *cb,
                                    void *ctx);
/* Stops (TEARDOWN best effort) and frees. Accepts NULL. Not from a callback. */
void rtsp_client_free(struct rtsp_client *c);
/* Start a session to url (rtsp[s|h]://[user[:password]@]host[:port]/path;
 * rtsph:// is rtsp:// with transport http, port 554 by default, unless
 * opts->transport asks for udp, tcp or multicast explicitly).
 * rtsps:// is RTSP over TLS (port 322 by default) with the media interleaved
 * in it, whatever opts->transport says; the server's certificate is not
 * verified (cameras and rtspgate use self-signed ones). opts may be NULL
 * (defaults). Stops a session in progress first. Returns 0 (progress and
 * failures then come through the callbacks) or -EPROTO (bad URL),
 * -EPROTONOSUPPORT (not rtsp://, rtsps:// or rtsph://), -ENOMEM. */
int rtsp_client_start(struct rtsp_client *c, const char *url, const struct rtsp_client_opts *opts);
/* TEARDOWN (best effort) and close; no callback. Idempotent. Not from a callback. */
void rtsp_client_stop(struct rtsp_client *c);
bool rtsp_client_is_playing(const struct rtsp_client *c);
/* The lower transport of the current (or last) session. */
enum rtsp_lower rtsp_client_lower(const struct rtsp_client *c);
/* The transport of the current (or last) session: UDP, TCP, HTTP or
 * MULTICAST (never AUTO). */
enum rtsp_client_transport rtsp_client_used(const struct rtsp_client *c);

struct rtsp_client_stats {
    uint64_t rtp_packets, rtp_bytes, rtcp_packets;
    uint64_t lost;       /* RTP packets missing by sequence number */
    uint64_t junk_bytes; /* skipped between interleaved frames */
    unsigned keepalives; /* sent */
    unsigned receiver_reports;
};
/* Transport auto: why the client left RTP/UDP for TCP interleaved, or TCP
 * for an HTTP tunnel (the text it logs, e.g. "no RTP arrived over UDP within
 * 1.5 s"), or "" while UDP stands. */
const char *rtsp_client_tcp_reason(const struct rtsp_client *c);
void rtsp_client_stats(const struct rtsp_client *c, struct rtsp_client_stats *st);

#endif
