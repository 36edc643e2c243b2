#!/usr/bin/env python3
"""Throws malformed and abusive input at an rtspgate server (stdlib only).

  hostile.py HOST PORT [--tls-port N] [--idle N] [--brute PATH --brute-from ADDR]

Each case opens its own connection, sends one hostile input and requires
either an RTSP error status or a close within a few seconds (never a hang,
never a 2xx for garbage). Prints one line per case and a summary
"hostile: N cases, N failed"; exits 1 if any failed.
"""
import argparse
import concurrent.futures
import hashlib
import re
import os
import random
import socket
import sys
import time

R = random.Random(1234)  # reproducible


def reqs():
    """(name, bytes) pairs: >= 200 hostile inputs."""
    out = []
    base = b"OPTIONS rtsp://h/test RTSP/1.0\r\nCSeq: 1\r\n\r\n"
    # truncated requests, closed right after
    for n in range(1, len(base) - 1, 2):
        out.append((f"truncated-{n}", base[:n], "close-after-send"))
    # huge headers
    out.append(("huge-header-value", b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX: " + b"a" * 20000 + b"\r\n\r\n", "any"))
    out.append(("many-headers", b"OPTIONS * RTSP/1.0\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(500)) + b"\r\n", "any"))
    out.append(("huge-request-line", b"DESCRIBE rtsp://h/" + b"a" * 30000 + b" RTSP/1.0\r\nCSeq: 1\r\n\r\n", "any"))
    # bad CSeq / Content-Length
    for v in [b"", b"-1", b"abc", b"99999999999999999999", b"1 2", b"0x10", b"\x00"]:
        out.append((f"cseq-{v[:8]!r}", b"OPTIONS * RTSP/1.0\r\nCSeq: " + v + b"\r\n\r\n", "error"))
    for v in [b"-5", b"abc", b"99999999999", b"1e6", b"", b"70000"]:
        out.append((f"content-length-{v!r}", b"SET_PARAMETER rtsp://h/test RTSP/1.0\r\nCSeq: 2\r\nContent-Length: " + v + b"\r\n\r\nxx", "any"))
    # NUL bytes and control characters
    for i in range(10):
        s = bytearray(base)
        s[R.randrange(len(s) - 4)] = 0
        out.append((f"nul-{i}", bytes(s), "any"))
    out.append(("all-nul", b"\x00" * 5000, "any"))
    # wrong $ lengths and stray frames
    for ch, ln, body in [(0, 65535, b"x" * 10), (7, 5, b"12345"), (255, 0, b""), (1, 4, b"abcd" * 3)]:
        out.append((f"frame-ch{ch}-len{ln}", b"$" + bytes([ch]) + ln.to_bytes(2, "big") + body, "any"))
    out.append(("frames-then-options", (b"$\x05\x00\x03abc" * 50) + base, "status"))
    # absurd Transport values on SETUP
    transports = [b"", b";;;;", b"RTP/AVP;client_port=99999-100000", b"RTP/AVP/TCP;interleaved=300-301",
                  b"RTP/AVP;unicast;client_port=0-0", b"RTP/SAVP;unicast;client_port=5000-5001",
                  b"RTP/AVP;multicast;destination=239.1.1.1;ttl=255", b"x" * 9000,
                  b"RTP/AVP;unicast;client_port=5000-5001;destination=8.8.8.8",
                  b"RTP/AVP/TCP;interleaved=" + b"9" * 50, b"RTP/AVP;ssrc=zzzz", b"RTP/AVP;mode=\"DANCE\"",
                  b",".join([b"RTP/AVP/TCP;interleaved=0-1"] * 40), b"RTP/AVP;client_port=5000-5001,\x01\x02"]
    for i, t in enumerate(transports):
        out.append((f"transport-{i}", b"SETUP rtsp://h/test/trackID=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: " + t + b"\r\n\r\n", "error-or-any"))
    # path traversal and odd URLs
    for u in [b"rtsp://h/../../etc/passwd", b"rtsp://h/test/../test", b"/..%2f..%2fetc/passwd",
              b"rtsp://h/test/trackID=-1", b"rtsp://h/test/trackID=99", b"file:///etc/passwd", b"rtsp://[::1/x",
              b"rtsp://h/%00", b"rtsp://h/test?" + b"q" * 3000, b"*", b"rtsp://h/\xff\xfe"]:
        for m in (b"DESCRIBE", b"SETUP", b"PLAY"):
            out.append((f"url-{m.decode()}-{u[:20]!r}", m + b" " + u + b" RTSP/1.0\r\nCSeq: 4\r\n\r\n", "error"))
    # session abuse
    for s in [b"nope", b"", b"a" * 400, b"1;timeout=-1"]:
        for m in (b"PLAY", b"PAUSE", b"TEARDOWN", b"GET_PARAMETER"):
            out.append((f"session-{m.decode()}-{s[:6]!r}", m + b" rtsp://h/test RTSP/1.0\r\nCSeq: 5\r\nSession: " + s + b"\r\n\r\n", "error"))
    # methods and versions
    for m in [b"FOO", b"GET", b"POST", b"RECORD", b"ANNOUNCE", b"REDIRECT", b"options", b"OPT\x01IONS"]:
        out.append((f"method-{m!r}", m + b" rtsp://h/test RTSP/1.0\r\nCSeq: 6\r\n\r\n", "any"))
    for v in [b"RTSP/2.0", b"HTTP/1.1", b"RTSP/1.0 extra", b"rtsp/1.0"]:
        out.append((f"version-{v!r}", b"OPTIONS * " + v + b"\r\nCSeq: 7\r\n\r\n", "any"))
    # ANNOUNCE with garbage SDP into a path with a source
    out.append(("announce-garbage", b"ANNOUNCE rtsp://h/test RTSP/1.0\r\nCSeq: 8\r\nContent-Type: application/sdp\r\nContent-Length: 20\r\n\r\n" + b"\xff" * 20, "error"))
    # random binary noise
    for i in range(40):
        n = R.randrange(1, 3000)
        out.append((f"noise-{i}", bytes(R.randrange(256) for _ in range(n)), "any"))
    # real requests with random bytes flipped
    reals = [b"DESCRIBE rtsp://h/test RTSP/1.0\r\nAccept: application/sdp\r\nCSeq: 2\r\nUser-Agent: Lavf59.27.100\r\n\r\n",
             b"SETUP rtsp://h/test/trackID=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n"]
    for i in range(50):
        s = bytearray(reals[i % 2])
        for _ in range(R.randrange(1, 6)):
            s[R.randrange(len(s))] = R.randrange(256)
        out.append((f"mutated-{i}", bytes(s), "any"))
    # pipelined flood of requests (rate limit)
    out.append(("pipeline-flood", base * 400, "any"))
    return out


def read_until_close_or_status(s, deadline):
    data = b""
    s.settimeout(0.2)
    while time.time() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            return data, True
        if not chunk:
            return data, True
        data += chunk
        if b"RTSP/1.0 " in data and b"\r\n\r\n" in data:
            return data, False
    return data, None


def run_case(host, port, name, payload, expect):
    try:
        s = socket.create_connection((host, port), timeout=5)
    except OSError as e:
        return False, f"connect failed: {e}"
    try:
        try:
            s.sendall(payload)
        except OSError:
            return True, "closed while sending"
        if expect == "close-after-send":
            s.shutdown(socket.SHUT_WR)
        data, closed = read_until_close_or_status(s, time.time() + 12)
        if closed is None and not data:
            return False, "no answer and no close within 12 s"
        status = data[9:12] if data.startswith(b"RTSP/1.0 ") else b""
        if expect == "error" and status.startswith(b"2"):
            return False, f"accepted: {data[:60]!r}"
        return True, (status.decode("latin-1") if status else ("closed" if closed else "answered"))
    finally:
        s.close()


def brute(host, port, path, src, tries=15):
    """Digest guesses for user alice on PATH from source address SRC, one
    connection each, each with a fresh valid nonce: 401s until the server's
    limit, then the connection is closed, and new connections from SRC are
    refused (closed with no answer). Returns (ok, text)."""
    url = f"rtsp://{host}:{port}/{path}"
    log = []
    for i in range(tries):
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(5)
            s.bind((src, 0))
            s.connect((host, port))
        except OSError as e:
            log.append("refused")
            continue
        try:
            s.sendall(f"DESCRIBE {url} RTSP/1.0\r\nCSeq: 1\r\n\r\n".encode())
            data, closed = read_until_close_or_status(s, time.time() + 5)
            if not data.startswith(b"RTSP/1.0 401"):
                log.append("closed" if closed else data[9:12].decode("latin-1"))
                continue
            head = data.decode("latin-1")
            m = re.search(r'Digest realm="([^"]*)".*?nonce="([^"]*)"', head)
            if not m:
                return False, "401 without a Digest challenge"
            realm, nonce = m.group(1), m.group(2)
            ha1 = hashlib.md5(f"alice:{realm}:guess{i}".encode()).hexdigest()
            ha2 = hashlib.md5(f"DESCRIBE:{url}".encode()).hexdigest()
            resp = hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()
            auth = (f'Digest username="alice", realm="{realm}", nonce="{nonce}", uri="{url}", '
                    f'response="{resp}"')
            s.sendall(f"DESCRIBE {url} RTSP/1.0\r\nCSeq: 2\r\nAuthorization: {auth}\r\n\r\n".encode())
            data, closed = read_until_close_or_status(s, time.time() + 5)
            log.append(data[9:12].decode("latin-1") if data.startswith(b"RTSP/1.0 ") else "closed")
        finally:
            s.close()
    text = " ".join(log)
    # every guess is refused; after the limit the address is shut out
    if any(x.startswith("2") for x in log):
        return False, "a wrong password was accepted: " + text
    if log[:9] != ["401"] * 9 or any(x == "401" for x in log[10:]):
        return False, "no shut-out after repeated failures: " + text
    return True, text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--tls-port", type=int)
    ap.add_argument("--idle", type=int, default=0)
    ap.add_argument("--brute")
    ap.add_argument("--brute-from", default="127.0.0.2")
    a = ap.parse_args()
    failed = 0
    cases = reqs()
    # 16 at a time: cases that wait for the server's request timeout overlap
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as ex:
        results = list(ex.map(lambda c: run_case(a.host, a.port, *c), cases))
    for (name, _, _), (ok, what) in zip(cases, results):
        print(f"{'ok' if ok else 'FAIL'}: {name}: {what}")
        failed += not ok
    total = len(cases)
    if a.tls_port:
        for i in range(20):
            ok, what = run_case(a.host, a.tls_port, f"tls-garbage-{i}", os.urandom(R.randrange(1, 5000)), "any")
            print(f"{'ok' if ok else 'FAIL'}: tls-garbage-{i}: {what}")
            failed += not ok
            total += 1
    if a.idle:
        socks = []
        for _ in range(a.idle):
            try:
                socks.append(socket.create_connection((a.host, a.port), timeout=5))
            except OSError:
                break
        time.sleep(1)
        # the server refuses beyond its per-address limit, and must still answer
        ok, what = run_case(a.host, a.port, "after-idle", b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n", "status")
        print(f"idle: opened {len(socks)} connections; new connection while they are open: {what}")
        for s in socks:
            s.close()
        total += 1
    if a.brute:
        ok, what = brute(a.host, a.port, a.brute, a.brute_from)
        print(f"{'ok' if ok else 'FAIL'}: brute-force from {a.brute_from}: {what}")
        failed += not ok
        total += 1
    print(f"hostile: {total} cases, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
