#!/usr/bin/env bash
# A UDP viewer killed without TEARDOWN is reaped as soon as its RTP port
# answers with ICMP port unreachable (reason=unreachable, within a few
# seconds instead of the 60 s session timeout), and a second UDP viewer on
# the same host, fed through the same server socket, loses nothing.
. "$(dirname "$0")/lib.sh"
need_cmd ffmpeg

start_server --path "test=$TESTSRC" -v

timeout 40 ffmpeg -hide_banner -nostdin -loglevel warning -threads 1 -rtsp_transport udp \
  -i "$URL/test" -t 12 -f framecrc - > "$TEST_DIR/survivor.crc" 2> "$TEST_DIR/survivor.err" &
ps=$!; track_pid $ps
ffmpeg -hide_banner -nostdin -loglevel warning -threads 1 -rtsp_transport udp \
  -i "$URL/test" -t 30 -f framecrc - > "$TEST_DIR/victim.crc" 2> "$TEST_DIR/victim.err" &
pv=$!; track_pid $pv
wait_file "$TEST_DIR/victim.crc" '^0, +30,' 20 || fail "victim decoded no frames: $(tail -3 "$TEST_DIR/victim.err")"
wait_file "$TEST_DIR/survivor.crc" '^0, +30,' 20 || fail "survivor decoded no frames: $(tail -3 "$TEST_DIR/survivor.err")"
sid=$(sed -n 's/.*session \([0-9A-F]*\) opened: .*transport=UDP.*/\1/p' "$SERVER_LOG" | tail -n 1)
kill -KILL $pv
t0=$(date +%s.%N)
wait_log "transport=UDP reason=unreachable" 8 ||
  fail "killed UDP viewer not reaped as unreachable within 8 s: $(grep 'closed:' "$SERVER_LOG")"
t1=$(date +%s.%N)
echo "killed UDP viewer reaped after $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s"
[ "$(grep -c 'reason=unreachable' "$SERVER_LOG")" -eq 1 ] || fail "more than one session reaped: $(grep 'reason=' "$SERVER_LOG")"
wait $ps
v=$(count_frames "$TEST_DIR/survivor.crc" 0)
[ "$v" -ge 300 ] || fail "survivor decoded $v video frames in 12 s"
grep -qiE "missed [0-9]+ packets|corrupt|error while decoding" "$TEST_DIR/survivor.err" &&
  fail "survivor lost packets: $(grep -iE 'missed|corrupt|error while' "$TEST_DIR/survivor.err" | head -3)"
stop_server
echo "udp gone: ok (survivor $v frames)"
