/* bench/load: N RTSP viewers in one process (epoll; TCP interleaved or RTP/UDP).
 * Counts bytes, RTP sequence gaps, per-frame latency (arrival of the frame's
 * last packet minus the send time the generator put in the SEI; same machine
 * clock), join time (PLAY sent -> first IDR packet). A fraction of viewers can
 * read slowly; churn closes and reopens viewers at a given rate.
 *
 *   load --url rtsp://HOST:PORT/PATH [--udp] | --raw HOST:PORT | --raw-udp HOST:PORT
 *        [-n N] [--duration S] [--warmup S] [--slow FRAC --slow-kbit K]
 *        [--churn PER_S] [--json FILE]
 * --udp: SETUP RTP/AVP;unicast;client_port=, each viewer its own socket pair.
 * --raw: the raw forwarder: connect and read $-framed RTP, no RTSP.
 * --raw-udp: the raw forwarder's UDP side: register with one datagram. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#include "bench_common.h"

enum st { ST_DESCRIBE, ST_SETUP, ST_PLAY, ST_STREAM, ST_DEAD };

struct viewer {
    int fd, ufd, ufd2; /* RTSP/TCP; RTP and RTCP sockets in UDP mode */
    uint16_t uport;
    enum st st;
    bool slow, got_key, have_seq;
    uint16_t next_seq;
    uint64_t sei_ns;
    uint64_t play_ns;
    size_t len;
    uint64_t budget;
    char session[96];
    uint8_t buf[65536 + 8];
};

struct samples {
    double *v;
    size_t n, cap;
};

static void add(struct samples *s, double x)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4096;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = x;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(struct samples *s, double p)
{
    if (!s->n)
        return -1;
    qsort(s->v, s->n, sizeof *s->v, cmpd);
    size_t i = (size_t)(p / 100.0 * (double)(s->n - 1) + 0.5);
    return s->v[i];
}

static char host[256], path_url[512], setup_url[600];
static int port, raw_mode, udp_mode, epfd;
static struct viewer *vs;
static uint64_t t_start, t_warm;
static uint64_t bytes, gaps, slow_gaps, pkts, failures, joins, leaves;
static struct samples lat_norm, lat_slow, join_ms, lat_first, lat_last;
static double duration = 10, warmup = 2;

static void send_req(struct viewer *v, const char *req)
{
    ssize_t n = (ssize_t)strlen(req);
    if (write(v->fd, req, (size_t)n) != n) {
        v->st = ST_DEAD;
        return;
    }
}

/* an RTP socket on an even port and RTCP on the next one */
static bool udp_pair(struct viewer *v)
{
    for (int tries = 0; tries < 64; tries++) {
        int a = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t sl = sizeof sa;
        if (a < 0 || bind(a, (struct sockaddr *)&sa, sizeof sa) ||
            getsockname(a, (struct sockaddr *)&sa, &sl)) {
            if (a >= 0)
                close(a);
            return false;
        }
        uint16_t p = ntohs(sa.sin_port);
        if (p & 1 || p == 65534) {
            close(a);
            continue;
        }
        int b = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        sa.sin_port = htons((uint16_t)(p + 1));
        if (b < 0 || bind(b, (struct sockaddr *)&sa, sizeof sa)) {
            close(a);
            if (b >= 0)
                close(b);
            continue;
        }
        int rb = 1 << 20;
        setsockopt(a, SOL_SOCKET, SO_RCVBUF, &rb, sizeof rb);
        v->ufd = a;
        v->ufd2 = b;
        v->uport = p;
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)(v - vs) * 2 + 1};
        epoll_ctl(epfd, EPOLL_CTL_ADD, a, &ev);
        return true;
    }
    return false;
}

static void open_viewer(struct viewer *v, bool slow)
{
    memset(v, 0, offsetof(struct viewer, buf));
    v->slow = slow;
    v->ufd = v->ufd2 = -1;
    if (udp_mode && !udp_pair(v)) {
        v->fd = -1;
        v->st = ST_DEAD;
        failures++;
        return;
    }
    if (raw_mode && udp_mode) {
        struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        inet_pton(AF_INET, host, &to.sin_addr);
        sendto(v->ufd, "hello", 5, 0, (struct sockaddr *)&to, sizeof to);
        v->fd = -1;
        v->st = ST_STREAM;
        v->play_ns = bench_mono_ns();
        joins++;
        return;
    }
    v->fd = bench_connect(host, port);
    if (v->fd < 0) {
        v->st = ST_DEAD;
        failures++;
        return;
    }
    if (slow) {
        int rb = 16384;
        setsockopt(v->fd, SOL_SOCKET, SO_RCVBUF, &rb, sizeof rb);
    }
    fcntl(v->fd, F_SETFL, O_NONBLOCK);
    struct epoll_event ev = {.events = slow ? 0 : EPOLLIN, .data.u64 = (uint64_t)(v - vs) * 2};
    epoll_ctl(epfd, EPOLL_CTL_ADD, v->fd, &ev);
    joins++;
    if (raw_mode) {
        v->st = ST_STREAM;
        v->play_ns = bench_mono_ns();
        return;
    }
    v->st = ST_DESCRIBE;
    char req[1024];
    snprintf(req, sizeof req, "DESCRIBE %s RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n",
             path_url);
    send_req(v, req);
}

