#!/usr/bin/env bash
# A publisher that goes silent without closing its connection (what a dead
# link looks like to the server: no FIN, no RST) is dropped after 10 s
# without media, so that it can come back; `rtspgate push` (frozen with
# SIGSTOP, then thawed) notices its connection is gone, reconnects, and a
# viewer that stayed on through the whole gap (grace time) decodes again.
set -u
. "$(dirname "$0")/lib.sh"
need_cmd ffmpeg

conf="$TEST_DIR/pub.conf"
cat > "$conf" <<CONF
[user site1]
password = pushpw
[path site1/cam]
publish_users = site1
publish_grace = 30
CONF
start_server -c "$conf" -v
PUSH_LOG="$TEST_DIR/push.log"
"$RTSPGATE" push testsrc:size=320x240,bitrate=300,audio=0 "rtsp://site1:pushpw@127.0.0.1:$PORT/site1/cam" \
  > "$PUSH_LOG" 2>&1 &
push=$!
track_pid $push
wait_file "$PUSH_LOG" "recording 1 track" 10 || fail "push did not start recording: $(tail -5 "$PUSH_LOG")"

timeout 40 ffmpeg -hide_banner -loglevel error -rtsp_transport tcp -i "$URL/site1/cam" -t 30 \
  -f framecrc - > "$TEST_DIR/v.crc" 2> "$TEST_DIR/v.err" &
v=$!
track_pid $v
for i in $(seq 100); do
  [ "$(count_frames "$TEST_DIR/v.crc" 0)" -ge 15 ] && break
  sleep 0.1
done
[ "$(count_frames "$TEST_DIR/v.crc" 0)" -ge 15 ] || fail "viewer got no frames before the stall"

kill -STOP $push
stopped_at=$(date +%s.%N)
wait_log "publisher 127.0.0.1:[0-9]+ sent no media for 10 s; dropping it" 16 || {
  kill -CONT $push; fail "the server kept a silent publisher"; }
wait_log "publisher left; viewers wait up to 30 s" 2 || { kill -CONT $push; fail "publisher not marked gone"; }
before=$(count_frames "$TEST_DIR/v.crc" 0)
kill -CONT $push
wait_file "$PUSH_LOG" "(the server closed the connection|connection error|write error).*; reconnecting in 1 s" 10 ||
  fail "push did not notice its dropped connection: $(tail -3 "$PUSH_LOG")"
for i in $(seq 100); do
  [ "$(grep -c "recording 1 track" "$PUSH_LOG")" -ge 2 ] && break
  sleep 0.1
done
[ "$(grep -c "recording 1 track" "$PUSH_LOG")" -ge 2 ] || fail "push did not reconnect: $(tail -5 "$PUSH_LOG")"
wait_log "publisher back after" 5 || fail "the server did not see the publisher come back"
for i in $(seq 100); do
  [ "$(count_frames "$TEST_DIR/v.crc" 0)" -ge $((before + 30)) ] && break
  sleep 0.1
done
after=$(count_frames "$TEST_DIR/v.crc" 0)
echo "viewer: $before frames before the gap, $after after the publisher came back"
[ "$after" -ge $((before + 30)) ] || fail "the viewer that stayed did not resume ($before -> $after frames): $(tail -3 "$TEST_DIR/v.err")"
kill -0 $v 2> /dev/null || fail "the viewer did not keep its session through the gap: $(tail -3 "$TEST_DIR/v.err")"
kill -TERM $v # timeout forwards TERM; a background job ignores INT
wait $v
kill -TERM $push
wait $push
rc=$?
[ $rc -eq 0 ] || fail "push exited $rc on SIGTERM"
if grep -qE "runtime error:|AddressSanitizer|LeakSanitizer" "$PUSH_LOG"; then
  fail "sanitizer report in the push log: $(grep -E -A 20 "runtime error:|AddressSanitizer|LeakSanitizer" "$PUSH_LOG" | head -30)"
fi
echo "push stall: ok"
