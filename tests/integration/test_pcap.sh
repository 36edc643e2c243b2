#!/usr/bin/env bash
# rtspgate pcap on captures this test makes itself with dumpcap on loopback.
#  1. pcap format, Ethernet link type: ffmpeg with user:password over TCP
#     interleaved to an rtspgate path that needs a user (401, then Digest
#     accepted, 2 tracks flowing), then the same with a wrong password, then
#     over an RTSP-over-HTTP tunnel: the verdict says "401 then Digest
#     accepted", the interleaved stream is OK, exit 0; the second conversation
#     says the retry was refused; the tunnel's GET and POST legs make the
#     third conversation, which delivered media.
#  2. pcapng, `-i any` with Linux cooked v2 (SLL2) headers: a UDP-only
#     GStreamer camera refuses interleaved with 461 (ffmpeg -rtsp_transport
#     tcp), then plays over RTP/UDP: the 461 conversation's verdict and advice
#     (use UDP), the UDP conversation's flows matched to its ports.
#  3. damaged files: cut in the middle of a packet (analysed up to the damage,
#     warning naming the packet and the offset), cut before any conversation,
#     a corrupt packet header, not a capture, empty, missing: exit 2 with a
#     message naming the file and what is wrong; never a crash.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay_lib.sh"
. "$(dirname "$0")/pcap_lib.sh"
need_cmd ffmpeg
need_cmd python3
need_capture

# ---- 1. 401 then Digest, TCP interleaved; pcap format ----
cat > "$TEST_DIR/auth.conf" <<CONF
[user alice]
password = wonderland
[path cam]
source = testsrc:size=320x240,fps=30,gop=15
read_users = alice
CONF
start_server -c "$TEST_DIR/auth.conf"
capture_start "$TEST_DIR/auth.pcap" -i lo -P -f "port $PORT"
timeout 15 ffmpeg -nostdin -hide_banner -loglevel error -rtsp_transport tcp \
  -i "rtsp://alice:wonderland@127.0.0.1:$PORT/cam" -t 2 -map 0:v -f framecrc - \
  > "$TEST_DIR/ok.crc" 2> "$TEST_DIR/ok.err"
n=$(count_frames "$TEST_DIR/ok.crc" 0)
[ "$n" -ge 30 ] || fail "ffmpeg with the right password decoded $n frames: $(cat "$TEST_DIR/ok.err")"
timeout 15 ffmpeg -nostdin -hide_banner -loglevel error -rtsp_transport tcp \
  -i "rtsp://alice:nope@127.0.0.1:$PORT/cam" -t 1 -f null - > /dev/null 2>&1 &&
  fail "ffmpeg with a wrong password succeeded"
# the same over an RTSP-over-HTTP tunnel (GET and POST legs on the RTSP port)
timeout 15 ffmpeg -nostdin -hide_banner -loglevel error -rtsp_transport http \
  -i "rtsp://alice:wonderland@127.0.0.1:$PORT/cam" -t 1 -map 0:v -f framecrc - \
  > "$TEST_DIR/http.crc" 2> "$TEST_DIR/http.err"
nh=$(count_frames "$TEST_DIR/http.crc" 0)
[ "$nh" -ge 10 ] || fail "ffmpeg over the HTTP tunnel decoded $nh frames: $(cat "$TEST_DIR/http.err")"
capture_stop 127.0.0.1 "$PORT"
stop_server

run_pcap auth "$TEST_DIR/auth.pcap"
out="$TEST_DIR/auth.out"
[ "$PCAP_RC" = 0 ] || fail "pcap exited $PCAP_RC on the interleaved capture, want 0: $(cat "$out" "$TEST_DIR/auth.err")"
grep -q "^File: .*auth.pcap (pcap, Ethernet, [0-9]* packets" "$out" || fail "file line: $(head -1 "$out")"
grep -qE "^ +[0-9.]+ C->S DESCRIBE rtsp://127.0.0.1:$PORT/cam CSeq [0-9]+ -> 401 Unauthorized .*\[WWW-Authenticate: Digest SHA-256, Digest\]" "$out" ||
  fail "no 401 line with the schemes: $(cat "$out")"
