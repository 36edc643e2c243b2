/* H.265 over RTP (RFC 7798) depacketizer: single NAL units, aggregation
 * packets, fragmentation units, loss, joining mid-AU, duplicates, malformed
 * payloads. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rtp/h265.h"

/* NAL headers: type << 1, layer 0, tid 1 */
#define NH(t) (uint8_t)((t) << 1), 0x01
static const uint8_t vps[] = {NH(32), 0xaa, 0xbb};
static const uint8_t sps[] = {NH(33), 0xcc};
static const uint8_t pps[] = {NH(34), 0xdd};
/* IDR_W_RADL slice, first_slice_segment_in_pic_flag = 1 */
static const uint8_t idr[] = {NH(19), 0x80 | 0x2f, 0x11, 0x22, 0x33, 0x44, 0x55};
/* TRAIL_R slice, first in picture */
static const uint8_t trail[] = {NH(1), 0x80 | 0x01, 0x99};
/* TRAIL_R slice, not the first in the picture */
static const uint8_t trail2[] = {NH(1), 0x01, 0x98};

static size_t annexb(uint8_t *out, const uint8_t *const *nals, const size_t *lens, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(out + k, "\0\0\0\1", 4);
        memcpy(out + k + 4, nals[i], lens[i]);
        k += 4 + lens[i];
    }
    return k;
}

static size_t ap(uint8_t *out, const uint8_t *const *nals, const size_t *lens, size_t n)
{
    out[0] = 48 << 1;
    out[1] = 1;
    size_t k = 2;
    for (size_t i = 0; i < n; i++) {
        out[k] = (uint8_t)(lens[i] >> 8);
        out[k + 1] = (uint8_t)lens[i];
        memcpy(out + k + 2, nals[i], lens[i]);
        k += 2 + lens[i];
    }
    return k;
}

/* FU of nal bytes [from, to) */
static size_t fu(uint8_t *out, const uint8_t *nal, size_t nal_len, size_t from, size_t to)
{
    out[0] = 49 << 1;
    out[1] = nal[1];
    unsigned t = (nal[0] >> 1) & 0x3f;
    out[2] = (uint8_t)(t | (from == 2 ? 0x80 : 0) | (to == nal_len ? 0x40 : 0));
    memcpy(out + 3, nal + from, to - from);
    return 3 + to - from;
}

static void test_ap_and_fu(void **state)
{
    struct h265_depay d;
    h265_depay_init(&d, 0);
    uint8_t p[256], want[256];
    struct rtp_au au;
    const uint8_t *ps[] = {vps, sps, pps};
    size_t pl[] = {sizeof vps, sizeof sps, sizeof pps};
    size_t n = ap(p, ps, pl, 3);
    assert_int_equal(h265_depay_push(&d, 10, 9000, false, p, n, &au), 0);
    n = fu(p, idr, sizeof idr, 2, 5);
    assert_int_equal(h265_depay_push(&d, 11, 9000, false, p, n, &au), 0);
    n = fu(p, idr, sizeof idr, 5, sizeof idr);
    assert_int_equal(h265_depay_push(&d, 12, 9000, true, p, n, &au), 1);
    const uint8_t *all[] = {vps, sps, pps, idr};
    size_t al[] = {sizeof vps, sizeof sps, sizeof pps, sizeof idr};
    size_t wn = annexb(want, all, al, 4);
    assert_int_equal(au.len, wn);
    assert_memory_equal(au.data, want, wn);
    assert_true(au.key);
    assert_int_equal(au.rtp_ts, 9000);
    /* a single NAL unit packet: not key */
    assert_int_equal(h265_depay_push(&d, 13, 12000, true, trail, sizeof trail, &au), 1);
    const uint8_t *one[] = {trail};
    size_t ol[] = {sizeof trail};
    wn = annexb(want, one, ol, 1);
    assert_memory_equal(au.data, want, wn);
    assert_false(au.key);
    assert_int_equal(d.dropped_aus, 0);
    h265_depay_free(&d);
}

