/* testsrc_draw: test pattern, 5x7 bitmap font and tone (see testsrc_draw.h). */
#include "source/testsrc_draw.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "core/sv.h"

/* ---------------------------------------------------------------- colours */

struct yuv {
    uint8_t y, u, v;
};

/* 75% colour bars, BT.601 limited range. */
static const struct yuv bars[8] = {
    {180, 128, 128}, /* white */
    {168, 44, 136},  /* yellow */
    {145, 147, 44},  /* cyan */
    {134, 63, 52},   /* green */
    {63, 193, 204},  /* magenta */
    {51, 109, 212},  /* red */
    {28, 212, 120},  /* blue */
    {16, 128, 128},  /* black */
};
static const struct yuv c_white = {235, 128, 128};
static const struct yuv c_black = {16, 128, 128};
static const struct yuv c_grey = {60, 128, 128};

/* ---------------------------------------------------------------- font */

/* 5x7 glyphs, one byte per row, bit 4 = leftmost column; same order as
 * font_chars. */
static const char font_chars[] = "0123456789:.-/ABCDEFGHIJKLMNOPQRSTUVWXYZ";
static const uint8_t font5x7[][7] = {
    {0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e}, /* 0 */
    {0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e}, /* 1 */
    {0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f}, /* 2 */
    {0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e}, /* 3 */
    {0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02}, /* 4 */
    {0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e}, /* 5 */
    {0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e}, /* 6 */
    {0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}, /* 7 */
    {0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e}, /* 8 */
    {0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c}, /* 9 */
    {0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x00}, /* : */
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c}, /* . */
    {0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00}, /* - */
    {0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x10}, /* / */
    {0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11}, /* A */
    {0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e}, /* B */
    {0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e}, /* C */
    {0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c}, /* D */
    {0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f}, /* E */
    {0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10}, /* F */
    {0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f}, /* G */
    {0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11}, /* H */
    {0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e}, /* I */
    {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c}, /* J */
    {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}, /* K */
    {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f}, /* L */
    {0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11}, /* M */
    {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}, /* N */
    {0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e}, /* O */
    {0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10}, /* P */
    {0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d}, /* Q */
    {0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11}, /* R */
    {0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e}, /* S */
    {0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}, /* T */
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e}, /* U */
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04}, /* V */
    {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a}, /* W */
    {0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11}, /* X */
    {0x11, 0x11, 0x11, 0x0a, 0x04, 0x04, 0x04}, /* Y */
    {0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f}, /* Z */
};
static const uint8_t glyph_small_x[7] = {0x00, 0x00, 0x11, 0x0a, 0x04, 0x0a, 0x11};

