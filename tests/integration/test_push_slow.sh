#!/usr/bin/env bash
# rtspgate push over a slow uplink: a RECORD receiver (a small Python
# server) that takes only ~20 KB/s of a ~150 KB/s stream. push must not
# queue: it skips to a newer keyframe (and says so) and stays connected (the
# link is slow, not dead).
set -u
. "$(dirname "$0")/lib.sh"
need_cmd python3

cat > "$TEST_DIR/slowrx.py" <<'PY'
import socket, sys, time
out, secs = sys.argv[1], float(sys.argv[2])
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)
print(ls.getsockname()[1], flush=True)
c, _ = ls.accept()
buf = b""
session = "5ea55ea5"
while True:  # the RTSP handshake, until RECORD
    while b"\r\n\r\n" not in buf:
        d = c.recv(4096)
        if not d:
            sys.exit("closed during the handshake")
        buf += d
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    hdr = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
    n = int(hdr.get("content-length", "0"))
    while len(buf) < n:
        buf += c.recv(4096)
    buf = buf[n:]
    method = lines[0].split()[0]
    extra = ""
    if method == "OPTIONS":
        extra = "Public: OPTIONS, ANNOUNCE, SETUP, RECORD, TEARDOWN\r\n"
    if method == "SETUP":
        extra = "Session: %s;timeout=60\r\nTransport: %s\r\n" % (session, hdr["transport"])
    if method == "RECORD":
        extra = "Session: %s\r\n" % session
    c.sendall(("RTSP/1.0 200 OK\r\nCSeq: %s\r\n%s\r\n" % (hdr["cseq"], extra)).encode())
    if method == "RECORD":
        break
total, end = len(buf), time.time() + secs
while time.time() < end:  # ~20 KB/s
    d = c.recv(2048)
    if not d:
        break
    total += len(d)
    time.sleep(0.1)
open(out, "w").write("%d\n" % total)
PY
python3 "$TEST_DIR/slowrx.py" "$TEST_DIR/rx.bytes" 40 > "$TEST_DIR/rx.port" 2> "$TEST_DIR/rx.err" &
rx=$!
track_pid $rx
wait_file "$TEST_DIR/rx.port" "^[0-9]+$" 5 || fail "the slow receiver did not start"
RX_PORT=$(head -1 "$TEST_DIR/rx.port")

PUSH_LOG="$TEST_DIR/push.log"
# (ASan: a small quarantine, so that RSS measures push, not freed packets)
ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=4" \
  "$RTSPGATE" push testsrc:size=320x240,audio=0 "rtsp://127.0.0.1:$RX_PORT/slow" > "$PUSH_LOG" 2>&1 &
push=$!
track_pid $push
wait_file "$PUSH_LOG" "recording 1 track" 10 || fail "push did not record: $(tail -3 "$PUSH_LOG")"
rss_start=$(awk '/VmRSS/ {print $2}' /proc/$push/status)
wait_file "$PUSH_LOG" "the uplink is too slow: skipped to a newer keyframe" 15 ||
  fail "push did not skip ahead on a slow uplink: $(tail -3 "$PUSH_LOG")"
rss_end=$(awk '/VmRSS/ {print $2}' /proc/$push/status)
echo "push RSS ${rss_start} -> ${rss_end} KiB after $(grep -c "too slow" "$PUSH_LOG") skip(s)"
grep -q "reconnecting" "$PUSH_LOG" && fail "push gave up on a slow (not dead) link: $(grep reconnecting "$PUSH_LOG" | head -2)"
# (RSS is only printed: at this bitrate a backlog of these seconds would be
# too small to tell apart; the skip is what shows that push does not queue)
kill -TERM $push
wait $push
if grep -qE "runtime error:|AddressSanitizer|LeakSanitizer" "$PUSH_LOG"; then
  fail "sanitizer report in the push log: $(grep -E -A 20 "runtime error:|AddressSanitizer|LeakSanitizer" "$PUSH_LOG" | head -30)"
fi
echo "push slow uplink: ok"
