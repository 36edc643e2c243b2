/* H.264 over RTP (RFC 6184): Annex B scanning, packetize -> depacketize round
 * trips (STAP-A, FU-A, AVCC input), loss, reordering, duplicates, SDP fmtp. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rtp/h264.h"

/* SPS/PPS of the gst-rtsp-server test camera (x264, constrained baseline 3.0) */
static const uint8_t sps[] = {0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02, 0x80, 0xbf, 0xe5, 0xc0,
                              0x5a, 0x83, 0x03, 0x03, 0x52, 0x80, 0x00, 0x00, 0x03, 0x00,
                              0x80, 0x00, 0x00, 0x1e, 0x47, 0x8b, 0x17, 0x50};
static const uint8_t pps[] = {0x68, 0xce, 0x3c, 0x80};
static const uint8_t sei[] = {0x06, 0x05, 0x04, 0xde, 0xad, 0xbe, 0xef, 0x80};

/* ---- building access units ---- */

struct nal {
    uint8_t *p;
    size_t n;
};

/* A slice NAL of n bytes: header, a first byte with first_mb_in_slice = 0, and
 * bytes that never form a start code. */
static struct nal slice(uint8_t hdr, size_t n, unsigned seed)
{
    struct nal s = {malloc(n), n};
    assert_non_null(s.p);
    s.p[0] = hdr;
    if (n > 1)
        s.p[1] = 0x88;
    for (size_t i = 2; i < n; i++)
        s.p[i] = (uint8_t)(1 + (i * 131 + seed * 7) % 254);
    return s;
}

static struct nal copy_nal(const uint8_t *p, size_t n)
{
    struct nal s = {malloc(n), n};
    assert_non_null(s.p);
    memcpy(s.p, p, n);
    return s;
}

struct au {
    struct nal nal[8];
    size_t n;
    uint32_t ts;
    bool key;
};

static void au_free(struct au *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->nal[i].p);
    a->n = 0;
}

/* Serialize: nls 0 = Annex B with 4-byte start codes (3-byte when sc3), else AVCC. */
static uint8_t *au_bytes(const struct au *a, int nls, bool sc3, size_t *len)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n; i++)
        n += 4 + a->nal[i].n;
    uint8_t *b = malloc(n), *w = b;
    assert_non_null(b);
    for (size_t i = 0; i < a->n; i++) {
        size_t l = a->nal[i].n;
        if (nls == 0) {
            bool three = sc3 && (i % 2 == 1);
            static const uint8_t sc[4] = {0, 0, 0, 1};
            memcpy(w, three ? sc + 1 : sc, three ? 3 : 4);
            w += three ? 3 : 4;
        } else {
            for (int k = nls - 1; k >= 0; k--)
                *w++ = (uint8_t)(l >> (8 * k));
        }
        memcpy(w, a->nal[i].p, l);
        w += l;
    }
    *len = (size_t)(w - b);
    return b;
}

/* ---- a packet list ---- */

struct pkt {
    uint8_t *p;
    size_t n;
    bool marker;
    uint32_t ts;
};

struct pkts {
    struct pkt *v;
    size_t n, cap;
    uint32_t ts; /* stamped on emitted packets */
    size_t max_payload;
    int fail_at; /* emit returns -EIO at this packet index, -1 never */
};

static int collect(void *ctx, const struct rtp_chunk *parts, int nparts, bool marker)
{
    struct pkts *l = ctx;
    if (l->fail_at >= 0 && (size_t)l->fail_at == l->n)
        return -EIO;
    assert_true(nparts >= 1 && nparts <= 4);
    size_t n = 0;
    for (int i = 0; i < nparts; i++)
        n += parts[i].n;
    assert_true(n <= l->max_payload);
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        assert_non_null(l->v);
    }
    struct pkt *p = &l->v[l->n++];
    p->p = malloc(n ? n : 1);
    assert_non_null(p->p);
    p->n = 0;
    for (int i = 0; i < nparts; i++) {
        memcpy(p->p + p->n, parts[i].p, parts[i].n);
        p->n += parts[i].n;
    }
    p->marker = marker;
    p->ts = l->ts;
    return 0;
}

