#include "source/rtp_out.h"

#include <errno.h>
#include <string.h>

#include "core/pkt.h"
#include "hub/stream.h"
#include "rtp/aac.h"
#include "rtp/h264.h"
#include "rtp/rtp.h"

void rtp_out_init(struct rtp_out *o, struct hub_stream *stream, uint8_t track,
                  enum rtp_out_codec codec, uint8_t pt, uint32_t seed)
{
    memset(o, 0, sizeof(*o));
    o->stream = stream;
    o->track = track;
    o->codec = codec;
    o->pt = pt;
    o->seq = (uint16_t)(seed * 7u + track);
    o->ts_base = seed * 2654435761u + track * 40503u;
}

static int emit(void *ctx, const struct rtp_chunk *parts, int nparts, bool marker)
{
    struct rtp_out *o = ctx;
    size_t n = RTP_HEADER_LEN;
    for (int i = 0; i < nparts; i++)
        n += parts[i].n;
    struct pkt *p = pkt_new(n);
    if (!p)
        return -ENOMEM;
    rtp_write_header(p->data, marker, o->pt, o->seq++, o->ts, 0);
    size_t off = RTP_HEADER_LEN;
    for (int i = 0; i < nparts; i++) {
        memcpy(p->data + off, parts[i].p, parts[i].n);
        off += parts[i].n;
    }
    p->track = o->track;
    if (o->first) {
        p->flags |= PKT_F_AU_START;
        if (o->key)
            p->flags |= PKT_F_KEY;
        o->first = false;
    }
    hub_stream_publish(o->stream, p, o->now_us);
    return 0;
}

int rtp_out_au(struct rtp_out *o, const uint8_t *data, size_t len, uint32_t ts, bool key,
               uint64_t now_us)
{
    o->ts = o->ts_base + ts;
    o->key = key;
    o->first = true;
    o->now_us = now_us;
    if (o->codec == RTP_OUT_H264)
        return h264_packetize(data, len, o->nal_length_size, RTP_OUT_MAX_PAYLOAD, emit, o);
    return aac_packetize(data, len, RTP_OUT_MAX_PAYLOAD, emit, o);
}
