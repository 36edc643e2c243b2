/* SDP (RFC 4566): writer for what we serve, parser for what cameras send. Pure. */
#ifndef RTSPGATE_SDP_SDP_H
#define RTSPGATE_SDP_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/sv.h"

/* ---- writer ---- */
struct sdp_out_media {
    const char *media;   /* "video" | "audio" | "application" */
    uint8_t pt;          /* RTP payload type */
    const char *rtpmap;  /* "H264/90000", "MPEG4-GENERIC/48000/2"; NULL for static PTs */
    const char *fmtp;    /* NULL if none */
    const char *control; /* e.g. "trackID=0" */
    const char *extra;   /* extra raw attribute lines, each ending "\r\n"; NULL if none */
};
struct sdp_out_session {
    uint64_t session_id;  /* o= sess-id and version */
    const char *origin_addr; /* "127.0.0.1" or "::1" (IP6 chosen by ':') */
    const char *name;     /* s= */
    const char *tool;     /* a=tool: */
    const char *range;    /* "npt=now-" */
    const char *control;  /* session-level a=control ("*" or the base URL) */
};
/* Append a whole SDP (v=, o=, s=, c=IN IP4 0.0.0.0, t=0 0, a=tool, a=range, a=control,
 * then per media m=<media> 0 RTP/AVP <pt>, a=rtpmap, a=fmtp, a=control). */
int sdp_write(struct buf *out, const struct sdp_out_session *s, const struct sdp_out_media *m,
              size_t n_media);

/* ---- parser ---- */
struct sdp_media {
    struct sv media;      /* "video" */
    uint16_t port;
    struct sv proto;      /* "RTP/AVP" */
    uint8_t pt;           /* first format */
    struct sv rtpmap;     /* value after "a=rtpmap:<pt> " for that pt, or empty */
    struct sv fmtp;       /* value after "a=fmtp:<pt> ", or empty */
    struct sv control;    /* a=control value, or .p == NULL */
    struct sv text;       /* the whole media section, from "m=" to before the next "m=" */
    uint32_t clock_rate;  /* from rtpmap, or the static PT's (0, 8: 8000; 14: 90000; 26, 32, 33: 90000) */
    struct sv encoding;   /* from rtpmap, e.g. "H264" */
    unsigned channels;    /* from rtpmap, default 1 */
};
struct sdp_session {
    struct sv control; /* session-level a=control or .p == NULL */
    struct sv range;   /* a=range value or .p == NULL */
    struct sv name;    /* s= */
    size_t n_media;
    struct sdp_media media[RTSP_MAX_TRACKS];
};
/* Parse an SDP body (lines end in CRLF or LF). Media sections beyond
 * RTSP_MAX_TRACKS are ignored. Returns 0 or -EPROTO (no v=0, bad m= line). */
int sdp_parse(struct sv text, struct sdp_session *out);
/* Look for `name=` (case-insensitive) in an fmtp value "a=1;b=2"; .p == NULL if absent. */
struct sv sdp_fmtp_param(struct sv fmtp, const char *name);

#endif
