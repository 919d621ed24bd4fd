#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Installs what is missing, then runs every test: unit, property, element, command-line and
# real-device tests (PipeWire virtual devices, started and stopped by the tests' harness).
# Ends with the total over all test binaries. Tests keep their files under target/tmp and remove
# them on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
log=$(mktemp "${TMPDIR:-/tmp}/usermedia-test.XXXXXX")
trap 'rm -f "$log"' EXIT
status=0
# tests/examples.rs runs the example programs; `--all-targets` builds examples only as test
# harnesses, so build the programs themselves first.
cargo build --examples
cargo test --all-targets --no-fail-fast "$@" 2>&1 | tee "$log" || status=$?
# Ignored tests named *_child are helpers that other tests run in a subprocess (a process to
# crash, or one with other environment): they are counted apart, not as skipped.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?$/) p += $i; if ($(i+1) ~ /^failed;?$/) f += $i } }
     /^test .* \.\.\. ignored/ { if ($2 ~ /_child$/) h++; else s++ }
     END { if (h) printf "(%d helper tests run by other tests in a subprocess, not counted)\n", h
           printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit $status
