#include "hub/stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/sv.h"
#include "rtp/rtp.h"

#define RING_MASK (HUB_RING_SLOTS - 1)

struct track_state {
    uint32_t ssrc; /* ours */
    bool have_in;
    uint32_t in_ssrc;
    bool resync; /* recompute offsets at the next packet */
    uint16_t seq_off;
    uint32_t ts_off;
    bool have_out;
    uint16_t next_seq;
    uint32_t last_ts;
    uint64_t last_us;
};

struct hub_stream {
    char name[128];
    size_t max_bytes;
    struct pkt *ring[HUB_RING_SLOTS];
    uint64_t head, tail;
    size_t bytes;
    uint64_t keys[HUB_MAX_KEYFRAMES];
    unsigned n_keys; /* total ever; keys[(n_keys-1) % MAX] is the newest */
    struct hub_track_info tracks[RTSP_MAX_TRACKS];
    struct track_state ts[RTSP_MAX_TRACKS];
    size_t n_tracks;
    int key_track; /* -1: none (audio only) */
    uint64_t max_lag_us;
    struct hub_sub *waiting;
    unsigned held;    /* key-track packets published since the last wake */
    uint32_t held_ts; /* their RTP timestamp */
    unsigned n_subs;
    struct hub_stats stats;
};

struct hub_stream *hub_stream_new(const char *name, size_t ring_bytes, uint32_t ssrc_seed)
{
    struct hub_stream *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    if (str_copy(s->name, sizeof s->name, name)) {
        free(s);
        return NULL;
    }
    s->max_bytes = ring_bytes ? ring_bytes : HUB_DEFAULT_RING_BYTES;
    s->key_track = -1;
    s->max_lag_us = HUB_DEFAULT_MAX_LAG_US;
    for (size_t i = 0; i < RTSP_MAX_TRACKS; i++)
        s->ts[i].ssrc = ssrc_seed * 2654435761u + (uint32_t)i * 0x9e3779b9u + 1u;
    return s;
}

static void evict_one(struct hub_stream *s)
{
    struct pkt **slot = &s->ring[s->tail & RING_MASK];
    s->bytes -= (*slot)->len;
    pkt_unref(*slot);
    *slot = NULL;
    s->tail++;
    s->stats.evicted_pkts++;
}

void hub_stream_free(struct hub_stream *s)
{
    if (!s)
        return;
    while (s->tail < s->head)
        evict_one(s);
    free(s);
}

void hub_stream_set_max_lag(struct hub_stream *s, uint64_t max_lag_us)
{
    s->max_lag_us = max_lag_us;
}

const char *hub_stream_name(const struct hub_stream *s)
{
    return s->name;
}

int hub_stream_set_tracks(struct hub_stream *s, const struct hub_track_info *t, size_t n)
{
    if (n == 0 || n > RTSP_MAX_TRACKS)
        return -EINVAL;
    memcpy(s->tracks, t, n * sizeof(*t));
    s->n_tracks = n;
    s->key_track = -1;
    for (size_t i = 0; i < n; i++)
        if (t[i].is_video_key_track && s->key_track < 0)
            s->key_track = (int)i;
    return 0;
}

size_t hub_stream_n_tracks(const struct hub_stream *s)
{
    return s->n_tracks;
}

const struct hub_track_info *hub_stream_track(const struct hub_stream *s, size_t i)
{
    return i < s->n_tracks ? &s->tracks[i] : NULL;
}

static bool have_key(const struct hub_stream *s)
{
    return s->n_keys > 0 && s->keys[(s->n_keys - 1) % HUB_MAX_KEYFRAMES] >= s->tail;
}

bool hub_stream_ready(const struct hub_stream *s)
{
    if (!s->n_tracks)
        return false;
    return s->key_track < 0 ? s->head > s->tail : have_key(s);
}

static void wake_all(struct hub_stream *s)
{
    struct hub_sub *w = s->waiting;
    s->waiting = NULL;
    while (w) {
        struct hub_sub *next = w->next_waiting;
        w->waiting = false;
        w->next_waiting = NULL;
        w->prev_waiting_next = NULL;
        w->ops->wake(w);
        w = next;
    }
}

