#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Installs what is missing, then runs every test: unit, property, element, command-line and
# real-device tests (PipeWire virtual devices, started and stopped by the tests' harness).
# Ends with the total over all test binaries.
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
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?$/) p += $i; if ($(i+1) ~ /^failed;?$/) f += $i; if ($(i+1) ~ /^ignored;?$/) s += $i } }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit $status
