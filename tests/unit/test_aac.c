/* AAC over RTP, mpeg4-generic AAC-hbr (RFC 3640): packetizer, depacketizer
 * (several AUs per packet as ffmpeg and live555 send them, fragments, loss,
 * duplicates), SDP fmtp. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rtp/aac.h"

struct pkt {
    uint8_t p[2048];
    size_t n;
    bool marker;
};

struct pkts {
    struct pkt v[16];
    size_t n;
};

static int collect(void *ctx, const struct rtp_chunk *parts, int nparts, bool marker)
{
    struct pkts *l = ctx;
    assert_true(l->n < 16);
    struct pkt *p = &l->v[l->n++];
    p->n = 0;
    for (int i = 0; i < nparts; i++) {
        assert_true(p->n + parts[i].n <= sizeof p->p);
        memcpy(p->p + p->n, parts[i].p, parts[i].n);
        p->n += parts[i].n;
    }
    p->marker = marker;
    return 0;
}

static void fill(uint8_t *f, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        f[i] = (uint8_t)(i * 37 + seed);
}

static void test_packetize(void **st)
{
    (void)st;
    static const struct {
        size_t frame, max_payload, packets;
    } t[] = {
        {1, 1400, 1},    {371, 1400, 1},  {1396, 1400, 1}, {1397, 1400, 2},
        {5000, 1400, 4}, {8191, 1400, 6}, {100, 20, 7},
    };
    for (size_t c = 0; c < sizeof t / sizeof t[0]; c++) {
        uint8_t frame[8191];
        fill(frame, t[c].frame, (unsigned)c);
        struct pkts l = {0};
        assert_int_equal(aac_packetize(frame, t[c].frame, t[c].max_payload, collect, &l), 0);
        assert_int_equal(l.n, t[c].packets);
        size_t off = 0;
        for (size_t i = 0; i < l.n; i++) {
            const struct pkt *p = &l.v[i];
            assert_true(p->n <= t[c].max_payload);
            /* AU-headers-length 16 bits, one header: 13-bit size of the whole AU, index 0 */
            assert_int_equal(p->p[0], 0);
            assert_int_equal(p->p[1], 16);
            assert_int_equal((size_t)(p->p[2] << 5 | p->p[3] >> 3), t[c].frame);
            assert_int_equal(p->p[3] & 7, 0);
            assert_memory_equal(p->p + 4, frame + off, p->n - 4);
            off += p->n - 4;
            assert_int_equal(p->marker, i + 1 == l.n);
        }
        assert_int_equal(off, t[c].frame);
    }
    struct pkts l = {0};
    uint8_t big[8192] = {0};
    assert_int_equal(aac_packetize(big, 8192, 1400, collect, &l), -EPROTO);
    assert_int_equal(aac_packetize(big, 0, 1400, collect, &l), -EPROTO);
    assert_int_equal(aac_packetize(big, 10, 4, collect, &l), -EPROTO);
    assert_int_equal(l.n, 0);
}

/* Packetize frames and depacketize them again, fragments included. */
static void test_roundtrip(void **st)
{
    (void)st;
    static const size_t sizes[] = {6, 371, 1500, 8191, 1, 700};
    struct aac_depay d;
    aac_depay_init(&d, 8192);
    uint16_t seq = 65530;
    for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
        uint8_t frame[8191];
        fill(frame, sizes[c], (unsigned)c);
        struct pkts l = {0};
        assert_int_equal(aac_packetize(frame, sizes[c], 1400, collect, &l), 0);
        uint32_t ts = 1000 + 1024u * (uint32_t)c;
        int got = 0;
        for (size_t i = 0; i < l.n; i++) {
            assert_int_equal(aac_depay_push(&d, seq++, ts, l.v[i].marker, l.v[i].p, l.v[i].n), 0);
            struct rtp_au au;
            int r;
            while ((r = aac_depay_next(&d, &au)) == 1) {
                assert_int_equal(au.len, sizes[c]);
                assert_memory_equal(au.data, frame, sizes[c]);
                assert_int_equal(au.rtp_ts, ts);
                assert_true(au.key);
                got++;
            }
            assert_int_equal(r, 0);
        }
        assert_int_equal(got, 1);
    }
    assert_int_equal(d.dropped, 0);
    aac_depay_free(&d);
}

