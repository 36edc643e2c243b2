/* The only code that touches sockets: addresses, TCP listen/accept/tuning,
 * UDP port pairs and batched UDP sends (sendmmsg). Everything is non-blocking.
 * Functions return 0 / a count, or a negative errno. */
#ifndef RTSPGATE_NET_NET_H
#define RTSPGATE_NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

struct net_addr {
    struct sockaddr_storage ss;
    socklen_t len;
};

#define NET_ADDR_STRLEN 64 /* "[ffff:...]:65535" */

/* "0.0.0.0:8554", "127.0.0.1:0", "[::]:8554", ":8554" (all IPv4), "8554". Numeric only. */
int net_addr_parse(const char *s, uint16_t default_port, struct net_addr *out);
/* A numeric IP (v4 or v6) and a port. */
int net_addr_from_ip(const char *ip, uint16_t port, struct net_addr *out);
uint16_t net_addr_port(const struct net_addr *a);
void net_addr_set_port(struct net_addr *a, uint16_t port);
bool net_addr_is_any(const struct net_addr *a);
/* "1.2.3.4:5" or "[::1]:5" */
void net_addr_str(const struct net_addr *a, char *dst, size_t size);
/* Just the IP, no port. */
void net_addr_ip_str(const struct net_addr *a, char *dst, size_t size);
bool net_addr_same_ip(const struct net_addr *a, const struct net_addr *b);
bool net_addr_equal(const struct net_addr *a, const struct net_addr *b); /* ip and port */

/* TCP */
int net_tcp_listen(const struct net_addr *a, int backlog); /* returns fd */
/* Accept one connection (non-blocking, CLOEXEC). -EAGAIN when none. */
int net_tcp_accept(int lfd, struct net_addr *peer);
int net_local_addr(int fd, struct net_addr *out);
/* TCP_NODELAY, SO_SNDBUF (0: leave), TCP_NOTSENT_LOWAT (0: leave). */
void net_tcp_tune(int fd, int sndbuf, int notsent_lowat);
/* TCP_USER_TIMEOUT: the connection fails when sent data stays unacknowledged
 * this long (a dead link is noticed while sending). */
void net_tcp_user_timeout(int fd, unsigned ms);
/* Non-blocking connect; the caller waits for EV_WRITE then calls net_tcp_connect_result. */
int net_tcp_connect(const struct net_addr *a);
int net_tcp_connect_result(int fd);
/* read/writev wrappers that retry EINTR and return -errno. */
ssize_t net_read(int fd, void *buf, size_t len);
ssize_t net_writev(int fd, const struct iovec *iov, int n);

/* UDP */
/* Open an RTP/RTCP pair on consecutive ports (RTP even) on the given IP
 * (port ignored), trying ports from the kernel's ephemeral range.
 * sndbuf: SO_SNDBUF for the RTP socket (0: leave). */
int net_udp_pair_open(const struct net_addr *ip, int sndbuf, int *rtp_fd, int *rtcp_fd,
                      uint16_t *rtp_port);
/* Open one UDP socket bound to a (port 0 = any). */
int net_udp_open(const struct net_addr *a, int *fd);
/* Dotted IPv4 <-> host-order number. parse: 0 or -EPROTO. */
int net_ipv4_parse(const char *s, uint32_t *out);
void net_ipv4_str(uint32_t ip, char *dst, size_t dst_size);
/* Multicast sending: IP_MULTICAST_TTL, loopback on (local viewers), and
 * IP_MULTICAST_IF = the socket's bound IPv4 address when it is not "any".
 * Returns 0 or -errno. */
int net_udp_set_multicast(int fd, int ttl);
/* Multicast receiving (IPv4): a non-blocking socket bound to group (its
 * address and port, so only that group's datagrams arrive) with SO_REUSEADDR
 * (several local receivers share the group), IP_MULTICAST_ALL off, and
 * IP_ADD_MEMBERSHIP on the interface whose address is iface (NULL or "any":
 * the kernel picks by its route to the group). -EPROTONOSUPPORT for a group
 * that is not an IPv4 multicast address. */
int net_udp_mcast_open(const struct net_addr *group, const struct net_addr *iface, int *fd);
/* IP_DROP_MEMBERSHIP (the same group and iface) and close. */
void net_udp_mcast_close(int fd, const struct net_addr *group, const struct net_addr *iface);
bool net_addr_is_multicast(const struct net_addr *a);
bool net_addr_is_loopback(const struct net_addr *a);
/* SO_RCVBUF (best effort: the kernel caps it at net.core.rmem_max). */
void net_udp_set_rcvbuf(int fd, int bytes);
ssize_t net_udp_recv(int fd, void *buf, size_t len, struct net_addr *from);
ssize_t net_udp_send(int fd, const void *buf, size_t len, const struct net_addr *to);
/* Queue ICMP errors for datagrams sent from fd (IP_RECVERR / IPV6_RECVERR),
 * so that a receiver that went away shows up as "port unreachable". */
void net_udp_enable_errors(int fd);
/* One queued ICMP error: *dest = the destination of the datagram that caused
 * it, *err = its errno (ECONNREFUSED: port unreachable; 0: not from ICMP).
 * Returns 0, or -EAGAIN when the queue is empty. */
int net_udp_recv_error(int fd, struct net_addr *dest, int *err);

/* A batch of datagrams for one sendmmsg. Consecutive datagrams to the same
 * destination (the same `to` object) of one size, plus a shorter last one,
 * travel as one message with UDP_SEGMENT (UDP GSO): the kernel builds them
 * once and splits them late. If the kernel or the route refuses GSO, it is
 * switched off for the process and those datagrams go one by one. */
#define NET_UDP_BATCH    256
#define NET_UDP_GSO_SEGS 32 /* datagrams per GSO message (kernel limit 64) */
struct net_udp_batch {
    unsigned n;    /* messages */
    unsigned niov; /* datagrams (one iovec each) */
    struct mmsghdr msgs[NET_UDP_BATCH];
    struct iovec iov[NET_UDP_BATCH];
    struct {
        unsigned first, segs;
        size_t seg_size, bytes;
        bool short_tail;
        union {
            char buf[24]; /* CMSG_SPACE(sizeof(uint16_t)) */
            struct cmsghdr align;
        } cmsg;
    } m[NET_UDP_BATCH];
};
static inline void net_udp_batch_reset(struct net_udp_batch *b)
{
    b->n = b->niov = 0;
}
static inline bool net_udp_batch_full(const struct net_udp_batch *b)
{
    return b->niov == NET_UDP_BATCH;
}
/* Adds a datagram; `to` and `data` must stay valid until the batch is sent. */
void net_udp_batch_add(struct net_udp_batch *b, const struct net_addr *to, const void *data,
                       size_t len);
/* sendmmsg the whole batch. Returns the number of datagrams the kernel took
 * (the rest are dropped by the caller, or retried when writable), or -errno
 * (-EAGAIN when none was taken). Per-destination errors such as ICMP-induced
 * ECONNREFUSED are skipped over. */
int net_udp_batch_send(int fd, struct net_udp_batch *b);
/* false once GSO has been refused (or RTSPGATE_NO_GSO is set) */
bool net_udp_gso_enabled(void);

/* Non-loopback IPv4 addresses of this host's interfaces, for banners. */
size_t net_local_ipv4s(char (*out)[64], size_t max);

#endif
