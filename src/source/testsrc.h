/* testsrc: the built-in live test stream.
 *
 * A moving H.264 test pattern with a visible frame counter and wall clock,
 * encoded once with libavcodec (libx264, or any H.264 encoder libavcodec has),
 * plus an AAC sine tone. Encoding runs on a worker thread; encoded access
 * units are delivered on the event loop thread that created the source, in
 * presentation order, at real-time pace. */
#ifndef RTSPGATE_SOURCE_TESTSRC_H
#define RTSPGATE_SOURCE_TESTSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;

struct testsrc_opts {
    int width;        /* default 1280 */
    int height;       /* default 720 */
    int fps;          /* default 30 */
    int gop;          /* frames between keyframes, default = fps (1 s) */
    int bitrate_kbps; /* default 2000 */
    bool audio;       /* default true */
    int sample_rate;  /* default 48000 */
    int tone_hz;      /* default 440 */
};

/* Parse "size=640x360,fps=25,bitrate=1000,gop=50,audio=0,rate=44100,tone=1000"
 * (every key optional) over the defaults. Returns 0, or -EINVAL with a reason
 * in err. */
int testsrc_opts_parse(const char *s, struct testsrc_opts *o, char *err, size_t errlen);
void testsrc_opts_default(struct testsrc_opts *o);

enum testsrc_track { TESTSRC_VIDEO = 0, TESTSRC_AUDIO = 1 };

struct testsrc_cb {
    /* One encoded access unit. Video: Annex B H.264, pts in 90 kHz units.
     * Audio: one raw AAC frame (no ADTS), pts in sample_rate units.
     * data is valid during the call only. */
    void (*on_au)(void *ctx, enum testsrc_track track, const uint8_t *data, size_t len,
                  int64_t pts, bool key);
};

struct testsrc;

/* Start the source: opens the encoders (so the parameters below are known on
 * return) and starts producing. Returns NULL with a reason in err. */
struct testsrc *testsrc_new(struct event_base *base, const struct testsrc_opts *o,
                            const struct testsrc_cb *cb, void *ctx, char *err, size_t errlen);
void testsrc_free(struct testsrc *t); /* stops the worker; accepts NULL */

/* Codec parameters, valid from testsrc_new until testsrc_free. */
/* H.264 SPS and PPS without start codes. */
void testsrc_h264_params(const struct testsrc *t, const uint8_t **sps, size_t *sps_len,
                         const uint8_t **pps, size_t *pps_len);
/* AAC AudioSpecificConfig; *len = 0 when audio is off. */
void testsrc_aac_config(const struct testsrc *t, const uint8_t **asc, size_t *len, int *rate,
                        int *channels);
const struct testsrc_opts *testsrc_get_opts(const struct testsrc *t);

#endif
