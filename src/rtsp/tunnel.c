/* RTSP over HTTP tunnelling helpers: see tunnel.h. */
#include "rtsp/tunnel.h"

#include <errno.h>
#include <string.h>

static const char b64_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

void b64_dec_init(struct b64_dec *d)
{
    memset(d, 0, sizeof *d);
}

bool b64_dec_idle(const struct b64_dec *d)
{
    return d->n == 0 && d->pad == 0;
}

long b64_dec_feed(struct b64_dec *d, const char *in, size_t n, uint8_t *out, size_t out_size)
{
    if (out_size < b64_dec_max_out(n))
        return -EMSGSIZE;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '\r' || c == '\n' || c == ' ' || c == '\t')
            continue;
        if (c == '=') {
            /* "xx==" or "xxx=": '=' only after two characters of a quantum */
            if (d->n + d->pad < 2)
                return -EPROTO;
            d->pad++;
            if (d->n + d->pad == 4) {
                if (d->n == 2) {
                    out[o++] = (uint8_t)(d->acc >> 4);
                } else {
                    out[o++] = (uint8_t)(d->acc >> 10);
                    out[o++] = (uint8_t)(d->acc >> 2);
                }
                d->acc = 0;
                d->n = 0;
                d->pad = 0;
            }
            continue;
        }
        int v = b64_val(c);
        if (v < 0 || d->pad)
            return -EPROTO;
        d->acc = (d->acc << 6) | (uint32_t)v;
        if (++d->n == 4) {
            out[o++] = (uint8_t)(d->acc >> 16);
            out[o++] = (uint8_t)(d->acc >> 8);
            out[o++] = (uint8_t)d->acc;
            d->acc = 0;
            d->n = 0;
        }
    }
    return (long)o;
}

