/* Packet decoding for capture files: link layer (Ethernet with VLAN tags,
 * Linux cooked SLL and SLL2, raw IP, BSD loopback/null), IPv4 and IPv6
 * (extension headers skipped), TCP and UDP headers.
 *
 * Pure: no libpcap types, no sockets, no allocation. The caller passes the
 * captured bytes, the capture's link type (the LINKTYPE_/DLT_ number libpcap
 * reports) and the original length; the decoded packet holds views into those
 * bytes, valid as long as they are. */
#ifndef RTSPGATE_CAPTURE_DECODE_H
#define RTSPGATE_CAPTURE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Link types (the DLT_ numbers libpcap's pcap_datalink() returns on Linux,
 * plus the LINKTYPE_ aliases a file may carry). */
enum {
    CAP_LINK_NULL = 0,
    CAP_LINK_ETHERNET = 1,
    CAP_LINK_RAW = 12,       /* DLT_RAW on Linux */
    CAP_LINK_RAW_BSD = 14,   /* DLT_RAW on OpenBSD */
    CAP_LINK_RAW_FILE = 101, /* LINKTYPE_RAW */
    CAP_LINK_LOOP = 108,
    CAP_LINK_SLL = 113,
    CAP_LINK_IPV4 = 228,
    CAP_LINK_IPV6 = 229,
    CAP_LINK_SLL2 = 276,
};

/* True when cap_decode() understands this link type. */
bool cap_link_supported(int linktype);
/* "Ethernet", "Linux cooked (SLL)" ...; "unknown" otherwise. */
const char *cap_link_name(int linktype);

struct cap_addr {
    uint8_t family; /* 4 or 6; 0: none */
    uint8_t a[16];  /* IPv4 in the first 4 bytes */
};

bool cap_addr_eq(const struct cap_addr *x, const struct cap_addr *y);
bool cap_addr_is_multicast(const struct cap_addr *x);
/* Text form ("192.0.2.1", "2001:db8::1") into out (>= 46 bytes). */
void cap_addr_str(const struct cap_addr *x, char *out, size_t cap);
/* Parse an IPv4 dotted quad or an IPv6 address (optionally in [...]).
 * Returns 0 or -EPROTO. */
int cap_addr_parse(const char *s, size_t n, struct cap_addr *out);

enum { CAP_PROTO_TCP = 6, CAP_PROTO_UDP = 17 };

enum {
    CAP_TCP_FIN = 0x01,
    CAP_TCP_SYN = 0x02,
    CAP_TCP_RST = 0x04,
    CAP_TCP_PSH = 0x08,
    CAP_TCP_ACK = 0x10,
};

struct cap_pkt {
    uint8_t proto; /* CAP_PROTO_TCP or CAP_PROTO_UDP */
    struct cap_addr src, dst;
    uint16_t sport, dport;
    uint32_t seq, ack; /* TCP */
    uint8_t flags;     /* TCP */
    const uint8_t *payload;
    size_t payload_len; /* bytes present in the capture */
    size_t wire_len;    /* payload bytes on the wire (from the IP/UDP length) */
    bool truncated;     /* snap length cut the payload: wire_len > payload_len */
    bool fragment;      /* first fragment of a fragmented IP datagram */
};

/* Decode one captured frame. caplen: bytes in data; len: original length.
 * Returns 0 (*out filled); -ENOENT: not IPv4/IPv6 TCP/UDP, or a later IP
 * fragment (nothing to analyse, not an error); -EPROTO: malformed or cut
 * before the end of the TCP/UDP header; -EPROTONOSUPPORT: link type. */
int cap_decode(int linktype, const uint8_t *data, size_t caplen, size_t len, struct cap_pkt *out);

#endif
