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
    /* userinfo: up to the last '@' */
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
        if (port.p && (!port.n || sv_find_char(port, ':') >= 0))
            return -EPROTO;
    }
    if (!out->host.n)
        return -EPROTO;
    if (port.p && port.n) {
        uint32_t p;
        if (sv_parse_u32(port, 65535, &p))
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
    if (sv_ieq_cstr(scheme, "rtsp") || sv_ieq_cstr(scheme, "rtspu"))
        return 554;
    if (sv_ieq_cstr(scheme, "rtsps"))
        return 322;
    if (sv_ieq_cstr(scheme, "rtsph") || sv_ieq_cstr(scheme, "http"))
        return 80;
    if (sv_ieq_cstr(scheme, "https"))
        return 443;
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
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
            int h = hexval(s.p[i + 1]), l = hexval(s.p[i + 2]);
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

static bool is_absolute(struct sv ref)
{
    size_t i = 0;
    while (i < ref.n && scheme_char(ref.p[i], i == 0))
        i++;
    return i > 0 && i + 2 < ref.n && ref.p[i] == ':' && ref.p[i + 1] == '/' && ref.p[i + 2] == '/';
}

int rtsp_url_resolve(struct sv base, struct sv ref, char *dst, size_t dst_size)
{
    ref = sv_trim(ref);
    if (is_absolute(ref))
        return sv_to_cstr(ref, dst, dst_size) ? -EMSGSIZE : 0;
    struct rtsp_url b;
    if (rtsp_url_parse(base, &b))
        return -EPROTO;
    if (!ref.n || sv_eq_cstr(ref, "*"))
        return sv_to_cstr(base, dst, dst_size) ? -EMSGSIZE : 0;
    for (size_t i = 0; i < ref.n; i++)
        if (bad_char(ref.p[i]))
            return -EPROTO;
    /* scheme://authority */
    size_t auth_end = b.scheme.n + 3;
    while (auth_end < base.n && base.p[auth_end] != '/' && base.p[auth_end] != '?' &&
           base.p[auth_end] != '#')
        auth_end++;
    struct sv origin = sv_sub(base, 0, auth_end);
    int r;
    if (ref.p[0] == '/') {
        r = str_fmt(dst, dst_size, "%.*s%.*s", SV_ARG(origin), SV_ARG(ref));
    } else if (ref.p[0] == '?') {
        r = str_fmt(dst, dst_size, "%.*s%.*s%.*s", SV_ARG(origin), SV_ARG(b.path), SV_ARG(ref));
    } else {
        struct sv dir = b.path;
        while (dir.n && dir.p[dir.n - 1] != '/')
            dir.n--;
        r = str_fmt(dst, dst_size, "%.*s%.*s%.*s", SV_ARG(origin), dir.n ? (int)dir.n : 1,
                    dir.n ? dir.p : "/", SV_ARG(ref));
    }
    return r ? -EMSGSIZE : 0;
}
