/* MJPEG over RTP (RFC 2435) depacketizer: whole JPEG images with generated
 * headers (Q tables, in-band tables, restart markers), fragments by offset,
 * loss, malformed headers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rtp/mjpeg.h"

/* One RTP/JPEG payload: main header, optional restart header, optional
 * quantization table header, data. */
static size_t pkt(uint8_t *out, uint32_t off, uint8_t type, uint8_t q, unsigned w, unsigned h,
                  unsigned dri, const uint8_t *qt, size_t qlen, bool with_qt, const uint8_t *data,
                  size_t n)
{
    size_t k = 0;
    out[k++] = 0;
    out[k++] = (uint8_t)(off >> 16);
    out[k++] = (uint8_t)(off >> 8);
    out[k++] = (uint8_t)off;
    out[k++] = type;
    out[k++] = q;
    out[k++] = (uint8_t)(w / 8);
    out[k++] = (uint8_t)(h / 8);
    if (type & 0x40) {
        out[k++] = (uint8_t)(dri >> 8);
        out[k++] = (uint8_t)dri;
        out[k++] = 0xff;
        out[k++] = 0xff;
    }
    if (with_qt) {
        out[k++] = 0;
        out[k++] = 0;
        out[k++] = (uint8_t)(qlen >> 8);
        out[k++] = (uint8_t)qlen;
        if (qlen)
            memcpy(out + k, qt, qlen);
        k += qlen;
    }
    if (n)
        memcpy(out + k, data, n);
    return k + n;
}

/* Offset of marker m (0xff m) in a JPEG, or -1. */
static long find_marker(const uint8_t *p, size_t n, uint8_t m)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (p[i] == 0xff && p[i + 1] == m)
            return (long)i;
    return -1;
}

static uint8_t scan[3000];

static void test_frame_q_tables(void **state)
{
    struct mjpeg_depay d;
    mjpeg_depay_init(&d, 0);
    uint8_t p[2048];
    struct rtp_au au;
    size_t n = pkt(p, 0, 1, 50, 320, 240, 0, NULL, 0, false, scan, 1000);
    assert_int_equal(mjpeg_depay_push(&d, 1, 3000, false, p, n, &au), 0);
    n = pkt(p, 1000, 1, 50, 320, 240, 0, NULL, 0, false, scan + 1000, 1000);
    assert_int_equal(mjpeg_depay_push(&d, 2, 3000, false, p, n, &au), 0);
    n = pkt(p, 2000, 1, 50, 320, 240, 0, NULL, 0, false, scan + 2000, 1000);
    assert_int_equal(mjpeg_depay_push(&d, 3, 3000, true, p, n, &au), 1);
    assert_true(au.key);
    assert_int_equal(au.rtp_ts, 3000);
    assert_int_equal(au.data[0], 0xff);
    assert_int_equal(au.data[1], 0xd8);
    assert_int_equal(au.data[au.len - 2], 0xff);
    assert_int_equal(au.data[au.len - 1], 0xd9);
    /* Q 50 is the base tables of RFC 2435 */
    long dqt = find_marker(au.data, au.len, 0xdb);
    assert_true(dqt > 0);
    assert_int_equal(au.data[dqt + 4], 0); /* table 0 */
    assert_int_equal(au.data[dqt + 5], 16);
    assert_int_equal(au.data[dqt + 6], 11);
    uint8_t t[128];
    mjpeg_make_tables(50, t);
    assert_memory_equal(au.data + dqt + 5, t, 64);
    assert_memory_equal(au.data + dqt + 5 + 64 + 5, t + 64, 64);
    long sof = find_marker(au.data, au.len, 0xc0);
    assert_true(sof > 0);
    assert_int_equal(au.data[sof + 5] << 8 | au.data[sof + 6], 240);
    assert_int_equal(au.data[sof + 7] << 8 | au.data[sof + 8], 320);
    assert_int_equal(au.data[sof + 11], 0x22); /* type 1: 4:2:0 */
    assert_true(find_marker(au.data, au.len, 0xc4) > sof);
    assert_int_equal(find_marker(au.data, au.len, 0xdd), -1); /* no restart interval */
    long sos = find_marker(au.data, au.len, 0xda);
    assert_true(sos > 0);
    assert_int_equal((size_t)sos + 14 + sizeof scan + 2, au.len);
    assert_memory_equal(au.data + sos + 14, scan, sizeof scan);
    /* Q 10 gives coarser tables, clamped to 255 */
    mjpeg_make_tables(10, t);
    assert_int_equal(t[0], 80);
    assert_int_equal(t[127], 255);
    mjpeg_depay_free(&d);
}

static void test_inband_tables_and_restart(void **state)
{
    struct mjpeg_depay d;
    mjpeg_depay_init(&d, 0);
    uint8_t p[2048], qt[128];
    for (int i = 0; i < 128; i++)
        qt[i] = (uint8_t)(i + 1);
    struct rtp_au au;
    size_t n = pkt(p, 0, 64, 255, 64, 48, 4, qt, 128, true, scan, 500);
    assert_int_equal(mjpeg_depay_push(&d, 7, 100, true, p, n, &au), 1);
    long dqt = find_marker(au.data, au.len, 0xdb);
    assert_memory_equal(au.data + dqt + 5, qt, 64);
    assert_memory_equal(au.data + dqt + 5 + 69, qt + 64, 64);
    long dri = find_marker(au.data, au.len, 0xdd);
    assert_true(dri > 0);
    assert_int_equal(au.data[dri + 4] << 8 | au.data[dri + 5], 4);
    long sof = find_marker(au.data, au.len, 0xc0);
    assert_int_equal(au.data[sof + 11], 0x21); /* type 0 (64): 4:2:2 */
    /* the next frame may leave the tables out (length 0): the last ones are used */
    n = pkt(p, 0, 64, 255, 64, 48, 4, NULL, 0, true, scan, 500);
    assert_int_equal(mjpeg_depay_push(&d, 8, 200, true, p, n, &au), 1);
    dqt = find_marker(au.data, au.len, 0xdb);
    assert_memory_equal(au.data + dqt + 5, qt, 64);
    /* a frame with another Q >= 128 and no tables cannot be built */
    n = pkt(p, 0, 64, 200, 64, 48, 4, NULL, 0, true, scan, 500);
    assert_int_equal(mjpeg_depay_push(&d, 9, 300, true, p, n, &au), -EPROTO);
    mjpeg_depay_free(&d);
}

