#!/usr/bin/env bash
# rtspgate push: the built-in test source published (Digest, TCP interleaved)
# into a path with publish_users on `rtspgate serve`; an ffmpeg and a
# GStreamer viewer (read user, separate from the publish user) decode it.
# Then the receiving server is stopped and started again on the same port:
# push reconnects by itself and a new viewer decodes frames again.
set -u
. "$(dirname "$0")/lib.sh"
need_cmd ffmpeg
need_cmd gst-launch-1.0

conf="$TEST_DIR/pub.conf"
cat > "$conf" <<CONF
[user site1]
password = pushpw
[user alice]
password = viewpw
[path site1/cam]
publish_users = site1
read_users = alice
publish_grace = 30
CONF
start_server -c "$conf" -v
PUSH_LOG="$TEST_DIR/push.log"

push_sanitizer_check() {
  if grep -qE "runtime error:|AddressSanitizer|LeakSanitizer" "$PUSH_LOG"; then
    grep -E -A 30 "runtime error:|AddressSanitizer|LeakSanitizer" "$PUSH_LOG" | head -n 60 >&2
    fail "sanitizer report in the push log"
  fi
}

# a wrong password: a clear error and retries, not a crash
"$RTSPGATE" push testsrc:size=320x240,bitrate=300 "rtsp://site1:wrong@127.0.0.1:$PORT/site1/cam" \
  > "$TEST_DIR/push_bad.log" 2>&1 &
bad=$!
track_pid $bad
wait_file "$TEST_DIR/push_bad.log" "authentication failed \(wrong user or password\?\); reconnecting in 1 s" 10 ||
  fail "a wrong publish password was not reported: $(tail -3 "$TEST_DIR/push_bad.log")"
kill -TERM $bad
wait $bad
[ $? -eq 0 ] || fail "push did not exit 0 on SIGTERM"

"$RTSPGATE" push -v testsrc:size=320x240,bitrate=500 "rtsp://site1:pushpw@127.0.0.1:$PORT/site1/cam" \
  > "$PUSH_LOG" 2>&1 &
push=$!
track_pid $push
wait_file "$PUSH_LOG" "recording 2 track\(s\) over TCP" 10 || fail "push did not start recording: $(tail -5 "$PUSH_LOG")"
grep -q "ANNOUNCE .* -> 401" "$SERVER_LOG" || fail "the server did not challenge the publisher"
grep -q "announced 2 track" "$SERVER_LOG" || fail "the server did not take the ANNOUNCE"
grep -q "pushpw" "$PUSH_LOG" && fail "the push log shows the password"

VIEW_URL="rtsp://alice:viewpw@127.0.0.1:$PORT/site1/cam"
timeout 25 ffmpeg -hide_banner -rtsp_transport tcp -i "$VIEW_URL" -t 3 -f framecrc - \
  > "$TEST_DIR/v1.crc" 2> "$TEST_DIR/v1.err" &
v1=$!
track_pid $v1
timeout 25 gst-launch-1.0 -e rtspsrc location="rtsp://127.0.0.1:$PORT/site1/cam" user-id=alice \
  user-pw=viewpw protocols=tcp ! rtph264depay ! h264parse ! avdec_h264 ! \
  "video/x-raw,width=320,height=240" ! identity eos-after=61 ! fakesink > "$TEST_DIR/g1.log" 2>&1 &
g1=$!
track_pid $g1
wait $v1
vf=$(count_frames "$TEST_DIR/v1.crc" 0)
af=$(count_frames "$TEST_DIR/v1.crc" 1)
echo "ffmpeg viewer: $vf video, $af audio frames"
[ "$vf" -ge 60 ] || fail "ffmpeg viewer decoded $vf video frames (want >= 60): $(tail -3 "$TEST_DIR/v1.err")"
[ "$af" -ge 30 ] || fail "ffmpeg viewer decoded $af audio frames (want >= 30)"
wait $g1
grep -q "Got EOS from element \"pipeline0\"" "$TEST_DIR/g1.log" ||
  fail "GStreamer viewer did not decode 60 frames: $(tail -5 "$TEST_DIR/g1.log")"

# the receiving server goes away and comes back on the same port
OLD_PORT=$PORT
stop_server
mv "$SERVER_LOG" "$TEST_DIR/server1.log"
wait_file "$PUSH_LOG" "(the server closed the connection|connection error|write error).*; reconnecting in 1 s" 10 ||
  fail "push did not notice the server going away: $(tail -3 "$PUSH_LOG")"
start_server -c "$conf" -v --listen "127.0.0.1:$OLD_PORT"
[ "$PORT" = "$OLD_PORT" ] || fail "server restarted on $PORT, not $OLD_PORT"
for i in $(seq 100); do
  [ "$(grep -c "recording 2 track" "$PUSH_LOG")" -ge 2 ] && break
  sleep 0.1
done
[ "$(grep -c "recording 2 track" "$PUSH_LOG")" -ge 2 ] || fail "push did not reconnect: $(tail -5 "$PUSH_LOG")"
kill -0 $push || fail "push exited"
timeout 25 ffmpeg -hide_banner -rtsp_transport tcp -i "$VIEW_URL" -t 2 -f framecrc - \
  > "$TEST_DIR/v2.crc" 2> "$TEST_DIR/v2.err"
vf=$(count_frames "$TEST_DIR/v2.crc" 0)
echo "ffmpeg viewer after the server restart: $vf video frames"
[ "$vf" -ge 40 ] || fail "viewer after the restart decoded $vf video frames (want >= 40): $(tail -3 "$TEST_DIR/v2.err")"

kill -TERM $push
wait $push
rc=$?
[ $rc -eq 0 ] || fail "push exited $rc on SIGTERM"
grep -q "push cam: 2 session(s)" "$PUSH_LOG" || fail "push summary: $(tail -2 "$PUSH_LOG")"
wait_log "TEARDOWN .* -> 200" 5 || fail "push did not TEARDOWN on exit"
push_sanitizer_check
echo "push: ok"
