/* Hub: ring bounds, keyframe starts, slow-subscriber skips, wakeups and
 * sequence/timestamp continuity across upstream restarts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/sv.h"
#include "hub/stream.h"
#include "rtp/rtp.h"

static struct pkt *mk(uint8_t track, uint16_t seq, uint32_t ts, uint32_t ssrc, size_t payload,
                      bool key)
{
    struct pkt *p = pkt_new(RTP_HEADER_LEN + payload);
    rtp_write_header(p->data, false, 96, seq, ts, ssrc);
    memset(p->data + RTP_HEADER_LEN, 0xAB, payload);
    p->track = track;
    p->flags = key ? (PKT_F_KEY | PKT_F_AU_START) : 0;
    return p;
}

static struct hub_stream *mkstream(size_t ring)
{
    struct hub_stream *s = hub_stream_new("t", ring, 1234);
    struct hub_track_info ti[2];
    memset(ti, 0, sizeof ti);
    str_copy(ti[0].media, sizeof ti[0].media, "video");
    ti[0].clock_rate = 90000;
    ti[0].is_video_key_track = true;
    str_copy(ti[1].media, sizeof ti[1].media, "audio");
    ti[1].clock_rate = 48000;
    assert_int_equal(hub_stream_set_tracks(s, ti, 2), 0);
    return s;
}

static int wakes;
static void on_wake(struct hub_sub *s)
{
    (void)s;
    wakes++;
}
static const struct hub_sub_ops ops = {.wake = on_wake};

static void test_start_at_keyframe(void **st)
{
    (void)st;
    struct hub_stream *s = mkstream(0);
    hub_stream_publish(s, mk(0, 1, 0, 7, 100, false), 1);
    hub_stream_publish(s, mk(0, 2, 3000, 7, 100, true), 2); /* pos 1 */
    hub_stream_publish(s, mk(1, 50, 0, 8, 50, false), 3);
    hub_stream_publish(s, mk(0, 3, 6000, 7, 100, false), 4);
    assert_true(hub_stream_ready(s));
    struct hub_sub a, b;
    hub_sub_attach(s, &a, &ops, NULL, false);
    hub_sub_attach(s, &b, &ops, NULL, true);
    struct pkt *p[8];
    size_t n = hub_sub_peek_many(&a, p, 8);
    assert_int_equal(n, 3);
    assert_int_equal(rtp_seq_of(p[0]->data), 2);
    assert_true(p[0]->flags & PKT_F_KEY);
    assert_int_equal(p[1]->track, 1);
    assert_int_equal(hub_sub_peek_many(&b, p, 8), 0); /* live edge */
    /* RTP-Info: first packet of each track from the cursor */
    uint16_t seq;
    uint32_t ts;
    assert_true(hub_sub_rtp_info(&a, 0, 5, &seq, &ts));
    assert_int_equal(seq, 2);
    assert_int_equal(ts, 3000);
    assert_true(hub_sub_rtp_info(&a, 1, 5, &seq, &ts));
    assert_int_equal(seq, 50);
    /* at the live edge nothing is known yet: an estimate, said to be one */
    assert_false(hub_sub_rtp_info(&b, 0, 5, &seq, &ts));
    /* SSRC rewritten to the stream's, per track */
    hub_sub_peek_many(&a, p, 8);
    uint32_t ss0 = (uint32_t)p[0]->data[8] << 24 | (uint32_t)p[0]->data[9] << 16 |
                   (uint32_t)p[0]->data[10] << 8 | p[0]->data[11];
    assert_int_equal(ss0, hub_stream_ssrc(s, 0));
    assert_int_not_equal(hub_stream_ssrc(s, 0), hub_stream_ssrc(s, 1));
    hub_sub_detach(&a);
    hub_sub_detach(&b);
    hub_stream_free(s);
}

static void test_wake_once_per_cycle(void **st)
{
    (void)st;
    struct hub_stream *s = mkstream(0);
    struct hub_sub a;
    hub_sub_attach(s, &a, &ops, NULL, true);
    wakes = 0;
    assert_true(hub_sub_wait(&a));
    hub_stream_publish(s, mk(1, 1, 0, 7, 10, false), 1); /* audio: wakes at once */
    hub_stream_publish(s, mk(1, 2, 0, 7, 10, false), 1);
    assert_int_equal(wakes, 1);     /* not re-armed until it waits again */
    assert_false(hub_sub_wait(&a)); /* packets pending */
    struct pkt *p[4];
    assert_int_equal(hub_sub_peek_many(&a, p, 4), 2);
    hub_sub_advance(&a, 2);
    assert_true(hub_sub_wait(&a));
    hub_sub_detach(&a); /* detaching a waiting sub unlinks it */
    hub_stream_publish(s, mk(1, 3, 0, 7, 10, false), 1);
    assert_int_equal(wakes, 1);
    hub_stream_free(s);
}

