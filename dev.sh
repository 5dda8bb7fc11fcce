#!/usr/bin/env bash
# Engage developer commands. Installs the Debian bookworm packages it needs (apt-get, with sudo when not root).
#   ./dev.sh run [kiosk options]   install, build, start a local hub and the kiosk on the demo survey (./engage-data)
#   ./dev.sh test                  install, build with ASan+UBSan, run every test with ctest
#   ./dev.sh bench                 install, build (release), run the benchmarks in bench/
#   ./dev.sh fuzz [SECONDS]        build the libFuzzer targets (clang, ASan+UBSan), run each for SECONDS (60)
#   ./dev.sh tsan                  build with ThreadSanitizer (build-tsan), run every test but the UI ones
#   ./dev.sh soak                  1,000 power cuts, kiosk SIGKILLs and hub SIGKILLs (50 kiosks); about 30 min
#   ./dev.sh package               install, build (release, Debian's hardening flags), make the .debs in build-pkg/
#   ./dev.sh package-test          package, then lintian and install them in a fresh bookworm root (root; ~6 min)
#   ./dev.sh cross-arm64           package, then the arm64 .debs in build-arm64/ and their command-line tests (qemu)
#   ./dev.sh setup | build         just install the packages / just build
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(
  build-essential cmake pkg-config git
  libimgui-dev libstb-dev libsdl2-dev libgl-dev libgl1-mesa-dri libfreetype-dev
  libsqlite3-dev sqlite3 libsodium-dev nettle-dev libsystemd-dev nlohmann-json3-dev libcli11-dev catch2
  libcurl4-openssl-dev zlib1g-dev libmicrohttpd-dev libbrotli-dev libssl-dev libpq-dev postgresql openssl
  libkainjow-mustache-dev libzip-dev libxml2-dev python3-openpyxl libraqm-dev libharfbuzz-bin
  tesseract-ocr tesseract-ocr-urd tesseract-ocr-ara tesseract-ocr-pan tesseract-ocr-ben
  fonts-noto-core fonts-opendyslexic fonts-wqy-microhei espeak-ng sox librsvg2-bin
  xvfb xdotool x11-utils imagemagick python3 time chromium libreoffice-calc-nogui npm
  clang libclang-rt-dev
  dpkg-dev debootstrap lintian
)

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }

setup() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    # A Node.js from elsewhere (e.g. NodeSource) brings its own npm and conflicts with Debian's npm package.
    if [ "$p" = npm ] && command -v npm >/dev/null; then continue; fi
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "==> installing: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
  # axe-core from the npm registry for the dashboard's accessibility test (tests/hub/axe/package-lock.json pins
  # it); the test itself never downloads anything.
  if [ ! -f tests/hub/axe/node_modules/axe-core/axe.min.js ]; then
    echo "==> npm: axe-core into tests/hub/axe"
    npm ci --prefix tests/hub/axe --no-audit --no-fund --ignore-scripts
  fi
}

build() {  # build DIR [cmake options...]
  local dir=$1; shift
  cmake -S . -B "$dir" "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
}

# The libFuzzer targets (tests/fuzz), in their own clang build dir.
build_fuzzers() {
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DENGAGE_FUZZ=ON \
    -DENGAGE_BUILD_APP=OFF >/dev/null
  cmake --build build-fuzz --target fuzzers -j"$(nproc)"
}

