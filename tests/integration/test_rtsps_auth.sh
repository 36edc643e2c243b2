#!/usr/bin/env bash
# RTSPS with a self-signed certificate, Digest authentication and per-path
# allow lists, judged by ffmpeg and GStreamer.
set -u
. "$(dirname "$0")/lib.sh"
need_cmd ffmpeg
need_cmd gst-launch-1.0
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
$(printf 'b0bpass\n' | "$RTSPGATE" passwd bob | sed -n 's/^password_/password_/p')
[path cam]
source = testsrc:size=320x240,fps=30
read_users = alice, bob
[path closed]
source = testsrc:size=160x120,fps=15,audio=0
allow = 192.0.2.1
CONF
start_server -c "$conf" -v
TLS_PORT=$(sed -n 's/.*listening on rtsps:\/\/[^:]*:\([0-9]*\).*/\1/p' "$SERVER_LOG" | head -1)
[ -n "$TLS_PORT" ] || fail "no rtsps listener in the log"

count_video() { grep -c '^0,' "$1" 2>/dev/null || true; }

# no credentials: 401
timeout 20 ffmpeg -hide_banner -rtsp_transport tcp -i "rtsp://127.0.0.1:$PORT/cam" -t 1 -f null - \
  > /dev/null 2> "$TEST_DIR/noauth.err"
grep -q "401" "$TEST_DIR/noauth.err" || fail "no 401 without credentials: $(tail -2 "$TEST_DIR/noauth.err")"
# wrong password: 401, logged with the address
timeout 20 ffmpeg -hide_banner -rtsp_transport tcp -i "rtsp://alice:nope@127.0.0.1:$PORT/cam" -t 1 \
  -f null - > /dev/null 2> "$TEST_DIR/bad.err"
grep -q "401" "$TEST_DIR/bad.err" || fail "wrong password accepted"
grep -q "127.0.0.1.*authentication failed" "$SERVER_LOG" || fail "auth failure not logged"
# right password (plaintext config), Digest over plain RTSP
timeout 30 ffmpeg -hide_banner -rtsp_transport tcp -i "rtsp://alice:wonderland@127.0.0.1:$PORT/cam" \
  -t 3 -map 0:v -f framecrc - > "$TEST_DIR/alice.crc" 2> "$TEST_DIR/alice.err"
[ "$(count_video "$TEST_DIR/alice.crc")" -ge 60 ] || fail "alice over Digest: $(tail -3 "$TEST_DIR/alice.err")"
# stored hashes (rtspgate passwd), over RTSPS, ffmpeg
timeout 30 ffmpeg -hide_banner -i "rtsps://bob:b0bpass@127.0.0.1:$TLS_PORT/cam" -t 3 -map 0:v \
  -f framecrc - > "$TEST_DIR/bob.crc" 2> "$TEST_DIR/bob.err"
[ "$(count_video "$TEST_DIR/bob.crc")" -ge 60 ] || fail "bob over RTSPS: $(tail -3 "$TEST_DIR/bob.err")"
grep -q "(TLS)" "$SERVER_LOG" || true
# GStreamer over RTSPS with Digest
timeout 30 gst-launch-1.0 -e rtspsrc location="rtsps://127.0.0.1:$TLS_PORT/cam" user-id=alice \
  user-pw=wonderland tls-validation-flags=0 ! rtph264depay ! h264parse ! avdec_h264 ! \
  identity eos-after=60 ! fakesink > "$TEST_DIR/gst.log" 2>&1
grep -q "Got EOS from element" "$TEST_DIR/gst.log" || fail "GStreamer over RTSPS: $(tail -5 "$TEST_DIR/gst.log")"
# path allow list: 403 from 127.0.0.1
timeout 20 ffmpeg -hide_banner -rtsp_transport tcp -i "rtsp://127.0.0.1:$PORT/closed" -t 1 -f null - \
  > /dev/null 2> "$TEST_DIR/closed.err"
grep -q "403" "$TEST_DIR/closed.err" || fail "allow list did not give 403: $(tail -2 "$TEST_DIR/closed.err")"
grep -q "address not allowed for path closed" "$SERVER_LOG" || fail "403 not logged"
# TLS garbage on the RTSPS port does not hurt
head -c 4096 /dev/urandom | timeout 5 bash -c "cat > /dev/tcp/127.0.0.1/$TLS_PORT" 2>/dev/null || true
timeout 30 ffmpeg -hide_banner -i "rtsps://bob:b0bpass@127.0.0.1:$TLS_PORT/cam" -t 2 -map 0:v \
  -f framecrc - > "$TEST_DIR/bob2.crc" 2>/dev/null
[ "$(count_video "$TEST_DIR/bob2.crc")" -ge 40 ] || fail "RTSPS broken after TLS garbage"
# rtsps:// as a source: a second rtspgate relays the RTSPS path (Digest,
# self-signed certificate) and ffmpeg decodes it; an rtsps:// source that
# points at the plain RTSP port fails the handshake with a clear log line.
"$RTSPGATE" serve --listen 127.0.0.1:0 -v -p "relayed=rtsps://bob:b0bpass@127.0.0.1:$TLS_PORT/cam" \
  -p "wrong=rtsps://bob:b0bpass@127.0.0.1:$PORT/cam" > "$TEST_DIR/relay.out" 2> "$TEST_DIR/relay.log" &
relay_pid=$!
track_pid $relay_pid
wait_file "$TEST_DIR/relay.log" "listening on rtsp://" 10 || fail "relay did not start: $(tail -3 "$TEST_DIR/relay.log")"
RPORT=$(sed -n 's|.*listening on rtsp://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$TEST_DIR/relay.log" | head -n 1)
timeout 30 ffmpeg -hide_banner -rtsp_transport tcp -i "rtsp://127.0.0.1:$RPORT/relayed" -t 3 -map 0:v \
  -f framecrc - > "$TEST_DIR/relayed.crc" 2> "$TEST_DIR/relayed.err"
[ "$(count_video "$TEST_DIR/relayed.crc")" -ge 60 ] || fail "rtsps:// source relayed: $(tail -3 "$TEST_DIR/relayed.err"; grep -i relayed "$TEST_DIR/relay.log" | tail -3)"
wait_file "$TEST_DIR/relay.log" "TLS handshake with 127.0.0.1:$PORT (failed|timed out)" 10 ||
  fail "an rtsps:// source on a plain port: no handshake failure logged: $(grep -i wrong "$TEST_DIR/relay.log" | tail -3)"
kill -TERM $relay_pid; wait $relay_pid
stop_server
echo "rtsps/auth/allow: ok"
