#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Installs what is missing, builds the plugin (release), and runs usermediasrc for real.
# Without a camera it uses two fake cameras; it prints the chosen settings and writes a
# snapshot PNG. With a camera and a display (USERMEDIA_DEMO_LIVE=1) it shows live video.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cargo build --release --lib
export GST_PLUGIN_PATH="$PWD/target/release${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"

constraints=${1:-"{video: {width: {min: 1280}, frameRate: 30}}"}
snapshot=${SNAPSHOT:-$PWD/snapshot.png}

if [ "${USERMEDIA_DEMO_LIVE:-0}" = 1 ]; then
  exec gst-launch-1.0 usermediasrc constraints="$constraints" ! videoconvert ! autovideosink
fi

if [ -z "${GST_USERMEDIA_FAKE_DEVICES:-}" ]; then
  export GST_USERMEDIA_FAKE_DEVICES='[
    {"kind": "videoinput", "deviceId": "cam-vga", "label": "Fake VGA camera", "groupId": "g0",
     "facingMode": "user", "caps": "video/x-raw,format=YUY2,width=640,height=480,framerate=30/1"},
    {"kind": "videoinput", "deviceId": "cam-hd", "label": "Fake HD camera",
     "caps": "video/x-raw,format=YUY2,width=1280,height=720,framerate=10/1; image/jpeg,width=1920,height=1080,framerate=30/1"}
  ]'
  echo "No GST_USERMEDIA_FAKE_DEVICES given: using two fake cameras." >&2
fi

echo "+ gst-launch-1.0 usermediasrc constraints='$constraints' ! videoconvert ! pngenc snapshot=true ! filesink location=$snapshot"
# -v prints the element's settings when they are chosen (notify::settings); -m its messages.
gst-launch-1.0 -v -m usermediasrc name=src constraints="$constraints" \
  ! videoconvert ! pngenc snapshot=true ! filesink location="$snapshot" \
  | grep -E 'GstUserMediaSrc:src: (settings|capabilities)|usermedia-|ERROR|rror:' \
  | sed -e 's|^/GstPipeline:pipeline0/GstUserMediaSrc:src: ||' || true
test -s "$snapshot" || { echo "no snapshot written" >&2; exit 1; }
echo "Snapshot: $snapshot"
