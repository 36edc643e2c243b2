#include "rtp/h264.h"

#include <errno.h>
#include <openssl/evp.h>
#include <string.h>

#include "core/sv.h"
#include "rtp/rtp.h"

bool h264_annexb_next(const uint8_t *buf, size_t len, size_t *pos, const uint8_t **nal,
                      size_t *nal_len)
{
    size_t i = *pos;
    while (i + 3 <= len && !(buf[i] == 0 && buf[i + 1] == 0 && buf[i + 2] == 1))
        i++;
    if (i + 3 > len) {
        *pos = len;
        return false;
    }
    size_t start = i + 3, e = start;
    while (e + 3 <= len && !(buf[e] == 0 && buf[e + 1] == 0 && buf[e + 2] == 1))
        e++;
    if (e + 3 > len)
        e = len;
    size_t end = e;
    /* a NAL never ends in a zero byte: those belong to the next start code */
    while (end > start && buf[end - 1] == 0)
        end--;
    *nal = buf + start;
    *nal_len = end - start;
    *pos = e;
    return true;
}

/* Iterate NAL units of an AU in Annex B (nls == 0) or AVCC (nls 1..4). */
struct nal_iter {
    const uint8_t *buf;
    size_t len, pos;
    int nls;
};

static int nal_next(struct nal_iter *it, const uint8_t **nal, size_t *n)
{
    if (it->nls == 0) {
        for (;;) {
            if (!h264_annexb_next(it->buf, it->len, &it->pos, nal, n))
                return 0;
            if (*n)
                return 1;
        }
    }
    if (it->pos >= it->len)
        return 0;
    if (it->len - it->pos < (size_t)it->nls)
        return -EPROTO;
    size_t l = 0;
    for (int i = 0; i < it->nls; i++)
        l = l << 8 | it->buf[it->pos + (size_t)i];
    it->pos += (size_t)it->nls;
    if (l > it->len - it->pos || l == 0)
        return -EPROTO;
    *nal = it->buf + it->pos;
    *n = l;
    it->pos += l;
    return 1;
}

int h264_packetize(const uint8_t *au, size_t len, int nls, size_t max_payload, rtp_emit_fn emit,
                   void *ctx)
{
    if (nls < 0 || nls > 4 || max_payload < 16)
        return -EINVAL;
    /* pass 1: validate and count, so the last NAL (marker) is known and a
     * malformed AU emits nothing */
    struct nal_iter it = {au, len, 0, nls};
    const uint8_t *nal;
    size_t nl, n_total = 0;
    int r;
    while ((r = nal_next(&it, &nal, &nl)) == 1)
        n_total++;
    if (r < 0)
        return r;
    if (!n_total)
        return -EPROTO;
    /* pass 2: in windows of NAL views (any number of NALs per AU) */
    enum { MAX_NALS = 128 };
    const uint8_t *nals[MAX_NALS];
    size_t sizes[MAX_NALS];
    size_t done = 0; /* NALs before this window */
    it = (struct nal_iter){au, len, 0, nls};
    /* STAP-A needs a length before each NAL: it is assembled in a bounce buffer */
    uint8_t bounce[1500];
    size_t stap_cap = max_payload < sizeof bounce ? max_payload : sizeof bounce;
    while (done < n_total) {
        size_t n = 0;
        while (n < MAX_NALS && nal_next(&it, &nals[n], &sizes[n]) == 1)
            n++;
        if (!n)
            return -EPROTO;
        bool last_window = done + n == n_total;
        size_t i = 0;
        while (i < n) {
            /* aggregate a run of small NALs into one STAP-A */
            size_t j = i, total = 1;
            while (j < n && total + 2 + sizes[j] <= stap_cap)
                total += 2 + sizes[j++];
            if (j - i >= 2) {
                uint8_t nri = 0, f = 0;
                size_t off = 1;
                for (size_t k = i; k < j; k++) {
                    f |= nals[k][0] & 0x80;
                    if ((nals[k][0] & 0x60) > nri)
                        nri = nals[k][0] & 0x60;
                    bounce[off++] = (uint8_t)(sizes[k] >> 8);
                    bounce[off++] = (uint8_t)sizes[k];
                    memcpy(bounce + off, nals[k], sizes[k]);
                    off += sizes[k];
                }
                bounce[0] = (uint8_t)(f | nri | 24);
                struct rtp_chunk part = {bounce, off};
                r = emit(ctx, &part, 1, last_window && j == n);
                if (r)
                    return r;
                i = j;
                continue;
            }
            if (sizes[i] <= max_payload) {
                struct rtp_chunk part = {nals[i], sizes[i]};
                r = emit(ctx, &part, 1, last_window && i + 1 == n);
                if (r)
                    return r;
                i++;
                continue;
            }
            /* FU-A */
            uint8_t nh = nals[i][0];
            const uint8_t *p = nals[i] + 1;
            size_t left = sizes[i] - 1, chunk = max_payload - 2;
            bool start = true;
            while (left) {
                size_t c = left < chunk ? left : chunk;
                bool end = c == left;
                uint8_t fu[2] = {(uint8_t)((nh & 0xe0) | 28),
                                 (uint8_t)((start ? 0x80 : 0) | (end ? 0x40 : 0) | (nh & 0x1f))};
                struct rtp_chunk parts[2] = {{fu, 2}, {p, c}};
                r = emit(ctx, parts, 2, end && last_window && i + 1 == n);
                if (r)
                    return r;
                p += c;
                left -= c;
                start = false;
            }
            i++;
        }
        done += n;
    }
    return 0;
}

