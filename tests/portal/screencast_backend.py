# SPDX-License-Identifier: MPL-2.0
"""python-dbusmock template: an org.freedesktop.impl.portal.ScreenCast backend for the real
xdg-desktop-portal frontend, handing out one PipeWire node as the "chosen" surface.

Parameters (JSON, `python3 -m dbusmock --session -t THIS_FILE -p '{...}'`):
  version         the backend interface version (default 4)
  source-types    AvailableSourceTypes (default 3: monitor | window)
  cursor-modes    AvailableCursorModes (default 7)
  node-id         PipeWire node id of the stream Start returns
  serial          its object.serial (sent as pipewire-serial), or absent
  size            [w, h] of the stream (default [320, 240]); null: no size sent
  source-type     the stream's source_type (default 1: monitor)
  response        the code SelectSources answers with (0 granted, 1 cancelled, 2 failed)
  answer          false: SelectSources never answers (the request waits for Close)

Test-only method on the main object, interface org.usermedia.test.ScreenCastMock:
  Stats() -> a{sv}: sessions_created, requests_closed, sessions_closed, sessions_open (u) and
  the options of the last SelectSources as `select_options`.
  CloseSessions(): closes every session from the backend's side, as a desktop does when the
  user stops sharing (the frontend then emits Session.Closed to the application).
"""

import dbus
import dbus.service
from gi.repository import GLib

BUS_NAME = "org.freedesktop.impl.portal.UsermediaTest"
MAIN_OBJ = "/org/freedesktop/portal/desktop"
MAIN_IFACE = "org.freedesktop.impl.portal.ScreenCast"
SYSTEM_BUS = False
TEST_IFACE = "org.usermedia.test.ScreenCastMock"


class Plain(dbus.service.Object):
    """A plain dbus-python object. dbusmock replaces dbus-python's method lookup with one that
    first looks in a `methods` table by interface; an empty one sends it to the original."""

    methods = {}
    interface = None


class ImplRequest(Plain):
    """The impl side of one request: the frontend calls Close on it when the client gives up."""

    def __init__(self, mock, handle, on_close):
        super().__init__(mock.connection, handle)
        self.on_close = on_close

    @dbus.service.method("org.freedesktop.impl.portal.Request", in_signature="", out_signature="")
    def Close(self):
        self.remove_from_connection()
        self.on_close()


class ImplSession(Plain):
    def __init__(self, mock, handle):
        super().__init__(mock.connection, handle)
        self.mock = mock
        self.handle = handle

    @dbus.service.method("org.freedesktop.impl.portal.Session", in_signature="", out_signature="")
    def Close(self):
        self.mock.usermedia["sessions_closed"] += 1
        self.mock.usermedia["sessions"].pop(self.handle, None)
        self.remove_from_connection()

    @dbus.service.signal("org.freedesktop.impl.portal.Session", signature="")
    def Closed(self):
        pass


def load(mock, parameters):
    mock.usermedia = {
        "params": parameters,
        "sessions_created": 0,
        "requests_closed": 0,
        "sessions_closed": 0,
        "sessions": {},
        "select_options": dbus.Dictionary({}, signature="sv"),
    }
    mock.AddProperties(
        MAIN_IFACE,
        dbus.Dictionary(
            {
                "version": dbus.UInt32(parameters.get("version", 4)),
                "AvailableSourceTypes": dbus.UInt32(parameters.get("source-types", 3)),
                "AvailableCursorModes": dbus.UInt32(parameters.get("cursor-modes", 7)),
            }
        ),
    )


def _closed(mock):
    def on_close():
        mock.usermedia["requests_closed"] += 1

    return on_close


@dbus.service.method(MAIN_IFACE, in_signature="oosa{sv}", out_signature="ua{sv}")
def CreateSession(self, handle, session_handle, app_id, options):
    self.usermedia["sessions_created"] += 1
    self.usermedia["sessions"][session_handle] = ImplSession(self, session_handle)
    return (dbus.UInt32(0), dbus.Dictionary({"session_id": "usermedia-test"}, signature="sv"))


@dbus.service.method(
    MAIN_IFACE,
    in_signature="oosa{sv}",
    out_signature="ua{sv}",
    async_callbacks=("reply", "error"),
)
def SelectSources(self, handle, session_handle, app_id, options, reply, error):
    params = self.usermedia["params"]
    self.usermedia["select_options"] = dbus.Dictionary(options, signature="sv")
    if session_handle not in self.usermedia["sessions"]:
        error(dbus.exceptions.DBusException("no such session", name="org.freedesktop.DBus.Error.Failed"))
        return
    if not params.get("answer", True):
        # The "dialog" stays open until the frontend closes the request; a closed request
        # answers 2 to the frontend, as real backends do.
        def on_close():
            _closed(self)()
            reply(dbus.UInt32(2), dbus.Dictionary({}, signature="sv"))

        ImplRequest(self, handle, on_close)
        return
    response = dbus.UInt32(params.get("response", 0))

    def answer():
        reply(response, dbus.Dictionary({}, signature="sv"))
        return False

    # Answer from the main loop, as a backend showing a dialog would.
    GLib.idle_add(answer)


@dbus.service.method(MAIN_IFACE, in_signature="oossa{sv}", out_signature="ua{sv}")
def Start(self, handle, session_handle, app_id, parent_window, options):
    params = self.usermedia["params"]
    size = params.get("size", [320, 240])
    props = {
        "position": dbus.Struct((dbus.Int32(0), dbus.Int32(0)), signature="ii"),
        "source_type": dbus.UInt32(params.get("source-type", 1)),
    }
    if size is not None:
        props["size"] = dbus.Struct((dbus.Int32(size[0]), dbus.Int32(size[1])), signature="ii")
    if "serial" in params:
        props["pipewire-serial"] = dbus.UInt64(params["serial"])
    streams = dbus.Array(
        [dbus.Struct((dbus.UInt32(params["node-id"]), dbus.Dictionary(props, signature="sv")))],
        signature="(ua{sv})",
    )
    results = {"streams": streams}
    persist = int(self.usermedia["select_options"].get("persist_mode", 0))
    if persist:
        # What the backend needs to restore the same choice; the frontend turns it into a token.
        results["persist_mode"] = dbus.UInt32(persist)
        results["restore_data"] = dbus.Struct(
            ("usermedia-test", dbus.UInt32(1), dbus.String("node-%d" % params["node-id"], variant_level=1)),
            signature="suv",
        )
    return (dbus.UInt32(0), dbus.Dictionary(results, signature="sv"))


@dbus.service.method(TEST_IFACE, in_signature="", out_signature="a{sv}")
def Stats(self):
    return dbus.Dictionary(
        {
            "sessions_created": dbus.UInt32(self.usermedia["sessions_created"]),
            "requests_closed": dbus.UInt32(self.usermedia["requests_closed"]),
            "sessions_closed": dbus.UInt32(self.usermedia["sessions_closed"]),
            "sessions_open": dbus.UInt32(len(self.usermedia["sessions"])),
            "select_options": self.usermedia["select_options"],
        },
        signature="sv",
    )


@dbus.service.method(TEST_IFACE, in_signature="", out_signature="")
def CloseSessions(self):
    for handle, session in list(self.usermedia["sessions"].items()):
        session.Closed()
        session.remove_from_connection()
        self.usermedia["sessions"].pop(handle, None)
        self.usermedia["sessions_closed"] += 1
