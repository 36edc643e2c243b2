#!/usr/bin/env bash
# `rtspgate pull -t auto` through the dual-NAT lab (port-randomising NAT,
# one forwarded TCP port): RTP/UDP cannot get through, so pull must find TCP
# interleaved by itself, say so, and record a playable file. The same run
# measures the time to the first frame of pull (auto), ffmpeg (default
# transports with -timeout 2 s, and with no flag) and GStreamer's rtspsrc
# (default protocols), each starting from nothing. The times are printed,
# never asserted (a timed assertion would judge the machine); the README
# quotes them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay_lib.sh"
. "$SRC_DIR/tests/nat/lab.sh"
need_cmd ffmpeg
need_cmd ffprobe
need_cmd gst-launch-1.0
need_testcam
lab_need

lab_up random
lab_bg cam1 "$TEST_DIR/cam.log" "$TESTCAM" --bind 0.0.0.0 --port 554 --path live --codec h264 \
  --no-audio --udp-only --width 320 --height 240 --fps 15
printf '[server]\nlisten = 0.0.0.0:8554\n[path cam1]\nsource = rtsp://192.168.1.64:554/live\n' > "$TEST_DIR/gw.conf"
SERVER_LOG="$TEST_DIR/gw.log"
lab_bg gw "$SERVER_LOG" "$RTSPGATE" serve -c "$TEST_DIR/gw.conf" -v
gw=$LAB_PID
wait_log "relay cam1 <- .*upstream playing over" 20 || fail "rtspgate did not pull the camera"
URL1="rtsp://203.0.113.2:1234/cam1"
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# pull, auto
timeout 30 ip netns exec "$LAB_ID-viewer" "$RTSPGATE" pull -t auto "$URL1" -o "$TEST_DIR/pull.ts" \
  --duration 2 > "$TEST_DIR/pull.out" 2> "$TEST_DIR/pull.err" &
pp=$!
track_pid $pp
wait $pp || fail "pull exited with an error: $(tail -3 "$TEST_DIR/pull.err")"
# pull says when its first frame was written, counted from its start
ttff_pull=$(sed -n 's/.*first frame written \([0-9.]*\) s after start.*/\1/p' "$TEST_DIR/pull.err" | head -n 1)
[ -n "$ttff_pull" ] || fail "pull wrote no frame: $(tail -3 "$TEST_DIR/pull.err")"
grep -E "pull .*: transport TCP.*\(auto: " "$TEST_DIR/pull.err" ||
  fail "pull did not pick TCP by itself: $(grep transport "$TEST_DIR/pull.err")"
n=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$TEST_DIR/pull.ts" | head -n 1 | tr -dc 0-9)
[ "${n:-0}" -ge 20 ] || fail "pull's recording has ${n:-0} video frames"

# ffmpeg: default transports (UDP, then TCP after -timeout), and no flag at all
ffmpeg_ttff() { # OUT ARGS...: seconds to the first decoded frame, or "none"
  local out=$1 t0 i
  shift
  t0=$(now)
  timeout 12 ip netns exec "$LAB_ID-viewer" ffmpeg -hide_banner -nostdin -loglevel error "$@" \
    -i "$URL1" -t 1 -map 0:v -f framecrc - > "$TEST_DIR/$out.crc" 2> "$TEST_DIR/$out.err" &
  local p=$!
  track_pid $p
  for i in $(seq 240); do
    if grep -q '^0,' "$TEST_DIR/$out.crc" 2> /dev/null; then
      elapsed "$t0" "$(now)"
      wait $p
      return
    fi
    kill -0 $p 2> /dev/null || break
    sleep 0.05
  done
  wait $p
  grep -q '^0,' "$TEST_DIR/$out.crc" 2> /dev/null && elapsed "$t0" "$(now)" || echo none
}
ttff_ff_timeout=$(ffmpeg_ttff fft -timeout 2000000)
ttff_ff_plain=$(ffmpeg_ttff ffp)

# GStreamer rtspsrc, default protocols: the first decoded frame ends it
t0=$(now)
timeout 20 ip netns exec "$LAB_ID-viewer" gst-launch-1.0 -e rtspsrc location="$URL1" ! rtph264depay ! \
  h264parse ! avdec_h264 ! identity eos-after=1 ! fakesink > "$TEST_DIR/gst.log" 2>&1
if grep -q "Got EOS from element" "$TEST_DIR/gst.log"; then ttff_gst=$(elapsed "$t0" "$(now)"); else ttff_gst=none; fi

echo "time to first frame through port-randomising NAT (UDP blocked, TCP forwarded):"
echo "  rtspgate pull -t auto:          ${ttff_pull} s (picked TCP by itself)"
echo "  ffmpeg -timeout 2000000:        ${ttff_ff_timeout} s"
echo "  ffmpeg (no transport flag):     ${ttff_ff_plain} (within 12 s)"
echo "  gst-launch-1.0 rtspsrc:         ${ttff_gst} s"
kill -TERM "$gw"
wait "$gw" || fail "rtspgate did not stop cleanly"
echo "nat pull: ok"
