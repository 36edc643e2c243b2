/* TCP stream reassembly: see tcp.h. */
#include "capture/tcp.h"

#include <stdlib.h>
#include <string.h>

#include "capture/decode.h"

struct cap_tcp_seg {
    struct cap_tcp_seg *next;
    uint32_t seq;
    size_t len;
    size_t missing; /* bytes after data the snap length cut off */
    uint8_t data[];
};

/* b - a in 32-bit sequence space */
static int32_t seq_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(b - a);
}

void cap_tcp_init(struct cap_tcp_dir *d)
{
    memset(d, 0, sizeof *d);
}

void cap_tcp_free(struct cap_tcp_dir *d)
{
    struct cap_tcp_seg *s = d->held;
    while (s) {
        struct cap_tcp_seg *n = s->next;
        free(s);
        s = n;
    }
    d->held = NULL;
    d->held_bytes = d->held_count = 0;
}

static void emit(struct cap_tcp_dir *d, const uint8_t *data, size_t len, size_t missing,
                 cap_tcp_deliver_fn fn, void *ctx)
{
    if (len) {
        d->bytes += len;
        d->delivered_any = true;
        fn(ctx, data, len);
    }
    if (missing) {
        d->gap_bytes += missing;
        d->gaps++;
        fn(ctx, NULL, missing);
    }
    d->next_seq += (uint32_t)(len + missing);
}

/* Deliver held segments that now start at or before next_seq. */
static void drain(struct cap_tcp_dir *d, cap_tcp_deliver_fn fn, void *ctx)
{
    while (d->held && seq_diff(d->held->seq, d->next_seq) >= 0) {
        struct cap_tcp_seg *s = d->held;
        d->held = s->next;
        d->held_bytes -= s->len;
        d->held_count--;
        uint32_t skip = (uint32_t)seq_diff(s->seq, d->next_seq);
        size_t total = s->len + s->missing;
        if (skip >= total) {
            d->retrans_bytes += s->len;
        } else if (skip >= s->len) {
            d->retrans_bytes += s->len;
            emit(d, NULL, 0, total - skip, fn, ctx);
        } else {
            d->retrans_bytes += skip;
            emit(d, s->data + skip, s->len - skip, s->missing, fn, ctx);
        }
        free(s);
    }
}

/* Skip the hole before the first held segment. */
static void skip_hole(struct cap_tcp_dir *d, cap_tcp_deliver_fn fn, void *ctx)
{
    if (!d->held)
        return;
    int32_t hole = seq_diff(d->next_seq, d->held->seq);
    if (hole > 0) {
        d->gap_bytes += (uint32_t)hole;
        d->gaps++;
        fn(ctx, NULL, (size_t)(uint32_t)hole);
        d->next_seq = d->held->seq;
    }
    drain(d, fn, ctx);
}

static void hold(struct cap_tcp_dir *d, uint32_t seq, const uint8_t *data, size_t len,
                 size_t missing)
{
    struct cap_tcp_seg **pp = &d->held;
    while (*pp && seq_diff((*pp)->seq, seq) > 0)
        pp = &(*pp)->next;
    if (*pp && (*pp)->seq == seq && (*pp)->len + (*pp)->missing >= len + missing) {
        d->retrans_bytes += len; /* same start, no longer: a retransmission */
        return;
    }
    struct cap_tcp_seg *s = malloc(sizeof *s + len);
    if (!s) {
        d->gap_bytes += len; /* out of memory: lose it, as a capture would */
        return;
    }
    s->seq = seq;
    s->len = len;
    s->missing = missing;
    if (len)
        memcpy(s->data, data, len);
    s->next = *pp;
    *pp = s;
    d->held_bytes += len;
    d->held_count++;
    d->out_of_order++;
}

void cap_tcp_segment(struct cap_tcp_dir *d, uint32_t seq, uint8_t flags, const uint8_t *data,
                     size_t len, size_t wire_len, cap_tcp_deliver_fn fn, void *ctx)
{
    size_t missing = wire_len > len ? wire_len - len : 0;
    if (!len && !missing && !(flags & (CAP_TCP_SYN | CAP_TCP_FIN | CAP_TCP_RST)))
        return; /* a pure ACK */
    d->segments++;
    if (flags & CAP_TCP_RST)
        d->rst = true;
    if (flags & CAP_TCP_SYN) {
        if (!d->started || (!d->delivered_any && !d->held && seq + 1 != d->next_seq)) {
            d->started = true;
            d->next_seq = seq + 1;
        }
        d->syn = true;
        seq++; /* data on a SYN follows it */
    }
    if (!d->started) {
        d->started = true; /* capture began mid-stream */
        d->next_seq = seq;
    }
    if (len || missing) {
        int32_t off = seq_diff(d->next_seq, seq);
        size_t total = len + missing;
        if (off < 0) {
            uint32_t old = (uint32_t)-off;
            if (old >= total) {
                d->retrans_bytes += len;
                goto flags;
            }
            if (old >= len) {
                d->retrans_bytes += len;
                emit(d, NULL, 0, total - old, fn, ctx);
                drain(d, fn, ctx);
                goto flags;
            }
            d->retrans_bytes += old;
            data += old;
            len -= old;
            off = 0;
        }
        if (off == 0) {
            emit(d, data, len, missing, fn, ctx);
            drain(d, fn, ctx);
        } else {
            hold(d, seq, data, len, missing);
            while (d->held && (d->held_bytes > CAP_TCP_MAX_HELD_BYTES ||
                               d->held_count > CAP_TCP_MAX_HELD_SEGMENTS))
                skip_hole(d, fn, ctx);
        }
    }
flags:
    if (flags & CAP_TCP_FIN)
        d->fin = true;
}

void cap_tcp_flush(struct cap_tcp_dir *d, cap_tcp_deliver_fn fn, void *ctx)
{
    while (d->held)
        skip_hole(d, fn, ctx);
}
