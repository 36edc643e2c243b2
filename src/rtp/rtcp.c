#include "rtp/rtcp.h"

#include <errno.h>
#include <string.h>

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* SDES with one CNAME chunk, padded to 32 bits. 0 if it does not fit. */
static size_t put_sdes(uint8_t *out, size_t cap, uint32_t ssrc, const char *cname)
{
    size_t cl = cname ? strlen(cname) : 0;
    if (cl > 255)
        cl = 255;
    size_t body = 4 + 2 + cl + 1; /* ssrc, type+len, text, end */
    size_t len = 4 + ((body + 3) & ~(size_t)3);
    if (len > cap)
        return 0;
    memset(out, 0, len);
    out[0] = 0x81;
    out[1] = RTCP_SDES;
    out[2] = (uint8_t)((len / 4 - 1) >> 8);
    out[3] = (uint8_t)(len / 4 - 1);
    put32(out + 4, ssrc);
    out[8] = 1; /* CNAME */
    out[9] = (uint8_t)cl;
    if (cl)
        memcpy(out + 10, cname, cl);
    return len;
}

size_t rtcp_build_sr(uint8_t *out, size_t cap, uint32_t ssrc, uint64_t ntp, uint32_t rtp_ts,
                     uint32_t packets, uint32_t octets, const char *cname)
{
    if (cap < 28)
        return 0;
    out[0] = 0x80;
    out[1] = RTCP_SR;
    out[2] = 0;
    out[3] = 6;
    put32(out + 4, ssrc);
    put32(out + 8, (uint32_t)(ntp >> 32));
    put32(out + 12, (uint32_t)ntp);
    put32(out + 16, rtp_ts);
    put32(out + 20, packets);
    put32(out + 24, octets);
    size_t s = put_sdes(out + 28, cap - 28, ssrc, cname);
    return s ? 28 + s : 0;
}

size_t rtcp_build_rr(uint8_t *out, size_t cap, uint32_t ssrc, const struct rtcp_report_block *b,
                     const char *cname)
{
    size_t len = 8 + (b ? 24 : 0);
    if (cap < len)
        return 0;
    out[0] = (uint8_t)(0x80 | (b ? 1 : 0));
    out[1] = RTCP_RR;
    out[2] = 0;
    out[3] = (uint8_t)(len / 4 - 1);
    put32(out + 4, ssrc);
    if (b) {
        put32(out + 8, b->ssrc);
        uint32_t lost = (uint32_t)b->cumulative_lost & 0xffffff;
        put32(out + 12, (uint32_t)b->fraction_lost << 24 | lost);
        put32(out + 16, b->highest_seq);
        put32(out + 20, b->jitter);
        put32(out + 24, b->lsr);
        put32(out + 28, b->dlsr);
    }
    size_t s = put_sdes(out + len, cap - len, ssrc, cname);
    return s ? len + s : 0;
}

size_t rtcp_build_bye(uint8_t *out, size_t cap, uint32_t ssrc)
{
    if (cap < 8)
        return 0;
    out[0] = 0x81;
    out[1] = RTCP_BYE;
    out[2] = 0;
    out[3] = 1;
    put32(out + 4, ssrc);
    return 8;
}

bool rtcp_is_rtcp(const uint8_t *buf, size_t len)
{
    return len >= 8 && (buf[0] >> 6) == 2 && buf[1] >= RTCP_SR && buf[1] <= RTCP_APP;
}

static void read_block(const uint8_t *p, struct rtcp_report_block *b)
{
    b->ssrc = get32(p);
    b->fraction_lost = p[4];
    uint32_t l = (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
    b->cumulative_lost = (l & 0x800000) ? (int32_t)(l | 0xff000000u) : (int32_t)l;
    b->highest_seq = get32(p + 8);
    b->jitter = get32(p + 12);
    b->lsr = get32(p + 16);
    b->dlsr = get32(p + 20);
}

int rtcp_parse(const uint8_t *buf, size_t len, struct rtcp_info *info)
{
    memset(info, 0, sizeof(*info));
    if (!rtcp_is_rtcp(buf, len))
        return -EPROTO;
    bool first = true;
    size_t off = 0;
    while (off < len) {
        if (len - off < 4 || (buf[off] >> 6) != 2)
            return -EPROTO;
        const uint8_t *p = buf + off;
        size_t plen = 4 * ((size_t)(p[2] << 8 | p[3]) + 1);
        if (plen > len - off)
            return -EPROTO;
        unsigned rc = p[0] & 0x1f;
        size_t blocks_at = 0;
        if (p[1] == RTCP_SR) {
            if (plen < 28)
                return -EPROTO;
            info->has_sr = true;
            info->sr_ssrc = get32(p + 4);
            info->sr_ntp = (uint64_t)get32(p + 8) << 32 | get32(p + 12);
            info->sr_rtp_ts = get32(p + 16);
            info->sr_packets = get32(p + 20);
            info->sr_octets = get32(p + 24);
            blocks_at = 28;
        } else if (p[1] == RTCP_RR) {
            if (plen < 8)
                return -EPROTO;
            info->n_rr++;
            blocks_at = 8;
        } else if (p[1] == RTCP_BYE) {
            info->has_bye = true;
        }
        if (blocks_at) {
            if (first)
                info->sender_ssrc = get32(p + 4);
            first = false;
            if (blocks_at + 24 * (size_t)rc > plen)
                return -EPROTO;
            if (rc && !info->has_block) {
                read_block(p + blocks_at, &info->block);
                info->has_block = true;
            }
            info->n_blocks += rc;
        }
        off += plen;
    }
    return 0;
}
