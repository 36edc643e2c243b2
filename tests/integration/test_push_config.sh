#!/usr/bin/env bash
# [push NAME] sections: `rtspgate serve -c` publishes a source to another
# server (here a second rtspgate with a publish_users path) while it serves
# its own paths; an ffmpeg viewer of the receiving server decodes it. Bad
# [push] lines name file:line:reason and exit with status 2.
set -u
. "$(dirname "$0")/lib.sh"
need_cmd ffmpeg

check() { # $1 = expected text, rest: config lines
  local want="$1"; shift
  printf '%s\n' "$@" > "$TEST_DIR/bad.conf"
  timeout 10 "$RTSPGATE" serve -c "$TEST_DIR/bad.conf" --listen 127.0.0.1:0 > /dev/null 2> "$TEST_DIR/err"
  local rc=$?
  [ $rc -eq 2 ] || fail "config [$*]: exit status $rc, want 2"
  grep -q -- "$want" "$TEST_DIR/err" || fail "config [$*]: message '$(cat "$TEST_DIR/err")' lacks '$want'"
}
check "bad.conf:3: dest: 'http://x/y': the destination must be rtsp://, rtsps:// or rtsph://" \
  "[push a]" "source = testsrc" "dest = http://x/y"
check "bad.conf:2: source: unknown source 'foo:bar'" "[push a]" "source = foo:bar"
check "bad.conf:3: transport = 'udp': a push goes over TCP, plain (transport = tcp) or in an HTTP tunnel" \
  "[push a]" "source = testsrc" "transport = udp" "dest = rtsp://h/p"
check "bad.conf:2: unknown key 'destination' in \[push a\]" "[push a]" "destination = rtsp://h/p"
check "bad.conf:1: \[push a\] needs dest =" "[push a]" "source = testsrc"
check "bad.conf:3: push 'a' defined twice" "[push a]" "source = testsrc" "[push a]"
check "bad.conf:1: \[push\] needs a name" "[push]"

# the receiving (public) server
cat > "$TEST_DIR/pub.conf" <<CONF
[user site1]
password = pushpw
[path site1/frontdoor]
publish_users = site1
CONF
start_server -c "$TEST_DIR/pub.conf" -v
PUB_PORT=$PORT

# the camera-side server: serves its own path and pushes another source
cat > "$TEST_DIR/site.conf" <<CONF
[path local]
source = testsrc:size=320x240,bitrate=300,audio=0
[push frontdoor]
source = testsrc:size=320x240,bitrate=500
dest = rtsp://site1:pushpw@127.0.0.1:$PUB_PORT/site1/frontdoor
transport = tcp
CONF
"$RTSPGATE" serve -c "$TEST_DIR/site.conf" --listen 127.0.0.1:0 > "$TEST_DIR/site.out" 2> "$TEST_DIR/site.log" &
site=$!
track_pid $site
wait_file "$TEST_DIR/site.log" "push frontdoor: publishing testsrc" 10 || fail "the [push] section did not start: $(tail -3 "$TEST_DIR/site.log")"
wait_file "$TEST_DIR/site.log" "recording 2 track" 10 || fail "the [push] did not record: $(tail -3 "$TEST_DIR/site.log")"
SITE_PORT=$(sed -n 's|.*listening on rtsp://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$TEST_DIR/site.log" "$TEST_DIR/site.out" | head -n 1)
[ -n "$SITE_PORT" ] || fail "the camera-side server did not listen"

timeout 25 ffmpeg -hide_banner -loglevel error -rtsp_transport tcp -i "rtsp://127.0.0.1:$PUB_PORT/site1/frontdoor" \
  -t 3 -f framecrc - > "$TEST_DIR/v.crc" 2> "$TEST_DIR/v.err"
vf=$(count_frames "$TEST_DIR/v.crc" 0)
af=$(count_frames "$TEST_DIR/v.crc" 1)
echo "viewer of the [push] on the public server: $vf video, $af audio frames"
[ "$vf" -ge 60 ] || fail "viewer decoded $vf video frames (want >= 60): $(tail -3 "$TEST_DIR/v.err")"
[ "$af" -ge 30 ] || fail "viewer decoded $af audio frames (want >= 30)"
# the camera-side server still serves its own path
timeout 25 ffmpeg -hide_banner -loglevel error -rtsp_transport tcp -i "rtsp://127.0.0.1:$SITE_PORT/local" \
  -t 1 -f framecrc - > "$TEST_DIR/l.crc" 2> "$TEST_DIR/l.err"
[ "$(count_frames "$TEST_DIR/l.crc" 0)" -ge 20 ] || fail "the camera-side server's own path: $(tail -3 "$TEST_DIR/l.err")"

kill -TERM $site
wait $site
rc=$?
[ $rc -eq 0 ] || fail "the camera-side server exited $rc on SIGTERM"
grep -q "push frontdoor: 1 session(s)" "$TEST_DIR/site.log" || fail "no push summary: $(tail -3 "$TEST_DIR/site.log")"
wait_log "publisher left" 5 || fail "the public server did not see the publisher leave"
if grep -qE "runtime error:|AddressSanitizer|LeakSanitizer" "$TEST_DIR/site.log"; then
  fail "sanitizer report in the camera-side log: $(grep -E -A 20 "runtime error:|AddressSanitizer|LeakSanitizer" "$TEST_DIR/site.log" | head -30)"
fi
echo "push config: ok"
