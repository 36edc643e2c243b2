#!/usr/bin/env bash
# How a pull recording ends:
#  - SIGINT in the middle of an .mp4 recording: exit 0 and a playable file
#    with its index (ffmpeg decodes every frame, duration matches the frames);
#  - an unwritable path: exit 1 and an error naming the file;
#  - a full disk (a file size limit, ulimit -f): exit 1, an error naming the
#    file, and what was written before still decodes;
#  - the server goes away and comes back on the same port: pull reconnects
#    and the same file continues (timestamps go on) up to --duration.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pull_lib.sh"
need_cmd ffmpeg
need_cmd ffprobe

start_server --path "cam=$TESTSRC"

# --- SIGINT
pull_bg int "$URL/cam" -t tcp -o "$TEST_DIR/int.mp4"
p_int=$PULL_PID
# --- disk full after ~150 KB
( ulimit -f 150; exec "$RTSPGATE" pull "$URL/cam" -t tcp -o "$TEST_DIR/full.mp4" ) 2> "$TEST_DIR/full.log" &
p_full=$!
track_pid $p_full
# --- unwritable path
"$RTSPGATE" pull "$URL/cam" -o "$TEST_DIR/no/such/dir/x.mkv" --duration 2 2> "$TEST_DIR/nodir.log"
rc=$?
[ $rc = 1 ] || fail "pull into a missing directory exited with $rc, want 1: $(cat "$TEST_DIR/nodir.log")"
grep -q "cannot open $TEST_DIR/no/such/dir/x.mkv for writing: No such file or directory" "$TEST_DIR/nodir.log" ||
  fail "no clear error for a missing directory: $(cat "$TEST_DIR/nodir.log")"

wait_file "$TEST_DIR/int.log" "transport TCP" 15 || fail "pull (SIGINT case) did not start: $(cat "$TEST_DIR/int.log")"
sleep 2.5
kill -INT $p_int
pull_wait $p_int 10
[ "$PULL_RC" = 0 ] || fail "pull after SIGINT exited with $PULL_RC, want 0: $(tail -3 "$TEST_DIR/int.log")"
d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$TEST_DIR/int.mp4")
ffmpeg -nostdin -v error -i "$TEST_DIR/int.mp4" -f framecrc - > "$TEST_DIR/int.crc" 2> "$TEST_DIR/int.err" ||
  fail "the .mp4 after SIGINT does not decode: $(tail -3 "$TEST_DIR/int.err")"
[ -s "$TEST_DIR/int.err" ] && fail "decoding the .mp4 after SIGINT reported: $(head -3 "$TEST_DIR/int.err")"
v=$(count_frames "$TEST_DIR/int.crc" 0)
echo "SIGINT: $d s, $v video frames"
[ "$v" -ge 60 ] || fail "the .mp4 after SIGINT has $v video frames, want >= 60"
awk -v d="$d" -v v="$v" 'BEGIN { e = d - v / 30; if (e < 0) e = -e; exit !(e <= 0.2) }' ||
  fail "the .mp4 after SIGINT says $d s for $v frames at 30 fps"

pull_wait $p_full 30
[ "$PULL_RC" = 1 ] || fail "pull on a full disk exited with $PULL_RC, want 1: $(tail -3 "$TEST_DIR/full.log")"
grep -qE "$TEST_DIR/full.mp4: write failed: File too large" "$TEST_DIR/full.log" ||
  fail "no clear error on a full disk: $(tail -3 "$TEST_DIR/full.log")"
ffmpeg -nostdin -v error -i "$TEST_DIR/full.mp4" -f framecrc - > "$TEST_DIR/full.crc" 2> "$TEST_DIR/full.err"
v=$(count_frames "$TEST_DIR/full.crc" 0)
echo "disk full: $(stat -c %s "$TEST_DIR/full.mp4") bytes, $v video frames decode"
[ "$v" -ge 30 ] || fail "what was written before the disk filled does not play: $v frames, $(head -3 "$TEST_DIR/full.err")"

# --- reconnect: the server restarts on the same port
pull_bg re "$URL/cam" -t tcp -o "$TEST_DIR/re.mkv" --duration 5
p_re=$PULL_PID
wait_file "$TEST_DIR/re.log" "transport TCP" 15 || fail "pull (reconnect case) did not start"
sleep 2
stop_server
start_server --path "cam=$TESTSRC" --listen "127.0.0.1:$PORT"
pull_wait $p_re 40
[ "$PULL_RC" = 0 ] || fail "pull across a server restart exited with $PULL_RC: $(tail -5 "$TEST_DIR/re.log")"
grep -q "session lost: .*reconnecting in 1 s" "$TEST_DIR/re.log" || fail "pull did not say it reconnects: $(cat "$TEST_DIR/re.log")"
grep -q "reconnected; the recording continues" "$TEST_DIR/re.log" || fail "pull did not reconnect: $(cat "$TEST_DIR/re.log")"
check_recording "$TEST_DIR/re.mkv" 5 30
echo "PASS: $TEST_NAME"
