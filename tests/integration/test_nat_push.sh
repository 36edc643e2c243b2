#!/usr/bin/env bash
# Publishing through the dual-NAT lab (tests/nat/lab.sh) with port-randomising
# NAT and NO port forward at router B: a UDP-only camera and rtspgate sit
# behind router B; `rtspgate push` publishes the camera over one outbound TCP
# connection to a public rtspgate on the Internet segment; the viewer behind
# router A decodes the camera there (ffmpeg and GStreamer, TCP). The camera
# site is unreachable from outside. Then router B's uplink is cut for 5 s
# and restored: the viewer keeps its session and gets frames again within
# the path's grace time.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay_lib.sh"
. "$SRC_DIR/tests/nat/lab.sh"
need_cmd ffmpeg
need_cmd gst-launch-1.0
need_cmd python3
need_testcam
lab_need

lab_up random noforward
lab_bg cam1 "$TEST_DIR/cam.log" "$TESTCAM" --bind 0.0.0.0 --port 554 --path live --codec h264 \
  --no-audio --udp-only --width 320 --height 240 --fps 15
cat > "$TEST_DIR/public.conf" <<CONF
[server]
listen = 0.0.0.0:8554
[user site1]
password = s1te-secret
[path site1/cam]
publish_users = site1
publish_grace = 30
CONF
SERVER_LOG="$TEST_DIR/public.log"
lab_bg outsider "$SERVER_LOG" "$RTSPGATE" serve -c "$TEST_DIR/public.conf" -v
public=$LAB_PID
wait_log "listening on rtsp://" 10 || fail "the public rtspgate did not start"
lab_bg gw "$TEST_DIR/push.log" "$RTSPGATE" push -v "rtsp://192.168.1.64:554/live" \
  "rtsp://site1:s1te-secret@203.0.113.10:8554/site1/cam"
push=$LAB_PID
wait_file "$TEST_DIR/push.log" "push .*recording 1 track" 20 || fail "push did not start recording: $(tail -5 "$TEST_DIR/push.log")"
wait_log "site1/cam: .*announced" 5 || fail "the public server did not log the announce"
grep -q "connection from 203.0.113.2:" "$SERVER_LOG" || fail "the publisher did not come from router B's public address"

# no port forward: nothing on the Internet reaches the camera site
lab_exec viewer python3 - <<'PY' || fail "router B answered an inbound connection"
import socket, sys
for port in (554, 8554, 1234):
    try:
        socket.create_connection(("203.0.113.2", port), timeout=1.5).close()
        sys.exit(1)
    except OSError:
        pass
PY

view() { # SECONDS OUT
  timeout $(($1 + 15)) ip netns exec "$LAB_ID-viewer" ffmpeg -hide_banner -nostdin -loglevel warning \
    -rtsp_transport tcp -i "rtsp://203.0.113.10:8554/site1/cam" -t "$1" -map 0:v -f framecrc - \
    > "$TEST_DIR/$2.crc" 2> "$TEST_DIR/$2.err"
}
view 3 v1
n=$(count_frames "$TEST_DIR/v1.crc" 0)
[ "$n" -ge 30 ] || fail "viewer behind router A: $n frames through the public rtspgate: $(tail -2 "$TEST_DIR/v1.err")"
echo "viewer behind NAT A decodes the camera behind NAT B (no forward) via push: $n frames"
timeout 20 ip netns exec "$LAB_ID-viewer" gst-launch-1.0 -e rtspsrc \
  location=rtsp://203.0.113.10:8554/site1/cam protocols=tcp ! rtph264depay ! h264parse ! avdec_h264 ! \
  identity eos-after=30 ! fakesink > "$TEST_DIR/gst.log" 2>&1
grep -q "Got EOS from element" "$TEST_DIR/gst.log" || fail "GStreamer via the public rtspgate: $(tail -3 "$TEST_DIR/gst.log")"
echo "GStreamer decoded 30 frames the same way"

# cut the uplink for 5 s while a viewer watches. The cut also drops router
# B's NAT state (MASQUERADE forgets its mappings when the link goes down), so
# the push connection is dead afterwards: push reconnects, its new ANNOUNCE
# replaces the silent old publisher, and the viewer, kept waiting by the
# path's publish_grace (30 s), gets frames again.
timeout 90 ip netns exec "$LAB_ID-viewer" ffmpeg -hide_banner -nostdin -loglevel warning \
  -rtsp_transport tcp -i "rtsp://203.0.113.10:8554/site1/cam" -t 60 -map 0:v -f framecrc - \
  > "$TEST_DIR/cut.crc" 2> "$TEST_DIR/cut.err" &
viewer=$!
track_pid $viewer
wait_file "$TEST_DIR/cut.crc" '^0, +30,' 15 || fail "the watching viewer did not start"
lab_uplink down
sleep 5
at_cut=$(count_frames "$TEST_DIR/cut.crc" 0)
lab_uplink up
t_up=$(date +%s)
resumed=""
for i in $(seq 150); do
  [ "$(count_frames "$TEST_DIR/cut.crc" 0)" -ge $((at_cut + 45)) ] && { resumed=$(($(date +%s) - t_up)); break; }
  kill -0 $viewer 2> /dev/null || break
  sleep 0.2
done
kill -TERM $viewer 2> /dev/null # timeout forwards TERM; a background job ignores INT
wait $viewer
end=$(count_frames "$TEST_DIR/cut.crc" 0)
[ -n "$resumed" ] || fail "the viewer did not get frames again within 30 s of the uplink coming back ($at_cut -> $end frames): $(tail -3 "$TEST_DIR/push.log")"
echo "uplink cut 5 s: the viewer kept its session and had 45 new frames ${resumed} s after the link came back ($at_cut -> $end)"
grep -E "session [0-9A-F]+ closed: .*peer=203\.0\.113\.1:.*reason=(timeout|no-publisher)" "$SERVER_LOG" &&
  fail "the viewer's session was closed during the cut"
kill -0 "$push" 2> /dev/null || fail "push exited"
kill -TERM "$public"
wait "$public" || fail "the public rtspgate did not stop cleanly"
kill -TERM "$push"
wait "$push" || fail "push did not stop cleanly: $(tail -3 "$TEST_DIR/push.log")"
grep -qE "runtime error:|AddressSanitizer" "$TEST_DIR/push.log" && fail "sanitizer report in push: $(grep -A5 -E 'runtime error:|AddressSanitizer' "$TEST_DIR/push.log")"
echo "nat push: ok"
