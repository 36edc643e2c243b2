#!/usr/bin/env bash
# RTSP over HTTP tunnelling (GET + base64 POST tied by x-sessioncookie):
# - ffmpeg -rtsp_transport http on the RTSP port decodes >= 60 video frames;
# - GStreamer rtspsrc rtsph:// on the http_listen port decodes >= 60 frames;
# - while an ffmpeg viewer plays over a tunnel, hostile tunnel legs are each
#   closed with the reason logged: a POST whose cookie has no GET, a GET with a
#   cookie already in use, garbage base64 in a paired POST (closes that pair),
#   a non-tunnel HTTP request, and a GET whose POST never comes (request
#   timeout); the viewer decodes all its frames with no errors.
. "$(dirname "$0")/lib.sh"
need_cmd ffmpeg
need_cmd gst-launch-1.0
need_cmd python3

cat > "$TEST_DIR/conf.ini" << CONF
[server]
http_listen = 127.0.0.1:0
request_timeout = 2
[path test]
source = $TESTSRC
CONF
start_server -c "$TEST_DIR/conf.ini" -v
HPORT=$(sed -n 's|.*listening on rtsph://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$SERVER_LOG" | head -n 1)
[ -n "$HPORT" ] || fail "no 'listening on rtsph://' line for http_listen"

# 1. ffmpeg over the RTSP port
timeout 30 ffmpeg -hide_banner -nostdin -loglevel warning -rtsp_transport http \
  -i "$URL/test" -frames:v 60 -f framecrc - > "$TEST_DIR/crc" 2> "$TEST_DIR/ffmpeg.err" ||
  fail "ffmpeg -rtsp_transport http failed: $(tail -n 5 "$TEST_DIR/ffmpeg.err")"
v=$(count_frames "$TEST_DIR/crc" 0)
a=$(count_frames "$TEST_DIR/crc" 1)
echo "ffmpeg http: $v video, $a audio frames"
[ "$v" -ge 60 ] || fail "ffmpeg over the HTTP tunnel decoded $v video frames, want >= 60"
[ "$a" -ge 20 ] || fail "ffmpeg over the HTTP tunnel decoded $a audio frames, want >= 20"
grep -qE "HTTP tunnel POST, cookie" "$SERVER_LOG" || fail "server did not log the tunnel POST leg"
check_session TCP

# 2. GStreamer rtsph:// on the http_listen port
VFRAME=$((320 * 240 * 3 / 2))
timeout 25 gst-launch-1.0 -e rtspsrc location="rtsph://127.0.0.1:$HPORT/test" latency=300 ! \
  "application/x-rtp,media=video" ! rtph264depay ! h264parse ! avdec_h264 ! \
  "video/x-raw,format=I420,width=320,height=240" ! identity eos-after=61 ! \
  filesink location="$TEST_DIR/video.i420" > "$TEST_DIR/gst.out" 2>&1
vbytes=$(stat -c %s "$TEST_DIR/video.i420" 2> /dev/null || echo 0)
echo "gst rtsph: $((vbytes / VFRAME)) video frames"
grep -q "Got EOS from element \"pipeline0\"" "$TEST_DIR/gst.out" ||
  fail "gst rtsph:// did not reach EOS; tail: $(tail -n 6 "$TEST_DIR/gst.out")"
[ $((vbytes / VFRAME)) -ge 60 ] || fail "gst rtsph:// decoded $((vbytes / VFRAME)) frames, want >= 60"
grep -qE "connection 127\.0\.0\.1:[0-9]+: HTTP tunnel GET, cookie [a-z]{10,}" "$SERVER_LOG" ||
  fail "no GStreamer tunnel GET logged"

# 3. hostile tunnel legs while a viewer plays
timeout 30 ffmpeg -hide_banner -nostdin -loglevel warning -rtsp_transport http \
  -i "$URL/test" -frames:v 120 -f framecrc - > "$TEST_DIR/crc2" 2> "$TEST_DIR/ffmpeg2.err" &
FF=$!
track_pid $FF
wait_log "PLAY rtsp://[^ ]+ -> 200" 15 || fail "the viewer did not start playing"
python3 - "$PORT" > "$TEST_DIR/hostile.out" 2>&1 << 'PY' || fail "hostile tunnel client: $(cat "$TEST_DIR/hostile.out")"
import socket, sys, time
port = int(sys.argv[1])
def conn(data):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(data)
    return s
def reply_then_close(s, what, want):
    buf = b""
    while True:
        d = s.recv(4096)
        if not d:
            break
        buf += d
    if want not in buf:
        sys.exit("%s: want %r in the reply, got %r" % (what, want, buf[:200]))
    print("%s: %r, closed" % (what, buf.split(b"\r\n")[0]))
get = lambda ck: ("GET /test HTTP/1.0\r\nx-sessioncookie: %s\r\nAccept: application/x-rtsp-tunnelled\r\n\r\n" % ck).encode()
post = lambda ck: ("POST /test HTTP/1.0\r\nx-sessioncookie: %s\r\nContent-Type: application/x-rtsp-tunnelled\r\nContent-Length: 32767\r\n\r\n" % ck).encode()
reply_then_close(conn(post("nosuchcookie") + b"T1BUSU9OUw=="), "POST without GET", b"HTTP/1.0 404")
reply_then_close(conn(b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"), "plain HTTP GET", b"HTTP/1.0 400")
g = conn(get("cookieA"))
time.sleep(0.2)
reply_then_close(conn(get("cookieA")), "GET with a cookie in use", b"HTTP/1.0 400")
p = conn(post("cookieA") + b"T1BUSU9OUyBydHNw!!!not base64")
p.settimeout(10)
if p.recv(100) != b"":
    sys.exit("garbage base64: POST leg not closed")
g.settimeout(10)
head = g.recv(4096)
if not head.startswith(b"HTTP/1.0 200 OK") or b"application/x-rtsp-tunnelled" not in head:
    sys.exit("tunnel GET reply: %r" % head[:200])
while True:
    if g.recv(4096) == b"":
        break
print("garbage base64: both legs closed")
# half-open: a GET that never gets its POST is closed after request_timeout
t0 = time.time()
h = conn(get("lonely"))
h.settimeout(15)
while h.recv(4096) != b"":
    pass
print("half-open GET closed after %.1f s" % (time.time() - t0))
if time.time() - t0 < 1.5:
    sys.exit("half-open GET closed too early")
PY
cat "$TEST_DIR/hostile.out"
wait $FF || fail "the tunnelled viewer failed during the hostile legs: $(tail -n 5 "$TEST_DIR/ffmpeg2.err")"
v=$(count_frames "$TEST_DIR/crc2" 0)
[ "$v" -ge 120 ] || fail "the tunnelled viewer decoded $v frames, want >= 120"
grep -qiE "error while decoding|corrupt|missed" "$TEST_DIR/ffmpeg2.err" &&
  fail "the viewer reported errors: $(head -n 3 "$TEST_DIR/ffmpeg2.err")"
grep -q "HTTP tunnel: bad base64 in the POST body" "$SERVER_LOG" || fail "bad base64 not logged"
grep -q "HTTP tunnel: POST with an x-sessioncookie of no open GET" "$SERVER_LOG" || fail "unmatched POST not logged"
grep -q "no complete request in 2 s" "$SERVER_LOG" || fail "half-open GET timeout not logged"
stop_server
echo "tunnel http: ok"
