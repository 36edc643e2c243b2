/* recorder: access units of up to RTSP_MAX_TRACKS tracks on one timeline
 * (microseconds) into a container written with libavformat.
 *
 * The container comes from the file name's extension: .ts (MPEG-TS), .mp4
 * (fragmented at keyframes, so what was written stays playable after a crash
 * or a full disk; the trailer adds the index), .mkv (Matroska); "-" is MPEG-TS
 * on standard output. The header is written at the first video keyframe (the
 * first AU when there is no video track); AUs before it are not written, and
 * timestamps in the file start at 0 there.
 *
 * With segment_s > 0 the name is an strftime(3) pattern (local time) and a
 * new file is started at the first video keyframe at least segment_s seconds
 * after the current file's start; each file starts at timestamp 0.
 *
 * Errors (cannot open, write failed: disk full, unwritable path) are sticky:
 * every later call returns the same negative error; recorder_error() says
 * what went wrong. */
#ifndef RTSPGATE_SINK_RECORDER_H
#define RTSPGATE_SINK_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum recorder_codec {
    RECORDER_H264,
    RECORDER_H265,
    RECORDER_MJPEG,
    RECORDER_MPEG4, /* MPEG-4 Part 2 video */
    RECORDER_AAC,
    RECORDER_PCMU,
    RECORDER_PCMA,
    RECORDER_OPUS,
};

struct recorder_track {
    enum recorder_codec codec;
    /* video: H.264/H.265 parameter sets in Annex B (start codes), or MPEG-4
     * config; audio: AAC AudioSpecificConfig. May be empty: H.264/H.265 then
     * take them from the first keyframe. Copied. */
    const uint8_t *extradata;
    size_t extradata_len;
    int sample_rate; /* audio */
    int channels;    /* audio */
};

struct recorder;

/* Check the name (extension) and remember the tracks; nothing is opened yet.
 * NULL with a reason in err. */
struct recorder *recorder_new(const char *name, unsigned segment_s,
                              const struct recorder_track *tracks, size_t n_tracks, char *err,
                              size_t errlen);
/* Finish the current file (trailer). Returns 0 or the sticky error. */
int recorder_finish(struct recorder *r);
/* recorder_finish and free. Returns 0 or the sticky error
 * (also a trailer write failure). Accepts NULL. */
int recorder_close(struct recorder *r);
/* One access unit of track t at pts_us (one timeline for all tracks; any
 * origin). Video AUs are Annex B for H.264/H.265, a JPEG for MJPEG. key: a
 * keyframe. AUs whose time goes backwards on their track are dropped.
 * Returns 0 or a negative error (sticky). */
int recorder_write(struct recorder *r, size_t t, const uint8_t *data, size_t len, int64_t pts_us,
                   bool key);
/* Media time written so far in the current run (from the first written AU),
 * in microseconds; 0 before the header. */
int64_t recorder_written_us(const struct recorder *r);
bool recorder_started(const struct recorder *r);
/* The caller's time of the first AU written (valid once started). */
int64_t recorder_first_us(const struct recorder *r);
/* Name of the file being written ("-" for stdout); "" before the first. */
const char *recorder_current_name(const struct recorder *r);
const char *recorder_error(const struct recorder *r);
/* "mpegts", "mp4", "matroska" for a name, or NULL when the extension is unknown. */
const char *recorder_format_of(const char *name);

#endif
