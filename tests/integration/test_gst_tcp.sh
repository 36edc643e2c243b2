#!/usr/bin/env bash
# gst-launch-1.0 rtspsrc protocols=tcp: >= 90 decoded H.264 frames and >= 50
# decoded AAC frames, the pipeline reaches EOS; the server logs the session
# with transport=TCP and sent_bytes > 0.
PROTO=tcp
. "$(dirname "$0")/gst_common.sh"
