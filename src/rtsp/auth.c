#include "rtsp/auth.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* ---------------------------------------------------------------------------
 * Lexing (RFC 9110 §11: challenge / credentials, auth-param, quoted-string)
 * ------------------------------------------------------------------------- */

struct lex {
    const char *p;
    size_t n;
    size_t i;
};

static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_t68char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

/* Unquoted parameter values: tokens, leniently anything visible but ',' and
 * '"' (cameras send base64 nonces unquoted). */
static bool is_value_char(unsigned char c)
{
    return c > 0x20 && c != 0x7f && c != ',' && c != '"';
}

static bool lex_end(const struct lex *l)
{
    return l->i >= l->n;
}

static unsigned char lex_peek(const struct lex *l)
{
    return l->i < l->n ? (unsigned char)l->p[l->i] : 0;
}

static size_t skip_ows(struct lex *l)
{
    size_t k = l->i;
    while (l->i < l->n && (l->p[l->i] == ' ' || l->p[l->i] == '\t'))
        l->i++;
    return l->i - k;
}

static struct sv read_token(struct lex *l)
{
    size_t k = l->i;
    while (l->i < l->n && is_tchar((unsigned char)l->p[l->i]))
        l->i++;
    return (struct sv){l->p + k, l->i - k};
}

/* A quoted-string starting at '"': *raw gets the content between the quotes,
 * still escaped. -EPROTO when unterminated or holding a CTL other than HTAB. */
static int read_quoted(struct lex *l, struct sv *raw)
{
    l->i++; /* '"' */
    size_t k = l->i;
    while (l->i < l->n) {
        unsigned char c = (unsigned char)l->p[l->i];
        if (c == '"') {
            *raw = (struct sv){l->p + k, l->i - k};
            l->i++;
            return 0;
        }
        if (c == '\\') {
            if (l->i + 1 >= l->n)
                return -EPROTO;
            c = (unsigned char)l->p[l->i + 1];
            if ((c < 0x20 && c != '\t') || c == 0x7f)
                return -EPROTO;
            l->i += 2;
            continue;
        }
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return -EPROTO;
        l->i++;
    }
    return -EPROTO;
}

struct param {
    struct sv name;
    struct sv raw; /* token, or quoted content still escaped */
    bool quoted;
};

/* Copy a parameter value into dst (NUL-terminated), unescaping quoted-pairs. */
static int param_copy(const struct param *pa, char *dst, size_t dst_size)
{
    size_t o = 0;
    for (size_t i = 0; i < pa->raw.n; i++) {
        char c = pa->raw.p[i];
        if (pa->quoted && c == '\\')
            c = pa->raw.p[++i]; /* read_quoted guarantees a following byte */
        if (o + 1 >= dst_size) {
            dst[0] = 0;
            return -EMSGSIZE;
        }
        dst[o++] = c;
    }
    dst[o] = 0;
    return 0;
}

/* Does the value equal `s` after unescaping? (case-insensitive) */
static bool param_ieq(const struct param *pa, const char *s)
{
    char tmp[32];
    if (param_copy(pa, tmp, sizeof tmp))
        return false;
    return sv_ieq_cstr(sv_from_cstr(tmp), s);
}

/* Parse `name BWS "=" BWS value` at l. */
static int read_param(struct lex *l, struct param *pa)
{
    pa->name = read_token(l);
    if (!pa->name.n)
        return -EPROTO;
    skip_ows(l);
    if (lex_peek(l) != '=')
        return -EPROTO;
    l->i++;
    skip_ows(l);
    if (lex_peek(l) == '"') {
        pa->quoted = true;
        return read_quoted(l, &pa->raw);
    }
    pa->quoted = false;
    size_t k = l->i;
    while (l->i < l->n && is_value_char((unsigned char)l->p[l->i]))
        l->i++;
    if (l->i == k)
        return -EPROTO;
    pa->raw = (struct sv){l->p + k, l->i - k};
    return 0;
}

/* After a parameter: OWS then end or ',' (and, in a challenge list, maybe the
 * next challenge). Returns 1 if another param of this challenge follows, 0 at
 * the end of this challenge (l->i at the start of the next one or the end),
 * -EPROTO on junk. */
static int after_param(struct lex *l)
{
    skip_ows(l);
    if (lex_end(l))
        return 0;
    if (lex_peek(l) != ',')
        return -EPROTO;
    while (!lex_end(l) && (lex_peek(l) == ',' || lex_peek(l) == ' ' || lex_peek(l) == '\t'))
        l->i++;
    if (lex_end(l))
        return 0;
    size_t save = l->i;
    read_token(l);
    skip_ows(l);
    bool is_param = lex_peek(l) == '=';
    l->i = save;
    return is_param ? 1 : 0;
}

/* After the scheme and its spaces: a token68 (`abc==`) up to end or ','?
 * Consumes it when so. */
static bool skip_token68(struct lex *l, struct sv *t68)
{
    size_t save = l->i;
    while (l->i < l->n && is_t68char((unsigned char)l->p[l->i]))
        l->i++;
    if (l->i == save) {
        l->i = save;
        return false;
    }
    while (l->i < l->n && l->p[l->i] == '=')
        l->i++;
    *t68 = (struct sv){l->p + save, l->i - save};
    skip_ows(l);
    if (lex_end(l) || lex_peek(l) == ',')
        return true;
    l->i = save;
    return false;
}

