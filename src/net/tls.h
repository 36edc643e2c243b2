/* TLS (RTSPS) through OpenSSL and libevent's OpenSSL bufferevents. */
#ifndef RTSPGATE_NET_TLS_H
#define RTSPGATE_NET_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct event_base;
struct bufferevent;
typedef struct ssl_ctx_st SSL_CTX;

/* A server context from PEM files (certificate chain and private key).
 * NULL + reason on error. Free with net_tls_ctx_free. */
SSL_CTX *net_tls_server_ctx(const char *cert_file, const char *key_file, char *err, size_t errlen);
/* A client context; verify = false accepts any certificate (self-signed cameras). */
SSL_CTX *net_tls_client_ctx(bool verify, char *err, size_t errlen);
void net_tls_ctx_free(SSL_CTX *ctx);
/* Wrap an accepted socket: the bufferevent owns fd and closes it when freed. */
struct bufferevent *net_tls_accept(struct event_base *base, int fd, SSL_CTX *ctx);
/* Wrap a socket for a client connection to host (SNI); owns fd. */
struct bufferevent *net_tls_connect(struct event_base *base, int fd, SSL_CTX *ctx,
                                    const char *host);

/* writev to fd, or, when bev is set (TLS), a copy into its output buffer
 * while that holds less than `high` bytes (-EAGAIN above). Returns bytes
 * taken or -errno. */
struct iovec;
ssize_t net_writev_or_tls(int fd, struct bufferevent *bev, const struct iovec *iov, int n,
                          size_t high);
/* The reason a TLS bufferevent failed (OpenSSL's error queue, else errno). */
void net_tls_error(struct bufferevent *bev, char *out, size_t size);
/* Write now, bypassing the output buffer (best effort: a TEARDOWN just before
 * closing). Only when the bufferevent's output is empty. Returns bytes or -1. */
int net_tls_write_now(struct bufferevent *bev, const void *data, size_t len);

#endif
