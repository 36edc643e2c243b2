#include "session/cli_proto.h"

#include <errno.h>
#include <string.h>

#include "rtsp/url.h"

/* ---- URLs ---- */

static bool has_ctl(struct sv s)
{
    for (size_t i = 0; i < s.n; i++)
        if ((unsigned char)s.p[i] < 0x20 || s.p[i] == 0x7f)
            return true;
    return false;
}

int cli_url_parse(const char *url, struct cli_url *out)
{
    memset(out, 0, sizeof *out);
    struct sv s = sv_from_cstr(url);
    if (s.n > RTSP_MAX_URL_BYTES)
        return -EMSGSIZE;
    if (has_ctl(s))
        return -EPROTO;
    struct rtsp_url u;
    if (rtsp_url_parse(s, &u))
        return -EPROTO;
    if (sv_ieq_cstr(u.scheme, "rtsps"))
        out->tls = true;
    else if (sv_ieq_cstr(u.scheme, "rtsph"))
        out->http = true;
    else if (!sv_ieq_cstr(u.scheme, "rtsp"))
        return -EPROTONOSUPPORT;
    if (!u.host.n)
        return -EPROTO;
    int e = sv_to_cstr(u.host, out->host, sizeof out->host);
    if (e)
        return e;
    out->port = u.has_port ? u.port : rtsp_url_default_port(u.scheme);
    if (u.user.p) {
        out->has_credentials = true;
        e = url_percent_decode(u.user, out->user, sizeof out->user);
        if (!e && u.password.p)
            e = url_percent_decode(u.password, out->password, sizeof out->password);
        if (e)
            return e;
    }
    bool v6 = sv_find_char(u.host, ':') >= 0;
    char port[8] = "";
    if (u.has_port)
        str_fmt(port, sizeof port, ":%u", u.port);
    e = str_fmt(out->url, sizeof out->url, "%s://%s%.*s%s%s%s%.*s%s%.*s",
                out->tls ? "rtsps" : "rtsp", v6 ? "[" : "", SV_ARG(u.host), v6 ? "]" : "", port,
                u.path.n && u.path.p[0] == '/' ? "" : "/", SV_ARG(u.path), u.query.p ? "?" : "",
                SV_ARG(u.query));
    return e;
}

void cli_url_redact(const char *url, char *dst, size_t size)
{
    struct sv s = sv_from_cstr(url);
    struct rtsp_url u;
    if (rtsp_url_parse(s, &u) || !u.password.p) {
        str_copy(dst, size, url);
        return;
    }
    size_t a = (size_t)(u.password.p - s.p), b = a + u.password.n;
    str_fmt(dst, size, "%.*s***%s", (int)a, url, url + b);
}

/* ---- requests ---- */

static bool bad_value(const char *v)
{
    return v && (strchr(v, '\r') || strchr(v, '\n'));
}

int cli_request_write(struct buf *out, const struct cli_request *r)
{
    if (r->method <= RTSP_METHOD_UNKNOWN || r->method >= RTSP_METHOD_COUNT || !r->uri ||
        !r->uri[0] || strchr(r->uri, ' ') || bad_value(r->uri) || bad_value(r->session) ||
        bad_value(r->transport) || bad_value(r->authorization) || bad_value(r->content_type))
        return -EINVAL;
    size_t start = out->len;
    int e = buf_printf(out, "%s %s RTSP/1.0\r\nCSeq: %u\r\nUser-Agent: %s\r\n",
                       rtsp_method_name(r->method), r->uri, r->cseq, CLI_USER_AGENT);
    if (!e && r->accept_sdp)
        e = buf_append_str(out, "Accept: application/sdp\r\n");
    if (!e && r->session)
        e = buf_printf(out, "Session: %s\r\n", r->session);
    if (!e && r->transport)
        e = buf_printf(out, "Transport: %s\r\n", r->transport);
    if (!e && r->range_from_zero)
        e = buf_append_str(out, "Range: npt=0.000-\r\n");
    if (!e && r->authorization)
        e = buf_printf(out, "Authorization: %s\r\n", r->authorization);
    if (!e && (r->body_len || r->content_type))
        e = buf_printf(out, "Content-Type: %s\r\nContent-Length: %zu\r\n",
                       r->content_type ? r->content_type : "text/parameters", r->body_len);
    if (!e)
        e = buf_append_str(out, "\r\n");
    if (!e && r->body_len)
        e = buf_append(out, r->body, r->body_len);
    if (e)
        out->len = start; /* nothing half-written */
    return e;
}

