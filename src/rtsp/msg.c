#include "rtsp/msg.h"

#include <errno.h>
#include <string.h>

static const char *const method_names[RTSP_METHOD_COUNT] = {
    [RTSP_METHOD_UNKNOWN] = "UNKNOWN",
    [RTSP_METHOD_OPTIONS] = "OPTIONS",
    [RTSP_METHOD_DESCRIBE] = "DESCRIBE",
    [RTSP_METHOD_ANNOUNCE] = "ANNOUNCE",
    [RTSP_METHOD_SETUP] = "SETUP",
    [RTSP_METHOD_PLAY] = "PLAY",
    [RTSP_METHOD_PAUSE] = "PAUSE",
    [RTSP_METHOD_RECORD] = "RECORD",
    [RTSP_METHOD_TEARDOWN] = "TEARDOWN",
    [RTSP_METHOD_GET_PARAMETER] = "GET_PARAMETER",
    [RTSP_METHOD_SET_PARAMETER] = "SET_PARAMETER",
    [RTSP_METHOD_REDIRECT] = "REDIRECT",
};

enum rtsp_method rtsp_method_from_sv(struct sv s)
{
    for (int i = 1; i < RTSP_METHOD_COUNT; i++)
        if (sv_eq_cstr(s, method_names[i]))
            return (enum rtsp_method)i;
    return RTSP_METHOD_UNKNOWN;
}

const char *rtsp_method_name(enum rtsp_method m)
{
    return (m > 0 && m < RTSP_METHOD_COUNT) ? method_names[m] : "UNKNOWN";
}

const char *rtsp_reason(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 250:
        return "Low on Storage Space";
    case 300:
        return "Multiple Choices";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Moved Temporarily";
    case 303:
        return "See Other";
    case 305:
        return "Use Proxy";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 402:
        return "Payment Required";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 407:
        return "Proxy Authentication Required";
    case 408:
        return "Request Timeout";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Request Entity Too Large";
    case 414:
        return "Request-URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 451:
        return "Parameter Not Understood";
    case 452:
        return "Conference Not Found";
    case 453:
        return "Not Enough Bandwidth";
    case 454:
        return "Session Not Found";
    case 455:
        return "Method Not Valid in This State";
    case 456:
        return "Header Field Not Valid for Resource";
    case 457:
        return "Invalid Range";
    case 458:
        return "Parameter Is Read-Only";
    case 459:
        return "Aggregate Operation Not Allowed";
    case 460:
        return "Only Aggregate Operation Allowed";
    case 461:
        return "Unsupported Transport";
    case 462:
        return "Destination Unreachable";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "RTSP Version Not Supported";
    case 551:
        return "Option Not Supported";
    default:
        return "Unknown";
    }
}

static bool is_token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == '!' || c == '%' || c == '*' || c == '+' || c == '~' ||
           c == '\'' || c == '`' || c == '|' || c == '^' || c == '#' || c == '&';
}

