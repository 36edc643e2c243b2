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
    case 304:
        return "Not Modified";
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
           c == '\'' || c == '`' || c == '|' || c == '^' || c == '#' || c == '&' || c == '$';
}

static bool is_letter(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
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

/* The longest method token we take for the start of a request line. */
#define MAX_METHOD_TOKEN 32

enum start { START_NO = -1, START_MAYBE = 0, START_YES = 1 };

/* Can a message begin at b? A request line is a token (starting with a
 * letter) followed by a space or the end of the line; a status line starts
 * with "RTSP/". The rest of the first line must not hold control bytes other
 * than TAB, NUL (reported later as a bad message) and the CR of its CRLF:
 * that is what tells binary garbage from text. START_MAYBE: more input
 * decides. */
static enum start message_start(const uint8_t *b, size_t len)
{
    if (!len)
        return START_MAYBE;
    if (!is_letter(b[0]))
        return START_NO;
    size_t i = 0;
    static const char rtsp[] = "RTSP/";
    while (i < len && i < 5 && b[i] == (uint8_t)rtsp[i])
        i++;
    if (i < 5) {
        if (i == len)
            return START_MAYBE; /* a prefix of "RTSP/", or of a token */
        i = 0;
        while (i < len && i < MAX_METHOD_TOKEN && is_token_char((char)b[i]))
            i++;
        if (i == MAX_METHOD_TOKEN)
            return START_NO;
        if (i == len)
            return START_MAYBE;
        if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r' && b[i] != '\n')
            return START_NO;
    }
    for (; i < len && i < RTSP_MAX_HEADER_BYTES; i++) {
        uint8_t c = b[i];
        if (c == '\n')
            return START_YES;
        if (c == '\r') {
            if (i + 1 < len && b[i + 1] != '\n')
                return START_NO;
            continue;
        }
        if ((c < 0x20 && c != '\t' && c != 0) || c == 0x7f)
            return START_NO;
    }
    /* over the cap: let the message parser say -EMSGSIZE */
    return i >= RTSP_MAX_HEADER_BYTES ? START_YES : START_MAYBE;
}

/* In the middle of a line of junk, only a known method followed by a space
 * or "RTSP/1" ends the junk (a peer that lost its framing and then answers or
 * asks something). */
static enum start known_start(const uint8_t *b, size_t len)
{
    enum start best = START_NO;
    for (int m = 0; m <= RTSP_METHOD_COUNT; m++) {
        const char *w = m == RTSP_METHOD_COUNT ? "RTSP/1" : m ? method_names[m] : NULL;
        if (!w)
            continue;
        size_t wl = strlen(w);
        size_t want = m == RTSP_METHOD_COUNT ? wl : wl + 1; /* the method's space */
        size_t n = len < want ? len : want;
        if (memcmp(b, w, n < wl ? n : wl) != 0)
            continue;
        if (n == want && (m == RTSP_METHOD_COUNT || b[wl] == ' '))
            return START_YES;
        if (n < want)
            best = START_MAYBE;
    }
    return best;
}

/* Offset just past the blank line ending the head, or 0 if it is not in
 * buf[0..len). Accepts CRLF and bare LF. */
static size_t find_head_end(const uint8_t *buf, size_t len)
{
    size_t i = 0;
    while (i < len) {
        const uint8_t *nl = memchr(buf + i, '\n', len - i);
        if (!nl)
            return 0;
        i = (size_t)(nl - buf) + 1;
        if (i < len && buf[i] == '\n')
            return i + 1;
        if (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n')
            return i + 2;
    }
    return 0;
}

/* Skip spaces and tabs. */
static struct sv skip_ws(struct sv s)
{
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t')) {
        s.p++;
        s.n--;
    }
    return s;
}

/* Next whitespace-separated word of *s. */
static struct sv next_word(struct sv *s)
{
    struct sv w = skip_ws(*s);
    size_t i = 0;
    while (i < w.n && w.p[i] != ' ' && w.p[i] != '\t')
        i++;
    *s = sv_sub(w, i, w.n);
    return sv_sub(w, 0, i);
}

static bool is_version(struct sv v, bool response)
{
    return sv_eq_cstr(v, "RTSP/1.0") || (response && sv_eq_cstr(v, "RTSP/1.1"));
}

static const char *parse_first_line(struct sv line, struct rtsp_msg *m)
{
    line = sv_trim(line);
    if (sv_starts_with(line, "RTSP/")) {
        m->is_response = true;
        if (memchr(line.p, 0, line.n))
            return "NUL byte in the status line";
        struct sv rest = line;
        struct sv ver = next_word(&rest);
        if (!is_version(ver, true))
            return "unsupported RTSP version";
        struct sv code = next_word(&rest);
        uint32_t st;
        if (code.n != 3 || sv_parse_u32(code, 999, &st) || st < 100)
            return "bad status code";
        m->status = (int)st;
        m->reason = sv_trim(rest);
        if (has_ctl(m->reason))
            return "control characters in the reason phrase";
        return NULL;
    }
    struct sv rest = line;
    struct sv meth = next_word(&rest);
    for (size_t i = 0; i < meth.n; i++)
        if (!is_token_char(meth.p[i]))
            return "bad method";
    m->method_name = meth;
    m->method = rtsp_method_from_sv(meth);
    if (memchr(line.p, 0, line.n))
        return "NUL byte in the request line";
    struct sv uri = next_word(&rest);
    struct sv ver = next_word(&rest);
    if (!uri.n || !ver.n || skip_ws(rest).n)
        return "bad request line";
    if (uri.n > RTSP_MAX_URL_BYTES || has_ctl(uri))
        return "bad request URI";
    m->uri = uri;
    if (!is_version(ver, false))
        return sv_starts_with(ver, "RTSP/") ? "unsupported RTSP version" : "bad request line";
    return NULL;
}

static bool is_content_length(struct sv name)
{
    return sv_ieq_cstr(sv_trim(name), "Content-Length");
}

static bool valid_name(struct sv name)
{
    if (!name.n)
        return false;
    for (size_t i = 0; i < name.n; i++)
        if (!is_token_char(name.p[i]))
            return false;
    return true;
}

static size_t cap(size_t v, size_t max)
{
    return v && v < max ? v : max;
}

static int parse_message(const uint8_t *buf, size_t len, const struct rtsp_limits *lim,
                         size_t *consumed, struct rtsp_item *it)
{
    size_t max_head = cap(lim->header_bytes, RTSP_MAX_HEADER_BYTES);
    size_t max_headers = cap(lim->headers, RTSP_MAX_HEADERS);
    size_t max_body = cap(lim->body_bytes, RTSP_MAX_BODY_BYTES);
    size_t limit = len < max_head ? len : max_head;
    size_t head = find_head_end(buf, limit);
    if (!head)
        return len >= max_head ? -EMSGSIZE : -EAGAIN;
    struct rtsp_msg *m = &it->msg;
    const char *err = NULL;
    struct sv all = {(const char *)buf, head}, line;
    bool first = true, have_len = false;
    uint64_t body = 0;
    while (all.n) {
        struct sv after = sv_split(all, '\n', &line);
        if (line.n && line.p[line.n - 1] == '\r')
            line.n--;
        all = after.p ? after : SV_NULL;
        if (first) {
            first = false;
            err = parse_first_line(line, m);
            continue;
        }
        if (!line.n)
            break; /* blank line: end of head */
        long colon = sv_find_char(line, ':');
        struct sv name = colon >= 0 ? sv_sub(line, 0, (size_t)colon) : line;
        if (is_content_length(colon >= 0 ? name : sv_sub(line, 0, 14))) {
            /* the body length must be sure, or the framing is lost */
            if (colon < 0 || line.p[0] == ' ' || line.p[0] == '\t')
                return -EPROTO;
            uint64_t v;
            struct sv value = sv_trim(sv_sub(line, (size_t)colon + 1, line.n));
            int r = sv_parse_u64(value, max_body, &v);
            if (r == -ERANGE)
                return -EMSGSIZE;
            if (r || (have_len && v != body))
                return -EPROTO;
            have_len = true;
            body = v;
        }
        if (memchr(line.p, 0, line.n)) {
            if (!err)
                err = "NUL byte in a header";
            continue;
        }
        if (line.p[0] == ' ' || line.p[0] == '\t') {
            if (!err)
                err = "folded header lines are not supported";
            continue;
        }
        if (colon < 0) {
            if (!err)
                err = "header line without a colon";
            continue;
        }
        if (m->n_headers >= max_headers)
            return -EMSGSIZE;
        struct rtsp_header *h = &m->headers[m->n_headers++];
        h->name = sv_trim(name);
        h->value = sv_trim(sv_sub(line, (size_t)colon + 1, line.n));
        if (!err && !valid_name(h->name))
            err = "bad header name";
        if (!err && has_ctl(h->value))
            err = "control characters in a header";
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
    return rtsp_parse_lim(buf, len, NULL, consumed, item);
}

int rtsp_parse_lim(const uint8_t *buf, size_t len, const struct rtsp_limits *lim, size_t *consumed,
                   struct rtsp_item *item)
{
    static const struct rtsp_limits maxima = {0};
    if (!lim)
        lim = &maxima;
    memset(item, 0, sizeof(*item));
    *consumed = 0;
    if (!len)
        return -EAGAIN;
    if (buf[0] == '$') {
        if (len < 4)
            return -EAGAIN;
        size_t n = (size_t)buf[2] << 8 | buf[3];
        if (n > cap(lim->frame_bytes, 65535))
            return -EMSGSIZE;
        if (len - 4 < n)
            return -EAGAIN;
        item->kind = RTSP_ITEM_FRAME;
        item->frame.channel = buf[1];
        item->frame.len = (uint16_t)n;
        item->frame.data = buf + 4;
        *consumed = 4 + n;
        return 0;
    }
    enum start s = message_start(buf, len);
    if (s == START_YES)
        return parse_message(buf, len, lim, consumed, item);
    if (s == START_MAYBE)
        return -EAGAIN;
    /* Junk, up to the next '$', the next line that may start a message, or a
     * known method or "RTSP/1" in the middle of a line. Where more input is
     * needed to decide, the junk is left for the next call, so that splitting
     * the input never changes the items found. */
    size_t i = 1;
    for (; i < len; i++) {
        if (buf[i] == '$')
            break;
        if (buf[i - 1] == '\n' && message_start(buf + i, len - i) != START_NO)
            break;
        if (is_letter(buf[i])) {
            enum start k = known_start(buf + i, len - i);
            if (k == START_YES)
                break;
            if (k == START_MAYBE)
                return -EAGAIN;
        }
    }
    if (i == len && buf[len - 1] != '\n') {
        /* The junk runs to the end of the input, and what comes next is in
         * the middle of a line, where only a known method may start a
         * message. Keep the last non-letter back as the context of the next
         * call: a letter at the start of the input would be taken for the
         * start of a request line, and splitting the input would change what
         * is found. */
        i = len - 1;
        while (i >= 1 && is_letter(buf[i]))
            i--;
        if (i < 1)
            return -EAGAIN;
    }
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

#define NPT_MAX_MS (UINT64_MAX / 4)

/* npt-time: "now" is handled by the caller; seconds[.fraction] or
 * h:mm:ss[.fraction] (RFC 2326 §3.6). */
static int parse_npt_time(struct sv s, uint64_t *ms)
{
    struct sv hh, rest = sv_split(s, ':', &hh);
    if (!rest.p)
        return sv_parse_ms(s, NPT_MAX_MS, ms) ? -EPROTO : 0;
    struct sv mm, ss = sv_split(rest, ':', &mm);
    uint64_t h, mi, sec;
    if (!ss.p || mm.n < 1 || mm.n > 2 || sv_parse_u64(hh, NPT_MAX_MS / 3600000 - 1, &h) ||
        sv_parse_u64(mm, 59, &mi) || !ss.n || ss.p[0] == '.' || sv_parse_ms(ss, 59999, &sec))
        return -EPROTO;
    *ms = h * 3600000 + mi * 60000 + sec;
    return 0;
}

int rtsp_parse_range(struct sv value, struct rtsp_range *out)
{
    memset(out, 0, sizeof(*out));
    struct sv v = sv_trim(value), spec;
    sv_split(v, ';', &spec); /* ";time=..." is ignored */
    spec = sv_trim(spec);
    struct sv name, r = sv_split(spec, '=', &name);
    name = sv_trim(name);
    if (!r.p || !name.n)
        return -EPROTO;
    if (!sv_ieq_cstr(name, "npt"))
        return 0; /* smpte=, clock=: valid, not understood */
    out->is_npt = true;
    struct sv start, end = sv_split(sv_trim(r), '-', &start);
    if (!end.p)
        return -EPROTO;
    start = sv_trim(start);
    end = sv_trim(end);
    if (!start.n && !end.n)
        return -EPROTO;
    if (sv_ieq_cstr(start, "now")) {
        out->start_now = true;
    } else if (start.n) {
        if (parse_npt_time(start, &out->start_ms))
            return -EPROTO;
        out->has_start = true;
    }
    if (end.n) {
        if (parse_npt_time(end, &out->end_ms))
            return -EPROTO;
        out->has_end = true;
        if (out->has_start && out->end_ms < out->start_ms)
            return -EPROTO;
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