static void test_loss(void **state)
{
    struct mjpeg_depay d;
    mjpeg_depay_init(&d, 0);
    uint8_t p[2048];
    struct rtp_au au;
    size_t n = pkt(p, 0, 1, 80, 64, 64, 0, NULL, 0, false, scan, 1000);
    assert_int_equal(mjpeg_depay_push(&d, 1, 3000, false, p, n, &au), 0);
    /* seq 2 (offset 1000) lost */
    n = pkt(p, 2000, 1, 80, 64, 64, 0, NULL, 0, false, scan + 2000, 1000);
    assert_int_equal(mjpeg_depay_push(&d, 3, 3000, true, p, n, &au), 0);
    assert_int_equal(d.dropped, 1);
    /* joining mid-frame: nothing until an offset 0 */
    n = pkt(p, 1000, 1, 80, 64, 64, 0, NULL, 0, false, scan + 1000, 1000);
    assert_int_equal(mjpeg_depay_push(&d, 4, 6000, true, p, n, &au), 0);
    /* a frame whose marker packet was lost is dropped when the next begins */
    n = pkt(p, 0, 1, 80, 64, 64, 0, NULL, 0, false, scan, 1000);
    assert_int_equal(mjpeg_depay_push(&d, 5, 9000, false, p, n, &au), 0);
    n = pkt(p, 0, 1, 80, 64, 64, 0, NULL, 0, false, scan, 1000);
    assert_int_equal(mjpeg_depay_push(&d, 7, 12000, true, p, n, &au), 1);
    assert_int_equal(au.rtp_ts, 12000);
    assert_int_equal(d.dropped, 2);
    /* duplicates are ignored */
    assert_int_equal(mjpeg_depay_push(&d, 7, 12000, true, p, n, &au), 0);
    mjpeg_depay_free(&d);
}

static void test_malformed(void **state)
{
    struct mjpeg_depay d;
    mjpeg_depay_init(&d, 0);
    uint8_t p[2048];
    struct rtp_au au;
    uint16_t seq = 1;
    assert_int_equal(mjpeg_depay_push(&d, seq++, 1, true, p, 7, &au), -EPROTO); /* short */
    size_t n = pkt(p, 0, 2, 50, 64, 64, 0, NULL, 0, false, scan, 10);           /* type 2 */
    assert_int_equal(mjpeg_depay_push(&d, seq++, 2, true, p, n, &au), -EPROTO);
    n = pkt(p, 0, 1, 50, 0, 64, 0, NULL, 0, false, scan, 10); /* width 0 */
    assert_int_equal(mjpeg_depay_push(&d, seq++, 3, true, p, n, &au), -EPROTO);
    n = pkt(p, 0, 1, 110, 64, 64, 0, NULL, 0, false, scan, 10); /* reserved Q */
    assert_int_equal(mjpeg_depay_push(&d, seq++, 4, true, p, n, &au), -EPROTO);
    n = pkt(p, 0, 1, 130, 64, 64, 0, scan, 100, true, scan, 10); /* table length 100 */
    assert_int_equal(mjpeg_depay_push(&d, seq++, 5, true, p, n, &au), -EPROTO);
    n = pkt(p, 0, 1, 130, 64, 64, 0, scan, 128, true, scan, 0);
    /* cut after 4 table bytes: the table length is over the packet */
    assert_int_equal(mjpeg_depay_push(&d, seq++, 6, true, p, 16, &au), -EPROTO);
    n = pkt(p, 0, 1, 50, 64, 64, 0, NULL, 0, false, scan, 10);
    assert_int_equal(mjpeg_depay_push(&d, seq++, 7, true, p, n, &au), 1);
    mjpeg_depay_free(&d);
}

static void test_size_cap(void **state)
{
    struct mjpeg_depay d;
    mjpeg_depay_init(&d, 1500);
    uint8_t p[2048];
    struct rtp_au au;
    size_t n = pkt(p, 0, 1, 50, 64, 64, 0, NULL, 0, false, scan, 1000);
    assert_int_equal(mjpeg_depay_push(&d, 1, 10, false, p, n, &au), 0);
    n = pkt(p, 1000, 1, 50, 64, 64, 0, NULL, 0, false, scan, 1000);
    assert_int_equal(mjpeg_depay_push(&d, 2, 10, true, p, n, &au), 0);
    assert_int_equal(d.dropped, 1);
    mjpeg_depay_free(&d);
}

int main(void)
{
    for (size_t i = 0; i < sizeof scan; i++)
        scan[i] = (uint8_t)(i * 7 % 0xfe); /* no 0xff: no accidental markers */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_q_tables), cmocka_unit_test(test_inband_tables_and_restart),
        cmocka_unit_test(test_loss),           cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_size_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
