#!/usr/bin/env bash
# file: sources. ffmpeg makes a 2 s clip (H.264 + AAC) as .mp4, .mkv and .ts,
# and a raw .h264 elementary stream; rtspgate serves each, looped at
# real-time pace, and ffmpeg decodes 5 s of each over TCP (so at least two
# loops): enough frames, timestamps that never go back (frame pts strictly
# increasing across the loop points), no decoding errors.
. "$(dirname "$0")/lib.sh"
need_cmd ffmpeg

mk() { # OUT ARGS...
  local out=$1
  shift
  ffmpeg -hide_banner -loglevel error -f lavfi -i "testsrc=size=320x240:rate=30" \
    -f lavfi -i "sine=frequency=1000:sample_rate=48000" -t 2 "$@" "$out" ||
    fail "ffmpeg could not make $out"
}
mk "$TEST_DIR/clip.mp4" -c:v libx264 -preset ultrafast -g 30 -pix_fmt yuv420p -c:a aac
mk "$TEST_DIR/clip.mkv" -c:v libx264 -preset ultrafast -g 15 -pix_fmt yuv420p -c:a aac
mk "$TEST_DIR/clip.ts" -c:v libx264 -preset ultrafast -g 30 -pix_fmt yuv420p -c:a aac
ffmpeg -hide_banner -loglevel error -f lavfi -i "testsrc=size=320x240:rate=25" -t 2 -c:v libx264 \
  -preset ultrafast -g 25 -pix_fmt yuv420p -f h264 "$TEST_DIR/clip.h264" || fail "no raw .h264"

# The .ts path is on demand, so its viewer gets the file's very first packets:
# the first AAC frame of the .ts starts ~21 ms before the first video frame
# (encoder priming), which once gave it an RTP timestamp 49 min off and ffmpeg
# placed all the audio there (then only 1 audio frame in 5 s).
cat > "$TEST_DIR/fs.conf" <<CONF
[path ts]
source = file:$TEST_DIR/clip.ts
on_demand = yes
CONF
start_server -c "$TEST_DIR/fs.conf" -p "mp4=file:$TEST_DIR/clip.mp4" -p "mkv=file:$TEST_DIR/clip.mkv" \
  -p "raw=file:$TEST_DIR/clip.h264" -v
pids=()
for p in mp4 mkv ts raw; do
  timeout 30 ffmpeg -hide_banner -nostdin -loglevel warning -rtsp_transport tcp -i "$URL/$p" -t 5 \
    -f framecrc - > "$TEST_DIR/$p.crc" 2> "$TEST_DIR/$p.err" &
  track_pid $!
  pids+=($!)
done
wait "${pids[@]}"
for p in mp4 mkv ts raw; do
  v=$(count_frames "$TEST_DIR/$p.crc" 0)
  want=120
  [ $p = raw ] && want=100
  [ "$v" -ge $want ] || fail "$p: $v video frames in 5 s (2 s clip looped): $(tail -3 "$TEST_DIR/$p.err")"
  if [ $p != raw ]; then
    a=$(count_frames "$TEST_DIR/$p.crc" 1)
    [ "$a" -ge 150 ] || fail "$p: only $a audio frames in 5 s"
  fi
  # pts strictly increasing through the loop points
  awk -F, '!/^#/ && $1 + 0 == 0 { if (n++ && $3 + 0 <= last) { print "pts " $3 " after " last; exit 1 } last = $3 + 0 }' \
    "$TEST_DIR/$p.crc" || fail "$p: video timestamps went back at a loop point"
  grep -qiE "error while decoding|corrupt|non monotonically" "$TEST_DIR/$p.err" &&
    fail "$p: $(grep -iE 'error while decoding|corrupt|non monoton' "$TEST_DIR/$p.err" | head -3)"
  echo "$p: $v video frames in 5 s"
done
stop_server
echo "file source: ok"
