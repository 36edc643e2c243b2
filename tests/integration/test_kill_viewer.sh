#!/usr/bin/env bash
# Three ffmpeg TCP viewers; one is SIGKILLed mid-stream. The other two keep
# decoding (enough frames, no "missed"/"corrupt"/"error while decoding" in
# their stderr) and the server logs the killed viewer's session closed with
# reason=disconnect while the others are still playing.
. "$(dirname "$0")/lib.sh"
need_cmd ffmpeg
command -v pgrep > /dev/null 2>&1 || need_cmd ps

start_server --path "test=$TESTSRC"

viewer() { # $1 = name, $2 = video frames to decode (~10 s at 30 fps)
  timeout 50 ffmpeg -hide_banner -nostdin -loglevel warning -threads 1 -rtsp_transport tcp \
    -i "$URL/test" -frames:v "$2" -f framecrc - > "$TEST_DIR/$1.crc" 2> "$TEST_DIR/$1.err"
  echo $? > "$TEST_DIR/$1.rc"
}
child_of() { pgrep -P "$1" 2> /dev/null || ps -o pid= --ppid "$1"; }

viewer a 300 & pa=$!; track_pid $pa
viewer b 300 & pb=$!; track_pid $pb
# the victim runs ffmpeg under timeout under a subshell: find the ffmpeg PID
timeout 50 ffmpeg -hide_banner -nostdin -loglevel warning -threads 1 -rtsp_transport tcp \
  -i "$URL/test" -t 30 -f framecrc - > "$TEST_DIR/victim.crc" 2> "$TEST_DIR/victim.err" &
pt=$!; track_pid $pt

wait_file "$TEST_DIR/victim.crc" "^ *0, +[0-9]+, +[0-9]+, +[0-9]+, +[0-9]+, 0x" 20 ||
  fail "the third viewer decoded no frame within 20 s: $(tail -n 3 "$TEST_DIR/victim.err")"
sleep 2
[ "$(grep -cE 'session [^ ]+ opened: .*transport=TCP' "$SERVER_LOG")" -ge 3 ] || fail "3 TCP sessions were not opened"
grep -q "reason=" "$SERVER_LOG" && fail "a session closed before the kill: $(grep 'reason=' "$SERVER_LOG")"
vpid=$(child_of "$pt" | head -n 1)
[ -n "$vpid" ] || fail "cannot find the third viewer's ffmpeg PID"
track_pid "$vpid"
kill -0 "$pa" 2> /dev/null && kill -0 "$pb" 2> /dev/null || fail "viewer a or b ended before the kill"
va_kill=$(count_frames "$TEST_DIR/a.crc" 0)
vb_kill=$(count_frames "$TEST_DIR/b.crc" 0)
kill -KILL "$vpid" || fail "kill -KILL $vpid failed"
wait "$pt" 2> /dev/null
wait_log "session [^ ]+ closed: .*transport=TCP .*reason=disconnect" 10 ||
  fail "the killed viewer's session was not logged closed with reason=disconnect within 10 s"
# the other two were still playing when it was reaped
[ "$(grep -c 'reason=' "$SERVER_LOG")" -eq 1 ] ||
  fail "expected only the killed session closed so far: $(grep 'reason=' "$SERVER_LOG")"

wait $pa
wait $pb
for n in a b; do
  rc=$(cat "$TEST_DIR/$n.rc")
  v=$(count_frames "$TEST_DIR/$n.crc" 0)
  a=$(count_frames "$TEST_DIR/$n.crc" 1)
  echo "viewer $n: exit $rc, $v video ($(eval echo \$v${n}_kill) at the kill), $a audio frames"
  [ "$rc" = 0 ] || fail "viewer $n: ffmpeg exited with $rc: $(tail -n 3 "$TEST_DIR/$n.err")"
  eval "vk=\$v${n}_kill"
  [ "$v" -ge 300 ] || fail "viewer $n: $v video frames, want 300"
  [ $((v - vk)) -ge 60 ] || fail "viewer $n: only $((v - vk)) video frames decoded after the kill (had $vk), want >= 60"
  [ "$a" -ge 200 ] || fail "viewer $n: $a audio frames along with 300 video frames, want >= 200"
  g=$(max_pts_gap "$TEST_DIR/$n.crc" 1)
  awk -v g="$g" 'BEGIN { exit !(g <= 1.0) }' || fail "viewer $n: audio paused $g s, want <= 1 s"
  grep -iE "missed|corrupt|error while decoding|max delay reached" "$TEST_DIR/$n.err" &&
    fail "viewer $n was disturbed by the kill: $(grep -iE 'missed|corrupt|error while decoding|max delay reached' "$TEST_DIR/$n.err" | head -n 5)"
done
for i in $(seq 50); do [ "$(grep -c 'closed: .*reason=' "$SERVER_LOG")" -ge 3 ] && break; sleep 0.2; done
[ "$(grep -c 'reason=disconnect' "$SERVER_LOG")" -eq 1 ] || fail "want exactly one reason=disconnect: $(grep 'reason=' "$SERVER_LOG")"
stop_server
echo "kill viewer: ok"
