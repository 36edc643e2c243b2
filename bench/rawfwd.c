/* bench/rawfwd: the ceiling. Receives the generator's RTP over UDP once and
 * forwards each frame (the packets up to the RTP marker bit) to every viewer
 * in as few system calls as the kernel allows, with no RTSP and no per-viewer
 * state beyond a bounded backlog:
 *   TCP viewers (connect to --tcp-port): one writev of the whole '$'-framed
 *     frame per viewer; what a full socket buffer does not take is kept (at
 *     most 1 MiB per viewer, then the viewer is dropped) and written on EPOLLOUT.
 *   UDP viewers (send any datagram to --tcp-port over UDP to register): the
 *     frame's packets to every viewer in sendmmsg batches of up to 1024
 *     datagrams (--sendto: one sendto per packet, for comparison; --gso: one
 *     message per viewer per run of equal-size packets, split by the kernel
 *     with UDP_SEGMENT).
 * `load --raw HOST:PORT` / `load --raw-udp HOST:PORT` are its viewers.
 *
 *   rawfwd --udp-port P --tcp-port Q [--sendto | --gso] */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/udp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/uio.h>

#include "bench_common.h"

#define MAXC        20000
#define MAXPKT      512 /* packets in one frame batch */
#define BACKLOG_MAX (1u << 20)
#define MMSG_BATCH  1024

struct tcpc {
    int fd;
    uint8_t *pend; /* bytes a full socket did not take yet */
    size_t off, len, cap;
};

static struct tcpc tcpc[MAXC];
static int ntcp;
static struct sockaddr_in udpc[MAXC];
static int nudp;
static bool use_sendto, use_gso;
static int ep, uout;

static uint8_t pkts[MAXPKT][2048];
static uint8_t hdrs[MAXPKT][4];
static size_t plen[MAXPKT];
static int npkt;
static unsigned long long dropped;

static void drop_tcp(int i)
{
    close(tcpc[i].fd);
    free(tcpc[i].pend);
    tcpc[i] = tcpc[--ntcp];
    if (i < ntcp) {
        struct epoll_event ev = {.events = tcpc[i].len ? EPOLLOUT : 0,
                                 .data.u64 = (uint64_t)i + 16};
        epoll_ctl(ep, EPOLL_CTL_MOD, tcpc[i].fd, &ev);
    }
    dropped++;
}

static bool keep(struct tcpc *c, const struct iovec *iov, int n, size_t skip)
{
    size_t need = 0;
    for (int i = 0; i < n; i++)
        need += iov[i].iov_len;
    need -= skip;
    if (c->len + need > BACKLOG_MAX)
        return false;
    if (c->off && c->len)
        memmove(c->pend, c->pend + c->off, c->len);
    c->off = 0;
    if (c->len + need > c->cap) {
        c->cap = c->len + need < 65536 ? 65536 : c->len + need;
        c->pend = realloc(c->pend, c->cap);
    }
    for (int i = 0; i < n; i++) {
        size_t l = iov[i].iov_len;
        const uint8_t *p = iov[i].iov_base;
        if (skip >= l) {
            skip -= l;
            continue;
        }
        memcpy(c->pend + c->len, p + skip, l - skip);
        c->len += l - skip;
        skip = 0;
    }
    return true;
}

