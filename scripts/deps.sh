#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Installs what building, testing and the demo need on Debian 12, skipping what is present.
set -euo pipefail

PACKAGES=(
  # build (dpkg-dev: meson asks dpkg-architecture for Debian's multiarch libdir)
  pkg-config gcc libc6-dev meson ninja-build dpkg-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  # run: device elements, decoders, scalers, webrtcdsp, command-line tools
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-base-apps gstreamer1.0-pulseaudio
  # the Python example (PyGObject and GStreamer's introspection data)
  python3 python3-gi gir1.2-glib-2.0 gir1.2-gstreamer-1.0
  # real-device tests: PipeWire daemons hosting virtual cameras and a microphone
  gstreamer1.0-pipewire pipewire pipewire-bin wireplumber pipewire-pulse pulseaudio-utils
  libpipewire-0.3-dev libspa-0.2-dev
  # screen-capture tests: a real X server (ximagesrc is in plugins-good)
  xvfb
  # ScreenCast portal tests: a private session bus, the real portal frontend (and its
  # permission store), a python-dbusmock backend; pw-cli (pipewire-bin) finds the node ids
  dbus-daemon xdg-desktop-portal python3-dbusmock
  # held-frame test: reads of freed or unmapped memory, caught by memcheck
  valgrind
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is missing: install Rust (>= 1.92) with rustup, then run this again." >&2
  exit 1
fi
