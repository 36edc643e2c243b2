/* rtspgate: command line entry point. */
#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <getopt.h>
#include <libavutil/log.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "core/log.h"
#include "rtsp/auth.h"
#include "core/sv.h"
#include "cli/cmd_pull.h"
#include "cli/config.h"
#include "cli/push.h"
#include "server/server.h"
#include "source/source.h"

static const char usage_main[] =
    "Usage: rtspgate COMMAND [OPTIONS]\n"
    "\n"
    "Get live IP-camera video to viewers across NATs and firewalls.\n"
    "\n"
    "Commands:\n"
    "  serve     run the RTSP server (RTP over UDP and TCP interleaved, RTSPS,\n"
    "            publishing with ANNOUNCE/RECORD)\n"
    "  push      publish a source to an RTSP server (ANNOUNCE/RECORD) over one\n"
    "            outbound TCP connection: no port forward at the camera site\n"
    "  pull      record or pipe an RTSP stream, choosing UDP, TCP or an HTTP tunnel\n"
    "            by itself (or multicast when asked)\n"
    "  probe     test an RTSP URL: what the server offers, which transports deliver\n"
    "            media, and what to use (`rtspgate probe --help`)\n"
    "  pcap      explain the RTSP sessions in a capture file: requests, transports,\n"
    "            whether RTP flowed, and what to change (`rtspgate pcap --help`)\n"
    "  passwd    print a [user] section with password hashes for the config file\n"
    "  help      show this help, or `rtspgate help serve|push|pull|probe|pcap`\n"
    "  version   print the version\n"
    "\n"
    "Run `rtspgate serve --help` for the server's options.\n";

static const char usage_serve[] =
    "Usage: rtspgate serve [-c FILE] [--listen ADDR:PORT] [--path NAME=SOURCE ...] [options]\n"
    "\n"
    "Serves each path over RTSP 1.0: RTP/AVP over UDP (unicast) and RTP over the\n"
    "RTSP TCP connection (interleaved, RFC 2326 10.12), also tunnelled over HTTP\n"
    "(GET/POST, x-sessioncookie) on the same port or http_listen, and multicast\n"
    "when the config sets multicast_range. With no --path it serves\n"
    "path `test` from the built-in live test source.\n"
    "\n"
    "Options:\n"
    "  -c, --config FILE          read [server], [path NAME], [user NAME] and\n"
    "                             [push NAME] sections from FILE\n"
    "                             (options given after it override it)\n"
    "  -l, --listen ADDR:PORT     listen address (default 0.0.0.0:8554; port 0 picks one)\n"
    "  -p, --path NAME=SOURCE     serve SOURCE at rtsp://HOST:PORT/NAME (repeatable)\n"
    "      --rtsps-listen ADDR:PORT  also serve RTSPS (RTSP over TLS, interleaved) there\n"
    "      --tls-cert FILE        PEM certificate chain for RTSPS\n"
    "      --tls-key FILE         PEM private key for RTSPS\n"
    "      --low-latency NAME     viewers of NAME start at the live edge, not the last keyframe\n"
    "      --session-timeout S    seconds without a sign of life before a session is\n"
    "                             closed (default 60)\n"
    "      --stall-timeout S      seconds a viewer may stay unwritable before it is\n"
    "                             closed (default 10)\n"
    "      --ring-bytes N         per-path packet ring size in bytes (default 4 MiB)\n"
    "      --max-connections N    connections accepted at once (default 4096)\n"
    "  -v, --verbose              log requests and responses (-vv: debug)\n"
    "  -h, --help                 this help\n"
    "\n"
    "Sources:\n"
    "  testsrc[:OPTS]   built-in live H.264 test pattern with a frame counter and\n"
    "                   clock, plus an AAC tone. OPTS, comma-separated:\n"
    "                   size=WxH (1280x720) fps=N (30) gop=N (fps) bitrate=KBPS (2000)\n"
    "                   audio=0|1 (1) rate=HZ (48000) tone=HZ (440)\n"
    "\n"
    "Example:\n"
    "  rtspgate serve --listen 0.0.0.0:8554 --path cam=testsrc:size=640x360,fps=25\n"
    "  ffplay -rtsp_transport tcp rtsp://127.0.0.1:8554/cam\n";

int cmd_probe(int argc, char **argv);
extern const char usage_probe[];
int cmd_pcap(int argc, char **argv);
extern const char usage_pcap[];

static void on_signal(evutil_socket_t sig, short ev, void *arg)
{
    struct event_base *base = arg;
    log_info("signal %d: shutting down", (int)sig);
    event_base_loopexit(base, NULL);
}

static int parse_uint(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
    if (sv_parse_u64(sv_from_cstr(s), max, out)) {
        fprintf(stderr, "rtspgate: %s: '%s' is not a number from 0 to %llu\n", opt, s,
                (unsigned long long)max);
        return -1;
    }
    return 0;
}

