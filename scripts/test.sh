#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Installs what is missing, then runs every test: unit, property, element, command-line and
# real-device tests (PipeWire virtual devices, started and stopped by the tests' harness).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cargo test --all-targets "$@"
