/* A growable byte buffer with a hard cap.
 *
 * The buffer owns `data`. Appends that would grow it past `max` fail with
 * -EMSGSIZE and leave the content unchanged. Consumed bytes are dropped from
 * the front by buf_consume(). */
#ifndef RTSPGATE_CORE_BUF_H
#define RTSPGATE_CORE_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max;
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);  /* accepts a zeroed buf */
void buf_reset(struct buf *b); /* len = 0, keeps the allocation */
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_append_str(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_consume(struct buf *b, size_t n);
/* When empty and holding more than `keep` bytes, give the allocation back
 * (idle connections then cost no buffer memory). */
void buf_release_if_empty(struct buf *b, size_t keep);

#endif
