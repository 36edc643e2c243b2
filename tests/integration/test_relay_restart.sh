#!/usr/bin/env bash
# Upstream failure: the camera is killed and restarted on the same port while
# ffmpeg watches through rtspgate. rtspgate reconnects (backoff) and keeps
# sequence numbers and timestamps continuous, so the same ffmpeg run keeps
# decoding after the restart.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay_lib.sh"
need_cmd ffmpeg
need_testcam

start_testcam --codec h264 --audio --path test
cam1=$CAM_PID
start_server --path "cam=$CAM_URL" -v
wait_log "upstream playing over" 20 || fail "relay did not start playing"
sleep 1

prog="$TEST_DIR/progress.txt"
timeout 60 ffmpeg -hide_banner -loglevel warning -rtsp_transport tcp -i "rtsp://127.0.0.1:$PORT/cam" \
  -t 30 -map 0:v -f null - -progress "$prog" > "$TEST_DIR/ff.log" 2>&1 &
track_pid $!
ff=$!
frames() { sed -n 's/^frame=//p' "$prog" 2> /dev/null | tail -1; }

sleep 5
before=$(frames)
[ "${before:-0}" -ge 60 ] || fail "ffmpeg decoded only ${before:-0} frames before the restart"
stop_testcam "$cam1"
wait_log "upstream failed" 10 || fail "the relay did not notice the camera going away"
sleep 2
start_testcam --codec h264 --audio --path test --port "$CAM_PORT"
wait_log "upstream playing over .*(reconnected)" 20 || fail "the relay did not reconnect"
sleep 1
at_restart=$(frames)
sleep 6
after=$(frames)
kill -0 "$ff" 2> /dev/null || fail "ffmpeg stopped after the camera restart: $(tail -3 "$TEST_DIR/ff.log")"
echo "frames: $before before the kill, $at_restart at the restart, $after 6 s later"
[ $(( after - at_restart )) -ge 90 ] ||
  fail "ffmpeg decoded $(( after - at_restart )) frames in the 6 s after the restart (want >= 90)"
kill "$ff" 2> /dev/null
pass