static void pkts_free(struct pkts *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].p);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* The stream of test AUs: IDR (SPS, PPS, SEI, 5000-byte slice), P 300 bytes,
 * P 300 kB (about 215 FU-A fragments), P with two 40-byte slices. */
static void make_gop(struct au *a)
{
    memset(a, 0, 4 * sizeof *a);
    a[0].nal[a[0].n++] = copy_nal(sps, sizeof sps);
    a[0].nal[a[0].n++] = copy_nal(pps, sizeof pps);
    a[0].nal[a[0].n++] = copy_nal(sei, sizeof sei);
    a[0].nal[a[0].n++] = slice(0x65, 5000, 1);
    a[0].key = true;
    a[1].nal[a[1].n++] = slice(0x41, 300, 2);
    a[2].nal[a[2].n++] = slice(0x41, 300000, 3);
    a[3].nal[a[3].n++] = slice(0x01, 40, 4);
    a[3].nal[a[3].n++] = slice(0x01, 40, 5);
    a[3].nal[1].p[1] = 0x40; /* second slice: first_mb_in_slice != 0 */
    for (int i = 0; i < 4; i++)
        a[i].ts = 90000 + 3000u * (unsigned)i;
}

static void packetize_all(struct au *a, size_t n_au, int nls, bool sc3, size_t max_payload,
                          struct pkts *out)
{
    out->max_payload = max_payload;
    out->fail_at = -1;
    for (size_t i = 0; i < n_au; i++) {
        size_t len;
        uint8_t *b = au_bytes(&a[i], nls, sc3, &len);
        out->ts = a[i].ts;
        size_t before = out->n;
        assert_int_equal(h264_packetize(b, len, nls, max_payload, collect, out), 0);
        assert_true(out->n > before);
        for (size_t k = before; k < out->n; k++)
            assert_int_equal(out->v[k].marker, k + 1 == out->n);
        free(b);
    }
}

/* Feed packets (order given by idx, seq = 1000 + original index) and check
 * that exactly the AUs flagged in `expect` come out, intact. */
static void feed_and_check(struct pkts *l, const size_t *idx, size_t n_idx, struct au *a,
                           size_t n_au, const bool *expect, unsigned want_dropped)
{
    struct h264_depay d;
    h264_depay_init(&d, 1 << 20);
    size_t next = 0;
    for (size_t k = 0; k < n_idx; k++) {
        const struct pkt *p = &l->v[idx[k]];
        struct rtp_au out;
        int r = h264_depay_push(&d, (uint16_t)(65500 + idx[k]), p->ts, p->marker, p->p, p->n, &out);
        assert_true(r == 0 || r == 1);
        if (r == 1) {
            while (next < n_au && !expect[next])
                next++;
            assert_true(next < n_au);
            size_t len;
            uint8_t *want = au_bytes(&a[next], 0, false, &len);
            assert_int_equal(out.len, len);
            assert_memory_equal(out.data, want, len);
            assert_int_equal(out.rtp_ts, a[next].ts);
            assert_int_equal(out.key, a[next].key);
            free(want);
            next++;
        }
    }
    while (next < n_au && !expect[next])
        next++;
    assert_int_equal(next, n_au);
    assert_int_equal(d.dropped_aus, want_dropped);
    h264_depay_free(&d);
}