int cli_transport_request(char *dst, size_t size, enum rtsp_lower lower, uint16_t port, bool record)
{
    if (lower == RTSP_LOWER_TCP) {
        if (port > 254)
            return -EINVAL;
        return str_fmt(dst, size, "RTP/AVP/TCP;unicast;interleaved=%u-%u%s", port, port + 1u,
                       record ? ";mode=record" : "");
    }
    if (port == 65535)
        return -EINVAL;
    return str_fmt(dst, size, "RTP/AVP;unicast;client_port=%u-%u%s", port, port + 1u,
                   record ? ";mode=record" : "");
}

/* ---- responses ---- */

int cli_session_of(const struct rtsp_msg *m, char *id, size_t size, uint32_t *timeout_s)
{
    struct sv v = rtsp_msg_header(m, "Session");
    if (!v.p)
        return -ENOENT;
    struct rtsp_session_hdr sh;
    if (rtsp_parse_session(v, &sh) || !sh.id.n || has_ctl(sh.id))
        return -EPROTO;
    if (sh.id.n > CLI_MAX_SESSION_ID)
        return -EMSGSIZE;
    int e = sv_to_cstr(sh.id, id, size);
    if (e)
        return e;
    *timeout_s = sh.has_timeout && sh.timeout_s > 0 ? sh.timeout_s : CLI_DEFAULT_SESSION_TIMEOUT_S;
    return 0;
}

bool cli_public_has(const struct rtsp_msg *m, enum rtsp_method method)
{
    const char *name = rtsp_method_name(method);
    for (size_t i = 0; i < m->n_headers; i++) {
        if (!sv_ieq_cstr(m->headers[i].name, "Public"))
            continue;
        size_t pos = 0;
        struct sv tok;
        while (rtsp_next_token(m->headers[i].value, &pos, &tok))
            if (sv_ieq_cstr(sv_trim(tok), name))
                return true;
    }
    return false;
}

static bool is_absolute(struct sv s)
{
    /* scheme ":" with scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (c == ':')
            return i > 0;
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alpha && (i == 0 || !((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')))
            return false;
    }
    return false;
}

static int copy_url(struct sv s, char *dst, size_t size)
{
    if (has_ctl(s) || sv_find_char(s, ' ') >= 0)
        return -EPROTO;
    return sv_to_cstr(s, dst, size);
}

int cli_content_base(const struct rtsp_msg *m, const char *request_url, char *dst, size_t size)
{
    struct sv v = sv_trim(rtsp_msg_header(m, "Content-Base"));
    if (v.p && v.n && is_absolute(v))
        return copy_url(v, dst, size);
    v = sv_trim(rtsp_msg_header(m, "Content-Location"));
    if (v.p && v.n) {
        if (is_absolute(v))
            return copy_url(v, dst, size);
        if (!has_ctl(v) && rtsp_url_resolve(sv_from_cstr(request_url), v, dst, size) == 0)
            return 0;
    }
    return str_copy(dst, size, request_url);
}

int cli_control_url(const char *base, struct sv control, char *dst, size_t size)
{
    control = sv_trim(control);
    if (has_ctl(control) || sv_find_char(control, ' ') >= 0)
        return -EPROTO;
    if (!control.n || sv_eq_cstr(control, "*"))
        return str_copy(dst, size, base);
    if (is_absolute(control))
        return sv_to_cstr(control, dst, size);
    if (control.p[0] == '/')
        return rtsp_url_resolve(sv_from_cstr(base), control, dst, size);
    /* relative path: the base is a directory, its query goes after */
    struct sv b = sv_from_cstr(base), head;
    struct sv query = sv_split(b, '?', &head);
    char dir[RTSP_MAX_URL_BYTES + 2];
    int e = str_fmt(dir, sizeof dir, "%.*s%s", SV_ARG(head),
                    head.n && head.p[head.n - 1] == '/' ? "" : "/");
    if (e)
        return e;
    e = rtsp_url_resolve(sv_from_cstr(dir), control, dst, size);
    if (e)
        return e;
    if (query.p && query.n && sv_find_char(control, '?') < 0) {
        size_t l = strlen(dst);
        e = str_fmt(dst + l, size - l, "?%.*s", SV_ARG(query));
        if (e)
            dst[0] = 0;
    }
    return e;
}

int cli_aggregate_url(const char *content_base, const struct sdp_session *sdp, char *dst,
                      size_t size)
{
    if (sdp && sdp->control.p)
        return cli_control_url(content_base, sdp->control, dst, size);
    return str_copy(dst, size, content_base);
}

int cli_track_url(const char *content_base, const struct sdp_session *sdp,
                  const struct sdp_media *m, char *dst, size_t size)
{
    if (!m->control.p)
        return cli_aggregate_url(content_base, sdp, dst, size);
    char sess[RTSP_MAX_URL_BYTES + 1];
    const char *base = content_base;
    if (sdp && sdp->control.p && is_absolute(sv_trim(sdp->control)) &&
        copy_url(sv_trim(sdp->control), sess, sizeof sess) == 0)
        base = sess;
    return cli_control_url(base, m->control, dst, size);
}

