/* RTCP (RFC 3550 §6): build SR/RR compounds with SDES CNAME, parse compounds. Pure. */
#ifndef RTSPGATE_RTP_RTCP_H
#define RTSPGATE_RTP_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { RTCP_SR = 200, RTCP_RR = 201, RTCP_SDES = 202, RTCP_BYE = 203, RTCP_APP = 204 };

struct rtcp_report_block {
    uint32_t ssrc;
    uint8_t fraction_lost;
    int32_t cumulative_lost; /* 24-bit signed */
    uint32_t highest_seq;
    uint32_t jitter;
    uint32_t lsr;
    uint32_t dlsr;
};

struct rtcp_info {
    bool has_sr;
    uint32_t sr_ssrc;
    uint64_t sr_ntp; /* 32.32 */
    uint32_t sr_rtp_ts;
    uint32_t sr_packets;
    uint32_t sr_octets;
    unsigned n_rr;   /* RR packets seen */
    unsigned n_blocks; /* report blocks seen (SR+RR), first one kept below */
    bool has_block;
    struct rtcp_report_block block;
    bool has_bye;
    uint32_t sender_ssrc; /* of the first SR/RR */
};

/* Build an SR (no report blocks) + SDES CNAME compound into out. Returns the
 * number of bytes written, or 0 if cap is too small. cname at most 255 bytes. */
size_t rtcp_build_sr(uint8_t *out, size_t cap, uint32_t ssrc, uint64_t ntp, uint32_t rtp_ts,
                     uint32_t packets, uint32_t octets, const char *cname);
/* Build an RR with zero or one report block + SDES CNAME. */
size_t rtcp_build_rr(uint8_t *out, size_t cap, uint32_t ssrc,
                     const struct rtcp_report_block *block, const char *cname);
/* Build a BYE for ssrc. */
size_t rtcp_build_bye(uint8_t *out, size_t cap, uint32_t ssrc);
/* Walk a compound packet. Returns 0 or -EPROTO (not RTCP, bad lengths). */
int rtcp_parse(const uint8_t *buf, size_t len, struct rtcp_info *info);
/* True if a datagram looks like RTCP (version 2, PT 200..204) rather than RTP. */
bool rtcp_is_rtcp(const uint8_t *buf, size_t len);

#endif
