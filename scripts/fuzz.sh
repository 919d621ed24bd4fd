#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Fuzzes the constraint engine: each cargo-fuzz target (fuzz/fuzz_targets) runs for SECONDS
# (default 60) from the seed corpus in fuzz/corpus/<target>. Prints the executions per target
# and fails if any target finds a crash, a hang (over 2 s for one input) or a blow-up (over
# 2 GB). Installs cargo-fuzz if missing.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Environment: FUZZ_SANITIZER (address, the default, or none), FUZZ_KEEP_CORPUS=1 to keep the
# corpus grown by this run (it is written to a scratch directory; the committed seeds are only
# read), USERMEDIA_FUZZ_STRICT=1 to also fail on the known video deviations the select target
# tolerates (fuzz/src/lib.rs, seeds fuzz/corpus/select/known-*). cargo-fuzz needs nightly flags;
# on a stable toolchain RUSTC_BOOTSTRAP=1 enables them.
# Crashing inputs are left in fuzz/artifacts/<target>/; reproduce one with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run <target> fuzz/artifacts/<target>/<file>
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
case $seconds in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2 ;;
esac
sanitizer=${FUZZ_SANITIZER:-address}
export RUSTC_BOOTSTRAP=1 CARGO_TERM_COLOR=never

start=$(date +%s)
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi
installed=$(date +%s)

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi

echo "== building ${targets[*]} (sanitizer: $sanitizer)"
cargo fuzz build --sanitizer "$sanitizer"
built=$(date +%s)

scratch=$(mktemp -d "${TMPDIR:-/tmp}/usermedia-fuzz.XXXXXX")
if [ "${FUZZ_KEEP_CORPUS:-0}" != 1 ]; then
  trap 'rm -rf "$scratch"' EXIT
fi

failed=()
summary=()
for t in "${targets[@]}"; do
  echo "== fuzzing $t for ${seconds}s"
  mkdir -p "$scratch/$t" "fuzz/corpus/$t"
  log="$scratch/$t.log"
  status=0
  t0=$(date +%s)
  # The first corpus directory receives new inputs; the committed seeds are only read.
  # The outer timeout is a safety net: libFuzzer stops itself after max_total_time.
  timeout -k 30 $((seconds + 300)) \
    cargo fuzz run --sanitizer "$sanitizer" "$t" "$scratch/$t" "fuzz/corpus/$t" -- \
    -max_total_time="$seconds" -timeout=2 -rss_limit_mb=2048 -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
  elapsed=$(($(date +%s) - t0))
  runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -1)
  if [ -z "$runs" ]; then
    runs=$(sed -n 's/^#\([0-9]*\)[[:space:]]*DONE.*/\1/p' "$log" | tail -1)
  fi
  rate=$(sed -n 's/^stat::average_exec_per_sec: *\([0-9]*\).*/\1/p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *\([0-9]*\).*/\1/p' "$log" | tail -1)
  corpus=$(find "$scratch/$t" "fuzz/corpus/$t" -type f | wc -l)
  line="$t: ${runs:-?} executions in ${elapsed}s (${rate:-?}/s, peak RSS ${rss:-?} MB, corpus $corpus)"
  if [ "$status" -ne 0 ]; then
    failed+=("$t")
    line="$line: FAILED (exit $status)"
    echo "--- $t: libFuzzer output (last 60 lines)"
    tail -60 "$log"
    grep -E '^(artifact_prefix|Test unit written to)' "$log" || true
  fi
  echo "$line"
  summary+=("$line")
done

end=$(date +%s)
echo "== summary"
printf '%s\n' "${summary[@]}"
echo "install $((installed - start))s, build $((built - installed))s, fuzzing $((end - built))s, total $((end - start))s"
if [ "${FUZZ_KEEP_CORPUS:-0}" = 1 ]; then
  echo "grown corpus kept in $scratch"
fi
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzzing found failures in: ${failed[*]}" >&2
  exit 1
fi
