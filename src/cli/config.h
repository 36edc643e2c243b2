/* The configuration file (INI, read with inih) into a server_conf.
 *
 *   [server]               listen, rtsps_listen, tls_cert, tls_key, session_timeout, stall_timeout, ring_bytes,
 *                          max_connections, max_connections_per_ip,
 *                          max_sessions_per_conn, request_timeout, idle_timeout,
 *                          max_requests_per_second, allow, deny, realm,
 *                          allow_basic_plaintext
 *   [user NAME]            password, password_sha256, password_md5
 *   [path NAME]            source, source_transport (auto|udp|tcp|http|multicast),
 *                          source_timeout (seconds, UDP->TCP fallback),
 *                          on_demand (yes|no), low_latency (yes|no), allow, deny,
 *                          publish_grace (seconds; a path without source is
 *                          published into with ANNOUNCE/RECORD), read_users,
 *                          publish_users
 *   [push NAME]            source, dest, transport (tcp|http), source_transport
 *                          (as in [path]): `serve` also publishes source to dest
 */
#ifndef RTSPGATE_CLI_CONFIG_H
#define RTSPGATE_CLI_CONFIG_H

#include <stddef.h>

#include "server/server.h"

/* Reads `file` over the values already in c. Returns 0, or -1 with
 * "FILE:LINE: reason" in err. */
int config_load(const char *file, struct server_conf *c, char *err, size_t errlen);
/* Adds one path from "NAME=SOURCE" (the --path option). -1 + reason. */
int config_add_path(struct server_conf *c, const char *arg, char *err, size_t errlen);

#endif