static enum rtsp_auth_scheme scheme_from(struct sv s)
{
    if (sv_ieq_cstr(s, "Digest"))
        return RTSP_AUTH_SCHEME_DIGEST;
    if (sv_ieq_cstr(s, "Basic"))
        return RTSP_AUTH_SCHEME_BASIC;
    return RTSP_AUTH_SCHEME_OTHER;
}

static enum rtsp_auth_algo algo_from(const struct param *pa)
{
    if (param_ieq(pa, "MD5"))
        return RTSP_AUTH_ALGO_MD5;
    if (param_ieq(pa, "MD5-sess"))
        return RTSP_AUTH_ALGO_MD5_SESS;
    if (param_ieq(pa, "SHA-256"))
        return RTSP_AUTH_ALGO_SHA256;
    if (param_ieq(pa, "SHA-256-sess"))
        return RTSP_AUTH_ALGO_SHA256_SESS;
    return RTSP_AUTH_ALGO_UNKNOWN;
}

static const char *algo_name(enum rtsp_auth_algo a)
{
    switch (a) {
    case RTSP_AUTH_ALGO_MD5:
        return "MD5";
    case RTSP_AUTH_ALGO_MD5_SESS:
        return "MD5-sess";
    case RTSP_AUTH_ALGO_SHA256:
        return "SHA-256";
    case RTSP_AUTH_ALGO_SHA256_SESS:
        return "SHA-256-sess";
    default:
        return NULL;
    }
}

static bool algo_is_sess(enum rtsp_auth_algo a)
{
    return a == RTSP_AUTH_ALGO_MD5_SESS || a == RTSP_AUTH_ALGO_SHA256_SESS;
}

static bool algo_is_sha256(enum rtsp_auth_algo a)
{
    return a == RTSP_AUTH_ALGO_SHA256 || a == RTSP_AUTH_ALGO_SHA256_SESS;
}

/* Is `word` one of the comma-separated items of a qop list? */
static bool list_has(const char *list, const char *word)
{
    struct sv rest = sv_from_cstr(list);
    while (rest.p) {
        struct sv item;
        rest = sv_split(rest, ',', &item);
        if (sv_ieq_cstr(sv_trim(item), word))
            return true;
    }
    return false;
}

/* Record a known param once: a duplicate is -EPROTO. */
static int once(unsigned *seen, unsigned bit)
{
    if (*seen & bit)
        return -EPROTO;
    *seen |= bit;
    return 0;
}

/* ---------------------------------------------------------------------------
 * Challenges
 * ------------------------------------------------------------------------- */

enum {
    P_REALM = 1u << 0,
    P_NONCE = 1u << 1,
    P_OPAQUE = 1u << 2,
    P_ALGO = 1u << 3,
    P_QOP = 1u << 4,
    P_STALE = 1u << 5,
    P_USERHASH = 1u << 6,
    P_USERNAME = 1u << 7,
    P_URI = 1u << 8,
    P_RESPONSE = 1u << 9,
    P_NC = 1u << 10,
    P_CNONCE = 1u << 11,
};

static int challenge_param(const struct param *pa, struct rtsp_auth_challenge *c, unsigned *seen)
{
    char tmp[64];
    int r = 0;
    if (sv_ieq_cstr(pa->name, "realm")) {
        r = once(seen, P_REALM);
        if (!r)
            r = param_copy(pa, c->realm, sizeof c->realm);
    } else if (sv_ieq_cstr(pa->name, "nonce")) {
        r = once(seen, P_NONCE);
        if (!r)
            r = param_copy(pa, c->nonce, sizeof c->nonce);
    } else if (sv_ieq_cstr(pa->name, "opaque")) {
        r = once(seen, P_OPAQUE);
        if (!r)
            r = param_copy(pa, c->opaque, sizeof c->opaque);
        c->has_opaque = r == 0;
    } else if (sv_ieq_cstr(pa->name, "algorithm")) {
        r = once(seen, P_ALGO);
        c->algo = algo_from(pa);
        c->has_algorithm = true;
    } else if (sv_ieq_cstr(pa->name, "qop")) {
        r = once(seen, P_QOP);
        c->has_qop = true;
        if (!r && param_copy(pa, tmp, sizeof tmp) == 0)
            c->qop_auth = list_has(tmp, "auth");
    } else if (sv_ieq_cstr(pa->name, "stale")) {
        r = once(seen, P_STALE);
        c->stale = param_ieq(pa, "true");
    } else if (sv_ieq_cstr(pa->name, "userhash")) {
        r = once(seen, P_USERHASH);
        c->userhash = param_ieq(pa, "true");
    }
    return r;
}

int rtsp_auth_next_challenge(struct sv value, size_t *pos, struct rtsp_auth_challenge *out)
{
    struct lex l = {value.p, value.n, *pos};
    int err = 0;
    memset(out, 0, sizeof *out);
    if (l.i > l.n)
        return -ENOENT;
    while (!lex_end(&l) && (lex_peek(&l) == ',' || lex_peek(&l) == ' ' || lex_peek(&l) == '\t'))
        l.i++;
    if (lex_end(&l)) {
        *pos = l.n;
        return -ENOENT;
    }
    struct sv scheme = read_token(&l);
    if (!scheme.n)
        goto bad;
    out->scheme = scheme_from(scheme);
    bool space = skip_ows(&l) > 0;
    if (lex_end(&l) || lex_peek(&l) == ',')
        goto done; /* no parameters */
    if (!space)
        goto bad;
    struct sv t68;
    if (skip_token68(&l, &t68)) {
        if (out->scheme != RTSP_AUTH_SCHEME_OTHER)
            out->scheme = RTSP_AUTH_SCHEME_OTHER; /* Basic/Digest take params */
        goto done;
    }
    unsigned seen = 0;
    for (;;) {
        struct param pa;
        if (read_param(&l, &pa))
            goto bad;
        int r = challenge_param(&pa, out, &seen);
        if (r == -EPROTO)
            goto bad;
        if (r && !err)
            err = r;
        r = after_param(&l);
        if (r < 0)
            goto bad;
        if (r == 0)
            break;
    }
done:
    *pos = l.i;
    return err;
bad:
    *pos = l.n;
    return -EPROTO;
}