static size_t *identity(size_t n)
{
    size_t *v = malloc(n * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = i;
    return v;
}

/* ---- tests ---- */

static void test_annexb_next(void **st)
{
    (void)st;
    static const struct {
        const char *name;
        uint8_t in[24];
        size_t len;
        size_t n_nals;
        size_t lens[4];
    } t[] = {
        {"4-byte", {0, 0, 0, 1, 0x67, 1, 2, 0, 0, 0, 1, 0x68, 3}, 13, 2, {3, 2}},
        {"3-byte", {0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3}, 11, 2, {3, 2}},
        {"garbage first", {9, 9, 0, 0, 1, 0x41, 5}, 7, 1, {2}},
        {"trailing zeros", {0, 0, 1, 0x41, 5, 0, 0}, 7, 1, {2}},
        {"empty nal", {0, 0, 1, 0, 0, 1, 0x41, 7}, 8, 2, {0, 2}},
        {"no start code", {0x41, 5, 6, 0, 0}, 5, 0, {0}},
        {"start code at end", {0x41, 0, 0, 1}, 4, 1, {0}},
        {"emulation kept", {0, 0, 1, 0x41, 0, 0, 3, 1}, 8, 1, {5}},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        size_t pos = 0, n = 0, nl;
        const uint8_t *nal;
        while (h264_annexb_next(t[i].in, t[i].len, &pos, &nal, &nl)) {
            assert_true(n < t[i].n_nals);
            assert_int_equal(nl, t[i].lens[n]);
            assert_true(nal >= t[i].in && nal + nl <= t[i].in + t[i].len);
            n++;
        }
        if (n != t[i].n_nals)
            fail_msg("%s: %zu NALs, want %zu", t[i].name, n, t[i].n_nals);
        assert_int_equal(pos, t[i].len);
    }
}

static void test_roundtrip_annexb(void **st)
{
    (void)st;
    static const struct {
        bool sc3;
        size_t max_payload;
    } t[] = {{false, 1400}, {true, 1400}, {false, 1200}, {true, 500}, {false, 64000}};
    for (size_t c = 0; c < sizeof t / sizeof t[0]; c++) {
        struct au a[4];
        make_gop(a);
        struct pkts l = {0};
        packetize_all(a, 4, 0, t[c].sc3, t[c].max_payload, &l);
        if (t[c].max_payload <= 1400) {
            /* SPS+PPS+SEI in one STAP-A, then FU-A for the IDR slice */
            assert_int_equal(l.v[0].p[0] & 0x1f, 24);
            assert_int_equal(l.v[0].p[0] & 0x60, 0x60);
            assert_int_equal(l.v[0].n, 1 + 3 * 2 + sizeof sps + sizeof pps + sizeof sei);
            assert_int_equal(l.v[0].p[1] << 8 | l.v[0].p[2], sizeof sps);
            assert_memory_equal(l.v[0].p + 3, sps, sizeof sps);
            assert_int_equal(l.v[1].p[0], 0x7c);     /* FU-A, NRI 3 */
            assert_int_equal(l.v[1].p[1], 0x80 | 5); /* start, IDR */
            size_t frags = (300000 - 1 + t[c].max_payload - 3) / (t[c].max_payload - 2);
            size_t n_fu = 0;
            for (size_t i = 0; i < l.n; i++)
                n_fu += l.v[i].ts == a[2].ts;
            assert_int_equal(n_fu, frags);
        }
        size_t *idx = identity(l.n);
        static const bool all[4] = {true, true, true, true};
        feed_and_check(&l, idx, l.n, a, 4, all, 0);
        free(idx);
        pkts_free(&l);
        for (int i = 0; i < 4; i++)
            au_free(&a[i]);
    }
}

static void test_roundtrip_avcc(void **st)
{
    (void)st;
    for (int nls = 1; nls <= 4; nls++) {
        struct au a[4];
        make_gop(a);
        if (nls == 1) { /* lengths must fit one byte */
            au_free(&a[0]);
            a[0].nal[a[0].n++] = copy_nal(sps, sizeof sps);
            a[0].nal[a[0].n++] = copy_nal(pps, sizeof pps);
            a[0].nal[a[0].n++] = slice(0x65, 255, 9);
            au_free(&a[1]);
            a[1].nal[a[1].n++] = slice(0x41, 200, 8);
            au_free(&a[2]);
            a[2].nal[a[2].n++] = slice(0x41, 250, 7);
        } else if (nls == 2) {
            au_free(&a[2]);
            a[2].nal[a[2].n++] = slice(0x41, 65535, 7);
        }
        struct pkts l = {0};
        packetize_all(a, 4, nls, false, 100, &l);
        size_t *idx = identity(l.n);
        static const bool all[4] = {true, true, true, true};
        feed_and_check(&l, idx, l.n, a, 4, all, 0);
        free(idx);
        pkts_free(&l);
        for (int i = 0; i < 4; i++)
            au_free(&a[i]);
    }
}

static void test_packetize_errors(void **st)
{
    (void)st;
    struct pkts l = {.max_payload = 1400, .fail_at = -1};
    static const uint8_t avcc_short[] = {0, 0, 0, 9, 0x41, 1};
    static const uint8_t avcc_cut_len[] = {0, 0, 0, 2, 0x41, 1, 0, 0};
    static const uint8_t avcc_zero[] = {0, 0, 0, 0};
    static const uint8_t no_sc[] = {0x41, 1, 2, 3};
    assert_int_equal(h264_packetize(avcc_short, sizeof avcc_short, 4, 1400, collect, &l), -EPROTO);
    assert_int_equal(h264_packetize(avcc_cut_len, sizeof avcc_cut_len, 4, 1400, collect, &l),
                     -EPROTO);
    assert_int_equal(h264_packetize(avcc_zero, sizeof avcc_zero, 4, 1400, collect, &l), -EPROTO);
    assert_int_equal(h264_packetize(no_sc, sizeof no_sc, 0, 1400, collect, &l), -EPROTO);
    assert_int_equal(h264_packetize(no_sc, sizeof no_sc, 5, 1400, collect, &l), -EINVAL);
    assert_int_equal(h264_packetize(no_sc, 0, 0, 1400, collect, &l), -EPROTO);
    assert_int_equal(l.n, 0);
    /* the emit error stops packetizing and is returned */
    struct au a[4];
    make_gop(a);
    size_t len;
    uint8_t *b = au_bytes(&a[2], 0, false, &len);
    l.fail_at = 3;
    assert_int_equal(h264_packetize(b, len, 0, 1400, collect, &l), -EIO);
    assert_int_equal(l.n, 3);
    free(b);
    pkts_free(&l);
    for (int i = 0; i < 4; i++)
        au_free(&a[i]);
}

/* Which packets carry AU i */
static void au_range(const struct pkts *l, uint32_t ts, size_t *first, size_t *last)
{
    *first = SIZE_MAX;
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].ts == ts) {
            if (*first == SIZE_MAX)
                *first = i;
            *last = i;
        }
}

