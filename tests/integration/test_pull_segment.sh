#!/usr/bin/env bash
# rtspgate pull --segment: 3.5 s of testsrc (a keyframe every second) in
# 1-second segments named by an strftime pattern: at least 3 files, each
# starting at 0 with a keyframe and decoding without an error, all frames
# together ~105. A pattern that expands to the same name twice gets -2, -3
# suffixes instead of overwriting. Also -o with an unknown extension (exit
# status 1) and a bad -t (2, usage) are refused with a clear message.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pull_lib.sh"
need_cmd ffmpeg
need_cmd ffprobe

"$RTSPGATE" pull rtsp://127.0.0.1:9/x -o "$TEST_DIR/x.avi" 2> "$TEST_DIR/ext.log"
rc=$?
[ $rc = 1 ] || fail "-o x.avi exited with $rc, want 1"
grep -q "x.avi: unknown container; the name must end in .ts, .mp4 or .mkv" "$TEST_DIR/ext.log" ||
  fail "no clear error for -o x.avi: $(cat "$TEST_DIR/ext.log")"
"$RTSPGATE" pull rtsp://127.0.0.1:9/x -t quic -o "$TEST_DIR/x.ts" 2> "$TEST_DIR/t.log"
[ $? = 2 ] || fail "-t quic was accepted"
grep -q "'quic' is not auto, udp, tcp, http or multicast" "$TEST_DIR/t.log" || fail "no clear error for -t quic: $(cat "$TEST_DIR/t.log")"

start_server --path "cam=$TESTSRC"
mkdir "$TEST_DIR/seg"
pull_bg seg "$URL/cam" -t tcp -o "$TEST_DIR/seg/cam-%Y%m%d-%H%M%S.mkv" --segment 1 --duration 3.5
pull_wait $PULL_PID 30
[ "$PULL_RC" = 0 ] || fail "pull --segment exited with $PULL_RC: $(tail -5 "$TEST_DIR/seg.log")"
mkdir "$TEST_DIR/same"
pull_bg same "$URL/cam" -t tcp -o "$TEST_DIR/same/cam.ts" --segment 1 --duration 2.5
pull_wait $PULL_PID 30
[ "$PULL_RC" = 0 ] || fail "pull --segment with a fixed name exited with $PULL_RC: $(tail -5 "$TEST_DIR/same.log")"
ls "$TEST_DIR/same"
[ -s "$TEST_DIR/same/cam.ts" ] && [ -s "$TEST_DIR/same/cam-2.ts" ] && [ -s "$TEST_DIR/same/cam-3.ts" ] ||
  fail "a fixed segment name did not give cam.ts cam-2.ts cam-3.ts: $(ls "$TEST_DIR/same")"

n=0
total=0
for f in "$TEST_DIR"/seg/cam-*.mkv; do
  [[ $(basename "$f") =~ ^cam-[0-9]{8}-[0-9]{6}(-[0-9]+)?\.mkv$ ]] || fail "unexpected segment name $(basename "$f")"
  ffmpeg -nostdin -v error -i "$f" -f framecrc - > "$f.crc" 2> "$f.err" || fail "$f does not decode"
  [ -s "$f.err" ] && fail "decoding $f reported: $(head -3 "$f.err")"
  v=$(count_frames "$f.crc" 0)
  first=$(ffprobe -v error -select_streams v -show_entries frame=key_frame,pts_time -read_intervals "%+#1" -of csv=p=0 "$f" | head -1)
  echo "$(basename "$f"): $v frames, first frame (key,pts) $first"
  [ "${first%%,*}" = 1 ] || fail "$f does not start with a keyframe ($first)"
  awk -v t="${first#*,}" 'BEGIN { exit !(t < 0.05) }' || fail "$f does not start at 0 ($first)"
  n=$((n + 1))
  total=$((total + v))
done
echo "$n segments, $total frames"
[ $n -ge 3 ] || fail "$n segments, want >= 3"
[ $total -ge 94 ] && [ $total -le 106 ] || fail "$total frames in all segments, want 94..106"
echo "PASS: $TEST_NAME"
