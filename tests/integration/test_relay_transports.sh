#!/usr/bin/env bash
# Relay transports: a "cheap camera" that only speaks RTP/UDP (461 to
# interleaved) relayed to a TCP viewer; a TCP-only camera with Digest auth,
# where `auto` falls back to TCP after the 461 and says why; forcing tcp on
# the UDP-only camera fails with the 461 in the log (and is retried).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay_lib.sh"
need_cmd ffmpeg
need_testcam

start_testcam --udp-only --path cheap
UDP_CAM="$CAM_URL"
start_testcam --tcp-only --user admin --password 's3cr:t' --path auth
TCP_CAM=$(printf '%s\n' "$CAM_URL" | sed 's|rtsp://|rtsp://admin:s3cr%3At@|')

conf="$TEST_DIR/relay.conf"
cat > "$conf" <<CONF
[path cheap]
source = $UDP_CAM
source_transport = auto

[path tcponly]
source = $TCP_CAM
source_transport = auto

[path forced]
source = $UDP_CAM
source_transport = tcp
CONF
start_server -c "$conf" -v
wait_log "relay cheap <- .*: upstream playing over RTP/UDP" 20 ||
  fail "UDP-only camera not relayed over UDP: $(grep relay "$SERVER_LOG" | tail -5)"
wait_log "because the server answered 461" 20 || fail "auto did not explain the TCP fallback"
wait_log "upstream playing over TCP interleaved" 20 ||
  fail "TCP-only camera not relayed: $(grep relay "$SERVER_LOG" | tail -5)"
grep -q "authenticating with Digest" "$SERVER_LOG" || fail "no Digest authentication logged"
grep -q "s3cr" "$SERVER_LOG" && fail "the camera password appears in the log"
wait_log "SETUP .* answered 461" 20 || fail "forced TCP on a UDP-only camera: no 461 in the log"

for p in cheap tcponly; do
  view tcp "rtsp://127.0.0.1:$PORT/$p" 4 "$TEST_DIR/$p.crc" ||
    fail "ffmpeg viewer of $p failed: $(tail -3 "$TEST_DIR/$p.crc.err")"
  vf=$(count_frames "$TEST_DIR/$p.crc" 0)
  echo "path $p: ffmpeg tcp viewer decoded $vf video frames"
  [ "$vf" -ge 90 ] || fail "path $p: $vf video frames (want >= 90)"
done
pass