void hub_stream_publish(struct hub_stream *s, struct pkt *p, uint64_t now_us)
{
    if (p->len < RTP_HEADER_LEN || p->track >= s->n_tracks || (p->flags & PKT_F_RTCP)) {
        pkt_unref(p);
        return;
    }
    struct track_state *t = &s->ts[p->track];
    uint16_t in_seq = rtp_seq_of(p->data);
    uint32_t in_ts = rtp_ts_of(p->data);
    uint32_t in_ssrc = (uint32_t)p->data[8] << 24 | (uint32_t)p->data[9] << 16 |
                       (uint32_t)p->data[10] << 8 | p->data[11];
    if (t->have_in && in_ssrc != t->in_ssrc)
        t->resync = true;
    if (!t->have_in || t->resync) {
        if (t->have_out) {
            uint32_t rate = s->tracks[p->track].clock_rate ? s->tracks[p->track].clock_rate : 90000;
            uint64_t el = now_us > t->last_us ? now_us - t->last_us : 0;
            uint32_t adv = (uint32_t)(el * rate / 1000000u);
            t->seq_off = (uint16_t)(t->next_seq - in_seq);
            t->ts_off = t->last_ts + (adv ? adv : 1) - in_ts;
        } else {
            t->seq_off = 0;
            t->ts_off = 0;
        }
        t->have_in = true;
        t->resync = false;
        t->in_ssrc = in_ssrc;
    }
    uint16_t out_seq = (uint16_t)(in_seq + t->seq_off);
    uint32_t out_ts = in_ts + t->ts_off;
    rtp_rewrite(p->data, out_seq, out_ts, t->ssrc);
    if (!t->have_out || rtp_seq_diff(t->next_seq, out_seq) >= 0) {
        t->next_seq = (uint16_t)(out_seq + 1);
        t->last_ts = out_ts;
        t->last_us = now_us;
    }
    t->have_out = true;
    p->ts_us = now_us;

    while (s->head > s->tail &&
           (s->bytes + p->len > s->max_bytes || s->head - s->tail >= HUB_RING_SLOTS))
        evict_one(s);
    if ((int)p->track == s->key_track && (p->flags & PKT_F_KEY)) {
        s->keys[s->n_keys % HUB_MAX_KEYFRAMES] = s->head;
        s->n_keys++;
    }
    s->ring[s->head & RING_MASK] = p;
    s->head++;
    s->bytes += p->len;
    s->stats.published_pkts++;
    s->stats.published_bytes += p->len;
    /* Wake the waiting viewers once per video frame, not once per packet: a
     * frame is of no use to a decoder before its last packet anyway, and
     * each wake costs one writev per viewer. A frame ends at the marker bit;
     * without one (a lost last packet, a source that never sets it), at a
     * new timestamp or after HUB_WAKE_BATCH packets. Other tracks wake at
     * once. */
    bool wake = true;
    if ((int)p->track == s->key_track) {
        bool new_ts = s->held && out_ts != s->held_ts;
        s->held_ts = out_ts;
        wake = (p->data[1] & 0x80) || new_ts || ++s->held >= HUB_WAKE_BATCH;
    }
    if (wake) {
        s->held = 0;
        if (s->waiting)
            wake_all(s);
    }
}

void hub_stream_upstream_reset(struct hub_stream *s)
{
    for (size_t i = 0; i < RTSP_MAX_TRACKS; i++)
        s->ts[i].resync = true;
}

int hub_stream_clear(struct hub_stream *s)
{
    if (s->n_subs)
        return -EBUSY;
    while (s->tail < s->head)
        evict_one(s);
    s->n_tracks = 0;
    s->key_track = -1;
    hub_stream_upstream_reset(s);
    return 0;
}

/* Newest keyframe position still in the ring, or head (live edge). */
static uint64_t newest_key(const struct hub_stream *s)
{
    if (s->key_track < 0)
        return s->head;
    return have_key(s) ? s->keys[(s->n_keys - 1) % HUB_MAX_KEYFRAMES] : s->head;
}

void hub_sub_attach(struct hub_stream *s, struct hub_sub *sub, const struct hub_sub_ops *ops,
                    void *user, bool low_latency)
{
    memset(sub, 0, sizeof(*sub));
    sub->ops = ops;
    sub->user = user;
    sub->stream = s;
    sub->attached = true;
    sub->pos = low_latency ? s->head : newest_key(s);
    s->n_subs++;
}

