#!/usr/bin/env bash
# rtspgate pull from rtspgate's own server (testsrc 320x240, 30 fps, AAC)
# over tcp, udp and auto, into .mp4, .mkv and .ts, for 3 s each: ffprobe finds
# H.264 + AAC, ffmpeg decodes ~90 video frames, the duration is 3 s +- 0.2.
# The transport chosen and why is on stderr. Then -o - piped into ffmpeg.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pull_lib.sh"
need_cmd ffmpeg
need_cmd ffprobe

start_server --path "cam=$TESTSRC"

pull_bg tcp "$URL/cam" -t tcp -o "$TEST_DIR/tcp.mp4" --duration 3
p_tcp=$PULL_PID
pull_bg udp "$URL/cam" -t udp -o "$TEST_DIR/udp.mkv" --duration 3
p_udp=$PULL_PID
pull_bg auto "$URL/cam" -o "$TEST_DIR/auto.ts" --duration 3 -v
p_auto=$PULL_PID
for t in tcp udp auto; do
  eval pid=\$p_$t
  pull_wait "$pid" 30
  [ "$PULL_RC" = 0 ] || fail "pull -t $t exited with $PULL_RC: $(tail -5 "$TEST_DIR/$t.log")"
done
grep -q "transport TCP interleaved (asked for with -t)" "$TEST_DIR/tcp.log" ||
  fail "pull -t tcp did not say its transport: $(cat "$TEST_DIR/tcp.log")"
grep -q "transport RTP/UDP (asked for with -t)" "$TEST_DIR/udp.log" ||
  fail "pull -t udp did not say its transport: $(cat "$TEST_DIR/udp.log")"
grep -qE "transport RTP/UDP \(auto: RTP arrived over UDP [0-9.]+ s after PLAY\)" "$TEST_DIR/auto.log" ||
  fail "pull -t auto did not pick UDP with its reason: $(cat "$TEST_DIR/auto.log")"
# the server sends RTCP sender reports: audio is placed by them
grep -qE "media 1 placed by sender reports" "$TEST_DIR/auto.log" ||
  fail "pull -v did not place the audio by sender reports: $(cat "$TEST_DIR/auto.log")"
check_recording "$TEST_DIR/tcp.mp4" 3 30
check_recording "$TEST_DIR/udp.mkv" 3 30
check_recording "$TEST_DIR/auto.ts" 3 30

# MPEG-TS on stdout, decoded by ffmpeg from the pipe
set -o pipefail
timeout 30 "$RTSPGATE" pull "$URL/cam" -o - --duration 2 2> "$TEST_DIR/stdout.log" |
  ffmpeg -nostdin -v error -f mpegts -i - -f framecrc - > "$TEST_DIR/pipe.crc" 2> "$TEST_DIR/pipe.err" ||
  fail "pull -o - | ffmpeg failed: $(tail -3 "$TEST_DIR/stdout.log") $(tail -3 "$TEST_DIR/pipe.err")"
set +o pipefail
grep -q "^#codec_id 0: rawvideo" "$TEST_DIR/pipe.crc" || fail "no video decoded from the pipe"
v=$(count_frames "$TEST_DIR/pipe.crc" 0)
a=$(count_frames "$TEST_DIR/pipe.crc" 1)
echo "stdout: $v video frames, $a audio frames"
[ "$v" -ge 54 ] && [ "$v" -le 61 ] || fail "pipe: $v video frames, want 54..61"
[ "$a" -gt 0 ] || fail "pipe: no audio frames"
echo "PASS: $TEST_NAME"
