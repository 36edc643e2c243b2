#!/usr/bin/env bash
# rtspgate pull of MPEG-4 Part 2 video with G.711 (PCMU, PCMA) and Opus
# audio: ffmpeg publishes them into rtspgate serve (ANNOUNCE/RECORD), pull
# records the path to .mkv; ffprobe finds all four codecs, ffmpeg decodes
# ~75 video frames (25 fps) and every audio track, duration 3 s +- 0.2.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pull_lib.sh"
need_cmd ffmpeg
need_cmd ffprobe
ffmpeg -hide_banner -encoders 2> /dev/null | grep -q libopus || { echo "SKIP: ffmpeg has no libopus" >&2; exit 77; }

printf '[path pub]\n' > "$TEST_DIR/pub.conf"
start_server -c "$TEST_DIR/pub.conf"
timeout 40 ffmpeg -nostdin -v error -re -f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i sine=r=48000 \
  -map 0:v -map 1:a -map 1:a -map 1:a -c:v mpeg4 -g 25 -bf 0 \
  -c:a:0 pcm_mulaw -ar:a:0 8000 -c:a:1 pcm_alaw -ar:a:1 8000 -c:a:2 libopus -t 15 \
  -f rtsp -rtsp_transport tcp "$URL/pub" > "$TEST_DIR/pub.log" 2>&1 &
track_pid $!
wait_log "announced 4 track" 15 || fail "ffmpeg did not publish: $(cat "$TEST_DIR/pub.log")"
pull_bg pull "$URL/pub" -o "$TEST_DIR/out.mkv" --duration 3
pull_wait $PULL_PID 30
[ "$PULL_RC" = 0 ] || fail "pull exited with $PULL_RC: $(tail -5 "$TEST_DIR/pull.log")"
grep -q "recording MPEG-4 Part 2 + G.711 PCMU + G.711 PCMA + Opus" "$TEST_DIR/pull.log" ||
  fail "pull did not list the tracks: $(cat "$TEST_DIR/pull.log")"
f="$TEST_DIR/out.mkv"
codecs=$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$f" | tr '\n' ' ')
[ "$codecs" = "mpeg4 pcm_mulaw pcm_alaw opus " ] || fail "codecs '$codecs'"
d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")
awk -v d="$d" 'BEGIN { e = d - 3; if (e < 0) e = -e; exit !(e <= 0.2) }' || fail "duration $d, want 3 +- 0.2"
ffmpeg -nostdin -v error -i "$f" -map 0 -f framecrc - > "$f.crc" 2> "$f.err" || fail "$f does not decode: $(tail -3 "$f.err")"
v=$(count_frames "$f.crc" 0)
a1=$(count_frames "$f.crc" 1)
a2=$(count_frames "$f.crc" 2)
a3=$(count_frames "$f.crc" 3)
echo "out.mkv: $codecs $d s, $v video frames, audio frames $a1 / $a2 / $a3"
[ "$v" -ge 67 ] && [ "$v" -le 76 ] || fail "$v video frames, want 67..76"
[ "$a1" -gt 0 ] && [ "$a2" -gt 0 ] && [ "$a3" -gt 0 ] || fail "an audio track decoded nothing"
echo "PASS: $TEST_NAME"
