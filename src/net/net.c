#include "net/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/sv.h"

int net_addr_from_ip(const char *ip, uint16_t port, struct net_addr *out)
{
    memset(out, 0, sizeof(*out));
    struct sockaddr_in *a4 = (struct sockaddr_in *)&out->ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&out->ss;
    if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        out->len = sizeof(*a4);
        return 0;
    }
    if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        out->len = sizeof(*a6);
        return 0;
    }
    return -EINVAL;
}

int net_addr_parse(const char *s, uint16_t default_port, struct net_addr *out)
{
    char ip[64];
    struct sv v = sv_from_cstr(s);
    struct sv host = v, port = SV_NULL;
    if (v.n && v.p[0] == '[') {
        long e = sv_find_char(v, ']');
        if (e < 0)
            return -EINVAL;
        host = sv_sub(v, 1, (size_t)e - 1);
        struct sv rest = sv_sub(v, (size_t)e + 1, v.n);
        if (rest.n) {
            if (rest.p[0] != ':')
                return -EINVAL;
            port = sv_sub(rest, 1, rest.n);
        }
    } else {
        long c = sv_find_char(v, ':');
        if (c >= 0 && sv_find_char(sv_sub(v, (size_t)c + 1, v.n), ':') < 0) {
            host = sv_sub(v, 0, (size_t)c);
            port = sv_sub(v, (size_t)c + 1, v.n);
        } else if (c < 0 && v.n && v.p[0] >= '0' && v.p[0] <= '9' && sv_find_char(v, '.') < 0) {
            host = SV_NULL; /* just a port */
            port = v;
        }
    }
    uint32_t p = default_port;
    if (port.p && sv_parse_u32(port, 65535, &p))
        return -EINVAL;
    if (!host.n)
        host = SV_LIT("0.0.0.0");
    if (sv_to_cstr(host, ip, sizeof ip))
        return -EINVAL;
    return net_addr_from_ip(ip, (uint16_t)p, out);
}

uint16_t net_addr_port(const struct net_addr *a)
{
    if (a->ss.ss_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
    if (a->ss.ss_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
    return 0;
}

void net_addr_set_port(struct net_addr *a, uint16_t port)
{
    if (a->ss.ss_family == AF_INET)
        ((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
    else if (a->ss.ss_family == AF_INET6)
        ((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
}

bool net_addr_is_any(const struct net_addr *a)
{
    if (a->ss.ss_family == AF_INET)
        return ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr == htonl(INADDR_ANY);
    if (a->ss.ss_family == AF_INET6)
        return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr);
    return false;
}

void net_addr_ip_str(const struct net_addr *a, char *dst, size_t size)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (a->ss.ss_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->ss)->sin_addr, ip, sizeof ip);
    else if (a->ss.ss_family == AF_INET6) {
        const struct in6_addr *x = &((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(x))
            inet_ntop(AF_INET, &x->s6_addr[12], ip, sizeof ip);
        else
            inet_ntop(AF_INET6, x, ip, sizeof ip);
    }
    str_copy(dst, size, ip);
}

void net_addr_str(const struct net_addr *a, char *dst, size_t size)
{
    char ip[INET6_ADDRSTRLEN];
    net_addr_ip_str(a, ip, sizeof ip);
    if (strchr(ip, ':'))
        str_fmt(dst, size, "[%s]:%u", ip, net_addr_port(a));
    else
        str_fmt(dst, size, "%s:%u", ip, net_addr_port(a));
}

bool net_addr_same_ip(const struct net_addr *a, const struct net_addr *b)
{
    if (a->ss.ss_family != b->ss.ss_family)
        return false;
    if (a->ss.ss_family == AF_INET)
        return ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)&b->ss)->sin_addr.s_addr;
    if (a->ss.ss_family == AF_INET6)
        return memcmp(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
                      &((const struct sockaddr_in6 *)&b->ss)->sin6_addr, 16) == 0;
    return false;
}

bool net_addr_equal(const struct net_addr *a, const struct net_addr *b)
{
    return net_addr_same_ip(a, b) && net_addr_port(a) == net_addr_port(b);
}

int net_tcp_listen(const struct net_addr *a, int backlog)
{
    int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (a->ss.ss_family == AF_INET6) {
        int zero = 0;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    }
    if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0 || listen(fd, backlog) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    return fd;
}

int net_tcp_accept(int lfd, struct net_addr *peer)
{
    peer->len = sizeof peer->ss;
    int fd = accept4(lfd, (struct sockaddr *)&peer->ss, &peer->len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    return fd;
}

int net_local_addr(int fd, struct net_addr *out)
{
    out->len = sizeof out->ss;
    if (getsockname(fd, (struct sockaddr *)&out->ss, &out->len) < 0)
        return -errno;
    return 0;
}

void net_tcp_tune(int fd, int sndbuf, int notsent_lowat)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (sndbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    if (notsent_lowat > 0)
        setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &notsent_lowat, sizeof notsent_lowat);
}

void net_tcp_user_timeout(int fd, unsigned ms)
{
    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof ms);
}

int net_tcp_connect(const struct net_addr *a)
{
    int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (const struct sockaddr *)&a->ss, a->len) < 0 && errno != EINPROGRESS) {
        int e = -errno;
        close(fd);
        return e;
    }
    return fd;
}

