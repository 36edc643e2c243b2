/* RTP receive statistics for diagnostics. */
#include "rtp/rxstats.h"

#include <string.h>

#include "rtp/rtp.h"

void rxstats_init(struct rxstats *s)
{
    memset(s, 0, sizeof *s);
}

static bool bit_get(const struct rxstats *s, unsigned i)
{
    return (s->seen[i / 64] >> (i % 64)) & 1u;
}

static void bit_set(struct rxstats *s, unsigned i)
{
    s->seen[i / 64] |= (uint64_t)1 << (i % 64);
}

/* Shift the window so that bit 0 stays max_seq after max_seq advanced by n. */
static void window_shift(struct rxstats *s, unsigned n)
{
    if (n >= 256) {
        memset(s->seen, 0, sizeof s->seen);
        return;
    }
    while (n >= 64) {
        memmove(&s->seen[1], &s->seen[0], 3 * sizeof s->seen[0]);
        s->seen[0] = 0;
        n -= 64;
    }
    if (n) {
        for (int i = 3; i > 0; i--)
            s->seen[i] = (s->seen[i] << n) | (s->seen[i - 1] >> (64 - n));
        s->seen[0] <<= n;
    }
}

void rxstats_add(struct rxstats *s, const uint8_t *pkt, size_t len)
{
    struct rtp_hdr h;
    if (rtp_parse(pkt, len, &h)) {
        s->invalid++;
        return;
    }
    uint16_t seq = rtp_seq_of(pkt);
    uint32_t ts = rtp_ts_of(pkt);
    if (!s->started || h.ssrc != s->ssrc) {
        if (s->started)
            s->ssrc_changes++;
        uint64_t p = s->packets, b = s->bytes, inv = s->invalid, ro = s->reordered,
                 du = s->duplicates, tb = s->ts_backwards, sc = s->ssrc_changes;
        rxstats_init(s);
        /* a new source restarts the sequence space; totals carry on */
        s->packets = p, s->bytes = b, s->invalid = inv, s->reordered = ro, s->duplicates = du,
        s->ts_backwards = tb, s->ssrc_changes = sc;
        s->started = true;
        s->ssrc = h.ssrc;
        s->base_seq = s->max_seq = seq;
        s->last_ts = ts;
        s->seen[0] = 1;
        s->packets++;
        s->bytes += len;
        s->base_packets = s->packets - 1;
        return;
    }
    int16_t d = rtp_seq_diff(s->max_seq, seq); /* seq - max_seq */
    if (d > 0) {
        if (seq < s->max_seq)
            s->cycles += 65536;
        window_shift(s, (unsigned)d);
        s->max_seq = seq;
        bit_set(s, 0);
        if ((int32_t)(ts - s->last_ts) < 0)
            s->ts_backwards++;
        s->last_ts = ts;
    } else {
        unsigned back = (unsigned)(-(int)d);
        if (back < 256 && bit_get(s, back)) {
            s->duplicates++;
            return;
        }
        if (back < 256)
            bit_set(s, back);
        s->reordered++;
    }
    s->packets++;
    s->bytes += len;
}

uint64_t rxstats_expected(const struct rxstats *s)
{
    if (!s->started)
        return 0;
    return s->cycles + s->max_seq - s->base_seq + 1;
}

uint64_t rxstats_lost(const struct rxstats *s)
{
    uint64_t e = rxstats_expected(s), got = s->packets - s->base_packets;
    return e > got ? e - got : 0;
}
