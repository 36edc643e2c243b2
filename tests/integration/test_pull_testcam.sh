#!/usr/bin/env bash
# rtspgate pull from the gst-rtsp-server test camera (H.264 320x240 30 fps +
# AAC): `auto` picks RTP/UDP when it works and says so; a camera that answers
# 461 to RTP/UDP (--tcp-only) makes `auto` pick TCP interleaved, naming the
# 461; a camera whose RTP/UDP never arrives (reached through a TCP
# forwarder on 127.0.0.2, so its UDP comes from an address the client does
# not accept media from, as if a firewall dropped it) makes `auto` pick TCP
# after --udp-timeout (500 ms here). All recordings: H.264 + AAC, ~90 frames, 3 s +- 0.2.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay_lib.sh"
. "$(dirname "$0")/pull_lib.sh"
need_cmd ffmpeg
need_cmd ffprobe
need_testcam

start_testcam --codec h264 --audio --width 320 --height 240 --fps 30
url_any=$CAM_URL
start_testcam --codec h264 --audio --width 320 --height 240 --fps 30 --tcp-only
url_tcp=$CAM_URL

fwd_port_file="$TEST_DIR/fwd.port"
cat > "$TEST_DIR/fwd.py" <<'PY'
import socket, sys, threading
lst = socket.socket()
lst.bind(("127.0.0.2", 0))
lst.listen(8)
open(sys.argv[2], "w").write(str(lst.getsockname()[1]))
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
while True:
    c, _ = lst.accept()
    u = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    threading.Thread(target=pipe, args=(c, u), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
PY
python3 "$TEST_DIR/fwd.py" "$(printf '%s\n' "$url_any" | sed -n 's|^rtsp://[^/]*:\([0-9]*\)/.*|\1|p')" "$fwd_port_file" &
track_pid $!
for i in $(seq 1 50); do [ -s "$fwd_port_file" ] && break; sleep 0.1; done
[ -s "$fwd_port_file" ] || skip "cannot listen on 127.0.0.2"
url_fwd="rtsp://127.0.0.2:$(cat "$fwd_port_file")/test"

pull_bg fwd "$url_fwd" -o "$TEST_DIR/fwd.ts" --duration 3 --udp-timeout 500
p3=$PULL_PID
pull_bg udp "$url_any" -o "$TEST_DIR/udp.mp4" --duration 3
p1=$PULL_PID
pull_bg tcp "$url_tcp" -o "$TEST_DIR/tcp.mkv" --duration 3
p2=$PULL_PID
pull_wait $p1 30
[ "$PULL_RC" = 0 ] || fail "pull from the camera exited with $PULL_RC: $(tail -5 "$TEST_DIR/udp.log")"
pull_wait $p2 30
[ "$PULL_RC" = 0 ] || fail "pull from the TCP-only camera exited with $PULL_RC: $(tail -5 "$TEST_DIR/tcp.log")"
pull_wait $p3 30
[ "$PULL_RC" = 0 ] || fail "pull through the forwarder exited with $PULL_RC: $(tail -5 "$TEST_DIR/fwd.log")"
grep -q "transport TCP interleaved (auto: no RTP arrived over UDP within 0.5 s)" "$TEST_DIR/fwd.log" ||
  fail "auto did not pick TCP after --udp-timeout 500: $(cat "$TEST_DIR/fwd.log")"
grep -qE "transport RTP/UDP \(auto: RTP arrived over UDP [0-9.]+ s after PLAY\)" "$TEST_DIR/udp.log" ||
  fail "auto did not pick UDP from the camera: $(cat "$TEST_DIR/udp.log")"
grep -q "transport TCP interleaved (auto: the server answered 461 Unsupported Transport to RTP/UDP)" "$TEST_DIR/tcp.log" ||
  fail "auto did not pick TCP after 461: $(cat "$TEST_DIR/tcp.log")"
check_recording "$TEST_DIR/udp.mp4" 3 30
check_recording "$TEST_DIR/tcp.mkv" 3 30
check_recording "$TEST_DIR/fwd.ts" 3 30
echo "PASS: $TEST_NAME"
