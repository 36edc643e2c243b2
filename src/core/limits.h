/* Every size cap and default limit in one place. */
#ifndef RTSPGATE_CORE_LIMITS_H
#define RTSPGATE_CORE_LIMITS_H

/* RTSP messages */
#define RTSP_MAX_HEADER_BYTES (16 * 1024) /* request/status line + headers */
#define RTSP_MAX_HEADERS      64
#define RTSP_MAX_BODY_BYTES   (64 * 1024)
#define RTSP_MAX_URL_BYTES    2048
#define RTSP_MAX_TRACKS       8
/* Bytes of junk tolerated between interleaved frames before the connection's
 * framing is considered lost. */
#define RTSP_MAX_RESYNC_BYTES 4096

/* Server defaults */
#define SRV_DEFAULT_PORT          8554
#define SRV_SESSION_TIMEOUT_S     60
#define SRV_MAX_CONNECTIONS       4096
#define SRV_MAX_SESSIONS_PER_CONN 4
#define SRV_TCP_OUT_BUF_MAX       (256 * 1024) /* control replies queued per connection */
/* a new ANNOUNCE replaces a publisher silent this long (its link died; it is
 * reconnecting) */
#define SRV_PUBLISH_TAKEOVER_S      2
#define SRV_PUBLISH_MEDIA_TIMEOUT_S 10 /* a recording publisher silent this long is dropped */
#define SRV_STALL_TIMEOUT_S         10 /* an unwritable viewer is closed after this */
#define SRV_SNDBUF_BYTES            (256 * 1024)
#define SRV_RTCP_SR_INTERVAL_MS     5000
#define SRV_MAX_CONNECTIONS_PER_IP  64
#define SRV_REQUEST_TIMEOUT_S       10 /* a new connection must send a whole request by then */
#define SRV_IDLE_TIMEOUT_S          60 /* a connection with no session and no request */
#define SRV_MAX_REQUESTS_PER_S      50 /* per connection; more get 503 and then a close */

/* Hub */
#define HUB_DEFAULT_RING_BYTES (4 * 1024 * 1024)
#define HUB_RING_SLOTS         16384 /* power of two */
#define HUB_MAX_KEYFRAMES      16
#define HUB_DEFAULT_MAX_LAG_US (4 * 1000000ull)

#endif