static void test_loss(void **st)
{
    (void)st;
    /* lose one packet of AU k at position where: exactly that AU is dropped */
    enum { FIRST, MIDDLE, LAST };
    static const struct {
        size_t au;
        int where;
        bool no_markers;  /* a camera that never sets the marker bit */
        unsigned dropped; /* a wholly lost AU is never seen, so not counted */
        int also;         /* another AU lost with it, or -1 */
    } t[] = {
        {0, FIRST, false, 1, -1},
        {0, MIDDLE, false, 1, -1},
        {0, LAST, false, 1, -1},
        {2, FIRST, false, 1, -1},
        {2, MIDDLE, false, 1, -1},
        {2, LAST, false, 1, -1},
        {1, FIRST, false, 0, -1},
        {3, FIRST, false, 0, -1},
        {0, MIDDLE, true, 1, -1},
        {2, LAST, true, 1, -1},
        /* without markers a gap between two AUs may have been the tail of the
         * first or the head of the second: both go */
        {2, FIRST, true, 2, 1},
    };
    for (size_t c = 0; c < sizeof t / sizeof t[0]; c++) {
        struct au a[4];
        make_gop(a);
        struct pkts l = {0};
        packetize_all(a, 4, 0, false, 1400, &l);
        if (t[c].no_markers)
            for (size_t i = 0; i < l.n; i++)
                l.v[i].marker = false;
        size_t f = 0, e = 0;
        au_range(&l, a[t[c].au].ts, &f, &e);
        size_t lost = t[c].where == FIRST ? f : t[c].where == LAST ? e : (f + e) / 2;
        size_t *idx = malloc(l.n * sizeof *idx), n = 0;
        for (size_t i = 0; i < l.n; i++)
            if (i != lost)
                idx[n++] = i;
        bool expect[4] = {true, true, true, true};
        expect[t[c].au] = false;
        if (t[c].also >= 0)
            expect[t[c].also] = false;
        if (t[c].no_markers)
            expect[3] = false; /* without markers the last AU never ends */
        feed_and_check(&l, idx, n, a, 4, expect, t[c].dropped);
        free(idx);
        pkts_free(&l);
        for (int i = 0; i < 4; i++)
            au_free(&a[i]);
    }
}

