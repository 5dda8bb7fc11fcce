#!/usr/bin/env bash
# run.sh FUZZER SEED_DIR SECONDS ARTEFACT_DIR
# Runs one libFuzzer target for SECONDS on a copy of its seeds (the repo's corpus is never written), and prints
#   fuzz <target>: ok (<runs> runs, <features> features)
# Exits non-zero on any crash, leak, timeout (10 s for one input) or out-of-memory; the input that did it is kept
# in ARTEFACT_DIR and named on stderr. FUZZ_KEEP_CORPUS=DIR keeps the grown corpus there (long runs).
set -uo pipefail
if [ $# -ne 4 ]; then
  echo "usage: run.sh FUZZER SEED_DIR SECONDS ARTEFACT_DIR" >&2
  exit 2
fi
fuzzer=$1 seeds=$2 seconds=$3 artefacts=$4
target=$(basename "$fuzzer"); target=${target#fuzz_}
[ -x "$fuzzer" ] || { echo "fuzz $target: FAILED (no fuzzer at $fuzzer: build it with ./dev.sh fuzz)" >&2; exit 1; }
[ -d "$seeds" ] || { echo "fuzz $target: FAILED (no seed folder $seeds)" >&2; exit 1; }
mkdir -p "$artefacts"
work=${FUZZ_KEEP_CORPUS:-}
if [ -z "$work" ]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/engage-fuzz-$target-XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
log="$artefacts/$target.log"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
  -artifact_prefix="$artefacts/$target-" "$work" "$seeds" >"$log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
features=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
persec=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
if [ $rc -ne 0 ] || [ -z "$runs" ]; then
  echo "fuzz $target: FAILED (exit $rc; log $log)" >&2
  grep -E "ERROR:|SUMMARY:|Test unit written|==[0-9]+==" "$log" | head -20 >&2
  exit 1
fi
echo "fuzz $target: ok ($runs runs, ${features:-0} features)"
[ -n "${FUZZ_VERBOSE:-}" ] && echo "fuzz $target: ${persec:-?} runs/s, cov ${cov:-0}, ${features:-0} features, corpus $(ls "$work" | wc -l)"
exit 0
