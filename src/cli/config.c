#include "cli/config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>

#include "client/rtsp_publisher.h"
#include "core/sv.h"
#include "net/net.h"
#include "source/source.h"

struct loader {
    struct server_conf *c;
    struct server_path_conf *path; /* current [path] section */
    struct server_user *user;      /* current [user] section */
    struct server_push_conf *push; /* current [push] section */
    char section[160];
    char reason[512];
};

/* auto | udp | tcp | http | multicast, any case. */
static int parse_source_transport(const char *v, enum source_transport *out)
{
    static const char *const names[] = {"auto", "udp", "tcp", "http", "multicast"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (sv_ieq_cstr(sv_from_cstr(v), names[i])) {
            *out = (enum source_transport)i;
            return 0;
        }
    return -1;
}

static int parse_bool(const char *v, bool *out)
{
    struct sv s = sv_from_cstr(v);
    if (sv_ieq_cstr(s, "yes") || sv_ieq_cstr(s, "true") || sv_ieq_cstr(s, "on") ||
        sv_eq_cstr(s, "1")) {
        *out = true;
        return 0;
    }
    if (sv_ieq_cstr(s, "no") || sv_ieq_cstr(s, "false") || sv_ieq_cstr(s, "off") ||
        sv_eq_cstr(s, "0")) {
        *out = false;
        return 0;
    }
    return -EINVAL;
}

static int parse_num(struct loader *l, const char *name, const char *v, uint64_t min, uint64_t max,
                     uint64_t *out)
{
    if (sv_parse_u64(sv_from_cstr(v), max, out) || *out < min) {
        str_fmt(l->reason, sizeof l->reason, "%s = '%s': expected a number from %llu to %llu", name,
                v, (unsigned long long)min, (unsigned long long)max);
        return -1;
    }
    return 0;
}

static int path_name_ok(struct sv n)
{
    if (!n.n || n.p[0] == '/' || n.p[n.n - 1] == '/')
        return 0;
    for (size_t i = 0; i < n.n; i++) {
        char ch = n.p[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' || ch == '/';
        if (!ok)
            return 0;
        if (ch == '/' && i + 1 < n.n && n.p[i + 1] == '/')
            return 0;
    }
    struct sv rest = n, seg;
    while (rest.p) {
        rest = sv_split(rest, '/', &seg);
        if (sv_eq_cstr(seg, ".") || sv_eq_cstr(seg, ".."))
            return 0;
    }
    return 1;
}

static struct server_path_conf *new_path(struct server_conf *c, struct sv name, char *err,
                                         size_t errlen)
{
    if (!path_name_ok(name)) {
        str_fmt(err, errlen, "bad path name '%.*s' (letters, digits, - _ . and / between segments)",
                SV_ARG(name));
        return NULL;
    }
    for (size_t i = 0; i < c->n_paths; i++) {
        if (sv_eq_cstr(name, c->paths[i].name)) {
            str_fmt(err, errlen, "path '%.*s' defined twice", SV_ARG(name));
            return NULL;
        }
    }
    if (c->n_paths >= SERVER_MAX_PATHS) {
        str_fmt(err, errlen, "too many paths (at most %d)", SERVER_MAX_PATHS);
        return NULL;
    }
    struct server_path_conf *p = &c->paths[c->n_paths];
    memset(p, 0, sizeof(*p));
    if (sv_to_cstr(name, p->name, sizeof p->name)) {
        str_fmt(err, errlen, "path name too long");
        return NULL;
    }
    p->source_timeout_ms = 2000;
    p->publish_grace_s = 30;
    p->on_demand_linger_s = 10;
    p->on_demand_timeout_s = 10;
    c->n_paths++;
    return p;
}

static int server_key(struct loader *l, const char *name, const char *v)
{
    struct server_conf *c = l->c;
    uint64_t n;
    if (!strcmp(name, "listen")) {
        if (str_copy(c->listen, sizeof c->listen, v)) {
            str_copy(l->reason, sizeof l->reason, "listen: too long");
            return -1;
        }
        return 0;
    }
    if (!strcmp(name, "http_listen")) {
        if (str_copy(c->http_listen, sizeof c->http_listen, v)) {
            str_copy(l->reason, sizeof l->reason, "http_listen: too long");
            return -1;
        }
        return 0;
    }
    if (!strcmp(name, "rtsps_listen") || !strcmp(name, "tls_cert") || !strcmp(name, "tls_key")) {
        char *dst = name[1] == 't' ? c->rtsps_listen : name[4] == 'c' ? c->tls_cert : c->tls_key;
        size_t sz = name[1] == 't' ? sizeof c->rtsps_listen : sizeof c->tls_cert;
        if (str_copy(dst, sz, v)) {
            str_fmt(l->reason, sizeof l->reason, "%s: too long", name);
            return -1;
        }
        return 0;
    }
    if (!strcmp(name, "session_timeout")) {
        if (parse_num(l, name, v, 1, 86400, &n))
            return -1;
        c->session_timeout_s = (unsigned)n;
        return 0;
    }
    if (!strcmp(name, "stall_timeout")) {
        if (parse_num(l, name, v, 1, 3600, &n))
            return -1;
        c->stall_timeout_s = (unsigned)n;
        return 0;
    }
    if (!strcmp(name, "ring_bytes")) {
        if (parse_num(l, name, v, 65536, 1ull << 30, &n))
            return -1;
        c->ring_bytes = (size_t)n;
        return 0;
    }
    if (!strcmp(name, "max_connections")) {
        if (parse_num(l, name, v, 1, 1000000, &n))
            return -1;
        c->max_connections = (unsigned)n;
        return 0;
    }
    if (!strcmp(name, "max_connections_per_ip")) {
        if (parse_num(l, name, v, 1, 1000000, &n))
            return -1;
        c->max_connections_per_ip = (unsigned)n;
        return 0;
    }
    if (!strcmp(name, "multicast_range")) {
        /* A.B.C.D/N inside 224.0.0.0/4 */
        char ip[32];
        const char *slash = strchr(v, '/');
        uint64_t pfx;
        uint32_t a;
        if (!slash || (size_t)(slash - v) >= sizeof ip ||
            sv_parse_u64(sv_from_cstr(slash + 1), 30, &pfx) || pfx < 4) {
            str_copy(l->reason, sizeof l->reason,
                     "multicast_range: expected an IPv4 multicast network like 239.255.0.0/16 "
                     "(prefix 4..30)");
            return -1;
        }
        memcpy(ip, v, (size_t)(slash - v));
        ip[slash - v] = '\0';
        if (net_ipv4_parse(ip, &a) || (a >> 28) != 0xE) {
            str_copy(l->reason, sizeof l->reason,
                     "multicast_range: not an IPv4 multicast address (224.0.0.0/4)");
            return -1;
        }
        c->mcast_prefix = (uint8_t)pfx;
        c->mcast_net = a & (0xFFFFFFFFu << (32 - pfx));
        return 0;
    }
    if (!strcmp(name, "multicast_ttl")) {
        if (parse_num(l, name, v, 1, 255, &n))
            return -1;
        c->mcast_ttl = (uint8_t)n;
        return 0;
    }
    if (!strcmp(name, "multicast_port")) {
        if (parse_num(l, name, v, 1024, 65000, &n))
            return -1;
        if (n % 2) {
            str_copy(l->reason, sizeof l->reason, "multicast_port: must be even (RTP)");
            return -1;
        }
        c->mcast_port = (uint16_t)n;
        return 0;
    }
    if (!strcmp(name, "request_timeout")) {
        if (parse_num(l, name, v, 1, 3600, &n))
            return -1;
        c->request_timeout_s = (unsigned)n;
        return 0;
    }
    if (!strcmp(name, "idle_timeout")) {
        if (parse_num(l, name, v, 1, 86400, &n))
            return -1;
        c->idle_timeout_s = (unsigned)n;
        return 0;
    }
    if (!strcmp(name, "max_requests_per_second")) {
        if (parse_num(l, name, v, 1, 100000, &n))
            return -1;
        c->max_requests_per_s = (unsigned)n;
        return 0;
    }
    if (!strcmp(name, "max_header_bytes")) {
        if (parse_num(l, name, v, 256, RTSP_MAX_HEADER_BYTES, &n))
            return -1;
        c->limits.header_bytes = (size_t)n;
        return 0;
    }
    if (!strcmp(name, "max_headers")) {
        if (parse_num(l, name, v, 4, RTSP_MAX_HEADERS, &n))
            return -1;
        c->limits.headers = (size_t)n;
        return 0;
    }
    if (!strcmp(name, "max_body_bytes")) {
        if (parse_num(l, name, v, 64, RTSP_MAX_BODY_BYTES, &n))
            return -1;
        c->limits.body_bytes = (size_t)n;
        return 0;
    }
    if (!strcmp(name, "max_frame_bytes")) {
        if (parse_num(l, name, v, 12, 65535, &n))
            return -1;
        c->limits.frame_bytes = (size_t)n;
        return 0;
    }
    if (!strcmp(name, "max_sessions_per_conn")) {
        if (parse_num(l, name, v, 1, 64, &n))
            return -1;
        c->max_sessions_per_conn = (unsigned)n;
        return 0;
    }
    if (!strcmp(name, "realm")) {
        if (!v[0] || strchr(v, '"') || str_copy(c->realm, sizeof c->realm, v)) {
            str_copy(l->reason, sizeof l->reason, "realm: empty, has '\"' or is over 63 bytes");
            return -1;
        }
        return 0;
    }
    if (!strcmp(name, "allow_basic_plaintext")) {
        if (parse_bool(v, &c->allow_basic_plaintext)) {
            str_fmt(l->reason, sizeof l->reason, "%s = '%s': expected yes or no", name, v);
            return -1;
        }
        return 0;
    }
    if (!strcmp(name, "allow") || !strcmp(name, "deny")) {
        char e[256];
        if (acl_add_list(&c->acl, v, name[0] == 'd', e, sizeof e)) {
            str_fmt(l->reason, sizeof l->reason, "%s: %s", name, e);
            return -1;
        }
        return 0;
    }
    str_fmt(l->reason, sizeof l->reason, "unknown key '%s' in [server]", name);
    return -1;
}

static int path_key(struct loader *l, const char *name, const char *v)
{
    struct server_path_conf *p = l->path;
    uint64_t n;
    if (!strcmp(name, "source")) {
        char e[256];
        if (source_check_spec(v, e, sizeof e)) {
            str_fmt(l->reason, sizeof l->reason, "source: %s", e);
            return -1;
        }
        if (str_copy(p->source, sizeof p->source, v)) {
            str_copy(l->reason, sizeof l->reason, "source: too long");
            return -1;
        }
        return 0;
    }
    if (!strcmp(name, "source_transport")) {
        if (parse_source_transport(v, &p->source_transport)) {
            str_fmt(l->reason, sizeof l->reason,
                    "source_transport = '%s': expected auto, udp, tcp, http or multicast", v);
            return -1;
        }
        return 0;
    }
    if (!strcmp(name, "source_timeout")) {
        if (parse_num(l, name, v, 1, 60, &n))
            return -1;
        p->source_timeout_ms = (unsigned)n * 1000u;
        return 0;
    }
    if (!strcmp(name, "read_users") || !strcmp(name, "publish_users")) {
        if (str_copy(name[0] == 'r' ? p->read_users : p->publish_users, sizeof p->read_users, v)) {
            str_fmt(l->reason, sizeof l->reason, "%s: too long", name);
            return -1;
        }
        return 0;
    }
    if (!strcmp(name, "publish_grace")) {
        if (parse_num(l, name, v, 0, 86400, &n))
            return -1;
        p->publish_grace_s = (unsigned)n;
        return 0;
    }
    if (!strcmp(name, "on_demand_linger") || !strcmp(name, "on_demand_timeout")) {
        bool linger = !strcmp(name, "on_demand_linger");
        if (parse_num(l, name, v, linger ? 0 : 1, 86400, &n))
            return -1;
        *(linger ? &p->on_demand_linger_s : &p->on_demand_timeout_s) = (unsigned)n;
        return 0;
    }
    if (!strcmp(name, "on_demand") || !strcmp(name, "low_latency")) {
        bool b;
        if (parse_bool(v, &b)) {
            str_fmt(l->reason, sizeof l->reason, "%s = '%s': expected yes or no", name, v);
            return -1;
        }
        if (!strcmp(name, "on_demand"))
            p->on_demand = b;
        else
            p->low_latency = b;
        return 0;
    }
    if (!strcmp(name, "allow") || !strcmp(name, "deny")) {
        char e[256];
        if (acl_add_list(&p->acl, v, name[0] == 'd', e, sizeof e)) {
            str_fmt(l->reason, sizeof l->reason, "%s: %s", name, e);
            return -1;
        }
        return 0;
    }
    str_fmt(l->reason, sizeof l->reason, "unknown key '%s' in [path %s]", name, p->name);
    return -1;
}

static struct server_user *new_user(struct server_conf *c, struct sv name, char *err, size_t errlen)
{
    if (!name.n || name.n >= sizeof c->users[0].name || sv_find_char(name, ':') >= 0 ||
        sv_find_char(name, ',') >= 0 || sv_find_char(name, '"') >= 0) {
        str_fmt(err, errlen, "bad user name '%.*s' (no ':', ',' or '\"', under 64 bytes)",
                SV_ARG(name));
        return NULL;
    }
    for (size_t i = 0; i < c->n_users; i++) {
        if (sv_eq_cstr(name, c->users[i].name)) {
            str_fmt(err, errlen, "user '%.*s' defined twice", SV_ARG(name));
            return NULL;
        }
    }
    if (c->n_users >= SERVER_MAX_USERS) {
        str_fmt(err, errlen, "too many users (at most %d)", SERVER_MAX_USERS);
        return NULL;
    }
    struct server_user *u = &c->users[c->n_users++];
    memset(u, 0, sizeof(*u));
    sv_to_cstr(name, u->name, sizeof u->name);
    return u;
}

static bool is_hex(const char *v, size_t n)
{
    if (strlen(v) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (hex_digit(v[i]) < 0)
            return false;
    return true;
}

static int user_key(struct loader *l, const char *name, const char *v)
{
    struct server_user *u = l->user;
    if (!strcmp(name, "password")) {
        if (!v[0] || str_copy(u->password, sizeof u->password, v)) {
            str_copy(l->reason, sizeof l->reason, "password: empty or over 127 bytes");
            return -1;
        }
        return 0;
    }
    if (!strcmp(name, "password_sha256") || !strcmp(name, "password_md5")) {
        bool sha = name[9] == 's';
        size_t want = sha ? 64 : 32;
        if (!is_hex(v, want)) {
            str_fmt(l->reason, sizeof l->reason,
                    "%s: expected %zu hex digits (see `rtspgate passwd %s`)", name, want, u->name);
            return -1;
        }
        str_copy(sha ? u->ha1_sha256 : u->ha1_md5, sizeof u->ha1_md5, v);
        return 0;
    }
    str_fmt(l->reason, sizeof l->reason, "unknown key '%s' in [user %s]", name, u->name);
    return -1;
}

static struct server_push_conf *new_push(struct server_conf *c, struct sv name, int line, char *err,
                                         size_t errlen)
{
    if (!name.n || sv_find_char(name, ']') >= 0) {
        str_fmt(err, errlen, "[push] needs a name, e.g. [push frontdoor]");
        return NULL;
    }
    for (size_t i = 0; i < c->n_pushes; i++) {
        if (sv_eq_cstr(name, c->pushes[i].name)) {
            str_fmt(err, errlen, "push '%.*s' defined twice", SV_ARG(name));
            return NULL;
        }
    }
    if (c->n_pushes >= SERVER_MAX_PUSHES) {
        str_fmt(err, errlen, "too many [push] sections (at most %d)", SERVER_MAX_PUSHES);
        return NULL;
    }
    struct server_push_conf *p = &c->pushes[c->n_pushes];
    memset(p, 0, sizeof(*p));
    if (sv_to_cstr(name, p->name, sizeof p->name)) {
        str_fmt(err, errlen, "push name too long");
        return NULL;
    }
    p->line = line;
    c->n_pushes++;
    return p;
}

static int push_key(struct loader *l, const char *name, const char *v)
{
    struct server_push_conf *p = l->push;
    char e[768] = "";
    if (!strcmp(name, "source")) {
        if (str_copy(p->source, sizeof p->source, v)) {
            str_fmt(l->reason, sizeof l->reason, "source: too long");
            return -1;
        }
        if (source_check_spec(v, e, sizeof e)) {
            str_fmt(l->reason, sizeof l->reason, "source: %s", e);
            return -1;
        }
        return 0;
    }
    if (!strcmp(name, "dest")) {
        if (str_copy(p->dest, sizeof p->dest, v)) {
            str_fmt(l->reason, sizeof l->reason, "dest: too long");
            return -1;
        }
        if (rtsp_publisher_check_url(v, e, sizeof e)) {
            str_fmt(l->reason, sizeof l->reason, "dest: %s", e);
            return -1;
        }
        return 0;
    }
    if (!strcmp(name, "transport")) {
        if (strcmp(v, "tcp") != 0 && strcmp(v, "http") != 0) {
            str_fmt(l->reason, sizeof l->reason,
                    "transport = '%s': a push goes over TCP, plain (transport = tcp) or in an "
                    "HTTP tunnel (transport = http)",
                    v);
            return -1;
        }
        p->http = !strcmp(v, "http");
        return 0;
    }
    if (!strcmp(name, "source_transport")) {
        if (parse_source_transport(v, &p->source_transport)) {
            str_fmt(l->reason, sizeof l->reason,
                    "source_transport = '%s': expected auto, udp, tcp, http or multicast", v);
            return -1;
        }
        return 0;
    }
    str_fmt(l->reason, sizeof l->reason, "unknown key '%s' in [push %s]", name, p->name);
    return -1;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    struct loader *l = user;
    if (strcmp(section, l->section) != 0) {
        /* entering a new section */
        if (str_copy(l->section, sizeof l->section, section)) {
            str_copy(l->reason, sizeof l->reason, "section name too long");
            return 0;
        }
        l->path = NULL;
        l->user = NULL;
        l->push = NULL;
        /* sections were created and checked by prescan(); find this one */
        struct sv s = sv_from_cstr(section);
        struct sv nm = sv_trim(sv_sub(s, 5, s.n));
        if (sv_starts_with(s, "path ")) {
            for (size_t i = 0; i < l->c->n_paths && !l->path; i++)
                if (sv_eq_cstr(nm, l->c->paths[i].name))
                    l->path = &l->c->paths[i];
        } else if (sv_starts_with(s, "user ")) {
            for (size_t i = 0; i < l->c->n_users && !l->user; i++)
                if (sv_eq_cstr(nm, l->c->users[i].name))
                    l->user = &l->c->users[i];
        } else if (sv_starts_with(s, "push ")) {
            for (size_t i = 0; i < l->c->n_pushes && !l->push; i++)
                if (sv_eq_cstr(nm, l->c->pushes[i].name))
                    l->push = &l->c->pushes[i];
        }
        if (!l->path && !l->user && !l->push && strcmp(section, "server") != 0) {
            str_fmt(l->reason, sizeof l->reason, "unknown section [%s]", section);
            return 0;
        }
    }
    if (!name) /* an empty section (inih with INI_CALL_HANDLER_ON_NEW_SECTION) */
        return 1;
    if (l->path)
        return path_key(l, name, value) == 0;
    if (l->user)
        return user_key(l, name, value) == 0;
    if (l->push)
        return push_key(l, name, value) == 0;
    return server_key(l, name, value) == 0;
}

/* Every section header, in order: create [path]/[user] sections (so empty
 * ones exist too) and reject unknown or repeated ones with their line. */
static int prescan(const char *file, struct server_conf *c, char *err, size_t errlen)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        str_fmt(err, errlen, "%s: cannot open: %s", file, strerror(errno));
        return -1;
    }
    char line[1024], why[512];
    int no = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        no++;
        struct sv v = sv_trim(sv_from_cstr(line));
        if (!v.n || v.p[0] != '[')
            continue;
        long end = sv_find_char(v, ']');
        if (end < 0)
            continue; /* inih reports it */
        struct sv name = sv_trim(sv_sub(v, 1, (size_t)end - 1));
        why[0] = 0;
        if (sv_eq_cstr(name, "server"))
            continue;
        if (sv_starts_with(name, "path ")) {
            if (!new_path(c, sv_trim(sv_sub(name, 5, name.n)), why, sizeof why))
                rc = -1;
        } else if (sv_starts_with(name, "user ")) {
            if (!new_user(c, sv_trim(sv_sub(name, 5, name.n)), why, sizeof why))
                rc = -1;
        } else if (sv_starts_with(name, "push ") || sv_eq_cstr(name, "push")) {
            if (!new_push(c, sv_trim(sv_sub(name, 4, name.n)), no, why, sizeof why))
                rc = -1;
        } else {
            str_fmt(why, sizeof why,
                    "unknown section [%.*s] (expected [server], [path NAME], [user NAME] or "
                    "[push NAME])",
                    SV_ARG(name));
            rc = -1;
        }
        if (rc)
            str_fmt(err, errlen, "%s:%d: %s", file, no, why);
    }
    fclose(f);
    return rc;
}

