/* pull: the `rtspgate pull` role. One RTSP client session (reconnected with
 * backoff 1 s doubling to 30 s on any loss), RTP depacketized per track, the
 * access units placed on one timeline (RTCP sender reports when present,
 * RTP and arrival alone otherwise) and written by the recorder.
 *
 * Across reconnects the timeline continues where it stopped: the recording
 * keeps appending to the same file (or segment). Frames damaged by packet
 * loss are dropped by the depacketizers, never written. */
#ifndef RTSPGATE_SINK_PULL_H
#define RTSPGATE_SINK_PULL_H

#include <stdbool.h>
#include <stdint.h>

#include "client/rtsp_client.h"

struct event_base;

struct pull_opts {
    const char *url; /* rtsp://[user[:password]@]host[:port]/path */
    const char *output;
    enum rtsp_client_transport transport;
    unsigned udp_timeout_ms; /* 0: 1500 */
    uint64_t duration_us;    /* 0: until stopped */
    unsigned segment_s;      /* 0: one file */
};

struct pull;

/* Starts connecting. NULL with a reason in err. */
struct pull *pull_new(struct event_base *base, const struct pull_opts *o, char *err, size_t errlen);
/* Finish the file (trailer) and free. Returns the exit status: 0, or 1 when
 * the recording failed (the reason was printed). Accepts NULL (0). */
int pull_free(struct pull *p);

#endif
