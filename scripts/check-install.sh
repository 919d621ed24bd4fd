#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Checks that `meson install` puts the plugin where GStreamer finds it, on this machine as it is:
#  - the default build type is release;
#  - --prefix=<GStreamer's prefix> (/usr on Debian) installs into `pkg-config --variable=pluginsdir
#    gstreamer-1.0`, and a bare gst-inspect-1.0 whose system plugin path is that directory (under a
#    DESTDIR) finds usermediasrc;
#  - --prefix=/usr/local installs into /usr/local/<libdir>/gstreamer-1.0 and says what to export.
# Reuses cargo's target directory (CARGO_TARGET_DIR, default ./target) with the debug profile, so
# after the tests it compiles nothing; everything else lives in a temporary directory, removed at
# the end. Run by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
work=$(mktemp -d "${TMPDIR:-/tmp}/usermedia-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$src/target}
fail() { echo "check-install: FAIL: $*" >&2; exit 1; }

gst_prefix=$(pkg-config --variable=prefix gstreamer-1.0)
pluginsdir=$(pkg-config --variable=pluginsdir gstreamer-1.0)

# 1. Release unless asked otherwise (configuring only: no build).
meson setup "$work/default" "$src" >/dev/null
buildtype=$(meson introspect --buildoptions "$work/default" |
  python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "buildtype"))')
[ "$buildtype" = release ] || fail "default buildtype is $buildtype, not release"
echo "check-install: default build type: $buildtype"

# 2. GStreamer's prefix: build (debug, reusing cargo's build) and install under a DESTDIR.
meson setup "$work/build" "$src" --prefix="$gst_prefix" --buildtype=debug >"$work/setup.log" ||
  { cat "$work/setup.log" >&2; fail "meson setup"; }
meson compile -C "$work/build" >"$work/compile.log" 2>&1 || { tail -30 "$work/compile.log" >&2; fail "meson compile"; }
DESTDIR="$work/root" meson install -C "$work/build" --no-rebuild >"$work/install.log" 2>&1 ||
  { cat "$work/install.log" >&2; fail "meson install"; }
installed="$work/root$pluginsdir/libgstusermedia.so"
[ -f "$installed" ] || fail "not installed at $pluginsdir (DESTDIR $work/root): $(cd "$work/root" && find . -name '*.so')"
echo "check-install: --prefix=$gst_prefix installs $pluginsdir/libgstusermedia.so"

# A bare gst-inspect-1.0 sees only the system plugin path; point it at the DESTDIR copy of the
# system plugin directory (and nothing else), as if installed for real.
out=$(env -u GST_PLUGIN_PATH GST_PLUGIN_SYSTEM_PATH="$work/root$pluginsdir" \
  GST_REGISTRY="$work/registry.bin" gst-inspect-1.0 usermediasrc 2>&1) ||
  { echo "$out" >&2; fail "gst-inspect-1.0 usermediasrc did not find the installed plugin"; }
grep -q "$work/root$pluginsdir/libgstusermedia.so" <<<"$out" ||
  { echo "$out" >&2; fail "gst-inspect-1.0 loaded another copy of the plugin"; }
echo "check-install: gst-inspect-1.0 usermediasrc finds it"

# 3. Another prefix: <prefix>/<libdir>/gstreamer-1.0, and the export to use is printed.
meson setup "$work/local" "$src" --prefix=/usr/local --buildtype=debug >"$work/local.log" ||
  { cat "$work/local.log" >&2; fail "meson setup --prefix=/usr/local"; }
libdir=$(meson introspect --buildoptions "$work/local" |
  python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "libdir"))')
want="/usr/local/$libdir/gstreamer-1.0"
grep -q "plugin install dir *: $want\$" "$work/local.log" ||
  { cat "$work/local.log" >&2; fail "--prefix=/usr/local does not install into $want"; }
grep -q "export GST_PLUGIN_PATH=$want" "$work/local.log" ||
  { cat "$work/local.log" >&2; fail "--prefix=/usr/local does not say what to export"; }
echo "check-install: --prefix=/usr/local installs into $want and says: export GST_PLUGIN_PATH=$want"
echo "check-install: ok"