static void test_reorder_duplicate(void **st)
{
    (void)st;
    struct au a[4];
    make_gop(a);
    struct pkts l = {0};
    packetize_all(a, 4, 0, false, 1400, &l);
    size_t f = 0, e = 0;
    au_range(&l, a[0].ts, &f, &e);
    size_t *idx = identity(l.n);
    /* two FU-A fragments of AU 0 swapped: a gap, then a late packet: AU 0 is
     * dropped, the late one ignored, and AU 1 comes out intact */
    idx[f + 1] = f + 2;
    idx[f + 2] = f + 1;
    static const bool no_first[4] = {false, true, true, true};
    feed_and_check(&l, idx, l.n, a, 4, no_first, 1);
    /* the marker packet of AU 0 after the first packet of AU 1 */
    size_t f1, e1;
    au_range(&l, a[1].ts, &f1, &e1);
    free(idx);
    idx = identity(l.n);
    idx[e] = f1;
    idx[f1] = e;
    feed_and_check(&l, idx, l.n, a, 4, no_first, 1);
    /* duplicates (of a fragment, of a marker packet, of a whole AU) are ignored */
    size_t *dup = malloc((l.n + 8) * sizeof *dup), n = 0;
    for (size_t i = 0; i < l.n; i++) {
        dup[n++] = i;
        if (i == f + 3 || i == e || i == f1)
            dup[n++] = i;
    }
    static const bool all[4] = {true, true, true, true};
    feed_and_check(&l, dup, n, a, 4, all, 0);
    free(dup);
    free(idx);
    pkts_free(&l);
    for (int i = 0; i < 4; i++)
        au_free(&a[i]);
}

static void test_join_mid_stream(void **st)
{
    (void)st;
    struct au a[4];
    make_gop(a);
    struct pkts l = {0};
    packetize_all(a, 4, 0, false, 1400, &l);
    size_t f = 0, e = 0;
    au_range(&l, a[0].ts, &f, &e);
    /* the receiver starts in the middle of AU 0's FU-A */
    size_t *idx = identity(l.n);
    static const bool from1[4] = {false, true, true, true};
    feed_and_check(&l, idx + 2, l.n - 2, a, 4, from1, 1);
    free(idx);
    pkts_free(&l);
    for (int i = 0; i < 4; i++)
        au_free(&a[i]);

    /* ... or on a slice that is not the first of its picture */
    struct h264_depay d;
    h264_depay_init(&d, 0);
    struct rtp_au out;
    static const uint8_t second_slice[] = {0x41, 0x40, 0x11};
    static const uint8_t first_slice[] = {0x41, 0x88, 0x22};
    assert_int_equal(h264_depay_push(&d, 7, 100, true, second_slice, 3, &out), 0);
    assert_int_equal(d.dropped_aus, 1);
    assert_int_equal(h264_depay_push(&d, 8, 200, true, first_slice, 3, &out), 1);
    assert_int_equal(out.len, 7);
    assert_int_equal(out.rtp_ts, 200);
    h264_depay_free(&d);
}