static struct pkt *marked(struct pkt *p)
{
    p->data[1] |= 0x80;
    return p;
}

/* Video wakes a waiting viewer once per frame: at the marker bit, at a new
 * timestamp (the marker packet was lost), or after HUB_WAKE_BATCH packets. */
static void test_wake_per_frame(void **st)
{
    (void)st;
    struct hub_stream *s = mkstream(0);
    struct hub_sub a;
    hub_sub_attach(s, &a, &ops, NULL, true);
    struct pkt *p[HUB_WAKE_BATCH + 8];
    wakes = 0;
    assert_true(hub_sub_wait(&a));
    hub_stream_publish(s, mk(0, 1, 3000, 7, 10, true), 1);
    hub_stream_publish(s, mk(0, 2, 3000, 7, 10, false), 1);
    assert_int_equal(wakes, 0); /* mid-frame */
    hub_stream_publish(s, marked(mk(0, 3, 3000, 7, 10, false)), 1);
    assert_int_equal(wakes, 1);
    assert_int_equal(hub_sub_peek_many(&a, p, 8), 3); /* the whole frame at once */
    hub_sub_advance(&a, 3);
    /* frame 2 loses its marker packet: frame 3's first packet wakes */
    assert_true(hub_sub_wait(&a));
    hub_stream_publish(s, mk(0, 4, 6000, 7, 10, false), 1);
    hub_stream_publish(s, mk(0, 5, 6000, 7, 10, false), 1);
    assert_int_equal(wakes, 1);
    hub_stream_publish(s, mk(0, 7, 9000, 7, 10, false), 1);
    assert_int_equal(wakes, 2);
    assert_int_equal(hub_sub_peek_many(&a, p, 8), 3);
    hub_sub_advance(&a, 3);
    /* a source that never marks and keeps one timestamp: every HUB_WAKE_BATCH */
    assert_true(hub_sub_wait(&a));
    for (int i = 1; i < HUB_WAKE_BATCH; i++)
        hub_stream_publish(s, mk(0, (uint16_t)(7 + i), 9000, 7, 10, false), 1);
    assert_int_equal(wakes, 2);
    hub_stream_publish(s, mk(0, 7 + HUB_WAKE_BATCH, 9000, 7, 10, false), 1);
    assert_int_equal(wakes, 3);
    hub_sub_detach(&a);
    hub_stream_free(s);
}

static void test_ring_bound_and_skip(void **st)
{
    (void)st;
    struct hub_stream *s = mkstream(100 * 1024);
    struct hub_sub slow;
    hub_stream_publish(s, mk(0, 0, 0, 7, 1000, true), 1);
    hub_sub_attach(s, &slow, &ops, NULL, false);
    assert_int_equal(slow.pos, 0);
    uint16_t seq = 1;
    for (int gop = 0; gop < 5; gop++)
        for (int i = 0; i < 60; i++, seq++)
            hub_stream_publish(s, mk(0, seq, seq * 3000u, 7, 1000, i == 0), 1);
    struct hub_stats stt;
    hub_stream_stats(s, &stt);
    assert_true(stt.ring_bytes <= 100 * 1024);
    assert_true(stt.evicted_pkts > 0);
    /* the slow subscriber jumps to the newest keyframe */
    struct pkt *p = hub_sub_peek(&slow);
    assert_non_null(p);
    assert_true(p->flags & PKT_F_KEY);
    assert_int_equal(rtp_seq_of(p->data), 1 + 4 * 60);
    assert_int_equal(slow.skips, 1);
    hub_sub_detach(&slow);
    hub_stream_free(s);
}

static void test_lagging_subscriber_jumps(void **st)
{
    (void)st;
    struct hub_stream *s = mkstream(0); /* roomy ring: only the lag bound applies */
    struct hub_sub lag;
    hub_stream_publish(s, mk(0, 0, 0, 7, 100, true), 0);
    hub_sub_attach(s, &lag, &ops, NULL, false);
    uint16_t seq = 1;
    for (int sec = 0; sec < 10; sec++)
        for (int i = 0; i < 30; i++, seq++)
            hub_stream_publish(s, mk(0, seq, seq * 3000u, 7, 100, i == 0),
                               (uint64_t)sec * 1000000u + (uint64_t)i * 33333u);
    struct pkt *p = hub_sub_peek(&lag);
    assert_non_null(p);
    assert_true(p->flags & PKT_F_KEY);
    assert_int_equal(rtp_seq_of(p->data), 1 + 9 * 30); /* newest keyframe */
    assert_int_equal(lag.skips, 1);
    /* within the bound: no jump */
    hub_stream_set_max_lag(s, 0);
    struct hub_sub ok;
    hub_sub_attach(s, &ok, &ops, NULL, false);
    ok.pos = 5;
    assert_int_equal(rtp_seq_of(hub_sub_peek(&ok)->data), 5);
    assert_int_equal(ok.skips, 0);
    hub_sub_detach(&ok);
    hub_sub_detach(&lag);
    hub_stream_free(s);
}

