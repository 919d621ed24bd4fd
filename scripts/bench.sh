#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Benchmarks usermediasrc against the equivalent hand-written pipelines on the same devices
# (examples/bench_pipeline/): fake devices always, the PipeWire virtual cameras of tests/vdev
# when they can be started, and screen capture on a private 1920x1080 Xvfb when Xvfb is
# installed. Prints a markdown table; --write also puts it into BENCHMARKS.md.
#
#   scripts/bench.sh [--write] [--no-vdev] [--quick] [--rounds N] [--cpu-rounds N]
#                    [--cpu-seconds S] [--only GROUP,...]
#
# Other builds or benchmarks running at the same time make the numbers noisy: the program
# alternates the two pipelines to get ratios, and records the load average.
set -euo pipefail
cd "$(dirname "$0")/.."

write=0
vdev=1
args=()
for a in "$@"; do
  case "$a" in
    --write) write=1 ;;
    --no-vdev) vdev=0 ;;
    -h | --help)
      sed -n '3,11s/^# \{0,1\}//p' "$0"
      exit 0
      ;;
    *) args+=("$a") ;;
  esac
done

started=$(date +%s)
table=$(mktemp)
stop_vdev=0
xvfb_pid=
made_x11_dir=0
cleanup() {
  rm -f "$table"
  if [ "$stop_vdev" = 1 ]; then tests/vdev/vdev.sh stop >/dev/null 2>&1 || true; fi
  if [ -n "$xvfb_pid" ]; then
    kill "$xvfb_pid" 2>/dev/null || true
    wait "$xvfb_pid" 2>/dev/null || true
  fi
  if [ "$made_x11_dir" = 1 ]; then rmdir /tmp/.X11-unix 2>/dev/null || true; fi
}
trap cleanup EXIT

scripts/deps.sh
echo "bench: building (release)" >&2
cargo build --release --example bench_pipeline >&2

# The virtual cameras: reuse a running instance (VDEV_DIR set), else start one and stop it on exit.
if [ "$vdev" = 1 ] && [ -z "${VDEV_DIR:-}" ]; then
  if out=$(tests/vdev/vdev.sh start); then
    eval "$out"
    stop_vdev=1
  else
    echo "bench: the PipeWire virtual cameras cannot be started (tests/vdev/vdev.sh start:" \
      "exit $?); fake devices only" >&2
  fi
fi
if [ "$vdev" = 1 ] && [ -n "${VDEV_DIR:-}" ]; then
  backends=fake,vdev
else
  backends=fake
  unset VDEV_DIR
fi
unset GST_USERMEDIA_FAKE_DEVICES

# A private X server for the screen-capture rows; -displayfd says its number once it is ready.
if command -v Xvfb >/dev/null; then
  [ -d /tmp/.X11-unix ] || made_x11_dir=1
  fifo=$(mktemp -u "${TMPDIR:-/tmp}/usermedia-bench-x.XXXXXX")
  mkfifo "$fifo"
  # -noreset: a desktop always has clients (a window manager); without one, an X server resets
  # each time its last client leaves, and the element's own listing connection would make the
  # capture's connection wait for that reset (10-30 ms here).
  Xvfb -displayfd 3 -br -noreset -nolisten tcp -screen 0 1920x1080x24 3>"$fifo" 2>/dev/null &
  xvfb_pid=$!
  read -r -t 10 xnum <"$fifo" || xnum=
  rm -f "$fifo"
  if [ -n "$xnum" ]; then
    export DISPLAY=":$xnum"
    # An X11 session, also when run from a Wayland desktop (displaymediasrc prepares X11
    # capture only outside Wayland sessions).
    unset WAYLAND_DISPLAY
    # displaymediasrc's X11 backend: without a session bus, a desktop portal of the session
    # this runs in is not asked first.
    export DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/usermedia-bench-no-bus"
  else
    echo "bench: Xvfb did not start; no screen-capture rows" >&2
    unset DISPLAY
  fi
else
  echo "bench: Xvfb is not installed; no screen-capture rows" >&2
  unset DISPLAY
fi

echo "bench: load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
cargo run -q --release --example bench_pipeline -- --backends "$backends" "${args[@]}" | tee "$table"

if [ "$write" = 1 ]; then
  # Replace what is between the results markers of BENCHMARKS.md.
  awk -v table="$table" '
    /<!-- results:begin -->/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
    /<!-- results:end -->/ { skip = 0 }
    !skip
  ' BENCHMARKS.md >BENCHMARKS.md.new
  grep -q '<!-- results:end -->' BENCHMARKS.md.new || {
    rm -f BENCHMARKS.md.new
    echo "bench: BENCHMARKS.md has no results markers" >&2
    exit 1
  }
  mv BENCHMARKS.md.new BENCHMARKS.md
  echo "bench: BENCHMARKS.md updated" >&2
fi
echo "bench: done in $(($(date +%s) - started)) s" >&2