int rtsp_auth_challenge_strength(const struct rtsp_auth_challenge *c)
{
    switch (c->scheme) {
    case RTSP_AUTH_SCHEME_BASIC:
        return 1;
    case RTSP_AUTH_SCHEME_DIGEST:
        if (c->algo == RTSP_AUTH_ALGO_UNKNOWN || c->userhash || !c->nonce[0])
            return 0;
        if (c->has_qop && !c->qop_auth)
            return 0;
        if (algo_is_sess(c->algo) && !c->qop_auth)
            return 0;
        return algo_is_sha256(c->algo) ? 3 : 2;
    default:
        return 0;
    }
}

int rtsp_auth_challenge_pick(struct sv value, struct rtsp_auth_challenge *best)
{
    size_t pos = 0;
    int first_err = 0;
    int best_s = rtsp_auth_challenge_strength(best);
    for (;;) {
        struct rtsp_auth_challenge c;
        int r = rtsp_auth_next_challenge(value, &pos, &c);
        if (r == -ENOENT)
            break;
        if (r) {
            if (!first_err)
                first_err = r;
            if (r == -EPROTO)
                break;
            continue;
        }
        int s = rtsp_auth_challenge_strength(&c);
        if (s > best_s) {
            *best = c;
            best_s = s;
        }
    }
    return first_err;
}

/* ---------------------------------------------------------------------------
 * Hashing
 * ------------------------------------------------------------------------- */

static const EVP_MD *algo_md(enum rtsp_auth_algo a)
{
    return algo_is_sha256(a) ? EVP_sha256() : EVP_md5();
}

static void to_hex(const uint8_t *b, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[b[i] >> 4];
        out[2 * i + 1] = hx[b[i] & 15];
    }
    out[2 * n] = 0;
}

/* out (RTSP_AUTH_MAX_HEX + 1) = lowercase hex of H(parts joined by ':'). */
static int hash_hex(enum rtsp_auth_algo a, const struct sv *parts, size_t n_parts, char *out)
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    int ret = -EIO;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || !EVP_DigestInit_ex(ctx, algo_md(a), NULL))
        goto out;
    for (size_t i = 0; i < n_parts; i++) {
        if (i && !EVP_DigestUpdate(ctx, ":", 1))
            goto out;
        if (parts[i].n && !EVP_DigestUpdate(ctx, parts[i].p, parts[i].n))
            goto out;
    }
    if (!EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen * 2 > RTSP_AUTH_MAX_HEX)
        goto out;
    to_hex(md, mdlen, out);
    ret = 0;
out:
    EVP_MD_CTX_free(ctx);
    return ret;
}

static size_t hex_len(enum rtsp_auth_algo a)
{
    return algo_is_sha256(a) ? 64 : 32;
}

int rtsp_auth_ha1_hex(enum rtsp_auth_algo algo, struct sv username, struct sv realm,
                      struct sv password, char *out, size_t out_size)
{
    if (algo == RTSP_AUTH_ALGO_UNKNOWN || !out)
        return -EINVAL;
    if (out_size < hex_len(algo) + 1)
        return -EMSGSIZE;
    char tmp[RTSP_AUTH_MAX_HEX + 1];
    struct sv parts[3] = {username, realm, password};
    int r = hash_hex(algo, parts, 3, tmp);
    if (r)
        return r;
    memcpy(out, tmp, hex_len(algo) + 1);
    return 0;
}

/* Response digest from a base HA1 (hex). qop NULL: RFC 2069 style. */
static int digest_response(enum rtsp_auth_algo a, const char *ha1_hex, struct sv nonce,
                           struct sv cnonce, struct sv nc, const char *qop, struct sv method,
                           struct sv uri, char *out)
{
    char ha1[RTSP_AUTH_MAX_HEX + 1], ha2[RTSP_AUTH_MAX_HEX + 1];
    int r;
    str_copy(ha1, sizeof ha1, ha1_hex);
    if (algo_is_sess(a)) {
        struct sv p[3] = {sv_from_cstr(ha1_hex), nonce, cnonce};
        if ((r = hash_hex(a, p, 3, ha1)))
            return r;
    }
    struct sv p2[2] = {method, uri};
    if ((r = hash_hex(a, p2, 2, ha2)))
        return r;
    if (qop) {
        struct sv p[6] = {sv_from_cstr(ha1), nonce, nc, cnonce, sv_from_cstr(qop),
                          sv_from_cstr(ha2)};
        return hash_hex(a, p, 6, out);
    }
    struct sv p[3] = {sv_from_cstr(ha1), nonce, sv_from_cstr(ha2)};
    return hash_hex(a, p, 3, out);
}

/* ---------------------------------------------------------------------------
 * Writing into a fixed buffer
 * ------------------------------------------------------------------------- */

