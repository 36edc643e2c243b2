/* capture/: packet decoding, TCP reassembly, RTSP conversation analysis and
 * verdicts, from synthesised packets (no capture files, no sockets). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture/analyze.h"
#include "capture/decode.h"
#include "capture/tcp.h"
#include "rtp/rtcp.h"
#include "rtp/rtp.h"

/* ---- TCP reassembly ---- */

struct sink {
    char data[4096];
    size_t n;
    size_t gaps, gap_bytes;
};

static void sink_fn(void *ctx, const uint8_t *d, size_t len)
{
    struct sink *s = ctx;
    if (!d) {
        s->gaps++;
        s->gap_bytes += len;
        for (size_t i = 0; i < len && s->n < sizeof s->data; i++)
            s->data[s->n++] = '#';
        return;
    }
    assert_true(s->n + len <= sizeof s->data);
    memcpy(s->data + s->n, d, len);
    s->n += len;
}

static void seg(struct cap_tcp_dir *d, struct sink *s, uint32_t seq, uint8_t flags,
                const char *text)
{
    size_t n = strlen(text);
    cap_tcp_segment(d, seq, flags, (const uint8_t *)text, n, n, sink_fn, s);
}

static void test_tcp_in_order_and_syn(void **st)
{
    (void)st;
    struct cap_tcp_dir d;
    struct sink s = {0};
    cap_tcp_init(&d);
    seg(&d, &s, 999, CAP_TCP_SYN, "");
    seg(&d, &s, 1000, CAP_TCP_ACK, "hello ");
    seg(&d, &s, 1006, CAP_TCP_ACK | CAP_TCP_PSH, "world");
    seg(&d, &s, 1011, CAP_TCP_ACK, ""); /* pure ACK: ignored */
    seg(&d, &s, 1011, CAP_TCP_FIN | CAP_TCP_ACK, "");
    cap_tcp_flush(&d, sink_fn, &s);
    assert_int_equal(s.n, 11);
    assert_memory_equal(s.data, "hello world", 11);
    assert_true(d.syn && d.fin);
    assert_int_equal(d.gaps, 0);
    assert_int_equal(d.out_of_order, 0);
    cap_tcp_free(&d);
}

static void test_tcp_out_of_order(void **st)
{
    (void)st;
    struct cap_tcp_dir d;
    struct sink s = {0};
    cap_tcp_init(&d);
    seg(&d, &s, 99, CAP_TCP_SYN, "");
    seg(&d, &s, 100, 0, "AAAA");
    seg(&d, &s, 108, 0, "CCCC"); /* held */
    seg(&d, &s, 112, 0, "DDDD"); /* held */
    assert_int_equal(s.n, 4);
    seg(&d, &s, 104, 0, "BBBB"); /* fills the hole: B, C, D delivered */
    assert_int_equal(s.n, 16);
    assert_memory_equal(s.data, "AAAABBBBCCCCDDDD", 16);
    assert_int_equal(d.out_of_order, 2);
    assert_int_equal(d.held_count, 0);
    cap_tcp_free(&d);
}

static void test_tcp_retransmission(void **st)
{
    (void)st;
    struct cap_tcp_dir d;
    struct sink s = {0};
    cap_tcp_init(&d);
    seg(&d, &s, 0, 0, "0123456789");
    seg(&d, &s, 0, 0, "0123456789"); /* whole retransmission */
    seg(&d, &s, 5, 0, "56789abcde"); /* overlaps 5 old bytes */
    seg(&d, &s, 20, 0, "klmn");      /* held */
    seg(&d, &s, 20, 0, "klmn");      /* held twice: dropped */
    seg(&d, &s, 15, 0, "fghij");
    assert_int_equal(s.n, 24);
    assert_memory_equal(s.data, "0123456789abcdefghijklmn", 24);
    assert_int_equal(d.retrans_bytes, 10 + 5 + 4);
    cap_tcp_free(&d);
}

static void test_tcp_gap_and_mid_stream(void **st)
{
    (void)st;
    struct cap_tcp_dir d;
    struct sink s = {0};
    cap_tcp_init(&d);
    /* no SYN: the capture began mid-stream at seq 5000 */
    seg(&d, &s, 5000, CAP_TCP_ACK, "abc");
    seg(&d, &s, 5006, CAP_TCP_ACK, "ghi"); /* 5003..5005 never captured */
    seg(&d, &s, 5009, CAP_TCP_ACK, "jkl");
    seg(&d, &s, 4990, CAP_TCP_ACK, "old"); /* before the start: dropped */
    assert_int_equal(s.n, 3);
    cap_tcp_flush(&d, sink_fn, &s);
    assert_int_equal(s.gaps, 1);
    assert_int_equal(s.gap_bytes, 3);
    assert_int_equal(s.n, 12);
    assert_memory_equal(s.data, "abc###ghijkl", 12);
    /* a segment cut by the snap length: the missing tail is a gap */
    cap_tcp_segment(&d, 5012, 0, (const uint8_t *)"xy", 2, 5, sink_fn, &s);
    seg(&d, &s, 5017, 0, "z");
    assert_memory_equal(s.data + 12, "xy###z", 6);
    cap_tcp_free(&d);
}