static void flush_pending(int i)
{
    struct tcpc *c = &tcpc[i];
    while (c->len) {
        ssize_t w = write(c->fd, c->pend + c->off, c->len);
        if (w < 0) {
            if (errno == EAGAIN)
                return;
            drop_tcp(i);
            return;
        }
        c->off += (size_t)w;
        c->len -= (size_t)w;
    }
    struct epoll_event ev = {.events = 0, .data.u64 = (uint64_t)i + 16};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void frame_to_tcp(void)
{
    static struct iovec iov[2 * MAXPKT];
    int n = 0;
    for (int k = 0; k < npkt; k++) {
        hdrs[k][0] = '$';
        hdrs[k][1] = 0;
        hdrs[k][2] = (uint8_t)(plen[k] >> 8);
        hdrs[k][3] = (uint8_t)plen[k];
        iov[n++] = (struct iovec){hdrs[k], 4};
        iov[n++] = (struct iovec){pkts[k], plen[k]};
    }
    for (int i = 0; i < ntcp;) {
        struct tcpc *c = &tcpc[i];
        if (c->len) { /* behind: queue behind what is pending */
            if (!keep(c, iov, n, 0)) {
                drop_tcp(i);
                continue;
            }
            i++;
            continue;
        }
        bool dead = false;
        for (int o = 0; o < n;) {
            int cnt = n - o < IOV_MAX ? n - o : IOV_MAX;
            size_t want = 0;
            for (int j = o; j < o + cnt; j++)
                want += iov[j].iov_len;
            ssize_t w = writev(c->fd, iov + o, cnt);
            if (w < 0 && errno != EAGAIN) {
                dead = true;
                break;
            }
            if (w < 0)
                w = 0;
            if ((size_t)w < want) {
                if (!keep(c, iov + o, cnt, (size_t)w) ||
                    (o + cnt < n && !keep(c, iov + o + cnt, n - o - cnt, 0))) {
                    dead = true;
                    break;
                }
                struct epoll_event ev = {.events = EPOLLOUT, .data.u64 = (uint64_t)i + 16};
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                break;
            }
            o += cnt;
        }
        if (dead) {
            drop_tcp(i);
            continue;
        }
        i++;
    }
}

static void send_all(struct mmsghdr *mm, int m)
{
    for (int s = 0; s < m;) {
        int r = sendmmsg(uout, mm + s, (unsigned)(m - s), 0);
        if (r <= 0)
            break;
        s += r;
    }
}

static void frame_to_udp(void)
{
    if (!nudp)
        return;
    if (use_sendto) {
        for (int v = 0; v < nudp; v++)
            for (int k = 0; k < npkt; k++)
                sendto(uout, pkts[k], plen[k], 0, (struct sockaddr *)&udpc[v], sizeof udpc[v]);
        return;
    }
    static struct mmsghdr mm[MMSG_BATCH];
    static struct iovec iov[MMSG_BATCH];
    int m = 0;
    if (use_gso) {
        /* runs of equal-size packets (plus a shorter last one), one message each */
        static union {
            char buf[CMSG_SPACE(sizeof(uint16_t))];
            struct cmsghdr align;
        } cm[MAXPKT];
        static struct iovec giov[MAXPKT];
        static int run_start[MAXPKT], run_len[MAXPKT];
        int nruns = 0;
        for (int k = 0; k < npkt;) {
            int e = k + 1;
            size_t total = plen[k];
            while (e < npkt && e - k < 64 && total + plen[e] <= 65000 && plen[e] <= plen[k]) {
                total += plen[e];
                if (plen[e++] < plen[k])
                    break;
            }
            run_start[nruns] = k;
            run_len[nruns++] = e - k;
            k = e;
        }
        for (int k = 0; k < npkt; k++)
            giov[k] = (struct iovec){pkts[k], plen[k]};
        for (int v = 0; v < nudp; v++)
            for (int r = 0; r < nruns; r++) {
                struct msghdr *h = &mm[m].msg_hdr;
                *h = (struct msghdr){.msg_name = &udpc[v],
                                     .msg_namelen = sizeof udpc[v],
                                     .msg_iov = &giov[run_start[r]],
                                     .msg_iovlen = (size_t)run_len[r]};
                if (run_len[r] > 1) {
                    h->msg_control = cm[r].buf;
                    h->msg_controllen = sizeof cm[r].buf;
                    struct cmsghdr *c = CMSG_FIRSTHDR(h);
                    c->cmsg_level = SOL_UDP;
                    c->cmsg_type = UDP_SEGMENT;
                    c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
                    uint16_t gs = (uint16_t)plen[run_start[r]];
                    memcpy(CMSG_DATA(c), &gs, sizeof gs);
                }
                if (++m == MMSG_BATCH) {
                    send_all(mm, m);
                    m = 0;
                }
            }
        send_all(mm, m);
        return;
    }
    for (int v = 0; v < nudp; v++)
        for (int k = 0; k < npkt; k++) {
            iov[m] = (struct iovec){pkts[k], plen[k]};
            mm[m].msg_hdr = (struct msghdr){.msg_name = &udpc[v],
                                            .msg_namelen = sizeof udpc[v],
                                            .msg_iov = &iov[m],
                                            .msg_iovlen = 1};
            if (++m == MMSG_BATCH) {
                send_all(mm, m);
                m = 0;
            }
        }
    send_all(mm, m);
}

int main(int argc, char **argv)
{
    int up = 0, tp = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--udp-port") && i + 1 < argc)
            up = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--tcp-port") && i + 1 < argc)
            tp = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--sendto"))
            use_sendto = true;
        else if (!strcmp(argv[i], "--gso"))
            use_gso = true;
    }
    if (!up || !tp) {
        fprintf(stderr, "usage: rawfwd --udp-port P --tcp-port Q [--sendto | --gso]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int u = socket(AF_INET, SOCK_DGRAM, 0), one = 1, rb = 4 << 20;
    setsockopt(u, SOL_SOCKET, SO_RCVBUF, &rb, sizeof rb);
    a.sin_port = htons((uint16_t)up);
    if (bind(u, (struct sockaddr *)&a, sizeof a)) {
        perror("rawfwd: bind udp");
        return 1;
    }
    int l = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    a.sin_port = htons((uint16_t)tp);
    if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 4096)) {
        perror("rawfwd: bind tcp");
        return 1;
    }
    /* UDP viewers register on the same port number, and are sent from it */
    uout = socket(AF_INET, SOCK_DGRAM, 0);
    int sb = 4 << 20;
    setsockopt(uout, SOL_SOCKET, SO_SNDBUF, &sb, sizeof sb);
    if (bind(uout, (struct sockaddr *)&a, sizeof a)) {
        perror("rawfwd: bind udp viewers");
        return 1;
    }
    fcntl(l, F_SETFL, O_NONBLOCK);
    fcntl(u, F_SETFL, O_NONBLOCK);
    ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 1};
    epoll_ctl(ep, EPOLL_CTL_ADD, u, &ev);
    ev.data.u64 = 2;
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
    ev.data.u64 = 3;
    epoll_ctl(ep, EPOLL_CTL_ADD, uout, &ev);
    fprintf(stderr, "rawfwd listening udp %d tcp %d (%s)\n", up, tp,
            use_sendto ? "sendto"
            : use_gso  ? "sendmmsg+GSO"
                       : "sendmmsg");
    struct epoll_event evs[64];
    for (;;) {
        int k = epoll_wait(ep, evs, 64, -1);
        for (int i = 0; i < k; i++) {
            uint64_t id = evs[i].data.u64;
            if (id == 2) {
                int c;
                while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (ntcp == MAXC) {
                        close(c);
                        continue;
                    }
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    tcpc[ntcp] = (struct tcpc){.fd = c};
                    struct epoll_event e2 = {.events = 0, .data.u64 = (uint64_t)ntcp + 16};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &e2);
                    ntcp++;
                }
            } else if (id == 3) {
                struct sockaddr_in from;
                socklen_t fl = sizeof from;
                char b[64];
                while (recvfrom(uout, b, sizeof b, MSG_DONTWAIT, (struct sockaddr *)&from, &fl) >=
                       0) {
                    bool known = false;
                    for (int v = 0; v < nudp && !known; v++)
                        known = udpc[v].sin_port == from.sin_port &&
                                udpc[v].sin_addr.s_addr == from.sin_addr.s_addr;
                    if (!known && nudp < MAXC)
                        udpc[nudp++] = from;
                    fl = sizeof from;
                }
            } else if (id == 1) {
                ssize_t n;
                while ((n = recv(u, pkts[npkt], sizeof pkts[npkt], MSG_DONTWAIT)) > 0) {
                    plen[npkt] = (size_t)n;
                    bool marker = n >= 2 && (pkts[npkt][1] & 0x80);
                    if (++npkt == MAXPKT || marker) {
                        frame_to_tcp();
                        frame_to_udp();
                        npkt = 0;
                    }
                }
            } else if (id >= 16 && (int)(id - 16) < ntcp) {
                if (evs[i].events & (EPOLLERR | EPOLLHUP))
                    drop_tcp((int)(id - 16));
                else
                    flush_pending((int)(id - 16));
            }
        }
    }
}
