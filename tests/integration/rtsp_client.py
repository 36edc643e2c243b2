#!/usr/bin/env python3
"""A small RTSP 1.0 client for the integration tests (python3 stdlib only).

  rtsp_client.py reap URL --keepalive none|rtcp|getparam [--before S] [--after S]
      OPTIONS/DESCRIBE/SETUP (UDP, bound client ports, both tracks)/PLAY,
      receive RTP for --before seconds, then close the RTSP connection
      (keepalive none|rtcp) and keep receiving for --after seconds.
      rtcp: send an RTCP RR to each track's server RTCP port every second;
      getparam: keep the RTSP connection and send GET_PARAMETER every second.
      Prints "key=value" lines: rtp_before, closed_at (seconds since start),
      last_rtp_after_close, rtp_after_close, rtp_last3s.
  rtsp_client.py bad URL
      Protocol and bad-input checks; prints "ok: ..." lines, and on the first
      failed check "FAIL: ..." and exits 1.
"""
import argparse
import os
import random
import re
import select
import socket
import struct
import sys
import time
from urllib.parse import urlparse


class Closed(Exception):
    pass


class Resp:
    def __init__(self, status, reason, headers, body, raw):
        self.status, self.reason, self.headers, self.body, self.raw = status, reason, headers, body, raw

    def h(self, name, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def __repr__(self):
        return self.raw.decode("latin-1", "replace")[:600]


class Rtsp:
    def __init__(self, url, timeout=10.0):
        u = urlparse(url)
        self.url = url
        self.sock = socket.create_connection((u.hostname, u.port or 554), timeout=timeout)
        self.timeout = timeout
        self.buf = b""
        self.cseq = 0
        self.session = None
        self.frames = {}  # interleaved channel -> count

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send_raw(self, data):
        self.sock.sendall(data)

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("no response in time")
        self.sock.settimeout(left)
        d = self.sock.recv(65536)
        if not d:
            raise Closed()
        self.buf += d

    def read_frame_or_response(self, deadline):
        """One interleaved frame -> ("frame", channel, payload) or a response -> ("resp", Resp)."""
        while True:
            if self.buf[:1] == b"$":
                if len(self.buf) >= 4:
                    ch, n = self.buf[1], struct.unpack("!H", self.buf[2:4])[0]
                    if len(self.buf) >= 4 + n:
                        payload, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
                        self.frames[ch] = self.frames.get(ch, 0) + 1
                        return ("frame", ch, payload)
            elif self.buf:
                i = self.buf.find(b"\r\n\r\n")
                if i >= 0:
                    head = self.buf[:i].decode("latin-1")
                    lines = head.split("\r\n")
                    m = re.match(r"RTSP/1\.0 (\d{3}) ?(.*)$", lines[0])
                    if not m:
                        raise ValueError("bad status line %r" % lines[0])
                    hdrs = []
                    for ln in lines[1:]:
                        k, _, v = ln.partition(":")
                        hdrs.append((k.strip(), v.strip()))
                    clen = 0
                    for k, v in hdrs:
                        if k.lower() == "content-length":
                            clen = int(v)
                    while len(self.buf) < i + 4 + clen:
                        self._fill(deadline)
                    body = self.buf[i + 4:i + 4 + clen]
                    raw = self.buf[:i + 4 + clen]
                    self.buf = self.buf[i + 4 + clen:]
                    return ("resp", Resp(int(m.group(1)), m.group(2), hdrs, body, raw))
            self._fill(deadline)

    def read_response(self, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            r = self.read_frame_or_response(deadline)
            if r[0] == "resp":
                return r[1]

    def request(self, method, url, headers=(), body=b"", session=True):
        self.cseq += 1
        lines = ["%s %s RTSP/1.0" % (method, url), "CSeq: %d" % self.cseq, "User-Agent: rtspgate-tests"]
        if session and self.session:
            lines.append("Session: " + self.session)
        lines += list(headers)
        if body:
            lines.append("Content-Length: %d" % len(body))
        self.send_raw(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        r = self.read_response()
        if r.h("CSeq") != str(self.cseq):
            raise ValueError("%s: CSeq %r, sent %d" % (method, r.h("CSeq"), self.cseq))
        s = r.h("Session")
        if s and r.status == 200:
            self.session = s.split(";")[0].strip()
        return r

    def wait_closed(self, timeout):
        """True when the server closes the connection within timeout (data before EOF is ignored)."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.sock.settimeout(left)
                if not self.sock.recv(65536):
                    return True
        except socket.timeout:
            return False
        except OSError:
            return True


def sdp_tracks(base, sdp):
    """[(media, control url)] from an SDP body."""
    out, media = [], None
    for ln in sdp.decode("latin-1").splitlines():
        if ln.startswith("m="):
            media = ln[2:].split()[0]
        elif ln.startswith("a=control:") and media:
            c = ln[len("a=control:"):].strip()
            if c.startswith("rtsp://"):
                url = c
            elif c == "*":
                url = base
            else:
                url = base.rstrip("/") + "/" + c
            out.append((media, url))
            media = None
    return out


def bind_pair():
    for _ in range(200):
        p = random.randrange(20000, 60000, 2)
        a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            a.bind(("127.0.0.1", p))
            b.bind(("127.0.0.1", p + 1))
            return p, a, b
        except OSError:
            a.close()
            b.close()
    raise RuntimeError("no free UDP port pair")


def describe(c, url):
    r = c.request("DESCRIBE", url, ["Accept: application/sdp"])
    if r.status != 200:
        raise RuntimeError("DESCRIBE %s -> %d %s" % (url, r.status, r.reason))
    base = r.h("Content-Base") or url
    return r, sdp_tracks(base, r.body)


def rtcp_rr(ssrc, src_ssrc, ext_seq):
    return struct.pack("!BBHI", 0x81, 201, 7, ssrc) + struct.pack("!IIIIII", src_ssrc, 0, ext_seq & 0xFFFFFFFF, 0, 0, 0)


def cmd_reap(a):
    t0 = time.monotonic()
    c = Rtsp(a.url)
    c.request("OPTIONS", a.url)
    _, tracks = describe(c, a.url)
    socks = []  # (rtp sock, rtcp sock, server rtcp port)
    for media, turl in tracks:
        p, rs, cs = bind_pair()
        r = c.request("SETUP", turl, ["Transport: RTP/AVP;unicast;client_port=%d-%d" % (p, p + 1)])
        if r.status != 200:
            raise RuntimeError("SETUP %s -> %d" % (turl, r.status))
        m = re.search(r"server_port=(\d+)-(\d+)", r.h("Transport", ""))
        if not m:
            raise RuntimeError("SETUP answer without server_port: %r" % r.h("Transport"))
        socks.append((rs, cs, int(m.group(2))))
    r = c.request("PLAY", a.url)
    if r.status != 200:
        raise RuntimeError("PLAY -> %d" % r.status)
    print("session=%s" % c.session, flush=True)
    rtp_socks = [s[0] for s in socks] + [s[1] for s in socks]
    before = after = 0
    last_after = None
    closed_at = None
    times = []
    src = {}
    my_ssrc = random.getrandbits(32)
    next_ka = 0.0
    end = t0 + a.before + a.after + 30  # upper bound; loop ends by time below
    while time.monotonic() < end:
        now = time.monotonic()
        if closed_at is None and now - t0 >= a.before:
            closed_at = now
            if a.keepalive != "getparam":
                c.close()
            print("closed_at=%.2f" % (now - t0), flush=True)
        if closed_at is not None and now - closed_at >= a.after:
            break
        if closed_at is not None and now >= next_ka:
            next_ka = now + 1.0
            if a.keepalive == "rtcp":
                for rs, cs, sport in socks:
                    s = src.get(rs.getsockname()[1])
                    if s:
                        cs.sendto(rtcp_rr(my_ssrc, s[0], s[1]), ("127.0.0.1", sport))
            elif a.keepalive == "getparam":
                r = c.request("GET_PARAMETER", a.url)
                if r.status != 200:
                    raise RuntimeError("GET_PARAMETER -> %d" % r.status)
        rd, _, _ = select.select(rtp_socks, [], [], 0.1)
        for s in rd:
            d = s.recv(65536)
            if s in [x[1] for x in socks]:
                continue  # RTCP from the server
            if len(d) >= 12:
                seq, ssrc = struct.unpack("!H", d[2:4])[0], struct.unpack("!I", d[8:12])[0]
                src[s.getsockname()[1]] = (ssrc, seq)
            t = time.monotonic()
            times.append(t)
            if closed_at is None:
                before += 1
            else:
                after += 1
                last_after = t - closed_at
    end_t = time.monotonic()
    print("rtp_before=%d" % before)
    print("rtp_after_close=%d" % after)
    print("last_rtp_after_close=%s" % ("%.2f" % last_after if last_after is not None else "none"))
    print("rtp_last3s=%d" % sum(1 for t in times if t > end_t - 3))
    if a.keepalive == "getparam":
        c.close()
    return 0


class Checker:
    def __init__(self, url):
        self.url = url
        u = urlparse(url)
        self.root = "rtsp://%s:%d" % (u.hostname, u.port)

    def ok(self, cond, what, detail=""):
        if not cond:
            print("FAIL: %s%s" % (what, (": " + str(detail)) if detail != "" else ""), flush=True)
            sys.exit(1)
        print("ok: " + what, flush=True)

    def conn(self):
        return Rtsp(self.url)

    def raw_exchange(self, data):
        c = self.conn()
        c.send_raw(data)
        try:
            return c, c.read_response(5)
        except (Closed, OSError) as e:
            return c, e


def rtp_info(value):
    """RTP-Info "url=...trackID=N;seq=S;rtptime=T, ..." -> {N: {"seq": S, "rtptime": T}}."""
    out = {}
    for ent in value.split(","):
        f = {}
        for kv in ent.split(";"):
            k, _, v = kv.strip().partition("=")
            f[k.lower()] = v.strip()
        m = re.search(r"trackID=(\d+)$", f.get("url", ""))
        if not m:
            continue
        e = {}
        for k in ("seq", "rtptime"):
            if f.get(k, "").isdigit():
                e[k] = int(f[k])
        out[int(m.group(1))] = e
    return out


def first_rtp(c, channels, secs):
    """{channel: (seq, timestamp)} of the first interleaved RTP packet on each channel."""
    got = {}
    deadline = time.monotonic() + secs
    try:
        while len(got) < len(channels):
            r = c.read_frame_or_response(deadline)
            if r[0] == "frame" and r[1] in channels and r[1] not in got and len(r[2]) >= 12:
                got[r[1]] = struct.unpack("!HI", r[2][2:8])
    except socket.timeout:
        pass
    return got


def cmd_bad(a):
    k = Checker(a.url)
    url = a.url

    # malformed request line -> 400 with the CSeq echoed, server keeps serving
    c, r = k.raw_exchange(b"OPTIONS\r\nCSeq: 7\r\n\r\n")
    k.ok(isinstance(r, Resp) and r.status == 400, "malformed request line -> RTSP/1.0 400", r)
    k.ok(r.h("CSeq") == "7", "400 echoes CSeq: 7", r)
    c.close()
    c, r = k.raw_exchange(b"OPTIONS " + url.encode() + b" RTSP/1.0 extra\r\nCSeq: 8\r\n\r\n")
    k.ok(isinstance(r, Resp) and r.status == 400 and r.h("CSeq") == "8",
         "request line with 4 fields -> 400 with CSeq: 8", r)
    c.close()

    c = k.conn()
    r = c.request("OPTIONS", url)
    k.ok(r.status == 200, "OPTIONS -> 200 after bad requests", r)
    pub = [m.strip() for m in (r.h("Public") or "").split(",")]
    for m in ("OPTIONS", "DESCRIBE", "SETUP", "PLAY", "PAUSE", "TEARDOWN", "GET_PARAMETER", "SET_PARAMETER"):
        k.ok(m in pub, "Public lists " + m, r.h("Public"))
    k.ok(r.h("Date") is not None and re.search(r"\d{4} \d\d:\d\d:\d\d GMT", r.h("Date")), "Date header (RFC 1123, GMT)", r.h("Date"))
    k.ok(bool(r.h("Server")), "Server header", r)

    r = c.request("DESCRIBE", k.root + "/nosuchpath", ["Accept: application/sdp"])
    k.ok(r.status == 404, "DESCRIBE unknown path -> 404", r)
    r = c.request("FOO", url)
    k.ok(r.status == 501, "method FOO -> 501", r)
    k.ok(r.h("Public") is not None and "DESCRIBE" in r.h("Public"), "501 has a Public header", r)
    r = c.request("OPTIONS", url, ["Require: foo"])
    k.ok(r.status == 551, "OPTIONS with Require: foo -> 551", r)
    k.ok((r.h("Unsupported") or "").strip() == "foo", "551 has Unsupported: foo", r)
    r = c.request("DESCRIBE", url, ["Accept: application/sdp", "Require: foo"])
    k.ok(r.status == 551, "DESCRIBE with Require: foo -> 551", r)
    k.ok((r.h("Unsupported") or "").strip() == "foo", "551 has Unsupported: foo", r)

    # a $ frame on a channel that was never set up is ignored
    c.send_raw(b"$\x05\x00\x08abcdefgh")
    r = c.request("OPTIONS", url)
    k.ok(r.status == 200, "$ frame on an unknown channel, then OPTIONS on the same connection -> 200", r)
    c.close()

    # a request split into small pieces, and two pipelined requests in one
    # write, are answered like any other
    c = k.conn()
    req = ("OPTIONS %s RTSP/1.0\r\nCSeq: 21\r\nUser-Agent: slow\r\n\r\n" % url).encode()
    for i in range(0, len(req), 7):
        c.send_raw(req[i:i + 7])
        time.sleep(0.01)
    r = c.read_response(5)
    k.ok(r.status == 200 and r.h("CSeq") == "21", "OPTIONS sent 7 bytes at a time -> 200 CSeq: 21", r)
    c.send_raw(("OPTIONS %s RTSP/1.0\r\nCSeq: 22\r\n\r\nOPTIONS %s RTSP/1.0\r\nCSeq: 23\r\n\r\n" % (url, url)).encode())
    r1 = c.read_response(5)
    r2 = c.read_response(5)
    k.ok(r1.status == 200 and r1.h("CSeq") == "22" and r2.status == 200 and r2.h("CSeq") == "23",
         "two pipelined OPTIONS in one write -> two 200s, CSeq 22 then 23", (r1, r2))
    # 8 KiB of headers is well under the limit
    c.send_raw(("OPTIONS %s RTSP/1.0\r\nCSeq: 24\r\n" % url).encode() +
               b"".join(b"X-Pad-%d: %s\r\n" % (i, b"p" * 1000) for i in range(8)) + b"\r\n")
    r = c.read_response(5)
    k.ok(r.status == 200 and r.h("CSeq") == "24", "OPTIONS with 8 KiB of headers -> 200", r)
    r = c.request("PLAY", url, ["Session: 0123456789NOSUCH"], session=False)
    k.ok(r.status == 454, "PLAY with an unknown Session -> 454 Session Not Found", r)
    c.close()

    # headers over 16 KiB -> connection closed
    c = k.conn()
    big = b"OPTIONS " + url.encode() + b" RTSP/1.0\r\nCSeq: 1\r\n" + b"".join(
        b"X-Pad-%d: %s\r\n" % (i, b"a" * 1000) for i in range(20)) + b"\r\n"
    try:
        c.send_raw(big)
    except OSError:
        pass
    k.ok(c.wait_closed(5), "headers over 16 KiB -> connection closed")
    c.close()
    c = k.conn()
    try:
        c.send_raw(b"OPTIONS " + url.encode() + b" RTSP/1.0\r\nCSeq: 1\r\nX-Long: " + b"b" * 20000)
    except OSError:
        pass
    k.ok(c.wait_closed(5), "unterminated 20 KB header line -> connection closed")
    c.close()

    for cl in (b"abc", b"-5", b"99999999999999999999"):
        c = k.conn()
        try:
            c.send_raw(b"SET_PARAMETER " + url.encode() + b" RTSP/1.0\r\nCSeq: 1\r\nContent-Length: " + cl + b"\r\n\r\n")
        except OSError:
            pass
        k.ok(c.wait_closed(5), "Content-Length: %s -> connection closed" % cl.decode())
        c.close()

    # DESCRIBE
    c = k.conn()
    r, tracks = describe(c, url)
    k.ok((r.h("Content-Type") or "").startswith("application/sdp"), "DESCRIBE Content-Type: application/sdp", r)
    sdp = r.body.decode("latin-1")
    k.ok("a=range:npt=now-" in sdp, "SDP has a=range:npt=now-", sdp)
    k.ok(re.search(r"sprop-parameter-sets=[A-Za-z0-9+/=]+,[A-Za-z0-9+/=]+", sdp), "SDP has sprop-parameter-sets (SPS,PPS)", sdp)
    k.ok(re.search(r"profile-level-id=[0-9A-Fa-f]{6}", sdp), "SDP has profile-level-id", sdp)
    k.ok(re.search(r"config=[0-9A-Fa-f]+", sdp), "SDP has AAC config=", sdp)
    k.ok([t[0] for t in tracks] == ["video", "audio"], "SDP has a video and an audio track with control URLs", tracks)
    k.ok(tracks[0][1].endswith("trackID=0") and tracks[1][1].endswith("trackID=1"), "controls trackID=0 and trackID=1", tracks)

    # 461 for what is not implemented
    r = c.request("SETUP", tracks[0][1], ["Transport: RTP/SAVP;unicast;client_port=5000-5001"])
    k.ok(r.status == 461, "SETUP RTP/SAVP -> 461", r)
    r = c.request("SETUP", tracks[0][1], ["Transport: RTP/AVP;multicast;destination=232.1.1.1;port=5000-5001;ttl=1"])
    k.ok(r.status == 461, "SETUP multicast -> 461", r)

    # interleaved without channels: the server assigns them
    c2 = k.conn()
    r = c2.request("SETUP", tracks[0][1], ["Transport: RTP/AVP/TCP;unicast"])
    k.ok(r.status == 200 and re.search(r"interleaved=\d+-\d+", r.h("Transport") or ""),
         "SETUP RTP/AVP/TCP without interleaved= -> 200 with interleaved=a-b assigned", r)
    c2.request("TEARDOWN", url)
    c2.close()

    # TCP interleaved session: PLAY, PAUSE, PLAY, TEARDOWN
    r = c.request("SETUP", tracks[0][1], ["Transport: RTP/AVP/TCP;unicast;interleaved=0-1"])
    k.ok(r.status == 200, "SETUP video interleaved=0-1 -> 200", r)
    k.ok("interleaved=0-1" in (r.h("Transport") or ""), "SETUP answer keeps interleaved=0-1", r)
    sess = r.h("Session") or ""
    k.ok(re.match(r"[^;]+;\s*timeout=\d+", sess), "SETUP Session header with timeout=", sess)
    r = c.request("SETUP", tracks[1][1], ["Transport: RTP/AVP/TCP;unicast;interleaved=2-3"])
    k.ok(r.status == 200, "SETUP audio interleaved=2-3 -> 200", r)
    r = c.request("PLAY", url, ["Range: npt=0.000-"])
    k.ok(r.status == 200, "PLAY -> 200", r)
    info = rtp_info(r.h("RTP-Info") or "")
    for t in (0, 1):
        e = info.get(t, {})
        k.ok("seq" in e and "rtptime" in e, "PLAY RTP-Info has url=...trackID=%d with seq and rtptime" % t, r.h("RTP-Info"))
    k.ok(re.search(r"timeout=\d+", r.h("Session") or ""), "PLAY Session header with timeout=", r)
    print("session=%s" % c.session, flush=True)
    # the first RTP packet of each track carries RTP-Info's seq and rtptime
    # (players drop what precedes seq and map rtptime to the PLAY range)
    first = first_rtp(c, (0, 2), 10)
    for t, ch in ((0, 0), (1, 2)):
        got = first.get(ch)
        k.ok(got is not None and got[0] == info[t]["seq"] and got[1] == info[t]["rtptime"],
             "first RTP packet on channel %d has RTP-Info's seq=%d rtptime=%d" % (ch, info[t]["seq"], info[t]["rtptime"]),
             "got seq,timestamp=%r" % (got,))

    def count_frames(secs):
        n0 = dict(c.frames)
        deadline = time.monotonic() + secs
        try:
            while True:
                c.read_frame_or_response(deadline)
        except socket.timeout:
            pass
        return {ch: c.frames.get(ch, 0) - n0.get(ch, 0) for ch in (0, 2)}

    n = count_frames(2.0)
    k.ok(n[0] > 20 and n[2] > 20, "RTP arrives on channels 0 and 2 after PLAY", n)
    r = c.request("PAUSE", url)
    k.ok(r.status == 200, "PAUSE -> 200", r)
    count_frames(0.7)  # whatever was in flight
    n = count_frames(1.5)
    k.ok(n[0] == 0 and n[2] == 0, "no RTP while paused", n)
    r = c.request("PLAY", url)
    k.ok(r.status == 200, "PLAY after PAUSE -> 200", r)
    info = rtp_info(r.h("RTP-Info") or "")
    k.ok(all("seq" in info.get(t, {}) for t in (0, 1)), "PLAY after PAUSE has RTP-Info with seq for both tracks", r.h("RTP-Info"))
    first = first_rtp(c, (0, 2), 10)
    for t, ch in ((0, 0), (1, 2)):
        got = first.get(ch)
        k.ok(got is not None and got[0] == info[t]["seq"],
             "first RTP packet on channel %d after the new PLAY has RTP-Info's seq=%d" % (ch, info[t]["seq"]),
             "got seq,timestamp=%r" % (got,))
    n = count_frames(2.0)
    k.ok(n[0] > 20 and n[2] > 20, "RTP resumes after PLAY", n)
    r = c.request("GET_PARAMETER", url)
    k.ok(r.status == 200, "GET_PARAMETER (keepalive) -> 200", r)
    r = c.request("TEARDOWN", url)
    k.ok(r.status == 200, "TEARDOWN -> 200", r)
    count_frames(0.7)
    n = count_frames(1.0)
    k.ok(n[0] == 0 and n[2] == 0, "no RTP after TEARDOWN", n)
    c.close()
    return 0


def main():
    ap = argparse.ArgumentParser()
    sp = ap.add_subparsers(dest="cmd", required=True)
    p = sp.add_parser("reap")
    p.add_argument("url")
    p.add_argument("--keepalive", choices=["none", "rtcp", "getparam"], default="none")
    p.add_argument("--before", type=float, default=2.0)
    p.add_argument("--after", type=float, default=12.0)
    p = sp.add_parser("bad")
    p.add_argument("url")
    a = ap.parse_args()
    return cmd_reap(a) if a.cmd == "reap" else cmd_bad(a)


if __name__ == "__main__":
    sys.exit(main())
