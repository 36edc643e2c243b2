#!/usr/bin/env bash
# A bad config names the file, the line and the reason, and exits with status 2.
set -u
. "$(dirname "$0")/lib.sh"
check() { # $1 = expected text, rest: config lines
  local want="$1"; shift
  printf '%s\n' "$@" > "$TEST_DIR/bad.conf"
  timeout 10 "$RTSPGATE" serve -c "$TEST_DIR/bad.conf" --listen 127.0.0.1:0 > /dev/null 2> "$TEST_DIR/err"
  local rc=$?
  [ $rc -eq 2 ] || fail "config [$*]: exit status $rc, want 2"
  grep -q -- "$want" "$TEST_DIR/err" || fail "config [$*]: message '$(cat "$TEST_DIR/err")' lacks '$want'"
}
check "bad.conf:2: unknown key 'lisen' in \[server\]" "[server]" "lisen = 1.2.3.4:5"
check "bad.conf:3: source_transport = 'sctp'" "[path a]" "source = testsrc" "source_transport = sctp"
check "bad.conf:2: max_header_bytes = '100': expected a number from 256 to 16384" "[server]" "max_header_bytes = 100"
check "bad.conf:1: unknown section \[paths a\]" "[paths a]"
check "bad.conf:2: source: unknown source 'foo:bar'" "[path a]" "source = foo:bar"
check "bad.conf:2: allow: '300.1.1.1' is not an IP address" "[server]" "allow = 300.1.1.1"
check "names 'carol', who has no \[user\] section" "[path a]" "source = testsrc" "read_users = carol"
check "bad.conf:4: path 'a' defined twice" "[path a]" "source = testsrc" "[path b]" "[path a]"
check "bad.conf:2: multicast_range: not an IPv4 multicast address" "[server]" "multicast_range = 10.0.0.0/8"
check "bad.conf:2: multicast_range: expected an IPv4 multicast network" "[server]" "multicast_range = 239.255.0.0"
check "bad.conf:2: multicast_port: must be even" "[server]" "multicast_port = 40001"
check "bad.conf:3: multicast_ttl" "[server]" "multicast_range = 239.255.0.0/16" "multicast_ttl = 0"
timeout 5 "$RTSPGATE" serve -c "$TEST_DIR/nope.conf" > /dev/null 2> "$TEST_DIR/err"
[ $? -eq 2 ] && grep -q "nope.conf: cannot open" "$TEST_DIR/err" || fail "missing config file: $(cat "$TEST_DIR/err")"
timeout 5 "$RTSPGATE" serve --path "x=testsrc:size=0x0" > /dev/null 2> "$TEST_DIR/err"
[ $? -eq 2 ] || fail "bad --path accepted"
echo "config errors: ok"