static int add_path(struct server_conf *c, const char *arg)
{
    char err[512];
    if (config_add_path(c, arg, err, sizeof err)) {
        fprintf(stderr, "rtspgate: %s\n", err);
        return -1;
    }
    return 0;
}

static int cmd_serve(int argc, char **argv)
{
    enum { O_TIMEOUT = 256, O_STALL, O_RING, O_MAXCONN, O_LOWLAT, O_RTSPS, O_CERT, O_KEY };
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"listen", required_argument, NULL, 'l'},
        {"path", required_argument, NULL, 'p'},
        {"low-latency", required_argument, NULL, O_LOWLAT},
        {"rtsps-listen", required_argument, NULL, O_RTSPS},
        {"tls-cert", required_argument, NULL, O_CERT},
        {"tls-key", required_argument, NULL, O_KEY},
        {"session-timeout", required_argument, NULL, O_TIMEOUT},
        {"stall-timeout", required_argument, NULL, O_STALL},
        {"ring-bytes", required_argument, NULL, O_RING},
        {"max-connections", required_argument, NULL, O_MAXCONN},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct server_conf conf;
    server_conf_default(&conf);
    int verbose = 0;
    const char *lowlat[SERVER_MAX_PATHS];
    size_t n_lowlat = 0;
    uint64_t v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:l:p:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': {
            char err[768];
            if (config_load(optarg, &conf, err, sizeof err)) {
                fprintf(stderr, "rtspgate: %s\n", err);
                return 2;
            }
            break;
        }
        case 'l':
            if (str_copy(conf.listen, sizeof conf.listen, optarg)) {
                fprintf(stderr, "rtspgate: --listen: too long\n");
                return 2;
            }
            break;
        case 'p':
            if (add_path(&conf, optarg))
                return 2;
            break;
        case O_RTSPS:
        case O_CERT:
        case O_KEY: {
            char *dst = c == O_RTSPS  ? conf.rtsps_listen
                        : c == O_CERT ? conf.tls_cert
                                      : conf.tls_key;
            size_t sz = c == O_RTSPS ? sizeof conf.rtsps_listen : sizeof conf.tls_cert;
            if (str_copy(dst, sz, optarg)) {
                fprintf(stderr, "rtspgate: %s: too long\n", optarg);
                return 2;
            }
            break;
        }
        case O_LOWLAT:
            if (n_lowlat < SERVER_MAX_PATHS)
                lowlat[n_lowlat++] = optarg;
            break;
        case O_TIMEOUT:
            if (parse_uint("--session-timeout", optarg, 86400, &v) || v == 0)
                return 2;
            conf.session_timeout_s = (unsigned)v;
            break;
        case O_STALL:
            if (parse_uint("--stall-timeout", optarg, 3600, &v) || v == 0)
                return 2;
            conf.stall_timeout_s = (unsigned)v;
            break;
        case O_RING:
            if (parse_uint("--ring-bytes", optarg, 1ull << 30, &v))
                return 2;
            if (v < 65536) {
                fprintf(stderr, "rtspgate: --ring-bytes: at least 65536\n");
                return 2;
            }
            conf.ring_bytes = (size_t)v;
            break;
        case O_MAXCONN:
            if (parse_uint("--max-connections", optarg, 1000000, &v) || v == 0)
                return 2;
            conf.max_connections = (unsigned)v;
            break;
        case 'v':
            verbose++;
            break;
        case 'h':
            fputs(usage_serve, stdout);
            return 0;
        default:
            fputs(usage_serve, stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "rtspgate serve: unexpected argument '%s'\n\n%s", argv[optind],
                usage_serve);
        return 2;
    }
    if (conf.n_paths == 0 && conf.n_pushes == 0 && add_path(&conf, "test=testsrc"))
        return 2;
    for (size_t i = 0; i < n_lowlat; i++) {
        bool found = false;
        for (size_t k = 0; k < conf.n_paths; k++) {
            if (strcmp(conf.paths[k].name, lowlat[i]) == 0) {
                conf.paths[k].low_latency = true;
                found = true;
            }
        }
        if (!found) {
            fprintf(stderr, "rtspgate: --low-latency %s: no such path\n", lowlat[i]);
            return 2;
        }
    }
    log_set_level(verbose >= 2 ? LOG_DEBUG : verbose ? LOG_VERBOSE : LOG_INFO);
    av_log_set_level(verbose >= 2 ? AV_LOG_INFO
                                  : AV_LOG_WARNING); /* encoder statistics only with -vv */

    struct event_base *base = event_base_new();
    if (!base) {
        fprintf(stderr, "rtspgate: cannot create the event loop\n");
        return 1;
    }
    char err[512];
    struct server *srv = server_new(base, &conf, err, sizeof err);
    if (!srv) {
        log_error("%s", err);
        event_base_free(base);
        return 1;
    }
    struct event *sigint = evsignal_new(base, SIGINT, on_signal, base);
    struct event *sigterm = evsignal_new(base, SIGTERM, on_signal, base);
    event_add(sigint, NULL);
    event_add(sigterm, NULL);
    server_print_banner(srv);
    /* [push NAME] sections: publish elsewhere from this process too */
    struct pusher *pushers[SERVER_MAX_PUSHES] = {0};
    for (size_t i = 0; i < conf.n_pushes; i++) {
        const struct server_push_conf *pc = &conf.pushes[i];
        struct source_opts so = {
            .rtsp_transport = (enum source_rtsp_transport)pc->source_transport, /* same order */
        };
        struct rtsp_publisher_opts po = {.http = pc->http};
        pushers[i] = pusher_start(base, pc->name, pc->source, &so, pc->dest, &po, err, sizeof err);
        if (!pushers[i])
            log_error("push %s: %s", pc->name, err);
    }
    event_base_dispatch(base);
    for (size_t i = 0; i < conf.n_pushes; i++)
        pusher_free(pushers[i]);
    server_free(srv);
    event_free(sigint);
    event_free(sigterm);
    event_base_free(base);
    log_info("stopped");
    return 0;
}

