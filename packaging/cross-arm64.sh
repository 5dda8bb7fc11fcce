#!/usr/bin/env bash
# ./dev.sh cross-arm64: the Debian packages for arm64 (Raspberry Pi class), cross-built with Debian's multiarch
# toolchain, then the arm64 programs' command-line tests under qemu-user (docs/install.md, "arm64").
#
# The build runs in its own bookworm root (debootstrap, kept in /var/tmp/engage-pkgtest/cross-arm64 and reused),
# not on this machine: libpq-dev has no Multi-Arch field in bookworm, so libpq-dev:amd64 (for the native build)
# and libpq-dev:arm64 cannot be installed side by side. In that root only the arm64 -dev packages are installed,
# with crossbuild-essential-arm64 and qemu-user-static (run directly, no binfmt needed).
#
# Output: build-arm64/*.deb. Tests (the amd64 engage-hub from build-pkg/ for sync): check-survey (cli_check_survey),
# seed (cli_seed), sync against an amd64 hub (test_sync.py refused, cut_request, bad_token), USB bundles written by
# the arm64 kiosk and imported by the arm64 hub (test_bundle_import.py twice), hub export (test_export.py sqlite),
# hub command line (test_hub_cli.py),
# hub backup/restore (test_hub_backup.py). Root only.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
WORK=/var/tmp/engage-pkgtest
ROOT=$WORK/cross-arm64
MIRROR=${ENGAGE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
OUT=$SRC/build-arm64
start=$SECONDS

[ "$(id -u)" -eq 0 ] || { echo "cross-arm64 needs root (debootstrap, chroot, mount): run it with sudo" >&2; exit 1; }

in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
  DEBIAN_FRONTEND=noninteractive "$@"; }

mounted=()
cleanup() { for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done; }
trap cleanup EXIT

if [ ! -f "$ROOT/.engage-ready" ]; then
  echo "==> debootstrap bookworm into $ROOT"
  rm -rf "$ROOT"
  mkdir -p "$WORK/cache"
  debootstrap --variant=minbase --cache-dir="$WORK/cache" bookworm "$ROOT" "$MIRROR" >/dev/null
fi
for m in proc dev; do
  if [ "$m" = proc ]; then mount -t proc proc "$ROOT/proc"; else mount --bind /dev "$ROOT/dev"; fi
  mounted+=("$ROOT/$m")
done
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"

# The root is ready for this dev.sh's package list (a list that changed since sets it up again).
want=$(sed -n '/^PACKAGES=(/,/^)/p' dev.sh | md5sum | cut -d' ' -f1)
if [ "$(cat "$ROOT/.engage-ready" 2>/dev/null)" != "$want" ]; then
  echo "==> arm64 toolchain and -dev packages"
  in_root dpkg --add-architecture arm64
  in_root apt-get update -qq
  in_root apt-get install -y -qq --no-install-recommends build-essential crossbuild-essential-arm64 cmake \
    pkg-config dpkg-dev file gzip qemu-user-static librsvg2-bin espeak-ng sox >/dev/null
  # (rsvg-convert, espeak-ng and sox run at build time: the Easy Read demo's pictures and recordings)
  # The -dev packages of dev.sh, for arm64 (Architecture: all ones, such as nlohmann-json3-dev, as they are).
  devs=()
  for p in $(sed -n '/^PACKAGES=(/,/^)/p' dev.sh | tr ' ' '\n' | grep -- '-dev$'); do
    if in_root apt-cache show "$p" 2>/dev/null | grep -q '^Architecture: all'; then devs+=("$p"); else devs+=("$p:arm64"); fi
  done
  echo "    ${devs[*]}"
  in_root apt-get install -y -qq --no-install-recommends "${devs[@]}" >/dev/null
  echo "$want" > "$ROOT/.engage-ready"
fi

