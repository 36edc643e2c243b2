#!/usr/bin/env bash
# Holds the layering line of docs/ARCHITECTURE.md: only src/net touches sockets,
# and the pure layers (core, protocol, session, capture) use no event loop, clock, socket or libpcap.
set -u
src="${1:-.}/src"
fail=0
bad=$(grep -rlE '#include\s*<(sys/socket\.h|netinet/|arpa/inet\.h|netdb\.h)' "$src" | grep -v "^$src/net/" || true)
if [ -n "$bad" ]; then echo "socket headers outside src/net: $bad"; fail=1; fi
pure="$src/rtsp $src/sdp $src/rtp $src/session $src/capture"
bad=$(grep -rlE '#include\s*[<"](event2/|core/clock\.h|time\.h|sys/time\.h|pthread\.h|pcap\.h|pcap/)' $pure 2>/dev/null || true)
if [ -n "$bad" ]; then echo "event loop, clock or threads in pure code: $bad"; fail=1; fi
bad=$(grep -rnE '\b(sprintf|strcpy|strcat|strtok|atoi|gets|sscanf)\s*\(' "$src" || true)
if [ -n "$bad" ]; then echo "unbounded libc calls: $bad"; fail=1; fi
bad=$(grep -rnE '\bassert\s*\(' $pure 2>/dev/null || true)
if [ -n "$bad" ]; then echo "assert in protocol code: $bad"; fail=1; fi
[ $fail = 0 ] && echo "layering: ok"
exit $fail
