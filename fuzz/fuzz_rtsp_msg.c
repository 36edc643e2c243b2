/* libFuzzer: the RTSP message + interleaved frame parser.
 * The input is fed as a connection would see it: items are consumed until an
 * error or -EAGAIN. Invariants (abort on violation):
 *  - consumed is > 0 and within the input; every view (method, URI, reason,
 *    header names and values, body, frame payload) lies inside the item;
 *  - feeding the same bytes in two reads, split at a point taken from the
 *    input, gives the same items (runs of junk merged; junk at the very end
 *    may still be pending) and the same final result: the parser is
 *    stateless and split-invariant. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtsp/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ITEMS 256

struct rec {
    int kind;
    size_t len;
    uint32_t tag;
};

struct run {
    struct rec r[MAX_ITEMS];
    size_t n;
    int last; /* the result that stopped the loop */
};

static void inside(const uint8_t *b, size_t n, struct sv v)
{
    if (v.n && ((const uint8_t *)v.p < b || (const uint8_t *)v.p + v.n > b + n))
        abort();
}

static void check_item(const uint8_t *b, size_t used, const struct rtsp_item *it)
{
    if (it->kind == RTSP_ITEM_MESSAGE || it->kind == RTSP_ITEM_BAD_MESSAGE) {
        const struct rtsp_msg *m = &it->msg;
        inside(b, used, m->method_name);
        inside(b, used, m->uri);
        inside(b, used, m->reason);
        inside(b, used, m->body);
        if (m->n_headers > RTSP_MAX_HEADERS)
            abort();
        for (size_t i = 0; i < m->n_headers; i++) {
            inside(b, used, m->headers[i].name);
            inside(b, used, m->headers[i].value);
        }
        if ((it->kind == RTSP_ITEM_BAD_MESSAGE) != (it->error != NULL))
            abort();
        if (it->kind == RTSP_ITEM_MESSAGE && m->is_response && (m->status < 100 || m->status > 999))
            abort();
        uint32_t cseq;
        (void)rtsp_msg_cseq(m, &cseq);
        struct rtsp_session_hdr sh;
        if (rtsp_parse_session(rtsp_msg_header(m, "Session"), &sh) == 0)
            inside(b, used, sh.id);
        struct rtsp_range rg;
        if (rtsp_parse_range(rtsp_msg_header(m, "Range"), &rg) == 0 && rg.has_start && rg.has_end &&
            rg.end_ms < rg.start_ms)
            abort();
        size_t pos = 0, prev = 0;
        struct sv tok;
        struct sv pub = rtsp_msg_header(m, "Public");
        while (rtsp_next_token(pub, &pos, &tok)) {
            if (pos <= prev || !tok.n)
                abort();
            inside(b, used, tok);
            prev = pos;
        }
    } else if (it->kind == RTSP_ITEM_FRAME) {
        if (used != 4u + it->frame.len || it->frame.data != b + 4)
            abort();
    } else if (it->kind != RTSP_ITEM_JUNK) {
        abort();
    }
}

static void record(struct run *run, const struct rtsp_item *it, size_t used)
{
    if (it->kind == RTSP_ITEM_JUNK && run->n && run->r[run->n - 1].kind == RTSP_ITEM_JUNK) {
        run->r[run->n - 1].len += used;
        return;
    }
    if (run->n == MAX_ITEMS)
        return;
    struct rec *r = &run->r[run->n++];
    r->kind = it->kind;
    r->len = used;
    r->tag = 0;
    if (it->kind == RTSP_ITEM_FRAME)
        r->tag = (uint32_t)it->frame.channel << 16 | it->frame.len;
    else if (it->kind != RTSP_ITEM_JUNK && rtsp_msg_cseq(&it->msg, &r->tag))
        r->tag = 0xffffffff;
}

/* Parse buf[*off..have) until an error; returns that error. */
static int drain(const uint8_t *buf, size_t have, size_t *off, struct run *run)
{
    for (;;) {
        struct rtsp_item it;
        size_t used = 0;
        int r = rtsp_parse(buf + *off, have - *off, &used, &it);
        if (r) {
            if (used != 0 || (r != -EAGAIN && r != -EPROTO && r != -EMSGSIZE))
                abort();
            return r;
        }
        if (used == 0 || used > have - *off)
            abort();
        check_item(buf + *off, used, &it);
        record(run, &it, used);
        *off += used;
    }
}

static struct run whole, split;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* exact-size copy so ASan sees any read past the end */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    memset(&whole, 0, sizeof whole);
    size_t off = 0;
    whole.last = drain(buf, size, &off, &whole);

    if (size >= 2) {
        size_t cut = (size_t)(data[0] | data[size - 1] << 8) % size;
        memset(&split, 0, sizeof split);
        off = 0;
        int r = drain(buf, cut, &off, &split);
        if (r == -EAGAIN)
            r = drain(buf, size, &off, &split);
        split.last = r;
        /* junk at the very end may be pending (-EAGAIN) in one run and
         * partly reported in the other: compare up to it */
        if (whole.n && whole.r[whole.n - 1].kind == RTSP_ITEM_JUNK)
            whole.n--;
        if (split.n && split.r[split.n - 1].kind == RTSP_ITEM_JUNK)
            split.n--;
        if (split.last != whole.last || split.n != whole.n)
            abort();
        for (size_t i = 0; i < whole.n; i++)
            if (split.r[i].kind != whole.r[i].kind || split.r[i].len != whole.r[i].len ||
                split.r[i].tag != whole.r[i].tag)
                abort();
    }
    free(buf);
    return 0;
}
