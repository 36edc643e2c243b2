#!/usr/bin/env bash
# Relay: a gst-rtsp-server camera (H.264 + AAC) pulled by rtspgate (source
# transport auto: RTP/UDP on loopback) and re-served to ffmpeg viewers over
# TCP interleaved and RTP/UDP, and to a GStreamer viewer; one upstream
# session however many viewers.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay_lib.sh"
need_cmd ffmpeg
need_testcam

start_testcam --codec h264 --audio --path test
start_server --path "cam=$CAM_URL" -v
wait_log "upstream playing over" 20 || fail "relay did not start playing: $(tail -5 "$SERVER_LOG")"
grep -q "upstream playing over RTP/UDP" "$SERVER_LOG" || fail "auto did not pick RTP/UDP on loopback"
grep -q "2 track(s): video H264/90000, audio MPEG4-GENERIC/48000/2" "$SERVER_LOG" ||
  fail "relay tracks not taken from the camera's SDP"

URL="rtsp://127.0.0.1:$PORT/cam"
view tcp "$URL" 5 "$TEST_DIR/tcp.crc" &
track_pid $!
v1=$!
view udp "$URL" 5 "$TEST_DIR/udp.crc" &
track_pid $!
v2=$!
g1=
if command -v gst-launch-1.0 > /dev/null; then
  timeout 30 gst-launch-1.0 -e rtspsrc location="$URL" protocols=tcp ! rtph264depay ! h264parse ! \
    avdec_h264 ! identity eos-after=90 ! fakesink > "$TEST_DIR/gst.log" 2>&1 &
  track_pid $!
  g1=$!
fi
wait "$v1" || fail "ffmpeg TCP viewer failed: $(tail -3 "$TEST_DIR/tcp.crc.err")"
wait "$v2" || fail "ffmpeg UDP viewer failed: $(tail -3 "$TEST_DIR/udp.crc.err")"
for t in tcp udp; do
  vf=$(count_frames "$TEST_DIR/$t.crc" 0)
  af=$(count_frames "$TEST_DIR/$t.crc" 1)
  echo "ffmpeg $t viewer: $vf video frames, $af audio frames"
  [ "$vf" -ge 90 ] || fail "ffmpeg $t viewer decoded $vf video frames (want >= 90)"
  [ "$af" -ge 50 ] || fail "ffmpeg $t viewer decoded $af audio frames (want >= 50)"
done
if [ -n "$g1" ]; then
  wait "$g1"
  grep -q "Got EOS from element" "$TEST_DIR/gst.log" ||
    fail "GStreamer viewer did not reach EOS: $(tail -5 "$TEST_DIR/gst.log")"
fi
n=$(grep -c "upstream playing over" "$SERVER_LOG")
[ "$n" = 1 ] || fail "expected one upstream session, the log shows $n"
pass