static void test_marker_and_ts_change(void **st)
{
    (void)st;
    struct h264_depay d;
    h264_depay_init(&d, 4096);
    struct rtp_au out;
    static const uint8_t p1[] = {0x41, 0x88, 1}, p2[] = {0x41, 0x88, 2}, p3[] = {0x41, 0x88, 3};
    static const uint8_t want2[] = {0, 0, 0, 1, 0x41, 0x88, 2};
    /* AU 1 without marker, AU 2 a single packet with marker: one AU per call */
    assert_int_equal(h264_depay_push(&d, 1, 10, false, p1, 3, &out), 0);
    assert_int_equal(h264_depay_push(&d, 2, 20, true, p2, 3, &out), 1);
    assert_int_equal(out.rtp_ts, 10);
    assert_int_equal(h264_depay_push(&d, 3, 30, true, p3, 3, &out), 1);
    assert_int_equal(out.rtp_ts, 20);
    assert_int_equal(out.len, sizeof want2);
    assert_memory_equal(out.data, want2, sizeof want2);
    /* single-packet AUs keep coming one call late until a packet without marker */
    assert_int_equal(h264_depay_push(&d, 4, 40, true, p1, 3, &out), 1);
    assert_int_equal(out.rtp_ts, 30);
    assert_int_equal(h264_depay_push(&d, 5, 50, true, p2, 3, &out), 1);
    assert_int_equal(out.rtp_ts, 40);
    assert_int_equal(d.dropped_aus, 0);
    h264_depay_free(&d);
}

static void test_malformed(void **st)
{
    (void)st;
    static const struct {
        const char *name;
        uint8_t p[8];
        size_t n;
    } bad[] = {
        {"empty", {0}, 0},
        {"stap length past end", {0x18, 0x00, 0x09, 0x67, 0x42}, 5},
        {"stap zero length", {0x18, 0x00, 0x00, 0x00, 0x01, 0x67}, 6},
        {"stap cut length", {0x18, 0x00, 0x01, 0x09, 0x00}, 5},
        {"fu-a too short", {0x7c, 0x85}, 2},
        {"stap-b", {0x19, 0, 1, 0, 1, 0x65}, 6},
        {"fu-b", {0x1d, 0x85, 0, 1, 2}, 5},
        {"mtap16", {0x1a, 0, 1, 2}, 4},
    };
    static const uint8_t good[] = {0x65, 0x88, 0x84};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct h264_depay d;
        h264_depay_init(&d, 4096);
        struct rtp_au out;
        assert_int_equal(h264_depay_push(&d, 1, 10, false, sps, sizeof sps, &out), 0);
        int r = h264_depay_push(&d, 2, 10, true, bad[i].p, bad[i].n, &out);
        if (r != -EPROTO)
            fail_msg("%s: %d", bad[i].name, r);
        assert_int_equal(d.dropped_aus, 1);
        assert_int_equal(h264_depay_push(&d, 3, 20, true, good, sizeof good, &out), 1);
        assert_int_equal(out.len, 4 + sizeof good);
        assert_true(out.key);
        h264_depay_free(&d);
    }
    /* an FU-A continuation after a single NAL, a new FU-A start inside one */
    struct h264_depay d;
    h264_depay_init(&d, 4096);
    struct rtp_au out;
    static const uint8_t fu_s[] = {0x5c, 0x81, 0x88}, fu_m[] = {0x5c, 0x01, 1},
                         fu_e[] = {0x5c, 0x41, 2};
    assert_int_equal(h264_depay_push(&d, 1, 10, false, fu_s, 3, &out), 0);
    assert_int_equal(h264_depay_push(&d, 2, 10, false, fu_s, 3, &out), -EPROTO);
    assert_int_equal(h264_depay_push(&d, 3, 10, true, fu_e, 3, &out), 0);
    assert_int_equal(d.dropped_aus, 1);
    assert_int_equal(h264_depay_push(&d, 4, 20, false, fu_s, 3, &out), 0);
    assert_int_equal(h264_depay_push(&d, 5, 20, false, fu_m, 3, &out), 0);
    assert_int_equal(h264_depay_push(&d, 6, 20, true, fu_e, 3, &out), 1);
    static const uint8_t want[] = {0, 0, 0, 1, 0x41, 0x88, 1, 2};
    assert_int_equal(out.len, sizeof want);
    assert_memory_equal(out.data, want, sizeof want);
    /* an FU-A that never ends before the marker */
    assert_int_equal(h264_depay_push(&d, 7, 30, false, fu_s, 3, &out), 0);
    assert_int_equal(h264_depay_push(&d, 8, 30, true, fu_m, 3, &out), 0);
    assert_int_equal(d.dropped_aus, 2);
    h264_depay_free(&d);
}