static void unlink_waiting(struct hub_sub *sub)
{
    if (!sub->waiting)
        return;
    *sub->prev_waiting_next = sub->next_waiting;
    if (sub->next_waiting)
        sub->next_waiting->prev_waiting_next = sub->prev_waiting_next;
    sub->waiting = false;
    sub->next_waiting = NULL;
    sub->prev_waiting_next = NULL;
}

void hub_sub_detach(struct hub_sub *sub)
{
    if (!sub || !sub->attached)
        return;
    unlink_waiting(sub);
    sub->stream->n_subs--;
    sub->attached = false;
    sub->stream = NULL;
}

static void catch_up(struct hub_sub *sub)
{
    struct hub_stream *s = sub->stream;
    if (sub->pos >= s->tail) {
        /* Still in the ring, but too far behind the live edge? */
        if (sub->pos >= s->head || !s->max_lag_us)
            return;
        const struct pkt *oldest = s->ring[sub->pos & RING_MASK];
        const struct pkt *newest = s->ring[(s->head - 1) & RING_MASK];
        if (newest->ts_us - oldest->ts_us <= s->max_lag_us)
            return;
        if (newest_key(s) <= sub->pos)
            return;
    }
    uint64_t to = newest_key(s);
    sub->skips++;
    sub->skipped_pkts += to - sub->pos;
    sub->pos = to;
}

struct pkt *hub_sub_peek(struct hub_sub *sub)
{
    struct pkt *p;
    return hub_sub_peek_many(sub, &p, 1) ? p : NULL;
}

size_t hub_sub_peek_many(struct hub_sub *sub, struct pkt **out, size_t max)
{
    struct hub_stream *s = sub->stream;
    if (!s)
        return 0;
    catch_up(sub);
    size_t n = 0;
    for (uint64_t pos = sub->pos; pos < s->head && n < max; pos++)
        out[n++] = s->ring[pos & RING_MASK];
    return n;
}

bool hub_sub_wait(struct hub_sub *sub)
{
    struct hub_stream *s = sub->stream;
    if (!s)
        return false;
    catch_up(sub);
    if (sub->pos < s->head)
        return false;
    if (!sub->waiting) {
        sub->waiting = true;
        sub->next_waiting = s->waiting;
        if (s->waiting)
            s->waiting->prev_waiting_next = &sub->next_waiting;
        sub->prev_waiting_next = &s->waiting;
        s->waiting = sub;
    }
    return true;
}

uint32_t hub_stream_ssrc(const struct hub_stream *s, size_t t)
{
    return t < RTSP_MAX_TRACKS ? s->ts[t].ssrc : 0;
}

bool hub_stream_track_live(const struct hub_stream *s, size_t t)
{
    return t < s->n_tracks && s->ts[t].have_out;
}

uint32_t hub_stream_rtp_now(const struct hub_stream *s, size_t t, uint64_t now_us)
{
    if (t >= s->n_tracks)
        return 0;
    const struct track_state *ts = &s->ts[t];
    uint32_t rate = s->tracks[t].clock_rate ? s->tracks[t].clock_rate : 90000;
    uint64_t el = now_us > ts->last_us ? now_us - ts->last_us : 0;
    return ts->last_ts + (uint32_t)(el * rate / 1000000u);
}

bool hub_sub_rtp_info(const struct hub_sub *sub, size_t t, uint64_t now_us, uint16_t *seq,
                      uint32_t *rtptime)
{
    const struct hub_stream *s = sub->stream;
    uint64_t pos = sub->pos < s->tail ? newest_key(s) : sub->pos;
    for (; pos < s->head; pos++) {
        const struct pkt *p = s->ring[pos & RING_MASK];
        if (p->track == t) {
            *seq = rtp_seq_of(p->data);
            *rtptime = rtp_ts_of(p->data);
            return true;
        }
    }
    *seq = s->ts[t].next_seq;
    *rtptime = hub_stream_rtp_now(s, t, now_us);
    return false;
}

void hub_stream_stats(const struct hub_stream *s, struct hub_stats *st)
{
    *st = s->stats;
    st->ring_pkts = (size_t)(s->head - s->tail);
    st->ring_bytes = s->bytes;
    st->subscribers = s->n_subs;
}
