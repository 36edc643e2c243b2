/* rtspgate push SOURCE DEST: publish a source to an RTSP server (RECORD). */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <libavutil/log.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/push.h"
#include "client/rtsp_client.h"
#include "client/rtsp_publisher.h"
#include "core/log.h"
#include "core/sv.h"
#include "hub/stream.h"
#include "session/cli_proto.h"
#include "source/source.h"

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
    "           (the server's certificate is not verified), or rtsph:// for RTSP\n"
    "           over an HTTP tunnel on that port (554 by default; = -t http); Digest\n"
    "           or Basic auth with the URL's credentials\n"
    "\n"
    "Options:\n"
    "  -t, --transport tcp|http  tcp (default): interleaved in one RTSP connection;\n"
    "                      http: RTSP over an HTTP tunnel (GET + base64 POST, the\n"
    "                      QuickTime scheme) through proxies that pass only HTTP;\n"
    "                      not with rtsps://\n"
    "      --source-transport auto|udp|tcp|http|multicast  how an rtsp:// SOURCE is\n"
    "                          pulled (auto)\n"
    "      --timeout S     seconds without an answer or with the uplink not taking\n"
    "                      data before reconnecting (default 10)\n"
    "  -v, --verbose       log more (-vv: debug)\n"
    "  -h, --help          this help\n"
    "\n"
    "Example (the server side: a [path site1/frontdoor] with publish_users):\n"
    "  rtspgate push rtsp://192.168.1.64/stream \\\n"
    "      rtsp://site1:secret@public.example:8554/site1/frontdoor\n";

struct pusher {
    char name[64];
    struct hub_stream *stream;
    struct source *source;
    struct rtsp_publisher *pub;
};

void pusher_free(struct pusher *p)
{
    if (!p)
        return;
    if (p->pub) {
        struct rtsp_publisher_stats st;
        rtsp_publisher_stats(p->pub, &st);
        log_info("push %s: %u session(s), %llu RTP packets (%llu bytes) sent, %u reconnect(s), "
                 "%llu keyframe skip(s)",
                 p->name, st.sessions, (unsigned long long)st.rtp_packets,
                 (unsigned long long)st.rtp_bytes, st.failures, (unsigned long long)st.skips);
    }
    rtsp_publisher_free(p->pub);
    source_free(p->source);
    if (p->stream)
        hub_stream_free(p->stream);
    free(p);
}

struct pusher *pusher_start(struct event_base *base, const char *name, const char *source,
                            const struct source_opts *so, const char *dest,
                            const struct rtsp_publisher_opts *po, char *err, size_t errlen)
{
    char e[768];
    if (source_check_spec(source, e, sizeof e)) {
        str_fmt(err, errlen, "SOURCE: %s", e);
        return NULL;
    }
    if (rtsp_publisher_check_url(dest, e, sizeof e)) {
        str_fmt(err, errlen, "DEST: %s", e);
        return NULL;
    }
    struct pusher *p = calloc(1, sizeof *p);
    if (!p) {
        str_fmt(err, errlen, "out of memory");
        return NULL;
    }
    str_copy(p->name, sizeof p->name, name);
    uint32_t seed;
    if (RAND_bytes((unsigned char *)&seed, sizeof seed) != 1)
        seed = 0x9e3779b9u;
    p->stream = hub_stream_new(name, 0, seed);
    if (!p->stream) {
        str_fmt(err, errlen, "out of memory");
        goto fail;
    }
    p->source = source_new_opts(base, source, so, p->stream, seed, e, sizeof e);
    if (!p->source) {
        str_fmt(err, errlen, "source: %s", e);
        goto fail;
    }
    p->pub = rtsp_publisher_new(base, p->stream, dest, po, e, sizeof e);
    if (!p->pub) {
        str_fmt(err, errlen, "%s", e);
        goto fail;
    }
    char red[RTSP_MAX_URL_BYTES + 1];
    cli_url_redact(dest, red, sizeof red); /* the log never shows the password */
    log_info("push %s: publishing %s to %s", name, source_describe(p->source), red);
    return p;
fail:
    pusher_free(p);
    return NULL;
}

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
        {"transport", required_argument, NULL, 't'},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct source_opts so = {0};
    struct rtsp_publisher_opts po = {0};
    int verbose = 0, c;
    uint64_t v;
    enum rtsp_client_transport ct;
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:vh", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (strcmp(optarg, "tcp") && strcmp(optarg, "http")) {
                fprintf(stderr,
                        "rtspgate push: -t: '%s' is not tcp or http (a push goes over TCP, "
                        "plain or in an HTTP tunnel)\n",
                        optarg);
                return 2;
            }
            po.http = !strcmp(optarg, "http");
            break;
        case O_SRC_TRANSPORT:
            if (rtsp_client_transport_parse(optarg, &ct)) {
                fprintf(stderr,
                        "rtspgate push: --source-transport: '%s' is not auto, udp, tcp, http or "
                        "multicast\n",
                        optarg);
                return 2;
            }
            so.rtsp_transport = (enum source_rtsp_transport)ct; /* same order */
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
    int rc = 1;
    struct event *sigint = NULL, *sigterm = NULL;
    /* named after the last segment of DEST's path in the log and the SDP */
    const char *name = strrchr(dest, '/');
    name = name && name[1] ? name + 1 : "push";
    struct pusher *p = pusher_start(base, name, src, &so, dest, &po, err, sizeof err);
    if (!p) {
        log_error("%s", err);
        goto out;
    }
    sigint = evsignal_new(base, SIGINT, on_signal, base);
    sigterm = evsignal_new(base, SIGTERM, on_signal, base);
    if (!sigint || !sigterm || event_add(sigint, NULL) || event_add(sigterm, NULL)) {
        log_error("out of memory");
        goto out;
    }
    event_base_dispatch(base);
    rc = 0;
out:
    pusher_free(p);
    if (sigint)
        event_free(sigint);
    if (sigterm)
        event_free(sigterm);
    event_base_free(base);
    return rc;
}
