#include "rtsp/transport.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* Split s at the first `sep` outside double quotes (RFC 2326 allows quoted
 * parameter values such as mode="PLAY"). Like sv_split(); *bad is set for an
 * unterminated quote. */
static struct sv split_unquoted(struct sv s, char sep, struct sv *head, bool *bad)
{
    bool q = false;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] == '"')
            q = !q;
        else if (s.p[i] == sep && !q) {
            *head = sv_sub(s, 0, i);
            return sv_sub(s, i + 1, s.n);
        }
    }
    if (q)
        *bad = true;
    *head = s;
    return SV_NULL;
}

static struct sv unquote(struct sv v)
{
    v = sv_trim(v);
    if (v.n >= 2 && v.p[0] == '"' && v.p[v.n - 1] == '"')
        v = sv_trim(sv_sub(v, 1, v.n - 2));
    return v;
}

/* A value we can write back unquoted: no separators, quotes, spaces or
 * control bytes. */
static bool plain_value(struct sv v)
{
    for (size_t i = 0; i < v.n; i++) {
        unsigned char c = (unsigned char)v.p[i];
        if (c <= 0x20 || c == 0x7f || c == ';' || c == ',' || c == '"' || c == '=')
            return false;
    }
    return true;
}

/* "a" or "a-b" with a <= b <= max; a single value gives a, a+1. */
static int parse_pair(struct sv v, uint32_t max, uint32_t out[2])
{
    struct sv a, b = sv_split(sv_trim(v), '-', &a);
    if (sv_parse_u32(sv_trim(a), max, &out[0]))
        return -EPROTO;
    if (b.p) {
        if (sv_parse_u32(sv_trim(b), max, &out[1]) || out[1] < out[0])
            return -EPROTO;
    } else {
        out[1] = out[0] < max ? out[0] + 1 : out[0];
    }
    return 0;
}

static int parse_hex32(struct sv v, uint32_t *out)
{
    v = sv_trim(v);
    if (!v.n || v.n > 8)
        return -EPROTO;
    uint32_t x = 0;
    for (size_t i = 0; i < v.n; i++) {
        int d = hex_digit(v.p[i]);
        if (d < 0)
            return -EPROTO;
        x = x << 4 | (uint32_t)d;
    }
    *out = x;
    return 0;
}

static int parse_one(struct sv spec, struct rtsp_transport *t)
{
    memset(t, 0, sizeof(*t));
    bool bad = false;
    struct sv proto, rest = split_unquoted(spec, ';', &proto, &bad);
    proto = sv_trim(proto);
    if (!proto.n || !plain_value(proto))
        return -EPROTO;
    t->profile_text = proto;
    /* RTP/AVP[/UDP|/TCP], RTP/AVPF[/..], others */
    struct sv p1, r1 = sv_split(proto, '/', &p1);
    struct sv p2 = SV_NULL, p3 = SV_NULL;
    if (r1.p)
        p3 = sv_split(r1, '/', &p2);
    if (sv_ieq_cstr(p1, "RTP") && sv_ieq_cstr(p2, "AVP"))
        t->profile = RTSP_PROFILE_RTP_AVP;
    else if (sv_ieq_cstr(p1, "RTP") && sv_ieq_cstr(p2, "AVPF"))
        t->profile = RTSP_PROFILE_RTP_AVPF;
    else
        t->profile = RTSP_PROFILE_OTHER;
    if (p3.p && sv_ieq_cstr(p3, "TCP"))
        t->lower = RTSP_LOWER_TCP;
    else if (p3.p && !sv_ieq_cstr(p3, "UDP"))
        t->profile = RTSP_PROFILE_OTHER;
    while (rest.p && !bad) {
        struct sv param;
        rest = split_unquoted(rest, ';', &param, &bad);
        param = sv_trim(param);
        if (!param.n)
            continue;
        struct sv key, val = split_unquoted(param, '=', &key, &bad);
        key = sv_trim(key);
        uint32_t pair[2];
        if (sv_ieq_cstr(key, "unicast")) {
            t->multicast = false;
        } else if (sv_ieq_cstr(key, "multicast")) {
            t->multicast = true;
        } else if (!val.p) {
            continue; /* unknown flag */
        } else if (sv_ieq_cstr(key, "interleaved")) {
            if (parse_pair(unquote(val), 255, pair))
                return -EPROTO;
            t->has_interleaved = true;
            t->interleaved[0] = (uint8_t)pair[0];
            t->interleaved[1] = (uint8_t)pair[1];
        } else if (sv_ieq_cstr(key, "client_port") || sv_ieq_cstr(key, "server_port") ||
                   sv_ieq_cstr(key, "port")) {
            if (parse_pair(unquote(val), 65535, pair))
                return -EPROTO;
            uint16_t *dst;
            if (key.p[0] == 'c' || key.p[0] == 'C') {
                dst = t->client_port;
                t->has_client_port = true;
            } else if (key.p[0] == 's' || key.p[0] == 'S') {
                dst = t->server_port;
                t->has_server_port = true;
            } else {
                dst = t->port;
                t->has_port = true;
            }
            dst[0] = (uint16_t)pair[0];
            dst[1] = (uint16_t)pair[1];
        } else if (sv_ieq_cstr(key, "ttl")) {
            uint32_t ttl;
            if (sv_parse_u32(unquote(val), 255, &ttl))
                return -EPROTO;
            t->has_ttl = true;
            t->ttl = (uint8_t)ttl;
        } else if (sv_ieq_cstr(key, "ssrc")) {
            if (parse_hex32(unquote(val), &t->ssrc))
                return -EPROTO;
            t->has_ssrc = true;
        } else if (sv_ieq_cstr(key, "destination") || sv_ieq_cstr(key, "source")) {
            struct sv a = unquote(val);
            if (!plain_value(a))
                return -EPROTO;
            if (key.p[0] == 'd' || key.p[0] == 'D')
                t->destination = a;
            else
                t->source = a;
        } else if (sv_ieq_cstr(key, "mode")) {
            struct sv m = unquote(val);
            if (sv_ieq_cstr(m, "play"))
                t->mode = RTSP_TMODE_PLAY;
            else if (sv_ieq_cstr(m, "record") || sv_ieq_cstr(m, "receive"))
                t->mode = RTSP_TMODE_RECORD;
            else
                return -EPROTO;
        }
    }
    return bad ? -EPROTO : 0;
}

