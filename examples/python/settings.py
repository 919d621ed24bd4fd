#!/usr/bin/env python3
# SPDX-License-Identifier: MPL-2.0
"""usermediasrc from Python (PyGObject): getUserMedia() with constraints, the chosen settings
printed, the error (with its DOMException name) printed when nothing fits.

    python3 settings.py "{video: {facingMode: 'user'}}"

The plugin must be installed or on GST_PLUGIN_PATH (Debian: python3-gi, gir1.2-gstreamer-1.0).
Prints "settings: <JSON>" once the pipeline plays; exit status 0 on success, 2 on a
getUserMedia error, 1 otherwise.
"""

import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402


def main():
    constraints = sys.argv[1] if len(sys.argv) > 1 else "{video: {facingMode: 'user'}}"
    Gst.init(None)

    src = Gst.ElementFactory.make("usermediasrc")
    if src is None:
        print("usermediasrc not found: install the plugin or set GST_PLUGIN_PATH", file=sys.stderr)
        return 1
    src.set_property("constraints", constraints)

    pipeline = Gst.Pipeline.new()
    pipeline.add(src)

    # Every pad usermediasrc adds (video_0, audio_0) goes to a sink of its own.
    def on_pad_added(_src, pad):
        sink = Gst.ElementFactory.make("fakesink")
        sink.set_property("sync", False)
        pipeline.add(sink)
        sink.sync_state_with_parent()
        pad.link(sink.get_static_pad("sink"))

    src.connect("pad-added", on_pad_added)
    pipeline.set_state(Gst.State.PLAYING)

    # Until the pipeline plays (the devices are open and media flows) or fails.
    status = 1
    bus = pipeline.get_bus()
    while True:
        msg = bus.timed_pop_filtered(
            10 * Gst.SECOND, Gst.MessageType.ERROR | Gst.MessageType.STATE_CHANGED
        )
        if msg is None:
            print("timed out", file=sys.stderr)
            break
        if msg.type == Gst.MessageType.ERROR:
            err, _debug = msg.parse_error()
            # usermediasrc's errors carry the DOMException name: "usermedia-error" details.
            details = msg.parse_error_details()
            if details is not None and details.has_name("usermedia-error"):
                print(
                    "getUserMedia failed: %s: %s"
                    % (details.get_string("name"), details.get_string("message")),
                    file=sys.stderr,
                )
                status = 2
            else:
                print("error: %s" % err.message, file=sys.stderr)
            break
        if msg.src == pipeline:
            _old, state, _pending = msg.parse_state_changed()
            if state == Gst.State.PLAYING:
                print("settings: %s" % src.get_property("settings"))
                status = 0
                break

    pipeline.set_state(Gst.State.NULL)
    return status


if __name__ == "__main__":
    sys.exit(main())
