/* String views and bounded parsing helpers.
 *
 * A `struct sv` is a (pointer, length) view into memory owned by someone
 * else; it is valid as long as that memory is. Nothing here allocates. */
#ifndef RTSPGATE_CORE_SV_H
#define RTSPGATE_CORE_SV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sv {
    const char *p;
    size_t n;
};

#define SV_LIT(s) ((struct sv){(s), sizeof(s) - 1})
#define SV_NULL   ((struct sv){NULL, 0})
/* printf helper: printf("%.*s", SV_ARG(v)) */
#define SV_ARG(v) (int)((v).n > 0x7fffffff ? 0x7fffffff : (v).n), ((v).p ? (v).p : "")

struct sv sv_from_cstr(const char *s);
bool sv_eq(struct sv a, struct sv b);
bool sv_eq_cstr(struct sv a, const char *b);
/* ASCII case-insensitive comparisons */
bool sv_ieq(struct sv a, struct sv b);
bool sv_ieq_cstr(struct sv a, const char *b);
bool sv_istarts_with(struct sv a, const char *prefix);
bool sv_starts_with(struct sv a, const char *prefix);
struct sv sv_trim(struct sv s);
/* Offset of the first c in s, or -1. */
long sv_find_char(struct sv s, char c);
/* Split s at the first `sep`: *head gets the part before, the return value the
 * part after (SV_NULL with .p == NULL when sep is absent: then *head = s). */
struct sv sv_split(struct sv s, char sep, struct sv *head);
struct sv sv_sub(struct sv s, size_t off, size_t len);

/* Parse a whole view as an unsigned decimal number <= max. No sign, no space,
 * no empty input. Returns 0 or -EPROTO (bad syntax) / -ERANGE (> max). */
int sv_parse_u64(struct sv s, uint64_t max, uint64_t *out);
int sv_parse_u32(struct sv s, uint32_t max, uint32_t *out);
/* Decimal with optional fraction ("12", "12.345"), result in milliseconds. */
int sv_parse_ms(struct sv s, uint64_t max_ms, uint64_t *out_ms);

/* Value of a hexadecimal digit, or -1. */
int hex_digit(char c);

/* Copy a view into dst as a NUL-terminated string. Returns 0, or -EMSGSIZE if
 * it does not fit (dst is then left as an empty string). */
int sv_to_cstr(struct sv s, char *dst, size_t dst_size);

/* Bounded string copy/format into fixed buffers; always NUL-terminate.
 * Return 0 or -EMSGSIZE on truncation. */
int str_copy(char *dst, size_t dst_size, const char *src);
int str_fmt(char *dst, size_t dst_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
