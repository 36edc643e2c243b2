/* Packet decoding for capture files: see decode.h. */
#include "capture/decode.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bool cap_link_supported(int lt)
{
    switch (lt) {
    case CAP_LINK_NULL:
    case CAP_LINK_ETHERNET:
    case CAP_LINK_RAW:
    case CAP_LINK_RAW_BSD:
    case CAP_LINK_RAW_FILE:
    case CAP_LINK_LOOP:
    case CAP_LINK_SLL:
    case CAP_LINK_IPV4:
    case CAP_LINK_IPV6:
    case CAP_LINK_SLL2:
        return true;
    default:
        return false;
    }
}

const char *cap_link_name(int lt)
{
    switch (lt) {
    case CAP_LINK_NULL:
        return "BSD loopback (null)";
    case CAP_LINK_ETHERNET:
        return "Ethernet";
    case CAP_LINK_RAW:
    case CAP_LINK_RAW_BSD:
    case CAP_LINK_RAW_FILE:
        return "raw IP";
    case CAP_LINK_LOOP:
        return "OpenBSD loopback";
    case CAP_LINK_SLL:
        return "Linux cooked (SLL)";
    case CAP_LINK_IPV4:
        return "raw IPv4";
    case CAP_LINK_IPV6:
        return "raw IPv6";
    case CAP_LINK_SLL2:
        return "Linux cooked v2 (SLL2)";
    default:
        return "unknown";
    }
}

bool cap_addr_eq(const struct cap_addr *x, const struct cap_addr *y)
{
    if (x->family != y->family)
        return false;
    return memcmp(x->a, y->a, x->family == 4 ? 4 : 16) == 0;
}

bool cap_addr_is_multicast(const struct cap_addr *x)
{
    if (x->family == 4)
        return (x->a[0] & 0xf0) == 0xe0;
    if (x->family == 6)
        return x->a[0] == 0xff;
    return false;
}

void cap_addr_str(const struct cap_addr *x, char *out, size_t cap)
{
    if (!cap)
        return;
    out[0] = 0;
    if (x->family == 4) {
        snprintf(out, cap, "%u.%u.%u.%u", x->a[0], x->a[1], x->a[2], x->a[3]);
        return;
    }
    if (x->family != 6) {
        snprintf(out, cap, "?");
        return;
    }
    /* RFC 5952: the longest run (>= 2) of zero groups becomes "::" */
    uint16_t g[8];
    for (int i = 0; i < 8; i++)
        g[i] = be16(x->a + 2 * i);
    int best = -1, best_n = 0;
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > best_n && j - i >= 2)
            best = i, best_n = j - i;
        i = j > i ? j : i + 1;
    }
    size_t n = 0;
    for (int i = 0; i < 8 && n < cap; i++) {
        if (i == best) {
            n += (size_t)snprintf(out + n, cap - n, "::");
            i += best_n - 1;
            continue;
        }
        bool sep = i > 0 && i != best + best_n;
        n += (size_t)snprintf(out + n, cap - n, "%s%x", sep ? ":" : "", g[i]);
    }
}

static int parse_v4(const char *s, size_t n, uint8_t out[4])
{
    size_t i = 0;
    for (int k = 0; k < 4; k++) {
        if (k) {
            if (i >= n || s[i] != '.')
                return -EPROTO;
            i++;
        }
        unsigned v = 0, d = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && d < 4) {
            v = v * 10 + (unsigned)(s[i] - '0');
            i++, d++;
        }
        if (!d || d > 3 || v > 255)
            return -EPROTO;
        out[k] = (uint8_t)v;
    }
    return i == n ? 0 : -EPROTO;
}