/* Several AUs in one packet (ffmpeg's mpeg4-generic muxer aggregates them):
 * AU-headers-length 48 for three headers, sizes 4, 5, 3. */
static void test_multiple_aus(void **st)
{
    (void)st;
    static const uint8_t pkt[] = {0x00, 0x30, 0x00, 0x20, 0x00, 0x28, 0x00, 0x18, /* headers */
                                  1,    2,    3,    4,                            /* AU 0 */
                                  5,    6,    7,    8,    9,                      /* AU 1 */
                                  10,   11,   12};                                /* AU 2 */
    static const size_t want_len[] = {4, 5, 3};
    static const uint8_t want_first[] = {1, 5, 10};
    struct aac_depay d;
    aac_depay_init(&d, 8192);
    assert_int_equal(aac_depay_push(&d, 1, 48000, true, pkt, sizeof pkt), 0);
    struct rtp_au au;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(aac_depay_next(&d, &au), 1);
        assert_int_equal(au.len, want_len[i]);
        assert_int_equal(au.data[0], want_first[i]);
        assert_int_equal(au.rtp_ts, 48000 + 1024u * (unsigned)i);
    }
    assert_int_equal(aac_depay_next(&d, &au), 0);
    assert_int_equal(aac_depay_next(&d, &au), 0);
    /* the same packet again (a duplicate) yields nothing */
    assert_int_equal(aac_depay_push(&d, 1, 48000, true, pkt, sizeof pkt), 0);
    assert_int_equal(aac_depay_next(&d, &au), 0);
    /* sizes past the data: the AUs that fit come out, then -EPROTO */
    uint8_t cut[sizeof pkt - 2];
    memcpy(cut, pkt, sizeof cut);
    assert_int_equal(aac_depay_push(&d, 2, 51072, true, cut, sizeof cut), 0);
    assert_int_equal(aac_depay_next(&d, &au), 1);
    assert_int_equal(aac_depay_next(&d, &au), 1);
    assert_int_equal(aac_depay_next(&d, &au), -EPROTO);
    assert_int_equal(aac_depay_next(&d, &au), 0);
    /* an empty AU in the middle is skipped, its index still counts */
    static const uint8_t with_empty[] = {0x00, 0x30, 0x00, 0x10, 0x00, 0x00,
                                         0x00, 0x10, 0xaa, 0xaa, 0xbb, 0xbb};
    assert_int_equal(aac_depay_push(&d, 3, 60000, true, with_empty, sizeof with_empty), 0);
    assert_int_equal(aac_depay_next(&d, &au), 1);
    assert_int_equal(au.rtp_ts, 60000);
    assert_int_equal(aac_depay_next(&d, &au), 1);
    assert_int_equal(au.data[0], 0xbb);
    assert_int_equal(au.rtp_ts, 60000 + 2048);
    assert_int_equal(aac_depay_next(&d, &au), 0);
    aac_depay_free(&d);
}

static void test_malformed(void **st)
{
    (void)st;
    static const struct {
        const char *name;
        uint8_t p[8];
        size_t n;
    } t[] = {
        {"empty", {0}, 0},
        {"one byte", {0x00}, 1},
        {"no headers", {0x00, 0x00, 1, 2}, 4},
        {"odd header bits", {0x00, 0x0d, 0x00, 0x08, 1}, 5},
        {"headers past end", {0x00, 0x30, 0x00, 0x08}, 4},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct aac_depay d;
        aac_depay_init(&d, 8192);
        struct rtp_au au;
        if (aac_depay_push(&d, 1, 0, true, t[i].p, t[i].n) != -EPROTO)
            fail_msg("%s accepted", t[i].name);
        assert_int_equal(aac_depay_next(&d, &au), 0);
        aac_depay_free(&d);
    }
}