int cli_transport_of(const struct rtsp_msg *m, struct rtsp_transport *out)
{
    struct sv v = rtsp_msg_header(m, "Transport");
    if (!v.p)
        return -ENOENT;
    struct rtsp_transport alts[RTSP_MAX_TRANSPORT_ALTERNATIVES];
    size_t n = 0;
    int e = rtsp_transport_parse(v, alts, RTSP_MAX_TRANSPORT_ALTERNATIVES, &n);
    if (e == -EMSGSIZE && n > 0)
        e = 0;
    if (e || n == 0)
        return -EPROTO;
    *out = alts[0];
    return 0;
}

int cli_redirect_url(const struct rtsp_msg *m, const char *request_url, char *dst, size_t size)
{
    struct sv v = sv_trim(rtsp_msg_header(m, "Location"));
    if (!v.p || !v.n)
        return -ENOENT;
    if (has_ctl(v) || sv_find_char(v, ' ') >= 0)
        return -EPROTO;
    if (is_absolute(v))
        return sv_to_cstr(v, dst, size);
    return rtsp_url_resolve(sv_from_cstr(request_url), v, dst, size);
}

int cli_pick_challenge(const struct rtsp_msg *m, struct rtsp_auth_challenge *best)
{
    memset(best, 0, sizeof *best);
    for (size_t i = 0; i < m->n_headers; i++)
        if (sv_ieq_cstr(m->headers[i].name, "WWW-Authenticate"))
            (void)rtsp_auth_challenge_pick(m->headers[i].value, best);
    return best->scheme == RTSP_AUTH_SCHEME_NONE ? -ENOENT : 0;
}

int cli_rtp_info_parse(struct sv value, struct cli_rtp_info *out, size_t max, size_t *n)
{
    *n = 0;
    struct sv rest = value;
    while (rest.p && rest.n) {
        struct sv entry;
        rest = sv_split(rest, ',', &entry);
        entry = sv_trim(entry);
        if (!entry.n)
            continue;
        struct cli_rtp_info e = {0};
        bool have_url = false;
        struct sv params = entry;
        while (params.p && params.n) {
            struct sv kv, k;
            params = sv_split(params, ';', &kv);
            struct sv v = sv_split(sv_trim(kv), '=', &k);
            k = sv_trim(k);
            v = sv_trim(v);
            if (sv_ieq_cstr(k, "url") && v.p) {
                e.url = v;
                have_url = true;
            } else if (sv_ieq_cstr(k, "seq") && v.p) {
                uint32_t x;
                if (sv_parse_u32(v, 65535, &x))
                    return -EPROTO;
                e.has_seq = true;
                e.seq = (uint16_t)x;
            } else if (sv_ieq_cstr(k, "rtptime") && v.p) {
                uint32_t x;
                if (sv_parse_u32(v, UINT32_MAX, &x))
                    return -EPROTO;
                e.has_rtptime = true;
                e.rtptime = x;
            }
        }
        if (!have_url)
            return -EPROTO;
        if (*n < max)
            out[(*n)++] = e;
    }
    return 0;
}

static struct sv url_path(struct sv u)
{
    struct rtsp_url pu;
    if (rtsp_url_parse(u, &pu) == 0)
        return pu.path;
    return u;
}

static bool ends_with(struct sv a, struct sv b)
{
    return b.n && a.n >= b.n && memcmp(a.p + a.n - b.n, b.p, b.n) == 0;
}

int cli_rtp_info_find(const struct cli_rtp_info *e, size_t n, const char *track_url)
{
    struct sv t = sv_from_cstr(track_url), tp = url_path(t);
    for (size_t i = 0; i < n; i++)
        if (sv_eq(e[i].url, t))
            return (int)i;
    for (size_t i = 0; i < n; i++) {
        struct sv up = url_path(e[i].url);
        if (ends_with(tp, up) || ends_with(up, tp))
            return (int)i;
    }
    return -ENOENT;
}

void cli_keepalive_plan(bool has_get_parameter, uint32_t timeout_s, struct cli_keepalive *out)
{
    out->method = has_get_parameter ? RTSP_METHOD_GET_PARAMETER : RTSP_METHOD_OPTIONS;
    if (timeout_s == 0)
        timeout_s = CLI_DEFAULT_SESSION_TIMEOUT_S;
    if (timeout_s > 3600)
        timeout_s = 3600;
    uint64_t t = (uint64_t)timeout_s * 1000;
    uint64_t margin = t / 5 > 5000 ? t / 5 : 5000;
    uint64_t iv = t > margin ? t - margin : 0;
    if (iv < t / 2)
        iv = t / 2;
    out->interval_ms = (uint32_t)iv;
}
