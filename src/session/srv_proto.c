#include "session/srv_proto.h"

#include <errno.h>
#include <string.h>

#include "rtsp/url.h"

int srv_parse_target(struct sv uri, char *path, size_t path_size, int *track)
{
    *track = -1;
    if (uri.n == 1 && uri.p[0] == '*')
        return sv_to_cstr(SV_LIT(""), path, path_size);
    if (uri.n == 0 || uri.n > RTSP_MAX_URL_BYTES)
        return -EPROTO;
    struct sv p;
    if (uri.p[0] == '/') {
        struct sv q;
        sv_split(uri, '?', &q);
        p = q;
    } else {
        struct rtsp_url u;
        if (rtsp_url_parse(uri, &u))
            return -EPROTO;
        if (!sv_ieq_cstr(u.scheme, "rtsp") && !sv_ieq_cstr(u.scheme, "rtsps") &&
            !sv_ieq_cstr(u.scheme, "rtspu"))
            return -EPROTO;
        p = u.path;
    }
    for (size_t i = 0; i < p.n; i++)
        if ((unsigned char)p.p[i] < 0x20 || p.p[i] == 0x7f || p.p[i] == '\\' || p.p[i] == '%')
            return -EPROTO;
    while (p.n && p.p[0] == '/')
        p = sv_sub(p, 1, p.n);
    while (p.n && p.p[p.n - 1] == '/')
        p.n--;
    /* trailing track selector */
    long last = -1;
    for (size_t i = 0; i < p.n; i++)
        if (p.p[i] == '/')
            last = (long)i;
    struct sv seg = sv_sub(p, (size_t)(last + 1), p.n);
    if (sv_istarts_with(seg, "trackID=") || sv_istarts_with(seg, "streamid=")) {
        struct sv num;
        struct sv v = sv_split(seg, '=', &num);
        uint32_t t;
        if (sv_parse_u32(v, 255, &t))
            return -EPROTO;
        *track = (int)t;
        p.n = last < 0 ? 0 : (size_t)last;
    }
    /* no empty, "." or ".." segments */
    struct sv rest = p;
    while (rest.n) {
        struct sv s;
        struct sv after = sv_split(rest, '/', &s);
        if (s.n == 0 || sv_eq_cstr(s, ".") || sv_eq_cstr(s, ".."))
            return -EPROTO;
        if (!after.p)
            break;
        rest = after;
        if (!rest.n)
            return -EPROTO;
    }
    return sv_to_cstr(p, path, path_size) ? -EPROTO : 0;
}

int srv_pick_transport(const struct rtsp_transport *alts, size_t n,
                       const struct srv_transport_caps *caps)
{
    for (size_t i = 0; i < n; i++) {
        const struct rtsp_transport *t = &alts[i];
        if (t->profile != RTSP_PROFILE_RTP_AVP && t->profile != RTSP_PROFILE_RTP_AVPF)
            continue;
        if (t->mode != (caps->record ? RTSP_TMODE_RECORD : RTSP_TMODE_PLAY))
            continue;
        if (t->multicast) {
            if (caps->multicast && !caps->record && t->lower == RTSP_LOWER_UDP)
                return (int)i;
            continue;
        }
        if (t->lower == RTSP_LOWER_TCP && caps->tcp)
            return (int)i;
        if (t->lower == RTSP_LOWER_UDP && caps->udp && t->has_client_port)
            return (int)i;
    }
    return -ENOTSUP;
}

int srv_response_begin(struct buf *out, int status, bool has_cseq, uint32_t cseq, const char *date)
{
    int r = buf_printf(out, "RTSP/1.0 %d %s\r\n", status, rtsp_reason(status));
    if (!r && has_cseq)
        r = buf_printf(out, "CSeq: %u\r\n", cseq);
    if (!r)
        r = buf_printf(out, "Date: %s\r\nServer: %s\r\n", date, SRV_SERVER_NAME);
    return r;
}

int srv_response_end(struct buf *out, const char *content_type, const void *body, size_t body_len)
{
    int r = 0;
    if (content_type)
        r = buf_printf(out, "Content-Type: %s\r\n", content_type);
    if (!r && (body_len || content_type))
        r = buf_printf(out, "Content-Length: %zu\r\n", body_len);
    if (!r)
        r = buf_append(out, "\r\n", 2);
    if (!r)
        r = buf_append(out, body, body_len);
    return r;
}

int srv_error_response(struct buf *out, int status, bool has_cseq, uint32_t cseq, const char *date,
                       struct sv unsupported)
{
    int r = srv_response_begin(out, status, has_cseq, cseq, date);
    if (!r && (status == 405 || status == 501))
        r = buf_printf(out, "Public: %s\r\n", SRV_PUBLIC);
    if (!r && unsupported.p)
        r = buf_printf(out, "Unsupported: %.*s\r\n", SV_ARG(unsupported));
    if (!r)
        r = srv_response_end(out, NULL, NULL, 0);
    return r;
}

int srv_error_response_reason(struct buf *out, int status, const char *reason, bool has_cseq,
                              uint32_t cseq, const char *date)
{
    int r = buf_printf(out, "RTSP/1.0 %d %s\r\n", status, reason);
    if (!r && has_cseq)
        r = buf_printf(out, "CSeq: %u\r\n", cseq);
    if (!r)
        r = buf_printf(out, "Date: %s\r\nServer: %s\r\n", date, SRV_SERVER_NAME);
    if (!r)
        r = srv_response_end(out, NULL, NULL, 0);
    return r;
}

struct sv srv_unsupported_option(const struct rtsp_msg *m)
{
    static const char *const names[] = {"Require", "Proxy-Require"};
    for (size_t h = 0; h < m->n_headers; h++) {
        for (size_t k = 0; k < 2; k++) {
            if (!sv_ieq_cstr(m->headers[h].name, names[k]))
                continue;
            size_t pos = 0;
            struct sv tok;
            if (rtsp_next_token(m->headers[h].value, &pos, &tok))
                return tok;
        }
    }
    return SV_NULL;
}
