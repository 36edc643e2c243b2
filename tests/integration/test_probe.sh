#!/usr/bin/env bash
# rtspgate probe against rtspgate serve: UDP, TCP and the HTTP tunnel deliver,
# multicast is refused (no multicast_range) and reported so, codec and
# resolution from the SPS, --json fields, Digest with --user/--password, a
# wrong password and a missing path give exit status 1 with the reason.
set -u
. "$(dirname "$0")/lib.sh"
need_cmd python3

conf="$TEST_DIR/probe.conf"
cat > "$conf" <<CONF
[user alice]
password = wonderland
[path cam]
source = testsrc:size=320x240,fps=25
[path locked]
source = testsrc:size=160x120,fps=15,audio=0
read_users = alice
CONF
start_server -c "$conf"

# text report
timeout 20 "$RTSPGATE" probe "$URL/cam" --seconds 1 > "$TEST_DIR/text.out" 2> "$TEST_DIR/text.err"
rc=$?
[ $rc -eq 0 ] || fail "probe of a working path exited $rc: $(cat "$TEST_DIR/text.out" "$TEST_DIR/text.err")"
grep -q "H264/90000 (pt 96), 320x240" "$TEST_DIR/text.out" || fail "no H.264 320x240 track: $(cat "$TEST_DIR/text.out")"
grep -q "25.00 fps" "$TEST_DIR/text.out" || fail "no 25 fps from the SPS: $(cat "$TEST_DIR/text.out")"
grep -q "^RTP/UDP: works" "$TEST_DIR/text.out" || fail "UDP not reported working: $(cat "$TEST_DIR/text.out")"
grep -q "^TCP interleaved: works" "$TEST_DIR/text.out" || fail "TCP not reported working"
grep -q "^Server: *rtspgate/" "$TEST_DIR/text.out" || fail "no Server header reported"
grep -q "^RTSP over HTTP tunnel: works" "$TEST_DIR/text.out" || fail "HTTP tunnel not reported working"
grep -q "^RTP/UDP multicast: SETUP refused (461" "$TEST_DIR/text.out" ||
  fail "multicast not reported refused: $(cat "$TEST_DIR/text.out")"

# JSON
timeout 20 "$RTSPGATE" probe "$URL/cam" --seconds 1 --json > "$TEST_DIR/probe.json" 2> "$TEST_DIR/json.err"
rc=$?
[ $rc -eq 0 ] || fail "probe --json exited $rc: $(cat "$TEST_DIR/json.err")"
python3 - "$TEST_DIR/probe.json" <<'PY' || fail "JSON check failed: $(cat "$TEST_DIR/probe.json")"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["server"].startswith("rtspgate/"), j["server"]
assert j["auth"] == "none"
assert "SETUP" in j["public"] and j["describe_status"] == 200
v = j["tracks"][0]
assert (v["media"], v["codec"], v["width"], v["height"]) == ("video", "H264", 320, 240), v
assert abs(v["fps"] - 25) < 0.01 and v["profile"] and v["clock_rate"] == 90000
assert j["tracks"][1]["codec"].upper() == "MPEG4-GENERIC"
t = {x["name"]: x for x in j["transports"]}
for n in ("udp", "tcp", "http_tunnel"):
    x = t[n]
    assert x["tried"] and x["works"] and x["setup_status"] == 200 and x["playing"], x
    # 1 s of 25 fps video plus audio
    assert x["packets"] > 25 and x["bytes"] > 10000 and x["bitrate_kbps"] > 50, x
    assert x["lost"] == 0 and x["duplicates"] == 0 and x["rtcp_sr"] and x["timestamps_ok"], x
    assert x["first_rtp_ms"] is not None and x["first_rtp_ms"] < 2000, x
m = t["multicast"]
assert m["tried"] and not m["works"] and m["setup_status"] == 461 and not m["playing"], m
assert j["exit_status"] == 0 and "-rtsp_transport" in j["advice"]
PY

# Digest: credentials by option, then none, then a wrong password
timeout 20 "$RTSPGATE" probe "$URL/locked" --seconds 1 --json --user alice --password wonderland \
  > "$TEST_DIR/auth.json" 2> "$TEST_DIR/auth.err"
rc=$?
[ $rc -eq 0 ] || fail "probe with Digest credentials exited $rc: $(cat "$TEST_DIR/auth.json" "$TEST_DIR/auth.err")"
python3 - "$TEST_DIR/auth.json" <<'PY' || fail "Digest JSON: $(cat "$TEST_DIR/auth.json")"
import json, sys
j = json.load(open(sys.argv[1]))
assert "Digest" in j["auth"], j["auth"]
assert "alice" not in (j["url"] or "") and "wonderland" not in j["advice"]
assert j["tracks"][0]["width"] == 160 and len(j["tracks"]) == 1
assert any(x["works"] for x in j["transports"])
PY
timeout 20 "$RTSPGATE" probe "$URL/locked" --seconds 1 > "$TEST_DIR/noauth.out" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "probe without credentials exited $rc, want 1"
grep -q "^Auth: *Digest" "$TEST_DIR/noauth.out" || fail "auth scheme not reported: $(cat "$TEST_DIR/noauth.out")"
grep -q "^Advice:.*user and password" "$TEST_DIR/noauth.out" || fail "no credentials advice: $(cat "$TEST_DIR/noauth.out")"
timeout 20 "$RTSPGATE" probe "rtsp://alice:nope@127.0.0.1:$PORT/locked" --seconds 1 > "$TEST_DIR/bad.out" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "probe with a wrong password exited $rc, want 1"
grep -q "authentication failed" "$TEST_DIR/bad.out" || fail "wrong password not explained: $(cat "$TEST_DIR/bad.out")"

# a missing path
timeout 20 "$RTSPGATE" probe "$URL/nope" --seconds 1 > "$TEST_DIR/404.out" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "probe of a missing path exited $rc, want 1"
grep -q "404" "$TEST_DIR/404.out" || fail "404 not reported: $(cat "$TEST_DIR/404.out")"
# usage errors
"$RTSPGATE" probe > /dev/null 2>&1
[ $? -eq 2 ] || fail "probe without a URL should exit 2"
"$RTSPGATE" probe http://x/ > /dev/null 2>&1
[ $? -eq 2 ] || fail "probe of an http:// URL should exit 2"

stop_server
echo PASS
