/* RTSP over HTTP tunnelling (the QuickTime scheme): a streaming base64
 * codec and the HTTP request-head parser for the tunnel's GET and POST.
 *
 * A client opens a GET connection (server -> client data, plain bytes) and a
 * POST connection (client -> server RTSP requests, base64-encoded), both with
 * the same "x-sessioncookie" header. Pure: no I/O, no clock, no allocation. */
#ifndef RTSPGATE_RTSP_TUNNEL_H
#define RTSPGATE_RTSP_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/sv.h"

/* ---- streaming base64 decoder ----
 * Input may be split at any byte; a partial quantum is kept in the state.
 * Padding ('=') ends a quantum; another encoded block may follow it (clients
 * encode each request separately). CR, LF, space and tab are skipped. */
struct b64_dec {
    uint32_t acc; /* sextets of the current quantum */
    uint8_t n;    /* characters of the current quantum seen (0..3) */
    uint8_t pad;  /* '=' seen in the current quantum */
};

void b64_dec_init(struct b64_dec *d);
/* Decode in[0..n) into out. out_size must be >= b64_dec_max_out(n) or the call
 * fails with -EMSGSIZE before decoding anything. Returns the number of bytes
 * written, or -EPROTO for a character outside the alphabet, a misplaced '=' or
 * data inside a padded quantum (the state is then undefined: drop the stream). */
long b64_dec_feed(struct b64_dec *d, const char *in, size_t n, uint8_t *out, size_t out_size);
static inline size_t b64_dec_max_out(size_t n)
{
    return n / 4 * 3 + 3;
}
/* True when no partial quantum is pending (the input so far was whole). */
bool b64_dec_idle(const struct b64_dec *d);

/* Encode with padding, NUL-terminated. Returns the length written (without the
 * NUL) or -EMSGSIZE when dst is smaller than b64_enc_size(n). */
long b64_encode(const uint8_t *in, size_t n, char *dst, size_t dst_size);
static inline size_t b64_enc_size(size_t n)
{
    return (n + 2) / 3 * 4 + 1;
}

/* ---- telling HTTP from RTSP on a shared port ----
 * Returns 1 when buf starts like an HTTP tunnel request ("GET " or "POST "),
 * 0 when it cannot (RTSP or anything else), -EAGAIN when more bytes are needed
 * to decide. */
int tunnel_sniff(const char *buf, size_t n);

/* ---- HTTP request head of a tunnel leg ---- */
enum tunnel_leg {
    TUNNEL_LEG_GET = 1, /* server -> client */
    TUNNEL_LEG_POST,    /* client -> server, base64 */
};

#define TUNNEL_MAX_COOKIE 128

struct tunnel_req {
    enum tunnel_leg leg;
    struct sv path;          /* request target as sent */
    struct sv cookie;        /* x-sessioncookie, trimmed, 1..TUNNEL_MAX_COOKIE bytes */
    struct sv accept;        /* Accept (GET); .p == NULL when absent */
    struct sv content_type;  /* Content-Type (POST); .p == NULL when absent */
    struct sv authorization; /* .p == NULL when absent */
    struct sv user_agent;    /* .p == NULL when absent */
    size_t head_len;         /* bytes up to and including the empty line */
};

/* Parse the request head in buf[0..n). Lines end in CRLF or LF.
 * Returns 0 (*out filled; bytes after head_len are the POST body),
 *   -EAGAIN: the head is not complete yet and fits in max_head bytes so far,
 *   -EMSGSIZE: no end of head within max_head bytes,
 *   -EPROTO: not a tunnel request: method other than GET/POST, version other
 *            than HTTP/1.0 or HTTP/1.1, malformed header line, missing or
 *            oversized x-sessioncookie, or (GET) an Accept that does not allow
 *            application/x-rtsp-tunnelled. *err names the reason. */
int tunnel_parse_head(const char *buf, size_t n, size_t max_head, struct tunnel_req *out,
                      const char **err);

/* The GET leg's answer head ("HTTP/1.0 200 OK", x-rtsp-tunnelled, no caching).
 * Returns the length or -EMSGSIZE. */
long tunnel_get_reply(char *dst, size_t dst_size);
/* An HTTP error reply that closes the connection ("HTTP/1.0 400 Bad Request").
 * Returns the length or -EMSGSIZE. */
long tunnel_error_reply(int status, char *dst, size_t dst_size);

/* ---- client side ---- */

/* The two request heads a tunnelling client sends: the GET leg (Accept:
 * application/x-rtsp-tunnelled) and the POST leg (Content-Type:
 * application/x-rtsp-tunnelled, Content-Length: 32767, Expires in the past),
 * both with x-sessioncookie: cookie and no caching. path is the request target
 * ("/cam?x=1"), host the Host value ("10.0.0.1:554"). cookie, path and host
 * must be free of CR, LF and control bytes (-EINVAL otherwise). Returns the
 * length written (NUL-terminated) or -EMSGSIZE. */
long tunnel_client_head(enum tunnel_leg leg, const char *path, const char *host, const char *cookie,
                        const char *user_agent, char *dst, size_t dst_size);

/* The GET leg's answer head in buf[0..n): "HTTP/1.x NNN reason" and headers up
 * to the empty line. Returns 0 (*status, *head_len set; the bytes after
 * head_len are the tunnel's data), -EAGAIN (incomplete, within max_head so far),
 * -EMSGSIZE (no end of head within max_head) or -EPROTO (not an HTTP answer;
 * *err names why). */
int tunnel_parse_reply(const char *buf, size_t n, size_t max_head, int *status, size_t *head_len,
                       const char **err);

#endif