# The kiosk on the demo survey, with a local hub (SQLite) that it syncs to; all data in ./engage-data.
run_demo() {
  local data="$PWD/engage-data" hub=build/hub/engage-hub port=${ENGAGE_DEMO_PORT:-8765}
  mkdir -p "$data"
  if [ ! -f "$data/kiosk.json" ]; then
    local token
    token=$("$hub" kiosk add "This computer (demo)" --db "$data/hub.sqlite" --json |
            python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
    printf '{"hub_url": "http://127.0.0.1:%s", "hub_token": "%s"}\n' "$port" "$token" > "$data/kiosk.json"
  fi
  "$hub" serve --db "$data/hub.sqlite" --listen "127.0.0.1:$port" --log "$data/hub.log" 2>/dev/null &
  local hub_pid=$!
  trap 'kill $hub_pid 2>/dev/null' EXIT
  echo "==> hub on http://127.0.0.1:$port (log: $data/hub.log); kiosk data in $data/kiosk"
  echo "==> facilitator panel: hold the bottom-left corner for 3 s (first time: choose a PIN)"
  build/app/engage-kiosk --windowed --data-dir "$data/kiosk" --config "$data/kiosk.json" "$@"
}

# The Debian packages (packaging/CMakeLists.txt): a release build with dpkg-buildflags' hardening flags.
package() {  # package DIR [cmake options...]
  local dir=$1; shift
  CFLAGS=$(dpkg-buildflags --get CFLAGS) CXXFLAGS="$(dpkg-buildflags --get CXXFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
    LDFLAGS=$(dpkg-buildflags --get LDFLAGS) \
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DENGAGE_BUILD_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/usr "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)" --target package
  ls -l "$dir"/*.deb
}

cmd=${1:-help}; shift || true
case "$cmd" in
  setup) setup ;;
  build) setup; build build -DCMAKE_BUILD_TYPE=RelWithDebInfo ;;
  run)
    setup
    build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DENGAGE_BUILD_TESTS=OFF
    run_demo "$@" ;;
  test)
    setup
    build_fuzzers   # ctest runs each for 5 s (tests/fuzz)
    build build-asan -DCMAKE_BUILD_TYPE=Debug -DENGAGE_SANITIZE=ON -DENGAGE_FUZZ_DIR="$PWD/build-fuzz"
    cd build-asan
    export ENGAGE_REQUIRE_POSTGRES=1   # the PostgreSQL tests must run, never skip
    export ENGAGE_SYNC_SEED=${ENGAGE_SYNC_SEED:-20261122}  # the randomized sync run; set another seed to explore
    exec ctest --output-on-failure -j"$(nproc)" "$@" ;;
  bench)
    setup
    build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
    exec bench/run_all.sh build ;;
  fuzz)
    seconds=${1:-60}
    [[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: SECONDS must be a whole number above 0, not '$seconds'" >&2; exit 2; }
    setup
    build_fuzzers
    failed=0
    for t in survey bundle reply config batch xlsform pack dashboard; do
      tests/fuzz/run.sh "build-fuzz/tests/fuzz/fuzz_$t" "tests/fuzz/corpus/$t" "$seconds" build-fuzz/artefacts || failed=1
    done
    exit $failed ;;
  soak)
    # Long runs outside CI, on the release build (tests/soak/README.md). Each prints what was lost (must be 0).
    setup
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build build -j"$(nproc)" --target engage-hub engage_crash_test engage_crash_writer engage_powerloss_test
    rc=0
    build/tests/powerloss/engage_powerloss_test --cycles 1000 --synchronous FULL || rc=1
    build/tests/powerloss/engage_powerloss_test --cycles 1000 --synchronous NORMAL --expect-loss || rc=1
    build/tests/crash/engage_crash_test --rounds 1000 --max-ms 400 || rc=1
    /usr/bin/python3 tests/soak/hub_soak.py build/hub/engage-hub --kills 1000 --kiosks 50 --max-minutes 45 || rc=1
    exit $rc ;;
  tsan)
    # Every test but the UI ones (Mesa and SDL are not built for TSan): unit tests, the sync client's thread
    # against a real hub (faults, concurrent saves, two hubs on PostgreSQL), the hub's tests, crash, power loss.
    # Each process writes its race reports to build-tsan/tsan-reports/; any report fails the run.
    setup
    build build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DENGAGE_TSAN=ON
    reports="$PWD/build-tsan/tsan-reports"
    rm -rf "$reports" && mkdir -p "$reports"
    export TSAN_OPTIONS="log_path=$reports/tsan second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
    export ENGAGE_REQUIRE_POSTGRES=1 ENGAGE_SYNC_SEED=${ENGAGE_SYNC_SEED:-20261122}
    rc=0
    (cd build-tsan && ctest --output-on-failure -j"$(nproc)" -LE 'ui|fonts' "$@") || rc=1
    if compgen -G "$reports/tsan*" >/dev/null; then
      echo "tsan: ThreadSanitizer reports in $reports:" >&2
      for f in "$reports"/tsan*; do grep -m1 "WARNING: ThreadSanitizer" "$f" | sed "s|^|  $(basename "$f"): |" >&2; done
      rc=1
    fi
    [ $rc -eq 0 ] && echo "tsan: no data race reported"
    exit $rc ;;
  package)
    setup
    rm -f build-pkg/*.deb
    package build-pkg ;;
  package-test)
    setup
    rm -f build-pkg/*.deb
    package build-pkg
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    exec $sudo /usr/bin/python3 packaging/package_test.py build-pkg build-pkg/test-artefacts/package "$@" ;;
  cross-arm64)
    setup
    [ -x build-pkg/hub/engage-hub ] || package build-pkg
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    exec $sudo packaging/cross-arm64.sh ;;
  help|-h|--help) usage ;;
  *) echo "unknown command: $cmd" >&2; usage >&2; exit 2 ;;
esac
