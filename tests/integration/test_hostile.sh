#!/usr/bin/env bash
# Hostile input while a viewer watches: >= 200 malformed or abusive inputs on
# the RTSP port, TLS garbage on the RTSPS port, 1000 idle connections, a
# Digest password-guessing run from 127.0.0.2 (shut out after 10 failures). Every
# input gets an error or a close; the server survives, its memory comes back
# near its baseline, and the viewer sees no packet loss.
set -u
. "$(dirname "$0")/lib.sh"
# Under ASan, freed memory sits in a quarantine (256 MiB by default) that
# would count as growth: keep it small so RSS measures what the server holds.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=4"
need_cmd ffmpeg
need_cmd python3
need_cmd openssl
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
  -keyout "$TEST_DIR/key.pem" -out "$TEST_DIR/cert.pem" > /dev/null 2>&1 || fail "openssl req failed"
cat > "$TEST_DIR/h.conf" <<CONF
[server]
rtsps_listen = 127.0.0.1:0
tls_cert = $TEST_DIR/cert.pem
tls_key = $TEST_DIR/key.pem
request_timeout = 3
[user alice]
password = wonderland
[path test]
source = $TESTSRC
[path secret]
source = testsrc:size=160x120,fps=15,audio=0
read_users = alice
CONF
start_server -c "$TEST_DIR/h.conf"
TLS_PORT=$(sed -n 's/.*listening on rtsps:\/\/[^:]*:\([0-9]*\).*/\1/p' "$SERVER_LOG" | head -1)
[ -n "$TLS_PORT" ] || fail "no RTSPS listener"

timeout 120 ffmpeg -hide_banner -rtsp_transport tcp -i "$URL/test" -map 0:v -f framecrc - \
  > "$TEST_DIR/viewer.crc" 2> "$TEST_DIR/viewer.err" &
viewer=$!
track_pid "$viewer"
wait_file "$TEST_DIR/viewer.crc" '^0,' 20 || fail "viewer did not start"
sleep 2
rss() { awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }
base=$(rss)

timeout 150 python3 "$SRC_DIR/tests/integration/hostile.py" 127.0.0.1 "$PORT" --tls-port "$TLS_PORT" \
  --idle 1000 --brute secret --brute-from 127.0.0.2 > "$TEST_DIR/hostile.out" 2>&1
rc=$?
grep -E "^(FAIL|idle|hostile)|brute" "$TEST_DIR/hostile.out"
[ $rc -eq 0 ] || fail "hostile inputs: $(grep FAIL "$TEST_DIR/hostile.out" | head -5)"
n=$(sed -n 's/^hostile: \([0-9]*\) cases.*/\1/p' "$TEST_DIR/hostile.out")
[ "${n:-0}" -ge 200 ] || fail "only ${n:-0} hostile cases ran"
kill -0 "$SERVER_PID" 2>/dev/null || fail "server died"

sleep 5 # idle connections time out (request_timeout = 3)
after=$(rss)
echo "server RSS: baseline ${base} KiB, after ${after} KiB"
[ "$after" -le $((base + 16384)) ] || fail "server memory grew from ${base} KiB to ${after} KiB"

kill -TERM "$viewer" 2>/dev/null # timeout forwards TERM; a background job ignores INT
wait "$viewer"
frames=$(grep -c '^0,' "$TEST_DIR/viewer.crc" || true)
[ "$frames" -ge 200 ] || fail "viewer decoded only $frames frames during the attack"
if grep -qiE "missed [0-9]+ packets|corrupt|error while decoding" "$TEST_DIR/viewer.err"; then
  fail "viewer saw loss: $(grep -iE "missed|corrupt|error while" "$TEST_DIR/viewer.err" | head -3)"
fi
# a new viewer still gets in
timeout 20 ffmpeg -hide_banner -rtsp_transport tcp -i "$URL/test" -t 2 -map 0:v -f framecrc - \
  > "$TEST_DIR/v2.crc" 2> /dev/null
[ "$(grep -c '^0,' "$TEST_DIR/v2.crc")" -ge 30 ] || fail "no service after the attack"
stop_server
echo "hostile: ok ($n inputs, viewer $frames frames, RSS $base -> $after KiB)"
