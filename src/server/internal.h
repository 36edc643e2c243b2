/* Server internals shared by server.c (connections, sessions, fan-out),
 * requests.c (RTSP methods for viewers) and publish.c (ANNOUNCE/RECORD).
 * Not a public API. */
#ifndef RTSPGATE_SERVER_INTERNAL_H
#define RTSPGATE_SERVER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/buf.h"
#include "hub/stream.h"
#include "net/net.h"
#include "net/tls.h"
#include "rtp/keyframe.h"
#include "rtsp/msg.h"
#include "rtsp/transport.h"
#include "rtsp/tunnel.h"
#include "server/server.h"

struct event;
struct bufferevent;
struct source;

#define CONN_IN_MAX     (RTSP_MAX_HEADER_BYTES + RTSP_MAX_BODY_BYTES + 65536 + 4)
#define CONN_READ_CHUNK 16384
#define WRITE_BATCH     128 /* packets per writev (2 iovecs each) */
#define TICK_MS         250
#define TLS_OUT_HIGH    (256 * 1024) /* TLS output queued before a viewer counts as blocked */
#define TLS_OUT_LOW     (64 * 1024)

enum tkind { T_NONE = 0, T_TCP, T_UDP, T_MCAST };
extern const char *const tkind_name[];

struct server;
struct conn;

struct sess_track {
    bool setup;
    uint8_t ch[2];
    struct net_addr rtp_to, rtcp_to;
    uint32_t pkts, octets;
};

struct session {
    struct server *srv;
    struct session *next, **pprev;
    char id[17];
    struct path *path;
    struct conn *conn;
    enum tkind kind;
    struct sess_track tr[RTSP_MAX_TRACKS];
    bool playing; /* viewer: PLAY; publisher: RECORD */
    bool record;  /* a publisher session (ANNOUNCE) */
    struct hub_sub sub;
    struct session *udp_next, **udp_pprev;
    uint64_t last_seen_us, opened_us, next_sr_us;
    uint64_t last_media_us; /* publisher: RECORD answered or the last RTP packet */
    uint64_t bytes, packets, rtcp_in;
    /* UDP viewer: ICMP port-unreachable errors since the first one with no
     * sign of life after it (a viewer gone without TEARDOWN) */
    unsigned unreach;
    uint64_t unreach_first_us;
    struct net_addr peer_addr;
    char peer[NET_ADDR_STRLEN];
};

struct udp_track {
    int rtp_fd, rtcp_fd;
    uint16_t port;
    struct event *ev_rtp, *ev_rtcp;
    struct net_udp_batch *batch;
    uint64_t dropped;
};

/* What a publisher announced, per track. */
struct pub_track {
    char control[256];
    enum keyframe_codec codec;
    bool last_marker;
    uint32_t last_ts;
    bool have_last;
};

struct path {
    struct server *srv;
    struct server_path_conf conf;
    struct hub_stream *stream;
    struct source *source; /* NULL for a publish path */
    struct session *publisher;
    uint64_t publisher_gone_us; /* 0: no grace period running */
    struct pub_track pub[RTSP_MAX_TRACKS];
    size_t n_pub;
    bool udp_open[RTSP_MAX_TRACKS];
    struct udp_track udp[RTSP_MAX_TRACKS];
    struct session *udp_play;
    /* multicast: one sender per path (not in the server's session list) that
     * sends each packet once to the track's group while mcast_viewers > 0 */
    struct session mcast;
    unsigned mcast_viewers;
    struct event *ev_udp_flush;
    uint32_t seed;          /* for (re)starting the source */
    uint64_t idle_since_us; /* on demand: running with no viewer since (0: has viewers) */
};

/* What a connection carries: decided by its first bytes. */
enum conn_mode {
    CM_SNIFF = 0, /* nothing read yet */
    CM_RTSP,      /* plain RTSP */
    CM_HTTP_HEAD, /* an HTTP tunnel leg whose request head is still arriving */
    CM_TUN_GET,   /* tunnel GET leg: the RTSP connection (output); its input is ignored */
    CM_TUN_POST,  /* tunnel POST leg: base64 requests fed into its GET leg */
};