bool h264_au_is_key(const uint8_t *au, size_t len, int nls)
{
    struct nal_iter it = {au, len, 0, nls};
    const uint8_t *nal;
    size_t n;
    while (nal_next(&it, &nal, &n) == 1)
        if ((nal[0] & 0x1f) == 5)
            return true;
    return false;
}

int h264_sdp_fmtp(const uint8_t *sps, size_t sps_len, const uint8_t *pps, size_t pps_len, char *out,
                  size_t out_size)
{
    if (!sps || sps_len < 4 || !pps || !pps_len || sps_len > 512 || pps_len > 512)
        return -EPROTO;
    unsigned char b1[700], b2[700];
    EVP_EncodeBlock(b1, sps, (int)sps_len);
    EVP_EncodeBlock(b2, pps, (int)pps_len);
    return str_fmt(out, out_size,
                   "packetization-mode=1;profile-level-id=%02X%02X%02X;sprop-parameter-sets=%s,%s",
                   sps[1], sps[2], sps[3], (const char *)b1, (const char *)b2);
}

/* ---- depacketizer ---- */

static const uint8_t start_code[4] = {0, 0, 0, 1};

void h264_depay_init(struct h264_depay *d, size_t max_au)
{
    memset(d, 0, sizeof(*d));
    if (!max_au)
        max_au = 8u << 20;
    buf_init(&d->au, max_au);
    buf_init(&d->out, max_au);
}

void h264_depay_free(struct h264_depay *d)
{
    if (!d)
        return;
    buf_free(&d->au);
    buf_free(&d->out);
}

static void new_au(struct h264_depay *d, bool damaged)
{
    buf_reset(&d->au);
    d->in_fu = false;
    d->key = false;
    d->damaged = damaged;
}

static int add_nal(struct h264_depay *d, const uint8_t *nal, size_t n)
{
    if (!n)
        return -EPROTO;
    unsigned t = nal[0] & 0x1f;
    if (t == 5 || t == 7)
        d->key = true;
    if (buf_append(&d->au, start_code, 4) || buf_append(&d->au, nal, n))
        return -EMSGSIZE;
    return 0;
}

/* The AU in progress is over: hand it out if it is whole. */
static int complete(struct h264_depay *d, struct rtp_au *au)
{
    if (!d->au.len && !d->damaged)
        return 0;
    if (d->damaged || d->in_fu || !d->au.len) {
        d->dropped_aus++;
        new_au(d, false);
        return 0;
    }
    struct buf t = d->out;
    d->out = d->au;
    d->au = t;
    au->data = d->out.data;
    au->len = d->out.len;
    au->rtp_ts = d->cur_ts;
    au->key = d->key;
    d->emitted = true;
    new_au(d, false);
    return 1;
}

