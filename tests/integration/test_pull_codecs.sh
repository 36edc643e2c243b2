#!/usr/bin/env bash
# rtspgate pull of H.265 + AAC and of MJPEG (RFC 2435, JPEG images rebuilt
# with generated headers) + AAC from the gst-rtsp-server test camera: ffprobe
# finds the codecs, ffmpeg decodes ~45 (H.265 at 15 fps: x265 drops frames
# at 30 fps under ASan and load) and ~90 (MJPEG at 30 fps) frames of 320x240
# without an error, the duration is 3 s +- 0.2.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay_lib.sh"
. "$(dirname "$0")/pull_lib.sh"
need_cmd ffmpeg
need_cmd ffprobe
need_testcam
gst-inspect-1.0 x265enc > /dev/null 2>&1 || skip "GStreamer x265enc missing"
gst-inspect-1.0 rtpjpegpay > /dev/null 2>&1 || skip "GStreamer rtpjpegpay missing"

start_testcam --codec h265 --audio --width 320 --height 240 --fps 15
url_h265=$CAM_URL
start_testcam --codec mjpeg --audio --width 320 --height 240 --fps 30
url_mjpeg=$CAM_URL

pull_bg h265 "$url_h265" -o "$TEST_DIR/h265.mp4" --duration 3
p1=$PULL_PID
pull_bg mjpeg "$url_mjpeg" -t tcp -o "$TEST_DIR/mjpeg.mkv" --duration 3
p2=$PULL_PID
pull_wait $p1 30
[ "$PULL_RC" = 0 ] || fail "pull of H.265 exited with $PULL_RC: $(tail -5 "$TEST_DIR/h265.log")"
pull_wait $p2 30
[ "$PULL_RC" = 0 ] || fail "pull of MJPEG exited with $PULL_RC: $(tail -5 "$TEST_DIR/mjpeg.log")"
check_recording "$TEST_DIR/h265.mp4" 3 15 hevc
check_recording "$TEST_DIR/mjpeg.mkv" 3 30 mjpeg
for f in h265.mp4 mjpeg.mkv; do
  [ -s "$TEST_DIR/$f.err" ] && fail "decoding $f reported: $(head -3 "$TEST_DIR/$f.err")"
  grep -q "^#dimensions 0: 320x240" "$TEST_DIR/$f.crc" || fail "$f: not 320x240: $(grep '^#dim' "$TEST_DIR/$f.crc")"
done
echo "PASS: $TEST_NAME"
