/* Packetizing glue shared by the sources that encode or demux media
 * themselves (testsrc, file:): access units in, RTP packets published into a
 * hub stream out. One allocation per RTP packet, no further copies. */
#ifndef RTSPGATE_SOURCE_RTP_OUT_H
#define RTSPGATE_SOURCE_RTP_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hub_stream;

enum rtp_out_codec { RTP_OUT_H264 = 0, RTP_OUT_AAC };

#define RTP_OUT_MAX_PAYLOAD 1400

struct rtp_out {
    struct hub_stream *stream;
    enum rtp_out_codec codec;
    uint8_t track;
    uint8_t pt;
    int nal_length_size; /* H.264: 0 = Annex B, else AVCC length size */
    uint16_t seq;
    uint32_t ts_base;
    /* per access unit */
    uint32_t ts;
    bool key, first;
    uint64_t now_us;
};

void rtp_out_init(struct rtp_out *o, struct hub_stream *stream, uint8_t track,
                  enum rtp_out_codec codec, uint8_t pt, uint32_t seed);
/* Packetize and publish one access unit with RTP timestamp ts_base + ts.
 * Returns 0 or a negative error (the AU is then dropped). */
int rtp_out_au(struct rtp_out *o, const uint8_t *data, size_t len, uint32_t ts, bool key,
               uint64_t now_us);

#endif
