#!/usr/bin/env bash
# Engage developer commands. Installs the Debian bookworm packages it needs (apt-get, with sudo when not root).
#   ./dev.sh run [kiosk options]   install, build, start the kiosk windowed on the demo survey (data in ./engage-data)
#   ./dev.sh test                  install, build with ASan+UBSan, run every test with ctest
#   ./dev.sh bench                 install, build (release), run the benchmarks in bench/
#   ./dev.sh setup | build         just install the packages / just build
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(
  build-essential cmake pkg-config git
  libimgui-dev libstb-dev libsdl2-dev libgl-dev libgl1-mesa-dri libfreetype-dev
  libsqlite3-dev sqlite3 libsodium-dev nlohmann-json3-dev libcli11-dev catch2
  libcurl4-openssl-dev zlib1g-dev libcpp-httplib-dev libssl-dev libpq-dev postgresql openssl
  fonts-noto-core fonts-opendyslexic
  xvfb xdotool x11-utils imagemagick python3 time
)

usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; }

setup() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "==> installing: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

build() {  # build DIR [cmake options...]
  local dir=$1; shift
  cmake -S . -B "$dir" "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
}

cmd=${1:-help}; shift || true
case "$cmd" in
  setup) setup ;;
  build) setup; build build -DCMAKE_BUILD_TYPE=RelWithDebInfo ;;
  run)
    setup
    build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DENGAGE_BUILD_TESTS=OFF
    exec build/app/engage-kiosk --windowed --data-dir "$PWD/engage-data" "$@" ;;
  test)
    setup
    build build-asan -DCMAKE_BUILD_TYPE=Debug -DENGAGE_SANITIZE=ON
    cd build-asan
    exec ctest --output-on-failure -j"$(nproc)" "$@" ;;
  bench)
    setup
    build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
    exec bench/run_all.sh build ;;
  help|-h|--help) usage ;;
  *) echo "unknown command: $cmd" >&2; usage >&2; exit 2 ;;
esac
