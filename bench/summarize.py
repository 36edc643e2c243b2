#!/usr/bin/env python3
"""bench/summarize.py RUNS.jsonl OUT.json [conditions]: median and range per
(server, transport, rate, mode, N) over the repeats, N_max per server, ratios
against the raw forwarder and the gst-rtsp-server peer measured in the same
run; prints the tables and writes OUT.json."""
import json, statistics, sys
from collections import defaultdict

runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for r in runs:
    if r.get("mode", "").startswith("churn") and r.get("lat_p99_ms") is not None:
        # viewers that just re-joined are not streaming yet: judge churn runs by
        # loss, failures and the others' latency only
        r["ok"] = r.get("gaps", 1) == 0 and r.get("failures", 1) == 0 and 0 <= r["lat_p99_ms"] < 50
groups = defaultdict(list)
nmax = {}
for r in runs:
    tr = r.get("transport", "tcp")
    if r["mode"] == "nmax":
        nmax[(r["server"], tr, r["kbit"])] = r["nmax"]
    elif not r["mode"].startswith("nmax-"):
        groups[(r["server"], tr, r["kbit"], r["mode"], r["n"])].append(r)

KEYS = ["cpu_pct", "cpu_s_per_gbit", "mbit_s", "gaps", "lat_p50_ms", "lat_p99_ms", "lat_max_ms",
        "lag_growth_ms", "rss_per_viewer_kb", "sock_per_viewer_kb", "rss_max_kb", "join_p50_ms",
        "join_p99_ms", "slow_alive", "failures", "streaming"]


def agg(rs, k):
    v = [r[k] for r in rs if r.get(k) is not None]
    if not v:
        return None
    return {"median": statistics.median(v), "min": min(v), "max": max(v)}


def name(key):
    return "%s/%s/%dk/%s/N=%d" % key


summary = {}
for key, rs in sorted(groups.items()):
    s = {k: agg(rs, k) for k in KEYS}
    s["repeats"] = len(rs)
    s["ok_all"] = all(r["ok"] for r in rs)
    if key[3] == "slow10":
        # memory over time: RSS at the start and the end of the measured window
        ser = [r.get("rss_series_kb") or [0] for r in rs]
        s["rss_first_last_kb"] = [[x[0], x[-1]] for x in ser]
    summary[name(key)] = s


def med(srv, tr, kbit, mode, n, k):
    s = summary.get(name((srv, tr, kbit, mode, n)))
    return s[k]["median"] if s and s.get(k) else None


ratios = {}
for (srv, tr, kbit, mode, n) in sorted(groups):
    if srv == "rtspgate" and mode == "plain":
        a = med("rtspgate", tr, kbit, mode, n, "cpu_s_per_gbit")
        for other in ("raw", "peer"):
            b = med(other, tr, kbit, mode, n, "cpu_s_per_gbit")
            if a and b:
                ratios["CPU/Gbit rtspgate/%s %s %dk N=%d" % (other, tr, kbit, n)] = a / b
    if srv == "rtspgate-nogso" and mode == "plain":
        a = med("rtspgate-nogso", tr, kbit, mode, n, "cpu_s_per_gbit")
        b = med("rtspgate", tr, kbit, mode, n, "cpu_s_per_gbit")
        if a and b:
            ratios["CPU/Gbit rtspgate without GSO / with %dk N=%d" % (kbit, n)] = a / b
    if srv == "rawsendto" and mode == "plain":
        a = med("rawsendto", tr, kbit, mode, n, "cpu_s_per_gbit")
        b = med("raw", tr, kbit, mode, n, "cpu_s_per_gbit")
        if a and b:
            ratios["packets per CPU-s sendmmsg/sendto %dk N=%d" % (kbit, n)] = a / b
        g = med("rawgso", tr, kbit, mode, n, "cpu_s_per_gbit")
        if a and g:
            ratios["packets per CPU-s sendmmsg+GSO/sendto %dk N=%d" % (kbit, n)] = a / g
    if mode == "slow10":
        a = med(srv, tr, kbit, "slow10", n, "lat_p99_ms")
        b = med(srv, tr, kbit, "plain", n, "lat_p99_ms")
        if a and b:
            ratios["others' p99 with 10%% slow / without, %s N=%d" % (srv, n)] = a / b
for (srv, tr, kbit), v in sorted(nmax.items()):
    if srv != "rtspgate":
        continue
    for other in ("raw", "peer"):
        o = nmax.get((other, tr, kbit))
        if o:
            ratios["N_max rtspgate/%s %s %dk" % (other, tr, kbit)] = v / o
for (srv, tr, kbit), v in sorted(nmax.items()):
    if srv == "raw" and nmax.get(("rawsendto", tr, kbit)):
        ratios["N_max sendmmsg/sendto %s %dk" % (tr, kbit)] = v / nmax[("rawsendto", tr, kbit)]

fmt = lambda s, k, f="%.2f": ("-" if not s.get(k) else
                              (f % s[k]["median"]) + " [" + (f % s[k]["min"]) + ".." + (f % s[k]["max"]) + "]")
print("\nconditions: %s" % (sys.argv[3] if len(sys.argv) > 3 else ""))
print("%-36s %4s %-20s %-22s %-22s %-18s %-10s %-16s %s" % (
    "server/transport/rate/mode/N", "ok", "CPU s/Gbit", "lat p50 ms", "lat p99 ms", "lat max ms",
    "gaps", "RSS KiB/viewer", "join p50/p99 ms"))
for nm, s in summary.items():
    print("%-36s %4s %-20s %-22s %-22s %-18s %-10s %-16s %s" % (
        nm, "yes" if s["ok_all"] else "NO", fmt(s, "cpu_s_per_gbit", "%.3f"), fmt(s, "lat_p50_ms"),
        fmt(s, "lat_p99_ms"), fmt(s, "lat_max_ms", "%.0f"), fmt(s, "gaps", "%.0f"),
        fmt(s, "rss_per_viewer_kb", "%.1f"),
        "%s/%s" % (fmt(s, "join_p50_ms", "%.0f").split(" ")[0], fmt(s, "join_p99_ms", "%.0f").split(" ")[0])))
if nmax:
    print("\nN_max (largest N with 0 gaps, 0 failures, p99 < 50 ms, lag growth < 20 ms; server on one core):")
    for (srv, tr, kbit), n in sorted(nmax.items()):
        print("  %-10s %s %dk: %d" % (srv, tr, kbit, n))
print("\nratios (medians, same run):")
for k, v in ratios.items():
    print("  %-58s %.2f" % (k, v))
json.dump({"conditions": sys.argv[3] if len(sys.argv) > 3 else "", "summary": summary,
           "ratios": ratios, "nmax": {"%s/%s/%dk" % k: v for k, v in nmax.items()}, "runs": runs},
          open(sys.argv[2], "w"), indent=1)
print("\nwritten %s" % sys.argv[2])
