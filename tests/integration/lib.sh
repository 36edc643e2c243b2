# Shared helpers for the integration tests; sourced by every test_*.sh.
#
#   start_server ARGS...  run "$RTSPGATE" serve --listen 127.0.0.1:0 ARGS in the
#                         background (log: $SERVER_LOG), wait <= 15 s for
#                         "listening on", export PORT and URL (rtsp://127.0.0.1:PORT)
#   stop_server           SIGTERM; the server must exit within 5 s with status 0
#                         (also done at exit when a passing test left it running)
#   track_pid PID         kill PID (by PID, never by name) when the test exits
#   at_exit CMD...        run CMD at exit after those processes are gone
#   need_cmd CMD          skip the test (exit 77) when CMD is missing
#   fail MSG              print MSG and the server log tail, exit 1
#   wait_log RE [SECS]    wait until the server log matches RE (grep -E)
#   wait_file FILE RE [SECS]
#   count_frames FILE IDX number of framecrc lines of stream IDX in FILE
#   max_pts_gap FILE IDX  longest pause (s) between frames of stream IDX
#
# Every test gets its own mktemp directory $TEST_DIR (removed on success, kept
# on failure).  On exit the server log must not contain sanitizer reports.
# Tests run in parallel (ctest -j) and under ASan: no fixed ports, no pkill,
# generous but bounded timeouts.

set -u
TEST_NAME=$(basename "$0" .sh)
: "${SRC_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${BUILD_DIR:=$SRC_DIR/build-it}"
: "${RTSPGATE:=$BUILD_DIR/rtspgate}"
export SRC_DIR BUILD_DIR RTSPGATE
TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/rtspgate-$TEST_NAME.XXXXXX") || exit 1
SERVER_LOG="$TEST_DIR/server.log"
SERVER_PID=""
PORT=""
URL=""
_PIDS=()
_FAILED=0

track_pid() { _PIDS+=("$1"); }
# at_exit CMD...: run CMD when the test exits, after its processes are gone
# (e.g. deleting network namespaces the test made).
_AT_EXIT=()
at_exit() { _AT_EXIT+=("$*"); }

need_cmd() {
  command -v "$1" > /dev/null 2>&1 || { echo "SKIP: $TEST_NAME needs $1" >&2; exit 77; }
}

server_log_tail() {
  if [ -s "$SERVER_LOG" ]; then
    echo "---- server log (last 40 lines of $SERVER_LOG) ----" >&2
    tail -n 40 "$SERVER_LOG" >&2
    echo "----" >&2
  fi
}

fail() {
  _FAILED=1
  echo "FAIL: $TEST_NAME: $*" >&2
  server_log_tail
  exit 1
}

_sanitizer_check() {
  [ -f "$SERVER_LOG" ] || return 0
  if grep -qE "runtime error:|ERROR: AddressSanitizer|AddressSanitizer:|LeakSanitizer" "$SERVER_LOG"; then
    echo "FAIL: $TEST_NAME: sanitizer report in the server log:" >&2
    grep -E -A 30 "runtime error:|ERROR: AddressSanitizer|AddressSanitizer:|LeakSanitizer" "$SERVER_LOG" | head -n 80 >&2
    return 1
  fi
  return 0
}

_kill_pid() { # TERM, up to 5 s, then KILL
  local p=$1 i
  kill -0 "$p" 2> /dev/null || return 0
  kill -TERM "$p" 2> /dev/null
  for i in $(seq 50); do
    kill -0 "$p" 2> /dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$p" 2> /dev/null
}

_cleanup() {
  local rc=$? p
  trap - EXIT
  # a passing test that left the server running: it must still stop cleanly
  if [ $rc -eq 0 ] && [ -n "$SERVER_PID" ]; then
    _graceful_stop || { echo "FAIL: $TEST_NAME: $_STOP_ERR" >&2; rc=1; }
  fi
  for p in "${_PIDS[@]}"; do
    [ "$p" = "$SERVER_PID" ] && continue
    # children first (a tracked subshell's timeout/ffmpeg): by parent PID only
    command -v pkill > /dev/null 2>&1 && pkill -TERM -P "$p" 2> /dev/null
    kill -TERM "$p" 2> /dev/null
  done
  for p in "${_PIDS[@]}"; do _kill_pid "$p"; done
  wait 2> /dev/null
  for p in "${_AT_EXIT[@]}"; do eval "$p"; done
  if ! _sanitizer_check; then rc=1; fi
  if [ $rc -eq 0 ]; then
    rm -rf "$TEST_DIR"
  elif [ $rc -ne 77 ]; then
    [ $_FAILED -eq 0 ] && server_log_tail
    echo "($TEST_NAME: files kept in $TEST_DIR)" >&2
  fi
  exit $rc
}
trap _cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ -x "$RTSPGATE" ] || { echo "SKIP: no server binary at $RTSPGATE" >&2; exit 77; }
need_cmd timeout

