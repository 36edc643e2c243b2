#!/usr/bin/env bash
# Transport auto, the "UDP never arrives" case, and keepalives:
# the camera is reached through a TCP forwarder on 127.0.0.2, so its RTP/UDP
# comes from 127.0.0.1 — an address the relay does not accept media from, as
# if a firewall dropped it. `auto` must give up on UDP after source_timeout
# (1 s here), say why, and play over TCP interleaved. The camera times
# sessions out after 4 s: GET_PARAMETER keepalives (it lists them in Public)
# must keep the session up.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay_lib.sh"
need_cmd ffmpeg
need_cmd python3
need_testcam

start_testcam --codec h264 --no-audio --path test --session-timeout 4
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
python3 "$TEST_DIR/fwd.py" "$CAM_PORT" "$fwd_port_file" &
track_pid $!
for i in $(seq 1 50); do [ -s "$fwd_port_file" ] && break; sleep 0.1; done
[ -s "$fwd_port_file" ] || skip "cannot listen on 127.0.0.2"
FWD_URL="rtsp://127.0.0.2:$(cat "$fwd_port_file")/test"

conf="$TEST_DIR/relay.conf"
cat > "$conf" <<CONF
[path cam]
source = $FWD_URL
source_transport = auto
source_timeout = 1
CONF
start_server -c "$conf" -vv
wait_log "because no RTP arrived over UDP within 1.0 s" 20 ||
  fail "auto did not fall back to TCP: $(grep -i 'relay\|client' "$SERVER_LOG" | tail -5)"
wait_log "upstream playing over TCP interleaved" 20 || fail "relay not playing over TCP"
grep -q "session timeout 4 s, keepalive GET_PARAMETER every 2 s" "$SERVER_LOG" ||
  fail "keepalive not planned from the camera's timeout=4: $(grep 'playing' "$SERVER_LOG" | tail -2)"

view tcp "rtsp://127.0.0.1:$PORT/cam" 8 "$TEST_DIR/v.crc" ||
  fail "ffmpeg viewer failed: $(tail -3 "$TEST_DIR/v.crc.err")"
vf=$(count_frames "$TEST_DIR/v.crc" 0)
echo "ffmpeg tcp viewer: $vf video frames"
[ "$vf" -ge 200 ] || fail "ffmpeg decoded $vf frames in 8 s (want >= 200)"
ka=$(grep -c "> GET_PARAMETER" "$SERVER_LOG")
[ "$ka" -ge 3 ] || fail "only $ka GET_PARAMETER keepalives sent"
grep -q "upstream failed" "$SERVER_LOG" && fail "the upstream session failed: $(grep 'upstream failed' "$SERVER_LOG" | head -2)"
pass