grep -qE "C->S DESCRIBE .*\[Authorization: Digest\] -> 200 OK" "$out" || fail "no authorised DESCRIBE: $(cat "$out")"
grep -q "offered:  RTP/AVP/TCP;unicast;interleaved=0-1" "$out" || fail "offered transport: $(cat "$out")"
grep -q "answered: 200 OK, RTP/AVP/TCP;unicast;interleaved=0-1" "$out" || fail "answered transport: $(cat "$out")"
grep -qE "^  Verdict:  401 then Digest accepted\. interleaved: 2 tracks, [0-9]+ RTP packets, [0-9.]+ Mbit/s, [0-9]+ fps, lost 0, .*: stream OK\." "$out" ||
  fail "verdict of the good conversation: $(grep Verdict "$out")"
grep -q "401 (Digest SHA-256, Digest offered), then Digest refused (401 again): wrong user or password." "$out" ||
  fail "wrong password not reported: $(grep Verdict "$out")"
grep -qE "^Conversation 3: RTSP over HTTP tunnel 127.0.0.1:[0-9]+ -> 127.0.0.1:$PORT" "$out" ||
  fail "the HTTP tunnel is not a conversation: $(grep Conversation "$out")"
grep -qE "^  Verdict:  401 then Digest accepted\. interleaved \(HTTP tunnel\): [12] tracks?, [0-9]+ RTP packets, .*: stream OK\." "$out" ||
  fail "verdict of the tunnelled conversation: $(grep Verdict "$out")"
grep -q "^Verdict:   3 RTSP conversations, 2 delivered media. Conversation 1: 401 then Digest accepted" "$out" ||
  fail "overall verdict: $(grep '^Verdict' "$out")"
grep -q "^Advice:    Media flowed over TCP interleaved: nothing to change." "$out" || fail "advice: $(grep '^Advice' "$out")"

run_pcap authjson "$TEST_DIR/auth.pcap" --json
[ "$PCAP_RC" = 0 ] || fail "pcap --json exited $PCAP_RC"
python3 - "$TEST_DIR/authjson.out" "$n" <<'PY' || fail "JSON: $(cat "$TEST_DIR/authjson.out")"
import json, sys
j = json.load(open(sys.argv[1]))
frames = int(sys.argv[2])
assert j["format"] == "pcap" and j["link_type"] == 1 and j["exit_status"] == 0, j
c1, c2, c3 = j["conversations"]
assert c3["kind"] == "http_tunnel" and c3["delivered"] and c3["setups"][0]["media"]["rtp_packets"] > 0, c3
assert c1["delivered"] and not c2["delivered"]
assert c1["whole_connection"] and c1["url"].endswith("/cam")
ex = c1["exchanges"]
assert [e["method"] for e in ex[:3]] == ["OPTIONS", "DESCRIBE", "DESCRIBE"], ex
assert ex[1]["status"] == 401 and ex[1]["www_authenticate"].startswith("Digest")
assert ex[2]["authorization"] == "Digest" and ex[2]["status"] == 200
assert ex[2]["t_response"] >= ex[2]["t_request"] >= ex[1]["t_response"]
s = c1["setups"]
assert len(s) == 2 and all(x["transport"] == "tcp" and x["status"] == 200 for x in s), s
v = s[0]["media"]
# every frame ffmpeg decoded came in RTP on channel 0
assert v["rtp_packets"] >= frames and v["lost"] == 0 and v["rtcp_sr"], v
assert 29 <= v["fps"] <= 31, v  # from the RTP clock: the source's 30 fps
chans = {(c["channel"], c["direction"]) for c in c1["channels"]}
assert (0, "s2c") in chans and (2, "s2c") in chans, chans
assert "refused (401 again)" in c2["verdict"]
PY

