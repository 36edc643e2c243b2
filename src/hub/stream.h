/* The hub: one stream per served path.
 *
 * A stream owns a single ring of refcounted RTP packets for all its tracks,
 * in arrival order, bounded in bytes and slots, and the ring positions of
 * recent keyframes. A subscriber is a cursor (a ring position) plus a wake
 * callback: a viewer costs no per-packet allocation and no copy. Packets are
 * rewritten once at publish time (SSRC, and sequence/timestamp offsets that
 * keep every track continuous across upstream restarts), then shared.
 *
 * Single-threaded: a stream and its subscribers live on one event loop. */
#ifndef RTSPGATE_HUB_STREAM_H
#define RTSPGATE_HUB_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/limits.h"
#include "core/pkt.h"

struct hub_track_info {
    char media[16]; /* "video", "audio", "application" */
    uint8_t pt;     /* RTP payload type */
    uint32_t clock_rate;
    char rtpmap[64];         /* e.g. "H264/90000"; empty for static payload types */
    char fmtp[2048];         /* without "a=fmtp:<pt> "; may be empty */
    char extra[1024];        /* other attribute lines for the SDP, each ending in CRLF */
    bool is_video_key_track; /* keyframes of this track index the ring */
};

struct hub_stream;
struct hub_sub;

struct hub_sub_ops {
    /* New packets are available for a subscriber that had caught up. Called
     * from hub_stream_publish; must not publish or free anything: typically it
     * schedules the subscriber's writer. */
    void (*wake)(struct hub_sub *s);
};

struct hub_sub {
    /* public, read-only outside the hub */
    uint64_t pos;   /* next ring position to send */
    uint64_t skips; /* times this subscriber fell off the ring and jumped */
    uint64_t skipped_pkts;
    /* owned by the user of the subscriber */
    const struct hub_sub_ops *ops;
    void *user;
    /* hub-private */
    struct hub_stream *stream;
    struct hub_sub *next_waiting, **prev_waiting_next;
    bool attached, waiting;
};

struct hub_stats {
    uint64_t published_pkts, published_bytes;
    uint64_t evicted_pkts;
    size_t ring_pkts, ring_bytes;
    unsigned subscribers;
};

/* ring_bytes: bound on the payload bytes the ring holds (0: default). */
struct hub_stream *hub_stream_new(const char *name, size_t ring_bytes, uint32_t ssrc_seed);
/* Frees the stream and every packet; subscribers must have been detached. */
void hub_stream_free(struct hub_stream *s);
const char *hub_stream_name(const struct hub_stream *s);
/* A subscriber more than this far behind the newest packet (arrival time)
 * jumps to the newest keyframe. 0 disables; default HUB_DEFAULT_MAX_LAG_US. */
void hub_stream_set_max_lag(struct hub_stream *s, uint64_t max_lag_us);

/* Describe the tracks (at most RTSP_MAX_TRACKS). May be called again when an
 * upstream reconnects with the same layout. Returns 0 or -EINVAL. */
int hub_stream_set_tracks(struct hub_stream *s, const struct hub_track_info *t, size_t n);
size_t hub_stream_n_tracks(const struct hub_stream *s);
const struct hub_track_info *hub_stream_track(const struct hub_stream *s, size_t i);
bool hub_stream_ready(const struct hub_stream *s); /* tracks set and a keyframe seen */

/* Publish one RTP packet for track p->track (takes over the caller's
 * reference). The packet's SSRC, sequence number and timestamp are rewritten
 * into the stream's continuous numbering. now_us is the monotonic clock.
 * Packets with PKT_F_KEY on the key track index a keyframe. Waiting
 * subscribers are woken at the end of each key-track frame (marker bit, new
 * timestamp, or HUB_WAKE_BATCH packets) and at every other track's packet. */
#define HUB_WAKE_BATCH 64
void hub_stream_publish(struct hub_stream *s, struct pkt *p, uint64_t now_us);
/* The upstream restarted (new SSRC, sequence and timestamp base): the next
 * packet of each track continues the numbering viewers already have, with the
 * timestamp advanced by the wall time elapsed. */
void hub_stream_upstream_reset(struct hub_stream *s);
/* The upstream stopped for good (an on-demand source with no viewer left):
 * drop every packet, keyframe and the track list, so the next upstream starts
 * afresh (sequence numbers and timestamps still continue). Only without
 * subscribers: -EBUSY otherwise. */
int hub_stream_clear(struct hub_stream *s);

/* Subscribers. attach puts the cursor at the newest keyframe (or at the live
 * edge if low_latency or no keyframe is held). */
void hub_sub_attach(struct hub_stream *s, struct hub_sub *sub, const struct hub_sub_ops *ops,
                    void *user, bool low_latency);
void hub_sub_detach(struct hub_sub *sub); /* accepts a detached sub */
/* Packet at sub->pos, or NULL when the subscriber has caught up (it is then
 * put on the waiting list and woken by the next publish). If the subscriber
 * fell behind the ring's tail it first jumps to the newest keyframe. */
struct pkt *hub_sub_peek(struct hub_sub *sub);
/* Up to max packets from sub->pos without advancing; returns the count. When
 * it returns fewer than max... the subscriber may wait: call hub_sub_wait(). */
size_t hub_sub_peek_many(struct hub_sub *sub, struct pkt **out, size_t max);
static inline void hub_sub_advance(struct hub_sub *sub, size_t n)
{
    sub->pos += n;
}
/* Ask to be woken by the next publish (no-op if already waiting or if packets
 * are pending — then returns false and the caller should keep sending). */
bool hub_sub_wait(struct hub_sub *sub);

/* For RTP-Info and SR: the sequence number and RTP timestamp of the first
 * packet of track `t` at or after the subscriber's position (returns true),
 * or, if none is in the ring yet, the next sequence number and the current
 * timestamp estimate (returns false: the first packet may differ). */
bool hub_sub_rtp_info(const struct hub_sub *sub, size_t t, uint64_t now_us, uint16_t *seq,
                      uint32_t *rtptime);
/* SSRC of track t and the RTP timestamp that corresponds to now_us (from the
 * last packet's arrival, extrapolated with the clock rate). */
uint32_t hub_stream_ssrc(const struct hub_stream *s, size_t t);
uint32_t hub_stream_rtp_now(const struct hub_stream *s, size_t t, uint64_t now_us);
/* Has track t carried a packet yet (so its RTP clock is known)? */
bool hub_stream_track_live(const struct hub_stream *s, size_t t);
void hub_stream_stats(const struct hub_stream *s, struct hub_stats *st);

#endif
