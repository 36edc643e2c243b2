#!/usr/bin/env bash
# bench/run.sh: the fan-out benchmark (issue #7). rtspgate, the gst-rtsp-server
# peer and the raw writev forwarder get the same generated H.264 stream and the
# same load, alternating A/B/C per repeat. Servers run on core 0, generator and
# load on core 1. Prints one table and writes bench/results/<stamp>.json.
#
#   bench/run.sh                 # full: N = 100 500 1000, 4 and 8 Mbit/s, TCP and UDP,
#                                #   then the N_max search
#   BENCH_QUICK=1 bench/run.sh   # a few minutes: N = 100 500, 4 Mbit/s
# Env: BUILD_DIR (default build), BENCH_REPEATS (3), BENCH_DURATION (s),
#      BENCH_NS, BENCH_RATES, BENCH_SERVERS, BENCH_TRANSPORTS ("tcp udp"),
#      BENCH_NMAX (1: search N_max per server/rate/transport; 0: skip; only:
#      nothing else), BENCH_NMAX_RATES, BENCH_EXTRAS (0: skip slow/churn runs).
# UDP: rtspgate and the peer get RTP/AVP;unicast viewers; the raw forwarder
# sends with sendmmsg ("raw") and, for comparison, one sendto per packet
# ("rawsendto").
set -u
cd "$(dirname "$0")/.."
SRC=$PWD
B=${BUILD_DIR:-build}
cmake -S . -B "$B" -DRTSPGATE_BENCH=ON >/dev/null && cmake --build "$B" -j2 --target rtspgate bench_gen bench_load bench_rawfwd bench_peer >/dev/null ||
  { echo "bench: build failed" >&2; exit 1; }
if [ -n "${BENCH_QUICK:-}" ]; then
  NS=${BENCH_NS:-"100 500"}; RATES=${BENCH_RATES:-4000}; DUR=${BENCH_DURATION:-7}
  : "${BENCH_SLOW_REPEATS:=1}"; : "${BENCH_NMAX:=0}"
else
  NS=${BENCH_NS:-"100 500 1000"}; RATES=${BENCH_RATES:-"4000 8000"}; DUR=${BENCH_DURATION:-10}
fi
TRANSPORTS=${BENCH_TRANSPORTS:-"tcp udp"}
NMAX=${BENCH_NMAX:-1}
REPS=${BENCH_REPEATS:-3}
SERVERS=${BENCH_SERVERS:-"rtspgate peer raw"}
WARM=3
ulimit -n "$(ulimit -Hn)" 2>/dev/null
mkdir -p bench/results
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RAWF=$(mktemp /tmp/bench-runs.XXXXXX)
TMP=$(mktemp -d /tmp/bench.XXXXXX)
printf '[server]\nmax_connections = 20000\nmax_connections_per_ip = 20000\n[path bench]\n' > "$TMP/conf"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"; }
trap cleanup EXIT
HZ=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
tcp_mem_pages() { awk '/^TCP:/ {for (i = 1; i < NF; i++) if ($i == "mem") print $(i + 1)}' /proc/net/sockstat; }