static void test_max_au(void **st)
{
    (void)st;
    struct au a[4];
    make_gop(a);
    struct pkts l = {0};
    packetize_all(a, 4, 0, false, 1400, &l);
    struct h264_depay d;
    h264_depay_init(&d, 10000); /* AU 2 (300 kB) does not fit */
    unsigned got = 0;
    for (size_t i = 0; i < l.n; i++) {
        struct rtp_au out;
        int r =
            h264_depay_push(&d, (uint16_t)i, l.v[i].ts, l.v[i].marker, l.v[i].p, l.v[i].n, &out);
        if (r == 1) {
            assert_int_not_equal(out.rtp_ts, a[2].ts);
            got++;
        }
    }
    assert_int_equal(got, 3);
    assert_int_equal(d.dropped_aus, 1);
    assert_true(d.au.cap <= 10000 && d.out.cap <= 10000);
    h264_depay_free(&d);
    pkts_free(&l);
    for (int i = 0; i < 4; i++)
        au_free(&a[i]);
}

static void test_au_is_key(void **st)
{
    (void)st;
    struct au a[4];
    make_gop(a);
    for (int i = 0; i < 4; i++) {
        size_t len;
        uint8_t *b = au_bytes(&a[i], 0, true, &len);
        assert_int_equal(h264_au_is_key(b, len, 0), a[i].key);
        free(b);
        b = au_bytes(&a[i], 4, false, &len);
        assert_int_equal(h264_au_is_key(b, len, 4), a[i].key);
        free(b);
        au_free(&a[i]);
    }
    static const uint8_t sps_only[] = {0, 0, 1, 0x67, 0x42};
    assert_false(h264_au_is_key(sps_only, sizeof sps_only, 0));
}

static void test_sdp_fmtp(void **st)
{
    (void)st;
    char out[256];
    assert_int_equal(h264_sdp_fmtp(sps, sizeof sps, pps, sizeof pps, out, sizeof out), 0);
    assert_string_equal(out, "packetization-mode=1;profile-level-id=42C01E;sprop-parameter-sets="
                             "Z0LAHtoCgL/lwFqDAwNSgAAAAwCAAAAeR4sXUA==,aM48gA==");
    static const uint8_t sps2[] = {0x67, 0x64, 0x00, 0x28, 0xac};
    assert_int_equal(h264_sdp_fmtp(sps2, sizeof sps2, pps, 1, out, sizeof out), 0);
    assert_string_equal(out, "packetization-mode=1;profile-level-id=640028;sprop-parameter-sets="
                             "Z2QAKKw=,aA==");
    assert_int_equal(h264_sdp_fmtp(sps, sizeof sps, pps, sizeof pps, out, 60), -EMSGSIZE);
    assert_int_equal(h264_sdp_fmtp(sps, 3, pps, sizeof pps, out, sizeof out), -EPROTO);
    assert_int_equal(h264_sdp_fmtp(NULL, 0, pps, sizeof pps, out, sizeof out), -EPROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_annexb_next),
        cmocka_unit_test(test_roundtrip_annexb),
        cmocka_unit_test(test_roundtrip_avcc),
        cmocka_unit_test(test_packetize_errors),
        cmocka_unit_test(test_loss),
        cmocka_unit_test(test_reorder_duplicate),
        cmocka_unit_test(test_join_mid_stream),
        cmocka_unit_test(test_marker_and_ts_change),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_max_au),
        cmocka_unit_test(test_au_is_key),
        cmocka_unit_test(test_sdp_fmtp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