static const uint8_t *glyph(char c)
{
    if (c == 'x') /* as in 1280x720 */
        return glyph_small_x;
    if (c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
    for (size_t i = 0; i < sizeof font5x7 / sizeof font5x7[0]; i++)
        if (font_chars[i] == c)
            return font5x7[i];
    return NULL;
}

/* ---------------------------------------------------------------- primitives */

/* Fill a rectangle, clipped, in all three planes. */
static void fill_rect(const struct testsrc_image *img, int x0, int y0, int w, int h, struct yuv c)
{
    int x1 = x0 + w, y1 = y0 + h;
    if (x0 < 0)
        x0 = 0;
    if (y0 < 0)
        y0 = 0;
    if (x1 > img->width)
        x1 = img->width;
    if (y1 > img->height)
        y1 = img->height;
    if (x0 >= x1 || y0 >= y1)
        return;
    for (int r = y0; r < y1; r++)
        memset(img->data[0] + (size_t)r * (size_t)img->linesize[0] + (size_t)x0, c.y,
               (size_t)(x1 - x0));
    int cx0 = x0 / 2, cx1 = (x1 + 1) / 2, cy0 = y0 / 2, cy1 = (y1 + 1) / 2;
    for (int r = cy0; r < cy1; r++) {
        memset(img->data[1] + (size_t)r * (size_t)img->linesize[1] + (size_t)cx0, c.u,
               (size_t)(cx1 - cx0));
        memset(img->data[2] + (size_t)r * (size_t)img->linesize[2] + (size_t)cx0, c.v,
               (size_t)(cx1 - cx0));
    }
}

int testsrc_draw_text(const struct testsrc_image *img, int x, int y, int scale, const char *text)
{
    int len = (int)strlen(text);
    int s = scale > 0 ? scale : 1;
    int width = len * 6 * s + s;
    fill_rect(img, x, y, width, 9 * s, c_black);
    for (int i = 0; i < len; i++) {
        const uint8_t *g = glyph(text[i]);
        if (!g)
            continue;
        int gx = x + s + i * 6 * s;
        for (int row = 0; row < 7; row++) {
            /* runs of set bits as one rectangle each */
            for (int col = 0; col < 5;) {
                if (!(g[row] & (0x10 >> col))) {
                    col++;
                    continue;
                }
                int run = col;
                while (run < 5 && (g[row] & (0x10 >> run)))
                    run++;
                fill_rect(img, gx + col * s, y + s + row * s, (run - col) * s, s, c_white);
                col = run;
            }
        }
    }
    return width;
}

/* ---------------------------------------------------------------- pattern */

static int triangle(int64_t pos, int range)
{
    if (range <= 0)
        return 0;
    int64_t p = pos % (2 * (int64_t)range);
    return (int)(p < range ? p : 2 * (int64_t)range - p);
}

/* Colour bars over rows [0, h), shifted left by off pixels: build the first
 * row of each plane, copy it down. */
static void draw_bars(const struct testsrc_image *img, int h, int off)
{
    int w = img->width;
    uint8_t *y0 = img->data[0], *u0 = img->data[1], *v0 = img->data[2];
    for (int x = 0; x < w; x++) {
        const struct yuv *c = &bars[((int64_t)((x + off) % w) * 8) / w];
        y0[x] = c->y;
        if (!(x & 1)) {
            u0[x / 2] = c->u;
            v0[x / 2] = c->v;
        }
    }
    for (int r = 1; r < h; r++)
        memcpy(y0 + (size_t)r * (size_t)img->linesize[0], y0, (size_t)w);
    for (int r = 1; r < h / 2; r++) {
        memcpy(u0 + (size_t)r * (size_t)img->linesize[1], u0, (size_t)w / 2);
        memcpy(v0 + (size_t)r * (size_t)img->linesize[2], v0, (size_t)w / 2);
    }
}

/* Bottom strip: one cell per frame of the current second, the current one
 * lit; the whole strip flashes white during the first 100 ms of a second. */
static void draw_strip(const struct testsrc_image *img, int y, int h, int64_t n, int fps)
{
    int w = img->width;
    int pos = (int)(n % fps);
    bool flash = pos * 10 < fps;
    fill_rect(img, 0, y, w, h, flash ? c_white : c_grey);
    int cell = w / fps;
    if (cell < 2)
        cell = 2;
    if (!flash)
        fill_rect(img, pos * w / fps, y + h / 4, cell, h - h / 2, c_white);
}

void testsrc_draw_frame(const struct testsrc_image *img, int64_t n, int fps, int64_t wall_ms,
                        const char *label)
{
    int w = img->width, h = img->height;
    if (fps <= 0)
        fps = 1;
    if (n < 0)
        n = 0;
    int step = w / 320 > 0 ? 2 * (w / 320) : 2; /* pixels per frame */
    int strip = (h / 12) & ~1;

    draw_bars(img, h - strip, (int)((n * step) % w));
    draw_strip(img, h - strip, strip, n, fps);

    /* a bouncing box whose colour changes every second */
    int bs = h / 5 > 4 ? h / 5 : 4;
    int bx = triangle(n * step * 3 / 2, w - bs);
    int by = triangle(n * step, h - strip - bs);
    fill_rect(img, bx, by, bs, bs, c_white);
    fill_rect(img, bx + bs / 8, by + bs / 8, bs - bs / 4, bs - bs / 4, bars[(n / fps) % 7 + 1]);

    /* big frame counter, then the wall clock of this frame, then the label */
    int s = h / 120 > 0 ? h / 120 : 1;
    int x = 2 * s, y = 2 * s;
    char line[32];
    str_fmt(line, sizeof line, "%06lld", (long long)n);
    testsrc_draw_text(img, x, y, 2 * s, line);
    y += 9 * 2 * s + s;

    int64_t ms = wall_ms + n * 1000 / fps;
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&secs, &tm))
        memset(&tm, 0, sizeof tm);
    str_fmt(line, sizeof line, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
            (int)(ms % 1000));
    int cs = s * 3 / 2 > 0 ? s * 3 / 2 : 1;
    testsrc_draw_text(img, x, y, cs, line);
    y += 9 * cs + s;

    if (label && label[0])
        testsrc_draw_text(img, x, y, s, label);
}

/* ---------------------------------------------------------------- audio */

void testsrc_fill_tone(float *dst, int nb, int64_t first, int rate, int tone_hz)
{
    int64_t r = rate > 0 ? rate : 1, tone = tone_hz;
    int64_t beep_len = r / 10;
    for (int i = 0; i < nb; i++) {
        int64_t s = first + i;
        /* phase from exact integer arithmetic: no drift over long runs */
        double v;
        if (s % r < beep_len)
            v = 0.5 * sin(2.0 * M_PI * (double)((s * tone * 2) % r) / (double)r);
        else
            v = 0.1 * sin(2.0 * M_PI * (double)((s * tone) % r) / (double)r);
        dst[i] = (float)v;
    }
}
