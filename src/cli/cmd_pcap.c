/* `rtspgate pcap FILE`: see src/diag/pcap.h. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag/pcap.h"

int cmd_pcap(int argc, char **argv);

const char usage_pcap[] =
    "Usage: rtspgate pcap FILE [--json] [-v]\n"
    "\n"
    "Reads a packet capture (pcap or pcapng, e.g. from tcpdump, dumpcap or\n"
    "Wireshark; link types Ethernet with VLAN tags, Linux cooked SLL/SLL2 from\n"
    "`-i any`, raw IP, loopback) and explains the RTSP sessions in it: it\n"
    "reassembles TCP, finds every RTSP conversation on any port by its content\n"
    "(also RTSP-over-HTTP tunnels, and captures that begin mid-session), lists\n"
    "requests and responses with status and time, each SETUP's offered and\n"
    "answered Transport, authentication challenges and whether the retry was\n"
    "accepted, then checks whether RTP/RTCP actually flowed: on the negotiated\n"
    "UDP ports (matched by port on the side where the capture was taken, since\n"
    "NAT rewrites addresses), on multicast groups, or in the interleaved\n"
    "channels, with packets, bitrate, fps, loss and reordering. Ends with a\n"
    "verdict and the player option to use.\n"
    "\n"
    "It cannot see inside RTSPS (TLS) and sees only what passed the capture\n"
    "point: capture on the viewer's side to see what arrived there.\n"
    "\n"
    "Options:\n"
    "      --json             one JSON object on stdout (fields in README.md)\n"
    "  -v, --verbose          also list interleaved channels and UDP flows (64 at most)\n"
    "  -h, --help             this help\n"
    "\n"
    "Exit status: 0 when at least one conversation delivered media, 1 when none\n"
    "did (or the capture has no RTSP), 2 when the file cannot be read: missing,\n"
    "not a capture, unsupported link type, or damaged (truncated or corrupt)\n"
    "before any RTSP conversation. A file damaged later is analysed up to the\n"
    "damage, with a warning naming the packet and offset.\n";

int cmd_pcap(int argc, char **argv)
{
    enum { O_JSON = 256 };
    static const struct option opts[] = {
        {"json", no_argument, NULL, O_JSON},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct pcap_opts po = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
        switch (c) {
        case O_JSON:
            po.json = true;
            break;
        case 'v':
            po.verbose = true;
            break;
        case 'h':
            fputs(usage_pcap, stdout);
            return 0;
        default:
            fputs(usage_pcap, stderr);
            return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "rtspgate pcap: give exactly one capture file\n\n%s", usage_pcap);
        return 2;
    }
    po.file = argv[optind];
    return pcap_report(&po, stdout, stderr);
}
