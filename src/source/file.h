/* file: source — a media file demuxed with libavformat, packetized by our own
 * RTP packetizers and published at real-time pace, looped forever.
 * Containers: whatever libavformat reads (.mp4 .mkv .ts, raw .h264 ...).
 * Codecs: H.264 video and AAC audio (other streams are skipped with a warning). */
#ifndef RTSPGATE_SOURCE_FILE_H
#define RTSPGATE_SOURCE_FILE_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct hub_stream;
struct file_src;

/* Opens the file, sets the stream's tracks and starts publishing.
 * NULL + reason in err on failure. */
struct file_src *file_src_new(struct event_base *base, const char *path, struct hub_stream *stream,
                              uint32_t seed, char *err, size_t errlen);
void file_src_free(struct file_src *f); /* accepts NULL */
const char *file_src_describe(const struct file_src *f);

#endif