[ "${1:-}" = "--prepare" ] && { echo "==> $ROOT ready ($((SECONDS - start)) s)"; exit 0; }
echo "==> cross-build (aarch64-linux-gnu, dpkg-buildflags for arm64)"
rm -rf "$ROOT/src" && mkdir -p "$ROOT/src"
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$ROOT/src"
cat > "$ROOT/src/arm64.cmake" <<'EOF'
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_STRIP /usr/bin/aarch64-linux-gnu-strip)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
EOF
flags() { in_root env DEB_HOST_ARCH=arm64 dpkg-buildflags --get "$1"; }
in_root env DEB_HOST_ARCH=arm64 DEB_HOST_MULTIARCH=aarch64-linux-gnu DEB_HOST_GNU_TYPE=aarch64-linux-gnu \
  CFLAGS="$(flags CFLAGS)" CXXFLAGS="$(flags CXXFLAGS) $(flags CPPFLAGS)" LDFLAGS="$(flags LDFLAGS)" \
  PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig \
  sh -c "cmake -S /src -B /src/build -DCMAKE_TOOLCHAIN_FILE=/src/arm64.cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo \
         -DENGAGE_BUILD_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/usr -DENGAGE_DEB_ARCH=arm64 >/dev/null &&
         cmake --build /src/build -j$(nproc) --target package"
rm -rf "$OUT" && mkdir -p "$OUT"
cp "$ROOT"/src/build/*.deb "$OUT/"
for d in "$OUT"/*.deb; do
  echo "    $(basename "$d"): $(dpkg-deb -f "$d" Architecture) Depends: $(dpkg-deb -f "$d" Depends)"
done
file "$ROOT/src/build/app/engage-kiosk" "$ROOT/src/build/hub/engage-hub" | sed 's/^/    /'

[ -x build-pkg/hub/engage-hub ] || { echo "build-pkg/hub/engage-hub missing: run ./dev.sh package first" >&2; exit 1; }
echo "==> arm64 command-line tests under qemu-user (qemu-aarch64-static -L $ROOT)"
bin=$OUT/bin
mkdir -p "$bin"
for p in engage-kiosk:app engage-hub:hub; do
  name=${p%%:*} dir=${p##*:}
  printf '#!/bin/sh\nexec %s -L %s %s "$@"\n' "$ROOT/usr/bin/qemu-aarch64-static" "$ROOT" \
    "$ROOT/src/build/$dir/$name" > "$bin/$name"
  chmod +x "$bin/$name"
done
"$bin/engage-kiosk" --version
export PYTHONDONTWRITEBYTECODE=1 ENGAGE_ASSETS=$SRC/assets
failed=0
t() {  # t NAME COMMAND...
  local t0=$SECONDS
  if "${@:2}" > "$OUT/$1.log" 2>&1; then echo "    passed $1 ($((SECONDS - t0)) s)"
  else echo "    FAILED $1 ($((SECONDS - t0)) s): $OUT/$1.log"; tail -20 "$OUT/$1.log"; failed=1; fi
}
PY=/usr/bin/python3
t check-survey $PY tests/ui/test_cli.py "$bin/engage-kiosk" "$SRC"
t seed $PY tests/ui/test_seed_cli.py "$bin/engage-kiosk"
for s in refused cut_request bad_token; do
  t "sync-$s-amd64-hub" $PY tests/sync/test_sync.py build-pkg/hub/engage-hub "$bin/engage-kiosk" "$s"
done
t bundle-import $PY tests/hub/test_bundle_import.py "$bin/engage-hub" "$bin/engage-kiosk" twice sqlite
t hub-export $PY tests/hub/test_export.py "$bin/engage-hub" sqlite
t hub-cli $PY tests/hub/test_hub_cli.py "$bin/engage-hub"
t hub-backup $PY tests/hub/test_hub_backup.py "$bin/engage-hub"
echo "==> cross-arm64 $([ $failed = 0 ] && echo passed || echo FAILED) in $((SECONDS - start)) s; packages in $OUT"
exit $failed
