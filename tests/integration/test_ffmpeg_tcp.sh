#!/usr/bin/env bash
# ffmpeg -rtsp_transport tcp decodes >= 90 video and >= 50 audio frames of the
# built-in test stream; the server logs the session opened and closed with
# transport=TCP and sent_bytes > 0, and exits cleanly on SIGTERM.
TRANSPORT=tcp
. "$(dirname "$0")/ffmpeg_common.sh"