static void test_loss_drops_au(void **state)
{
    struct h265_depay d;
    h265_depay_init(&d, 0);
    uint8_t p[256];
    struct rtp_au au;
    /* a whole AU first */
    assert_int_equal(h265_depay_push(&d, 1, 100, true, trail, sizeof trail, &au), 1);
    /* FU start, then its end is lost: the next packet has a gap */
    size_t n = fu(p, idr, sizeof idr, 2, 5);
    assert_int_equal(h265_depay_push(&d, 2, 200, false, p, n, &au), 0);
    /* seq 3 lost; seq 4 continues the same picture with a non-first slice */
    assert_int_equal(h265_depay_push(&d, 4, 200, true, trail2, sizeof trail2, &au), 0);
    assert_int_equal(d.dropped_aus, 1);
    /* a packet after a gap that does not start an AU is not trusted */
    assert_int_equal(h265_depay_push(&d, 6, 300, true, trail2, sizeof trail2, &au), 0);
    assert_int_equal(d.dropped_aus, 2);
    /* the next AU start is clean again */
    assert_int_equal(h265_depay_push(&d, 7, 400, true, trail, sizeof trail, &au), 1);
    assert_int_equal(au.rtp_ts, 400);
    h265_depay_free(&d);
}

static void test_join_mid_au_and_duplicates(void **state)
{
    struct h265_depay d;
    h265_depay_init(&d, 0);
    uint8_t p[256];
    struct rtp_au au;
    /* joining with an FU continuation: dropped */
    size_t n = fu(p, idr, sizeof idr, 5, sizeof idr);
    assert_int_equal(h265_depay_push(&d, 50, 100, true, p, n, &au), 0);
    assert_int_equal(h265_depay_push(&d, 51, 200, true, trail, sizeof trail, &au), 1);
    /* duplicate and late packets are ignored */
    assert_int_equal(h265_depay_push(&d, 51, 200, true, trail, sizeof trail, &au), 0);
    assert_int_equal(h265_depay_push(&d, 40, 200, true, trail, sizeof trail, &au), 0);
    assert_int_equal(h265_depay_push(&d, 52, 300, true, trail, sizeof trail, &au), 1);
    h265_depay_free(&d);
}

static void test_malformed(void **state)
{
    struct h265_depay d;
    h265_depay_init(&d, 0);
    struct rtp_au au;
    uint16_t seq = 1;
    static const uint8_t bad[][6] = {
        {0x80 | (1 << 1), 1, 0x80},     /* forbidden bit */
        {48 << 1, 1, 0, 9, 0x02, 0x01}, /* AP NAL longer than the packet */
        {49 << 1, 1, 0x80 | 48, 1},     /* FU of an AP */
        {50 << 1, 1, 0, 0},             /* PACI */
        {48 << 1, 1, 0, 1, 0x02, 0},    /* AP holding a 1-byte NAL */
    };
    static const size_t lens[] = {3, 6, 4, 4, 6};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        /* a clean AU start first, so the bad packet is parsed */
        assert_int_equal(
            h265_depay_push(&d, seq++, 1000 * (uint32_t)i, false, trail, sizeof trail, &au), 0);
        assert_int_equal(h265_depay_push(&d, seq++, 1000 * (uint32_t)i, true, bad[i], lens[i], &au),
                         -EPROTO);
    }
    uint8_t one = 2; /* shorter than a NAL header */
    assert_int_equal(h265_depay_push(&d, seq++, 99999, true, &one, 1, &au), -EPROTO);
    assert_int_equal(d.dropped_aus, sizeof lens / sizeof lens[0] + 1);
    h265_depay_free(&d);
}

static void test_size_cap(void **state)
{
    struct h265_depay d;
    h265_depay_init(&d, 64);
    uint8_t big[100];
    memset(big, 0x55, sizeof big);
    big[0] = 1 << 1;
    big[1] = 1;
    big[2] = 0x80;
    struct rtp_au au;
    assert_int_equal(h265_depay_push(&d, 1, 10, true, big, sizeof big, &au), -EPROTO);
    assert_int_equal(h265_depay_push(&d, 2, 20, true, trail, sizeof trail, &au), 1);
    h265_depay_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ap_and_fu),
        cmocka_unit_test(test_loss_drops_au),
        cmocka_unit_test(test_join_mid_au_and_duplicates),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_size_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