static bool is_letter(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Does buf start with "RTSP/" or "<METHOD> ", or with a prefix of one of
 * them that more input could complete? */
static bool looks_like_start(const uint8_t *buf, size_t len)
{
    if (!is_letter(buf[0]))
        return false;
    for (int m = 0; m <= RTSP_METHOD_COUNT; m++) {
        const char *w = m == RTSP_METHOD_COUNT ? "RTSP/" : m ? method_names[m] : NULL;
        if (!w)
            continue;
        size_t wl = strlen(w), n = len < wl ? len : wl;
        if (memcmp(buf, w, n) != 0)
            continue;
        if (len <= wl)
            return true; /* could still become it */
        if (m == RTSP_METHOD_COUNT || buf[wl] == ' ')
            return true;
    }
    return false;
}

/* Offset just past the blank line ending the head, or 0 if not (yet) found
 * within `limit` bytes. Accepts CRLF and bare LF. */
static size_t find_head_end(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (i + 1 < len && buf[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

static bool has_ctl(struct sv s)
{
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return true;
    }
    return false;
}

static int parse_first_line(struct sv line, struct rtsp_msg *m, const char **err)
{
    if (sv_starts_with(line, "RTSP/")) {
        m->is_response = true;
        struct sv ver, rest = sv_split(line, ' ', &ver);
        if (!sv_eq_cstr(ver, "RTSP/1.0") && !sv_eq_cstr(ver, "RTSP/1.1")) {
            *err = "unsupported RTSP version";
            return -1;
        }
        struct sv code;
        struct sv reason = sv_split(rest, ' ', &code);
        uint32_t st;
        if (code.n != 3 || sv_parse_u32(code, 999, &st) || st < 100) {
            *err = "bad status code";
            return -1;
        }
        m->status = (int)st;
        m->reason = reason.p ? sv_trim(reason) : SV_LIT("");
        return 0;
    }
    struct sv meth, rest = sv_split(line, ' ', &meth);
    if (!meth.n || !rest.p) {
        *err = "bad request line";
        return -1;
    }
    for (size_t i = 0; i < meth.n; i++) {
        if (!is_token_char(meth.p[i])) {
            *err = "bad method";
            return -1;
        }
    }
    m->method_name = meth;
    m->method = rtsp_method_from_sv(meth);
    /* the URI is everything up to the last space */
    long last = -1;
    for (size_t i = 0; i < rest.n; i++)
        if (rest.p[i] == ' ')
            last = (long)i;
    if (last <= 0) {
        *err = "bad request line";
        return -1;
    }
    struct sv uri = sv_trim(sv_sub(rest, 0, (size_t)last));
    struct sv ver = sv_sub(rest, (size_t)last + 1, rest.n);
    if (!uri.n || sv_find_char(uri, ' ') >= 0 || uri.n > RTSP_MAX_URL_BYTES) {
        *err = "bad request URI";
        return -1;
    }
    m->uri = uri;
    if (!sv_eq_cstr(ver, "RTSP/1.0")) {
        *err = sv_starts_with(ver, "RTSP/") ? "unsupported RTSP version" : "bad request line";
        return -1;
    }
    return 0;
}

static int parse_message(const uint8_t *buf, size_t len, size_t *consumed, struct rtsp_item *it)
{
    size_t limit = len < RTSP_MAX_HEADER_BYTES ? len : RTSP_MAX_HEADER_BYTES;
    size_t head = find_head_end(buf, limit);
    if (!head)
        return len >= RTSP_MAX_HEADER_BYTES ? -EMSGSIZE : -EAGAIN;
    struct rtsp_msg *m = &it->msg;
    const char *err = NULL;
    struct sv all = {(const char *)buf, head}, line;
    bool first = true;
    while (all.n) {
        struct sv after = sv_split(all, '\n', &line);
        if (line.n && line.p[line.n - 1] == '\r')
            line.n--;
        all = after.p ? after : SV_NULL;
        if (!line.n && !first)
            break; /* blank line: end of head */
        if (memchr(line.p, 0, line.n)) {
            if (!err)
                err = "NUL byte in the head";
            first = false;
            continue;
        }
        if (first) {
            first = false;
            if (parse_first_line(line, m, &err) && !err)
                err = "bad first line";
            continue;
        }
        if (line.p[0] == ' ' || line.p[0] == '\t') {
            if (!err)
                err = "folded header lines are not supported";
            continue;
        }
        long colon = sv_find_char(line, ':');
        if (colon <= 0) {
            if (!err)
                err = "header line without a colon";
            continue;
        }
        if (m->n_headers >= RTSP_MAX_HEADERS)
            return -EMSGSIZE;
        struct rtsp_header *h = &m->headers[m->n_headers++];
        h->name = sv_trim(sv_sub(line, 0, (size_t)colon));
        h->value = sv_trim(sv_sub(line, (size_t)colon + 1, line.n));
        if (!err && (has_ctl(h->value) || !h->name.n))
            err = "control characters in a header";
    }
    uint64_t body = 0;
    struct sv cl = rtsp_msg_header(m, "Content-Length");
    if (cl.p) {
        int r = sv_parse_u64(cl, RTSP_MAX_BODY_BYTES, &body);
        if (r == -ERANGE)
            return -EMSGSIZE;
        if (r)
            return -EPROTO;
    }
    if (len - head < body)
        return -EAGAIN;
    m->body = (struct sv){(const char *)buf + head, (size_t)body};
    *consumed = head + (size_t)body;
    it->kind = err ? RTSP_ITEM_BAD_MESSAGE : RTSP_ITEM_MESSAGE;
    it->error = err;
    return 0;
}

int rtsp_parse(const uint8_t *buf, size_t len, size_t *consumed, struct rtsp_item *item)
{
    memset(item, 0, sizeof(*item));
    *consumed = 0;
    if (!len)
        return -EAGAIN;
    if (buf[0] == '$') {
        if (len < 4)
            return -EAGAIN;
        size_t n = (size_t)buf[2] << 8 | buf[3];
        if (len - 4 < n)
            return -EAGAIN;
        item->kind = RTSP_ITEM_FRAME;
        item->frame.channel = buf[1];
        item->frame.len = (uint16_t)n;
        item->frame.data = buf + 4;
        *consumed = 4 + n;
        return 0;
    }
    if (is_letter(buf[0]))
        return parse_message(buf, len, consumed, item);
    /* junk: up to the next '$', a letter that starts a line, or something
     * that starts (or may start, at the end of the input) a message */
    size_t i = 1;
    while (i < len && buf[i] != '$' && !(is_letter(buf[i]) && buf[i - 1] == '\n') &&
           !looks_like_start(buf + i, len - i))
        i++;
    item->kind = RTSP_ITEM_JUNK;
    *consumed = i;
    return 0;
}

struct sv rtsp_msg_header(const struct rtsp_msg *m, const char *name)
{
    for (size_t i = 0; i < m->n_headers; i++)
        if (sv_ieq_cstr(m->headers[i].name, name))
            return m->headers[i].value;
    return SV_NULL;
}

int rtsp_msg_cseq(const struct rtsp_msg *m, uint32_t *cseq)
{
    struct sv v = rtsp_msg_header(m, "CSeq");
    if (!v.p)
        return -EPROTO;
    return sv_parse_u32(v, 0x7fffffff, cseq) ? -EPROTO : 0;
}

int rtsp_parse_session(struct sv value, struct rtsp_session_hdr *out)
{
    memset(out, 0, sizeof(*out));
    struct sv id, rest = sv_split(value, ';', &id);
    id = sv_trim(id);
    if (!id.n || id.n > 256 || has_ctl(id) || sv_find_char(id, ' ') >= 0)
        return -EPROTO;
    out->id = id;
    while (rest.p) {
        struct sv param;
        rest = sv_split(rest, ';', &param);
        param = sv_trim(param);
        struct sv key, val = sv_split(param, '=', &key);
        if (sv_ieq_cstr(sv_trim(key), "timeout") && val.p) {
            uint32_t t;
            if (sv_parse_u32(sv_trim(val), 86400 * 365, &t))
                return -EPROTO;
            out->has_timeout = true;
            out->timeout_s = t;
        }
    }
    return 0;
}

int rtsp_parse_range(struct sv value, struct rtsp_range *out)
{
    memset(out, 0, sizeof(*out));
    struct sv v = sv_trim(value), spec;
    sv_split(v, ';', &spec); /* ";time=..." is ignored */
    spec = sv_trim(spec);
    if (!sv_istarts_with(spec, "npt"))
        return sv_find_char(spec, '=') > 0 ? 0 : -EPROTO;
    struct sv name, r = sv_split(spec, '=', &name);
    if (!r.p)
        return -EPROTO;
    out->is_npt = true;
    struct sv start, end = sv_split(sv_trim(r), '-', &start);
    if (!end.p)
        return -EPROTO;
    start = sv_trim(start);
    end = sv_trim(end);
    if (sv_ieq_cstr(start, "now")) {
        out->start_now = true;
    } else if (start.n) {
        if (sv_parse_ms(start, UINT64_MAX / 2, &out->start_ms))
            return -EPROTO;
        out->has_start = true;
    }
    if (end.n) {
        if (sv_parse_ms(end, UINT64_MAX / 2, &out->end_ms))
            return -EPROTO;
        out->has_end = true;
    }
    return 0;
}

bool rtsp_next_token(struct sv list, size_t *pos, struct sv *token)
{
    while (*pos < list.n) {
        size_t s = *pos, e = s;
        while (e < list.n && list.p[e] != ',')
            e++;
        *pos = e < list.n ? e + 1 : e;
        struct sv t = sv_trim(sv_sub(list, s, e - s));
        if (t.n) {
            *token = t;
            return true;
        }
    }
    return false;
}
