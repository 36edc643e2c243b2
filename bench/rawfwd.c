/* bench/rawfwd: the ceiling. Receives the generator's RTP over UDP once and
 * writev()s each packet, '$'-framed, to every accepted TCP socket. No RTSP:
 * `load --raw HOST:PORT` connects and reads. One thread, epoll.
 *
 *   rawfwd --udp-port P --tcp-port Q */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/uio.h>

#include "bench_common.h"

#define MAXC 20000

static int clients[MAXC], nclients;
static unsigned long long dropped;

int main(int argc, char **argv)
{
    int up = 0, tp = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--udp-port"))
            up = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--tcp-port"))
            tp = atoi(argv[i + 1]);
    }
    if (!up || !tp) {
        fprintf(stderr, "usage: rawfwd --udp-port P --tcp-port Q\n");
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
    fcntl(l, F_SETFL, O_NONBLOCK);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = u};
    epoll_ctl(ep, EPOLL_CTL_ADD, u, &ev);
    ev.data.fd = l;
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
    fprintf(stderr, "rawfwd listening udp %d tcp %d\n", up, tp);
    static uint8_t pkt[2048];
    struct epoll_event evs[16];
    for (;;) {
        int k = epoll_wait(ep, evs, 16, -1);
        for (int i = 0; i < k; i++) {
            if (evs[i].data.fd == l) {
                int c;
                while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (nclients == MAXC) {
                        close(c);
                        continue;
                    }
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    clients[nclients++] = c;
                }
                continue;
            }
            ssize_t n;
            while ((n = recv(u, pkt, sizeof pkt, MSG_DONTWAIT)) > 0) {
                uint8_t hdr[4] = {'$', 0, (uint8_t)(n >> 8), (uint8_t)n};
                struct iovec iov[2] = {{hdr, 4}, {pkt, (size_t)n}};
                for (int c = 0; c < nclients;) {
                    ssize_t w = writev(clients[c], iov, 2);
                    if (w == n + 4) {
                        c++;
                        continue;
                    }
                    /* a short or failed write breaks the framing: drop the viewer */
                    if (w < 0 && errno == EAGAIN)
                        dropped++;
                    close(clients[c]);
                    clients[c] = clients[--nclients];
                }
            }
        }
    }
}