static const char usage_passwd[] =
    "Usage: rtspgate passwd USER [--realm REALM]\n"
    "\n"
    "Reads the password from standard input (without echo on a terminal) and\n"
    "prints a [user USER] section for the config file with password_sha256 and\n"
    "password_md5: hex of H(\"USER:REALM:PASSWORD\"). The realm must match the\n"
    "server's `realm` (default rtspgate); changing it invalidates stored hashes.\n";

static int cmd_passwd(int argc, char **argv)
{
    const char *user = NULL, *realm = "rtspgate";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--realm") && i + 1 < argc)
            realm = argv[++i];
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(usage_passwd, stdout);
            return 0;
        } else if (!user && argv[i][0] != '-')
            user = argv[i];
        else {
            fputs(usage_passwd, stderr);
            return 2;
        }
    }
    if (!user || !user[0] || strpbrk(user, ":,\"")) {
        fputs(usage_passwd, stderr);
        return 2;
    }
    bool tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fprintf(stderr, "Password for %s: ", user);
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    char pw[256];
    bool got = fgets(pw, sizeof pw, stdin) != NULL;
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        fputc('\n', stderr);
    }
    size_t n = got ? strcspn(pw, "\r\n") : 0;
    pw[n] = 0;
    if (!n) {
        fprintf(stderr, "rtspgate passwd: empty password\n");
        return 2;
    }
    char sha[80], md5[80];
    if (rtsp_auth_ha1_hex(RTSP_AUTH_ALGO_SHA256, sv_from_cstr(user), sv_from_cstr(realm),
                          sv_from_cstr(pw), sha, sizeof sha) ||
        rtsp_auth_ha1_hex(RTSP_AUTH_ALGO_MD5, sv_from_cstr(user), sv_from_cstr(realm),
                          sv_from_cstr(pw), md5, sizeof md5)) {
        fprintf(stderr, "rtspgate passwd: cannot hash\n");
        return 1;
    }
    printf("[user %s]\npassword_sha256 = %s\npassword_md5 = %s\n", user, sha, md5);
    return 0;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (evthread_use_pthreads() != 0) {
        fprintf(stderr, "rtspgate: libevent has no pthreads support\n");
        return 1;
    }
    if (argc < 2) {
        fputs(usage_main, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "serve"))
        return cmd_serve(argc - 1, argv + 1);
    if (!strcmp(cmd, "push"))
        return cmd_push(argc - 1, argv + 1);
    if (!strcmp(cmd, "pull"))
        return cmd_pull(argc - 1, argv + 1);
    if (!strcmp(cmd, "probe"))
        return cmd_probe(argc - 1, argv + 1);
    if (!strcmp(cmd, "pcap"))
        return cmd_pcap(argc - 1, argv + 1);
    if (!strcmp(cmd, "passwd"))
        return cmd_passwd(argc - 1, argv + 1);
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("rtspgate %s\n", RTSPGATE_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        if (argc > 2 && !strcmp(argv[2], "serve"))
            fputs(usage_serve, stdout);
        else if (argc > 2 && !strcmp(argv[2], "push"))
            return cmd_push(2, (char *[]){"push", "--help", NULL});
        else if (argc > 2 && !strcmp(argv[2], "pull"))
            fputs(usage_pull, stdout);
        else if (argc > 2 && !strcmp(argv[2], "probe"))
            fputs(usage_probe, stdout);
        else if (argc > 2 && !strcmp(argv[2], "pcap"))
            fputs(usage_pcap, stdout);
        else
            fputs(usage_main, stdout);
        return 0;
    }
    fprintf(stderr, "rtspgate: unknown command '%s'\n\n%s", cmd, usage_main);
    return 2;
}
