#!/usr/bin/env bash
# The client role over RTP/AVP;multicast, on a LAN this test builds: a camera
# namespace (gst-rtsp-server testcam with an address pool, and rtspgate serve
# with multicast_range) and a viewer namespace, joined by a veth pair with
# 224.0.0.0/4 routed on it.
# - two rtspgate pull -t multicast at once from the camera share its group
#   (SO_REUSEADDR) and each records a file ffprobe decodes;
# - pull -t multicast from rtspgate serve records a file;
# - a relay path (rtspgate serve in the viewer namespace) with
#   source_transport = multicast feeds an ffmpeg viewer;
# - probe --json reports multicast and the HTTP tunnel working on the camera;
# - after the pulls, the viewer namespace has no membership left in the group.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay_lib.sh"
. "$(dirname "$0")/pull_lib.sh"
need_cmd ffmpeg
need_cmd ffprobe
need_cmd python3
need_cmd ip
need_testcam
[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
CNS="rgcmc$$"
VNS="rgcmv$$"
ip netns add "$CNS" 2> /dev/null || skip "cannot create a network namespace"
at_exit ip netns del "$CNS" 2> /dev/null
ip netns add "$VNS" || fail "cannot create a second network namespace"
at_exit ip netns del "$VNS" 2> /dev/null
ip -n "$CNS" link set lo up
ip -n "$VNS" link set lo up
ip -n "$CNS" link add mca type veth peer name mcb netns "$VNS" || fail "cannot create a veth pair"
ip -n "$CNS" link set mca up multicast on
ip -n "$VNS" link set mcb up multicast on
ip -n "$CNS" addr add 10.79.0.1/24 dev mca
ip -n "$VNS" addr add 10.79.0.2/24 dev mcb
ip -n "$CNS" route add 224.0.0.0/4 dev mca
ip -n "$VNS" route add 224.0.0.0/4 dev mcb
CX="ip netns exec $CNS"
VX="ip netns exec $VNS"

frames() { # FILE: video frames ffprobe decodes
  ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames \
    -of csv=p=0 "$1" 2> /dev/null | head -n 1
}

$CX "$TESTCAM" --bind 10.79.0.1 --port 0 --no-audio --width 320 --height 240 \
  --multicast 239.255.42.7 > "$TEST_DIR/testcam.log" 2>&1 &
track_pid $!
wait_file "$TEST_DIR/testcam.log" "^testcam listening on rtsp://" 10 ||
  fail "testcam did not start in $CNS: $(tail -n 3 "$TEST_DIR/testcam.log")"
CAM=$(sed -n 's/^testcam listening on \(rtsp:[^ ]*\).*/\1/p' "$TEST_DIR/testcam.log" | head -n 1)

cat > "$TEST_DIR/cam.ini" << CONF
[server]
listen = 10.79.0.1:0
multicast_range = 239.255.43.0/24
multicast_port = 46000
[path test]
source = $TESTSRC
CONF
$CX "$RTSPGATE" serve -c "$TEST_DIR/cam.ini" -v > "$TEST_DIR/cam.out" 2> "$TEST_DIR/camsrv.log" &
track_pid $!
wait_file "$TEST_DIR/camsrv.log" "listening on rtsp://" 10 || fail "serve did not start in $CNS"
SPORT=$(sed -n 's|.*listening on rtsp://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$TEST_DIR/camsrv.log" | head -n 1)

cat > "$TEST_DIR/relay.ini" << CONF
[path relay]
source = $CAM
source_transport = multicast
CONF
$VX "$RTSPGATE" serve --listen 127.0.0.1:0 -c "$TEST_DIR/relay.ini" -v > "$TEST_DIR/relay.out" \
  2> "$SERVER_LOG" &
SERVER_PID=$!
track_pid $SERVER_PID
wait_log "listening on rtsp://" 10 || fail "relay serve did not start in $VNS"
RPORT=$(sed -n 's|.*listening on rtsp://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$SERVER_LOG" | head -n 1)

# two viewers of the camera's group at once, one of rtspgate serve's, the relay
$VX "$RTSPGATE" pull "$CAM" -t multicast -o "$TEST_DIR/m1.ts" --duration 2 -v 2> "$TEST_DIR/m1.log" &
P1=$!
track_pid $P1
$VX "$RTSPGATE" pull "$CAM" -t multicast -o "$TEST_DIR/m2.ts" --duration 2 -v 2> "$TEST_DIR/m2.log" &
P2=$!
track_pid $P2
$VX "$RTSPGATE" pull "rtsp://10.79.0.1:$SPORT/test" -t multicast -o "$TEST_DIR/s.ts" --duration 2 \
  2> "$TEST_DIR/s.log" &
P3=$!
track_pid $P3
$VX timeout 30 ffmpeg -hide_banner -loglevel error -rtsp_transport tcp \
  -i "rtsp://127.0.0.1:$RPORT/relay" -t 2 -f framecrc - > "$TEST_DIR/relay.crc" 2> "$TEST_DIR/relay.err" ||
  fail "ffmpeg viewer of the multicast relay failed: $(tail -n 3 "$TEST_DIR/relay.err")"
for p in $P1 $P2 $P3; do
  pull_wait $p 25
  [ "$PULL_RC" = 0 ] || fail "a multicast pull exited $PULL_RC: $(tail -n 3 "$TEST_DIR"/m1.log "$TEST_DIR"/m2.log "$TEST_DIR"/s.log)"
done
for f in m1 m2 s; do
  n=$(frames "$TEST_DIR/$f.ts")
  echo "pull -t multicast ($f): ${n:-0} video frames"
  [ "${n:-0}" -ge 45 ] || fail "$f: ${n:-0} frames over multicast, want >= 45: $(tail -n 3 "$TEST_DIR/$f.log")"
done
grep -q "joined multicast group 239.255.42.7 ports 45000-45001 (ttl 1) on 10.79.0.2" "$TEST_DIR/m1.log" ||
  fail "pull did not join the camera's group on the veth: $(grep -i multicast "$TEST_DIR/m1.log")"
grep -q "transport RTP/UDP multicast (asked for with -t)" "$TEST_DIR/m2.log" || fail "pull did not say multicast"
grep -q "path test: multicast started" "$TEST_DIR/camsrv.log" || fail "rtspgate serve sent no multicast"
v=$(count_frames "$TEST_DIR/relay.crc" 0)
echo "relay over multicast: viewer decoded $v frames"
[ "$v" -ge 45 ] || fail "viewer of the multicast relay decoded $v frames, want >= 45"
grep -q "upstream playing over RTP/UDP multicast" "$SERVER_LOG" || fail "relay upstream not multicast"

# the relay still holds its membership; stop it, then nobody in the viewer
# namespace is in a group any more
$VX cat /proc/net/igmp > "$TEST_DIR/igmp.before"
grep -qi "072AFFEF" "$TEST_DIR/igmp.before" ||
  fail "the relay is not in 239.255.42.7: $(cat "$TEST_DIR/igmp.before")"
stop_server
$VX cat /proc/net/igmp > "$TEST_DIR/igmp.after"
grep -qi "072AFFEF" "$TEST_DIR/igmp.after" && fail "a group membership outlived its session: $(cat "$TEST_DIR/igmp.after")"

# probe: multicast and the HTTP tunnel on the camera (alone now: gst-rtsp-server
# 1.22 can abort in gst_rtsp_media_get_rates when a TCP PLAY joins a shared
# media that a multicast session is using)
$VX timeout 30 "$RTSPGATE" probe "$CAM" --seconds 1 --json > "$TEST_DIR/probe.json" 2> "$TEST_DIR/probe.err" ||
  fail "probe exited $?: $(cat "$TEST_DIR/probe.err")"
python3 - "$TEST_DIR/probe.json" << 'PY' || fail "probe JSON: $(cat "$TEST_DIR/probe.json")"
import json, sys
j = json.load(open(sys.argv[1]))
t = {x["name"]: x for x in j["transports"]}
for n in ("multicast", "http_tunnel", "udp", "tcp"):
    x = t[n]
    assert x["tried"] and x["works"] and x["setup_status"] == 200 and x["packets"] > 20, x
    assert x["first_rtp_ms"] is not None and x["bitrate_kbps"] > 50, x
PY

echo "client multicast: ok"
