#!/usr/bin/env bash
# Multicast (RTP/AVP;multicast) inside a network namespace this test creates
# (veth pair, 224.0.0.0/4 routed on it, lo up):
# - a raw SETUP gets the RFC 2326 answer destination=239.255.0.1;port=40000-40001;ttl=3
#   from multicast_range / multicast_port / multicast_ttl;
# - two ffmpeg -rtsp_transport udp_multicast viewers at once decode frames and
#   the server starts the path's multicast sender once for both, stops it when
#   the last one leaves (with packets sent);
# - GStreamer rtspsrc protocols=udp-mcast decodes >= 30 video frames.
. "$(dirname "$0")/lib.sh"
need_cmd ffmpeg
need_cmd gst-launch-1.0
need_cmd python3
need_cmd ip
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for a network namespace" >&2; exit 77; }
NS="rgmc$$"
ip netns add "$NS" 2> /dev/null || { echo "SKIP: cannot create a network namespace" >&2; exit 77; }
_mc_cleanup() { # delete the namespace, then lib.sh's cleanup (which exits)
  local rc=$?
  ip netns del "$NS" 2> /dev/null
  (exit $rc)
  _cleanup
}
trap _mc_cleanup EXIT
ip -n "$NS" link set lo up
ip -n "$NS" link add mc0 type veth peer name mc1 || fail "cannot create a veth pair in $NS"
ip -n "$NS" link set mc0 up multicast on
ip -n "$NS" link set mc1 up
ip -n "$NS" addr add 10.77.0.1/24 dev mc0
ip -n "$NS" route add 224.0.0.0/4 dev mc0
NX="ip netns exec $NS"

cat > "$TEST_DIR/conf.ini" << CONF
[server]
listen = 10.77.0.1:8554
multicast_range = 239.255.0.0/16
multicast_ttl = 3
multicast_port = 40000
[path test]
source = $TESTSRC
CONF
$NX "$RTSPGATE" serve -c "$TEST_DIR/conf.ini" -v > "$TEST_DIR/server.out" 2> "$SERVER_LOG" &
SERVER_PID=$!
track_pid $SERVER_PID
wait_log "listening on rtsp://" 10 || fail "server did not start in the namespace: $(tail -n 3 "$SERVER_LOG")"
U="rtsp://10.77.0.1:8554/test"

# 1. the Transport answer
$NX python3 - > "$TEST_DIR/setup.out" 2>&1 << 'PY' || fail "raw multicast SETUP: $(cat "$TEST_DIR/setup.out")"
import socket, sys, re
s = socket.create_connection(("10.77.0.1", 8554), timeout=10)
s.sendall(b"SETUP rtsp://10.77.0.1:8554/test/trackID=1 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP;multicast\r\n\r\n")
buf = b""
while b"\r\n\r\n" not in buf:
    d = s.recv(4096)
    if not d:
        break
    buf += d
print(buf.decode())
m = re.search(rb"\r\nTransport: ([^\r]*)", buf)
if not buf.startswith(b"RTSP/1.0 200") or not m:
    sys.exit("want 200 with Transport")
t = m.group(1)
for want in (b"RTP/AVP", b"multicast", b"destination=239.255.0.2", b"port=40002-40003", b"ttl=3"):
    if want not in t.split(b";"):
        sys.exit("Transport %r lacks %r" % (t, want))
PY

# 2. two ffmpeg viewers share one sender
$NX timeout 30 ffmpeg -hide_banner -nostdin -loglevel warning -rtsp_transport udp_multicast \
  -i "$U" -frames:v 120 -f framecrc - > "$TEST_DIR/crc1" 2> "$TEST_DIR/ff1.err" &
F1=$!
track_pid $F1
wait_log "path test: multicast started" 15 || fail "multicast sender not started for the first viewer"
$NX timeout 30 ffmpeg -hide_banner -nostdin -loglevel warning -rtsp_transport udp_multicast \
  -i "$U" -frames:v 45 -f framecrc - > "$TEST_DIR/crc2" 2> "$TEST_DIR/ff2.err" ||
  fail "second ffmpeg udp_multicast viewer failed: $(tail -n 3 "$TEST_DIR/ff2.err")"
wait $F1 || fail "first ffmpeg udp_multicast viewer failed: $(tail -n 3 "$TEST_DIR/ff1.err")"
v1=$(count_frames "$TEST_DIR/crc1" 0)
v2=$(count_frames "$TEST_DIR/crc2" 0)
echo "ffmpeg udp_multicast: $v1 and $v2 video frames"
[ "$v1" -ge 120 ] || fail "first multicast viewer decoded $v1 frames, want >= 120"
[ "$v2" -ge 45 ] || fail "second multicast viewer decoded $v2 frames, want >= 45"
n=$(grep -c "path test: multicast started" "$SERVER_LOG")
[ "$n" -eq 1 ] || fail "multicast sender started $n times for two overlapping viewers, want 1"
wait_log "multicast stopped \(no multicast viewer left\) sent_packets=[1-9]" 10 ||
  fail "multicast sender not stopped (with packets sent) after the last viewer"
grep -cE "session [^ ]+ opened: .*transport=MULTICAST" "$SERVER_LOG" | grep -q "^[3-9]" ||
  fail "want 3 MULTICAST sessions logged (raw SETUP + 2 ffmpeg)"

# 3. GStreamer
VFRAME=$((320 * 240 * 3 / 2))
$NX timeout 25 gst-launch-1.0 -e rtspsrc location="$U" protocols=udp-mcast latency=300 ! \
  "application/x-rtp,media=video" ! rtph264depay ! h264parse ! avdec_h264 ! \
  "video/x-raw,format=I420,width=320,height=240" ! identity eos-after=31 ! \
  filesink location="$TEST_DIR/video.i420" > "$TEST_DIR/gst.out" 2>&1
vbytes=$(stat -c %s "$TEST_DIR/video.i420" 2> /dev/null || echo 0)
echo "gst udp-mcast: $((vbytes / VFRAME)) video frames"
grep -q "Got EOS from element \"pipeline0\"" "$TEST_DIR/gst.out" ||
  fail "gst protocols=udp-mcast did not reach EOS; tail: $(tail -n 6 "$TEST_DIR/gst.out")"
[ $((vbytes / VFRAME)) -ge 30 ] || fail "gst udp-mcast decoded $((vbytes / VFRAME)) frames, want >= 30"
stop_server
echo "multicast: ok"
