#include "sdp/sdp.h"

#include <errno.h>
#include <string.h>

int sdp_write(struct buf *out, const struct sdp_out_session *s, const struct sdp_out_media *m,
              size_t n_media)
{
    const char *addr = s->origin_addr ? s->origin_addr : "0.0.0.0";
    bool v6 = strchr(addr, ':') != NULL;
    int r = buf_printf(out,
                       "v=0\r\n"
                       "o=- %llu %llu IN %s %s\r\n"
                       "s=%s\r\n"
                       "c=IN %s %s\r\n"
                       "t=0 0\r\n",
                       (unsigned long long)s->session_id, (unsigned long long)s->session_id,
                       v6 ? "IP6" : "IP4", addr, s->name && s->name[0] ? s->name : "-",
                       v6 ? "IP6" : "IP4", v6 ? "::" : "0.0.0.0");
    if (!r && s->tool)
        r = buf_printf(out, "a=tool:%s\r\n", s->tool);
    if (!r && s->range)
        r = buf_printf(out, "a=range:%s\r\n", s->range);
    if (!r && s->control)
        r = buf_printf(out, "a=control:%s\r\n", s->control);
    for (size_t i = 0; i < n_media && !r; i++) {
        r = buf_printf(out, "m=%s 0 RTP/AVP %u\r\n", m[i].media, m[i].pt);
        if (!r && m[i].rtpmap)
            r = buf_printf(out, "a=rtpmap:%u %s\r\n", m[i].pt, m[i].rtpmap);
        if (!r && m[i].fmtp)
            r = buf_printf(out, "a=fmtp:%u %s\r\n", m[i].pt, m[i].fmtp);
        if (!r && m[i].extra)
            r = buf_append_str(out, m[i].extra);
        if (!r && m[i].control)
            r = buf_printf(out, "a=control:%s\r\n", m[i].control);
    }
    return r;
}

static uint32_t static_rate(uint8_t pt)
{
    switch (pt) {
    case 0:
    case 3:
    case 4:
    case 5:
    case 8:
    case 9:
    case 18:
        return 8000;
    case 14:
    case 26:
    case 31:
    case 32:
    case 33:
    case 34:
        return 90000;
    default:
        return 0;
    }
}

/* "<pt> <rest>" -> rest when pt matches */
static bool attr_for_pt(struct sv v, uint8_t pt, struct sv *rest)
{
    struct sv num;
    struct sv r = sv_split(v, ' ', &num);
    uint32_t p;
    if (!r.p || sv_parse_u32(sv_trim(num), 127, &p) || p != pt)
        return false;
    *rest = sv_trim(r);
    return true;
}

/* The next token separated by spaces or tabs; empty at the end. */
static struct sv next_token(struct sv *rest)
{
    size_t i = 0;
    while (i < rest->n && (rest->p[i] == ' ' || rest->p[i] == '\t'))
        i++;
    size_t b = i;
    while (i < rest->n && rest->p[i] != ' ' && rest->p[i] != '\t')
        i++;
    struct sv t = {rest->p + b, i - b};
    rest->p += i;
    rest->n -= i;
    return t;
}

static void finish_media(struct sdp_media *m, const char *end)
{
    m->text.n = (size_t)(end - m->text.p);
    if (m->rtpmap.n) {
        /* ENCODING/RATE[/CHANNELS] */
        struct sv enc, rest = sv_split(m->rtpmap, '/', &enc);
        m->encoding = sv_trim(enc);
        if (rest.p) {
            struct sv rate, ch = sv_split(rest, '/', &rate);
            uint32_t v;
            if (!sv_parse_u32(sv_trim(rate), 10000000, &v))
                m->clock_rate = v;
            if (ch.p && !sv_parse_u32(sv_trim(ch), 255, &v) && v)
                m->channels = v;
        }
    }
    if (!m->clock_rate)
        m->clock_rate = static_rate(m->pt);
}

int sdp_parse(struct sv text, struct sdp_session *out)
{
    memset(out, 0, sizeof(*out));
    struct sv rest = text, line;
    bool seen_v = false;
    struct sdp_media *cur = NULL;
    bool skipping = false; /* media beyond the cap */
    while (rest.n) {
        const char *line_start = rest.p;
        struct sv after = sv_split(rest, '\n', &line);
        line = sv_trim(line);
        rest = after.p ? after : (struct sv){rest.p + rest.n, 0};
        if (line.n < 2 || line.p[1] != '=')
            continue;
        char type = line.p[0];
        struct sv v = sv_sub(line, 2, line.n);
        if (type == 'v') {
            if (!sv_eq_cstr(sv_trim(v), "0"))
                return -EPROTO;
            seen_v = true;
            continue;
        }
        if (!seen_v)
            return -EPROTO;
        if (type == 'm') {
            if (cur)
                finish_media(cur, line_start);
            if (out->n_media >= RTSP_MAX_TRACKS) {
                cur = NULL;
                skipping = true;
                continue;
            }
            skipping = false;
            cur = &out->media[out->n_media];
            memset(cur, 0, sizeof(*cur));
            cur->text = (struct sv){line_start, 0};
            cur->channels = 1;
            /* m=<media> <port>[/n] <proto> <fmt> ... */
            struct sv r = v;
            struct sv media = next_token(&r), port = next_token(&r);
            struct sv proto = next_token(&r), fmt = next_token(&r);
            struct sv portnum;
            sv_split(port, '/', &portnum);
            uint32_t p, pt;
            if (!media.n || !proto.n || sv_parse_u32(portnum, 65535, &p) ||
                sv_parse_u32(fmt, 127, &pt))
                return -EPROTO;
            cur->media = media;
            cur->port = (uint16_t)p;
            cur->proto = proto;
            cur->pt = (uint8_t)pt;
            out->n_media++;
            continue;
        }
        if (skipping)
            continue;
        if (type == 's' && !cur) {
            out->name = v;
            continue;
        }
        if (type != 'a')
            continue;
        if (sv_istarts_with(v, "control:")) {
            struct sv c = sv_trim(sv_sub(v, 8, v.n));
            if (cur)
                cur->control = c;
            else
                out->control = c;
        } else if (sv_istarts_with(v, "range:") && !cur) {
            out->range = sv_trim(sv_sub(v, 6, v.n));
        } else if (cur && sv_istarts_with(v, "rtpmap:")) {
            struct sv r;
            if (attr_for_pt(sv_sub(v, 7, v.n), cur->pt, &r))
                cur->rtpmap = r;
        } else if (cur && sv_istarts_with(v, "fmtp:")) {
            struct sv r;
            if (attr_for_pt(sv_sub(v, 5, v.n), cur->pt, &r))
                cur->fmtp = r;
        }
    }
    if (!seen_v)
        return -EPROTO;
    if (cur)
        finish_media(cur, text.p + text.n);
    return 0;
}

struct sv sdp_fmtp_param(struct sv fmtp, const char *name)
{
    struct sv rest = fmtp, item;
    while (rest.n) {
        struct sv after = sv_split(rest, ';', &item);
        item = sv_trim(item);
        struct sv key, val = sv_split(item, '=', &key);
        if (val.p && sv_ieq_cstr(sv_trim(key), name))
            return sv_trim(val);
        if (!after.p)
            break;
        rest = after;
    }
    return SV_NULL;
}
