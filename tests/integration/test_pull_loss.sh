#!/usr/bin/env bash
# rtspgate pull, transport auto, on a lossy UDP path: in a network namespace
# of its own, iptables drops 8 % of the UDP datagrams. pull starts on RTP/UDP,
# sees more than 5 % loss over 5 s, switches to TCP interleaved by itself,
# says why, and the same recording continues: 8 s of media that ffmpeg
# decodes. Skipped without root, netns or the iptables statistic match.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pull_lib.sh"
need_cmd ffmpeg
need_cmd ffprobe
need_cmd ip
need_cmd iptables
[ "$(id -u)" = 0 ] || { echo "SKIP: $TEST_NAME needs root for a network namespace" >&2; exit 77; }

NS="rg-pull-loss-$$"
ip netns add "$NS" 2> /dev/null || { echo "SKIP: cannot create a network namespace" >&2; exit 77; }
trap 'rc=$?; ip netns del "$NS" 2> /dev/null; (exit $rc); _cleanup' EXIT
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" iptables -A INPUT -p udp -m statistic --mode random --probability 0.08 -j DROP 2> /dev/null ||
  { echo "SKIP: iptables statistic match unavailable" >&2; exit 77; }

ip netns exec "$NS" "$RTSPGATE" serve --listen 127.0.0.1:0 --path "cam=$TESTSRC" > "$TEST_DIR/server.out" 2> "$SERVER_LOG" &
track_pid $!
wait_log "listening on rtsp://" 15 || fail "server in the namespace did not start"
port=$(sed -n 's|.*listening on rtsp://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$SERVER_LOG" | head -n 1)

ip netns exec "$NS" "$RTSPGATE" pull "rtsp://127.0.0.1:$port/cam" -o "$TEST_DIR/loss.mkv" --duration 8 \
  2> "$TEST_DIR/pull.log" &
pid=$!
track_pid $pid
pull_wait $pid 40
[ "$PULL_RC" = 0 ] || fail "pull exited with $PULL_RC: $(tail -5 "$TEST_DIR/pull.log")"
cat "$TEST_DIR/pull.log" | grep -E "transport|switching"
grep -qE "transport RTP/UDP \(auto: RTP arrived over UDP" "$TEST_DIR/pull.log" || fail "pull did not start on UDP"
grep -qE "[0-9.]+ % of RTP packets lost over 5 s; switching to TCP interleaved" "$TEST_DIR/pull.log" ||
  fail "pull did not switch to TCP on loss: $(cat "$TEST_DIR/pull.log")"
grep -qE "transport TCP interleaved \(auto: switched from RTP/UDP: [0-9.]+ % of RTP packets lost over 5 s\)" "$TEST_DIR/pull.log" ||
  fail "pull did not say why it uses TCP"
f="$TEST_DIR/loss.mkv"
d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")
awk -v d="$d" 'BEGIN { e = d - 8; if (e < 0) e = -e; exit !(e <= 0.2) }' || fail "duration $d, want 8 +- 0.2"
ffmpeg -nostdin -v error -i "$f" -f framecrc - > "$f.crc" 2> "$f.err" || fail "$f does not decode"
v=$(count_frames "$f.crc" 0)
echo "loss.mkv: $d s, $v video frames"
# the UDP part loses frames (damaged ones are dropped); the TCP part loses none
[ "$v" -ge 100 ] || fail "$v video frames, want >= 100"
echo "PASS: $TEST_NAME"