struct wr {
    char *p;
    size_t size;
    size_t len;
    int err;
};

static void wr_mem(struct wr *w, const char *s, size_t n)
{
    if (w->err)
        return;
    if (n >= w->size - w->len) {
        w->err = -EMSGSIZE;
        return;
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
    w->p[w->len] = 0;
}

static void wr_str(struct wr *w, const char *s)
{
    wr_mem(w, s, strlen(s));
}

static bool has_ctl(struct sv s)
{
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return true;
    }
    return false;
}

/* name="value" with '"' and '\\' escaped; CTLs refused. */
static void wr_quoted(struct wr *w, const char *name, struct sv v)
{
    if (!w->err && has_ctl(v))
        w->err = -EINVAL;
    wr_str(w, name);
    wr_mem(w, "=\"", 2);
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] == '"' || v.p[i] == '\\')
            wr_mem(w, "\\", 1);
        wr_mem(w, v.p + i, 1);
    }
    wr_mem(w, "\"", 1);
}

static int wr_init(struct wr *w, char *out, size_t out_size)
{
    *w = (struct wr){out, out_size, 0, 0};
    if (!out || !out_size)
        return -EMSGSIZE;
    out[0] = 0;
    return 0;
}

static int wr_done(struct wr *w)
{
    if (w->err && w->size)
        w->p[0] = 0;
    return w->err;
}

/* ---------------------------------------------------------------------------
 * Client role
 * ------------------------------------------------------------------------- */

static bool has_nul(struct sv s)
{
    return s.n && memchr(s.p, 0, s.n) != NULL;
}

static int client_basic(struct sv username, struct sv password, struct wr *w)
{
    if (sv_find_char(username, ':') >= 0 || has_ctl(username) || has_nul(password))
        return -EINVAL;
    if (username.n > RTSP_AUTH_MAX_PARAM || password.n > RTSP_AUTH_MAX_PARAM)
        return -EMSGSIZE;
    unsigned char plain[2 * RTSP_AUTH_MAX_PARAM + 1];
    unsigned char enc[4 * ((sizeof plain + 2) / 3) + 1];
    size_t n = 0;
    if (username.n)
        memcpy(plain, username.p, username.n);
    n = username.n;
    plain[n++] = ':';
    if (password.n)
        memcpy(plain + n, password.p, password.n);
    n += password.n;
    int e = EVP_EncodeBlock(enc, plain, (int)n);
    OPENSSL_cleanse(plain, sizeof plain);
    if (e < 0)
        return -EIO;
    wr_str(w, "Basic ");
    wr_mem(w, (const char *)enc, (size_t)e);
    OPENSSL_cleanse(enc, sizeof enc);
    return 0;
}

int rtsp_auth_client_authorization(const struct rtsp_auth_challenge *c, struct sv username,
                                   struct sv password, struct sv method, struct sv uri,
                                   struct sv cnonce, uint32_t nc, char *out, size_t out_size)
{
    struct wr w;
    int r = wr_init(&w, out, out_size);
    if (r)
        return r;
    if (!c || rtsp_auth_challenge_strength(c) == 0)
        return -EINVAL;
    if (has_nul(username) || has_nul(method) || has_nul(uri))
        return -EINVAL;
    if (c->scheme == RTSP_AUTH_SCHEME_BASIC) {
        r = client_basic(username, password, &w);
        return r ? r : wr_done(&w);
    }
    bool qop = c->qop_auth;
    if ((qop || algo_is_sess(c->algo)) &&
        (!cnonce.n || has_ctl(cnonce) || sv_find_char(cnonce, '"') >= 0 ||
         sv_find_char(cnonce, '\\') >= 0))
        return -EINVAL;
    if (username.n > RTSP_AUTH_MAX_PARAM || cnonce.n > RTSP_AUTH_MAX_PARAM ||
        uri.n > RTSP_AUTH_MAX_URI)
        return -EMSGSIZE;
    if (!method.n || !uri.n)
        return -EINVAL;

    char ha1[RTSP_AUTH_MAX_HEX + 1], resp[RTSP_AUTH_MAX_HEX + 1], ncs[9];
    str_fmt(ncs, sizeof ncs, "%08x", nc);
    struct sv realm = sv_from_cstr(c->realm), nonce = sv_from_cstr(c->nonce);
    struct sv p[3] = {username, realm, password};
    if ((r = hash_hex(c->algo, p, 3, ha1)))
        return r;
    r = digest_response(c->algo, ha1, nonce, cnonce, sv_from_cstr(ncs), qop ? "auth" : NULL, method,
                        uri, resp);
    OPENSSL_cleanse(ha1, sizeof ha1);
    if (r)
        return r;

    wr_str(&w, "Digest ");
    wr_quoted(&w, "username", username);
    wr_str(&w, ", ");
    wr_quoted(&w, "realm", realm);
    wr_str(&w, ", ");
    wr_quoted(&w, "nonce", nonce);
    wr_str(&w, ", ");
    wr_quoted(&w, "uri", uri);
    if (c->has_algorithm) {
        wr_str(&w, ", algorithm=");
        wr_str(&w, algo_name(c->algo));
    }
    wr_str(&w, ", ");
    wr_quoted(&w, "response", sv_from_cstr(resp));
    if (qop) {
        wr_str(&w, ", qop=auth, nc=");
        wr_str(&w, ncs);
        wr_str(&w, ", ");
        wr_quoted(&w, "cnonce", cnonce);
    }
    if (c->has_opaque) {
        wr_str(&w, ", ");
        wr_quoted(&w, "opaque", sv_from_cstr(c->opaque));
    }
    return wr_done(&w);
}

