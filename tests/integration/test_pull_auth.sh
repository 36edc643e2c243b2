#!/usr/bin/env bash
# rtspgate pull with credentials: --user/--password (a password with : @ / %
# in it, percent-encoded into the URL) over rtsps:// (self-signed
# certificate, media interleaved in TLS), and user:password in an rtsp://
# URL; both record 2 s that ffmpeg decodes. A wrong password ends pull with
# exit status 1 and says so, without retrying.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pull_lib.sh"
need_cmd ffmpeg
need_cmd ffprobe
need_cmd openssl

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
  -keyout "$TEST_DIR/key.pem" -out "$TEST_DIR/cert.pem" > /dev/null 2>&1 || fail "openssl req failed"
conf="$TEST_DIR/sec.conf"
cat > "$conf" <<CONF
[server]
rtsps_listen = 127.0.0.1:0
tls_cert = $TEST_DIR/cert.pem
tls_key = $TEST_DIR/key.pem
[user alice]
password = wonderland
[user bob]
$(printf 'b0b:p@ss/%%\n' | "$RTSPGATE" passwd bob | sed -n 's/^password_/password_/p')
[path cam]
source = $TESTSRC
read_users = alice, bob
CONF
start_server -c "$conf"
TLS_PORT=$(sed -n 's/.*listening on rtsps:\/\/[^:]*:\([0-9]*\).*/\1/p' "$SERVER_LOG" | head -1)
[ -n "$TLS_PORT" ] || fail "no rtsps listener in the log"

pull_bg tls "rtsps://127.0.0.1:$TLS_PORT/cam" --user bob --password 'b0b:p@ss/%' -o "$TEST_DIR/tls.mkv" --duration 2
p1=$PULL_PID
pull_bg url "rtsp://alice:wonderland@127.0.0.1:$PORT/cam" -t tcp -o "$TEST_DIR/url.ts" --duration 2
p2=$PULL_PID
pull_bg bad "$URL/cam" --user alice --password nope -o "$TEST_DIR/bad.ts" --duration 2
p3=$PULL_PID
pull_wait $p1 30
[ "$PULL_RC" = 0 ] || fail "pull rtsps:// --user bob exited with $PULL_RC: $(tail -5 "$TEST_DIR/tls.log")"
pull_wait $p2 30
[ "$PULL_RC" = 0 ] || fail "pull rtsp://alice:...@ exited with $PULL_RC: $(tail -5 "$TEST_DIR/url.log")"
pull_wait $p3 30
[ "$PULL_RC" = 1 ] || fail "pull with a wrong password exited with $PULL_RC, want 1: $(tail -5 "$TEST_DIR/bad.log")"
grep -q "authentication failed (wrong user or password?)" "$TEST_DIR/bad.log" ||
  fail "no clear error for a wrong password: $(cat "$TEST_DIR/bad.log")"
grep -q "nope" "$TEST_DIR/bad.log" && fail "the password appears in the log"
grep -q "transport TCP interleaved over TLS (rtsps://)" "$TEST_DIR/tls.log" ||
  fail "pull rtsps:// did not say its transport: $(cat "$TEST_DIR/tls.log")"
check_recording "$TEST_DIR/tls.mkv" 2 30
check_recording "$TEST_DIR/url.ts" 2 30
echo "PASS: $TEST_NAME"
