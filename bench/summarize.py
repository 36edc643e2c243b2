#!/usr/bin/env python3
"""bench/summarize.py RUNS.jsonl OUT.json [conditions]: median and range per
(server, rate, mode, N) over the repeats, ratios against the raw forwarder and
the gst-rtsp-server peer; prints one table and writes OUT.json."""
import json, statistics, sys
from collections import defaultdict

runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
groups = defaultdict(list)
for r in runs:
    groups[(r["server"], r["kbit"], r["mode"], r["n"])].append(r)

KEYS = ["cpu_pct", "cpu_s_per_gbit", "mbit_s", "gaps", "lat_p50_ms", "lat_p99_ms", "lat_max_ms",
        "lag_growth_ms", "rss_per_viewer_kb", "sock_per_viewer_kb", "rss_max_kb", "join_p50_ms",
        "join_p99_ms", "slow_alive", "failures", "streaming"]


def agg(rs, k):
    v = [r[k] for r in rs if r.get(k) is not None]
    if not v:
        return None
    return {"median": statistics.median(v), "min": min(v), "max": max(v)}


summary = {}
for key, rs in sorted(groups.items()):
    s = {k: agg(rs, k) for k in KEYS}
    s["repeats"] = len(rs)
    s["ok_all"] = all(r["ok"] for r in rs)
    summary["%s/%dk/%s/N=%d" % key] = s


def med(srv, kbit, mode, n, k):
    s = summary.get("%s/%dk/%s/N=%d" % (srv, kbit, mode, n))
    return s[k]["median"] if s and s.get(k) else None


ratios = {}
nmax = {}
for (srv, kbit, mode, n) in groups:
    if mode == "plain" and summary["%s/%dk/%s/N=%d" % (srv, kbit, mode, n)]["ok_all"]:
        nmax[(srv, kbit)] = max(nmax.get((srv, kbit), 0), n)
for (srv, kbit, mode, n) in sorted(groups):
    if srv != "rtspgate" or mode != "plain":
        continue
    for other in ("raw", "peer"):
        a = med("rtspgate", kbit, mode, n, "cpu_s_per_gbit")
        b = med(other, kbit, mode, n, "cpu_s_per_gbit")
        if a and b:
            ratios["cpu_per_gbit rtspgate/%s %dk N=%d" % (other, kbit, n)] = a / b

fmt = lambda s, k, f="%.2f": ("-" if not s.get(k) else
                              (f % s[k]["median"]) + " [" + (f % s[k]["min"]) + ".." + (f % s[k]["max"]) + "]")
print("\nconditions: %s" % (sys.argv[3] if len(sys.argv) > 3 else ""))
print("%-30s %4s %-20s %-22s %-22s %-18s %-10s %-14s %s" % (
    "server/rate/mode/N", "ok", "CPU s/Gbit", "lat p50 ms", "lat p99 ms", "lat max ms", "gaps",
    "RSS KiB/viewer", "join p50/p99 ms"))
for name, s in summary.items():
    print("%-30s %4s %-20s %-22s %-22s %-18s %-10s %-14s %s" % (
        name, "yes" if s["ok_all"] else "NO", fmt(s, "cpu_s_per_gbit", "%.3f"), fmt(s, "lat_p50_ms"),
        fmt(s, "lat_p99_ms"), fmt(s, "lat_max_ms", "%.0f"), fmt(s, "gaps", "%.0f"),
        fmt(s, "rss_per_viewer_kb", "%.1f"),
        "%s/%s" % (fmt(s, "join_p50_ms", "%.0f").split(" ")[0], fmt(s, "join_p99_ms", "%.0f").split(" ")[0])))
print("\nratios (medians):")
for k, v in ratios.items():
    print("  %-45s %.2f" % (k, v))
print("largest tested N passing (0 gaps, 0 failures, p99 < 50 ms, lag growth < 20 ms) in every repeat:")
for (srv, kbit), n in sorted(nmax.items()):
    print("  %-8s %dk: %d" % (srv, kbit, n))
json.dump({"conditions": sys.argv[3] if len(sys.argv) > 3 else "", "summary": summary,
           "ratios": ratios, "n_pass": {"%s/%dk" % k: v for k, v in nmax.items()}, "runs": runs},
          open(sys.argv[2], "w"), indent=1)
print("\nwritten %s" % sys.argv[2])
