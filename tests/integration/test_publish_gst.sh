#!/usr/bin/env bash
# GStreamer's rtspclientsink as the publisher (ANNOUNCE/RECORD over TCP,
# Digest with publish_users): H.264 + AAC published into `rtspgate serve`,
# watched at the same time by an ffmpeg viewer and a GStreamer viewer; when
# rtspclientsink ends (EOS: TEARDOWN, or PAUSE and close) the server lets the publisher go.
set -u
. "$(dirname "$0")/lib.sh"
need_cmd ffmpeg
need_cmd gst-launch-1.0
for e in rtspclientsink x264enc voaacenc; do
  gst-inspect-1.0 "$e" > /dev/null 2>&1 || { echo "SKIP: $TEST_NAME needs GStreamer's $e" >&2; exit 77; }
done

conf="$TEST_DIR/pub.conf"
cat > "$conf" <<CONF
[user cam1]
password = s3cret
[path live/gst]
publish_users = cam1
CONF
start_server -c "$conf" -v

# 10 s of 320x240 H.264 at 30 fps and AAC
timeout 30 gst-launch-1.0 -e \
  videotestsrc is-live=true num-buffers=300 ! "video/x-raw,format=I420,width=320,height=240,framerate=30/1" ! \
  x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! h264parse ! \
  rtspclientsink name=s location="rtsp://127.0.0.1:$PORT/live/gst" protocols=tcp user-id=cam1 user-pw=s3cret \
  audiotestsrc is-live=true num-buffers=470 samplesperbuffer=1024 ! "audio/x-raw,rate=48000,channels=1" ! \
  audioconvert ! voaacenc ! aacparse ! s. > "$TEST_DIR/pub.log" 2>&1 &
pub=$!
track_pid $pub
wait_log "RECORD .* -> 200" 15 || fail "rtspclientsink did not start recording: $(tail -5 "$TEST_DIR/pub.log")"
grep -q "ANNOUNCE .* -> 401" "$SERVER_LOG" || fail "the publisher was not challenged"
grep -q "announced 2 track" "$SERVER_LOG" || fail "the server did not take both tracks"

timeout 25 ffmpeg -hide_banner -rtsp_transport tcp -i "$URL/live/gst" -t 3 -f framecrc - \
  > "$TEST_DIR/v.crc" 2> "$TEST_DIR/v.err" &
v=$!
track_pid $v
# (video only: two "src. !" branches race in gst-launch, see gst_common.sh;
# rtph264depay links to whichever pad is the video one)
timeout 25 gst-launch-1.0 -e rtspsrc location="$URL/live/gst" protocols=tcp ! rtph264depay ! \
  h264parse ! avdec_h264 ! "video/x-raw,width=320,height=240" ! identity eos-after=61 ! fakesink \
  > "$TEST_DIR/g.log" 2>&1 &
g=$!
track_pid $g
wait $v
vf=$(count_frames "$TEST_DIR/v.crc" 0)
af=$(count_frames "$TEST_DIR/v.crc" 1)
echo "ffmpeg viewer: $vf video, $af audio frames"
[ "$vf" -ge 60 ] || fail "ffmpeg viewer decoded $vf video frames (want >= 60): $(tail -3 "$TEST_DIR/v.err")"
[ "$af" -ge 30 ] || fail "ffmpeg viewer decoded $af audio frames (want >= 30)"
wait $g
grep -q "Got EOS from element \"pipeline0\"" "$TEST_DIR/g.log" ||
  fail "GStreamer viewer did not decode 60 frames: $(tail -5 "$TEST_DIR/g.log")"

wait $pub
wait_log "publisher left" 10 || fail "the server did not notice rtspclientsink leaving"
echo "rtspclientsink: ok"