static void test_tcp_seq_wrap(void **st)
{
    (void)st;
    struct cap_tcp_dir d;
    struct sink s = {0};
    cap_tcp_init(&d);
    seg(&d, &s, 0xfffffffcu, 0, "wxyz");
    seg(&d, &s, 4, 0, "EF"); /* held across the wrap */
    seg(&d, &s, 0, 0, "ABCD");
    assert_int_equal(s.n, 10);
    assert_memory_equal(s.data, "wxyzABCDEF", 10);
    cap_tcp_free(&d);
}

/* ---- packet building ---- */

#define LT CAP_LINK_RAW_FILE

static size_t ip4(uint8_t *p, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
                  size_t l4len)
{
    memset(p, 0, 20);
    p[0] = 0x45;
    p[2] = (uint8_t)((20 + l4len) >> 8);
    p[3] = (uint8_t)(20 + l4len);
    p[8] = 64;
    p[9] = proto;
    memcpy(p + 12, src, 4);
    memcpy(p + 16, dst, 4);
    return 20;
}

static size_t tcp_pkt(uint8_t *out, const uint8_t src[4], uint16_t sp, const uint8_t dst[4],
                      uint16_t dp, uint32_t seq, uint8_t flags, const void *data, size_t n)
{
    size_t o = ip4(out, src, dst, 6, 20 + n);
    uint8_t *t = out + o;
    memset(t, 0, 20);
    t[0] = (uint8_t)(sp >> 8), t[1] = (uint8_t)sp;
    t[2] = (uint8_t)(dp >> 8), t[3] = (uint8_t)dp;
    t[4] = (uint8_t)(seq >> 24), t[5] = (uint8_t)(seq >> 16), t[6] = (uint8_t)(seq >> 8),
    t[7] = (uint8_t)seq;
    t[12] = 5 << 4;
    t[13] = flags;
    memcpy(t + 20, data, n);
    return o + 20 + n;
}

static size_t udp_pkt(uint8_t *out, const uint8_t src[4], uint16_t sp, const uint8_t dst[4],
                      uint16_t dp, const void *data, size_t n)
{
    size_t o = ip4(out, src, dst, 17, 8 + n);
    uint8_t *u = out + o;
    u[0] = (uint8_t)(sp >> 8), u[1] = (uint8_t)sp;
    u[2] = (uint8_t)(dp >> 8), u[3] = (uint8_t)dp;
    u[4] = (uint8_t)((8 + n) >> 8), u[5] = (uint8_t)(8 + n);
    u[6] = u[7] = 0;
    memcpy(u + 8, data, n);
    return o + 8 + n;
}

static const uint8_t CLI[4] = {192, 168, 1, 10}, SRV[4] = {203, 0, 113, 5};
#define CPORT 40000
#define SPORT 8554

/* A TCP connection fed to an analysis; each side's sequence kept. */
struct conn {
    struct cap_analysis *a;
    uint32_t cseq_c, cseq_s;
    uint64_t t;
    uint16_t cport, sport;
};

static void conn_open(struct conn *c, struct cap_analysis *a, uint16_t cport, bool handshake)
{
    uint8_t pkt[256];
    c->a = a;
    c->cseq_c = 1000;
    c->cseq_s = 50000;
    c->t = 1700000000000000ull;
    c->cport = cport;
    c->sport = SPORT;
    if (!handshake)
        return;
    size_t n = tcp_pkt(pkt, CLI, cport, SRV, SPORT, c->cseq_c++, CAP_TCP_SYN, "", 0);
    cap_analysis_packet(a, c->t, pkt, n, n);
    n = tcp_pkt(pkt, SRV, SPORT, CLI, cport, c->cseq_s++, CAP_TCP_SYN | CAP_TCP_ACK, "", 0);
    cap_analysis_packet(a, c->t, pkt, n, n);
}

static void conn_send(struct conn *c, bool from_client, const void *data, size_t n)
{
    uint8_t pkt[4096];
    assert_true(n + 40 <= sizeof pkt);
    size_t k = from_client
                   ? tcp_pkt(pkt, CLI, c->cport, SRV, c->sport, c->cseq_c, CAP_TCP_ACK, data, n)
                   : tcp_pkt(pkt, SRV, c->sport, CLI, c->cport, c->cseq_s, CAP_TCP_ACK, data, n);
    if (from_client)
        c->cseq_c += (uint32_t)n;
    else
        c->cseq_s += (uint32_t)n;
    c->t += 1000;
    cap_analysis_packet(c->a, c->t, pkt, k, k);
}

static void conn_text(struct conn *c, bool from_client, const char *text)
{
    conn_send(c, from_client, text, strlen(text));
}

static void udp_rtp(struct cap_analysis *a, uint64_t t, const uint8_t src[4], uint16_t sp,
                    const uint8_t dst[4], uint16_t dp, uint16_t seq, uint32_t ts)
{
    uint8_t rtp[172] = {0}, pkt[256];
    rtp_write_header(rtp, false, 96, seq, ts, 0x1234);
    size_t n = udp_pkt(pkt, src, sp, dst, dp, rtp, sizeof rtp);
    cap_analysis_packet(a, t, pkt, n, n);
}

