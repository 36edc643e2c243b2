/* `rtspgate probe`: connect to an RTSP URL as a client, report what the
 * server says (OPTIONS/DESCRIBE facts, tracks, SPS) and, for each transport
 * in turn (RTP/UDP, then TCP interleaved), whether media flows and how well,
 * then a verdict with concrete advice. */
#ifndef RTSPGATE_DIAG_PROBE_H
#define RTSPGATE_DIAG_PROBE_H

#include <stdbool.h>
#include <stdio.h>

struct probe_opts {
    const char *url;
    unsigned seconds; /* per transport, after PLAY (0: 3) */
    bool json;
};

/* Runs the probe and prints the report to out. Returns the exit status:
 * 0 when at least one transport delivered RTP, 1 otherwise. */
int probe_run(const struct probe_opts *o, FILE *out);

#endif
