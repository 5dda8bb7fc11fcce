#!/usr/bin/env bash
# bench/run_all.sh BUILD_DIR: every benchmark in bench/ against that build, then a summary table.
#   BENCH_SECONDS=30  idle CPU sample length      BENCH_RESPONSES=100000  responses seeded for the "full" runs
# Needs Xvfb and GNU time (/usr/bin/time); not part of ctest. See bench/README.md.
set -euo pipefail
[ $# -eq 1 ] || { sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
seconds=${BENCH_SECONDS:-30}
responses=${BENCH_RESPONSES:-100000}
for f in app/engage-kiosk bench/engage_bench_save; do
  [ -x "$build/$f" ] || { echo "run_all: $build/$f is missing; build first (cmake --build $1)" >&2; exit 2; }
done
export PYTHONDONTWRITEBYTECODE=1
out=$(mktemp)
trap 'rm -f "$out"' EXIT

step() { echo; echo "== $1"; shift; "$@" | tee -a "$out" | grep -v '^summary: ' || true; }

step "1. idle CPU on the attract screen (${seconds} s each)" \
  python3 "$here/kiosk_bench.py" "$build" idle-cpu --seconds "$seconds"
step "2. exec to first frame" \
  python3 "$here/kiosk_bench.py" "$build" first-frame --responses "$responses"
step "3. save latency (1000 x save_response, one fsync'd transaction each)" \
  "$build/bench/engage_bench_save" --count 1000
step "4. peak RSS" \
  python3 "$here/kiosk_bench.py" "$build" peak-rss --responses "$responses"
step "4b. access: language and text-size changes (font atlas rebuilt)" \
  python3 "$here/kiosk_bench.py" "$build" access
step "4c. answers: tap to the chosen frame, and to the next question (auto-advance)" \
  python3 "$here/kiosk_bench.py" "$build" answers
step "4d. shaped scripts: first frame and a language change in ur, ar, pa, bn against en (atlas size, build time)" \
  python3 "$here/kiosk_bench.py" "$build" scripts
step "5. sync: drain ${responses} to a local hub, plain SQLite beside it; hub ingest from 500 kiosks (SQLite, PostgreSQL)" \
  python3 "$here/sync_bench.py" "$build" all --responses "$responses"
step "5b. published surveys: GET /v1/surveys from 500 kiosks with nothing new (ETag, 304), beside the whole list and /healthz" \
  python3 "$here/sync_bench.py" "$build" surveys
step "6. dashboard: overview, questions and needs pages at ${BENCH_DASHBOARD_RESPONSES:-1000000} responses (SQLite, PostgreSQL with fsync)" \
  python3 "$here/dashboard_bench.py" "$build" --responses "${BENCH_DASHBOARD_RESPONSES:-1000000}"
step "7. survey add: a 200-question XLSForm, and the same survey as Engage JSON" \
  /usr/bin/python3 "$here/xlsform_bench.py" "$build"

echo
echo "== summary ($(nproc) cores, $(uname -r))"
awk '
  /^summary: / { sub(/^summary: /, ""); split($0, f, "\t"); rows[++n] = f[1]; vals[n] = f[2] }
  /^p50 / { for (i = 1; i < NF; i++) if ($i == "p50" || $i == "p99") { rows[++n] = "save_response " $i " (1000 saves)"; vals[n] = $(i + 1) " ms" } }
  END { for (i = 1; i <= n; i++) printf "  %-58s %s\n", rows[i], vals[i] }
' "$out"