static const char *URL = "rtsp://203.0.113.5:8554/cam";

static void describe_ok(struct conn *c)
{
    char b[1024];
    snprintf(b, sizeof b, "OPTIONS %s RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: test\r\n\r\n", URL);
    conn_text(c, true, b);
    conn_text(c, false,
              "RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: cam/1\r\nPublic: OPTIONS, "
              "DESCRIBE, SETUP, PLAY\r\n\r\n");
    snprintf(b, sizeof b, "DESCRIBE %s RTSP/1.0\r\nCSeq: 2\r\n\r\n", URL);
    conn_text(c, true, b);
    static const char sdp[] = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=x\r\nt=0 0\r\n"
                              "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
                              "a=control:trackID=0\r\n";
    snprintf(b, sizeof b,
             "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Type: application/sdp\r\n"
             "Content-Length: %zu\r\n\r\n%s",
             strlen(sdp), sdp);
    conn_text(c, false, b);
}

static void test_decode_links(void **st)
{
    (void)st;
    uint8_t pkt[256], fr[300];
    size_t n = udp_pkt(pkt, CLI, 5000, SRV, 6000, "abcd", 4);
    struct cap_pkt p;
    /* Ethernet + two VLAN tags */
    memset(fr, 0, 14);
    fr[12] = 0x81, fr[13] = 0x00;
    fr[14] = 0, fr[15] = 5, fr[16] = 0x81, fr[17] = 0x00;
    fr[18] = 0, fr[19] = 6, fr[20] = 0x08, fr[21] = 0x00;
    memcpy(fr + 22, pkt, n);
    memset(fr + 22 + n, 0, 10); /* Ethernet padding after the IP datagram */
    assert_int_equal(cap_decode(CAP_LINK_ETHERNET, fr, 22 + n + 10, 22 + n + 10, &p), 0);
    assert_int_equal(p.proto, CAP_PROTO_UDP);
    assert_int_equal(p.sport, 5000);
    assert_int_equal(p.dport, 6000);
    assert_int_equal(p.payload_len, 4);
    assert_memory_equal(p.payload, "abcd", 4);
    /* Linux cooked v1 and v2 */
    memset(fr, 0, 20);
    fr[14] = 0x08;
    memcpy(fr + 16, pkt, n);
    assert_int_equal(cap_decode(CAP_LINK_SLL, fr, 16 + n, 16 + n, &p), 0);
    assert_int_equal(p.dport, 6000);
    memset(fr, 0, 20);
    fr[0] = 0x08;
    memcpy(fr + 20, pkt, n);
    assert_int_equal(cap_decode(CAP_LINK_SLL2, fr, 20 + n, 20 + n, &p), 0);
    assert_int_equal(p.dport, 6000);
    /* BSD null, host byte order (little endian AF_INET = 2) */
    fr[0] = 2, fr[1] = fr[2] = fr[3] = 0;
    memcpy(fr + 4, pkt, n);
    assert_int_equal(cap_decode(CAP_LINK_NULL, fr, 4 + n, 4 + n, &p), 0);
    assert_int_equal(p.sport, 5000);
    /* cut by the snap length: header complete, payload truncated */
    assert_int_equal(cap_decode(CAP_LINK_RAW_FILE, pkt, n - 2, n, &p), 0);
    assert_true(p.truncated);
    assert_int_equal(p.payload_len, 2);
    assert_int_equal(p.wire_len, 4);
    /* cut inside the UDP header: malformed; unknown link type */
    assert_int_equal(cap_decode(CAP_LINK_RAW_FILE, pkt, 24, n, &p), -EPROTO);
    assert_int_equal(cap_decode(147, pkt, n, n, &p), -EPROTONOSUPPORT);
    /* ARP on Ethernet: nothing to analyse */
    memset(fr, 0, 60);
    fr[12] = 0x08, fr[13] = 0x06;
    assert_int_equal(cap_decode(CAP_LINK_ETHERNET, fr, 60, 60, &p), -ENOENT);
    /* IPv6 with a hop-by-hop header, TCP */
    uint8_t v6[128] = {0};
    v6[0] = 0x60;
    v6[5] = 8 + 20;
    v6[6] = 0; /* hop-by-hop */
    v6[8] = 0x20, v6[9] = 0x01, v6[10] = 0x0d, v6[11] = 0xb8, v6[23] = 1;
    v6[24] = 0x20, v6[25] = 0x01, v6[26] = 0x0d, v6[27] = 0xb8, v6[39] = 2;
    v6[40] = 6; /* next: TCP */
    v6[48] = 0x12, v6[49] = 0x34, v6[50] = 0x22, v6[51] = 0x6a;
    v6[60] = 5 << 4;
    assert_int_equal(cap_decode(CAP_LINK_RAW, v6, 68, 68, &p), 0);
    assert_int_equal(p.proto, CAP_PROTO_TCP);
    assert_int_equal(p.dport, 8810);
    char s[64];
    cap_addr_str(&p.dst, s, sizeof s);
    assert_string_equal(s, "2001:db8::2");
    struct cap_addr x;
    assert_int_equal(cap_addr_parse("2001:db8::2", 11, &x), 0);
    assert_true(cap_addr_eq(&x, &p.dst));
    assert_int_equal(cap_addr_parse("239.1.2.3", 9, &x), 0);
    assert_true(cap_addr_is_multicast(&x));
    assert_int_equal(cap_addr_parse("1.2.3", 5, &x), -EPROTO);
    assert_int_equal(cap_addr_parse("1::2::3", 7, &x), -EPROTO);
}

