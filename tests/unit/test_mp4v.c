/* MPEG-4 Part 2 (RFC 6416), G.711 (RFC 3551) and Opus (RFC 7587)
 * depacketizers: frames out, loss, duplicates, malformed payloads. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rtp/g711.h"
#include "rtp/mp4v.h"
#include "rtp/opus.h"

/* VOL header + I-VOP (vop_coding_type 00) */
static const uint8_t ivop[] = {0, 0, 1, 0x20, 0x08, 0xc8, 0x0d, 0, 0, 1, 0xb6, 0x10, 0x60, 0x51};
/* P-VOP (vop_coding_type 01) */
static const uint8_t pvop[] = {0, 0, 1, 0xb6, 0x50, 0x60, 0x51, 0x82, 0x33};

static void test_mp4v_frames(void **state)
{
    struct mp4v_depay d;
    mp4v_depay_init(&d, 0);
    struct rtp_au au;
    /* an I frame in two packets */
    assert_int_equal(mp4v_depay_push(&d, 1, 100, false, ivop, 8, &au), 0);
    assert_int_equal(mp4v_depay_push(&d, 2, 100, true, ivop + 8, sizeof ivop - 8, &au), 1);
    assert_int_equal(au.len, sizeof ivop);
    assert_memory_equal(au.data, ivop, sizeof ivop);
    assert_true(au.key);
    assert_int_equal(au.rtp_ts, 100);
    assert_int_equal(mp4v_depay_push(&d, 3, 200, true, pvop, sizeof pvop, &au), 1);
    assert_false(au.key);
    /* duplicate */
    assert_int_equal(mp4v_depay_push(&d, 3, 200, true, pvop, sizeof pvop, &au), 0);
    /* a frame with its second packet lost is dropped */
    assert_int_equal(mp4v_depay_push(&d, 4, 300, false, ivop, 8, &au), 0);
    assert_int_equal(mp4v_depay_push(&d, 6, 300, true, ivop + 8, sizeof ivop - 8, &au), 0);
    assert_int_equal(d.dropped, 1);
    /* after a gap, a packet that does not begin with a start code is not trusted */
    assert_int_equal(mp4v_depay_push(&d, 8, 400, true, ivop + 8, sizeof ivop - 8, &au), 0);
    assert_int_equal(d.dropped, 2);
    assert_int_equal(mp4v_depay_push(&d, 9, 500, true, pvop, sizeof pvop, &au), 1);
    /* a frame without a marker ends at the next timestamp */
    assert_int_equal(mp4v_depay_push(&d, 10, 600, false, pvop, sizeof pvop, &au), 0);
    assert_int_equal(mp4v_depay_push(&d, 11, 700, true, ivop, sizeof ivop, &au), 1);
    assert_int_equal(au.rtp_ts, 600);
    assert_int_equal(mp4v_depay_push(&d, 12, 800, true, pvop, sizeof pvop, &au), 1);
    assert_int_equal(au.rtp_ts, 700);
    assert_true(au.key);
    /* the frame of seq 12 comes out with the next call, even an empty one */
    assert_int_equal(mp4v_depay_push(&d, 13, 900, true, pvop, 0, &au), 1);
    assert_int_equal(au.rtp_ts, 800);
    assert_int_equal(mp4v_depay_push(&d, 14, 1000, true, pvop, 0, &au), -EPROTO);
    mp4v_depay_free(&d);
}

static void test_mp4v_cap(void **state)
{
    struct mp4v_depay d;
    mp4v_depay_init(&d, 10);
    struct rtp_au au;
    assert_int_equal(mp4v_depay_push(&d, 1, 100, false, ivop, 8, &au), 0);
    assert_int_equal(mp4v_depay_push(&d, 2, 100, true, ivop + 8, sizeof ivop - 8, &au), 0);
    assert_int_equal(d.dropped, 1);
    mp4v_depay_free(&d);
}

static void test_g711(void **state)
{
    struct g711_depay d;
    g711_depay_init(&d);
    uint8_t pcm[160];
    memset(pcm, 0xd5, sizeof pcm);
    struct rtp_au au;
    assert_int_equal(g711_depay_push(&d, 1, 0, pcm, sizeof pcm, &au), 1);
    assert_ptr_equal(au.data, pcm);
    assert_int_equal(au.len, 160);
    assert_int_equal(au.rtp_ts, 0);
    assert_int_equal(g711_depay_push(&d, 1, 0, pcm, sizeof pcm, &au), 0); /* duplicate */
    assert_int_equal(g711_depay_push(&d, 4, 480, pcm, sizeof pcm, &au), 1);
    assert_int_equal(d.lost, 2);
    assert_int_equal(au.rtp_ts, 480);
    assert_int_equal(g711_depay_push(&d, 5, 640, pcm, 0, &au), -EPROTO);
}

static void test_opus(void **state)
{
    struct opus_depay d;
    opus_depay_init(&d);
    struct rtp_au au;
    static const uint8_t one[] = {0x78, 0x01, 0x02};      /* code 0 */
    static const uint8_t multi[] = {0x7b, 0x03, 1, 2, 3}; /* code 3, 3 frames */
    static const uint8_t bad3[] = {0x7b};                 /* code 3 without count */
    static const uint8_t zero3[] = {0x7b, 0x00};          /* code 3, 0 frames */
    assert_int_equal(opus_depay_push(&d, 10, 960, one, sizeof one, &au), 1);
    assert_int_equal(au.len, sizeof one);
    assert_int_equal(opus_depay_push(&d, 11, 1920, multi, sizeof multi, &au), 1);
    assert_int_equal(opus_depay_push(&d, 12, 2880, bad3, sizeof bad3, &au), -EPROTO);
    assert_int_equal(opus_depay_push(&d, 13, 3840, zero3, sizeof zero3, &au), -EPROTO);
    assert_int_equal(opus_depay_push(&d, 14, 4800, one, 0, &au), -EPROTO);
    assert_int_equal(opus_depay_push(&d, 9, 0, one, sizeof one, &au), 0); /* late */
    assert_int_equal(d.lost, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mp4v_frames),
        cmocka_unit_test(test_mp4v_cap),
        cmocka_unit_test(test_g711),
        cmocka_unit_test(test_opus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