static void test_continuity_across_restart(void **st)
{
    (void)st;
    struct hub_stream *s = mkstream(0);
    struct hub_sub a;
    hub_sub_attach(s, &a, &ops, NULL, true);
    for (uint16_t i = 0; i < 10; i++)
        hub_stream_publish(s, mk(0, (uint16_t)(65530 + i), 1000u + i * 3000u, 7, 10, i == 0),
                           1000000u + i * 33333u);
    /* the camera comes back with a new SSRC, sequence and timestamp base, 2 s later */
    uint64_t t2 = 1000000u + 9 * 33333u + 2000000u;
    for (uint16_t i = 0; i < 5; i++)
        hub_stream_publish(s, mk(0, (uint16_t)(100 + i), 777777u + i * 3000u, 99, 10, i == 0),
                           t2 + i * 33333u);
    struct pkt *p[32];
    size_t n = hub_sub_peek_many(&a, p, 32);
    assert_int_equal(n, 15);
    for (size_t i = 1; i < n; i++)
        assert_int_equal((uint16_t)(rtp_seq_of(p[i - 1]->data) + 1), rtp_seq_of(p[i]->data));
    uint32_t before = rtp_ts_of(p[9]->data), after = rtp_ts_of(p[10]->data);
    /* about 2 s at 90 kHz later, never backwards */
    assert_true(after - before >= 179000u && after - before <= 181000u);
    /* an explicit reset behaves the same without an SSRC change */
    hub_stream_upstream_reset(s);
    hub_stream_publish(s, mk(0, 5, 5, 99, 10, true), t2 + 10 * 33333u);
    n = hub_sub_peek_many(&a, p, 32);
    assert_int_equal(n, 16);
    assert_int_equal((uint16_t)(rtp_seq_of(p[14]->data) + 1), rtp_seq_of(p[15]->data));
    hub_sub_detach(&a);
    hub_stream_free(s);
}

/* on-demand stop: clear drops packets, keyframes and tracks; refused while
 * someone watches; a new viewer after the next start gets only new packets */
static void test_clear(void **st)
{
    (void)st;
    struct hub_stream *s = mkstream(0);
    for (uint16_t i = 0; i < 5; i++)
        hub_stream_publish(s, mk(0, i, i * 3000u, 7, 10, i == 0), 1000000u + i * 33333u);
    struct hub_sub a;
    hub_sub_attach(s, &a, &ops, NULL, false);
    assert_int_equal(hub_stream_clear(s), -EBUSY);
    hub_sub_detach(&a);
    assert_true(hub_stream_ready(s));
    assert_int_equal(hub_stream_clear(s), 0);
    assert_false(hub_stream_ready(s));
    assert_int_equal(hub_stream_n_tracks(s), 0);
    struct hub_stats hs;
    hub_stream_stats(s, &hs);
    assert_int_equal(hs.ring_pkts, 0);
    assert_int_equal(hs.ring_bytes, 0);
    /* the next upstream */
    struct hub_track_info ti;
    memset(&ti, 0, sizeof ti);
    str_copy(ti.media, sizeof ti.media, "video");
    ti.clock_rate = 90000;
    ti.is_video_key_track = true;
    assert_int_equal(hub_stream_set_tracks(s, &ti, 1), 0);
    hub_stream_publish(s, mk(0, 1000, 50000, 8, 10, false), 60000000u);
    hub_stream_publish(s, mk(0, 1001, 53000, 8, 10, true), 60033333u);
    hub_sub_attach(s, &a, &ops, NULL, false);
    struct pkt *p[8];
    size_t n = hub_sub_peek_many(&a, p, 8);
    assert_int_equal(n, 1); /* from the new keyframe; nothing old */
    assert_true(p[0]->flags & PKT_F_KEY);
    hub_sub_detach(&a);
    hub_stream_free(s);
}

static void test_rejects_bad_packets(void **st)
{
    (void)st;
    struct hub_stream *s = mkstream(0);
    struct pkt *tiny = pkt_new(4);
    tiny->track = 0;
    hub_stream_publish(s, tiny, 1);                      /* shorter than an RTP header */
    hub_stream_publish(s, mk(5, 1, 1, 1, 10, false), 1); /* no such track */
    struct hub_stats stt;
    hub_stream_stats(s, &stt);
    assert_int_equal(stt.published_pkts, 0);
    hub_stream_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_at_keyframe),
        cmocka_unit_test(test_wake_once_per_cycle),
        cmocka_unit_test(test_wake_per_frame),
        cmocka_unit_test(test_ring_bound_and_skip),
        cmocka_unit_test(test_lagging_subscriber_jumps),
        cmocka_unit_test(test_continuity_across_restart),
        cmocka_unit_test(test_rejects_bad_packets),
        cmocka_unit_test(test_clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
