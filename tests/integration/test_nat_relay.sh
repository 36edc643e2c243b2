#!/usr/bin/env bash
# The relay through the dual-NAT lab (tests/nat/lab.sh), once with
# port-preserving NAT and once with port-randomising NAT on both routers.
# Two UDP-only cameras (gst-rtsp-server, interleaved refused with 461) sit
# with rtspgate behind router B, which forwards only TCP 1234 to rtspgate;
# the viewer sits behind router A.
#
#  - rtspgate pulls both cameras over UDP on the camera LAN;
#  - the viewer decodes both cameras through the one forwarded port over
#    TCP interleaved (ffmpeg, and GStreamer for one), in both NAT modes;
#  - RTP/UDP through the forwarded port: with port-randomising NAT the
#    control session works (SETUP and PLAY answered) but no media arrives —
#    the premise of the project. With port-preserving NAT it works by
#    accident: ffmpeg's NAT punch packets from its client ports open router
#    A's mapping for exactly the ports rtspgate sends to, and router B keeps
#    rtspgate's source port, so the packets match the mapping;
#  - cam2 has `allow = 203.0.113.1` (router A's public address): a host on
#    the Internet with another address gets 403, the viewer gets the stream.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay_lib.sh"
. "$SRC_DIR/tests/nat/lab.sh"
need_cmd ffmpeg
need_cmd gst-launch-1.0
need_testcam
lab_need

# view HOST TRANSPORT PATH SECONDS OUT: ffmpeg in HOST decodes SECONDS of the
# path through router B's forwarded port, in the background (VIEW_PIDS);
# leaves OUT.crc/.err. It gives up after 5 s without packets (-timeout).
VIEW_PIDS=()
view() {
  timeout $(($4 + 15)) ip netns exec "$LAB_ID-$1" ffmpeg -hide_banner -nostdin -loglevel warning \
    -timeout 5000000 -rtsp_transport "$2" -i "rtsp://203.0.113.2:1234/$3" -t "$4" -map 0:v \
    -f framecrc - > "$TEST_DIR/$5.crc" 2> "$TEST_DIR/$5.err" &
  track_pid $!
  VIEW_PIDS+=($!)
}

