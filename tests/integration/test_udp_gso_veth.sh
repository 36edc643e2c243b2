#!/usr/bin/env bash
# UDP GSO in the fan-out over a real device: rtspgate in one network
# namespace serves an RTP/UDP viewer in another over a veth pair whose server
# end has transmit checksum offload switched off (ethtool -K tx off), so the
# kernel checksums and splits the GSO messages in software on the way out
# (on loopback it hands them over whole). The viewer (ffmpeg) decodes the
# stream without loss. (Kernels that refuse GSO on such a device with EIO
# make the server fall back to one datagram per send, and log it; this
# machine's kernel does not refuse, so that branch is not exercised here.)
. "$(dirname "$0")/lib.sh"
need_cmd ffmpeg
need_cmd ip
need_cmd ethtool
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for network namespaces" >&2; exit 77; }
A="rggsoa$$" B="rggsob$$"
ip netns add "$A" 2> /dev/null || { echo "SKIP: cannot create a network namespace" >&2; exit 77; }
ip netns add "$B" || { ip netns del "$A"; fail "cannot create namespace $B"; }
_gso_cleanup() { # delete the namespaces, then lib.sh's cleanup (which exits)
  local rc=$?
  ip netns del "$A" 2> /dev/null
  ip netns del "$B" 2> /dev/null
  (exit $rc)
  _cleanup
}
trap _gso_cleanup EXIT
ip link add g0 netns "$A" type veth peer name g1 netns "$B" || fail "cannot create a veth pair"
ip -n "$A" addr add 10.78.0.1/24 dev g0
ip -n "$B" addr add 10.78.0.2/24 dev g1
ip -n "$A" link set g0 up
ip -n "$B" link set g1 up
ip -n "$A" link set lo up
ip -n "$B" link set lo up
ip netns exec "$A" ethtool -K g0 tx off > /dev/null 2>&1 || fail "ethtool could not switch off tx checksumming"

ip netns exec "$A" "$RTSPGATE" serve --listen 10.78.0.1:8554 -p "cam=testsrc:size=320x240,audio=0" -v \
  > "$TEST_DIR/server.out" 2> "$SERVER_LOG" &
track_pid $!
wait_log "listening on rtsp://" 10 || fail "server did not start: $(tail -n 3 "$SERVER_LOG")"
timeout 20 ip netns exec "$B" ffmpeg -hide_banner -nostdin -loglevel warning -rtsp_transport udp \
  -i rtsp://10.78.0.1:8554/cam -t 3 -f framecrc - > "$TEST_DIR/v.crc" 2> "$TEST_DIR/v.err"
n=$(count_frames "$TEST_DIR/v.crc" 0)
[ "$n" -ge 80 ] || fail "the UDP viewer decoded $n frames in 3 s: $(tail -n 3 "$TEST_DIR/v.err")"
grep -qiE "missed [0-9]+ packets|corrupt|error while decoding" "$TEST_DIR/v.err" &&
  fail "the UDP viewer saw loss: $(head -n 3 "$TEST_DIR/v.err")"
echo "udp gso over veth: ok ($n frames through a device without checksum offload$(grep -q 'UDP GSO refused' "$SERVER_LOG" && echo ', after the GSO fallback'))"