static void test_sniff(void **st)
{
    (void)st;
    bool fc;
    const char *req = "SETUP rtsp://h/x RTSP/1.0\r\nCSeq: 3\r\n";
    assert_int_equal(cap_sniff_rtsp((const uint8_t *)req, strlen(req), &fc), 1);
    assert_true(fc);
    assert_int_equal(cap_sniff_rtsp((const uint8_t *)"RTSP/1.0 200", 12, &fc), 1);
    assert_false(fc);
    assert_int_equal(cap_sniff_rtsp((const uint8_t *)"SET", 3, &fc), -EAGAIN);
    const char *http = "GET /index.html HTTP/1.1\r\n";
    assert_int_equal(cap_sniff_rtsp((const uint8_t *)http, strlen(http), &fc), 0);
    /* mid-stream: the tail of a frame, then three whole frames */
    uint8_t b[64] = {0x11, 0x22, 0x33};
    size_t o = 3;
    for (int k = 0; k < 3; k++) {
        b[o] = '$', b[o + 1] = 0, b[o + 2] = 0, b[o + 3] = 12;
        o += 16;
    }
    assert_int_equal(cap_find_rtsp(b, o), 3);
    assert_int_equal(cap_find_rtsp((const uint8_t *)http, strlen(http)), -1);
}

/* The UDP-through-NAT failure: SETUP 200 with ports, PLAY 200, no RTP. */
static void test_udp_dropped(void **st)
{
    (void)st;
    struct cap_analysis *a = cap_analysis_new(LT);
    struct conn c;
    conn_open(&c, a, CPORT, true);
    describe_ok(&c);
    char b[512];
    snprintf(b, sizeof b,
             "SETUP %s/trackID=0 RTSP/1.0\r\nCSeq: 3\r\n"
             "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n",
             URL);
    conn_text(&c, true, b);
    conn_text(&c, false,
              "RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: 12345678\r\n"
              "Transport: RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971\r\n\r\n");
    snprintf(b, sizeof b, "PLAY %s RTSP/1.0\r\nCSeq: 4\r\nSession: 12345678\r\n\r\n", URL);
    conn_text(&c, true, b);
    conn_text(&c, false, "RTSP/1.0 200 OK\r\nCSeq: 4\r\nSession: 12345678\r\n\r\n");
    /* the client's punch packets go out; nothing comes back. 9.8 s later: */
    udp_rtp(a, c.t + 1000, CLI, 5000, SRV, 6970, 1, 0);
    c.t += 9800000;
    conn_text(&c, true, "TEARDOWN rtsp://203.0.113.5:8554/cam RTSP/1.0\r\nCSeq: 5\r\n\r\n");
    cap_analysis_finish(a);
    assert_int_equal(a->n_convs, 1);
    const struct cap_conv *v = a->convs[0];
    assert_true(v->saw_syn);
    assert_string_equal(v->url, URL);
    assert_string_equal(v->server_hdr, "cam/1");
    assert_int_equal(v->n_tracks, 1);
    assert_string_equal(v->tracks[0].codec, "H264");
    assert_int_equal(v->n_ex, 5);
    assert_int_equal(v->ex[2].method, RTSP_METHOD_SETUP);
    assert_int_equal(v->ex[2].status, 200);
    assert_int_equal(v->ex[2].resp_transport.server_port[0], 6970);
    assert_false(v->ex[4].answered);
    assert_int_equal(v->n_setups, 1);
    assert_true(v->setups[0].udp);
    assert_int_equal(v->setups[0].media.rx.packets, 0);
    assert_int_equal(v->setups[0].back.datagrams, 1);
    assert_false(v->delivered);
    assert_false(a->any_delivered);
    assert_non_null(strstr(v->verdict, "RTP/UDP: SETUP answered 200 with server_port 6970-6971, "
                                       "PLAY 200, 0 RTP packets to client port 5000 in 9.8 s"));
    assert_non_null(strstr(v->verdict, "a NAT or firewall drops the negotiated UDP ports"));
    assert_string_equal(v->advice, "Use TCP interleaved: ffmpeg -rtsp_transport tcp -i "
                                   "rtsp://203.0.113.5:8554/cam");
    cap_analysis_free(a);
}

/* The same with RTP arriving: at the client (ports as negotiated) and, for
 * the second track, with the client's address rewritten by NAT. */
