#!/usr/bin/env bash
# UDP session liveness with --session-timeout 3 (python client rtsp_client.py):
#  - no keepalive: after the client closes its RTSP connection and sends
#    nothing, the session is logged closed with reason=timeout within 8 s and
#    RTP stops arriving;
#  - RTCP receiver reports every second (RTSP connection closed) keep the
#    session alive and RTP flowing past 8 s; when they stop it is reaped;
#  - GET_PARAMETER every second on the RTSP connection does the same.
. "$(dirname "$0")/lib.sh"
need_cmd python3
CLIENT="$(dirname "$0")/rtsp_client.py"

start_server --path "test=$TESTSRC" --session-timeout 3 -v

for ka in none rtcp getparam; do
  timeout 40 python3 "$CLIENT" reap "$URL/test" --keepalive $ka --before 2 --after 10 \
    > "$TEST_DIR/$ka.out" 2> "$TEST_DIR/$ka.err" &
  track_pid $!
  eval "pid_$ka=$!"
done
val() { sed -n "s/^$2=//p" "$TEST_DIR/$1.out" | tail -n 1; }

for ka in none rtcp getparam; do
  wait_file "$TEST_DIR/$ka.out" "^closed_at=" 20 ||
    fail "client ($ka) did not get to play: $(cat "$TEST_DIR/$ka.out" "$TEST_DIR/$ka.err" | tail -n 5)"
done
sid_none=$(val none session)
sid_rtcp=$(val rtcp session)
sid_gp=$(val getparam session)
[ -n "$sid_none" ] && [ -n "$sid_rtcp" ] && [ -n "$sid_gp" ] || fail "no Session ids from the clients"

# no keepalive: reaped within ~8 s of the RTSP connection closing
wait_log "session $sid_none closed: .*transport=UDP .*reason=timeout" 8 ||
  fail "session $sid_none (no keepalive) not logged closed with reason=timeout within 8 s: $(grep "session $sid_none" "$SERVER_LOG")"

# ... and not before its timeout: no RTSP request since PLAY (t~0.1 s) and no
# RTCP at all, so the session lives >= 3 s (duration counts from SETUP); at
# most 3 s after the RTSP connection closed (t=2 s) + 3 s timeout + slack
dur=$(sed -n "s/.*session $sid_none closed: .* duration=\([0-9.]*\).*/\1/p" "$SERVER_LOG" | head -n 1)
echo "no keepalive: reaped after duration=$dur s"
awk -v d="$dur" 'BEGIN { exit !(d != "" && d >= 2.9 && d <= 9.0) }' ||
  fail "no keepalive: session reaped at duration=$dur s, want between its 3 s timeout and ~9 s"

wait $pid_none
rc=$?
[ $rc -eq 0 ] || fail "client (none) exited with $rc: $(tail -n 3 "$TEST_DIR/none.err")"
[ "$(val none rtp_before)" -ge 50 ] || fail "no keepalive: only $(val none rtp_before) RTP packets before closing"
last=$(val none last_rtp_after_close)
[ "$last" != none ] && awk -v l="$last" 'BEGIN { exit !(l <= 8.0) }' ||
  fail "no keepalive: last RTP packet $last s after closing, want it to stop within 8 s"
[ "$(val none rtp_last3s)" -eq 0 ] || fail "no keepalive: RTP still arriving $(val none rtp_last3s) packets in the last 3 s after the reap"

for ka in rtcp getparam; do
  eval "p=\$pid_$ka"
  wait "$p"
  rc=$?
  [ $rc -eq 0 ] || fail "client ($ka) exited with $rc: $(tail -n 3 "$TEST_DIR/$ka.err")"
  sid=$(val $ka session)
  n=$(val $ka rtp_last3s)
  echo "keepalive $ka: $n RTP packets in the last 3 s (10-12 s after PLAY)"
  [ "$n" -ge 50 ] || fail "keepalive $ka: only $n RTP packets 9-12 s after closing/keepalive start, session not kept alive"
  # RTP still flowing 9-12 s after the RTSP connection closed proves the
  # session outlived 3 timeouts; the log must not say otherwise
  grep -qE "session $sid closed: .*duration=[0-8](\.[0-9]*)?( |$)" "$SERVER_LOG" &&
    fail "keepalive $ka: session closed before 9 s: $(grep "session $sid closed" "$SERVER_LOG")"
done
# the RTCP keepalive stopped with its client, whose sockets are closed now:
# it is reaped, by the timeout or sooner by ICMP port unreachable
wait_log "session $sid_rtcp closed: .*transport=UDP .*reason=(timeout|unreachable)" 10 ||
  fail "session $sid_rtcp not reaped after its RTCP receiver reports stopped: $(grep "session $sid_rtcp" "$SERVER_LOG")"
grep -qE "session $sid_none closed: .*sent_bytes=[1-9]" "$SERVER_LOG" || fail "reaped session logged without sent_bytes > 0"
stop_server
echo "udp reap: ok"
