/* libFuzzer: SDP parser. Views stay inside the input; what we parsed can be
 * written with sdp_write and parses back to the same tracks. */
#include <stdlib.h>
#include <string.h>

#include "sdp/sdp.h"

static void inside(struct sv v, const uint8_t *data, size_t size)
{
    if (v.p && (v.p < (const char *)data || v.p + v.n > (const char *)data + size))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sdp_session s;
    struct sv text = {(const char *)data, size};
    if (sdp_parse(text, &s))
        return 0;
    if (s.n_media > RTSP_MAX_TRACKS)
        abort();
    inside(s.control, data, size);
    inside(s.range, data, size);
    inside(s.name, data, size);
    static const char *const names[] = {"sprop-parameter-sets", "profile-level-id", "config",
                                        "sizelength", "packetization-mode"};
    for (size_t i = 0; i < s.n_media; i++) {
        const struct sdp_media *m = &s.media[i];
        inside(m->media, data, size);
        inside(m->proto, data, size);
        inside(m->rtpmap, data, size);
        inside(m->fmtp, data, size);
        inside(m->control, data, size);
        inside(m->text, data, size);
        inside(m->encoding, data, size);
        if (m->pt > 127)
            abort();
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            inside(sdp_fmtp_param(m->fmtp, names[k]), data, size);
    }
    if (memchr(data, 0, size))
        return 0;
    /* write it out again */
    char media[RTSP_MAX_TRACKS][32], rtpmap[RTSP_MAX_TRACKS][128], fmtp[RTSP_MAX_TRACKS][512],
        control[RTSP_MAX_TRACKS][256];
    struct sdp_out_media om[RTSP_MAX_TRACKS];
    for (size_t i = 0; i < s.n_media; i++) {
        const struct sdp_media *m = &s.media[i];
        if (sv_to_cstr(m->media, media[i], sizeof media[i]) ||
            sv_to_cstr(m->rtpmap, rtpmap[i], sizeof rtpmap[i]) ||
            sv_to_cstr(m->fmtp, fmtp[i], sizeof fmtp[i]) ||
            sv_to_cstr(m->control.p ? m->control : SV_LIT(""), control[i], sizeof control[i]))
            return 0;
        om[i] = (struct sdp_out_media){.media = media[i],
                                       .pt = m->pt,
                                       .rtpmap = rtpmap[i][0] ? rtpmap[i] : NULL,
                                       .fmtp = fmtp[i][0] ? fmtp[i] : NULL,
                                       .control = m->control.p ? control[i] : NULL};
    }
    struct sdp_out_session os = {.session_id = 1, .origin_addr = "127.0.0.1", .name = "f"};
    struct buf b;
    buf_init(&b, 64 * 1024);
    if (sdp_write(&b, &os, om, s.n_media))
        abort();
    struct sdp_session back;
    if (sdp_parse((struct sv){(const char *)b.data, b.len}, &back) || back.n_media != s.n_media)
        abort();
    for (size_t i = 0; i < s.n_media; i++) {
        const struct sdp_media *x = &s.media[i], *y = &back.media[i];
        if (x->pt != y->pt || !sv_eq(x->media, y->media) || x->clock_rate != y->clock_rate ||
            !sv_eq(x->encoding, y->encoding) || !sv_eq(x->control, y->control))
            abort();
    }
    buf_free(&b);
    return 0;
}