static void test_udp_flows_and_nat(void **st)
{
    (void)st;
    struct cap_analysis *a = cap_analysis_new(LT);
    struct conn c;
    conn_open(&c, a, CPORT, true);
    conn_text(&c, true,
              "SETUP rtsp://203.0.113.5:8554/cam/trackID=0 RTSP/1.0\r\nCSeq: 3\r\n"
              "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n");
    conn_text(&c, false,
              "RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: 1\r\n"
              "Transport: RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971\r\n\r\n");
    conn_text(&c, true,
              "PLAY rtsp://203.0.113.5:8554/cam RTSP/1.0\r\nCSeq: 4\r\nSession: 1\r\n\r\n");
    conn_text(&c, false, "RTSP/1.0 200 OK\r\nCSeq: 4\r\n\r\n");
    uint64_t t = c.t;
    /* 30 fps for 2 s: one packet per frame, seq 3 lost, 7 and 8 swapped */
    for (uint16_t i = 0; i < 61; i++) {
        if (i == 3)
            continue;
        uint16_t s = i == 7 ? 8 : i == 8 ? 7 : i;
        udp_rtp(a, t + (uint64_t)i * 33333, SRV, 6970, CLI, 5000, s, (uint32_t)s * 3000);
    }
    /* an unrelated flow to another port */
    udp_rtp(a, t, SRV, 6970, CLI, 5002, 1, 1);
    uint8_t sr[128], pkt[200];
    size_t n = rtcp_build_sr(sr, sizeof sr, 0x1234, 1, 2, 3, 4, "x");
    size_t k = udp_pkt(pkt, SRV, 6971, CLI, 5001, sr, n);
    cap_analysis_packet(a, t + 100000, pkt, k, k);
    cap_analysis_finish(a);
    const struct cap_conv *v = a->convs[0];
    const struct cap_setup *s = &v->setups[0];
    assert_int_equal(s->media.rx.packets, 60);
    assert_int_equal(cap_media_lost(&s->media), 1);
    assert_int_equal(s->media.rx.reordered, 1);
    assert_true(s->media.rtcp_sr);
    assert_int_equal(s->media_flows, 2);
    assert_false(s->addr_differs);
    double fps = cap_media_fps(&s->media, 0);
    assert_true(fps > 29 && fps < 31);
    fps = cap_media_fps(&s->media, 90000); /* 3000 ticks per frame */
    assert_true(fps > 29 && fps < 31);
    assert_true(v->delivered);
    assert_true(a->any_delivered);
    assert_non_null(strstr(v->verdict, "RTP/UDP: 1 track, 60 RTP packets"));
    assert_non_null(strstr(v->verdict, "lost 1, reordered 1, RTCP SR yes: stream OK."));
    cap_analysis_free(a);

    /* capture at the server: the client's address is its NAT's (the TCP
     * peer), RTP goes to the NAT's address at client_port: matched */
    a = cap_analysis_new(LT);
    conn_open(&c, a, CPORT, false); /* no handshake: mid-connection */
    conn_text(&c, true,
              "SETUP rtsp://203.0.113.5:8554/cam/trackID=0 RTSP/1.0\r\nCSeq: 3\r\n"
              "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n");
    conn_text(&c, false,
              "RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: 1\r\n"
              "Transport: RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971\r\n\r\n");
    conn_text(&c, true,
              "PLAY rtsp://203.0.113.5:8554/cam RTSP/1.0\r\nCSeq: 4\r\nSession: 1\r\n\r\n");
    conn_text(&c, false, "RTSP/1.0 200 OK\r\nCSeq: 4\r\n\r\n");
    static const uint8_t OTHER[4] = {198, 51, 100, 7};
    for (uint16_t i = 0; i < 10; i++) /* to the client, but its port rewritten */
        udp_rtp(a, c.t + i * 1000u, SRV, 6970, CLI, 31000, i, i * 3000u);
    for (uint16_t i = 0; i < 10; i++) /* another viewer of the same server port: not ours */
        udp_rtp(a, c.t + i * 1000u, SRV, 6970, OTHER, 5000, i, i * 3000u);
    cap_analysis_finish(a);
    v = a->convs[0];
    assert_false(v->saw_syn);
    assert_int_equal(v->setups[0].media.rx.packets, 10);
    assert_true(v->setups[0].addr_differs);
    assert_non_null(strstr(v->verdict, "matched by port"));
    cap_analysis_free(a);
}

/* 401, then Digest accepted; interleaved media with the response split over
 * out-of-order segments. */
