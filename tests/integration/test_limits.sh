#!/usr/bin/env bash
# Configured parser limits ([server] max_header_bytes, max_headers,
# max_body_bytes, max_frame_bytes): a request over a limit gets 413 and the
# connection is closed, one at the limit is served, an interleaved frame over
# max_frame_bytes closes the connection, and the server keeps serving.
. "$(dirname "$0")/lib.sh"
need_cmd python3
conf="$TEST_DIR/limits.conf"
cat > "$conf" <<CONF
[server]
max_header_bytes = 512
max_headers = 8
max_body_bytes = 128
max_frame_bytes = 1500
[path cam]
source = $TESTSRC
CONF
start_server -c "$conf"

python3 - "$PORT" <<'PY' || fail "limits check failed"
import socket, sys
port = int(sys.argv[1])

def exchange(data, want, closed):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(data)
    got = b""
    try:
        while True:
            b = s.recv(4096)
            if not b:
                break
            got += b
            if not closed and b"\r\n\r\n" in got:
                break
    except socket.timeout:
        if closed:
            print("FAIL: connection not closed after", data[:40]); sys.exit(1)
    s.close()
    line = got.split(b"\r\n", 1)[0].decode(errors="replace")
    if want not in line:
        print("FAIL: sent %r..., got %r, want %r" % (data[:40], line, want)); sys.exit(1)
    print("ok:", want, "closed" if closed else "")

def req(extra=b"", body=b""):
    return b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n" + extra + b"\r\n" + body

# the head at exactly 512 bytes is served; 513 is refused
base = len(req(b"X: \r\n"))
exchange(req(b"X: " + b"a" * (512 - base) + b"\r\n"), "RTSP/1.0 200", False)
exchange(req(b"X: " + b"a" * (513 - base) + b"\r\n"), "RTSP/1.0 413", True)
# 8 headers are served, 9 refused
exchange(req(b"".join(b"X-%d: y\r\n" % i for i in range(7))), "RTSP/1.0 200", False)
exchange(req(b"".join(b"X-%d: y\r\n" % i for i in range(8))), "RTSP/1.0 413", True)
# bodies: 128 bytes served, 129 refused from the Content-Length alone
exchange(b"SET_PARAMETER * RTSP/1.0\r\nCSeq: 2\r\nContent-Length: 128\r\n\r\n" + b"a: b\r\n" * 21 + b"xx",
         "RTSP/1.0", False)
exchange(b"SET_PARAMETER * RTSP/1.0\r\nCSeq: 2\r\nContent-Length: 129\r\n\r\n", "RTSP/1.0 413", True)
# an interleaved frame over 1500 bytes closes the connection
exchange(b"$\x00\x05\xdd" + b"\x80" * 1501, "RTSP/1.0 413", True)
PY
timeout 20 ffmpeg -hide_banner -nostdin -loglevel error -rtsp_transport tcp -i "$URL/cam" -an -frames:v 10 \
  -f framecrc - > "$TEST_DIR/after.crc" 2> "$TEST_DIR/after.err" || true
[ "$(count_frames "$TEST_DIR/after.crc" 0)" -ge 10 ] || fail "the server stopped serving: $(tail -n 3 "$TEST_DIR/after.err")"
stop_server
echo "limits: ok"
