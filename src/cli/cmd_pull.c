/* rtspgate pull: record or pipe an RTSP stream, finding a transport that works. */
#include <event2/event.h>
#include <stdbool.h>
#include <getopt.h>
#include <libavutil/log.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd_pull.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/sv.h"
#include "sink/pull.h"

const char usage_pull[] =
    "Usage: rtspgate pull URL [-o FILE|-] [-t auto|udp|tcp|http|multicast] [--duration S]\n"
    "                     [--segment S] [--user U --password P] [--udp-timeout MS] [-v]\n"
    "\n"
    "Receives an RTSP stream and records it (or pipes it as MPEG-TS), finding a\n"
    "transport that works by itself: `auto` tries RTP/UDP first (with NAT punch\n"
    "packets) and falls back to RTP over the RTSP TCP connection (interleaved) when\n"
    "no RTP arrives within --udp-timeout or the server refuses UDP with 461; a UDP\n"
    "session losing over 5 % of its packets over 5 s is replaced by one over TCP.\n"
    "When TCP interleaved is refused too (461), or the RTSP port gives no RTSP\n"
    "answer to OPTIONS (an HTTP-only proxy), auto tunnels RTSP over HTTP.\n"
    "The transport chosen and why is printed on stderr. A lost session is\n"
    "reconnected (1 s, doubling to 30 s) and the recording continues in the same\n"
    "file.\n"
    "Records H.264, H.265, MJPEG and MPEG-4 Part 2 video, AAC (mpeg4-generic),\n"
    "G.711 and Opus audio; other tracks are skipped with a warning. Frames\n"
    "damaged by packet loss are dropped, never written.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE|-     container from the extension: .ts .mp4 .mkv; - is\n"
    "                          MPEG-TS on stdout (default -). .mp4 is fragmented at\n"
    "                          keyframes, so it stays playable if the program dies\n"
    "  -t, --transport T       auto (default), udp, tcp, http (RTSP over an HTTP tunnel\n"
    "                          on the URL's port, the QuickTime scheme, like ffmpeg's\n"
    "                          -rtsp_transport http) or multicast (RTP/AVP;multicast:\n"
    "                          join the IPv4 group the server answers)\n"
    "      --duration S        stop after S seconds of media (may be fractional)\n"
    "      --segment S         start a new file at the first keyframe after every S\n"
    "                          seconds; FILE is an strftime pattern (cam-%Y%m%d-%H%M%S.mkv)\n"
    "      --user U            user name (or in the URL: rtsp://user:pass@host/...);\n"
    "                          Digest (SHA-256, MD5) or Basic, as the server offers\n"
    "      --password P        password\n"
    "      --udp-timeout MS    auto: TCP when no RTP arrives over UDP within MS\n"
    "                          milliseconds after PLAY (default 1500)\n"
    "  -v, --verbose           more detail (-vv: the RTSP exchange)\n"
    "  -h, --help              this help\n"
    "\n"
    "Stops on --duration, SIGINT or SIGTERM (the file is finished properly). Exit\n"
    "status 1 when the file cannot be written (unwritable path, disk full), the\n"
    "credentials are refused, or the stream has nothing pull can record.\n"
    "rtsps:// URLs are RTSP over TLS with the media interleaved in it (the\n"
    "server's certificate is not verified; no HTTP tunnel inside TLS).\n"
    "rtsph://host[:port]/path (port 554 by default) is rtsp:// with -t http, as in\n"
    "GStreamer.\n"
    "\n"
    "Examples:\n"
    "  rtspgate pull rtsp://user:pass@cam.example:554/live -o cam.mp4 --duration 3600\n"
    "  rtspgate pull rtsp://cam.example/live -o - | ffplay -\n"
    "  rtspgate pull rtsp://cam.example/live -t tcp -o cam-%Y%m%d-%H%M%S.mkv --segment 600\n"
    "  rtspgate pull rtsph://cam.example:8080/live -o cam.ts\n";

static void on_signal(evutil_socket_t sig, short ev, void *arg)
{
    log_info("signal %d: finishing the recording", (int)sig);
    event_base_loopexit(arg, NULL);
}

/* Percent-encode s (RFC 3986 unreserved kept) into dst. */
static int pct_encode(const char *s, char *dst, size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~';
        if (n + 4 >= size)
            return -1;
        if (keep) {
            dst[n++] = (char)c;
        } else {
            dst[n++] = '%';
            dst[n++] = hex[c >> 4];
            dst[n++] = hex[c & 15];
        }
    }
    dst[n] = 0;
    return 0;
}

/* url with user/password put in (replacing any it had). */
static int url_with_credentials(const char *url, const char *user, const char *pass, char *dst,
                                size_t size)
{
    const char *hs = strstr(url, "://");
    if (!hs)
        return -1;
    hs += 3;
    size_t auth_end = strcspn(hs, "/?#");
    const char *at = memchr(hs, '@', auth_end);
    const char *host = at ? at + 1 : hs;
    char u[600], p[600];
    if (pct_encode(user, u, sizeof u) || pct_encode(pass ? pass : "", p, sizeof p))
        return -1;
    return str_fmt(dst, size, "%.*s%s%s%s@%s", (int)(hs - url), url, u, pass ? ":" : "",
                   pass ? p : "", host)
               ? -1
               : 0;
}

