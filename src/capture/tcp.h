/* TCP stream reassembly for capture analysis, one direction of a connection.
 *
 * Segments are fed in capture order with their sequence numbers; in-order
 * bytes are handed to a callback at once (straight from the caller's buffer,
 * no copy); out-of-order segments are copied and held (bounded: at most
 * CAP_TCP_MAX_HELD_BYTES / CAP_TCP_MAX_HELD_SEGMENTS) until the hole before
 * them is filled. Retransmitted bytes are dropped (overlaps trimmed: the first
 * copy seen wins). A hole that is never filled (packets the capture missed)
 * is skipped when the held data exceeds its bound, when the stream ends
 * (FIN/RST seen and flushed) or at cap_tcp_flush(): the callback then gets a
 * gap notice with the number of missing bytes. A capture that starts in the
 * middle of a connection (no SYN) starts at the first segment seen.
 *
 * Pure: no I/O, no clock. Allocation only for held segments. */
#ifndef RTSPGATE_CAPTURE_TCP_H
#define RTSPGATE_CAPTURE_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAP_TCP_MAX_HELD_BYTES    (4u * 1024 * 1024)
#define CAP_TCP_MAX_HELD_SEGMENTS 8192

/* data != NULL: len in-order bytes. data == NULL: len bytes are missing here
 * (the capture did not see them); what follows comes after the hole. */
typedef void (*cap_tcp_deliver_fn)(void *ctx, const uint8_t *data, size_t len);

struct cap_tcp_seg;

struct cap_tcp_dir {
    bool started;       /* next_seq is known */
    bool syn, fin, rst; /* seen in this direction */
    bool delivered_any;
    uint32_t next_seq;        /* sequence number of the next byte to deliver */
    struct cap_tcp_seg *held; /* sorted by sequence number */
    size_t held_bytes, held_count;
    /* counters */
    uint64_t bytes;         /* delivered */
    uint64_t retrans_bytes; /* dropped as already delivered or held */
    uint64_t gap_bytes;     /* skipped holes */
    uint64_t gaps;
    uint64_t out_of_order; /* segments that had to be held */
    uint64_t segments;     /* segments with payload or SYN/FIN/RST */
};

void cap_tcp_init(struct cap_tcp_dir *d);
/* Free held segments. Accepts a zeroed struct. */
void cap_tcp_free(struct cap_tcp_dir *d);

/* Feed one segment: seq and flags from its TCP header, data[0..len) the
 * captured payload, wire_len >= len its length on the wire (bytes a snap
 * length cut off are reported as a gap). */
void cap_tcp_segment(struct cap_tcp_dir *d, uint32_t seq, uint8_t flags, const uint8_t *data,
                     size_t len, size_t wire_len, cap_tcp_deliver_fn fn, void *ctx);

/* End of input: deliver everything held, skipping holes (reported as gaps). */
void cap_tcp_flush(struct cap_tcp_dir *d, cap_tcp_deliver_fn fn, void *ctx);

#endif