int cap_addr_parse(const char *s, size_t n, struct cap_addr *out)
{
    memset(out, 0, sizeof *out);
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']')
        s++, n -= 2;
    if (!n || n > 45)
        return -EPROTO;
    if (memchr(s, ':', n) == NULL) {
        if (parse_v4(s, n, out->a))
            return -EPROTO;
        out->family = 4;
        return 0;
    }
    /* IPv6: groups of 1..4 hex digits, at most one "::", optional IPv4 tail */
    uint16_t head[8], tail[8];
    int nh = 0, nt = 0;
    bool dbl = false;
    size_t i = 0;
    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        dbl = true;
        i = 2;
    } else if (s[0] == ':') {
        return -EPROTO;
    }
    while (i < n) {
        size_t st = i;
        unsigned v = 0;
        while (i < n && i - st < 5) {
            char c = s[i];
            int d = (c >= '0' && c <= '9')   ? c - '0'
                    : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                    : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                             : -1;
            if (d < 0)
                break;
            v = v * 16 + (unsigned)d;
            i++;
        }
        if (i < n && s[i] == '.') { /* embedded IPv4: the rest of the text */
            uint8_t v4[4];
            if (parse_v4(s + st, n - st, v4))
                return -EPROTO;
            uint16_t *arr = dbl ? tail : head;
            int *cnt = dbl ? &nt : &nh;
            if (*cnt + 2 > 8)
                return -EPROTO;
            arr[(*cnt)++] = (uint16_t)(v4[0] << 8 | v4[1]);
            arr[(*cnt)++] = (uint16_t)(v4[2] << 8 | v4[3]);
            i = n;
            break;
        }
        if (i == st || i - st > 4)
            return -EPROTO;
        uint16_t *arr = dbl ? tail : head;
        int *cnt = dbl ? &nt : &nh;
        if (*cnt >= 8)
            return -EPROTO;
        arr[(*cnt)++] = (uint16_t)v;
        if (i == n)
            break;
        if (s[i] != ':')
            return -EPROTO;
        i++;
        if (i < n && s[i] == ':') {
            if (dbl)
                return -EPROTO;
            dbl = true;
            i++;
        } else if (i == n) {
            return -EPROTO;
        }
    }
    if (dbl ? nh + nt > 7 : nh != 8)
        return -EPROTO;
    uint16_t g[8] = {0};
    for (int k = 0; k < nh; k++)
        g[k] = head[k];
    for (int k = 0; k < nt; k++)
        g[8 - nt + k] = tail[k];
    for (int k = 0; k < 8; k++) {
        out->a[2 * k] = (uint8_t)(g[k] >> 8);
        out->a[2 * k + 1] = (uint8_t)g[k];
    }
    out->family = 6;
    return 0;
}

/* Transport header at p[0..n) (n: captured bytes of the IP payload, wire:
 * its length on the wire). */
static int decode_l4(uint8_t proto, const uint8_t *p, size_t n, size_t wire, struct cap_pkt *o)
{
    if (proto == CAP_PROTO_TCP) {
        if (n < 20 || wire < 20)
            return -EPROTO;
        size_t off = (size_t)(p[12] >> 4) * 4;
        if (off < 20 || off > n || off > wire)
            return -EPROTO;
        o->proto = CAP_PROTO_TCP;
        o->sport = be16(p);
        o->dport = be16(p + 2);
        o->seq = be32(p + 4);
        o->ack = be32(p + 8);
        o->flags = p[13];
        o->payload = p + off;
        o->wire_len = wire - off;
        o->payload_len = n - off < o->wire_len ? n - off : o->wire_len;
    } else if (proto == CAP_PROTO_UDP) {
        if (n < 8 || wire < 8)
            return -EPROTO;
        size_t ulen = be16(p + 4);
        if (ulen < 8)
            ulen = wire; /* jumbograms, or 0 from offloading: trust IP */
        if (ulen > wire)
            ulen = wire;
        o->proto = CAP_PROTO_UDP;
        o->sport = be16(p);
        o->dport = be16(p + 2);
        o->payload = p + 8;
        o->wire_len = ulen - 8;
        o->payload_len = n - 8 < o->wire_len ? n - 8 : o->wire_len;
    } else {
        return -ENOENT;
    }
    o->truncated = o->payload_len < o->wire_len;
    return 0;
}

static int decode_ip4(const uint8_t *p, size_t n, struct cap_pkt *o)
{
    if (n < 20)
        return -EPROTO;
    size_t ihl = (size_t)(p[0] & 15) * 4;
    size_t tot = be16(p + 2);
    if (ihl < 20 || ihl > n)
        return -EPROTO;
    if (tot == 0)
        tot = n; /* TSO: the length is filled in by the NIC */
    if (tot < ihl)
        return -EPROTO;
    uint16_t frag = be16(p + 6);
    if (frag & 0x1fff)
        return -ENOENT; /* a later fragment */
    o->fragment = (frag & 0x2000) != 0;
    o->src.family = o->dst.family = 4;
    memcpy(o->src.a, p + 12, 4);
    memcpy(o->dst.a, p + 16, 4);
    size_t have = n < tot ? n : tot;
    return decode_l4(p[9], p + ihl, have - ihl, tot - ihl, o);
}

