/* RTSP 1.0 message and interleaved-frame parser (RFC 2326), and small writers.
 *
 * Pure: no I/O, no clock, no allocation. The parser is stateless: call it on
 * the bytes buffered so far; it returns -EAGAIN until a whole item is there,
 * so input may be split at any byte. All views in a parsed item point into the
 * caller's buffer and stay valid until the caller consumes/moves those bytes. */
#ifndef RTSPGATE_RTSP_MSG_H
#define RTSPGATE_RTSP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/sv.h"

enum rtsp_method {
    RTSP_METHOD_UNKNOWN = 0,
    RTSP_METHOD_OPTIONS,
    RTSP_METHOD_DESCRIBE,
    RTSP_METHOD_ANNOUNCE,
    RTSP_METHOD_SETUP,
    RTSP_METHOD_PLAY,
    RTSP_METHOD_PAUSE,
    RTSP_METHOD_RECORD,
    RTSP_METHOD_TEARDOWN,
    RTSP_METHOD_GET_PARAMETER,
    RTSP_METHOD_SET_PARAMETER,
    RTSP_METHOD_REDIRECT,
    RTSP_METHOD_COUNT
};

struct rtsp_header {
    struct sv name;  /* as sent (compare case-insensitively) */
    struct sv value; /* trimmed; continuation lines are not supported (-> bad message) */
};

struct rtsp_msg {
    bool is_response;
    /* request */
    enum rtsp_method method; /* RTSP_METHOD_UNKNOWN for a syntactically valid unknown token */
    struct sv method_name;
    struct sv uri;
    /* response */
    int status; /* 100..999 */
    struct sv reason;
    /* both */
    struct rtsp_header headers[RTSP_MAX_HEADERS];
    size_t n_headers;
    struct sv body; /* Content-Length bytes (empty when absent) */
};

enum rtsp_item_kind {
    RTSP_ITEM_MESSAGE = 1, /* a whole request or response in .msg */
    RTSP_ITEM_FRAME,       /* an interleaved "$" frame in .frame */
    RTSP_ITEM_JUNK,        /* bytes that are neither: skip them (resync) */
    RTSP_ITEM_BAD_MESSAGE, /* a message whose framing is intact (end of headers and body
                              length known) but whose content is malformed: answer 400
                              and go on. .msg holds what could be parsed (CSeq if any). */
};

struct rtsp_frame {
    uint8_t channel;
    uint16_t len;
    const uint8_t *data;
};

struct rtsp_item {
    enum rtsp_item_kind kind;
    struct rtsp_msg msg;
    struct rtsp_frame frame;
    const char *error; /* static text for RTSP_ITEM_BAD_MESSAGE */
};

/* Parse one item from buf[0..len).
 * Returns 0 and sets *consumed (> 0) and *item;
 *   -EAGAIN: need more bytes (nothing consumed);
 *   -EMSGSIZE: headers exceed RTSP_MAX_HEADER_BYTES / RTSP_MAX_HEADERS or the
 *              body exceeds RTSP_MAX_BODY_BYTES: framing lost, close;
 *   -EPROTO: framing lost (e.g. unparsable Content-Length): close.
 * Junk: bytes at the start that cannot begin a message or a frame are returned
 * as RTSP_ITEM_JUNK up to the next '$' or a line that starts like a request or
 * a response ("RTSP/"), so callers can count and bound them. */
int rtsp_parse(const uint8_t *buf, size_t len, size_t *consumed, struct rtsp_item *item);

/* Limits below the compile-time maxima (a field of 0, or above its maximum,
 * means the maximum): head bytes (RTSP_MAX_HEADER_BYTES), header count
 * (RTSP_MAX_HEADERS), body bytes (RTSP_MAX_BODY_BYTES) and interleaved frame
 * payload bytes (65535). Over a limit: -EMSGSIZE, as for the maxima. */
struct rtsp_limits {
    size_t header_bytes, headers, body_bytes, frame_bytes;
};
int rtsp_parse_lim(const uint8_t *buf, size_t len, const struct rtsp_limits *lim, size_t *consumed,
                   struct rtsp_item *item);

/* First header with that name (case-insensitive); .p == NULL when absent. */
struct sv rtsp_msg_header(const struct rtsp_msg *m, const char *name);
/* CSeq as a number; -EPROTO when absent or not a number < 2^31. */
int rtsp_msg_cseq(const struct rtsp_msg *m, uint32_t *cseq);

enum rtsp_method rtsp_method_from_sv(struct sv s);
const char *rtsp_method_name(enum rtsp_method m); /* "OPTIONS"...; "UNKNOWN" */
const char *rtsp_reason(int status);              /* "OK", "Bad Request", ... */

/* Write "$" + channel + 16-bit length. */
static inline void rtsp_frame_header(uint8_t out[4], uint8_t channel, uint16_t len)
{
    out[0] = '$';
    out[1] = channel;
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
}

/* ---- header values ---- */

/* Session: <id>[;timeout=<s>] */
struct rtsp_session_hdr {
    struct sv id;
    bool has_timeout;
    uint32_t timeout_s;
};
int rtsp_parse_session(struct sv value, struct rtsp_session_hdr *out);

/* Range: npt=<start>-[<end>] | npt=now- . Only npt is understood. */
struct rtsp_range {
    bool is_npt;
    bool start_now; /* "now-" */
    bool has_start;
    uint64_t start_ms;
    bool has_end;
    uint64_t end_ms;
};
int rtsp_parse_range(struct sv value, struct rtsp_range *out);

/* Iterate the comma-separated tokens of a Public/Require style header.
 * *pos starts at 0; returns false at the end. */
bool rtsp_next_token(struct sv list, size_t *pos, struct sv *token);

#endif