run_mode() {
  local mode=$1
  lab_up "$mode"
  local cam
  for cam in cam1 cam2; do
    lab_bg "$cam" "$TEST_DIR/$mode-$cam.log" "$TESTCAM" --bind 0.0.0.0 --port 554 --path live \
      --codec h264 --no-audio --udp-only --width 320 --height 240 --fps 15
  done
  cat > "$TEST_DIR/gw.conf" <<CONF
[server]
listen = 0.0.0.0:8554
[path cam1]
source = rtsp://192.168.1.64:554/live
source_transport = auto
[path cam2]
source = rtsp://192.168.1.65:554/live
allow = 203.0.113.1
CONF
  SERVER_LOG="$TEST_DIR/$mode-gw.log"
  lab_bg gw "$SERVER_LOG" "$RTSPGATE" serve -c "$TEST_DIR/gw.conf" -v
  local gw=$LAB_PID
  wait_log "relay cam1 <- .*upstream playing over RTP/UDP" 20 || fail "$mode: rtspgate did not pull cam1 over UDP"
  wait_log "relay cam2 <- .*upstream playing over RTP/UDP" 10 || fail "$mode: rtspgate did not pull cam2 over UDP"

  # at the same time: TCP interleaved through the one forwarded port (both
  # cameras), a host outside the allow list, and RTP/UDP through the forward
  VIEW_PIDS=()
  view viewer tcp cam1 3 "$mode-tcp1"
  view viewer tcp cam2 3 "$mode-tcp2"
  view outsider tcp cam2 1 "$mode-out"
  view viewer udp cam1 2 "$mode-udp"
  wait "${VIEW_PIDS[@]}"
  local n
  n=$(count_frames "$TEST_DIR/$mode-tcp1.crc" 0)
  [ "$n" -ge 30 ] || fail "$mode: cam1 over TCP through router B: $n frames: $(tail -2 "$TEST_DIR/$mode-tcp1.err")"
  n=$(count_frames "$TEST_DIR/$mode-tcp2.crc" 0)
  [ "$n" -ge 30 ] || fail "$mode: cam2 (allow = router A) over TCP: $n frames: $(tail -2 "$TEST_DIR/$mode-tcp2.err")"
  echo "$mode NAT: both cameras over TCP interleaved through the forwarded port"

  # the allow list: a host on the Internet with another address gets 403
  grep -q "403" "$TEST_DIR/$mode-out.err" || fail "$mode: outsider not refused with 403: $(tail -2 "$TEST_DIR/$mode-out.err")"
  grep -q "203.0.113.10.*address not allowed for path cam2" "$SERVER_LOG" || fail "$mode: 403 not logged with the address"

  # RTP over UDP through the forwarded port
  n=$(count_frames "$TEST_DIR/$mode-udp.crc" 0)
  grep -qE "session [0-9A-F]+ opened: peer=203\.0\.113\.1:[0-9]+ path=cam1 transport=UDP" "$SERVER_LOG" ||
    fail "$mode: the UDP viewer's SETUP did not reach rtspgate"
  if [ "$mode" = random ]; then
    [ "$n" -eq 0 ] || fail "random NAT: RTP/UDP through the forward decoded $n frames, expected none"
    echo "random NAT: RTP/UDP through the forward: control session set up, 0 frames (the premise)"
  else
    [ "$n" -ge 20 ] || fail "preserve NAT: RTP/UDP (NAT punch) decoded $n frames: $(tail -2 "$TEST_DIR/$mode-udp.err")"
    echo "preserve NAT: RTP/UDP through the forward works by NAT punching ($n frames)"
  fi

  if [ "$mode" = random ]; then
    # GStreamer over TCP through the forward
    timeout 20 ip netns exec "$LAB_ID-viewer" gst-launch-1.0 -e rtspsrc \
      location=rtsp://203.0.113.2:1234/cam1 protocols=tcp ! rtph264depay ! h264parse ! avdec_h264 ! \
      identity eos-after=30 ! fakesink > "$TEST_DIR/gst.log" 2>&1
    grep -q "Got EOS from element" "$TEST_DIR/gst.log" || fail "random NAT: GStreamer over TCP: $(tail -3 "$TEST_DIR/gst.log")"
    echo "random NAT: GStreamer rtspsrc protocols=tcp decoded 30 frames"
  fi

  if [ "$mode" = preserve ]; then
    # rtspgate's own upstream client punches too: behind router A it pulls a
    # UDP-only camera on the Internet over RTP/UDP, as ffmpeg does above
    lab_bg outsider "$TEST_DIR/pubcam.log" "$TESTCAM" --bind 0.0.0.0 --port 554 --path live \
      --codec h264 --no-audio --udp-only --width 320 --height 240 --fps 15
    printf '[server]\nlisten = 127.0.0.1:8554\n[path pub]\nsource = rtsp://203.0.113.10:554/live\nsource_transport = udp\n' \
      > "$TEST_DIR/home.conf"
    lab_bg viewer "$TEST_DIR/home.log" "$RTSPGATE" serve -c "$TEST_DIR/home.conf" -v
    local home=$LAB_PID
    wait_file "$TEST_DIR/home.log" "relay pub <- .*first RTP packet|rtsp client rtsp://203.0.113.10:554/live: first RTP packet" 15 ||
      fail "preserve NAT: rtspgate behind router A got no RTP/UDP from the camera: $(tail -3 "$TEST_DIR/home.log")"
    timeout 20 ip netns exec "$LAB_ID-viewer" ffmpeg -hide_banner -nostdin -loglevel warning \
      -rtsp_transport tcp -i rtsp://127.0.0.1:8554/pub -t 2 -map 0:v -f framecrc - \
      > "$TEST_DIR/home.crc" 2> "$TEST_DIR/home.err"
    n=$(count_frames "$TEST_DIR/home.crc" 0)
    [ "$n" -ge 20 ] || fail "preserve NAT: relay of the camera on the Internet: $n frames: $(tail -2 "$TEST_DIR/home.err")"
    echo "preserve NAT: rtspgate behind router A pulls a UDP-only camera over RTP/UDP by NAT punching ($n frames)"
    kill -TERM "$home"
    wait "$home" || fail "preserve NAT: the home rtspgate did not stop cleanly"
    grep -qE "runtime error:|AddressSanitizer" "$TEST_DIR/home.log" && fail "sanitizer report: $(grep -A5 -E 'runtime error:|AddressSanitizer' "$TEST_DIR/home.log")"
  fi

  kill -TERM "$gw"
  wait "$gw"
  local rc=$?
  [ $rc -eq 0 ] || fail "$mode: rtspgate exited with $rc after SIGTERM"
  _sanitizer_check || fail "$mode: sanitizer report"
}

run_mode random
# the cameras of the first run: stop them before the lab goes
for p in "${_PIDS[@]}"; do _kill_pid "$p"; done
_PIDS=()
lab_down
LAB_ID="rg$$b"
run_mode preserve
echo "nat relay: ok"