static int add_payload(struct h264_depay *d, const uint8_t *payload, size_t len)
{
    if (!len)
        return -EPROTO;
    unsigned t = payload[0] & 0x1f;
    if (t >= 1 && t <= 23) {
        if (d->in_fu)
            return -EPROTO;
        return add_nal(d, payload, len);
    }
    if (t == 24) { /* STAP-A */
        size_t off = 1;
        while (off < len) {
            if (len - off < 2)
                return -EPROTO;
            size_t n = (size_t)payload[off] << 8 | payload[off + 1];
            off += 2;
            if (n > len - off)
                return -EPROTO;
            int r = add_nal(d, payload + off, n);
            if (r)
                return r;
            off += n;
        }
        return 0;
    }
    if (t == 28) { /* FU-A */
        if (len < 3)
            return -EPROTO;
        bool s = payload[1] & 0x80, e = payload[1] & 0x40;
        uint8_t nh = (uint8_t)((payload[0] & 0xe0) | (payload[1] & 0x1f));
        if (s) {
            if (d->in_fu)
                return -EPROTO;
            d->in_fu = true;
            if (buf_append(&d->au, start_code, 4) || buf_append(&d->au, &nh, 1))
                return -EMSGSIZE;
            if ((nh & 0x1f) == 5 || (nh & 0x1f) == 7)
                d->key = true;
        } else if (!d->in_fu) {
            return -EPROTO; /* a continuation without its start */
        }
        if (buf_append(&d->au, payload + 2, len - 2))
            return -EMSGSIZE;
        if (e)
            d->in_fu = false;
        return 0;
    }
    return -EPROTO; /* STAP-B, MTAP, FU-B: not in packetization-mode 1 */
}

/* Does this NAL begin an access unit (H.264 7.4.1.2.3)? body follows the
 * NAL header byte. A slice starts one when first_mb_in_slice is 0, i.e. its
 * ue(v) code is the single bit 1. */
static bool nal_starts_au(unsigned t, const uint8_t *body, size_t n)
{
    if (t == 6 || t == 7 || t == 8 || t == 9 || (t >= 14 && t <= 18))
        return true;
    /* not an IDR slice: after a loss it may have lost the SPS/PPS in front of it */
    if (t == 1 || t == 2)
        return n >= 1 && (body[0] & 0x80);
    return false;
}

static bool payload_starts_au(const uint8_t *p, size_t len)
{
    if (len < 1)
        return false;
    unsigned t = p[0] & 0x1f;
    if (t == 24) { /* STAP-A: its first NAL */
        if (len < 4)
            return false;
        size_t n = (size_t)p[1] << 8 | p[2];
        if (n < 1 || n > len - 3)
            return false;
        return nal_starts_au(p[3] & 0x1f, p + 4, n - 1);
    }
    if (t == 28) /* FU-A: only its start */
        return len >= 2 && (p[1] & 0x80) && nal_starts_au(p[1] & 0x1f, p + 2, len - 2);
    return nal_starts_au(t, p + 1, len - 1);
}

int h264_depay_push(struct h264_depay *d, uint16_t seq, uint32_t ts, bool marker,
                    const uint8_t *payload, size_t len, struct rtp_au *au)
{
    if (d->emitted) {
        buf_reset(&d->out);
        d->emitted = false;
    }
    int ret = 0;
    if (d->ended) { /* its marker came in the call that returned the AU before it */
        d->ended = false;
        ret = complete(d, au);
    }
    /* the first packet is treated like one after a gap: we may join mid-AU */
    bool gap = true;
    if (d->have_seq) {
        int16_t diff = rtp_seq_diff(d->last_seq, seq);
        if (diff <= 0 && diff > -H264_DEPAY_REORDER)
            return ret;  /* duplicate or late: ignored */
        gap = diff != 1; /* a jump forward, or far back (the sender restarted) */
    }
    d->have_seq = true;
    d->last_seq = seq;
    bool new_ts = !d->have_ts || ts != d->cur_ts;
    bool in_progress = d->au.len || d->damaged || d->in_fu;
    if (gap && in_progress)
        d->damaged = true; /* the lost packets were this AU's middle or tail */
    if (new_ts && in_progress) {
        if (ret == 0) {
            ret = complete(d, au);
        } else {
            d->dropped_aus++; /* not reachable: `ended` leaves nothing in progress */
            new_au(d, false);
        }
    }
    if (new_ts) {
        d->cur_ts = ts;
        d->have_ts = true;
    }
    /* after a gap, trust only a packet that visibly starts a new AU */
    if (gap && !(new_ts && payload_starts_au(payload, len)))
        d->damaged = true;
    int r = 0;
    if (!d->damaged) {
        r = add_payload(d, payload, len);
        if (r)
            d->damaged = true;
    }
    if (marker) {
        if (ret == 0)
            ret = complete(d, au);
        else
            d->ended = true;
    }
    if (r && ret == 0)
        return -EPROTO;
    return ret;
}
