#!/usr/bin/env bash
# on_demand = yes: the camera (here another rtspgate, whose -v log shows every
# session) is not contacted until the first viewer comes; that viewer's
# DESCRIBE waits for the camera and decodes; on_demand_linger seconds after
# the last viewer leaves the upstream session is torn down; the next viewer
# starts it again. An unreachable on-demand camera answers 503 after
# on_demand_timeout and the server keeps serving.
. "$(dirname "$0")/lib.sh"
need_cmd ffmpeg

# the camera
"$RTSPGATE" serve --listen 127.0.0.1:0 -v -p "cam=$TESTSRC" > "$TEST_DIR/cam.out" 2> "$TEST_DIR/cam.log" &
cam=$!
track_pid $cam
wait_file "$TEST_DIR/cam.log" "listening on rtsp://" 10 || fail "camera did not start"
CPORT=$(sed -n 's|.*listening on rtsp://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$TEST_DIR/cam.log" | head -n 1)
# a port with nothing behind it
DEAD=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

cat > "$TEST_DIR/od.conf" <<CONF
[path front]
source = rtsp://127.0.0.1:$CPORT/cam
source_transport = tcp
on_demand = yes
on_demand_linger = 2
[path gone]
source = rtsp://127.0.0.1:$DEAD/cam
on_demand = yes
on_demand_timeout = 2
CONF
start_server -c "$TEST_DIR/od.conf" -v
sleep 2
grep -q "opened:" "$TEST_DIR/cam.log" && fail "the camera was contacted before any viewer: $(grep opened: "$TEST_DIR/cam.log")"
grep -q "path front: on demand" "$SERVER_LOG" || fail "on-demand path not announced in the log"

view() { # OUT: decode 3 s of /front over TCP
  timeout 30 ffmpeg -hide_banner -nostdin -loglevel warning -rtsp_transport tcp -i "$URL/front" -t 3 \
    -map 0:v -f framecrc - > "$TEST_DIR/$1.crc" 2> "$TEST_DIR/$1.err"
  local n
  n=$(count_frames "$TEST_DIR/$1.crc" 0)
  [ "$n" -ge 60 ] || fail "viewer $1 decoded $n frames: $(tail -3 "$TEST_DIR/$1.err")"
}
view v1
wait_log "path front: first viewer .*starting the on-demand source" 1 || fail "no 'first viewer' line"
[ "$(grep -c 'opened:' "$TEST_DIR/cam.log")" -eq 1 ] || fail "camera sessions after the first viewer: $(grep -c opened: "$TEST_DIR/cam.log"), want 1"
# the last viewer left: 2 s linger, then the upstream session goes
wait_log "path front: no viewer for 2 s: stopping the on-demand source" 6 || fail "the source was not stopped after the linger"
wait_file "$TEST_DIR/cam.log" "closed: .*path=cam .*reason=teardown" 5 ||
  fail "the camera's session was not torn down: $(grep closed: "$TEST_DIR/cam.log")"
# the next viewer starts it again, fresh
view v2
[ "$(grep -c 'opened:' "$TEST_DIR/cam.log")" -eq 2 ] || fail "camera sessions after the second viewer: $(grep -c opened: "$TEST_DIR/cam.log"), want 2"
# an unreachable camera: 503 after on_demand_timeout, the server serves on
t0=$(date +%s)
timeout 20 ffmpeg -hide_banner -nostdin -rtsp_transport tcp -i "$URL/gone" -t 1 -f null - > /dev/null 2> "$TEST_DIR/gone.err"
t1=$(date +%s)
grep -q "503" "$TEST_DIR/gone.err" || fail "unreachable on-demand camera: no 503: $(tail -2 "$TEST_DIR/gone.err")"
[ $((t1 - t0)) -le 8 ] || fail "the 503 took $((t1 - t0)) s, on_demand_timeout is 2 s"
wait_log "gone: the on-demand source gave no stream within 2 s -> 503" 1 || fail "the 503 was not logged"
view v3
stop_server
echo "on demand: ok"
