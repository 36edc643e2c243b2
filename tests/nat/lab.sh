# The dual-NAT lab: network namespaces that stand for a viewer's home, the
# Internet and a camera site. Sourced by tests after tests/integration/lib.sh.
#
#   viewer 10.1.0.2 ── routerA (NAT + stateful firewall) 203.0.113.1 ─┐
#                                                       "internet" bridge 203.0.113.0/24
#   outsider / public host 203.0.113.10 ─────────────────────────────┤
#   routerB (NAT + firewall, forwards only TCP 1234) 203.0.113.2 ─────┘
#        └─ camera LAN 192.168.1.0/24: gw 192.168.1.10 (rtspgate),
#                                      cam1 192.168.1.64, cam2 192.168.1.65
#
# Both routers masquerade their LAN behind their public address and drop
# unsolicited inbound traffic (no ICMP answers either). Router B forwards
# TCP 203.0.113.2:1234 to 192.168.1.10:8554 unless the lab was built with
# no forward. NAT mode: "preserve" (Linux's default MASQUERADE, which keeps
# source ports when it can) or "random" (MASQUERADE --random-fully, as
# carrier-grade NAT does).
#
#   lab_need                   skip the test (77) unless namespaces, veth and
#                              iptables work here (root)
#   lab_up MODE [noforward]    build it; namespace names are in LAB_NS_<host>
#                              (hosts: viewer rA inet outsider rB gw cam1 cam2)
#   lab_exec HOST CMD...       run CMD in HOST's namespace (foreground)
#   lab_bg HOST LOG CMD...     run CMD in the background there (stdout+stderr
#                              to LOG), tracked by PID; sets LAB_PID
#   lab_wait_log LOG RE [S]    wait until LOG matches RE
#   lab_uplink down|up         cut or restore router B's Internet link
#   lab_down                   delete everything (also done at exit)
#
# Names carry the test's PID, so labs of tests running at the same time (the
# normal and the sanitizer build's) never meet.

LAB_HOSTS="viewer rA inet outsider rB gw cam1 cam2"
LAB_ID="rg$$"

lab_need() {
  [ "$(id -u)" = 0 ] || skip_lab "not root"
  command -v ip > /dev/null 2>&1 || skip_lab "no ip (iproute2)"
  command -v iptables > /dev/null 2>&1 || skip_lab "no iptables"
  ip netns add "$LAB_ID-probe" 2> /dev/null || skip_lab "cannot create network namespaces"
  if ! ip netns exec "$LAB_ID-probe" iptables -t nat -L > /dev/null 2>&1; then
    ip netns del "$LAB_ID-probe"
    skip_lab "iptables NAT does not work in a network namespace"
  fi
  ip netns del "$LAB_ID-probe"
}

skip_lab() { echo "SKIP: $TEST_NAME: NAT lab unavailable: $*" >&2; exit 77; }

_ns() { echo "$LAB_ID-$1"; }

lab_exec() {
  local h=$1
  shift
  if [ "$1" = ip ]; then # `ip -n` only enters the network namespace: much cheaper
    shift
    ip -n "$(_ns "$h")" "$@"
  else
    ip netns exec "$(_ns "$h")" "$@"
  fi
}

lab_bg() {
  local h=$1 log=$2
  shift 2
  ip netns exec "$(_ns "$h")" "$@" > "$log" 2>&1 &
  LAB_PID=$!
  track_pid "$LAB_PID"
}

lab_wait_log() { wait_file "$1" "$2" "${3:-10}"; }

# _link HOST1 IF1 HOST2 IF2: a veth pair made directly inside the namespaces
_link() {
  ip link add "$2" netns "$(_ns "$1")" type veth peer name "$4" netns "$(_ns "$3")" ||
    fail "lab: cannot make a veth pair $1/$2 - $3/$4"
}

_addr() { # HOST IF ADDR/LEN
  printf 'addr add %s dev %s\nlink set dev %s up\n' "$3" "$2" "$2" | lab_exec "$1" ip -batch - ||
    fail "lab: cannot configure $1/$2"
}

# _router HOST LAN_IF MODE: masquerade out of wan, stateful firewall
_router() {
  local h=$1 lan=$2 mode=$3 rnd=""
  [ "$mode" = random ] && rnd="--random-fully"
  lab_exec "$h" sh -c "sysctl -qw net.ipv4.ip_forward=1 && iptables-restore" <<RULES ||
*nat
-A POSTROUTING -o wan -j MASQUERADE $rnd
COMMIT
*filter
:FORWARD DROP
-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A FORWARD -i $lan -o wan -j ACCEPT
-A FORWARD -i $lan -o $lan -j ACCEPT
-A INPUT -i wan -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A INPUT -i wan -j DROP
COMMIT
RULES
    fail "lab: router $h: MASQUERADE $rnd / firewall rules failed"
}

lab_up() {
  local mode=$1 forward=${2:-forward} h
  LAB_MODE=$mode
  for h in $LAB_HOSTS; do
    ip netns add "$(_ns "$h")" || fail "lab: cannot create namespace $(_ns "$h")"
    lab_exec "$h" ip link set lo up
  done
  at_exit lab_down
  # the Internet: a bridge in "inet"
  lab_exec inet ip link add name inetbr type bridge
  lab_exec inet ip link set dev inetbr up
  _link rA wan inet pa
  _link rB wan inet pb
  _link outsider eth0 inet po
  for h in pa pb po; do
    lab_exec inet ip link set dev "$h" master inetbr
    lab_exec inet ip link set dev "$h" up
  done
  _addr rA wan 203.0.113.1/24
  _addr rB wan 203.0.113.2/24
  _addr outsider eth0 203.0.113.10/24
  # the viewer's home
  _link viewer eth0 rA lan
  _addr viewer eth0 10.1.0.2/24
  _addr rA lan 10.1.0.1/24
  lab_exec viewer ip route add default via 10.1.0.1
  # the camera site: a bridge in router B
  lab_exec rB ip link add name lanbr type bridge
  _addr rB lanbr 192.168.1.1/24
  local n ip
  for n in gw:192.168.1.10 cam1:192.168.1.64 cam2:192.168.1.65; do
    h=${n%%:*}
    ip=${n#*:}
    _link "$h" eth0 rB "p$h"
    lab_exec rB ip link set dev "p$h" master lanbr
    lab_exec rB ip link set dev "p$h" up
    _addr "$h" eth0 "$ip/24"
    lab_exec "$h" ip route add default via 192.168.1.1
  done
  _router rA lan "$mode"
  _router rB lanbr "$mode"
  if [ "$forward" = forward ]; then
    lab_exec rB iptables -t nat -A PREROUTING -i wan -p tcp --dport 1234 -j DNAT --to-destination 192.168.1.10:8554
    lab_exec rB iptables -A FORWARD -i wan -o lanbr -p tcp -d 192.168.1.10 --dport 8554 -m conntrack --ctstate NEW -j ACCEPT
  fi
}

lab_uplink() { lab_exec rB ip link set dev wan "$1"; }

lab_down() {
  local h
  for h in $LAB_HOSTS; do ip netns del "$(_ns "$h")" 2> /dev/null; done
  return 0
}
