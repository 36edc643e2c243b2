#!/usr/bin/env bash
# gst-launch-1.0 rtspsrc protocols=udp: >= 90 decoded H.264 frames and >= 50
# decoded AAC frames, the pipeline reaches EOS; the server logs the session
# with transport=UDP and sent_bytes > 0.
PROTO=udp
. "$(dirname "$0")/gst_common.sh"
