# Helpers for the `rtspgate pcap` tests; sourced after lib.sh.
#
#   need_capture              skip (77) unless dumpcap exists and may capture
#   capture_start FILE ARGS.. start dumpcap -q -w FILE ARGS... (e.g. -i lo -P
#                             -f FILTER) in the background, wait until it
#                             captures; sets CAP_PID. Prefix with
#                             CAP_NS=<netns> to capture inside a namespace.
#   capture_stop ADDR PORT    send a marker UDP datagram to ADDR:PORT (it must
#                             pass the capture filter), wait until dumpcap has
#                             written it (so every earlier packet is in the
#                             file), then SIGINT and wait for dumpcap to exit
#   run_pcap NAME ARGS...     "$RTSPGATE" pcap ARGS > NAME.out 2> NAME.err;
#                             sets PCAP_RC

need_capture() {
  need_cmd dumpcap
  [ "$(id -u)" = 0 ] || { echo "SKIP: $TEST_NAME: capturing needs root here" >&2; exit 77; }
}

capture_start() {
  local file=$1
  shift
  local log="$file.dumpcap.log"
  CAP_FILE=$file
  if [ -n "${CAP_NS:-}" ]; then
    ip netns exec "$CAP_NS" dumpcap -q -w "$file" "$@" > "$log" 2>&1 &
  else
    dumpcap -q -w "$file" "$@" > "$log" 2>&1 &
  fi
  CAP_PID=$!
  track_pid "$CAP_PID"
  local i
  for i in $(seq 100); do
    grep -q "^Capturing on" "$log" 2> /dev/null && return 0
    if ! kill -0 "$CAP_PID" 2> /dev/null; then
      echo "SKIP: $TEST_NAME: dumpcap cannot capture: $(cat "$log")" >&2
      exit 77
    fi
    sleep 0.1
  done
  fail "dumpcap did not start capturing within 10 s: $(cat "$log")"
}

capture_stop() {
  local mark="rtspgate-capture-mark-$$-$RANDOM" i
  for i in $(seq 100); do
    if [ -n "${CAP_NS:-}" ]; then
      ip netns exec "$CAP_NS" bash -c "echo $mark > /dev/udp/$1/$2" 2> /dev/null
    else
      echo "$mark" > "/dev/udp/$1/$2" 2> /dev/null
    fi
    grep -aq "$mark" "$CAP_FILE" 2> /dev/null && break
    sleep 0.1
  done
  kill -INT "$CAP_PID" 2> /dev/null
  local i
  for i in $(seq 50); do
    kill -0 "$CAP_PID" 2> /dev/null || break
    sleep 0.1
  done
  wait "$CAP_PID" 2> /dev/null
}

run_pcap() {
  local name=$1
  shift
  "$RTSPGATE" pcap "$@" > "$TEST_DIR/$name.out" 2> "$TEST_DIR/$name.err"
  PCAP_RC=$?
  if grep -qE "runtime error:|AddressSanitizer|LeakSanitizer" "$TEST_DIR/$name.err"; then
    fail "$name: sanitizer report: $(head -40 "$TEST_DIR/$name.err")"
  fi
}