int rtsp_transport_parse(struct sv value, struct rtsp_transport *out, size_t max, size_t *n)
{
    *n = 0;
    struct sv rest = sv_trim(value);
    if (!rest.n)
        return -EPROTO;
    bool over = false, bad = false;
    while (rest.p) {
        struct sv spec;
        rest = split_unquoted(rest, ',', &spec, &bad);
        if (bad)
            return -EPROTO;
        spec = sv_trim(spec);
        if (!spec.n)
            continue;
        if (*n >= max) {
            over = true;
            continue;
        }
        struct rtsp_transport t;
        int r = parse_one(spec, &t);
        if (r)
            return r;
        out[(*n)++] = t;
    }
    if (!*n)
        return -EPROTO;
    return over ? -EMSGSIZE : 0;
}

int rtsp_transport_format(const struct rtsp_transport *t, struct buf *out)
{
    /* what we could not parse back is refused rather than written */
    if ((t->profile == RTSP_PROFILE_OTHER &&
         (!t->profile_text.n || !plain_value(t->profile_text))) ||
        (t->destination.p && !plain_value(t->destination)) ||
        (t->source.p && !plain_value(t->source)))
        return -EINVAL;
    int r;
    if (t->profile == RTSP_PROFILE_RTP_AVP)
        r = buf_append_str(out, t->lower == RTSP_LOWER_TCP ? "RTP/AVP/TCP" : "RTP/AVP");
    else if (t->profile == RTSP_PROFILE_RTP_AVPF)
        r = buf_append_str(out, t->lower == RTSP_LOWER_TCP ? "RTP/AVPF/TCP" : "RTP/AVPF");
    else
        r = buf_append(out, t->profile_text.p, t->profile_text.n);
    if (!r)
        r = buf_append_str(out, t->multicast ? ";multicast" : ";unicast");
    if (!r && t->destination.p)
        r = buf_printf(out, ";destination=%.*s", SV_ARG(t->destination));
    if (!r && t->source.p)
        r = buf_printf(out, ";source=%.*s", SV_ARG(t->source));
    if (!r && t->has_interleaved)
        r = buf_printf(out, ";interleaved=%u-%u", t->interleaved[0], t->interleaved[1]);
    if (!r && t->has_port)
        r = buf_printf(out, ";port=%u-%u", t->port[0], t->port[1]);
    if (!r && t->has_ttl)
        r = buf_printf(out, ";ttl=%u", t->ttl);
    if (!r && t->has_client_port)
        r = buf_printf(out, ";client_port=%u-%u", t->client_port[0], t->client_port[1]);
    if (!r && t->has_server_port)
        r = buf_printf(out, ";server_port=%u-%u", t->server_port[0], t->server_port[1]);
    if (!r && t->has_ssrc)
        r = buf_printf(out, ";ssrc=%08X", t->ssrc);
    if (!r && t->mode == RTSP_TMODE_RECORD)
        r = buf_append_str(out, ";mode=record");
    return r;
}
