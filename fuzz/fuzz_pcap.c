/* libFuzzer: the whole `rtspgate pcap` path on a capture file held in
 * memory: libpcap (pcap and pcapng readers, via fmemopen), packet decoding,
 * TCP reassembly, RTSP conversation analysis, verdicts and both reports.
 * Links libpcap and src/diag/pcap.c (see CMakeLists.txt). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag/pcap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink)
        sink = fopen("/dev/null", "w");
    if (!sink || size == 0)
        return 0;
    for (int json = 0; json < 2; json++) {
        FILE *fp = fmemopen((void *)data, size, "rb");
        if (!fp)
            return 0;
        struct pcap_opts o = {.file = "fuzz.pcap", .json = json, .verbose = !json};
        int rc = pcap_report_fp(fp, "fuzz.pcap", &o, sink, sink);
        if (rc < 0 || rc > 2)
            abort();
    }
    return 0;
}
