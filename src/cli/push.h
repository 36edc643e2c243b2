/* `rtspgate push` and the [push NAME] sections of `rtspgate serve -c`: a
 * source feeding a private hub stream, read by an RTSP publisher. */
#ifndef RTSPGATE_CLI_PUSH_H
#define RTSPGATE_CLI_PUSH_H

#include <stddef.h>

#include "client/rtsp_publisher.h"
#include "source/source.h"

struct event_base;
struct pusher;

/* Start publishing `source` to `dest` (both checked first). NULL + reason. */
struct pusher *pusher_start(struct event_base *base, const char *name, const char *source,
                            const struct source_opts *so, const char *dest,
                            const struct rtsp_publisher_opts *po, char *err, size_t errlen);
/* Logs a summary line, stops (TEARDOWN) and frees. Accepts NULL. */
void pusher_free(struct pusher *p);

int cmd_push(int argc, char **argv);

#endif
