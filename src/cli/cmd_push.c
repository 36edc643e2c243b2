/* rtspgate push SOURCE DEST: publish a source to an RTSP server (RECORD). */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <libavutil/log.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "client/rtsp_publisher.h"
#include "core/log.h"
#include "core/sv.h"
#include "hub/stream.h"
#include "session/cli_proto.h"
#include "source/source.h"

int cmd_push(int argc, char **argv);

static const char usage_push[] =
    "Usage: rtspgate push [options] SOURCE DEST\n"
    "\n"
    "Publishes SOURCE to the RTSP server at DEST over one outbound TCP connection\n"
    "(ANNOUNCE, SETUP mode=record, RECORD; RTP interleaved), so a camera behind a\n"
    "NAT with no port forward reaches viewers of a public server. Keeps\n"
    "reconnecting (backoff 1 s doubling to 30 s) when the server restarts or the\n"
    "network drops; the stream's sequence numbers and timestamps continue.\n"
    "\n"
    "  SOURCE   anything `serve` accepts: rtsp://[user:pass@]camera/path, file:PATH,\n"
    "           testsrc[:OPTS]\n"
    "  DEST     rtsp://[user:pass@]host[:port]/path, or rtsps:// for RTSP over TLS\n"
    "           (the server's certificate is not verified); Digest or Basic auth\n"
    "           with the URL's credentials\n"
    "\n"
    "Options:\n"
    "      --source-transport auto|udp|tcp  how an rtsp:// SOURCE is pulled (auto)\n"
    "      --timeout S     seconds without an answer or with the uplink not taking\n"
    "                      data before reconnecting (default 10)\n"
    "  -v, --verbose       log more (-vv: debug)\n"
    "  -h, --help          this help\n"
    "\n"
    "Example (the server side: a [path site1/frontdoor] with publish_users):\n"
    "  rtspgate push rtsp://192.168.1.64/stream \\\n"
    "      rtsp://site1:secret@public.example:8554/site1/frontdoor\n";

static void on_signal(evutil_socket_t sig, short ev, void *arg)
{
    (void)ev;
    log_info("signal %d: stopping", (int)sig);
    event_base_loopexit(arg, NULL);
}

int cmd_push(int argc, char **argv)
{
    enum { O_SRC_TRANSPORT = 256, O_TIMEOUT };
    static const struct option opts[] = {
        {"source-transport", required_argument, NULL, O_SRC_TRANSPORT},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct source_opts so = {0};
    struct rtsp_publisher_opts po = {0};
    int verbose = 0, c;
    uint64_t v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
        switch (c) {
        case O_SRC_TRANSPORT:
            if (!strcmp(optarg, "auto"))
                so.rtsp_transport = SOURCE_RTSP_AUTO;
            else if (!strcmp(optarg, "udp"))
                so.rtsp_transport = SOURCE_RTSP_UDP;
            else if (!strcmp(optarg, "tcp"))
                so.rtsp_transport = SOURCE_RTSP_TCP;
            else {
                fprintf(stderr, "rtspgate push: --source-transport: '%s' is not auto, udp or tcp\n",
                        optarg);
                return 2;
            }
            break;
        case O_TIMEOUT:
            if (sv_parse_u64(sv_from_cstr(optarg), 3600, &v) || v == 0) {
                fprintf(stderr, "rtspgate push: --timeout: '%s' is not a number from 1 to 3600\n",
                        optarg);
                return 2;
            }
            po.response_timeout_ms = po.stall_timeout_ms = (unsigned)v * 1000;
            break;
        case 'v':
            verbose++;
            break;
        case 'h':
            fputs(usage_push, stdout);
            return 0;
        default:
            fputs(usage_push, stderr);
            return 2;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "rtspgate push: expected SOURCE and DEST\n\n%s", usage_push);
        return 2;
    }
    const char *src = argv[optind], *dest = argv[optind + 1];
    char err[768];
    if (source_check_spec(src, err, sizeof err)) {
        fprintf(stderr, "rtspgate push: SOURCE: %s\n", err);
        return 2;
    }
    if (rtsp_publisher_check_url(dest, err, sizeof err)) {
        fprintf(stderr, "rtspgate push: DEST: %s\n", err);
        return 2;
    }
    log_set_level(verbose >= 2 ? LOG_DEBUG : verbose ? LOG_VERBOSE : LOG_INFO);
    av_log_set_level(verbose >= 2 ? AV_LOG_INFO : AV_LOG_WARNING);

    struct event_base *base = event_base_new();
    if (!base) {
        fprintf(stderr, "rtspgate push: cannot create the event loop\n");
        return 1;
    }
    uint32_t seed;
    if (RAND_bytes((unsigned char *)&seed, sizeof seed) != 1)
        seed = 0x9e3779b9u;
    int rc = 1;
    struct source *source = NULL;
    struct rtsp_publisher *pub = NULL;
    struct event *sigint = NULL, *sigterm = NULL;
    struct hub_stream *stream = hub_stream_new("rtspgate push", 0, seed);
    if (!stream) {
        log_error("out of memory");
        goto out;
    }
    source = source_new_opts(base, src, &so, stream, seed, err, sizeof err);
    if (!source) {
        log_error("source: %s", err);
        goto out;
    }
    pub = rtsp_publisher_new(base, stream, dest, &po, err, sizeof err);
    if (!pub) {
        log_error("%s", err);
        goto out;
    }
    char red[1024];
    cli_url_redact(dest, red, sizeof red); /* the log never shows the password */
    log_info("pushing %s to %s", source_describe(source), red);
    sigint = evsignal_new(base, SIGINT, on_signal, base);
    sigterm = evsignal_new(base, SIGTERM, on_signal, base);
    if (!sigint || !sigterm || event_add(sigint, NULL) || event_add(sigterm, NULL)) {
        log_error("out of memory");
        goto out;
    }
    event_base_dispatch(base);
    struct rtsp_publisher_stats st;
    rtsp_publisher_stats(pub, &st);
    log_info("push: %u session(s), %llu RTP packets (%llu bytes) sent, %u reconnect(s), %llu "
             "keyframe skip(s)",
             st.sessions, (unsigned long long)st.rtp_packets, (unsigned long long)st.rtp_bytes,
             st.failures, (unsigned long long)st.skips);
    rc = 0;
out:
    rtsp_publisher_free(pub);
    source_free(source);
    if (stream)
        hub_stream_free(stream);
    if (sigint)
        event_free(sigint);
    if (sigterm)
        event_free(sigterm);
    event_base_free(base);
    return rc;
}