long b64_encode(const uint8_t *in, size_t n, char *dst, size_t dst_size)
{
    if (dst_size < b64_enc_size(n)) {
        if (dst_size)
            dst[0] = '\0';
        return -EMSGSIZE;
    }
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        dst[o++] = b64_alpha[v >> 18];
        dst[o++] = b64_alpha[(v >> 12) & 63];
        dst[o++] = b64_alpha[(v >> 6) & 63];
        dst[o++] = b64_alpha[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        dst[o++] = b64_alpha[v >> 18];
        dst[o++] = b64_alpha[(v >> 12) & 63];
        dst[o++] = '=';
        dst[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        dst[o++] = b64_alpha[v >> 18];
        dst[o++] = b64_alpha[(v >> 12) & 63];
        dst[o++] = b64_alpha[(v >> 6) & 63];
        dst[o++] = '=';
    }
    dst[o] = '\0';
    return (long)o;
}

int tunnel_sniff(const char *buf, size_t n)
{
    static const char *const words[] = {"GET ", "POST "};
    bool maybe = false;
    for (size_t w = 0; w < 2; w++) {
        size_t wl = strlen(words[w]);
        size_t k = n < wl ? n : wl;
        if (memcmp(buf, words[w], k) == 0) {
            if (n >= wl)
                return 1;
            maybe = true;
        }
    }
    return maybe ? -EAGAIN : 0;
}

/* Find the end of the head: "\n\n" or "\n\r\n". Returns the offset after it. */
static size_t head_end(const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (b[i] != '\n')
            continue;
        if (i + 1 < n && b[i + 1] == '\n')
            return i + 2;
        if (i + 2 < n && b[i + 1] == '\r' && b[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

static struct sv next_line(struct sv *rest)
{
    struct sv line;
    *rest = sv_split(*rest, '\n', &line);
    if (line.n && line.p[line.n - 1] == '\r')
        line.n--;
    return line;
}

/* Does an Accept value allow application/x-rtsp-tunnelled? */
static bool accept_ok(struct sv v)
{
    size_t pos = 0;
    while (pos < v.n) {
        struct sv item;
        struct sv rest = sv_split(sv_sub(v, pos, v.n - pos), ',', &item);
        pos = rest.p ? (size_t)(rest.p - v.p) : v.n;
        struct sv type;
        (void)sv_split(item, ';', &type);
        type = sv_trim(type);
        if (sv_ieq_cstr(type, "application/x-rtsp-tunnelled") || sv_ieq_cstr(type, "*/*") ||
            sv_ieq_cstr(type, "application/*"))
            return true;
    }
    return false;
}

static bool is_token_char(unsigned char c)
{
    return c > 32 && c < 127 && !strchr("()<>@,;:\\\"/[]?={}", c);
}

/* The end of the head in buf[0..n) (after its blank line): > 0; 0 with
 * *r = -EAGAIN while it may still come, or -EMSGSIZE (and *err) past max_head. */
static size_t find_head(const char *buf, size_t n, size_t max_head, const char *too_long,
                        const char **err, int *r)
{
    size_t end = head_end(buf, n < max_head ? n : max_head);
    if (!end) {
        *r = n >= max_head ? -EMSGSIZE : -EAGAIN;
        if (*r == -EMSGSIZE)
            *err = too_long;
    }
    return end;
}

int tunnel_parse_head(const char *buf, size_t n, size_t max_head, struct tunnel_req *out,
                      const char **err)
{
    static const char *dummy;
    if (!err)
        err = &dummy;
    *err = NULL;
    memset(out, 0, sizeof *out);
    int r;
    size_t end = find_head(buf, n, max_head, "HTTP request head too long", err, &r);
    if (!end)
        return r;
    struct sv rest = {buf, end};
    struct sv line = next_line(&rest);
    struct sv method, target, version;
    struct sv after = sv_split(line, ' ', &method);
    if (!after.p) {
        *err = "bad HTTP request line";
        return -EPROTO;
    }
    version = sv_split(after, ' ', &target);
    if (!version.p || !target.n || !version.n || sv_find_char(version, ' ') >= 0) {
        *err = "bad HTTP request line";
        return -EPROTO;
    }
    if (sv_eq_cstr(method, "GET"))
        out->leg = TUNNEL_LEG_GET;
    else if (sv_eq_cstr(method, "POST"))
        out->leg = TUNNEL_LEG_POST;
    else {
        *err = "HTTP method is not GET or POST";
        return -EPROTO;
    }
    if (!sv_eq_cstr(version, "HTTP/1.0") && !sv_eq_cstr(version, "HTTP/1.1")) {
        *err = "not HTTP/1.0 or HTTP/1.1";
        return -EPROTO;
    }
    out->path = target;
    bool have_cookie = false;
    for (;;) {
        line = next_line(&rest);
        if (!line.n)
            break; /* the empty line ending the head */
        struct sv name;
        struct sv value = sv_split(line, ':', &name);
        if (!value.p || !name.n) {
            *err = "bad HTTP header line";
            return -EPROTO;
        }
        for (size_t i = 0; i < name.n; i++)
            if (!is_token_char((unsigned char)name.p[i])) {
                *err = "bad HTTP header name";
                return -EPROTO;
            }
        value = sv_trim(value);
        if (sv_ieq_cstr(name, "x-sessioncookie")) {
            if (have_cookie && !sv_eq(value, out->cookie)) {
                *err = "two different x-sessioncookie headers";
                return -EPROTO;
            }
            have_cookie = true;
            out->cookie = value;
        } else if (sv_ieq_cstr(name, "Accept") && !out->accept.p) {
            out->accept = value;
        } else if (sv_ieq_cstr(name, "Content-Type") && !out->content_type.p) {
            out->content_type = value;
        } else if (sv_ieq_cstr(name, "Authorization") && !out->authorization.p) {
            out->authorization = value;
        } else if (sv_ieq_cstr(name, "User-Agent") && !out->user_agent.p) {
            out->user_agent = value;
        }
    }
    if (!have_cookie || !out->cookie.n) {
        *err = "missing x-sessioncookie";
        return -EPROTO;
    }
    if (out->cookie.n > TUNNEL_MAX_COOKIE) {
        *err = "x-sessioncookie too long";
        return -EPROTO;
    }
    for (size_t i = 0; i < out->cookie.n; i++) {
        unsigned char c = (unsigned char)out->cookie.p[i];
        if (c <= 32 || c >= 127) {
            *err = "bad character in x-sessioncookie";
            return -EPROTO;
        }
    }
    if (out->leg == TUNNEL_LEG_GET && out->accept.p && !accept_ok(out->accept)) {
        *err = "Accept does not allow application/x-rtsp-tunnelled";
        return -EPROTO;
    }
    out->head_len = end;
    return 0;
}

long tunnel_get_reply(char *dst, size_t dst_size)
{
    static const char r[] = "HTTP/1.0 200 OK\r\n"
                            "Server: rtspgate\r\n"
                            "Connection: close\r\n"
                            "Cache-Control: no-store\r\n"
                            "Pragma: no-cache\r\n"
                            "Content-Type: application/x-rtsp-tunnelled\r\n"
                            "\r\n";
    if (dst_size < sizeof r) {
        if (dst_size)
            dst[0] = '\0';
        return -EMSGSIZE;
    }
    memcpy(dst, r, sizeof r);
    return (long)(sizeof r - 1);
}

long tunnel_error_reply(int status, char *dst, size_t dst_size)
{
    const char *reason = status == 400   ? "Bad Request"
                         : status == 401 ? "Unauthorized"
                         : status == 403 ? "Forbidden"
                         : status == 404 ? "Not Found"
                         : status == 503 ? "Service Unavailable"
                                         : "Error";
    if (str_fmt(dst, dst_size,
                "HTTP/1.0 %d %s\r\nServer: rtspgate\r\nConnection: close\r\n"
                "Content-Length: 0\r\n\r\n",
                status, reason))
        return -EMSGSIZE;
    return (long)strlen(dst);
}

static bool clean_value(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 32 || (unsigned char)*s == 127)
            return false;
    return true;
}

long tunnel_client_head(enum tunnel_leg leg, const char *path, const char *host, const char *cookie,
                        const char *user_agent, char *dst, size_t dst_size)
{
    if (!path[0] || !cookie[0] || !clean_value(path) || !clean_value(host) ||
        !clean_value(cookie) || !clean_value(user_agent) || strchr(path, ' ') ||
        strlen(cookie) > TUNNEL_MAX_COOKIE) {
        if (dst_size)
            dst[0] = '\0';
        return -EINVAL;
    }
    int e;
    if (leg == TUNNEL_LEG_GET)
        e = str_fmt(dst, dst_size,
                    "GET %s HTTP/1.0\r\n"
                    "Host: %s\r\n"
                    "User-Agent: %s\r\n"
                    "x-sessioncookie: %s\r\n"
                    "Accept: application/x-rtsp-tunnelled\r\n"
                    "Pragma: no-cache\r\n"
                    "Cache-Control: no-cache\r\n"
                    "\r\n",
                    path, host, user_agent, cookie);
    else
        e = str_fmt(dst, dst_size,
                    "POST %s HTTP/1.0\r\n"
                    "Host: %s\r\n"
                    "User-Agent: %s\r\n"
                    "x-sessioncookie: %s\r\n"
                    "Content-Type: application/x-rtsp-tunnelled\r\n"
                    "Pragma: no-cache\r\n"
                    "Cache-Control: no-cache\r\n"
                    "Content-Length: 32767\r\n"
                    "Expires: Sun, 9 Jan 1972 00:00:00 GMT\r\n"
                    "\r\n",
                    path, host, user_agent, cookie);
    if (e)
        return -EMSGSIZE;
    return (long)strlen(dst);
}

int tunnel_parse_reply(const char *buf, size_t n, size_t max_head, int *status, size_t *head_len,
                       const char **err)
{
    static const char *dummy;
    if (!err)
        err = &dummy;
    *err = NULL;
    *status = 0;
    *head_len = 0;
    /* refuse early what cannot become an HTTP answer (an RTSP server) */
    static const char pre[] = "HTTP/1.";
    size_t k = n < sizeof pre - 1 ? n : sizeof pre - 1;
    if (memcmp(buf, pre, k) != 0) {
        *err = "not an HTTP answer";
        return -EPROTO;
    }
    int r;
    size_t end = find_head(buf, n, max_head, "HTTP answer head too long", err, &r);
    if (!end)
        return r;
    struct sv rest = {buf, end};
    struct sv line = next_line(&rest);
    struct sv version;
    struct sv after = sv_split(line, ' ', &version);
    if (!after.p || version.n != 8 || !sv_starts_with(version, "HTTP/1.") ||
        (version.p[7] != '0' && version.p[7] != '1')) {
        *err = "bad HTTP status line";
        return -EPROTO;
    }
    struct sv code;
    (void)sv_split(after, ' ', &code);
    uint64_t v;
    if (code.n != 3 || sv_parse_u64(code, 999, &v) || v < 100) {
        *err = "bad HTTP status code";
        return -EPROTO;
    }
    *status = (int)v;
    *head_len = end;
    return 0;
}