# one run: $1 server, $2 N, $3 kbit, $4 extra load args, $5 label, $6 transport
run_one() {
  local srv=$1 n=$2 kbit=$3 extra=$4 label=$5 tr=${6:-tcp}
  local port=$((20000 + RANDOM % 30000)) udp spid gpid url
  udp=$((port + 1))
  case $srv in
    rtspgate) taskset -c 0 "$B/rtspgate" serve --listen 127.0.0.1:$port -c "$TMP/conf" > "$TMP/srv.log" 2>&1 &
      spid=$! ;;
    rtspgate-nogso) RTSPGATE_NO_GSO=1 taskset -c 0 "$B/rtspgate" serve --listen 127.0.0.1:$port -c "$TMP/conf" > "$TMP/srv.log" 2>&1 &
      spid=$! ;;
    peer) taskset -c 0 "$B/bench_peer" --udp-port $udp --port $port > "$TMP/srv.log" 2>&1 &
      spid=$! ;;
    raw) taskset -c 0 "$B/bench_rawfwd" --udp-port $udp --tcp-port $port > "$TMP/srv.log" 2>&1 &
      spid=$! ;;
    rawgso) taskset -c 0 "$B/bench_rawfwd" --gso --udp-port $udp --tcp-port $port > "$TMP/srv.log" 2>&1 &
      spid=$! ;;
    rawsendto) taskset -c 0 "$B/bench_rawfwd" --sendto --udp-port $udp --tcp-port $port > "$TMP/srv.log" 2>&1 &
      spid=$! ;;
  esac
  PIDS+=("$spid")
  sleep 0.5
  local rss0 sock0
  if [ "${srv%-nogso}" = rtspgate ]; then dst="--publish rtsp://127.0.0.1:$port/bench"; else dst="--udp 127.0.0.1:$udp"; fi
  taskset -c 1 "$B/bench_gen" --bitrate "$kbit" --seconds 2 --duration $((DUR + 10)) $dst > "$TMP/gen.log" 2>&1 &
  gpid=$!; PIDS+=("$gpid")
  for _ in $(seq 100); do grep -q sending "$TMP/gen.log" && break; sleep 0.1; done
  sleep 0.3
  # RSS at N = 0 is taken with the stream flowing. For the memory figure
  # (N >= 1000, or BENCH_RSS_SETTLE=1) wait until the server's packet ring
  # has filled (RSS flat for 1 s, at most 15 s), or the ring's growth during
  # the run would be charged to the viewers.
  if [ "$n" -ge 1000 ] || [ -n "${BENCH_RSS_SETTLE:-}" ]; then
    local prev=0 cur flat=0
    for _ in $(seq 30); do
      sleep 0.5; cur=$(rss_kb $spid)
      if [ $((cur - prev)) -lt 64 ]; then flat=$((flat + 1)); [ $flat -ge 2 ] && break; else flat=0; fi
      prev=$cur
    done
  fi
  rss0=$(rss_kb $spid); sock0=$(tcp_mem_pages)
  case $srv/$tr in
    raw*/tcp) url="--raw 127.0.0.1:$port" ;;
    raw*/udp) url="--raw-udp 127.0.0.1:$port" ;;
    */udp) url="--url rtsp://127.0.0.1:$port/bench --udp" ;;
    *) url="--url rtsp://127.0.0.1:$port/bench" ;;
  esac
  taskset -c 1 "$B/bench_load" $url -n "$n" --duration "$DUR" --warmup $WARM $extra > "$TMP/load.json" &
  local lpid=$!
  sleep $WARM
  local c0 c1 rss1 sock1 rssmax=0
  c0=$(cpu_ticks $spid)
  : > "$TMP/rss.txt"
  while kill -0 $lpid 2>/dev/null; do
    r=$(rss_kb $spid); [ "${r:-0}" -gt "$rssmax" ] && rssmax=$r
    echo "${r:-0}" >> "$TMP/rss.txt"
    rss1=$r; sock1=$(tcp_mem_pages); c1=$(cpu_ticks $spid)
    sleep 0.5
  done
  wait $lpid
  kill $gpid $spid 2>/dev/null; wait $gpid $spid 2>/dev/null
  local meas=$((DUR - WARM))
  python3 - "$srv" "$n" "$kbit" "$label" "$rss0" "${rss1:-0}" "$rssmax" "$sock0" "${sock1:-0}" \
    "$c0" "${c1:-0}" "$HZ" "$meas" "$TMP/load.json" "$tr" "$TMP/rss.txt" >> "$RAWF" <<'PY'
import json, sys
a = sys.argv[1:]
l = json.load(open(a[13])) if open(a[13]).read().strip() else {}
cpu = (int(a[10]) - int(a[9])) / int(a[11])
gbit = l.get("bytes", 0) * 8 / 1e9
r = dict(l)
r.update(server=a[0], n=int(a[1]), kbit=int(a[2]), mode=a[3], transport=a[14], rss0_kb=int(a[4]), rss_kb=int(a[5]),
         rss_max_kb=int(a[6]), sock_pages0=int(a[7]), sock_pages=int(a[8]), cpu_s=cpu,
         cpu_pct=100 * cpu / float(a[12]), cpu_s_per_gbit=(cpu / gbit if gbit else None))
n = max(r["n"], 1)
r["rss_per_viewer_kb"] = (r["rss_kb"] - r["rss0_kb"]) / n
r["rss_series_kb"] = [int(x) for x in open(a[15]).read().split()]
r["sock_per_viewer_kb"] = (r["sock_pages"] - r["sock_pages0"]) * 4 / n
exp = r["n"] * r["kbit"] / 1000 * 1.0
r["ok"] = bool(l) and l.get("gaps", 1) == 0 and l.get("failures", 1) == 0 and \
    l.get("lat_p99_ms", 1e9) < 50 and l.get("lag_growth_ms", 1e9) < 20 and (l.get("streaming") == r["n"] or a[3].startswith("churn"))