static void close_viewer(struct viewer *v)
{
    if (v->fd >= 0) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, v->fd, NULL);
        close(v->fd);
    }
    if (v->ufd >= 0) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, v->ufd, NULL);
        close(v->ufd);
        close(v->ufd2);
    }
    v->fd = v->ufd = v->ufd2 = -1;
    v->st = ST_DEAD;
    leaves++;
}

static void on_nal(struct viewer *v, const uint8_t *p, size_t n, uint64_t now)
{
    int t = p[0] & 0x1f;
    if (t == 5 && !v->got_key) {
        v->got_key = true;
        if (v->play_ns)
            add(&join_ms, (double)(bench_mono_ns() - v->play_ns) / 1e6);
    } else if (t == 6) {
        uint32_t f;
        uint64_t ns;
        if (bench_parse_sei(p, n, &ns, &f))
            v->sei_ns = ns;
    }
}

static void on_rtp(struct viewer *v, const uint8_t *r, size_t n)
{
    if (n < 13)
        return;
    uint64_t now = bench_mono_ns();
    uint16_t seq = (uint16_t)(r[2] << 8 | r[3]);
    if (v->have_seq && seq != v->next_seq) {
        uint16_t d = (uint16_t)(seq - v->next_seq);
        if (d < 32768 && now > t_warm)
            *(v->slow ? &slow_gaps : &gaps) += d; /* slow viewers skip by design */
    }
    v->have_seq = true;
    v->next_seq = (uint16_t)(seq + 1);
    if (now > t_warm) {
        bytes += n;
        pkts++;
    }
    size_t hl = 12 + 4u * (r[0] & 15);
    if (r[0] & 0x10) {
        if (n < hl + 4)
            return;
        hl += 4 + 4u * (size_t)(r[hl + 2] << 8 | r[hl + 3]);
    }
    if (n <= hl)
        return;
    const uint8_t *p = r + hl;
    size_t pl = n - hl;
    int t = p[0] & 0x1f;
    if (t == 24) {
        for (size_t o = 1; o + 2 < pl;) {
            size_t l = (size_t)(p[o] << 8 | p[o + 1]);
            if (o + 2 + l > pl)
                break;
            on_nal(v, p + o + 2, l, now);
            o += 2 + l;
        }
    } else if (t == 28 && pl > 2) {
        if (p[1] & 0x80) {
            uint8_t h = (uint8_t)((p[0] & 0xe0) | (p[1] & 0x1f));
            on_nal(v, &h, 1, now);
        }
    } else {
        on_nal(v, p, pl, now);
    }
    if ((r[1] & 0x80) && v->sei_ns) {
        double ms = (double)(bench_now_ns() - v->sei_ns) / 1e6;
        v->sei_ns = 0;
        if (now > t_warm) {
            add(v->slow ? &lat_slow : &lat_norm, ms);
            if (!v->slow) {
                double el = (double)(now - t_start) / 1e9;
                if (el < warmup + 1.0)
                    add(&lat_first, ms);
                else if (el > duration - 1.0)
                    add(&lat_last, ms);
            }
        }
    }
}

