/* The RTSP Transport header (RFC 2326 §12.39): parse and format. Pure. */
#ifndef RTSPGATE_RTSP_TRANSPORT_H
#define RTSPGATE_RTSP_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/sv.h"

enum rtsp_profile {
    RTSP_PROFILE_OTHER = 0, /* anything we do not serve (e.g. RTP/SAVP, x-real-rdt) */
    RTSP_PROFILE_RTP_AVP,
    RTSP_PROFILE_RTP_AVPF,
};

enum rtsp_lower { RTSP_LOWER_UDP = 0, RTSP_LOWER_TCP };

enum rtsp_tmode { RTSP_TMODE_PLAY = 0, RTSP_TMODE_RECORD };

struct rtsp_transport {
    enum rtsp_profile profile;
    struct sv profile_text; /* e.g. "RTP/AVP/TCP" as sent */
    enum rtsp_lower lower;
    bool multicast; /* "multicast" given (default unicast) */
    enum rtsp_tmode mode;
    bool has_interleaved;
    uint8_t interleaved[2];
    bool has_client_port;
    uint16_t client_port[2];
    bool has_server_port;
    uint16_t server_port[2];
    bool has_port; /* multicast "port=" */
    uint16_t port[2];
    bool has_ttl;
    uint8_t ttl;
    bool has_ssrc;
    uint32_t ssrc;
    struct sv destination; /* .p == NULL when absent */
    struct sv source;
};

#define RTSP_MAX_TRANSPORT_ALTERNATIVES 8

/* Parse a Transport header value: a comma-separated list of alternatives.
 * Up to `max` are stored in out[]; *n is how many. Unknown parameters are
 * ignored (RFC 2326). A single port "client_port=5000" means 5000-5001.
 * Returns 0, or -EPROTO when the value is malformed (bad numbers, bad ranges,
 * empty) — the caller answers 400 — or -EMSGSIZE for more than `max`. */
int rtsp_transport_parse(struct sv value, struct rtsp_transport *out, size_t max, size_t *n);

/* Append one transport spec in canonical form, e.g.
 * "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=1A2B3C4D" or
 * "RTP/AVP;unicast;client_port=5000-5001;server_port=6000-6001;ssrc=..."
 * (mode is written only when it is record). What it writes parses back to the
 * same values. Returns 0, a buf error (-EMSGSIZE, -ENOMEM), or -EINVAL for a
 * spec that could not be parsed back (an OTHER profile without profile_text,
 * a destination/source holding ';' ',' '"' '=' spaces or control bytes). */
int rtsp_transport_format(const struct rtsp_transport *t, struct buf *out);

#endif
