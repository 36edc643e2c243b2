/* testsrc_draw: the test pattern and its bitmap font, drawn straight into a
 * YUV 4:2:0 (BT.601, limited range) picture. Internal to testsrc; no
 * allocation, no libav types, no clock (time comes in as an argument). */
#ifndef RTSPGATE_SOURCE_TESTSRC_DRAW_H
#define RTSPGATE_SOURCE_TESTSRC_DRAW_H

#include <stdint.h>

/* A picture owned by the caller: three planes, chroma subsampled 2x2.
 * width and height are even. */
struct testsrc_image {
    uint8_t *data[3];
    int linesize[3];
    int width, height;
};

/* Draw frame number n of a stream at fps frames per second whose frame 0 was
 * captured at wall_ms (milliseconds since the epoch): scrolling colour bars,
 * a bouncing box, a sync flash in the first 100 ms of every second, the frame
 * counter, the wall clock HH:MM:SS.mmm (local time) of this frame and the
 * label (may be NULL). */
void testsrc_draw_frame(const struct testsrc_image *img, int64_t n, int fps, int64_t wall_ms,
                        const char *label);

/* Draw text in white on a black box with its top left corner at (x, y), every
 * font pixel scale x scale; clipped to the picture. Knows digits, A-Z (a-z
 * drawn as capitals), space and : . - / x; other characters are blank.
 * Returns the width drawn in pixels. */
int testsrc_draw_text(const struct testsrc_image *img, int x, int y, int scale, const char *text);

/* Fill nb mono float samples starting at sample number first: a sine at
 * tone_hz, with a louder beep at twice the tone during the first 100 ms of
 * every second (in step with the video sync flash). */
void testsrc_fill_tone(float *dst, int nb, int64_t first, int rate, int tone_hz);

#endif