/* ---------------------------------------------------------------------------
 * Authorization parsing (server side)
 * ------------------------------------------------------------------------- */

static int cred_param(const struct param *pa, struct rtsp_auth_credentials *cr, unsigned *seen)
{
    int r = 0;
#define COPY(field, bit)                                                                           \
    do {                                                                                           \
        r = once(seen, bit);                                                                       \
        if (!r)                                                                                    \
            r = param_copy(pa, cr->field, sizeof cr->field);                                       \
    } while (0)
    if (sv_ieq_cstr(pa->name, "username"))
        COPY(username, P_USERNAME);
    else if (sv_ieq_cstr(pa->name, "realm"))
        COPY(realm, P_REALM);
    else if (sv_ieq_cstr(pa->name, "nonce"))
        COPY(nonce, P_NONCE);
    else if (sv_ieq_cstr(pa->name, "uri"))
        COPY(uri, P_URI);
    else if (sv_ieq_cstr(pa->name, "response"))
        COPY(response, P_RESPONSE);
    else if (sv_ieq_cstr(pa->name, "cnonce"))
        COPY(cnonce, P_CNONCE);
    else if (sv_ieq_cstr(pa->name, "opaque")) {
        COPY(opaque, P_OPAQUE);
        cr->has_opaque = true;
    } else if (sv_ieq_cstr(pa->name, "qop")) {
        COPY(qop, P_QOP);
        cr->has_qop = true;
    } else if (sv_ieq_cstr(pa->name, "algorithm")) {
        r = once(seen, P_ALGO);
        cr->algo = algo_from(pa);
        cr->has_algorithm = true;
    } else if (sv_ieq_cstr(pa->name, "userhash")) {
        r = once(seen, P_USERHASH);
        cr->userhash = param_ieq(pa, "true");
    } else if (sv_ieq_cstr(pa->name, "nc")) {
        COPY(nc, P_NC);
        if (!r) {
            if (!cr->nc[0])
                return -EPROTO;
            uint32_t v = 0;
            for (size_t i = 0; cr->nc[i]; i++) {
                int h = hex_digit(cr->nc[i]);
                if (h < 0)
                    return -EPROTO;
                v = (v << 4) | (uint32_t)h;
            }
            cr->nc_value = v;
            cr->has_nc = true;
        } else if (r == -EMSGSIZE) {
            r = -EPROTO; /* more than 8 digits is not a count */
        }
    }
#undef COPY
    return r;
}

/* Basic token68 -> username / password. */
static int basic_decode(struct sv t68, struct rtsp_auth_credentials *cr)
{
    enum { MAX_B64 = 4 * ((2 * RTSP_AUTH_MAX_PARAM + 1 + 2) / 3) };
    unsigned char in[MAX_B64 + 4], dec[MAX_B64];
    size_t n = t68.n, pad = 0;
    while (n && t68.p[n - 1] == '=') {
        n--;
        pad++;
    }
    if (!n || pad > 2 || n % 4 == 1)
        return -EPROTO;
    if (n + 3 > MAX_B64)
        return -EMSGSIZE;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t68.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/'))
            return -EPROTO;
        in[i] = c;
    }
    /* Re-pad: tolerate missing or present padding, but not wrong padding. */
    size_t need = (4 - n % 4) % 4;
    if (pad && pad != need)
        return -EPROTO;
    size_t m = n;
    for (size_t i = 0; i < need; i++)
        in[m++] = '=';
    int d = EVP_DecodeBlock(dec, in, (int)m);
    if (d < 0 || (size_t)d < need)
        return -EPROTO;
    size_t len = (size_t)d - need; /* EVP_DecodeBlock counts padding as zero bytes */
    int r = -EPROTO;
    if (memchr(dec, 0, len))
        goto out;
    const void *colon = memchr(dec, ':', len);
    if (!colon)
        goto out;
    size_t ulen = (size_t)((const unsigned char *)colon - dec);
    r = sv_to_cstr((struct sv){(const char *)dec, ulen}, cr->username, sizeof cr->username);
    if (!r)
        r = sv_to_cstr((struct sv){(const char *)dec + ulen + 1, len - ulen - 1}, cr->password,
                       sizeof cr->password);
out:
    OPENSSL_cleanse(dec, sizeof dec);
    OPENSSL_cleanse(in, sizeof in);
    return r;
}