static void handshake(struct viewer *v)
{
    char *b = (char *)v->buf;
    v->buf[v->len] = 0;
    char *end = strstr(b, "\r\n\r\n");
    if (!end)
        return;
    size_t hdr = (size_t)(end + 4 - b), clen = 0;
    char *cl = strcasestr(b, "\r\nContent-Length:");
    if (cl && cl < end)
        clen = (size_t)atol(cl + 17);
    if (v->len < hdr + clen)
        return;
    if (strncmp(b, "RTSP/1.0 200", 12)) {
        failures++;
        close_viewer(v);
        return;
    }
    if (v->st == ST_DESCRIBE) {
        if (!setup_url[0]) {
            char *m = strstr(end, "m=video");
            char *c = m ? strstr(m, "a=control:") : NULL;
            if (!c) {
                failures++;
                close_viewer(v);
                return;
            }
            c += 10;
            int cl2 = (int)strcspn(c, "\r\n");
            if (!strncmp(c, "rtsp://", 7))
                snprintf(setup_url, sizeof setup_url, "%.*s", cl2, c);
            else
                snprintf(setup_url, sizeof setup_url, "%s/%.*s", path_url, cl2, c);
        }
        v->st = ST_SETUP;
        char req[1024];
        if (udp_mode)
            snprintf(req, sizeof req,
                     "SETUP %s RTSP/1.0\r\nCSeq: 2\r\nTransport: RTP/AVP;unicast;client_port=%u-%u"
                     "\r\n\r\n",
                     setup_url, v->uport, v->uport + 1);
        else
            snprintf(
                req, sizeof req,
                "SETUP %s RTSP/1.0\r\nCSeq: 2\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1"
                "\r\n\r\n",
                setup_url);
        send_req(v, req);
    } else if (v->st == ST_SETUP) {
        char *s = strcasestr(b, "\r\nSession:");
        if (s) {
            s += 10;
            while (*s == ' ')
                s++;
            snprintf(v->session, sizeof v->session, "%.*s", (int)strcspn(s, ";\r"), s);
        }
        v->st = ST_PLAY;
        char req[1024];
        snprintf(req, sizeof req, "PLAY %s RTSP/1.0\r\nCSeq: 3\r\nSession: %s\r\n\r\n", path_url,
                 v->session);
        send_req(v, req);
        v->play_ns = bench_mono_ns();
    } else if (v->st == ST_PLAY) {
        v->st = ST_STREAM;
    }
    memmove(v->buf, v->buf + hdr + clen, v->len - hdr - clen);
    v->len -= hdr + clen;
}

static void consume(struct viewer *v)
{
    size_t o = 0;
    while (v->st == ST_STREAM && o < v->len) {
        if (v->buf[o] == '$') {
            if (v->len - o < 4)
                break;
            size_t l = (size_t)(v->buf[o + 2] << 8 | v->buf[o + 3]);
            if (v->len - o < 4 + l)
                break;
            if (v->buf[o + 1] == 0)
                on_rtp(v, v->buf + o + 4, l);
            o += 4 + l;
        } else {
            /* an RTSP message (e.g. a keepalive answer): skip to its end */
            char *e = memmem(v->buf + o, v->len - o, "\r\n\r\n", 4);
            if (!e)
                break;
            o = (size_t)((uint8_t *)e + 4 - v->buf);
        }
    }
    memmove(v->buf, v->buf + o, v->len - o);
    v->len -= o;
}

static void on_udp(struct viewer *v)
{
    enum { B = 64 };
    static uint8_t bufs[B][2048];
    static struct iovec iov[B];
    static struct mmsghdr mm[B];
    for (;;) {
        for (int i = 0; i < B; i++) {
            iov[i] = (struct iovec){bufs[i], sizeof bufs[i]};
            mm[i].msg_hdr = (struct msghdr){.msg_iov = &iov[i], .msg_iovlen = 1};
        }
        int r = recvmmsg(v->ufd, mm, B, MSG_DONTWAIT, NULL);
        if (r <= 0)
            return;
        for (int i = 0; i < r && v->st == ST_STREAM; i++)
            on_rtp(v, bufs[i], mm[i].msg_len);
        if (r < B)
            return;
    }
}

static void on_read(struct viewer *v, size_t max)
{
    while (v->st != ST_DEAD && max) {
        size_t room = sizeof v->buf - 8 - v->len;
        if (room > max)
            room = max;
        ssize_t r = read(v->fd, v->buf + v->len, room);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
            failures++;
            close_viewer(v);
            return;
        }
        if (r < 0)
            return;
        v->len += (size_t)r;
        max -= (size_t)r;
        if (v->st == ST_STREAM)
            consume(v);
        while (v->st != ST_STREAM && v->st != ST_DEAD && v->len) {
            size_t before = v->len;
            enum st s0 = v->st;
            handshake(v);
            if (v->len == before && v->st == s0)
                break;
        }
        if (v->st == ST_STREAM)
            consume(v);
    }
}

