#!/usr/bin/env bash
# rtspgate probe against a GStreamer RTSP camera (tests/gsttools/testcam) that
# only speaks RTP/UDP: TCP interleaved is refused with 461, the verdict says
# so and recommends UDP; exit 0. Its H.264 SPS gives the resolution.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay_lib.sh"
need_cmd python3
need_testcam

start_testcam --udp-only --no-audio --path cheap
timeout 25 "$RTSPGATE" probe "$CAM_URL" --seconds 2 > "$TEST_DIR/text.out" 2> "$TEST_DIR/text.err"
rc=$?
[ $rc -eq 0 ] || fail "probe exited $rc, want 0 (UDP works): $(cat "$TEST_DIR/text.out" "$TEST_DIR/text.err")"
grep -q "^RTP/UDP: works" "$TEST_DIR/text.out" || fail "UDP not working: $(cat "$TEST_DIR/text.out")"
grep -q "^TCP interleaved: SETUP refused (461 " "$TEST_DIR/text.out" ||
  fail "461 to TCP not reported: $(cat "$TEST_DIR/text.out")"
grep -q "^Advice: *Use: ffmpeg -rtsp_transport udp -i $CAM_URL" "$TEST_DIR/text.out" ||
  fail "advice: $(grep Advice "$TEST_DIR/text.out")"
grep -q "H264/90000.*[0-9]x[0-9]" "$TEST_DIR/text.out" || fail "no H.264 size: $(cat "$TEST_DIR/text.out")"

timeout 25 "$RTSPGATE" probe "$CAM_URL" --seconds 1 --json > "$TEST_DIR/probe.json" 2> "$TEST_DIR/json.err"
rc=$?
[ $rc -eq 0 ] || fail "probe --json exited $rc"
python3 - "$TEST_DIR/probe.json" <<'PY' || fail "JSON: $(cat "$TEST_DIR/probe.json")"
import json, sys
j = json.load(open(sys.argv[1]))
t = {x["name"]: x for x in j["transports"]}
assert t["udp"]["works"] and t["udp"]["setup_status"] == 200, t["udp"]
assert t["tcp"]["setup_status"] == 461 and not t["tcp"]["works"], t["tcp"]
assert "-rtsp_transport udp" in j["advice"]
assert j["tracks"][0]["codec"] == "H264" and j["tracks"][0]["width"] > 0
PY
echo PASS