int net_tcp_connect_result(int fd)
{
    int err = 0;
    socklen_t l = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
        return -errno;
    return -err;
}

ssize_t net_read(int fd, void *buf, size_t len)
{
    for (;;) {
        ssize_t n = read(fd, buf, len);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    }
}

ssize_t net_writev(int fd, const struct iovec *iov, int n)
{
    for (;;) {
        ssize_t r = writev(fd, iov, n);
        if (r >= 0)
            return r;
        if (errno == EINTR)
            continue;
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    }
}

int net_udp_open(const struct net_addr *a, int *fd)
{
    int s = socket(a->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    if (bind(s, (const struct sockaddr *)&a->ss, a->len) < 0) {
        int e = -errno;
        close(s);
        return e;
    }
    *fd = s;
    return 0;
}

int net_udp_pair_open(const struct net_addr *ip, int sndbuf, int *rtp_fd, int *rtcp_fd,
                      uint16_t *rtp_port)
{
    for (int attempt = 0; attempt < 64; attempt++) {
        struct net_addr a = *ip;
        net_addr_set_port(&a, 0);
        int f1;
        int r = net_udp_open(&a, &f1);
        if (r)
            return r;
        struct net_addr got;
        net_local_addr(f1, &got);
        uint16_t p = net_addr_port(&got);
        if (p & 1 || p == 65534) {
            close(f1);
            continue;
        }
        struct net_addr b = *ip;
        net_addr_set_port(&b, (uint16_t)(p + 1));
        int f2;
        if (net_udp_open(&b, &f2)) {
            close(f1);
            continue;
        }
        if (sndbuf > 0)
            setsockopt(f1, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
        *rtp_fd = f1;
        *rtcp_fd = f2;
        *rtp_port = p;
        return 0;
    }
    return -EADDRINUSE;
}

int net_ipv4_parse(const char *s, uint32_t *out)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        return -EPROTO;
    *out = ntohl(a.s_addr);
    return 0;
}

void net_ipv4_str(uint32_t ip, char *dst, size_t dst_size)
{
    struct in_addr a = {htonl(ip)};
    if (!inet_ntop(AF_INET, &a, dst, (socklen_t)dst_size) && dst_size)
        dst[0] = '\0';
}

int net_udp_set_multicast(int fd, int ttl)
{
    unsigned char t = (unsigned char)ttl, loop = 1;
    if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &t, sizeof t) ||
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop))
        return -errno;
    struct sockaddr_in me;
    socklen_t len = sizeof me;
    if (getsockname(fd, (struct sockaddr *)&me, &len) == 0 && me.sin_family == AF_INET &&
        me.sin_addr.s_addr != htonl(INADDR_ANY) &&
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &me.sin_addr, sizeof me.sin_addr))
        return -errno;
    return 0;
}

