#include "core/pkt.h"

#include <stdlib.h>
#include <string.h>

struct pkt *pkt_new(size_t len)
{
    if (len > PKT_MAX_LEN)
        return NULL;
    struct pkt *p = malloc(sizeof(*p) + len);
    if (!p)
        return NULL;
    atomic_init(&p->refs, 1);
    p->len = (uint16_t)len;
    p->track = 0;
    p->flags = 0;
    p->ts_us = 0;
    return p;
}

struct pkt *pkt_new_copy(const void *data, size_t len)
{
    struct pkt *p = pkt_new(len);
    if (p && len)
        memcpy(p->data, data, len);
    return p;
}

void pkt_unref(struct pkt *p)
{
    if (p && atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) == 1)
        free(p);
}
