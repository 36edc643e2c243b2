#include "net/tls.h"

#include <event2/bufferevent.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/util.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/sv.h"
#include "net/net.h"

static void ssl_err(const char *what, char *err, size_t errlen)
{
    char e[256];
    ERR_error_string_n(ERR_get_error(), e, sizeof e);
    str_fmt(err, errlen, "%s: %s", what, e);
}

SSL_CTX *net_tls_server_ctx(const char *cert_file, const char *key_file, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        ssl_err("TLS", err, errlen);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
        char what[1100];
        str_fmt(what, sizeof what, "tls_cert %s", cert_file);
        ssl_err(what, err, errlen);
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        char what[1100];
        str_fmt(what, sizeof what, "tls_key %s", key_file);
        ssl_err(what, err, errlen);
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

SSL_CTX *net_tls_client_ctx(bool verify, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        ssl_err("TLS", err, errlen);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (verify) {
        SSL_CTX_set_default_verify_paths(ctx);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    }
    return ctx;
}

void net_tls_ctx_free(SSL_CTX *ctx)
{
    SSL_CTX_free(ctx);
}

struct bufferevent *net_tls_accept(struct event_base *base, int fd, SSL_CTX *ctx)
{
    SSL *ssl = SSL_new(ctx);
    if (!ssl) {
        close(fd);
        return NULL;
    }
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    if (!bev) {
        SSL_free(ssl);
        close(fd);
    }
    return bev;
}

struct bufferevent *net_tls_connect(struct event_base *base, int fd, SSL_CTX *ctx, const char *host)
{
    SSL *ssl = SSL_new(ctx);
    if (!ssl) {
        close(fd);
        return NULL;
    }
    if (host && host[0])
        SSL_set_tlsext_host_name(ssl, host);
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        base, fd, ssl, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    if (!bev) {
        SSL_free(ssl);
        close(fd);
    }
    return bev;
}

void net_tls_error(struct bufferevent *bev, char *out, size_t size)
{
    unsigned long e = bufferevent_get_openssl_error(bev);
    if (e) {
        ERR_error_string_n(e, out, size);
        return;
    }
    int err = EVUTIL_SOCKET_ERROR();
    snprintf(out, size, "%s", err ? strerror(err) : "connection closed during the TLS handshake");
}

int net_tls_write_now(struct bufferevent *bev, const void *data, size_t len)
{
    if (evbuffer_get_length(bufferevent_get_output(bev)) || len > INT_MAX)
        return -1;
    SSL *ssl = bufferevent_openssl_get_ssl(bev);
    return ssl ? SSL_write(ssl, data, (int)len) : -1;
}

ssize_t net_writev_or_tls(int fd, struct bufferevent *bev, const struct iovec *iov, int n,
                          size_t high)
{
    if (!bev)
        return net_writev(fd, iov, n);
    struct evbuffer *out = bufferevent_get_output(bev);
    if (evbuffer_get_length(out) >= high)
        return -EAGAIN;
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        if (evbuffer_add(out, iov[i].iov_base, iov[i].iov_len))
            return total ? (ssize_t)total : -ENOMEM;
        total += iov[i].iov_len;
    }
    return (ssize_t)total;
}