bool net_addr_is_multicast(const struct net_addr *a)
{
    if (a->ss.ss_family == AF_INET)
        return IN_MULTICAST(ntohl(((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr));
    if (a->ss.ss_family == AF_INET6)
        return IN6_IS_ADDR_MULTICAST(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr);
    return false;
}

bool net_addr_is_loopback(const struct net_addr *a)
{
    if (a->ss.ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr) >> 24) == 127;
    if (a->ss.ss_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr);
    return false;
}

static void mreq_of(struct ip_mreq *m, const struct net_addr *group, const struct net_addr *iface)
{
    memset(m, 0, sizeof *m);
    m->imr_multiaddr = ((const struct sockaddr_in *)&group->ss)->sin_addr;
    m->imr_interface.s_addr = htonl(INADDR_ANY);
    if (iface && iface->ss.ss_family == AF_INET)
        m->imr_interface = ((const struct sockaddr_in *)&iface->ss)->sin_addr;
}

int net_udp_mcast_open(const struct net_addr *group, const struct net_addr *iface, int *fd_out)
{
    if (group->ss.ss_family != AF_INET || !net_addr_is_multicast(group))
        return -EPROTONOSUPPORT;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1, zero = 0;
    struct ip_mreq m;
    mreq_of(&m, group, iface);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(fd, (const struct sockaddr *)&group->ss, group->len) ||
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, &zero, sizeof zero) ||
        setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof m)) {
        int e = -errno;
        close(fd);
        return e;
    }
    *fd_out = fd;
    return 0;
}

void net_udp_mcast_close(int fd, const struct net_addr *group, const struct net_addr *iface)
{
    if (fd < 0)
        return;
    struct ip_mreq m;
    mreq_of(&m, group, iface);
    (void)setsockopt(fd, IPPROTO_IP, IP_DROP_MEMBERSHIP, &m, sizeof m);
    close(fd);
}

