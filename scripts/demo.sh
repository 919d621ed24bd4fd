#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Installs what is missing, builds the plugin (release), and runs usermediasrc for real.
#
# Devices: GST_USERMEDIA_FAKE_DEVICES if set; else the cameras GStreamer's device monitor finds
# (listed); else two fake cameras. With a real camera and a display it shows live video;
# otherwise it prints the chosen settings and writes a snapshot PNG (SNAPSHOT, default
# ./snapshot.png; nothing is left there when it fails). USERMEDIA_DEMO_LIVE=1 / 0 forces live
# video / the snapshot. USERMEDIA_PLUGIN_DIR: use the plugin in that directory (no install, no
# build). The first argument replaces the constraints.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${USERMEDIA_PLUGIN_DIR:-}" ]; then
  plugin_dir=$USERMEDIA_PLUGIN_DIR
else
  scripts/deps.sh
  cargo build --release --lib
  plugin_dir=${CARGO_TARGET_DIR:-$PWD/target}/release
fi
export GST_PLUGIN_PATH="$plugin_dir${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
snapshot=${SNAPSHOT:-$PWD/snapshot.png}

# The cameras of the device monitor, one name a line (the plugin's fake provider lists nothing
# while GST_USERMEDIA_FAKE_DEVICES is unset).
cameras() {
  gst-device-monitor-1.0 Video/Source 2>/dev/null |
    awk '/^[ \t]*name[ \t]*:/ { sub(/^[ \t]*name[ \t]*:[ \t]*/, ""); name = $0 }
         /^[ \t]*class[ \t]*:/ && /Video\/Source/ && name != "" { print name; name = "" }'
}

real=0
if [ -n "${GST_USERMEDIA_FAKE_DEVICES:-}" ]; then
  echo "Using the fake devices of GST_USERMEDIA_FAKE_DEVICES." >&2
elif found=$(cameras) && [ -n "$found" ]; then
  real=1
  echo "Using this machine's cameras:" >&2
  sed 's/^/  - /' <<<"$found" >&2
else
  export GST_USERMEDIA_FAKE_DEVICES='[
    {"kind": "videoinput", "deviceId": "cam-vga", "label": "Fake VGA camera", "groupId": "g0",
     "facingMode": "user", "caps": "video/x-raw,format=YUY2,width=640,height=480,framerate=30/1"},
    {"kind": "videoinput", "deviceId": "cam-hd", "label": "Fake HD camera",
     "caps": "video/x-raw,format=YUY2,width=1280,height=720,framerate=10/1; image/jpeg,width=1920,height=1080,framerate=30/1"}
  ]'
  echo "No camera found: using two fake cameras." >&2
fi

# A real camera may not reach 1280 pixels: ask for it without requiring it.
if [ "$real" = 1 ]; then
  default_constraints="{video: {width: {ideal: 1280}, frameRate: {ideal: 30}}}"
else
  default_constraints="{video: {width: {min: 1280}, frameRate: 30}}"
fi
constraints=${1:-$default_constraints}

live=${USERMEDIA_DEMO_LIVE:-}
if [ -z "$live" ]; then
  live=0
  [ "$real" = 1 ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && live=1
fi
if [ "$live" = 1 ]; then
  echo "+ gst-launch-1.0 usermediasrc constraints='$constraints' ! videoconvert ! autovideosink" >&2
  exec gst-launch-1.0 usermediasrc constraints="$constraints" ! videoconvert ! autovideosink
fi

# Written next to the snapshot, moved into place only when complete.
partial=$(mktemp "$snapshot.XXXXXX")
trap 'rm -f "$partial"' EXIT
echo "+ gst-launch-1.0 usermediasrc constraints='$constraints' ! videoconvert ! pngenc snapshot=true ! filesink location=$snapshot" >&2
# -v prints the element's settings when they are chosen (notify::settings); -m its messages.
set +e
gst-launch-1.0 -v -m usermediasrc name=src constraints="$constraints" \
  ! videoconvert ! pngenc snapshot=true ! filesink location="$partial" 2>&1 |
  grep -E 'GstUserMediaSrc:src: (settings|capabilities)|usermedia-|ERROR|rror:|WARNING' |
  sed -e 's|^/GstPipeline:pipeline0/GstUserMediaSrc:src: ||'
status=${PIPESTATUS[0]}
set -e
if [ "$status" != 0 ] || [ ! -s "$partial" ]; then
  echo "no snapshot written (gst-launch-1.0 exit status $status)" >&2
  exit 1
fi
chmod 644 "$partial"
mv "$partial" "$snapshot"
echo "Snapshot: $snapshot"
