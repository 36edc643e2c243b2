/* Motion JPEG over RTP (RFC 2435) depacketizer: RTP payloads in, complete
 * JFIF/JPEG images out (SOI, DQT, SOF0, DHT, [DRI,] SOS, scan data, EOI), with
 * the headers the RTP format leaves out generated: quantization tables from
 * the Q factor (1..99, RFC 2435 4.2) or from the in-band tables (Q >= 128,
 * remembered for later frames that do not repeat them), the standard Huffman
 * tables (JPEG Annex K.3), types 0/1 (4:2:2 / 4:2:0) and 64/65 (with restart
 * markers). Pure.
 *
 * Loss: a frame is assembled by fragment offset; a sequence gap, a fragment
 * out of place or a malformed header drops the whole frame (never emitted);
 * the next frame starts at a packet with fragment offset 0. Duplicates and
 * packets up to MJPEG_DEPAY_REORDER late are ignored. Memory is bounded by
 * 2 * max_frame. */
#ifndef RTSPGATE_RTP_MJPEG_H
#define RTSPGATE_RTP_MJPEG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "rtp/payload.h"

#define MJPEG_DEPAY_REORDER 64
struct mjpeg_depay {
    struct buf scan; /* scan data of the frame being assembled */
    struct buf out;  /* the frame last handed out */
    bool have_seq;
    uint16_t last_seq;
    bool active; /* a frame is being assembled (offset 0 seen) */
    bool damaged;
    uint32_t ts;
    /* from the first packet of the frame */
    uint8_t type, q;
    unsigned width, height, dri;
    uint8_t qt[128]; /* luma, chroma (zigzag order) */
    unsigned n_qt;   /* tables of 64 bytes in qt */
    /* in-band tables of the last Q >= 128 frame */
    bool have_inband;
    uint8_t inband_q;
    uint8_t inband[128];
    unsigned inband_n;
    unsigned dropped;
};
/* max_frame 0 means 8 MiB. */
void mjpeg_depay_init(struct mjpeg_depay *d, size_t max_frame);
void mjpeg_depay_free(struct mjpeg_depay *d);
/* Returns 1 with *au (a whole JPEG image, key = true) on the marker packet of
 * a whole frame, 0 when more is needed, -EPROTO for a malformed packet (the
 * frame is dropped). */
int mjpeg_depay_push(struct mjpeg_depay *d, uint16_t seq, uint32_t ts, bool marker,
                     const uint8_t *payload, size_t len, struct rtp_au *au);
/* The 64 + 64 quantization values (zigzag order) RFC 2435 derives from q (1..99). */
void mjpeg_make_tables(unsigned q, uint8_t out[128]);

#endif
