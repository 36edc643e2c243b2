#include "rtsp/url.h"

#include <errno.h>
#include <string.h>

#include "core/limits.h"

static bool scheme_char(char c, bool first)
{
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return alpha || (!first && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
}

static bool bad_char(char c)
{
    unsigned char u = (unsigned char)c;
    return u <= 0x20 || u == 0x7f;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* reg-name / IPv4: unreserved, sub-delims, pct-encoded (and bytes >= 0x80,
 * for IDN names typed by hand). */
static bool host_char(char c)
{
    return !bad_char(c) && !strchr("[]<>\"\\^`{|}:/?#@", c);
}

/* IPv6 literal (RFC 3986), with an optional RFC 6874 zone "%25eth0". */
static bool valid_ipv6(struct sv h)
{
    size_t colons = 0, i = 0;
    for (; i < h.n && h.p[i] != '%'; i++) {
        char c = h.p[i];
        if (c == ':')
            colons++;
        else if (!is_hex(c) && c != '.')
            return false;
    }
    if (colons < 2 || colons > 7)
        return false;
    if (i < h.n) { /* zone: "%25" then at least one unreserved or pct-encoded char */
        if (h.n - i < 4 || h.p[i + 1] != '2' || h.p[i + 2] != '5')
            return false;
        for (i += 3; i < h.n; i++)
            if (!host_char(h.p[i]))
                return false;
    }
    return true;
}

int rtsp_url_parse(struct sv s, struct rtsp_url *out)
{
    memset(out, 0, sizeof(*out));
    if (!s.n || s.n > RTSP_MAX_URL_BYTES)
        return -EPROTO;
    for (size_t i = 0; i < s.n; i++)
        if (bad_char(s.p[i]))
            return -EPROTO;
    size_t i = 0;
    while (i < s.n && scheme_char(s.p[i], i == 0))
        i++;
    if (i == 0 || i + 3 > s.n || memcmp(s.p + i, "://", 3) != 0)
        return -EPROTO;
    out->scheme = sv_sub(s, 0, i);
    size_t a = i + 3, e = a;
    while (e < s.n && s.p[e] != '/' && s.p[e] != '?' && s.p[e] != '#')
        e++;
    struct sv auth = sv_sub(s, a, e - a);
    /* userinfo: up to the last '@' (passwords with a raw '@' are common) */
    long at = -1;
    for (size_t k = 0; k < auth.n; k++)
        if (auth.p[k] == '@')
            at = (long)k;
    if (at >= 0) {
        struct sv ui = sv_sub(auth, 0, (size_t)at), user;
        struct sv pw = sv_split(ui, ':', &user);
        out->user = user;
        if (pw.p)
            out->password = pw;
        auth = sv_sub(auth, (size_t)at + 1, auth.n);
    }
    struct sv port = SV_NULL;
    if (auth.n && auth.p[0] == '[') {
        long rb = sv_find_char(auth, ']');
        if (rb < 0)
            return -EPROTO;
        out->host = sv_sub(auth, 1, (size_t)rb - 1);
        if (!valid_ipv6(out->host))
            return -EPROTO;
        struct sv after = sv_sub(auth, (size_t)rb + 1, auth.n);
        if (after.n) {
            if (after.p[0] != ':')
                return -EPROTO;
            port = sv_sub(after, 1, after.n);
            if (!port.n)
                return -EPROTO;
        }
    } else {
        struct sv host;
        port = sv_split(auth, ':', &host);
        out->host = host;
        if (port.p && !port.n)
            return -EPROTO;
        for (size_t k = 0; k < host.n; k++)
            if (!host_char(host.p[k]))
                return -EPROTO;
    }
    if (!out->host.n)
        return -EPROTO;
    if (port.p) {
        uint32_t p;
        if (sv_parse_u32(port, 65535, &p) || p == 0)
            return -EPROTO;
        out->has_port = true;
        out->port = (uint16_t)p;
    }
    struct sv rest = sv_sub(s, e, s.n);
    long hash = sv_find_char(rest, '#');
    if (hash >= 0)
        rest.n = (size_t)hash;
    struct sv path;
    struct sv q = sv_split(rest, '?', &path);
    out->path = path;
    out->query = q;
    return 0;
}

uint16_t rtsp_url_default_port(struct sv scheme)
{
    /* rtsph:// tunnels on the RTSP port, as GStreamer (which named it) does */
    if (sv_ieq_cstr(scheme, "rtsp") || sv_ieq_cstr(scheme, "rtspu") || sv_ieq_cstr(scheme, "rtsph"))
        return 554;
    if (sv_ieq_cstr(scheme, "rtsps"))
        return 322;
    if (sv_ieq_cstr(scheme, "http"))
        return 80;
    if (sv_ieq_cstr(scheme, "https"))
        return 443;
    return 0;
}

int url_percent_decode(struct sv s, char *dst, size_t dst_size)
{
    size_t o = 0;
    if (!dst_size)
        return -EMSGSIZE;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (c == '%') {
            if (i + 2 >= s.n) {
                dst[0] = 0;
                return -EPROTO;
            }
            int h = hex_digit(s.p[i + 1]), l = hex_digit(s.p[i + 2]);
            if (h < 0 || l < 0 || (h == 0 && l == 0)) {
                dst[0] = 0;
                return -EPROTO;
            }
            c = (char)(h << 4 | l);
            i += 2;
        } else if (c == 0) {
            dst[0] = 0;
            return -EPROTO;
        }
        if (o + 1 >= dst_size) {
            dst[0] = 0;
            return -EMSGSIZE;
        }
        dst[o++] = c;
    }
    dst[o] = 0;
    return 0;
}

/* "scheme:" at the start of ref (RFC 3986 §4.3) */
static bool is_absolute(struct sv ref)
{
    size_t i = 0;
    while (i < ref.n && scheme_char(ref.p[i], i == 0))
        i++;
    return i > 0 && i < ref.n && ref.p[i] == ':';
}

/* Append s to dst[*o..size), keeping room for the NUL. */
static int put(char *dst, size_t size, size_t *o, struct sv s)
{
    if (s.n >= size - *o)
        return -EMSGSIZE;
    if (s.n)
        memcpy(dst + *o, s.p, s.n);
    *o += s.n;
    dst[*o] = 0;
    return 0;
}

/* RFC 3986 §5.2.4 remove_dot_segments, in place on a path that starts with
 * '/'. The output never grows. */
static size_t remove_dot_segments(char *p, size_t n)
{
    size_t in = 0, out = 0;
    while (in < n) {
        /* here p[in] == '/' (and out is at a segment boundary) */
        size_t e = in + 1;
        while (e < n && p[e] != '/')
            e++;
        size_t sl = e - in - 1; /* segment length */
        const char *seg = p + in + 1;
        if (sl == 1 && seg[0] == '.') {
            if (e == n)
                p[out++] = '/';
        } else if (sl == 2 && seg[0] == '.' && seg[1] == '.') {
            while (out > 0 && p[--out] != '/')
                ;
            if (e == n)
                p[out++] = '/';
        } else {
            memmove(p + out, p + in, e - in);
            out += e - in;
        }
        in = e;
    }
    if (!out)
        p[out++] = '/';
    return out;
}

int rtsp_url_resolve(struct sv base, struct sv ref, char *dst, size_t dst_size)
{
    if (!dst_size)
        return -EMSGSIZE;
    dst[0] = 0;
    ref = sv_trim(ref);
    for (size_t i = 0; i < ref.n; i++)
        if (bad_char(ref.p[i]))
            return -EPROTO;
    /* fragments are never sent in RTSP: dropped from the result */
    long hash = sv_find_char(ref, '#');
    if (hash >= 0)
        ref.n = (size_t)hash;
    struct rtsp_url b;
    if (is_absolute(ref)) {
        if (rtsp_url_parse(ref, &b))
            return -EPROTO;
        return sv_to_cstr(ref, dst, dst_size) ? -EMSGSIZE : 0;
    }
    if (rtsp_url_parse(base, &b))
        return -EPROTO;
    /* base without its fragment */
    long bh = sv_find_char(base, '#');
    struct sv base_nf = bh >= 0 ? sv_sub(base, 0, (size_t)bh) : base;
    if (!ref.n || sv_eq_cstr(ref, "*"))
        return sv_to_cstr(base_nf, dst, dst_size) ? -EMSGSIZE : 0;
    if (ref.n > RTSP_MAX_URL_BYTES)
        return -EMSGSIZE;
    /* built here first: dot segments may make the result shorter than the
     * merged path */
    char out[2 * RTSP_MAX_URL_BYTES + 8];
    size_t o = 0, osize = sizeof out;
    int r;
    if (ref.n >= 2 && ref.p[0] == '/' && ref.p[1] == '/') {
        /* network-path reference: the base's scheme only */
        if ((r = put(out, osize, &o, b.scheme)) || (r = put(out, osize, &o, SV_LIT(":"))) ||
            (r = put(out, osize, &o, ref)))
            goto fail;
        struct rtsp_url chk;
        if (rtsp_url_parse((struct sv){out, o}, &chk)) {
            r = -EPROTO;
            goto fail;
        }
        goto done;
    }
    /* scheme://authority */
    size_t auth_end = b.scheme.n + 3;
    while (auth_end < base.n && base.p[auth_end] != '/' && base.p[auth_end] != '?' &&
           base.p[auth_end] != '#')
        auth_end++;
    if ((r = put(out, osize, &o, sv_sub(base, 0, auth_end))))
        goto fail;
    size_t path_at = o;
    struct sv rq, rpath;
    rq = sv_split(ref, '?', &rpath);
    if (!rpath.n) {
        /* "?query": base path, new query */
        r = put(out, osize, &o, b.path.n ? b.path : SV_LIT("/"));
    } else if (rpath.p[0] == '/') {
        r = put(out, osize, &o, rpath);
    } else {
        /* merge: the base path up to its last '/', then the reference */
        struct sv dir = b.path;
        while (dir.n && dir.p[dir.n - 1] != '/')
            dir.n--;
        r = put(out, osize, &o, dir.n ? dir : SV_LIT("/"));
        if (!r)
            r = put(out, osize, &o, rpath);
    }
    if (r)
        goto fail;
    o = path_at + remove_dot_segments(out + path_at, o - path_at);
    out[o] = 0;
    if (rq.p && ((r = put(out, osize, &o, SV_LIT("?"))) || (r = put(out, osize, &o, rq))))
        goto fail;
done:
    r = sv_to_cstr((struct sv){out, o}, dst, dst_size);
    if (!r)
        return 0;
fail:
    dst[0] = 0;
    return r;
}
