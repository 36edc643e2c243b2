#!/usr/bin/env bash
# 20 viewers that PLAY over TCP and never read: a normal viewer keeps decoding
# with no loss, the server's memory stays bounded, and the stalled viewers are
# closed after the stall timeout (reason=stalled).
set -u
. "$(dirname "$0")/lib.sh"
need_cmd ffmpeg
need_cmd python3
start_server --path "test=testsrc:size=640x360,fps=30,bitrate=3000" --stall-timeout 4

timeout 60 ffmpeg -hide_banner -rtsp_transport tcp -i "$URL/test" -map 0:v -t 14 -f framecrc - \
  > "$TEST_DIR/viewer.crc" 2> "$TEST_DIR/viewer.err" &
viewer=$!
track_pid "$viewer"
wait_file "$TEST_DIR/viewer.crc" '^0,' 20 || fail "viewer did not start"
rss() { awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }
base=$(rss)
timeout 40 python3 "$SRC_DIR/tests/integration/stall_client.py" 127.0.0.1 "$PORT" test 20 10 \
  > "$TEST_DIR/stall.out" 2>&1
cat "$TEST_DIR/stall.out"
peak=$(rss)
grep -q "closed by server: 20 of 20" "$TEST_DIR/stall.out" || fail "stalled viewers were not all closed"
stalled=$(grep -c "reason=stalled" "$SERVER_LOG")
[ "$stalled" -eq 20 ] || fail "server logged $stalled stalled closes, want 20"
echo "server RSS: ${base} KiB with one viewer, ${peak} KiB after 20 stalled viewers"
[ "$peak" -le $((base + 32768)) ] || fail "memory grew by $((peak - base)) KiB with 20 stalled viewers"
wait "$viewer"
frames=$(grep -c '^0,' "$TEST_DIR/viewer.crc" || true)
[ "$frames" -ge 300 ] || fail "the normal viewer decoded $frames frames in 14 s"
if grep -qiE "missed [0-9]+ packets|corrupt|error while decoding|max delay" "$TEST_DIR/viewer.err"; then
  fail "the normal viewer saw loss: $(grep -iE "missed|corrupt|error while|max delay" "$TEST_DIR/viewer.err" | head -3)"
fi
stop_server
echo "stalled: ok (viewer $frames frames, RSS $base -> $peak KiB)"