# ---- 2. 461 from a UDP-only camera, then RTP/UDP; pcapng, SLL2 ----
need_testcam
start_testcam --udp-only --no-audio --path cheap --width 320 --height 240 --fps 15
# ffmpeg's UDP ports from a range of this run's own, so that the filter keeps
# other tests' UDP traffic (loopback is shared) out of the capture
lo_port=$((20000 + ($$ % 400) * 100))
capture_start "$TEST_DIR/cam.pcapng" -i any -y LINUX_SLL2 \
  -f "port $CAM_PORT or (udp and portrange $lo_port-$((lo_port + 99)))"
timeout 15 ffmpeg -nostdin -hide_banner -loglevel error -rtsp_transport tcp -i "$CAM_URL" -t 1 \
  -f null - > /dev/null 2> "$TEST_DIR/461.err" && fail "ffmpeg over TCP to a UDP-only camera succeeded"
timeout 15 ffmpeg -nostdin -hide_banner -loglevel error -rtsp_transport udp \
  -min_port $lo_port -max_port $((lo_port + 99)) -i "$CAM_URL" -t 2 \
  -map 0:v -f framecrc - > "$TEST_DIR/udp.crc" 2> "$TEST_DIR/udp.err"
n=$(count_frames "$TEST_DIR/udp.crc" 0)
[ "$n" -ge 15 ] || fail "ffmpeg over UDP decoded $n frames: $(cat "$TEST_DIR/udp.err")"
capture_stop 127.0.0.1 "$lo_port"

run_pcap cam "$TEST_DIR/cam.pcapng"
out="$TEST_DIR/cam.out"
[ "$PCAP_RC" = 0 ] || fail "pcap exited $PCAP_RC, want 0 (the UDP session delivered): $(cat "$out" "$TEST_DIR/cam.err")"
grep -q "^File: .*cam.pcapng (pcapng, Linux cooked v2 (SLL2)" "$out" || fail "file line: $(head -1 "$out")"
grep -q "answered: 461 Unsupported transport" "$out" || grep -q "answered: 461 " "$out" ||
  fail "no 461 answer listed: $(cat "$out")"
grep -q "^  Verdict:  SETUP RTP/AVP/TCP answered 461 .*: the server refuses interleaved (TCP)\." "$out" ||
  fail "461 verdict: $(grep Verdict "$out")"
grep -q "^  Advice:   461: the camera refuses interleaved, use UDP: ffmpeg -rtsp_transport udp -i ${CAM_URL%/}" "$out" ||
  fail "461 advice: $(grep Advice "$out")"
grep -qE "^  Verdict:  RTP/UDP: 1 track, [0-9]+ RTP packets, .*: stream OK\." "$out" ||
  fail "UDP verdict: $(grep Verdict "$out")"

run_pcap camjson "$TEST_DIR/cam.pcapng" --json
python3 - "$TEST_DIR/camjson.out" "$n" <<'PY' || fail "JSON: $(cat "$TEST_DIR/camjson.out")"
import json, sys
j = json.load(open(sys.argv[1]))
frames = int(sys.argv[2])
assert j["format"] == "pcapng" and j["link_type"] == 276, j["link_type"]
c461, cudp = j["conversations"]
s = c461["setups"][0]
assert s["status"] == 461 and s["transport"] == "tcp" and "interleaved" in s["offered"], s
assert not c461["delivered"] and "-rtsp_transport udp" in c461["advice"]
u = cudp["setups"][0]
assert u["transport"] == "udp" and u["status"] == 200 and "server_port=" in u["answered"], u
assert u["media"]["rtp_packets"] >= frames and u["udp_flows"] >= 1 and not u["nat"], u
assert u["reverse_packets"] >= 1, u  # ffmpeg's punch packets / receiver reports
assert cudp["delivered"] and j["exit_status"] == 0
PY

# ---- 3. damaged files ----
good="$TEST_DIR/auth.pcap"
size=$(stat -c %s "$good")
# cut in the middle of the last packets: analysed up to there, with a warning
head -c $((size - 700)) "$good" > "$TEST_DIR/cut.pcap"
run_pcap cut "$TEST_DIR/cut.pcap"
[ "$PCAP_RC" = 0 ] || fail "a capture cut near its end: exit $PCAP_RC, want 0 (media before the cut): $(cat "$TEST_DIR/cut.err")"
grep -qE "^rtspgate pcap: warning: .*cut.pcap: damaged at packet [0-9]+ \(its record starts at file offset [0-9]+\): .*truncated.*; analysed the [0-9]+ packets before it" "$TEST_DIR/cut.err" ||
  fail "no warning for the cut file: $(cat "$TEST_DIR/cut.err")"