/* A 3000-byte frame in three fragments between whole frames: losing any one
 * fragment drops that frame only. */
static void test_fragment_loss(void **st)
{
    (void)st;
    uint8_t frame[3000], small[100];
    fill(frame, sizeof frame, 1);
    fill(small, sizeof small, 2);
    struct pkts lf = {0}, ls = {0};
    assert_int_equal(aac_packetize(frame, sizeof frame, 1100, collect, &lf), 0);
    assert_int_equal(lf.n, 3);
    assert_int_equal(aac_packetize(small, sizeof small, 1100, collect, &ls), 0);
    for (int lost = -1; lost < 3; lost++) {
        for (int frag_first = 0; frag_first < 2; frag_first++) {
            struct aac_depay d;
            aac_depay_init(&d, 4096);
            uint16_t seq = 100;
            int got_big = 0, got_small = 0;
            /* small frame, big frame (fragments), small frame, in two orders */
            for (int step = 0; step < 3; step++) {
                bool big = frag_first ? step == 0 : step == 1;
                const struct pkts *l = big ? &lf : &ls;
                uint32_t ts = 1024u * (uint32_t)step;
                for (size_t i = 0; i < l->n; i++, seq++) {
                    if (big && (int)i == lost)
                        continue;
                    assert_int_equal(
                        aac_depay_push(&d, seq, ts, l->v[i].marker, l->v[i].p, l->v[i].n), 0);
                    struct rtp_au au;
                    while (aac_depay_next(&d, &au) == 1) {
                        assert_int_equal(au.rtp_ts, ts);
                        if (big) {
                            assert_int_equal(au.len, sizeof frame);
                            assert_memory_equal(au.data, frame, sizeof frame);
                            got_big++;
                        } else {
                            assert_int_equal(au.len, sizeof small);
                            got_small++;
                        }
                    }
                }
            }
            assert_int_equal(got_big, lost < 0 ? 1 : 0);
            assert_int_equal(got_small, 2);
            assert_int_equal(d.dropped, lost < 0 ? 0 : 1);
            aac_depay_free(&d);
        }
    }
    /* a fragmented frame over max_frame is dropped; the next one is fine */
    struct aac_depay d;
    aac_depay_init(&d, 2000);
    struct rtp_au au;
    for (size_t i = 0; i < lf.n; i++)
        assert_int_equal(aac_depay_push(&d, (uint16_t)i, 0, lf.v[i].marker, lf.v[i].p, lf.v[i].n),
                         0);
    assert_int_equal(aac_depay_next(&d, &au), 0);
    assert_int_equal(d.dropped, 1);
    assert_int_equal(aac_depay_push(&d, 3, 1024, true, ls.v[0].p, ls.v[0].n), 0);
    assert_int_equal(aac_depay_next(&d, &au), 1);
    assert_int_equal(au.len, sizeof small);
    aac_depay_free(&d);
}

static void test_sdp_fmtp(void **st)
{
    (void)st;
    char out[256];
    static const uint8_t asc_44k_stereo[] = {0x12, 0x10};
    static const uint8_t asc_48k_mono[] = {0x11, 0x88};
    assert_int_equal(aac_sdp_fmtp(asc_44k_stereo, 2, out, sizeof out), 0);
    assert_string_equal(out, "streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;"
                             "indexlength=3;indexdeltalength=3;config=1210");
    assert_int_equal(aac_sdp_fmtp(asc_48k_mono, 2, out, sizeof out), 0);
    assert_string_equal(out, "streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;"
                             "indexlength=3;indexdeltalength=3;config=1188");
    assert_int_equal(aac_sdp_fmtp(asc_48k_mono, 2, out, 40), -EMSGSIZE);
    assert_int_equal(aac_sdp_fmtp(asc_48k_mono, 0, out, sizeof out), -EPROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packetize),     cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_multiple_aus),  cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_fragment_loss), cmocka_unit_test(test_sdp_fmtp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