struct conn {
    struct server *srv;
    enum conn_mode mode;
    char cookie[TUNNEL_MAX_COOKIE + 1]; /* tunnel legs: x-sessioncookie */
    struct conn *tun;                   /* tunnel: the other leg, or NULL */
    struct b64_dec b64;                 /* POST leg */
    struct conn *next, **pprev;
    int fd;
    struct bufferevent *bev; /* TLS: all I/O through it (a copy per write); else raw fd */
    struct net_addr peer, local;
    char peer_str[NET_ADDR_STRLEN];
    struct event *ev_read, *ev_write, *ev_flush;
    struct buf in, out;
    struct session *tcp_sess;
    unsigned n_sessions;
    struct pkt *cur;
    size_t cur_off;
    uint8_t cur_hdr[4];
    bool write_blocked;
    bool dead;
    size_t junk_run;
    uint64_t junk_total, stray_frames;
    uint64_t opened_us, last_req_us;
    uint64_t requests;
    uint64_t rate_window_us; /* start of the current one-second window */
    unsigned rate_count;
    /* A DESCRIBE of an on-demand path whose source is starting: the request
     * stays unparsed in `in` until the tracks are known or the wait ends. */
    struct path *wait_path;
    uint64_t wait_until_us;
    bool wait_expired; /* the next parse answers it 503 instead of waiting */
};

struct listener {
    struct server *srv;
    bool tls;
    int fd;
    struct net_addr addr;
    struct event *ev;
};

#define AUTH_FAIL_SLOTS 64

/* Recent authentication failures per address, to slow brute force down. */
struct auth_fail {
    struct net_addr ip;
    unsigned count;
    uint64_t last_us;
};

struct server {
    struct event_base *base;
    struct server_conf conf;
    struct listener plain, tls, http;
    SSL_CTX *tls_ctx;
    struct event *ev_tick, *ev_reap;
    uint8_t auth_secret[32];
    struct auth_fail fails[AUTH_FAIL_SLOTS];
    struct path paths[SERVER_MAX_PATHS];
    size_t n_paths;
    struct conn *conns, *graveyard;
    unsigned n_conns;
    struct session *sessions;
    unsigned n_sessions;
};

struct req {
    struct conn *c;
    const struct rtsp_msg *m;
    bool has_cseq;
    uint32_t cseq;
    char date[64];
    struct buf *out;
};

/* server.c */
extern const struct hub_sub_ops tcp_sub_ops, udp_sub_ops;
struct path *path_find(struct server *srv, const char *name);
int path_udp_open(struct path *p, size_t t, const struct net_addr *local);
struct session *session_find(struct server *srv, struct sv id);
struct session *session_new(struct conn *c, struct path *p);
void session_stop_playing(struct session *s);
void session_close(struct session *s, const char *reason);
void conn_close(struct conn *c, const char *reason);
void conn_flush(struct conn *c);
void send_and_close(struct conn *c, int status, const char *why);

/* publish.c */
int do_announce(struct req *r, struct path *p);
int do_setup_record(struct req *r, struct path *p, struct session *s, int track);
int do_record(struct req *r, struct path *p);
/* The track of a publisher's SETUP URI whose last segment is one of the
 * announced controls ("streamid=0", "stream=1" ...), or -1. */
int publish_track_for_uri(const struct path *p, struct sv uri);
void publish_packet(struct path *p, size_t track, const uint8_t *data, size_t len, uint64_t now_us);
void publish_session_gone(struct session *s);
void publish_tick(struct server *srv, uint64_t now_us);

/* requests.c */
/* Returns 1 when the request must wait (on-demand source starting): the
 * caller leaves it unconsumed and parses it again later. */
int handle_request(struct conn *c, const struct rtsp_msg *m);
int path_source_start(struct path *p, char *err, size_t errlen);
void handle_frame(struct conn *c, const struct rtsp_frame *f);
void reply_error(struct req *r, int status);
struct session *req_session(struct req *r, int *status);
int req_pick_transport(struct req *r, bool record, struct rtsp_transport *out);
int req_setup_udp(struct req *r, struct path *p, int track, struct sess_track *st,
                  struct rtsp_transport *tr);
int req_reply_session(struct req *r, const struct session *s, const struct rtsp_transport *tr);
/* Too many authentication failures from this address lately? */
bool auth_blocked(struct server *srv, const struct net_addr *ip, uint64_t now_us);

#endif
