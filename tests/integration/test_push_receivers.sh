#!/usr/bin/env bash
# rtspgate push to another RECORD receiver and from a real camera:
#  1. ffmpeg as the receiver (-rtsp_flags listen): the recorded file holds
#     H.264 and AAC that ffprobe counts;
#  2. a gst-rtsp-server camera (testcam, with Digest) as the SOURCE, pushed
#     into `rtspgate serve`, decoded there by an ffmpeg viewer;
#  3. rtsps:// DEST: pushed over TLS (self-signed certificate, Digest) into
#     `rtspgate serve`'s RTSPS listener, decoded by an ffmpeg viewer.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay_lib.sh"
need_cmd ffmpeg
need_cmd ffprobe
need_cmd python3
need_cmd openssl

push_sanitizer_check() { # LOG
  if grep -qE "runtime error:|AddressSanitizer|LeakSanitizer" "$1"; then
    grep -E -A 30 "runtime error:|AddressSanitizer|LeakSanitizer" "$1" | head -n 60 >&2
    fail "sanitizer report in $1"
  fi
}

# 1. ffmpeg listen receiver (push starts first: it retries until ffmpeg listens)
FPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$RTSPGATE" push testsrc:size=320x240,bitrate=500 "rtsp://127.0.0.1:$FPORT/live/x" \
  > "$TEST_DIR/push1.log" 2>&1 &
p1=$!
track_pid $p1
timeout 25 ffmpeg -hide_banner -loglevel warning -rtsp_flags listen -i "rtsp://127.0.0.1:$FPORT/live/x" \
  -t 4 -c copy -y "$TEST_DIR/out.mkv" > "$TEST_DIR/ffrec.log" 2>&1
rc=$?
[ $rc -eq 0 ] || fail "ffmpeg receiver exited $rc: $(tail -3 "$TEST_DIR/ffrec.log")"
grep -q "recording 2 track" "$TEST_DIR/push1.log" || fail "push did not record to ffmpeg: $(tail -3 "$TEST_DIR/push1.log")"
kill -TERM $p1
wait $p1
push_sanitizer_check "$TEST_DIR/push1.log"
probe=$(ffprobe -v error -count_frames -show_entries stream=codec_name,width,nb_read_frames -of csv=p=0 "$TEST_DIR/out.mkv")
echo "ffmpeg receiver recorded: $(echo $probe)"
v=$(echo "$probe" | sed -n 's/^h264,320,\([0-9]*\)$/\1/p')
a=$(echo "$probe" | sed -n 's/^aac,\([0-9]*\)$/\1/p')
[ -n "$v" ] && [ "$v" -ge 90 ] || fail "recorded file: want >= 90 H.264 320x240 frames, ffprobe says: $probe"
[ -n "$a" ] && [ "$a" -ge 100 ] || fail "recorded file: want >= 100 AAC frames, ffprobe says: $probe"

# 2. a gst-rtsp-server camera as the source
need_testcam
start_testcam --user cam --password campw --width 320 --height 240 --audio
printf '[path pushed]\n' > "$TEST_DIR/srv.conf"
start_server -c "$TEST_DIR/srv.conf" -v
CAM_CRED_URL=$(printf '%s' "$CAM_URL" | sed 's|rtsp://|rtsp://cam:campw@|')
"$RTSPGATE" push "$CAM_CRED_URL" "rtsp://127.0.0.1:$PORT/pushed" > "$TEST_DIR/push2.log" 2>&1 &
p2=$!
track_pid $p2
wait_file "$TEST_DIR/push2.log" "recording 2 track" 15 || fail "push from testcam did not record: $(tail -5 "$TEST_DIR/push2.log")"
view tcp "$URL/pushed" 3 "$TEST_DIR/v.crc"
vf=$(count_frames "$TEST_DIR/v.crc" 0)
af=$(count_frames "$TEST_DIR/v.crc" 1)
echo "viewer of the pushed camera: $vf video, $af audio frames"
[ "$vf" -ge 45 ] || fail "viewer decoded $vf video frames of the pushed camera (want >= 45): $(tail -3 "$TEST_DIR/v.crc.err")"
[ "$af" -ge 30 ] || fail "viewer decoded $af audio frames of the pushed camera (want >= 30)"
kill -TERM $p2
wait $p2
push_sanitizer_check "$TEST_DIR/push2.log"
stop_server

# 3. rtsps://
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
  -keyout "$TEST_DIR/key.pem" -out "$TEST_DIR/cert.pem" > /dev/null 2>&1 || fail "openssl req failed"
cat > "$TEST_DIR/tls.conf" <<CONF
[server]
rtsps_listen = 127.0.0.1:0
tls_cert = $TEST_DIR/cert.pem
tls_key = $TEST_DIR/key.pem
[user site1]
password = pushpw
[path site1/cam]
publish_users = site1
CONF
start_server -c "$TEST_DIR/tls.conf" -v
TLS_PORT=$(sed -n 's/.*listening on rtsps:\/\/[^:]*:\([0-9]*\).*/\1/p' "$SERVER_LOG" | head -1)
[ -n "$TLS_PORT" ] || fail "no rtsps listener in the log"
"$RTSPGATE" push testsrc:size=320x240,bitrate=500 "rtsps://site1:pushpw@127.0.0.1:$TLS_PORT/site1/cam" \
  > "$TEST_DIR/push3.log" 2>&1 &
p3=$!
track_pid $p3
wait_file "$TEST_DIR/push3.log" "recording 2 track\(s\) over TCP \(TLS\)" 10 ||
  fail "push over rtsps:// did not record: $(tail -5 "$TEST_DIR/push3.log")"
view tcp "$URL/site1/cam" 3 "$TEST_DIR/v3.crc"
vf=$(count_frames "$TEST_DIR/v3.crc" 0)
echo "viewer of the stream pushed over rtsps://: $vf video frames"
[ "$vf" -ge 60 ] || fail "viewer decoded $vf video frames pushed over rtsps:// (want >= 60): $(tail -3 "$TEST_DIR/v3.crc.err")"
kill -TERM $p3
wait $p3
push_sanitizer_check "$TEST_DIR/push3.log"
echo "push receivers: ok"
