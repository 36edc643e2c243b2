#!/usr/bin/env bash
# Installs the Debian packages rtspgate needs that are missing.
#   scripts/deps.sh run    build dependencies
#   scripts/deps.sh test   build dependencies + test peers (ffmpeg, GStreamer, clang ...)
# As root it runs apt-get; otherwise it prints the apt-get line and fails.
set -euo pipefail
what="${1:-run}"
build_pkgs=(build-essential cmake pkg-config libevent-dev libssl-dev libavformat-dev
  libavcodec-dev libavutil-dev libinih-dev libpcap-dev libcmocka-dev)
test_pkgs=(ffmpeg gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-rtsp
  libgstrtspserver-1.0-dev clang libclang-rt-dev iproute2 iptables tshark procps psmisc ethtool)
pkgs=("${build_pkgs[@]}")
[ "$what" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$st" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages. Install them with:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
apt-get update -qq
apt-get install -y -q --no-install-recommends "${missing[@]}"