grep -q "^Warning:   .*damaged at packet" "$TEST_DIR/cut.out" || fail "the report does not warn: $(head -3 "$TEST_DIR/cut.out")"
# cut inside the first packets: nothing usable
head -c 100 "$good" > "$TEST_DIR/short.pcap"
run_pcap short "$TEST_DIR/short.pcap"
[ "$PCAP_RC" = 2 ] || fail "a capture cut at 100 bytes: exit $PCAP_RC, want 2"
grep -q "short.pcap: damaged at packet 1 (its record starts at file offset 24): .*truncated" "$TEST_DIR/short.err" ||
  fail "message for the short file: $(cat "$TEST_DIR/short.err")"
grep -q "nothing usable before the damage" "$TEST_DIR/short.err" || fail "no 'nothing usable': $(cat "$TEST_DIR/short.err")"
# the same for pcapng
head -c 300 "$TEST_DIR/cam.pcapng" > "$TEST_DIR/short.pcapng"
run_pcap shortng "$TEST_DIR/short.pcapng"
[ "$PCAP_RC" = 2 ] || fail "a pcapng cut at 300 bytes: exit $PCAP_RC, want 2: $(cat "$TEST_DIR/shortng.err")"
grep -q "short.pcapng" "$TEST_DIR/shortng.err" || fail "message does not name the file: $(cat "$TEST_DIR/shortng.err")"
# a corrupt packet header: caplen 0x7fffff00 after a valid file header
{ head -c 24 "$good"; printf '\x01\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x7f\x00\xff\xff\x7f'; head -c 64 /dev/urandom; } > "$TEST_DIR/corrupt.pcap"
run_pcap corrupt "$TEST_DIR/corrupt.pcap"
[ "$PCAP_RC" = 2 ] || fail "corrupt packet header: exit $PCAP_RC, want 2"
grep -q "corrupt.pcap: damaged at packet 1" "$TEST_DIR/corrupt.err" || fail "corrupt: $(cat "$TEST_DIR/corrupt.err")"
# corrupt bytes in the middle of a pcapng: a block length broken
cp "$TEST_DIR/cam.pcapng" "$TEST_DIR/mid.pcapng"
printf '\xff\xff\xff\x7f' | dd of="$TEST_DIR/mid.pcapng" bs=1 seek=$(($(stat -c %s "$TEST_DIR/cam.pcapng") / 2)) conv=notrunc 2> /dev/null
run_pcap mid "$TEST_DIR/mid.pcapng"
[ "$PCAP_RC" -le 2 ] || fail "pcapng with garbage in the middle: exit $PCAP_RC"
# not a capture, empty, missing
head -c 4000 /dev/urandom > "$TEST_DIR/random.bin"
run_pcap random "$TEST_DIR/random.bin"
[ "$PCAP_RC" = 2 ] || fail "random bytes: exit $PCAP_RC, want 2"
grep -q "random.bin: not a readable pcap or pcapng file: " "$TEST_DIR/random.err" || fail "random: $(cat "$TEST_DIR/random.err")"
: > "$TEST_DIR/empty.pcap"
run_pcap empty "$TEST_DIR/empty.pcap"
[ "$PCAP_RC" = 2 ] && grep -q "empty.pcap: not a capture file: empty" "$TEST_DIR/empty.err" ||
  fail "empty file: exit $PCAP_RC: $(cat "$TEST_DIR/empty.err")"
run_pcap missing "$TEST_DIR/nosuch.pcap"
[ "$PCAP_RC" = 2 ] && grep -q "nosuch.pcap: No such file or directory" "$TEST_DIR/missing.err" ||
  fail "missing file: exit $PCAP_RC: $(cat "$TEST_DIR/missing.err")"
echo PASS
