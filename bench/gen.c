/* bench/gen: the benchmark's stream source. Encodes NOISE frames once with
 * libx264 (CBR at the given bitrate, 30 fps, GOP 1 s) into memory, then sends
 * them looped in real time as RTP/H.264 (FU-A, <= 1400-byte packets). Before
 * every access unit it inserts a fresh SEI (user data unregistered) carrying
 * CLOCK_REALTIME in ns at send time, so a viewer measures latency after any
 * relay re-packetizes the stream.
 *
 *   gen --bitrate KBIT [--seconds S] (--publish rtsp://HOST:PORT/PATH | --udp HOST:PORT)...
 *
 * --publish: ANNOUNCE/SETUP(mode=record, TCP interleaved)/RECORD.
 * --udp: plain RTP datagrams (for the raw forwarder and gst-rtsp-server).
 * Both destinations get byte-identical RTP packets. */
#include <arpa/inet.h>
#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libavutil/log.h>
#include <libavutil/opt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"

#define MAX_DEST 8
#define FPS      30

struct au {
    uint8_t *data;
    size_t len;
};

static int ndest;
static struct {
    int fd;
    int tcp;
    struct sockaddr_storage ss;
    socklen_t sl;
} dest[MAX_DEST];

static int rtsp_req(int fd, const char *req, char *resp, size_t rsz)
{
    size_t n = strlen(req);
    if (write(fd, req, n) != (ssize_t)n)
        return -1;
    size_t got = 0;
    while (got + 1 < rsz) {
        ssize_t r = read(fd, resp + got, rsz - 1 - got);
        if (r <= 0)
            return -1;
        got += (size_t)r;
        resp[got] = 0;
        if (strstr(resp, "\r\n\r\n"))
            break;
    }
    if (strncmp(resp, "RTSP/1.0 200", 12) != 0) {
        fprintf(stderr, "gen: server answered: %.*s\n", (int)strcspn(resp, "\r"), resp);
        return -1;
    }
    return 0;
}

static int publish(const char *url)
{
    char host[256];
    int port = 554;
    const char *p = url + 7, *slash = strchr(p, '/');
    if (strncmp(url, "rtsp://", 7) || !slash)
        return -1;
    const char *colon = memchr(p, ':', (size_t)(slash - p));
    size_t hl = (size_t)((colon ? colon : slash) - p);
    snprintf(host, sizeof host, "%.*s", (int)hl, p);
    if (colon)
        port = atoi(colon + 1);
    int fd = bench_connect(host, port);
    if (fd < 0)
        return -1;
    char sdp[512], req[2048], resp[4096];
    snprintf(sdp, sizeof sdp,
             "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=bench\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\n"
             "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\na=control:trackID=0\r\n");
    snprintf(req, sizeof req,
             "ANNOUNCE %s RTSP/1.0\r\nCSeq: 1\r\nContent-Type: application/sdp\r\n"
             "Content-Length: %zu\r\n\r\n%s",
             url, strlen(sdp), sdp);
    if (rtsp_req(fd, req, resp, sizeof resp))
        return -1;
    snprintf(req, sizeof req,
             "SETUP %s/trackID=0 RTSP/1.0\r\nCSeq: 2\r\n"
             "Transport: RTP/AVP/TCP;unicast;interleaved=0-1;mode=record\r\n\r\n",
             url);
    if (rtsp_req(fd, req, resp, sizeof resp))
        return -1;
    char session[128] = "";
    const char *s = strcasestr(resp, "\r\nSession:");
    if (s) {
        s += 10;
        while (*s == ' ')
            s++;
        snprintf(session, sizeof session, "%.*s", (int)strcspn(s, ";\r"), s);
    }
    snprintf(req, sizeof req,
             "RECORD %s RTSP/1.0\r\nCSeq: 3\r\nSession: %s\r\nRange: npt=0-\r\n\r\n", url, session);
    if (rtsp_req(fd, req, resp, sizeof resp))
        return -1;
    return fd;
}