int rtsp_auth_parse_authorization(struct sv value, struct rtsp_auth_credentials *out)
{
    memset(out, 0, sizeof *out);
    struct lex l = {value.p, value.n, 0};
    int err = 0;
    skip_ows(&l);
    struct sv scheme = read_token(&l);
    if (!scheme.n)
        return -EPROTO;
    bool space = skip_ows(&l) > 0;
    enum rtsp_auth_scheme sc = scheme_from(scheme);
    if (sc == RTSP_AUTH_SCHEME_OTHER) {
        out->scheme = sc;
        return 0;
    }
    if (lex_end(&l) || !space)
        return -EPROTO;
    if (sc == RTSP_AUTH_SCHEME_BASIC) {
        struct sv t68;
        if (!skip_token68(&l, &t68) || !lex_end(&l))
            return -EPROTO;
        int r = basic_decode(t68, out);
        if (r) {
            memset(out, 0, sizeof *out);
            return r;
        }
        out->scheme = sc;
        return 0;
    }
    unsigned seen = 0;
    for (;;) {
        struct param pa;
        if (read_param(&l, &pa))
            return -EPROTO;
        int r = cred_param(&pa, out, &seen);
        if (r == -EPROTO)
            return r;
        if (r && !err)
            err = r;
        skip_ows(&l);
        if (lex_end(&l))
            break;
        if (lex_peek(&l) != ',')
            return -EPROTO;
        while (!lex_end(&l) && (lex_peek(&l) == ',' || lex_peek(&l) == ' ' || lex_peek(&l) == '\t'))
            l.i++;
        if (lex_end(&l))
            break;
    }
    if (err)
        return err;
    unsigned req = P_USERNAME | P_REALM | P_NONCE | P_URI | P_RESPONSE;
    if ((seen & req) != req)
        return -EPROTO;
    if (out->has_qop && sv_ieq_cstr(sv_from_cstr(out->qop), "auth") &&
        (!(seen & P_NC) || !(seen & P_CNONCE)))
        return -EPROTO;
    out->scheme = sc;
    return 0;
}

/* ---------------------------------------------------------------------------
 * Server role
 * ------------------------------------------------------------------------- */

const char *rtsp_auth_result_name(enum rtsp_auth_result r)
{
    switch (r) {
    case RTSP_AUTH_OK:
        return "ok";
    case RTSP_AUTH_MISSING:
        return "missing credentials";
    case RTSP_AUTH_BAD_SYNTAX:
        return "bad Authorization syntax";
    case RTSP_AUTH_UNSUPPORTED:
        return "unsupported or disabled scheme, algorithm or qop";
    case RTSP_AUTH_BASIC_NOT_ALLOWED:
        return "Basic not allowed";
    case RTSP_AUTH_WRONG_USER_OR_PASSWORD:
        return "wrong user or password";
    case RTSP_AUTH_NO_HASH_FOR_ALGORITHM:
        return "no password hash for that algorithm";
    case RTSP_AUTH_STALE_NONCE:
        return "stale nonce";
    case RTSP_AUTH_BAD_NONCE:
        return "bad nonce";
    case RTSP_AUTH_URI_MISMATCH:
        return "uri mismatch";
    case RTSP_AUTH_INTERNAL:
        return "internal error";
    }
    return "?";
}

static bool server_ok(const struct rtsp_auth_server *s)
{
    return s && s->realm && s->secret && s->secret_len >= RTSP_AUTH_MIN_SECRET &&
           strlen(s->realm) <= RTSP_AUTH_MAX_PARAM && !has_ctl(sv_from_cstr(s->realm));
}

#define NONCE_TAG_BYTES 16

static int nonce_tag(const struct rtsp_auth_server *s, uint64_t ts, uint8_t tag[NONCE_TAG_BYTES])
{
    static const char label[] = "rtspgate-nonce-1";
    uint8_t msg[sizeof label - 1 + 8 + RTSP_AUTH_MAX_PARAM];
    size_t rl = strlen(s->realm);
    if (rl > RTSP_AUTH_MAX_PARAM)
        return -EINVAL;
    memcpy(msg, label, sizeof label - 1);
    for (int i = 0; i < 8; i++)
        msg[sizeof label - 1 + (size_t)i] = (uint8_t)(ts >> (56 - 8 * i));
    memcpy(msg + sizeof label - 1 + 8, s->realm, rl);
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (!HMAC(EVP_sha256(), s->secret, (int)s->secret_len, msg, sizeof label - 1 + 8 + rl, md,
              &mdlen) ||
        mdlen < NONCE_TAG_BYTES)
        return -EIO;
    memcpy(tag, md, NONCE_TAG_BYTES);
    return 0;
}

int rtsp_auth_make_nonce(const struct rtsp_auth_server *s, uint64_t now_s, char *out,
                         size_t out_size)
{
    if (!server_ok(s))
        return -EINVAL;
    if (!out || out_size < RTSP_AUTH_NONCE_LEN + 1)
        return -EMSGSIZE;
    uint8_t raw[8 + NONCE_TAG_BYTES];
    for (int i = 0; i < 8; i++)
        raw[i] = (uint8_t)(now_s >> (56 - 8 * i));
    int r = nonce_tag(s, now_s, raw + 8);
    if (r)
        return r;
    to_hex(raw, sizeof raw, out);
    return 0;
}

/* RTSP_AUTH_OK (fresh), RTSP_AUTH_STALE_NONCE (ours but expired),
 * RTSP_AUTH_BAD_NONCE or RTSP_AUTH_INTERNAL. */
