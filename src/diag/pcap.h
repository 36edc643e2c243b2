/* `rtspgate pcap`: read a pcap or pcapng capture with libpcap, feed it to
 * the pure analysis (src/capture/analyze.h), print the RTSP conversations,
 * their SETUPs and media, and a verdict with advice (text or JSON). */
#ifndef RTSPGATE_DIAG_PCAP_H
#define RTSPGATE_DIAG_PCAP_H

#include <stdbool.h>
#include <stdio.h>

struct pcap_opts {
    const char *file;
    bool json;
    bool verbose; /* text: also list interleaved channels and unmatched UDP flows */
};

/* Exit status: 0 when at least one conversation delivered media, 1 when none
 * did, 2 when the file cannot be read (or is damaged and nothing before the
 * damage holds an RTSP conversation). Errors go to err. */
int pcap_report(const struct pcap_opts *o, FILE *out, FILE *err);

/* The same on a capture already opened from a FILE* (fuzzing: fmemopen).
 * name: for messages. The FILE is closed. */
int pcap_report_fp(FILE *fp, const char *name, const struct pcap_opts *o, FILE *out, FILE *err);

#endif