static int encode(int kbit, int seconds, struct au **out, int *nout)
{
    const AVCodec *c = avcodec_find_encoder_by_name("libx264");
    if (!c)
        return -1;
    AVCodecContext *ctx = avcodec_alloc_context3(c);
    ctx->width = 1280;
    ctx->height = 720;
    ctx->time_base = (AVRational){1, FPS};
    ctx->framerate = (AVRational){FPS, 1};
    ctx->pix_fmt = AV_PIX_FMT_YUV420P;
    ctx->gop_size = FPS;
    ctx->max_b_frames = 0;
    ctx->bit_rate = (int64_t)kbit * 1000;
    ctx->rc_max_rate = ctx->bit_rate;
    ctx->rc_min_rate = ctx->bit_rate;
    ctx->rc_buffer_size = (int)(ctx->bit_rate / FPS * 2);
    av_opt_set(ctx->priv_data, "preset", "ultrafast", 0);
    av_opt_set(ctx->priv_data, "tune", "zerolatency", 0);
    av_opt_set(ctx->priv_data, "x264-params", "nal-hrd=cbr:force-cfr=1:scenecut=0", 0);
    if (avcodec_open2(ctx, c, NULL) < 0)
        return -1;
    AVFrame *f = av_frame_alloc();
    f->format = ctx->pix_fmt;
    f->width = ctx->width;
    f->height = ctx->height;
    av_frame_get_buffer(f, 0);
    AVPacket *pkt = av_packet_alloc();
    int total = seconds * FPS, n = 0;
    *out = calloc((size_t)total + 8, sizeof **out);
    uint32_t rnd = 12345;
    for (int i = 0; i <= total; i++) {
        if (i < total) {
            av_frame_make_writable(f);
            /* moving bars plus noise: enough detail to fill the CBR budget */
            for (int pl = 0; pl < 3; pl++) {
                int w = pl ? ctx->width / 2 : ctx->width, h = pl ? ctx->height / 2 : ctx->height;
                for (int y = 0; y < h; y++) {
                    uint8_t *row = f->data[pl] + y * f->linesize[pl];
                    for (int x = 0; x < w; x++) {
                        rnd = rnd * 1103515245u + 12345u;
                        row[x] = (uint8_t)(((x + i * 4) & 64 ? 160 : 60) + ((rnd >> 24) & 31));
                    }
                }
            }
            f->pts = i;
            avcodec_send_frame(ctx, f);
        } else {
            avcodec_send_frame(ctx, NULL);
        }
        while (avcodec_receive_packet(ctx, pkt) == 0) {
            if (n < total) {
                (*out)[n].data = malloc((size_t)pkt->size);
                memcpy((*out)[n].data, pkt->data, (size_t)pkt->size);
                (*out)[n].len = (size_t)pkt->size;
                n++;
            }
            av_packet_unref(pkt);
        }
    }
    *nout = n;
    av_packet_free(&pkt);
    av_frame_free(&f);
    avcodec_free_context(&ctx);
    return n > 0 ? 0 : -1;
}

static uint16_t seq;
static uint32_t ssrc = 0x42454e43;
static uint8_t pktbuf[4 + 1500];
static uint64_t sent_bytes;

static void send_rtp(const uint8_t *hdr, size_t hl, const uint8_t *pl, size_t plen, int marker,
                     uint32_t ts)
{
    uint8_t *r = pktbuf + 4;
    r[0] = 0x80;
    r[1] = (uint8_t)(96 | (marker ? 0x80 : 0));
    r[2] = (uint8_t)(seq >> 8);
    r[3] = (uint8_t)seq;
    seq++;
    r[4] = (uint8_t)(ts >> 24);
    r[5] = (uint8_t)(ts >> 16);
    r[6] = (uint8_t)(ts >> 8);
    r[7] = (uint8_t)ts;
    r[8] = (uint8_t)(ssrc >> 24);
    r[9] = (uint8_t)(ssrc >> 16);
    r[10] = (uint8_t)(ssrc >> 8);
    r[11] = (uint8_t)ssrc;
    memcpy(r + 12, hdr, hl);
    memcpy(r + 12 + hl, pl, plen);
    size_t len = 12 + hl + plen;
    pktbuf[0] = '$';
    pktbuf[1] = 0;
    pktbuf[2] = (uint8_t)(len >> 8);
    pktbuf[3] = (uint8_t)len;
    for (int i = 0; i < ndest; i++) {
        if (dest[i].tcp) {
            size_t off = 0;
            while (off < len + 4) {
                ssize_t w = write(dest[i].fd, pktbuf + off, len + 4 - off);
                if (w <= 0) {
                    fprintf(stderr, "gen: publish connection lost: %s\n", strerror(errno));
                    exit(1);
                }
                off += (size_t)w;
            }
        } else {
            sendto(dest[i].fd, r, len, 0, (struct sockaddr *)&dest[i].ss, dest[i].sl);
        }
    }
    sent_bytes += len;
}

