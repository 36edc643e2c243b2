#include "core/sv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static inline char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

struct sv sv_from_cstr(const char *s)
{
    return (struct sv){s, s ? strlen(s) : 0};
}

bool sv_eq(struct sv a, struct sv b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

bool sv_eq_cstr(struct sv a, const char *b)
{
    return sv_eq(a, sv_from_cstr(b));
}

bool sv_ieq(struct sv a, struct sv b)
{
    if (a.n != b.n)
        return false;
    for (size_t i = 0; i < a.n; i++)
        if (lower(a.p[i]) != lower(b.p[i]))
            return false;
    return true;
}

bool sv_ieq_cstr(struct sv a, const char *b)
{
    return sv_ieq(a, sv_from_cstr(b));
}

bool sv_istarts_with(struct sv a, const char *prefix)
{
    size_t n = strlen(prefix);
    return a.n >= n && sv_ieq((struct sv){a.p, n}, (struct sv){prefix, n});
}

bool sv_starts_with(struct sv a, const char *prefix)
{
    size_t n = strlen(prefix);
    return a.n >= n && memcmp(a.p, prefix, n) == 0;
}

struct sv sv_trim(struct sv s)
{
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\r' || s.p[0] == '\n')) {
        s.p++;
        s.n--;
    }
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' || s.p[s.n - 1] == '\r' ||
                   s.p[s.n - 1] == '\n'))
        s.n--;
    return s;
}

long sv_find_char(struct sv s, char c)
{
    if (!s.n)
        return -1;
    const char *q = memchr(s.p, c, s.n);
    return q ? (long)(q - s.p) : -1;
}

struct sv sv_split(struct sv s, char sep, struct sv *head)
{
    long i = sv_find_char(s, sep);
    if (i < 0) {
        *head = s;
        return SV_NULL;
    }
    *head = (struct sv){s.p, (size_t)i};
    return (struct sv){s.p + i + 1, s.n - (size_t)i - 1};
}

struct sv sv_sub(struct sv s, size_t off, size_t len)
{
    if (off > s.n)
        return (struct sv){s.p ? s.p + s.n : NULL, 0};
    if (len > s.n - off)
        len = s.n - off;
    return (struct sv){s.p + off, len};
}

int sv_parse_u64(struct sv s, uint64_t max, uint64_t *out)
{
    if (!s.n)
        return -EPROTO;
    uint64_t v = 0;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (c < '0' || c > '9')
            return -EPROTO;
        unsigned d = (unsigned)(c - '0');
        if (v > (max - d) / 10)
            return -ERANGE;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int sv_parse_u32(struct sv s, uint32_t max, uint32_t *out)
{
    uint64_t v;
    int r = sv_parse_u64(s, max, &v);
    if (r == 0)
        *out = (uint32_t)v;
    return r;
}

int sv_parse_ms(struct sv s, uint64_t max_ms, uint64_t *out_ms)
{
    struct sv ip, fp;
    fp = sv_split(s, '.', &ip);
    uint64_t whole = 0;
    if (ip.n == 0 && (fp.p == NULL || fp.n == 0))
        return -EPROTO;
    if (ip.n) {
        int r = sv_parse_u64(ip, max_ms / 1000, &whole);
        if (r)
            return r;
    }
    uint64_t frac = 0;
    if (fp.p) {
        if (fp.n == 0 && ip.n == 0)
            return -EPROTO;
        uint64_t scale = 100;
        for (size_t i = 0; i < fp.n; i++) {
            char c = fp.p[i];
            if (c < '0' || c > '9')
                return -EPROTO;
            frac += (uint64_t)(c - '0') * scale;
            scale /= 10;
        }
    }
    uint64_t v = whole * 1000 + frac;
    if (v > max_ms)
        return -ERANGE;
    *out_ms = v;
    return 0;
}

int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int sv_to_cstr(struct sv s, char *dst, size_t dst_size)
{
    if (!dst_size)
        return -EMSGSIZE;
    if (s.n >= dst_size) {
        dst[0] = 0;
        return -EMSGSIZE;
    }
    if (s.n)
        memcpy(dst, s.p, s.n);
    dst[s.n] = 0;
    return 0;
}

int str_copy(char *dst, size_t dst_size, const char *src)
{
    return sv_to_cstr(sv_from_cstr(src), dst, dst_size);
}

int str_fmt(char *dst, size_t dst_size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(dst, dst_size, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= dst_size)
        return -EMSGSIZE;
    return 0;
}