static enum rtsp_auth_result nonce_check(const struct rtsp_auth_server *s, const char *nonce,
                                         uint64_t now_s)
{
    if (strlen(nonce) != RTSP_AUTH_NONCE_LEN)
        return RTSP_AUTH_BAD_NONCE;
    uint8_t raw[8 + NONCE_TAG_BYTES], tag[NONCE_TAG_BYTES];
    for (size_t i = 0; i < sizeof raw; i++) {
        int hi = hex_digit(nonce[2 * i]), lo = hex_digit(nonce[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return RTSP_AUTH_BAD_NONCE;
        raw[i] = (uint8_t)(hi << 4 | lo);
    }
    uint64_t ts = 0;
    for (int i = 0; i < 8; i++)
        ts = ts << 8 | raw[i];
    if (nonce_tag(s, ts, tag))
        return RTSP_AUTH_INTERNAL;
    if (CRYPTO_memcmp(tag, raw + 8, NONCE_TAG_BYTES) != 0)
        return RTSP_AUTH_BAD_NONCE;
    uint64_t life = s->nonce_lifetime_s ? s->nonce_lifetime_s : RTSP_AUTH_DEFAULT_NONCE_LIFETIME_S;
    if (ts > now_s ? ts - now_s > RTSP_AUTH_NONCE_FUTURE_SKEW_S : now_s - ts > life)
        return RTSP_AUTH_STALE_NONCE;
    return RTSP_AUTH_OK;
}

int rtsp_auth_server_challenge(const struct rtsp_auth_server *s, enum rtsp_auth_scheme scheme,
                               enum rtsp_auth_algo algo, bool stale, uint64_t now_s, char *out,
                               size_t out_size)
{
    struct wr w;
    int r = wr_init(&w, out, out_size);
    if (r)
        return r;
    if (!server_ok(s))
        return -EINVAL;
    if (scheme == RTSP_AUTH_SCHEME_BASIC) {
        wr_str(&w, "Basic ");
        wr_quoted(&w, "realm", sv_from_cstr(s->realm));
        return wr_done(&w);
    }
    if (scheme != RTSP_AUTH_SCHEME_DIGEST || !algo_name(algo))
        return -EINVAL;
    char nonce[RTSP_AUTH_NONCE_LEN + 1];
    if ((r = rtsp_auth_make_nonce(s, now_s, nonce, sizeof nonce)))
        return r;
    wr_str(&w, "Digest ");
    wr_quoted(&w, "realm", sv_from_cstr(s->realm));
    wr_str(&w, ", ");
    wr_quoted(&w, "nonce", sv_from_cstr(nonce));
    wr_str(&w, ", algorithm=");
    wr_str(&w, algo_name(algo));
    wr_str(&w, ", qop=\"auth\"");
    if (stale)
        wr_str(&w, ", stale=true");
    if (s->opaque) {
        wr_str(&w, ", ");
        wr_quoted(&w, "opaque", sv_from_cstr(s->opaque));
    }
    return wr_done(&w);
}

int rtsp_auth_server_challenges(const struct rtsp_auth_server *s, bool stale, uint64_t now_s,
                                struct buf *out)
{
    static const struct {
        enum rtsp_auth_scheme scheme;
        enum rtsp_auth_algo algo;
    } order[] = {
        {RTSP_AUTH_SCHEME_DIGEST, RTSP_AUTH_ALGO_SHA256},
        {RTSP_AUTH_SCHEME_DIGEST, RTSP_AUTH_ALGO_MD5},
        {RTSP_AUTH_SCHEME_BASIC, RTSP_AUTH_ALGO_MD5},
    };
    if (!server_ok(s) || !out)
        return -EINVAL;
    char v[RTSP_AUTH_MAX_VALUE];
    size_t start = out->len;
    int n = 0;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (order[i].scheme == RTSP_AUTH_SCHEME_BASIC && !s->allow_basic)
            continue;
        if (order[i].scheme == RTSP_AUTH_SCHEME_DIGEST &&
            (algo_is_sha256(order[i].algo) ? s->disable_sha256 : s->disable_md5))
            continue;
        int r = rtsp_auth_server_challenge(s, order[i].scheme, order[i].algo, stale, now_s, v,
                                           sizeof v);
        if (!r)
            r = buf_append_str(out, "WWW-Authenticate: ");
        if (!r)
            r = buf_append_str(out, v);
        if (!r)
            r = buf_append(out, "\r\n", 2);
        if (r) {
            out->len = start;
            return r;
        }
        n++;
    }
    return n ? 0 : -EINVAL;
}

/* Lowercase a stored hex HA1 of the expected length into out; false if malformed. */
static bool stored_ha1(const char *h, enum rtsp_auth_algo a, char *out)
{
    size_t n = hex_len(a);
    if (!h || strlen(h) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (hex_digit(h[i]) < 0)
            return false;
        out[i] = (h[i] >= 'A' && h[i] <= 'F') ? (char)(h[i] + 32) : h[i];
    }
    out[n] = 0;
    return true;
}

/* The base HA1 of user u for algorithm a: from the stored hash, else from the
 * plaintext password. */
static enum rtsp_auth_result user_ha1(const struct rtsp_auth_server *s,
                                      const struct rtsp_auth_user *u, enum rtsp_auth_algo a,
                                      char *out)
{
    if (stored_ha1(algo_is_sha256(a) ? u->ha1_sha256 : u->ha1_md5, a, out))
        return RTSP_AUTH_OK;
    if (!u->password)
        return RTSP_AUTH_NO_HASH_FOR_ALGORITHM;
    struct sv p[3] = {sv_from_cstr(u->username), sv_from_cstr(s->realm), sv_from_cstr(u->password)};
    return hash_hex(a, p, 3, out) ? RTSP_AUTH_INTERNAL : RTSP_AUTH_OK;
}

static enum rtsp_auth_result verify_basic(const struct rtsp_auth_server *s,
                                          const struct rtsp_auth_credentials *cr,
                                          const struct rtsp_auth_user *u)
{
    if (!s->allow_basic)
        return RTSP_AUTH_BASIC_NOT_ALLOWED;
    if (!u || !u->username || strcmp(u->username, cr->username) != 0)
        return RTSP_AUTH_WRONG_USER_OR_PASSWORD;
    /* Compare HA1s: constant time whatever the password lengths, and works
     * with stored hashes. */
    enum rtsp_auth_algo a = RTSP_AUTH_ALGO_SHA256;
    char want[RTSP_AUTH_MAX_HEX + 1], got[RTSP_AUTH_MAX_HEX + 1];
    enum rtsp_auth_result res = user_ha1(s, u, a, want);
    if (res == RTSP_AUTH_NO_HASH_FOR_ALGORITHM) {
        a = RTSP_AUTH_ALGO_MD5;
        res = user_ha1(s, u, a, want);
    }
    if (res != RTSP_AUTH_OK)
        return res;
    struct sv p[3] = {sv_from_cstr(cr->username), sv_from_cstr(s->realm),
                      sv_from_cstr(cr->password)};
    if (hash_hex(a, p, 3, got))
        return RTSP_AUTH_INTERNAL;
    res =
        CRYPTO_memcmp(want, got, hex_len(a)) == 0 ? RTSP_AUTH_OK : RTSP_AUTH_WRONG_USER_OR_PASSWORD;
    OPENSSL_cleanse(want, sizeof want);
    return res;
}

enum rtsp_auth_result rtsp_auth_verify(const struct rtsp_auth_server *s,
                                       const struct rtsp_auth_credentials *cr, struct sv method,
                                       struct sv uri, const struct rtsp_auth_user *u,
                                       uint64_t now_s)
{
    if (!server_ok(s))
        return RTSP_AUTH_INTERNAL;
    if (!cr || cr->scheme == RTSP_AUTH_SCHEME_NONE)
        return RTSP_AUTH_MISSING;
    if (cr->scheme == RTSP_AUTH_SCHEME_BASIC)
        return verify_basic(s, cr, u);
    if (cr->scheme != RTSP_AUTH_SCHEME_DIGEST)
        return RTSP_AUTH_UNSUPPORTED;

    enum rtsp_auth_algo a = cr->algo;
    if (a == RTSP_AUTH_ALGO_UNKNOWN || cr->userhash ||
        (algo_is_sha256(a) ? s->disable_sha256 : s->disable_md5))
        return RTSP_AUTH_UNSUPPORTED;
    const char *qop = NULL;
    if (cr->has_qop) {
        if (!sv_ieq_cstr(sv_from_cstr(cr->qop), "auth"))
            return RTSP_AUTH_UNSUPPORTED;
        if (!cr->has_nc || !cr->cnonce[0])
            return RTSP_AUTH_BAD_SYNTAX;
        qop = cr->qop;
    } else if (s->require_qop) {
        return RTSP_AUTH_UNSUPPORTED;
    } else if (algo_is_sess(a)) {
        return RTSP_AUTH_BAD_SYNTAX; /* -sess needs a cnonce, i.e. qop */
    }
    if (strcmp(cr->realm, s->realm) != 0)
        return RTSP_AUTH_WRONG_USER_OR_PASSWORD;
    if (s->check_uri && !sv_eq(sv_from_cstr(cr->uri), uri))
        return RTSP_AUTH_URI_MISMATCH;
    enum rtsp_auth_result fresh = nonce_check(s, cr->nonce, now_s);
    if (fresh != RTSP_AUTH_OK && fresh != RTSP_AUTH_STALE_NONCE)
        return fresh;
    if (!u || !u->username || strcmp(u->username, cr->username) != 0)
        return RTSP_AUTH_WRONG_USER_OR_PASSWORD;

    char ha1[RTSP_AUTH_MAX_HEX + 1], want[RTSP_AUTH_MAX_HEX + 1], got[RTSP_AUTH_MAX_HEX + 1];
    enum rtsp_auth_result res = user_ha1(s, u, a, ha1);
    if (res != RTSP_AUTH_OK)
        return res;
    int r = digest_response(a, ha1, sv_from_cstr(cr->nonce), sv_from_cstr(cr->cnonce),
                            sv_from_cstr(cr->nc), qop, method, sv_from_cstr(cr->uri), want);
    OPENSSL_cleanse(ha1, sizeof ha1);
    if (r)
        return RTSP_AUTH_INTERNAL;
    size_t n = hex_len(a);
    if (strlen(cr->response) != n)
        return RTSP_AUTH_WRONG_USER_OR_PASSWORD;
    for (size_t i = 0; i < n; i++) {
        char c = cr->response[i];
        got[i] = (c >= 'A' && c <= 'F') ? (char)(c + 32) : c;
    }
    if (CRYPTO_memcmp(want, got, n) != 0)
        return RTSP_AUTH_WRONG_USER_OR_PASSWORD;
    return fresh; /* OK, or STALE_NONCE: right credentials, old nonce */
}

enum rtsp_auth_result rtsp_auth_check(const struct rtsp_auth_server *s, struct sv authorization,
                                      struct sv method, struct sv uri,
                                      const struct rtsp_auth_user *u, uint64_t now_s)
{
    if (!authorization.p)
        return RTSP_AUTH_MISSING;
    struct rtsp_auth_credentials cr;
    enum rtsp_auth_result res;
    if (rtsp_auth_parse_authorization(authorization, &cr) != 0)
        res = RTSP_AUTH_BAD_SYNTAX;
    else
        res = rtsp_auth_verify(s, &cr, method, uri, u, now_s);
    OPENSSL_cleanse(&cr, sizeof cr);
    return res;
}