void net_udp_set_rcvbuf(int fd, int bytes)
{
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

ssize_t net_udp_recv(int fd, void *buf, size_t len, struct net_addr *from)
{
    from->len = sizeof from->ss;
    ssize_t n = recvfrom(fd, buf, len, 0, (struct sockaddr *)&from->ss, &from->len);
    if (n < 0)
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    return n;
}

ssize_t net_udp_send(int fd, const void *buf, size_t len, const struct net_addr *to)
{
    ssize_t n = sendto(fd, buf, len, 0, (const struct sockaddr *)&to->ss, to->len);
    if (n < 0)
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    return n;
}

static int gso_state; /* 0: unknown, 1: on, -1: off */

bool net_udp_gso_enabled(void)
{
    if (!gso_state)
        gso_state = getenv("RTSPGATE_NO_GSO") ? -1 : 1;
    return gso_state > 0;
}

static void set_gso(struct net_udp_batch *b, unsigned i)
{
    struct msghdr *h = &b->msgs[i].msg_hdr;
    h->msg_control = b->m[i].cmsg.buf;
    h->msg_controllen = CMSG_SPACE(sizeof(uint16_t));
    struct cmsghdr *c = CMSG_FIRSTHDR(h);
    c->cmsg_level = SOL_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
    uint16_t gs = (uint16_t)b->m[i].seg_size;
    memcpy(CMSG_DATA(c), &gs, sizeof gs);
}

void net_udp_batch_add(struct net_udp_batch *b, const struct net_addr *to, const void *data,
                       size_t len)
{
    unsigned k = b->niov++;
    b->iov[k].iov_base = (void *)data;
    b->iov[k].iov_len = len;
    if (b->n && net_udp_gso_enabled()) {
        unsigned i = b->n - 1;
        struct msghdr *h = &b->msgs[i].msg_hdr;
        if (h->msg_name == (void *)&to->ss && !b->m[i].short_tail && len &&
            len <= b->m[i].seg_size && b->m[i].segs < NET_UDP_GSO_SEGS &&
            b->m[i].bytes + len <= 60000) {
            h->msg_iovlen++;
            b->m[i].segs++;
            b->m[i].bytes += len;
            b->m[i].short_tail = len < b->m[i].seg_size;
            if (b->m[i].segs == 2)
                set_gso(b, i);
            return;
        }
    }
    unsigned i = b->n++;
    memset(&b->msgs[i], 0, sizeof b->msgs[i]);
    b->msgs[i].msg_hdr.msg_name = (void *)&to->ss;
    b->msgs[i].msg_hdr.msg_namelen = to->len;
    b->msgs[i].msg_hdr.msg_iov = &b->iov[k];
    b->msgs[i].msg_hdr.msg_iovlen = 1;
    b->m[i].first = k;
    b->m[i].segs = 1;
    b->m[i].seg_size = b->m[i].bytes = len;
    b->m[i].short_tail = false;
}

/* GSO refused for message i (an old kernel, or a route through a device
 * without checksum offload): off for good; messages i.. become single
 * datagrams (each datagram has its own iovec, in order, so there is always
 * room: messages <= datagrams <= NET_UDP_BATCH). */
static void gso_fallback(struct net_udp_batch *b, unsigned i)
{
    gso_state = -1;
    struct {
        void *name;
        socklen_t len;
    } to[NET_UDP_BATCH];
    unsigned first = b->m[i].first, k = 0;
    for (unsigned j = i; j < b->n; j++)
        for (unsigned s = 0; s < b->m[j].segs; s++) {
            to[k].name = b->msgs[j].msg_hdr.msg_name;
            to[k++].len = b->msgs[j].msg_hdr.msg_namelen;
        }
    for (unsigned d = 0; d < k; d++) {
        unsigned j = i + d;
        memset(&b->msgs[j], 0, sizeof b->msgs[j]);
        b->msgs[j].msg_hdr.msg_name = to[d].name;
        b->msgs[j].msg_hdr.msg_namelen = to[d].len;
        b->msgs[j].msg_hdr.msg_iov = &b->iov[first + d];
        b->msgs[j].msg_hdr.msg_iovlen = 1;
        b->m[j].first = first + d;
        b->m[j].segs = 1;
        b->m[j].seg_size = b->m[j].bytes = b->iov[first + d].iov_len;
        b->m[j].short_tail = false;
    }
    b->n = i + k;
}

/* datagrams in messages [from, to) */
static unsigned dgrams(const struct net_udp_batch *b, unsigned from, unsigned to)
{
    unsigned d = 0;
    for (unsigned i = from; i < to; i++)
        d += b->m[i].segs;
    return d;
}

int net_udp_batch_send(int fd, struct net_udp_batch *b)
{
    unsigned done = 0;
    bool retried = false;
    while (done < b->n) {
        int r = sendmmsg(fd, b->msgs + done, b->n - done, 0);
        if (r > 0) {
            done += (unsigned)r;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
            return done ? (int)dgrams(b, 0, done) : -EAGAIN;
        if (r < 0 && (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT) &&
            b->m[done].segs > 1) {
            gso_fallback(b, done);
            continue;
        }
        /* With IP_RECVERR, an ICMP error for an earlier datagram (a viewer
         * that went away) is reported once by the next send, which is then
         * not sent: send that datagram again. Any other error is specific
         * to this datagram (e.g. EMSGSIZE): skip it and go on. */
        if (r < 0 && !retried &&
            (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH ||
             errno == EHOSTDOWN)) {
            retried = true;
            continue;
        }
        retried = false;
        done++;
    }
    return (int)dgrams(b, 0, done);
}

void net_udp_enable_errors(int fd)
{
    int on = 1;
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 && ss.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof on);
    else
        setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on);
}

int net_udp_recv_error(int fd, struct net_addr *dest, int *err)
{
    uint8_t data[64];
    union {
        struct cmsghdr h;
        uint8_t b[512];
    } ctl;
    struct iovec iov = {data, sizeof data};
    struct msghdr m = {.msg_name = &dest->ss,
                       .msg_namelen = sizeof dest->ss,
                       .msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = ctl.b,
                       .msg_controllen = sizeof ctl.b};
    ssize_t n = recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT);
    if (n < 0)
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    dest->len = m.msg_namelen;
    *err = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
            (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
            struct sock_extended_err ee;
            memcpy(&ee, CMSG_DATA(c), sizeof ee);
            if (ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6)
                *err = (int)ee.ee_errno;
        }
    }
    return 0;
}

#include <ifaddrs.h>

size_t net_local_ipv4s(char (*out)[64], size_t max)
{
    struct ifaddrs *ifa, *i;
    size_t n = 0;
    if (getifaddrs(&ifa) < 0)
        return 0;
    for (i = ifa; i && n < max; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
            continue;
        const struct sockaddr_in *a = (const struct sockaddr_in *)i->ifa_addr;
        if ((ntohl(a->sin_addr.s_addr) >> 24) == 127)
            continue;
        inet_ntop(AF_INET, &a->sin_addr, out[n], 64);
        n++;
    }
    freeifaddrs(ifa);
    return n;
}