int cmd_pull(int argc, char **argv)
{
    enum { O_DURATION = 256, O_SEGMENT, O_USER, O_PASSWORD, O_UDP_TIMEOUT };
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"transport", required_argument, NULL, 't'},
        {"duration", required_argument, NULL, O_DURATION},
        {"segment", required_argument, NULL, O_SEGMENT},
        {"user", required_argument, NULL, O_USER},
        {"password", required_argument, NULL, O_PASSWORD},
        {"udp-timeout", required_argument, NULL, O_UDP_TIMEOUT},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct pull_opts po = {.output = "-", .transport = RTSP_CLIENT_AUTO};
    const char *user = NULL, *password = NULL;
    int verbose = 0, c;
    uint64_t v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:t:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            po.output = optarg;
            break;
        case 't':
            if (rtsp_client_transport_parse(optarg, &po.transport)) {
                fprintf(stderr,
                        "rtspgate pull: -t: '%s' is not auto, udp, tcp, http or multicast\n",
                        optarg);
                return 2;
            }
            break;
        case O_DURATION:
            if (sv_parse_ms(sv_from_cstr(optarg), 100000000000ull, &v) || v == 0) {
                fprintf(stderr,
                        "rtspgate pull: --duration: '%s' is not a positive number of "
                        "seconds\n",
                        optarg);
                return 2;
            }
            po.duration_us = v * 1000;
            break;
        case O_SEGMENT:
            if (sv_parse_u64(sv_from_cstr(optarg), 31536000, &v) || v == 0) {
                fprintf(stderr,
                        "rtspgate pull: --segment: '%s' is not a whole number of "
                        "seconds from 1\n",
                        optarg);
                return 2;
            }
            po.segment_s = (unsigned)v;
            break;
        case O_USER:
            user = optarg;
            break;
        case O_PASSWORD:
            password = optarg;
            break;
        case O_UDP_TIMEOUT:
            if (sv_parse_u64(sv_from_cstr(optarg), 600000, &v) || v == 0) {
                fprintf(stderr,
                        "rtspgate pull: --udp-timeout: '%s' is not a number of "
                        "milliseconds from 1 to 600000\n",
                        optarg);
                return 2;
            }
            po.udp_timeout_ms = (unsigned)v;
            break;
        case 'v':
            verbose++;
            break;
        case 'h':
            fputs(usage_pull, stdout);
            return 0;
        default:
            fputs(usage_pull, stderr);
            return 2;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "rtspgate pull: %s\n\n%s",
                optind >= argc ? "no URL given" : "more than one URL given", usage_pull);
        return 2;
    }
    if (password && !user) {
        fprintf(stderr, "rtspgate pull: --password needs --user\n");
        return 2;
    }
    char url[RTSP_MAX_URL_BYTES + 1];
    if (user) {
        if (url_with_credentials(argv[optind], user, password, url, sizeof url)) {
            fprintf(stderr, "rtspgate pull: the URL with the credentials is too long or not "
                            "rtsp://\n");
            return 2;
        }
    } else if (str_copy(url, sizeof url, argv[optind])) {
        fprintf(stderr, "rtspgate pull: the URL is too long\n");
        return 2;
    }
    po.url = url;
    if (!strcmp(po.output, "-") && isatty(STDOUT_FILENO)) {
        fprintf(stderr, "rtspgate pull: not writing MPEG-TS to a terminal; give -o FILE or "
                        "pipe the output\n");
        return 2;
    }
    log_set_level(verbose >= 2 ? LOG_DEBUG : verbose ? LOG_VERBOSE : LOG_INFO);
    av_log_set_level(verbose >= 2 ? AV_LOG_INFO : AV_LOG_ERROR);
    signal(SIGXFSZ, SIG_IGN); /* a file size limit is a write error, like a full disk */

    struct event_base *base = event_base_new();
    if (!base) {
        fprintf(stderr, "rtspgate pull: cannot create the event loop\n");
        return 1;
    }
    char err[768];
    struct pull *p = pull_new(base, &po, err, sizeof err);
    if (!p) {
        fprintf(stderr, "rtspgate pull: %s\n", err);
        event_base_free(base);
        return 1;
    }
    struct event *sigint = evsignal_new(base, SIGINT, on_signal, base);
    struct event *sigterm = evsignal_new(base, SIGTERM, on_signal, base);
    event_add(sigint, NULL);
    event_add(sigterm, NULL);
    event_base_dispatch(base);
    int status = pull_free(p);
    event_free(sigint);
    event_free(sigterm);
    event_base_free(base);
    return status;
}