static void test_auth_and_interleaved(void **st)
{
    (void)st;
    struct cap_analysis *a = cap_analysis_new(LT);
    struct conn c;
    conn_open(&c, a, CPORT, true);
    conn_text(&c, true, "DESCRIBE rtsp://203.0.113.5:8554/cam RTSP/1.0\r\nCSeq: 2\r\n\r\n");
    conn_text(&c, false,
              "RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\n"
              "WWW-Authenticate: Digest realm=\"r\", nonce=\"abc\", algorithm=SHA-256\r\n"
              "WWW-Authenticate: Digest realm=\"r\", nonce=\"abc\"\r\n\r\n");
    conn_text(&c, true,
              "DESCRIBE rtsp://203.0.113.5:8554/cam RTSP/1.0\r\nCSeq: 3\r\n"
              "Authorization: Digest username=\"u\", realm=\"r\", nonce=\"abc\", "
              "uri=\"rtsp://203.0.113.5:8554/cam\", response=\"00\"\r\n\r\n");
    conn_text(&c, false, "RTSP/1.0 200 OK\r\nCSeq: 3\r\n\r\n");
    conn_text(&c, true,
              "SETUP rtsp://203.0.113.5:8554/cam/trackID=0 RTSP/1.0\r\nCSeq: 4\r\n"
              "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n");
    /* the answer in two segments, the second captured first */
    const char *resp = "RTSP/1.0 200 OK\r\nCSeq: 4\r\nSession: 9\r\n"
                       "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n";
    size_t rl = strlen(resp), half = rl / 2;
    uint8_t pkt[512];
    size_t n = tcp_pkt(pkt, SRV, SPORT, CLI, CPORT, c.cseq_s + (uint32_t)half, CAP_TCP_ACK,
                       resp + half, rl - half);
    cap_analysis_packet(a, c.t += 1000, pkt, n, n);
    n = tcp_pkt(pkt, SRV, SPORT, CLI, CPORT, c.cseq_s, CAP_TCP_ACK, resp, half);
    cap_analysis_packet(a, c.t += 1000, pkt, n, n);
    c.cseq_s += (uint32_t)rl;
    conn_text(&c, true,
              "PLAY rtsp://203.0.113.5:8554/cam RTSP/1.0\r\nCSeq: 5\r\nSession: 9\r\n\r\n");
    conn_text(&c, false, "RTSP/1.0 200 OK\r\nCSeq: 5\r\n\r\n");
    /* 20 RTP frames on channel 0, an SR on channel 1, an RR back on 1 */
    for (uint16_t i = 0; i < 20; i++) {
        uint8_t f[4 + 100] = {0};
        rtsp_frame_header(f, 0, 100);
        rtp_write_header(f + 4, true, 96, (uint16_t)(100 + i), i * 3000u, 77);
        c.t += 33333 - 1000;
        conn_send(&c, false, f, sizeof f);
        if (i == 5) { /* a retransmission of the frame just sent */
            c.cseq_s -= (uint32_t)sizeof f;
            conn_send(&c, false, f, sizeof f);
        }
    }
    uint8_t fr[4 + 128];
    size_t sl = rtcp_build_sr(fr + 4, sizeof fr - 4, 77, 1, 2, 3, 4, "cam");
    rtsp_frame_header(fr, 1, (uint16_t)sl);
    conn_send(&c, false, fr, 4 + sl);
    sl = rtcp_build_rr(fr + 4, sizeof fr - 4, 5, NULL, "me");
    rtsp_frame_header(fr, 1, (uint16_t)sl);
    conn_send(&c, true, fr, 4 + sl);
    cap_analysis_finish(a);
    const struct cap_conv *v = a->convs[0];
    assert_int_equal(v->n_ex, 4);
    assert_string_equal(v->ex[0].www_authenticate, "Digest SHA-256, Digest");
    assert_string_equal(v->ex[1].authorization, "Digest");
    assert_int_equal(v->ex[2].status, 200);
    assert_true(v->setups[0].tcp);
    assert_int_equal(v->setups[0].media.rx.packets, 20);
    assert_true(v->setups[0].media.rtcp_sr);
    assert_true(v->setups[0].back.rtcp_rr);
    assert_true(v->delivered);
    assert_non_null(strstr(v->verdict, "401 then Digest accepted."));
    assert_non_null(strstr(v->verdict, "interleaved: 1 track, 20 RTP packets"));
    assert_non_null(strstr(v->verdict, "stream OK."));
    assert_string_equal(v->advice, "Media flowed over TCP interleaved: nothing to change.");
    cap_analysis_free(a);
}

static void test_461_and_wrong_password(void **st)
{
    (void)st;
    struct cap_analysis *a = cap_analysis_new(LT);
    struct conn c;
    conn_open(&c, a, CPORT, true);
    describe_ok(&c);
    conn_text(&c, true,
              "SETUP rtsp://203.0.113.5:8554/cam/trackID=0 RTSP/1.0\r\nCSeq: 3\r\n"
              "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n");
    conn_text(&c, false, "RTSP/1.0 461 Unsupported Transport\r\nCSeq: 3\r\n\r\n");
    cap_analysis_finish(a);
    const struct cap_conv *v = a->convs[0];
    assert_false(v->delivered);
    assert_non_null(strstr(v->verdict, "SETUP RTP/AVP/TCP answered 461 Unsupported Transport: "
                                       "the server refuses interleaved (TCP)."));
    assert_non_null(strstr(v->advice, "461: the camera refuses interleaved, use UDP: ffmpeg "
                                      "-rtsp_transport udp -i rtsp://203.0.113.5:8554/cam"));
    cap_analysis_free(a);

    a = cap_analysis_new(LT);
    conn_open(&c, a, CPORT, true);
    conn_text(&c, true, "DESCRIBE rtsp://203.0.113.5:8554/cam RTSP/1.0\r\nCSeq: 2\r\n\r\n");
    conn_text(&c, false,
              "RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\n"
              "WWW-Authenticate: Basic realm=\"r\"\r\n\r\n");
    conn_text(&c, true,
              "DESCRIBE rtsp://203.0.113.5:8554/cam RTSP/1.0\r\nCSeq: 3\r\n"
              "Authorization: Basic dTpw\r\n\r\n");
    conn_text(&c, false,
              "RTSP/1.0 401 Unauthorized\r\nCSeq: 3\r\n"
              "WWW-Authenticate: Basic realm=\"r\"\r\n\r\n");
    cap_analysis_finish(a);
    v = a->convs[0];
    assert_non_null(strstr(v->verdict, "401 (Basic offered), then Basic refused (401 again): "
                                       "wrong user or password."));
    assert_non_null(strstr(v->advice, "Check the user name and password"));
    cap_analysis_free(a);
}

