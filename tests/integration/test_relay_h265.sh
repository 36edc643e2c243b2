#!/usr/bin/env bash
# Relay of an H.265 camera: packets forwarded untouched, keyframes (IRAP,
# VPS/SPS) indexed from the payload so a new viewer starts decodable.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay_lib.sh"
need_cmd ffmpeg
need_testcam
gst-inspect-1.0 x265enc > /dev/null 2>&1 || skip "GStreamer x265enc missing"

start_testcam --codec h265 --no-audio --path hevc
start_server --path "cam=$CAM_URL" -v
wait_log "upstream playing over" 20 || fail "relay did not start playing: $(tail -5 "$SERVER_LOG")"
grep -q "1 track(s): video H265/90000" "$SERVER_LOG" || fail "H.265 track not described"
sleep 1.5 # a keyframe is in the ring: the viewer starts there

URL="rtsp://127.0.0.1:$PORT/cam"
view tcp "$URL" 5 "$TEST_DIR/tcp.crc" || fail "ffmpeg failed: $(tail -3 "$TEST_DIR/tcp.crc.err")"
vf=$(count_frames "$TEST_DIR/tcp.crc" 0)
echo "ffmpeg tcp viewer: $vf H.265 frames"
[ "$vf" -ge 90 ] || fail "ffmpeg decoded $vf H.265 frames (want >= 90)"
codec=$(timeout 20 ffprobe -v error -rtsp_transport tcp -select_streams v \
  -show_entries stream=codec_name -of csv=p=0 "$URL")
[ "$codec" = hevc ] || fail "ffprobe sees '$codec', not hevc"
pass
