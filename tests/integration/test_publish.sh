#!/usr/bin/env bash
# Publishing: ffmpeg publishes (ANNOUNCE/RECORD, TCP interleaved) into a path
# with publish_users; ffmpeg and GStreamer viewers decode it; a second
# publisher and a wrong password are refused; when the publisher comes back,
# a viewer that stayed keeps decoding.
set -u
. "$(dirname "$0")/lib.sh"
need_cmd ffmpeg
need_cmd gst-launch-1.0

conf="$TEST_DIR/pub.conf"
cat > "$conf" <<CONF
[user cam1]
password = s3cret
[path live/cam1]
publish_users = cam1
publish_grace = 20
[path live/udp]
CONF
start_server -c "$conf" -v

publish() { # $1 = seconds, $2 = url
  timeout $(( $1 + 15 )) ffmpeg -hide_banner -loglevel error -re \
    -f lavfi -i "testsrc=size=320x240:rate=30" -f lavfi -i "sine=frequency=440:sample_rate=48000" \
    -t "$1" -c:v libx264 -preset ultrafast -tune zerolatency -g 30 -c:a aac \
    -f rtsp -rtsp_transport tcp "$2"
}
PUB_URL="rtsp://cam1:s3cret@127.0.0.1:$PORT/live/cam1"

publish 11 "$PUB_URL" > "$TEST_DIR/pub1.log" 2>&1 &
track_pid $!
pub1=$!
wait_log "announced 2 track" 15 || fail "publisher did not announce"
sleep 1

# publishing over UDP, watched over UDP from the same host (the viewer's NAT
# punch packets must not be taken for the publisher's media); runs alongside
timeout 25 ffmpeg -hide_banner -loglevel error -re -f lavfi -i "testsrc=size=320x240:rate=30" -t 8 \
  -c:v libx264 -preset ultrafast -tune zerolatency -g 30 -f rtsp -rtsp_transport udp \
  "rtsp://127.0.0.1:$PORT/live/udp" > "$TEST_DIR/pubudp.log" 2>&1 &
track_pid $!
( wait_log "live/udp: .* announced 1 track" 15 && sleep 1 &&
  timeout 30 ffmpeg -hide_banner -rtsp_transport udp -i "rtsp://127.0.0.1:$PORT/live/udp" -t 4 \
    -f framecrc - > "$TEST_DIR/vudp.crc" 2> "$TEST_DIR/vudp.err" ) &
track_pid $!
vudp=$!


# viewers
timeout 30 ffmpeg -hide_banner -rtsp_transport tcp -i "rtsp://127.0.0.1:$PORT/live/cam1" -t 4 \
  -f framecrc - > "$TEST_DIR/v1.crc" 2> "$TEST_DIR/v1.err" &
track_pid $!
v1=$!
timeout 30 gst-launch-1.0 -e rtspsrc location="rtsp://127.0.0.1:$PORT/live/cam1" protocols=tcp ! \
  rtph264depay ! h264parse ! avdec_h264 ! identity eos-after=60 ! fakesink > "$TEST_DIR/g1.log" 2>&1 &
track_pid $!
g1=$!

# a second publisher is refused with a clear status
publish 3 "$PUB_URL" > "$TEST_DIR/pub2.log" 2>&1
grep -q "Path Already Has a Publisher\|455" "$TEST_DIR/pub2.log" "$SERVER_LOG" ||
  fail "second publisher not refused with 455: $(tail -3 "$TEST_DIR/pub2.log")"
# a wrong password is refused
publish 2 "rtsp://cam1:wrong@127.0.0.1:$PORT/live/cam1" > "$TEST_DIR/pub3.log" 2>&1
grep -q "authentication failed" "$SERVER_LOG" || fail "wrong publisher password not refused"

wait "$v1"
vframes=$(grep -c '^0,' "$TEST_DIR/v1.crc" || true)
aframes=$(grep -c '^1,' "$TEST_DIR/v1.crc" || true)
[ "$vframes" -ge 90 ] || fail "ffmpeg viewer decoded $vframes video frames (want >= 90)"
[ "$aframes" -ge 50 ] || fail "ffmpeg viewer decoded $aframes audio frames (want >= 50)"
wait "$g1"
grep -q "Got EOS from element" "$TEST_DIR/g1.log" || fail "GStreamer viewer did not reach EOS: $(tail -5 "$TEST_DIR/g1.log")"

# publisher goes away and comes back; a viewer that stays resumes
timeout 40 ffmpeg -hide_banner -rtsp_transport tcp -i "rtsp://127.0.0.1:$PORT/live/cam1" -t 30 \
  -f framecrc - > "$TEST_DIR/v2.crc" 2> "$TEST_DIR/v2.err" &
track_pid $!
v2=$!
wait "$pub1"
wait_log "publisher left" 20 || fail "publisher end not noticed"
before=$(grep -c '^0,' "$TEST_DIR/v2.crc" || true)
publish 6 "$PUB_URL" > "$TEST_DIR/pub4.log" 2>&1 &
track_pid $!
pub4=$!
wait_log "publisher back" 5 || fail "returning publisher not noticed"
for _ in $(seq 50); do # 90 new frames while the publisher is still there
  [ "$(count_frames "$TEST_DIR/v2.crc" 0)" -ge $((before + 90)) ] && break
  sleep 0.2
done
kill -TERM "$v2" 2>/dev/null # timeout forwards TERM; a background job ignores INT
wait "$v2"
wait "$pub4"
after=$(grep -c '^0,' "$TEST_DIR/v2.crc" || true)
[ "$after" -ge $((before + 90)) ] || fail "viewer did not resume after the publisher came back ($before -> $after frames)"
wait "$vudp" || fail "UDP publisher did not announce, or its viewer failed: $(tail -3 "$TEST_DIR/vudp.err" 2>/dev/null)"
vu=$(grep -c '^0,' "$TEST_DIR/vudp.crc" || true)
[ "$vu" -ge 90 ] || fail "UDP viewer of a UDP publisher decoded $vu frames"
grep -qiE "missed [0-9]+ packets" "$TEST_DIR/vudp.err" && fail "UDP viewer of a UDP publisher lost packets"
stop_server
echo "publish: ok (viewer $vframes video / $aframes audio frames; resumed $before -> $after)"
