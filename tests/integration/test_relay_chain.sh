#!/usr/bin/env bash
# rtspgate relaying rtspgate: the upstream requires Digest (it offers
# SHA-256 first, then MD5) for path `test`; the relay authenticates with the
# URL's credentials using the strongest offered scheme (SHA-256), and an
# ffmpeg viewer of the relay decodes the test pattern.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relay_lib.sh"
need_cmd ffmpeg

up_conf="$TEST_DIR/up.conf"
cat > "$up_conf" <<CONF
[user relay]
password = p@ss:word
[path test]
source = $TESTSRC
read_users = relay
CONF
UP_LOG="$TEST_DIR/up.log"
"$RTSPGATE" serve -c "$up_conf" --listen 127.0.0.1:0 -v > /dev/null 2> "$UP_LOG" &
track_pid $!
wait_file "$UP_LOG" "listening on rtsp://" 15 || fail "upstream rtspgate did not start: $(tail -3 "$UP_LOG")"
UP_PORT=$(sed -n 's|.*listening on rtsp://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$UP_LOG" | head -1)

start_server --path "cam=rtsp://relay:p%40ss%3Aword@127.0.0.1:$UP_PORT/test" -v
wait_log "upstream playing over" 20 || fail "relay did not play: $(grep relay "$SERVER_LOG" | tail -5)"
grep -q "authenticating with Digest SHA-256" "$SERVER_LOG" ||
  fail "the relay did not pick Digest SHA-256: $(grep -i authenticat "$SERVER_LOG" | head -2)"
grep -q "authentication failed" "$UP_LOG" && fail "the upstream refused the relay's credentials"

view tcp "rtsp://127.0.0.1:$PORT/cam" 4 "$TEST_DIR/v.crc" ||
  fail "ffmpeg viewer failed: $(tail -3 "$TEST_DIR/v.crc.err")"
vf=$(count_frames "$TEST_DIR/v.crc" 0)
af=$(count_frames "$TEST_DIR/v.crc" 1)
echo "ffmpeg viewer of the relay: $vf video frames, $af audio frames"
[ "$vf" -ge 90 ] || fail "$vf video frames (want >= 90)"
[ "$af" -ge 50 ] || fail "$af audio frames (want >= 50)"
grep -q "p@ss\|p%40ss" "$SERVER_LOG" && fail "the password appears in the relay's log"
pass
