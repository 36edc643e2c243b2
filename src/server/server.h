/* The RTSP server role: listener, connections, sessions, and the fan-out of
 * each path's hub stream to its viewers (writev for TCP interleaved, sendmmsg
 * for RTP/UDP). Runs on one event loop. */
#ifndef RTSPGATE_SERVER_SERVER_H
#define RTSPGATE_SERVER_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/limits.h"
#include "net/acl.h"
#include "rtsp/msg.h"

struct event_base;

#define SERVER_MAX_PATHS  64
#define SERVER_MAX_USERS  64
#define SERVER_MAX_PUSHES 16

/* A user for Digest/Basic authentication: a plaintext password and/or the
 * stored hashes `rtspgate passwd` prints (hex of H("user:realm:password")). */
struct server_user {
    char name[64];
    char password[128];
    char ha1_md5[65];
    char ha1_sha256[65];
};

/* The same order as enum source_rtsp_transport and enum rtsp_client_transport. */
enum source_transport {
    SOURCE_TRANSPORT_AUTO = 0,
    SOURCE_TRANSPORT_UDP,
    SOURCE_TRANSPORT_TCP,
    SOURCE_TRANSPORT_HTTP,
    SOURCE_TRANSPORT_MULTICAST,
};

struct server_path_conf {
    char name[128];
    char source[1024]; /* empty: a publish path, fed by ANNOUNCE/RECORD */
    bool low_latency;
    enum source_transport source_transport; /* for rtsp:// sources */
    bool on_demand;                         /* connect the source when the first viewer comes */
    unsigned on_demand_linger_s;            /* ... and stop it this long after the last leaves */
    unsigned on_demand_timeout_s;           /* a DESCRIBE waits this long for it, then 503 */
    unsigned source_timeout_ms;             /* auto: UDP -> TCP fallback when no RTP in this time */
    struct acl acl;                         /* who may use this path (403 otherwise) */
    unsigned publish_grace_s; /* publish path: viewers wait this long for a publisher to return */
    char read_users[512];     /* comma-separated; empty: no authentication to watch */
    char publish_users[512];  /* comma-separated; empty: anyone allowed by the ACL may publish */
};

/* A [push NAME] section: `rtspgate serve -c` also publishes `source` to
 * `dest` (what `rtspgate push` does; run by the command line, not the server). */
struct server_push_conf {
    char name[64];
    char source[1024];
    char dest[2048];
    enum source_transport source_transport; /* for an rtsp:// source */
    bool http;                              /* transport = http: an HTTP tunnel to dest */
    int line;                               /* of the section header, for errors */
};

struct server_conf {
    char listen[128];       /* "0.0.0.0:8554" */
    char rtsps_listen[128]; /* "" = no TLS listener */
    char http_listen[128];  /* "" = none; RTSP-over-HTTP tunnels (and RTSP) also here */
    char tls_cert[512];
    char tls_key[512];
    unsigned session_timeout_s;
    unsigned stall_timeout_s;
    size_t ring_bytes;
    unsigned max_connections;
    unsigned max_connections_per_ip;
    unsigned max_sessions_per_conn;
    unsigned request_timeout_s;  /* time to send the first whole request (slowloris) */
    unsigned idle_timeout_s;     /* connection without sessions or requests */
    unsigned max_requests_per_s; /* per connection */
    struct rtsp_limits limits;   /* request head/header count/body/interleaved frame; 0 = maximum */
    struct acl acl;              /* checked at accept, before a byte is read */
    /* multicast: off when mcast_prefix == 0 */
    uint32_t mcast_net; /* multicast_range network, host byte order */
    uint8_t mcast_prefix;
    uint8_t mcast_ttl;   /* default 1 */
    uint16_t mcast_port; /* first port; path i track t uses mcast_port + 2*(i*tracks+t) */
    char realm[64];
    bool allow_basic_plaintext; /* Basic auth without TLS */
    size_t n_users;
    struct server_user users[SERVER_MAX_USERS];
    size_t n_paths;
    struct server_path_conf paths[SERVER_MAX_PATHS];
    size_t n_pushes;
    struct server_push_conf pushes[SERVER_MAX_PUSHES];
};

void server_conf_default(struct server_conf *c);

struct server;

/* Binds the listener and starts every path's source. NULL + reason on error. */
struct server *server_new(struct event_base *base, const struct server_conf *c, char *err,
                          size_t errlen);
/* Closes every session (logged) and frees everything. Accepts NULL. */
void server_free(struct server *s);
/* The bound port (useful with port 0). */
uint16_t server_port(const struct server *s);
uint16_t server_tls_port(const struct server *s);  /* 0 without RTSPS */
uint16_t server_http_port(const struct server *s); /* 0 without http_listen */
/* Print the URLs and ready-to-paste client commands. */
void server_print_banner(const struct server *s);

#endif
