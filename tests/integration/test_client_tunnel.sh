#!/usr/bin/env bash
# The client role over RTSP-over-HTTP tunnels (GET + base64 POST):
# - rtspgate pull -t http from rtspgate serve records a file ffprobe decodes,
#   and the server saw both tunnel legs;
# - rtspgate pull rtsph://... from gst-rtsp-server (testcam) records a file;
# - a relay path with source_transport = http pulls the camera through a
#   tunnel and an ffmpeg viewer decodes it;
# - behind an HTTP-only proxy (passes GET/POST tunnel legs, answers plain RTSP
#   with "HTTP/1.1 400" and closes) pull -t auto says why it tunnels and records;
# - rtspgate push to an rtsph:// DEST publishes through a tunnel (requests and
#   `$` media base64 on the POST leg) and an ffmpeg viewer decodes the path;
# - a bad source_transport names file:line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay_lib.sh"
. "$(dirname "$0")/pull_lib.sh"
need_cmd ffmpeg
need_cmd ffprobe
need_cmd python3
need_testcam

frames() { # FILE: video frames ffprobe decodes
  ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames \
    -of csv=p=0 "$1" 2> /dev/null | head -n 1
}

start_testcam --no-audio --width 320 --height 240 --fps 30
cat > "$TEST_DIR/conf.ini" << CONF
[path test]
source = $TESTSRC
[path relay]
source = $CAM_URL
source_transport = http
[path pub]
CONF
start_server -c "$TEST_DIR/conf.ini" -v

# 1. pull -t http from rtspgate serve
pull_bg own "$URL/test" -t http -o "$TEST_DIR/own.ts" --duration 2 -v
OWN=$PULL_PID
# 2. rtsph:// from gst-rtsp-server (in parallel)
pull_bg cam "rtsph://127.0.0.1:$CAM_PORT/test" -o "$TEST_DIR/cam.ts" --duration 2
CAM=$PULL_PID
# 3. the relay path's camera session goes through a tunnel
view tcp "$URL/relay" 2 "$TEST_DIR/relay.crc" ||
  fail "ffmpeg viewer of the http relay failed: $(tail -n 3 "$TEST_DIR/relay.crc.err")"
pull_wait $OWN 20
[ "$PULL_RC" = 0 ] || fail "pull -t http exited $PULL_RC: $(tail -n 5 "$TEST_DIR/own.log")"
pull_wait $CAM 20
[ "$PULL_RC" = 0 ] || fail "pull rtsph:// exited $PULL_RC: $(tail -n 5 "$TEST_DIR/cam.log")"

n=$(frames "$TEST_DIR/own.ts")
echo "pull -t http from rtspgate serve: $n video frames"
[ "${n:-0}" -ge 45 ] || fail "pull -t http recorded ${n:-0} frames, want >= 45"
grep -q "transport TCP interleaved in an HTTP tunnel (asked for with -t)" "$TEST_DIR/own.log" ||
  fail "pull did not say it uses the HTTP tunnel: $(tail -n 5 "$TEST_DIR/own.log")"
grep -qE "HTTP tunnel GET, cookie [0-9a-f]{32}" "$SERVER_LOG" || fail "server saw no tunnel GET"
grep -qE "HTTP tunnel POST, cookie [0-9a-f]{32}" "$SERVER_LOG" || fail "server saw no tunnel POST"

n=$(frames "$TEST_DIR/cam.ts")
echo "pull rtsph:// from gst-rtsp-server: $n video frames"
[ "${n:-0}" -ge 45 ] || fail "pull rtsph:// recorded ${n:-0} frames, want >= 45"
grep -q "asked for with an rtsph:// URL" "$TEST_DIR/cam.log" || fail "pull did not name rtsph://"

v=$(count_frames "$TEST_DIR/relay.crc" 0)
echo "relay over http: viewer decoded $v frames"
[ "$v" -ge 45 ] || fail "viewer of the http relay decoded $v frames, want >= 45"
grep -q "relay relay <- $CAM_URL: upstream playing over TCP interleaved in an HTTP tunnel" "$SERVER_LOG" ||
  fail "the relay did not log its upstream over the HTTP tunnel"