static void send_nal(const uint8_t *nal, size_t len, int last, uint32_t ts)
{
    if (len <= BENCH_MAX_PAYLOAD) {
        send_rtp(NULL, 0, nal, len, last, ts);
        return;
    }
    uint8_t fu[2] = {(uint8_t)((nal[0] & 0xe0) | 28), (uint8_t)(0x80 | (nal[0] & 0x1f))};
    const uint8_t *p = nal + 1;
    size_t rem = len - 1;
    while (rem) {
        size_t chunk = rem > BENCH_MAX_PAYLOAD - 2 ? BENCH_MAX_PAYLOAD - 2 : rem;
        if (chunk == rem)
            fu[1] |= 0x40;
        send_rtp(fu, 2, p, chunk, last && chunk == rem, ts);
        fu[1] &= 0x1f;
        p += chunk;
        rem -= chunk;
    }
}

static void send_au(const struct au *a, uint32_t ts, uint32_t frame_no)
{
    uint8_t sei[64];
    size_t sl = bench_make_sei(sei, bench_now_ns(), frame_no);
    send_nal(sei, sl, 0, ts);
    /* split Annex B */
    const uint8_t *d = a->data, *end = d + a->len;
    const uint8_t *nal = NULL;
    for (const uint8_t *q = d; q + 3 <= end;) {
        if (q[0] == 0 && q[1] == 0 && q[2] == 1) {
            if (nal) {
                const uint8_t *e = q;
                while (e > nal && e[-1] == 0)
                    e--;
                send_nal(nal, (size_t)(e - nal), 0, ts);
            }
            q += 3;
            nal = q;
        } else {
            q++;
        }
    }
    if (nal)
        send_nal(nal, (size_t)(end - nal), 1, ts);
}

int main(int argc, char **argv)
{
    int kbit = 4000, seconds = 4;
    double duration = 0;
    signal(SIGPIPE, SIG_IGN);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--bitrate") && i + 1 < argc)
            kbit = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--duration") && i + 1 < argc)
            duration = atof(argv[++i]);
        else if (!strcmp(argv[i], "--publish") && i + 1 < argc && ndest < MAX_DEST) {
            int fd = publish(argv[++i]);
            if (fd < 0) {
                fprintf(stderr, "gen: cannot publish to %s\n", argv[i]);
                return 1;
            }
            dest[ndest].fd = fd;
            dest[ndest++].tcp = 1;
        } else if (!strcmp(argv[i], "--udp") && i + 1 < argc && ndest < MAX_DEST) {
            char host[128];
            int port;
            if (sscanf(argv[++i], "%127[^:]:%d", host, &port) != 2)
                return 2;
            struct sockaddr_in *sin = (struct sockaddr_in *)&dest[ndest].ss;
            sin->sin_family = AF_INET;
            sin->sin_port = htons((uint16_t)port);
            inet_pton(AF_INET, host, &sin->sin_addr);
            dest[ndest].sl = sizeof *sin;
            dest[ndest].fd = socket(AF_INET, SOCK_DGRAM, 0);
            int sb = 4 << 20;
            setsockopt(dest[ndest].fd, SOL_SOCKET, SO_SNDBUF, &sb, sizeof sb);
            dest[ndest++].tcp = 0;
        } else {
            fprintf(stderr, "usage: gen --bitrate KBIT [--seconds S] [--duration S] "
                            "(--publish rtsp://HOST:PORT/PATH | --udp HOST:PORT)...\n");
            return 2;
        }
    }
    if (!ndest) {
        fprintf(stderr, "gen: no destination\n");
        return 2;
    }
    struct au *aus;
    int naus;
    av_log_set_level(AV_LOG_ERROR);
    if (encode(kbit, seconds, &aus, &naus)) {
        fprintf(stderr, "gen: encoding with libx264 failed\n");
        return 1;
    }
    size_t tot = 0;
    for (int i = 0; i < naus; i++)
        tot += aus[i].len;
    fprintf(stderr, "gen: %d frames, %.2f Mbit/s encoded, sending\n", naus,
            (double)tot * 8 * FPS / naus / 1e6);
    uint64_t t0 = bench_mono_ns();
    for (uint32_t fno = 0;; fno++) {
        uint64_t due = t0 + (uint64_t)fno * 1000000000ull / FPS;
        if (duration > 0 && due - t0 > (uint64_t)(duration * 1e9))
            break;
        uint64_t now = bench_mono_ns();
        if (due > now) {
            struct timespec ts = {(time_t)((due - now) / 1000000000ull),
                                  (long)((due - now) % 1000000000ull)};
            nanosleep(&ts, NULL);
        }
        send_au(&aus[fno % (uint32_t)naus], fno * (90000 / FPS), fno);
    }
    fprintf(stderr, "gen: done, %llu bytes\n", (unsigned long long)sent_bytes);
    return 0;
}