static int decode_ip6(const uint8_t *p, size_t n, struct cap_pkt *o)
{
    if (n < 40)
        return -EPROTO;
    size_t plen = be16(p + 4);
    uint8_t nh = p[6];
    o->src.family = o->dst.family = 6;
    memcpy(o->src.a, p + 8, 16);
    memcpy(o->dst.a, p + 24, 16);
    size_t off = 40, wire = 40 + plen;
    if (plen == 0)
        wire = n; /* jumbogram or offloaded */
    for (int k = 0; k < 8; k++) {
        if (nh == 0 || nh == 43 || nh == 60) {
            if (off + 2 > n)
                return -EPROTO;
            size_t l = ((size_t)p[off + 1] + 1) * 8;
            nh = p[off];
            off += l;
        } else if (nh == 44) {
            if (off + 8 > n)
                return -EPROTO;
            uint16_t fo = be16(p + off + 2);
            if (fo & 0xfff8)
                return -ENOENT;
            o->fragment = (fo & 1) != 0;
            nh = p[off];
            off += 8;
        } else if (nh == 51) {
            if (off + 2 > n)
                return -EPROTO;
            size_t l = ((size_t)p[off + 1] + 2) * 4;
            nh = p[off];
            off += l;
        } else {
            break;
        }
        if (off > n || off > wire)
            return -EPROTO;
    }
    size_t have = n < wire ? n : wire;
    return decode_l4(nh, p + off, have - off, wire - off, o);
}

static int decode_ethertype(uint16_t et, const uint8_t *p, size_t n, struct cap_pkt *o)
{
    for (int k = 0; k < 4 && (et == 0x8100 || et == 0x88a8 || et == 0x9100); k++) {
        if (n < 4)
            return -EPROTO;
        et = be16(p + 2);
        p += 4, n -= 4;
    }
    if (et == 0x0800)
        return decode_ip4(p, n, o);
    if (et == 0x86dd)
        return decode_ip6(p, n, o);
    return -ENOENT;
}

static int decode_by_version(const uint8_t *p, size_t n, struct cap_pkt *o)
{
    if (n < 1)
        return -EPROTO;
    if (p[0] >> 4 == 4)
        return decode_ip4(p, n, o);
    if (p[0] >> 4 == 6)
        return decode_ip6(p, n, o);
    return -ENOENT;
}

int cap_decode(int lt, const uint8_t *d, size_t caplen, size_t len, struct cap_pkt *o)
{
    (void)len;
    memset(o, 0, sizeof *o);
    switch (lt) {
    case CAP_LINK_ETHERNET:
        if (caplen < 14)
            return -EPROTO;
        return decode_ethertype(be16(d + 12), d + 14, caplen - 14, o);
    case CAP_LINK_SLL:
        if (caplen < 16)
            return -EPROTO;
        return decode_ethertype(be16(d + 14), d + 16, caplen - 16, o);
    case CAP_LINK_SLL2:
        if (caplen < 20)
            return -EPROTO;
        return decode_ethertype(be16(d), d + 20, caplen - 20, o);
    case CAP_LINK_RAW:
    case CAP_LINK_RAW_BSD:
    case CAP_LINK_RAW_FILE:
    case CAP_LINK_IPV4:
    case CAP_LINK_IPV6:
        return decode_by_version(d, caplen, o);
    case CAP_LINK_NULL:
    case CAP_LINK_LOOP: {
        if (caplen < 4)
            return -EPROTO;
        /* the family in the capturing host's byte order (NULL) or network order (LOOP) */
        uint32_t fam = lt == CAP_LINK_LOOP || (d[0] == 0 && d[1] == 0)
                           ? be32(d)
                           : (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
                                 (uint32_t)d[3] << 24;
        if (fam == 2)
            return decode_ip4(d + 4, caplen - 4, o);
        if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
            return decode_ip6(d + 4, caplen - 4, o);
        return -ENOENT;
    }
    default:
        return -EPROTONOSUPPORT;
    }
}
