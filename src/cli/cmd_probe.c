/* `rtspgate probe URL`: see src/diag/probe.h. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/sv.h"
#include "diag/probe.h"

int cmd_probe(int argc, char **argv);

const char usage_probe[] =
    "Usage: rtspgate probe URL [--json] [--seconds N] [--user U --password P] [-v]\n"
    "\n"
    "Asks an RTSP server or camera what it offers and tests how its media gets\n"
    "through: OPTIONS and DESCRIBE (authentication scheme, Server header, Public\n"
    "methods, tracks and codecs, H.264/H.265 resolution/profile/fps from the SPS),\n"
    "then RTP/UDP, TCP interleaved, RTSP over an HTTP tunnel (on the URL's port) and\n"
    "RTP/UDP multicast in turn, each for N seconds after PLAY: SETUP status,\n"
    "time to the first RTP packet, packets, bitrate, loss, reordering, RTCP\n"
    "sender reports, timestamp sanity. Ends with a verdict and the ffmpeg option\n"
    "to use.\n"
    "\n"
    "Options:\n"
    "      --json             one JSON object on stdout (fields in README.md)\n"
    "      --seconds N        measuring time per transport (default 3, 1..60)\n"
    "      --user U           user name (instead of rtsp://user:pass@host/...)\n"
    "      --password P       password\n"
    "  -v, --verbose          log requests and responses on stderr (-vv: debug)\n"
    "  -h, --help             this help\n"
    "\n"
    "Exit status: 0 when at least one transport delivered media, 1 when none\n"
    "did, 2 on bad usage.\n";

/* Append s to out percent-encoding everything but unreserved characters. */
static int pct_append(char *out, size_t cap, const char *s)
{
    size_t n = strlen(out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '.' || c == '_' || c == '~';
        int w =
            plain ? snprintf(out + n, cap - n, "%c", c) : snprintf(out + n, cap - n, "%%%02X", c);
        if (w < 0 || (size_t)w >= cap - n)
            return -1;
        n += (size_t)w;
    }
    return 0;
}

int cmd_probe(int argc, char **argv)
{
    enum { O_JSON = 256, O_SECONDS, O_USER, O_PASSWORD };
    static const struct option opts[] = {
        {"json", no_argument, NULL, O_JSON},
        {"seconds", required_argument, NULL, O_SECONDS},
        {"user", required_argument, NULL, O_USER},
        {"password", required_argument, NULL, O_PASSWORD},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct probe_opts po = {.seconds = 3};
    const char *user = NULL, *password = NULL;
    int verbose = 0, c;
    uint64_t v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
        switch (c) {
        case O_JSON:
            po.json = true;
            break;
        case O_SECONDS:
            if (sv_parse_u64(sv_from_cstr(optarg), 60, &v) || v < 1) {
                fprintf(stderr, "rtspgate probe: --seconds: '%s' is not a number from 1 to 60\n",
                        optarg);
                return 2;
            }
            po.seconds = (unsigned)v;
            break;
        case O_USER:
            user = optarg;
            break;
        case O_PASSWORD:
            password = optarg;
            break;
        case 'v':
            verbose++;
            break;
        case 'h':
            fputs(usage_probe, stdout);
            return 0;
        default:
            fputs(usage_probe, stderr);
            return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "rtspgate probe: give exactly one URL\n\n%s", usage_probe);
        return 2;
    }
    const char *url = argv[optind];
    char with_cred[2048];
    if (user || password) {
        const char *s = strstr(url, "://");
        if (!s || !user || !password) {
            fprintf(stderr, "rtspgate probe: --user and --password go together, with an "
                            "rtsp:// or rtsps:// URL\n");
            return 2;
        }
        const char *rest = s + 3, *at = strchr(rest, '@'), *slash = strchr(rest, '/');
        if (at && (!slash || at < slash))
            rest = at + 1; /* --user/--password replace credentials in the URL */
        char u[512], pw[512];
        u[0] = pw[0] = 0;
        int w = -1;
        if (!pct_append(u, sizeof u, user) && !pct_append(pw, sizeof pw, password))
            w = snprintf(with_cred, sizeof with_cred, "%.*s%s:%s@%s", (int)(s + 3 - url), url, u,
                         pw, rest);
        if (w < 0 || (size_t)w >= sizeof with_cred) {
            fprintf(stderr, "rtspgate probe: URL, user or password too long\n");
            return 2;
        }
        url = with_cred;
    }
    if (strncmp(url, "rtsp://", 7) && strncmp(url, "rtsps://", 8)) {
        fprintf(stderr, "rtspgate probe: '%s' is not an rtsp:// or rtsps:// URL\n", url);
        return 2;
    }
    log_set_level(verbose >= 2 ? LOG_DEBUG : verbose ? LOG_VERBOSE : LOG_WARN);
    po.url = url;
    return probe_run(&po, stdout);
}
