/* rtsp://, rtsps://, rtsph:// (and http://) URLs. Pure; views into the input. */
#ifndef RTSPGATE_RTSP_URL_H
#define RTSPGATE_RTSP_URL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/sv.h"

struct rtsp_url {
    struct sv scheme;   /* lower-case compare with sv_ieq_cstr */
    struct sv user;     /* still percent-encoded; .p == NULL when absent */
    struct sv password; /* still percent-encoded; .p == NULL when absent */
    struct sv host;     /* without [] for IPv6 literals */
    bool has_port;
    uint16_t port;
    struct sv path;  /* from the first '/' after the authority, without query; may be empty */
    struct sv query; /* after '?', without it; .p == NULL when absent */
};

/* Parse an absolute URL. Returns 0 or -EPROTO. */
int rtsp_url_parse(struct sv s, struct rtsp_url *out);
/* Default port for the scheme: rtsp/rtsph 554 (rtsph: RTSP over an
 * HTTP tunnel on the RTSP port, like GStreamer), rtsps 322, http 80, https 443; 0 unknown. */
uint16_t rtsp_url_default_port(struct sv scheme);
/* Percent-decode into dst (NUL-terminated). -EPROTO on bad escapes or
 * embedded NUL, -EMSGSIZE if it does not fit. */
int url_percent_decode(struct sv s, char *dst, size_t dst_size);
/* Resolve `ref` (absolute URL, or a relative reference such as "trackID=1",
 * "/abs/path" or "*") against `base` (absolute) per RFC 3986 §5.2 (enough of it
 * for RTSP control URLs, with dot segments removed) into dst. Fragments are
 * dropped (never sent in RTSP). An absolute ref must parse. On error dst is
 * "". Returns 0, -EPROTO or -EMSGSIZE. */
int rtsp_url_resolve(struct sv base, struct sv ref, char *dst, size_t dst_size);

#endif
