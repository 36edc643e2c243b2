/* bench/bench_common.h: helpers shared by the benchmark programs (not part of
 * rtspgate): clocks, TCP connect, and the timestamp SEI. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BENCH_MAX_PAYLOAD 1388 /* + 12-byte RTP header = 1400 */

static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t bench_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline int bench_connect(const char *host, int port)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai;
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    if (getaddrinfo(host, ps, &hints, &ai))
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen)) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

/* SEI user_data_unregistered: UUID, 16 nibbles of the send time (ns since the
 * epoch, CLOCK_REALTIME) and 8 nibbles of the frame number, each nibble
 * stored as 0x40|n so the payload never needs emulation prevention. */
static const uint8_t bench_uuid[16] = {0x72, 0x74, 0x73, 0x70, 0x67, 0x61, 0x74, 0x65,
                                       0x62, 0x65, 0x6e, 0x63, 0x68, 0x54, 0x53, 0x31};
#define BENCH_SEI_LEN (1 + 2 + 16 + 16 + 8 + 1)

static inline size_t bench_make_sei(uint8_t *o, uint64_t ns, uint32_t frame)
{
    size_t n = 0;
    o[n++] = 0x06;
    o[n++] = 5;
    o[n++] = 16 + 16 + 8;
    memcpy(o + n, bench_uuid, 16);
    n += 16;
    for (int i = 15; i >= 0; i--)
        o[n++] = (uint8_t)(0x40 | ((ns >> (i * 4)) & 15));
    for (int i = 7; i >= 0; i--)
        o[n++] = (uint8_t)(0x40 | ((frame >> (i * 4)) & 15));
    o[n++] = 0x80;
    return n;
}

/* nal points at a SEI NAL (type 6); returns 1 and fills ns/frame if it is ours */
static inline int bench_parse_sei(const uint8_t *nal, size_t len, uint64_t *ns, uint32_t *frame)
{
    if (len < BENCH_SEI_LEN - 1 || (nal[0] & 0x1f) != 6 || nal[1] != 5 || nal[2] != 40 ||
        memcmp(nal + 3, bench_uuid, 16))
        return 0;
    uint64_t v = 0;
    for (int i = 0; i < 16; i++)
        v = (v << 4) | (nal[19 + i] & 15);
    uint32_t f = 0;
    for (int i = 0; i < 8; i++)
        f = (f << 4) | (nal[35 + i] & 15);
    *ns = v;
    *frame = f;
    return 1;
}

#endif