# 4. push over an HTTP tunnel
"$RTSPGATE" push "testsrc:size=320x240,fps=30" "rtsph://127.0.0.1:$PORT/pub" -v \
  2> "$TEST_DIR/push.log" &
PUSH=$!
track_pid $PUSH
wait_log "RECORD rtsp://127.0.0.1:$PORT/pub -> 200" 15 || fail "push over http got no RECORD: $(tail -n 5 "$TEST_DIR/push.log")"
grep -q "recording 2 track(s) over TCP (in an HTTP tunnel)" "$TEST_DIR/push.log" ||
  fail "push did not say it records through the tunnel: $(tail -n 3 "$TEST_DIR/push.log")"
view tcp "$URL/pub" 2 "$TEST_DIR/pub.crc" || fail "ffmpeg viewer of the pushed path failed: $(tail -n 3 "$TEST_DIR/pub.crc.err")"
v=$(count_frames "$TEST_DIR/pub.crc" 0)
a=$(count_frames "$TEST_DIR/pub.crc" 1)
echo "push over http: viewer decoded $v video, $a audio frames"
[ "$v" -ge 45 ] && [ "$a" -ge 20 ] || fail "viewer of the pushed path decoded $v video, $a audio frames"
kill $PUSH
wait $PUSH 2> /dev/null

# 5. auto behind an HTTP-only proxy
python3 - "$PORT" > "$TEST_DIR/proxy.out" 2> "$TEST_DIR/proxy.err" << 'PY' &
import socket, sys, threading
up = int(sys.argv[1])
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(16)
print("proxy on", ls.getsockname()[1], flush=True)
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
def serve(c):
    head = b""
    while len(head) < 5:
        d = c.recv(5 - len(head))
        if not d:
            c.close()
            return
        head += d
    if not (head.startswith(b"GET ") or head.startswith(b"POST ")):
        print("refused plain", head, flush=True)
        c.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        c.close()
        return
    u = socket.create_connection(("127.0.0.1", up))
    u.sendall(head)
    threading.Thread(target=pipe, args=(c, u), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
PROXY=$!
track_pid $PROXY
wait_file "$TEST_DIR/proxy.out" "proxy on [0-9]+" 10 || fail "proxy did not start: $(cat "$TEST_DIR/proxy.err")"
PPORT=$(sed -n 's/^proxy on \([0-9]*\)/\1/p' "$TEST_DIR/proxy.out")
pull_bg auto "rtsp://127.0.0.1:$PPORT/test" -o "$TEST_DIR/auto.ts" --duration 2 -v
pull_wait $PULL_PID 25
[ "$PULL_RC" = 0 ] || fail "pull auto behind the proxy exited $PULL_RC: $(tail -n 5 "$TEST_DIR/auto.log")"
grep -q "transport auto: RTSP over an HTTP tunnel, because plain RTSP got no answer to OPTIONS" \
  "$TEST_DIR/auto.log" || fail "auto did not say why it tunnels: $(grep -i transport "$TEST_DIR/auto.log")"
grep -q "transport TCP interleaved in an HTTP tunnel (auto: plain RTSP got no answer" "$TEST_DIR/auto.log" ||
  fail "pull did not report the tunnel it chose: $(grep -i transport "$TEST_DIR/auto.log")"
grep -q "refused plain" "$TEST_DIR/proxy.out" || fail "the proxy never refused plain RTSP"
n=$(frames "$TEST_DIR/auto.ts")
echo "pull auto behind an HTTP-only proxy: $n video frames"
[ "${n:-0}" -ge 45 ] || fail "pull auto behind the proxy recorded ${n:-0} frames, want >= 45"

# 6. config error
printf '[path a]\nsource = rtsp://127.0.0.1:9/x\nsource_transport = quic\n' > "$TEST_DIR/bad.conf"
"$RTSPGATE" serve -c "$TEST_DIR/bad.conf" > /dev/null 2> "$TEST_DIR/bad.err"
[ $? = 2 ] || fail "a bad source_transport was accepted"
grep -q "bad.conf:3: source_transport = 'quic': expected auto, udp, tcp, http or multicast" \
  "$TEST_DIR/bad.err" || fail "no file:line reason: $(cat "$TEST_DIR/bad.err")"
echo "client tunnel: ok"
