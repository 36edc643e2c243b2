/* Receive statistics of one RTP stream for diagnostics (probe): packets,
 * bytes, loss and reordering by sequence number (RFC 3550 A.1 style, with
 * 16-bit wrap), duplicates, and timestamp sanity (jumps backwards in RTP
 * time between packets in sequence). Pure: the caller passes packets. */
#ifndef RTSPGATE_RTP_RXSTATS_H
#define RTSPGATE_RTP_RXSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rxstats {
    uint64_t packets, bytes; /* valid RTP packets seen (bytes: whole packets) */
    uint64_t invalid;        /* not parsable as RTP */
    uint64_t reordered;      /* arrived after a later sequence number */
    uint64_t duplicates;     /* same sequence number as one already counted (recent) */
    uint64_t ts_backwards;   /* in-order packets whose timestamp went back */
    uint64_t ssrc_changes;
    uint32_t ssrc;
    /* internal */
    bool started;
    uint16_t base_seq, max_seq;
    uint64_t cycles; /* wraps of max_seq times 65536 */
    uint32_t last_ts;
    uint64_t seen[4];      /* bitmap of the 256 sequence numbers up to max_seq */
    uint64_t base_packets; /* packets before the current SSRC began */
};

void rxstats_init(struct rxstats *s);
void rxstats_add(struct rxstats *s, const uint8_t *pkt, size_t len);
/* Packets expected from the first to the highest sequence number seen. */
uint64_t rxstats_expected(const struct rxstats *s);
/* expected - received (unique), never negative. */
uint64_t rxstats_lost(const struct rxstats *s);

#endif