/* A capture that began during PLAY: only "$" frames, the first cut. */
static void test_mid_stream_interleaved(void **st)
{
    (void)st;
    struct cap_analysis *a = cap_analysis_new(LT);
    struct conn c;
    conn_open(&c, a, CPORT, false);
    uint8_t buf[3000];
    size_t o = 0;
    memset(buf, 0xab, 50); /* the tail of a frame whose start was not captured */
    o = 50;
    for (uint16_t i = 0; i < 10; i++) {
        rtsp_frame_header(buf + o, 2, 200);
        memset(buf + o + 4, 0, 200);
        rtp_write_header(buf + o + 4, false, 97, i, i * 960u, 9);
        o += 204;
    }
    conn_send(&c, false, buf, o);
    cap_analysis_finish(a);
    assert_int_equal(a->n_convs, 1);
    const struct cap_conv *v = a->convs[0];
    assert_true(v->mid_stream);
    assert_int_equal(v->n_chans, 1);
    assert_int_equal(v->chans[0].channel, 2);
    assert_true(v->chans[0].from_server);
    assert_int_equal(v->chans[0].m.rx.packets, 10);
    assert_true(v->delivered);
    assert_non_null(strstr(v->verdict, "No SETUP in the capture (it began mid-session); "
                                       "interleaved RTP on 1 channel: 10 packets"));
    cap_analysis_free(a);
}

