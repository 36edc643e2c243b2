/* Refcounted, immutable media packets.
 *
 * A packet is one RTP (or RTCP) datagram: header and payload in one
 * allocation. It is written once (by the producer, before it is shared) and
 * then only read; every holder owns one reference. The refcount is atomic so
 * packets may cross threads. */
#ifndef RTSPGATE_CORE_PKT_H
#define RTSPGATE_CORE_PKT_H

#include <stdatomic.h>
#include <stdint.h>
#include <stddef.h>

enum {
    PKT_F_KEY = 1u << 0,      /* first packet of a keyframe access unit */
    PKT_F_RTCP = 1u << 1,     /* an RTCP packet (not RTP) */
    PKT_F_AU_START = 1u << 2, /* first packet of an access unit (frame) */
};

struct pkt {
    atomic_uint refs;
    uint16_t len;   /* bytes in data[] */
    uint8_t track;  /* track index within its stream */
    uint8_t flags;  /* PKT_F_* */
    uint64_t ts_us; /* monotonic time the packet entered the hub */
    uint8_t data[]; /* RTP/RTCP datagram */
};

#define PKT_MAX_LEN 65535

/* A new packet with refs = 1 and len bytes of room (contents uninitialised). */
struct pkt *pkt_new(size_t len);
/* A new packet with a copy of data. */
struct pkt *pkt_new_copy(const void *data, size_t len);
static inline struct pkt *pkt_ref(struct pkt *p)
{
    atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    return p;
}
void pkt_unref(struct pkt *p); /* accepts NULL */

#endif
