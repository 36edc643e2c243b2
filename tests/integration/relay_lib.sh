# Helpers for the relay tests (sourced after lib.sh): a gst-rtsp-server test
# camera (tests/gsttools/testcam) started and stopped by PID.

TESTCAM="${TESTCAM:-$BUILD_DIR/testcam}"

command -v skip > /dev/null 2>&1 || skip() { echo "SKIP: $TEST_NAME: $*" >&2; exit 77; }
command -v pass > /dev/null 2>&1 || pass() { echo "PASS: $TEST_NAME"; exit 0; }

need_testcam() {
  [ -x "$TESTCAM" ] || skip "testcam not built (needs libgstrtspserver-1.0-dev)"
  gst-inspect-1.0 x264enc > /dev/null 2>&1 || skip "GStreamer x264enc missing"
}

# start_testcam [testcam options...]: starts a camera (port 0 unless --port
# is given), waits until it listens; sets CAM_PID, CAM_URL, CAM_PORT, CAM_LOG.
CAM_N=0
start_testcam() {
  CAM_N=$((CAM_N + 1))
  CAM_LOG="$TEST_DIR/testcam$CAM_N.log"
  local port_given=0 a
  for a in "$@"; do [ "$a" = --port ] && port_given=1; done
  if [ $port_given = 1 ]; then
    "$TESTCAM" "$@" > "$CAM_LOG" 2>&1 &
  else
    "$TESTCAM" --port 0 "$@" > "$CAM_LOG" 2>&1 &
  fi
  CAM_PID=$!
  track_pid "$CAM_PID"
  local i
  for i in $(seq 1 100); do
    CAM_URL=$(sed -n 's/^testcam listening on \(rtsp:[^ ]*\).*/\1/p' "$CAM_LOG" | head -1)
    [ -n "$CAM_URL" ] && break
    kill -0 "$CAM_PID" 2> /dev/null || fail "testcam exited: $(tail -3 "$CAM_LOG")"
    sleep 0.1
  done
  [ -n "$CAM_URL" ] || fail "testcam did not start: $(tail -3 "$CAM_LOG")"
  CAM_PORT=$(printf '%s\n' "$CAM_URL" | sed -n 's|^rtsp://[^/]*:\([0-9]*\)/.*|\1|p')
}

stop_testcam() { # $1 = pid
  kill "$1" 2> /dev/null
  local i
  for i in $(seq 1 50); do
    kill -0 "$1" 2> /dev/null || return 0
    sleep 0.1
  done
  kill -9 "$1" 2> /dev/null
  return 0
}

# view TRANSPORT URL SECONDS OUT: ffmpeg decodes SECONDS of the stream to a framecrc file
view() {
  timeout $(( $3 + 25 )) ffmpeg -hide_banner -loglevel error -rtsp_transport "$1" -i "$2" \
    -t "$3" -f framecrc - > "$4" 2> "$4.err"
}