start_server() {
  "$RTSPGATE" serve --listen 127.0.0.1:0 "$@" > "$TEST_DIR/server.out" 2> "$SERVER_LOG" &
  SERVER_PID=$!
  track_pid "$SERVER_PID"
  local i
  for i in $(seq 150); do
    if grep -q "listening on rtsp://" "$SERVER_LOG" "$TEST_DIR/server.out" 2> /dev/null; then
      PORT=$(sed -n 's|.*listening on rtsp://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$SERVER_LOG" "$TEST_DIR/server.out" | head -n 1)
      [ -n "$PORT" ] || fail "cannot parse the port from the 'listening on' line"
      URL="rtsp://127.0.0.1:$PORT"
      export PORT URL
      return 0
    fi
    kill -0 "$SERVER_PID" 2> /dev/null || fail "server exited at start ($RTSPGATE serve --listen 127.0.0.1:0 $*)"
    sleep 0.1
  done
  fail "server did not log 'listening on' within 15 s"
}

_graceful_stop() { # SIGTERM; 0 when the server exits within 5 s with status 0
  _STOP_ERR=""
  kill -TERM "$SERVER_PID" 2> /dev/null || { _STOP_ERR="server (pid $SERVER_PID) already gone before SIGTERM"; return 1; }
  local i rc
  for i in $(seq 50); do
    kill -0 "$SERVER_PID" 2> /dev/null || break
    sleep 0.1
  done
  if kill -0 "$SERVER_PID" 2> /dev/null; then
    _STOP_ERR="server did not exit within 5 s of SIGTERM"
    return 1
  fi
  wait "$SERVER_PID"
  rc=$?
  local keep=() q
  for q in "${_PIDS[@]}"; do [ "$q" = "$SERVER_PID" ] || keep+=("$q"); done
  _PIDS=("${keep[@]}")
  SERVER_PID=""
  [ $rc -eq 0 ] || { _STOP_ERR="server exited with status $rc after SIGTERM, want 0"; return 1; }
  return 0
}

stop_server() {
  [ -n "$SERVER_PID" ] || fail "stop_server: no server"
  _graceful_stop || fail "$_STOP_ERR"
  _sanitizer_check || { _FAILED=1; exit 1; }
}

wait_file() { # FILE RE [SECS]
  local f=$1 re=$2 secs=${3:-10} i
  for i in $(seq $((secs * 5))); do
    grep -qE -- "$re" "$f" 2> /dev/null && return 0
    sleep 0.2
  done
  grep -qE -- "$re" "$f" 2> /dev/null
}

wait_log() { wait_file "$SERVER_LOG" "$1" "${2:-10}"; }

count_frames() { # FILE IDX: framecrc lines of stream IDX
  awk -F, -v s="$2" '!/^#/ && NF >= 5 && $1 + 0 == s && $1 ~ /^ *[0-9]+ *$/ { n++ } END { print n + 0 }' "$1"
}

max_pts_gap() { # FILE IDX: longest pause between consecutive frames of stream IDX, in seconds
  awk -F, -v s="$2" '
    /^#tb / { split($0, a, /[ :\/]+/); if (a[2] + 0 == s) { num = a[3]; den = a[4] } }
    !/^#/ && NF >= 5 && $1 ~ /^ *[0-9]+ *$/ && $1 + 0 == s {
      if (n++ && $3 - last > gap) gap = $3 - last
      last = $3
    }
    END { printf "%.2f\n", (den ? gap * num / den : 0) }' "$1"
}

# check_session TRANSPORT [PATH]: the log has a session opened and closed on
# PATH with TRANSPORT and sent_bytes > 0
check_session() {
  local tr=$1 path=${2:-test}
  grep -qE "session [^ ]+ opened: peer=127\.0\.0\.1:[0-9]+ path=$path transport=$tr" "$SERVER_LOG" ||
    fail "no 'session ... opened: ... path=$path transport=$tr' line in the server log"
  grep -E "session [^ ]+ closed: peer=127\.0\.0\.1:[0-9]+ path=$path transport=$tr .*sent_bytes=[1-9][0-9]*" "$SERVER_LOG" |
    grep -qE "sent_packets=[1-9]" ||
    fail "no 'session ... closed: ... path=$path transport=$tr ... sent_bytes>0 sent_packets>0' line in the server log"
}

TESTSRC="testsrc:size=320x240,fps=30"
