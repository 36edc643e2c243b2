#!/usr/bin/env bash
# rtspgate pcap on the classic failure, captured where the user would: in the
# dual-NAT lab (tests/nat/lab.sh, port-randomising NAT) ffmpeg behind router
# A asks rtspgate behind router B (one forwarded TCP port) for RTP/UDP. The
# control session works, the media never arrives. dumpcap runs on the
# viewer's interface (pcapng). The verdict must say UDP was negotiated
# (server_port), PLAY 200, 0 RTP packets to the client port, blame a NAT or
# firewall and advise TCP; exit status 1 (no conversation delivered media).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pcap_lib.sh"
. "$SRC_DIR/tests/nat/lab.sh"
need_cmd ffmpeg
need_cmd python3
need_capture
lab_need

lab_up random
printf '[server]\nlisten = 0.0.0.0:8554\n[path cam]\nsource = testsrc:size=320x240,fps=15,audio=0\n' \
  > "$TEST_DIR/gw.conf"
SERVER_LOG="$TEST_DIR/gw.log"
lab_bg gw "$SERVER_LOG" "$RTSPGATE" serve -c "$TEST_DIR/gw.conf" -v
gw=$LAB_PID
wait_log "listening on rtsp://" 15 || fail "rtspgate did not start in the lab"

CAP_NS="$LAB_ID-viewer"
capture_start "$TEST_DIR/viewer.pcapng" -i eth0
# ffmpeg waits for RTP that never comes: stop it after 3 s
timeout -s INT 3 ip netns exec "$LAB_ID-viewer" ffmpeg -nostdin -hide_banner -loglevel error \
  -rtsp_transport udp -i "rtsp://203.0.113.2:1234/cam" -t 2 -map 0:v -f framecrc - \
  > "$TEST_DIR/udp.crc" 2> "$TEST_DIR/udp.err"
n=$(count_frames "$TEST_DIR/udp.crc" 0)
[ "$n" -eq 0 ] || fail "RTP/UDP through the randomising NAT decoded $n frames, expected none"
grep -qE "session [0-9A-F]+ opened: peer=203\.0\.113\.1:[0-9]+ path=cam transport=UDP" "$SERVER_LOG" ||
  fail "the viewer's SETUP did not reach rtspgate"
capture_stop 203.0.113.2 9

run_pcap nat "$TEST_DIR/viewer.pcapng"
out="$TEST_DIR/nat.out"
[ "$PCAP_RC" = 1 ] || fail "pcap exited $PCAP_RC, want 1 (no media): $(cat "$out" "$TEST_DIR/nat.err")"
grep -q "^Conversation 1: RTSP 10.1.0.2:[0-9]* -> 203.0.113.2:1234 (whole connection)" "$out" ||
  fail "conversation line: $(grep Conversation "$out")"
grep -qE "^Verdict:   RTP/UDP: SETUP answered 200 with server_port [0-9]+-[0-9]+, PLAY 200, 0 RTP packets to client port [0-9]+ in [0-9.]+ s .*- a NAT or firewall drops the negotiated UDP ports\." "$out" ||
  fail "verdict: $(grep Verdict "$out")"
grep -q "^Advice:    Use TCP interleaved: ffmpeg -rtsp_transport tcp -i rtsp://203.0.113.2:1234/cam" "$out" ||
  fail "advice: $(grep Advice "$out")"

cat "$out"
run_pcap natjson "$TEST_DIR/viewer.pcapng" --json
python3 - "$TEST_DIR/natjson.out" <<'PY' || fail "JSON: $(cat "$TEST_DIR/natjson.out")"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["format"] == "pcapng" and j["link_type"] == 1 and j["exit_status"] == 1, j
(c,) = j["conversations"]
assert c["client"].startswith("10.1.0.2:") and c["server"] == "203.0.113.2:1234", c
assert c["play_status"] == 200 and not c["delivered"]
(s,) = c["setups"]
assert s["transport"] == "udp" and s["status"] == 200 and "server_port=" in s["answered"], s
assert s["media"]["rtp_packets"] == 0 and s["udp_flows"] == 0, s
# ffmpeg's NAT punch packets left the viewer towards the server ports
assert s["reverse_packets"] >= 1, s
assert "-rtsp_transport tcp" in j["advice"]
PY

kill -TERM "$gw"
wait "$gw" || fail "rtspgate exited with an error after SIGTERM"
_sanitizer_check || fail "sanitizer report in the lab server's log"
echo PASS
