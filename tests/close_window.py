"""Closes a window the way a window manager's close button does: sends it
WM_DELETE_WINDOW (with no window manager on Xvfb, nothing else would).

Usage: close_window.py NAME   (an exact window title; DISPLAY from the
environment). Exits 1 when no window has that title.
"""

import ctypes
import os
import subprocess
import sys


def close_window(display, name):
    wid = subprocess.run(["xdotool", "search", "--name", f"^{name}$"], env={**os.environ, "DISPLAY": display},
                         capture_output=True, text=True).stdout.split()
    if not wid:
        raise RuntimeError(f"no window named {name!r}")
    x = ctypes.CDLL("libX11.so.6")
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XInternAtom.restype = ctypes.c_ulong
    x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
    x.XFlush.argtypes = [ctypes.c_void_p]
    x.XCloseDisplay.argtypes = [ctypes.c_void_p]

    class ClientMessage(ctypes.Structure):
        _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                    ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                    ("format", ctypes.c_int), ("data", ctypes.c_long * 5), ("pad", ctypes.c_long * 12)]

    d = x.XOpenDisplay(display.encode())
    for w in wid:
        ev = ClientMessage(type=33, send_event=1, window=int(w), format=32, message_type=x.XInternAtom(d, b"WM_PROTOCOLS", 0))
        ev.data[0] = x.XInternAtom(d, b"WM_DELETE_WINDOW", 0)
        x.XSendEvent(d, int(w), 0, 0, ctypes.byref(ev))
    x.XFlush(d)
    x.XCloseDisplay(d)


if __name__ == "__main__":
    try:
        close_window(os.environ["DISPLAY"], sys.argv[1])
    except RuntimeError as e:
        print(e, file=sys.stderr)
        sys.exit(1)