int config_load(const char *file, struct server_conf *c, char *err, size_t errlen)
{
    if (prescan(file, c, err, errlen))
        return -1;
    struct loader l;
    memset(&l, 0, sizeof l);
    l.c = c;
    int line = ini_parse(file, handler, &l);
    if (line == -1) {
        str_fmt(err, errlen, "%s: cannot open: %s", file, strerror(errno));
        return -1;
    }
    if (line == -2) {
        str_fmt(err, errlen, "%s: out of memory", file);
        return -1;
    }
    if (line > 0) {
        str_fmt(err, errlen, "%s:%d: %s", file, line,
                l.reason[0] ? l.reason : "syntax error (expected [section] or key = value)");
        return -1;
    }
    /* a [path] without source is a publish path; every user named must exist
     * and have a password or a stored hash */
    for (size_t i = 0; i < c->n_users; i++) {
        const struct server_user *u = &c->users[i];
        if (!u->password[0] && !u->ha1_md5[0] && !u->ha1_sha256[0]) {
            str_fmt(err, errlen, "%s: [user %s] has no password, password_sha256 or password_md5",
                    file, u->name);
            return -1;
        }
    }
    for (size_t i = 0; i < c->n_pushes; i++) {
        const struct server_push_conf *p = &c->pushes[i];
        if (!p->source[0] || !p->dest[0]) {
            str_fmt(err, errlen, "%s:%d: [push %s] needs %s", file, p->line, p->name,
                    !p->source[0] ? "source = (a camera URL, file:PATH or testsrc)"
                                  : "dest = rtsp[s]://[user:password@]host[:port]/path");
            return -1;
        }
    }
    for (size_t i = 0; i < c->n_paths; i++) {
        const struct server_path_conf *p = &c->paths[i];
        const char *lists[2] = {p->read_users, p->publish_users};
        for (int k = 0; k < 2; k++) {
            struct sv rest = sv_from_cstr(lists[k]), item;
            while (rest.n) {
                struct sv after = sv_split(rest, ',', &item);
                item = sv_trim(item);
                bool found = sv_eq_cstr(item, "*") || !item.n;
                for (size_t u = 0; u < c->n_users && !found; u++)
                    found = sv_eq_cstr(item, c->users[u].name);
                if (!found) {
                    str_fmt(err, errlen, "%s: [path %s] %s names '%.*s', who has no [user] section",
                            file, p->name, k ? "publish_users" : "read_users", SV_ARG(item));
                    return -1;
                }
                if (!after.p)
                    break;
                rest = after;
            }
        }
    }
    return 0;
}

int config_add_path(struct server_conf *c, const char *arg, char *err, size_t errlen)
{
    struct sv v = sv_from_cstr(arg), name;
    struct sv src = sv_split(v, '=', &name);
    name = sv_trim(name);
    while (name.n && name.p[0] == '/')
        name = sv_sub(name, 1, name.n);
    if (!src.p || !name.n || !src.n) {
        str_fmt(err, errlen, "--path '%s': expected NAME=SOURCE", arg);
        return -1;
    }
    char e[256] = "";
    struct server_path_conf *p = new_path(c, name, e, sizeof e);
    if (!p) {
        str_fmt(err, errlen, "--path '%s': %s", arg, e);
        return -1;
    }
    if (sv_to_cstr(src, p->source, sizeof p->source) || source_check_spec(p->source, e, sizeof e)) {
        if (!e[0])
            str_copy(e, sizeof e, "source too long");
        str_fmt(err, errlen, "--path '%s': %s", arg, e);
        c->n_paths--;
        return -1;
    }
    return 0;
}
