/* RTSP conversation analysis of a packet capture.
 *
 * Feed every captured frame (link type, bytes, original length, timestamp in
 * microseconds) in file order; the analysis decodes it (capture/decode),
 * reassembles TCP (capture/tcp), recognises RTSP conversations on any port by
 * content (a stream that starts with an RTSP request or response line or with
 * "$" interleaved framing, found also when the capture starts mid-stream),
 * and RTSP-over-HTTP tunnels (GET/POST legs paired by x-sessioncookie). It
 * lists each conversation's requests and responses (matched by CSeq), the
 * SETUPs' offered and answered Transport, authentication, the interleaved
 * channels' RTP/RTCP, and counts UDP flows. cap_analysis_finish() then matches
 * the UDP flows to the negotiated ports and computes a verdict per
 * conversation.
 *
 * Pure: no I/O, no clock, no libpcap. Memory is bounded by the caps below
 * (conversations, exchanges, UDP flows, held TCP segments); what exceeds a
 * cap is counted, not stored. */
#ifndef RTSPGATE_CAPTURE_ANALYZE_H
#define RTSPGATE_CAPTURE_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/decode.h"
#include "core/buf.h"
#include "core/limits.h"
#include "rtp/rxstats.h"
#include "rtsp/msg.h"

#define CAP_MAX_CONVS     64   /* RTSP conversations kept */
#define CAP_MAX_EXCHANGES 256  /* requests/responses kept per conversation */
#define CAP_MAX_SETUPS    16   /* SETUPs kept per conversation */
#define CAP_MAX_CHANNELS  16   /* interleaved (direction, channel) pairs per conversation */
#define CAP_MAX_UDP_FLOWS 4096 /* UDP 4-tuples counted */
#define CAP_MAX_TCP_CONNS 4096 /* TCP connections tracked at once */

/* RTP and RTCP seen on one UDP flow, one interleaved channel, or summed. */
struct cap_media {
    struct rxstats rx; /* RTP (packets that are not RTCP) */
    uint64_t frames;   /* RTP timestamp changes + 1: frames for video */
    uint64_t rtcp_packets, rtcp_bytes;
    bool rtcp_sr, rtcp_rr;
    bool have_ts;
    uint32_t first_ts, last_ts;         /* RTP timestamps of the first and the last packet */
    uint64_t first_us, last_us;         /* of any packet, relative to the capture start */
    uint64_t datagrams, datagram_bytes; /* every packet, RTP or not */
    bool summed;                        /* a sum of others: lost below holds their losses */
    uint64_t lost;                      /* of a sum */
};

/* RTP packets lost (expected - received) of a flow or a sum. */
uint64_t cap_media_lost(const struct cap_media *m);

/* A Transport header's first alternative, copied (no views). */
struct cap_transport {
    bool present, parsed;
    bool tcp, multicast, record;
    bool has_interleaved, has_client_port, has_server_port, has_port;
    uint8_t interleaved[2];
    uint16_t client_port[2], server_port[2], port[2];
    char destination[64], source[64];
    char text[256]; /* the header value as sent (cut at 255 bytes) */
};

struct cap_exchange {
    bool has_request;
    bool from_client; /* the request went client -> server */
    enum rtsp_method method;
    char method_name[24];
    char uri[256];
    bool has_cseq;
    uint32_t cseq;
    uint64_t req_us;
    char authorization[16]; /* scheme of the request's Authorization, "" when none */
    struct cap_transport req_transport;
    bool answered;
    uint64_t resp_us;
    int status;
    char reason[64];
    char www_authenticate[64]; /* the schemes a 401 offered, "Digest, Basic" */
    struct cap_transport resp_transport;
};

/* Where a SETUP's media was found and how much of it. */
struct cap_setup {
    size_t exchange; /* index into the conversation's exchanges */
    char control[256];
    int track;                /* index into the conversation's tracks, -1 unknown */
    unsigned clock_rate;      /* of that track, 0 unknown */
    bool udp, tcp, multicast; /* from the answer (the offer when unanswered) */
    bool answered_ok;         /* 2xx */
    /* filled by cap_analysis_finish() */
    struct cap_media media; /* RTP/RTCP in the media direction (to the client for PLAY) */
    struct cap_media back;  /* the other way (RTCP receiver reports, NAT punch packets) */
    unsigned media_flows;   /* UDP flows matched */
    bool addr_differs;      /* matched by port, but an address in the capture differs from
                               the Transport header's (NAT, or a capture point behind it) */
};

struct cap_channel {
    bool from_server;
    uint8_t channel;
    struct cap_media m;
};

struct cap_track {
    char media[16], codec[32], control[128];
    unsigned clock_rate;
};

enum cap_conv_kind { CAP_CONV_RTSP = 1, CAP_CONV_TUNNEL };

