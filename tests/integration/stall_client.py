#!/usr/bin/env python3
"""Opens N RTSP/TCP-interleaved viewers that PLAY and then never read.

  stall_client.py HOST PORT PATH N SECONDS
Each connection shrinks its receive buffer, does OPTIONS/DESCRIBE/SETUP x2/PLAY
and then sleeps; after SECONDS it reports how many connections the server has
closed (a read returning EOF or a reset) and exits.
"""
import socket
import sys
import time


def req(s, buf, text):
    s.sendall(text.encode())
    while b"\r\n\r\n" not in buf[0]:
        d = s.recv(4096)
        if not d:
            raise ConnectionError("closed during handshake")
        buf[0] += d
    head, _, rest = buf[0].partition(b"\r\n\r\n")
    clen = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            clen = int(line.split(b":")[1])
    while len(rest) < clen:
        rest += s.recv(4096)
    buf[0] = rest[clen:]
    return head.decode("latin-1")


def viewer(host, port, path):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((host, port))
    u = f"rtsp://{host}:{port}/{path}"
    b = [b""]
    req(s, b, f"OPTIONS {u} RTSP/1.0\r\nCSeq: 1\r\n\r\n")
    req(s, b, f"DESCRIBE {u} RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\n\r\n")
    h = req(s, b, f"SETUP {u}/trackID=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n")
    sess = [l.split(":", 1)[1].strip().split(";")[0] for l in h.split("\r\n") if l.lower().startswith("session:")][0]
    req(s, b, f"SETUP {u}/trackID=1 RTSP/1.0\r\nCSeq: 4\r\nSession: {sess}\r\nTransport: RTP/AVP/TCP;unicast;interleaved=2-3\r\n\r\n")
    s.sendall(f"PLAY {u} RTSP/1.0\r\nCSeq: 5\r\nSession: {sess}\r\nRange: npt=0.000-\r\n\r\n".encode())
    return s


def main():
    host, port, path, n, secs = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    socks = [viewer(host, port, path) for _ in range(n)]
    print(f"stalled viewers playing: {len(socks)}", flush=True)
    time.sleep(secs)
    closed = 0
    for s in socks:
        # drain what the server had queued; EOF or a reset means it closed us
        s.settimeout(3)
        try:
            while True:
                d = s.recv(1 << 20)
                if not d:
                    closed += 1
                    break
        except socket.timeout:
            pass
        except ConnectionResetError:
            closed += 1
        s.close()
    print(f"closed by server: {closed} of {n}", flush=True)


if __name__ == "__main__":
    main()
