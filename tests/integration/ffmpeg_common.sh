# Sourced by test_ffmpeg_tcp.sh / test_ffmpeg_udp.sh with TRANSPORT=tcp|udp.
. "$(dirname "$0")/lib.sh"
need_cmd ffmpeg
TR_UP=$(echo "$TRANSPORT" | tr a-z A-Z)

start_server --path "test=$TESTSRC" -v

# -frames:v 90 ends the output (both streams) at the 90th decoded video frame:
# ~3 s normally, longer (bounded by the timeout) when a loaded machine makes
# the live source drop frames. -loglevel warning keeps "RTP: missed N packets".
timeout 60 ffmpeg -hide_banner -nostdin -loglevel warning -rtsp_transport "$TRANSPORT" \
  -i "$URL/test" -frames:v 90 -f framecrc - > "$TEST_DIR/crc" 2> "$TEST_DIR/ffmpeg.err"
rc=$?
[ $rc -eq 0 ] || fail "ffmpeg -rtsp_transport $TRANSPORT -i $URL/test exited with $rc: $(tail -n 5 "$TEST_DIR/ffmpeg.err")"
grep -q "^#media_type 0: video" "$TEST_DIR/crc" || fail "framecrc stream 0 is not video: $(grep '^#' "$TEST_DIR/crc" | head)"
grep -q "^#media_type 1: audio" "$TEST_DIR/crc" || fail "framecrc stream 1 is not audio: $(grep '^#' "$TEST_DIR/crc" | head)"
grep -q "^#dimensions 0: 320x240" "$TEST_DIR/crc" || fail "video is not 320x240: $(grep '^#dimensions' "$TEST_DIR/crc")"
v=$(count_frames "$TEST_DIR/crc" 0)
a=$(count_frames "$TEST_DIR/crc" 1)
echo "ffmpeg $TRANSPORT: $v video frames, $a audio frames"
[ "$v" -ge 90 ] || fail "ffmpeg $TRANSPORT decoded $v video frames, want >= 90"
[ "$a" -ge 50 ] || fail "ffmpeg $TRANSPORT decoded $a audio frames, want >= 50"
grep -qiE "error while decoding|corrupt|missed" "$TEST_DIR/ffmpeg.err" &&
  fail "ffmpeg $TRANSPORT reported errors: $(grep -iE 'error while decoding|corrupt|missed' "$TEST_DIR/ffmpeg.err" | head -n 5)"

wait_log "session [^ ]+ closed: .*transport=$TR_UP" 15 || fail "session close not logged within 15 s of ffmpeg exiting"
check_session "$TR_UP"
# -v: one line per request, e.g. "127.0.0.1:PORT DESCRIBE rtsp://... -> 200 OK"
grep -qE "DESCRIBE rtsp://127\.0\.0\.1:$PORT/test[^ ]* -> 200" "$SERVER_LOG" || fail "-v did not log 'DESCRIBE ... -> 200'"
grep -qE "SETUP [^ ]+ -> 200" "$SERVER_LOG" || fail "-v did not log 'SETUP ... -> 200'"
grep -qE "PLAY [^ ]+ -> 200" "$SERVER_LOG" || fail "-v did not log 'PLAY ... -> 200'"
stop_server
echo "ffmpeg $TRANSPORT: ok"