/* Not RTSP: HTTP and random bytes are not conversations; garbage never crashes. */
static void test_not_rtsp_and_garbage(void **st)
{
    (void)st;
    struct cap_analysis *a = cap_analysis_new(LT);
    struct conn c;
    conn_open(&c, a, 40001, true);
    conn_text(&c, true, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    conn_text(&c, false, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    uint8_t junk[1500];
    uint32_t x = 12345;
    for (int r = 0; r < 200; r++) {
        for (size_t i = 0; i < sizeof junk; i++) {
            x = x * 1103515245u + 12345u;
            junk[i] = (uint8_t)(x >> 16);
        }
        size_t len = (x >> 8) % sizeof junk;
        cap_analysis_packet(a, 1700000000000000ull + (uint64_t)r, junk, len, len + (x & 3));
    }
    cap_analysis_finish(a);
    assert_int_equal(a->n_convs, 0);
    assert_false(a->any_delivered);
    cap_analysis_free(a);
}

/* Multicast: the answer names the group and ports; datagrams to the group
 * count, others do not. Then the same SETUP with no datagrams at all. */
static void test_multicast(void **st)
{
    (void)st;
    static const uint8_t GROUP[4] = {239, 255, 0, 1}, OTHER[4] = {239, 255, 0, 2};
    for (int with_media = 1; with_media >= 0; with_media--) {
        struct cap_analysis *a = cap_analysis_new(LT);
        struct conn c;
        conn_open(&c, a, CPORT, true);
        conn_text(&c, true,
                  "SETUP rtsp://203.0.113.5:8554/cam/trackID=0 RTSP/1.0\r\nCSeq: 3\r\n"
                  "Transport: RTP/AVP;multicast\r\n\r\n");
        conn_text(&c, false,
                  "RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: 1\r\nTransport: RTP/AVP;multicast;"
                  "destination=239.255.0.1;port=40000-40001;ttl=3\r\n\r\n");
        conn_text(&c, true,
                  "PLAY rtsp://203.0.113.5:8554/cam RTSP/1.0\r\nCSeq: 4\r\nSession: 1\r\n\r\n");
        conn_text(&c, false, "RTSP/1.0 200 OK\r\nCSeq: 4\r\n\r\n");
        for (uint16_t i = 0; with_media && i < 5; i++) {
            udp_rtp(a, c.t + i * 1000u, SRV, 6000, GROUP, 40000, i, i * 3000u);
            udp_rtp(a, c.t + i * 1000u, SRV, 6000, OTHER, 40000, i, i * 3000u);
        }
        c.t += 4000000;
        conn_text(&c, true, "OPTIONS * RTSP/1.0\r\nCSeq: 5\r\n\r\n");
        cap_analysis_finish(a);
        const struct cap_conv *v = a->convs[0];
        assert_true(v->setups[0].multicast);
        if (with_media) {
            assert_int_equal(v->setups[0].media.rx.packets, 5);
            assert_true(v->delivered);
            assert_non_null(strstr(v->verdict, "multicast: 1 track, 5 RTP packets"));
        } else {
            assert_false(v->delivered);
            assert_non_null(strstr(v->verdict, "multicast: SETUP answered 200 with group "
                                               "239.255.0.1 port 40000-40001, PLAY 200, 0 RTP "
                                               "packets in 4.0 s"));
            assert_non_null(strstr(v->advice, "-rtsp_transport tcp"));
        }
        cap_analysis_free(a);
    }
}

/* An HTTP tunnel from segments: the GET leg carries the answers and the
 * media, the POST leg the base64-encoded requests; paired by cookie. */
static void test_http_tunnel(void **st)
{
    (void)st;
    struct cap_analysis *a = cap_analysis_new(LT);
    struct conn get, post;
    conn_open(&get, a, 41000, true);
    conn_open(&post, a, 41001, true);
    conn_text(&get, true,
              "GET /cam HTTP/1.0\r\nx-sessioncookie: abc123\r\n"
              "Accept: application/x-rtsp-tunnelled\r\n\r\n");
    conn_text(&get, false, "HTTP/1.0 200 OK\r\nContent-Type: application/x-rtsp-tunnelled\r\n\r\n");
    conn_text(&post, true,
              "POST /cam HTTP/1.0\r\nx-sessioncookie: abc123\r\n"
              "Content-Type: application/x-rtsp-tunnelled\r\nContent-Length: 32767\r\n\r\n");
    /* "OPTIONS rtsp://h/cam RTSP/1.0\r\nCSeq: 1\r\n\r\n" in base64, split mid-quantum */
    conn_text(&post, true, "T1BUSU9OUyBydHNwOi8vaC9jYW0gUlRTUC8x");
    conn_text(&post, true, "LjANCkNTZXE6IDENCg0K");
    conn_text(&get, false, "RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: tun/1\r\n\r\n");
    cap_analysis_finish(a);
    assert_int_equal(a->n_convs, 1);
    const struct cap_conv *v = a->convs[0];
    assert_int_equal(v->kind, CAP_CONV_TUNNEL);
    assert_string_equal(v->cookie, "abc123");
    assert_int_equal(v->client_port, 41000); /* the GET leg's ends */
    assert_int_equal(v->n_ex, 1);
    assert_int_equal(v->ex[0].method, RTSP_METHOD_OPTIONS);
    assert_int_equal(v->ex[0].status, 200);
    assert_string_equal(v->server_hdr, "tun/1");
    cap_analysis_free(a);
}

/* UDP GSO as captured on the sending host: three RTP packets of one stream
 * (400, 400 and 150 bytes) in one datagram are split back; anything else is
 * left whole. */
static void test_gso_split(void **st)
{
    (void)st;
    uint8_t b[950];
    memset(b, 0x5a, sizeof b);
    for (unsigned i = 0; i < 3; i++)
        rtp_write_header(b + 400 * i, i == 2, 96, (uint16_t)(65535 + i), 9000, 0xabcd);
    assert_int_equal(cap_gso_segment_size(b, sizeof b), 400);
    assert_int_equal(cap_gso_segment_size(b, 400), 0); /* one packet */
    uint8_t c[950];
    memcpy(c, b, sizeof c);
    c[803] ^= 2; /* the third one is not the next sequence number */
    assert_int_equal(cap_gso_segment_size(c, sizeof c), 0);
    memcpy(c, b, sizeof c);
    c[409] ^= 1; /* the second one is another stream */
    assert_int_equal(cap_gso_segment_size(c, sizeof c), 0);
    assert_int_equal(cap_gso_segment_size(b, 405), 0); /* a 5-byte tail is no RTP packet */
    /* through the analysis: 3 packets, none lost */
    struct cap_analysis *a = cap_analysis_new(LT);
    const uint8_t s1[4] = {10, 0, 0, 1}, d1[4] = {10, 0, 0, 2};
    uint8_t pkt[1100];
    size_t n = udp_pkt(pkt, s1, 6970, d1, 5000, b, sizeof b);
    cap_analysis_packet(a, 1000, pkt, n, n);
    const struct cap_udp_flow *f[4];
    assert_int_equal(cap_analysis_udp_flows(a, f, 4), 1);
    assert_int_equal(f[0]->m.rx.packets, 3);
    assert_int_equal(cap_media_lost(&f[0]->m), 0);
    cap_analysis_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_in_order_and_syn),
        cmocka_unit_test(test_tcp_out_of_order),
        cmocka_unit_test(test_tcp_retransmission),
        cmocka_unit_test(test_tcp_gap_and_mid_stream),
        cmocka_unit_test(test_tcp_seq_wrap),
        cmocka_unit_test(test_decode_links),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_udp_dropped),
        cmocka_unit_test(test_udp_flows_and_nat),
        cmocka_unit_test(test_auth_and_interleaved),
        cmocka_unit_test(test_461_and_wrong_password),
        cmocka_unit_test(test_mid_stream_interleaved),
        cmocka_unit_test(test_not_rtsp_and_garbage),
        cmocka_unit_test(test_multicast),
        cmocka_unit_test(test_http_tunnel),
        cmocka_unit_test(test_gso_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
