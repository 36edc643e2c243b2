#!/usr/bin/env bash
# rtspgate probe when a firewall drops the RTP/UDP media: in a network
# namespace of its own (unique name, deleted on exit) the server's outgoing
# UDP is dropped by iptables. probe must report "SETUP accepted, 0 packets",
# blame a NAT or firewall, recommend -rtsp_transport tcp and exit 0 via TCP.
set -u
. "$(dirname "$0")/lib.sh"
need_cmd ip
need_cmd iptables
need_cmd python3
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for a network namespace" >&2; exit 77; }

NS="rgp2fw$$"
ip netns add "$NS" 2> /dev/null || { echo "SKIP: cannot create a network namespace" >&2; exit 77; }
cleanup_ns() { ip netns del "$NS" 2> /dev/null; }
trap 'cleanup_ns; _cleanup' EXIT
ip -n "$NS" link set lo up || fail "cannot bring lo up in $NS"
ip netns exec "$NS" iptables -A OUTPUT -p udp -j DROP || fail "iptables in $NS failed"

ip netns exec "$NS" "$RTSPGATE" serve --listen 127.0.0.1:0 -p cam=testsrc:size=320x240,fps=25 \
  > "$TEST_DIR/server.out" 2> "$SERVER_LOG" &
SERVER_PID=$!
track_pid "$SERVER_PID"
wait_file "$SERVER_LOG" "listening on rtsp://" 15 || fail "server did not start: $(cat "$SERVER_LOG")"
PORT=$(sed -n 's|.*listening on rtsp://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$SERVER_LOG" | head -n 1)

timeout 25 ip netns exec "$NS" "$RTSPGATE" probe "rtsp://127.0.0.1:$PORT/cam" --seconds 2 \
  > "$TEST_DIR/text.out" 2> "$TEST_DIR/text.err"
rc=$?
[ $rc -eq 0 ] || fail "probe exited $rc, want 0 (TCP works): $(cat "$TEST_DIR/text.out" "$TEST_DIR/text.err")"
grep -q "^RTP/UDP: SETUP accepted, 0 packets in 2 s" "$TEST_DIR/text.out" ||
  fail "UDP loss not reported: $(cat "$TEST_DIR/text.out")"
grep -q "^Verdict:.*a NAT or firewall drops the negotiated UDP ports.*TCP interleaved: works" \
  "$TEST_DIR/text.out" || fail "verdict: $(grep Verdict "$TEST_DIR/text.out")"
grep -q "^Advice: *Use: ffmpeg -rtsp_transport tcp -i rtsp://127.0.0.1:$PORT/cam" "$TEST_DIR/text.out" ||
  fail "advice: $(grep Advice "$TEST_DIR/text.out")"

timeout 25 ip netns exec "$NS" "$RTSPGATE" probe "rtsp://127.0.0.1:$PORT/cam" --seconds 1 --json \
  > "$TEST_DIR/probe.json" 2> "$TEST_DIR/json.err"
rc=$?
[ $rc -eq 0 ] || fail "probe --json exited $rc"
python3 - "$TEST_DIR/probe.json" <<'PY' || fail "JSON: $(cat "$TEST_DIR/probe.json")"
import json, sys
j = json.load(open(sys.argv[1]))
t = {x["name"]: x for x in j["transports"]}
u, c = t["udp"], t["tcp"]
assert u["setup_status"] == 200 and u["playing"] and u["packets"] == 0 and not u["works"], u
assert u["first_rtp_ms"] is None
assert c["works"] and c["packets"] > 0, c
assert "-rtsp_transport tcp" in j["advice"]
PY
stop_server
echo PASS