struct cap_conv {
    enum cap_conv_kind kind;
    struct cap_addr client, server;
    uint16_t client_port, server_port;
    bool saw_syn;    /* the capture has the connection's start */
    bool mid_stream; /* the first bytes were not the start of a message */
    bool closed;     /* FIN or RST seen */
    uint64_t first_us, last_us;
    char cookie[129]; /* tunnel */
    char server_hdr[96], user_agent[96];
    char url[256]; /* the first request URI (DESCRIBE's when there is one) */
    size_t n_tracks;
    struct cap_track tracks[RTSP_MAX_TRACKS];
    struct cap_exchange *ex;
    size_t n_ex;
    uint64_t ex_dropped;
    struct cap_setup setups[CAP_MAX_SETUPS];
    size_t n_setups;
    struct cap_channel chans[CAP_MAX_CHANNELS];
    size_t n_chans;
    uint64_t junk_bytes, gap_bytes, bad_messages, frames_other; /* frames on channels over cap */
    uint64_t bytes[2]; /* RTSP stream bytes client->server, server->client */
    /* verdict (cap_analysis_finish) */
    bool delivered; /* media arrived in the media direction */
    char verdict[1024];
    char advice[512];
    /* internal */
    bool url_describe; /* url is the DESCRIBE request's */
    struct buf in[2];  /* unparsed RTSP bytes client->server, server->client */
    int play_status;   /* of the last PLAY/RECORD, 0 when none */
    uint64_t play_us;  /* when it was answered */
    bool record;
};

struct cap_udp_flow {
    struct cap_addr src, dst;
    uint16_t sport, dport;
    struct cap_media m;
    bool matched;
    struct cap_udp_flow *next; /* hash chain */
};

/* If a UDP payload is several RTP packets of one stream glued together by
 * UDP GSO (as captured on the sending host: each `seg` bytes, the last one
 * possibly shorter, one SSRC, consecutive sequence numbers), returns seg;
 * else 0. */
size_t cap_gso_segment_size(const uint8_t *p, size_t len);

struct cap_tcpconn;

struct cap_analysis {
    int linktype;
    bool have_first;
    uint64_t first_ts_us, last_us; /* last: relative */
    uint64_t packets, bytes;       /* frames fed, their original bytes */
    uint64_t ip_packets, tcp_packets, udp_packets, other_packets, malformed, truncated, fragments;
    uint64_t tcp_conns, tcp_conns_dropped, udp_flows_dropped, convs_dropped;
    struct cap_conv *convs[CAP_MAX_CONVS];
    size_t n_convs;
    struct cap_udp_flow **udp_hash; /* CAP_UDP_HASH buckets */
    size_t n_udp;
    struct cap_tcpconn **tcp_hash;
    size_t n_tcp;
    struct cap_tcpconn *tcp_list; /* every tracked connection, for flush and free */
    bool finished;
    bool any_delivered;
};

/* Returns NULL when out of memory. */
struct cap_analysis *cap_analysis_new(int linktype);
void cap_analysis_free(struct cap_analysis *a);
/* One captured frame. ts_us: capture timestamp (any epoch, microseconds). */
void cap_analysis_packet(struct cap_analysis *a, uint64_t ts_us, const uint8_t *data, size_t caplen,
                         size_t len);
/* End of input: flush TCP reassembly, match UDP flows to the SETUPs, compute
 * the verdicts. Call once. */
void cap_analysis_finish(struct cap_analysis *a);

/* Up to max UDP flows (any order); returns how many were stored. */
size_t cap_analysis_udp_flows(const struct cap_analysis *a, const struct cap_udp_flow **out,
                              size_t max);

/* Seconds of capture from the first to the last frame. */
double cap_analysis_seconds(const struct cap_analysis *a);
/* Media kbit/s of m over its own first..last packet span (0 when < 2 packets). */
double cap_media_kbps(const struct cap_media *m);
/* Frames per second: RTP timestamp changes over the RTP time they span when
 * clock_rate is known (the source's rate, not disturbed by bursts), else
 * over the capture time; 0 when unknown. */
double cap_media_fps(const struct cap_media *m, unsigned clock_rate);

/* The verdict of one conversation (also used by cap_analysis_finish()); the
 * conversation's media matches must have been computed. Returns true when
 * media flowed in the media direction. */
bool cap_conv_verdict(const struct cap_conv *c, uint64_t capture_end_us, char *verdict, size_t vcap,
                      char *advice, size_t acap);

/* ---- building blocks, exposed for tests ---- */

/* True when buf[0..n) starts like RTSP: a request line, a status line, or
 * interleaved "$" framing; *from_client tells which side sent it (for "$"
 * framing: unknown, false). -EAGAIN: too few bytes to tell. */
int cap_sniff_rtsp(const uint8_t *buf, size_t n, bool *from_client);
/* Offset of the first position in buf[0..n) from which RTSP can be parsed
 * (a request/status line start, or a chain of 3 "$" frames), or -1. */
long cap_find_rtsp(const uint8_t *buf, size_t n);

/* Add one RTP or RTCP packet to m at time t_us. */
void cap_media_add(struct cap_media *m, uint64_t t_us, const uint8_t *p, size_t len);
/* Sum src into dst (rx counters, frames, RTCP, span). */
void cap_media_sum(struct cap_media *dst, const struct cap_media *src);

#endif