print(json.dumps(r))
PY
  tail -1 "$RAWF" | python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); print("  %-9s %s N=%-5d %5dk %-7s ok=%-5s gaps=%-4s p50=%.1fms p99=%.1fms cpu=%.0f%% cpu/Gbit=%s rss/viewer=%.1fKiB" % (r["server"], r["transport"], r["n"], r["kbit"], r["mode"], r["ok"], r.get("gaps"), r.get("lat_p50_ms",-1), r.get("lat_p99_ms",-1), r["cpu_pct"], "%.3f" % r["cpu_s_per_gbit"] if r["cpu_s_per_gbit"] else "-", r["rss_per_viewer_kb"]))' >&2
}

servers_for() { # $1 transport: the UDP runs add rtspgate without GSO and the
  # raw forwarder with one sendto per packet and with GSO
  local s=$SERVERS
  if [ "$1" = udp ]; then
    [[ " $SERVERS " == *" rtspgate "* ]] && s="$s rtspgate-nogso"
    [[ " $SERVERS " == *" raw "* ]] && s="$s rawsendto rawgso"
  fi
  echo "$s"
}

# N_max: double N from 100 while a run passes, then bisect between the last
# pass and the first failure to within 10% (one run per probe, then the
# result is confirmed by a second run; a failed confirmation steps down).
passes() { tail -1 "$RAWF" | python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.stdin.read())["ok"] else 1)'; }
nmax_search() { # $1 server $2 kbit $3 transport
  local srv=$1 kbit=$2 tr=$3 lo=0 hi=0 n=100 cap=${BENCH_NMAX_CAP:-4000}
  while [ $n -le $cap ]; do
    run_one "$srv" $n "$kbit" "" nmax-probe "$tr"
    if passes; then lo=$n; n=$((n * 2)); else hi=$n; break; fi
  done
  [ $hi = 0 ] && hi=$((cap + 1))
  while [ $lo -gt 0 ] && [ $((hi - lo)) -gt $((lo / 10 > 25 ? lo / 10 : 25)) ]; do
    n=$(((lo + hi) / 2))
    run_one "$srv" $n "$kbit" "" nmax-probe "$tr"
    if passes; then lo=$n; else hi=$n; fi
  done
  while [ $lo -gt 0 ]; do
    run_one "$srv" $lo "$kbit" "" nmax-confirm "$tr"
    passes && break
    lo=$((lo * 9 / 10))
  done
  echo "{\"nmax\": $lo, \"server\": \"$srv\", \"kbit\": $kbit, \"transport\": \"$tr\", \"mode\": \"nmax\", \"n\": $lo}" >> "$RAWF"
  echo "  N_max $srv $tr ${kbit}k: $lo" >&2
}

echo "bench: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), duration ${DUR}s, repeats $REPS" >&2
if [ "$NMAX" != only ]; then
  for tr in $TRANSPORTS; do
    for kbit in $RATES; do
      for n in $NS; do
        for rep in $(seq "$REPS"); do
          for srv in $(servers_for "$tr"); do run_one "$srv" "$n" "$kbit" "" plain "$tr"; done
        done
      done
    done
  done
  if [ "${BENCH_EXTRAS:-1}" != 0 ]; then
    # 10% slow viewers (reading 1 Mbit/s of a 4 Mbit/s stream) and churn, rtspgate and peer, TCP
    n=$(echo $NS | awk '{print $NF}')
    [ "$n" -gt 500 ] && n=500
    for rep in $(seq "${BENCH_SLOW_REPEATS:-$REPS}"); do
      for srv in rtspgate peer; do
        run_one "$srv" "$n" 4000 "--slow 0.1 --slow-kbit 1000" slow10
        run_one "$srv" "$n" 4000 "--churn 50" churn50
      done
    done
  fi
fi
if [ "$NMAX" != 0 ]; then
  for tr in $TRANSPORTS; do
    for kbit in ${BENCH_NMAX_RATES:-$RATES}; do
      for srv in $(servers_for "$tr"); do nmax_search "$srv" "$kbit" "$tr"; done
    done
  done
fi
OUT=bench/results/$STAMP.json
python3 "$SRC/bench/summarize.py" "$RAWF" "$OUT" "$(cut -d' ' -f1-3 /proc/loadavg)"
rm -f "$RAWF"