int main(int argc, char **argv)
{
    int n = 10;
    double slow = 0, slow_kbit = 1000, churn = 0;
    const char *json = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--udp")) {
            udp_mode = 1;
            continue;
        }
        if (!val)
            goto usage;
        i++;
        if (!strcmp(a, "--url")) {
            snprintf(path_url, sizeof path_url, "%s", val);
            if (sscanf(val, "rtsp://%255[^:/]:%d", host, &port) != 2)
                goto usage;
        } else if (!strcmp(a, "--raw") || !strcmp(a, "--raw-udp")) {
            raw_mode = 1;
            udp_mode = !strcmp(a, "--raw-udp");
            if (sscanf(val, "%255[^:]:%d", host, &port) != 2)
                goto usage;

        } else if (!strcmp(a, "-n"))
            n = atoi(val);
        else if (!strcmp(a, "--duration"))
            duration = atof(val);
        else if (!strcmp(a, "--warmup"))
            warmup = atof(val);
        else if (!strcmp(a, "--slow"))
            slow = atof(val);
        else if (!strcmp(a, "--slow-kbit"))
            slow_kbit = atof(val);
        else if (!strcmp(a, "--churn"))
            churn = atof(val);
        else if (!strcmp(a, "--json"))
            json = val;
        else
            goto usage;
    }
    if (!port)
        goto usage;
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    epfd = epoll_create1(0);
    vs = calloc((size_t)n, sizeof *vs);
    t_start = bench_mono_ns();
    int nslow = (int)(n * slow + 0.5);
    for (int i = 0; i < n; i++)
        open_viewer(&vs[i], i < nslow);
    t_warm = t_start + (uint64_t)(warmup * 1e9);
    uint64_t t_end = t_start + (uint64_t)(duration * 1e9);
    uint64_t last_tick = bench_mono_ns(), next_churn = t_warm;
    unsigned rnd = 1;
    struct epoll_event evs[256];
    for (;;) {
        uint64_t now = bench_mono_ns();
        if (now >= t_end)
            break;
        int k = epoll_wait(epfd, evs, 256, 10);
        for (int i = 0; i < k; i++) {
            struct viewer *v = &vs[evs[i].data.u64 / 2];
            if (evs[i].data.u64 & 1)
                on_udp(v);
            else
                on_read(v, SIZE_MAX);
        }
        now = bench_mono_ns();
        if (nslow && now - last_tick >= 10000000ull) {
            /* slow viewers read slow_kbit per second, in 10 ms steps */
            size_t step = (size_t)(slow_kbit * 1000 / 8 * (double)(now - last_tick) / 1e9);
            last_tick = now;
            for (int i = 0; i < nslow; i++)
                if (vs[i].st != ST_DEAD)
                    on_read(&vs[i], step ? step : 1);
        }
        while (churn > 0 && now >= next_churn) {
            rnd = rnd * 1103515245u + 12345u;
            int i = nslow + (int)((rnd >> 8) % (unsigned)(n - nslow));
            close_viewer(&vs[i]);
            leaves--;
            open_viewer(&vs[i], false);
            leaves++;
            next_churn += (uint64_t)(1e9 / churn);
        }
    }
    int alive = 0, streaming = 0, slow_alive = 0;
    for (int i = 0; i < n; i++) {
        if (vs[i].st != ST_DEAD)
            alive++;
        if (vs[i].st == ST_STREAM && vs[i].got_key)
            streaming++;
        if (i < nslow && vs[i].st != ST_DEAD)
            slow_alive++;
    }
    double meas = duration - warmup;
    double first = pct(&lat_first, 50), last = pct(&lat_last, 50);
    char out[2048];
    snprintf(out, sizeof out,
             "{\"n\":%d,\"slow\":%d,\"alive\":%d,\"streaming\":%d,\"slow_alive\":%d,"
             "\"failures\":%llu,\"joins\":%llu,\"leaves\":%llu,\"bytes\":%llu,\"packets\":%llu,"
             "\"gaps\":%llu,\"slow_gaps\":%llu,\"mbit_s\":%.2f,\"frames\":%zu,\"lat_p50_ms\":%.3f,"
             "\"lat_p99_ms\":%.3f,"
             "\"lat_max_ms\":%.3f,\"lag_growth_ms\":%.3f,\"slow_lat_p99_ms\":%.3f,"
             "\"join_p50_ms\":%.1f,\"join_p99_ms\":%.1f,\"measure_s\":%.1f}\n",
             n, nslow, alive, streaming, slow_alive, (unsigned long long)failures,
             (unsigned long long)joins, (unsigned long long)leaves, (unsigned long long)bytes,
             (unsigned long long)pkts, (unsigned long long)gaps, (unsigned long long)slow_gaps,
             (double)bytes * 8 / meas / 1e6, lat_norm.n, pct(&lat_norm, 50), pct(&lat_norm, 99),
             pct(&lat_norm, 100), (first >= 0 && last >= 0) ? last - first : 0.0,
             pct(&lat_slow, 99), pct(&join_ms, 50), pct(&join_ms, 99), meas);
    fputs(out, stdout);
    if (json) {
        FILE *f = fopen(json, "w");
        if (f) {
            fputs(out, f);
            fclose(f);
        }
    }
    return 0;
usage:
    fprintf(stderr, "usage: load (--url rtsp://HOST:PORT/PATH [--udp] | --raw HOST:PORT | "
                    "--raw-udp HOST:PORT) [-n N] "
                    "[--duration S] [--warmup S] [--slow FRAC] [--slow-kbit K] [--churn PER_S] "
                    "[--json FILE]\n");
    return 2;
}
